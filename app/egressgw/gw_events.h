/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_EVENTS_H
#define GW_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <rte_ring.h>

#include "policy/gw_policy.h"
#include "record/gw_record.h"

/*
 * The control plane's record consumer, shared by the daemon's control
 * thread and by replay: flow records in, EVE JSON lines out.
 */
struct gw_events;

struct gw_events_stats {
	uint64_t records;
	uint64_t events;
	uint64_t alerts;
	uint64_t write_errors;
};

/* path "-" writes to stdout; NULL discards events (counters still kept). */
struct gw_events *gw_events_open(const char *path, const struct gw_policy *p,
				 const char *iface);
void gw_events_set_policy(struct gw_events *ev, const struct gw_policy *p);
void gw_events_record(struct gw_events *ev, const struct gw_record *r);
/* Dequeues and handles up to `max` records; returns how many. */
unsigned int gw_events_drain(struct gw_events *ev, struct rte_ring *ring,
			     unsigned int max);
void gw_events_flush(struct gw_events *ev);
/* Reopens the log file (logrotate); 0 or a negative GW_E*. */
int gw_events_reopen(struct gw_events *ev);
const struct gw_events_stats *gw_events_get_stats(const struct gw_events *ev);
void gw_events_close(struct gw_events *ev);

/*
 * Records that ask the control plane to act (the daemon sets these; replay
 * does not): a name to verify (GW_REC_VERIFY), and DNS answers from an
 * allowed resolver that the other workers should learn too.
 */
typedef void (*gw_events_hook)(const struct gw_record *r, void *arg);
void gw_events_set_hooks(struct gw_events *ev, gw_events_hook on_verify,
			 gw_events_hook on_answer, void *arg);

/* Every record, before its events are written (metrics, flow view). */
void gw_events_set_record_hook(struct gw_events *ev, gw_events_hook fn,
			       void *arg);
/* Every event line (without newline), with its event_type (gwctl events). */
typedef void (*gw_events_line_fn)(const char *event_type, const char *line,
				  size_t len, void *arg);
void gw_events_set_line_hook(struct gw_events *ev, gw_events_line_fn fn,
			     void *arg);
/* Writes an event built elsewhere (alerts, stats); takes the reference. */
void gw_events_emit(struct gw_events *ev, json_t *j);

#endif /* GW_EVENTS_H */
