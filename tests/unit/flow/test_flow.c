/* SPDX-License-Identifier: BSD-3-Clause */
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_addr.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "flow/gw_flow.h"
#include "flow/gw_flow_ext.h"
#include "gw_test.h"

/* Flow key, table (insert/lookup/remove against a reference), expiry, walk. */

static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static void
addr4(struct gw_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	const uint8_t v4[4] = {x, y, z, w};

	gw_addr_from_v4(a, v4);
}

static void
addr6(struct gw_addr *a, const char *s)
{
	ck_assert_int_eq(gw_addr_parse(s, a), 0);
}

/* Key number i: 10.x.y.z:(1024 + i % 50000) -> 192.0.2.(i % 7):443. */
static void
key_np(struct gw_flow_key *k, uint32_t i, uint8_t proto)
{
	struct gw_addr s, d;

	addr4(&s, 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i);
	addr4(&d, 192, 0, 2, (uint8_t)(i % 7));
	gw_flow_key_make(k, 0, 0, proto, &s, (uint16_t)(1024 + i % 50000), &d,
			 443, NULL);
}

static void
key_n(struct gw_flow_key *k, uint32_t i)
{
	key_np(k, i, 6);
}

/* ---- keys ---- */

struct sym_vec {
	const char *src, *dst;
	uint16_t sport, dport;
	uint8_t proto;
	bool src_is_1; /* expected for src -> dst */
};

static const struct sym_vec sym_vectors[] = {
	{"10.0.0.1", "192.0.2.1", 40000, 443, 6, false},
	{"192.0.2.1", "10.0.0.1", 443, 40000, 6, true},
	{"10.0.0.1", "10.0.0.1", 5000, 53, 17, true},   /* same address: by port */
	{"10.0.0.1", "10.0.0.1", 53, 5000, 17, false},
	{"10.0.0.1", "10.0.0.1", 53, 53, 17, false},    /* identical endpoints */
	{"10.0.0.2", "10.0.0.1", 1, 65535, 1, true},
	{"2001:db8::1", "2001:db8::2", 50000, 443, 6, false},
	{"2001:db8::2", "2001:db8::1", 443, 50000, 6, true},
	{"fe80::1", "::ffff:0.0.0.1", 1, 1, 58, true},   /* v4-mapped sorts first */
	{"255.255.255.255", "ffff::", 0, 0, 47, false},
};

START_TEST(test_key_symmetry)
{
	const struct sym_vec *v = &sym_vectors[_i];
	struct gw_flow_key k1, k2;
	struct gw_addr s, d;
	bool r1 = !v->src_is_1, r2 = v->src_is_1;

	addr6(&s, v->src);
	addr6(&d, v->dst);
	/* dirty memory: gw_flow_key_make must clear the padding */
	memset(&k1, 0xa5, sizeof(k1));
	memset(&k2, 0x5a, sizeof(k2));
	gw_flow_key_make(&k1, 100, 200, v->proto, &s, v->sport, &d, v->dport,
			 &r1);
	gw_flow_key_make(&k2, 100, 200, v->proto, &d, v->dport, &s, v->sport,
			 &r2);
	ck_assert_mem_eq(&k1, &k2, sizeof(k1));
	ck_assert_uint_eq(gw_flow_key_hash(&k1), gw_flow_key_hash(&k2));
	/* the inline hash, the dispatching and the table-driven CRC agree */
	ck_assert_uint_eq(gw_flow_key_hash(&k1),
			  gw_hash32(gw_flow_key_crc_table(&k1)));
	ck_assert_uint_eq(gw_flow_key_crc_sw(&k1), gw_flow_key_crc_table(&k1));
	ck_assert_int_eq(r1, v->src_is_1);
	if (gw_addr_cmp(&s, &d) != 0 || v->sport != v->dport)
		ck_assert_int_eq(r2, !v->src_is_1);
	ck_assert_uint_eq(k1.vlan_outer, 100);
	ck_assert_uint_eq(k1.vlan_inner, 200);
	ck_assert_uint_eq(k1.proto, v->proto);
	/* canonical order */
	ck_assert_int_le(gw_addr_cmp(&k1.addr[0], &k1.addr[1]), 0);
	if (gw_addr_cmp(&k1.addr[0], &k1.addr[1]) == 0)
		ck_assert_uint_le(k1.port[0], k1.port[1]);
	/* the source is where src_is_1 says */
	ck_assert_int_eq(gw_addr_cmp(&k1.addr[r1 ? 1 : 0], &s), 0);
	ck_assert_uint_eq(k1.port[r1 ? 1 : 0], v->sport);
	ck_assert_uint_eq(k1.port[r1 ? 0 : 1], v->dport);
	/* src_is_1 may be NULL */
	gw_flow_key_make(&k2, 100, 200, v->proto, &s, v->sport, &d, v->dport,
			 NULL);
	ck_assert_mem_eq(&k1, &k2, sizeof(k1));
}
END_TEST

