/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "gw_test.h"
#include "pkt/gw_pkt.h"

/* ---- frame builder ---- */

struct fb {
	uint8_t b[1600];
	size_t len;
};

static void
fb_u8(struct fb *f, uint8_t v)
{
	ck_assert_uint_lt(f->len, sizeof(f->b));
	f->b[f->len++] = v;
}

static void
fb_u16(struct fb *f, uint16_t v)
{
	fb_u8(f, (uint8_t)(v >> 8));
	fb_u8(f, (uint8_t)v);
}

static void
fb_u32(struct fb *f, uint32_t v)
{
	fb_u16(f, (uint16_t)(v >> 16));
	fb_u16(f, (uint16_t)v);
}

static void
fb_mem(struct fb *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fb_u8(f, p[i]);
}

static void
fb_fill(struct fb *f, uint8_t v, size_t n)
{
	while (n-- > 0)
		fb_u8(f, v);
}

static void
fb_set16(struct fb *f, size_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

/* RFC 1071 reference, independent of lib/pkt's gw_csum. */
static uint16_t
ref_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len > 0)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static const uint8_t MAC_A[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t MAC_B[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t S4[4] = {10, 0, 0, 1};
static const uint8_t D4[4] = {192, 0, 2, 7};
static const uint8_t R4[4] = {198, 51, 100, 1};
static const uint8_t S6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			       0, 0, 0, 0, 0, 0, 0, 0x01};
static const uint8_t D6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			       0, 0, 0, 0, 0, 0, 0, 0x02};
static const uint8_t R6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
			       0, 0, 0, 0, 0, 0, 0, 0xff};

/* Expected addresses in the stored (mapped) form. */
#define M4(w, x, y, z)                                                         \
	{                                                                      \
		.b = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, w, x, y, z}    \
	}
#define M6(last)                                                               \
	{                                                                      \
		.b = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
		      last}                                                    \
	}
#define A_S4 M4(10, 0, 0, 1)
#define A_D4 M4(192, 0, 2, 7)
#define A_R4 M4(198, 51, 100, 1)
#define A_S6 M6(0x01)
#define A_D6 M6(0x02)
#define A_R6 M6(0xff)

#define WIN 29200

/* dst MAC B, src MAC A; tags are (tpid, tci) pairs */
static void
eth(struct fb *f, int ntags, const uint16_t *tags, uint16_t et)
{
	int i;

	fb_mem(f, MAC_B, 6);
	fb_mem(f, MAC_A, 6);
	for (i = 0; i < ntags; i++) {
		fb_u16(f, tags[2 * i]);
		fb_u16(f, tags[2 * i + 1]);
	}
	fb_u16(f, et);
}

/* IPv4 header with optlen bytes of NOP options; length and checksum are
 * set by ip4_end(). */
static size_t
ip4(struct fb *f, uint8_t proto, size_t optlen, uint16_t frag,
    const uint8_t *src, const uint8_t *dst)
{
	size_t off = f->len;

	fb_u8(f, (uint8_t)(0x45 + optlen / 4));
	fb_u8(f, 0);
	fb_u16(f, 0);
	fb_u16(f, 0x1234);
	fb_u16(f, frag);
	fb_u8(f, 64);
	fb_u8(f, proto);
	fb_u16(f, 0);
	fb_mem(f, src, 4);
	fb_mem(f, dst, 4);
	fb_fill(f, 0x01, optlen);
	return off;
}

static void
ip4_csum(struct fb *f, size_t off)
{
	size_t hlen = (size_t)(f->b[off] & 0x0f) * 4;

	fb_set16(f, off + 10, 0);
	fb_set16(f, off + 10, ref_csum(f->b + off, hlen));
}

static void
ip4_end(struct fb *f, size_t off)
{
	fb_set16(f, off + 2, (uint16_t)(f->len - off));
	ip4_csum(f, off);
}

static size_t
ip6(struct fb *f, uint8_t nh, const uint8_t *src, const uint8_t *dst)
{
	size_t off = f->len;

	fb_u32(f, 0x60000000);
	fb_u16(f, 0);
	fb_u8(f, nh);
	fb_u8(f, 64);
	fb_mem(f, src, 16);
	fb_mem(f, dst, 16);
	return off;
}

static void
ip6_end(struct fb *f, size_t off)
{
	fb_set16(f, off + 4, (uint16_t)(f->len - off - 40));
}

/* Hop-by-hop, routing or destination options header of len bytes (padded
 * with Pad1 options). */
static void
ext(struct fb *f, uint8_t nh, size_t len)
{
	fb_u8(f, nh);
	fb_u8(f, (uint8_t)(len / 8 - 1));
	fb_fill(f, 0, len - 2);
}

static void
ext_ah(struct fb *f, uint8_t nh, size_t len)
{
	fb_u8(f, nh);
	fb_u8(f, (uint8_t)(len / 4 - 2));
	fb_u16(f, 0);
	fb_fill(f, 0xaa, len - 4);
}

static void
ext_frag(struct fb *f, uint8_t nh, uint16_t off8, int more)
{
	fb_u8(f, nh);
	fb_u8(f, 0);
	fb_u16(f, (uint16_t)(off8 << 3 | (more ? 1 : 0)));
	fb_u32(f, 0xabcd);
}

/* TCP header with optlen bytes of options (MSS then NOPs) and paylen
 * payload bytes. */
static void
tcp(struct fb *f, uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack,
    uint8_t flags, size_t optlen, size_t paylen)
{
	size_t i;

	fb_u16(f, sp);
	fb_u16(f, dp);
	fb_u32(f, seq);
	fb_u32(f, ack);
	fb_u8(f, (uint8_t)((5 + optlen / 4) << 4));
	fb_u8(f, flags);
	fb_u16(f, WIN);
	fb_u16(f, 0);
	fb_u16(f, 0);
	for (i = 0; i < optlen; i++) {
		static const uint8_t mss[4] = {2, 4, 0x05, 0xb4};

		fb_u8(f, i < 4 ? mss[i] : 1);
	}
	for (i = 0; i < paylen; i++)
		fb_u8(f, (uint8_t)('a' + i % 26));
}

static void
udp(struct fb *f, uint16_t sp, uint16_t dp, size_t paylen)
{
	fb_u16(f, sp);
	fb_u16(f, dp);
	fb_u16(f, (uint16_t)(8 + paylen));
	fb_u16(f, 0);
	fb_fill(f, 0x5a, paylen);
}

static void
icmp(struct fb *f, uint8_t type, uint8_t code, uint32_t rest)
{
	fb_u8(f, type);
	fb_u8(f, code);
	fb_u16(f, 0);
	fb_u32(f, rest);
}

static const uint16_t TAG_Q100[] = {0x8100, 0xa064};
static const uint16_t TAG_QINQ[] = {0x88a8, 0x00c8, 0x8100, 0x0064};

/* ---- vectors ---- */

static void
v_v4_tcp(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 6, 0, 0, S4, D4);
	tcp(f, 40000, 443, 1000, 0, GW_TCP_SYN, 0, 0);
	ip4_end(f, ip);
}

static void
v_v4_q_udp(struct fb *f)
{
	size_t ip;

	eth(f, 1, TAG_Q100, 0x0800);
	ip = ip4(f, 17, 0, 0, S4, D4);
	udp(f, 5353, 53, 12);
	ip4_end(f, ip);
}

static void
v_v4_qinq_tcp(struct fb *f)
{
	size_t ip;

	eth(f, 2, TAG_QINQ, 0x0800);
	ip = ip4(f, 6, 0, 0, S4, D4);
	tcp(f, 50000, 80, 0x01020304, 0x0a0b0c0d, GW_TCP_ACK | GW_TCP_PSH, 0,
	    5);
	ip4_end(f, ip);
}

static void
v_v4_q_tcp(struct fb *f)
{
	size_t ip;

	eth(f, 1, TAG_Q100, 0x0800);
	ip = ip4(f, 6, 0, 0, S4, D4);
	tcp(f, 40001, 443, 1, 2, GW_TCP_ACK, 0, 0);
	ip4_end(f, ip);
}

static void
v_v4_prio_tag(struct fb *f)
{
	static const uint16_t tags[] = {0x8100, 0x6000};
	size_t ip;

	eth(f, 1, tags, 0x0800);
	ip = ip4(f, 17, 0, 0, S4, D4);
	udp(f, 1000, 2000, 0);
	ip4_end(f, ip);
}

