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
	char *argv[24];
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
		ck_assert_int_lt(argc, 23);
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


/* Runs gwctl against ts; checks the command and args the daemon got. */
static struct run
run_cmd(struct test_server *ts, const char *want_cmd, const char *want_args,
	const char *a0, const char *a1, const char *a2, const char *a3,
	const char *a4, const char *a5, const char *a6, const char *a7)
{
	struct run r;

	free(ts->last_args);
	ts->last_args = NULL;
	ts->last_cmd[0] = '\0';
	r = gwctl(NULL, "-s", ts->path, a0, a1, a2, a3, a4, a5, a6, a7, NULL);
	ck_assert_str_eq(ts->last_cmd, want_cmd);
	ck_assert_ptr_nonnull(ts->last_args);
	ck_assert_str_eq(ts->last_args, want_args);
	return r;
}

START_TEST(test_flows)
{
	struct test_server ts;
	struct run r;

	test_server_start(&ts);
	r = run_cmd(&ts, "flows",
		    "{\"denied\":true,\"host\":\"10.1.2.3\",\"limit\":5,\"role\":\"web\"}",
		    "flows", "--role", "web", "--host", "10.1.2.3", "--denied",
		    "--limit=5", NULL);
	ck_assert_msg(r.rc == GWCTL_EXIT_OK, "%s", r.err);
	ck_assert_str_eq(r.err, "");
	ck_assert_str_eq(r.out,
		"state   role  vlan  proto  src                 dest              name                 verdict  reason            rule    pkts      bytes  age\n"
		"ended   web    100  TCP    10.1.2.3:51514      192.0.2.10:443    evil\\x5cx00.example  deny     fqdn_not_allowed  -        5/3  1,700/120   2s\n"
		"active  -        0  TCP    [2001:db8::1]:1000  [2001:db8::2]:80  -                    allow    -                 cidr:0   1/0       60/0  61s\n"
		"2 of 9 flows (raise --limit for more)\n");
	run_free(&r);
	/* Defaults: limit 50, not denied-only; IPv6 host canonicalised. */
	r = run_cmd(&ts, "flows", "{\"denied\":false,\"host\":\"2001:db8::1\",\"limit\":50}",
		    "flows", "--host", "2001:DB8:0::1", NULL, NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	run_free(&r);
	test_server_stop(&ts);
}
END_TEST


START_TEST(test_console_cmds)
{
	struct test_server ts;
	struct run r;

	test_server_start(&ts);
	r = run_cmd(&ts, "top", "{\"kind\":\"destinations\",\"limit\":10,\"role\":\"web\",\"window\":\"1h\"}",
		    "top", "destinations", "--window", "1h", "--role", "web", NULL, NULL);
	ck_assert_msg(r.rc == GWCTL_EXIT_OK, "%s", r.err);
	ck_assert_str_eq(r.out,
		"TOP DESTINATIONS (last 1h, role web)\n"
		"destination      role  bytes_toserver  bytes_toclient  pkts_toserver  pkts_toclient\n"
		"api.example.com  web        1,234,567              89             10             20\n"
		"192.0.2.9        web                5               6              1              1\n"
		"partial: the daemon's metrics evicted entries (monitoring.max_*); sums are lower bounds\n");
	run_free(&r);
	r = run_cmd(&ts, "top", "{\"kind\":\"hosts\",\"limit\":3,\"window\":\"1m\"}",
		    "top", "hosts", "-n", "3", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	run_free(&r);

	r = run_cmd(&ts, "why", "{\"dport\":22,\"dst\":\"192.0.2.1\",\"src\":\"10.1.2.3\"}",
		    "why", "10.1.2.3", "192.0.2.1", "22", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	ck_assert_str_eq(r.out,
		"source:   policy (no such flow seen; what the current policy would decide)\n"
		"verdict:  deny\n"
		"reason:   port_not_allowed (destination port not allowed for the role)\n"
		"rule:     -\n"
		"role:     web\n"
		"why:      port 22 is not allowed for role web\n");
	run_free(&r);

	r = run_cmd(&ts, "check", "{\"name\":\"api.example.com\",\"port\":443,\"role\":\"web\"}",
		    "check", "web", "api.example.com", "443", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	ck_assert_str_eq(r.out,
		"verdict:  allow\n"
		"reason:   -\n"
		"rule:     fqdn:3 (fqdn)\n"
		"role:     web\n"
		"why:      api.example.com matches allow_fqdns[3] *.example.com\n");
	run_free(&r);

	r = run_cmd(&ts, "reload", "{\"dry_run\":true}", "reload", "--dry-run",
		    NULL, NULL, NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	ck_assert_str_eq(r.out,
		"dry run: would load version 8 (checked in 12 ms); nothing changed\n"
		"roles added:   lab\n"
		"roles removed: -\n"
		"role web changed:\n"
		"  fqdns_added: a.example, b.example\n"
		"  settings: name_binding: strict -> log\n"
		"signatures added: 9000002\n"
		"settings: gateway.reload.reset_revoked: true -> false\n"
		"restart required (not applied by a reload): gateway.flow_capacity\n"
		"flows whose verdict would flip: 0\n");
	run_free(&r);
	/* A failed reload: exit 1, the file:line:col errors on stderr. */
	r = run_cmd(&ts, "reload", "{\"dry_run\":false}", "reload", NULL, NULL,
		    NULL, NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_FAIL);
	ck_assert_str_eq(r.out, "reload failed: policy not valid, nothing changed\n"
				"flows whose verdict flipped: 0\n");
	ck_assert_str_eq(r.err, "gwctl: reload: /etc/egressgw/policy.yaml:4:3: allow_fqdns: expected a list\n");
	run_free(&r);

	r = run_cmd(&ts, "quarantine", "{\"host\":\"10.1.2.3\",\"reason\":\"beaconing\"}",
		    "quarantine", "10.1.2.3", "--reason", "beaconing", NULL, NULL,
		    NULL, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	ck_assert_str_eq(r.out, "quarantined 10.1.2.3 since 2026-11-22T01:02:03.000000+0000 "
				"(reason: beaconing); 4 active flows reset\n");
	run_free(&r);
	r = run_cmd(&ts, "release", "{\"host\":\"10.1.2.3\"}", "release",
		    "10.1.2.3", NULL, NULL, NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	ck_assert_str_eq(r.out, "released 10.1.2.3 (quarantined since 2026-11-22T01:02:03.000000+0000)\n");
	run_free(&r);
	r = run_cmd(&ts, "release", "{\"host\":\"10.9.9.9\"}", "release",
		    "10.9.9.9", NULL, NULL, NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_FAIL);
	ck_assert_str_eq(r.err, "gwctl: release: 10.9.9.9 is not quarantined\n");
	ck_assert_str_eq(r.out, "");
	run_free(&r);

	/* --json: the daemon's data, verbatim. */
	r = run_cmd(&ts, "why", "{\"dst\":\"2001:db8::1\",\"src\":\"10.1.2.3\"}",
		    "--json", "why", "10.1.2.3", "2001:db8::1", NULL, NULL, NULL, NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	{
		json_t *got = json_loads(r.out, 0, NULL);
		json_t *want = json_loads(test_canned[2][1], 0, NULL);

		ck_assert_ptr_nonnull(got);
		ck_assert(json_equal(got, want));
		json_decref(got);
		json_decref(want);
	}
	run_free(&r);
	test_server_stop(&ts);
}
END_TEST

START_TEST(test_events_follow)
{
	struct test_server ts;
	struct run r;

	test_server_start(&ts);
	ts.publish = true;
	r = gwctl(NULL, "-s", ts.path, "events", "--follow", NULL);
	ck_assert_msg(r.rc == GWCTL_EXIT_OK, "%s", r.err);
	ck_assert_str_eq(r.out,
		"2026-11-22T01:02:03.123456+0000 tls 10.1.2.3:51514 -> 192.0.2.10:443 api.example.com allow fqdn:3\n"
		"2026-11-22T01:02:04.000000+0000 alert 10.1.2.3:51515 -> [2001:db8::9]:443 cdn.bad\\x5cxff.test blocked \"Cobalt Strike beacon\"\n"
		"2026-11-22T01:02:05.000000+0000 drop 10.1.2.4 -> 192.0.2.1 deny cidr_not_allowed\n");
	run_free(&r);
	test_server_stop(&ts);

	/* --type: the server filters; --json prints the lines as they came. */
	test_server_start(&ts);
	ts.publish = true;
	r = gwctl(NULL, "-s", ts.path, "--json", "events", "-f", "--type", "alert",
		  NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	ck_assert_uint_eq(strlen(r.out), strlen(test_events[1][1]) + 1);
	ck_assert_int_eq(strncmp(r.out, test_events[1][1], strlen(test_events[1][1])), 0);
	ck_assert_str_eq(r.out + strlen(test_events[1][1]), "\n");
	run_free(&r);
	test_server_stop(&ts);
}
END_TEST

START_TEST(test_console_usage_errors)
{
	static const struct {
		const char *a[5];
		const char *msg;
	} t[] = {
		{{"flows", "--host", "10.1.2"}, "gwctl: bad IP address '10.1.2'\n"},
		{{"flows", "--limit", "0"}, "gwctl: limit '0' out of range (1..10000)\n"},
		{{"flows", "--limit", "10001"}, "gwctl: limit '10001' out of range (1..10000)\n"},
		{{"flows", "--limit", "-3"}, "gwctl: limit '-3' out of range (1..10000)\n"},
		{{"flows", "--role", "a b"}, "gwctl: bad role 'a b' (1..63 printable characters)\n"},
		{{"flows", "x"}, "gwctl: flows takes no arguments (got 'x')\n"},
		{{"flows", "--limit"}, "gwctl: --limit needs a value\n"},
		{{"flows", "--window", "1m"}, "gwctl: --window does not apply to 'flows'\n"},
		{{"top"}, "gwctl: top needs 'hosts' or 'destinations'\n"},
		{{"top", "users"}, "gwctl: top: unknown kind 'users' (hosts or destinations)\n"},
		{{"top", "hosts", "--window", "5m"}, "gwctl: bad window '5m' (1m, 1h or 1d)\n"},
		{{"top", "hosts", "x"}, "gwctl: top: extra argument 'x'\n"},
		{{"why", "10.1.2.3"}, "gwctl: why needs SRC and DST addresses\n"},
		{{"why", "10.1.2.3", "bogus"}, "gwctl: bad IP address 'bogus'\n"},
		{{"why", "10.1.2.3", "10.0.0.1", "65536"}, "gwctl: bad port '65536' (1..65535)\n"},
		{{"why", "10.1.2.3", "10.0.0.1", "0"}, "gwctl: bad port '0' (1..65535)\n"},
		{{"check", "web"}, "gwctl: check needs ROLE and NAME\n"},
		{{"check", "web", "a\tb"}, "gwctl: bad name 'a\\x09b' (1..253 printable characters)\n"},
		{{"check", "web", "x.example", "http"}, "gwctl: bad port 'http' (1..65535)\n"},
		{{"reload", "now"}, "gwctl: reload takes no arguments (got 'now')\n"},
		{{"quarantine"}, "gwctl: quarantine needs the host's IP address\n"},
		{{"quarantine", "10.1.2.3/24"}, "gwctl: bad IP address '10.1.2.3/24'\n"},
		{{"quarantine", "10.1.2.3", "--reason", ""}, "gwctl: bad reason '' (1..128 characters, no control characters)\n"},
		{{"quarantine", "10.1.2.3", "--reason", "a\nb"}, "gwctl: bad reason 'a\\x0ab' (1..128 characters, no control characters)\n"},
		{{"release"}, "gwctl: release needs the host's IP address\n"},
		{{"release", "1.2.3.4", "5.6.7.8"}, "gwctl: release: extra argument '5.6.7.8'\n"},
		{{"events"}, "gwctl: events needs --follow (past events are in the EVE log)\n"},
		{{"events", "-f", "--type", "Alert"}, "gwctl: bad event type 'Alert' (e.g. alert, tls, http, drop, flow)\n"},
		{{"events", "-f", "--denied"}, "gwctl: --denied does not apply to 'events'\n"},
		{{"stats", "--dry-run"}, "gwctl: --dry-run does not apply to 'stats'\n"},
		{{"flows", "--denied=yes"}, "gwctl: unknown option '--denied=yes'\n"},
	};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct run r = gwctl("/nonexistent.sock", t[i].a[0], t[i].a[1],
				     t[i].a[2], t[i].a[3], t[i].a[4], NULL);

		ck_assert_msg(r.rc == GWCTL_EXIT_USAGE, "case %zu: rc %d %s", i,
			      r.rc, r.err);
		ck_assert_msg(strncmp(r.err, t[i].msg, strlen(t[i].msg)) == 0,
			      "case %zu: %s", i, r.err);
		assert_has(r.err, "\nUsage: gwctl ");
		ck_assert_str_eq(r.out, "");
		run_free(&r);
	}
	/* A valid command line without a daemon: exit 1, not 2. */
	{
		struct run r = gwctl("/nonexistent.sock", "events", "--follow", NULL);

		ck_assert_int_eq(r.rc, GWCTL_EXIT_FAIL);
		ck_assert_str_eq(r.err, "gwctl: events: daemon not running (no socket at /nonexistent.sock)\n");
		run_free(&r);
		r = gwctl("/nonexistent.sock", "flows", NULL);
		ck_assert_int_eq(r.rc, GWCTL_EXIT_FAIL);
		ck_assert_str_eq(r.err, "gwctl: flows: daemon not running (no socket at /nonexistent.sock)\n");
		run_free(&r);
	}
}
END_TEST

/* The sections stats gains when the daemon sends them. */
static json_t *
stats_extra(const char *cmd, json_t *args, void *arg, char *err, size_t errlen)
{
	json_t *d = test_cmd_stats(cmd, args, arg, err, errlen);

	json_object_set_new(d, "rings", json_loads("[{\"worker\":0,\"size\":16384,\"used\":12,\"lost\":0},"
						   "{\"worker\":1,\"size\":16384,\"used\":16000,\"lost\":1234}]", 0, NULL));
	json_object_set_new(d, "quarantine", json_loads("[{\"host\":\"10.1.2.3\",\"since\":\"2026-11-22T01:02:03.000000+0000\","
							"\"reason\":\"beaconing\"}]", 0, NULL));
	json_object_set_new(d, "reload", json_loads("{\"result\":\"failed\",\"time\":\"2026-11-22T02:00:00.000000+0000\","
						    "\"duration_ms\":4,\"version\":7,\"error\":\"policy.yaml:4:3: bad\"}", 0, NULL));
	return d;
}

START_TEST(test_stats_sections)
{
	struct test_server ts;
	struct gw_ctl_cmd cmds[] = {{"stats", "x", stats_extra}};
	struct run r;

	test_server_start(&ts);
	ts.dispatch.cmds = cmds;
	ts.dispatch.n_cmds = 1;
	r = gwctl(NULL, "-s", ts.path, "stats", NULL);
	ck_assert_int_eq(r.rc, GWCTL_EXIT_OK);
	assert_has(r.out, "\nRINGS\nworker    size    used   lost\n"
			  "     0  16,384      12      0\n"
			  "     1  16,384  16,000  1,234\n");
	assert_has(r.out, "\nQUARANTINE\nhost      since                            reason\n"
			  "10.1.2.3  2026-11-22T01:02:03.000000+0000  beaconing\n");
	assert_has(r.out, "\nRELOAD\nlast: failed at 2026-11-22T02:00:00.000000+0000, 4 ms, version 7\n"
			  "error: policy.yaml:4:3: bad\n");
	run_free(&r);
	test_server_stop(&ts);
	/* Without them, no such sections. */
	test_server_start(&ts);
	r = gwctl(NULL, "-s", ts.path, "stats", NULL);
	assert_lacks(r.out, "RINGS");
	assert_lacks(r.out, "QUARANTINE");
	assert_lacks(r.out, "RELOAD");
	run_free(&r);
	test_server_stop(&ts);
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
	tcase_add_test(tc, test_flows);
	tcase_add_test(tc, test_console_cmds);
	tcase_add_test(tc, test_events_follow);
	tcase_add_test(tc, test_console_usage_errors);
	tcase_add_test(tc, test_stats_sections);
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
