/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/gw_addr.h"
#include "record/gw_record.h"

/*
 * Egress metrics and behavioural alerts of the control plane, built from the
 * flow records that workers push (lib/record). Everything runs on the
 * control-plane thread; nothing here is thread-safe and nothing is called
 * from a worker.
 *
 * Time comes only from gw_record.ts_ns / start_ns and from the now_ns given
 * to gw_metrics_tick(): never from the system clock, so a replay or a test
 * gives the same figures and alerts on any machine.
 *
 * All memory is allocated by gw_metrics_create() and bounded by the caps of
 * struct gw_metrics_cfg; when a table is full its least recently used entry
 * is evicted and the eviction counted (struct gw_metrics_counters).
 * Definitions, formulas and memory figures: docs/metrics.md.
 */

/* Flow start times and sizes kept per (host, destination) pair for beacons. */
#define GW_METRICS_BEACON_HIST 16
/* Distinct role names tracked; further roles share one "(other)" entry. */
#define GW_METRICS_MAX_ROLES 255
/* Escaped destination text: a 255-byte name escaped as \xHH, plus NUL. */
#define GW_METRICS_DEST_STRLEN (GW_REC_NAME_MAX * 4 + 1)

struct gw_metrics_cfg {
	uint32_t max_hosts;          /* (host, role) entities, default 65536 */
	uint32_t max_dests;          /* (destination, role) entities, default 65536 */
	uint32_t max_pairs;          /* (host, destination) beacon pairs, default 65536 */
	uint32_t max_flows;          /* open flows tracked for deltas, default 262144 */
	uint32_t max_seen;           /* entries of each seen-set (host / role), default 262144 */
	double drift_k;              /* alert when x > mean + k * stddev, default 3 */
	double drift_alpha;          /* EWMA weight of a new minute, (0, 1], default 0.05 */
	uint32_t drift_min_samples;  /* minutes observed before alerting, default 30 */
	uint32_t drift_cooldown_s;   /* per host, default 3600 */
	uint64_t drift_min_bytes;    /* and x >= this (quiet hosts), default 65536 */
	uint32_t beacon_min_count;   /* starts needed, 3..GW_METRICS_BEACON_HIST, default 6 */
	double beacon_max_jitter;    /* max coefficient of variation, default 0.1 */
	uint64_t beacon_max_bytes;   /* max mean bytes per flow (both ways), default 65536 */
	uint32_t beacon_min_interval_s; /* mean interval below this is not a beacon, default 5 */
	uint32_t beacon_cooldown_s;  /* per pair, default 3600 */
	bool alert_new_destination;  /* default true */
	uint64_t hash_seed;          /* table hash seed (the daemon may randomise it) */
};

enum gw_metrics_alert_type {
	GW_METRICS_ALERT_DRIFT = 1,
	GW_METRICS_ALERT_BEACON = 2,
	GW_METRICS_ALERT_NEW_DESTINATION = 3,
};

/* Severities, Suricata style: 1 high .. 3 low. */
#define GW_METRICS_SEV_HIGH 1
#define GW_METRICS_SEV_MEDIUM 2
#define GW_METRICS_SEV_LOW 3

/*
 * One behavioural alert. Valid only during the callback (copy what you keep).
 * Figures by type:
 *   drift:           value = bytes toserver in the minute, mean/stddev = EWMA
 *                    before this minute, count = minutes observed
 *   beacon:          value = mean bytes per flow, mean = mean interval (s),
 *                    stddev = interval stddev (s), cv = stddev / mean,
 *                    count = starts evaluated
 *   new_destination: value = 1, count = new destinations of the host today
 */
struct gw_metrics_alert {
	enum gw_metrics_alert_type type;
	uint8_t severity;
	struct gw_addr host;
	char role[GW_REC_ROLE_MAX];                 /* NUL-terminated */
	char destination[GW_METRICS_DEST_STRLEN];   /* escaped, "" for drift */
	uint64_t ts_ns;
	char text[160];                             /* short human summary */
	double value;
	double mean;
	double stddev;
	double cv;
	uint64_t count;
};

