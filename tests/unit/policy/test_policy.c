/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy loader and verdict tests: the reference policy and the example
 * load with the expected structure; every key is exercised; a table of bad
 * inputs reports the expected position and message; decisions follow the
 * documented order; no truncation of the example crashes the loader.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "gw_test.h"
#include "pkt/gw_pkt.h"
#include "policy/gw_policy.h"

#define REF_POLICY GW_SRCDIR "/config/policy-reference.yaml"
#define EXAMPLE_POLICY GW_SRCDIR "/config/example.yaml"
#define POLICY_DOC GW_SRCDIR "/docs/policy.md"

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct gw_policy *
load_ok(const char *yaml)
{
	struct gw_policy *p = NULL;
	struct gw_diags dg;
	unsigned int i;
	int rc;

	rc = gw_policy_load_string(yaml, strlen(yaml), "test", &p, &dg);
	for (i = 0; rc != 0 && i < dg.n; i++)
		fprintf(stderr, "%u:%u: %s\n", dg.d[i].line, dg.d[i].col,
			dg.d[i].msg);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < dg.n; i++)
		ck_assert_msg(dg.d[i].warning, "unexpected error: %s", dg.d[i].msg);
	return p;
}

static bool
has_unenforced(const struct gw_policy *p, const char *path, unsigned int line)
{
	size_t i;

	for (i = 0; i < p->n_unenforced; i++)
		if (strcmp(p->unenforced[i].path, path) == 0 &&
		    p->unenforced[i].line == line)
			return true;
	return false;
}

/* ---- reference policy and example ---- */

START_TEST(test_reference_policy)
{
	struct gw_policy *p = NULL;
	const struct gw_role *r;
	struct gw_diags dg;
	char summary[8192];
	unsigned int i, warnings = 0;
	int rc;

	rc = gw_policy_load_file(REF_POLICY, &p, &dg);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(dg.file, REF_POLICY);
	ck_assert_str_eq(p->source, REF_POLICY);
	/*
	 * Changed with the DNS issue: `dns`, `protocol`, `name_binding`,
	 * `ech` and `quic` are enforced now, so they no longer warn; the
	 * resolver name, loaded without a resolver, warns instead.
	 */
	for (i = 0; i < dg.n; i++) {
		ck_assert(dg.d[i].warning);
		warnings++;
	}
	ck_assert_uint_eq(warnings, 4);
	ck_assert_str_eq(dg.d[0].msg,
			 "egress_policy.resolution: accepted, not enforced by this version");
	ck_assert_uint_eq(dg.d[0].line, 6);
	ck_assert_uint_eq(dg.d[0].col, 3);
	ck_assert_str_eq(dg.d[1].msg,
			 "egress_policy.dns.allow: intranet.dns.local did not resolve; it matches nothing");
	ck_assert_uint_eq(dg.d[1].line, 8);
	ck_assert_uint_eq(dg.d[1].col, 13);
	/*
	 * Changed with the monitoring issue: monitoring is a section of
	 * settings now; only its required_metrics list is not enforced.
	 */
	ck_assert_str_eq(dg.d[2].msg,
			 "monitoring.required_metrics: accepted, not enforced by this version");
	ck_assert_uint_eq(dg.d[2].line, 23);
	ck_assert_uint_eq(dg.d[2].col, 3);
	ck_assert_str_eq(dg.d[3].msg, "response_playbook: accepted, not enforced by this version");

	/* dns: one name that resolved to nothing, so no DNS at all; DoH, DoT. */
	ck_assert(p->dns.restricted);
	ck_assert_uint_eq(p->dns.n_resolvers, 0);
	ck_assert_uint_eq(p->dns.n_names, 1);
	ck_assert_str_eq(p->dns.names[0].name, "intranet.dns.local");
	ck_assert_uint_eq(p->dns.names[0].line, 8);
	ck_assert_uint_eq(p->dns.names[0].n_addrs, 0);
	ck_assert_uint_eq(p->dns.block_encrypted, GW_DNS_BLOCK_DOH | GW_DNS_BLOCK_DOT);
	ck_assert_ptr_nonnull(p->dns.doh_db);
	ck_assert_uint_eq(p->dns.n_doh, gw_policy_doh_builtin_count);

	ck_assert_uint_eq(p->n_roles, 3);
	ck_assert_str_eq(p->roles[0].name, "web_server");
	ck_assert_str_eq(p->roles[1].name, "app_server");
	ck_assert_str_eq(p->roles[2].name, "batch_gateway");

	r = &p->roles[0];
	ck_assert_uint_eq(r->line, 11);
	ck_assert_uint_eq(r->n_vlans, 0);
	ck_assert(!r->untagged);
	ck_assert_uint_eq(r->n_fqdns, 2);
	ck_assert_str_eq(r->fqdns[0], "updates.vendor.tld");
	ck_assert_str_eq(r->fqdns[1], "api.payment.tld");
	ck_assert_ptr_nonnull(r->fqdn_db);
	ck_assert_uint_eq(r->n_methods, 2);
	ck_assert_str_eq(r->methods[0], "GET");
	ck_assert_str_eq(r->methods[1], "POST");
	ck_assert_uint_eq(r->n_cidrs, 0);
	ck_assert_uint_eq(r->n_ports, 0);
	ck_assert_str_eq(r->notes, "adding a new domain requires security approval");

	r = &p->roles[1];
	ck_assert_uint_eq(r->n_fqdns, 0);
	ck_assert_ptr_null(r->fqdn_db);
	ck_assert_uint_eq(r->n_cidrs, 2);
	{
		char buf[64];

		ck_assert_str_eq(gw_cidr_to_str(&r->cidrs[0], buf, sizeof(buf)),
				 "10.0.0.0/8");
		ck_assert_str_eq(gw_cidr_to_str(&r->cidrs[1], buf, sizeof(buf)),
				 "192.168.0.0/16");
	}
	ck_assert_ptr_null(r->notes);

	r = &p->roles[2];
	ck_assert_uint_eq(r->n_fqdns, 1);
	ck_assert_str_eq(r->fqdns[0], "sftp.partner.tld");
	ck_assert_uint_eq(r->protocols, 1u << GW_RPROTO_SFTP);
	ck_assert_uint_eq(r->n_bind_ports, 1);
	ck_assert_uint_eq(r->bind_ports[0], 22);
	/* Every role has the secure defaults. */
	for (i = 0; i < p->n_roles; i++) {
		r = &p->roles[i];
		ck_assert_uint_eq(r->name_binding, GW_NAME_BINDING_STRICT);
		ck_assert_uint_eq(r->ech, GW_ECH_OUTER_SNI);
		ck_assert_uint_eq(r->quic, GW_QUIC_BLOCK);
		ck_assert_uint_eq(r->hygiene.no_sni, GW_HYGIENE_DENY);
		ck_assert_uint_eq(r->hygiene.ip_literal, GW_HYGIENE_DENY);
		ck_assert_uint_eq(r->hygiene.host_change, GW_HYGIENE_DENY);
		ck_assert_uint_eq(r->hygiene.non_tls_on_tls_port, GW_HYGIENE_DENY);
		ck_assert_uint_eq(r->hygiene.http_on_other_ports, GW_HYGIENE_DENY);
	}

	/* No VLANs: every role matches no traffic. */
	for (i = 0; i <= GW_VLAN_MAX; i++)
		ck_assert_int_eq(p->vlan_role[i], -1);
	ck_assert_int_eq(p->untagged_role, -1);
	ck_assert_ptr_null(gw_policy_role_for_vlan(p, GW_VLAN_NONE));
	ck_assert_ptr_null(gw_policy_role_for_vlan(p, 10));

	ck_assert_uint_eq(p->n_sigs, 0);
	ck_assert_ptr_null(p->c2_db);

	/* Changed with the DNS issue: dns and protocol are enforced now. */
	ck_assert_uint_eq(p->n_unenforced, 3);
	ck_assert(has_unenforced(p, "egress_policy.resolution", 6));
	ck_assert(!has_unenforced(p, "egress_policy.dns", 7));
	ck_assert(!has_unenforced(p, "egress_policy.roles.batch_gateway.protocol", 21));
	ck_assert(has_unenforced(p, "monitoring.required_metrics", 23));
	ck_assert(has_unenforced(p, "response_playbook", 27));

	/* Defaults of the gateway section. */
	ck_assert_uint_eq(p->gw.flow_capacity, 262144);
	ck_assert_uint_eq(p->gw.pending_capacity, 4096);
	ck_assert_uint_eq(p->gw.reasm_max_bytes, 16384);
	ck_assert_uint_eq(p->gw.reasm_max_segs, 16);
	ck_assert_uint_eq(p->gw.reasm_timeout_ns, 2000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.tcp_syn, 30ull * 1000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.tcp_established, 7440ull * 1000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.tcp_fin, 120ull * 1000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.tcp_closed, 10ull * 1000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.udp, 300ull * 1000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.icmp, 60ull * 1000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.other, 600ull * 1000000000ull);
	ck_assert_uint_eq(p->gw.ring_size, 16384);
	ck_assert_str_eq(p->gw.eve_path, "/var/log/egressgw/eve.json");
	ck_assert_str_eq(p->gw.ctl_socket, "/run/egressgw/egressgw.sock");
	ck_assert(p->gw.drop_fragments);

	rc = gw_policy_summary(p, summary, sizeof(summary));
	ck_assert_int_gt(rc, 0);
	ck_assert_uint_eq(strlen(summary), (size_t)rc);
	ck_assert_ptr_nonnull(strstr(summary, "3 roles, 0 C2 signatures"));
	ck_assert_ptr_nonnull(strstr(summary,
		"note: 3 roles without vlans match no traffic: web_server app_server batch_gateway"));
	ck_assert_ptr_nonnull(strstr(summary, "web_server (line 11): vlans none (matches no traffic)"));
	ck_assert_ptr_nonnull(strstr(summary, "methods GET,POST"));
	/* Changed with the DNS issue: dns is summarised, not listed as unenforced. */
	ck_assert_ptr_null(strstr(summary, "  egress_policy.dns (line 7)\n"));
	ck_assert_ptr_nonnull(strstr(summary, "  egress_policy.resolution (line 6)\n"));
	ck_assert_ptr_nonnull(strstr(summary, "  port 53 (UDP, TCP): no resolver, all DNS is denied\n"));
	ck_assert_ptr_nonnull(strstr(summary,
		"  resolver name intranet.dns.local (line 8): did not resolve, matches nothing\n"));
	ck_assert_ptr_nonnull(strstr(summary, "  encrypted DNS blocked: DoH ("));
	ck_assert_ptr_nonnull(strstr(summary, " DoT (TCP 853)\n"));
	ck_assert_ptr_null(strstr(summary, "DoQ"));
	ck_assert_ptr_nonnull(strstr(summary,
		"    protocol SFTP: TCP 22 only to addresses DNS bound to the role's names\n"));
	ck_assert_ptr_nonnull(strstr(summary,
		"    checks: name_binding strict, ech outer_sni, quic block; hygiene no_sni deny, ip_literal deny, host_change deny, non_tls_on_tls_port deny, http_on_other_ports deny\n"));
	ck_assert_ptr_nonnull(strstr(summary, "  timeouts.tcp_established_s: 7440\n"));
	ck_assert_ptr_nonnull(strstr(summary, "  fragments: drop\n"));

	/* A buffer too small: ENOSPC and a NUL-terminated prefix. */
	memset(summary, 'x', sizeof(summary));
	ck_assert_int_eq(gw_policy_summary(p, summary, 40), GW_ENOSPC);
	ck_assert_uint_lt(strlen(summary), 40);
	ck_assert_int_eq(gw_policy_summary(NULL, summary, sizeof(summary)), GW_EINVAL);
	ck_assert_int_eq(gw_policy_summary(p, summary, 0), GW_EINVAL);

	gw_policy_free(p);
}
END_TEST

