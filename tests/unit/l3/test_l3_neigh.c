/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/l3 neighbour cache (fake clock) and interface/route table. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "l3/gw_l3_if.h"
#include "l3/gw_neigh.h"
#include "l3_test_util.h"

#define MS 1000000ull
#define SEC (1000 * MS)

static const uint8_t MAC1[6] = {0x02, 0, 0, 0, 0, 0x11};
static const uint8_t MAC2[6] = {0x02, 0, 0, 0, 0, 0x22};

/* ---- recording callbacks ---- */

struct ev {
	char kind; /* 'p' probe, 's' send, 'd' drop */
	uint16_t ifidx;
	struct gw_addr ip;
	bool unicast;
	uint8_t mac[6];
	void *pkt;
	unsigned int reason;
};

struct rec {
	unsigned int n;
	struct ev ev[2048];
};

static void
cb_probe(void *ctx, uint16_t ifidx, const struct gw_addr *ip,
	 const uint8_t *mac)
{
	struct rec *r = ctx;
	struct ev *e;

	ck_assert_uint_lt(r->n, 2048);
	e = &r->ev[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = 'p';
	e->ifidx = ifidx;
	e->ip = *ip;
	e->unicast = mac != NULL;
	if (mac != NULL)
		memcpy(e->mac, mac, 6);
}

static void
cb_send(void *ctx, void *pkt, const uint8_t mac[6])
{
	struct rec *r = ctx;
	struct ev *e;

	ck_assert_uint_lt(r->n, 2048);
	e = &r->ev[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = 's';
	e->pkt = pkt;
	memcpy(e->mac, mac, 6);
}

static void
cb_drop(void *ctx, void *pkt, unsigned int reason)
{
	struct rec *r = ctx;
	struct ev *e;

	ck_assert_uint_lt(r->n, 2048);
	e = &r->ev[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = 'd';
	e->pkt = pkt;
	e->reason = reason;
}

static const struct gw_neigh_cbs cbs = {cb_probe, cb_send, cb_drop};

/* fake packets: addresses inside one array, compared by identity */
static char pkts[4096];
#define P(i) ((void *)&pkts[(i)])

static struct gw_neigh *
mk(uint32_t cap, uint32_t per, uint32_t global)
{
	struct gw_neigh_cfg c = {.capacity = cap,
				 .queue_per_entry = per,
				 .queue_global = global};
	struct gw_neigh *n = gw_neigh_create(&c);

	ck_assert_ptr_nonnull(n);
	return n;
}

static struct gw_addr
v4(unsigned int last)
{
	struct gw_addr a;
	uint8_t b[4] = {192, 168, 10, (uint8_t)last};

	gw_addr_from_v4(&a, b);
	return a;
}

static void
stats(struct gw_neigh *n, struct gw_neigh_stats *st)
{
	memset(st, 0xa5, sizeof(*st));
	gw_neigh_get_stats(n, st);
}

START_TEST(test_resolve_flow)
{
	struct gw_neigh *n = mk(16, 0, 0);
	struct gw_addr ip = v4(50), ip6 = A("2001:db8:10::50");
	struct gw_neigh_info info;
	struct gw_neigh_stats st;
	struct rec r = {0};
	uint8_t mac[6];
	unsigned int i;

	ck_assert_int_eq(gw_neigh_resolve(n, 1, &ip, P(0), 0, mac),
			 GW_NEIGH_QUEUED_PROBE);
	for (i = 1; i < 4; i++)
		ck_assert_int_eq(gw_neigh_resolve(n, 1, &ip, P(i), i * MS, mac),
				 GW_NEIGH_QUEUED);
	/* the default per-entry cap is 4 */
	ck_assert_int_eq(gw_neigh_resolve(n, 1, &ip, P(4), 5 * MS, mac),
			 GW_NEIGH_DROP_FULL);
	ck_assert_int_eq(gw_neigh_lookup(n, 1, &ip, &info), GW_OK);
	ck_assert_uint_eq(info.state, GW_NEIGH_INCOMPLETE);
	ck_assert_uint_eq(info.queued, 4);
	/* same address on another interface is another entry */
	ck_assert_int_eq(gw_neigh_lookup(n, 2, &ip, &info), GW_ENOENT);
	/* an update for an unknown address without create stores nothing */
	ck_assert_int_eq(gw_neigh_update(n, 1, &ip6, MAC2, true, false, 0,
					 &cbs, &r),
			 GW_NEIGH_NONE);
	ck_assert_int_eq(gw_neigh_update(n, 1, &ip, MAC1, true, false,
					 100 * MS, &cbs, &r),
			 GW_NEIGH_REACHABLE);
	ck_assert_uint_eq(r.n, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(r.ev[i].kind, 's');
		ck_assert_ptr_eq(r.ev[i].pkt, P(i));
		ck_assert_mem_eq(r.ev[i].mac, MAC1, 6);
	}
	ck_assert_int_eq(gw_neigh_resolve(n, 1, &ip, P(9), 200 * MS, mac),
			 GW_NEIGH_SEND);
	ck_assert_mem_eq(mac, MAC1, 6);
	/* nothing is pending: timers do nothing */
	r.n = 0;
	ck_assert_int_eq(gw_neigh_timers(n, 10 * SEC, &cbs, &r), 0);
	ck_assert_uint_eq(r.n, 0);
	stats(n, &st);
	ck_assert_uint_eq(st.entries, 1);
	ck_assert_uint_eq(st.queued, 0);
	ck_assert_uint_eq(st.queue_full, 1);
	ck_assert_uint_eq(st.probes, 1);
	ck_assert_uint_eq(st.failed, 0);
	ck_assert_uint_eq(st.evictions, 0);
	gw_neigh_free(n);
}
END_TEST

START_TEST(test_retry_then_fail)
{
	struct gw_neigh *n = mk(16, 0, 0);
	struct gw_addr ip = A("2001:db8:10::77");
	struct gw_neigh_stats st;
	struct rec r = {0};
	uint8_t mac[6];

	ck_assert_int_eq(gw_neigh_resolve(n, 3, &ip, P(0), 10 * SEC, mac),
			 GW_NEIGH_QUEUED_PROBE);
	ck_assert_int_eq(gw_neigh_resolve(n, 3, &ip, P(1), 10 * SEC, mac),
			 GW_NEIGH_QUEUED);
	/* before one second: nothing */
	ck_assert_int_eq(gw_neigh_timers(n, 11 * SEC - 1, &cbs, &r), 0);
	ck_assert_uint_eq(r.n, 0);
	/* probe 2 at +1 s, probe 3 at +2 s, both multicast/broadcast */
	ck_assert_int_eq(gw_neigh_timers(n, 11 * SEC, &cbs, &r), 1);
	ck_assert_int_eq(gw_neigh_timers(n, 11 * SEC + 500 * MS, &cbs, &r), 0);
	ck_assert_int_eq(gw_neigh_timers(n, 12 * SEC, &cbs, &r), 1);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.ev[0].kind, 'p');
	ck_assert_uint_eq(r.ev[0].ifidx, 3);
	ck_assert_mem_eq(r.ev[0].ip.b, ip.b, 16);
	ck_assert(!r.ev[0].unicast);
	ck_assert_int_eq(r.ev[1].kind, 'p');
	/* a late packet still queues */
	ck_assert_int_eq(gw_neigh_resolve(n, 3, &ip, P(2), 12 * SEC, mac),
			 GW_NEIGH_QUEUED);
	/* +3 s: failed, the queued packets come back in order for drop */
	ck_assert_int_eq(gw_neigh_timers(n, 13 * SEC, &cbs, &r), 1);
	ck_assert_uint_eq(r.n, 5);
	ck_assert_int_eq(r.ev[2].kind, 'd');
	ck_assert_ptr_eq(r.ev[2].pkt, P(0));
	ck_assert_ptr_eq(r.ev[3].pkt, P(1));
	ck_assert_ptr_eq(r.ev[4].pkt, P(2));
	ck_assert_uint_eq(r.ev[4].reason, GW_REASON_NEIGH_UNRESOLVED);
	ck_assert_int_eq(gw_neigh_lookup(n, 3, &ip, &(struct gw_neigh_info){0}),
			 GW_ENOENT);
	stats(n, &st);
	ck_assert_uint_eq(st.failed, 1);
	ck_assert_uint_eq(st.unresolved, 3);
	ck_assert_uint_eq(st.probes, 3);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.queued, 0);
	/* the next packet starts a new resolution */
	ck_assert_int_eq(gw_neigh_resolve(n, 3, &ip, P(3), 14 * SEC, mac),
			 GW_NEIGH_QUEUED_PROBE);
	r.n = 0;
	gw_neigh_flush(n, &cbs, &r);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_ptr_eq(r.ev[0].pkt, P(3));
	gw_neigh_free(n);
}
END_TEST

START_TEST(test_global_queue_cap)
{
	struct gw_neigh *n = mk(64, 3, 10);
	struct gw_neigh_stats st;
	struct rec r = {0};
	uint8_t mac[6];
	unsigned int i, k = 0;

	/* 3 addresses x 3 packets = 9, then the 10th fits, the 11th not */
	for (i = 0; i < 3; i++) {
		struct gw_addr ip = v4(10 + i);

		ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(k++), 0, mac),
				 GW_NEIGH_QUEUED_PROBE);
		ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(k++), 0, mac),
				 GW_NEIGH_QUEUED);
		ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(k++), 0, mac),
				 GW_NEIGH_QUEUED);
		ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(99), 0, mac),
				 GW_NEIGH_DROP_FULL);
	}
	{
		struct gw_addr ip = v4(20), ip2 = v4(21);

		ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(k++), 0, mac),
				 GW_NEIGH_QUEUED_PROBE);
		ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(99), 0, mac),
				 GW_NEIGH_DROP_FULL);
		/* global cap: no new resolution either */
		ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip2, P(99), 0, mac),
				 GW_NEIGH_DROP_FULL);
		ck_assert_int_eq(gw_neigh_lookup(n, 0, &ip2,
						 &(struct gw_neigh_info){0}),
				 GW_ENOENT);
	}
	stats(n, &st);
	ck_assert_uint_eq(st.queued, 10);
	ck_assert_uint_eq(st.queue_full, 5);
	/* resolving one frees its slots for others */
	{
		struct gw_addr ip = v4(10), ip2 = v4(21);

		ck_assert_int_eq(gw_neigh_update(n, 0, &ip, MAC1, true, false, 0,
						 &cbs, &r),
				 GW_NEIGH_REACHABLE);
		ck_assert_uint_eq(r.n, 3);
		ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip2, P(k++), 0, mac),
				 GW_NEIGH_QUEUED_PROBE);
	}
	r.n = 0;
	gw_neigh_flush(n, &cbs, &r);
	ck_assert_uint_eq(r.n, 8);
	for (k = 0; k < r.n; k++) {
		ck_assert_int_eq(r.ev[k].kind, 'd');
		ck_assert_ptr_ne(r.ev[k].pkt, P(99));
	}
	stats(n, &st);
	ck_assert_uint_eq(st.queued, 0);
	ck_assert_uint_eq(st.entries, 0);
	gw_neigh_free(n);
}
END_TEST

