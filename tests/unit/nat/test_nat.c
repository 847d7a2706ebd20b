/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "gw_test.h"
#include "nat/gw_nat.h"

#define S(x) ((uint64_t)(x) * 1000000000ull)
#define POOL_A 0xc6336401u /* 198.51.100.1 */

static uint32_t pool1[] = {POOL_A};
static uint32_t pool4[] = {0xc6336401u, 0xc6336402u, 0xc6336403u,
			   0xc6336404u};

static struct gw_nat_pool_cfg
mkcfg(uint32_t *addrs, uint32_t n, uint16_t lo, uint16_t hi,
      uint16_t workers)
{
	struct gw_nat_pool_cfg c;

	memset(&c, 0, sizeof(c));
	c.addrs = addrs;
	c.n_addrs = n;
	c.port_lo = lo;
	c.port_hi = hi;
	c.n_workers = workers;
	gw_nat_timers_default(&c.timers);
	return c;
}

static struct gw_nat_map *
acq(struct gw_nat *nat, uint8_t proto, uint32_t a, uint16_t p, int want_rc)
{
	struct gw_nat_map *m = NULL;
	int rc = gw_nat_acquire(nat, proto, a, p, S(1), &m);

	ck_assert_int_eq(rc, want_rc);
	if (rc >= 0)
		ck_assert_ptr_nonnull(m);
	else
		ck_assert_ptr_null(m);
	return m;
}

START_TEST(test_defaults_and_bad_cfg)
{
	struct gw_nat_timers t;
	struct gw_nat_pool_cfg c;
	uint32_t dup[] = {1, 2, 1};

	gw_nat_timers_default(&t);
	ck_assert_uint_eq(t.tcp_established, S(7440));
	ck_assert_uint_eq(t.tcp_transitory, S(240));
	ck_assert_uint_eq(t.udp, S(300));
	ck_assert_uint_eq(t.icmp, S(60));

	c = mkcfg(pool1, 1, 1024, 65535, 1);
	ck_assert_int_eq(gw_nat_pool_cfg_check(&c), 0);
	ck_assert_ptr_null(gw_nat_create(&c, 1, 16)); /* worker >= n */
	ck_assert_ptr_null(gw_nat_create(&c, 0, 0));  /* capacity 0 */
	c = mkcfg(dup, 3, 1024, 65535, 1);
	ck_assert_int_eq(gw_nat_pool_cfg_check(&c), GW_EINVAL);
	c = mkcfg(pool1, 0, 1024, 65535, 1);
	ck_assert_int_eq(gw_nat_pool_cfg_check(&c), GW_EINVAL);
	c = mkcfg(pool1, 1, 2000, 1999, 1);
	ck_assert_int_eq(gw_nat_pool_cfg_check(&c), GW_EINVAL);
	c = mkcfg(pool1, 1, 0, 100, 1);
	ck_assert_int_eq(gw_nat_pool_cfg_check(&c), GW_EINVAL);
	c = mkcfg(pool1, 1, 1000, 1003, 5); /* 4 ports, 5 workers */
	ck_assert_int_eq(gw_nat_pool_cfg_check(&c), GW_EINVAL);
	ck_assert_ptr_null(gw_nat_create(&c, 0, 16));
	c = mkcfg(pool1, 1, 1000, 1003, 0);
	ck_assert_int_eq(gw_nat_pool_cfg_check(&c), GW_EINVAL);
	ck_assert_int_eq(gw_nat_pool_cfg_check(NULL), GW_EINVAL);
	gw_nat_free(NULL);
}
END_TEST

