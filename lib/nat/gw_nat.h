/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_NAT_H
#define GW_NAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gw_addr.h"
#include "pkt/gw_pkt.h"

/*
 * Source NAT for nat mode (IPv4 only; IPv6 is routed untranslated).
 * DPDK-free, one struct gw_nat per worker, no locks, nothing allocated after
 * gw_nat_create().
 *
 * Port partitions. The pool port range [port_lo, port_hi] of EVERY pool
 * address is split into n_workers contiguous slices: with R ports in the
 * range, slice i is offsets [floor(i*R/n), floor((i+1)*R/n)) from port_lo.
 * Worker i allocates only in slice i of each address, so workers never
 * contend for a port and need no lock. gw_nat_owner() maps an external
 * (pool address, port) back to the owning worker: the daemon steers return
 * traffic by port range with rte_flow where the NIC can, and otherwise hands
 * the packet over a ring to that worker. ICMP query identifiers are the
 * "port" of ICMP mappings and are partitioned the same way. TCP, UDP and ICMP
 * have separate port spaces (a mapping key includes the protocol).
 *
 * Mapping behaviour (RFC 4787 / 5382 / 5508).
 * - Endpoint-independent mapping: the inside endpoint (proto, addr, port)
 *   keeps the same external endpoint for every destination while the
 *   mapping lives.
 * - Paired pooling (RFC 4787 REQ-2): an inside address always uses the pool
 *   address picked by a hash of the inside address. Only when that address
 *   has no free port left in this worker's slice does a new mapping fall
 *   back to the next address (in pool order) with a free port; pairing is
 *   broken for that mapping only, and only under exhaustion.
 * - Port preservation: the inside port is kept when it lies in this
 *   worker's slice and is free on the chosen address; otherwise the next
 *   free port of the slice is taken, scanning a bitmap from a rotating
 *   cursor (so that freed ports are not reused at once).
 * - Exhaustion (no free port on any pool address, or the mapping table is
 *   full) returns GW_ENOSPC: the worker denies the new flow with reason
 *   nat_exhausted. Both cases are counted.
 *
 * Timers (RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508 REQ-1). A mapping is held
 * by the flows using it (gw_nat_ref/gw_nat_unref). When the last flow lets
 * go, the mapping stays until last use (gw_nat_touch, on every translated
 * packet) plus the protocol's mapping timer: TCP established 2 h 4 min
 * (7440 s), TCP transitory (closing, closed or never established) 4 min,
 * UDP 5 min, ICMP 60 s. A flow ending on its idle timeout has usually
 * outlived the mapping timer already, so its mapping goes at the next
 * sweep: "mappings expire with their flow". gw_nat_expire() sweeps a bounded
 * number of slots per call and reports each freed mapping through a
 * callback (the worker logs the NAT delete event). Until it is swept, an
 * idle expired mapping is still found by the lookups and may be re-used.
 *
 * Memory: the mapping table (capacity entries and two hash indexes) and one
 * port bitmap per (pool address, protocol) covering this worker's slice:
 * n_addrs * 3 * slice_ports / 8 bytes.
 *
 * Addresses in this API are IPv4 in host byte order (0xc0000201 is
 * 192.0.2.1); gw_addr_from_v4_u32() (common/gw_addr.h) converts for records and logs.
 */

#define GW_NAT_MAX_ADDRS 4096
#define GW_NAT_MAX_WORKERS 256

struct gw_nat_timers {
	uint64_t tcp_established; /* ns; default 7440 s */
	uint64_t tcp_transitory;  /* ns; default 240 s */
	uint64_t udp;             /* ns; default 300 s */
	uint64_t icmp;            /* ns; default 60 s */
};

struct gw_nat_pool_cfg {
	uint32_t n_addrs;      /* 1..GW_NAT_MAX_ADDRS */
	const uint32_t *addrs; /* pool addresses, host order, distinct */
	uint16_t port_lo;      /* default 1024 */
	uint16_t port_hi;      /* default 65535; at least n_workers ports */
	uint16_t n_workers;    /* 1..GW_NAT_MAX_WORKERS */
	struct gw_nat_timers timers;
};

/* A mapping. The flow keeps a pointer to it; records take the external
 * endpoint from it. Fields are read-only outside lib/nat. */
