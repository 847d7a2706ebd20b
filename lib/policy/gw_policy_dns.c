/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `egress_policy.dns`: the resolvers that port 53 may reach (addresses, and
 * names resolved through the caller's resolver when the policy loads), the
 * encrypted DNS transports to block, and the DoH endpoint list (built-in,
 * from config/doh-providers.txt, plus an optional file) compiled into one
 * Hyperscan FQDN database at freeze.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "policy/gw_policy_private.h"

/* A doh_providers file larger than this is refused (100 000 names fit). */
#define POL_DOH_FILE_MAX (16u << 20)
/* Invalid lines of a doh_providers file reported before giving up. */
#define POL_DOH_ERRORS_MAX 10

/* ---- dns.allow ---- */

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
cmp_addr(const void *a, const void *b)
{
	return gw_addr_cmp(a, b);
}

void
pol_dns_allow(struct pol_loader *ld, const struct pol_kw *kw,
	      const struct pol_node *v, void *base)
{
	struct gw_dns_policy *dns = &ld->p->dns;
	struct pol_dup_item *names = NULL, *addrs = NULL;
	size_t n_names = 0, n_addrs = 0, idx = 0;
	const struct pol_node *it;
	char norm[256], buf[64];

	(void)base;
	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	dns->restricted = true;
	ld->dns_allow = v;
	dns->resolvers = pol_calloc(ld, v->n, sizeof(*dns->resolvers));
	dns->names = pol_calloc(ld, v->n, sizeof(*dns->names));
	ld->dns_name_nodes = pol_calloc(ld, v->n, sizeof(*ld->dns_name_nodes));
	names = pol_calloc(ld, v->n, sizeof(*names));
	addrs = pol_calloc(ld, v->n, sizeof(*addrs));
	if (dns->resolvers == NULL || dns->names == NULL ||
	    ld->dns_name_nodes == NULL || names == NULL || addrs == NULL)
		goto out;
	for (it = v->first; it != NULL; it = it->next, idx++) {
		size_t saved = pol_path_push(ld, "[%zu]", idx);
		struct gw_addr *a = &dns->resolvers[dns->n_resolvers];
		int len;

		if (!pol_scalar_str(ld, it, kw->max)) {
			pol_path_pop(ld, saved);
			continue;
		}
		if (gw_addr_parse(it->str, a) == 0) {
			addrs[n_addrs].key = a;
			addrs[n_addrs].node = it;
			addrs[n_addrs].idx = n_addrs;
			n_addrs++;
			dns->n_resolvers++;
		} else if (strchr(it->str, '/') != NULL) {
			pol_err(ld, it, "'%s': a resolver is one address or name, not a prefix",
				pol_quote(it, buf, sizeof(buf)));
		} else if (gw_name_is_ip_literal(it->str, it->len)) {
			pol_err(ld, it, "invalid address '%s' (expected e.g. 192.0.2.53 or 2001:db8::53)",
				pol_quote(it, buf, sizeof(buf)));
		} else if ((len = gw_name_normalize((const uint8_t *)it->str, it->len,
						    norm, sizeof(norm), false)) < 0) {
			pol_err(ld, it, "invalid resolver '%s' (expected an address or a name such as ns1.example.tld)",
				pol_quote(it, buf, sizeof(buf)));
		} else {
			struct gw_dns_name *dn = &dns->names[dns->n_names];

			dn->name = pol_strdup(ld, norm, (size_t)len);
			if (dn->name != NULL) {
				dn->line = it->line;
				ld->dns_name_nodes[dns->n_names] = it;
				names[n_names].key = dn->name;
				names[n_names].node = it;
				names[n_names].idx = n_names;
				n_names++;
				dns->n_names++;
			}
		}
		pol_path_pop(ld, saved);
	}
	pol_dup_report(ld, addrs, n_addrs, cmp_addr, "entry");
	pol_dup_report(ld, names, n_names, cmp_name, "entry");
out:
	free(names);
	free(addrs);
}

/* ---- dns.block_encrypted ---- */

static const struct pol_kw_word words_encrypted[] = {
	{"DoH", GW_DNS_BLOCK_DOH}, {"DoT", GW_DNS_BLOCK_DOT},
	{"DoQ", GW_DNS_BLOCK_DOQ}, {NULL, 0},
};

void
pol_dns_block(struct pol_loader *ld, const struct pol_kw *kw,
	      const struct pol_node *v, void *base)
{
	struct pol_kw wkw = *kw;
	unsigned int first_line[8] = {0};
	const struct pol_node *it;
	size_t idx = 0;

	(void)base;
	wkw.words = words_encrypted;
	if (!pol_expect_kind(ld, v, PN_SEQ))
		return;
	for (it = v->first; it != NULL; it = it->next, idx++) {
		size_t saved = pol_path_push(ld, "[%zu]", idx);
		const struct pol_kw_word *w = pol_scalar_word(ld, &wkw, it);
		char buf[64];

		if (w != NULL) {
			unsigned int bit = (unsigned int)__builtin_ctz(w->value);

			if (ld->p->dns.block_encrypted & w->value)
				pol_err(ld, it, "duplicate entry '%s' (first at line %u)",
					pol_quote(it, buf, sizeof(buf)), first_line[bit]);
			else
				first_line[bit] = it->line;
			ld->p->dns.block_encrypted |= w->value;
		}
		pol_path_pop(ld, saved);
	}
}

/* ---- dns.doh_providers ---- */

void
pol_dns_doh_providers(struct pol_loader *ld, const struct pol_kw *kw,
		      const struct pol_node *v, void *base)
{
	struct gw_dns_policy *dns = &ld->p->dns;

	(void)base;
	if (!pol_scalar_str(ld, v, kw->max))
		return;
	memcpy(dns->doh_providers, v->str, v->len + 1);
	ld->doh_node = v;
}

/* Reads the whole file (a regular file, at most max bytes) into *out. */
static int
read_small_file(const char *path, size_t max, char **out, size_t *len,
		char *why, size_t why_size)
{
	struct stat st;
	char *buf;
	size_t got;
	FILE *f;
	int fd;

	*out = NULL;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		snprintf(why, why_size, "cannot open: %s", strerror(errno));
		if (f != NULL)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		return GW_EIO;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		snprintf(why, why_size, "%s", S_ISREG(st.st_mode) ?
			 "file larger than 16 MiB" : "not a regular file");
		fclose(f);
		return GW_ECONFIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fclose(f);
		return GW_ENOMEM;
	}
	/* Only st_size bytes: a file that grows while read is cut there. */
	got = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		snprintf(why, why_size, "read error: %s", strerror(errno));
		free(buf);
		fclose(f);
		return GW_EIO;
	}
	fclose(f);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/*
 * Parses a DoH list: one name per line, '#' comments, blank lines. Every
 * name is validated and normalised into ld->doh_extra; errors point at the
 * doh_providers value and name the file's line.
 */
