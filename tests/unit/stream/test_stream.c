/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "gw_test.h"
#include "stream/gw_stream.h"

/*
 * gw_stream is checked against a byte-map model: `have[]` says which
 * offsets hold a byte, `buf[]` the byte that arrived first. Every add is
 * predicted by the model (contig, GW_ELIMIT when the result would need more
 * than GW_STREAM_MAX_RANGES ranges or end beyond cap, nothing stored
 * then) and the stream's state is compared with it field by field, ranges
 * included. The stream buffer sits right before a guard page, so any write
 * past cap faults.
 */

#define MODEL_CAP 4096

struct model {
	uint32_t cap;
	uint32_t base;
	uint16_t n_segs;
	bool have[MODEL_CAP];
	uint8_t buf[MODEL_CAP];
};

struct fixture {
	struct gw_guard guard;  /* stream buffer ends at a guard page */
	struct gw_guard sguard; /* growable streams: the small first buffer */
	uint8_t *big;           /* ... and the cap-sized one they grow into */
	unsigned int grows;
	struct gw_guard dguard; /* source bytes end at a guard page */
	uint8_t *dend;
	struct gw_stream s;
	struct model m;
};

static uint64_t rng_state;
static const uint8_t seg_room[2 * MODEL_CAP];

static uint32_t
rng(void)
{
	/* xorshift64*: deterministic across runs and platforms */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static void
fixture_init(struct fixture *fx, uint32_t cap, uint32_t base)
{
	uint8_t *buf;

	ck_assert_uint_le(cap, MODEL_CAP);
	buf = gw_guard_place(&fx->guard, seg_room, cap);
	memset(buf, 0xee, cap);
	gw_stream_init(&fx->s, buf, cap, base);
	fx->sguard.map = NULL;
	fx->big = NULL;
	fx->grows = 0;
	/* room for the longest segment of any test, right before a guard page */
	fx->dend = gw_guard_place(&fx->dguard, seg_room, sizeof(seg_room)) +
		   sizeof(seg_room);
	memset(&fx->m, 0, sizeof(fx->m));
	fx->m.cap = cap;
	fx->m.base = base;
}

static void
fixture_fini(struct fixture *fx)
{
	gw_guard_release(&fx->guard);
	gw_guard_release(&fx->sguard);
	gw_guard_release(&fx->dguard);
}

/* Grow callback of the fixture: moves into the cap-sized guarded buffer once. */
static int
fixture_grow(struct gw_stream *s, uint32_t need, void *arg)
{
	struct fixture *fx = arg;

	ck_assert_ptr_eq(s, &fx->s);
	ck_assert_uint_gt(need, s->buf_size);
	ck_assert_uint_le(need, s->cap);
	ck_assert_ptr_nonnull(fx->big);
	memcpy(fx->big, s->buf, s->buf_size);
	s->buf = fx->big;
	s->buf_size = s->cap;
	fx->big = NULL;
	fx->grows++;
	return 0;
}

/* A stream that starts in `inl` bytes (both buffers end at guard pages). */
static void
fixture_init_grow(struct fixture *fx, uint32_t cap, uint32_t base,
		  uint32_t inl)
{
	uint8_t *small;

	fixture_init(fx, cap, base);
	fx->big = fx->s.buf;
	small = gw_guard_place(&fx->sguard, seg_room, inl);
	memset(small, 0xee, inl);
	gw_stream_init_grow(&fx->s, small, inl, cap, base, fixture_grow, fx);
	ck_assert_uint_eq(fx->s.cap, cap);
	ck_assert_uint_eq(fx->s.buf_size, inl < cap ? inl : cap);
}

static uint32_t
model_contig(const struct model *m)
{
	uint32_t c = 0;

	while (c < m->cap && m->have[c])
		c++;
	return c;
}

/* Ranges beyond contig as maximal runs; returns their number. */
static unsigned int
model_ranges(const struct model *m, uint32_t starts[], uint32_t ends[],
	     unsigned int max)
{
	uint32_t i = model_contig(m);
	unsigned int n = 0;

	while (i < m->cap) {
		uint32_t st;

		while (i < m->cap && !m->have[i])
			i++;
		if (i >= m->cap)
			break;
		st = i;
		while (i < m->cap && m->have[i])
			i++;
		if (n < max) {
			starts[n] = st;
			ends[n] = i;
		}
		n++;
	}
	return n;
}

static int
model_add(struct model *m, uint32_t seq, const uint8_t *data, uint32_t len)
{
	struct model save;
	int64_t d = (int32_t)(seq - m->base);
	uint32_t k;

	if (len == 0 || d + (int64_t)len <= 0)
		return (int)model_contig(m);
	if (d + (int64_t)len > m->cap)
		return GW_ELIMIT;
	/* Overlaps must repeat the bytes already received. */
	for (k = 0; k < len; k++) {
		int64_t pos = d + k;

		if (pos >= 0 && m->have[pos] && m->buf[pos] != data[k])
			return GW_EMALFORMED;
	}
	save = *m;
	for (k = 0; k < len; k++) {
		int64_t pos = d + k;

		if (pos < 0 || m->have[pos])
			continue;
		m->have[pos] = true;
		m->buf[pos] = data[k];
	}
	if (model_ranges(m, NULL, NULL, 0) > GW_STREAM_MAX_RANGES) {
		*m = save;
		return GW_ELIMIT;
	}
	m->n_segs++;
	return (int)model_contig(m);
}

/*
 * Check records every passing assertion (a write to its pipe), so the
 * per-byte comparisons collect the first mismatch and assert once.
 */
static void
check_state(const struct fixture *fx)
{
	static uint32_t st[MODEL_CAP], en[MODEL_CAP];
	unsigned int n, i, bad_range = UINT32_MAX;
	uint32_t pos, bad_byte = UINT32_MAX;

	n = model_ranges(&fx->m, st, en, MODEL_CAP);
	ck_assert_uint_eq(fx->s.contig, model_contig(&fx->m));
	ck_assert_uint_eq(fx->s.n_ranges, n);
	ck_assert_uint_eq(fx->s.n_segs, fx->m.n_segs);
	for (i = 0; i < n && bad_range == UINT32_MAX; i++)
		if (fx->s.ranges[i].start != st[i] || fx->s.ranges[i].end != en[i])
			bad_range = i;
	ck_assert_msg(bad_range == UINT32_MAX, "range %u differs", bad_range);
	ck_assert_uint_le(fx->s.buf_size, fx->m.cap);
	for (pos = 0; pos < fx->m.cap && bad_byte == UINT32_MAX; pos++) {
		uint8_t want = fx->m.have[pos] ? fx->m.buf[pos] : 0xee;

		/* Beyond the buffer (not grown yet) nothing may have arrived. */
		if (pos >= fx->s.buf_size ? fx->m.have[pos] :
					    fx->s.buf[pos] != want)
			bad_byte = pos;
	}
	ck_assert_msg(bad_byte == UINT32_MAX, "byte %u differs", bad_byte);
}

/* Adds through both the stream and the model; the source bytes sit before a guard page. */
static int
add_checked(struct fixture *fx, uint32_t seq, const uint8_t *data, uint32_t len)
{
	uint8_t *p = fx->dend - len;
	int want, got;

	ck_assert_uint_le(len, 2 * MODEL_CAP);
	memcpy(p, data, len);
	want = model_add(&fx->m, seq, data, len);
	got = gw_stream_add(&fx->s, seq, p, len);
	ck_assert_int_eq(got, want);
	check_state(fx);
	return got;
}

static void
fill_msg(uint8_t *msg, uint32_t len, uint8_t salt)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 7 + 3 + salt);
}

