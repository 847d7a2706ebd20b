/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_WORKER_H
#define GW_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "common/gw_reason.h"
#include "dns/gw_dns.h"
#include "dns/gw_dns_bind.h"
#include "flow/gw_flow.h"
#include "flow/gw_flow_ext.h"
#include "match/gw_match.h"
#include "policy/gw_policy.h"
#include "record/gw_record.h"

/*
 * The per-worker pipeline, shared by the daemon (one per worker lcore,
 * polling its queue of both ports) and by `egressgw replay` (fed mbufs made
 * from a capture). Everything here is owned by one lcore; the control plane
 * only reads the counters (plain uint64_t, torn reads impossible on x86-64).
 */

#define GW_PORT_LAN 0
#define GW_PORT_WAN 1
#define GW_NB_PORTS 2
#define GW_BURST 32
#define GW_TX_BUF 64

/* Worker counters; the names are those of lib/ctl/gw_stats.c. */
struct gw_worker_stats {
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t tx_dropped;
	uint64_t flows_created;
	uint64_t flows_allowed;
	uint64_t flows_denied;
	uint64_t flows_expired;
	uint64_t held_packets;   /* currently held */
	uint64_t ring_lost;
	uint64_t records_sent;
	uint64_t arp_passed;
	uint64_t nd_passed;
	uint64_t resets_sent;
	uint64_t dns_messages;   /* DNS queries and answers parsed on allowed DNS flows */
	uint64_t dns_learned;    /* answers whose addresses were bound to their names */
	uint64_t verify_asked;   /* names sent to the control plane for verification */
	uint64_t drops[GW_REASON_MAX];        /* packets dropped, by reason */
	uint64_t deny_flows[GW_REASON_MAX];   /* flows denied, by reason */
} __rte_cache_aligned;

/* Where a worker's output goes: the daemon's tx buffers or replay's pcap. */
typedef uint16_t (*gw_emit_fn)(void *ctx, uint16_t port, struct rte_mbuf **pkts,
			   uint16_t n);

struct gw_worker_cfg {
	unsigned int id;
	unsigned int lcore;
	const struct gw_policy *policy;   /* initial snapshot */
	struct rte_mempool *pool;         /* for resets */
	struct rte_ring *ring;            /* records to the control plane */
	struct rte_ring *cmd_ring;        /* commands from it (NULL: none, replay) */
	uint64_t verify_timeout_ns;       /* 0: no live verification (replay) */
	gw_emit_fn emit;
	void *emit_ctx;
};

struct gw_pending_ref {
	struct gw_flow *flow;
	uint64_t deadline_ns;
	uint8_t verify;         /* enum gw_verify_state */
	uint8_t vapp;           /* enum gw_app of the name being verified */
	char vname[GW_REC_NAME_MAX]; /* normalised name being verified */
};

/* A pending flow whose name passed but whose destination is not (yet) bound. */
enum gw_verify_state {
	GW_VERIFY_NONE = 0,
	GW_VERIFY_ASKED,        /* the control plane resolves the name */
	GW_VERIFY_DONE,         /* answered: the next check is final */
};

/* Commands from the control plane, drained between bursts. */
enum gw_cmd_type {
	GW_CMD_BIND = 1,        /* learn name -> addrs (answer seen elsewhere, or resolved) */
	GW_CMD_VERIFY_FAILED,   /* the name could not be resolved */
};

#define GW_CMD_ADDRS 16

struct gw_cmd {
	uint8_t type;           /* enum gw_cmd_type */
	uint8_t pad;
	uint16_t n_addrs;
	uint32_t ttl;
	char name[GW_REC_NAME_MAX];     /* normalised, NUL-terminated */
	struct gw_addr addrs[GW_CMD_ADDRS];
};

struct gw_worker {
	unsigned int id;
	unsigned int lcore;
	const struct gw_policy *policy;
	struct gw_flow_table *flows;
	struct gw_flow_ext_pool *ext_pool;
	struct gw_match_scratch *scratch;
	struct rte_mempool *pool;
	struct rte_ring *ring;
	struct rte_ring *cmd_ring;
	uint64_t verify_timeout_ns;
	gw_emit_fn emit;
	void *emit_ctx;
	uint64_t next_flow_id;
	uint64_t now_ns;        /* time of the burst being processed */
	uint64_t realtime_off;  /* add to now_ns for wall-clock record times */
	bool draining;          /* shutdown: records may wait for ring space */
	/* Called when the ring is full while draining (replay empties it inline). */
	void (*ring_full_hook)(void *arg);
	void *ring_full_arg;
	uint32_t n_pending;
	struct gw_pending_ref *pending; /* flows holding an ext, pending_capacity */
	uint8_t *tls_scratch;   /* record-layer concatenation, reasm max_bytes */
	struct gw_dns_bind *bind;      /* name -> addresses learned from DNS answers */
	struct gw_dns_msg *dns_msg;    /* parse scratch (large: not on the stack) */
	struct gw_dns_chain *dns_chain;
	uint32_t tls_scratch_size;
	uint16_t tx_n[GW_NB_PORTS];
	struct rte_mbuf *tx[GW_NB_PORTS][GW_TX_BUF];
	struct gw_worker_stats st;
};

struct gw_worker *gw_worker_create(const struct gw_worker_cfg *cfg);
void gw_worker_free(struct gw_worker *w);

/* Processes a burst received on port_in (GW_PORT_LAN / GW_PORT_WAN) at now_ns. */
void gw_worker_process(struct gw_worker *w, uint16_t port_in,
		       struct rte_mbuf **pkts, uint16_t n, uint64_t now_ns);
/* Sends what the burst produced (call after each gw_worker_process). */
void gw_worker_flush(struct gw_worker *w);
/* Timers: pending-flow deadlines and an incremental idle sweep. */
void gw_worker_timers(struct gw_worker *w, uint64_t now_ns, unsigned int budget);
/* Applies the control plane's commands (bindings, verification results). */
void gw_worker_commands(struct gw_worker *w, uint64_t now_ns);
/* Ends every flow (END records with cause shutdown), frees held packets. */
void gw_worker_drain(struct gw_worker *w, uint64_t now_ns);

/* True if the flow table holds the packet's flow with `src` as its client. */
int gw_worker_flow_side(struct gw_worker *w, const uint8_t *frame,
			uint32_t len);

#endif /* GW_WORKER_H */
