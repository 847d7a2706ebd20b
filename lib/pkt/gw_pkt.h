/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_PKT_H
#define GW_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gw_addr.h"

/*
 * L2-L4 parsing of one frame into a small meta struct (DPDK-free).
 *
 * Ethernet, 802.1Q (0x8100) and QinQ (0x88a8 or stacked 0x8100) tags; a tag
 * the NIC stripped into mbuf->vlan_tci is passed in (stripped_tci) and counts
 * as the outermost tag. IPv4 with options; IPv6 with extension headers
 * (hop-by-hop, routing, destination options, fragment, AH); TCP (with
 * options), UDP, ICMP, ICMPv6. For ICMP/ICMPv6 error messages the embedded
 * (quoted) IP header and the first 8 bytes of its L4 header are parsed into
 * inner_*.
 *
 * Details of the contract:
 * - VLAN: TPIDs 0x8100, 0x88a8 and 0x9100 are tags; at most 2 in total,
 *   the stripped one included (a third is MALFORMED, err_layer 2). VID 0
 *   (priority tag) reads as GW_VLAN_NONE but counts in n_tags.
 * - ARP: the fixed header and the addresses of the advertised lengths must
 *   be present (else MALFORMED, err_layer 3).
 * - IPv4: the header checksum (like the L4 ones) is NOT verified: with
 *   checksum offload, NICs and virtio deliver frames whose checksum is not
 *   yet filled in. Bytes past the IP total length are Ethernet padding and
 *   ignored; a frame shorter than the total length is MALFORMED.
 * - IPv6: at most 8 extension headers; hop-by-hop only first (as hosts
 *   enforce); an atomic fragment (offset 0, M clear) is parsed as a whole
 *   packet; 59 (no next header) is proto 59 without L4.
 * - FRAGMENT: L2 and L3 fields are filled (proto is the fragment's next
 *   header); l4_off and every L4 field are 0.
 * - MALFORMED: the fields of the layers below err_layer are filled (l4_off
 *   counts as L3), those of err_layer and above are 0; with err_layer 2,
 *   kind is GW_PKT_OTHER and the tags read before the error stay in
 *   n_tags/vlan_* (so that the drop can be counted per VLAN).
 * - Offsets are 16 bits: an IPv6 payload length whose packet would exceed
 *   65535 bytes is MALFORMED (no Ethernet frame carries one).
 * - ICMP is parsed only over IPv4 and ICMPv6 only over IPv6; other IP
 *   protocols (and ICMP in the wrong family) are OK with proto and l4_off
 *   set and no L4 field. For ICMP, payload_* is the body after the 8-byte
 *   header. In an error, a quoted IP header (IPv6: with its extension
 *   headers) cut short is MALFORMED (err_layer 4); missing ports are 0.
 */

#define GW_VLAN_NONE 0 /* no tag; role VLAN "untagged" */

enum gw_pkt_kind {
	GW_PKT_IP = 0,   /* IPv4 or IPv6 (see af) */
	GW_PKT_ARP,      /* ARP (passes in bridge mode) */
	GW_PKT_OTHER,    /* any other ethertype */
};

enum gw_pkt_status {
	GW_PKT_OK = 0,
	GW_PKT_FRAGMENT,  /* IPv4 MF/offset or IPv6 fragment header: L4 not parsed */
	GW_PKT_MALFORMED, /* truncated or invalid header; see err_layer */
};

/* TCP flag bits as on the wire. */
#define GW_TCP_FIN 0x01
#define GW_TCP_SYN 0x02
#define GW_TCP_RST 0x04
#define GW_TCP_PSH 0x08
#define GW_TCP_ACK 0x10
#define GW_TCP_URG 0x20

#define GW_PROTO_ICMP 1
#define GW_PROTO_TCP 6
#define GW_PROTO_UDP 17
#define GW_PROTO_ICMPV6 58

