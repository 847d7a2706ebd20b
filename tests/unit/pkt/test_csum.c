/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_util.h"
#include "gw_test.h"
#include "pkt/gw_csum.h"

/*
 * Reference checksum written straight from RFC 1071 4.1 (byte pairs, carry
 * folding at the end), independent of lib/pkt.
 */
static uint16_t
ref_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	while (len > 1) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len > 0)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Deterministic generator so that failures reproduce. */
static uint32_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void
fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
}

START_TEST(test_partial_matches_reference)
{
	uint8_t buf[300];
	int iter;

	rng_state = 0x1234567;
	for (iter = 0; iter < 20000; iter++) {
		size_t len = rng() % sizeof(buf);
		size_t split = len == 0 ? 0 : (rng() % (len + 1)) & ~(size_t)1;
		uint32_t s;

		fill(buf, len);
		if (iter % 7 == 0)
			memset(buf, 0xff, len);
		ck_assert_uint_eq(gw_csum_finish(gw_csum_partial(buf, len, 0)),
				  ref_csum(buf, len));
		/* chained at an even offset */
		s = gw_csum_partial(buf, split, 0);
		ck_assert_uint_le(s, 0xffff);
		s = gw_csum_partial(buf + split, len - split, s);
		ck_assert_uint_eq(gw_csum_finish(s), ref_csum(buf, len));
	}
}
END_TEST

/* Known vectors: RFC 1071 3 example and a classic IPv4 header. */
START_TEST(test_known_vectors)
{
	uint8_t rfc[8];
	uint8_t ip[20];

	gw_test_hex("0001 f203 f4f5 f6f7", rfc, sizeof(rfc));
	/* sum 0xddf2, checksum 0x220d */
	ck_assert_uint_eq(gw_csum_finish(gw_csum_partial(rfc, 8, 0)), 0x220d);
	gw_test_hex("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7", ip,
		    sizeof(ip));
	ck_assert_uint_eq(gw_csum_ipv4_hdr(ip, 20), 0xb861);
	ip[10] = 0xb8;
	ip[11] = 0x61;
	ck_assert_uint_eq(gw_csum_ipv4_hdr(ip, 20), 0);
	ck_assert_uint_eq(gw_csum_finish(gw_csum_partial(NULL, 0, 0)), 0xffff);
}
END_TEST

START_TEST(test_ipv4_hdr_random)
{
	uint8_t h[60];
	int iter;

	rng_state = 0xdeadbeef;
	for (iter = 0; iter < 5000; iter++) {
		size_t hlen = 20 + 4 * (rng() % 11);
		uint16_t c;

		fill(h, hlen);
		h[10] = h[11] = 0;
		c = gw_csum_ipv4_hdr(h, hlen);
		ck_assert_uint_eq(c, ref_csum(h, hlen));
		h[10] = (uint8_t)(c >> 8);
		h[11] = (uint8_t)c;
		ck_assert_uint_eq(gw_csum_ipv4_hdr(h, hlen), 0);
		ck_assert_uint_eq(ref_csum(h, hlen), 0);
	}
}
END_TEST

/* Pseudo-header laid out in a buffer, as the RFCs draw it. */
static uint16_t
ref_l4(uint8_t af, const struct gw_addr *s, const struct gw_addr *d,
       uint8_t proto, const uint8_t *l4, size_t len)
{
	static uint8_t buf[40 + 2048];
	size_t n;

	if (af == GW_AF_INET) {
		memcpy(buf, &s->b[12], 4);
		memcpy(buf + 4, &d->b[12], 4);
		buf[8] = 0;
		buf[9] = proto;
		buf[10] = (uint8_t)(len >> 8);
		buf[11] = (uint8_t)len;
		n = 12;
	} else {
		memcpy(buf, s->b, 16);
		memcpy(buf + 16, d->b, 16);
		buf[32] = (uint8_t)(len >> 24);
		buf[33] = (uint8_t)(len >> 16);
		buf[34] = (uint8_t)(len >> 8);
		buf[35] = (uint8_t)len;
		buf[36] = buf[37] = buf[38] = 0;
		buf[39] = proto;
		n = 40;
	}
	memcpy(buf + n, l4, len);
	return ref_csum(buf, n + len);
}

