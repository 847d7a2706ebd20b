/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_L3_PRIVATE_H
#define GW_L3_PRIVATE_H

/* Byte helpers private to lib/l3. */
#include <stdint.h>

static inline void
l3_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
l3_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#define L3_IPV4_HLEN 20
#define L3_IPV6_HLEN 40
#define L3_ICMP_HLEN 8
#define L3_ND_HOP_LIMIT 255

#endif /* GW_L3_PRIVATE_H */
