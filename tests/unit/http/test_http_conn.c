/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x request-boundary tracker tests. Each stream is fed whole, split
 * in two at every offset, byte by byte, and truncated at every length, each
 * piece placed right before a guard page; the events (type, stream offset,
 * request index, host_changed, ...) must be the same every time and equal
 * the table's.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "http/gw_http_conn.h"
#include "gw_test.h"

#define MAX_EVENTS 16

struct rec {
	int type;
	size_t pos;             /* HEAD/STOP: stream offset after the event; MALFORMED: offending byte */
	uint32_t request;
	bool host_changed, has_host, is_connect, upgrade, chunked, last;
	uint8_t minor;
	uint64_t hash;
	uint64_t content_length;
	char host[256];
	char method[32];
};

struct run {
	size_t n;
	struct rec ev[MAX_EVENTS];
};

static void
record(struct run *r, const struct gw_http_conn_ev *ev, size_t pos, bool text)
{
	struct rec *x;

	ck_assert_uint_lt(r->n, MAX_EVENTS);
	x = &r->ev[r->n++];
	memset(x, 0, sizeof(*x));
	x->type = ev->type;
	x->pos = pos;
	if (ev->type != GW_HTTP_EV_HEAD)
		return;
	x->request = ev->request;
	x->host_changed = ev->host_changed;
	x->has_host = ev->has_host;
	x->is_connect = ev->is_connect;
	x->upgrade = ev->upgrade;
	x->chunked = ev->chunked;
	x->last = ev->last;
	x->minor = ev->minor_version;
	x->hash = ev->host_hash;
	x->content_length = ev->content_length;
	if (!text) {
		ck_assert_ptr_null(ev->host);
		ck_assert_ptr_null(ev->method);
		return;
	}
	ck_assert_ptr_nonnull(ev->method);
	ck_assert_uint_eq(strlen(ev->method), ev->method_len);
	memcpy(x->method, ev->method, ev->method_len + 1);
	if (ev->has_host) {
		ck_assert_ptr_nonnull(ev->host);
		ck_assert_uint_eq(strlen(ev->host), ev->host_len);
		memcpy(x->host, ev->host, ev->host_len + 1);
	} else {
		ck_assert_ptr_null(ev->host);
	}
}

/*
 * Feeds s[0..len) in pieces ending at cuts[] (ascending, last = len), each
 * piece before a guard page, then one empty feed; collects every event
 * other than NEED_MORE (a terminal one once).
 */
/* run_stream's text modes: none, one buffer throughout, or lent (below). */
#define TEXT_NONE 0
#define TEXT_FIXED 1
#define TEXT_LENT 2

/*
 * TEXT_LENT is how the worker shares a few buffers among many connections:
 * a buffer is attached before every feed when none is, and taken away
 * (and scribbled over) after every feed that leaves the tracker between
 * heads; a different buffer is attached next time.
 */
static void
lend_before(struct gw_http_conn *st, struct gw_http_conn_text *tb,
	    unsigned int *turn, bool *attached)
{
	if (*attached)
		return;
	*turn ^= 1;
	memset(&tb[*turn], 'X', sizeof(tb[*turn]));
	ck_assert(gw_http_conn_set_text(st, &tb[*turn]));
	*attached = true;
}

static void
lend_after(struct gw_http_conn *st, struct gw_http_conn_text *tb,
	   unsigned int turn, bool *attached)
{
	if (gw_http_conn_in_head(st)) {
		/* a head being read keeps its buffer */
		ck_assert(!gw_http_conn_set_text(st, NULL));
		return;
	}
	ck_assert(gw_http_conn_set_text(st, NULL));
	memset(&tb[turn], 0x55, sizeof(tb[turn]));
	*attached = false;
}

