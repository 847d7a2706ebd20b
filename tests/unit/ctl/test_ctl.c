/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "ctl/gw_ctl.h"
#include "ctl/gw_stats.h"
#include "ctl_test_server.h"

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A plain blocking client, to send what gw_ctl_call() never would. */
static int
raw_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void
raw_send(int fd, const void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, (const char *)buf + off, len - off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		/* The server may answer "too large" and stop reading. */
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return;
		ck_assert_int_gt(n, 0);
		off += (size_t)n;
	}
}

/* One answer line (newline cut, malloc'd), or NULL after timeout_ms. */
static char *
raw_read_line(int fd, int timeout_ms)
{
	static char buf[1 << 17];
	size_t len = 0;
	uint64_t end = now_ms() + (uint64_t)timeout_ms;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)(end > now_ms() ? end - now_ms() : 0);
		ssize_t n;
		char *nl;

		if (left == 0 || poll(&p, 1, left) <= 0)
			return NULL;
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n <= 0)
			return NULL;
		len += (size_t)n;
		buf[len] = '\0';
		nl = strchr(buf, '\n');
		if (nl != NULL) {
			*nl = '\0';
			return strdup(buf);
		}
		ck_assert_uint_lt(len, sizeof(buf) - 1);
	}
}

static char *
raw_exchange(const char *path, const void *req, size_t len)
{
	int fd = raw_connect(path);
	char *line;

	raw_send(fd, req, len);
	line = raw_read_line(fd, 5000);
	close(fd);
	ck_assert_ptr_nonnull(line);
	return line;
}

/* Asserts an {"ok":false} answer whose error starts with prefix. */
static void
assert_error(const char *line, const char *prefix)
{
	json_error_t jerr;
	json_t *ans = json_loads(line, 0, &jerr);
	const char *msg;

	ck_assert_msg(ans != NULL, "not JSON: %s", line);
	ck_assert(json_is_false(json_object_get(ans, "ok")));
	msg = json_string_value(json_object_get(ans, "error"));
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0,
		      "error '%s' does not start with '%s'", msg, prefix);
	ck_assert_uint_eq(json_object_size(ans), 2);
	json_decref(ans);
}

/* ---- protocol, without sockets ---- */

START_TEST(test_handle_request)
{
	static const struct {
		const char *req;
		const char *want;
	} t[] = {
		{"{\"cmd\":\"fail\"}", "{\"ok\":false,\"error\":\"it failed\"}\n"},
		{"{\"cmd\":\"echo\",\"args\":{\"a\":1,\"b\":[true,\"x\"]}}",
		 "{\"ok\":true,\"data\":{\"a\":1,\"b\":[true,\"x\"]}}\n"},
		{"{\"cmd\":\"echo\"}", "{\"ok\":true,\"data\":{}}\n"},
		{"{\"cmd\":\"echo\",\"args\":null}", "{\"ok\":true,\"data\":{}}\n"},
		{" {\"args\":{\"k\":\"v\"}, \"cmd\":\"echo\"}\r",
		 "{\"ok\":true,\"data\":{\"k\":\"v\"}}\n"},
		{"{\"cmd\":\"nope\"}",
		 "{\"ok\":false,\"error\":\"unknown command 'nope'\"}\n"},
		{"{\"cmd\":\"\\u0001\\u00e9\"}",
		 "{\"ok\":false,\"error\":\"unknown command '\\\\x01\\\\xc3\\\\xa9'\"}\n"},
		{"{\"cmd\":\"mute\"}", "{\"ok\":false,\"error\":\"internal error\"}\n"},
		{"[1]", "{\"ok\":false,\"error\":\"malformed request: not a JSON object\"}\n"},
		{"{\"cmd\":1}",
		 "{\"ok\":false,\"error\":\"malformed request: 'cmd' must be a string\"}\n"},
		{"{\"args\":{}}",
		 "{\"ok\":false,\"error\":\"malformed request: 'cmd' must be a string\"}\n"},
		{"{\"cmd\":\"echo\",\"args\":[1]}",
		 "{\"ok\":false,\"error\":\"malformed request: 'args' must be an object\"}\n"},
		{"{\"cmd\":\"echo\",\"args\":\"x\"}",
		 "{\"ok\":false,\"error\":\"malformed request: 'args' must be an object\"}\n"},
		{"", "{\"ok\":false,\"error\":\"malformed request: empty request\"}\n"},
	};
	struct test_server ts = {0};
	struct gw_ctl_dispatch d = {test_cmds, GW_ARRAY_SIZE(test_cmds), &ts};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		size_t len = 0;
		char *out = gw_ctl_handle_request(t[i].req, strlen(t[i].req),
						  gw_ctl_dispatch, &d, &len);

		ck_assert_ptr_nonnull(out);
		ck_assert_str_eq(out, t[i].want);
		ck_assert_uint_eq(len, strlen(t[i].want));
		free(out);
	}
}
END_TEST

