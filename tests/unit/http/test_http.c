/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x request head parser tests. Every vector is parsed whole, at
 * every prefix length and right before a guard page; malformed vectors are
 * given as (longest prefix that is still INCOMPLETE, rest), so the test
 * asserts exactly where the parser starts to say MALFORMED.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "http/gw_http.h"
#include "gw_test.h"

/* A byte string that may hold NUL: S("a\0b") */
struct bytes {
	const char *p;
	size_t n;
};
#define S(lit) {lit, sizeof(lit) - 1}

struct gbuf {
	struct gw_guard g;
	uint8_t *end;
};

static void
gbuf_init(struct gbuf *gb, size_t cap)
{
	uint8_t *zero = calloc(1, cap + 1);
	uint8_t *p;

	ck_assert_ptr_nonnull(zero);
	p = gw_guard_place(&gb->g, zero, cap);
	free(zero);
	gb->end = p + cap;
}

static uint8_t *
gbuf_put(struct gbuf *gb, const void *src, size_t len)
{
	uint8_t *dst = gb->end - len;

	memmove(dst, src, len);
	return dst;
}

static bool
view_eq(const void *p, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(p, want, n) == 0;
}

static bool
within(const void *p, size_t n, const uint8_t *base, size_t size)
{
	const uint8_t *q = p;

	return q >= base && q <= base + size && n <= (size_t)(base + size - q);
}

/* ---- valid requests ---- */

struct valid_vec {
	const char *label;
	struct bytes head;
	const char *body;          /* bytes after the head, not consumed */
	const char *method;
	const char *target;
	int minor;
	const char *host;          /* NULL: no Host header */
	bool is_connect;
	bool absolute_form;
	const char *authority;     /* NULL: none */
	int eff_rc;                /* > 0: expect eff, else this error */
	const char *eff;
	bool conflict;
};

