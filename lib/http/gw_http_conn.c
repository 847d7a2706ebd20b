/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x request-boundary tracker: a byte-level state machine over the
 * client's stream. Every decision depends only on the state and the
 * current byte (bodies are skipped by count), which is what makes the
 * events independent of where the stream is split into segments.
 */
#include <limits.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "http/gw_http.h"
#include "http/gw_http_conn.h"

_Static_assert(sizeof(struct gw_http_conn) <= 64,
	       "gw_http_conn must stay within a cache line");

#define FNV64_BASIS 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL
#define FIELDS_MAX GW_HTTP_HEADERS_MAX
#define FIELD_LINE_MAX GW_HTTP_REQUEST_LINE_MAX
#define V6_TEXT_MAX 45 /* INET6_ADDRSTRLEN - 1 */

enum state {
	S_START,        /* before a request line: empty lines skipped */
	S_METHOD,
	S_TARGET,       /* sub: enum target_phase */
	S_VERSION,      /* sub: bytes of "HTTP/1.", 7 = digit read */
	S_LF,           /* CR seen: LF must follow; sub: enum eol */
	S_FIELD_START,  /* start of a header or trailer line */
	S_NAME,
	S_VALUE,
	S_BODY,         /* Content-Length bytes left in remaining */
	S_CHUNK_SIZE,   /* tok_pos: hex digits read */
	S_CHUNK_EXT,
	S_CHUNK_DATA,
	S_CHUNK_CR,     /* chunk data read: CR LF must follow */
	S_STOPPED,
	S_MALFORMED,
	S_LOST,
};

enum eol {
	EOL_PRELUDE,    /* an empty line before a request line */
	EOL_REQLINE,
	EOL_FIELD,
	EOL_BLANK,      /* end of the header or trailer section */
	EOL_CHUNK_SIZE,
	EOL_CHUNK_DATA,
};

enum target_phase {
	T_FIRST,
	T_REST,         /* origin-form, or the path after an authority */
	T_STAR,
	T_SCHEME,
	T_SLASH1,
	T_SLASH2,
	T_AUTH,
};

enum field_kind {
	K_OTHER,
	K_HOST,
	K_CL,
	K_TE,
	K_CONN,
	K_UPGRADE,
};

/* Field names the tracker acts on, in enum field_kind order from K_HOST. */
static const char *const field_names[] = {
	"host", "content-length", "transfer-encoding", "connection", "upgrade",
};
#define FIELD_MASK_ALL 0x1f

/* Host value machine phases (vphase). */
enum host_phase {
	HN_START,
	HN_NAME,
	HN_V6,
	HN_V6_END,
	HN_PORT,
	HN_TRAIL,       /* OWS after the value of a Host field */
};

#define F_CONNECT     (1u << 0)
#define F_OPTIONS     (1u << 1)
#define F_AUTH        (1u << 2)  /* CONNECT or absolute-form authority */
#define F_HOST        (1u << 3)  /* a Host field */
#define F_CL          (1u << 4)
#define F_TE          (1u << 5)
#define F_TE_CHUNKED  (1u << 6)  /* chunked named in Transfer-Encoding */
#define F_TE_LAST     (1u << 7)  /* ... as the last coding so far */
#define F_UPGRADE     (1u << 8)
#define F_CLOSE       (1u << 9)
#define F_KEEPALIVE   (1u << 10)
#define F_DOT         (1u << 11) /* host: a '.' not yet emitted */
#define F_LAST        (1u << 12) /* STOP after this request */
#define F_TRAILER     (1u << 13)
#define F_HN_AUTH     (1u << 14) /* host machine reads the authority */
#define F_HN_TEXT     (1u << 15) /* ... and writes it to the text buffer */
#define F_TOK_AFTER   (1u << 16) /* OWS after a list token */
#define F_FIRST       (1u << 17) /* first host recorded (kept across requests) */
#define MINOR_SHIFT   24         /* 4 bits: minor version */

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = gw_ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Per-request part of the state, cleared before each request line. */
static void
request_reset(struct gw_http_conn *st)
{
	st->flags &= F_FIRST;
	st->hash = FNV64_BASIS;
	st->auth_hash = FNV64_BASIS;
	st->remaining = 0;
	st->line_len = 0;
	st->n_fields = 0;
	st->state = S_START;
}

