/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Explanations for `gwctl why` and `gwctl check`: a flow summary is
 * decided again, without packets, by the functions the worker calls
 * (gw_policy_decide_l4, gw_policy_decide_name_flags,
 * gw_policy_role_name_allowed). Only the steps between them are here,
 * as the worker takes them: which bytes a name port expects, and that a
 * binding port needs a name that DNS bound to the destination.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "pkt/gw_pkt.h"
#include "policy/gw_policy.h"

static const char *const action_names[] = {
	[GW_ACT_DENY] = "deny",
	[GW_ACT_ALLOW] = "allow",
	[GW_ACT_NEED_NAME] = "need_name",
	[GW_ACT_NEED_BINDING] = "need_binding",
};

static const char *const rule_kind_names[] = {
	[GW_RULE_NONE] = "none", [GW_RULE_CIDR] = "cidr", [GW_RULE_FQDN] = "fqdn",
	[GW_RULE_C2] = "c2",     [GW_RULE_DNS] = "dns",   [GW_RULE_DOH] = "doh",
};

static const char *const bind_names[] = {
	[GW_BIND_OFF] = "off", [GW_BIND_STRICT] = "strict", [GW_BIND_LOG] = "log",
};

static const char *
action_name(uint8_t a)
{
	return a < GW_ARRAY_SIZE(action_names) ? action_names[a] : "unknown";
}

static const char *
rule_kind_name(uint8_t k)
{
	return k < GW_ARRAY_SIZE(rule_kind_names) ? rule_kind_names[k] : "unknown";
}

/* "allow_fqdns[0] updates.vendor.tld", "c2_signatures id 1000001 (name)" ... */
static void
rule_text(const struct gw_policy *p, const struct gw_role *role,
	  const struct gw_decision *d, char *buf, size_t size)
{
	char a[64];
	int32_t i = d->rule_index;

	buf[0] = '\0';
	if (i < 0)
		return;
	switch (d->rule_kind) {
	case GW_RULE_CIDR:
		if (role != NULL && (size_t)i < role->n_cidrs)
			snprintf(buf, size, "allow_cidrs[%d] %s", i,
				 gw_cidr_to_str(&role->cidrs[i], a, sizeof(a)));
		break;
	case GW_RULE_FQDN:
		if (role != NULL && (size_t)i < role->n_fqdns)
			snprintf(buf, size, "allow_fqdns[%d] %s", i, role->fqdns[i]);
		break;
	case GW_RULE_C2:
		if ((size_t)i < p->n_sigs)
			snprintf(buf, size, "c2_signatures id %u (%s)", p->sigs[i].id,
				 p->sigs[i].name);
		break;
	case GW_RULE_DNS:
		if ((size_t)i < p->dns.n_resolvers)
			snprintf(buf, size, "dns.allow %s",
				 gw_addr_to_str(&p->dns.resolvers[i], a, sizeof(a)));
		break;
	case GW_RULE_DOH:
		if ((size_t)i < p->dns.n_doh)
			snprintf(buf, size, "DoH endpoint %s", p->dns.doh_names[i]);
		break;
	default:
		break;
	}
}

/*
 * The application the flow speaks: as given, or what the port expects
 * (TLS where either would do). Returns false, with the worker's reason,
 * when the given one is not what the port takes.
 */
static bool
pick_app(uint8_t need, uint8_t given, uint8_t *app, uint8_t *reason)
{
	if (given == GW_APP_NONE) {
		*app = need == GW_NEED_HTTP ? GW_APP_HTTP : GW_APP_TLS;
		return true;
	}
	if ((given == GW_APP_TLS && (need & GW_NEED_TLS)) ||
	    (given == GW_APP_HTTP && (need & GW_NEED_HTTP))) {
		*app = given;
		return true;
	}
	*reason = need == GW_NEED_TLS ? GW_REASON_NOT_TLS :
		  need == GW_NEED_HTTP ? GW_REASON_NOT_HTTP :
					 GW_REASON_NOT_TLS_OR_HTTP;
	return false;
}

