/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy tests for the DNS issue: egress_policy.dns (resolvers through a
 * resolver callback, block_encrypted, the built-in and extra DoH lists),
 * the per-role name_binding / ech / quic / hygiene / protocol keys, and the
 * decisions they drive, with their precedence (DNS before CIDR, DoT/DoQ,
 * QUIC against CIDR, C2 before DoH before the allowlist, ECH, hygiene,
 * binding ports), on tables of cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "gw_test.h"
#include "pkt/gw_pkt.h"
#include "policy/gw_policy.h"

#define REF_POLICY GW_SRCDIR "/config/policy-reference.yaml"
#define DOH_LIST GW_SRCDIR "/config/doh-providers.txt"

/* ---- helpers ---- */

static void
print_diags(const struct gw_diags *dg)
{
	unsigned int i;

	for (i = 0; i < dg->n; i++)
		fprintf(stderr, "%u:%u: %s%s\n", dg->d[i].line, dg->d[i].col,
			dg->d[i].warning ? "warning: " : "", dg->d[i].msg);
}

/* A fake resolver: a table of names, a count of calls. */
struct fake_rr {
	const char *name;
	const char *addrs[4];
	int rc; /* returned instead when non-zero */
};

struct fake_resolver {
	const struct fake_rr *rrs;
	size_t n;
	unsigned int calls;
	char last[256];
};

static const struct fake_rr corp_rrs[] = {
	{"ns.corp.test", {"192.0.2.54", "192.0.2.53"}, 0},
	{"v6.corp.test", {"2001:db8::53"}, 0},
	{"fail.corp.test", {NULL}, GW_EIO},
	{"none.corp.test", {NULL}, 0},
	{"many.corp.test", {NULL}, 1000},
};

static int
fake_resolve(const char *name, struct gw_addr *out, size_t max, void *arg)
{
	struct fake_resolver *fr = arg;
	size_t i, k;

	fr->calls++;
	snprintf(fr->last, sizeof(fr->last), "%s", name);
	for (i = 0; i < fr->n; i++) {
		const struct fake_rr *rr = &fr->rrs[i];

		if (strcmp(rr->name, name) != 0)
			continue;
		if (rr->rc == 1000) {
			/* Fills every slot (3000::k) and claims more than there was room for. */
			for (k = 0; k < max; k++) {
				memset(&out[k], 0, sizeof(out[k]));
				out[k].b[0] = 0x30;
				out[k].b[15] = (uint8_t)k;
			}
			return (int)max + 5;
		}
		if (rr->rc != 0)
			return rr->rc;
		for (k = 0; k < 4 && rr->addrs[k] != NULL && k < max; k++)
			ck_assert_int_eq(gw_addr_parse(rr->addrs[k], &out[k]), 0);
		return (int)k;
	}
	return 0;
}

static struct gw_policy *
load_opts_ok(const char *yaml, const struct gw_policy_load_opts *o,
	     struct gw_diags *dg)
{
	struct gw_policy *p = NULL;
	unsigned int i;
	int rc;

	rc = gw_policy_load_string_opts(yaml, strlen(yaml), "test", &p, dg, o);
	if (rc != 0)
		print_diags(dg);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < dg->n; i++)
		ck_assert_msg(dg->d[i].warning, "unexpected error: %s", dg->d[i].msg);
	return p;
}

static struct gw_policy *
load_ok(const char *yaml)
{
	struct gw_diags dg;

	return load_opts_ok(yaml, NULL, &dg);
}

static bool
has_diag(const struct gw_diags *dg, unsigned int line, unsigned int col,
	 bool warning, const char *msg)
{
	unsigned int i;

	for (i = 0; i < dg->n; i++)
		if (dg->d[i].line == line && dg->d[i].col == col &&
		    dg->d[i].warning == warning && strcmp(dg->d[i].msg, msg) == 0)
			return true;
	print_diags(dg);
	return false;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
}

static int32_t
doh_index(const struct gw_policy *p, const char *entry)
{
	size_t i;

	for (i = 0; i < p->dns.n_doh; i++)
		if (strcmp(p->dns.doh_names[i], entry) == 0)
			return (int32_t)i;
	ck_abort_msg("%s is not in the DoH list", entry);
	return -1;
}

/* ---- dns.allow and the resolver callback ---- */

START_TEST(test_dns_allow_resolver)
{
	static const char yaml[] =
		"egress_policy:\n"
		"  dns:\n"
		"    allow: [\"192.0.2.53\", \"NS.Corp.Test.\", v6.corp.test,\n"
		"            fail.corp.test, none.corp.test, \"2001:DB8::53\",\n"
		"            many.corp.test]\n";
	struct fake_resolver fr = {corp_rrs, GW_ARRAY_SIZE(corp_rrs), 0, ""};
	struct gw_policy_load_opts o = {fake_resolve, &fr};
	struct gw_addr a;
	struct gw_diags dg;
	struct gw_policy *p;
	size_t i;

	p = load_opts_ok(yaml, &o, &dg);
	/* Names are given to the resolver normalised, once each. */
	ck_assert_uint_eq(fr.calls, 5);
	ck_assert_str_eq(fr.last, "many.corp.test");
	ck_assert(p->dns.restricted);
	ck_assert_uint_eq(p->dns.n_names, 5);
	ck_assert_str_eq(p->dns.names[0].name, "ns.corp.test");
	ck_assert_uint_eq(p->dns.names[0].n_addrs, 2);
	ck_assert_uint_eq(p->dns.names[0].line, 3);
	ck_assert_uint_eq(p->dns.names[1].n_addrs, 1);
	ck_assert_uint_eq(p->dns.names[2].n_addrs, 0);
	ck_assert_int_eq(p->dns.names[2].error, GW_EIO);
	ck_assert_uint_eq(p->dns.names[3].n_addrs, 0);
	ck_assert_int_eq(p->dns.names[3].error, 0);
	/* A resolver claiming more than max is cut at max. */
	ck_assert_uint_eq(p->dns.names[4].n_addrs, GW_DNS_RESOLVE_MAX);
	/* 192.0.2.53 twice and 2001:db8::53 twice: kept once each. */
	ck_assert_uint_eq(p->dns.n_resolvers, 3 + GW_DNS_RESOLVE_MAX);
	for (i = 1; i < p->dns.n_resolvers; i++)
		ck_assert_int_lt(gw_addr_cmp(&p->dns.resolvers[i - 1],
					     &p->dns.resolvers[i]), 0);
	ck_assert_int_eq(gw_addr_parse("192.0.2.53", &a), 0);
	ck_assert_int_eq(gw_policy_resolver_index(p, &a), 0);
	ck_assert_int_eq(gw_addr_parse("192.0.2.54", &a), 0);
	ck_assert_int_eq(gw_policy_resolver_index(p, &a), 1);
	ck_assert_int_eq(gw_addr_parse("2001:db8::53", &a), 0);
	ck_assert_int_eq(gw_policy_resolver_index(p, &a), 2);
	ck_assert_int_eq(gw_addr_parse("192.0.2.55", &a), 0);
	ck_assert_int_eq(gw_policy_resolver_index(p, &a), -1);
	ck_assert_int_eq(gw_policy_resolver_index(p, NULL), -1);
	ck_assert_int_eq(gw_policy_resolver_index(NULL, &a), -1);

	ck_assert_uint_eq(dg.n, 2);
	ck_assert(has_diag(&dg, 4, 13, true,
			   "egress_policy.dns.allow: fail.corp.test did not resolve; it matches nothing"));
	ck_assert(has_diag(&dg, 4, 29, true,
			   "egress_policy.dns.allow: none.corp.test did not resolve; it matches nothing"));
	gw_policy_free(p);

	/* Without a resolver every name warns and only addresses remain. */
	ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), "t", &p, &dg), 0);
	ck_assert_uint_eq(dg.n, 5);
	ck_assert(has_diag(&dg, 3, 27, true,
			   "egress_policy.dns.allow: ns.corp.test did not resolve; it matches nothing"));
	ck_assert_uint_eq(p->dns.n_resolvers, 2);
	gw_policy_free(p);

	/* The resolver is not asked for names of a file with errors. */
	{
		static const char bad[] =
			"egress_policy:\n  dns:\n    allow: [ns.corp.test]\n  rolez: {}\n";

		fr.calls = 0;
		ck_assert_int_eq(gw_policy_load_string_opts(bad, strlen(bad), "t", &p,
							    &dg, &o), GW_ECONFIG);
		ck_assert_uint_eq(fr.calls, 0);
		ck_assert_ptr_null(p);
	}

	/* allow: [] denies every DNS destination; no dns.allow restricts nothing. */
	p = load_ok("egress_policy:\n  dns:\n    allow: []\n");
	ck_assert(p->dns.restricted);
	ck_assert_uint_eq(p->dns.n_resolvers, 0);
	gw_policy_free(p);
	p = load_ok("egress_policy:\n  dns:\n    block_encrypted: [DoT]\n");
	ck_assert(!p->dns.restricted);
	ck_assert_uint_eq(p->dns.block_encrypted, GW_DNS_BLOCK_DOT);
	ck_assert_ptr_null(p->dns.doh_db);
	ck_assert_uint_eq(p->dns.n_doh, 0);
	gw_policy_free(p);
	p = load_ok("egress_policy: {}\n");
	ck_assert(!p->dns.restricted);
	ck_assert_uint_eq(p->dns.block_encrypted, 0);
	gw_policy_free(p);

	/* The _opts loaders with NULL options are the plain ones. */
	ck_assert_int_eq(gw_policy_load_string_opts("egress_policy: {}", 17, NULL, &p,
						    NULL, NULL), 0);
	gw_policy_free(p);
	ck_assert_int_eq(gw_policy_load_file_opts(REF_POLICY, &p, NULL, NULL), 0);
	gw_policy_free(p);
}
END_TEST

