/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "ctl/gw_ctl.h"
#include "ctl/gw_ctl_private.h"

struct call {
	const char *path;
	int timeout_ms;
	uint64_t deadline_ms;
	char *err;
	size_t errlen;
};

static void
set_err(const struct call *k, const char *fmt, const char *a)
{
	if (k->err != NULL && k->errlen > 0)
		snprintf(k->err, k->errlen, fmt, a);
}

static int
timed_out(const struct call *k)
{
	if (k->err != NULL && k->errlen > 0)
		snprintf(k->err, k->errlen,
			 "timed out after %d ms waiting for the daemon on %s",
			 k->timeout_ms, k->path);
	return GW_EIO;
}

/* Milliseconds left before the deadline; 0 once it has passed. */
static int
left_ms(const struct call *k)
{
	uint64_t now = gw_ctl_now_ms();

	return now >= k->deadline_ms ? 0 : (int)(k->deadline_ms - now);
}

/* Waits for events on fd until the deadline: 1 ready, 0 timeout, <0 error. */
static int
wait_fd(const struct call *k, int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		int left = left_ms(k);
		int rc;

		if (left == 0)
			return 0;
		rc = poll(&p, 1, left);
		if (rc > 0)
			return 1;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static int
do_connect(const struct call *k, int fd)
{
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, k->path, strlen(k->path) + 1);
	for (;;) {
		if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0)
			return 0;
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
			/* Backlog full: a Unix socket cannot be waited on for
			 * this, so retry shortly until the deadline. */
			if (left_ms(k) == 0)
				return timed_out(k);
			poll(NULL, 0, GW_MIN(10, left_ms(k)));
			continue;
		case ENOENT:
			set_err(k, "daemon not running (no socket at %s)",
				k->path);
			return GW_ENOENT;
		case EACCES:
		case EPERM:
			set_err(k, "permission denied on %s", k->path);
			return GW_EIO;
		case ECONNREFUSED:
			set_err(k, "connection refused (stale socket %s?)",
				k->path);
			return GW_EIO;
		case ENOTDIR:
			set_err(k, "daemon not running (no socket at %s)",
				k->path);
			return GW_ENOENT;
		default:
			if (k->err != NULL && k->errlen > 0)
				snprintf(k->err, k->errlen,
					 "cannot connect to %s: %s", k->path,
					 strerror(errno));
			return GW_EIO;
		}
	}
}

/*
 * Sends the whole request. A peer that stops reading (it answered "request
 * too large" and shut down) is not an error here: its answer is read next.
 */
static int
send_all(const struct call *k, int fd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		int w;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return 0;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			w = wait_fd(k, fd, POLLOUT);
			if (w == 0)
				return timed_out(k);
			if (w > 0)
				continue;
		}
		set_err(k, "cannot send to %s", k->path);
		return GW_EIO;
	}
	return 0;
}