static void
run_stream(const char *s, size_t len, const size_t *cuts, size_t n_cuts,
	   int text, struct run *r)
{
	struct gw_http_conn st;
	struct gw_http_conn_text tb[2];
	struct gw_http_conn_ev ev;
	size_t base = 0, k;
	uint32_t seq0 = 0xfffffff0u; /* wraps inside the stream */
	unsigned int turn = 0;
	bool attached = false;

	memset(r, 0, sizeof(*r));
	gw_http_conn_init(&st, seq0, text == TEXT_FIXED ? &tb[0] : NULL);
	for (k = 0; k <= n_cuts; k++) {
		size_t end = k < n_cuts ? cuts[k] : len, off = 0;
		size_t plen = end - base;
		struct gw_guard g;
		uint8_t *p = gw_guard_place(&g, s + base, plen);

		for (;;) {
			int rc;

			if (text == TEXT_LENT)
				lend_before(&st, tb, &turn, &attached);
			rc = gw_http_conn_feed(&st, p + off, plen - off, &ev);
			ck_assert_int_ge(rc, 0);
			ck_assert_uint_le((size_t)rc, plen - off);
			off += (size_t)rc;
			if (ev.type == GW_HTTP_EV_NEED_MORE) {
				ck_assert_uint_eq(off, plen);
				if (text == TEXT_LENT)
					lend_after(&st, tb, turn, &attached);
				break;
			}
			record(r, &ev, base + off, text != TEXT_NONE);
			if (text == TEXT_LENT)
				lend_after(&st, tb, turn, &attached);
			if (ev.type != GW_HTTP_EV_HEAD && gw_http_conn_done(&st)) {
				/* reported again, consuming nothing */
				ck_assert_int_eq(gw_http_conn_feed(&st, p, plen, &ev), 0);
				ck_assert_int_eq(ev.type, r->ev[r->n - 1].type);
				gw_guard_release(&g);
				ck_assert_uint_eq(st.next_seq, seq0 + (uint32_t)(base + off));
				return;
			}
		}
		gw_guard_release(&g);
		base = end;
		ck_assert_uint_eq(st.next_seq, seq0 + (uint32_t)base);
	}
}

/* ---- expected events ---- */

struct exp_ev {
	int type;
	const char *mark;  /* the event is at the end of the next occurrence of mark ... */
	int adj;           /* ... plus adj (MALFORMED: the offending byte) */
	bool changed;
	bool last;
	const char *host;  /* HEAD: normalised effective host, "" = none */
	const char *method;
};

struct vec {
	const char *label;
	const char *stream;
	struct exp_ev ev[8];
	unsigned int n_ev;
};

#define HEAD(m, ch, h, meth) {GW_HTTP_EV_HEAD, m, 0, ch, false, h, meth}
#define HEAD_LAST(m, h, meth) {GW_HTTP_EV_HEAD, m, 0, false, true, h, meth}
#define STOP(m) {GW_HTTP_EV_STOP, m, 0, false, false, NULL, NULL}
#define BAD(m, a) {GW_HTTP_EV_MALFORMED, m, a, false, false, NULL, NULL}

#define G(path, host) "GET " path " HTTP/1.1\r\nHost: " host "\r\n\r\n"
#define EOH "\r\n\r\n"
#define CHUNK26 "abcdefghijklmnopqrstuvwxyz"
#define BODY_REQ "GET /x HTTP/1.1\r\nHost: evil.test\r\n\r\n"

