/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_ND_H
#define GW_ND_H

/*
 * IPv6 neighbour discovery (RFC 4861) for nat mode: Neighbor Solicitation
 * and Advertisement parser and builders. Router solicitation/advertisement
 * are not handled (static addressing). DPDK-free, no allocation.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gw_addr.h"
#include "l3/gw_l2.h"

#define GW_ND_NS 135
#define GW_ND_NA 136
#define GW_ND_NA_ROUTER 0x80
#define GW_ND_NA_SOLICITED 0x40
#define GW_ND_NA_OVERRIDE 0x20
#define GW_ND_OPT_SLLA 1
#define GW_ND_OPT_TLLA 2
/* NS or NA with one link-layer option, untagged: 14 + 40 + 24 + 8 */
#define GW_ND_FRAME_LEN 86
/* Room for any NS/NA built here (QinQ tagged). */
#define GW_ND_FRAME_MAX (GW_ND_FRAME_LEN + 8)

struct gw_nd {
	uint8_t type;          /* GW_ND_NS or GW_ND_NA */
	uint8_t flags;         /* NA: GW_ND_NA_* bits; NS: 0 */
	const uint8_t *target; /* 16-byte target address (view) */
	/* NS: source link-layer address option; NA: target link-layer
	 * address option; NULL when absent. 6 bytes (Ethernet). */
	const uint8_t *lladdr;
};

/*
 * Parses and validates an ICMPv6 NS or NA: icmp[0..len) is the whole
 * ICMPv6 message (len from the IPv6 payload length, extension headers
 * excluded), src/dst the IPv6 addresses and hop_limit the IPv6 hop limit.
 * Checks (RFC 4861 7.1.1/7.1.2): hop limit 255, code 0, the ICMPv6 checksum,
 * length >= 24, target and source not multicast, every option with a non-zero length
 * inside the message, a link-layer option at least 8 bytes; NS from the
 * unspecified address only to a solicited-node address and without a
 * source link-layer option; NA to a multicast address without the S flag.
 * Unknown options are skipped; of repeated link-layer options the first
 * counts. Returns len (bytes consumed), GW_INCOMPLETE when len < 24 with a
 * valid type so far, GW_EMALFORMED, or GW_ENOTSUP for another ICMPv6 type
 * (RS/RA/redirect and the rest are not neighbour resolution).
 */
int gw_nd_parse(const uint8_t *icmp, size_t len, const struct gw_addr *src,
		const struct gw_addr *dst, uint8_t hop_limit, struct gw_nd *out);

/* Solicited-node multicast address ff02::1:ffXX:XXXX of addr. */
void gw_nd_solicited_node(const struct gw_addr *addr, struct gw_addr *out);
/* IPv6 multicast MAC 33:33 + the last 4 bytes of a multicast group. */
void gw_nd_mcast_mac(const struct gw_addr *group, uint8_t mac[GW_ETH_ALEN]);

/*
 * Neighbor Solicitation for target from src (the gateway's address on the
 * link) with a source link-layer option my_mac. dst_mac NULL: to the
 * target's solicited-node group (address resolution); otherwise unicast to
 * target at dst_mac (reachability re-probe, RFC 4861 7.3.3). Hop limit 255,
 * checksum computed. Returns the frame length or GW_EINVAL / GW_ENOSPC.
 */
int gw_nd_build_ns(uint8_t *out, size_t size, const struct gw_l2_encap *encap,
		   const uint8_t my_mac[GW_ETH_ALEN], const struct gw_addr *src,
		   const struct gw_addr *target, const uint8_t *dst_mac);

/*
 * Neighbor Advertisement for target (own address) with a target link-layer
 * option my_mac and flags (GW_ND_NA_*), from src to dst at eth_dst.
 */
int gw_nd_build_na(uint8_t *out, size_t size, const struct gw_l2_encap *encap,
		   const uint8_t eth_dst[GW_ETH_ALEN],
		   const uint8_t my_mac[GW_ETH_ALEN], const struct gw_addr *src,
		   const struct gw_addr *dst, const struct gw_addr *target,
		   uint8_t flags);

/*
 * Answer to a parsed NS for our own target (the caller checked that with
 * gw_l3_is_local_on): solicited (S), override (O) and router (R) flags,
 * sent to the solicitation's source at the source link-layer option (else
 * at req_eth_src). From the unspecified address (DAD) the answer goes to
 * all-nodes ff02::1 without S (RFC 4861 7.2.4).
 */
int gw_nd_build_na_reply(uint8_t *out, size_t size,
			 const struct gw_l2_encap *encap,
			 const uint8_t my_mac[GW_ETH_ALEN],
			 const struct gw_nd *ns, const struct gw_addr *ns_src,
			 const uint8_t req_eth_src[GW_ETH_ALEN]);

/*
 * Unsolicited NA at start (RFC 4861 7.2.6): to all-nodes ff02::1
 * (33:33:00:00:00:01), flags R|O, source and target = addr.
 */
int gw_nd_build_unsolicited_na(uint8_t *out, size_t size,
			       const struct gw_l2_encap *encap,
			       const uint8_t my_mac[GW_ETH_ALEN],
			       const struct gw_addr *addr);

#endif /* GW_ND_H */
