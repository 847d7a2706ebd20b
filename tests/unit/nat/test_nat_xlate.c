/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "gw_test.h"
#include "nat/gw_nat.h"
#include "pkt/gw_pkt.h"

/*
 * Every expected packet is built from scratch here, with checksums computed
 * by the RFC 1071 reference below (independent of lib/pkt), and compared
 * byte for byte with what the incremental translation produced.
 */

#define ETH_LEN 14
#define IN_A 0x0a0a0005u   /* 10.10.0.5 */
#define EXT_A 0xc6336401u  /* 198.51.100.1 */
#define REM_A 0x5db8d822u  /* 93.184.216.34 */
#define RTR_A 0xcb007101u  /* 203.0.113.1 */

static uint32_t
ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	while (len > 1) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len > 0)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint16_t
ref_csum(const uint8_t *p, size_t len)
{
	return (uint16_t)~ref_sum(p, len, 0);
}

static void
w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)(v >> 16));
	w16(p + 2, (uint16_t)v);
}

struct spec {
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport; /* ICMP: the identifier is sport */
	uint8_t icmp_type;
	uint8_t opt_len;       /* IPv4 option bytes, multiple of 4 */
	uint16_t payload_len;
	bool udp_nocsum;
	uint8_t ttl;
	uint16_t frag;         /* flags/offset word (0x4000 = DF) */
};

/* Builds the IPv4 packet of s at ip; returns its length. */
static size_t
build_ip(uint8_t *ip, const struct spec *s)
{
	size_t hl = 20 + s->opt_len, l4len, i;
	uint8_t *l4 = ip + hl, *pl;
	uint16_t c;

	switch (s->proto) {
	case GW_PROTO_TCP:
		l4len = 20 + (size_t)s->payload_len;
		break;
	default:
		l4len = 8 + (size_t)s->payload_len;
		break;
	}
	memset(ip, 0, hl + l4len);
	ip[0] = (uint8_t)(0x40 | hl / 4);
	w16(ip + 2, (uint16_t)(hl + l4len));
	w16(ip + 4, 0x1234);
	w16(ip + 6, s->frag);
	ip[8] = s->ttl != 0 ? s->ttl : 64;
	ip[9] = s->proto;
	w32(ip + 12, s->src);
	w32(ip + 16, s->dst);
	for (i = 20; i < hl; i++)
		ip[i] = 1; /* NOP options */
	w16(ip + 10, ref_csum(ip, hl));

	pl = l4 + l4len - s->payload_len;
	for (i = 0; i < s->payload_len; i++)
		pl[i] = (uint8_t)(i * 7 + 3);
	if (s->proto == GW_PROTO_ICMP) {
		l4[0] = s->icmp_type;
		w16(l4 + 4, s->sport);
		w16(l4 + 6, 0x0001);
		w16(l4 + 2, ref_csum(l4, l4len));
		return hl + l4len;
	}
	w16(l4, s->sport);
	w16(l4 + 2, s->dport);
	if (s->proto == GW_PROTO_TCP) {
		w32(l4 + 4, 0x01020304);
		w32(l4 + 8, 0x0a0b0c0d);
		l4[12] = 0x50;
		l4[13] = 0x18;
		w16(l4 + 14, 0xffff);
	} else {
		w16(l4 + 4, (uint16_t)l4len);
	}
	{
		uint8_t ph[12];
		uint32_t sum;

		w32(ph, s->src);
		w32(ph + 4, s->dst);
		ph[8] = 0;
		ph[9] = s->proto;
		w16(ph + 10, (uint16_t)l4len);
		sum = ref_sum(ph, 12, 0);
		c = (uint16_t)~ref_sum(l4, l4len, sum);
	}
	if (s->proto == GW_PROTO_UDP) {
		if (c == 0)
			c = 0xffff;
		if (s->udp_nocsum)
			c = 0;
		w16(l4 + 6, c);
	} else {
		w16(l4 + 16, c);
	}
	return hl + l4len;
}

