/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy settings of nat mode, monitoring, evidence and reload: defaults,
 * every key with values other than the defaults, range limits, each
 * validation error at its line:col, the nat example file, and that
 * docs/policy.md documents every key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "gw_test.h"
#include "policy/gw_policy.h"

#define NAT_EXAMPLE GW_SRCDIR "/config/nat-example.yaml"
#define EXAMPLE_POLICY GW_SRCDIR "/config/example.yaml"
#define POLICY_DOC GW_SRCDIR "/docs/policy.md"

#define NS UINT64_C(1000000000)

static struct gw_policy *
load_ok(const char *yaml, struct gw_diags *dg)
{
	struct gw_policy *p = NULL;
	unsigned int i;
	int rc;

	rc = gw_policy_load_string(yaml, strlen(yaml), "cfg.yaml", &p, dg);
	for (i = 0; rc != 0 && i < dg->n; i++)
		fprintf(stderr, "%u:%u: %s\n", dg->d[i].line, dg->d[i].col,
			dg->d[i].msg);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(p);
	return p;
}

static char *
addr_str(const struct gw_addr *a, char *buf)
{
	return gw_addr_to_str(a, buf, GW_ADDR_STRLEN);
}

/* ---- defaults ---- */

START_TEST(test_defaults)
{
	struct gw_diags dg;
	struct gw_policy *p = load_ok("egress_policy: {}\n", &dg);
	const struct gw_gateway_cfg *g = &p->gw;
	const struct gw_monitoring_cfg *m = &p->mon;

	ck_assert_uint_eq(dg.n, 0);
	ck_assert_uint_eq(g->mode, GW_MODE_BRIDGE);
	ck_assert_uint_eq(g->nat.n_vlans, 0);
	ck_assert_ptr_null(g->nat.vlans);
	ck_assert_uint_eq(g->nat.pool.n_addrs, 0);
	ck_assert_uint_eq(g->nat.pool.port_lo, 1024);
	ck_assert_uint_eq(g->nat.pool.port_hi, 65535);
	ck_assert(!g->nat.wan.addr.set);
	ck_assert(!g->nat.wan.next_hop_set);
	ck_assert_uint_eq(g->nat.mappings, 65536);
	ck_assert_uint_eq(g->nat.timeouts.tcp_established, 7440 * NS);
	ck_assert_uint_eq(g->nat.timeouts.tcp_transitory, 240 * NS);
	ck_assert_uint_eq(g->nat.timeouts.udp, 300 * NS);
	ck_assert_uint_eq(g->nat.timeouts.icmp, 60 * NS);
	ck_assert_uint_eq(g->nat.neigh.capacity, 4096);
	ck_assert_uint_eq(g->nat.neigh.reachable_s, 300);
	ck_assert_uint_eq(g->nat.neigh.queue_per_entry, 4);
	ck_assert_uint_eq(g->nat.neigh.queue_total, 1024);
	ck_assert_ptr_null(gw_policy_nat_vlan(p, 10));

	ck_assert_str_eq(g->evidence.dir, "/var/lib/egressgw/evidence");
	ck_assert_uint_eq(g->evidence.window_s, 300);
	ck_assert_uint_eq(g->evidence.max_bytes, 104857600);
	ck_assert_uint_eq(g->evidence.total_max_bytes, 1073741824);
	ck_assert(g->evidence.on_c2);
	ck_assert(g->evidence.on_quarantine);
	ck_assert(g->reload.reset_revoked);

	ck_assert_uint_eq(m->stats_interval_s, 60);
	ck_assert(m->drift_sigma == 3.0);
	ck_assert(m->drift_alpha == 0.05);
	ck_assert_uint_eq(m->drift_min_minutes, 30);
	ck_assert_uint_eq(m->beacon_min_count, 6);
	ck_assert(m->beacon_max_jitter == 0.1);
	ck_assert_uint_eq(m->beacon_max_bytes, 65536);
	ck_assert(m->new_destination_alerts);
	ck_assert_uint_eq(m->max_hosts, 4096);
	ck_assert_uint_eq(m->max_destinations, 16384);
	ck_assert_uint_eq(m->max_pairs, 65536);
	ck_assert_uint_eq(m->update_interval_s, 60);
	gw_policy_free(p);
}
END_TEST

/* ---- every key, values other than the defaults ---- */

