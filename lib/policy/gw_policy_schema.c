/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy file format: keyword tables for every section and the
 * handlers of the keys that build roles and signatures. These tables are
 * the single description of the format (docs/policy.md follows them).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "policy/gw_policy_private.h"

/* Longest `notes:` text and regex pattern. */
#define POL_NOTES_MAX 4096
#define POL_PATTERN_MAX 4096

/* ---- comparators for duplicate entries ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_cidr(const void *a, const void *b)
{
	const struct gw_cidr *x = a, *y = b;
	int c = gw_addr_cmp(&x->addr, &y->addr);

	if (c != 0)
		return c;
	return x->plen < y->plen ? -1 : x->plen > y->plen;
}


/* ---- roles ---- */

static const struct pol_kw_word kw_words_name_binding[] = {
	{"strict", GW_NAME_BINDING_STRICT}, {"log", GW_NAME_BINDING_LOG},
	{"off", GW_NAME_BINDING_OFF}, {NULL, 0},
};
static const struct pol_kw_word kw_words_ech[] = {
	{"block", GW_ECH_BLOCK}, {"outer_sni", GW_ECH_OUTER_SNI}, {NULL, 0},
};
static const struct pol_kw_word kw_words_quic[] = {
	{"block", GW_QUIC_BLOCK}, {"allow", GW_QUIC_ALLOW}, {NULL, 0},
};
static const struct pol_kw_word kw_words_hygiene[] = {
	{"deny", GW_HYGIENE_DENY}, {"allow", GW_HYGIENE_ALLOW}, {NULL, 0},
};

/*
 * Protocols without a name on the wire, by their usual port. SFTP and SCP
 * run over SSH, hence one port for the three. TLS and HTTP need no entry:
 * their names are on the wire (allow_fqdns on name ports).
 */
static const struct {
	const char *name;
	uint16_t port;
} role_protocols[GW_RPROTO_MAX] = {
	[GW_RPROTO_SSH] = {"SSH", 22},
	[GW_RPROTO_SFTP] = {"SFTP", 22},
	[GW_RPROTO_SCP] = {"SCP", 22},
	[GW_RPROTO_RDP] = {"RDP", 3389},
};

static const struct pol_kw_word kw_words_protocol[] = {
	{"SSH", GW_RPROTO_SSH}, {"SFTP", GW_RPROTO_SFTP},
	{"SCP", GW_RPROTO_SCP}, {"RDP", GW_RPROTO_RDP}, {NULL, 0},
};

const char *
gw_policy_protocol_name(unsigned int proto)
{
	return proto < GW_RPROTO_MAX ? role_protocols[proto].name : NULL;
}

uint16_t
gw_policy_protocol_port(unsigned int proto)
{
	return proto < GW_RPROTO_MAX ? role_protocols[proto].port : 0;
}

static struct gw_role *
cur_role(struct pol_loader *ld)
{
	return &ld->p->roles[ld->cur_role];
}

static void
role_vlans(struct pol_loader *ld, const struct pol_kw *kw,
	   const struct pol_node *v, void *base)
{
	struct gw_policy *p = ld->p;
	struct gw_role *r = base;
	int16_t self = (int16_t)ld->cur_role;
	const struct pol_node *it;
	size_t idx = 0;

	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	r->vlans = pol_calloc(ld, v->n, sizeof(*r->vlans));
	if (r->vlans == NULL)
		return;
	for (it = v->first; it != NULL; it = it->next, idx++) {
		size_t saved = pol_path_push(ld, "[%zu]", idx);
		uint64_t vid;

		if (it->kind == PN_SCALAR && strcasecmp(it->str, "untagged") == 0) {
			if (p->untagged_role == self)
				pol_err(ld, it, "duplicate entry 'untagged' (first at line %u)",
					ld->untagged_line);
			else if (p->untagged_role >= 0)
				pol_err(ld, it, "untagged traffic is already mapped to role '%s' (line %u)",
					p->roles[p->untagged_role].name,
					ld->untagged_line);
			else {
				p->untagged_role = self;
				ld->untagged_line = it->line;
				ld->untagged_col = it->col;
				r->untagged = true;
			}
		} else if (pol_scalar_uint(ld, it, kw->min, kw->max, &vid)) {
			int16_t owner = p->vlan_role[vid];

			if (owner == self)
				pol_err(ld, it, "duplicate entry '%llu' (first at line %u)",
					(unsigned long long)vid, ld->vlan_line[vid]);
			else if (owner >= 0)
				pol_err(ld, it, "VLAN %llu is already mapped to role '%s' (line %u)",
					(unsigned long long)vid, p->roles[owner].name,
					ld->vlan_line[vid]);
			else {
				p->vlan_role[vid] = self;
				ld->vlan_line[vid] = it->line;
				ld->vlan_col[vid] = it->col;
				r->vlans[r->n_vlans++] = (uint16_t)vid;
			}
		}
		pol_path_pop(ld, saved);
	}
}