/* ICMP error from src to dst quoting quote[0..qlen). */
static size_t
build_err(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t type,
	  uint8_t code, const uint8_t *quote, size_t qlen)
{
	uint8_t *icmp = ip + 20;
	size_t total = 20 + 8 + qlen;

	memset(ip, 0, 28);
	ip[0] = 0x45;
	ip[1] = 0xc0;
	w16(ip + 2, (uint16_t)total);
	w16(ip + 4, 0x4321);
	ip[8] = 250;
	ip[9] = GW_PROTO_ICMP;
	w32(ip + 12, src);
	w32(ip + 16, dst);
	w16(ip + 10, ref_csum(ip, 20));
	icmp[0] = type;
	icmp[1] = code;
	if (type == 3 && code == 4)
		w16(icmp + 6, 1400); /* next-hop MTU */
	memcpy(icmp + 8, quote, qlen);
	w16(icmp + 2, ref_csum(icmp, 8 + qlen));
	return total;
}

/* Guard-placed Ethernet frame holding ip[0..len), parsed. */
struct frame {
	struct gw_guard g;
	uint8_t *f;
	uint8_t *l3;
	size_t len;
	struct gw_pkt_meta meta;
};

static void
frame_make(struct frame *fr, const uint8_t *ip, size_t len, int want_status)
{
	uint8_t buf[ETH_LEN + 2048];

	ck_assert_uint_le(len, 2048);
	memset(buf, 0, ETH_LEN);
	buf[0] = 0x02;
	buf[6] = 0x02;
	buf[5] = 1;
	w16(buf + 12, 0x0800);
	memcpy(buf + ETH_LEN, ip, len);
	fr->f = gw_guard_place(&fr->g, buf, ETH_LEN + len);
	fr->l3 = fr->f + ETH_LEN;
	fr->len = len;
	ck_assert_int_eq(gw_pkt_parse(fr->f, ETH_LEN + len, false, 0,
				      &fr->meta),
			 want_status);
}

static void
assert_bytes(const uint8_t *got, const uint8_t *want, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (got[i] != want[i])
			ck_abort_msg("byte %zu/%zu: got %02x want %02x", i, len, got[i],
				     want[i]);
}

static struct gw_nat_map
mkmap(uint8_t proto, uint32_t in_a, uint16_t in_p, uint32_t ext_a,
      uint16_t ext_p)
{
	struct gw_nat_map m;

	memset(&m, 0, sizeof(m));
	m.proto = proto;
	m.in_addr = in_a;
	m.in_port = in_p;
	m.ext_addr = ext_a;
	m.ext_port = ext_p;
	return m;
}

/*
 * Outbound packet in->remote translated out, compared with the packet built
 * directly with the external source; its reply translated in, compared with
 * the reply built directly to the inside endpoint; and the inverse mapping
 * restores the original bytes exactly.
 */
static void
check_roundtrip(const struct spec *base, uint16_t in_p, uint16_t ext_p,
		uint32_t ext_a)
{
	struct gw_nat_map m = mkmap(base->proto, base->src, in_p, ext_a, ext_p);
	struct gw_nat_map inv = mkmap(base->proto, ext_a, ext_p, base->src,
				      in_p);
	struct spec s = *base, r;
	uint8_t orig[2048], want[2048];
	struct frame fr;
	size_t len, wlen;

	s.sport = in_p;
	if (s.proto == GW_PROTO_ICMP)
		s.icmp_type = 8;
	len = build_ip(orig, &s);

	/* out */
	frame_make(&fr, orig, len, GW_PKT_OK);
	ck_assert_int_eq(gw_nat_translate_out(&m, fr.l3, fr.len, &fr.meta), 0);
	s.src = ext_a;
	s.sport = ext_p;
	wlen = build_ip(want, &s);
	ck_assert_uint_eq(wlen, len);
	assert_bytes(fr.l3, want, len);
	/* inverse: back to the original bytes */
	ck_assert_int_eq(gw_pkt_parse(fr.f, ETH_LEN + len, false, 0, &fr.meta),
			 GW_PKT_OK);
	ck_assert_int_eq(gw_nat_translate_out(&inv, fr.l3, fr.len, &fr.meta),
			 0);
	assert_bytes(fr.l3, orig, len);
	gw_guard_release(&fr.g);

	/* in: the reply to the external endpoint */
	r = *base;
	r.src = base->dst;
	r.dst = ext_a;
	if (r.proto == GW_PROTO_ICMP) {
		r.icmp_type = 0;
		r.sport = ext_p;
	} else {
		r.sport = base->dport;
		r.dport = ext_p;
	}
	len = build_ip(orig, &r);
	frame_make(&fr, orig, len, GW_PKT_OK);
	ck_assert_int_eq(gw_nat_translate_in(&m, fr.l3, fr.len, &fr.meta), 0);
	r.dst = base->src;
	if (r.proto == GW_PROTO_ICMP)
		r.sport = in_p;
	else
		r.dport = in_p;
	wlen = build_ip(want, &r);
	assert_bytes(fr.l3, want, wlen);
	gw_guard_release(&fr.g);
}