/* Broken requests: an error that is itself valid JSON, saying "malformed". */
START_TEST(test_handle_malformed)
{
	static const char *const bad[] = {
		"{not json",
		"{\"cmd\":\"echo\"} trailing",
		"{\"cmd\":\"echo\",\"cmd\":\"fail\"}",
		"{\"cmd\":\"\xff\xfe\"}",
		"\xff",
		"{\"cmd\":\"a\\u0000b\"}",
		"nul\0inside",
		"{\"cmd\":",
	};
	struct test_server ts = {0};
	struct gw_ctl_dispatch d = {test_cmds, GW_ARRAY_SIZE(test_cmds), &ts};
	size_t i;

	for (i = 0; i < GW_ARRAY_SIZE(bad); i++) {
		size_t len = strlen(bad[i]);
		size_t out_len = 0;
		char *out;

		if (i == 6)
			len = 11; /* with its NUL */
		out = gw_ctl_handle_request(bad[i], len, gw_ctl_dispatch, &d,
					    &out_len);
		ck_assert_ptr_nonnull(out);
		ck_assert_uint_eq(out[out_len - 1], '\n');
		ck_assert_ptr_eq(strchr(out, '\n'), out + out_len - 1);
		out[out_len - 1] = '\0';
		assert_error(out, "malformed request: ");
		free(out);
	}
}
END_TEST

