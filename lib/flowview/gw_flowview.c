/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "flow/gw_flow.h"
#include "flowview/gw_flowview.h"

/*
 * Two bounded tables share one shape: a pool of entries (all allocated at
 * create), an open-addressing index (linear probing, backward-shift
 * deletion so no tombstones pile up; each slot keeps its hash so a shift
 * never rehashes) and a recency list threaded through the entries (head =
 * most recent), which gives both "newest first" listing and the eviction
 * victim. The ended flows are a plain ring.
 */

#define NIL UINT32_MAX

struct slot {
	uint32_t idx; /* entry index, NIL when empty */
	uint32_t hash;
};

struct index {
	struct slot *slot;
	uint32_t mask;
};

struct lru {
	uint32_t *prev;
	uint32_t *next; /* also the free list */
	uint32_t head;  /* most recent */
	uint32_t tail;  /* least recent */
	uint32_t free;
	uint32_t count;
	uint32_t cap;
};

struct host_entry {
	struct gw_flowview_host h;
};

struct gw_flowview {
	/* active flows */
	struct gw_flowview_flow *flows;
	struct index flow_idx;
	struct lru flow_lru;
	/* ended ring */
	struct gw_flowview_flow *ended;
	uint32_t ended_cap;
	uint32_t ended_head; /* next slot to write */
	uint32_t ended_count;
	/* hosts */
	struct host_entry *hosts;
	struct index host_idx;
	struct lru host_lru;
	/* newest last_ns among flows lost to eviction or overwrite (top's partial flag) */
	uint64_t lost_newest_ns;
	struct gw_flowview_stats st;
};

/* ---- hashing ---- */

static uint32_t
flow_hash(uint8_t worker, uint64_t flow_id)
{
	return (uint32_t)gw_hash64(flow_id ^ ((uint64_t)worker << 48) ^
			       0x9e3779b97f4a7c15ULL);
}

static uint32_t
addr_hash(const struct gw_addr *a)
{
	uint64_t x;
	uint64_t y;

	memcpy(&x, a->b, 8);
	memcpy(&y, a->b + 8, 8);
	return (uint32_t)gw_hash64(x ^ gw_hash64(y));
}

/* ---- index ---- */

static int
index_init(struct index *ix, uint32_t cap)
{
	uint32_t n = 16;
	uint32_t i;

	/* At most half full: probes stay short. */
	while (n < 2 * (uint64_t)cap)
		n <<= 1;
	ix->slot = malloc((size_t)n * sizeof(*ix->slot));
	if (ix->slot == NULL)
		return GW_ENOMEM;
	for (i = 0; i < n; i++)
		ix->slot[i].idx = NIL;
	ix->mask = n - 1;
	return 0;
}

static void
index_insert(struct index *ix, uint32_t hash, uint32_t idx)
{
	uint32_t p = hash & ix->mask;

	while (ix->slot[p].idx != NIL)
		p = (p + 1) & ix->mask;
	ix->slot[p].idx = idx;
	ix->slot[p].hash = hash;
}

/* Position of the slot holding idx (which must be there). */
static uint32_t
index_pos(const struct index *ix, uint32_t hash, uint32_t idx)
{
	uint32_t p = hash & ix->mask;

	while (ix->slot[p].idx != idx)
		p = (p + 1) & ix->mask;
	return p;
}

static void
index_remove(struct index *ix, uint32_t hash, uint32_t idx)
{
	uint32_t hole = index_pos(ix, hash, idx);
	uint32_t p = hole;

	/* Backward shift: move up every entry whose probe run crosses the hole. */
	for (;;) {
		uint32_t home;

		p = (p + 1) & ix->mask;
		if (ix->slot[p].idx == NIL)
			break;
		home = ix->slot[p].hash & ix->mask;
		if (((p - home) & ix->mask) >= ((p - hole) & ix->mask)) {
			ix->slot[hole] = ix->slot[p];
			hole = p;
		}
	}
	ix->slot[hole].idx = NIL;
}

