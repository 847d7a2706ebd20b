/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_MATCH_H
#define GW_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Name matching (DPDK-free). Databases are built off the data path (policy
 * load) and are immutable; each worker owns one scratch big enough for
 * every database of the policy it runs.
 *
 * FQDN allowlists: exact names ("api.x.tld") and wildcards ("*.x.tld",
 * any subdomain at any depth, not the apex). Built as two open-addressing
 * hash sets (exact names; wildcard suffixes), so a lookup costs one probe
 * plus one per label boundary whatever the list size, and 100 000 names
 * build in milliseconds (see docs/matching.md for the layout and figures).
 * Names are matched after normalisation (gw_name_normalize): lower case,
 * no trailing dot.
 *
 * C2 signatures: PCRE-subset regexes (Hyperscan syntax) on the name,
 * caseless, compiled with hs_compile_multi; the first matching signature
 * (lowest index) is reported.
 */

struct gw_match_db;
struct gw_match_scratch;

/* Error detail for a pattern that did not compile. */
struct gw_match_error {
	int index;        /* index of the bad pattern, -1 if not pattern-specific */
	char msg[256];
};

/*
 * Builds the allowlist database of `n` names (each "name" or "*.suffix",
 * already normalised). n == 0 yields a valid empty database that matches
 * nothing. Returns NULL and fills err on failure.
 */
struct gw_match_db *gw_match_fqdn_build(const char *const *names, size_t n,
					struct gw_match_error *err);

/* Builds the C2 database from `n` regexes. NULL + err on failure. */
struct gw_match_db *gw_match_regex_build(const char *const *patterns, size_t n,
					 struct gw_match_error *err);

void gw_match_db_free(struct gw_match_db *db);
size_t gw_match_db_size(const struct gw_match_db *db); /* bytes */
size_t gw_match_db_count(const struct gw_match_db *db); /* patterns */

/*
 * Allocates or grows *scratch so it serves db (hs_alloc_scratch semantics).
 * *scratch may be NULL initially. 0 or GW_ENOMEM.
 */
int gw_match_scratch_grow(struct gw_match_scratch **scratch,
			  const struct gw_match_db *db);
/* Clone for another worker. NULL on failure. */
struct gw_match_scratch *gw_match_scratch_clone(const struct gw_match_scratch *s);
void gw_match_scratch_free(struct gw_match_scratch *s);

/*
 * Scans a normalised name. Returns the index of the first matching pattern
 * (>= 0), GW_MATCH_NONE (-1) for no match, or a negative GW_E* below -1
 * (GW_EINVAL, GW_ENOMEM) on a scan error. For FQDN databases the index is
 * of the matching name as given to gw_match_fqdn_build (exact matches
 * preferred over wildcards, then the lowest index), and a name that is not
 * normalised (empty, over 253 bytes, leading dot, a byte outside
 * [a-z0-9-_.]) is refused with GW_EINVAL rather than looked up. A scratch
 * is not needed (may be NULL) for an empty database.
 */
#define GW_MATCH_NONE (-1)
int gw_match_scan(const struct gw_match_db *db, struct gw_match_scratch *s,
		  const char *name, size_t len);

/*
 * Normalises a name from the wire into out: lower case, one trailing dot
 * removed. Rejects (GW_EMALFORMED) empty names, names over 253 bytes, labels
 * over 63, empty labels, and bytes other than [A-Za-z0-9-_.*]
 * ('*' only when allow_wildcard, as the whole first label).
 * A wildcard needs at least one label after "*." (a bare "*" is refused).
 * Returns the length written (out needs len + 1 bytes; it is NUL-terminated),
 * GW_ENOSPC if it has fewer, GW_EINVAL for NULL pointers.
 */
int gw_name_normalize(const uint8_t *in, size_t len, char *out, size_t size,
		      bool allow_wildcard);

/*
 * True if the name is an IPv4 dotted quad or an IPv6 literal (with or
 * without brackets). IPv4 covers every form inet_aton() takes ("127.1",
 * "0x7f.0.0.1", "2130706433"): any name whose labels are all decimal or
 * 0x-hex numbers. One trailing dot is ignored.
 */
bool gw_name_is_ip_literal(const char *name, size_t len);

#endif /* GW_MATCH_H */