/* Random bytes: always exactly one line of valid JSON back. */
START_TEST(test_handle_random)
{
	struct test_server ts = {0};
	struct gw_ctl_dispatch d = {test_cmds, GW_ARRAY_SIZE(test_cmds), &ts};
	static const char alphabet[] = "{}[]\":,cmdargsecho \\u00ff\x01\xc3";
	uint32_t seed = 7;
	unsigned int n;

	for (n = 0; n < 20000; n++) {
		char req[64];
		size_t len;
		size_t out_len = 0;
		size_t i;
		char *out;
		json_t *ans;

		seed = seed * 1103515245u + 12345u;
		len = seed >> 16 & 63;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			req[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		out = gw_ctl_handle_request(req, len, gw_ctl_dispatch, &d,
					    &out_len);
		ck_assert_ptr_nonnull(out);
		ans = json_loadb(out, out_len, 0, NULL);
		if (ans == NULL || memchr(out, '\n', out_len) != out + out_len - 1)
			ck_abort_msg("bad answer %s", out);
		json_decref(ans);
		free(out);
	}
}
END_TEST

START_TEST(test_dispatch)
{
	struct gw_ctl_dispatch d = {test_cmds, GW_ARRAY_SIZE(test_cmds), NULL};
	struct gw_ctl_dispatch empty = {NULL, 0, NULL};
	char err[GW_CTL_ERR_MAX];
	char longname[200];
	json_t *args = json_pack("{s:i}", "n", 5);
	json_t *r;

	r = gw_ctl_dispatch("echo", args, &d, err, sizeof(err));
	ck_assert(json_equal(r, args));
	json_decref(r);
	ck_assert_ptr_null(gw_ctl_dispatch("stat", args, &d, err, sizeof(err)));
	ck_assert_str_eq(err, "unknown command 'stat'");
	ck_assert_ptr_null(gw_ctl_dispatch("echo", args, &empty, err, sizeof(err)));
	ck_assert_str_eq(err, "unknown command 'echo'");
	/* Long names are cut in the message. */
	memset(longname, 'z', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_ptr_null(gw_ctl_dispatch(longname, args, &d, err, sizeof(err)));
	ck_assert_uint_eq(strlen(err), strlen("unknown command ''") + 64);
	json_decref(args);
}
END_TEST

/* ---- stats schema ---- */

START_TEST(test_stat_tables)
{
	size_t i;
	size_t j;

	ck_assert_uint_eq(GW_PORT_STAT_MAX, 8);
	ck_assert_uint_eq(GW_WORKER_STAT_MAX, 15);
	ck_assert_str_eq(gw_port_stats[GW_PORT_STAT_RX_NOMBUF].name, "rx_nombuf");
	ck_assert_str_eq(gw_worker_stats[GW_WORKER_STAT_RECORDS_SENT].name,
			 "records_sent");
	ck_assert_int_eq(gw_worker_stats[GW_WORKER_STAT_FLOWS_ACTIVE].kind,
			 GW_STAT_GAUGE);
	ck_assert_int_eq(gw_worker_stats[GW_WORKER_STAT_RING_LOST].kind,
			 GW_STAT_COUNTER);
	/* Telemetry-safe names, a description and a unit for each. */
	for (i = 0; i < GW_WORKER_STAT_MAX + GW_PORT_STAT_MAX; i++) {
		const struct gw_stat_desc *d = i < GW_WORKER_STAT_MAX ?
			&gw_worker_stats[i] : &gw_port_stats[i - GW_WORKER_STAT_MAX];

		ck_assert_uint_gt(strlen(d->desc), 0);
		ck_assert_uint_gt(strlen(d->unit), 0);
		for (j = 0; d->name[j] != '\0'; j++)
			ck_assert(strchr("abcdefghijklmnopqrstuvwxyz0123456789_",
					 d->name[j]) != NULL);
	}
	ck_assert_int_eq(gw_stat_find(gw_worker_stats, GW_WORKER_STAT_MAX,
				      "held_packets"),
			 GW_WORKER_STAT_HELD_PACKETS);
	ck_assert_int_eq(gw_stat_find(gw_port_stats, GW_PORT_STAT_MAX, "nope"), -1);
	ck_assert_int_eq(gw_stat_find(NULL, 3, "x"), -1);
}
END_TEST

START_TEST(test_stats_json)
{
	struct gw_stats_snapshot snap;
	struct gw_stats_port ports[2];
	struct gw_stats_worker workers[2];
	json_t *d;
	json_t *p;
	json_t *w;
	json_t *tot;
	size_t i;

	test_snapshot(&snap, ports, workers);
	d = gw_stats_to_json(&snap);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(json_string_value(json_object_get(d, "version")), "0.1.0");
	ck_assert_int_eq(json_integer_value(json_object_get(d, "uptime_s")),
			 183845);
	p = json_object_get(d, "policy");
	ck_assert_str_eq(json_string_value(json_object_get(p, "source")),
			 "/etc/egressgw/policy.yaml");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "version")), 7);
	ck_assert_str_eq(json_string_value(json_object_get(p, "loaded_at")),
			 "2026-11-22T01:02:03.123456+0000");
	ck_assert_int_eq(json_integer_value(json_object_get(p, "roles")), 3);
	ck_assert_uint_eq(json_object_size(p), 4);

	p = json_object_get(d, "ports");
	ck_assert_uint_eq(json_array_size(p), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(p, 1), "name")),
			 "wan");
	ck_assert_uint_eq(json_object_size(json_array_get(p, 0)), 2 + GW_PORT_STAT_MAX);
	for (i = 0; i < GW_PORT_STAT_MAX; i++)
		ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(p, 0),
								    gw_port_stats[i].name)),
				 (long long)ports[0].v[i]);
	w = json_object_get(d, "workers");
	ck_assert_uint_eq(json_array_size(w), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(w, 1), "lcore")), 2);
	ck_assert_uint_eq(json_object_size(json_array_get(w, 1)), 2 + GW_WORKER_STAT_MAX);
	for (i = 0; i < GW_WORKER_STAT_MAX; i++)
		ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(w, 1),
								    gw_worker_stats[i].name)),
				 (long long)workers[1].v[i]);

	/* Every reason is listed, summed over workers. */
	p = json_object_get(d, "drops");
	ck_assert_uint_eq(json_object_size(p), GW_REASON_MAX);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "fqdn_not_allowed")), 12);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "unknown_vlan")), 1000000);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "tx_full")), 0);
	p = json_object_get(d, "flows_denied_by_reason");
	ck_assert_uint_eq(json_object_size(p), GW_REASON_MAX);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "fqdn_not_allowed")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(p, "c2_signature")), 3);

	tot = json_object_get(d, "totals");
	ck_assert_uint_eq(json_object_size(tot), 6);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "rx_packets")), 1235567);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "tx_packets")), 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "drops")), 1000012);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "flows_active")),
			 (GW_WORKER_STAT_FLOWS_ACTIVE + 1) * 11);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "flows_created")),
			 (GW_WORKER_STAT_FLOWS_CREATED + 1) * 11);
	ck_assert_int_eq(json_integer_value(json_object_get(tot, "ring_lost")),
			 (GW_WORKER_STAT_RING_LOST + 1) * 11);
	/* Top-level keys, in the documented order. */
	{
		static const char *const order[] = {
			"version", "uptime_s", "policy", "ports", "workers",
			"drops", "flows_denied_by_reason", "totals"};
		void *it = json_object_iter(d);

		for (i = 0; it != NULL; it = json_object_iter_next(d, it), i++)
			ck_assert_str_eq(json_object_iter_key(it), order[i]);
		ck_assert_uint_eq(i, GW_ARRAY_SIZE(order));
	}
	json_decref(d);

	/* No policy yet, no workers; counters past int64 saturate. */
	snap.policy_source = NULL;
	snap.n_workers = 0;
	snap.workers = NULL;
	ports[0].v[GW_PORT_STAT_RX_PACKETS] = UINT64_MAX;
	d = gw_stats_to_json(&snap);
	ck_assert_ptr_nonnull(d);
	ck_assert(json_is_null(json_object_get(d, "policy")));
	ck_assert_uint_eq(json_array_size(json_object_get(d, "workers")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(d, "drops"),
							    "fqdn_not_allowed")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(d, "totals"),
							    "rx_packets")), INT64_MAX);
	json_decref(d);
	ck_assert_ptr_null(gw_stats_to_json(NULL));
	snap.n_workers = 1;
	ck_assert_ptr_null(gw_stats_to_json(&snap));
}
END_TEST

