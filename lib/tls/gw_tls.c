/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS ClientHello parser. Structure after Suricata's TLS decoder: a record
 * layer walk that gathers the handshake bytes, then a flat ClientHello
 * decoder in which every read is preceded by a bounds check against the end
 * of the enclosing length-prefixed block.
 */
#include <limits.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "tls/gw_tls.h"

#define HS_HEADER_LEN 4
#define RANDOM_LEN 32
#define SESSION_ID_MAX 32

int
gw_tls_sniff(const uint8_t *buf, size_t len)
{
	if (len >= 1 && buf[0] != GW_TLS_CONTENT_HANDSHAKE)
		return 0;
	if (len >= 2 && buf[1] != 0x03)
		return 0;
	if (len < 3)
		return GW_INCOMPLETE;
	return buf[2] <= 0x04 ? 1 : 0;
}

/* server_name (RFC 6066 3): ServerNameList server_name_list<1..2^16-1>. */
static int
parse_server_name(const uint8_t *p, size_t len, struct gw_tls_hello *out)
{
	const uint8_t *end = p + len;
	size_t list_len;

	if (len < 2)
		return GW_EMALFORMED;
	list_len = gw_be16(p);
	p += 2;
	if (list_len == 0 || list_len != (size_t)(end - p))
		return GW_EMALFORMED;
	while (p < end) {
		uint8_t type;
		size_t name_len;

		if (end - p < 3)
			return GW_EMALFORMED;
		type = p[0];
		name_len = gw_be16(p + 1);
		p += 3;
		if ((size_t)(end - p) < name_len)
			return GW_EMALFORMED;
		if (type == 0) {
			/* "MUST NOT contain more than one name of the same name_type" */
			if (out->has_sni)
				return GW_EMALFORMED;
			if (name_len == 0 || name_len > GW_TLS_SNI_MAX)
				return GW_EMALFORMED;
			out->has_sni = true;
			out->sni = p;
			out->sni_len = (uint16_t)name_len;
		}
		p += name_len;
	}
	return 0;
}

/* ALPN (RFC 7301 3.1): ProtocolName protocol_name_list<2..2^16-1>, names <1..2^8-1>. */
static int
parse_alpn(const uint8_t *p, size_t len, struct gw_tls_hello *out)
{
	const uint8_t *end = p + len;
	size_t list_len;

	if (len < 2)
		return GW_EMALFORMED;
	list_len = gw_be16(p);
	p += 2;
	if (list_len < 2 || list_len != (size_t)(end - p))
		return GW_EMALFORMED;
	while (p < end) {
		uint8_t name_len = p[0];

		p++;
		if (name_len == 0 || (size_t)(end - p) < name_len)
			return GW_EMALFORMED;
		if (out->n_alpn == 0) {
			out->alpn = p;
			out->alpn_len = name_len;
		}
		/* list_len < 2^16 and every entry takes >= 2 bytes: no overflow */
		out->n_alpn++;
		p += name_len;
	}
	return 0;
}

/* supported_versions in a ClientHello (RFC 8446 4.2.1): ProtocolVersion versions<2..254>. */
static int
parse_supported_versions(const uint8_t *p, size_t len, struct gw_tls_hello *out)
{
	size_t list_len, i;
	uint16_t max = 0;

	if (len < 1)
		return GW_EMALFORMED;
	list_len = p[0];
	if (list_len < 2 || (list_len & 1) != 0 || list_len != len - 1)
		return GW_EMALFORMED;
	for (i = 1; i < len; i += 2) {
		uint16_t v = gw_be16(p + i);

		if (!gw_tls_is_grease(v) && v > max)
			max = v;
	}
	out->has_supported_versions = true;
	if (max != 0)
		out->max_version = max;
	return 0;
}

static int
parse_extensions(const uint8_t *p, const uint8_t *end, struct gw_tls_hello *out)
{
	/*
	 * One bit per extension type: duplicate detection in O(n) whatever the
	 * number of extensions (a 64 KB block can hold 16K of them, too many
	 * for pairwise comparison on the data path).
	 */
	uint64_t seen[65536 / 64];

	memset(seen, 0, sizeof(seen));
	while (p < end) {
		uint16_t type;
		size_t ext_len;
		int rc = 0;

		if (end - p < 4)
			return GW_EMALFORMED;
		type = gw_be16(p);
		ext_len = gw_be16(p + 2);
		p += 4;
		if ((size_t)(end - p) < ext_len)
			return GW_EMALFORMED;
		if ((seen[type >> 6] >> (type & 63)) & 1)
			return GW_EMALFORMED;
		seen[type >> 6] |= UINT64_C(1) << (type & 63);
		switch (type) {
		case GW_TLS_EXT_SERVER_NAME:
			rc = parse_server_name(p, ext_len, out);
			break;
		case GW_TLS_EXT_ALPN:
			rc = parse_alpn(p, ext_len, out);
			break;
		case GW_TLS_EXT_SUPPORTED_VERSIONS:
			rc = parse_supported_versions(p, ext_len, out);
			break;
		case GW_TLS_EXT_ECH:
			out->has_ech = true;
			break;
		default:
			break;
		}
		if (rc < 0)
			return rc;
		p += ext_len;
	}
	return 0;
}

int
gw_tls_parse_client_hello(const uint8_t *msg, size_t len,
			  struct gw_tls_hello *out)
{
	const uint8_t *p, *end;
	size_t body_len, n;

