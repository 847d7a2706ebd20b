/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hyperscan databases for FQDN allowlists (literal set over a delimited
 * form of the name) and C2 signatures (regex set). See docs/matching.md.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "common/gw_error.h"
#include "match/gw_match.h"

/* Longest normalised name (RFC 1035 text form without the trailing dot). */
#define GW_NAME_MAX 253

/*
 * Delimited form of a name N (see docs/matching.md):
 *
 *   scan buffer   "\1" rev(N) "\2" N "\0" tag(N)
 *   exact "a.x"   "\2" "a.x" "\0" tag("a.x")
 *   wildcard "*.x.tld"  "\1" rev("x.tld") "."  =  "\1dlt.x."
 *
 * "\1" and "\2" occur once in the buffer (normalised names hold neither),
 * so an exact literal matches only the whole forward copy and a wildcard
 * literal only a prefix of the reversed copy: names ending in ".x.tld" at
 * any depth, never the apex "x.tld" (followed by "\2", not ".") nor
 * "evilx.tld".
 *
 * Why not "\0" N "\0" with ".x.tld\0" for wildcards: Hyperscan's literal
 * matcher tells literals apart by their last bytes. Names in one
 * allowlist share their ends (".s3.eu-west-1.amazonaws.com\0"), and with
 * thousands of them every scan walks long chains of candidates: 6.6 us per
 * lookup at 10 000 such names, 81 us at 100 000 (tools/match-bench). Ending
 * exact literals with a 4-byte tag of the name, and wildcards with their
 * most specific label (reversed copy), keeps the ends distinct.
 */
#define GW_TAG_LEN 4
#define GW_SCAN_MAX (2 * GW_NAME_MAX + 3 + GW_TAG_LEN)

enum gw_match_kind {
	GW_MATCH_KIND_FQDN = 1,
	GW_MATCH_KIND_REGEX = 2,
};

struct gw_match_db {
	enum gw_match_kind kind;
	hs_database_t *hs;      /* NULL when count == 0 (matches nothing) */
	size_t count;
	/* FQDN only: bit i set when name i is exact (not "*.suffix"). */
	uint64_t *exact;
};

/*
 * The scratch is wrapped so that a worker always holds a non-NULL handle,
 * even when every database of its policy is empty (hs scratch NULL then).
 */
struct gw_match_scratch {
	hs_scratch_t *hs;
};

static void
match_error_set(struct gw_match_error *err, int index, const char *fmt,
		const char *detail)
{
	if (err == NULL)
		return;
	err->index = index;
	snprintf(err->msg, sizeof(err->msg), fmt, detail);
}

static struct gw_match_db *
match_db_alloc(enum gw_match_kind kind, size_t n)
{
	struct gw_match_db *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return NULL;
	db->kind = kind;
	db->count = n;
	return db;
}

/*
 * FNV-1a folded into GW_TAG_LEN bytes >= 0x80, which never occur in a
 * normalised name: only spreads the literal ends, correctness does not
 * depend on it (the whole name is part of the literal).
 */
static void
name_tag(const char *name, size_t len, char *tag)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	for (i = 0; i < GW_TAG_LEN; i++)
		tag[i] = (char)(0x80 | ((h >> (7 * i)) & 0x7f));
}

static bool
fqdn_is_exact(const struct gw_match_db *db, unsigned int i)
{
	return (db->exact[i / 64] >> (i % 64)) & 1;
}

struct gw_match_db *
gw_match_fqdn_build(const char *const *names, size_t n,
		    struct gw_match_error *err)
{
	struct gw_match_db *db = NULL;
	hs_compile_error_t *hs_err = NULL;
	const char **lits = NULL;
	unsigned int *ids = NULL;
	unsigned int *flags = NULL;
	size_t *lens = NULL;
	char *store = NULL;
	size_t total = 0;
	size_t i, off;

	if (n > 0 && names == NULL) {
		match_error_set(err, -1, "%s", "no name array");
		return NULL;
	}
	/* Ids are returned as int and hs takes an unsigned element count. */
	if (n > INT_MAX) {
		match_error_set(err, -1, "%s", "too many names");
		return NULL;
	}