START_TEST(test_init)
{
	struct gw_stream s;
	uint8_t buf[8];

	memset(&s, 0x5a, sizeof(s));
	gw_stream_init(&s, buf, sizeof(buf), 1234);
	ck_assert_ptr_eq(s.buf, buf);
	ck_assert_uint_eq(s.cap, 8);
	ck_assert_uint_eq(s.base_seq, 1234);
	ck_assert_uint_eq(s.contig, 0);
	ck_assert_uint_eq(s.n_ranges, 0);
	ck_assert_uint_eq(s.n_segs, 0);
	ck_assert_uint_eq(gw_stream_contig(&s), 0);

	/* No buffer: nothing can be stored, every byte is beyond the cap. */
	gw_stream_init(&s, NULL, 100, 0);
	ck_assert_uint_eq(s.cap, 0);
	ck_assert_int_eq(gw_stream_add(&s, 0, buf, 1), GW_ELIMIT);

	/* Empty segments change nothing; NULL data with a length is refused. */
	gw_stream_init(&s, buf, sizeof(buf), 0);
	ck_assert_int_eq(gw_stream_add(&s, 0, NULL, 0), 0);
	ck_assert_int_eq(gw_stream_add(&s, 100000, NULL, 0), 0);
	ck_assert_int_eq(gw_stream_add(&s, 0, NULL, 3), GW_EINVAL);
	ck_assert_uint_eq(s.n_segs, 0);
}
END_TEST

