/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_DNS_BIND_H
#define GW_DNS_BIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gw_addr.h"
#include "dns/gw_dns.h"

/*
 * Name -> addresses binding table: which addresses DNS gave for a name, so
 * that a flow naming it (SNI, Host) is allowed only towards them.
 *
 * Single-threaded, one per owner (each worker owns one, the control plane
 * one); no locking. All memory is allocated by gw_dns_bind_create; learn,
 * check, ref, unref and expire never allocate, so a flood of answers cannot
 * grow it.
 *
 * Names are normalised text: 1..253 bytes, lower case, no leading or
 * trailing dot, no empty label, labels <= 63, bytes 0x21..0x7e only. Any
 * other name is refused with GW_EINVAL (lookups too). Bindings are exact
 * names only: learning "a.x.tld" says nothing about "*.x.tld" or "x.tld".
 *
 * An address learned at now with TTL t is bound while
 *     now_check < now + min(t, ttl_max_s) s + grace_s s
 * (TTL 0: for the grace period only), or for as long as it holds a
 * reference (a flow to it is active), whatever the time. A later answer
 * for the same (name, address) never shortens its expiry.
 *
 * Capacity: at most `capacity` names and `addrs_per_name` addresses per
 * name, and (since the address and text storage is shared, see
 * struct gw_dns_bind_conf) at most addr_pool addresses and text_chunks
 * chunks of name text in all. A new address for a full name takes a free slot, else replaces the
 * unreferenced address that expires first (a dead one, if any, counts as
 * expired, a live one as replaced_cap); if every address is referenced it
 * is dropped (dropped_cap). A new name in a full table evicts the least
 * recently used unreferenced name (learned, checked, or unreferenced last
 * the longest ago) with all its addresses; if every name holds a reference
 * the learn fails with GW_ENOSPC (full). A name or address holding a
 * reference is never evicted or replaced. Eviction only ever removes
 * bindings: a check after it answers "unknown" or "not bound", never
 * "bound", for what was evicted.
 */

#define GW_DNS_BIND_GRACE_DEFAULT_S 60
#define GW_DNS_BIND_TTL_MAX_DEFAULT_S 86400
#define GW_DNS_BIND_CAPACITY_MAX (1u << 24)
#define GW_DNS_BIND_ADDRS_MAX 256
#define GW_DNS_BIND_TIME_MAX_S 0x7fffffffu

struct gw_dns_bind;

struct gw_dns_bind_conf {
	uint32_t capacity;       /* names, 1..GW_DNS_BIND_CAPACITY_MAX */
	uint32_t addrs_per_name; /* 1..GW_DNS_BIND_ADDRS_MAX */
	uint32_t grace_s;        /* 0..GW_DNS_BIND_TIME_MAX_S, default 60 */
	uint32_t ttl_max_s;      /* TTL cap, 1..GW_DNS_BIND_TIME_MAX_S, default 86400 */
	uint64_t hash_seed;      /* 0: drawn from getrandom() at create */
	/*
	 * Shared parts, sized at create (0: default). Addresses of all names:
	 * default capacity * min(addrs_per_name, 2), at least addrs_per_name,
	 * at most capacity * addrs_per_name. Text in 32-byte chunks of 28
	 * bytes: default capacity * 3 / 2, at least two longest names' worth.
	 * When one runs short, least recently used unreferenced names are
	 * evicted; a new address still without room is handled as for a full
	 * name (see above). Capacity * addrs_per_name and capacity * 10
	 * make them never run short.
	 */
	uint32_t addr_pool;
	uint32_t text_chunks;
};

/* Result of gw_dns_bind_check (>= 0). */
enum gw_dns_bind_result {
	/* The name has no bound address (never learned, evicted, or all its
	 * addresses expired): the caller may ask for a verification. */
	GW_DNS_BIND_UNKNOWN = 0,
	/* The name has bound addresses, but not this one. */
	GW_DNS_BIND_NOT_BOUND = 1,
	/* This address is bound to this name. */
	GW_DNS_BIND_BOUND = 2,
};