struct gw_metrics_counters {
	uint64_t records[8];          /* by record type (index = type, 0 = unknown) */
	uint64_t flows_active;        /* flows in the delta table now */
	uint64_t flow_evictions;      /* open flows pushed out of the delta table */
	uint64_t flows_unknown;       /* UPDATE/END/VERDICT of a flow not in the table */
	uint64_t counter_regressions; /* cumulative counters that went down (ignored) */
	uint64_t host_evictions;
	uint64_t dest_evictions;
	uint64_t pair_evictions;
	uint64_t seen_host_evictions;
	uint64_t seen_role_evictions;
	uint64_t role_overflow;       /* records of roles past GW_METRICS_MAX_ROLES */
	uint64_t entity_lost;         /* deltas of a flow whose entity was evicted */
	uint64_t late_records;        /* counters for a minute already closed */
	uint64_t too_old_records;     /* counters older than the rings hold (totals only) */
	uint64_t future_records;      /* counters 60+ min ahead of the clock (totals only) */
	uint64_t minutes_skipped;     /* minutes not evaluated (tick gap > 60 min) */
	uint64_t new_destinations;    /* (host, destination) first seen */
	uint64_t c2_hits;             /* VERDICT records with reason c2_signature */
	uint64_t alerts_drift;
	uint64_t alerts_beacon;
	uint64_t alerts_new_destination;
	uint64_t pkts_toserver;       /* totals of all deltas counted */
	uint64_t pkts_toclient;
	uint64_t bytes_toserver;
	uint64_t bytes_toclient;
};

enum gw_metrics_top_kind {
	GW_METRICS_TOP_HOSTS = 0,            /* by bytes, both ways */
	GW_METRICS_TOP_HOSTS_TOSERVER,       /* by bytes toserver */
	GW_METRICS_TOP_DESTINATIONS,         /* by bytes, both ways */
	GW_METRICS_TOP_DESTINATIONS_TOSERVER,
};

enum gw_metrics_window {
	GW_METRICS_WIN_1M = 0, /* the minute in progress and the one before it */
	GW_METRICS_WIN_1H,     /* the last 60 minutes, the one in progress included */
	GW_METRICS_WIN_1D,     /* the last 24 hours, the minute in progress included */
};

struct gw_metrics;

typedef void (*gw_metrics_alert_fn)(const struct gw_metrics_alert *a,
				    void *arg);

void gw_metrics_cfg_default(struct gw_metrics_cfg *c);
/* 0 or GW_ECONFIG (a cap is 0, a figure is out of range). */
int gw_metrics_cfg_check(const struct gw_metrics_cfg *c);

/* NULL on invalid cfg or no memory. All memory is allocated here. */
struct gw_metrics *gw_metrics_create(const struct gw_metrics_cfg *c);
void gw_metrics_free(struct gw_metrics *m);

/* Accounts one record; may call fn (NULL: alerts are only counted). */
void gw_metrics_feed(struct gw_metrics *m, const struct gw_record *r,
		     gw_metrics_alert_fn fn, void *arg);
/*
 * Closes every minute before now_ns's minute (folds it into the hour
 * buckets, evaluates drift); may call fn. Call it at least once a minute.
 */
void gw_metrics_tick(struct gw_metrics *m, uint64_t now_ns,
		     gw_metrics_alert_fn fn, void *arg);

/* JSON built on request (control path); NULL on no memory. */
json_t *gw_metrics_top(const struct gw_metrics *m,
		       enum gw_metrics_top_kind kind, const char *role,
		       enum gw_metrics_window w, unsigned int limit);
/* Per-minute series, hourly series, new destinations of one host; NULL if unknown. */
json_t *gw_metrics_host(const struct gw_metrics *m, const struct gw_addr *host);
/* For the EVE "stats" event: totals, per role, top 10 hosts/destinations (1m). */
json_t *gw_metrics_snapshot(const struct gw_metrics *m);
void gw_metrics_get_counters(const struct gw_metrics *m,
			     struct gw_metrics_counters *out);

/* "1m", "1h", "1d": 0 or GW_EINVAL. */
int gw_metrics_window_parse(const char *s, enum gw_metrics_window *w);
const char *gw_metrics_window_name(enum gw_metrics_window w);
/* "hosts", "hosts_toserver", "destinations", "destinations_toserver". */
int gw_metrics_top_kind_parse(const char *s, enum gw_metrics_top_kind *k);
const char *gw_metrics_alert_type_name(enum gw_metrics_alert_type t);

#endif /* GW_METRICS_H */
