/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_PKT_H
#define GW_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/gw_addr.h"
#include "common/gw_util.h"

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

/* Shared by gw_pkt_parse (gw_pkt.c) and gw_pkt_parse_fast below. */
static inline bool
gw_pkt_is_tpid(uint16_t t)
{
	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

/*
 * Both ports in one store: the worker reads them as one word for the
 * flow key, which two 2-byte stores could not be forwarded to.
 */
static inline void
gw_pkt_set_ports(struct gw_pkt_meta *m, uint16_t sport, uint16_t dport)
{
	const uint16_t v[2] = {sport, dport};

	_Static_assert(offsetof(struct gw_pkt_meta, dport) ==
			       offsetof(struct gw_pkt_meta, sport) + 2,
		       "ports adjacent");
	memcpy(&m->sport, v, sizeof(v));
}

/*
 * memset(meta, 0, sizeof(*meta)), written as 16-byte stores: GCC makes the
 * memset a `rep stos`, whose stores the loads of the fields just after
 * (the worker reads the addresses as 8-byte words) cannot be forwarded
 * from; they waited for it to retire, ~10 cycles per packet.
 */
static inline void
gw_pkt_meta_clear(struct gw_pkt_meta *meta)
{
	typedef uint8_t v16 __attribute__((vector_size(16)));
	const v16 zero = {0};
	char *p = (char *)meta;
	size_t i;

#pragma GCC unroll 16
	for (i = 0; i + 16 <= sizeof(*meta); i += 16)
		memcpy(p + i, &zero, 16);
	memset(p + i, 0, sizeof(*meta) - i);
}

/* The fast shape at IPv4 offset off (a constant in each instance); -1
 * when the frame is not of that shape (the caller then parses it fully). */
static inline __attribute__((always_inline)) int
gw_pkt_parse_v4_at(const uint8_t *buf, size_t len, size_t off,
		   unsigned int n_tags, uint16_t vo, uint16_t vi,
		   struct gw_pkt_meta *m)
{
	const uint8_t *ip = buf + off, *l4 = buf + off + 20;
	uint32_t tot, doff;

	tot = gw_be16(ip + 2);
	/* Version 4 with a 20-byte header, the whole packet in the frame,
	 * not a fragment (DF alone is fine). */
	if (ip[0] != 0x45 || tot > len - off || (ip[6] & 0x3f) != 0 ||
	    ip[7] != 0)
		return -1;
	if (ip[9] == GW_PROTO_TCP) {
		if (tot < 40)
			return -1;
		doff = (uint32_t)(l4[12] >> 4) * 4;
		if (doff < 20 || doff > tot - 20)
			return -1;
	} else if (ip[9] == GW_PROTO_UDP) {
		if (tot < 28)
			return -1;
		doff = gw_be16(l4 + 4); /* the UDP length */
		if (doff < 8 || doff > tot - 20)
			return -1;
	} else {
		return -1;
	}
	gw_pkt_meta_clear(m);
	m->n_tags = (uint8_t)n_tags;
	m->vlan_outer = vo;
	m->vlan_inner = vi;
	m->ethertype = 0x0800;
	m->l2_len = (uint16_t)off;
	m->af = GW_AF_INET;
	m->proto = ip[9];
	m->ttl = ip[8];
	m->l3_off = (uint16_t)off;
	m->l3_hlen = 20;
	m->l3_len = (uint16_t)tot;
	m->l4_off = (uint16_t)(off + 20);
	gw_addr_from_v4(&m->src, ip + 12);
	gw_addr_from_v4(&m->dst, ip + 16);
	gw_pkt_set_ports(m, gw_be16(l4), gw_be16(l4 + 2));
	if (ip[9] == GW_PROTO_TCP) {
		m->seq = gw_be32(l4 + 4);
		m->ack = gw_be32(l4 + 8);
		m->tcp_flags = l4[13];
		m->win = gw_be16(l4 + 14);
		m->payload_off = (uint16_t)(off + 20 + doff);
		m->payload_len = (uint16_t)(tot - 20 - doff);
	} else {
		m->payload_off = (uint16_t)(off + 28);
		m->payload_len = (uint16_t)(doff - 8);
	}
	return GW_PKT_OK;
}

/*
 * gw_pkt_parse for the data path: the same result for every input, with
 * the shape nearly every frame of an established flow has parsed inline
 * (IPv4 without options, not a fragment, TCP or UDP, up to two in-band
 * tags, no stripped tag); anything else goes to gw_pkt_parse. Each tag
 * count is its own instance with constant offsets, and the meta is
 * cleared with vector stores and then written field by field: under half
 * of gw_pkt_parse's instructions and no call. tests/unit/pkt and the fuzz
 * target check that both give the same status and the same meta bytes.
 */
static inline int
gw_pkt_parse_fast(const uint8_t *buf, size_t len, bool stripped,
		  uint16_t stripped_tci, struct gw_pkt_meta *meta)
{
	uint16_t et, vo, vi;
	int rc;

	/* One bound for every tag count: 22 + 20 + 8, the shortest frame of
	 * the shape with two tags. Shorter ones (no Ethernet frame is under
	 * 60 bytes) and a NIC-stripped tag take the full parser. */
	if (stripped || len < 50)
		goto full;
	et = gw_be16(buf + 12);
	if (et == 0x0800) {
		rc = gw_pkt_parse_v4_at(buf, len, 14, 0, 0, 0, meta);
	} else if (gw_pkt_is_tpid(et)) {
		vo = gw_be16(buf + 14) & 0x0fff;
		et = gw_be16(buf + 16);
		if (et == 0x0800) {
			rc = gw_pkt_parse_v4_at(buf, len, 18, 1, vo, vo, meta);
		} else if (gw_pkt_is_tpid(et)) {
			vi = gw_be16(buf + 18) & 0x0fff;
			if (gw_be16(buf + 20) != 0x0800)
				goto full;
			rc = gw_pkt_parse_v4_at(buf, len, 22, 2, vo, vi, meta);
		} else {
			goto full;
		}
	} else {
		goto full;
	}
	if (rc == GW_PKT_OK)
		return rc;
full:
	return gw_pkt_parse(buf, len, stripped, stripped_tci, meta);
}

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