static const char nat_yaml[] =
	"egress_policy:\n"                                             /* 1 */
	"  roles:\n"
	"    web: {vlans: [10]}\n"
	"    app: {vlans: [4094, 20]}\n"
	"gateway:\n"                                                   /* 5 */
	"  mode: NAT\n"
	"  nat:\n"
	"    lan:\n"
	"      vlans:\n"
	"        - {vlan: 4094, address: 10.40.0.1/16}\n"              /* 10 */
	"        - {vlan: 10, address: 10.10.0.1/24, address6: \"fd00:10::1/64\"}\n"
	"        - {vlan: 20, address: 10.20.0.254/31}\n"
	"        - {vlan: 30, address: 10.30.0.1/24}\n"
	"    wan:\n"
	"      address: 198.51.100.2/24\n"                             /* 15 */
	"      next_hop: 198.51.100.1\n"
	"      address6: \"2001:db8::2/64\"\n"
	"      next_hop6: \"2001:db8::1\"\n"
	"    pool:\n"
	"      addresses: [198.51.100.10, \"198.51.100.20-198.51.100.23\", 203.0.113.32/30, 198.51.100.2]\n"
	"      ports: 2000-2063\n"
	"    mappings: 1024\n"
	"    timeouts: {tcp_established_s: 1, tcp_transitory_s: 2, udp_s: 3, icmp_s: 604800}\n"
	"    neighbours: {capacity: 16, reachable_s: 86400, queue_per_entry: 0, queue_total: 65536}\n"
	"  evidence:\n"                                                /* 25 */
	"    dir: /tmp/ev\n"
	"    window_s: 1\n"
	"    max_bytes: 65536\n"
	"    total_max_bytes: 17592186044416\n"
	"    on_c2: false\n"                                           /* 30 */
	"    on_quarantine: FALSE\n"
	"  reload: {reset_revoked: false}\n"
	"monitoring:\n"
	"  required_metrics: [\"a\", \"b\"]\n"
	"  stats_interval_s: 86400\n"                                  /* 35 */
	"  drift_sigma: 100\n"
	"  drift_alpha: 1e-3\n"
	"  drift_min_minutes: 100000\n"
	"  beacon_min_count: 3\n"
	"  beacon_max_jitter: 0\n"                                     /* 40 */
	"  beacon_max_bytes: 1\n"
	"  new_destination_alerts: false\n"
	"  max_hosts: 16\n"
	"  max_destinations: 16777216\n"
	"  max_pairs: 100\n"                                           /* 45 */
	"  update_interval_s: 3600\n";

