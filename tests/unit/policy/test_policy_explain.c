/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gw_policy_diff (reload dry run) and gw_policy_explain (why / check):
 * the diff names exactly what changed and what needs a restart; explain
 * agrees with decide_l4 / decide_name on a table of flows and answers
 * the reference policy's questions.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "gw_test.h"
#include "pkt/gw_pkt.h"
#include "policy/gw_policy.h"

#define REF_POLICY GW_SRCDIR "/config/policy-reference.yaml"

static struct gw_policy *
load(const char *yaml)
{
	struct gw_policy *p = NULL;
	struct gw_diags dg;
	unsigned int i;
	int rc = gw_policy_load_string(yaml, strlen(yaml), "t.yaml", &p, &dg);

	for (i = 0; rc != 0 && i < dg.n; i++)
		fprintf(stderr, "%u:%u: %s\n", dg.d[i].line, dg.d[i].col, dg.d[i].msg);
	ck_assert_int_eq(rc, 0);
	return p;
}

/* The JSON text of o, compact with sorted keys (freed by the caller). */
static char *
dump(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	ck_assert_ptr_nonnull(s);
	return s;
}

static void
assert_json(json_t *o, const char *path, const char *want)
{
	json_t *v = o;
	char key[64];
	const char *p = path, *dot;
	char *got;

	while (*p != '\0') {
		dot = strchr(p, '.');
		snprintf(key, sizeof(key), "%.*s", dot != NULL ? (int)(dot - p) : (int)strlen(p), p);
		v = json_object_get(v, key);
		ck_assert_msg(v != NULL, "no %s", path);
		p = dot != NULL ? dot + 1 : p + strlen(p);
	}
	got = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", path, got, want);
	free(got);
}

/* ---- diff ---- */

static const char old_yaml[] =
	"egress_policy:\n"
	"  dns: {allow: [\"10.0.0.53\"], block_encrypted: [DoH, DoT]}\n"
	"  roles:\n"
	"    web:\n"
	"      vlans: [10, 11]\n"
	"      allow_fqdns: [a.example, b.example]\n"
	"      allow_cidrs: [\"10.1.0.0/16\"]\n"
	"      allow_ports: [443, 80]\n"
	"      allow_methods: [GET]\n"
	"      name_binding: strict\n"
	"    db:\n"
	"      vlans: [20]\n"
	"      allow_cidrs: [\"10.2.0.0/16\"]\n"
	"    gone: {vlans: [30]}\n"
	"c2_signatures:\n"
	"  - {id: 1, name: one, pattern: 'x$'}\n"
	"  - {id: 2, name: two, pattern: 'y$'}\n"
	"  - {id: 3, name: three, pattern: 'z$'}\n"
	"gateway:\n"
	"  flow_capacity: 4096\n"
	"  evidence: {window_s: 60}\n"
	"monitoring: {drift_sigma: 3, max_hosts: 1024}\n";

static const char new_yaml[] =
	"egress_policy:\n"
	"  dns: {allow: [\"10.0.0.54\"], block_encrypted: [DoH, DoT, DoQ]}\n"
	"  roles:\n"
	"    web:\n"
	"      vlans: [10, 20]\n"
	"      allow_fqdns: [b.example, c.example]\n"
	"      allow_cidrs: [\"10.1.0.0/16\", \"10.3.0.0/16\"]\n"
	"      allow_ports: [443, 8443]\n"
	"      allow_methods: [GET, POST]\n"
	"      name_binding: log\n"
	"      hygiene: {no_sni: allow}\n"
	"      protocol: [SSH]\n"
	"    db:\n"
	"      vlans: [21]\n"
	"      allow_cidrs: [\"10.2.0.0/16\"]\n"
	"    fresh: {vlans: [untagged]}\n"
	"c2_signatures:\n"
	"  - {id: 1, name: one, pattern: 'x$'}\n"
	"  - {id: 3, name: three, pattern: 'zz$'}\n"
	"  - {id: 4, name: four, pattern: 'w$'}\n"
	"gateway:\n"
	"  flow_capacity: 8192\n"
	"  evidence: {window_s: 120}\n"
	"monitoring: {drift_sigma: 2.5, max_hosts: 2048}\n";

