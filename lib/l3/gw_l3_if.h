/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_L3_IF_H
#define GW_L3_IF_H

/*
 * Nat-mode interface table: the LAN VLAN interfaces (the gateway's address
 * per VLAN) and the WAN interface (address, next hop, SNAT pool). Pure
 * functions over a caller-filled struct; no allocation.
 */
#include <stdbool.h>
#include <stdint.h>

#include "common/gw_addr.h"
#include "l3/gw_l2.h"

#define GW_L3_MAX_IFS 64  /* LAN VLAN interfaces plus the WAN */
#define GW_L3_MAX_POOL 16 /* SNAT pool prefixes answered on the WAN */

enum gw_l3_role {
	GW_L3_LAN = 0,
	GW_L3_WAN,
};

/*
 * One interface. Addresses use the mapped form of gw_addr; prefixes are
 * host-address prefixes (v4_plen 0..32 over IPv4, v6_plen 0..128).
 * has_v6_ll: an IPv6 link-local address (fe80::/64) the gateway also owns
 * on the link (hosts may use it as their default router).
 */
struct gw_l3_if {
	uint8_t role;         /* enum gw_l3_role */
	uint8_t mac[GW_ETH_ALEN];
	struct gw_l2_encap encap; /* LAN: the VLAN (vid); WAN: usually none */
	bool has_v4;
	struct gw_addr v4;
	uint8_t v4_plen;
	bool has_v6;
	struct gw_addr v6;
	uint8_t v6_plen;
	bool has_v6_ll;
	struct gw_addr v6_ll;
};

struct gw_l3_ifs {
	unsigned int n_ifs;
	struct gw_l3_if ifs[GW_L3_MAX_IFS];
	int wan;                 /* index of the WAN interface, -1: none */
	bool has_gw4;            /* IPv4 default route via gw4 on the WAN */
	struct gw_addr gw4;
	bool has_gw6;            /* IPv6 default route via gw6 on the WAN */
	struct gw_addr gw6;
	unsigned int n_pool;     /* SNAT pool prefixes (IPv4, mapped form) */
	struct gw_cidr pool[GW_L3_MAX_POOL];
};

/*
 * Checks a filled table: at most GW_L3_MAX_IFS interfaces, wan is -1 or the
 * index of the only WAN interface, LAN VIDs unique, prefix lengths in range,
 * IPv4 addresses are IPv4 and IPv6 ones are not, next hops lie in a subnet
 * of the WAN, pool prefixes are IPv4. Returns GW_OK or GW_ECONFIG.
 */
int gw_l3_ifs_check(const struct gw_l3_ifs *ifs);

/* The LAN interface with VLAN vid (GW_VLAN_NONE: the untagged LAN), or -1. */
int gw_l3_if_by_vid(const struct gw_l3_ifs *ifs, uint16_t vid);

enum gw_l3_local_kind {
	GW_L3_LOCAL_IF = 1, /* an interface address (v4, v6 or link-local) */
	GW_L3_LOCAL_POOL,   /* an SNAT pool address (on the WAN) */
};

/*
 * Is addr one of the gateway's own addresses? Returns the index of the
 * interface that owns it (pool addresses belong to the WAN) and sets *kind
 * (may be NULL), or GW_ENOENT.
 */
int gw_l3_is_local(const struct gw_l3_ifs *ifs, const struct gw_addr *addr,
		   enum gw_l3_local_kind *kind);

/* Is addr owned on interface ifidx (what ARP/ND answer on that link)? */
bool gw_l3_is_local_on(const struct gw_l3_ifs *ifs, unsigned int ifidx,
		       const struct gw_addr *addr);

struct gw_l3_route {
	unsigned int ifidx;     /* egress interface */
	struct gw_addr nexthop; /* dst itself on a connected subnet, else the gateway */
};

/*
 * Route lookup for dst: the longest connected prefix (LAN VLAN subnets and
 * the WAN subnet, next hop = dst), else the WAN default route (gw4 / gw6).
 * IPv6 link-local, multicast and unspecified destinations, IPv4 multicast,
 * limited broadcast and 0.0.0.0/8, are never routed. The caller checks
 * gw_l3_is_local() first. Returns GW_OK or GW_ENOENT (no_route).
 */
int gw_l3_route(const struct gw_l3_ifs *ifs, const struct gw_addr *dst,
		struct gw_l3_route *r);

/*
 * The gateway's source address on interface ifidx for family af (ICMP
 * errors, ARP/ND probes). For IPv6 the global address, else the link-local
 * one. Returns GW_OK or GW_ENOENT.
 */
int gw_l3_if_addr(const struct gw_l3_ifs *ifs, unsigned int ifidx, uint8_t af,
		  struct gw_addr *out);

#endif /* GW_L3_IF_H */
