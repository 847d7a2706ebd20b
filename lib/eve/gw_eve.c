/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/gw_addr.h"
#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "eve/gw_eve.h"
#include "flow/gw_flow.h"
#include "pkt/gw_pkt.h"
#include "policy/gw_policy.h"

/* Worst case of gw_escape(): every byte becomes \xHH, plus the NUL. */
#define ESC_SIZE(n) ((n) * 4 + 1)

#define IPPROTO_NUM_ICMP 1
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_ICMPV6 58
#define IPPROTO_NUM_SCTP 132

/* end_cause values of struct gw_record. */
enum end_cause {
	END_TIMEOUT = 0,
	END_FIN = 1,
	END_RST = 2,
	END_SHUTDOWN = 3,
	END_DENIED = 4,
};

/*
 * jansson's *_set_new() steal the value even when they fail (and fail on a
 * NULL value), so builders OR the results together and check once.
 */
static int
set_str(json_t *o, const char *key, const char *s)
{
	return json_object_set_new(o, key, json_string(s));
}

static int
set_int(json_t *o, const char *key, uint64_t v)
{
	if (v > INT64_MAX)
		v = INT64_MAX;
	return json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* Bytes from the wire: always through gw_escape(). */
static int
set_wire(json_t *o, const char *key, const uint8_t *b, size_t len)
{
	char buf[ESC_SIZE(GW_REC_NAME_MAX)];

	if (len > GW_REC_NAME_MAX)
		len = GW_REC_NAME_MAX;
	gw_escape(b, len, buf, sizeof(buf));
	return set_str(o, key, buf);
}

/* A NUL-terminated field of a record that came from the wire. */
static int
set_wire_field(json_t *o, const char *key, const char *s, size_t max)
{
	return set_wire(o, key, (const uint8_t *)s, strnlen(s, max));
}

/*
 * Text from the configuration (role, signature name): UTF-8 is kept as
 * written, anything jansson refuses is escaped rather than losing the
 * event.
 */
static int
set_text(json_t *o, const char *key, const char *s, size_t max)
{
	size_t len = strnlen(s, max);
	json_t *v = json_stringn(s, len);

	if (v != NULL)
		return json_object_set_new(o, key, v);
	return set_wire(o, key, (const uint8_t *)s, len);
}

char *
gw_eve_format_ts(uint64_t ts_ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ts_ns / 1000000000u);
	unsigned int usec = (unsigned int)(ts_ns % 1000000000u / 1000u);
	char date[24];
	struct tm tm;

	if (buf == NULL || size == 0)
		return buf;
	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(date, sizeof(date), "1970-01-01T00:00:00");
	/* Dates up to year 9999 are 19 characters: fits GW_EVE_TS_LEN. */
	snprintf(buf, size, "%.19s.%06u+0000", date, usec % 1000000u);
	return buf;
}

static int
set_ts(json_t *o, const char *key, uint64_t ts_ns)
{
	char ts[GW_EVE_TS_LEN];

	return set_str(o, key, gw_eve_format_ts(ts_ns, ts, sizeof(ts)));
}

const char *
gw_eve_proto_name(uint8_t proto, char *buf, size_t size)
{
	switch (proto) {
	case IPPROTO_NUM_TCP:
		return "TCP";
	case IPPROTO_NUM_UDP:
		return "UDP";
	case IPPROTO_NUM_ICMP:
		return "ICMP";
	case IPPROTO_NUM_ICMPV6:
		return "IPv6-ICMP";
	case IPPROTO_NUM_SCTP:
		return "SCTP";
	default:
		snprintf(buf, size, "%u", proto);
		return buf;
	}
}

static bool
proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_NUM_TCP || proto == IPPROTO_NUM_UDP ||
	       proto == IPPROTO_NUM_SCTP;
}