static void
v_v4_9100(struct fb *f)
{
	static const uint16_t tags[] = {0x9100, 0x000a, 0x8100, 0x0014};
	size_t ip;

	eth(f, 2, tags, 0x0800);
	ip = ip4(f, 17, 0, 0, S4, D4);
	udp(f, 1000, 2000, 1);
	ip4_end(f, ip);
}

static void
v_three_tags(struct fb *f)
{
	static const uint16_t tags[] = {0x88a8, 0x00c8, 0x8100, 0x0064,
					0x8100, 0x0001};
	size_t ip;

	eth(f, 3, tags, 0x0800);
	ip = ip4(f, 17, 0, 0, S4, D4);
	udp(f, 1000, 2000, 0);
	ip4_end(f, ip);
}

static void
v_two_inband(struct fb *f)
{
	static const uint16_t tags[] = {0x8100, 0x0006, 0x8100, 0x0007};
	size_t ip;

	eth(f, 2, tags, 0x0800);
	ip = ip4(f, 17, 0, 0, S4, D4);
	udp(f, 1000, 2000, 0);
	ip4_end(f, ip);
}

static void
v_v4_opts(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 6, 12, 0, S4, D4);
	tcp(f, 1234, 22, 5, 6, GW_TCP_ACK, 0, 3);
	ip4_end(f, ip);
}

static void
v_v4_bad_ihl(struct fb *f)
{
	v_v4_tcp(f);
	f->b[14] = 0x44;
}

static void
v_v4_bad_version(struct fb *f)
{
	v_v4_tcp(f);
	f->b[14] = 0x65;
}

static void
v_v4_totlen_long(struct fb *f)
{
	v_v4_tcp(f);
	fb_set16(f, 16, (uint16_t)(f->len - 14 + 1));
}

static void
v_v4_totlen_short(struct fb *f)
{
	v_v4_tcp(f);
	fb_set16(f, 16, 19);
}

static void
v_v4_ihl_beyond(struct fb *f)
{
	size_t ip;

	/* IHL 15 (60 bytes) in a 40-byte packet */
	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 6, 0, 0, S4, D4);
	tcp(f, 1, 2, 3, 4, GW_TCP_ACK, 0, 0);
	ip4_end(f, ip);
	f->b[14] = 0x4f;
}

static void
v_v4_padding(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 17, 0, 0, S4, D4);
	udp(f, 4000, 4001, 4);
	ip4_end(f, ip);
	fb_fill(f, 0, 60 - f->len);
}

static void
v_v4_frag_mf(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 17, 0, 0x2000, S4, D4);
	udp(f, 4000, 4001, 10);
	ip4_end(f, ip);
}

static void
v_v4_frag_off(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 6, 0, 0x0005, S4, D4);
	fb_fill(f, 0x77, 16);
	ip4_end(f, ip);
}

static void
v_v4_df(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 17, 0, 0x4000, S4, D4);
	udp(f, 4000, 4001, 2);
	ip4_end(f, ip);
}

static void
v_v6_tcp(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 6, S6, D6);
	tcp(f, 40000, 443, 7, 0, GW_TCP_SYN, 0, 0);
	ip6_end(f, ip);
}

static void
v_v6_q_tcp(struct fb *f)
{
	size_t ip;

	eth(f, 1, TAG_Q100, 0x86dd);
	ip = ip6(f, 6, S6, D6);
	tcp(f, 40002, 8443, 0xfffffff0, 99, GW_TCP_ACK, 8, 2);
	ip6_end(f, ip);
}

static void
v_v6_ext3(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 0, S6, D6);
	ext(f, 60, 8);
	ext(f, 43, 16);
	ext(f, 6, 24);
	tcp(f, 40000, 443, 9, 10, GW_TCP_ACK, 0, 4);
	ip6_end(f, ip);
}

static void
v_v6_frag_first(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 44, S6, D6);
	ext_frag(f, 17, 0, 1);
	udp(f, 5000, 53, 8);
	ip6_end(f, ip);
}

static void
v_v6_frag_last(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 44, S6, D6);
	ext_frag(f, 17, 100, 0);
	fb_fill(f, 0x33, 16);
	ip6_end(f, ip);
}

static void
v_v6_frag_atomic(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 44, S6, D6);
	ext_frag(f, 17, 0, 0);
	udp(f, 5000, 53, 8);
	ip6_end(f, ip);
}

static void
v_v6_ext_n(struct fb *f, int n)
{
	size_t ip;
	int i;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 0, S6, D6);
	for (i = 0; i < n; i++)
		ext(f, i == n - 1 ? 17 : 60, 8);
	udp(f, 5000, 53, 0);
	ip6_end(f, ip);
}

static void
v_v6_ext8(struct fb *f)
{
	v_v6_ext_n(f, 8);
}

static void
v_v6_ext9(struct fb *f)
{
	v_v6_ext_n(f, 9);
}

static void
v_v6_ah(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 51, S6, D6);
	ext_ah(f, 6, 24);
	tcp(f, 179, 40000, 1, 1, GW_TCP_ACK, 0, 0);
	ip6_end(f, ip);
}

static void
v_v6_nonext(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 59, S6, D6);
	fb_fill(f, 0xee, 4);
	ip6_end(f, ip);
}

static void
v_v6_hbh_late(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 60, S6, D6);
	ext(f, 0, 8);
	ext(f, 6, 8);
	tcp(f, 1, 2, 3, 4, GW_TCP_ACK, 0, 0);
	ip6_end(f, ip);
}

static void
v_v6_plen_long(struct fb *f)
{
	v_v6_tcp(f);
	fb_set16(f, 18, (uint16_t)(f->len - 54 + 1));
}

static void
v_v6_ext_overrun(struct fb *f)
{
	size_t ip;

	/* a 16-byte destination options header in an 8-byte payload */
	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 60, S6, D6);
	fb_u8(f, 6);
	fb_u8(f, 1);
	fb_fill(f, 0, 6);
	ip6_end(f, ip);
}

static void
v_v6_bad_version(struct fb *f)
{
	v_v4_tcp(f);
	fb_set16(f, 12, 0x86dd);
	fb_fill(f, 0, 20);
}

static void
v_tcp_opts(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 6, 0, 0, S4, D4);
	tcp(f, 40000, 443, 100, 200, GW_TCP_SYN | GW_TCP_ACK, 12, 10);
	ip4_end(f, ip);
}

static void
v_tcp_doff4(struct fb *f)
{
	v_v4_tcp(f);
	f->b[46] = 0x40;
}

static void
v_tcp_doff_beyond(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 6, 0, 0, S4, D4);
	tcp(f, 40000, 443, 1, 2, GW_TCP_ACK, 0, 4);
	ip4_end(f, ip);
	f->b[46] = 0xf0;
}

static void
v_tcp_short(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 6, 0, 0, S4, D4);
	fb_fill(f, 0x11, 10);
	ip4_end(f, ip);
}

static void
v_udp_len_long(struct fb *f)
{
	v_v4_q_udp(f);
	fb_set16(f, 42, 8 + 12 + 1);
}

static void
v_udp_len7(struct fb *f)
{
	v_v4_q_udp(f);
	fb_set16(f, 42, 7);
}

static void
v_udp_len_short(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 17, 0, 0, S4, D4);
	udp(f, 123, 123, 10);
	ip4_end(f, ip);
	fb_set16(f, 38, 8 + 4);
}

static void
v_icmp_echo(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 1, 0, 0, S4, D4);
	icmp(f, 8, 0, 0x12340001);
	fb_fill(f, 0x61, 16);
	ip4_end(f, ip);
}

static void
v_icmp_echo_reply(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 1, 0, 0, D4, S4);
	icmp(f, 0, 0, 0x12340001);
	fb_fill(f, 0x61, 16);
	ip4_end(f, ip);
}

/* ICMP error from R4 to S4 quoting S4 -> D4 proto qproto; qlen bytes of
 * the quoted packet after its IP header (from 8 bytes of TCP). */
static void
icmp4_err(struct fb *f, uint8_t type, uint8_t code, uint8_t qproto,
	  uint16_t qfrag, size_t qlen)
{
	size_t ip, q, i;
	static const uint8_t l4[8] = {0x9c, 0x40, 0x01, 0xbb, 1, 2, 3, 4};

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 1, 0, 0, R4, S4);
	icmp(f, type, code, 0);
	q = ip4(f, qproto, 0, qfrag, S4, D4);
	fb_set16(f, q + 2, 60);
	ip4_csum(f, q);
	for (i = 0; i < qlen; i++)
		fb_u8(f, l4[i]);
	ip4_end(f, ip);
}