START_TEST(test_nat_all_keys)
{
	struct gw_diags dg;
	struct gw_policy *p = load_ok(nat_yaml, &dg);
	const struct gw_nat_cfg *n = &p->gw.nat;
	const struct gw_nat_vlan *v;
	char a[GW_ADDR_STRLEN], c[64];

	/* VLAN 30 has no role: a warning at its entry. */
	ck_assert_uint_eq(dg.n, 2);
	ck_assert(dg.d[0].warning);
	ck_assert_uint_eq(dg.d[0].line, 13);
	ck_assert_uint_eq(dg.d[0].col, 11);
	ck_assert_str_eq(dg.d[0].msg,
			 "gateway.nat.lan.vlans[3]: VLAN 30 maps to no role: its traffic is denied unknown_vlan");
	ck_assert_str_eq(dg.d[1].msg,
			 "monitoring.required_metrics: accepted, not enforced by this version");

	ck_assert_uint_eq(p->gw.mode, GW_MODE_NAT);
	ck_assert_uint_eq(n->n_vlans, 4);
	/* Sorted by VLAN id. */
	ck_assert_uint_eq(n->vlans[0].vlan, 10);
	ck_assert_uint_eq(n->vlans[1].vlan, 20);
	ck_assert_uint_eq(n->vlans[2].vlan, 30);
	ck_assert_uint_eq(n->vlans[3].vlan, 4094);
	v = gw_policy_nat_vlan(p, 10);
	ck_assert_ptr_eq(v, &n->vlans[0]);
	ck_assert_uint_eq(v->line, 11);
	ck_assert(v->addr.set);
	ck_assert_str_eq(addr_str(&v->addr.addr, a), "10.10.0.1");
	ck_assert_uint_eq(v->addr.plen, 24);
	ck_assert_str_eq(gw_cidr_to_str(&v->addr.net, c, sizeof(c)), "10.10.0.0/24");
	ck_assert(v->addr6.set);
	ck_assert_str_eq(addr_str(&v->addr6.addr, a), "fd00:10::1");
	ck_assert_uint_eq(v->addr6.plen, 64);
	ck_assert_str_eq(gw_cidr_to_str(&v->addr6.net, c, sizeof(c)), "fd00:10::/64");
	v = gw_policy_nat_vlan(p, 20);
	ck_assert_uint_eq(v->addr.plen, 31);
	ck_assert(!v->addr6.set);
	ck_assert_str_eq(gw_cidr_to_str(&gw_policy_nat_vlan(p, 4094)->addr.net, c, sizeof(c)),
			 "10.40.0.0/16");
	ck_assert_ptr_null(gw_policy_nat_vlan(p, 11));
	ck_assert_ptr_null(gw_policy_nat_vlan(p, 0));
	ck_assert_ptr_null(gw_policy_nat_vlan(NULL, 10));

	ck_assert_str_eq(addr_str(&n->wan.addr.addr, a), "198.51.100.2");
	ck_assert_uint_eq(n->wan.addr.plen, 24);
	ck_assert(n->wan.next_hop_set);
	ck_assert_str_eq(addr_str(&n->wan.next_hop, a), "198.51.100.1");
	ck_assert_str_eq(addr_str(&n->wan.addr6.addr, a), "2001:db8::2");
	ck_assert(n->wan.next_hop6_set);
	ck_assert_str_eq(addr_str(&n->wan.next_hop6, a), "2001:db8::1");

	/* 1 + 4 + 4 + 1 (the WAN address may be a pool address), sorted. */
	ck_assert_uint_eq(n->pool.n_addrs, 10);
	ck_assert_str_eq(addr_str(&n->pool.addrs[0], a), "198.51.100.2");
	ck_assert_str_eq(addr_str(&n->pool.addrs[1], a), "198.51.100.10");
	ck_assert_str_eq(addr_str(&n->pool.addrs[2], a), "198.51.100.20");
	ck_assert_str_eq(addr_str(&n->pool.addrs[5], a), "198.51.100.23");
	ck_assert_str_eq(addr_str(&n->pool.addrs[6], a), "203.0.113.32");
	ck_assert_str_eq(addr_str(&n->pool.addrs[9], a), "203.0.113.35");
	ck_assert_uint_eq(n->pool.port_lo, 2000);
	ck_assert_uint_eq(n->pool.port_hi, 2063);
	ck_assert_uint_eq(n->mappings, 1024);
	ck_assert_uint_eq(n->timeouts.tcp_established, 1 * NS);
	ck_assert_uint_eq(n->timeouts.tcp_transitory, 2 * NS);
	ck_assert_uint_eq(n->timeouts.udp, 3 * NS);
	ck_assert_uint_eq(n->timeouts.icmp, 604800 * NS);
	ck_assert_uint_eq(n->neigh.capacity, 16);
	ck_assert_uint_eq(n->neigh.reachable_s, 86400);
	ck_assert_uint_eq(n->neigh.queue_per_entry, 0);
	ck_assert_uint_eq(n->neigh.queue_total, 65536);

	ck_assert_str_eq(p->gw.evidence.dir, "/tmp/ev");
	ck_assert_uint_eq(p->gw.evidence.window_s, 1);
	ck_assert_uint_eq(p->gw.evidence.max_bytes, 65536);
	ck_assert_uint_eq(p->gw.evidence.total_max_bytes, UINT64_C(1) << 44);
	ck_assert(!p->gw.evidence.on_c2);
	ck_assert(!p->gw.evidence.on_quarantine);
	ck_assert(!p->gw.reload.reset_revoked);

	ck_assert_uint_eq(p->mon.stats_interval_s, 86400);
	ck_assert(p->mon.drift_sigma == 100.0);
	ck_assert(p->mon.drift_alpha == 0.001);
	ck_assert_uint_eq(p->mon.drift_min_minutes, 100000);
	ck_assert_uint_eq(p->mon.beacon_min_count, 3);
	ck_assert(p->mon.beacon_max_jitter == 0.0);
	ck_assert_uint_eq(p->mon.beacon_max_bytes, 1);
	ck_assert(!p->mon.new_destination_alerts);
	ck_assert_uint_eq(p->mon.max_hosts, 16);
	ck_assert_uint_eq(p->mon.max_destinations, 16777216);
	ck_assert_uint_eq(p->mon.max_pairs, 100);
	ck_assert_uint_eq(p->mon.update_interval_s, 3600);
	gw_policy_free(p);
}
END_TEST

