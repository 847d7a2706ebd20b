/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/metrics: synthetic record streams with known answers (deltas across
 * minute boundaries, windows, top-N, new destinations per UTC day, drift,
 * beacons, caps and evictions).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "flow/gw_flow.h"
#include "gw_test.h"
#include "metrics/gw_metrics.h"

#define NS 1000000000ULL
#define MIN_NS (60 * NS)
/* 2023-11-14T00:00:00Z: a UTC midnight. */
#define T0 (1699920000ULL * NS)
#define T0_MIN (1699920000ULL / 60)

#define MAX_ALERTS 64

struct alerts {
	unsigned int n;
	struct gw_metrics_alert a[MAX_ALERTS];
};

static void
collect(const struct gw_metrics_alert *a, void *arg)
{
	struct alerts *al = arg;

	ck_assert_uint_lt(al->n, MAX_ALERTS);
	al->a[al->n++] = *a;
}

static struct gw_addr
addr(const char *s)
{
	struct gw_addr a;

	ck_assert_int_eq(gw_addr_parse(s, &a), 0);
	return a;
}

static struct gw_record
rec(uint8_t type, uint64_t flow_id, const char *src, const char *dst,
    const char *role, const char *name, uint64_t ts_ns)
{
	struct gw_record r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.verdict = GW_VERDICT_ALLOW;
	r.worker = 0;
	r.flow_id = flow_id;
	r.ts_ns = ts_ns;
	r.start_ns = ts_ns;
	r.src = addr(src);
	r.dst = addr(dst);
	snprintf(r.role, sizeof(r.role), "%s", role);
	if (name != NULL) {
		r.name_len = (uint8_t)strlen(name);
		memcpy(r.name, name, r.name_len);
	}
	return r;
}

static void
counts(struct gw_record *r, uint64_t pts, uint64_t ptc, uint64_t bts,
       uint64_t btc)
{
	r->pkts_toserver = pts;
	r->pkts_toclient = ptc;
	r->bytes_toserver = bts;
	r->bytes_toclient = btc;
}

static struct gw_metrics *
mk(void (*adj)(struct gw_metrics_cfg *))
{
	struct gw_metrics_cfg c;
	struct gw_metrics *m;

	gw_metrics_cfg_default(&c);
	c.max_hosts = 64;
	c.max_dests = 64;
	c.max_pairs = 64;
	c.max_flows = 64;
	c.max_seen = 64;
	if (adj != NULL)
		adj(&c);
	m = gw_metrics_create(&c);
	ck_assert_ptr_nonnull(m);
	return m;
}

static struct gw_metrics_counters
ctrs(const struct gw_metrics *m)
{
	struct gw_metrics_counters c;

	gw_metrics_get_counters(m, &c);
	return c;
}

/* One whole flow: START, VERDICT (name), END with the given totals. */
static void
flow(struct gw_metrics *m, uint64_t id, const char *src, const char *dst,
     const char *role, const char *name, uint64_t start, uint64_t end,
     uint64_t bts, uint64_t btc, struct alerts *al)
{
	struct gw_record r = rec(GW_REC_START, id, src, dst, role, NULL, start);
	gw_metrics_alert_fn fn = al != NULL ? collect : NULL;

	counts(&r, 1, 0, 0, 0);
	gw_metrics_feed(m, &r, fn, al);
	r = rec(GW_REC_VERDICT, id, src, dst, role, name, start);
	counts(&r, 1, 0, 0, 0);
	gw_metrics_feed(m, &r, fn, al);
	r = rec(GW_REC_END, id, src, dst, role, name, end);
	r.start_ns = start;
	counts(&r, 10, 10, bts, btc);
	gw_metrics_feed(m, &r, fn, al);
}

static json_t *
top(const struct gw_metrics *m, enum gw_metrics_top_kind k, const char *role,
    enum gw_metrics_window w, unsigned int limit)
{
	json_t *o = gw_metrics_top(m, k, role, w, limit);
	json_t *items;

	ck_assert_ptr_nonnull(o);
	items = json_object_get(o, "items");
	ck_assert(json_is_array(items));
	json_incref(items);
	json_decref(o);
	return items;
}

static long long
iget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", k);
	return json_integer_value(v);
}

static const char *
sget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	ck_assert_msg(json_is_string(v), "%s is not a string", k);
	return json_string_value(v);
}

static long long
series_at(json_t *series, const char *field, size_t i)
{
	json_t *arr = json_object_get(series, field);

	ck_assert(json_is_array(arr));
	ck_assert_uint_lt(i, json_array_size(arr));
	return json_integer_value(json_array_get(arr, i));
}

/* ---- configuration and parsing ---- */