START_TEST(test_example_policy)
{
	struct gw_policy *p = NULL;
	const struct gw_role *r;
	struct gw_diags dg;
	char summary[8192];
	unsigned int i;

	ck_assert_int_eq(gw_policy_load_file(EXAMPLE_POLICY, &p, &dg), 0);
	for (i = 0; i < dg.n; i++)
		ck_assert(dg.d[i].warning);
	ck_assert_uint_eq(p->n_roles, 4);
	ck_assert_uint_eq(p->n_sigs, 6);
	ck_assert_ptr_nonnull(p->c2_db);
	ck_assert_uint_eq(gw_match_db_count(p->c2_db), 6);

	r = gw_policy_role_for_vlan(p, 10);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->name, "web_server");
	ck_assert_ptr_eq(gw_policy_role_for_vlan(p, 11), r);
	ck_assert_str_eq(r->fqdns[3], "*.s3.eu-west-1.amazonaws.com");
	ck_assert_str_eq(gw_policy_role_for_vlan(p, 20)->name, "app_server");
	ck_assert_str_eq(gw_policy_role_for_vlan(p, 30)->name, "batch_gateway");
	r = gw_policy_role_for_vlan(p, 99);
	ck_assert_str_eq(r->name, "mgmt_jump");
	ck_assert_ptr_eq(gw_policy_role_for_vlan(p, GW_VLAN_NONE), r);
	ck_assert(r->untagged);
	ck_assert_uint_eq(r->n_vlans, 1);
	ck_assert_int_eq(p->untagged_role, 3);
	ck_assert_ptr_null(gw_policy_role_for_vlan(p, 12));
	ck_assert_ptr_null(gw_policy_role_for_vlan(p, 4095));
	ck_assert_ptr_null(gw_policy_role_for_vlan(p, 65535));
	ck_assert_int_eq(gw_policy_role_index(p, r), 3);

	ck_assert_uint_eq(p->sigs[5].id, 1000006);
	ck_assert_uint_eq(p->sigs[5].severity, GW_SEV_HIGH);
	ck_assert_uint_eq(p->sigs[2].severity, GW_SEV_LOW);
	ck_assert_str_eq(p->sigs[0].name,
			 "DNS tunnel style label (long hex/base32 first label)");

	/* The example's signatures catch what they describe ... */
	{
		static const struct {
			const char *name;
			int sig;
		} c2[] = {
			{"4a6f686e446f6531323334353637383961626364656667.t.example.com", 0},
			{"xkqjzvbnmwpt.com", 1},
			{"login-update.tk", 2},
			{"myhost.duckdns.org", 3},
			{"abcd-12-34.ngrok-free.app", 4},
			{"x.trycloudflare.com", 4},
			{"cdn-1234-eu.example.net", 5},
		};
		struct gw_match_scratch *s = NULL;
		struct gw_decision d;
		size_t k, j;

		ck_assert_int_eq(gw_policy_scratch_grow(p, &s), 0);
		for (k = 0; k < GW_ARRAY_SIZE(c2); k++) {
			gw_policy_decide_name(p, &p->roles[0], s, GW_APP_TLS,
					      (const uint8_t *)c2[k].name,
					      strlen(c2[k].name), NULL, 0, &d);
			ck_assert_msg(d.reason == GW_REASON_C2_SIGNATURE &&
				      d.rule_index == c2[k].sig, "%s: %s %d",
				      c2[k].name, gw_reason_name(d.reason), d.rule_index);
		}
		/* ... and spare every name the example allows. */
		for (k = 0; k < p->n_roles; k++) {
			for (j = 0; j < p->roles[k].n_fqdns; j++) {
				const char *n = p->roles[k].fqdns[j];
				char host[300];

				snprintf(host, sizeof(host), "%s%s",
					 n[0] == '*' ? "www" : "", n[0] == '*' ? n + 1 : n);
				gw_policy_decide_name(p, &p->roles[k], s, GW_APP_HTTP,
						      (const uint8_t *)host, strlen(host),
						      "GET", 3, &d);
				ck_assert_msg(d.action == GW_ACT_ALLOW &&
					      d.rule_index == (int32_t)j,
					      "%s: %s", host, gw_reason_name(d.reason));
			}
		}
		gw_match_scratch_free(s);
	}

	ck_assert_int_gt(gw_policy_summary(p, summary, sizeof(summary)), 0);
	ck_assert_ptr_nonnull(strstr(summary, "4 roles, 6 C2 signatures"));
	ck_assert_ptr_nonnull(strstr(summary, "vlans 99,untagged"));
	ck_assert_ptr_nonnull(strstr(summary, "c2 signatures: 6 (ids 1000001..1000006)"));
	ck_assert_ptr_null(strstr(summary, "without vlans"));
	gw_policy_free(p);
}
END_TEST

/* ---- every key, with values other than the defaults ---- */

