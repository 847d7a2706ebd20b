/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "flow/gw_flow_ext.h"
#include "gw_test.h"

/* Pending-flow state pool: limits, exhaustion, reuse, hold queue, sort. */

START_TEST(test_create_args)
{
	static const struct {
		uint32_t count;
		struct gw_ext_limits lim;
		bool ok;
	} vec[] = {
		{1, {1, 1, 0, 0, 0}, true},
		{4, {65535, GW_HOLD_MAX, 1, 0, 0}, true},
		{0, {16384, 16, 1, 0, 0}, false},
		{4, {0, 16, 1, 0, 0}, false},
		{4, {65536, 16, 1, 0, 0}, false},
		{4, {16384, 0, 1, 0, 0}, false},
		{4, {16384, GW_HOLD_MAX + 1, 1, 0, 0}, false},
	};
	unsigned int i;

	for (i = 0; i < GW_ARRAY_SIZE(vec); i++) {
		struct gw_flow_ext_pool *p =
			gw_flow_ext_pool_create(vec[i].count, &vec[i].lim);

		ck_assert_msg((p != NULL) == vec[i].ok, "vector %u", i);
		if (p != NULL) {
			const struct gw_ext_limits *l = gw_flow_ext_limits(p);

			ck_assert_uint_eq(l->max_bytes, vec[i].lim.max_bytes);
			ck_assert_uint_eq(l->max_segs, vec[i].lim.max_segs);
			ck_assert_uint_eq(l->timeout_ns, vec[i].lim.timeout_ns);
			ck_assert_uint_eq(gw_flow_ext_in_use(p), 0);
		}
		gw_flow_ext_pool_free(p);
	}
	gw_flow_ext_pool_free(NULL);
}
END_TEST

START_TEST(test_defaults)
{
	struct gw_flow_ext_pool *p = gw_flow_ext_pool_create(2, NULL);
	const struct gw_ext_limits *l;

	ck_assert_ptr_nonnull(p);
	l = gw_flow_ext_limits(p);
	ck_assert_uint_eq(l->max_bytes, 16384);
	ck_assert_uint_eq(l->max_segs, 16);
	ck_assert_uint_eq(l->timeout_ns, 2000000000ull);
	gw_flow_ext_pool_free(p);
}
END_TEST

