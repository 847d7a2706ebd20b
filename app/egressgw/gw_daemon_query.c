/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's questions about flows, answered on the control thread from
 * what the records told it (lib/flowview, lib/metrics) and from the policy
 * (lib/policy explain): gwctl flows, why, check, top; and the flows whose
 * verdict a new policy flips (reload).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "flowview/gw_flowview.h"
#include "match/gw_match.h"
#include "pkt/gw_pkt.h"
#include "metrics/gw_metrics.h"
#include "policy/gw_policy.h"

#include "gw_daemon.h"

#define FLOWS_LIMIT_DEFAULT 100
#define FLOWS_LIMIT_MAX 10000

static int
get_addr(json_t *args, const char *key, bool required, struct gw_addr *a,
	 bool *given, char *err, size_t errlen)
{
	json_t *v = json_object_get(args, key);

	*given = false;
	if (v == NULL) {
		if (required) {
			snprintf(err, errlen, "missing \"%s\" (an IP address)",
				 key);
			return GW_EINVAL;
		}
		return 0;
	}
	if (!json_is_string(v) || gw_addr_parse(json_string_value(v), a) != 0) {
		snprintf(err, errlen, "\"%s\" is not an IP address", key);
		return GW_EINVAL;
	}
	*given = true;
	return 0;
}

static int
get_uint(json_t *args, const char *key, long lo, long hi, long *out,
	 char *err, size_t errlen)
{
	json_t *v = json_object_get(args, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		snprintf(err, errlen, "\"%s\" must be an integer %ld..%ld",
			 key, lo, hi);
		return GW_EINVAL;
	}
	*out = (long)json_integer_value(v);
	return 0;
}