/* VLANs and protocol distinguish flows with the same addresses and ports. */
START_TEST(test_key_fields_distinguish)
{
	static const struct {
		uint16_t outer, inner;
		uint8_t proto;
	} variants[] = {
		{0, 0, 6}, {10, 10, 6}, {10, 20, 6}, {20, 10, 6},
		{0, 10, 6}, {10, 0, 6}, {4095, 4095, 6}, {0, 0, 17},
		{10, 10, 17}, {0, 0, 1}, {0, 0, 58}, {0, 0, 0},
	};
	struct gw_flow_table *t = gw_flow_table_create(64, NULL);
	struct gw_flow *flows[GW_ARRAY_SIZE(variants)];
	struct gw_addr s, d;
	unsigned int i, j;

	ck_assert_ptr_nonnull(t);
	addr4(&s, 10, 1, 2, 3);
	addr4(&d, 198, 51, 100, 7);
	for (i = 0; i < GW_ARRAY_SIZE(variants); i++) {
		struct gw_flow_key k;
		uint32_t h;

		gw_flow_key_make(&k, variants[i].outer, variants[i].inner,
				 variants[i].proto, &s, 1234, &d, 443, NULL);
		h = gw_flow_key_hash(&k);
		ck_assert_ptr_null(gw_flow_lookup(t, &k, h));
		flows[i] = gw_flow_insert(t, &k, h, 0, 1);
		ck_assert_ptr_nonnull(flows[i]);
		for (j = 0; j < i; j++)
			ck_assert_int_ne(memcmp(&flows[i]->key, &flows[j]->key,
						sizeof(k)),
					 0);
	}
	for (i = 0; i < GW_ARRAY_SIZE(variants); i++) {
		struct gw_flow_key k;

		/* reverse direction finds the same entry */
		gw_flow_key_make(&k, variants[i].outer, variants[i].inner,
				 variants[i].proto, &d, 443, &s, 1234, NULL);
		ck_assert_ptr_eq(gw_flow_lookup(t, &k, gw_flow_key_hash(&k)),
				 flows[i]);
	}
	ck_assert_uint_eq(gw_flow_count(t), GW_ARRAY_SIZE(variants));
	gw_flow_table_free(t);
}
END_TEST

/*
 * Keys that differ only in the source port (a NAT or scan pattern) must
 * spread over the low bits that pick a bucket: 65536 keys into 65536
 * values of hash & 0xffff should hit ~63% of them, like a random function.
 */
START_TEST(test_hash_spread)
{
	static uint8_t seen[65536];
	struct gw_addr s, d;
	uint32_t p, distinct = 0;

	memset(seen, 0, sizeof(seen));
	addr4(&s, 10, 0, 0, 1);
	addr4(&d, 10, 0, 0, 2);
	for (p = 0; p < 65536; p++) {
		struct gw_flow_key k;

		gw_flow_key_make(&k, 0, 0, 6, &s, (uint16_t)p, &d, 443, NULL);
		seen[gw_flow_key_hash(&k) & 0xffff] = 1;
	}
	for (p = 0; p < 65536; p++)
		distinct += seen[p];
	ck_assert_uint_gt(distinct, 40500);
	ck_assert_uint_lt(distinct, 42300);
}
END_TEST

/* ---- table ---- */

START_TEST(test_create_args)
{
	struct gw_flow_timeouts to;
	struct gw_flow_table *t;

	ck_assert_ptr_null(gw_flow_table_create(0, NULL));
	ck_assert_ptr_null(gw_flow_table_create((1u << 30) + 1, NULL));
	gw_flow_table_free(NULL);

	gw_flow_timeouts_default(&to);
	ck_assert_uint_eq(to.tcp_syn, 30000000000ull);
	ck_assert_uint_eq(to.tcp_established, 7440000000000ull);
	ck_assert_uint_eq(to.tcp_fin, 120000000000ull);
	ck_assert_uint_eq(to.tcp_closed, 10000000000ull);
	ck_assert_uint_eq(to.udp, 300000000000ull);
	ck_assert_uint_eq(to.icmp, 60000000000ull);
	ck_assert_uint_eq(to.other, 600000000000ull);

	t = gw_flow_table_create(1, NULL);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(gw_flow_capacity(t), 1);
	ck_assert_uint_eq(gw_flow_count(t), 0);
	gw_flow_table_free(t);
}
END_TEST

START_TEST(test_insert_fields)
{
	struct gw_flow_table *t = gw_flow_table_create(8, NULL);
	struct gw_flow_key k;
	struct gw_flow *f, *g;
	uint32_t h;

	ck_assert_ptr_nonnull(t);
	key_n(&k, 1);
	h = gw_flow_key_hash(&k);
	f = gw_flow_insert(t, &k, h, 1, 123456789);
	ck_assert_ptr_nonnull(f);
	ck_assert_mem_eq(&f->key, &k, sizeof(k));
	ck_assert_uint_eq(f->client_idx, 1);
	ck_assert_uint_eq(f->tcp_state, GW_TCP_NONE);
	ck_assert_uint_eq(f->verdict, GW_VERDICT_PENDING);
	ck_assert_uint_eq(f->reason, GW_REASON_UNCLASSIFIED);
	ck_assert_uint_eq(f->fin_seen, 0);
	ck_assert_uint_eq(f->app, 0);
	ck_assert_uint_eq(f->flags, 0);
	ck_assert_uint_eq(f->rule, 0);
	ck_assert_uint_eq(f->id, 1);
	ck_assert_uint_eq(f->first_ns, 123456789);
	ck_assert_uint_eq(f->last_ns, 123456789);
	ck_assert_uint_eq(f->pkts[0] | f->pkts[1] | f->bytes[0] | f->bytes[1], 0);
	ck_assert_uint_eq(f->ext, 0);
	ck_assert_int_eq(gw_flow_dir(f, 1), GW_DIR_TO_SERVER);
	ck_assert_int_eq(gw_flow_dir(f, 0), GW_DIR_TO_CLIENT);
	gw_flow_touch(t, f, 223456789);
	ck_assert_uint_eq(f->last_ns, 223456789);
	ck_assert_uint_eq(f->first_ns, 123456789);

	/* ids keep counting across removals; a reused slot is fully reset */
	f->verdict = GW_VERDICT_DENY;
	f->pkts[0] = 5;
	f->flags = 3;
	gw_flow_remove(t, f);
	ck_assert_ptr_null(gw_flow_lookup(t, &k, h));
	gw_flow_remove(t, f); /* double remove: ignored */
	ck_assert_uint_eq(gw_flow_count(t), 0);
	g = gw_flow_insert(t, &k, h, 0, 5);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->id, 2);
	ck_assert_uint_eq(g->verdict, GW_VERDICT_PENDING);
	ck_assert_uint_eq(g->pkts[0], 0);
	ck_assert_uint_eq(g->flags, 0);
	ck_assert_uint_eq(g->client_idx, 0);
	ck_assert_ptr_eq(gw_flow_lookup(t, &k, h), g);
	/* a pointer that is not a flow of this table is ignored */
	{
		struct gw_flow fake = *g;

		gw_flow_remove(t, &fake);
		gw_flow_remove(t, NULL);
		gw_flow_remove(t, (struct gw_flow *)((uint8_t *)g + 1));
	}
	ck_assert_uint_eq(gw_flow_count(t), 1);
	ck_assert_ptr_eq(gw_flow_lookup(t, &k, h), g);
	gw_flow_table_free(t);
}
END_TEST