/* ---- errors of the new keys: position and message ---- */

struct err_case {
	const char *yaml;
	const char *pos;
	const char *msg;
};

#define EP "egress_policy:\n"
#define DNS EP "  dns:\n"
#define ROLE EP "  roles:\n    web:\n"

static const struct err_case err_cases[] = {
	{DNS "    allow: [\"10.0.0.0/8\"]\n", "3:13",
	 "egress_policy.dns.allow[0]: '10.0.0.0/8': a resolver is one address or name, not a prefix"},
	{DNS "    allow: [\"10.1\"]\n", "3:13",
	 "allow[0]: invalid address '10.1' (expected e.g. 192.0.2.53 or 2001:db8::53)"},
	{DNS "    allow: [\"bad name\"]\n", "3:13",
	 "invalid resolver 'bad name' (expected an address or a name such as ns1.example.tld)"},
	{DNS "    allow: [\"*.corp.tld\"]\n", "3:13", "invalid resolver '*.corp.tld'"},
	{DNS "    allow: [192.0.2.1, \"192.0.2.1\"]\n", "3:24",
	 "egress_policy.dns.allow: duplicate entry '192.0.2.1' (first at line 3)"},
	{DNS "    allow: [\"2001:db8::1\", \"2001:DB8:0::1\"]\n", "3:28",
	 "duplicate entry '2001:DB8:0::1' (first at line 3)"},
	{DNS "    allow: [ns.tld, NS.TLD.]\n", "3:21", "duplicate entry 'NS.TLD.' (first at line 3)"},
	{DNS "    allow: [~]\n", "3:13", "allow[0]: expected a string, got an empty value"},
	{DNS "    allow:\n", "3:11", "expected a list, got an empty value"},
	{DNS "    block_encrypted: [DoH, doh]\n", "3:28",
	 "block_encrypted[1]: duplicate entry 'doh' (first at line 3)"},
	{DNS "    block_encrypted: DoH\n", "3:22", "block_encrypted: expected a list, got a scalar"},
	{DNS "    block_encrypted: [DNSCrypt]\n", "3:23",
	 "invalid value 'DNSCrypt' (expected one of: DoH, DoT, DoQ)"},
	{DNS "    doh_providers: /nonexistent/doh.txt\n", "3:20",
	 "egress_policy.dns.doh_providers: /nonexistent/doh.txt: cannot open: No such file or directory"},
	{DNS "    doh_providers: [a]\n", "3:20", "doh_providers: expected a string, got a list"},
	{DNS "    doh_providers: /\n", "3:20", "/: not a regular file"},
	{DNS "    doh_providers: \"\"\n", "3:20", "doh_providers: empty string"},
	{DNS "    doh_provider: x\n", "3:5", "unknown key 'doh_provider' (did you mean 'doh_providers'?)"},
	{ROLE "      protocol: [HTTPS]\n", "4:18",
	 "protocol[0]: invalid value 'HTTPS' (expected one of: SSH, SFTP, SCP, RDP): protocols without a name on the wire; TLS and HTTP are judged by their names"},
	{ROLE "      protocol: [SFTP, sftp]\n", "4:24", "protocol[1]: duplicate entry 'sftp' (first at line 4)"},
	{ROLE "      hygiene: {no_sni: maybe}\n", "4:25",
	 "egress_policy.roles.web.hygiene.no_sni: invalid value 'maybe' (expected one of: deny, allow)"},
	{ROLE "      hygiene: {no_snii: deny}\n", "4:17",
	 "egress_policy.roles.web.hygiene: unknown key 'no_snii' (did you mean 'no_sni'?)"},
	{ROLE "      hygiene: deny\n", "4:16", "hygiene: expected a mapping, got a scalar"},
	{ROLE "      hygiene: {host_change: allow, host_change: deny}\n", "4:37",
	 "hygiene: duplicate key 'host_change' (first at line 4)"},
	{ROLE "      hygiene: {http_on_other_ports: [allow]}\n", "4:38",
	 "http_on_other_ports: expected a string, got a list"},
	{ROLE "      name_binding: [strict]\n", "4:21", "name_binding: expected a string, got a list"},
	{ROLE "      quic: allowed\n", "4:13", "invalid value 'allowed' (expected one of: block, allow)"},
};

START_TEST(test_errors)
{
	const struct err_case *c = &err_cases[_i];
	struct gw_policy *p = (struct gw_policy *)1;
	struct gw_diags dg;
	char pos[32];
	int rc;

	rc = gw_policy_load_string(c->yaml, strlen(c->yaml), "err.yaml", &p, &dg);
	ck_assert_msg(rc == GW_ECONFIG, "case %d: rc %d", _i, rc);
	ck_assert_ptr_null(p);
	if (dg.n != 1)
		print_diags(&dg);
	ck_assert_uint_eq(dg.n, 1);
	ck_assert(!dg.d[0].warning);
	snprintf(pos, sizeof(pos), "%u:%u", dg.d[0].line, dg.d[0].col);
	ck_assert_msg(strcmp(pos, c->pos) == 0 && strstr(dg.d[0].msg, c->msg) != NULL,
		      "case %d: got %s: %s; want %s: %s", _i, pos, dg.d[0].msg,
		      c->pos, c->msg);
}
END_TEST

/* ---- the DoH lists ---- */

