/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding table tests: TTL and grace boundaries to the nanosecond, TTL cap,
 * refresh, CNAME chains learned from a real dnsmasq answer, the per-name
 * cap, references, LRU order, a full table, incremental expiry, 100 000
 * random operations against a plain reference model (linear arrays, LRU by
 * sequence number), and a flood of 1M answers.
 */
#include <check.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_addr.h"
#include "common/gw_error.h"
#include "common/gw_util.h"
#include "dns/gw_dns.h"
#include "dns/gw_dns_bind.h"
#include "gw_test.h"

#define S 1000000000ull
#define T0 (1000 * S) /* an arbitrary start of the monotonic clock */

static struct gw_addr
A(const char *s)
{
	struct gw_addr a;

	ck_assert_int_eq(gw_addr_parse(s, &a), 0);
	return a;
}

static struct gw_dns_bind *
mk(uint32_t cap, uint32_t k, uint32_t grace_s, uint32_t ttl_max_s)
{
	struct gw_dns_bind_conf c;
	struct gw_dns_bind *t;

	gw_dns_bind_conf_init(&c, cap, k);
	c.grace_s = grace_s;
	c.ttl_max_s = ttl_max_s;
	c.hash_seed = 0x1234567;
	t = gw_dns_bind_create(&c);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* With the shared address pool and text arena sized explicitly (0: default). */
static struct gw_dns_bind *
mk_pools(uint32_t cap, uint32_t k, uint32_t grace_s, uint32_t ttl_max_s,
	 uint32_t addr_pool, uint32_t text_chunks)
{
	struct gw_dns_bind_conf c;
	struct gw_dns_bind *t;

	gw_dns_bind_conf_init(&c, cap, k);
	c.grace_s = grace_s;
	c.ttl_max_s = ttl_max_s;
	c.hash_seed = 0x1234567;
	c.addr_pool = addr_pool;
	c.text_chunks = text_chunks;
	t = gw_dns_bind_create(&c);
	ck_assert_ptr_nonnull(t);
	return t;
}

static int
chk(struct gw_dns_bind *t, const char *name, const char *addr, uint64_t now)
{
	struct gw_addr a = A(addr);

	return gw_dns_bind_check(t, name, &a, now);
}

static int
learn1(struct gw_dns_bind *t, const char *name, const char *addr,
       uint32_t ttl, uint64_t now)
{
	struct gw_addr a = A(addr);

	return gw_dns_bind_learn(t, name, &a, 1, ttl, now);
}

static int
ref1(struct gw_dns_bind *t, const char *name, const char *addr, uint64_t now)
{
	struct gw_addr a = A(addr);

	return gw_dns_bind_ref(t, name, &a, now);
}

static int
unref1(struct gw_dns_bind *t, const char *name, const char *addr)
{
	struct gw_addr a = A(addr);

	return gw_dns_bind_unref(t, name, &a);
}

static struct gw_dns_bind_stats
stats(const struct gw_dns_bind *t)
{
	struct gw_dns_bind_stats st;

	gw_dns_bind_stats(t, &st);
	return st;
}

enum { U = GW_DNS_BIND_UNKNOWN, N = GW_DNS_BIND_NOT_BOUND, B = GW_DNS_BIND_BOUND };

/* ---- create / names ---- */

START_TEST(test_conf)
{
	static const struct {
		uint32_t cap, k, grace, ttl_max;
	} bad[] = {
		{0, 4, 60, 86400},
		{GW_DNS_BIND_CAPACITY_MAX + 1, 4, 60, 86400},
		{16, 0, 60, 86400},
		{16, GW_DNS_BIND_ADDRS_MAX + 1, 60, 86400},
		{16, 4, GW_DNS_BIND_TIME_MAX_S + 1, 86400},
		{16, 4, 60, 0},
		{16, 4, 60, GW_DNS_BIND_TIME_MAX_S + 1},
	};
	struct gw_dns_bind_conf c;
	struct gw_dns_bind_stats st;
	struct gw_dns_bind *t;

	for (size_t i = 0; i < GW_ARRAY_SIZE(bad); i++) {
		gw_dns_bind_conf_init(&c, bad[i].cap, bad[i].k);
		c.grace_s = bad[i].grace;
		c.ttl_max_s = bad[i].ttl_max;
		ck_assert_ptr_null(gw_dns_bind_create(&c));
	}
	ck_assert_ptr_null(gw_dns_bind_create(NULL));
	gw_dns_bind_conf_init(&c, 16, 4);
	ck_assert_uint_eq(c.grace_s, 60);
	ck_assert_uint_eq(c.ttl_max_s, 86400);
	ck_assert_uint_eq(c.hash_seed, 0);
	t = gw_dns_bind_create(&c); /* random key */
	ck_assert_ptr_nonnull(t);
	st = stats(t);
	ck_assert_uint_eq(st.capacity, 16);
	ck_assert_uint_eq(st.addrs_per_name, 4);
	ck_assert_uint_eq(st.names, 0);
	ck_assert_uint_gt(st.mem_bytes, 16 * 4 * sizeof(struct gw_addr));
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.1", 5, T0), 1);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0), B);
	gw_dns_bind_free(t);
	gw_dns_bind_free(NULL);
	gw_dns_bind_stats(NULL, &st);
	ck_assert_uint_eq(st.names, 0);
	ck_assert_uint_eq(st.capacity, 0);
	/* Largest sizes accepted. */
	gw_dns_bind_conf_init(&c, 1, GW_DNS_BIND_ADDRS_MAX);
	c.grace_s = GW_DNS_BIND_TIME_MAX_S;
	c.ttl_max_s = GW_DNS_BIND_TIME_MAX_S;
	t = gw_dns_bind_create(&c);
	ck_assert_ptr_nonnull(t);
	gw_dns_bind_free(t);
}
END_TEST

static const struct {
	const char *name;
	bool ok;
} name_vecs[] = {
	{"a", true},
	{"www.example.test", true},
	{"xn--bcher-kva.test", true},
	{"_srv._tcp.x.test", true},
	{"", false},
	{"A.test", false},       /* not lower case */
	{"a.test.", false},      /* trailing dot */
	{".a.test", false},      /* leading dot */
	{"a..test", false},      /* empty label */
	{".", false},
	{"a b.test", false},     /* space */
	{"a\x01.test", false},   /* control */
	{"caf\xc3\xa9.test", false}, /* 8-bit */
	{"a\x7f.test", false},
};

START_TEST(test_names)
{
	struct gw_dns_bind *t = mk(8, 2, 60, 86400);
	struct gw_addr a = A("192.0.2.1");
	const char *n = name_vecs[_i].name;
	int want = name_vecs[_i].ok ? 1 : GW_EINVAL;

	ck_assert_int_eq(gw_dns_bind_learn(t, n, &a, 1, 10, T0), want);
	ck_assert_int_eq(gw_dns_bind_check(t, n, &a, T0),
			 name_vecs[_i].ok ? B : GW_EINVAL);
	ck_assert_int_eq(gw_dns_bind_ref(t, n, &a, T0),
			 name_vecs[_i].ok ? GW_OK : GW_EINVAL);
	ck_assert_int_eq(gw_dns_bind_unref(t, n, &a),
			 name_vecs[_i].ok ? GW_OK : GW_EINVAL);
	ck_assert_uint_eq(stats(t).names, name_vecs[_i].ok ? 1 : 0);
	gw_dns_bind_free(t);
}
END_TEST

START_TEST(test_name_lengths)
{
	struct gw_dns_bind *t = mk(8, 2, 60, 86400);
	char n[300];
	size_t l = 0;

	/* 63.63.63.61 = 253 bytes: the longest name; one more is refused. */
	for (int lab = 0; lab < 4; lab++) {
		int ll = lab < 3 ? 63 : 61;

		memset(n + l, 'a' + lab, (size_t)ll);
		l += (size_t)ll;
		n[l++] = '.';
	}
	n[--l] = '\0';
	ck_assert_uint_eq(strlen(n), 253);
	ck_assert_int_eq(learn1(t, n, "192.0.2.1", 10, T0), 1);
	ck_assert_int_eq(chk(t, n, "192.0.2.1", T0), B);
	strcat(n, "a");
	ck_assert_int_eq(learn1(t, n, "192.0.2.1", 10, T0), GW_EINVAL);
	ck_assert_int_eq(chk(t, n, "192.0.2.1", T0), GW_EINVAL);
	/* Label of 64 refused, 63 fine. */
	memset(n, 'x', 64);
	strcpy(n + 64, ".test");
	ck_assert_int_eq(learn1(t, n, "192.0.2.1", 10, T0), GW_EINVAL);
	ck_assert_int_eq(learn1(t, n + 1, "192.0.2.1", 10, T0), 1);
	/* NULL arguments. */
	ck_assert_int_eq(gw_dns_bind_learn(t, "a.test", NULL, 1, 1, T0),
			 GW_EINVAL);
	ck_assert_int_eq(gw_dns_bind_learn(t, "a.test", NULL, 0, 1, T0), 0);
	ck_assert_int_eq(gw_dns_bind_learn(NULL, "a.test", NULL, 0, 1, T0),
			 GW_EINVAL);
	ck_assert_int_eq(gw_dns_bind_check(t, "a.test", NULL, T0), GW_EINVAL);
	ck_assert_int_eq(gw_dns_bind_check(t, NULL, &(struct gw_addr){{0}}, T0),
			 GW_EINVAL);
	ck_assert_int_eq(gw_dns_bind_learn_chain(t, NULL, T0), GW_EINVAL);
	ck_assert_uint_eq(gw_dns_bind_expire(NULL, T0, 8), 0);
	/* n == 0 creates nothing. */
	ck_assert_int_eq(gw_dns_bind_learn(t, "empty.test", NULL, 0, 1, T0), 0);
	ck_assert_int_eq(chk(t, "empty.test", "192.0.2.1", T0), U);
	ck_assert_uint_eq(stats(t).names, 2);
	gw_dns_bind_free(t);
}
END_TEST

/* ---- TTL and grace ---- */

static const struct {
	const char *label;
	uint32_t grace, ttl_max, ttl;
	uint64_t until; /* bound while now < T0 + until (ns) */
	bool capped;
} ttl_vecs[] = {
	{"ttl 10 + grace 60", 60, 86400, 10, 70 * S, false},
	{"ttl 0: grace only", 60, 86400, 0, 60 * S, false},
	{"grace 0", 0, 86400, 5, 5 * S, false},
	{"ttl 1 grace 1", 1, 86400, 1, 2 * S, false},
	{"ttl capped", 60, 100, 1000, 160 * S, true},
	{"ttl at the cap", 60, 100, 100, 160 * S, false},
	{"ttl max uint32", 60, 86400, UINT32_MAX, (86400 + 60) * S, true},
	{"ttl 0 grace 0: never bound", 0, 86400, 0, 0, false},
};

START_TEST(test_ttl)
{
	struct gw_dns_bind *t = mk(8, 4, ttl_vecs[_i].grace,
				   ttl_vecs[_i].ttl_max);
	uint64_t until = T0 + ttl_vecs[_i].until;

	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.1", ttl_vecs[_i].ttl, T0),
			 1);
	ck_assert_uint_eq(stats(t).ttl_capped, ttl_vecs[_i].capped ? 1 : 0);
	if (until > T0) {
		ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0), B);
		ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", until - 1), B);
		ck_assert_int_eq(chk(t, "a.test", "192.0.2.2", until - 1), N);
		/* A reference keeps it; dropping it ends the binding at once. */
		ck_assert_int_eq(ref1(t, "a.test", "192.0.2.1", until - 1),
				 GW_OK);
		ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", until + 1000 * S),
				 B);
		ck_assert_int_eq(unref1(t, "a.test", "192.0.2.1"), GW_OK);
	}
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", until), U);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.2", until), U);
	ck_assert_int_eq(ref1(t, "a.test", "192.0.2.1", until), GW_ENOENT);
	/* Nothing removed before the deadline, removed at it. */
	if (until > T0)
		ck_assert_uint_eq(gw_dns_bind_expire(t, until - 1, 8), 0);
	ck_assert_uint_eq(gw_dns_bind_expire(t, until, 8), 1);
	ck_assert_uint_eq(stats(t).names, 0);
	ck_assert_uint_eq(stats(t).names_expired, 1);
	gw_dns_bind_free(t);
}
END_TEST

