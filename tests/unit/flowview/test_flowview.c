/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/flowview fed with synthetic records: the flow life cycle, caps and
 * evictions, filters, hosts, top and the JSON given to gwctl.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/gw_addr.h"
#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "flow/gw_flow.h"
#include "flowview/gw_flowview.h"
#include "policy/gw_policy.h"

#define SEC 1000000000ULL
#define T0 (1795309323ULL * SEC) /* 2026-11-22T01:02:03Z */

static struct gw_addr
A(const char *s)
{
	struct gw_addr a;

	ck_assert_int_eq(gw_addr_parse(s, &a), 0);
	return a;
}

static struct gw_record
rec(uint8_t type, uint8_t worker, uint64_t id, const char *src, uint16_t sport,
    const char *dst, uint16_t dport, uint64_t ts)
{
	struct gw_record r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.worker = worker;
	r.flow_id = id;
	r.src = A(src);
	r.dst = A(dst);
	r.af = gw_addr_is_v4(&r.src) ? GW_AF_INET : GW_AF_INET6;
	r.sport = sport;
	r.dport = dport;
	r.proto = 6;
	r.ts_ns = ts;
	r.start_ns = T0;
	r.vlan_outer = 100;
	r.vlan_inner = 100;
	r.rule_index = -1;
	snprintf(r.role, sizeof(r.role), "web");
	return r;
}

static void
set_name(struct gw_record *r, uint8_t app, const char *name)
{
	r->app = app;
	r->name_len = (uint8_t)strlen(name);
	memcpy(r->name, name, r->name_len);
}

static struct gw_flowview *
fv_new(uint32_t active, uint32_t ended, uint32_t hosts)
{
	struct gw_flowview_config c = {active, ended, hosts};
	struct gw_flowview *fv = gw_flowview_create(&c);

	ck_assert_ptr_nonnull(fv);
	return fv;
}

static struct gw_flowview_stats
stats(const struct gw_flowview *fv)
{
	struct gw_flowview_stats st;

	gw_flowview_get_stats(fv, &st);
	return st;
}

START_TEST(test_create)
{
	struct gw_flowview_config big = {GW_FLOWVIEW_CAP_MAX + 1, 0, 0};
	struct gw_flowview *fv = gw_flowview_create(NULL);
	struct gw_flowview_stats st;

	ck_assert_ptr_nonnull(fv);
	st = stats(fv);
	ck_assert_uint_eq(st.max_active, GW_FLOWVIEW_ACTIVE_DEFAULT);
	ck_assert_uint_eq(st.max_ended, 4096);
	ck_assert_uint_eq(st.max_hosts, GW_FLOWVIEW_HOSTS_DEFAULT);
	ck_assert_uint_eq(st.active + st.ended + st.hosts, 0);
	ck_assert_uint_eq(gw_flowview_list(fv, NULL, NULL, 0, NULL), 0);
	gw_flowview_free(fv);
	ck_assert_ptr_null(gw_flowview_create(&big));
	gw_flowview_free(NULL);
}
END_TEST