/* Reads one line (up to GW_CTL_RESPONSE_MAX); *out malloc'd, newline cut. */
static int
recv_line(const struct call *k, int fd, char **out, size_t *out_len)
{
	size_t cap = 4096;
	size_t len = 0;
	char *buf = malloc(cap);
	int rc = 0;

	if (buf == NULL)
		return GW_ENOMEM;
	for (;;) {
		ssize_t n;
		char *nl;
		int w;

		if (len == cap) {
			char *nb;

			if (cap >= GW_CTL_RESPONSE_MAX) {
				set_err(k, "answer from the daemon on %s is too large",
					k->path);
				rc = GW_EIO;
				break;
			}
			nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				rc = GW_ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n > 0) {
			nl = memchr(buf + len, '\n', (size_t)n);
			len += (size_t)n;
			if (nl != NULL) {
				len = (size_t)(nl - buf);
				break;
			}
			continue;
		}
		if (n == 0) {
			if (len == 0) {
				set_err(k, "daemon on %s closed the connection without answering",
					k->path);
				rc = GW_EIO;
			}
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			w = wait_fd(k, fd, POLLIN);
			if (w == 0) {
				rc = timed_out(k);
				break;
			}
			if (w > 0)
				continue;
		}
		if (k->err != NULL && k->errlen > 0)
			snprintf(k->err, k->errlen, "cannot read from %s: %s",
				 k->path, strerror(errno));
		rc = GW_EIO;
		break;
	}
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

static char *
encode_request(const char *cmd, json_t *args, size_t *len)
{
	json_t *req = json_object();
	char *s = NULL;
	char *line;
	size_t n;
	int bad = 0;

	if (req == NULL)
		return NULL;
	bad |= json_object_set_new(req, "cmd", json_string(cmd));
	if (args != NULL)
		bad |= json_object_set(req, "args", args);
	if (bad == 0)
		s = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (line == NULL) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	*len = n + 1;
	return line;
}

/* Turns an answer line into 0 + data, or the daemon's error. */
static int
decode_answer(const struct call *k, const char *buf, size_t len,
	      json_t **data_out)
{
	json_error_t jerr;
	json_t *ans = json_loadb(buf, len, 0, &jerr);
	json_t *ok;
	json_t *data;
	int rc;

	if (ans == NULL || !json_is_object(ans) ||
	    !json_is_boolean(ok = json_object_get(ans, "ok"))) {
		set_err(k, "malformed answer from the daemon on %s", k->path);
		json_decref(ans);
		return GW_EIO;
	}
	if (json_is_true(ok)) {
		data = json_object_get(ans, "data");
		if (data_out != NULL) {
			*data_out = data != NULL ? json_incref(data) :
						   json_object();
			rc = *data_out != NULL ? 0 : GW_ENOMEM;
		} else {
			rc = 0;
		}
	} else {
		const char *msg = json_string_value(json_object_get(ans, "error"));

		set_err(k, "%s", msg != NULL ? msg : "request failed");
		rc = GW_EINVAL;
	}
	json_decref(ans);
	return rc;
}

/*
 * Checks what gw_ctl_call() and gw_ctl_follow() share (args_ok: their own
 * arguments are fine too) and starts k's deadline. 0 or GW_EINVAL.
 */
static int
call_begin(struct call *k, const char *sock_path, const char *cmd,
	   json_t *args, bool args_ok, int timeout_ms)
{
	if (k->err != NULL && k->errlen > 0)
		k->err[0] = '\0';
	if (sock_path == NULL || cmd == NULL || !args_ok ||
	    (args != NULL && !json_is_object(args))) {
		set_err(k, "%s", "invalid arguments");
		return GW_EINVAL;
	}
	if (sock_path[0] == '\0' ||
	    strlen(sock_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		set_err(k, "invalid socket path '%s' (empty or too long)",
			sock_path);
		return GW_EINVAL;
	}
	k->timeout_ms = timeout_ms > 0 ? timeout_ms : GW_CTL_TIMEOUT_DEFAULT_MS;
	k->deadline_ms = gw_ctl_now_ms() + (uint64_t)k->timeout_ms;
	return 0;
}

/* Connects to k's socket and sends the request: 0 with *fd set, or an error. */
static int
call_send(struct call *k, const char *req, size_t req_len, int *fd)
{
	int rc;

	*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*fd < 0) {
		set_err(k, "cannot create a socket: %s", strerror(errno));
		return GW_EIO;
	}
	rc = do_connect(k, *fd);
	if (rc != 0)
		return rc;
	return send_all(k, *fd, req, req_len);
}

int
gw_ctl_call(const char *sock_path, const char *cmd, json_t *args,
	    int timeout_ms, json_t **data_out, char *err, size_t errlen)
{
	struct call k = {
		.path = sock_path,
		.err = err,
		.errlen = errlen,
	};
	char *req = NULL;
	char *ans = NULL;
	size_t req_len = 0;
	size_t ans_len = 0;
	int fd = -1;
	int rc;

	if (data_out != NULL)
		*data_out = NULL;
	rc = call_begin(&k, sock_path, cmd, args, true, timeout_ms);
	if (rc != 0)
		return rc;

	req = encode_request(cmd, args, &req_len);
	if (req == NULL) {
		set_err(&k, "%s", "cannot encode the request");
		rc = GW_ENOMEM;
		goto out;
	}
	if (req_len - 1 > GW_CTL_REQUEST_MAX) {
		set_err(&k, "%s", "request too large");
		rc = GW_EINVAL;
		goto out;
	}
	rc = call_send(&k, req, req_len, &fd);
	if (rc != 0)
		goto out;
	rc = recv_line(&k, fd, &ans, &ans_len);
	if (rc != 0)
		goto out;
	rc = decode_answer(&k, ans, ans_len, data_out);
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(ans);
	return rc;
}

/* ---- event streams ---- */

/*
 * Lines of a stream: unlike recv_line() the bytes after a newline belong
 * to the next line, so they are kept. buf holds at most one longest line.
 */
struct line_reader {
	char *buf; /* GW_CTL_EVENT_LINE_MAX + 2 */
	size_t start;
	size_t len;
};

enum { READ_LINE = 1, READ_EOF = 0, READ_STOPPED = 2 };

/*
 * Next line into *line (NUL-terminated in place, valid until the next
 * call). With deadline, waits at most until k's deadline; otherwise
 * without limit, checking *stop every 100 ms.
 */
static int
read_stream_line(const struct call *k, int fd, struct line_reader *lr,
		 bool deadline, const volatile int *stop, char **line,
		 size_t *len)
{
	const size_t cap = GW_CTL_EVENT_LINE_MAX + 2;

	for (;;) {
		char *nl = lr->len > 0 ? memchr(lr->buf + lr->start, '\n', lr->len)
				       : NULL;
		ssize_t n;

		if (nl != NULL) {
			*nl = '\0';
			*line = lr->buf + lr->start;
			*len = (size_t)(nl - *line);
			lr->len -= *len + 1;
			lr->start += *len + 1;
			return READ_LINE;
		}
		if (lr->len >= cap - 1) {
			set_err(k, "line from the daemon on %s is too long",
				k->path);
			return GW_EIO;
		}
		if (lr->start > 0) {
			memmove(lr->buf, lr->buf + lr->start, lr->len);
			lr->start = 0;
		}
		if (stop != NULL && *stop)
			return READ_STOPPED;
		n = recv(fd, lr->buf + lr->len, cap - 1 - lr->len, 0);
		if (n > 0) {
			lr->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return READ_EOF;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			int w;

			if (deadline) {
				w = wait_fd(k, fd, POLLIN);
				if (w == 0)
					return timed_out(k);
				if (w > 0)
					continue;
			} else {
				w = poll(&p, 1, 100);
				if (w >= 0 || errno == EINTR)
					continue;
			}
		}
		if (k->err != NULL && k->errlen > 0)
			snprintf(k->err, k->errlen, "cannot read from %s: %s",
				 k->path, strerror(errno));
		return GW_EIO;
	}
}

int
gw_ctl_follow(const char *sock_path, const char *cmd, json_t *args,
	      int timeout_ms, gw_ctl_line_fn fn, void *arg,
	      const volatile int *stop, char *err, size_t errlen)
{
	struct call k = {
		.path = sock_path,
		.err = err,
		.errlen = errlen,
	};
	struct line_reader lr = {0};
	char *req = NULL;
	size_t req_len = 0;
	char *line;
	size_t len;
	int fd = -1;
	int rc;

	rc = call_begin(&k, sock_path, cmd, args, fn != NULL, timeout_ms);
	if (rc != 0)
		return rc;
	lr.buf = malloc(GW_CTL_EVENT_LINE_MAX + 2);
	req = encode_request(cmd, args, &req_len);
	if (lr.buf == NULL || req == NULL) {
		set_err(&k, "%s", "out of memory");
		rc = GW_ENOMEM;
		goto out;
	}
	rc = call_send(&k, req, req_len, &fd);
	if (rc != 0)
		goto out;
	/* The acknowledgement, under the deadline like any answer. */
	rc = read_stream_line(&k, fd, &lr, true, NULL, &line, &len);
	if (rc == READ_EOF) {
		set_err(&k, "daemon on %s closed the connection without answering",
			k.path);
		rc = GW_EIO;
	}
	if (rc < 0)
		goto out;
	rc = decode_answer(&k, line, len, NULL);
	if (rc != 0)
		goto out;
	for (;;) {
		rc = read_stream_line(&k, fd, &lr, false, stop, &line, &len);
		if (rc != READ_LINE)
			break;
		if (fn(line, len, arg) != 0) {
			rc = 0;
			break;
		}
	}
	if (rc > 0)
		rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(lr.buf);
	return rc;
}
