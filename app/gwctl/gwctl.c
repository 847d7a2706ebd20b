/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "ctl/gw_ctl.h"
#include "ctl/gw_stats.h"
#include "gwctl.h"

#ifndef GW_VERSION
#define GW_VERSION "unknown" /* set by app/gwctl/meson.build */
#endif

/*
 * gwctl is thin: each command sends one request built from ctl/gw_ctl.h
 * and prints the answer, as tables whose columns come from the stats
 * description tables (ctl/gw_stats.h) or as the daemon's JSON. A new
 * command is one entry in `commands` below.
 */

#define OPT_ALL 0x1u /* the command accepts --all */

struct gwctl {
	const char *socket;
	int timeout_ms;
	bool json;
	bool all;
	FILE *out;
	FILE *err;
};

struct gwctl_cmd {
	const char *name;
	const char *args; /* the command's own arguments, for usage */
	const char *help;
	unsigned int opts;
	int (*fn)(struct gwctl *g, int argc, char **argv);
};

static int cmd_stats(struct gwctl *g, int argc, char **argv);
static int cmd_help(struct gwctl *g, int argc, char **argv);
static int cmd_version(struct gwctl *g, int argc, char **argv);

static const struct gwctl_cmd commands[] = {
	{"stats", "[--all]",
	 "port, worker, flow and drop counters (--all: every drop reason)",
	 OPT_ALL, cmd_stats},
	{"help", "[COMMAND]", "this help, or the help of one command", 0,
	 cmd_help},
	{"version", "", "gwctl's version and the daemon's", 0, cmd_version},
};

static const struct gwctl_cmd *
find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

static void
usage(FILE *f)
{
	size_t w = 0;
	size_t i;

	fprintf(f, "Usage: gwctl [--socket PATH] [--json] [--timeout MS] COMMAND [ARGS]\n"
		   "\nCommands:\n");
	for (i = 0; i < GW_ARRAY_SIZE(commands); i++)
		w = GW_MAX(w, strlen(commands[i].name) + 1 +
				      strlen(commands[i].args));
	for (i = 0; i < GW_ARRAY_SIZE(commands); i++) {
		char left[64];

		snprintf(left, sizeof(left), "%s %s", commands[i].name,
			 commands[i].args);
		fprintf(f, "  %-*s  %s\n", (int)w, left, commands[i].help);
	}
	fprintf(f, "\nOptions:\n"
		   "  -s, --socket PATH  control socket (default $%s, else %s)\n"
		   "  -j, --json         print the daemon's answer as JSON\n"
		   "  -t, --timeout MS   give up after MS milliseconds (default %d)\n"
		   "  -h, --help         this help\n"
		   "  -V, --version      same as the version command\n",
		GW_CTL_SOCKET_ENV, GW_CTL_SOCKET_DEFAULT,
		GW_CTL_TIMEOUT_DEFAULT_MS);
}

/* fmt has one %s for arg (escaped: it is whatever was typed), or none when arg is NULL. */
static int
usage_error(struct gwctl *g, const char *fmt, const char *arg)
{
	char esc[256];

	fprintf(g->err, "gwctl: ");
	if (arg != NULL) {
		gw_escape((const uint8_t *)arg, GW_MIN(strlen(arg), 60), esc,
			  sizeof(esc));
		fprintf(g->err, fmt, esc);
	} else {
		fputs(fmt, g->err);
	}
	fprintf(g->err, "\n");
	usage(g->err);
	return GWCTL_EXIT_USAGE;
}

/* ---- text helpers ---- */

/* "1,234,567" */
static char *
fmt_count(uint64_t v, char *buf, size_t size)
{
	char digits[24];
	size_t n = (size_t)snprintf(digits, sizeof(digits), "%llu",
				    (unsigned long long)v);
	size_t o = 0;
	size_t i;

	for (i = 0; i < n && o + 2 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* A number from the answer, "-" when absent or not a count. */
static char *
fmt_json_count(json_t *v, char *buf, size_t size)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	return fmt_count((uint64_t)json_integer_value(v), buf, size);
}

/* Strings from the daemon are printed escaped: they may carry any byte. */
static char *
fmt_json_str(json_t *v, char *buf, size_t size)
{
	const char *s = json_string_value(v);

	if (s == NULL) {
		snprintf(buf, size, "-");
		return buf;
	}
	gw_escape((const uint8_t *)s, strlen(s), buf, size);
	return buf;
}

static uint64_t
json_u64(json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) > 0 ?
		       (uint64_t)json_integer_value(v) : 0;
}

/* ---- tables ---- */

#define TABLE_MAX_COLS 32

struct table {
	size_t ncols;
	const char *head[TABLE_MAX_COLS];
	bool right[TABLE_MAX_COLS];
	size_t nrows;
	size_t cap;
	char **cells; /* nrows x ncols */
	bool oom;
};

