/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_FLOW_H
#define GW_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/gw_addr.h"
#include "common/gw_util.h"
#include "pkt/gw_pkt.h"

/*
 * Per-worker flow table (DPDK-free, single-threaded: one table per worker
 * lcore, never shared). Fixed capacity chosen at creation; nothing is
 * allocated after that. Both directions of a flow find the same entry:
 * the key is stored in canonical order (lower endpoint first) and lookups
 * report which direction the packet travels.
 */

struct gw_flow_key {
	struct gw_addr addr[2]; /* canonical order: (addr[0],port[0]) <= (addr[1],port[1]) */
	uint16_t port[2];
	/* VIDs are 12 bits (GW_VLAN_NONE 0): with the protocol, one word, so
	 * that a key is exactly five 64-bit words (hashed and compared as such). */
	uint32_t vlan_outer : 12;
	uint32_t vlan_inner : 12;
	uint32_t proto : 8;
};

/* Direction of a packet relative to the flow's initiator. */
enum gw_flow_dir {
	GW_DIR_TO_SERVER = 0, /* client (initiator, inside host) -> server */
	GW_DIR_TO_CLIENT = 1,
};

enum gw_tcp_state {
	GW_TCP_NONE = 0,     /* UDP/ICMP/other */
	GW_TCP_SYN_SENT,     /* client SYN seen */
	GW_TCP_SYN_RCVD,     /* server SYN-ACK seen */
	GW_TCP_ESTABLISHED,  /* handshake ACK seen */
	GW_TCP_FIN_WAIT,     /* one side sent FIN */
	GW_TCP_CLOSING,      /* both sides sent FIN */
	GW_TCP_CLOSED,       /* RST seen, or FINs acknowledged (time-wait) */
	GW_TCP_STATE_MAX
};

enum gw_flow_verdict {
	GW_VERDICT_PENDING = 0, /* undecided: payload is held */
	GW_VERDICT_ALLOW,
	GW_VERDICT_DENY,
};

/* Timeouts in nanoseconds; defaults in docs/policy.md (gateway.timeouts). */
struct gw_flow_timeouts {
	uint64_t tcp_syn;         /* SYN_SENT, SYN_RCVD: default 30 s */
	uint64_t tcp_established; /* default 7440 s (2 h 4 min, RFC 5382) */
	uint64_t tcp_fin;         /* FIN_WAIT, CLOSING: default 120 s */
	uint64_t tcp_closed;      /* CLOSED (time-wait / after RST): default 10 s */
	uint64_t udp;             /* default 300 s (RFC 4787) */
	uint64_t icmp;            /* default 60 s */
	uint64_t other;           /* default 600 s */
};

struct gw_flow_ext; /* pending-flow state: reassembly + hold queue (gw_flow_ext.h) */

/* gw_flow.flags */
#define GW_FLOW_F_NAT 0x01 /* holds a reference on its SNAT mapping */

/* Queries a DNS flow remembers (answers must match one): ids and a hash of
 * (qname, qtype) of the last two, hash 0 when none. */
struct gw_flow_dnsq {
	uint16_t qid[2];
	uint32_t qhash[2];
};

/*
 * 128 bytes, two cache lines. The first holds what a lookup compares and
 * what every packet of a flow tests (key, state, verdict, the owner's side
 * state handles); the second the clocks, counters and sequence numbers the
 * packet updates. Fields marked internal belong to the table; the handles
 * (ext, insp, bind_ref) are the owner's, 0 meaning none.
 */