struct gw_dns_bind_stats {
	uint64_t learned;      /* (name, address) pairs added */
	uint64_t refreshed;    /* pairs learned again while present */
	uint64_t ttl_capped;   /* learns whose TTL was over ttl_max_s */
	uint64_t evicted;      /* names evicted (LRU) to make room */
	uint64_t replaced_cap; /* live addresses replaced for the per-name cap */
	uint64_t dropped_cap;  /* new addresses dropped: name full, all referenced */
	uint64_t full;         /* learns refused: table full, all names referenced */
	uint64_t expired;      /* addresses removed past TTL + grace */
	uint64_t names_expired; /* names removed by expire() with no address left */
	uint64_t check_bound;
	uint64_t check_not_bound;
	uint64_t check_unknown;
	uint64_t pool_short;   /* new addresses that found the address pool empty */
	uint32_t names;        /* names held now */
	uint32_t addrs;        /* addresses held now (live or not yet removed) */
	uint32_t names_referenced; /* names holding at least one reference */
	uint32_t capacity;
	uint32_t addrs_per_name;
	uint32_t addr_pool;    /* entries of the shared address pool */
	uint32_t text_chunks;  /* chunks of the shared text arena */
	size_t mem_bytes;      /* bytes allocated at create (constant) */
};

/* Fills conf with the defaults; capacity and addrs_per_name given. */
void gw_dns_bind_conf_init(struct gw_dns_bind_conf *conf, uint32_t capacity,
			   uint32_t addrs_per_name);

/* Returns NULL on an invalid conf or when memory is short. */
struct gw_dns_bind *gw_dns_bind_create(const struct gw_dns_bind_conf *conf);
void gw_dns_bind_free(struct gw_dns_bind *t);

/*
 * Learns n addresses for name (NUL-terminated, normalised) with TTL ttl_s
 * at now_ns (a monotonic clock in nanoseconds). Returns the number of the
 * given addresses the name now holds (0..n; fewer when some were dropped
 * or displaced for the cap; with TTL 0 and no grace they are held but
 * already unbound), GW_EINVAL for an invalid name or NULL addrs with
 * n > 0, GW_ENOSPC when the table is full and every name is referenced.
 * n == 0 changes nothing and returns 0.
 */
int gw_dns_bind_learn(struct gw_dns_bind *t, const char *name,
		      const struct gw_addr *addrs, size_t n, uint32_t ttl_s,
		      uint64_t now_ns);

/*
 * Learns the chain's addresses for every name of the chain (the question
 * name and each CNAME target), with the chain's TTL. Names the table
 * refuses (the root, ...) are skipped. Returns GW_OK, or the first error
 * of a learn (all names are tried), GW_EINVAL for NULL arguments.
 */
int gw_dns_bind_learn_chain(struct gw_dns_bind *t,
			    const struct gw_dns_chain *c, uint64_t now_ns);

/*
 * Is addr bound to name at now_ns? Returns an enum gw_dns_bind_result or
 * GW_EINVAL (invalid name). A name found counts as used for LRU.
 */
int gw_dns_bind_check(struct gw_dns_bind *t, const char *name,
		      const struct gw_addr *addr, uint64_t now_ns);

/*
 * Takes a reference on (name, addr), which must be bound at now_ns (so a
 * reference never revives an expired binding): the address then stays
 * bound, and the name in the table, until the last reference is dropped.
 * Returns GW_OK, GW_EINVAL, GW_ENOENT (not bound), GW_ELIMIT (2^32 - 1
 * references). Counts as a use for LRU.
 */
int gw_dns_bind_ref(struct gw_dns_bind *t, const char *name,
		    const struct gw_addr *addr, uint64_t now_ns);

/*
 * Drops a reference taken with gw_dns_bind_ref. Returns GW_OK, GW_EINVAL,
 * GW_ENOENT (no reference held on this pair). A name that holds no more
 * references becomes the most recently used unreferenced name.
 */
int gw_dns_bind_unref(struct gw_dns_bind *t, const char *name,
		      const struct gw_addr *addr);

/*
 * gw_dns_bind_ref, also giving a handle for gw_dns_bind_unref_handle (for
 * owners that do not keep the name, e.g. a flow): the index of the pair in
 * the address pool (< addr_pool). A handle stays valid while its reference
 * is held: a referenced pair is never moved.
 */
int gw_dns_bind_ref_handle(struct gw_dns_bind *t, const char *name,
			   const struct gw_addr *addr, uint64_t now_ns,
			   uint32_t *handle);
/* Drops the reference of a handle: GW_OK, GW_EINVAL, GW_ENOENT. */
int gw_dns_bind_unref_handle(struct gw_dns_bind *t, uint32_t handle);

/*
 * Incremental cleanup: visits up to budget name slots (round robin over
 * the whole table, resuming where the last call stopped), removes the
 * addresses past TTL + grace that hold no reference, and names left with
 * no address. Returns the number of addresses removed. A budget of the
 * capacity visits every slot once.
 */
size_t gw_dns_bind_expire(struct gw_dns_bind *t, uint64_t now_ns,
			  size_t budget);

void gw_dns_bind_stats(const struct gw_dns_bind *t,
		       struct gw_dns_bind_stats *st);

#endif /* GW_DNS_BIND_H */
