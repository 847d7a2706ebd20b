/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "eve/gw_eve.h"

/*
 * Entries live in a fixed pool and never move; the open-addressing index
 * holds pool positions. Backward-shift deletion moves index slots only, so
 * the age list (oldest -> newest, doubly linked through pool positions)
 * stays valid and eviction of the oldest entry is O(1) plus one probe.
 */
#define NIL UINT32_MAX
#define CACHE_CAPACITY_MAX (1u << 26)

struct cache_entry {
	uint64_t flow_id;
	uint32_t older;
	uint32_t newer; /* also the free-list link */
	struct gw_eve_name name;
};

struct gw_eve_cache {
	uint32_t capacity;
	uint32_t count;
	uint32_t mask;   /* index slots - 1 */
	uint32_t oldest;
	uint32_t newest;
	uint32_t free_head;
	uint64_t evicted;
	uint32_t *index; /* pool position or NIL */
	struct cache_entry *pool;
};

/* Flow ids are (worker << 56) | counter: mix so the low bits spread. */
static uint32_t
id_hash(uint64_t x)
{
	return (uint32_t)gw_hash64(x);
}

struct gw_eve_cache *
gw_eve_cache_create(uint32_t capacity)
{
	struct gw_eve_cache *c;
	uint32_t slots = 1;
	uint32_t i;

	if (capacity == 0 || capacity > CACHE_CAPACITY_MAX)
		return NULL;
	/* At most half full: short probe sequences. */
	while (slots < capacity * 2)
		slots <<= 1;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->index = malloc(sizeof(*c->index) * slots);
	c->pool = calloc(capacity, sizeof(*c->pool));
	if (c->index == NULL || c->pool == NULL) {
		gw_eve_cache_free(c);
		return NULL;
	}
	for (i = 0; i < slots; i++)
		c->index[i] = NIL;
	for (i = 0; i < capacity; i++)
		c->pool[i].newer = i + 1 < capacity ? i + 1 : NIL;
	c->capacity = capacity;
	c->mask = slots - 1;
	c->oldest = NIL;
	c->newest = NIL;
	c->free_head = 0;
	return c;
}

void
gw_eve_cache_free(struct gw_eve_cache *c)
{
	if (c == NULL)
		return;
	free(c->index);
	free(c->pool);
	free(c);
}

/* Slot holding flow_id, or the empty slot where it would go (*found false). */
static uint32_t
slot_find(const struct gw_eve_cache *c, uint64_t flow_id, bool *found)
{
	uint32_t i = id_hash(flow_id) & c->mask;

	while (c->index[i] != NIL) {
		if (c->pool[c->index[i]].flow_id == flow_id) {
			*found = true;
			return i;
		}
		i = (i + 1) & c->mask;
	}
	*found = false;
	return i;
}

/* Empties slot i and shifts back the entries whose probe runs crossed it. */
static void
slot_remove(struct gw_eve_cache *c, uint32_t i)
{
	uint32_t j = i;

	c->index[i] = NIL;
	for (;;) {
		uint32_t home;
		bool stays;

		j = (j + 1) & c->mask;
		if (c->index[j] == NIL)
			return;
		home = id_hash(c->pool[c->index[j]].flow_id) & c->mask;
		/* The entry at j stays if its home lies cyclically in (i, j]. */
		if (i <= j)
			stays = i < home && home <= j;
		else
			stays = i < home || home <= j;
		if (stays)
			continue;
		c->index[i] = c->index[j];
		c->index[j] = NIL;
		i = j;
	}
}

static void
age_unlink(struct gw_eve_cache *c, uint32_t e)
{
	struct cache_entry *x = &c->pool[e];

	if (x->older != NIL)
		c->pool[x->older].newer = x->newer;
	else
		c->oldest = x->newer;
	if (x->newer != NIL)
		c->pool[x->newer].older = x->older;
	else
		c->newest = x->older;
}

static void
age_append(struct gw_eve_cache *c, uint32_t e)
{
	struct cache_entry *x = &c->pool[e];

	x->older = c->newest;
	x->newer = NIL;
	if (c->newest != NIL)
		c->pool[c->newest].newer = e;
	else
		c->oldest = e;
	c->newest = e;
}

/* Removes entry e (found at index slot i) and returns it to the pool. */
static void
entry_release(struct gw_eve_cache *c, uint32_t i, uint32_t e)
{
	slot_remove(c, i);
	age_unlink(c, e);
	c->pool[e].newer = c->free_head;
	c->free_head = e;
	c->count--;
}

int
gw_eve_cache_put(struct gw_eve_cache *c, uint64_t flow_id,
		 const struct gw_eve_name *n)
{
	uint32_t i;
	uint32_t e;
	bool found;
	int rc = 0;

	if (c == NULL || n == NULL)
		return GW_EINVAL;
	i = slot_find(c, flow_id, &found);
	if (found) {
		e = c->index[i];
		c->pool[e].name = *n;
		age_unlink(c, e);
		age_append(c, e);
		return 0;
	}
	if (c->count == c->capacity) {
		uint32_t old = c->oldest;
		uint32_t oi = slot_find(c, c->pool[old].flow_id, &found);

		entry_release(c, oi, old);
		c->evicted++;
		rc = 1;
		/* The shift may have moved entries into the slot found above. */
		i = slot_find(c, flow_id, &found);
	}
	e = c->free_head;
	c->free_head = c->pool[e].newer;
	c->pool[e].flow_id = flow_id;
	c->pool[e].name = *n;
	c->index[i] = e;
	age_append(c, e);
	c->count++;
	return rc;
}

int
gw_eve_cache_take(struct gw_eve_cache *c, uint64_t flow_id,
		  struct gw_eve_name *out)
{
	uint32_t i;
	uint32_t e;
	bool found;

	if (c == NULL)
		return GW_EINVAL;
	i = slot_find(c, flow_id, &found);
	if (!found)
		return GW_ENOENT;
	e = c->index[i];
	if (out != NULL)
		*out = c->pool[e].name;
	entry_release(c, i, e);
	return 0;
}

uint32_t
gw_eve_cache_count(const struct gw_eve_cache *c)
{
	return c != NULL ? c->count : 0;
}

uint32_t
gw_eve_cache_capacity(const struct gw_eve_cache *c)
{
	return c != NULL ? c->capacity : 0;
}

uint64_t
gw_eve_cache_evicted(const struct gw_eve_cache *c)
{
	return c != NULL ? c->evicted : 0;
}
