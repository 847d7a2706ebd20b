/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_HTTP_CONN_H
#define GW_HTTP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/gw_http.h"

/*
 * HTTP/1.x request-boundary tracker for a kept-alive connection
 * (DPDK-free, no allocation, 64 bytes of state per connection).
 *
 * It reads the client->server byte stream in order, one byte at a time in
 * the heads and by length in the bodies, so it needs no buffer: a head that
 * spans segments is judged from the state carried between feeds (a rolling
 * hash of the normalised host, the framing headers' values, the position in
 * the line), never from bytes of an earlier segment. Hence feeding a stream
 * whole, split anywhere or byte by byte yields the same events at the same
 * stream offsets.
 *
 * Walk: [empty lines] request line, header fields, blank line (HEAD event),
 * then the body by Content-Length or chunked coding (chunk-size lines with
 * extensions, data, CRLF, final 0 chunk, trailer fields, blank line), then
 * the next request. The first request's host is remembered as a 64-bit hash;
 * every later HEAD says whether its host differs (host_changed).
 *
 * How the worker uses it (an allowed HTTP flow):
 *  - at ALLOW: gw_http_conn_init(st, client_isn + 1, text or NULL), then
 *    feed the held bytes (the first head and whatever follows it); the first
 *    HEAD records the first host;
 *  - each later client segment: gw_http_conn_seq() places it (retransmitted
 *    bytes are skipped, a segment beyond a hole is AHEAD), then feed the new
 *    bytes in a loop, one event per call, until NEED_MORE:
 *      HEAD with host_changed   judge (host_changed deny by the role, or
 *                               the new host through decide_name when the
 *                               role allows changes and a text buffer gives
 *                               the name); drop the segment on deny: it
 *                               holds the end of the head, so the server
 *                               never sees a complete request;
 *      MALFORMED                deny (malformed): the server might frame
 *                               the bytes differently than we did;
 *      STOP                     stop inspecting: nothing more to check;
 *      LOST                     see gw_http_conn_gap.
 *  - a segment AHEAD of the next expected byte: either drop it (the client
 *    retransmits it once the hole is filled, so checking goes on; the
 *    default-deny choice) or call gw_http_conn_gap and let it pass.
 *
 * Terminal states (STOP, MALFORMED, LOST) are reported again by every later
 * call, with 0 bytes consumed.
 *
 * Compared with gw_http_parse_request (used for the first head while the
 * flow is held), later heads are checked with the same rules (tokens, CTLs,
 * bare CR, obs-fold, <= 100 fields, one Host, Host required in HTTP/1.1,
 * absolute-form authority vs Host), plus: method <= GW_HTTP_CONN_METHOD_MAX
 * bytes, field lines <= GW_HTTP_REQUEST_LINE_MAX bytes, IPv6 literals are
 * checked for their characters only (a text that is not an address cannot
 * equal the first host's, so it reads as a host change), and the framing
 * headers are strict (see below).
 */

#define GW_HTTP_CONN_METHOD_MAX 31      /* longer methods are MALFORMED */
#define GW_HTTP_CONN_CHUNK_LINE_MAX 4096 /* chunk-size line with extensions */
#define GW_HTTP_CONN_BODY_MAX (1ULL << 62) /* Content-Length / chunk-size cap */

/*
 * Optional text of the current request, for a worker that must judge a new
 * host or method by name (hygiene.host_change: allow, allow_methods). The
 * state only points to it: it is written while the head is read and valid
 * at HEAD until the next feed. NUL-terminated.
 */
struct gw_http_conn_text {
	char method[GW_HTTP_CONN_METHOD_MAX + 1];
	char host[GW_HTTP_HOST_MAX + 1];     /* effective host, normalised like gw_http_effective_host */
	uint16_t host_len;
	uint8_t method_len;
};

/* Private; fields may change. Use the functions. */
struct gw_http_conn {
	uint64_t first_hash;    /* effective host hash of the first request */
	uint64_t hash;          /* Host header hash being read */
	uint64_t auth_hash;     /* absolute-form / CONNECT authority hash */
	uint64_t remaining;     /* Content-Length value, then body / chunk bytes left */
	struct gw_http_conn_text *text;
	uint32_t next_seq;      /* sequence number of the next byte to feed */
	uint32_t flags;
	uint16_t port;          /* port being read in a host */
	uint16_t line_len;      /* bytes of the current line so far */
	uint16_t host_len;      /* normalised host bytes emitted so far */
	uint16_t requests;      /* heads completed (saturates) */
	uint8_t state;
	uint8_t sub;            /* position in a literal, or what a LF ends */
	uint8_t n_fields;       /* header or trailer fields of the section */
	uint8_t kind;           /* header field being read */
	uint8_t vphase;         /* phase of the value machine */
	uint8_t tok_pos;        /* bytes of the current token / port digits */
	uint8_t tok_mask;       /* literals the current token may still be */
};

