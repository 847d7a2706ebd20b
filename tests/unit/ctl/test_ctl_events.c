/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event streaming over the control socket: subscription, type filter,
 * gw_ctl_follow(), a slow subscriber losing lines (counted, then told),
 * the subscriber cap. The server runs in the test's own thread, driven
 * by gw_ctl_server_poll(), except where gw_ctl_follow() needs one.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "common/gw_error.h"
#include "ctl/gw_ctl.h"

struct srv {
	char dir[64];
	char path[108];
	struct gw_ctl_server *s;
};

static json_t *
h_echo(const char *cmd, json_t *args, void *arg, char *err, size_t errlen)
{
	(void)cmd;
	(void)arg;
	(void)err;
	(void)errlen;
	return json_deep_copy(args);
}

static void
srv_open(struct srv *v)
{
	int err = -1;

	snprintf(v->dir, sizeof(v->dir), "/tmp/gw-ev-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(v->dir));
	snprintf(v->path, sizeof(v->path), "%s/ctl.sock", v->dir);
	v->s = gw_ctl_server_open(v->path, &err);
	ck_assert_ptr_nonnull(v->s);
}

static void
srv_close(struct srv *v)
{
	gw_ctl_server_close(v->s);
	v->s = NULL;
	unlink(v->path);
	rmdir(v->dir);
}

static int
srv_poll(struct srv *v, int ms)
{
	int n = gw_ctl_server_poll(v->s, ms, h_echo, NULL);

	ck_assert_int_ge(n, 0);
	return n;
}

static int
raw_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Reads one line (blocking with poll, serving the server meanwhile). */
static char *
read_line(struct srv *v, int fd)
{
	static char line[70000];
	size_t n = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;
		int tries;

		for (tries = 0; tries < 500; tries++) {
			if (poll(&p, 1, 0) > 0)
				break;
			srv_poll(v, 10);
		}
		ck_assert_msg(tries < 500, "no line within 5 s");
		r = recv(fd, line + n, 1, 0);
		if (r == 0)
			return NULL;
		ck_assert_int_eq(r, 1);
		if (line[n] == '\n') {
			line[n] = '\0';
			return line;
		}
		n++;
		ck_assert_uint_lt(n, sizeof(line) - 1);
	}
}

/* Connects, sends req, returns the fd once the server answered it. */
static int
subscribe(struct srv *v, const char *req, const char *want_answer)
{
	int fd = raw_connect(v->path);
	char *line;

	ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL),
			 (ssize_t)strlen(req));
	line = read_line(v, fd);
	ck_assert_ptr_nonnull(line);
	ck_assert_str_eq(line, want_answer);
	return fd;
}

static const char ack[] = "{\"ok\":true,\"data\":{\"follow\":true}}";

START_TEST(test_subscribe_and_filter)
{
	struct srv v;
	struct gw_ctl_stream_stats st;
	int all;
	int alerts;
	char *l;

	srv_open(&v);
	all = subscribe(&v, "{\"cmd\":\"events\",\"args\":{\"follow\":true}}\n",
			ack);
	alerts = subscribe(&v,
			   "{\"cmd\":\"events\",\"args\":{\"follow\":true,\"type\":\"alert\"}}\n",
			   ack);
	gw_ctl_server_stream_stats(v.s, &st);
	ck_assert_uint_eq(st.subscribers, 2);

	ck_assert_int_eq(gw_ctl_server_publish(v.s, "tls", "{\"a\":1}\n", 8), 1);
	ck_assert_int_eq(gw_ctl_server_publish(v.s, "alert", "{\"b\":2}", 7), 2);
	ck_assert_int_eq(gw_ctl_server_publish(v.s, NULL, "{\"c\":3}", 7), 1);
	l = read_line(&v, all);
	ck_assert_str_eq(l, "{\"a\":1}");
	ck_assert_str_eq(read_line(&v, all), "{\"b\":2}");
	ck_assert_str_eq(read_line(&v, all), "{\"c\":3}");
	ck_assert_str_eq(read_line(&v, alerts), "{\"b\":2}");

	/* Bad lines are refused, nobody gets them. */
	ck_assert_int_eq(gw_ctl_server_publish(v.s, "tls", "a\nb", 3), GW_EINVAL);
	ck_assert_int_eq(gw_ctl_server_publish(v.s, "tls", "\n", 1), GW_EINVAL);
	ck_assert_int_eq(gw_ctl_server_publish(NULL, "tls", "x", 1), GW_EINVAL);
	gw_ctl_server_stream_stats(v.s, &st);
	ck_assert_uint_eq(st.published, 4);
	ck_assert_uint_eq(st.lost, 0);

	/* A subscriber that leaves frees its slot. */
	close(alerts);
	srv_poll(&v, 10);
	gw_ctl_server_stream_stats(v.s, &st);
	ck_assert_uint_eq(st.subscribers, 1);
	ck_assert_int_eq(gw_ctl_server_publish(v.s, "alert", "{\"d\":4}", 7), 1);
	ck_assert_str_eq(read_line(&v, all), "{\"d\":4}");

	/* Closing the server ends the stream: EOF. */
	gw_ctl_server_close(v.s);
	v.s = NULL;
	{
		char c;

		ck_assert_int_eq(recv(all, &c, 1, 0), 0);
	}
	close(all);
	unlink(v.path);
	rmdir(v.dir);
}
END_TEST

