/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of lib/match: FQDN allowlist semantics against a naive reference
 * matcher, C2 regex databases, scratch handling, name normalisation and
 * IP-literal detection.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "gw_test.h"
#include "match/gw_match.h"

/* ---- helpers ---- */

struct fqdn_fixture {
	struct gw_match_db *db;
	struct gw_match_scratch *s;
};

static void
fixture_build(struct fqdn_fixture *f, const char *const *names, size_t n)
{
	struct gw_match_error err = {0};

	f->db = gw_match_fqdn_build(names, n, &err);
	ck_assert_msg(f->db != NULL, "build failed at %d: %s", err.index,
		      err.msg);
	ck_assert_uint_eq(gw_match_db_count(f->db), n);
	f->s = NULL;
	ck_assert_int_eq(gw_match_scratch_grow(&f->s, f->db), 0);
	ck_assert_ptr_nonnull(f->s);
}

static void
fixture_free(struct fqdn_fixture *f)
{
	gw_match_scratch_free(f->s);
	gw_match_db_free(f->db);
}

/* Scans a C string, placed right before a guard page. */
static int
scan_guarded(const struct gw_match_db *db, struct gw_match_scratch *s,
	     const char *name)
{
	struct gw_guard g;
	size_t len = strlen(name);
	const char *p = (const char *)gw_guard_place(&g, name, len);
	int r = gw_match_scan(db, s, p, len);

	gw_guard_release(&g);
	return r;
}

/*
 * Naive reference: exact name equal, or wildcard "*.sfx" with the name
 * ending in ".sfx" and longer than it; exact beats wildcard, then the
 * lowest index.
 */
static int
ref_match(const char *const *names, const size_t *lens, size_t n,
	  const char *q, size_t qlen)
{
	int best_exact = -1, best_wild = -1;
	size_t i;

	for (i = 0; i < n && best_exact < 0; i++) {
		const char *e = names[i];
		size_t el = lens[i];

		if (e[0] == '*') {
			/* e + 1 is ".sfx" */
			if (best_wild < 0 && qlen > el - 1 &&
			    memcmp(q + qlen - (el - 1), e + 1, el - 1) == 0)
				best_wild = (int)i;
		} else if (el == qlen && memcmp(e, q, qlen) == 0) {
			best_exact = (int)i;
		}
	}
	return best_exact >= 0 ? best_exact : best_wild;
}

/* splitmix64: deterministic across platforms. */
static uint64_t
rnd(uint64_t *st)
{
	uint64_t z = (*st += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static size_t
rnd_label(uint64_t *st, char *out)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t len = 1 + rnd(st) % 10, i;

	for (i = 0; i < len; i++)
		out[i] = alpha[rnd(st) % (sizeof(alpha) - 1)];
	if (len >= 3 && rnd(st) % 4 == 0)
		out[len / 2] = (rnd(st) & 1) ? '-' : '_';
	return len;
}

/* A realistic name: 1-3 labels and a TLD. Returns length (NUL-terminated). */
static size_t
rnd_name(uint64_t *st, char *out)
{
	static const char *const tlds[] = {"com", "net", "org", "io",
					   "de", "co.uk", "tld", "cloud"};
	size_t nl = 1 + rnd(st) % 3, len = 0, i;
	const char *tld = tlds[rnd(st) % GW_ARRAY_SIZE(tlds)];

	for (i = 0; i < nl; i++) {
		len += rnd_label(st, out + len);
		out[len++] = '.';
	}
	memcpy(out + len, tld, strlen(tld) + 1);
	return len + strlen(tld);
}

/* ---- FQDN semantics ---- */

struct fqdn_case {
	const char *q;
	int want;
};

START_TEST(test_fqdn_semantics)
{
	static const char *const names[] = {
		"api.x.tld",   /* 0 */
		"*.x.tld",     /* 1 */
		"exact.only",  /* 2 */
		"*.deep.tld",  /* 3 */
		"a_b-c.tld",   /* 4 */
	};
	static const struct fqdn_case cases[] = {
		{"api.x.tld", 0},
		{"x.tld", -1},                 /* apex not matched by wildcard */
		{"a.x.tld", 1},
		{"a.b.x.tld", 1},              /* any depth */
		{"a.b.c.d.e.x.tld", 1},
		{"evilx.tld", -1},             /* not a label boundary */
		{"api.x.tld.evil.com", -1},    /* exact is anchored at the end */
		{"xapi.x.tld", 1},             /* only the wildcard */
		{"x.tld.evil", -1},
		{"tld", -1},
		{"exact.only", 2},
		{"a.exact.only", -1},          /* exact does not cover subdomains */
		{"xexact.only", -1},
		{"exact.onl", -1},
		{"exact.onlyx", -1},
		{"xact.only", -1},
		{"deep.tld", -1},
		{"q.deep.tld", 3},
		{"a_b-c.tld", 4},
		{"a_b-c.tldx", -1},
	};
	struct fqdn_fixture f;
	size_t i;

	fixture_build(&f, names, GW_ARRAY_SIZE(names));
	ck_assert_uint_gt(gw_match_db_size(f.db), 0);
	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		int r = scan_guarded(f.db, f.s, cases[i].q);

		ck_assert_msg(r == cases[i].want, "%s: got %d want %d",
			      cases[i].q, r, cases[i].want);
	}
	fixture_free(&f);
}
END_TEST