START_TEST(test_diff)
{
	struct gw_policy *a = load(old_yaml), *b = load(new_yaml);
	json_t *d = gw_policy_diff(a, b);

	ck_assert_ptr_nonnull(d);
	assert_json(d, "roles.added", "[\"fresh\"]");
	assert_json(d, "roles.removed", "[\"gone\"]");
	assert_json(d, "roles.changed",
		    "[{\"cidrs_added\":[\"10.3.0.0/16\"],\"cidrs_removed\":[],"
		    "\"fqdns_added\":[\"c.example\"],\"fqdns_removed\":[\"a.example\"],"
		    "\"methods_added\":[\"POST\"],\"methods_removed\":[],"
		    "\"ports_added\":[8443],\"ports_removed\":[80],"
		    "\"protocols_added\":[\"SSH\"],\"protocols_removed\":[],"
		    "\"role\":\"web\","
		    "\"settings\":[\"name_binding: strict -> log\",\"hygiene.no_sni: deny -> allow\"],"
		    "\"vlans_added\":[20],\"vlans_removed\":[11]},"
		    "{\"cidrs_added\":[],\"cidrs_removed\":[],\"fqdns_added\":[],\"fqdns_removed\":[],"
		    "\"methods_added\":[],\"methods_removed\":[],\"ports_added\":[],\"ports_removed\":[],"
		    "\"protocols_added\":[],\"protocols_removed\":[],\"role\":\"db\",\"settings\":[],"
		    "\"vlans_added\":[21],\"vlans_removed\":[20]}]");
	assert_json(d, "vlans.added", "[{\"role\":\"fresh\",\"vlan\":0},{\"role\":\"db\",\"vlan\":21}]");
	assert_json(d, "vlans.removed", "[{\"role\":\"web\",\"vlan\":11},{\"role\":\"gone\",\"vlan\":30}]");
	assert_json(d, "vlans.changed", "[{\"new\":\"web\",\"old\":\"db\",\"vlan\":20}]");
	assert_json(d, "dns.resolvers_added", "[\"10.0.0.54\"]");
	assert_json(d, "dns.resolvers_removed", "[\"10.0.0.53\"]");
	assert_json(d, "dns.settings", "[\"block_encrypted: DoH DoT -> DoH DoT DoQ\"]");
	assert_json(d, "signatures", "{\"added\":[4],\"changed\":[3],\"removed\":[2]}");
	assert_json(d, "gateway",
		    "[\"gateway.flow_capacity: 4096 -> 8192\",\"gateway.evidence.window_s: 60 -> 120\","
		    "\"monitoring.drift_sigma: 3 -> 2.5\",\"monitoring.max_hosts: 1024 -> 2048\"]");
	assert_json(d, "restart_required", "[\"gateway.flow_capacity\",\"monitoring.max_hosts\"]");
	assert_json(d, "identical", "false");
	json_decref(d);

	/* The same policy twice: nothing, every member present. */
	d = gw_policy_diff(a, a);
	ck_assert_ptr_nonnull(d);
	{
		char *s = dump(d);

		ck_assert_str_eq(s,
			"{\"dns\":{\"names_added\":[],\"names_removed\":[],\"resolvers_added\":[],"
			"\"resolvers_removed\":[],\"settings\":[]},\"gateway\":[],\"identical\":true,"
			"\"restart_required\":[],\"roles\":{\"added\":[],\"changed\":[],\"removed\":[]},"
			"\"signatures\":{\"added\":[],\"changed\":[],\"removed\":[]},"
			"\"vlans\":{\"added\":[],\"changed\":[],\"removed\":[]}}");
		free(s);
	}
	json_decref(d);
	ck_assert_ptr_null(gw_policy_diff(NULL, a));
	ck_assert_ptr_null(gw_policy_diff(a, NULL));
	gw_policy_free(a);
	gw_policy_free(b);
}
END_TEST

