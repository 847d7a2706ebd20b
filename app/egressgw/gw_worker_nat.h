/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_WORKER_NAT_H
#define GW_WORKER_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "flow/gw_flow.h"
#include "pkt/gw_pkt.h"
#include "policy/gw_policy.h"

/*
 * The worker in nat mode (gateway.mode: nat): the DMZ's router. Around the
 * same flow pipeline as bridge mode, this adds
 *   - on receive (gw_wnat_rx): ARP and IPv6 ND for the gateway's addresses
 *     (each LAN VLAN, the WAN, the SNAT pool), ICMP echo to them, the
 *     source check of each VLAN, the TTL / hop limit step with ICMP time
 *     exceeded, and the reverse translation of WAN packets to a pool
 *     address (mapping lookup, or hand-off to the worker that owns the
 *     port); then the packet goes through the pipeline with inside
 *     addresses, keyed without VLAN (subnets do not overlap);
 *   - on transmit (gw_wnat_emit, instead of bridging to the other port):
 *     the route (connected VLAN subnets, else the WAN next hop), SNAT of
 *     IPv4 leaving by the WAN (the flow's mapping, ICMP errors by their
 *     quoted packet), the Ethernet header of the egress interface (tag of
 *     the VLAN, or none), the neighbour's MAC (ARP / ND, packets queued
 *     while it resolves);
 *   - per flow: the mapping taken when a flow that leaves by the WAN is
 *     allowed or held (GW_FLOW_F_NAT), let go when it ends; mapping
 *     create / delete records (EVE "nat" events);
 *   - timers: neighbour probes and failures, mapping expiry, gratuitous ARP
 *     (and unsolicited NA) at start by worker 0.
 */

struct gw_worker;
struct gw_wnat;

/*
 * An element of a worker's hand-off ring: a WAN frame whose mapping that
 * worker owns, or a copy of an ARP / ND frame another worker received
 * (every worker keeps its own neighbour cache: each learns from it, only
 * the receiver answers).
 */
struct gw_handoff {
	struct rte_mbuf *m;
	uint16_t port;          /* GW_PORT_LAN / GW_PORT_WAN it came in on */
	uint8_t learn_only;
	uint8_t pad[5];
};

#define GW_HANDOFF_RING 4096    /* elements per worker ring */

struct gw_wnat_cfg {
	const struct gw_policy *policy;  /* mode nat */
	unsigned int worker;
	unsigned int n_workers;
	uint8_t mac[2][6];               /* LAN, WAN port MACs */
	struct rte_ring **handoff;       /* n_workers rings of struct gw_handoff, MP/SC */
};

/* Counters of the nat-mode path (the daemon's "nat" stats section). */
struct gw_wnat_stats {
	uint64_t arp_in;        /* ARP frames handled */
	uint64_t arp_replies;   /* ARP replies sent for our addresses */
	uint64_t nd_replies;    /* NA sent for our addresses */
	uint64_t probes;        /* ARP requests / NS sent to resolve */
	uint64_t echo_replies;
	uint64_t ttl_exceeded;  /* ICMP time exceeded sent */
	uint64_t handoff_out;   /* WAN packets handed to the owning worker */
	uint64_t handoff_in;
	uint64_t translated_out;
	uint64_t translated_in;
	uint64_t garp;          /* gratuitous ARP / unsolicited NA sent */
};

struct gw_wnat *gw_wnat_create(const struct gw_wnat_cfg *c);
/* Frees; packets still queued for resolution are dropped through w. */
void gw_wnat_free(struct gw_wnat *n, struct gw_worker *w);

/*
 * A received frame (meta from gw_pkt_parse, status OK). Returns true when
 * the frame was consumed here (answered, handed off, dropped), false when
 * it goes on through the pipeline; meta is then that of the (possibly
 * translated) frame.
 */
bool gw_wnat_rx(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
		struct gw_pkt_meta *meta);
/* Transmits a routed or built IP frame: route, SNAT, L2, neighbour. */
void gw_wnat_emit(struct gw_worker *w, struct rte_mbuf *m);
/*
 * A new flow that the policy did not deny: takes its SNAT mapping when it
 * leaves by the WAN (IPv4). 0, or a reason to deny it (nat_exhausted,
 * nat_no_mapping for ICMP that cannot be translated).
 */
unsigned int gw_wnat_flow_start(struct gw_worker *w, struct gw_flow *f,
				const struct gw_pkt_meta *meta);
void gw_wnat_flow_end(struct gw_worker *w, struct gw_flow *f);
/* The translated source of a flow holding a mapping; false when none. */
bool gw_wnat_snat(struct gw_worker *w, const struct gw_flow *f,
		  struct gw_addr *addr, uint16_t *port);
/* The VLAN of an inside address (its connected LAN subnet), 0 when none. */
uint16_t gw_wnat_vlan_of(const struct gw_wnat *n, const struct gw_addr *a);
void gw_wnat_timers(struct gw_worker *w, uint64_t now_ns);
/* WAN frames other workers handed to this one; returns how many. */
unsigned int gw_wnat_handoff_poll(struct gw_worker *w, uint64_t now_ns);
const struct gw_wnat_stats *gw_wnat_get_stats(const struct gw_wnat *n);
/* Mapping and neighbour counters as JSON (the daemon's stats). */
struct json_t *gw_wnat_stats_json(const struct gw_wnat *n);

#endif /* GW_WORKER_NAT_H */