START_TEST(test_aging_stale_probe)
{
	struct gw_neigh_cfg c = {.capacity = 8, .reachable_ms = 300000};
	struct gw_neigh *n = gw_neigh_create(&c);
	struct gw_addr ip = v4(1);
	struct gw_neigh_info info;
	struct rec r = {0};
	uint8_t mac[6];

	ck_assert_ptr_nonnull(n);
	/* learned from a reply with create (e.g. next hop answered) */
	ck_assert_int_eq(gw_neigh_update(n, 0, &ip, MAC1, true, true, 0, &cbs,
					 &r),
			 GW_NEIGH_REACHABLE);
	ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(0), 300 * SEC - 1, mac),
			 GW_NEIGH_SEND);
	/* 300 s after confirmation: stale, sent anyway, probed once */
	ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(1), 300 * SEC, mac),
			 GW_NEIGH_SEND_PROBE);
	ck_assert_mem_eq(mac, MAC1, 6);
	ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(2), 300 * SEC + 1, mac),
			 GW_NEIGH_SEND);
	ck_assert_int_eq(gw_neigh_lookup(n, 0, &ip, &info), GW_OK);
	ck_assert_uint_eq(info.state, GW_NEIGH_STALE);
	ck_assert_uint_eq(info.probes, 1);
	/* re-probes are unicast to the known MAC */
	ck_assert_int_eq(gw_neigh_timers(n, 301 * SEC, &cbs, &r), 1);
	ck_assert_int_eq(r.ev[0].kind, 'p');
	ck_assert(r.ev[0].unicast);
	ck_assert_mem_eq(r.ev[0].mac, MAC1, 6);
	/* answered: reachable again, no more probes */
	ck_assert_int_eq(gw_neigh_update(n, 0, &ip, MAC1, true, false,
					 301 * SEC + 5, &cbs, &r),
			 GW_NEIGH_REACHABLE);
	ck_assert_int_eq(gw_neigh_timers(n, 400 * SEC, &cbs, &r), 0);
	/* stale again and never answering: removed after max_probes */
	ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(3), 602 * SEC, mac),
			 GW_NEIGH_SEND_PROBE);
	r.n = 0;
	ck_assert_int_eq(gw_neigh_timers(n, 603 * SEC, &cbs, &r), 1);
	ck_assert_int_eq(gw_neigh_timers(n, 604 * SEC, &cbs, &r), 1);
	ck_assert_int_eq(gw_neigh_timers(n, 605 * SEC, &cbs, &r), 1);
	ck_assert_uint_eq(r.n, 2); /* two probes, then a removal (no packet) */
	ck_assert_int_eq(gw_neigh_lookup(n, 0, &ip, &info), GW_ENOENT);
	ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(4), 606 * SEC, mac),
			 GW_NEIGH_QUEUED_PROBE);
	r.n = 0;
	gw_neigh_flush(n, &cbs, &r);
	ck_assert_uint_eq(r.n, 1);
	gw_neigh_free(n);
}
END_TEST