enum gw_http_conn_ev_type {
	GW_HTTP_EV_NEED_MORE = 0, /* all bytes consumed, nothing to report */
	GW_HTTP_EV_HEAD,          /* a request head ended at data[consumed - 1] */
	GW_HTTP_EV_STOP,          /* no more requests can be parsed here */
	GW_HTTP_EV_MALFORMED,     /* data[consumed] cannot be where it is */
	GW_HTTP_EV_LOST,          /* a gap was reported: nothing is checked */
};

struct gw_http_conn_ev {
	enum gw_http_conn_ev_type type;
	/* HEAD only: */
	uint32_t request;       /* 0 for the first request of the connection */
	bool host_changed;      /* effective host differs from the first request's */
	bool has_host;          /* a Host or an authority (HTTP/1.0 may have none) */
	bool is_connect;        /* CONNECT: STOP follows */
	bool upgrade;           /* Upgrade header: STOP follows */
	bool chunked;           /* body in chunked coding */
	bool last;              /* no request is parsed after this one (STOP follows
				 * this head, or its body) */
	uint8_t minor_version;  /* HTTP/1.x */
	uint64_t host_hash;     /* hash of the normalised effective host */
	uint64_t content_length; /* when !chunked (0: no body) */
	/* With a text buffer (else NULL / 0): */
	const char *method;
	size_t method_len;
	const char *host;       /* normalised effective host, NULL if !has_host */
	size_t host_len;
};

/*
 * Starts tracking a connection whose next client byte has sequence number
 * seq (client ISN + 1 for a new connection). text may be NULL.
 */
void gw_http_conn_init(struct gw_http_conn *st, uint32_t seq,
		       struct gw_http_conn_text *text);

/*
 * Consumes data[0..len) up to the first event. Returns the bytes consumed
 * (>= 0, <= len; the next feed starts at data + consumed) and fills ev.
 * NEED_MORE means all of data was consumed. Advances the sequence number
 * by the bytes consumed. At most INT_MAX bytes are consumed per call.
 *
 * Ends of the request (STOP follows): CONNECT and any request with an
 * Upgrade header right after their head (their bytes that follow are
 * another protocol); an HTTP/1.0 request without "Connection: keep-alive"
 * and any request with "Connection: close" after their body.
 * MALFORMED: any head rule above broken; Content-Length together with
 * Transfer-Encoding (request smuggling); two Content-Length fields or one
 * that is not a plain decimal <= GW_HTTP_CONN_BODY_MAX; a Transfer-Encoding
 * whose last coding is not "chunked", which names chunked twice or holds
 * anything but tokens, commas and OWS; a chunk-size that is not hex, is
 * above GW_HTTP_CONN_BODY_MAX or has a line above
 * GW_HTTP_CONN_CHUNK_LINE_MAX; chunk lines not ended by CRLF; chunk data
 * not followed by CRLF; a malformed trailer field. Empty lines (CRLF or LF)
 * before a request line are skipped (RFC 9112 2.2).
 */
int gw_http_conn_feed(struct gw_http_conn *st, const uint8_t *data, size_t len,
		      struct gw_http_conn_ev *ev);

/*
 * Bytes of the stream will never be fed (a hole the worker lets pass):
 * the state becomes LOST and every later feed reports LOST. The worker
 * then stops inspecting the connection, or denies it when it cannot
 * accept unchecked requests (both are the worker's choice; the tracker
 * cannot resync inside a body).
 */
void gw_http_conn_gap(struct gw_http_conn *st);

/*
 * True once STOP, MALFORMED or LOST was reached: feeding is pointless.
 * After a HEAD with last and no body, it is already true while the STOP
 * itself is reported by the next feed.
 */
bool gw_http_conn_done(const struct gw_http_conn *st);

/*
 * True while a request line or a header section is being read: the text
 * buffer (if any) then holds part of that head and must stay attached.
 * Between heads (before a request line, in a body, chunks or trailers, and
 * in the terminal states) nothing is kept in it, so a worker can lend one
 * text buffer to whichever connection is reading a head.
 */
bool gw_http_conn_in_head(const struct gw_http_conn *st);
/*
 * Attaches text (NULL: detaches it). Only between heads: returns false and
 * changes nothing while gw_http_conn_in_head(st).
 */
bool gw_http_conn_set_text(struct gw_http_conn *st,
			   struct gw_http_conn_text *text);

enum gw_http_seg {
	GW_HTTP_SEG_NEW = 0,  /* feed data + *skip (*skip bytes were seen) */
	GW_HTTP_SEG_OLD,      /* a retransmission of bytes already fed */
	GW_HTTP_SEG_AHEAD,    /* starts beyond the next expected byte */
};

/*
 * Places a segment of len bytes at sequence number seq against the next
 * byte expected (modulo 2^32, within 2^31). A retransmission carrying some
 * new bytes is NEW with *skip set to the old ones: they are not compared
 * with what was fed.
 */
enum gw_http_seg gw_http_conn_seq(const struct gw_http_conn *st, uint32_t seq,
				  uint32_t len, uint32_t *skip);

#endif /* GW_HTTP_CONN_H */
