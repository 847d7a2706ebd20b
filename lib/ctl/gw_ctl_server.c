/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/gw_error.h"
#include "ctl/gw_ctl.h"
#include "ctl/gw_ctl_private.h"

/*
 * A small multiplexing server driven by the control thread: every socket is
 * non-blocking and every connection carries a deadline, so one slow or idle
 * client never holds up the thread or the other clients. Each connection
 * goes READ (gather one line) -> WRITE (send the answer) -> DRAIN (our side
 * shut down; discard whatever the client still sends until it closes), so
 * the answer is never lost to a reset caused by unread request bytes.
 */
enum conn_state {
	CONN_FREE = 0,
	CONN_READ,
	CONN_WRITE,
	CONN_DRAIN,
	CONN_STREAM, /* an events subscription: no deadline, pushed lines */
};

struct ctl_conn {
	int fd;
	enum conn_state state;
	uint64_t deadline_ms;
	size_t in_len;
	char *in;        /* GW_CTL_REQUEST_MAX + 1 bytes, allocated at open */
	char *out;       /* answer line (malloc'd) */
	size_t out_len;
	size_t out_off;
	/* CONN_STREAM only: pending bytes are sbuf[s_off, s_off + s_len). */
	char *sbuf; /* GW_CTL_STREAM_BUF bytes, allocated at subscription */
	size_t s_off;
	size_t s_len;
	uint64_t lost_pending; /* lines lost since the last gwctl_lost line */
	char type[GW_CTL_EVENT_TYPE_MAX + 1]; /* "" every type */
	int index; /* in gw_ctl_server.conn[] (counting streams) */
};

struct gw_ctl_server {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	struct ctl_conn conn[GW_CTL_MAX_CONN];
	uint64_t published;
	uint64_t lost;
};

uint64_t
gw_ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int
errno_to_gw(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return GW_ENOENT;
	case EADDRINUSE:
	case EEXIST:
		return GW_EEXIST;
	case ENOMEM:
	case ENOBUFS:
		return GW_ENOMEM;
	case ENAMETOOLONG:
	case EINVAL:
		return GW_EINVAL;
	default:
		return GW_EIO;
	}
}

/*
 * Is a daemon answering on an existing socket file? Only a refused
 * connection proves the file is stale; anything else (a live listener,
 * EACCES) means leave it alone.
 */
static int
probe_existing(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc;
	int e;

	if (fd < 0)
		return errno_to_gw(errno);
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(fd);
	if (rc == 0) {
		errno = EADDRINUSE;
		return GW_EEXIST;
	}
	if (e == ECONNREFUSED)
		return 0;
	errno = e;
	return e == EAGAIN ? GW_EEXIST : errno_to_gw(e);
}

struct gw_ctl_server *
gw_ctl_server_open(const char *path, int *err)
{
	struct gw_ctl_server *s = NULL;
	struct sockaddr_un sa;
	struct stat st;
	int rc = 0;
	int fd = -1;
	int e;
	int i;

	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		rc = GW_EINVAL;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			rc = GW_EEXIST;
			goto out;
		}
		rc = probe_existing(&sa);
		if (rc != 0)
			goto out;
		if (unlink(path) != 0 && errno != ENOENT) {
			rc = errno_to_gw(errno);
			goto out;
		}
	}

	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rc = GW_ENOMEM;
		goto out;
	}
	s->fd = -1;
	for (i = 0; i < GW_CTL_MAX_CONN; i++) {
		s->conn[i].fd = -1;
		s->conn[i].index = i;
		s->conn[i].in = malloc(GW_CTL_REQUEST_MAX + 1);
		if (s->conn[i].in == NULL) {
			rc = GW_ENOMEM;
			goto out;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = errno_to_gw(errno);
		goto out;
	}
	if (bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = errno_to_gw(errno);
		goto out;
	}
	/* Before listen(): nobody can connect while the mode is the umask's. */
	if (chmod(path, 0660) != 0 || stat(path, &st) != 0 ||
	    listen(fd, 64) != 0) {
		e = errno;
		unlink(path);
		errno = e;
		rc = errno_to_gw(e);
		goto out;
	}
	s->fd = fd;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	memcpy(s->path, path, strlen(path) + 1);
	fd = -1;
out:
	if (rc != 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		gw_ctl_server_close(s);
		s = NULL;
		errno = e;
	}
	if (err != NULL)
		*err = rc;
	return s;
}