START_TEST(test_exhaustion_and_reuse)
{
	const struct gw_ext_limits lim = {100, 4, 1000, 0, 0};
	struct gw_flow_ext_pool *p = gw_flow_ext_pool_create(3, &lim);
	struct gw_flow_ext *e[3], *x;
	uint8_t data[100];
	int dummy;
	unsigned int i, j;

	ck_assert_ptr_nonnull(p);
	memset(data, 0x11, sizeof(data));
	for (i = 0; i < 3; i++) {
		e[i] = gw_flow_ext_get(p, 1000 * i, 50 + i);
		ck_assert_ptr_nonnull(e[i]);
		ck_assert_uint_eq(gw_flow_ext_in_use(p), i + 1);
		ck_assert_uint_eq(e[i]->stream.base_seq, 1000 * i);
		ck_assert_uint_eq(e[i]->stream.cap, 100);
		ck_assert_uint_eq(e[i]->stream.contig, 0);
		ck_assert_uint_eq(e[i]->deadline_ns, 1050 + i);
		ck_assert_uint_eq(e[i]->n_held, 0);
		for (j = 0; j < i; j++) {
			ck_assert_ptr_ne(e[i], e[j]);
			ck_assert_ptr_ne(e[i]->stream.buf, e[j]->stream.buf);
		}
	}
	ck_assert_ptr_null(gw_flow_ext_get(p, 0, 0));
	ck_assert_uint_eq(gw_flow_ext_in_use(p), 3);

	/* each buffer holds exactly max_bytes, independently of the others */
	for (i = 0; i < 3; i++) {
		memset(data, 0x40 + i, sizeof(data));
		ck_assert_int_eq(gw_stream_add(&e[i]->stream, 1000 * i, data, 101),
				 GW_ELIMIT);
		ck_assert_int_eq(gw_stream_add(&e[i]->stream, 1000 * i, data, 100),
				 100);
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < 100; j++)
			if (e[i]->stream.buf[j] != 0x40 + i)
				ck_abort_msg("ext %u byte %u overwritten", i, j);

	/* put + get: same ext back (LIFO), fully reset */
	ck_assert(gw_flow_ext_hold(p, e[1], &dummy, 7, 1));
	e[1]->n_held = 0; /* the caller released its packets */
	gw_flow_ext_put(p, e[1]);
	ck_assert_uint_eq(gw_flow_ext_in_use(p), 2);
	x = gw_flow_ext_get(p, 777, 5000);
	ck_assert_ptr_eq(x, e[1]);
	ck_assert_uint_eq(x->stream.base_seq, 777);
	ck_assert_uint_eq(x->stream.contig, 0);
	ck_assert_uint_eq(x->stream.n_ranges, 0);
	ck_assert_uint_eq(x->stream.n_segs, 0);
	ck_assert_uint_eq(x->n_held, 0);
	ck_assert_uint_eq(x->deadline_ns, 6000);
	ck_assert_ptr_null(gw_flow_ext_get(p, 0, 0));

	/* double put and foreign pointers are ignored */
	gw_flow_ext_put(p, e[0]);
	gw_flow_ext_put(p, e[0]);
	gw_flow_ext_put(p, NULL);
	{
		struct gw_flow_ext other;

		memset(&other, 0, sizeof(other));
		gw_flow_ext_put(p, &other);
		gw_flow_ext_put(p, (struct gw_flow_ext *)((uint8_t *)e[2] + 8));
	}
	ck_assert_uint_eq(gw_flow_ext_in_use(p), 2);
	ck_assert_ptr_eq(gw_flow_ext_get(p, 0, 0), e[0]);
	ck_assert_ptr_null(gw_flow_ext_get(p, 0, 0));

	/* everything back, everything out again */
	for (i = 0; i < 3; i++)
		gw_flow_ext_put(p, e[i]);
	ck_assert_uint_eq(gw_flow_ext_in_use(p), 0);
	for (i = 0; i < 3; i++)
		ck_assert_ptr_nonnull(gw_flow_ext_get(p, 0, 0));
	ck_assert_ptr_null(gw_flow_ext_get(p, 0, 0));
	gw_flow_ext_pool_free(p);
}
END_TEST

START_TEST(test_hold_limit)
{
	static const uint16_t limits[] = {1, 4, 16, GW_HOLD_MAX};
	uint16_t max = limits[_i];
	const struct gw_ext_limits lim = {64, max, 1, 0, 0};
	struct gw_flow_ext_pool *p = gw_flow_ext_pool_create(2, &lim);
	struct gw_flow_ext *e;
	int pkts[GW_HOLD_MAX + 1];
	unsigned int i;

	ck_assert_ptr_nonnull(p);
	e = gw_flow_ext_get(p, 0, 0);
	ck_assert_ptr_nonnull(e);
	for (i = 0; i < max; i++)
		ck_assert(gw_flow_ext_hold(p, e, &pkts[i], 100 + i, (uint16_t)i));
	ck_assert(!gw_flow_ext_hold(p, e, &pkts[max], 999, 1));
	ck_assert(!gw_flow_ext_hold(p, e, &pkts[max], 999, 1));
	ck_assert_uint_eq(e->n_held, max);
	for (i = 0; i < max; i++) {
		ck_assert_ptr_eq(e->held[i], &pkts[i]);
		ck_assert_uint_eq(e->held_seq[i], 100 + i);
		ck_assert_uint_eq(e->held_len[i], i);
	}
	gw_flow_ext_pool_free(p);
}
END_TEST

struct sort_vec {
	const char *name;
	unsigned int n;
	uint32_t seq[8];
	unsigned int want[8]; /* indices of the input, in released order */
};

