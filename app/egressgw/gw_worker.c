/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker pipeline: parse, flow lookup, classify while undecided, decide
 * once per flow, act (forward / hold / drop + reset), record. Run to
 * completion on one lcore; shared by the daemon and by replay.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "http/gw_http.h"
#include "pkt/gw_pkt.h"
#include "tls/gw_tls.h"

#include "nat/gw_nat.h"

#include "gw_worker.h"
#include "gw_worker_nat.h"

/* What the classifier learnt about a flow's name, for the verdict record. */
struct gw_name_info {
	uint8_t app;            /* enum gw_app */
	uint8_t ech;
	uint16_t tls_version;
	const uint8_t *name;
	size_t name_len;
	const char *method;
	size_t method_len;
	const uint8_t *alpn;
	size_t alpn_len;
	uint8_t bind_state;     /* enum gw_bind_state */
	const char *bound_name; /* NEED_BINDING: the role name bound to dst */
	int32_t bound_index;    /* ... its index in the role's allow_fqdns */
};

/* While a flow is pending, flow->app holds what the port expects (enum gw_need). */

static inline void
drop_pkt(struct gw_worker *w, struct rte_mbuf *m, unsigned int reason)
{
	w->st.drops[reason]++;
	rte_pktmbuf_free(m);
}

static void
flush_port(struct gw_worker *w, uint16_t port)
{
	uint16_t n = w->tx_n[port];
	uint16_t sent;

	if (n == 0)
		return;
	sent = w->emit(w->emit_ctx, port, w->tx[port], n);
	w->st.tx_packets += sent;
	if (unlikely(sent < n)) {
		uint16_t i;

		for (i = sent; i < n; i++)
			rte_pktmbuf_free(w->tx[port][i]);
		w->st.tx_dropped += n - sent;
		w->st.drops[GW_REASON_TX_FULL] += n - sent;
	}
	w->tx_n[port] = 0;
}

static inline void
emit_raw(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	/* A tag the NIC stripped on rx goes back on the wire unchanged. */
	if (unlikely(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED))
		m->ol_flags |= RTE_MBUF_F_TX_VLAN;
	if (unlikely(w->tx_n[port] == GW_TX_BUF))
		flush_port(w, port);
	w->tx[port][w->tx_n[port]++] = m;
}

/*
 * Sends a frame of the pipeline: bridged to port, or in nat mode routed
 * (the port follows from the route; SNAT, Ethernet header, neighbour).
 */
static inline void
emit_pkt(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	if (unlikely(w->nat != NULL)) {
		gw_wnat_emit(w, m);
		return;
	}
	emit_raw(w, port, m);
}

void
gw_worker_emit_raw(struct gw_worker *w, uint16_t port, struct rte_mbuf *m)
{
	emit_raw(w, port, m);
}

void
gw_worker_drop(struct gw_worker *w, struct rte_mbuf *m, unsigned int reason)
{
	drop_pkt(w, m, reason);
}

void
gw_worker_flush(struct gw_worker *w)
{
	flush_port(w, GW_PORT_LAN);
	flush_port(w, GW_PORT_WAN);
}

static inline uint16_t
other_port(uint16_t port)
{
	return port == GW_PORT_LAN ? GW_PORT_WAN : GW_PORT_LAN;
}

/* ---- records ---- */

/*
 * The role of a flow is that of its VLAN in the policy in force: after a
 * reload a flow's role is looked up again, never an index into a freed
 * policy.
 */
static inline uint16_t
flow_vlan(const struct gw_worker *w, const struct gw_flow *f)
{
	/* nat mode keys flows without VLAN: the client's subnet tells it. */
	if (unlikely(w->nat != NULL))
		return gw_wnat_vlan_of(w->nat, &f->key.addr[f->client_idx]);
	return f->key.vlan_inner;
}

static inline const struct gw_role *
flow_role(const struct gw_worker *w, const struct gw_flow *f)
{
	return gw_policy_role_for_vlan(w->policy, flow_vlan(w, f));
}

static void
record_fill(struct gw_worker *w, const struct gw_flow *f, uint8_t type,
	    uint8_t end_cause, struct gw_record *r)
{
	uint8_t c = f->client_idx;
	uint8_t s = c ^ 1;

	memset(r, 0, offsetof(struct gw_record, name));
	r->type = type;
	r->verdict = f->verdict;
	r->reason = f->verdict == GW_VERDICT_DENY ? f->reason : 0;
	r->proto = f->key.proto;
	r->af = gw_addr_is_v4(&f->key.addr[c]) ? GW_AF_INET : GW_AF_INET6;
	r->worker = (uint8_t)w->id;
	r->end_state = f->tcp_state;
	r->end_cause = end_cause;
	r->vlan_outer = f->key.vlan_outer;
	r->vlan_inner = f->key.vlan_inner;
	/* The tail after the name is not cleared above (it is large). */
	r->has_snat = 0;
	r->nat_event = 0;
	if (unlikely(w->nat != NULL)) {
		r->vlan_outer = r->vlan_inner = flow_vlan(w, f);
		r->has_snat = gw_wnat_snat((struct gw_worker *)(uintptr_t)w, f,
					   &r->snat_addr, &r->snat_port);
	}
	r->src = f->key.addr[c];
	r->dst = f->key.addr[s];
	r->sport = f->key.port[c];
	r->dport = f->key.port[s];
	r->flow_id = f->id;
	r->ts_ns = w->now_ns + w->realtime_off;
	r->start_ns = f->first_ns + w->realtime_off;
	r->pkts_toserver = f->pkts[GW_DIR_TO_SERVER];
	r->pkts_toclient = f->pkts[GW_DIR_TO_CLIENT];
	r->bytes_toserver = f->bytes[GW_DIR_TO_SERVER];
	r->bytes_toclient = f->bytes[GW_DIR_TO_CLIENT];
	r->rule_index = -1;
	if (f->verdict != GW_VERDICT_PENDING) {
		r->rule_kind = (uint8_t)(f->rule >> 24);
		r->rule_index = r->rule_kind == GW_RULE_NONE ?
				       -1 : (int32_t)(f->rule & 0xffffff);
		r->app = f->app;
	}
	if (r->rule_kind == GW_RULE_C2 && r->rule_index >= 0 &&
	    (size_t)r->rule_index < w->policy->n_sigs) {
		r->sig_id = w->policy->sigs[r->rule_index].id;
		r->severity = w->policy->sigs[r->rule_index].severity;
	}
	{
		const struct gw_role *role = flow_role(w, f);

		if (role != NULL)
			memcpy(r->role, role->name,
			       RTE_MIN(strlen(role->name), sizeof(r->role) - 1));
	}
}

/* ---- quarantine set (commands write it, the LAN path reads it) ---- */

static inline uint32_t
q_hash(const struct gw_addr *a)
{
	uint64_t x, y;

	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	return (uint32_t)gw_hash64(x ^ gw_hash64(y));
}

/* Index of a in the quarantine list, or -1. */
static int
q_find(const struct gw_worker *w, const struct gw_addr *a)
{
	uint32_t mask = 2 * GW_QUARANTINE_MAX - 1;
	uint32_t i = q_hash(a) & mask;

	while (w->qslot[i] != 0) {
		uint16_t k = (uint16_t)(w->qslot[i] - 1);

		if (memcmp(&w->qlist[k], a, sizeof(*a)) == 0)
			return k;
		i = (i + 1) & mask;
	}
	return -1;
}

static void
q_rebuild(struct gw_worker *w)
{
	uint32_t mask = 2 * GW_QUARANTINE_MAX - 1;
	uint32_t k;

	memset(w->qslot, 0, 2 * GW_QUARANTINE_MAX * sizeof(*w->qslot));
	for (k = 0; k < w->n_quarantine; k++) {
		uint32_t i = q_hash(&w->qlist[k]) & mask;

		while (w->qslot[i] != 0)
			i = (i + 1) & mask;
		w->qslot[i] = (uint16_t)(k + 1);
	}
	w->st.quarantined_hosts = w->n_quarantine;
}

static inline bool
quarantined(const struct gw_worker *w, const struct gw_addr *src)
{
	return unlikely(w->n_quarantine > 0) && q_find(w, src) >= 0;
}

/*
 * The ring slot the next record will be copied to, prefetched for writing
 * now: a ring of ring_size records (~10 MiB at the default) is never in
 * the cache when its slot comes round again, and the copy of a ~630-byte
 * record into cold lines cost ~10 % of a new TLS connection (three records
 * each). The worker is the ring's only producer, so the next slot is
 * known. rte_ring_elem lays the slots out right after the ring header.
 */
static inline void
record_prefetch_next(struct gw_worker *w)
{
	const struct rte_ring *r = w->ring;
	const char *slot = (const char *)&r[1] +
			   (size_t)(r->prod.head & r->mask) * sizeof(struct gw_record);
	size_t off;

	for (off = 0; off < sizeof(struct gw_record); off += RTE_CACHE_LINE_SIZE)
		rte_prefetch0_write(slot + off);
}

/* Queues a record; only at shutdown may it wait for ring space. */
static void
record_push(struct gw_worker *w, struct gw_record *r)
{
	if (rte_ring_enqueue_elem(w->ring, r, sizeof(*r)) == 0) {
		w->st.records_sent++;
		record_prefetch_next(w);
		return;
	}
	if (unlikely(w->draining)) {
		/* Final records at shutdown: the control plane is draining. */
		uint64_t deadline = rte_get_tsc_cycles() + rte_get_tsc_hz();

		while (rte_get_tsc_cycles() < deadline) {
			if (w->ring_full_hook != NULL)
				w->ring_full_hook(w->ring_full_arg);
			else
				rte_pause();
			if (rte_ring_enqueue_elem(w->ring, r, sizeof(*r)) == 0) {
				w->st.records_sent++;
				return;
			}
		}
	}
	w->st.ring_lost++;
}

void
gw_worker_nat_record(struct gw_worker *w, const struct gw_nat_map *map,
		     uint8_t event)
{
	struct gw_record r;

	memset(&r, 0, offsetof(struct gw_record, name));
	memset(&r.snat_addr, 0, sizeof(r) - offsetof(struct gw_record, snat_addr));
	r.type = GW_REC_NAT;
	r.proto = map->proto;
	r.af = GW_AF_INET;
	r.worker = (uint8_t)w->id;
	r.ts_ns = w->now_ns + w->realtime_off;
	r.start_ns = map->create_ns + w->realtime_off;
	gw_addr_from_v4_u32(&r.src, map->in_addr);
	r.sport = map->in_port;
	gw_addr_from_v4_u32(&r.snat_addr, map->ext_addr);
	r.snat_port = map->ext_port;
	r.has_snat = 1;
	r.nat_event = event;
	r.rule_index = -1;
	record_push(w, &r);
}