START_TEST(test_lifecycle)
{
	struct gw_flowview *fv = fv_new(16, 16, 16);
	struct gw_flowview_flow out[4];
	struct gw_record r;
	size_t total = 99;
	struct gw_flowview_stats st;

	r = rec(GW_REC_START, 1, 42, "10.1.2.3", 51514, "192.0.2.10", 443, T0);
	gw_flowview_record(fv, &r);
	ck_assert_uint_eq(gw_flowview_list(fv, NULL, out, 4, &total), 1);
	ck_assert_uint_eq(total, 1);
	ck_assert_uint_eq(out[0].state, GW_FLOWVIEW_STATE_ACTIVE);
	ck_assert_uint_eq(out[0].verdict, GW_VERDICT_PENDING);
	ck_assert_uint_eq(out[0].flow_id, 42);
	ck_assert_uint_eq(out[0].worker, 1);
	ck_assert_uint_eq(out[0].sport, 51514);
	ck_assert_uint_eq(out[0].dport, 443);
	ck_assert_str_eq(out[0].role, "web");
	ck_assert_int_eq(out[0].rule_index, -1);

	r = rec(GW_REC_VERDICT, 1, 42, "10.1.2.3", 51514, "192.0.2.10", 443,
		T0 + SEC);
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_FQDN_NOT_ALLOWED;
	r.rule_kind = GW_RULE_NONE;
	set_name(&r, GW_APP_TLS, "evil.example");
	r.pkts_toserver = 3;
	gw_flowview_record(fv, &r);
	r = rec(GW_FLOWVIEW_REC_UPDATE, 1, 42, "10.1.2.3", 51514, "192.0.2.10",
		443, T0 + 2 * SEC);
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_FQDN_NOT_ALLOWED;
	r.pkts_toserver = 5;
	r.bytes_toserver = 700;
	r.pkts_toclient = 2;
	r.bytes_toclient = 120;
	gw_flowview_record(fv, &r);
	ck_assert_uint_eq(gw_flowview_list(fv, NULL, out, 4, &total), 1);
	ck_assert_uint_eq(out[0].verdict, GW_VERDICT_DENY);
	ck_assert_uint_eq(out[0].reason, GW_REASON_FQDN_NOT_ALLOWED);
	ck_assert_uint_eq(out[0].app, GW_APP_TLS);
	ck_assert_uint_eq(out[0].name_len, 12);
	ck_assert_int_eq(memcmp(out[0].name, "evil.example", 12), 0);
	ck_assert_uint_eq(out[0].pkts_toserver, 5);
	ck_assert_uint_eq(out[0].bytes_toclient, 120);
	ck_assert_uint_eq(out[0].last_ns, T0 + 2 * SEC);

	/* An older UPDATE arriving late never lowers counters. */
	r.pkts_toserver = 4;
	r.ts_ns = T0 + SEC;
	gw_flowview_record(fv, &r);
	gw_flowview_list(fv, NULL, out, 4, NULL);
	ck_assert_uint_eq(out[0].pkts_toserver, 5);
	ck_assert_uint_eq(out[0].last_ns, T0 + 2 * SEC);

	/* END: no name on the record, the flow keeps the verdict's. */
	r = rec(GW_REC_END, 1, 42, "10.1.2.3", 51514, "192.0.2.10", 443,
		T0 + 7 * SEC);
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_FQDN_NOT_ALLOWED;
	r.end_cause = 4;
	r.pkts_toserver = 6;
	r.bytes_toserver = 760;
	gw_flowview_record(fv, &r);
	ck_assert_uint_eq(gw_flowview_list(fv, NULL, out, 4, &total), 1);
	ck_assert_uint_eq(out[0].state, GW_FLOWVIEW_STATE_ENDED);
	ck_assert_uint_eq(out[0].name_len, 12);
	ck_assert_uint_eq(out[0].end_cause, 4);
	ck_assert_uint_eq(out[0].pkts_toserver, 6);
	ck_assert_uint_eq(out[0].bytes_toserver, 760);
	ck_assert_uint_eq(out[0].last_ns, T0 + 7 * SEC);
	st = stats(fv);
	ck_assert_uint_eq(st.active, 0);
	ck_assert_uint_eq(st.ended, 1);
	ck_assert_uint_eq(st.records, 5);
	ck_assert_uint_eq(st.end_unknown, 0);
	gw_flowview_free(fv);
}
END_TEST

