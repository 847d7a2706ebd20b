/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control plane makes of the records besides the flow events:
 * the flow view (gwctl flows / why / reload), the metrics and their alerts
 * (gwctl top, EVE alert and stats events), evidence captures (pcapng of a
 * host's packets after a C2 hit or a quarantine), and the event stream to
 * `gwctl events --follow`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <rte_lcore.h>

#include "common/gw_reason.h"
#include "eve/gw_eve.h"
#include "flowview/gw_flowview.h"
#include "metrics/gw_metrics.h"

#include "gw_daemon.h"
#include "gw_evidence.h"

/* Signature ids of the control plane's behavioural alerts (docs/gwctl.md). */
#define SIG_DRIFT 9100001
#define SIG_BEACON 9100002
#define SIG_NEW_DEST 9100003

static void
on_alert(const struct gw_metrics_alert *a, void *arg)
{
	struct gw_daemon *d = arg;
	char ts[64], host[GW_ADDR_STRLEN];
	uint32_t sig;
	const char *cat;
	json_t *j;

	switch (a->type) {
	case GW_METRICS_ALERT_DRIFT:
		sig = SIG_DRIFT;
		cat = "Egress volume drift";
		break;
	case GW_METRICS_ALERT_BEACON:
		sig = SIG_BEACON;
		cat = "Beaconing";
		break;
	default:
		sig = SIG_NEW_DEST;
		cat = "New destination";
		break;
	}
	j = json_pack("{s:s,s:s,s:s,s:s?,s:{s:s,s:i,s:i,s:s,s:s,s:i},"
		      "s:{s:s?,s:{s:s,s:f,s:f,s:f,s:f,s:I}}}",
		      "timestamp", gw_eve_format_ts(a->ts_ns, ts, sizeof(ts)),
		      "event_type", "alert", "src_ip",
		      gw_addr_to_str(&a->host, host, sizeof(host)), "dest",
		      a->destination[0] != '\0' ? a->destination : NULL,
		      "alert", "action", "allowed", "gid", 1, "signature_id",
		      (int)sig, "signature", a->text, "category", cat,
		      "severity", (int)a->severity, "gw", "role",
		      a->role[0] != '\0' ? a->role : NULL, "metrics", "kind",
		      gw_metrics_alert_type_name(a->type), "value", a->value,
		      "mean", a->mean, "stddev", a->stddev, "cv", a->cv,
		      "count", (json_int_t)a->count);
	gw_events_emit(d->events, j);
}

/* Starts (or extends) an evidence capture of host and tells the workers. */
static void
evidence_start(struct gw_daemon *d, const struct gw_addr *host, const char *why)
{
	uint64_t now = gw_daemon_now_ns(), until = 0;
	struct gw_cmd cmd;

	if (d->evidence == NULL ||
	    gw_evidence_trigger(d->evidence, host, why, now, &until) != 0)
		return;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = GW_CMD_EVIDENCE;
	cmd.addrs[0] = *host;
	cmd.n_addrs = 1;
	cmd.until_ns = until;
	gw_daemon_broadcast(d, &cmd, -1);
}

void
gw_daemon_evidence_quarantine(struct gw_daemon *d, const struct gw_addr *host)
{
	if (d->policy->gw.evidence.on_quarantine)
		evidence_start(d, host, "quarantine");
}

static void
on_record(const struct gw_record *r, void *arg)
{
	struct gw_daemon *d = arg;

	gw_flowview_record(d->flowview, r);
	gw_metrics_feed(d->metrics, r, on_alert, d);
	if (r->type == GW_REC_VERDICT && r->reason == GW_REASON_C2_SIGNATURE &&
	    d->policy->gw.evidence.on_c2)
		evidence_start(d, &r->src, "c2");
}

static void
on_line(const char *type, const char *line, size_t len, void *arg)
{
	struct gw_daemon *d = arg;

	if (d->ctl != NULL)
		gw_ctl_server_publish(d->ctl, type, line, len);
}

static void
metrics_cfg(const struct gw_policy *p, struct gw_metrics_cfg *c)
{
	const struct gw_monitoring_cfg *m = &p->mon;

	gw_metrics_cfg_default(c);
	c->max_hosts = m->max_hosts;
	c->max_dests = m->max_destinations;
	c->max_pairs = m->max_pairs;
	c->drift_k = m->drift_sigma;
	c->drift_alpha = m->drift_alpha;
	c->drift_min_samples = m->drift_min_minutes;
	c->beacon_min_count = m->beacon_min_count;
	c->beacon_max_jitter = m->beacon_max_jitter;
	c->beacon_max_bytes = m->beacon_max_bytes;
	c->alert_new_destination = m->new_destination_alerts;
	c->hash_seed = gw_realtime_ns();
}

int
gw_daemon_obs_init(struct gw_daemon *d)
{
	const struct gw_evidence_cfg *ec = &d->policy->gw.evidence;
	struct gw_flowview_config fc = {0};
	struct gw_metrics_cfg mc;

	d->flowview = gw_flowview_create(&fc);
	metrics_cfg(d->policy, &mc);
	d->metrics = gw_metrics_create(&mc);
	if (d->flowview == NULL || d->metrics == NULL) {
		fprintf(stderr, "egressgw: cannot allocate the flow view / metrics "
				"(lower monitoring.max_*?)\n");
		return -1;
	}
	gw_events_set_record_hook(d->events, on_record, d);
	gw_events_set_line_hook(d->events, on_line, d);

	if (ec->on_c2 || ec->on_quarantine) {
		struct gw_evidence_params ep;

		gw_evidence_params_from_cfg(&ep, ec, d->n_workers,
					    (int)rte_socket_id());

		if (mkdir(ec->dir, 0750) != 0 && errno != EEXIST)
			fprintf(stderr, "egressgw: warning: evidence folder %s: %s; "
					"no evidence captures\n", ec->dir,
				strerror(errno));
		else if ((d->evidence = gw_evidence_open(&ep)) == NULL)
			fprintf(stderr, "egressgw: warning: evidence captures: %s; "
					"none will be written\n", strerror(errno));
	}
	return 0;
}

/* Called from the control loop: minutes, stats events, evidence files. */
void
gw_daemon_obs_poll(struct gw_daemon *d)
{
	uint64_t now = gw_realtime_ns();
	uint64_t iv = (uint64_t)d->policy->mon.stats_interval_s * 1000000000ULL;

	if (d->evidence != NULL)
		gw_evidence_poll(d->evidence, gw_daemon_now_ns());
	if (now < d->next_tick_ns)
		return;
	d->next_tick_ns = now + 1000000000ULL;
	gw_metrics_tick(d->metrics, now, on_alert, d);
	if (d->next_stats_ns == 0)
		d->next_stats_ns = now + iv;
	if (now >= d->next_stats_ns) {
		char ts[64];
		json_t *j = json_pack("{s:s,s:s,s:o}", "timestamp",
				      gw_eve_format_ts(now, ts, sizeof(ts)),
				      "event_type", "stats", "stats",
				      gw_metrics_snapshot(d->metrics));

		gw_events_emit(d->events, j);
		d->next_stats_ns = now + iv;
	}
}

void
gw_daemon_obs_free(struct gw_daemon *d)
{
	gw_evidence_close(d->evidence);
	d->evidence = NULL;
	gw_flowview_free(d->flowview);
	d->flowview = NULL;
	gw_metrics_free(d->metrics);
	d->metrics = NULL;
}