START_TEST(test_refresh)
{
	struct gw_dns_bind *t = mk(8, 4, 60, 86400);
	struct gw_dns_bind_stats st;

	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.1", 100, T0), 1);
	/* A shorter TTL later does not shorten it. */
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.1", 10, T0 + 50 * S), 1);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0 + 160 * S - 1), B);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0 + 160 * S), U);
	/* A longer one extends it. */
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.1", 100, T0 + 90 * S), 1);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0 + 250 * S - 1), B);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0 + 250 * S), U);
	/* A dead pair learned again is alive again (a new answer). */
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.1", 5, T0 + 300 * S), 1);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0 + 365 * S - 1), B);
	st = stats(t);
	ck_assert_uint_eq(st.learned, 1);
	ck_assert_uint_eq(st.refreshed, 3);
	ck_assert_uint_eq(st.addrs, 1);
	gw_dns_bind_free(t);
}
END_TEST

START_TEST(test_not_bound_vs_unknown)
{
	struct gw_dns_bind *t = mk(8, 4, 60, 86400);
	struct gw_addr two[2] = {A("192.0.2.1"), A("2001:db8::1")};
	struct gw_dns_bind_stats st;

	ck_assert_int_eq(gw_dns_bind_learn(t, "a.test", two, 2, 10, T0), 2);
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.2", 100, T0), 1);
	ck_assert_int_eq(chk(t, "a.test", "2001:db8::1", T0), B);
	ck_assert_int_eq(chk(t, "a.test", "::ffff:192.0.2.1", T0), B);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.3", T0), N);
	ck_assert_int_eq(chk(t, "b.test", "192.0.2.1", T0), U);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0 + 70 * S), N);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.2", T0 + 70 * S), B);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.2", T0 + 160 * S), U);
	/* Exact names only. */
	ck_assert_int_eq(chk(t, "x.a.test", "192.0.2.2", T0), U);
	ck_assert_int_eq(chk(t, "test", "192.0.2.2", T0), U);
	st = stats(t);
	ck_assert_uint_eq(st.check_bound, 3);
	ck_assert_uint_eq(st.check_not_bound, 2);
	ck_assert_uint_eq(st.check_unknown, 4);
	gw_dns_bind_free(t);
}
END_TEST

