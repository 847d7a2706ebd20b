/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/gw_util.h"

static const char hex_digits[] = "0123456789abcdef";

/*
 * Each input byte becomes either itself (1 char) or \xHH (4 chars). An
 * escape is written whole or not at all, so a truncated result never ends in
 * a partial sequence that a reader could mistake for other bytes.
 */
size_t
gw_escape(const uint8_t *in, size_t len, char *out, size_t size)
{
	size_t o = 0;
	size_t i;

	if (size == 0)
		return 0;
	for (i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') {
			if (size - o < 2)
				break;
			out[o++] = (char)c;
		} else {
			if (size - o < 5)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex_digits[c >> 4];
			out[o++] = hex_digits[c & 0x0f];
		}
	}
	out[o] = '\0';
	return o;
}
