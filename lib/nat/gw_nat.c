/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "nat/gw_nat.h"

#define NS_PER_S 1000000000ull
#define NONE UINT32_MAX
#define N_PROTO 3 /* TCP, UDP, ICMP: separate port spaces */

struct gw_nat {
	struct gw_nat_pool_cfg cfg; /* cfg.addrs points to addrs below */
	uint32_t *addrs;
	unsigned int worker;
	uint16_t slice_lo;
	uint16_t slice_hi;
	uint32_t slice_n;     /* ports in the slice */
	uint32_t words;       /* 64-bit words per bitmap */
	uint64_t *bitmap;     /* [addr][proto][words], bit set = port in use */
	uint32_t *free_cnt;   /* [addr][proto] */
	uint32_t *cursor;     /* [addr][proto]: next offset to scan from */
	uint64_t total_free[N_PROTO];
	struct gw_nat_map *maps;
	uint32_t capacity;
	uint32_t free_head;   /* free list through in_next */
	uint32_t *in_head;    /* hash buckets, chains through in_next */
	uint32_t *out_head;   /* hash buckets, chains through out_next */
	uint32_t mask;        /* buckets - 1 */
	uint32_t sweep;       /* next slot gw_nat_expire examines */
	struct gw_nat_stats st;
};

void
gw_nat_timers_default(struct gw_nat_timers *t)
{
	t->tcp_established = 7440 * NS_PER_S;
	t->tcp_transitory = 240 * NS_PER_S;
	t->udp = 300 * NS_PER_S;
	t->icmp = 60 * NS_PER_S;
}

static int
proto_idx(uint8_t proto)
{
	switch (proto) {
	case GW_PROTO_TCP:
		return 0;
	case GW_PROTO_UDP:
		return 1;
	case GW_PROTO_ICMP:
		return 2;
	default:
		return -1;
	}
}

static inline uint32_t
key_hash(uint8_t proto, uint32_t addr, uint16_t port)
{
	return (uint32_t)gw_hash64((uint64_t)addr << 32 | (uint32_t)port << 8 |
				  proto);
}

/* Offset of worker i's slice start from port_lo. */
static inline uint32_t
slice_start(uint32_t range, uint32_t n, uint32_t i)
{
	return (uint32_t)((uint64_t)i * range / n);
}

int
gw_nat_pool_cfg_check(const struct gw_nat_pool_cfg *cfg)
{
	uint32_t i, j;

	if (cfg == NULL || cfg->addrs == NULL || cfg->n_addrs == 0 ||
	    cfg->n_addrs > GW_NAT_MAX_ADDRS || cfg->n_workers == 0 ||
	    cfg->n_workers > GW_NAT_MAX_WORKERS || cfg->port_lo == 0 ||
	    cfg->port_lo > cfg->port_hi)
		return GW_EINVAL;
	if ((uint32_t)cfg->port_hi - cfg->port_lo + 1 < cfg->n_workers)
		return GW_EINVAL;
	/* Quadratic, but only at load and for at most 4096 addresses. */
	for (i = 0; i < cfg->n_addrs; i++)
		for (j = i + 1; j < cfg->n_addrs; j++)
			if (cfg->addrs[i] == cfg->addrs[j])
				return GW_EINVAL;
	return 0;
}

int
gw_nat_slice(const struct gw_nat_pool_cfg *cfg, unsigned int worker,
	     uint16_t *lo, uint16_t *hi)
{
	uint32_t range;

	if (cfg == NULL || cfg->n_workers == 0 || worker >= cfg->n_workers ||
	    cfg->port_lo > cfg->port_hi)
		return GW_EINVAL;
	range = (uint32_t)cfg->port_hi - cfg->port_lo + 1;
	if (range < cfg->n_workers)
		return GW_EINVAL;
	*lo = (uint16_t)(cfg->port_lo +
			 slice_start(range, cfg->n_workers, worker));
	*hi = (uint16_t)(cfg->port_lo +
			 slice_start(range, cfg->n_workers, worker + 1) - 1);
	return 0;
}