static void
send_record(struct gw_worker *w, const struct gw_flow *f, uint8_t type,
	    const struct gw_name_info *ni, uint8_t end_cause)
{
	struct gw_record r;

	record_fill(w, f, type, end_cause, &r);
	if (ni != NULL) {
		r.app = ni->app;
		r.ech = ni->ech;
		r.bind_state = ni->bind_state;
		r.tls_version = ni->tls_version;
		r.name_len = (uint8_t)RTE_MIN(ni->name_len, (size_t)255);
		if (r.name_len > 0)
			memcpy(r.name, ni->name, r.name_len);
		if (ni->method_len > 0)
			memcpy(r.method, ni->method,
			       RTE_MIN(ni->method_len, sizeof(r.method) - 1));
		if (ni->alpn_len > 0)
			memcpy(r.alpn, ni->alpn,
			       RTE_MIN(ni->alpn_len, sizeof(r.alpn) - 1));
	}
	record_push(w, &r);
}

/* ---- resets ---- */

/*
 * Builds a RST from a template frame of the flow (a client->server packet)
 * and queues it on `port`. to_sender: towards the template's sender.
 */
static void
send_rst(struct gw_worker *w, const struct rte_mbuf *tmpl, bool to_sender,
	 uint32_t seq, uint32_t ack, uint16_t port)
{
	struct gw_pkt_meta meta;
	struct rte_mbuf *m;
	bool stripped = (tmpl->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0;
	char *out;
	int len;

	if (gw_pkt_parse(rte_pktmbuf_mtod(tmpl, const uint8_t *),
			 rte_pktmbuf_data_len(tmpl), stripped, tmpl->vlan_tci,
			 &meta) != GW_PKT_OK ||
	    meta.proto != GW_PROTO_TCP)
		return;
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL) {
		w->st.drops[GW_REASON_NO_MBUF]++;
		return;
	}
	out = rte_pktmbuf_append(m, 128);
	if (out == NULL) {
		rte_pktmbuf_free(m);
		w->st.drops[GW_REASON_NO_MBUF]++;
		return;
	}
	len = gw_pkt_build_tcp_rst(rte_pktmbuf_mtod(tmpl, const uint8_t *),
				   rte_pktmbuf_data_len(tmpl), &meta, to_sender,
				   seq, ack, GW_TCP_RST | GW_TCP_ACK,
				   (uint8_t *)out, 128);
	if (len < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_trim(m, (uint16_t)(128 - len));
	if (stripped) {
		/* The NIC stripped the tag on rx: have it re-inserted on tx. */
		m->ol_flags |= RTE_MBUF_F_TX_VLAN;
		m->vlan_tci = tmpl->vlan_tci;
	}
	w->st.resets_sent++;
	emit_pkt(w, port, m);
}

/* The pending state a flow holds, NULL when none. */
static inline struct gw_flow_ext *
flow_ext(const struct gw_worker *w, const struct gw_flow *f)
{
	return gw_flow_ext_at(w->ext_pool, f->ext);
}

/* ---- inspection states of allowed connections ---- */

static struct gw_insp_slot *
insp_get(struct gw_worker *w, struct gw_flow *f)
{
	struct gw_insp_slot *sl;
	uint32_t i;

	if (w->insp_free == 0) {
		w->st.insp_exhausted++;
		return NULL;
	}
	i = w->insp_free - 1;
	sl = &w->insp[i];
	w->insp_free = sl->next_free;
	sl->next_free = 0;
	sl->dns = NULL;
	sl->text = 0;
	w->insp_used++;
	f->insp = i + 1;
	return sl;
}

static inline struct gw_insp_slot *
insp_of(struct gw_worker *w, const struct gw_flow *f)
{
	return f->insp != 0 ? &w->insp[f->insp - 1] : NULL;
}

/*
 * Head texts: a tracked HTTP connection holds one only while it reads a
 * later request head that spans segments (most heads begin and end in one
 * segment, so the text goes back at once). None free: the caller denies
 * (inspect_full), counted with the inspection states.
 */
static bool
text_lend(struct gw_worker *w, struct gw_insp_slot *sl)
{
	if (sl->text != 0)
		return true;
	if (w->n_text_free == 0) {
		w->st.insp_exhausted++;
		return false;
	}
	sl->text = w->text_free[--w->n_text_free] + 1;
	/* Between heads by construction: a head being read keeps its text. */
	(void)gw_http_conn_set_text(&sl->http, &w->texts[sl->text - 1]);
	return true;
}

/* Takes the text back unless a head is being read (force: the slot ends). */
static void
text_return(struct gw_worker *w, struct gw_insp_slot *sl, bool force)
{
	if (sl->text == 0)
		return;
	if (!gw_http_conn_set_text(&sl->http, NULL) && !force)
		return;
	w->text_free[w->n_text_free++] = sl->text - 1;
	sl->text = 0;
}

static void
insp_put(struct gw_worker *w, struct gw_flow *f)
{
	struct gw_insp_slot *sl = insp_of(w, f);

	if (sl == NULL)
		return;
	text_return(w, sl, true);
	if (sl->dns != NULL) {
		gw_dns_tcp_pool_put(w->dns_tcp, sl->dns);
		sl->dns = NULL;
	}
	sl->next_free = w->insp_free;
	w->insp_free = f->insp;
	w->insp_used--;
	f->insp = 0;
}

/* ---- verdicts ---- */

static inline uint32_t
rule_code(const struct gw_decision *d)
{
	return (uint32_t)d->rule_kind << 24 |
	       ((uint32_t)(d->rule_index < 0 ? 0 : d->rule_index) & 0xffffff);
}

static void
pending_remove(struct gw_worker *w, const struct gw_flow *f)
{
	uint32_t i;

	for (i = 0; i < w->n_pending; i++) {
		if (w->pending[i].flow == f) {
			w->pending[i] = w->pending[--w->n_pending];
			return;
		}
	}
}

/* Frees the held packets (counted as drops for `reason`) and the ext. */
static void
release_ext_drop(struct gw_worker *w, struct gw_flow *f, unsigned int reason)
{
	struct gw_flow_ext *e = flow_ext(w, f);
	uint16_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n_held; i++)
		drop_pkt(w, e->held[i], reason);
	w->st.held_packets -= e->n_held;
	e->n_held = 0;
	pending_remove(w, f);
	gw_flow_ext_put(w->ext_pool, e);
	f->ext = 0;
}

static void flow_deny(struct gw_worker *w, struct gw_flow *f,
		      unsigned int reason, const struct gw_decision *d,
		      const struct gw_name_info *ni, const struct rte_mbuf *tmpl);
static void flow_revoke(struct gw_worker *w, struct gw_flow *f,
			unsigned int reason, const struct gw_name_info *ni);
static void revoked_reset(struct gw_worker *w, struct gw_flow *f,
			  const struct rte_mbuf *m, enum gw_flow_dir dir,
			  uint16_t port_in);

/*
 * A later request head of a kept-alive HTTP connection: the role's rules
 * apply to it as to the first (method, name, Host changes, and, when the
 * name changed under strict binding, the destination must be bound to the
 * new name too). Returns 0 to let it pass, else the deny reason; ni gets
 * what the deny record says.
 */
static unsigned int
http_judge(struct gw_worker *w, struct gw_flow *f,
	   const struct gw_http_conn_ev *ev, struct gw_name_info *ni)
{
	const struct gw_role *role = flow_role(w, f);
	struct gw_decision d;

	memset(ni, 0, sizeof(*ni));
	ni->app = GW_APP_HTTP;
	ni->name = (const uint8_t *)ev->host;
	ni->name_len = ev->host != NULL ? ev->host_len : 0;
	ni->method = ev->method;
	ni->method_len = ev->method_len;
	w->st.http_requests++;
	gw_policy_decide_name_flags(w->policy, role, w->scratch, GW_APP_HTTP,
				    ni->name, ni->name_len, ni->method,
				    ni->method_len,
				    ev->host_changed ? GW_NAME_HOST_CHANGED : 0,
				    &d);
	if (d.action != GW_ACT_ALLOW)
		return d.action == GW_ACT_DENY ? d.reason : GW_REASON_UNCLASSIFIED;
	if (ev->host_changed && d.bind == GW_BIND_STRICT && ni->name_len > 0) {
		const struct gw_addr *dst = &f->key.addr[f->client_idx ^ 1];
		char norm[256];
		int n = gw_name_normalize(ni->name, ni->name_len, norm,
					  sizeof(norm), false);

		if (n <= 0 || gw_dns_bind_check(w->bind, norm, dst, w->now_ns) !=
				      GW_DNS_BIND_BOUND) {
			ni->bind_state = GW_BIND_STATE_MISMATCH;
			return GW_REASON_NAME_IP_MISMATCH;
		}
	}
	return 0;
}

/*
 * Feeds client bytes to the connection's tracker. Returns 0 when they may
 * pass, else the reason the flow must be denied (ni says what for). The
 * tracker is let go once nothing more can be parsed (STOP).
 */
