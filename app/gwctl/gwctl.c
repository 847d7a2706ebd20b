/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/gw_addr.h"
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

/* Command options: the bit says which commands accept them. */
#define OPTS_MAP(X)                                                            \
	X(ALL, "-a", "--all", false)                                           \
	X(ROLE, NULL, "--role", true)                                          \
	X(HOST, NULL, "--host", true)                                          \
	X(DENIED, NULL, "--denied", false)                                     \
	X(LIMIT, "-n", "--limit", true)                                        \
	X(WINDOW, NULL, "--window", true)                                      \
	X(DRY_RUN, NULL, "--dry-run", false)                                   \
	X(REASON, NULL, "--reason", true)                                      \
	X(FOLLOW, "-f", "--follow", false)                                     \
	X(TYPE, NULL, "--type", true)

enum opt_id {
#define OPT_ENUM(sym, s, l, v) OPTI_##sym,
	OPTS_MAP(OPT_ENUM)
#undef OPT_ENUM
	OPTI_MAX
};

#define OPT_BIT(sym) (1u << OPTI_##sym)
#define OPT_ALL OPT_BIT(ALL)

static const struct {
	const char *s;
	const char *l;
	bool value;
} opt_table[OPTI_MAX] = {
#define OPT_DESC(sym, sh, lo, v) {sh, lo, v},
	OPTS_MAP(OPT_DESC)
#undef OPT_DESC
};

/* Limits of the arguments (docs/gwctl.md). */
#define LIMIT_MAX 10000
#define FLOWS_LIMIT_DEFAULT 50
#define TOP_LIMIT_DEFAULT 10
#define QUARANTINE_REASON_MAX 128
#define NAME_ARG_MAX 253