void
gw_http_conn_init(struct gw_http_conn *st, uint32_t seq,
		  struct gw_http_conn_text *text)
{
	memset(st, 0, sizeof(*st));
	st->next_seq = seq;
	st->text = text;
	request_reset(st);
}

void
gw_http_conn_gap(struct gw_http_conn *st)
{
	st->state = S_LOST;
}

bool
gw_http_conn_done(const struct gw_http_conn *st)
{
	return st->state == S_STOPPED || st->state == S_MALFORMED ||
	       st->state == S_LOST;
}

enum gw_http_seg
gw_http_conn_seq(const struct gw_http_conn *st, uint32_t seq, uint32_t len,
		 uint32_t *skip)
{
	int32_t d = (int32_t)(seq - st->next_seq);

	*skip = 0;
	if (d > 0)
		return GW_HTTP_SEG_AHEAD;
	if ((uint32_t)-(int64_t)d >= len && len > 0)
		return GW_HTTP_SEG_OLD;
	if (len == 0)
		return d == 0 ? GW_HTTP_SEG_NEW : GW_HTTP_SEG_OLD;
	*skip = (uint32_t)-(int64_t)d;
	return GW_HTTP_SEG_NEW;
}

/* ---- host value machine: normalised like gw_http_effective_host ---- */

static void
host_begin(struct gw_http_conn *st, bool auth)
{
	st->vphase = HN_START;
	st->host_len = 0;
	st->port = 0;
	st->tok_pos = 0;
	st->tok_mask = 0;
	st->flags &= ~(F_DOT | F_HN_AUTH | F_HN_TEXT);
	if (auth)
		st->flags |= F_HN_AUTH;
	/* The effective host is the authority when there is one. */
	if (st->text != NULL && (auth || (st->flags & F_AUTH) == 0))
		st->flags |= F_HN_TEXT;
}

static int
host_emit(struct gw_http_conn *st, uint8_t c)
{
	uint64_t *h = (st->flags & F_HN_AUTH) ? &st->auth_hash : &st->hash;

	if (st->host_len >= GW_HTTP_HOST_MAX)
		return -1;
	*h = (*h ^ c) * FNV64_PRIME;
	if (st->flags & F_HN_TEXT)
		st->text->host[st->host_len] = (char)c;
	st->host_len++;
	return 0;
}

/* One byte of a host value that is not its terminator; field: Host header (OWS allowed). */
static int
host_char(struct gw_http_conn *st, uint8_t c, bool field)
{
	switch (st->vphase) {
	case HN_START:
		if (field && is_ows(c))
			return 0;
		if (c == '[') {
			st->vphase = HN_V6;
			return 0;
		}
		st->vphase = HN_NAME;
		/* fall through */
	case HN_NAME:
		if (c == '.') {
			/* empty labels: leading dot, "..", a second trailing dot */
			if (st->host_len == 0 || (st->flags & F_DOT))
				return -1;
			st->flags |= F_DOT;
			return 0;
		}
		if (c == ':' || (field && is_ows(c))) {
			if (st->host_len == 0)
				return -1;
			st->flags &= ~F_DOT; /* one trailing dot is dropped */
			st->vphase = c == ':' ? HN_PORT : HN_TRAIL;
			return 0;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return -1;
		if (st->flags & F_DOT) {
			st->flags &= ~F_DOT;
			if (host_emit(st, '.') < 0)
				return -1;
		}
		return host_emit(st, gw_ascii_lower(c));
	case HN_V6:
		if (c == ']') {
			/* tok_mask: a ':' was seen; an IPv6 literal has two */
			if (st->host_len < 2 || st->tok_mask == 0)
				return -1;
			st->vphase = HN_V6_END;
			return 0;
		}
		c = gw_ascii_lower(c);
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      c == ':' || c == '.') || st->host_len >= V6_TEXT_MAX)
			return -1;
		if (c == ':')
			st->tok_mask = 1;
		return host_emit(st, c);
	case HN_V6_END:
		if (c == ':') {
			st->vphase = HN_PORT;
			return 0;
		}
		if (field && is_ows(c)) {
			st->vphase = HN_TRAIL;
			return 0;
		}
		return -1;
	case HN_PORT:
		if (c >= '0' && c <= '9') {
			uint32_t v = (uint32_t)st->port * 10 + (uint32_t)(c - '0');

			if (st->tok_pos >= 5 || v > 65535)
				return -1;
			st->port = (uint16_t)v;
			st->tok_pos++;
			return 0;
		}
		if (field && is_ows(c) && st->tok_pos > 0) {
			st->vphase = HN_TRAIL;
			return 0;
		}
		return -1;
	case HN_TRAIL:
		return is_ows(c) ? 0 : -1;
	default:
		return -1;
	}
}