static void
conn_close(struct ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	free(c->sbuf);
	c->sbuf = NULL;
	c->s_off = 0;
	c->s_len = 0;
	c->lost_pending = 0;
	c->type[0] = '\0';
	c->fd = -1;
	c->out = NULL;
	c->out_len = 0;
	c->out_off = 0;
	c->in_len = 0;
	c->state = CONN_FREE;
}

/*
 * Judges what one send() or recv() on the (non-blocking) socket returned:
 * true when the caller should go on (bytes moved, or EINTR); false when
 * the socket would block, or when the peer is gone or the call failed, in
 * which case the connection is closed.
 */
static bool
io_again(struct ctl_conn *c, ssize_t n)
{
	if (n > 0 || (n < 0 && errno == EINTR))
		return true;
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
		conn_close(c);
	return false;
}

/* Reads and drops whatever the client sends; EOF closes. */
static void
conn_discard(struct ctl_conn *c)
{
	char buf[4096];

	while (io_again(c, recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT)))
		;
}

/* Best effort, never waits: the connection is closed right after. */
static void
send_error_now(int fd, const char *msg)
{
	size_t len = 0;
	char *line = gw_ctl_error_line(msg, &len);

	if (line != NULL) {
		ssize_t n = send(fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		(void)n;
		free(line);
	}
}

static void
conn_flush(struct ctl_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (!io_again(c, n))
			return;
		if (n > 0)
			c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_DRAIN;
	c->deadline_ms = gw_ctl_now_ms() + GW_CTL_CONN_TIMEOUT_MS;
	conn_discard(c);
}

/* Queues an answer (NULL: allocation failed, the client just sees EOF). */
static void
conn_answer(struct ctl_conn *c, char *line, size_t len)
{
	if (line == NULL) {
		conn_close(c);
		return;
	}
	c->out = line;
	c->out_len = len;
	c->out_off = 0;
	c->state = CONN_WRITE;
	c->deadline_ms = gw_ctl_now_ms() + GW_CTL_CONN_TIMEOUT_MS;
	conn_flush(c);
}

static void
conn_error(struct ctl_conn *c, const char *msg, int *answered)
{
	size_t out_len = 0;
	char *line = gw_ctl_error_line(msg, &out_len);

	(*answered)++;
	conn_answer(c, line, out_len);
}

/* ---- event streams ---- */

/* Appends to the stream buffer when it fits; false otherwise. */
static bool
stream_append(struct ctl_conn *c, const char *data, size_t n, bool newline)
{
	size_t need = n + (newline ? 1 : 0);

	if (c->s_len + need > GW_CTL_STREAM_BUF)
		return false;
	if (c->s_off + c->s_len + need > GW_CTL_STREAM_BUF) {
		memmove(c->sbuf, c->sbuf + c->s_off, c->s_len);
		c->s_off = 0;
	}
	memcpy(c->sbuf + c->s_off + c->s_len, data, n);
	c->s_len += n;
	if (newline)
		c->sbuf[c->s_off + c->s_len++] = '\n';
	return true;
}

/*
 * Tells a subscriber how many lines it lost, once it has caught up: there
 * is room for the notice and reserve more bytes (the line that follows).
 * Until then the count keeps growing, so one notice covers a whole gap.
 */
static void
stream_note_lost(struct ctl_conn *c, size_t reserve)
{
	char line[80];
	int n;

	if (c->lost_pending == 0)
		return;
	n = snprintf(line, sizeof(line),
		     "{\"event_type\":\"gwctl_lost\",\"count\":%llu}\n",
		     (unsigned long long)c->lost_pending);
	if (n > 0 && c->s_len + (size_t)n + reserve <= GW_CTL_STREAM_BUF &&
	    stream_append(c, line, (size_t)n, false))
		c->lost_pending = 0;
}

/* Sends what the socket takes now; closes the connection on error. */
static void
stream_flush(struct ctl_conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->s_len == 0) {
			c->s_off = 0;
			if (c->lost_pending == 0)
				return;
			stream_note_lost(c, 0);
			continue;
		}
		n = send(c->fd, c->sbuf + c->s_off, c->s_len,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (!io_again(c, n))
			return;
		if (n > 0) {
			c->s_off += (size_t)n;
			c->s_len -= (size_t)n;
		}
	}
}

/*
 * An events request with "follow": true becomes a stream here (the
 * handler never sees it). Returns false for any other request.
 */
