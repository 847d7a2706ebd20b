/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_UTIL_H
#define GW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define GW_MIN(a, b) ((a) < (b) ? (a) : (b))
#define GW_MAX(a, b) ((a) > (b) ? (a) : (b))

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* Big-endian loads from a byte buffer (no alignment assumed). */
static inline uint16_t
gw_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
gw_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static inline uint32_t
gw_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Big-endian stores into a byte buffer (no alignment assumed). */
static inline void
gw_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
gw_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ASCII lower case, locale-free (bytes from the wire are not text). */
static inline uint8_t
gw_ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* tchar of RFC 9110 5.6.2: the bytes of a method or header name. */
static inline bool
gw_is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '.': case '^': case '_':
	case '`': case '|': case '~':
		return true;
	default:
		return false;
	}
}

/*
 * A read prefetch into all cache levels that the compiler keeps as written:
 * GCC treats __builtin_prefetch as free of effects and deletes a loop that
 * only prefetches (as the worker's pipelined burst has), so on x86 it is
 * an asm statement, as rte_prefetch0 is.
 */
static inline void
gw_prefetch0(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetcht0 %[p]" : : [p] "m"(*(const volatile char *)p));
#else
	__builtin_prefetch(p, 0, 3);
#endif
}

/*
 * murmur3's 64-bit finaliser: a bijection that spreads every input bit
 * over the low bits that pick a bucket. For hash tables keyed by ids,
 * addresses and ports; not for anything an attacker must not predict
 * (mix a secret seed in first where that matters).
 */
static inline uint64_t
gw_hash64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* murmur3's 32-bit finaliser, the same for 32-bit values. */
static inline uint32_t
gw_hash32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/*
 * Escapes bytes from the wire for logs and tables: printable ASCII other
 * than '"' and '\\' is kept, everything else becomes \xHH. Always
 * NUL-terminates (when size > 0); returns the length written, truncating
 * at a character boundary.
 */
size_t gw_escape(const uint8_t *in, size_t len, char *out, size_t size);

#endif /* GW_UTIL_H */