/* The embedded list is config/doh-providers.txt, name for name. */
START_TEST(test_doh_builtin)
{
	char line[512];
	size_t n = 0, i;
	FILE *f = fopen(DOH_LIST, "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *hash = strchr(line, '#'), *s = line, *e;

		if (hash != NULL)
			*hash = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
				 e[-1] == '\t'))
			*--e = '\0';
		if (*s == '\0')
			continue;
		ck_assert_uint_lt(n, gw_policy_doh_builtin_count);
		ck_assert_str_eq(gw_policy_doh_builtin[n], s);
		n++;
	}
	fclose(f);
	ck_assert_uint_eq(n, gw_policy_doh_builtin_count);
	ck_assert_uint_ge(n, 90);
	/* Every entry is a valid, normalised, unique allowlist-style name. */
	for (i = 0; i < n; i++) {
		const char *s = gw_policy_doh_builtin[i];
		char norm[256];
		size_t j;

		ck_assert_int_eq(gw_name_normalize((const uint8_t *)s, strlen(s), norm,
						   sizeof(norm), true), (int)strlen(s));
		ck_assert_str_eq(norm, s);
		ck_assert(!gw_name_is_ip_literal(s, strlen(s)));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(gw_policy_doh_builtin[j], s);
	}
}
END_TEST

START_TEST(test_doh_match)
{
	static const struct {
		const char *name;
		const char *entry; /* NULL: not a DoH endpoint */
	} cases[] = {
		{"dns.google", "dns.google"},
		{"DNS.GOOGLE.", "dns.google"},
		{"x.dns.nextdns.io", "*.dns.nextdns.io"},
		{"a.b.dns.nextdns.io", "*.dns.nextdns.io"},
		{"dns.nextdns.io", "dns.nextdns.io"},
		{"cloudflare-dns.com", "cloudflare-dns.com"},
		{"mozilla.cloudflare-dns.com", "mozilla.cloudflare-dns.com"},
		{"anything.cloudflare-dns.com", "*.cloudflare-dns.com"},
		{"dns.quad9.net", "dns.quad9.net"},
		{"doh.opendns.com", "doh.opendns.com"},
		{"doh.cleanbrowsing.org", "doh.cleanbrowsing.org"},
		{"dns.adguard.com", "dns.adguard.com"},
		{"abc123.d.adguard-dns.com", "*.d.adguard-dns.com"},
		{"nextdns.io", NULL},
		{"google", NULL},
		{"www.google.com", NULL},
		{"quad9.net", NULL},
		{"dns.google.evil.tld", NULL},
		{"xdns.google", NULL},
		{"time.cloudflare.com", NULL},
	};
	struct gw_policy *p = load_ok(
		"egress_policy:\n  dns:\n    block_encrypted: [doh]\n"
		"  roles:\n    r:\n      vlans: [1]\n      allow_fqdns: [\"*.google\", \"quad9.net\"]\n");
	struct gw_match_scratch *s = NULL;
	size_t i;

	ck_assert_ptr_nonnull(p->dns.doh_db);
	ck_assert_uint_eq(p->dns.n_doh, gw_policy_doh_builtin_count);
	ck_assert_uint_eq(gw_match_db_count(p->dns.doh_db), p->dns.n_doh);
	for (i = 1; i < p->dns.n_doh; i++)
		ck_assert_int_lt(strcmp(p->dns.doh_names[i - 1], p->dns.doh_names[i]), 0);
	ck_assert_int_eq(gw_policy_scratch_grow(p, &s), 0);
	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct gw_decision d;
		int hit;
		char norm[256];
		int len = gw_name_normalize((const uint8_t *)cases[i].name,
					    strlen(cases[i].name), norm, sizeof(norm), false);

		ck_assert_int_gt(len, 0);
		hit = gw_match_scan(p->dns.doh_db, s, norm, (size_t)len);
		if (cases[i].entry == NULL) {
			ck_assert_msg(hit == GW_MATCH_NONE, "%s matched %d", cases[i].name, hit);
			continue;
		}
		ck_assert_msg(hit == doh_index(p, cases[i].entry), "%s: %d",
			      cases[i].name, hit);
		/* The same through the decision, even where the role allows it. */
		gw_policy_decide_name(p, &p->roles[0], s, GW_APP_TLS,
				      (const uint8_t *)cases[i].name,
				      strlen(cases[i].name), NULL, 0, &d);
		ck_assert_uint_eq(d.action, GW_ACT_DENY);
		ck_assert_uint_eq(d.reason, GW_REASON_DOH);
		ck_assert_uint_eq(d.rule_kind, GW_RULE_DOH);
		ck_assert_int_eq(d.rule_index, hit);
	}
	gw_match_scratch_free(s);
	gw_policy_free(p);
}
END_TEST

