/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gwctl run in-process (gwctl_main with its streams in memory) against a
 * control-socket server in a thread: the real command line, request,
 * answer and rendering, without a shell or a daemon.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../../app/gwctl/gwctl.h"
#include "common/gw_util.h"
#include "ctl_test_server.h"

struct run {
	int rc;
	char *out;
	char *err;
};

/* gwctl ARGS... (NULL-terminated), $EGRESSGW_SOCKET = env. */
static struct run
gwctl(const char *env, ...)
{
	char *argv[16];
	int argc = 0;
	size_t out_len = 0;
	size_t err_len = 0;
	struct run r = {0};
	FILE *out = open_memstream(&r.out, &out_len);
	FILE *err = open_memstream(&r.err, &err_len);
	va_list ap;
	const char *a;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	argv[argc++] = (char *)"gwctl";
	va_start(ap, env);
	while ((a = va_arg(ap, const char *)) != NULL) {
		ck_assert_int_lt(argc, 15);
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	argv[argc] = NULL;
	r.rc = gwctl_main(argc, argv, env, out, err);
	fclose(out);
	fclose(err);
	return r;
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void
assert_has(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) != NULL, "'%s' not in:\n%s", needle,
		      hay);
}

static void
assert_lacks(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) == NULL, "'%s' unexpectedly in:\n%s",
		      needle, hay);
}

