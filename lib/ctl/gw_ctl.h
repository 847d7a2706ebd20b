/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_CTL_H
#define GW_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * The control socket protocol, shared by the daemon (server) and gwctl
 * (client). A Unix stream socket; one request per connection:
 *
 *   request   {"cmd":"stats","args":{...}}\n         ("args" optional)
 *   response  {"ok":true,"data":{...}}\n
 *         or  {"ok":false,"error":"message"}\n
 *
 * A request line is at most GW_CTL_REQUEST_MAX bytes without its newline;
 * longer ones are answered "request too large". The data of each command
 * is documented in docs/gwctl.md; "stats" is built by gw_stats_to_json()
 * (ctl/gw_stats.h) so that its shape lives in one place.
 */

#define GW_CTL_SOCKET_DEFAULT "/run/egressgw/egressgw.sock"
#define GW_CTL_SOCKET_ENV "EGRESSGW_SOCKET"

#define GW_CTL_REQUEST_MAX 65536u          /* bytes, newline excluded */
#define GW_CTL_RESPONSE_MAX (16u << 20)    /* client refuses longer answers */
#define GW_CTL_MAX_CONN 16                 /* connections served at once */
#define GW_CTL_CONN_TIMEOUT_MS 2000        /* to send a request / read the answer */
#define GW_CTL_TIMEOUT_DEFAULT_MS 5000     /* gw_ctl_call() with timeout_ms <= 0 */
#define GW_CTL_ERR_MAX 256                 /* handler error buffer size */

/* Command names (requests are built from these, never spelled twice). */
#define GW_CTL_CMD_STATS "stats"
#define GW_CTL_CMD_FLOWS "flows"
#define GW_CTL_CMD_TOP "top"
#define GW_CTL_CMD_WHY "why"
#define GW_CTL_CMD_CHECK "check"
#define GW_CTL_CMD_RELOAD "reload"
#define GW_CTL_CMD_QUARANTINE "quarantine"
#define GW_CTL_CMD_RELEASE "release"
#define GW_CTL_CMD_EVENTS "events"

/*
 * Event streaming: {"cmd":"events","args":{"follow":true[,"type":"alert"]}}
 * is answered by the server itself with {"ok":true,"data":{"follow":true}}
 * and the connection then stays open: every line given to
 * gw_ctl_server_publish() (of that event_type, when a type was asked) is
 * pushed to it. Each subscriber has a bounded output buffer: when it is
 * full the line is lost for that subscriber only (counted), and once it
 * has room again it first receives {"event_type":"gwctl_lost","count":N}.
 * At most GW_CTL_MAX_SUBSCRIBERS streams are open at once (more are
 * answered "too many event subscribers"), so requests always find a slot.
 */
#define GW_CTL_EVENT_TYPE_MAX 32           /* bytes of a type filter */
#define GW_CTL_MAX_SUBSCRIBERS (GW_CTL_MAX_CONN / 2) /* slots left for requests */
#define GW_CTL_STREAM_BUF (256u << 10)     /* per subscriber output buffer */
#define GW_CTL_EVENT_LINE_MAX GW_CTL_REQUEST_MAX /* longest line published */

/*
 * Handles one command. Returns the "data" of the answer (a new reference,
 * the server takes it), or NULL with a message in err (NUL-terminated,
 * errlen >= 1) for an {"ok":false} answer. args is a JSON object (empty
 * when the request had none), borrowed.
 */
typedef json_t *(*gw_ctl_handler_fn)(const char *cmd, json_t *args, void *arg,
				     char *err, size_t errlen);

/* ---- client ---- */

/*
 * Sends one request and waits for the answer, at most timeout_ms in all
 * (<= 0: GW_CTL_TIMEOUT_DEFAULT_MS). args may be NULL (borrowed).
 * Returns 0 with *data_out (new reference; data_out may be NULL to drop it),
 * GW_EINVAL when the daemon answered {"ok":false} (err holds its message)
 * or on bad arguments, GW_ENOENT when there is no socket at sock_path, GW_EIO
 * for any other failure to talk to the daemon (connection refused,
 * permission denied, timeout, garbled answer), GW_ENOMEM. err always says
 * what happened in words an operator can act on, e.g.
 * "daemon not running (no socket at /run/egressgw/egressgw.sock)".
 */
int gw_ctl_call(const char *sock_path, const char *cmd, json_t *args,
		int timeout_ms, json_t **data_out, char *err, size_t errlen);

