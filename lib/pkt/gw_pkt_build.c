/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "pkt/gw_csum.h"
#include "pkt/gw_pkt.h"

#define ETH_ALEN 6
#define ETH_HLEN 14
#define MAX_INBAND_TAG_BYTES 8
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN 20
#define RST_TTL 64

int
gw_pkt_build_tcp_rst(const uint8_t *orig, size_t orig_len,
		     const struct gw_pkt_meta *meta, bool to_sender,
		     uint32_t seq, uint32_t ack, uint8_t flags,
		     uint8_t *out, size_t out_size)
{
	uint8_t l2[ETH_HLEN + MAX_INBAND_TAG_BYTES];
	const struct gw_addr *src, *dst;
	uint16_t sport, dport;
	size_t l2_len, l3_len, frame_len;
	uint8_t *ip, *th;

	if (orig == NULL || meta == NULL || out == NULL)
		return GW_EINVAL;
	if (meta->kind != GW_PKT_IP || meta->status != GW_PKT_OK ||
	    meta->proto != GW_PROTO_TCP)
		return GW_EINVAL;
	if (meta->af == GW_AF_INET)
		l3_len = IPV4_HLEN;
	else if (meta->af == GW_AF_INET6)
		l3_len = IPV6_HLEN;
	else
		return GW_EINVAL;
	/* meta must describe orig: Ethernet header plus whole tags, and the
	 * IP header right behind them */
	l2_len = meta->l2_len;
	if (l2_len < ETH_HLEN || l2_len > sizeof(l2) ||
	    (l2_len - ETH_HLEN) % 4 != 0 || meta->l3_off != l2_len ||
	    orig_len < l2_len)
		return GW_EINVAL;
	frame_len = l2_len + l3_len + TCP_HLEN;
	if (out_size < frame_len)
		return GW_EINVAL;

	/* Ethernet: copy first so that out may alias orig */
	memcpy(l2, orig, l2_len);
	if (to_sender) {
		memcpy(out, l2 + ETH_ALEN, ETH_ALEN);
		memcpy(out + ETH_ALEN, l2, ETH_ALEN);
	} else {
		memcpy(out, l2, 2 * ETH_ALEN);
	}
	/* in-band tags in their order, then the ethertype */
	memcpy(out + 2 * ETH_ALEN, l2 + 2 * ETH_ALEN, l2_len - 2 * ETH_ALEN);

	if (to_sender) {
		src = &meta->dst;
		dst = &meta->src;
		sport = meta->dport;
		dport = meta->sport;
	} else {
		src = &meta->src;
		dst = &meta->dst;
		sport = meta->sport;
		dport = meta->dport;
	}

	ip = out + l2_len;
	if (meta->af == GW_AF_INET) {
		ip[0] = 0x45;
		ip[1] = 0;
		gw_put_be16(ip + 2, IPV4_HLEN + TCP_HLEN);
		gw_put_be16(ip + 4, 0);      /* id: DF set, never fragmented */
		gw_put_be16(ip + 6, 0x4000); /* DF */
		ip[8] = RST_TTL;
		ip[9] = GW_PROTO_TCP;
		gw_put_be16(ip + 10, 0);
		memcpy(ip + 12, &src->b[12], 4);
		memcpy(ip + 16, &dst->b[12], 4);
		gw_put_be16(ip + 10, gw_csum_ipv4_hdr(ip, IPV4_HLEN));
	} else {
		gw_put_be32(ip, 0x60000000); /* version 6, class 0, flow 0 */
		gw_put_be16(ip + 4, TCP_HLEN);
		ip[6] = GW_PROTO_TCP;
		ip[7] = RST_TTL;
		memcpy(ip + 8, src->b, 16);
		memcpy(ip + 24, dst->b, 16);
	}

	th = ip + l3_len;
	gw_put_be16(th, sport);
	gw_put_be16(th + 2, dport);
	gw_put_be32(th + 4, seq);
	gw_put_be32(th + 8, ack);
	th[12] = (TCP_HLEN / 4) << 4;
	th[13] = flags;
	gw_put_be16(th + 14, 0); /* window */
	gw_put_be16(th + 16, 0); /* checksum, below */
	gw_put_be16(th + 18, 0); /* urgent pointer */
	gw_put_be16(th + 16, gw_csum_l4(meta->af, src, dst, GW_PROTO_TCP, th,
				  TCP_HLEN));
	return (int)frame_len;
}
