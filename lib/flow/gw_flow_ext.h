/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_FLOW_EXT_H
#define GW_FLOW_EXT_H

#include <stdbool.h>
#include <stdint.h>

#include "stream/gw_stream.h"

/*
 * State a flow needs only while its verdict is pending: the reassembly
 * buffer for the client's first bytes (ClientHello or HTTP request head)
 * and the hold queue of the client's segments (opaque packet pointers, the
 * app's mbufs). Taken from a fixed per-worker pool when the first client
 * payload arrives, returned at the verdict. Bounded by the pool's limits.
 *
 * Memory: each ext reassembles into a small inline buffer (inline_bytes,
 * default 2 KiB: a ClientHello is ~0.7 KB, ~1.9 KB with a post-quantum key
 * share; an HTTP request head a few hundred bytes). A stream that grows
 * past it borrows a max_bytes buffer from a shared overflow pool (default
 * one per 32 exts) for as long as the ext is in use. An empty overflow pool
 * makes gw_stream_add return GW_ELIMIT, exactly as reaching max_bytes does
 * (the app denies with reassembly_limit), and is counted.
 */

#define GW_HOLD_MAX 64 /* hard upper bound of held packets per flow */

struct gw_flow_ext {
	struct gw_stream stream;   /* client stream reassembly (lib/stream) */
	uint64_t deadline_ns;      /* first payload + reassembly timeout */
	uint16_t n_held;
	/* max_segs entries each, in the pool's storage (set at create). */
	void **held;
	uint32_t *held_seq;
	uint16_t *held_len;        /* payload bytes (FIN-only: 0) */
	uint32_t next_free;        /* internal free-list link */
	uint32_t overflow;         /* internal: overflow buffer index + 1, 0 none */
};

struct gw_flow_ext_pool;

struct gw_ext_limits {
	uint32_t max_bytes;   /* reassembly bytes, default 16384 (1..65535) */
	uint16_t max_segs;    /* held segments, default 16 (1..GW_HOLD_MAX) */
	uint64_t timeout_ns;  /* default 2 s */
	/* 0 selects the default (see above); both are capped sensibly. */
	uint32_t inline_bytes;   /* per-ext buffer, default min(2048, max_bytes) */
	uint32_t overflow_bufs;  /* shared max_bytes buffers, default max(1, count / 32) */
};

struct gw_flow_ext_stats {
	uint32_t overflow_total;     /* buffers in the overflow pool */
	uint32_t overflow_in_use;
	uint64_t overflow_taken;     /* grows served since create */
	uint64_t overflow_exhausted; /* grows refused: the pool was empty */
};

struct gw_flow_ext_pool *gw_flow_ext_pool_create(uint32_t count,
						 const struct gw_ext_limits *lim);
void gw_flow_ext_pool_free(struct gw_flow_ext_pool *p);
/* NULL when the pool is empty. The ext's stream is reset and ready. */
struct gw_flow_ext *gw_flow_ext_get(struct gw_flow_ext_pool *p,
				    uint32_t client_isn_plus1, uint64_t now_ns);
/*
 * A flow keeps its ext as a 32-bit handle (struct gw_flow's `ext`): the
 * ext's index + 1, 0 for none. gw_flow_ext_at(p, 0) is NULL.
 */
uint32_t gw_flow_ext_ref(const struct gw_flow_ext_pool *p,
			 const struct gw_flow_ext *e);
struct gw_flow_ext *gw_flow_ext_at(struct gw_flow_ext_pool *p, uint32_t ref);
/* Caller must have released or freed the held packets first. */
void gw_flow_ext_put(struct gw_flow_ext_pool *p, struct gw_flow_ext *e);
const struct gw_ext_limits *gw_flow_ext_limits(const struct gw_flow_ext_pool *p);
uint32_t gw_flow_ext_in_use(const struct gw_flow_ext_pool *p);
void gw_flow_ext_stats(const struct gw_flow_ext_pool *p,
		       struct gw_flow_ext_stats *st);

/*
 * Adds a held packet; returns false if max_segs is reached (the caller then
 * denies with reason reassembly_limit).
 */
bool gw_flow_ext_hold(struct gw_flow_ext_pool *p, struct gw_flow_ext *e,
		      void *pkt, uint32_t seq, uint16_t len);
/* Sorts held packets (with their seq/len) by sequence number (serial
 * arithmetic, stable) for in-order release. */
void gw_flow_ext_sort_held(struct gw_flow_ext *e);

#endif /* GW_FLOW_EXT_H */
