/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <string.h>

#include "common/gw_util.h"
#include "pkt/gw_pkt.h"

/*
 * One pass over the headers, every read preceded by a bounds check against
 * the frame (L2), the IP length (L3/L4) or the ICMP quote. The only loops
 * are the VLAN tag walk (at most 3 rounds) and the IPv6 extension header
 * walk (at most GW_PKT_IPV6_MAX_EXT + 1 rounds).
 */

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define VID_MASK 0x0fff
#define MAX_TAGS 2

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define TPID_8021Q 0x8100
#define TPID_8021AD 0x88a8
#define TPID_QINQ_LEGACY 0x9100

#define IPV4_MIN_HLEN 20
#define IPV4_MF 0x2000
#define IPV4_FRAG_OFF_MASK 0x1fff
#define IPV6_HLEN 40
#define IPV6_FRAG_OFF_MASK 0xfff8
#define IPV6_FRAG_M 0x0001

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_DSTOPTS_ 60

#define TCP_MIN_HLEN 20
#define UDP_HLEN 8
#define ICMP_HLEN 8

#define ARP_FIXED_LEN 8

/* More than this many IPv6 extension headers is treated as an evasion
 * attempt (MALFORMED); real traffic carries at most a few. */
#define GW_PKT_IPV6_MAX_EXT 8

/*
 * Error path (rare): clears everything the failing layer and the layers
 * above may have written, so that a MALFORMED meta only carries what was
 * validated.
 */
static int
pkt_malformed(struct gw_pkt_meta *m, uint8_t layer)
{
	size_t from;

	if (layer == 4)
		from = offsetof(struct gw_pkt_meta, sport);
	else if (layer == 3)
		from = offsetof(struct gw_pkt_meta, af);
	else
		from = offsetof(struct gw_pkt_meta, ethertype);
	memset((uint8_t *)m + from, 0, sizeof(*m) - from);
	if (layer == 2)
		m->kind = GW_PKT_OTHER;
	m->status = GW_PKT_MALFORMED;
	m->err_layer = layer;
	return GW_PKT_MALFORMED;
}

enum ext_walk {
	EXT_DONE,     /* *nh is an upper-layer protocol (or 59) */
	EXT_FRAGMENT, /* a non-atomic fragment header; *nh is its next header */
	EXT_BAD,      /* truncated, too many, or hop-by-hop not first */
};

/*
 * Walks IPv6 extension headers of ip[*off..end) starting with next header
 * *nh. Used for the outer packet (end = end of the IPv6 payload) and for the
 * packet quoted in an ICMPv6 error (end = end of the quote). On EXT_DONE and
 * EXT_FRAGMENT, *off is the offset after the last header walked.
 */
static inline enum ext_walk
ipv6_walk_ext(const uint8_t *ip, size_t end, uint8_t *nh, size_t *off)
{
	uint8_t next = *nh;
	size_t o = *off;
	unsigned int n;

	for (n = 0;; n++) {
		size_t elen;

		switch (next) {
		case IPPROTO_HOPOPTS_:
			/* RFC 8200 4.1: only allowed right after the IPv6
			 * header; hosts reject it anywhere else. */
			if (n != 0)
				return EXT_BAD;
			/* fall through */
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_FRAGMENT_:
		case IPPROTO_AH_:
			break;
		default:
			*nh = next;
			*off = o;
			return EXT_DONE;
		}
		if (n == GW_PKT_IPV6_MAX_EXT)
			return EXT_BAD;
		/* every extension header is at least 8 bytes */
		if (end - o < 8)
			return EXT_BAD;
		if (next == IPPROTO_FRAGMENT_) {
			uint16_t fo = gw_be16(ip + o + 2);

			/* An atomic fragment (offset 0, M clear, RFC 6946)
			 * is a whole packet: keep walking. */
			if ((fo & (IPV6_FRAG_OFF_MASK | IPV6_FRAG_M)) != 0) {
				*nh = ip[o];
				*off = o + 8;
				return EXT_FRAGMENT;
			}
			elen = 8;
		} else if (next == IPPROTO_AH_) {
			elen = ((size_t)ip[o + 1] + 2) * 4;
		} else {
			elen = ((size_t)ip[o + 1] + 1) * 8;
		}
		if (elen > end - o)
			return EXT_BAD;
		next = ip[o];
		o += elen;
	}
}

