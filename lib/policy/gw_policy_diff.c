/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a reload would change (`gwctl reload --dry-run`): roles and their
 * rules, the VLAN map, DNS, signatures and every setting of the gateway
 * and monitoring sections. Settings are compared by walking the keyword
 * tables, so a new key is in the diff as soon as it is in a table, and a
 * key without KW_RELOAD is listed as needing a restart.
 * Control plane only: it allocates freely.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "policy/gw_policy_private.h"

/* Longest value shown in "key: old -> new" (values are compared whole). */
#define DIFF_VALUE_SHOW 200

struct diff {
	bool oom;
	bool changed;
};

static void
push_str(struct diff *df, json_t *arr, const char *s)
{
	if (json_array_append_new(arr, json_string(s)) != 0)
		df->oom = true;
	df->changed = true;
}

static void
push_int(struct diff *df, json_t *arr, json_int_t v)
{
	if (json_array_append_new(arr, json_integer(v)) != 0)
		df->oom = true;
	df->changed = true;
}

static json_t *
new_obj(struct diff *df, json_t *parent, const char *key, bool array)
{
	json_t *o = array ? json_array() : json_object();

	if (o == NULL || json_object_set_new(parent, key, o) != 0) {
		df->oom = true;
		return NULL;
	}
	return o;
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Entries of b not in a go to added, of a not in b to removed. */
static void
strset_diff(struct diff *df, const char *const *a, size_t na,
	    const char *const *b, size_t nb, json_t *added, json_t *removed)
{
	const char **sa = calloc(na + 1, sizeof(*sa));
	const char **sb = calloc(nb + 1, sizeof(*sb));
	size_t i = 0, j = 0;

	if (sa == NULL || sb == NULL || added == NULL || removed == NULL) {
		df->oom = true;
		goto out;
	}
	if (na > 0)
		memcpy(sa, a, na * sizeof(*sa));
	if (nb > 0)
		memcpy(sb, b, nb * sizeof(*sb));
	qsort(sa, na, sizeof(*sa), cmp_strp);
	qsort(sb, nb, sizeof(*sb), cmp_strp);
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(sa[i], sb[j]);

		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			push_str(df, removed, sa[i++]);
		} else {
			push_str(df, added, sb[j++]);
		}
	}
out:
	free(sa);
	free(sb);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Integer sets: b minus a to added, a minus b to removed. */
static void
intset_diff(struct diff *df, uint32_t *a, size_t na, uint32_t *b, size_t nb,
	    json_t *added, json_t *removed)
{
	size_t i = 0, j = 0;

	if (added == NULL || removed == NULL)
		return;
	qsort(a, na, sizeof(*a), cmp_u32);
	qsort(b, nb, sizeof(*b), cmp_u32);
	while (i < na || j < nb) {
		if (i < na && j < nb && a[i] == b[j]) {
			i++;
			j++;
		} else if (j == nb || (i < na && a[i] < b[j])) {
			push_int(df, removed, a[i++]);
		} else {
			push_int(df, added, b[j++]);
		}
	}
}

/*
 * Room for n strings of up to width bytes, for a set diff of values that
 * are formatted first: the pointer array is returned, the text goes in
 * *block (entry i at *block + i * width). NULL on allocation failure.
 */
static const char **
str_block(struct diff *df, size_t n, size_t width, char **block)
{
	const char **v = calloc(n + 1, sizeof(*v));

	*block = calloc(n + 1, width);
	if (v == NULL || *block == NULL) {
		df->oom = true;
		free(v);
		free(*block);
		*block = NULL;
		return NULL;
	}
	return v;
}

/*
 * The added / removed / changed arrays of an object named key in parent;
 * false when any could not be made.
 */
static bool
new_changes(struct diff *df, json_t *parent, const char *key, json_t **added,
	    json_t **removed, json_t **changed)
{
	json_t *o = new_obj(df, parent, key, false);

	if (o == NULL)
		return false;
	*added = new_obj(df, o, "added", true);
	*removed = new_obj(df, o, "removed", true);
	*changed = new_obj(df, o, "changed", true);
	return *added != NULL && *removed != NULL && *changed != NULL;
}

