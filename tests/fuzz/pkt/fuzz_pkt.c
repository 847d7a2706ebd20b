/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for gw_pkt_parse (and gw_pkt_parse_fast, which must
 * agree with it byte for byte) and gw_pkt_build_tcp_rst.
 *
 * Input: byte 0 selects the NIC-stripped tag (bit 7: stripped, bits 0..6
 * spread over PCP/DEI/VID), the rest is the frame. Besides memory safety
 * (ASan/UBSan), the meta invariants of the contract are checked, and every
 * OK TCP packet is answered with a RST in both directions that must parse
 * back as the expected OK TCP RST with valid checksums.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "pkt/gw_csum.h"
#include "pkt/gw_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static void
check_meta(const struct gw_pkt_meta *m, size_t len, bool stripped)
{
	size_t end;

	CHECK(m->status <= GW_PKT_MALFORMED);
	CHECK(m->kind <= GW_PKT_OTHER);
	CHECK(m->n_tags <= 2);
	CHECK(m->n_tags >= (stripped ? 1 : 0));
	CHECK((m->vlan_outer & ~0x0fff) == 0 && (m->vlan_inner & ~0x0fff) == 0);
	if (m->n_tags <= 1)
		CHECK(m->vlan_inner == m->vlan_outer);
	if (m->status == GW_PKT_MALFORMED) {
		CHECK(m->err_layer >= 2 && m->err_layer <= 4);
		if (m->err_layer == 2) {
			CHECK(m->kind == GW_PKT_OTHER && m->l2_len == 0 &&
			      m->ethertype == 0 && m->af == 0);
			return;
		}
	} else {
		CHECK(m->err_layer == 0);
	}
	CHECK(m->l2_len == 14 + 4 * (m->n_tags - (stripped ? 1 : 0)));
	CHECK(m->l2_len <= len);
	if (m->kind != GW_PKT_IP) {
		CHECK(m->af == 0 && m->l3_len == 0 && m->sport == 0);
		return;
	}
	if (m->status == GW_PKT_MALFORMED && m->err_layer == 3) {
		CHECK(m->af == 0 && m->l3_len == 0 && m->l4_off == 0);
		return;
	}
	CHECK(m->af == (m->ethertype == 0x0800 ? GW_AF_INET : GW_AF_INET6));
	CHECK(m->af == GW_AF_INET ? gw_addr_is_v4(&m->src) : 1);
	CHECK(m->l3_off == m->l2_len);
	end = (size_t)m->l3_off + m->l3_len;
	CHECK(end <= len);
	CHECK(m->l3_hlen <= m->l3_len);
	CHECK(m->l3_hlen >= (m->af == GW_AF_INET ? 20 : 40));
	if (m->status == GW_PKT_FRAGMENT) {
		CHECK(m->l4_off == 0 && m->sport == 0 && m->dport == 0 &&
		      m->payload_off == 0 && m->payload_len == 0);
		return;
	}
	CHECK(m->l4_off == m->l3_off + m->l3_hlen);
	if (m->status == GW_PKT_MALFORMED) {
		CHECK(m->sport == 0 && m->payload_len == 0 &&
		      m->is_icmp_error == 0 && m->is_nd == 0);
		return;
	}
	CHECK((size_t)m->payload_off + m->payload_len <= end);
	if (m->payload_off != 0)
		CHECK(m->payload_off >= m->l4_off + 8);
	if (m->proto == GW_PROTO_TCP)
		CHECK(m->payload_off >= m->l4_off + 20);
	if (m->is_icmp_error)
		CHECK(m->proto == (m->af == GW_AF_INET ? GW_PROTO_ICMP :
							 GW_PROTO_ICMPV6));
	if (m->is_nd)
		CHECK(m->proto == GW_PROTO_ICMPV6 && m->icmp_type >= 133 &&
		      m->icmp_type <= 137);
}

/* Field by field: padding is not part of the contract. */
static bool
same_meta(const struct gw_pkt_meta *a, const struct gw_pkt_meta *b)
{
#define SAME(f) (a->f == b->f)
	return SAME(kind) && SAME(status) && SAME(err_layer) &&
	       SAME(n_tags) && SAME(vlan_outer) && SAME(vlan_inner) &&
	       SAME(ethertype) && SAME(l2_len) && SAME(af) && SAME(proto) &&
	       SAME(ttl) && SAME(is_nd) && SAME(l3_off) && SAME(l3_hlen) &&
	       SAME(l3_len) && SAME(l4_off) && SAME(sport) && SAME(dport) &&
	       SAME(tcp_flags) && SAME(icmp_type) && SAME(icmp_code) &&
	       SAME(is_icmp_error) && SAME(seq) && SAME(ack) && SAME(win) &&
	       SAME(payload_off) && SAME(payload_len) && SAME(inner_proto) &&
	       SAME(inner_sport) && SAME(inner_dport) &&
	       gw_addr_cmp(&a->src, &b->src) == 0 &&
	       gw_addr_cmp(&a->dst, &b->dst) == 0 &&
	       gw_addr_cmp(&a->inner_src, &b->inner_src) == 0 &&
	       gw_addr_cmp(&a->inner_dst, &b->inner_dst) == 0;
#undef SAME
}