static const struct vec vecs[] = {
	{"keep-alive GET x3 same host",
	 G("/a", "example.com") G("/b", "example.com") G("/c", "example.com"),
	 {HEAD(EOH, false, "example.com", "GET"),
	  HEAD(EOH, false, "example.com", "GET"),
	  HEAD(EOH, false, "example.com", "GET")}, 3},
	{"second request names another host",
	 G("/", "example.com") G("/", "other.example"),
	 {HEAD(EOH, false, "example.com", "GET"),
	  HEAD(EOH, true, "other.example", "GET")}, 2},
	{"POST with Content-Length (a request in the body) then GET",
	 "POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Length: 36\r\n\r\n"
	 BODY_REQ G("/", "example.com"),
	 {HEAD(EOH, false, "example.com", "POST"),
	  HEAD("\r\nHost: example.com" EOH, false, "example.com", "GET")}, 2},
	{"chunked with extensions and trailers, then another host",
	 "POST /u HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
	 "5;name=val\r\nhello\r\n1A ; x=\"y z\"; q\r\n" CHUNK26 "\r\n"
	 "0\r\nX-Trailer: t\r\nX-Other:\r\n\r\n" G("/", "b.example"),
	 {HEAD(EOH, false, "example.com", "POST"),
	  HEAD("b.example" EOH, true, "b.example", "GET")}, 2},
	{"chunked: request-like bytes in chunks are skipped",
	 "PUT /u HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
	 "24\r\n" BODY_REQ "\r\n0\r\n\r\n" G("/", "example.com"),
	 {HEAD(EOH, false, "example.com", "PUT"),
	  HEAD("Host: example.com" EOH, false, "example.com", "GET")}, 2},
	{"pipelined: case, port, trailing dot, absolute-form are the same host",
	 "GET / HTTP/1.1\r\nHost: Example.COM:80\r\n\r\n"
	 "GET / HTTP/1.1\r\nHost:  example.com.\t \r\n\r\n"
	 "GET http://EXAMPLE.com:8080/p?q HTTP/1.1\r\nHost: example.com\r\n\r\n"
	 "HEAD / HTTP/1.1\nHost: example.com\n\n",
	 {HEAD(EOH, false, "example.com", "GET"),
	  HEAD(EOH, false, "example.com", "GET"),
	  HEAD(EOH, false, "example.com", "GET"),
	  HEAD("\n\n", false, "example.com", "HEAD")}, 4},
	{"IPv6 literal host, then the same with a port",
	 G("/", "[2001:DB8::1]") G("/", "[2001:db8::1]:8080"),
	 {HEAD(EOH, false, "2001:db8::1", "GET"),
	  HEAD(EOH, false, "2001:db8::1", "GET")}, 2},
	{"empty lines between requests, Expect: 100-continue",
	 G("/", "example.com") "\r\n\r\n"
	 "POST / HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi"
	 "\r\n" G("/", "example.com"),
	 {HEAD(EOH, false, "example.com", "GET"),
	  HEAD("100-continue\r\nContent-Length: 2" EOH, false, "example.com", "POST"),
	  HEAD("\r\nHost: example.com" EOH, false, "example.com", "GET")}, 3},
	{"CONNECT stops",
	 "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
	 "\x16\x03\x01\x01\x05garbage",
	 {HEAD_LAST(EOH, "example.com", "CONNECT"), STOP("")}, 2},
	{"Upgrade stops after a normal request",
	 G("/", "example.com")
	 "GET /ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
	 "\x81\x85 binary frame GET / HTTP/1.1\r\nHost: other\r\n\r\n",
	 {HEAD(EOH, false, "example.com", "GET"),
	  HEAD_LAST(EOH, "example.com", "GET"), STOP("")}, 3},
	{"HTTP/1.0 without keep-alive: one request",
	 "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nHost: other\r\n\r\n",
	 {HEAD_LAST(EOH, "", "GET"), STOP("")}, 2},
	{"HTTP/1.0 keep-alive goes on",
	 "GET / HTTP/1.0\r\nHost: example.com\r\nConnection: Keep-Alive\r\n\r\n"
	 "GET / HTTP/1.0\r\nHost: other\r\nConnection: keep-alive\r\n\r\n",
	 {HEAD(EOH, false, "example.com", "GET"),
	  HEAD(EOH, true, "other", "GET")}, 2},
	{"Connection: close stops after the body",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nConnection: foo, close\r\nContent-Length: 3\r\n\r\nabc"
	 G("/", "other"),
	 {HEAD_LAST(EOH, "example.com", "POST"), STOP("abc")}, 2},
	{"chunked last request stops after its trailers",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
	 "3\r\nabc\r\n0\r\n\r\nGET",
	 {HEAD_LAST(EOH, "example.com", "POST"), STOP("0\r\n\r\n")}, 2},
	{"Content-Length and Transfer-Encoding: smuggling",
	 G("/", "example.com")
	 "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	 {HEAD(EOH, false, "example.com", "GET"), BAD(EOH, -1)}, 2},
	{"absurd chunk size",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
	 "00ffffffffffffffff\r\n",
	 {HEAD(EOH, false, "example.com", "POST"), BAD("00" "fffff" "fffff" "fffff", 0)}, 2},
	{"chunk data not followed by CRLF",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
	 "3\r\nabcd\r\n",
	 {HEAD(EOH, false, "example.com", "POST"), BAD("abc", 0)}, 2},
	{"chunk-size line ended by a bare LF",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
	 "3\nabc\r\n",
	 {HEAD(EOH, false, "example.com", "POST"), BAD("3", 0)}, 2},
	{"chunk extension without ';'",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
	 "3 4\r\nabc\r\n",
	 {HEAD(EOH, false, "example.com", "POST"), BAD("3 ", 0)}, 2},
	{"Transfer-Encoding whose last coding is not chunked",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
	 {BAD(EOH, -1)}, 1},
	{"Transfer-Encoding chunked twice",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	 {BAD("chunked\r\nTransfer-Encoding: chunked\r", 0)}, 1},
	{"Transfer-Encoding with a parameter",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked;x=1\r\n\r\n",
	 {BAD("chunked", 0)}, 1},
	{"two Content-Length fields",
	 G("/", "example.com")
	 "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
	 {HEAD(EOH, false, "example.com", "GET"), BAD("1\r\nContent-Length", 0)}, 2},
	{"Content-Length list",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1, 1\r\n\r\nx",
	 {BAD("Content-Length: 1", 0)}, 1},
	{"Content-Length above the cap",
	 "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 99999999999999999999\r\n\r\n",
	 {BAD("Content-Length: " "999999999" "999999999", 0)}, 1},
	{"second request without Host (HTTP/1.1)",
	 G("/", "example.com") "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
	 {HEAD(EOH, false, "example.com", "GET"), BAD(EOH, -1)}, 2},
	{"two Host fields",
	 G("/", "example.com") "GET / HTTP/1.1\r\nHost: example.com\r\nhost: example.com\r\n\r\n",
	 {HEAD(EOH, false, "example.com", "GET"), BAD("example.com\r\nhost", 0)}, 2},
	{"obs-fold",
	 G("/", "example.com") "GET / HTTP/1.1\r\nHost: example.com\r\nX-A: a\r\n b\r\n\r\n",
	 {HEAD(EOH, false, "example.com", "GET"), BAD("X-A: a\r\n", 0)}, 2},
	{"bare CR in a header value",
	 G("/", "example.com") "GET / HTTP/1.1\r\nHost: example.com\r\nX-A: a\rb\r\n\r\n",
	 {HEAD(EOH, false, "example.com", "GET"), BAD("X-A: a\r", 0)}, 2},
	{"absolute-form authority differs from Host",
	 "GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n",
	 {BAD(EOH, -1)}, 1},
	{"Host with userinfo",
	 G("/", "example.com") "GET / HTTP/1.1\r\nHost: u@example.com\r\n\r\n",
	 {HEAD(EOH, false, "example.com", "GET"), BAD("Host: u", 0)}, 2},
	{"Host with an empty label",
	 "GET / HTTP/1.1\r\nHost: a..b\r\n\r\n",
	 {BAD("Host: a.", 0)}, 1},
	{"IPv6 literal without a colon",
	 "GET / HTTP/1.1\r\nHost: [1.2]\r\n\r\n",
	 {BAD("Host: [1.2", 0)}, 1},
	{"Host port out of range",
	 "GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n",
	 {BAD("Host: a:6553", 0)}, 1},
	{"CONNECT without a port",
	 "CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
	 {BAD("CONNECT example.com", 0)}, 1},
	{"HTTP/0.9 and HTTP/2 request lines",
	 G("/", "example.com") "GET /\r\n",
	 {HEAD(EOH, false, "example.com", "GET"), BAD("GET /", 0)}, 2},
	{"HTTP/2 version",
	 "GET / HTTP/2.0\r\n\r\n",
	 {BAD("HTTP/", 0)}, 1},
	{"method too long",
	 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA / HTTP/1.1\r\n",
	 {BAD("AAAAAAAAAA" "AAAAAAAAAA" "AAAAAAAAAA" "A", 0)}, 1},
	{"garbage between requests",
	 G("/", "example.com") "\x01GET",
	 {HEAD(EOH, false, "example.com", "GET"), BAD("", 0)}, 2},
};

static size_t
find_from(const char *s, size_t len, size_t from, const char *mark)
{
	size_t ml = strlen(mark), k;

	for (k = from; k + ml <= len; k++)
		if (memcmp(s + k, mark, ml) == 0)
			return k;
	ck_abort_msg("mark \"%s\" not found after %zu", mark, from);
	return 0;
}

/* Checks the whole-stream run against the table. */
static void
check_expected(const struct vec *v, size_t len, const struct run *r)
{
	size_t pos = 0;
	unsigned int k;

	ck_assert_msg(r->n == v->n_ev, "%s: %zu events, want %u", v->label,
		      r->n, v->n_ev);
	for (k = 0; k < v->n_ev; k++) {
		const struct exp_ev *e = &v->ev[k];
		const struct rec *x = &r->ev[k];
		size_t at = find_from(v->stream, len, pos, e->mark);

		at = (size_t)((long)(at + strlen(e->mark)) + e->adj);
		ck_assert_msg(x->type == e->type && x->pos == at,
			      "%s: event %u: type %d at %zu, want %d at %zu",
			      v->label, k, x->type, x->pos, e->type, at);
		pos = at;
		if (e->type != GW_HTTP_EV_HEAD)
			continue;
		ck_assert_msg(x->host_changed == e->changed && x->last == e->last,
			      "%s: event %u: changed %d last %d", v->label, k,
			      x->host_changed, x->last);
		ck_assert_str_eq(x->host, e->host);
		ck_assert_int_eq(x->has_host, e->host[0] != '\0');
		ck_assert_str_eq(x->method, e->method);
		ck_assert_int_eq(x->is_connect, strcmp(e->method, "CONNECT") == 0);
	}
}

static void
assert_same(const struct vec *v, const struct run *a, const struct run *b,
	    const char *how, size_t at)
{
	size_t k;

	ck_assert_msg(a->n == b->n, "%s: %s %zu: %zu events, want %zu",
		      v->label, how, at, b->n, a->n);
	for (k = 0; k < a->n; k++)
		ck_assert_msg(memcmp(&a->ev[k], &b->ev[k], sizeof(a->ev[k])) == 0,
			      "%s: %s %zu: event %zu differs", v->label, how,
			      at, k);
}

START_TEST(test_vectors)
{
	const struct vec *v = &vecs[_i];
	size_t len = strlen(v->stream), k, c;
	struct run whole, other;
	size_t *cuts = calloc(len + 1, sizeof(*cuts));

	ck_assert_ptr_nonnull(cuts);
	run_stream(v->stream, len, NULL, 0, true, &whole);
	check_expected(v, len, &whole);

	/* two pieces, split at every offset */
	for (c = 0; c <= len; c++) {
		cuts[0] = c;
		run_stream(v->stream, len, cuts, 1, true, &other);
		assert_same(v, &whole, &other, "split at", c);
	}
	/* three pieces: every offset, then the middle of the rest */
	for (c = 0; c < len; c++) {
		cuts[0] = c;
		cuts[1] = c + (len - c) / 2;
		run_stream(v->stream, len, cuts, 2, true, &other);
		assert_same(v, &whole, &other, "split 3 at", c);
	}
	/* byte by byte */
	for (k = 0; k < len; k++)
		cuts[k] = k + 1;
	run_stream(v->stream, len, cuts, len > 0 ? len - 1 : 0, true, &other);
	assert_same(v, &whole, &other, "byte by byte", len);

	/* a buffer lent only while a head is read: the same events, names
	 * included, whole, at every split and byte by byte */
	run_stream(v->stream, len, NULL, 0, TEXT_LENT, &other);
	assert_same(v, &whole, &other, "lent text, whole", len);
	for (c = 0; c <= len; c++) {
		cuts[0] = c;
		run_stream(v->stream, len, cuts, 1, TEXT_LENT, &other);
		assert_same(v, &whole, &other, "lent text, split at", c);
	}
	cuts[0] = 1;
	run_stream(v->stream, len, cuts, len > 0 ? len - 1 : 0, TEXT_LENT,
		   &other);
	assert_same(v, &whole, &other, "lent text, byte by byte", len);

	/* without a text buffer: the same events, no names */
	run_stream(v->stream, len, NULL, 0, false, &other);
	ck_assert_uint_eq(other.n, whole.n);
	for (k = 0; k < whole.n; k++) {
		struct rec w = whole.ev[k];

		memset(w.host, 0, sizeof(w.host));
		memset(w.method, 0, sizeof(w.method));
		ck_assert(memcmp(&w, &other.ev[k], sizeof(w)) == 0);
	}

	/* truncated at every length: exactly the events reached so far */
	for (c = 0; c <= len; c++) {
		size_t want = 0;

		run_stream(v->stream, c, NULL, 0, true, &other);
		while (want < whole.n &&
		       (whole.ev[want].type == GW_HTTP_EV_MALFORMED ?
				whole.ev[want].pos < c : whole.ev[want].pos <= c))
			want++;
		ck_assert_msg(other.n == want, "%s: truncated at %zu: %zu events, want %zu",
			      v->label, c, other.n, want);
		for (k = 0; k < want; k++)
			ck_assert(memcmp(&other.ev[k], &whole.ev[k],
					 sizeof(other.ev[k])) == 0);
	}
	free(cuts);
}
END_TEST

/* Hash equality is what the worker sees without a text buffer. */
START_TEST(test_hash_variants)
{
	static const char *const same[] = {
		"example.com", "EXAMPLE.COM", "Example.Com:80", "example.com.",
		"example.com.:443", " example.com ",
	};
	struct gw_http_conn st;
	struct gw_http_conn_ev ev;
	char buf[128];
	uint64_t h0 = 0;
	size_t k;

	gw_http_conn_init(&st, 1, NULL);
	for (k = 0; k < GW_ARRAY_SIZE(same); k++) {
		int n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost:%s\r\n\r\n",
				 same[k]);

		ck_assert_int_eq(gw_http_conn_feed(&st, (const uint8_t *)buf,
						   (size_t)n, &ev), n);
		ck_assert_int_eq(ev.type, GW_HTTP_EV_HEAD);
		ck_assert_uint_eq(ev.request, k);
		if (k == 0)
			h0 = ev.host_hash;
		ck_assert_uint_eq(ev.host_hash, h0);
		ck_assert(!ev.host_changed);
		ck_assert(!ev.last);
	}
	/* a name that only differs by a label is another host */
	snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: example.co\r\n\r\n");
	gw_http_conn_feed(&st, (const uint8_t *)buf, strlen(buf), &ev);
	ck_assert_int_eq(ev.type, GW_HTTP_EV_HEAD);
	ck_assert(ev.host_changed);
	ck_assert_uint_ne(ev.host_hash, h0);
}
END_TEST

