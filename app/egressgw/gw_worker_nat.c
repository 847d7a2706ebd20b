/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's nat-mode path (see gw_worker_nat.h): L2/L3 of a router on a
 * VLAN trunk and a WAN port, and SNAT to the pool. Owned by one worker
 * lcore like the rest of struct gw_worker; nothing allocated per packet
 * except the mbufs of the frames the gateway itself answers with.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "l3/gw_arp.h"
#include "l3/gw_icmp_build.h"
#include "l3/gw_l2.h"
#include "l3/gw_l3_if.h"
#include "l3/gw_nd.h"
#include "l3/gw_neigh.h"
#include "nat/gw_nat.h"

#include "gw_worker.h"
#include "gw_worker_nat.h"

#define FRAME_MAX 1600          /* frames the gateway builds (ARP, ICMP) */
#define HANDOFF_BURST 32
#define EXPIRE_BUDGET 256       /* mapping slots examined per timer round */

struct gw_wnat {
	struct gw_l3_ifs ifs;       /* LAN VLANs, then the WAN (ifs.wan) */
	struct gw_nat *nat;
	struct gw_nat_pool_cfg pool;
	uint32_t *pool_addrs;       /* host order, sorted (the policy's order) */
	struct gw_neigh *neigh;
	struct rte_ring **handoff;
	unsigned int worker;
	unsigned int n_workers;
	bool started;               /* gratuitous ARP sent */
	struct gw_wnat_stats st;
};