START_TEST(test_sizes)
{
	const uint32_t cap = 1u << 16;
	struct gw_flow_table *t;
	struct mallinfo2 before, after;
	size_t used;

	ck_assert_uint_le(sizeof(struct gw_flow), 192);
	before = mallinfo2();
	t = gw_flow_table_create(cap, NULL);
	after = mallinfo2();
	ck_assert_ptr_nonnull(t);
	used = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
	/* under ASan malloc statistics are not glibc's: report, don't judge */
	if (used == 0) {
		printf("flow: sizeof(struct gw_flow) = %zu bytes, bytes per "
		       "flow not measurable (malloc statistics unavailable)\n",
		       sizeof(struct gw_flow));
	} else {
		printf("flow: sizeof(struct gw_flow) = %zu bytes, table of %u "
		       "flows uses %zu bytes = %.1f bytes per flow\n",
		       sizeof(struct gw_flow), cap, used, (double)used / cap);
		ck_assert_uint_ge(used, (size_t)cap * sizeof(struct gw_flow));
		ck_assert_uint_le(used / cap, 256);
	}
	gw_flow_table_free(t);
}
END_TEST

/*
 * Random insert/lookup/remove against a reference array. Hash modes:
 * 0 the real hash; 1 a degenerate hash (5 values next to the end of the
 * bucket array, so runs wrap around); 2 a single hash for every key (each
 * lookup must compare keys).
 */
#define REF_KEYS 300

/* The table recomputes hashes at removal: they must be functions of the key. */
static uint32_t
ref_hash_wrap(const struct gw_flow_key *k)
{
	return 0xfffffffdu + gw_flow_key_hash(k) % 5; /* home buckets mask-2..mask, 0, 1 */
}

static uint32_t
ref_hash_one(const struct gw_flow_key *k)
{
	(void)k;
	return 0xdeadbeefu;
}

static const gw_flow_hash_fn ref_hash_fns[] = {
	gw_flow_key_hash, ref_hash_wrap, ref_hash_one,
};

START_TEST(test_reference_random)
{
	static const uint32_t caps[] = {64, 100, 1};
	int mode = _i % 3;
	uint32_t cap = caps[_i / 3];
	struct gw_flow_table *t = gw_flow_table_create(cap, NULL);
	struct gw_flow_key keys[REF_KEYS];
	uint32_t hashes[REF_KEYS];
	struct gw_flow *ref[REF_KEYS];
	uint64_t ids[REF_KEYS] = {0};
	uint32_t i, op, n = 0, mismatches = 0, full_seen = 0;
	uint64_t last_id = 0;

	ck_assert_ptr_nonnull(t);
	gw_flow_table_set_hash(t, ref_hash_fns[mode]);
	rng_state = 0x853c49e6748fea9bull + (uint64_t)_i;
	for (i = 0; i < REF_KEYS; i++) {
		key_n(&keys[i], i * 2654435761u);
		hashes[i] = ref_hash_fns[mode](&keys[i]);
		ref[i] = NULL;
	}
	for (op = 0; op < 100000; op++) {
		uint32_t r = rng();
		uint32_t k = r % REF_KEYS;
		struct gw_flow *f;

		/* The hints read the index (within bounds, under ASan too),
		 * wrapped and degenerate runs included; they change nothing. */
		gw_flow_prefetch_bucket(t, hashes[k]);
		gw_flow_prefetch_entry(t, hashes[k]);
		f = gw_flow_lookup(t, &keys[k], hashes[k]);

		if (f != ref[k] ||
		    (f != NULL && (f->id != ids[k] ||
				   memcmp(&f->key, &keys[k], sizeof(keys[k])))))
			mismatches++;
		switch ((r >> 16) % 3) {
		case 0:
			if (ref[k] != NULL)
				break;
			f = gw_flow_insert(t, &keys[k], hashes[k], 0, op);
			if (n == cap) {
				if (f != NULL)
					mismatches++;
				full_seen++;
				break;
			}
			if (f == NULL || f->id <= last_id) {
				mismatches++;
				break;
			}
			last_id = f->id;
			ref[k] = f;
			ids[k] = f->id;
			n++;
			break;
		case 1:
			if (ref[k] == NULL)
				break;
			gw_flow_remove(t, ref[k]);
			ref[k] = NULL;
			n--;
			break;
		default:
			break; /* lookup only */
		}
		if (gw_flow_count(t) != n)
			mismatches++;
	}
	/* every key, once more */
	for (i = 0; i < REF_KEYS; i++)
		if (gw_flow_lookup(t, &keys[i], hashes[i]) != ref[i])
			mismatches++;
	ck_assert_uint_eq(mismatches, 0);
	ck_assert_uint_gt(full_seen, 0); /* the table did fill up */
	gw_flow_table_free(t);
}
END_TEST

