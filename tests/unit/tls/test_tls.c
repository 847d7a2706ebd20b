/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ClientHello parser tests. Hellos are built programmatically (the builder
 * records where every length field lives, so the malformed table can bend
 * each one by one), plus two captured hellos. Every valid vector is parsed
 * whole, truncated at every length, re-framed into records split at every
 * byte offset and into 1-byte records, always placed right before a guard
 * page (scratch buffers too).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "tls/gw_tls.h"
#include "gw_test.h"

#define HELLO_MAX 40000
#define STREAM_MAX (6 * HELLO_MAX + 64)
/* Streams up to this size are also truncated at every length; longer ones are sampled. */
#define FULL_TRUNCATION_MAX 16000

/* ---- guard-page buffers reused for every prefix ---- */

struct gbuf {
	struct gw_guard g;
	uint8_t *end; /* first byte of the PROT_NONE page */
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

/* Copies src[0..len) so that it ends right at the guard page. */
static uint8_t *
gbuf_put(struct gbuf *gb, const void *src, size_t len)
{
	uint8_t *dst = gb->end - len;

	memmove(dst, src, len);
	return dst;
}

/* ---- ClientHello builder ---- */

enum sni_mode {
	SNI_NONE,
	SNI_NAME,       /* one server_name with one host_name entry */
	SNI_EMPTY,      /* host_name of length 0 */
	SNI_256,        /* host_name of 256 bytes */
	SNI_255,        /* host_name of 255 bytes (longest allowed) */
	SNI_TWO_EXT,    /* two server_name extensions */
	SNI_TWO_NAMES,  /* two host_name entries in one list */
	SNI_OTHER_TYPE, /* an entry of name_type 1 before the host_name */
};

enum versions_mode {
	SV_NONE,
	SV_GREASE_13_12, /* GREASE, 0x0304, 0x0303 */
	SV_ONLY_GREASE,  /* 0x1a1a, 0xfafa */
	SV_12_GREASE,    /* 0x0303, GREASE */
};

struct hello_opts {
	const char *label;
	enum sni_mode sni;
	const char *name;
	uint16_t legacy_version; /* 0: 0x0303 */
	uint8_t hs_type;         /* 0: ClientHello */
	uint8_t sid_len;
	bool no_ext;             /* no extensions block (pre-TLS 1.3) */
	bool grease_ext;         /* an empty GREASE extension first */
	bool alpn;               /* "h2", "http/1.1" */
	enum versions_mode versions;
	bool ech;                /* encrypted_client_hello 0xfe0d */
	bool pq_key_share;       /* X25519MLKEM768 (0x11ec) 1216-byte share + X25519 */
	bool dup_ext;            /* supported_groups twice */
	size_t padding;          /* padding extension (21) payload bytes, 0 = none */
};

/*
 * Length fields the builder records (first occurrence), by position in the
 * handshake message: every length the parser reads. Lengths inside
 * extensions the parser only skips (supported_groups list, key_share
 * entries) are F_NONE.
 */
enum field {
	F_HS_LEN, F_SID, F_CS, F_CM, F_EXTS,
	F_GREASE_EXT,
	F_SNI_EXT, F_SNI_LIST, F_SNI_NAME,
	F_GROUPS_EXT,
	F_ALPN_EXT, F_ALPN_LIST, F_ALPN_NAME,
	F_SV_EXT, F_SV_LIST,
	F_ECH_EXT,
	F_KS_EXT,
	F_PAD_EXT,
	F_MAX,
	F_NONE = F_MAX
};

static const char *const field_names[F_MAX] = {
	"hs_len", "session_id", "cipher_suites", "compression", "extensions",
	"grease_ext",
	"sni_ext", "sni_list", "sni_name",
	"groups_ext",
	"alpn_ext", "alpn_list", "alpn_name",
	"sv_ext", "sv_list",
	"ech_ext",
	"ks_ext",
	"pad_ext",
};

struct hello {
	uint8_t b[HELLO_MAX];
	size_t len;
	size_t off[F_MAX];   /* offset of the length field */
	uint8_t width[F_MAX]; /* its size in bytes, 0 = not in this hello */
	size_t stack[8];      /* open length fields: offset and width */
	uint8_t stack_w[8];
	unsigned int depth;
};

static void
put8(struct hello *h, uint8_t v)
{
	ck_assert_uint_lt(h->len, HELLO_MAX);
	h->b[h->len++] = v;
}

static void
put16(struct hello *h, uint16_t v)
{
	put8(h, (uint8_t)(v >> 8));
	put8(h, (uint8_t)v);
}

static void
putn(struct hello *h, const void *p, size_t n)
{
	ck_assert_uint_le(h->len + n, HELLO_MAX);
	memcpy(h->b + h->len, p, n);
	h->len += n;
}

static void
putfill(struct hello *h, uint8_t v, size_t n)
{
	ck_assert_uint_le(h->len + n, HELLO_MAX);
	memset(h->b + h->len, v, n);
	h->len += n;
}

/* Opens a length-prefixed block; the first block of each field is recorded. */
static void
open_len(struct hello *h, enum field f, uint8_t width)
{
	ck_assert_uint_lt(h->depth, GW_ARRAY_SIZE(h->stack));
	if (f != F_NONE && h->width[f] == 0) {
		h->off[f] = h->len;
		h->width[f] = width;
	}
	h->stack[h->depth] = h->len;
	h->stack_w[h->depth] = width;
	h->depth++;
	putfill(h, 0, width);
}

static void
close_len(struct hello *h)
{
	size_t off, n;
	unsigned int width, k;

	ck_assert_uint_gt(h->depth, 0);
	h->depth--;
	off = h->stack[h->depth];
	width = h->stack_w[h->depth];
	n = h->len - off - width;
	ck_assert_uint_lt(n, (size_t)1 << (8 * width));
	for (k = 0; k < width; k++)
		h->b[off + k] = (uint8_t)(n >> (8 * (width - 1 - k)));
}

static void
put_host_name(struct hello *h, const char *name, size_t len)
{
	put8(h, 0); /* host_name */
	open_len(h, F_SNI_NAME, 2);
	putn(h, name, len);
	close_len(h);
}

static void
put_server_name(struct hello *h, const struct hello_opts *o)
{
	char longname[300];
	const char *name = o->name != NULL ? o->name : "www.example.com";
	size_t len = strlen(name);

	if (o->sni == SNI_256 || o->sni == SNI_255) {
		len = o->sni == SNI_256 ? 256 : 255;
		memset(longname, 'a', len);
		/* dots every 60 bytes so it still looks like a name */
		for (size_t k = 60; k < len; k += 61)
			longname[k] = '.';
		name = longname;
	} else if (o->sni == SNI_EMPTY) {
		len = 0;
	}
	put16(h, GW_TLS_EXT_SERVER_NAME);
	open_len(h, F_SNI_EXT, 2);
	open_len(h, F_SNI_LIST, 2);
	if (o->sni == SNI_OTHER_TYPE) {
		put8(h, 1);
		put16(h, 3);
		putn(h, "abc", 3);
	}
	put_host_name(h, name, len);
	if (o->sni == SNI_TWO_NAMES)
		put_host_name(h, "second.example", 14);
	close_len(h);
	close_len(h);
}

static void
build_hello(const struct hello_opts *o, struct hello *h)
{
	size_t k;

	memset(h, 0, sizeof(*h));
	put8(h, o->hs_type != 0 ? o->hs_type : GW_TLS_HS_CLIENT_HELLO);
	open_len(h, F_HS_LEN, 3);
	put16(h, o->legacy_version != 0 ? o->legacy_version : 0x0303);
	for (k = 0; k < 32; k++)
		put8(h, (uint8_t)(k * 7 + 1));
	open_len(h, F_SID, 1);
	putfill(h, 0xee, o->sid_len);
	close_len(h);
	open_len(h, F_CS, 2);
	put16(h, 0x2a2a);
	put16(h, 0x1301);
	put16(h, 0x1302);
	put16(h, 0x1303);
	put16(h, 0xc02b);
	put16(h, 0xc02f);
	close_len(h);
	open_len(h, F_CM, 1);
	put8(h, 0);
	close_len(h);
	if (o->no_ext)
		goto out;

	open_len(h, F_EXTS, 2);
	if (o->grease_ext) {
		put16(h, 0x0a0a);
		open_len(h, F_GREASE_EXT, 2);
		close_len(h);
	}
	if (o->sni != SNI_NONE)
		put_server_name(h, o);
	put16(h, 10); /* supported_groups */
	open_len(h, F_GROUPS_EXT, 2);
	open_len(h, F_NONE, 2);
	if (o->pq_key_share)
		put16(h, 0x11ec);
	put16(h, 0x001d);
	put16(h, 0x0017);
	close_len(h);
	close_len(h);
	if (o->alpn) {
		put16(h, GW_TLS_EXT_ALPN);
		open_len(h, F_ALPN_EXT, 2);
		open_len(h, F_ALPN_LIST, 2);
		open_len(h, F_ALPN_NAME, 1);
		putn(h, "h2", 2);
		close_len(h);
		open_len(h, F_ALPN_NAME, 1);
		putn(h, "http/1.1", 8);
		close_len(h);
		close_len(h);
		close_len(h);
	}
	if (o->versions != SV_NONE) {
		put16(h, GW_TLS_EXT_SUPPORTED_VERSIONS);
		open_len(h, F_SV_EXT, 2);
		open_len(h, F_SV_LIST, 1);
		switch (o->versions) {
		case SV_GREASE_13_12:
			put16(h, 0x7a7a);
			put16(h, 0x0304);
			put16(h, 0x0303);
			break;
		case SV_ONLY_GREASE:
			put16(h, 0x1a1a);
			put16(h, 0xfafa);
			break;
		case SV_12_GREASE:
			put16(h, 0x0303);
			put16(h, 0xdada);
			break;
		case SV_NONE:
			break;
		}
		close_len(h);
		close_len(h);
	}
	if (o->ech) {
		/* outer ECHClientHello: type, cipher suite, config id, enc, payload */
		put16(h, GW_TLS_EXT_ECH);
		open_len(h, F_ECH_EXT, 2);
		put8(h, 0);
		put16(h, 0x0001);
		put16(h, 0x0001);
		put8(h, 0x42);
		put16(h, 32);
		putfill(h, 0x5c, 32);
		put16(h, 144);
		putfill(h, 0xc5, 144);
		close_len(h);
	}
	put16(h, 51); /* key_share */
	open_len(h, F_KS_EXT, 2);
	open_len(h, F_NONE, 2);
	if (o->pq_key_share) {
		put16(h, 0x11ec);
		open_len(h, F_NONE, 2);
		for (k = 0; k < 1216; k++)
			put8(h, (uint8_t)(k * 31 + 3));
		close_len(h);
	}
	put16(h, 0x001d);
	open_len(h, F_NONE, 2);
	putfill(h, 0x33, 32);
	close_len(h);
	close_len(h);
	close_len(h);
	if (o->dup_ext) {
		put16(h, 10);
		put16(h, 4);
		put16(h, 2);
		put16(h, 0x0018);
	}
	if (o->padding > 0) {
		put16(h, 21);
		open_len(h, F_PAD_EXT, 2);
		putfill(h, 0, o->padding);
		close_len(h);
	}
	close_len(h);
out:
	close_len(h);
	ck_assert_uint_eq(h->depth, 0);
}

/* ---- expected results ---- */

struct expect {
	bool has_sni;
	const char *sni;
	size_t sni_len;
	uint16_t legacy_version;
	uint16_t max_version;
	bool has_sv;
	bool has_ech;
	uint16_t n_alpn;
	const char *alpn;
};

static void
expect_from_opts(const struct hello_opts *o, struct expect *e, char *namebuf)
{
	memset(e, 0, sizeof(*e));
	e->legacy_version = o->legacy_version != 0 ? o->legacy_version : 0x0303;
	e->max_version = e->legacy_version;
	switch (o->sni) {
	case SNI_NAME:
	case SNI_OTHER_TYPE:
		e->has_sni = true;
		e->sni = o->name != NULL ? o->name : "www.example.com";
		e->sni_len = strlen(e->sni);
		break;
	case SNI_255:
		memset(namebuf, 'a', 255);
		for (size_t k = 60; k < 255; k += 61)
			namebuf[k] = '.';
		e->has_sni = true;
		e->sni = namebuf;
		e->sni_len = 255;
		break;
	default:
		break;
	}
	if (o->no_ext)
		return;
	e->has_sv = o->versions != SV_NONE;
	if (o->versions == SV_GREASE_13_12)
		e->max_version = 0x0304;
	else if (o->versions == SV_12_GREASE)
		e->max_version = 0x0303;
	e->has_ech = o->ech;
	if (o->alpn) {
		e->n_alpn = 2;
		e->alpn = "h2";
	}
}

static bool
within(const uint8_t *p, size_t n, const uint8_t *base, size_t size)
{
	return p >= base && p <= base + size && n <= (size_t)(base + size - p);
}

/* Checks out against e; its pointers must lie inside region[0..size). */
static void
check_out(const char *label, const struct gw_tls_hello *out,
	  const struct expect *e, size_t hello_len, uint32_t records,
	  const uint8_t *region, size_t size)
{
	ck_assert_msg(out->has_sni == e->has_sni, "%s: has_sni", label);
	if (e->has_sni) {
		ck_assert_uint_eq(out->sni_len, e->sni_len);
		ck_assert_msg(within(out->sni, out->sni_len, region, size),
			      "%s: sni outside its buffer", label);
		ck_assert_msg(memcmp(out->sni, e->sni, e->sni_len) == 0,
			      "%s: sni", label);
	} else {
		ck_assert_ptr_null(out->sni);
		ck_assert_uint_eq(out->sni_len, 0);
	}
	ck_assert_uint_eq(out->legacy_version, e->legacy_version);
	ck_assert_uint_eq(out->max_version, e->max_version);
	ck_assert_msg(out->has_supported_versions == e->has_sv, "%s: has_sv", label);
	ck_assert_msg(out->has_ech == e->has_ech, "%s: has_ech", label);
	ck_assert_uint_eq(out->n_alpn, e->n_alpn);
	if (e->n_alpn > 0) {
		ck_assert_uint_eq(out->alpn_len, strlen(e->alpn));
		ck_assert_msg(within(out->alpn, out->alpn_len, region, size),
			      "%s: alpn outside its buffer", label);
		ck_assert_msg(memcmp(out->alpn, e->alpn, out->alpn_len) == 0,
			      "%s: alpn", label);
	} else {
		ck_assert_ptr_null(out->alpn);
	}
	ck_assert_uint_eq(out->hello_len, hello_len);
	ck_assert_uint_eq(out->records, records);
}

/* ---- record framing ---- */

/*
 * Frames msg into records whose handshake payload sizes are given by
 * sizes[] (the last one repeats until msg is used up). Returns the stream
 * length and the record count in *nrec.
 */
static size_t
frame(const uint8_t *msg, size_t len, const size_t *sizes, size_t n_sizes,
      uint8_t *out, size_t size, uint32_t *nrec)
{
	size_t pos = 0, o = 0, s = 0;

	*nrec = 0;
	while (pos < len) {
		size_t n = GW_MIN(sizes[s], len - pos);

		ck_assert_uint_le(o + 5 + n, size);
		out[o++] = GW_TLS_CONTENT_HANDSHAKE;
		out[o++] = 0x03;
		out[o++] = *nrec == 0 ? 0x01 : 0x03;
		out[o++] = (uint8_t)(n >> 8);
		out[o++] = (uint8_t)n;
		memcpy(out + o, msg + pos, n);
		o += n;
		pos += n;
		(*nrec)++;
		if (s + 1 < n_sizes)
			s++;
	}
	return o;
}

/* Which stream prefixes run_stream tries (record boundaries always, up to 64 records). */
enum trunc {
	TRUNC_EDGES,   /* the stream less its last byte */
	TRUNC_SAMPLED, /* every 61st length and the last */
	TRUNC_FULL,    /* every length */
};

static uint8_t stream_src[STREAM_MAX];
static uint8_t stream_tmp[STREAM_MAX];

/*
 * Runs gw_tls_parse_stream over a framed stream: whole, with an exact-size
 * guarded scratch, with a one-byte-short scratch (multi-record only), with
 * an application-data record behind it, and truncated.
 */
static void
run_stream(const char *label, const uint8_t *stream, size_t slen,
	   uint32_t nrec, size_t msg_len, const struct expect *e,
	   enum trunc trunc)
{
	struct gbuf sb, sc;
	struct gw_tls_hello out;
	uint8_t *p, *scratch;
	size_t L, pos;
	int rc;

