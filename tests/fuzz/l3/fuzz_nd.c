/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for gw_nd_parse and the NA reply builder.
 *
 * Input: byte 0 flags (bit 0: fix the ICMPv6 checksum so that the option
 * walk is reached, bit 1: hop limit 254 instead of 255), bytes 1..16 the
 * IPv6 source, 17..32 the destination, the rest the ICMPv6 message. A
 * parsed NS is answered; the NA must parse back with the right fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "l3/gw_nd.h"
#include "pkt/gw_csum.h"
#include "pkt/gw_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static const uint8_t my_mac[6] = {2, 0, 0, 0, 0, 1};
static const uint8_t peer_mac[6] = {2, 0, 0, 0, 0, 2};

static void
check_view(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	CHECK(p >= buf && p + n <= buf + len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_addr src, dst;
	struct gw_pkt_meta m;
	struct gw_nd nd, na;
	uint8_t *buf, out[GW_ND_FRAME_MAX];
	size_t len;
	int rc, n;

	if (size < 33)
		return 0;
	memcpy(src.b, data + 1, 16);
	memcpy(dst.b, data + 17, 16);
	len = size - 33;
	buf = malloc(len ? len : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 33, len);
	if ((data[0] & 1) && len >= 4) {
		buf[2] = buf[3] = 0;
		{
			uint16_t c = gw_csum_l4(GW_AF_INET6, &src, &dst,
						GW_PROTO_ICMPV6, buf, len);

			buf[2] = (uint8_t)(c >> 8);
			buf[3] = (uint8_t)c;
		}
	}
	rc = gw_nd_parse(buf, len, &src, &dst, (data[0] & 2) ? 254 : 255, &nd);
	CHECK(rc == (int)len || rc == GW_INCOMPLETE || rc == GW_EMALFORMED ||
	      rc == GW_ENOTSUP);
	if (rc == GW_INCOMPLETE)
		CHECK(len < 24);
	if (rc != (int)len || len == 0)
		goto out;
	CHECK((data[0] & 2) == 0);
	CHECK(nd.type == GW_ND_NS || nd.type == GW_ND_NA);
	check_view(nd.target, 16, buf, len);
	if (nd.lladdr != NULL)
		check_view(nd.lladdr, 6, buf, len);
	if (nd.type != GW_ND_NS || gw_addr_is_v4(&src) || gw_addr_is_v4(&dst))
		goto out;
	n = gw_nd_build_na_reply(out, sizeof(out), NULL, my_mac, &nd, &src,
				 peer_mac);
	if (n == GW_EINVAL) /* a v4-mapped target */
		goto out;
	CHECK(n == GW_ND_FRAME_LEN);
	CHECK(gw_pkt_parse(out, (size_t)n, false, 0, &m) == GW_PKT_OK);
	CHECK(m.is_nd && m.ttl == 255);
	CHECK(gw_nd_parse(out + m.l4_off, (size_t)n - m.l4_off, &m.src, &m.dst,
			  m.ttl, &na) == n - m.l4_off);
	CHECK(na.type == GW_ND_NA && memcmp(na.target, nd.target, 16) == 0);
	CHECK(na.lladdr != NULL && memcmp(na.lladdr, my_mac, 6) == 0);
out:
	free(buf);
	return 0;
}