/*
 * Called by gw_ctl_follow() for every streamed line (without its newline;
 * NUL-terminated). A non-zero return stops following.
 */
typedef int (*gw_ctl_line_fn)(const char *line, size_t len, void *arg);

/*
 * Sends a subscription request (cmd with args, e.g. GW_CTL_CMD_EVENTS with
 * {"follow":true}) and, once the daemon acknowledged it (within
 * timeout_ms), calls fn for every line it pushes, without a deadline,
 * until the daemon closes the connection (returns 0), fn returns non-zero
 * (returns 0), *stop becomes non-zero (checked at least every 100 ms;
 * returns 0; stop may be NULL) or an error (as gw_ctl_call(): GW_EINVAL
 * when the daemon refused the request, GW_ENOENT, GW_EIO, GW_ENOMEM).
 * A line longer than GW_CTL_EVENT_LINE_MAX ends the stream with GW_EIO.
 */
int gw_ctl_follow(const char *sock_path, const char *cmd, json_t *args,
		  int timeout_ms, gw_ctl_line_fn fn, void *arg,
		  const volatile int *stop, char *err, size_t errlen);

/* ---- server ---- */

struct gw_ctl_server;

/*
 * Listens on path (mode 0660). The parent directory must exist (GW_ENOENT
 * otherwise: creating it with the right owner is the service manager's
 * job). An existing socket file is replaced only when nothing listens on
 * it (GW_EEXIST when a daemon does, or when path is not a socket). Returns
 * NULL with *err set (GW_EINVAL, GW_ENOENT, GW_EEXIST, GW_EIO, GW_ENOMEM;
 * errno is left from the failing call); *err = 0 on success.
 */
struct gw_ctl_server *gw_ctl_server_open(const char *path, int *err);

/*
 * Serves the socket for up to timeout_ms (0: only what is ready, -1: until
 * something happens): accepts new connections without blocking, reads
 * requests, calls fn for each complete one and writes the answer. Every
 * connection has a deadline (GW_CTL_CONN_TIMEOUT_MS), so a client that
 * connects and sends nothing costs a slot for that long and never blocks
 * the caller or other clients; at most GW_CTL_MAX_CONN are served at once
 * (more are answered "server busy"). Returns the number of answers sent in
 * this call, or GW_EIO when poll() fails.
 */
int gw_ctl_server_poll(struct gw_ctl_server *s, int timeout_ms,
		       gw_ctl_handler_fn fn, void *arg);

/*
 * Pushes one event line (len bytes, with or without its trailing newline;
 * at most GW_CTL_EVENT_LINE_MAX) to every subscriber that follows
 * event_type (or every type). Never blocks: a line that does not fit in a
 * subscriber's buffer is lost for it and counted. Returns the number of
 * subscribers that got the line queued, or GW_EINVAL.
 */
int gw_ctl_server_publish(struct gw_ctl_server *s, const char *event_type,
			  const char *line, size_t len);

struct gw_ctl_stream_stats {
	unsigned int subscribers; /* open event streams */
	uint64_t published;       /* lines queued to a subscriber (one per subscriber) */
	uint64_t lost;            /* lines lost to full subscriber buffers */
};

void gw_ctl_server_stream_stats(const struct gw_ctl_server *s,
				struct gw_ctl_stream_stats *st);

/* Closes every connection and the socket, and removes the socket file if it is still ours. */
void gw_ctl_server_close(struct gw_ctl_server *s);

/*
 * One request line (without its newline) to one answer line (with its
 * newline, malloc'd, NUL-terminated; *out_len its length). This is what the
 * server does with each request; exposed for tests and fuzzing. NULL only
 * on allocation failure.
 */
char *gw_ctl_handle_request(const char *line, size_t len, gw_ctl_handler_fn fn,
			    void *arg, size_t *out_len);

/* ---- command tables ---- */

struct gw_ctl_cmd {
	const char *name;
	const char *help;
	gw_ctl_handler_fn fn; /* called with the table's arg */
};

struct gw_ctl_dispatch {
	const struct gw_ctl_cmd *cmds;
	size_t n_cmds;
	void *arg;
};

/*
 * A gw_ctl_handler_fn over a command table (arg: struct gw_ctl_dispatch *):
 * calls the entry named cmd, or answers "unknown command 'x'".
 */
json_t *gw_ctl_dispatch(const char *cmd, json_t *args, void *dispatch,
			char *err, size_t errlen);

#endif /* GW_CTL_H */
