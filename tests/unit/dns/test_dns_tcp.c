/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS over TCP framing tests: a stream of length-prefixed messages is fed
 * whole, in two and three pieces split at every offset and byte by byte,
 * each piece right before a guard page; the callback must see exactly the
 * expected messages, byte for byte, each as a view into the piece or into
 * the state's buffer. Also: lengths 0 and 11, too long, gaps, callback
 * errors, sequence placement and the pool.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "dns/gw_dns.h"
#include "dns/gw_dns_tcp.h"
#include "gw_test.h"

#define CAP 64
#define MAX_MSGS 16

struct expect {
	uint16_t len;
	uint8_t fill;       /* message byte k is fill + k */
};

struct seen {
	size_t n;
	bool null[MAX_MSGS];
	size_t len[MAX_MSGS];
	const uint8_t *piece;   /* current piece, for the view check */
	size_t piece_len;
	const struct gw_dns_tcp *st;
	const struct expect *exp;
	int fail_at;            /* return GW_EMALFORMED at this message (-1: never) */
};

static int
cb_record(void *arg, const uint8_t *msg, size_t len)
{
	struct seen *s = arg;
	size_t k;

	ck_assert_uint_lt(s->n, MAX_MSGS);
	s->null[s->n] = msg == NULL;
	s->len[s->n] = len;
	if (msg != NULL) {
		bool in_piece = msg >= s->piece && msg + len <= s->piece + s->piece_len;
		bool in_buf = msg == s->st->buf && len <= s->st->cap;

		ck_assert_msg(in_piece || in_buf, "message view outside piece and buffer");
		for (k = 0; k < len; k++)
			ck_assert_uint_eq(msg[k], (uint8_t)(s->exp[s->n].fill + k));
	}
	if ((int)s->n++ == s->fail_at)
		return GW_EMALFORMED;
	return 0;
}

/* Builds the framed stream of exp[0..n); returns its length. */
static size_t
build(const struct expect *exp, size_t n, uint8_t *out, size_t size)
{
	size_t pos = 0, i, k;

	for (i = 0; i < n; i++) {
		ck_assert_uint_le(pos + 2 + exp[i].len, size);
		out[pos++] = (uint8_t)(exp[i].len >> 8);
		out[pos++] = (uint8_t)exp[i].len;
		for (k = 0; k < exp[i].len; k++)
			out[pos++] = (uint8_t)(exp[i].fill + k);
	}
	return pos;
}

/*
 * Feeds s[0..len) in pieces ending at cuts[] and returns the first
 * negative feed result (0 if none); the sum of positive results must
 * equal the callback count.
 */
static int
feed_pieces(struct gw_dns_tcp *st, const uint8_t *s, size_t len,
	    const size_t *cuts, size_t n_cuts, struct seen *seen)
{
	size_t base = 0, k, calls = 0;
	int first_err = 0;

	for (k = 0; k <= n_cuts; k++) {
		size_t end = k < n_cuts ? cuts[k] : len;
		struct gw_guard g;
		uint8_t *p = gw_guard_place(&g, s + base, end - base);
		size_t before = seen->n;
		int rc;

		seen->piece = p;
		seen->piece_len = end - base;
		rc = gw_dns_tcp_feed(st, p, end - base, cb_record, seen);
		gw_guard_release(&g);
		if (rc >= 0) {
			ck_assert_uint_eq((size_t)rc, seen->n - before);
			calls += (size_t)rc;
		} else if (first_err == 0) {
			first_err = rc;
		} else {
			ck_assert_int_eq(rc, GW_ELIMIT);
			ck_assert_uint_eq(seen->n, before);
		}
		base = end;
	}
	if (first_err == 0)
		ck_assert_uint_eq(calls, seen->n);
	return first_err;
}