/* What is and is not a subscription. */
START_TEST(test_subscribe_requests)
{
	struct srv v;
	struct gw_ctl_stream_stats st;
	int fd;

	srv_open(&v);
	/* Without follow: an ordinary request, answered by the handler. */
	fd = subscribe(&v, "{\"cmd\":\"events\",\"args\":{\"type\":\"tls\"}}\n",
		       "{\"ok\":true,\"data\":{\"type\":\"tls\"}}");
	close(fd);
	fd = subscribe(&v, "{\"cmd\":\"events\",\"args\":{\"follow\":false}}\n",
		       "{\"ok\":true,\"data\":{\"follow\":false}}");
	close(fd);
	fd = subscribe(&v,
		       "{\"cmd\":\"events\",\"args\":{\"follow\":true,\"type\":7}}\n",
		       "{\"ok\":false,\"error\":\"malformed request: 'type' must be an event type of 1..32 characters\"}");
	close(fd);
	fd = subscribe(&v,
		       "{\"cmd\":\"events\",\"args\":{\"follow\":true,\"type\":\"\"}}\n",
		       "{\"ok\":false,\"error\":\"malformed request: 'type' must be an event type of 1..32 characters\"}");
	close(fd);
	fd = subscribe(&v,
		       "{\"cmd\":\"events\",\"args\":{\"follow\":true,\"type\":\"abcdefghijklmnopqrstuvwxyz0123456\"}}\n",
		       "{\"ok\":false,\"error\":\"malformed request: 'type' must be an event type of 1..32 characters\"}");
	close(fd);
	/* Duplicate keys are not a subscription: the ordinary parser refuses them. */
	fd = subscribe(&v, "{\"cmd\":\"events\",\"cmd\":\"events\",\"args\":{\"follow\":true}}\n",
		       "{\"ok\":false,\"error\":\"malformed request: duplicate object key near '\\\"cmd\\\"'\"}");
	close(fd);
	srv_poll(&v, 10);
	gw_ctl_server_stream_stats(v.s, &st);
	ck_assert_uint_eq(st.subscribers, 0);
	srv_close(&v);
}
END_TEST

START_TEST(test_subscriber_cap)
{
	struct srv v;
	int fds[GW_CTL_MAX_SUBSCRIBERS];
	int fd;
	int i;
	char *l;

	srv_open(&v);
	for (i = 0; i < GW_CTL_MAX_SUBSCRIBERS; i++)
		fds[i] = subscribe(&v, "{\"cmd\":\"events\",\"args\":{\"follow\":true}}\n",
				   ack);
	fd = subscribe(&v, "{\"cmd\":\"events\",\"args\":{\"follow\":true}}\n",
		       "{\"ok\":false,\"error\":\"too many event subscribers\"}");
	close(fd);
	/* Requests still get a slot. */
	fd = subscribe(&v, "{\"cmd\":\"x\",\"args\":{\"k\":1}}\n",
		       "{\"ok\":true,\"data\":{\"k\":1}}");
	close(fd);
	ck_assert_int_eq(gw_ctl_server_publish(v.s, "flow", "{}", 2),
			 GW_CTL_MAX_SUBSCRIBERS);
	for (i = 0; i < GW_CTL_MAX_SUBSCRIBERS; i++) {
		l = read_line(&v, fds[i]);
		ck_assert_str_eq(l, "{}");
		close(fds[i]);
	}
	srv_close(&v);
}
END_TEST

