/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket commands of the daemon. Runs on the control lcore; reads
 * the workers' counters (plain 64-bit loads of values only their worker
 * writes) and the ports' statistics.
 */
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>

#include "ctl/gw_ctl.h"
#include "common/gw_error.h"
#include "eve/gw_eve.h"
#include "ctl/gw_stats.h"

#include "gw_app.h"
#include "gw_daemon.h"
#include "gw_worker_nat.h"

static void
fill_port(struct gw_stats_port *p, uint16_t port_id, const char *name)
{
	struct rte_eth_stats es;

	memset(p, 0, sizeof(*p));
	p->id = port_id;
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (rte_eth_stats_get(port_id, &es) != 0)
		return;
	p->v[GW_PORT_STAT_RX_PACKETS] = es.ipackets;
	p->v[GW_PORT_STAT_TX_PACKETS] = es.opackets;
	p->v[GW_PORT_STAT_RX_BYTES] = es.ibytes;
	p->v[GW_PORT_STAT_TX_BYTES] = es.obytes;
	p->v[GW_PORT_STAT_RX_MISSED] = es.imissed;
	p->v[GW_PORT_STAT_RX_ERRORS] = es.ierrors;
	p->v[GW_PORT_STAT_TX_ERRORS] = es.oerrors;
	p->v[GW_PORT_STAT_RX_NOMBUF] = es.rx_nombuf;
}

static void
fill_worker(struct gw_stats_worker *sw, const struct gw_daemon_worker *dw,
	    unsigned int id)
{
	const struct gw_worker *w = dw->w;
	const struct gw_worker_stats *st = &w->st;
	unsigned int r;

	memset(sw, 0, sizeof(*sw));
	sw->id = (uint16_t)id;
	sw->lcore = (uint16_t)dw->lcore;
	sw->v[GW_WORKER_STAT_RX_PACKETS] = st->rx_packets;
	sw->v[GW_WORKER_STAT_TX_PACKETS] = st->tx_packets;
	sw->v[GW_WORKER_STAT_TX_DROPPED] = st->tx_dropped;
	sw->v[GW_WORKER_STAT_FLOWS_ACTIVE] = gw_flow_count(w->flows);
	sw->v[GW_WORKER_STAT_FLOWS_CREATED] = st->flows_created;
	sw->v[GW_WORKER_STAT_FLOWS_ALLOWED] = st->flows_allowed;
	sw->v[GW_WORKER_STAT_FLOWS_DENIED] = st->flows_denied;
	sw->v[GW_WORKER_STAT_FLOWS_EXPIRED] = st->flows_expired;
	sw->v[GW_WORKER_STAT_PENDING_FLOWS] = w->n_pending;
	sw->v[GW_WORKER_STAT_HELD_PACKETS] = st->held_packets;
	sw->v[GW_WORKER_STAT_RING_LOST] = st->ring_lost;
	sw->v[GW_WORKER_STAT_RECORDS_SENT] = st->records_sent;
	sw->v[GW_WORKER_STAT_RESETS_SENT] = st->resets_sent;
	sw->v[GW_WORKER_STAT_ARP_PASSED] = st->arp_passed;
	sw->v[GW_WORKER_STAT_ND_PASSED] = st->nd_passed;
	for (r = 0; r < GW_REASON_MAX; r++) {
		sw->drops[r] = st->drops[r];
		sw->denied[r] = st->deny_flows[r];
	}
}

static json_t *quarantine_json(const struct gw_quarantine *q);