static unsigned int
http_feed(struct gw_worker *w, struct gw_flow *f, const uint8_t *p,
	  size_t len, struct gw_name_info *ni)
{
	struct gw_insp_slot *sl = insp_of(w, f);
	struct gw_http_conn_ev ev;
	unsigned int reason;
	int n;

	if (sl != NULL && !text_lend(w, sl)) {
		memset(ni, 0, sizeof(*ni));
		ni->app = GW_APP_HTTP;
		return GW_REASON_INSPECT_FULL;
	}
	while (sl != NULL) {
		n = gw_http_conn_feed(&sl->http, p, len, &ev);
		if (n < 0)
			ev.type = GW_HTTP_EV_MALFORMED;
		switch (ev.type) {
		case GW_HTTP_EV_NEED_MORE:
			text_return(w, sl, false);
			return 0;
		case GW_HTTP_EV_HEAD:
			/* The first head was judged while the flow was held. */
			if (ev.request > 0 &&
			    (reason = http_judge(w, f, &ev, ni)) != 0)
				return reason;
			break;
		case GW_HTTP_EV_MALFORMED:
			memset(ni, 0, sizeof(*ni));
			ni->app = GW_APP_HTTP;
			return GW_REASON_MALFORMED;
		default: /* STOP (CONNECT, Upgrade, close), LOST */
			insp_put(w, f);
			return 0;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * An HTTP flow is about to be allowed: take a tracker and run it over the
 * bytes held so far (the first head, and any pipelined request after it).
 * Returns false when the flow was denied instead.
 */
static bool
http_track_start(struct gw_worker *w, struct gw_flow *f,
		 const struct gw_decision *d, const struct gw_name_info *first)
{
	struct gw_flow_ext *e = flow_ext(w, f);
	struct gw_insp_slot *sl = insp_get(w, f);
	struct gw_name_info ni;
	unsigned int reason;

	if (sl == NULL) {
		flow_deny(w, f, GW_REASON_INSPECT_FULL, d, first, NULL);
		return false;
	}
	gw_http_conn_init(&sl->http, f->client_isn + 1, NULL);
	reason = http_feed(w, f, e->stream.buf, gw_stream_contig(&e->stream),
			   &ni);
	if (reason != 0) {
		flow_deny(w, f, reason, NULL, &ni, NULL);
		return false;
	}
	return true;
}

/*
 * A client segment of an allowed, tracked HTTP connection. Returns false
 * when the packet must not pass (dropped here, the flow possibly denied).
 */
static bool
http_segment(struct gw_worker *w, struct gw_flow *f, struct rte_mbuf *m,
	     const struct gw_pkt_meta *mp, uint16_t port_in)
{
	struct gw_insp_slot *sl = insp_of(w, f);
	struct gw_name_info ni;
	unsigned int reason;
	uint32_t skip = 0;

	switch (gw_http_conn_seq(&sl->http, mp->seq, mp->payload_len, &skip)) {
	case GW_HTTP_SEG_OLD:
		return true; /* a retransmission of bytes already checked */
	case GW_HTTP_SEG_AHEAD:
		drop_pkt(w, m, GW_REASON_INSPECT_GAP);
		return false;
	default:
		break;
	}
	reason = http_feed(w, f,
			   rte_pktmbuf_mtod_offset(m, const uint8_t *,
						   mp->payload_off) + skip,
			   mp->payload_len - skip, &ni);
	if (reason == 0)
		return true;
	/* The segment holds the end of the denied head: the server never
	 * sees a complete request; both ends are reset. */
	flow_revoke(w, f, reason, &ni);
	revoked_reset(w, f, m, GW_DIR_TO_SERVER, port_in);
	drop_pkt(w, m, reason);
	return false;
}

static void
flow_allow(struct gw_worker *w, struct gw_flow *f, const struct gw_decision *d,
	   const struct gw_name_info *ni)
{
	struct gw_flow_ext *e = flow_ext(w, f);

	uint32_t end = 0;
	bool track = false;

	if (ni != NULL && ni->app == GW_APP_HTTP && e != NULL &&
	    f->key.proto == GW_PROTO_TCP) {
		/* Later requests on the connection are checked too. */
		if (!http_track_start(w, f, d, ni))
			return;
		track = f->insp != 0;
		end = f->client_isn + 1 + gw_stream_contig(&e->stream);
	}
	f->verdict = GW_VERDICT_ALLOW;
	f->rule = rule_code(d);
	f->app = ni != NULL ? ni->app : GW_APP_NONE;
	w->st.flows_allowed++;
	if (e != NULL) {
		uint16_t i;

		/* Release in sequence order: the server never saw a gap. */
		gw_flow_ext_sort_held(e);
		for (i = 0; i < e->n_held; i++) {
			/* Beyond a hole the tracker has not read them: the
			 * client sends them again once the hole is filled. */
			if (track &&
			    (int32_t)(e->held_seq[i] + e->held_len[i] - end) > 0) {
				drop_pkt(w, e->held[i], GW_REASON_INSPECT_GAP);
				continue;
			}
			emit_pkt(w, GW_PORT_WAN, e->held[i]);
		}
		w->st.held_packets -= e->n_held;
		e->n_held = 0;
		pending_remove(w, f);
		gw_flow_ext_put(w->ext_pool, e);
		f->ext = 0;
	}
	send_record(w, f, GW_REC_VERDICT, ni, 0);
}

/*
 * Denies a flow. tmpl, when given, is a client->server frame of the flow
 * used to address the resets (TCP). Held packets are freed: no byte of a
 * denied flow leaves.
 */
static void
flow_deny(struct gw_worker *w, struct gw_flow *f, unsigned int reason,
	  const struct gw_decision *d, const struct gw_name_info *ni,
	  const struct rte_mbuf *tmpl)
{
	struct rte_mbuf *held_tmpl = NULL;

	f->verdict = GW_VERDICT_DENY;
	f->reason = (uint8_t)reason;
	f->rule = d != NULL ? rule_code(d) : 0;
	f->app = ni != NULL ? ni->app : GW_APP_NONE;
	insp_put(w, f);
	w->st.flows_denied++;
	w->st.deny_flows[reason]++;

	if (f->key.proto == GW_PROTO_TCP) {
		struct gw_flow_ext *he = flow_ext(w, f);

		if (tmpl == NULL && he != NULL && he->n_held > 0) {
			/* Keep one held frame as the template until the resets are built. */
			held_tmpl = he->held[--he->n_held];
			w->st.held_packets--;
			tmpl = held_tmpl;
		}
		if (tmpl != NULL) {
			if (f->tcp_state == GW_TCP_SYN_SENT) {
				/* Only the SYN was seen: answer it (RFC 9293 3.10.7.1). */
				send_rst(w, tmpl, true, 0, f->client_next_seq,
					 GW_PORT_LAN);
			} else {
				send_rst(w, tmpl, true, f->server_next_seq,
					 f->client_next_seq, GW_PORT_LAN);
				/* The server saw the handshake: close its side too. */
				send_rst(w, tmpl, false, f->client_isn + 1,
					 f->server_next_seq, GW_PORT_WAN);
			}
		}
		f->tcp_state = GW_TCP_CLOSED;
	}
	release_ext_drop(w, f, reason);
	if (held_tmpl != NULL)
		drop_pkt(w, held_tmpl, reason);
	send_record(w, f, GW_REC_VERDICT, ni, 0);
}

static void
flow_end(struct gw_worker *w, struct gw_flow *f, uint8_t cause)
{
	if (f->bind_ref != 0) {
		gw_dns_bind_unref_handle(w->bind, f->bind_ref - 1);
		f->bind_ref = 0;
	}
	release_ext_drop(w, f, GW_REASON_UNCLASSIFIED);
	insp_put(w, f);
	send_record(w, f, GW_REC_END, NULL, cause);
	if (unlikely(w->nat != NULL))
		gw_wnat_flow_end(w, f);
}

/*
 * An allowed flow keeps its (name, address) bound while it lives, even past
 * the answer's TTL + grace (released in flow_end).
 */
static void
bind_hold(struct gw_worker *w, struct gw_flow *f, const char *name,
	  const struct gw_addr *dst)
{
	uint32_t h;

	if (f->bind_ref == 0 &&
	    gw_dns_bind_ref_handle(w->bind, name, dst, w->now_ns, &h) == 0)
		f->bind_ref = h + 1;
}

/* ---- classification of a pending TCP flow ---- */

static bool verify_ask(struct gw_worker *w, struct gw_flow *f,
		       const char *name, uint8_t app);
static uint8_t verify_state(struct gw_worker *w, const struct gw_flow *f);

static void
decide_name(struct gw_worker *w, struct gw_flow *f, enum gw_app app,
	    struct gw_name_info *ni)
{
	struct gw_decision d;
	const struct gw_role *role = flow_role(w, f);

	ni->app = (uint8_t)app;
	gw_policy_decide_name_flags(w->policy, role, w->scratch, app, ni->name,
				    ni->name_len, ni->method, ni->method_len,
				    ni->ech ? GW_NAME_ECH : 0, &d);
	if (d.action == GW_ACT_ALLOW && d.bind != GW_BIND_OFF &&
	    ni->name_len > 0) {
		/* The name passed: is the destination one DNS gave for it? */
		const struct gw_addr *dst = &f->key.addr[f->client_idx ^ 1];
		char norm[256];
		int n, b = GW_DNS_BIND_UNKNOWN;

		n = gw_name_normalize(ni->name, ni->name_len, norm,
				      sizeof(norm), false);
		if (n > 0)
			b = gw_dns_bind_check(w->bind, norm, dst, w->now_ns);
		if (b == GW_DNS_BIND_BOUND) {
			ni->bind_state = GW_BIND_STATE_BOUND;
			bind_hold(w, f, norm, dst);
		} else {
			ni->bind_state = GW_BIND_STATE_MISMATCH;
			if (d.bind == GW_BIND_STRICT) {
				if (n > 0 && verify_ask(w, f, norm, ni->app))
					return; /* held until the answer */
				flow_deny(w, f,
					  verify_state(w, f) == GW_VERIFY_ASKED ?
						  GW_REASON_DNS_VERIFY_TIMEOUT :
						  GW_REASON_NAME_IP_MISMATCH,
					  &d, ni, NULL);
				return;
			}
		}
	}
	if (d.action == GW_ACT_ALLOW)
		flow_allow(w, f, &d, ni);
	else
		flow_deny(w, f, d.reason, &d, ni, NULL);
}

static struct gw_pending_ref *
pending_ref(struct gw_worker *w, const struct gw_flow *f)
{
	uint32_t i;

	for (i = 0; i < w->n_pending; i++)
		if (w->pending[i].flow == f)
			return &w->pending[i];
	return NULL;
}

static uint8_t
verify_state(struct gw_worker *w, const struct gw_flow *f)
{
	const struct gw_pending_ref *p = pending_ref(w, f);

	return p != NULL ? p->verify : GW_VERIFY_NONE;
}

/*
 * The name passed but DNS never bound the destination to it here: when a
 * live control plane can resolve it (through the allowed resolvers only),
 * ask once and keep holding the flow; the answer (or the deadline) decides.
 * Returns true when the flow now waits.
 */
static bool
verify_ask(struct gw_worker *w, struct gw_flow *f, const char *name,
	   uint8_t app)
{
	struct gw_pending_ref *p;
	struct gw_record r;
	size_t len = strlen(name);

	if (w->verify_timeout_ns == 0 || w->cmd_ring == NULL || f->ext == 0)
		return false;
	p = pending_ref(w, f);
	if (p == NULL || p->verify != GW_VERIFY_NONE)
		return false;
	memset(&r, 0, offsetof(struct gw_record, name));
	r.type = GW_REC_VERIFY;
	r.worker = (uint8_t)w->id;
	r.flow_id = f->id;
	r.ts_ns = w->now_ns + w->realtime_off;
	r.name_len = (uint8_t)RTE_MIN(len, (size_t)255);
	memcpy(r.name, name, r.name_len);
	if (rte_ring_enqueue_elem(w->ring, &r, sizeof(r)) != 0) {
		w->st.ring_lost++;
		return false;
	}
	w->st.verify_asked++;
	p->verify = GW_VERIFY_ASKED;
	p->vapp = app;
	memcpy(p->vname, name, r.name_len);
	p->vname[r.name_len] = '\0';
	p->deadline_ns = w->now_ns + w->verify_timeout_ns;
	return true;
}

/* Returns true when a verdict was reached. */
static bool
classify_tls(struct gw_worker *w, struct gw_flow *f, const uint8_t *buf,
	     uint32_t len)
{
	struct gw_tls_hello h;
	struct gw_name_info ni;
	int rc;

	rc = gw_tls_parse_stream(buf, len, w->tls_scratch, w->tls_scratch_size,
				 &h);
	if (rc == GW_INCOMPLETE)
		return false;
	if (rc == GW_ELIMIT) {
		flow_deny(w, f, GW_REASON_REASSEMBLY_LIMIT, NULL, NULL, NULL);
		return true;
	}
	memset(&ni, 0, sizeof(ni));
	ni.app = GW_APP_TLS;
	if (rc < 0) {
		flow_deny(w, f, GW_REASON_MALFORMED, NULL, &ni, NULL);
		return true;
	}
	ni.ech = h.has_ech;
	ni.tls_version = h.max_version;
	ni.name = h.has_sni ? h.sni : NULL;
	ni.name_len = h.has_sni ? h.sni_len : 0;
	ni.alpn = h.alpn;
	ni.alpn_len = h.alpn != NULL ? h.alpn_len : 0;
	decide_name(w, f, GW_APP_TLS, &ni);
	return true;
}

static bool
classify_http(struct gw_worker *w, struct gw_flow *f, const uint8_t *buf,
	      uint32_t len)
{
	struct gw_http_req req;
	struct gw_name_info ni;
	char host[256];
	bool conflict = false;
	int rc;

	rc = gw_http_parse_request(buf, len, &req);
	if (rc == GW_INCOMPLETE)
		return false;
	memset(&ni, 0, sizeof(ni));
	ni.app = GW_APP_HTTP;
	if (rc < 0) {
		flow_deny(w, f, GW_REASON_MALFORMED, NULL, &ni, NULL);
		return true;
	}
	ni.method = req.method;
	ni.method_len = req.method_len;
	if (!req.has_host && req.authority == NULL) {
		decide_name(w, f, GW_APP_HTTP, &ni);
		return true;
	}
	rc = gw_http_effective_host(&req, host, sizeof(host), &conflict);
	if (rc < 0 || conflict) {
		/* Log what the client claimed, raw. */
		ni.name = req.has_host ? req.host : req.authority;
		ni.name_len = req.has_host ? req.host_len : req.authority_len;
		flow_deny(w, f, GW_REASON_MALFORMED, NULL, &ni, NULL);
		return true;
	}
	ni.name = (const uint8_t *)host;
	ni.name_len = (size_t)rc;
	decide_name(w, f, GW_APP_HTTP, &ni);
	return true;
}

/*
 * Looks at the contiguous client bytes gathered so far and decides when
 * they are enough. Incomplete input at the reassembly cap is a deny.
 */
static void
classify(struct gw_worker *w, struct gw_flow *f)
{
	struct gw_flow_ext *e = flow_ext(w, f);
	const uint8_t *buf = e->stream.buf;
	uint32_t len = gw_stream_contig(&e->stream);
	uint8_t need = f->app;
	int tls = 0, http = 0;

	if (len == 0)
		return;
	if (need & GW_NEED_TLS) {
		tls = gw_tls_sniff(buf, len);
		if (tls == 1) {
			if (classify_tls(w, f, buf, len))
				return;
			goto incomplete;
		}
	}
	if (need & GW_NEED_HTTP) {
		http = gw_http_sniff(buf, len);
		if (http == 1) {
			if (classify_http(w, f, buf, len))
				return;
			goto incomplete;
		}
	}
	if (tls == GW_INCOMPLETE || http == GW_INCOMPLETE)
		goto incomplete;
	flow_deny(w, f,
		  need == GW_NEED_TLS ? GW_REASON_NOT_TLS :
		  need == GW_NEED_HTTP ? GW_REASON_NOT_HTTP :
					 GW_REASON_NOT_TLS_OR_HTTP,
		  NULL, NULL, NULL);
	return;
incomplete:
	if (len >= e->stream.cap)
		flow_deny(w, f, GW_REASON_REASSEMBLY_LIMIT, NULL, NULL, NULL);
}

/*
 * A retransmission is a duplicate only when a held segment already covers
 * it: a longer copy at the same sequence number (Linux coalesces segments
 * when it retransmits) brings bytes the flow still needs.
 */
static bool
held_duplicate(const struct gw_flow_ext *e, uint32_t seq, uint16_t len)
{
	uint16_t i;

	for (i = 0; i < e->n_held; i++)
		if (e->held_seq[i] == seq && e->held_len[i] >= len)
			return true;
	return false;
}

/* A client->server segment of a pending TCP flow. */
static void
pending_client_segment(struct gw_worker *w, struct gw_flow *f,
		       struct rte_mbuf *m, const struct gw_pkt_meta *meta)
{
	struct gw_flow_ext *e = flow_ext(w, f);
	const uint8_t *payload;
	int rc;

	if (meta->tcp_flags & GW_TCP_RST) {
		/* The client gives up: nothing held may follow the reset. */
		release_ext_drop(w, f, GW_REASON_UNCLASSIFIED);
		emit_pkt(w, GW_PORT_WAN, m);
		return;
	}
	if (meta->payload_len == 0) {
		if ((meta->tcp_flags & GW_TCP_FIN) == 0 || e == NULL) {
			/* Handshake ACK, window update, or FIN with nothing held. */
			emit_pkt(w, GW_PORT_WAN, m);
			return;
		}
		/* A FIN after held data must not overtake it. */
		if (held_duplicate(e, meta->seq, 0)) {
			drop_pkt(w, m, GW_REASON_HELD_DUPLICATE);
			return;
		}
		if (!gw_flow_ext_hold(w->ext_pool, e, m, meta->seq, 0)) {
			flow_deny(w, f, GW_REASON_REASSEMBLY_LIMIT, NULL, NULL,
				  m);
			drop_pkt(w, m, GW_REASON_REASSEMBLY_LIMIT);
			return;
		}
		w->st.held_packets++;
		return;
	}
	if (e == NULL) {
		e = gw_flow_ext_get(w->ext_pool, f->client_isn + 1, w->now_ns);
		if (e == NULL) {
			flow_deny(w, f, GW_REASON_REASSEMBLY_LIMIT, NULL, NULL,
				  m);
			drop_pkt(w, m, GW_REASON_REASSEMBLY_LIMIT);
			return;
		}
		f->ext = gw_flow_ext_ref(w->ext_pool, e);
		w->pending[w->n_pending].flow = f;
		w->pending[w->n_pending].deadline_ns = e->deadline_ns;
		w->pending[w->n_pending].verify = GW_VERIFY_NONE;
		w->n_pending++;
	}
	if (held_duplicate(e, meta->seq, meta->payload_len)) {
		drop_pkt(w, m, GW_REASON_HELD_DUPLICATE);
		return;
	}
	payload = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->payload_off);
	rc = gw_stream_add(&e->stream, meta->seq, payload, meta->payload_len);
	if (rc == GW_EMALFORMED) {
		/* Overlap with other bytes: the server might see another name. */
		flow_deny(w, f, GW_REASON_STREAM_CONFLICT, NULL, NULL, m);
		drop_pkt(w, m, GW_REASON_STREAM_CONFLICT);
		return;
	}
	if (rc < 0 || !gw_flow_ext_hold(w->ext_pool, e, m, meta->seq,
					meta->payload_len)) {
		flow_deny(w, f, GW_REASON_REASSEMBLY_LIMIT, NULL, NULL, m);
		drop_pkt(w, m, GW_REASON_REASSEMBLY_LIMIT);
		return;
	}
	w->st.held_packets++;
	classify(w, f);
}

/* ---- flow creation ---- */

static struct gw_flow *
flow_create(struct gw_worker *w, const struct gw_flow_key *key, uint32_t hash,
	    uint8_t client_idx, struct rte_mbuf *m)
{
	struct gw_flow *f;

	f = gw_flow_insert(w->flows, key, hash, client_idx, w->now_ns);
	if (f == NULL)
		return NULL;
	f->id = (uint64_t)w->id << 56 | (w->next_flow_id++ & ((1ULL << 56) - 1));
	f->verdict = GW_VERDICT_PENDING;
	f->ext = 0;
	f->bind_ref = 0;
	f->insp = 0;
	/* gw_flow_insert zeroed the rest, udp_dns included (no query yet). */
	RTE_SET_USED(m);
	w->st.flows_created++;
	return f;
}

/*
 * For a protocol without a name on the wire: finds one of the role's exact
 * names that DNS bound to dst (wildcards cannot be enumerated: a role must
 * list the names it reaches that way). Sets ni's name and bind state.
 */
static void
bound_role_name(struct gw_worker *w, const struct gw_role *role,
		const struct gw_addr *dst, struct gw_name_info *ni)
{
	size_t i;

	ni->bind_state = GW_BIND_STATE_MISMATCH;
	if (role == NULL)
		return;
	for (i = 0; i < role->n_fqdns; i++) {
		const char *n = role->fqdns[i];

		if (n[0] == '*')
			continue;
		if (gw_dns_bind_check(w->bind, n, dst, w->now_ns) ==
		    GW_DNS_BIND_BOUND) {
			ni->bind_state = GW_BIND_STATE_BOUND;
			ni->bound_name = n;
			ni->bound_index = (int32_t)i;
			ni->name = (const uint8_t *)n;
			ni->name_len = strlen(n);
			return;
		}
	}
}

/* FNV-1a of the question (name, type): an answer must repeat its query's. */
static uint32_t
dns_query_hash(const struct gw_dns_msg *m)
{
	uint32_t h = 2166136261u;
	uint16_t i;

	for (i = 0; i < m->qname.len; i++)
		h = (h ^ (uint8_t)m->qname.text[i]) * 16777619u;
	h = (h ^ (m->qtype & 0xff)) * 16777619u;
	return (h ^ (m->qtype >> 8)) * 16777619u;
}

/*
 * An answer teaches a binding only when it answers a query the client sent
 * on this flow (same id and question): a forged or unsolicited answer, or
 * one for another name, is logged but not learned.
 */
static bool
dns_answer_expected(struct gw_flow_dnsq *q, uint16_t id, uint32_t qhash)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (q->qhash[i] != 0 && q->qid[i] == id &&
		    q->qhash[i] == qhash) {
			q->qhash[i] = 0; /* one answer per query */
			return true;
		}
	}
	return false;
}