static bool
is_pool(const struct gw_wnat *n, const struct gw_addr *a)
{
	uint32_t x, lo = 0, hi = n->pool.n_addrs;

	if (!gw_addr_is_v4(a))
		return false;
	x = gw_addr_v4_u32(a);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (n->pool_addrs[mid] == x)
			return true;
		if (n->pool_addrs[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static inline uint16_t
if_port(const struct gw_wnat *n, unsigned int ifidx)
{
	return (int)ifidx == n->ifs.wan ? GW_PORT_WAN : GW_PORT_LAN;
}

uint16_t
gw_wnat_vlan_of(const struct gw_wnat *n, const struct gw_addr *a)
{
	struct gw_l3_route r;

	if (gw_l3_route(&n->ifs, a, &r) != GW_OK || (int)r.ifidx == n->ifs.wan ||
	    memcmp(&r.nexthop, a, sizeof(*a)) != 0)
		return GW_VLAN_NONE;
	return n->ifs.ifs[r.ifidx].encap.vid;
}

/* ---- life cycle ---- */

static void
if_addr(struct gw_l3_if *i, const struct gw_ifaddr *v4, const struct gw_ifaddr *v6)
{
	if (v4->set) {
		i->has_v4 = true;
		i->v4 = v4->addr;
		i->v4_plen = v4->plen;
	}
	if (v6 != NULL && v6->set) {
		i->has_v6 = true;
		i->v6 = v6->addr;
		i->v6_plen = v6->plen;
	}
}

struct gw_wnat *
gw_wnat_create(const struct gw_wnat_cfg *c)
{
	const struct gw_nat_cfg *nc = &c->policy->gw.nat;
	struct gw_neigh_cfg ncfg;
	struct gw_wnat *n = calloc(1, sizeof(*n));
	unsigned int i;

	if (n == NULL)
		return NULL;
	n->worker = c->worker;
	n->n_workers = c->n_workers;
	n->handoff = c->handoff;
	if (nc->n_vlans + 1u > GW_L3_MAX_IFS)
		goto fail;
	for (i = 0; i < nc->n_vlans; i++) {
		struct gw_l3_if *f = &n->ifs.ifs[i];

		f->role = GW_L3_LAN;
		memcpy(f->mac, c->mac[GW_PORT_LAN], 6);
		f->encap.vid = nc->vlans[i].vlan;
		if_addr(f, &nc->vlans[i].addr, &nc->vlans[i].addr6);
	}
	n->ifs.wan = (int)nc->n_vlans;
	n->ifs.ifs[nc->n_vlans].role = GW_L3_WAN;
	memcpy(n->ifs.ifs[nc->n_vlans].mac, c->mac[GW_PORT_WAN], 6);
	if_addr(&n->ifs.ifs[nc->n_vlans], &nc->wan.addr, &nc->wan.addr6);
	n->ifs.n_ifs = nc->n_vlans + 1u;
	n->ifs.has_gw4 = nc->wan.next_hop_set;
	n->ifs.gw4 = nc->wan.next_hop;
	n->ifs.has_gw6 = nc->wan.next_hop6_set;
	n->ifs.gw6 = nc->wan.next_hop6;
	if (gw_l3_ifs_check(&n->ifs) != 0)
		goto fail;

	n->pool_addrs = calloc(nc->pool.n_addrs, sizeof(*n->pool_addrs));
	if (n->pool_addrs == NULL)
		goto fail;
	for (i = 0; i < nc->pool.n_addrs; i++)
		n->pool_addrs[i] = gw_addr_v4_u32(&nc->pool.addrs[i]);
	n->pool.n_addrs = nc->pool.n_addrs;
	n->pool.addrs = n->pool_addrs;
	n->pool.port_lo = nc->pool.port_lo;
	n->pool.port_hi = nc->pool.port_hi;
	n->pool.n_workers = (uint16_t)c->n_workers;
	n->pool.timers.tcp_established = nc->timeouts.tcp_established;
	n->pool.timers.tcp_transitory = nc->timeouts.tcp_transitory;
	n->pool.timers.udp = nc->timeouts.udp;
	n->pool.timers.icmp = nc->timeouts.icmp;
	n->nat = gw_nat_create(&n->pool, c->worker, nc->mappings);

	memset(&ncfg, 0, sizeof(ncfg));
	ncfg.capacity = nc->neigh.capacity;
	ncfg.reachable_ms = nc->neigh.reachable_s * 1000u;
	ncfg.queue_per_entry = nc->neigh.queue_per_entry;
	ncfg.queue_global = nc->neigh.queue_total;
	n->neigh = gw_neigh_create(&ncfg);
	if (n->nat == NULL || n->neigh == NULL)
		goto fail;
	return n;
fail:
	gw_wnat_free(n, NULL);
	return NULL;
}

/* ---- neighbour callbacks (ctx: the worker) ---- */

static struct rte_mbuf *
frame_alloc(struct gw_worker *w, uint8_t **out)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);

	if (m == NULL) {
		w->st.drops[GW_REASON_NO_MBUF]++;
		return NULL;
	}
	*out = (uint8_t *)rte_pktmbuf_append(m, FRAME_MAX);
	if (*out == NULL) {
		rte_pktmbuf_free(m);
		w->st.drops[GW_REASON_NO_MBUF]++;
		return NULL;
	}
	return m;
}

/* Sends the first len bytes of m's FRAME_MAX buffer on port (len <= 0: drop). */
static void
frame_send(struct gw_worker *w, struct rte_mbuf *m, int len, uint16_t port)
{
	if (len <= 0) {
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(FRAME_MAX - len));
	gw_worker_emit_raw(w, port, m);
}

static void
cb_probe(void *ctx, uint16_t ifidx, const struct gw_addr *ip, const uint8_t *mac)
{
	struct gw_worker *w = ctx;
	struct gw_wnat *n = w->nat;
	const struct gw_l3_if *f = &n->ifs.ifs[ifidx];
	struct rte_mbuf *m;
	uint8_t *out;
	int len;

	m = frame_alloc(w, &out);
	if (m == NULL)
		return;
	if (gw_addr_is_v4(ip)) {
		len = f->has_v4 ? gw_arp_build_request(out, FRAME_MAX, &f->encap,
						       f->mac, &f->v4.b[12],
						       &ip->b[12], mac) : 0;
	} else {
		const struct gw_addr *src = f->has_v6_ll ? &f->v6_ll : &f->v6;

		len = f->has_v6 ? gw_nd_build_ns(out, FRAME_MAX, &f->encap, f->mac,
						 src, ip, mac) : 0;
	}
	n->st.probes++;
	frame_send(w, m, len, if_port(n, ifidx));
}

static void
cb_send(void *ctx, void *pkt, const uint8_t mac[GW_ETH_ALEN])
{
	struct gw_worker *w = ctx;
	struct rte_mbuf *m = pkt;

	memcpy(rte_pktmbuf_mtod(m, uint8_t *), mac, GW_ETH_ALEN);
	gw_worker_emit_raw(w, m->port, m);
}

static void
cb_drop(void *ctx, void *pkt, unsigned int reason)
{
	gw_worker_drop(ctx, pkt, reason);
}

static const struct gw_neigh_cbs neigh_cbs = {
	.probe = cb_probe,
	.send = cb_send,
	.drop = cb_drop,
};

void
gw_wnat_free(struct gw_wnat *n, struct gw_worker *w)
{
	if (n == NULL)
		return;
	if (n->neigh != NULL && w != NULL)
		gw_neigh_flush(n->neigh, &neigh_cbs, w);
	gw_neigh_free(n->neigh);
	gw_nat_free(n->nat);
	free(n->pool_addrs);
	free(n);
}

/* ---- receive ---- */

/* The interface a frame came in on: the WAN, or the LAN VLAN of its tag. */
static int
rx_if(const struct gw_wnat *n, uint16_t port_in, const struct gw_pkt_meta *meta)
{
	int i;

	if (port_in == GW_PORT_WAN)
		return n->ifs.wan;
	if (meta->n_tags != 1)
		return -1;
	i = gw_l3_if_by_vid(&n->ifs, meta->vlan_inner);
	return i >= 0 && n->ifs.ifs[i].role == GW_L3_LAN ? i : -1;
}

/*
 * Gives the other workers a copy of a neighbour frame to learn from (their
 * caches resolve the same next hop and hosts). Never waits: a full ring or
 * no mbuf only means that worker probes itself.
 */
static void
share_neigh(struct gw_worker *w, uint16_t port_in, const struct rte_mbuf *m)
{
	struct gw_wnat *n = w->nat;
	unsigned int i;

	if (n->handoff == NULL)
		return;
	for (i = 0; i < n->n_workers; i++) {
		struct gw_handoff h = {.port = port_in, .learn_only = 1};

		if (i == n->worker)
			continue;
		h.m = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
		if (h.m == NULL)
			return;
		if (rte_ring_mp_enqueue_elem(n->handoff[i], &h, sizeof(h)) != 0)
			rte_pktmbuf_free(h.m);
	}
}

static void arp_learn(struct gw_worker *w, uint16_t port_in,
		      struct rte_mbuf *m, const struct gw_pkt_meta *meta,
		      bool answer);
static void nd_learn(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
		     const struct gw_pkt_meta *meta, int i, bool answer);

static void
arp_rx(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
       const struct gw_pkt_meta *meta)
{
	share_neigh(w, port_in, m);
	arp_learn(w, port_in, m, meta, true);
}

static void
arp_learn(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
	  const struct gw_pkt_meta *meta, bool answer)
{
	struct gw_wnat *n = w->nat;
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	const struct gw_l3_if *f;
	struct gw_addr spa, tpa;
	struct gw_arp arp;
	bool ours;
	int i = rx_if(n, port_in, meta);

	if (answer)
		n->st.arp_in++;
	if (i < 0) {
		gw_worker_drop(w, m, GW_REASON_UNKNOWN_VLAN);
		return;
	}
	if (meta->l2_len >= len ||
	    gw_arp_parse(frame + meta->l2_len, len - meta->l2_len, &arp) < 0) {
		gw_worker_drop(w, m, GW_REASON_MALFORMED);
		return;
	}
	f = &n->ifs.ifs[i];
	gw_addr_from_v4(&spa, arp.spa);
	gw_addr_from_v4(&tpa, arp.tpa);
	ours = (f->has_v4 && memcmp(&tpa, &f->v4, sizeof(tpa)) == 0) ||
	       (i == n->ifs.wan && is_pool(n, &tpa));
	/* Learn the sender: a reply to us, or a request for one of ours;
	 * others' chatter only refreshes entries we already have. */
	if (gw_addr_v4_u32(&spa) != 0)
		gw_neigh_update(n->neigh, (uint16_t)i, &spa, arp.sha,
				arp.op == GW_ARP_OP_REPLY && ours, ours,
				w->now_ns, &neigh_cbs, w);
	if (answer && arp.op == GW_ARP_OP_REQUEST && ours &&
	    !gw_arp_is_gratuitous(&arp)) {
		struct rte_mbuf *r;
		uint8_t *out;

		r = frame_alloc(w, &out);
		if (r != NULL) {
			n->st.arp_replies++;
			frame_send(w, r,
				   gw_arp_build_reply(out, FRAME_MAX, &f->encap,
						      f->mac, arp.tpa, &arp),
				   port_in);
		}
	}
	rte_pktmbuf_free(m);
}

static void
nd_rx(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
      const struct gw_pkt_meta *meta, int i)
{
	share_neigh(w, port_in, m);
	nd_learn(w, port_in, m, meta, i, true);
}

static void
nd_learn(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
	 const struct gw_pkt_meta *meta, int i, bool answer)
{
	struct gw_wnat *n = w->nat;
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	const struct gw_l3_if *f = &n->ifs.ifs[i];
	struct gw_addr target;
	struct gw_nd nd;

	if (meta->l4_off >= len ||
	    gw_nd_parse(frame + meta->l4_off, len - meta->l4_off, &meta->src,
			&meta->dst, meta->ttl, &nd) < 0) {
		/* RS/RA/redirect: no router advertisements here (static addressing). */
		gw_worker_drop(w, m, GW_REASON_NOT_FOR_US);
		return;
	}
	memcpy(target.b, nd.target, 16);
	if (nd.lladdr != NULL && !gw_addr_is_v4(&meta->src) &&
	    meta->src.b[0] != 0)
		gw_neigh_update(n->neigh, (uint16_t)i,
				nd.type == GW_ND_NA ? &target : &meta->src,
				nd.lladdr,
				nd.type == GW_ND_NA &&
					(nd.flags & GW_ND_NA_SOLICITED) != 0,
				gw_l3_is_local_on(&n->ifs, (unsigned int)i, &target),
				w->now_ns, &neigh_cbs, w);
	if (answer && nd.type == GW_ND_NS &&
	    gw_l3_is_local_on(&n->ifs, (unsigned int)i, &target)) {
		struct rte_mbuf *r;
		uint8_t *out;

		r = frame_alloc(w, &out);
		if (r != NULL) {
			n->st.nd_replies++;
			frame_send(w, r,
				   gw_nd_build_na_reply(out, FRAME_MAX, &f->encap,
							f->mac, &nd, &meta->src,
							frame + 6),
				   port_in);
		}
	}
	rte_pktmbuf_free(m);
}

/* A packet for one of our addresses: echo is answered, the rest dropped. */
static void
local_rx(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
	 const struct gw_pkt_meta *meta)
{
	struct gw_wnat *n = w->nat;
	bool echo = (meta->af == GW_AF_INET && meta->proto == GW_PROTO_ICMP &&
		     meta->icmp_type == 8) ||
		    (meta->af == GW_AF_INET6 && meta->proto == GW_PROTO_ICMPV6 &&
		     meta->icmp_type == 128);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	int len;

	if (!echo || is_pool(n, &meta->dst)) {
		gw_worker_drop(w, m, GW_REASON_NOT_FOR_US);
		return;
	}
	/* In place: the request becomes its reply (MACs swapped, tags kept). */
	len = gw_icmp_build_echo_reply(frame, rte_pktmbuf_data_len(m), meta,
				       frame, rte_pktmbuf_data_len(m));
	if (len <= 0) {
		gw_worker_drop(w, m, GW_REASON_MALFORMED);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - len));
	n->st.echo_replies++;
	gw_worker_emit_raw(w, port_in, m);
}