/* Suricata's spelling of the protocol versions. */
static const char *
tls_version_name(uint16_t v)
{
	switch (v) {
	case 0x0200:
		return "SSLv2";
	case 0x0300:
		return "SSLv3";
	case 0x0301:
		return "TLSv1";
	case 0x0302:
		return "TLS 1.1";
	case 0x0303:
		return "TLS 1.2";
	case 0x0304:
		return "TLS 1.3";
	default:
		return "UNDETERMINED";
	}
}

const char *
gw_eve_verdict_name(uint8_t v)
{
	switch (v) {
	case GW_VERDICT_ALLOW:
		return "allow";
	case GW_VERDICT_DENY:
		return "deny";
	default:
		return "pending";
	}
}

const char *
gw_eve_app_name(uint8_t app)
{
	switch (app) {
	case GW_APP_TLS:
		return "tls";
	case GW_APP_HTTP:
		return "http";
	default:
		return NULL;
	}
}

/* Suricata's flow.state: new, established, closed. */
static const char *
flow_state_name(const struct gw_record *r)
{
	switch (r->end_state) {
	case GW_TCP_SYN_SENT:
	case GW_TCP_SYN_RCVD:
		return "new";
	case GW_TCP_ESTABLISHED:
	case GW_TCP_FIN_WAIT:
		return "established";
	case GW_TCP_CLOSING:
	case GW_TCP_CLOSED:
		return "closed";
	default:
		/* Not TCP: established once both directions carried packets. */
		return r->pkts_toclient > 0 && r->pkts_toserver > 0 ?
			"established" : "new";
	}
}

/* Suricata's tcp.state spelling for our tracker's states. */
static const char *
tcp_state_name(uint8_t s)
{
	static const char *const names[GW_TCP_STATE_MAX] = {
		[GW_TCP_NONE] = "none",
		[GW_TCP_SYN_SENT] = "syn_sent",
		[GW_TCP_SYN_RCVD] = "syn_recv",
		[GW_TCP_ESTABLISHED] = "established",
		[GW_TCP_FIN_WAIT] = "fin_wait",
		[GW_TCP_CLOSING] = "closing",
		[GW_TCP_CLOSED] = "closed",
	};

	return s < GW_TCP_STATE_MAX ? names[s] : "unknown";
}

/*
 * Suricata knows timeout, forced and shutdown: flows closed by FIN or RST
 * also end on their (short) closed timeout there, so they map to
 * "timeout"; our own gw.end_cause keeps the detail.
 */
static const char *
flow_reason_name(uint8_t cause)
{
	switch (cause) {
	case END_SHUTDOWN:
		return "shutdown";
	case END_DENIED:
		return "forced";
	default:
		return "timeout";
	}
}

static const char *
end_cause_name(uint8_t cause)
{
	switch (cause) {
	case END_TIMEOUT:
		return "timeout";
	case END_FIN:
		return "fin";
	case END_RST:
		return "rst";
	case END_SHUTDOWN:
		return "shutdown";
	case END_DENIED:
		return "denied";
	default:
		return "unknown";
	}
}

/* "fqdn:3", "cidr:0", "c2:1000001"; false when no rule is known. */
static bool
rule_string(const struct gw_record *r, char *buf, size_t size)
{
	switch (r->rule_kind) {
	case GW_RULE_CIDR:
		if (r->rule_index < 0)
			return false;
		snprintf(buf, size, "cidr:%" PRId32, r->rule_index);
		return true;
	case GW_RULE_FQDN:
		if (r->rule_index < 0)
			return false;
		snprintf(buf, size, "fqdn:%" PRId32, r->rule_index);
		return true;
	case GW_RULE_C2:
		/* Signature ids are what operators know C2 rules by. */
		if (r->sig_id != 0) {
			snprintf(buf, size, "c2:%" PRIu32, r->sig_id);
			return true;
		}
		if (r->rule_index < 0)
			return false;
		snprintf(buf, size, "c2:%" PRId32, r->rule_index);
		return true;
	case GW_RULE_DNS:
		if (r->rule_index < 0)
			return false;
		snprintf(buf, size, "dns:%" PRId32, r->rule_index);
		return true;
	case GW_RULE_DOH:
		if (r->rule_index < 0)
			return false;
		snprintf(buf, size, "doh:%" PRId32, r->rule_index);
		return true;
	default:
		return false;
	}
}