START_TEST(test_stats_tables)
{
	struct test_server ts;
	struct run r;

	test_server_start(&ts);
	r = gwctl(NULL, "--socket", ts.path, "stats", NULL);
	ck_assert_msg(r.rc == GWCTL_EXIT_OK, "%s", r.err);
	ck_assert_str_eq(r.err, "");
	assert_has(r.out, "egressgw 0.1.0, up 2d 03:04:05\n");
	assert_has(r.out, "policy: /etc/egressgw/policy.yaml (version 7, loaded "
			  "2026-11-22T01:02:03.123456+0000, 3 roles)\n");
	/* Column widths follow the widest cell; numbers right-aligned. */
	assert_has(r.out,
		   "\nPORTS\n"
		   "id  name  rx_packets  tx_packets  rx_bytes  tx_bytes  rx_missed  rx_errors  tx_errors  rx_nombuf\n"
		   " 0  lan    1,234,567         999     3,000     4,000      5,000      6,000      7,000      8,000\n"
		   " 1  wan        1,000           1         2         3          4          5          6          7\n");
	assert_has(r.out,
		   "\nWORKERS\n"
		   "id  lcore  rx_packets  tx_packets  tx_dropped  flows_active  flows_created  flows_allowed  "
		   "flows_denied  flows_expired  pending_flows  held_packets  ring_lost  records_sent"
		   "  resets_sent  arp_passed  nd_passed\n"
		   " 0      1           1           2           3             4              5              6"
		   "             7              8              9            10         11            12"
		   "           13          14         15\n"
		   " 1      2          10          20          30            40             50             60"
		   "            70             80             90           100        110           120"
		   "          130         140        150\n");
	assert_has(r.out,
		   "\nFLOWS (all workers)\n"
		   "flows_active  flows_created  flows_allowed  flows_denied  flows_expired  pending_flows\n"
		   "          44             55             66            77             88             99\n");
	/* Only the non-zero reasons, with their description. */
	assert_has(r.out, "\nDROPS (non-zero reasons; --all lists every one)\n"
			  "reason              packets  flows_denied  description\n");
	assert_has(r.out, "fqdn_not_allowed         12             2  name not in the role's allow_fqdns\n");
	assert_has(r.out, "c2_signature              0             3  name matched a C2 signature\n");
	assert_has(r.out, "unknown_vlan      1,000,000             0  VLAN not mapped to any role\n");
	assert_lacks(r.out, "tx_full");
	assert_lacks(r.out, "unclassified");
	assert_has(r.out, "\nTOTALS\nrx_packets 1,235,567  tx_packets 1,000  drops 1,000,012"
			  "  flows_active 44  flows_created 55  ring_lost 121\n");
	run_free(&r);

	/* --all: every reason; options after the command work too. */
	r = gwctl(NULL, "stats", "--all", "-s", ts.path, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	assert_has(r.out, "\nDROPS\n");
	assert_has(r.out, "tx_full");
	assert_has(r.out, "unclassified");
	run_free(&r);
	test_server_stop(&ts);
}
END_TEST

/* In every row of the drops table, columns start where the header's do. */
START_TEST(test_drops_alignment)
{
	struct test_server ts;
	struct run r;
	const char *head;
	const char *line;
	size_t col_desc;
	size_t col_flows_end;
	size_t rows = 0;

	test_server_start(&ts);
	r = gwctl(NULL, "--socket", ts.path, "stats", "--all", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	head = strstr(r.out, "\nDROPS\n");
	ck_assert_ptr_nonnull(head);
	head += 7;
	col_desc = (size_t)(strstr(head, "description") - head);
	col_flows_end = (size_t)(strstr(head, "flows_denied") - head) + 12;
	for (line = strchr(head, '\n') + 1; *line != '\n';
	     line = strchr(line, '\n') + 1) {
		/* Text left-aligned at the header, numbers ending under it. */
		ck_assert_int_ne(line[col_desc], ' ');
		ck_assert_int_eq(line[col_desc - 1], ' ');
		ck_assert(line[col_flows_end - 1] >= '0' &&
			  line[col_flows_end - 1] <= '9');
		ck_assert_int_eq(line[col_flows_end], ' ');
		rows++;
	}
	ck_assert_uint_eq(rows, GW_REASON_MAX);
	run_free(&r);
	test_server_stop(&ts);
}
END_TEST

START_TEST(test_stats_json)
{
	struct test_server ts;
	struct gw_stats_snapshot snap;
	struct gw_stats_port ports[2];
	struct gw_stats_worker workers[2];
	json_error_t jerr;
	json_t *got;
	json_t *want;
	struct run r;

	test_server_start(&ts);
	r = gwctl(NULL, "--json", "--socket", ts.path, "stats", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	/* Pretty: indented, one key per line. */
	ck_assert_int_eq(strncmp(r.out, "{\n  \"version\": \"0.1.0\",\n", 24), 0);
	got = json_loads(r.out, 0, &jerr);
	ck_assert_msg(got != NULL, "%s", jerr.text);
	test_snapshot(&snap, ports, workers);
	want = gw_stats_to_json(&snap);
	ck_assert(json_equal(got, want));
	json_decref(got);
	json_decref(want);
	run_free(&r);
	test_server_stop(&ts);
}
END_TEST

/* $EGRESSGW_SOCKET is used, and --socket overrides it. */
START_TEST(test_socket_choice)
{
	struct test_server ts;
	struct run r;

	test_server_start(&ts);
	r = gwctl(ts.path, "-j", "stats", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	run_free(&r);
	r = gwctl(ts.path, "--socket=/nonexistent/gw.sock", "stats", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_FAIL);
	ck_assert_str_eq(r.err, "gwctl: stats: daemon not running (no socket at "
				"/nonexistent/gw.sock)\n");
	ck_assert_str_eq(r.out, "");
	run_free(&r);
	test_server_stop(&ts);
}
END_TEST

START_TEST(test_daemon_errors)
{
	struct test_server ts;
	char want[300];
	struct run r;

	test_server_start(&ts);
	ts.stats_fail = true;
	r = gwctl(NULL, "-s", ts.path, "stats", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_FAIL);
	ck_assert_str_eq(r.err, "gwctl: stats: stats are not available yet\n");
	ck_assert_str_eq(r.out, "");
	run_free(&r);
	test_server_stop(&ts);

	/* No daemon: the default socket path is named. */
	snprintf(want, sizeof(want), "%s/none.sock", ts.dir);
	r = gwctl(want, "stats", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_FAIL);
	assert_has(r.err, "daemon not running (no socket at ");
	assert_has(r.err, "none.sock)");
	run_free(&r);
}
END_TEST

START_TEST(test_usage_errors)
{
	static const struct {
		const char *a[4];
		const char *msg;
	} t[] = {
		{{"frob"}, "gwctl: unknown command 'frob'\n"},
		{{NULL}, "gwctl: no command given\n"},
		{{"--bogus", "stats"}, "gwctl: unknown option '--bogus'\n"},
		{{"stats", "extra"}, "gwctl: stats takes no arguments (got 'extra')\n"},
		{{"--all", "version"}, "gwctl: --all does not apply to 'version'\n"},
		{{"--timeout", "0", "stats"}, "gwctl: bad timeout '0' (1..3600000 ms)\n"},
		{{"--timeout", "12x", "stats"}, "gwctl: bad timeout '12x' (1..3600000 ms)\n"},
		{{"stats", "--timeout"}, "gwctl: --timeout needs milliseconds\n"},
		{{"stats", "--socket"}, "gwctl: --socket needs a path\n"},
		{{"help", "frob"}, "gwctl: help: unknown command 'frob'\n"},
		{{"fr\x1b[2Job"}, "gwctl: unknown command 'fr\\x1b[2Job'\n"},
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct run r = gwctl("/nonexistent.sock", t[i].a[0], t[i].a[1],
				     t[i].a[2], t[i].a[3], NULL);

		ck_assert_msg(r.rc == GWCTL_EXIT_USAGE, "case %zu: rc %d", i, r.rc);
		ck_assert_msg(strncmp(r.err, t[i].msg, strlen(t[i].msg)) == 0,
			      "case %zu: %s", i, r.err);
		/* Usage follows the message, on stderr only. */
		assert_has(r.err, "\nUsage: gwctl [--socket PATH] [--json] [--timeout MS] COMMAND [ARGS]\n");
		ck_assert_str_eq(r.out, "");
		run_free(&r);
	}
}
END_TEST

START_TEST(test_help_version)
{
	struct test_server ts;
	struct run r;
	char want[300];

	r = gwctl(NULL, "help", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	ck_assert_str_eq(r.err, "");
	assert_has(r.out, "Usage: gwctl");
	assert_has(r.out, "  stats [--all]   ");
	assert_has(r.out, "  version         ");
	assert_has(r.out, "/run/egressgw/egressgw.sock");
	run_free(&r);
	r = gwctl(NULL, "--help", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	assert_has(r.out, "Commands:");
	run_free(&r);
	r = gwctl(NULL, "help", "stats", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	ck_assert_str_eq(r.out, "Usage: gwctl [OPTIONS] stats [--all]\n"
				"  port, worker, flow and drop counters (--all: every drop reason)\n");
	run_free(&r);

	test_server_start(&ts);
	r = gwctl(ts.path, "version", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	snprintf(want, sizeof(want), "egressgw 0.1.0 (%s)\n", ts.path);
	ck_assert_int_eq(strncmp(r.out, "gwctl ", 6), 0);
	assert_has(r.out, want);
	run_free(&r);
	test_server_stop(&ts);
	/* Without a daemon, still gwctl's own version and why the other is missing. */
	r = gwctl("/nonexistent.sock", "-V", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	assert_has(r.out, "egressgw: unknown (daemon not running (no socket at "
			  "/nonexistent.sock))\n");
	run_free(&r);
}
END_TEST

static Suite *
gwctl_suite(void)
{
	Suite *s = suite_create("gwctl");
	TCase *tc = tcase_create("cli");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stats_tables);
	tcase_add_test(tc, test_drops_alignment);
	tcase_add_test(tc, test_stats_json);
	tcase_add_test(tc, test_socket_choice);
	tcase_add_test(tc, test_daemon_errors);
	tcase_add_test(tc, test_usage_errors);
	tcase_add_test(tc, test_help_version);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(gwctl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