struct gwctl {
	const char *socket;
	int timeout_ms;
	bool json;
	bool all;
	unsigned int given;         /* OPT_BIT()s seen on the command line */
	const char *val[OPTI_MAX];  /* their values (options with a value) */
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
static int cmd_flows(struct gwctl *g, int argc, char **argv);
static int cmd_top(struct gwctl *g, int argc, char **argv);
static int cmd_why(struct gwctl *g, int argc, char **argv);
static int cmd_check(struct gwctl *g, int argc, char **argv);
static int cmd_reload(struct gwctl *g, int argc, char **argv);
static int cmd_quarantine(struct gwctl *g, int argc, char **argv);
static int cmd_release(struct gwctl *g, int argc, char **argv);
static int cmd_events(struct gwctl *g, int argc, char **argv);
static int cmd_help(struct gwctl *g, int argc, char **argv);
static int cmd_version(struct gwctl *g, int argc, char **argv);

static const struct gwctl_cmd commands[] = {
	{"stats", "[--all]",
	 "port, worker, flow and drop counters (--all: every drop reason)",
	 OPT_ALL, cmd_stats},
	{"flows", "[--role R] [--host IP] [--denied] [--limit N]",
	 "active and recently ended flows, newest first (default limit 50)",
	 OPT_BIT(ROLE) | OPT_BIT(HOST) | OPT_BIT(DENIED) | OPT_BIT(LIMIT),
	 cmd_flows},
	{"top", "hosts|destinations [--role R] [--window 1m|1h|1d] [--limit N]",
	 "busiest sources or destinations by bytes (default 1m, 10 rows)",
	 OPT_BIT(ROLE) | OPT_BIT(WINDOW) | OPT_BIT(LIMIT), cmd_top},
	{"why", "SRC DST [DPORT]",
	 "the rule and reason that decided that flow, or would decide it now", 0,
	 cmd_why},
	{"check", "ROLE NAME [PORT]",
	 "would ROLE be allowed to reach NAME (a name or an address), and why",
	 0, cmd_check},
	{"reload", "[--dry-run]",
	 "reload the policy (--dry-run: only say what would change)",
	 OPT_BIT(DRY_RUN), cmd_reload},
	{"quarantine", "IP [--reason TEXT]",
	 "block all egress of a host and reset its active flows",
	 OPT_BIT(REASON), cmd_quarantine},
	{"release", "IP", "lift the quarantine of a host", 0, cmd_release},
	{"events", "--follow [--type TYPE]",
	 "print EVE events as they happen until interrupted",
	 OPT_BIT(FOLLOW) | OPT_BIT(TYPE), cmd_events},
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
		char left[96];

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

/* Sections the daemon adds when it has them (docs/gwctl.md, stats). */
static bool
print_rings(struct gwctl *g, json_t *rings)
{
	static const char *const keys[] = {"worker", "size", "used", "lost"};
	struct table t = {0};
	char buf[32];
	size_t i;
	size_t k;
	json_t *r;

	if (!json_is_array(rings))
		return true;
	fprintf(g->out, "\nRINGS\n");
	for (k = 0; k < GW_ARRAY_SIZE(keys); k++)
		table_col(&t, keys[k], true);
	json_array_foreach(rings, i, r) {
		table_row(&t);
		for (k = 0; k < GW_ARRAY_SIZE(keys); k++)
			table_set(&t, k, fmt_json_count(json_object_get(r, keys[k]),
							buf, sizeof(buf)));
	}
	return table_done(&t, g->out);
}

static bool
print_quarantine(struct gwctl *g, json_t *q)
{
	struct table t = {0};
	char buf[600];
	size_t i;
	json_t *e;

	if (!json_is_array(q))
		return true;
	fprintf(g->out, "\nQUARANTINE\n");
	if (json_array_size(q) == 0) {
		fprintf(g->out, "none\n");
		return true;
	}
	table_col(&t, "host", false);
	table_col(&t, "since", false);
	table_col(&t, "reason", false);
	json_array_foreach(q, i, e) {
		table_row(&t);
		table_set(&t, 0, fmt_json_str(json_object_get(e, "host"), buf,
					      sizeof(buf)));
		table_set(&t, 1, fmt_json_str(json_object_get(e, "since"), buf,
					      sizeof(buf)));
		table_set(&t, 2, fmt_json_str(json_object_get(e, "reason"), buf,
					      sizeof(buf)));
	}
	return table_done(&t, g->out);
}

static void
print_reload_section(struct gwctl *g, json_t *r)
{
	char res[32];
	char when[64];
	char ver[32];
	char buf[1100];

	if (!json_is_object(r))
		return;
	fprintf(g->out, "\nRELOAD\n");
	fprintf(g->out, "last: %s at %s, %llu ms, version %s\n",
		fmt_json_str(json_object_get(r, "result"), res, sizeof(res)),
		fmt_json_str(json_object_get(r, "time"), when, sizeof(when)),
		(unsigned long long)json_u64(json_object_get(r, "duration_ms")),
		fmt_json_count(json_object_get(r, "version"), ver, sizeof(ver)));
	if (json_is_string(json_object_get(r, "error")))
		fprintf(g->out, "error: %s\n",
			fmt_json_str(json_object_get(r, "error"), buf,
				     sizeof(buf)));
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
	ok &= print_rings(g, json_object_get(d, "rings"));
	ok &= print_quarantine(g, json_object_get(d, "quarantine"));
	print_reload_section(g, json_object_get(d, "reload"));
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

/* ---- argument checks (exit 2 with a clear message) ---- */

static bool
parse_ulong(const char *s, unsigned long lo, unsigned long hi,
	    unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Printable ASCII without spaces, 1..max bytes (roles, names, types). */
static bool
is_word(const char *s, size_t max)
{
	size_t n = strlen(s);
	size_t i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	}
	return true;
}

/* Adds "key": IP (checked) to args; false after a usage error. */
static bool
arg_ip(struct gwctl *g, json_t *args, const char *key, const char *s,
       int *rc)
{
	struct gw_addr a;
	char buf[GW_ADDR_STRLEN];

	if (gw_addr_parse(s, &a) != 0) {
		*rc = usage_error(g, "bad IP address '%s'", s);
		return false;
	}
	/* The canonical text: what the daemon parses is what was checked. */
	json_object_set_new(args, key, json_string(gw_addr_to_str(&a, buf,
								  sizeof(buf))));
	return true;
}

static bool
arg_port(struct gwctl *g, json_t *args, const char *key, const char *s,
	 int *rc)
{
	unsigned long v;

	if (!parse_ulong(s, 1, 65535, &v)) {
		*rc = usage_error(g, "bad port '%s' (1..65535)", s);
		return false;
	}
	json_object_set_new(args, key, json_integer((json_int_t)v));
	return true;
}

static bool
arg_role(struct gwctl *g, json_t *args, int *rc)
{
	const char *r = g->val[OPTI_ROLE];

	if ((g->given & OPT_BIT(ROLE)) == 0)
		return true;
	if (!is_word(r, 63)) {
		*rc = usage_error(g, "bad role '%s' (1..63 printable characters)",
				  r);
		return false;
	}
	json_object_set_new(args, "role", json_string(r));
	return true;
}

static bool
arg_limit(struct gwctl *g, json_t *args, unsigned long def, int *rc)
{
	unsigned long v = def;

	if ((g->given & OPT_BIT(LIMIT)) != 0 &&
	    !parse_ulong(g->val[OPTI_LIMIT], 1, LIMIT_MAX, &v)) {
		*rc = usage_error(g, "limit '%s' out of range (1..10000)",
				  g->val[OPTI_LIMIT]);
		return false;
	}
	json_object_set_new(args, "limit", json_integer((json_int_t)v));
	return true;
}

/* Calls cmd with args (taken) and prints the answer with render, or as JSON. */
static int
run(struct gwctl *g, const char *cmd, json_t *args,
    int (*render)(struct gwctl *g, json_t *data))
{
	json_t *data;
	int rc;

	if (args == NULL) {
		fprintf(g->err, "gwctl: out of memory\n");
		return GWCTL_EXIT_FAIL;
	}
	data = call(g, cmd, args);
	json_decref(args);
	if (data == NULL)
		return GWCTL_EXIT_FAIL;
	rc = g->json ? print_json(g, data) : render(g, data);
	json_decref(data);
	return rc;
}

/* ---- shared rendering ---- */

/* "10.1.2.3:51514" (brackets for IPv6), or the address alone without a port. */
static char *
fmt_endpoint(json_t *ip, json_t *port, char *buf, size_t size)
{
	char a[128];
	const char *s = fmt_json_str(ip, a, sizeof(a));

	if (json_integer_value(port) <= 0)
		snprintf(buf, size, "%s", s);
	else if (strchr(s, ':') != NULL)
		snprintf(buf, size, "[%s]:%lld", s,
			 (long long)json_integer_value(port));
	else
		snprintf(buf, size, "%s:%lld", s,
			 (long long)json_integer_value(port));
	return buf;
}

/* "1,234/56" for a pair of directions. */
static char *
fmt_pair(json_t *a, json_t *b, char *buf, size_t size)
{
	char x[32];
	char y[32];

	snprintf(buf, size, "%s/%s", fmt_json_count(a, x, sizeof(x)),
		 fmt_json_count(b, y, sizeof(y)));
	return buf;
}

static const char *const flow_cols[] = {
	"state", "role", "vlan", "proto", "src", "dest", "name", "verdict",
	"reason", "rule", "pkts", "bytes", "age",
};
static const bool flow_col_right[] = {
	false, false, true, false, false, false, false, false,
	false, false, true, true, true,
};

static void
flow_row(struct table *t, json_t *f)
{
	char buf[1100];
	char age[32];

	table_row(t);
	table_set(t, 0, fmt_json_str(json_object_get(f, "state"), buf, sizeof(buf)));
	table_set(t, 1, fmt_json_str(json_object_get(f, "role"), buf, sizeof(buf)));
	table_set(t, 2, fmt_json_count(json_object_get(f, "vlan"), buf, sizeof(buf)));
	table_set(t, 3, fmt_json_str(json_object_get(f, "proto"), buf, sizeof(buf)));
	table_set(t, 4, fmt_endpoint(json_object_get(f, "src_ip"),
				     json_object_get(f, "src_port"), buf,
				     sizeof(buf)));
	table_set(t, 5, fmt_endpoint(json_object_get(f, "dest_ip"),
				     json_object_get(f, "dest_port"), buf,
				     sizeof(buf)));
	table_set(t, 6, fmt_json_str(json_object_get(f, "name"), buf, sizeof(buf)));
	table_set(t, 7, fmt_json_str(json_object_get(f, "verdict"), buf, sizeof(buf)));
	table_set(t, 8, fmt_json_str(json_object_get(f, "reason"), buf, sizeof(buf)));
	table_set(t, 9, fmt_json_str(json_object_get(f, "rule"), buf, sizeof(buf)));
	table_set(t, 10, fmt_pair(json_object_get(f, "pkts_toserver"),
				  json_object_get(f, "pkts_toclient"), buf,
				  sizeof(buf)));
	table_set(t, 11, fmt_pair(json_object_get(f, "bytes_toserver"),
				  json_object_get(f, "bytes_toclient"), buf,
				  sizeof(buf)));
	snprintf(age, sizeof(age), "%llus",
		 (unsigned long long)json_u64(json_object_get(f, "age_s")));
	table_set(t, 12, age);
}

static bool
flow_table(struct gwctl *g, json_t *flows)
{
	struct table t = {0};
	size_t i;
	json_t *f;

	for (i = 0; i < GW_ARRAY_SIZE(flow_cols); i++)
		table_col(&t, flow_cols[i], flow_col_right[i]);
	json_array_foreach(flows, i, f)
		flow_row(&t, f);
	return table_done(&t, g->out);
}

/* The reason name with its description, "-" when there is none. */
static void
print_reason(struct gwctl *g, json_t *reason)
{
	char buf[256];
	int r;

	fmt_json_str(reason, buf, sizeof(buf));
	r = json_is_string(reason) ? gw_reason_from_name(json_string_value(reason))
				   : -1;
	if (r >= 0)
		fprintf(g->out, "reason:   %s (%s)\n", buf,
			gw_reason_desc((unsigned int)r));
	else
		fprintf(g->out, "reason:   %s\n", buf);
}

static void
print_decision(struct gwctl *g, json_t *d)
{
	char buf[1100];
	char kind[64];

	fprintf(g->out, "verdict:  %s\n",
		fmt_json_str(json_object_get(d, "verdict"), buf, sizeof(buf)));
	print_reason(g, json_object_get(d, "reason"));
	fprintf(g->out, "rule:     %s",
		fmt_json_str(json_object_get(d, "rule"), buf, sizeof(buf)));
	if (json_is_string(json_object_get(d, "rule_kind")))
		fprintf(g->out, " (%s)",
			fmt_json_str(json_object_get(d, "rule_kind"), kind,
				     sizeof(kind)));
	fputc('\n', g->out);
	fprintf(g->out, "role:     %s\n",
		fmt_json_str(json_object_get(d, "role"), buf, sizeof(buf)));
	if (json_is_string(json_object_get(d, "text")))
		fprintf(g->out, "why:      %s\n",
			fmt_json_str(json_object_get(d, "text"), buf,
				     sizeof(buf)));
}

/* ---- flows ---- */

static int
render_flows(struct gwctl *g, json_t *d)
{
	json_t *flows = json_object_get(d, "flows");
	size_t n = json_array_size(flows);
	uint64_t total = json_u64(json_object_get(d, "total"));

	if (n == 0) {
		fprintf(g->out, "no flows\n");
		return GWCTL_EXIT_OK;
	}
	if (!flow_table(g, flows)) {
		fprintf(g->err, "gwctl: out of memory\n");
		return GWCTL_EXIT_FAIL;
	}
	if (json_is_true(json_object_get(d, "truncated")))
		fprintf(g->out, "%zu of %llu flows (raise --limit for more)\n", n,
			(unsigned long long)total);
	else
		fprintf(g->out, "%zu flow%s\n", n, n == 1 ? "" : "s");
	return GWCTL_EXIT_OK;
}

static int
cmd_flows(struct gwctl *g, int argc, char **argv)
{
	json_t *args;
	int rc = GWCTL_EXIT_OK;

	if (argc > 0)
		return usage_error(g, "flows takes no arguments (got '%s')",
				   argv[0]);
	args = json_object();
	if (args == NULL)
		return run(g, GW_CTL_CMD_FLOWS, NULL, render_flows);
	if (!arg_role(g, args, &rc) ||
	    ((g->given & OPT_BIT(HOST)) != 0 &&
	     !arg_ip(g, args, "host", g->val[OPTI_HOST], &rc)) ||
	    !arg_limit(g, args, FLOWS_LIMIT_DEFAULT, &rc)) {
		json_decref(args);
		return rc;
	}
	json_object_set_new(args, "denied",
			    json_boolean((g->given & OPT_BIT(DENIED)) != 0));
	return run(g, GW_CTL_CMD_FLOWS, args, render_flows);
}

/* ---- top ---- */

static int
render_top(struct gwctl *g, json_t *d)
{
	static const char *const cols[] = {
		"bytes_toserver", "bytes_toclient", "pkts_toserver",
		"pkts_toclient",
	};
	const char *kind = json_string_value(json_object_get(d, "kind"));
	json_t *rows = json_object_get(d, "rows");
	struct table t = {0};
	char buf[1100];
	char w[32];
	size_t i;
	size_t k;
	json_t *r;

	fprintf(g->out, "TOP %s (last %s",
		kind != NULL && strcmp(kind, "destinations") == 0 ?
			"DESTINATIONS" : "HOSTS",
		fmt_json_str(json_object_get(d, "window"), w, sizeof(w)));
	if (json_is_string(json_object_get(d, "role")))
		fprintf(g->out, ", role %s",
			fmt_json_str(json_object_get(d, "role"), buf,
				     sizeof(buf)));
	fprintf(g->out, ")\n");
	if (json_array_size(rows) == 0) {
		fprintf(g->out, "none\n");
	} else {
		table_col(&t, kind != NULL && strcmp(kind, "destinations") == 0 ?
				      "destination" : "host", false);
		table_col(&t, "role", false);
		for (k = 0; k < GW_ARRAY_SIZE(cols); k++)
			table_col(&t, cols[k], true);
		json_array_foreach(rows, i, r) {
			table_row(&t);
			table_set(&t, 0, fmt_json_str(json_object_get(r, "key"),
						      buf, sizeof(buf)));
			table_set(&t, 1, fmt_json_str(json_object_get(r, "role"),
						      buf, sizeof(buf)));
			for (k = 0; k < GW_ARRAY_SIZE(cols); k++)
				table_set(&t, k + 2,
					  fmt_json_count(json_object_get(r, cols[k]),
							 buf, sizeof(buf)));
		}
		if (!table_done(&t, g->out)) {
			fprintf(g->err, "gwctl: out of memory\n");
			return GWCTL_EXIT_FAIL;
		}
	}
	if (json_is_true(json_object_get(d, "partial")))
		fprintf(g->out, "partial: the daemon's metrics evicted entries (monitoring.max_*); sums are lower bounds\n");
	return GWCTL_EXIT_OK;
}

static int
cmd_top(struct gwctl *g, int argc, char **argv)
{
	const char *win = (g->given & OPT_BIT(WINDOW)) != 0 ? g->val[OPTI_WINDOW]
							    : "1m";
	json_t *args;
	int rc = GWCTL_EXIT_OK;

	if (argc == 0)
		return usage_error(g, "top needs 'hosts' or 'destinations'", NULL);
	if (strcmp(argv[0], "hosts") != 0 && strcmp(argv[0], "destinations") != 0)
		return usage_error(g, "top: unknown kind '%s' (hosts or destinations)",
				   argv[0]);
	if (argc > 1)
		return usage_error(g, "top: extra argument '%s'", argv[1]);
	if (strcmp(win, "1m") != 0 && strcmp(win, "1h") != 0 &&
	    strcmp(win, "1d") != 0)
		return usage_error(g, "bad window '%s' (1m, 1h or 1d)", win);
	args = json_pack("{s:s,s:s}", "kind", argv[0], "window", win);
	if (args == NULL)
		return run(g, GW_CTL_CMD_TOP, NULL, render_top);
	if (!arg_role(g, args, &rc) ||
	    !arg_limit(g, args, TOP_LIMIT_DEFAULT, &rc)) {
		json_decref(args);
		return rc;
	}
	return run(g, GW_CTL_CMD_TOP, args, render_top);
}

/* ---- why / check ---- */

static int
render_why(struct gwctl *g, json_t *d)
{
	json_t *f = json_object_get(d, "flow");
	const char *src = json_string_value(json_object_get(d, "source"));
	char a[160];
	char b[160];
	char buf[1100];

	if (src != NULL && strcmp(src, "flow") == 0 && json_is_object(f)) {
		fprintf(g->out, "source:   flow (%s)\n",
			fmt_json_str(json_object_get(f, "state"), buf,
				     sizeof(buf)));
		fprintf(g->out, "flow:     %s -> %s %s vlan %lld",
			fmt_endpoint(json_object_get(f, "src_ip"),
				     json_object_get(f, "src_port"), a, sizeof(a)),
			fmt_endpoint(json_object_get(f, "dest_ip"),
				     json_object_get(f, "dest_port"), b, sizeof(b)),
			fmt_json_str(json_object_get(f, "proto"), buf, sizeof(buf)),
			(long long)json_integer_value(json_object_get(f, "vlan")));
		if (json_is_string(json_object_get(f, "name")))
			fprintf(g->out, " name %s",
				fmt_json_str(json_object_get(f, "name"), buf,
					     sizeof(buf)));
		fputc('\n', g->out);
	} else {
		fprintf(g->out, "source:   policy (no such flow seen; what the current policy would decide)\n");
	}
	print_decision(g, json_object_get(d, "decision"));
	return GWCTL_EXIT_OK;
}

static int
cmd_why(struct gwctl *g, int argc, char **argv)
{
	json_t *args;
	int rc = GWCTL_EXIT_OK;

	if (argc < 2)
		return usage_error(g, "why needs SRC and DST addresses", NULL);
	if (argc > 3)
		return usage_error(g, "why: extra argument '%s'", argv[3]);
	args = json_object();
	if (args == NULL)
		return run(g, GW_CTL_CMD_WHY, NULL, render_why);
	if (!arg_ip(g, args, "src", argv[0], &rc) ||
	    !arg_ip(g, args, "dst", argv[1], &rc) ||
	    (argc == 3 && !arg_port(g, args, "dport", argv[2], &rc))) {
		json_decref(args);
		return rc;
	}
	return run(g, GW_CTL_CMD_WHY, args, render_why);
}

static int
render_decision(struct gwctl *g, json_t *d)
{
	print_decision(g, d);
	return GWCTL_EXIT_OK;
}

static int
cmd_check(struct gwctl *g, int argc, char **argv)
{
	json_t *args;
	int rc = GWCTL_EXIT_OK;

	if (argc < 2)
		return usage_error(g, "check needs ROLE and NAME", NULL);
	if (argc > 3)
		return usage_error(g, "check: extra argument '%s'", argv[3]);
	if (!is_word(argv[0], 63))
		return usage_error(g, "bad role '%s' (1..63 printable characters)",
				   argv[0]);
	if (!is_word(argv[1], NAME_ARG_MAX))
		return usage_error(g, "bad name '%s' (1..253 printable characters)",
				   argv[1]);
	args = json_pack("{s:s,s:s}", "role", argv[0], "name", argv[1]);
	if (args == NULL)
		return run(g, GW_CTL_CMD_CHECK, NULL, render_decision);
	if (argc == 3 && !arg_port(g, args, "port", argv[2], &rc)) {
		json_decref(args);
		return rc;
	}
	return run(g, GW_CTL_CMD_CHECK, args, render_decision);
}

/* ---- reload ---- */

static void
print_names(struct gwctl *g, const char *label, json_t *arr)
{
	char buf[256];
	size_t i;
	json_t *v;

	fprintf(g->out, "%s", label);
	if (json_array_size(arr) == 0)
		fprintf(g->out, " -");
	json_array_foreach(arr, i, v) {
		if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
		else
			fmt_json_str(v, buf, sizeof(buf));
		fprintf(g->out, "%s%s", i == 0 ? " " : ", ", buf);
	}
	fputc('\n', g->out);
}

/* Every non-empty array member of o (but skip), one line each. */
static void
print_changes(struct gwctl *g, const char *indent, json_t *o, const char *skip)
{
	char label[96];
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		if ((skip != NULL && strcmp(k, skip) == 0) || !json_is_array(v) ||
		    json_array_size(v) == 0)
			continue;
		snprintf(label, sizeof(label), "%s%s:", indent, k);
		print_names(g, label, v);
	}
}

/* The policy diff of a reload (lib/policy gw_policy_diff). */
static void
print_diff(struct gwctl *g, json_t *diff)
{
	json_t *roles = json_object_get(diff, "roles"), *c, *sig;
	char buf[256];
	size_t i;

	if (json_is_true(json_object_get(diff, "identical"))) {
		fprintf(g->out, "policy: no change\n");
		return;
	}
	print_names(g, "roles added:  ", json_object_get(roles, "added"));
	print_names(g, "roles removed:", json_object_get(roles, "removed"));
	json_array_foreach(json_object_get(roles, "changed"), i, c) {
		fprintf(g->out, "role %s changed:\n",
			fmt_json_str(json_object_get(c, "role"), buf, sizeof(buf)));
		print_changes(g, "  ", c, "role");
	}
	sig = json_object_get(diff, "signatures");
	print_changes(g, "signatures ", sig, NULL);
	print_changes(g, "dns ", json_object_get(diff, "dns"), NULL);
	if (json_array_size(json_object_get(diff, "gateway")) > 0)
		print_names(g, "settings:", json_object_get(diff, "gateway"));
	if (json_array_size(json_object_get(diff, "restart_required")) > 0)
		print_names(g, "restart required (not applied by a reload):",
			    json_object_get(diff, "restart_required"));
}

static int
render_reload(struct gwctl *g, json_t *d)
{
	bool ok = json_is_true(json_object_get(d, "ok"));
	bool dry = json_is_true(json_object_get(d, "dry_run"));
	json_t *diff = json_object_get(d, "diff");
	json_t *flipped = json_object_get(d, "flows_flipped");
	json_t *errors = json_object_get(d, "errors");
	char n[32];
	char buf[1100];
	size_t i;
	json_t *e;

	fmt_json_count(json_object_get(d, "version"), n, sizeof(n));
	if (!ok)
		fprintf(g->out, "%s: policy not valid, nothing changed\n",
			dry ? "dry run" : "reload failed");
	else if (dry)
		fprintf(g->out, "dry run: would load version %s (checked in %llu ms); nothing changed\n",
			n, (unsigned long long)json_u64(json_object_get(d, "duration_ms")));
	else
		fprintf(g->out, "reloaded: version %s in %llu ms\n", n,
			(unsigned long long)json_u64(json_object_get(d, "duration_ms")));
	if (json_is_object(diff))
		print_diff(g, diff);
	if (json_is_array(flipped)) {
		fprintf(g->out, "flows whose verdict %s: %zu\n",
			dry ? "would flip" : "flipped", json_array_size(flipped));
		if (json_array_size(flipped) > 0 && !flow_table(g, flipped)) {
			fprintf(g->err, "gwctl: out of memory\n");
			return GWCTL_EXIT_FAIL;
		}
	}
	json_array_foreach(errors, i, e)
		fprintf(g->err, "gwctl: reload: %s\n",
			fmt_json_str(e, buf, sizeof(buf)));
	return ok ? GWCTL_EXIT_OK : GWCTL_EXIT_FAIL;
}

static int
cmd_reload(struct gwctl *g, int argc, char **argv)
{
	if (argc > 0)
		return usage_error(g, "reload takes no arguments (got '%s')",
				   argv[0]);
	return run(g, GW_CTL_CMD_RELOAD,
		   json_pack("{s:b}", "dry_run",
			     (g->given & OPT_BIT(DRY_RUN)) != 0),
		   render_reload);
}

/* ---- quarantine / release ---- */

static int
render_quarantine(struct gwctl *g, json_t *d)
{
	char h[128];
	char r[600];
	char t[64];

	fprintf(g->out, "quarantined %s since %s (reason: %s); %llu active flows reset\n",
		fmt_json_str(json_object_get(d, "host"), h, sizeof(h)),
		fmt_json_str(json_object_get(d, "since"), t, sizeof(t)),
		fmt_json_str(json_object_get(d, "reason"), r, sizeof(r)),
		(unsigned long long)json_u64(json_object_get(d, "flows_reset")));
	return GWCTL_EXIT_OK;
}

static int
cmd_quarantine(struct gwctl *g, int argc, char **argv)
{
	const char *reason = g->val[OPTI_REASON];
	json_t *args;
	int rc = GWCTL_EXIT_OK;
	size_t i;

	if (argc != 1)
		return argc == 0 ?
			usage_error(g, "quarantine needs the host's IP address", NULL) :
			usage_error(g, "quarantine: extra argument '%s'", argv[1]);
	if ((g->given & OPT_BIT(REASON)) != 0) {
		bool ok = reason[0] != '\0' &&
			  strlen(reason) <= QUARANTINE_REASON_MAX;

		for (i = 0; ok && reason[i] != '\0'; i++)
			ok = (unsigned char)reason[i] >= ' ' && reason[i] != 0x7f;
		if (!ok)
			return usage_error(g, "bad reason '%s' (1..128 characters, no control characters)",
					   reason);
	}
	args = json_object();
	if (args == NULL)
		return run(g, GW_CTL_CMD_QUARANTINE, NULL, render_quarantine);
	if (!arg_ip(g, args, "host", argv[0], &rc)) {
		json_decref(args);
		return rc;
	}
	if ((g->given & OPT_BIT(REASON)) != 0 &&
	    json_object_set_new(args, "reason", json_string(reason)) != 0) {
		json_decref(args);
		return usage_error(g, "bad reason '%s' (not UTF-8)", reason);
	}
	return run(g, GW_CTL_CMD_QUARANTINE, args, render_quarantine);
}

static int
render_release(struct gwctl *g, json_t *d)
{
	char h[128];
	char t[64];

	fprintf(g->out, "released %s (quarantined since %s)\n",
		fmt_json_str(json_object_get(d, "host"), h, sizeof(h)),
		fmt_json_str(json_object_get(d, "since"), t, sizeof(t)));
	return GWCTL_EXIT_OK;
}

static int
cmd_release(struct gwctl *g, int argc, char **argv)
{
	json_t *args;
	int rc = GWCTL_EXIT_OK;

	if (argc != 1)
		return argc == 0 ?
			usage_error(g, "release needs the host's IP address", NULL) :
			usage_error(g, "release: extra argument '%s'", argv[1]);
	args = json_object();
	if (args == NULL)
		return run(g, GW_CTL_CMD_RELEASE, NULL, render_release);
	if (!arg_ip(g, args, "host", argv[0], &rc)) {
		json_decref(args);
		return rc;
	}
	return run(g, GW_CTL_CMD_RELEASE, args, render_release);
}

/* ---- events ---- */

static volatile int events_stop;

static void
on_sigint(int sig)
{
	(void)sig;
	events_stop = 1;
}

/* "2026-11-22T01:02:03.123456+0000 tls 10.1.2.3:51514 -> 192.0.2.10:443 api.example.com allow fqdn:3" */
static void
print_event_line(struct gwctl *g, const char *line, size_t len)
{
	json_t *e = json_loadb(line, len, 0, NULL);
	const char *type = json_string_value(json_object_get(e, "event_type"));
	json_t *gw = json_object_get(e, "gw");
	json_t *alert = json_object_get(e, "alert");
	json_t *name;
	char buf[1100];
	char a[160];
	char b[160];

	if (!json_is_object(e) || type == NULL) {
		gw_escape((const uint8_t *)line, len, buf, sizeof(buf));
		fprintf(g->out, "%s\n", buf);
		json_decref(e);
		return;
	}
	if (strcmp(type, "gwctl_lost") == 0) {
		fprintf(g->out, "-- %llu events lost (gwctl did not keep up) --\n",
			(unsigned long long)json_u64(json_object_get(e, "count")));
		json_decref(e);
		return;
	}
	fprintf(g->out, "%s %s %s -> %s",
		fmt_json_str(json_object_get(e, "timestamp"), buf, sizeof(buf)),
		type,
		fmt_endpoint(json_object_get(e, "src_ip"),
			     json_object_get(e, "src_port"), a, sizeof(a)),
		fmt_endpoint(json_object_get(e, "dest_ip"),
			     json_object_get(e, "dest_port"), b, sizeof(b)));
	name = json_object_get(json_object_get(e, "tls"), "sni");
	if (name == NULL)
		name = json_object_get(json_object_get(e, "http"), "hostname");
	if (name == NULL)
		name = json_object_get(json_object_get(e, "dns"), "rrname");
	if (json_is_string(name))
		fprintf(g->out, " %s", fmt_json_str(name, buf, sizeof(buf)));
	if (json_is_object(alert)) {
		fprintf(g->out, " %s \"%s\"",
			fmt_json_str(json_object_get(alert, "action"), a, sizeof(a)),
			fmt_json_str(json_object_get(alert, "signature"), buf,
				     sizeof(buf)));
	} else if (json_is_object(gw)) {
		fprintf(g->out, " %s",
			fmt_json_str(json_object_get(gw, "verdict"), buf,
				     sizeof(buf)));
		if (json_is_string(json_object_get(gw, "reason")))
			fprintf(g->out, " %s",
				fmt_json_str(json_object_get(gw, "reason"), buf,
					     sizeof(buf)));
		if (json_is_string(json_object_get(gw, "rule")))
			fprintf(g->out, " %s",
				fmt_json_str(json_object_get(gw, "rule"), buf,
					     sizeof(buf)));
	}
	fputc('\n', g->out);
	json_decref(e);
}

static int
on_event(const char *line, size_t len, void *arg)
{
	struct gwctl *g = arg;

	if (g->json) {
		fwrite(line, 1, len, g->out);
		fputc('\n', g->out);
	} else {
		print_event_line(g, line, len);
	}
	/* Lines are watched live: never sit in a buffer. */
	return fflush(g->out) == 0 ? 0 : 1;
}

static int
cmd_events(struct gwctl *g, int argc, char **argv)
{
	struct sigaction sa;
	struct sigaction old;
	char err[512];
	json_t *args;
	int rc;

	if (argc > 0)
		return usage_error(g, "events takes no arguments (got '%s')",
				   argv[0]);
	if ((g->given & OPT_BIT(FOLLOW)) == 0)
		return usage_error(g, "events needs --follow (past events are in the EVE log)",
				   NULL);
	if ((g->given & OPT_BIT(TYPE)) != 0) {
		const char *t = g->val[OPTI_TYPE];
		bool ok = t[0] != '\0' && strlen(t) <= GW_CTL_EVENT_TYPE_MAX;
		size_t i;

		for (i = 0; ok && t[i] != '\0'; i++)
			ok = (t[i] >= 'a' && t[i] <= 'z') || t[i] == '_' ||
			     (t[i] >= '0' && t[i] <= '9');
		if (!ok)
			return usage_error(g, "bad event type '%s' (e.g. alert, tls, http, drop, flow)",
					   t);
		args = json_pack("{s:b,s:s}", "follow", 1, "type", t);
	} else {
		args = json_pack("{s:b}", "follow", 1);
	}
	if (args == NULL) {
		fprintf(g->err, "gwctl: out of memory\n");
		return GWCTL_EXIT_FAIL;
	}
	events_stop = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	rc = gw_ctl_follow(g->socket, GW_CTL_CMD_EVENTS, args, g->timeout_ms,
			   on_event, g, &events_stop, err, sizeof(err));
	sigaction(SIGINT, &old, NULL);
	json_decref(args);
	if (rc != 0) {
		fprintf(g->err, "gwctl: events: %s\n", err);
		return GWCTL_EXIT_FAIL;
	}
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

/*
 * Index of a command option: "-x", "--long", or "--long=V" for those with
 * a value; -1 when arg is none of them.
 */
static int
find_opt(const char *arg)
{
	int o;

	for (o = 0; o < OPTI_MAX; o++) {
		size_t n = strlen(opt_table[o].l);

		if ((opt_table[o].s != NULL && strcmp(arg, opt_table[o].s) == 0) ||
		    strcmp(arg, opt_table[o].l) == 0 ||
		    (opt_table[o].value && strncmp(arg, opt_table[o].l, n) == 0 &&
		     arg[n] == '='))
			return o;
	}
	return -1;
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
	int o;
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
		} else if ((o = find_opt(a)) >= 0) {
			if (opt_table[o].value) {
				v = opt_value(argc, argv, &i, a);
				if (v == NULL) {
					rc = usage_error(&g, "%s needs a value",
							 opt_table[o].l);
					goto out;
				}
				g.val[o] = v;
			}
			g.given |= 1u << o;
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
	for (o = 0; o < OPTI_MAX; o++) {
		if ((g.given & (1u << o)) != 0 && (cmd->opts & (1u << o)) == 0) {
			fprintf(err, "gwctl: %s does not apply to '%s'\n",
				opt_table[o].l, cmd->name);
			usage(err);
			rc = GWCTL_EXIT_USAGE;
			goto out;
		}
	}
	g.all = (g.given & OPT_ALL) != 0;
	rc = cmd->fn(&g, npos, pos);
out:
	free(pos);
	return rc;
}