static void
check_seen(const struct seen *s, const struct expect *exp, size_t n)
{
	size_t i;

	ck_assert_uint_eq(s->n, n);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(s->len[i], exp[i].len);
		ck_assert_int_eq(s->null[i], exp[i].len > CAP);
	}
}

static const struct expect stream_msgs[] = {
	{12, 0x10}, {40, 0x20}, {CAP, 0x30}, {CAP + 1, 0x40}, {300, 0x50},
	{13, 0x60}, {12, 0x70},
};

/* Every way of cutting the stream gives the same messages. */
START_TEST(test_splits)
{
	uint8_t s[1024], buf[CAP];
	size_t n = GW_ARRAY_SIZE(stream_msgs);
	size_t len = build(stream_msgs, n, s, sizeof(s));
	size_t cuts[1024] = {0}, c, k;
	struct gw_dns_tcp st;
	struct seen seen;
	uint32_t seq0 = 0xffffff00u;

#define RUN(nc)                                                                \
	do {                                                                   \
		memset(&seen, 0, sizeof(seen));                                \
		seen.exp = stream_msgs;                                        \
		seen.st = &st;                                                 \
		seen.fail_at = -1;                                             \
		ck_assert_int_eq(gw_dns_tcp_init(&st, buf, CAP, seq0), 0);     \
		ck_assert_int_eq(feed_pieces(&st, s, len, cuts, nc, &seen), 0);\
		check_seen(&seen, stream_msgs, n);                             \
		ck_assert(gw_dns_tcp_idle(&st));                               \
		ck_assert_uint_eq(st.next_seq, seq0 + (uint32_t)len);          \
	} while (0)

	RUN(0);
	for (c = 0; c <= len; c++) {
		cuts[0] = c;
		RUN(1);
	}
	for (c = 0; c <= len; c++) {
		cuts[0] = c;
		cuts[1] = c + (len - c) / 2;
		RUN(2);
	}
	for (c = 0; c <= len; c += 41) {
		for (k = c; k <= len; k += 3) {
			cuts[0] = c;
			cuts[1] = k;
			RUN(2);
		}
	}
	for (k = 0; k + 1 < len; k++)
		cuts[k] = k + 1;
	RUN(len - 1);
#undef RUN
}
END_TEST

/* A prefix of the stream delivers exactly the messages it completes. */
START_TEST(test_truncated)
{
	uint8_t s[1024], buf[CAP];
	size_t n = GW_ARRAY_SIZE(stream_msgs);
	size_t len = build(stream_msgs, n, s, sizeof(s));
	struct gw_dns_tcp st;
	struct seen seen;
	size_t c;

	for (c = 0; c <= len; c++) {
		size_t want = 0, pos = 0;

		while (want < n && pos + 2 + stream_msgs[want].len <= c) {
			pos += 2 + stream_msgs[want].len;
			want++;
		}
		/* a too-long message is reported as soon as its length is read */
		if (want < n && stream_msgs[want].len > CAP && pos + 2 <= c)
			want++;
		memset(&seen, 0, sizeof(seen));
		seen.exp = stream_msgs;
		seen.st = &st;
		seen.fail_at = -1;
		gw_dns_tcp_init(&st, buf, CAP, 1);
		ck_assert_int_eq(feed_pieces(&st, s, c, NULL, 0, &seen), 0);
		ck_assert_uint_eq(seen.n, want);
		/* idle exactly at frame boundaries */
		ck_assert_int_eq(gw_dns_tcp_idle(&st), c == pos);
	}
}
END_TEST

