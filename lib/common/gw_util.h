/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_UTIL_H
#define GW_UTIL_H

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

/*
 * Escapes bytes from the wire for logs and tables: printable ASCII other
 * than '"' and '\\' is kept, everything else becomes \xHH. Always
 * NUL-terminates (when size > 0); returns the length written, truncating
 * at a character boundary.
 */
size_t gw_escape(const uint8_t *in, size_t len, char *out, size_t size);

#endif /* GW_UTIL_H */
