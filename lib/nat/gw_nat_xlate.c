/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/gw_error.h"
#include "common/gw_util.h"
#include "nat/gw_nat.h"
#include "pkt/gw_csum.h"

#define IPV4_MIN_HLEN 20
#define IPV4_FRAG_MASK 0x3fff /* MF + offset */
#define IPV4_OFF_MASK 0x1fff
#define ICMP_HLEN 8
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6
#define ICMP_CSUM_OFF 2
#define ICMP_ID_OFF 4

static inline bool
icmp_is_echo(uint8_t type)
{
	return type == 0 || type == 8;
}

static inline bool
icmp_is_error(uint8_t type)
{
	return type == 3 || type == 11 || type == 12;
}

/*
 * Checks that l3[0..len) really is the unfragmented IPv4 packet of proto
 * that meta describes, re-reading the bytes so that a stale or foreign meta
 * can never make us write out of bounds. Sets the L4 offset and length.
 */
static int
check_ipv4(const uint8_t *l3, size_t len, const struct gw_pkt_meta *meta,
	   uint8_t proto, size_t *l4o, size_t *l4len)
{
	size_t hl, total, min;

	if (meta == NULL || meta->kind != GW_PKT_IP ||
	    meta->status != GW_PKT_OK || meta->af != GW_AF_INET ||
	    meta->proto != proto || meta->l4_off < meta->l3_off)
		return GW_EINVAL;
	if (len < IPV4_MIN_HLEN || (l3[0] >> 4) != 4 || l3[9] != proto)
		return GW_EINVAL;
	hl = (size_t)(l3[0] & 0x0f) * 4;
	total = gw_be16(l3 + 2);
	if (hl < IPV4_MIN_HLEN || hl != meta->l3_hlen ||
	    hl != (size_t)(meta->l4_off - meta->l3_off) || total < hl ||
	    total > len || (gw_be16(l3 + 6) & IPV4_FRAG_MASK) != 0)
		return GW_EINVAL;
	switch (proto) {
	case GW_PROTO_TCP:
		min = 20;
		break;
	case GW_PROTO_UDP:
		min = 8;
		break;
	case GW_PROTO_ICMP:
		min = ICMP_HLEN;
		break;
	default:
		return GW_EINVAL; /* a mapping is only ever TCP, UDP or ICMP */
	}
	if (total - hl < min)
		return GW_EINVAL;
	*l4o = hl;
	*l4len = total - hl;
	return 0;
}

/* Replaces the 16-bit field at p, folding the change into *csum. */
static inline void
rewrite16(uint8_t *p, uint16_t v, uint16_t *csum)
{
	*csum = gw_csum_update16(*csum, gw_be16(p), v);
	gw_put_be16(p, v);
}

static inline void
rewrite32(uint8_t *p, uint32_t v, uint16_t *csum)
{
	*csum = gw_csum_update32(*csum, gw_be32(p), v);
	gw_put_be32(p, v);
}

/* Replaces the IPv4 address at l3 + off, updating the header checksum. */
static inline void
rewrite_ipv4_addr(uint8_t *l3, size_t off, uint32_t v)
{
	uint16_t ipc = gw_be16(l3 + 10);

	rewrite32(l3 + off, v, &ipc);
	gw_put_be16(l3 + 10, ipc);
}

/*
 * Where the translated port and the checksum sit in an L4 header of
 * proto: the source (src) or destination port of TCP and UDP, the
 * identifier of an ICMP echo (a mapping is only ever TCP, UDP or ICMP).
 * Returns true for ICMP, whose type the caller still has to check.
 */
static bool
l4_fields(uint8_t proto, bool src, size_t *p_off, size_t *c_off)
{
	switch (proto) {
	case GW_PROTO_TCP:
		*p_off = src ? 0 : 2;
		*c_off = TCP_CSUM_OFF;
		return false;
	case GW_PROTO_UDP:
		*p_off = src ? 0 : 2;
		*c_off = UDP_CSUM_OFF;
		return false;
	default:
		*p_off = ICMP_ID_OFF;
		*c_off = ICMP_CSUM_OFF;
		return true;
	}
}

/*
 * Plain translation. out: source (in -> ext); otherwise destination
 * (ext -> in).
 */
static int
xlate(const struct gw_nat_map *m, uint8_t *l3, size_t len,
      const struct gw_pkt_meta *meta, bool out)
{
	uint32_t from_a = out ? m->in_addr : m->ext_addr;
	uint32_t to_a = out ? m->ext_addr : m->in_addr;
	uint16_t from_p = out ? m->in_port : m->ext_port;
	uint16_t to_p = out ? m->ext_port : m->in_port;
	size_t a_off = out ? 12 : 16;
	size_t l4o, l4len, p_off, c_off;
	uint16_t l4c;
	uint8_t *l4;
	int rc;

	rc = check_ipv4(l3, len, meta, m->proto, &l4o, &l4len);
	if (rc != 0)
		return rc;
	l4 = l3 + l4o;
	if (l4_fields(m->proto, out, &p_off, &c_off) && !icmp_is_echo(l4[0]))
		return GW_ENOTSUP;
	if (gw_be32(l3 + a_off) != from_a || gw_be16(l4 + p_off) != from_p)
		return GW_EINVAL;

	rewrite_ipv4_addr(l3, a_off, to_a);

	l4c = gw_be16(l4 + c_off);
	if (m->proto == GW_PROTO_UDP && l4c == 0) {
		/* no checksum: stays none */
		gw_put_be16(l4 + p_off, to_p);
		return 0;
	}
	/* ICMPv4 has no pseudo-header: only the identifier is covered. */
	if (m->proto != GW_PROTO_ICMP)
		l4c = gw_csum_update32(l4c, from_a, to_a);
	rewrite16(l4 + p_off, to_p, &l4c);
	if (m->proto == GW_PROTO_UDP && l4c == 0)
		l4c = 0xffff;
	gw_put_be16(l4 + c_off, l4c);
	/* RFC 1624's one exception: an echo reply that became all zeros
	 * (id 0, seq 0, zero payload) has checksum 0xffff, not the 0 the
	 * incremental form gives. ICMP has no pseudo-header to prevent it. */
	if (m->proto == GW_PROTO_ICMP && l4c == 0 &&
	    gw_csum_partial(l4, l4len, 0) == 0)
		gw_put_be16(l4 + c_off, 0xffff);
	return 0;
}