START_TEST(test_lost_start_and_ignored)
{
	struct gw_flowview *fv = fv_new(16, 16, 16);
	struct gw_flowview_flow out[4];
	struct gw_record r;
	struct gw_flowview_stats st;

	/* A VERDICT whose START was lost still makes an active flow. */
	r = rec(GW_REC_VERDICT, 0, 7, "10.0.0.1", 1000, "198.51.100.1", 80, T0);
	r.verdict = GW_VERDICT_ALLOW;
	r.rule_kind = GW_RULE_FQDN;
	r.rule_index = 3;
	set_name(&r, GW_APP_HTTP, "ok.example");
	gw_flowview_record(fv, &r);
	/* An END of a flow never seen goes straight to the ended ring. */
	r = rec(GW_REC_END, 0, 8, "10.0.0.2", 1001, "198.51.100.2", 22, T0 + 5);
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_PORT_NOT_ALLOWED;
	gw_flowview_record(fv, &r);
	r = rec(GW_REC_DNS, 0, 9, "10.0.0.3", 5353, "192.0.2.53", 53, T0);
	gw_flowview_record(fv, &r);
	r = rec(GW_REC_VERIFY, 0, 9, "10.0.0.3", 5353, "192.0.2.53", 53, T0);
	gw_flowview_record(fv, &r);
	r.type = 200;
	gw_flowview_record(fv, &r);
	st = stats(fv);
	ck_assert_uint_eq(st.records, 5);
	ck_assert_uint_eq(st.ignored, 3);
	ck_assert_uint_eq(st.active, 1);
	ck_assert_uint_eq(st.ended, 1);
	ck_assert_uint_eq(st.end_unknown, 1);
	/* Ignored records do not make hosts either. */
	ck_assert_uint_eq(st.hosts, 2);
	ck_assert_int_eq(gw_flowview_host(fv, &r.src, NULL), GW_ENOENT);
	ck_assert_uint_eq(gw_flowview_list(fv, NULL, out, 4, NULL), 2);
	ck_assert_uint_eq(out[0].flow_id, 7);
	ck_assert_uint_eq(out[0].rule_kind, GW_RULE_FQDN);
	ck_assert_int_eq(out[0].rule_index, 3);
	ck_assert_uint_eq(out[1].flow_id, 8);
	ck_assert_uint_eq(out[1].reason, GW_REASON_PORT_NOT_ALLOWED);
	ck_assert_uint_eq(out[1].start_ns, T0);
	gw_flowview_free(fv);
}
END_TEST

/* The same flow id on two workers is two flows. */
START_TEST(test_worker_key)
{
	struct gw_flowview *fv = fv_new(16, 16, 16);
	struct gw_record r;
	struct gw_flowview_flow out[4];

	r = rec(GW_REC_START, 0, 5, "10.0.0.1", 1, "192.0.2.1", 443, T0);
	gw_flowview_record(fv, &r);
	r.worker = 1;
	gw_flowview_record(fv, &r);
	ck_assert_uint_eq(stats(fv).active, 2);
	r.type = GW_REC_END;
	gw_flowview_record(fv, &r);
	ck_assert_uint_eq(stats(fv).active, 1);
	ck_assert_uint_eq(gw_flowview_list(fv, NULL, out, 4, NULL), 2);
	ck_assert_uint_eq(out[0].worker, 0);
	ck_assert_uint_eq(out[0].state, GW_FLOWVIEW_STATE_ACTIVE);
	ck_assert_uint_eq(out[1].worker, 1);
	ck_assert_uint_eq(out[1].state, GW_FLOWVIEW_STATE_ENDED);
	gw_flowview_free(fv);
}
END_TEST

