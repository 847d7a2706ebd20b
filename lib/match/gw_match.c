/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name matching: FQDN allowlists as two open-addressing hash sets (exact
 * names, wildcard suffixes), C2 signatures as a Hyperscan regex set.
 * See docs/matching.md.
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
 * FQDN allowlists
 * ---------------
 * An allowlist is a set of exact names and a set of wildcard suffixes
 * ("*.x.tld" is stored as "x.tld"). A lookup of N probes the exact set
 * with N, then the wildcard set with every proper suffix of N that starts
 * after a dot ("b.x.tld", "x.tld", "tld" for "a.b.x.tld"): that matches
 * any depth, never the apex (N itself is not a proper suffix) and never
 * "evilx.tld" (suffixes start at label boundaries only).
 *
 * Both sets share one hash, computed from the LAST byte of the name
 * towards the first: after consuming the bytes of a suffix, the state is
 * the hash of that suffix, so the hash of N and of all its suffixes come
 * out of one pass over the name, done together with the byte check. The
 * state is 64-bit (multiply-add per byte); the bucket index takes the low
 * bits of a finalised copy and the bucket keeps the high 32 bits as a tag,
 * so a name is only compared byte by byte when 32 more bits agree.
 *
 * Why not Hyperscan (the previous layout, kept in docs/matching.md): an
 * allowlist has no patterns, only names and suffixes, and hs_scan's fixed
 * cost per call was most of the 108 ns per lookup at 10k names; compiling
 * 100k names took 2.5-7 s. Here a lookup is 1 + (labels - 1) probes,
 * independent of the list size, and a build is linear (milliseconds for
 * 100k names).
 *
 * Each bucket records the entry index; duplicates keep the lowest index.
 * The answer is the exact entry if any, else the lowest index among the
 * matching wildcards (every suffix is probed, since a shorter suffix may
 * carry a lower index).
 */

struct fqdn_slot {
	uint32_t tag;  /* high 32 bits of the name hash */
	uint32_t idx;  /* entry index; FQDN_EMPTY when the slot is free */
	uint32_t off;  /* name bytes in db->text */
	uint32_t len;
};

#define FQDN_EMPTY UINT32_MAX

struct fqdn_set {
	struct fqdn_slot *slots;
	uint32_t mask;    /* slot count - 1 (power of two >= 2 * entries) */
	uint32_t n;
	uint32_t min_len; /* shortest and longest key: other lengths are not probed */
	uint32_t max_len;
};

enum gw_match_kind {
	GW_MATCH_KIND_FQDN = 1,
	GW_MATCH_KIND_REGEX = 2,
};