/* ---- recency list and pool ---- */

static int
lru_init(struct lru *l, uint32_t cap)
{
	uint32_t i;

	l->prev = malloc((size_t)cap * sizeof(*l->prev));
	l->next = malloc((size_t)cap * sizeof(*l->next));
	if (l->prev == NULL || l->next == NULL)
		return GW_ENOMEM;
	for (i = 0; i < cap; i++)
		l->next[i] = i + 1 < cap ? i + 1 : NIL;
	l->free = 0;
	l->head = NIL;
	l->tail = NIL;
	l->count = 0;
	l->cap = cap;
	return 0;
}

static void
lru_unlink(struct lru *l, uint32_t i)
{
	if (l->prev[i] != NIL)
		l->next[l->prev[i]] = l->next[i];
	else
		l->head = l->next[i];
	if (l->next[i] != NIL)
		l->prev[l->next[i]] = l->prev[i];
	else
		l->tail = l->prev[i];
}

static void
lru_push_head(struct lru *l, uint32_t i)
{
	l->prev[i] = NIL;
	l->next[i] = l->head;
	if (l->head != NIL)
		l->prev[l->head] = i;
	l->head = i;
	if (l->tail == NIL)
		l->tail = i;
}

static void
lru_touch(struct lru *l, uint32_t i)
{
	if (l->head == i)
		return;
	lru_unlink(l, i);
	lru_push_head(l, i);
}

/* A free entry, linked at the head; NIL when the pool is empty. */
static uint32_t
lru_alloc(struct lru *l)
{
	uint32_t i = l->free;

	if (i == NIL)
		return NIL;
	l->free = l->next[i];
	lru_push_head(l, i);
	l->count++;
	return i;
}

static void
lru_release(struct lru *l, uint32_t i)
{
	lru_unlink(l, i);
	l->next[i] = l->free;
	l->free = i;
	l->count--;
}

static void
lru_free(struct lru *l)
{
	free(l->prev);
	free(l->next);
}

/* ---- create / free ---- */

struct gw_flowview *
gw_flowview_create(const struct gw_flowview_config *cfg)
{
	struct gw_flowview_config c = {0};
	struct gw_flowview *fv;

	if (cfg != NULL)
		c = *cfg;
	if (c.max_active == 0)
		c.max_active = GW_FLOWVIEW_ACTIVE_DEFAULT;
	if (c.max_ended == 0)
		c.max_ended = GW_FLOWVIEW_ENDED_DEFAULT;
	if (c.max_hosts == 0)
		c.max_hosts = GW_FLOWVIEW_HOSTS_DEFAULT;
	if (c.max_active > GW_FLOWVIEW_CAP_MAX ||
	    c.max_ended > GW_FLOWVIEW_CAP_MAX || c.max_hosts > GW_FLOWVIEW_CAP_MAX)
		return NULL;
	fv = calloc(1, sizeof(*fv));
	if (fv == NULL)
		return NULL;
	fv->flows = calloc(c.max_active, sizeof(*fv->flows));
	fv->ended = calloc(c.max_ended, sizeof(*fv->ended));
	fv->hosts = calloc(c.max_hosts, sizeof(*fv->hosts));
	fv->ended_cap = c.max_ended;
	if (fv->flows == NULL || fv->ended == NULL || fv->hosts == NULL ||
	    index_init(&fv->flow_idx, c.max_active) != 0 ||
	    lru_init(&fv->flow_lru, c.max_active) != 0 ||
	    index_init(&fv->host_idx, c.max_hosts) != 0 ||
	    lru_init(&fv->host_lru, c.max_hosts) != 0) {
		gw_flowview_free(fv);
		return NULL;
	}
	fv->st.max_active = c.max_active;
	fv->st.max_ended = c.max_ended;
	fv->st.max_hosts = c.max_hosts;
	return fv;
}

