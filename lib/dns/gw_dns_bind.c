/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name -> addresses binding table. Names live in a fixed array of slots,
 * found through a chained hash table of slot indices (keyed SipHash-2-4:
 * the names come from DNS answers an attacker can choose, so the bucket
 * must not be predictable). Unreferenced names are kept on an LRU list
 * (head = most recent) so the eviction victim is its tail, in O(1); names
 * holding a reference sit on a separate list and are never candidates.
 *
 * Memory (docs/performance.md, "Memory per flow"): a name's text is kept
 * in a shared arena of 32-byte chunks (28 bytes of text and a link), and
 * its addresses are entries of a shared address pool linked from the
 * name, instead of 254 bytes of text and addrs_per_name address slots per
 * name: most names are ~30 bytes with 1-4 addresses. Both shared parts are
 * sized at create (defaults: 1.5 chunks and min(addrs_per_name, 2)
 * addresses per name) and never grow. When one runs short, the least
 * recently used unreferenced names are evicted to make room, exactly as
 * for a full name table; a new address that still finds no entry is
 * handled as if its name were full (replaces the name's unreferenced
 * address that expires first, else is dropped). Like any eviction this
 * only ever removes bindings.
 *
 * Each address of a name carries the slot number (0..addrs_per_name-1) it
 * would have in a per-name array, and a name's list is kept sorted by it:
 * "first free slot" and "lowest slot on a tie" keep their meaning, so the
 * table answers exactly as the per-name array did whenever the shared
 * parts are large enough (the unit tests compare it with that model).
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
#define TEXT_CHUNK_BYTES 28
#define TEXT_CHUNKS_MAX_NAME \
	((GW_DNS_NAME_TEXT_MAX + TEXT_CHUNK_BYTES - 1) / TEXT_CHUNK_BYTES)
/* Addresses per name on average, as a fraction (most names have 1-4). */
#define ADDRS_AVG_NUM 2
#define ADDRS_AVG_DEN 1
/* Chunks per name on average, as a fraction: most names are <= 28 bytes (one chunk). */
#define CHUNKS_AVG_NUM 3
#define CHUNKS_AVG_DEN 2

struct bind_addr {
	struct gw_addr addr;
	uint64_t expire_ns; /* TTL end; bound until expire_ns + grace */
	uint32_t refs;
	uint32_t next;      /* name's list (sorted by slot), or free list */
	uint32_t name;      /* owner name index, NIL when free */
	uint16_t slot;      /* position in the name's (virtual) slot array */
};

struct bind_text {
	char b[TEXT_CHUNK_BYTES];
	uint32_t next;      /* next chunk of the name, or free list */
};

struct bind_name {
	uint32_t hash;      /* low 32 bits of the SipHash of the name */
	uint32_t hnext;     /* hash chain, or free list when unused */
	uint32_t prev, next; /* LRU list (no reference) or referenced list */
	uint32_t text;      /* first text chunk; NIL when the slot is free */
	uint32_t addrs;     /* first address, sorted by slot */
	/* 28 bytes in all: addrs_per_name <= 256 fits 9 bits. */
	uint32_t n_addrs : 9; /* addresses in use */
	uint32_t n_refd : 9;  /* addresses holding a reference */
	uint32_t len : 8;
};

_Static_assert(GW_DNS_BIND_ADDRS_MAX < 512, "n_addrs and n_refd are 9 bits");
_Static_assert(GW_DNS_NAME_TEXT_MAX < 256, "len is 8 bits");

struct bind_list {
	uint32_t head, tail;
};

