/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "eve/gw_eve.h"
#include "flow/gw_flow.h"
#include "gw_test.h"
#include "policy/gw_policy.h"

/* 2026-11-22T01:02:03.123456789 UTC */
#define TS_2026 1795309323123456789ULL
#define TS_2026_STR "2026-11-22T01:02:03.123456+0000"

static void
addr4(struct gw_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	const uint8_t v4[4] = {x, y, z, w};

	gw_addr_from_v4(a, v4);
}

/* A TLS flow from 10.1.2.3:40000 to 192.0.2.10:443 on VLAN 100. */
static void
rec_base(struct gw_record *r, uint8_t type)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->verdict = GW_VERDICT_ALLOW;
	r->app = GW_APP_TLS;
	r->proto = 6;
	r->af = GW_AF_INET;
	r->worker = 2;
	r->vlan_outer = 100;
	r->vlan_inner = 100;
	r->sport = 40000;
	r->dport = 443;
	r->tls_version = 0x0304;
	r->rule_kind = GW_RULE_FQDN;
	r->rule_index = 3;
	r->flow_id = (2ULL << 56) | 77;
	r->ts_ns = TS_2026;
	r->start_ns = TS_2026 - 5000000000ULL;
	addr4(&r->src, 10, 1, 2, 3);
	addr4(&r->dst, 192, 0, 2, 10);
	snprintf(r->role, sizeof(r->role), "web");
	memcpy(r->name, "api.example.com", 15);
	r->name_len = 15;
}

static const struct gw_eve_ctx ctx_lan = {.in_iface = "lan"};

/* Event -> compact text (checked to be one line) -> parsed back. */
static json_t *
roundtrip(json_t *ev)
{
	json_error_t jerr;
	char *s;
	json_t *back;
	size_t i;

	ck_assert_ptr_nonnull(ev);
	s = json_dumps(ev, JSON_COMPACT);
	ck_assert_ptr_nonnull(s);
	/* One check per event: Check's assertions cost a pipe write each. */
	for (i = 0; s[i] != '\0' && (unsigned char)s[i] >= 0x20; i++)
		;
	ck_assert_msg(s[i] == '\0', "raw control byte in %s", s);
	back = json_loads(s, 0, &jerr);
	ck_assert_msg(back != NULL, "%s: %s", jerr.text, s);
	free(s);
	json_decref(ev);
	return back;
}

static const char *
str_at(json_t *o, const char *k1, const char *k2)
{
	json_t *v = json_object_get(o, k1);

	if (k2 != NULL)
		v = json_object_get(v, k2);
	ck_assert_msg(json_is_string(v), "%s.%s is not a string", k1,
		      k2 != NULL ? k2 : "");
	return json_string_value(v);
}

static long long
int_at(json_t *o, const char *k1, const char *k2)
{
	json_t *v = json_object_get(o, k1);

	if (k2 != NULL)
		v = json_object_get(v, k2);
	ck_assert_msg(json_is_integer(v), "%s.%s is not an integer", k1,
		      k2 != NULL ? k2 : "");
	return json_integer_value(v);
}

static bool
has(json_t *o, const char *k1, const char *k2)
{
	json_t *v = json_object_get(o, k1);

	if (k2 != NULL)
		v = json_object_get(v, k2);
	return v != NULL;
}

START_TEST(test_timestamp)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} t[] = {
		{0, "1970-01-01T00:00:00.000000+0000"},
		{999, "1970-01-01T00:00:00.000000+0000"},
		{1000, "1970-01-01T00:00:00.000001+0000"},
		{TS_2026, TS_2026_STR},
		{951868799999999999ULL, "2000-02-29T23:59:59.999999+0000"},
	};
	char buf[GW_EVE_TS_LEN];
	char small[11];
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++)
		ck_assert_str_eq(gw_eve_format_ts(t[i].ns, buf, sizeof(buf)),
				 t[i].want);
	/* A short buffer is truncated, still terminated. */
	ck_assert_str_eq(gw_eve_format_ts(TS_2026, small, sizeof(small)),
			 "2026-11-22");
}
END_TEST