START_TEST(test_fqdn_preference)
{
	static const char *const names[] = {
		"*.x.tld",     /* 0 */
		"b.x.tld",     /* 1 */
		"*.b.x.tld",   /* 2 */
		"a.b.x.tld",   /* 3 */
		"a.b.x.tld",   /* 4 duplicate */
		"*.x.tld",     /* 5 duplicate wildcard */
		"c.tld",       /* 6 */
		"*.c.tld",     /* 7 */
		"*.tld",       /* 8 */
		"c.tld",       /* 9 duplicate */
	};
	static const struct fqdn_case cases[] = {
		{"b.x.tld", 1},      /* exact beats the lower-index wildcard 0 */
		{"a.b.x.tld", 3},    /* exact beats wildcards 0, 2; lowest dup */
		{"z.b.x.tld", 0},    /* wildcards 0, 2, 5: lowest index */
		{"q.x.tld", 0},
		{"c.tld", 6},        /* exact 6 and 9 beat wildcard 8 */
		{"d.c.tld", 7},      /* wildcards 7 and 8 */
		{"d.tld", 8},
		{"x.tld", 8},        /* apex of 0 is a subdomain of *.tld */
		{"tld", -1},
	};
	static const char *const rev[] = {
		"*.tld",       /* 0 */
		"*.a.tld",     /* 1 */
		"a.tld",       /* 2 */
		"b.a.tld",     /* 3 */
	};
	static const struct fqdn_case rev_cases[] = {
		{"a.tld", 2},
		{"b.a.tld", 3},
		{"c.a.tld", 0},      /* lowest index, not longest suffix */
		{"z.tld", 0},
	};
	struct fqdn_fixture f;
	size_t i;

	fixture_build(&f, names, GW_ARRAY_SIZE(names));
	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		int r = scan_guarded(f.db, f.s, cases[i].q);

		ck_assert_msg(r == cases[i].want, "%s: got %d want %d",
			      cases[i].q, r, cases[i].want);
	}
	fixture_free(&f);

	fixture_build(&f, rev, GW_ARRAY_SIZE(rev));
	for (i = 0; i < GW_ARRAY_SIZE(rev_cases); i++) {
		int r = scan_guarded(f.db, f.s, rev_cases[i].q);

		ck_assert_msg(r == rev_cases[i].want, "%s: got %d want %d",
			      rev_cases[i].q, r, rev_cases[i].want);
	}
	fixture_free(&f);
}
END_TEST

/* Exact preference must hold whatever the index of the exact entry. */
START_TEST(test_fqdn_preference_positions)
{
	const char *names[130];
	struct fqdn_fixture f;
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(names); i++)
		names[i] = (i % 2 == 0) ? "*.x.tld" : "*.b.x.tld";
	names[_i] = "a.b.x.tld";
	fixture_build(&f, names, GW_ARRAY_SIZE(names));
	ck_assert_int_eq(scan_guarded(f.db, f.s, "a.b.x.tld"), _i);
	ck_assert_int_eq(scan_guarded(f.db, f.s, "c.b.x.tld"),
			 (_i == 0 ? 1 : 0));
	ck_assert_int_eq(scan_guarded(f.db, f.s, "b.x.tld"), (_i == 0 ? 2 : 0));
	ck_assert_int_eq(scan_guarded(f.db, f.s, "x.tld"), -1);
	fixture_free(&f);
}
END_TEST