/* ---- CNAME chains ---- */

START_TEST(test_chain_learn)
{
	/* dnsmasq 2.90: www.chain.test -> mid.chain.test -> target.test A 192.0.2.7, TTL 300 */
	static const char hex[] =
		"2345858000010003000000000377777705636861696e047465737400000100"
		"01c00c000500010000012c0010036d696405636861696e047465737400c02c"
		"000500010000012c000d06746172676574047465737400c048000100010000"
		"012c0004c0000207";
	static const char *const chain_names[] = {"www.chain.test",
						  "mid.chain.test",
						  "target.test"};
	struct gw_dns_msg *m = malloc(sizeof(*m));
	struct gw_dns_bind *t = mk(8, 4, 60, 86400);
	struct gw_dns_chain c;
	uint8_t b[256];
	size_t n = gw_test_hex(hex, b, sizeof(b));

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(gw_dns_parse(b, n, m), (int)n);
	ck_assert_int_eq(gw_dns_chain_addrs(m, &c), 1);
	ck_assert_int_eq(gw_dns_bind_learn_chain(t, &c, T0), GW_OK);
	for (size_t i = 0; i < GW_ARRAY_SIZE(chain_names); i++) {
		ck_assert_int_eq(chk(t, chain_names[i], "192.0.2.7",
				     T0 + 360 * S - 1), B);
		ck_assert_int_eq(chk(t, chain_names[i], "192.0.2.8", T0), N);
		ck_assert_int_eq(chk(t, chain_names[i], "192.0.2.7",
				     T0 + 360 * S), U);
	}
	ck_assert_int_eq(chk(t, "chain.test", "192.0.2.7", T0), U);
	ck_assert_uint_eq(stats(t).names, 3);

	/* A chain with no address learns nothing. */
	c.n_addrs = 0;
	ck_assert_int_eq(gw_dns_bind_learn_chain(t, &c, T0), GW_OK);
	ck_assert_uint_eq(stats(t).learned, 3);
	gw_dns_bind_free(t);

	/* Full table, all referenced: every name of the chain is refused. */
	t = mk(1, 4, 60, 86400);
	ck_assert_int_eq(learn1(t, "held.test", "192.0.2.1", 100, T0), 1);
	ck_assert_int_eq(ref1(t, "held.test", "192.0.2.1", T0), GW_OK);
	ck_assert_int_eq(gw_dns_chain_addrs(m, &c), 1);
	ck_assert_int_eq(gw_dns_bind_learn_chain(t, &c, T0), GW_ENOSPC);
	ck_assert_uint_eq(stats(t).full, 3);
	gw_dns_bind_free(t);
	free(m);
}
END_TEST

/* ---- per-name cap ---- */

START_TEST(test_cap)
{
	struct gw_dns_bind *t = mk(8, 2, 60, 86400);
	struct gw_addr three[3] = {A("192.0.2.21"), A("192.0.2.22"),
				   A("192.0.2.23")};
	struct gw_dns_bind_stats st;

	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.1", 100, T0), 1);
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.2", 50, T0), 1);
	/* Full: the one expiring first (.2) makes room. */
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.3", 200, T0), 1);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.2", T0), N);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0), B);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.3", T0), B);
	ck_assert_uint_eq(stats(t).replaced_cap, 1);
	/* All referenced: the new one is dropped. */
	ck_assert_int_eq(ref1(t, "a.test", "192.0.2.1", T0), GW_OK);
	ck_assert_int_eq(ref1(t, "a.test", "192.0.2.3", T0), GW_OK);
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.4", 300, T0), 0);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.4", T0), N);
	ck_assert_uint_eq(stats(t).dropped_cap, 1);
	/* A known one is still refreshed. */
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.1", 300, T0), 1);
	/* .3 is the only unreferenced one: it makes room. */
	ck_assert_int_eq(unref1(t, "a.test", "192.0.2.3"), GW_OK);
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.4", 300, T0), 1);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.3", T0), N);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0), B);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.4", T0), B);
	st = stats(t);
	ck_assert_uint_eq(st.replaced_cap, 2);
	ck_assert_uint_eq(st.addrs, 2);

	/* A batch bigger than the cap: later addresses replace earlier ones. */
	ck_assert_int_eq(gw_dns_bind_learn(t, "b.test", three, 3, 60, T0), 2);
	ck_assert_int_eq(chk(t, "b.test", "192.0.2.21", T0), N);
	ck_assert_int_eq(chk(t, "b.test", "192.0.2.22", T0), B);
	ck_assert_int_eq(chk(t, "b.test", "192.0.2.23", T0), B);
	ck_assert_uint_eq(stats(t).replaced_cap, 3);

	/* A dead address makes room as expired, not replaced. */
	ck_assert_int_eq(learn1(t, "c.test", "192.0.2.31", 0, T0), 1);
	ck_assert_int_eq(learn1(t, "c.test", "192.0.2.32", 0, T0), 1);
	ck_assert_int_eq(learn1(t, "c.test", "192.0.2.33", 10, T0 + 60 * S), 1);
	st = stats(t);
	ck_assert_uint_eq(st.replaced_cap, 3);
	ck_assert_uint_eq(st.expired, 1);
	ck_assert_int_eq(chk(t, "c.test", "192.0.2.33", T0 + 60 * S), B);
	ck_assert_int_eq(chk(t, "c.test", "192.0.2.31", T0 + 60 * S), N);
	gw_dns_bind_free(t);
}
END_TEST

/* ---- references ---- */

START_TEST(test_refs)
{
	struct gw_dns_bind *t = mk(8, 4, 60, 86400);
	uint64_t late = T0 + 100000 * S;

	ck_assert_int_eq(ref1(t, "a.test", "192.0.2.1", T0), GW_ENOENT);
	ck_assert_int_eq(unref1(t, "a.test", "192.0.2.1"), GW_ENOENT);
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.1", 1, T0), 1);
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.2", 1, T0), 1);
	ck_assert_int_eq(ref1(t, "a.test", "192.0.2.9", T0), GW_ENOENT);
	ck_assert_int_eq(unref1(t, "a.test", "192.0.2.1"), GW_ENOENT);
	ck_assert_int_eq(ref1(t, "a.test", "192.0.2.1", T0), GW_OK);
	ck_assert_int_eq(ref1(t, "a.test", "192.0.2.1", T0 + 61 * S - 1), GW_OK);
	ck_assert_uint_eq(stats(t).names_referenced, 1);
	/* Past TTL + grace: still bound, and not removed by expire. */
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", late), B);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.2", late), N);
	ck_assert_uint_eq(gw_dns_bind_expire(t, late, 8), 1); /* .2 only */
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", late), B);
	/* The unreferenced one cannot be referenced back to life. */
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.3", 1, T0), 1);
	ck_assert_int_eq(ref1(t, "a.test", "192.0.2.3", late), GW_ENOENT);
	/* A further reference on a held pair is fine even late. */
	ck_assert_int_eq(ref1(t, "a.test", "192.0.2.1", late), GW_OK);
	ck_assert_int_eq(unref1(t, "a.test", "192.0.2.1"), GW_OK);
	ck_assert_int_eq(unref1(t, "a.test", "192.0.2.1"), GW_OK);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", late), B);
	ck_assert_int_eq(unref1(t, "a.test", "192.0.2.1"), GW_OK);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", late), U);
	ck_assert_int_eq(unref1(t, "a.test", "192.0.2.1"), GW_ENOENT);
	ck_assert_uint_eq(stats(t).names_referenced, 0);
	ck_assert_uint_eq(gw_dns_bind_expire(t, late, 8), 2);
	ck_assert_uint_eq(stats(t).names, 0);
	ck_assert_uint_eq(stats(t).addrs, 0);
	gw_dns_bind_free(t);
}
END_TEST