START_TEST(test_capacity_full)
{
	static const uint32_t caps[] = {1, 2, 7, 64, 1000, 4096};
	uint32_t cap = caps[_i];
	struct gw_flow_table *t = gw_flow_table_create(cap, NULL);
	struct gw_flow **fl = calloc(cap, sizeof(*fl));
	struct gw_flow_key k;
	uint32_t i, missing = 0;
	struct gw_flow *f;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(fl);
	for (i = 0; i < cap; i++) {
		key_n(&k, i);
		fl[i] = gw_flow_insert(t, &k, gw_flow_key_hash(&k), 0, i);
		if (fl[i] == NULL)
			missing++;
	}
	ck_assert_uint_eq(missing, 0);
	ck_assert_uint_eq(gw_flow_count(t), cap);
	for (i = cap; i < cap + 10; i++) {
		key_n(&k, i);
		ck_assert_ptr_null(gw_flow_insert(t, &k, gw_flow_key_hash(&k), 0, i));
		ck_assert_ptr_null(gw_flow_lookup(t, &k, gw_flow_key_hash(&k)));
	}
	ck_assert_uint_eq(gw_flow_count(t), cap);
	for (i = 0; i < cap; i++) {
		key_n(&k, i);
		if (gw_flow_lookup(t, &k, gw_flow_key_hash(&k)) != fl[i])
			missing++;
	}
	ck_assert_uint_eq(missing, 0);
	/* one out, one in */
	gw_flow_remove(t, fl[cap / 2]);
	key_n(&k, cap + 1);
	f = gw_flow_insert(t, &k, gw_flow_key_hash(&k), 0, 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_eq(gw_flow_lookup(t, &k, gw_flow_key_hash(&k)), f);
	key_n(&k, cap / 2);
	ck_assert_ptr_null(gw_flow_lookup(t, &k, gw_flow_key_hash(&k)));
	ck_assert_uint_eq(gw_flow_count(t), cap);
	free(fl);
	gw_flow_table_free(t);
}
END_TEST

/* ---- expiry ---- */

static const struct gw_flow_timeouts test_to = {
	.tcp_syn = 1000,
	.tcp_established = 2000,
	.tcp_fin = 3000,
	.tcp_closed = 4000,
	.udp = 5000,
	.icmp = 6000,
	.other = 7000,
};

struct expiry_vec {
	uint8_t proto;
	uint8_t state;
	uint64_t timeout;
};

static const struct expiry_vec expiry_vectors[] = {
	{6, GW_TCP_NONE, 1000},
	{6, GW_TCP_SYN_SENT, 1000},
	{6, GW_TCP_SYN_RCVD, 1000},
	{6, GW_TCP_ESTABLISHED, 2000},
	{6, GW_TCP_FIN_WAIT, 3000},
	{6, GW_TCP_CLOSING, 3000},
	{6, GW_TCP_CLOSED, 4000},
	{17, GW_TCP_NONE, 5000},
	{1, GW_TCP_NONE, 6000},
	{58, GW_TCP_NONE, 6000},
	{0, GW_TCP_NONE, 7000},
	{47, GW_TCP_NONE, 7000},
	{132, GW_TCP_NONE, 7000},
	{255, GW_TCP_NONE, 7000},
};

struct cb_log {
	unsigned int n;
	uint64_t ids[64];
	struct gw_flow_table *t;
	bool found_in_cb;      /* the flow was still in the table during cb */
	uint32_t count_in_cb;
	uint32_t ext_seen;     /* the flow's ext handle, taken from it */
};

static void
expire_cb(struct gw_flow *f, void *arg)
{
	struct cb_log *log = arg;

	if (log->n < GW_ARRAY_SIZE(log->ids))
		log->ids[log->n] = f->id;
	log->n++;
	log->found_in_cb = gw_flow_lookup(log->t, &f->key,
					  gw_flow_key_hash(&f->key)) == f;
	log->count_in_cb = gw_flow_count(log->t);
	if (f->ext != 0) {
		log->ext_seen = f->ext;
		f->ext = 0;
	}
}

START_TEST(test_expiry_per_state)
{
	const struct expiry_vec *v = &expiry_vectors[_i];
	const uint64_t t0 = 1000000000000ull;
	struct gw_flow_table *t = gw_flow_table_create(4, &test_to);
	struct cb_log log = {.t = NULL};
	struct gw_addr s, d;
	struct gw_flow_key k;
	struct gw_flow *f;
	uint32_t h;

	ck_assert_ptr_nonnull(t);
	log.t = t;
	addr4(&s, 10, 0, 0, 1);
	addr4(&d, 10, 0, 0, 2);
	gw_flow_key_make(&k, 0, 0, v->proto, &s, 1, &d, 2, NULL);
	h = gw_flow_key_hash(&k);
	f = gw_flow_insert(t, &k, h, 0, t0);
	ck_assert_ptr_nonnull(f);
	f->tcp_state = v->state;
	ck_assert_uint_eq(gw_flow_timeout(t, f), v->timeout);

	/* a clock behind last_ns, then timeout - 1 and timeout: kept */
	ck_assert_uint_eq(gw_flow_expire(t, t0 - 5000000, 4, expire_cb, &log), 0);
	ck_assert_uint_eq(gw_flow_expire(t, t0 + v->timeout - 1, 4, expire_cb,
					 &log),
			  0);
	ck_assert_uint_eq(gw_flow_expire(t, t0 + v->timeout, 4, expire_cb, &log),
			  0);
	ck_assert_uint_eq(log.n, 0);
	ck_assert_ptr_eq(gw_flow_lookup(t, &k, h), f);
	/* timeout + 1: the callback sees it still in the table, then it is gone */
	ck_assert_uint_eq(gw_flow_expire(t, t0 + v->timeout + 1, 4, expire_cb,
					 &log),
			  1);
	ck_assert_uint_eq(log.n, 1);
	ck_assert_uint_eq(log.ids[0], 1);
	ck_assert(log.found_in_cb);
	ck_assert_uint_eq(log.count_in_cb, 1);
	ck_assert_ptr_null(gw_flow_lookup(t, &k, h));
	ck_assert_uint_eq(gw_flow_count(t), 0);

	/* touched: the idle time restarts */
	f = gw_flow_insert(t, &k, h, 0, t0);
	ck_assert_ptr_nonnull(f);
	f->tcp_state = v->state;
	gw_flow_touch(t, f, t0 + 10);
	ck_assert_uint_eq(gw_flow_expire(t, t0 + v->timeout + 1, 4, expire_cb,
					 &log),
			  0);
	ck_assert_uint_eq(gw_flow_expire(t, t0 + 10 + v->timeout, 4, expire_cb,
					 &log),
			  0);
	ck_assert_uint_eq(gw_flow_expire(t, t0 + 10 + v->timeout + 1, 4,
					 expire_cb, &log),
			  1);
	ck_assert_uint_eq(log.n, 2);
	ck_assert_uint_eq(log.ids[1], 2);
	ck_assert_uint_eq(gw_flow_count(t), 0);
	gw_flow_table_free(t);
}
END_TEST

/* A pending flow holding an ext goes through the callback like any other. */
START_TEST(test_expiry_pending_with_ext)
{
	struct gw_flow_table *t = gw_flow_table_create(4, &test_to);
	struct gw_flow_ext_pool *p = gw_flow_ext_pool_create(1, NULL);
	struct cb_log log = {.t = NULL};
	struct gw_flow_ext *e;
	struct gw_flow_key k;
	struct gw_flow *f;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(p);
	log.t = t;
	key_n(&k, 9);
	f = gw_flow_insert(t, &k, gw_flow_key_hash(&k), 0, 0);
	ck_assert_ptr_nonnull(f);
	f->tcp_state = GW_TCP_ESTABLISHED;
	e = gw_flow_ext_get(p, 1, 0);
	ck_assert_ptr_nonnull(e);
	f->ext = gw_flow_ext_ref(p, e);
	ck_assert_uint_ne(f->ext, 0);
	ck_assert_ptr_eq(gw_flow_ext_at(p, f->ext), e);
	ck_assert_ptr_null(gw_flow_ext_at(p, 0));
	ck_assert_uint_eq(f->verdict, GW_VERDICT_PENDING);
	ck_assert_uint_eq(gw_flow_expire(t, 2001, 10, expire_cb, &log), 1);
	ck_assert_ptr_eq(gw_flow_ext_at(p, log.ext_seen), e);
	gw_flow_ext_put(p, gw_flow_ext_at(p, log.ext_seen));
	ck_assert_uint_eq(gw_flow_ext_in_use(p), 0);
	ck_assert_uint_eq(gw_flow_count(t), 0);

	/* without a callback flows are just removed */
	f = gw_flow_insert(t, &k, gw_flow_key_hash(&k), 0, 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(gw_flow_expire(t, 1001, 10, NULL, NULL), 1);
	ck_assert_uint_eq(gw_flow_count(t), 0);
	gw_flow_ext_pool_free(p);
	gw_flow_table_free(t);
}
END_TEST

static void
expire_set(struct gw_flow **fl, unsigned int n, uint64_t now,
	   const unsigned int *idle, unsigned int n_idle)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fl[i] != NULL)
			fl[i]->last_ns = now;
	for (i = 0; i < n_idle; i++)
		fl[idle[i]]->last_ns = 0;
}