/* Mode and nat addresses need a restart; a changed pool is shown compactly. */
START_TEST(test_diff_nat)
{
	static const char nat_a[] =
		"egress_policy: {roles: {web: {vlans: [10]}}}\n"
		"gateway:\n  mode: nat\n  nat:\n"
		"    lan: {vlans: [{vlan: 10, address: 10.10.0.1/24}]}\n"
		"    wan: {address: 198.51.100.2/24, next_hop: 198.51.100.1}\n"
		"    pool: {addresses: [198.51.100.10-198.51.100.12]}\n"
		"  reload: {reset_revoked: true}\n";
	static const char nat_b[] =
		"egress_policy: {roles: {web: {vlans: [10]}}}\n"
		"gateway:\n  mode: nat\n  nat:\n"
		"    lan: {vlans: [{vlan: 10, address: 10.10.0.1/25}]}\n"
		"    wan: {address: 198.51.100.2/24, next_hop: 198.51.100.254}\n"
		"    pool: {addresses: [198.51.100.10-198.51.100.13], ports: 2048-4095}\n"
		"  reload: {reset_revoked: false}\n";
	struct gw_policy *a = load(nat_a), *b = load(nat_b), *c;
	json_t *d = gw_policy_diff(a, b);

	assert_json(d, "gateway",
		    "[\"gateway.nat.lan.vlans: 10 10.10.0.1/24 -> 10 10.10.0.1/25\","
		    "\"gateway.nat.wan.next_hop: 198.51.100.1 -> 198.51.100.254\","
		    "\"gateway.nat.pool.addresses: 198.51.100.10-198.51.100.12 -> 198.51.100.10-198.51.100.13\","
		    "\"gateway.nat.pool.ports: 1024-65535 -> 2048-4095\","
		    "\"gateway.reload.reset_revoked: true -> false\"]");
	assert_json(d, "restart_required",
		    "[\"gateway.nat.lan.vlans\",\"gateway.nat.wan.next_hop\","
		    "\"gateway.nat.pool.addresses\",\"gateway.nat.pool.ports\"]");
	json_decref(d);

	c = load("egress_policy: {roles: {web: {vlans: [10]}}}\n");
	d = gw_policy_diff(c, a);
	{
		json_t *g = json_object_get(d, "gateway");

		ck_assert_str_eq(json_string_value(json_array_get(g, 0)),
				 "gateway.mode: bridge -> nat");
		ck_assert_str_eq(json_string_value(json_array_get(
					 json_object_get(d, "restart_required"), 0)),
				 "gateway.mode");
	}
	json_decref(d);
	gw_policy_free(a);
	gw_policy_free(b);
	gw_policy_free(c);
}
END_TEST

/* ---- explain agrees with decide_* ---- */

/* Field by field: the struct has padding. */
static bool
decision_eq(const struct gw_decision *x, const struct gw_decision *y)
{
	return x->action == y->action && x->need == y->need &&
	       x->reason == y->reason && x->rule_kind == y->rule_kind &&
	       x->rule_index == y->rule_index && x->bind == y->bind;
}

static const char explain_yaml[] =
	"egress_policy:\n"
	"  dns: {allow: [\"10.0.0.53\"], block_encrypted: [DoH, DoT, DoQ]}\n"
	"  roles:\n"
	"    names:\n"
	"      vlans: [10]\n"
	"      allow_fqdns: [\"api.x.tld\", \"*.x.tld\"]\n"
	"      allow_methods: [GET]\n"
	"      ech: block\n"
	"    mixed:\n"
	"      vlans: [20]\n"
	"      allow_cidrs: [\"203.0.113.0/24\"]\n"
	"      allow_fqdns: [\"m.x.tld\"]\n"
	"      allow_ports: [443, 8443]\n"
	"      name_binding: log\n"
	"    ssh:\n"
	"      vlans: [30]\n"
	"      allow_fqdns: [\"sftp.x.tld\"]\n"
	"      protocol: [SFTP]\n"
	"    sshlog:\n"
	"      vlans: [31]\n"
	"      allow_fqdns: [\"sftp.x.tld\"]\n"
	"      protocol: [SSH]\n"
	"      name_binding: log\n"
	"c2_signatures:\n"
	"  - {id: 9, name: evil, pattern: '^evil\\.'}\n";

struct explain_case {
	uint16_t vlan;
	const char *dst;   /* NULL: no destination */
	uint8_t proto;
	uint16_t dport;
	uint8_t app;
	const char *name;
	const char *method;
	unsigned int flags;
	/* expected final decision */
	uint8_t action;
	uint8_t reason;
	uint8_t rule_kind;
	int32_t rule_index;
	bool binding;
	const char *text;  /* substring of out.text */
};

#define TCP GW_PROTO_TCP
#define UDP GW_PROTO_UDP
#define R(x) GW_REASON_##x
#define ALLOW GW_ACT_ALLOW
#define DENY GW_ACT_DENY