START_TEST(test_preserve_and_collision)
{
	struct gw_nat_pool_cfg c = mkcfg(pool1, 1, 1024, 65535, 1);
	struct gw_nat *nat = gw_nat_create(&c, 0, 64);
	struct gw_nat_map *m;

	ck_assert_ptr_nonnull(nat);
	m = acq(nat, GW_PROTO_TCP, 0x0a0a0005, 40000, 1);
	ck_assert_uint_eq(m->ext_port, 40000);
	ck_assert_uint_eq(m->ext_addr, POOL_A);
	ck_assert_uint_eq(m->in_addr, 0x0a0a0005);
	ck_assert_uint_eq(m->in_port, 40000);
	ck_assert_uint_eq(m->proto, GW_PROTO_TCP);
	ck_assert_uint_eq(m->refs, 1);
	ck_assert_uint_eq(m->create_ns, S(1));
	ck_assert_uint_eq(gw_nat_stats(nat)->port_preserved, 1);
	/* another host, same port: the next free port of the slice from the
	 * cursor (which starts at the slice's first port) */
	m = acq(nat, GW_PROTO_TCP, 0x0a0a0006, 40000, 1);
	ck_assert_uint_eq(m->ext_port, 1024);
	m = acq(nat, GW_PROTO_TCP, 0x0a0a0007, 40000, 1);
	ck_assert_uint_eq(m->ext_port, 1025);
	/* a port below the range is never preserved */
	m = acq(nat, GW_PROTO_TCP, 0x0a0a0008, 80, 1);
	ck_assert_uint_eq(m->ext_port, 1026);
	/* inside port equal to a port taken by scanning: collision again */
	m = acq(nat, GW_PROTO_TCP, 0x0a0a0009, 1024, 1);
	ck_assert_uint_eq(m->ext_port, 1027);
	/* free port in range: preserved */
	m = acq(nat, GW_PROTO_TCP, 0x0a0a0009, 5000, 1);
	ck_assert_uint_eq(m->ext_port, 5000);
	/* UDP and ICMP have their own port spaces */
	m = acq(nat, GW_PROTO_UDP, 0x0a0a0006, 40000, 1);
	ck_assert_uint_eq(m->ext_port, 40000);
	m = acq(nat, GW_PROTO_ICMP, 0x0a0a0006, 40000, 1);
	ck_assert_uint_eq(m->ext_port, 40000);
	ck_assert_uint_eq(gw_nat_stats(nat)->port_preserved, 4);
	ck_assert_uint_eq(gw_nat_stats(nat)->created, 8);
	ck_assert_uint_eq(gw_nat_stats(nat)->active, 8);
	ck_assert_int_eq(gw_nat_free_ports(nat, GW_PROTO_TCP, 0),
			 65535 - 1024 + 1 - 6);
	ck_assert_int_eq(gw_nat_free_ports(nat, GW_PROTO_UDP, 0),
			 65535 - 1024);
	ck_assert_int_eq(gw_nat_free_ports(nat, 47, 0), GW_EINVAL);
	ck_assert_int_eq(gw_nat_free_ports(nat, GW_PROTO_UDP, 1), GW_EINVAL);
	acq(nat, 47, 0x0a0a0006, 1, GW_EINVAL);
	gw_nat_free(nat);
}
END_TEST

/* Slices cover the range, are disjoint and ordered; owner() agrees. */
START_TEST(test_slices_and_owner)
{
	static const struct {
		uint16_t lo, hi, workers;
	} t[] = {
		{1024, 65535, 1}, {1024, 65535, 2}, {1024, 65535, 3},
		{1024, 65535, 7}, {1024, 65535, 16}, {100, 199, 3},
		{100, 199, 100}, {1, 65535, 256}, {5000, 5063, 6},
	};
	size_t k;

	for (k = 0; k < GW_ARRAY_SIZE(t); k++) {
		struct gw_nat_pool_cfg c =
			mkcfg(pool1, 1, t[k].lo, t[k].hi, t[k].workers);
		uint32_t next = t[k].lo, port;
		unsigned int w;
		uint16_t lo, hi;

		for (w = 0; w < t[k].workers; w++) {
			ck_assert_int_eq(gw_nat_slice(&c, w, &lo, &hi), 0);
			ck_assert_uint_eq(lo, next);
			ck_assert_uint_ge(hi, lo);
			next = (uint32_t)hi + 1;
		}
		ck_assert_uint_eq(next, (uint32_t)t[k].hi + 1);
		ck_assert_int_eq(gw_nat_slice(&c, t[k].workers, &lo, &hi),
				 GW_EINVAL);
		for (port = 0; port <= 65535; port++) {
			int o = gw_nat_owner(&c, POOL_A, (uint16_t)port);

			if (port < t[k].lo || port > t[k].hi) {
				ck_assert_int_eq(o, GW_ENOENT);
				continue;
			}
			ck_assert_int_ge(o, 0);
			ck_assert_int_lt(o, t[k].workers);
			ck_assert_int_eq(gw_nat_slice(&c, (unsigned int)o, &lo,
						      &hi), 0);
			ck_assert_uint_ge(port, lo);
			ck_assert_uint_le(port, hi);
		}
	}
}
END_TEST