/* Lengths below a DNS header stop the direction, at every split. */
START_TEST(test_short_lengths)
{
	static const uint16_t bad_len[] = {0, 1, 11};
	uint8_t s[256], buf[CAP];
	struct gw_dns_tcp st;
	struct seen seen;
	size_t i, c;

	for (i = 0; i < GW_ARRAY_SIZE(bad_len); i++) {
		size_t len = build(stream_msgs, 2, s, sizeof(s));

		s[len++] = (uint8_t)(bad_len[i] >> 8);
		s[len++] = (uint8_t)bad_len[i];
		memset(s + len, 0x77, 20);
		len += 20;
		for (c = 0; c <= len; c++) {
			memset(&seen, 0, sizeof(seen));
			seen.exp = stream_msgs;
			seen.st = &st;
			seen.fail_at = -1;
			gw_dns_tcp_init(&st, buf, CAP, 0);
			ck_assert_int_eq(feed_pieces(&st, s, len, &c, 1, &seen),
					 GW_EMALFORMED);
			check_seen(&seen, stream_msgs, 2);
			ck_assert(gw_dns_tcp_stopped(&st));
			ck_assert_int_eq(gw_dns_tcp_feed(&st, s, len, cb_record, &seen),
					 GW_ELIMIT);
		}
	}
	/* exactly a header's length is a message */
	{
		static const struct expect twelve[] = {{12, 1}};
		size_t len = build(twelve, 1, s, sizeof(s));

		memset(&seen, 0, sizeof(seen));
		seen.exp = twelve;
		seen.st = &st;
		seen.fail_at = -1;
		gw_dns_tcp_init(&st, buf, CAP, 0);
		ck_assert_int_eq(feed_pieces(&st, s, len, NULL, 0, &seen), 0);
		ck_assert_uint_eq(seen.n, 1);
	}
}
END_TEST

START_TEST(test_cb_error_and_gap)
{
	uint8_t s[1024], buf[CAP];
	size_t len = build(stream_msgs, GW_ARRAY_SIZE(stream_msgs), s, sizeof(s));
	struct gw_dns_tcp st;
	struct seen seen;
	uint32_t skip;

	/* the callback rejects the second message: the rest is not read */
	memset(&seen, 0, sizeof(seen));
	seen.exp = stream_msgs;
	seen.st = &st;
	seen.fail_at = 1;
	seen.piece = s;
	seen.piece_len = len;
	gw_dns_tcp_init(&st, buf, CAP, 0);
	ck_assert_int_eq(gw_dns_tcp_feed(&st, s, len, cb_record, &seen), GW_EMALFORMED);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert(gw_dns_tcp_stopped(&st));
	ck_assert_int_eq(gw_dns_tcp_feed(&st, s, len, cb_record, &seen), GW_ELIMIT);
	ck_assert_uint_eq(seen.n, 2);

	/* a gap in the middle of a message */
	memset(&seen, 0, sizeof(seen));
	seen.exp = stream_msgs;
	seen.st = &st;
	seen.fail_at = -1;
	seen.piece = s;
	seen.piece_len = len;
	gw_dns_tcp_init(&st, buf, CAP, 500);
	ck_assert_int_eq(gw_dns_tcp_feed(&st, s, 20, cb_record, &seen), 1);
	ck_assert(!gw_dns_tcp_idle(&st));
	ck_assert_int_eq(gw_dns_tcp_seq(&st, 520, 10, &skip), GW_DNS_TCP_SEG_NEW);
	ck_assert_uint_eq(skip, 0);
	ck_assert_int_eq(gw_dns_tcp_seq(&st, 530, 10, &skip), GW_DNS_TCP_SEG_AHEAD);
	ck_assert_int_eq(gw_dns_tcp_seq(&st, 505, 10, &skip), GW_DNS_TCP_SEG_OLD);
	ck_assert_int_eq(gw_dns_tcp_seq(&st, 505, 16, &skip), GW_DNS_TCP_SEG_NEW);
	ck_assert_uint_eq(skip, 15);
	ck_assert_int_eq(gw_dns_tcp_seq(&st, 520, 0, &skip), GW_DNS_TCP_SEG_NEW);
	ck_assert_int_eq(gw_dns_tcp_seq(&st, 519, 0, &skip), GW_DNS_TCP_SEG_OLD);
	gw_dns_tcp_gap(&st);
	ck_assert(gw_dns_tcp_stopped(&st));
	ck_assert_int_eq(gw_dns_tcp_feed(&st, s + 20, len - 20, cb_record, &seen),
			 GW_ELIMIT);
	ck_assert_uint_eq(seen.n, 1);

	ck_assert_int_eq(gw_dns_tcp_init(&st, buf, 11, 0), GW_EINVAL);
	ck_assert_int_eq(gw_dns_tcp_init(&st, buf, 65536, 0), GW_EINVAL);
	ck_assert_int_eq(gw_dns_tcp_init(&st, NULL, CAP, 0), GW_EINVAL);
}
END_TEST