START_TEST(test_cfg)
{
	static const struct {
		const char *s;
		int rc;
		enum gw_metrics_window w;
	} win[] = {
		{"1m", 0, GW_METRICS_WIN_1M}, {"1h", 0, GW_METRICS_WIN_1H},
		{"1d", 0, GW_METRICS_WIN_1D}, {"1w", GW_EINVAL, 0},
		{"", GW_EINVAL, 0},          {"1M", GW_EINVAL, 0},
		{"1m ", GW_EINVAL, 0},
	};
	struct gw_metrics_cfg c, bad;
	enum gw_metrics_window w;
	enum gw_metrics_top_kind k;
	size_t i;

	gw_metrics_cfg_default(&c);
	ck_assert_uint_eq(c.max_hosts, 65536);
	ck_assert_uint_eq(c.max_dests, 65536);
	ck_assert_uint_eq(c.max_pairs, 65536);
	ck_assert(c.drift_k == 3.0 && c.drift_alpha == 0.05);
	ck_assert_uint_eq(c.drift_min_samples, 30);
	ck_assert_uint_eq(c.beacon_min_count, 6);
	ck_assert(c.beacon_max_jitter == 0.1);
	ck_assert_uint_eq(c.beacon_max_bytes, 65536);
	ck_assert(c.alert_new_destination);
	ck_assert_int_eq(gw_metrics_cfg_check(&c), 0);

	for (i = 0; i < 9; i++) {
		bad = c;
		switch (i) {
		case 0: bad.max_hosts = 0; break;
		case 1: bad.max_seen = 0; break;
		case 2: bad.drift_alpha = 0; break;
		case 3: bad.drift_alpha = 1.5; break;
		case 4: bad.drift_k = NAN; break;
		case 5: bad.beacon_min_count = 2; break;
		case 6: bad.beacon_min_count = GW_METRICS_BEACON_HIST + 1; break;
		case 7: bad.beacon_max_jitter = -0.1; break;
		case 8: bad.max_flows = 1U << 25; break;
		}
		ck_assert_int_eq(gw_metrics_cfg_check(&bad), GW_ECONFIG);
		ck_assert_ptr_null(gw_metrics_create(&bad));
	}
	ck_assert_ptr_null(gw_metrics_create(NULL));
	gw_metrics_free(NULL);

	for (i = 0; i < GW_ARRAY_SIZE(win); i++) {
		w = (enum gw_metrics_window)99;
		ck_assert_int_eq(gw_metrics_window_parse(win[i].s, &w),
				 win[i].rc);
		if (win[i].rc == 0) {
			ck_assert_int_eq(w, win[i].w);
			ck_assert_str_eq(gw_metrics_window_name(w), win[i].s);
		}
	}
	ck_assert_int_eq(gw_metrics_window_parse(NULL, &w), GW_EINVAL);
	ck_assert_int_eq(gw_metrics_top_kind_parse("hosts_toserver", &k), 0);
	ck_assert_int_eq(k, GW_METRICS_TOP_HOSTS_TOSERVER);
	ck_assert_int_eq(gw_metrics_top_kind_parse("destinations", &k), 0);
	ck_assert_int_eq(k, GW_METRICS_TOP_DESTINATIONS);
	ck_assert_int_eq(gw_metrics_top_kind_parse("talkers", &k), GW_EINVAL);
	ck_assert_str_eq(gw_metrics_alert_type_name(GW_METRICS_ALERT_BEACON),
			 "beacon");
}
END_TEST

/* ---- deltas across minute boundaries ---- */

START_TEST(test_deltas)
{
	struct gw_metrics *m = mk(NULL);
	struct gw_metrics_counters c;
	struct gw_record r;
	struct gw_addr h = addr("10.0.0.1");
	json_t *o, *ro, *mins, *items;

	gw_metrics_tick(m, T0, NULL, NULL);
	r = rec(GW_REC_START, 7, "10.0.0.1", "192.0.2.9", "web", NULL,
		T0 + 10 * NS);
	counts(&r, 1, 0, 60, 0);
	gw_metrics_feed(m, &r, NULL, NULL);
	/* START alone attributes nothing: the verdict names the destination. */
	ck_assert_ptr_null(gw_metrics_host(m, &h));

	r = rec(GW_REC_VERDICT, 7, "10.0.0.1", "192.0.2.9", "web",
		"WWW.Example.COM", T0 + 11 * NS);
	counts(&r, 3, 1, 300, 100);
	gw_metrics_feed(m, &r, NULL, NULL);
	gw_metrics_tick(m, T0 + 60 * NS, NULL, NULL);

	r = rec(GW_REC_UPDATE, 7, "10.0.0.1", "192.0.2.9", "web", NULL,
		T0 + 70 * NS);
	counts(&r, 10, 8, 1300, 5100);
	gw_metrics_feed(m, &r, NULL, NULL);
	/* A counter going down is ignored, not a huge unsigned delta. */
	r.ts_ns = T0 + 80 * NS;
	counts(&r, 10, 8, 1200, 5100);
	gw_metrics_feed(m, &r, NULL, NULL);
	gw_metrics_tick(m, T0 + 120 * NS, NULL, NULL);

	r = rec(GW_REC_END, 7, "10.0.0.1", "192.0.2.9", "web", NULL,
		T0 + 130 * NS);
	counts(&r, 12, 10, 1500, 5300);
	gw_metrics_feed(m, &r, NULL, NULL);
	gw_metrics_tick(m, T0 + 180 * NS, NULL, NULL);

	c = ctrs(m);
	ck_assert_uint_eq(c.records[GW_REC_START], 1);
	ck_assert_uint_eq(c.records[GW_REC_VERDICT], 1);
	ck_assert_uint_eq(c.records[GW_REC_UPDATE], 2);
	ck_assert_uint_eq(c.records[GW_REC_END], 1);
	ck_assert_uint_eq(c.flows_active, 0);
	ck_assert_uint_eq(c.flows_unknown, 0);
	ck_assert_uint_eq(c.counter_regressions, 1);
	ck_assert_uint_eq(c.pkts_toserver, 12);
	ck_assert_uint_eq(c.pkts_toclient, 10);
	/* 300 + 1000, then counted again from 1200 after the regression */
	ck_assert_uint_eq(c.bytes_toserver, 1600);
	ck_assert_uint_eq(c.bytes_toclient, 5300);

	o = gw_metrics_host(m, &h);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(sget(o, "host"), "10.0.0.1");
	ck_assert_uint_eq(iget(o, "end_ts_ns"), T0 + 3 * MIN_NS);
	ro = json_array_get(json_object_get(o, "roles"), 0);
	ck_assert_ptr_nonnull(ro);
	ck_assert_str_eq(sget(ro, "role"), "web");
	ck_assert_int_eq(iget(ro, "flows"), 1);
	ck_assert_int_eq(iget(ro, "bytes_toserver"), 1600);
	mins = json_object_get(ro, "minutes");
	ck_assert_uint_eq(iget(mins, "start_ts_ns"), T0 - 57 * MIN_NS);
	ck_assert_int_eq(iget(mins, "step_s"), 60);
	/* Minutes T0, T0+1, T0+2 are the last three of 60. */
	ck_assert_int_eq(series_at(mins, "bytes_toserver", 56), 0);
	ck_assert_int_eq(series_at(mins, "bytes_toserver", 57), 300);
	ck_assert_int_eq(series_at(mins, "bytes_toclient", 57), 100);
	ck_assert_int_eq(series_at(mins, "pkts_toserver", 57), 3);
	ck_assert_int_eq(series_at(mins, "bytes_toserver", 58), 1000);
	ck_assert_int_eq(series_at(mins, "bytes_toclient", 58), 5000);
	ck_assert_int_eq(series_at(mins, "pkts_toclient", 58), 7);
	ck_assert_int_eq(series_at(mins, "bytes_toserver", 59), 300);
	ck_assert_int_eq(series_at(mins, "bytes_toclient", 59), 200);
	/* The hour of T0 holds the three closed minutes. */
	ck_assert_int_eq(series_at(json_object_get(ro, "hours"),
				   "bytes_toserver", 23), 1600);
	items = json_object_get(o, "destinations");
	ck_assert_uint_eq(json_array_size(items), 1);
	ck_assert_str_eq(sget(json_array_get(items, 0), "destination"),
			 "www.example.com");
	json_decref(o);

	/* 1m is the last closed minute only; 1h all three. */
	items = top(m, GW_METRICS_TOP_DESTINATIONS, NULL, GW_METRICS_WIN_1M, 5);
	ck_assert_uint_eq(json_array_size(items), 1);
	ck_assert_int_eq(iget(json_array_get(items, 0), "bytes"), 500);
	json_decref(items);
	items = top(m, GW_METRICS_TOP_HOSTS, NULL, GW_METRICS_WIN_1H, 5);
	ck_assert_int_eq(iget(json_array_get(items, 0), "bytes"), 6900);
	ck_assert_str_eq(sget(json_array_get(items, 0), "role"), "web");
	json_decref(items);
	gw_metrics_free(m);
}
END_TEST