START_TEST(test_verdict_tls_allow)
{
	struct gw_record r;
	json_t *ev;
	json_t *vlan;

	rec_base(&r, GW_REC_VERDICT);
	r.ech = 1;
	snprintf(r.alpn, sizeof(r.alpn), "h2");
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_str_eq(str_at(ev, "timestamp", NULL), TS_2026_STR);
	ck_assert_int_eq(int_at(ev, "flow_id", NULL), (long long)((2ULL << 56) | 77));
	ck_assert_str_eq(str_at(ev, "in_iface", NULL), "lan");
	ck_assert_str_eq(str_at(ev, "event_type", NULL), "tls");
	vlan = json_object_get(ev, "vlan");
	ck_assert(json_is_array(vlan));
	ck_assert_uint_eq(json_array_size(vlan), 1);
	ck_assert_int_eq(json_integer_value(json_array_get(vlan, 0)), 100);
	ck_assert_str_eq(str_at(ev, "src_ip", NULL), "10.1.2.3");
	ck_assert_int_eq(int_at(ev, "src_port", NULL), 40000);
	ck_assert_str_eq(str_at(ev, "dest_ip", NULL), "192.0.2.10");
	ck_assert_int_eq(int_at(ev, "dest_port", NULL), 443);
	ck_assert_str_eq(str_at(ev, "proto", NULL), "TCP");
	ck_assert_str_eq(str_at(ev, "app_proto", NULL), "tls");
	ck_assert_str_eq(str_at(ev, "tls", "sni"), "api.example.com");
	ck_assert_str_eq(str_at(ev, "tls", "version"), "TLS 1.3");
	ck_assert(json_is_true(json_object_get(json_object_get(ev, "tls"), "ech")));
	ck_assert_str_eq(str_at(ev, "tls", "alpn"), "h2");
	ck_assert_str_eq(str_at(ev, "gw", "role"), "web");
	ck_assert_int_eq(int_at(ev, "gw", "vlan"), 100);
	ck_assert_str_eq(str_at(ev, "gw", "verdict"), "allow");
	ck_assert(!has(ev, "gw", "reason"));
	ck_assert_str_eq(str_at(ev, "gw", "rule"), "fqdn:3");
	ck_assert_int_eq(int_at(ev, "gw", "worker"), 2);
	ck_assert(!has(ev, "gw", "end_cause"));
	ck_assert(!has(ev, "http", NULL));
	ck_assert(!has(ev, "flow", NULL));
	/* Suricata's field order: the header first. */
	{
		static const char *const order[] = {
			"timestamp", "flow_id", "in_iface", "event_type",
			"vlan", "src_ip", "src_port", "dest_ip", "dest_port",
			"proto", "app_proto", "tls", "gw"};
		void *it = json_object_iter(ev);
		size_t i = 0;

		for (; it != NULL; it = json_object_iter_next(ev, it), i++) {
			ck_assert_uint_lt(i, GW_ARRAY_SIZE(order));
			ck_assert_str_eq(json_object_iter_key(it), order[i]);
		}
		ck_assert_uint_eq(i, GW_ARRAY_SIZE(order));
	}
	json_decref(ev);
}
END_TEST

START_TEST(test_verdict_http_deny_qinq)
{
	struct gw_record r;
	json_t *ev;
	json_t *vlan;

	rec_base(&r, GW_REC_VERDICT);
	r.app = GW_APP_HTTP;
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_METHOD_NOT_ALLOWED;
	r.vlan_outer = 200;
	r.vlan_inner = 30;
	r.dport = 80;
	r.tls_version = 0;
	memcpy(r.name, "upload.example.org", 18);
	r.name_len = 18;
	snprintf(r.method, sizeof(r.method), "POST");
	ev = roundtrip(gw_eve_from_record(&r, NULL));
	ck_assert_str_eq(str_at(ev, "event_type", NULL), "http");
	ck_assert(!has(ev, "in_iface", NULL));
	vlan = json_object_get(ev, "vlan");
	ck_assert_uint_eq(json_array_size(vlan), 2);
	ck_assert_int_eq(json_integer_value(json_array_get(vlan, 0)), 200);
	ck_assert_int_eq(json_integer_value(json_array_get(vlan, 1)), 30);
	ck_assert_str_eq(str_at(ev, "app_proto", NULL), "http");
	ck_assert_str_eq(str_at(ev, "http", "hostname"), "upload.example.org");
	ck_assert_str_eq(str_at(ev, "http", "http_method"), "POST");
	ck_assert(!has(ev, "tls", NULL));
	ck_assert_int_eq(int_at(ev, "gw", "vlan"), 30);
	ck_assert_str_eq(str_at(ev, "gw", "verdict"), "deny");
	ck_assert_str_eq(str_at(ev, "gw", "reason"), "method_not_allowed");
	json_decref(ev);
}
END_TEST

/* A deny decided without a name: "drop", saying why. */
START_TEST(test_verdict_drop_untagged_v6)
{
	static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	static const uint8_t d6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x53};
	struct gw_record r;
	json_t *ev;

	rec_base(&r, GW_REC_VERDICT);
	r.app = GW_APP_NONE;
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_PORT_NOT_ALLOWED;
	r.proto = 17;
	r.af = GW_AF_INET6;
	r.vlan_outer = 0;
	r.vlan_inner = 0;
	r.dport = 53;
	r.name_len = 0;
	r.rule_kind = GW_RULE_NONE;
	r.rule_index = -1;
	r.role[0] = '\0';
	gw_addr_from_v6(&r.src, s6);
	gw_addr_from_v6(&r.dst, d6);
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_str_eq(str_at(ev, "event_type", NULL), "drop");
	ck_assert(!has(ev, "vlan", NULL));
	ck_assert(!has(ev, "app_proto", NULL));
	ck_assert(!has(ev, "tls", NULL));
	ck_assert(!has(ev, "http", NULL));
	ck_assert_str_eq(str_at(ev, "src_ip", NULL), "2001:db8::1");
	ck_assert_str_eq(str_at(ev, "dest_ip", NULL), "2001:db8:1::53");
	ck_assert_str_eq(str_at(ev, "proto", NULL), "UDP");
	ck_assert_int_eq(int_at(ev, "dest_port", NULL), 53);
	ck_assert_int_eq(int_at(ev, "gw", "vlan"), 0);
	ck_assert(!has(ev, "gw", "role"));
	ck_assert(!has(ev, "gw", "rule"));
	ck_assert_str_eq(str_at(ev, "gw", "verdict"), "deny");
	ck_assert_str_eq(str_at(ev, "gw", "reason"), "port_not_allowed");
	json_decref(ev);
}
END_TEST