/* Common header fields, in Suricata's order. */
static int
add_common(json_t *ev, const struct gw_record *r, const struct gw_eve_ctx *ctx,
	   const char *event_type, uint8_t app)
{
	char addr[GW_ADDR_STRLEN];
	char pbuf[4];
	const char *ap;
	int bad = 0;

	bad |= set_ts(ev, "timestamp", r->ts_ns);
	/* Suricata masks flow_id to a positive int64 too. */
	bad |= set_int(ev, "flow_id", r->flow_id & INT64_MAX);
	if (ctx != NULL && ctx->in_iface != NULL)
		bad |= set_text(ev, "in_iface", ctx->in_iface, 64);
	bad |= set_str(ev, "event_type", event_type);
	if (r->vlan_outer != 0) {
		json_t *vlan = json_array();

		if (vlan != NULL) {
			bad |= json_array_append_new(vlan,
						     json_integer(r->vlan_outer));
			if (r->vlan_inner != 0 && r->vlan_inner != r->vlan_outer)
				bad |= json_array_append_new(
					vlan, json_integer(r->vlan_inner));
		}
		bad |= json_object_set_new(ev, "vlan", vlan);
	}
	bad |= set_str(ev, "src_ip", gw_addr_to_str(&r->src, addr, sizeof(addr)));
	if (proto_has_ports(r->proto))
		bad |= set_int(ev, "src_port", r->sport);
	bad |= set_str(ev, "dest_ip", gw_addr_to_str(&r->dst, addr, sizeof(addr)));
	if (proto_has_ports(r->proto))
		bad |= set_int(ev, "dest_port", r->dport);
	bad |= set_str(ev, "proto",
		       gw_eve_proto_name(r->proto, pbuf, sizeof(pbuf)));
	ap = gw_eve_app_name(app);
	if (ap != NULL)
		bad |= set_str(ev, "app_proto", ap);
	return bad;
}

/* The "tls" or "http" object from the name part; nothing when app unknown. */
static int
add_app(json_t *ev, const struct gw_eve_name *n)
{
	json_t *o;
	int bad = 0;

	if (n->app != GW_APP_TLS && n->app != GW_APP_HTTP)
		return 0;
	o = json_object();
	if (o == NULL)
		return -1;
	if (n->app == GW_APP_TLS) {
		if (n->name_len > 0)
			bad |= set_wire(o, "sni", n->name, n->name_len);
		if (n->tls_version != 0)
			bad |= set_str(o, "version",
				       tls_version_name(n->tls_version));
		bad |= json_object_set_new(o, "ech", json_boolean(n->ech));
		if (n->alpn[0] != '\0')
			bad |= set_wire_field(o, "alpn", n->alpn,
					      sizeof(n->alpn));
		bad |= json_object_set_new(ev, "tls", o);
	} else {
		if (n->name_len > 0)
			bad |= set_wire(o, "hostname", n->name, n->name_len);
		if (n->method[0] != '\0')
			bad |= set_wire_field(o, "http_method", n->method,
					      sizeof(n->method));
		bad |= json_object_set_new(ev, "http", o);
	}
	return bad;
}

/* nat mode: the translated source, "snat": {"ip", "port"}. */
static int
add_snat(json_t *o, const struct gw_record *r)
{
	char addr[GW_ADDR_STRLEN];
	json_t *s = json_object();
	int bad = 0;

	if (s == NULL)
		return -1;
	bad |= set_str(s, "ip", gw_addr_to_str(&r->snat_addr, addr, sizeof(addr)));
	if (proto_has_ports(r->proto) || r->proto == GW_PROTO_ICMP)
		bad |= set_int(s, "port", r->snat_port);
	bad |= json_object_set_new(o, "snat", s);
	return bad;
}