/* The packet would leave with TTL 0: time exceeded to its sender. */
static void
ttl_expired(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
	    const struct gw_pkt_meta *meta, int i)
{
	struct gw_wnat *n = w->nat;
	struct gw_addr src;
	struct rte_mbuf *r;
	uint8_t *out;

	if (gw_l3_if_addr(&n->ifs, (unsigned int)i, meta->af, &src) == 0 &&
	    (r = frame_alloc(w, &out)) != NULL) {
		int len = gw_icmp_build_time_exceeded(
			rte_pktmbuf_mtod(m, const uint8_t *),
			rte_pktmbuf_data_len(m), meta, &src, out, FRAME_MAX);

		if (len > 0)
			n->st.ttl_exceeded++;
		frame_send(w, r, len, port_in);
	}
	gw_worker_drop(w, m, GW_REASON_TTL_EXCEEDED);
}

/*
 * A WAN packet to a pool address: back to the inside endpoint of its
 * mapping (the owner worker's table; others hand it over).
 */
static bool
denat(struct gw_worker *w, struct rte_mbuf *m, struct gw_pkt_meta *meta)
{
	struct gw_wnat *n = w->nat;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	const struct gw_addr *ext = meta->is_icmp_error ? &meta->inner_src
							: &meta->dst;
	uint8_t proto = meta->is_icmp_error ? meta->inner_proto : meta->proto;
	uint16_t port = meta->is_icmp_error ? meta->inner_sport : meta->dport;
	struct gw_nat_map *map;
	int owner, rc;

	if (meta->is_icmp_error && !is_pool(n, ext)) {
		gw_worker_drop(w, m, GW_REASON_NAT_NO_MAPPING);
		return false;
	}
	owner = gw_nat_owner(&n->pool, gw_addr_v4_u32(ext), port);
	if (owner >= 0 && (unsigned int)owner != n->worker && n->handoff != NULL) {
		struct gw_handoff h = {.m = m, .port = GW_PORT_WAN};

		if (rte_ring_mp_enqueue_elem(n->handoff[owner], &h, sizeof(h)) != 0) {
			gw_worker_drop(w, m, GW_REASON_HANDOFF_FULL);
		} else {
			n->st.handoff_out++;
			w->st.rx_packets--; /* counted again by the owner */
		}
		return false;
	}
	map = gw_nat_lookup_out(n->nat, proto, gw_addr_v4_u32(ext), port);
	if (map == NULL) {
		gw_worker_drop(w, m, GW_REASON_NAT_NO_MAPPING);
		return false;
	}
	rc = meta->is_icmp_error ?
		     gw_nat_translate_icmp_error_in(map, frame + meta->l3_off,
						    len - meta->l3_off, meta) :
		     gw_nat_translate_in(map, frame + meta->l3_off,
					 len - meta->l3_off, meta);
	if (rc < 0 ||
	    gw_pkt_parse(frame, len, false, 0, meta) != GW_PKT_OK) {
		gw_worker_drop(w, m, GW_REASON_MALFORMED);
		return false;
	}
	gw_nat_touch(map, w->now_ns);
	n->st.translated_in++;
	return true;
}