static void
table_col(struct table *t, const char *head, bool right)
{
	if (t->ncols == TABLE_MAX_COLS)
		return;
	t->head[t->ncols] = head;
	t->right[t->ncols] = right;
	t->ncols++;
}

static void
table_row(struct table *t)
{
	size_t i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap == 0 ? 8 : t->cap * 2;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(*c));

		if (c == NULL) {
			t->oom = true;
			return;
		}
		t->cells = c;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = NULL;
	t->nrows++;
}

static void
table_set(struct table *t, size_t col, const char *s)
{
	char **cell;

	if (t->oom || t->nrows == 0 || col >= t->ncols)
		return;
	cell = &t->cells[(t->nrows - 1) * t->ncols + col];
	free(*cell);
	*cell = strdup(s);
	if (*cell == NULL)
		t->oom = true;
}

static void
table_print(const struct table *t, FILE *f)
{
	size_t w[TABLE_MAX_COLS];
	size_t r;
	size_t c;

	for (c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->head[c]);
		for (r = 0; r < t->nrows; r++) {
			const char *s = t->cells[r * t->ncols + c];

			if (s != NULL)
				w[c] = GW_MAX(w[c], strlen(s));
		}
	}
	for (r = 0; r <= t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = r == 0 ? t->head[c] :
						 t->cells[(r - 1) * t->ncols + c];
			bool last = c + 1 == t->ncols;

			if (s == NULL)
				s = "";
			if (t->right[c])
				fprintf(f, "%*s", (int)w[c], s);
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s", (int)w[c], s);
			fputs(last ? "\n" : "  ", f);
		}
	}
}

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* Prints and frees; false when memory ran out. */
static bool
table_done(struct table *t, FILE *f)
{
	bool ok = !t->oom;

	if (ok)
		table_print(t, f);
	table_free(t);
	return ok;
}

/* ---- stats ---- */

static void
print_uptime(FILE *f, uint64_t s)
{
	uint64_t d = s / 86400;

	if (d > 0)
		fprintf(f, "%llud ", (unsigned long long)d);
	fprintf(f, "%02u:%02u:%02u", (unsigned int)(s % 86400 / 3600),
		(unsigned int)(s % 3600 / 60), (unsigned int)(s % 60));
}

static void
print_summary(struct gwctl *g, json_t *d)
{
	json_t *pol = json_object_get(d, "policy");
	char a[512];
	char b[64];
	char c[64];
	char n[32];

	fprintf(g->out, "egressgw %s, up ",
		fmt_json_str(json_object_get(d, "version"), a, sizeof(a)));
	print_uptime(g->out, json_u64(json_object_get(d, "uptime_s")));
	fputc('\n', g->out);
	if (json_is_object(pol))
		fprintf(g->out, "policy: %s (version %s, loaded %s, %s roles)\n",
			fmt_json_str(json_object_get(pol, "source"), a, sizeof(a)),
			fmt_json_count(json_object_get(pol, "version"), n,
				       sizeof(n)),
			fmt_json_str(json_object_get(pol, "loaded_at"), b,
				     sizeof(b)),
			fmt_json_count(json_object_get(pol, "roles"), c,
				       sizeof(c)));
	else
		fprintf(g->out, "policy: none loaded\n");
}

/* One row per element of arr: leading id columns, then the described stats. */
static bool
print_stat_table(struct gwctl *g, const char *title, json_t *arr,
		 const char *const *keys, const bool *key_is_num, size_t nkeys,
		 const struct gw_stat_desc *desc, size_t ndesc)
{
	struct table t = {0};
	char buf[128];
	size_t i;
	size_t k;
	json_t *e;

	fprintf(g->out, "\n%s\n", title);
	for (k = 0; k < nkeys; k++)
		table_col(&t, keys[k], key_is_num[k]);
	for (k = 0; k < ndesc; k++)
		table_col(&t, desc[k].name, true);
	json_array_foreach(arr, i, e) {
		table_row(&t);
		for (k = 0; k < nkeys; k++) {
			json_t *v = json_object_get(e, keys[k]);

			table_set(&t, k,
				  key_is_num[k] ?
					  fmt_json_count(v, buf, sizeof(buf)) :
					  fmt_json_str(v, buf, sizeof(buf)));
		}
		for (k = 0; k < ndesc; k++)
			table_set(&t, nkeys + k,
				  fmt_json_count(json_object_get(e, desc[k].name),
						 buf, sizeof(buf)));
	}
	return table_done(&t, g->out);
}

