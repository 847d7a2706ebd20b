/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name -> addresses binding table. Names live in a fixed array of slots,
 * found through a chained hash table of slot indices (keyed SipHash-2-4:
 * the names come from DNS answers an attacker can choose, so the bucket
 * must not be predictable). Each name owns addrs_per_name address slots.
 * Unreferenced names are kept on an LRU list (head = most recent) so the
 * eviction victim is its tail, in O(1); names holding a reference sit on a
 * separate list and are never candidates.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "dns/gw_dns_bind.h"

#define NIL UINT32_MAX
#define NS_PER_S 1000000000ull

struct bind_addr {
	struct gw_addr addr;
	uint64_t expire_ns; /* TTL end; bound until expire_ns + grace */
	uint32_t refs;
	bool used;
};

struct bind_name {
	uint64_t hash;
	uint64_t refs;      /* sum of the references of its addresses */
	uint32_t hnext;     /* hash chain, or free list when unused */
	uint32_t prev, next; /* LRU list (refs == 0) or referenced list */
	uint16_t n_addrs;   /* address slots in use */
	uint8_t len;
	bool used;
	char name[GW_DNS_NAME_TEXT_MAX + 1];
};

struct bind_list {
	uint32_t head, tail;
};

struct gw_dns_bind {
	struct gw_dns_bind_conf conf;
	uint64_t grace_ns;
	uint64_t k0, k1;
	struct bind_name *names;
	struct bind_addr *addrs;
	uint32_t *buckets;
	uint32_t bucket_mask;
	uint32_t free_head;
	uint32_t cursor;
	struct bind_list lru;  /* unreferenced names, head = most recent */
	struct bind_list refd; /* names holding a reference */
	struct gw_dns_bind_stats st;
};

/* ---- SipHash-2-4 (Aumasson, Bernstein) ---- */

static inline uint64_t
rotl64(uint64_t x, unsigned int b)
{
	return x << b | x >> (64 - b);
}

#define SIPROUND(v0, v1, v2, v3)                                               \
	do {                                                                   \
		v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);  \
		v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                       \
		v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                       \
		v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);  \
	} while (0)

static uint64_t
siphash24(uint64_t k0, uint64_t k1, const uint8_t *in, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ k0;
	uint64_t v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0;
	uint64_t v3 = 0x7465646279746573ull ^ k1;
	uint64_t b = (uint64_t)len << 56;
	size_t full = len & ~(size_t)7;
	uint64_t m;

	for (size_t i = 0; i < full; i += 8) {
		m = 0;
		for (unsigned int j = 0; j < 8; j++)
			m |= (uint64_t)in[i + j] << (8 * j);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (size_t j = 0; j < (len & 7); j++)
		b |= (uint64_t)in[full + j] << (8 * j);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- helpers ---- */

static inline uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Length of a normalised name (see the header), or -1. */
static int
name_check(const char *name)
{
	size_t label = 0;
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (i >= GW_DNS_NAME_TEXT_MAX)
			return -1;
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
			continue;
		}
		if (c < 0x21 || c > 0x7e || (c >= 'A' && c <= 'Z'))
			return -1;
		if (++label > GW_DNS_LABEL_MAX)
			return -1;
	}
	if (i == 0 || label == 0)
		return -1;
	return (int)i;
}

static inline struct bind_addr *
slots_of(struct gw_dns_bind *t, uint32_t idx)
{
	return &t->addrs[(size_t)idx * t->conf.addrs_per_name];
}

static inline bool
addr_bound(const struct gw_dns_bind *t, const struct bind_addr *a,
	   uint64_t now_ns)
{
	return a->used &&
	       (a->refs > 0 || now_ns < sat_add(a->expire_ns, t->grace_ns));
}

static void
list_unlink(struct gw_dns_bind *t, struct bind_list *l, uint32_t idx)
{
	struct bind_name *e = &t->names[idx];

	if (e->prev != NIL)
		t->names[e->prev].next = e->next;
	else
		l->head = e->next;
	if (e->next != NIL)
		t->names[e->next].prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = NIL;
	e->next = NIL;
}