/* ---- roles ---- */

/* CIDRs as text, in one block: entry i at buf + i * 64. */
static const char **
cidr_strs(struct diff *df, const struct gw_role *r, char **block)
{
	const char **v = str_block(df, r->n_cidrs, 64, block);
	size_t i;

	for (i = 0; v != NULL && i < r->n_cidrs; i++)
		v[i] = gw_cidr_to_str(&r->cidrs[i], *block + i * 64, 64);
	return v;
}

static void
role_cidrs_diff(struct diff *df, const struct gw_role *a,
		const struct gw_role *b, json_t *o)
{
	char *ba = NULL, *bb = NULL;
	const char **va = cidr_strs(df, a, &ba);
	const char **vb = cidr_strs(df, b, &bb);

	if (va != NULL && vb != NULL)
		strset_diff(df, va, a->n_cidrs, vb, b->n_cidrs,
			    new_obj(df, o, "cidrs_added", true),
			    new_obj(df, o, "cidrs_removed", true));
	free(va);
	free(vb);
	free(ba);
	free(bb);
}

static uint32_t *
u16_to_u32(struct diff *df, const uint16_t *v, size_t n, bool untagged)
{
	uint32_t *o = calloc(n + 2, sizeof(*o));
	size_t i;

	if (o == NULL) {
		df->oom = true;
		return NULL;
	}
	for (i = 0; i < n; i++)
		o[i] = v[i];
	if (untagged)
		o[n] = 0; /* untagged is VLAN 0 in the diff */
	return o;
}

static void
role_u16_diff(struct diff *df, const uint16_t *a, size_t na, bool ua,
	      const uint16_t *b, size_t nb, bool ub, json_t *o,
	      const char *k_added, const char *k_removed)
{
	uint32_t *xa = u16_to_u32(df, a, na, ua);
	uint32_t *xb = u16_to_u32(df, b, nb, ub);

	if (xa != NULL && xb != NULL)
		intset_diff(df, xa, na + ua, xb, nb + ub,
			    new_obj(df, o, k_added, true),
			    new_obj(df, o, k_removed, true));
	free(xa);
	free(xb);
}

static void
role_methods_diff(struct diff *df, const struct gw_role *a,
		  const struct gw_role *b, json_t *o)
{
	const char **va = calloc(a->n_methods + 1, sizeof(*va));
	const char **vb = calloc(b->n_methods + 1, sizeof(*vb));
	uint16_t i;

	if (va == NULL || vb == NULL) {
		df->oom = true;
	} else {
		for (i = 0; i < a->n_methods; i++)
			va[i] = a->methods[i];
		for (i = 0; i < b->n_methods; i++)
			vb[i] = b->methods[i];
		strset_diff(df, va, a->n_methods, vb, b->n_methods,
			    new_obj(df, o, "methods_added", true),
			    new_obj(df, o, "methods_removed", true));
	}
	free(va);
	free(vb);
}

static void
role_protocols_diff(struct diff *df, const struct gw_role *a,
		    const struct gw_role *b, json_t *o)
{
	json_t *added = new_obj(df, o, "protocols_added", true);
	json_t *removed = new_obj(df, o, "protocols_removed", true);
	unsigned int k;

	if (added == NULL || removed == NULL)
		return;
	for (k = 0; k < GW_RPROTO_MAX; k++) {
		bool in_a = a->protocols & (1u << k), in_b = b->protocols & (1u << k);

		if (in_a && !in_b)
			push_str(df, removed, gw_policy_protocol_name(k));
		else if (!in_a && in_b)
			push_str(df, added, gw_policy_protocol_name(k));
	}
}

/* Formats a stored value, on the heap when the stack buffer is short. */
static const char *
kw_text(const struct pol_kw *kw, const void *base, char *buf, size_t size,
	char **heap)
{
	int n = pol_kw_format(kw, base, buf, size);

	*heap = NULL;
	if (n < 0 || (size_t)n < size)
		return buf;
	*heap = malloc((size_t)n + 1);
	if (*heap == NULL)
		return buf;
	pol_kw_format(kw, base, *heap, (size_t)n + 1);
	return *heap;
}