static const struct valid_vec valid_vecs[] = {
	{"get-host-port-upper", S("GET /index.html?q=1 HTTP/1.1\r\nHost: WWW.Example.COM:8080\r\nUser-Agent: t/1\r\nAccept: */*\r\n\r\n"),
	 "", "GET", "/index.html?q=1", 1, "WWW.Example.COM:8080", false, false, NULL, 15, "www.example.com", false},
	{"get-trailing-dot", S("GET / HTTP/1.1\r\nHost: www.example.org.\r\n\r\n"),
	 "", "GET", "/", 1, "www.example.org.", false, false, NULL, 15, "www.example.org", false},
	{"get-ipv6-port", S("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"),
	 "", "GET", "/", 1, "[::1]:8080", false, false, NULL, 3, "::1", false},
	{"get-ipv6-upper", S("GET / HTTP/1.1\r\nHost: [2001:DB8::A]\r\n\r\n"),
	 "", "GET", "/", 1, "[2001:DB8::A]", false, false, NULL, 11, "2001:db8::a", false},
	{"connect-443", S("CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\nProxy-Connection: keep-alive\r\n\r\n"),
	 "", "CONNECT", "api.example.com:443", 1, "api.example.com:443", true, false, "api.example.com:443", 15, "api.example.com", false},
	{"connect-10-no-host", S("CONNECT 192.0.2.7:443 HTTP/1.0\r\n\r\n"),
	 "", "CONNECT", "192.0.2.7:443", 0, NULL, true, false, "192.0.2.7:443", 9, "192.0.2.7", false},
	{"connect-ipv6", S("CONNECT [2001:db8::5]:443 HTTP/1.1\r\nHost: [2001:db8::5]:443\r\n\r\n"),
	 "", "CONNECT", "[2001:db8::5]:443", 1, "[2001:db8::5]:443", true, false, "[2001:db8::5]:443", 11, "2001:db8::5", false},
	{"connect-host-conflict", S("CONNECT evil.example:443 HTTP/1.1\r\nHost: good.example:443\r\n\r\n"),
	 "", "CONNECT", "evil.example:443", 1, "good.example:443", true, false, "evil.example:443", 12, "evil.example", true},
	{"connect-no-port", S("CONNECT a.example HTTP/1.1\r\nHost: a.example\r\n\r\n"),
	 "", "CONNECT", "a.example", 1, "a.example", true, false, "a.example", GW_EMALFORMED, NULL, false},
	{"absolute-host-conflict", S("GET http://evil.example/x HTTP/1.1\r\nHost: good.example\r\n\r\n"),
	 "", "GET", "http://evil.example/x", 1, "good.example", false, true, "evil.example", 12, "evil.example", true},
	{"absolute-same-host", S("GET http://Good.Example:80/x?y=http://z/ HTTP/1.1\r\nHost: good.example.\r\n\r\n"),
	 "", "GET", "http://Good.Example:80/x?y=http://z/", 1, "good.example.", false, true, "Good.Example:80", 12, "good.example", false},
	{"absolute-no-path", S("GET HTTPS://a.example?x HTTP/1.1\r\nHost: a.example\r\n\r\n"),
	 "", "GET", "HTTPS://a.example?x", 1, "a.example", false, true, "a.example", 9, "a.example", false},
	{"absolute-ipv6", S("GET http://[::1]:8080/ HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"),
	 "", "GET", "http://[::1]:8080/", 1, "[::1]:8080", false, true, "[::1]:8080", 3, "::1", false},
	{"absolute-userinfo", S("GET http://u:p@a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n"),
	 "", "GET", "http://u:p@a.example/", 1, "a.example", false, true, "u:p@a.example", GW_EMALFORMED, NULL, false},
	{"absolute-empty-authority", S("GET http:///x HTTP/1.1\r\nHost: a.example\r\n\r\n"),
	 "", "GET", "http:///x", 1, "a.example", false, true, "", GW_EMALFORMED, NULL, false},
	{"absolute-bad-host-header", S("GET http://a.example/ HTTP/1.1\r\nHost: a example\r\n\r\n"),
	 "", "GET", "http://a.example/", 1, "a example", false, true, "a.example", 9, "a.example", true},
	{"absolute-empty-host-header", S("GET http://a.example/ HTTP/1.1\r\nHost:\r\n\r\n"),
	 "", "GET", "http://a.example/", 1, "", false, true, "a.example", 9, "a.example", true},
	{"http10-no-host", S("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n"),
	 "", "GET", "/", 0, NULL, false, false, NULL, GW_EMALFORMED, NULL, false},
	{"http10-no-headers", S("HEAD /x HTTP/1.0\r\n\r\n"),
	 "", "HEAD", "/x", 0, NULL, false, false, NULL, GW_EMALFORMED, NULL, false},
	{"lf-only", S("GET / HTTP/1.1\nHost: lf.example\nAccept: x\n\n"),
	 "", "GET", "/", 1, "lf.example", false, false, NULL, 10, "lf.example", false},
	{"mixed-line-ends", S("GET / HTTP/1.1\nHost: m.example\r\nAccept: x\n\r\n"),
	 "", "GET", "/", 1, "m.example", false, false, NULL, 9, "m.example", false},
	{"host-ows", S("GET / HTTP/1.1\r\nhOsT:\t  a.example \t \r\n\r\n"),
	 "", "GET", "/", 1, "a.example", false, false, NULL, 9, "a.example", false},
	{"host-empty", S("GET / HTTP/1.1\r\nHost:   \r\n\r\n"),
	 "", "GET", "/", 1, "", false, false, NULL, GW_EMALFORMED, NULL, false},
	{"options-asterisk", S("OPTIONS * HTTP/1.1\r\nHost: o.example\r\n\r\n"),
	 "", "OPTIONS", "*", 1, "o.example", false, false, NULL, 9, "o.example", false},
	{"post-with-body", S("POST /api HTTP/1.1\r\nHost: p.example\r\nContent-Length: 5\r\n\r\n"),
	 "hello", "POST", "/api", 1, "p.example", false, false, NULL, 9, "p.example", false},
	{"obs-text-value", S("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: o.example\r\nX-Name: caf\xc3\xa9\xff\r\n\r\n"),
	 "", "GET", "/caf\xc3\xa9", 1, "o.example", false, false, NULL, 9, "o.example", false},
	{"empty-value-and-tab", S("GET / HTTP/1.1\r\nX-Empty:\r\nX-Tab: a\tb\r\nHost: t.example\r\n\r\n"),
	 "", "GET", "/", 1, "t.example", false, false, NULL, 9, "t.example", false},
	{"token-chars-in-name", S("GET / HTTP/1.1\r\nX-!#$%&'*+-.^_`|~09az: v\r\nHost: n.example\r\n\r\n"),
	 "", "GET", "/", 1, "n.example", false, false, NULL, 9, "n.example", false},
	{"minor-9", S("GET / HTTP/1.9\r\nHost: v.example\r\n\r\n"),
	 "", "GET", "/", 9, "v.example", false, false, NULL, 9, "v.example", false},
	{"host-ip-literal", S("GET / HTTP/1.1\r\nHost: 192.0.2.1:80\r\n\r\n"),
	 "", "GET", "/", 1, "192.0.2.1:80", false, false, NULL, 9, "192.0.2.1", false},
	{"host-userinfo", S("GET / HTTP/1.1\r\nHost: user@a.example\r\n\r\n"),
	 "", "GET", "/", 1, "user@a.example", false, false, NULL, GW_EMALFORMED, NULL, false},
	{"host-bad-port", S("GET / HTTP/1.1\r\nHost: a.example:99999\r\n\r\n"),
	 "", "GET", "/", 1, "a.example:99999", false, false, NULL, GW_EMALFORMED, NULL, false},
	{"custom-method", S("PURGE /cache HTTP/1.1\r\nHost: c.example\r\n\r\n"),
	 "", "PURGE", "/cache", 1, "c.example", false, false, NULL, 9, "c.example", false},
};