static void
list_push_head(struct gw_dns_bind *t, struct bind_list *l, uint32_t idx)
{
	struct bind_name *e = &t->names[idx];

	e->prev = NIL;
	e->next = l->head;
	if (l->head != NIL)
		t->names[l->head].prev = idx;
	else
		l->tail = idx;
	l->head = idx;
}

/* A use: an unreferenced name moves to the head of the LRU list. */
static void
touch(struct gw_dns_bind *t, uint32_t idx)
{
	if (t->names[idx].refs > 0 || t->lru.head == idx)
		return;
	list_unlink(t, &t->lru, idx);
	list_push_head(t, &t->lru, idx);
}

static uint32_t
find(const struct gw_dns_bind *t, const char *name, size_t len, uint64_t h)
{
	uint32_t idx = t->buckets[h & t->bucket_mask];

	while (idx != NIL) {
		const struct bind_name *e = &t->names[idx];

		if (e->hash == h && e->len == len &&
		    memcmp(e->name, name, len) == 0)
			return idx;
		idx = e->hnext;
	}
	return NIL;
}

/* Removes a name with all its addresses (it holds no reference). */
static void
name_remove(struct gw_dns_bind *t, uint32_t idx)
{
	struct bind_name *e = &t->names[idx];
	uint32_t *pp = &t->buckets[e->hash & t->bucket_mask];
	struct bind_addr *s = slots_of(t, idx);

	while (*pp != idx)
		pp = &t->names[*pp].hnext;
	*pp = e->hnext;
	list_unlink(t, &t->lru, idx);
	for (uint32_t i = 0; i < t->conf.addrs_per_name; i++)
		s[i].used = false;
	t->st.addrs -= e->n_addrs;
	t->st.names--;
	e->n_addrs = 0;
	e->used = false;
	e->len = 0;
	e->name[0] = '\0';
	e->hnext = t->free_head;
	t->free_head = idx;
}

/* A slot for a new name: a free one, else the LRU unreferenced name's. */
static uint32_t
name_alloc(struct gw_dns_bind *t)
{
	uint32_t idx = t->free_head;

	if (idx == NIL) {
		if (t->lru.tail == NIL)
			return NIL;
		name_remove(t, t->lru.tail);
		t->st.evicted++;
		idx = t->free_head;
	}
	t->free_head = t->names[idx].hnext;
	return idx;
}

/* ---- API ---- */

void
gw_dns_bind_conf_init(struct gw_dns_bind_conf *conf, uint32_t capacity,
		      uint32_t addrs_per_name)
{
	if (conf == NULL)
		return;
	memset(conf, 0, sizeof(*conf));
	conf->capacity = capacity;
	conf->addrs_per_name = addrs_per_name;
	conf->grace_s = GW_DNS_BIND_GRACE_DEFAULT_S;
	conf->ttl_max_s = GW_DNS_BIND_TTL_MAX_DEFAULT_S;
}