	/*
	 * Each name must already be in normalised form: a name with upper
	 * case or a trailing dot would otherwise compile into a literal that
	 * can never match, and a delimiter byte into one that matches across
	 * the two copies of the scan buffer.
	 */
	for (i = 0; i < n; i++) {
		char norm[GW_NAME_MAX + 1];
		size_t len;
		int r;

		if (names[i] == NULL) {
			match_error_set(err, (int)i, "%s", "name is NULL");
			return NULL;
		}
		len = strnlen(names[i], GW_NAME_MAX + 1);
		r = gw_name_normalize((const uint8_t *)names[i], len, norm,
				      sizeof(norm), true);
		if (r < 0 || (size_t)r != len || memcmp(norm, names[i], len) != 0) {
			match_error_set(err, (int)i,
					"not a normalised name or \"*.suffix\" "
					"wildcard: \"%.200s\"", names[i]);
			return NULL;
		}
		total += len + 3 + GW_TAG_LEN;
	}

	db = match_db_alloc(GW_MATCH_KIND_FQDN, n);
	if (db == NULL)
		goto nomem;
	if (n == 0)
		return db;

	db->exact = calloc((n + 63) / 64, sizeof(*db->exact));
	lits = calloc(n, sizeof(*lits));
	ids = calloc(n, sizeof(*ids));
	flags = calloc(n, sizeof(*flags));
	lens = calloc(n, sizeof(*lens));
	store = malloc(total);
	if (db->exact == NULL || lits == NULL || ids == NULL ||
	    flags == NULL || lens == NULL || store == NULL)
		goto nomem;

	/* Literals as described at the top of this file. */
	off = 0;
	for (i = 0; i < n; i++) {
		const char *name = names[i];
		size_t len = strlen(name), k;
		char *lit = store + off;

		if (name[0] == '*') {
			/* "*.x.tld" -> "\1" "dlt.x" "." */
			lit[0] = '\1';
			for (k = 0; k < len - 2; k++)
				lit[1 + k] = name[len - 1 - k];
			lit[len - 1] = '.';
			lens[i] = len;
		} else {
			lit[0] = '\2';
			memcpy(lit + 1, name, len);
			lit[len + 1] = '\0';
			name_tag(name, len, lit + len + 2);
			lens[i] = len + 2 + GW_TAG_LEN;
			db->exact[i / 64] |= UINT64_C(1) << (i % 64);
		}
		lits[i] = lit;
		ids[i] = (unsigned int)i;
		flags[i] = HS_FLAG_SINGLEMATCH;
		off += len + 3 + GW_TAG_LEN;
	}

	if (hs_compile_lit_multi(lits, flags, ids, lens, (unsigned int)n,
				 HS_MODE_BLOCK, NULL, &db->hs, &hs_err) !=
	    HS_SUCCESS) {
		match_error_set(err, hs_err != NULL ? hs_err->expression : -1,
				"allowlist compile failed: %s",
				hs_err != NULL ? hs_err->message : "unknown error");
		hs_free_compile_error(hs_err);
		gw_match_db_free(db);
		db = NULL;
	}
	goto out;

nomem:
	match_error_set(err, -1, "%s", gw_strerror(GW_ENOMEM));
	gw_match_db_free(db);
	db = NULL;
out:
	free(lits);
	free(ids);
	free(flags);
	free(lens);
	free(store);
	return db;
}

/*
 * Checks one expression on its own. Hyperscan refuses most patterns that
 * can match an empty buffer only with a message about a flag we do not
 * set, and accepts pure assertions ("^", "$", "\\b") that then match every
 * name: both are refused here with one message an operator can act on.
 */
static bool
regex_check_one(const char *pattern, unsigned int flags, int index,
		struct gw_match_error *err)
{
	hs_compile_error_t *hs_err = NULL;
	hs_expr_info_t *info = NULL;
	bool ok;

	if (hs_expression_info(pattern, flags | HS_FLAG_ALLOWEMPTY, &info,
			       &hs_err) != HS_SUCCESS) {
		match_error_set(err, index, "%s",
				hs_err != NULL ? hs_err->message :
						 "unknown error");
		hs_free_compile_error(hs_err);
		return false;
	}
	ok = info->min_width > 0;
	/* hs_expression_info allocates with the misc allocator (malloc). */
	free(info);
	if (!ok)
		match_error_set(err, index,
				"pattern can match an empty name, so it would "
				"match every name: \"%.160s\"", pattern);
	return ok;
}

