/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "l3/gw_l2.h"
#include "l3/gw_l3_private.h"

#define VID_MAX 4094

static int
tag_count(const struct gw_l2_encap *e)
{
	if (e == NULL || (e->vid == 0 && e->outer_vid == 0))
		return 0;
	if (e->vid == 0 || e->vid > VID_MAX || e->outer_vid > VID_MAX)
		return GW_EINVAL;
	return e->outer_vid != 0 ? 2 : 1;
}

int
gw_l2_hdr_len(const struct gw_l2_encap *encap)
{
	int n = tag_count(encap);

	if (n < 0)
		return n;
	return GW_ETH_HLEN + 4 * n;
}

int
gw_l2_write(uint8_t *out, size_t size, const uint8_t dst[GW_ETH_ALEN],
	    const uint8_t src[GW_ETH_ALEN], const struct gw_l2_encap *encap,
	    uint16_t ethertype)
{
	int n = tag_count(encap);
	size_t off = 2 * GW_ETH_ALEN;

	if (n < 0)
		return n;
	if (out == NULL || dst == NULL || src == NULL)
		return GW_EINVAL;
	if (size < (size_t)(GW_ETH_HLEN + 4 * n))
		return GW_ENOSPC;
	memcpy(out, dst, GW_ETH_ALEN);
	memcpy(out + GW_ETH_ALEN, src, GW_ETH_ALEN);
	if (n == 2) {
		gw_put_be16(out + off, encap->outer_tpid != 0 ? encap->outer_tpid :
							      GW_TPID_8021AD);
		gw_put_be16(out + off + 2, encap->outer_vid);
		off += 4;
	}
	if (n >= 1) {
		gw_put_be16(out + off, GW_TPID_8021Q);
		gw_put_be16(out + off + 2, encap->vid);
		off += 4;
	}
	gw_put_be16(out + off, ethertype);
	return (int)(off + 2);
}
