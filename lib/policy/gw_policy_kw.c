/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keyword engine of the policy loader: diagnostics, scalar types and
 * the generic walk of a YAML mapping against a keyword table (key, type,
 * default, range, reloadable, enforced). The tables themselves are in
 * gw_policy_schema.c. Validation keeps going after an error, so one run
 * reports every mistake it can (up to the size of struct gw_diags).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "policy/gw_policy_private.h"

/* Longest key compared for "did you mean" hints. */
#define POL_HINT_KEY_MAX 64

/* ---- diagnostics ---- */

/* Copies at most size - 1 bytes of src and NUL-terminates. */
void
pol_str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
pol_diag_add(struct gw_diags *dg, unsigned int line, unsigned int col,
	     bool warning, const char *msg)
{
	struct gw_diag *d;

	if (dg == NULL)
		return;
	dg->total++;
	if (dg->n >= GW_ARRAY_SIZE(dg->d))
		return;
	d = &dg->d[dg->n++];
	d->line = line;
	d->col = col;
	d->warning = warning;
	pol_str_copy(d->msg, sizeof(d->msg), msg);
}

/* "<key path>: <message>"; the path leaves room for the message. */
static void
vformat(struct pol_loader *ld, char *out, size_t size, const char *fmt,
	va_list ap)
{
	size_t n = 0;

	if (ld->path_len > 0 && size > 64) {
		n = GW_MIN(ld->path_len, size - 64);
		memcpy(out, ld->path, n);
		memcpy(out + n, ": ", 2);
		n += 2;
	}
	vsnprintf(out + n, size - n, fmt, ap);
}