/* ---- LRU ---- */

/* Exactly the names of `present` are in the table (address 192.0.2.1). */
static void
expect_present(struct gw_dns_bind *t, const char *present, uint64_t now)
{
	static const char *const all[] = {"n1.test", "n2.test", "n3.test",
					  "n4.test", "n5.test", "n6.test",
					  "n7.test", "n8.test", "n9.test"};

	for (size_t i = 0; i < GW_ARRAY_SIZE(all); i++) {
		bool in = strchr(present, all[i][1]) != NULL;
		int r = chk(t, all[i], "198.51.100.1", now);

		/* A name held answers N for an address it does not have. */
		ck_assert_msg(r == (in ? N : U), "%s: %d, present: %s", all[i],
			      r, present);
	}
}

/* Handles: the owner of a reference need not keep the name. */
START_TEST(test_ref_handles)
{
	struct gw_dns_bind *t = mk(8, 4, 60, 86400);
	uint64_t late = T0 + 100000 * S;
	struct gw_addr a1 = A("192.0.2.1"), a2 = A("192.0.2.2");
	uint32_t h1, h2, h3;

	ck_assert_int_eq(gw_dns_bind_ref_handle(t, "a.test", &a1, T0, &h1),
			 GW_ENOENT);
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.1", 1, T0), 1);
	ck_assert_int_eq(learn1(t, "a.test", "192.0.2.2", 1, T0), 1);
	ck_assert_int_eq(learn1(t, "b.test", "192.0.2.1", 1, T0), 1);
	ck_assert_int_eq(gw_dns_bind_ref_handle(t, "a.test", &a1, T0, &h1), GW_OK);
	ck_assert_int_eq(gw_dns_bind_ref_handle(t, "a.test", &a2, T0, &h2), GW_OK);
	ck_assert_int_eq(gw_dns_bind_ref_handle(t, "b.test", &a1, T0, &h3), GW_OK);
	ck_assert_uint_ne(h1, h2);
	ck_assert_uint_ne(h1, h3);
	/* Held past TTL + grace. */
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", late), B);
	ck_assert_int_eq(gw_dns_bind_unref_handle(t, h1), GW_OK);
	ck_assert_int_eq(gw_dns_bind_unref_handle(t, h1), GW_ENOENT);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", late), N);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.2", late), B);
	ck_assert_int_eq(gw_dns_bind_unref_handle(t, h2), GW_OK);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.2", late), U);
	ck_assert_int_eq(chk(t, "b.test", "192.0.2.1", late), B);
	ck_assert_int_eq(gw_dns_bind_unref_handle(t, h3), GW_OK);
	ck_assert_int_eq(gw_dns_bind_unref_handle(t, 8 * 4), GW_EINVAL);
	ck_assert_int_eq(gw_dns_bind_ref_handle(t, "b.test", &a1, late, NULL),
			 GW_EINVAL);
	gw_dns_bind_free(t);
}
END_TEST

START_TEST(test_lru)
{
	struct gw_dns_bind *t = mk(3, 1, 60, 86400);
	uint64_t now = T0;

	ck_assert_int_eq(learn1(t, "n1.test", "192.0.2.1", 100, now), 1);
	ck_assert_int_eq(learn1(t, "n2.test", "192.0.2.1", 100, now), 1);
	ck_assert_int_eq(learn1(t, "n3.test", "192.0.2.1", 100, now), 1);
	/* A check is a use: n1 moves ahead of n2 and n3. LRU: n2 n3 n1 */
	ck_assert_int_eq(chk(t, "n1.test", "192.0.2.1", now), B);
	ck_assert_int_eq(learn1(t, "n4.test", "192.0.2.1", 100, now), 1);
	ck_assert_int_eq(chk(t, "n2.test", "192.0.2.1", now), U);
	ck_assert_uint_eq(stats(t).evicted, 1);
	/* LRU: n3 n1 n4; a check that finds the name but not the address
	 * counts as a use too. */
	ck_assert_int_eq(chk(t, "n3.test", "192.0.2.9", now), N);
	/* LRU: n1 n4 n3; a refresh is a use. */
	ck_assert_int_eq(learn1(t, "n1.test", "192.0.2.1", 100, now), 1);
	/* LRU: n4 n3 n1 */
	ck_assert_int_eq(learn1(t, "n5.test", "192.0.2.1", 100, now), 1);
	ck_assert_int_eq(chk(t, "n4.test", "192.0.2.1", now), U);
	/* LRU: n3 n1 n5. A check of an absent name changes nothing. */
	ck_assert_int_eq(chk(t, "n9.test", "192.0.2.1", now), U);
	/* n3 referenced: the victim is n1 although n3 is older. */
	ck_assert_int_eq(ref1(t, "n3.test", "192.0.2.1", now), GW_OK);
	ck_assert_int_eq(learn1(t, "n6.test", "192.0.2.1", 100, now), 1);
	ck_assert_int_eq(chk(t, "n1.test", "192.0.2.1", now), U);
	/* LRU (unreferenced): n5 n6; n3 held. */
	ck_assert_int_eq(learn1(t, "n7.test", "192.0.2.1", 100, now), 1);
	ck_assert_int_eq(chk(t, "n5.test", "192.0.2.1", now), U);
	ck_assert_int_eq(chk(t, "n3.test", "192.0.2.1", now), B);
	/* Dropping the reference makes n3 the most recent: LRU n6 n7 n3. */
	ck_assert_int_eq(unref1(t, "n3.test", "192.0.2.1"), GW_OK);
	ck_assert_int_eq(learn1(t, "n8.test", "192.0.2.1", 100, now), 1);
	ck_assert_int_eq(chk(t, "n6.test", "192.0.2.1", now), U);
	/* LRU: n7 n3 n8 */
	ck_assert_int_eq(learn1(t, "n9.test", "192.0.2.1", 100, now), 1);
	expect_present(t, "389", now);
	ck_assert_uint_eq(stats(t).evicted, 6);
	ck_assert_uint_eq(stats(t).names, 3);
	gw_dns_bind_free(t);
}
END_TEST