static void
v_icmp_unreach(struct fb *f)
{
	icmp4_err(f, 3, 3, 6, 0, 8);
}

static void
v_icmp_ttl_noports(struct fb *f)
{
	icmp4_err(f, 11, 0, 17, 0, 0);
}

static void
v_icmp_ports_partial(struct fb *f)
{
	/* 3 bytes of the quoted UDP header: ports missing */
	icmp4_err(f, 12, 0, 17, 0, 3);
}

static void
v_icmp_quote_frag(struct fb *f)
{
	icmp4_err(f, 3, 4, 17, 0x0010, 8);
}

static void
v_icmp_quote_trunc(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 1, 0, 0, R4, S4);
	icmp(f, 3, 1, 0);
	fb_u8(f, 0x45);
	fb_fill(f, 0, 11);
	ip4_end(f, ip);
}

static void
v_icmp_quote_echo(struct fb *f)
{
	size_t ip, q;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 1, 0, 0, R4, S4);
	icmp(f, 11, 0, 0);
	q = ip4(f, 1, 0, 0, S4, D4);
	fb_set16(f, q + 2, 84);
	ip4_csum(f, q);
	icmp(f, 8, 0, 0x42420007);
	ip4_end(f, ip);
}

static void
v_icmp_short(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 1, 0, 0, S4, D4);
	fb_u32(f, 0x08000000);
	ip4_end(f, ip);
}

static void
v_icmp6_echo(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, S6, D6);
	icmp(f, 128, 0, 0x01020003);
	fb_fill(f, 0x62, 8);
	ip6_end(f, ip);
}

static void
v_icmp6_ns(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, S6, D6);
	icmp(f, 135, 0, 0);
	fb_mem(f, D6, 16);
	fb_u8(f, 1);
	fb_u8(f, 1);
	fb_mem(f, MAC_A, 6);
	ip6_end(f, ip);
}

static void
v_icmp6_rs(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, S6, D6);
	icmp(f, 133, 0, 0);
	ip6_end(f, ip);
}

static void
v_icmp6_mld(struct fb *f)
{
	size_t ip;

	/* 132 (MLD done) is not ND */
	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, S6, D6);
	icmp(f, 132, 0, 0);
	fb_fill(f, 0, 16);
	ip6_end(f, ip);
}

static void
v_icmp6_redirect(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, R6, S6);
	icmp(f, 137, 0, 0);
	fb_mem(f, R6, 16);
	fb_mem(f, D6, 16);
	ip6_end(f, ip);
}

static void
v_icmp6_138(struct fb *f)
{
	size_t ip;

	/* 138 (router renumbering) is past the ND range */
	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, R6, S6);
	icmp(f, 138, 0, 0);
	ip6_end(f, ip);
}

static void
v_icmp6_quote_echo_reply(struct fb *f)
{
	size_t ip, q;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, R6, S6);
	icmp(f, 3, 0, 0);
	q = ip6(f, 58, S6, D6);
	icmp(f, 129, 0, 0x77770001);
	fb_set16(f, q + 4, 64);
	ip6_end(f, ip);
}

static void
v_icmp6_unreach(struct fb *f)
{
	size_t ip, q;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, R6, S6);
	icmp(f, 1, 4, 0);
	q = ip6(f, 17, S6, D6);
	udp(f, 5000, 53, 0);
	fb_set16(f, q + 4, 30);
	ip6_end(f, ip);
}

static void
v_icmp6_quote_ext(struct fb *f)
{
	size_t ip, q;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, R6, S6);
	icmp(f, 3, 0, 0);
	q = ip6(f, 60, S6, D6);
	ext(f, 6, 8);
	fb_u16(f, 40000);
	fb_u16(f, 443);
	fb_u32(f, 77);
	fb_set16(f, q + 4, 100);
	ip6_end(f, ip);
}

static void
v_icmp6_ptb_trunc(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, R6, S6);
	icmp(f, 2, 0, 1280);
	fb_u32(f, 0x60000000);
	fb_fill(f, 0, 26);
	ip6_end(f, ip);
}

static void
v_icmp6_quote_ext_trunc(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 58, R6, S6);
	icmp(f, 1, 0, 0);
	ip6(f, 60, S6, D6);
	fb_u8(f, 6);
	fb_fill(f, 0, 3);
	ip6_end(f, ip);
}

static void
v_v6_proto_icmp4(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x86dd);
	ip = ip6(f, 1, S6, D6);
	icmp(f, 8, 0, 0x12340001);
	ip6_end(f, ip);
}

static void
v_v4_gre(struct fb *f)
{
	size_t ip;

	eth(f, 0, NULL, 0x0800);
	ip = ip4(f, 47, 0, 0, S4, D4);
	fb_u32(f, 0x00000800);
	ip4_end(f, ip);
}

/* ARP request body (28 bytes) */
static void
arp_body(struct fb *f)
{
	fb_u16(f, 1);
	fb_u16(f, 0x0800);
	fb_u8(f, 6);
	fb_u8(f, 4);
	fb_u16(f, 1);
	fb_mem(f, MAC_A, 6);
	fb_mem(f, S4, 4);
	fb_fill(f, 0, 6);
	fb_mem(f, D4, 4);
}

static void
v_arp(struct fb *f)
{
	eth(f, 0, NULL, 0x0806);
	arp_body(f);
	fb_fill(f, 0, 18);
}

static void
v_arp_q(struct fb *f)
{
	eth(f, 1, TAG_Q100, 0x0806);
	arp_body(f);
}

static void
v_lldp(struct fb *f)
{
	eth(f, 0, NULL, 0x88cc);
	fb_fill(f, 0x02, 20);
}

#define NEVER SIZE_MAX

struct pkt_vec {
	const char *name;
	void (*build)(struct fb *f);
	bool stripped;
	uint16_t tci;
	size_t need2; /* a shorter cut is MALFORMED at L2 */
	size_t need3; /* a shorter cut is MALFORMED at L3, a longer one parses
		       * exactly as the whole frame */
	struct gw_pkt_meta want;
};

#define IP4(l3off, hlen, len3, l4off)                                          \
	.kind = GW_PKT_IP, .ethertype = 0x0800, .l2_len = l3off, .af = 4,     \
	.ttl = 64, .l3_off = l3off, .l3_hlen = hlen, .l3_len = len3,           \
	.l4_off = l4off
#define IP6(l3off, hlen, len3, l4off)                                          \
	.kind = GW_PKT_IP, .ethertype = 0x86dd, .l2_len = l3off, .af = 6,     \
	.ttl = 64, .l3_off = l3off, .l3_hlen = hlen, .l3_len = len3,           \
	.l4_off = l4off
#define MAL(layer) .status = GW_PKT_MALFORMED, .err_layer = layer