static const struct sort_vec sort_vectors[] = {
	{"empty", 0, {0}, {0}},
	{"one", 1, {5}, {0}},
	{"sorted", 4, {1, 2, 3, 4}, {0, 1, 2, 3}},
	{"reverse", 4, {4, 3, 2, 1}, {3, 2, 1, 0}},
	{"wrap", 4, {0x10, 0xfffffff0u, 0x5, 0xffffff00u}, {3, 1, 2, 0}},
	{"wrap, sorted", 3, {0xfffffffeu, 0xffffffffu, 0}, {0, 1, 2}},
	{"stable", 4, {100, 50, 100, 50}, {1, 3, 0, 2}},
	{"stable across wrap", 5, {1, 0xffffffffu, 1, 0xffffffffu, 0},
	 {1, 3, 4, 0, 2}},
	{"retransmits", 6, {1000, 2000, 1000, 3000, 2000, 1000},
	 {0, 2, 5, 1, 4, 3}},
};

START_TEST(test_sort_vectors)
{
	const struct sort_vec *v = &sort_vectors[_i];
	const struct gw_ext_limits lim = {64, 8, 1, 0, 0};
	struct gw_flow_ext_pool *p = gw_flow_ext_pool_create(1, &lim);
	struct gw_flow_ext *e;
	int pkts[8];
	unsigned int i;

	ck_assert_ptr_nonnull(p);
	e = gw_flow_ext_get(p, 0, 0);
	ck_assert_ptr_nonnull(e);
	for (i = 0; i < v->n; i++)
		ck_assert(gw_flow_ext_hold(p, e, &pkts[i], v->seq[i], (uint16_t)(10 + i)));
	gw_flow_ext_sort_held(e);
	ck_assert_uint_eq(e->n_held, v->n);
	for (i = 0; i < v->n; i++) {
		ck_assert_msg(e->held[i] == &pkts[v->want[i]],
			      "%s: position %u", v->name, i);
		ck_assert_uint_eq(e->held_seq[i], v->seq[v->want[i]]);
		/* lengths travel with their packets */
		ck_assert_uint_eq(e->held_len[i], 10 + v->want[i]);
	}
	gw_flow_ext_pool_free(p);
}
END_TEST

/* 64 random sequence numbers in a window that crosses 2^32, many duplicates. */
START_TEST(test_sort_random)
{
	const struct gw_ext_limits lim = {64, GW_HOLD_MAX, 1, 0, 0};
	struct gw_flow_ext_pool *p = gw_flow_ext_pool_create(1, &lim);
	uint64_t rs = 0x1234567ull + (uint64_t)_i;
	unsigned int round;

	ck_assert_ptr_nonnull(p);
	for (round = 0; round < 200; round++) {
		struct gw_flow_ext *e = gw_flow_ext_get(p, 0, 0);
		/* odd rounds: the window [base, base + 3900] crosses 2^32 */
		uint32_t base = (round & 1) ? 0u - 1u - (uint32_t)(rs % 3000) :
					      (uint32_t)(rs >> 7);
		uint32_t seqs[GW_HOLD_MAX];
		unsigned int pos[GW_HOLD_MAX];
		unsigned int i, n = 1 + (unsigned int)(rs % GW_HOLD_MAX), bad = 0;

		ck_assert_ptr_nonnull(e);
		for (i = 0; i < n; i++) {
			rs = rs * 6364136223846793005ull + 1442695040888963407ull;
			seqs[i] = base + (uint32_t)((rs >> 33) % 40) * 100;
			ck_assert(gw_flow_ext_hold(p, e, &pos[i], seqs[i], (uint16_t)i));
		}
		gw_flow_ext_sort_held(e);
		for (i = 1; i < n; i++) {
			uint32_t a = e->held_seq[i - 1], b = e->held_seq[i];
			unsigned int ia = (unsigned int)((unsigned int *)e->held[i - 1] - pos);
			unsigned int ib = (unsigned int)((unsigned int *)e->held[i] - pos);

			/* ascending from base; equal seqs keep arrival order */
			if (a - base > b - base || (a == b && ia > ib))
				bad++;
		}
		for (i = 0; i < n; i++) {
			unsigned int idx = (unsigned int)((unsigned int *)e->held[i] - pos);

			if (idx >= n || seqs[idx] != e->held_seq[i])
				bad++;
		}
		ck_assert_uint_eq(bad, 0);
		e->n_held = 0;
		gw_flow_ext_put(p, e);
		rs = rs * 6364136223846793005ull + 1442695040888963407ull;
	}
	gw_flow_ext_pool_free(p);
}
END_TEST

