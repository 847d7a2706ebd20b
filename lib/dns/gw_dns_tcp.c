/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS over TCP framing: a small state machine over one direction's bytes
 * (length high byte, length low byte, message or skip) and a fixed pool of
 * per-flow state pairs with their assembly buffers.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "dns/gw_dns.h"
#include "dns/gw_dns_tcp.h"

enum phase {
	P_LEN_HI,
	P_LEN_LO,
	P_MSG,
	P_SKIP,
	P_STOPPED,
};

int
gw_dns_tcp_init(struct gw_dns_tcp *st, uint8_t *buf, uint32_t cap,
		uint32_t seq)
{
	if (st == NULL || buf == NULL || cap < GW_DNS_HEADER_LEN ||
	    cap > GW_DNS_TCP_MAX_LIMIT)
		return GW_EINVAL;
	memset(st, 0, sizeof(*st));
	st->buf = buf;
	st->cap = cap;
	st->next_seq = seq;
	st->phase = P_LEN_HI;
	return 0;
}

void
gw_dns_tcp_gap(struct gw_dns_tcp *st)
{
	st->phase = P_STOPPED;
}

bool
gw_dns_tcp_stopped(const struct gw_dns_tcp *st)
{
	return st->phase == P_STOPPED;
}

bool
gw_dns_tcp_idle(const struct gw_dns_tcp *st)
{
	return st->phase == P_LEN_HI;
}

enum gw_dns_tcp_seg
gw_dns_tcp_seq(const struct gw_dns_tcp *st, uint32_t seq, uint32_t len,
	       uint32_t *skip)
{
	int32_t d = (int32_t)(seq - st->next_seq);
	uint32_t old;

	*skip = 0;
	if (d > 0)
		return GW_DNS_TCP_SEG_AHEAD;
	old = (uint32_t)(-(int64_t)d);
	if (len == 0)
		return old == 0 ? GW_DNS_TCP_SEG_NEW : GW_DNS_TCP_SEG_OLD;
	if (old >= len)
		return GW_DNS_TCP_SEG_OLD;
	*skip = old;
	return GW_DNS_TCP_SEG_NEW;
}

int
gw_dns_tcp_feed(struct gw_dns_tcp *st, const uint8_t *data, size_t len,
		gw_dns_tcp_cb cb, void *arg)
{
	size_t i = 0;
	int calls = 0, rc;

	if (st->phase == P_STOPPED)
		return GW_ELIMIT;
	while (i < len) {
		size_t n;

		switch (st->phase) {
		case P_LEN_HI:
			st->len_hi = data[i++];
			st->phase = P_LEN_LO;
			break;
		case P_LEN_LO:
			st->need = (uint16_t)(st->len_hi << 8 | data[i++]);
			st->have = 0;
			if (st->need < GW_DNS_HEADER_LEN) {
				st->phase = P_STOPPED;
				return GW_EMALFORMED;
			}
			if (st->need <= st->cap) {
				st->phase = P_MSG;
				break;
			}
			/* Too long to keep: skipped unread, but the caller hears of it. */
			st->phase = P_SKIP;
			rc = cb(arg, NULL, st->need);
			if (rc < 0)
				goto stop;
			if (calls < INT_MAX)
				calls++;
			break;
		case P_MSG:
			if (st->have == 0 && len - i >= st->need) {
				/* whole in this feed: no copy */
				rc = cb(arg, data + i, st->need);
				i += st->need;
			} else {
				n = GW_MIN(len - i, (size_t)(st->need - st->have));
				memcpy(st->buf + st->have, data + i, n);
				st->have += (uint32_t)n;
				i += n;
				if (st->have < st->need)
					break;
				rc = cb(arg, st->buf, st->need);
			}
			st->phase = P_LEN_HI;
			if (rc < 0)
				goto stop;
			if (calls < INT_MAX)
				calls++;
			break;
		case P_SKIP:
			n = GW_MIN(len - i, (size_t)(st->need - st->have));
			st->have += (uint32_t)n;
			i += n;
			if (st->have == st->need)
				st->phase = P_LEN_HI;
			break;
		default:
			return GW_ELIMIT;
		}
	}
	st->next_seq += (uint32_t)len;
	return calls;
stop:
	st->phase = P_STOPPED;
	return rc;
}