START_TEST(test_fqdn_empty)
{
	struct gw_match_error err = {0};
	struct gw_match_db *db = gw_match_fqdn_build(NULL, 0, &err);
	struct gw_match_scratch *s = NULL, *c;

	ck_assert_ptr_nonnull(db);
	ck_assert_uint_eq(gw_match_db_count(db), 0);
	ck_assert_uint_eq(gw_match_db_size(db), 0);
	/* A scratch is not needed, but grow/clone still give a handle. */
	ck_assert_int_eq(gw_match_scan(db, NULL, "a.tld", 5), GW_MATCH_NONE);
	ck_assert_int_eq(gw_match_scratch_grow(&s, db), 0);
	ck_assert_ptr_nonnull(s);
	c = gw_match_scratch_clone(s);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(gw_match_scan(db, s, "a.tld", 5), GW_MATCH_NONE);
	ck_assert_int_eq(gw_match_scan(db, c, "a.tld", 5), GW_MATCH_NONE);
	gw_match_scratch_free(c);
	gw_match_scratch_free(s);
	gw_match_db_free(db);
}
END_TEST

START_TEST(test_fqdn_build_rejects)
{
	static const struct {
		const char *bad;
		const char *why;
	} cases[] = {
		{"API.x.tld", "upper case"},
		{"x.tld.", "trailing dot"},
		{"", "empty"},
		{"*", "bare wildcard"},
		{"*.", "bare wildcard with dot"},
		{"a.*.tld", "inner wildcard"},
		{"*a.tld", "partial wildcard"},
		{"a..tld", "empty label"},
		{"a tld", "space"},
		{"a.tld:443", "port"},
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		const char *names[3] = {"ok.tld", "*.ok.tld", cases[i].bad};
		struct gw_match_error err = {.index = 99};
		struct gw_match_db *db = gw_match_fqdn_build(names, 3, &err);

		ck_assert_msg(db == NULL, "accepted %s", cases[i].why);
		ck_assert_int_eq(err.index, 2);
		ck_assert_msg(strlen(err.msg) > 0, "no message for %s",
			      cases[i].why);
	}
	{
		const char *names[2] = {"ok.tld", NULL};
		struct gw_match_error err = {.index = 99};

		ck_assert_ptr_null(gw_match_fqdn_build(names, 2, &err));
		ck_assert_int_eq(err.index, 1);
	}
	/* err may be NULL */
	{
		const char *names[1] = {"BAD"};

		ck_assert_ptr_null(gw_match_fqdn_build(names, 1, NULL));
	}
}
END_TEST

/*
 * "ps7whdaapi.x.tld" ends with "api.x.tld" and has the same 28-bit tag
 * (found by brute force against the FNV-1a tag in gw_match.c): only the
 * delimiter in front of the exact literal keeps it from matching. Should
 * the tag function change, the vector loses its edge but stays true.
 */
START_TEST(test_fqdn_tag_collision)
{
	static const char *const names[] = {"api.x.tld", "*.y.tld"};
	struct fqdn_fixture f;

	fixture_build(&f, names, 2);
	ck_assert_int_eq(scan_guarded(f.db, f.s, "api.x.tld"), 0);
	ck_assert_int_eq(scan_guarded(f.db, f.s, "ps7whdaapi.x.tld"), -1);
	ck_assert_int_eq(scan_guarded(f.db, f.s, "ps7whda.api.x.tld"), -1);
	fixture_free(&f);
}
END_TEST

START_TEST(test_fqdn_scan_rejects)
{
	static const char *const names[] = {"api.x.tld", "*.x.tld"};
	static const char nul_name[] = "evil\0api.x.tld";
	char longname[300];
	struct fqdn_fixture f;

	fixture_build(&f, names, 2);
	/* Would match "\0api.x.tld\0" if the NUL were let through. */
	ck_assert_int_eq(gw_match_scan(f.db, f.s, nul_name,
				       sizeof(nul_name) - 1), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(f.db, f.s, "", 0), GW_EINVAL);
	/* ".x.tld" ends with ".x.tld" but is no subdomain. */
	ck_assert_int_eq(gw_match_scan(f.db, f.s, ".x.tld", 6), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(f.db, f.s, "a.x.tld", 7), 1);
	/* Only normalised names are looked up: the rest is refused. */
	ck_assert_int_eq(gw_match_scan(f.db, f.s, "API.x.tld", 9), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(f.db, f.s, "a b.x.tld", 9), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(f.db, f.s, "*.x.tld", 7), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(f.db, f.s, "a\x01.x.tld", 8), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(f.db, f.s, "a\x02.x.tld", 8), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(f.db, f.s, "a\x80.x.tld", 8), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(f.db, f.s, "a.x.tld\x01", 8), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(f.db, f.s, NULL, 3), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(NULL, f.s, "a", 1), GW_EINVAL);
	ck_assert_int_eq(gw_match_scan(f.db, NULL, "api.x.tld", 9), GW_EINVAL);
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + 247, ".x.tld", 6);
	/* 253 bytes ending in .x.tld: matched; 254 bytes: refused. */
	ck_assert_int_eq(gw_match_scan(f.db, f.s, longname, 253), 1);
	memcpy(longname + 248, ".x.tld", 6);
	ck_assert_int_eq(gw_match_scan(f.db, f.s, longname, 254), GW_EINVAL);
	/* A prefix length is honoured: "api.x.tl" is not "api.x.tld". */
	ck_assert_int_eq(gw_match_scan(f.db, f.s, "api.x.tld", 8), -1);
	fixture_free(&f);
}
END_TEST

