/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the policy loader (gw_policy_load_string): any
 * bytes must give a policy or diagnostics, never a crash, a leak or a read
 * past the input. A policy that loads is also summarised and asked for a
 * few decisions, so that the frozen structure is walked too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "pkt/gw_pkt.h"
#include "policy/gw_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const struct gw_policy *p)
{
	static const char *const names[] = {"api.x.tld", "evil.example.com", "1.2.3.4", ""};
	struct gw_match_scratch *s = NULL;
	struct gw_decision d;
	struct gw_addr dst;
	char summary[4096];
	size_t i, n;

	(void)gw_policy_summary(p, summary, sizeof(summary));
	if (gw_policy_scratch_grow(p, &s) != 0)
		return;
	(void)gw_addr_parse("10.1.2.3", &dst);
	for (i = 0; i < p->n_roles; i++) {
		const struct gw_role *r = &p->roles[i];

		gw_policy_decide_l4(p, r, &dst, GW_PROTO_TCP, 443, &d);
		gw_policy_decide_l4(p, r, &dst, GW_PROTO_ICMP, 0, &d);
		for (n = 0; n < sizeof(names) / sizeof(names[0]); n++)
			gw_policy_decide_name(p, r, s, GW_APP_HTTP,
					      (const uint8_t *)names[n],
					      strlen(names[n]), "GET", 3, &d);
		if (r->n_fqdns > 0)
			gw_policy_decide_name(p, r, s, GW_APP_TLS,
					      (const uint8_t *)r->fqdns[0],
					      strlen(r->fqdns[0]), NULL, 0, &d);
	}
	(void)gw_policy_role_for_vlan(p, GW_VLAN_NONE);
	(void)gw_policy_role_for_vlan(p, 10);
	gw_match_scratch_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_policy *p = NULL;
	struct gw_diags dg;
	char *copy;

	/* An exact-size copy so that any read past the input is caught. */
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	if (gw_policy_load_string(copy, size, "fuzz", &p, &dg) == 0) {
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