START_TEST(test_active_eviction)
{
	struct gw_flowview *fv = fv_new(4, 8, 16);
	struct gw_flowview_flow out[8];
	struct gw_record r;
	uint64_t id;
	size_t n;

	for (id = 1; id <= 4; id++) {
		r = rec(GW_REC_START, 0, id, "10.0.0.1", (uint16_t)id,
			"192.0.2.1", 443, T0 + id);
		gw_flowview_record(fv, &r);
	}
	/* Flow 1 is touched: flow 2 is now the least recently updated. */
	r = rec(GW_FLOWVIEW_REC_UPDATE, 0, 1, "10.0.0.1", 1, "192.0.2.1", 443,
		T0 + 10);
	gw_flowview_record(fv, &r);
	for (id = 5; id <= 6; id++) {
		r = rec(GW_REC_START, 0, id, "10.0.0.1", (uint16_t)id,
			"192.0.2.1", 443, T0 + 10 + id);
		gw_flowview_record(fv, &r);
	}
	ck_assert_uint_eq(stats(fv).active, 4);
	ck_assert_uint_eq(stats(fv).active_evicted, 2);
	n = gw_flowview_list(fv, NULL, out, 8, NULL);
	ck_assert_uint_eq(n, 4);
	/* Newest first by last update. */
	ck_assert_uint_eq(out[0].flow_id, 6);
	ck_assert_uint_eq(out[1].flow_id, 5);
	ck_assert_uint_eq(out[2].flow_id, 1);
	ck_assert_uint_eq(out[3].flow_id, 4);
	/* The evicted flow's END is an unknown END. */
	r = rec(GW_REC_END, 0, 2, "10.0.0.1", 2, "192.0.2.1", 443, T0 + 20);
	gw_flowview_record(fv, &r);
	ck_assert_uint_eq(stats(fv).end_unknown, 1);
	gw_flowview_free(fv);
}
END_TEST

START_TEST(test_ended_ring)
{
	struct gw_flowview *fv = fv_new(16, 3, 16);
	struct gw_flowview_flow out[8];
	struct gw_record r;
	uint64_t id;
	size_t total;

	for (id = 1; id <= 5; id++) {
		r = rec(GW_REC_START, 0, id, "10.0.0.1", (uint16_t)id,
			"192.0.2.1", 443, T0 + id);
		gw_flowview_record(fv, &r);
		r.type = GW_REC_END;
		r.ts_ns = T0 + 100 + id;
		gw_flowview_record(fv, &r);
	}
	ck_assert_uint_eq(gw_flowview_list(fv, NULL, out, 8, &total), 3);
	ck_assert_uint_eq(total, 3);
	ck_assert_uint_eq(out[0].flow_id, 5);
	ck_assert_uint_eq(out[1].flow_id, 4);
	ck_assert_uint_eq(out[2].flow_id, 3);
	ck_assert_uint_eq(stats(fv).ended_overwritten, 2);
	ck_assert_uint_eq(stats(fv).ended, 3);
	ck_assert_uint_eq(stats(fv).active, 0);
	gw_flowview_free(fv);
}
END_TEST

