/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "flow/gw_flow_ext.h"

/*
 * A fixed array of exts, one block of count * inline_bytes reassembly
 * bytes and one of overflow_bufs * max_bytes, all allocated at create.
 * Free exts form a LIFO list through next_free (indices), so get/put are
 * O(1) and the most recently used (cache-warm) ext is handed out next. An
 * ext in use has next_free == EXT_IN_USE, which lets put() ignore a double
 * put or a foreign pointer instead of corrupting the list. Free overflow
 * buffers are a stack of indices.
 *
 * The hold queue of each ext is max_segs entries of three arrays in pool
 * storage (GW_HOLD_MAX inline took 896 bytes per ext for the default 16).
 *
 * Sizing at the defaults (4 096 exts, 16 KiB max_bytes, 16 segments):
 * 4 096 x (2 KiB + ~0.4 KiB) + 128 x 16 KiB = ~12 MB, where one max_bytes
 * buffer and 64 hold entries per ext took 73 MB (docs/performance.md,
 * "Memory per flow").
 */

#define EXT_NIL UINT32_MAX
#define EXT_IN_USE (UINT32_MAX - 1)
#define EXT_MAX_BYTES 65535u
#define EXT_COUNT_MAX (UINT32_MAX - 2)
#define EXT_INLINE_DEFAULT 2048u
#define EXT_OVERFLOW_RATIO 32u

struct gw_flow_ext_pool {
	struct gw_flow_ext *exts;
	uint8_t *bufs;          /* count * lim.inline_bytes */
	uint8_t *over;          /* lim.overflow_bufs * lim.max_bytes */
	void **held;            /* count * lim.max_segs of each held array */
	uint32_t *held_seq;
	uint16_t *held_len;
	uint32_t *over_free;    /* stack of free overflow indices */
	uint32_t n_over_free;
	uint32_t count;
	uint32_t in_use;
	uint32_t free_head;
	uint64_t over_taken;
	uint64_t over_exhausted;
	struct gw_ext_limits lim;
};

static void
ext_limits_default(struct gw_ext_limits *lim)
{
	lim->max_bytes = 16384;
	lim->max_segs = 16;
	lim->timeout_ns = UINT64_C(2000000000);
	lim->inline_bytes = 0;
	lim->overflow_bufs = 0;
}

/* Fills the sizes left at 0 and caps the others. */
static void
ext_limits_resolve(struct gw_ext_limits *lim, uint32_t count)
{
	if (lim->inline_bytes == 0)
		lim->inline_bytes = EXT_INLINE_DEFAULT;
	if (lim->inline_bytes >= lim->max_bytes) {
		/* Everything fits inline: nothing to overflow into. */
		lim->inline_bytes = lim->max_bytes;
		lim->overflow_bufs = 0;
		return;
	}
	if (lim->overflow_bufs == 0)
		lim->overflow_bufs = count / EXT_OVERFLOW_RATIO > 0 ?
					     count / EXT_OVERFLOW_RATIO : 1;
	/* More than one per ext can never be used at once. */
	if (lim->overflow_bufs > count)
		lim->overflow_bufs = count;
}

struct gw_flow_ext_pool *
gw_flow_ext_pool_create(uint32_t count, const struct gw_ext_limits *lim)
{
	struct gw_flow_ext_pool *p;
	size_t exts_size, bufs_size, over_size, n_hold;
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
	ext_limits_resolve(&p->lim, count);
	p->count = count;
	if (__builtin_mul_overflow((size_t)count, sizeof(struct gw_flow_ext),
				   &exts_size) ||
	    __builtin_mul_overflow((size_t)count, (size_t)p->lim.inline_bytes,
				   &bufs_size) ||
	    __builtin_mul_overflow((size_t)p->lim.overflow_bufs,
				   (size_t)p->lim.max_bytes, &over_size)) {
		free(p);
		return NULL;
	}
	p->exts = malloc(exts_size);
	p->bufs = malloc(bufs_size);
	/* count * max_segs <= 2^32 * 64: no overflow in size_t on 64-bit. */
	n_hold = (size_t)count * p->lim.max_segs;
	p->held = malloc(n_hold * sizeof(*p->held));
	p->held_seq = malloc(n_hold * sizeof(*p->held_seq));
	p->held_len = malloc(n_hold * sizeof(*p->held_len));
	if (p->lim.overflow_bufs > 0) {
		p->over = malloc(over_size);
		p->over_free = malloc(p->lim.overflow_bufs *
				      sizeof(*p->over_free));
	}
	if (p->exts == NULL || p->bufs == NULL || p->held == NULL ||
	    p->held_seq == NULL || p->held_len == NULL ||
	    (p->lim.overflow_bufs > 0 &&
	     (p->over == NULL || p->over_free == NULL))) {
		gw_flow_ext_pool_free(p);
		return NULL;
	}
	/* Written now so that the pages are faulted in here, not on the data path. */
	memset(p->exts, 0, exts_size);
	memset(p->held, 0, n_hold * sizeof(*p->held));
	memset(p->held_seq, 0, n_hold * sizeof(*p->held_seq));
	memset(p->held_len, 0, n_hold * sizeof(*p->held_len));
	memset(p->bufs, 0, bufs_size);
	if (p->over != NULL)
		memset(p->over, 0, over_size);
	for (i = 0; i < count; i++) {
		size_t h = (size_t)i * p->lim.max_segs;

		p->exts[i].next_free = i + 1 < count ? i + 1 : EXT_NIL;
		p->exts[i].held = p->held + h;
		p->exts[i].held_seq = p->held_seq + h;
		p->exts[i].held_len = p->held_len + h;
	}
	p->free_head = 0;
	/* Lowest index on top: the first grows reuse the same (warm) buffers. */
	for (i = 0; i < p->lim.overflow_bufs; i++)
		p->over_free[i] = p->lim.overflow_bufs - 1 - i;
	p->n_over_free = p->lim.overflow_bufs;
	return p;
}