/* The daemon's own sections of "stats": quarantine, reload, rings. */
static int
daemon_extra(struct gw_daemon *gd, json_t *j)
{
	json_t *q = json_array(), *rings = json_array(), *rl;
	char ts[64];
	unsigned int i;

	for (i = 0; i < gd->n_quarantine; i++)
		json_array_append_new(q, quarantine_json(&gd->quarantine[i]));
	rl = json_pack("{s:s,s:s?,s:I,s:I,s:I,s:I,s:s?}", "result",
		       gd->reloads == 0 ? "never" :
		       gd->last_reload_ok ? "ok" : "failed",
		       "time",
		       gd->last_reload_ns != 0 ?
			       gw_eve_format_ts(gd->last_reload_ns, ts, sizeof(ts)) :
			       NULL,
		       "duration_ms", (json_int_t)gd->last_reload_ms, "version",
		       (json_int_t)gd->policy->version, "reloads",
		       (json_int_t)gd->reloads, "failures",
		       (json_int_t)gd->reload_failures, "error",
		       gd->last_reload_ok || gd->last_reload_error[0] == '\0' ?
			       NULL : gd->last_reload_error);
	for (i = 0; i < gd->n_workers; i++) {
		const struct gw_daemon_worker *dw = &gd->workers[i];

		json_array_append_new(
			rings,
			json_pack("{s:i,s:I,s:I,s:I,s:I}", "worker", (int)i,
				  "size", (json_int_t)rte_ring_get_capacity(dw->ring),
				  "used", (json_int_t)rte_ring_count(dw->ring),
				  "lost", (json_int_t)dw->w->st.ring_lost,
				  "cmd_used",
				  (json_int_t)rte_ring_count(dw->cmd_ring)));
	}
	if (q == NULL || rl == NULL || rings == NULL) {
		json_decref(q);
		json_decref(rl);
		json_decref(rings);
		return GW_ENOMEM;
	}
	json_object_set_new(rl, "commands_lost", json_integer((json_int_t)gd->cmd_lost));
	json_object_set_new(j, "flowview", gw_flowview_stats_to_json(gd->flowview));
	if (gd->policy->gw.mode == GW_MODE_NAT) {
		json_t *nat = json_array();

		for (i = 0; i < gd->n_workers; i++) {
			json_t *o = gw_wnat_stats_json(gd->workers[i].w->nat);

			json_object_set_new(o, "worker", json_integer((json_int_t)i));
			json_array_append_new(nat, o);
		}
		json_object_set_new(j, "nat", nat);
		json_object_set_new(j, "nat_return_path",
				    json_string(gd->n_workers < 2 ? "one worker" :
						gd->nat_steered ? "rte_flow" : "handoff"));
	}
	json_object_set_new(j, "quarantine", q);
	json_object_set_new(j, "reload", rl);
	json_object_set_new(j, "rings", rings);
	return 0;
}