static const char all_keys_yaml[] =
	"egress_policy:\n"
	"  default: deny\n"
	"  resolution: fqdn_via_proxy\n"
	"  dns:\n"
	"    allow: [\"ns.corp.example\"]\n"
	"    block_encrypted: [DoH, dot, DoQ]\n"
	"  roles:\n"
	"    r1:\n"
	"      vlans: [1, 4094, untagged]\n"
	"      allow_fqdns: [\"API.Example.COM.\", \"*.cdn.example.com\"]\n"
	"      allow_cidrs: [\"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.1\"]\n"
	"      allow_ports: [1, 443, 65535]\n"
	"      allow_methods: [get, Post, M-SEARCH]\n"
	"      notes: \"free text: kept\"\n"
	/* Changed with the DNS issue: only known protocols (HTTPS is an error now). */
	"      protocol: [SFTP, \"rdp\"]\n"
	"      name_binding: log\n"
	"      ech: outer_sni\n"
	"      quic: allow\n"
	"    r-2:\n"
	"      vlans: [2]\n"
	"      name_binding: strict\n"
	"      ech: block\n"
	"      quic: block\n"
	"    r3:\n"
	"      name_binding: off\n"
	"c2_signatures:\n"
	"  - id: 7\n"
	"    name: \"sig seven\"\n"
	"    severity: medium\n"
	"    pattern: 'bad\\.example$'\n"
	"  - {id: 4294967295, name: max, severity: 3, pattern: '^x'}\n"
	"  - {id: 1, name: defaulted, pattern: 'y$'}\n"
	"  - {id: 2, name: two, severity: 2, pattern: 'z$'}\n"
	"  - {id: 3, name: low, severity: LOW, pattern: 'w$'}\n"
	"  - {id: 4, name: one, severity: 1, pattern: 'v$'}\n"
	"gateway:\n"
	"  flow_capacity: 1024\n"
	"  pending_capacity: 1048576\n"
	"  reassembly: {max_bytes: 512, max_segments: 64, timeout_ms: 60000}\n"
	"  timeouts:\n"
	"    tcp_syn_s: 1\n"
	"    tcp_established_s: 604800\n"
	"    tcp_fin_s: 2\n"
	"    tcp_closed_s: 3\n"
	"    udp_s: 4\n"
	"    icmp_s: 5\n"
	"    other_s: 6\n"
	"  ring_size: 1048576\n"
	"  eve_log: /tmp/eve.json\n"
	"  control_socket: /tmp/gw.sock\n"
	"  fragments: drop\n"
	/* Changed with the monitoring issue: a section of known keys now. */
	"monitoring: {required_metrics: [goes, here]}\n"
	"response_playbook: [isolate_session]\n";

START_TEST(test_all_keys)
{
	struct gw_policy *p = load_ok(all_keys_yaml);
	const struct gw_role *r = &p->roles[0];
	struct gw_cidr c;

	ck_assert_uint_eq(p->n_roles, 3);
	ck_assert_str_eq(r->name, "r1");
	ck_assert_uint_eq(r->n_vlans, 2);
	ck_assert_uint_eq(r->vlans[0], 1);
	ck_assert_uint_eq(r->vlans[1], 4094);
	ck_assert(r->untagged);
	ck_assert_int_eq(p->vlan_role[1], 0);
	ck_assert_int_eq(p->vlan_role[4094], 0);
	ck_assert_int_eq(p->vlan_role[2], 1);
	ck_assert_int_eq(p->vlan_role[3], -1);
	ck_assert_int_eq(p->untagged_role, 0);
	ck_assert_uint_eq(r->n_fqdns, 2);
	ck_assert_str_eq(r->fqdns[0], "api.example.com");
	ck_assert_str_eq(r->fqdns[1], "*.cdn.example.com");
	ck_assert_uint_eq(r->n_cidrs, 3);
	ck_assert_int_eq(gw_cidr_parse("2001:db8::/32", &c), 0);
	ck_assert_int_eq(memcmp(&c, &r->cidrs[1], sizeof(c)), 0);
	ck_assert_int_eq(gw_cidr_parse("192.0.2.1/32", &c), 0);
	ck_assert_int_eq(gw_addr_cmp(&c.addr, &r->cidrs[2].addr), 0);
	ck_assert_uint_eq(r->cidrs[2].plen, 128);
	ck_assert_uint_eq(r->n_ports, 3);
	ck_assert_uint_eq(r->ports[0], 1);
	ck_assert_uint_eq(r->ports[1], 443);
	ck_assert_uint_eq(r->ports[2], 65535);
	ck_assert_uint_eq(r->n_methods, 3);
	ck_assert_str_eq(r->methods[0], "GET");
	ck_assert_str_eq(r->methods[1], "POST");
	ck_assert_str_eq(r->methods[2], "M-SEARCH");
	ck_assert_str_eq(r->notes, "free text: kept");
	ck_assert_str_eq(p->roles[1].name, "r-2");
	ck_assert_uint_eq(p->roles[2].n_vlans, 0);

	ck_assert_uint_eq(p->n_sigs, 6);
	ck_assert_uint_eq(p->sigs[0].id, 7);
	ck_assert_str_eq(p->sigs[0].name, "sig seven");
	ck_assert_uint_eq(p->sigs[0].severity, GW_SEV_MEDIUM);
	ck_assert_str_eq(p->sigs[0].pattern, "bad\\.example$");
	ck_assert_uint_eq(p->sigs[0].line, 27);
	ck_assert_uint_eq(p->sigs[1].id, 4294967295u);
	ck_assert_uint_eq(p->sigs[1].severity, GW_SEV_LOW);
	ck_assert_uint_eq(p->sigs[2].severity, GW_SEV_HIGH); /* default */
	ck_assert_uint_eq(p->sigs[3].severity, GW_SEV_MEDIUM);
	ck_assert_uint_eq(p->sigs[4].severity, GW_SEV_LOW);
	ck_assert_uint_eq(p->sigs[5].severity, GW_SEV_HIGH);
	ck_assert_ptr_nonnull(p->c2_db);

	ck_assert_uint_eq(p->gw.flow_capacity, 1024);
	ck_assert_uint_eq(p->gw.pending_capacity, 1048576);
	ck_assert_uint_eq(p->gw.reasm_max_bytes, 512);
	ck_assert_uint_eq(p->gw.reasm_max_segs, 64);
	ck_assert_uint_eq(p->gw.reasm_timeout_ns, 60000ull * 1000000ull);
	ck_assert_uint_eq(p->gw.timeouts.tcp_syn, 1000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.tcp_established, 604800ull * 1000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.tcp_fin, 2000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.tcp_closed, 3000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.udp, 4000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.icmp, 5000000000ull);
	ck_assert_uint_eq(p->gw.timeouts.other, 6000000000ull);
	ck_assert_uint_eq(p->gw.ring_size, 1048576);
	ck_assert_str_eq(p->gw.eve_path, "/tmp/eve.json");
	ck_assert_str_eq(p->gw.ctl_socket, "/tmp/gw.sock");
	ck_assert(p->gw.drop_fragments);

	/*
	 * Changed with the DNS issue: dns, protocol, name_binding, ech and
	 * quic are enforced, so only three keys remain unenforced.
	 */
	ck_assert_uint_eq(p->n_unenforced, 3);
	ck_assert(has_unenforced(p, "egress_policy.resolution", 3));
	ck_assert(has_unenforced(p, "monitoring.required_metrics", 52));
	ck_assert(has_unenforced(p, "response_playbook", 53));
	ck_assert(p->dns.restricted);
	ck_assert_uint_eq(p->dns.n_names, 1);
	ck_assert_str_eq(p->dns.names[0].name, "ns.corp.example");
	ck_assert_uint_eq(p->dns.block_encrypted,
			  GW_DNS_BLOCK_DOH | GW_DNS_BLOCK_DOT | GW_DNS_BLOCK_DOQ);
	ck_assert_uint_eq(r->protocols, 1u << GW_RPROTO_SFTP | 1u << GW_RPROTO_RDP);
	/* allow_ports [1, 443, 65535] with protocol: 1 and 65535 bind, 443 is TLS. */
	ck_assert_uint_eq(r->n_bind_ports, 2);
	ck_assert_uint_eq(r->bind_ports[0], 1);
	ck_assert_uint_eq(r->bind_ports[1], 65535);
	ck_assert_uint_eq(r->name_binding, GW_NAME_BINDING_LOG);
	ck_assert_uint_eq(r->ech, GW_ECH_OUTER_SNI);
	ck_assert_uint_eq(r->quic, GW_QUIC_ALLOW);
	ck_assert_uint_eq(p->roles[1].name_binding, GW_NAME_BINDING_STRICT);
	ck_assert_uint_eq(p->roles[1].ech, GW_ECH_BLOCK);
	ck_assert_uint_eq(p->roles[1].quic, GW_QUIC_BLOCK);
	ck_assert_uint_eq(p->roles[2].name_binding, GW_NAME_BINDING_OFF);
	ck_assert_uint_eq(p->roles[2].ech, GW_ECH_OUTER_SNI);
	ck_assert_uint_eq(p->roles[2].quic, GW_QUIC_BLOCK);
	ck_assert_uint_eq(p->roles[2].protocols, 0);
	ck_assert_uint_eq(p->roles[2].n_bind_ports, 0);
	gw_policy_free(p);
}
END_TEST