static const struct spec vectors[] = {
	{GW_PROTO_TCP, IN_A, REM_A, 0, 443, 0, 0, 0, false, 64, 0x4000},
	{GW_PROTO_TCP, IN_A, REM_A, 0, 443, 0, 0, 1, false, 64, 0x4000},
	{GW_PROTO_TCP, IN_A, REM_A, 0, 80, 0, 4, 5, false, 3, 0},
	{GW_PROTO_TCP, IN_A, REM_A, 0, 22, 0, 40, 1001, false, 64, 0x4000},
	{GW_PROTO_UDP, IN_A, REM_A, 0, 53, 0, 0, 0, false, 64, 0},
	{GW_PROTO_UDP, IN_A, REM_A, 0, 53, 0, 0, 3, false, 64, 0},
	{GW_PROTO_UDP, IN_A, REM_A, 0, 123, 0, 8, 48, false, 64, 0},
	{GW_PROTO_UDP, IN_A, REM_A, 0, 53, 0, 0, 3, true, 64, 0},
	{GW_PROTO_UDP, IN_A, REM_A, 0, 4500, 0, 0, 100, true, 64, 0},
	{GW_PROTO_ICMP, IN_A, REM_A, 0, 0, 8, 0, 0, false, 64, 0},
	{GW_PROTO_ICMP, IN_A, REM_A, 0, 0, 8, 0, 7, false, 64, 0},
	{GW_PROTO_ICMP, IN_A, REM_A, 0, 0, 8, 4, 56, false, 64, 0},
};

static const struct {
	uint16_t in_p, ext_p;
} ports[] = {
	{40000, 40000}, {40000, 1024}, {1, 65535}, {65535, 1}, {0, 0},
	{0x1234, 0xedcb}, {0xffff, 0xffff},
};

START_TEST(test_translate_vectors)
{
	size_t v, p;

	for (v = 0; v < GW_ARRAY_SIZE(vectors); v++)
		for (p = 0; p < GW_ARRAY_SIZE(ports); p++)
			check_roundtrip(&vectors[v], ports[p].in_p,
					ports[p].ext_p, EXT_A);
}
END_TEST

static uint32_t rng_state = 0x9e3779b9;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Random addresses, ports and lengths: hits the one's complement corner
 * cases (results of 0 / 0xffff) that fixed vectors may miss. */
START_TEST(test_translate_random)
{
	static const uint8_t protos[] = {GW_PROTO_TCP, GW_PROTO_UDP,
					 GW_PROTO_ICMP};
	int iter;

	for (iter = 0; iter < 6000; iter++) {
		struct spec s;

		memset(&s, 0, sizeof(s));
		s.proto = protos[iter % 3];
		s.src = rng();
		s.dst = rng();
		s.dport = (uint16_t)rng();
		s.icmp_type = 8;
		s.opt_len = (uint8_t)((rng() % 3) * 4);
		s.payload_len = (uint16_t)(rng() % 64);
		s.udp_nocsum = rng() % 8 == 0;
		s.ttl = 64;
		check_roundtrip(&s, (uint16_t)rng(), (uint16_t)rng(), rng());
	}
}
END_TEST