/*
 * DNS on an allowed flow to port 53: every query and answer is logged;
 * answers from a resolver of dns.allow (the flow's rule) are learned as
 * name bindings. Returns false for a message that does not parse (the
 * caller drops it: nothing but DNS goes to a resolver).
 */
/* One DNS message of an allowed DNS flow: parsed, logged, maybe learned.
 * q: the queries the flow remembers (in the flow over UDP, in its
 * inspection state over TCP). */
static bool
dns_message(struct gw_worker *w, struct gw_flow *f, struct gw_flow_dnsq *q,
	    enum gw_flow_dir dir, const uint8_t *p, size_t len)
{
	struct gw_dns_msg *msg = w->dns_msg;
	struct gw_dns_chain *chain = w->dns_chain;
	struct gw_record r;
	bool from_resolver = (f->rule >> 24) == GW_RULE_DNS;
	uint32_t qhash;
	unsigned int i;

	if (gw_dns_parse(p, len, msg) < 0)
		return false;
	w->st.dns_messages++;
	/* The flow is allowed: its header (rule "dns:N" when to a resolver). */
	record_fill(w, f, GW_REC_DNS, 0, &r);
	r.dns_type = msg->hdr.qr ? 2 : 1;
	r.dns_id = msg->hdr.id;
	r.dns_rcode = msg->hdr.rcode;
	r.dns_qtype = msg->qtype;
	r.name_len = (uint8_t)RTE_MIN(msg->qname.len, (uint16_t)255);
	memcpy(r.name, msg->qname.text, r.name_len);
	qhash = dns_query_hash(msg);
	if (!msg->hdr.qr && dir == GW_DIR_TO_SERVER) {
		/* Remember the last two queries (A and AAAA often go together):
		 * only their answers may teach bindings. */
		if (q->qid[0] != msg->hdr.id) {
			q->qid[1] = q->qid[0];
			q->qhash[1] = q->qhash[0];
		}
		q->qid[0] = msg->hdr.id;
		q->qhash[0] = qhash;
	}
	if (msg->hdr.qr && dir == GW_DIR_TO_CLIENT &&
	    msg->hdr.rcode == GW_DNS_RCODE_NOERROR &&
	    dns_answer_expected(q, msg->hdr.id, qhash) &&
	    gw_dns_chain_addrs(msg, chain) > 0) {
		r.dns_ttl = chain->ttl;
		r.dns_n_addrs = (uint8_t)RTE_MIN(chain->n_addrs,
						 (uint16_t)GW_REC_DNS_ADDRS);
		for (i = 0; i < r.dns_n_addrs; i++)
			r.dns_addrs[i] = chain->addrs[i];
		if (from_resolver &&
		    gw_dns_bind_learn_chain(w->bind, chain, w->now_ns) == 0)
			w->st.dns_learned++;
	}
	record_push(w, &r);
	return true;
}

