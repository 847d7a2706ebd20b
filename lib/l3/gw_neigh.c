/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "l3/gw_neigh.h"

#define NIL UINT32_MAX
#define NS_PER_MS 1000000ull
#define DEFAULT_REACHABLE_MS 300000
#define DEFAULT_RETRANS_MS 1000
#define DEFAULT_MAX_PROBES 3
#define DEFAULT_QUEUE_PER_ENTRY 4
#define DEFAULT_QUEUE_GLOBAL 1024
#define MAX_CAPACITY (1u << 24)
#define MAX_QUEUE_GLOBAL (1u << 24)

struct neigh_entry {
	struct gw_addr ip;
	uint16_t ifidx;
	uint8_t state;    /* enum gw_neigh_state; NONE when free */
	uint8_t probing;  /* on the timer list */
	uint8_t mac[GW_ETH_ALEN];
	uint32_t probes;
	uint32_t hnext;   /* hash chain, or free list */
	uint32_t lru_prev, lru_next; /* resolved entries only */
	uint32_t t_prev, t_next;     /* entries being probed */
	uint64_t confirmed_ns;
	uint64_t probe_ns;
	uint32_t q_head, q_tail, q_len;
};

struct neigh_slot {
	void *pkt;
	uint32_t next;
};

struct gw_neigh {
	uint32_t capacity;
	uint64_t reachable_ns;
	uint64_t retrans_ns;
	uint32_t max_probes;
	uint32_t queue_per_entry;
	uint32_t queue_global;
	uint32_t bucket_mask;
	uint32_t *buckets;
	struct neigh_entry *e;
	uint32_t free_head;
	uint32_t lru_head, lru_tail; /* head: most recently used */
	uint32_t t_head;
	struct neigh_slot *slots;
	uint32_t slot_free;
	struct gw_neigh_stats st;
};

static uint32_t
hash_key(uint16_t ifidx, const struct gw_addr *ip)
{
	uint64_t a, b, h;

	memcpy(&a, ip->b, 8);
	memcpy(&b, ip->b + 8, 8);
	h = a ^ (b * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)ifidx << 48);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	return (uint32_t)h;
}

struct gw_neigh *
gw_neigh_create(const struct gw_neigh_cfg *cfg)
{
	struct gw_neigh *n;
	uint32_t nb = 16, i;

	if (cfg == NULL || cfg->capacity == 0 || cfg->capacity > MAX_CAPACITY ||
	    cfg->queue_global > MAX_QUEUE_GLOBAL)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->capacity = cfg->capacity;
	n->reachable_ns = (uint64_t)(cfg->reachable_ms ? cfg->reachable_ms :
							 DEFAULT_REACHABLE_MS) *
			  NS_PER_MS;
	n->retrans_ns = (uint64_t)(cfg->retrans_ms ? cfg->retrans_ms :
						     DEFAULT_RETRANS_MS) *
			NS_PER_MS;
	n->max_probes = cfg->max_probes ? cfg->max_probes : DEFAULT_MAX_PROBES;
	n->queue_per_entry = cfg->queue_per_entry ? cfg->queue_per_entry :
						    DEFAULT_QUEUE_PER_ENTRY;
	n->queue_global = cfg->queue_global ? cfg->queue_global :
					      DEFAULT_QUEUE_GLOBAL;
	while (nb < n->capacity)
		nb <<= 1;
	n->bucket_mask = nb - 1;
	n->buckets = malloc(sizeof(*n->buckets) * nb);
	n->e = calloc(n->capacity, sizeof(*n->e));
	n->slots = calloc(n->queue_global, sizeof(*n->slots));
	if (n->buckets == NULL || n->e == NULL || n->slots == NULL) {
		gw_neigh_free(n);
		return NULL;
	}
	for (i = 0; i < nb; i++)
		n->buckets[i] = NIL;
	for (i = 0; i < n->capacity; i++)
		n->e[i].hnext = i + 1 < n->capacity ? i + 1 : NIL;
	for (i = 0; i < n->queue_global; i++)
		n->slots[i].next = i + 1 < n->queue_global ? i + 1 : NIL;
	n->free_head = 0;
	n->slot_free = 0;
	n->lru_head = n->lru_tail = NIL;
	n->t_head = NIL;
	return n;
}

