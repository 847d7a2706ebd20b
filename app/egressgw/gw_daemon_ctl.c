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
#include "ctl/gw_stats.h"

#include "gw_app.h"
#include "gw_daemon.h"

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

static json_t *
cmd_stats(const char *cmd, json_t *args, void *arg, char *err, size_t errlen)
{
	struct gw_daemon *gd = arg;
	struct gw_stats_port ports[GW_NB_PORTS];
	struct gw_stats_worker *workers;
	struct gw_stats_snapshot s;
	struct timespec now;
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
	clock_gettime(CLOCK_REALTIME, &now);
	memset(&s, 0, sizeof(s));
	s.version = GW_VERSION;
	s.uptime_s = ((uint64_t)now.tv_sec * 1000000000ULL +
		      (uint64_t)now.tv_nsec - gd->start_ns) / 1000000000ULL;
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
	if (j == NULL)
		snprintf(err, errlen, "out of memory");
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

static const struct gw_ctl_cmd daemon_cmds[] = {
	{GW_CTL_CMD_STATS, "ports, workers, drops by reason, flows", cmd_stats},
	{"version", "daemon version", cmd_version},
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