START_TEST(test_verdict_allow_cidr)
{
	struct gw_record r;
	json_t *ev;

	rec_base(&r, GW_REC_VERDICT);
	r.app = GW_APP_NONE;
	r.name_len = 0;
	r.rule_kind = GW_RULE_CIDR;
	r.rule_index = 0;
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_str_eq(str_at(ev, "event_type", NULL), "allow");
	ck_assert_str_eq(str_at(ev, "gw", "rule"), "cidr:0");
	ck_assert_str_eq(str_at(ev, "gw", "verdict"), "allow");
	ck_assert(!has(ev, "gw", "reason"));
	json_decref(ev);
}
END_TEST

/* Records that are no event: a pending "verdict", an unknown type. */
START_TEST(test_not_an_event)
{
	struct gw_record r;

	rec_base(&r, GW_REC_VERDICT);
	r.verdict = GW_VERDICT_PENDING;
	ck_assert_ptr_null(gw_eve_from_record(&r, &ctx_lan));
	r.verdict = 9;
	ck_assert_ptr_null(gw_eve_from_record(&r, &ctx_lan));
	rec_base(&r, 0);
	ck_assert_ptr_null(gw_eve_from_record(&r, &ctx_lan));
	rec_base(&r, 5);
	ck_assert_ptr_null(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_ptr_null(gw_eve_from_record(NULL, &ctx_lan));
	ck_assert_ptr_null(gw_eve_alert_from_record(NULL, &ctx_lan));
}
END_TEST

/* A DNS answer: Suricata's v2 layout, question name escaped. */
START_TEST(test_dns_event)
{
	struct gw_record r;
	json_t *ev, *d, *g;

	rec_base(&r, GW_REC_DNS);
	r.proto = 17;
	r.dport = 53;
	r.dns_type = 2;
	r.dns_id = 4660;
	r.dns_qtype = 1;
	r.dns_rcode = 0;
	r.dns_ttl = 300;
	r.rule_kind = GW_RULE_DNS;
	r.rule_index = 0;
	memcpy(r.name, "a\"b.test", 8);
	r.name_len = 8;
	r.dns_n_addrs = 2;
	addr4(&r.dns_addrs[0], 192, 0, 2, 1);
	addr4(&r.dns_addrs[1], 192, 0, 2, 2);
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_str_eq(json_string_value(json_object_get(ev, "event_type")),
			 "dns");
	d = json_object_get(ev, "dns");
	ck_assert_str_eq(json_string_value(json_object_get(d, "type")), "answer");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "id")), 4660);
	ck_assert_str_eq(json_string_value(json_object_get(d, "rrname")),
			 "a\\x22b.test");
	ck_assert_str_eq(json_string_value(json_object_get(d, "rrtype")), "A");
	ck_assert_str_eq(json_string_value(json_object_get(d, "rcode")), "NOERROR");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "ttl")), 300);
	g = json_object_get(json_object_get(d, "grouped"), "A");
	ck_assert_uint_eq(json_array_size(g), 2);
	ck_assert_str_eq(json_string_value(json_array_get(g, 1)), "192.0.2.2");
	ck_assert_ptr_null(json_object_get(json_object_get(d, "grouped"), "AAAA"));
	ck_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(ev, "gw"), "rule")), "dns:0");
	json_decref(ev);

	r.dns_type = 1;
	r.dns_qtype = 28;
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	d = json_object_get(ev, "dns");
	ck_assert_str_eq(json_string_value(json_object_get(d, "type")), "query");
	ck_assert_str_eq(json_string_value(json_object_get(d, "rrtype")), "AAAA");
	ck_assert_ptr_null(json_object_get(d, "grouped"));
	json_decref(ev);
}
END_TEST

START_TEST(test_rules)
{
	static const struct {
		uint8_t kind;
		int32_t index;
		uint32_t sig;
		const char *want; /* NULL: no "rule" */
	} t[] = {
		{GW_RULE_NONE, 5, 0, NULL},
		{GW_RULE_CIDR, 0, 0, "cidr:0"},
		{GW_RULE_CIDR, -1, 0, NULL},
		{GW_RULE_FQDN, 12345, 0, "fqdn:12345"},
		{GW_RULE_FQDN, -1, 0, NULL},
		{GW_RULE_C2, 4, 1000001, "c2:1000001"},
		{GW_RULE_C2, 4, 0, "c2:4"},
		{GW_RULE_C2, -1, 0, NULL},
		{99, 1, 1, NULL},
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct gw_record r;
		json_t *ev;

		rec_base(&r, GW_REC_VERDICT);
		r.rule_kind = t[i].kind;
		r.rule_index = t[i].index;
		r.sig_id = t[i].sig;
		ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
		if (t[i].want == NULL)
			ck_assert_msg(!has(ev, "gw", "rule"), "case %zu", i);
		else
			ck_assert_str_eq(str_at(ev, "gw", "rule"), t[i].want);
		json_decref(ev);
	}
}
END_TEST

START_TEST(test_tls_versions)
{
	static const struct {
		uint16_t v;
		const char *want; /* NULL: no "version" */
	} t[] = {
		{0, NULL},
		{0x0200, "SSLv2"},
		{0x0300, "SSLv3"},
		{0x0301, "TLSv1"},
		{0x0302, "TLS 1.1"},
		{0x0303, "TLS 1.2"},
		{0x0304, "TLS 1.3"},
		{0x7f1c, "UNDETERMINED"},
		{0x0a0a, "UNDETERMINED"},
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct gw_record r;
		json_t *ev;

		rec_base(&r, GW_REC_VERDICT);
		r.tls_version = t[i].v;
		ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
		if (t[i].want == NULL)
			ck_assert(!has(ev, "tls", "version"));
		else
			ck_assert_str_eq(str_at(ev, "tls", "version"), t[i].want);
		ck_assert(json_is_false(json_object_get(json_object_get(ev, "tls"), "ech")));
		ck_assert(!has(ev, "tls", "alpn"));
		json_decref(ev);
	}
}
END_TEST

