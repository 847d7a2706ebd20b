/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_POLICY_PRIVATE_H
#define GW_POLICY_PRIVATE_H

/*
 * Internals of the policy loader, shared by its files and nobody else:
 * the YAML node tree (parse), the keyword tables (validate) and the loader
 * context that collects diagnostics.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/gw_policy.h"

/* Nesting limit of YAML collections (the policy needs 5). */
#define POL_DEPTH_MAX 32

/* ---- YAML tree (parse) ---- */

enum pol_node_kind {
	PN_SCALAR = 0,
	PN_SEQ,
	PN_MAP,
	PN_BAD, /* an alias: already reported, skipped by validation */
};

/*
 * One YAML node. Children of a sequence are its items; children of a
 * mapping alternate key, value. Every node keeps its 1-based position so
 * that any diagnostic can point at it.
 */
struct pol_node {
	uint8_t kind;        /* enum pol_node_kind */
	bool plain;          /* scalar written without quotes */
	unsigned int line;
	unsigned int col;
	size_t len;          /* scalar bytes (may hold NULs from escapes) */
	char *str;           /* scalar text, NUL-terminated */
	size_t n;            /* children (mapping: 2 per pair) */
	struct pol_node *first;
	struct pol_node *last;
	struct pol_node *next;
};

/* Bump allocator for the tree: freed in one go when the load ends. */
struct pol_chunk;
struct pol_arena {
	struct pol_chunk *head;
};

void *pol_arena_alloc(struct pol_arena *a, size_t size);
void pol_arena_free(struct pol_arena *a);

/* ---- loader context ---- */

struct pol_role_info {
	const struct pol_node *fqdns;    /* allow_fqdns list */
	const struct pol_node *protocol; /* protocol list */
};

struct pol_sig_info {
	const struct pol_node *pattern; /* the signature's pattern scalar */
};

struct pol_loader {
	struct gw_diags *diags;      /* the caller's, may be NULL */
	unsigned int errors;
	bool enomem;
	struct pol_arena arena;
	struct gw_policy *p;
	/* Dotted path of the key being validated, prefixed to messages. */
	char path[192];
	size_t path_len;
	/* Warnings are reported only when the load succeeds. */
	struct gw_diag warn[64];
	unsigned int n_warn;
	size_t cap_unenforced;
	/* Roles and signatures under construction. */
	struct pol_role_info *rinfo;
	size_t cur_role;
	struct pol_sig_info *sinfo;
	size_t cur_sig;
	const struct pol_node *sigs_node;
	unsigned int vlan_line[GW_VLAN_MAX + 1];
	unsigned int vlan_col[GW_VLAN_MAX + 1];
	unsigned int untagged_col;
	unsigned int untagged_line;
	/* Load options and the folder of the policy file (NULL: cwd). */
	const struct gw_policy_load_opts *opts;
	const char *dir;
	/* egress_policy.dns: the allow list, its names and doh_providers. */
	const struct pol_node *dns_allow;
	const struct pol_node **dns_name_nodes;
	const struct pol_node *doh_node;
	/* gateway.nat.lan.vlans: the list item of each stored entry. */
	const struct pol_node **nat_items;
	bool nat_lan_ok;             /* every entry of the list was stored */
	size_t n_doh_extra;
	char **doh_extra;
};