/*
 * A quote that ends in the middle of the quoted L4 checksum: that byte
 * cannot be translated and is left as sent (see gw_nat.h), so the expected
 * quote takes it from the packet as sent.
 */
static void
keep_cut_csum(uint8_t *want_q, const uint8_t *sent_q, size_t qlen,
	      const struct spec *s)
{
	size_t c_off = s->proto == GW_PROTO_TCP ? 16 :
		       s->proto == GW_PROTO_UDP ? 6 : 2;

	if (qlen == 20 + (size_t)s->opt_len + c_off + 1)
		want_q[qlen - 1] = sent_q[qlen - 1];
}

/* Outbound packet pkt (the quote), error about it from outside, and the
 * expected result quoting orig instead. */
static const struct {
	uint8_t type, code;
} err_types[] = {{3, 3}, {3, 4}, {3, 1}, {11, 0}, {12, 0}};

static void
check_error_in(const struct spec *base, size_t l4_quote, int want_rc)
{
	struct gw_nat_map m = mkmap(base->proto, IN_A, 40001, EXT_A, 2222);
	struct spec s = *base;
	uint8_t orig[2048], ext[2048], err[2048], want[2048];
	size_t olen, qlen, elen, t;

	s.src = IN_A;
	s.sport = 40001;
	olen = build_ip(orig, &s);
	s.src = EXT_A;
	s.sport = 2222;
	ck_assert_uint_eq(build_ip(ext, &s), olen);
	qlen = 20 + s.opt_len + l4_quote;
	if (qlen > olen)
		qlen = olen;
	keep_cut_csum(orig, ext, qlen, &s);
	for (t = 0; t < GW_ARRAY_SIZE(err_types); t++) {
		struct frame fr;

		elen = build_err(err, RTR_A, EXT_A, err_types[t].type,
				 err_types[t].code, ext, qlen);
		frame_make(&fr, err, elen, GW_PKT_OK);
		ck_assert_uint_eq(fr.meta.is_icmp_error, 1);
		ck_assert_int_eq(gw_nat_translate_icmp_error_in(&m, fr.l3,
								fr.len,
								&fr.meta),
				 want_rc);
		if (want_rc == 0) {
			build_err(want, RTR_A, IN_A, err_types[t].type,
				  err_types[t].code, orig, qlen);
			assert_bytes(fr.l3, want, elen);
		} else {
			assert_bytes(fr.l3, err, elen); /* untouched */
		}
		gw_guard_release(&fr.g);
	}
}

/* Error from an inside host about an inbound (translated) packet. */
static void
check_error_out(const struct spec *base, size_t l4_quote, int want_rc)
{
	struct gw_nat_map m = mkmap(base->proto, IN_A, 40001, EXT_A, 2222);
	struct spec s = *base;
	uint8_t in_pkt[2048], ext_pkt[2048], err[2048], want[2048];
	size_t plen, qlen, elen;
	struct frame fr;

	s.src = REM_A;
	if (s.proto == GW_PROTO_ICMP) {
		s.icmp_type = 0;
		s.sport = 40001;
	} else {
		s.sport = 443;
		s.dport = 40001;
	}
	s.dst = IN_A;
	plen = build_ip(in_pkt, &s);
	s.dst = EXT_A;
	if (s.proto == GW_PROTO_ICMP)
		s.sport = 2222;
	else
		s.dport = 2222;
	build_ip(ext_pkt, &s);
	qlen = 20 + s.opt_len + l4_quote;
	if (qlen > plen)
		qlen = plen;
	keep_cut_csum(ext_pkt, in_pkt, qlen, &s);
	elen = build_err(err, IN_A, REM_A, 3, 3, in_pkt, qlen);
	frame_make(&fr, err, elen, GW_PKT_OK);
	ck_assert_int_eq(gw_nat_translate_icmp_error_out(&m, fr.l3, fr.len,
							 &fr.meta),
			 want_rc);
	if (want_rc == 0) {
		build_err(want, EXT_A, REM_A, 3, 3, ext_pkt, qlen);
		assert_bytes(fr.l3, want, elen);
	} else {
		assert_bytes(fr.l3, err, elen);
	}
	gw_guard_release(&fr.g);
}

