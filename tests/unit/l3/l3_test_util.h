/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef L3_TEST_UTIL_H
#define L3_TEST_UTIL_H

/* Frame building and reference checksums for the lib/l3 tests; the
 * checksums are computed here, independently of lib/pkt's gw_csum. */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/gw_addr.h"

struct fb {
	uint8_t b[2048];
	size_t len;
};

static inline void
fb_u8(struct fb *f, uint8_t v)
{
	ck_assert_uint_lt(f->len, sizeof(f->b));
	f->b[f->len++] = v;
}

static inline void
fb_u16(struct fb *f, uint16_t v)
{
	fb_u8(f, (uint8_t)(v >> 8));
	fb_u8(f, (uint8_t)v);
}

static inline void
fb_u32(struct fb *f, uint32_t v)
{
	fb_u16(f, (uint16_t)(v >> 16));
	fb_u16(f, (uint16_t)v);
}

static inline void
fb_mem(struct fb *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fb_u8(f, p[i]);
}

static inline void
fb_set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len > 0)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static inline uint16_t
ref_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Checksum over data (0 when data carries a correct checksum). */
static inline uint16_t
ref_csum(const uint8_t *p, size_t len)
{
	return ref_fold(ref_sum(p, len, 0));
}

/* ICMPv6 checksum with the pseudo-header laid out in a buffer. */
static inline uint16_t
ref_csum6(const uint8_t *src, const uint8_t *dst, const uint8_t *l4,
	  size_t len)
{
	uint8_t ph[40];

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = 58;
	return ref_fold(ref_sum(l4, len, ref_sum(ph, 40, 0)));
}

static inline struct gw_addr
A(const char *s)
{
	struct gw_addr a;

	ck_assert_int_eq(gw_addr_parse(s, &a), 0);
	return a;
}

#endif /* L3_TEST_UTIL_H */
