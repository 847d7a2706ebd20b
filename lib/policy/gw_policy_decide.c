/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verdict logic over a frozen policy. These run on the data path: no
 * allocation, no locks, nothing written but the decision. Every decision
 * starts as deny/unclassified so that a path that forgets to decide denies.
 */
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "pkt/gw_pkt.h"
#include "policy/gw_policy.h"

/* Name ports of a role with allow_fqdns and no allow_ports. */
#define GW_PORT_HTTPS 443
#define GW_PORT_HTTP 80

/* Longest name from the wire worth normalising: 253 + a trailing dot. */
#define GW_WIRE_NAME_MAX 254

static inline void
decision_init(struct gw_decision *d)
{
	d->action = GW_ACT_DENY;
	d->need = 0;
	d->reason = GW_REASON_UNCLASSIFIED;
	d->rule_kind = GW_RULE_NONE;
	d->rule_index = -1;
}

static inline void
decision_deny(struct gw_decision *d, enum gw_reason reason)
{
	d->action = GW_ACT_DENY;
	d->reason = (uint8_t)reason;
}

const struct gw_role *
gw_policy_role_for_vlan(const struct gw_policy *p, uint16_t vid)
{
	int idx;

	if (p == NULL || vid > GW_VLAN_MAX)
		return NULL;
	idx = vid == GW_VLAN_NONE ? p->untagged_role : p->vlan_role[vid];
	if (idx < 0 || (size_t)idx >= p->n_roles)
		return NULL;
	return &p->roles[idx];
}

int
gw_policy_role_index(const struct gw_policy *p, const struct gw_role *r)
{
	if (p == NULL || r == NULL || p->n_roles == 0 || r < p->roles ||
	    r >= p->roles + p->n_roles)
		return -1;
	return (int)(r - p->roles);
}

int
gw_policy_scratch_grow(const struct gw_policy *p,
		       struct gw_match_scratch **scratch)
{
	size_t i;
	int rc;