int
gw_nat_owner(const struct gw_nat_pool_cfg *cfg, uint32_t pool_addr,
	     uint16_t pool_port)
{
	uint32_t range, n, p, i;

	(void)pool_addr; /* every address is partitioned alike */
	if (cfg == NULL || cfg->n_workers == 0 || cfg->port_lo > cfg->port_hi)
		return GW_EINVAL;
	if (pool_port < cfg->port_lo || pool_port > cfg->port_hi)
		return GW_ENOENT;
	range = (uint32_t)cfg->port_hi - cfg->port_lo + 1;
	n = cfg->n_workers;
	if (range < n)
		return GW_EINVAL;
	p = pool_port - cfg->port_lo;
	/* floor(p*n/R) is the owner or one below it (slice starts are
	 * floored): adjust instead of searching. */
	i = (uint32_t)((uint64_t)p * n / range);
	while (i + 1 < n && slice_start(range, n, i + 1) <= p)
		i++;
	while (i > 0 && slice_start(range, n, i) > p)
		i--;
	return (int)i;
}

struct gw_nat *
gw_nat_create(const struct gw_nat_pool_cfg *cfg, unsigned int worker,
	      uint32_t capacity)
{
	struct gw_nat *nat;
	size_t n_bm, buckets = 1;
	uint32_t i, tail;

	if (gw_nat_pool_cfg_check(cfg) != 0 || worker >= cfg->n_workers ||
	    capacity == 0 || capacity > (1u << 30))
		return NULL;
	nat = calloc(1, sizeof(*nat));
	if (nat == NULL)
		return NULL;
	nat->cfg = *cfg;
	nat->worker = worker;
	if (gw_nat_slice(cfg, worker, &nat->slice_lo, &nat->slice_hi) != 0)
		goto fail;
	nat->slice_n = (uint32_t)nat->slice_hi - nat->slice_lo + 1;
	nat->words = (nat->slice_n + 63) / 64;
	n_bm = (size_t)cfg->n_addrs * N_PROTO;
	while (buckets < capacity)
		buckets <<= 1;
	nat->mask = (uint32_t)buckets - 1;
	nat->capacity = capacity;
	nat->addrs = malloc(sizeof(uint32_t) * cfg->n_addrs);
	nat->bitmap = calloc(n_bm * nat->words, sizeof(uint64_t));
	nat->free_cnt = malloc(sizeof(uint32_t) * n_bm);
	nat->cursor = calloc(n_bm, sizeof(uint32_t));
	nat->maps = calloc(capacity, sizeof(struct gw_nat_map));
	nat->in_head = malloc(sizeof(uint32_t) * buckets);
	nat->out_head = malloc(sizeof(uint32_t) * buckets);
	if (nat->addrs == NULL || nat->bitmap == NULL ||
	    nat->free_cnt == NULL || nat->cursor == NULL ||
	    nat->maps == NULL || nat->in_head == NULL ||
	    nat->out_head == NULL)
		goto fail;
	memcpy(nat->addrs, cfg->addrs, sizeof(uint32_t) * cfg->n_addrs);
	nat->cfg.addrs = nat->addrs;
	memset(nat->in_head, 0xff, sizeof(uint32_t) * buckets);
	memset(nat->out_head, 0xff, sizeof(uint32_t) * buckets);
	/* Bits past the slice in the last word are marked used so that the
	 * word scan never returns them. */
	tail = nat->slice_n % 64;
	for (i = 0; i < n_bm; i++) {
		nat->free_cnt[i] = nat->slice_n;
		if (tail != 0)
			nat->bitmap[(size_t)i * nat->words + nat->words - 1] =
				~0ull << tail;
	}
	for (i = 0; i < N_PROTO; i++)
		nat->total_free[i] = (uint64_t)cfg->n_addrs * nat->slice_n;
	for (i = 0; i < capacity; i++) {
		nat->maps[i].slot = i;
		nat->maps[i].in_next = i + 1 < capacity ? i + 1 : NONE;
		nat->maps[i].out_next = NONE;
	}
	nat->free_head = 0;
	return nat;
fail:
	gw_nat_free(nat);
	return NULL;
}

void
gw_nat_free(struct gw_nat *nat)
{
	if (nat == NULL)
		return;
	free(nat->addrs);
	free(nat->bitmap);
	free(nat->free_cnt);
	free(nat->cursor);
	free(nat->maps);
	free(nat->in_head);
	free(nat->out_head);
	free(nat);
}

static struct gw_nat_map *
find_in(struct gw_nat *nat, uint8_t proto, uint32_t addr, uint16_t port)
{
	uint32_t i = nat->in_head[key_hash(proto, addr, port) & nat->mask];

	while (i != NONE) {
		struct gw_nat_map *m = &nat->maps[i];

		if (m->in_addr == addr && m->in_port == port &&
		    m->proto == proto)
			return m;
		i = m->in_next;
	}
	return NULL;
}