struct gw_flow {
	struct gw_flow_key key;   /* 40 bytes */
	uint8_t client_idx;       /* index in key of the initiator (0/1); internal marker when free */
	uint8_t tcp_state : 4;    /* enum gw_tcp_state */
	uint8_t verdict : 2;      /* enum gw_flow_verdict */
	uint8_t flags : 2;        /* GW_FLOW_F_*, the owner's */
	uint8_t reason;           /* enum gw_reason when denied */
	uint8_t fin_seen : 4;     /* bit 0: client FIN, bit 1: server FIN,
	                           * bits 2/3: client/server FIN acknowledged */
	uint8_t app : 4;          /* what decided: 0 none, 1 TLS, 2 HTTP (for records) */
	uint32_t rule;            /* rule/signature that decided (opaque to the table);
	                           * internal free-list link when free */
	uint32_t closed_next;     /* internal: CLOSED FIFO link and flags */
	uint32_t ext;             /* owner's pending-state handle (gw_flow_ext_ref) */
	uint32_t insp;            /* owner's inspection state index + 1 */
	uint32_t bind_ref;        /* owner's DNS binding reference handle + 1 */
	/* second line */
	uint64_t id;              /* unique per worker: (worker << 56) | counter (the owner's) */
	uint64_t first_ns;
	uint64_t last_ns;
	uint64_t bytes[2];        /* by enum gw_flow_dir */
	uint32_t pkts[2];         /* by enum gw_flow_dir (wraps after 2^32) */
	union {
		struct {          /* TCP */
			uint32_t client_next_seq; /* next sequence number the client will send */
			uint32_t server_next_seq; /* next sequence number the server will send */
			uint32_t client_isn;
			uint32_t server_isn;
		};
		struct gw_flow_dnsq udp_dns; /* UDP to port 53 (TCP keeps it elsewhere) */
	};
};

/*
 * The table. Its layout is in this header only so that the per-packet
 * operations below can be inlined into the worker's loop (rte_ring's
 * way); everything outside lib/flow treats it as opaque.
 */
#define GW_FLOW_NIL UINT32_MAX
#define GW_FLOW_CQ_TOUCHED UINT32_C(0x80000000)
#define GW_FLOW_CQ_NONE UINT32_C(0x7fffffff) /* closed_next: not in the FIFO */

struct gw_flow_bucket {
	uint32_t hash;
	uint32_t slot; /* GW_FLOW_NIL when empty */
};

/*
 * The hash callers pass to lookup and insert must be this function of the
 * key: entries do not store their hash, removal recomputes it. Default
 * gw_flow_key_hash; tests set others to force collisions.
 */
typedef uint32_t (*gw_flow_hash_fn)(const struct gw_flow_key *key);

struct gw_flow_table {
	struct gw_flow *flows;
	struct gw_flow_bucket *buckets;
	uint32_t nb;        /* number of buckets: a power of two >= 2 x capacity */
	uint32_t capacity;
	uint32_t count;
	uint32_t hwm;       /* slots [0, hwm) have been handed out at least once */
	uint32_t free_head; /* LIFO free list of slots below hwm */
	uint32_t cursor;    /* next slot the expiry sweep examines */
	uint32_t closed_head; /* FIFO of closed flows, GW_FLOW_NIL when empty */
	uint32_t closed_tail;
	uint32_t closed_len;
	uint64_t next_id;
	gw_flow_hash_fn hash_fn;
	struct gw_flow_timeouts to;
};

/* CRC32C of the key without the CRC instruction (and the table-driven
 * reference that computes the same value). */
uint32_t gw_flow_key_crc_sw(const struct gw_flow_key *key);
uint32_t gw_flow_key_crc_table(const struct gw_flow_key *key);

/*
 * Hash: CRC32C of the 40 key bytes (5 x 64-bit words), then the murmur3
 * finaliser (see gw_flow.c). Every build computes the same value.
 */
static inline uint32_t
gw_flow_key_hash_words(const uint64_t w[5])
{
#if defined(__x86_64__) && defined(__SSE4_2__)
	uint64_t crc = UINT32_MAX;

	/* Unrolled by hand: GCC keeps a loop, reading w back from memory. */
	crc = __builtin_ia32_crc32di(crc, w[0]);
	crc = __builtin_ia32_crc32di(crc, w[1]);
	crc = __builtin_ia32_crc32di(crc, w[2]);
	crc = __builtin_ia32_crc32di(crc, w[3]);
	crc = __builtin_ia32_crc32di(crc, w[4]);
	return gw_hash32((uint32_t)crc);
#else
	struct gw_flow_key k;

	memcpy(&k, w, 40);
	return gw_hash32(gw_flow_key_crc_sw(&k));
#endif
}