START_TEST(test_unconfirmed_updates)
{
	struct gw_neigh *n = mk(8, 0, 0);
	struct gw_addr ip = v4(7);
	struct gw_neigh_info info;
	struct rec r = {0};
	uint8_t mac[6];

	/* a gratuitous ARP creates a STALE entry */
	ck_assert_int_eq(gw_neigh_update(n, 0, &ip, MAC1, false, true, 0, &cbs,
					 &r),
			 GW_NEIGH_STALE);
	ck_assert_int_eq(gw_neigh_update(n, 0, &ip, MAC1, true, false, 1, &cbs,
					 &r),
			 GW_NEIGH_REACHABLE);
	/* same MAC unconfirmed: unchanged; new MAC: stale with the new MAC */
	ck_assert_int_eq(gw_neigh_update(n, 0, &ip, MAC1, false, false, 2,
					 &cbs, &r),
			 GW_NEIGH_REACHABLE);
	ck_assert_int_eq(gw_neigh_update(n, 0, &ip, MAC2, false, false, 3,
					 &cbs, &r),
			 GW_NEIGH_STALE);
	ck_assert_int_eq(gw_neigh_lookup(n, 0, &ip, &info), GW_OK);
	ck_assert_mem_eq(info.mac, MAC2, 6);
	ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(0), 4, mac),
			 GW_NEIGH_SEND_PROBE);
	ck_assert_mem_eq(mac, MAC2, 6);
	/* an unconfirmed answer to an INCOMPLETE entry releases its queue */
	ip = v4(8);
	ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(1), 5, mac),
			 GW_NEIGH_QUEUED_PROBE);
	ck_assert_int_eq(gw_neigh_update(n, 0, &ip, MAC2, false, false, 6,
					 &cbs, &r),
			 GW_NEIGH_STALE);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_ptr_eq(r.ev[0].pkt, P(1));
	gw_neigh_free(n);
}
END_TEST