struct gw_match_db *
gw_match_regex_build(const char *const *patterns, size_t n,
		     struct gw_match_error *err)
{
	const unsigned int fl = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH |
				HS_FLAG_DOTALL;
	hs_compile_error_t *hs_err = NULL;
	struct gw_match_db *db = NULL;
	unsigned int *flags = NULL;
	unsigned int *ids = NULL;
	size_t i;

	if (n > 0 && patterns == NULL) {
		match_error_set(err, -1, "%s", "no pattern array");
		return NULL;
	}
	if (n > INT_MAX) {
		match_error_set(err, -1, "%s", "too many patterns");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (patterns[i] == NULL) {
			match_error_set(err, (int)i, "%s", "pattern is NULL");
			return NULL;
		}
		if (patterns[i][0] == '\0') {
			match_error_set(err, (int)i, "%s", "empty pattern");
			return NULL;
		}
		if (!regex_check_one(patterns[i], fl, (int)i, err))
			return NULL;
	}

	db = match_db_alloc(GW_MATCH_KIND_REGEX, n);
	if (db == NULL)
		goto nomem;
	if (n == 0)
		return db;

	flags = calloc(n, sizeof(*flags));
	ids = calloc(n, sizeof(*ids));
	if (flags == NULL || ids == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		flags[i] = fl;
		ids[i] = (unsigned int)i;
	}

	if (hs_compile_multi(patterns, flags, ids, (unsigned int)n,
			     HS_MODE_BLOCK, NULL, &db->hs, &hs_err) !=
	    HS_SUCCESS) {
		match_error_set(err, hs_err != NULL ? hs_err->expression : -1,
				"%s", hs_err != NULL ? hs_err->message :
						       "unknown error");
		hs_free_compile_error(hs_err);
		gw_match_db_free(db);
		db = NULL;
	}
	goto out;

nomem:
	match_error_set(err, -1, "%s", gw_strerror(GW_ENOMEM));
	gw_match_db_free(db);
	db = NULL;
out:
	free(flags);
	free(ids);
	return db;
}

void
gw_match_db_free(struct gw_match_db *db)
{
	if (db == NULL)
		return;
	hs_free_database(db->hs);
	free(db->exact);
	free(db);
}

size_t
gw_match_db_size(const struct gw_match_db *db)
{
	size_t sz = 0;

	if (db == NULL)
		return 0;
	if (db->hs != NULL && hs_database_size(db->hs, &sz) != HS_SUCCESS)
		sz = 0;
	if (db->exact != NULL)
		sz += (db->count + 63) / 64 * sizeof(*db->exact);
	return sz;
}

size_t
gw_match_db_count(const struct gw_match_db *db)
{
	return db == NULL ? 0 : db->count;
}

int
gw_match_scratch_grow(struct gw_match_scratch **scratch,
		      const struct gw_match_db *db)
{
	struct gw_match_scratch *s;

	if (scratch == NULL || db == NULL)
		return GW_EINVAL;
	s = *scratch;
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return GW_ENOMEM;
	}
	/* hs_alloc_scratch grows in place and leaves it untouched on error. */
	if (db->hs != NULL && hs_alloc_scratch(db->hs, &s->hs) != HS_SUCCESS) {
		if (*scratch == NULL)
			gw_match_scratch_free(s);
		return GW_ENOMEM;
	}
	*scratch = s;
	return 0;
}

struct gw_match_scratch *
gw_match_scratch_clone(const struct gw_match_scratch *s)
{
	struct gw_match_scratch *c;

	if (s == NULL)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (s->hs != NULL && hs_clone_scratch(s->hs, &c->hs) != HS_SUCCESS) {
		free(c);
		return NULL;
	}
	return c;
}

void
gw_match_scratch_free(struct gw_match_scratch *s)
{
	if (s == NULL)
		return;
	hs_free_scratch(s->hs);
	free(s);
}

struct fqdn_scan_ctx {
	const struct gw_match_db *db;
	int best;
	bool best_exact;
};

