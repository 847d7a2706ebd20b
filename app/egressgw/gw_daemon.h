/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_DAEMON_H
#define GW_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ctl/gw_ctl.h"
#include "flowview/gw_flowview.h"
#include "metrics/gw_metrics.h"
#include "policy/gw_policy.h"

#include "gw_events.h"
#include "gw_resolver.h"
#include "gw_worker.h"

#define GW_MAX_WORKERS GW_WORKER_MAX

/* Interim flow records for the per-minute metrics. */
#define GW_UPDATE_INTERVAL_NS(p) ((uint64_t)(p)->mon.update_interval_s * 1000000000ULL)

struct gw_worker_port_ctx {
	uint16_t queue;
};

struct gw_quarantine {
	struct gw_addr host;
	uint64_t since_ns;             /* CLOCK_REALTIME */
	char reason[128];
};

struct gw_daemon_worker {
	unsigned int lcore;
	uint16_t queue;
	volatile int done;
	struct gw_worker *w;
	struct rte_ring *ring;
	struct rte_ring *cmd_ring;
	struct gw_worker_port_ctx port_ctx;
};

struct gw_daemon {
	const char *config_path;
	const char *eve_path;
	const char *ctl_path;
	uint16_t port_id[GW_NB_PORTS];
	uint64_t tsc_hz;
	uint64_t realtime_off;
	uint64_t start_ns;         /* CLOCK_REALTIME */
	uint64_t policy_loaded_ns; /* CLOCK_REALTIME */
	struct gw_policy *policy;      /* the current snapshot's policy */
	struct gw_snapshot *snap;      /* published to the workers (RCU) */
	struct rte_rcu_qsbr *rcu;      /* workers' quiescent states */
	bool reloading;
	uint64_t reloads;              /* reloads applied or rejected (not dry runs) */
	uint64_t reload_failures;
	uint64_t last_reload_ns;       /* CLOCK_REALTIME, 0: never */
	double last_reload_ms;
	bool last_reload_ok;
	char last_reload_error[256];   /* first error of a rejected reload */
	volatile sig_atomic_t reload_req; /* SIGHUP */
	unsigned int n_quarantine;
	struct gw_quarantine quarantine[GW_QUARANTINE_MAX];
	uint64_t flows_revoked;        /* revoke commands sent after reloads */
	struct rte_mempool *pool;
	struct gw_events *events;
	struct gw_ctl_server *ctl;
	struct gw_resolver *resolver;  /* NULL without dns.allow resolvers */
	struct gw_flowview *flowview;  /* flows as the records tell them */
	struct gw_metrics *metrics;    /* per-minute volumes, alerts */
	struct gw_evidence *evidence;  /* NULL: no evidence captures */
	uint64_t next_tick_ns;         /* CLOCK_REALTIME: metrics minute check */
	uint64_t next_stats_ns;        /* CLOCK_REALTIME: next EVE stats event */
	uint64_t cmd_lost;             /* commands a full worker ring refused */
	struct rte_ring **handoff;     /* nat mode, several workers: per worker */
	bool nat_steered;              /* rte_flow rules steer return traffic */
	unsigned int n_workers;
	struct gw_daemon_worker workers[GW_MAX_WORKERS];
	volatile int stop_workers;
	volatile sig_atomic_t reopen_logs;
};

struct rte_rcu_qsbr;

/* Reload (gw_reload.c). */
struct gw_snapshot *gw_snapshot_create(const struct gw_policy *p,
				       unsigned int n_workers);
void gw_snapshot_free(struct gw_snapshot *s, bool with_policy);
int gw_daemon_rcu_init(struct gw_daemon *d);
/* Loads the policy file again; dry_run: only says what would change. */
json_t *gw_daemon_reload(struct gw_daemon *d, bool dry_run, char *err,
			 size_t errlen);
/* One line on stdout about a reload's result (res may be NULL: err). */
void gw_daemon_log_reload(const json_t *res, const char *err, const char *by);

/* CLOCK_REALTIME in ns (record and event times). */
uint64_t gw_realtime_ns(void);
/* The workers' clock (TSC in ns), for commands that carry times. */
uint64_t gw_daemon_now_ns(void);

/* Flow view, metrics, evidence, event stream (gw_daemon_obs.c). */
int gw_daemon_obs_init(struct gw_daemon *d);
void gw_daemon_obs_poll(struct gw_daemon *d);
void gw_daemon_obs_free(struct gw_daemon *d);
void gw_daemon_evidence_quarantine(struct gw_daemon *d,
				   const struct gw_addr *host);

/* Console queries (gw_daemon_query.c): gw_ctl_handler_fn, arg the daemon. */
json_t *gw_daemon_cmd_flows(const char *cmd, json_t *args, void *arg,
			    char *err, size_t errlen);
json_t *gw_daemon_cmd_why(const char *cmd, json_t *args, void *arg, char *err,
			  size_t errlen);
json_t *gw_daemon_cmd_check(const char *cmd, json_t *args, void *arg,
			    char *err, size_t errlen);
json_t *gw_daemon_cmd_top(const char *cmd, json_t *args, void *arg, char *err,
			  size_t errlen);
/* Active flows whose verdict the new policy flips; revoke: deny them now. */
json_t *gw_daemon_flip_flows(struct gw_daemon *d, const struct gw_policy *p,
			     bool revoke);
/* After d->policy became the new one, while old is still alive. */
void gw_daemon_policy_changed(struct gw_daemon *d, const struct gw_policy *old);
/* Quarantine (gw_daemon_policy.c): 0, or GW_E* with err set. */
int gw_daemon_quarantine(struct gw_daemon *d, const struct gw_addr *host,
			 const char *reason, char *err, size_t errlen);
int gw_daemon_release(struct gw_daemon *d, const struct gw_addr *host,
		      char *err, size_t errlen);
/* nat mode: flow rules steering return traffic to its owner's queue. */
bool gw_daemon_nat_steer(struct gw_daemon *d);
/* Sends a command to every worker but skip (-1: all); never waits. */
void gw_daemon_broadcast(struct gw_daemon *d, struct gw_cmd *cmd, int skip);

/* Control socket commands (gw_daemon_ctl.c). */
json_t *gw_daemon_ctl_handler(const char *cmd, json_t *args, void *arg,
			      char *err, size_t errlen);

#endif /* GW_DAEMON_H */