START_TEST(test_capacity_eviction)
{
	struct gw_neigh *n = mk(4, 0, 0);
	struct gw_neigh_stats st;
	struct gw_neigh_info info;
	struct rec r = {0};
	uint8_t mac[6];
	struct gw_addr ip;
	unsigned int i;

	/* 4 resolved entries, .1 used last-but-one, .2 least recently */
	for (i = 1; i <= 4; i++) {
		ip = v4(i);
		ck_assert_int_eq(gw_neigh_update(n, 0, &ip, MAC1, true, true,
						 i, &cbs, &r),
				 GW_NEIGH_REACHABLE);
	}
	ip = v4(1);
	ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(0), 10, mac),
			 GW_NEIGH_SEND);
	/* a fifth evicts .2 */
	ip = v4(5);
	ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(1), 11, mac),
			 GW_NEIGH_QUEUED_PROBE);
	ip = v4(2);
	ck_assert_int_eq(gw_neigh_lookup(n, 0, &ip, &info), GW_ENOENT);
	ip = v4(1);
	ck_assert_int_eq(gw_neigh_lookup(n, 0, &ip, &info), GW_OK);
	stats(n, &st);
	ck_assert_uint_eq(st.evictions, 1);
	ck_assert_uint_eq(st.entries, 4);
	/* fill with INCOMPLETE entries: .3 .4 .1 go, then nothing is evictable */
	for (i = 6; i <= 8; i++) {
		ip = v4(i);
		ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(i), 12, mac),
				 GW_NEIGH_QUEUED_PROBE);
	}
	stats(n, &st);
	ck_assert_uint_eq(st.evictions, 4);
	ip = v4(9);
	ck_assert_int_eq(gw_neigh_resolve(n, 0, &ip, P(9), 13, mac),
			 GW_NEIGH_DROP_FULL);
	/* a create-update cannot make room either */
	ck_assert_int_eq(gw_neigh_update(n, 0, &ip, MAC2, true, true, 13, &cbs,
					 &r),
			 GW_NEIGH_NONE);
	/* the INCOMPLETE entries kept their packets */
	for (i = 5; i <= 8; i++) {
		ip = v4(i);
		ck_assert_int_eq(gw_neigh_lookup(n, 0, &ip, &info), GW_OK);
		ck_assert_uint_eq(info.state, GW_NEIGH_INCOMPLETE);
		ck_assert_uint_eq(info.queued, 1);
	}
	stats(n, &st);
	ck_assert_uint_eq(st.queue_full, 1);
	ck_assert_uint_eq(st.evictions, 4);
	/* all fail: every packet is returned, none lost */
	r.n = 0;
	gw_neigh_timers(n, 1 * SEC + 12, &cbs, &r);
	gw_neigh_timers(n, 2 * SEC + 12, &cbs, &r);
	gw_neigh_timers(n, 3 * SEC + 12, &cbs, &r);
	ck_assert_uint_eq(r.n, 4 * 2 + 4);
	stats(n, &st);
	ck_assert_uint_eq(st.unresolved, 4);
	ck_assert_uint_eq(st.entries, 0);
	gw_neigh_free(n);
}
END_TEST