START_TEST(test_framing_fields)
{
	static const char s[] =
		"POST / HTTP/1.1\r\nHost: a\r\ncontent-LENGTH:  12 \r\n\r\n"
		"0123456789ab"
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
	struct gw_http_conn st;
	struct gw_http_conn_ev ev;
	size_t off = 0;
	int rc;

	gw_http_conn_init(&st, 0, NULL);
	rc = gw_http_conn_feed(&st, (const uint8_t *)s, sizeof(s) - 1, &ev);
	ck_assert_int_eq(ev.type, GW_HTTP_EV_HEAD);
	ck_assert(!ev.chunked);
	ck_assert_uint_eq(ev.content_length, 12);
	ck_assert_uint_eq(ev.minor_version, 1);
	off += (size_t)rc;
	rc = gw_http_conn_feed(&st, (const uint8_t *)s + off, sizeof(s) - 1 - off, &ev);
	ck_assert_int_eq(ev.type, GW_HTTP_EV_HEAD);
	ck_assert_uint_eq(ev.request, 1);
	ck_assert(ev.chunked);
	ck_assert_uint_eq(ev.content_length, 0);
	off += (size_t)rc;
	ck_assert_uint_eq(off, sizeof(s) - 1);
	ck_assert(!gw_http_conn_done(&st));
}
END_TEST

