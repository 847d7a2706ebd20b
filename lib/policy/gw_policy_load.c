/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entry points of the policy loader: parse (gw_policy_yaml.c), validate
 * against the keyword tables (gw_policy_schema.c, gw_policy_kw.c), then
 * freeze: build the Hyperscan databases. The result never changes
 * afterwards; a reload builds a new policy.
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

/* Files larger than this are refused before parsing. */
#define POL_FILE_MAX (256u << 20)

/* ---- freeze ---- */

static void
freeze_c2(struct pol_loader *ld)
{
	struct gw_policy *p = ld->p;
	struct gw_match_error err;
	const char **pats;
	size_t *idx, m = 0, i;
	bool dropped = false;
	char buf[64];

	if (p->n_sigs == 0)
		return;
	pats = pol_calloc(ld, p->n_sigs, sizeof(*pats));
	idx = pol_calloc(ld, p->n_sigs, sizeof(*idx));
	if (pats == NULL || idx == NULL)
		goto out;
	for (i = 0; i < p->n_sigs; i++) {
		if (p->sigs[i].pattern == NULL)
			continue;
		pats[m] = p->sigs[i].pattern;
		idx[m++] = i;
	}
	/*
	 * Hyperscan stops at the first bad pattern: drop it and compile the
	 * rest again, so that every bad pattern is reported in one run.
	 */
	while (m > 0) {
		struct gw_match_db *db;

		memset(&err, 0, sizeof(err));
		db = gw_match_regex_build(pats, m, &err);
		if (db != NULL) {
			if (!dropped && m == p->n_sigs)
				p->c2_db = db;
			else
				gw_match_db_free(db);
			break;
		}
		if (err.index >= 0 && (size_t)err.index < m) {
			size_t bad = idx[err.index];
			const struct pol_node *pn = ld->sinfo[bad].pattern;
			size_t saved = pol_path_push(ld, "c2_signatures[%zu].pattern", bad);

			pol_err(ld, pn, "invalid pattern '%s': %s",
				pol_quote(pn, buf, sizeof(buf)), err.msg);
			pol_path_pop(ld, saved);
			memmove(&pats[err.index], &pats[err.index + 1],
				(m - (size_t)err.index - 1) * sizeof(*pats));
			memmove(&idx[err.index], &idx[err.index + 1],
				(m - (size_t)err.index - 1) * sizeof(*idx));
			m--;
			dropped = true;
			continue;
		}
		{
			size_t saved = pol_path_push(ld, "c2_signatures");

			pol_err(ld, ld->sigs_node, "cannot build the signature database: %s",
				err.msg[0] != '\0' ? err.msg : "unknown error");
			pol_path_pop(ld, saved);
		}
		break;
	}
out:
	free(pats);
	free(idx);
}

static void
freeze_roles(struct pol_loader *ld)
{
	struct gw_policy *p = ld->p;
	struct gw_match_error err;
	size_t i;

	for (i = 0; i < p->n_roles; i++) {
		struct gw_role *r = &p->roles[i];
		const struct pol_node *at;
		size_t saved;

		if (r->n_fqdns == 0)
			continue;
		memset(&err, 0, sizeof(err));
		r->fqdn_db = gw_match_fqdn_build((const char *const *)r->fqdns,
						 r->n_fqdns, &err);
		if (r->fqdn_db != NULL)
			continue;
		at = ld->rinfo[i].fqdns;
		if (err.index >= 0 && (size_t)err.index < r->n_fqdns) {
			const struct pol_node *it = at->first;
			int k;

			/* Entries were stored in file order, skipping none. */
			for (k = 0; k < err.index && it != NULL; k++)
				it = it->next;
			if (it != NULL)
				at = it;
		}
		saved = pol_path_push(ld, "egress_policy.roles.%s.allow_fqdns", r->name);
		pol_err(ld, at, "cannot build the name database: %s",
			err.msg[0] != '\0' ? err.msg : "unknown error");
		pol_path_pop(ld, saved);
	}
}

/* ---- entry points ---- */

void
gw_policy_free(struct gw_policy *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_roles; i++) {
		struct gw_role *r = &p->roles[i];

		for (j = 0; j < r->n_fqdns; j++)
			free(r->fqdns[j]);
		free(r->fqdns);
		free(r->vlans);
		free(r->cidrs);
		free(r->ports);
		free(r->methods);
		free(r->notes);
		free(r->bind_ports);
		gw_match_db_free(r->fqdn_db);
	}
	free(p->roles);
	for (i = 0; i < p->n_sigs; i++)
		free(p->sigs[i].pattern);
	free(p->sigs);
	gw_match_db_free(p->c2_db);
	pol_dns_free(&p->dns);
	pol_nat_free(&p->gw.nat);
	free(p->unenforced);
	free(p);
}

static int
diag_cmp(const void *a, const void *b)
{
	const struct gw_diag *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return 0;
}

/* Stable insertion sort by position (qsort is not stable). */
static void
diags_sort(struct gw_diags *dg)
{
	unsigned int i, j;

	for (i = 1; i < dg->n; i++) {
		struct gw_diag t = dg->d[i];

		for (j = i; j > 0 && diag_cmp(&dg->d[j - 1], &t) > 0; j--)
			dg->d[j] = dg->d[j - 1];
		dg->d[j] = t;
	}
}

static void
diags_init(struct gw_diags *dg, const char *name)
{
	if (dg == NULL)
		return;
	memset(dg, 0, sizeof(*dg));
	pol_str_copy(dg->file, sizeof(dg->file), name);
}

