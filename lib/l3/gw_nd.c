/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "l3/gw_l3_private.h"
#include "l3/gw_nd.h"
#include "pkt/gw_csum.h"
#include "pkt/gw_pkt.h"

#define ND_HLEN 24  /* ICMPv6 header, reserved/flags, target */
#define ND_LLOPT_LEN 8

static const uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
				      0,    0,    0, 0, 0, 0, 0, 1};

static bool
is_unspecified(const struct gw_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->b, zero, 16) == 0;
}

static bool
is_solicited_node(const struct gw_addr *a)
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
					0,    0,    0, 1, 0xff};

	return memcmp(a->b, pfx, sizeof(pfx)) == 0;
}

int
gw_nd_parse(const uint8_t *icmp, size_t len, const struct gw_addr *src,
	    const struct gw_addr *dst, uint8_t hop_limit, struct gw_nd *out)
{
	const uint8_t *lladdr = NULL;
	uint8_t type, want_opt;
	size_t off;

	if ((icmp == NULL && len > 0) || src == NULL || dst == NULL ||
	    out == NULL)
		return GW_EINVAL;
	if (len < 1)
		return GW_INCOMPLETE;
	type = icmp[0];
	if (type != GW_ND_NS && type != GW_ND_NA)
		return GW_ENOTSUP;
	/* a router never forwards ND: anything below 255 came from off-link */
	if (hop_limit != L3_ND_HOP_LIMIT)
		return GW_EMALFORMED;
	if (len < 2)
		return GW_INCOMPLETE;
	if (icmp[1] != 0)
		return GW_EMALFORMED;
	if (len < ND_HLEN)
		return GW_INCOMPLETE;
	if (gw_csum_l4(GW_AF_INET6, src, dst, GW_PROTO_ICMPV6, icmp, len) != 0)
		return GW_EMALFORMED;
	if (icmp[8] == 0xff)
		return GW_EMALFORMED; /* multicast target */
	/* a multicast source cannot be answered (RFC 4291 2.7) */
	if (src->b[0] == 0xff)
		return GW_EMALFORMED;
	want_opt = type == GW_ND_NS ? GW_ND_OPT_SLLA : GW_ND_OPT_TLLA;
	for (off = ND_HLEN; off < len;) {
		size_t olen;

		if (len - off < 2)
			return GW_EMALFORMED;
		olen = (size_t)icmp[off + 1] * 8;
		if (olen == 0 || olen > len - off)
			return GW_EMALFORMED;
		if (icmp[off] == want_opt && lladdr == NULL) {
			if (olen < ND_LLOPT_LEN)
				return GW_EMALFORMED;
			lladdr = icmp + off + 2;
		}
		off += olen;
	}
	if (type == GW_ND_NS) {
		if (is_unspecified(src) &&
		    (!is_solicited_node(dst) || lladdr != NULL))
			return GW_EMALFORMED;
		out->flags = 0;
	} else {
		out->flags = icmp[4] & (GW_ND_NA_ROUTER | GW_ND_NA_SOLICITED |
					GW_ND_NA_OVERRIDE);
		if (dst->b[0] == 0xff && (out->flags & GW_ND_NA_SOLICITED))
			return GW_EMALFORMED;
	}
	out->type = type;
	out->target = icmp + 8;
	out->lladdr = lladdr;
	return (int)len;
}

void
gw_nd_solicited_node(const struct gw_addr *addr, struct gw_addr *out)
{
	uint8_t low[3];

	memcpy(low, &addr->b[13], 3); /* out may be addr */
	memset(out->b, 0, 16);
	out->b[0] = 0xff;
	out->b[1] = 0x02;
	out->b[11] = 0x01;
	out->b[12] = 0xff;
	memcpy(&out->b[13], low, 3);
}

void
gw_nd_mcast_mac(const struct gw_addr *group, uint8_t mac[GW_ETH_ALEN])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, &group->b[12], 4);
}

/* One NS or NA with one link-layer option; the checksum covers the
 * pseudo-header of src/dst. */