/* Every worker allocates exactly its slice of every address, and owner()
 * names it for every port it hands out. */
START_TEST(test_alloc_in_own_slice)
{
	static const uint16_t workers[] = {1, 2, 3, 5};
	size_t k;

	for (k = 0; k < GW_ARRAY_SIZE(workers); k++) {
		struct gw_nat_pool_cfg c =
			mkcfg(pool4, 2, 2000, 2100, workers[k]);
		static uint8_t seen[2][65536];
		unsigned int w;
		uint32_t total = 0;

		memset(seen, 0, sizeof(seen));
		for (w = 0; w < workers[k]; w++) {
			struct gw_nat *nat = gw_nat_create(&c, w, 1000);
			uint16_t lo, hi;
			uint32_t i, n = 0;

			ck_assert_ptr_nonnull(nat);
			ck_assert_int_eq(gw_nat_slice(&c, w, &lo, &hi), 0);
			for (i = 0;; i++) {
				struct gw_nat_map *m = NULL;
				/* one inside host per mapping, port 2000 each
				 * time: preservation only in slice 0 */
				int rc = gw_nat_acquire(nat, GW_PROTO_UDP,
							0x0a000000 + i, 2000,
							0, &m);
				uint32_t ai;

				if (rc == GW_ENOSPC)
					break;
				ck_assert_int_eq(rc, 1);
				ai = m->ext_addr == pool4[0] ? 0 : 1;
				ck_assert_uint_eq(m->ext_addr, pool4[ai]);
				ck_assert_uint_ge(m->ext_port, lo);
				ck_assert_uint_le(m->ext_port, hi);
				ck_assert_int_eq(gw_nat_owner(&c, m->ext_addr,
							      m->ext_port),
						 (int)w);
				ck_assert_uint_eq(seen[ai][m->ext_port], 0);
				seen[ai][m->ext_port] = 1;
				ck_assert_ptr_eq(gw_nat_lookup_out(
							 nat, GW_PROTO_UDP,
							 m->ext_addr,
							 m->ext_port),
						 m);
				n++;
			}
			ck_assert_uint_eq(n, 2u * (hi - lo + 1));
			ck_assert_uint_eq(gw_nat_stats(nat)->exhausted, 1);
			total += n;
			gw_nat_free(nat);
		}
		ck_assert_uint_eq(total, 2 * 101);
	}
}
END_TEST

/* Paired pooling: one inside address, one pool address; fallback only on
 * exhaustion of that address. */