/* Parses head+body at the guard; checks every field and every prefix. */
static void
run_valid(const char *label, const uint8_t *buf, size_t head_len, size_t len,
	  const struct valid_vec *v)
{
	struct gbuf gb;
	struct gw_http_req req;
	char eff[GW_HTTP_HOST_MAX + 1];
	bool conflict = !v->conflict;
	uint8_t *p;
	size_t L;
	int rc;

	gbuf_init(&gb, len);
	p = gbuf_put(&gb, buf, len);
	rc = gw_http_parse_request(p, len, &req);
	ck_assert_msg(rc == (int)head_len, "%s: rc %d want %zu", label, rc, head_len);
	ck_assert_uint_eq(req.head_len, head_len);
	ck_assert_msg(view_eq(req.method, req.method_len, v->method), "%s: method", label);
	ck_assert_ptr_eq(req.method, (const char *)p);
	ck_assert_msg(view_eq(req.target, req.target_len, v->target), "%s: target", label);
	ck_assert_ptr_eq(req.target, (const char *)p + req.method_len + 1);
	ck_assert_int_eq(req.minor_version, v->minor);
	ck_assert_msg(req.has_host == (v->host != NULL), "%s: has_host", label);
	ck_assert_uint_eq(req.n_host, v->host != NULL ? 1 : 0);
	if (v->host != NULL) {
		ck_assert_msg(view_eq(req.host, req.host_len, v->host), "%s: host '%.*s'",
			      label, (int)req.host_len, (const char *)req.host);
		ck_assert(within(req.host, req.host_len, p, head_len));
	}
	ck_assert_msg(req.is_connect == v->is_connect, "%s: is_connect", label);
	ck_assert_msg(req.absolute_form == v->absolute_form, "%s: absolute_form", label);
	if (v->authority != NULL) {
		ck_assert_msg(view_eq(req.authority, req.authority_len, v->authority),
			      "%s: authority '%.*s'", label, (int)req.authority_len,
			      (const char *)req.authority);
		ck_assert(within(req.authority, req.authority_len,
				 (const uint8_t *)req.target, req.target_len));
	} else {
		ck_assert_ptr_null(req.authority);
	}

	memset(eff, 'X', sizeof(eff));
	rc = gw_http_effective_host(&req, eff, sizeof(eff), &conflict);
	ck_assert_msg(rc == v->eff_rc, "%s: effective host rc %d want %d", label,
		      rc, v->eff_rc);
	ck_assert_msg(conflict == v->conflict, "%s: conflict", label);
	if (rc > 0) {
		ck_assert_str_eq(eff, v->eff);
		/* one byte short of room for the NUL */
		ck_assert_int_eq(gw_http_effective_host(&req, eff, (size_t)rc, NULL),
				 GW_ENOSPC);
		ck_assert_int_eq(gw_http_effective_host(&req, eff, (size_t)rc + 1, NULL), rc);
		ck_assert_str_eq(eff, v->eff);
	}

	for (L = 0; L < len; L++) {
		p = gbuf_put(&gb, buf, L);
		rc = gw_http_parse_request(p, L, &req);
		if (L < head_len)
			ck_assert_msg(rc == GW_INCOMPLETE, "%s: prefix %zu rc %d",
				      label, L, rc);
		else
			ck_assert_int_eq(rc, (int)head_len);
	}
	gw_guard_release(&gb.g);
}