bool
gw_wnat_rx(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
	   struct gw_pkt_meta *meta)
{
	struct gw_wnat *n = w->nat;
	struct gw_l3_route r;
	enum gw_l3_local_kind kind;
	int i, ttl;

	if ((m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0) {
		/* Frames are rewritten in place: the tag must be in band. */
		gw_worker_drop(w, m, GW_REASON_MALFORMED);
		return true;
	}
	if (meta->kind == GW_PKT_ARP) {
		arp_rx(w, port_in, m, meta);
		return true;
	}
	if (meta->kind != GW_PKT_IP)
		return false; /* non_ip, by the pipeline */
	i = rx_if(n, port_in, meta);
	if (i < 0) {
		gw_worker_drop(w, m, GW_REASON_UNKNOWN_VLAN);
		return true;
	}
	if (meta->is_nd) {
		nd_rx(w, port_in, m, meta, i);
		return true;
	}
	if (gw_l3_is_local(&n->ifs, &meta->dst, &kind) >= 0 && !is_pool(n, &meta->dst)) {
		local_rx(w, port_in, m, meta);
		return true;
	}
	if (port_in == GW_PORT_LAN) {
		const struct gw_l3_if *f = &n->ifs.ifs[i];
		bool v4 = meta->af == GW_AF_INET;
		struct gw_cidr net;

		if (v4 ? !f->has_v4 : !f->has_v6) {
			/* No such family on this VLAN (e.g. IPv6 chatter). */
			gw_worker_drop(w, m, GW_REASON_NOT_FOR_US);
			return true;
		}
		/* Only what its VLAN may send (uRPF-like); the compare
		 * ignores the host bits of the interface address. */
		net.addr = v4 ? f->v4 : f->v6;
		net.plen = (uint8_t)(v4 ? 96u + f->v4_plen : f->v6_plen);
		if (!gw_cidr_contains(&net, &meta->src)) {
			gw_worker_drop(w, m, GW_REASON_BAD_SOURCE);
			return true;
		}
	} else if (meta->af == GW_AF_INET) {
		if (!is_pool(n, &meta->dst)) {
			gw_worker_drop(w, m, GW_REASON_NOT_FOR_US);
			return true;
		}
		if (!denat(w, m, meta))
			return true;
	}
	if (gw_l3_route(&n->ifs, &meta->dst, &r) != GW_OK) {
		gw_worker_drop(w, m, GW_REASON_NO_ROUTE);
		return true;
	}
	ttl = gw_l3_ttl_decrement(rte_pktmbuf_mtod_offset(m, uint8_t *,
							   meta->l3_off),
				  rte_pktmbuf_data_len(m) - meta->l3_off,
				  meta->af);
	if (ttl <= 0) {
		ttl_expired(w, port_in, m, meta, i);
		return true;
	}
	meta->ttl = (uint8_t)ttl;
	return false;
}

/* ---- transmit ---- */

/* Puts an Ethernet header for interface f in front of the IP header. */
static bool
l2_rewrite(struct rte_mbuf *m, const struct gw_pkt_meta *meta,
	   const struct gw_l3_if *f)
{
	int hl = gw_l2_hdr_len(&f->encap);
	uint8_t zero[GW_ETH_ALEN] = {0};

	if (hl < 0)
		return false;
	if (hl > meta->l3_off) {
		if (rte_pktmbuf_prepend(m, (uint16_t)(hl - meta->l3_off)) == NULL)
			return false;
	} else if (hl < meta->l3_off) {
		rte_pktmbuf_adj(m, (uint16_t)(meta->l3_off - hl));
	}
	m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN_STRIPPED | RTE_MBUF_F_TX_VLAN);
	return gw_l2_write(rte_pktmbuf_mtod(m, uint8_t *), (size_t)hl, zero,
			   f->mac, &f->encap,
			   meta->af == GW_AF_INET ? GW_ETHERTYPE_IPV4
						  : GW_ETHERTYPE_IPV6) == hl;
}