START_TEST(test_many_entries)
{
	struct gw_neigh *n = mk(1000, 0, 0);
	struct gw_neigh_info info;
	struct gw_neigh_stats st;
	struct rec r = {0};
	struct gw_addr ip;
	uint8_t mac[6] = {2, 0, 0, 0, 0, 0};
	unsigned int i;

	ck_assert_ptr_null(gw_neigh_create(&(struct gw_neigh_cfg){0}));
	gw_neigh_free(NULL);
	for (i = 0; i < 3000; i++) {
		ip = A("2001:db8::");
		ip.b[14] = (uint8_t)(i >> 8);
		ip.b[15] = (uint8_t)i;
		mac[5] = (uint8_t)i;
		ck_assert_int_eq(gw_neigh_update(n, (uint16_t)(i % 3), &ip, mac,
						 true, true, i, &cbs, &r),
				 GW_NEIGH_REACHABLE);
	}
	for (i = 0; i < 3000; i++) {
		ip = A("2001:db8::");
		ip.b[14] = (uint8_t)(i >> 8);
		ip.b[15] = (uint8_t)i;
		ck_assert_int_eq(gw_neigh_lookup(n, (uint16_t)(i % 3), &ip,
						 &info),
				 i < 2000 ? GW_ENOENT : GW_OK);
		if (i >= 2000)
			ck_assert_uint_eq(info.mac[5], (uint8_t)i);
	}
	stats(n, &st);
	ck_assert_uint_eq(st.entries, 1000);
	ck_assert_uint_eq(st.evictions, 2000);
	gw_neigh_free(n);
}
END_TEST