/* UPDATE or END of a flow never started: counted, taken in full. */
START_TEST(test_unknown_flow)
{
	struct gw_metrics *m = mk(NULL);
	struct gw_metrics_counters c;
	struct gw_record r;

	r = rec(GW_REC_END, 9, "10.0.0.2", "192.0.2.1", "db", NULL,
		T0 + 5 * NS);
	counts(&r, 4, 4, 400, 800);
	gw_metrics_feed(m, &r, NULL, NULL);
	/* DNS and VERIFY records carry no counters. */
	r.type = GW_REC_DNS;
	gw_metrics_feed(m, &r, NULL, NULL);
	r.type = 200;
	gw_metrics_feed(m, &r, NULL, NULL);
	c = ctrs(m);
	ck_assert_uint_eq(c.flows_unknown, 1);
	ck_assert_uint_eq(c.flows_active, 0);
	ck_assert_uint_eq(c.bytes_toserver, 400);
	ck_assert_uint_eq(c.bytes_toclient, 800);
	ck_assert_uint_eq(c.records[GW_REC_DNS], 1);
	ck_assert_uint_eq(c.records[0], 1);
	gw_metrics_free(m);
}
END_TEST

/* ---- top-N, role filter, windows ---- */

static void
tick_to(struct gw_metrics *m, uint64_t *now, uint64_t to)
{
	for (; *now < to; *now += MIN_NS)
		gw_metrics_tick(m, *now, NULL, NULL);
	gw_metrics_tick(m, to, NULL, NULL);
	*now = to;
}