static void
doh_parse(struct pol_loader *ld, const char *shown, const char *text,
	  size_t len)
{
	const struct pol_node *at = ld->doh_node;
	size_t pos = 0, cap = 0, lines = 0;
	unsigned int lineno = 0, bad = 0;

	while (pos < len && bad < POL_DOH_ERRORS_MAX) {
		const char *line = text + pos;
		const char *eol = memchr(line, '\n', len - pos);
		size_t n = eol != NULL ? (size_t)(eol - line) : len - pos;
		const char *hash = memchr(line, '#', n);
		char norm[256], esc[64];
		int nl;

		pos += n + (eol != NULL ? 1 : 0);
		lineno++;
		lines++;
		if (hash != NULL)
			n = (size_t)(hash - line);
		while (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
			line++;
			n--;
		}
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' ||
				 line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		gw_escape((const uint8_t *)line, GW_MIN(n, (size_t)40), esc, sizeof(esc));
		if (gw_name_is_ip_literal(line, n)) {
			pol_err(ld, at, "%.96s:%u: '%s' is an IP address, not a DoH endpoint name",
				shown, lineno, esc);
			bad++;
			continue;
		}
		nl = gw_name_normalize((const uint8_t *)line, n, norm, sizeof(norm), true);
		if (nl < 0) {
			pol_err(ld, at, "%.96s:%u: invalid name '%s' (expected host.example.tld or *.example.tld)",
				shown, lineno, esc);
			bad++;
			continue;
		}
		if (ld->n_doh_extra == cap) {
			size_t ncap = cap == 0 ? 64 : cap * 2;
			char **grown = realloc(ld->doh_extra, ncap * sizeof(*grown));

			if (grown == NULL) {
				ld->enomem = true;
				return;
			}
			ld->doh_extra = grown;
			cap = ncap;
		}
		ld->doh_extra[ld->n_doh_extra] = pol_strdup(ld, norm, (size_t)nl);
		if (ld->doh_extra[ld->n_doh_extra] == NULL)
			return;
		ld->n_doh_extra++;
	}
	if (bad == POL_DOH_ERRORS_MAX && pos < len)
		pol_err(ld, at, "%.96s: too many invalid lines; stopped at line %u",
			shown, lineno);
}