START_TEST(test_protocols)
{
	static const struct {
		uint8_t proto;
		const char *want;
		bool ports;
	} t[] = {
		{6, "TCP", true},      {17, "UDP", true},
		{1, "ICMP", false},    {58, "IPv6-ICMP", false},
		{132, "SCTP", true},   {47, "47", false},
		{0, "0", false},       {255, "255", false},
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct gw_record r;
		json_t *ev;

		rec_base(&r, GW_REC_VERDICT);
		r.app = GW_APP_NONE;
		r.proto = t[i].proto;
		ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
		ck_assert_str_eq(str_at(ev, "proto", NULL), t[i].want);
		ck_assert_int_eq(has(ev, "src_port", NULL), t[i].ports);
		ck_assert_int_eq(has(ev, "dest_port", NULL), t[i].ports);
		json_decref(ev);
	}
}
END_TEST

/* Suricata keeps flow_id a positive int64; so do we. */
START_TEST(test_flow_id_masked)
{
	struct gw_record r;
	json_t *ev;

	rec_base(&r, GW_REC_VERDICT);
	r.flow_id = (200ULL << 56) | 5;
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_int_eq(int_at(ev, "flow_id", NULL),
			 (long long)(((200ULL << 56) | 5) & INT64_MAX));
	json_decref(ev);
}
END_TEST

START_TEST(test_flow_start)
{
	struct gw_record r;
	json_t *ev;

	rec_base(&r, GW_REC_START);
	r.verdict = GW_VERDICT_PENDING;
	r.app = GW_APP_NONE;
	r.name_len = 0;
	r.rule_kind = GW_RULE_NONE;
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_str_eq(str_at(ev, "event_type", NULL), "flow_start");
	ck_assert_str_eq(str_at(ev, "gw", "verdict"), "pending");
	ck_assert(!has(ev, "gw", "reason"));
	ck_assert(!has(ev, "flow", NULL));
	ck_assert(!has(ev, "app_proto", NULL));
	json_decref(ev);
}
END_TEST

START_TEST(test_flow_end)
{
	struct gw_record r;
	json_t *ev;
	json_t *f;

	rec_base(&r, GW_REC_END);
	r.app = GW_APP_NONE; /* END records need not carry the name */
	r.name_len = 0;
	r.end_state = GW_TCP_CLOSED;
	r.end_cause = 1;
	r.pkts_toserver = 12;
	r.pkts_toclient = 10;
	r.bytes_toserver = 3000;
	r.bytes_toclient = 12000000000ULL;
	r.start_ns = TS_2026 - 61500000000ULL; /* 61.5 s earlier */
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_str_eq(str_at(ev, "event_type", NULL), "flow");
	ck_assert(!has(ev, "app_proto", NULL));
	ck_assert(!has(ev, "tls", NULL));
	f = json_object_get(ev, "flow");
	ck_assert_int_eq(int_at(f, "pkts_toserver", NULL), 12);
	ck_assert_int_eq(int_at(f, "pkts_toclient", NULL), 10);
	ck_assert_int_eq(int_at(f, "bytes_toserver", NULL), 3000);
	ck_assert_int_eq(int_at(f, "bytes_toclient", NULL), 12000000000LL);
	ck_assert_str_eq(str_at(f, "start", NULL), "2026-11-22T01:01:01.623456+0000");
	ck_assert_str_eq(str_at(f, "end", NULL), TS_2026_STR);
	/* Whole seconds between 01:01:01 and 01:02:03, as Suricata counts. */
	ck_assert_int_eq(int_at(f, "age", NULL), 62);
	ck_assert_str_eq(str_at(f, "state", NULL), "closed");
	ck_assert_str_eq(str_at(f, "reason", NULL), "timeout");
	ck_assert(json_is_false(json_object_get(f, "alerted")));
	ck_assert_str_eq(str_at(ev, "tcp", "state"), "closed");
	ck_assert_str_eq(str_at(ev, "gw", "verdict"), "allow");
	ck_assert_str_eq(str_at(ev, "gw", "end_cause"), "fin");
	json_decref(ev);
}
END_TEST

START_TEST(test_flow_end_states)
{
	static const struct {
		uint8_t proto;
		uint8_t state;
		uint64_t to_client;
		const char *want;
		const char *tcp; /* NULL: no "tcp" object */
	} t[] = {
		{6, GW_TCP_SYN_SENT, 0, "new", "syn_sent"},
		{6, GW_TCP_SYN_RCVD, 1, "new", "syn_recv"},
		{6, GW_TCP_ESTABLISHED, 1, "established", "established"},
		{6, GW_TCP_FIN_WAIT, 1, "established", "fin_wait"},
		{6, GW_TCP_CLOSING, 1, "closed", "closing"},
		{6, GW_TCP_CLOSED, 1, "closed", "closed"},
		{6, 42, 1, "established", "unknown"},
		{17, GW_TCP_NONE, 0, "new", NULL},
		{17, GW_TCP_NONE, 3, "established", NULL},
		{1, GW_TCP_NONE, 1, "established", NULL},
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct gw_record r;
		json_t *ev;

		rec_base(&r, GW_REC_END);
		r.proto = t[i].proto;
		r.end_state = t[i].state;
		r.pkts_toserver = 1;
		r.pkts_toclient = t[i].to_client;
		ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
		ck_assert_msg(strcmp(str_at(ev, "flow", "state"), t[i].want) == 0,
			      "case %zu: %s", i, str_at(ev, "flow", "state"));
		if (t[i].tcp == NULL)
			ck_assert(!has(ev, "tcp", NULL));
		else
			ck_assert_str_eq(str_at(ev, "tcp", "state"), t[i].tcp);
		json_decref(ev);
	}
}
END_TEST