START_TEST(test_icmp_error)
{
	static const struct {
		struct spec s;
		size_t l4_quote; /* L4 bytes quoted (capped at the packet) */
		int rc;
	} t[] = {
		/* full quotes: the quoted L4 checksum is updated */
		{{GW_PROTO_TCP, 0, REM_A, 0, 443, 0, 0, 10, false, 64, 0x4000},
		 1000, 0},
		{{GW_PROTO_TCP, 0, REM_A, 0, 443, 0, 8, 3, false, 64, 0},
		 1000, 0},
		{{GW_PROTO_UDP, 0, REM_A, 0, 53, 0, 0, 33, false, 64, 0},
		 1000, 0},
		{{GW_PROTO_UDP, 0, REM_A, 0, 53, 0, 4, 2, true, 64, 0},
		 1000, 0},
		{{GW_PROTO_ICMP, 0, REM_A, 0, 0, 8, 0, 9, false, 64, 0},
		 1000, 0},
		/* RFC 792 quotes: 8 bytes of L4 (TCP checksum absent) */
		{{GW_PROTO_TCP, 0, REM_A, 0, 443, 0, 0, 100, false, 64, 0},
		 8, 0},
		{{GW_PROTO_UDP, 0, REM_A, 0, 53, 0, 0, 100, false, 64, 0},
		 8, 0},
		{{GW_PROTO_ICMP, 0, REM_A, 0, 0, 8, 0, 100, false, 64, 0},
		 8, 0},
		/* TCP checksum just present / just absent */
		{{GW_PROTO_TCP, 0, REM_A, 0, 443, 0, 0, 100, false, 64, 0},
		 18, 0},
		{{GW_PROTO_TCP, 0, REM_A, 0, 443, 0, 0, 100, false, 64, 0},
		 17, 0},
		/* only the ports / the identifier */
		{{GW_PROTO_TCP, 0, REM_A, 0, 443, 0, 0, 0, false, 64, 0},
		 4, 0},
		{{GW_PROTO_UDP, 0, REM_A, 0, 53, 0, 0, 0, false, 64, 0},
		 6, 0},
		{{GW_PROTO_ICMP, 0, REM_A, 0, 0, 8, 0, 0, false, 64, 0},
		 6, 0},
		/* too short to hold the port / identifier */
		{{GW_PROTO_TCP, 0, REM_A, 0, 443, 0, 0, 0, false, 64, 0},
		 1, GW_EINVAL},
		{{GW_PROTO_UDP, 0, REM_A, 0, 53, 0, 0, 0, false, 64, 0},
		 0, GW_EINVAL},
		{{GW_PROTO_ICMP, 0, REM_A, 0, 0, 8, 0, 0, false, 64, 0},
		 5, GW_EINVAL},
	};
	size_t k;

	for (k = 0; k < GW_ARRAY_SIZE(t); k++) {
		check_error_in(&t[k].s, t[k].l4_quote, t[k].rc);
		/* the outward mirror quotes the destination port at 2..3 */
		check_error_out(&t[k].s, t[k].l4_quote,
				t[k].s.proto == GW_PROTO_TCP &&
						t[k].l4_quote >= 1 &&
						t[k].l4_quote < 4 ?
					GW_EINVAL :
					t[k].rc);
	}
}
END_TEST

/* Random quotes and lengths for the error paths too. */
START_TEST(test_icmp_error_random)
{
	static const uint8_t protos[] = {GW_PROTO_TCP, GW_PROTO_UDP,
					 GW_PROTO_ICMP};
	int iter;

	for (iter = 0; iter < 1500; iter++) {
		struct spec s;
		size_t q;

		memset(&s, 0, sizeof(s));
		s.proto = protos[iter % 3];
		s.dst = REM_A;
		s.dport = (uint16_t)rng();
		s.icmp_type = 8;
		s.opt_len = (uint8_t)((rng() % 2) * 4);
		s.payload_len = (uint16_t)(rng() % 40);
		s.udp_nocsum = rng() % 8 == 0;
		s.ttl = 64;
		q = 6 + rng() % 60;
		check_error_in(&s, q, 0);
		check_error_out(&s, q, 0);
	}
}
END_TEST