#define RAND_NAMES 10000
#define RAND_QUERIES 10000

START_TEST(test_fqdn_random_vs_reference)
{
	char (*store)[256] = calloc(RAND_NAMES, sizeof(*store));
	const char **names = calloc(RAND_NAMES, sizeof(*names));
	size_t *lens = calloc(RAND_NAMES, sizeof(*lens));
	uint64_t st = 0x5eed0001;
	struct fqdn_fixture f;
	size_t i, hits = 0, misses = 0, tries = 0, wild = 0;

	ck_assert_ptr_nonnull(store);
	ck_assert_ptr_nonnull(names);
	ck_assert_ptr_nonnull(lens);
	for (i = 0; i < RAND_NAMES; i++) {
		size_t off = 0;

		/* About one in eight entries is a wildcard. */
		if (rnd(&st) % 8 == 0) {
			memcpy(store[i], "*.", 2);
			off = 2;
			wild++;
		}
		lens[i] = off + rnd_name(&st, store[i] + off);
		names[i] = store[i];
	}
	ck_assert_uint_gt(wild, RAND_NAMES / 16);
	fixture_build(&f, names, RAND_NAMES);

	/* Names that are in the list (or under one of its wildcards). */
	for (i = 0; i < RAND_QUERIES; i++) {
		size_t k = rnd(&st) % RAND_NAMES, qlen;
		char q[300];
		int want, got;

		if (names[k][0] == '*') {
			qlen = rnd_label(&st, q);
			if (rnd(&st) & 1) {
				q[qlen++] = '.';
				qlen += rnd_label(&st, q + qlen);
			}
			memcpy(q + qlen, names[k] + 1, lens[k]);
			qlen += lens[k] - 1;
		} else {
			memcpy(q, names[k], lens[k] + 1);
			qlen = lens[k];
		}
		want = ref_match(names, lens, RAND_NAMES, q, qlen);
		ck_assert_int_ge(want, 0);
		got = gw_match_scan(f.db, f.s, q, qlen);
		ck_assert_msg(got == want, "hit %s: got %d want %d", q, got,
			      want);
		hits++;
	}

	/*
	 * Near misses of listed names; each is checked against the
	 * reference and only kept when the reference says "no match".
	 */
	while (misses < RAND_QUERIES) {
		size_t k = rnd(&st) % RAND_NAMES, qlen = 0;
		const char *e = names[k];
		size_t el = lens[k];
		char q[300], norm[300];
		int got;

		ck_assert_uint_lt(++tries, 20 * RAND_QUERIES);
		if (e[0] == '*') {
			/* the apex */
			e += 2;
			el -= 2;
		}
		switch (rnd(&st) % 6) {
		case 0: /* a byte in front, same label */
			q[0] = 'x';
			memcpy(q + 1, e, el);
			qlen = el + 1;
			break;
		case 1: /* listed name as a prefix of another domain */
			memcpy(q, e, el);
			memcpy(q + el, ".evil.com", 9);
			qlen = el + 9;
			break;
		case 2: /* one byte changed */
			memcpy(q, e, el);
			q[rnd(&st) % el] ^= 0x01;
			qlen = el;
			break;
		case 3: /* first byte dropped */
			memcpy(q, e + 1, el - 1);
			qlen = el - 1;
			break;
		case 4: /* a byte appended */
			memcpy(q, e, el);
			q[el] = 'z';
			qlen = el + 1;
			break;
		default: /* a fresh name */
			qlen = rnd_name(&st, q);
			break;
		}
		q[qlen] = '\0';
		/* Only normalised names are in the scan contract. */
		if (gw_name_normalize((const uint8_t *)q, qlen, norm,
				      sizeof(norm), false) != (int)qlen ||
		    strcmp(norm, q) != 0)
			continue;
		if (ref_match(names, lens, RAND_NAMES, q, qlen) >= 0)
			continue;
		got = gw_match_scan(f.db, f.s, q, qlen);
		ck_assert_msg(got == GW_MATCH_NONE, "miss %s: got %d", q, got);
		misses++;
	}
	ck_assert_uint_eq(hits, RAND_QUERIES);
	ck_assert_uint_eq(misses, RAND_QUERIES);
	fixture_free(&f);
	free(lens);
	free(names);
	free(store);
}
END_TEST