static void
doh_read(struct pol_loader *ld)
{
	struct gw_dns_policy *dns = &ld->p->dns;
	char path[4096], why[160];
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (dns->doh_providers[0] == '\0' || ld->doh_node == NULL)
		return;
	if (dns->doh_providers[0] != '/' && ld->dir != NULL)
		snprintf(path, sizeof(path), "%s/%s", ld->dir, dns->doh_providers);
	else
		snprintf(path, sizeof(path), "%s", dns->doh_providers);
	rc = read_small_file(path, POL_DOH_FILE_MAX, &text, &len, why, sizeof(why));
	if (rc == GW_ENOMEM) {
		ld->enomem = true;
		return;
	}
	if (rc != 0) {
		pol_err(ld, ld->doh_node, "%.128s: %s", path, why);
		return;
	}
	if (memchr(text, '\0', len) != NULL)
		pol_err(ld, ld->doh_node, "%.128s: not a text file (NUL byte)", path);
	else
		doh_parse(ld, path, text, len);
	free(text);
	dns->n_doh_extra = ld->n_doh_extra;
	if (ld->errors == 0 && ld->n_doh_extra == 0)
		pol_warn(ld, ld->doh_node, "%.128s holds no name", path);
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Built-in + extra names, normalised, sorted, unique; then the database. */
static void
doh_build(struct pol_loader *ld)
{
	struct gw_dns_policy *dns = &ld->p->dns;
	size_t n_all = gw_policy_doh_builtin_count + ld->n_doh_extra, i, m;
	struct gw_match_error err;
	char norm[256];

	dns->doh_names = pol_calloc(ld, n_all, sizeof(*dns->doh_names));
	if (dns->doh_names == NULL)
		return;
	/* n_doh counts what is owned, so that gw_policy_free frees it all. */
	for (i = 0; i < gw_policy_doh_builtin_count; i++) {
		const char *s = gw_policy_doh_builtin[i];
		int len = gw_name_normalize((const uint8_t *)s, strlen(s), norm,
					    sizeof(norm), true);

		/* gen_doh_list.py checks the characters, this the name rules. */
		if (len < 0) {
			pol_err_at(ld, 1, 1, "built-in DoH list: invalid name '%.64s'", s);
			continue;
		}
		dns->doh_names[dns->n_doh] = pol_strdup(ld, norm, (size_t)len);
		if (dns->doh_names[dns->n_doh] == NULL)
			return;
		dns->n_doh++;
	}
	for (i = 0; i < ld->n_doh_extra; i++) {
		dns->doh_names[dns->n_doh++] = ld->doh_extra[i];
		ld->doh_extra[i] = NULL;
	}
	qsort(dns->doh_names, dns->n_doh, sizeof(*dns->doh_names), cmp_strp);
	for (i = 0, m = 0; i < dns->n_doh; i++) {
		if (m > 0 && strcmp(dns->doh_names[m - 1], dns->doh_names[i]) == 0) {
			free(dns->doh_names[i]);
			continue;
		}
		dns->doh_names[m++] = dns->doh_names[i];
	}
	dns->n_doh = m;
	if (ld->errors > 0)
		return;
	memset(&err, 0, sizeof(err));
	dns->doh_db = gw_match_fqdn_build((const char *const *)dns->doh_names,
					  dns->n_doh, &err);
	if (dns->doh_db == NULL)
		pol_err_at(ld, 1, 1, "egress_policy.dns: cannot build the DoH name database: %s",
			   err.msg[0] != '\0' ? err.msg : "unknown error");
}

/* Resolves the dns.allow names; adds their addresses to the resolvers. */
static void
resolve_names(struct pol_loader *ld)
{
	struct gw_dns_policy *dns = &ld->p->dns;
	const struct gw_policy_load_opts *o = ld->opts;
	struct gw_addr got[GW_DNS_RESOLVE_MAX];
	size_t i, cap = dns->n_resolvers;
	size_t saved = pol_path_push(ld, "egress_policy.dns.allow");

	for (i = 0; i < dns->n_names; i++) {
		struct gw_dns_name *dn = &dns->names[i];
		int rc = 0, k;

		if (o != NULL && o->resolve != NULL) {
			memset(got, 0, sizeof(got));
			rc = o->resolve(dn->name, got, GW_ARRAY_SIZE(got), o->arg);
		}
		if (rc <= 0) {
			dn->error = rc < 0 ? rc : 0;
			pol_warn(ld, ld->dns_name_nodes[i],
				 "%s did not resolve; it matches nothing", dn->name);
			continue;
		}
		/* A resolver that claims more than it was given room for is cut. */
		if ((size_t)rc > GW_ARRAY_SIZE(got))
			rc = (int)GW_ARRAY_SIZE(got);
		if (dns->n_resolvers + (size_t)rc > cap) {
			size_t ncap = GW_MAX(cap * 2, dns->n_resolvers + (size_t)rc);
			struct gw_addr *grown = realloc(dns->resolvers,
							ncap * sizeof(*grown));

			if (grown == NULL) {
				ld->enomem = true;
				break;
			}
			dns->resolvers = grown;
			cap = ncap;
		}
		for (k = 0; k < rc; k++)
			dns->resolvers[dns->n_resolvers++] = got[k];
		dn->n_addrs = (uint16_t)rc;
	}
	pol_path_pop(ld, saved);
}

static void
resolvers_unique(struct gw_dns_policy *dns)
{
	size_t i, n = 0;

	if (dns->n_resolvers < 2)
		return;
	qsort(dns->resolvers, dns->n_resolvers, sizeof(*dns->resolvers), cmp_addr);
	for (i = 0; i < dns->n_resolvers; i++) {
		if (n > 0 && gw_addr_cmp(&dns->resolvers[n - 1],
					 &dns->resolvers[i]) == 0)
			continue;
		dns->resolvers[n++] = dns->resolvers[i];
	}
	dns->n_resolvers = n;
}

void
pol_dns_freeze(struct pol_loader *ld)
{
	struct gw_dns_policy *dns = &ld->p->dns;

	{
		size_t saved = pol_path_push(ld, "egress_policy.dns.doh_providers");

		doh_read(ld);
		if (ld->doh_node != NULL && !(dns->block_encrypted & GW_DNS_BLOCK_DOH))
			pol_warn(ld, ld->doh_node,
				 "has no effect: block_encrypted does not list DoH");
		pol_path_pop(ld, saved);
	}
	if (ld->enomem || ld->errors > 0)
		return;
	/* Names are looked up only for a valid file: a typo costs no query. */
	resolve_names(ld);
	resolvers_unique(dns);
	if (!ld->enomem && (dns->block_encrypted & GW_DNS_BLOCK_DOH))
		doh_build(ld);
}

void
pol_dns_free(struct gw_dns_policy *dns)
{
	size_t i;

	for (i = 0; i < dns->n_names; i++)
		free(dns->names[i].name);
	free(dns->names);
	free(dns->resolvers);
	for (i = 0; i < dns->n_doh; i++)
		free(dns->doh_names[i]);
	free(dns->doh_names);
	gw_match_db_free(dns->doh_db);
}

void
pol_loader_dns_free(struct pol_loader *ld)
{
	size_t i;

	for (i = 0; i < ld->n_doh_extra; i++)
		free(ld->doh_extra[i]);
	free(ld->doh_extra);
	free(ld->dns_name_nodes);
}