static const struct pkt_vec vectors[] = {
	{"v4 untagged tcp syn", v_v4_tcp, false, 0, 14, 54,
	 {IP4(14, 20, 40, 34), .proto = 6, .src = A_S4, .dst = A_D4,
	  .sport = 40000, .dport = 443, .tcp_flags = GW_TCP_SYN, .seq = 1000,
	  .win = WIN, .payload_off = 54}},
	{"v4 802.1q udp", v_v4_q_udp, false, 0, 18, 58,
	 {IP4(18, 20, 40, 38), .n_tags = 1, .vlan_outer = 100,
	  .vlan_inner = 100, .proto = 17, .src = A_S4, .dst = A_D4,
	  .sport = 5353, .dport = 53, .payload_off = 46, .payload_len = 12}},
	{"v4 qinq 88a8+8100 tcp", v_v4_qinq_tcp, false, 0, 22, 67,
	 {IP4(22, 20, 45, 42), .n_tags = 2, .vlan_outer = 200,
	  .vlan_inner = 100, .proto = 6, .src = A_S4, .dst = A_D4,
	  .sport = 50000, .dport = 80,
	  .tcp_flags = GW_TCP_ACK | GW_TCP_PSH, .seq = 0x01020304,
	  .ack = 0x0a0b0c0d, .win = WIN, .payload_off = 62,
	  .payload_len = 5}},
	{"stripped tci + in-band 8100", v_v4_q_tcp, true, 0x312c, 18, 58,
	 {IP4(18, 20, 40, 38), .n_tags = 2, .vlan_outer = 300,
	  .vlan_inner = 100, .proto = 6, .src = A_S4, .dst = A_D4,
	  .sport = 40001, .dport = 443, .tcp_flags = GW_TCP_ACK, .seq = 1,
	  .ack = 2, .win = WIN, .payload_off = 58}},
	{"stripped tci only", v_v4_tcp, true, 0xe12c, 14, 54,
	 {IP4(14, 20, 40, 34), .n_tags = 1, .vlan_outer = 300,
	  .vlan_inner = 300, .proto = 6, .src = A_S4, .dst = A_D4,
	  .sport = 40000, .dport = 443, .tcp_flags = GW_TCP_SYN, .seq = 1000,
	  .win = WIN, .payload_off = 54}},
	{"stripped priority tag (vid 0)", v_v4_q_udp, true, 0x6000, 18, 58,
	 {IP4(18, 20, 40, 38), .n_tags = 2, .vlan_outer = GW_VLAN_NONE,
	  .vlan_inner = 100, .proto = 17, .src = A_S4, .dst = A_D4,
	  .sport = 5353, .dport = 53, .payload_off = 46, .payload_len = 12}},
	{"in-band priority tag (vid 0)", v_v4_prio_tag, false, 0, 18, 46,
	 {IP4(18, 20, 28, 38), .n_tags = 1, .vlan_outer = GW_VLAN_NONE,
	  .vlan_inner = GW_VLAN_NONE, .proto = 17, .src = A_S4, .dst = A_D4,
	  .sport = 1000, .dport = 2000, .payload_off = 46}},
	{"9100 + 8100", v_v4_9100, false, 0, 22, 51,
	 {IP4(22, 20, 29, 42), .n_tags = 2, .vlan_outer = 10,
	  .vlan_inner = 20, .proto = 17, .src = A_S4, .dst = A_D4,
	  .sport = 1000, .dport = 2000, .payload_off = 50,
	  .payload_len = 1}},
	{"three tags", v_three_tags, false, 0, NEVER, NEVER,
	 {MAL(2), .kind = GW_PKT_OTHER, .n_tags = 2, .vlan_outer = 200,
	  .vlan_inner = 100}},
	{"stripped + two in-band tags", v_two_inband, true, 0x0005, NEVER,
	 NEVER,
	 {MAL(2), .kind = GW_PKT_OTHER, .n_tags = 2, .vlan_outer = 5,
	  .vlan_inner = 6}},
	{"v4 options", v_v4_opts, false, 0, 14, 69,
	 {IP4(14, 32, 55, 46), .proto = 6, .src = A_S4, .dst = A_D4,
	  .sport = 1234, .dport = 22, .tcp_flags = GW_TCP_ACK, .seq = 5,
	  .ack = 6, .win = WIN, .payload_off = 66, .payload_len = 3}},
	{"v4 ihl 4", v_v4_bad_ihl, false, 0, 14, NEVER,
	 {MAL(3), .kind = GW_PKT_IP, .ethertype = 0x0800, .l2_len = 14}},
	{"v4 ihl beyond total length", v_v4_ihl_beyond, false, 0, 14, NEVER,
	 {MAL(3), .kind = GW_PKT_IP, .ethertype = 0x0800, .l2_len = 14}},
	{"v4 version 6", v_v4_bad_version, false, 0, 14, NEVER,
	 {MAL(3), .kind = GW_PKT_IP, .ethertype = 0x0800, .l2_len = 14}},
	{"v4 total length > frame", v_v4_totlen_long, false, 0, 14, NEVER,
	 {MAL(3), .kind = GW_PKT_IP, .ethertype = 0x0800, .l2_len = 14}},
	{"v4 total length < ihl", v_v4_totlen_short, false, 0, 14, NEVER,
	 {MAL(3), .kind = GW_PKT_IP, .ethertype = 0x0800, .l2_len = 14}},
	{"v4 ethernet padding", v_v4_padding, false, 0, 14, 46,
	 {IP4(14, 20, 32, 34), .proto = 17, .src = A_S4, .dst = A_D4,
	  .sport = 4000, .dport = 4001, .payload_off = 42,
	  .payload_len = 4}},
	{"v4 fragment MF", v_v4_frag_mf, false, 0, 14, 52,
	 {IP4(14, 20, 38, 0), .status = GW_PKT_FRAGMENT, .proto = 17,
	  .src = A_S4, .dst = A_D4}},
	{"v4 fragment offset", v_v4_frag_off, false, 0, 14, 50,
	 {IP4(14, 20, 36, 0), .status = GW_PKT_FRAGMENT, .proto = 6,
	  .src = A_S4, .dst = A_D4}},
	{"v4 DF is not a fragment", v_v4_df, false, 0, 14, 44,
	 {IP4(14, 20, 30, 34), .proto = 17, .src = A_S4, .dst = A_D4,
	  .sport = 4000, .dport = 4001, .payload_off = 42,
	  .payload_len = 2}},
	{"v6 tcp", v_v6_tcp, false, 0, 14, 74,
	 {IP6(14, 40, 60, 54), .proto = 6, .src = A_S6, .dst = A_D6,
	  .sport = 40000, .dport = 443, .tcp_flags = GW_TCP_SYN, .seq = 7,
	  .win = WIN, .payload_off = 74}},
	{"v6 802.1q tcp options", v_v6_q_tcp, false, 0, 18, 88,
	 {IP6(18, 40, 70, 58), .n_tags = 1, .vlan_outer = 100,
	  .vlan_inner = 100, .proto = 6, .src = A_S6, .dst = A_D6,
	  .sport = 40002, .dport = 8443, .tcp_flags = GW_TCP_ACK,
	  .seq = 0xfffffff0, .ack = 99, .win = WIN, .payload_off = 86,
	  .payload_len = 2}},
	{"v6 hbh+dstopts+routing", v_v6_ext3, false, 0, 14, 126,
	 {IP6(14, 88, 112, 102), .proto = 6, .src = A_S6, .dst = A_D6,
	  .sport = 40000, .dport = 443, .tcp_flags = GW_TCP_ACK, .seq = 9,
	  .ack = 10, .win = WIN, .payload_off = 122, .payload_len = 4}},
	{"v6 first fragment", v_v6_frag_first, false, 0, 14, 78,
	 {IP6(14, 48, 64, 0), .status = GW_PKT_FRAGMENT, .proto = 17,
	  .src = A_S6, .dst = A_D6}},
	{"v6 last fragment", v_v6_frag_last, false, 0, 14, 78,
	 {IP6(14, 48, 64, 0), .status = GW_PKT_FRAGMENT, .proto = 17,
	  .src = A_S6, .dst = A_D6}},
	{"v6 atomic fragment", v_v6_frag_atomic, false, 0, 14, 78,
	 {IP6(14, 48, 64, 62), .proto = 17, .src = A_S6, .dst = A_D6,
	  .sport = 5000, .dport = 53, .payload_off = 70, .payload_len = 8}},
	{"v6 8 extension headers", v_v6_ext8, false, 0, 14, 126,
	 {IP6(14, 104, 112, 118), .proto = 17, .src = A_S6, .dst = A_D6,
	  .sport = 5000, .dport = 53, .payload_off = 126}},
	{"v6 9 extension headers", v_v6_ext9, false, 0, 14, NEVER,
	 {MAL(3), .kind = GW_PKT_IP, .ethertype = 0x86dd, .l2_len = 14}},
	{"v6 ah", v_v6_ah, false, 0, 14, 98,
	 {IP6(14, 64, 84, 78), .proto = 6, .src = A_S6, .dst = A_D6,
	  .sport = 179, .dport = 40000, .tcp_flags = GW_TCP_ACK, .seq = 1,
	  .ack = 1, .win = WIN, .payload_off = 98}},
	{"v6 no next header", v_v6_nonext, false, 0, 14, 58,
	 {IP6(14, 40, 44, 54), .proto = 59, .src = A_S6, .dst = A_D6}},
	{"v6 hop-by-hop not first", v_v6_hbh_late, false, 0, 14, NEVER,
	 {MAL(3), .kind = GW_PKT_IP, .ethertype = 0x86dd, .l2_len = 14}},
	{"v6 payload length > frame", v_v6_plen_long, false, 0, 14, NEVER,
	 {MAL(3), .kind = GW_PKT_IP, .ethertype = 0x86dd, .l2_len = 14}},
	{"v6 ext header beyond payload", v_v6_ext_overrun, false, 0, 14,
	 NEVER, {MAL(3), .kind = GW_PKT_IP, .ethertype = 0x86dd,
		 .l2_len = 14}},
	{"v6 ethertype, v4 header", v_v6_bad_version, false, 0, 14, NEVER,
	 {MAL(3), .kind = GW_PKT_IP, .ethertype = 0x86dd, .l2_len = 14}},
	{"tcp options + payload", v_tcp_opts, false, 0, 14, 76,
	 {IP4(14, 20, 62, 34), .proto = 6, .src = A_S4, .dst = A_D4,
	  .sport = 40000, .dport = 443,
	  .tcp_flags = GW_TCP_SYN | GW_TCP_ACK, .seq = 100, .ack = 200,
	  .win = WIN, .payload_off = 66, .payload_len = 10}},
	{"tcp doff 4", v_tcp_doff4, false, 0, 14, 54,
	 {IP4(14, 20, 40, 34), MAL(4), .proto = 6, .src = A_S4,
	  .dst = A_D4}},
	{"tcp doff beyond packet", v_tcp_doff_beyond, false, 0, 14, 58,
	 {IP4(14, 20, 44, 34), MAL(4), .proto = 6, .src = A_S4,
	  .dst = A_D4}},
	{"tcp header cut by ip length", v_tcp_short, false, 0, 14, 44,
	 {IP4(14, 20, 30, 34), MAL(4), .proto = 6, .src = A_S4,
	  .dst = A_D4}},
	{"udp length > ip payload", v_udp_len_long, false, 0, 18, 58,
	 {IP4(18, 20, 40, 38), MAL(4), .n_tags = 1, .vlan_outer = 100,
	  .vlan_inner = 100, .proto = 17, .src = A_S4, .dst = A_D4}},
	{"udp length 7", v_udp_len7, false, 0, 18, 58,
	 {IP4(18, 20, 40, 38), MAL(4), .n_tags = 1, .vlan_outer = 100,
	  .vlan_inner = 100, .proto = 17, .src = A_S4, .dst = A_D4}},
	{"udp length < ip payload", v_udp_len_short, false, 0, 14, 52,
	 {IP4(14, 20, 38, 34), .proto = 17, .src = A_S4, .dst = A_D4,
	  .sport = 123, .dport = 123, .payload_off = 42, .payload_len = 4}},
	{"icmp echo request", v_icmp_echo, false, 0, 14, 58,
	 {IP4(14, 20, 44, 34), .proto = 1, .src = A_S4, .dst = A_D4,
	  .sport = 0x1234, .dport = 0x1234, .icmp_type = 8,
	  .payload_off = 42, .payload_len = 16}},
	{"icmp echo reply", v_icmp_echo_reply, false, 0, 14, 58,
	 {IP4(14, 20, 44, 34), .proto = 1, .src = A_D4, .dst = A_S4,
	  .sport = 0x1234, .dport = 0x1234, .icmp_type = 0,
	  .payload_off = 42, .payload_len = 16}},
	{"icmp dest unreach, tcp quote", v_icmp_unreach, false, 0, 14, 70,
	 {IP4(14, 20, 56, 34), .proto = 1, .src = A_R4, .dst = A_S4,
	  .icmp_type = 3, .icmp_code = 3, .is_icmp_error = 1,
	  .payload_off = 42, .payload_len = 28, .inner_proto = 6,
	  .inner_sport = 40000, .inner_dport = 443, .inner_src = A_S4,
	  .inner_dst = A_D4}},
	{"icmp time exceeded, no ports", v_icmp_ttl_noports, false, 0, 14,
	 62,
	 {IP4(14, 20, 48, 34), .proto = 1, .src = A_R4, .dst = A_S4,
	  .icmp_type = 11, .is_icmp_error = 1, .payload_off = 42,
	  .payload_len = 20, .inner_proto = 17, .inner_src = A_S4,
	  .inner_dst = A_D4}},
	{"icmp param problem, 3 quoted l4 bytes", v_icmp_ports_partial,
	 false, 0, 14, 65,
	 {IP4(14, 20, 51, 34), .proto = 1, .src = A_R4, .dst = A_S4,
	  .icmp_type = 12, .is_icmp_error = 1, .payload_off = 42,
	  .payload_len = 23, .inner_proto = 17, .inner_src = A_S4,
	  .inner_dst = A_D4}},
	{"icmp quote of a non-first fragment", v_icmp_quote_frag, false, 0,
	 14, 70,
	 {IP4(14, 20, 56, 34), .proto = 1, .src = A_R4, .dst = A_S4,
	  .icmp_type = 3, .icmp_code = 4, .is_icmp_error = 1,
	  .payload_off = 42, .payload_len = 28, .inner_proto = 17,
	  .inner_src = A_S4, .inner_dst = A_D4}},
	{"icmp truncated quote", v_icmp_quote_trunc, false, 0, 14, 54,
	 {IP4(14, 20, 40, 34), MAL(4), .proto = 1, .src = A_R4,
	  .dst = A_S4}},
	{"icmp quote of an echo request", v_icmp_quote_echo, false, 0, 14,
	 70,
	 {IP4(14, 20, 56, 34), .proto = 1, .src = A_R4, .dst = A_S4,
	  .icmp_type = 11, .is_icmp_error = 1, .payload_off = 42,
	  .payload_len = 28, .inner_proto = 1, .inner_sport = 0x4242,
	  .inner_dport = 0x4242, .inner_src = A_S4, .inner_dst = A_D4}},
	{"icmp shorter than 8 bytes", v_icmp_short, false, 0, 14, 38,
	 {IP4(14, 20, 24, 34), MAL(4), .proto = 1, .src = A_S4,
	  .dst = A_D4}},
	{"icmpv6 echo request", v_icmp6_echo, false, 0, 14, 70,
	 {IP6(14, 40, 56, 54), .proto = 58, .src = A_S6, .dst = A_D6,
	  .sport = 0x0102, .dport = 0x0102, .icmp_type = 128,
	  .payload_off = 62, .payload_len = 8}},
	{"icmpv6 neighbour solicitation", v_icmp6_ns, false, 0, 14, 86,
	 {IP6(14, 40, 72, 54), .proto = 58, .is_nd = 1, .src = A_S6,
	  .dst = A_D6, .icmp_type = 135, .payload_off = 62,
	  .payload_len = 24}},
	{"icmpv6 router solicitation", v_icmp6_rs, false, 0, 14, 62,
	 {IP6(14, 40, 48, 54), .proto = 58, .is_nd = 1, .src = A_S6,
	  .dst = A_D6, .icmp_type = 133, .payload_off = 62}},
	{"icmpv6 mld done is not nd", v_icmp6_mld, false, 0, 14, 78,
	 {IP6(14, 40, 64, 54), .proto = 58, .src = A_S6, .dst = A_D6,
	  .icmp_type = 132, .payload_off = 62, .payload_len = 16}},
	{"icmpv6 redirect", v_icmp6_redirect, false, 0, 14, 94,
	 {IP6(14, 40, 80, 54), .proto = 58, .is_nd = 1, .src = A_R6,
	  .dst = A_S6, .icmp_type = 137, .payload_off = 62,
	  .payload_len = 32}},
	{"icmpv6 138 is not nd", v_icmp6_138, false, 0, 14, 62,
	 {IP6(14, 40, 48, 54), .proto = 58, .src = A_R6, .dst = A_S6,
	  .icmp_type = 138, .payload_off = 62}},
	{"icmpv6 quote of an echo reply", v_icmp6_quote_echo_reply, false, 0,
	 14, 110,
	 {IP6(14, 40, 96, 54), .proto = 58, .src = A_R6, .dst = A_S6,
	  .icmp_type = 3, .is_icmp_error = 1, .payload_off = 62,
	  .payload_len = 48, .inner_proto = 58, .inner_sport = 0x7777,
	  .inner_dport = 0x7777, .inner_src = A_S6, .inner_dst = A_D6}},
	{"icmpv6 dest unreach, udp quote", v_icmp6_unreach, false, 0, 14,
	 110,
	 {IP6(14, 40, 96, 54), .proto = 58, .src = A_R6, .dst = A_S6,
	  .icmp_type = 1, .icmp_code = 4, .is_icmp_error = 1,
	  .payload_off = 62, .payload_len = 48, .inner_proto = 17,
	  .inner_sport = 5000, .inner_dport = 53, .inner_src = A_S6,
	  .inner_dst = A_D6}},
	{"icmpv6 quote with ext header", v_icmp6_quote_ext, false, 0, 14,
	 118,
	 {IP6(14, 40, 104, 54), .proto = 58, .src = A_R6, .dst = A_S6,
	  .icmp_type = 3, .is_icmp_error = 1, .payload_off = 62,
	  .payload_len = 56, .inner_proto = 6, .inner_sport = 40000,
	  .inner_dport = 443, .inner_src = A_S6, .inner_dst = A_D6}},
	{"icmpv6 too big, truncated quote", v_icmp6_ptb_trunc, false, 0, 14,
	 92,
	 {IP6(14, 40, 78, 54), MAL(4), .proto = 58, .src = A_R6,
	  .dst = A_S6}},
	{"icmpv6 quote ext header cut", v_icmp6_quote_ext_trunc, false, 0,
	 14, 106,
	 {IP6(14, 40, 92, 54), MAL(4), .proto = 58, .src = A_R6,
	  .dst = A_S6}},
	{"icmp (1) over ipv6 is not parsed", v_v6_proto_icmp4, false, 0, 14,
	 62, {IP6(14, 40, 48, 54), .proto = 1, .src = A_S6, .dst = A_D6}},
	{"gre over ipv4", v_v4_gre, false, 0, 14, 38,
	 {IP4(14, 20, 24, 34), .proto = 47, .src = A_S4, .dst = A_D4}},
	{"arp", v_arp, false, 0, 14, 42,
	 {.kind = GW_PKT_ARP, .ethertype = 0x0806, .l2_len = 14}},
	{"arp 802.1q", v_arp_q, false, 0, 18, 46,
	 {.kind = GW_PKT_ARP, .n_tags = 1, .vlan_outer = 100,
	  .vlan_inner = 100, .ethertype = 0x0806, .l2_len = 18}},
	{"other ethertype (lldp)", v_lldp, false, 0, 14, 14,
	 {.kind = GW_PKT_OTHER, .ethertype = 0x88cc, .l2_len = 14}},
};