START_TEST(test_full)
{
	struct gw_dns_bind *t = mk(2, 2, 60, 86400);
	struct gw_dns_bind_stats st;

	ck_assert_int_eq(learn1(t, "n1.test", "192.0.2.1", 100, T0), 1);
	ck_assert_int_eq(learn1(t, "n2.test", "192.0.2.2", 100, T0), 1);
	ck_assert_int_eq(ref1(t, "n1.test", "192.0.2.1", T0), GW_OK);
	ck_assert_int_eq(ref1(t, "n2.test", "192.0.2.2", T0), GW_OK);
	ck_assert_int_eq(learn1(t, "n3.test", "192.0.2.3", 100, T0), GW_ENOSPC);
	ck_assert_int_eq(learn1(t, "n3.test", "192.0.2.3", 100, T0), GW_ENOSPC);
	ck_assert_int_eq(chk(t, "n3.test", "192.0.2.3", T0), U);
	ck_assert_int_eq(chk(t, "n1.test", "192.0.2.1", T0), B);
	ck_assert_int_eq(chk(t, "n2.test", "192.0.2.2", T0), B);
	/* Known names are still learned into. */
	ck_assert_int_eq(learn1(t, "n1.test", "192.0.2.11", 100, T0), 1);
	st = stats(t);
	ck_assert_uint_eq(st.full, 2);
	ck_assert_uint_eq(st.evicted, 0);
	ck_assert_uint_eq(st.names_referenced, 2);
	/* Expiry does not free held names either. */
	ck_assert_uint_eq(gw_dns_bind_expire(t, T0 + 10000 * S, 2), 1);
	ck_assert_int_eq(learn1(t, "n3.test", "192.0.2.3", 100, T0), GW_ENOSPC);
	ck_assert_int_eq(unref1(t, "n2.test", "192.0.2.2"), GW_OK);
	ck_assert_int_eq(learn1(t, "n3.test", "192.0.2.3", 100, T0), 1);
	ck_assert_int_eq(chk(t, "n2.test", "192.0.2.2", T0), U);
	ck_assert_int_eq(chk(t, "n3.test", "192.0.2.3", T0), B);
	ck_assert_uint_eq(stats(t).evicted, 1);
	gw_dns_bind_free(t);
}
END_TEST

START_TEST(test_expire_incremental)
{
	struct gw_dns_bind *t = mk(4, 2, 60, 86400);
	static const char *const n[] = {"e1.test", "e2.test", "e3.test",
					 "e4.test"};
	struct gw_addr two[2] = {A("192.0.2.1"), A("192.0.2.2")};
	uint64_t dead = T0 + 60 * S;

	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < 4; i++)
			ck_assert_int_eq(gw_dns_bind_learn(t, n[i], two, 2, 0, T0),
					 2);
		ck_assert_uint_eq(gw_dns_bind_expire(t, dead - 1, 100), 0);
		if (round == 0) {
			/* One slot per call, round robin. */
			for (size_t i = 0; i < 4; i++) {
				ck_assert_uint_eq(gw_dns_bind_expire(t, dead, 1),
						  2);
				ck_assert_uint_eq(stats(t).names, 3 - i);
			}
			ck_assert_uint_eq(gw_dns_bind_expire(t, dead, 1), 0);
		} else {
			/* A budget over the capacity visits each slot once. */
			ck_assert_uint_eq(gw_dns_bind_expire(t, dead, 1000), 8);
		}
		ck_assert_uint_eq(stats(t).names, 0);
		ck_assert_uint_eq(stats(t).addrs, 0);
	}
	ck_assert_uint_eq(stats(t).expired, 16);
	ck_assert_uint_eq(stats(t).names_expired, 8);
	ck_assert_uint_eq(gw_dns_bind_expire(t, dead, 0), 0);
	gw_dns_bind_free(t);
}
END_TEST

/* ---- random operations against a reference model ---- */

#define M_CAP 8
#define M_K 3
#define M_NAMES 24
#define M_ADDRS 6
#define M_GRACE 10
#define M_TTL_MAX 60

struct m_slot {
	struct gw_addr a;
	uint64_t exp;
	uint32_t refs;
	bool used;
};

struct m_name {
	bool used;
	char name[16];
	uint64_t seq;
	uint32_t refs;
	struct m_slot s[M_K];
};

struct model {
	struct m_name n[M_CAP];
	uint64_t clock;
	struct gw_dns_bind_stats st;
};

static bool
m_bound(const struct m_slot *s, uint64_t now)
{
	return s->used && (s->refs > 0 || now < s->exp + M_GRACE * S);
}

static int
m_find(struct model *m, const char *name)
{
	for (int i = 0; i < M_CAP; i++)
		if (m->n[i].used && strcmp(m->n[i].name, name) == 0)
			return i;
	return -1;
}

static int
m_slot_of(struct m_name *e, const struct gw_addr *a)
{
	for (int k = 0; k < M_K; k++)
		if (e->s[k].used && gw_addr_cmp(&e->s[k].a, a) == 0)
			return k;
	return -1;
}

static int
m_learn(struct model *m, const char *name, const struct gw_addr *a, size_t n,
	uint32_t ttl, uint64_t now)
{
	int i = m_find(m, name);
	struct m_name *e;
	uint64_t exp;
	int held = 0;

	if (n == 0)
		return 0;
	if (i < 0) {
		for (int j = 0; j < M_CAP && i < 0; j++)
			if (!m->n[j].used)
				i = j;
		if (i < 0) {
			for (int j = 0; j < M_CAP; j++)
				if (m->n[j].refs == 0 &&
				    (i < 0 || m->n[j].seq < m->n[i].seq))
					i = j;
			if (i < 0) {
				m->st.full++;
				return GW_ENOSPC;
			}
			m->st.evicted++;
		}
		e = &m->n[i];
		memset(e, 0, sizeof(*e));
		e->used = true;
		snprintf(e->name, sizeof(e->name), "%s", name);
	}
	e = &m->n[i];
	e->seq = ++m->clock;
	if (ttl > M_TTL_MAX) {
		ttl = M_TTL_MAX;
		m->st.ttl_capped++;
	}
	exp = now + ttl * S;
	for (size_t j = 0; j < n; j++) {
		int k = m_slot_of(e, &a[j]);

		if (k >= 0) {
			if (e->s[k].exp < exp)
				e->s[k].exp = exp;
			m->st.refreshed++;
			continue;
		}
		for (int q = 0; q < M_K && k < 0; q++)
			if (!e->s[q].used)
				k = q;
		if (k < 0) {
			for (int q = 0; q < M_K; q++)
				if (e->s[q].refs == 0 &&
				    (k < 0 || e->s[q].exp < e->s[k].exp))
					k = q;
			if (k < 0) {
				m->st.dropped_cap++;
				continue;
			}
			if (m_bound(&e->s[k], now))
				m->st.replaced_cap++;
			else
				m->st.expired++;
		}
		e->s[k].a = a[j];
		e->s[k].exp = exp;
		e->s[k].refs = 0;
		e->s[k].used = true;
		m->st.learned++;
	}
	for (size_t j = 0; j < n; j++)
		if (m_slot_of(e, &a[j]) >= 0)
			held++;
	return held;
}

static int
m_check(struct model *m, const char *name, const struct gw_addr *a,
	uint64_t now)
{
	int i = m_find(m, name);
	bool any = false;

	if (i < 0)
		return U;
	m->n[i].seq = ++m->clock;
	for (int k = 0; k < M_K; k++) {
		if (!m_bound(&m->n[i].s[k], now))
			continue;
		if (gw_addr_cmp(&m->n[i].s[k].a, a) == 0)
			return B;
		any = true;
	}
	return any ? N : U;
}