/* Diagnostics: errors count and go to the caller's diags at once. */
void pol_err_at(struct pol_loader *ld, unsigned int line, unsigned int col,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void pol_err(struct pol_loader *ld, const struct pol_node *n,
	     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Warnings are kept in ld and reported only when the load succeeds. */
void pol_warn(struct pol_loader *ld, const struct pol_node *n,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pol_diag_add(struct gw_diags *dg, unsigned int line, unsigned int col,
		  bool warning, const char *msg);
void pol_str_copy(char *dst, size_t size, const char *src);

/* Allocation that records failure in ld->enomem. */
void *pol_calloc(struct pol_loader *ld, size_t n, size_t size);
char *pol_strdup(struct pol_loader *ld, const char *s, size_t len);

/* File text of a scalar, escaped and shortened for a message. */
const char *pol_quote(const struct pol_node *n, char *buf, size_t size);

/* Key path prefixed to messages: push returns the length to pop back to. */
size_t pol_path_push(struct pol_loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
size_t pol_path_push_key(struct pol_loader *ld, const char *key);
void pol_path_pop(struct pol_loader *ld, size_t saved);

/*
 * Parses buf into a tree in ld->arena. Returns 0 with *root (NULL for a
 * stream without a document) or GW_ECONFIG / GW_ENOMEM after reporting.
 * A tree is returned also when only anchors, tags or a second document
 * were found (reported as errors), so that validation can go on.
 */
int pol_yaml_parse(struct pol_loader *ld, const uint8_t *buf, size_t len,
		   struct pol_node **root);

/* ---- keyword tables (validate) ---- */

enum pol_kw_type {
	KW_MAP = 0,  /* nested mapping described by sub */
	KW_UINT,     /* decimal integer in [min, max], stored x scale in size bytes */
	KW_ENUM,     /* one word of words[]; its value stored in size bytes */
	KW_STR,      /* non-empty string of at most max bytes into char[max + 1] */
	KW_STR_LIST, /* list of strings, from words[] when set; not stored */
	KW_ANY,      /* any YAML: accepted, not stored */
	KW_FN,       /* list or section with its own handler (fn) */
	KW_DOUBLE,   /* decimal number in [dmin, dmax] into a double */
};

#define KW_REQUIRED 0x01   /* must be present */
#define KW_UNENFORCED 0x02 /* accepted, not acted on: warning + report */
#define KW_RELOAD 0x04     /* a reload applies a change (else: restart) */
#define KW_POW2 0x08       /* KW_UINT: power of two */

#define KW_NOSTORE SIZE_MAX

struct pol_kw_word {
	const char *word;  /* compared case-insensitively */
	uint8_t value;
};

struct pol_kw;
typedef void (*pol_kw_fn)(struct pol_loader *ld, const struct pol_kw *kw,
			  const struct pol_node *v, void *base);
/*
 * Formats the stored value of a KW_FN key (base: the struct of its
 * mapping) for the summary and the diff. Returns the length it needs
 * (as snprintf), buf holding a NUL-terminated prefix when it is short.
 */
typedef int (*pol_kw_fmt)(const struct pol_kw *kw, const void *base,
			  char *buf, size_t size);

/* One key of a mapping. Tables end with an entry whose key is NULL. */
struct pol_kw {
	const char *key;
	uint8_t type;          /* enum pol_kw_type */
	uint8_t flags;         /* KW_* */
	uint8_t size;          /* stored width: 1, 2, 4 or 8 bytes */
	const char *def;       /* default, in the file's syntax; NULL: none */
	uint64_t min;          /* KW_UINT range; KW_FN item range */
	uint64_t max;          /* KW_UINT / KW_FN range; KW_STR max length */
	uint64_t scale;        /* KW_UINT: stored value = value * scale */
	size_t off;            /* offset in the base struct, or KW_NOSTORE */
	const struct pol_kw *sub;        /* KW_MAP */
	const struct pol_kw_word *words; /* KW_ENUM, KW_STR_LIST; ends with NULL word */
	const char *why;       /* added to the error for a value not in words */
	pol_kw_fn fn;          /* KW_FN */
	pol_kw_fmt fmt;        /* KW_FN: value as text, NULL: not shown */
	double dmin, dmax;     /* KW_DOUBLE range */
};

/* Most entries in one keyword table. */
#define POL_KW_TABLE_MAX 16

/* Per-role work after validation: binding ports of `protocol:`. */
void pol_roles_finish(struct pol_loader *ld);

/* ---- gateway.nat (gw_policy_nat.c) ---- */

extern const struct pol_kw pol_kw_nat[];
/*
 * Checks that need the whole file: mode against the nat section, next hops
 * in their subnets, subnets that overlap, VLANs against the roles. root is
 * the document (NULL when there is none).
 */
void pol_nat_finish(struct pol_loader *ld, const struct pol_node *root);
void pol_nat_free(struct gw_nat_cfg *nat);
/* Value of key in mapping m (the first if repeated), NULL when absent. */
const struct pol_node *pol_map_get(const struct pol_node *m, const char *key);
/* The key node of key in mapping m, NULL when absent. */
const struct pol_node *pol_map_key(const struct pol_node *m, const char *key);

/* Text of a stored KW_UINT / KW_ENUM / KW_STR / KW_DOUBLE / KW_FN value
 * (as pol_kw_fmt); 0 with "" for types without a value. */
int pol_kw_format(const struct pol_kw *kw, const void *base, char *buf,
		  size_t size);

/* ---- egress_policy.dns (gw_policy_dns.c) ---- */

void pol_dns_allow(struct pol_loader *ld, const struct pol_kw *kw,
		   const struct pol_node *v, void *base);
void pol_dns_block(struct pol_loader *ld, const struct pol_kw *kw,
		   const struct pol_node *v, void *base);
void pol_dns_doh_providers(struct pol_loader *ld, const struct pol_kw *kw,
			   const struct pol_node *v, void *base);
/* Reads doh_providers (always), resolves names and builds the DoH
 * database (only when the file had no error). */
void pol_dns_freeze(struct pol_loader *ld);
void pol_dns_free(struct gw_dns_policy *dns);
void pol_loader_dns_free(struct pol_loader *ld);

/* The whole file (base: struct gw_policy). */
extern const struct pol_kw pol_kw_top[];
/* The gateway section, also walked by the summary and the diff. */
extern const struct pol_kw pol_kw_gateway[];
/* The monitoring section and a role's keys (summary, diff). */
extern const struct pol_kw pol_kw_monitoring[];
extern const struct pol_kw pol_kw_role[];

/* Value of a KW_UINT / KW_ENUM field as given in the file (unscaled). */
uint64_t pol_kw_get_uint(const struct pol_kw *kw, const void *base);

/* Validates mapping m against tab, storing into base. */
void pol_kw_map(struct pol_loader *ld, const struct pol_node *m,
		const struct pol_kw *tab, void *base);
/* Applies the defaults of tab (and its sub-tables) to base. */
void pol_kw_defaults(const struct pol_kw *tab, void *base);

/* Scalar and kind checks: report and return false on a mismatch. */
const char *pol_node_desc(const struct pol_node *n);
bool pol_expect_kind(struct pol_loader *ld, const struct pol_node *n,
		     uint8_t kind);
bool pol_scalar_str(struct pol_loader *ld, const struct pol_node *n,
		    uint64_t max);
bool pol_scalar_uint(struct pol_loader *ld, const struct pol_node *n,
		     uint64_t min, uint64_t max, uint64_t *out);
const struct pol_kw_word *pol_scalar_word(struct pol_loader *ld,
					  const struct pol_kw *kw,
					  const struct pol_node *n);

/* An entry of a list, for duplicate detection. */
struct pol_dup_item {
	const void *key;
	const struct pol_node *node;
	size_t idx;
};

/* Reports each item whose key repeats an earlier one ("duplicate <what>"). */
void pol_dup_report(struct pol_loader *ld, struct pol_dup_item *items,
		    size_t n, int (*cmp)(const void *, const void *),
		    const char *what);

#endif /* GW_POLICY_PRIVATE_H */