START_TEST(test_filters)
{
	struct gw_flowview *fv = fv_new(16, 16, 16);
	struct gw_flowview_flow out[8];
	struct gw_addr h1 = A("10.0.0.1");
	struct gw_addr d2 = A("192.0.2.2");
	struct gw_addr v6 = A("2001:db8::1");
	struct gw_flowview_filter f;
	struct gw_record r;
	size_t total;
	size_t n;

	/* 1: web 10.0.0.1 -> .1:443 allowed, active */
	r = rec(GW_REC_VERDICT, 0, 1, "10.0.0.1", 1, "192.0.2.1", 443, T0 + 1);
	r.verdict = GW_VERDICT_ALLOW;
	gw_flowview_record(fv, &r);
	/* 2: web 10.0.0.1 -> .2:80 denied, ended */
	r = rec(GW_REC_END, 0, 2, "10.0.0.1", 2, "192.0.2.2", 80, T0 + 2);
	r.verdict = GW_VERDICT_DENY;
	gw_flowview_record(fv, &r);
	/* 3: lab 10.0.0.9 -> .2:443 denied, active */
	r = rec(GW_REC_VERDICT, 0, 3, "10.0.0.9", 3, "192.0.2.2", 443, T0 + 3);
	r.verdict = GW_VERDICT_DENY;
	snprintf(r.role, sizeof(r.role), "lab");
	gw_flowview_record(fv, &r);
	/* 4: web v6 -> 10.0.0.1:22 (host also matches as destination) */
	r = rec(GW_REC_START, 0, 4, "2001:db8::1", 4, "10.0.0.1", 22, T0 + 4);
	gw_flowview_record(fv, &r);

	memset(&f, 0, sizeof(f));
	f.host = &h1;
	n = gw_flowview_list(fv, &f, out, 8, &total);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(out[0].flow_id, 4);
	ck_assert_uint_eq(out[1].flow_id, 1);
	ck_assert_uint_eq(out[2].flow_id, 2);

	memset(&f, 0, sizeof(f));
	f.denied_only = true;
	n = gw_flowview_list(fv, &f, out, 8, &total);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[0].flow_id, 3);
	ck_assert_uint_eq(out[1].flow_id, 2);

	f.role = "web";
	n = gw_flowview_list(fv, &f, out, 8, &total);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(out[0].flow_id, 2);
	f.role = "nope";
	ck_assert_uint_eq(gw_flowview_list(fv, &f, out, 8, &total), 0);
	ck_assert_uint_eq(total, 0);

	/* why-style: src + dst (+ dport) */
	memset(&f, 0, sizeof(f));
	f.dst = &d2;
	ck_assert_uint_eq(gw_flowview_list(fv, &f, out, 8, NULL), 2);
	f.src = &h1;
	ck_assert_uint_eq(gw_flowview_list(fv, &f, out, 8, NULL), 1);
	ck_assert_uint_eq(out[0].flow_id, 2);
	f.dport = 443;
	ck_assert_uint_eq(gw_flowview_list(fv, &f, out, 8, NULL), 0);
	f.src = NULL;
	ck_assert_uint_eq(gw_flowview_list(fv, &f, out, 8, NULL), 1);
	ck_assert_uint_eq(out[0].flow_id, 3);

	/* Active flows of a host (quarantine). */
	memset(&f, 0, sizeof(f));
	f.src = &h1;
	f.active_only = true;
	ck_assert_uint_eq(gw_flowview_list(fv, &f, out, 8, NULL), 1);
	f.src = &v6;
	ck_assert_uint_eq(gw_flowview_list(fv, &f, out, 8, NULL), 1);
	ck_assert_uint_eq(out[0].flow_id, 4);

	/* Limit: copies max, counts all. */
	n = gw_flowview_list(fv, NULL, out, 2, &total);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(total, 4);
	ck_assert_uint_eq(gw_flowview_list(fv, NULL, NULL, 5, &total), 0);
	ck_assert_uint_eq(total, 4);
	gw_flowview_free(fv);
}
END_TEST