static void
check_rst(const uint8_t *frame, size_t len, const struct gw_pkt_meta *m,
	  bool stripped, uint16_t tci, bool to_sender)
{
	const uint8_t flags = GW_TCP_RST | GW_TCP_ACK;
	uint32_t seq = m->ack;
	uint32_t ack = m->seq + m->payload_len +
		       ((m->tcp_flags & (GW_TCP_SYN | GW_TCP_FIN)) ? 1 : 0);
	size_t iplen = m->af == GW_AF_INET ? 20 : 40;
	size_t want = (size_t)m->l2_len + iplen + 20;
	struct gw_pkt_meta r;
	uint8_t *out;
	int n;

	/* exact size on the heap: any write past it is an ASan report */
	out = malloc(want);
	CHECK(out != NULL);
	CHECK(gw_pkt_build_tcp_rst(frame, len, m, to_sender, seq, ack, flags,
				   out, want - 1) == GW_EINVAL);
	n = gw_pkt_build_tcp_rst(frame, len, m, to_sender, seq, ack, flags, out,
				 want);
	CHECK(n == (int)want);
	CHECK(gw_pkt_parse(out, (size_t)n, stripped, tci, &r) == GW_PKT_OK);
	CHECK(r.kind == GW_PKT_IP && r.proto == GW_PROTO_TCP);
	CHECK(r.tcp_flags == flags && r.seq == seq && r.ack == ack);
	CHECK(r.af == m->af && r.ttl == 64 && r.win == 0);
	CHECK(r.n_tags == m->n_tags && r.vlan_outer == m->vlan_outer &&
	      r.vlan_inner == m->vlan_inner);
	CHECK(r.payload_len == 0 && r.payload_off == n);
	if (to_sender) {
		CHECK(gw_addr_cmp(&r.src, &m->dst) == 0);
		CHECK(gw_addr_cmp(&r.dst, &m->src) == 0);
		CHECK(r.sport == m->dport && r.dport == m->sport);
		CHECK(memcmp(out, frame + 6, 6) == 0);
		CHECK(memcmp(out + 6, frame, 6) == 0);
	} else {
		CHECK(gw_addr_cmp(&r.src, &m->src) == 0);
		CHECK(gw_addr_cmp(&r.dst, &m->dst) == 0);
		CHECK(r.sport == m->sport && r.dport == m->dport);
		CHECK(memcmp(out, frame, 12) == 0);
	}
	CHECK(memcmp(out + 12, frame + 12, m->l2_len - 12u) == 0);
	if (r.af == GW_AF_INET)
		CHECK(gw_csum_ipv4_hdr(out + r.l3_off, 20) == 0);
	CHECK(gw_csum_l4(r.af, &r.src, &r.dst, GW_PROTO_TCP, out + r.l4_off,
			 20) == 0);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_pkt_meta m, again;
	const uint8_t *frame;
	bool stripped;
	uint16_t tci;
	size_t len;
	int rc;

	if (size < 1)
		return 0;
	stripped = (data[0] & 0x80) != 0;
	tci = (uint16_t)((data[0] & 0x7f) * 0x0203);
	frame = data + 1;
	len = size - 1;

	rc = gw_pkt_parse(frame, len, stripped, tci, &m);
	CHECK(rc == m.status);
	check_meta(&m, len, stripped);
	/* fully initialised: a dirty meta gives the same result */
	memset(&again, 0xa5, sizeof(again));
	CHECK(gw_pkt_parse(frame, len, stripped, tci, &again) == rc);
	CHECK(same_meta(&m, &again));
	/* the data path's inline entry: same status, same bytes */
	memset(&again, 0x5a, sizeof(again));
	CHECK(gw_pkt_parse_fast(frame, len, stripped, tci, &again) == rc);
	CHECK(memcmp(&m, &again, sizeof(m)) == 0);

	if (rc == GW_PKT_OK && m.kind == GW_PKT_IP &&
	    m.proto == GW_PROTO_TCP) {
		check_rst(frame, len, &m, stripped, tci, true);
		check_rst(frame, len, &m, stripped, tci, false);
	} else {
		uint8_t out[128];

		CHECK(gw_pkt_build_tcp_rst(frame, len, &m, true, 0, 0,
					   GW_TCP_RST, out,
					   sizeof(out)) == GW_EINVAL);
	}
	return 0;
}