struct count {
	size_t n, too_long;
	size_t last_len;
};

static int
cb_count(void *arg, const uint8_t *msg, size_t len)
{
	struct count *c = arg;

	if (msg == NULL)
		c->too_long++;
	else
		c->n++;
	c->last_len = len;
	return 0;
}

/* The pool: default cap, exhaustion, put, both directions assembled apart. */
START_TEST(test_pool)
{
	struct gw_dns_tcp_pool *p = gw_dns_tcp_pool_create(2, 0);
	struct gw_dns_tcp_flow *a, *b, *c, bogus;
	struct gw_dns_tcp_pool_stats ps;
	static const struct expect big[] = {
		{GW_DNS_TCP_MAX_DEFAULT, 3}, {GW_DNS_TCP_MAX_DEFAULT + 1, 4},
	};
	uint8_t *s = malloc(3 * GW_DNS_TCP_MAX_DEFAULT);
	size_t len, half;
	struct count c0 = {0, 0, 0}, c1 = {0, 0, 0};

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(gw_dns_tcp_pool_create(0, 0));
	ck_assert_ptr_null(gw_dns_tcp_pool_create(1, 11));
	ck_assert_ptr_null(gw_dns_tcp_pool_create(1, 65536));

	a = gw_dns_tcp_pool_get(p, 100, 200);
	b = gw_dns_tcp_pool_get(p, 1, 2);
	c = gw_dns_tcp_pool_get(p, 1, 2);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_null(c);
	gw_dns_tcp_pool_stats(p, &ps);
	ck_assert_uint_eq(ps.size, 2);
	ck_assert_uint_eq(ps.in_use, 2);
	ck_assert_uint_eq(ps.max_in_use, 2);
	ck_assert_uint_eq(ps.taken, 2);
	ck_assert_uint_eq(ps.exhausted, 1);
	ck_assert_uint_eq(a->dir[0].next_seq, 100);
	ck_assert_uint_eq(a->dir[1].next_seq, 200);
	ck_assert_uint_eq(a->dir[0].cap, GW_DNS_TCP_MAX_DEFAULT);

	/* both directions of a, interleaved in halves: buffers must not overlap */
	len = build(big, 2, s, 3 * GW_DNS_TCP_MAX_DEFAULT);
	half = GW_DNS_TCP_MAX_DEFAULT / 2;
	ck_assert_int_eq(gw_dns_tcp_feed(&a->dir[0], s, half, cb_count, &c0), 0);
	ck_assert_int_eq(gw_dns_tcp_feed(&a->dir[1], s, half + 1, cb_count, &c1), 0);
	ck_assert_int_eq(gw_dns_tcp_feed(&b->dir[0], s, 7, cb_count, &c1), 0);
	ck_assert_int_eq(gw_dns_tcp_feed(&a->dir[0], s + half, len - half, cb_count, &c0), 2);
	ck_assert_int_eq(gw_dns_tcp_feed(&a->dir[1], s + half + 1, len - half - 1,
					 cb_count, &c1), 2);
	ck_assert_uint_eq(c0.n, 1);
	ck_assert_uint_eq(c0.too_long, 1);
	ck_assert_uint_eq(c0.last_len, GW_DNS_TCP_MAX_DEFAULT + 1);
	ck_assert_uint_eq(c1.n, 1);
	ck_assert_uint_eq(c1.too_long, 1);
	{
		size_t k;

		/* the assembled copy of dir[1] holds dir[1]'s bytes */
		for (k = 0; k < GW_DNS_TCP_MAX_DEFAULT; k++)
			ck_assert_uint_eq(a->dir[1].buf[k], (uint8_t)(3 + k));
	}

	gw_dns_tcp_pool_put(p, a);
	gw_dns_tcp_pool_put(p, a);          /* double put: ignored */
	gw_dns_tcp_pool_put(p, &bogus);     /* foreign: ignored */
	gw_dns_tcp_pool_put(p, NULL);
	gw_dns_tcp_pool_put(p, (struct gw_dns_tcp_flow *)((uint8_t *)b + 1));
	gw_dns_tcp_pool_stats(p, &ps);
	ck_assert_uint_eq(ps.in_use, 1);
	c = gw_dns_tcp_pool_get(p, 5, 6);
	ck_assert_ptr_eq(c, a);
	ck_assert(gw_dns_tcp_idle(&c->dir[0]));
	ck_assert_uint_eq(c->dir[0].next_seq, 5);
	ck_assert_ptr_null(gw_dns_tcp_pool_get(p, 0, 0));
	gw_dns_tcp_pool_put(p, b);
	gw_dns_tcp_pool_put(p, c);
	gw_dns_tcp_pool_stats(p, &ps);
	ck_assert_uint_eq(ps.in_use, 0);
	ck_assert_uint_eq(ps.exhausted, 2);
	gw_dns_tcp_pool_free(p);
	gw_dns_tcp_pool_free(NULL);
	free(s);
}
END_TEST

