/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "l3/gw_icmp_build.h"
#include "l3/gw_l2.h"
#include "l3/gw_l3_private.h"
#include "pkt/gw_csum.h"

#define MAX_L2_LEN (GW_ETH_HLEN + 8) /* QinQ in-band */
#define IPV4_DF 0x4000
#define IPV4_FRAG_OFF_MASK 0x1fff
#define ICMP4_ECHO_REPLY 0
#define ICMP4_UNREACH 3
#define ICMP4_ECHO 8
#define ICMP4_TIME_EXCEEDED 11
#define ICMP6_UNREACH 1
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_ECHO 128
#define ICMP6_ECHO_REPLY 129

/*
 * meta must describe orig: Ethernet header and whole in-band tags, the IP
 * header right behind them, the IP packet inside the frame.
 */
static int
check_layout(size_t orig_len, const struct gw_pkt_meta *meta)
{
	size_t l2_len = meta->l2_len;

	if (meta->kind != GW_PKT_IP ||
	    (meta->af != GW_AF_INET && meta->af != GW_AF_INET6))
		return GW_EINVAL;
	if (l2_len < GW_ETH_HLEN || l2_len > MAX_L2_LEN ||
	    (l2_len - GW_ETH_HLEN) % 4 != 0 || meta->l3_off != l2_len)
		return GW_EINVAL;
	if (meta->l3_hlen < (meta->af == GW_AF_INET ? L3_IPV4_HLEN :
						       L3_IPV6_HLEN) ||
	    meta->l3_len < meta->l3_hlen ||
	    (size_t)meta->l3_off + meta->l3_len > orig_len)
		return GW_EINVAL;
	return GW_OK;
}

/* Ethernet header of a reply: orig's MACs swapped, its in-band tags kept. */
static void
write_l2_reply(uint8_t *out, const uint8_t *l2, size_t l2_len)
{
	memcpy(out, l2 + GW_ETH_ALEN, GW_ETH_ALEN);
	memcpy(out + GW_ETH_ALEN, l2, GW_ETH_ALEN);
	memcpy(out + 2 * GW_ETH_ALEN, l2 + 2 * GW_ETH_ALEN,
	       l2_len - 2 * GW_ETH_ALEN);
}

static void
write_ipv4(uint8_t *ip, uint16_t total, const struct gw_addr *src,
	   const struct gw_addr *dst)
{
	ip[0] = 0x45;
	ip[1] = 0;
	gw_put_be16(ip + 2, total);
	/* DF makes the datagram atomic, so id 0 is fine (RFC 6864) */
	gw_put_be16(ip + 4, 0);
	gw_put_be16(ip + 6, IPV4_DF);
	ip[8] = GW_ICMP_REPLY_TTL;
	ip[9] = GW_PROTO_ICMP;
	gw_put_be16(ip + 10, 0);
	memcpy(ip + 12, &src->b[12], 4);
	memcpy(ip + 16, &dst->b[12], 4);
	gw_put_be16(ip + 10, gw_csum_ipv4_hdr(ip, L3_IPV4_HLEN));
}

static void
write_ipv6(uint8_t *ip, uint16_t payload, const struct gw_addr *src,
	   const struct gw_addr *dst)
{
	gw_put_be32(ip, 0x60000000);
	gw_put_be16(ip + 4, payload);
	ip[6] = GW_PROTO_ICMPV6;
	ip[7] = GW_ICMP_REPLY_TTL;
	memcpy(ip + 8, src->b, 16);
	memcpy(ip + 24, dst->b, 16);
}

