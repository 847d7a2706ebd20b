/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gw-match-bench: compares ways of matching a name against an FQDN
 * allowlist (exact names and "*.suffix" wildcards), on the same random but
 * realistic lists and lookups (fixed seed):
 *
 *   gw_match gw_match_fqdn_build()/gw_match_scan(), what egressgw runs:
 *            since issue 3 two open-addressing hash sets (exact names,
 *            wildcard suffixes) probed with one backward hash pass over
 *            the name (docs/matching.md); before, a Hyperscan literal set
 *            over "\1" rev(name) "\2" name "\0" tag;
 *   lit-nul  the simpler literal layout first planned: scan "\0name\0",
 *            exact "\0api.x.tld\0", wildcard ".x.tld\0";
 *   regex    one anchored regex per name ("^api\.x\.tld$", wildcards
 *            "\.x\.tld$") compiled with hs_compile_multi;
 *   hash     reference point without Hyperscan: an open-addressing hash
 *            table of exact names plus one of wildcard suffixes, probed
 *            once for the name and once per label boundary.
 *
 * Two list shapes: "mixed" (many vendors: api.acme.com, cdn.foo.io, ...)
 * and "shared" (many names under a few long parents: bucket names under
 * s3.eu-west-1.amazonaws.com, hosts under svc.corp.example.com).
 *
 * Each case runs in a child process under a wall-clock cap, so a compile
 * that takes too long is reported as such instead of holding the run.
 * Lookups are a 50/50 mix of listed names and near misses; all methods
 * must give the same hit/miss answer for every lookup (checked).
 * Results go into docs/matching.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hs/hs.h>

#include "match/gw_match.h"

#define NAME_BUF 256
/*
 * Distinct lookups, cycled, packed back to back: a gateway scans a name
 * it has just parsed (in cache), so the pool must not turn every lookup
 * into a cache miss of its own.
 */
#define POOL_SIZE (1u << 14)

enum method { M_LITERAL, M_LITNUL, M_REGEX, M_HASH, M_COUNT };
static const char *const method_names[M_COUNT] = {"gw_match", "lit-nul",
						  "regex", "hash"};

enum shape { SHAPE_MIXED, SHAPE_SHARED, SHAPE_COUNT };
static const char *const shape_names[SHAPE_COUNT] = {"mixed", "shared"};

/*
 * Timed lookups stop early when they take longer than this, so that a
 * slow case reports its cost per lookup without holding the run.
 */
static double scan_budget_ms = 10000;

struct result {
	int status;          /* 0 ok, else an errno value */
	char msg[300];
	double compile_ms;
	size_t db_bytes;
	double ns_per_lookup;
	uint64_t hits;
	uint64_t lookups;
	uint64_t answers;    /* hash of hit/miss over the pool */
};

struct workload {
	size_t n;
	char (*names)[NAME_BUF];     /* "api.x.tld" or "*.x.tld" */
	const char **name_ptrs;
	char *pool_buf;              /* lookups, packed */
	const char *pool[POOL_SIZE];
	size_t pool_len[POOL_SIZE];
};

/* ---- random names ---- */