static struct gw_nat_map *
find_out(struct gw_nat *nat, uint8_t proto, uint32_t addr, uint16_t port)
{
	uint32_t i = nat->out_head[key_hash(proto, addr, port) & nat->mask];

	while (i != NONE) {
		struct gw_nat_map *m = &nat->maps[i];

		if (m->ext_addr == addr && m->ext_port == port &&
		    m->proto == proto)
			return m;
		i = m->out_next;
	}
	return NULL;
}

struct gw_nat_map *
gw_nat_lookup_in(struct gw_nat *nat, uint8_t proto, uint32_t in_addr,
		 uint16_t in_port)
{
	struct gw_nat_map *m = find_in(nat, proto, in_addr, in_port);

	if (m == NULL)
		nat->st.lookup_miss++;
	return m;
}

struct gw_nat_map *
gw_nat_lookup_out(struct gw_nat *nat, uint8_t proto, uint32_t ext_addr,
		  uint16_t ext_port)
{
	struct gw_nat_map *m = find_out(nat, proto, ext_addr, ext_port);

	if (m == NULL)
		nat->st.lookup_miss++;
	return m;
}

static inline uint64_t *
bitmap_of(struct gw_nat *nat, uint32_t addr_idx, int pi)
{
	return &nat->bitmap[((size_t)addr_idx * N_PROTO + (size_t)pi) *
			    nat->words];
}

/* First free offset at or after `from`, wrapping; the caller knows one is
 * free. */
static uint32_t
bitmap_scan(const uint64_t *bm, uint32_t words, uint32_t from)
{
	uint32_t w = from / 64, k;
	uint64_t avail = ~bm[w] & (~0ull << (from % 64));

	for (k = 0; k <= words; k++) {
		if (avail != 0)
			return w * 64 + (uint32_t)__builtin_ctzll(avail);
		w = w + 1 < words ? w + 1 : 0;
		avail = ~bm[w];
	}
	return NONE;
}

/* Picks and marks an external port on address a for protocol pi. */
static uint16_t
take_port(struct gw_nat *nat, uint32_t a, int pi, uint16_t in_port,
	  bool *preserved)
{
	uint64_t *bm = bitmap_of(nat, a, pi);
	uint32_t *cur = &nat->cursor[a * N_PROTO + (uint32_t)pi];
	uint32_t off;

	*preserved = false;
	if (in_port >= nat->slice_lo && in_port <= nat->slice_hi) {
		off = in_port - nat->slice_lo;
		if ((bm[off / 64] & (1ull << (off % 64))) == 0) {
			*preserved = true;
			goto take;
		}
	}
	off = bitmap_scan(bm, nat->words, *cur);
	*cur = off + 1 < nat->slice_n ? off + 1 : 0;
take:
	bm[off / 64] |= 1ull << (off % 64);
	nat->free_cnt[a * N_PROTO + (uint32_t)pi]--;
	nat->total_free[pi]--;
	return (uint16_t)(nat->slice_lo + off);
}

static void
release_port(struct gw_nat *nat, uint32_t a, int pi, uint16_t port)
{
	uint64_t *bm = bitmap_of(nat, a, pi);
	uint32_t off = port - nat->slice_lo;

	bm[off / 64] &= ~(1ull << (off % 64));
	nat->free_cnt[a * N_PROTO + (uint32_t)pi]++;
	nat->total_free[pi]++;
}