void
gw_flow_ext_pool_free(struct gw_flow_ext_pool *p)
{
	if (p == NULL)
		return;
	free(p->exts);
	free(p->bufs);
	free(p->over);
	free(p->over_free);
	free(p->held);
	free(p->held_seq);
	free(p->held_len);
	free(p);
}

/* gw_stream grow callback: moves the stream of an ext into an overflow buffer. */
static int
ext_stream_grow(struct gw_stream *s, uint32_t need, void *arg)
{
	struct gw_flow_ext_pool *p = arg;
	struct gw_flow_ext *e = (struct gw_flow_ext *)(void *)((char *)s -
				offsetof(struct gw_flow_ext, stream));
	uint8_t *nb;
	uint32_t idx;

	if (need > p->lim.max_bytes || e->overflow != 0)
		return GW_ELIMIT; /* cannot happen: cap is max_bytes */
	if (p->n_over_free == 0) {
		p->over_exhausted++;
		return GW_ELIMIT;
	}
	idx = p->over_free[--p->n_over_free];
	nb = p->over + (size_t)idx * p->lim.max_bytes;
	/* Received bytes all lie below buf_size: contig and every range end. */
	memcpy(nb, s->buf, s->buf_size);
	s->buf = nb;
	s->buf_size = p->lim.max_bytes;
	e->overflow = idx + 1;
	p->over_taken++;
	return 0;
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
	e->overflow = 0;
	gw_stream_init_grow(&e->stream,
			    p->bufs + (size_t)idx * p->lim.inline_bytes,
			    p->lim.inline_bytes, p->lim.max_bytes,
			    client_isn_plus1, ext_stream_grow, p);
	e->deadline_ns = now_ns + p->lim.timeout_ns;
	e->n_held = 0;
	p->in_use++;
	return e;
}

uint32_t
gw_flow_ext_ref(const struct gw_flow_ext_pool *p, const struct gw_flow_ext *e)
{
	uintptr_t d;

	if (e == NULL || (uintptr_t)e < (uintptr_t)p->exts)
		return 0;
	d = (uintptr_t)e - (uintptr_t)p->exts;
	if (d % sizeof(*e) != 0 || d / sizeof(*e) >= p->count)
		return 0;
	return (uint32_t)(d / sizeof(*e)) + 1;
}

struct gw_flow_ext *
gw_flow_ext_at(struct gw_flow_ext_pool *p, uint32_t ref)
{
	if (ref == 0 || ref > p->count)
		return NULL;
	return &p->exts[ref - 1];
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
	if (e->overflow != 0) {
		p->over_free[p->n_over_free++] = e->overflow - 1;
		e->overflow = 0;
	}
	/* No stale pointer into a buffer that another ext may now own. */
	e->stream.buf = NULL;
	e->stream.buf_size = 0;
	e->stream.cap = 0;
	e->stream.contig = 0;
	e->stream.n_ranges = 0;
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

void
gw_flow_ext_stats(const struct gw_flow_ext_pool *p, struct gw_flow_ext_stats *st)
{
	st->overflow_total = p->lim.overflow_bufs;
	st->overflow_in_use = p->lim.overflow_bufs - p->n_over_free;
	st->overflow_taken = p->over_taken;
	st->overflow_exhausted = p->over_exhausted;
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