START_TEST(test_top)
{
	struct gw_metrics *m = mk(NULL);
	uint64_t now = T0;
	json_t *it;
	uint64_t id = 1;
	const uint64_t end = T0 + 180 * MIN_NS;

	gw_metrics_tick(m, now, NULL, NULL);
	/* 10.0.0.1: two hours ago (1d only). */
	tick_to(m, &now, end - 120 * MIN_NS);
	flow(m, id++, "10.0.0.1", "192.0.2.1", "web", "old.example",
	     now + NS, now + 2 * NS, 100000, 0, NULL);
	/* 10.0.0.2 and .3: half an hour ago (1h and 1d). */
	tick_to(m, &now, end - 30 * MIN_NS);
	flow(m, id++, "10.0.0.3", "192.0.2.1", "db", "b.example", now + NS,
	     now + 2 * NS, 3000, 1000, NULL);
	flow(m, id++, "10.0.0.2", "192.0.2.1", "web", "a.example", now + NS,
	     now + 2 * NS, 1000, 3000, NULL);
	/* 10.0.0.4 in the last minute, in two roles. */
	tick_to(m, &now, end - MIN_NS);
	flow(m, id++, "10.0.0.4", "192.0.2.1", "web", "a.example", now + NS,
	     now + 2 * NS, 700, 0, NULL);
	flow(m, id++, "10.0.0.4", "192.0.2.1", "db", "a.example", now + NS,
	     now + 2 * NS, 300, 0, NULL);
	tick_to(m, &now, end);

	/* 1m: only .4, merged over its roles (no single role to show). */
	it = top(m, GW_METRICS_TOP_HOSTS, NULL, GW_METRICS_WIN_1M, 10);
	ck_assert_uint_eq(json_array_size(it), 1);
	ck_assert_str_eq(sget(json_array_get(it, 0), "host"), "10.0.0.4");
	ck_assert_int_eq(iget(json_array_get(it, 0), "bytes"), 1000);
	ck_assert_ptr_null(json_object_get(json_array_get(it, 0), "role"));
	json_decref(it);
	/* Role filter: .4 counts only its web part. */
	it = top(m, GW_METRICS_TOP_HOSTS, "web", GW_METRICS_WIN_1M, 10);
	ck_assert_uint_eq(json_array_size(it), 1);
	ck_assert_int_eq(iget(json_array_get(it, 0), "bytes"), 700);
	ck_assert_str_eq(sget(json_array_get(it, 0), "role"), "web");
	json_decref(it);
	it = top(m, GW_METRICS_TOP_HOSTS, "nosuchrole", GW_METRICS_WIN_1D, 10);
	ck_assert_uint_eq(json_array_size(it), 0);
	json_decref(it);

	/* 1h: .2 and .3 tie at 4000 (key order), then .4. */
	it = top(m, GW_METRICS_TOP_HOSTS, NULL, GW_METRICS_WIN_1H, 10);
	ck_assert_uint_eq(json_array_size(it), 3);
	ck_assert_str_eq(sget(json_array_get(it, 0), "host"), "10.0.0.2");
	ck_assert_str_eq(sget(json_array_get(it, 1), "host"), "10.0.0.3");
	ck_assert_str_eq(sget(json_array_get(it, 2), "host"), "10.0.0.4");
	json_decref(it);
	/* By toserver bytes: .3 (3000) before .4 (1000) and .2 (1000, tie). */
	it = top(m, GW_METRICS_TOP_HOSTS_TOSERVER, NULL, GW_METRICS_WIN_1H, 2);
	ck_assert_uint_eq(json_array_size(it), 2);
	ck_assert_str_eq(sget(json_array_get(it, 0), "host"), "10.0.0.3");
	ck_assert_str_eq(sget(json_array_get(it, 1), "host"), "10.0.0.2");
	json_decref(it);
	/* 1d: .1 (two hours ago) leads. */
	it = top(m, GW_METRICS_TOP_HOSTS, NULL, GW_METRICS_WIN_1D, 10);
	ck_assert_uint_eq(json_array_size(it), 4);
	ck_assert_str_eq(sget(json_array_get(it, 0), "host"), "10.0.0.1");
	ck_assert_int_eq(iget(json_array_get(it, 0), "bytes"), 100000);
	json_decref(it);
	/* Destinations: a.example 5000 in 1h over two roles, b 4000. */
	it = top(m, GW_METRICS_TOP_DESTINATIONS, NULL, GW_METRICS_WIN_1H, 10);
	ck_assert_uint_eq(json_array_size(it), 2);
	ck_assert_str_eq(sget(json_array_get(it, 0), "destination"),
			 "a.example");
	ck_assert_int_eq(iget(json_array_get(it, 0), "bytes"), 5000);
	ck_assert_str_eq(sget(json_array_get(it, 1), "destination"),
			 "b.example");
	json_decref(it);
	it = top(m, GW_METRICS_TOP_DESTINATIONS, "db", GW_METRICS_WIN_1H, 10);
	ck_assert_uint_eq(json_array_size(it), 2);
	ck_assert_str_eq(sget(json_array_get(it, 0), "destination"),
			 "b.example");
	ck_assert_int_eq(iget(json_array_get(it, 1), "bytes"), 300);
	json_decref(it);
	it = top(m, GW_METRICS_TOP_DESTINATIONS, NULL, GW_METRICS_WIN_1D, 0);
	ck_assert_uint_eq(json_array_size(it), 0);
	json_decref(it);
	ck_assert_ptr_null(gw_metrics_top(m, (enum gw_metrics_top_kind)9, NULL,
					  GW_METRICS_WIN_1M, 1));
	gw_metrics_free(m);
}
END_TEST

/* ---- new destinations per UTC day ---- */

static void
nd_day(json_t *o, unsigned int role_i, long long today, long long yesterday)
{
	json_t *ro = json_array_get(json_object_get(o, "roles"), role_i);
	json_t *nd = json_object_get(ro, "new_destinations");

	ck_assert_int_eq(iget(nd, "today"), today);
	ck_assert_int_eq(iget(nd, "yesterday"), yesterday);
}

static void
no_new_dest_alerts(struct gw_metrics_cfg *c)
{
	c->alert_new_destination = false;
}

START_TEST(test_new_destinations)
{
	struct gw_metrics *m = mk(NULL);
	struct alerts al = {0};
	struct gw_addr h1 = addr("10.0.0.1"), h2 = addr("10.0.0.2");
	struct gw_record r;
	uint64_t late = T0 + 23 * 3600 * NS + 59 * MIN_NS;
	json_t *o, *snap;

	gw_metrics_tick(m, late, collect, &al);
	flow(m, 1, "10.0.0.1", "192.0.2.1", "web", "a.example", late, late + NS,
	     100, 100, &al);
	flow(m, 2, "10.0.0.1", "192.0.2.1", "web", "b.example", late, late + NS,
	     100, 100, &al);
	/* Seen before (case does not matter): not new. */
	flow(m, 3, "10.0.0.1", "192.0.2.1", "web", "A.EXAMPLE", late, late + NS,
	     100, 100, &al);
	/* A denied flow does not make its destination seen. */
	r = rec(GW_REC_VERDICT, 4, "10.0.0.1", "192.0.2.1", "web", "c.example",
		late);
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_FQDN_NOT_ALLOWED;
	gw_metrics_feed(m, &r, collect, &al);
	/* Another host of the role: new for it, not for the role. */
	flow(m, 5, "10.0.0.2", "192.0.2.1", "web", "a.example", late, late + NS,
	     100, 100, &al);
	ck_assert_uint_eq(al.n, 3);
	ck_assert_int_eq(al.a[0].type, GW_METRICS_ALERT_NEW_DESTINATION);
	ck_assert_int_eq(al.a[0].severity, GW_METRICS_SEV_LOW);
	ck_assert_str_eq(al.a[0].destination, "a.example");
	ck_assert_str_eq(al.a[0].role, "web");
	ck_assert_uint_eq(al.a[0].ts_ns, late);
	ck_assert_str_eq(al.a[1].destination, "b.example");
	ck_assert_uint_eq(al.a[1].count, 2);
	ck_assert(gw_addr_cmp(&al.a[2].host, &h2) == 0);

	o = gw_metrics_host(m, &h1);
	nd_day(o, 0, 2, 0);
	json_decref(o);

	/* Past UTC midnight: c.example is new, a.example is not. */
	gw_metrics_tick(m, T0 + 24 * 3600 * NS + MIN_NS, collect, &al);
	flow(m, 6, "10.0.0.1", "192.0.2.7", "web", NULL,
	     T0 + 24 * 3600 * NS + 61 * NS, T0 + 24 * 3600 * NS + 62 * NS, 1,
	     1, &al);
	flow(m, 7, "10.0.0.1", "192.0.2.1", "web", "c.example",
	     T0 + 24 * 3600 * NS + 61 * NS, T0 + 24 * 3600 * NS + 62 * NS, 1,
	     1, &al);
	flow(m, 8, "10.0.0.1", "192.0.2.1", "web", "a.example",
	     T0 + 24 * 3600 * NS + 61 * NS, T0 + 24 * 3600 * NS + 62 * NS, 1,
	     1, &al);
	ck_assert_uint_eq(al.n, 5);
	/* No name: the destination is the address. */
	ck_assert_str_eq(al.a[3].destination, "192.0.2.7");
	ck_assert_uint_eq(al.a[4].count, 2);
	o = gw_metrics_host(m, &h1);
	nd_day(o, 0, 2, 2);
	json_decref(o);
	snap = gw_metrics_snapshot(m);
	ck_assert_ptr_nonnull(snap);
	nd_day(snap, 0, 2, 2);
	json_decref(snap);

	/* Two days later both are zero. */
	gw_metrics_tick(m, T0 + 72 * 3600 * NS, NULL, NULL);
	o = gw_metrics_host(m, &h1);
	nd_day(o, 0, 0, 0);
	json_decref(o);
	ck_assert_uint_eq(ctrs(m).new_destinations, 5);
	ck_assert_uint_eq(ctrs(m).alerts_new_destination, 5);
	gw_metrics_free(m);

	/* Alerts off: still counted. */
	m = mk(no_new_dest_alerts);
	al.n = 0;
	flow(m, 1, "10.0.0.1", "192.0.2.1", "web", "a.example", late, late + NS,
	     100, 100, &al);
	ck_assert_uint_eq(al.n, 0);
	ck_assert_uint_eq(ctrs(m).new_destinations, 1);
	ck_assert_uint_eq(ctrs(m).alerts_new_destination, 0);
	gw_metrics_free(m);
}
END_TEST