/* Line limits: a field line of exactly the maximum passes, one more byte does not. */
START_TEST(test_line_limits)
{
	size_t max = GW_HTTP_REQUEST_LINE_MAX, pre, k;
	char *s = malloc(max + 256);
	struct gw_http_conn st;
	struct gw_http_conn_ev ev;
	int extra;

	ck_assert_ptr_nonnull(s);
	for (extra = 0; extra <= 1; extra++) {
		pre = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\nX:");
		/* the field line "X:" + value has max (+1) bytes */
		for (k = 2; k < max + (size_t)extra; k++)
			s[pre++ - 0] = 'v';
		pre += (size_t)sprintf(s + pre, "\r\n\r\n");
		gw_http_conn_init(&st, 0, NULL);
		gw_http_conn_feed(&st, (const uint8_t *)s, pre, &ev);
		ck_assert_int_eq(ev.type, (extra ? GW_HTTP_EV_MALFORMED :
					   GW_HTTP_EV_HEAD));
	}
	/* 100 fields pass, 101 do not */
	for (extra = 0; extra <= 1; extra++) {
		int n;

		pre = (size_t)sprintf(s, "GET / HTTP/1.1\r\n");
		for (n = 0; n < GW_HTTP_HEADERS_MAX + extra; n++)
			pre += (size_t)sprintf(s + pre, "%s\r\n",
					       n == 0 ? "Host: a" : "X: y");
		pre += (size_t)sprintf(s + pre, "\r\n");
		gw_http_conn_init(&st, 0, NULL);
		gw_http_conn_feed(&st, (const uint8_t *)s, pre, &ev);
		ck_assert_int_eq(ev.type, (extra ? GW_HTTP_EV_MALFORMED :
					   GW_HTTP_EV_HEAD));
	}
	/* chunk-size line */
	for (extra = 0; extra <= 1; extra++) {
		pre = (size_t)sprintf(s, "POST / HTTP/1.1\r\nHost: a\r\n"
				      "Transfer-Encoding: chunked\r\n\r\n");
		k = pre;
		pre += (size_t)sprintf(s + pre, "1;");
		while (pre - k < GW_HTTP_CONN_CHUNK_LINE_MAX + (size_t)extra)
			s[pre++] = 'e';
		pre += (size_t)sprintf(s + pre, "\r\nx\r\n0\r\n\r\n");
		gw_http_conn_init(&st, 0, NULL);
		ck_assert_int_eq(gw_http_conn_feed(&st, (const uint8_t *)s, pre, &ev),
				 (int)k);
		ck_assert_int_eq(ev.type, GW_HTTP_EV_HEAD);
		ck_assert_int_eq(gw_http_conn_feed(&st, (const uint8_t *)s + k,
						   pre - k, &ev),
				 (extra ? GW_HTTP_CONN_CHUNK_LINE_MAX : (int)(pre - k)));
		ck_assert_int_eq(ev.type, (extra ? GW_HTTP_EV_MALFORMED :
					   GW_HTTP_EV_NEED_MORE));
	}
	free(s);
}
END_TEST