static struct gw_nat_map *
out_mapping(struct gw_wnat *n, const struct gw_pkt_meta *meta)
{
	if (meta->is_icmp_error)
		/* An inside host's error about a packet it received. */
		return gw_nat_lookup_in(n->nat, meta->inner_proto,
					gw_addr_v4_u32(&meta->inner_dst), meta->inner_dport);
	return gw_nat_lookup_in(n->nat, meta->proto, gw_addr_v4_u32(&meta->src),
				meta->sport);
}

void
gw_wnat_emit(struct gw_worker *w, struct rte_mbuf *m)
{
	struct gw_wnat *n = w->nat;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	uint8_t mac[GW_ETH_ALEN];
	struct gw_pkt_meta meta;
	struct gw_l3_route r;
	enum gw_neigh_action act;

	if (gw_pkt_parse(frame, len, false, 0, &meta) != GW_PKT_OK ||
	    meta.kind != GW_PKT_IP) {
		gw_worker_drop(w, m, GW_REASON_MALFORMED);
		return;
	}
	if (gw_l3_route(&n->ifs, &meta.dst, &r) != GW_OK) {
		gw_worker_drop(w, m, GW_REASON_NO_ROUTE);
		return;
	}
	if ((int)r.ifidx == n->ifs.wan && meta.af == GW_AF_INET &&
	    gw_l3_is_local(&n->ifs, &meta.src, NULL) < 0) {
		struct gw_nat_map *map = out_mapping(n, &meta);
		int rc;

		if (map == NULL) {
			gw_worker_drop(w, m, GW_REASON_NAT_NO_MAPPING);
			return;
		}
		rc = meta.is_icmp_error ?
			     gw_nat_translate_icmp_error_out(map,
							     frame + meta.l3_off,
							     len - meta.l3_off, &meta) :
			     gw_nat_translate_out(map, frame + meta.l3_off,
						  len - meta.l3_off, &meta);
		if (rc < 0) {
			gw_worker_drop(w, m, GW_REASON_NAT_NO_MAPPING);
			return;
		}
		gw_nat_touch(map, w->now_ns);
		n->st.translated_out++;
	}
	if (!l2_rewrite(m, &meta, &n->ifs.ifs[r.ifidx])) {
		gw_worker_drop(w, m, GW_REASON_NO_MBUF);
		return;
	}
	m->port = if_port(n, r.ifidx);
	act = gw_neigh_resolve(n->neigh, (uint16_t)r.ifidx, &r.nexthop, m,
			       w->now_ns, mac);
	switch (act) {
	case GW_NEIGH_SEND:
	case GW_NEIGH_SEND_PROBE:
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), mac, GW_ETH_ALEN);
		gw_worker_emit_raw(w, m->port, m);
		if (act == GW_NEIGH_SEND_PROBE)
			cb_probe(w, (uint16_t)r.ifidx, &r.nexthop, mac);
		break;
	case GW_NEIGH_QUEUED:
		break;
	case GW_NEIGH_QUEUED_PROBE:
		cb_probe(w, (uint16_t)r.ifidx, &r.nexthop, NULL);
		break;
	default:
		gw_worker_drop(w, m, GW_REASON_NEIGH_QUEUE_FULL);
		break;
	}
}

