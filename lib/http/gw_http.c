/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x request head parser. Shaped like picohttpparser: a single forward
 * scan in which reaching the end of the buffer means GW_INCOMPLETE and any
 * byte that cannot appear at its position means GW_EMALFORMED, so the
 * verdict on a prefix never flips from MALFORMED back to INCOMPLETE.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "http/gw_http.h"

#define SNIFF_TOKEN_MAX 20

/*
 * Registered methods (IANA HTTP Method Registry) that the A-Z rule of the
 * sniffer would miss because they contain '-'.
 */
static const char *const known_methods[] = {
	"BASELINE-CONTROL",
	"VERSION-CONTROL",
};

/* Does a known method start with buf[0..n)? (exact: and has length n) */
static bool
known_method_match(const uint8_t *buf, size_t n, bool exact)
{
	size_t k;

	for (k = 0; k < GW_ARRAY_SIZE(known_methods); k++) {
		size_t ml = strlen(known_methods[k]);

		if (n > ml || (exact && n != ml))
			continue;
		if (memcmp(buf, known_methods[k], n) == 0)
			return true;
	}
	return false;
}

int
gw_http_sniff(const uint8_t *buf, size_t len)
{
	bool upper = true; /* all bytes so far A-Z, at most SNIFF_TOKEN_MAX */
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (c == ' ') {
			if (i == 0)
				return 0;
			return upper || known_method_match(buf, i, true) ? 1 : 0;
		}
		if (c < 'A' || c > 'Z' || i >= SNIFF_TOKEN_MAX)
			upper = false;
		if (!upper && !known_method_match(buf, i + 1, false))
			return 0;
	}
	return GW_INCOMPLETE;
}

/*
 * Scans a line end at buf[*i]: CRLF or bare LF. Returns 0 and advances past
 * it, 1 when buf[*i] is not a line end, GW_INCOMPLETE, or GW_EMALFORMED for
 * a CR not followed by LF.
 */
static int
line_end(const uint8_t *buf, size_t len, size_t *i)
{
	if (*i == len)
		return GW_INCOMPLETE;
	if (buf[*i] == '\n') {
		(*i)++;
		return 0;
	}
	if (buf[*i] != '\r')
		return 1;
	if (*i + 1 == len)
		return GW_INCOMPLETE;
	if (buf[*i + 1] != '\n')
		return GW_EMALFORMED;
	*i += 2;
	return 0;
}