void
gw_flowview_free(struct gw_flowview *fv)
{
	if (fv == NULL)
		return;
	free(fv->flows);
	free(fv->ended);
	free(fv->hosts);
	free(fv->flow_idx.slot);
	free(fv->host_idx.slot);
	lru_free(&fv->flow_lru);
	lru_free(&fv->host_lru);
	free(fv);
}

/* ---- feeding ---- */

static uint32_t
flow_find(const struct gw_flowview *fv, uint8_t worker, uint64_t flow_id,
	  uint32_t hash)
{
	const struct index *ix = &fv->flow_idx;
	uint32_t p = hash & ix->mask;

	for (; ix->slot[p].idx != NIL; p = (p + 1) & ix->mask) {
		const struct gw_flowview_flow *f = &fv->flows[ix->slot[p].idx];

		if (ix->slot[p].hash == hash && f->flow_id == flow_id &&
		    f->worker == worker)
			return ix->slot[p].idx;
	}
	return NIL;
}

static void
note_lost(struct gw_flowview *fv, const struct gw_flowview_flow *f)
{
	fv->lost_newest_ns = GW_MAX(fv->lost_newest_ns, f->last_ns);
}

static void
flow_remove(struct gw_flowview *fv, uint32_t i)
{
	const struct gw_flowview_flow *f = &fv->flows[i];

	index_remove(&fv->flow_idx, flow_hash(f->worker, f->flow_id), i);
	lru_release(&fv->flow_lru, i);
}

/* A new active entry (oldest evicted when full), tuple from the record. */
static uint32_t
flow_new(struct gw_flowview *fv, const struct gw_record *r, uint32_t hash)
{
	struct gw_flowview_flow *f;
	uint32_t i;

	if (fv->flow_lru.free == NIL) {
		i = fv->flow_lru.tail;
		note_lost(fv, &fv->flows[i]);
		flow_remove(fv, i);
		fv->st.active_evicted++;
	}
	i = lru_alloc(&fv->flow_lru);
	f = &fv->flows[i];
	memset(f, 0, sizeof(*f));
	f->flow_id = r->flow_id;
	f->worker = r->worker;
	f->state = GW_FLOWVIEW_STATE_ACTIVE;
	f->rule_index = -1;
	f->start_ns = r->start_ns != 0 ? r->start_ns : r->ts_ns;
	index_insert(&fv->flow_idx, hash, i);
	return i;
}

/* What every flow record says about the flow; names only when it carries one. */
static void
flow_apply(struct gw_flowview_flow *f, const struct gw_record *r)
{
	f->proto = r->proto;
	f->af = r->af;
	f->vlan_outer = r->vlan_outer;
	f->vlan_inner = r->vlan_inner;
	f->sport = r->sport;
	f->dport = r->dport;
	f->src = r->src;
	f->dst = r->dst;
	if (r->role[0] != '\0' || f->role[0] == '\0') {
		memcpy(f->role, r->role, sizeof(f->role));
		f->role[sizeof(f->role) - 1] = '\0';
	}
	if (r->start_ns != 0)
		f->start_ns = r->start_ns;
	f->last_ns = GW_MAX(f->last_ns, r->ts_ns);
	/* Counters are cumulative: an older record never lowers them. */
	f->pkts_toserver = GW_MAX(f->pkts_toserver, r->pkts_toserver);
	f->pkts_toclient = GW_MAX(f->pkts_toclient, r->pkts_toclient);
	f->bytes_toserver = GW_MAX(f->bytes_toserver, r->bytes_toserver);
	f->bytes_toclient = GW_MAX(f->bytes_toclient, r->bytes_toclient);
	if (r->type == GW_REC_VERDICT || r->verdict != 0) {
		f->verdict = r->verdict;
		f->reason = r->reason;
		f->rule_kind = r->rule_kind;
		f->rule_index = r->rule_index;
		f->sig_id = r->sig_id;
		f->bind_state = r->bind_state;
	}
	if (r->app != 0) {
		f->app = r->app;
		if (r->name_len > 0) {
			f->name_len = r->name_len;
			memcpy(f->name, r->name, r->name_len);
		}
	}
	if (r->has_snat) {
		f->has_snat = 1;
		f->snat_addr = r->snat_addr;
		f->snat_port = r->snat_port;
	}
	if (r->type == GW_REC_END)
		f->end_cause = r->end_cause;
}

