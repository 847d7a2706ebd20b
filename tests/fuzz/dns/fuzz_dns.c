/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the DNS parser, the CNAME chain and the binding
 * table. The input is parsed as one message (a UDP payload) and as a TCP
 * stream of length-prefixed messages (framed by gw_dns_tcp). Every result is checked against the
 * input: lengths within bounds, names NUL-terminated at their length,
 * chain names pointing into the parsed message, chain addresses taken
 * from its answers. The chain and each A/AAAA answer are then learned
 * into a small binding table (fresh per input, so runs are
 * deterministic; the chain first, into the empty table, so none of its
 * addresses can be displaced by the per-name cap): what was just learned
 * must check as bound, an address no answer gave must not, a reference
 * must hold an address past its lifetime. Anything else traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/gw_addr.h"
#include "common/gw_error.h"
#include "dns/gw_dns.h"
#include "dns/gw_dns_bind.h"
#include "dns/gw_dns_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NS 1000000000ull
#define BIND_CAP 16
#define BIND_K 4

static struct gw_dns_msg msg;

static void
check_name(const struct gw_dns_dname *n)
{
	if (n->len > GW_DNS_NAME_TEXT_MAX || n->text[n->len] != '\0')
		__builtin_trap();
	if (n->len == 0 && n->labels != 0)
		__builtin_trap();
	for (size_t i = 0; i < n->len; i++) {
		unsigned char c = (unsigned char)n->text[i];

		if (c >= 'A' && c <= 'Z')
			__builtin_trap();
		if (!n->unsafe && (c < 0x21 || c > 0x7e))
			__builtin_trap();
	}
	if (n->len > 0 && !n->unsafe &&
	    (n->text[0] == '.' || n->text[n->len - 1] == '.' ||
	     strstr(n->text, "..") != NULL))
		__builtin_trap();
}

static bool
name_in_msg(const struct gw_dns_dname *p, const struct gw_dns_msg *m)
{
	if (p == &m->qname)
		return true;
	for (unsigned int i = 0; i < m->n_answers; i++)
		if (p == &m->answers[i].target &&
		    m->answers[i].type == GW_DNS_TYPE_CNAME)
			return true;
	return false;
}

static bool
addr_in_answers(const struct gw_addr *a, const struct gw_dns_msg *m)
{
	for (unsigned int i = 0; i < m->n_answers; i++)
		if (m->answers[i].type != GW_DNS_TYPE_CNAME &&
		    gw_addr_cmp(&m->answers[i].addr, a) == 0)
			return true;
	return false;
}

/* Learns what m says and checks the table agrees. */
static void
bind_msg(const struct gw_dns_msg *m, const struct gw_dns_chain *c, int cr)
{
	struct gw_dns_bind_conf conf;
	struct gw_dns_bind *t;
	struct gw_addr never;
	uint64_t now = 1000 * NS;
	int r;

	gw_dns_bind_conf_init(&conf, BIND_CAP, BIND_K);
	conf.grace_s = 1;
	conf.ttl_max_s = 3600;
	conf.hash_seed = 1;
	t = gw_dns_bind_create(&conf);
	if (t == NULL)
		__builtin_trap();

	memset(&never, 0xee, sizeof(never));
	if (cr > 0 && gw_dns_bind_learn_chain(t, c, now) == GW_OK) {
		for (unsigned int k = 0; k < c->n_names; k++) {
			const char *n = c->names[k]->text;

			if (c->names[k]->len == 0)
				continue; /* the root is never bound */
			r = gw_dns_bind_check(t, n, &never, now);
			if (r == GW_DNS_BIND_BOUND && !addr_in_answers(&never, m))
				__builtin_trap();
			if (c->n_addrs > BIND_K)
				continue;
			for (unsigned int j = 0; j < c->n_addrs; j++)
				if (gw_dns_bind_check(t, n, &c->addrs[j], now) !=
				    GW_DNS_BIND_BOUND)
					__builtin_trap();
		}
		/* A reference holds the first address past its lifetime. */
		if (c->names[0]->len > 0 &&
		    gw_dns_bind_ref(t, c->names[0]->text, &c->addrs[0], now) ==
			    GW_OK) {
			uint64_t late = now + 100000 * NS;

			gw_dns_bind_expire(t, late, BIND_CAP);
			if (gw_dns_bind_check(t, c->names[0]->text, &c->addrs[0],
					      late) != GW_DNS_BIND_BOUND)
				__builtin_trap();
			if (gw_dns_bind_unref(t, c->names[0]->text,
					      &c->addrs[0]) != GW_OK)
				__builtin_trap();
			if (gw_dns_bind_check(t, c->names[0]->text, &c->addrs[0],
					      late) == GW_DNS_BIND_BOUND)
				__builtin_trap();
		}
	}
	/* Then each A/AAAA answer under its own owner, time moving on. */
	for (unsigned int i = 0; i < m->n_answers; i++) {
		const struct gw_dns_rr *rr = &m->answers[i];

		if (rr->type == GW_DNS_TYPE_CNAME || rr->name.unsafe)
			continue;
		r = gw_dns_bind_learn(t, rr->name.text, &rr->addr, 1, rr->ttl,
				      now);
		if (r == 1 && gw_dns_bind_check(t, rr->name.text, &rr->addr,
						now) != GW_DNS_BIND_BOUND)
			__builtin_trap();
		if (r != 1 && r != GW_EINVAL)
			__builtin_trap();
		now += (uint64_t)(rr->ttl % 8) * NS;
		gw_dns_bind_expire(t, now, 4);
	}

	gw_dns_bind_free(t);
}