static void
role_fqdns(struct pol_loader *ld, const struct pol_kw *kw,
	   const struct pol_node *v, void *base)
{
	struct gw_role *r = base;
	struct pol_dup_item *items;
	const struct pol_node *it;
	size_t idx = 0, n_ok = 0;
	char norm[256], buf[64];

	(void)kw;
	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	ld->rinfo[ld->cur_role].fqdns = v;
	r->fqdns = pol_calloc(ld, v->n, sizeof(*r->fqdns));
	items = pol_calloc(ld, v->n, sizeof(*items));
	if (r->fqdns == NULL || items == NULL)
		goto out;
	for (it = v->first; it != NULL; it = it->next, idx++) {
		size_t saved = pol_path_push(ld, "[%zu]", idx);
		int len;

		if (!pol_scalar_str(ld, it, 255)) {
			pol_path_pop(ld, saved);
			continue;
		}
		if (gw_name_is_ip_literal(it->str, it->len)) {
			pol_err(ld, it, "'%s' is an IP address: put addresses in allow_cidrs",
				pol_quote(it, buf, sizeof(buf)));
		} else if (strchr(it->str, '/') != NULL) {
			pol_err(ld, it, "'%s' is not a name (a CIDR belongs in allow_cidrs)",
				pol_quote(it, buf, sizeof(buf)));
		} else if ((len = gw_name_normalize((const uint8_t *)it->str, it->len,
						    norm, sizeof(norm), true)) < 0) {
			pol_err(ld, it, "invalid name '%s' (expected host.example.tld or *.example.tld)",
				pol_quote(it, buf, sizeof(buf)));
		} else {
			char *s = pol_strdup(ld, norm, (size_t)len);

			if (s != NULL) {
				r->fqdns[r->n_fqdns++] = s;
				items[n_ok].key = s;
				items[n_ok].node = it;
				items[n_ok].idx = n_ok;
				n_ok++;
			}
		}
		pol_path_pop(ld, saved);
	}
	pol_dup_report(ld, items, n_ok, cmp_str, "entry");
out:
	free(items);
}

static void
role_cidrs(struct pol_loader *ld, const struct pol_kw *kw,
	   const struct pol_node *v, void *base)
{
	struct gw_role *r = base;
	struct pol_dup_item *items;
	const struct pol_node *it;
	size_t idx = 0;
	char buf[64];

	(void)kw;
	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	r->cidrs = pol_calloc(ld, v->n, sizeof(*r->cidrs));
	items = pol_calloc(ld, v->n, sizeof(*items));
	if (r->cidrs == NULL || items == NULL)
		goto out;
	for (it = v->first; it != NULL; it = it->next, idx++) {
		size_t saved = pol_path_push(ld, "[%zu]", idx);
		struct gw_cidr *c = &r->cidrs[r->n_cidrs];

		if (pol_scalar_str(ld, it, GW_ADDR_STRLEN + 4)) {
			if (gw_cidr_parse(it->str, c) != 0) {
				pol_err(ld, it, "invalid CIDR '%s' (expected address/prefix with the host bits clear, e.g. 10.0.0.0/8 or 2001:db8::/32)",
					pol_quote(it, buf, sizeof(buf)));
			} else {
				items[r->n_cidrs].key = c;
				items[r->n_cidrs].node = it;
				items[r->n_cidrs].idx = r->n_cidrs;
				r->n_cidrs++;
			}
		}
		pol_path_pop(ld, saved);
	}
	pol_dup_report(ld, items, r->n_cidrs, cmp_cidr, "entry");
out:
	free(items);
}

static void
role_ports(struct pol_loader *ld, const struct pol_kw *kw,
	   const struct pol_node *v, void *base)
{
	struct gw_role *r = base;
	struct pol_dup_item *items;
	const struct pol_node *it;
	size_t idx = 0;

	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	if (v->n > 65535) {
		pol_err(ld, v, "more than 65535 ports");
		return;
	}
	r->ports = pol_calloc(ld, v->n, sizeof(*r->ports));
	items = pol_calloc(ld, v->n, sizeof(*items));
	if (r->ports == NULL || items == NULL)
		goto out;
	for (it = v->first; it != NULL; it = it->next, idx++) {
		size_t saved = pol_path_push(ld, "[%zu]", idx);
		uint64_t port;

		if (pol_scalar_uint(ld, it, kw->min, kw->max, &port)) {
			r->ports[r->n_ports] = (uint16_t)port;
			items[r->n_ports].key = &r->ports[r->n_ports];
			items[r->n_ports].node = it;
			items[r->n_ports].idx = r->n_ports;
			r->n_ports++;
		}
		pol_path_pop(ld, saved);
	}
	pol_dup_report(ld, items, r->n_ports, cmp_u16, "entry");
out:
	free(items);
}