/*
 * Ports of the quoted L4 header p[0..len): TCP/UDP ports, or the echo
 * identifier for a quoted echo request/reply. What the quote does not hold
 * stays 0.
 */
static inline void
quote_ports(const uint8_t *p, size_t len, uint8_t proto, struct gw_pkt_meta *m)
{
	if (proto == GW_PROTO_TCP || proto == GW_PROTO_UDP) {
		if (len >= 4) {
			m->inner_sport = gw_be16(p);
			m->inner_dport = gw_be16(p + 2);
		}
	} else if ((proto == GW_PROTO_ICMP || proto == GW_PROTO_ICMPV6) &&
		   len >= 6) {
		bool echo = proto == GW_PROTO_ICMP ?
				    (p[0] == 8 || p[0] == 0) :
				    (p[0] == 128 || p[0] == 129);

		if (echo) {
			m->inner_sport = gw_be16(p + 4);
			m->inner_dport = m->inner_sport;
		}
	}
}

/* The IPv4 header quoted in an ICMP error, q[0..len). */
static inline int
parse_quote_v4(const uint8_t *q, size_t len, struct gw_pkt_meta *m)
{
	size_t hlen;

	if (len < IPV4_MIN_HLEN || (q[0] >> 4) != 4)
		return -1;
	hlen = (size_t)(q[0] & 0x0f) * 4;
	if (hlen < IPV4_MIN_HLEN || hlen > len)
		return -1;
	m->inner_proto = q[9];
	gw_addr_from_v4(&m->inner_src, q + 12);
	gw_addr_from_v4(&m->inner_dst, q + 16);
	/* a non-first fragment carries no L4 header */
	if ((gw_be16(q + 6) & IPV4_FRAG_OFF_MASK) == 0 && len > hlen)
		quote_ports(q + hlen, len - hlen, q[9], m);
	return 0;
}

/* The IPv6 header (and extension headers) quoted in an ICMPv6 error. */
static inline int
parse_quote_v6(const uint8_t *q, size_t len, struct gw_pkt_meta *m)
{
	uint8_t nh;
	size_t off = IPV6_HLEN;
	enum ext_walk w;

	if (len < IPV6_HLEN || (q[0] >> 4) != 6)
		return -1;
	nh = q[6];
	w = ipv6_walk_ext(q, len, &nh, &off);
	if (w == EXT_BAD)
		return -1;
	m->inner_proto = nh;
	gw_addr_from_v6(&m->inner_src, q + 8);
	gw_addr_from_v6(&m->inner_dst, q + 24);
	if (w == EXT_DONE && len > off)
		quote_ports(q + off, len - off, nh, m);
	return 0;
}

static inline int
parse_icmp(const uint8_t *buf, size_t l4_off, size_t l4_len, bool v6,
	   struct gw_pkt_meta *m)
{
	const uint8_t *p = buf + l4_off;
	uint8_t type;
	bool echo, error;

	if (l4_len < ICMP_HLEN)
		return pkt_malformed(m, 4);
	type = p[0];
	if (v6) {
		echo = type == 128 || type == 129;
		error = type >= 1 && type <= 4;
	} else {
		echo = type == 8 || type == 0;
		error = type == 3 || type == 11 || type == 12;
	}
	if (error) {
		int rc = v6 ? parse_quote_v6(p + ICMP_HLEN, l4_len - ICMP_HLEN, m) :
			      parse_quote_v4(p + ICMP_HLEN, l4_len - ICMP_HLEN, m);

		if (rc != 0)
			return pkt_malformed(m, 4);
		m->is_icmp_error = 1;
	}
	if (echo)
		gw_pkt_set_ports(m, gw_be16(p + 4), gw_be16(p + 4));
	m->icmp_type = type;
	m->icmp_code = p[1];
	m->is_nd = v6 && type >= 133 && type <= 137;
	m->payload_off = (uint16_t)(l4_off + ICMP_HLEN);
	m->payload_len = (uint16_t)(l4_len - ICMP_HLEN);
	return GW_PKT_OK;
}

