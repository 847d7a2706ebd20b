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
#include "dns/gw_dns_tcp.h"
#include "http/gw_http_conn.h"
#include "flow/gw_flow.h"
#include "flow/gw_flow_ext.h"
#include "match/gw_match.h"
#include "policy/gw_policy.h"
#include "record/gw_record.h"

#include "gw_evidence.h"

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
	uint64_t records_update; /* interim counters of long flows (GW_REC_UPDATE) */
	uint64_t policy_swaps;   /* policy snapshots adopted (reloads) */
	uint64_t policy_version; /* version of the snapshot in use */
	uint64_t flows_revoked;  /* established flows denied by a command (reload, quarantine) */
	uint64_t quarantined_hosts; /* hosts in this worker's quarantine set */
	uint64_t http_requests;  /* later requests of kept-alive connections checked */
	uint64_t insp_exhausted; /* inspection states wanted, none free */
	uint64_t dns_tcp_unparsed; /* DNS/TCP flows not parsed: no framing state */
	uint64_t drops[GW_REASON_MAX];        /* packets dropped, by reason */
	uint64_t deny_flows[GW_REASON_MAX];   /* flows denied, by reason */
} __rte_cache_aligned;

/* Where a worker's output goes: the daemon's tx buffers or replay's pcap. */
typedef uint16_t (*gw_emit_fn)(void *ctx, uint16_t port, struct rte_mbuf **pkts,
			   uint16_t n);

#define GW_WORKER_MAX 64

/*
 * What a reload publishes (the daemon): an immutable policy and one
 * Hyperscan scratch per worker, grown for that policy's databases before
 * the pointer swap. Workers pick the current snapshot up at the start of
 * each burst / timer round and report a quiescent state (rte_rcu_qsbr) at
 * the end of each loop; the control plane frees a replaced snapshot only
 * after every worker has done so.
 */
struct gw_snapshot {
	const struct gw_policy *policy;
	struct gw_match_scratch *scratch[GW_WORKER_MAX];
};

struct gw_worker_cfg {
	unsigned int id;
	unsigned int lcore;
	const struct gw_policy *policy;   /* initial snapshot */
	struct rte_mempool *pool;         /* for resets */
	struct rte_ring *ring;            /* records to the control plane */
	struct rte_ring *cmd_ring;        /* commands from it (NULL: none, replay) */
	/* Where the current snapshot is published (NULL: the policy above is
	 * fixed, replay). The snapshot's scratch[id] replaces the worker's own. */
	struct gw_snapshot *const *snap_src;
	uint64_t verify_timeout_ns;       /* 0: no live verification (replay) */
	uint64_t update_interval_ns;      /* interim records of long flows; 0: none */
	struct gw_evidence_tap *evid;     /* evidence copies (NULL: none) */
	uint16_t port_ids[GW_NB_PORTS];   /* DPDK port ids, for the copies */
	/* nat mode (policy gateway.mode: nat) */
	uint8_t port_mac[GW_NB_PORTS][6]; /* the ports' MACs */
	unsigned int n_workers;           /* SNAT port partitions */
	struct rte_ring **handoff;        /* n_workers rings: return traffic to its owner */
	gw_emit_fn emit;
	void *emit_ctx;
};

/*
 * State that follows an allowed connection after its verdict (f->insp):
 * the request tracker of a kept-alive HTTP connection, or the framing of
 * DNS over TCP. A fixed pool per worker; a flow takes one only when it
 * needs it.
 */
struct gw_insp_slot {
	struct gw_http_conn http;
	uint32_t text;                  /* head text lent while a later head is read: index + 1 */
	struct gw_dns_tcp_flow *dns;    /* from the worker's dns_tcp pool */
	struct gw_flow_dnsq dnsq;       /* DNS over TCP: the queries answers must match */
	uint32_t next_free;
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
	GW_CMD_QUARANTINE,      /* addrs[0]: drop its egress, revoke its flows */
	GW_CMD_RELEASE,         /* addrs[0]: end its quarantine */
	GW_CMD_REVOKE_FLOW,     /* deny an established flow (flow key below) */
	GW_CMD_EVIDENCE,        /* addrs[0]: copy its packets until until_ns */
};