START_TEST(test_valid)
{
	const struct valid_vec *v = &valid_vecs[_i];
	size_t blen = strlen(v->body);
	uint8_t *buf = malloc(v->head.n + blen);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, v->head.p, v->head.n);
	memcpy(buf + v->head.n, v->body, blen);
	run_valid(v->label, buf, v->head.n, v->head.n + blen, v);
	ck_assert_int_eq(gw_http_sniff(buf, v->head.n), 1);
	free(buf);
}
END_TEST

/* ---- generated heads at the limits ---- */

static size_t
make_head(char *out, size_t size, size_t target_len, unsigned int n_headers,
	  size_t value_len)
{
	size_t n = 0, k;
	unsigned int h;

	n += (size_t)snprintf(out + n, size - n, "GET /");
	for (k = 1; k < target_len; k++)
		out[n++] = 'a';
	n += (size_t)snprintf(out + n, size - n, " HTTP/1.1\r\nHost: big.example\r\n");
	for (h = 1; h < n_headers; h++) {
		n += (size_t)snprintf(out + n, size - n, "X-H%u: ", h);
		for (k = 0; k < value_len; k++)
			out[n++] = (char)('a' + k % 26);
		out[n++] = '\r';
		out[n++] = '\n';
	}
	out[n++] = '\r';
	out[n++] = '\n';
	ck_assert_uint_lt(n, size);
	return n;
}

static char big[64 * 1024];