/*
 * Walks a keyword table over two bases; each changed value adds
 * "PREFIXkey: old -> new" to list and, without KW_RELOAD, PREFIXkey to
 * restart (when restart is not NULL).
 */
static void
kw_diff(struct diff *df, const struct pol_kw *tab, const void *a,
	const void *b, const char *prefix, json_t *list, json_t *restart)
{
	for (; tab->key != NULL; tab++) {
		char path[128], va[160], vb[160], line[2 * DIFF_VALUE_SHOW + 192];
		char *ha, *hb;
		const char *ta, *tb;

		snprintf(path, sizeof(path), "%s%s", prefix, tab->key);
		if (tab->type == KW_MAP) {
			if (tab->off == KW_NOSTORE)
				continue;
			strncat(path, ".", sizeof(path) - strlen(path) - 1);
			kw_diff(df, tab->sub, (const uint8_t *)a + tab->off,
				(const uint8_t *)b + tab->off, path, list, restart);
			continue;
		}
		if ((tab->off == KW_NOSTORE && tab->type != KW_FN) ||
		    (tab->type == KW_FN && tab->fmt == NULL) ||
		    tab->type == KW_ANY || tab->type == KW_STR_LIST)
			continue;
		ta = kw_text(tab, a, va, sizeof(va), &ha);
		tb = kw_text(tab, b, vb, sizeof(vb), &hb);
		if (strcmp(ta, tb) != 0) {
			snprintf(line, sizeof(line), "%s: %.*s%s -> %.*s%s", path,
				 DIFF_VALUE_SHOW, ta,
				 strlen(ta) > DIFF_VALUE_SHOW ? "..." : "",
				 DIFF_VALUE_SHOW, tb,
				 strlen(tb) > DIFF_VALUE_SHOW ? "..." : "");
			push_str(df, list, line);
			if (restart != NULL && !(tab->flags & KW_RELOAD))
				push_str(df, restart, path);
		}
		free(ha);
		free(hb);
	}
}

/* The role-level settings: every word-valued key of the role table. */
static void
role_settings_diff(struct diff *df, const struct gw_role *a,
		   const struct gw_role *b, json_t *o)
{
	json_t *settings = new_obj(df, o, "settings", true);

	if (settings == NULL)
		return;
	kw_diff(df, pol_kw_role, a, b, "", settings, NULL);
	if ((a->notes == NULL) != (b->notes == NULL) ||
	    (a->notes != NULL && strcmp(a->notes, b->notes) != 0))
		push_str(df, settings, "notes: changed");
}

static void
role_diff(struct diff *df, const struct gw_role *a, const struct gw_role *b,
	  json_t *changed)
{
	json_t *o = json_object();
	bool before = df->changed;

	if (o == NULL) {
		df->oom = true;
		return;
	}
	df->changed = false;
	if (json_object_set_new(o, "role", json_string(b->name)) != 0)
		df->oom = true;
	strset_diff(df, (const char *const *)a->fqdns, a->n_fqdns,
		    (const char *const *)b->fqdns, b->n_fqdns,
		    new_obj(df, o, "fqdns_added", true),
		    new_obj(df, o, "fqdns_removed", true));
	role_cidrs_diff(df, a, b, o);
	role_u16_diff(df, a->ports, a->n_ports, false, b->ports, b->n_ports,
		      false, o, "ports_added", "ports_removed");
	role_methods_diff(df, a, b, o);
	role_protocols_diff(df, a, b, o);
	role_u16_diff(df, a->vlans, a->n_vlans, a->untagged, b->vlans,
		      b->n_vlans, b->untagged, o, "vlans_added", "vlans_removed");
	role_settings_diff(df, a, b, o);
	if (df->changed) {
		if (json_array_append_new(changed, o) != 0)
			df->oom = true;
	} else {
		json_decref(o);
	}
	df->changed = df->changed || before;
}

