/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_ICMP_BUILD_H
#define GW_ICMP_BUILD_H

/*
 * ICMP/ICMPv6 messages the gateway originates in nat mode: echo replies to
 * its own addresses, time exceeded and destination unreachable, and the
 * TTL / hop-limit decrement of forwarded packets. DPDK-free; frames are
 * built into caller buffers from a frame parsed by gw_pkt_parse().
 *
 * The reply's Ethernet header swaps orig's MACs (orig was sent to the
 * gateway's MAC) and keeps orig's in-band tags; a tag the NIC stripped is
 * not written (the caller re-inserts it, as for gw_pkt_build_tcp_rst).
 */
#include <stddef.h>
#include <stdint.h>

#include "common/gw_addr.h"
#include "pkt/gw_pkt.h"

#define GW_ICMP_V4_MAX_IP 576   /* RFC 1812 4.3.2.3: error datagram cap */
#define GW_ICMP_V6_MAX_IP 1280  /* RFC 4443 2.4 (c): error packet cap */
#define GW_ICMP_REPLY_TTL 64

/* Codes used by the gateway. */
#define GW_ICMP4_UNREACH_HOST 1
#define GW_ICMP6_UNREACH_NOROUTE 0
#define GW_ICMP6_UNREACH_ADDR 3

/*
 * Echo reply to the echo request orig (IPv4 type 8 / ICMPv6 type 128, code
 * 0; meta from gw_pkt_parse, GW_PKT_OK). The request's ICMP checksum is
 * verified (GW_EMALFORMED when wrong: a host drops it too); the reply keeps
 * identifier, sequence and payload, swaps addresses, changes the type
 * (0 / 129) and updates the checksum incrementally (RFC 1624). The IP
 * header is rebuilt without options / extension headers (TTL 64). out may
 * be orig (in-place rewrite). Returns the frame length, GW_EINVAL (not an
 * echo request, meta not of orig) or GW_ENOSPC.
 */
int gw_icmp_build_echo_reply(const uint8_t *orig, size_t orig_len,
			     const struct gw_pkt_meta *meta, uint8_t *out,
			     size_t out_size);

/*
 * ICMP error about orig from src (the gateway's address on the receiving
 * interface, same family as orig): IPv4 type/code with a quote of orig's
 * IP packet (header and as many bytes as fit in a 576-byte datagram,
 * RFC 1812), or ICMPv6 type/code quoting as much as fits in 1280 bytes
 * (RFC 4443). The quote never includes orig's Ethernet padding. rest is the
 * 32-bit field after the checksum (0, or the MTU / pointer).
 * No error is generated (returns 0) about an ICMP error, an IPv4 fragment
 * other than the first, a multicast/broadcast destination or a frame sent
 * to a multicast/broadcast MAC, or an unspecified/multicast source
 * (RFC 1122 3.2.2, RFC 1812 4.3.2.7, RFC 4443 2.4 (e)). orig may be a
 * FRAGMENT packet. out must not overlap orig. Returns the frame length,
 * 0, GW_EINVAL or GW_ENOSPC.
 */
int gw_icmp_build_error(const uint8_t *orig, size_t orig_len,
			const struct gw_pkt_meta *meta,
			const struct gw_addr *src, uint8_t type, uint8_t code,
			uint32_t rest, uint8_t *out, size_t out_size);

/* Time exceeded in transit: IPv4 11/0, ICMPv6 3/0. */
int gw_icmp_build_time_exceeded(const uint8_t *orig, size_t orig_len,
				const struct gw_pkt_meta *meta,
				const struct gw_addr *src, uint8_t *out,
				size_t out_size);

/* Destination unreachable: IPv4 type 3, ICMPv6 type 1, with code. */
int gw_icmp_build_unreach(const uint8_t *orig, size_t orig_len,
			  const struct gw_pkt_meta *meta,
			  const struct gw_addr *src, uint8_t code,
			  uint8_t *out, size_t out_size);

/*
 * Forwarding step on the IP header l3[0..len) of family af: a TTL / hop
 * limit of 0 or 1 is left as is and 0 is returned (the packet expires
 * here: time exceeded, drop with ttl_exceeded); otherwise it is
 * decremented (IPv4 header checksum updated incrementally, RFC 1624) and
 * the new value is returned. GW_EINVAL for a short header or bad af.
 */
int gw_l3_ttl_decrement(uint8_t *l3, size_t len, uint8_t af);

#endif /* GW_ICMP_BUILD_H */
