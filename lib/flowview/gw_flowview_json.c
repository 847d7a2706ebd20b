/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "eve/gw_eve.h"
#include "flowview/gw_flowview.h"
#include "policy/gw_policy.h"

/*
 * The JSON of a flow for the control socket (flows, why, quarantine). The
 * field names are EVE's (docs/gwctl.md), flattened: a console row, not an
 * event.
 */

static const char *
bind_text(uint8_t b)
{
	switch (b) {
	case GW_BIND_STATE_BOUND:
		return "bound";
	case GW_BIND_STATE_MISMATCH:
		return "mismatch";
	default:
		return "none";
	}
}

/* "fqdn:3" as gw.rule in EVE; false when no rule decided. Kinds: enum gw_rule_kind. */
static bool
rule_text(const struct gw_flowview_flow *f, char *buf, size_t size)
{
	static const char *const kinds[] = {
		[GW_RULE_CIDR] = "cidr", [GW_RULE_FQDN] = "fqdn",
		[GW_RULE_DNS] = "dns",   [GW_RULE_DOH] = "doh",
	};

	if (f->rule_kind == GW_RULE_C2) {
		/* C2 rules are known by their signature id, as in EVE. */
		snprintf(buf, size, "c2:%" PRIu32, f->sig_id);
		return true;
	}
	if (f->rule_kind >= GW_ARRAY_SIZE(kinds) || kinds[f->rule_kind] == NULL ||
	    f->rule_index < 0)
		return false;
	snprintf(buf, size, "%s:%" PRId32, kinds[f->rule_kind], f->rule_index);
	return true;
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *
gw_flowview_flow_to_json(const struct gw_flowview_flow *f, uint64_t now_ns)
{
	char src[GW_ADDR_STRLEN];
	char dst[GW_ADDR_STRLEN];
	char name[GW_REC_NAME_MAX * 4 + 1];
	char role[GW_REC_ROLE_MAX * 4 + 1];
	char start[GW_EVE_TS_LEN];
	char last[GW_EVE_TS_LEN];
	char rule[32];
	char pbuf[8];
	uint64_t end_ns;
	json_t *o;
	int bad = 0;

	if (f == NULL)
		return NULL;
	o = json_object();
	if (o == NULL)
		return NULL;
	gw_addr_to_str(&f->src, src, sizeof(src));
	gw_addr_to_str(&f->dst, dst, sizeof(dst));
	gw_escape(f->name, f->name_len, name, sizeof(name));
	/* Roles come from the policy, but the record is only bytes: escape. */
	gw_escape((const uint8_t *)f->role, strnlen(f->role, sizeof(f->role)),
		  role, sizeof(role));
	end_ns = f->state == GW_FLOWVIEW_STATE_ACTIVE ? GW_MAX(now_ns, f->last_ns)
						       : f->last_ns;
	bad |= json_object_set_new(o, "flow_id",
				   json_integer((json_int_t)(f->flow_id &
							     INT64_MAX)));
	bad |= json_object_set_new(o, "worker", json_integer(f->worker));
	bad |= json_object_set_new(o, "src_ip", json_string(src));
	bad |= json_object_set_new(o, "src_port", json_integer(f->sport));
	bad |= json_object_set_new(o, "dest_ip", json_string(dst));
	bad |= json_object_set_new(o, "dest_port", json_integer(f->dport));
	bad |= json_object_set_new(o, "proto",
				   json_string(gw_eve_proto_name(f->proto, pbuf,
							  sizeof(pbuf))));
	bad |= json_object_set_new(o, "vlan", json_integer(f->vlan_inner));
	bad |= json_object_set_new(o, "role",
				   f->role[0] != '\0' ? json_string(role) :
							json_null());
	bad |= json_object_set_new(o, "app", str_or_null(gw_eve_app_name(f->app)));
	bad |= json_object_set_new(o, "name",
				   f->name_len > 0 ? json_string(name) :
						     json_null());
	bad |= json_object_set_new(o, "verdict",
				   json_string(gw_eve_verdict_name(f->verdict)));
	bad |= json_object_set_new(o, "reason",
				   f->verdict == GW_VERDICT_DENY ?
					   json_string(gw_reason_name(f->reason)) :
					   json_null());
	bad |= json_object_set_new(o, "rule",
				   rule_text(f, rule, sizeof(rule)) ?
					   json_string(rule) : json_null());
	bad |= json_object_set_new(o, "bind",
				   json_string(bind_text(f->bind_state)));
	if (f->has_snat) {
		char sa[GW_ADDR_STRLEN];

		bad |= json_object_set_new(
			o, "snat",
			json_pack("{s:s,s:i}", "ip",
				  gw_addr_to_str(&f->snat_addr, sa, sizeof(sa)),
				  "port", (int)f->snat_port));
	}
	bad |= json_object_set_new(o, "pkts_toserver",
				   json_integer((json_int_t)GW_MIN(f->pkts_toserver, (uint64_t)INT64_MAX)));
	bad |= json_object_set_new(o, "pkts_toclient",
				   json_integer((json_int_t)GW_MIN(f->pkts_toclient, (uint64_t)INT64_MAX)));
	bad |= json_object_set_new(o, "bytes_toserver",
				   json_integer((json_int_t)GW_MIN(f->bytes_toserver, (uint64_t)INT64_MAX)));
	bad |= json_object_set_new(o, "bytes_toclient",
				   json_integer((json_int_t)GW_MIN(f->bytes_toclient, (uint64_t)INT64_MAX)));
	bad |= json_object_set_new(o, "start",
				   json_string(gw_eve_format_ts(f->start_ns, start,
								sizeof(start))));
	bad |= json_object_set_new(o, "last",
				   json_string(gw_eve_format_ts(f->last_ns, last,
								sizeof(last))));
	/* Whole seconds, as EVE's flow.age. */
	bad |= json_object_set_new(o, "age_s",
				   json_integer((json_int_t)(end_ns > f->start_ns ?
				   end_ns / 1000000000u - f->start_ns / 1000000000u : 0)));
	bad |= json_object_set_new(o, "state",
				   json_string(f->state == GW_FLOWVIEW_STATE_ACTIVE ?
						       "active" : "ended"));
	if (bad != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
gw_flowview_stats_to_json(const struct gw_flowview *fv)
{
	struct gw_flowview_stats st;

	if (fv == NULL)
		return NULL;
	gw_flowview_get_stats(fv, &st);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "active", (json_int_t)st.active,
			 "ended", (json_int_t)st.ended,
			 "hosts", (json_int_t)st.hosts,
			 "max_active", (json_int_t)st.max_active,
			 "max_ended", (json_int_t)st.max_ended,
			 "max_hosts", (json_int_t)st.max_hosts,
			 "records", (json_int_t)st.records,
			 "ignored", (json_int_t)st.ignored,
			 "active_evicted", (json_int_t)st.active_evicted,
			 "ended_overwritten", (json_int_t)st.ended_overwritten,
			 "hosts_evicted", (json_int_t)st.hosts_evicted,
			 "end_unknown", (json_int_t)st.end_unknown);
}
