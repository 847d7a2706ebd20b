/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_TLS_H
#define GW_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * TLS ClientHello parser (DPDK-free). Reads the first bytes a client sends on
 * a TCP connection: the record layer (RFC 8446 5.1, RFC 5246 6.2) and the
 * ClientHello handshake message (RFC 8446 4.1.2), and extracts what the
 * policy needs. The name is not validated here (policy does that), only its
 * length.
 *
 * Enforced limits: exactly one server_name extension and no duplicate
 * extension of any type (RFC 8446 4.2); a server_name list holds at most one
 * host_name entry, of length 1..255; every nested length (extensions block,
 * each extension, server_name list, ALPN list, supported_versions list) must
 * match exactly; session id <= 32 bytes; cipher suites even and >= 2 bytes;
 * >= 1 compression method. Records: version 0x0300..0x0304, length
 * 1..16384+256 (TLSCiphertext allowance), type 22 until the ClientHello is
 * complete. SSLv2-compatible hellos are not TLS (sniff returns 0).
 */

#define GW_TLS_RECORD_HEADER_LEN 5
#define GW_TLS_RECORD_MAX_LEN (16384 + 256)
#define GW_TLS_CONTENT_HANDSHAKE 22
#define GW_TLS_HS_CLIENT_HELLO 1
#define GW_TLS_SNI_MAX 255

#define GW_TLS_EXT_SERVER_NAME 0x0000
#define GW_TLS_EXT_ALPN 0x0010
#define GW_TLS_EXT_SUPPORTED_VERSIONS 0x002b
#define GW_TLS_EXT_ECH 0xfe0d

struct gw_tls_hello {
	bool has_sni; const uint8_t *sni; uint16_t sni_len;      /* host_name entry of server_name (type 0) */
	uint16_t legacy_version;                                 /* client_version field */
	uint16_t max_version;   /* highest non-GREASE value in supported_versions, else legacy_version */
	bool has_supported_versions;
	bool has_ech;           /* extension 0xfe0d present */
	uint16_t n_alpn; const uint8_t *alpn; uint8_t alpn_len;  /* first ALPN protocol */
	uint32_t hello_len;     /* ClientHello handshake body length */
	uint32_t records;       /* TLS records the ClientHello spanned (0 from gw_tls_parse_client_hello) */
};

/* GREASE code points (RFC 8701): 0x0a0a, 0x1a1a, ..., 0xfafa. */
static inline bool
gw_tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/*
 * Looks at the first bytes of a client stream: 1 = TLS handshake record
 * (0x16, 0x03 0x00..0x04), 0 = not TLS, GW_INCOMPLETE when fewer than 3
 * bytes. A 1- or 2-byte prefix that already cannot start a handshake record
 * (first byte not 0x16, second not 0x03) returns 0 at once.
 */
int gw_tls_sniff(const uint8_t *buf, size_t len);

/*
 * Parses the ClientHello from the client's stream prefix buf[0..len): one or
 * more handshake records (a ClientHello may span several records; records may
 * also be tiny, e.g. 1 byte of handshake each). When the handshake message
 * spans records, its bytes are concatenated into scratch (scratch_size bytes;
 * if too small -> GW_ELIMIT, reported as soon as the handshake header is
 * known) and out's pointers point into scratch; otherwise into buf.
 * Returns the number of stream bytes consumed up to the end of the record
 * holding the ClientHello's last byte (> 0), GW_INCOMPLETE, GW_EMALFORMED
 * (not a ClientHello, bad lengths, record type not 22 before completion,
 * handshake type != 1, ...), GW_ELIMIT. Record header and handshake type
 * errors are reported as soon as the offending byte is in buf. On error the
 * content of out is unspecified.
 */
int gw_tls_parse_stream(const uint8_t *buf, size_t len, uint8_t *scratch,
			size_t scratch_size, struct gw_tls_hello *out);

/*
 * Parses a complete ClientHello handshake message (4-byte handshake header
 * included). Returns bytes consumed (4 + body length), GW_INCOMPLETE or
 * GW_EMALFORMED. out->records is set to 0 (no record layer here).
 */
int gw_tls_parse_client_hello(const uint8_t *msg, size_t len,
			      struct gw_tls_hello *out);

#endif /* GW_TLS_H */