	memset(out, 0, sizeof(*out));
	if (len < 1)
		return GW_INCOMPLETE;
	if (msg[0] != GW_TLS_HS_CLIENT_HELLO)
		return GW_EMALFORMED;
	if (len < HS_HEADER_LEN)
		return GW_INCOMPLETE;
	body_len = gw_be24(msg + 1);
	if (len - HS_HEADER_LEN < body_len)
		return GW_INCOMPLETE;
	p = msg + HS_HEADER_LEN;
	end = p + body_len;

	/* legacy_version, random, session id length */
	if (end - p < 2 + RANDOM_LEN + 1)
		return GW_EMALFORMED;
	out->legacy_version = gw_be16(p);
	p += 2 + RANDOM_LEN;
	n = *p++;
	if (n > SESSION_ID_MAX || (size_t)(end - p) < n)
		return GW_EMALFORMED;
	p += n;

	/* cipher_suites<2..2^16-2> */
	if (end - p < 2)
		return GW_EMALFORMED;
	n = gw_be16(p);
	p += 2;
	if (n < 2 || (n & 1) != 0 || (size_t)(end - p) < n)
		return GW_EMALFORMED;
	p += n;

	/* legacy_compression_methods<1..2^8-1> */
	if (end - p < 1)
		return GW_EMALFORMED;
	n = *p++;
	if (n < 1 || (size_t)(end - p) < n)
		return GW_EMALFORMED;
	p += n;

	/* extensions are optional before TLS 1.3; when present they fill the body */
	if (p < end) {
		int rc;

		if (end - p < 2)
			return GW_EMALFORMED;
		n = gw_be16(p);
		p += 2;
		if (n != (size_t)(end - p))
			return GW_EMALFORMED;
		rc = parse_extensions(p, end, out);
		if (rc < 0)
			return rc;
	}
	if (!out->has_supported_versions || out->max_version == 0)
		out->max_version = out->legacy_version;
	out->hello_len = (uint32_t)body_len;
	return (int)(HS_HEADER_LEN + body_len);
}

/* Early verdict on a partial record header at buf[0..avail), avail < 5. */
static int
check_partial_record_header(const uint8_t *buf, size_t avail)
{
	if (avail >= 1 && buf[0] != GW_TLS_CONTENT_HANDSHAKE)
		return GW_EMALFORMED;
	if (avail >= 2 && buf[1] != 0x03)
		return GW_EMALFORMED;
	if (avail >= 3 && buf[2] > 0x04)
		return GW_EMALFORMED;
	if (avail >= 4 && buf[3] > (GW_TLS_RECORD_MAX_LEN >> 8))
		return GW_EMALFORMED;
	return GW_INCOMPLETE;
}

int
gw_tls_parse_stream(const uint8_t *buf, size_t len, uint8_t *scratch,
		    size_t scratch_size, struct gw_tls_hello *out)
{
	uint8_t hdr[HS_HEADER_LEN];
	size_t pos = 0;   /* start of the current record in buf */
	size_t got = 0;   /* handshake bytes gathered so far */
	size_t total = 0; /* handshake message length incl. header, 0 until known */
	uint32_t records = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		const uint8_t *body;
		size_t rec_len, avail, i = 0;
		int rc;

		if (len - pos < GW_TLS_RECORD_HEADER_LEN)
			return check_partial_record_header(buf + pos, len - pos);
		rc = check_partial_record_header(buf + pos, GW_TLS_RECORD_HEADER_LEN - 1);
		if (rc != GW_INCOMPLETE)
			return rc;
		rec_len = gw_be16(buf + pos + 3);
		if (rec_len == 0 || rec_len > GW_TLS_RECORD_MAX_LEN)
			return GW_EMALFORMED;
		records++;
		body = buf + pos + GW_TLS_RECORD_HEADER_LEN;
		avail = GW_MIN(rec_len, len - pos - GW_TLS_RECORD_HEADER_LEN);

		/* the handshake header, possibly split over 1-byte records */
		while (got < HS_HEADER_LEN && i < avail) {
			hdr[got++] = body[i++];
			if (hdr[0] != GW_TLS_HS_CLIENT_HELLO)
				return GW_EMALFORMED;
		}
		if (got < HS_HEADER_LEN) {
			if (avail < rec_len)
				return GW_INCOMPLETE;
			pos += GW_TLS_RECORD_HEADER_LEN + rec_len;
			continue;
		}
		if (total == 0) {
			total = HS_HEADER_LEN + (size_t)gw_be24(hdr + 1);
			if (records == 1 && total <= rec_len) {
				/* the whole message is in the first record: parse in place */
				if (avail < rec_len)
					return GW_INCOMPLETE;
				rc = gw_tls_parse_client_hello(body, total, out);
				if (rc < 0)
					return rc;
				out->records = 1;
				goto done;
			}
			if (total > scratch_size)
				return GW_ELIMIT;
			memcpy(scratch, hdr, HS_HEADER_LEN);
		}
		if (i < avail && got < total) {
			size_t n = GW_MIN(avail - i, total - got);

			memcpy(scratch + got, body + i, n);
			got += n;
		}
		if (avail < rec_len)
			return GW_INCOMPLETE;
		if (got == total) {
			rc = gw_tls_parse_client_hello(scratch, total, out);
			if (rc < 0)
				return rc;
			out->records = records;
			goto done;
		}
		pos += GW_TLS_RECORD_HEADER_LEN + rec_len;
	}
done:
	pos += GW_TLS_RECORD_HEADER_LEN + gw_be16(buf + pos + 3);
	if (pos > INT_MAX)
		return GW_ELIMIT;
	return (int)pos;
}