/*
 * The sweep examines `budget` slots per call and continues where it
 * stopped, wrapping after the highest slot ever used. A fresh table hands
 * out slots 0, 1, 2... in insertion order (checked through the addresses).
 */
START_TEST(test_expiry_budget_and_cursor)
{
	struct gw_flow_table *t = gw_flow_table_create(16, &test_to);
	struct cb_log log = {.t = NULL};
	struct gw_flow *fl[10];
	const uint64_t now = 1000000;
	unsigned int i;

	ck_assert_ptr_nonnull(t);
	log.t = t;
	ck_assert_uint_eq(gw_flow_expire(t, now, 100, expire_cb, &log), 0);
	for (i = 0; i < 10; i++) {
		struct gw_flow_key k;

		key_n(&k, 100 + i);
		fl[i] = gw_flow_insert(t, &k, gw_flow_key_hash(&k), 0, now);
		ck_assert_ptr_nonnull(fl[i]);
		ck_assert_uint_eq((uint32_t)(fl[i] - fl[0]), i);
		ck_assert_uint_eq(fl[i]->id, i + 1);
	}
	{
		const unsigned int idle[] = {2, 5, 9};

		expire_set(fl, 10, now, idle, 3);
	}
	ck_assert_uint_eq(gw_flow_expire(t, now, 0, expire_cb, &log), 0);
	/* slots 0-3 */
	ck_assert_uint_eq(gw_flow_expire(t, now, 4, expire_cb, &log), 1);
	ck_assert_uint_eq(log.ids[0], 3);
	fl[2] = NULL;
	/* slots 4-7 */
	ck_assert_uint_eq(gw_flow_expire(t, now, 4, expire_cb, &log), 1);
	ck_assert_uint_eq(log.ids[1], 6);
	fl[5] = NULL;
	/* slots 8, 9, then wrap to 0, 1 */
	ck_assert_uint_eq(gw_flow_expire(t, now, 4, expire_cb, &log), 1);
	ck_assert_uint_eq(log.ids[2], 10);
	fl[9] = NULL;
	ck_assert_uint_eq(log.n, 3);

	{
		const unsigned int idle[] = {0, 3};

		expire_set(fl, 10, now, idle, 2);
	}
	/* slots 2 (free), 3 */
	ck_assert_uint_eq(gw_flow_expire(t, now, 2, expire_cb, &log), 1);
	ck_assert_uint_eq(log.ids[3], 4);
	/* slots 4-8: nothing idle */
	ck_assert_uint_eq(gw_flow_expire(t, now, 5, expire_cb, &log), 0);
	/* slots 9 (free), 0, 1 */
	ck_assert_uint_eq(gw_flow_expire(t, now, 3, expire_cb, &log), 1);
	ck_assert_uint_eq(log.ids[4], 1);
	ck_assert_uint_eq(log.n, 5);
	ck_assert_uint_eq(gw_flow_count(t), 5);

	/* a budget beyond the used slots examines each once: all remaining */
	ck_assert_uint_eq(gw_flow_expire(t, now + 1000000, 1000, expire_cb,
					 &log),
			  5);
	ck_assert_uint_eq(log.n, 10);
	ck_assert_uint_eq(gw_flow_count(t), 0);
	ck_assert_uint_eq(gw_flow_expire(t, now + 1000000, 1000, expire_cb,
					 &log),
			  0);
	gw_flow_table_free(t);
}
END_TEST