/* ---- interface table and routes ---- */

static void
make_ifs(struct gw_l3_ifs *ifs)
{
	memset(ifs, 0, sizeof(*ifs));
	ifs->n_ifs = 4;
	ifs->ifs[0].role = GW_L3_LAN;
	ifs->ifs[0].encap.vid = 10;
	ifs->ifs[0].has_v4 = true;
	ifs->ifs[0].v4 = A("192.168.10.1");
	ifs->ifs[0].v4_plen = 24;
	ifs->ifs[0].has_v6 = true;
	ifs->ifs[0].v6 = A("2001:db8:10::1");
	ifs->ifs[0].v6_plen = 64;
	ifs->ifs[1].role = GW_L3_LAN;
	ifs->ifs[1].encap.vid = 20;
	ifs->ifs[1].has_v4 = true;
	ifs->ifs[1].v4 = A("10.20.0.1");
	ifs->ifs[1].v4_plen = 16;
	ifs->ifs[2].role = GW_L3_LAN;
	ifs->ifs[2].encap.vid = 30;
	ifs->ifs[2].has_v4 = true;
	ifs->ifs[2].v4 = A("10.20.5.1");
	ifs->ifs[2].v4_plen = 24; /* more specific than VLAN 20's /16 */
	ifs->ifs[3].role = GW_L3_WAN;
	ifs->ifs[3].has_v4 = true;
	ifs->ifs[3].v4 = A("203.0.113.2");
	ifs->ifs[3].v4_plen = 24;
	ifs->wan = 3;
	ifs->has_gw4 = true;
	ifs->gw4 = A("203.0.113.1");
	ifs->n_pool = 1;
	ck_assert_int_eq(gw_cidr_parse("198.51.100.0/30", &ifs->pool[0]), 0);
}

struct route_vec {
	const char *dst;
	int rc;
	unsigned int ifidx;
	const char *nexthop;
};

static const struct route_vec route_vecs[] = {
	{"192.168.10.77", GW_OK, 0, "192.168.10.77"},
	{"10.20.9.9", GW_OK, 1, "10.20.9.9"},
	{"10.20.5.9", GW_OK, 2, "10.20.5.9"},   /* longest prefix */
	{"203.0.113.99", GW_OK, 3, "203.0.113.99"}, /* WAN subnet */
	{"8.8.8.8", GW_OK, 3, "203.0.113.1"},   /* default */
	{"2001:db8:10::abc", GW_OK, 0, "2001:db8:10::abc"},
	{"2001:db8:99::1", GW_ENOENT, 0, NULL}, /* no v6 default */
	{"fe80::5", GW_ENOENT, 0, NULL},
	{"ff02::1", GW_ENOENT, 0, NULL},
	{"224.0.0.5", GW_ENOENT, 0, NULL},
	{"255.255.255.255", GW_ENOENT, 0, NULL},
	{"0.1.2.3", GW_ENOENT, 0, NULL},
};

START_TEST(test_route)
{
	const struct route_vec *v = &route_vecs[_i];
	struct gw_l3_ifs ifs;
	struct gw_l3_route r;
	struct gw_addr d = A(v->dst), nh;

	make_ifs(&ifs);
	ck_assert_int_eq(gw_l3_ifs_check(&ifs), GW_OK);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(gw_l3_route(&ifs, &d, &r), v->rc);
	if (v->rc == GW_OK) {
		nh = A(v->nexthop);
		ck_assert_uint_eq(r.ifidx, v->ifidx);
		ck_assert_mem_eq(r.nexthop.b, nh.b, 16);
	}
	/* without a WAN default, only connected subnets route */
	ifs.has_gw4 = false;
	if (v->rc == GW_OK && v->ifidx == 3 && strcmp(v->dst, "8.8.8.8") == 0)
		ck_assert_int_eq(gw_l3_route(&ifs, &d, &r), GW_ENOENT);
}
END_TEST