/* ---- client and server over a real socket ---- */

START_TEST(test_call_stats)
{
	struct test_server ts;
	struct gw_stats_snapshot snap;
	struct gw_stats_port ports[2];
	struct gw_stats_worker workers[2];
	char err[256];
	json_t *data = NULL;
	json_t *want;
	struct stat st;

	test_server_start(&ts);
	ck_assert_int_eq(stat(ts.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0660);
	ck_assert_int_eq(gw_ctl_call(ts.path, GW_CTL_CMD_STATS, NULL, 2000,
				     &data, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	test_snapshot(&snap, ports, workers);
	want = gw_stats_to_json(&snap);
	ck_assert(json_equal(data, want));
	json_decref(want);
	json_decref(data);
	/* data_out may be NULL; timeout <= 0 means the default. */
	ck_assert_int_eq(gw_ctl_call(ts.path, GW_CTL_CMD_STATS, NULL, 0, NULL,
				     err, sizeof(err)), 0);
	test_server_stop(&ts);
	/* Closing removed the socket file. */
	ck_assert_int_eq(stat(ts.path, &st), -1);
}
END_TEST

START_TEST(test_call_errors)
{
	struct test_server ts;
	char err[256];
	json_t *data = (json_t *)&data;
	json_t *args;

	test_server_start(&ts);
	ck_assert_int_eq(gw_ctl_call(ts.path, "frobnicate", NULL, 2000, &data,
				     err, sizeof(err)), GW_EINVAL);
	ck_assert_ptr_null(data);
	ck_assert_str_eq(err, "unknown command 'frobnicate'");
	ck_assert_int_eq(gw_ctl_call(ts.path, "fail", NULL, 2000, &data, err,
				     sizeof(err)), GW_EINVAL);
	ck_assert_str_eq(err, "it failed");
	args = json_pack("{s:s,s:[i,i]}", "name", "caf\xc3\xa9", "list", 1, 2);
	ck_assert_int_eq(gw_ctl_call(ts.path, "echo", args, 2000, &data, err,
				     sizeof(err)), 0);
	ck_assert(json_equal(data, args));
	json_decref(data);
	json_decref(args);
	/* Bad arguments never reach the daemon. */
	args = json_array();
	ck_assert_int_eq(gw_ctl_call(ts.path, "echo", args, 2000, &data, err,
				     sizeof(err)), GW_EINVAL);
	json_decref(args);
	ck_assert_int_eq(gw_ctl_call(NULL, "echo", NULL, 2000, &data, err,
				     sizeof(err)), GW_EINVAL);
	ck_assert_int_eq(gw_ctl_call("", "echo", NULL, 2000, &data, err,
				     sizeof(err)), GW_EINVAL);
	/* err may be NULL. */
	ck_assert_int_eq(gw_ctl_call(ts.path, "fail", NULL, 2000, NULL, NULL, 0),
			 GW_EINVAL);
	test_server_stop(&ts);
}
END_TEST

/* A long answer, written over many poll rounds, read whole. */
START_TEST(test_call_big_answer)
{
	struct test_server ts;
	char err[256];
	json_t *data = NULL;
	const char *blob;
	size_t i;

	test_server_start(&ts);
	ck_assert_int_eq(gw_ctl_call(ts.path, "big", NULL, 5000, &data, err,
				     sizeof(err)), 0);
	blob = json_string_value(json_object_get(data, "blob"));
	ck_assert_ptr_nonnull(blob);
	ck_assert_uint_eq(strlen(blob), TEST_BIG_LEN);
	for (i = 0; i < TEST_BIG_LEN && blob[i] == 'x'; i++)
		;
	ck_assert_uint_eq(i, TEST_BIG_LEN);
	json_decref(data);
	test_server_stop(&ts);
}
END_TEST

START_TEST(test_server_malformed)
{
	struct test_server ts;
	char *line;

	test_server_start(&ts);
	line = raw_exchange(ts.path, "{\"cmd\":\n", 8);
	assert_error(line, "malformed request: ");
	free(line);
	line = raw_exchange(ts.path, "hello\n", 6);
	assert_error(line, "malformed request: ");
	free(line);
	line = raw_exchange(ts.path, "\n", 1);
	assert_error(line, "malformed request: empty request");
	free(line);
	line = raw_exchange(ts.path, "{\"cmd\":\"nope\"}\n", 15);
	assert_error(line, "unknown command 'nope'");
	free(line);
	/* Only the first line counts. */
	line = raw_exchange(ts.path, "{\"cmd\":\"fail\"}\n{\"cmd\":\"echo\"}\n", 30);
	assert_error(line, "it failed");
	free(line);
	test_server_stop(&ts);
}
END_TEST

/* A request ended by EOF instead of a newline is still answered. */
START_TEST(test_server_eof_request)
{
	struct test_server ts;
	int fd;
	char *line;

	test_server_start(&ts);
	fd = raw_connect(ts.path);
	raw_send(fd, "{\"cmd\":\"echo\",\"args\":{\"x\":1}}", 29);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	line = raw_read_line(fd, 5000);
	ck_assert_ptr_nonnull(line);
	ck_assert_str_eq(line, "{\"ok\":true,\"data\":{\"x\":1}}");
	free(line);
	close(fd);
	test_server_stop(&ts);
}
END_TEST

/* {"cmd":"echo","args":{"p":"aaa..."}} of exactly len bytes. */
static char *
echo_request(size_t len)
{
	static const char head[] = "{\"cmd\":\"echo\",\"args\":{\"p\":\"";
	static const char tail[] = "\"}}";
	char *s = malloc(len + 2);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_gt(len, sizeof(head) + sizeof(tail));
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'a', len - (sizeof(head) - 1) - (sizeof(tail) - 1));
	memcpy(s + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	s[len] = '\n';
	s[len + 1] = '\0';
	return s;
}

START_TEST(test_server_too_large)
{
	struct test_server ts;
	char *req;
	char *line;
	char *big;
	char err[256];
	json_t *args;
	json_t *data = NULL;
	int fd;

	test_server_start(&ts);
	/* Exactly the limit: served. */
	req = echo_request(GW_CTL_REQUEST_MAX);
	fd = raw_connect(ts.path);
	raw_send(fd, req, GW_CTL_REQUEST_MAX + 1);
	line = raw_read_line(fd, 5000);
	close(fd);
	ck_assert_ptr_nonnull(line);
	ck_assert_str_eq(line + strlen(line) - 3, "\"}}");
	ck_assert_int_eq(strncmp(line, "{\"ok\":true,\"data\":{\"p\":\"aaa", 27), 0);
	free(line);
	free(req);
	/* One byte more: refused. */
	req = echo_request(GW_CTL_REQUEST_MAX + 1);
	line = raw_exchange(ts.path, req, GW_CTL_REQUEST_MAX + 2);
	ck_assert_str_eq(line, "{\"ok\":false,\"error\":\"request too large\"}");
	free(line);
	free(req);
	/* Far more, with no newline at all: refused as soon as it is known. */
	big = malloc(1 << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, '{', 1 << 20);
	line = raw_exchange(ts.path, big, 1 << 20);
	ck_assert_str_eq(line, "{\"ok\":false,\"error\":\"request too large\"}");
	free(line);
	free(big);
	/* The client refuses to send one. */
	req = echo_request(GW_CTL_REQUEST_MAX + 100);
	req[GW_CTL_REQUEST_MAX + 100 - 3] = '\0';
	args = json_pack("{s:s}", "p", req + 27);
	ck_assert_int_eq(gw_ctl_call(ts.path, "echo", args, 2000, &data, err,
				     sizeof(err)), GW_EINVAL);
	ck_assert_str_eq(err, "request too large");
	json_decref(args);
	free(req);
	/* And the server is still fine. */
	ck_assert_int_eq(gw_ctl_call(ts.path, "echo", NULL, 2000, &data, err,
				     sizeof(err)), 0);
	json_decref(data);
	test_server_stop(&ts);
}
END_TEST

/*
 * A client that connects and sends nothing must not delay anyone: another
 * client's call completes at once, and the idle one is told it timed out.
 */
START_TEST(test_server_idle_client)
{
	struct test_server ts;
	char err[256];
	json_t *data = NULL;
	uint64_t t0;
	char *line;
	int idle;

	test_server_start(&ts);
	idle = raw_connect(ts.path);
	t0 = now_ms();
	ck_assert_int_eq(gw_ctl_call(ts.path, GW_CTL_CMD_STATS, NULL, 1500,
				     &data, err, sizeof(err)), 0);
	ck_assert_uint_lt(now_ms() - t0, 500);
	json_decref(data);
	line = raw_read_line(idle, GW_CTL_CONN_TIMEOUT_MS + 3000);
	ck_assert_ptr_nonnull(line);
	ck_assert_str_eq(line, "{\"ok\":false,\"error\":\"request timeout\"}");
	ck_assert_uint_ge(now_ms() - t0, GW_CTL_CONN_TIMEOUT_MS - 100);
	free(line);
	close(idle);
	/* Half a request then silence: same. */
	idle = raw_connect(ts.path);
	raw_send(idle, "{\"cmd\":", 7);
	ck_assert_int_eq(gw_ctl_call(ts.path, "echo", NULL, 1500, &data, err,
				     sizeof(err)), 0);
	json_decref(data);
	line = raw_read_line(idle, GW_CTL_CONN_TIMEOUT_MS + 3000);
	ck_assert_str_eq(line, "{\"ok\":false,\"error\":\"request timeout\"}");
	free(line);
	close(idle);
	test_server_stop(&ts);
}
END_TEST

/* Every slot taken by idle clients: the next one hears "server busy". */
START_TEST(test_server_busy)
{
	struct test_server ts;
	int idle[GW_CTL_MAX_CONN];
	char err[256];
	json_t *data = NULL;
	int i;

	test_server_start(&ts);
	for (i = 0; i < GW_CTL_MAX_CONN; i++)
		idle[i] = raw_connect(ts.path);
	ck_assert_int_eq(gw_ctl_call(ts.path, "echo", NULL, 1500, &data, err,
				     sizeof(err)), GW_EINVAL);
	ck_assert_str_eq(err, "server busy");
	for (i = 0; i < GW_CTL_MAX_CONN; i++)
		close(idle[i]);
	/* The server frees the slots when it sees the closes, which it may
	 * not have yet when the next client connects (a loaded machine): it
	 * stays "server busy" until then, and must serve within seconds. */
	for (i = 0;; i++) {
		int rc = gw_ctl_call(ts.path, "echo", NULL, 1500, &data, err,
				     sizeof(err));

		if (rc == 0)
			break;
		ck_assert_int_eq(rc, GW_EINVAL);
		ck_assert_str_eq(err, "server busy");
		ck_assert_int_lt(i, 100);
		usleep(50 * 1000);
	}
	json_decref(data);
	test_server_stop(&ts);
}
END_TEST

START_TEST(test_no_daemon)
{
	struct test_server ts;
	char want[300];
	char err[300];
	json_t *data = NULL;

	test_dir(&ts);
	ck_assert_int_eq(gw_ctl_call(ts.path, GW_CTL_CMD_STATS, NULL, 500,
				     &data, err, sizeof(err)), GW_ENOENT);
	snprintf(want, sizeof(want), "daemon not running (no socket at %s)",
		 ts.path);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(data);
	/* A small err buffer is cut, still terminated. */
	ck_assert_int_eq(gw_ctl_call(ts.path, GW_CTL_CMD_STATS, NULL, 500,
				     &data, err, 10), GW_ENOENT);
	ck_assert_str_eq(err, "daemon no");
	rmdir(ts.dir);
}
END_TEST

/* A socket file nobody listens on: refused, and a new server replaces it. */
START_TEST(test_stale_socket)
{
	struct test_server ts;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct gw_ctl_server *s;
	char want[300];
	char err[300];
	int rc = -1;
	int fd;

	test_dir(&ts);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ts.path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	ck_assert_int_eq(gw_ctl_call(ts.path, GW_CTL_CMD_STATS, NULL, 500, NULL,
				     err, sizeof(err)), GW_EIO);
	snprintf(want, sizeof(want), "connection refused (stale socket %s?)",
		 ts.path);
	ck_assert_str_eq(err, want);
	s = gw_ctl_server_open(ts.path, &rc);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(rc, 0);
	gw_ctl_server_close(s);
	rmdir(ts.dir);
}
END_TEST

START_TEST(test_open_errors)
{
	struct test_server ts;
	char path[200];
	char err[256];
	json_t *data = NULL;
	struct stat st;
	int rc = 0;
	int fd;

	test_server_start(&ts);
	/* A live daemon keeps its socket. */
	ck_assert_ptr_null(gw_ctl_server_open(ts.path, &rc));
	ck_assert_int_eq(rc, GW_EEXIST);
	ck_assert_int_eq(gw_ctl_call(ts.path, "echo", NULL, 2000, &data, err,
				     sizeof(err)), 0);
	json_decref(data);
	/* Parent directory missing: not created behind the operator's back. */
	snprintf(path, sizeof(path), "%s/missing/ctl.sock", ts.dir);
	ck_assert_ptr_null(gw_ctl_server_open(path, &rc));
	ck_assert_int_eq(rc, GW_ENOENT);
	/* Not a socket: left alone. */
	snprintf(path, sizeof(path), "%s/file", ts.dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_ptr_null(gw_ctl_server_open(path, &rc));
	ck_assert_int_eq(rc, GW_EEXIST);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	unlink(path);
	/* Longer than sun_path. */
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	ck_assert_ptr_null(gw_ctl_server_open(path, &rc));
	ck_assert_int_eq(rc, GW_EINVAL);
	ck_assert_int_eq(gw_ctl_call(path, "echo", NULL, 500, NULL, err,
				     sizeof(err)), GW_EINVAL);
	ck_assert_ptr_null(gw_ctl_server_open(NULL, &rc));
	ck_assert_int_eq(rc, GW_EINVAL);
	ck_assert_ptr_null(gw_ctl_server_open("", NULL));
	gw_ctl_server_close(NULL);
	test_server_stop(&ts);
}
END_TEST

/* Close removes the socket file only while it is still ours. */
START_TEST(test_close_keeps_foreign_file)
{
	struct test_server ts;
	struct gw_ctl_server *s;
	struct stat st;
	int rc = -1;
	int fd;

	test_dir(&ts);
	s = gw_ctl_server_open(ts.path, &rc);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(unlink(ts.path), 0);
	fd = open(ts.path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	gw_ctl_server_close(s);
	ck_assert_int_eq(stat(ts.path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	unlink(ts.path);
	rmdir(ts.dir);
}
END_TEST

START_TEST(test_permission_denied)
{
	struct test_server ts;
	char want[300];
	char err[300];

	/*
	 * root ignores file modes, and CI runs the tests as root: there the
	 * connect succeeds and this case cannot be produced, so it is skipped.
	 */
	if (geteuid() == 0)
		return;
	test_server_start(&ts);
	ck_assert_int_eq(chmod(ts.path, 0), 0);
	ck_assert_int_eq(gw_ctl_call(ts.path, GW_CTL_CMD_STATS, NULL, 1000,
				     NULL, err, sizeof(err)), GW_EIO);
	snprintf(want, sizeof(want), "permission denied on %s", ts.path);
	ck_assert_str_eq(err, want);
	test_server_stop(&ts);
}
END_TEST

/* Something listens but never answers: the call gives up on time. */
START_TEST(test_call_timeout)
{
	struct test_server ts;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char want[300];
	char err[300];
	uint64_t t0;
	uint64_t dt;
	int fd;

	test_dir(&ts);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ts.path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	t0 = now_ms();
	ck_assert_int_eq(gw_ctl_call(ts.path, GW_CTL_CMD_STATS, NULL, 300, NULL,
				     err, sizeof(err)), GW_EIO);
	dt = now_ms() - t0;
	ck_assert_uint_ge(dt, 290);
	ck_assert_uint_lt(dt, 2000);
	snprintf(want, sizeof(want),
		 "timed out after 300 ms waiting for the daemon on %s", ts.path);
	ck_assert_str_eq(err, want);
	close(fd);
	unlink(ts.path);
	rmdir(ts.dir);
}
END_TEST

/* A daemon that answers garbage, or hangs up. */
struct garbage {
	int lfd;
	const char *answer;
};

static void *
garbage_server(void *arg)
{
	struct garbage *g = arg;
	char buf[256];
	int fd = accept(g->lfd, NULL, NULL);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = recv(fd, buf, sizeof(buf), 0);
	(void)n;
	n = send(fd, g->answer, strlen(g->answer), MSG_NOSIGNAL);
	(void)n;
	close(fd);
	return NULL;
}

START_TEST(test_call_bad_answers)
{
	static const struct {
		const char *answer;
		const char *err_prefix;
	} t[] = {
		{"not json\n", "malformed answer from the daemon on "},
		{"[true]\n", "malformed answer from the daemon on "},
		{"{\"ok\":1}\n", "malformed answer from the daemon on "},
		{"", "daemon on "},
		{"{\"ok\":false}\n", "request failed"},
		{"{\"ok\":true}", ""},
	};
	struct test_server ts;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t i;

	test_dir(&ts);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ts.path);
	for (i = 0; i < GW_ARRAY_SIZE(t); i++) {
		struct garbage g = {.answer = t[i].answer};
		pthread_t th;
		char err[300];
		json_t *data = NULL;
		int rc;

		g.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		unlink(ts.path);
		ck_assert_int_eq(bind(g.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		ck_assert_int_eq(listen(g.lfd, 4), 0);
		ck_assert_int_eq(pthread_create(&th, NULL, garbage_server, &g), 0);
		rc = gw_ctl_call(ts.path, "stats", NULL, 2000, &data, err,
				 sizeof(err));
		pthread_join(th, NULL);
		close(g.lfd);
		ck_assert_msg(strncmp(err, t[i].err_prefix,
				      strlen(t[i].err_prefix)) == 0,
			      "case %zu: %s", i, err);
		if (i == 5) {
			/* ok without data: an empty object. */
			ck_assert_int_eq(rc, 0);
			ck_assert(json_is_object(data));
			ck_assert_uint_eq(json_object_size(data), 0);
			json_decref(data);
		} else {
			ck_assert_int_eq(rc, i == 4 ? GW_EINVAL : GW_EIO);
			ck_assert_ptr_null(data);
		}
	}
	unlink(ts.path);
	rmdir(ts.dir);
}
END_TEST

/* Several clients at once, from several threads. */
#define PAR_THREADS 8
#define PAR_CALLS 50

static void *
par_client(void *arg)
{
	const char *path = arg;
	int i;

	for (i = 0; i < PAR_CALLS; i++) {
		char err[256];
		json_t *args = json_pack("{s:i}", "i", i);
		json_t *data = NULL;
		int rc = gw_ctl_call(path, "echo", args, 5000, &data, err,
				     sizeof(err));

		/* "server busy" is a legitimate answer under load: retry. */
		if (rc == GW_EINVAL && strcmp(err, "server busy") == 0) {
			json_decref(args);
			i--;
			continue;
		}
		if (rc != 0 || !json_equal(data, args))
			return (void *)1;
		json_decref(data);
		json_decref(args);
	}
	return NULL;
}

START_TEST(test_server_parallel)
{
	struct test_server ts;
	pthread_t th[PAR_THREADS];
	int i;

	test_server_start(&ts);
	for (i = 0; i < PAR_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, par_client, ts.path), 0);
	for (i = 0; i < PAR_THREADS; i++) {
		void *r = NULL;

		pthread_join(th[i], &r);
		ck_assert_ptr_null(r);
	}
	/* The server counts an answer after writing it: join its thread first. */
	test_server_stop(&ts);
	ck_assert_int_ge(atomic_load(&ts.answered), PAR_THREADS * PAR_CALLS);
}
END_TEST

static Suite *
ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *proto = tcase_create("protocol");
	TCase *stats = tcase_create("stats");
	TCase *sock = tcase_create("socket");

	tcase_add_test(proto, test_handle_request);
	tcase_add_test(proto, test_handle_malformed);
	tcase_add_test(proto, test_handle_random);
	tcase_add_test(proto, test_dispatch);
	suite_add_tcase(s, proto);
	tcase_add_test(stats, test_stat_tables);
	tcase_add_test(stats, test_stats_json);
	suite_add_tcase(s, stats);
	tcase_set_timeout(sock, 30);
	tcase_add_test(sock, test_call_stats);
	tcase_add_test(sock, test_call_errors);
	tcase_add_test(sock, test_call_big_answer);
	tcase_add_test(sock, test_server_malformed);
	tcase_add_test(sock, test_server_eof_request);
	tcase_add_test(sock, test_server_too_large);
	tcase_add_test(sock, test_server_idle_client);
	tcase_add_test(sock, test_server_busy);
	tcase_add_test(sock, test_no_daemon);
	tcase_add_test(sock, test_stale_socket);
	tcase_add_test(sock, test_open_errors);
	tcase_add_test(sock, test_close_keeps_foreign_file);
	tcase_add_test(sock, test_permission_denied);
	tcase_add_test(sock, test_call_timeout);
	tcase_add_test(sock, test_call_bad_answers);
	tcase_add_test(sock, test_server_parallel);
	suite_add_tcase(s, sock);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ctl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