/* Our own object: role, VLAN, verdict, reason, rule, worker. */
static int
add_gw(json_t *ev, const struct gw_record *r)
{
	json_t *o = json_object();
	char rule[32];
	int bad = 0;

	if (o == NULL)
		return -1;
	if (r->role[0] != '\0')
		bad |= set_text(o, "role", r->role, sizeof(r->role));
	bad |= set_int(o, "vlan", r->vlan_inner);
	bad |= set_str(o, "verdict", gw_eve_verdict_name(r->verdict));
	if (r->verdict == GW_VERDICT_DENY)
		bad |= set_str(o, "reason", gw_reason_name(r->reason));
	if (rule_string(r, rule, sizeof(rule)))
		bad |= set_str(o, "rule", rule);
	bad |= set_int(o, "worker", r->worker);
	if (r->type == GW_REC_END)
		bad |= set_str(o, "end_cause", end_cause_name(r->end_cause));
	if (r->bind_state == GW_BIND_STATE_BOUND)
		bad |= set_str(o, "binding", "bound");
	else if (r->bind_state == GW_BIND_STATE_MISMATCH)
		bad |= set_str(o, "binding", "mismatch");
	if (r->has_snat)
		bad |= add_snat(o, r);
	bad |= json_object_set_new(ev, "gw", o);
	return bad;
}

static int
add_flow(json_t *ev, const struct gw_record *r)
{
	json_t *o = json_object();
	uint64_t start_s = r->start_ns / 1000000000u;
	uint64_t end_s = r->ts_ns / 1000000000u;
	int bad = 0;

	if (o == NULL)
		return -1;
	bad |= set_int(o, "pkts_toserver", r->pkts_toserver);
	bad |= set_int(o, "pkts_toclient", r->pkts_toclient);
	bad |= set_int(o, "bytes_toserver", r->bytes_toserver);
	bad |= set_int(o, "bytes_toclient", r->bytes_toclient);
	bad |= set_ts(o, "start", r->start_ns);
	bad |= set_ts(o, "end", r->ts_ns);
	/* Whole seconds between the two timestamps, as Suricata counts. */
	bad |= set_int(o, "age", end_s > start_s ? end_s - start_s : 0);
	bad |= set_str(o, "state", flow_state_name(r));
	bad |= set_str(o, "reason", flow_reason_name(r->end_cause));
	bad |= json_object_set_new(o, "alerted",
				   json_boolean(r->verdict == GW_VERDICT_DENY &&
						r->reason ==
							GW_REASON_C2_SIGNATURE));
	bad |= json_object_set_new(ev, "flow", o);
	if (r->proto == IPPROTO_NUM_TCP) {
		json_t *t = json_object();

		if (t != NULL)
			bad |= set_str(t, "state", tcp_state_name(r->end_state));
		bad |= json_object_set_new(ev, "tcp", t);
	}
	return bad;
}

void
gw_eve_name_from_record(struct gw_eve_name *n, const struct gw_record *r)
{
	memset(n, 0, sizeof(*n));
	n->app = r->app;
	n->ech = r->ech;
	n->name_len = r->name_len;
	n->tls_version = r->tls_version;
	memcpy(n->name, r->name, r->name_len);
	memcpy(n->method, r->method, sizeof(n->method));
	n->method[sizeof(n->method) - 1] = '\0';
	memcpy(n->alpn, r->alpn, sizeof(n->alpn));
	n->alpn[sizeof(n->alpn) - 1] = '\0';
}

/* A verdict event is named after what carried the name it was decided on. */
static const char *
verdict_event_type(const struct gw_record *r, const struct gw_eve_name *n)
{
	if (n->app == GW_APP_TLS)
		return "tls";
	if (n->app == GW_APP_HTTP)
		return "http";
	return r->verdict == GW_VERDICT_DENY ? "drop" : "allow";
}