/* ---- C2: counted, never re-alerted ---- */

START_TEST(test_c2_counted)
{
	struct gw_metrics *m = mk(NULL);
	struct alerts al = {0};
	struct gw_addr h = addr("10.0.0.9");
	struct gw_record r;
	json_t *o;

	r = rec(GW_REC_START, 1, "10.0.0.9", "198.51.100.1", "web", NULL, T0);
	gw_metrics_feed(m, &r, collect, &al);
	r = rec(GW_REC_VERDICT, 1, "10.0.0.9", "198.51.100.1", "web",
		"evil.example", T0 + NS);
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_C2_SIGNATURE;
	r.severity = 1;
	counts(&r, 2, 0, 600, 0);
	gw_metrics_feed(m, &r, collect, &al);
	ck_assert_uint_eq(al.n, 0);
	ck_assert_uint_eq(ctrs(m).c2_hits, 1);
	ck_assert_uint_eq(ctrs(m).new_destinations, 0);
	o = gw_metrics_host(m, &h);
	ck_assert_int_eq(
		iget(json_array_get(json_object_get(o, "roles"), 0), "c2_hits"),
		1);
	json_decref(o);
	gw_metrics_free(m);
}
END_TEST

/* ---- drift ---- */

static void
drift_cfg(struct gw_metrics_cfg *c)
{
	c->drift_min_bytes = 0;
	c->alert_new_destination = false;
}

static void
drift_default_cfg(struct gw_metrics_cfg *c)
{
	c->alert_new_destination = false;
}

/* One long flow; each minute an UPDATE adds bytes[i] toserver. */
static void
drift_run(struct gw_metrics *m, const uint64_t *bytes, size_t n,
	  struct alerts *al)
{
	struct gw_record r;
	uint64_t cum = 0;
	size_t i;

	r = rec(GW_REC_START, 1, "10.0.0.5", "192.0.2.5", "web", NULL, T0);
	gw_metrics_tick(m, T0, collect, al);
	gw_metrics_feed(m, &r, collect, al);
	for (i = 0; i < n; i++) {
		cum += bytes[i];
		r = rec(GW_REC_UPDATE, 1, "10.0.0.5", "192.0.2.5",
			"web", NULL, T0 + i * MIN_NS + 30 * NS);
		counts(&r, i + 1, 0, cum, 0);
		gw_metrics_feed(m, &r, collect, al);
		gw_metrics_tick(m, T0 + (i + 1) * MIN_NS, collect, al);
	}
}

START_TEST(test_drift_steady_spike)
{
	struct gw_metrics *m = mk(drift_cfg);
	struct alerts al = {0};
	uint64_t b[45];
	size_t i;

	for (i = 0; i < 45; i++)
		b[i] = 10000;
	b[40] = 500000;
	b[41] = 600000; /* still the same burst: cool-down */
	drift_run(m, b, 45, &al);
	ck_assert_uint_eq(al.n, 1);
	ck_assert_int_eq(al.a[0].type, GW_METRICS_ALERT_DRIFT);
	ck_assert_int_eq(al.a[0].severity, GW_METRICS_SEV_MEDIUM);
	ck_assert(al.a[0].value == 500000.0);
	ck_assert(al.a[0].mean == 10000.0);
	ck_assert(al.a[0].stddev == 0.0);
	ck_assert_uint_eq(al.a[0].count, 40);
	ck_assert_uint_eq(al.a[0].ts_ns, T0 + 41 * MIN_NS);
	ck_assert_str_eq(al.a[0].role, "web");
	ck_assert_str_eq(al.a[0].destination, "");
	ck_assert(gw_addr_cmp(&al.a[0].host, &(struct gw_addr){0}) != 0);
	ck_assert_uint_eq(ctrs(m).alerts_drift, 1);
	gw_metrics_free(m);
}
END_TEST