START_TEST(test_limits)
{
	/* "GET " + target + " HTTP/1.1" = 8192 is the longest request line */
	size_t max_target = GW_HTTP_REQUEST_LINE_MAX - 4 - 9;
	struct valid_vec v = {"limit", {NULL, 0}, "", "GET", NULL, 1, "big.example",
			      false, false, NULL, 11, "big.example", false};
	struct gw_http_req req;
	struct gbuf gb;
	size_t n;
	char *target = malloc(max_target + 2);

	ck_assert_ptr_nonnull(target);
	memset(target, 'a', max_target + 1);
	target[0] = '/';

	/* request line of exactly 8192 bytes, 100 headers, one of them 2 KB */
	n = make_head(big, sizeof(big), max_target, GW_HTTP_HEADERS_MAX, 20);
	target[max_target] = '\0';
	v.target = target;
	v.label = "line-8192+100-headers";
	run_valid(v.label, (const uint8_t *)big, n, n, &v);

	n = make_head(big, sizeof(big), 1, 3, 2048);
	v.target = "/";
	v.label = "2k-header";
	run_valid(v.label, (const uint8_t *)big, n, n, &v);

	/* 8193-byte request line: MALFORMED once byte 8193 is seen */
	n = make_head(big, sizeof(big), max_target + 1, 1, 0);
	gbuf_init(&gb, n);
	ck_assert_int_eq(gw_http_parse_request(gbuf_put(&gb, big, n), n, &req),
			 GW_EMALFORMED);
	ck_assert_int_eq(gw_http_parse_request(gbuf_put(&gb, big, 8193), 8193, &req),
			 GW_EMALFORMED);
	ck_assert_int_eq(gw_http_parse_request(gbuf_put(&gb, big, 8192), 8192, &req),
			 GW_INCOMPLETE);
	gw_guard_release(&gb.g);
	/* 8190-byte line; then a target alone longer than the limit */
	n = make_head(big, sizeof(big), max_target - 2, 1, 0);
	gbuf_init(&gb, n);
	ck_assert_int_eq(gw_http_parse_request(gbuf_put(&gb, big, n), n, &req),
			 (int)n);
	gw_guard_release(&gb.g);
	n = make_head(big, sizeof(big), max_target + 1 + 200, 1, 0);
	gbuf_init(&gb, n);
	ck_assert_int_eq(gw_http_parse_request(gbuf_put(&gb, big, 8193), 8193, &req),
			 GW_EMALFORMED);
	gw_guard_release(&gb.g);

	/* 101 headers: MALFORMED at the first byte of the 101st */
	n = make_head(big, sizeof(big), 1, GW_HTTP_HEADERS_MAX + 1, 3);
	gbuf_init(&gb, n);
	{
		const char *last = strstr(big, "X-H100:");
		size_t at = (size_t)(last - big);

		ck_assert_int_eq(gw_http_parse_request(gbuf_put(&gb, big, at), at, &req),
				 GW_INCOMPLETE);
		ck_assert_int_eq(gw_http_parse_request(gbuf_put(&gb, big, at + 1), at + 1,
						       &req), GW_EMALFORMED);
		ck_assert_int_eq(gw_http_parse_request(gbuf_put(&gb, big, n), n, &req),
				 GW_EMALFORMED);
	}
	gw_guard_release(&gb.g);
	free(target);
}
END_TEST

/* ---- malformed ---- */

struct bad_vec {
	const char *label;
	struct bytes ok;   /* longest prefix still INCOMPLETE */
	struct bytes rest; /* MALFORMED from its first byte on */
};

