/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/gw_addr.h"
#include "common/gw_error.h"

/* Copies src into buf, truncating, NUL-terminated when size > 0. */
static void
copy_trunc(char *buf, size_t size, const char *src)
{
	size_t n;

	if (buf == NULL || size == 0)
		return;
	n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(buf, src, n);
	buf[n] = '\0';
}

/* Writes the text form into tmp (GW_ADDR_STRLEN bytes). */
static void
addr_format(const struct gw_addr *a, char tmp[GW_ADDR_STRLEN])
{
	const char *r;

	/* IPv4 is stored mapped; operators expect to read it dotted. */
	if (gw_addr_is_v4(a))
		r = inet_ntop(AF_INET, &a->b[12], tmp, GW_ADDR_STRLEN);
	else
		r = inet_ntop(AF_INET6, a->b, tmp, GW_ADDR_STRLEN);
	if (r == NULL)
		tmp[0] = '\0'; /* cannot happen: the buffer fits any address */
}

char *
gw_addr_to_str(const struct gw_addr *a, char *buf, size_t size)
{
	char tmp[GW_ADDR_STRLEN];

	addr_format(a, tmp);
	copy_trunc(buf, size, tmp);
	return buf;
}

int
gw_addr_parse(const char *s, struct gw_addr *a)
{
	uint8_t v4[4];
	uint8_t v6[16];

	if (s == NULL || a == NULL)
		return GW_EINVAL;
	if (inet_pton(AF_INET, s, v4) == 1) {
		gw_addr_from_v4(a, v4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, v6) == 1) {
		gw_addr_from_v6(a, v6);
		return 0;
	}
	return GW_EINVAL;
}

/* Mask of the first plen bits of byte i of a 128-bit prefix. */
static uint8_t
prefix_byte_mask(unsigned int plen, unsigned int i)
{
	if (plen >= (i + 1) * 8)
		return 0xff;
	if (plen <= i * 8)
		return 0;
	return (uint8_t)(0xff << (8 - (plen - i * 8)));
}

/* Strict decimal 0..999 without sign, spaces or leading zeros. */
static int
parse_plen(const char *s, unsigned int *out)
{
	unsigned int v = 0;
	size_t n = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return GW_EINVAL;
	for (; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 3)
			return GW_EINVAL;
		v = v * 10 + (unsigned int)(s[n] - '0');
	}
	*out = v;
	return 0;
}

int
gw_cidr_parse(const char *s, struct gw_cidr *c)
{
	char text[GW_ADDR_STRLEN];
	const char *slash;
	struct gw_addr a;
	unsigned int plen;
	unsigned int i;
	size_t alen;
	bool v4;

	if (s == NULL || c == NULL)
		return GW_EINVAL;
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(text))
		return GW_EINVAL;
	memcpy(text, s, alen);
	text[alen] = '\0';

	/* Decide the family from the text, not from the stored form, so that
	 * "::ffff:10.0.0.0/104" keeps its IPv6 prefix length. */
	v4 = strchr(text, ':') == NULL;
	if (gw_addr_parse(text, &a) != 0)
		return GW_EINVAL;
	if (slash == NULL) {
		plen = v4 ? 32 : 128;
	} else if (parse_plen(slash + 1, &plen) != 0) {
		return GW_EINVAL;
	}
	if (plen > (v4 ? 32u : 128u))
		return GW_EINVAL;
	if (v4)
		plen += 96;

	for (i = 0; i < 16; i++) {
		if ((a.b[i] & (uint8_t)~prefix_byte_mask(plen, i)) != 0)
			return GW_EINVAL;
	}
	c->addr = a;
	c->plen = (uint8_t)plen;
	return 0;
}

bool
gw_cidr_contains(const struct gw_cidr *c, const struct gw_addr *a)
{
	unsigned int full = c->plen / 8;
	unsigned int rem = c->plen % 8;
	uint8_t mask;

	if (c->plen > 128)
		return false;
	if (memcmp(c->addr.b, a->b, full) != 0)
		return false;
	if (rem == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rem));
	return ((c->addr.b[full] ^ a->b[full]) & mask) == 0;
}

char *
gw_cidr_to_str(const struct gw_cidr *c, char *buf, size_t size)
{
	char tmp[GW_ADDR_STRLEN];
	unsigned int plen = c->plen;

	if (buf == NULL || size == 0)
		return buf;
	addr_format(&c->addr, tmp);
	/* A mapped address below /96 only arises from a hand-built struct;
	 * print it in IPv6 form so that the text parses back the same. */
	if (gw_addr_is_v4(&c->addr) && plen >= 96) {
		plen -= 96;
	} else if (gw_addr_is_v4(&c->addr)) {
		if (inet_ntop(AF_INET6, c->addr.b, tmp, sizeof(tmp)) == NULL)
			tmp[0] = '\0';
	}
	snprintf(buf, size, "%s/%u", tmp, plen);
	return buf;
}