struct gw_pkt_meta {
	/* L2 */
	uint8_t kind;       /* enum gw_pkt_kind */
	uint8_t status;     /* enum gw_pkt_status */
	uint8_t err_layer;  /* when MALFORMED: 2, 3 or 4 */
	uint8_t n_tags;     /* VLAN tags seen (stripped one included), 0..2 */
	uint16_t vlan_outer; /* VID of the outer tag, GW_VLAN_NONE if none */
	uint16_t vlan_inner; /* VID of the inner (customer) tag; equals vlan_outer with one tag */
	uint16_t ethertype;  /* after the tags */
	uint16_t l2_len;     /* Ethernet header + in-band tags */

	/* L3 */
	uint8_t af;         /* GW_AF_INET, GW_AF_INET6 or 0 */
	uint8_t proto;      /* final L4 protocol (after IPv6 extension headers) */
	uint8_t ttl;        /* TTL / hop limit */
	uint8_t is_nd;      /* ICMPv6 router/neighbour solicitation/advert/redirect (133..137) */
	uint16_t l3_off;    /* offset of the IP header in the frame */
	uint16_t l3_hlen;   /* IPv4 header incl. options / IPv6 header incl. extension headers */
	uint16_t l3_len;    /* IP total length (header + payload) from the header */
	uint16_t l4_off;    /* offset of the L4 header in the frame */
	struct gw_addr src;
	struct gw_addr dst;

	/* L4 */
	uint16_t sport;     /* TCP/UDP source port; ICMP echo identifier */
	uint16_t dport;     /* TCP/UDP destination port; ICMP echo identifier */
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint8_t is_icmp_error; /* dest unreachable, time exceeded, packet too big, param problem */
	uint32_t seq;
	uint32_t ack;
	uint16_t win;
	uint16_t payload_off; /* offset of the L4 payload in the frame */
	uint16_t payload_len; /* L4 payload bytes, bounded by the IP length (frame padding excluded) */

	/* For ICMP errors: the quoted packet (the flow it belongs to). */
	uint8_t inner_proto;
	uint16_t inner_sport;
	uint16_t inner_dport;
	struct gw_addr inner_src;
	struct gw_addr inner_dst;
};

/*
 * Parses the frame buf[0..len). Never reads outside it.
 * stripped: true when the NIC removed an 802.1Q tag into stripped_tci.
 * Returns the meta status (GW_PKT_OK, GW_PKT_FRAGMENT, GW_PKT_MALFORMED);
 * meta is fully initialised in every case.
 */
int gw_pkt_parse(const uint8_t *buf, size_t len, bool stripped,
		 uint16_t stripped_tci, struct gw_pkt_meta *meta);

/*
 * Builds a TCP RST for the flow of the parsed frame orig[0..orig_len)
 * (meta from gw_pkt_parse) into out (size out_size >= 128).
 *   to_sender == true : the reset goes back to the sender of orig
 *                       (addresses, ports and MACs swapped);
 *   to_sender == false: the reset continues in orig's direction
 *                       (same addresses and MACs as orig).
 * seq/ack/flags are taken as given (flags normally GW_TCP_RST|GW_TCP_ACK).
 * VLAN tags present in-band in orig are copied (a tag the NIC stripped is
 * not written: the caller re-inserts it, e.g. with tx VLAN offload). IPv4
 * (TTL 64, DF, id 0) or IPv6 (hop limit 64, no extension header), TCP
 * header without options, window 0. Checksums are computed. out may be
 * orig (in-place rewrite). Returns the frame length, or GW_EINVAL when meta
 * is not an OK TCP packet of orig or out_size is below the frame length
 * (at most 82 bytes, so 128 always fits).
 */
int gw_pkt_build_tcp_rst(const uint8_t *orig, size_t orig_len,
			 const struct gw_pkt_meta *meta, bool to_sender,
			 uint32_t seq, uint32_t ack, uint8_t flags,
			 uint8_t *out, size_t out_size);

#endif /* GW_PKT_H */