START_TEST(test_l4_random)
{
	uint8_t seg[2048];
	int iter;

	rng_state = 0xc0ffee;
	for (iter = 0; iter < 5000; iter++) {
		uint8_t af = (iter & 1) ? GW_AF_INET6 : GW_AF_INET;
		uint8_t proto = (iter & 2) ? 6 : 17;
		size_t len = 8 + rng() % (sizeof(seg) - 8);
		size_t coff = proto == 6 ? 16 : 6;
		struct gw_addr s, d;
		uint8_t v4[4];
		uint16_t c;

		if (af == GW_AF_INET) {
			fill(v4, 4);
			gw_addr_from_v4(&s, v4);
			fill(v4, 4);
			gw_addr_from_v4(&d, v4);
		} else {
			fill(s.b, 16);
			fill(d.b, 16);
		}
		if (proto == 6 && len < 20)
			len = 20;
		fill(seg, len);
		seg[coff] = seg[coff + 1] = 0;
		c = gw_csum_l4(af, &s, &d, proto, seg, len);
		ck_assert_uint_eq(c, ref_l4(af, &s, &d, proto, seg, len));
		seg[coff] = (uint8_t)(c >> 8);
		seg[coff + 1] = (uint8_t)c;
		ck_assert_uint_eq(gw_csum_l4(af, &s, &d, proto, seg, len), 0);
	}
}
END_TEST

/*
 * RFC 1624 incremental updates against full recomputation. Word 0 is a
 * fixed non-zero value (as a pseudo-header's protocol is) because the one
 * case where eqn. 3 and a recomputation differ is all-zero data (+0 vs -0).
 */
START_TEST(test_update16_random)
{
	uint8_t d[128];
	int iter;

	rng_state = 0xfeed;
	for (iter = 0; iter < 200000; iter++) {
		size_t n = 4 + 2 * (rng() % 62);
		size_t w = 2 + 2 * (rng() % (n / 2 - 1));
		uint16_t old_v, new_v, c, inc;

		fill(d, n);
		if (iter % 5 == 0)
			memset(d + 2, iter % 10 == 0 ? 0xff : 0, n - 2);
		d[0] = 0;
		d[1] = 6;
		c = ref_csum(d, n);
		old_v = gw_be16(d + w);
		switch (iter % 4) {
		case 0:
			new_v = (uint16_t)rng();
			break;
		case 1:
			new_v = 0;
			break;
		case 2:
			new_v = 0xffff;
			break;
		default:
			new_v = (uint16_t)~old_v;
			break;
		}
		d[w] = (uint8_t)(new_v >> 8);
		d[w + 1] = (uint8_t)new_v;
		inc = gw_csum_update16(c, old_v, new_v);
		ck_assert_msg(inc == ref_csum(d, n),
			      "iter %d: old %04x new %04x csum %04x -> %04x, "
			      "full %04x", iter, old_v, new_v, c, inc,
			      ref_csum(d, n));
	}
}
END_TEST

START_TEST(test_update32_random)
{
	uint8_t d[128];
	int iter;

	rng_state = 0xbeef;
	for (iter = 0; iter < 200000; iter++) {
		size_t n = 6 + 2 * (rng() % 61);
		size_t w = 2 + 2 * (rng() % ((n - 4) / 2));
		uint32_t old_v, new_v;
		uint16_t c, inc;

		fill(d, n);
		if (iter % 5 == 0)
			memset(d + 2, iter % 10 == 0 ? 0xff : 0, n - 2);
		d[0] = 0;
		d[1] = 17;
		c = ref_csum(d, n);
		old_v = gw_be32(d + w);
		new_v = iter % 3 == 0 ? 0 : iter % 3 == 1 ? rng() : 0xffffffff;
		d[w] = (uint8_t)(new_v >> 24);
		d[w + 1] = (uint8_t)(new_v >> 16);
		d[w + 2] = (uint8_t)(new_v >> 8);
		d[w + 3] = (uint8_t)new_v;
		inc = gw_csum_update32(c, old_v, new_v);
		ck_assert_msg(inc == ref_csum(d, n),
			      "iter %d: old %08x new %08x csum %04x -> %04x, "
			      "full %04x", iter, old_v, new_v, c, inc,
			      ref_csum(d, n));
	}
}
END_TEST

/* RFC 1624 section 4 example: the update must give 0x0000, not 0xffff. */
START_TEST(test_update_rfc1624_example)
{
	/* one's complement sum of the other words is 0xcd7a, HC = 0x3285;
	 * changing m = 0x5555 to m' = 0x3285 */
	ck_assert_uint_eq(gw_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
	/* updating in raw network-order loads gives the byte-swapped result */
	ck_assert_uint_eq(gw_csum_update16(0x2fdd, 0x5555, 0x8532), 0x0000);
	ck_assert_uint_eq(gw_csum_update16(0x1234, 0xabcd, 0xabcd), 0x1234);
	ck_assert_uint_eq(gw_csum_update32(0x1234, 0x0a000001, 0x0a000001),
			  0x1234);
}
END_TEST

static Suite *
csum_suite(void)
{
	Suite *s = suite_create("csum");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_partial_matches_reference);
	tcase_add_test(tc, test_known_vectors);
	tcase_add_test(tc, test_ipv4_hdr_random);
	tcase_add_test(tc, test_l4_random);
	tcase_add_test(tc, test_update16_random);
	tcase_add_test(tc, test_update32_random);
	tcase_add_test(tc, test_update_rfc1624_example);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(csum_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