/* Inline buffer and overflow pool sizes: defaults and caps. */
START_TEST(test_overflow_sizing)
{
	static const struct {
		uint32_t count, max_bytes, inl, over;
		uint32_t want_inl, want_over;
	} vec[] = {
		{4096, 16384, 0, 0, 2048, 128},  /* the loader's defaults */
		{10, 16384, 0, 0, 2048, 1},      /* at least one */
		{10, 16384, 0, 50, 2048, 10},    /* never more than one per ext */
		{10, 16384, 4000, 3, 4000, 3},
		{10, 1000, 0, 0, 1000, 0},       /* all fits inline: no pool */
		{10, 1000, 1000, 5, 1000, 0},
		{10, 1000, 5000, 5, 1000, 0},
	};
	unsigned int i;

	for (i = 0; i < GW_ARRAY_SIZE(vec); i++) {
		struct gw_ext_limits lim = {vec[i].max_bytes, 16, 1, vec[i].inl,
					    vec[i].over};
		struct gw_flow_ext_pool *p = gw_flow_ext_pool_create(vec[i].count,
								     &lim);
		const struct gw_ext_limits *l;
		struct gw_flow_ext_stats st;
		struct gw_flow_ext *e;

		ck_assert_ptr_nonnull(p);
		l = gw_flow_ext_limits(p);
		ck_assert_uint_eq(l->max_bytes, vec[i].max_bytes);
		ck_assert_uint_eq(l->inline_bytes, vec[i].want_inl);
		ck_assert_uint_eq(l->overflow_bufs, vec[i].want_over);
		gw_flow_ext_stats(p, &st);
		ck_assert_uint_eq(st.overflow_total, vec[i].want_over);
		ck_assert_uint_eq(st.overflow_in_use, 0);
		e = gw_flow_ext_get(p, 1, 0);
		ck_assert_ptr_nonnull(e);
		/* The stream's limit is max_bytes, whatever it starts in. */
		ck_assert_uint_eq(e->stream.cap, vec[i].max_bytes);
		ck_assert_uint_eq(e->stream.buf_size, vec[i].want_inl);
		gw_flow_ext_put(p, e);
		gw_flow_ext_pool_free(p);
	}
}
END_TEST

static void
msg_fill(uint8_t *m, uint32_t len, uint8_t salt)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		m[i] = (uint8_t)(i * 13 + salt);
}

/*
 * A message longer than the inline buffer, split at every offset and sent
 * second part first: the stream moves into an overflow buffer with the
 * bytes and ranges it had, and put returns the buffer to the pool.
 */
START_TEST(test_overflow_split)
{
	const struct gw_ext_limits lim = {600, 16, 1, 100, 1};
	struct gw_flow_ext_pool *p = gw_flow_ext_pool_create(2, &lim);
	struct gw_flow_ext_stats st;
	uint8_t msg[600];
	uint32_t len, k;
	uint64_t taken = 0;

	ck_assert_ptr_nonnull(p);
	msg_fill(msg, sizeof(msg), 5);
	for (len = 99; len <= 600; len += 167) {
		for (k = 1; k < len; k++) {
			struct gw_flow_ext *e = gw_flow_ext_get(p, 1000, 0);
			const uint8_t *inl;

			ck_assert_ptr_nonnull(e);
			inl = e->stream.buf;
			ck_assert_int_eq(gw_stream_add(&e->stream, 1000 + k, msg + k,
						       len - k), 0);
			ck_assert_int_eq(gw_stream_add(&e->stream, 1000, msg, k),
					 (int)len);
			ck_assert_mem_eq(e->stream.buf, msg, len);
			gw_flow_ext_stats(p, &st);
			if (len > 100) {
				taken++;
				ck_assert_ptr_ne(e->stream.buf, inl);
				ck_assert_uint_eq(e->stream.buf_size, 600);
				ck_assert_uint_eq(st.overflow_in_use, 1);
			} else {
				ck_assert_ptr_eq(e->stream.buf, inl);
				ck_assert_uint_eq(st.overflow_in_use, 0);
			}
			ck_assert_uint_eq(st.overflow_taken, taken);
			/* Still bounded by max_bytes. */
			ck_assert_int_eq(gw_stream_add(&e->stream, 1000 + 600, msg, 1),
					 GW_ELIMIT);
			gw_flow_ext_put(p, e);
			gw_flow_ext_stats(p, &st);
			ck_assert_uint_eq(st.overflow_in_use, 0);
		}
	}
	ck_assert_uint_eq(st.overflow_exhausted, 0);
	gw_flow_ext_pool_free(p);
}
END_TEST