/* The first allowed method of the role, so that `check` judges the name. */
static void
pick_method(const struct gw_role *role, const struct gw_explain_query *q,
	    const char **m, size_t *len)
{
	*m = q->method;
	*len = q->method != NULL ? q->method_len : 0;
	if (*m == NULL) {
		*m = role->n_methods > 0 ? role->methods[0] : "GET";
		*len = strlen(*m);
	}
}

static void
explain_text(const struct gw_explain *e, const char *name, size_t name_len,
	     char *buf, size_t size)
{
	const struct gw_decision *d = &e->final;
	char n[128];

	gw_escape((const uint8_t *)(name != NULL ? name : ""),
		  GW_MIN(name_len, (size_t)100), n, sizeof(n));
	switch (d->action) {
	case GW_ACT_ALLOW:
		if (e->binding_required && d->bind == GW_BIND_LOG)
			snprintf(buf, size, "allowed by %.200s; logged if the destination is not an address DNS gave for %s",
				 e->rule, n);
		else if (e->binding_required)
			snprintf(buf, size, "allowed by %.200s if the destination is an address DNS gave for %s",
				 e->rule, n);
		else if (e->rule[0] != '\0')
			snprintf(buf, size, "allowed by %.200s", e->rule);
		else
			snprintf(buf, size, "allowed without a rule (hygiene no_sni: allow)");
		break;
	case GW_ACT_NEED_NAME:
		snprintf(buf, size, "held until the %s is known; decided by the role's allow_fqdns",
			 d->need == GW_NEED_HTTP ? "HTTP Host" :
			 d->need == GW_NEED_TLS ? "TLS SNI" : "TLS SNI or HTTP Host");
		break;
	case GW_ACT_NEED_BINDING:
		snprintf(buf, size, "allowed only to an address DNS bound to one of the role's allow_fqdns");
		break;
	default:
		if (e->rule[0] != '\0')
			snprintf(buf, size, "denied %s by %.200s", gw_reason_name(d->reason),
				 e->rule);
		else
			snprintf(buf, size, "denied %s: %s", gw_reason_name(d->reason),
				 gw_reason_desc(d->reason));
		break;
	}
}

static void
explain_decide(const struct gw_policy *p, struct gw_match_scratch *scratch,
	       const struct gw_explain_query *q, const struct gw_addr *dst,
	       const char *name, size_t name_len, struct gw_explain *out)
{
	const struct gw_role *role = out->role;
	uint8_t app = GW_APP_NONE, reason = GW_REASON_UNCLASSIFIED;
	const char *method;
	size_t method_len;
	int hit;

	gw_policy_decide_l4(p, role, dst, q->proto, q->dport, &out->l4);
	out->final = out->l4;
	if (role == NULL)
		return;
	switch (out->l4.action) {
	case GW_ACT_NEED_NAME:
		if (name_len == 0 && q->app == GW_APP_NONE)
			return; /* nothing to judge yet: held for the name */
		if (!pick_app(out->l4.need, q->app, &app, &reason)) {
			out->final.action = GW_ACT_DENY;
			out->final.reason = reason;
			return;
		}
		pick_method(role, q, &method, &method_len);
		gw_policy_decide_name_flags(p, role, scratch, (enum gw_app)app,
					    (const uint8_t *)name, name_len,
					    app == GW_APP_HTTP ? method : NULL,
					    app == GW_APP_HTTP ? method_len : 0,
					    q->flags, &out->name);
		out->name_decided = true;
		out->final = out->name;
		out->binding_required = out->name.action == GW_ACT_ALLOW &&
					out->name.bind != GW_BIND_OFF;
		break;
	case GW_ACT_NEED_BINDING:
		if (name_len == 0)
			return;
		/* As the worker: a name DNS bound to dst must be one the role allows. */
		memset(&out->name, 0, sizeof(out->name));
		out->name.rule_index = -1;
		hit = gw_policy_role_name_allowed(p, role, scratch,
						  (const uint8_t *)name, name_len);
		out->name_decided = true;
		if (hit >= 0) {
			out->name.action = GW_ACT_ALLOW;
			out->name.rule_kind = GW_RULE_FQDN;
			out->name.rule_index = hit;
			out->name.bind = out->l4.bind;
			out->binding_required = true;
		} else if (hit == GW_MATCH_NONE && out->l4.bind == GW_BIND_LOG) {
			/* log: a destination bound to no allowed name passes, logged. */
			out->name.action = GW_ACT_ALLOW;
			out->name.bind = GW_BIND_LOG;
		} else {
			out->name.action = GW_ACT_DENY;
			out->name.reason = hit == GW_MATCH_NONE ?
				GW_REASON_NAME_IP_MISMATCH : GW_REASON_UNCLASSIFIED;
		}
		out->final = out->name;
		break;
	default:
		break;
	}
}