	gbuf_init(&sb, slen + 16);
	gbuf_init(&sc, msg_len);
	scratch = sc.end - msg_len;

	p = gbuf_put(&sb, stream, slen);
	rc = gw_tls_parse_stream(p, slen, scratch, msg_len, &out);
	ck_assert_msg(rc == (int)slen, "%s: stream rc %d want %zu", label, rc, slen);
	if (nrec == 1)
		check_out(label, &out, e, msg_len - 4, 1, p, slen);
	else
		check_out(label, &out, e, msg_len - 4, nrec, scratch, msg_len);
	ck_assert_int_eq(gw_tls_sniff(p, slen), 1);

	if (nrec > 1) {
		rc = gw_tls_parse_stream(p, slen, sc.end - (msg_len - 1),
					 msg_len - 1, &out);
		ck_assert_msg(rc == GW_ELIMIT, "%s: short scratch rc %d", label, rc);
	} else {
		/* a hello in one record needs no scratch at all */
		rc = gw_tls_parse_stream(p, slen, NULL, 0, &out);
		ck_assert_int_eq(rc, (int)slen);
	}

	/* bytes after the hello's last record are not consumed */
	memcpy(stream_tmp, stream, slen);
	memcpy(stream_tmp + slen, "\x17\x03\x03\x00\x03xyz", 8);
	p = gbuf_put(&sb, stream_tmp, slen + 8);
	rc = gw_tls_parse_stream(p, slen + 8, scratch, msg_len, &out);
	ck_assert_msg(rc == (int)slen, "%s: trailing record rc %d", label, rc);