START_TEST(test_in_order_and_reverse)
{
	static const uint32_t bases[] = {0, 1000, 0x7fffffffu, 0xfffffff0u,
					 0xffffffffu};
	struct fixture fx;
	uint8_t msg[30];
	unsigned int b;

	fill_msg(msg, sizeof(msg), 0);
	for (b = 0; b < GW_ARRAY_SIZE(bases); b++) {
		uint32_t base = bases[b];

		fixture_init(&fx, 64, base);
		ck_assert_int_eq(add_checked(&fx, base, msg, 10), 10);
		ck_assert_int_eq(add_checked(&fx, base + 10, msg + 10, 10), 20);
		ck_assert_int_eq(add_checked(&fx, base + 20, msg + 20, 10), 30);
		ck_assert_mem_eq(fx.s.buf, msg, 30);
		fixture_fini(&fx);

		fixture_init(&fx, 64, base);
		ck_assert_int_eq(add_checked(&fx, base + 20, msg + 20, 10), 0);
		ck_assert_uint_eq(fx.s.n_ranges, 1);
		ck_assert_int_eq(add_checked(&fx, base + 10, msg + 10, 10), 0);
		/* adjacent ranges merge */
		ck_assert_uint_eq(fx.s.n_ranges, 1);
		ck_assert_uint_eq(fx.s.ranges[0].start, 10);
		ck_assert_uint_eq(fx.s.ranges[0].end, 30);
		ck_assert_int_eq(add_checked(&fx, base, msg, 10), 30);
		ck_assert_uint_eq(fx.s.n_ranges, 0);
		ck_assert_mem_eq(fx.s.buf, msg, 30);
		fixture_fini(&fx);
	}
}
END_TEST