static int
m_ref(struct model *m, const char *name, const struct gw_addr *a,
      uint64_t now)
{
	int i = m_find(m, name);
	int k;

	if (i < 0)
		return GW_ENOENT;
	k = m_slot_of(&m->n[i], a);
	if (k < 0 || !m_bound(&m->n[i].s[k], now))
		return GW_ENOENT;
	m->n[i].s[k].refs++;
	m->n[i].refs++;
	return GW_OK;
}

static int
m_unref(struct model *m, const char *name, const struct gw_addr *a)
{
	int i = m_find(m, name);
	int k;

	if (i < 0)
		return GW_ENOENT;
	k = m_slot_of(&m->n[i], a);
	if (k < 0 || m->n[i].s[k].refs == 0)
		return GW_ENOENT;
	m->n[i].s[k].refs--;
	if (--m->n[i].refs == 0)
		m->n[i].seq = ++m->clock;
	return GW_OK;
}

static size_t
m_expire(struct model *m, uint64_t now)
{
	size_t removed = 0;

	for (int i = 0; i < M_CAP; i++) {
		struct m_name *e = &m->n[i];
		bool any = false;

		if (!e->used)
			continue;
		for (int k = 0; k < M_K; k++) {
			if (e->s[k].used && !m_bound(&e->s[k], now)) {
				e->s[k].used = false;
				m->st.expired++;
				removed++;
			}
			any |= e->s[k].used;
		}
		if (!any && e->refs == 0) {
			e->used = false;
			m->st.names_expired++;
		}
	}
	return removed;
}

/* xorshift64*: deterministic, seedable. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/*
 * The model has addrs_per_name slots per name: the table answers exactly
 * like it when its shared pools can hold every name full (they then never
 * run short), which the pools sized here guarantee.
 */
START_TEST(test_model_random)
{
	struct gw_dns_bind *t = mk_pools(M_CAP, M_K, M_GRACE, M_TTL_MAX,
					 M_CAP * M_K, M_CAP * 10);
	static const uint32_t ttls[] = {0, 1, 5, 30, 59, 60, 61, 100000};
	struct model *m = calloc(1, sizeof(*m));
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint64_t now = T0;
	unsigned int ops[6] = {0};

	ck_assert_ptr_nonnull(m);
	for (int step = 0; step < 100000; step++) {
		char name[16];
		struct gw_addr a[3];
		size_t na = 1 + rnd(&seed) % 3;
		int op = (int)(rnd(&seed) % 100);
		int got, want;

		snprintf(name, sizeof(name), "n%u.test",
			 (unsigned int)(rnd(&seed) % M_NAMES));
		for (size_t j = 0; j < na; j++) {
			uint8_t v4[4] = {192, 0, 2,
					 (uint8_t)(1 + rnd(&seed) % M_ADDRS)};

			gw_addr_from_v4(&a[j], v4);
		}
		switch (rnd(&seed) % 8) {
		case 0:
			now += 1;
			break;
		case 1:
			now += rnd(&seed) % (20 * S);
			break;
		default:
			break;
		}
		if (op < 35) {
			uint32_t ttl = ttls[rnd(&seed) % GW_ARRAY_SIZE(ttls)];

			got = gw_dns_bind_learn(t, name, a, na, ttl, now);
			want = m_learn(m, name, a, na, ttl, now);
			ops[0]++;
		} else if (op < 65) {
			got = gw_dns_bind_check(t, name, &a[0], now);
			want = m_check(m, name, &a[0], now);
			ops[1]++;
		} else if (op < 78) {
			got = gw_dns_bind_ref(t, name, &a[0], now);
			want = m_ref(m, name, &a[0], now);
			ops[2]++;
		} else if (op < 95) {
			got = gw_dns_bind_unref(t, name, &a[0]);
			want = m_unref(m, name, &a[0]);
			ops[3]++;
		} else {
			got = (int)gw_dns_bind_expire(t, now, M_CAP);
			want = (int)m_expire(m, now);
			ops[4]++;
		}
		if (got != want)
			ck_abort_msg("step %d op %d %s: got %d want %d", step,
				     op, name, got, want);
		if (got == GW_DNS_BIND_BOUND && op >= 35 && op < 65)
			ops[5]++;
		if (step % 64 == 0 || step == 99999) {
			struct gw_dns_bind_stats st = stats(t);
			unsigned int names = 0, addrs = 0;

			for (int i = 0; i < M_CAP; i++) {
				if (!m->n[i].used)
					continue;
				names++;
				for (int k = 0; k < M_K; k++)
					addrs += m->n[i].s[k].used;
			}
			ck_assert_uint_eq(st.names, names);
			ck_assert_uint_eq(st.addrs, addrs);
			ck_assert_uint_eq(st.learned, m->st.learned);
			ck_assert_uint_eq(st.refreshed, m->st.refreshed);
			ck_assert_uint_eq(st.evicted, m->st.evicted);
			ck_assert_uint_eq(st.replaced_cap, m->st.replaced_cap);
			ck_assert_uint_eq(st.dropped_cap, m->st.dropped_cap);
			ck_assert_uint_eq(st.full, m->st.full);
			ck_assert_uint_eq(st.expired, m->st.expired);
			ck_assert_uint_eq(st.names_expired, m->st.names_expired);
			ck_assert_uint_eq(st.ttl_capped, m->st.ttl_capped);
		}
	}
	/* The mix reached every path. */
	ck_assert_uint_gt(m->st.evicted, 100);
	ck_assert_uint_gt(m->st.full, 10);
	ck_assert_uint_gt(m->st.replaced_cap, 100);
	ck_assert_uint_gt(m->st.dropped_cap, 10);
	ck_assert_uint_gt(m->st.expired, 100);
	ck_assert_uint_gt(m->st.names_expired, 10);
	ck_assert_uint_gt(ops[5], 1000);
	free(m);
	gw_dns_bind_free(t);
}
END_TEST

/*
 * Default (smaller) shared pools under the same random operations: the
 * model no longer predicts every answer (the pools evict earlier), but
 * the safety properties hold against an oracle of everything learned:
 * a pair is only ever bound if it was learned and its TTL + grace has not
 * passed or it is referenced; a referenced pair stays bound and its
 * reference can be dropped; sizes stay within the pools.
 */