START_TEST(test_nat_example)
{
	struct gw_policy *p = NULL;
	struct gw_diags dg;
	char summary[16384], a[GW_ADDR_STRLEN];
	unsigned int i;

	ck_assert_int_eq(gw_policy_load_file(NAT_EXAMPLE, &p, &dg), 0);
	for (i = 0; i < dg.n; i++)
		ck_assert_msg(dg.d[i].warning, "%u:%u: %s", dg.d[i].line,
			      dg.d[i].col, dg.d[i].msg);
	ck_assert_uint_eq(p->gw.mode, GW_MODE_NAT);
	ck_assert_uint_eq(p->n_roles, 2);
	ck_assert_str_eq(gw_policy_role_for_vlan(p, 10)->name, "web");
	ck_assert_str_eq(gw_policy_role_for_vlan(p, 20)->name, "app");
	ck_assert_uint_eq(p->gw.nat.n_vlans, 2);
	ck_assert_str_eq(addr_str(&gw_policy_nat_vlan(p, 10)->addr.addr, a), "10.10.0.1");
	ck_assert_str_eq(addr_str(&gw_policy_nat_vlan(p, 20)->addr6.addr, a), "fd00:20::1");
	ck_assert_str_eq(addr_str(&p->gw.nat.wan.next_hop6, a), "fe80::1");
	ck_assert_uint_eq(p->gw.nat.pool.n_addrs, 9);
	ck_assert_uint_eq(p->gw.nat.pool.port_lo, 1024);
	ck_assert_uint_eq(p->gw.nat.timeouts.tcp_established, 7440 * NS);

	ck_assert_int_gt(gw_policy_summary(p, summary, sizeof(summary)), 0);
	ck_assert_ptr_nonnull(strstr(summary, "  mode: nat\n"));
	ck_assert_ptr_nonnull(strstr(summary,
		"  nat.lan.vlans: 10 10.10.0.1/24 fd00:10::1/64, 20 10.20.0.1/24 fd00:20::1/64\n"));
	ck_assert_ptr_nonnull(strstr(summary, "  nat.wan.next_hop: 198.51.100.1\n"));
	ck_assert_ptr_nonnull(strstr(summary,
		"  nat.pool.addresses: 198.51.100.10, 198.51.100.20-198.51.100.23, 203.0.113.32-203.0.113.35\n"));
	ck_assert_ptr_nonnull(strstr(summary, "  nat.pool.ports: 1024-65535\n"));
	ck_assert_ptr_nonnull(strstr(summary, "  evidence.on_c2: true\n"));
	ck_assert_ptr_nonnull(strstr(summary, "monitoring:\n  stats_interval_s: 60\n"));
	ck_assert_ptr_nonnull(strstr(summary, "  drift_alpha: 0.05\n"));
	gw_policy_free(p);

	/* The bridge example: no nat lines in its summary. */
	ck_assert_int_eq(gw_policy_load_file(EXAMPLE_POLICY, &p, &dg), 0);
	ck_assert_uint_eq(p->gw.mode, GW_MODE_BRIDGE);
	ck_assert_uint_eq(p->mon.max_pairs, 65536);
	ck_assert_int_gt(gw_policy_summary(p, summary, sizeof(summary)), 0);
	ck_assert_ptr_nonnull(strstr(summary, "  mode: bridge\n"));
	ck_assert_ptr_null(strstr(summary, "nat."));
	gw_policy_free(p);
}
END_TEST

/* ---- errors ---- */

struct err_case {
	const char *yaml;
	const char *pos;  /* "line:col" */
	const char *msg;  /* substring of the message */
	unsigned int n;   /* errors reported; 0 means 1 */
};

#define EP0 "egress_policy: {}\n"
#define RW "egress_policy:\n  roles:\n    web: {vlans: [10]}\n"
/* Lines 1-3: RW; lines 4-14 a valid nat section (pool on line 13). */
#define NAT_HEAD RW "gateway:\n  mode: nat\n  nat:\n"
#define LAN10 "    lan:\n      vlans:\n        - {vlan: 10, address: 10.10.0.1/24}\n"
#define WAN "    wan:\n      address: 198.51.100.2/24\n      next_hop: 198.51.100.1\n"
#define POOL "    pool:\n      addresses: [198.51.100.10]\n"