static const struct bad_vec bad_vecs[] = {
	{"obs-fold", S("GET / HTTP/1.1\r\nHost: a.example\r\nX-A: b\r\n"), S(" c\r\n\r\n")},
	{"obs-fold-tab", S("GET / HTTP/1.1\r\nHost: a.example\r\nX-A: b\n"), S("\tc\n\n")},
	{"ws-before-first-header", S("GET / HTTP/1.1\r\n"), S(" Host: a\r\n\r\n")},
	{"header-without-colon", S("GET / HTTP/1.1\r\nHost: a.example\r\nNoColon"), S("\r\n\r\n")},
	{"space-before-colon", S("GET / HTTP/1.1\r\nHost"), S(" : a.example\r\n\r\n")},
	{"empty-header-name", S("GET / HTTP/1.1\r\n"), S(": a\r\n\r\n")},
	{"two-host", S("GET / HTTP/1.1\r\nHost: a.example\r\nX-A: b\r\nhost"), S(": b.example\r\n\r\n")},
	{"two-host-same", S("GET / HTTP/1.1\r\nHost: a.example\r\nHost"), S(": a.example\r\n\r\n")},
	{"bare-cr-value", S("GET / HTTP/1.1\r\nHost: a.example\r\nX-A: b\r"), S("c\r\n\r\n")},
	{"bare-cr-request-line", S("GET / HTTP/1.1\r"), S("Host: a\r\n\r\n")},
	{"bare-cr-target", S("GET /a"), S("\rb HTTP/1.1\r\n\r\n")},
	{"bare-cr-blank-line", S("GET / HTTP/1.1\r\nHost: a.example\r\n\r"), S("x")},
	{"nul-in-value", S("GET / HTTP/1.1\r\nHost: a.example\r\nX-A: b"), S("\0c\r\n\r\n")},
	{"nul-in-host", S("GET / HTTP/1.1\r\nHost: a"), S("\0.example\r\n\r\n")},
	{"nul-in-name", S("GET / HTTP/1.1\r\nX"), S("\0: a\r\n\r\n")},
	{"nul-in-target", S("GET /"), S("\0 HTTP/1.1\r\n\r\n")},
	{"ctl-in-value", S("GET / HTTP/1.1\r\nX-A: "), S("\x01\r\n\r\n")},
	{"del-in-value", S("GET / HTTP/1.1\r\nX-A: a"), S("\x7f\r\n\r\n")},
	{"http09", S("GET /index.html"), S("\r\n")},
	{"http09-lf", S("GET /"), S("\n")},
	{"http2-preface", S("PRI * HTTP/"), S("2.0\r\n\r\nSM\r\n\r\n")},
	{"http2-version", S("GET / HTTP/"), S("2.0\r\nHost: a\r\n\r\n")},
	{"lowercase-version", S("GET / "), S("http/1.1\r\n\r\n")},
	{"minor-two-digits", S("GET / HTTP/1.1"), S("0\r\nHost: a\r\n\r\n")},
	{"minor-not-digit", S("GET / HTTP/1."), S("x\r\n\r\n")},
	{"trailing-space-version", S("GET / HTTP/1.1"), S(" \r\n\r\n")},
	{"double-space", S("GET "), S(" / HTTP/1.1\r\n\r\n")},
	{"empty-method", S(""), S(" / HTTP/1.1\r\n\r\n")},
	{"bad-method-char", S("GE"), S("(T / HTTP/1.1\r\n\r\n")},
	{"leading-crlf", S(""), S("\r\nGET / HTTP/1.1\r\n\r\n")},
	{"tab-separator", S("GET"), S("\t/ HTTP/1.1\r\n\r\n")},
	{"missing-host-11", S("GET / HTTP/1.1\r\nAccept: x\r\n\r"), S("\n")},
	{"missing-host-11-lf", S("GET / HTTP/1.1\nAccept: x\n"), S("\n")},
	{"connect-with-path", S("CONNECT a.example:443/x HTTP/1.1\r"), S("\nHost: a\r\n\r\n")},
	{"connect-origin-form", S("CONNECT / HTTP/1.1"), S("\n\n")},
	{"authority-form-get", S("GET a.example:80 HTTP/1.1\r"), S("\nHost: a\r\n\r\n")},
	{"asterisk-get", S("GET * HTTP/1.1\r"), S("\nHost: a\r\n\r\n")},
	{"scheme-no-slashes", S("GET http:/x HTTP/1.1\r"), S("\nHost: a\r\n\r\n")},
	{"scheme-bad-char", S("GET ht_tp://x/ HTTP/1.1\r"), S("\nHost: a\r\n\r\n")},
	{"tls-record", S(""), S("\x16\x03\x01\x02\x00\x01")},
};

START_TEST(test_malformed)
{
	const struct bad_vec *v = &bad_vecs[_i];
	size_t len = v->ok.n + v->rest.n, L;
	uint8_t *buf = malloc(len + 1);
	struct gw_http_req req;
	struct gbuf gb;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, v->ok.p, v->ok.n);
	memcpy(buf + v->ok.n, v->rest.p, v->rest.n);
	gbuf_init(&gb, len);
	for (L = 0; L <= len; L++) {
		int rc = gw_http_parse_request(gbuf_put(&gb, buf, L), L, &req);

		ck_assert_msg(rc == (L <= v->ok.n ? GW_INCOMPLETE : GW_EMALFORMED),
			      "%s: prefix %zu/%zu rc %d", v->label, L, len, rc);
	}
	gw_guard_release(&gb.g);
	free(buf);
}
END_TEST