static void
roles_diff(struct diff *df, const struct gw_policy *a,
	   const struct gw_policy *b, json_t *top)
{
	json_t *added, *removed, *changed;
	size_t i;

	if (!new_changes(df, top, "roles", &added, &removed, &changed))
		return;
	for (i = 0; i < a->n_roles; i++)
		if (gw_policy_role_by_name(b, a->roles[i].name) == NULL)
			push_str(df, removed, a->roles[i].name);
	for (i = 0; i < b->n_roles; i++) {
		const struct gw_role *old = gw_policy_role_by_name(a, b->roles[i].name);

		if (old == NULL)
			push_str(df, added, b->roles[i].name);
		else
			role_diff(df, old, &b->roles[i], changed);
	}
}

/* ---- VLAN map ---- */

static const char *
vlan_role_name(const struct gw_policy *p, unsigned int vid)
{
	const struct gw_role *r = gw_policy_role_for_vlan(p, (uint16_t)vid);

	return r != NULL ? r->name : NULL;
}

static void
vlans_diff(struct diff *df, const struct gw_policy *a,
	   const struct gw_policy *b, json_t *top)
{
	json_t *added, *removed, *changed;
	unsigned int vid;

	if (!new_changes(df, top, "vlans", &added, &removed, &changed))
		return;
	/* VLAN 0 stands for untagged (GW_VLAN_NONE). */
	for (vid = 0; vid <= GW_VLAN_MAX; vid++) {
		const char *ra = vlan_role_name(a, vid), *rb = vlan_role_name(b, vid);
		json_t *e;

		if (ra == NULL && rb == NULL)
			continue;
		if (ra != NULL && rb != NULL && strcmp(ra, rb) == 0)
			continue;
		if (ra == NULL)
			e = json_pack("{s:i, s:s}", "vlan", (json_int_t)vid, "role", rb);
		else if (rb == NULL)
			e = json_pack("{s:i, s:s}", "vlan", (json_int_t)vid, "role", ra);
		else
			e = json_pack("{s:i, s:s, s:s}", "vlan", (json_int_t)vid, "old",
				      ra, "new", rb);
		if (json_array_append_new(ra == NULL ? added : rb == NULL ? removed :
				      changed, e) != 0)
			df->oom = true;
		df->changed = true;
	}
}

/* ---- dns ---- */

static const char **
resolver_strs(struct diff *df, const struct gw_dns_policy *d, char **block)
{
	const char **v = str_block(df, d->n_resolvers, GW_ADDR_STRLEN, block);
	size_t i;

	for (i = 0; v != NULL && i < d->n_resolvers; i++)
		v[i] = gw_addr_to_str(&d->resolvers[i], *block + i * GW_ADDR_STRLEN,
				      GW_ADDR_STRLEN);
	return v;
}

static void
block_words(uint8_t bits, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s", bits == 0 ? "none" : "",
		 bits & GW_DNS_BLOCK_DOH ? "DoH " : "",
		 bits & GW_DNS_BLOCK_DOT ? "DoT " : "",
		 bits & GW_DNS_BLOCK_DOQ ? "DoQ " : "");
	if (bits != 0)
		buf[strlen(buf) - 1] = '\0';
}

