/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the ClientHello parser. The input is a client stream
 * prefix: it goes through gw_tls_parse_stream with a large and a small
 * scratch buffer, and (from its 6th byte, where a record's handshake
 * message would start) through gw_tls_parse_client_hello. Every view in the
 * result must lie inside the input or the scratch; anything else traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "tls/gw_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SCRATCH_BIG 65536
#define SCRATCH_SMALL 300

static bool
inside(const uint8_t *p, size_t n, const uint8_t *base, size_t size)
{
	return base != NULL && p >= base && p <= base + size &&
	       n <= (size_t)(base + size - p);
}

static void
check_hello(const struct gw_tls_hello *h, const uint8_t *a, size_t alen,
	    const uint8_t *b, size_t blen)
{
	if (h->has_sni) {
		if (h->sni_len < 1 || h->sni_len > GW_TLS_SNI_MAX)
			__builtin_trap();
		if (!inside(h->sni, h->sni_len, a, alen) &&
		    !inside(h->sni, h->sni_len, b, blen))
			__builtin_trap();
	} else if (h->sni != NULL || h->sni_len != 0) {
		__builtin_trap();
	}
	if (h->n_alpn > 0) {
		if (h->alpn_len < 1)
			__builtin_trap();
		if (!inside(h->alpn, h->alpn_len, a, alen) &&
		    !inside(h->alpn, h->alpn_len, b, blen))
			__builtin_trap();
	} else if (h->alpn != NULL) {
		__builtin_trap();
	}
	if (h->hello_len + 4 > alen && h->hello_len + 4 > blen)
		__builtin_trap();
	if (!h->has_supported_versions && h->max_version != h->legacy_version)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *scratch;
	struct gw_tls_hello h;
	uint8_t *buf, *small;
	int rc;

	if (scratch == NULL) {
		scratch = malloc(SCRATCH_BIG);
		if (scratch == NULL)
			return 0;
	}
	/* an exact-size copy, so that ASan sees any read past the end */
	buf = malloc(size + 1);
	small = malloc(SCRATCH_SMALL);
	if (buf == NULL || small == NULL)
		goto out;
	memcpy(buf, data, size);

	rc = gw_tls_sniff(buf, size);
	if (rc != 0 && rc != 1 && rc != GW_INCOMPLETE)
		__builtin_trap();
	if (size >= 3 && rc == GW_INCOMPLETE)
		__builtin_trap();

	rc = gw_tls_parse_stream(buf, size, scratch, SCRATCH_BIG, &h);
	if (rc > 0) {
		if ((size_t)rc > size || rc < 5 + 4 + 41)
			__builtin_trap();
		if (h.records < 1)
			__builtin_trap();
		if (h.records == 1)
			check_hello(&h, buf, (size_t)rc, NULL, 0);
		else
			check_hello(&h, NULL, 0, scratch, SCRATCH_BIG);
		/* a stream that parsed is TLS to the sniffer too */
		if (gw_tls_sniff(buf, size) != 1)
			__builtin_trap();
	} else if (rc != GW_INCOMPLETE && rc != GW_EMALFORMED && rc != GW_ELIMIT) {
		__builtin_trap();
	}

	rc = gw_tls_parse_stream(buf, size, small, SCRATCH_SMALL, &h);
	if (rc > 0) {
		if ((size_t)rc > size)
			__builtin_trap();
		check_hello(&h, buf, (size_t)rc, small, SCRATCH_SMALL);
	} else if (rc != GW_INCOMPLETE && rc != GW_EMALFORMED && rc != GW_ELIMIT) {
		__builtin_trap();
	}

	if (size > 5) {
		rc = gw_tls_parse_client_hello(buf + 5, size - 5, &h);
		if (rc > 0) {
			if ((size_t)rc > size - 5 || h.hello_len + 4 != (uint32_t)rc ||
			    h.records != 0)
				__builtin_trap();
			check_hello(&h, buf + 5, (size_t)rc, NULL, 0);
		} else if (rc != GW_INCOMPLETE && rc != GW_EMALFORMED) {
			__builtin_trap();
		}
	}
out:
	free(buf);
	free(small);
	return 0;
}