/* The flow counters of every worker, summed (the stats whose unit is flows). */
static bool
print_flows(struct gwctl *g, json_t *workers)
{
	struct table t = {0};
	char buf[32];
	size_t k;

	fprintf(g->out, "\nFLOWS (all workers)\n");
	for (k = 0; k < GW_WORKER_STAT_MAX; k++) {
		if (strcmp(gw_worker_stats[k].unit, "flows") == 0)
			table_col(&t, gw_worker_stats[k].name, true);
	}
	table_row(&t);
	for (k = 0; k < t.ncols; k++) {
		uint64_t sum = 0;
		size_t i;
		json_t *e;

		json_array_foreach(workers, i, e)
			sum += json_u64(json_object_get(e, t.head[k]));
		table_set(&t, k, fmt_count(sum, buf, sizeof(buf)));
	}
	return table_done(&t, g->out);
}

static bool
print_drops(struct gwctl *g, json_t *d)
{
	json_t *drops = json_object_get(d, "drops");
	json_t *denied = json_object_get(d, "flows_denied_by_reason");
	struct table t = {0};
	const char *name;
	char buf[256];
	json_t *v;

	fprintf(g->out, "\nDROPS%s\n",
		g->all ? "" : " (non-zero reasons; --all lists every one)");
	table_col(&t, "reason", false);
	table_col(&t, "packets", true);
	table_col(&t, "flows_denied", true);
	table_col(&t, "description", false);
	json_object_foreach(drops, name, v) {
		json_t *f = json_object_get(denied, name);
		int r;

		if (!g->all && json_u64(v) == 0 && json_u64(f) == 0)
			continue;
		table_row(&t);
		gw_escape((const uint8_t *)name, strlen(name), buf, sizeof(buf));
		table_set(&t, 0, buf);
		table_set(&t, 1, fmt_json_count(v, buf, sizeof(buf)));
		table_set(&t, 2, fmt_json_count(f, buf, sizeof(buf)));
		r = gw_reason_from_name(name);
		table_set(&t, 3, r >= 0 ? gw_reason_desc((unsigned int)r) : "");
	}
	if (t.nrows == 0 && !t.oom) {
		table_free(&t);
		fprintf(g->out, "none\n");
		return true;
	}
	return table_done(&t, g->out);
}

static void
print_totals(struct gwctl *g, json_t *d)
{
	json_t *tot = json_object_get(d, "totals");
	const char *name;
	const char *sep = "";
	char buf[32];
	json_t *v;

	fprintf(g->out, "\nTOTALS\n");
	json_object_foreach(tot, name, v) {
		fprintf(g->out, "%s%s %s", sep, name,
			fmt_json_count(v, buf, sizeof(buf)));
		sep = "  ";
	}
	fputc('\n', g->out);
}

static int
print_stats(struct gwctl *g, json_t *d)
{
	static const char *const port_keys[] = {"id", "name"};
	static const bool port_num[] = {true, false};
	static const char *const worker_keys[] = {"id", "lcore"};
	static const bool worker_num[] = {true, true};
	bool ok = true;

	print_summary(g, d);
	ok &= print_stat_table(g, "PORTS", json_object_get(d, "ports"),
			       port_keys, port_num, 2, gw_port_stats,
			       GW_PORT_STAT_MAX);
	ok &= print_stat_table(g, "WORKERS", json_object_get(d, "workers"),
			       worker_keys, worker_num, 2, gw_worker_stats,
			       GW_WORKER_STAT_MAX);
	ok &= print_flows(g, json_object_get(d, "workers"));
	ok &= print_drops(g, d);
	print_totals(g, d);
	if (!ok) {
		fprintf(g->err, "gwctl: out of memory\n");
		return GWCTL_EXIT_FAIL;
	}
	return GWCTL_EXIT_OK;
}

/* Sends cmd; prints the daemon's error and returns NULL on failure. */
static json_t *
call(struct gwctl *g, const char *cmd, json_t *args)
{
	char err[512];
	json_t *data = NULL;

	if (gw_ctl_call(g->socket, cmd, args, g->timeout_ms, &data, err,
			sizeof(err)) != 0) {
		fprintf(g->err, "gwctl: %s: %s\n", cmd, err);
		return NULL;
	}
	return data;
}

static int
print_json(struct gwctl *g, json_t *data)
{
	if (json_dumpf(data, g->out, JSON_INDENT(2)) != 0 ||
	    fputc('\n', g->out) == EOF) {
		fprintf(g->err, "gwctl: cannot write the answer\n");
		return GWCTL_EXIT_FAIL;
	}
	return GWCTL_EXIT_OK;
}

static int
cmd_stats(struct gwctl *g, int argc, char **argv)
{
	json_t *data;
	int rc;

	if (argc > 0)
		return usage_error(g, "stats takes no arguments (got '%s')",
				   argv[0]);
	data = call(g, GW_CTL_CMD_STATS, NULL);
	if (data == NULL)
		return GWCTL_EXIT_FAIL;
	rc = g->json ? print_json(g, data) : print_stats(g, data);
	json_decref(data);
	return rc;
}