static inline uint32_t
gw_flow_key_hash(const struct gw_flow_key *key)
{
	uint64_t w[5];

	memcpy(w, key, 40);
	return gw_flow_key_hash_words(w);
}

/* memcmp order of two addresses given as their raw 8-byte halves. */
static inline bool
gw_flow_addr_gt(uint64_t x0, uint64_t x1, uint64_t y0, uint64_t y1)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	x0 = __builtin_bswap64(x0);
	x1 = __builtin_bswap64(x1);
	y0 = __builtin_bswap64(y0);
	y1 = __builtin_bswap64(y1);
#endif
	return x0 > y0 || (x0 == y0 && x1 > y1);
}

/*
 * Canonical key from a packet's tuple: the lower (address, port) endpoint
 * first, in memcmp order of the addresses; *src_is_1 is set when src is
 * key.addr[1]. Every byte of the key is written (it has no padding), as
 * five 8-byte words. Returns gw_flow_key_hash of the key, computed from
 * the words while they are in registers.
 */
static inline uint32_t
gw_flow_key_make_hash(struct gw_flow_key *key, uint16_t vlan_outer,
		      uint16_t vlan_inner, uint8_t proto,
		      const struct gw_addr *src, uint16_t sport,
		      const struct gw_addr *dst, uint16_t dport, bool *src_is_1)
{
	uint64_t s0, s1, d0, d1, w[5];
	bool rev;

	memcpy(&s0, src->b, 8);
	memcpy(&s1, src->b + 8, 8);
	memcpy(&d0, dst->b, 8);
	memcpy(&d1, dst->b + 8, 8);
	rev = gw_flow_addr_gt(s0, s1, d0, d1) ||
	      (s0 == d0 && s1 == d1 && sport > dport);
	w[0] = rev ? d0 : s0;
	w[1] = rev ? d1 : s1;
	w[2] = rev ? s0 : d0;
	w[3] = rev ? s1 : d1;
	/*
	 * The last word: the ports, then the VIDs and protocol where GCC and
	 * clang put the bitfields on a little-endian target (the unit tests
	 * read them back through the fields).
	 */
	_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
		       "the key's last word is composed for little-endian");
	w[4] = (uint64_t)(rev ? dport : sport) |
	       (uint64_t)(rev ? sport : dport) << 16 |
	       ((uint64_t)(vlan_outer & 0xfff) |
		(uint64_t)(vlan_inner & 0xfff) << 12 | (uint64_t)proto << 24)
		       << 32;
	/* Word by word: one 40-byte copy of w would go through the stack
	 * and reload 8-byte stores as 16-byte loads, which stalls. */
	memcpy((char *)key, &w[0], 8);
	memcpy((char *)key + 8, &w[1], 8);
	memcpy((char *)key + 16, &w[2], 8);
	memcpy((char *)key + 24, &w[3], 8);
	memcpy((char *)key + 32, &w[4], 8);
	if (src_is_1 != NULL)
		*src_is_1 = rev;
	return gw_flow_key_hash_words(w);
}

static inline void
gw_flow_key_make(struct gw_flow_key *key, uint16_t vlan_outer,
		 uint16_t vlan_inner, uint8_t proto,
		 const struct gw_addr *src, uint16_t sport,
		 const struct gw_addr *dst, uint16_t dport, bool *src_is_1)
{
	(void)gw_flow_key_make_hash(key, vlan_outer, vlan_inner, proto, src,
				    sport, dst, dport, src_is_1);
}

static inline bool
gw_flow_key_eq(const struct gw_flow_key *a, const struct gw_flow_key *b)
{
	const char *x = (const char *)a, *y = (const char *)b;
	uint64_t d = 0, u, v;

	/* Word loads straight from both keys (no copy through the stack). */
#define GW_FLOW_KEY_EQ_WORD(o)                                                 \
	do {                                                                   \
		memcpy(&u, x + (o), 8);                                        \
		memcpy(&v, y + (o), 8);                                        \
		d |= u ^ v;                                                    \
	} while (0)
	GW_FLOW_KEY_EQ_WORD(0);
	GW_FLOW_KEY_EQ_WORD(8);
	GW_FLOW_KEY_EQ_WORD(16);
	GW_FLOW_KEY_EQ_WORD(24);
	GW_FLOW_KEY_EQ_WORD(32);
#undef GW_FLOW_KEY_EQ_WORD
	return d == 0;
}