START_TEST(test_paired_pooling)
{
	struct gw_nat_pool_cfg c = mkcfg(pool4, 4, 1024, 65535, 1);
	struct gw_nat *nat = gw_nat_create(&c, 0, 4096);
	uint32_t used[4] = {0};
	uint32_t h, p;

	ck_assert_ptr_nonnull(nat);
	for (h = 0; h < 200; h++) {
		uint32_t a = 0x0a010000 + h * 7;
		uint32_t ext = 0, i;

		for (p = 0; p < 5; p++) {
			uint8_t proto = p % 2 ? GW_PROTO_TCP : GW_PROTO_UDP;
			struct gw_nat_map *m =
				acq(nat, proto, a, (uint16_t)(30000 + p), 1);

			if (p == 0)
				ext = m->ext_addr;
			ck_assert_uint_eq(m->ext_addr, ext);
		}
		for (i = 0; i < 4; i++)
			if (ext == pool4[i])
				used[i]++;
	}
	/* the hash spreads hosts over the pool */
	for (p = 0; p < 4; p++)
		ck_assert_uint_gt(used[p], 20);
	gw_nat_free(nat);
}
END_TEST

static uint32_t n_cb;
static struct gw_nat_map cb_last;

static void
count_cb(const struct gw_nat_map *m, void *arg)
{
	ck_assert_ptr_eq(arg, &n_cb);
	n_cb++;
	cb_last = *m;
}

START_TEST(test_paired_fallback)
{
	struct gw_nat_pool_cfg c = mkcfg(pool4, 2, 3000, 3009, 1);
	struct gw_nat *nat = gw_nat_create(&c, 0, 64);
	struct gw_nat_map *m, *first;
	uint32_t i, paired, other;

	ck_assert_ptr_nonnull(nat);
	first = acq(nat, GW_PROTO_UDP, 0x0a000001, 3000, 1);
	paired = first->ext_addr;
	other = paired == pool4[0] ? pool4[1] : pool4[0];
	for (i = 1; i < 10; i++) {
		m = acq(nat, GW_PROTO_UDP, 0x0a000001, (uint16_t)(3000 + i), 1);
		ck_assert_uint_eq(m->ext_addr, paired);
		ck_assert_uint_eq(m->ext_port, 3000 + i);
	}
	/* the paired address is full: the next address takes over */
	m = acq(nat, GW_PROTO_UDP, 0x0a000001, 4000, 1);
	ck_assert_uint_eq(m->ext_addr, other);
	/* once a port of the paired address is free again, it is used */
	gw_nat_unref(first, false);
	n_cb = 0;
	ck_assert_uint_eq(gw_nat_expire(nat, S(1) + S(300), 64, count_cb,
					&n_cb), 1);
	ck_assert_uint_eq(n_cb, 1);
	ck_assert_uint_eq(cb_last.ext_port, 3000);
	m = acq(nat, GW_PROTO_UDP, 0x0a000001, 4001, 1);
	ck_assert_uint_eq(m->ext_addr, paired);
	ck_assert_uint_eq(m->ext_port, 3000);
	gw_nat_free(nat);
}
END_TEST

/* EIM: one external endpoint per inside endpoint, whatever the peer. */
START_TEST(test_eim)
{
	struct gw_nat_pool_cfg c = mkcfg(pool4, 4, 1024, 65535, 2);
	struct gw_nat *nat = gw_nat_create(&c, 1, 64);
	struct gw_nat_map *m1, *m2;

	ck_assert_ptr_nonnull(nat);
	/* flow 1 to one server, flow 2 to another: same inside endpoint */
	m1 = acq(nat, GW_PROTO_UDP, 0x0a000002, 5353, 1);
	m2 = acq(nat, GW_PROTO_UDP, 0x0a000002, 5353, 0);
	ck_assert_ptr_eq(m1, m2);
	ck_assert_uint_eq(m1->refs, 2);
	ck_assert_ptr_eq(gw_nat_lookup_in(nat, GW_PROTO_UDP, 0x0a000002, 5353),
			 m1);
	ck_assert_ptr_eq(gw_nat_lookup_out(nat, GW_PROTO_UDP, m1->ext_addr,
					   m1->ext_port),
			 m1);
	ck_assert_uint_eq(gw_nat_stats(nat)->lookup_miss, 0);
	ck_assert_ptr_null(gw_nat_lookup_in(nat, GW_PROTO_TCP, 0x0a000002,
					    5353));
	ck_assert_ptr_null(gw_nat_lookup_out(nat, GW_PROTO_UDP, m1->ext_addr,
					     (uint16_t)(m1->ext_port + 1)));
	ck_assert_uint_eq(gw_nat_stats(nat)->lookup_miss, 2);
	ck_assert_uint_eq(gw_nat_stats(nat)->created, 1);
	/* worker 1 of 2: 5353 is in slice 0, so not preserved */
	ck_assert_uint_ge(m1->ext_port, 33280);
	ck_assert_int_eq(gw_nat_owner(&c, m1->ext_addr, m1->ext_port), 1);
	gw_nat_free(nat);
}
END_TEST