struct dns_tcp_ctx {
	struct gw_worker *w;
	struct gw_flow *f;
	struct gw_flow_dnsq *q;
	enum gw_flow_dir dir;
};

static int
dns_tcp_msg(void *arg, const uint8_t *msg, size_t len)
{
	struct dns_tcp_ctx *c = arg;

	if (msg == NULL)
		return 0; /* longer than the framing buffer: passes unread */
	return dns_message(c->w, c->f, c->q, c->dir, msg, len) ? 0 : GW_EMALFORMED;
}

/*
 * DNS over TCP: messages are framed by a length prefix and may span
 * segments (or share one); a framing state follows each direction from the
 * first payload on. Without a free state the flow's DNS is not parsed
 * (counted); a retransmission is not parsed twice; after a hole the
 * direction is no longer parsed. Returns false when the segment holds a
 * malformed message.
 */
static bool
dns_tcp_segment(struct gw_worker *w, struct gw_flow *f, enum gw_flow_dir dir,
		const uint8_t *p, size_t len, uint32_t seq)
{
	struct gw_insp_slot *sl = insp_of(w, f);
	struct dns_tcp_ctx c = {.w = w, .f = f, .dir = dir};
	struct gw_dns_tcp *st;
	uint32_t skip = 0;

	if (sl == NULL) {
		/* From the first payload on; taken later (none was free), the
		 * state finds the stream ahead of it and parses nothing. */
		sl = insp_get(w, f);
		if (sl != NULL) {
			memset(&sl->dnsq, 0, sizeof(sl->dnsq));
			sl->dns = gw_dns_tcp_pool_get(w->dns_tcp,
						      f->client_isn + 1,
						      f->server_isn + 1);
		}
		if (sl == NULL || sl->dns == NULL) {
			insp_put(w, f);
			w->st.dns_tcp_unparsed++;
			return true;
		}
	}
	c.q = &sl->dnsq;
	st = &sl->dns->dir[dir];
	switch (gw_dns_tcp_seq(st, seq, (uint32_t)len, &skip)) {
	case GW_DNS_TCP_SEG_OLD:
		return true;
	case GW_DNS_TCP_SEG_AHEAD:
		gw_dns_tcp_gap(st);
		return true;
	default:
		break;
	}
	if (gw_dns_tcp_stopped(st))
		return true;
	return gw_dns_tcp_feed(st, p + skip, len - skip, dns_tcp_msg, &c) >= 0;
}

/*
 * DNS on an allowed flow to port 53: queries and answers are logged; an
 * answer from an allowed resolver binds its names to its addresses.
 * Returns false when the payload is not DNS (the packet is dropped).
 */
static bool
dns_inspect(struct gw_worker *w, struct gw_flow *f, enum gw_flow_dir dir,
	    const struct rte_mbuf *m, const struct gw_pkt_meta *meta)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *,
						   meta->payload_off);

	if (meta->payload_len == 0)
		return true;
	if (meta->proto == GW_PROTO_TCP)
		return dns_tcp_segment(w, f, dir, p, meta->payload_len,
				       meta->seq);
	return dns_message(w, f, &f->udp_dns, dir, p, meta->payload_len);
}

/*
 * The table is full: the new flow is denied and existing flows are left
 * alone. The deny still gets its record (a flow that lives only for it),
 * so the event says why; under a flood the ring bounds the cost.
 */
static void
flow_table_full(struct gw_worker *w, struct rte_mbuf *m,
		const struct gw_pkt_meta *meta, const struct gw_flow_key *key,
		bool src_is_1)
{
	struct gw_flow f;

	memset(&f, 0, sizeof(f));
	f.key = *key;
	f.client_idx = src_is_1 ? 1 : 0;
	f.id = (uint64_t)w->id << 56 | (w->next_flow_id++ & ((1ULL << 56) - 1));
	f.first_ns = w->now_ns;
	f.last_ns = w->now_ns;
	f.pkts[GW_DIR_TO_SERVER] = 1;
	f.bytes[GW_DIR_TO_SERVER] = rte_pktmbuf_pkt_len(m);
	f.verdict = GW_VERDICT_DENY;
	f.reason = GW_REASON_FLOW_TABLE_FULL;
	if (meta->proto == GW_PROTO_TCP)
		f.tcp_state = GW_TCP_CLOSED;
	w->st.deny_flows[GW_REASON_FLOW_TABLE_FULL]++;
	w->st.flows_denied++;
	if (meta->proto == GW_PROTO_TCP)
		send_rst(w, m, true, 0, meta->seq + 1, GW_PORT_LAN);
	send_record(w, &f, GW_REC_VERDICT, NULL, 0);
	drop_pkt(w, m, GW_REASON_FLOW_TABLE_FULL);
}

/* First packet of a new flow from the LAN: the L4 decision. */
static void
new_flow(struct gw_worker *w, struct rte_mbuf *m, const struct gw_pkt_meta *meta,
	 const struct gw_flow_key *key, uint32_t hash, bool src_is_1)
{
	const struct gw_role *role;
	struct gw_decision d;
	struct gw_flow *f;
	bool tcp = meta->proto == GW_PROTO_TCP;

	if (tcp) {
		if ((meta->tcp_flags & (GW_TCP_SYN | GW_TCP_ACK | GW_TCP_RST |
					GW_TCP_FIN)) != GW_TCP_SYN) {
			drop_pkt(w, m, GW_REASON_TCP_NO_SYN);
			return;
		}
	}
	f = flow_create(w, key, hash, src_is_1 ? 1 : 0, m);
	if (f == NULL) {
		flow_table_full(w, m, meta, key, src_is_1);
		return;
	}
	role = gw_policy_role_for_vlan(w->policy, meta->vlan_inner);
	if (tcp)
		gw_flow_tcp_update(f, GW_DIR_TO_SERVER, meta->tcp_flags,
				   meta->seq, meta->ack, 0);
	f->pkts[GW_DIR_TO_SERVER] = 1;
	f->bytes[GW_DIR_TO_SERVER] = rte_pktmbuf_pkt_len(m);
	send_record(w, f, GW_REC_START, NULL, 0);

	gw_policy_decide_l4(w->policy, role, &meta->dst, meta->proto,
			    meta->dport, &d);
	if (unlikely(w->nat != NULL) && d.action != GW_ACT_DENY) {
		/* Decided on inside addresses; leaving needs a mapping. */
		unsigned int reason = gw_wnat_flow_start(w, f, meta);

		if (reason != 0) {
			flow_deny(w, f, reason, NULL, NULL, m);
			drop_pkt(w, m, reason);
			return;
		}
	}
	if (d.action == GW_ACT_NEED_NAME && tcp && meta->payload_len > 0) {
		/* Data on a SYN (TCP Fast Open) would pass before the name is known. */
		flow_deny(w, f, GW_REASON_TCP_INVALID, NULL, NULL, m);
		drop_pkt(w, m, GW_REASON_TCP_INVALID);
		return;
	}
	switch (d.action) {
	case GW_ACT_ALLOW:
		flow_allow(w, f, &d, NULL);
		if (unlikely(meta->dport == GW_DNS_PORT) &&
		    meta->proto == GW_PROTO_UDP &&
		    !dns_inspect(w, f, GW_DIR_TO_SERVER, m, meta)) {
			drop_pkt(w, m, GW_REASON_MALFORMED);
			break;
		}
		emit_pkt(w, GW_PORT_WAN, m);
		break;
	case GW_ACT_NEED_BINDING: {
		/* No name on the wire: the destination must be bound to one. */
		struct gw_name_info ni;

		memset(&ni, 0, sizeof(ni));
		bound_role_name(w, role, &meta->dst, &ni);
		if (ni.bound_name != NULL) {
			bind_hold(w, f, ni.bound_name, &meta->dst);
			/* The bound name's entry is the rule that allows it. */
			d.rule_kind = GW_RULE_FQDN;
			d.rule_index = ni.bound_index;
		}
		if (ni.bind_state == GW_BIND_STATE_BOUND ||
		    d.bind == GW_BIND_LOG) {
			flow_allow(w, f, &d, &ni);
			emit_pkt(w, GW_PORT_WAN, m);
		} else {
			flow_deny(w, f, GW_REASON_NAME_IP_MISMATCH, &d, &ni, m);
			drop_pkt(w, m, GW_REASON_NAME_IP_MISMATCH);
		}
		break;
	}
	case GW_ACT_NEED_NAME:
		f->app = d.need;
		emit_pkt(w, GW_PORT_WAN, m);
		break;
	default:
		flow_deny(w, f, d.reason, &d, NULL, m);
		drop_pkt(w, m, d.reason);
		break;
	}
}