/* Home bucket of a hash: (hash * nb) >> 32. */
static inline uint32_t
gw_flow_home(const struct gw_flow_table *t, uint32_t hash)
{
	return (uint32_t)(((uint64_t)hash * t->nb) >> 32);
}

static inline uint32_t
gw_flow_next(const struct gw_flow_table *t, uint32_t i)
{
	return i + 1 == t->nb ? 0 : i + 1;
}

/* Returns NULL on bad arguments or allocation failure. */
struct gw_flow_table *gw_flow_table_create(uint32_t capacity,
					   const struct gw_flow_timeouts *to);
void gw_flow_table_set_hash(struct gw_flow_table *t, gw_flow_hash_fn fn);
void gw_flow_table_free(struct gw_flow_table *t);
void gw_flow_timeouts_default(struct gw_flow_timeouts *to);

/*
 * Prefetch hints for a burst (no effect on results): the index bucket of
 * `hash`, then (once that line has arrived) the flow it points to.
 */
static inline void
gw_flow_prefetch_bucket(const struct gw_flow_table *t, uint32_t hash)
{
	gw_prefetch0(&t->buckets[gw_flow_home(t, hash)]);
}

/*
 * Looks along the probe run from the home bucket, as far as the end of
 * the home bucket's cache line (the line gw_flow_prefetch_bucket fetched:
 * going further would wait for a line that is not there yet), for the
 * first bucket with this hash, and prefetches its flow. A flow displaced
 * from its home bucket by a collision (one in five at 25 % load) is then
 * prefetched too, instead of costing its lookup a miss.
 */
static inline void
gw_flow_prefetch_entry(const struct gw_flow_table *t, uint32_t hash)
{
	const struct gw_flow_bucket *b = &t->buckets[gw_flow_home(t, hash)];
	const struct gw_flow_bucket *end = &t->buckets[t->nb];
	const struct gw_flow_bucket *line_end =
		(const struct gw_flow_bucket *)(((uintptr_t)b | 63) + 1);

	if (line_end < end)
		end = line_end;
	for (; b < end && b->slot != GW_FLOW_NIL; b++) {
		if (b->hash == hash) {
			const char *f = (const char *)&t->flows[b->slot];

			/* struct gw_flow is two lines: key and state, then counters. */
			gw_prefetch0(f);
			gw_prefetch0(f + 64);
			return;
		}
	}
}

static inline struct gw_flow *
gw_flow_lookup(struct gw_flow_table *t, const struct gw_flow_key *key,
	       uint32_t hash)
{
	uint32_t i = gw_flow_home(t, hash);

	for (;;) {
		const struct gw_flow_bucket *b = &t->buckets[i];

		if (b->slot == GW_FLOW_NIL)
			return NULL;
		if (b->hash == hash && gw_flow_key_eq(&t->flows[b->slot].key, key))
			return &t->flows[b->slot];
		i = gw_flow_next(t, i);
	}
}

/*
 * Inserts a new flow (caller has checked it does not exist). client_idx is
 * the key index of the initiator. Returns NULL when the table is full:
 * existing flows are never evicted to make room.
 */
struct gw_flow *gw_flow_insert(struct gw_flow_table *t,
			       const struct gw_flow_key *key, uint32_t hash,
			       uint8_t client_idx, uint64_t now_ns);
void gw_flow_remove(struct gw_flow_table *t, struct gw_flow *f);

/* Direction of a packet whose source is key index src_idx. */
static inline enum gw_flow_dir
gw_flow_dir(const struct gw_flow *f, uint8_t src_idx)
{
	return src_idx == f->client_idx ? GW_DIR_TO_SERVER : GW_DIR_TO_CLIENT;
}

/*
 * TCP state tracking for one segment in direction dir. Updates tcp_state,
 * fin_seen, client/server next sequence numbers and ISNs.
 * Returns false if the flags are invalid for the state (e.g. SYN+FIN,
 * no flags), in which case nothing changed.
 */