	for (L = 0; L < slen; L++) {
		if (L + 1 != slen &&
		    (trunc == TRUNC_EDGES || (trunc == TRUNC_SAMPLED && L % 61 != 0)))
			continue;
		p = gbuf_put(&sb, stream, L);
		rc = gw_tls_parse_stream(p, L, scratch, msg_len, &out);
		ck_assert_msg(rc == GW_INCOMPLETE, "%s: prefix %zu rc %d",
			      label, L, rc);
	}
	/* record boundaries */
	for (pos = 0; nrec <= 64 && pos < slen; pos += 5 + gw_be16(stream + pos + 3)) {
		p = gbuf_put(&sb, stream, pos);
		rc = gw_tls_parse_stream(p, pos, scratch, msg_len, &out);
		ck_assert_msg(rc == GW_INCOMPLETE, "%s: boundary %zu rc %d",
			      label, pos, rc);
	}
	gw_guard_release(&sb.g);
	gw_guard_release(&sc.g);
}

/* Everything a valid handshake message must survive. */
static void
run_valid(const char *label, const uint8_t *msg, size_t len,
	  const struct expect *e)
{
	struct gbuf gb;
	struct gw_tls_hello out;
	uint8_t *p, *tmp;
	size_t L, k;
	uint32_t nrec;
	size_t slen;
	char sublabel[128];
	int rc;

	gbuf_init(&gb, len + 16);

	p = gbuf_put(&gb, msg, len);
	rc = gw_tls_parse_client_hello(p, len, &out);
	ck_assert_msg(rc == (int)len, "%s: rc %d want %zu", label, rc, len);
	check_out(label, &out, e, len - 4, 0, p, len);

	/* trailing bytes after the message are not part of it */
	tmp = malloc(len + 16);
	ck_assert_ptr_nonnull(tmp);
	memcpy(tmp, msg, len);
	memset(tmp + len, 0x16, 16);
	p = gbuf_put(&gb, tmp, len + 16);
	rc = gw_tls_parse_client_hello(p, len + 16, &out);
	ck_assert_int_eq(rc, (int)len);
	free(tmp);

	for (L = 0; L < len; L++) {
		p = gbuf_put(&gb, msg, L);
		rc = gw_tls_parse_client_hello(p, L, &out);
		ck_assert_msg(rc == GW_INCOMPLETE, "%s: prefix %zu rc %d",
			      label, L, rc);
	}
	gw_guard_release(&gb.g);

	/* one record (or records of the maximum size for very large hellos) */
	{
		size_t sizes[1] = {16384};

		slen = frame(msg, len, sizes, 1, stream_src, sizeof(stream_src), &nrec);
		snprintf(sublabel, sizeof(sublabel), "%s/max-records", label);
		run_stream(sublabel, stream_src, slen, nrec, len, e,
			   slen <= FULL_TRUNCATION_MAX ? TRUNC_FULL : TRUNC_SAMPLED);
	}
	/* 1-byte records */
	{
		size_t sizes[1] = {1};

		slen = frame(msg, len, sizes, 1, stream_src, sizeof(stream_src), &nrec);
		ck_assert_uint_eq(nrec, len);
		snprintf(sublabel, sizeof(sublabel), "%s/1-byte-records", label);
		run_stream(sublabel, stream_src, slen, nrec, len, e,
			   slen <= FULL_TRUNCATION_MAX ? TRUNC_FULL : TRUNC_SAMPLED);
	}
	/* 3-byte records: the handshake header straddles two records */
	{
		size_t sizes[1] = {3};

		slen = frame(msg, len, sizes, 1, stream_src, sizeof(stream_src), &nrec);
		snprintf(sublabel, sizeof(sublabel), "%s/3-byte-records", label);
		run_stream(sublabel, stream_src, slen, nrec, len, e, TRUNC_SAMPLED);
	}
	/* two records split at every offset */
	for (k = 1; k < len; k++) {
		size_t sizes[2] = {k, len - k};

		if (len - k > GW_TLS_RECORD_MAX_LEN || k > GW_TLS_RECORD_MAX_LEN)
			continue;
		slen = frame(msg, len, sizes, 2, stream_src, sizeof(stream_src), &nrec);
		ck_assert_uint_eq(nrec, 2);
		snprintf(sublabel, sizeof(sublabel), "%s/split@%zu", label, k);
		run_stream(sublabel, stream_src, slen, nrec, len, e, TRUNC_EDGES);
	}
}

/* ---- valid built vectors ---- */

static const struct hello_opts valid_opts[] = {
	{.label = "sni+alpn+sv", .sni = SNI_NAME, .alpn = true,
	 .versions = SV_GREASE_13_12, .grease_ext = true, .sid_len = 32},
	{.label = "no-sni", .sni = SNI_NONE, .alpn = true,
	 .versions = SV_GREASE_13_12},
	{.label = "no-extensions-tls10", .sni = SNI_NONE, .no_ext = true,
	 .legacy_version = 0x0301},
	{.label = "sni-max-255", .sni = SNI_255, .versions = SV_12_GREASE},
	{.label = "sv-only-grease", .sni = SNI_NAME, .name = "api.internal",
	 .versions = SV_ONLY_GREASE},
	{.label = "ech", .sni = SNI_NAME, .name = "public.example.net",
	 .ech = true, .versions = SV_GREASE_13_12, .alpn = true},
	{.label = "pq-key-share+padding", .sni = SNI_NAME,
	 .name = "pq.example.org", .pq_key_share = true, .alpn = true,
	 .versions = SV_GREASE_13_12, .grease_ext = true, .sid_len = 32,
	 .padding = 480},
	{.label = "sni-other-name-type", .sni = SNI_OTHER_TYPE,
	 .name = "x.example"},
	{.label = "upper-case-name", .sni = SNI_NAME, .name = "WWW.Example.COM."},
	{.label = "spans-max-records", .sni = SNI_NAME, .padding = 17000,
	 .versions = SV_GREASE_13_12},
};

static struct hello vh;

START_TEST(test_valid_built)
{
	const struct hello_opts *o = &valid_opts[_i];
	struct expect e;
	char namebuf[256];

	build_hello(o, &vh);
	expect_from_opts(o, &e, namebuf);
	run_valid(o->label, vh.b, vh.len, &e);
}
END_TEST

START_TEST(test_pq_hello_size)
{
	/* the post-quantum hello is larger than a 1500-byte MTU segment */
	build_hello(&valid_opts[6], &vh);
	ck_assert_uint_gt(vh.len, 1900);
	ck_assert_uint_lt(vh.len, 2400);
}
END_TEST

/* ---- captured hellos ---- */

/* Python 3 ssl (OpenSSL 3.0), memory BIO, server_hostname www.example.org, ALPN h2,http/1.1. */
static const char capture_python[] =
	"1603010200010001fc0303dfba5a5c34c3b877fbeb0ffd91c18886db7e1074999623"
	"cd1aee4acc2ac925c02088ceb1be758290ee022b26a6a7ca8d82fa862b40614be96d"
	"7dc438601b1b181b0024130213031301c02cc030c02bc02fcca9cca8c024c028c023"
	"c027009f009e006b006700ff0100018f00000014001200000f7777772e6578616d70"
	"6c652e6f7267000b000403000102000a00160014001d0017001e0019001801000101"
	"010201030104002300000010000e000c02683208687474702f312e31001600000017"
	"0000000d002a0028040305030603080708080809080a080b08040805080604010501"
	"0601030303010302040205020602002b00050403040303002d000201010033002600"
	"24001d00206bdf9cf64d7e94ddcc95f094a5b11c4df50f3ecf43f5fdcbcfb508b8e3"
	"7d9d0c001500cc000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000000000000000000000000000000000000000000000000000000000"
	"00000000000000";

/* openssl s_client -tls1_2 -servername Mail.Example.NET -no_ticket, captured on a local socket. */
static const char capture_s_client[] =
	"16030100cc010000c803037984d20c9dc8cd75e64a374d24d6a49d325965d28669ab"
	"89eb4de2f2264aed13000038c02cc030009fcca9cca8ccaac02bc02f009ec024c028"
	"006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff"
	"010000670000001500130000104d61696c2e4578616d706c652e4e4554000b000403"
	"000102000a000c000a001d0017001e001900180016000000170000000d002a002804"
	"0305030603080708080809080a080b0804080508060401050106010303030103020402"
	"05020602";

static const struct {
	const char *label;
	const char *hex;
	size_t stream_len;
	struct expect e;
} captures[] = {
	{"python-ssl", capture_python, 517,
	 {.has_sni = true, .sni = "www.example.org", .sni_len = 15,
	  .legacy_version = 0x0303, .max_version = 0x0304, .has_sv = true,
	  .n_alpn = 2, .alpn = "h2"}},
	{"openssl-s_client-tls12", capture_s_client, 209,
	 {.has_sni = true, .sni = "Mail.Example.NET", .sni_len = 16,
	  .legacy_version = 0x0303, .max_version = 0x0303}},
};

START_TEST(test_captured)
{
	static uint8_t raw[1024];
	struct gbuf gb;
	struct gw_tls_hello out;
	size_t n = gw_test_hex(captures[_i].hex, raw, sizeof(raw));
	uint8_t *p;
	int rc;

	ck_assert_uint_eq(n, captures[_i].stream_len);
	/* the captured record as it came off the wire */
	gbuf_init(&gb, n);
	p = gbuf_put(&gb, raw, n);
	ck_assert_int_eq(gw_tls_sniff(p, n), 1);
	rc = gw_tls_parse_stream(p, n, NULL, 0, &out);
	ck_assert_int_eq(rc, (int)n);
	check_out(captures[_i].label, &out, &captures[_i].e, n - 9, 1, p, n);
	gw_guard_release(&gb.g);
	/* and its handshake message through every framing */
	run_valid(captures[_i].label, raw + 5, n - 5, &captures[_i].e);
}
END_TEST

/* ---- malformed ---- */

/*
 * Asserts the verdict on the whole input and that every prefix is either
 * INCOMPLETE or that verdict, and once the verdict shows it stays.
 */
static void
check_bad_msg(const char *label, const uint8_t *msg, size_t len, int want)
{
	struct gbuf gb;
	struct gw_tls_hello out;
	bool seen = false;
	size_t L;
	int rc;

	gbuf_init(&gb, len);
	for (L = 0; L <= len; L++) {
		uint8_t *p = gbuf_put(&gb, msg, L);

		rc = gw_tls_parse_client_hello(p, L, &out);
		if (L == len)
			ck_assert_msg(rc == want, "%s: msg rc %d want %d", label, rc, want);
		else if (seen)
			ck_assert_msg(rc == want, "%s: msg prefix %zu flipped to %d",
				      label, L, rc);
		else
			ck_assert_msg(rc == GW_INCOMPLETE || rc == want,
				      "%s: msg prefix %zu rc %d", label, L, rc);
		seen = seen || rc == want;
	}
	gw_guard_release(&gb.g);
}

static void
check_bad_stream(const char *label, const uint8_t *s, size_t len,
		 size_t scratch_size, int want)
{
	struct gbuf gb, sc;
	struct gw_tls_hello out;
	bool seen = false;
	size_t L;
	int rc;

	gbuf_init(&gb, len);
	gbuf_init(&sc, scratch_size);
	for (L = 0; L <= len; L++) {
		uint8_t *p = gbuf_put(&gb, s, L);

		rc = gw_tls_parse_stream(p, L, sc.end - scratch_size,
					 scratch_size, &out);
		if (L == len)
			ck_assert_msg(rc == want, "%s: stream rc %d want %d", label, rc, want);
		else if (seen)
			ck_assert_msg(rc == want, "%s: stream prefix %zu flipped to %d",
				      label, L, rc);
		else
			ck_assert_msg(rc == GW_INCOMPLETE || rc == want,
				      "%s: stream prefix %zu rc %d", label, L, rc);
		seen = seen || rc == want;
	}
	gw_guard_release(&gb.g);
	gw_guard_release(&sc.g);
}

/* Base for the off-by-one table: every length field present, padding last (ends in 0x00). */
static const struct hello_opts base_opts = {
	.label = "base", .sni = SNI_NAME, .alpn = true,
	.versions = SV_GREASE_13_12, .grease_ext = true, .sid_len = 32,
	.ech = true, .padding = 8,
};

static struct hello bh;
static uint8_t bad_stream[HELLO_MAX + 64];

/* Adds delta to the length field f of h (its first occurrence). */
static void
bend_field(struct hello *h, enum field f, int delta)
{
	size_t v = 0, k;
	unsigned int w = h->width[f];

	ck_assert_uint_gt(w, 0);
	for (k = 0; k < w; k++)
		v = v << 8 | h->b[h->off[f] + k];
	v = (v + (size_t)(long)delta) & (((size_t)1 << (8 * w)) - 1);
	for (k = 0; k < w; k++)
		h->b[h->off[f] + k] = (uint8_t)(v >> (8 * (w - 1 - k)));
}

START_TEST(test_off_by_one)
{
	enum field f = (enum field)(_i / 2);
	int delta = _i % 2 == 0 ? 1 : -1;
	int want_msg = GW_EMALFORMED, want_stream = GW_EMALFORMED;
	size_t sizes[1] = {HELLO_MAX};
	char label[64];
	uint32_t nrec;
	size_t slen;

	build_hello(&base_opts, &bh);
	ck_assert_msg(bh.width[f] != 0, "field %s not built", field_names[f]);
	bend_field(&bh, f, delta);
	snprintf(label, sizeof(label), "%s%+d", field_names[f], delta);
	if (f == F_HS_LEN && delta > 0) {
		/* one byte short: the message (and the record) needs more */
		want_msg = GW_INCOMPLETE;
		want_stream = GW_INCOMPLETE;
	}
	check_bad_msg(label, bh.b, bh.len, want_msg);
	slen = frame(bh.b, bh.len, sizes, 1, bad_stream, sizeof(bad_stream), &nrec);
	check_bad_stream(label, bad_stream, slen, bh.len + 1, want_stream);
}
END_TEST

START_TEST(test_record_len_off_by_one)
{
	size_t sizes[1] = {HELLO_MAX};
	uint32_t nrec;
	size_t slen, rl;

	build_hello(&base_opts, &bh);
	slen = frame(bh.b, bh.len, sizes, 1, bad_stream, sizeof(bad_stream), &nrec);
	rl = gw_be16(bad_stream + 3);
	/* +1: the record needs one more byte than the stream has */
	bad_stream[3] = (uint8_t)((rl + 1) >> 8);
	bad_stream[4] = (uint8_t)(rl + 1);
	check_bad_stream("record+1", bad_stream, slen, bh.len, GW_INCOMPLETE);
	/* -1: the hello's last byte (0x00) is read as the next record's type */
	bad_stream[3] = (uint8_t)((rl - 1) >> 8);
	bad_stream[4] = (uint8_t)(rl - 1);
	check_bad_stream("record-1", bad_stream, slen, bh.len, GW_EMALFORMED);
	/* -1 with a scratch too small for the now spanning message */
	check_bad_stream("record-1/no-scratch", bad_stream, slen, 0, GW_ELIMIT);
}
END_TEST

static const struct {
	struct hello_opts o;
	int want;
} bad_opts[] = {
	{{.label = "server-hello-type", .hs_type = 2, .sni = SNI_NAME}, GW_EMALFORMED},
	{{.label = "certificate-type", .hs_type = 11, .sni = SNI_NAME}, GW_EMALFORMED},
	{{.label = "sni-empty", .sni = SNI_EMPTY}, GW_EMALFORMED},
	{{.label = "sni-256", .sni = SNI_256}, GW_EMALFORMED},
	{{.label = "two-server-name-ext", .sni = SNI_TWO_EXT}, GW_EMALFORMED},
	{{.label = "two-host-names", .sni = SNI_TWO_NAMES}, GW_EMALFORMED},
	{{.label = "duplicate-extension", .sni = SNI_NAME, .dup_ext = true}, GW_EMALFORMED},
	{{.label = "session-id-33", .sni = SNI_NAME, .sid_len = 33}, GW_EMALFORMED},
};

START_TEST(test_bad_built)
{
	size_t sizes[1] = {HELLO_MAX};
	uint32_t nrec;
	size_t slen;

	if (bad_opts[_i].o.sni == SNI_TWO_EXT) {
		/* the builder writes the second server_name itself */
		struct hello_opts o = bad_opts[_i].o;

		o.sni = SNI_NAME;
		build_hello(&o, &bh);
		/* append a second server_name extension inside the block */
		{
			static const uint8_t ext[] = {0, 0, 0, 8, 0, 6, 0, 0, 3, 'x', '.', 'y'};

			memcpy(bh.b + bh.len, ext, sizeof(ext));
			bh.len += sizeof(ext);
			bend_field(&bh, F_EXTS, (int)sizeof(ext));
			bend_field(&bh, F_HS_LEN, (int)sizeof(ext));
		}
	} else {
		build_hello(&bad_opts[_i].o, &bh);
	}
	check_bad_msg(bad_opts[_i].o.label, bh.b, bh.len, bad_opts[_i].want);
	slen = frame(bh.b, bh.len, sizes, 1, bad_stream, sizeof(bad_stream), &nrec);
	check_bad_stream(bad_opts[_i].o.label, bad_stream, slen, bh.len,
			 bad_opts[_i].want);
	/* the same through 1-byte records */
	sizes[0] = 1;
	slen = frame(bh.b, bh.len, sizes, 1, bad_stream, sizeof(bad_stream), &nrec);
	check_bad_stream(bad_opts[_i].o.label, bad_stream, slen, bh.len,
			 bad_opts[_i].want);
}
END_TEST

/*
 * Hand-made message bodies (after the 4-byte header, which is computed).
 * VR: legacy_version and random; HB: VR, empty session id, one cipher
 * suite, the null compression method.
 */
#define VR "0303 0101010101010101010101010101010101010101010101010101010101010101"
#define HB VR " 00 0002 1301 0100"
static const struct {
	const char *label;
	const char *body_hex;
} bad_bodies[] = {
	{"empty-body", ""},
	{"only-version", "0303"},
	{"no-session-id-length", VR},
	{"cipher-suites-zero", VR " 00 0000 0100"},
	{"cipher-suites-odd", VR " 00 0003 130113 0100"},
	{"compression-zero", VR " 00 0002 1301 00"},
	{"no-compression-field", VR " 00 0002 1301"},
	{"one-byte-extensions", HB " 00"},
	{"extensions-short", HB " 0005 00000000"},
	{"extensions-trailing", HB " 0004 000a0000 00"},
	{"ext-header-cut", HB " 0002 000a"},
	{"server-name-empty-ext", HB " 0004 00000000"},
	{"server-name-empty-list", HB " 0006 000000020000"},
	{"server-name-entry-cut", HB " 0008 0000000400020000"},
	{"alpn-empty-list", HB " 0006 001000020000"},
	{"alpn-empty-name", HB " 0008 0010000400020000"},
	{"sv-empty", HB " 0004 002b0000"},
	{"sv-odd-list", HB " 0008 002b0004 03030403"},
	{"sv-one-version-byte", HB " 0006 002b0002 0103"},
	{"two-ech", HB " 0008 fe0d0000 fe0d0000"},
	{"two-grease-same", HB " 0008 2a2a0000 2a2a0000"},
};

START_TEST(test_bad_bodies)
{
	uint8_t body[512], msg[516];
	size_t n = gw_test_hex(bad_bodies[_i].body_hex, body, sizeof(body));
	size_t sizes[1] = {1024};
	uint32_t nrec;
	size_t slen;

	msg[0] = GW_TLS_HS_CLIENT_HELLO;
	msg[1] = 0;
	msg[2] = (uint8_t)(n >> 8);
	msg[3] = (uint8_t)n;
	memcpy(msg + 4, body, n);
	check_bad_msg(bad_bodies[_i].label, msg, n + 4, GW_EMALFORMED);
	slen = frame(msg, n + 4, sizes, 1, bad_stream, sizeof(bad_stream), &nrec);
	check_bad_stream(bad_bodies[_i].label, bad_stream, slen, n + 4, GW_EMALFORMED);
}
END_TEST

START_TEST(test_good_bodies)
{
	/* the smallest legal hello and one with an empty extensions block */
	static const struct {
		const char *hex;
		bool has_sni;
	} good[] = {
		{HB, false},
		{HB " 0000", false},
		/* unknown name_type entry only: no host_name */
		{HB " 0009 00000005 0003 01 0000", false},
	};
	unsigned int k;

	for (k = 0; k < GW_ARRAY_SIZE(good); k++) {
		uint8_t msg[256];
		struct gw_tls_hello out;
		size_t n = gw_test_hex(good[k].hex, msg + 4, sizeof(msg) - 4);
		struct expect e = {.legacy_version = 0x0303, .max_version = 0x0303};

		msg[0] = 1;
		msg[1] = 0;
		msg[2] = 0;
		msg[3] = (uint8_t)n;
		ck_assert_int_eq(gw_tls_parse_client_hello(msg, n + 4, &out), (int)n + 4);
		check_out("good", &out, &e, n, 0, msg, n + 4);
		run_valid("good-body", msg, n + 4, &e);
	}
}
END_TEST

/* Record-layer errors, as raw streams. */
static const struct {
	const char *label;
	const char *hex;
	int want;
} bad_records[] = {
	{"application-data-first", "17 0303 0005 0100000100", GW_EMALFORMED},
	{"alert-first", "15 0303 0002 0228", GW_EMALFORMED},
	{"ccs-first", "14 0303 0001 01", GW_EMALFORMED},
	{"record-version-0305", "16 0305 0004 01000000", GW_EMALFORMED},
	{"record-version-0203", "16 0203 0004 01000000", GW_EMALFORMED},
	{"record-length-zero", "16 0301 0000", GW_EMALFORMED},
	{"record-length-16641", "16 0301 4101", GW_EMALFORMED},
	{"record-length-0x4200", "16 0301 42", GW_EMALFORMED},
	{"sslv2-compatible", "80 2e 01 0301 0015 0000 0010", GW_EMALFORMED},
	{"second-record-appdata", "16 0301 0002 0100 17 0303 0002 0050", GW_EMALFORMED},
	{"second-record-ccs", "16 0301 0003 010000 14 0303 0001 01", GW_EMALFORMED},
	{"second-record-version", "16 0301 0002 0100 16 0300 0002 0004 16 0306 0001 00", GW_EMALFORMED},
	{"second-record-empty", "16 0301 0002 0100 16 0303 0000", GW_EMALFORMED},
	{"handshake-type-2-split", "16 0301 0001 02", GW_EMALFORMED},
	{"hello-request", "16 0301 0004 00000000", GW_EMALFORMED},
	/* a declared 8 MB hello spanning records: the scratch (64 bytes) is too small */
	{"huge-spanning", "16 0301 0004 01800000 16 0303 0001 03", GW_ELIMIT},
	{"huge-split-header", "16 0301 0001 01 16 0303 0003 800000", GW_ELIMIT},
};

START_TEST(test_bad_records)
{
	uint8_t s[256];
	size_t n = gw_test_hex(bad_records[_i].hex, s, sizeof(s));

	check_bad_stream(bad_records[_i].label, s, n, 64, bad_records[_i].want);
}
END_TEST

START_TEST(test_record_max_len)
{
	/* a hello of exactly 16384+256 bytes of record payload is accepted, one more is not */
	struct hello_opts o = {.label = "max", .sni = SNI_NAME, .padding = 100};
	size_t sizes[1] = {HELLO_MAX};
	struct gw_tls_hello out;
	uint32_t nrec;
	size_t slen;
	int rc;

	build_hello(&o, &bh);
	o.padding += GW_TLS_RECORD_MAX_LEN - bh.len;
	build_hello(&o, &bh);
	ck_assert_uint_eq(bh.len, GW_TLS_RECORD_MAX_LEN);
	slen = frame(bh.b, bh.len, sizes, 1, bad_stream, sizeof(bad_stream), &nrec);
	ck_assert_uint_eq(nrec, 1);
	rc = gw_tls_parse_stream(bad_stream, slen, NULL, 0, &out);
	ck_assert_int_eq(rc, (int)slen);
	ck_assert(out.has_sni);

	o.padding++;
	build_hello(&o, &bh);
	slen = frame(bh.b, bh.len, sizes, 1, bad_stream, sizeof(bad_stream), &nrec);
	check_bad_stream("record-16641", bad_stream, slen, bh.len, GW_EMALFORMED);
}
END_TEST

START_TEST(test_trailing_handshake_in_last_record)
{
	/* bytes behind the hello inside its last record are consumed with the record */
	struct hello_opts o = {.label = "t", .sni = SNI_NAME, .alpn = true};
	struct gw_tls_hello out;
	uint8_t msg[1024];
	size_t sizes[2], slen;
	uint32_t nrec;
	int rc;

	build_hello(&o, &bh);
	memcpy(msg, bh.b, bh.len);
	memcpy(msg + bh.len, "\x0f\x00\x00\x00", 4);
	sizes[0] = 10;
	sizes[1] = bh.len;
	slen = frame(msg, bh.len + 4, sizes, 2, stream_src, sizeof(stream_src), &nrec);
	ck_assert_uint_eq(nrec, 2);
	rc = gw_tls_parse_stream(stream_src, slen, msg + 512, 512, &out);
	ck_assert_int_eq(rc, (int)slen);
	ck_assert_uint_eq(out.records, 2);
	ck_assert_uint_eq(out.hello_len, bh.len - 4);
	ck_assert_uint_eq(out.sni_len, 15);
	ck_assert(memcmp(out.sni, "www.example.com", 15) == 0);
}
END_TEST

static const struct {
	const char *hex;
	int want;
} sniff_vectors[] = {
	{"", GW_INCOMPLETE},
	{"16", GW_INCOMPLETE},
	{"1603", GW_INCOMPLETE},
	{"160300", 1},
	{"160301", 1},
	{"16030102", 1},
	{"160303", 1},
	{"160304", 1},
	{"160305", 0},
	{"1603ff", 0},
	{"1602", 0},
	{"1604", 0},
	{"17", 0},
	{"170303", 0},
	{"15030300", 0},
	{"802e0103010015", 0},        /* SSLv2-compatible ClientHello */
	{"474554202f", 0},            /* "GET /" */
	{"00", 0},
};

START_TEST(test_sniff)
{
	uint8_t b[16];
	struct gbuf gb;
	size_t n = gw_test_hex(sniff_vectors[_i].hex, b, sizeof(b));

	gbuf_init(&gb, 16);
	ck_assert_int_eq(gw_tls_sniff(gbuf_put(&gb, b, n), n), sniff_vectors[_i].want);
	gw_guard_release(&gb.g);
}
END_TEST

START_TEST(test_grease)
{
	unsigned int v, n = 0;

	for (v = 0; v <= 0xffff; v++)
		if (gw_tls_is_grease((uint16_t)v)) {
			ck_assert_uint_eq(v & 0xff, v >> 8);
			ck_assert_uint_eq(v & 0x0f, 0x0a);
			n++;
		}
	ck_assert_uint_eq(n, 16);
	ck_assert(gw_tls_is_grease(0x0a0a));
	ck_assert(gw_tls_is_grease(0xfafa));
	ck_assert(!gw_tls_is_grease(0x0a1a));
	ck_assert(!gw_tls_is_grease(0x0304));
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("valid");

	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_valid_built, 0, GW_ARRAY_SIZE(valid_opts));
	tcase_add_test(tc, test_pq_hello_size);
	tcase_add_loop_test(tc, test_captured, 0, GW_ARRAY_SIZE(captures));
	tcase_add_test(tc, test_good_bodies);
	tcase_add_test(tc, test_record_max_len);
	tcase_add_test(tc, test_trailing_handshake_in_last_record);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_set_timeout(tc, 600);
	tcase_add_loop_test(tc, test_off_by_one, 0, 2 * F_MAX);
	tcase_add_test(tc, test_record_len_off_by_one);
	tcase_add_loop_test(tc, test_bad_built, 0, GW_ARRAY_SIZE(bad_opts));
	tcase_add_loop_test(tc, test_bad_bodies, 0, GW_ARRAY_SIZE(bad_bodies));
	tcase_add_loop_test(tc, test_bad_records, 0, GW_ARRAY_SIZE(bad_records));
	suite_add_tcase(s, tc);

	tc = tcase_create("sniff");
	tcase_add_loop_test(tc, test_sniff, 0, GW_ARRAY_SIZE(sniff_vectors));
	tcase_add_test(tc, test_grease);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tls_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
