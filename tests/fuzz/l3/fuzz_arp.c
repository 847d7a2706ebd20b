/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for gw_arp_parse and the ARP builders.
 *
 * Input: byte 0 selects the tagging of the answers (bits 0..1), the rest is
 * an ARP payload. A parsed request is answered, the answer must parse back
 * through gw_pkt_parse and gw_arp_parse with the expected fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "l3/gw_arp.h"
#include "pkt/gw_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static const struct gw_l2_encap encaps[4] = {
	{0, 0, 0}, {10, 0, 0}, {10, 100, 0}, {4094, 1, 0x8100}};
static const uint8_t my_mac[6] = {2, 0, 0, 0, 0, 1};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct gw_l2_encap *e;
	struct gw_pkt_meta m;
	struct gw_arp a, b;
	uint8_t *buf, out[GW_ARP_FRAME_LEN];
	size_t len;
	int rc, n;

	if (size < 1)
		return 0;
	e = &encaps[data[0] & 3];
	len = size - 1;
	/* an exact-size copy so that ASan sees any over-read */
	buf = malloc(len ? len : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, len);
	rc = gw_arp_parse(buf, len, &a);
	CHECK(rc == GW_ARP_LEN || rc == GW_INCOMPLETE || rc == GW_EMALFORMED);
	if (rc == GW_INCOMPLETE)
		CHECK(len < GW_ARP_LEN);
	if (rc != GW_ARP_LEN)
		goto out;
	CHECK(a.op == GW_ARP_OP_REQUEST || a.op == GW_ARP_OP_REPLY);
	n = gw_arp_build_reply(out, sizeof(out), e, my_mac, a.tpa, &a);
	CHECK(n == GW_ARP_FRAME_LEN);
	CHECK(gw_pkt_parse(out, (size_t)n, false, 0, &m) == GW_PKT_OK);
	CHECK(m.kind == GW_PKT_ARP && m.vlan_inner == e->vid);
	CHECK(gw_arp_parse(out + m.l2_len, (size_t)n - m.l2_len, &b) ==
	      GW_ARP_LEN);
	CHECK(b.op == GW_ARP_OP_REPLY);
	CHECK(memcmp(b.sha, my_mac, 6) == 0 && memcmp(b.spa, a.tpa, 4) == 0);
	CHECK(memcmp(b.tha, a.sha, 6) == 0 && memcmp(b.tpa, a.spa, 4) == 0);
	CHECK(memcmp(out, a.sha, 6) == 0);
	n = gw_arp_build_request(out, sizeof(out), e, my_mac, a.tpa, a.spa,
				 NULL);
	CHECK(n == GW_ARP_FRAME_LEN);
	CHECK(gw_arp_parse(out + m.l2_len, (size_t)n - m.l2_len, &b) ==
	      GW_ARP_LEN);
	CHECK(b.op == GW_ARP_OP_REQUEST && memcmp(b.tpa, a.spa, 4) == 0);
out:
	free(buf);
	return 0;
}