static void
assert_addr_eq(const struct gw_addr *got, const struct gw_addr *want,
	       const char *what, const char *ctx)
{
	char g[GW_ADDR_STRLEN], w[GW_ADDR_STRLEN];

	ck_assert_msg(gw_addr_cmp(got, want) == 0, "%s: %s %s != %s", ctx,
		      what, gw_addr_to_str(got, g, sizeof(g)),
		      gw_addr_to_str(want, w, sizeof(w)));
}

#define FIELD_EQ(f)                                                            \
	ck_assert_msg(got->f == want->f, "%s: " #f " %lu != %lu", ctx,         \
		      (unsigned long)got->f, (unsigned long)want->f)

static void
assert_meta_eq(const struct gw_pkt_meta *got, const struct gw_pkt_meta *want,
	       const char *ctx)
{
	FIELD_EQ(status);
	FIELD_EQ(err_layer);
	FIELD_EQ(kind);
	FIELD_EQ(n_tags);
	FIELD_EQ(vlan_outer);
	FIELD_EQ(vlan_inner);
	FIELD_EQ(ethertype);
	FIELD_EQ(l2_len);
	FIELD_EQ(af);
	FIELD_EQ(proto);
	FIELD_EQ(ttl);
	FIELD_EQ(is_nd);
	FIELD_EQ(l3_off);
	FIELD_EQ(l3_hlen);
	FIELD_EQ(l3_len);
	FIELD_EQ(l4_off);
	assert_addr_eq(&got->src, &want->src, "src", ctx);
	assert_addr_eq(&got->dst, &want->dst, "dst", ctx);
	FIELD_EQ(sport);
	FIELD_EQ(dport);
	FIELD_EQ(tcp_flags);
	FIELD_EQ(icmp_type);
	FIELD_EQ(icmp_code);
	FIELD_EQ(is_icmp_error);
	FIELD_EQ(seq);
	FIELD_EQ(ack);
	FIELD_EQ(win);
	FIELD_EQ(payload_off);
	FIELD_EQ(payload_len);
	FIELD_EQ(inner_proto);
	FIELD_EQ(inner_sport);
	FIELD_EQ(inner_dport);
	assert_addr_eq(&got->inner_src, &want->inner_src, "inner_src", ctx);
	assert_addr_eq(&got->inner_dst, &want->inner_dst, "inner_dst", ctx);
}