json_t *
gw_eve_from_record_name(const struct gw_record *r,
			const struct gw_eve_ctx *ctx,
			const struct gw_eve_name *name)
{
	struct gw_eve_name own;
	const struct gw_eve_name *n;
	const char *type;
	json_t *ev;
	int bad = 0;

	if (r == NULL)
		return NULL;
	if (name != NULL && name->app != GW_APP_NONE) {
		n = name;
	} else {
		gw_eve_name_from_record(&own, r);
		n = &own;
	}
	switch (r->type) {
	case GW_REC_START:
		type = "flow_start";
		break;
	case GW_REC_VERDICT:
		/* A verdict record reports a decision; pending is none. */
		if (r->verdict != GW_VERDICT_ALLOW &&
		    r->verdict != GW_VERDICT_DENY)
			return NULL;
		type = verdict_event_type(r, n);
		break;
	case GW_REC_END:
		type = "flow";
		break;
	default:
		return NULL;
	}

	ev = json_object();
	if (ev == NULL)
		return NULL;
	bad |= add_common(ev, r, ctx, type, n->app);
	bad |= add_app(ev, n);
	if (r->type == GW_REC_END)
		bad |= add_flow(ev, r);
	bad |= add_gw(ev, r);
	if (bad != 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

static const char *
dns_rrtype_name(uint16_t t, char *buf, size_t size)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 64: return "SVCB";
	case 65: return "HTTPS";
	default:
		snprintf(buf, size, "TYPE%u", t);
		return buf;
	}
}

static const char *
dns_rcode_name(uint8_t rc, char *buf, size_t size)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL",
					    "NXDOMAIN", "NOTIMP", "REFUSED"};

	if (rc < sizeof(names) / sizeof(names[0]))
		return names[rc];
	snprintf(buf, size, "RCODE%u", rc);
	return buf;
}

/*
 * A "dns" event (Suricata's v2 layout, answers grouped by type): the
 * question name is escaped like every name from the wire.
 */