START_TEST(test_hosts)
{
	struct gw_flowview *fv = fv_new(16, 16, 2);
	struct gw_flowview_host h;
	struct gw_addr a1 = A("10.0.0.1");
	struct gw_addr a2 = A("10.0.0.2");
	struct gw_addr a3 = A("10.0.0.3");
	struct gw_record r;

	r = rec(GW_REC_START, 0, 1, "10.0.0.1", 1, "192.0.2.1", 443, T0 + 10);
	r.vlan_inner = 30;
	r.vlan_outer = 200;
	gw_flowview_record(fv, &r);
	ck_assert_int_eq(gw_flowview_host(fv, &a1, &h), 0);
	ck_assert_str_eq(h.role, "web");
	ck_assert_uint_eq(h.vlan_inner, 30);
	ck_assert_uint_eq(h.vlan_outer, 200);
	ck_assert_uint_eq(h.last_seen_ns, T0 + 10);
	/* An older record of the host does not rewind it. */
	r = rec(GW_REC_END, 0, 9, "10.0.0.1", 1, "192.0.2.1", 443, T0 + 5);
	snprintf(r.role, sizeof(r.role), "old");
	gw_flowview_record(fv, &r);
	ck_assert_int_eq(gw_flowview_host(fv, &a1, &h), 0);
	ck_assert_str_eq(h.role, "web");
	ck_assert_uint_eq(h.last_seen_ns, T0 + 10);
	/* A newer one moves it (VLAN re-mapped). */
	r = rec(GW_REC_START, 0, 2, "10.0.0.1", 2, "192.0.2.1", 443, T0 + 20);
	snprintf(r.role, sizeof(r.role), "lab");
	gw_flowview_record(fv, &r);
	ck_assert_int_eq(gw_flowview_host(fv, &a1, &h), 0);
	ck_assert_str_eq(h.role, "lab");
	ck_assert_uint_eq(h.vlan_inner, 100);
	/* Capacity 2: 10.0.0.2, then 10.0.0.1 seen again, then 10.0.0.3 evicts .2. */
	r = rec(GW_REC_START, 0, 3, "10.0.0.2", 3, "192.0.2.1", 443, T0 + 30);
	gw_flowview_record(fv, &r);
	r = rec(GW_REC_START, 0, 4, "10.0.0.1", 4, "192.0.2.1", 443, T0 + 40);
	gw_flowview_record(fv, &r);
	r = rec(GW_REC_START, 0, 5, "10.0.0.3", 5, "192.0.2.1", 443, T0 + 50);
	gw_flowview_record(fv, &r);
	ck_assert_int_eq(gw_flowview_host(fv, &a2, &h), GW_ENOENT);
	ck_assert_int_eq(gw_flowview_host(fv, &a1, &h), 0);
	ck_assert_int_eq(gw_flowview_host(fv, &a3, &h), 0);
	ck_assert_uint_eq(stats(fv).hosts, 2);
	ck_assert_uint_eq(stats(fv).hosts_evicted, 1);
	ck_assert_int_eq(gw_flowview_host(fv, NULL, &h), GW_EINVAL);
	gw_flowview_free(fv);
}
END_TEST