/* ---- effective host on Host values ---- */

static const struct {
	const char *host;
	int rc;
	const char *want;
} host_vecs[] = {
	{"Example.COM", 11, "example.com"},
	{"example.com:443", 11, "example.com"},
	{"example.com.", 11, "example.com"},
	{"example.com.:8080", 11, "example.com"},
	{"example.com:65535", 11, "example.com"},
	{"example.com:0443", 11, "example.com"},
	{"under_score-dash.example", 24, "under_score-dash.example"},
	{"[::1]", 3, "::1"},
	{"[::1]:8080", 3, "::1"},
	{"[2001:DB8::1]", 11, "2001:db8::1"},
	{"[::ffff:192.0.2.1]:443", 16, "::ffff:192.0.2.1"},
	{"192.0.2.1", 9, "192.0.2.1"},
	{"localhost", 9, "localhost"},
	{"", GW_EMALFORMED, NULL},
	{".", GW_EMALFORMED, NULL},
	{":80", GW_EMALFORMED, NULL},
	{".example.com", GW_EMALFORMED, NULL},
	{"a..b", GW_EMALFORMED, NULL},
	{"example.com..", GW_EMALFORMED, NULL},
	{"user@example.com", GW_EMALFORMED, NULL},
	{"user:pw@example.com:80", GW_EMALFORMED, NULL},
	{"example.com:", GW_EMALFORMED, NULL},
	{"example.com:65536", GW_EMALFORMED, NULL},
	{"example.com:123456", GW_EMALFORMED, NULL},
	{"example.com:8a", GW_EMALFORMED, NULL},
	{"example.com:-1", GW_EMALFORMED, NULL},
	{"example.com:80:80", GW_EMALFORMED, NULL},
	{"::1", GW_EMALFORMED, NULL},
	{"[::1", GW_EMALFORMED, NULL},
	{"[::1]x", GW_EMALFORMED, NULL},
	{"[::1]:", GW_EMALFORMED, NULL},
	{"[::1]:99999", GW_EMALFORMED, NULL},
	{"[fe80::1%25eth0]", GW_EMALFORMED, NULL},
	{"[v1.abc]", GW_EMALFORMED, NULL},
	{"[]", GW_EMALFORMED, NULL},
	{"[1.2.3.4]", GW_EMALFORMED, NULL},
	{"[::1::2]", GW_EMALFORMED, NULL},
	{"exa mple.com", GW_EMALFORMED, NULL},
	{"exa%2Emple.com", GW_EMALFORMED, NULL},
	{"example.com/", GW_EMALFORMED, NULL},
	{"ex\xc3\xa4mple.com", GW_EMALFORMED, NULL},
	{"ex]ample.com", GW_EMALFORMED, NULL},
};

START_TEST(test_effective_host)
{
	char head[512], out[GW_HTTP_HOST_MAX + 1];
	struct gw_http_req req;
	bool conflict = true;
	int n, rc;

	n = snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
		     host_vecs[_i].host);
	ck_assert_int_eq(gw_http_parse_request((const uint8_t *)head, (size_t)n, &req), n);
	rc = gw_http_effective_host(&req, out, sizeof(out), &conflict);
	ck_assert_msg(rc == host_vecs[_i].rc, "'%s': rc %d want %d",
		      host_vecs[_i].host, rc, host_vecs[_i].rc);
	ck_assert(!conflict);
	if (rc > 0)
		ck_assert_str_eq(out, host_vecs[_i].want);
}
END_TEST