START_TEST(test_gap_and_seq)
{
	static const char s[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct gw_http_conn st;
	struct gw_http_conn_ev ev;
	uint32_t skip = 99;

	gw_http_conn_init(&st, 1000, NULL);
	ck_assert_int_eq(gw_http_conn_seq(&st, 1000, 10, &skip), GW_HTTP_SEG_NEW);
	ck_assert_uint_eq(skip, 0);
	ck_assert_int_eq(gw_http_conn_seq(&st, 1001, 10, &skip), GW_HTTP_SEG_AHEAD);
	ck_assert_int_eq(gw_http_conn_seq(&st, 990, 10, &skip), GW_HTTP_SEG_OLD);
	ck_assert_int_eq(gw_http_conn_seq(&st, 990, 11, &skip), GW_HTTP_SEG_NEW);
	ck_assert_uint_eq(skip, 10);
	ck_assert_int_eq(gw_http_conn_seq(&st, 1000, 0, &skip), GW_HTTP_SEG_NEW);
	ck_assert_int_eq(gw_http_conn_seq(&st, 999, 0, &skip), GW_HTTP_SEG_OLD);

	ck_assert_int_eq(gw_http_conn_feed(&st, (const uint8_t *)s, 10, &ev), 10);
	ck_assert_int_eq(ev.type, GW_HTTP_EV_NEED_MORE);
	ck_assert_int_eq(gw_http_conn_seq(&st, 1005, 10, &skip), GW_HTTP_SEG_NEW);
	ck_assert_uint_eq(skip, 5);
	ck_assert(!gw_http_conn_done(&st));
	gw_http_conn_gap(&st);
	ck_assert(gw_http_conn_done(&st));
	ck_assert_int_eq(gw_http_conn_feed(&st, (const uint8_t *)s + 10,
					   sizeof(s) - 11, &ev), 0);
	ck_assert_int_eq(ev.type, GW_HTTP_EV_LOST);

	/* sequence wrap */
	gw_http_conn_init(&st, 0xfffffffeu, NULL);
	ck_assert_int_eq(gw_http_conn_feed(&st, (const uint8_t *)s, 4, &ev), 4);
	ck_assert_uint_eq(st.next_seq, 2);
	ck_assert_int_eq(gw_http_conn_seq(&st, 0xffffffffu, 5, &skip), GW_HTTP_SEG_NEW);
	ck_assert_uint_eq(skip, 3);
	ck_assert_int_eq(gw_http_conn_seq(&st, 3, 5, &skip), GW_HTTP_SEG_AHEAD);
}
END_TEST

static Suite *
http_conn_suite(void)
{
	Suite *s = suite_create("http_conn");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_vectors, 0, (int)GW_ARRAY_SIZE(vecs));
	tcase_add_test(tc, test_hash_variants);
	tcase_add_test(tc, test_framing_fields);
	tcase_add_test(tc, test_line_limits);
	tcase_add_test(tc, test_gap_and_seq);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_conn_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