/*
 * MLD (listener query/report/done, v2 report) is link-local control like
 * neighbour discovery: hop limit 1, never routed; it passes with ND.
 */
static inline bool
is_mld(const struct gw_pkt_meta *m)
{
	return m->proto == GW_PROTO_ICMPV6 && m->ttl == 1 &&
	       ((m->icmp_type >= 130 && m->icmp_type <= 132) ||
		m->icmp_type == 143);
}

/* ICMP errors travel with the flow they quote. */
static void
icmp_error(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
	   const struct gw_pkt_meta *meta)
{
	struct gw_flow_key key;
	struct gw_flow *f;
	bool src_is_1;

	gw_flow_key_make(&key, meta->vlan_outer, meta->vlan_inner,
			 meta->inner_proto, &meta->inner_src, meta->inner_sport,
			 &meta->inner_dst, meta->inner_dport, &src_is_1);
	f = gw_flow_lookup(w->flows, &key, gw_flow_key_hash(&key));
	if (f == NULL) {
		drop_pkt(w, m, GW_REASON_UNCLASSIFIED);
		return;
	}
	if (f->verdict != GW_VERDICT_ALLOW) {
		drop_pkt(w, m, GW_REASON_FLOW_DENIED);
		return;
	}
	emit_pkt(w, other_port(port_in), m);
}

static void
flow_recycle(struct gw_worker *w, struct gw_flow *f)
{
	flow_end(w, f, 1);
	gw_flow_remove(w->flows, f);
}

/* What stage 1 of a burst learnt about one packet. */
struct pre_pkt {
	struct gw_pkt_meta meta;
	struct gw_flow_key key;
	uint32_t hash;
	int st;
	bool keyed;     /* key and hash are set: the packet needs a lookup */
	bool src_is_1;
	bool done;      /* nat mode: consumed at receive (answered, dropped) */
};

/*
 * Interim counters of a long flow for the control plane's per-minute
 * metrics: one GW_REC_UPDATE at the first packet after each multiple of
 * update_interval since the flow began (no per-flow state: the previous
 * packet's time tells whether a boundary was crossed). The caller filters
 * with a shift so that the division runs about once a second per flow.
 */
static void
update_due(struct gw_worker *w, const struct gw_flow *f, uint64_t prev_ns)
{
	uint64_t iv = w->update_interval_ns;

	if (w->now_ns <= f->first_ns || prev_ns < f->first_ns)
		return;
	if ((w->now_ns - f->first_ns) / iv == (prev_ns - f->first_ns) / iv)
		return;
	w->st.records_update++;
	send_record(w, f, GW_REC_UPDATE, NULL, 0);
}

/*
 * An established TCP flow denied by a command (reload revoked it, its host
 * was quarantined): the worker keeps no frame of it, so the resets are built
 * from the first packet that comes after, whichever way it goes, and the
 * flow is closed. Nothing of it passes meanwhile.
 */
static void
revoked_reset(struct gw_worker *w, struct gw_flow *f, const struct rte_mbuf *m,
	      enum gw_flow_dir dir, uint16_t port_in)
{
	uint32_t cseq = f->client_next_seq, sseq = f->server_next_seq;

	if (dir == GW_DIR_TO_SERVER) {
		send_rst(w, m, true, sseq, cseq, port_in);
		send_rst(w, m, false, cseq, sseq, other_port(port_in));
	} else {
		send_rst(w, m, true, cseq, sseq, port_in);
		send_rst(w, m, false, sseq, cseq, other_port(port_in));
	}
	f->tcp_state = GW_TCP_CLOSED;
}

/*
 * Denies a flow that may already be established (not a pending one: those
 * go through flow_deny with their held frames). Its next packet resets it.
 */
static void
flow_revoke(struct gw_worker *w, struct gw_flow *f, unsigned int reason,
	    const struct gw_name_info *ni)
{
	if (f->verdict == GW_VERDICT_DENY)
		return;
	if (f->verdict == GW_VERDICT_PENDING) {
		flow_deny(w, f, reason, NULL, ni, NULL);
		return;
	}
	f->verdict = GW_VERDICT_DENY;
	f->reason = (uint8_t)reason;
	f->rule = 0; /* no rule denied it: the reason says why */
	w->st.flows_denied++;
	w->st.deny_flows[reason]++;
	insp_put(w, f);
	if (f->bind_ref != 0) {
		gw_dns_bind_unref_handle(w->bind, f->bind_ref - 1);
		f->bind_ref = 0;
	}
	send_record(w, f, GW_REC_VERDICT, ni, 0);
}

/*
 * Picks up the snapshot the control plane published, if it changed. Called
 * at the start of every burst and timer round; the daemon's loop reports a
 * quiescent state after each round, so the old snapshot is never freed
 * while this worker may still read it. Pending flows keep their held state
 * and are decided by the new policy.
 */
static inline void
snap_check(struct gw_worker *w)
{
	const struct gw_snapshot *s;

	if (w->snap_src == NULL)
		return;
	s = __atomic_load_n(w->snap_src, __ATOMIC_ACQUIRE);
	if (likely(s == w->snap) || s == NULL)
		return;
	w->snap = s;
	w->policy = s->policy;
	w->scratch = s->scratch[w->id];
	w->st.policy_swaps++;
	w->st.policy_version = s->policy->version;
}

/* Stage 1: parse, key, hash. */
static inline void
prepare_one(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
	    struct pre_pkt *p)
{
	bool stripped = (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0;
	uint16_t vo, vi;

	p->keyed = false;
	p->done = false;
	p->st = gw_pkt_parse_fast(rte_pktmbuf_mtod(m, const uint8_t *),
				  rte_pktmbuf_data_len(m), stripped,
				  m->vlan_tci, &p->meta);
	if (unlikely(w->nat != NULL) && p->st == GW_PKT_OK &&
	    gw_wnat_rx(w, port_in, m, &p->meta)) {
		p->done = true;
		return;
	}
	if (p->st != GW_PKT_OK || p->meta.kind != GW_PKT_IP ||
	    p->meta.payload_off + p->meta.payload_len > rte_pktmbuf_data_len(m))
		return;
	/* ND, MLD and ICMP errors are ICMP: one test of the protocol byte
	 * first (testing the bytes together would load them as one word,
	 * which the parser's byte stores cannot forward). */
	if (unlikely(p->meta.proto == GW_PROTO_ICMPV6 ||
		     p->meta.proto == GW_PROTO_ICMP) &&
	    (p->meta.is_nd || is_mld(&p->meta) || p->meta.is_icmp_error))
		return;
	/* nat mode: subnets do not overlap, the two sides of a flow come
	 * with different tags (or none): keyed without VLAN. */
	vo = w->nat != NULL ? GW_VLAN_NONE : p->meta.vlan_outer;
	vi = w->nat != NULL ? GW_VLAN_NONE : p->meta.vlan_inner;
	p->hash = gw_flow_key_make_hash(&p->key, vo, vi, p->meta.proto,
					&p->meta.src, p->meta.sport,
					&p->meta.dst, p->meta.dport,
					&p->src_is_1);
	p->keyed = true;
}

/* Stage 3: everything else, as before, on the prepared packet. */
static inline void
process_one(struct gw_worker *w, uint16_t port_in, struct rte_mbuf *m,
	    struct pre_pkt *p)
{
	const struct gw_pkt_meta *mp = &p->meta;
	struct gw_flow *f;
	enum gw_flow_dir dir;
	uint64_t prev_ns;
	bool src_is_1 = p->src_is_1;
	uint32_t hash = p->hash;
	int st = p->st;

	if (unlikely(p->done))
		return;
	if (unlikely(st != GW_PKT_OK)) {
		drop_pkt(w, m, st == GW_PKT_FRAGMENT ? GW_REASON_FRAGMENT
						     : GW_REASON_MALFORMED);
		return;
	}
	if (unlikely(mp->kind != GW_PKT_IP)) {
		if (mp->kind == GW_PKT_ARP) {
			w->st.arp_passed++;
			emit_pkt(w, other_port(port_in), m);
		} else {
			drop_pkt(w, m, GW_REASON_NON_IP);
		}
		return;
	}
	if (unlikely(mp->is_nd || is_mld(mp))) {
		if (w->nat != NULL) {
			/* Link-local control not for the router (MLD). */
			drop_pkt(w, m, GW_REASON_NOT_FOR_US);
			return;
		}
		w->st.nd_passed++;
		emit_pkt(w, other_port(port_in), m);
		return;
	}
	if (unlikely(mp->is_icmp_error)) {
		icmp_error(w, port_in, m, mp);
		return;
	}
	/* Payload bytes beyond the first segment are not supported. */
	if (unlikely(mp->payload_off + mp->payload_len >
		     rte_pktmbuf_data_len(m))) {
		drop_pkt(w, m, GW_REASON_MALFORMED);
		return;
	}

	if (unlikely(w->evid != NULL) &&
	    gw_evidence_tap_want(w->evid,
				 port_in == GW_PORT_LAN ? &mp->src : &mp->dst,
				 w->now_ns))
		gw_evidence_tap_copy(w->evid, m,
				     port_in == GW_PORT_LAN ? &mp->src : &mp->dst,
				     w->port_ids[port_in],
				     RTE_PCAPNG_DIRECTION_IN);
	f = gw_flow_lookup(w->flows, &p->key, hash);
	if (port_in == GW_PORT_LAN && quarantined(w, &mp->src)) {
		/* Nothing of a quarantined host leaves. Its flows were revoked
		 * by the command: an open connection is reset at its next
		 * packet, whichever side sends it. */
		if (f != NULL && f->verdict == GW_VERDICT_DENY &&
		    mp->proto == GW_PROTO_TCP && f->tcp_state != GW_TCP_CLOSED &&
		    (mp->tcp_flags & GW_TCP_RST) == 0)
			revoked_reset(w, f, m, gw_flow_dir(f, src_is_1 ? 1 : 0),
				      port_in);
		drop_pkt(w, m, GW_REASON_QUARANTINED);
		return;
	}
	if (f != NULL && mp->proto == GW_PROTO_TCP &&
	    f->tcp_state == GW_TCP_CLOSED && port_in == GW_PORT_LAN &&
	    (mp->tcp_flags & (GW_TCP_SYN | GW_TCP_ACK)) == GW_TCP_SYN &&
	    mp->seq != f->client_isn) {
		/* A new connection reusing the tuple of a closed one. */
		flow_recycle(w, f);
		f = NULL;
	}
	if (f == NULL) {
		if (port_in != GW_PORT_LAN) {
			drop_pkt(w, m, GW_REASON_WAN_INITIATED);
			return;
		}
		new_flow(w, m, mp, &p->key, hash, src_is_1);
		return;
	}