int
gw_nat_translate_out(const struct gw_nat_map *m, uint8_t *l3, size_t len,
		     const struct gw_pkt_meta *meta)
{
	return xlate(m, l3, len, meta, true);
}

int
gw_nat_translate_in(const struct gw_nat_map *m, uint8_t *l3, size_t len,
		    const struct gw_pkt_meta *meta)
{
	return xlate(m, l3, len, meta, false);
}

/*
 * ICMP error translation. in: the error comes from outside about an
 * outbound packet (quote source = external endpoint -> inside endpoint,
 * outer destination too). !in: the error comes from an inside host about
 * an inbound packet (quote destination = inside endpoint -> external,
 * outer source too).
 */
static int
xlate_icmp_error(const struct gw_nat_map *m, uint8_t *l3, size_t len,
		 const struct gw_pkt_meta *meta, bool in)
{
	uint32_t from_a = in ? m->ext_addr : m->in_addr;
	uint32_t to_a = in ? m->in_addr : m->ext_addr;
	uint16_t from_p = in ? m->ext_port : m->in_port;
	uint16_t to_p = in ? m->in_port : m->ext_port;
	size_t outer_a_off = in ? 16 : 12; /* outer dst / outer src */
	size_t q_a_off = in ? 12 : 16;     /* quoted src / quoted dst */
	size_t l4o, l4len, qlen, qhl, ql4len, p_off, c_off;
	uint8_t *icmp, *q, *ql4;
	uint16_t icmpc, qipc;
	int rc;

	rc = check_ipv4(l3, len, meta, GW_PROTO_ICMP, &l4o, &l4len);
	if (rc != 0)
		return rc;
	icmp = l3 + l4o;
	if (!icmp_is_error(icmp[0]))
		return GW_ENOTSUP;
	q = icmp + ICMP_HLEN;
	qlen = l4len - ICMP_HLEN;
	if (qlen < IPV4_MIN_HLEN || (q[0] >> 4) != 4 || q[9] != m->proto)
		return GW_EINVAL;
	qhl = (size_t)(q[0] & 0x0f) * 4;
	/* a non-first fragment quoted carries no port to translate */
	if (qhl < IPV4_MIN_HLEN || qhl > qlen ||
	    (gw_be16(q + 6) & IPV4_OFF_MASK) != 0)
		return GW_EINVAL;
	ql4 = q + qhl;
	ql4len = qlen - qhl;
	if (l4_fields(m->proto, in, &p_off, &c_off) &&
	    (ql4len < 1 || !icmp_is_echo(ql4[0])))
		return GW_EINVAL;
	if (ql4len < p_off + 2 || gw_be32(l3 + outer_a_off) != from_a ||
	    gw_be32(q + q_a_off) != from_a || gw_be16(ql4 + p_off) != from_p)
		return GW_EINVAL;

	/* Outer header: its checksum only (ICMPv4 has no pseudo-header). */
	rewrite_ipv4_addr(l3, outer_a_off, to_a);

	/* Every word changed inside the ICMP message is folded into icmpc:
	 * the quoted address, the quoted IP checksum, the quoted L4
	 * checksum and the quoted port / identifier. */
	icmpc = gw_be16(icmp + ICMP_CSUM_OFF);
	qipc = gw_be16(q + 10);
	qipc = gw_csum_update32(qipc, from_a, to_a);
	rewrite16(q + 10, qipc, &icmpc);
	rewrite32(q + q_a_off, to_a, &icmpc);

	if (ql4len >= c_off + 2) {
		uint16_t qc = gw_be16(ql4 + c_off);

		if (m->proto != GW_PROTO_UDP || qc != 0) {
			if (m->proto != GW_PROTO_ICMP)
				qc = gw_csum_update32(qc, from_a, to_a);
			qc = gw_csum_update16(qc, from_p, to_p);
			if (m->proto == GW_PROTO_UDP && qc == 0)
				qc = 0xffff;
			rewrite16(ql4 + c_off, qc, &icmpc);
		}
	}
	rewrite16(ql4 + p_off, to_p, &icmpc);
	gw_put_be16(icmp + ICMP_CSUM_OFF, icmpc);
	return 0;
}

int
gw_nat_translate_icmp_error_in(const struct gw_nat_map *m, uint8_t *l3,
			       size_t len, const struct gw_pkt_meta *meta)
{
	return xlate_icmp_error(m, l3, len, meta, true);
}

int
gw_nat_translate_icmp_error_out(const struct gw_nat_map *m, uint8_t *l3,
				size_t len, const struct gw_pkt_meta *meta)
{
	return xlate_icmp_error(m, l3, len, meta, false);
}