/* Every order of 4 segments, with and without overlap, at several bases. */
START_TEST(test_permutations_of_four)
{
	/* {offset, length} sets: disjoint; overlapping; one covering others */
	static const uint32_t sets[][4][2] = {
		{{0, 5}, {5, 7}, {12, 1}, {13, 9}},
		{{0, 6}, {4, 8}, {10, 3}, {12, 10}},
		{{3, 4}, {0, 22}, {10, 2}, {20, 2}},
		{{1, 1}, {3, 1}, {0, 1}, {2, 20}},
	};
	static const uint32_t bases[] = {77, 0xfffffff5u};
	struct fixture fx;
	unsigned int set, b, perm;

	for (set = 0; set < GW_ARRAY_SIZE(sets); set++) {
		for (b = 0; b < GW_ARRAY_SIZE(bases); b++) {
			for (perm = 0; perm < 24; perm++) {
				unsigned int order[4] = {0, 1, 2, 3};
				unsigned int p = perm, i, n_added = 0;

				/* perm -> permutation (factorial number system) */
				for (i = 0; i < 4; i++) {
					unsigned int r = i + p % (4 - i);
					unsigned int tmp = order[i];

					p /= 4 - i;
					order[i] = order[r];
					order[r] = tmp;
				}
				fixture_init(&fx, 22, bases[b]);
				for (i = 0; i < 4; i++) {
					const uint32_t *sg = sets[set][order[i]];
					uint8_t data[22];

					/* the message's own bytes: overlaps agree */
					fill_msg(data, 22, 0);
					add_checked(&fx, bases[b] + sg[0],
						    data + sg[0], sg[1]);
					n_added++;
				}
				ck_assert_uint_eq(fx.s.contig, 22);
				ck_assert_uint_eq(fx.s.n_ranges, 0);
				ck_assert_uint_eq(fx.s.n_segs, n_added);
				fixture_fini(&fx);
			}
		}
	}
}
END_TEST

/*
 * Overlaps: consistent copies merge; a copy that disagrees with bytes
 * already received is refused (GW_EMALFORMED) and changes nothing. Bytes
 * are 'a' + offset % 26 for consistent segments; fill 'X' marks a
 * conflicting copy. Explicit expectations, no model.
 */
struct overlap_vec {
	const char *name;
	unsigned int n;
	struct {
		uint32_t off;
		uint32_t len;
		char fill; /* 0: the message's bytes; else this byte */
		int ret;
	} seg[4];
	const char *want; /* buffer from offset 0, '.' = never written */
	uint16_t n_ranges;
	uint16_t n_segs;
};