	dir = gw_flow_dir(f, src_is_1 ? 1 : 0);
	prev_ns = f->last_ns;
	f->pkts[dir]++;
	f->bytes[dir] += rte_pktmbuf_pkt_len(m);
	gw_flow_touch(w->flows, f, w->now_ns);
	if (mp->proto == GW_PROTO_TCP &&
	    !gw_flow_tcp_update(f, dir, mp->tcp_flags, mp->seq, mp->ack,
				mp->payload_len)) {
		drop_pkt(w, m, GW_REASON_TCP_INVALID);
		return;
	}
	/* RST or last ACK: O(1) expiry from the closed FIFO (lib/flow). */
	if (unlikely(f->tcp_state == GW_TCP_CLOSED))
		gw_flow_tcp_note(w->flows, f);

	switch (f->verdict) {
	case GW_VERDICT_ALLOW:
		if (unlikely(w->now_ns >> 30 != prev_ns >> 30) &&
		    w->update_interval_ns != 0)
			update_due(w, f, prev_ns);
		if (unlikely(f->insp != 0) && dir == GW_DIR_TO_SERVER &&
		    f->app == GW_APP_HTTP && mp->payload_len > 0 &&
		    !http_segment(w, f, m, mp, port_in))
			return;
		if (unlikely(f->key.port[f->client_idx ^ 1] == GW_DNS_PORT) &&
		    (mp->proto == GW_PROTO_UDP || mp->proto == GW_PROTO_TCP) &&
		    !dns_inspect(w, f, dir, m, mp)) {
			if (mp->proto == GW_PROTO_TCP) {
				/* Over TCP the stream can no longer be framed
				 * alike by us and the peer: the flow ends here. */
				flow_revoke(w, f, GW_REASON_MALFORMED, NULL);
				revoked_reset(w, f, m, dir, port_in);
			}
			drop_pkt(w, m, GW_REASON_MALFORMED);
			return;
		}
		emit_pkt(w, other_port(port_in), m);
		return;
	case GW_VERDICT_DENY:
		if (unlikely(mp->proto == GW_PROTO_TCP &&
			     f->tcp_state != GW_TCP_CLOSED))
			revoked_reset(w, f, m, dir, port_in);
		drop_pkt(w, m, GW_REASON_FLOW_DENIED);
		return;
	default:
		break;
	}
	/* Pending (TCP waiting for its name). */
	if (dir == GW_DIR_TO_CLIENT) {
		emit_pkt(w, other_port(port_in), m);
		return;
	}
	pending_client_segment(w, f, m, mp);
}


/*
 * A burst is processed in groups of PIPE_G packets, software-pipelined:
 * while group g is parsed, keyed and hashed (then its index buckets
 * prefetched), group g - d1 has the flows its buckets point to prefetched
 * and group g - d1 - d2 is processed. Each prefetch pass is a tight loop
 * over one group on purpose: a prefetch waiting for a fill buffer or a
 * page walk holds up retirement, so only prefetches issued close together
 * (within the reorder window) overlap their misses; the groups of parsing
 * and processing between the passes give those misses time to complete.
 *
 * How far ahead pays depends on where the flows are. While the table
 * holds fewer than w->pipe_deep_flows (GW_PIPE_DEEP_FLOWS) flows, their
 * lines are mostly in the caches and the short distances win; beyond,
 * every packet's three lines (bucket, the flow's two) come from DRAM and
 * the long ones keep more misses in flight (with 8 groups a burst, the
 * whole burst is parsed before the first packet is processed). Both are
 * the measured best on the benchmark machine (docs/performance.md), in
 * cycles per packet: 10k flows 71-75 short against 77-79 long, 1M flows
 * 172-181 short against 158-167 long; the crossover is 100k-300k flows.
 */
#ifndef PIPE_G
#define PIPE_G 4
#endif
#ifndef PIPE_D1
#define PIPE_D1 2
#endif
#ifndef PIPE_D2
#define PIPE_D2 2
#endif
#ifndef PIPE_DEEP_D
#define PIPE_DEEP_D 6
#endif

static inline void
pipe_parse(struct gw_worker *w, uint16_t port_in, struct rte_mbuf **pkts,
	   struct pre_pkt *pre, uint16_t from, uint16_t to, uint16_t k)
{
	uint16_t i;

	for (i = from; i < to; i++) {
		if (i + 1 < k)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		prepare_one(w, port_in, pkts[i], &pre[i]);
	}
	for (i = from; i < to; i++)
		if (pre[i].keyed)
			gw_flow_prefetch_bucket(w->flows, pre[i].hash);
}

/* One burst of k <= GW_BURST packets, with the distances d1 and d2 (constants). */
static __rte_always_inline void
pipe_burst(struct gw_worker *w, uint16_t port_in, struct rte_mbuf **b,
	   struct pre_pkt *pre, uint16_t k, const uint16_t d1, const uint16_t d2)
{
	uint16_t ng = (uint16_t)((k + PIPE_G - 1) / PIPE_G);
	uint16_t i, g;