static uint64_t
rnd(uint64_t *st)
{
	uint64_t z = (*st += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Compile and lookup times are CPU time of the measuring thread, so that
 * other work on a shared machine does not count (it still competes for
 * caches); the cap and the lookup budget are wall-clock.
 */
static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t
rnd_word(uint64_t *st, char *out, size_t min, size_t max)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz";
	size_t len = min + rnd(st) % (max - min + 1), i;

	for (i = 0; i < len; i++)
		out[i] = alpha[rnd(st) % (sizeof(alpha) - 1)];
	return len;
}

#define PICK(st, a) ((a)[rnd(st) % (sizeof(a) / sizeof((a)[0]))])

/* "backup-17.s3.eu-west-1.amazonaws.com" */
static size_t
rnd_name_shared(uint64_t *st, char *out)
{
	static const char *const parent[] = {
		"s3.eu-west-1.amazonaws.com", "blob.core.windows.net",
		"svc.corp.example.com", "storage.googleapis.com",
	};
	size_t len = rnd_word(st, out, 4, 14);

	if (rnd(st) % 2 == 0)
		len += (size_t)sprintf(out + len, "-%u",
				       (unsigned int)(rnd(st) % 1000));
	len += (size_t)sprintf(out + len, ".%s", PICK(st, parent));
	return len;
}

/* "api2.eu-west-1.acme-xy.com" */
static size_t
rnd_name_mixed(uint64_t *st, char *out)
{
	static const char *const svc[] = {
		"api", "www", "cdn", "login", "auth", "static", "assets",
		"img", "mail", "s3", "storage", "update", "telemetry",
		"registry", "pkg", "download", "oauth2", "graph", "events",
		"metrics", "hooks", "git", "docs", "status", "sso", "ws",
	};
	static const char *const region[] = {
		"eu-west-1", "us-east-1", "ap-south-1", "eu-central-1",
		"prod", "edge", "v2", "int",
	};
	static const char *const sfx[] = {
		"com", "net", "org", "io", "de", "co.uk", "cloud", "dev",
		"app", "fr", "nl", "amazonaws.com", "azure.com", "gcp.io",
	};
	size_t len;

	len = (size_t)sprintf(out, "%s", PICK(st, svc));
	if (rnd(st) % 3 == 0)
		len += (size_t)sprintf(out + len, "%u",
				       (unsigned int)(rnd(st) % 100));
	out[len++] = '.';
	if (rnd(st) % 3 == 0)
		len += (size_t)sprintf(out + len, "%s.", PICK(st, region));
	len += rnd_word(st, out + len, 3, 12);
	if (rnd(st) % 5 == 0) {
		out[len++] = '-';
		len += rnd_word(st, out + len, 2, 6);
	}
	len += (size_t)sprintf(out + len, ".%s", PICK(st, sfx));
	return len;
}

static size_t
rnd_name(uint64_t *st, char *out, enum shape shape)
{
	return shape == SHAPE_SHARED ? rnd_name_shared(st, out) :
				       rnd_name_mixed(st, out);
}

/* Changes the letter or digit at k (or the first one) to the next one. */
static void
bump_char(char *q, size_t k)
{
	if (!((q[k] >= 'a' && q[k] <= 'z') || (q[k] >= '0' && q[k] <= '9')))
		k = 0;
	if (q[k] >= 'a' && q[k] <= 'z')
		q[k] = (char)('a' + (q[k] - 'a' + 1) % 26);
	else
		q[k] = (char)('0' + (q[k] - '0' + 1) % 10);
}

static void
workload_build(struct workload *w, size_t n, enum shape shape, uint64_t seed)
{
	uint64_t st = seed ^ (uint64_t)n ^ ((uint64_t)shape << 32);
	size_t i, off = 0;

	w->n = n;
	w->names = calloc(n, sizeof(*w->names));
	w->name_ptrs = calloc(n, sizeof(*w->name_ptrs));
	w->pool_buf = malloc((size_t)POOL_SIZE * NAME_BUF);
	if (w->names == NULL || w->name_ptrs == NULL || w->pool_buf == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		/* one entry in ten is a wildcard */
		if (rnd(&st) % 10 == 0) {
			memcpy(w->names[i], "*.", 2);
			rnd_name(&st, w->names[i] + 2, shape);
		} else {
			rnd_name(&st, w->names[i], shape);
		}
		w->name_ptrs[i] = w->names[i];
	}

	for (i = 0; i < POOL_SIZE; i++) {
		const char *e = w->names[rnd(&st) % n];
		char *q = w->pool_buf + off;
		int len;

		if (rnd(&st) & 1) {
			/* hit: the name, or a subdomain of a wildcard */
			if (e[0] == '*') {
				char lab[16];
				size_t ll = rnd_word(&st, lab, 1, 10);

				len = snprintf(q, NAME_BUF, "%.*s%s", (int)ll,
					       lab, e + 1);
			} else {
				len = snprintf(q, NAME_BUF, "%s", e);
			}
		} else {
			/* miss: near misses of listed names, or fresh names */
			if (e[0] == '*')
				e += 2; /* the apex is not covered */
			switch (rnd(&st) % 4) {
			case 0:
				len = snprintf(q, NAME_BUF, "x%s", e);
				break;
			case 1:
				len = snprintf(q, NAME_BUF, "%s.evil.com", e);
				break;
			case 2: /* one letter or digit changed */
				len = snprintf(q, NAME_BUF, "%s", e);
				bump_char(q, rnd(&st) % (size_t)len);
				break;
			default:
				if (shape == SHAPE_SHARED) {
					/* a fresh name under a listed parent */
					len = (int)rnd_name_shared(&st, q);
					break;
				}
				/* a fresh name under a TLD not in the list */
				len = (int)rnd_name_mixed(&st, q);
				len += snprintf(q + len, NAME_BUF - (size_t)len,
						".zz");
				break;
			}
		}
		w->pool[i] = q;
		w->pool_len[i] = (size_t)len;
		off += (size_t)len + 1;
	}
}

static void
workload_free(struct workload *w)
{
	free(w->names);
	free(w->name_ptrs);
	free(w->pool_buf);
}

/* ---- hash reference ---- */

struct hash_table {
	uint32_t *slot;         /* name index + 1, 0 = empty */
	size_t mask;
	const char **key;       /* per name index: key bytes */
	uint8_t *key_len;
};

struct hash_ref {
	struct hash_table exact;
	struct hash_table wild; /* keys ".x.tld" for "*.x.tld" */
	size_t bytes;
};

static uint64_t
fnv1a(const char *p, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * UINT64_C(0x100000001b3);
	return h;
}

static int
hash_find(const struct hash_table *t, const char *p, size_t len)
{
	size_t i = fnv1a(p, len) & t->mask;

	for (;; i = (i + 1) & t->mask) {
		uint32_t v = t->slot[i];

		if (v == 0)
			return -1;
		if (t->key_len[v - 1] == len &&
		    memcmp(t->key[v - 1], p, len) == 0)
			return (int)v - 1;
	}
}

/* Keeps the first (lowest) index of duplicate keys. */
static void
hash_insert(struct hash_table *t, size_t idx, const char *p, size_t len)
{
	size_t i = fnv1a(p, len) & t->mask;

	t->key[idx] = p;
	t->key_len[idx] = (uint8_t)len;
	for (;; i = (i + 1) & t->mask) {
		uint32_t v = t->slot[i];

		if (v == 0) {
			t->slot[i] = (uint32_t)idx + 1;
			return;
		}
		if (t->key_len[v - 1] == len &&
		    memcmp(t->key[v - 1], p, len) == 0)
			return;
	}
}

static int
hash_ref_build(struct hash_ref *h, const struct workload *w)
{
	size_t cap = 16, i;

	while (cap < 2 * w->n)
		cap <<= 1;
	memset(h, 0, sizeof(*h));
	h->exact.slot = calloc(cap, sizeof(uint32_t));
	h->wild.slot = calloc(cap, sizeof(uint32_t));
	h->exact.key = h->wild.key = calloc(w->n, sizeof(char *));
	h->exact.key_len = h->wild.key_len = calloc(w->n, 1);
	if (h->exact.slot == NULL || h->wild.slot == NULL ||
	    h->exact.key == NULL || h->exact.key_len == NULL)
		return -1;
	h->exact.mask = h->wild.mask = cap - 1;
	/* slots, key pointers and lengths, and the key bytes themselves */
	h->bytes = 2 * cap * sizeof(uint32_t) + w->n * (sizeof(char *) + 1);
	for (i = 0; i < w->n; i++) {
		const char *e = w->names[i];
		size_t len = strlen(e);

		if (e[0] == '*')
			hash_insert(&h->wild, i, e + 1, len - 1);
		else
			hash_insert(&h->exact, i, e, len);
		h->bytes += len;
	}
	return 0;
}

static void
hash_ref_free(struct hash_ref *h)
{
	free(h->exact.slot);
	free(h->wild.slot);
	free(h->exact.key);
	free(h->exact.key_len);
}

/* Same answer as gw_match_scan: exact first, then lowest wildcard index. */
static int
hash_ref_scan(const struct hash_ref *h, const char *name, size_t len)
{
	int best = hash_find(&h->exact, name, len);
	size_t i;

	if (best >= 0)
		return best;
	for (i = 1; i < len; i++) {
		int k;

		if (name[i] != '.')
			continue;
		k = hash_find(&h->wild, name + i, len - i);
		if (k >= 0 && (best < 0 || k < best))
			best = k;
	}
	return best;
}

/* ---- one case ---- */

/* "api.x.tld" -> "^api\.x\.tld$", "*.x.tld" -> "\.x\.tld$" */
static void
name_to_regex(const char *name, char *out, size_t size)
{
	size_t o = 0;
	const char *p = name;

	if (p[0] == '*')
		p++;
	else
		out[o++] = '^';
	for (; *p != '\0' && o + 3 < size; p++) {
		if (*p == '.')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o++] = '$';
	out[o] = '\0';
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
	return 0;
}

struct matcher {
	enum method m;
	struct gw_match_db *db;
	struct gw_match_scratch *s;
	hs_database_t *hdb;
	hs_scratch_t *hs;
	bool *exact;            /* lit-nul: name i is exact */
	struct hash_ref h;
};

struct litnul_ctx {
	const bool *exact;
	int best;
};

/* Exact over wildcard, then lowest index (as gw_match_scan). */
static int
litnul_on_match(unsigned int id, unsigned long long from,
		unsigned long long to, unsigned int flags, void *arg)
{
	struct litnul_ctx *c = arg;

	(void)from;
	(void)to;
	(void)flags;
	if (c->best < 0 || (c->exact[id] && !c->exact[c->best]) ||
	    (c->exact[id] == c->exact[c->best] && (int)id < c->best))
		c->best = (int)id;
	return 0;
}

static int
litnul_build(struct matcher *mt, const struct workload *w, struct result *r)
{
	char (*lit)[NAME_BUF + 2] = calloc(w->n, sizeof(*lit));
	const char **lits = calloc(w->n, sizeof(*lits));
	unsigned int *flags = calloc(w->n, sizeof(*flags));
	unsigned int *ids = calloc(w->n, sizeof(*ids));
	size_t *lens = calloc(w->n, sizeof(*lens));
	hs_compile_error_t *herr = NULL;
	int ret = 0;
	size_t i;

	mt->exact = calloc(w->n, sizeof(*mt->exact));
	if (lit == NULL || lits == NULL || flags == NULL || ids == NULL ||
	    lens == NULL || mt->exact == NULL) {
		ret = ENOMEM;
		goto out;
	}
	for (i = 0; i < w->n; i++) {
		const char *e = w->names[i];
		size_t len = strlen(e);

		if (e[0] == '*') {
			memcpy(lit[i], e + 1, len - 1);
			lens[i] = len; /* ".x.tld\0" */
		} else {
			memcpy(lit[i] + 1, e, len);
			lens[i] = len + 2; /* "\0api.x.tld\0" */
			mt->exact[i] = true;
		}
		lits[i] = lit[i];
		flags[i] = HS_FLAG_SINGLEMATCH;
		ids[i] = (unsigned int)i;
	}
	if (hs_compile_lit_multi(lits, flags, ids, lens, (unsigned int)w->n,
				 HS_MODE_BLOCK, NULL, &mt->hdb,
				 &herr) != HS_SUCCESS) {
		snprintf(r->msg, sizeof(r->msg), "compile: %s",
			 herr != NULL ? herr->message : "?");
		hs_free_compile_error(herr);
		ret = EINVAL;
		goto out;
	}
	hs_database_size(mt->hdb, &r->db_bytes);
	if (hs_alloc_scratch(mt->hdb, &mt->hs) != HS_SUCCESS)
		ret = ENOMEM;
out:
	free(lit);
	free(lits);
	free(flags);
	free(ids);
	free(lens);
	return ret;
}

static int
litnul_scan(struct matcher *mt, const char *name, size_t len)
{
	struct litnul_ctx c = {.exact = mt->exact, .best = -1};
	char buf[NAME_BUF + 2];

	buf[0] = '\0';
	memcpy(buf + 1, name, len);
	buf[len + 1] = '\0';
	hs_scan(mt->hdb, buf, (unsigned int)len + 2, 0, mt->hs,
		litnul_on_match, &c);
	return c.best;
}

static int
matcher_build(struct matcher *mt, const struct workload *w, struct result *r)
{
	if (mt->m == M_LITERAL) {
		struct gw_match_error err = {0};

		mt->db = gw_match_fqdn_build(w->name_ptrs, w->n, &err);
		if (mt->db == NULL) {
			snprintf(r->msg, sizeof(r->msg), "build: %s", err.msg);
			return EINVAL;
		}
		r->db_bytes = gw_match_db_size(mt->db);
		return gw_match_scratch_grow(&mt->s, mt->db) == 0 ? 0 : ENOMEM;
	}
	if (mt->m == M_LITNUL)
		return litnul_build(mt, w, r);
	if (mt->m == M_REGEX) {
		char (*re)[2 * NAME_BUF] = calloc(w->n, sizeof(*re));
		const char **exprs = calloc(w->n, sizeof(*exprs));
		unsigned int *flags = calloc(w->n, sizeof(*flags));
		unsigned int *ids = calloc(w->n, sizeof(*ids));
		hs_compile_error_t *herr = NULL;
		int ret = 0;
		size_t i;

		if (re == NULL || exprs == NULL || flags == NULL ||
		    ids == NULL) {
			ret = ENOMEM;
			goto out;
		}
		for (i = 0; i < w->n; i++) {
			name_to_regex(w->names[i], re[i], sizeof(re[i]));
			exprs[i] = re[i];
			flags[i] = HS_FLAG_SINGLEMATCH;
			ids[i] = (unsigned int)i;
		}
		if (hs_compile_multi(exprs, flags, ids, (unsigned int)w->n,
				     HS_MODE_BLOCK, NULL, &mt->hdb,
				     &herr) != HS_SUCCESS) {
			snprintf(r->msg, sizeof(r->msg), "compile: %s",
				 herr != NULL ? herr->message : "?");
			hs_free_compile_error(herr);
			ret = EINVAL;
			goto out;
		}
		hs_database_size(mt->hdb, &r->db_bytes);
		if (hs_alloc_scratch(mt->hdb, &mt->hs) != HS_SUCCESS)
			ret = ENOMEM;
out:
		free(re);
		free(exprs);
		free(flags);
		free(ids);
		return ret;
	}
	if (hash_ref_build(&mt->h, w) != 0)
		return ENOMEM;
	r->db_bytes = mt->h.bytes;
	return 0;
}

static inline int
matcher_scan(struct matcher *mt, const char *name, size_t len)
{
	int best = -1;

	switch (mt->m) {
	case M_LITERAL:
		return gw_match_scan(mt->db, mt->s, name, len);
	case M_LITNUL:
		return litnul_scan(mt, name, len);
	case M_REGEX:
		hs_scan(mt->hdb, name, (unsigned int)len, 0, mt->hs,
			regex_on_match, &best);
		return best;
	default:
		return hash_ref_scan(&mt->h, name, len);
	}
}

static void
matcher_free(struct matcher *mt)
{
	gw_match_scratch_free(mt->s);
	gw_match_db_free(mt->db);
	hs_free_scratch(mt->hs);
	hs_free_database(mt->hdb);
	free(mt->exact);
	if (mt->m == M_HASH)
		hash_ref_free(&mt->h);
}

/* Folds one hit/miss answer into a running FNV-1a hash. */
static uint64_t
answer_fold(uint64_t h, bool hit)
{
	return (h ^ (hit ? 0x9b : 0x31)) * UINT64_C(0x100000001b3);
}

static void
run_case(const struct workload *w, enum method m, uint64_t lookups,
	 struct result *r)
{
	struct matcher mt = {.m = m};
	uint64_t i, hits = 0;
	double t0, wall0;

	t0 = cpu_ms();
	r->status = matcher_build(&mt, w, r);
	r->compile_ms = cpu_ms() - t0;
	if (r->status != 0) {
		if (r->msg[0] == '\0')
			snprintf(r->msg, sizeof(r->msg), "%s",
				 strerror(r->status));
		goto out;
	}
	/* Warm-up pass over the pool, also recording every answer. */
	r->answers = UINT64_C(0xcbf29ce484222325);
	for (i = 0; i < POOL_SIZE; i++)
		r->answers = answer_fold(r->answers,
					 matcher_scan(&mt, w->pool[i],
						      w->pool_len[i]) >= 0);
	t0 = cpu_ms();
	wall0 = now_ms();
	for (i = 0; i < lookups; i++) {
		size_t k = i & (POOL_SIZE - 1);

		hits += matcher_scan(&mt, w->pool[k], w->pool_len[k]) >= 0;
		if (k == POOL_SIZE - 1 && now_ms() - wall0 > scan_budget_ms) {
			i++;
			break;
		}
	}
	r->ns_per_lookup = (cpu_ms() - t0) * 1e6 / (double)i;
	r->hits = hits;
	r->lookups = i;
out:
	matcher_free(&mt);
}

/*
 * Runs one case in a child; returns 0 with *r filled, or -1 when the
 * child did not finish within cap_s seconds (it is killed).
 */
static int
run_capped(const struct workload *w, enum method m, uint64_t lookups,
	   unsigned int cap_s, size_t mem_cap, struct result *r)
{
	struct pollfd pfd;
	double deadline;
	ssize_t got = 0;
	int fds[2], status = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe(fds) != 0) {
		perror("pipe");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		struct rlimit rl = {.rlim_cur = mem_cap, .rlim_max = mem_cap};
		struct result res = {0};

		close(fds[0]);
		/* Keep a runaway compile from exhausting a shared machine. */
		if (mem_cap > 0)
			setrlimit(RLIMIT_AS, &rl);
		run_case(w, m, lookups, &res);
		if (write(fds[1], &res, sizeof(res)) != (ssize_t)sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	deadline = now_ms() + cap_s * 1e3;
	while (got < (ssize_t)sizeof(*r)) {
		double left = deadline - now_ms();
		ssize_t k;
		int pr;

		if (left <= 0)
			break;
		pr = poll(&pfd, 1, (int)left + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		k = read(fds[0], (char *)r + got, sizeof(*r) - (size_t)got);
		if (k <= 0)
			break;
		got += k;
	}
	close(fds[0]);
	if (got < (ssize_t)sizeof(*r)) {
		bool late = now_ms() >= deadline;

		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (late)
			return -1;
		memset(r, 0, sizeof(*r));
		r->status = EIO;
		snprintf(r->msg, sizeof(r->msg), "child failed (status %d)",
			 status);
		return 0;
	}
	waitpid(pid, &status, 0);
	return 0;
}

/* ---- main ---- */

/* Other work on the machine skews timings: print the load with them. */
static void
print_load(const char *when)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double l1 = 0, l5 = 0, l15 = 0;

	if (f != NULL) {
		if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3)
			printf("load average %s: %.2f %.2f %.2f\n", when, l1,
			       l5, l15);
		fclose(f);
	}
}

static void
print_cpu(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512], model[256] = "unknown";
	int ncpu = 0;

	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			char *c = strchr(line, ':');

			if (strncmp(line, "model name", 10) != 0 || c == NULL)
				continue;
			if (ncpu++ == 0) {
				snprintf(model, sizeof(model), "%s", c + 2);
				model[strcspn(model, "\n")] = '\0';
			}
		}
		fclose(f);
	}
	printf("cpu: %s (%d logical CPUs)\n", model, ncpu);
	printf("hyperscan: %s\n", hs_version());
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--quick] [--lookups N] [--cap S] [--scan-budget S]\n"
		"       [--regex-max N] [--seed S] [--names N] [--method M]\n"
		"  --quick          1k and 10k names, 200k lookups, 30 s cap\n"
		"  --lookups N      timed lookups per case (default 1000000)\n"
		"  --cap S          wall-clock cap per case (default 120)\n"
		"  --scan-budget S  stop timed lookups after S s (default 10)\n"
		"  --regex-max N    largest list tried with one regex per name\n"
		"                   (default: every size)\n"
		"  --seed S         random seed (default 1)\n"
		"  --names N        only this list size\n"
		"  --method M       only this method (gw_match, lit-nul, "
		"regex, hash)\n",
		prog);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"quick", no_argument, NULL, 'q'},
		{"lookups", required_argument, NULL, 'l'},
		{"cap", required_argument, NULL, 'c'},
		{"scan-budget", required_argument, NULL, 'b'},
		{"regex-max", required_argument, NULL, 'r'},
		{"seed", required_argument, NULL, 's'},
		{"names", required_argument, NULL, 'n'},
		{"method", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	size_t sizes[3] = {1000, 10000, 100000};
	size_t n_sizes = 3, regex_max = SIZE_MAX, i;
	int only_method = -1;
	uint64_t lookups = 1000000, seed = 1;
	unsigned int cap_s = 120;
	bool quick = false, lookups_set = false, cap_set = false;
	bool mismatch = false;
	int o, sh;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'q':
			quick = true;
			break;
		case 'l':
			lookups = strtoull(optarg, NULL, 10);
			lookups_set = true;
			break;
		case 'c':
			cap_s = (unsigned int)strtoul(optarg, NULL, 10);
			cap_set = true;
			break;
		case 'b':
			scan_budget_ms = strtod(optarg, NULL) * 1e3;
			break;
		case 'r':
			regex_max = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'n':
			sizes[0] = strtoull(optarg, NULL, 10);
			n_sizes = 1;
			break;
		case 'm':
			for (i = 0; i < M_COUNT; i++)
				if (strcmp(optarg, method_names[i]) == 0)
					only_method = (int)i;
			if (only_method < 0) {
				usage(argv[0]);
				return 2;
			}
			break;
		default:
			usage(argv[0]);
			return o == 'h' ? 0 : 2;
		}
	}
	if (quick && n_sizes == 3) {
		n_sizes = 2;
		if (!lookups_set)
			lookups = 200000;
		if (!cap_set)
			cap_s = 30;
	}
	if (lookups == 0 || cap_s == 0 || scan_budget_ms <= 0 ||
	    sizes[0] == 0) {
		usage(argv[0]);
		return 2;
	}

	print_cpu();
	print_load("at start");
	printf("timed lookups per case: %" PRIu64 " (cycling %u distinct "
	       "names, 50%% listed / 50%% near misses; fewer when a case "
	       "exceeds %.0f s, marked *)\ncap %u s per case (wall clock), "
	       "seed %" PRIu64 "; compile_ms and ns/lookup are thread CPU "
	       "time\n\n", lookups, POOL_SIZE, scan_budget_ms / 1e3, cap_s,
	       seed);
	printf("%7s  %-6s  %-7s  %11s  %11s  %10s  %5s\n", "names", "shape",
	       "method", "compile_ms", "db_bytes", "ns/lookup", "hits");
	fflush(stdout);

	for (i = 0; i < n_sizes; i++) {
		for (sh = 0; sh < SHAPE_COUNT; sh++) {
			uint64_t answers[M_COUNT] = {0};
			bool done[M_COUNT] = {false};
			struct workload w;
			int m;

			workload_build(&w, sizes[i], (enum shape)sh, seed);
			for (m = 0; m < M_COUNT; m++) {
				struct result r;

				if (only_method >= 0 && m != only_method)
					continue;
				printf("%7zu  %-6s  %-7s  ", sizes[i],
				       shape_names[sh], method_names[m]);
				fflush(stdout);
				if (m == M_REGEX && sizes[i] > regex_max) {
					printf("skipped (--regex-max)\n");
					continue;
				}
				if (run_capped(&w, (enum method)m, lookups,
					       cap_s, (size_t)8 << 30,
					       &r) < 0) {
					printf("did not finish in %u s\n",
					       cap_s);
				} else if (r.status != 0) {
					printf("failed: %s\n", r.msg);
				} else {
					printf("%11.1f  %11zu  %9.1f%s  "
					       "%4.1f%%\n", r.compile_ms,
					       r.db_bytes, r.ns_per_lookup,
					       r.lookups < lookups ? "*" : " ",
					       100.0 * (double)r.hits /
						       (double)r.lookups);
					answers[m] = r.answers;
					done[m] = true;
				}
				fflush(stdout);
			}
			/* Same semantics: same answer for every lookup. */
			for (m = 1; m < M_COUNT; m++) {
				if (done[0] && done[m] &&
				    answers[0] != answers[m]) {
					printf("MISMATCH: %s and %s disagree\n",
					       method_names[0],
					       method_names[m]);
					mismatch = true;
				}
			}
			workload_free(&w);
		}
	}
	print_load("at end");
	return mismatch ? 1 : 0;
}