START_TEST(test_exhaustion)
{
	struct gw_nat_pool_cfg c = mkcfg(pool1, 1, 6000, 6007, 1);
	struct gw_nat *nat = gw_nat_create(&c, 0, 64);
	uint32_t i;

	ck_assert_ptr_nonnull(nat);
	for (i = 0; i < 8; i++)
		acq(nat, GW_PROTO_TCP, 0x0a000100 + i, 1234, 1);
	acq(nat, GW_PROTO_TCP, 0x0a000200, 1234, GW_ENOSPC);
	acq(nat, GW_PROTO_TCP, 0x0a000201, 6003, GW_ENOSPC);
	ck_assert_uint_eq(gw_nat_stats(nat)->exhausted, 2);
	ck_assert_uint_eq(gw_nat_stats(nat)->table_full, 0);
	/* an existing inside endpoint still gets its mapping */
	acq(nat, GW_PROTO_TCP, 0x0a000100, 1234, 0);
	/* other protocols are unaffected */
	acq(nat, GW_PROTO_UDP, 0x0a000200, 1234, 1);
	ck_assert_int_eq(gw_nat_free_ports(nat, GW_PROTO_TCP, 0), 0);
	ck_assert_uint_eq(gw_nat_stats(nat)->active, 9);
	gw_nat_free(nat);
}
END_TEST

START_TEST(test_capacity)
{
	struct gw_nat_pool_cfg c = mkcfg(pool1, 1, 1024, 65535, 1);
	struct gw_nat *nat = gw_nat_create(&c, 0, 5);
	struct gw_nat_map *m[5];
	uint32_t i;

	ck_assert_ptr_nonnull(nat);
	for (i = 0; i < 5; i++)
		m[i] = acq(nat, GW_PROTO_ICMP, 0x0a000300 + i, 77, 1);
	acq(nat, GW_PROTO_ICMP, 0x0a000400, 77, GW_ENOSPC);
	ck_assert_uint_eq(gw_nat_stats(nat)->table_full, 1);
	ck_assert_uint_eq(gw_nat_stats(nat)->exhausted, 0);
	gw_nat_unref(m[2], false);
	ck_assert_uint_eq(gw_nat_expire(nat, S(61), 5, NULL, NULL), 1);
	ck_assert_ptr_null(gw_nat_lookup_in(nat, GW_PROTO_ICMP, 0x0a000302,
					    77));
	m[2] = acq(nat, GW_PROTO_ICMP, 0x0a000400, 77, 1);
	ck_assert_uint_eq(gw_nat_stats(nat)->active, 5);
	ck_assert_uint_eq(gw_nat_stats(nat)->freed, 1);
	ck_assert_uint_eq(gw_nat_stats(nat)->created, 6);
	gw_nat_free(nat);
}
END_TEST

/* Timers with a fake clock: refs hold the mapping; after the last unref
 * it lives until last use + the protocol's timer. */