struct gw_dns_bind {
	struct gw_dns_bind_conf conf;
	uint64_t grace_ns;
	uint64_t k0, k1;
	struct bind_name *names;
	struct bind_addr *addrs;
	struct bind_text *text;
	uint32_t *buckets;
	uint32_t bucket_mask;
	uint32_t free_head;
	uint32_t addr_free;
	uint32_t n_addr_free;
	uint32_t text_free;
	uint32_t n_text_free;
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

static inline uint32_t
text_chunks(size_t len)
{
	return (uint32_t)((len + TEXT_CHUNK_BYTES - 1) / TEXT_CHUNK_BYTES);
}

static inline bool
addr_bound(const struct gw_dns_bind *t, const struct bind_addr *a,
	   uint64_t now_ns)
{
	return a->refs > 0 || now_ns < sat_add(a->expire_ns, t->grace_ns);
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
	if (t->names[idx].n_refd > 0 || t->lru.head == idx)
		return;
	list_unlink(t, &t->lru, idx);
	list_push_head(t, &t->lru, idx);
}

/* Does the text of name idx equal name[0..len)? */
static bool
text_eq(const struct gw_dns_bind *t, const struct bind_name *e,
	const char *name, size_t len)
{
	uint32_t c = e->text;
	size_t off = 0;

	if (e->len != len)
		return false;
	while (off < len) {
		size_t n = GW_MIN(len - off, (size_t)TEXT_CHUNK_BYTES);

		if (memcmp(t->text[c].b, name + off, n) != 0)
			return false;
		off += n;
		c = t->text[c].next;
	}
	return true;
}

static uint32_t
find(const struct gw_dns_bind *t, const char *name, size_t len, uint64_t h)
{
	uint32_t idx = t->buckets[h & t->bucket_mask];

	while (idx != NIL) {
		const struct bind_name *e = &t->names[idx];

		if (e->hash == (uint32_t)h && text_eq(t, e, name, len))
			return idx;
		idx = e->hnext;
	}
	return NIL;
}

static void
addr_free_one(struct gw_dns_bind *t, uint32_t ai)
{
	struct bind_addr *a = &t->addrs[ai];

	a->name = NIL;
	a->refs = 0;
	a->next = t->addr_free;
	t->addr_free = ai;
	t->n_addr_free++;
}

/* Unlinks address ai of name idx (prev: its predecessor or NIL) and frees it. */
static void
addr_remove(struct gw_dns_bind *t, uint32_t idx, uint32_t prev, uint32_t ai)
{
	struct bind_name *e = &t->names[idx];

	if (prev == NIL)
		e->addrs = t->addrs[ai].next;
	else
		t->addrs[prev].next = t->addrs[ai].next;
	addr_free_one(t, ai);
	e->n_addrs--;
	t->st.addrs--;
}

/* Removes a name with all its addresses and text (it holds no reference). */
static void
name_remove(struct gw_dns_bind *t, uint32_t idx)
{
	struct bind_name *e = &t->names[idx];
	uint32_t *pp = &t->buckets[e->hash & t->bucket_mask];
	uint32_t c, ai;

	while (*pp != idx)
		pp = &t->names[*pp].hnext;
	*pp = e->hnext;
	list_unlink(t, &t->lru, idx);
	for (ai = e->addrs; ai != NIL;) {
		uint32_t next = t->addrs[ai].next;

		addr_free_one(t, ai);
		ai = next;
	}
	for (c = e->text; c != NIL;) {
		uint32_t next = t->text[c].next;

		t->text[c].next = t->text_free;
		t->text_free = c;
		t->n_text_free++;
		c = next;
	}
	t->st.addrs -= e->n_addrs;
	t->st.names--;
	e->addrs = NIL;
	e->text = NIL;
	e->n_addrs = 0;
	e->len = 0;
	e->hnext = t->free_head;
	t->free_head = idx;
}

/* Evicts the least recently used unreferenced name other than keep. */
static bool
evict_one(struct gw_dns_bind *t, uint32_t keep)
{
	uint32_t victim = t->lru.tail;

	if (victim == keep && victim != NIL)
		victim = t->names[victim].prev;
	if (victim == NIL)
		return false;
	name_remove(t, victim);
	t->st.evicted++;
	return true;
}

/* A slot for a new name: a free one, else the LRU unreferenced name's. */
static uint32_t
name_alloc(struct gw_dns_bind *t)
{
	uint32_t idx = t->free_head;

	if (idx == NIL) {
		if (!evict_one(t, NIL))
			return NIL;
		idx = t->free_head;
	}
	t->free_head = t->names[idx].hnext;
	return idx;
}

/* Copies name into fresh chunks (evicting LRU names for room); NIL if none. */
static uint32_t
text_alloc(struct gw_dns_bind *t, const char *name, size_t len)
{
	uint32_t need = text_chunks(len), first = NIL, *link = &first;
	size_t off = 0;

	while (t->n_text_free < need)
		if (!evict_one(t, NIL))
			return NIL;
	while (off < len) {
		uint32_t c = t->text_free;
		size_t n = GW_MIN(len - off, (size_t)TEXT_CHUNK_BYTES);

		t->text_free = t->text[c].next;
		t->n_text_free--;
		memcpy(t->text[c].b, name + off, n);
		*link = c;
		link = &t->text[c].next;
		off += n;
	}
	*link = NIL;
	return first;
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

/* Shared pool sizes: given, or the defaults, within their bounds. */
static void
conf_resolve(const struct gw_dns_bind_conf *conf, uint32_t *n_addrs,
	     uint32_t *n_chunks)
{
	uint64_t full = (uint64_t)conf->capacity * conf->addrs_per_name;
	uint64_t na = conf->addr_pool, nc = conf->text_chunks;

	if (na == 0)
		na = (uint64_t)conf->capacity *
		     GW_MIN(conf->addrs_per_name * ADDRS_AVG_DEN,
			    (uint32_t)ADDRS_AVG_NUM) / ADDRS_AVG_DEN;
	/* More than every name full can never be used; at least one name full. */
	na = GW_MIN(na, full);
	na = GW_MAX(na, (uint64_t)conf->addrs_per_name);
	if (nc == 0)
		nc = (uint64_t)conf->capacity * CHUNKS_AVG_NUM / CHUNKS_AVG_DEN;
	nc = GW_MIN(nc, (uint64_t)conf->capacity * TEXT_CHUNKS_MAX_NAME);
	/* Room for the longest name next to another one. */
	nc = GW_MAX(nc, (uint64_t)2 * TEXT_CHUNKS_MAX_NAME);
	*n_addrs = (uint32_t)GW_MIN(na, (uint64_t)NIL - 1);
	*n_chunks = (uint32_t)GW_MIN(nc, (uint64_t)NIL - 1);
}

struct gw_dns_bind *
gw_dns_bind_create(const struct gw_dns_bind_conf *conf)
{
	struct gw_dns_bind *t;
	uint32_t n_addrs, n_chunks;
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
	conf_resolve(conf, &n_addrs, &n_chunks);
	t->conf = *conf;
	t->conf.addr_pool = n_addrs;
	t->conf.text_chunks = n_chunks;
	t->grace_ns = (uint64_t)conf->grace_s * NS_PER_S;
	draw_key(conf->hash_seed, &t->k0, &t->k1);
	t->names = calloc(conf->capacity, sizeof(*t->names));
	t->addrs = calloc(n_addrs, sizeof(*t->addrs));
	t->text = calloc(n_chunks, sizeof(*t->text));
	t->buckets = malloc(nb * sizeof(*t->buckets));
	if (t->names == NULL || t->addrs == NULL || t->text == NULL ||
	    t->buckets == NULL) {
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
		t->names[i].addrs = NIL;
		t->names[i].text = NIL;
	}
	t->addr_free = NIL;
	for (uint32_t i = n_addrs; i-- > 0;)
		addr_free_one(t, i);
	for (uint32_t i = 0; i < n_chunks; i++)
		t->text[i].next = i + 1 < n_chunks ? i + 1 : NIL;
	t->text_free = 0;
	t->n_text_free = n_chunks;
	t->free_head = 0;
	t->lru.head = t->lru.tail = NIL;
	t->refd.head = t->refd.tail = NIL;
	t->st.capacity = conf->capacity;
	t->st.addrs_per_name = conf->addrs_per_name;
	t->st.addr_pool = n_addrs;
	t->st.text_chunks = n_chunks;
	t->st.mem_bytes = sizeof(*t) +
			  (size_t)conf->capacity * sizeof(*t->names) +
			  (size_t)n_addrs * sizeof(*t->addrs) +
			  (size_t)n_chunks * sizeof(*t->text) +
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
	free(t->text);
	free(t->buckets);
	free(t);
}

/* Pool index of addr among the name's addresses (its predecessor in *prev), or NIL. */
static uint32_t
addr_find(const struct gw_dns_bind *t, uint32_t idx,
	  const struct gw_addr *addr, uint32_t *prev)
{
	uint32_t p = NIL, ai;

	for (ai = t->names[idx].addrs; ai != NIL; p = ai, ai = t->addrs[ai].next)
		if (gw_addr_cmp(&t->addrs[ai].addr, addr) == 0)
			break;
	if (prev != NULL)
		*prev = p;
	return ai;
}

/*
 * The unreferenced address of name idx that expires first (lowest slot on
 * a tie) is freed for a new one: counted as expired when dead, else
 * replaced_cap. Returns its slot number, or -1 when all are referenced.
 */
static int
addr_displace(struct gw_dns_bind *t, uint32_t idx, uint64_t now_ns)
{
	uint32_t best = NIL, best_prev = NIL, p = NIL, ai;
	int slot;

	for (ai = t->names[idx].addrs; ai != NIL; p = ai, ai = t->addrs[ai].next) {
		if (t->addrs[ai].refs == 0 &&
		    (best == NIL ||
		     t->addrs[ai].expire_ns < t->addrs[best].expire_ns)) {
			best = ai;
			best_prev = p;
		}
	}
	if (best == NIL)
		return -1;
	if (addr_bound(t, &t->addrs[best], now_ns))
		t->st.replaced_cap++;
	else
		t->st.expired++;
	slot = t->addrs[best].slot;
	addr_remove(t, idx, best_prev, best);
	return slot;
}

/* Lowest slot number not used by name idx (the name has fewer than k). */
static uint32_t
slot_first_free(const struct gw_dns_bind *t, uint32_t idx)
{
	uint32_t want = 0, ai;

	for (ai = t->names[idx].addrs; ai != NIL; ai = t->addrs[ai].next) {
		if (t->addrs[ai].slot != want)
			break;
		want++;
	}
	return want;
}

/* Takes a pool entry for name idx at slot, linked in slot order. */
static void
addr_insert(struct gw_dns_bind *t, uint32_t idx, uint32_t slot,
	    const struct gw_addr *addr, uint64_t exp)
{
	struct bind_name *e = &t->names[idx];
	uint32_t ai = t->addr_free, *link = &e->addrs;
	struct bind_addr *a = &t->addrs[ai];

	t->addr_free = a->next;
	t->n_addr_free--;
	while (*link != NIL && t->addrs[*link].slot < slot)
		link = &t->addrs[*link].next;
	a->addr = *addr;
	a->expire_ns = exp;
	a->refs = 0;
	a->name = idx;
	a->slot = (uint16_t)slot;
	a->next = *link;
	*link = ai;
	e->n_addrs++;
	t->st.addrs++;
	t->st.learned++;
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
		uint32_t text;

		idx = name_alloc(t);
		if (idx == NIL) {
			t->st.full++;
			return GW_ENOSPC;
		}
		text = text_alloc(t, name, (size_t)len);
		if (text == NIL) {
			/* Every name left is referenced: give the slot back. */
			t->names[idx].hnext = t->free_head;
			t->free_head = idx;
			t->st.full++;
			return GW_ENOSPC;
		}
		e = &t->names[idx];
		e->hash = (uint32_t)h;
		e->n_refd = 0;
		e->n_addrs = 0;
		e->addrs = NIL;
		e->text = text;
		e->len = (uint32_t)len;
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
		uint32_t ai = addr_find(t, idx, &addrs[i], NULL);
		int slot;

		if (ai != NIL) {
			if (t->addrs[ai].expire_ns < exp)
				t->addrs[ai].expire_ns = exp;
			t->st.refreshed++;
			continue;
		}
		if (t->names[idx].n_addrs < t->conf.addrs_per_name) {
			/* A free slot; the shared pool may need room first. */
			if (t->n_addr_free == 0) {
				t->st.pool_short++;
				while (t->n_addr_free == 0 && evict_one(t, idx))
					;
			}
			slot = t->n_addr_free > 0 ?
				       (int)slot_first_free(t, idx) :
				       addr_displace(t, idx, now_ns);
		} else {
			slot = addr_displace(t, idx, now_ns);
		}
		if (slot < 0) {
			t->st.dropped_cap++;
			continue;
		}
		addr_insert(t, idx, (uint32_t)slot, &addrs[i], exp);
	}
	/* Counted at the end: a later address may have replaced an earlier one. */
	for (size_t i = 0; i < n; i++)
		if (addr_find(t, idx, &addrs[i], NULL) != NIL)
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
	bool any = false;
	uint32_t idx, ai;

	if (addr == NULL || lookup(t, name, &idx) < 0)
		return GW_EINVAL;
	if (idx == NIL) {
		t->st.check_unknown++;
		return GW_DNS_BIND_UNKNOWN;
	}
	touch(t, idx);
	for (ai = t->names[idx].addrs; ai != NIL; ai = t->addrs[ai].next) {
		if (!addr_bound(t, &t->addrs[ai], now_ns))
			continue;
		if (gw_addr_cmp(&t->addrs[ai].addr, addr) == 0) {
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

/* Takes a reference on pool entry ai of name idx (bound, checked by the caller). */
static int
ref_addr(struct gw_dns_bind *t, uint32_t idx, uint32_t ai)
{
	struct bind_name *e = &t->names[idx];
	struct bind_addr *a = &t->addrs[ai];

	if (a->refs == UINT32_MAX)
		return GW_ELIMIT;
	if (a->refs++ == 0 && e->n_refd++ == 0) {
		list_unlink(t, &t->lru, idx);
		list_push_head(t, &t->refd, idx);
		t->st.names_referenced++;
	}
	return GW_OK;
}

static int
ref_find(struct gw_dns_bind *t, const char *name, const struct gw_addr *addr,
	 uint64_t now_ns, uint32_t *aip)
{
	uint32_t idx, ai;
	int rc;

	if (addr == NULL || lookup(t, name, &idx) < 0)
		return GW_EINVAL;
	if (idx == NIL)
		return GW_ENOENT;
	ai = addr_find(t, idx, addr, NULL);
	if (ai == NIL || !addr_bound(t, &t->addrs[ai], now_ns))
		return GW_ENOENT;
	rc = ref_addr(t, idx, ai);
	if (rc == GW_OK && aip != NULL)
		*aip = ai;
	return rc;
}

int
gw_dns_bind_ref(struct gw_dns_bind *t, const char *name,
		const struct gw_addr *addr, uint64_t now_ns)
{
	return ref_find(t, name, addr, now_ns, NULL);
}

/* Drops one reference of pool entry ai. */
static int
unref_addr(struct gw_dns_bind *t, uint32_t ai)
{
	struct bind_addr *a = &t->addrs[ai];
	struct bind_name *e;
	uint32_t idx = a->name;

	if (idx == NIL || a->refs == 0)
		return GW_ENOENT;
	e = &t->names[idx];
	if (--a->refs == 0 && --e->n_refd == 0) {
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
	uint32_t idx, ai;

	if (addr == NULL || lookup(t, name, &idx) < 0)
		return GW_EINVAL;
	if (idx == NIL)
		return GW_ENOENT;
	ai = addr_find(t, idx, addr, NULL);
	if (ai == NIL)
		return GW_ENOENT;
	return unref_addr(t, ai);
}

int
gw_dns_bind_ref_handle(struct gw_dns_bind *t, const char *name,
		       const struct gw_addr *addr, uint64_t now_ns,
		       uint32_t *handle)
{
	if (handle == NULL || t == NULL)
		return GW_EINVAL;
	/* A referenced address never moves: its pool index is the handle. */
	return ref_find(t, name, addr, now_ns, handle);
}

int
gw_dns_bind_unref_handle(struct gw_dns_bind *t, uint32_t handle)
{
	if (t == NULL || handle >= t->conf.addr_pool)
		return GW_EINVAL;
	return unref_addr(t, handle);
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
		uint32_t p = NIL, ai;

		t->cursor = idx + 1 < t->conf.capacity ? idx + 1 : 0;
		if (e->text == NIL)
			continue;
		for (ai = e->addrs; ai != NIL;) {
			uint32_t next = t->addrs[ai].next;

			if (addr_bound(t, &t->addrs[ai], now_ns)) {
				p = ai;
			} else {
				addr_remove(t, idx, p, ai);
				t->st.expired++;
				removed++;
			}
			ai = next;
		}
		if (e->n_addrs == 0 && e->n_refd == 0) {
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