	for (g = 0; g < ng + d1 + d2; g++) {
		uint16_t ge = g - d1, gp = g - d1 - d2;

		if (g < ng)
			pipe_parse(w, port_in, b, pre, g * PIPE_G,
				   RTE_MIN((g + 1) * PIPE_G, k), k);
		if (g >= d1 && ge < ng)
			for (i = ge * PIPE_G; i < RTE_MIN((ge + 1) * PIPE_G, k);
			     i++)
				if (pre[i].keyed)
					gw_flow_prefetch_entry(w->flows,
							       pre[i].hash);
		if (g >= d1 + d2)
			for (i = gp * PIPE_G; i < RTE_MIN((gp + 1) * PIPE_G, k);
			     i++)
				process_one(w, port_in, b[i], &pre[i]);
	}
}

void
gw_worker_process(struct gw_worker *w, uint16_t port_in, struct rte_mbuf **pkts,
		  uint16_t n, uint64_t now_ns)
{
	struct pre_pkt pre[GW_BURST];
	bool deep;
	uint16_t base, k;

	w->now_ns = now_ns;
	snap_check(w);
	w->st.rx_packets += n;
	deep = gw_flow_count(w->flows) >= w->pipe_deep_flows;
	for (base = 0; base < n; base += k) {
		k = (uint16_t)RTE_MIN(n - base, GW_BURST);
		if (deep)
			pipe_burst(w, port_in, pkts + base, pre, k, PIPE_DEEP_D,
				   PIPE_DEEP_D);
		else
			pipe_burst(w, port_in, pkts + base, pre, k, PIPE_D1,
				   PIPE_D2);
	}
}

/* ---- commands from the control plane ---- */

/* No answer for the name: the deny still says which name it was. */
static void
verify_deny(struct gw_worker *w, struct gw_pending_ref *p)
{
	struct gw_name_info ni;
	char name[GW_REC_NAME_MAX];

	memset(&ni, 0, sizeof(ni));
	/* p is freed by the deny: copy what the record needs. */
	memcpy(name, p->vname, sizeof(name));
	ni.app = p->vapp;
	ni.name = (const uint8_t *)name;
	ni.name_len = strnlen(name, sizeof(name) - 1);
	ni.bind_state = GW_BIND_STATE_MISMATCH;
	flow_deny(w, p->flow, GW_REASON_DNS_VERIFY_TIMEOUT, NULL, &ni, NULL);
}

/* Flows waiting for this name are classified again: now the check is final. */
static void
verify_resume(struct gw_worker *w, const char *name, bool failed)
{
	uint32_t i = 0;

	while (i < w->n_pending) {
		struct gw_pending_ref *p = &w->pending[i];
		struct gw_flow *f = p->flow;

		if (p->verify != GW_VERIFY_ASKED || strcmp(p->vname, name) != 0) {
			i++;
			continue;
		}
		if (failed) {
			/* flow_deny swaps the last entry into slot i. */
			verify_deny(w, p);
			continue;
		}
		p->verify = GW_VERIFY_DONE;
		classify(w, f);
		/* Decided flows left the list (slot i now holds another one). */
		if (i < w->n_pending && w->pending[i].flow == f)
			i++;
	}
}

struct q_walk {
	struct gw_worker *w;
	const struct gw_addr *host;
};

static int
quarantine_walk_cb(struct gw_flow *f, void *arg)
{
	struct q_walk *q = arg;

	if (memcmp(&f->key.addr[f->client_idx], q->host, sizeof(*q->host)) == 0 &&
	    f->verdict != GW_VERDICT_DENY) {
		q->w->st.flows_revoked++;
		flow_revoke(q->w, f, GW_REASON_QUARANTINED, NULL);
	}
	return 0;
}

/*
 * Quarantine: from now on every packet the host sends is dropped, and each
 * of its flows is denied (a one-off walk of this worker's table: rare,
 * operator-driven, bounded by flow_capacity).
 */
static void
quarantine_add(struct gw_worker *w, const struct gw_addr *host)
{
	struct q_walk q = { .w = w, .host = host };

	if (q_find(w, host) < 0) {
		if (w->n_quarantine >= GW_QUARANTINE_MAX)
			return; /* the control plane refuses more */
		w->qlist[w->n_quarantine++] = *host;
		q_rebuild(w);
	}
	gw_flow_walk(w->flows, quarantine_walk_cb, &q);
}

static void
quarantine_del(struct gw_worker *w, const struct gw_addr *host)
{
	int k = q_find(w, host);

	if (k < 0)
		return;
	w->qlist[k] = w->qlist[--w->n_quarantine];
	q_rebuild(w);
}

static void
revoke_cmd(struct gw_worker *w, const struct gw_cmd_flow *c)
{
	struct gw_flow_key key;
	struct gw_flow *f;
	bool src_is_1;

	gw_flow_key_make(&key, c->vlan_outer, c->vlan_inner, c->proto, &c->src,
			 c->sport, &c->dst, c->dport, &src_is_1);
	f = gw_flow_lookup(w->flows, &key, gw_flow_key_hash(&key));
	if (f == NULL || f->id != c->flow_id || f->verdict == GW_VERDICT_DENY)
		return;
	w->st.flows_revoked++;
	flow_revoke(w, f, c->reason, NULL);
}

void
gw_worker_commands(struct gw_worker *w, uint64_t now_ns)
{
	struct gw_cmd cmd;
	unsigned int budget = 64;

	if (w->cmd_ring == NULL)
		return;
	w->now_ns = now_ns;
	snap_check(w);
	while (budget-- > 0 &&
	       rte_ring_dequeue_elem(w->cmd_ring, &cmd, sizeof(cmd)) == 0) {
		cmd.name[sizeof(cmd.name) - 1] = '\0';
		if (cmd.type == GW_CMD_BIND) {
			if (cmd.n_addrs > 0 &&
			    gw_dns_bind_learn(w->bind, cmd.name, cmd.addrs,
					      RTE_MIN(cmd.n_addrs,
						      (uint16_t)GW_CMD_ADDRS),
					      cmd.ttl, now_ns) >= 0)
				w->st.dns_learned++;
			verify_resume(w, cmd.name, cmd.n_addrs == 0);
		} else if (cmd.type == GW_CMD_VERIFY_FAILED) {
			verify_resume(w, cmd.name, true);
		} else if (cmd.type == GW_CMD_QUARANTINE) {
			quarantine_add(w, &cmd.addrs[0]);
		} else if (cmd.type == GW_CMD_RELEASE) {
			quarantine_del(w, &cmd.addrs[0]);
		} else if (cmd.type == GW_CMD_REVOKE_FLOW) {
			revoke_cmd(w, &cmd.flow);
		} else if (cmd.type == GW_CMD_EVIDENCE && w->evid != NULL) {
			gw_evidence_tap_set(w->evid, &cmd.addrs[0], cmd.until_ns,
					    now_ns);
		}
	}
}

/* ---- timers ---- */

static void
expire_cb(struct gw_flow *f, void *arg)
{
	struct gw_worker *w = arg;

	w->st.flows_expired++;
	flow_end(w, f, 0);
}

void
gw_worker_timers(struct gw_worker *w, uint64_t now_ns, unsigned int budget)
{
	uint32_t i = 0;

	w->now_ns = now_ns;
	snap_check(w);
	while (i < w->n_pending) {
		struct gw_flow *f = w->pending[i].flow;

		if (now_ns >= w->pending[i].deadline_ns) {
			/* flow_deny swaps the last entry into slot i. */
			if (w->pending[i].verify == GW_VERIFY_ASKED)
				verify_deny(w, &w->pending[i]);
			else
				flow_deny(w, f, GW_REASON_REASSEMBLY_LIMIT,
					  NULL, NULL, NULL);
			continue;
		}
		i++;
	}
	gw_flow_expire(w->flows, now_ns, budget, expire_cb, w);
	if (unlikely(w->nat != NULL))
		gw_wnat_timers(w, now_ns);
}

static int
drain_cb(struct gw_flow *f, void *arg)
{
	struct gw_worker *w = arg;

	flow_end(w, f, 3);
	return 0;
}

void
gw_worker_drain(struct gw_worker *w, uint64_t now_ns)
{
	w->now_ns = now_ns;
	w->draining = true;
	gw_flow_walk(w->flows, drain_cb, w);
	gw_worker_flush(w);
}

int
gw_worker_flow_side(struct gw_worker *w, const uint8_t *frame, uint32_t len)
{
	struct gw_pkt_meta meta;
	struct gw_flow_key key;
	struct gw_flow *f;
	bool src_is_1;

	if (gw_pkt_parse(frame, len, false, 0, &meta) != GW_PKT_OK ||
	    meta.kind != GW_PKT_IP)
		return -1;
	if (meta.is_icmp_error) {
		/* The quoted packet went the other way. */
		gw_flow_key_make(&key, meta.vlan_outer, meta.vlan_inner,
				 meta.inner_proto, &meta.inner_src,
				 meta.inner_sport, &meta.inner_dst,
				 meta.inner_dport, &src_is_1);
		f = gw_flow_lookup(w->flows, &key, gw_flow_key_hash(&key));
		if (f == NULL)
			return -1;
		return gw_flow_dir(f, src_is_1 ? 1 : 0) == GW_DIR_TO_SERVER ?
			       GW_PORT_WAN : GW_PORT_LAN;
	}
	gw_flow_key_make(&key, meta.vlan_outer, meta.vlan_inner, meta.proto,
			 &meta.src, meta.sport, &meta.dst, meta.dport,
			 &src_is_1);
	f = gw_flow_lookup(w->flows, &key, gw_flow_key_hash(&key));
	if (f == NULL)
		return -1;
	return gw_flow_dir(f, src_is_1 ? 1 : 0) == GW_DIR_TO_SERVER ?
		       GW_PORT_LAN : GW_PORT_WAN;
}

/* ---- lifecycle ---- */

struct gw_worker *
gw_worker_create(const struct gw_worker_cfg *cfg)
{
	const struct gw_gateway_cfg *g = &cfg->policy->gw;
	struct gw_ext_limits lim = {
		.max_bytes = g->reasm_max_bytes,
		.max_segs = g->reasm_max_segs,
		.timeout_ns = g->reasm_timeout_ns,
	};
	struct gw_worker *w;

	w = rte_zmalloc("gw_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	if (w == NULL)
		return NULL;
	w->id = cfg->id;
	w->lcore = cfg->lcore;
	w->policy = cfg->policy;
	w->pool = cfg->pool;
	w->ring = cfg->ring;
	w->cmd_ring = cfg->cmd_ring;
	w->verify_timeout_ns = cfg->verify_timeout_ns;
	w->update_interval_ns = cfg->update_interval_ns;
	w->snap_src = cfg->snap_src;
	w->evid = cfg->evid;
	w->port_ids[GW_PORT_LAN] = cfg->port_ids[GW_PORT_LAN];
	w->port_ids[GW_PORT_WAN] = cfg->port_ids[GW_PORT_WAN];
	w->st.policy_version = cfg->policy->version;
	w->emit = cfg->emit;
	w->emit_ctx = cfg->emit_ctx;
	w->next_flow_id = 1;
	w->pipe_deep_flows = GW_PIPE_DEEP_FLOWS;
	w->flows = gw_flow_table_create(g->flow_capacity, &g->timeouts);
	w->ext_pool = gw_flow_ext_pool_create(g->pending_capacity, &lim);
	w->pending = calloc(g->pending_capacity, sizeof(*w->pending));
	w->tls_scratch_size = g->reasm_max_bytes;
	w->tls_scratch = malloc(w->tls_scratch_size);
	{
		struct gw_dns_bind_conf bc;

		gw_dns_bind_conf_init(&bc, g->bind_capacity,
				      g->bind_addrs_per_name);
		bc.grace_s = g->bind_grace_s;
		w->bind = gw_dns_bind_create(&bc);
	}
	w->dns_msg = malloc(sizeof(*w->dns_msg));
	w->dns_chain = malloc(sizeof(*w->dns_chain));
	/* Kept-alive HTTP trackers and DNS/TCP framing: a few per pending
	 * slot (they live as long as their connection). */
	w->insp_cap = g->pending_capacity * 4;
	w->insp = calloc(w->insp_cap, sizeof(*w->insp));
	if (w->insp != NULL) {
		uint32_t i;

		for (i = 0; i < w->insp_cap; i++)
			w->insp[i].next_free = i + 2 <= w->insp_cap ? i + 2 : 0;
		w->insp_free = w->insp_cap > 0 ? 1 : 0;
	}
	/* Later heads that span segments, at once: a quarter of the first
	 * heads the pending pool can hold (at least 64). */
	w->text_cap = RTE_MAX(g->pending_capacity / 4, 64u);
	w->texts = calloc(w->text_cap, sizeof(*w->texts));
	w->text_free = calloc(w->text_cap, sizeof(*w->text_free));
	if (w->text_free != NULL) {
		uint32_t i;

		for (i = 0; i < w->text_cap; i++)
			w->text_free[i] = w->text_cap - 1 - i;
		w->n_text_free = w->text_cap;
	}
	w->dns_tcp = gw_dns_tcp_pool_create(GW_DNS_TCP_FLOWS, 0);
	w->qlist = calloc(GW_QUARANTINE_MAX, sizeof(*w->qlist));
	w->qslot = calloc(2 * GW_QUARANTINE_MAX, sizeof(*w->qslot));
	if (w->snap_src != NULL && *w->snap_src != NULL) {
		/* The daemon's snapshot owns the scratch. */
		w->snap = *w->snap_src;
		w->policy = w->snap->policy;
		w->scratch = w->snap->scratch[w->id];
	} else {
		w->own_scratch = true;
	}
	if (cfg->policy->gw.mode == GW_MODE_NAT) {
		struct gw_wnat_cfg nc = {
			.policy = cfg->policy,
			.worker = cfg->id,
			.n_workers = cfg->n_workers > 0 ? cfg->n_workers : 1,
			.handoff = cfg->handoff,
		};

		memcpy(nc.mac, cfg->port_mac, sizeof(nc.mac));
		w->nat = gw_wnat_create(&nc);
		if (w->nat == NULL) {
			gw_worker_free(w);
			return NULL;
		}
	}
	if (w->flows == NULL || w->qlist == NULL || w->qslot == NULL ||
	    w->insp == NULL || w->texts == NULL || w->text_free == NULL ||
	    w->dns_tcp == NULL || w->ext_pool == NULL || w->pending == NULL ||
	    w->tls_scratch == NULL || w->bind == NULL || w->dns_msg == NULL ||
	    w->dns_chain == NULL ||
	    (w->own_scratch &&
	     gw_policy_scratch_grow(w->policy, &w->scratch) != 0)) {
		gw_worker_free(w);
		return NULL;
	}
	return w;
}

void
gw_worker_free(struct gw_worker *w)
{
	if (w == NULL)
		return;
	gw_flow_table_free(w->flows);
	gw_flow_ext_pool_free(w->ext_pool);
	gw_wnat_free(w->nat, w);
	w->nat = NULL;
	if (w->own_scratch)
		gw_match_scratch_free(w->scratch);
	free(w->qlist);
	free(w->qslot);
	free(w->insp);
	free(w->texts);
	free(w->text_free);
	gw_dns_tcp_pool_free(w->dns_tcp);
	free(w->pending);
	free(w->tls_scratch);
	gw_dns_bind_free(w->bind);
	free(w->dns_msg);
	free(w->dns_chain);
	rte_free(w);
}