static void
host_seen(struct gw_flowview *fv, const struct gw_record *r)
{
	uint32_t hash = addr_hash(&r->src);
	const struct index *ix = &fv->host_idx;
	struct gw_flowview_host *h;
	uint32_t p = hash & ix->mask;
	uint32_t i = NIL;

	for (; ix->slot[p].idx != NIL; p = (p + 1) & ix->mask) {
		if (ix->slot[p].hash == hash &&
		    gw_addr_cmp(&fv->hosts[ix->slot[p].idx].h.addr, &r->src) == 0) {
			i = ix->slot[p].idx;
			break;
		}
	}
	if (i == NIL) {
		if (fv->host_lru.free == NIL) {
			uint32_t old = fv->host_lru.tail;

			index_remove(&fv->host_idx,
				     addr_hash(&fv->hosts[old].h.addr), old);
			lru_release(&fv->host_lru, old);
			fv->st.hosts_evicted++;
		}
		i = lru_alloc(&fv->host_lru);
		memset(&fv->hosts[i], 0, sizeof(fv->hosts[i]));
		fv->hosts[i].h.addr = r->src;
		index_insert(&fv->host_idx, hash, i);
	} else {
		lru_touch(&fv->host_lru, i);
	}
	h = &fv->hosts[i].h;
	/* A record of a flow that ended long ago does not rewind the host. */
	if (r->ts_ns < h->last_seen_ns)
		return;
	h->last_seen_ns = r->ts_ns;
	h->vlan_outer = r->vlan_outer;
	h->vlan_inner = r->vlan_inner;
	memcpy(h->role, r->role, sizeof(h->role));
	h->role[sizeof(h->role) - 1] = '\0';
}

static void
ended_push(struct gw_flowview *fv, const struct gw_flowview_flow *f)
{
	struct gw_flowview_flow *slot = &fv->ended[fv->ended_head];

	if (fv->ended_count == fv->ended_cap) {
		note_lost(fv, slot);
		fv->st.ended_overwritten++;
	} else {
		fv->ended_count++;
	}
	*slot = *f;
	slot->state = GW_FLOWVIEW_STATE_ENDED;
	fv->ended_head = (fv->ended_head + 1) % fv->ended_cap;
}

void
gw_flowview_record(struct gw_flowview *fv, const struct gw_record *r)
{
	uint32_t hash;
	uint32_t i;

	if (fv == NULL || r == NULL)
		return;
	fv->st.records++;
	switch (r->type) {
	case GW_REC_START:
	case GW_REC_VERDICT:
	case GW_FLOWVIEW_REC_UPDATE:
	case GW_REC_END:
		break;
	default:
		fv->st.ignored++;
		return;
	}
	host_seen(fv, r);
	hash = flow_hash(r->worker, r->flow_id);
	i = flow_find(fv, r->worker, r->flow_id, hash);
	if (r->type == GW_REC_END) {
		struct gw_flowview_flow f;

		if (i != NIL) {
			f = fv->flows[i];
			flow_remove(fv, i);
		} else {
			/* Its START was lost or evicted: keep what END says. */
			fv->st.end_unknown++;
			memset(&f, 0, sizeof(f));
			f.flow_id = r->flow_id;
			f.worker = r->worker;
			f.rule_index = -1;
			f.start_ns = r->start_ns;
		}
		flow_apply(&f, r);
		ended_push(fv, &f);
		return;
	}
	if (i == NIL)
		i = flow_new(fv, r, hash);
	else
		lru_touch(&fv->flow_lru, i);
	flow_apply(&fv->flows[i], r);
}