START_TEST(test_is_local_and_check)
{
	struct gw_l3_ifs ifs;
	enum gw_l3_local_kind kind;
	struct gw_addr a;

	make_ifs(&ifs);
	a = A("10.20.5.1");
	ck_assert_int_eq(gw_l3_is_local(&ifs, &a, &kind), 2);
	ck_assert_int_eq(kind, GW_L3_LOCAL_IF);
	a = A("2001:db8:10::1");
	ck_assert_int_eq(gw_l3_is_local(&ifs, &a, &kind), 0);
	a = A("198.51.100.3");
	ck_assert_int_eq(gw_l3_is_local(&ifs, &a, &kind), 3);
	ck_assert_int_eq(kind, GW_L3_LOCAL_POOL);
	ck_assert(gw_l3_is_local_on(&ifs, 3, &a));
	ck_assert(!gw_l3_is_local_on(&ifs, 0, &a));
	a = A("198.51.100.4");
	ck_assert_int_eq(gw_l3_is_local(&ifs, &a, NULL), GW_ENOENT);
	a = A("192.168.10.2");
	ck_assert_int_eq(gw_l3_is_local(&ifs, &a, NULL), GW_ENOENT);
	ck_assert_int_eq(gw_l3_if_by_vid(&ifs, 30), 2);
	ck_assert_int_eq(gw_l3_if_by_vid(&ifs, 40), -1);
	ck_assert_int_eq(gw_l3_if_addr(&ifs, 1, GW_AF_INET, &a), GW_OK);
	ck_assert_mem_eq(a.b, A("10.20.0.1").b, 16);
	ck_assert_int_eq(gw_l3_if_addr(&ifs, 1, GW_AF_INET6, &a), GW_ENOENT);
	ck_assert_int_eq(gw_l3_if_addr(&ifs, 9, GW_AF_INET, &a), GW_EINVAL);

	/* configuration errors */
	ck_assert_int_eq(gw_l3_ifs_check(&ifs), GW_OK);
	ifs.ifs[2].encap.vid = 20;
	ck_assert_int_eq(gw_l3_ifs_check(&ifs), GW_ECONFIG); /* duplicate VID */
	make_ifs(&ifs);
	ifs.gw4 = A("203.0.114.1");
	ck_assert_int_eq(gw_l3_ifs_check(&ifs), GW_ECONFIG); /* off-link gw */
	make_ifs(&ifs);
	ifs.ifs[1].role = GW_L3_WAN;
	ck_assert_int_eq(gw_l3_ifs_check(&ifs), GW_ECONFIG); /* two WANs */
	make_ifs(&ifs);
	ifs.ifs[0].v4_plen = 33;
	ck_assert_int_eq(gw_l3_ifs_check(&ifs), GW_ECONFIG);
	make_ifs(&ifs);
	ifs.ifs[0].v6 = A("10.0.0.1");
	ck_assert_int_eq(gw_l3_ifs_check(&ifs), GW_ECONFIG);
	make_ifs(&ifs);
	ifs.wan = -1;
	ck_assert_int_eq(gw_l3_ifs_check(&ifs), GW_ECONFIG);
}
END_TEST

static Suite *
l3_neigh_suite(void)
{
	Suite *s = suite_create("l3_neigh");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_resolve_flow);
	tcase_add_test(tc, test_retry_then_fail);
	tcase_add_test(tc, test_global_queue_cap);
	tcase_add_test(tc, test_aging_stale_probe);
	tcase_add_test(tc, test_unconfirmed_updates);
	tcase_add_test(tc, test_capacity_eviction);
	tcase_add_test(tc, test_many_entries);
	tcase_add_loop_test(tc, test_route, 0,
			    (int)(sizeof(route_vecs) / sizeof(route_vecs[0])));
	tcase_add_test(tc, test_is_local_and_check);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(l3_neigh_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
