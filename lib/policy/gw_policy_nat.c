/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `gateway.nat`: the keyword tables and handlers of nat mode (LAN VLAN
 * gateway addresses, WAN address and next hop, SNAT pool, mapping timers,
 * neighbour cache) and the checks that need the whole file (mode against
 * the section, next hops in their subnets, overlapping subnets, VLANs
 * against the roles).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "policy/gw_policy_private.h"

#define NS_PER_S UINT64_C(1000000000)

/* ---- addresses ---- */

/* Clears the bits of a below plen (over the mapped space). */
static void
addr_mask(struct gw_addr *a, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		if (plen <= 8 * i)
			a->b[i] = 0;
		else
			a->b[i] &= (uint8_t)(0xff << (8 - (plen - 8 * i)));
	}
}

/* Do two prefixes share an address? (One then contains the other.) */
static bool
cidr_overlap(const struct gw_cidr *x, const struct gw_cidr *y)
{
	return gw_cidr_contains(x, &y->addr) || gw_cidr_contains(y, &x->addr);
}

/*
 * "10.10.0.1/24" or "fd00:10::1/64" of the given family (4 or 6). Returns
 * NULL or what is wrong with it.
 */
static const char *
ifaddr_parse(const char *s, unsigned int family, struct gw_ifaddr *out)
{
	const char *slash = strchr(s, '/');
	char host[GW_ADDR_STRLEN];
	unsigned long plen = 0;
	size_t i, n;
	unsigned int max;
	struct gw_addr last;
	bool v4;

	if (slash == NULL)
		return "expected address/prefix";
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(host))
		return "expected address/prefix";
	memcpy(host, s, n);
	host[n] = '\0';
	if (gw_addr_parse(host, &out->addr) != 0)
		return "invalid address";
	v4 = gw_addr_is_v4(&out->addr);
	if (family == GW_AF_INET && !v4)
		return "expected an IPv4 address";
	if (family == GW_AF_INET6 && v4)
		return "expected an IPv6 address";
	max = v4 ? 31 : 127;
	if (slash[1] == '\0' || strlen(slash + 1) > 3)
		return v4 ? "prefix length must be 1..31" : "prefix length must be 1..127";
	for (i = 1; slash[i] != '\0'; i++) {
		if (slash[i] < '0' || slash[i] > '9' ||
		    (i == 1 && slash[i] == '0' && slash[i + 1] != '\0'))
			return v4 ? "prefix length must be 1..31" : "prefix length must be 1..127";
		plen = plen * 10 + (unsigned long)(slash[i] - '0');
	}
	if (plen < 1 || plen > max)
		return v4 ? "prefix length must be 1..31 (a subnet with hosts)" :
			    "prefix length must be 1..127 (a subnet with hosts)";
	out->plen = (uint8_t)plen;
	out->net.plen = (uint8_t)(v4 ? 96 + plen : plen);
	out->net.addr = out->addr;
	addr_mask(&out->net.addr, out->net.plen);
	if (gw_addr_cmp(&out->net.addr, &out->addr) == 0 && (!v4 || plen < 31))
		return v4 ? "the subnet's network address is not a host address" :
			    "the subnet-router anycast address is not a host address";
	if (v4 && plen < 31) {
		last = out->net.addr;
		for (i = 12 + plen / 8; i < 16; i++)
			last.b[i] |= (uint8_t)(i == 12 + plen / 8 ?
				0xff >> (plen % 8) : 0xff);
		if (gw_addr_cmp(&last, &out->addr) == 0)
			return "the subnet's broadcast address is not a host address";
	}
	out->set = true;
	return NULL;
}

static int
ifaddr_format(const struct gw_ifaddr *a, char *buf, size_t size)
{
	char s[GW_ADDR_STRLEN];

	if (!a->set)
		return snprintf(buf, size, "none");
	return snprintf(buf, size, "%s/%u", gw_addr_to_str(&a->addr, s, sizeof(s)),
			a->plen);
}

/* KW_FN: an interface address; kw->min is the family (4 or 6). */
static void
kw_ifaddr(struct pol_loader *ld, const struct pol_kw *kw,
	  const struct pol_node *v, void *base)
{
	struct gw_ifaddr *a = (struct gw_ifaddr *)((uint8_t *)base + kw->off);
	const char *why;
	char buf[64];

	if (!pol_scalar_str(ld, v, GW_ADDR_STRLEN + 4))
		return;
	why = ifaddr_parse(v->str, (unsigned int)kw->min, a);
	if (why != NULL) {
		memset(a, 0, sizeof(*a));
		pol_err(ld, v, "invalid address '%s': %s (e.g. %s)",
			pol_quote(v, buf, sizeof(buf)), why,
			kw->min == GW_AF_INET ? "10.10.0.1/24" : "fd00:10::1/64");
	}
}