/* ---- flows ---- */

static inline const struct gw_addr *
client_addr(const struct gw_flow *f)
{
	return &f->key.addr[f->client_idx];
}

unsigned int
gw_wnat_flow_start(struct gw_worker *w, struct gw_flow *f,
		   const struct gw_pkt_meta *meta)
{
	struct gw_wnat *n = w->nat;
	struct gw_nat_map *map;
	struct gw_l3_route r;
	int rc;

	if (meta->af != GW_AF_INET ||
	    gw_l3_route(&n->ifs, &meta->dst, &r) != GW_OK ||
	    (int)r.ifidx != n->ifs.wan)
		return 0; /* stays inside, or IPv6: routed untranslated */
	if (meta->proto == GW_PROTO_ICMP && meta->icmp_type != 8)
		return GW_REASON_NAT_NO_MAPPING;
	rc = gw_nat_acquire(n->nat, meta->proto, gw_addr_v4_u32(&meta->src), meta->sport,
			    w->now_ns, &map);
	if (rc == GW_ENOSPC)
		return GW_REASON_NAT_EXHAUSTED;
	if (rc < 0)
		return GW_REASON_NAT_NO_MAPPING;
	f->flags |= GW_FLOW_F_NAT;
	if (rc == 1)
		gw_worker_nat_record(w, map, 1);
	return 0;
}