static json_t *
eve_dns(const struct gw_record *r, const struct gw_eve_ctx *ctx)
{
	json_t *ev = json_object(), *d = json_object();
	char tbuf[16], abuf[GW_ADDR_STRLEN];
	int bad = 0;

	if (ev == NULL || d == NULL) {
		json_decref(ev);
		json_decref(d);
		return NULL;
	}
	bad |= add_common(ev, r, ctx, "dns", GW_APP_NONE);
	bad |= set_int(d, "version", 2);
	bad |= set_str(d, "type", r->dns_type == 2 ? "answer" : "query");
	bad |= set_int(d, "id", r->dns_id);
	bad |= set_wire(d, "rrname", r->name, r->name_len);
	bad |= set_str(d, "rrtype",
		       dns_rrtype_name(r->dns_qtype, tbuf, sizeof(tbuf)));
	if (r->dns_type == 2) {
		json_t *a4 = json_array(), *a6 = json_array(), *g = json_object();
		unsigned int i;

		bad |= set_str(d, "rcode",
			       dns_rcode_name(r->dns_rcode, tbuf, sizeof(tbuf)));
		bad |= set_int(d, "ttl", r->dns_ttl);
		for (i = 0; i < r->dns_n_addrs && i < GW_REC_DNS_ADDRS; i++) {
			gw_addr_to_str(&r->dns_addrs[i], abuf, sizeof(abuf));
			bad |= json_array_append_new(
				gw_addr_is_v4(&r->dns_addrs[i]) ? a4 : a6,
				json_string(abuf));
		}
		if (json_array_size(a4) > 0)
			bad |= json_object_set(g, "A", a4);
		if (json_array_size(a6) > 0)
			bad |= json_object_set(g, "AAAA", a6);
		json_decref(a4);
		json_decref(a6);
		bad |= json_object_set_new(d, "grouped", g);
	}
	bad |= json_object_set_new(ev, "dns", d);
	bad |= add_gw(ev, r);
	if (bad != 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

/*
 * An SNAT mapping created or deleted: event_type "nat", the inside
 * endpoint as src, "nat": {"event": "create"|"delete", "ip", "port"}.
 */
static json_t *
eve_nat(const struct gw_record *r, const struct gw_eve_ctx *ctx)
{
	json_t *ev = json_object(), *n = json_object();
	char addr[GW_ADDR_STRLEN], pbuf[4];
	int bad = 0;

	if (ev == NULL || n == NULL) {
		json_decref(ev);
		json_decref(n);
		return NULL;
	}
	bad |= set_ts(ev, "timestamp", r->ts_ns);
	if (ctx != NULL && ctx->in_iface != NULL)
		bad |= set_text(ev, "in_iface", ctx->in_iface, 64);
	bad |= set_str(ev, "event_type", "nat");
	bad |= set_str(ev, "src_ip", gw_addr_to_str(&r->src, addr, sizeof(addr)));
	bad |= set_int(ev, "src_port", r->sport);
	bad |= set_str(ev, "proto",
		       gw_eve_proto_name(r->proto, pbuf, sizeof(pbuf)));
	bad |= set_str(n, "event", r->nat_event == 2 ? "delete" : "create");
	bad |= set_str(n, "ip", gw_addr_to_str(&r->snat_addr, addr, sizeof(addr)));
	bad |= set_int(n, "port", r->snat_port);
	bad |= set_int(n, "worker", r->worker);
	bad |= json_object_set_new(ev, "nat", n);
	if (bad) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

json_t *
gw_eve_from_record(const struct gw_record *r, const struct gw_eve_ctx *ctx)
{
	if (r != NULL && r->type == GW_REC_DNS)
		return eve_dns(r, ctx);
	if (r != NULL && r->type == GW_REC_NAT)
		return eve_nat(r, ctx);
	return gw_eve_from_record_name(r, ctx, NULL);
}

json_t *
gw_eve_alert_from_record(const struct gw_record *r,
			 const struct gw_eve_ctx *ctx)
{
	struct gw_eve_name n;
	const char *sig = NULL;
	char fallback[48];
	json_t *ev;
	json_t *a;
	int bad = 0;

	if (r == NULL || r->verdict != GW_VERDICT_DENY ||
	    r->reason != GW_REASON_C2_SIGNATURE)
		return NULL;
	if (ctx != NULL && ctx->sig_name != NULL)
		sig = ctx->sig_name(r->sig_id, ctx->sig_arg);
	if (sig == NULL) {
		snprintf(fallback, sizeof(fallback), "C2 signature %" PRIu32,
			 r->sig_id);
		sig = fallback;
	}
	gw_eve_name_from_record(&n, r);
	ev = json_object();
	if (ev == NULL)
		return NULL;
	bad |= add_common(ev, r, ctx, "alert", n.app);
	a = json_object();
	if (a != NULL) {
		bad |= set_str(a, "action", "blocked");
		bad |= set_int(a, "gid", 1);
		bad |= set_int(a, "signature_id", r->sig_id);
		bad |= set_int(a, "rev", 1);
		bad |= set_text(a, "signature", sig, GW_SIG_NAME_MAX);
		bad |= set_str(a, "category", "Command and Control");
		/* Suricata's scale is 1 (high) .. 3 (low); unset means low. */
		bad |= set_int(a, "severity",
			       r->severity >= 1 && r->severity <= 3 ?
				       r->severity : 3);
	}
	bad |= json_object_set_new(ev, "alert", a);
	bad |= add_app(ev, &n);
	bad |= add_gw(ev, r);
	if (bad != 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

int
gw_eve_write(FILE *f, json_t *ev)
{
	char *s;
	size_t len;
	int rc = 0;

	if (f == NULL || ev == NULL)
		return GW_EINVAL;
	s = json_dumps(ev, JSON_COMPACT);
	if (s == NULL)
		return GW_EIO;
	len = strlen(s);
	/* Line and newline together, so a reader never sees half an event
	 * followed by the next one on the same line if the stream is
	 * unbuffered. */
	s[len] = '\n';
	if (fwrite(s, 1, len + 1, f) != len + 1)
		rc = GW_EIO;
	free(s);
	return rc;
}