static void
role_methods(struct pol_loader *ld, const struct pol_kw *kw,
	     const struct pol_node *v, void *base)
{
	struct gw_role *r = base;
	struct pol_dup_item *items;
	const struct pol_node *it;
	size_t idx = 0, i;
	char buf[64];

	(void)kw;
	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	if (v->n > UINT16_MAX) {
		pol_err(ld, v, "more than %u methods", UINT16_MAX);
		return;
	}
	r->methods = pol_calloc(ld, v->n, sizeof(*r->methods));
	items = pol_calloc(ld, v->n, sizeof(*items));
	if (r->methods == NULL || items == NULL)
		goto out;
	for (it = v->first; it != NULL; it = it->next, idx++) {
		size_t saved = pol_path_push(ld, "[%zu]", idx);
		char *m = r->methods[r->n_methods];
		bool ok = true;

		if (!pol_scalar_str(ld, it, GW_METHOD_MAX - 1)) {
			pol_path_pop(ld, saved);
			continue;
		}
		for (i = 0; i < it->len; i++) {
			if (!gw_is_tchar((uint8_t)it->str[i])) {
				ok = false;
				break;
			}
			m[i] = (it->str[i] >= 'a' && it->str[i] <= 'z') ?
				(char)(it->str[i] - 'a' + 'A') : it->str[i];
		}
		if (!ok) {
			pol_err(ld, it, "invalid HTTP method '%s' (a token such as GET or POST)",
				pol_quote(it, buf, sizeof(buf)));
			memset(m, 0, GW_METHOD_MAX);
		} else {
			m[it->len] = '\0';
			items[r->n_methods].key = m;
			items[r->n_methods].node = it;
			items[r->n_methods].idx = r->n_methods;
			r->n_methods++;
		}
		pol_path_pop(ld, saved);
	}
	pol_dup_report(ld, items, r->n_methods, cmp_str, "entry");
out:
	free(items);
}

static void
role_protocol(struct pol_loader *ld, const struct pol_kw *kw,
	      const struct pol_node *v, void *base)
{
	struct gw_role *r = base;
	unsigned int first_line[GW_RPROTO_MAX] = {0};
	const struct pol_node *it;
	size_t idx = 0;
	char buf[64];

	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	ld->rinfo[ld->cur_role].protocol = v;
	for (it = v->first; it != NULL; it = it->next, idx++) {
		size_t saved = pol_path_push(ld, "[%zu]", idx);
		const struct pol_kw_word *w = pol_scalar_word(ld, kw, it);

		if (w != NULL) {
			if (r->protocols & (1u << w->value))
				pol_err(ld, it, "duplicate entry '%s' (first at line %u)",
					pol_quote(it, buf, sizeof(buf)),
					first_line[w->value]);
			else
				first_line[w->value] = it->line;
			r->protocols |= 1u << w->value;
		}
		pol_path_pop(ld, saved);
	}
}

static void
role_notes(struct pol_loader *ld, const struct pol_kw *kw,
	   const struct pol_node *v, void *base)
{
	struct gw_role *r = base;

	if (pol_scalar_str(ld, v, kw->max))
		r->notes = pol_strdup(ld, v->str, v->len);
}

#define HYGIENE(k, field)                                                    \
	{.key = k, .type = KW_ENUM, .flags = KW_RELOAD, .size = 1,           \
	 .def = "deny", .off = offsetof(struct gw_hygiene, field),           \
	 .words = kw_words_hygiene}

/* Strict hygiene is the default: each check denies unless set to allow. */
static const struct pol_kw kw_hygiene[] = {
	HYGIENE("no_sni", no_sni),
	HYGIENE("ip_literal", ip_literal),
	HYGIENE("host_change", host_change),
	HYGIENE("non_tls_on_tls_port", non_tls_on_tls_port),
	HYGIENE("http_on_other_ports", http_on_other_ports),
	{.key = NULL},
};

