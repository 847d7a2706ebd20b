/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_STREAM_H
#define GW_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Bounded reassembly of the first bytes of one TCP direction (the client's
 * ClientHello or HTTP request head), DPDK-free. Segments may arrive out of
 * order, overlap or repeat; bytes are placed by sequence number relative to
 * the stream's first byte (ISN + 1) into a caller-provided buffer of `cap`
 * bytes. Nothing beyond cap is stored: a segment reaching past the cap makes
 * gw_stream_add return GW_ELIMIT.
 *
 * A growable stream (gw_stream_init_grow) starts in a smaller buffer of
 * buf_size bytes and calls its grow callback when a segment reaches past
 * it: most ClientHellos and request heads fit a small inline buffer, and
 * only the few that do not borrow a cap-sized one. The limit stays cap;
 * a grow that fails makes the add return GW_ELIMIT, like the cap.
 */

struct gw_stream;

/*
 * Gives s a buffer of at least `need` bytes (need <= s->cap) holding the
 * bytes of the old one: sets s->buf and s->buf_size, returns 0, or a
 * negative GW_E* with s unchanged.
 */
typedef int (*gw_stream_grow_fn)(struct gw_stream *s, uint32_t need,
				 void *arg);

#define GW_STREAM_MAX_RANGES 16 /* disjoint out-of-order ranges tracked */

struct gw_stream {
	uint8_t *buf;       /* buf_size bytes, owned by the caller (ext pool) */
	uint32_t cap;       /* limit of the stream: bytes [0, cap) may be stored */
	uint32_t buf_size;  /* bytes of buf: cap, or less while it may grow */
	gw_stream_grow_fn grow; /* NULL: buf_size == cap */
	void *grow_arg;
	uint32_t base_seq;  /* sequence number of buf[0] */
	uint32_t contig;    /* bytes available contiguously from buf[0] */
	uint16_t n_ranges;  /* received ranges beyond contig, sorted, disjoint */
	uint16_t n_segs;    /* segments accepted (including duplicates) */
	struct {
		uint32_t start; /* offsets from base_seq, start < end <= cap */
		uint32_t end;
	} ranges[GW_STREAM_MAX_RANGES];
};

void gw_stream_init(struct gw_stream *s, uint8_t *buf, uint32_t cap,
		    uint32_t base_seq);
/* Same, starting in buf of buf_size bytes (< cap) and growing through grow. */
void gw_stream_init_grow(struct gw_stream *s, uint8_t *buf, uint32_t buf_size,
			 uint32_t cap, uint32_t base_seq,
			 gw_stream_grow_fn grow, void *grow_arg);

/*
 * Adds a segment. Bytes before base_seq (retransmitted SYN data, keepalive)
 * are ignored; overlaps must carry the same bytes as the first copy.
 * Returns the contiguous length after the add (>= 0), GW_ELIMIT when the
 * segment ends beyond cap, the buffer could not grow to hold it, or there
 * are more than GW_STREAM_MAX_RANGES holes (nothing is stored then), GW_EMALFORMED when it overlaps received bytes with different
 * content (nothing is stored then).
 */
int gw_stream_add(struct gw_stream *s, uint32_t seq, const uint8_t *data,
		  uint32_t len);

static inline uint32_t
gw_stream_contig(const struct gw_stream *s)
{
	return s->contig;
}

#endif /* GW_STREAM_H */