/* A subscriber that does not read loses lines, never blocks, and is told. */
START_TEST(test_slow_subscriber)
{
	struct srv v;
	struct gw_ctl_stream_stats st;
	char line[1001];
	uint64_t published = 0;
	uint64_t lost_seen = 0;
	uint64_t received = 0;
	uint64_t next = 0;
	int slow;
	int fast;
	int i;

	srv_open(&v);
	slow = subscribe(&v, "{\"cmd\":\"events\",\"args\":{\"follow\":true,\"type\":\"flow\"}}\n",
			 ack);
	fast = subscribe(&v, "{\"cmd\":\"events\",\"args\":{\"follow\":true,\"type\":\"other\"}}\n",
			 ack);
	/* Far more than the kernel buffer plus GW_CTL_STREAM_BUF. */
	for (i = 0; i < 2000; i++) {
		int n;

		snprintf(line, sizeof(line), "{\"seq\":%d,\"pad\":\"%0*d\"}", i,
			 970, 0);
		n = gw_ctl_server_publish(v.s, "flow", line, strlen(line));
		ck_assert_int_ge(n, 0);
		published++;
	}
	gw_ctl_server_stream_stats(v.s, &st);
	ck_assert_uint_gt(st.lost, 0);
	ck_assert_uint_eq(st.published + st.lost, published);
	/* The other subscriber is not held up: it gets its line at once. */
	ck_assert_int_eq(gw_ctl_server_publish(v.s, "other", "{\"o\":1}", 7), 1);
	ck_assert_str_eq(read_line(&v, fast), "{\"o\":1}");

	/* Reading now: lines in order, then one gwctl_lost with the count. */
	for (;;) {
		char *l = read_line(&v, slow);
		json_t *j;

		ck_assert_ptr_nonnull(l);
		j = json_loads(l, 0, NULL);
		ck_assert_msg(j != NULL, "line %llu: %.80s", (unsigned long long)next, l);
		if (json_object_get(j, "event_type") != NULL) {
			ck_assert_str_eq(json_string_value(json_object_get(j, "event_type")),
					 "gwctl_lost");
			lost_seen = (uint64_t)json_integer_value(json_object_get(j, "count"));
			json_decref(j);
			break;
		}
		ck_assert_uint_eq((uint64_t)json_integer_value(json_object_get(j, "seq")),
				  next);
		next++;
		received++;
		json_decref(j);
	}
	ck_assert_uint_eq(lost_seen, st.lost);
	ck_assert_uint_eq(received + lost_seen, published);
	/* Caught up: new lines flow again. */
	ck_assert_int_eq(gw_ctl_server_publish(v.s, "flow", "{\"after\":1}", 11), 1);
	gw_ctl_server_stream_stats(v.s, &st);
	ck_assert_uint_eq(st.lost, lost_seen);
	ck_assert_str_eq(read_line(&v, slow), "{\"after\":1}");
	close(slow);
	close(fast);
	srv_close(&v);
}
END_TEST

/* gw_ctl_follow() against a server thread that publishes then closes. */
struct pub_thread {
	struct srv *v;
	atomic_int phase; /* 0 wait for subscriber, 1 done */
	bool refuse;
};

static void *
publisher(void *arg)
{
	struct pub_thread *p = arg;
	struct gw_ctl_stream_stats st;
	int i;

	for (i = 0; i < 500; i++) {
		srv_poll(p->v, 10);
		gw_ctl_server_stream_stats(p->v->s, &st);
		if (st.subscribers > 0)
			break;
	}
	ck_assert_uint_eq(st.subscribers, 1);
	gw_ctl_server_publish(p->v->s, "tls", "{\"n\":1}", 7);
	gw_ctl_server_publish(p->v->s, "tls", "{\"n\":2}", 7);
	gw_ctl_server_publish(p->v->s, "tls", "{\"n\":3}", 7);
	for (i = 0; i < 20; i++)
		srv_poll(p->v, 5);
	gw_ctl_server_close(p->v->s);
	p->v->s = NULL;
	atomic_store(&p->phase, 1);
	return NULL;
}

struct got {
	int n;
	char lines[8][32];
	int stop_after;
};

static int
collect(const char *line, size_t len, void *arg)
{
	struct got *g = arg;

	ck_assert_uint_eq(strlen(line), len);
	ck_assert_int_lt(g->n, 8);
	snprintf(g->lines[g->n++], sizeof(g->lines[0]), "%s", line);
	return g->stop_after > 0 && g->n >= g->stop_after;
}

