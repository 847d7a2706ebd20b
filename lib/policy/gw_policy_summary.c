/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text summary of a frozen policy for `egressgw check`: what the gateway
 * will do with it, including what it accepted but will not enforce.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "policy/gw_policy_private.h"

struct sbuf {
	char *buf;
	size_t size;
	size_t len;
	bool overflow;
};

static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sb->size - sb->len) {
		sb->overflow = true;
		return;
	}
	sb->len += (size_t)n;
}

static const char *
hygiene_word(uint8_t v)
{
	return v == GW_HYGIENE_ALLOW ? "allow" : "deny";
}

static void
summary_role(struct sbuf *sb, const struct gw_role *r)
{
	static const char *const binding[] = {"strict", "log", "off"};
	uint16_t i;
	unsigned int k;
	bool first;

	sb_printf(sb, "  %s (line %u): vlans", r->name, r->line);
	if (r->n_vlans == 0 && !r->untagged)
		sb_printf(sb, " none (matches no traffic)");
	for (i = 0; i < r->n_vlans; i++)
		sb_printf(sb, "%s%u", i == 0 ? " " : ",", r->vlans[i]);
	if (r->untagged)
		sb_printf(sb, "%suntagged", r->n_vlans == 0 ? " " : ",");
	sb_printf(sb, "; %zu fqdns, %zu cidrs; ports", r->n_fqdns, r->n_cidrs);
	if (r->n_ports == 0 && r->protocols == 0)
		sb_printf(sb, " any for cidrs, 443 (TLS) and 80 (HTTP) for names");
	else if (r->n_ports == 0)
		sb_printf(sb, " any for cidrs, none for names on the wire");
	for (i = 0; i < r->n_ports; i++)
		sb_printf(sb, "%s%u", i == 0 ? " " : ",", r->ports[i]);
	sb_printf(sb, "; methods");
	if (r->n_methods == 0)
		sb_printf(sb, " any");
	for (i = 0; i < r->n_methods; i++)
		sb_printf(sb, "%s%s", i == 0 ? " " : ",", r->methods[i]);
	if (r->notes != NULL)
		sb_printf(sb, "; has notes");
	sb_printf(sb, "\n");

	sb_printf(sb, "    checks: name_binding %s, ech %s, quic %s",
		  r->name_binding < GW_ARRAY_SIZE(binding) ?
			binding[r->name_binding] : "?",
		  r->ech == GW_ECH_BLOCK ? "block" : "outer_sni",
		  r->quic == GW_QUIC_BLOCK ? "block" : "allow");
	sb_printf(sb, "; hygiene no_sni %s, ip_literal %s, host_change %s, non_tls_on_tls_port %s, http_on_other_ports %s\n",
		  hygiene_word(r->hygiene.no_sni),
		  hygiene_word(r->hygiene.ip_literal),
		  hygiene_word(r->hygiene.host_change),
		  hygiene_word(r->hygiene.non_tls_on_tls_port),
		  hygiene_word(r->hygiene.http_on_other_ports));
	if (r->protocols != 0) {
		sb_printf(sb, "    protocol");
		first = true;
		for (k = 0; k < GW_RPROTO_MAX; k++) {
			if (!(r->protocols & (1u << k)))
				continue;
			sb_printf(sb, "%s%s", first ? " " : ",",
				  gw_policy_protocol_name(k));
			first = false;
		}
		if (r->n_bind_ports == 0) {
			sb_printf(sb, ": no port left, allows nothing\n");
			return;
		}
		sb_printf(sb, ": TCP");
		for (i = 0; i < r->n_bind_ports; i++)
			sb_printf(sb, "%s%u", i == 0 ? " " : ",", r->bind_ports[i]);
		sb_printf(sb, " only to addresses DNS bound to the role's names\n");
	}
}

static void
summary_dns(struct sbuf *sb, const struct gw_dns_policy *dns)
{
	char a[GW_ADDR_STRLEN];
	size_t i;

	sb_printf(sb, "dns:\n");
	if (!dns->restricted) {
		sb_printf(sb, "  port 53: not restricted (no dns.allow): the CIDR rules decide\n");
	} else {
		if (dns->n_resolvers == 0)
			sb_printf(sb, "  port 53 (UDP, TCP): no resolver, all DNS is denied\n");
		else
			sb_printf(sb, "  port 53 (UDP, TCP) only to %zu resolver%s, for every role:",
				  dns->n_resolvers, dns->n_resolvers == 1 ? "" : "s");
		for (i = 0; i < dns->n_resolvers && i < 16; i++)
			sb_printf(sb, " %s", gw_addr_to_str(&dns->resolvers[i], a, sizeof(a)));
		if (dns->n_resolvers > 16)
			sb_printf(sb, " ...");
		if (dns->n_resolvers > 0)
			sb_printf(sb, "\n");
		for (i = 0; i < dns->n_names; i++) {
			if (dns->names[i].n_addrs > 0)
				sb_printf(sb, "  resolver name %s (line %u): %u address%s at load\n",
					  dns->names[i].name, dns->names[i].line,
					  dns->names[i].n_addrs,
					  dns->names[i].n_addrs == 1 ? "" : "es");
			else
				sb_printf(sb, "  resolver name %s (line %u): did not resolve, matches nothing\n",
					  dns->names[i].name, dns->names[i].line);
		}
	}
	if (dns->block_encrypted == 0) {
		sb_printf(sb, "  encrypted DNS: not blocked\n");
		return;
	}
	sb_printf(sb, "  encrypted DNS blocked:");
	if (dns->block_encrypted & GW_DNS_BLOCK_DOH) {
		sb_printf(sb, " DoH (%zu endpoint names: built-in list", dns->n_doh);
		if (dns->doh_providers[0] != '\0')
			sb_printf(sb, " + %zu from %s", dns->n_doh_extra,
				  dns->doh_providers);
		sb_printf(sb, ")");
	}
	if (dns->block_encrypted & GW_DNS_BLOCK_DOT)
		sb_printf(sb, " DoT (TCP 853)");
	if (dns->block_encrypted & GW_DNS_BLOCK_DOQ)
		sb_printf(sb, " DoQ (UDP 853)");
	sb_printf(sb, "\n");
}

