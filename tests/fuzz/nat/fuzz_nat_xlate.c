/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the NAT packet translation of lib/nat.
 *
 * Input: an Ethernet frame. It is parsed with gw_pkt_parse; an IPv4 packet
 * is translated out and in (and, for an ICMP error, with the error
 * functions) with a mapping taken from its own endpoints, so that the
 * translation is really performed and not only refused. Besides memory
 * safety (ASan/UBSan), checked: a refused translation writes nothing; an
 * accepted one leaves a packet that parses again with the translated
 * endpoint; checksums that were valid before are valid after.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "nat/gw_nat.h"
#include "pkt/gw_csum.h"
#include "pkt/gw_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

#define MAX_FRAME 4096

struct csum_ok {
	bool ip, l4;
};

/* Which checksums of the IPv4 packet at l3 are valid now. */
static struct csum_ok
csums(const uint8_t *l3, const struct gw_pkt_meta *m)
{
	struct csum_ok ok = {false, false};
	size_t hl = m->l3_hlen, total = m->l3_len;
	const uint8_t *l4 = l3 + hl;
	struct gw_addr s, d;

	ok.ip = gw_csum_ipv4_hdr(l3, hl) == 0;
	gw_addr_from_v4(&s, l3 + 12);
	gw_addr_from_v4(&d, l3 + 16);
	if (m->proto == GW_PROTO_ICMP)
		ok.l4 = gw_csum_finish(gw_csum_partial(l4, total - hl, 0)) == 0;
	else if (m->proto == GW_PROTO_UDP && gw_be16(l4 + 6) == 0)
		ok.l4 = false; /* none */
	else
		ok.l4 = gw_csum_l4(GW_AF_INET, &s, &d, m->proto, l4,
				   m->proto == GW_PROTO_UDP ? gw_be16(l4 + 4) :
							      total - hl) == 0;
	return ok;
}

typedef int (*xlate_fn)(const struct gw_nat_map *, uint8_t *, size_t,
			const struct gw_pkt_meta *);

static void
run(uint8_t *f, size_t size, const struct gw_pkt_meta *m, xlate_fn fn,
    const struct gw_nat_map *map, bool check_src, uint32_t want_a,
    uint16_t want_p)
{
	static uint8_t before[MAX_FRAME];
	uint8_t *l3 = f + m->l3_off;
	size_t len = size - m->l3_off;
	struct gw_pkt_meta m2;
	struct csum_ok c0, c1;
	int rc;

	memcpy(before, f, size);
	c0 = csums(l3, m);
	rc = fn(map, l3, len, m);
	if (rc != 0) {
		CHECK(rc == GW_EINVAL || rc == GW_ENOTSUP);
		CHECK(memcmp(before, f, size) == 0);
		return;
	}
	CHECK(gw_pkt_parse(f, size, false, 0, &m2) == GW_PKT_OK);
	CHECK(m2.proto == m->proto && m2.l3_len == m->l3_len);
	if (check_src) {
		CHECK(gw_be32(&m2.src.b[12]) == want_a);
		if (!m2.is_icmp_error)
			CHECK(m2.sport == want_p);
	} else {
		CHECK(gw_be32(&m2.dst.b[12]) == want_a);
		if (!m2.is_icmp_error)
			CHECK(m->proto == GW_PROTO_ICMP ? m2.sport == want_p :
							  m2.dport == want_p);
	}
	c1 = csums(l3, &m2);
	CHECK(!c0.ip || c1.ip);
	CHECK(!c0.l4 || c1.l4);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t f[MAX_FRAME];
	struct gw_pkt_meta m;
	struct gw_nat_map map;
	uint32_t src, dst;

	if (size > MAX_FRAME)
		return 0;
	memcpy(f, data, size);
	if (gw_pkt_parse(f, size, false, 0, &m) != GW_PKT_OK ||
	    m.af != GW_AF_INET)
		return 0;
	src = gw_be32(&m.src.b[12]);
	dst = gw_be32(&m.dst.b[12]);
	memset(&map, 0, sizeof(map));
	map.proto = m.proto;
	if (!m.is_icmp_error) {
		/* out: src -> 198.51.100.1:sport^0x5a5a, then in on the
		 * result seen as a reply (dst = external) */
		map.in_addr = src;
		map.in_port = m.sport;
		map.ext_addr = 0xc6336401;
		map.ext_port = (uint16_t)(m.sport ^ 0x5a5a);
		run(f, size, &m, gw_nat_translate_out, &map, true,
		    map.ext_addr, map.ext_port);
		memcpy(f, data, size);
		map.ext_addr = dst;
		map.ext_port = m.proto == GW_PROTO_ICMP ? m.sport : m.dport;
		map.in_addr = 0x0a000001;
		map.in_port = (uint16_t)(map.ext_port + 1);
		run(f, size, &m, gw_nat_translate_in, &map, false,
		    map.in_addr, map.in_port);
		return 0;
	}
	map.proto = m.inner_proto;
	map.ext_addr = dst;
	map.ext_port = m.inner_sport;
	map.in_addr = 0x0a000001;
	map.in_port = (uint16_t)(m.inner_sport + 7);
	run(f, size, &m, gw_nat_translate_icmp_error_in, &map, false,
	    map.in_addr, 0);
	memcpy(f, data, size);
	map.in_addr = src;
	map.in_port = m.inner_dport;
	map.ext_addr = 0xc6336401;
	map.ext_port = (uint16_t)(m.inner_dport ^ 0x5a5a);
	run(f, size, &m, gw_nat_translate_icmp_error_out, &map, true,
	    map.ext_addr, 0);
	return 0;
}