void
gw_neigh_free(struct gw_neigh *n)
{
	if (n == NULL)
		return;
	free(n->buckets);
	free(n->e);
	free(n->slots);
	free(n);
}

static uint32_t
find(const struct gw_neigh *n, uint16_t ifidx, const struct gw_addr *ip)
{
	uint32_t i = n->buckets[hash_key(ifidx, ip) & n->bucket_mask];

	while (i != NIL) {
		const struct neigh_entry *e = &n->e[i];

		if (e->ifidx == ifidx && gw_addr_cmp(&e->ip, ip) == 0)
			return i;
		i = e->hnext;
	}
	return NIL;
}

/* ---- lists ---- */

static void
lru_unlink(struct gw_neigh *n, uint32_t i)
{
	struct neigh_entry *e = &n->e[i];

	if (e->lru_prev != NIL)
		n->e[e->lru_prev].lru_next = e->lru_next;
	else
		n->lru_head = e->lru_next;
	if (e->lru_next != NIL)
		n->e[e->lru_next].lru_prev = e->lru_prev;
	else
		n->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NIL;
}

static void
lru_push_head(struct gw_neigh *n, uint32_t i)
{
	struct neigh_entry *e = &n->e[i];

	e->lru_prev = NIL;
	e->lru_next = n->lru_head;
	if (n->lru_head != NIL)
		n->e[n->lru_head].lru_prev = i;
	else
		n->lru_tail = i;
	n->lru_head = i;
}

static void
lru_touch(struct gw_neigh *n, uint32_t i)
{
	if (n->lru_head == i)
		return;
	lru_unlink(n, i);
	lru_push_head(n, i);
}

static void
timer_add(struct gw_neigh *n, uint32_t i)
{
	struct neigh_entry *e = &n->e[i];

	if (e->probing)
		return;
	e->probing = 1;
	e->t_prev = NIL;
	e->t_next = n->t_head;
	if (n->t_head != NIL)
		n->e[n->t_head].t_prev = i;
	n->t_head = i;
}

static void
timer_del(struct gw_neigh *n, uint32_t i)
{
	struct neigh_entry *e = &n->e[i];

	if (!e->probing)
		return;
	if (e->t_prev != NIL)
		n->e[e->t_prev].t_next = e->t_next;
	else
		n->t_head = e->t_next;
	if (e->t_next != NIL)
		n->e[e->t_next].t_prev = e->t_prev;
	e->probing = 0;
	e->t_prev = e->t_next = NIL;
}

/* ---- entries ---- */

/* Unlinks entry i from every structure and frees it; its queue must be
 * empty. */
static void
entry_remove(struct gw_neigh *n, uint32_t i)
{
	struct neigh_entry *e = &n->e[i];
	uint32_t *pp = &n->buckets[hash_key(e->ifidx, &e->ip) & n->bucket_mask];

	while (*pp != i)
		pp = &n->e[*pp].hnext;
	*pp = e->hnext;
	timer_del(n, i);
	if (e->state != GW_NEIGH_INCOMPLETE)
		lru_unlink(n, i);
	e->state = GW_NEIGH_NONE;
	e->hnext = n->free_head;
	n->free_head = i;
	n->st.entries--;
}

/* A fresh entry for (ifidx, ip) in state INCOMPLETE (not on the LRU list),
 * evicting the least recently used resolved entry when the table is full.
 * Entries being resolved are never evicted: they may hold packets. */
static uint32_t
entry_new(struct gw_neigh *n, uint16_t ifidx, const struct gw_addr *ip)
{
	struct neigh_entry *e;
	uint32_t i, b;

	if (n->free_head == NIL) {
		if (n->lru_tail == NIL)
			return NIL;
		entry_remove(n, n->lru_tail);
		n->st.evictions++;
	}
	i = n->free_head;
	e = &n->e[i];
	n->free_head = e->hnext;
	memset(e, 0, sizeof(*e));
	e->ip = *ip;
	e->ifidx = ifidx;
	e->state = GW_NEIGH_INCOMPLETE;
	e->lru_prev = e->lru_next = NIL;
	e->t_prev = e->t_next = NIL;
	e->q_head = e->q_tail = NIL;
	b = hash_key(ifidx, ip) & n->bucket_mask;
	e->hnext = n->buckets[b];
	n->buckets[b] = i;
	n->st.entries++;
	return i;
}