/* ---- regex (C2) ---- */

START_TEST(test_regex_scan)
{
	static const char *const pats[] = {
		"^[a-z0-9]{16}\\.evil\\.com$",  /* 0 */
		"b",                            /* 1 */
		"a",                            /* 2 */
		"dg[0-9]+\\.net",               /* 3 */
		"x.y",                          /* 4 (DOTALL) */
	};
	struct gw_match_error err = {0};
	struct gw_match_db *db = gw_match_regex_build(pats, 5, &err);
	struct gw_match_scratch *s = NULL;

	ck_assert_msg(db != NULL, "%d %s", err.index, err.msg);
	ck_assert_uint_eq(gw_match_db_count(db), 5);
	ck_assert_uint_gt(gw_match_db_size(db), 0);
	ck_assert_int_eq(gw_match_scratch_grow(&s, db), 0);

	ck_assert_int_eq(scan_guarded(db, s, "abcdef0123456789.evil.com"), 0);
	ck_assert_int_eq(scan_guarded(db, s, "ABCDEF0123456789.EVIL.COM"), 0);
	ck_assert_int_eq(scan_guarded(db, s, "xabcdef0123456789.evil.com"), 1);
	ck_assert_int_eq(scan_guarded(db, s, "DG42.NET"), 3);
	ck_assert_int_eq(scan_guarded(db, s, "zz.ba"), 1);   /* 1 and 2 */
	ck_assert_int_eq(scan_guarded(db, s, "zzaz"), 2);
	ck_assert_int_eq(scan_guarded(db, s, "dg7.netb"), 1);
	ck_assert_int_eq(gw_match_scan(db, s, "x\ny", 3), 4);
	ck_assert_int_eq(scan_guarded(db, s, "zzz.org"), GW_MATCH_NONE);
	ck_assert_int_eq(gw_match_scan(db, s, "", 0), GW_MATCH_NONE);
	/* Prefix length honoured: "dg1.ne" does not match 3. */
	ck_assert_int_eq(gw_match_scan(db, s, "dg1.net", 6), GW_MATCH_NONE);
	ck_assert_int_eq(gw_match_scan(db, s, "dg1.net", 7), 3);
	ck_assert_int_eq(gw_match_scan(db, NULL, "a", 1), GW_EINVAL);
	gw_match_scratch_free(s);
	gw_match_db_free(db);
}
END_TEST

START_TEST(test_regex_errors)
{
	static const struct {
		const char *pats[3];
		int index;
		const char *needle;
	} cases[] = {
		{{"abc", "a(b", "def"}, 1, ""},
		{{"abc", "def", "[z-a]"}, 2, ""},
		{{"x*", "abc", "def"}, 0, "empty name"},
		{{"abc", "(foo)?", "def"}, 1, "empty name"},
		{{"abc", "^", "def"}, 1, "empty name"},
		{{"abc", "def", "$"}, 2, "empty name"},
		{{"abc", "\\b", "def"}, 1, "empty name"},
		{{"^$", "abc", "def"}, 0, "empty name"},
		{{"abc", "a|", "def"}, 1, "empty name"},
		{{"abc", "def", ""}, 2, "empty pattern"},
		{{"abc", "def", "(?<=a)b\\1"}, 2, ""},
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		struct gw_match_error err = {.index = 99};
		struct gw_match_db *db = gw_match_regex_build(cases[i].pats, 3,
							      &err);

		ck_assert_msg(db == NULL, "case %zu compiled", i);
		ck_assert_msg(err.index == cases[i].index,
			      "case %zu: index %d (%s)", i, err.index, err.msg);
		ck_assert_uint_gt(strlen(err.msg), 0);
		ck_assert_msg(strstr(err.msg, cases[i].needle) != NULL,
			      "case %zu: %s", i, err.msg);
	}
	{
		const char *pats[2] = {"abc", NULL};
		struct gw_match_error err = {.index = 99};

		ck_assert_ptr_null(gw_match_regex_build(pats, 2, &err));
		ck_assert_int_eq(err.index, 1);
	}
}
END_TEST

START_TEST(test_regex_empty_db)
{
	struct gw_match_db *db = gw_match_regex_build(NULL, 0, NULL);
	struct gw_match_scratch *s = NULL;

	ck_assert_ptr_nonnull(db);
	ck_assert_uint_eq(gw_match_db_count(db), 0);
	ck_assert_int_eq(gw_match_scratch_grow(&s, db), 0);
	ck_assert_int_eq(gw_match_scan(db, s, "a.tld", 5), GW_MATCH_NONE);
	gw_match_scratch_free(s);
	gw_match_db_free(db);
}
END_TEST