/* Many flows, small budgets: each expires exactly once, the rest stay. */
START_TEST(test_expiry_sweep_many)
{
	const uint32_t cap = 5000;
	struct gw_flow_table *t = gw_flow_table_create(cap, &test_to);
	uint32_t i, total = 0, calls = 0, over_budget = 0, wrong = 0, want = 0;
	struct gw_flow_key k;

	ck_assert_ptr_nonnull(t);
	rng_state = 77;
	for (i = 0; i < cap; i++) {
		key_np(&k, i, 17); /* udp: timeout 5000 */
		ck_assert_ptr_nonnull(gw_flow_insert(t, &k, gw_flow_key_hash(&k),
						     0, i % 3 == 0 ? 0 : 1000000));
	}
	/* remove a quarter to leave holes */
	for (i = 1; i < cap; i += 4) {
		key_np(&k, i, 17);
		gw_flow_remove(t, gw_flow_lookup(t, &k, gw_flow_key_hash(&k)));
	}
	while (calls < 1000) {
		unsigned int b = 1 + rng() % 97;
		unsigned int n = gw_flow_expire(t, 1000000, b, NULL, NULL);

		if (n > b)
			over_budget++;
		total += n;
		calls++;
	}
	ck_assert_uint_eq(over_budget, 0);
	/* idle: i % 3 == 0 and not removed (i % 4 != 1); the rest stays */
	for (i = 0; i < cap; i++) {
		bool present, removed = i % 4 == 1, idle = i % 3 == 0;

		key_np(&k, i, 17);
		present = gw_flow_lookup(t, &k, gw_flow_key_hash(&k)) != NULL;
		if (present != (!removed && !idle))
			wrong++;
		if (!removed && idle)
			want++;
	}
	ck_assert_uint_eq(wrong, 0);
	ck_assert_uint_eq(total, want);
	ck_assert_uint_eq(gw_flow_count(t), cap - cap / 4 - want);
	gw_flow_table_free(t);
}
END_TEST

/* ---- walk ---- */

struct walk_ctx {
	struct gw_flow_table *t;
	unsigned int n;
	unsigned int stop_at;
	bool remove;
};

static int
walk_cb(struct gw_flow *f, void *arg)
{
	struct walk_ctx *c = arg;

	c->n++;
	if (c->remove)
		gw_flow_remove(c->t, f);
	return c->n == c->stop_at;
}

