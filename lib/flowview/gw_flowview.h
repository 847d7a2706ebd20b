/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_FLOWVIEW_H
#define GW_FLOWVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/gw_addr.h"
#include "record/gw_record.h"

/*
 * The control plane's view of flows, fed with every flow record the
 * workers send (gw_flowview_record): what `gwctl flows`, `why`, `reload` and
 * `quarantine` answer from. DPDK-free and single-threaded (the control
 * thread owns it). Everything is bounded and allocated by create:
 *
 *  - active flows keyed by (worker, flow_id): tuple, VLAN, role, app, name,
 *    verdict, reason, rule, name binding, counters, start and last update.
 *    Created by START (or by the first VERDICT/UPDATE of a flow whose START
 *    was lost), updated by VERDICT and UPDATE, moved to the ended ring by
 *    END. When the table is full the least recently updated flow is
 *    evicted (counted);
 *  - a ring of the most recently ENDED flows (the oldest is overwritten,
 *    counted), so recent denials stay visible after their flow ended;
 *  - hosts: source address -> (role, VLAN, last seen), least recently seen
 *    evicted when full (counted), so `why SRC DST` knows the source's role.
 *
 * DNS and VERIFY records are not flows: they are counted and ignored.
 */

/*
 * Periodic cumulative counters of a long flow. The record type is added to
 * enum gw_record_type by the data-plane side; its value is fixed here so
 * that this module does not depend on when that happens.
 */
#define GW_FLOWVIEW_REC_UPDATE 6

#define GW_FLOWVIEW_ACTIVE_DEFAULT 65536u
#define GW_FLOWVIEW_ENDED_DEFAULT 4096u
#define GW_FLOWVIEW_HOSTS_DEFAULT 65536u
#define GW_FLOWVIEW_CAP_MAX (1u << 24)

struct gw_flowview_config {
	uint32_t max_active; /* 0: GW_FLOWVIEW_ACTIVE_DEFAULT */
	uint32_t max_ended;  /* 0: GW_FLOWVIEW_ENDED_DEFAULT */
	uint32_t max_hosts;  /* 0: GW_FLOWVIEW_HOSTS_DEFAULT */
};

enum gw_flowview_state {
	GW_FLOWVIEW_STATE_ACTIVE = 0,
	GW_FLOWVIEW_STATE_ENDED = 1,
};

/* One flow as the control plane knows it (a copy: callers own it). */
struct gw_flowview_flow {
	uint64_t flow_id;
	uint8_t worker;
	uint8_t state;      /* enum gw_flowview_state */
	uint8_t proto;
	uint8_t af;
	uint8_t verdict;    /* enum gw_flow_verdict (0 pending, 1 allow, 2 deny) */
	uint8_t reason;     /* enum gw_reason, meaningful when denied */
	uint8_t app;        /* enum gw_app */
	uint8_t rule_kind;  /* enum gw_rule_kind */
	uint8_t bind_state; /* enum gw_bind_state */
	uint8_t has_snat;   /* nat mode: snat_addr/snat_port are the translated source */
	uint16_t snat_port;
	struct gw_addr snat_addr;
	uint8_t end_cause;  /* as gw_record.end_cause, when ended */
	uint8_t name_len;
	uint16_t vlan_outer;
	uint16_t vlan_inner;
	uint16_t sport;
	uint16_t dport;
	int32_t rule_index;
	uint32_t sig_id;
	struct gw_addr src;
	struct gw_addr dst;
	uint64_t pkts_toserver;
	uint64_t pkts_toclient;
	uint64_t bytes_toserver;
	uint64_t bytes_toclient;
	uint64_t start_ns; /* CLOCK_REALTIME ns, as in the records */
	uint64_t last_ns;  /* time of the newest record of the flow */
	char role[GW_REC_ROLE_MAX];
	uint8_t name[GW_REC_NAME_MAX]; /* raw, name_len bytes (escape to print) */
};

struct gw_flowview_host {
	struct gw_addr addr;
	uint16_t vlan_outer;
	uint16_t vlan_inner;
	uint64_t last_seen_ns;
	char role[GW_REC_ROLE_MAX];
};

struct gw_flowview_stats {
	uint32_t active;
	uint32_t ended;
	uint32_t hosts;
	uint32_t max_active;
	uint32_t max_ended;
	uint32_t max_hosts;
	uint64_t records;           /* records fed */
	uint64_t ignored;           /* DNS, VERIFY and unknown types */
	uint64_t active_evicted;    /* active flows pushed out by a full table */
	uint64_t ended_overwritten; /* ended flows pushed out of the ring */
	uint64_t hosts_evicted;
	uint64_t end_unknown;       /* END of a flow never seen (START lost) */
};

/* Which flows a query returns; zeroed = every flow. */
struct gw_flowview_filter {
	const char *role;           /* exact role name; NULL any */
	const struct gw_addr *host; /* source or destination; NULL any */
	const struct gw_addr *src;  /* exact source; NULL any */
	const struct gw_addr *dst;  /* exact destination; NULL any */
	uint16_t dport;             /* 0 any */
	bool denied_only;           /* verdict deny */
	bool active_only;
};

struct gw_flowview;

/* NULL on allocation failure or a capacity above GW_FLOWVIEW_CAP_MAX. */
struct gw_flowview *gw_flowview_create(const struct gw_flowview_config *cfg);
void gw_flowview_free(struct gw_flowview *fv);

/* Feeds one record (any type; non-flow records are counted and ignored). */
void gw_flowview_record(struct gw_flowview *fv, const struct gw_record *r);

/*
 * Flows matching f (NULL: all), newest first: active flows by their last
 * update, then ended flows by their end. Copies at most max of them into
 * out (may be NULL when max is 0) and returns how many were copied;
 * *total (may be NULL) gets how many matched in all.
 */
size_t gw_flowview_list(const struct gw_flowview *fv,
			const struct gw_flowview_filter *f,
			struct gw_flowview_flow *out, size_t max,
			size_t *total);

/* The host entry of a source address: 0, or GW_ENOENT when never seen (or evicted). */
int gw_flowview_host(const struct gw_flowview *fv, const struct gw_addr *addr,
		     struct gw_flowview_host *out);

void gw_flowview_get_stats(const struct gw_flowview *fv,
			   struct gw_flowview_stats *st);

/* ---- JSON (the gwctl contract, docs/gwctl.md) ---- */

/*
 * A flow with EVE field names: flow_id, worker, src_ip, src_port, dest_ip,
 * dest_port, proto, vlan, role, app, name, verdict, reason, rule, bind,
 * pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient, start,
 * last, age_s, state. now_ns gives age_s of active flows. NULL on
 * allocation failure.
 */
json_t *gw_flowview_flow_to_json(const struct gw_flowview_flow *f,
				 uint64_t now_ns);

/* {"active","ended","hosts","max_active",...} of gw_flowview_get_stats(). */
json_t *gw_flowview_stats_to_json(const struct gw_flowview *fv);

#endif /* GW_FLOWVIEW_H */