const struct pol_kw pol_kw_role[] = {
	{.key = "vlans", .type = KW_FN, .flags = KW_RELOAD, .min = 1,
	 .max = GW_VLAN_MAX, .off = KW_NOSTORE, .fn = role_vlans},
	{.key = "allow_fqdns", .type = KW_FN, .flags = KW_RELOAD,
	 .off = KW_NOSTORE, .fn = role_fqdns},
	{.key = "allow_cidrs", .type = KW_FN, .flags = KW_RELOAD,
	 .off = KW_NOSTORE, .fn = role_cidrs},
	{.key = "allow_ports", .type = KW_FN, .flags = KW_RELOAD, .min = 1,
	 .max = 65535, .off = KW_NOSTORE, .fn = role_ports},
	{.key = "allow_methods", .type = KW_FN, .flags = KW_RELOAD,
	 .off = KW_NOSTORE, .fn = role_methods},
	{.key = "notes", .type = KW_FN, .flags = KW_RELOAD,
	 .max = POL_NOTES_MAX, .off = KW_NOSTORE, .fn = role_notes},
	{.key = "protocol", .type = KW_FN, .flags = KW_RELOAD,
	 .off = KW_NOSTORE, .words = kw_words_protocol,
	 .why = "protocols without a name on the wire; TLS and HTTP are judged by their names",
	 .fn = role_protocol},
	{.key = "name_binding", .type = KW_ENUM, .flags = KW_RELOAD, .size = 1,
	 .def = "strict", .off = offsetof(struct gw_role, name_binding),
	 .words = kw_words_name_binding},
	{.key = "ech", .type = KW_ENUM, .flags = KW_RELOAD, .size = 1,
	 .def = "outer_sni", .off = offsetof(struct gw_role, ech),
	 .words = kw_words_ech},
	{.key = "quic", .type = KW_ENUM, .flags = KW_RELOAD, .size = 1,
	 .def = "block", .off = offsetof(struct gw_role, quic),
	 .words = kw_words_quic},
	{.key = "hygiene", .type = KW_MAP, .flags = KW_RELOAD,
	 .off = offsetof(struct gw_role, hygiene), .sub = kw_hygiene},
	{.key = NULL},
};

