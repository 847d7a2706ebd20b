/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CTL_TEST_SERVER_H
#define CTL_TEST_SERVER_H

/*
 * A control-socket server running gw_ctl_server_poll() in a thread, with a
 * command table that answers "stats" from a fixed snapshot, plus helpers
 * shared by test_ctl.c and test_gwctl.c.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/gw_reason.h"
#include "ctl/gw_ctl.h"
#include "ctl/gw_stats.h"

struct test_server {
	char dir[64];
	char path[108];
	struct gw_ctl_server *s;
	pthread_t thread;
	atomic_int stop;
	atomic_int answered;
	struct gw_ctl_dispatch dispatch;
	bool stats_fail; /* "stats" answers an error instead */
	char last_cmd[32];  /* the last canned command called, and its args */
	char *last_args;    /* compact JSON, malloc'd */
	bool publish;       /* once a subscriber is there: publish, then close */
};

/* Two ports, two workers, a few non-zero drop and deny reasons. */
static inline void
test_snapshot(struct gw_stats_snapshot *snap, struct gw_stats_port ports[2],
	      struct gw_stats_worker workers[2])
{
	size_t k;

	memset(ports, 0, 2 * sizeof(ports[0]));
	memset(workers, 0, 2 * sizeof(workers[0]));
	ports[0].id = 0;
	snprintf(ports[0].name, sizeof(ports[0].name), "lan");
	ports[1].id = 1;
	snprintf(ports[1].name, sizeof(ports[1].name), "wan");
	for (k = 0; k < GW_PORT_STAT_MAX; k++) {
		ports[0].v[k] = 1000 * (k + 1);
		ports[1].v[k] = k;
	}
	ports[0].v[GW_PORT_STAT_RX_PACKETS] = 1234567;
	ports[1].v[GW_PORT_STAT_RX_PACKETS] = 1000;
	ports[0].v[GW_PORT_STAT_TX_PACKETS] = 999;
	ports[1].v[GW_PORT_STAT_TX_PACKETS] = 1;
	for (k = 0; k < GW_WORKER_STAT_MAX; k++) {
		workers[0].v[k] = k + 1;
		workers[1].v[k] = 10 * (k + 1);
	}
	workers[0].id = 0;
	workers[0].lcore = 1;
	workers[1].id = 1;
	workers[1].lcore = 2;
	workers[0].drops[GW_REASON_FQDN_NOT_ALLOWED] = 5;
	workers[1].drops[GW_REASON_FQDN_NOT_ALLOWED] = 7;
	workers[1].drops[GW_REASON_UNKNOWN_VLAN] = 1000000;
	workers[0].denied[GW_REASON_FQDN_NOT_ALLOWED] = 2;
	workers[1].denied[GW_REASON_C2_SIGNATURE] = 3;
	memset(snap, 0, sizeof(*snap));
	snap->version = "0.1.0";
	snap->uptime_s = 2 * 86400 + 3 * 3600 + 4 * 60 + 5;
	snap->policy_source = "/etc/egressgw/policy.yaml";
	snap->policy_version = 7;
	snap->policy_loaded_ns = 1795309323123456789ULL;
	snap->policy_roles = 3;
	snap->n_ports = 2;
	snap->ports = ports;
	snap->n_workers = 2;
	snap->workers = workers;
}

static inline json_t *
test_cmd_stats(const char *cmd, json_t *args, void *arg, char *err,
	       size_t errlen)
{
	struct test_server *ts = arg;
	struct gw_stats_snapshot snap;
	struct gw_stats_port ports[2];
	struct gw_stats_worker workers[2];

	(void)cmd;
	(void)args;
	if (ts->stats_fail) {
		snprintf(err, errlen, "stats are not available yet");
		return NULL;
	}
	test_snapshot(&snap, ports, workers);
	return gw_stats_to_json(&snap);
}

/* Answers its arguments. */
static inline json_t *
test_cmd_echo(const char *cmd, json_t *args, void *arg, char *err,
	      size_t errlen)
{
	(void)cmd;
	(void)arg;
	(void)err;
	(void)errlen;
	return json_deep_copy(args);
}