START_TEST(test_walk)
{
	struct gw_flow_table *t = gw_flow_table_create(32, NULL);
	struct walk_ctx c = {.t = NULL};
	struct gw_flow_key k;
	unsigned int i;

	ck_assert_ptr_nonnull(t);
	c.t = t;
	gw_flow_walk(t, walk_cb, &c);
	ck_assert_uint_eq(c.n, 0);
	for (i = 0; i < 20; i++) {
		key_n(&k, i);
		ck_assert_ptr_nonnull(gw_flow_insert(t, &k, gw_flow_key_hash(&k),
						     0, 0));
	}
	for (i = 0; i < 20; i += 2) {
		key_n(&k, i);
		gw_flow_remove(t, gw_flow_lookup(t, &k, gw_flow_key_hash(&k)));
	}
	gw_flow_walk(t, walk_cb, &c);
	ck_assert_uint_eq(c.n, 10);
	c.n = 0;
	c.stop_at = 3;
	gw_flow_walk(t, walk_cb, &c);
	ck_assert_uint_eq(c.n, 3);
	/* removing the visited flow during the walk */
	c.n = 0;
	c.stop_at = 0;
	c.remove = true;
	gw_flow_walk(t, walk_cb, &c);
	ck_assert_uint_eq(c.n, 10);
	ck_assert_uint_eq(gw_flow_count(t), 0);
	gw_flow_table_free(t);
}
END_TEST

/* ---- closed flows: FIFO expiry ---- */

/* Inserts TCP flow i at now with the given state; notes it when CLOSED. */
static struct gw_flow *
closed_flow(struct gw_flow_table *t, uint32_t i, uint8_t state, uint64_t now)
{
	struct gw_flow_key k;
	struct gw_flow *f;

	key_n(&k, i);
	f = gw_flow_insert(t, &k, gw_flow_key_hash(&k), 0, now);
	ck_assert_ptr_nonnull(f);
	f->tcp_state = state;
	gw_flow_tcp_note(t, f);
	return f;
}

/*
 * CLOSED flows placed after 2000 established ones, so that a sweep of
 * `budget` slots from slot 0 cannot reach them: whatever expires comes off
 * the FIFO, in the order the flows closed, and only those past tcp_closed.
 */
START_TEST(test_closed_fifo_order)
{
	struct gw_flow_table *t = gw_flow_table_create(4096, &test_to);
	struct cb_log log = {.t = NULL};
	const uint64_t t0 = 1000000;
	uint32_t i;

	ck_assert_ptr_nonnull(t);
	log.t = t;
	for (i = 0; i < 2000; i++)
		closed_flow(t, i, GW_TCP_ESTABLISHED, t0 + 50000);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 0);
	for (i = 0; i < 40; i++)
		closed_flow(t, 2000 + i, GW_TCP_CLOSED, t0 + 10 * i);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 40);
	/* Noting twice, or a flow that is not CLOSED, changes nothing. */
	gw_flow_tcp_note(t, gw_flow_lookup(t, &(struct gw_flow_key){0}, 0));
	for (i = 0; i < 3; i++) {
		struct gw_flow_key k;

		key_n(&k, 2000 + i);
		gw_flow_tcp_note(t, gw_flow_lookup(t, &k, gw_flow_key_hash(&k)));
		key_n(&k, i);
		gw_flow_tcp_note(t, gw_flow_lookup(t, &k, gw_flow_key_hash(&k)));
	}
	ck_assert_uint_eq(gw_flow_closed_queued(t), 40);
	/* At t0 + 4000 + 95: flows closed at t0 .. t0 + 94 are past 4000. */
	ck_assert_uint_eq(gw_flow_expire(t, t0 + 4000 + 95, 100, expire_cb, &log), 10);
	for (i = 0; i < 10; i++)
		ck_assert_uint_eq(log.ids[i], 2001 + i);
	ck_assert(log.found_in_cb);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 30);
	ck_assert_uint_eq(gw_flow_count(t), 2030);
	/* The pop is budgeted too. */
	ck_assert_uint_eq(gw_flow_expire(t, t0 + 4000 + 1000, 7, expire_cb, &log), 7);
	ck_assert_uint_eq(log.ids[16], 2017);
	ck_assert_uint_eq(gw_flow_expire(t, t0 + 4000 + 1000, 0, expire_cb, &log), 0);
	ck_assert_uint_eq(gw_flow_expire(t, t0 + 4000 + 1000, 100, expire_cb, &log), 23);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 0);
	ck_assert_uint_eq(gw_flow_count(t), 2000);
	ck_assert_uint_eq(log.n, 40);
	gw_flow_table_free(t);
}
END_TEST