/* The host value ended; need_port: CONNECT authority. */
static int
host_end(struct gw_http_conn *st, bool need_port)
{
	bool ok;

	switch (st->vphase) {
	case HN_NAME:
		ok = st->host_len > 0 && !need_port;
		break;
	case HN_V6_END:
		ok = !need_port;
		break;
	case HN_PORT:
		ok = st->tok_pos > 0;
		break;
	case HN_TRAIL:
		ok = !need_port;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok)
		return -1;
	if (st->flags & F_HN_TEXT) {
		st->text->host[st->host_len] = '\0';
		st->text->host_len = st->host_len;
	}
	return 0;
}

/* ---- comma-separated token lists: Transfer-Encoding, Connection ---- */

static const char *const te_tokens[] = { "chunked" };
static const char *const conn_tokens[] = { "close", "keep-alive" };

static void
tok_begin(struct gw_http_conn *st)
{
	st->tok_pos = 0;
	st->tok_mask = 0;
	st->flags &= ~F_TOK_AFTER;
}

static int
tok_end(struct gw_http_conn *st)
{
	const char *const *lit = st->kind == K_TE ? te_tokens : conn_tokens;
	size_t n = st->kind == K_TE ? GW_ARRAY_SIZE(te_tokens) :
				      GW_ARRAY_SIZE(conn_tokens);
	int match = -1;
	size_t j;

	if (st->tok_pos == 0)
		return 0; /* empty list element (RFC 9110 5.6.1) */
	for (j = 0; j < n; j++)
		if ((st->tok_mask & (1u << j)) && strlen(lit[j]) == st->tok_pos)
			match = (int)j;
	if (st->kind == K_TE) {
		if (match == 0) {
			/* chunked twice is an error (RFC 9112 7) */
			if (st->flags & F_TE_CHUNKED)
				return -1;
			st->flags |= F_TE_CHUNKED | F_TE_LAST;
		} else {
			st->flags &= ~F_TE_LAST;
		}
	} else if (match == 0) {
		st->flags |= F_CLOSE;
	} else if (match == 1) {
		st->flags |= F_KEEPALIVE;
	}
	tok_begin(st);
	return 0;
}

static int
tok_char(struct gw_http_conn *st, uint8_t c)
{
	const char *const *lit = st->kind == K_TE ? te_tokens : conn_tokens;
	size_t n = st->kind == K_TE ? GW_ARRAY_SIZE(te_tokens) :
				      GW_ARRAY_SIZE(conn_tokens);
	size_t j;

	if (c == ',')
		return tok_end(st);
	if (is_ows(c)) {
		if (st->tok_pos > 0)
			st->flags |= F_TOK_AFTER;
		return 0;
	}
	/* parameters, quoted strings, two tokens without a comma */
	if (!gw_is_tchar(c) || (st->flags & F_TOK_AFTER))
		return -1;
	if (st->tok_pos == 0)
		st->tok_mask = (uint8_t)((1u << n) - 1);
	for (j = 0; j < n; j++)
		if (st->tok_pos >= strlen(lit[j]) ||
		    gw_ascii_lower(c) != (uint8_t)lit[j][st->tok_pos])
			st->tok_mask &= (uint8_t)~(1u << j);
	if (st->tok_pos < UINT8_MAX)
		st->tok_pos++;
	return 0;
}

/* ---- field lines ---- */

static int
name_char(struct gw_http_conn *st, uint8_t c)
{
	size_t j;

	if (!gw_is_tchar(c))
		return -1;
	for (j = 0; j < GW_ARRAY_SIZE(field_names); j++)
		if (st->line_len >= strlen(field_names[j]) ||
		    gw_ascii_lower(c) != (uint8_t)field_names[j][st->line_len])
			st->tok_mask &= (uint8_t)~(1u << j);
	return 0;
}