START_TEST(test_drift_rules)
{
	struct gw_metrics *m;
	struct alerts al = {0};
	uint64_t b[70];
	size_t i;

	/* Before drift_min_samples (30) minutes: no alert. */
	for (i = 0; i < 70; i++)
		b[i] = 10000;
	b[20] = 5000000;
	m = mk(drift_cfg);
	drift_run(m, b, 30, &al);
	ck_assert_uint_eq(al.n, 0);
	gw_metrics_free(m);

	/* A noisy host: within mean + 3 sigma no alert, far above one. */
	for (i = 0; i < 70; i++)
		b[i] = i % 2 ? 9000 : 11000;
	b[60] = 12000;
	b[66] = 100000;
	m = mk(drift_cfg);
	drift_run(m, b, 70, &al);
	ck_assert_uint_eq(al.n, 1);
	ck_assert(al.a[0].value == 100000.0);
	ck_assert(al.a[0].mean > 9000.0 && al.a[0].mean < 11000.0);
	ck_assert(al.a[0].stddev > 500.0 && al.a[0].stddev < 1500.0);
	ck_assert(al.a[0].value > al.a[0].mean + 3 * al.a[0].stddev);
	ck_assert_uint_eq(al.a[0].ts_ns, T0 + 67 * MIN_NS);
	gw_metrics_free(m);

	/* Idle minutes count as 0; a small burst stays under drift_min_bytes. */
	al.n = 0;
	for (i = 0; i < 70; i++)
		b[i] = 0;
	b[50] = 4000;
	m = mk(drift_default_cfg);
	drift_run(m, b, 70, &al);
	ck_assert_uint_eq(al.n, 0);
	gw_metrics_free(m);
	m = mk(drift_cfg);
	drift_run(m, b, 70, &al);
	ck_assert_uint_eq(al.n, 1);
	ck_assert(al.a[0].value == 4000.0 && al.a[0].mean == 0.0);
	gw_metrics_free(m);
}
END_TEST

/* ---- beacons ---- */

static void
beacon_flows(struct gw_metrics *m, const uint64_t *start_s, size_t n,
	     uint64_t bytes, struct alerts *al, unsigned int *alert_after)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t s = T0 + start_s[i] * NS;
		unsigned int before = al->n;

		gw_metrics_tick(m, s, collect, al);
		flow(m, 100 + i, "10.0.0.7", "203.0.113.5", "web", "cdn.example",
		     s, s + 2 * NS, bytes / 2, bytes - bytes / 2, al);
		if (al->n > before && alert_after != NULL &&
		    *alert_after == 0)
			*alert_after = (unsigned int)i + 1;
	}
}

static void
beacon_cfg(struct gw_metrics_cfg *c)
{
	c->alert_new_destination = false;
}

START_TEST(test_beacon)
{
	static const int jitter[12] = {0, 1, -1, 1, 0, -1, 1, -1, 0, 1, 0, -1};
	struct gw_metrics *m = mk(beacon_cfg);
	struct alerts al = {0};
	uint64_t st[16];
	unsigned int after = 0;
	size_t i;
	uint32_t x = 12345;

	/* Every 60 s +- 1 s, 600 bytes: one alert at the 6th flow. */
	for (i = 0; i < 12; i++)
		st[i] = 60 * i + (uint64_t)(10 + jitter[i]);
	beacon_flows(m, st, 12, 600, &al, &after);
	ck_assert_uint_eq(al.n, 1);
	ck_assert_uint_eq(after, 6);
	ck_assert_int_eq(al.a[0].type, GW_METRICS_ALERT_BEACON);
	ck_assert_int_eq(al.a[0].severity, GW_METRICS_SEV_MEDIUM);
	ck_assert_str_eq(al.a[0].destination, "cdn.example");
	ck_assert_uint_eq(al.a[0].count, 6);
	ck_assert(al.a[0].value == 600.0);
	/* Starts 10, 71, 129, 191, 250, 309: mean 59.8 s. */
	ck_assert(fabs(al.a[0].mean - 59.8) < 1e-9);
	ck_assert(al.a[0].cv > 0.0 && al.a[0].cv <= 0.1);
	ck_assert_uint_eq(ctrs(m).alerts_beacon, 1);
	gw_metrics_free(m);

	/* Random intervals (10..310 s): none. */
	m = mk(beacon_cfg);
	al.n = 0;
	st[0] = 0;
	for (i = 1; i < 16; i++) {
		x = x * 1103515245u + 12345u;
		st[i] = st[i - 1] + 10 + (x >> 16) % 300;
	}
	beacon_flows(m, st, 16, 600, &al, NULL);
	ck_assert_uint_eq(al.n, 0);
	gw_metrics_free(m);

	/* Regular but big transfers: none. */
	m = mk(beacon_cfg);
	for (i = 0; i < 12; i++)
		st[i] = 60 * i;
	beacon_flows(m, st, 12, 1 << 20, &al, NULL);
	ck_assert_uint_eq(al.n, 0);
	gw_metrics_free(m);

	/* Regular every 2 s (below beacon_min_interval_s): none. */
	m = mk(beacon_cfg);
	for (i = 0; i < 12; i++)
		st[i] = 2 * i;
	beacon_flows(m, st, 12, 600, &al, NULL);
	ck_assert_uint_eq(al.n, 0);
	gw_metrics_free(m);

	/* Past the cool-down (3600 s) the same pair alerts again. */
	m = mk(beacon_cfg);
	for (i = 0; i < 16; i++)
		st[i] = 600 * i;
	beacon_flows(m, st, 16, 600, &al, NULL);
	/* Alerts at flows 6 (t=3000) and 12 (t=6600, cool-down over). */
	ck_assert_uint_eq(al.n, 2);
	ck_assert_uint_eq(al.a[1].ts_ns - al.a[0].ts_ns, 3600 * NS);
	gw_metrics_free(m);
}
END_TEST

/* Flows of a pair ending out of order are sorted by start. */
START_TEST(test_beacon_out_of_order)
{
	static const uint64_t st[6] = {120, 0, 240, 60, 300, 180};
	struct gw_metrics *m = mk(beacon_cfg);
	struct alerts al = {0};
	size_t i;

	gw_metrics_tick(m, T0, NULL, NULL);
	for (i = 0; i < 6; i++)
		flow(m, 50 + i, "10.0.0.8", "203.0.113.9", "web", NULL,
		     T0 + st[i] * NS, T0 + 2 * NS, 100, 100, &al);
	ck_assert_uint_eq(al.n, 1);
	ck_assert(al.a[0].mean == 60.0 && al.a[0].cv == 0.0);
	ck_assert_str_eq(al.a[0].destination, "203.0.113.9");
	gw_metrics_free(m);
}
END_TEST