/* doh_providers: a file next to the policy, relative paths, errors. */
START_TEST(test_doh_file)
{
	char dir[] = "/tmp/gw-policy-doh-XXXXXX";
	char pol[256], list[256], bad[256], empty[256], yaml[512];
	struct gw_match_scratch *s = NULL;
	struct gw_decision d;
	struct gw_diags dg;
	struct gw_policy *p;
	int rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(list, sizeof(list), "%s/extra.txt", dir);
	snprintf(bad, sizeof(bad), "%s/bad.txt", dir);
	snprintf(empty, sizeof(empty), "%s/empty.txt", dir);
	snprintf(pol, sizeof(pol), "%s/policy.yaml", dir);
	write_file(list,
		   "# corporate additions\n"
		   "doh.internal-cdn.example   # trailing comment\n"
		   "\n"
		   "  *.Resolvers.Example.\r\n"
		   "dns.google\n"            /* already built in: kept once */
		   "\tlast.example");        /* no newline at the end */
	write_file(bad, "ok.example\nbad name.example\n10.0.0.1\n*.\n");
	write_file(empty, "# nothing\n\n");

	/* Relative to the policy file's folder when loaded from a file. */
	write_file(pol,
		   "egress_policy:\n"
		   "  dns:\n"
		   "    block_encrypted: [DoH]\n"
		   "    doh_providers: extra.txt\n"
		   "  roles:\n"
		   "    r:\n"
		   "      vlans: [1]\n"
		   "      allow_fqdns: [\"*.example\"]\n");
	rc = gw_policy_load_file(pol, &p, &dg);
	if (rc != 0)
		print_diags(&dg);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(dg.n, 0);
	ck_assert_str_eq(p->dns.doh_providers, "extra.txt");
	ck_assert_uint_eq(p->dns.n_doh_extra, 4);
	ck_assert_uint_eq(p->dns.n_doh, gw_policy_doh_builtin_count + 3);
	doh_index(p, "doh.internal-cdn.example");
	doh_index(p, "*.resolvers.example");
	doh_index(p, "last.example");
	ck_assert_int_eq(gw_policy_scratch_grow(p, &s), 0);
	gw_policy_decide_name(p, &p->roles[0], s, GW_APP_TLS,
			      (const uint8_t *)"a.resolvers.example", 19, NULL, 0, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_DOH);
	ck_assert_int_eq(d.rule_index, doh_index(p, "*.resolvers.example"));
	gw_policy_decide_name(p, &p->roles[0], s, GW_APP_TLS,
			      (const uint8_t *)"www.example", 11, NULL, 0, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	{
		char sum[8192];

		ck_assert_int_gt(gw_policy_summary(p, sum, sizeof(sum)), 0);
		ck_assert_ptr_nonnull(strstr(sum, "built-in list + 4 from extra.txt)"));
	}
	gw_match_scratch_free(s);
	gw_policy_free(p);

	/* From a string, a relative path is taken from the current directory. */
	snprintf(yaml, sizeof(yaml),
		 "egress_policy:\n  dns:\n    block_encrypted: [DoH]\n    doh_providers: extra.txt\n");
	ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), "s", &p, &dg), GW_ECONFIG);
	ck_assert_ptr_nonnull(strstr(dg.d[0].msg, "extra.txt: cannot open"));
	snprintf(yaml, sizeof(yaml),
		 "egress_policy:\n  dns:\n    block_encrypted: [DoH]\n    doh_providers: %s\n", list);
	ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), "s", &p, &dg), 0);
	ck_assert_uint_eq(p->dns.n_doh_extra, 4);
	gw_policy_free(p);

	/* Bad lines: every one reported with the file's line, at the key. */
	snprintf(yaml, sizeof(yaml),
		 "egress_policy:\n  dns:\n    block_encrypted: [DoH]\n    doh_providers: %s\n", bad);
	ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), "s", &p, &dg), GW_ECONFIG);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(dg.n, 3);
	{
		char want[512];

		snprintf(want, sizeof(want),
			 "egress_policy.dns.doh_providers: %s:2: invalid name 'bad name.example' (expected host.example.tld or *.example.tld)",
			 bad);
		ck_assert(has_diag(&dg, 4, 20, false, want));
		snprintf(want, sizeof(want),
			 "egress_policy.dns.doh_providers: %s:3: '10.0.0.1' is an IP address, not a DoH endpoint name",
			 bad);
		ck_assert(has_diag(&dg, 4, 20, false, want));
		snprintf(want, sizeof(want),
			 "egress_policy.dns.doh_providers: %s:4: invalid name '*.' (expected host.example.tld or *.example.tld)",
			 bad);
		ck_assert(has_diag(&dg, 4, 20, false, want));
	}

	/* An empty list and a list without DoH blocked warn. */
	snprintf(yaml, sizeof(yaml),
		 "egress_policy:\n  dns:\n    block_encrypted: [DoH]\n    doh_providers: %s\n", empty);
	ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), "s", &p, &dg), 0);
	ck_assert_uint_eq(dg.n, 1);
	ck_assert(dg.d[0].warning);
	ck_assert_ptr_nonnull(strstr(dg.d[0].msg, "empty.txt holds no name"));
	ck_assert_uint_eq(p->dns.n_doh, gw_policy_doh_builtin_count);
	gw_policy_free(p);
	snprintf(yaml, sizeof(yaml),
		 "egress_policy:\n  dns:\n    block_encrypted: [DoT]\n    doh_providers: %s\n", list);
	ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), "s", &p, &dg), 0);
	ck_assert_uint_eq(dg.n, 1);
	ck_assert(has_diag(&dg, 4, 20, true,
			   "egress_policy.dns.doh_providers: has no effect: block_encrypted does not list DoH"));
	ck_assert_ptr_null(p->dns.doh_db);
	gw_policy_free(p);
	/* ... but its errors are still reported. */
	snprintf(yaml, sizeof(yaml), "egress_policy:\n  dns:\n    doh_providers: %s\n", bad);
	ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), "s", &p, &dg), GW_ECONFIG);
	ck_assert_uint_eq(dg.n, 3);

	/* Many bad lines: reporting stops after ten. */
	{
		char many[4096] = "";
		int k;

		for (k = 0; k < 30; k++)
			strcat(many, "bad name\n");
		write_file(bad, many);
		ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), "s", &p, &dg),
				 GW_ECONFIG);
		ck_assert_uint_eq(dg.n, 11);
		ck_assert_ptr_nonnull(strstr(dg.d[10].msg, "too many invalid lines; stopped at line 10"));
	}
	/* A NUL byte: not a text file. */
	{
		FILE *f = fopen(bad, "w");

		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite("a.tld\n\0b.tld\n", 1, 13, f), 13);
		fclose(f);
		ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), "s", &p, &dg),
				 GW_ECONFIG);
		ck_assert_uint_eq(dg.n, 1);
		ck_assert_ptr_nonnull(strstr(dg.d[0].msg, "not a text file (NUL byte)"));
	}

	/* A FIFO is refused without waiting for a writer (both loaders). */
	{
		char fifo[256];

		snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
		ck_assert_int_eq(mkfifo(fifo, 0600), 0);
		snprintf(yaml, sizeof(yaml), "egress_policy:\n  dns:\n    doh_providers: %s\n", fifo);
		ck_assert_int_eq(gw_policy_load_string(yaml, strlen(yaml), "s", &p, &dg),
				 GW_ECONFIG);
		ck_assert_ptr_nonnull(strstr(dg.d[0].msg, "fifo: not a regular file"));
		ck_assert_int_eq(gw_policy_load_file(fifo, &p, &dg), GW_ECONFIG);
		ck_assert_str_eq(dg.d[0].msg, "not a regular file");
		unlink(fifo);
	}

	unlink(list);
	unlink(bad);
	unlink(empty);
	unlink(pol);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* ---- decisions ---- */

static const char dns_yaml[] =
	"egress_policy:\n"
	"  dns:\n"
	"    allow: [\"192.0.2.53\", \"2001:db8::53\", \"ns.corp.test\"]\n"
	"    block_encrypted: [DoH, DoT]\n"
	"  roles:\n"
	"    web:\n"                           /* 10: defaults */
	"      vlans: [10]\n"
	"      allow_fqdns: [\"api.x.tld\", \"*.x.tld\", \"dns.google\", \"dns.quad9.net\"]\n"
	"      allow_cidrs: [\"10.0.0.0/8\"]\n"
	"    lax:\n"                           /* 11: every toggle the other way */
	"      vlans: [11]\n"
	"      allow_fqdns: [\"api.x.tld\"]\n"
	"      allow_ports: [443, 8443, 80]\n"
	"      name_binding: log\n"
	"      ech: block\n"
	"      quic: allow\n"
	"      hygiene: {no_sni: allow, ip_literal: allow, host_change: allow,\n"
	"                non_tls_on_tls_port: allow, http_on_other_ports: allow}\n"
	"    sftp:\n"                          /* 12: protocol, no allow_ports */
	"      vlans: [12]\n"
	"      allow_fqdns: [\"sftp.partner.tld\"]\n"
	"      protocol: [SFTP, RDP, SCP]\n"
	"      name_binding: off\n"
	"    sftp_ports:\n"                    /* 13: protocol with allow_ports */
	"      vlans: [13]\n"
	"      allow_fqdns: [\"sftp.partner.tld\"]\n"
	"      allow_ports: [2222, 22, 443]\n"
	"      allow_cidrs: [\"198.51.100.0/24\"]\n"
	"      protocol: [ssh]\n"
	"    cidr_quic:\n"                     /* 14: CIDR, QUIC blocked */
	"      vlans: [14]\n"
	"      allow_cidrs: [\"203.0.113.0/24\"]\n"
	"    quic_nonames:\n"                  /* 15: QUIC allowed, no names */
	"      vlans: [15]\n"
	"      allow_cidrs: [\"203.0.113.0/24\"]\n"
	"      quic: allow\n"
	"    other_ports:\n"                   /* 16: only http_on_other_ports */
	"      vlans: [16]\n"
	"      allow_fqdns: [\"api.x.tld\"]\n"
	"      allow_ports: [443, 8443]\n"
	"      hygiene: {http_on_other_ports: allow}\n"
	"c2_signatures:\n"
	"  - {id: 1, name: evil, pattern: '^evil\\.'}\n"
	"  - {id: 2, name: iprange, pattern: '^203\\.0\\.113\\.'}\n"
	"  - {id: 3, name: quad9-as-c2, pattern: '^dns\\.quad9\\.net$'}\n";

static const struct fake_rr dns_rrs[] = {
	{"ns.corp.test", {"192.0.2.54", "192.0.2.53"}, 0},
};

static struct gw_policy *dp;
static struct gw_match_scratch *ds;

static void
dns_setup(void)
{
	static struct fake_resolver fr;
	struct gw_policy_load_opts o = {fake_resolve, &fr};
	struct gw_diags dg;

	fr.rrs = dns_rrs;
	fr.n = GW_ARRAY_SIZE(dns_rrs);
	dp = load_opts_ok(dns_yaml, &o, &dg);
	ck_assert_uint_eq(dg.n, 0);
	ds = NULL;
	ck_assert_int_eq(gw_policy_scratch_grow(dp, &ds), 0);
}

static void
dns_teardown(void)
{
	gw_match_scratch_free(ds);
	gw_policy_free(dp);
}

