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

static const struct gw_ctl_cmd test_cmds[] = {
	{GW_CTL_CMD_STATS, "counters", test_cmd_stats},
	{"echo", "answers its arguments", test_cmd_echo},
	{"fail", "always fails", test_cmd_fail},
	{"mute", "fails silently", test_cmd_mute},
	{"big", "a 3 MiB answer", test_cmd_big},
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
	unlink(ts->path);
	rmdir(ts->dir);
}

#endif /* CTL_TEST_SERVER_H */