/* A real query split over two segments parses once assembled. */
struct parsed {
	int rc;
	struct gw_dns_msg msg;
};

static int
cb_parse(void *arg, const uint8_t *msg, size_t len)
{
	struct parsed *p = arg;

	p->rc = msg == NULL ? GW_ELIMIT : gw_dns_parse(msg, len, &p->msg);
	return p->rc < 0 ? p->rc : 0;
}

START_TEST(test_parse_assembled)
{
	uint8_t s[128], buf[CAP];
	size_t n, c;
	struct gw_dns_tcp st;
	static struct parsed pr;

	n = gw_test_hex("00 1d 1234 0100 0001 0000 0000 0000"
			"07 6578616d706c65 03 636f6d 00 0001 0001", s, sizeof(s));
	ck_assert_uint_eq(n, 31);
	for (c = 0; c <= n; c++) {
		struct gw_guard g1, g2;
		uint8_t *p1 = gw_guard_place(&g1, s, c);
		uint8_t *p2 = gw_guard_place(&g2, s + c, n - c);

		memset(&pr, 0, sizeof(pr));
		pr.rc = -100;
		gw_dns_tcp_init(&st, buf, CAP, 0);
		ck_assert_int_eq(gw_dns_tcp_feed(&st, p1, c, cb_parse, &pr),
				 c == n ? 1 : 0);
		ck_assert_int_eq(gw_dns_tcp_feed(&st, p2, n - c, cb_parse, &pr),
				 c == n ? 0 : 1);
		ck_assert_int_gt(pr.rc, 0);
		ck_assert_str_eq(pr.msg.qname.text, "example.com");
		ck_assert_uint_eq(pr.msg.hdr.id, 0x1234);
		gw_guard_release(&g1);
		gw_guard_release(&g2);
	}
}
END_TEST

static Suite *
dns_tcp_suite(void)
{
	Suite *s = suite_create("dns_tcp");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_splits);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_short_lengths);
	tcase_add_test(tc, test_cb_error_and_gap);
	tcase_add_test(tc, test_pool);
	tcase_add_test(tc, test_parse_assembled);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dns_tcp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
