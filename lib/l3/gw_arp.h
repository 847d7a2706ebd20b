/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_ARP_H
#define GW_ARP_H

/*
 * ARP (RFC 826) for Ethernet/IPv4 only: parser and frame builders for nat
 * mode. DPDK-free, no allocation; frames go into caller buffers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l3/gw_l2.h"

#define GW_ARP_LEN 28 /* Ethernet/IPv4 ARP payload */
#define GW_ARP_OP_REQUEST 1
#define GW_ARP_OP_REPLY 2
/* Every ARP frame built here is padded to the Ethernet minimum. */
#define GW_ARP_FRAME_LEN GW_ETH_MIN_FRAME

/* Views into the parsed payload (6-byte MACs, 4-byte IPv4 addresses). */
struct gw_arp {
	uint16_t op;        /* GW_ARP_OP_REQUEST or GW_ARP_OP_REPLY */
	const uint8_t *sha; /* sender hardware address */
	const uint8_t *spa; /* sender protocol address */
	const uint8_t *tha; /* target hardware address */
	const uint8_t *tpa; /* target protocol address */
};

/*
 * Parses an ARP payload (the bytes after the Ethernet header and its tags;
 * trailing Ethernet padding is ignored). Requires htype 1 (Ethernet), ptype
 * 0x0800, hlen 6, plen 4 and op 1 or 2. Each field is checked as soon as it
 * is present: a wrong one gives GW_EMALFORMED even in a short buffer, a
 * correct prefix shorter than 28 bytes gives GW_INCOMPLETE. Returns 28
 * (bytes consumed) on success; out is filled only then.
 */
int gw_arp_parse(const uint8_t *buf, size_t len, struct gw_arp *out);

/* A sender announcing its own address (spa == tpa): gratuitous ARP. */
bool gw_arp_is_gratuitous(const struct gw_arp *arp);

/*
 * Builds a full ARP frame: Ethernet eth_dst <- eth_src with the tags of
 * encap (NULL: untagged), then the ARP payload, zero-padded to 60 bytes.
 * Returns GW_ARP_FRAME_LEN, GW_EINVAL (bad op or encap) or GW_ENOSPC.
 */
int gw_arp_build(uint8_t *out, size_t size, const struct gw_l2_encap *encap,
		 const uint8_t eth_dst[GW_ETH_ALEN],
		 const uint8_t eth_src[GW_ETH_ALEN], uint16_t op,
		 const uint8_t sha[GW_ETH_ALEN], const uint8_t spa[4],
		 const uint8_t tha[GW_ETH_ALEN], const uint8_t tpa[4]);

/*
 * Who-has tpa, tell my_ip. dst_mac NULL: broadcast (first resolution);
 * otherwise a unicast probe to the cached MAC (RFC 1122 2.3.2.1 re-probe).
 * tha is zero.
 */
int gw_arp_build_request(uint8_t *out, size_t size,
			 const struct gw_l2_encap *encap,
			 const uint8_t my_mac[GW_ETH_ALEN], const uint8_t my_ip[4],
			 const uint8_t tpa[4], const uint8_t *dst_mac);

/* my_ip is-at my_mac, sent to the requester (req->sha / req->spa). */
int gw_arp_build_reply(uint8_t *out, size_t size,
		       const struct gw_l2_encap *encap,
		       const uint8_t my_mac[GW_ETH_ALEN], const uint8_t my_ip[4],
		       const struct gw_arp *req);

/*
 * Gratuitous ARP at start (RFC 5227 announcement form): a broadcast
 * request with spa == tpa == my_ip and tha zero.
 */
int gw_arp_build_gratuitous(uint8_t *out, size_t size,
			    const struct gw_l2_encap *encap,
			    const uint8_t my_mac[GW_ETH_ALEN],
			    const uint8_t my_ip[4]);

#endif /* GW_ARP_H */