START_TEST(test_flow_end_causes)
{
	static const struct {
		uint8_t cause;
		const char *reason;
		const char *gw;
	} t[] = {
		{0, "timeout", "timeout"}, {1, "timeout", "fin"},
		{2, "timeout", "rst"},     {3, "shutdown", "shutdown"},
		{4, "forced", "denied"},   {77, "timeout", "unknown"},
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct gw_record r;
		json_t *ev;

		rec_base(&r, GW_REC_END);
		r.end_cause = t[i].cause;
		ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
		ck_assert_str_eq(str_at(ev, "flow", "reason"), t[i].reason);
		ck_assert_str_eq(str_at(ev, "gw", "end_cause"), t[i].gw);
		json_decref(ev);
	}
}
END_TEST

/* END of a C2-denied flow with the name the cache kept since its verdict. */
START_TEST(test_flow_end_named)
{
	struct gw_record v;
	struct gw_record r;
	struct gw_eve_name n;
	json_t *ev;

	rec_base(&v, GW_REC_VERDICT);
	v.verdict = GW_VERDICT_DENY;
	v.reason = GW_REASON_C2_SIGNATURE;
	v.ech = 1;
	gw_eve_name_from_record(&n, &v);

	rec_base(&r, GW_REC_END);
	r.app = GW_APP_NONE;
	r.name_len = 0;
	r.tls_version = 0;
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_C2_SIGNATURE;
	r.end_cause = 4;
	ev = roundtrip(gw_eve_from_record_name(&r, &ctx_lan, &n));
	ck_assert_str_eq(str_at(ev, "event_type", NULL), "flow");
	ck_assert_str_eq(str_at(ev, "app_proto", NULL), "tls");
	ck_assert_str_eq(str_at(ev, "tls", "sni"), "api.example.com");
	ck_assert_str_eq(str_at(ev, "tls", "version"), "TLS 1.3");
	ck_assert(json_is_true(json_object_get(json_object_get(ev, "tls"), "ech")));
	ck_assert(json_is_true(json_object_get(json_object_get(ev, "flow"), "alerted")));
	ck_assert_str_eq(str_at(ev, "flow", "reason"), "forced");
	ck_assert_str_eq(str_at(ev, "gw", "verdict"), "deny");
	ck_assert_str_eq(str_at(ev, "gw", "reason"), "c2_signature");
	json_decref(ev);

	/* A name that knows no app leaves the record's own part in place. */
	memset(&n, 0, sizeof(n));
	r.app = GW_APP_HTTP;
	memcpy(r.name, "h.example", 9);
	r.name_len = 9;
	ev = roundtrip(gw_eve_from_record_name(&r, &ctx_lan, &n));
	ck_assert_str_eq(str_at(ev, "http", "hostname"), "h.example");
	json_decref(ev);
}
END_TEST

/* Wire bytes: never raw in the output, always \xHH text. */
START_TEST(test_escaping)
{
	static const uint8_t sni[] = {'a', 0x00, 0xff, '"', '\\', '\n', 'b'};
	struct gw_record r;
	json_t *ev;
	char *line;
	size_t i;

	rec_base(&r, GW_REC_VERDICT);
	memcpy(r.name, sni, sizeof(sni));
	r.name_len = sizeof(sni);
	memcpy(r.alpn, "h\x01\xc3\xa9", 5);
	ev = gw_eve_from_record(&r, &ctx_lan);
	ck_assert_ptr_nonnull(ev);
	line = json_dumps(ev, JSON_COMPACT);
	ck_assert_ptr_nonnull(line);
	/* The JSON text carries the escape as text: a backslash, escaped. */
	ck_assert_ptr_nonnull(strstr(line,
				     "\"sni\":\"a\\\\x00\\\\xff\\\\x22\\\\x5c\\\\x0ab\""));
	free(line);
	ev = roundtrip(ev);
	ck_assert_str_eq(str_at(ev, "tls", "sni"), "a\\x00\\xff\\x22\\x5c\\x0ab");
	/* Even valid UTF-8 from the wire is shown as bytes. */
	ck_assert_str_eq(str_at(ev, "tls", "alpn"), "h\\x01\\xc3\\xa9");
	json_decref(ev);

	/* HTTP: Host and method. */
	rec_base(&r, GW_REC_VERDICT);
	r.app = GW_APP_HTTP;
	memcpy(r.name, "x\ty", 3);
	r.name_len = 3;
	memcpy(r.method, "G\x7f" "T", 4);
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_str_eq(str_at(ev, "http", "hostname"), "x\\x09y");
	ck_assert_str_eq(str_at(ev, "http", "http_method"), "G\\x7fT");
	json_decref(ev);

	/* The longest name, every byte escaped: 255 * 4 characters. */
	rec_base(&r, GW_REC_VERDICT);
	memset(r.name, 0xff, sizeof(r.name));
	r.name_len = 255;
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_uint_eq(strlen(str_at(ev, "tls", "sni")), 255 * 4);
	for (i = 0; i < 255; i++)
		ck_assert_int_eq(memcmp(str_at(ev, "tls", "sni") + 4 * i, "\\xff", 4), 0);
	json_decref(ev);

	/* Fields without their NUL (a broken record) stop at their size. */
	rec_base(&r, GW_REC_VERDICT);
	memset(r.alpn, 'A', sizeof(r.alpn));
	memset(r.role, 'R', sizeof(r.role));
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_uint_eq(strlen(str_at(ev, "tls", "alpn")), GW_REC_ALPN_MAX - 1);
	ck_assert_uint_eq(strlen(str_at(ev, "gw", "role")), GW_REC_ROLE_MAX);
	json_decref(ev);
}
END_TEST

