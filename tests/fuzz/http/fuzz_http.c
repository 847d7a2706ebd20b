/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the HTTP/1.x request head parser and the effective
 * host. Views must lie inside the input, the effective host must be a
 * NUL-terminated lower-case name or IPv6 literal that fits, and every prefix
 * shorter than the parsed head must be INCOMPLETE; anything else traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "http/gw_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
inside(const void *p, size_t n, const uint8_t *base, size_t size)
{
	const uint8_t *q = p;

	return q >= base && q <= base + size && n <= (size_t)(base + size - q);
}

static bool
all_upper(const char *p, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (p[k] < 'A' || p[k] > 'Z')
			return false;
	return true;
}

static void
check_effective_host(const struct gw_http_req *req)
{
	char out[GW_HTTP_HOST_MAX + 1], small[8];
	bool conflict = false;
	int rc, k;

	memset(out, 0x55, sizeof(out));
	rc = gw_http_effective_host(req, out, sizeof(out), &conflict);
	if (rc < 0) {
		if (rc != GW_EMALFORMED)
			__builtin_trap();
		return;
	}
	if (rc == 0 || rc > GW_HTTP_HOST_MAX || out[rc] != '\0' ||
	    strlen(out) != (size_t)rc)
		__builtin_trap();
	for (k = 0; k < rc; k++) {
		char c = out[k];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.' || c == ':'))
			__builtin_trap();
	}
	if (out[rc - 1] == '.' || out[0] == '.')
		__builtin_trap();
	if (conflict && !(req->is_connect || req->absolute_form))
		__builtin_trap();
	/* the same host again into a buffer that may be too small */
	rc = gw_http_effective_host(req, small, sizeof(small), NULL);
	if (rc != GW_ENOSPC && (rc < 0 || (size_t)rc >= sizeof(small) ||
				small[rc] != '\0'))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_http_req req;
	uint8_t *buf;
	int rc, s;

	/* an exact-size copy, so that ASan sees any read past the end */
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);

	s = gw_http_sniff(buf, size);
	if (s != 0 && s != 1 && s != GW_INCOMPLETE)
		__builtin_trap();

	rc = gw_http_parse_request(buf, size, &req);
	if (rc > 0) {
		if ((size_t)rc > size || req.head_len != (size_t)rc)
			__builtin_trap();
		if (!inside(req.method, req.method_len, buf, (size_t)rc) ||
		    !inside(req.target, req.target_len, buf, (size_t)rc) ||
		    req.method_len == 0 || req.target_len == 0)
			__builtin_trap();
		if (req.has_host && !inside(req.host, req.host_len, buf, (size_t)rc))
			__builtin_trap();
		if (req.n_host != (req.has_host ? 1u : 0u))
			__builtin_trap();
		if (req.authority != NULL &&
		    !inside(req.authority, req.authority_len,
			    (const uint8_t *)req.target, req.target_len))
			__builtin_trap();
		if ((req.is_connect || req.absolute_form) != (req.authority != NULL))
			__builtin_trap();
		/* the sniffer's A-Z rule accepts every method that is short and upper case */
		if (s == 0 && req.method_len <= 20 && all_upper(req.method, req.method_len))
			__builtin_trap();
		check_effective_host(&req);
		/* the head is decided by its own bytes: one byte less is a prefix */
		if (gw_http_parse_request(buf, (size_t)rc - 1, &req) != GW_INCOMPLETE)
			__builtin_trap();
	} else if (rc != GW_INCOMPLETE && rc != GW_EMALFORMED) {
		__builtin_trap();
	}
	free(buf);
	return 0;
}