	if (p == NULL || scratch == NULL)
		return GW_EINVAL;
	if (p->c2_db != NULL) {
		rc = gw_match_scratch_grow(scratch, p->c2_db);
		if (rc != 0)
			return rc;
	}
	for (i = 0; i < p->n_roles; i++) {
		if (p->roles[i].fqdn_db == NULL)
			continue;
		rc = gw_match_scratch_grow(scratch, p->roles[i].fqdn_db);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static bool
role_has_port(const struct gw_role *role, uint16_t port)
{
	uint16_t i;

	for (i = 0; i < role->n_ports; i++)
		if (role->ports[i] == port)
			return true;
	return false;
}

void
gw_policy_decide_l4(const struct gw_policy *p, const struct gw_role *role,
		    const struct gw_addr *dst, uint8_t proto, uint16_t dport,
		    struct gw_decision *d)
{
	bool has_ports, port_ok, cidr_hit = false;
	size_t i;

	decision_init(d);
	if (role == NULL) {
		decision_deny(d, GW_REASON_UNKNOWN_VLAN);
		return;
	}
	if (p == NULL)
		return;
	has_ports = role->n_ports > 0;
	/*
	 * allow_ports restricts the CIDR rules too; a protocol without ports
	 * (ICMP, GRE, ...) can then never satisfy it.
	 */
	if (!has_ports)
		port_ok = true;
	else
		port_ok = (proto == GW_PROTO_TCP || proto == GW_PROTO_UDP) &&
			  role_has_port(role, dport);

	for (i = 0; dst != NULL && i < role->n_cidrs; i++) {
		if (!gw_cidr_contains(&role->cidrs[i], dst))
			continue;
		if (port_ok) {
			d->action = GW_ACT_ALLOW;
			d->reason = GW_REASON_UNCLASSIFIED;
			d->rule_kind = GW_RULE_CIDR;
			d->rule_index = (int32_t)i;
			return;
		}
		cidr_hit = true;
		break;
	}

	if (proto == GW_PROTO_TCP && role->n_fqdns > 0) {
		bool name_port = has_ports ? port_ok :
			(dport == GW_PORT_HTTPS || dport == GW_PORT_HTTP);

		if (name_port) {
			d->action = GW_ACT_NEED_NAME;
			if (dport == GW_PORT_HTTPS)
				d->need = GW_NEED_TLS;
			else if (dport == GW_PORT_HTTP)
				d->need = GW_NEED_HTTP;
			else
				d->need = GW_NEED_EITHER;
			return;
		}
	}

	/*
	 * A destination the role could reach on another port is a port
	 * problem, as is a TCP port outside the name ports of a role with
	 * names; anything else is a destination the role may not reach.
	 */
	if (cidr_hit || (role->n_fqdns > 0 && proto == GW_PROTO_TCP))
		decision_deny(d, GW_REASON_PORT_NOT_ALLOWED);
	else
		decision_deny(d, GW_REASON_CIDR_NOT_ALLOWED);
}

static bool
method_allowed(const struct gw_role *role, const char *method, size_t len)
{
	uint16_t i;

	if (role->n_methods == 0)
		return true;
	if (method == NULL || len == 0 || len >= GW_METHOD_MAX)
		return false;
	/* Methods are case-sensitive (RFC 9110 9.1): "get" is not GET. */
	for (i = 0; i < role->n_methods; i++)
		if (memcmp(role->methods[i], method, len) == 0 &&
		    role->methods[i][len] == '\0')
			return true;
	return false;
}

void
gw_policy_decide_name(const struct gw_policy *p, const struct gw_role *role,
		      struct gw_match_scratch *scratch, enum gw_app app,
		      const uint8_t *name, size_t name_len, const char *method,
		      size_t method_len, struct gw_decision *d)
{
	char norm[GW_WIRE_NAME_MAX + 2];
	int len, hit;

	decision_init(d);
	if (role == NULL) {
		decision_deny(d, GW_REASON_UNKNOWN_VLAN);
		return;
	}
	if (p == NULL)
		return;
	if (name == NULL || name_len == 0) {
		/* A request without Host is not valid HTTP/1.1 (RFC 9112 3.2). */
		decision_deny(d, app == GW_APP_TLS ? GW_REASON_NO_SNI :
						     GW_REASON_MALFORMED);
		return;
	}
	if (gw_name_is_ip_literal((const char *)name, name_len)) {
		decision_deny(d, GW_REASON_IP_LITERAL);
		return;
	}
	if (name_len > GW_WIRE_NAME_MAX) {
		decision_deny(d, GW_REASON_FQDN_NOT_ALLOWED);
		return;
	}
	len = gw_name_normalize(name, name_len, norm, sizeof(norm), false);
	if (len < 0) {
		decision_deny(d, GW_REASON_FQDN_NOT_ALLOWED);
		return;
	}

	/* A C2 signature wins over the allowlist. */
	if (p->c2_db != NULL) {
		if (scratch == NULL)
			return; /* cannot scan: stays deny/unclassified */
		hit = gw_match_scan(p->c2_db, scratch, norm, (size_t)len);
		if (hit >= 0) {
			decision_deny(d, GW_REASON_C2_SIGNATURE);
			d->rule_kind = GW_RULE_C2;
			d->rule_index = hit;
			return;
		}
		if (hit != GW_MATCH_NONE)
			return; /* scan error: fail closed */
	}

	if (role->fqdn_db == NULL) {
		decision_deny(d, GW_REASON_FQDN_NOT_ALLOWED);
		return;
	}
	if (scratch == NULL)
		return;
	hit = gw_match_scan(role->fqdn_db, scratch, norm, (size_t)len);
	if (hit == GW_MATCH_NONE) {
		decision_deny(d, GW_REASON_FQDN_NOT_ALLOWED);
		return;
	}
	if (hit < 0)
		return;
	if (app == GW_APP_HTTP && !method_allowed(role, method, method_len)) {
		decision_deny(d, GW_REASON_METHOD_NOT_ALLOWED);
		d->rule_kind = GW_RULE_FQDN;
		d->rule_index = hit;
		return;
	}
	d->action = GW_ACT_ALLOW;
	d->reason = GW_REASON_UNCLASSIFIED;
	d->rule_kind = GW_RULE_FQDN;
	d->rule_index = hit;
}