/*
 * Parses buf[0..len) placed right before a guard page, into a meta that
 * starts dirty so that "fully initialised" is checked too, with both
 * entries: gw_pkt_parse_fast must return the same status and write the
 * same bytes (padding included) as gw_pkt_parse.
 */
static int
parse_guarded(const uint8_t *buf, size_t len, bool stripped, uint16_t tci,
	      struct gw_pkt_meta *m)
{
	struct gw_pkt_meta fm;
	struct gw_guard g;
	const uint8_t *p = gw_guard_place(&g, buf, len);
	int rc, frc;

	memset(m, 0xa5, sizeof(*m));
	memset(&fm, 0x5a, sizeof(fm));
	rc = gw_pkt_parse(p, len, stripped, tci, m);
	frc = gw_pkt_parse_fast(p, len, stripped, tci, &fm);
	gw_guard_release(&g);
	ck_assert_int_eq(rc, m->status);
	ck_assert_int_eq(frc, rc);
	ck_assert_msg(memcmp(&fm, m, sizeof(fm)) == 0,
		      "gw_pkt_parse_fast's meta differs (len %zu)", len);
	return rc;
}

START_TEST(test_vector_whole)
{
	const struct pkt_vec *v = &vectors[_i];
	struct gw_pkt_meta m;
	struct fb f = {.len = 0};

	v->build(&f);
	parse_guarded(f.b, f.len, v->stripped, v->tci, &m);
	assert_meta_eq(&m, &v->want, v->name);
	/* the length bounds of the table agree with the frame */
	if (v->need3 != NEVER)
		ck_assert_msg(v->need3 <= f.len, "%s: need3 %zu > len %zu",
			      v->name, v->need3, f.len);
	if (v->want.status == GW_PKT_OK && v->want.kind == GW_PKT_IP)
		ck_assert_uint_eq(v->need3,
				  (size_t)v->want.l3_off + v->want.l3_len);
}
END_TEST

START_TEST(test_vector_truncated)
{
	const struct pkt_vec *v = &vectors[_i];
	struct fb f = {.len = 0};
	size_t cut;

	v->build(&f);
	for (cut = 0; cut < f.len; cut++) {
		struct gw_pkt_meta m, want;
		char ctx[128];

		snprintf(ctx, sizeof(ctx), "%s cut at %zu", v->name, cut);
		parse_guarded(f.b, cut, v->stripped, v->tci, &m);
		memset(&want, 0, sizeof(want));
		if (cut < v->need2) {
			/* the tags read before the cut are reported */
			want.kind = GW_PKT_OTHER;
			want.status = GW_PKT_MALFORMED;
			want.err_layer = 2;
			ck_assert_msg(m.n_tags <= 2, "%s: n_tags", ctx);
			ck_assert_msg(m.n_tags >= (v->stripped ? 1 : 0),
				      "%s: n_tags", ctx);
			want.n_tags = m.n_tags;
			if (m.n_tags >= 1)
				want.vlan_outer = v->want.vlan_outer;
			want.vlan_inner = m.n_tags == 2 ? v->want.vlan_inner :
							  want.vlan_outer;
		} else if (cut < v->need3) {
			want.kind = v->want.kind;
			want.status = GW_PKT_MALFORMED;
			want.err_layer = 3;
			want.n_tags = v->want.n_tags;
			want.vlan_outer = v->want.vlan_outer;
			want.vlan_inner = v->want.vlan_inner;
			want.ethertype = v->want.ethertype;
			want.l2_len = v->want.l2_len;
		} else {
			want = v->want;
		}
		assert_meta_eq(&m, &want, ctx);
	}
}
END_TEST

/*
 * gw_pkt_parse_fast against gw_pkt_parse on frames around the fast shape:
 * IPv4 TCP/UDP with 0-3 tags of every TPID (and others), then header
 * fields pushed to and past their bounds (version/IHL, total length, the
 * fragment bits, protocol, data offset, UDP length), random bytes, every
 * length from the start to past the IP total length, and a stripped tag.
 * parse_guarded compares status and meta bytes.
 */
static uint64_t fast_rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
fast_rand(void)
{
	fast_rng ^= fast_rng << 13;
	fast_rng ^= fast_rng >> 7;
	fast_rng ^= fast_rng << 17;
	return (uint32_t)(fast_rng >> 16);
}