static bool
enqueue(struct gw_neigh *n, struct neigh_entry *e, void *pkt)
{
	uint32_t s = n->slot_free;

	if (e->q_len >= n->queue_per_entry || s == NIL)
		return false;
	n->slot_free = n->slots[s].next;
	n->slots[s].pkt = pkt;
	n->slots[s].next = NIL;
	if (e->q_tail != NIL)
		n->slots[e->q_tail].next = s;
	else
		e->q_head = s;
	e->q_tail = s;
	e->q_len++;
	n->st.queued++;
	return true;
}

static void *
dequeue(struct gw_neigh *n, struct neigh_entry *e)
{
	uint32_t s = e->q_head;
	void *pkt;

	if (s == NIL)
		return NULL;
	pkt = n->slots[s].pkt;
	e->q_head = n->slots[s].next;
	if (e->q_head == NIL)
		e->q_tail = NIL;
	e->q_len--;
	n->slots[s].pkt = NULL;
	n->slots[s].next = n->slot_free;
	n->slot_free = s;
	n->st.queued--;
	return pkt;
}

static void
drop_queue(struct gw_neigh *n, struct neigh_entry *e,
	   const struct gw_neigh_cbs *cbs, void *ctx)
{
	void *pkt;

	while ((pkt = dequeue(n, e)) != NULL) {
		n->st.unresolved++;
		cbs->drop(ctx, pkt, GW_REASON_NEIGH_UNRESOLVED);
	}
}

static uint8_t
effective_state(const struct gw_neigh *n, const struct neigh_entry *e,
		uint64_t now_ns)
{
	if (e->state == GW_NEIGH_REACHABLE &&
	    now_ns - e->confirmed_ns >= n->reachable_ns)
		return GW_NEIGH_STALE;
	return e->state;
}

enum gw_neigh_action
gw_neigh_resolve(struct gw_neigh *n, uint16_t ifidx, const struct gw_addr *ip,
		 void *pkt, uint64_t now_ns, uint8_t mac[GW_ETH_ALEN])
{
	struct neigh_entry *e;
	uint32_t i;

	if (n == NULL || ip == NULL || pkt == NULL || mac == NULL)
		return GW_NEIGH_DROP_FULL;
	i = find(n, ifidx, ip);
	if (i == NIL) {
		/* no slot left for the packet: do not even start resolving,
		 * the next packet will */
		if (n->slot_free == NIL) {
			n->st.queue_full++;
			return GW_NEIGH_DROP_FULL;
		}
		i = entry_new(n, ifidx, ip);
		if (i == NIL) {
			n->st.queue_full++;
			return GW_NEIGH_DROP_FULL;
		}
		e = &n->e[i];
		enqueue(n, e, pkt);
		e->probes = 1;
		e->probe_ns = now_ns;
		timer_add(n, i);
		n->st.probes++;
		return GW_NEIGH_QUEUED_PROBE;
	}
	e = &n->e[i];
	if (e->state == GW_NEIGH_INCOMPLETE) {
		if (!enqueue(n, e, pkt)) {
			n->st.queue_full++;
			return GW_NEIGH_DROP_FULL;
		}
		return GW_NEIGH_QUEUED;
	}
	lru_touch(n, i);
	memcpy(mac, e->mac, GW_ETH_ALEN);
	e->state = effective_state(n, e, now_ns);
	if (e->state == GW_NEIGH_STALE && !e->probing) {
		/* first use since it went stale: keep sending to the known
		 * MAC and confirm it with unicast probes (RFC 1122 2.3.2.1,
		 * RFC 4861 7.3.3) */
		e->probes = 1;
		e->probe_ns = now_ns;
		timer_add(n, i);
		n->st.probes++;
		return GW_NEIGH_SEND_PROBE;
	}
	return GW_NEIGH_SEND;
}