static const struct explain_case explain_cases[] = {
	{99, "8.8.8.8", TCP, 443, 0, "api.x.tld", NULL, 0, DENY, R(UNKNOWN_VLAN), GW_RULE_NONE, -1, false,
	 "denied unknown_vlan: VLAN not mapped to any role"},
	{10, "8.8.8.8", TCP, 443, 0, "api.x.tld", NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, true,
	 "allowed by allow_fqdns[0] api.x.tld if the destination is an address DNS gave for api.x.tld"},
	{10, "8.8.8.8", TCP, 443, 0, "www.x.tld", NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 1, true, "*.x.tld"},
	{10, "8.8.8.8", TCP, 443, 0, "evil.x.tld", NULL, 0, DENY, R(C2_SIGNATURE), GW_RULE_C2, 0, false,
	 "denied c2_signature by c2_signatures id 9 (evil)"},
	{10, "8.8.8.8", TCP, 443, 0, "dns.google", NULL, 0, DENY, R(DOH), GW_RULE_DOH, -2, false, "DoH endpoint dns.google"},
	{10, "8.8.8.8", TCP, 443, 0, "other.tld", NULL, 0, DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1, false, "fqdn_not_allowed"},
	{10, "8.8.8.8", TCP, 443, GW_APP_TLS, "api.x.tld", NULL, GW_NAME_ECH, DENY, R(ECH_BLOCKED), GW_RULE_NONE, -1, false, ""},
	{10, "8.8.8.8", TCP, 443, GW_APP_TLS, "", NULL, 0, DENY, R(NO_SNI), GW_RULE_NONE, -1, false, ""},
	{10, "8.8.8.8", TCP, 443, GW_APP_HTTP, "api.x.tld", NULL, 0, DENY, R(NOT_TLS), GW_RULE_NONE, -1, false, ""},
	{10, "8.8.8.8", TCP, 80, GW_APP_TLS, "api.x.tld", NULL, 0, DENY, R(NOT_HTTP), GW_RULE_NONE, -1, false, ""},
	{10, "8.8.8.8", TCP, 80, 0, "api.x.tld", "GET", 0, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, true, ""},
	{10, "8.8.8.8", TCP, 80, 0, "api.x.tld", "POST", 0, DENY, R(METHOD_NOT_ALLOWED), GW_RULE_FQDN, 0, false, ""},
	{10, "8.8.8.8", TCP, 443, 0, "1.2.3.4x", NULL, 0, DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1, false, ""},
	/* no name known: held for it */
	{10, "8.8.8.8", TCP, 443, 0, NULL, NULL, 0, GW_ACT_NEED_NAME, R(UNCLASSIFIED), GW_RULE_NONE, -1, false,
	 "held until the TLS SNI is known"},
	{10, "8.8.8.8", TCP, 22, 0, NULL, NULL, 0, DENY, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, false, ""},
	{10, "8.8.8.8", UDP, 443, 0, NULL, NULL, 0, DENY, R(QUIC_BLOCKED), GW_RULE_NONE, -1, false, ""},
	{10, "10.0.0.53", UDP, 53, 0, NULL, NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_DNS, 0, false, "dns.allow 10.0.0.53"},
	{10, "10.0.0.54", UDP, 53, 0, NULL, NULL, 0, DENY, R(DNS_NOT_ALLOWED), GW_RULE_NONE, -1, false, ""},
	{10, "9.9.9.9", TCP, 853, 0, NULL, NULL, 0, DENY, R(DOT), GW_RULE_NONE, -1, false, ""},
	/* CIDR first; name_binding log */
	{20, "203.0.113.9", TCP, 8443, 0, "anything", NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_CIDR, 0, false,
	 "allowed by allow_cidrs[0] 203.0.113.0/24"},
	{20, "8.8.8.8", TCP, 8443, 0, "m.x.tld", NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, true,
	 "logged if the destination is not an address DNS gave for m.x.tld"},
	{20, "8.8.8.8", TCP, 80, 0, "m.x.tld", NULL, 0, DENY, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, false, ""},
	/* binding ports */
	{30, "192.0.2.7", TCP, 22, 0, "sftp.x.tld", NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, true,
	 "if the destination is an address DNS gave for sftp.x.tld"},
	{30, "192.0.2.7", TCP, 22, 0, "other.x.tld", NULL, 0, DENY, R(NAME_IP_MISMATCH), GW_RULE_NONE, -1, false, ""},
	{30, "192.0.2.7", TCP, 22, 0, NULL, NULL, 0, GW_ACT_NEED_BINDING, R(UNCLASSIFIED), GW_RULE_NONE, -1, false,
	 "allowed only to an address DNS bound"},
	{30, "192.0.2.7", TCP, 443, 0, "sftp.x.tld", NULL, 0, DENY, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, false, ""},
	{31, "192.0.2.7", TCP, 22, 0, "other.x.tld", NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_NONE, -1, false, ""},
};