START_TEST(test_effective_host_length)
{
	char name[300], out[GW_HTTP_HOST_MAX + 1];
	struct gw_http_req req = {0};
	size_t k;

	/* 255 bytes is the longest name, with or without a trailing dot */
	for (k = 0; k < sizeof(name); k++)
		name[k] = (k % 50 == 49) ? '.' : 'a';
	req.has_host = true;
	req.host = (const uint8_t *)name;
	req.host_len = 255;
	ck_assert_int_eq(gw_http_effective_host(&req, out, sizeof(out), NULL), 255);
	ck_assert_uint_eq(strlen(out), 255);
	req.host_len = 256;
	name[255] = '.';
	ck_assert_int_eq(gw_http_effective_host(&req, out, sizeof(out), NULL), 255);
	name[255] = 'a';
	ck_assert_int_eq(gw_http_effective_host(&req, out, sizeof(out), NULL),
			 GW_EMALFORMED);
	/* no room at all */
	req.host_len = 3;
	ck_assert_int_eq(gw_http_effective_host(&req, out, 0, NULL), GW_ENOSPC);
	ck_assert_int_eq(gw_http_effective_host(&req, out, 3, NULL), GW_ENOSPC);
	ck_assert_int_eq(gw_http_effective_host(&req, out, 4, NULL), 3);
	/* nothing at all */
	memset(&req, 0, sizeof(req));
	ck_assert_int_eq(gw_http_effective_host(&req, out, sizeof(out), NULL),
			 GW_EMALFORMED);
}
END_TEST

/* ---- sniff ---- */

static const struct {
	struct bytes in;
	int want;
} sniff_vecs[] = {
	{S(""), GW_INCOMPLETE},
	{S("G"), GW_INCOMPLETE},
	{S("GET"), GW_INCOMPLETE},
	{S("GET "), 1},
	{S("GET / HTTP/1.1\r\n"), 1},
	{S("POST /"), 1},
	{S("CONNECT a:443 HTTP/1.1"), 1},
	{S("PROPFIND "), 1},
	{S("PRI * HTTP/2.0"), 1},
	{S("VERSION-"), GW_INCOMPLETE},
	{S("VERSION-CONTROL /"), 1},
	{S("BASELINE-CONTROL "), 1},
	{S("VERSION-X "), 0},
	{S("M-SEARCH * HTTP/1.1"), 0},
	{S("ABCDEFGHIJKLMNOPQRST"), GW_INCOMPLETE},
	{S("ABCDEFGHIJKLMNOPQRST "), 1},
	{S("ABCDEFGHIJKLMNOPQRSTU"), 0},
	{S("ABCDEFGHIJKLMNOPQRSTU "), 0},
	{S("get / HTTP/1.1"), 0},
	{S("Get "), 0},
	{S(" GET"), 0},
	{S("\r\nGET "), 0},
	{S("GE\r"), 0},
	{S("GE1 "), 0},
	{S("\x16\x03\x01\x02\x00"), 0},
	{S("SSH-2.0-OpenSSH_9.2\r\n"), 0},
	{S("\0"), 0},
};

START_TEST(test_sniff)
{
	struct gbuf gb;

	gbuf_init(&gb, sniff_vecs[_i].in.n);
	ck_assert_int_eq(gw_http_sniff(gbuf_put(&gb, sniff_vecs[_i].in.p,
						sniff_vecs[_i].in.n),
				       sniff_vecs[_i].in.n),
			 sniff_vecs[_i].want);
	gw_guard_release(&gb.g);
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("parse");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_valid, 0, GW_ARRAY_SIZE(valid_vecs));
	tcase_add_test(tc, test_limits);
	tcase_add_loop_test(tc, test_malformed, 0, GW_ARRAY_SIZE(bad_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("effective_host");
	tcase_add_loop_test(tc, test_effective_host, 0, GW_ARRAY_SIZE(host_vecs));
	tcase_add_test(tc, test_effective_host_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("sniff");
	tcase_add_loop_test(tc, test_sniff, 0, GW_ARRAY_SIZE(sniff_vecs));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