/* Classifies the request target (RFC 9112 3.2) once the request line is complete. */
static int
parse_target(struct gw_http_req *req)
{
	const uint8_t *t = (const uint8_t *)req->target;
	size_t n = req->target_len, k;

	req->is_connect = req->method_len == 7 &&
			  memcmp(req->method, "CONNECT", 7) == 0;
	if (req->is_connect) {
		/* authority-form: host ":" port, no path, query or fragment */
		for (k = 0; k < n; k++)
			if (t[k] == '/' || t[k] == '?' || t[k] == '#')
				return GW_EMALFORMED;
		req->authority = t;
		req->authority_len = n;
		return 0;
	}
	if (t[0] == '/')
		return 0;
	if (n == 1 && t[0] == '*') {
		if (req->method_len == 7 &&
		    memcmp(req->method, "OPTIONS", 7) == 0)
			return 0;
		return GW_EMALFORMED;
	}
	/* absolute-form: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://" */
	if (!((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z')))
		return GW_EMALFORMED;
	for (k = 1; k < n && t[k] != ':'; k++) {
		uint8_t c = t[k];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '-' ||
		      c == '.'))
			return GW_EMALFORMED;
	}
	if (n - k < 3 || memcmp(t + k, "://", 3) != 0)
		return GW_EMALFORMED;
	k += 3;
	req->absolute_form = true;
	req->authority = t + k;
	for (; k < n && t[k] != '/' && t[k] != '?' && t[k] != '#'; k++)
		;
	req->authority_len = (size_t)(t + k - req->authority);
	return 0;
}

/* A byte of the request line at index i (line starts at 0) must stay within the limit. */
#define LINE_LIMIT_CHECK(i)                                                    \
	do {                                                                   \
		if ((i) >= GW_HTTP_REQUEST_LINE_MAX)                           \
			return GW_EMALFORMED;                                  \
	} while (0)

static int
parse_request_line(const uint8_t *buf, size_t len, size_t *pi,
		   struct gw_http_req *req)
{
	static const char version[] = "HTTP/1.";
	size_t i = 0, start, k;
	int rc;

	/* method = token */
	for (;;) {
		if (i == len)
			return GW_INCOMPLETE;
		if (buf[i] == ' ')
			break;
		if (!gw_is_tchar(buf[i]))
			return GW_EMALFORMED;
		LINE_LIMIT_CHECK(i);
		i++;
	}
	if (i == 0)
		return GW_EMALFORMED;
	req->method = (const char *)buf;
	req->method_len = i;
	i++;

	/* request-target: visible ASCII or obs-text, no SP, no CTL */
	start = i;
	for (;;) {
		if (i == len)
			return GW_INCOMPLETE;
		if (buf[i] == ' ')
			break;
		/* CR or LF here is an HTTP/0.9 request line ("GET /") */
		if (buf[i] <= 0x20 || buf[i] == 0x7f)
			return GW_EMALFORMED;
		LINE_LIMIT_CHECK(i);
		i++;
	}
	if (i == start)
		return GW_EMALFORMED;
	req->target = (const char *)buf + start;
	req->target_len = i - start;
	i++;

	/* HTTP-version: only 1.x ("HTTP/2.0" is the h2 preface) */
	for (k = 0; k < sizeof(version) - 1; k++) {
		if (i == len)
			return GW_INCOMPLETE;
		if (buf[i] != (uint8_t)version[k])
			return GW_EMALFORMED;
		LINE_LIMIT_CHECK(i);
		i++;
	}
	if (i == len)
		return GW_INCOMPLETE;
	if (buf[i] < '0' || buf[i] > '9')
		return GW_EMALFORMED;
	LINE_LIMIT_CHECK(i);
	req->minor_version = buf[i] - '0';
	i++;
	rc = line_end(buf, len, &i);
	if (rc != 0)
		return rc > 0 ? GW_EMALFORMED : rc;
	*pi = i;
	return parse_target(req);
}

int
gw_http_parse_request(const uint8_t *buf, size_t len, struct gw_http_req *req)
{
	unsigned int n_headers = 0;
	size_t i = 0;
	int rc;

	memset(req, 0, sizeof(*req));
	rc = parse_request_line(buf, len, &i, req);
	if (rc < 0)
		return rc;

	for (;;) {
		size_t name_start, value_start, value_end;
		bool is_host;

		rc = line_end(buf, len, &i);
		if (rc == 0)
			break; /* blank line: end of the head */
		if (rc < 0)
			return rc;
		/* obs-fold, or whitespace before the first header (RFC 9112 2.2, 5.2) */
		if (buf[i] == ' ' || buf[i] == '\t')
			return GW_EMALFORMED;
		if (n_headers == GW_HTTP_HEADERS_MAX)
			return GW_EMALFORMED;

		/* field-name = token, immediately followed by ':' */
		name_start = i;
		for (;;) {
			if (i == len)
				return GW_INCOMPLETE;
			if (buf[i] == ':')
				break;
			if (!gw_is_tchar(buf[i]))
				return GW_EMALFORMED;
			i++;
		}
		if (i == name_start)
			return GW_EMALFORMED;
		is_host = i - name_start == 4 &&
			  strncasecmp((const char *)buf + name_start, "host", 4) == 0;
		if (is_host && ++req->n_host > 1)
			return GW_EMALFORMED;
		i++;

		/* OWS field-value OWS; value bytes are VCHAR, SP, HTAB or obs-text */
		while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
			i++;
		value_start = i;
		value_end = i;
		for (;;) {
			uint8_t c;

			rc = line_end(buf, len, &i);
			if (rc == 0)
				break;
			if (rc < 0)
				return rc;
			c = buf[i];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return GW_EMALFORMED;
			i++;
			if (c != ' ' && c != '\t')
				value_end = i;
		}
		if (is_host) {
			req->has_host = true;
			req->host = buf + value_start;
			req->host_len = value_end - value_start;
		}
		n_headers++;
	}
	if (req->minor_version >= 1 && !req->has_host)
		return GW_EMALFORMED;
	if (i > INT_MAX)
		return GW_EMALFORMED;
	req->head_len = i;
	return (int)i;
}

static bool
is_host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* host [":" port] or "[" v6 "]" [":" port] → lower-cased host in out. */
static int
normalize_host(const uint8_t *a, size_t len, bool need_port, char *out,
	       size_t size)
{
	const uint8_t *end = a + len, *host, *port = NULL;
	size_t host_len, k;
	bool v6 = false;

	if (len == 0 || memchr(a, '@', len) != NULL)
		return GW_EMALFORMED;
	if (a[0] == '[') {
		const uint8_t *rb = memchr(a, ']', len);

		if (rb == NULL)
			return GW_EMALFORMED;
		host = a + 1;
		host_len = (size_t)(rb - host);
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return GW_EMALFORMED;
			port = rb + 2;
		}
		v6 = true;
	} else {
		const uint8_t *colon = memchr(a, ':', len);

		host = a;
		host_len = len;
		if (colon != NULL) {
			host_len = (size_t)(colon - a);
			port = colon + 1;
		}
	}
	if (port != NULL) {
		size_t port_len = (size_t)(end - port);
		unsigned long v = 0;

		if (port_len < 1 || port_len > 5)
			return GW_EMALFORMED;
		for (k = 0; k < port_len; k++) {
			if (port[k] < '0' || port[k] > '9')
				return GW_EMALFORMED;
			v = v * 10 + (unsigned long)(port[k] - '0');
		}
		if (v > 65535)
			return GW_EMALFORMED;
	} else if (need_port) {
		return GW_EMALFORMED;
	}

	if (v6) {
		char tmp[INET6_ADDRSTRLEN];
		struct in6_addr addr;

		if (host_len < 2 || host_len >= sizeof(tmp))
			return GW_EMALFORMED;
		for (k = 0; k < host_len; k++) {
			uint8_t c = gw_ascii_lower(host[k]);

			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			      c == ':' || c == '.'))
				return GW_EMALFORMED;
		}
		memcpy(tmp, host, host_len);
		tmp[host_len] = '\0';
		if (inet_pton(AF_INET6, tmp, &addr) != 1)
			return GW_EMALFORMED;
	} else {
		if (host_len > 0 && host[host_len - 1] == '.')
			host_len--;
		if (host_len == 0)
			return GW_EMALFORMED;
		for (k = 0; k < host_len; k++) {
			if (!is_host_char(host[k]))
				return GW_EMALFORMED;
			/* empty labels: leading dot, "..", a second trailing dot */
			if (host[k] == '.' &&
			    (k == 0 || k + 1 == host_len || host[k - 1] == '.'))
				return GW_EMALFORMED;
		}
	}
	if (host_len > GW_HTTP_HOST_MAX)
		return GW_EMALFORMED;
	if (size < host_len + 1)
		return GW_ENOSPC;
	for (k = 0; k < host_len; k++)
		out[k] = (char)gw_ascii_lower(host[k]);
	out[host_len] = '\0';
	return (int)host_len;
}

int
gw_http_effective_host(const struct gw_http_req *req, char *out, size_t size,
		       bool *conflict)
{
	bool differ = false;
	int rc;

	if (req->is_connect || req->absolute_form) {
		rc = normalize_host(req->authority, req->authority_len,
				    req->is_connect, out, size);
		if (rc >= 0 && req->has_host) {
			char host[GW_HTTP_HOST_MAX + 1];
			int hrc = normalize_host(req->host, req->host_len, false,
						 host, sizeof(host));

			differ = hrc != rc || memcmp(host, out, (size_t)rc) != 0;
		}
	} else if (req->has_host) {
		rc = normalize_host(req->host, req->host_len, false, out, size);
	} else {
		rc = GW_EMALFORMED;
	}
	if (conflict != NULL)
		*conflict = differ;
	return rc;
}