static struct gw_policy *ex_p;
static struct gw_match_scratch *ex_s;

static void
explain_setup(void)
{
	ex_p = load(explain_yaml);
	ex_s = NULL;
	ck_assert_int_eq(gw_policy_scratch_grow(ex_p, &ex_s), 0);
}

static void
explain_teardown(void)
{
	gw_match_scratch_free(ex_s);
	gw_policy_free(ex_p);
}

START_TEST(test_explain_table)
{
	const struct explain_case *c = &explain_cases[_i];
	const struct gw_role *role = gw_policy_role_for_vlan(ex_p, c->vlan);
	struct gw_explain_query q;
	struct gw_explain e;
	struct gw_decision l4;
	json_t *j;
	int32_t want_index = c->rule_index;

	memset(&q, 0, sizeof(q));
	q.vlan = c->vlan;
	q.proto = c->proto;
	q.dport = c->dport;
	q.app = c->app;
	q.name = c->name;
	q.name_len = c->name != NULL ? strlen(c->name) : 0;
	q.method = c->method;
	q.method_len = c->method != NULL ? strlen(c->method) : 0;
	q.flags = c->flags;
	if (c->dst != NULL) {
		q.has_dst = true;
		ck_assert_int_eq(gw_addr_parse(c->dst, &q.dst), 0);
	}
	/* Each run with the caller's scratch and with none. */
	ck_assert_int_eq(gw_policy_explain(ex_p, _i % 2 ? ex_s : NULL, &q, &e), 0);

	/* The first step is exactly decide_l4's. */
	gw_policy_decide_l4(ex_p, role, c->dst != NULL ? &q.dst : NULL, c->proto, c->dport, &l4);
	ck_assert(decision_eq(&l4, &e.l4));
	ck_assert_ptr_eq(e.role, role);
	/* A name decision is exactly decide_name's on the same inputs. */
	if (e.name_decided && l4.action == GW_ACT_NEED_NAME) {
		struct gw_decision dn;
		uint8_t app = c->app != 0 ? c->app :
			l4.need == GW_NEED_HTTP ? GW_APP_HTTP : GW_APP_TLS;
		const char *m = c->method != NULL ? c->method : role->n_methods ? role->methods[0] : "GET";

		gw_policy_decide_name_flags(ex_p, role, ex_s, app, (const uint8_t *)q.name,
					    q.name_len, app == GW_APP_HTTP ? m : NULL,
					    app == GW_APP_HTTP ? strlen(m) : 0, c->flags, &dn);
		ck_assert(decision_eq(&dn, &e.name));
		ck_assert(decision_eq(&dn, &e.final));
	}
	if (want_index == -2) /* the DoH list's index: whatever decide_name said */
		want_index = e.name.rule_index;
	ck_assert_msg(e.final.action == c->action && e.final.reason == c->reason &&
		      e.final.rule_kind == c->rule_kind &&
		      e.final.rule_index == want_index && e.binding_required == c->binding,
		      "case %d: got action %u reason %s rule %u/%d binding %d (%s)", _i,
		      e.final.action, gw_reason_name(e.final.reason), e.final.rule_kind,
		      e.final.rule_index, e.binding_required, e.text);
	ck_assert_msg(strstr(e.text, c->text) != NULL, "case %d: text '%s'", _i, e.text);

	j = gw_policy_explain_json(ex_p, &e);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "text")), e.text);
	ck_assert(json_is_boolean(json_object_get(j, "binding_required")));
	ck_assert(json_boolean_value(json_object_get(j, "binding_required")) == c->binding);
	if (c->action == DENY)
		ck_assert_str_eq(json_string_value(json_object_get(j, "reason")),
				 gw_reason_name(c->reason));
	else
		ck_assert(json_is_null(json_object_get(j, "reason")));
	json_decref(j);
}
END_TEST