#define TCP GW_PROTO_TCP
#define UDP GW_PROTO_UDP
#define ICMP GW_PROTO_ICMP
#define R(x) GW_REASON_##x
#define DENY GW_ACT_DENY
#define ALLOW GW_ACT_ALLOW
#define NEED GW_ACT_NEED_NAME
#define BIND GW_ACT_NEED_BINDING
#define B_OFF GW_BIND_OFF
#define B_STRICT GW_BIND_STRICT
#define B_LOG GW_BIND_LOG

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
	uint8_t bind;
};

/* Resolvers, sorted: 192.0.2.53, 192.0.2.54, 2001:db8::53. */
static const struct l4_case l4_cases[] = {
	/* the role comes first */
	{50, "192.0.2.53", UDP, 53, DENY, 0, R(UNKNOWN_VLAN), GW_RULE_NONE, -1, B_OFF},
	/* DNS: only the resolvers, before the CIDR rules, for every role */
	{10, "192.0.2.53", UDP, 53, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_DNS, 0, B_OFF},
	{10, "192.0.2.54", TCP, 53, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_DNS, 1, B_OFF},
	{10, "2001:db8::53", UDP, 53, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_DNS, 2, B_OFF},
	{10, "::ffff:192.0.2.53", UDP, 53, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_DNS, 0, B_OFF},
	{12, "192.0.2.53", UDP, 53, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_DNS, 0, B_OFF},
	{10, "10.1.1.1", UDP, 53, DENY, 0, R(DNS_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{10, "10.1.1.1", TCP, 53, DENY, 0, R(DNS_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{10, "8.8.8.8", UDP, 53, DENY, 0, R(DNS_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{14, "203.0.113.53", UDP, 53, DENY, 0, R(DNS_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{13, "198.51.100.1", UDP, 53, DENY, 0, R(DNS_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	/* not DNS: port 53 of another protocol, other ports of a resolver */
	{10, "10.1.1.1", ICMP, 53, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0, B_OFF},
	{10, "10.1.1.1", UDP, 5353, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0, B_OFF},
	{10, "192.0.2.53", UDP, 54, DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	/* DoT blocked: TCP 853 to anything, even a resolver or a CIDR */
	{10, "192.0.2.53", TCP, 853, DENY, 0, R(DOT), GW_RULE_NONE, -1, B_OFF},
	{10, "10.1.1.1", TCP, 853, DENY, 0, R(DOT), GW_RULE_NONE, -1, B_OFF},
	{14, "203.0.113.1", TCP, 853, DENY, 0, R(DOT), GW_RULE_NONE, -1, B_OFF},
	/* DoQ not blocked here: UDP 853 follows the rules */
	{10, "10.1.1.1", UDP, 853, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0, B_OFF},
	{10, "8.8.8.8", UDP, 853, DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	/* QUIC: a CIDR rule allows it; otherwise blocked by default */
	{10, "10.1.1.1", UDP, 443, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0, B_OFF},
	{10, "8.8.8.8", UDP, 443, DENY, 0, R(QUIC_BLOCKED), GW_RULE_NONE, -1, B_OFF},
	{14, "203.0.113.1", UDP, 443, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0, B_OFF},
	{14, "8.8.8.8", UDP, 443, DENY, 0, R(QUIC_BLOCKED), GW_RULE_NONE, -1, B_OFF},
	{13, "198.51.100.1", UDP, 443, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0, B_OFF},
	{13, "198.51.100.1", UDP, 5000, DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{13, "8.8.8.8", UDP, 443, DENY, 0, R(QUIC_BLOCKED), GW_RULE_NONE, -1, B_OFF},
	{10, "8.8.8.8", TCP, 443, NEED, GW_NEED_TLS, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_OFF},
	/* quic: allow: to addresses bound to the role's names (log mode here) */
	{11, "8.8.8.8", UDP, 443, BIND, 0, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_LOG},
	{11, "8.8.8.8", UDP, 444, DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{15, "8.8.8.8", UDP, 443, DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{15, "203.0.113.9", UDP, 443, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0, B_OFF},
	/* protocol without allow_ports: only its ports, bound; off acts as strict */
	{12, "8.8.8.8", TCP, 22, BIND, 0, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_STRICT},
	{12, "8.8.8.8", TCP, 3389, BIND, 0, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_STRICT},
	{12, "8.8.8.8", TCP, 443, DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{12, "8.8.8.8", TCP, 80, DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{12, "8.8.8.8", TCP, 2222, DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{12, "8.8.8.8", UDP, 22, DENY, 0, R(CIDR_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{12, "8.8.8.8", UDP, 443, DENY, 0, R(QUIC_BLOCKED), GW_RULE_NONE, -1, B_OFF},
	/* protocol with allow_ports: its ports but 443/80 bind; 443 is TLS */
	{13, "8.8.8.8", TCP, 22, BIND, 0, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_STRICT},
	{13, "8.8.8.8", TCP, 2222, BIND, 0, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_STRICT},
	{13, "8.8.8.8", TCP, 443, NEED, GW_NEED_TLS, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_OFF},
	{13, "8.8.8.8", TCP, 80, DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{13, "8.8.8.8", TCP, 3389, DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	/* the CIDR rule decides before the binding port */
	{13, "198.51.100.7", TCP, 22, ALLOW, 0, R(UNCLASSIFIED), GW_RULE_CIDR, 0, B_OFF},
	{13, "198.51.100.7", TCP, 3389, DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	/* hygiene: what the first bytes on a name port must be */
	{10, "8.8.8.8", TCP, 80, NEED, GW_NEED_HTTP, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_OFF},
	{11, "8.8.8.8", TCP, 443, NEED, GW_NEED_EITHER, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_OFF},
	{11, "8.8.8.8", TCP, 8443, NEED, GW_NEED_EITHER, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_OFF},
	{11, "8.8.8.8", TCP, 80, NEED, GW_NEED_HTTP, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_OFF},
	{16, "8.8.8.8", TCP, 443, NEED, GW_NEED_TLS, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_OFF},
	{16, "8.8.8.8", TCP, 8443, NEED, GW_NEED_EITHER, R(UNCLASSIFIED), GW_RULE_NONE, -1, B_OFF},
	{16, "8.8.8.8", TCP, 80, DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
	{11, "8.8.8.8", TCP, 22, DENY, 0, R(PORT_NOT_ALLOWED), GW_RULE_NONE, -1, B_OFF},
};

START_TEST(test_decide_l4)
{
	const struct l4_case *c = &l4_cases[_i];
	const struct gw_role *role = gw_policy_role_for_vlan(dp, c->vlan);
	struct gw_decision d;
	struct gw_addr dst;

	ck_assert_int_eq(gw_addr_parse(c->dst, &dst), 0);
	memset(&d, 0xa5, sizeof(d));
	gw_policy_decide_l4(dp, role, &dst, c->proto, c->dport, &d);
	ck_assert_msg(d.action == c->action && d.need == c->need &&
		      d.reason == c->reason && d.rule_kind == c->rule_kind &&
		      d.rule_index == c->rule_index && d.bind == c->bind,
		      "case %d (vlan %u %s proto %u port %u): got action %u need %u reason %s rule %u/%d bind %u",
		      _i, c->vlan, c->dst, c->proto, c->dport, d.action, d.need,
		      gw_reason_name(d.reason), d.rule_kind, d.rule_index, d.bind);
}
END_TEST

#define ECH GW_NAME_ECH
#define HOSTCH GW_NAME_HOST_CHANGED

struct name_case {
	uint16_t vlan;
	uint8_t app;
	const char *name;
	const char *method;
	unsigned int flags;
	uint8_t action;
	uint8_t reason;
	uint8_t rule_kind;
	int32_t rule_index;    /* for DoH: see doh_entry */
	const char *doh_entry; /* DoH rules: the list entry that matches */
	uint8_t bind;
};

static const struct name_case name_cases[] = {
	/* allowed names carry the role's binding mode */
	{10, GW_APP_TLS, "api.x.tld", NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, NULL, B_STRICT},
	{10, GW_APP_HTTP, "w.x.tld", "GET", 0, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 1, NULL, B_STRICT},
	{11, GW_APP_TLS, "api.x.tld", NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, NULL, B_LOG},
	{12, GW_APP_TLS, "sftp.partner.tld", NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, NULL, B_OFF},
	/* DoH blocked: wins over the allowlist (dns.google is listed) ... */
	{10, GW_APP_TLS, "dns.google", NULL, 0, DENY, R(DOH), GW_RULE_DOH, 0, "dns.google", B_OFF},
	{10, GW_APP_HTTP, "DNS.Google.", "GET", 0, DENY, R(DOH), GW_RULE_DOH, 0, "dns.google", B_OFF},
	{10, GW_APP_TLS, "x.dns.nextdns.io", NULL, 0, DENY, R(DOH), GW_RULE_DOH, 0, "*.dns.nextdns.io", B_OFF},
	{13, GW_APP_TLS, "doh.opendns.com", NULL, 0, DENY, R(DOH), GW_RULE_DOH, 0, "doh.opendns.com", B_OFF},
	/* ... but not over C2 (dns.quad9.net matches signature 3) */
	{10, GW_APP_TLS, "dns.quad9.net", NULL, 0, DENY, R(C2_SIGNATURE), GW_RULE_C2, 2, NULL, B_OFF},
	{10, GW_APP_TLS, "evil.x.tld", NULL, 0, DENY, R(C2_SIGNATURE), GW_RULE_C2, 0, NULL, B_OFF},
	/* DoH before ECH and hygiene checks that come later */
	{11, GW_APP_TLS, "dns.google", NULL, ECH, DENY, R(DOH), GW_RULE_DOH, 0, "dns.google", B_OFF},
	/* ECH: outer_sni judges the outer name; block denies */
	{10, GW_APP_TLS, "api.x.tld", NULL, ECH, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, NULL, B_STRICT},
	{10, GW_APP_TLS, "other.tld", NULL, ECH, DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1, NULL, B_OFF},
	{11, GW_APP_TLS, "api.x.tld", NULL, ECH, DENY, R(ECH_BLOCKED), GW_RULE_NONE, -1, NULL, B_OFF},
	{11, GW_APP_TLS, "other.tld", NULL, ECH, DENY, R(ECH_BLOCKED), GW_RULE_NONE, -1, NULL, B_OFF},
	{11, GW_APP_TLS, "evil.x.tld", NULL, ECH, DENY, R(C2_SIGNATURE), GW_RULE_C2, 0, NULL, B_OFF},
	{11, GW_APP_HTTP, "api.x.tld", "GET", ECH, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, NULL, B_LOG},
	/* no SNI: denied, or allowed with no rule and nothing to bind */
	{10, GW_APP_TLS, "", NULL, 0, DENY, R(NO_SNI), GW_RULE_NONE, -1, NULL, B_OFF},
	{11, GW_APP_TLS, "", NULL, 0, ALLOW, R(UNCLASSIFIED), GW_RULE_NONE, -1, NULL, B_OFF},
	{11, GW_APP_TLS, "", NULL, ECH, ALLOW, R(UNCLASSIFIED), GW_RULE_NONE, -1, NULL, B_OFF},
	{11, GW_APP_HTTP, "", "GET", 0, DENY, R(MALFORMED), GW_RULE_NONE, -1, NULL, B_OFF},
	/* IP literals: denied, or judged as a name (C2 still applies) */
	{10, GW_APP_TLS, "1.2.3.4", NULL, 0, DENY, R(IP_LITERAL), GW_RULE_NONE, -1, NULL, B_OFF},
	{11, GW_APP_TLS, "1.2.3.4", NULL, 0, DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1, NULL, B_OFF},
	{11, GW_APP_HTTP, "203.0.113.9", "GET", 0, DENY, R(C2_SIGNATURE), GW_RULE_C2, 1, NULL, B_OFF},
	{11, GW_APP_HTTP, "[2001:db8::1]", "GET", 0, DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1, NULL, B_OFF},
	/* a Host that changes on a connection */
	{10, GW_APP_HTTP, "api.x.tld", "GET", HOSTCH, DENY, R(HOST_CHANGED), GW_RULE_NONE, -1, NULL, B_OFF},
	{10, GW_APP_HTTP, "evil.x.tld", "GET", HOSTCH, DENY, R(HOST_CHANGED), GW_RULE_NONE, -1, NULL, B_OFF},
	{10, GW_APP_HTTP, "", "GET", HOSTCH, DENY, R(HOST_CHANGED), GW_RULE_NONE, -1, NULL, B_OFF},
	{10, GW_APP_TLS, "api.x.tld", NULL, HOSTCH, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, NULL, B_STRICT},
	{11, GW_APP_HTTP, "api.x.tld", "GET", HOSTCH, ALLOW, R(UNCLASSIFIED), GW_RULE_FQDN, 0, NULL, B_LOG},
	{11, GW_APP_HTTP, "other.tld", "GET", HOSTCH, DENY, R(FQDN_NOT_ALLOWED), GW_RULE_NONE, -1, NULL, B_OFF},
	/* unknown VLAN */
	{50, GW_APP_TLS, "api.x.tld", NULL, 0, DENY, R(UNKNOWN_VLAN), GW_RULE_NONE, -1, NULL, B_OFF},
};

START_TEST(test_decide_name)
{
	const struct name_case *c = &name_cases[_i];
	const struct gw_role *role = gw_policy_role_for_vlan(dp, c->vlan);
	size_t len = strlen(c->name);
	struct gw_guard gn = {0};
	const uint8_t *name = gw_guard_place(&gn, c->name, len);
	int32_t idx = c->doh_entry != NULL ? doh_index(dp, c->doh_entry) : c->rule_index;
	struct gw_decision d;

	memset(&d, 0xa5, sizeof(d));
	gw_policy_decide_name_flags(dp, role, ds, c->app, name, len, c->method,
				    c->method != NULL ? strlen(c->method) : 0,
				    c->flags, &d);
	ck_assert_msg(d.action == c->action && d.reason == c->reason &&
		      d.rule_kind == c->rule_kind && d.rule_index == idx &&
		      d.bind == c->bind && d.need == 0,
		      "case %d (vlan %u '%s' flags %u): got action %u reason %s rule %u/%d bind %u",
		      _i, c->vlan, c->name, c->flags, d.action,
		      gw_reason_name(d.reason), d.rule_kind, d.rule_index, d.bind);
	/* Without flags, decide_name is the same call. */
	if (c->flags == 0) {
		struct gw_decision d2;

		memset(&d2, 0x5a, sizeof(d2));
		gw_policy_decide_name(dp, role, ds, c->app, name, len, c->method,
				      c->method != NULL ? strlen(c->method) : 0, &d2);
		ck_assert(d2.action == d.action && d2.need == d.need &&
			  d2.reason == d.reason && d2.rule_kind == d.rule_kind &&
			  d2.rule_index == d.rule_index && d2.bind == d.bind);
	}
	gw_guard_release(&gn);
}
END_TEST

/* Names that DNS bound to a destination (NEED_BINDING). */
START_TEST(test_role_name_allowed)
{
	static const struct {
		uint16_t vlan;
		const char *name;
		int want;
	} cases[] = {
		{12, "sftp.partner.tld", 0},
		{12, "SFTP.Partner.TLD.", 0},
		{12, "partner.tld", GW_MATCH_NONE},
		{12, "x.sftp.partner.tld", GW_MATCH_NONE},
		{10, "a.b.x.tld", 1},
		{10, "api.x.tld", 0},
		{10, "evil.x.tld", GW_MATCH_NONE},    /* allowlisted, but C2 */
		{10, "dns.google", GW_MATCH_NONE},    /* allowlisted, but DoH */
		{10, "bad name.x.tld", GW_MATCH_NONE},
		{10, "1.2.3.4", GW_MATCH_NONE},
		{10, "", GW_MATCH_NONE},
		{14, "api.x.tld", GW_MATCH_NONE},     /* a role without names */
	};
	const struct gw_role *r12 = gw_policy_role_for_vlan(dp, 12);
	char longname[300];
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct gw_guard g = {0};
		size_t len = strlen(cases[i].name);
		const uint8_t *n = gw_guard_place(&g, cases[i].name, len);
		int got = gw_policy_role_name_allowed(dp, gw_policy_role_for_vlan(dp, cases[i].vlan),
						      ds, n, len);

		ck_assert_msg(got == cases[i].want, "%s: %d", cases[i].name, got);
		gw_guard_release(&g);
	}
	memset(longname, 'a', sizeof(longname));
	ck_assert_int_eq(gw_policy_role_name_allowed(dp, r12, ds, (const uint8_t *)longname,
						     sizeof(longname)), GW_MATCH_NONE);
	ck_assert_int_eq(gw_policy_role_name_allowed(dp, r12, NULL,
						     (const uint8_t *)"sftp.partner.tld", 16),
			 GW_EINVAL);
	ck_assert_int_eq(gw_policy_role_name_allowed(NULL, r12, ds,
						     (const uint8_t *)"sftp.partner.tld", 16),
			 GW_EINVAL);
	ck_assert_int_eq(gw_policy_role_name_allowed(dp, NULL, ds,
						     (const uint8_t *)"sftp.partner.tld", 16),
			 GW_EINVAL);
	ck_assert_int_eq(gw_policy_role_name_allowed(dp, r12, ds, NULL, 16), GW_EINVAL);

	ck_assert(gw_policy_host_change_denied(gw_policy_role_for_vlan(dp, 10)));
	ck_assert(!gw_policy_host_change_denied(gw_policy_role_for_vlan(dp, 11)));
	ck_assert(gw_policy_host_change_denied(NULL));
}
END_TEST

/* Without a scratch nothing can be scanned: the decision stays default deny. */
START_TEST(test_decide_fail_closed)
{
	const struct gw_role *r11 = gw_policy_role_for_vlan(dp, 11);
	struct gw_decision d;

	gw_policy_decide_name_flags(dp, r11, NULL, GW_APP_TLS,
				    (const uint8_t *)"api.x.tld", 9, NULL, 0, 0, &d);
	ck_assert_uint_eq(d.action, GW_ACT_DENY);
	ck_assert_uint_eq(d.reason, GW_REASON_UNCLASSIFIED);
	ck_assert_uint_eq(d.bind, GW_BIND_OFF);
	/* ... except a hello without SNI that the role's hygiene allows. */
	gw_policy_decide_name_flags(dp, r11, NULL, GW_APP_TLS, NULL, 0, NULL, 0, 0, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	gw_policy_decide_l4(NULL, r11, NULL, GW_PROTO_UDP, 53, &d);
	ck_assert_uint_eq(d.action, GW_ACT_DENY);
	ck_assert_uint_eq(d.reason, GW_REASON_UNCLASSIFIED);
	/* No destination: DNS is not to a resolver. */
	gw_policy_decide_l4(dp, r11, NULL, GW_PROTO_UDP, 53, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_DNS_NOT_ALLOWED);
}
END_TEST

/* DoQ blocked, DNS not restricted, DoH not blocked: each on its own. */
START_TEST(test_decide_transports)
{
	struct gw_policy *p = load_ok(
		"egress_policy:\n"
		"  dns:\n"
		"    block_encrypted: [DOQ]\n"
		"  roles:\n"
		"    r:\n"
		"      vlans: [1]\n"
		"      allow_cidrs: [\"10.0.0.0/8\"]\n"
		"      allow_fqdns: [\"dns.google\"]\n");
	const struct gw_role *r = gw_policy_role_for_vlan(p, 1);
	struct gw_match_scratch *s = NULL;
	struct gw_decision d;
	struct gw_addr a;

	ck_assert_int_eq(gw_addr_parse("10.0.0.53", &a), 0);
	gw_policy_decide_l4(p, r, &a, GW_PROTO_UDP, 853, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_DOQ);
	gw_policy_decide_l4(p, r, &a, GW_PROTO_TCP, 853, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	ck_assert_uint_eq(d.rule_kind, GW_RULE_CIDR);
	gw_policy_decide_l4(p, r, &a, GW_PROTO_UDP, 53, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	ck_assert_uint_eq(d.rule_kind, GW_RULE_CIDR);
	ck_assert_int_eq(gw_addr_parse("8.8.8.8", &a), 0);
	gw_policy_decide_l4(p, r, &a, GW_PROTO_UDP, 53, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_CIDR_NOT_ALLOWED);
	ck_assert_int_eq(gw_policy_resolver_index(p, &a), -1);
	/* DoH not blocked: the allowlist decides about a DoH endpoint. */
	ck_assert_int_eq(gw_policy_scratch_grow(p, &s), 0);
	gw_policy_decide_name(p, r, s, GW_APP_TLS, (const uint8_t *)"dns.google", 10,
			      NULL, 0, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	ck_assert_uint_eq(d.rule_kind, GW_RULE_FQDN);
	ck_assert_uint_eq(d.bind, GW_BIND_STRICT);
	gw_policy_decide_name(p, r, s, GW_APP_TLS, (const uint8_t *)"dns.quad9.net", 13,
			      NULL, 0, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_FQDN_NOT_ALLOWED);
	gw_match_scratch_free(s);
	gw_policy_free(p);
}
END_TEST

/* The security team's reference policy, now enforced. */
START_TEST(test_reference)
{
	static const struct fake_rr rrs[] = {
		{"intranet.dns.local", {"10.0.0.53", "fd00::53"}, 0},
	};
	struct fake_resolver fr = {rrs, GW_ARRAY_SIZE(rrs), 0, ""};
	struct gw_policy_load_opts o = {fake_resolve, &fr};
	struct gw_match_scratch *s = NULL;
	struct gw_policy *p = NULL;
	const struct gw_role *web, *app, *batch;
	struct gw_decision d;
	struct gw_diags dg;
	struct gw_addr a;
	char summary[8192];
	unsigned int i;

	/* Without a resolver: a warning, and DNS denied everywhere. */
	ck_assert_int_eq(gw_policy_load_file(REF_POLICY, &p, &dg), 0);
	ck_assert(has_diag(&dg, 8, 13, true,
			   "egress_policy.dns.allow: intranet.dns.local did not resolve; it matches nothing"));
	web = &p->roles[0];
	app = &p->roles[1];
	batch = &p->roles[2];
	ck_assert_int_eq(gw_policy_scratch_grow(p, &s), 0);
	ck_assert_int_eq(gw_addr_parse("10.0.0.53", &a), 0);
	gw_policy_decide_l4(p, app, &a, GW_PROTO_UDP, 53, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_DNS_NOT_ALLOWED);
	gw_policy_decide_l4(p, app, &a, GW_PROTO_TCP, 853, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_DOT);
	gw_policy_decide_l4(p, app, &a, GW_PROTO_UDP, 853, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW); /* DoQ is not listed */
	gw_policy_decide_l4(p, app, &a, GW_PROTO_TCP, 5432, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	ck_assert_int_eq(gw_addr_parse("203.0.113.10", &a), 0);
	/* batch_gateway: SFTP on 22 to bound addresses, nothing else. */
	gw_policy_decide_l4(p, batch, &a, GW_PROTO_TCP, 22, &d);
	ck_assert_uint_eq(d.action, GW_ACT_NEED_BINDING);
	ck_assert_uint_eq(d.bind, GW_BIND_STRICT);
	gw_policy_decide_l4(p, batch, &a, GW_PROTO_TCP, 443, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_PORT_NOT_ALLOWED);
	gw_policy_decide_l4(p, batch, &a, GW_PROTO_UDP, 443, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_QUIC_BLOCKED);
	ck_assert_int_eq(gw_policy_role_name_allowed(p, batch, s,
						     (const uint8_t *)"sftp.partner.tld", 16), 0);
	ck_assert_int_eq(gw_policy_role_name_allowed(p, batch, s,
						     (const uint8_t *)"api.payment.tld", 15),
			 GW_MATCH_NONE);
	/* web_server: TLS by name, strictly bound; DoH denied. */
	gw_policy_decide_l4(p, web, &a, GW_PROTO_TCP, 443, &d);
	ck_assert_uint_eq(d.action, GW_ACT_NEED_NAME);
	ck_assert_uint_eq(d.need, GW_NEED_TLS);
	gw_policy_decide_l4(p, web, &a, GW_PROTO_TCP, 22, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_PORT_NOT_ALLOWED);
	gw_policy_decide_name(p, web, s, GW_APP_TLS, (const uint8_t *)"api.payment.tld", 15,
			      NULL, 0, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	ck_assert_uint_eq(d.bind, GW_BIND_STRICT);
	gw_policy_decide_name(p, web, s, GW_APP_TLS, (const uint8_t *)"dns.google", 10,
			      NULL, 0, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_DOH);
	gw_policy_decide_name(p, web, s, GW_APP_TLS,
			      (const uint8_t *)"chrome.cloudflare-dns.com", 25, NULL, 0, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_DOH);
	gw_policy_decide_name(p, web, s, GW_APP_TLS, NULL, 0, NULL, 0, &d);
	ck_assert_uint_eq(d.reason, GW_REASON_NO_SNI);
	gw_match_scratch_free(s);
	s = NULL;
	gw_policy_free(p);

	/* With a resolver: the resolver's addresses are the DNS rule. */
	ck_assert_int_eq(gw_policy_load_file_opts(REF_POLICY, &p, &dg, &o), 0);
	ck_assert_uint_eq(fr.calls, 1);
	for (i = 0; i < dg.n; i++)
		ck_assert_ptr_null(strstr(dg.d[i].msg, "did not resolve"));
	ck_assert_uint_eq(dg.n, 3);
	ck_assert_uint_eq(p->dns.n_resolvers, 2);
	ck_assert_uint_eq(p->dns.names[0].n_addrs, 2);
	ck_assert_int_eq(gw_addr_parse("10.0.0.53", &a), 0);
	gw_policy_decide_l4(p, &p->roles[0], &a, GW_PROTO_UDP, 53, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	ck_assert_uint_eq(d.rule_kind, GW_RULE_DNS);
	ck_assert_int_eq(d.rule_index, 0);
	ck_assert_int_eq(gw_addr_parse("fd00::53", &a), 0);
	gw_policy_decide_l4(p, &p->roles[2], &a, GW_PROTO_TCP, 53, &d);
	ck_assert_uint_eq(d.action, GW_ACT_ALLOW);
	ck_assert_int_eq(d.rule_index, 1);
	ck_assert_int_gt(gw_policy_summary(p, summary, sizeof(summary)), 0);
	ck_assert_ptr_nonnull(strstr(summary,
		"  port 53 (UDP, TCP) only to 2 resolvers, for every role: 10.0.0.53 fd00::53\n"));
	ck_assert_ptr_nonnull(strstr(summary,
		"  resolver name intranet.dns.local (line 8): 2 addresses at load\n"));
	gw_policy_free(p);
}
END_TEST

/* The summary shows the per-role checks and the DNS policy. */
START_TEST(test_summary)
{
	char sum[16384];
	int n;

	n = gw_policy_summary(dp, sum, sizeof(sum));
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(sum,
		"  port 53 (UDP, TCP) only to 3 resolvers, for every role: 192.0.2.53 192.0.2.54 2001:db8::53\n"));
	ck_assert_ptr_nonnull(strstr(sum,
		"  resolver name ns.corp.test (line 3): 2 addresses at load\n"));
	ck_assert_ptr_nonnull(strstr(sum, "  encrypted DNS blocked: DoH ("));
	ck_assert_ptr_nonnull(strstr(sum,
		"    checks: name_binding log, ech block, quic allow; hygiene no_sni allow, ip_literal allow, host_change allow, non_tls_on_tls_port allow, http_on_other_ports allow\n"));
	ck_assert_ptr_nonnull(strstr(sum,
		"    protocol SFTP,SCP,RDP: TCP 22,3389 only to addresses DNS bound to the role's names\n"));
	ck_assert_ptr_nonnull(strstr(sum,
		"    protocol SSH: TCP 22,2222 only to addresses DNS bound to the role's names\n"));
	ck_assert_ptr_nonnull(strstr(sum,
		"  sftp (line 19): vlans 12; 1 fqdns, 0 cidrs; ports any for cidrs, none for names on the wire;"));
}
END_TEST

/* protocol warnings: nothing to bind, no port left. */
START_TEST(test_protocol_warnings)
{
	struct gw_diags dg;
	struct gw_policy *p;

	p = load_opts_ok("egress_policy:\n  roles:\n    r:\n      protocol: [SSH]\n", NULL, &dg);
	ck_assert_uint_eq(dg.n, 1);
	ck_assert(has_diag(&dg, 4, 17, true,
			   "egress_policy.roles.r.protocol: without allow_fqdns there is no name to bind: it allows nothing"));
	ck_assert_uint_eq(p->roles[0].n_bind_ports, 0);
	gw_policy_free(p);
	p = load_opts_ok("egress_policy:\n  roles:\n    r:\n      protocol: [SSH]\n"
			 "      allow_fqdns: [a.tld]\n      allow_ports: [443, 80]\n", NULL, &dg);
	ck_assert_uint_eq(dg.n, 1);
	ck_assert(has_diag(&dg, 4, 17, true,
			   "egress_policy.roles.r.protocol: allow_ports leaves no port for it (443 and 80 stay name ports)"));
	ck_assert_uint_eq(p->roles[0].n_bind_ports, 0);
	gw_policy_free(p);
	/* protocol: [] is no protocol. */
	p = load_opts_ok("egress_policy:\n  roles:\n    r:\n      protocol: []\n"
			 "      allow_fqdns: [a.tld]\n", NULL, &dg);
	ck_assert_uint_eq(dg.n, 0);
	ck_assert_uint_eq(p->roles[0].protocols, 0);
	gw_policy_free(p);
	ck_assert_str_eq(gw_policy_protocol_name(GW_RPROTO_RDP), "RDP");
	ck_assert_uint_eq(gw_policy_protocol_port(GW_RPROTO_SCP), 22);
	ck_assert_ptr_null(gw_policy_protocol_name(GW_RPROTO_MAX));
	ck_assert_uint_eq(gw_policy_protocol_port(GW_RPROTO_MAX), 0);
}
END_TEST

static Suite *
policy_dns_suite(void)
{
	Suite *s = suite_create("policy_dns");
	TCase *tc;

	tc = tcase_create("load");
	tcase_add_test(tc, test_dns_allow_resolver);
	tcase_add_loop_test(tc, test_errors, 0, (int)GW_ARRAY_SIZE(err_cases));
	tcase_add_test(tc, test_doh_builtin);
	tcase_add_test(tc, test_doh_match);
	tcase_add_test(tc, test_doh_file);
	tcase_add_test(tc, test_protocol_warnings);
	tcase_add_test(tc, test_reference);
	suite_add_tcase(s, tc);

	tc = tcase_create("decide");
	tcase_add_checked_fixture(tc, dns_setup, dns_teardown);
	tcase_add_loop_test(tc, test_decide_l4, 0, (int)GW_ARRAY_SIZE(l4_cases));
	tcase_add_loop_test(tc, test_decide_name, 0, (int)GW_ARRAY_SIZE(name_cases));
	tcase_add_test(tc, test_role_name_allowed);
	tcase_add_test(tc, test_decide_fail_closed);
	tcase_add_test(tc, test_decide_transports);
	tcase_add_test(tc, test_summary);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(policy_dns_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