enum gw_neigh_state
gw_neigh_update(struct gw_neigh *n, uint16_t ifidx, const struct gw_addr *ip,
		const uint8_t mac[GW_ETH_ALEN], bool confirmed, bool create,
		uint64_t now_ns, const struct gw_neigh_cbs *cbs, void *ctx)
{
	struct neigh_entry *e;
	uint32_t i;
	void *pkt;

	if (n == NULL || ip == NULL || mac == NULL || cbs == NULL ||
	    cbs->send == NULL)
		return GW_NEIGH_NONE;
	i = find(n, ifidx, ip);
	if (i == NIL) {
		if (!create)
			return GW_NEIGH_NONE;
		i = entry_new(n, ifidx, ip);
		if (i == NIL)
			return GW_NEIGH_NONE;
		/* a new entry has nothing queued: it skips INCOMPLETE */
	}
	e = &n->e[i];
	if (e->state == GW_NEIGH_INCOMPLETE) {
		timer_del(n, i);
		memcpy(e->mac, mac, GW_ETH_ALEN);
		e->state = confirmed ? GW_NEIGH_REACHABLE : GW_NEIGH_STALE;
		e->confirmed_ns = now_ns;
		e->probes = 0;
		lru_push_head(n, i);
		while ((pkt = dequeue(n, e)) != NULL)
			cbs->send(ctx, pkt, e->mac);
		return e->state;
	}
	lru_touch(n, i);
	if (confirmed) {
		timer_del(n, i);
		memcpy(e->mac, mac, GW_ETH_ALEN);
		e->state = GW_NEIGH_REACHABLE;
		e->confirmed_ns = now_ns;
		e->probes = 0;
	} else if (memcmp(e->mac, mac, GW_ETH_ALEN) != 0) {
		timer_del(n, i);
		memcpy(e->mac, mac, GW_ETH_ALEN);
		e->state = GW_NEIGH_STALE;
		e->probes = 0;
	}
	return e->state;
}

int
gw_neigh_timers(struct gw_neigh *n, uint64_t now_ns,
		const struct gw_neigh_cbs *cbs, void *ctx)
{
	uint32_t i, next;
	int events = 0;

	if (n == NULL || cbs == NULL || cbs->probe == NULL || cbs->drop == NULL)
		return GW_EINVAL;
	for (i = n->t_head; i != NIL; i = next) {
		struct neigh_entry *e = &n->e[i];

		next = e->t_next;
		if (now_ns - e->probe_ns < n->retrans_ns)
			continue;
		if (e->probes < n->max_probes) {
			e->probes++;
			e->probe_ns = now_ns;
			n->st.probes++;
			events++;
			cbs->probe(ctx, e->ifidx, &e->ip,
				   e->state == GW_NEIGH_INCOMPLETE ? NULL :
								     e->mac);
			continue;
		}
		/* no answer to max_probes probes */
		n->st.failed++;
		events++;
		drop_queue(n, e, cbs, ctx);
		entry_remove(n, i);
	}
	return events;
}

void
gw_neigh_flush(struct gw_neigh *n, const struct gw_neigh_cbs *cbs, void *ctx)
{
	uint32_t i;

	if (n == NULL || cbs == NULL || cbs->drop == NULL)
		return;
	for (i = 0; i < n->capacity; i++) {
		if (n->e[i].state == GW_NEIGH_NONE)
			continue;
		drop_queue(n, &n->e[i], cbs, ctx);
		entry_remove(n, i);
	}
}

int
gw_neigh_lookup(const struct gw_neigh *n, uint16_t ifidx,
		const struct gw_addr *ip, struct gw_neigh_info *info)
{
	const struct neigh_entry *e;
	uint32_t i;

	if (n == NULL || ip == NULL || info == NULL)
		return GW_EINVAL;
	i = find(n, ifidx, ip);
	if (i == NIL)
		return GW_ENOENT;
	e = &n->e[i];
	/* reported as of the last resolve/update: aging is applied on use */
	info->state = e->state;
	memcpy(info->mac, e->mac, GW_ETH_ALEN);
	info->probes = e->probes;
	info->queued = e->q_len;
	return GW_OK;
}

void
gw_neigh_get_stats(const struct gw_neigh *n, struct gw_neigh_stats *st)
{
	if (n == NULL || st == NULL)
		return;
	*st = n->st;
}