static int
fmt_ifaddr(const struct pol_kw *kw, const void *base, char *buf, size_t size)
{
	return ifaddr_format((const struct gw_ifaddr *)((const uint8_t *)base +
							kw->off), buf, size);
}

/* A next hop: one address of the family kw->min. */
static bool
next_hop_parse(struct pol_loader *ld, const struct pol_kw *kw,
	       const struct pol_node *v, struct gw_addr *a)
{
	char buf[64];
	bool v4;

	if (!pol_scalar_str(ld, v, GW_ADDR_STRLEN - 1))
		return false;
	if (gw_addr_parse(v->str, a) != 0) {
		pol_err(ld, v, "invalid address '%s'", pol_quote(v, buf, sizeof(buf)));
		return false;
	}
	v4 = gw_addr_is_v4(a);
	if (v4 != (kw->min == GW_AF_INET)) {
		pol_err(ld, v, "'%s': expected an %s address",
			pol_quote(v, buf, sizeof(buf)), v4 ? "IPv6" : "IPv4");
		return false;
	}
	return true;
}

static void
kw_next_hop(struct pol_loader *ld, const struct pol_kw *kw,
	    const struct pol_node *v, void *base)
{
	struct gw_nat_wan *w = base;

	w->next_hop_set = next_hop_parse(ld, kw, v, &w->next_hop);
}

static void
kw_next_hop6(struct pol_loader *ld, const struct pol_kw *kw,
	     const struct pol_node *v, void *base)
{
	struct gw_nat_wan *w = base;

	w->next_hop6_set = next_hop_parse(ld, kw, v, &w->next_hop6);
}

static int
fmt_next_hop(const struct pol_kw *kw, const void *base, char *buf, size_t size)
{
	const struct gw_nat_wan *w = base;
	bool v6 = kw->min == GW_AF_INET6;
	char s[GW_ADDR_STRLEN];

	if (!(v6 ? w->next_hop6_set : w->next_hop_set))
		return snprintf(buf, size, "none");
	return snprintf(buf, size, "%s",
			gw_addr_to_str(v6 ? &w->next_hop6 : &w->next_hop, s,
				       sizeof(s)));
}

/* ---- lan.vlans ---- */

static const struct pol_kw kw_nat_vlan[] = {
	{.key = "vlan", .type = KW_UINT, .flags = KW_REQUIRED, .size = 2,
	 .min = 1, .max = GW_VLAN_MAX, .scale = 1,
	 .off = offsetof(struct gw_nat_vlan, vlan)},
	{.key = "address", .type = KW_FN, .flags = KW_REQUIRED,
	 .min = GW_AF_INET, .off = offsetof(struct gw_nat_vlan, addr),
	 .fn = kw_ifaddr, .fmt = fmt_ifaddr},
	{.key = "address6", .type = KW_FN, .min = GW_AF_INET6,
	 .off = offsetof(struct gw_nat_vlan, addr6), .fn = kw_ifaddr,
	 .fmt = fmt_ifaddr},
	{.key = NULL},
};

static void
kw_lan_vlans(struct pol_loader *ld, const struct pol_kw *kw,
	     const struct pol_node *v, void *base)
{
	struct gw_nat_cfg *nat = (struct gw_nat_cfg *)((uint8_t *)base + kw->off);
	unsigned int first_line[GW_VLAN_MAX + 1];
	const struct pol_node *it;
	size_t idx = 0;

	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	if (v->n < kw->min || v->n > kw->max) {
		pol_err(ld, v, "expected %llu to %llu VLANs, got %zu",
			(unsigned long long)kw->min, (unsigned long long)kw->max,
			v->n);
		return;
	}
	nat->vlans = pol_calloc(ld, v->n, sizeof(*nat->vlans));
	ld->nat_items = pol_calloc(ld, v->n, sizeof(*ld->nat_items));
	if (nat->vlans == NULL || ld->nat_items == NULL)
		return;
	memset(first_line, 0, sizeof(first_line));
	for (it = v->first; it != NULL; it = it->next, idx++) {
		struct gw_nat_vlan *e = &nat->vlans[nat->n_vlans];
		size_t saved = pol_path_push(ld, "[%zu]", idx);
		unsigned int errors = ld->errors;

		memset(e, 0, sizeof(*e));
		e->line = it->line;
		pol_kw_map(ld, it, kw_nat_vlan, e);
		if (ld->errors == errors && e->vlan != 0) {
			if (first_line[e->vlan] != 0) {
				pol_err(ld, pol_map_get(it, "vlan"),
					"duplicate VLAN %u (first at line %u)",
					e->vlan, first_line[e->vlan]);
			} else {
				first_line[e->vlan] = it->line;
				ld->nat_items[nat->n_vlans++] = it;
			}
		}
		pol_path_pop(ld, saved);
	}
	ld->nat_lan_ok = nat->n_vlans == v->n;
}