/* The flow a GW_CMD_REVOKE_FLOW names, as its records gave it. */
struct gw_cmd_flow {
	struct gw_addr src;
	struct gw_addr dst;
	uint16_t sport;
	uint16_t dport;
	uint16_t vlan_outer;
	uint16_t vlan_inner;
	uint8_t proto;
	uint8_t reason;         /* enum gw_reason, e.g. policy_revoked */
	uint64_t flow_id;       /* must still match: a reused tuple is left alone */
};

/* DNS-over-TCP flows parsed at once per worker (4 KiB per direction each). */
#define GW_DNS_TCP_FLOWS 256

/*
 * Flows in a worker's table from which its bursts are pipelined with the
 * long prefetch distances (gw_worker.c, docs/performance.md). Default of
 * gw_worker.pipe_deep_flows; the benchmark moves it (--pipe-deep-flows).
 */
#define GW_PIPE_DEEP_FLOWS 200000

/* Hosts a worker can hold in quarantine (open addressing, 2x slots). */
#define GW_QUARANTINE_MAX 1024

#define GW_CMD_ADDRS 16

struct gw_cmd {
	uint8_t type;           /* enum gw_cmd_type */
	uint8_t pad;
	uint16_t n_addrs;
	uint32_t ttl;
	char name[GW_REC_NAME_MAX];     /* normalised, NUL-terminated */
	struct gw_addr addrs[GW_CMD_ADDRS];
	struct gw_cmd_flow flow;        /* GW_CMD_REVOKE_FLOW */
	uint64_t until_ns;              /* GW_CMD_EVIDENCE, the workers' clock */
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
	uint64_t update_interval_ns;
	struct gw_snapshot *const *snap_src;
	const struct gw_snapshot *snap; /* adopted (NULL: fixed policy) */
	struct gw_evidence_tap *evid;
	uint16_t port_ids[GW_NB_PORTS];
	struct gw_wnat *nat;    /* nat mode path, NULL in bridge mode */
	bool own_scratch;       /* scratch allocated by gw_worker_create */
	struct gw_insp_slot *insp;     /* insp_cap slots */
	uint32_t insp_cap;
	uint32_t insp_free;     /* free list head: index + 1, 0 empty */
	uint32_t insp_used;
	/* Text of the HTTP head being read (method, host), lent to a tracked
	 * connection only while it reads one (gw_http_conn_in_head). */
	struct gw_http_conn_text *texts; /* text_cap */
	uint32_t *text_free;    /* stack of free text indices */
	uint32_t text_cap;
	uint32_t n_text_free;
	struct gw_dns_tcp_pool *dns_tcp;
	uint32_t n_quarantine;
	struct gw_addr *qlist;  /* quarantined hosts, GW_QUARANTINE_MAX */
	uint16_t *qslot;        /* 2 * GW_QUARANTINE_MAX: index in qlist + 1, 0 free */
	gw_emit_fn emit;
	void *emit_ctx;
	uint64_t next_flow_id;
	uint64_t now_ns;        /* time of the burst being processed */
	uint32_t pipe_deep_flows; /* GW_PIPE_DEEP_FLOWS; 0: always deep */
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

/* For the nat-mode path (gw_worker_nat.c): transmit a frame as it is; drop
 * one with a reason (counted); log a mapping created (1) / deleted (2). */
struct gw_nat_map;
void gw_worker_emit_raw(struct gw_worker *w, uint16_t port, struct rte_mbuf *m);
void gw_worker_drop(struct gw_worker *w, struct rte_mbuf *m, unsigned int reason);
void gw_worker_nat_record(struct gw_worker *w, const struct gw_nat_map *map,
			  uint8_t event);
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