/* L4 header at buf[l4_off..l4_off + l4_len), l4_len bounded by the IP length. */
static inline int
parse_l4(const uint8_t *buf, size_t l4_off, size_t l4_len,
	 struct gw_pkt_meta *m)
{
	const uint8_t *p = buf + l4_off;

	m->l4_off = (uint16_t)l4_off;
	switch (m->proto) {
	case GW_PROTO_TCP: {
		size_t doff;

		if (l4_len < TCP_MIN_HLEN)
			return pkt_malformed(m, 4);
		doff = (size_t)(p[12] >> 4) * 4;
		if (doff < TCP_MIN_HLEN || doff > l4_len)
			return pkt_malformed(m, 4);
		gw_pkt_set_ports(m, gw_be16(p), gw_be16(p + 2));
		m->seq = gw_be32(p + 4);
		m->ack = gw_be32(p + 8);
		m->tcp_flags = p[13];
		m->win = gw_be16(p + 14);
		m->payload_off = (uint16_t)(l4_off + doff);
		m->payload_len = (uint16_t)(l4_len - doff);
		return GW_PKT_OK;
	}
	case GW_PROTO_UDP: {
		uint16_t ulen;

		if (l4_len < UDP_HLEN)
			return pkt_malformed(m, 4);
		ulen = gw_be16(p + 4);
		if (ulen < UDP_HLEN || ulen > l4_len)
			return pkt_malformed(m, 4);
		gw_pkt_set_ports(m, gw_be16(p), gw_be16(p + 2));
		m->payload_off = (uint16_t)(l4_off + UDP_HLEN);
		m->payload_len = (uint16_t)(ulen - UDP_HLEN);
		return GW_PKT_OK;
	}
	case GW_PROTO_ICMP:
		if (m->af != GW_AF_INET)
			return GW_PKT_OK;
		return parse_icmp(buf, l4_off, l4_len, false, m);
	case GW_PROTO_ICMPV6:
		if (m->af != GW_AF_INET6)
			return GW_PKT_OK;
		return parse_icmp(buf, l4_off, l4_len, true, m);
	default:
		return GW_PKT_OK;
	}
}

static inline int
parse_ipv4(const uint8_t *buf, size_t len, size_t off, struct gw_pkt_meta *m)
{
	const uint8_t *ip = buf + off;
	size_t avail = len - off;
	size_t hlen, tot;

	/* The header checksum is deliberately not verified: with checksum
	 * offload, NICs and virtio hand over frames whose checksum is not
	 * filled in yet, and the next hop verifies anyway. */
	if (avail < IPV4_MIN_HLEN || (ip[0] >> 4) != 4)
		return pkt_malformed(m, 3);
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	tot = gw_be16(ip + 2);
	/* tot <= avail also bounds the options; bytes past tot are
	 * Ethernet padding */
	if (hlen < IPV4_MIN_HLEN || tot < hlen || tot > avail)
		return pkt_malformed(m, 3);
	m->af = GW_AF_INET;
	m->ttl = ip[8];
	m->proto = ip[9];
	m->l3_off = (uint16_t)off;
	m->l3_hlen = (uint16_t)hlen;
	m->l3_len = (uint16_t)tot;
	gw_addr_from_v4(&m->src, ip + 12);
	gw_addr_from_v4(&m->dst, ip + 16);
	if ((gw_be16(ip + 6) & (IPV4_MF | IPV4_FRAG_OFF_MASK)) != 0) {
		m->status = GW_PKT_FRAGMENT;
		return GW_PKT_FRAGMENT;
	}
	return parse_l4(buf, off + hlen, tot - hlen, m);
}