struct gw_nat_map {
	uint32_t in_addr;   /* inside address (host order) */
	uint32_t ext_addr;  /* pool address (host order) */
	uint16_t in_port;   /* inside port / ICMP identifier */
	uint16_t ext_port;  /* external port / ICMP identifier */
	uint8_t proto;      /* GW_PROTO_TCP, GW_PROTO_UDP or GW_PROTO_ICMP */
	uint8_t in_use;     /* internal */
	uint8_t tcp_established; /* internal: timer class when refs drops to 0 */
	uint8_t pad;
	uint32_t refs;      /* flows holding the mapping */
	uint64_t create_ns;
	uint64_t last_ns;   /* last use (gw_nat_touch) */
	uint32_t addr_idx;  /* internal: index of ext_addr in the pool */
	uint32_t in_next;   /* internal: inside-index chain / free list */
	uint32_t out_next;  /* internal: outside-index chain */
	uint32_t slot;      /* internal: index in the table */
};

struct gw_nat_stats {
	uint64_t active;         /* mappings in the table */
	uint64_t created;
	uint64_t freed;
	uint64_t exhausted;      /* no free pool port: new flow denied */
	uint64_t table_full;     /* mapping table full: new flow denied */
	uint64_t port_preserved; /* new mappings that kept the inside port */
	uint64_t lookup_miss;    /* gw_nat_lookup_in/out found nothing */
};

struct gw_nat;

/* RFC 4787/5382/5508 defaults (see above). */
void gw_nat_timers_default(struct gw_nat_timers *t);

/* Checks cfg (sizes, ranges, distinct addresses): 0 or GW_EINVAL. */
int gw_nat_pool_cfg_check(const struct gw_nat_pool_cfg *cfg);

/*
 * Port slice [*lo, *hi] of worker in cfg's range. GW_EINVAL when cfg's
 * range is smaller than n_workers or worker >= n_workers.
 */
int gw_nat_slice(const struct gw_nat_pool_cfg *cfg, unsigned int worker,
		 uint16_t *lo, uint16_t *hi);

/*
 * Worker owning external endpoint (pool_addr, pool_port): >= 0, or
 * GW_ENOENT when the port lies outside the pool range. Ownership depends
 * only on the port (every address is partitioned alike); pool_addr is not
 * searched in the pool, the caller has recognised it as a pool address
 * already. Pure function of cfg.
 */
int gw_nat_owner(const struct gw_nat_pool_cfg *cfg, uint32_t pool_addr,
		 uint16_t pool_port);

/*
 * Per-worker NAT state for worker (0..n_workers-1) with room for capacity
 * mappings (>= 1). The configuration is copied. NULL on invalid arguments or
 * allocation failure.
 */
struct gw_nat *gw_nat_create(const struct gw_nat_pool_cfg *cfg,
			     unsigned int worker, uint32_t capacity);
void gw_nat_free(struct gw_nat *nat);

/*
 * Mapping for a new flow from inside endpoint (proto, in_addr, in_port):
 * the existing one (endpoint-independent mapping) or a new one. A reference
 * is taken for the flow either way. Returns 1 when the mapping was created
 * (the worker logs a NAT create event), 0 when it existed; GW_ENOSPC when
 * no pool port is free or the table is full (counted), GW_EINVAL for a
 * protocol other than TCP, UDP, ICMP.
 */
int gw_nat_acquire(struct gw_nat *nat, uint8_t proto, uint32_t in_addr,
		   uint16_t in_port, uint64_t now_ns, struct gw_nat_map **out);

/* Lookups without taking a reference; NULL (counted) when absent. */
struct gw_nat_map *gw_nat_lookup_in(struct gw_nat *nat, uint8_t proto,
				    uint32_t in_addr, uint16_t in_port);
struct gw_nat_map *gw_nat_lookup_out(struct gw_nat *nat, uint8_t proto,
				     uint32_t ext_addr, uint16_t ext_port);

/* Another flow uses m. */
void gw_nat_ref(struct gw_nat_map *m);

/*
 * A flow lets go of m. tcp_established tells, for a TCP mapping, whether
 * that flow was still established when it ended (idle timeout): the
 * established timer then applies, otherwise the transitory one. Ignored for
 * UDP and ICMP. Unref of a mapping without references is ignored.
 */
