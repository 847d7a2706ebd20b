/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_ADDR_H
#define GW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * An IPv4 or IPv6 address. IPv4 is stored as an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) so that one 16-byte compare/hash serves both families.
 * Bytes are in network order.
 */
struct gw_addr {
	uint8_t b[16];
};

#define GW_AF_INET 4
#define GW_AF_INET6 6

/* Longest text form, with NUL ("ffff:...:255.255.255.255"). */
#define GW_ADDR_STRLEN 46

static inline void
gw_addr_from_v4(struct gw_addr *a, const uint8_t v4[4])
{
	/* Two 8-byte stores (the mapped prefix and the address in the low
	 * word): a reader loading the address as words then gets them from
	 * the store buffer, where byte stores would stall it. */
	uint8_t lo[8] = {0, 0, 0xff, 0xff, v4[0], v4[1], v4[2], v4[3]};
	uint64_t hi = 0, w;

	memcpy(&w, lo, 8);
	memcpy(a->b, &hi, 8);
	memcpy(a->b + 8, &w, 8);
}

static inline void
gw_addr_from_v6(struct gw_addr *a, const uint8_t v6[16])
{
	memcpy(a->b, v6, 16);
}

/* IPv4 address as a host-order 32-bit value, and back (mapped form). */
static inline uint32_t
gw_addr_v4_u32(const struct gw_addr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 |
	       (uint32_t)a->b[14] << 8 | a->b[15];
}

static inline void
gw_addr_from_v4_u32(struct gw_addr *a, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
			(uint8_t)v};

	gw_addr_from_v4(a, b);
}

static inline bool
gw_addr_is_v4(const struct gw_addr *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->b, prefix, 12) == 0;
}

static inline int
gw_addr_cmp(const struct gw_addr *x, const struct gw_addr *y)
{
	return memcmp(x->b, y->b, 16);
}

/* Text form ("192.0.2.1" or "2001:db8::1"); returns buf. size >= GW_ADDR_STRLEN. */
char *gw_addr_to_str(const struct gw_addr *a, char *buf, size_t size);
/* Parses "192.0.2.1" or "2001:db8::1"; 0 or GW_EINVAL. */
int gw_addr_parse(const char *s, struct gw_addr *a);

/* A CIDR prefix over the mapped space (IPv4 /n is stored as /96+n). */
struct gw_cidr {
	struct gw_addr addr; /* host bits cleared */
	uint8_t plen;        /* 0..128 over the mapped space */
};

/* Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (host route).
 * Host bits set below the prefix are an error (GW_EINVAL), as operators
 * usually mean something else when they write 10.1.2.3/8. */
int gw_cidr_parse(const char *s, struct gw_cidr *c);
bool gw_cidr_contains(const struct gw_cidr *c, const struct gw_addr *a);
char *gw_cidr_to_str(const struct gw_cidr *c, char *buf, size_t size);

#endif /* GW_ADDR_H */
