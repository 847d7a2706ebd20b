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
/* DNS, DNS over TLS (TCP) / over QUIC (UDP), QUIC's usual port. */
#define GW_PORT_DNS 53
#define GW_PORT_DNS_TLS 853
#define GW_PORT_QUIC 443

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
	d->bind = GW_BIND_OFF;
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
	if (p->dns.doh_db != NULL) {
		rc = gw_match_scratch_grow(scratch, p->dns.doh_db);
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

int
gw_policy_resolver_index(const struct gw_policy *p, const struct gw_addr *addr)
{
	size_t lo = 0, hi;

	if (p == NULL || addr == NULL)
		return -1;
	hi = p->dns.n_resolvers;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = gw_addr_cmp(&p->dns.resolvers[mid], addr);

		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool
sorted_has_port(const uint16_t *ports, uint16_t n, uint16_t port)
{
	uint16_t lo = 0, hi = n;

	while (lo < hi) {
		uint16_t mid = (uint16_t)(lo + (hi - lo) / 2);

		if (ports[mid] == port)
			return true;
		if (ports[mid] < port)
			lo = (uint16_t)(mid + 1);
		else
			hi = mid;
	}
	return false;
}

static inline uint8_t
bind_mode(const struct gw_role *role)
{
	switch (role->name_binding) {
	case GW_NAME_BINDING_STRICT:
		return GW_BIND_STRICT;
	case GW_NAME_BINDING_LOG:
		return GW_BIND_LOG;
	default:
		return GW_BIND_OFF;
	}
}

/*
 * On a binding port the binding is the only check there is: `off` would
 * let the port reach anywhere, so it is enforced as strict.
 */
static inline void
decision_need_binding(const struct gw_role *role, struct gw_decision *d)
{
	d->action = GW_ACT_NEED_BINDING;
	d->reason = GW_REASON_UNCLASSIFIED;
	d->bind = role->name_binding == GW_NAME_BINDING_LOG ? GW_BIND_LOG :
							      GW_BIND_STRICT;
}

/*
 * What the first bytes on a name port must be: TLS on 443, HTTP on 80;
 * on another port TLS, or TLS or HTTP when the role's hygiene allows HTTP
 * there; on 443, TLS or HTTP when it allows non-TLS there.
 */
static inline uint8_t
name_need(const struct gw_role *role, uint16_t dport)
{
	if (dport == GW_PORT_HTTP)
		return GW_NEED_HTTP;
	if (dport == GW_PORT_HTTPS)
		return role->hygiene.non_tls_on_tls_port == GW_HYGIENE_ALLOW ?
			GW_NEED_EITHER : GW_NEED_TLS;
	return role->hygiene.http_on_other_ports == GW_HYGIENE_ALLOW ?
		GW_NEED_EITHER : GW_NEED_TLS;
}

void
gw_policy_decide_l4(const struct gw_policy *p, const struct gw_role *role,
		    const struct gw_addr *dst, uint8_t proto, uint16_t dport,
		    struct gw_decision *d)
{
	bool has_ports, port_ok, cidr_hit = false;
	bool tcp = proto == GW_PROTO_TCP, udp = proto == GW_PROTO_UDP;
	size_t i;
	int r;

	decision_init(d);
	if (role == NULL) {
		decision_deny(d, GW_REASON_UNKNOWN_VLAN);
		return;
	}
	if (p == NULL)
		return;

	/*
	 * DNS goes to the listed resolvers and nowhere else, whatever the
	 * CIDR rules say: answers the gateway cannot see are bindings it
	 * cannot learn. This holds for every role.
	 */
	if (p->dns.restricted && (tcp || udp) && dport == GW_PORT_DNS) {
		r = dst != NULL ? gw_policy_resolver_index(p, dst) : -1;
		if (r < 0) {
			decision_deny(d, GW_REASON_DNS_NOT_ALLOWED);
			return;
		}
		d->action = GW_ACT_ALLOW;
		d->reason = GW_REASON_UNCLASSIFIED;
		d->rule_kind = GW_RULE_DNS;
		d->rule_index = r;
		return;
	}
	if (dport == GW_PORT_DNS_TLS) {
		if (tcp && (p->dns.block_encrypted & GW_DNS_BLOCK_DOT)) {
			decision_deny(d, GW_REASON_DOT);
			return;
		}
		if (udp && (p->dns.block_encrypted & GW_DNS_BLOCK_DOQ)) {
			decision_deny(d, GW_REASON_DOQ);
			return;
		}
	}

	has_ports = role->n_ports > 0;
	/*
	 * allow_ports restricts the CIDR rules too; a protocol without ports
	 * (ICMP, GRE, ...) can then never satisfy it.
	 */
	if (!has_ports)
		port_ok = true;
	else
		port_ok = (tcp || udp) && role_has_port(role, dport);

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

	/*
	 * QUIC hides the name from the gateway: blocked, browsers fall back
	 * to TCP where it is visible. Allowed, it goes where DNS bound the
	 * role's names (there is nothing else to judge it by).
	 */
	if (udp && dport == GW_PORT_QUIC) {
		if (role->quic == GW_QUIC_BLOCK) {
			decision_deny(d, GW_REASON_QUIC_BLOCKED);
			return;
		}
		if (role->n_fqdns > 0 && port_ok) {
			decision_need_binding(role, d);
			return;
		}
	}

	if (tcp && role->n_fqdns > 0) {
		bool name_port;

		if (role->protocols != 0) {
			/*
			 * A role for nameless protocols reaches their ports
			 * (or its allow_ports) at bound addresses; 443 and 80
			 * are name ports only when allow_ports lists them.
			 */
			if (sorted_has_port(role->bind_ports, role->n_bind_ports,
					    dport)) {
				decision_need_binding(role, d);
				return;
			}
			name_port = has_ports && port_ok &&
				    (dport == GW_PORT_HTTPS || dport == GW_PORT_HTTP);
		} else {
			name_port = has_ports ? port_ok :
				(dport == GW_PORT_HTTPS || dport == GW_PORT_HTTP);
		}
		if (name_port) {
			d->action = GW_ACT_NEED_NAME;
			d->need = name_need(role, dport);
			return;
		}
	}

	/*
	 * A destination the role could reach on another port is a port
	 * problem, as is a TCP port outside the name ports of a role with
	 * names; anything else is a destination the role may not reach.
	 */
	if (cidr_hit || (role->n_fqdns > 0 && tcp))
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

/*
 * Scans a normalised name against the lists that win over any allowlist:
 * C2 signatures first, then the DoH endpoints when DoH is blocked.
 * Returns 1 (listed: *kind and *idx say where), 0 (not listed) or a
 * negative GW_E* when a scan could not be made (no scratch, scan error).
 */
static int
name_listed(const struct gw_policy *p, struct gw_match_scratch *scratch,
	    const char *norm, size_t len, uint8_t *kind, int32_t *idx)
{
	const struct gw_match_db *dbs[2] = {p->c2_db, p->dns.doh_db};
	static const uint8_t kinds[2] = {GW_RULE_C2, GW_RULE_DOH};
	unsigned int i;
	int hit;

	for (i = 0; i < 2; i++) {
		if (dbs[i] == NULL)
			continue;
		if (scratch == NULL)
			return GW_EINVAL;
		hit = gw_match_scan(dbs[i], scratch, norm, len);
		if (hit >= 0) {
			*kind = kinds[i];
			*idx = hit;
			return 1;
		}
		if (hit != GW_MATCH_NONE)
			return hit < 0 ? hit : GW_EINVAL;
	}
	return 0;
}

void
gw_policy_decide_name_flags(const struct gw_policy *p,
			    const struct gw_role *role,
			    struct gw_match_scratch *scratch, enum gw_app app,
			    const uint8_t *name, size_t name_len,
			    const char *method, size_t method_len,
			    unsigned int flags, struct gw_decision *d)
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
	/* A kept-alive connection may not turn to another host. */
	if (app == GW_APP_HTTP && (flags & GW_NAME_HOST_CHANGED) &&
	    role->hygiene.host_change != GW_HYGIENE_ALLOW) {
		decision_deny(d, GW_REASON_HOST_CHANGED);
		return;
	}
	if (name == NULL || name_len == 0) {
		/*
		 * hygiene no_sni: allow lets a ClientHello without SNI pass
		 * with no rule: there is no name to check or to bind. A
		 * request without Host is not valid HTTP/1.1 (RFC 9112 3.2).
		 */
		if (app == GW_APP_TLS &&
		    role->hygiene.no_sni == GW_HYGIENE_ALLOW) {
			d->action = GW_ACT_ALLOW;
			d->reason = GW_REASON_UNCLASSIFIED;
			return;
		}
		decision_deny(d, app == GW_APP_TLS ? GW_REASON_NO_SNI :
						     GW_REASON_MALFORMED);
		return;
	}
	/* Allowed by hygiene, an IP literal goes on and is judged as a name. */
	if (role->hygiene.ip_literal != GW_HYGIENE_ALLOW &&
	    gw_name_is_ip_literal((const char *)name, name_len)) {
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

	/* C2 signatures, then DoH endpoints, win over the allowlist. */
	{
		uint8_t kind = GW_RULE_NONE;
		int32_t idx = -1;
		int rc = name_listed(p, scratch, norm, (size_t)len, &kind, &idx);

		if (rc < 0)
			return; /* cannot scan: stays deny/unclassified */
		if (rc > 0) {
			decision_deny(d, kind == GW_RULE_C2 ?
				      GW_REASON_C2_SIGNATURE : GW_REASON_DOH);
			d->rule_kind = kind;
			d->rule_index = idx;
			return;
		}
	}

	/* outer_sni: the outer name was judged like any other; block: no ECH. */
	if (app == GW_APP_TLS && (flags & GW_NAME_ECH) &&
	    role->ech == GW_ECH_BLOCK) {
		decision_deny(d, GW_REASON_ECH_BLOCKED);
		return;
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
	d->bind = bind_mode(role);
}

void
gw_policy_decide_name(const struct gw_policy *p, const struct gw_role *role,
		      struct gw_match_scratch *scratch, enum gw_app app,
		      const uint8_t *name, size_t name_len, const char *method,
		      size_t method_len, struct gw_decision *d)
{
	gw_policy_decide_name_flags(p, role, scratch, app, name, name_len,
				    method, method_len, 0, d);
}

int
gw_policy_role_name_allowed(const struct gw_policy *p,
			    const struct gw_role *role,
			    struct gw_match_scratch *scratch,
			    const uint8_t *name, size_t len)
{
	char norm[GW_WIRE_NAME_MAX + 2];
	uint8_t kind;
	int32_t idx;
	int n, hit;

	if (p == NULL || role == NULL || name == NULL)
		return GW_EINVAL;
	if (role->fqdn_db == NULL || len == 0 || len > GW_WIRE_NAME_MAX)
		return GW_MATCH_NONE;
	n = gw_name_normalize(name, len, norm, sizeof(norm), false);
	if (n < 0)
		return GW_MATCH_NONE;
	if (scratch == NULL)
		return GW_EINVAL;
	hit = name_listed(p, scratch, norm, (size_t)n, &kind, &idx);
	if (hit != 0)
		return hit > 0 ? GW_MATCH_NONE : hit;
	return gw_match_scan(role->fqdn_db, scratch, norm, (size_t)n);
}

bool
gw_policy_host_change_denied(const struct gw_role *role)
{
	return role == NULL || role->hygiene.host_change != GW_HYGIENE_ALLOW;
}