static bool
role_name_ok(const struct pol_node *k)
{
	size_t i;

	if (k->len == 0 || k->len > GW_ROLE_NAME_MAX - 1)
		return false;
	for (i = 0; i < k->len; i++) {
		char c = k->str[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static void
pol_roles(struct pol_loader *ld, const struct pol_kw *kw,
	  const struct pol_node *v, void *base)
{
	struct gw_policy *p = ld->p;
	const struct pol_node *k;
	size_t pairs, i;
	char buf[64];

	(void)kw;
	(void)base;
	if (!pol_expect_kind(ld, v, PN_MAP))
		return;
	pairs = GW_MIN(v->n / 2, (size_t)GW_MAX_ROLES);
	p->roles = pol_calloc(ld, pairs, sizeof(*p->roles));
	ld->rinfo = pol_calloc(ld, pairs, sizeof(*ld->rinfo));
	if (p->roles == NULL || ld->rinfo == NULL)
		return;
	for (k = v->first; k != NULL && k->next != NULL; k = k->next->next) {
		const struct pol_node *body = k->next;
		struct gw_role *r;
		size_t saved;

		if (k->kind != PN_SCALAR) {
			if (k->kind != PN_BAD)
				pol_err(ld, k, "a role name must be a name, got %s",
					pol_node_desc(k));
			continue;
		}
		if (!role_name_ok(k)) {
			pol_err(ld, k, "invalid role name '%s' (1 to %d of A-Z a-z 0-9 _ -)",
				pol_quote(k, buf, sizeof(buf)), GW_ROLE_NAME_MAX - 1);
			continue;
		}
		for (i = 0; i < p->n_roles; i++)
			if (strcmp(p->roles[i].name, k->str) == 0)
				break;
		if (i < p->n_roles) {
			pol_err(ld, k, "duplicate key '%s' (first at line %u)",
				k->str, p->roles[i].line);
			continue;
		}
		if (p->n_roles == GW_MAX_ROLES) {
			pol_err(ld, k, "more than %d roles", GW_MAX_ROLES);
			break;
		}
		ld->cur_role = p->n_roles++;
		r = cur_role(ld);
		memcpy(r->name, k->str, k->len + 1);
		r->line = k->line;
		pol_kw_defaults(pol_kw_role, r);
		saved = pol_path_push_key(ld, r->name);
		pol_kw_map(ld, body, pol_kw_role, r);
		pol_path_pop(ld, saved);
	}
}

/*
 * Binding ports of a role with `protocol:`: its allow_ports other than 443
 * and 80 (which stay name ports), or the protocols' own ports when it has
 * no allow_ports. Only a role with names has them.
 */
static void
role_bind_ports(struct pol_loader *ld, struct gw_role *r,
		const struct pol_node *at)
{
	uint16_t ports[GW_RPROTO_MAX];
	uint16_t i, n = 0;
	unsigned int k;

	if (r->protocols == 0)
		return;
	if (r->n_fqdns == 0) {
		pol_warn(ld, at, "without allow_fqdns there is no name to bind: it allows nothing");
		return;
	}
	if (r->n_ports > 0) {
		r->bind_ports = pol_calloc(ld, r->n_ports, sizeof(*r->bind_ports));
		if (r->bind_ports == NULL)
			return;
		for (i = 0; i < r->n_ports; i++)
			if (r->ports[i] != 443 && r->ports[i] != 80)
				r->bind_ports[r->n_bind_ports++] = r->ports[i];
		if (r->n_bind_ports == 0)
			pol_warn(ld, at, "allow_ports leaves no port for it (443 and 80 stay name ports)");
	} else {
		for (k = 0; k < GW_RPROTO_MAX; k++)
			if (r->protocols & (1u << k))
				ports[n++] = role_protocols[k].port;
		r->bind_ports = pol_calloc(ld, n, sizeof(*r->bind_ports));
		if (r->bind_ports == NULL)
			return;
		memcpy(r->bind_ports, ports, n * sizeof(*ports));
		r->n_bind_ports = n;
	}
	qsort(r->bind_ports, r->n_bind_ports, sizeof(*r->bind_ports), cmp_u16);
	for (i = 0, n = 0; i < r->n_bind_ports; i++)
		if (n == 0 || r->bind_ports[n - 1] != r->bind_ports[i])
			r->bind_ports[n++] = r->bind_ports[i];
	r->n_bind_ports = n;
}

void
pol_roles_finish(struct pol_loader *ld)
{
	struct gw_policy *p = ld->p;
	size_t i;

	for (i = 0; i < p->n_roles; i++) {
		const struct pol_node *at = ld->rinfo[i].protocol;
		size_t saved;

		if (at == NULL)
			continue;
		saved = pol_path_push(ld, "egress_policy.roles.%s.protocol",
				      p->roles[i].name);
		role_bind_ports(ld, &p->roles[i], at);
		pol_path_pop(ld, saved);
	}
}

/* ---- C2 signatures ---- */

static const struct pol_kw_word kw_words_severity[] = {
	{"high", GW_SEV_HIGH}, {"medium", GW_SEV_MEDIUM}, {"low", GW_SEV_LOW},
	{"1", GW_SEV_HIGH}, {"2", GW_SEV_MEDIUM}, {"3", GW_SEV_LOW},
	{NULL, 0},
};

static void
sig_pattern(struct pol_loader *ld, const struct pol_kw *kw,
	    const struct pol_node *v, void *base)
{
	struct gw_c2_sig *s = base;

	if (!pol_scalar_str(ld, v, kw->max))
		return;
	s->pattern = pol_strdup(ld, v->str, v->len);
	ld->sinfo[ld->cur_sig].pattern = v;
}

static const struct pol_kw kw_sig[] = {
	{.key = "id", .type = KW_UINT, .flags = KW_REQUIRED | KW_RELOAD,
	 .size = 4, .min = 1, .max = UINT32_MAX, .scale = 1,
	 .off = offsetof(struct gw_c2_sig, id)},
	{.key = "name", .type = KW_STR, .flags = KW_REQUIRED | KW_RELOAD,
	 .max = GW_SIG_NAME_MAX - 1, .off = offsetof(struct gw_c2_sig, name)},
	{.key = "severity", .type = KW_ENUM, .flags = KW_RELOAD, .size = 1,
	 .def = "high", .off = offsetof(struct gw_c2_sig, severity),
	 .words = kw_words_severity},
	{.key = "pattern", .type = KW_FN, .flags = KW_REQUIRED | KW_RELOAD,
	 .max = POL_PATTERN_MAX, .off = KW_NOSTORE, .fn = sig_pattern},
	{.key = NULL},
};

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
pol_sigs(struct pol_loader *ld, const struct pol_kw *kw,
	 const struct pol_node *v, void *base)
{
	struct gw_policy *p = ld->p;
	struct pol_dup_item *items;
	const struct pol_node *it;
	size_t n_ids = 0;

	(void)kw;
	(void)base;
	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	ld->sigs_node = v;
	p->sigs = pol_calloc(ld, v->n, sizeof(*p->sigs));
	ld->sinfo = pol_calloc(ld, v->n, sizeof(*ld->sinfo));
	items = pol_calloc(ld, v->n, sizeof(*items));
	if (p->sigs == NULL || ld->sinfo == NULL || items == NULL)
		goto out;
	for (it = v->first; it != NULL; it = it->next) {
		struct gw_c2_sig *s = &p->sigs[p->n_sigs];
		size_t saved = pol_path_push(ld, "[%zu]", p->n_sigs);
		const struct pol_node *k;

		ld->cur_sig = p->n_sigs++;
		s->line = it->line;
		pol_kw_defaults(kw_sig, s);
		pol_kw_map(ld, it, kw_sig, s);
		/* Duplicate ids are checked among the signatures with a valid id. */
		for (k = s->id != 0 ? it->first : NULL; k != NULL && k->next != NULL;
		     k = k->next->next) {
			if (k->kind == PN_SCALAR && strcmp(k->str, "id") == 0) {
				items[n_ids].key = &s->id;
				items[n_ids].node = k->next;
				items[n_ids].idx = n_ids;
				n_ids++;
				break;
			}
		}
		pol_path_pop(ld, saved);
	}
	pol_dup_report(ld, items, n_ids, cmp_u32, "signature id");
out:
	free(items);
}

/* ---- tables ---- */

static const struct pol_kw_word kw_words_default[] = {
	{"deny", 0}, {NULL, 0},
};
static const struct pol_kw_word kw_words_resolution[] = {
	{"fqdn_via_proxy", 0}, {NULL, 0},
};
static const struct pol_kw_word kw_words_fragments[] = {
	{"drop", 1}, {NULL, 0},
};

static const struct pol_kw kw_dns[] = {
	{.key = "allow", .type = KW_FN, .flags = KW_RELOAD, .max = 255,
	 .off = KW_NOSTORE, .fn = pol_dns_allow},
	{.key = "block_encrypted", .type = KW_FN, .flags = KW_RELOAD,
	 .off = KW_NOSTORE, .fn = pol_dns_block},
	{.key = "doh_providers", .type = KW_FN, .flags = KW_RELOAD,
	 .max = sizeof(((struct gw_dns_policy *)0)->doh_providers) - 1,
	 .off = KW_NOSTORE, .fn = pol_dns_doh_providers},
	{.key = NULL},
};

static const struct pol_kw kw_egress[] = {
	{.key = "default", .type = KW_ENUM, .flags = KW_RELOAD, .def = "deny",
	 .off = KW_NOSTORE, .words = kw_words_default,
	 .why = "egressgw is default-deny by design"},
	{.key = "resolution", .type = KW_ENUM,
	 .flags = KW_RELOAD | KW_UNENFORCED, .def = "fqdn_via_proxy",
	 .off = KW_NOSTORE, .words = kw_words_resolution},
	{.key = "dns", .type = KW_MAP, .flags = KW_RELOAD, .off = KW_NOSTORE,
	 .sub = kw_dns},
	{.key = "roles", .type = KW_FN, .flags = KW_RELOAD, .off = KW_NOSTORE,
	 .fn = pol_roles},
	{.key = NULL},
};

#define NS_PER_S UINT64_C(1000000000)
#define NS_PER_MS UINT64_C(1000000)
#define TIMEOUT_S(k, field, d)                                               \
	{.key = k, .type = KW_UINT, .size = 8, .def = d, .min = 1,           \
	 .max = 604800, .scale = NS_PER_S,                                   \
	 .off = offsetof(struct gw_flow_timeouts, field)}

static const struct pol_kw kw_timeouts[] = {
	TIMEOUT_S("tcp_syn_s", tcp_syn, "30"),
	TIMEOUT_S("tcp_established_s", tcp_established, "7440"),
	TIMEOUT_S("tcp_fin_s", tcp_fin, "120"),
	TIMEOUT_S("tcp_closed_s", tcp_closed, "10"),
	TIMEOUT_S("udp_s", udp, "300"),
	TIMEOUT_S("icmp_s", icmp, "60"),
	TIMEOUT_S("other_s", other, "600"),
	{.key = NULL},
};

static const struct pol_kw kw_reassembly[] = {
	{.key = "max_bytes", .type = KW_UINT, .size = 4, .def = "16384",
	 .min = 512, .max = 65535, .scale = 1,
	 .off = offsetof(struct gw_gateway_cfg, reasm_max_bytes)},
	{.key = "max_segments", .type = KW_UINT, .size = 2, .def = "16",
	 .min = 1, .max = 64, .scale = 1,
	 .off = offsetof(struct gw_gateway_cfg, reasm_max_segs)},
	{.key = "timeout_ms", .type = KW_UINT, .size = 8, .def = "2000",
	 .min = 10, .max = 60000, .scale = NS_PER_MS,
	 .off = offsetof(struct gw_gateway_cfg, reasm_timeout_ns)},
	{.key = NULL},
};

static const struct pol_kw kw_name_bindings[] = {
	{.key = "capacity", .type = KW_UINT, .size = 4, .def = "65536",
	 .min = 16, .max = 1048576, .scale = 1,
	 .off = offsetof(struct gw_gateway_cfg, bind_capacity)},
	{.key = "addresses_per_name", .type = KW_UINT, .size = 2, .def = "16",
	 .min = 1, .max = 64, .scale = 1,
	 .off = offsetof(struct gw_gateway_cfg, bind_addrs_per_name)},
	{.key = "grace_s", .type = KW_UINT, .size = 4, .def = "60",
	 .min = 0, .max = 86400, .scale = 1,
	 .off = offsetof(struct gw_gateway_cfg, bind_grace_s)},
	{.key = "verify_timeout_ms", .type = KW_UINT, .size = 8, .def = "2000",
	 .min = 100, .max = 30000, .scale = NS_PER_MS,
	 .off = offsetof(struct gw_gateway_cfg, verify_timeout_ns)},
	{.key = NULL},
};

static const struct pol_kw_word kw_words_mode[] = {
	{"bridge", GW_MODE_BRIDGE}, {"nat", GW_MODE_NAT}, {NULL, 0},
};
/* Only the two words: YAML 1.1's yes/no/on/off read differently elsewhere. */
static const struct pol_kw_word kw_words_bool[] = {
	{"true", 1}, {"false", 0}, {NULL, 0},
};

#define KW_BOOL(k, flags_, d, type_, field)                                 \
	{.key = k, .type = KW_ENUM, .flags = flags_, .size = 1, .def = d,     \
	 .off = offsetof(type_, field), .words = kw_words_bool}

/* Read by the control plane when it writes evidence: a reload applies it. */
static const struct pol_kw kw_evidence[] = {
	{.key = "dir", .type = KW_STR, .flags = KW_RELOAD,
	 .def = "/var/lib/egressgw/evidence",
	 .max = sizeof(((struct gw_evidence_cfg *)0)->dir) - 1,
	 .off = offsetof(struct gw_evidence_cfg, dir)},
	{.key = "window_s", .type = KW_UINT, .flags = KW_RELOAD, .size = 4,
	 .def = "300", .min = 1, .max = 86400, .scale = 1,
	 .off = offsetof(struct gw_evidence_cfg, window_s)},
	{.key = "max_bytes", .type = KW_UINT, .flags = KW_RELOAD, .size = 8,
	 .def = "104857600", .min = 65536, .max = UINT64_C(1) << 40, .scale = 1,
	 .off = offsetof(struct gw_evidence_cfg, max_bytes)},
	{.key = "total_max_bytes", .type = KW_UINT, .flags = KW_RELOAD,
	 .size = 8, .def = "1073741824", .min = 65536,
	 .max = UINT64_C(1) << 44, .scale = 1,
	 .off = offsetof(struct gw_evidence_cfg, total_max_bytes)},
	KW_BOOL("on_c2", KW_RELOAD, "true", struct gw_evidence_cfg, on_c2),
	KW_BOOL("on_quarantine", KW_RELOAD, "true", struct gw_evidence_cfg,
		on_quarantine),
	{.key = NULL},
};

static const struct pol_kw kw_reload[] = {
	KW_BOOL("reset_revoked", KW_RELOAD, "true", struct gw_reload_cfg,
		reset_revoked),
	{.key = NULL},
};

/*
 * The gateway section sizes tables, rings and timers that exist for the
 * life of the process: a reload validates it but does not apply it
 * (evidence and reload, read by the control plane, are the exceptions).
 */
const struct pol_kw pol_kw_gateway[] = {
	{.key = "mode", .type = KW_ENUM, .size = 1, .def = "bridge",
	 .off = offsetof(struct gw_gateway_cfg, mode), .words = kw_words_mode},
	{.key = "flow_capacity", .type = KW_UINT, .size = 4, .def = "262144",
	 .min = 1024, .max = 16777216, .scale = 1,
	 .off = offsetof(struct gw_gateway_cfg, flow_capacity)},
	{.key = "pending_capacity", .type = KW_UINT, .size = 4, .def = "4096",
	 .min = 16, .max = 1048576, .scale = 1,
	 .off = offsetof(struct gw_gateway_cfg, pending_capacity)},
	{.key = "reassembly", .type = KW_MAP, .off = 0, .sub = kw_reassembly},
	{.key = "name_bindings", .type = KW_MAP, .off = 0,
	 .sub = kw_name_bindings},
	{.key = "timeouts", .type = KW_MAP,
	 .off = offsetof(struct gw_gateway_cfg, timeouts), .sub = kw_timeouts},
	{.key = "ring_size", .type = KW_UINT, .flags = KW_POW2, .size = 4,
	 .def = "16384", .min = 256, .max = 1048576, .scale = 1,
	 .off = offsetof(struct gw_gateway_cfg, ring_size)},
	{.key = "eve_log", .type = KW_STR, .def = "/var/log/egressgw/eve.json",
	 .max = sizeof(((struct gw_gateway_cfg *)0)->eve_path) - 1,
	 .off = offsetof(struct gw_gateway_cfg, eve_path)},
	{.key = "control_socket", .type = KW_STR,
	 .def = "/run/egressgw/egressgw.sock",
	 .max = sizeof(((struct gw_gateway_cfg *)0)->ctl_socket) - 1,
	 .off = offsetof(struct gw_gateway_cfg, ctl_socket)},
	{.key = "fragments", .type = KW_ENUM, .size = 1, .def = "drop",
	 .off = offsetof(struct gw_gateway_cfg, drop_fragments),
	 .words = kw_words_fragments,
	 .why = "fragments are not reassembled"},
	{.key = "nat", .type = KW_MAP,
	 .off = offsetof(struct gw_gateway_cfg, nat), .sub = pol_kw_nat},
	{.key = "evidence", .type = KW_MAP, .flags = KW_RELOAD,
	 .off = offsetof(struct gw_gateway_cfg, evidence), .sub = kw_evidence},
	{.key = "reload", .type = KW_MAP, .flags = KW_RELOAD,
	 .off = offsetof(struct gw_gateway_cfg, reload), .sub = kw_reload},
	{.key = NULL},
};

#define MON_UINT(k, flags_, d, lo, hi, field)                                \
	{.key = k, .type = KW_UINT, .flags = flags_, .size = 4, .def = d,     \
	 .min = lo, .max = hi, .scale = 1,                                     \
	 .off = offsetof(struct gw_monitoring_cfg, field)}
#define MON_DOUBLE(k, d, lo, hi, field)                                      \
	{.key = k, .type = KW_DOUBLE, .flags = KW_RELOAD, .size = 8, .def = d, \
	 .dmin = lo, .dmax = hi,                                               \
	 .off = offsetof(struct gw_monitoring_cfg, field)}

/*
 * The control plane's metrics and alerts (docs/metrics.md). Thresholds
 * apply on reload; the table caps are allocated at start (restart).
 * required_metrics is the security team's list of wishes: accepted as
 * strings, not acted on (the gateway cannot see processes or users).
 */
const struct pol_kw pol_kw_monitoring[] = {
	{.key = "required_metrics", .type = KW_STR_LIST,
	 .flags = KW_RELOAD | KW_UNENFORCED, .max = 255, .off = KW_NOSTORE},
	MON_UINT("stats_interval_s", KW_RELOAD, "60", 1, 86400, stats_interval_s),
	MON_DOUBLE("drift_sigma", "3.0", 1.0, 100.0, drift_sigma),
	MON_DOUBLE("drift_alpha", "0.05", 0.001, 1.0, drift_alpha),
	MON_UINT("drift_min_minutes", KW_RELOAD, "30", 1, 100000,
		 drift_min_minutes),
	MON_UINT("beacon_min_count", KW_RELOAD, "6", 3, 1000, beacon_min_count),
	MON_DOUBLE("beacon_max_jitter", "0.1", 0.0, 1.0, beacon_max_jitter),
	MON_UINT("beacon_max_bytes", KW_RELOAD, "65536", 1, 1073741824,
		 beacon_max_bytes),
	KW_BOOL("new_destination_alerts", KW_RELOAD, "true",
		struct gw_monitoring_cfg, new_destination_alerts),
	MON_UINT("max_hosts", 0, "4096", 16, 16777216, max_hosts),
	MON_UINT("max_destinations", 0, "16384", 16, 16777216, max_destinations),
	MON_UINT("max_pairs", 0, "65536", 16, 16777216, max_pairs),
	MON_UINT("update_interval_s", KW_RELOAD, "60", 1, 3600,
		 update_interval_s),
	{.key = NULL},
};

const struct pol_kw pol_kw_top[] = {
	{.key = "egress_policy", .type = KW_MAP,
	 .flags = KW_REQUIRED | KW_RELOAD, .off = 0, .sub = kw_egress},
	{.key = "c2_signatures", .type = KW_FN, .flags = KW_RELOAD,
	 .off = KW_NOSTORE, .fn = pol_sigs},
	{.key = "gateway", .type = KW_MAP, .off = offsetof(struct gw_policy, gw),
	 .sub = pol_kw_gateway},
	{.key = "monitoring", .type = KW_MAP, .flags = KW_RELOAD,
	 .off = offsetof(struct gw_policy, mon), .sub = pol_kw_monitoring},
	{.key = "response_playbook", .type = KW_ANY,
	 .flags = KW_RELOAD | KW_UNENFORCED, .off = KW_NOSTORE},
	{.key = NULL},
};