/* ---- caps and evictions ---- */

static void
tiny_cfg(struct gw_metrics_cfg *c)
{
	c->max_hosts = 8;
	c->max_dests = 8;
	c->max_pairs = 8;
	c->max_flows = 4;
	c->max_seen = 8;
	c->alert_new_destination = false;
}

START_TEST(test_caps)
{
	struct gw_metrics *m = mk(tiny_cfg);
	struct gw_metrics_counters c;
	struct gw_record r;
	char src[32], name[32], role[32];
	json_t *snap, *it;
	unsigned int i;

	gw_metrics_tick(m, T0, NULL, NULL);
	for (i = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "10.1.%u.%u", i / 200, i % 200 + 1);
		snprintf(name, sizeof(name), "d%u.example", i);
		r = rec(GW_REC_START, i, src, "192.0.2.1", "web", NULL,
			T0 + i * NS / 10);
		gw_metrics_feed(m, &r, NULL, NULL);
		r = rec(GW_REC_VERDICT, i, src, "192.0.2.1", "web", name,
			T0 + i * NS / 10);
		counts(&r, 1, 0, 100, 0);
		gw_metrics_feed(m, &r, NULL, NULL);
	}
	c = ctrs(m);
	ck_assert_uint_eq(c.flows_active, 4);
	/* Each flow: START inserts; a VERDICT after eviction re-inserts. */
	ck_assert_uint_eq(c.flow_evictions, 96);
	ck_assert_uint_eq(c.host_evictions, 92);
	ck_assert_uint_eq(c.dest_evictions, 92);
	ck_assert_uint_eq(c.pair_evictions, 92);
	ck_assert_uint_eq(c.seen_host_evictions, 92);
	ck_assert_uint_eq(c.seen_role_evictions, 92);
	ck_assert_uint_eq(c.new_destinations, 100);
	ck_assert_uint_eq(c.bytes_toserver, 10000);

	/* END of an evicted flow: unknown, still counted, no crash. */
	r = rec(GW_REC_END, 0, "10.1.0.1", "192.0.2.1", "web", NULL, T0 + NS);
	counts(&r, 2, 0, 300, 0);
	gw_metrics_feed(m, &r, NULL, NULL);
	ck_assert_uint_eq(ctrs(m).flows_unknown, 1);
	ck_assert_uint_eq(ctrs(m).flow_evictions, 97);
	/* No name: resolved to the address, new for the host. */
	ck_assert_uint_eq(ctrs(m).new_destinations, 101);
	/* The seen-set forgot d0: it is "new" again (documented). */
	flow(m, 1000, "10.1.0.1", "192.0.2.1", "web", "d0.example", T0 + NS,
	     T0 + 2 * NS, 1, 1, NULL);
	ck_assert_uint_eq(ctrs(m).new_destinations, 102);

	gw_metrics_tick(m, T0 + MIN_NS, NULL, NULL);
	snap = gw_metrics_snapshot(m);
	ck_assert_ptr_nonnull(snap);
	ck_assert_int_le(iget(json_object_get(snap, "totals"), "hosts"), 8);
	ck_assert_int_le(iget(json_object_get(snap, "totals"), "destinations"),
			 8);
	ck_assert_int_le(iget(json_object_get(snap, "totals"), "pairs"), 8);
	ck_assert_int_eq(
		iget(json_object_get(snap, "counters"), "host_evictions"),
		(long long)ctrs(m).host_evictions);
	it = json_object_get(snap, "top_hosts");
	ck_assert_uint_le(json_array_size(it), 8);
	json_decref(snap);

	/* Roles past GW_METRICS_MAX_ROLES share "(other)". */
	for (i = 0; i < GW_METRICS_MAX_ROLES + 5; i++) {
		snprintf(role, sizeof(role), "role%u", i);
		r = rec(GW_REC_START, 5000 + i, "10.2.0.1", "192.0.2.1", role,
			NULL, T0 + MIN_NS);
		gw_metrics_feed(m, &r, NULL, NULL);
	}
	/* "web" holds one slot already. */
	ck_assert_uint_eq(ctrs(m).role_overflow, 6);
	gw_metrics_free(m);
}
END_TEST

/* The least recently used host goes first; IPv6 keys and texts. */
static void
two_hosts_cfg(struct gw_metrics_cfg *c)
{
	c->max_hosts = 2;
	c->alert_new_destination = false;
}

START_TEST(test_lru_ipv6)
{
	struct gw_metrics *m = mk(two_hosts_cfg);
	struct gw_addr a = addr("2001:db8::a"), b = addr("2001:db8::b");
	struct gw_addr c = addr("10.0.0.3");
	json_t *o, *it;

	gw_metrics_tick(m, T0, NULL, NULL);
	flow(m, 1, "2001:db8::a", "2001:db8::53", "web", NULL, T0 + NS,
	     T0 + 2 * NS, 10, 10, NULL);
	flow(m, 2, "2001:db8::b", "2001:db8::53", "web", NULL, T0 + NS,
	     T0 + 2 * NS, 20, 20, NULL);
	/* a is used again, so b is the least recently used. */
	flow(m, 3, "2001:db8::a", "2001:db8::53", "web", NULL, T0 + 3 * NS,
	     T0 + 4 * NS, 30, 30, NULL);
	flow(m, 4, "10.0.0.3", "2001:db8::53", "web", NULL, T0 + 5 * NS,
	     T0 + 6 * NS, 40, 40, NULL);
	ck_assert_uint_eq(ctrs(m).host_evictions, 1);
	ck_assert_ptr_null(gw_metrics_host(m, &b));
	o = gw_metrics_host(m, &c);
	ck_assert_ptr_nonnull(o);
	json_decref(o);
	o = gw_metrics_host(m, &a);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(sget(o, "host"), "2001:db8::a");
	it = json_object_get(o, "destinations");
	ck_assert_str_eq(sget(json_array_get(it, 0), "destination"),
			 "2001:db8::53");
	ck_assert_int_eq(iget(json_array_get(it, 0), "flows"), 2);
	json_decref(o);
	gw_metrics_tick(m, T0 + MIN_NS, NULL, NULL);
	it = top(m, GW_METRICS_TOP_DESTINATIONS, "web", GW_METRICS_WIN_1M, 3);
	ck_assert_uint_eq(json_array_size(it), 1);
	ck_assert_str_eq(sget(json_array_get(it, 0), "destination"),
			 "2001:db8::53");
	ck_assert_int_eq(iget(json_array_get(it, 0), "bytes"), 200);
	json_decref(it);
	gw_metrics_free(m);
}
END_TEST