int
gw_icmp_build_echo_reply(const uint8_t *orig, size_t orig_len,
			 const struct gw_pkt_meta *meta, uint8_t *out,
			 size_t out_size)
{
	uint8_t l2[MAX_L2_LEN];
	struct gw_addr src, dst;
	const uint8_t *icmp;
	size_t l2_len, icmp_len, hlen, frame_len;
	uint16_t csum, old_word, new_word;
	uint8_t *ic;
	bool v4;

	if (orig == NULL || meta == NULL || out == NULL)
		return GW_EINVAL;
	if (check_layout(orig_len, meta) != GW_OK ||
	    meta->status != GW_PKT_OK)
		return GW_EINVAL;
	v4 = meta->af == GW_AF_INET;
	if (meta->proto != (v4 ? GW_PROTO_ICMP : GW_PROTO_ICMPV6) ||
	    meta->icmp_type != (v4 ? ICMP4_ECHO : ICMP6_ECHO) ||
	    meta->icmp_code != 0 ||
	    meta->l4_off != meta->l3_off + meta->l3_hlen)
		return GW_EINVAL;
	l2_len = meta->l2_len;
	icmp = orig + meta->l4_off;
	icmp_len = (size_t)meta->l3_len - meta->l3_hlen;
	if (icmp_len < L3_ICMP_HLEN)
		return GW_EINVAL;
	if (v4 ? gw_csum_finish(gw_csum_partial(icmp, icmp_len, 0)) != 0 :
		 gw_csum_l4(GW_AF_INET6, &meta->src, &meta->dst,
			    GW_PROTO_ICMPV6, icmp, icmp_len) != 0)
		return GW_EMALFORMED;
	hlen = v4 ? L3_IPV4_HLEN : L3_IPV6_HLEN;
	frame_len = l2_len + hlen + icmp_len;
	if (out_size < frame_len)
		return GW_ENOSPC;

	/* everything read from orig is saved before out (maybe orig) is
	 * written; the ICMP message only moves towards the start (the new
	 * header is never longer), which memmove handles in place */
	memcpy(l2, orig, l2_len);
	src = meta->dst;
	dst = meta->src;
	ic = out + l2_len + hlen;
	memmove(ic, icmp, icmp_len);
	write_l2_reply(out, l2, l2_len);
	if (v4)
		write_ipv4(out + l2_len, (uint16_t)(hlen + icmp_len), &src,
			   &dst);
	else
		write_ipv6(out + l2_len, (uint16_t)icmp_len, &src, &dst);

	/* type changes, code stays; swapping the pseudo-header addresses
	 * leaves the ICMPv6 sum unchanged */
	old_word = gw_be16(ic);
	ic[0] = v4 ? ICMP4_ECHO_REPLY : ICMP6_ECHO_REPLY;
	new_word = gw_be16(ic);
	csum = gw_csum_update16(gw_be16(ic + 2), old_word, new_word);
	gw_put_be16(ic + 2, csum);
	return (int)frame_len;
}