static inline int
parse_ipv6(const uint8_t *buf, size_t len, size_t off, struct gw_pkt_meta *m)
{
	const uint8_t *ip = buf + off;
	size_t avail = len - off;
	size_t end, hoff = IPV6_HLEN;
	enum ext_walk w;
	uint8_t nh;

	if (avail < IPV6_HLEN || (ip[0] >> 4) != 6)
		return pkt_malformed(m, 3);
	end = IPV6_HLEN + (size_t)gw_be16(ip + 4);
	/* l3_len is 16 bits: a payload length that cannot be stored would
	 * need a 64 KiB frame, which Ethernet never carries */
	if (end > avail || end > UINT16_MAX)
		return pkt_malformed(m, 3);
	nh = ip[6];
	w = ipv6_walk_ext(ip, end, &nh, &hoff);
	if (w == EXT_BAD)
		return pkt_malformed(m, 3);
	m->af = GW_AF_INET6;
	m->ttl = ip[7];
	m->proto = nh;
	m->l3_off = (uint16_t)off;
	m->l3_hlen = (uint16_t)hoff;
	m->l3_len = (uint16_t)end;
	gw_addr_from_v6(&m->src, ip + 8);
	gw_addr_from_v6(&m->dst, ip + 24);
	if (w == EXT_FRAGMENT) {
		m->status = GW_PKT_FRAGMENT;
		return GW_PKT_FRAGMENT;
	}
	return parse_l4(buf, off + hoff, end - hoff, m);
}

int
gw_pkt_parse(const uint8_t *buf, size_t len, bool stripped,
	     uint16_t stripped_tci, struct gw_pkt_meta *meta)
{
	uint16_t vid[MAX_TAGS] = {GW_VLAN_NONE, GW_VLAN_NONE};
	unsigned int n_tags = 0;
	size_t off = ETH_HLEN;
	uint16_t et;

	gw_pkt_meta_clear(meta);
	/* The stripped tag was the outermost one on the wire. VID 0 (a
	 * priority tag) is GW_VLAN_NONE but still counts as a tag. */
	if (stripped)
		vid[n_tags++] = stripped_tci & VID_MASK;
	if (len < ETH_HLEN)
		goto bad_l2;
	et = gw_be16(buf + 12);
	while (gw_pkt_is_tpid(et)) {
		if (n_tags == MAX_TAGS || len - off < VLAN_HLEN)
			goto bad_l2;
		vid[n_tags++] = gw_be16(buf + off) & VID_MASK;
		et = gw_be16(buf + off + 2);
		off += VLAN_HLEN;
	}
	meta->n_tags = (uint8_t)n_tags;
	meta->vlan_outer = vid[0];
	meta->vlan_inner = n_tags == MAX_TAGS ? vid[1] : vid[0];
	meta->ethertype = et;
	meta->l2_len = (uint16_t)off;

	switch (et) {
	case ETHERTYPE_IPV4:
		return parse_ipv4(buf, len, off, meta);
	case ETHERTYPE_IPV6:
		return parse_ipv6(buf, len, off, meta);
	case ETHERTYPE_ARP:
		meta->kind = GW_PKT_ARP;
		/* fixed part, then sender/target hardware and protocol
		 * addresses of the advertised lengths */
		if (len - off < ARP_FIXED_LEN ||
		    len - off < ARP_FIXED_LEN + 2 * ((size_t)buf[off + 4] +
						     buf[off + 5]))
			return pkt_malformed(meta, 3);
		return GW_PKT_OK;
	default:
		meta->kind = GW_PKT_OTHER;
		return GW_PKT_OK;
	}

bad_l2:
	meta->n_tags = (uint8_t)n_tags;
	meta->vlan_outer = vid[0];
	meta->vlan_inner = n_tags == MAX_TAGS ? vid[1] : vid[0];
	return pkt_malformed(meta, 2);
}