static const struct overlap_vec overlap_vectors[] = {
	{"tail overlap", 2,
	 {{0, 10, 0, 10}, {5, 10, 0, 15}},
	 "abcdefghijklmno", 0, 2},
	{"covering later segment", 2,
	 {{5, 5, 0, 0}, {0, 20, 0, 20}},
	 "abcdefghijklmnopqrst", 0, 2},
	{"two islands then cover", 3,
	 {{10, 10, 0, 0}, {30, 10, 0, 0}, {0, 50, 0, 50}},
	 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx", 0, 3},
	{"range grows both sides", 2,
	 {{10, 10, 0, 0}, {5, 20, 0, 0}},
	 ".....fghijklmnopqrstuvwxy", 1, 2},
	{"bridge two ranges", 3,
	 {{4, 2, 0, 0}, {10, 2, 0, 0}, {5, 6, 0, 0}},
	 "....efghijkl", 1, 3},
	{"exact duplicate", 2,
	 {{0, 4, 0, 4}, {0, 4, 0, 4}},
	 "abcd", 0, 2},
	{"duplicate inside contig", 3,
	 {{0, 8, 0, 8}, {2, 3, 0, 8}, {8, 2, 0, 10}},
	 "abcdefghij", 0, 3},
	{"inside a range", 2,
	 {{4, 8, 0, 0}, {6, 2, 0, 0}},
	 "....efghijkl", 1, 2},
	{"conflict: tail overlap differs", 2,
	 {{0, 10, 0, 10}, {5, 10, 'X', GW_EMALFORMED}},
	 "abcdefghij", 0, 1},
	{"conflict: rewrite inside contig", 2,
	 {{0, 8, 0, 8}, {2, 3, 'X', GW_EMALFORMED}},
	 "abcdefgh", 0, 1},
	{"conflict: cover disagrees with an island", 3,
	 {{10, 5, 0, 0}, {0, 20, 'X', GW_EMALFORMED}, {0, 10, 0, 15}},
	 "abcdefghijklmno", 0, 2},
	{"conflict: overlap of a range only at its last byte", 2,
	 {{4, 4, 0, 0}, {7, 4, 'X', GW_EMALFORMED}},
	 "....efgh", 1, 1},
};

START_TEST(test_overlap_vectors)
{
	const struct overlap_vec *v = &overlap_vectors[_i];
	uint8_t buf[64], data[64];
	struct gw_stream s;
	unsigned int i;
	size_t k, wl = strlen(v->want);

	memset(buf, '.', sizeof(buf));
	gw_stream_init(&s, buf, sizeof(buf), 4000000000u);
	for (i = 0; i < v->n; i++) {
		if (v->seg[i].fill != 0)
			memset(data, v->seg[i].fill, v->seg[i].len);
		else
			for (k = 0; k < v->seg[i].len; k++)
				data[k] = (uint8_t)('a' + (v->seg[i].off + k) % 26);
		ck_assert_msg(gw_stream_add(&s, 4000000000u + v->seg[i].off,
					    data, v->seg[i].len) ==
				      v->seg[i].ret,
			      "%s: segment %u", v->name, i);
	}
	ck_assert_uint_eq(s.n_segs, v->n_segs);
	ck_assert_uint_eq(s.n_ranges, v->n_ranges);
	for (k = 0; k < wl; k++)
		ck_assert_msg(buf[k] == (uint8_t)v->want[k],
			      "%s: byte %zu is %c", v->name, k, buf[k]);
	for (; k < sizeof(buf); k++)
		ck_assert_uint_eq(buf[k], '.');
}
END_TEST

START_TEST(test_before_base)
{
	struct fixture fx;
	uint8_t msg[64];

	fill_msg(msg, sizeof(msg), 9);
	/* wholly before base: ignored, not counted */
	fixture_init(&fx, 32, 1000);
	ck_assert_int_eq(add_checked(&fx, 990, msg, 10), 0);
	ck_assert_int_eq(add_checked(&fx, 990, msg, 5), 0);
	ck_assert_uint_eq(fx.s.n_segs, 0);
	/* partially before: trimmed to base */
	ck_assert_int_eq(add_checked(&fx, 995, msg, 10), 5);
	ck_assert_mem_eq(fx.s.buf, msg + 5, 5);
	fixture_fini(&fx);

	/* across the wrap: base 5, segment starts at 2^32 - 2 */
	fixture_init(&fx, 32, 5);
	ck_assert_int_eq(add_checked(&fx, 0xfffffffeu, msg, 10), 3);
	ck_assert_mem_eq(fx.s.buf, msg + 7, 3);
	/* the SYN's sequence number (base - 1), keepalive style */
	ck_assert_int_eq(add_checked(&fx, 4, msg, 1), 3);
	fixture_fini(&fx);

	/* half the sequence space away counts as before */
	fixture_init(&fx, 32, 0);
	ck_assert_int_eq(add_checked(&fx, 0x80000000u, msg, 10), 0);
	ck_assert_int_eq(add_checked(&fx, 0x7fffffffu, msg, 1), GW_ELIMIT);
	/* trimmed segment still beyond cap: refused whole */
	ck_assert_int_eq(add_checked(&fx, 0xfffffff0u, msg, 16 + 33), GW_ELIMIT);
	ck_assert_int_eq(add_checked(&fx, 0xfffffff0u, msg, 16 + 32), 32);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_wrap)
{
	struct fixture fx;
	uint8_t msg[32];

	fill_msg(msg, sizeof(msg), 1);
	fixture_init(&fx, 32, 0xfffffff0u);
	ck_assert_int_eq(add_checked(&fx, 0x00000008u, msg + 24, 8), 0);
	ck_assert_uint_eq(fx.s.ranges[0].start, 24);
	ck_assert_int_eq(add_checked(&fx, 0xfffffff8u, msg + 8, 16), 0);
	ck_assert_uint_eq(fx.s.n_ranges, 1);
	ck_assert_uint_eq(fx.s.ranges[0].start, 8);
	ck_assert_int_eq(add_checked(&fx, 0xfffffff0u, msg, 8), 32);
	ck_assert_mem_eq(fx.s.buf, msg, 32);
	ck_assert_int_eq(add_checked(&fx, 0x00000010u, msg, 1), GW_ELIMIT);
	fixture_fini(&fx);
}
END_TEST

START_TEST(test_cap)
{
	static const uint32_t caps[] = {1, 100, 1460, 4096};
	struct fixture fx;
	uint8_t msg[4097];
	unsigned int c;

	fill_msg(msg, sizeof(msg), 4);
	for (c = 0; c < GW_ARRAY_SIZE(caps); c++) {
		uint32_t cap = caps[c];

		fixture_init(&fx, cap, 42);
		ck_assert_int_eq(add_checked(&fx, 42, msg, cap + 1), GW_ELIMIT);
		ck_assert_uint_eq(fx.s.n_segs, 0);
		ck_assert_int_eq(add_checked(&fx, 42 + cap, msg, 1), GW_ELIMIT);
		if (cap > 1) {
			ck_assert_int_eq(add_checked(&fx, 43, msg + 1, cap),
					 GW_ELIMIT);
			ck_assert_int_eq(add_checked(&fx, 43, msg + 1, cap - 1),
					 0);
		}
		ck_assert_int_eq(add_checked(&fx, 42, msg, cap), (int)cap);
		ck_assert_mem_eq(fx.s.buf, msg, cap);
		/* full: a duplicate is fine, one more byte is not */
		ck_assert_int_eq(add_checked(&fx, 42, msg, cap), (int)cap);
		ck_assert_int_eq(add_checked(&fx, 42 + cap, msg, 1), GW_ELIMIT);
		ck_assert_int_eq(add_checked(&fx, 42 + cap - 1, msg, 2),
				 GW_ELIMIT);
		fixture_fini(&fx);
	}
}
END_TEST

START_TEST(test_too_many_holes)
{
	struct fixture fx;
	uint8_t msg[200];
	unsigned int i;

	fill_msg(msg, sizeof(msg), 2);
	fixture_init(&fx, 200, 7);
	/* ranges at 2,6,10,...: 16 of them fit */
	for (i = 0; i < GW_STREAM_MAX_RANGES; i++)
		ck_assert_int_eq(add_checked(&fx, 7 + 2 + 4 * i, msg + 2 + 4 * i,
					     2),
				 0);
	ck_assert_uint_eq(fx.s.n_ranges, GW_STREAM_MAX_RANGES);
	/* a 17th is refused and nothing is stored */
	ck_assert_int_eq(add_checked(&fx, 7 + 100, msg + 100, 3), GW_ELIMIT);
	/* a byte adjacent to a range needs no new range */
	ck_assert_int_eq(add_checked(&fx, 7 + 1, msg + 1, 1), 0);
	ck_assert_uint_eq(fx.s.n_ranges, GW_STREAM_MAX_RANGES);
	/* extending or bridging ranges is fine */
	ck_assert_int_eq(add_checked(&fx, 7 + 4, msg + 4, 1), 0);
	ck_assert_int_eq(add_checked(&fx, 7 + 5, msg + 5, 1), 0);
	ck_assert_uint_eq(fx.s.n_ranges, GW_STREAM_MAX_RANGES - 1);
	/* now one new range fits again, then not */
	ck_assert_int_eq(add_checked(&fx, 7 + 100, msg + 100, 3), 0);
	ck_assert_int_eq(add_checked(&fx, 7 + 110, msg + 110, 3), GW_ELIMIT);
	/* filling the front hole absorbs into contig */
	ck_assert_int_eq(add_checked(&fx, 7, msg, 2), 8);
	ck_assert_uint_eq(fx.s.n_ranges, GW_STREAM_MAX_RANGES - 1);
	ck_assert_int_eq(add_checked(&fx, 7 + 110, msg + 110, 3), 8);
	/* one segment covering all holes */
	ck_assert_int_eq(add_checked(&fx, 7, msg, 200), 200);
	ck_assert_mem_eq(fx.s.buf, msg, 200);
	fixture_fini(&fx);
}
END_TEST

/*
 * A 2000-byte message in 1-byte segments, in random order. Adds that
 * would need a 17th range are refused (as a sender would retransmit, the
 * byte goes back at the end of the queue); the model predicts every
 * return. The result must be the whole message.
 */
START_TEST(test_one_byte_segments_random)
{
	struct fixture *fx = malloc(sizeof(*fx));
	uint32_t queue[2000]; /* ring: each byte is queued at most once */
	uint8_t msg[2000];
	uint32_t head = 0, pending = 2000, i, refused = 0;
	uint32_t base = _i == 0 ? 1 : 0xfffffc00u; /* second run wraps */

	ck_assert_ptr_nonnull(fx);
	rng_state = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
	fill_msg(msg, sizeof(msg), 5);
	for (i = 0; i < 2000; i++)
		queue[i] = i;
	for (i = 1999; i > 0; i--) {
		uint32_t j = rng() % (i + 1), t = queue[i];

		queue[i] = queue[j];
		queue[j] = t;
	}
	fixture_init(fx, 2000, base);
	while (pending > 0) {
		uint32_t off = queue[head];
		int r = add_checked(fx, base + off, msg + off, 1);

		if (r == GW_ELIMIT) {
			refused++;
			/* back of the ring: the slot just read is the tail */
			queue[(head + pending) % 2000] = off;
		} else {
			pending--;
		}
		head = (head + 1) % 2000;
	}
	ck_assert_uint_gt(refused, 0);
	ck_assert_uint_eq(fx->s.contig, 2000);
	ck_assert_uint_eq(fx->s.n_ranges, 0);
	ck_assert_uint_eq(fx->s.n_segs, 2000);
	ck_assert_mem_eq(fx->s.buf, msg, 2000);
	fixture_fini(fx);
	free(fx);
}
END_TEST

/* Random segments (sizes, overlaps, duplicates, old data) against the model. */
START_TEST(test_random_model)
{
	struct fixture *fx = malloc(sizeof(*fx));
	uint8_t data[600];
	unsigned int round;

	ck_assert_ptr_nonnull(fx);
	rng_state = 0x243f6a8885a308d3ull + (uint64_t)_i;
	for (round = 0; round < 300; round++) {
		uint32_t cap = 1 + rng() % 1500;
		uint32_t base = (rng() & 1) ? rng() : 0u - (rng() % 3000);
		unsigned int k, n = 20 + rng() % 80;

		fixture_init(fx, cap, base);
		for (k = 0; k < n; k++) {
			uint32_t len = rng() % 4 == 0 ? rng() % 600 : rng() % 40;
			int32_t off = (int32_t)(rng() % (cap + 60)) - 30;
			uint32_t j;

			for (j = 0; j < len; j++)
				data[j] = (uint8_t)rng();
			add_checked(fx, base + (uint32_t)off, data, len);
		}
		fixture_fini(fx);
	}
	free(fx);
}
END_TEST

/*
 * The random model run on growable streams: the stream starts in a buffer
 * of 0..cap bytes and must grow exactly when a segment first reaches past
 * it, with every byte and range carried over.
 */
START_TEST(test_random_model_grow)
{
	struct fixture *fx = malloc(sizeof(*fx));
	uint8_t data[600];
	unsigned int round;

	ck_assert_ptr_nonnull(fx);
	rng_state = 0x13198a2e03707344ull + (uint64_t)_i;
	for (round = 0; round < 300; round++) {
		uint32_t cap = 1 + rng() % 1500;
		uint32_t inl = 1 + rng() % cap;
		uint32_t base = (rng() & 1) ? rng() : 0u - (rng() % 3000);
		unsigned int k, n = 20 + rng() % 80;
		uint32_t max_end = 0;

		fixture_init_grow(fx, cap, base, inl);
		for (k = 0; k < n; k++) {
			uint32_t len = rng() % 4 == 0 ? rng() % 600 : rng() % 40;
			int32_t off = (int32_t)(rng() % (cap + 60)) - 30;
			int64_t end = (int64_t)off + len;
			uint32_t j;
			int r;

			for (j = 0; j < len; j++)
				data[j] = (uint8_t)rng();
			r = add_checked(fx, base + (uint32_t)off, data, len);
			if (r >= 0 && len > 0 && end > (int64_t)max_end)
				max_end = (uint32_t)end;
		}
		/* Grown once iff an accepted segment reached past the first buffer. */
		ck_assert_uint_eq(fx->grows, max_end > inl ? 1 : 0);
		fixture_fini(fx);
	}
	free(fx);
}
END_TEST

static int
grow_refuse(struct gw_stream *s, uint32_t need, void *arg)
{
	unsigned int *calls = arg;

	(void)s;
	(void)need;
	(*calls)++;
	return GW_ENOMEM;
}

/* A grow that fails is GW_ELIMIT with nothing stored; smaller adds go on. */
START_TEST(test_grow_refused)
{
	static const uint32_t splits[] = {1, 50, 99, 100};
	uint8_t small[100], msg[300];
	struct gw_stream s, before;
	unsigned int calls = 0, i;

	fill_msg(msg, sizeof(msg), 9);
	for (i = 0; i < GW_ARRAY_SIZE(splits); i++) {
		uint32_t k = splits[i];

		memset(small, 0, sizeof(small));
		gw_stream_init_grow(&s, small, sizeof(small), 300, 5000,
				    grow_refuse, &calls);
		ck_assert_int_eq(gw_stream_add(&s, 5000, msg, k), (int)k);
		/* Out of order beyond the buffer, then in order past it. */
		before = s;
		ck_assert_int_eq(gw_stream_add(&s, 5000 + 150, msg + 150, 10),
				 GW_ELIMIT);
		ck_assert_int_eq(gw_stream_add(&s, 5000 + k, msg + k, 101),
				 GW_ELIMIT);
		ck_assert_mem_eq(&s, &before, sizeof(s));
		ck_assert_mem_eq(small, msg, k);
		/* Beyond cap: refused before the callback is asked. */
		calls = 0;
		ck_assert_int_eq(gw_stream_add(&s, 5000 + 290, msg, 11),
				 GW_ELIMIT);
		ck_assert_uint_eq(calls, 0);
		/* A conflicting overlap is still reported as such. */
		if (k > 1) {
			uint8_t x = (uint8_t)(msg[0] ^ 0xff);

			ck_assert_int_eq(gw_stream_add(&s, 5000, &x, 1),
					 GW_EMALFORMED);
		}
		ck_assert_int_eq(gw_stream_add(&s, 5000 + k, msg + k, 100 - k),
				 100);
		ck_assert_mem_eq(small, msg, 100);
	}
	/* Without a callback (or a buffer) init_grow is plain init. */
	gw_stream_init_grow(&s, small, 10, 300, 0, NULL, NULL);
	ck_assert_uint_eq(s.buf_size, 300);
	gw_stream_init_grow(&s, NULL, 10, 300, 0, grow_refuse, &calls);
	ck_assert_uint_eq(s.cap, 0);
	ck_assert_uint_eq(s.buf_size, 0);
}
END_TEST

static Suite *
stream_suite(void)
{
	Suite *s = suite_create("stream");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_init);
	tcase_add_test(tc, test_in_order_and_reverse);
	tcase_add_test(tc, test_permutations_of_four);
	tcase_add_loop_test(tc, test_overlap_vectors, 0,
			    GW_ARRAY_SIZE(overlap_vectors));
	tcase_add_test(tc, test_before_base);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_too_many_holes);
	tcase_add_loop_test(tc, test_one_byte_segments_random, 0, 2);
	tcase_add_loop_test(tc, test_random_model, 0, 4);
	tcase_add_loop_test(tc, test_random_model_grow, 0, 4);
	tcase_add_test(tc, test_grow_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(stream_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