static int
get_str(json_t *args, const char *key, const char **out, char *err,
	size_t errlen)
{
	json_t *v = json_object_get(args, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "\"%s\" must be a string", key);
		return GW_EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

/* ---- flows ---- */

json_t *
gw_daemon_cmd_flows(const char *cmd, json_t *args, void *arg, char *err,
		    size_t errlen)
{
	struct gw_daemon *d = arg;
	struct gw_flowview_filter f;
	struct gw_flowview_flow *out;
	struct gw_addr host;
	bool has_host;
	long limit = FLOWS_LIMIT_DEFAULT;
	size_t n, total = 0, i;
	uint64_t now = gw_realtime_ns();
	json_t *res, *a, *den;
	(void)cmd;

	memset(&f, 0, sizeof(f));
	den = json_object_get(args, "denied");
	if (get_str(args, "role", &f.role, err, errlen) != 0 ||
	    get_addr(args, "host", false, &host, &has_host, err, errlen) != 0 ||
	    get_uint(args, "limit", 1, FLOWS_LIMIT_MAX, &limit, err,
		     errlen) != 0)
		return NULL;
	if (den != NULL && !json_is_boolean(den)) {
		snprintf(err, errlen, "\"denied\" must be true or false");
		return NULL;
	}
	f.host = has_host ? &host : NULL;
	f.denied_only = json_is_true(den);
	out = calloc((size_t)limit, sizeof(*out));
	if (out == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = gw_flowview_list(d->flowview, &f, out, (size_t)limit, &total);
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, gw_flowview_flow_to_json(&out[i], now));
	free(out);
	res = json_pack("{s:o,s:I,s:b}", "flows", a, "total", (json_int_t)total,
			"truncated", total > n);
	if (res == NULL)
		snprintf(err, errlen, "out of memory");
	return res;
}

/* ---- why / check: the policy's explanation ---- */

static void
query_from_flow(struct gw_explain_query *q, const struct gw_flowview_flow *f)
{
	memset(q, 0, sizeof(*q));
	q->vlan = f->vlan_inner;
	q->proto = f->proto;
	q->has_dst = true;
	q->dst = f->dst;
	q->dport = f->dport;
	q->app = f->app;
	if (f->name_len > 0) {
		q->name = (const char *)f->name;
		q->name_len = f->name_len;
	}
}

json_t *
gw_daemon_cmd_why(const char *cmd, json_t *args, void *arg, char *err,
		  size_t errlen)
{
	struct gw_daemon *d = arg;
	struct gw_flowview_filter f;
	struct gw_flowview_flow fl;
	struct gw_flowview_host h;
	struct gw_explain_query q;
	struct gw_explain e;
	struct gw_addr src, dst;
	bool has_src, has_dst;
	long dport = 0;
	uint64_t now = gw_realtime_ns();
	json_t *res;
	size_t n;
	int rc;
	(void)cmd;

	if (get_addr(args, "src", true, &src, &has_src, err, errlen) != 0 ||
	    get_addr(args, "dst", true, &dst, &has_dst, err, errlen) != 0 ||
	    get_uint(args, "dport", 1, 65535, &dport, err, errlen) != 0)
		return NULL;
	memset(&f, 0, sizeof(f));
	f.src = &src;
	f.dst = &dst;
	f.dport = (uint16_t)dport;
	n = gw_flowview_list(d->flowview, &f, &fl, 1, NULL);
	if (n == 1) {
		/* The flow's own verdict, as the worker recorded it. */
		query_from_flow(&q, &fl);
		rc = gw_policy_explain(d->policy, NULL, &q, &e);
		res = json_pack("{s:s,s:o,s:o*}", "source", "flow", "flow",
				gw_flowview_flow_to_json(&fl, now), "now",
				rc == 0 ? gw_policy_explain_json(d->policy, &e)
					: NULL);
		if (res != NULL)
			json_object_set_new(
				res, "decision",
				json_pack("{s:s,s:s?,s:s?}", "verdict",
					  fl.verdict == 1 ? "allow" :
					  fl.verdict == 2 ? "deny" : "pending",
					  "reason",
					  fl.verdict == 2 ? gw_reason_name(fl.reason)
							  : NULL,
					  "role", fl.role[0] != '\0' ? fl.role : NULL));
		return res;
	}
	/* No such flow known: what the policy would decide now. */
	memset(&q, 0, sizeof(q));
	if (gw_flowview_host(d->flowview, &src, &h) == 0) {
		q.vlan = h.vlan_inner;
	} else {
		char buf[GW_ADDR_STRLEN];

		snprintf(err, errlen,
			 "no flow from %s seen, so its VLAN (role) is "
			 "unknown; ask `gwctl check ROLE NAME PORT`",
			 gw_addr_to_str(&src, buf, sizeof(buf)));
		return NULL;
	}
	q.proto = GW_PROTO_TCP;
	q.has_dst = true;
	q.dst = dst;
	q.dport = dport != 0 ? (uint16_t)dport : 443;
	rc = gw_policy_explain(d->policy, NULL, &q, &e);
	if (rc != 0) {
		snprintf(err, errlen, "%s", gw_strerror(rc));
		return NULL;
	}
	return json_pack("{s:s,s:n,s:o}", "source", "policy", "flow",
			 "decision", gw_policy_explain_json(d->policy, &e));
}

json_t *
gw_daemon_cmd_check(const char *cmd, json_t *args, void *arg, char *err,
		    size_t errlen)
{
	struct gw_daemon *d = arg;
	struct gw_explain_query q;
	struct gw_explain e;
	const char *role, *name;
	long port = 443;
	int rc;
	(void)cmd;

	if (get_str(args, "role", &role, err, errlen) != 0 ||
	    get_str(args, "name", &name, err, errlen) != 0 ||
	    get_uint(args, "port", 1, 65535, &port, err, errlen) != 0)
		return NULL;
	if (role == NULL || name == NULL || name[0] == '\0') {
		snprintf(err, errlen, "\"role\" and \"name\" are required");
		return NULL;
	}
	memset(&q, 0, sizeof(q));
	q.role_name = role;
	q.proto = GW_PROTO_TCP;
	q.dport = (uint16_t)port;
	q.name = name;
	q.name_len = strlen(name);
	rc = gw_policy_explain(d->policy, NULL, &q, &e);
	if (rc == GW_ENOENT) {
		snprintf(err, errlen, "no role '%.64s' in the policy", role);
		return NULL;
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s", gw_strerror(rc));
		return NULL;
	}
	return gw_policy_explain_json(d->policy, &e);
}

/* ---- top ---- */

json_t *
gw_daemon_cmd_top(const char *cmd, json_t *args, void *arg, char *err,
		  size_t errlen)
{
	struct gw_daemon *d = arg;
	enum gw_metrics_top_kind kind;
	enum gw_metrics_window win = GW_METRICS_WIN_1M;
	const char *k, *w, *role;
	struct gw_metrics_counters mc;
	long limit = 10;
	json_t *res, *top, *rows, *it;
	size_t i;
	(void)cmd;

	if (get_str(args, "kind", &k, err, errlen) != 0 ||
	    get_str(args, "window", &w, err, errlen) != 0 ||
	    get_str(args, "role", &role, err, errlen) != 0 ||
	    get_uint(args, "limit", 1, FLOWS_LIMIT_MAX, &limit, err,
		     errlen) != 0)
		return NULL;
	if (k == NULL || gw_metrics_top_kind_parse(k, &kind) != 0) {
		snprintf(err, errlen,
			 "\"kind\" must be hosts or destinations");
		return NULL;
	}
	if (w != NULL && gw_metrics_window_parse(w, &win) != 0) {
		snprintf(err, errlen, "\"window\" must be 1m, 1h or 1d");
		return NULL;
	}
	top = gw_metrics_top(d->metrics, kind, role, win, (unsigned int)limit);
	if (top == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* The console's shape (docs/gwctl.md): rows keyed by host or name. */
	rows = json_array();
	json_array_foreach(json_object_get(top, "items"), i, it) {
		json_t *key = json_object_get(it, "host");

		if (key == NULL)
			key = json_object_get(it, "destination");
		json_array_append_new(
			rows,
			json_pack("{s:O,s:O*,s:O,s:O,s:O,s:O}", "key", key, "role",
				  json_object_get(it, "role"), "bytes_toserver",
				  json_object_get(it, "bytes_toserver"),
				  "bytes_toclient",
				  json_object_get(it, "bytes_toclient"),
				  "pkts_toserver", json_object_get(it, "pkts_toserver"),
				  "pkts_toclient",
				  json_object_get(it, "pkts_toclient")));
	}
	gw_metrics_get_counters(d->metrics, &mc);
	res = json_pack("{s:O,s:O,s:O,s:o,s:b}", "window",
			json_object_get(top, "window"), "kind", json_object_get(top, "kind"),
			"role", json_object_get(top, "role"), "rows", rows, "partial",
			mc.host_evictions + mc.dest_evictions + mc.entity_lost > 0);
	json_decref(top);
	if (res == NULL)
		snprintf(err, errlen, "out of memory");
	return res;
}

/* ---- reload: flows whose verdict flips ---- */

json_t *
gw_daemon_flip_flows(struct gw_daemon *d, const struct gw_policy *p,
		     bool revoke)
{
	struct gw_flowview_filter f;
	struct gw_flowview_flow *fl;
	struct gw_flowview_stats st;
	struct gw_match_scratch *scratch = NULL;
	uint64_t now = gw_realtime_ns();
	size_t n, i, checked = 0;
	json_t *flipped = json_array();
	bool reset = revoke && p->gw.reload.reset_revoked;

	gw_flowview_get_stats(d->flowview, &st);
	memset(&f, 0, sizeof(f));
	f.active_only = true;
	fl = calloc(st.active > 0 ? st.active : 1, sizeof(*fl));
	if (fl == NULL || gw_policy_scratch_grow(p, &scratch) != 0) {
		free(fl);
		return json_pack("{s:s}", "error", "out of memory");
	}
	n = gw_flowview_list(d->flowview, &f, fl, st.active, NULL);
	for (i = 0; i < n; i++) {
		struct gw_explain_query q;
		struct gw_explain e;
		json_t *j;

		if (fl[i].verdict != 1) /* only allowed flows can flip */
			continue;
		checked++;
		query_from_flow(&q, &fl[i]);
		if (gw_policy_explain(p, scratch, &q, &e) != 0 ||
		    e.final.action != GW_ACT_DENY)
			continue;
		j = gw_flowview_flow_to_json(&fl[i], now);
		json_object_set_new(j, "new_verdict", json_string("deny"));
		json_object_set_new(j, "new_reason",
				    json_string(gw_reason_name(e.final.reason)));
		json_array_append_new(flipped, j);
		if (reset) {
			struct gw_cmd cmd;

			memset(&cmd, 0, sizeof(cmd));
			cmd.type = GW_CMD_REVOKE_FLOW;
			cmd.flow.src = fl[i].src;
			cmd.flow.dst = fl[i].dst;
			cmd.flow.sport = fl[i].sport;
			cmd.flow.dport = fl[i].dport;
			cmd.flow.vlan_outer = fl[i].vlan_outer;
			cmd.flow.vlan_inner = fl[i].vlan_inner;
			cmd.flow.proto = fl[i].proto;
			cmd.flow.reason = GW_REASON_POLICY_REVOKED;
			cmd.flow.flow_id = fl[i].flow_id;
			if (fl[i].worker < d->n_workers &&
			    rte_ring_enqueue_elem(d->workers[fl[i].worker].cmd_ring,
						  &cmd, sizeof(cmd)) == 0)
				d->flows_revoked++;
			else
				d->cmd_lost++;
		}
	}
	gw_match_scratch_free(scratch);
	free(fl);
	return json_pack("{s:I,s:o,s:b}", "checked", (json_int_t)checked,
			 "flipped", flipped, "reset", reset && n > 0);
}