START_TEST(test_fast_equals_full)
{
	static const uint16_t tpids[] = {0x8100, 0x88a8, 0x9100, 0x8847, 0x0800};
	static const uint16_t vals16[] = {0, 1, 7, 8, 19, 20, 27, 28, 39, 40,
					  41, 60, 0xffff};
	unsigned int iter, fast_hits = 0;

	for (iter = 0; iter < 30000; iter++) {
		struct fb f = {.len = 0};
		struct gw_pkt_meta m;
		unsigned int tags = fast_rand() % 4, t, k;
		bool udp = fast_rand() % 3 == 0;
		size_t ip, l4, plen = fast_rand() % 40, tot, cut;
		uint32_t r;

		fb_fill(&f, 0x02, 12);
		for (t = 0; t < tags; t++) {
			fb_u16(&f, fast_rand() % 8 == 0 ?
					   tpids[fast_rand() % GW_ARRAY_SIZE(tpids)] :
					   tpids[fast_rand() % 3]);
			fb_u16(&f, (uint16_t)fast_rand());
		}
		fb_u16(&f, fast_rand() % 16 == 0 ? 0x86dd : 0x0800);
		ip = f.len;
		tot = 20 + (udp ? 8 : 20) + plen;
		fb_u8(&f, 0x45);
		fb_u8(&f, 0);
		fb_u16(&f, (uint16_t)tot);
		fb_u32(&f, fast_rand() % 4 == 0 ? fast_rand() : 0x4000);
		fb_u8(&f, 64);
		fb_u8(&f, udp ? 17 : 6);
		fb_u16(&f, 0);
		fb_u32(&f, fast_rand());
		fb_u32(&f, fast_rand());
		l4 = f.len;
		fb_u32(&f, fast_rand());
		if (udp) {
			fb_u16(&f, (uint16_t)(8 + plen));
			fb_u16(&f, 0);
		} else {
			fb_u32(&f, fast_rand());
			fb_u32(&f, fast_rand());
			fb_u8(&f, 0x50);
			fb_u8(&f, (uint8_t)fast_rand());
			fb_u32(&f, fast_rand());
			fb_u16(&f, 0);
		}
		for (k = 0; k < plen; k++)
			fb_u8(&f, (uint8_t)fast_rand());
		fb_fill(&f, 0, fast_rand() % 8); /* Ethernet padding */
		/* Perturb one or two header fields. */
		for (k = fast_rand() % 3; k > 0; k--) {
			r = fast_rand();
			switch (r % 8) {
			case 0: f.b[ip] = (uint8_t)(0x40 | (r >> 8) % 16); break;
			case 1:
				fb_set16(&f, ip + 2,
					 vals16[(r >> 8) % GW_ARRAY_SIZE(vals16)]);
				break;
			case 2:
				f.b[ip + 6] = (uint8_t)(r >> 8);
				f.b[ip + 7] = (uint8_t)(r >> 16);
				break;
			case 3: f.b[ip + 9] = (uint8_t)(r >> 8); break;
			case 4:
				if (!udp)
					f.b[l4 + 12] = (uint8_t)((r >> 8) % 16 << 4);
				break;
			case 5:
				if (udp)
					fb_set16(&f, l4 + 4,
						 vals16[(r >> 8) %
							GW_ARRAY_SIZE(vals16)]);
				break;
			case 6: f.b[(r >> 8) % f.len] = (uint8_t)(r >> 16); break;
			default: f.b[ip] = (uint8_t)(r >> 8); break;
			}
		}
		cut = fast_rand() % 4 == 0 ? fast_rand() % (f.len + 1) : f.len;
		if (parse_guarded(f.b, cut, fast_rand() % 16 == 0,
				  (uint16_t)fast_rand(), &m) == GW_PKT_OK &&
		    m.kind == GW_PKT_IP && m.af == GW_AF_INET &&
		    m.l3_hlen == 20 && (m.proto == 6 || m.proto == 17) &&
		    m.n_tags == tags)
			fast_hits++;
	}
	/* About one frame in six keeps the fast shape: the inline path ran. */
	ck_assert_uint_gt(fast_hits, 3000);
}
END_TEST

/* A frame longer than the IPv6 l3_len field can hold is refused, never
 * wrapped. */
START_TEST(test_v6_huge_payload)
{
	static uint8_t big[14 + 40 + 65535];
	struct gw_pkt_meta m;
	struct fb f = {.len = 0};

	eth(&f, 0, NULL, 0x86dd);
	ip6(&f, 59, S6, D6);
	fb_set16(&f, 18, 65535);
	memcpy(big, f.b, f.len);
	ck_assert_int_eq(gw_pkt_parse(big, sizeof(big), false, 0, &m),
			 GW_PKT_MALFORMED);
	ck_assert_uint_eq(m.err_layer, 3);
	/* the largest payload that fits */
	big[18] = 0xff;
	big[19] = 0xff - 40;
	ck_assert_int_eq(gw_pkt_parse(big, sizeof(big), false, 0, &m),
			 GW_PKT_OK);
	ck_assert_uint_eq(m.l3_len, 65535);
	ck_assert_uint_eq(m.proto, 59);
}
END_TEST

/* ---- TCP RST builder ---- */

struct rst_vec {
	const char *name;
	void (*build)(struct fb *f);
	bool stripped;
	uint16_t tci;
	size_t inband; /* in-band tags */
};

static const struct rst_vec rst_vectors[] = {
	{"v4 untagged", v_v4_tcp, false, 0, 0},
	{"v4 qinq", v_v4_qinq_tcp, false, 0, 2},
	{"v4 stripped + 802.1q", v_v4_q_tcp, true, 0x012c, 1},
	{"v4 tcp options", v_tcp_opts, false, 0, 0},
	{"v6 untagged", v_v6_tcp, false, 0, 0},
	{"v6 802.1q", v_v6_q_tcp, false, 0, 1},
	{"v6 extension headers", v_v6_ext3, false, 0, 0},
	{"v6 ah, stripped", v_v6_ah, true, 0x0123, 0},
};

/* TCP checksum check with the pseudo-header laid out in a buffer. */
static uint16_t
ref_tcp_csum(const uint8_t *ip, bool v6, const uint8_t *th, size_t len)
{
	uint8_t buf[40 + 60];
	size_t n;

	if (!v6) {
		memcpy(buf, ip + 12, 8);
		buf[8] = 0;
		buf[9] = 6;
		buf[10] = (uint8_t)(len >> 8);
		buf[11] = (uint8_t)len;
		n = 12;
	} else {
		memcpy(buf, ip + 8, 32);
		memset(buf + 32, 0, 8);
		buf[34] = (uint8_t)(len >> 8);
		buf[35] = (uint8_t)len;
		buf[39] = 6;
		n = 40;
	}
	memcpy(buf + n, th, len);
	return ref_csum(buf, n + len);
}