static const struct err_case err_cases[] = {
	/* mode and the section */
	{EP0 "gateway:\n  mode: router\n", "3:9", "gateway.mode: invalid value 'router' (expected one of: bridge, nat)"},
	{EP0 "gateway:\n  nat:\n    lan: {vlans: [{vlan: 1, address: 10.0.0.1/24}]}\n"
	 "    wan: {address: 192.0.2.2/24, next_hop: 192.0.2.1}\n    pool: {addresses: [192.0.2.9]}\n",
	 "3:3", "gateway.nat requires mode: nat"},
	{EP0 "gateway:\n  mode: nat\n", "3:9",
	 "gateway.mode: nat requires a gateway.nat section (LAN VLANs, WAN address, pool)"},
	{NAT_HEAD WAN POOL, "7:5", "gateway.nat: missing required key 'lan'"},
	{NAT_HEAD LAN10 POOL, "7:5", "gateway.nat: missing required key 'wan'"},
	{NAT_HEAD LAN10 WAN, "7:5", "gateway.nat: missing required key 'pool'"},
	{NAT_HEAD "    lan: {vlans: []}\n" WAN POOL, "7:18", "gateway.nat.lan.vlans: expected 1 to 4094 VLANs, got 0"},
	{NAT_HEAD "    lan: {}\n" WAN POOL, "7:10", "gateway.nat.lan: missing required key 'vlans'"},
	/* LAN entries */
	{NAT_HEAD "    lan: {vlans: [{vlan: 0, address: 10.0.0.1/24}]}\n" WAN POOL, "7:26",
	 "gateway.nat.lan.vlans[0].vlan: value 0 out of range 1..4094"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 4095, address: 10.0.0.1/24}]}\n" WAN POOL, "7:26",
	 "value 4095 out of range 1..4094"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10}]}\n" WAN POOL, "7:19",
	 "gateway.nat.lan.vlans[0]: missing required key 'address'"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 10.10.0.1/24}, {vlan: 10, address: 10.11.0.1/24}]}\n"
	 WAN POOL, "7:61", "gateway.nat.lan.vlans[1]: duplicate VLAN 10 (first at line 7)"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 10.10.0.1}]}\n" WAN POOL, "7:39",
	 "address: invalid address '10.10.0.1': expected address/prefix (e.g. 10.10.0.1/24)"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 10.10.0.0/24}]}\n" WAN POOL, "7:39",
	 "the subnet's network address is not a host address"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 10.10.0.255/24}]}\n" WAN POOL, "7:39",
	 "the subnet's broadcast address is not a host address"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 10.10.0.1/32}]}\n" WAN POOL, "7:39",
	 "prefix length must be 1..31 (a subnet with hosts)"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 10.10.0.1/024}]}\n" WAN POOL, "7:39",
	 "prefix length must be 1..31"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: \"fd00::1/64\"}]}\n" WAN POOL, "7:39",
	 "expected an IPv4 address"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 10.10.0.1/24, address6: 10.11.0.1/24}]}\n" WAN POOL,
	 "7:63", "address6: invalid address '10.11.0.1/24': expected an IPv6 address (e.g. fd00:10::1/64)"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 10.10.0.1/24, address6: \"fd00::/64\"}]}\n" WAN POOL,
	 "7:63", "the subnet-router anycast address is not a host address"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 10.10.0.1/24, mtu: 1500}]}\n" WAN POOL, "7:53",
	 "gateway.nat.lan.vlans[0]: unknown key 'mtu'"},
	/* overlaps */
	{RW "    app: {vlans: [20]}\n" "gateway:\n  mode: nat\n  nat:\n"
	 "    lan:\n      vlans:\n        - {vlan: 10, address: 10.10.0.1/16}\n"
	 "        - {vlan: 20, address: 10.10.5.1/24}\n" WAN POOL, "11:31",
	 "gateway.nat.lan.vlans[1]: subnet 10.10.5.0/24 of VLAN 20 overlaps VLAN 10's 10.10.0.0/16 (line 10)"},
	{RW "    app: {vlans: [20]}\n" "gateway:\n  mode: nat\n  nat:\n"
	 "    lan:\n      vlans:\n        - {vlan: 10, address: 10.10.0.1/24, address6: \"fd00::1/48\"}\n"
	 "        - {vlan: 20, address: 10.20.0.1/24, address6: \"fd00:0:0:1::1/64\"}\n" WAN POOL, "11:55",
	 "IPv6 subnet of VLAN 20 overlaps VLAN 10's (line 10)"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 198.51.100.200/25}]}\n" WAN POOL, "7:39",
	 "subnet 198.51.100.128/25 of VLAN 10 overlaps the WAN subnet"},
	{NAT_HEAD "    lan: {vlans: [{vlan: 10, address: 10.10.0.1/24, address6: \"2001:db8::1/64\"}]}\n"
	 "    wan:\n      address: 198.51.100.2/24\n      next_hop: 198.51.100.1\n"
	 "      address6: \"2001:db8::2/48\"\n      next_hop6: \"fe80::1\"\n" POOL, "7:63",
	 "IPv6 subnet of VLAN 10 overlaps the WAN IPv6 subnet"},
	{NAT_HEAD LAN10 WAN "    pool:\n      addresses: [10.10.0.9]\n", "14:18",
	 "gateway.nat.pool.addresses: pool address 10.10.0.9 is inside VLAN 10's subnet (line 9)"},
	/* WAN */
	{NAT_HEAD LAN10 "    wan:\n      address: 198.51.100.2/24\n" POOL, "11:7",
	 "gateway.nat.wan: missing required key 'next_hop'"},
	{NAT_HEAD LAN10 "    wan:\n      next_hop: 198.51.100.1\n" POOL, "11:7",
	 "gateway.nat.wan: missing required key 'address'"},
	{NAT_HEAD LAN10 "    wan:\n      address: 198.51.100.2/24\n      next_hop: 198.51.101.1\n" POOL,
	 "12:17", "gateway.nat.wan.next_hop: next hop 198.51.101.1 is not in the WAN subnet 198.51.100.0/24"},
	{NAT_HEAD LAN10 "    wan:\n      address: 198.51.100.2/24\n      next_hop: 198.51.100.2\n" POOL,
	 "12:17", "the next hop is the gateway's own WAN address"},
	{NAT_HEAD LAN10 "    wan:\n      address: 198.51.100.2/24\n      next_hop: \"2001:db8::1\"\n" POOL,
	 "12:17", "gateway.nat.wan.next_hop: '2001:db8::1': expected an IPv4 address"},
	{NAT_HEAD LAN10 "    wan:\n      address: 198.51.100.2/24\n      next_hop: router\n" POOL,
	 "12:17", "gateway.nat.wan.next_hop: invalid address 'router'"},
	{NAT_HEAD LAN10 WAN "      address6: \"2001:db8::2/64\"\n" POOL, "13:7",
	 "gateway.nat.wan.address6: requires next_hop6 (the IPv6 router on the WAN)"},
	{NAT_HEAD LAN10 WAN "      next_hop6: \"2001:db8::1\"\n" POOL, "13:7",
	 "gateway.nat.wan.next_hop6: requires address6 (the gateway's IPv6 WAN address)"},
	{NAT_HEAD LAN10 WAN "      address6: \"2001:db8::2/64\"\n      next_hop6: \"2001:db9::1\"\n" POOL,
	 "14:18", "next hop 2001:db9::1 is neither in the WAN subnet 2001:db8::/64 nor link-local"},
	/* pool */
	{NAT_HEAD LAN10 WAN "    pool:\n      ports: 1024-65535\n", "14:7",
	 "gateway.nat.pool: missing required key 'addresses'"},
	{NAT_HEAD LAN10 WAN "    pool:\n      addresses: []\n", "14:18",
	 "gateway.nat.pool.addresses: the pool needs at least one address"},
	{NAT_HEAD LAN10 WAN "    pool:\n      addresses: [\"2001:db8::9\"]\n", "14:19",
	 "addresses[0]: invalid pool entry '2001:db8::9': the pool is IPv4 only"},
	{NAT_HEAD LAN10 WAN "    pool:\n      addresses: [198.51.100.0/19]\n", "14:19",
	 "invalid pool entry '198.51.100.0/19': invalid prefix (host bits must be clear)"},
	{NAT_HEAD LAN10 WAN "    pool:\n      addresses: [198.51.96.0/19]\n", "14:19",
	 "addresses[0]: the pool has more than 4096 addresses"},
	{NAT_HEAD LAN10 WAN "    pool:\n      addresses: [198.51.96.0/20, 198.51.112.0]\n", "14:35",
	 "addresses[1]: the pool has more than 4096 addresses"},
	{NAT_HEAD LAN10 WAN "    pool:\n      addresses: [198.51.100.9-198.51.100.8]\n", "14:19",
	 "the range's first address is above its last"},
	{NAT_HEAD LAN10 WAN "    pool:\n      addresses: [198.51.100.9-x]\n", "14:19",
	 "invalid range (expected FIRST-LAST)"},
	{NAT_HEAD LAN10 WAN "    pool:\n      addresses:\n        - 198.51.100.8/30\n        - 198.51.100.10-198.51.100.12\n",
	 "16:11", "addresses[1]: pool address 198.51.100.10 is listed twice (first at line 15)"},
	{NAT_HEAD LAN10 WAN POOL "      ports: 1024-1086\n", "15:14",
	 "port range '1024-1086' has 63 ports; at least 64 are needed"},
	{NAT_HEAD LAN10 WAN POOL "      ports: 0-1000\n", "15:14",
	 "port range '0-1000' must be LO-HI with 1 <= LO <= HI <= 65535"},
	{NAT_HEAD LAN10 WAN POOL "      ports: 2000-1000\n", "15:14", "must be LO-HI"},
	{NAT_HEAD LAN10 WAN POOL "      ports: 1024-65536\n", "15:14", "must be LO-HI"},
	{NAT_HEAD LAN10 WAN POOL "      ports: 1024:2048\n", "15:14",
	 "expected a port range such as 1024-65535, got '1024:2048'"},
	{NAT_HEAD LAN10 WAN POOL "      ports: [1024]\n", "15:14",
	 "expected a port range such as 1024-65535, got a list"},
	{NAT_HEAD LAN10 WAN POOL "    mappings: 1023\n", "15:15", "gateway.nat.mappings: value 1023 out of range 1024..16777216"},
	{NAT_HEAD LAN10 WAN POOL "    timeouts: {udp_s: 0}\n", "15:23", "gateway.nat.timeouts.udp_s: value 0 out of range 1..604800"},
	{NAT_HEAD LAN10 WAN POOL "    timeouts: {tcp_transitory_s: 604801}\n", "15:34", "out of range 1..604800"},
	{NAT_HEAD LAN10 WAN POOL "    neighbours: {capacity: 15}\n", "15:28", "gateway.nat.neighbours.capacity: value 15 out of range 16..1048576"},
	{NAT_HEAD LAN10 WAN POOL "    neighbours: {queue_per_entry: 65}\n", "15:35", "out of range 0..64"},
	{NAT_HEAD LAN10 WAN POOL "    neighbours: {queue_total: 65537}\n", "15:31", "out of range 0..65536"},
	{NAT_HEAD LAN10 WAN POOL "    neighbours: {reachable_s: 0}\n", "15:31", "out of range 1..86400"},
	/* roles against the LAN */
	{RW "    db: {vlans: [30]}\n" "gateway:\n  mode: nat\n  nat:\n" LAN10 WAN POOL, "4:18",
	 "egress_policy.roles.db.vlans: VLAN 30 has no entry in gateway.nat.lan.vlans: its hosts would have no gateway"},
	{RW "    db: {vlans: [untagged]}\n" "gateway:\n  mode: nat\n  nat:\n" LAN10 WAN POOL, "4:18",
	 "egress_policy.roles.db.vlans: untagged hosts have no gateway in nat mode"},
	/* evidence, reload */
	{EP0 "gateway:\n  evidence: {window_s: 0}\n", "3:24", "gateway.evidence.window_s: value 0 out of range 1..86400"},
	{EP0 "gateway:\n  evidence: {max_bytes: 65535}\n", "3:25", "out of range 65536..1099511627776"},
	{EP0 "gateway:\n  evidence: {total_max_bytes: 17592186044417}\n", "3:31", "out of range 65536..17592186044416"},
	{EP0 "gateway:\n  evidence: {on_c2: yes}\n", "3:21",
	 "gateway.evidence.on_c2: invalid value 'yes' (expected one of: true, false)"},
	{EP0 "gateway:\n  evidence: {dir: \"\"}\n", "3:19", "gateway.evidence.dir: empty string"},
	{EP0 "gateway:\n  reload: {reset_revoked: 1}\n", "3:27", "invalid value '1' (expected one of: true, false)"},
	{EP0 "gateway:\n  reload: {reset: true}\n", "3:12", "gateway.reload: unknown key 'reset'"},
	/* monitoring */
	{EP0 "monitoring: [a]\n", "2:13", "monitoring: expected a mapping, got a list"},
	{EP0 "monitoring: {foo: 1}\n", "2:14", "monitoring: unknown key 'foo'"},
	{EP0 "monitoring: {stats_interval_s: 0}\n", "2:32", "monitoring.stats_interval_s: value 0 out of range 1..86400"},
	{EP0 "monitoring: {stats_interval_s: 86401}\n", "2:32", "out of range 1..86400"},
	{EP0 "monitoring: {drift_sigma: 0.5}\n", "2:27", "monitoring.drift_sigma: value 0.5 out of range 1..100"},
	{EP0 "monitoring: {drift_sigma: 100.01}\n", "2:27", "out of range 1..100"},
	{EP0 "monitoring: {drift_sigma: \"3\"}\n", "2:27", "expected a number, got a quoted string '3'"},
	{EP0 "monitoring: {drift_sigma: inf}\n", "2:27", "expected a number, got 'inf'"},
	{EP0 "monitoring: {drift_sigma: 0x10}\n", "2:27", "expected a number, got '0x10'"},
	{EP0 "monitoring: {drift_sigma: 3e}\n", "2:27", "expected a number, got '3e'"},
	{EP0 "monitoring: {drift_sigma: .}\n", "2:27", "expected a number, got '.'"},
	{EP0 "monitoring: {drift_alpha: 0.0009}\n", "2:27", "out of range 0.001..1"},
	{EP0 "monitoring: {drift_alpha: 1.5}\n", "2:27", "out of range 0.001..1"},
	{EP0 "monitoring: {beacon_max_jitter: -0.1}\n", "2:33", "out of range 0..1"},
	{EP0 "monitoring: {beacon_min_count: 2}\n", "2:32", "out of range 3..1000"},
	{EP0 "monitoring: {beacon_min_count: 1001}\n", "2:32", "out of range 3..1000"},
	{EP0 "monitoring: {drift_min_minutes: 0}\n", "2:33", "out of range 1..100000"},
	{EP0 "monitoring: {beacon_max_bytes: 0}\n", "2:32", "out of range 1..1073741824"},
	{EP0 "monitoring: {max_hosts: 15}\n", "2:25", "out of range 16..16777216"},
	{EP0 "monitoring: {max_destinations: 16777217}\n", "2:32", "out of range 16..16777216"},
	{EP0 "monitoring: {max_pairs: 8}\n", "2:25", "out of range 16..16777216"},
	{EP0 "monitoring: {update_interval_s: 3601}\n", "2:33", "monitoring.update_interval_s: value 3601 out of range 1..3600"},
	{EP0 "monitoring: {new_destination_alerts: on}\n", "2:38", "invalid value 'on' (expected one of: true, false)"},
	{EP0 "monitoring: {required_metrics: [1, [x]]}\n", "2:36",
	 "monitoring.required_metrics[1]: expected a string, got a list"},
};