/* `gwctl check ROLE NAME PORT` on the security team's reference policy. */
START_TEST(test_explain_reference)
{
	static const struct {
		const char *role;
		const char *name;
		uint16_t port;
		uint8_t action;
		uint8_t reason;
		uint8_t rule_kind;
		bool binding;
		const char *verdict;
		const char *rule;
	} cases[] = {
		{"web_server", "updates.vendor.tld", 443, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, true,
		 "allow", "allow_fqdns[0] updates.vendor.tld"},
		{"web_server", "evil.example", 443, DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, false,
		 "deny", NULL},
		{"app_server", "10.1.2.3", 5432, ALLOW, R(UNCLASSIFIED), GW_RULE_CIDR, false,
		 "allow", "allow_cidrs[0] 10.0.0.0/8"},
		{"app_server", "172.16.0.1", 5432, DENY, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, false,
		 "deny", NULL},
		{"batch_gateway", "sftp.partner.tld", 22, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, true,
		 "allow", "allow_fqdns[0] sftp.partner.tld"},
		{"batch_gateway", "sftp.partner.tld", 443, DENY, R(PORT_NOT_ALLOWED), GW_RULE_NONE, false,
		 "deny", NULL},
	};
	struct gw_policy *p = NULL;
	struct gw_explain_query q;
	struct gw_explain e;
	size_t i;

	ck_assert_int_eq(gw_policy_load_file(REF_POLICY, &p, NULL), 0);
	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		json_t *j;

		memset(&q, 0, sizeof(q));
		q.role_name = cases[i].role;
		q.proto = TCP;
		q.dport = cases[i].port;
		q.name = cases[i].name;
		q.name_len = strlen(cases[i].name);
		ck_assert_int_eq(gw_policy_explain(p, NULL, &q, &e), 0);
		ck_assert_str_eq(e.role->name, cases[i].role);
		ck_assert_msg(e.final.action == cases[i].action &&
			      e.final.reason == cases[i].reason &&
			      e.final.rule_kind == cases[i].rule_kind &&
			      e.binding_required == cases[i].binding,
			      "%s %s:%u: %s", cases[i].role, cases[i].name, cases[i].port, e.text);
		j = gw_policy_explain_json(p, &e);
		ck_assert_str_eq(json_string_value(json_object_get(j, "verdict")), cases[i].verdict);
		ck_assert_str_eq(json_string_value(json_object_get(j, "role")), cases[i].role);
		if (cases[i].rule != NULL)
			ck_assert_str_eq(json_string_value(json_object_get(j, "rule")), cases[i].rule);
		else
			ck_assert(json_is_null(json_object_get(j, "rule")));
		json_decref(j);
	}
	ck_assert_str_eq(e.text, "denied port_not_allowed: destination port not allowed for the role");

	/* The batch gateway's answer spells out the binding condition. */
	q.dport = 22;
	ck_assert_int_eq(gw_policy_explain(p, NULL, &q, &e), 0);
	ck_assert_str_eq(e.text,
			 "allowed by allow_fqdns[0] sftp.partner.tld if the destination is an address DNS gave for sftp.partner.tld");

	/* Unknown role, bad arguments. */
	q.role_name = "nobody";
	ck_assert_int_eq(gw_policy_explain(p, NULL, &q, &e), GW_ENOENT);
	ck_assert_int_eq(gw_policy_explain(NULL, NULL, &q, &e), GW_EINVAL);
	ck_assert_int_eq(gw_policy_explain(p, NULL, NULL, &e), GW_EINVAL);
	q.role_name = "web_server";
	q.name = NULL;
	q.name_len = 3;
	ck_assert_int_eq(gw_policy_explain(p, NULL, &q, &e), GW_EINVAL);
	ck_assert_ptr_null(gw_policy_explain_json(NULL, &e));
	ck_assert_ptr_null(gw_policy_explain_json(p, NULL));
	gw_policy_free(p);
}
END_TEST

static Suite *
explain_suite(void)
{
	Suite *s = suite_create("policy_explain");
	TCase *tc = tcase_create("diff");

	tcase_add_test(tc, test_diff);
	tcase_add_test(tc, test_diff_nat);
	suite_add_tcase(s, tc);
	tc = tcase_create("explain");
	tcase_add_checked_fixture(tc, explain_setup, explain_teardown);
	tcase_add_loop_test(tc, test_explain_table, 0, (int)GW_ARRAY_SIZE(explain_cases));
	tcase_add_test(tc, test_explain_reference);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(explain_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