START_TEST(test_timers)
{
	static const struct {
		uint8_t proto;
		bool est;
		uint64_t timer;
	} t[] = {
		{GW_PROTO_UDP, false, S(300)},
		{GW_PROTO_UDP, true, S(300)},
		{GW_PROTO_TCP, true, S(7440)},
		{GW_PROTO_TCP, false, S(240)},
		{GW_PROTO_ICMP, false, S(60)},
	};
	size_t k;

	for (k = 0; k < GW_ARRAY_SIZE(t); k++) {
		struct gw_nat_pool_cfg c = mkcfg(pool4, 4, 1024, 65535, 1);
		struct gw_nat *nat = gw_nat_create(&c, 0, 16);
		struct gw_nat_map *m = NULL, *m2 = NULL, snap;
		uint64_t t0 = S(1000), t1 = S(1500);

		ck_assert_ptr_nonnull(nat);
		ck_assert_int_eq(gw_nat_acquire(nat, t[k].proto, 0x0a000009,
						4444, t0, &m), 1);
		ck_assert_int_eq(gw_nat_acquire(nat, t[k].proto, 0x0a000009,
						4444, t0, &m2), 0);
		gw_nat_ref(m); /* a third flow */
		ck_assert_uint_eq(m->refs, 3);
		gw_nat_touch(m, t1);
		gw_nat_touch(m, t0); /* time never goes back */
		ck_assert_uint_eq(m->last_ns, t1);
		/* referenced: never freed, however late */
		ck_assert_uint_eq(gw_nat_expire(nat, S(1000000), 16, NULL,
						NULL), 0);
		gw_nat_unref(m, t[k].est);
		gw_nat_unref(m, t[k].est);
		ck_assert_uint_eq(gw_nat_expire(nat, S(1000000), 16, NULL,
						NULL), 0);
		gw_nat_unref(m, t[k].est);
		ck_assert_uint_eq(m->refs, 0);
		gw_nat_unref(m, t[k].est); /* ignored */
		ck_assert_uint_eq(m->refs, 0);
		ck_assert_uint_eq(gw_nat_map_timeout(nat, m), t[k].timer);
		snap = *m;
		n_cb = 0;
		ck_assert_uint_eq(gw_nat_expire(nat, t1 + t[k].timer - 1, 16,
						count_cb, &n_cb), 0);
		ck_assert_ptr_eq(gw_nat_lookup_in(nat, t[k].proto, 0x0a000009,
						  4444), m);
		ck_assert_uint_eq(gw_nat_expire(nat, t1 + t[k].timer, 16,
						count_cb, &n_cb), 1);
		ck_assert_uint_eq(n_cb, 1);
		ck_assert_uint_eq(cb_last.ext_addr, snap.ext_addr);
		ck_assert_uint_eq(cb_last.ext_port, snap.ext_port);
		ck_assert_uint_eq(cb_last.in_port, 4444);
		ck_assert_ptr_null(gw_nat_lookup_in(nat, t[k].proto, 0x0a000009,
						    4444));
		ck_assert_ptr_null(gw_nat_lookup_out(nat, t[k].proto,
						     snap.ext_addr,
						     snap.ext_port));
		ck_assert_uint_eq(gw_nat_stats(nat)->active, 0);
		ck_assert_uint_eq(gw_nat_stats(nat)->freed, 1);
		/* the port is free again (preserved on re-acquire) */
		ck_assert_int_eq(gw_nat_acquire(nat, t[k].proto, 0x0a000009,
						4444, t1, &m), 1);
		ck_assert_uint_eq(m->ext_port, 4444);
		gw_nat_free(nat);
	}
}
END_TEST

/* A re-acquired idle mapping keeps its external endpoint; the sweep budget
 * bounds the work per call. */
