/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Name normalisation and IP-literal detection for SNI / Host / allowlist
 * entries. Pure functions, no allocation.
 */
#include <arpa/inet.h>
#include <string.h>

#include "common/gw_error.h"
#include "match/gw_match.h"

#define GW_NAME_MAX 253
#define GW_LABEL_MAX 63

/*
 * Output byte for each input byte: the lower-case form of a name byte,
 * 0 for a byte that never occurs in a name. '.' and '*' map to themselves
 * and are handled apart. One load per byte instead of a chain of range
 * tests: normalisation runs on every SNI and Host (tools/bench, "match").
 */
static const char name_map[256] = {
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['-'] = '-', ['_'] = '_', ['.'] = '.', ['*'] = '*',
#define L(c) [c] = c, [c - 'a' + 'A'] = c
	L('a'), L('b'), L('c'), L('d'), L('e'), L('f'), L('g'), L('h'),
	L('i'), L('j'), L('k'), L('l'), L('m'), L('n'), L('o'), L('p'),
	L('q'), L('r'), L('s'), L('t'), L('u'), L('v'), L('w'), L('x'),
	L('y'), L('z'),
#undef L
};

int
gw_name_normalize(const uint8_t *in, size_t len, char *out, size_t size,
		  bool allow_wildcard)
{
	size_t i, label_start = 0;

	if ((in == NULL && len > 0) || out == NULL)
		return GW_EINVAL;
	/* One trailing dot is the root label of an absolute name. */
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > GW_NAME_MAX)
		return GW_EMALFORMED;
	if (size < len + 1)
		return GW_ENOSPC;

	for (i = 0; i < len; i++) {
		char o = name_map[in[i]];

		out[i] = o;
		if (__builtin_expect(o != 0 && o != '.' && o != '*', 1))
			continue;
		if (o == '.') {
			/* Label [label_start, i): not empty, at most 63 bytes. */
			if (i == label_start || i - label_start > GW_LABEL_MAX)
				return GW_EMALFORMED;
			label_start = i + 1;
			continue;
		}
		/*
		 * A wildcard is "*." followed by at least one label: a bare
		 * "*" would allow every name.
		 */
		if (o == '*' && allow_wildcard && i == 0 && len >= 3 &&
		    in[1] == '.')
			continue;
		return GW_EMALFORMED;
	}
	/* The last label is non-empty (a second trailing dot lands here) and short enough. */
	if (len == label_start || len - label_start > GW_LABEL_MAX)
		return GW_EMALFORMED;
	out[len] = '\0';
	return (int)len;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_xdigit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * inet_aton() accepts 1 to 4 parts, each decimal, octal or 0x-hex
 * ("127.1", "0x7f.1", "017.0.0.1"): browsers and resolvers turn such
 * names into addresses without DNS. A name whose labels are all numbers
 * is never a real DNS name (a TLD is never all-numeric), so any such name
 * is an IP literal, even when inet_aton would reject it for range or part
 * count ("1.2.3.4.5", "999.1.1.1"): it must not reach the allowlist as a
 * host name either way.
 */
static bool
is_ipv4_like(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return false;
	while (i < len) {
		size_t start = i;

		if (len - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
			i += 2;
			while (i < len && is_xdigit(s[i]))
				i++;
		} else {
			while (i < len && is_digit(s[i]))
				i++;
			if (i == start)
				return false;
		}
		if (i == len)
			break;
		if (s[i] != '.' || i + 1 == len)
			return false;
		i++;
	}
	return true;
}

static bool
is_ipv6(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf) || memchr(s, ':', len) == NULL)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

bool
gw_name_is_ip_literal(const char *name, size_t len)
{
	if (name == NULL || len == 0)
		return false;
	/* An absolute name "1.2.3.4." is the same literal. */
	if (name[len - 1] == '.')
		len--;
	return is_ipv4_like(name, len) || is_ipv6(name, len);
}