/* ':' after a field name: which field, and start its value machine. */
static int
name_end(struct gw_http_conn *st)
{
	size_t j;

	st->kind = K_OTHER;
	for (j = 0; j < GW_ARRAY_SIZE(field_names); j++)
		if ((st->tok_mask & (1u << j)) &&
		    strlen(field_names[j]) == st->line_len)
			st->kind = (uint8_t)(K_HOST + j);
	switch (st->kind) {
	case K_HOST:
		if (st->flags & F_HOST)
			return -1;
		st->flags |= F_HOST;
		host_begin(st, false);
		break;
	case K_CL:
		if (st->flags & F_CL)
			return -1;
		st->flags |= F_CL;
		st->remaining = 0;
		st->vphase = 0;
		break;
	case K_TE:
		st->flags |= F_TE;
		tok_begin(st);
		break;
	case K_CONN:
		tok_begin(st);
		break;
	case K_UPGRADE:
		st->flags |= F_UPGRADE;
		break;
	default:
		break;
	}
	return 0;
}

static int
value_char(struct gw_http_conn *st, uint8_t c)
{
	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return -1;
	switch (st->kind) {
	case K_HOST:
		return host_char(st, c, true);
	case K_CL:
		/* vphase: 0 leading OWS, 1 digits, 2 trailing OWS */
		if (is_ows(c)) {
			if (st->vphase == 1)
				st->vphase = 2;
			return 0;
		}
		if (c < '0' || c > '9' || st->vphase == 2)
			return -1;
		st->vphase = 1;
		st->remaining = st->remaining * 10 + (uint64_t)(c - '0');
		return st->remaining > GW_HTTP_CONN_BODY_MAX ? -1 : 0;
	case K_TE:
	case K_CONN:
		return tok_char(st, c);
	default:
		return 0;
	}
}

static int
field_end(struct gw_http_conn *st)
{
	switch (st->kind) {
	case K_HOST:
		if (host_end(st, false) < 0)
			return -1;
		break;
	case K_CL:
		if (st->vphase == 0)
			return -1;
		break;
	case K_TE:
	case K_CONN:
		if (tok_end(st) < 0)
			return -1;
		break;
	default:
		break;
	}
	st->n_fields++;
	st->state = S_FIELD_START;
	return 0;
}

/* The blank line after the header section: the request head is complete. */
static int
head_end(struct gw_http_conn *st, struct gw_http_conn_ev *ev)
{
	uint32_t f = st->flags;
	unsigned int minor = (f >> MINOR_SHIFT) & 0xf;
	uint64_t eff;

	if (minor >= 1 && !(f & F_HOST))
		return -1;
	/* both framings: the server and we could disagree (smuggling) */
	if ((f & F_TE) && (f & F_CL))
		return -1;
	if ((f & F_TE) && !(f & F_TE_LAST))
		return -1;
	if ((f & F_AUTH) && (f & F_HOST) && st->auth_hash != st->hash)
		return -1;
	eff = (f & F_AUTH) ? st->auth_hash : (f & F_HOST) ? st->hash : 0;

	ev->type = GW_HTTP_EV_HEAD;
	ev->request = st->requests;
	if (st->requests < UINT16_MAX)
		st->requests++;
	if (f & F_FIRST) {
		ev->host_changed = eff != st->first_hash;
	} else {
		st->first_hash = eff;
		st->flags |= F_FIRST;
	}
	ev->has_host = (f & (F_AUTH | F_HOST)) != 0;
	ev->is_connect = (f & F_CONNECT) != 0;
	ev->upgrade = (f & F_UPGRADE) != 0;
	ev->chunked = (f & F_TE) != 0;
	ev->minor_version = (uint8_t)minor;
	ev->host_hash = eff;
	ev->content_length = (f & F_TE) ? 0 : st->remaining;
	ev->last = (f & (F_CONNECT | F_UPGRADE | F_CLOSE)) ||
		   (minor == 0 && !(f & F_KEEPALIVE));
	if (ev->last)
		st->flags |= F_LAST;
	if (st->text != NULL) {
		ev->method = st->text->method;
		ev->method_len = st->text->method_len;
		if (ev->has_host) {
			ev->host = st->text->host;
			ev->host_len = st->text->host_len;
		}
	}

	st->line_len = 0;
	if (f & (F_CONNECT | F_UPGRADE)) {
		st->state = S_STOPPED;
	} else if (f & F_TE) {
		st->state = S_CHUNK_SIZE;
		st->remaining = 0;
		st->tok_pos = 0;
	} else if (st->remaining > 0) {
		st->state = S_BODY;
	} else if (ev->last) {
		st->state = S_STOPPED;
	} else {
		request_reset(st);
	}
	return 0;
}