START_TEST(test_errors)
{
	const struct err_case *c = &err_cases[_i];
	struct gw_policy *p = (struct gw_policy *)1;
	struct gw_diags dg;
	unsigned int i, errors = 0;
	bool found = false;
	int rc;

	rc = gw_policy_load_string(c->yaml, strlen(c->yaml), "err.yaml", &p, &dg);
	ck_assert_msg(rc == GW_ECONFIG, "case %d: rc %d", _i + 1, rc);
	ck_assert_ptr_null(p);
	for (i = 0; i < dg.n; i++) {
		char pos[32];

		ck_assert(!dg.d[i].warning);
		errors++;
		snprintf(pos, sizeof(pos), "%u:%u", dg.d[i].line, dg.d[i].col);
		if (strcmp(pos, c->pos) == 0 && strstr(dg.d[i].msg, c->msg) != NULL)
			found = true;
	}
	if (!found || errors != (c->n != 0 ? c->n : 1))
		for (i = 0; i < dg.n; i++)
			fprintf(stderr, "case %d: got %u:%u: %s\n", _i + 1,
				dg.d[i].line, dg.d[i].col, dg.d[i].msg);
	ck_assert_msg(found, "case %d: no error %s '%s'", _i + 1, c->pos, c->msg);
	ck_assert_msg(errors == (c->n != 0 ? c->n : 1), "case %d: %u errors",
		      _i + 1, errors);
}
END_TEST