static void
one_message(const uint8_t *p, size_t len)
{
	struct gw_dns_chain c;
	unsigned int stored = 0;
	int r = gw_dns_parse(p, len, &msg);
	int cr;

	if (r == GW_EMALFORMED)
		return;
	if (r <= 0 || (size_t)r > len || r < GW_DNS_HEADER_LEN + 5)
		__builtin_trap();
	if (msg.hdr.qdcount != 1 || msg.n_answers > GW_DNS_MAX_ANSWERS)
		__builtin_trap();
	if ((unsigned int)msg.n_answers + msg.an_skipped + msg.an_dropped !=
	    msg.hdr.ancount)
		__builtin_trap();
	check_name(&msg.qname);
	for (unsigned int i = 0; i < msg.n_answers; i++) {
		const struct gw_dns_rr *rr = &msg.answers[i];

		check_name(&rr->name);
		if (rr->rclass != GW_DNS_CLASS_IN || rr->ttl > 0x7fffffffu)
			__builtin_trap();
		if (rr->type == GW_DNS_TYPE_CNAME)
			check_name(&rr->target);
		else if (rr->type != GW_DNS_TYPE_A &&
			 rr->type != GW_DNS_TYPE_AAAA)
			__builtin_trap();
		if (rr->type == GW_DNS_TYPE_A && !gw_addr_is_v4(&rr->addr))
			__builtin_trap();
		stored++;
	}
	if (stored != msg.n_answers)
		__builtin_trap();

	cr = gw_dns_chain_addrs(&msg, &c);
	if (cr < 0) {
		if (cr != GW_EMALFORMED && cr != GW_ELIMIT)
			__builtin_trap();
		if (c.n_addrs != 0)
			__builtin_trap();
		return;
	}
	if (cr != c.n_addrs || c.n_names < 1 ||
	    c.n_names > GW_DNS_CHAIN_MAX_NAMES || c.names[0] != &msg.qname)
		__builtin_trap();
	for (unsigned int k = 0; k < c.n_names; k++)
		if (!name_in_msg(c.names[k], &msg) || c.names[k]->unsafe)
			__builtin_trap();
	for (int j = 0; j < cr; j++) {
		if (!addr_in_answers(&c.addrs[j], &msg))
			__builtin_trap();
		for (int q = 0; q < j; q++)
			if (gw_addr_cmp(&c.addrs[q], &c.addrs[j]) == 0)
				__builtin_trap();
	}
	bind_msg(&msg, &c, cr);
}

/* The stream being fed, for the view check of the TCP callback. */
struct tcp_input {
	const uint8_t *data;
	size_t size;
	const struct gw_dns_tcp *st;
	int calls;
};

static int
tcp_message(void *arg, const uint8_t *m, size_t ml)
{
	struct tcp_input *in = arg;

	in->calls++;
	if (ml < GW_DNS_HEADER_LEN)
		__builtin_trap();
	if (m == NULL) {
		if (ml <= in->st->cap)
			__builtin_trap(); /* only a too-long message is skipped */
		return 0;
	}
	if (!(m == in->st->buf && ml <= in->st->cap) &&
	    !(m >= in->data && ml <= in->size &&
	      (size_t)(m - in->data) <= in->size - ml))
		__builtin_trap();
	one_message(m, ml);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t asm_buf[GW_DNS_TCP_MAX_DEFAULT];
	struct gw_dns_tcp st;
	struct tcp_input in = {data, size, &st, 0};
	int r;

	one_message(data, size);

	/* The same bytes as a TCP stream of framed messages (gw_dns_tcp). */
	if (gw_dns_tcp_init(&st, asm_buf, sizeof(asm_buf), 1) != 0)
		__builtin_trap();
	r = gw_dns_tcp_feed(&st, data, size, tcp_message, &in);
	if ((r < 0 && r != GW_EMALFORMED) || (r >= 0 && r != in.calls))
		__builtin_trap();
	return 0;
}
