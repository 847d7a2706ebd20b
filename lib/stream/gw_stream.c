/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/gw_error.h"
#include "stream/gw_stream.h"

/*
 * Offsets are computed as (seq - base_seq) in 32-bit serial arithmetic
 * (RFC 1982): a difference of 2^31 or more is a sequence number *before*
 * base_seq, so a stream whose first byte sits just below 2^32 keeps working
 * once the sequence space wraps. The cap is far below 2^31, so the two
 * halves never meet.
 *
 * The received set is [0, contig) plus up to GW_STREAM_MAX_RANGES disjoint,
 * non-adjacent ranges, sorted, each starting strictly after contig. A new
 * segment is merged into a scratch copy of that list first; only when the
 * result fits are bytes copied and the state committed, so an add that
 * fails with GW_ELIMIT leaves the stream exactly as it was.
 */

struct stream_range {
	uint32_t start;
	uint32_t end;
};

void
gw_stream_init(struct gw_stream *s, uint8_t *buf, uint32_t cap,
	       uint32_t base_seq)
{
	/* gw_stream_add returns the contiguous length as an int. */
	if (cap > INT32_MAX)
		cap = INT32_MAX;
	s->buf = buf;
	s->cap = buf != NULL ? cap : 0;
	s->buf_size = s->cap;
	s->grow = NULL;
	s->grow_arg = NULL;
	s->base_seq = base_seq;
	s->contig = 0;
	s->n_ranges = 0;
	s->n_segs = 0;
}

void
gw_stream_init_grow(struct gw_stream *s, uint8_t *buf, uint32_t buf_size,
		    uint32_t cap, uint32_t base_seq, gw_stream_grow_fn grow,
		    void *grow_arg)
{
	gw_stream_init(s, buf, cap, base_seq);
	if (buf == NULL || grow == NULL)
		return;
	/* Without a buffer there is nothing to grow from; never larger than cap. */
	s->buf_size = buf_size < s->cap ? buf_size : s->cap;
	if (s->buf_size < s->cap) {
		s->grow = grow;
		s->grow_arg = grow_arg;
	}
}

/* Saturates rather than wraps: the counter only ever grows. */
static inline void
stream_count_seg(struct gw_stream *s)
{
	if (s->n_segs < UINT16_MAX)
		s->n_segs++;
}

/* Copies the parts of [off, end) not yet received (overlaps keep the first copy). */
static void
stream_copy_gaps(struct gw_stream *s, uint32_t off, uint32_t end,
		 const uint8_t *data)
{
	uint32_t pos = off;
	uint16_t i;

	for (i = 0; i < s->n_ranges && pos < end; i++) {
		uint32_t rs = s->ranges[i].start;
		uint32_t re = s->ranges[i].end;

		if (re <= pos)
			continue;
		if (rs >= end)
			break;
		if (rs > pos)
			memcpy(s->buf + pos, data + (pos - off), rs - pos);
		pos = re;
	}
	if (pos < end)
		memcpy(s->buf + pos, data + (pos - off), end - pos);
}

/*
 * True when [off, end) overlaps bytes already received with different
 * content. Keeping the first copy is not enough: the held segments are
 * forwarded as they came, and the server may reassemble the other copy.
 */
static bool
stream_conflicts(const struct gw_stream *s, uint32_t off, uint32_t end,
		 const uint8_t *data)
{
	uint32_t hi = end < s->contig ? end : s->contig;
	uint16_t i;

	if (off < hi && memcmp(s->buf + off, data, hi - off) != 0)
		return true;
	for (i = 0; i < s->n_ranges; i++) {
		uint32_t lo = s->ranges[i].start > off ? s->ranges[i].start : off;

		hi = s->ranges[i].end < end ? s->ranges[i].end : end;
		if (lo < hi && memcmp(s->buf + lo, data + (lo - off), hi - lo) != 0)
			return true;
	}
	return false;
}

int
gw_stream_add(struct gw_stream *s, uint32_t seq, const uint8_t *data,
	      uint32_t len)
{
	struct stream_range out[GW_STREAM_MAX_RANGES + 1];
	uint32_t off, end, a, b, contig;
	unsigned int n, i, first;
	bool placed;

	if (len == 0)
		return (int)s->contig;
	if (data == NULL || s->n_ranges > GW_STREAM_MAX_RANGES)
		return GW_EINVAL;

	off = seq - s->base_seq;
	if ((int32_t)off < 0) {
		/* Starts before the first byte: drop what precedes it. */
		uint32_t skip = -off;

		if (skip >= len)
			return (int)s->contig;
		data += skip;
		len -= skip;
		off = 0;
	}
	if ((uint64_t)off + len > s->cap)
		return GW_ELIMIT;
	end = off + len;
	if (stream_conflicts(s, off, end, data))
		return GW_EMALFORMED;

	if (end <= s->contig) {
		/* Pure duplicate of bytes already delivered. */
		stream_count_seg(s);
		return (int)s->contig;
	}
	if (off < s->contig) {
		data += s->contig - off;
		off = s->contig;
	}

	/* Merge [off, end) into a scratch copy of the range list. */
	a = off;
	b = end;
	n = 0;
	placed = false;
	for (i = 0; i < s->n_ranges; i++) {
		uint32_t rs = s->ranges[i].start;
		uint32_t re = s->ranges[i].end;

		if (re < a) {
			out[n].start = rs;
			out[n++].end = re;
		} else if (rs > b) {
			if (!placed) {
				out[n].start = a;
				out[n++].end = b;
				placed = true;
			}
			out[n].start = rs;
			out[n++].end = re;
		} else {
			/* Overlapping or adjacent: absorb. */
			if (rs < a)
				a = rs;
			if (re > b)
				b = re;
		}
	}
	if (!placed) {
		out[n].start = a;
		out[n++].end = b;
	}

	/* Ranges start strictly after contig, so only out[0] can extend it. */
	contig = s->contig;
	first = 0;
	if (out[0].start == contig) {
		contig = out[0].end;
		first = 1;
	}
	if (n - first > GW_STREAM_MAX_RANGES)
		return GW_ELIMIT;

	/* Everything checked: only now may the buffer grow (a failure leaves the stream as it was). */
	if (end > s->buf_size &&
	    (s->grow == NULL || s->grow(s, end, s->grow_arg) < 0 ||
	     s->buf_size < end))
		return GW_ELIMIT;
	stream_copy_gaps(s, off, end, data);
	for (i = first; i < n; i++) {
		s->ranges[i - first].start = out[i].start;
		s->ranges[i - first].end = out[i].end;
	}
	s->n_ranges = (uint16_t)(n - first);
	s->contig = contig;
	stream_count_seg(s);
	return (int)contig;
}