/* Valid edge values that must load. */
START_TEST(test_edges_ok)
{
	static const char *const ok[] = {
		/* exactly 64 ports, a single port range of 64 */
		RW "gateway:\n  mode: nat\n  nat:\n" LAN10 WAN POOL "      ports: 65472-65535\n",
		/* exactly 4096 pool addresses */
		RW "gateway:\n  mode: nat\n  nat:\n" LAN10 WAN
		"    pool:\n      addresses: [198.51.96.0/20]\n",
		/* a /31 LAN (RFC 3021): both addresses are hosts */
		RW "gateway:\n  mode: nat\n  nat:\n"
		"    lan: {vlans: [{vlan: 10, address: 10.10.0.0/31}]}\n" WAN POOL,
		/* bridge mode with the other new sections */
		EP0 "gateway:\n  mode: bridge\n  evidence: {on_c2: True}\nmonitoring: {drift_sigma: 1, drift_alpha: 1.0, beacon_max_jitter: 1}\n",
	};
	struct gw_policy *p;
	struct gw_diags dg;
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(ok); i++) {
		p = load_ok(ok[i], &dg);
		if (i == 0) {
			ck_assert_uint_eq(p->gw.nat.pool.port_lo, 65472);
			ck_assert_uint_eq(p->gw.nat.pool.port_hi, 65535);
		} else if (i == 1) {
			ck_assert_uint_eq(p->gw.nat.pool.n_addrs, GW_NAT_POOL_MAX);
		} else if (i == 2) {
			ck_assert_uint_eq(gw_policy_nat_vlan(p, 10)->addr.plen, 31);
		} else {
			ck_assert(p->gw.evidence.on_c2);
			ck_assert(p->mon.drift_sigma == 1.0);
			ck_assert(p->mon.beacon_max_jitter == 1.0);
		}
		gw_policy_free(p);
	}
}
END_TEST

