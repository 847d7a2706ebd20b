/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * HTTP/1.x request head parser (DPDK-free), in the manner of picohttpparser:
 * one pass over the bytes, (pointer, length) views into the input, no
 * allocation, a bounds check before every read. Malformed bytes are reported
 * as soon as they are seen, so a prefix of a valid head is always
 * GW_INCOMPLETE and a prefix holding an invalid byte is GW_EMALFORMED.
 */

#define GW_HTTP_REQUEST_LINE_MAX 8192 /* bytes before the line end */
#define GW_HTTP_HEADERS_MAX 100
#define GW_HTTP_HOST_MAX 255          /* effective host, without port */

struct gw_http_req {
	const char *method; size_t method_len;
	const char *target; size_t target_len;
	int minor_version;                         /* HTTP/1.x */
	bool has_host; const uint8_t *host; size_t host_len;   /* Host header value, OWS trimmed */
	unsigned int n_host;                       /* number of Host headers (>1 → parse returns GW_EMALFORMED) */
	bool is_connect;                           /* CONNECT authority-form */
	bool absolute_form;                        /* http://authority/... target */
	const uint8_t *authority; size_t authority_len;  /* from CONNECT target or absolute URI, port included */
	size_t head_len;                           /* bytes up to and including the blank line */
};

/*
 * 1 when the prefix looks like an HTTP/1.x request line (a known method token
 * followed by SP, or a token of A-Z up to 20 chars + SP), 0 not HTTP,
 * GW_INCOMPLETE when it can't tell yet.
 */
int gw_http_sniff(const uint8_t *buf, size_t len);

/*
 * Parses the request head (request line + headers up to CRLFCRLF; bare LF
 * line ends accepted). Returns head_len, GW_INCOMPLETE, GW_EMALFORMED.
 * Limits: request line <= 8192, <= 100 headers, obs-fold → MALFORMED, header
 * names are tokens, no NUL/CTL in values. HTTP/0.9 and HTTP/2 preface →
 * MALFORMED.
 * Request line: method SP request-target SP "HTTP/1." DIGIT, single spaces;
 * the target is origin-form ("/..."), absolute-form (scheme "://" ...),
 * authority-form (CONNECT only, no '/') or "*" (OPTIONS only); bare CR
 * anywhere is MALFORMED. An HTTP/1.1 request without Host is MALFORMED
 * (RFC 9112 3.2); HTTP/1.0 may omit it (has_host false).
 * On error the content of req is unspecified.
 */
int gw_http_parse_request(const uint8_t *buf, size_t len,
			  struct gw_http_req *req);

/*
 * Effective host for policy: the authority of CONNECT/absolute-form if
 * present, else Host. Lower-cased, userinfo rejected, port removed (":443"),
 * IPv6 brackets kept as "[v6]" → returned without brackets, one trailing dot
 * removed. Writes NUL-terminated into out; returns length or GW_EMALFORMED
 * (empty, bad port, bad chars) / GW_ENOSPC. *conflict is set when both an
 * authority and a Host are present and their hosts differ (the gateway
 * denies such requests).
 * Accepted names: letters, digits, '-', '_' and '.' without empty labels,
 * <= GW_HTTP_HOST_MAX bytes; IPv6 literals must parse (no zone id). A port
 * is 1..5 digits <= 65535 and required in a CONNECT authority. A Host that
 * is itself malformed next to a valid authority counts as a conflict.
 * conflict may be NULL.
 */
int gw_http_effective_host(const struct gw_http_req *req, char *out,
			   size_t size, bool *conflict);

#endif /* GW_HTTP_H */