/* An empty egress_policy is a valid (deny-everything) policy. */
START_TEST(test_minimal)
{
	struct gw_policy *p = load_ok("egress_policy: {}\n");
	struct gw_diags dg;
	struct gw_decision d;
	struct gw_addr a;

	ck_assert_uint_eq(p->n_roles, 0);
	ck_assert_uint_eq(p->n_unenforced, 0);
	ck_assert_ptr_null(gw_policy_role_for_vlan(p, 1));
	ck_assert_int_eq(gw_addr_parse("10.0.0.1", &a), 0);
	gw_policy_decide_l4(p, gw_policy_role_for_vlan(p, 1), &a, GW_PROTO_TCP, 443, &d);
	ck_assert_uint_eq(d.action, GW_ACT_DENY);
	ck_assert_uint_eq(d.reason, GW_REASON_UNKNOWN_VLAN);
	gw_policy_free(p);

	/* Comments, a document marker, explicit default. */
	p = load_ok("# c\n---\negress_policy:\n  default: DENY # case-insensitive\n...\n");
	gw_policy_free(p);

	/* diags NULL is allowed both ways. */
	ck_assert_int_eq(gw_policy_load_string("egress_policy: {}", 17, NULL, &p, NULL), 0);
	ck_assert_str_eq(p->source, "<string>");
	gw_policy_free(p);
	ck_assert_int_eq(gw_policy_load_string("egress: {}", 10, NULL, &p, NULL), GW_ECONFIG);
	ck_assert_ptr_null(p);
	gw_policy_free(NULL);

	/* Bad arguments. */
	ck_assert_int_eq(gw_policy_load_string(NULL, 3, "x", &p, &dg), GW_EINVAL);
	ck_assert_int_eq(gw_policy_load_string("x", 1, "x", NULL, &dg), GW_EINVAL);
}
END_TEST

START_TEST(test_load_file_errors)
{
	struct gw_policy *p = (struct gw_policy *)1;
	struct gw_diags dg;

	ck_assert_int_eq(gw_policy_load_file("/nonexistent/policy.yaml", &p, &dg), GW_EIO);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(dg.n, 1);
	ck_assert_uint_eq(dg.d[0].line, 0);
	ck_assert_ptr_nonnull(strstr(dg.d[0].msg, "cannot open"));
	ck_assert_str_eq(dg.file, "/nonexistent/policy.yaml");

	ck_assert_int_eq(gw_policy_load_file(GW_SRCDIR "/config", &p, &dg), GW_ECONFIG);
	ck_assert_ptr_nonnull(strstr(dg.d[0].msg, "not a regular file"));
	ck_assert_int_eq(gw_policy_load_file(NULL, &p, &dg), GW_EINVAL);
}
END_TEST

/* ---- errors: each input -> position and message ---- */

struct err_case {
	const char *yaml;
	const char *pos;  /* "line:col" */
	const char *msg;  /* substring of the message */
	unsigned int n;   /* errors reported; 0 means 1 */
};

#define EP "egress_policy:\n"
#define ROLE EP "  roles:\n    web:\n"
#define SIG_OK "egress_policy: {}\nc2_signatures:\n"
#define EP0 "egress_policy: {}\n"