static void
dns_diff(struct diff *df, const struct gw_policy *a, const struct gw_policy *b,
	 json_t *top)
{
	json_t *dns = new_obj(df, top, "dns", false), *settings;
	const char **va = NULL, **vb = NULL, **na = NULL, **nb = NULL;
	char *ba = NULL, *bb = NULL, wa[32], wb[32], line[600];
	size_t i;

	if (dns == NULL)
		return;
	va = resolver_strs(df, &a->dns, &ba);
	vb = resolver_strs(df, &b->dns, &bb);
	if (va != NULL && vb != NULL)
		strset_diff(df, va, a->dns.n_resolvers, vb, b->dns.n_resolvers,
			    new_obj(df, dns, "resolvers_added", true),
			    new_obj(df, dns, "resolvers_removed", true));
	na = calloc(a->dns.n_names + 1, sizeof(*na));
	nb = calloc(b->dns.n_names + 1, sizeof(*nb));
	if (na == NULL || nb == NULL) {
		df->oom = true;
		goto out;
	}
	for (i = 0; i < a->dns.n_names; i++)
		na[i] = a->dns.names[i].name;
	for (i = 0; i < b->dns.n_names; i++)
		nb[i] = b->dns.names[i].name;
	strset_diff(df, na, a->dns.n_names, nb, b->dns.n_names,
		    new_obj(df, dns, "names_added", true),
		    new_obj(df, dns, "names_removed", true));
	settings = new_obj(df, dns, "settings", true);
	if (settings == NULL)
		goto out;
	if (a->dns.restricted != b->dns.restricted) {
		snprintf(line, sizeof(line), "allow: %s -> %s",
			 a->dns.restricted ? "restricted" : "not restricted",
			 b->dns.restricted ? "restricted" : "not restricted");
		push_str(df, settings, line);
	}
	if (a->dns.block_encrypted != b->dns.block_encrypted) {
		block_words(a->dns.block_encrypted, wa, sizeof(wa));
		block_words(b->dns.block_encrypted, wb, sizeof(wb));
		snprintf(line, sizeof(line), "block_encrypted: %s -> %s", wa, wb);
		push_str(df, settings, line);
	}
	if (strcmp(a->dns.doh_providers, b->dns.doh_providers) != 0 ||
	    a->dns.n_doh != b->dns.n_doh) {
		snprintf(line, sizeof(line), "doh_providers: %s (%zu names) -> %s (%zu names)",
			 a->dns.doh_providers[0] != '\0' ? a->dns.doh_providers : "none",
			 a->dns.n_doh,
			 b->dns.doh_providers[0] != '\0' ? b->dns.doh_providers : "none",
			 b->dns.n_doh);
		push_str(df, settings, line);
	}
out:
	free(va);
	free(vb);
	free(ba);
	free(bb);
	free(na);
	free(nb);
}

/* ---- signatures ---- */

static const struct gw_c2_sig *
sig_by_id(const struct gw_policy *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n_sigs; i++)
		if (p->sigs[i].id == id)
			return &p->sigs[i];
	return NULL;
}

static void
sigs_diff(struct diff *df, const struct gw_policy *a, const struct gw_policy *b,
	  json_t *top)
{
	json_t *added, *removed, *changed;
	size_t i;

	if (!new_changes(df, top, "signatures", &added, &removed, &changed))
		return;
	for (i = 0; i < a->n_sigs; i++)
		if (sig_by_id(b, a->sigs[i].id) == NULL)
			push_int(df, removed, a->sigs[i].id);
	for (i = 0; i < b->n_sigs; i++) {
		const struct gw_c2_sig *s = &b->sigs[i], *o = sig_by_id(a, s->id);

		if (o == NULL)
			push_int(df, added, s->id);
		else if (o->severity != s->severity || strcmp(o->name, s->name) != 0 ||
			 (o->pattern == NULL) != (s->pattern == NULL) ||
			 (o->pattern != NULL && strcmp(o->pattern, s->pattern) != 0))
			push_int(df, changed, s->id);
	}
}

json_t *
gw_policy_diff(const struct gw_policy *a, const struct gw_policy *b)
{
	struct diff df = {0};
	json_t *top, *gw, *restart;

	if (a == NULL || b == NULL)
		return NULL;
	top = json_object();
	if (top == NULL)
		return NULL;
	roles_diff(&df, a, b, top);
	vlans_diff(&df, a, b, top);
	dns_diff(&df, a, b, top);
	sigs_diff(&df, a, b, top);
	gw = new_obj(&df, top, "gateway", true);
	restart = new_obj(&df, top, "restart_required", true);
	if (gw != NULL && restart != NULL) {
		kw_diff(&df, pol_kw_gateway, &a->gw, &b->gw, "gateway.", gw, restart);
		kw_diff(&df, pol_kw_monitoring, &a->mon, &b->mon, "monitoring.", gw,
			restart);
	}
	if (json_object_set_new(top, "identical", json_boolean(!df.changed)) != 0)
		df.oom = true;
	if (df.oom) {
		json_decref(top);
		return NULL;
	}
	return top;
}