START_TEST(test_json)
{
	struct gw_flowview *fv = fv_new(16, 16, 16);
	struct gw_flowview_flow out[2];
	struct gw_record r;
	json_t *j;
	json_t *want;
	json_error_t jerr;

	r = rec(GW_REC_VERDICT, 1, 0x0100000000000007ULL, "10.1.2.3", 51514,
		"192.0.2.10", 443, T0 + 2 * SEC + 500000000ULL);
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_C2_SIGNATURE;
	r.rule_kind = GW_RULE_C2;
	r.rule_index = 0;
	r.sig_id = 1000001;
	r.vlan_inner = 30;
	set_name(&r, GW_APP_TLS, "cdn.bad\xff.test");
	r.pkts_toserver = 4;
	r.bytes_toserver = 517;
	gw_flowview_record(fv, &r);
	ck_assert_uint_eq(gw_flowview_list(fv, NULL, out, 2, NULL), 1);
	j = gw_flowview_flow_to_json(&out[0], T0 + 9 * SEC);
	ck_assert_ptr_nonnull(j);
	want = json_loads(
		"{\"flow_id\":72057594037927943,\"worker\":1,\"src_ip\":\"10.1.2.3\","
		"\"src_port\":51514,\"dest_ip\":\"192.0.2.10\",\"dest_port\":443,"
		"\"proto\":\"TCP\",\"vlan\":30,\"role\":\"web\",\"app\":\"tls\","
		"\"name\":\"cdn.bad\\\\xff.test\",\"verdict\":\"deny\","
		"\"reason\":\"c2_signature\",\"rule\":\"c2:1000001\",\"bind\":\"none\","
		"\"pkts_toserver\":4,\"pkts_toclient\":0,\"bytes_toserver\":517,"
		"\"bytes_toclient\":0,\"start\":\"2026-11-22T01:02:03.000000+0000\","
		"\"last\":\"2026-11-22T01:02:05.500000+0000\",\"age_s\":9,"
		"\"state\":\"active\"}",
		0, &jerr);
	ck_assert_msg(want != NULL, "%s", jerr.text);
	ck_assert_msg(json_equal(j, want), "%s", json_dumps(j, 0));
	json_decref(j);
	json_decref(want);

	/* Allowed, ended, no name, no role: nulls; age from start to end. */
	memset(&out[1], 0, sizeof(out[1]));
	out[1].state = GW_FLOWVIEW_STATE_ENDED;
	out[1].verdict = GW_VERDICT_ALLOW;
	out[1].rule_kind = GW_RULE_CIDR;
	out[1].rule_index = 2;
	out[1].bind_state = GW_BIND_STATE_BOUND;
	out[1].proto = 47;
	out[1].start_ns = T0;
	out[1].last_ns = T0 + 4 * SEC;
	out[1].src = A("2001:db8::1");
	out[1].dst = A("2001:db8::2");
	j = gw_flowview_flow_to_json(&out[1], T0 + 100 * SEC);
	ck_assert_ptr_nonnull(j);
	ck_assert(json_is_null(json_object_get(j, "role")));
	ck_assert(json_is_null(json_object_get(j, "app")));
	ck_assert(json_is_null(json_object_get(j, "name")));
	ck_assert(json_is_null(json_object_get(j, "reason")));
	ck_assert_str_eq(json_string_value(json_object_get(j, "rule")), "cidr:2");
	ck_assert_str_eq(json_string_value(json_object_get(j, "bind")), "bound");
	ck_assert_str_eq(json_string_value(json_object_get(j, "proto")), "47");
	ck_assert_str_eq(json_string_value(json_object_get(j, "src_ip")),
			 "2001:db8::1");
	ck_assert_str_eq(json_string_value(json_object_get(j, "state")), "ended");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "age_s")), 4);
	json_decref(j);

	j = gw_flowview_stats_to_json(fv);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "active")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "max_ended")), 16);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "records")), 1);
	json_decref(j);
	gw_flowview_free(fv);
}
END_TEST

/* Random START/END churn against a model: the index never loses a flow. */
START_TEST(test_churn)
{
	enum { N = 512 };
	struct gw_flowview *fv = fv_new(N, 64, 64);
	static bool live[N];
	unsigned int seed = 12345;
	size_t model = 0;
	size_t total;
	int step;

	memset(live, 0, sizeof(live));
	for (step = 0; step < 200000; step++) {
		uint32_t k;
		struct gw_record r;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % N;
		r = rec(live[k] ? GW_REC_END : GW_REC_START, (uint8_t)(k & 3),
			(uint64_t)k * 0x10001ULL, "10.0.0.1", (uint16_t)k,
			"192.0.2.1", 443, T0 + (uint64_t)step);
		gw_flowview_record(fv, &r);
		live[k] = !live[k];
		model += live[k] ? 1 : (size_t)-1;
	}
	ck_assert_uint_eq(stats(fv).active, model);
	ck_assert_uint_eq(stats(fv).end_unknown, 0);
	ck_assert_uint_eq(stats(fv).active_evicted, 0);
	{
		struct gw_flowview_filter f = {.active_only = true};

		gw_flowview_list(fv, &f, NULL, 0, &total);
		ck_assert_uint_eq(total, model);
	}
	gw_flowview_free(fv);
}
END_TEST

static Suite *
flowview_suite(void)
{
	Suite *s = suite_create("flowview");
	TCase *tc = tcase_create("flowview");

	tcase_add_test(tc, test_create);
	tcase_add_test(tc, test_lifecycle);
	tcase_add_test(tc, test_lost_start_and_ignored);
	tcase_add_test(tc, test_worker_key);
	tcase_add_test(tc, test_active_eviction);
	tcase_add_test(tc, test_ended_ring);
	tcase_add_test(tc, test_filters);
	tcase_add_test(tc, test_hosts);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_churn);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(flowview_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