static json_t *
cmd_stats(const char *cmd, json_t *args, void *arg, char *err, size_t errlen)
{
	struct gw_daemon *gd = arg;
	struct gw_stats_port ports[GW_NB_PORTS];
	struct gw_stats_worker *workers;
	struct gw_stats_snapshot s;
	json_t *j;
	unsigned int i;

	(void)cmd;
	(void)args;
	workers = calloc(gd->n_workers, sizeof(*workers));
	if (workers == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fill_port(&ports[GW_PORT_LAN], gd->port_id[GW_PORT_LAN], "lan");
	fill_port(&ports[GW_PORT_WAN], gd->port_id[GW_PORT_WAN], "wan");
	for (i = 0; i < gd->n_workers; i++)
		fill_worker(&workers[i], &gd->workers[i], i);
	memset(&s, 0, sizeof(s));
	s.version = GW_VERSION;
	s.uptime_s = (gw_realtime_ns() - gd->start_ns) / 1000000000ULL;
	s.policy_source = gd->config_path;
	s.policy_version = gd->policy->version;
	s.policy_loaded_ns = gd->policy_loaded_ns;
	s.policy_roles = (uint32_t)gd->policy->n_roles;
	s.n_ports = GW_NB_PORTS;
	s.ports = ports;
	s.n_workers = gd->n_workers;
	s.workers = workers;
	j = gw_stats_to_json(&s);
	free(workers);
	if (j == NULL || daemon_extra(gd, j) != 0) {
		json_decref(j);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return j;
}

static json_t *
cmd_version(const char *cmd, json_t *args, void *arg, char *err, size_t errlen)
{
	(void)cmd;
	(void)args;
	(void)arg;
	(void)err;
	(void)errlen;
	return json_pack("{s:s}", "version", GW_VERSION);
}

static json_t *
cmd_reload(const char *cmd, json_t *args, void *arg, char *err, size_t errlen)
{
	struct gw_daemon *gd = arg;
	json_t *dry = json_object_get(args, "dry_run");
	json_t *res;

	(void)cmd;
	if (dry != NULL && !json_is_boolean(dry)) {
		snprintf(err, errlen, "dry_run must be true or false");
		return NULL;
	}
	res = gw_daemon_reload(gd, json_is_true(dry), err, errlen);
	if (res != NULL && !json_is_true(dry))
		gw_daemon_log_reload(res, err, "gwctl");
	return res;
}

/* args.host as an address, or NULL with err set. */
static int
arg_host(json_t *args, struct gw_addr *a, char *err, size_t errlen)
{
	const char *h = json_string_value(json_object_get(args, "host"));

	if (h == NULL) {
		snprintf(err, errlen, "missing \"host\" (an IP address)");
		return GW_EINVAL;
	}
	if (gw_addr_parse(h, a) != 0) {
		snprintf(err, errlen, "'%.64s' is not an IP address", h);
		return GW_EINVAL;
	}
	return 0;
}

static json_t *
quarantine_json(const struct gw_quarantine *q)
{
	char buf[GW_ADDR_STRLEN];

	char ts[64];

	return json_pack("{s:s,s:s,s:s}", "host",
			 gw_addr_to_str(&q->host, buf, sizeof(buf)), "reason",
			 q->reason, "since",
			 gw_eve_format_ts(q->since_ns, ts, sizeof(ts)));
}

static json_t *
cmd_quarantine(const char *cmd, json_t *args, void *arg, char *err,
	       size_t errlen)
{
	struct gw_daemon *gd = arg;
	json_t *r = json_object_get(args, "reason"), *j;
	struct gw_flowview_filter f;
	size_t active = 0;
	struct gw_addr a;
	unsigned int i;
	(void)cmd;

	if (arg_host(args, &a, err, errlen) != 0)
		return NULL;
	if (r != NULL && !json_is_string(r)) {
		snprintf(err, errlen, "reason must be a string");
		return NULL;
	}
	if (gw_daemon_quarantine(gd, &a, json_string_value(r), err, errlen) != 0)
		return NULL;
	memset(&f, 0, sizeof(f));
	f.src = &a;
	f.active_only = true;
	gw_flowview_list(gd->flowview, &f, NULL, 0, &active);
	for (i = 0; i < gd->n_quarantine; i++) {
		if (memcmp(&gd->quarantine[i].host, &a, sizeof(a)) != 0)
			continue;
		j = quarantine_json(&gd->quarantine[i]);
		json_object_set_new(j, "flows_reset",
				    json_integer((json_int_t)active));
		return j;
	}
	snprintf(err, errlen, "internal error: host not in the list");
	return NULL;
}

static json_t *
cmd_release(const char *cmd, json_t *args, void *arg, char *err, size_t errlen)
{
	struct gw_daemon *gd = arg;
	char buf[GW_ADDR_STRLEN];
	struct gw_addr a;
	(void)cmd;

	char ts[64];
	uint64_t since = 0;
	unsigned int i;

	if (arg_host(args, &a, err, errlen) != 0)
		return NULL;
	for (i = 0; i < gd->n_quarantine; i++)
		if (memcmp(&gd->quarantine[i].host, &a, sizeof(a)) == 0)
			since = gd->quarantine[i].since_ns;
	if (gw_daemon_release(gd, &a, err, errlen) != 0)
		return NULL;
	return json_pack("{s:s,s:s}", "host",
			 gw_addr_to_str(&a, buf, sizeof(buf)), "since",
			 gw_eve_format_ts(since, ts, sizeof(ts)));
}

static const struct gw_ctl_cmd daemon_cmds[] = {
	{GW_CTL_CMD_STATS, "ports, workers, drops by reason, flows", cmd_stats},
	{"version", "daemon version", cmd_version},
	{"reload", "load the policy file again (args: dry_run)", cmd_reload},
	{"quarantine", "block all egress of a host (args: host, reason)",
	 cmd_quarantine},
	{"release", "end a host's quarantine (args: host)", cmd_release},
	{"flows", "flows known to the control plane (args: role, host, denied, limit)",
	 gw_daemon_cmd_flows},
	{"why", "the verdict of a flow and why (args: src, dst, dport)",
	 gw_daemon_cmd_why},
	{"check", "would ROLE reach NAME on PORT (args: role, name, port)",
	 gw_daemon_cmd_check},
	{"top", "top hosts or destinations (args: kind, window, role, limit)",
	 gw_daemon_cmd_top},
};

json_t *
gw_daemon_ctl_handler(const char *cmd, json_t *args, void *arg, char *err,
		      size_t errlen)
{
	struct gw_ctl_dispatch d = {
		.cmds = daemon_cmds,
		.n_cmds = sizeof(daemon_cmds) / sizeof(daemon_cmds[0]),
		.arg = arg,
	};

	return gw_ctl_dispatch(cmd, args, &d, err, errlen);
}
