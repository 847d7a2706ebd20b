/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/gw_flow_ext.h"

/*
 * A fixed array of exts plus one block of count * max_bytes reassembly
 * bytes, both allocated at create. Free exts form a LIFO list through
 * next_free (indices), so get/put are O(1) and the most recently used
 * (cache-warm) ext is handed out next. An ext in use has next_free ==
 * EXT_IN_USE, which lets put() ignore a double put or a foreign pointer
 * instead of corrupting the list.
 */

#define EXT_NIL UINT32_MAX
#define EXT_IN_USE (UINT32_MAX - 1)
#define EXT_MAX_BYTES 65535u
#define EXT_COUNT_MAX (UINT32_MAX - 2)

struct gw_flow_ext_pool {
	struct gw_flow_ext *exts;
	uint8_t *bufs;
	uint32_t count;
	uint32_t in_use;
	uint32_t free_head;
	struct gw_ext_limits lim;
};

static void
ext_limits_default(struct gw_ext_limits *lim)
{
	lim->max_bytes = 16384;
	lim->max_segs = 16;
	lim->timeout_ns = UINT64_C(2000000000);
}

struct gw_flow_ext_pool *
gw_flow_ext_pool_create(uint32_t count, const struct gw_ext_limits *lim)
{
	struct gw_flow_ext_pool *p;
	size_t exts_size, bufs_size;
	uint32_t i;

	if (count == 0 || count > EXT_COUNT_MAX)
		return NULL;
	if (lim != NULL &&
	    (lim->max_bytes == 0 || lim->max_bytes > EXT_MAX_BYTES ||
	     lim->max_segs == 0 || lim->max_segs > GW_HOLD_MAX))
		return NULL;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	if (lim != NULL)
		p->lim = *lim;
	else
		ext_limits_default(&p->lim);
	p->count = count;
	if (__builtin_mul_overflow((size_t)count, sizeof(struct gw_flow_ext),
				   &exts_size) ||
	    __builtin_mul_overflow((size_t)count, (size_t)p->lim.max_bytes,
				   &bufs_size)) {
		free(p);
		return NULL;
	}
	p->exts = malloc(exts_size);
	p->bufs = malloc(bufs_size);
	if (p->exts == NULL || p->bufs == NULL) {
		gw_flow_ext_pool_free(p);
		return NULL;
	}
	/* Written now so that the pages are faulted in here, not on the data path. */
	memset(p->exts, 0, exts_size);
	memset(p->bufs, 0, bufs_size);
	for (i = 0; i < count; i++)
		p->exts[i].next_free = i + 1 < count ? i + 1 : EXT_NIL;
	p->free_head = 0;
	return p;
}

void
gw_flow_ext_pool_free(struct gw_flow_ext_pool *p)
{
	if (p == NULL)
		return;
	free(p->exts);
	free(p->bufs);
	free(p);
}

struct gw_flow_ext *
gw_flow_ext_get(struct gw_flow_ext_pool *p, uint32_t client_isn_plus1,
		uint64_t now_ns)
{
	struct gw_flow_ext *e;
	uint32_t idx = p->free_head;

	if (idx == EXT_NIL)
		return NULL;
	e = &p->exts[idx];
	p->free_head = e->next_free;
	e->next_free = EXT_IN_USE;
	gw_stream_init(&e->stream, p->bufs + (size_t)idx * p->lim.max_bytes,
		       p->lim.max_bytes, client_isn_plus1);
	e->deadline_ns = now_ns + p->lim.timeout_ns;
	e->n_held = 0;
	p->in_use++;
	return e;
}

void
gw_flow_ext_put(struct gw_flow_ext_pool *p, struct gw_flow_ext *e)
{
	uintptr_t d;
	uint32_t idx;

	if (e == NULL || (uintptr_t)e < (uintptr_t)p->exts)
		return;
	d = (uintptr_t)e - (uintptr_t)p->exts;
	if (d % sizeof(*e) != 0 || d / sizeof(*e) >= p->count ||
	    e->next_free != EXT_IN_USE)
		return;
	idx = (uint32_t)(d / sizeof(*e));
	e->n_held = 0;
	e->next_free = p->free_head;
	p->free_head = idx;
	p->in_use--;
}

const struct gw_ext_limits *
gw_flow_ext_limits(const struct gw_flow_ext_pool *p)
{
	return &p->lim;
}

uint32_t
gw_flow_ext_in_use(const struct gw_flow_ext_pool *p)
{
	return p->in_use;
}

bool
gw_flow_ext_hold(struct gw_flow_ext_pool *p, struct gw_flow_ext *e, void *pkt,
		 uint32_t seq, uint16_t len)
{
	/* max_segs <= GW_HOLD_MAX was checked at create. */
	if (e->n_held >= p->lim.max_segs)
		return false;
	e->held[e->n_held] = pkt;
	e->held_seq[e->n_held] = seq;
	e->held_len[e->n_held] = len;
	e->n_held++;
	return true;
}

void
gw_flow_ext_sort_held(struct gw_flow_ext *e)
{
	uint16_t i, j, n = e->n_held;

	if (n > GW_HOLD_MAX)
		n = GW_HOLD_MAX;
	/*
	 * Insertion sort: at most GW_HOLD_MAX items, usually already in order
	 * (then it is one pass). Stable, since only strictly later sequence
	 * numbers are shifted, so retransmissions keep their arrival order.
	 */
	for (i = 1; i < n; i++) {
		void *pkt = e->held[i];
		uint32_t seq = e->held_seq[i];
		uint16_t len = e->held_len[i];

		for (j = i; j > 0 && (int32_t)(e->held_seq[j - 1] - seq) > 0; j--) {
			e->held[j] = e->held[j - 1];
			e->held_seq[j] = e->held_seq[j - 1];
			e->held_len[j] = e->held_len[j - 1];
		}
		e->held[j] = pkt;
		e->held_seq[j] = seq;
		e->held_len[j] = len;
	}
}