/* ---- pool ---- */

struct gw_dns_tcp_pool {
	struct gw_dns_tcp_flow *flows;
	uint8_t *bufs;          /* 2 * max_msg bytes per flow */
	uint32_t *free_idx;     /* stack of free flow indexes */
	uint8_t *used;          /* per flow: taken */
	uint32_t n_free;
	uint32_t max_msg;
	struct gw_dns_tcp_pool_stats st;
};

struct gw_dns_tcp_pool *
gw_dns_tcp_pool_create(uint32_t n_flows, uint32_t max_msg)
{
	struct gw_dns_tcp_pool *p;
	uint32_t k;

	if (max_msg == 0)
		max_msg = GW_DNS_TCP_MAX_DEFAULT;
	if (n_flows == 0 || max_msg < GW_DNS_HEADER_LEN ||
	    max_msg > GW_DNS_TCP_MAX_LIMIT)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->flows = calloc(n_flows, sizeof(*p->flows));
	p->bufs = calloc((size_t)n_flows * 2, max_msg);
	p->free_idx = calloc(n_flows, sizeof(*p->free_idx));
	p->used = calloc(n_flows, 1);
	if (p->flows == NULL || p->bufs == NULL || p->free_idx == NULL ||
	    p->used == NULL) {
		gw_dns_tcp_pool_free(p);
		return NULL;
	}
	/* Lowest indexes on top of the stack: taken first. */
	for (k = 0; k < n_flows; k++)
		p->free_idx[k] = n_flows - 1 - k;
	p->n_free = n_flows;
	p->max_msg = max_msg;
	p->st.size = n_flows;
	return p;
}

void
gw_dns_tcp_pool_free(struct gw_dns_tcp_pool *p)
{
	if (p == NULL)
		return;
	free(p->flows);
	free(p->bufs);
	free(p->free_idx);
	free(p->used);
	free(p);
}

struct gw_dns_tcp_flow *
gw_dns_tcp_pool_get(struct gw_dns_tcp_pool *p, uint32_t client_seq,
		    uint32_t server_seq)
{
	struct gw_dns_tcp_flow *f;
	uint8_t *buf;
	uint32_t idx;

	if (p->n_free == 0) {
		p->st.exhausted++;
		return NULL;
	}
	idx = p->free_idx[--p->n_free];
	f = &p->flows[idx];
	buf = p->bufs + (size_t)idx * 2 * p->max_msg;
	/* cannot fail: buffer and cap were checked at create */
	gw_dns_tcp_init(&f->dir[0], buf, p->max_msg, client_seq);
	gw_dns_tcp_init(&f->dir[1], buf + p->max_msg, p->max_msg, server_seq);
	p->used[idx] = 1;
	p->st.taken++;
	p->st.in_use++;
	if (p->st.in_use > p->st.max_in_use)
		p->st.max_in_use = p->st.in_use;
	return f;
}

void
gw_dns_tcp_pool_put(struct gw_dns_tcp_pool *p, struct gw_dns_tcp_flow *f)
{
	uintptr_t off;
	uint32_t idx;

	if (p == NULL || f == NULL)
		return;
	if ((uintptr_t)f < (uintptr_t)p->flows)
		return;
	off = (uintptr_t)f - (uintptr_t)p->flows;
	if (off % sizeof(*f) != 0 || off / sizeof(*f) >= p->st.size)
		return;
	idx = (uint32_t)(off / sizeof(*f));
	if (!p->used[idx])
		return;
	p->used[idx] = 0;
	p->free_idx[p->n_free++] = idx;
	p->st.in_use--;
}

void
gw_dns_tcp_pool_stats(const struct gw_dns_tcp_pool *p,
		      struct gw_dns_tcp_pool_stats *s)
{
	*s = p->st;
}