void gw_nat_unref(struct gw_nat_map *m, bool tcp_established);

/* Records use at now_ns (every translated packet): restarts the timer. */
static inline void
gw_nat_touch(struct gw_nat_map *m, uint64_t now_ns)
{
	if (now_ns > m->last_ns)
		m->last_ns = now_ns;
}

/* Mapping timer of m in its current class (ns). */
uint64_t gw_nat_map_timeout(const struct gw_nat *nat,
			    const struct gw_nat_map *m);

typedef void (*gw_nat_expire_cb)(const struct gw_nat_map *m, void *arg);

/*
 * Incremental sweep: examines at most budget table slots, continuing where
 * the previous call stopped, and frees every mapping with no reference whose
 * last_ns + timer <= now_ns, calling cb (may be NULL) before freeing it.
 * Returns the number freed.
 */
uint32_t gw_nat_expire(struct gw_nat *nat, uint64_t now_ns, uint32_t budget,
		       gw_nat_expire_cb cb, void *arg);

const struct gw_nat_stats *gw_nat_stats(const struct gw_nat *nat);

/* Free ports left for proto on pool address index addr_idx in this
 * worker's slice (for stats and tests); GW_EINVAL on bad arguments. */
int64_t gw_nat_free_ports(const struct gw_nat *nat, uint8_t proto,
			  uint32_t addr_idx);

/*
 * Packet translation on raw bytes, in place: l3 points to the IPv4 header,
 * len is the bytes available from there (at least meta->l3_len), meta is
 * gw_pkt_parse's result for the frame (offsets relative to the frame; only
 * their differences are used). Checksums are updated incrementally (RFC
 * 1624): the IPv4 header checksum, the TCP/UDP checksum (pseudo-header and
 * port), the ICMP checksum (identifier). A UDP checksum of 0 ("none") stays
 * 0; a UDP result of 0 is stored as 0xffff. Only echo request/reply is
 * translated among ICMP queries. All return 0, or GW_EINVAL when the packet
 * is not an unfragmented IPv4 packet of m's protocol whose endpoint matches
 * m (nothing is written then), GW_ENOTSUP for an ICMP type that is neither
 * echo nor an error (and for errors passed to the plain functions).
 */

/* Outbound: src (in_addr, in_port) -> (ext_addr, ext_port). */
int gw_nat_translate_out(const struct gw_nat_map *m, uint8_t *l3, size_t len,
			 const struct gw_pkt_meta *meta);
/* Inbound: dst (ext_addr, ext_port) -> (in_addr, in_port). */
int gw_nat_translate_in(const struct gw_nat_map *m, uint8_t *l3, size_t len,
			const struct gw_pkt_meta *meta);

/*
 * ICMP error from outside (dest unreachable incl. frag needed, time
 * exceeded, parameter problem) about an outbound packet, i.e. whose quote is
 * [ext_addr:ext_port -> remote]: rewrites the outer dst to in_addr, the
 * quoted src address to in_addr (and the quoted IPv4 header checksum), the
 * quoted src port / echo identifier to in_port, the quoted TCP/UDP/ICMP
 * checksum when the quote holds it (RFC 792 guarantees only 8 bytes of L4:
 * a quoted TCP checksum is then absent and is left alone, as is a
 * checksum the quote cuts in half; a quoted UDP checksum of 0 stays 0), and updates the outer IPv4 and ICMP checksums
 * over every changed word. GW_EINVAL when the outer dst or the quoted
 * source is not m's external endpoint, the quoted protocol is not m's, or
 * the quote is too short to hold the port / identifier (a non-first
 * fragment quoted). The quote's own length fields are not trusted.
 */
int gw_nat_translate_icmp_error_in(const struct gw_nat_map *m, uint8_t *l3,
				   size_t len, const struct gw_pkt_meta *meta);

/*
 * The mirror image: an ICMP error sent by an inside host about an inbound
 * (translated) packet, quote [remote -> in_addr:in_port]: outer src, quoted
 * dst and quoted dst port / identifier go to the external endpoint.
 */
int gw_nat_translate_icmp_error_out(const struct gw_nat_map *m, uint8_t *l3,
				    size_t len,
				    const struct gw_pkt_meta *meta);

#endif /* GW_NAT_H */