/* The body (and trailers) ended. Returns true when this was the last request. */
static bool
request_done(struct gw_http_conn *st)
{
	if (st->flags & F_LAST) {
		st->state = S_STOPPED;
		return true;
	}
	request_reset(st);
	return false;
}

static int
feed_stop(struct gw_http_conn *st, size_t i, struct gw_http_conn_ev *ev,
	  enum gw_http_conn_ev_type type)
{
	ev->type = type;
	if (type == GW_HTTP_EV_MALFORMED)
		st->state = S_MALFORMED;
	st->next_seq += (uint32_t)i;
	return (int)i;
}

bool
gw_http_conn_in_head(const struct gw_http_conn *st)
{
	switch (st->state) {
	case S_METHOD:
	case S_TARGET:
	case S_VERSION:
		return true;
	case S_LF:
		if (st->sub == EOL_PRELUDE || st->sub == EOL_CHUNK_SIZE ||
		    st->sub == EOL_CHUNK_DATA)
			return false;
		/* fall through */
	case S_FIELD_START:
	case S_NAME:
	case S_VALUE:
		return (st->flags & F_TRAILER) == 0;
	default:
		return false;
	}
}

bool
gw_http_conn_set_text(struct gw_http_conn *st, struct gw_http_conn_text *text)
{
	if (gw_http_conn_in_head(st))
		return false;
	st->text = text;
	return true;
}

int
gw_http_conn_feed(struct gw_http_conn *st, const uint8_t *data, size_t len,
		  struct gw_http_conn_ev *ev)
{
	static const char version[] = "HTTP/1.";
	size_t i = 0;

	memset(ev, 0, sizeof(*ev));
	switch (st->state) {
	case S_STOPPED:
		ev->type = GW_HTTP_EV_STOP;
		return 0;
	case S_MALFORMED:
		ev->type = GW_HTTP_EV_MALFORMED;
		return 0;
	case S_LOST:
		ev->type = GW_HTTP_EV_LOST;
		return 0;
	default:
		break;
	}
	if (len > INT_MAX)
		len = INT_MAX;