static const struct err_case err_cases[] = {
	/* 1 */ {EP "  default: allow\n", "2:12",
		 "egress_policy.default: invalid value 'allow' (expected deny): egressgw is default-deny by design"},
	{ROLE "      alow_fqdns: [a.tld]\n", "4:7",
	 "egress_policy.roles.web: unknown key 'alow_fqdns' (did you mean 'allow_fqdns'?)"},
	{EP "  default: deny\nfoo: 1\n", "3:1", "unknown key 'foo'"},
	{"gateway:\n  flow_capacty: 2048\negress_policy: {}\n", "2:3",
	 "gateway: unknown key 'flow_capacty' (did you mean 'flow_capacity'?)"},
	{"Egress_Policy: {}\n", "1:1", "unknown key 'Egress_Policy' (did you mean 'egress_policy'?)", 2},
	{EP "  default: deny\n  default: deny\n", "3:3",
	 "egress_policy: duplicate key 'default' (first at line 2)"},
	{ROLE "      vlans: [1]\n    web:\n      vlans: [2]\n", "5:5",
	 "egress_policy.roles: duplicate key 'web' (first at line 3)"},
	{"gateway: {}\n", "1:1", "missing required key 'egress_policy'"},
	{"", "1:1", "the policy is empty: 'egress_policy' is required"},
	{"# only a comment\n", "1:1", "the policy is empty"},
	/* 11 */ {"- egress_policy\n", "1:1", "expected a mapping at the top level, got a list"},
	{"egress_policy\n", "1:1", "expected a mapping at the top level, got a scalar"},
	{"egress_policy:\n", "1:15", "egress_policy: expected a mapping, got an empty value"},
	{ROLE "      allow_fqdns: a.tld\n", "4:20",
	 "egress_policy.roles.web.allow_fqdns: expected a list, got a scalar"},
	{ROLE "      allow_ports:\n", "4:19",
	 "allow_ports: expected a list, got an empty value (write [] for an empty list)"},
	{EP "  roles: [web]\n", "2:10", "egress_policy.roles: expected a mapping, got a list"},
	{ROLE "      vlans: [4095]\n", "4:15", "vlans[0]: value 4095 out of range 1..4094"},
	{ROLE "      vlans: [1, 0]\n", "4:18", "vlans[1]: value 0 out of range 1..4094"},
	{ROLE "      vlans: [tagged]\n", "4:15", "expected an integer, got 'tagged'"},
	{ROLE "      vlans: [10]\n    db:\n      vlans: [11, 10]\n", "6:19",
	 "egress_policy.roles.db.vlans[1]: VLAN 10 is already mapped to role 'web' (line 4)"},
	/* 21 */ {ROLE "      vlans: [untagged]\n    db:\n      vlans: [UNTAGGED]\n", "6:15",
		  "untagged traffic is already mapped to role 'web' (line 4)"},
	{ROLE "      vlans: [7, 8, 7]\n", "4:21", "vlans[2]: duplicate entry '7' (first at line 4)"},
	{ROLE "      allow_ports: [443, 65536]\n", "4:26", "allow_ports[1]: value 65536 out of range 1..65535"},
	{ROLE "      allow_ports: [-1]\n", "4:21", "value -1 out of range 1..65535"},
	{ROLE "      allow_ports: [\"443\"]\n", "4:21",
	 "expected an integer, got a quoted string '443' (write numbers without quotes)"},
	{ROLE "      allow_ports: [0443]\n", "4:21", "write integers in decimal without leading zeros"},
	{ROLE "      allow_ports: [4.5e2]\n", "4:21", "expected an integer, got '4.5e2'"},
	{ROLE "      allow_ports: [[443]]\n", "4:21", "expected an integer, got a list"},
	{ROLE "      allow_cidrs: [\"10.1.2.3/8\"]\n", "4:21",
	 "invalid CIDR '10.1.2.3/8' (expected address/prefix with the host bits clear"},
	{ROLE "      allow_cidrs: [\"10.0.0.0/8\", \"10.0.0.0/33\"]\n", "4:35", "invalid CIDR '10.0.0.0/33'"},
	/* 31 */ {ROLE "      allow_cidrs: [example.com]\n", "4:21", "invalid CIDR 'example.com'"},
	{ROLE "      allow_cidrs: [\"2001:db8::/32\", \"2001:DB8::/32\"]\n", "4:38",
	 "duplicate entry '2001:DB8::/32' (first at line 4)"},
	{ROLE "      allow_fqdns: [\"10.1.2.3\"]\n", "4:21",
	 "'10.1.2.3' is an IP address: put addresses in allow_cidrs"},
	{ROLE "      allow_fqdns: [\"[2001:db8::1]\"]\n", "4:21", "is an IP address"},
	{ROLE "      allow_fqdns: [\"10.0.0.0/8\"]\n", "4:21", "is not a name (a CIDR belongs in allow_cidrs)"},
	{ROLE "      allow_fqdns: [\"a.*.tld\"]\n", "4:21", "invalid name 'a.*.tld'"},
	{ROLE "      allow_fqdns: [\"*\"]\n", "4:21", "invalid name '*'"},
	{ROLE "      allow_fqdns: [\"*x.tld\"]\n", "4:21", "invalid name '*x.tld'"},
	{ROLE "      allow_fqdns: [\"a..tld\"]\n", "4:21", "invalid name 'a..tld'"},
	{ROLE "      allow_fqdns: [\"bad name.tld\"]\n", "4:21", "invalid name 'bad name.tld'"},
	/* 41 */ {ROLE "      allow_fqdns: [\"A.tld\", \"a.TLD.\"]\n", "4:30", "duplicate entry 'a.TLD.' (first at line 4)"},
	{ROLE "      allow_fqdns: [~]\n", "4:21", "allow_fqdns[0]: expected a string, got an empty value"},
	{ROLE "      allow_methods: [\"G ET\"]\n", "4:23", "invalid HTTP method 'G ET'"},
	{ROLE "      allow_methods: [ABCDEFGHIJKLMNOP]\n", "4:23", "string longer than 15 bytes"},
	{ROLE "      allow_methods: [GET, get]\n", "4:28", "duplicate entry 'get'"},
	{ROLE "      notes: [a]\n", "4:14", "notes: expected a string, got a list"},
	{ROLE "      protocol: SFTP\n", "4:17", "protocol: expected a list, got a scalar"},
	{ROLE "      protocol: [[SFTP]]\n", "4:18", "protocol[0]: expected a string, got a list"},
	{ROLE "      name_binding: maybe\n", "4:21", "invalid value 'maybe' (expected one of: strict, log, off)"},
	{ROLE "      ech: allow\n", "4:12", "invalid value 'allow' (expected one of: block, outer_sni)"},
	/* 51 */ {ROLE "      quic: [block]\n", "4:13", "quic: expected a string, got a list"},
	{EP "  roles:\n    \"bad name\": {}\n", "3:5", "invalid role name 'bad name'"},
	{EP "  roles:\n    r0123456789012345678901234567890123456789012345678901234567890123: {}\n",
	 "3:5", "invalid role name"},
	{EP "  roles:\n    web:\n", "3:9", "egress_policy.roles.web: expected a mapping, got an empty value"},
	{EP "  resolution: direct\n", "2:15", "invalid value 'direct' (expected fqdn_via_proxy)"},
	{EP "  dns:\n    block_encrypted: [DoH, DoX]\n", "3:28",
	 "block_encrypted[1]: invalid value 'DoX' (expected one of: DoH, DoT, DoQ)"},
	{EP "  dns:\n    allow: ns.example\n", "3:12", "egress_policy.dns.allow: expected a list, got a scalar"},
	{EP "  dns:\n    alow: []\n", "3:5", "egress_policy.dns: unknown key 'alow' (did you mean 'allow'?)"},
	{SIG_OK "  - {id: 1, name: a, pattern: '(('}\n", "3:31", "c2_signatures[0].pattern: invalid pattern '((': Missing close parenthesis"},
	{SIG_OK "  - {id: 1, name: a, pattern: '(('}\n  - {id: 2, name: b, pattern: 'ok$'}\n"
	 "  - {id: 3, name: c, pattern: '[z-a]'}\n", "5:31", "c2_signatures[2].pattern: invalid pattern '[z-a]': Range out of order", 2},
	/* 61 */ {SIG_OK "  - {id: 5, name: a, pattern: 'a$'}\n  - {id: 5, name: b, pattern: 'b$'}\n", "4:10",
		  "duplicate signature id '5' (first at line 3)"},
	{SIG_OK "  - {id: 0, name: a, pattern: 'a$'}\n", "3:10", "id: value 0 out of range 1..4294967295"},
	{SIG_OK "  - {id: 4294967296, name: a, pattern: 'a$'}\n", "3:10", "out of range 1..4294967295"},
	{SIG_OK "  - {id: 1, name: a, pattern: 'a$', severity: critical}\n", "3:47",
	 "invalid value 'critical' (expected one of: high, medium, low, 1, 2, 3)"},
	{SIG_OK "  - {id: 1, name: a}\n", "3:5", "c2_signatures[0]: missing required key 'pattern'"},
	{SIG_OK "  - {name: a, pattern: 'a$'}\n", "3:5", "missing required key 'id'"},
	{SIG_OK "  - {id: 1, pattern: 'a$'}\n", "3:5", "missing required key 'name'"},
	{SIG_OK "  - {id: 1, name: a, pattern: ''}\n", "3:31", "c2_signatures[0].pattern: empty string"},
	{SIG_OK "  - 1000001\n", "3:5", "c2_signatures[0]: expected a mapping, got a scalar"},
	{SIG_OK "  id: 1\n", "3:3", "c2_signatures: expected a list, got a mapping"},
	/* 71 */ {SIG_OK "  - {id: 1, name: a, pattern: 'a$', sev: low}\n", "3:37",
		  "c2_signatures[0]: unknown key 'sev'"},
	{EP "  roles: {}\ngateway:\n  ring_size: 1000\n", "4:14", "gateway.ring_size: value 1000 is not a power of two"},
	{EP "  roles: {}\ngateway:\n  ring_size: 128\n", "4:14", "value 128 out of range 256..1048576"},
	{EP "  roles: {}\ngateway:\n  flow_capacity: 1023\n", "4:18", "value 1023 out of range 1024..16777216"},
	{EP "  roles: {}\ngateway:\n  flow_capacity: 99999999999999999999999\n", "4:18",
	 "out of range 1024..16777216"},
	{EP "  roles: {}\ngateway:\n  pending_capacity: 15\n", "4:21", "out of range 16..1048576"},
	{EP0 "gateway:\n  timeouts: {udp_s: 0}\n", "3:21", "gateway.timeouts.udp_s: value 0 out of range 1..604800"},
	{EP0 "gateway:\n  timeouts: {tcp_fin_s: 604801}\n", "3:25", "out of range 1..604800"},
	{EP0 "gateway:\n  reassembly: {max_segments: 65}\n", "3:30", "gateway.reassembly.max_segments: value 65 out of range 1..64"},
	{EP0 "gateway:\n  reassembly: {max_bytes: 511}\n", "3:27", "out of range 512..65535"},
	/* 81 */ {EP0 "gateway:\n  reassembly: {timeout_ms: 9}\n", "3:28", "out of range 10..60000"},
	{EP0 "gateway:\n  reassembly: 16384\n", "3:15", "gateway.reassembly: expected a mapping, got a scalar"},
	{EP0 "gateway:\n  eve_log: \"\"\n", "3:12", "gateway.eve_log: empty string"},
	{EP0 "gateway:\n  control_socket: /run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
	 "3:19", "string longer than 107 bytes"},
	{EP0 "gateway:\n  fragments: reassemble\n", "3:14",
	 "invalid value 'reassemble' (expected drop): fragments are not reassembled"},
	{EP0 "gateway:\n  eve_log: \"a\\0b\"\n", "3:12", "string contains a NUL byte"},
	{"egress_policy: &p {}\n", "1:16", "YAML anchors are not supported ('&p')"},
	{"egress_policy: {}\nmonitoring: *p\n", "2:13", "YAML aliases are not supported ('*p')"},
	{"egress_policy: !!map {}\n", "1:16", "YAML tags are not supported"},
	{"egress_policy: {}\n---\negress_policy: {}\n", "2:1", "a second YAML document"},
	/* 91 */ {"egress_policy: [\n", "2:1", "YAML syntax error"},
	{"egress_policy: {}\n  bad indent: 1\n", "2:3", "YAML syntax error"},
	{"egress_policy: {}\n\t- tab\n", "2:1", "YAML syntax error"},
	{"? [a]\n: b\negress_policy: {}\n", "1:3", "a key must be a name, got a list"},
	{"egress_policy: \"\\xff\"\n", "1:16", "expected a mapping, got a quoted string"},
};

static void
check_error_case(const struct err_case *c, size_t idx)
{
	struct gw_policy *p = (struct gw_policy *)1;
	struct gw_diags dg;
	unsigned int i;
	bool found = false;
	int rc;

	rc = gw_policy_load_string(c->yaml, strlen(c->yaml), "err.yaml", &p, &dg);
	ck_assert_msg(rc == GW_ECONFIG, "case %zu: rc %d", idx + 1, rc);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(dg.file, "err.yaml");
	ck_assert_uint_ge(dg.n, 1);
	ck_assert_uint_eq(dg.total, dg.n);
	for (i = 0; i < dg.n; i++) {
		char pos[32];

		/* On failure only errors are reported. */
		ck_assert(!dg.d[i].warning);
		ck_assert_uint_ge(dg.d[i].line, 1);
		ck_assert_uint_ge(dg.d[i].col, 1);
		snprintf(pos, sizeof(pos), "%u:%u", dg.d[i].line, dg.d[i].col);
		if (strcmp(pos, c->pos) == 0 && strstr(dg.d[i].msg, c->msg) != NULL)
			found = true;
	}
	if (!found)
		for (i = 0; i < dg.n; i++)
			fprintf(stderr, "case %zu: got %u:%u: %s\n", idx + 1,
				dg.d[i].line, dg.d[i].col, dg.d[i].msg);
	ck_assert_msg(found, "case %zu: no error %s '%s'", idx + 1, c->pos, c->msg);
	ck_assert_msg(dg.n == (c->n != 0 ? c->n : 1), "case %zu: %u errors",
		      idx + 1, dg.n);
}