/* Walks a keyword table, so every setting is shown. */
static void
summary_kw(struct sbuf *sb, const struct pol_kw *tab, const void *base,
	   const char *prefix)
{
	for (; tab->key != NULL; tab++) {
		char sub[64], val[160];
		int n;

		if (tab->type == KW_MAP) {
			if (tab->off == KW_NOSTORE)
				continue;
			snprintf(sub, sizeof(sub), "%s%s.", prefix, tab->key);
			summary_kw(sb, tab->sub, (const uint8_t *)base + tab->off, sub);
			continue;
		}
		if (tab->type == KW_FN && tab->fmt == NULL)
			continue;
		if (tab->type != KW_UINT && tab->type != KW_ENUM &&
		    tab->type != KW_STR && tab->type != KW_DOUBLE &&
		    tab->type != KW_FN)
			continue;
		if (tab->off == KW_NOSTORE && tab->type != KW_FN)
			continue;
		n = pol_kw_format(tab, base, val, sizeof(val));
		sb_printf(sb, "  %s%s: %s%s\n", prefix, tab->key, val,
			  n >= (int)sizeof(val) ? "..." : "");
	}
}

int
gw_policy_summary(const struct gw_policy *p, char *buf, size_t size)
{
	struct sbuf sb = {.buf = buf, .size = size};
	size_t i, n_novlan = 0;
	uint32_t lo = UINT32_MAX, hi = 0;

	if (p == NULL || buf == NULL || size == 0)
		return GW_EINVAL;
	buf[0] = '\0';
	sb_printf(&sb, "policy %s: %zu roles, %zu C2 signatures\n", p->source,
		  p->n_roles, p->n_sigs);
	if (p->n_roles > 0)
		sb_printf(&sb, "roles:\n");
	for (i = 0; i < p->n_roles; i++) {
		summary_role(&sb, &p->roles[i]);
		if (p->roles[i].n_vlans == 0 && !p->roles[i].untagged)
			n_novlan++;
	}
	for (i = 0; i < p->n_sigs; i++) {
		lo = GW_MIN(lo, p->sigs[i].id);
		hi = GW_MAX(hi, p->sigs[i].id);
	}
	if (p->n_sigs > 0)
		sb_printf(&sb, "c2 signatures: %zu (ids %u..%u), checked before every allowlist\n",
			  p->n_sigs, lo, hi);
	summary_dns(&sb, &p->dns);
	sb_printf(&sb, "gateway (a reload does not change these; restart):\n");
	if (p->gw.mode == GW_MODE_NAT) {
		summary_kw(&sb, pol_kw_gateway, &p->gw, "");
	} else {
		/* Bridge mode: the nat section is empty, leave it out. */
		const struct pol_kw *kw;

		for (kw = pol_kw_gateway; kw->key != NULL; kw++) {
			struct pol_kw one[2] = {*kw, {.key = NULL}};

			if (strcmp(kw->key, "nat") != 0)
				summary_kw(&sb, one, &p->gw, "");
		}
	}
	sb_printf(&sb, "monitoring:\n");
	summary_kw(&sb, pol_kw_monitoring, &p->mon, "");
	if (p->n_unenforced > 0) {
		sb_printf(&sb, "accepted but not enforced by this version:\n");
		for (i = 0; i < p->n_unenforced; i++)
			sb_printf(&sb, "  %s (line %u)\n", p->unenforced[i].path,
				  p->unenforced[i].line);
	}
	if (n_novlan > 0) {
		sb_printf(&sb, "note: %zu role%s without vlans match%s no traffic:",
			  n_novlan, n_novlan == 1 ? "" : "s",
			  n_novlan == 1 ? "es" : "");
		for (i = 0; i < p->n_roles; i++)
			if (p->roles[i].n_vlans == 0 && !p->roles[i].untagged)
				sb_printf(&sb, " %s", p->roles[i].name);
		sb_printf(&sb, "\n");
	}
	if (sb.overflow) {
		buf[sb.len] = '\0';
		return GW_ENOSPC;
	}
	return (int)sb.len;
}
