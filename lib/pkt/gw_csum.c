/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/gw_util.h"
#include "pkt/gw_csum.h"

uint32_t
gw_csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = sum;
	size_t i;

	/* A 64-bit accumulator cannot overflow for any buffer that fits in
	 * memory (2^48 words of at most 0xffff), so folding is left to the
	 * end. */
	for (i = 0; i + 1 < len; i += 2)
		acc += gw_be16(p + i);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t
gw_csum_ipv4_hdr(const uint8_t *hdr, size_t hlen)
{
	return gw_csum_finish(gw_csum_partial(hdr, hlen, 0));
}

uint16_t
gw_csum_l4(uint8_t af, const struct gw_addr *src, const struct gw_addr *dst,
	   uint8_t proto, const uint8_t *l4, size_t l4_len)
{
	uint32_t sum;

	/* The pseudo-header words are summed directly rather than laid out in
	 * a buffer: the order of one's complement additions does not matter.
	 * The IPv6 upper-layer length is 32 bits wide. */
	if (af == GW_AF_INET) {
		sum = gw_csum_partial(&src->b[12], 4, 0);
		sum = gw_csum_partial(&dst->b[12], 4, sum);
	} else {
		sum = gw_csum_partial(src->b, 16, 0);
		sum = gw_csum_partial(dst->b, 16, sum);
		sum += (uint32_t)(l4_len >> 16);
	}
	sum += proto;
	sum += (uint32_t)(l4_len & 0xffff);
	return gw_csum_finish(gw_csum_partial(l4, l4_len, sum));
}