/* Packets the functions must refuse, leaving the bytes untouched. */
START_TEST(test_translate_refused)
{
	struct gw_nat_map tcp = mkmap(GW_PROTO_TCP, IN_A, 40000, EXT_A, 2000);
	struct gw_nat_map udp = mkmap(GW_PROTO_UDP, IN_A, 40000, EXT_A, 2000);
	struct gw_nat_map icmp = mkmap(GW_PROTO_ICMP, IN_A, 40000, EXT_A, 2000);
	struct spec s = {GW_PROTO_TCP, IN_A, REM_A, 40000, 443, 0, 0, 10,
			 false, 64, 0x4000};
	uint8_t p[2048], err[2048];
	struct frame fr;
	size_t len, elen;

	len = build_ip(p, &s);
	frame_make(&fr, p, len, GW_PKT_OK);
	/* wrong protocol, wrong endpoint, wrong direction, short buffer */
	ck_assert_int_eq(gw_nat_translate_out(&udp, fr.l3, fr.len, &fr.meta),
			 GW_EINVAL);
	tcp.in_port = 40002;
	ck_assert_int_eq(gw_nat_translate_out(&tcp, fr.l3, fr.len, &fr.meta),
			 GW_EINVAL);
	tcp.in_port = 40000;
	tcp.in_addr = IN_A + 1;
	ck_assert_int_eq(gw_nat_translate_out(&tcp, fr.l3, fr.len, &fr.meta),
			 GW_EINVAL);
	tcp.in_addr = IN_A;
	ck_assert_int_eq(gw_nat_translate_in(&tcp, fr.l3, fr.len, &fr.meta),
			 GW_EINVAL);
	/* every length short of the IP total length is refused */
	{
		size_t cut;

		for (cut = 0; cut < fr.len; cut++) {
			ck_assert_int_eq(gw_nat_translate_out(&tcp, fr.l3, cut,
							      &fr.meta),
					 GW_EINVAL);
			ck_assert_int_eq(gw_nat_translate_icmp_error_in(
						 &tcp, fr.l3, cut, &fr.meta),
					 GW_EINVAL);
		}
	}
	ck_assert_int_eq(gw_nat_translate_icmp_error_in(&tcp, fr.l3, fr.len,
							&fr.meta),
			 GW_EINVAL);
	assert_bytes(fr.l3, p, len);
	ck_assert_int_eq(gw_nat_translate_out(&tcp, fr.l3, fr.len, &fr.meta),
			 0);
	gw_guard_release(&fr.g);

	/* fragments are not translated */
	s.frag = 0x2000; /* MF */
	len = build_ip(p, &s);
	frame_make(&fr, p, len, GW_PKT_FRAGMENT);
	ck_assert_int_eq(gw_nat_translate_out(&tcp, fr.l3, fr.len, &fr.meta),
			 GW_EINVAL);
	assert_bytes(fr.l3, p, len);
	gw_guard_release(&fr.g);

	/* ICMP: timestamp is not translated; an error needs the error call;
	 * echo is not an error */
	s = (struct spec){GW_PROTO_ICMP, IN_A, REM_A, 40000, 0, 13, 0, 12,
			  false, 64, 0};
	len = build_ip(p, &s);
	frame_make(&fr, p, len, GW_PKT_OK);
	ck_assert_int_eq(gw_nat_translate_out(&icmp, fr.l3, fr.len, &fr.meta),
			 GW_ENOTSUP);
	assert_bytes(fr.l3, p, len);
	gw_guard_release(&fr.g);
	s.icmp_type = 8;
	len = build_ip(p, &s);
	frame_make(&fr, p, len, GW_PKT_OK);
	ck_assert_int_eq(gw_nat_translate_icmp_error_out(&icmp, fr.l3, fr.len,
							 &fr.meta),
			 GW_ENOTSUP);
	gw_guard_release(&fr.g);

	/* errors: quoted protocol, quoted source, outer destination, quoted
	 * non-first fragment */
	s = (struct spec){GW_PROTO_UDP, EXT_A, REM_A, 2000, 53, 0, 0, 4,
			  false, 64, 0};
	len = build_ip(p, &s);
	elen = build_err(err, RTR_A, EXT_A, 3, 3, p, len);
	frame_make(&fr, err, elen, GW_PKT_OK);
	ck_assert_int_eq(gw_nat_translate_out(&udp, fr.l3, fr.len, &fr.meta),
			 GW_EINVAL); /* meta says ICMP */
	ck_assert_int_eq(gw_nat_translate_out(&icmp, fr.l3, fr.len, &fr.meta),
			 GW_ENOTSUP);
	ck_assert_int_eq(gw_nat_translate_icmp_error_in(&tcp, fr.l3, fr.len,
							&fr.meta),
			 GW_EINVAL);
	udp.ext_port = 2001;
	ck_assert_int_eq(gw_nat_translate_icmp_error_in(&udp, fr.l3, fr.len,
							&fr.meta),
			 GW_EINVAL);
	udp.ext_port = 2000;
	assert_bytes(fr.l3, err, elen);
	ck_assert_int_eq(gw_nat_translate_icmp_error_in(&udp, fr.l3, fr.len,
							&fr.meta),
			 0);
	gw_guard_release(&fr.g);
	elen = build_err(err, RTR_A, EXT_A + 1, 3, 3, p, len);
	frame_make(&fr, err, elen, GW_PKT_OK);
	ck_assert_int_eq(gw_nat_translate_icmp_error_in(&udp, fr.l3, fr.len,
							&fr.meta),
			 GW_EINVAL);
	gw_guard_release(&fr.g);
	s.frag = 0x0010;
	len = build_ip(p, &s);
	elen = build_err(err, RTR_A, EXT_A, 11, 1, p, len);
	frame_make(&fr, err, elen, GW_PKT_OK);
	ck_assert_int_eq(gw_nat_translate_icmp_error_in(&udp, fr.l3, fr.len,
							&fr.meta),
			 GW_EINVAL);
	assert_bytes(fr.l3, err, elen);
	gw_guard_release(&fr.g);
}
END_TEST