START_TEST(test_rst)
{
	const struct rst_vec *v = &rst_vectors[_i / 2];
	bool to_sender = (_i % 2) == 0;
	struct gw_pkt_meta om, rm;
	struct fb f = {.len = 0};
	uint8_t out[128], inplace[128];
	const uint32_t seq = 0x80000001, ack = 0xfedcba98;
	const uint8_t flags = GW_TCP_RST | GW_TCP_ACK;
	size_t l2 = 14 + 4 * v->inband;
	bool v6;
	size_t iplen, want_len;
	struct gw_guard g;
	uint8_t *gout;
	const uint8_t *ip, *th;
	int rc;

	v->build(&f);
	ck_assert_int_eq(gw_pkt_parse(f.b, f.len, v->stripped, v->tci, &om),
			 GW_PKT_OK);
	v6 = om.af == GW_AF_INET6;
	iplen = v6 ? 40 : 20;
	want_len = l2 + iplen + 20;

	/* exact-size output before a guard page */
	memset(out, 0, sizeof(out));
	gout = gw_guard_place(&g, out, want_len);
	rc = gw_pkt_build_tcp_rst(f.b, f.len, &om, to_sender, seq, ack, flags,
				  gout, want_len);
	ck_assert_int_eq(rc, (int)want_len);
	memcpy(out, gout, want_len);
	gw_guard_release(&g);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, f.len, &om, to_sender, seq,
					      ack, flags, out + 64,
					      want_len - 1),
			 GW_EINVAL);

	/* L2: MACs, tags copied in order, ethertype */
	if (to_sender) {
		ck_assert_mem_eq(out, f.b + 6, 6);
		ck_assert_mem_eq(out + 6, f.b, 6);
	} else {
		ck_assert_mem_eq(out, f.b, 12);
	}
	ck_assert_mem_eq(out + 12, f.b + 12, l2 - 12);

	/* IP header fields and checksums against the reference */
	ip = out + l2;
	th = ip + iplen;
	if (!v6) {
		ck_assert_uint_eq(ip[0], 0x45);
		ck_assert_uint_eq(ip[1], 0);
		ck_assert_uint_eq(gw_be16(ip + 2), 40);
		ck_assert_uint_eq(gw_be16(ip + 4), 0);
		ck_assert_uint_eq(gw_be16(ip + 6), 0x4000);
		ck_assert_uint_eq(ip[8], 64);
		ck_assert_uint_eq(ip[9], 6);
		ck_assert_uint_eq(ref_csum(ip, 20), 0);
	} else {
		ck_assert_uint_eq(gw_be32(ip), 0x60000000);
		ck_assert_uint_eq(gw_be16(ip + 4), 20);
		ck_assert_uint_eq(ip[6], 6);
		ck_assert_uint_eq(ip[7], 64);
	}
	ck_assert_uint_eq(th[12], 0x50);
	ck_assert_uint_eq(gw_be16(th + 18), 0);
	ck_assert_uint_ne(gw_be16(th + 16), 0xffff);
	ck_assert_uint_eq(ref_tcp_csum(ip, v6, th, 20), 0);

	/* parsed back (with the stripped tag the caller re-inserts) */
	ck_assert_int_eq(gw_pkt_parse(out, (size_t)rc, v->stripped, v->tci,
				      &rm),
			 GW_PKT_OK);
	ck_assert_uint_eq(rm.kind, GW_PKT_IP);
	ck_assert_uint_eq(rm.n_tags, om.n_tags);
	ck_assert_uint_eq(rm.vlan_outer, om.vlan_outer);
	ck_assert_uint_eq(rm.vlan_inner, om.vlan_inner);
	ck_assert_uint_eq(rm.ethertype, om.ethertype);
	ck_assert_uint_eq(rm.l2_len, l2);
	ck_assert_uint_eq(rm.af, om.af);
	ck_assert_uint_eq(rm.proto, GW_PROTO_TCP);
	ck_assert_uint_eq(rm.ttl, 64);
	ck_assert_uint_eq(rm.l3_hlen, iplen);
	ck_assert_uint_eq(rm.l3_len, iplen + 20);
	ck_assert_uint_eq(rm.l4_off, l2 + iplen);
	assert_addr_eq(&rm.src, to_sender ? &om.dst : &om.src, "src", v->name);
	assert_addr_eq(&rm.dst, to_sender ? &om.src : &om.dst, "dst", v->name);
	ck_assert_uint_eq(rm.sport, to_sender ? om.dport : om.sport);
	ck_assert_uint_eq(rm.dport, to_sender ? om.sport : om.dport);
	ck_assert_uint_eq(rm.seq, seq);
	ck_assert_uint_eq(rm.ack, ack);
	ck_assert_uint_eq(rm.tcp_flags, flags);
	ck_assert_uint_eq(rm.win, 0);
	ck_assert_uint_eq(rm.payload_off, (size_t)rc);
	ck_assert_uint_eq(rm.payload_len, 0);

	/* in place over the original gives the same frame */
	memset(inplace, 0, sizeof(inplace));
	memcpy(inplace, f.b, f.len);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(inplace, f.len, &om, to_sender,
					      seq, ack, flags, inplace,
					      sizeof(inplace)),
			 rc);
	ck_assert_mem_eq(inplace, out, (size_t)rc);
}
END_TEST

/* Flags other than RST|ACK go out as given, and the checksum follows. */
START_TEST(test_rst_flags)
{
	struct gw_pkt_meta om, rm;
	struct fb f = {.len = 0};
	uint8_t out[128];
	unsigned int fl;

	v_v4_tcp(&f);
	ck_assert_int_eq(gw_pkt_parse(f.b, f.len, false, 0, &om), GW_PKT_OK);
	for (fl = 0; fl < 256; fl += 17) {
		int rc = gw_pkt_build_tcp_rst(f.b, f.len, &om, true, fl * 3,
					      0, (uint8_t)fl, out,
					      sizeof(out));

		ck_assert_int_eq(rc, 54);
		ck_assert_int_eq(gw_pkt_parse(out, 54, false, 0, &rm),
				 GW_PKT_OK);
		ck_assert_uint_eq(rm.tcp_flags, fl);
		ck_assert_uint_eq(rm.seq, fl * 3);
		ck_assert_uint_eq(ref_tcp_csum(out + 14, false, out + 34, 20),
				  0);
	}
}
END_TEST

START_TEST(test_rst_einval)
{
	struct gw_pkt_meta m, bad;
	struct fb f = {.len = 0}, u = {.len = 0}, fr = {.len = 0};
	uint8_t out[128];

	v_v4_tcp(&f);
	ck_assert_int_eq(gw_pkt_parse(f.b, f.len, false, 0, &m), GW_PKT_OK);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(NULL, f.len, &m, true, 0, 0,
					      GW_TCP_RST, out, sizeof(out)),
			 GW_EINVAL);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, f.len, NULL, true, 0, 0,
					      GW_TCP_RST, out, sizeof(out)),
			 GW_EINVAL);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, f.len, &m, true, 0, 0,
					      GW_TCP_RST, NULL, sizeof(out)),
			 GW_EINVAL);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, f.len, &m, true, 0, 0,
					      GW_TCP_RST, out, 53),
			 GW_EINVAL);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, f.len, &m, true, 0, 0,
					      GW_TCP_RST, out, 54),
			 54);
	/* orig shorter than its Ethernet header */
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, 13, &m, true, 0, 0,
					      GW_TCP_RST, out, sizeof(out)),
			 GW_EINVAL);
	/* meta that does not describe a TCP packet */
	bad = m;
	bad.l3_off = 18;
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, f.len, &bad, true, 0, 0,
					      GW_TCP_RST, out, sizeof(out)),
			 GW_EINVAL);
	bad = m;
	bad.af = 0;
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, f.len, &bad, true, 0, 0,
					      GW_TCP_RST, out, sizeof(out)),
			 GW_EINVAL);
	bad = m;
	bad.l2_len = 30;
	bad.l3_off = 30;
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, f.len, &bad, true, 0, 0,
					      GW_TCP_RST, out, sizeof(out)),
			 GW_EINVAL);

	v_v4_q_udp(&u);
	ck_assert_int_eq(gw_pkt_parse(u.b, u.len, false, 0, &m), GW_PKT_OK);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(u.b, u.len, &m, true, 0, 0,
					      GW_TCP_RST, out, sizeof(out)),
			 GW_EINVAL);
	v_v4_frag_off(&fr);
	ck_assert_int_eq(gw_pkt_parse(fr.b, fr.len, false, 0, &m),
			 GW_PKT_FRAGMENT);
	ck_assert_uint_eq(m.proto, GW_PROTO_TCP);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(fr.b, fr.len, &m, true, 0, 0,
					      GW_TCP_RST, out, sizeof(out)),
			 GW_EINVAL);
	f.len = 0;
	v_tcp_doff4(&f);
	ck_assert_int_eq(gw_pkt_parse(f.b, f.len, false, 0, &m),
			 GW_PKT_MALFORMED);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, f.len, &m, true, 0, 0,
					      GW_TCP_RST, out, sizeof(out)),
			 GW_EINVAL);
	f.len = 0;
	v_arp(&f);
	ck_assert_int_eq(gw_pkt_parse(f.b, f.len, false, 0, &m), GW_PKT_OK);
	ck_assert_int_eq(gw_pkt_build_tcp_rst(f.b, f.len, &m, true, 0, 0,
					      GW_TCP_RST, out, sizeof(out)),
			 GW_EINVAL);
}
END_TEST

static Suite *
pkt_suite(void)
{
	Suite *s = suite_create("pkt");
	TCase *tc = tcase_create("parse");
	TCase *tr = tcase_create("rst");

	tcase_add_loop_test(tc, test_vector_whole, 0, GW_ARRAY_SIZE(vectors));
	tcase_add_loop_test(tc, test_vector_truncated, 0,
			    GW_ARRAY_SIZE(vectors));
	tcase_add_test(tc, test_v6_huge_payload);
	tcase_add_test(tc, test_fast_equals_full);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(tr, test_rst, 0, 2 * GW_ARRAY_SIZE(rst_vectors));
	tcase_add_test(tr, test_rst_flags);
	tcase_add_test(tr, test_rst_einval);
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(pkt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
