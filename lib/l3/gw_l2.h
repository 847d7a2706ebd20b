/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_L2_H
#define GW_L2_H

/*
 * Ethernet header writer shared by the nat-mode frame builders (ARP, ND,
 * ICMP). DPDK-free; frames are written into caller buffers.
 */
#include <stddef.h>
#include <stdint.h>

#define GW_ETH_ALEN 6
#define GW_ETH_HLEN 14
#define GW_ETH_MIN_FRAME 60 /* without FCS; shorter frames are zero-padded */
#define GW_ETHERTYPE_IPV4 0x0800
#define GW_ETHERTYPE_ARP 0x0806
#define GW_ETHERTYPE_IPV6 0x86dd
#define GW_TPID_8021Q 0x8100
#define GW_TPID_8021AD 0x88a8

/*
 * How a frame is tagged on the wire. vid == GW_VLAN_NONE (0): untagged.
 * outer_vid != 0 adds a QinQ service tag (outer_tpid, 0x88a8 when 0) in
 * front of the 802.1Q tag vid; an outer tag without an inner one is
 * GW_EINVAL. VIDs are 1..4094. A NULL encap means untagged.
 */
struct gw_l2_encap {
	uint16_t vid;
	uint16_t outer_vid;
	uint16_t outer_tpid;
};

/*
 * Writes destination and source MAC, the tags of encap and ethertype into
 * out[0..size). Returns the header length (14, 18 or 22), GW_EINVAL for a
 * bad encap or GW_ENOSPC when size is too small. dst and src must not
 * point into out[0..12).
 */
int gw_l2_write(uint8_t *out, size_t size, const uint8_t dst[GW_ETH_ALEN],
		const uint8_t src[GW_ETH_ALEN], const struct gw_l2_encap *encap,
		uint16_t ethertype);

/* Length gw_l2_write() would write for encap, or GW_EINVAL. */
int gw_l2_hdr_len(const struct gw_l2_encap *encap);

#endif /* GW_L2_H */