START_TEST(test_errors)
{
	check_error_case(&err_cases[_i], (size_t)_i);
}
END_TEST

/* Hints only within edit distance 2; keys are case-sensitive. */
START_TEST(test_error_hints)
{
	static const struct {
		const char *yaml;
		const char *msg; /* the whole message */
	} cases[] = {
		{"egress_policy: {}\nfoo: 1\n", "unknown key 'foo'"},
		{"egress_policy: {}\ngatewayyy: {}\n", "unknown key 'gatewayyy' (did you mean 'gateway'?)"},
		{"egress_policy: {}\ngatewayyyy: {}\n", "unknown key 'gatewayyyy'"},
		{"egress_policy: {}\nmonitorin: {}\n", "unknown key 'monitorin' (did you mean 'monitoring'?)"},
		{"egress_policy: {}\nc2_signature: []\n",
		 "unknown key 'c2_signature' (did you mean 'c2_signatures'?)"},
		{"egress_policy: {}\nGateway: {}\n", "unknown key 'Gateway' (did you mean 'gateway'?)"},
		{"egress_policy:\n  role: {}\n", "egress_policy: unknown key 'role' (did you mean 'roles'?)"},
	};
	struct gw_policy *p;
	struct gw_diags dg;
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		ck_assert_int_eq(gw_policy_load_string(cases[i].yaml, strlen(cases[i].yaml),
						       NULL, &p, &dg), GW_ECONFIG);
		ck_assert_uint_eq(dg.n, 1);
		ck_assert_str_eq(dg.d[0].msg, cases[i].msg);
	}
}
END_TEST

/* Every error of a file is reported, sorted by position. */
START_TEST(test_error_collection)
{
	static const char yaml[] =
		"egress_policy:\n"
		"  default: allow\n"
		"  roles:\n"
		"    web:\n"
		"      vlans: [5000]\n"
		"      allow_ports: [0]\n"
		"c2_signatures:\n"
		"  - {id: 1, name: a, pattern: '(('}\n"
		"gateway:\n"
		"  ring_size: 3\n";
	struct gw_policy *p;
	struct gw_diags dg;
	char *big;
	size_t len, i;

	ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), NULL, &p, &dg),
			 GW_ECONFIG);
	ck_assert_uint_eq(dg.n, 5);
	ck_assert_uint_eq(dg.total, 5);
	ck_assert_uint_eq(dg.d[0].line, 2);
	ck_assert_uint_eq(dg.d[1].line, 5);
	ck_assert_uint_eq(dg.d[2].line, 6);
	ck_assert_uint_eq(dg.d[3].line, 8);
	ck_assert_uint_eq(dg.d[4].line, 10);

	/* 100 errors: the array keeps 64, total counts all. */
	big = malloc(100 * 40 + 64);
	ck_assert_ptr_nonnull(big);
	len = (size_t)sprintf(big, "egress_policy:\n  roles:\n    r:\n      allow_ports: [");
	for (i = 0; i < 100; i++)
		len += (size_t)sprintf(big + len, "%s%zu", i == 0 ? "" : ", ", 70000 + i);
	len += (size_t)sprintf(big + len, "]\n");
	ck_assert_int_eq(gw_policy_load_string(big, len, NULL, &p, &dg), GW_ECONFIG);
	ck_assert_uint_eq(dg.n, 64);
	ck_assert_uint_eq(dg.total, 100);
	free(big);
}
END_TEST

START_TEST(test_depth_limit)
{
	char yaml[256];
	struct gw_policy *p;
	struct gw_diags dg;
	int depth;

	/* 32 nested collections (the mapping plus 31 lists) are fine. */
	for (depth = 31; depth <= 33; depth++) {
		int n = 0, i;

		/* Changed with the monitoring issue: response_playbook takes any YAML. */
		n += sprintf(yaml + n, "egress_policy: {}\nresponse_playbook: ");
		for (i = 0; i < depth; i++)
			yaml[n++] = '[';
		for (i = 0; i < depth; i++)
			yaml[n++] = ']';
		yaml[n] = '\0';
		if (depth <= 31) {
			ck_assert_int_eq(gw_policy_load_string(yaml, (size_t)n, NULL, &p, &dg), 0);
			gw_policy_free(p);
		} else {
			ck_assert_int_eq(gw_policy_load_string(yaml, (size_t)n, NULL, &p, &dg),
					 GW_ECONFIG);
			ck_assert_uint_eq(dg.n, 1);
			ck_assert_str_eq(dg.d[0].msg, "nesting deeper than 32 levels");
			ck_assert_uint_eq(dg.d[0].line, 2);
			ck_assert_uint_eq(dg.d[0].col, 20 + 31);
		}
	}
}
END_TEST

/* ---- decisions ---- */

static const char decide_yaml[] =
	"egress_policy:\n"
	"  roles:\n"
	"    names:\n"
	"      vlans: [10]\n"
	"      allow_fqdns: [\"api.x.tld\", \"*.x.tld\", \"exact.y.tld\", \"evil.x.tld\"]\n"
	"    names_ports:\n"
	"      vlans: [11]\n"
	"      allow_fqdns: [\"*.x.tld\", \"api.x.tld\"]\n"
	"      allow_ports: [443, 8443, 80]\n"
	"      allow_methods: [GET, POST]\n"
	"    cidrs:\n"
	"      vlans: [20, untagged]\n"
	"      allow_cidrs: [\"10.0.0.0/8\", \"2001:db8::/32\"]\n"
	"    cidrs_ports:\n"
	"      vlans: [21]\n"
	"      allow_cidrs: [\"192.0.2.0/24\", \"192.0.2.128/25\"]\n"
	"      allow_ports: [53, 123]\n"
	"    mixed:\n"
	"      vlans: [30]\n"
	"      allow_cidrs: [\"203.0.113.0/24\", \"198.51.100.0/24\"]\n"
	"      allow_fqdns: [\"m.x.tld\"]\n"
	"      allow_ports: [443]\n"
	"    empty:\n"
	"      vlans: [40]\n"
	"    noroute: {}\n"
	"c2_signatures:\n"
	"  - {id: 100, name: evil, pattern: '^evil\\.'}\n"
	"  - {id: 200, name: dga, pattern: '[0-9]{6}\\.tld$'}\n";

struct l4_case {
	uint16_t vlan;
	const char *dst;
	uint8_t proto;
	uint16_t dport;
	uint8_t action;
	uint8_t need;
	uint8_t reason;
	uint8_t rule_kind;
	int32_t rule_index;
};

#define A_DENY GW_ACT_DENY
#define A_ALLOW GW_ACT_ALLOW
#define A_NEED GW_ACT_NEED_NAME
#define R(x) GW_REASON_##x
#define TCP GW_PROTO_TCP
#define UDP GW_PROTO_UDP
#define ICMP GW_PROTO_ICMP
#define ICMP6 GW_PROTO_ICMPV6
#define GRE 47