START_TEST(test_follow_client)
{
	struct srv v;
	struct pub_thread p = {.v = &v};
	struct got got = {0};
	pthread_t th;
	char err[256];
	json_t *args = json_pack("{s:b}", "follow", 1);
	int rc;

	srv_open(&v);
	ck_assert_int_eq(pthread_create(&th, NULL, publisher, &p), 0);
	rc = gw_ctl_follow(v.path, GW_CTL_CMD_EVENTS, args, 2000, collect, &got,
			   NULL, err, sizeof(err));
	ck_assert_msg(rc == 0, "%d %s", rc, err);
	ck_assert_int_eq(got.n, 3);
	ck_assert_str_eq(got.lines[0], "{\"n\":1}");
	ck_assert_str_eq(got.lines[2], "{\"n\":3}");
	pthread_join(th, NULL);
	unlink(v.path);
	rmdir(v.dir);

	/* The callback can stop it; the stop flag too. */
	srv_open(&v);
	memset(&got, 0, sizeof(got));
	got.stop_after = 2;
	atomic_store(&p.phase, 0);
	ck_assert_int_eq(pthread_create(&th, NULL, publisher, &p), 0);
	rc = gw_ctl_follow(v.path, GW_CTL_CMD_EVENTS, args, 2000, collect, &got,
			   NULL, err, sizeof(err));
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(got.n, 2);
	pthread_join(th, NULL);
	unlink(v.path);
	rmdir(v.dir);
	json_decref(args);
}
END_TEST

START_TEST(test_follow_errors)
{
	struct srv v;
	char err[256];
	volatile int stop = 1;
	struct got got = {0};
	json_t *bad = json_pack("{s:b,s:i}", "follow", 1, "type", 5);
	json_t *ok = json_pack("{s:b}", "follow", 1);
	int rc;

	rc = gw_ctl_follow("/nonexistent/x.sock", GW_CTL_CMD_EVENTS, ok, 500,
			   collect, &got, NULL, err, sizeof(err));
	ck_assert_int_eq(rc, GW_ENOENT);
	ck_assert_str_eq(err, "daemon not running (no socket at /nonexistent/x.sock)");
	ck_assert_int_eq(gw_ctl_follow("/x", "events", ok, 500, NULL, NULL, NULL,
				       err, sizeof(err)), GW_EINVAL);

	/* Refused by the server: its message. A server thread answers. */
	srv_open(&v);
	{
		pid_t pid = fork();
		int i;

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			/* The child is the client; the parent serves. */
			rc = gw_ctl_follow(v.path, GW_CTL_CMD_EVENTS, bad, 2000,
					   collect, &got, NULL, err, sizeof(err));
			_exit(rc == GW_EINVAL &&
			      strcmp(err, "malformed request: 'type' must be an event type of 1..32 characters") == 0 ?
				      10 : 11);
		}
		for (i = 0; i < 200; i++)
			srv_poll(&v, 5);
		{
			int status;

			ck_assert_int_eq(waitpid(pid, &status, 0), pid);
			ck_assert(WIFEXITED(status));
			ck_assert_int_eq(WEXITSTATUS(status), 10);
		}
	}
	/* The stop flag, already set: returns 0 right after the ack. */
	{
		pid_t pid = fork();
		int i;

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			rc = gw_ctl_follow(v.path, GW_CTL_CMD_EVENTS, ok, 2000,
					   collect, &got, &stop, err, sizeof(err));
			_exit(rc == 0 && got.n == 0 ? 10 : 11);
		}
		for (i = 0; i < 100; i++)
			srv_poll(&v, 5);
		{
			int status;

			ck_assert_int_eq(waitpid(pid, &status, 0), pid);
			ck_assert_int_eq(WEXITSTATUS(status), 10);
		}
	}
	srv_close(&v);
	json_decref(bad);
	json_decref(ok);
}
END_TEST

static Suite *
events_suite(void)
{
	Suite *s = suite_create("ctl_events");
	TCase *tc = tcase_create("stream");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_subscribe_and_filter);
	tcase_add_test(tc, test_subscribe_requests);
	tcase_add_test(tc, test_subscriber_cap);
	tcase_add_test(tc, test_slow_subscriber);
	tcase_add_test(tc, test_follow_client);
	tcase_add_test(tc, test_follow_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(events_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