/* dir: folder for relative paths named in the file (NULL: cwd). */
static int
pol_load(const char *buf, size_t len, const char *name, const char *dir,
	 const struct gw_policy_load_opts *opts, struct gw_policy **out,
	 struct gw_diags *diags)
{
	struct pol_loader *ld;
	struct pol_node *root = NULL;
	struct gw_policy *p;
	unsigned int i;
	int rc;

	if (name == NULL)
		name = "<string>";
	diags_init(diags, name);
	if (out == NULL || (buf == NULL && len > 0))
		return GW_EINVAL;
	*out = NULL;
	ld = calloc(1, sizeof(*ld));
	p = calloc(1, sizeof(*p));
	if (ld == NULL || p == NULL) {
		free(ld);
		free(p);
		pol_diag_add(diags, 1, 1, false, "out of memory");
		return GW_ENOMEM;
	}
	ld->diags = diags;
	ld->p = p;
	ld->opts = opts;
	ld->dir = dir;
	pol_str_copy(p->source, sizeof(p->source), name);
	for (i = 0; i <= GW_VLAN_MAX; i++)
		p->vlan_role[i] = -1;
	p->untagged_role = -1;
	pol_kw_defaults(pol_kw_top, p);

	rc = pol_yaml_parse(ld, (const uint8_t *)(buf != NULL ? buf : ""), len,
			    &root);
	if (rc == 0) {
		if (root == NULL)
			pol_err_at(ld, 1, 1, "the policy is empty: 'egress_policy' is required");
		else if (root->kind != PN_MAP)
			pol_err(ld, root, "expected a mapping at the top level, got %s",
				pol_node_desc(root));
		else
			pol_kw_map(ld, root, pol_kw_top, p);
		if (!ld->enomem)
			pol_roles_finish(ld);
		if (!ld->enomem)
			pol_nat_finish(ld, root != NULL && root->kind == PN_MAP ?
				       root : NULL);
		if (!ld->enomem)
			freeze_c2(ld);
		if (!ld->enomem)
			pol_dns_freeze(ld);
		if (!ld->enomem && ld->errors == 0)
			freeze_roles(ld);
	}
	if (ld->enomem)
		rc = GW_ENOMEM;
	else if (rc == 0 && ld->errors > 0)
		rc = GW_ECONFIG;

	if (rc == GW_ENOMEM)
		pol_diag_add(diags, 1, 1, false, "out of memory");
	if (rc == 0) {
		for (i = 0; i < ld->n_warn; i++)
			pol_diag_add(diags, ld->warn[i].line, ld->warn[i].col, true,
				 ld->warn[i].msg);
		*out = p;
	} else {
		gw_policy_free(p);
	}
	if (diags != NULL)
		diags_sort(diags);
	free(ld->rinfo);
	free(ld->sinfo);
	free(ld->nat_items);
	pol_loader_dns_free(ld);
	pol_arena_free(&ld->arena);
	free(ld);
	return rc;
}

int
gw_policy_load_string_opts(const char *buf, size_t len, const char *name,
			   struct gw_policy **out, struct gw_diags *diags,
			   const struct gw_policy_load_opts *opts)
{
	return pol_load(buf, len, name, NULL, opts, out, diags);
}

int
gw_policy_load_string(const char *buf, size_t len, const char *name,
		      struct gw_policy **out, struct gw_diags *diags)
{
	return pol_load(buf, len, name, NULL, NULL, out, diags);
}

int
gw_policy_load_file_opts(const char *path, struct gw_policy **out,
			 struct gw_diags *diags,
			 const struct gw_policy_load_opts *opts)
{
	struct stat st;
	size_t got = 0;
	char *buf = NULL, *dir = NULL, *slash;
	FILE *f;
	int fd, rc;

	if (out != NULL)
		*out = NULL;
	if (path == NULL || out == NULL) {
		diags_init(diags, path != NULL ? path : "");
		return GW_EINVAL;
	}
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
		diags_init(diags, path);
		pol_diag_add(diags, 0, 0, false, msg);
		if (f != NULL)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		return GW_EIO;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > POL_FILE_MAX) {
		diags_init(diags, path);
		pol_diag_add(diags, 0, 0, false, S_ISREG(st.st_mode) ?
			 "file larger than 256 MiB" : "not a regular file");
		fclose(f);
		return GW_ECONFIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fclose(f);
		diags_init(diags, path);
		pol_diag_add(diags, 0, 0, false, "out of memory");
		return GW_ENOMEM;
	}
	got = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		char msg[256];

		snprintf(msg, sizeof(msg), "read error: %s", strerror(errno));
		free(buf);
		fclose(f);
		diags_init(diags, path);
		pol_diag_add(diags, 0, 0, false, msg);
		return GW_EIO;
	}
	fclose(f);
	/* Paths in the file are relative to the file's folder. */
	slash = strrchr(path, '/');
	if (slash != NULL) {
		dir = strdup(path);
		if (dir == NULL) {
			free(buf);
			diags_init(diags, path);
			pol_diag_add(diags, 0, 0, false, "out of memory");
			return GW_ENOMEM;
		}
		dir[slash == path ? 1 : (size_t)(slash - path)] = '\0';
	}
	rc = pol_load(buf, got, path, dir, opts, out, diags);
	free(dir);
	free(buf);
	return rc;
}

int
gw_policy_load_file(const char *path, struct gw_policy **out,
		    struct gw_diags *diags)
{
	return gw_policy_load_file_opts(path, out, diags, NULL);
}