/* ---- scratch ---- */

START_TEST(test_scratch_clone)
{
	static const char *const names[] = {"a.tld", "*.b.tld"};
	static const char *const pats[] = {"evil", "c2[0-9]{3}"};
	struct gw_match_db *fdb = gw_match_fqdn_build(names, 2, NULL);
	struct gw_match_db *rdb = gw_match_regex_build(pats, 2, NULL);
	struct gw_match_scratch *s = NULL, *c;

	ck_assert_ptr_nonnull(fdb);
	ck_assert_ptr_nonnull(rdb);
	/* One scratch grown for both databases serves both. */
	ck_assert_int_eq(gw_match_scratch_grow(&s, fdb), 0);
	ck_assert_int_eq(gw_match_scratch_grow(&s, rdb), 0);
	ck_assert_int_eq(gw_match_scan(fdb, s, "x.b.tld", 7), 1);
	ck_assert_int_eq(gw_match_scan(rdb, s, "x.c2123.tld", 11), 1);

	c = gw_match_scratch_clone(s);
	ck_assert_ptr_nonnull(c);
	gw_match_scratch_free(s);
	/* The clone is independent of the original. */
	ck_assert_int_eq(gw_match_scan(fdb, c, "a.tld", 5), 0);
	ck_assert_int_eq(gw_match_scan(fdb, c, "a.b.tld", 7), 1);
	ck_assert_int_eq(gw_match_scan(fdb, c, "b.tld", 5), -1);
	ck_assert_int_eq(gw_match_scan(rdb, c, "EVIL.c2999", 10), 0);
	ck_assert_int_eq(gw_match_scan(rdb, c, "c2.tld", 6), -1);

	ck_assert_ptr_null(gw_match_scratch_clone(NULL));
	ck_assert_int_eq(gw_match_scratch_grow(NULL, fdb), GW_EINVAL);
	ck_assert_int_eq(gw_match_scratch_grow(&c, NULL), GW_EINVAL);
	gw_match_scratch_free(NULL);
	gw_match_db_free(NULL);
	ck_assert_uint_eq(gw_match_db_size(NULL), 0);
	ck_assert_uint_eq(gw_match_db_count(NULL), 0);
	gw_match_scratch_free(c);
	gw_match_db_free(fdb);
	gw_match_db_free(rdb);
}
END_TEST

/* ---- name normalisation ---- */

struct norm_case {
	const char *in;
	size_t len;      /* 0: strlen(in) */
	bool wild;
	int ret;         /* length or GW_E* */
	const char *out;
};

static char label63[64], label64[65], name253[254], name254[255];
static char name253dot[255], labelok[80], labelbad[80];

static void
build_long_names(void)
{
	memset(label63, 'a', 63);
	memset(label64, 'b', 64);
	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 */
	snprintf(name253, sizeof(name253), "%s.%s.%s.%.61s", label63, label63,
		 label63, label63);
	snprintf(name254, sizeof(name254), "%s.%s.%s.%.62s", label63, label63,
		 label63, label63);
	snprintf(name253dot, sizeof(name253dot), "%s.", name253);
	snprintf(labelok, sizeof(labelok), "x.%s.com", label63);
	snprintf(labelbad, sizeof(labelbad), "x.%s.com", label64);
}