struct gw_match_db {
	enum gw_match_kind kind;
	hs_database_t *hs;      /* regex only; NULL when count == 0 */
	size_t count;
	/* FQDN only. */
	struct fqdn_set exact;
	struct fqdn_set wild;
	char *text;             /* the names (exact) and suffixes (wildcard) */
	size_t text_len;
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

#define FQDN_HASH_SEED UINT64_C(0x9e3779b97f4a7c15)
#define FQDN_HASH_MUL UINT64_C(0xff51afd7ed558ccd)

/* One byte into the backward hash (see the top of this section). */
static inline uint64_t
fqdn_hash_step(uint64_t h, uint8_t c)
{
	return (h + c + 1) * FQDN_HASH_MUL;
}

/* Spreads the state before its low bits pick a bucket (murmur3 fmix64). */
static inline uint64_t
fqdn_hash_final(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

static uint64_t
fqdn_hash(const char *s, size_t len)
{
	uint64_t h = FQDN_HASH_SEED;

	while (len > 0)
		h = fqdn_hash_step(h, (uint8_t)s[--len]);
	return fqdn_hash_final(h);
}

static int
fqdn_set_alloc(struct fqdn_set *set, size_t n)
{
	size_t ns = 4, i;

	while (ns < 2 * n)
		ns <<= 1;
	set->slots = malloc(ns * sizeof(*set->slots));
	if (set->slots == NULL)
		return GW_ENOMEM;
	for (i = 0; i < ns; i++)
		set->slots[i].idx = FQDN_EMPTY;
	set->mask = (uint32_t)(ns - 1);
	set->n = 0;
	set->min_len = UINT32_MAX;
	set->max_len = 0;
	return 0;
}

static inline const struct fqdn_slot *
fqdn_set_find(const struct fqdn_set *set, const char *text, uint64_t h,
	      const char *key, size_t len)
{
	uint32_t i = (uint32_t)h & set->mask;
	uint32_t tag = (uint32_t)(h >> 32);

	for (;;) {
		const struct fqdn_slot *sl = &set->slots[i];

		if (sl->idx == FQDN_EMPTY)
			return NULL;
		if (sl->tag == tag && sl->len == len &&
		    memcmp(text + sl->off, key, len) == 0)
			return sl;
		i = (i + 1) & set->mask;
	}
}

/* Adds key (already in db->text at off) unless present: entries come in index order. */
static void
fqdn_set_add(struct fqdn_set *set, const char *text, uint32_t off,
	     uint32_t len, uint32_t idx)
{
	uint64_t h = fqdn_hash(text + off, len);
	uint32_t i = (uint32_t)h & set->mask;
	uint32_t tag = (uint32_t)(h >> 32);

	for (;;) {
		struct fqdn_slot *sl = &set->slots[i];

		if (sl->idx == FQDN_EMPTY)
			break;
		if (sl->tag == tag && sl->len == len &&
		    memcmp(text + sl->off, text + off, len) == 0)
			return; /* a duplicate: the lower index stays */
		i = (i + 1) & set->mask;
	}
	set->slots[i].tag = tag;
	set->slots[i].idx = idx;
	set->slots[i].off = off;
	set->slots[i].len = len;
	set->n++;
	if (len < set->min_len)
		set->min_len = len;
	if (len > set->max_len)
		set->max_len = len;
}

struct gw_match_db *
gw_match_fqdn_build(const char *const *names, size_t n,
		    struct gw_match_error *err)
{
	struct gw_match_db *db = NULL;
	size_t n_exact = 0, n_wild = 0;
	size_t total = 0;
	size_t i, off;

	if (n > 0 && names == NULL) {
		match_error_set(err, -1, "%s", "no name array");
		return NULL;
	}
	/* Indexes are returned as int and stored as uint32_t. */
	if (n > INT_MAX || n >= FQDN_EMPTY) {
		match_error_set(err, -1, "%s", "too many names");
		return NULL;
	}

	/*
	 * Each name must already be in normalised form: a name with upper
	 * case or a trailing dot would otherwise be stored as a key that can
	 * never match a (normalised) lookup.
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
		if (names[i][0] == '*')
			n_wild++;
		else
			n_exact++;
		total += len;
	}

	db = match_db_alloc(GW_MATCH_KIND_FQDN, n);
	if (db == NULL)
		goto nomem;
	if (n == 0)
		return db;

	db->text = malloc(total);
	if (db->text == NULL || fqdn_set_alloc(&db->exact, n_exact) != 0 ||
	    fqdn_set_alloc(&db->wild, n_wild) != 0)
		goto nomem;

	off = 0;
	for (i = 0; i < n; i++) {
		const char *name = names[i];
		size_t len = strlen(name);

		if (name[0] == '*') {
			/* "*.x.tld" is the suffix "x.tld". */
			memcpy(db->text + off, name + 2, len - 2);
			fqdn_set_add(&db->wild, db->text, (uint32_t)off,
				     (uint32_t)(len - 2), (uint32_t)i);
			off += len - 2;
		} else {
			memcpy(db->text + off, name, len);
			fqdn_set_add(&db->exact, db->text, (uint32_t)off,
				     (uint32_t)len, (uint32_t)i);
			off += len;
		}
	}
	db->text_len = off;
	return db;

nomem:
	match_error_set(err, -1, "%s", gw_strerror(GW_ENOMEM));
	gw_match_db_free(db);
	return NULL;
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
	free(db->exact.slots);
	free(db->wild.slots);
	free(db->text);
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
	if (db->exact.slots != NULL)
		sz += ((size_t)db->exact.mask + 1) * sizeof(struct fqdn_slot);
	if (db->wild.slots != NULL)
		sz += ((size_t)db->wild.mask + 1) * sizeof(struct fqdn_slot);
	sz += db->text_len;
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
	/* Hash state after each label boundary: suffix_h[k] hashes name + suffix_at[k]. */
	uint64_t suffix_h[GW_NAME_MAX / 2 + 1];
	uint32_t suffix_at[GW_NAME_MAX / 2 + 1];
	const struct fqdn_slot *sl;
	uint64_t h = FQDN_HASH_SEED;
	unsigned int n_suffix = 0, k;
	uint32_t best = FQDN_EMPTY;
	size_t i;

	/*
	 * Only a normalised name is looked up: a leading dot would let
	 * ".x.tld" pass as a subdomain of "*.x.tld", and any other byte
	 * cannot be in a (normalised) list anyway.
	 */
	if (len == 0 || len > GW_NAME_MAX || name[0] == '.')
		return GW_EINVAL;
	for (i = len; i-- > 0;) {
		uint8_t c = (uint8_t)name[i];

		if (!name_byte[c])
			return GW_EINVAL;
		if (c == '.') {
			/* Empty labels ("a..b") cannot be listed: no need to refuse them here. */
			suffix_h[n_suffix] = h;
			suffix_at[n_suffix++] = (uint32_t)(i + 1);
		}
		h = fqdn_hash_step(h, c);
	}
	if (db->count == 0)
		return GW_MATCH_NONE;
	/* A scratch is part of the contract for non-empty databases (regex ones need it). */
	if (s == NULL)
		return GW_EINVAL;

	if (db->exact.n > 0 && len >= db->exact.min_len &&
	    len <= db->exact.max_len) {
		sl = fqdn_set_find(&db->exact, db->text, fqdn_hash_final(h),
				   name, len);
		if (sl != NULL)
			return (int)sl->idx;
	}
	if (db->wild.n == 0)
		return GW_MATCH_NONE;
	for (k = 0; k < n_suffix; k++) {
		size_t slen = len - suffix_at[k];

		if (slen < db->wild.min_len || slen > db->wild.max_len)
			continue;
		sl = fqdn_set_find(&db->wild, db->text,
				   fqdn_hash_final(suffix_h[k]),
				   name + suffix_at[k], slen);
		if (sl != NULL && sl->idx < best)
			best = sl->idx;
	}
	return best == FQDN_EMPTY ? GW_MATCH_NONE : (int)best;
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