	while (i < len) {
		uint8_t c = data[i];

		switch (st->state) {
		case S_START:
			if (c == '\r') {
				st->state = S_LF;
				st->sub = EOL_PRELUDE;
				break;
			}
			if (c == '\n')
				break;
			if (!gw_is_tchar(c))
				goto bad;
			st->state = S_METHOD;
			st->line_len = 0;
			st->tok_mask = 0x3; /* CONNECT, OPTIONS */
			/* The previous request's text stays valid until here. */
			if (st->text != NULL) {
				st->text->host_len = 0;
				st->text->host[0] = '\0';
			}
			/* fall through */
		case S_METHOD:
			if (c == ' ') {
				if (st->line_len == 7 && (st->tok_mask & 1))
					st->flags |= F_CONNECT;
				if (st->line_len == 7 && (st->tok_mask & 2))
					st->flags |= F_OPTIONS;
				if (st->text != NULL) {
					st->text->method[st->line_len] = '\0';
					st->text->method_len = (uint8_t)st->line_len;
				}
				st->line_len++;
				st->state = S_TARGET;
				st->sub = T_FIRST;
				break;
			}
			if (!gw_is_tchar(c) || st->line_len >= GW_HTTP_CONN_METHOD_MAX)
				goto bad;
			if (st->line_len >= 7 || c != (uint8_t)"CONNECT"[st->line_len])
				st->tok_mask &= (uint8_t)~1u;
			if (st->line_len >= 7 || c != (uint8_t)"OPTIONS"[st->line_len])
				st->tok_mask &= (uint8_t)~2u;
			if (st->text != NULL)
				st->text->method[st->line_len] = (char)c;
			st->line_len++;
			break;
		case S_TARGET:
			if (st->line_len >= GW_HTTP_REQUEST_LINE_MAX)
				goto bad;
			st->line_len++;
			if (c == ' ') {
				if (st->sub == T_FIRST || st->sub == T_SCHEME ||
				    st->sub == T_SLASH1 || st->sub == T_SLASH2)
					goto bad;
				if (st->sub == T_AUTH &&
				    host_end(st, (st->flags & F_CONNECT) != 0) < 0)
					goto bad;
				st->state = S_VERSION;
				st->sub = 0;
				break;
			}
			/* CR or LF here is an HTTP/0.9 request line */
			if (c <= 0x20 || c == 0x7f)
				goto bad;
			switch (st->sub) {
			case T_FIRST:
				if (st->flags & F_CONNECT) {
					st->flags |= F_AUTH;
					host_begin(st, true);
					st->sub = T_AUTH;
					if (host_char(st, c, false) < 0)
						goto bad;
				} else if (c == '/') {
					st->sub = T_REST;
				} else if (c == '*') {
					if (!(st->flags & F_OPTIONS))
						goto bad;
					st->sub = T_STAR;
				} else if ((c >= 'a' && c <= 'z') ||
					   (c >= 'A' && c <= 'Z')) {
					st->sub = T_SCHEME;
				} else {
					goto bad;
				}
				break;
			case T_STAR:
				goto bad;
			case T_SCHEME:
				if (c == ':')
					st->sub = T_SLASH1;
				else if (!((c >= 'a' && c <= 'z') ||
					   (c >= 'A' && c <= 'Z') ||
					   (c >= '0' && c <= '9') || c == '+' ||
					   c == '-' || c == '.'))
					goto bad;
				break;
			case T_SLASH1:
				if (c != '/')
					goto bad;
				st->sub = T_SLASH2;
				break;
			case T_SLASH2:
				if (c != '/')
					goto bad;
				st->flags |= F_AUTH;
				host_begin(st, true);
				st->sub = T_AUTH;
				break;
			case T_AUTH:
				if ((c == '/' || c == '?' || c == '#') &&
				    !(st->flags & F_CONNECT)) {
					if (host_end(st, false) < 0)
						goto bad;
					st->sub = T_REST;
				} else if (host_char(st, c, false) < 0) {
					goto bad;
				}
				break;
			default: /* T_REST */
				break;
			}
			break;
		case S_VERSION:
			if (st->sub < 8) {
				if (st->line_len >= GW_HTTP_REQUEST_LINE_MAX)
					goto bad;
				st->line_len++;
			}
			if (st->sub < 7) {
				if (c != (uint8_t)version[st->sub])
					goto bad;
				st->sub++;
			} else if (st->sub == 7) {
				if (c < '0' || c > '9')
					goto bad;
				st->flags |= (uint32_t)(c - '0') << MINOR_SHIFT;
				st->sub = 8;
			} else if (c == '\r') {
				st->state = S_LF;
				st->sub = EOL_REQLINE;
			} else if (c == '\n') {
				st->state = S_FIELD_START;
				st->n_fields = 0;
			} else {
				goto bad;
			}
			break;
		case S_LF:
			if (c != '\n')
				goto bad; /* bare CR */
			switch (st->sub) {
			case EOL_PRELUDE:
				st->state = S_START;
				break;
			case EOL_REQLINE:
				st->state = S_FIELD_START;
				st->n_fields = 0;
				break;
			case EOL_FIELD:
				if (field_end(st) < 0)
					goto bad;
				break;
			case EOL_BLANK:
				goto blank;
			case EOL_CHUNK_SIZE:
				goto chunk_size_end;
			default: /* EOL_CHUNK_DATA */
				st->state = S_CHUNK_SIZE;
				st->remaining = 0;
				st->tok_pos = 0;
				st->line_len = 0;
				break;
			}
			break;
		case S_FIELD_START:
			if (c == '\r') {
				st->state = S_LF;
				st->sub = EOL_BLANK;
				break;
			}
			if (c == '\n')
				goto blank;
			/* obs-fold, or any other byte that starts no field name */
			if (!gw_is_tchar(c) || st->n_fields >= FIELDS_MAX)
				goto bad;
			st->state = S_NAME;
			st->line_len = 0;
			st->tok_mask = (st->flags & F_TRAILER) ? 0 : FIELD_MASK_ALL;
			/* fall through */
		case S_NAME:
			if (st->line_len >= FIELD_LINE_MAX)
				goto bad;
			if (c == ':') {
				if (name_end(st) < 0)
					goto bad;
				st->line_len++;
				st->state = S_VALUE;
				break;
			}
			if (name_char(st, c) < 0)
				goto bad;
			st->line_len++;
			break;
		case S_VALUE:
			if (c == '\r') {
				st->state = S_LF;
				st->sub = EOL_FIELD;
				break;
			}
			if (c == '\n') {
				if (field_end(st) < 0)
					goto bad;
				break;
			}
			if (st->line_len >= FIELD_LINE_MAX ||
			    value_char(st, c) < 0)
				goto bad;
			st->line_len++;
			break;
		case S_BODY:
		case S_CHUNK_DATA: {
			size_t n = len - i;

			if (n > st->remaining)
				n = (size_t)st->remaining;
			st->remaining -= n;
			i += n;
			if (st->remaining > 0)
				continue;
			if (st->state == S_CHUNK_DATA) {
				st->state = S_CHUNK_CR;
				continue;
			}
			if (request_done(st))
				return feed_stop(st, i, ev, GW_HTTP_EV_STOP);
			continue;
		}
		case S_CHUNK_CR:
			if (c != '\r')
				goto bad;
			st->state = S_LF;
			st->sub = EOL_CHUNK_DATA;
			break;
		case S_CHUNK_SIZE: {
			int v = hexval(c);

			if (c == '\r' && st->tok_pos > 0) {
				st->state = S_LF;
				st->sub = EOL_CHUNK_SIZE;
				break;
			}
			/* the limit counts the bytes before the line end */
			if (st->line_len >= GW_HTTP_CONN_CHUNK_LINE_MAX)
				goto bad;
			st->line_len++;
			if (v >= 0) {
				if (st->remaining > (GW_HTTP_CONN_BODY_MAX >> 4))
					goto bad;
				st->remaining = st->remaining << 4 | (uint64_t)v;
				if (st->remaining > GW_HTTP_CONN_BODY_MAX)
					goto bad;
				st->tok_pos = 1;
				break;
			}
			if (st->tok_pos == 0)
				goto bad;
			if (c == ';' || is_ows(c)) {
				st->state = S_CHUNK_EXT;
				st->sub = c == ';'; /* 0: only BWS so far, ';' must come */
			} else {
				goto bad; /* bare LF too: chunk lines end in CRLF */
			}
			break;
		}
		case S_CHUNK_EXT:
			if (c == '\r') {
				st->state = S_LF;
				st->sub = EOL_CHUNK_SIZE;
				break;
			}
			if (st->line_len >= GW_HTTP_CONN_CHUNK_LINE_MAX)
				goto bad;
			st->line_len++;
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				goto bad;
			if (st->sub == 0) {
				if (c == ';')
					st->sub = 1;
				else if (!is_ows(c))
					goto bad;
			}
			break;
		default:
			goto bad;
		}
		i++;
		continue;

chunk_size_end:
		i++;
		st->line_len = 0;
		if (st->remaining > 0) {
			st->state = S_CHUNK_DATA;
		} else {
			/* last-chunk: the trailer section follows */
			st->flags |= F_TRAILER;
			st->n_fields = 0;
			st->state = S_FIELD_START;
		}
		continue;
blank:
		i++;
		if (st->flags & F_TRAILER) {
			if (request_done(st))
				return feed_stop(st, i, ev, GW_HTTP_EV_STOP);
			continue;
		}
		if (head_end(st, ev) < 0) {
			i--;
			goto bad;
		}
		st->next_seq += (uint32_t)i;
		return (int)i;
	}
	ev->type = GW_HTTP_EV_NEED_MORE;
	st->next_seq += (uint32_t)i;
	return (int)i;
bad:
	return feed_stop(st, i, ev, GW_HTTP_EV_MALFORMED);
}
