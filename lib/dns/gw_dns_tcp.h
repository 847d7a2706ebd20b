/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_DNS_TCP_H
#define GW_DNS_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * DNS over TCP framing across segments (RFC 1035 4.2.2, RFC 7766),
 * DPDK-free. One struct gw_dns_tcp per direction reads the in-order byte
 * stream: a 2-byte length, then the message. A message wholly inside one
 * feed is handed out in place; one that spans feeds is assembled in the
 * state's buffer of `cap` bytes (default GW_DNS_TCP_MAX_DEFAULT). Messages
 * longer than cap are skipped by their length, unread, and reported to the
 * callback with msg == NULL so the caller can count them ("too long").
 *
 * Memory is bounded and held by few flows: the states live in a fixed pool
 * (gw_dns_tcp_pool) allocated at create, one pair (both directions) per
 * TCP/53 flow. The worker takes a pair at the flow's first payload
 * segment (both ISNs are known then), puts it back when the flow ends;
 * when the pool is empty the flow's DNS is not parsed (the worker counts
 * it) and its traffic is not affected.
 *
 * Worker use, per segment of an allowed TCP/53 flow:
 *   gw_dns_tcp_seq(st, seq, len, &skip): OLD → already parsed, pass;
 *   AHEAD → gw_dns_tcp_gap(st) (this direction is no longer parsed: after
 *   a hole the next length prefix cannot be found); NEW → feed
 *   data + skip. The callback parses each message (gw_dns_parse) and
 *   returns < 0 for one that does not parse: the feed stops and returns
 *   that value, the direction stops, and the worker denies the flow
 *   (dropping only the segment would let its retransmission pass, since
 *   the bytes count as fed).
 */

#define GW_DNS_TCP_MAX_DEFAULT 4096
#define GW_DNS_TCP_MAX_LIMIT 65535

/*
 * Called for each complete message: msg[0..len) (valid during the call
 * only: a view into the fed data or into the state's buffer), or msg NULL
 * and len the announced length for a message longer than cap, which is
 * skipped. Returns 0 to go on, < 0 to stop (the value is returned by
 * gw_dns_tcp_feed).
 */
typedef int (*gw_dns_tcp_cb)(void *arg, const uint8_t *msg, size_t len);

/* Private; fields may change. Use the functions. */
struct gw_dns_tcp {
	uint8_t *buf;        /* cap bytes, owned by the pool (or the caller) */
	uint32_t cap;
	uint32_t next_seq;   /* sequence number of the next byte to feed */
	uint32_t have;       /* message bytes assembled or skipped so far */
	uint16_t need;       /* announced length of the current message */
	uint8_t len_hi;      /* first byte of the length prefix */
	uint8_t phase;
};

/* One flow's states, indexed by enum gw_flow_dir (0 to server, 1 to client). */
struct gw_dns_tcp_flow {
	struct gw_dns_tcp dir[2];
};

/*
 * Starts a direction whose next byte has sequence number seq (ISN + 1),
 * assembling messages of up to cap bytes (GW_DNS_HEADER_LEN..65535) in
 * buf. Returns 0 or GW_EINVAL.
 */
int gw_dns_tcp_init(struct gw_dns_tcp *st, uint8_t *buf, uint32_t cap,
		    uint32_t seq);

/*
 * Consumes all of data[0..len) and calls cb for each message completed in
 * it, in stream order (several per feed, or one spanning feeds).
 * Returns the number of cb calls (>= 0); GW_EMALFORMED when a length
 * prefix announces fewer than GW_DNS_HEADER_LEN bytes (0 included: no DNS
 * message is that short); cb's negative value when it stops the feed;
 * GW_ELIMIT once the direction is stopped (after a gap or an error),
 * without reading data. After GW_EMALFORMED or a cb error the direction is
 * stopped as well. The sequence number advances by len on success.
 */
int gw_dns_tcp_feed(struct gw_dns_tcp *st, const uint8_t *data, size_t len,
		    gw_dns_tcp_cb cb, void *arg);

/* Bytes of this direction will not be fed: stop parsing it. */
void gw_dns_tcp_gap(struct gw_dns_tcp *st);

/* True when the direction is stopped (gap or error). */
bool gw_dns_tcp_stopped(const struct gw_dns_tcp *st);

/* True between messages: no partial length prefix or message is pending. */
bool gw_dns_tcp_idle(const struct gw_dns_tcp *st);

enum gw_dns_tcp_seg {
	GW_DNS_TCP_SEG_NEW = 0, /* feed data + *skip (*skip bytes were seen) */
	GW_DNS_TCP_SEG_OLD,     /* a retransmission of bytes already fed */
	GW_DNS_TCP_SEG_AHEAD,   /* starts beyond the next expected byte */
};

/* Places a segment against the next byte expected (modulo 2^32). */
enum gw_dns_tcp_seg gw_dns_tcp_seq(const struct gw_dns_tcp *st, uint32_t seq,
				   uint32_t len, uint32_t *skip);

struct gw_dns_tcp_pool;

struct gw_dns_tcp_pool_stats {
	uint32_t size;          /* flows the pool can hold */
	uint32_t in_use;
	uint32_t max_in_use;
	uint64_t taken;         /* successful gets */
	uint64_t exhausted;     /* gets that found the pool empty */
};

/*
 * A pool of n_flows pairs of states, each with a buffer of max_msg bytes
 * (0: GW_DNS_TCP_MAX_DEFAULT; else GW_DNS_HEADER_LEN..GW_DNS_TCP_MAX_LIMIT).
 * Everything is allocated here. NULL on bad arguments or no memory.
 */
struct gw_dns_tcp_pool *gw_dns_tcp_pool_create(uint32_t n_flows,
					       uint32_t max_msg);
void gw_dns_tcp_pool_free(struct gw_dns_tcp_pool *p);

/*
 * Takes a pair, both directions started (client_seq, server_seq: the next
 * sequence number of each side). NULL when the pool is empty (counted).
 */
struct gw_dns_tcp_flow *gw_dns_tcp_pool_get(struct gw_dns_tcp_pool *p,
					    uint32_t client_seq,
					    uint32_t server_seq);
/* Returns a pair taken from p; NULL, a foreign pointer or a double put is ignored. */
void gw_dns_tcp_pool_put(struct gw_dns_tcp_pool *p, struct gw_dns_tcp_flow *f);
void gw_dns_tcp_pool_stats(const struct gw_dns_tcp_pool *p,
			   struct gw_dns_tcp_pool_stats *s);

#endif /* GW_DNS_TCP_H */