static bool
conn_subscribe(struct ctl_conn *c, unsigned int n_streams, size_t len,
	       int *answered)
{
	static const char ack[] = "{\"ok\":true,\"data\":{\"follow\":true}}\n";
	json_t *req = json_loadb(c->in, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *args;
	json_t *type;
	const char *t = "";

	if (req == NULL)
		return false;
	args = json_object_get(req, "args");
	if (!json_is_object(req) ||
	    !json_is_string(json_object_get(req, "cmd")) ||
	    strcmp(json_string_value(json_object_get(req, "cmd")),
		   GW_CTL_CMD_EVENTS) != 0 ||
	    !json_is_object(args) ||
	    !json_is_true(json_object_get(args, "follow"))) {
		json_decref(req);
		return false;
	}
	type = json_object_get(args, "type");
	if (type != NULL && !json_is_null(type)) {
		t = json_string_value(type);
		if (t == NULL || t[0] == '\0' ||
		    strlen(t) > GW_CTL_EVENT_TYPE_MAX) {
			json_decref(req);
			conn_error(c, "malformed request: 'type' must be an event type of 1..32 characters",
				   answered);
			return true;
		}
	}
	if (n_streams >= GW_CTL_MAX_SUBSCRIBERS) {
		json_decref(req);
		conn_error(c, "too many event subscribers", answered);
		return true;
	}
	c->sbuf = malloc(GW_CTL_STREAM_BUF);
	if (c->sbuf == NULL) {
		json_decref(req);
		conn_error(c, "out of memory", answered);
		return true;
	}
	memcpy(c->type, t, strlen(t) + 1);
	json_decref(req);
	c->state = CONN_STREAM;
	c->s_off = 0;
	c->s_len = 0;
	c->lost_pending = 0;
	stream_append(c, ack, sizeof(ack) - 1, false);
	(*answered)++;
	stream_flush(c);
	return true;
}

int
gw_ctl_server_publish(struct gw_ctl_server *s, const char *event_type,
		      const char *line, size_t len)
{
	int queued = 0;
	int i;

	if (s == NULL || line == NULL)
		return GW_EINVAL;
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len == 0 || len > GW_CTL_EVENT_LINE_MAX ||
	    memchr(line, '\n', len) != NULL)
		return GW_EINVAL;
	for (i = 0; i < GW_CTL_MAX_CONN; i++) {
		struct ctl_conn *c = &s->conn[i];

		if (c->state != CONN_STREAM)
			continue;
		if (c->type[0] != '\0' &&
		    (event_type == NULL || strcmp(c->type, event_type) != 0))
			continue;
		stream_note_lost(c, len + 1);
		if (c->lost_pending == 0 && stream_append(c, line, len, true)) {
			s->published++;
			queued++;
		} else {
			c->lost_pending++;
			s->lost++;
		}
		stream_flush(c);
	}
	return queued;
}

void
gw_ctl_server_stream_stats(const struct gw_ctl_server *s,
			   struct gw_ctl_stream_stats *st)
{
	int i;

	if (st == NULL)
		return;
	memset(st, 0, sizeof(*st));
	if (s == NULL)
		return;
	for (i = 0; i < GW_CTL_MAX_CONN; i++)
		st->subscribers += s->conn[i].state == CONN_STREAM;
	st->published = s->published;
	st->lost = s->lost;
}

static void
conn_request(struct ctl_conn *c, size_t len, gw_ctl_handler_fn fn, void *arg,
	     int *answered)
{
	struct ctl_conn *first = c - c->index;
	unsigned int n_streams = 0;
	size_t out_len = 0;
	char *line;
	int i;

	for (i = 0; i < GW_CTL_MAX_CONN; i++)
		n_streams += first[i].state == CONN_STREAM;
	if (conn_subscribe(c, n_streams, len, answered))
		return;
	line = gw_ctl_handle_request(c->in, len, fn, arg, &out_len);
	(*answered)++;
	conn_answer(c, line, out_len);
}

/* Reads what is there; answers once a whole line (or EOF) arrived. */
static void
conn_read(struct ctl_conn *c, gw_ctl_handler_fn fn, void *arg, int *answered)
{
	for (;;) {
		size_t room = GW_CTL_REQUEST_MAX + 1 - c->in_len;
		char *nl;
		ssize_t n;

		if (room == 0) {
			conn_error(c, "request too large", answered);
			return;
		}
		n = recv(c->fd, c->in + c->in_len, room, 0);
		if (n > 0) {
			nl = memchr(c->in + c->in_len, '\n', (size_t)n);
			c->in_len += (size_t)n;
			if (nl != NULL) {
				conn_request(c, (size_t)(nl - c->in), fn, arg,
					     answered);
				return;
			}
			continue;
		}
		/* A client may end its request with EOF instead of '\n'. */
		if (n == 0 && c->in_len > 0) {
			conn_request(c, c->in_len, fn, arg, answered);
			return;
		}
		if (!io_again(c, n))
			return;
	}
}