/* ---- late and future records ---- */

START_TEST(test_late_future)
{
	struct gw_metrics *m = mk(NULL);
	struct gw_metrics_counters c;
	uint64_t now = T0;
	json_t *it;

	gw_metrics_tick(m, now, NULL, NULL);
	tick_to(m, &now, T0 + 10 * MIN_NS);
	/* Minute T0+2 is closed already: late, still in 1h and 1d. */
	flow(m, 1, "10.0.0.1", "192.0.2.1", "web", "x.example",
	     T0 + 2 * MIN_NS, T0 + 2 * MIN_NS + NS, 1000, 0, NULL);
	c = ctrs(m);
	ck_assert_uint_eq(c.late_records, 2);
	it = top(m, GW_METRICS_TOP_HOSTS, NULL, GW_METRICS_WIN_1H, 1);
	ck_assert_int_eq(iget(json_array_get(it, 0), "bytes"), 1000);
	json_decref(it);
	it = top(m, GW_METRICS_TOP_HOSTS, NULL, GW_METRICS_WIN_1D, 1);
	ck_assert_int_eq(iget(json_array_get(it, 0), "bytes"), 1000);
	json_decref(it);
	/* A day earlier: minute and hour slots hold newer data: totals only. */
	flow(m, 2, "10.0.0.1", "192.0.2.1", "web", "x.example",
	     T0 + 2 * MIN_NS - 24 * 3600 * NS,
	     T0 + 2 * MIN_NS - 24 * 3600 * NS + NS, 500, 0, NULL);
	ck_assert_uint_eq(ctrs(m).too_old_records, 2);
	it = top(m, GW_METRICS_TOP_HOSTS, NULL, GW_METRICS_WIN_1D, 1);
	ck_assert_int_eq(iget(json_array_get(it, 0), "bytes"), 1000);
	json_decref(it);
	/* An hour beyond the clock: dropped from the series, counted. */
	flow(m, 4, "10.0.0.1", "192.0.2.1", "web", "x.example",
	     T0 + 90 * MIN_NS, T0 + 90 * MIN_NS + NS, 700, 0, NULL);
	c = ctrs(m);
	ck_assert_uint_eq(c.future_records, 2);
	ck_assert_uint_eq(c.bytes_toserver, 1000 + 500 + 700);
	gw_metrics_free(m);
}
END_TEST

/* ---- snapshot ---- */

START_TEST(test_snapshot)
{
	struct gw_metrics *m = mk(NULL);
	json_t *snap, *roles, *th, *cnt;
	char *s;

	gw_metrics_tick(m, T0, NULL, NULL);
	flow(m, 1, "10.0.0.1", "192.0.2.1", "web", "a\"b\x01.example",
	     T0 + NS, T0 + 2 * NS, 1000, 2000, NULL);
	flow(m, 2, "10.0.0.2", "192.0.2.1", "db", NULL, T0 + NS, T0 + 2 * NS,
	     10, 20, NULL);
	gw_metrics_tick(m, T0 + MIN_NS, NULL, NULL);
	snap = gw_metrics_snapshot(m);
	ck_assert_ptr_nonnull(snap);
	ck_assert_int_eq(iget(json_object_get(snap, "totals"), "bytes_toserver"),
			 1010);
	ck_assert_int_eq(iget(json_object_get(snap, "totals"), "hosts"), 2);
	roles = json_object_get(snap, "roles");
	ck_assert_uint_eq(json_array_size(roles), 2);
	ck_assert_str_eq(sget(json_array_get(roles, 0), "role"), "web");
	ck_assert_int_eq(iget(json_object_get(json_array_get(roles, 1),
					      "last_minute"),
			      "bytes"),
			 30);
	th = json_object_get(snap, "top_hosts");
	ck_assert_str_eq(sget(json_array_get(th, 0), "host"), "10.0.0.1");
	/* Wire bytes are escaped. */
	ck_assert_str_eq(sget(json_array_get(json_object_get(snap,
							     "top_destinations"),
					     0),
			      "destination"),
			 "a\\x22b\\x01.example");
	cnt = json_object_get(snap, "counters");
	ck_assert_int_eq(iget(cnt, "records_end"), 2);
	ck_assert_int_eq(iget(cnt, "new_destinations"), 2);
	ck_assert_int_eq(iget(cnt, "alerts_new_destination"), 2);
	s = json_dumps(snap, JSON_COMPACT);
	ck_assert_ptr_nonnull(s);
	free(s);
	json_decref(snap);
	gw_metrics_free(m);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cfg);
	tcase_add_test(tc, test_deltas);
	tcase_add_test(tc, test_unknown_flow);
	tcase_add_test(tc, test_top);
	tcase_add_test(tc, test_new_destinations);
	tcase_add_test(tc, test_c2_counted);
	tcase_add_test(tc, test_drift_steady_spike);
	tcase_add_test(tc, test_drift_rules);
	tcase_add_test(tc, test_beacon);
	tcase_add_test(tc, test_beacon_out_of_order);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_lru_ipv6);
	tcase_add_test(tc, test_late_future);
	tcase_add_test(tc, test_snapshot);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(metrics_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