static const struct l4_case l4_cases[] = {
	/* unknown VLANs */
	{50, "10.0.0.1", TCP, 443, A_DENY, 0, R(UNKNOWN_VLAN), GW_RULE_NONE, -1},
	{4095, "10.0.0.1", TCP, 443, A_DENY, 0, R(UNKNOWN_VLAN), GW_RULE_NONE, -1},
	{1, "10.0.0.1", UDP, 53, A_DENY, 0, R(UNKNOWN_VLAN), GW_RULE_NONE, -1},
	/* CIDR rules, no ports: any protocol and port */
	{GW_VLAN_NONE, "10.1.2.3", TCP, 22, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0},
	{20, "10.255.255.255", UDP, 9999, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0},
	{20, "2001:db8:ffff::1", UDP, 53, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 1},
	{20, "10.0.0.1", ICMP, 0, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0},
	{20, "2001:db8::1", ICMP6, 0, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 1},
	{20, "10.0.0.1", GRE, 0, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0},
	{20, "11.0.0.1", TCP, 443, A_DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1},
	{20, "2001:db9::1", TCP, 443, A_DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1},
	{20, "8.8.8.8", GRE, 0, A_DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1},
	{20, "8.8.8.8", ICMP, 0, A_DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1},
	/* an IPv4-mapped v6 destination is the v4 address */
	{20, "::ffff:10.0.0.1", TCP, 1, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0},
	/* CIDR rules restricted by allow_ports; first matching CIDR reported */
	{21, "192.0.2.200", UDP, 53, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0},
	{21, "192.0.2.5", UDP, 123, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0},
	{21, "192.0.2.5", TCP, 53, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0},
	{21, "192.0.2.5", TCP, 22, A_DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1},
	{21, "192.0.2.5", ICMP, 0, A_DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1},
	{21, "192.0.2.5", GRE, 0, A_DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1},
	{21, "8.8.8.8", UDP, 53, A_DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1},
	/* names, default name ports 443 (TLS) and 80 (HTTP) */
	{10, "8.8.8.8", TCP, 443, A_NEED, GW_NEED_TLS, R(UNCLASSIFIED), GW_RULE_NONE, -1},
	{10, "2001:db8::5", TCP, 80, A_NEED, GW_NEED_HTTP, R(UNCLASSIFIED), GW_RULE_NONE, -1},
	{10, "8.8.8.8", TCP, 8443, A_DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1},
	{10, "8.8.8.8", TCP, 22, A_DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1},
	/* Changed with the DNS issue: quic: block is the default (was cidr_not_allowed). */
	{10, "8.8.8.8", UDP, 443, A_DENY, 0, R(QUIC_BLOCKED), GW_RULE_NONE, -1},
	{10, "8.8.8.8", ICMP, 0, A_DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1},
	/* names with allow_ports: those are the name ports */
	{11, "8.8.8.8", TCP, 443, A_NEED, GW_NEED_TLS, R(UNCLASSIFIED), GW_RULE_NONE, -1},
	{11, "8.8.8.8", TCP, 80, A_NEED, GW_NEED_HTTP, R(UNCLASSIFIED), GW_RULE_NONE, -1},
	/*
	 * Changed with the DNS issue: hygiene http_on_other_ports: deny is the
	 * default, so a name port other than 80/443 expects TLS (was EITHER).
	 */
	{11, "8.8.8.8", TCP, 8443, A_NEED, GW_NEED_TLS, R(UNCLASSIFIED), GW_RULE_NONE, -1},
	{11, "8.8.8.8", TCP, 22, A_DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1},
	{11, "8.8.8.8", UDP, 8443, A_DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1},
	/* CIDR and names: the CIDR rule decides first */
	{30, "198.51.100.7", TCP, 443, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 1},
	{30, "198.51.100.7", UDP, 443, A_ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 1},
	{30, "8.8.8.8", TCP, 443, A_NEED, GW_NEED_TLS, R(UNCLASSIFIED), GW_RULE_NONE, -1},
	{30, "198.51.100.7", TCP, 80, A_DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1},
	{30, "8.8.8.8", TCP, 80, A_DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1},
	/* Changed with the DNS issue: quic: block is the default (was cidr_not_allowed). */
	{30, "8.8.8.8", UDP, 443, A_DENY, 0, R(QUIC_BLOCKED), GW_RULE_NONE, -1},
	{30, "203.0.113.1", ICMP, 0, A_DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1},
	/* a role without rules */
	{40, "10.0.0.1", TCP, 443, A_DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1},
	{40, "10.0.0.1", ICMP, 0, A_DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1},
};

static struct gw_policy *decide_policy;
static struct gw_match_scratch *decide_scratch;

static void
decide_setup(void)
{
	decide_policy = load_ok(decide_yaml);
	decide_scratch = NULL;
	ck_assert_int_eq(gw_policy_scratch_grow(decide_policy, &decide_scratch), 0);
	ck_assert_ptr_nonnull(decide_scratch);
}

static void
decide_teardown(void)
{
	gw_match_scratch_free(decide_scratch);
	gw_policy_free(decide_policy);
}

START_TEST(test_decide_l4)
{
	const struct l4_case *c = &l4_cases[_i];
	const struct gw_role *role = gw_policy_role_for_vlan(decide_policy, c->vlan);
	struct gw_decision d;
	struct gw_addr dst;

	ck_assert_int_eq(gw_addr_parse(c->dst, &dst), 0);
	memset(&d, 0xa5, sizeof(d));
	gw_policy_decide_l4(decide_policy, role, &dst, c->proto, c->dport, &d);
	ck_assert_msg(d.action == c->action && d.need == c->need &&
		      d.reason == c->reason && d.rule_kind == c->rule_kind &&
		      d.rule_index == c->rule_index,
		      "case %d (vlan %u %s proto %u port %u): got action %u need %u reason %s rule %u/%d",
		      _i, c->vlan, c->dst, c->proto, c->dport, d.action, d.need,
		      gw_reason_name(d.reason), d.rule_kind, d.rule_index);
}
END_TEST

struct name_case {
	uint16_t vlan;
	uint8_t app;
	const char *name;
	const char *method;
	uint8_t action;
	uint8_t reason;
	uint8_t rule_kind;
	int32_t rule_index;
	size_t len;        /* bytes of name; 0: strlen(name) */
};

