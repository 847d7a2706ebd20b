/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_NEIGH_H
#define GW_NEIGH_H

/*
 * Neighbour cache of one worker (ARP and ND alike): (interface, IPv4/IPv6
 * address) -> MAC, with states INCOMPLETE (being resolved, packets queued),
 * REACHABLE (confirmed within reachable_ms) and STALE (older, or learned
 * unconfirmed: used as is, re-probed on use). Capacity-bounded hash; when
 * full, the least recently used entry that is not INCOMPLETE is evicted
 * (counted). Packets waiting for resolution are opaque pointers (the worker
 * stores mbufs) in a bounded queue: at most queue_per_entry per entry and
 * queue_global in all. Time comes only from arguments (ns). Everything is
 * allocated by gw_neigh_create(); nothing afterwards. Not thread-safe: one
 * cache per worker.
 */
#include <stdbool.h>
#include <stdint.h>

#include "common/gw_addr.h"
#include "l3/gw_l2.h"

enum gw_neigh_state {
	GW_NEIGH_NONE = 0, /* no entry */
	GW_NEIGH_INCOMPLETE,
	GW_NEIGH_REACHABLE,
	GW_NEIGH_STALE,
};

struct gw_neigh_cfg {
	uint32_t capacity;        /* entries (>= 1) */
	uint32_t reachable_ms;    /* REACHABLE lifetime; 0: default 300000 */
	uint32_t retrans_ms;      /* probe interval; 0: default 1000 */
	uint32_t max_probes;      /* probes before failing; 0: default 3 */
	uint32_t queue_per_entry; /* 0: default 4 */
	uint32_t queue_global;    /* 0: default 1024 */
};

/* What gw_neigh_resolve() tells the caller to do with the packet. */
enum gw_neigh_action {
	GW_NEIGH_SEND = 0,      /* send to mac now */
	GW_NEIGH_SEND_PROBE,    /* send to mac now and send a unicast probe to mac */
	GW_NEIGH_QUEUED,        /* the cache holds the packet until resolution */
	GW_NEIGH_QUEUED_PROBE,  /* held; send a broadcast/multicast probe now */
	GW_NEIGH_DROP_FULL,     /* not held: drop with neigh_queue_full */
};

struct gw_neigh_cbs {
	/* Send a probe (ARP request / NS) for ip on ifidx; mac NULL: broadcast
	 * (ARP) or solicited-node multicast (ND), else unicast to mac. */
	void (*probe)(void *ctx, uint16_t ifidx, const struct gw_addr *ip,
		      const uint8_t *mac);
	/* A queued packet is released for sending to mac, in queue order. */
	void (*send)(void *ctx, void *pkt, const uint8_t mac[GW_ETH_ALEN]);
	/* A queued packet is handed back to be dropped (reason is a
	 * GW_REASON_* value: neigh_unresolved). */
	void (*drop)(void *ctx, void *pkt, unsigned int reason);
};

struct gw_neigh_stats {
	uint64_t entries;     /* current */
	uint64_t queued;      /* packets held now */
	uint64_t evictions;   /* LRU evictions at capacity */
	uint64_t failed;      /* resolutions that failed after max_probes */
	uint64_t unresolved;  /* packets returned for drop as neigh_unresolved */
	uint64_t queue_full;  /* packets refused (per-entry, global or table full) */
	uint64_t probes;      /* probes requested */
};

struct gw_neigh_info {
	uint8_t state;        /* enum gw_neigh_state */
	uint8_t mac[GW_ETH_ALEN];
	uint32_t probes;      /* probes sent in the current round */
	uint32_t queued;
};

struct gw_neigh;

/* NULL on bad cfg (capacity 0) or out of memory. */
struct gw_neigh *gw_neigh_create(const struct gw_neigh_cfg *cfg);
/* Accepts NULL. Queued packets must be returned first (gw_neigh_flush). */
void gw_neigh_free(struct gw_neigh *n);

/*
 * Next hop ip on ifidx for pkt at now_ns. REACHABLE: SEND (mac filled). A
 * REACHABLE entry past reachable_ms becomes STALE; STALE: SEND_PROBE the
 * first time (the caller probes mac; further probes come from
 * gw_neigh_timers), SEND afterwards. Miss: a new INCOMPLETE entry holding
 * pkt, QUEUED_PROBE. INCOMPLETE: QUEUED, or DROP_FULL when the entry holds
 * queue_per_entry packets, queue_global are held in all, or (miss) every
 * entry of a full table is INCOMPLETE. pkt must not be NULL.
 */
enum gw_neigh_action gw_neigh_resolve(struct gw_neigh *n, uint16_t ifidx,
				      const struct gw_addr *ip, void *pkt,
				      uint64_t now_ns,
				      uint8_t mac[GW_ETH_ALEN]);

/*
 * Learns ip -> mac on ifidx from an ARP packet or NA. confirmed: a reply
 * to our probe or a solicited NA (-> REACHABLE); otherwise (gratuitous ARP,
 * a request for us, unsolicited NA) the entry becomes STALE if the MAC
 * changed and keeps its state if not. An INCOMPLETE entry takes the MAC
 * and its queued packets go to cbs->send in order. create: make an entry
 * (STALE, or REACHABLE when confirmed) when none exists (evicting as
 * resolve does); else only existing entries are updated. Returns the new
 * state, GW_NEIGH_NONE when nothing was stored.
 */
enum gw_neigh_state gw_neigh_update(struct gw_neigh *n, uint16_t ifidx,
				    const struct gw_addr *ip,
				    const uint8_t mac[GW_ETH_ALEN],
				    bool confirmed, bool create,
				    uint64_t now_ns,
				    const struct gw_neigh_cbs *cbs, void *ctx);

/*
 * Timer step: every entry being probed whose last probe is retrans_ms old
 * gets another probe (cbs->probe), until max_probes were sent; one
 * retrans_ms after the last probe an INCOMPLETE entry fails (its packets
 * go to cbs->drop with GW_REASON_NEIGH_UNRESOLVED, in order) and is
 * removed, a STALE one is removed. Returns the number of probes plus
 * failures.
 */
int gw_neigh_timers(struct gw_neigh *n, uint64_t now_ns,
		    const struct gw_neigh_cbs *cbs, void *ctx);

/* Returns every queued packet to cbs->drop (reason neigh_unresolved) and
 * empties the cache (shutdown, interface change). */
void gw_neigh_flush(struct gw_neigh *n, const struct gw_neigh_cbs *cbs,
		    void *ctx);

/* State of one entry (no side effect on LRU or aging). GW_OK / GW_ENOENT. */
int gw_neigh_lookup(const struct gw_neigh *n, uint16_t ifidx,
		    const struct gw_addr *ip, struct gw_neigh_info *info);

void gw_neigh_get_stats(const struct gw_neigh *n, struct gw_neigh_stats *st);

#endif /* GW_NEIGH_H */