/* Roles come from the (UTF-8) policy: kept, unless not UTF-8. */
START_TEST(test_role_text)
{
	struct gw_record r;
	json_t *ev;

	rec_base(&r, GW_REC_VERDICT);
	snprintf(r.role, sizeof(r.role), "caf\xc3\xa9");
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_str_eq(str_at(ev, "gw", "role"), "caf\xc3\xa9");
	json_decref(ev);
	snprintf(r.role, sizeof(r.role), "bad\xff");
	ev = roundtrip(gw_eve_from_record(&r, &ctx_lan));
	ck_assert_str_eq(str_at(ev, "gw", "role"), "bad\\xff");
	json_decref(ev);
}
END_TEST

/* Random records: every one gives parseable JSON or NULL, never a crash. */
START_TEST(test_random_records)
{
	uint32_t seed = 12345;
	unsigned int n;

	for (n = 0; n < 20000; n++) {
		struct gw_record r;
		uint8_t *p = (uint8_t *)&r;
		json_t *ev;
		size_t i;

		for (i = 0; i < sizeof(r); i++) {
			seed = seed * 1103515245u + 12345u;
			p[i] = (uint8_t)(seed >> 16);
		}
		r.type = (uint8_t)(1 + n % 3);
		r.verdict = (uint8_t)(n % 3);
		r.reason = (uint8_t)(n % (GW_REASON_MAX + 2));
		ev = gw_eve_from_record(&r, &ctx_lan);
		if (r.type == GW_REC_VERDICT && r.verdict == GW_VERDICT_PENDING) {
			ck_assert_ptr_null(ev);
		} else {
			ev = roundtrip(ev);
			json_decref(ev);
		}
		ev = gw_eve_alert_from_record(&r, &ctx_lan);
		if (ev != NULL)
			json_decref(roundtrip(ev));
	}
}
END_TEST

static const char *
sig_lookup(uint32_t id, void *arg)
{
	int *calls = arg;

	(*calls)++;
	return id == 1000001 ? "ET MALWARE Cobalt Strike beacon" : NULL;
}

START_TEST(test_alert)
{
	int calls = 0;
	struct gw_eve_ctx ctx = {.in_iface = "lan", .sig_name = sig_lookup,
				 .sig_arg = &calls};
	struct gw_record r;
	json_t *ev;
	json_t *a;

	rec_base(&r, GW_REC_VERDICT);
	r.verdict = GW_VERDICT_DENY;
	r.reason = GW_REASON_C2_SIGNATURE;
	r.rule_kind = GW_RULE_C2;
	r.rule_index = 0;
	r.sig_id = 1000001;
	r.severity = 1;
	memcpy(r.name, "beacon.evil.test", 16);
	r.name_len = 16;
	ev = roundtrip(gw_eve_alert_from_record(&r, &ctx));
	ck_assert_int_eq(calls, 1);
	ck_assert_str_eq(str_at(ev, "event_type", NULL), "alert");
	ck_assert_str_eq(str_at(ev, "timestamp", NULL), TS_2026_STR);
	ck_assert_str_eq(str_at(ev, "app_proto", NULL), "tls");
	a = json_object_get(ev, "alert");
	ck_assert_str_eq(str_at(a, "action", NULL), "blocked");
	ck_assert_int_eq(int_at(a, "gid", NULL), 1);
	ck_assert_int_eq(int_at(a, "signature_id", NULL), 1000001);
	ck_assert_int_eq(int_at(a, "rev", NULL), 1);
	ck_assert_str_eq(str_at(a, "signature", NULL),
			 "ET MALWARE Cobalt Strike beacon");
	ck_assert_str_eq(str_at(a, "category", NULL), "Command and Control");
	ck_assert_int_eq(int_at(a, "severity", NULL), 1);
	ck_assert_str_eq(str_at(ev, "tls", "sni"), "beacon.evil.test");
	ck_assert_str_eq(str_at(ev, "gw", "reason"), "c2_signature");
	ck_assert_str_eq(str_at(ev, "gw", "rule"), "c2:1000001");
	json_decref(ev);

	/* The verdict event of the same record is a "tls" event. */
	ev = roundtrip(gw_eve_from_record(&r, &ctx));
	ck_assert_str_eq(str_at(ev, "event_type", NULL), "tls");
	json_decref(ev);

	/* Unknown id: named by id; severity out of range: low. */
	r.sig_id = 42;
	r.severity = 0;
	ev = roundtrip(gw_eve_alert_from_record(&r, &ctx));
	ck_assert_str_eq(str_at(ev, "alert", "signature"), "C2 signature 42");
	ck_assert_int_eq(int_at(ev, "alert", "severity"), 3);
	json_decref(ev);
	r.severity = 2;
	ev = roundtrip(gw_eve_alert_from_record(&r, NULL));
	ck_assert_str_eq(str_at(ev, "alert", "signature"), "C2 signature 42");
	ck_assert_int_eq(int_at(ev, "alert", "severity"), 2);
	ck_assert(!has(ev, "in_iface", NULL));
	json_decref(ev);

	/* Only a C2 deny is an alert. */
	r.reason = GW_REASON_FQDN_NOT_ALLOWED;
	ck_assert_ptr_null(gw_eve_alert_from_record(&r, &ctx));
	r.reason = GW_REASON_C2_SIGNATURE;
	r.verdict = GW_VERDICT_ALLOW;
	ck_assert_ptr_null(gw_eve_alert_from_record(&r, &ctx));
}
END_TEST