START_TEST(test_name_normalize)
{
	const struct norm_case cases[] = {
		{"api.x.tld", 0, false, 9, "api.x.tld"},
		{"API.X.Tld", 0, false, 9, "api.x.tld"},
		{"api.x.tld.", 0, false, 9, "api.x.tld"},
		{"API.x.tld.", 0, true, 9, "api.x.tld"},
		{"api.x.tld..", 0, false, GW_EMALFORMED, NULL},
		{"api..x.tld", 0, false, GW_EMALFORMED, NULL},
		{".api.x.tld", 0, false, GW_EMALFORMED, NULL},
		{".", 0, false, GW_EMALFORMED, NULL},
		{"", 0, false, GW_EMALFORMED, NULL},
		{"localhost", 0, false, 9, "localhost"},
		{"a-b_c.d9", 0, false, 8, "a-b_c.d9"},
		{"1.2.3.4", 0, false, 7, "1.2.3.4"},
		{"*.x.tld", 0, true, 7, "*.x.tld"},
		{"*.X.TLD.", 0, true, 7, "*.x.tld"},
		{"*.x.tld", 0, false, GW_EMALFORMED, NULL},
		{"*", 0, true, GW_EMALFORMED, NULL},
		{"*.", 0, true, GW_EMALFORMED, NULL},
		{"**.x.tld", 0, true, GW_EMALFORMED, NULL},
		{"*x.tld", 0, true, GW_EMALFORMED, NULL},
		{"x*.tld", 0, true, GW_EMALFORMED, NULL},
		{"a.*.tld", 0, true, GW_EMALFORMED, NULL},
		{"x.tld.*", 0, true, GW_EMALFORMED, NULL},
		{"*..tld", 0, true, GW_EMALFORMED, NULL},
		{"a b.tld", 0, false, GW_EMALFORMED, NULL},
		{"a\x80.tld", 0, false, GW_EMALFORMED, NULL},
		{"a\xff.tld", 0, false, GW_EMALFORMED, NULL},
		{"a\0b.tld", 7, false, GW_EMALFORMED, NULL},
		{"a.tld\0", 6, false, GW_EMALFORMED, NULL},
		{"a.tld:443", 0, false, GW_EMALFORMED, NULL},
		{"a/b.tld", 0, false, GW_EMALFORMED, NULL},
		{"[::1]", 0, false, GW_EMALFORMED, NULL},
		{"a\t.tld", 0, false, GW_EMALFORMED, NULL},
		{labelok, 0, false, 69, labelok},
		{labelbad, 0, false, GW_EMALFORMED, NULL},
		{label63, 0, false, 63, label63},
		{label64, 0, false, GW_EMALFORMED, NULL},
		{name253, 0, false, 253, name253},
		{name253dot, 0, false, 253, name253},
		{name254, 0, false, GW_EMALFORMED, NULL},
	};
	size_t i;

	build_long_names();
	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		char out[300];
		struct gw_guard g;
		const uint8_t *p = gw_guard_place(&g, cases[i].in, len);
		int r;

		memset(out, 0x55, sizeof(out));
		r = gw_name_normalize(p, len, out, sizeof(out), cases[i].wild);
		ck_assert_msg(r == cases[i].ret, "case %zu (%.20s): got %d want %d",
			      i, cases[i].in, r, cases[i].ret);
		if (r >= 0) {
			ck_assert_str_eq(out, cases[i].out);
			ck_assert_uint_eq(strlen(out), (size_t)r);
		}
		gw_guard_release(&g);
	}
}
END_TEST

/*
 * Every prefix of a valid name, placed before a guard page: a prefix is
 * either refused or normalised to its own lower-cased bytes (minus one
 * trailing dot); only a prefix ending in ".." or being "" / "." / "*" may
 * be refused.
 */
START_TEST(test_name_normalize_prefixes)
{
	static const char *const vecs[] = {"WWW.Example.COM.", "*.A-b.c_d.io",
					   "x.y"};
	size_t v, len;

	for (v = 0; v < GW_ARRAY_SIZE(vecs); v++) {
		const char *in = vecs[v];

		for (len = 0; len <= strlen(in); len++) {
			struct gw_guard g;
			const uint8_t *p = gw_guard_place(&g, in, len);
			char out[64], want[64];
			size_t wl = len, k;
			int r = gw_name_normalize(p, len, out, sizeof(out), true);

			for (k = 0; k < len; k++)
				want[k] = (char)((in[k] >= 'A' && in[k] <= 'Z') ?
						 in[k] - 'A' + 'a' : in[k]);
			if (wl > 0 && want[wl - 1] == '.')
				wl--;
			want[wl] = '\0';
			if (wl == 0 || strcmp(want, "*") == 0 ||
			    strcmp(want, "*.") == 0) {
				ck_assert_int_eq(r, GW_EMALFORMED);
			} else {
				ck_assert_msg(r == (int)wl, "%s/%zu: %d", in, len, r);
				ck_assert_str_eq(out, want);
			}
			gw_guard_release(&g);
		}
	}
}
END_TEST

START_TEST(test_name_normalize_args)
{
	char out[16];

	/* out needs the name plus a NUL */
	ck_assert_int_eq(gw_name_normalize((const uint8_t *)"abc.de", 6, out,
					   7, false), 6);
	ck_assert_str_eq(out, "abc.de");
	ck_assert_int_eq(gw_name_normalize((const uint8_t *)"abc.de", 6, out,
					   6, false), GW_ENOSPC);
	/* trailing dot removed first, so len bytes suffice */
	ck_assert_int_eq(gw_name_normalize((const uint8_t *)"abc.de.", 7, out,
					   7, false), 6);
	ck_assert_int_eq(gw_name_normalize(NULL, 3, out, sizeof(out), false),
			 GW_EINVAL);
	ck_assert_int_eq(gw_name_normalize((const uint8_t *)"a", 1, NULL, 0,
					   false), GW_EINVAL);
	ck_assert_int_eq(gw_name_normalize(NULL, 0, out, sizeof(out), false),
			 GW_EMALFORMED);
}
END_TEST