/*
 * Wildcards match inside the reversed copy, exact names at the very end of
 * the buffer, duplicates at the same offset in an unspecified order: keep
 * the best seen (exact over wildcard, then lowest index) and let the scan
 * run to the end, since an exact match is always reported last. On a
 * buffer of at most 513 bytes that costs nothing worth saving.
 */
static int
fqdn_on_match(unsigned int id, unsigned long long from, unsigned long long to,
	      unsigned int flags, void *arg)
{
	struct fqdn_scan_ctx *ctx = arg;
	bool exact = fqdn_is_exact(ctx->db, id);

	(void)from;
	(void)to;
	(void)flags;
	if (ctx->best < 0 || (exact && !ctx->best_exact) ||
	    (exact == ctx->best_exact && (int)id < ctx->best)) {
		ctx->best = (int)id;
		ctx->best_exact = exact;
	}
	return 0;
}

static int
regex_on_match(unsigned int id, unsigned long long from, unsigned long long to,
	       unsigned int flags, void *arg)
{
	int *best = arg;

	(void)from;
	(void)to;
	(void)flags;
	if (*best < 0 || (int)id < *best)
		*best = (int)id;
	/* Index 0 cannot be beaten: stop the scan. */
	return id == 0;
}

static int
match_hs_error(hs_error_t e)
{
	switch (e) {
	case HS_NOMEM:
		return GW_ENOMEM;
	default:
		/* Wrong scratch, scratch in use by another thread, bad db. */
		return GW_EINVAL;
	}
}

/* Bytes of a normalised name (lower case). */
static const bool name_byte[256] = {
	['a' ... 'z'] = true, ['0' ... '9'] = true,
	['-'] = true, ['_'] = true, ['.'] = true,
};

static int
fqdn_scan(const struct gw_match_db *db, struct gw_match_scratch *s,
	  const char *name, size_t len)
{
	struct fqdn_scan_ctx ctx = {.db = db, .best = GW_MATCH_NONE};
	char buf[GW_SCAN_MAX];
	hs_error_t e;
	size_t i;

	/*
	 * Only a normalised name is looked up: a delimiter byte inside it
	 * could line a literal up with the wrong part of the buffer, and a
	 * leading dot would let ".x.tld" pass as a subdomain of "*.x.tld".
	 */
	if (len == 0 || len > GW_NAME_MAX || name[0] == '.')
		return GW_EINVAL;
	buf[0] = '\1';
	for (i = 0; i < len; i++) {
		uint8_t c = (uint8_t)name[i];

		if (!name_byte[c])
			return GW_EINVAL;
		buf[len - i] = (char)c;
	}
	if (db->hs == NULL)
		return GW_MATCH_NONE;
	if (s == NULL || s->hs == NULL)
		return GW_EINVAL;
	buf[len + 1] = '\2';
	memcpy(buf + len + 2, name, len);
	buf[2 * len + 2] = '\0';
	name_tag(name, len, buf + 2 * len + 3);
	e = hs_scan(db->hs, buf, (unsigned int)(2 * len + 3 + GW_TAG_LEN), 0,
		    s->hs, fqdn_on_match, &ctx);
	if (e != HS_SUCCESS)
		return match_hs_error(e);
	return ctx.best;
}

static int
regex_scan(const struct gw_match_db *db, struct gw_match_scratch *s,
	   const char *name, size_t len)
{
	int best = GW_MATCH_NONE;
	hs_error_t e;

	if (len > UINT_MAX)
		return GW_EINVAL;
	if (db->hs == NULL)
		return GW_MATCH_NONE;
	if (s == NULL || s->hs == NULL)
		return GW_EINVAL;
	e = hs_scan(db->hs, len > 0 ? name : "", (unsigned int)len, 0, s->hs,
		    regex_on_match, &best);
	if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
		return match_hs_error(e);
	return best;
}

int
gw_match_scan(const struct gw_match_db *db, struct gw_match_scratch *s,
	      const char *name, size_t len)
{
	if (db == NULL || (name == NULL && len > 0))
		return GW_EINVAL;
	if (db->kind == GW_MATCH_KIND_FQDN)
		return fqdn_scan(db, s, name, len);
	return regex_scan(db, s, name, len);
}