static bool
v4_bad_source(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || (a[0] & 0xf0) == 0xe0 ||
	       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static bool
v4_multi_dest(const uint8_t *a)
{
	return (a[0] & 0xf0) == 0xe0 ||
	       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

static bool
v6_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/* RFC 1122 3.2.2 / RFC 1812 4.3.2.7 / RFC 4443 2.4 (e): the packets no
 * ICMP error may be sent about. */
static bool
error_suppressed(const uint8_t *orig, const struct gw_pkt_meta *meta)
{
	const uint8_t *ip = orig + meta->l3_off;
	size_t l4 = (size_t)meta->l3_off + meta->l3_hlen;
	size_t end = (size_t)meta->l3_off + meta->l3_len;

	if (orig[0] & 0x01) /* multicast or broadcast MAC */
		return true;
	if (meta->af == GW_AF_INET) {
		if (v4_bad_source(ip + 12) || v4_multi_dest(ip + 16))
			return true;
		if ((gw_be16(ip + 6) & IPV4_FRAG_OFF_MASK) != 0)
			return true;
		/* an ICMP error (unreach, quench, redirect, time exceeded,
		 * parameter problem) is never answered with one */
		if (meta->proto == GW_PROTO_ICMP && l4 < end) {
			uint8_t t = orig[l4];

			return t == 3 || t == 4 || t == 5 || t == 11 ||
			       t == 12;
		}
		return false;
	}
	if (v6_unspecified(ip + 8) || ip[8] == 0xff || ip[24] == 0xff)
		return true;
	if (meta->proto == GW_PROTO_ICMPV6) {
		/* in a fragment the ICMPv6 type is not known: stay silent */
		if (meta->status != GW_PKT_OK)
			return true;
		return meta->l4_off < end && orig[meta->l4_off] < 128;
	}
	return false;
}

int
gw_icmp_build_error(const uint8_t *orig, size_t orig_len,
		    const struct gw_pkt_meta *meta, const struct gw_addr *src,
		    uint8_t type, uint8_t code, uint32_t rest, uint8_t *out,
		    size_t out_size)
{
	size_t l2_len, hlen, quote, frame_len, icmp_len;
	struct gw_addr dst;
	uint8_t *ic;
	bool v4;

	if (orig == NULL || meta == NULL || src == NULL || out == NULL)
		return GW_EINVAL;
	if (check_layout(orig_len, meta) != GW_OK ||
	    (meta->status != GW_PKT_OK && meta->status != GW_PKT_FRAGMENT))
		return GW_EINVAL;
	v4 = meta->af == GW_AF_INET;
	if (gw_addr_is_v4(src) != v4)
		return GW_EINVAL;
	if ((uintptr_t)out < (uintptr_t)orig + orig_len &&
	    (uintptr_t)orig < (uintptr_t)out + out_size)
		return GW_EINVAL;
	if (error_suppressed(orig, meta))
		return 0;
	l2_len = meta->l2_len;
	hlen = v4 ? L3_IPV4_HLEN : L3_IPV6_HLEN;
	quote = GW_MIN((size_t)meta->l3_len,
		       (v4 ? GW_ICMP_V4_MAX_IP : GW_ICMP_V6_MAX_IP) - hlen -
			       L3_ICMP_HLEN);
	icmp_len = L3_ICMP_HLEN + quote;
	frame_len = l2_len + hlen + icmp_len;
	if (out_size < frame_len)
		return GW_ENOSPC;

	dst = meta->src;
	write_l2_reply(out, orig, l2_len);
	if (v4)
		write_ipv4(out + l2_len, (uint16_t)(hlen + icmp_len), src,
			   &dst);
	else
		write_ipv6(out + l2_len, (uint16_t)icmp_len, src, &dst);
	ic = out + l2_len + hlen;
	ic[0] = type;
	ic[1] = code;
	gw_put_be16(ic + 2, 0);
	gw_put_be32(ic + 4, rest);
	memcpy(ic + L3_ICMP_HLEN, orig + meta->l3_off, quote);
	if (v4)
		gw_put_be16(ic + 2, gw_csum_finish(gw_csum_partial(ic, icmp_len,
								0)));
	else
		gw_put_be16(ic + 2, gw_csum_l4(GW_AF_INET6, src, &dst,
					    GW_PROTO_ICMPV6, ic, icmp_len));
	return (int)frame_len;
}

int
gw_icmp_build_time_exceeded(const uint8_t *orig, size_t orig_len,
			    const struct gw_pkt_meta *meta,
			    const struct gw_addr *src, uint8_t *out,
			    size_t out_size)
{
	if (meta == NULL)
		return GW_EINVAL;
	return gw_icmp_build_error(orig, orig_len, meta, src,
				   meta->af == GW_AF_INET ? ICMP4_TIME_EXCEEDED :
							    ICMP6_TIME_EXCEEDED,
				   0, 0, out, out_size);
}

int
gw_icmp_build_unreach(const uint8_t *orig, size_t orig_len,
		      const struct gw_pkt_meta *meta, const struct gw_addr *src,
		      uint8_t code, uint8_t *out, size_t out_size)
{
	if (meta == NULL)
		return GW_EINVAL;
	return gw_icmp_build_error(orig, orig_len, meta, src,
				   meta->af == GW_AF_INET ? ICMP4_UNREACH :
							    ICMP6_UNREACH,
				   code, 0, out, out_size);
}

int
gw_l3_ttl_decrement(uint8_t *l3, size_t len, uint8_t af)
{
	uint16_t old_word;

	if (l3 == NULL)
		return GW_EINVAL;
	if (af == GW_AF_INET) {
		if (len < L3_IPV4_HLEN || (l3[0] >> 4) != 4)
			return GW_EINVAL;
		if (l3[8] <= 1)
			return 0;
		old_word = gw_be16(l3 + 8);
		l3[8]--;
		gw_put_be16(l3 + 10, gw_csum_update16(gw_be16(l3 + 10), old_word,
						   gw_be16(l3 + 8)));
		return l3[8];
	}
	if (af == GW_AF_INET6) {
		if (len < L3_IPV6_HLEN || (l3[0] >> 4) != 6)
			return GW_EINVAL;
		if (l3[7] <= 1)
			return 0;
		l3[7]--;
		return l3[7];
	}
	return GW_EINVAL;
}