static void
conn_service(struct ctl_conn *c, gw_ctl_handler_fn fn, void *arg,
	     int *answered)
{
	switch (c->state) {
	case CONN_READ:
		conn_read(c, fn, arg, answered);
		break;
	case CONN_WRITE:
		conn_flush(c);
		break;
	case CONN_DRAIN:
		conn_discard(c);
		break;
	case CONN_STREAM:
		/* A subscriber sends nothing more after its request. */
		conn_discard(c);
		if (c->state == CONN_STREAM)
			stream_flush(c);
		break;
	default:
		break;
	}
}

static void
accept_new(struct gw_ctl_server *s, gw_ctl_handler_fn fn, void *arg,
	   int *answered)
{
	int budget = GW_CTL_MAX_CONN;

	while (budget-- > 0) {
		struct ctl_conn *c = NULL;
		int fd;
		int i;

		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN, or a transient error: next call */
		}
		for (i = 0; i < GW_CTL_MAX_CONN; i++) {
			if (s->conn[i].state == CONN_FREE) {
				c = &s->conn[i];
				break;
			}
		}
		if (c == NULL) {
			send_error_now(fd, "server busy");
			close(fd);
			continue;
		}
		c->fd = fd;
		c->state = CONN_READ;
		c->in_len = 0;
		c->deadline_ms = gw_ctl_now_ms() + GW_CTL_CONN_TIMEOUT_MS;
		/* The request is often already there: no extra poll round. */
		conn_read(c, fn, arg, answered);
	}
}

static void
expire(struct gw_ctl_server *s, uint64_t now)
{
	int i;

	for (i = 0; i < GW_CTL_MAX_CONN; i++) {
		struct ctl_conn *c = &s->conn[i];

		if (c->state == CONN_FREE || c->state == CONN_STREAM ||
		    now < c->deadline_ms)
			continue;
		if (c->state == CONN_READ)
			send_error_now(c->fd, "request timeout");
		conn_close(c);
	}
}

int
gw_ctl_server_poll(struct gw_ctl_server *s, int timeout_ms,
		   gw_ctl_handler_fn fn, void *arg)
{
	struct pollfd pfd[GW_CTL_MAX_CONN + 1];
	int which[GW_CTL_MAX_CONN + 1];
	uint64_t now = gw_ctl_now_ms();
	int answered = 0;
	int n = 0;
	int wait = timeout_ms;
	int rc;
	int i;

	if (s == NULL || fn == NULL)
		return GW_EINVAL;
	pfd[n].fd = s->fd;
	pfd[n].events = POLLIN;
	which[n++] = -1;
	for (i = 0; i < GW_CTL_MAX_CONN; i++) {
		struct ctl_conn *c = &s->conn[i];
		int left;

		if (c->state == CONN_FREE)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = c->state == CONN_WRITE ? POLLOUT : POLLIN;
		which[n++] = i;
		if (c->state == CONN_STREAM) {
			/* No deadline: a subscriber stays until it leaves. */
			if (c->s_len > 0 || c->lost_pending > 0)
				pfd[n - 1].events |= POLLOUT;
			continue;
		}
		/* Wake up in time to expire the connection. */
		left = c->deadline_ms > now ? (int)(c->deadline_ms - now) : 0;
		if (wait < 0 || left < wait)
			wait = left;
	}
	rc = poll(pfd, (nfds_t)n, wait);
	if (rc < 0)
		return errno == EINTR ? 0 : GW_EIO;
	for (i = 1; i < n; i++) {
		if (pfd[i].revents != 0)
			conn_service(&s->conn[which[i]], fn, arg, &answered);
	}
	if (pfd[0].revents & POLLIN)
		accept_new(s, fn, arg, &answered);
	expire(s, gw_ctl_now_ms());
	return answered;
}

void
gw_ctl_server_close(struct gw_ctl_server *s)
{
	struct stat st;
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < GW_CTL_MAX_CONN; i++) {
		conn_close(&s->conn[i]);
		free(s->conn[i].in);
	}
	if (s->fd >= 0) {
		close(s->fd);
		/* Another instance may have replaced the file: keep theirs. */
		if (s->path[0] != '\0' && stat(s->path, &st) == 0 &&
		    st.st_dev == s->dev && st.st_ino == s->ino)
			unlink(s->path);
	}
	free(s);
}
