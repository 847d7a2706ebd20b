/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the HTTP/1.x request-boundary tracker. The first two
 * bytes seed the split points; the rest is the client stream. It is fed
 * whole and again in pieces (each an exact-size heap copy, so ASan sees
 * any read past a piece) and the events, with their stream offsets, must
 * be identical; consumed counts must stay within the piece, a terminal
 * event must repeat with nothing consumed, and the text must agree with
 * its lengths. Anything else traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_util.h"
#include "http/gw_http_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EV 256

struct rec {
	int type;
	size_t pos;
	uint32_t request;
	bool changed, last, chunked;
	uint64_t hash;
	uint64_t cl;
};

struct run {
	size_t n;
	struct rec ev[MAX_EV];
};

static void
check_text(const struct gw_http_conn_ev *ev)
{
	if (ev->method == NULL || strlen(ev->method) != ev->method_len ||
	    ev->method_len == 0 || ev->method_len > GW_HTTP_CONN_METHOD_MAX)
		__builtin_trap();
	if (ev->has_host != (ev->host != NULL))
		__builtin_trap();
	if (ev->host != NULL &&
	    (strlen(ev->host) != ev->host_len || ev->host_len == 0 ||
	     ev->host_len > GW_HTTP_HOST_MAX ||
	     (strchr(ev->host, ':') == NULL &&
	      (ev->host[0] == '.' || ev->host[ev->host_len - 1] == '.'))))
		__builtin_trap();
}

/* Feeds data in pieces: piece lengths from a xorshift seeded by seed (0: whole). */
static void
run(const uint8_t *data, size_t size, uint16_t seed, struct run *r)
{
	struct gw_http_conn st;
	struct gw_http_conn_text text;
	struct gw_http_conn_ev ev;
	uint32_t x = seed | 0x10000u;
	size_t base = 0;

	r->n = 0;
	gw_http_conn_init(&st, 0x7ffffff0u, &text);
	while (base < size || base == 0) {
		size_t plen = size - base, off = 0;
		uint8_t *p;

		if (seed != 0) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			plen = GW_MIN(plen, (size_t)(x % 9));
		}
		p = malloc(plen + 1);
		if (p == NULL)
			__builtin_trap();
		memcpy(p, data + base, plen);
		for (;;) {
			int rc = gw_http_conn_feed(&st, p + off, plen - off, &ev);

			if (rc < 0 || (size_t)rc > plen - off)
				__builtin_trap();
			off += (size_t)rc;
			if (ev.type == GW_HTTP_EV_NEED_MORE) {
				if (off != plen)
					__builtin_trap();
				break;
			}
			if (r->n == MAX_EV) {
				free(p);
				return;
			}
			r->ev[r->n].type = ev.type;
			r->ev[r->n].pos = base + off;
			r->ev[r->n].request = ev.request;
			r->ev[r->n].changed = ev.host_changed;
			r->ev[r->n].last = ev.last;
			r->ev[r->n].chunked = ev.chunked;
			r->ev[r->n].hash = ev.host_hash;
			r->ev[r->n].cl = ev.content_length;
			r->n++;
			if (ev.type == GW_HTTP_EV_HEAD) {
				check_text(&ev);
				if (ev.chunked && ev.content_length != 0)
					__builtin_trap();
				continue;
			}
			if (!gw_http_conn_done(&st) ||
			    gw_http_conn_feed(&st, p, plen, &ev) != 0 ||
			    (int)ev.type != r->ev[r->n - 1].type)
				__builtin_trap();
			free(p);
			return;
		}
		free(p);
		base += plen;
		if (st.next_seq != 0x7ffffff0u + (uint32_t)base)
			__builtin_trap();
		if (size == 0)
			break;
	}
}

static struct run whole, split;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t seed;
	size_t k;

	if (size < 2)
		return 0;
	seed = (uint16_t)(data[0] << 8 | data[1]);
	data += 2;
	size -= 2;
	run(data, size, 0, &whole);
	run(data, size, seed == 0 ? 1 : seed, &split);
	if (whole.n != split.n)
		__builtin_trap();
	for (k = 0; k < whole.n; k++) {
		const struct rec *a = &whole.ev[k], *b = &split.ev[k];

		if (a->type != b->type || a->pos != b->pos ||
		    a->request != b->request || a->changed != b->changed ||
		    a->last != b->last || a->chunked != b->chunked ||
		    a->hash != b->hash || a->cl != b->cl)
			__builtin_trap();
		if (a->type == GW_HTTP_EV_HEAD && a->request != k)
			__builtin_trap();
	}
	return 0;
}