void
gw_wnat_flow_end(struct gw_worker *w, struct gw_flow *f)
{
	struct gw_nat_map *map;

	if ((f->flags & GW_FLOW_F_NAT) == 0)
		return;
	f->flags &= (uint8_t)~GW_FLOW_F_NAT;
	map = gw_nat_lookup_in(w->nat->nat, f->key.proto, gw_addr_v4_u32(client_addr(f)),
			       f->key.port[f->client_idx]);
	if (map != NULL)
		gw_nat_unref(map, f->tcp_state == GW_TCP_ESTABLISHED);
}

bool
gw_wnat_snat(struct gw_worker *w, const struct gw_flow *f, struct gw_addr *addr,
	     uint16_t *port)
{
	const struct gw_nat_map *map;

	if ((f->flags & GW_FLOW_F_NAT) == 0)
		return false;
	map = gw_nat_lookup_in(w->nat->nat, f->key.proto, gw_addr_v4_u32(client_addr(f)),
			       f->key.port[f->client_idx]);
	if (map == NULL)
		return false;
	gw_addr_from_v4_u32(addr, map->ext_addr);
	*port = map->ext_port;
	return true;
}

/* ---- timers ---- */

static void
expired_map(const struct gw_nat_map *m, void *arg)
{
	gw_worker_nat_record(arg, m, 2);
}

/* Worker 0 announces every address the gateway answers for. */
static void
announce(struct gw_worker *w)
{
	struct gw_wnat *n = w->nat;
	unsigned int i;

	for (i = 0; i < n->ifs.n_ifs; i++) {
		const struct gw_l3_if *f = &n->ifs.ifs[i];
		uint16_t port = if_port(n, i);
		struct rte_mbuf *m;
		uint8_t *out;

		if (f->has_v4 && (m = frame_alloc(w, &out)) != NULL) {
			n->st.garp++;
			frame_send(w, m,
				   gw_arp_build_gratuitous(out, FRAME_MAX, &f->encap,
							   f->mac, &f->v4.b[12]),
				   port);
		}
		if (f->has_v6 && (m = frame_alloc(w, &out)) != NULL) {
			n->st.garp++;
			frame_send(w, m,
				   gw_nd_build_unsolicited_na(out, FRAME_MAX,
							      &f->encap, f->mac,
							      &f->v6),
				   port);
		}
	}
	for (i = 0; i < n->pool.n_addrs && i < 64; i++) {
		const struct gw_l3_if *f = &n->ifs.ifs[n->ifs.wan];
		uint8_t ip[4] = {
			(uint8_t)(n->pool_addrs[i] >> 24),
			(uint8_t)(n->pool_addrs[i] >> 16),
			(uint8_t)(n->pool_addrs[i] >> 8), (uint8_t)n->pool_addrs[i],
		};
		struct rte_mbuf *m;
		uint8_t *out;

		if ((m = frame_alloc(w, &out)) == NULL)
			break;
		n->st.garp++;
		frame_send(w, m,
			   gw_arp_build_gratuitous(out, FRAME_MAX, &f->encap,
						   f->mac, ip),
			   GW_PORT_WAN);
	}
}