/* ---- IP literals ---- */

START_TEST(test_ip_literal)
{
	static const struct {
		const char *s;
		bool ip;
	} cases[] = {
		{"1.2.3.4", true},
		{"1.2.3.4.", true},
		{"192.168.001.010", true},
		{"255.255.255.255", true},
		{"127.1", true},
		{"1.2.3", true},
		{"2130706433", true},
		{"0x7f.1", true},
		{"0X7F.0.0.1", true},
		{"0x7f000001", true},
		{"017.0.0.1", true},
		{"999.1.1.1", true},           /* not a DNS name either */
		{"1.2.3.4.5", true},
		{"0x", true},
		{"::1", true},
		{"[::1]", true},
		{"2001:db8::1", true},
		{"[2001:DB8::1]", true},
		{"::ffff:192.0.2.1", true},
		{"[::ffff:192.0.2.1]", true},
		{"fe80::1:2:3:4:5", true},
		{"", false},
		{".", false},
		{"a.b", false},
		{"1.2.3.com", false},
		{"example.com", false},
		{"1e100.net", false},
		{"123.example", false},
		{"0x7g.1", false},
		{"1..2", false},
		{".1.2", false},
		{"1.2.3.4..", false},
		{"-1.2.3.4", false},
		{"1.2.3.4 ", false},
		{"[::1]:443", false},
		{"[::1", false},
		{"::1]", false},
		{"[]", false},
		{"[1.2.3.4]", false},
		{"a:b", false},
		{"1:2:3:4:5:6:7:8:9", false},
		{"example.com:443", false},
		{"::g", false},
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		size_t len = strlen(cases[i].s);
		struct gw_guard g;
		const char *p = (const char *)gw_guard_place(&g, cases[i].s, len);

		ck_assert_msg(gw_name_is_ip_literal(p, len) == cases[i].ip,
			      "%s: want %d", cases[i].s, cases[i].ip);
		gw_guard_release(&g);
	}
	/* Every prefix ends at a guard page: any read past len faults. */
	for (i = 0; i < GW_ARRAY_SIZE(cases); i++) {
		size_t len = strlen(cases[i].s), k;

		for (k = 0; k < len; k++) {
			struct gw_guard g;
			const char *p = (const char *)gw_guard_place(&g,
							cases[i].s, k);
			bool want = gw_name_is_ip_literal(cases[i].s, k);

			ck_assert(gw_name_is_ip_literal(p, k) == want);
			gw_guard_release(&g);
		}
	}
	/* Prefixes with a known answer. */
	ck_assert(gw_name_is_ip_literal("1.2.3.4", 1));
	ck_assert(!gw_name_is_ip_literal("1.2.3.4", 0));
	ck_assert(gw_name_is_ip_literal("1.2.3.4", 2));   /* "1." */
	ck_assert(!gw_name_is_ip_literal("[::1]", 4));    /* "[::1" */
	ck_assert(gw_name_is_ip_literal("::1]", 3));
	ck_assert(!gw_name_is_ip_literal(NULL, 4));
	/* The length bounds the read: "1.2.3.4" seen as "1.2.3.4x"[0..7). */
	ck_assert(gw_name_is_ip_literal("1.2.3.4x", 7));
	ck_assert(!gw_name_is_ip_literal("1.2.3.4x", 8));
}
END_TEST

static Suite *
match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("fqdn");

	tcase_add_test(tc, test_fqdn_semantics);
	tcase_add_test(tc, test_fqdn_preference);
	tcase_add_loop_test(tc, test_fqdn_preference_positions, 0, 130);
	tcase_add_test(tc, test_fqdn_empty);
	tcase_add_test(tc, test_fqdn_build_rejects);
	tcase_add_test(tc, test_fqdn_scan_rejects);
	tcase_add_test(tc, test_fqdn_tag_collision);
	tcase_add_test(tc, test_fqdn_random_vs_reference);
	suite_add_tcase(s, tc);

	tc = tcase_create("regex");
	tcase_add_test(tc, test_regex_scan);
	tcase_add_test(tc, test_regex_errors);
	tcase_add_test(tc, test_regex_empty_db);
	tcase_add_test(tc, test_scratch_clone);
	suite_add_tcase(s, tc);

	tc = tcase_create("name");
	tcase_add_test(tc, test_name_normalize);
	tcase_add_test(tc, test_name_normalize_prefixes);
	tcase_add_test(tc, test_name_normalize_args);
	tcase_add_test(tc, test_ip_literal);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(match_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
