/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "l3/gw_arp.h"
#include "l3/gw_l3_private.h"

#define ARP_HTYPE_ETHER 1
#define ARP_PTYPE_IPV4 0x0800

static const uint8_t mac_bcast[GW_ETH_ALEN] = {0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff};
static const uint8_t mac_zero[GW_ETH_ALEN];

int
gw_arp_parse(const uint8_t *buf, size_t len, struct gw_arp *out)
{
	uint16_t op;

	if (buf == NULL && len > 0)
		return GW_EINVAL;
	/* field by field, so that a bad header is reported as soon as the
	 * bytes that prove it are there */
	if (len < 2)
		return GW_INCOMPLETE;
	if (gw_be16(buf) != ARP_HTYPE_ETHER)
		return GW_EMALFORMED;
	if (len < 4)
		return GW_INCOMPLETE;
	if (gw_be16(buf + 2) != ARP_PTYPE_IPV4)
		return GW_EMALFORMED;
	if (len < 5)
		return GW_INCOMPLETE;
	if (buf[4] != GW_ETH_ALEN)
		return GW_EMALFORMED;
	if (len < 6)
		return GW_INCOMPLETE;
	if (buf[5] != 4)
		return GW_EMALFORMED;
	if (len < 8)
		return GW_INCOMPLETE;
	op = gw_be16(buf + 6);
	if (op != GW_ARP_OP_REQUEST && op != GW_ARP_OP_REPLY)
		return GW_EMALFORMED;
	if (len < GW_ARP_LEN)
		return GW_INCOMPLETE;
	out->op = op;
	out->sha = buf + 8;
	out->spa = buf + 14;
	out->tha = buf + 18;
	out->tpa = buf + 24;
	return GW_ARP_LEN;
}

bool
gw_arp_is_gratuitous(const struct gw_arp *arp)
{
	return memcmp(arp->spa, arp->tpa, 4) == 0;
}

int
gw_arp_build(uint8_t *out, size_t size, const struct gw_l2_encap *encap,
	     const uint8_t eth_dst[GW_ETH_ALEN],
	     const uint8_t eth_src[GW_ETH_ALEN], uint16_t op,
	     const uint8_t sha[GW_ETH_ALEN], const uint8_t spa[4],
	     const uint8_t tha[GW_ETH_ALEN], const uint8_t tpa[4])
{
	uint8_t *a;
	int l2;

	if (op != GW_ARP_OP_REQUEST && op != GW_ARP_OP_REPLY)
		return GW_EINVAL;
	if (sha == NULL || spa == NULL || tha == NULL || tpa == NULL)
		return GW_EINVAL;
	l2 = gw_l2_hdr_len(encap);
	if (l2 < 0)
		return l2;
	if (out == NULL)
		return GW_EINVAL;
	/* the largest header (QinQ, 22) plus 28 is still below 60 */
	if (size < GW_ARP_FRAME_LEN)
		return GW_ENOSPC;
	l2 = gw_l2_write(out, size, eth_dst, eth_src, encap, GW_ETHERTYPE_ARP);
	if (l2 < 0)
		return l2;
	a = out + l2;
	gw_put_be16(a, ARP_HTYPE_ETHER);
	gw_put_be16(a + 2, ARP_PTYPE_IPV4);
	a[4] = GW_ETH_ALEN;
	a[5] = 4;
	gw_put_be16(a + 6, op);
	memcpy(a + 8, sha, GW_ETH_ALEN);
	memcpy(a + 14, spa, 4);
	memcpy(a + 18, tha, GW_ETH_ALEN);
	memcpy(a + 24, tpa, 4);
	memset(a + GW_ARP_LEN, 0, GW_ARP_FRAME_LEN - (size_t)l2 - GW_ARP_LEN);
	return GW_ARP_FRAME_LEN;
}

int
gw_arp_build_request(uint8_t *out, size_t size,
		     const struct gw_l2_encap *encap,
		     const uint8_t my_mac[GW_ETH_ALEN], const uint8_t my_ip[4],
		     const uint8_t tpa[4], const uint8_t *dst_mac)
{
	return gw_arp_build(out, size, encap,
			    dst_mac != NULL ? dst_mac : mac_bcast, my_mac,
			    GW_ARP_OP_REQUEST, my_mac, my_ip, mac_zero, tpa);
}

int
gw_arp_build_reply(uint8_t *out, size_t size, const struct gw_l2_encap *encap,
		   const uint8_t my_mac[GW_ETH_ALEN], const uint8_t my_ip[4],
		   const struct gw_arp *req)
{
	if (req == NULL || req->sha == NULL || req->spa == NULL)
		return GW_EINVAL;
	return gw_arp_build(out, size, encap, req->sha, my_mac,
			    GW_ARP_OP_REPLY, my_mac, my_ip, req->sha, req->spa);
}

int
gw_arp_build_gratuitous(uint8_t *out, size_t size,
			const struct gw_l2_encap *encap,
			const uint8_t my_mac[GW_ETH_ALEN], const uint8_t my_ip[4])
{
	return gw_arp_build(out, size, encap, mac_bcast, my_mac,
			    GW_ARP_OP_REQUEST, my_mac, my_ip, mac_zero, my_ip);
}