static inline json_t *
test_cmd_fail(const char *cmd, json_t *args, void *arg, char *err,
	      size_t errlen)
{
	(void)cmd;
	(void)args;
	(void)arg;
	snprintf(err, errlen, "it failed");
	return NULL;
}

/* Fails without saying why: the server must still answer something. */
static inline json_t *
test_cmd_mute(const char *cmd, json_t *args, void *arg, char *err,
	      size_t errlen)
{
	(void)cmd;
	(void)args;
	(void)arg;
	(void)err;
	(void)errlen;
	return NULL;
}

/* An answer far larger than a socket buffer: {"blob":"xxxx..."}. */
#define TEST_BIG_LEN (3u << 20)
static inline json_t *
test_cmd_big(const char *cmd, json_t *args, void *arg, char *err,
	     size_t errlen)
{
	char *s = malloc(TEST_BIG_LEN);
	json_t *o;

	(void)cmd;
	(void)args;
	(void)arg;
	(void)err;
	(void)errlen;
	if (s == NULL)
		return NULL;
	memset(s, 'x', TEST_BIG_LEN);
	o = json_pack("{s:s%}", "blob", s, (size_t)TEST_BIG_LEN);
	free(s);
	return o;
}

/* Canned answers of the console commands (docs/gwctl.md shapes). */
static const char *const test_canned[][2] = {
	{"flows", "{\"flows\":[{\"flow_id\":7,\"worker\":1,\"src_ip\":\"10.1.2.3\",\"src_port\":51514,"
		  "\"dest_ip\":\"192.0.2.10\",\"dest_port\":443,\"proto\":\"TCP\",\"vlan\":100,\"role\":\"web\","
		  "\"app\":\"tls\",\"name\":\"evil\\\\x00.example\",\"verdict\":\"deny\",\"reason\":\"fqdn_not_allowed\","
		  "\"rule\":null,\"bind\":\"none\",\"pkts_toserver\":5,\"pkts_toclient\":3,\"bytes_toserver\":1700,"
		  "\"bytes_toclient\":120,\"start\":\"2026-11-22T01:02:03.000000+0000\",\"last\":\"2026-11-22T01:02:05.000000+0000\","
		  "\"age_s\":2,\"state\":\"ended\"},"
		  "{\"flow_id\":8,\"worker\":0,\"src_ip\":\"2001:db8::1\",\"src_port\":1000,"
		  "\"dest_ip\":\"2001:db8::2\",\"dest_port\":80,\"proto\":\"TCP\",\"vlan\":0,\"role\":null,"
		  "\"app\":null,\"name\":null,\"verdict\":\"allow\",\"reason\":null,"
		  "\"rule\":\"cidr:0\",\"bind\":\"none\",\"pkts_toserver\":1,\"pkts_toclient\":0,\"bytes_toserver\":60,"
		  "\"bytes_toclient\":0,\"start\":\"2026-11-22T01:02:03.000000+0000\",\"last\":\"2026-11-22T01:02:03.000000+0000\","
		  "\"age_s\":61,\"state\":\"active\"}],\"total\":9,\"truncated\":true}"},
	{"top", "{\"window\":\"1h\",\"kind\":\"destinations\",\"role\":\"web\",\"partial\":true,\"rows\":["
		"{\"key\":\"api.example.com\",\"role\":\"web\",\"bytes_toserver\":1234567,\"bytes_toclient\":89,\"pkts_toserver\":10,"
		"\"pkts_toclient\":20},"
		"{\"key\":\"192.0.2.9\",\"role\":\"web\",\"bytes_toserver\":5,\"bytes_toclient\":6,\"pkts_toserver\":1,"
		"\"pkts_toclient\":1}]}"},
	{"why", "{\"flow\":null,\"source\":\"policy\",\"decision\":{\"verdict\":\"deny\",\"reason\":\"port_not_allowed\","
		"\"rule\":null,\"rule_kind\":null,\"role\":\"web\",\"text\":\"port 22 is not allowed for role web\"}}"},
	{"check", "{\"verdict\":\"allow\",\"reason\":null,\"rule\":\"fqdn:3\",\"rule_kind\":\"fqdn\","
		  "\"role\":\"web\",\"text\":\"api.example.com matches allow_fqdns[3] *.example.com\"}"},
	{"quarantine", "{\"host\":\"10.1.2.3\",\"reason\":\"beaconing\",\"since\":\"2026-11-22T01:02:03.000000+0000\","
		       "\"flows_reset\":4}"},
	{"release", "{\"host\":\"10.1.2.3\",\"since\":\"2026-11-22T01:02:03.000000+0000\"}"},
	{"reload_dry", "{\"ok\":true,\"dry_run\":true,\"version\":8,\"duration_ms\":12,\"diff\":{\"roles\":{\"added\":[\"lab\"],"
		       "\"removed\":[],\"changed\":[{\"role\":\"web\",\"fqdns_added\":[\"a.example\",\"b.example\"],"
		       "\"fqdns_removed\":[],\"settings\":[\"name_binding: strict -> log\"]}]},"
		       "\"signatures\":{\"added\":[9000002],\"removed\":[],\"changed\":[]},"
		       "\"dns\":{\"resolvers_added\":[],\"resolvers_removed\":[]},"
		       "\"gateway\":[\"gateway.reload.reset_revoked: true -> false\"],"
		       "\"restart_required\":[\"gateway.flow_capacity\"],\"identical\":false},"
		       "\"flows_flipped\":[],\"errors\":[]}"},
	{"reload", "{\"ok\":false,\"dry_run\":false,\"version\":7,\"duration_ms\":3,\"diff\":null,\"flows_flipped\":[],"
		   "\"errors\":[\"/etc/egressgw/policy.yaml:4:3: allow_fqdns: expected a list\"]}"},
};