START_TEST(test_small_pools_random)
{
	static const uint32_t pools[][2] = {{0, 0}, {M_K, 0}, {M_CAP, 20}};
	struct gw_dns_bind *t = mk_pools(M_CAP, M_K, M_GRACE, M_TTL_MAX,
					 pools[_i][0], pools[_i][1]);
	static const uint32_t ttls[] = {0, 1, 5, 30, 59, 60, 61, 100000};
	static uint64_t o_exp[M_NAMES][M_ADDRS + 1];
	static uint32_t o_refs[M_NAMES][M_ADDRS + 1];
	static bool o_seen[M_NAMES][M_ADDRS + 1];
	struct gw_dns_bind_stats st = stats(t);
	uint64_t seed = 0x7f4a7c159e3779b9ull + (uint64_t)_i;
	uint64_t now = T0;
	unsigned int bound = 0, pool_short0 = 0;

	memset(o_exp, 0, sizeof(o_exp));
	memset(o_refs, 0, sizeof(o_refs));
	memset(o_seen, 0, sizeof(o_seen));
	ck_assert_uint_eq(st.addr_pool,
			  pools[_i][0] != 0 ? GW_MAX(pools[_i][0], M_K) :
					      M_CAP * 2);
	for (int step = 0; step < 100000; step++) {
		unsigned int ni = (unsigned int)(rnd(&seed) % M_NAMES);
		unsigned int ai[3];
		char name[16];
		struct gw_addr a[3];
		size_t na = 1 + rnd(&seed) % 3;
		int op = (int)(rnd(&seed) % 100);
		bool ob;
		int got;

		snprintf(name, sizeof(name), "n%u.test", ni);
		for (size_t j = 0; j < na; j++) {
			uint8_t v4[4] = {192, 0, 2, 0};

			ai[j] = 1 + (unsigned int)(rnd(&seed) % M_ADDRS);
			v4[3] = (uint8_t)ai[j];
			gw_addr_from_v4(&a[j], v4);
		}
		if (rnd(&seed) % 8 == 1)
			now += rnd(&seed) % (20 * S);
		ob = o_refs[ni][ai[0]] > 0 ||
		     (o_seen[ni][ai[0]] && now < o_exp[ni][ai[0]] + M_GRACE * S);
		if (op < 35) {
			uint32_t ttl = ttls[rnd(&seed) % GW_ARRAY_SIZE(ttls)];

			got = gw_dns_bind_learn(t, name, a, na, ttl, now);
			if (got != GW_ENOSPC && (got < 0 || got > (int)na))
				ck_abort_msg("step %d: learn %d", step, got);
			ttl = GW_MIN(ttl, (uint32_t)M_TTL_MAX);
			for (size_t j = 0; j < na; j++) {
				o_seen[ni][ai[j]] = true;
				o_exp[ni][ai[j]] = GW_MAX(o_exp[ni][ai[j]],
							  now + ttl * S);
			}
		} else if (op < 65) {
			got = gw_dns_bind_check(t, name, &a[0], now);
			if (got == B && !ob)
				ck_abort_msg("step %d: %s bound, never learned or expired",
					     step, name);
			if (o_refs[ni][ai[0]] > 0 && got != B)
				ck_abort_msg("step %d: referenced pair lost: %d", step, got);
			bound += got == B;
		} else if (op < 78) {
			got = gw_dns_bind_ref(t, name, &a[0], now);
			if (got == GW_OK && !ob)
				ck_abort_msg("step %d: ref on an unbound pair", step);
			if (o_refs[ni][ai[0]] > 0 && got != GW_OK)
				ck_abort_msg("step %d: ref on a referenced pair: %d", step, got);
			if (got == GW_OK)
				o_refs[ni][ai[0]]++;
		} else if (op < 95) {
			got = gw_dns_bind_unref(t, name, &a[0]);
			if (got != (o_refs[ni][ai[0]] > 0 ? GW_OK : GW_ENOENT))
				ck_abort_msg("step %d: unref %d with %u refs", step,
					     got, o_refs[ni][ai[0]]);
			if (got == GW_OK)
				o_refs[ni][ai[0]]--;
		} else {
			gw_dns_bind_expire(t, now, M_CAP);
		}
		st = stats(t);
		if (st.names > M_CAP || st.addrs > st.addr_pool)
			ck_abort_msg("step %d: %u names, %u addrs", step, st.names,
				     st.addrs);
	}
	ck_assert_uint_gt(bound, 300);
	ck_assert_uint_gt(st.pool_short, pool_short0);
	ck_assert_uint_gt(st.evicted, 100);
	gw_dns_bind_free(t);
}
END_TEST

/* The arena and pool run short before the name table: LRU names make room. */
START_TEST(test_pools_short)
{
	struct gw_dns_bind *t = mk_pools(8, 4, 60, 86400, 4, 0);
	struct gw_addr two[2] = {A("192.0.2.1"), A("192.0.2.2")};
	struct gw_addr four[4] = {A("192.0.2.11"), A("192.0.2.12"),
				  A("192.0.2.13"), A("192.0.2.14")};
	struct gw_dns_bind_stats st;
	char n[3][300];

	st = stats(t);
	ck_assert_uint_eq(st.addr_pool, 4);
	ck_assert_uint_eq(st.text_chunks, 20);
	ck_assert_int_eq(gw_dns_bind_learn(t, "a.test", two, 2, 60, T0), 2);
	ck_assert_int_eq(gw_dns_bind_learn(t, "b.test", two, 2, 60, T0), 2);
	/* Pool full: a (LRU) is evicted whole for c. */
	ck_assert_int_eq(learn1(t, "c.test", "192.0.2.3", 60, T0), 1);
	ck_assert_int_eq(chk(t, "a.test", "192.0.2.1", T0), U);
	st = stats(t);
	ck_assert_uint_eq(st.evicted, 1);
	ck_assert_uint_eq(st.pool_short, 1);
	ck_assert_uint_eq(st.addrs, 3);
	/*
	 * b referenced, c itself the only LRU name: c's own unreferenced
	 * address that expires first (lowest slot on a tie) makes room, as
	 * for a full name: .3, then .12 (slot 0), then .13 (slot 0 again).
	 */
	ck_assert_int_eq(ref1(t, "b.test", "192.0.2.1", T0), GW_OK);
	ck_assert_int_eq(gw_dns_bind_learn(t, "c.test", four, 4, 60, T0 + S), 2);
	ck_assert_int_eq(chk(t, "c.test", "192.0.2.3", T0 + S), N);
	ck_assert_int_eq(chk(t, "c.test", "192.0.2.12", T0 + S), N);
	ck_assert_int_eq(chk(t, "c.test", "192.0.2.13", T0 + S), N);
	ck_assert_int_eq(chk(t, "c.test", "192.0.2.11", T0 + S), B);
	ck_assert_int_eq(chk(t, "c.test", "192.0.2.14", T0 + S), B);
	ck_assert_int_eq(chk(t, "b.test", "192.0.2.1", T0 + S), B);
	ck_assert_int_eq(chk(t, "b.test", "192.0.2.2", T0 + S), B);
	st = stats(t);
	ck_assert_uint_eq(st.addrs, 4);
	ck_assert_uint_eq(st.replaced_cap, 3);
	/* Everything referenced: a new name's address is dropped. */
	ck_assert_int_eq(ref1(t, "c.test", "192.0.2.11", T0 + S), GW_OK);
	ck_assert_int_eq(ref1(t, "c.test", "192.0.2.14", T0 + S), GW_OK);
	ck_assert_int_eq(ref1(t, "b.test", "192.0.2.2", T0 + S), GW_OK);
	ck_assert_int_eq(learn1(t, "d.test", "192.0.2.4", 60, T0 + S), 0);
	ck_assert_int_eq(chk(t, "d.test", "192.0.2.4", T0 + S), U);
	ck_assert_uint_eq(stats(t).dropped_cap, 1);
	/* Text: two longest names fill the 20 chunks; a third evicts the LRU one. */
	ck_assert_int_eq(unref1(t, "b.test", "192.0.2.1"), GW_OK);
	ck_assert_int_eq(unref1(t, "b.test", "192.0.2.2"), GW_OK);
	ck_assert_int_eq(unref1(t, "c.test", "192.0.2.11"), GW_OK);
	ck_assert_int_eq(unref1(t, "c.test", "192.0.2.14"), GW_OK);
	ck_assert_uint_eq(gw_dns_bind_expire(t, T0 + 1000 * S, 8), 4);
	ck_assert_uint_eq(stats(t).names, 0);
	for (int v = 0; v < 3; v++) {
		size_t l = 0;

		for (int lab = 0; lab < 4; lab++) {
			int ll = lab < 3 ? 63 : 61;

			memset(n[v] + l, 'a' + lab + v, (size_t)ll);
			l += (size_t)ll;
			n[v][l++] = '.';
		}
		n[v][--l] = '\0';
		ck_assert_int_eq(learn1(t, n[v], "192.0.2.99", 60, T0 + 1000 * S), 1);
		ck_assert_int_eq(chk(t, n[v], "192.0.2.99", T0 + 1000 * S), B);
	}
	st = stats(t);
	ck_assert_uint_eq(st.names, 2);
	ck_assert_uint_eq(st.evicted, 2);
	ck_assert_int_eq(chk(t, n[0], "192.0.2.99", T0 + 1000 * S), U);
	ck_assert_int_eq(chk(t, n[1], "192.0.2.99", T0 + 1000 * S), B);
	ck_assert_int_eq(chk(t, n[2], "192.0.2.99", T0 + 1000 * S), B);
	/* A referenced long name is never evicted: the learn fails instead. */
	ck_assert_int_eq(ref1(t, n[1], "192.0.2.99", T0 + 1000 * S), GW_OK);
	ck_assert_int_eq(ref1(t, n[2], "192.0.2.99", T0 + 1000 * S), GW_OK);
	ck_assert_int_eq(learn1(t, n[0], "192.0.2.99", 60, T0 + 1000 * S),
			 GW_ENOSPC);
	ck_assert_uint_eq(stats(t).full, 1);
	ck_assert_uint_eq(stats(t).names, 2);
	ck_assert_int_eq(learn1(t, "short.test", "192.0.2.98", 60, T0 + 1000 * S),
			 GW_ENOSPC);
	gw_dns_bind_free(t);
}
END_TEST

