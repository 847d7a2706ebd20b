/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "common/gw_error.h"
#include "l3/gw_l3_if.h"

/* a in the prefix (p, plen) over the mapped space */
static bool
prefix_has(const struct gw_addr *p, unsigned int plen, const struct gw_addr *a)
{
	struct gw_cidr c;

	c.addr = *p;
	c.plen = (uint8_t)plen;
	return gw_cidr_contains(&c, a);
}

static bool
if_v4_has(const struct gw_l3_if *f, const struct gw_addr *a)
{
	return f->has_v4 && prefix_has(&f->v4, 96u + f->v4_plen, a);
}

static bool
if_v6_has(const struct gw_l3_if *f, const struct gw_addr *a)
{
	return f->has_v6 && prefix_has(&f->v6, f->v6_plen, a);
}

static bool
is_v6_link_local(const struct gw_addr *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

int
gw_l3_ifs_check(const struct gw_l3_ifs *ifs)
{
	unsigned int i, j, n_wan = 0;

	if (ifs == NULL || ifs->n_ifs > GW_L3_MAX_IFS ||
	    ifs->n_pool > GW_L3_MAX_POOL)
		return GW_ECONFIG;
	if (ifs->wan < -1 || ifs->wan >= (int)ifs->n_ifs)
		return GW_ECONFIG;
	for (i = 0; i < ifs->n_ifs; i++) {
		const struct gw_l3_if *f = &ifs->ifs[i];

		if (f->role == GW_L3_WAN) {
			n_wan++;
			if ((int)i != ifs->wan)
				return GW_ECONFIG;
		} else if (f->role != GW_L3_LAN) {
			return GW_ECONFIG;
		}
		if (gw_l2_hdr_len(&f->encap) < 0)
			return GW_ECONFIG;
		if (f->has_v4 && (!gw_addr_is_v4(&f->v4) || f->v4_plen > 32))
			return GW_ECONFIG;
		if (f->has_v6 && (gw_addr_is_v4(&f->v6) || f->v6_plen > 128))
			return GW_ECONFIG;
		if (f->has_v6_ll && !is_v6_link_local(&f->v6_ll))
			return GW_ECONFIG;
		for (j = 0; j < i; j++) {
			const struct gw_l3_if *g = &ifs->ifs[j];

			if (f->role == GW_L3_LAN && g->role == GW_L3_LAN &&
			    f->encap.vid == g->encap.vid &&
			    f->encap.outer_vid == g->encap.outer_vid)
				return GW_ECONFIG;
		}
	}
	if (ifs->wan >= 0 && n_wan != 1)
		return GW_ECONFIG;
	if (ifs->wan < 0 && (n_wan != 0 || ifs->has_gw4 || ifs->has_gw6 ||
			     ifs->n_pool != 0))
		return GW_ECONFIG;
	if (ifs->has_gw4 && !if_v4_has(&ifs->ifs[ifs->wan], &ifs->gw4))
		return GW_ECONFIG;
	if (ifs->has_gw6 && !if_v6_has(&ifs->ifs[ifs->wan], &ifs->gw6) &&
	    !is_v6_link_local(&ifs->gw6))
		return GW_ECONFIG;
	for (i = 0; i < ifs->n_pool; i++)
		if (!gw_addr_is_v4(&ifs->pool[i].addr) ||
		    ifs->pool[i].plen < 96 || ifs->pool[i].plen > 128)
			return GW_ECONFIG;
	return GW_OK;
}

int
gw_l3_if_by_vid(const struct gw_l3_ifs *ifs, uint16_t vid)
{
	unsigned int i;

	for (i = 0; i < ifs->n_ifs && i < GW_L3_MAX_IFS; i++)
		if (ifs->ifs[i].role == GW_L3_LAN && ifs->ifs[i].encap.vid == vid)
			return (int)i;
	return -1;
}

static bool
if_owns(const struct gw_l3_if *f, const struct gw_addr *a)
{
	return (f->has_v4 && gw_addr_cmp(&f->v4, a) == 0) ||
	       (f->has_v6 && gw_addr_cmp(&f->v6, a) == 0) ||
	       (f->has_v6_ll && gw_addr_cmp(&f->v6_ll, a) == 0);
}

static bool
pool_has(const struct gw_l3_ifs *ifs, const struct gw_addr *a)
{
	unsigned int i;

	for (i = 0; i < ifs->n_pool && i < GW_L3_MAX_POOL; i++)
		if (gw_cidr_contains(&ifs->pool[i], a))
			return true;
	return false;
}

int
gw_l3_is_local(const struct gw_l3_ifs *ifs, const struct gw_addr *addr,
	       enum gw_l3_local_kind *kind)
{
	unsigned int i;

	if (ifs == NULL || addr == NULL)
		return GW_EINVAL;
	for (i = 0; i < ifs->n_ifs && i < GW_L3_MAX_IFS; i++) {
		if (if_owns(&ifs->ifs[i], addr)) {
			if (kind != NULL)
				*kind = GW_L3_LOCAL_IF;
			return (int)i;
		}
	}
	if (ifs->wan >= 0 && pool_has(ifs, addr)) {
		if (kind != NULL)
			*kind = GW_L3_LOCAL_POOL;
		return ifs->wan;
	}
	return GW_ENOENT;
}

bool
gw_l3_is_local_on(const struct gw_l3_ifs *ifs, unsigned int ifidx,
		  const struct gw_addr *addr)
{
	if (ifs == NULL || addr == NULL || ifidx >= ifs->n_ifs ||
	    ifidx >= GW_L3_MAX_IFS)
		return false;
	if (if_owns(&ifs->ifs[ifidx], addr))
		return true;
	return (int)ifidx == ifs->wan && pool_has(ifs, addr);
}

static bool
v4_unroutable(const struct gw_addr *a)
{
	const uint8_t *v4 = &a->b[12];

	return v4[0] == 0 || (v4[0] & 0xf0) == 0xe0 ||
	       (v4[0] == 255 && v4[1] == 255 && v4[2] == 255 && v4[3] == 255);
}

static bool
v6_unroutable(const struct gw_addr *a)
{
	static const uint8_t zero[16];

	return a->b[0] == 0xff || is_v6_link_local(a) ||
	       memcmp(a->b, zero, 16) == 0;
}

int
gw_l3_route(const struct gw_l3_ifs *ifs, const struct gw_addr *dst,
	    struct gw_l3_route *r)
{
	bool v4;
	int best = -1, best_len = -1;
	unsigned int i;

	if (ifs == NULL || dst == NULL || r == NULL)
		return GW_EINVAL;
	v4 = gw_addr_is_v4(dst);
	if (v4 ? v4_unroutable(dst) : v6_unroutable(dst))
		return GW_ENOENT;
	for (i = 0; i < ifs->n_ifs && i < GW_L3_MAX_IFS; i++) {
		const struct gw_l3_if *f = &ifs->ifs[i];

		if (v4 && if_v4_has(f, dst) && (int)f->v4_plen > best_len) {
			best = (int)i;
			best_len = f->v4_plen;
		} else if (!v4 && if_v6_has(f, dst) &&
			   (int)f->v6_plen > best_len) {
			best = (int)i;
			best_len = f->v6_plen;
		}
	}
	/* a connected /0 is still more specific than the default route:
	 * best_len starts below 0 */
	if (best >= 0) {
		r->ifidx = (unsigned int)best;
		r->nexthop = *dst;
		return GW_OK;
	}
	if (ifs->wan < 0)
		return GW_ENOENT;
	if (v4 && ifs->has_gw4) {
		r->ifidx = (unsigned int)ifs->wan;
		r->nexthop = ifs->gw4;
		return GW_OK;
	}
	if (!v4 && ifs->has_gw6) {
		r->ifidx = (unsigned int)ifs->wan;
		r->nexthop = ifs->gw6;
		return GW_OK;
	}
	return GW_ENOENT;
}

int
gw_l3_if_addr(const struct gw_l3_ifs *ifs, unsigned int ifidx, uint8_t af,
	      struct gw_addr *out)
{
	const struct gw_l3_if *f;

	if (ifs == NULL || out == NULL || ifidx >= ifs->n_ifs ||
	    ifidx >= GW_L3_MAX_IFS)
		return GW_EINVAL;
	f = &ifs->ifs[ifidx];
	if (af == GW_AF_INET && f->has_v4) {
		*out = f->v4;
		return GW_OK;
	}
	if (af == GW_AF_INET6 && f->has_v6) {
		*out = f->v6;
		return GW_OK;
	}
	if (af == GW_AF_INET6 && f->has_v6_ll) {
		*out = f->v6_ll;
		return GW_OK;
	}
	return GW_ENOENT;
}