static const struct name_case name_cases[] = {
	{50, GW_APP_TLS, "api.x.tld", NULL, A_DENY, R(UNKNOWN_VLAN), GW_RULE_NONE, -1},
	/* exact preferred over a wildcard that also matches */
	{10, GW_APP_TLS, "api.x.tld", NULL, A_ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0},
	{11, GW_APP_TLS, "api.x.tld", NULL, A_ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 1},
	{10, GW_APP_TLS, "API.X.TLD.", NULL, A_ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0},
	{10, GW_APP_TLS, "foo.x.tld", NULL, A_ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 1},
	{10, GW_APP_HTTP, "a.b.c.x.tld", "DELETE", A_ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 1},
	/* a wildcard does not cover its apex, nor look-alike suffixes */
	{10, GW_APP_TLS, "x.tld", NULL, A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
	{10, GW_APP_TLS, "foox.tld", NULL, A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
	{10, GW_APP_TLS, "x.tld.evil.com", NULL, A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
	{10, GW_APP_TLS, "exact.y.tld", NULL, A_ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 2},
	{10, GW_APP_TLS, "sub.exact.y.tld", NULL, A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
	{10, GW_APP_TLS, "y.tld", NULL, A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
	/* C2 signatures win over the allowlist (evil.x.tld is listed) */
	{10, GW_APP_TLS, "evil.x.tld", NULL, A_DENY, R(C2_SIGNATURE), GW_RULE_C2, 0},
	{10, GW_APP_HTTP, "EVIL.x.tld", "GET", A_DENY, R(C2_SIGNATURE), GW_RULE_C2, 0},
	{10, GW_APP_TLS, "a123456.tld", NULL, A_DENY, R(C2_SIGNATURE), GW_RULE_C2, 1},
	{20, GW_APP_TLS, "evil.anything.com", NULL, A_DENY, R(C2_SIGNATURE), GW_RULE_C2, 0},
	/* IP literals */
	{10, GW_APP_TLS, "1.2.3.4", NULL, A_DENY, R(IP_LITERAL), GW_RULE_NONE, -1},
	{10, GW_APP_TLS, "1.2.3.4.", NULL, A_DENY, R(IP_LITERAL), GW_RULE_NONE, -1},
	{10, GW_APP_HTTP, "[2001:db8::1]", "GET", A_DENY, R(IP_LITERAL), GW_RULE_NONE, -1},
	{10, GW_APP_HTTP, "0x7f.1", "GET", A_DENY, R(IP_LITERAL), GW_RULE_NONE, -1},
	/* no name */
	{10, GW_APP_TLS, "", NULL, A_DENY, R(NO_SNI), GW_RULE_NONE, -1},
	{10, GW_APP_HTTP, "", "GET", A_DENY, R(MALFORMED), GW_RULE_NONE, -1},
	/* names that do not normalise */
	{10, GW_APP_TLS, "bad name.x.tld", NULL, A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
	{10, GW_APP_TLS, "*.x.tld", NULL, A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
	{10, GW_APP_TLS, "a..x.tld", NULL, A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
	{10, GW_APP_TLS, "api.x.tld\0", NULL, A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1, 10},
	/* methods */
	{11, GW_APP_HTTP, "api.x.tld", "GET", A_ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 1},
	{11, GW_APP_HTTP, "api.x.tld", "POST", A_ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 1},
	{11, GW_APP_HTTP, "w.x.tld", "DELETE", A_DENY, R(METHOD_NOT_ALLOWED), GW_RULE_FQDN, 0},
	{11, GW_APP_HTTP, "api.x.tld", "get", A_DENY, R(METHOD_NOT_ALLOWED), GW_RULE_FQDN, 1},
	{11, GW_APP_HTTP, "api.x.tld", "GE", A_DENY, R(METHOD_NOT_ALLOWED), GW_RULE_FQDN, 1},
	{11, GW_APP_HTTP, "api.x.tld", "GETX", A_DENY, R(METHOD_NOT_ALLOWED), GW_RULE_FQDN, 1},
	{11, GW_APP_HTTP, "api.x.tld", "", A_DENY, R(METHOD_NOT_ALLOWED), GW_RULE_FQDN, 1},
	{11, GW_APP_HTTP, "other.tld", "GET", A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
	/* methods do not apply to TLS */
	{11, GW_APP_TLS, "api.x.tld", NULL, A_ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 1},
	/* a role without names */
	{20, GW_APP_TLS, "api.x.tld", NULL, A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
	{40, GW_APP_HTTP, "api.x.tld", "GET", A_DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1},
};

START_TEST(test_decide_name)
{
	const struct name_case *c = &name_cases[_i];
	const struct gw_role *role = gw_policy_role_for_vlan(decide_policy, c->vlan);
	size_t len = c->len != 0 ? c->len : strlen(c->name);
	struct gw_guard gn = {0}, gm = {0};
	const uint8_t *name;
	const char *method = NULL;
	struct gw_decision d;

	/* The name and method end right before a guard page. */
	name = gw_guard_place(&gn, c->name, len);
	if (c->method != NULL)
		method = (const char *)gw_guard_place(&gm, c->method, strlen(c->method));
	memset(&d, 0xa5, sizeof(d));
	gw_policy_decide_name(decide_policy, role, decide_scratch, c->app, name,
			      len, method, c->method != NULL ? strlen(c->method) : 0,
			      &d);
	ck_assert_msg(d.action == c->action && d.reason == c->reason &&
		      d.rule_kind == c->rule_kind && d.rule_index == c->rule_index,
		      "case %d (vlan %u '%s' %s): got action %u reason %s rule %u/%d",
		      _i, c->vlan, c->name, c->method != NULL ? c->method : "-",
		      d.action, gw_reason_name(d.reason), d.rule_kind, d.rule_index);
	gw_guard_release(&gn);
	gw_guard_release(&gm);
}
END_TEST

START_TEST(test_decide_misc)
{
	const struct gw_role *r10 = gw_policy_role_for_vlan(decide_policy, 10);
	struct gw_decision d;
	char longname[300];

	ck_assert_int_eq(gw_policy_role_index(decide_policy, r10), 0);
	ck_assert_int_eq(gw_policy_role_index(decide_policy, NULL), -1);
	ck_assert_int_eq(gw_policy_role_index(NULL, r10), -1);
	ck_assert_int_eq(gw_policy_role_index(decide_policy, r10 + 100), -1);
	ck_assert_str_eq(decide_policy->roles[6].name, "noroute");

	/* Over-long names are not allowed (and not over-read). */
	memset(longname, 'a', sizeof(longname));
	gw_policy_decide_name(decide_policy, r10, decide_scratch, GW_APP_TLS,
			      (const uint8_t *)longname, sizeof(longname), NULL, 0, &d);
	ck_assert_uint_eq(d.action, GW_ACT_DENY);
	ck_assert_uint_eq(d.reason, GW_REASON_FQDN_NOT_ALLOWED);

	/* Without a scratch nothing can be scanned: deny, unclassified. */
	gw_policy_decide_name(decide_policy, r10, NULL, GW_APP_TLS,
			      (const uint8_t *)"api.x.tld", 9, NULL, 0, &d);
	ck_assert_uint_eq(d.action, GW_ACT_DENY);
	ck_assert_uint_eq(d.reason, GW_REASON_UNCLASSIFIED);
	ck_assert_int_eq(d.rule_index, -1);

	ck_assert_int_eq(gw_policy_scratch_grow(NULL, &decide_scratch), GW_EINVAL);
}
END_TEST

/* A policy without signatures decides on the allowlist alone. */
START_TEST(test_decide_reference)
{
	struct gw_policy *p = NULL;
	struct gw_match_scratch *s = NULL;
	struct gw_decision d;
	struct gw_addr a;

	ck_assert_int_eq(gw_policy_load_file(REF_POLICY, &p, NULL), 0);
	ck_assert_int_eq(gw_policy_scratch_grow(p, &s), 0);
	gw_policy_decide_name(p, &p->roles[0], s, GW_APP_HTTP,
			      (const uint8_t *)"updates.vendor.tld", 18, "POST", 4, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	ck_assert_uint_eq(d.rule_kind, GW_RULE_FQDN);
	ck_assert_int_eq(d.rule_index, 0);
	gw_policy_decide_name(p, &p->roles[0], s, GW_APP_HTTP,
			      (const uint8_t *)"updates.vendor.tld", 18, "PUT", 3, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_METHOD_NOT_ALLOWED);
	ck_assert_int_eq(gw_addr_parse("192.168.3.4", &a), 0);
	gw_policy_decide_l4(p, &p->roles[1], &a, GW_PROTO_TCP, 5432, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	ck_assert_int_eq(d.rule_index, 1);
	/* ... but no VLAN reaches these roles. */
	gw_policy_decide_l4(p, gw_policy_role_for_vlan(p, 1), &a, GW_PROTO_TCP, 5432, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_UNKNOWN_VLAN);
	gw_match_scratch_free(s);
	gw_policy_free(p);
}
END_TEST

/* ---- robustness ---- */

/* Every prefix of the example, placed before a guard page. */
START_TEST(test_truncations)
{
	struct gw_policy *p;
	struct gw_diags dg;
	size_t len, i, ok = 0;
	char *buf = read_file(EXAMPLE_POLICY, &len);

	for (i = 0; i <= len; i++) {
		struct gw_guard g = {0};
		const char *at = (const char *)gw_guard_place(&g, buf, i);
		int rc = gw_policy_load_string(at, i, NULL, &p, &dg);

		ck_assert_msg(rc == 0 || rc == GW_ECONFIG, "len %zu: rc %d", i, rc);
		ck_assert_uint_le(dg.n, GW_ARRAY_SIZE(dg.d));
		if (rc == 0) {
			ck_assert_ptr_nonnull(p);
			ok++;
		} else {
			ck_assert_ptr_null(p);
			ck_assert_uint_ge(dg.n, 1);
		}
		gw_policy_free(p);
		gw_guard_release(&g);
	}
	ck_assert_int_eq(gw_policy_load_string(buf, len, NULL, &p, NULL), 0);
	gw_policy_free(p);
	ck_assert_uint_gt(ok, 1);
	free(buf);
}
END_TEST

/* docs/policy.md documents every key the loader accepts. */
START_TEST(test_docs_cover_keys)
{
	static const char *const keys[] = {
		"egress_policy", "default", "resolution", "dns", "allow",
		"block_encrypted", "roles", "vlans", "allow_fqdns", "allow_cidrs",
		"allow_ports", "allow_methods", "notes", "protocol", "name_binding",
		"ech", "quic", "hygiene", "no_sni", "ip_literal", "host_change",
		"non_tls_on_tls_port", "http_on_other_ports", "doh_providers",
		"c2_signatures", "id", "name", "severity", "pattern",
		"gateway", "flow_capacity", "pending_capacity", "reassembly",
		"max_bytes", "max_segments", "timeout_ms", "timeouts", "tcp_syn_s",
		"tcp_established_s", "tcp_fin_s", "tcp_closed_s", "udp_s", "icmp_s",
		"other_s", "ring_size", "eve_log", "control_socket", "fragments",
		"monitoring", "response_playbook",
	};
	size_t len, i;
	char *doc = read_file(POLICY_DOC, &len);

	for (i = 0; i < GW_ARRAY_SIZE(keys); i++) {
		char pat[64];

		snprintf(pat, sizeof(pat), "`%s`", keys[i]);
		ck_assert_msg(strstr(doc, pat) != NULL, "docs/policy.md lacks %s", pat);
	}
	free(doc);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc;

	tc = tcase_create("load");
	tcase_add_test(tc, test_reference_policy);
	tcase_add_test(tc, test_example_policy);
	tcase_add_test(tc, test_all_keys);
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_load_file_errors);
	tcase_add_test(tc, test_docs_cover_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_errors, 0, (int)GW_ARRAY_SIZE(err_cases));
	tcase_add_test(tc, test_error_hints);
	tcase_add_test(tc, test_error_collection);
	tcase_add_test(tc, test_depth_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("decide");
	tcase_add_checked_fixture(tc, decide_setup, decide_teardown);
	tcase_add_loop_test(tc, test_decide_l4, 0, (int)GW_ARRAY_SIZE(l4_cases));
	tcase_add_loop_test(tc, test_decide_name, 0, (int)GW_ARRAY_SIZE(name_cases));
	tcase_add_test(tc, test_decide_misc);
	tcase_add_test(tc, test_decide_reference);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_truncations);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(policy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