int
gw_policy_explain(const struct gw_policy *p, struct gw_match_scratch *scratch,
		  const struct gw_explain_query *q, struct gw_explain *out)
{
	struct gw_match_scratch *own = NULL;
	const struct gw_addr *dst = NULL;
	struct gw_addr lit;
	const char *name;
	size_t name_len;
	char ip[GW_ADDR_STRLEN];
	int rc;

	if (p == NULL || q == NULL || out == NULL ||
	    (q->name == NULL && q->name_len > 0))
		return GW_EINVAL;
	memset(out, 0, sizeof(*out));
	out->l4.rule_index = out->name.rule_index = out->final.rule_index = -1;
	if (q->role_name != NULL && q->role_name[0] != '\0') {
		out->role = gw_policy_role_by_name(p, q->role_name);
		if (out->role == NULL)
			return GW_ENOENT;
	} else {
		out->role = gw_policy_role_for_vlan(p, q->vlan);
	}
	name = q->name;
	name_len = q->name != NULL ? q->name_len : 0;
	if (q->has_dst) {
		dst = &q->dst;
	} else if (name_len > 0 && name_len < sizeof(ip)) {
		/* `check ROLE 10.1.2.3 5432`: an address is the destination. */
		memcpy(ip, name, name_len);
		ip[name_len] = '\0';
		if (gw_addr_parse(ip, &lit) == 0) {
			dst = &lit;
			name = NULL;
			name_len = 0;
		}
	}
	if (scratch == NULL) {
		rc = gw_policy_scratch_grow(p, &own);
		if (rc != 0)
			return rc;
		scratch = own;
	}
	explain_decide(p, scratch, q, dst, name, name_len, out);
	rule_text(p, out->role, &out->final, out->rule, sizeof(out->rule));
	explain_text(out, name, name_len, out->text, sizeof(out->text));
	gw_match_scratch_free(own);
	return 0;
}

static json_t *
decision_json(const struct gw_decision *d)
{
	return json_pack("{s:s, s:s?, s:s, s:i, s:s}", "action",
			 action_name(d->action), "reason",
			 d->action == GW_ACT_DENY ? gw_reason_name(d->reason) : NULL,
			 "rule_kind", rule_kind_name(d->rule_kind), "rule_index",
			 (json_int_t)d->rule_index, "bind",
			 d->bind < GW_ARRAY_SIZE(bind_names) ? bind_names[d->bind] :
							       "unknown");
}

json_t *
gw_policy_explain_json(const struct gw_policy *p, const struct gw_explain *e)
{
	const struct gw_decision *d;
	json_t *o, *l4, *name = NULL;

	if (p == NULL || e == NULL)
		return NULL;
	d = &e->final;
	l4 = decision_json(&e->l4);
	if (e->name_decided)
		name = decision_json(&e->name);
	if (l4 == NULL || (e->name_decided && name == NULL)) {
		json_decref(l4);
		json_decref(name);
		return NULL;
	}
	o = json_pack("{s:s, s:s?, s:s?, s:s, s:i, s:s?, s:s, s:b, s:s, s:o, s:o}",
		      "verdict", action_name(d->action),
		      "reason", d->action == GW_ACT_DENY ? gw_reason_name(d->reason) : NULL,
		      "rule", e->rule[0] != '\0' ? e->rule : NULL,
		      "rule_kind", rule_kind_name(d->rule_kind),
		      "rule_index", (json_int_t)d->rule_index,
		      "role", e->role != NULL ? e->role->name : NULL,
		      "text", e->text,
		      "binding_required", e->binding_required,
		      "bind", d->bind < GW_ARRAY_SIZE(bind_names) ? bind_names[d->bind] :
								    "unknown",
		      "l4", l4,
		      "name", name != NULL ? name : json_null());
	return o;
}