void
gw_wnat_timers(struct gw_worker *w, uint64_t now_ns)
{
	struct gw_wnat *n = w->nat;

	if (!n->started) {
		n->started = true;
		if (n->worker == 0)
			announce(w);
	}
	gw_neigh_timers(n->neigh, now_ns, &neigh_cbs, w);
	gw_nat_expire(n->nat, now_ns, EXPIRE_BUDGET, expired_map, w);
}

/* A neighbour frame another worker received: learn, never answer. */
static void
learn_copy(struct gw_worker *w, uint16_t port, struct rte_mbuf *m,
	   uint64_t now_ns)
{
	struct gw_pkt_meta meta;
	int i;

	w->now_ns = now_ns;
	if (gw_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *),
			 rte_pktmbuf_data_len(m), false, 0, &meta) != GW_PKT_OK) {
		rte_pktmbuf_free(m);
		return;
	}
	if (meta.kind == GW_PKT_ARP) {
		arp_learn(w, port, m, &meta, false);
		return;
	}
	i = rx_if(w->nat, port, &meta);
	if (meta.kind == GW_PKT_IP && meta.is_nd && i >= 0)
		nd_learn(w, port, m, &meta, i, false);
	else
		rte_pktmbuf_free(m);
}

unsigned int
gw_wnat_handoff_poll(struct gw_worker *w, uint64_t now_ns)
{
	struct gw_wnat *n = w->nat;
	struct gw_handoff h[HANDOFF_BURST];
	unsigned int k, i;

	if (n->handoff == NULL)
		return 0;
	k = rte_ring_sc_dequeue_burst_elem(n->handoff[n->worker], h, sizeof(h[0]),
					   HANDOFF_BURST, NULL);
	for (i = 0; i < k; i++) {
		if (h[i].learn_only) {
			learn_copy(w, h[i].port, h[i].m, now_ns);
			continue;
		}
		n->st.handoff_in++;
		gw_worker_process(w, h[i].port, &h[i].m, 1, now_ns);
	}
	if (k > 0)
		gw_worker_flush(w);
	return k;
}

const struct gw_wnat_stats *
gw_wnat_get_stats(const struct gw_wnat *n)
{
	return &n->st;
}

json_t *
gw_wnat_stats_json(const struct gw_wnat *n)
{
	const struct gw_nat_stats *ns = gw_nat_stats(n->nat);
	struct gw_neigh_stats nb;

	gw_neigh_get_stats(n->neigh, &nb);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
			 "s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "mappings_active", (json_int_t)ns->active,
			 "mappings_created", (json_int_t)ns->created,
			 "mappings_freed", (json_int_t)ns->freed,
			 "exhausted", (json_int_t)ns->exhausted,
			 "table_full", (json_int_t)ns->table_full,
			 "port_preserved", (json_int_t)ns->port_preserved,
			 "neigh_entries", (json_int_t)nb.entries,
			 "neigh_queued", (json_int_t)nb.queued,
			 "neigh_failed", (json_int_t)nb.failed,
			 "arp_in", (json_int_t)n->st.arp_in,
			 "arp_replies", (json_int_t)n->st.arp_replies,
			 "nd_replies", (json_int_t)n->st.nd_replies,
			 "probes", (json_int_t)n->st.probes,
			 "echo_replies", (json_int_t)n->st.echo_replies,
			 "ttl_exceeded", (json_int_t)n->st.ttl_exceeded,
			 "handoff_out", (json_int_t)n->st.handoff_out,
			 "handoff_in", (json_int_t)n->st.handoff_in,
			 "translated_out", (json_int_t)n->st.translated_out,
			 "translated_in", (json_int_t)n->st.translated_in,
			 "garp", (json_int_t)n->st.garp);
}
