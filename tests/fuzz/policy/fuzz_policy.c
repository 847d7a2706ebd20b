/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the policy loader (gw_policy_load_string): any
 * bytes must give a policy or diagnostics, never a crash, a leak or a read
 * past the input. A policy that loads is also summarised and asked for a
 * few decisions (DNS, DoT/DoQ, QUIC, binding ports, names with ECH and a
 * changed Host), so that the frozen structure is walked too. dns.allow
 * names go through a deterministic fake resolver.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "pkt/gw_pkt.h"
#include "policy/gw_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A resolver that needs no network: 0 to 3 addresses derived from the
 * name, and an error for names starting with "fail", so that every path
 * of the dns.allow freeze is walked.
 */
static int
fake_resolve(const char *name, struct gw_addr *out, size_t max, void *arg)
{
	size_t len = strlen(name), k, n;
	uint8_t v4[4] = {10, 53, 0, 0};

	(void)arg;
	if (strncmp(name, "fail", 4) == 0)
		return GW_EIO;
	n = len % 4;
	for (k = 0; k < n && k < max; k++) {
		v4[2] = (uint8_t)name[0];
		v4[3] = (uint8_t)k;
		gw_addr_from_v4(&out[k], v4);
	}
	return (int)k;
}

static void
check_decision(const struct gw_decision *d)
{
	if (d->action > GW_ACT_NEED_BINDING || d->reason >= GW_REASON_MAX ||
	    d->rule_kind > GW_RULE_DOH || d->bind > GW_BIND_LOG ||
	    (d->action == GW_ACT_DENY && d->bind != GW_BIND_OFF))
		abort();
}

static void
exercise(const struct gw_policy *p)
{
	static const char *const names[] = {"api.x.tld", "evil.example.com", "1.2.3.4",
					    "dns.google", "a.dns.nextdns.io", ""};
	static const struct {
		uint8_t proto;
		uint16_t port;
	} l4[] = {
		{GW_PROTO_TCP, 443}, {GW_PROTO_ICMP, 0}, {GW_PROTO_UDP, 53},
		{GW_PROTO_TCP, 53}, {GW_PROTO_TCP, 853}, {GW_PROTO_UDP, 853},
		{GW_PROTO_UDP, 443}, {GW_PROTO_TCP, 22}, {GW_PROTO_TCP, 80},
		{GW_PROTO_TCP, 3389},
	};
	struct gw_match_scratch *s = NULL;
	struct gw_decision d;
	struct gw_addr dst;
	char summary[4096];
	size_t i, n;

	(void)gw_policy_summary(p, summary, sizeof(summary));
	if (gw_policy_scratch_grow(p, &s) != 0)
		return;
	(void)gw_addr_parse("10.1.2.3", &dst);
	for (i = 0; i < p->dns.n_resolvers; i++)
		if (gw_policy_resolver_index(p, &p->dns.resolvers[i]) != (int)i)
			abort();
	for (i = 0; i < p->n_roles; i++) {
		const struct gw_role *r = &p->roles[i];

		for (n = 0; n < sizeof(l4) / sizeof(l4[0]); n++) {
			gw_policy_decide_l4(p, r, &dst, l4[n].proto, l4[n].port, &d);
			check_decision(&d);
			if (p->dns.n_resolvers > 0) {
				gw_policy_decide_l4(p, r, &p->dns.resolvers[0],
						    l4[n].proto, l4[n].port, &d);
				check_decision(&d);
			}
		}
		for (n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
			gw_policy_decide_name_flags(p, r, s, GW_APP_HTTP,
						    (const uint8_t *)names[n],
						    strlen(names[n]), "GET", 3,
						    n % 2 == 0 ? 0 : GW_NAME_HOST_CHANGED, &d);
			check_decision(&d);
			gw_policy_decide_name_flags(p, r, s, GW_APP_TLS,
						    (const uint8_t *)names[n],
						    strlen(names[n]), NULL, 0,
						    n % 2 == 0 ? GW_NAME_ECH : 0, &d);
			check_decision(&d);
			(void)gw_policy_role_name_allowed(p, r, s,
							  (const uint8_t *)names[n],
							  strlen(names[n]));
		}
		if (r->n_fqdns > 0) {
			gw_policy_decide_name(p, r, s, GW_APP_TLS,
					      (const uint8_t *)r->fqdns[0],
					      strlen(r->fqdns[0]), NULL, 0, &d);
			check_decision(&d);
		}
		(void)gw_policy_host_change_denied(r);
	}
	(void)gw_policy_role_for_vlan(p, GW_VLAN_NONE);
	(void)gw_policy_role_for_vlan(p, 10);
	gw_match_scratch_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_policy_load_opts opts = {fake_resolve, NULL};
	struct gw_policy *p = NULL;
	struct gw_diags dg;
	char *copy;

	/* An exact-size copy so that any read past the input is caught. */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	if (gw_policy_load_string_opts(copy, size, "fuzz", &p, &dg, &opts) == 0) {
		if (p == NULL || dg.n > 64)
			abort();
		exercise(p);
		gw_policy_free(p);
	} else if (p != NULL) {
		abort();
	}
	free(copy);
	return 0;
}