static int
cmd_help(struct gwctl *g, int argc, char **argv)
{
	const struct gwctl_cmd *c;

	if (argc == 0) {
		usage(g->out);
		return GWCTL_EXIT_OK;
	}
	c = find_cmd(argv[0]);
	if (c == NULL || argc > 1)
		return usage_error(g, "help: unknown command '%s'", argv[0]);
	fprintf(g->out, "Usage: gwctl [OPTIONS] %s %s\n  %s\n", c->name,
		c->args, c->help);
	return GWCTL_EXIT_OK;
}

static int
cmd_version(struct gwctl *g, int argc, char **argv)
{
	char err[512];
	char buf[128];
	json_t *data = NULL;

	if (argc > 0)
		return usage_error(g, "version takes no arguments (got '%s')",
				   argv[0]);
	fprintf(g->out, "gwctl %s\n", GW_VERSION);
	/* The daemon's version is part of its stats. */
	if (gw_ctl_call(g->socket, GW_CTL_CMD_STATS, NULL, g->timeout_ms,
			&data, err, sizeof(err)) != 0) {
		fprintf(g->out, "egressgw: unknown (%s)\n", err);
		return GWCTL_EXIT_OK;
	}
	fprintf(g->out, "egressgw %s (%s)\n",
		fmt_json_str(json_object_get(data, "version"), buf, sizeof(buf)),
		g->socket);
	json_decref(data);
	return GWCTL_EXIT_OK;
}

/* ---- command line ---- */

/* Value of an option: "--opt=V" or the next argument. */
static const char *
opt_value(int argc, char **argv, int *i, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (arg[1] == '-' && eq != NULL)
		return eq + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static bool
opt_is(const char *arg, const char *s, const char *l)
{
	size_t n = strlen(l);

	return strcmp(arg, s) == 0 ||
	       (strncmp(arg, l, n) == 0 && (arg[n] == '\0' || arg[n] == '='));
}

int
gwctl_main(int argc, char **argv, const char *env_socket, FILE *out, FILE *err)
{
	struct gwctl g = {
		.socket = env_socket != NULL && env_socket[0] != '\0' ?
				  env_socket : GW_CTL_SOCKET_DEFAULT,
		.timeout_ms = GW_CTL_TIMEOUT_DEFAULT_MS,
		.out = out,
		.err = err,
	};
	const struct gwctl_cmd *cmd = NULL;
	const char *cmd_name = NULL;
	char **pos;
	int npos = 0;
	bool only_pos = false;
	int rc;
	int i;

	pos = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*pos));
	if (pos == NULL) {
		fprintf(err, "gwctl: out of memory\n");
		return GWCTL_EXIT_FAIL;
	}
	/* Options may come before or after the command. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v;

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (cmd_name == NULL)
				cmd_name = a;
			else
				pos[npos++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = true;
		} else if (opt_is(a, "-s", "--socket")) {
			v = opt_value(argc, argv, &i, a);
			if (v == NULL || v[0] == '\0') {
				rc = usage_error(&g, "%s needs a path", a);
				goto out;
			}
			g.socket = v;
		} else if (opt_is(a, "-t", "--timeout")) {
			char *end;
			long ms;

			v = opt_value(argc, argv, &i, a);
			if (v == NULL) {
				rc = usage_error(&g, "%s needs milliseconds", a);
				goto out;
			}
			errno = 0;
			ms = strtol(v, &end, 10);
			if (errno != 0 || end == v || *end != '\0' || ms < 1 ||
			    ms > 3600000) {
				rc = usage_error(&g,
						 "bad timeout '%s' (1..3600000 ms)",
						 v);
				goto out;
			}
			g.timeout_ms = (int)ms;
		} else if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0) {
			g.json = true;
		} else if (strcmp(a, "-a") == 0 || strcmp(a, "--all") == 0) {
			g.all = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			cmd_name = "help";
			npos = 0;
			break;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			cmd_name = "version";
			npos = 0;
			break;
		} else {
			rc = usage_error(&g, "unknown option '%s'", a);
			goto out;
		}
	}
	if (cmd_name == NULL) {
		rc = usage_error(&g, "no command given", NULL);
		goto out;
	}
	cmd = find_cmd(cmd_name);
	if (cmd == NULL) {
		rc = usage_error(&g, "unknown command '%s'", cmd_name);
		goto out;
	}
	if (g.all && (cmd->opts & OPT_ALL) == 0) {
		rc = usage_error(&g, "--all does not apply to '%s'", cmd->name);
		goto out;
	}
	rc = cmd->fn(&g, npos, pos);
out:
	free(pos);
	return rc;
}