/* An echo reply that becomes all zeros must carry 0xffff (RFC 1624's
 * exception to the incremental form). */
START_TEST(test_icmp_all_zero)
{
	struct gw_nat_map m = mkmap(GW_PROTO_ICMP, IN_A, 0, EXT_A, 0x1234);
	struct spec s = {GW_PROTO_ICMP, REM_A, EXT_A, 0x1234, 0, 0, 0, 0,
			 false, 64, 0};
	uint8_t p[64];
	struct frame fr;
	size_t len;

	len = build_ip(p, &s);
	w16(p + 26, 0); /* seq 0 */
	w16(p + 22, 0);
	w16(p + 22, ref_csum(p + 20, 8));
	ck_assert_uint_eq(gw_be16(p + 22), 0xedcb);
	frame_make(&fr, p, len, GW_PKT_OK);
	ck_assert_int_eq(gw_nat_translate_in(&m, fr.l3, fr.len, &fr.meta), 0);
	ck_assert_uint_eq(gw_be16(fr.l3 + 24), 0);
	ck_assert_uint_eq(gw_be16(fr.l3 + 22), 0xffff);
	ck_assert_uint_eq(gw_be32(fr.l3 + 16), IN_A);
	gw_guard_release(&fr.g);
}
END_TEST

static Suite *
xlate_suite(void)
{
	Suite *s = suite_create("nat_xlate");
	TCase *tc = tcase_create("xlate");

	tcase_add_test(tc, test_translate_vectors);
	tcase_add_test(tc, test_translate_random);
	tcase_add_test(tc, test_icmp_error);
	tcase_add_test(tc, test_icmp_error_random);
	tcase_add_test(tc, test_translate_refused);
	tcase_add_test(tc, test_icmp_all_zero);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(xlate_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