/* Records the command and its args, answers the canned data. */
static inline json_t *
test_cmd_canned(const char *cmd, json_t *args, void *arg, char *err,
		size_t errlen)
{
	struct test_server *ts = arg;
	const char *key = cmd;
	size_t i;

	snprintf(ts->last_cmd, sizeof(ts->last_cmd), "%s", cmd);
	free(ts->last_args);
	ts->last_args = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
	if (strcmp(cmd, "release") == 0 &&
	    strcmp(json_string_value(json_object_get(args, "host")), "10.9.9.9") == 0) {
		snprintf(err, errlen, "10.9.9.9 is not quarantined");
		return NULL;
	}
	if (strcmp(cmd, "reload") == 0 &&
	    json_is_true(json_object_get(args, "dry_run")))
		key = "reload_dry";
	for (i = 0; i < sizeof(test_canned) / sizeof(test_canned[0]); i++) {
		if (strcmp(test_canned[i][0], key) == 0)
			return json_loads(test_canned[i][1], 0, NULL);
	}
	snprintf(err, errlen, "no canned answer");
	return NULL;
}

static const struct gw_ctl_cmd test_cmds[] = {
	{GW_CTL_CMD_FLOWS, "canned", test_cmd_canned},
	{GW_CTL_CMD_TOP, "canned", test_cmd_canned},
	{GW_CTL_CMD_WHY, "canned", test_cmd_canned},
	{GW_CTL_CMD_CHECK, "canned", test_cmd_canned},
	{GW_CTL_CMD_RELOAD, "canned", test_cmd_canned},
	{GW_CTL_CMD_QUARANTINE, "canned", test_cmd_canned},
	{GW_CTL_CMD_RELEASE, "canned", test_cmd_canned},
	{GW_CTL_CMD_STATS, "counters", test_cmd_stats},
	{"echo", "answers its arguments", test_cmd_echo},
	{"fail", "always fails", test_cmd_fail},
	{"mute", "fails silently", test_cmd_mute},
	{"big", "a 3 MiB answer", test_cmd_big},
};

