/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_STATS_H
#define GW_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/gw_reason.h"

/*
 * The statistics schema, table-driven: one X-macro per object kind gives
 * the index enum and the description table that feed the daemon's counters,
 * the "stats" answer of the control socket (gw_stats_to_json), gwctl's
 * tables and the telemetry endpoints. Drop and deny reasons come from
 * GW_REASON_MAP. Names are stable API ([a-z0-9_] only): append, never
 * rename. The JSON shape is documented in docs/gwctl.md.
 */

enum gw_stat_kind {
	GW_STAT_COUNTER = 0, /* only grows */
	GW_STAT_GAUGE = 1,   /* current value */
};

struct gw_stat_desc {
	const char *name;
	const char *desc;
	const char *unit;
	uint8_t kind; /* enum gw_stat_kind */
};

#define GW_PORT_STATS_MAP(X)                                                   \
	X(RX_PACKETS, "rx_packets", "packets received", "packets", COUNTER)    \
	X(TX_PACKETS, "tx_packets", "packets transmitted", "packets", COUNTER) \
	X(RX_BYTES, "rx_bytes", "bytes received", "bytes", COUNTER)            \
	X(TX_BYTES, "tx_bytes", "bytes transmitted", "bytes", COUNTER)         \
	X(RX_MISSED, "rx_missed",                                              \
	  "packets the NIC dropped because the rx queues were full",          \
	  "packets", COUNTER)                                                  \
	X(RX_ERRORS, "rx_errors", "erroneous packets received", "packets",     \
	  COUNTER)                                                             \
	X(TX_ERRORS, "tx_errors", "packets the NIC failed to transmit",        \
	  "packets", COUNTER)                                                  \
	X(RX_NOMBUF, "rx_nombuf", "rx mbuf allocation failures", "events",     \
	  COUNTER)

#define GW_WORKER_STATS_MAP(X)                                                 \
	X(RX_PACKETS, "rx_packets", "packets received by the worker",          \
	  "packets", COUNTER)                                                  \
	X(TX_PACKETS, "tx_packets", "packets transmitted by the worker",       \
	  "packets", COUNTER)                                                  \
	X(TX_DROPPED, "tx_dropped", "packets the tx queue refused", "packets", \
	  COUNTER)                                                             \
	X(FLOWS_ACTIVE, "flows_active", "flows in the worker's table",         \
	  "flows", GAUGE)                                                      \
	X(FLOWS_CREATED, "flows_created", "flows created", "flows", COUNTER)   \
	X(FLOWS_ALLOWED, "flows_allowed", "flows given an allow verdict",      \
	  "flows", COUNTER)                                                    \
	X(FLOWS_DENIED, "flows_denied", "flows given a deny verdict", "flows", \
	  COUNTER)                                                             \
	X(FLOWS_EXPIRED, "flows_expired", "flows removed after their timeout", \
	  "flows", COUNTER)                                                    \
	X(PENDING_FLOWS, "pending_flows",                                      \
	  "flows waiting for their verdict (payload held)", "flows", GAUGE)   \
	X(HELD_PACKETS, "held_packets",                                        \
	  "client packets held until their flow's verdict", "packets", GAUGE) \
	X(RING_LOST, "ring_lost",                                              \
	  "flow records lost because the record ring was full", "records",    \
	  COUNTER)                                                             \
	X(RECORDS_SENT, "records_sent", "flow records sent to the control plane", \
	  "records", COUNTER)                                                  \
	X(RESETS_SENT, "resets_sent", "TCP resets built for denied flows",     \
	  "packets", COUNTER)                                                  \
	X(ARP_PASSED, "arp_passed", "ARP frames passed (bridge)", "packets",   \
	  COUNTER)                                                             \
	X(ND_PASSED, "nd_passed",                                              \
	  "IPv6 neighbour discovery and MLD frames passed (bridge)", "packets", \
	  COUNTER)

enum gw_port_stat {
#define GW_STAT_ENUM(sym, name, desc, unit, kind) GW_PORT_STAT_##sym,
	GW_PORT_STATS_MAP(GW_STAT_ENUM)
#undef GW_STAT_ENUM
	GW_PORT_STAT_MAX
};

enum gw_worker_stat {
#define GW_STAT_ENUM(sym, name, desc, unit, kind) GW_WORKER_STAT_##sym,
	GW_WORKER_STATS_MAP(GW_STAT_ENUM)
#undef GW_STAT_ENUM
	GW_WORKER_STAT_MAX
};

extern const struct gw_stat_desc gw_port_stats[GW_PORT_STAT_MAX];
extern const struct gw_stat_desc gw_worker_stats[GW_WORKER_STAT_MAX];

/* Index of name in a table of n descriptions, -1 when absent. */
int gw_stat_find(const struct gw_stat_desc *table, size_t n, const char *name);

/* ---- the "stats" answer ---- */

#define GW_STATS_PORT_NAME_MAX 32

struct gw_stats_port {
	uint16_t id;
	char name[GW_STATS_PORT_NAME_MAX];   /* "lan", "wan" */
	uint64_t v[GW_PORT_STAT_MAX];
};

struct gw_stats_worker {
	uint16_t id;
	uint16_t lcore;
	uint64_t v[GW_WORKER_STAT_MAX];
	uint64_t drops[GW_REASON_MAX];  /* packets dropped, by reason */
	uint64_t denied[GW_REASON_MAX]; /* flows denied, by reason */
};

struct gw_stats_snapshot {
	const char *version;       /* daemon version, "0.1.0" */
	uint64_t uptime_s;
	const char *policy_source; /* NULL: "policy" is null (none loaded) */
	uint64_t policy_version;
	uint64_t policy_loaded_ns; /* CLOCK_REALTIME */
	uint32_t policy_roles;
	size_t n_ports;
	const struct gw_stats_port *ports;
	size_t n_workers;
	const struct gw_stats_worker *workers;
};

/*
 * The data of the "stats" answer (new reference; NULL on allocation
 * failure or NULL argument):
 * {"version","uptime_s","policy":{"source","version","loaded_at","roles"},
 *  "ports":[{"id","name",<port stats>}],"workers":[{"id","lcore",<worker stats>}],
 *  "drops":{<every reason>:N},"flows_denied_by_reason":{<every reason>:N},
 *  "totals":{"rx_packets","tx_packets","drops","flows_active","flows_created","ring_lost"}}
 * drops and flows_denied_by_reason are summed over workers and list every
 * reason, zero or not, so their keys are stable. totals.rx_packets and
 * tx_packets sum the ports; the others sum the workers (drops: all reasons).
 */
json_t *gw_stats_to_json(const struct gw_stats_snapshot *s);

#endif /* GW_STATS_H */
