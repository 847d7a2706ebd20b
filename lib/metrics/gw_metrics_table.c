/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounded LRU hash table of lib/metrics: chained buckets over a fixed node
 * array, a doubly linked LRU list and a free list. Nothing is allocated
 * after gw_mtab_init().
 */
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "metrics/gw_metrics_private.h"

uint64_t
gw_mtab_hash(const struct gw_mtab *t, const void *key)
{
	const uint8_t *p = key;
	uint64_t h = t->seed ^ ((uint64_t)t->key_size * 0x9e3779b97f4a7c15ULL);
	size_t i;

	for (i = 0; i + 8 <= t->key_size; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		h = gw_hash64(h ^ v) + 0x9e3779b97f4a7c15ULL;
	}
	if (i < t->key_size) {
		uint64_t v = 0;

		memcpy(&v, p + i, t->key_size - i);
		h = gw_hash64(h ^ v ^ 0x5bd1e995ULL);
	}
	return gw_hash64(h);
}

int
gw_mtab_init(struct gw_mtab *t, uint32_t cap, uint32_t key_size, uint64_t seed)
{
	uint32_t nb = 1;
	uint32_t i;

	memset(t, 0, sizeof(*t));
	if (cap == 0 || cap >= (1U << 30) || key_size == 0)
		return GW_EINVAL;
	/* At least two buckets per entry keeps chains short. */
	while (nb < cap * 2)
		nb <<= 1;
	t->cap = cap;
	t->mask = nb - 1;
	t->key_size = key_size;
	t->seed = seed;
	t->heads = malloc((size_t)nb * sizeof(*t->heads));
	t->nodes = calloc(cap, sizeof(*t->nodes));
	t->keys = calloc(cap, key_size);
	if (t->heads == NULL || t->nodes == NULL || t->keys == NULL) {
		gw_mtab_fini(t);
		return GW_ENOMEM;
	}
	for (i = 0; i < nb; i++)
		t->heads[i] = GW_MT_NONE;
	for (i = 0; i < cap; i++)
		t->nodes[i].next = i + 1 < cap ? i + 1 : GW_MT_NONE;
	t->free_head = 0;
	t->lru_head = GW_MT_NONE;
	t->lru_tail = GW_MT_NONE;
	return 0;
}

void
gw_mtab_fini(struct gw_mtab *t)
{
	free(t->heads);
	free(t->nodes);
	free(t->keys);
	t->heads = NULL;
	t->nodes = NULL;
	t->keys = NULL;
}

uint32_t
gw_mtab_find(const struct gw_mtab *t, uint64_t hash, const void *key)
{
	uint32_t i = t->heads[hash & t->mask];

	while (i != GW_MT_NONE) {
		const struct gw_mtab_node *n = &t->nodes[i];

		if (n->hash == hash &&
		    memcmp(gw_mtab_key(t, i), key, t->key_size) == 0)
			return i;
		i = n->hnext;
	}
	return GW_MT_NONE;
}

static void
lru_unlink(struct gw_mtab *t, uint32_t idx)
{
	struct gw_mtab_node *n = &t->nodes[idx];

	if (n->prev != GW_MT_NONE)
		t->nodes[n->prev].next = n->next;
	else
		t->lru_head = n->next;
	if (n->next != GW_MT_NONE)
		t->nodes[n->next].prev = n->prev;
	else
		t->lru_tail = n->prev;
}

static void
lru_push_head(struct gw_mtab *t, uint32_t idx)
{
	struct gw_mtab_node *n = &t->nodes[idx];

	n->prev = GW_MT_NONE;
	n->next = t->lru_head;
	if (t->lru_head != GW_MT_NONE)
		t->nodes[t->lru_head].prev = idx;
	t->lru_head = idx;
	if (t->lru_tail == GW_MT_NONE)
		t->lru_tail = idx;
}

static void
chain_unlink(struct gw_mtab *t, uint32_t idx)
{
	uint32_t *pp = &t->heads[t->nodes[idx].hash & t->mask];

	while (*pp != GW_MT_NONE) {
		if (*pp == idx) {
			*pp = t->nodes[idx].hnext;
			return;
		}
		pp = &t->nodes[*pp].hnext;
	}
}

void
gw_mtab_remove(struct gw_mtab *t, uint32_t idx)
{
	struct gw_mtab_node *n = &t->nodes[idx];

	if (!n->used)
		return;
	chain_unlink(t, idx);
	lru_unlink(t, idx);
	n->used = false;
	n->next = t->free_head;
	t->free_head = idx;
	t->n--;
}

uint32_t
gw_mtab_insert(struct gw_mtab *t, uint64_t hash, const void *key,
	       bool *evicted)
{
	struct gw_mtab_node *n;
	uint32_t idx;

	*evicted = false;
	if (t->free_head == GW_MT_NONE) {
		/* Full: the least recently used entry makes room. */
		gw_mtab_remove(t, t->lru_tail);
		*evicted = true;
	}
	idx = t->free_head;
	n = &t->nodes[idx];
	t->free_head = n->next;
	n->used = true;
	n->gen++;
	n->hash = hash;
	n->hnext = t->heads[hash & t->mask];
	t->heads[hash & t->mask] = idx;
	memcpy(t->keys + (size_t)idx * t->key_size, key, t->key_size);
	lru_push_head(t, idx);
	t->n++;
	return idx;
}

void
gw_mtab_touch(struct gw_mtab *t, uint32_t idx)
{
	if (t->lru_head == idx)
		return;
	lru_unlink(t, idx);
	lru_push_head(t, idx);
}