int
gw_nat_acquire(struct gw_nat *nat, uint8_t proto, uint32_t in_addr,
	       uint16_t in_port, uint64_t now_ns, struct gw_nat_map **out)
{
	struct gw_nat_map *m;
	int pi = proto_idx(proto);
	uint32_t a, k, slot, h;
	bool preserved;

	*out = NULL;
	if (pi < 0)
		return GW_EINVAL;
	m = find_in(nat, proto, in_addr, in_port);
	if (m != NULL) {
		m->refs++;
		gw_nat_touch(m, now_ns);
		*out = m;
		return 0;
	}
	if (nat->free_head == NONE) {
		nat->st.table_full++;
		return GW_ENOSPC;
	}
	if (nat->total_free[pi] == 0) {
		nat->st.exhausted++;
		return GW_ENOSPC;
	}
	/* Paired pooling: the inside address picks the pool address; the
	 * next ones are tried only when it has no free port left. */
	a = (uint32_t)gw_hash64(in_addr) % nat->cfg.n_addrs;
	for (k = 0; k < nat->cfg.n_addrs; k++) {
		if (nat->free_cnt[a * N_PROTO + (uint32_t)pi] != 0)
			break;
		a = a + 1 < nat->cfg.n_addrs ? a + 1 : 0;
	}
	slot = nat->free_head;
	m = &nat->maps[slot];
	nat->free_head = m->in_next;
	m->in_addr = in_addr;
	m->in_port = in_port;
	m->proto = proto;
	m->addr_idx = a;
	m->ext_addr = nat->addrs[a];
	m->ext_port = take_port(nat, a, pi, in_port, &preserved);
	m->in_use = 1;
	m->tcp_established = 0;
	m->refs = 1;
	m->create_ns = now_ns;
	m->last_ns = now_ns;
	h = key_hash(proto, in_addr, in_port) & nat->mask;
	m->in_next = nat->in_head[h];
	nat->in_head[h] = slot;
	h = key_hash(proto, m->ext_addr, m->ext_port) & nat->mask;
	m->out_next = nat->out_head[h];
	nat->out_head[h] = slot;
	nat->st.created++;
	nat->st.active++;
	if (preserved)
		nat->st.port_preserved++;
	*out = m;
	return 1;
}

void
gw_nat_ref(struct gw_nat_map *m)
{
	m->refs++;
}

void
gw_nat_unref(struct gw_nat_map *m, bool tcp_established)
{
	if (m->refs == 0)
		return;
	/* The class of the last flow to let go decides the timer. */
	if (--m->refs == 0)
		m->tcp_established = tcp_established ? 1 : 0;
}

uint64_t
gw_nat_map_timeout(const struct gw_nat *nat, const struct gw_nat_map *m)
{
	switch (m->proto) {
	case GW_PROTO_TCP:
		return m->tcp_established ? nat->cfg.timers.tcp_established :
					    nat->cfg.timers.tcp_transitory;
	case GW_PROTO_UDP:
		return nat->cfg.timers.udp;
	default:
		return nat->cfg.timers.icmp;
	}
}

static void
unlink_chain(struct gw_nat *nat, uint32_t *head, uint32_t slot, bool in)
{
	uint32_t *pp = head;

	while (*pp != NONE) {
		struct gw_nat_map *x = &nat->maps[*pp];

		if (*pp == slot) {
			*pp = in ? x->in_next : x->out_next;
			return;
		}
		pp = in ? &x->in_next : &x->out_next;
	}
}

static void
map_free(struct gw_nat *nat, struct gw_nat_map *m)
{
	uint32_t h;

	h = key_hash(m->proto, m->in_addr, m->in_port) & nat->mask;
	unlink_chain(nat, &nat->in_head[h], m->slot, true);
	h = key_hash(m->proto, m->ext_addr, m->ext_port) & nat->mask;
	unlink_chain(nat, &nat->out_head[h], m->slot, false);
	release_port(nat, m->addr_idx, proto_idx(m->proto), m->ext_port);
	m->in_use = 0;
	m->out_next = NONE;
	m->in_next = nat->free_head;
	nat->free_head = m->slot;
	nat->st.active--;
	nat->st.freed++;
}

uint32_t
gw_nat_expire(struct gw_nat *nat, uint64_t now_ns, uint32_t budget,
	      gw_nat_expire_cb cb, void *arg)
{
	uint32_t n = 0;

	if (budget > nat->capacity)
		budget = nat->capacity;
	while (budget-- > 0) {
		struct gw_nat_map *m = &nat->maps[nat->sweep];

		nat->sweep = nat->sweep + 1 < nat->capacity ? nat->sweep + 1 : 0;
		if (!m->in_use || m->refs != 0)
			continue;
		/* written as a difference: last_ns + timer may not overflow */
		if (now_ns < m->last_ns ||
		    now_ns - m->last_ns < gw_nat_map_timeout(nat, m))
			continue;
		if (cb != NULL)
			cb(m, arg);
		map_free(nat, m);
		n++;
	}
	return n;
}

const struct gw_nat_stats *
gw_nat_stats(const struct gw_nat *nat)
{
	return &nat->st;
}

int64_t
gw_nat_free_ports(const struct gw_nat *nat, uint8_t proto, uint32_t addr_idx)
{
	int pi = proto_idx(proto);

	if (pi < 0 || addr_idx >= nat->cfg.n_addrs)
		return GW_EINVAL;
	return nat->free_cnt[addr_idx * N_PROTO + (uint32_t)pi];
}