START_TEST(test_write)
{
	struct gw_record r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	FILE *ro;
	json_t *ev;
	json_t *back;
	json_error_t jerr;

	rec_base(&r, GW_REC_VERDICT);
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ev = gw_eve_from_record(&r, &ctx_lan);
	ck_assert_int_eq(gw_eve_write(f, ev), 0);
	ck_assert_int_eq(gw_eve_write(f, ev), 0);
	ck_assert_int_eq(fclose(f), 0);
	/* Two lines, each one whole compact event. */
	ck_assert_ptr_nonnull(strchr(buf, '\n'));
	ck_assert_uint_eq(len % 2, 0);
	ck_assert_int_eq(memcmp(buf, buf + len / 2, len / 2), 0);
	ck_assert_int_eq(buf[len / 2 - 1], '\n');
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + len / 2 - 1);
	/* Compact: no space after separators. */
	ck_assert_ptr_null(strstr(buf, "\": "));
	ck_assert_ptr_null(strstr(buf, ", \""));
	back = json_loadb(buf, len / 2, 0, &jerr);
	ck_assert_ptr_nonnull(back);
	ck_assert(json_equal(back, ev));
	json_decref(back);
	free(buf);

	ck_assert_int_eq(gw_eve_write(NULL, ev), GW_EINVAL);
	ck_assert_int_eq(gw_eve_write(stdout, NULL), GW_EINVAL);
	/* A stream that refuses writes. */
	ro = fopen("/dev/null", "r");
	ck_assert_ptr_nonnull(ro);
	ck_assert_int_eq(gw_eve_write(ro, ev), GW_EIO);
	fclose(ro);
	json_decref(ev);
}
END_TEST

/* ---- cache ---- */

static void
name_of(struct gw_eve_name *n, uint64_t id)
{
	memset(n, 0, sizeof(*n));
	n->app = GW_APP_TLS;
	n->name_len = (uint8_t)snprintf((char *)n->name, sizeof(n->name),
					"n%llu.test", (unsigned long long)id);
	n->tls_version = 0x0303;
}

static void
assert_take(struct gw_eve_cache *c, uint64_t id)
{
	struct gw_eve_name want;
	struct gw_eve_name got;

	name_of(&want, id);
	ck_assert_int_eq(gw_eve_cache_take(c, id, &got), 0);
	ck_assert_int_eq(memcmp(&want, &got, sizeof(got)), 0);
}

START_TEST(test_cache_basic)
{
	struct gw_eve_cache *c;
	struct gw_eve_name n;
	uint64_t id;

	ck_assert_ptr_null(gw_eve_cache_create(0));
	ck_assert_ptr_null(gw_eve_cache_create(UINT32_MAX));
	gw_eve_cache_free(NULL);
	c = gw_eve_cache_create(4);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(gw_eve_cache_capacity(c), 4);
	ck_assert_int_eq(gw_eve_cache_take(c, 1, &n), GW_ENOENT);
	for (id = 1; id <= 4; id++) {
		name_of(&n, id);
		ck_assert_int_eq(gw_eve_cache_put(c, id, &n), 0);
	}
	ck_assert_uint_eq(gw_eve_cache_count(c), 4);
	/* Full: the oldest (1) makes room. */
	name_of(&n, 5);
	ck_assert_int_eq(gw_eve_cache_put(c, 5, &n), 1);
	ck_assert_uint_eq(gw_eve_cache_count(c), 4);
	ck_assert_uint_eq(gw_eve_cache_evicted(c), 1);
	ck_assert_int_eq(gw_eve_cache_take(c, 1, &n), GW_ENOENT);
	/* Replacing 2 makes it the newest: 3 is now the oldest. */
	name_of(&n, 2);
	ck_assert_int_eq(gw_eve_cache_put(c, 2, &n), 0);
	name_of(&n, 6);
	ck_assert_int_eq(gw_eve_cache_put(c, 6, &n), 1);
	ck_assert_int_eq(gw_eve_cache_take(c, 3, NULL), GW_ENOENT);
	assert_take(c, 2);
	assert_take(c, 4);
	assert_take(c, 5);
	ck_assert_uint_eq(gw_eve_cache_count(c), 1);
	/* Taken means gone. */
	ck_assert_int_eq(gw_eve_cache_take(c, 2, &n), GW_ENOENT);
	ck_assert_int_eq(gw_eve_cache_take(c, 6, NULL), 0);
	ck_assert_uint_eq(gw_eve_cache_count(c), 0);
	ck_assert_uint_eq(gw_eve_cache_evicted(c), 2);
	ck_assert_int_eq(gw_eve_cache_put(NULL, 1, &n), GW_EINVAL);
	ck_assert_int_eq(gw_eve_cache_put(c, 1, NULL), GW_EINVAL);
	ck_assert_int_eq(gw_eve_cache_take(NULL, 1, &n), GW_EINVAL);
	ck_assert_uint_eq(gw_eve_cache_count(NULL), 0);
	gw_eve_cache_free(c);
}
END_TEST