static int
fmt_lan_vlans(const struct pol_kw *kw, const void *base, char *buf,
	      size_t size)
{
	const struct gw_nat_cfg *nat =
		(const struct gw_nat_cfg *)((const uint8_t *)base + kw->off);
	size_t len = 0;
	uint16_t i;
	char a[64], a6[64];

	if (size > 0)
		buf[0] = '\0';
	if (nat->n_vlans == 0)
		return snprintf(buf, size, "none");
	for (i = 0; i < nat->n_vlans; i++) {
		const struct gw_nat_vlan *e = &nat->vlans[i];
		int n;

		ifaddr_format(&e->addr, a, sizeof(a));
		ifaddr_format(&e->addr6, a6, sizeof(a6));
		n = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0,
			     "%s%u %s%s%s", i == 0 ? "" : ", ", e->vlan, a,
			     e->addr6.set ? " " : "", e->addr6.set ? a6 : "");
		if (n < 0)
			return n;
		len += (size_t)n;
	}
	return (int)GW_MIN(len, (size_t)INT32_MAX);
}

/* ---- pool ---- */

struct pool_item {
	uint32_t addr;
	uint32_t item;   /* index of the list entry that gave it */
};

static int
cmp_pool_item(const void *a, const void *b)
{
	const struct pool_item *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

/*
 * One entry: "198.51.100.10", "198.51.100.20-198.51.100.23" or
 * "198.51.100.32/30" (every address of the prefix: a routed pool has no
 * network or broadcast address). Sets *lo and *count.
 */
static const char *
pool_entry_parse(const char *s, uint32_t *lo, uint64_t *count)
{
	const char *dash = strchr(s, '-');
	struct gw_addr a, b;
	struct gw_cidr c;
	char first[GW_ADDR_STRLEN];
	size_t n;

	if (strchr(s, '/') != NULL) {
		if (gw_cidr_parse(s, &c) != 0)
			return "invalid prefix (host bits must be clear)";
		if (!gw_addr_is_v4(&c.addr) || c.plen < 96)
			return "the pool is IPv4 only";
		*lo = gw_addr_v4_u32(&c.addr);
		*count = UINT64_C(1) << (128 - c.plen);
		return NULL;
	}
	if (dash != NULL) {
		n = (size_t)(dash - s);
		if (n == 0 || n >= sizeof(first))
			return "invalid range";
		memcpy(first, s, n);
		first[n] = '\0';
		if (gw_addr_parse(first, &a) != 0 || gw_addr_parse(dash + 1, &b) != 0)
			return "invalid range (expected FIRST-LAST)";
		if (!gw_addr_is_v4(&a) || !gw_addr_is_v4(&b))
			return "the pool is IPv4 only";
		if (gw_addr_v4_u32(&a) > gw_addr_v4_u32(&b))
			return "the range's first address is above its last";
		*lo = gw_addr_v4_u32(&a);
		*count = (uint64_t)gw_addr_v4_u32(&b) - gw_addr_v4_u32(&a) + 1;
		return NULL;
	}
	if (gw_addr_parse(s, &a) != 0)
		return "invalid address";
	if (!gw_addr_is_v4(&a))
		return "the pool is IPv4 only";
	*lo = gw_addr_v4_u32(&a);
	*count = 1;
	return NULL;
}

static void
kw_pool_addrs(struct pol_loader *ld, const struct pol_kw *kw,
	      const struct pol_node *v, void *base)
{
	struct gw_nat_pool *pool = base;
	struct pool_item *items = NULL;
	const struct pol_node **nodes = NULL;
	bool *reported = NULL;
	const struct pol_node *it;
	size_t idx = 0, n = 0, i, j;
	char buf[64];

	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	if (v->n == 0) {
		pol_err(ld, v, "the pool needs at least one address");
		return;
	}
	items = pol_calloc(ld, kw->max, sizeof(*items));
	nodes = pol_calloc(ld, v->n, sizeof(*nodes));
	reported = pol_calloc(ld, v->n, sizeof(*reported));
	if (items == NULL || nodes == NULL || reported == NULL)
		goto out;
	for (it = v->first; it != NULL; it = it->next, idx++) {
		size_t saved = pol_path_push(ld, "[%zu]", idx);
		const char *why;
		uint64_t count = 0, k;
		uint32_t lo = 0;

		nodes[idx] = it;
		if (!pol_scalar_str(ld, it, 2 * GW_ADDR_STRLEN)) {
			pol_path_pop(ld, saved);
			continue;
		}
		why = pool_entry_parse(it->str, &lo, &count);
		if (why != NULL) {
			pol_err(ld, it, "invalid pool entry '%s': %s",
				pol_quote(it, buf, sizeof(buf)), why);
		} else if (count > kw->max - n) {
			pol_err(ld, it, "the pool has more than %llu addresses",
				(unsigned long long)kw->max);
			pol_path_pop(ld, saved);
			goto out;
		} else {
			for (k = 0; k < count; k++) {
				items[n].addr = lo + (uint32_t)k;
				items[n].item = (uint32_t)idx;
				n++;
			}
		}
		pol_path_pop(ld, saved);
	}
	qsort(items, n, sizeof(*items), cmp_pool_item);
	for (i = 1; i < n; i++) {
		struct gw_addr a;
		char s[GW_ADDR_STRLEN];
		size_t saved;

		if (items[i].addr != items[i - 1].addr || reported[items[i].item])
			continue;
		/* Report at the later entry, once per entry. */
		for (j = i - 1; j > 0 && items[j - 1].addr == items[i].addr; j--)
			;
		reported[items[i].item] = true;
		gw_addr_from_v4_u32(&a, items[i].addr);
		saved = pol_path_push(ld, "[%u]", items[i].item);
		pol_err(ld, nodes[items[i].item],
			"pool address %s is listed twice (first at line %u)",
			gw_addr_to_str(&a, s, sizeof(s)), nodes[items[j].item]->line);
		pol_path_pop(ld, saved);
	}
	pool->addrs = pol_calloc(ld, n, sizeof(*pool->addrs));
	if (pool->addrs == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (i == 0 || items[i].addr != items[i - 1].addr)
			gw_addr_from_v4_u32(&pool->addrs[pool->n_addrs++], items[i].addr);
out:
	free(items);
	free(nodes);
	free(reported);
}

static int
fmt_pool_addrs(const struct pol_kw *kw, const void *base, char *buf,
	       size_t size)
{
	const struct gw_nat_pool *pool = base;
	size_t len = 0;
	uint32_t i = 0;
	char a[GW_ADDR_STRLEN], b[GW_ADDR_STRLEN];

	(void)kw;
	if (size > 0)
		buf[0] = '\0';
	if (pool->n_addrs == 0)
		return snprintf(buf, size, "none");
	while (i < pool->n_addrs) {
		uint32_t j = i;
		int n;

		while (j + 1 < pool->n_addrs &&
		       gw_addr_v4_u32(&pool->addrs[j + 1]) == gw_addr_v4_u32(&pool->addrs[j]) + 1)
			j++;
		gw_addr_to_str(&pool->addrs[i], a, sizeof(a));
		gw_addr_to_str(&pool->addrs[j], b, sizeof(b));
		n = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0,
			     "%s%s%s%s", i == 0 ? "" : ", ", a, j > i ? "-" : "",
			     j > i ? b : "");
		if (n < 0)
			return n;
		len += (size_t)n;
		i = j + 1;
	}
	return (int)GW_MIN(len, (size_t)INT32_MAX);
}

/* "1024-65535", or one port. */
static void
kw_pool_ports(struct pol_loader *ld, const struct pol_kw *kw,
	      const struct pol_node *v, void *base)
{
	struct gw_nat_pool *pool = base;
	unsigned long lo = 0, hi = 0, *cur = &lo;
	char buf[64];
	size_t i, digits = 0;
	bool ok = true;

	(void)kw;
	if (v->kind == PN_BAD)
		return;
	if (v->kind != PN_SCALAR || v->len == 0 || v->len > 11) {
		pol_err(ld, v, "expected a port range such as 1024-65535, got %s",
			pol_node_desc(v));
		return;
	}
	for (i = 0; i < v->len && ok; i++) {
		char c = v->str[i];

		if (c == '-' && cur == &lo && digits > 0) {
			cur = &hi;
			digits = 0;
		} else if (c >= '0' && c <= '9' && digits < 5) {
			*cur = *cur * 10 + (unsigned long)(c - '0');
			digits++;
		} else {
			ok = false;
		}
	}
	if (!ok || digits == 0) {
		pol_err(ld, v, "expected a port range such as 1024-65535, got '%s'",
			pol_quote(v, buf, sizeof(buf)));
		return;
	}
	if (cur == &lo)
		hi = lo;
	if (lo < 1 || hi > 65535 || lo > hi) {
		pol_err(ld, v, "port range '%s' must be LO-HI with 1 <= LO <= HI <= 65535",
			pol_quote(v, buf, sizeof(buf)));
		return;
	}
	if (hi - lo + 1 < GW_NAT_PORTS_MIN) {
		pol_err(ld, v, "port range '%s' has %lu ports; at least %d are needed",
			pol_quote(v, buf, sizeof(buf)), hi - lo + 1, GW_NAT_PORTS_MIN);
		return;
	}
	pool->port_lo = (uint16_t)lo;
	pool->port_hi = (uint16_t)hi;
}

static int
fmt_pool_ports(const struct pol_kw *kw, const void *base, char *buf,
	       size_t size)
{
	const struct gw_nat_pool *pool = base;

	(void)kw;
	return snprintf(buf, size, "%u-%u", pool->port_lo, pool->port_hi);
}

/* ---- tables ---- */

static const struct pol_kw kw_nat_lan[] = {
	{.key = "vlans", .type = KW_FN, .flags = KW_REQUIRED, .min = 1,
	 .max = GW_VLAN_MAX, .off = 0, .fn = kw_lan_vlans, .fmt = fmt_lan_vlans},
	{.key = NULL},
};

static const struct pol_kw kw_nat_wan[] = {
	{.key = "address", .type = KW_FN, .flags = KW_REQUIRED,
	 .min = GW_AF_INET, .off = offsetof(struct gw_nat_wan, addr),
	 .fn = kw_ifaddr, .fmt = fmt_ifaddr},
	{.key = "next_hop", .type = KW_FN, .flags = KW_REQUIRED,
	 .min = GW_AF_INET, .off = 0, .fn = kw_next_hop, .fmt = fmt_next_hop},
	{.key = "address6", .type = KW_FN, .min = GW_AF_INET6,
	 .off = offsetof(struct gw_nat_wan, addr6), .fn = kw_ifaddr,
	 .fmt = fmt_ifaddr},
	{.key = "next_hop6", .type = KW_FN, .min = GW_AF_INET6, .off = 0,
	 .fn = kw_next_hop6, .fmt = fmt_next_hop},
	{.key = NULL},
};

static const struct pol_kw kw_nat_pool[] = {
	{.key = "addresses", .type = KW_FN, .flags = KW_REQUIRED,
	 .max = GW_NAT_POOL_MAX, .off = 0, .fn = kw_pool_addrs,
	 .fmt = fmt_pool_addrs},
	{.key = "ports", .type = KW_FN, .off = 0, .fn = kw_pool_ports,
	 .fmt = fmt_pool_ports},
	{.key = NULL},
};

#define NAT_TIMEOUT(k, field, d)                                             \
	{.key = k, .type = KW_UINT, .size = 8, .def = d, .min = 1,           \
	 .max = 604800, .scale = NS_PER_S,                                   \
	 .off = offsetof(struct gw_nat_timeouts, field)}

static const struct pol_kw kw_nat_timeouts[] = {
	NAT_TIMEOUT("tcp_established_s", tcp_established, "7440"),
	NAT_TIMEOUT("tcp_transitory_s", tcp_transitory, "240"),
	NAT_TIMEOUT("udp_s", udp, "300"),
	NAT_TIMEOUT("icmp_s", icmp, "60"),
	{.key = NULL},
};

static const struct pol_kw kw_nat_neigh[] = {
	{.key = "capacity", .type = KW_UINT, .size = 4, .def = "4096",
	 .min = 16, .max = 1048576, .scale = 1,
	 .off = offsetof(struct gw_nat_neigh, capacity)},
	{.key = "reachable_s", .type = KW_UINT, .size = 4, .def = "300",
	 .min = 1, .max = 86400, .scale = 1,
	 .off = offsetof(struct gw_nat_neigh, reachable_s)},
	{.key = "queue_per_entry", .type = KW_UINT, .size = 2, .def = "4",
	 .min = 0, .max = 64, .scale = 1,
	 .off = offsetof(struct gw_nat_neigh, queue_per_entry)},
	{.key = "queue_total", .type = KW_UINT, .size = 4, .def = "1024",
	 .min = 0, .max = 65536, .scale = 1,
	 .off = offsetof(struct gw_nat_neigh, queue_total)},
	{.key = NULL},
};

/* Base: struct gw_nat_cfg. Nothing here changes without a restart. */
const struct pol_kw pol_kw_nat[] = {
	{.key = "lan", .type = KW_MAP, .flags = KW_REQUIRED, .off = 0,
	 .sub = kw_nat_lan},
	{.key = "wan", .type = KW_MAP, .flags = KW_REQUIRED,
	 .off = offsetof(struct gw_nat_cfg, wan), .sub = kw_nat_wan},
	{.key = "pool", .type = KW_MAP, .flags = KW_REQUIRED,
	 .off = offsetof(struct gw_nat_cfg, pool), .sub = kw_nat_pool},
	{.key = "mappings", .type = KW_UINT, .size = 4, .def = "65536",
	 .min = 1024, .max = 16777216, .scale = 1,
	 .off = offsetof(struct gw_nat_cfg, mappings)},
	{.key = "timeouts", .type = KW_MAP,
	 .off = offsetof(struct gw_nat_cfg, timeouts), .sub = kw_nat_timeouts},
	{.key = "neighbours", .type = KW_MAP,
	 .off = offsetof(struct gw_nat_cfg, neigh), .sub = kw_nat_neigh},
	{.key = NULL},
};

/* ---- whole-file checks ---- */

static int
cmp_nat_vlan(const void *a, const void *b)
{
	const struct gw_nat_vlan *x = a, *y = b;

	return x->vlan < y->vlan ? -1 : x->vlan > y->vlan;
}

static bool
is_link_local6(const struct gw_addr *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/* An error at node n (or at the line of the entry when n is NULL). */
static void
err_at(struct pol_loader *ld, const struct pol_node *n,
       const struct pol_node *fallback, const char *path, const char *msg)
{
	size_t saved = pol_path_push(ld, "%s", path);

	pol_err(ld, n != NULL ? n : fallback, "%s", msg);
	pol_path_pop(ld, saved);
}

static void
check_wan(struct pol_loader *ld, const struct gw_nat_wan *w,
	  const struct pol_node *wan)
{
	char msg[200], s[GW_ADDR_STRLEN], net[64];

	if (w->addr.set && w->next_hop_set) {
		if (!gw_cidr_contains(&w->addr.net, &w->next_hop)) {
			snprintf(msg, sizeof(msg), "next hop %s is not in the WAN subnet %s",
				 gw_addr_to_str(&w->next_hop, s, sizeof(s)),
				 gw_cidr_to_str(&w->addr.net, net, sizeof(net)));
			err_at(ld, pol_map_get(wan, "next_hop"), wan,
			       "gateway.nat.wan.next_hop", msg);
		} else if (gw_addr_cmp(&w->next_hop, &w->addr.addr) == 0) {
			err_at(ld, pol_map_get(wan, "next_hop"), wan,
			       "gateway.nat.wan.next_hop",
			       "the next hop is the gateway's own WAN address");
		}
	}
	if (w->addr6.set && !w->next_hop6_set &&
	    pol_map_get(wan, "next_hop6") == NULL)
		err_at(ld, pol_map_key(wan, "address6"), wan, "gateway.nat.wan.address6",
		       "requires next_hop6 (the IPv6 router on the WAN)");
	if (!w->addr6.set && w->next_hop6_set)
		err_at(ld, pol_map_key(wan, "next_hop6"), wan, "gateway.nat.wan.next_hop6",
		       "requires address6 (the gateway's IPv6 WAN address)");
	if (w->addr6.set && w->next_hop6_set) {
		if (!gw_cidr_contains(&w->addr6.net, &w->next_hop6) &&
		    !is_link_local6(&w->next_hop6)) {
			snprintf(msg, sizeof(msg),
				 "next hop %s is neither in the WAN subnet %s nor link-local",
				 gw_addr_to_str(&w->next_hop6, s, sizeof(s)),
				 gw_cidr_to_str(&w->addr6.net, net, sizeof(net)));
			err_at(ld, pol_map_get(wan, "next_hop6"), wan,
			       "gateway.nat.wan.next_hop6", msg);
		} else if (gw_addr_cmp(&w->next_hop6, &w->addr6.addr) == 0) {
			err_at(ld, pol_map_get(wan, "next_hop6"), wan,
			       "gateway.nat.wan.next_hop6",
			       "the next hop is the gateway's own WAN address");
		}
	}
}

/* LAN subnets against each other, the WAN subnets and the pool. */
static void
check_lan(struct pol_loader *ld, const struct gw_nat_cfg *nat,
	  const struct pol_node *pool_node)
{
	char msg[200], net[64], net2[64], s[GW_ADDR_STRLEN];
	uint16_t i, j;
	uint32_t k;

	for (i = 0; i < nat->n_vlans; i++) {
		const struct gw_nat_vlan *e = &nat->vlans[i];
		const struct pol_node *item = ld->nat_items[i];
		char path[64];

		snprintf(path, sizeof(path), "gateway.nat.lan.vlans[%u]", i);
		for (j = 0; j < i; j++) {
			const struct gw_nat_vlan *o = &nat->vlans[j];

			if (e->addr.set && o->addr.set &&
			    cidr_overlap(&e->addr.net, &o->addr.net)) {
				snprintf(msg, sizeof(msg),
					 "subnet %s of VLAN %u overlaps VLAN %u's %s (line %u)",
					 gw_cidr_to_str(&e->addr.net, net, sizeof(net)),
					 e->vlan, o->vlan,
					 gw_cidr_to_str(&o->addr.net, net2, sizeof(net2)),
					 o->line);
				err_at(ld, pol_map_get(item, "address"), item, path, msg);
			}
			if (e->addr6.set && o->addr6.set &&
			    cidr_overlap(&e->addr6.net, &o->addr6.net)) {
				snprintf(msg, sizeof(msg),
					 "IPv6 subnet of VLAN %u overlaps VLAN %u's (line %u)",
					 e->vlan, o->vlan, o->line);
				err_at(ld, pol_map_get(item, "address6"), item, path, msg);
			}
		}
		if (e->addr.set && nat->wan.addr.set &&
		    cidr_overlap(&e->addr.net, &nat->wan.addr.net)) {
			snprintf(msg, sizeof(msg),
				 "subnet %s of VLAN %u overlaps the WAN subnet",
				 gw_cidr_to_str(&e->addr.net, net, sizeof(net)), e->vlan);
			err_at(ld, pol_map_get(item, "address"), item, path, msg);
		}
		if (e->addr6.set && nat->wan.addr6.set &&
		    cidr_overlap(&e->addr6.net, &nat->wan.addr6.net)) {
			snprintf(msg, sizeof(msg),
				 "IPv6 subnet of VLAN %u overlaps the WAN IPv6 subnet",
				 e->vlan);
			err_at(ld, pol_map_get(item, "address6"), item, path, msg);
		}
		for (k = 0; e->addr.set && k < nat->pool.n_addrs; k++) {
			if (!gw_cidr_contains(&e->addr.net, &nat->pool.addrs[k]))
				continue;
			snprintf(msg, sizeof(msg),
				 "pool address %s is inside VLAN %u's subnet (line %u)",
				 gw_addr_to_str(&nat->pool.addrs[k], s, sizeof(s)),
				 e->vlan, e->line);
			err_at(ld, pool_node, item, "gateway.nat.pool.addresses", msg);
			break;
		}
	}
}

/* Every LAN VLAN should have a role (entries in file order). */
static void
check_lan_roles(struct pol_loader *ld, const struct gw_nat_cfg *nat)
{
	const struct gw_policy *p = ld->p;
	char msg[200];
	uint16_t i;

	for (i = 0; i < nat->n_vlans; i++) {
		size_t saved;

		if (p->vlan_role[nat->vlans[i].vlan] >= 0)
			continue;
		snprintf(msg, sizeof(msg),
			 "VLAN %u maps to no role: its traffic is denied unknown_vlan",
			 nat->vlans[i].vlan);
		saved = pol_path_push(ld, "gateway.nat.lan.vlans[%u]", i);
		pol_warn(ld, ld->nat_items[i], "%s", msg);
		pol_path_pop(ld, saved);
	}
}

/* Every role VLAN needs a gateway address (entries sorted). */
static void
check_roles(struct pol_loader *ld)
{
	const struct gw_policy *p = ld->p;
	unsigned int vid;

	for (vid = 1; vid <= GW_VLAN_MAX; vid++) {
		const struct gw_role *r;
		size_t saved;

		if (p->vlan_role[vid] < 0 || gw_policy_nat_vlan(p, (uint16_t)vid) != NULL)
			continue;
		r = &p->roles[p->vlan_role[vid]];
		saved = pol_path_push(ld, "egress_policy.roles.%s.vlans", r->name);
		pol_err_at(ld, ld->vlan_line[vid], ld->vlan_col[vid],
			   "VLAN %u has no entry in gateway.nat.lan.vlans: its hosts would have no gateway",
			   vid);
		pol_path_pop(ld, saved);
	}
	if (p->untagged_role >= 0) {
		size_t saved = pol_path_push(ld, "egress_policy.roles.%s.vlans",
					     p->roles[p->untagged_role].name);

		pol_err_at(ld, ld->untagged_line, ld->untagged_col,
			   "untagged hosts have no gateway in nat mode (gateway.nat.lan lists VLANs only)");
		pol_path_pop(ld, saved);
	}
}

void
pol_nat_finish(struct pol_loader *ld, const struct pol_node *root)
{
	struct gw_nat_cfg *nat = &ld->p->gw.nat;
	const struct pol_node *gw, *nat_key, *nat_node;

	if (nat->pool.port_hi == 0) {
		nat->pool.port_lo = 1024;
		nat->pool.port_hi = 65535;
	}
	gw = pol_map_get(root, "gateway");
	nat_key = pol_map_key(gw, "nat");
	nat_node = nat_key != NULL ? nat_key->next : NULL;
	if (ld->p->gw.mode != GW_MODE_NAT) {
		if (nat_key != NULL)
			pol_err(ld, nat_key, "gateway.nat requires mode: nat");
		return;
	}
	if (nat_key == NULL) {
		const struct pol_node *mode = pol_map_get(gw, "mode");

		err_at(ld, mode, gw, "gateway.mode",
		       "nat requires a gateway.nat section (LAN VLANs, WAN address, pool)");
		return;
	}
	if (nat_node->kind != PN_MAP)
		return; /* already reported */
	if (pol_map_get(nat_node, "wan") != NULL)
		check_wan(ld, &nat->wan, pol_map_get(nat_node, "wan"));
	check_lan(ld, nat, pol_map_get(pol_map_get(nat_node, "pool"), "addresses"));
	check_lan_roles(ld, nat);
	/* Sorted for gw_policy_nat_vlan(); the positions are no longer needed. */
	if (nat->n_vlans > 0)
		qsort(nat->vlans, nat->n_vlans, sizeof(*nat->vlans), cmp_nat_vlan);
	/* A LAN entry with an error would make its role VLAN look uncovered. */
	if (ld->nat_lan_ok)
		check_roles(ld);
}

void
pol_nat_free(struct gw_nat_cfg *nat)
{
	free(nat->vlans);
	free(nat->pool.addrs);
	nat->vlans = NULL;
	nat->pool.addrs = NULL;
	nat->n_vlans = 0;
	nat->pool.n_addrs = 0;
}

const struct gw_nat_vlan *
gw_policy_nat_vlan(const struct gw_policy *p, uint16_t vid)
{
	size_t lo = 0, hi;

	if (p == NULL)
		return NULL;
	hi = p->gw.nat.n_vlans;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint16_t v = p->gw.nat.vlans[mid].vlan;

		if (v == vid)
			return &p->gw.nat.vlans[mid];
		if (v < vid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct gw_role *
gw_policy_role_by_name(const struct gw_policy *p, const char *name)
{
	size_t i;

	if (p == NULL || name == NULL)
		return NULL;
	for (i = 0; i < p->n_roles; i++)
		if (strcmp(p->roles[i].name, name) == 0)
			return &p->roles[i];
	return NULL;
}