START_TEST(test_expire_budget_and_reuse)
{
	struct gw_nat_pool_cfg c = mkcfg(pool1, 1, 1024, 65535, 1);
	struct gw_nat *nat = gw_nat_create(&c, 0, 100);
	struct gw_nat_map *m;
	uint16_t ext;
	uint32_t i, freed = 0, calls = 0;

	ck_assert_ptr_nonnull(nat);
	for (i = 0; i < 100; i++) {
		m = acq(nat, GW_PROTO_UDP, 0x0a000500 + i, 999, 1);
		gw_nat_unref(m, false);
	}
	/* idle but not expired: found again with the same external port */
	m = acq(nat, GW_PROTO_UDP, 0x0a000500, 999, 0);
	ext = m->ext_port;
	ck_assert_uint_eq(m->refs, 1);
	while (freed < 99) {
		uint32_t n = gw_nat_expire(nat, S(400), 7, NULL, NULL);

		ck_assert_uint_le(n, 7);
		freed += n;
		calls++;
		ck_assert_uint_le(calls, 100);
	}
	ck_assert_uint_eq(calls, 15); /* ceil(100 / 7) slots examined */
	ck_assert_uint_eq(gw_nat_stats(nat)->active, 1);
	ck_assert_ptr_eq(gw_nat_lookup_out(nat, GW_PROTO_UDP, POOL_A, ext), m);
	gw_nat_free(nat);
}
END_TEST

/* Many acquires/releases: the indexes and port counts stay consistent. */
START_TEST(test_churn)
{
	struct gw_nat_pool_cfg c = mkcfg(pool4, 3, 1024, 1123, 1);
	struct gw_nat *nat = gw_nat_create(&c, 0, 128);
	struct gw_nat_map *live[128];
	uint32_t n_live = 0, rng = 12345, iter;

	ck_assert_ptr_nonnull(nat);
	for (iter = 0; iter < 20000; iter++) {
		rng = rng * 1103515245 + 12345;
		if ((rng >> 16) % 3 != 0 && n_live < 64) {
			struct gw_nat_map *m = NULL;
			int rc = gw_nat_acquire(nat, GW_PROTO_TCP,
						0x0a000000 + (rng >> 20) % 64,
						(uint16_t)((rng >> 8) % 200 + 1000),
						S(iter), &m);

			/* idle mappings awaiting their timer may fill the
			 * table: that is a counted denial, never a crash */
			if (rc == GW_ENOSPC) {
				ck_assert_uint_gt(gw_nat_stats(nat)->table_full +
						  gw_nat_stats(nat)->exhausted, 0);
			} else {
				ck_assert_int_ge(rc, 0);
				live[n_live++] = m;
			}
		} else if (n_live > 0) {
			uint32_t j = (rng >> 12) % n_live;

			gw_nat_unref(live[j], false);
			live[j] = live[--n_live];
		}
		gw_nat_expire(nat, S(iter) + S(240), 16, NULL, NULL);
	}
	{
		const struct gw_nat_stats *st = gw_nat_stats(nat);
		int64_t free_total = 0;
		uint32_t a;

		ck_assert_uint_eq(st->created - st->freed, st->active);
		for (a = 0; a < 3; a++)
			free_total += gw_nat_free_ports(nat, GW_PROTO_TCP, a);
		ck_assert_int_eq(free_total, 300 - (int64_t)st->active);
		for (iter = 0; iter < n_live; iter++)
			ck_assert_ptr_eq(gw_nat_lookup_out(nat, GW_PROTO_TCP,
							   live[iter]->ext_addr,
							   live[iter]->ext_port),
					 live[iter]);
	}
	gw_nat_free(nat);
}
END_TEST

static Suite *
nat_suite(void)
{
	Suite *s = suite_create("nat");
	TCase *tc = tcase_create("alloc");

	tcase_add_test(tc, test_defaults_and_bad_cfg);
	tcase_add_test(tc, test_preserve_and_collision);
	tcase_add_test(tc, test_slices_and_owner);
	tcase_add_test(tc, test_alloc_in_own_slice);
	tcase_add_test(tc, test_paired_pooling);
	tcase_add_test(tc, test_paired_fallback);
	tcase_add_test(tc, test_eim);
	tcase_add_test(tc, test_exhaustion);
	tcase_add_test(tc, test_capacity);
	tcase_add_test(tc, test_timers);
	tcase_add_test(tc, test_expire_budget_and_reuse);
	tcase_add_test(tc, test_churn);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(nat_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