static int
nd_build(uint8_t *out, size_t size, const struct gw_l2_encap *encap,
	 const uint8_t eth_dst[GW_ETH_ALEN], const uint8_t my_mac[GW_ETH_ALEN],
	 const struct gw_addr *src, const struct gw_addr *dst, uint8_t type,
	 uint8_t flags, const struct gw_addr *target)
{
	const size_t icmp_len = ND_HLEN + ND_LLOPT_LEN;
	uint8_t *ip, *ic;
	int l2;

	if (my_mac == NULL || src == NULL || dst == NULL || target == NULL ||
	    eth_dst == NULL)
		return GW_EINVAL;
	if (gw_addr_is_v4(src) || gw_addr_is_v4(dst) || gw_addr_is_v4(target))
		return GW_EINVAL;
	l2 = gw_l2_hdr_len(encap);
	if (l2 < 0)
		return l2;
	if (out == NULL)
		return GW_EINVAL;
	if (size < (size_t)l2 + L3_IPV6_HLEN + icmp_len)
		return GW_ENOSPC;
	l2 = gw_l2_write(out, size, eth_dst, my_mac, encap, GW_ETHERTYPE_IPV6);
	if (l2 < 0)
		return l2;
	ip = out + l2;
	gw_put_be32(ip, 0x60000000);
	gw_put_be16(ip + 4, (uint16_t)icmp_len);
	ip[6] = GW_PROTO_ICMPV6;
	ip[7] = L3_ND_HOP_LIMIT;
	memcpy(ip + 8, src->b, 16);
	memcpy(ip + 24, dst->b, 16);
	ic = ip + L3_IPV6_HLEN;
	ic[0] = type;
	ic[1] = 0;
	gw_put_be16(ic + 2, 0);
	gw_put_be32(ic + 4, (uint32_t)flags << 24);
	memcpy(ic + 8, target->b, 16);
	ic[24] = type == GW_ND_NS ? GW_ND_OPT_SLLA : GW_ND_OPT_TLLA;
	ic[25] = 1;
	memcpy(ic + 26, my_mac, GW_ETH_ALEN);
	gw_put_be16(ic + 2, gw_csum_l4(GW_AF_INET6, src, dst, GW_PROTO_ICMPV6, ic,
				    icmp_len));
	return (int)((size_t)l2 + L3_IPV6_HLEN + icmp_len);
}

int
gw_nd_build_ns(uint8_t *out, size_t size, const struct gw_l2_encap *encap,
	       const uint8_t my_mac[GW_ETH_ALEN], const struct gw_addr *src,
	       const struct gw_addr *target, const uint8_t *dst_mac)
{
	struct gw_addr dst;
	uint8_t mac[GW_ETH_ALEN];

	if (target == NULL)
		return GW_EINVAL;
	if (dst_mac != NULL) {
		dst = *target;
		memcpy(mac, dst_mac, GW_ETH_ALEN);
	} else {
		gw_nd_solicited_node(target, &dst);
		gw_nd_mcast_mac(&dst, mac);
	}
	return nd_build(out, size, encap, mac, my_mac, src, &dst, GW_ND_NS, 0,
			target);
}

int
gw_nd_build_na(uint8_t *out, size_t size, const struct gw_l2_encap *encap,
	       const uint8_t eth_dst[GW_ETH_ALEN],
	       const uint8_t my_mac[GW_ETH_ALEN], const struct gw_addr *src,
	       const struct gw_addr *dst, const struct gw_addr *target,
	       uint8_t flags)
{
	return nd_build(out, size, encap, eth_dst, my_mac, src, dst, GW_ND_NA,
			flags & (GW_ND_NA_ROUTER | GW_ND_NA_SOLICITED |
				 GW_ND_NA_OVERRIDE),
			target);
}

int
gw_nd_build_na_reply(uint8_t *out, size_t size,
		     const struct gw_l2_encap *encap,
		     const uint8_t my_mac[GW_ETH_ALEN], const struct gw_nd *ns,
		     const struct gw_addr *ns_src,
		     const uint8_t req_eth_src[GW_ETH_ALEN])
{
	struct gw_addr target, dst;
	uint8_t mac[GW_ETH_ALEN];
	uint8_t flags = GW_ND_NA_ROUTER | GW_ND_NA_OVERRIDE;

	if (ns == NULL || ns->type != GW_ND_NS || ns->target == NULL ||
	    ns_src == NULL || req_eth_src == NULL)
		return GW_EINVAL;
	/* copies: the views may point into out */
	memcpy(target.b, ns->target, 16);
	if (is_unspecified(ns_src)) {
		memcpy(dst.b, all_nodes, 16);
		gw_nd_mcast_mac(&dst, mac);
	} else {
		dst = *ns_src;
		memcpy(mac, ns->lladdr != NULL ? ns->lladdr : req_eth_src,
		       GW_ETH_ALEN);
		flags |= GW_ND_NA_SOLICITED;
	}
	return nd_build(out, size, encap, mac, my_mac, &target, &dst, GW_ND_NA,
			flags, &target);
}

int
gw_nd_build_unsolicited_na(uint8_t *out, size_t size,
			   const struct gw_l2_encap *encap,
			   const uint8_t my_mac[GW_ETH_ALEN],
			   const struct gw_addr *addr)
{
	struct gw_addr dst;
	uint8_t mac[GW_ETH_ALEN];

	if (addr == NULL)
		return GW_EINVAL;
	memcpy(dst.b, all_nodes, 16);
	gw_nd_mcast_mac(&dst, mac);
	return nd_build(out, size, encap, mac, my_mac, addr, &dst, GW_ND_NA,
			GW_ND_NA_ROUTER | GW_ND_NA_OVERRIDE, addr);
}