void
pol_err_at(struct pol_loader *ld, unsigned int line, unsigned int col,
	   const char *fmt, ...)
{
	char msg[sizeof(((struct gw_diag *)0)->msg)];
	va_list ap;

	ld->errors++;
	if (ld->diags == NULL)
		return;
	va_start(ap, fmt);
	vformat(ld, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pol_diag_add(ld->diags, line, col, false, msg);
}

void
pol_err(struct pol_loader *ld, const struct pol_node *n, const char *fmt, ...)
{
	char msg[sizeof(((struct gw_diag *)0)->msg)];
	va_list ap;

	ld->errors++;
	if (ld->diags == NULL)
		return;
	va_start(ap, fmt);
	vformat(ld, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pol_diag_add(ld->diags, n->line, n->col, false, msg);
}

void
pol_warn(struct pol_loader *ld, const struct pol_node *n, const char *fmt, ...)
{
	struct gw_diag *d;
	va_list ap;

	if (ld->n_warn >= GW_ARRAY_SIZE(ld->warn))
		return;
	d = &ld->warn[ld->n_warn++];
	d->line = n->line;
	d->col = n->col;
	d->warning = true;
	va_start(ap, fmt);
	vformat(ld, d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

void *
pol_calloc(struct pol_loader *ld, size_t n, size_t size)
{
	void *p;

	if (n == 0)
		n = 1;
	p = calloc(n, size);
	if (p == NULL)
		ld->enomem = true;
	return p;
}

char *
pol_strdup(struct pol_loader *ld, const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p == NULL) {
		ld->enomem = true;
		return NULL;
	}
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Text from the file, escaped and shortened for a message. */
const char *
pol_quote(const struct pol_node *n, char *buf, size_t size)
{
	size_t len = n->len, w;

	if (len > 48)
		len = 48;
	w = gw_escape((const uint8_t *)n->str, len, buf, size);
	if (len < n->len && w + 4 < size)
		memcpy(buf + w, "...", 4);
	return buf;
}

/* ---- key path ---- */

size_t
pol_path_push(struct pol_loader *ld, const char *fmt, ...)
{
	size_t saved = ld->path_len;
	va_list ap;
	int w;

	if (ld->path_len >= sizeof(ld->path) - 1)
		return saved;
	va_start(ap, fmt);
	w = vsnprintf(ld->path + ld->path_len, sizeof(ld->path) - ld->path_len,
		      fmt, ap);
	va_end(ap);
	if (w > 0)
		ld->path_len = GW_MIN(ld->path_len + (size_t)w,
				      sizeof(ld->path) - 1);
	return saved;
}

size_t
pol_path_push_key(struct pol_loader *ld, const char *key)
{
	return pol_path_push(ld, "%s%.64s", ld->path_len > 0 ? "." : "", key);
}

void
pol_path_pop(struct pol_loader *ld, size_t saved)
{
	ld->path_len = saved;
	ld->path[saved] = '\0';
}

/* ---- scalars ---- */

static bool
pol_node_is_null(const struct pol_node *n)
{
	if (n->kind != PN_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 ||
	       strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	       strcmp(n->str, "NULL") == 0;
}

const char *
pol_node_desc(const struct pol_node *n)
{
	switch (n->kind) {
	case PN_MAP:
		return "a mapping";
	case PN_SEQ:
		return "a list";
	case PN_SCALAR:
		if (pol_node_is_null(n))
			return "an empty value";
		return n->plain ? "a scalar" : "a quoted string";
	default:
		return "an alias";
	}
}

/* Checks the kind of n; reports and returns false on a mismatch. */
bool
pol_expect_kind(struct pol_loader *ld, const struct pol_node *n, uint8_t kind)
{
	static const char *const what[] = {
		[PN_SCALAR] = "a value", [PN_SEQ] = "a list", [PN_MAP] = "a mapping",
	};

	if (n->kind == PN_BAD)
		return false;
	if (n->kind == kind && !pol_node_is_null(n))
		return true;
	if (kind == PN_SEQ && pol_node_is_null(n))
		pol_err(ld, n, "expected a list, got an empty value (write [] for an empty list)");
	else
		pol_err(ld, n, "expected %s, got %s", what[kind], pol_node_desc(n));
	return false;
}

/* A non-empty string without NUL bytes, at most max bytes. */
bool
pol_scalar_str(struct pol_loader *ld, const struct pol_node *n, uint64_t max)
{
	if (n->kind == PN_BAD)
		return false;
	if (n->kind != PN_SCALAR || pol_node_is_null(n)) {
		pol_err(ld, n, "expected a string, got %s", pol_node_desc(n));
		return false;
	}
	if (n->len == 0) {
		pol_err(ld, n, "empty string");
		return false;
	}
	if (memchr(n->str, '\0', n->len) != NULL) {
		pol_err(ld, n, "string contains a NUL byte");
		return false;
	}
	if (n->len > max) {
		pol_err(ld, n, "string longer than %llu bytes",
			(unsigned long long)max);
		return false;
	}
	return true;
}

/*
 * A decimal integer in [min, max]. Only plain scalars: a quoted "443" is a
 * string in YAML. Leading zeros are refused because YAML 1.1 reads 010 as
 * octal 8 and another tool reading the same file would disagree.
 */
bool
pol_scalar_uint(struct pol_loader *ld, const struct pol_node *n, uint64_t min,
		uint64_t max, uint64_t *out)
{
	char buf[64];
	uint64_t v = 0;
	bool neg = false, over = false;
	size_t i = 0;

	if (n->kind == PN_BAD)
		return false;
	if (n->kind != PN_SCALAR || pol_node_is_null(n)) {
		pol_err(ld, n, "expected an integer, got %s", pol_node_desc(n));
		return false;
	}
	if (n->len > 0 && (n->str[0] == '-' || n->str[0] == '+')) {
		neg = n->str[0] == '-';
		i = 1;
	}
	if (!n->plain) {
		bool digits = n->len > 0 && strspn(n->str, "0123456789") == n->len;

		pol_err(ld, n, "expected an integer, got a quoted string '%s'%s",
			pol_quote(n, buf, sizeof(buf)),
			digits ? " (write numbers without quotes)" : "");
		return false;
	}
	if (i == n->len) {
		pol_err(ld, n, "expected an integer, got '%s'",
			pol_quote(n, buf, sizeof(buf)));
		return false;
	}
	if (n->str[i] == '0' && n->len > i + 1) {
		pol_err(ld, n, "'%s': write integers in decimal without leading zeros",
			pol_quote(n, buf, sizeof(buf)));
		return false;
	}
	for (; i < n->len; i++) {
		char c = n->str[i];

		if (c < '0' || c > '9') {
			pol_err(ld, n, "expected an integer, got '%s'",
				pol_quote(n, buf, sizeof(buf)));
			return false;
		}
		if (v > (UINT64_MAX - 9) / 10)
			over = true;
		else
			v = v * 10 + (uint64_t)(c - '0');
	}
	if (over || (neg && v != 0) || v < min || v > max) {
		pol_err(ld, n, "value %s out of range %llu..%llu",
			pol_quote(n, buf, sizeof(buf)), (unsigned long long)min,
			(unsigned long long)max);
		return false;
	}
	*out = v;
	return true;
}

/*
 * A decimal number such as 3, 0.05 or 1e-3, in [min, max]. The text is
 * checked before strtod so that hex, inf and nan (which strtod takes) are
 * refused; the library never changes the locale, so '.' is the point.
 */
static bool
pol_scalar_double(struct pol_loader *ld, const struct pol_node *n, double min,
		  double max, double *out)
{
	char buf[64];
	size_t i = 0, digits = 0;
	double v;

	if (n->kind == PN_BAD)
		return false;
	if (n->kind != PN_SCALAR || pol_node_is_null(n)) {
		pol_err(ld, n, "expected a number, got %s", pol_node_desc(n));
		return false;
	}
	if (!n->plain) {
		pol_err(ld, n, "expected a number, got a quoted string '%s'",
			pol_quote(n, buf, sizeof(buf)));
		return false;
	}
	if (i < n->len && (n->str[i] == '-' || n->str[i] == '+'))
		i++;
	for (; i < n->len && n->str[i] >= '0' && n->str[i] <= '9'; i++)
		digits++;
	if (i < n->len && n->str[i] == '.')
		for (i++; i < n->len && n->str[i] >= '0' && n->str[i] <= '9'; i++)
			digits++;
	if (digits > 0 && i < n->len && (n->str[i] == 'e' || n->str[i] == 'E')) {
		size_t exp_digits = 0;

		i++;
		if (i < n->len && (n->str[i] == '-' || n->str[i] == '+'))
			i++;
		for (; i < n->len && n->str[i] >= '0' && n->str[i] <= '9'; i++)
			exp_digits++;
		if (exp_digits == 0)
			digits = 0;
	}
	if (digits == 0 || i != n->len || n->len > 32) {
		pol_err(ld, n, "expected a number, got '%s'",
			pol_quote(n, buf, sizeof(buf)));
		return false;
	}
	v = strtod(n->str, NULL);
	if (!(v >= min && v <= max)) {
		pol_err(ld, n, "value %s out of range %g..%g",
			pol_quote(n, buf, sizeof(buf)), min, max);
		return false;
	}
	*out = v;
	return true;
}

static void
store_uint(void *p, uint8_t size, uint64_t v)
{
	switch (size) {
	case 1: {
		uint8_t x = (uint8_t)v;
		memcpy(p, &x, 1);
		break;
	}
	case 2: {
		uint16_t x = (uint16_t)v;
		memcpy(p, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)v;
		memcpy(p, &x, 4);
		break;
	}
	default:
		memcpy(p, &v, 8);
		break;
	}
}

static uint64_t
load_uint(const void *p, uint8_t size)
{
	switch (size) {
	case 1: {
		uint8_t x;
		memcpy(&x, p, 1);
		return x;
	}
	case 2: {
		uint16_t x;
		memcpy(&x, p, 2);
		return x;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, p, 4);
		return x;
	}
	default: {
		uint64_t x;
		memcpy(&x, p, 8);
		return x;
	}
	}
}

uint64_t
pol_kw_get_uint(const struct pol_kw *kw, const void *base)
{
	uint64_t v = load_uint((const uint8_t *)base + kw->off, kw->size);

	return kw->type == KW_UINT && kw->scale > 1 ? v / kw->scale : v;
}

static const struct pol_kw_word *
word_find(const struct pol_kw_word *w, const char *s)
{
	for (; w->word != NULL; w++)
		if (strcasecmp(w->word, s) == 0)
			return w;
	return NULL;
}

static void
words_list(const struct pol_kw_word *w, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (; w->word != NULL && len < size; w++) {
		int n = snprintf(buf + len, size - len, "%s%s",
				 len > 0 ? ", " : "", w->word);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

const struct pol_kw_word *
pol_scalar_word(struct pol_loader *ld, const struct pol_kw *kw,
		const struct pol_node *n)
{
	const struct pol_kw_word *w;
	char buf[64], list[128];

	if (!pol_scalar_str(ld, n, 64))
		return NULL;
	w = word_find(kw->words, n->str);
	if (w == NULL) {
		words_list(kw->words, list, sizeof(list));
		pol_err(ld, n, "invalid value '%s' (expected %s%s)%s%s",
			pol_quote(n, buf, sizeof(buf)),
			kw->words[1].word != NULL ? "one of: " : "", list,
			kw->why != NULL ? ": " : "", kw->why != NULL ? kw->why : "");
	}
	return w;
}

/* ---- "did you mean" ---- */

static unsigned int
edit_distance(const char *a, const char *b)
{
	unsigned int row[POL_HINT_KEY_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > POL_HINT_KEY_MAX || lb > POL_HINT_KEY_MAX)
		return UINT32_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
			unsigned int best = diag + cost;

			best = GW_MIN(best, up + 1);
			best = GW_MIN(best, row[j - 1] + 1);
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static const char *
key_hint(const struct pol_kw *tab, const char *key)
{
	const char *best = NULL;
	unsigned int best_d = 3;

	for (; tab->key != NULL; tab++) {
		unsigned int d = edit_distance(key, tab->key);

		if (d < best_d) {
			best_d = d;
			best = tab->key;
		}
	}
	return best;
}

/* ---- generic walk ---- */

static void kw_value(struct pol_loader *ld, const struct pol_kw *kw,
		     const struct pol_node *v, void *base);

static void *
kw_field(const struct pol_kw *kw, void *base)
{
	if (kw->off == KW_NOSTORE || base == NULL)
		return NULL;
	return (uint8_t *)base + kw->off;
}

static void
unenforced_add(struct pol_loader *ld, const struct pol_node *k)
{
	struct gw_policy *p = ld->p;
	struct gw_unenforced *u;

	pol_warn(ld, k, "accepted, not enforced by this version");
	if (p->n_unenforced == ld->cap_unenforced) {
		size_t cap = ld->cap_unenforced == 0 ? 8 : ld->cap_unenforced * 2;

		u = realloc(p->unenforced, cap * sizeof(*u));
		if (u == NULL) {
			ld->enomem = true;
			return;
		}
		p->unenforced = u;
		ld->cap_unenforced = cap;
	}
	u = &p->unenforced[p->n_unenforced++];
	memset(u, 0, sizeof(*u));
	pol_str_copy(u->path, sizeof(u->path), ld->path);
	u->line = k->line;
	u->col = k->col;
}

void
pol_kw_map(struct pol_loader *ld, const struct pol_node *m,
	   const struct pol_kw *tab, void *base)
{
	const struct pol_node *seen[POL_KW_TABLE_MAX] = {NULL};
	const struct pol_node *k;
	char buf[64];
	size_t i;

	if (!pol_expect_kind(ld, m, PN_MAP))
		return;
	for (k = m->first; k != NULL && k->next != NULL; k = k->next->next) {
		const struct pol_node *v = k->next;
		const struct pol_kw *kw = NULL;
		size_t saved;

		if (k->kind != PN_SCALAR) {
			if (k->kind != PN_BAD)
				pol_err(ld, k, "a key must be a name, got %s",
					pol_node_desc(k));
			continue;
		}
		for (i = 0; tab[i].key != NULL && i < POL_KW_TABLE_MAX; i++) {
			if (strlen(tab[i].key) == k->len &&
			    strcmp(tab[i].key, k->str) == 0) {
				kw = &tab[i];
				break;
			}
		}
		if (kw == NULL) {
			const char *hint = key_hint(tab, k->str);

			if (hint != NULL)
				pol_err(ld, k, "unknown key '%s' (did you mean '%s'?)",
					pol_quote(k, buf, sizeof(buf)), hint);
			else
				pol_err(ld, k, "unknown key '%s'",
					pol_quote(k, buf, sizeof(buf)));
			continue;
		}
		if (seen[i] != NULL) {
			pol_err(ld, k, "duplicate key '%s' (first at line %u)",
				kw->key, seen[i]->line);
			continue;
		}
		seen[i] = k;
		saved = pol_path_push_key(ld, kw->key);
		if (kw->flags & KW_UNENFORCED)
			unenforced_add(ld, k);
		kw_value(ld, kw, v, base);
		pol_path_pop(ld, saved);
	}
	for (i = 0; tab[i].key != NULL; i++)
		if ((tab[i].flags & KW_REQUIRED) && seen[i] == NULL)
			pol_err(ld, m, "missing required key '%s'", tab[i].key);
}

static void
kw_str_list(struct pol_loader *ld, const struct pol_kw *kw,
	    const struct pol_node *v)
{
	const struct pol_node *it;
	size_t idx = 0;

	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	for (it = v->first; it != NULL; it = it->next, idx++) {
		size_t saved = pol_path_push(ld, "[%zu]", idx);

		if (kw->words != NULL)
			(void)pol_scalar_word(ld, kw, it);
		else
			(void)pol_scalar_str(ld, it, kw->max);
		pol_path_pop(ld, saved);
	}
}

static void
kw_value(struct pol_loader *ld, const struct pol_kw *kw,
	 const struct pol_node *v, void *base)
{
	void *field = kw_field(kw, base);
	const struct pol_kw_word *w;
	uint64_t x;

	switch (kw->type) {
	case KW_MAP:
		pol_kw_map(ld, v, kw->sub, field);
		break;
	case KW_UINT:
		if (!pol_scalar_uint(ld, v, kw->min, kw->max, &x))
			break;
		if ((kw->flags & KW_POW2) && (x & (x - 1)) != 0) {
			pol_err(ld, v, "value %llu is not a power of two",
				(unsigned long long)x);
			break;
		}
		if (field != NULL)
			store_uint(field, kw->size, x * kw->scale);
		break;
	case KW_ENUM:
		w = pol_scalar_word(ld, kw, v);
		if (w != NULL && field != NULL)
			store_uint(field, kw->size, w->value);
		break;
	case KW_STR:
		if (pol_scalar_str(ld, v, kw->max) && field != NULL)
			memcpy(field, v->str, v->len + 1);
		break;
	case KW_STR_LIST:
		kw_str_list(ld, kw, v);
		break;
	case KW_ANY:
		break;
	case KW_FN:
		kw->fn(ld, kw, v, base);
		break;
	case KW_DOUBLE: {
		double d;

		if (pol_scalar_double(ld, v, kw->dmin, kw->dmax, &d) &&
		    field != NULL)
			memcpy(field, &d, sizeof(d));
		break;
	}
	}
}

/* Applies the defaults of a table (and its sub-tables) to base. */
void
pol_kw_defaults(const struct pol_kw *tab, void *base)
{
	for (; tab->key != NULL; tab++) {
		void *field = kw_field(tab, base);
		const struct pol_kw_word *w;

		if (field == NULL)
			continue;
		switch (tab->type) {
		case KW_MAP:
			pol_kw_defaults(tab->sub, field);
			break;
		case KW_UINT:
			if (tab->def != NULL)
				store_uint(field, tab->size,
					   strtoull(tab->def, NULL, 10) * tab->scale);
			break;
		case KW_ENUM:
			w = tab->def != NULL ? word_find(tab->words, tab->def) : NULL;
			if (w != NULL)
				store_uint(field, tab->size, w->value);
			break;
		case KW_STR:
			if (tab->def != NULL)
				snprintf(field, tab->max + 1, "%s", tab->def);
			break;
		case KW_DOUBLE:
			if (tab->def != NULL) {
				double d = strtod(tab->def, NULL);

				memcpy(field, &d, sizeof(d));
			}
			break;
		default:
			break;
		}
	}
}

int
pol_kw_format(const struct pol_kw *kw, const void *base, char *buf,
	      size_t size)
{
	const struct pol_kw_word *w;
	uint64_t v;
	double d;

	if (size > 0)
		buf[0] = '\0';
	if (kw->off == KW_NOSTORE && kw->type != KW_FN)
		return 0;
	switch (kw->type) {
	case KW_UINT:
		return snprintf(buf, size, "%llu",
				(unsigned long long)pol_kw_get_uint(kw, base));
	case KW_ENUM:
		if (kw->off == KW_NOSTORE)
			return 0;
		v = pol_kw_get_uint(kw, base);
		for (w = kw->words; w->word != NULL; w++)
			if (w->value == v)
				break;
		return snprintf(buf, size, "%s", w->word != NULL ? w->word : "?");
	case KW_STR:
		if (kw->off == KW_NOSTORE)
			return 0;
		return snprintf(buf, size, "%s", (const char *)base + kw->off);
	case KW_DOUBLE:
		memcpy(&d, (const uint8_t *)base + kw->off, sizeof(d));
		return snprintf(buf, size, "%g", d);
	case KW_FN:
		if (kw->fmt != NULL)
			return kw->fmt(kw, base, buf, size);
		return 0;
	default:
		return 0;
	}
}

const struct pol_node *
pol_map_key(const struct pol_node *m, const char *key)
{
	const struct pol_node *k;

	if (m == NULL || m->kind != PN_MAP)
		return NULL;
	/* The first one: a repeated key is an error and the first is used. */
	for (k = m->first; k != NULL && k->next != NULL; k = k->next->next)
		if (k->kind == PN_SCALAR && k->len == strlen(key) &&
		    strcmp(k->str, key) == 0)
			return k;
	return NULL;
}

const struct pol_node *
pol_map_get(const struct pol_node *m, const char *key)
{
	const struct pol_node *k = pol_map_key(m, key);

	return k != NULL ? k->next : NULL;
}

/* ---- duplicate entries of a list ---- */

struct dup_ctx {
	int (*cmp)(const void *, const void *);
};

static int
dup_cmp(const void *a, const void *b, void *arg)
{
	const struct pol_dup_item *x = a, *y = b;
	const struct dup_ctx *ctx = arg;
	int c = ctx->cmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Reports entries that repeat an earlier one, at the later one. Sorting
 * keeps this O(n log n) for allowlists of 100 000 names.
 */
void
pol_dup_report(struct pol_loader *ld, struct pol_dup_item *items, size_t n,
	       int (*cmp)(const void *, const void *), const char *what)
{
	struct dup_ctx ctx = {.cmp = cmp};
	char buf[64];
	size_t i, first = 0;

	if (n < 2)
		return;
	qsort_r(items, n, sizeof(*items), dup_cmp, &ctx);
	for (i = 1; i < n; i++) {
		if (cmp(items[first].key, items[i].key) != 0) {
			first = i;
			continue;
		}
		pol_err(ld, items[i].node, "duplicate %s '%s' (first at line %u)",
			what, pol_quote(items[i].node, buf, sizeof(buf)),
			items[first].node->line);
	}
}