/* An empty overflow pool refuses the grow (GW_ELIMIT, counted, nothing stored). */
START_TEST(test_overflow_exhausted)
{
	const struct gw_ext_limits lim = {1000, 16, 1, 100, 2};
	struct gw_flow_ext_pool *p = gw_flow_ext_pool_create(4, &lim);
	struct gw_flow_ext *e[4];
	struct gw_flow_ext_stats st;
	struct gw_stream before;
	uint8_t msg[1000];
	unsigned int i;

	ck_assert_ptr_nonnull(p);
	msg_fill(msg, sizeof(msg), 1);
	for (i = 0; i < 4; i++) {
		e[i] = gw_flow_ext_get(p, 0, 0);
		ck_assert_ptr_nonnull(e[i]);
		ck_assert_int_eq(gw_stream_add(&e[i]->stream, 0, msg, 60), 60);
	}
	ck_assert_int_eq(gw_stream_add(&e[0]->stream, 60, msg + 60, 940), 1000);
	ck_assert_int_eq(gw_stream_add(&e[1]->stream, 60, msg + 60, 141), 201);
	ck_assert_ptr_ne(e[0]->stream.buf, e[1]->stream.buf);
	before = e[2]->stream;
	ck_assert_int_eq(gw_stream_add(&e[2]->stream, 60, msg + 60, 41), GW_ELIMIT);
	ck_assert_mem_eq(&e[2]->stream, &before, sizeof(before));
	gw_flow_ext_stats(p, &st);
	ck_assert_uint_eq(st.overflow_in_use, 2);
	ck_assert_uint_eq(st.overflow_taken, 2);
	ck_assert_uint_eq(st.overflow_exhausted, 1);
	/* What fits inline still works. */
	ck_assert_int_eq(gw_stream_add(&e[2]->stream, 60, msg + 60, 40), 100);
	/* A put frees a buffer for the next grow; bytes are carried over. */
	gw_flow_ext_put(p, e[0]);
	ck_assert_int_eq(gw_stream_add(&e[2]->stream, 100, msg + 100, 900), 1000);
	ck_assert_mem_eq(e[2]->stream.buf, msg, 1000);
	ck_assert_mem_eq(e[1]->stream.buf, msg, 201);
	ck_assert_int_eq(gw_stream_add(&e[3]->stream, 60, msg + 60, 100), GW_ELIMIT);
	gw_flow_ext_stats(p, &st);
	ck_assert_uint_eq(st.overflow_in_use, 2);
	ck_assert_uint_eq(st.overflow_taken, 3);
	ck_assert_uint_eq(st.overflow_exhausted, 2);
	gw_flow_ext_put(p, e[1]);
	gw_flow_ext_put(p, e[2]);
	gw_flow_ext_put(p, e[3]);
	gw_flow_ext_stats(p, &st);
	ck_assert_uint_eq(st.overflow_in_use, 0);
	ck_assert_uint_eq(gw_flow_ext_in_use(p), 0);
	gw_flow_ext_pool_free(p);
}
END_TEST

static Suite *
ext_suite(void)
{
	Suite *s = suite_create("flow_ext");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_create_args);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_exhaustion_and_reuse);
	tcase_add_loop_test(tc, test_hold_limit, 0, 4);
	tcase_add_loop_test(tc, test_sort_vectors, 0,
			    GW_ARRAY_SIZE(sort_vectors));
	tcase_add_loop_test(tc, test_sort_random, 0, 3);
	tcase_add_test(tc, test_overflow_sizing);
	tcase_add_test(tc, test_overflow_split);
	tcase_add_test(tc, test_overflow_exhausted);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ext_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