/*
 * Against a plain model (array in insertion order): random puts and takes
 * over a key space larger than the capacity, so evictions, replacements
 * and backward-shift deletions all happen many times.
 */
#define MODEL_CAP 61
START_TEST(test_cache_model)
{
	struct model {
		uint64_t id;
		uint64_t age;
	} m[MODEL_CAP];
	size_t mn = 0;
	uint64_t age = 0;
	uint64_t evicted = 0;
	uint32_t seed = 99;
	struct gw_eve_cache *c = gw_eve_cache_create(MODEL_CAP);
	unsigned int op;

	ck_assert_ptr_nonnull(c);
	for (op = 0; op < 300000; op++) {
		uint64_t id;
		size_t i;
		size_t at = SIZE_MAX;

		seed = seed * 1664525u + 1013904223u;
		/* Ids like the workers': worker in the top byte, a counter below. */
		id = ((uint64_t)(seed >> 28 & 3) << 56) | (seed >> 8 & 63);
		for (i = 0; i < mn; i++)
			if (m[i].id == id)
				at = i;
		if ((seed & 0xff) < 150) {
			struct gw_eve_name n;
			int rc;

			name_of(&n, id);
			rc = gw_eve_cache_put(c, id, &n);
			if (at != SIZE_MAX) {
				ck_assert_int_eq(rc, 0);
				m[at].age = age++;
			} else if (mn == MODEL_CAP) {
				size_t old = 0;

				ck_assert_int_eq(rc, 1);
				for (i = 1; i < mn; i++)
					if (m[i].age < m[old].age)
						old = i;
				m[old].id = id;
				m[old].age = age++;
				evicted++;
			} else {
				ck_assert_int_eq(rc, 0);
				m[mn].id = id;
				m[mn].age = age++;
				mn++;
			}
		} else if (at != SIZE_MAX) {
			assert_take(c, id);
			m[at] = m[--mn];
		} else {
			ck_assert_int_eq(gw_eve_cache_take(c, id, NULL), GW_ENOENT);
		}
		ck_assert_uint_eq(gw_eve_cache_count(c), mn);
	}
	ck_assert_uint_eq(gw_eve_cache_evicted(c), evicted);
	ck_assert_uint_gt(evicted, 1000);
	while (mn > 0) {
		assert_take(c, m[mn - 1].id);
		mn--;
	}
	ck_assert_uint_eq(gw_eve_cache_count(c), 0);
	gw_eve_cache_free(c);
}
END_TEST

/* The control thread's use: name at VERDICT, taken back at END. */
START_TEST(test_cache_verdict_to_end)
{
	struct gw_eve_cache *c = gw_eve_cache_create(8);
	struct gw_record v;
	struct gw_record e;
	struct gw_eve_name n;
	json_t *ev;

	rec_base(&v, GW_REC_VERDICT);
	snprintf(v.alpn, sizeof(v.alpn), "http/1.1");
	gw_eve_name_from_record(&n, &v);
	ck_assert_int_eq(gw_eve_cache_put(c, v.flow_id, &n), 0);
	rec_base(&e, GW_REC_END);
	e.app = GW_APP_NONE;
	e.name_len = 0;
	memset(&n, 0, sizeof(n));
	ck_assert_int_eq(gw_eve_cache_take(c, e.flow_id, &n), 0);
	ev = roundtrip(gw_eve_from_record_name(&e, &ctx_lan, &n));
	ck_assert_str_eq(str_at(ev, "tls", "sni"), "api.example.com");
	ck_assert_str_eq(str_at(ev, "tls", "alpn"), "http/1.1");
	json_decref(ev);
	ck_assert_int_eq(gw_eve_cache_take(c, e.flow_id, &n), GW_ENOENT);
	gw_eve_cache_free(c);
}
END_TEST

static Suite *
eve_suite(void)
{
	Suite *s = suite_create("eve");
	TCase *tc = tcase_create("events");
	TCase *tcc = tcase_create("cache");

	tcase_add_test(tc, test_timestamp);
	tcase_add_test(tc, test_verdict_tls_allow);
	tcase_add_test(tc, test_verdict_http_deny_qinq);
	tcase_add_test(tc, test_verdict_drop_untagged_v6);
	tcase_add_test(tc, test_verdict_allow_cidr);
	tcase_add_test(tc, test_not_an_event);
	tcase_add_test(tc, test_dns_event);
	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_tls_versions);
	tcase_add_test(tc, test_protocols);
	tcase_add_test(tc, test_flow_id_masked);
	tcase_add_test(tc, test_flow_start);
	tcase_add_test(tc, test_flow_end);
	tcase_add_test(tc, test_flow_end_states);
	tcase_add_test(tc, test_flow_end_causes);
	tcase_add_test(tc, test_flow_end_named);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_role_text);
	tcase_add_test(tc, test_random_records);
	tcase_add_test(tc, test_alert);
	tcase_add_test(tc, test_write);
	suite_add_tcase(s, tc);
	tcase_add_test(tcc, test_cache_basic);
	tcase_add_test(tcc, test_cache_model);
	tcase_add_test(tcc, test_cache_verdict_to_end);
	suite_add_tcase(s, tcc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(eve_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