/* Truncations of the nat example never crash and never leak. */
START_TEST(test_truncations)
{
	FILE *f = fopen(NAT_EXAMPLE, "rb");
	char *buf;
	long n;
	size_t len;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (len = 0; len <= (size_t)n; len += 7) {
		struct gw_policy *p = NULL;
		struct gw_diags dg;
		int rc = gw_policy_load_string(buf, len, "t", &p, &dg);

		ck_assert(rc == 0 || rc == GW_ECONFIG);
		ck_assert((rc == 0) == (p != NULL));
		gw_policy_free(p);
	}
	free(buf);
}
END_TEST

START_TEST(test_docs_cover_keys)
{
	static const char *const keys[] = {
		"mode", "nat", "lan", "vlans", "vlan", "address", "address6", "wan",
		"next_hop", "next_hop6", "pool", "addresses", "ports", "mappings",
		"tcp_established_s", "tcp_transitory_s", "udp_s", "icmp_s",
		"neighbours", "capacity", "reachable_s", "queue_per_entry",
		"queue_total", "evidence", "dir", "window_s", "max_bytes",
		"total_max_bytes", "on_c2", "on_quarantine", "reload",
		"reset_revoked", "monitoring", "required_metrics",
		"stats_interval_s", "drift_sigma", "drift_alpha",
		"drift_min_minutes", "beacon_min_count", "beacon_max_jitter",
		"beacon_max_bytes", "new_destination_alerts", "max_hosts",
		"max_destinations", "max_pairs", "update_interval_s",
	};
	FILE *f = fopen(POLICY_DOC, "rb");
	char *doc;
	long n;
	size_t i;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	doc = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(doc);
	ck_assert_uint_eq(fread(doc, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (i = 0; i < GW_ARRAY_SIZE(keys); i++) {
		char pat[64];

		snprintf(pat, sizeof(pat), "| `%s` |", keys[i]);
		ck_assert_msg(strstr(doc, pat) != NULL, "docs/policy.md has no row for %s",
			      keys[i]);
	}
	free(doc);
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite *s = suite_create("policy_cfg");
	TCase *tc = tcase_create("cfg");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_nat_all_keys);
	tcase_add_test(tc, test_nat_example);
	tcase_add_loop_test(tc, test_errors, 0, (int)GW_ARRAY_SIZE(err_cases));
	tcase_add_test(tc, test_edges_ok);
	tcase_add_test(tc, test_truncations);
	tcase_add_test(tc, test_docs_cover_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cfg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