/* ---- flood ---- */

#define FLOOD_IDS (1u << 24)

static struct gw_addr
flood_addr(uint32_t id, uint32_t j)
{
	uint64_t s = ((uint64_t)id << 8 | j) * 0x9e3779b97f4a7c15ull + 1;
	uint64_t v = rnd(&s);
	uint8_t v4[4] = {(uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24), (uint8_t)(v >> 32)};
	struct gw_addr a;

	if (j & 1) {
		uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};

		memcpy(v6 + 8, &v, 8);
		gw_addr_from_v6(&a, v6);
	} else {
		gw_addr_from_v4(&a, v4);
	}
	return a;
}

START_TEST(test_flood)
{
	struct gw_dns_bind *t = mk(1024, 4, 60, 86400);
	uint8_t *learned = calloc(FLOOD_IDS / 8, 1);
	struct gw_dns_bind_stats st0 = stats(t), st;
	uint64_t seed = 42, now = T0;
	struct mallinfo2 mi0, mi1;
	unsigned long unknown_probes = 0, pair_probes = 0;

	ck_assert_ptr_nonnull(learned);
	mi0 = mallinfo2();
	for (uint32_t step = 0; step < 1000000; step++) {
		uint64_t r = rnd(&seed);
		uint32_t id = (uint32_t)(r % FLOOD_IDS);
		uint32_t probe = (uint32_t)((r >> 24) % FLOOD_IDS);
		uint32_t n = 1 + (uint32_t)((r >> 48) % 3);
		struct gw_addr a[3], p;
		char name[40];
		int ret;

		for (uint32_t j = 0; j < n; j++)
			a[j] = flood_addr(id, j);
		snprintf(name, sizeof(name), "f%u.flood.test", id);
		/* Plain ifs in this loop: a ck_assert per call is a syscall. */
		ret = gw_dns_bind_learn(t, name, a, n,
					(uint32_t)((r >> 52) % 600), now);
		if (ret != (int)n)
			ck_abort_msg("step %u: learn %d", step, ret);
		learned[id / 8] |= (uint8_t)(1u << (id % 8));
		ret = gw_dns_bind_check(t, name, &a[0], now);
		if (ret != B)
			ck_abort_msg("step %u: just learned: %d", step, ret);

		/* A name never learned is unknown. */
		snprintf(name, sizeof(name), "f%u.flood.test", probe);
		if (!(learned[probe / 8] & (1u << (probe % 8)))) {
			ret = gw_dns_bind_check(t, name, &a[0], now);
			if (ret != U)
				ck_abort_msg("step %u: never learned: %d", step,
					     ret);
			unknown_probes++;
		}
		/* A pair never learned is not bound (addresses 4..7 never are). */
		p = flood_addr(probe, 4 + (uint32_t)(r >> 60) % 4);
		for (uint32_t j = 0; j < 3; j++) {
			struct gw_addr q = flood_addr(probe, j);

			if (gw_addr_cmp(&q, &p) == 0)
				ck_abort_msg("step %u: probe collides", step);
		}
		ret = gw_dns_bind_check(t, name, &p, now);
		if (ret == B)
			ck_abort_msg("step %u: unlearned pair bound", step);
		pair_probes++;

		now += 1000;
		if (step % 100000 == 99999)
			now += 700 * S; /* everything learned so far expires */
		gw_dns_bind_expire(t, now, 4);
	}
	mi1 = mallinfo2();
	st = stats(t);
	ck_assert_uint_eq(mi1.uordblks, mi0.uordblks);
	ck_assert_uint_eq(st.mem_bytes, st0.mem_bytes);
	ck_assert_uint_le(st.names, 1024);
	ck_assert_uint_le(st.addrs, 1024 * 4);
	ck_assert_uint_gt(st.evicted, 900000);
	ck_assert_uint_gt(unknown_probes, 100000);
	ck_assert_uint_eq(pair_probes, 1000000);
	free(learned);
	gw_dns_bind_free(t);
}
END_TEST

static Suite *
bind_suite(void)
{
	Suite *s = suite_create("dns_bind");
	TCase *tc = tcase_create("basic");

	tcase_add_test(tc, test_conf);
	tcase_add_test(tc, test_ref_handles);
	tcase_add_test(tc, test_pools_short);
	tcase_add_loop_test(tc, test_names, 0, GW_ARRAY_SIZE(name_vecs));
	tcase_add_test(tc, test_name_lengths);
	tcase_add_loop_test(tc, test_ttl, 0, GW_ARRAY_SIZE(ttl_vecs));
	tcase_add_test(tc, test_refresh);
	tcase_add_test(tc, test_not_bound_vs_unknown);
	tcase_add_test(tc, test_chain_learn);
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_refs);
	tcase_add_test(tc, test_lru);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_expire_incremental);
	suite_add_tcase(s, tc);

	tc = tcase_create("stress");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_model_random);
	tcase_add_loop_test(tc, test_small_pools_random, 0, 3);
	tcase_add_test(tc, test_flood);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(bind_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
