/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_L3_PRIVATE_H
#define GW_L3_PRIVATE_H

/* Sizes private to lib/l3 (byte stores: gw_put_be16/32 of gw_util.h). */
#define L3_IPV4_HLEN 20
#define L3_IPV6_HLEN 40
#define L3_ICMP_HLEN 8
#define L3_ND_HOP_LIMIT 255

#endif /* GW_L3_PRIVATE_H */