bool gw_flow_tcp_update_slow(struct gw_flow *f, enum gw_flow_dir dir,
			     uint8_t flags, uint32_t seq, uint32_t ack,
			     uint32_t payload_len);

static inline bool
gw_flow_tcp_update(struct gw_flow *f, enum gw_flow_dir dir, uint8_t flags,
		   uint32_t seq, uint32_t ack, uint32_t payload_len)
{
	/*
	 * The common case inline: a plain ACK (data or not; PSH, URG, ECE,
	 * CWR are ignored) in ESTABLISHED, where no FIN has been seen yet, so
	 * all it does is advance the sender's next sequence number.
	 */
	if (__builtin_expect(f->tcp_state == GW_TCP_ESTABLISHED &&
				     (flags & (GW_TCP_FIN | GW_TCP_SYN |
					       GW_TCP_RST | GW_TCP_ACK)) ==
					     GW_TCP_ACK,
			     1)) {
		uint32_t *next = dir == GW_DIR_TO_SERVER ? &f->client_next_seq
							 : &f->server_next_seq;
		uint32_t end = seq + payload_len;

		if ((int32_t)(end - *next) > 0)
			*next = end;
		return true;
	}
	return gw_flow_tcp_update_slow(f, dir, flags, seq, ack, payload_len);
}

/* Idle timeout of a flow in its current state. */
uint64_t gw_flow_timeout(const struct gw_flow_table *t,
			 const struct gw_flow *f);
/*
 * Refreshes last_ns (call on every packet). A TCP flow in CLOSING or
 * CLOSED joins the FIFO of closed flows here (see gw_flow_tcp_note).
 */
void gw_flow_touch_closing(struct gw_flow_table *t, struct gw_flow *f);

static inline void
gw_flow_touch(struct gw_flow_table *t, struct gw_flow *f, uint64_t now_ns)
{
	f->last_ns = now_ns;
	if (f->closed_next != GW_FLOW_CQ_NONE)
		f->closed_next |= GW_FLOW_CQ_TOUCHED;
	else if (__builtin_expect(f->tcp_state >= GW_TCP_CLOSING, 0))
		gw_flow_touch_closing(t, f);
}

/*
 * Call after gw_flow_tcp_update: a flow that has just become CLOSED (RST,
 * or the last ACK) joins the FIFO of closed flows. All CLOSED flows share
 * one timeout, so the FIFO's head is always the next to expire and
 * gw_flow_expire removes them in O(1) each, without scanning the table:
 * the sweep alone examines `budget` slots per call, which caps the rate
 * of new connections a table can absorb at about budget x calls/s x the
 * closed timeout (docs/performance.md). Calling it for any other flow is
 * harmless; flows never noted are still found by the sweep.
 */
void gw_flow_tcp_note(struct gw_flow_table *t, struct gw_flow *f);
/* Flows in the closed FIFO (including removed ones not yet popped). */
uint32_t gw_flow_closed_queued(const struct gw_flow_table *t);

typedef void (*gw_flow_expire_cb)(struct gw_flow *f, void *arg);
/*
 * Expiry: first pops at most `budget` entries of the FIFO of closed flows
 * (expiring the CLOSED ones idle beyond tcp_closed), then the incremental
 * sweep examines at most `budget` slots (continuing where the last call
 * stopped). cb is called for each flow idle beyond its timeout, which is
 * then removed. Returns the number expired.
 */
unsigned int gw_flow_expire(struct gw_flow_table *t, uint64_t now_ns,
			    unsigned int budget, gw_flow_expire_cb cb, void *arg);

uint32_t gw_flow_count(const struct gw_flow_table *t);
uint32_t gw_flow_capacity(const struct gw_flow_table *t);

/* Iterate over all flows (control/debug, not the data path). */
typedef int (*gw_flow_walk_cb)(struct gw_flow *f, void *arg);
void gw_flow_walk(struct gw_flow_table *t, gw_flow_walk_cb cb, void *arg);

#endif /* GW_FLOW_H */