/* (event_type, line) published to followers; NULL-terminated. */
static const char *const test_events[][2] = {
	{"tls", "{\"timestamp\":\"2026-11-22T01:02:03.123456+0000\",\"event_type\":\"tls\",\"src_ip\":\"10.1.2.3\","
		"\"src_port\":51514,\"dest_ip\":\"192.0.2.10\",\"dest_port\":443,\"proto\":\"TCP\","
		"\"tls\":{\"sni\":\"api.example.com\"},\"gw\":{\"role\":\"web\",\"verdict\":\"allow\",\"rule\":\"fqdn:3\"}}"},
	{"alert", "{\"timestamp\":\"2026-11-22T01:02:04.000000+0000\",\"event_type\":\"alert\",\"src_ip\":\"10.1.2.3\","
		  "\"src_port\":51515,\"dest_ip\":\"2001:db8::9\",\"dest_port\":443,\"proto\":\"TCP\","
		  "\"alert\":{\"action\":\"blocked\",\"signature\":\"Cobalt Strike beacon\"},"
		  "\"tls\":{\"sni\":\"cdn.bad\\\\xff.test\"},\"gw\":{\"verdict\":\"deny\",\"reason\":\"c2_signature\"}}"},
	{"drop", "{\"timestamp\":\"2026-11-22T01:02:05.000000+0000\",\"event_type\":\"drop\",\"src_ip\":\"10.1.2.4\","
		 "\"dest_ip\":\"192.0.2.1\",\"proto\":\"ICMP\",\"gw\":{\"verdict\":\"deny\",\"reason\":\"cidr_not_allowed\"}}"},
	{NULL, NULL},
};

static inline void *
test_server_loop(void *arg)
{
	struct test_server *ts = arg;

	while (!atomic_load(&ts->stop)) {
		int n = gw_ctl_server_poll(ts->s, 10, gw_ctl_dispatch,
					   &ts->dispatch);

		ck_assert_int_ge(n, 0);
		atomic_fetch_add(&ts->answered, n);
		if (ts->publish) {
			struct gw_ctl_stream_stats st;
			int i;

			gw_ctl_server_stream_stats(ts->s, &st);
			if (st.subscribers == 0)
				continue;
			for (i = 0; test_events[i][0] != NULL; i++)
				gw_ctl_server_publish(ts->s, test_events[i][0],
						      test_events[i][1],
						      strlen(test_events[i][1]));
			/* The daemon going away ends `events --follow`. */
			gw_ctl_server_close(ts->s);
			ts->s = NULL;
			break;
		}
	}
	return NULL;
}

/* A fresh directory for sockets: <dir>/ctl.sock. */
static inline void
test_dir(struct test_server *ts)
{
	snprintf(ts->dir, sizeof(ts->dir), "/tmp/gw-ctl-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ts->dir));
	snprintf(ts->path, sizeof(ts->path), "%s/ctl.sock", ts->dir);
}

static inline void
test_server_start(struct test_server *ts)
{
	int err = -1;

	memset(ts, 0, sizeof(*ts));
	test_dir(ts);
	ts->s = gw_ctl_server_open(ts->path, &err);
	ck_assert_ptr_nonnull(ts->s);
	ck_assert_int_eq(err, 0);
	ts->dispatch.cmds = test_cmds;
	ts->dispatch.n_cmds = sizeof(test_cmds) / sizeof(test_cmds[0]);
	ts->dispatch.arg = ts;
	atomic_store(&ts->stop, 0);
	ck_assert_int_eq(pthread_create(&ts->thread, NULL, test_server_loop, ts),
			 0);
}

static inline void
test_server_stop(struct test_server *ts)
{
	atomic_store(&ts->stop, 1);
	ck_assert_int_eq(pthread_join(ts->thread, NULL), 0);
	gw_ctl_server_close(ts->s);
	ts->s = NULL;
	free(ts->last_args);
	ts->last_args = NULL;
	unlink(ts->path);
	rmdir(ts->dir);
}

#endif /* CTL_TEST_SERVER_H */
