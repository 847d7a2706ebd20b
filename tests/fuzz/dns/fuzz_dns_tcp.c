/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for DNS over TCP framing. The first two bytes seed the
 * split points and the assembly cap; the rest is one direction's stream.
 * It is fed whole and in pieces (exact-size heap copies, so ASan sees any
 * read past a piece); both runs must deliver the same messages (length and
 * bytes, compared by hash) and end the same way, and each delivered
 * message is parsed with gw_dns_parse. Anything else traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "dns/gw_dns.h"
#include "dns/gw_dns_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct log {
	size_t n, too_long;
	uint64_t hash;          /* over (length, bytes) of every message */
	struct gw_dns_msg msg;
};

static int
cb(void *arg, const uint8_t *msg, size_t len)
{
	struct log *l = arg;
	size_t k;

	l->hash = (l->hash ^ len) * 0x100000001b3ULL;
	if (msg == NULL) {
		l->too_long++;
		return 0;
	}
	if (len < GW_DNS_HEADER_LEN || len > GW_DNS_TCP_MAX_LIMIT)
		__builtin_trap();
	for (k = 0; k < len; k++)
		l->hash = (l->hash ^ msg[k]) * 0x100000001b3ULL;
	l->n++;
	(void)gw_dns_parse(msg, len, &l->msg);
	return 0;
}

static int
run(const uint8_t *data, size_t size, uint32_t cap, uint16_t seed,
    struct log *l)
{
	static uint8_t buf[GW_DNS_TCP_MAX_LIMIT];
	struct gw_dns_tcp st;
	uint32_t x = seed | 0x10000u;
	size_t base = 0;
	int end = 0;

	memset(l, 0, sizeof(*l));
	l->hash = 0xcbf29ce484222325ULL;
	if (gw_dns_tcp_init(&st, buf, cap, 7) != 0)
		__builtin_trap();
	while (base < size) {
		size_t plen = size - base;
		uint8_t *p;
		int rc;

		if (seed != 0) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			plen = GW_MIN(plen, (size_t)(x % 97));
		}
		p = malloc(plen + 1);
		if (p == NULL)
			__builtin_trap();
		memcpy(p, data + base, plen);
		rc = gw_dns_tcp_feed(&st, p, plen, cb, l);
		free(p);
		if (rc < 0) {
			if (end == 0)
				end = rc;
			else if (rc != GW_ELIMIT)
				__builtin_trap();
			if (!gw_dns_tcp_stopped(&st))
				__builtin_trap();
		}
		base += plen;
	}
	return end;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct log whole, split;
	uint16_t seed;
	uint32_t cap;
	int a, b;

	if (size < 2)
		return 0;
	seed = (uint16_t)(data[0] << 8 | data[1]);
	/* small caps too, so that skipping is exercised */
	cap = GW_DNS_HEADER_LEN + (uint32_t)(data[0] & 0x3f) * 8;
	if (data[1] & 0x80)
		cap = GW_DNS_TCP_MAX_DEFAULT;
	data += 2;
	size -= 2;
	a = run(data, size, cap, 0, &whole);
	b = run(data, size, cap, seed == 0 ? 1 : seed, &split);
	if (a != b || whole.n != split.n || whole.too_long != split.too_long ||
	    whole.hash != split.hash)
		__builtin_trap();
	if (a != 0 && a != GW_EMALFORMED)
		__builtin_trap();
	return 0;
}