/* Touched, removed, reused and reopened entries of the FIFO. */
START_TEST(test_closed_fifo_touch_remove)
{
	struct gw_flow_table *t = gw_flow_table_create(8, &test_to);
	struct cb_log log = {.t = NULL};
	struct gw_flow *a, *b, *c, *d;

	ck_assert_ptr_nonnull(t);
	log.t = t;
	a = closed_flow(t, 1, GW_TCP_CLOSED, 100);
	b = closed_flow(t, 2, GW_TCP_CLOSED, 101);
	/* A retransmission on a: its idle time restarts, b expires first. */
	gw_flow_touch(t, a, 105);
	ck_assert_uint_eq(gw_flow_expire(t, 100 + 4000 + 2, 8, expire_cb, &log), 1);
	ck_assert_uint_eq(log.ids[0], b->id);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 1);
	ck_assert_uint_eq(gw_flow_expire(t, 105 + 4000, 8, expire_cb, &log), 0);
	ck_assert_uint_eq(gw_flow_expire(t, 105 + 4000 + 1, 8, expire_cb, &log), 1);
	ck_assert_uint_eq(log.n, 2);
	ck_assert_uint_eq(gw_flow_count(t), 0);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 0);

	/* Touched in CLOSING (the last ACK comes next): queued at the touch. */
	c = closed_flow(t, 3, GW_TCP_FIN_WAIT, 200);
	gw_flow_touch(t, c, 210);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 0);
	c->tcp_state = GW_TCP_CLOSING;
	gw_flow_touch(t, c, 220);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 1);
	c->tcp_state = GW_TCP_CLOSED;
	ck_assert_uint_eq(gw_flow_expire(t, 220 + 4000 + 1, 8, expire_cb, &log), 1);
	ck_assert_uint_eq(log.n, 3);

	/* A CLOSING flow whose last ACK never comes leaves the FIFO (tcp_fin). */
	c = closed_flow(t, 3, GW_TCP_CLOSING, 300);
	gw_flow_touch(t, c, 300);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 1);
	ck_assert_uint_eq(gw_flow_expire(t, 300 + 3000, 8, expire_cb, &log), 0);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 0);
	ck_assert_uint_eq(gw_flow_expire(t, 300 + 3000 + 1, 8, expire_cb, &log), 1);
	ck_assert_uint_eq(gw_flow_count(t), 0);

	/* Removed while queued: its slot is reused (LIFO) by an open flow. */
	a = closed_flow(t, 4, GW_TCP_CLOSED, 400);
	b = closed_flow(t, 5, GW_TCP_CLOSED, 401);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 2);
	gw_flow_remove(t, a);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 2);
	d = closed_flow(t, 6, GW_TCP_ESTABLISHED, 402);
	ck_assert_ptr_eq(d, a);
	/* ... then the same for b, whose slot goes to a flow that closes too. */
	gw_flow_remove(t, b);
	c = closed_flow(t, 7, GW_TCP_SYN_SENT, 403);
	ck_assert_ptr_eq(c, b);
	c->tcp_state = GW_TCP_CLOSED;
	gw_flow_touch(t, c, 500);
	gw_flow_tcp_note(t, c);
	gw_flow_touch(t, d, 4400); /* d stays open and busy */
	ck_assert_uint_eq(gw_flow_closed_queued(t), 2);
	log.n = 0;
	/* d is popped, not expired; c waits for its own time, then goes. */
	ck_assert_uint_eq(gw_flow_expire(t, 401 + 4000 + 1, 2, expire_cb, &log), 0);
	ck_assert_uint_eq(gw_flow_count(t), 2);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 1);
	ck_assert_uint_eq(gw_flow_expire(t, 500 + 4000 + 1, 1, expire_cb, &log), 1);
	ck_assert_uint_eq(log.ids[0], c->id);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 0);
	ck_assert_ptr_eq(gw_flow_lookup(t, &d->key, gw_flow_key_hash(&d->key)), d);

	/* Reopened (state left CLOSED) before its turn: popped, kept. */
	a = closed_flow(t, 8, GW_TCP_CLOSED, 600);
	a->tcp_state = GW_TCP_SYN_SENT;
	ck_assert_uint_eq(gw_flow_expire(t, 600 + 900, 1, expire_cb, &log), 0);
	ck_assert_uint_eq(gw_flow_closed_queued(t), 0);
	ck_assert_ptr_eq(gw_flow_lookup(t, &a->key, gw_flow_key_hash(&a->key)), a);
	gw_flow_table_free(t);
}
END_TEST

/*
 * New connections at one per tick, each closed at once, with an expiry
 * budget of one slot per tick: the sweep alone cannot keep up (a flow
 * waits tcp_closed + one lap of the table), the FIFO holds the table at
 * tcp_closed flows for good.
 */
START_TEST(test_closed_fifo_rate)
{
	const uint32_t cap = 4096 + 64;
	struct gw_flow_table *t = gw_flow_table_create(cap, &test_to);
	uint32_t i, max = 0, failed = 0;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < 200000; i++) {
		uint64_t now = 1000000 + i;
		struct gw_flow_key k;
		struct gw_flow *f;

		key_np(&k, i, 6);
		f = gw_flow_insert(t, &k, gw_flow_key_hash(&k), 0, now);
		if (f == NULL) {
			failed++;
		} else {
			f->tcp_state = GW_TCP_CLOSED;
			gw_flow_tcp_note(t, f);
		}
		gw_flow_expire(t, now, 1, NULL, NULL);
		if (gw_flow_count(t) > max)
			max = gw_flow_count(t);
	}
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_le(max, 4000 + 2);
	gw_flow_table_free(t);
}
END_TEST

static Suite *
flow_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_key_symmetry, 0, GW_ARRAY_SIZE(sym_vectors));
	tcase_add_test(tc, test_key_fields_distinguish);
	tcase_add_test(tc, test_hash_spread);
	tcase_add_test(tc, test_create_args);
	tcase_add_test(tc, test_insert_fields);
	tcase_add_test(tc, test_sizes);
	tcase_add_loop_test(tc, test_reference_random, 0, 9);
	tcase_add_loop_test(tc, test_capacity_full, 0, 6);
	tcase_add_loop_test(tc, test_expiry_per_state, 0,
			    GW_ARRAY_SIZE(expiry_vectors));
	tcase_add_test(tc, test_expiry_pending_with_ext);
	tcase_add_test(tc, test_expiry_budget_and_cursor);
	tcase_add_test(tc, test_expiry_sweep_many);
	tcase_add_test(tc, test_walk);
	tcase_add_test(tc, test_closed_fifo_order);
	tcase_add_test(tc, test_closed_fifo_touch_remove);
	tcase_add_test(tc, test_closed_fifo_rate);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(flow_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