static void
draw_key(uint64_t seed, uint64_t *k0, uint64_t *k1)
{
	uint64_t k[2];
	struct timespec ts;

	if (seed != 0) {
		*k0 = seed;
		*k1 = seed * 0x9e3779b97f4a7c15ull ^ 0x5851f42d4c957f2dull;
		return;
	}
	if (getrandom(k, sizeof(k), GRND_NONBLOCK) == (ssize_t)sizeof(k)) {
		*k0 = k[0];
		*k1 = k[1];
		return;
	}
	/* No entropy yet (early boot): still unpredictable enough from afar. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	*k0 = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^
	      (uint64_t)(uintptr_t)k;
	*k1 = (uint64_t)ts.tv_sec ^ rotl64(*k0, 29);
}

struct gw_dns_bind *
gw_dns_bind_create(const struct gw_dns_bind_conf *conf)
{
	struct gw_dns_bind *t;
	size_t nb = 16;

	if (conf == NULL || conf->capacity == 0 ||
	    conf->capacity > GW_DNS_BIND_CAPACITY_MAX ||
	    conf->addrs_per_name == 0 ||
	    conf->addrs_per_name > GW_DNS_BIND_ADDRS_MAX ||
	    conf->grace_s > GW_DNS_BIND_TIME_MAX_S || conf->ttl_max_s == 0 ||
	    conf->ttl_max_s > GW_DNS_BIND_TIME_MAX_S)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	while (nb < conf->capacity)
		nb <<= 1;
	t->conf = *conf;
	t->grace_ns = (uint64_t)conf->grace_s * NS_PER_S;
	draw_key(conf->hash_seed, &t->k0, &t->k1);
	t->names = calloc(conf->capacity, sizeof(*t->names));
	t->addrs = calloc((size_t)conf->capacity * conf->addrs_per_name,
			  sizeof(*t->addrs));
	t->buckets = malloc(nb * sizeof(*t->buckets));
	if (t->names == NULL || t->addrs == NULL || t->buckets == NULL) {
		gw_dns_bind_free(t);
		return NULL;
	}
	t->bucket_mask = (uint32_t)(nb - 1);
	for (size_t i = 0; i < nb; i++)
		t->buckets[i] = NIL;
	for (uint32_t i = 0; i < conf->capacity; i++) {
		t->names[i].hnext = i + 1 < conf->capacity ? i + 1 : NIL;
		t->names[i].prev = NIL;
		t->names[i].next = NIL;
	}
	t->free_head = 0;
	t->lru.head = t->lru.tail = NIL;
	t->refd.head = t->refd.tail = NIL;
	t->st.capacity = conf->capacity;
	t->st.addrs_per_name = conf->addrs_per_name;
	t->st.mem_bytes = sizeof(*t) +
			  (size_t)conf->capacity * sizeof(*t->names) +
			  (size_t)conf->capacity * conf->addrs_per_name *
				  sizeof(*t->addrs) +
			  nb * sizeof(*t->buckets);
	return t;
}

void
gw_dns_bind_free(struct gw_dns_bind *t)
{
	if (t == NULL)
		return;
	free(t->names);
	free(t->addrs);
	free(t->buckets);
	free(t);
}

/* Index of addr among the name's used slots, or -1. */
static int
addr_find(struct gw_dns_bind *t, uint32_t idx, const struct gw_addr *addr)
{
	struct bind_addr *s = slots_of(t, idx);

	for (uint32_t i = 0; i < t->conf.addrs_per_name; i++)
		if (s[i].used && gw_addr_cmp(&s[i].addr, addr) == 0)
			return (int)i;
	return -1;
}

/*
 * A slot for a new address: the first free one, else the unreferenced one
 * that expires first (lowest index on a tie), else -1.
 */
static int
addr_slot(struct gw_dns_bind *t, uint32_t idx, uint64_t now_ns)
{
	struct bind_addr *s = slots_of(t, idx);
	int best = -1;

	for (uint32_t i = 0; i < t->conf.addrs_per_name; i++) {
		if (!s[i].used)
			return (int)i;
		if (s[i].refs == 0 &&
		    (best < 0 || s[i].expire_ns < s[best].expire_ns))
			best = (int)i;
	}
	if (best >= 0) {
		if (addr_bound(t, &s[best], now_ns))
			t->st.replaced_cap++;
		else
			t->st.expired++;
		s[best].used = false;
		t->names[idx].n_addrs--;
		t->st.addrs--;
	}
	return best;
}

int
gw_dns_bind_learn(struct gw_dns_bind *t, const char *name,
		  const struct gw_addr *addrs, size_t n, uint32_t ttl_s,
		  uint64_t now_ns)
{
	int len = name_check(name);
	uint64_t h, exp;
	uint32_t idx;
	int bound = 0;

	if (t == NULL || len < 0 || (addrs == NULL && n > 0))
		return GW_EINVAL;
	if (n == 0)
		return 0;
	h = siphash24(t->k0, t->k1, (const uint8_t *)name, (size_t)len);
	idx = find(t, name, (size_t)len, h);
	if (idx == NIL) {
		struct bind_name *e;
		uint32_t b = (uint32_t)(h & t->bucket_mask);

		idx = name_alloc(t);
		if (idx == NIL) {
			t->st.full++;
			return GW_ENOSPC;
		}
		e = &t->names[idx];
		e->hash = h;
		e->refs = 0;
		e->n_addrs = 0;
		e->len = (uint8_t)len;
		memcpy(e->name, name, (size_t)len + 1);
		e->used = true;
		e->hnext = t->buckets[b];
		t->buckets[b] = idx;
		list_push_head(t, &t->lru, idx);
		t->st.names++;
	} else {
		touch(t, idx);
	}

	if (ttl_s > t->conf.ttl_max_s) {
		ttl_s = t->conf.ttl_max_s;
		t->st.ttl_capped++;
	}
	exp = sat_add(now_ns, (uint64_t)ttl_s * NS_PER_S);
	for (size_t i = 0; i < n; i++) {
		struct bind_addr *s = slots_of(t, idx);
		int k = addr_find(t, idx, &addrs[i]);

		if (k >= 0) {
			if (s[k].expire_ns < exp)
				s[k].expire_ns = exp;
			t->st.refreshed++;
			continue;
		}
		k = addr_slot(t, idx, now_ns);
		if (k < 0) {
			t->st.dropped_cap++;
			continue;
		}
		s[k].addr = addrs[i];
		s[k].expire_ns = exp;
		s[k].refs = 0;
		s[k].used = true;
		t->names[idx].n_addrs++;
		t->st.addrs++;
		t->st.learned++;
	}
	/* Counted at the end: a later address may have replaced an earlier one. */
	for (size_t i = 0; i < n; i++)
		if (addr_find(t, idx, &addrs[i]) >= 0)
			bound++;
	return bound;
}

int
gw_dns_bind_learn_chain(struct gw_dns_bind *t, const struct gw_dns_chain *c,
			uint64_t now_ns)
{
	int ret = GW_OK;

	if (t == NULL || c == NULL)
		return GW_EINVAL;
	if (c->n_addrs == 0)
		return GW_OK;
	for (unsigned int i = 0; i < c->n_names && i < GW_DNS_CHAIN_MAX_NAMES;
	     i++) {
		const struct gw_dns_dname *nm = c->names[i];
		int r;

		if (nm == NULL || nm->unsafe || name_check(nm->text) < 0)
			continue;
		r = gw_dns_bind_learn(t, nm->text, c->addrs, c->n_addrs,
				      c->ttl, now_ns);
		if (r < 0 && ret == GW_OK)
			ret = r;
	}
	return ret;
}

/* Finds a valid name; sets *idx (NIL when absent). */
static int
lookup(const struct gw_dns_bind *t, const char *name, uint32_t *idx)
{
	int len = name_check(name);
	uint64_t h;

	if (t == NULL || len < 0)
		return GW_EINVAL;
	h = siphash24(t->k0, t->k1, (const uint8_t *)name, (size_t)len);
	*idx = find(t, name, (size_t)len, h);
	return GW_OK;
}

int
gw_dns_bind_check(struct gw_dns_bind *t, const char *name,
		  const struct gw_addr *addr, uint64_t now_ns)
{
	struct bind_addr *s;
	bool any = false;
	uint32_t idx;

	if (addr == NULL || lookup(t, name, &idx) < 0)
		return GW_EINVAL;
	if (idx == NIL) {
		t->st.check_unknown++;
		return GW_DNS_BIND_UNKNOWN;
	}
	touch(t, idx);
	s = slots_of(t, idx);
	for (uint32_t i = 0; i < t->conf.addrs_per_name; i++) {
		if (!addr_bound(t, &s[i], now_ns))
			continue;
		if (gw_addr_cmp(&s[i].addr, addr) == 0) {
			t->st.check_bound++;
			return GW_DNS_BIND_BOUND;
		}
		any = true;
	}
	if (any) {
		t->st.check_not_bound++;
		return GW_DNS_BIND_NOT_BOUND;
	}
	t->st.check_unknown++;
	return GW_DNS_BIND_UNKNOWN;
}

int
gw_dns_bind_ref(struct gw_dns_bind *t, const char *name,
		const struct gw_addr *addr, uint64_t now_ns)
{
	struct bind_name *e;
	struct bind_addr *s;
	uint32_t idx;
	int k;

	if (addr == NULL || lookup(t, name, &idx) < 0)
		return GW_EINVAL;
	if (idx == NIL)
		return GW_ENOENT;
	k = addr_find(t, idx, addr);
	s = slots_of(t, idx);
	if (k < 0 || !addr_bound(t, &s[k], now_ns))
		return GW_ENOENT;
	if (s[k].refs == UINT32_MAX)
		return GW_ELIMIT;
	e = &t->names[idx];
	if (e->refs == 0) {
		list_unlink(t, &t->lru, idx);
		list_push_head(t, &t->refd, idx);
		t->st.names_referenced++;
	}
	s[k].refs++;
	e->refs++;
	return GW_OK;
}

/* Drops one reference of address slot k of name idx. */
static int
unref_slot(struct gw_dns_bind *t, uint32_t idx, uint32_t k)
{
	struct bind_addr *s = slots_of(t, idx);
	struct bind_name *e = &t->names[idx];

	if (s[k].refs == 0)
		return GW_ENOENT;
	s[k].refs--;
	e->refs--;
	if (e->refs == 0) {
		list_unlink(t, &t->refd, idx);
		list_push_head(t, &t->lru, idx);
		t->st.names_referenced--;
	}
	return GW_OK;
}

int
gw_dns_bind_unref(struct gw_dns_bind *t, const char *name,
		  const struct gw_addr *addr)
{
	uint32_t idx;
	int k;

	if (addr == NULL || lookup(t, name, &idx) < 0)
		return GW_EINVAL;
	if (idx == NIL)
		return GW_ENOENT;
	k = addr_find(t, idx, addr);
	if (k < 0)
		return GW_ENOENT;
	return unref_slot(t, idx, (uint32_t)k);
}

int
gw_dns_bind_ref_handle(struct gw_dns_bind *t, const char *name,
		       const struct gw_addr *addr, uint64_t now_ns,
		       uint32_t *handle)
{
	uint32_t idx;
	int k, rc;

	if (handle == NULL || t == NULL)
		return GW_EINVAL;
	if ((uint64_t)t->conf.capacity * t->conf.addrs_per_name > UINT32_MAX)
		return GW_ENOTSUP;
	rc = gw_dns_bind_ref(t, name, addr, now_ns);
	if (rc != GW_OK)
		return rc;
	/* A referenced (name, address) never moves: its slot is the handle. */
	lookup(t, name, &idx);
	k = addr_find(t, idx, addr);
	*handle = idx * t->conf.addrs_per_name + (uint32_t)k;
	return GW_OK;
}

int
gw_dns_bind_unref_handle(struct gw_dns_bind *t, uint32_t handle)
{
	uint32_t idx, k;

	if (t == NULL || handle / t->conf.addrs_per_name >= t->conf.capacity)
		return GW_EINVAL;
	idx = handle / t->conf.addrs_per_name;
	k = handle % t->conf.addrs_per_name;
	return unref_slot(t, idx, k);
}

size_t
gw_dns_bind_expire(struct gw_dns_bind *t, uint64_t now_ns, size_t budget)
{
	size_t removed = 0;

	if (t == NULL)
		return 0;
	budget = GW_MIN(budget, (size_t)t->conf.capacity);
	for (size_t v = 0; v < budget; v++) {
		uint32_t idx = t->cursor;
		struct bind_name *e = &t->names[idx];
		struct bind_addr *s = slots_of(t, idx);

		t->cursor = idx + 1 < t->conf.capacity ? idx + 1 : 0;
		if (!e->used)
			continue;
		for (uint32_t i = 0; i < t->conf.addrs_per_name; i++) {
			if (!s[i].used || addr_bound(t, &s[i], now_ns))
				continue;
			s[i].used = false;
			e->n_addrs--;
			t->st.addrs--;
			t->st.expired++;
			removed++;
		}
		if (e->n_addrs == 0 && e->refs == 0) {
			name_remove(t, idx);
			t->st.names_expired++;
		}
	}
	return removed;
}

void
gw_dns_bind_stats(const struct gw_dns_bind *t, struct gw_dns_bind_stats *st)
{
	if (st == NULL)
		return;
	if (t == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = t->st;
}