/* ---- queries ---- */

static bool
filter_match(const struct gw_flowview_filter *flt,
	     const struct gw_flowview_flow *f)
{
	if (flt == NULL)
		return true;
	if (flt->active_only && f->state != GW_FLOWVIEW_STATE_ACTIVE)
		return false;
	if (flt->denied_only && f->verdict != GW_VERDICT_DENY)
		return false;
	if (flt->role != NULL && strcmp(flt->role, f->role) != 0)
		return false;
	if (flt->host != NULL && gw_addr_cmp(flt->host, &f->src) != 0 &&
	    gw_addr_cmp(flt->host, &f->dst) != 0)
		return false;
	if (flt->src != NULL && gw_addr_cmp(flt->src, &f->src) != 0)
		return false;
	if (flt->dst != NULL && gw_addr_cmp(flt->dst, &f->dst) != 0)
		return false;
	if (flt->dport != 0 && flt->dport != f->dport)
		return false;
	return true;
}

/* Calls fn on every flow, newest first (active, then ended); stops when fn returns false. */
typedef bool (*flow_fn)(const struct gw_flowview_flow *f, void *arg);

static void
foreach_flow(const struct gw_flowview *fv, flow_fn fn, void *arg)
{
	uint32_t i;
	uint32_t k;

	for (i = fv->flow_lru.head; i != NIL; i = fv->flow_lru.next[i]) {
		if (!fn(&fv->flows[i], arg))
			return;
	}
	for (k = 1; k <= fv->ended_count; k++) {
		i = (fv->ended_head + fv->ended_cap - k) % fv->ended_cap;
		if (!fn(&fv->ended[i], arg))
			return;
	}
}

struct list_ctx {
	const struct gw_flowview_filter *flt;
	struct gw_flowview_flow *out;
	size_t max;
	size_t n;
	size_t total;
};

static bool
list_one(const struct gw_flowview_flow *f, void *arg)
{
	struct list_ctx *c = arg;

	if (!filter_match(c->flt, f))
		return true;
	if (c->n < c->max)
		c->out[c->n++] = *f;
	c->total++;
	return true;
}

size_t
gw_flowview_list(const struct gw_flowview *fv,
		 const struct gw_flowview_filter *f,
		 struct gw_flowview_flow *out, size_t max, size_t *total)
{
	struct list_ctx c = {.flt = f, .out = out, .max = out != NULL ? max : 0};

	if (fv != NULL)
		foreach_flow(fv, list_one, &c);
	if (total != NULL)
		*total = c.total;
	return c.n;
}

int
gw_flowview_host(const struct gw_flowview *fv, const struct gw_addr *addr,
		 struct gw_flowview_host *out)
{
	uint32_t hash;
	uint32_t p;

	if (fv == NULL || addr == NULL)
		return GW_EINVAL;
	hash = addr_hash(addr);
	for (p = hash & fv->host_idx.mask; fv->host_idx.slot[p].idx != NIL;
	     p = (p + 1) & fv->host_idx.mask) {
		const struct gw_flowview_host *h =
			&fv->hosts[fv->host_idx.slot[p].idx].h;

		if (fv->host_idx.slot[p].hash == hash &&
		    gw_addr_cmp(&h->addr, addr) == 0) {
			if (out != NULL)
				*out = *h;
			return 0;
		}
	}
	return GW_ENOENT;
}

void
gw_flowview_get_stats(const struct gw_flowview *fv,
		      struct gw_flowview_stats *st)
{
	if (fv == NULL || st == NULL)
		return;
	*st = fv->st;
	st->active = fv->flow_lru.count;
	st->ended = fv->ended_count;
	st->hosts = fv->host_lru.count;
}

