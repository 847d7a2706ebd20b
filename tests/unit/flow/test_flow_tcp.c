/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_util.h"
#include "flow/gw_flow.h"
#include "gw_test.h"
#include "pkt/gw_pkt.h"

/*
 * gw_flow_tcp_update, one segment per row from a given starting state.
 * Starting sequence numbers for every row: client ISN 1000 (next 1001
 * once SYN_SENT), server ISN 5000 (next 5001 once SYN_RCVD), unless the
 * row overrides next_seq values. fin_seen bits: 1 client FIN, 2 server
 * FIN, 4 client FIN acked, 8 server FIN acked.
 */

#define F GW_TCP_FIN
#define S GW_TCP_SYN
#define R GW_TCP_RST
#define P GW_TCP_PSH
#define A GW_TCP_ACK
#define U GW_TCP_URG
#define ECE 0x40
#define CWR 0x80
#define C2S GW_DIR_TO_SERVER
#define S2C GW_DIR_TO_CLIENT

#define KEEP 0xffffffffu /* expected value: unchanged from the start */

struct tcp_vec {
	const char *name;
	uint8_t state;
	uint8_t fin_seen;
	uint32_t cnext, snext;   /* KEEP: defaults */
	enum gw_flow_dir dir;
	uint8_t flags;
	uint32_t seq, ack, len;
	bool ok;
	uint8_t want_state;
	uint8_t want_fin;
	uint32_t want_cisn, want_cnext, want_sisn, want_snext; /* KEEP: unchanged */
};

static const struct tcp_vec tcp_vectors[] = {
	/* handshake */
	{"client SYN", GW_TCP_NONE, 0, KEEP, KEEP, C2S, S, 1000, 0, 0,
	 true, GW_TCP_SYN_SENT, 0, 1000, 1001, KEEP, KEEP},
	{"client SYN with TFO data", GW_TCP_NONE, 0, KEEP, KEEP, C2S, S, 1000,
	 0, 5, true, GW_TCP_SYN_SENT, 0, 1000, 1006, KEEP, KEEP},
	{"client SYN, ECN setup", GW_TCP_NONE, 0, KEEP, KEEP, C2S,
	 S | ECE | CWR, 1000, 0, 0, true, GW_TCP_SYN_SENT, 0, 1000, 1001, KEEP,
	 KEEP},
	{"SYN retransmit", GW_TCP_SYN_SENT, 0, KEEP, KEEP, C2S, S, 1000, 0, 0,
	 true, GW_TCP_SYN_SENT, 0, 1000, 1001, KEEP, KEEP},
	{"SYN retransmit, new ISN", GW_TCP_SYN_SENT, 0, KEEP, KEEP, C2S, S,
	 7777, 0, 0, true, GW_TCP_SYN_SENT, 0, 7777, 7778, KEEP, KEEP},
	{"server SYN-ACK", GW_TCP_SYN_SENT, 0, KEEP, KEEP, S2C, S | A, 5000,
	 1001, 0, true, GW_TCP_SYN_RCVD, 0, KEEP, KEEP, 5000, 5001},
	{"server SYN-ACK with data, wraps", GW_TCP_SYN_SENT, 0, KEEP, KEEP, S2C,
	 S | A, 0xfffffffeu, 1001, 5, true, GW_TCP_SYN_RCVD, 0, KEEP, KEEP,
	 0xfffffffeu, 4},
	{"client ACK", GW_TCP_SYN_RCVD, 0, KEEP, KEEP, C2S, A, 1001, 5001, 0,
	 true, GW_TCP_ESTABLISHED, 0, KEEP, KEEP, KEEP, KEEP},
	{"client ACK with data", GW_TCP_SYN_RCVD, 0, KEEP, KEEP, C2S, A | P,
	 1001, 5001, 100, true, GW_TCP_ESTABLISHED, 0, KEEP, 1101, KEEP, KEEP},
	{"client ACK+FIN", GW_TCP_SYN_RCVD, 0, KEEP, KEEP, C2S, A | F, 1001,
	 5001, 0, true, GW_TCP_FIN_WAIT, 1, KEEP, 1002, KEEP, KEEP},
	{"client SYN again in SYN_RCVD", GW_TCP_SYN_RCVD, 0, KEEP, KEEP, C2S, S,
	 1000, 0, 0, true, GW_TCP_SYN_RCVD, 0, KEEP, KEEP, KEEP, KEEP},
	{"client SYN, other ISN, SYN_RCVD", GW_TCP_SYN_RCVD, 0, KEEP, KEEP, C2S,
	 S, 1234, 0, 0, false, 0, 0, 0, 0, 0, 0},
	{"SYN-ACK retransmit", GW_TCP_SYN_RCVD, 0, KEEP, KEEP, S2C, S | A, 5000,
	 1001, 0, true, GW_TCP_SYN_RCVD, 0, KEEP, KEEP, KEEP, KEEP},
	{"SYN-ACK, other ISN", GW_TCP_SYN_RCVD, 0, KEEP, KEEP, S2C, S | A,
	 6000, 1001, 0, false, 0, 0, 0, 0, 0, 0},
	{"server ACK before client ACK", GW_TCP_SYN_RCVD, 0, KEEP, KEEP, S2C, A,
	 5001, 1001, 0, false, 0, 0, 0, 0, 0, 0},
	{"SYN-ACK retransmit, ESTABLISHED", GW_TCP_ESTABLISHED, 0, KEEP, KEEP,
	 S2C, S | A, 5000, 1001, 0, true, GW_TCP_ESTABLISHED, 0, KEEP, KEEP,
	 KEEP, KEEP},

	/* refused handshake shapes */
	{"server SYN first", GW_TCP_NONE, 0, KEEP, KEEP, S2C, S, 5000, 0, 0,
	 false, 0, 0, 0, 0, 0, 0},
	{"server SYN-ACK first", GW_TCP_NONE, 0, KEEP, KEEP, S2C, S | A, 5000,
	 1001, 0, false, 0, 0, 0, 0, 0, 0},
	{"simultaneous open", GW_TCP_SYN_SENT, 0, KEEP, KEEP, S2C, S, 5000, 0,
	 0, false, 0, 0, 0, 0, 0, 0},
	{"client SYN-ACK", GW_TCP_SYN_SENT, 0, KEEP, KEEP, C2S, S | A, 1000,
	 5001, 0, false, 0, 0, 0, 0, 0, 0},
	{"client SYN-ACK first", GW_TCP_NONE, 0, KEEP, KEEP, C2S, S | A, 1000,
	 0, 0, false, 0, 0, 0, 0, 0, 0},
	{"ACK with no handshake", GW_TCP_NONE, 0, KEEP, KEEP, C2S, A, 1000, 1,
	 0, false, 0, 0, 0, 0, 0, 0},
	{"server ACK, no handshake", GW_TCP_NONE, 0, KEEP, KEEP, S2C, A, 1000,
	 1, 0, false, 0, 0, 0, 0, 0, 0},
	{"client ACK in SYN_SENT", GW_TCP_SYN_SENT, 0, KEEP, KEEP, C2S, A, 1001,
	 1, 0, false, 0, 0, 0, 0, 0, 0},
	{"server ACK in SYN_SENT", GW_TCP_SYN_SENT, 0, KEEP, KEEP, S2C, A, 5001,
	 1001, 0, false, 0, 0, 0, 0, 0, 0},
	{"mid-flow client SYN", GW_TCP_ESTABLISHED, 0, KEEP, KEEP, C2S, S, 1000,
	 0, 0, false, 0, 0, 0, 0, 0, 0},
	{"mid-flow server SYN-ACK, other ISN", GW_TCP_ESTABLISHED, 0, KEEP,
	 KEEP, S2C, S | A, 9000, 1001, 0, false, 0, 0, 0, 0, 0, 0},
	{"SYN-ACK in FIN_WAIT", GW_TCP_FIN_WAIT, 1, KEEP, KEEP, S2C, S | A,
	 5000, 1001, 0, false, 0, 0, 0, 0, 0, 0},
	{"client SYN on CLOSED", GW_TCP_CLOSED, 0, KEEP, KEEP, C2S, S, 1000, 0,
	 0, false, 0, 0, 0, 0, 0, 0},
	{"client SYN on CLOSING", GW_TCP_CLOSING, 3, KEEP, KEEP, C2S, S, 1000,
	 0, 0, false, 0, 0, 0, 0, 0, 0},

	/* data */
	{"client data", GW_TCP_ESTABLISHED, 0, KEEP, KEEP, C2S, A | P, 1001,
	 5001, 100, true, GW_TCP_ESTABLISHED, 0, KEEP, 1101, KEEP, KEEP},
	{"server data", GW_TCP_ESTABLISHED, 0, KEEP, KEEP, S2C, A, 5001, 1001,
	 50, true, GW_TCP_ESTABLISHED, 0, KEEP, KEEP, KEEP, 5051},
	{"client retransmit, old", GW_TCP_ESTABLISHED, 0, KEEP, KEEP, C2S, A,
	 900, 5001, 50, true, GW_TCP_ESTABLISHED, 0, KEEP, 1001, KEEP, KEEP},
	{"pure ACK", GW_TCP_ESTABLISHED, 0, KEEP, KEEP, C2S, A, 1001, 5001, 0,
	 true, GW_TCP_ESTABLISHED, 0, KEEP, 1001, KEEP, KEEP},
	{"data across 2^32", GW_TCP_ESTABLISHED, 0, 0xfffffff0u, KEEP, C2S, A,
	 0xfffffff0u, 5001, 0x20, true, GW_TCP_ESTABLISHED, 0, KEEP, 0x10, KEEP,
	 KEEP},
	{"old data before 2^32", GW_TCP_ESTABLISHED, 0, 0x10, KEEP, C2S, A,
	 0xffffff00u, 5001, 16, true, GW_TCP_ESTABLISHED, 0, KEEP, 0x10, KEEP,
	 KEEP},
	{"flags PSH URG ECE CWR ignored", GW_TCP_ESTABLISHED, 0, KEEP, KEEP, C2S,
	 A | P | U | ECE | CWR, 1001, 5001, 10, true, GW_TCP_ESTABLISHED, 0,
	 KEEP, 1011, KEEP, KEEP},

	/* close */
	{"client FIN", GW_TCP_ESTABLISHED, 0, KEEP, KEEP, C2S, F | A, 1001,
	 5001, 0, true, GW_TCP_FIN_WAIT, 1, KEEP, 1002, KEEP, KEEP},
	{"client FIN with data", GW_TCP_ESTABLISHED, 0, KEEP, KEEP, C2S,
	 F | A | P, 1001, 5001, 10, true, GW_TCP_FIN_WAIT, 1, KEEP, 1012, KEEP,
	 KEEP},
	{"server FIN", GW_TCP_ESTABLISHED, 0, KEEP, KEEP, S2C, F | A, 5001,
	 1001, 0, true, GW_TCP_FIN_WAIT, 2, KEEP, KEEP, KEEP, 5002},
	{"FIN retransmit", GW_TCP_FIN_WAIT, 1, 1002, KEEP, C2S, F | A, 1001,
	 5001, 0, true, GW_TCP_FIN_WAIT, 1, KEEP, 1002, KEEP, KEEP},
	{"ACK of client FIN", GW_TCP_FIN_WAIT, 1, 1002, KEEP, S2C, A, 5001,
	 1002, 0, true, GW_TCP_FIN_WAIT, 1 | 4, KEEP, KEEP, KEEP, 5001},
	{"ACK short of client FIN", GW_TCP_FIN_WAIT, 1, 1002, KEEP, S2C, A,
	 5001, 1001, 0, true, GW_TCP_FIN_WAIT, 1, KEEP, KEEP, KEEP, 5001},
	{"data after peer FIN", GW_TCP_FIN_WAIT, 1, 1002, KEEP, S2C, A, 5001,
	 1002, 30, true, GW_TCP_FIN_WAIT, 1 | 4, KEEP, KEEP, KEEP, 5031},
	{"second FIN acking first", GW_TCP_FIN_WAIT, 1, 1002, KEEP, S2C, F | A,
	 5001, 1002, 0, true, GW_TCP_CLOSING, 1 | 2 | 4, KEEP, KEEP, KEEP,
	 5002},
	{"second FIN, first not acked", GW_TCP_FIN_WAIT, 1, 1002, KEEP, S2C,
	 F | A, 5001, 1001, 0, true, GW_TCP_CLOSING, 1 | 2, KEEP, KEEP, KEEP,
	 5002},
	{"second FIN from client", GW_TCP_FIN_WAIT, 2 | 8, KEEP, 5002, C2S,
	 F | A, 1001, 5002, 0, true, GW_TCP_CLOSING, 1 | 2 | 8, KEEP, 1002,
	 KEEP, 5002},
	{"ACK of last FIN", GW_TCP_CLOSING, 1 | 2 | 4, 1002, 5002, C2S, A, 1002,
	 5002, 0, true, GW_TCP_CLOSED, 15, KEEP, 1002, KEEP, 5002},
	{"ACK short of last FIN", GW_TCP_CLOSING, 1 | 2 | 4, 1002, 5002, C2S, A,
	 1002, 5001, 0, true, GW_TCP_CLOSING, 1 | 2 | 4, KEEP, 1002, KEEP,
	 5002},
	{"ACK of server FIN, client FIN open", GW_TCP_CLOSING, 1 | 2, 1002, 5002,
	 C2S, A, 1002, 5002, 0, true, GW_TCP_CLOSING, 1 | 2 | 8, KEEP, 1002,
	 KEEP, 5002},
	{"ACK of client FIN last", GW_TCP_CLOSING, 1 | 2 | 8, 1002, 5002, S2C,
	 A, 5002, 1002, 0, true, GW_TCP_CLOSED, 15, KEEP, 1002, KEEP, 5002},
	{"last FIN acked across 2^32", GW_TCP_CLOSING, 1 | 2 | 4, 5, 0, C2S, A,
	 5, 0, 0, true, GW_TCP_CLOSED, 15, KEEP, 5, KEEP, 0},
	{"ACK far ahead counts", GW_TCP_CLOSING, 1 | 2 | 4, 1002, 5002, C2S, A,
	 1002, 6000, 0, true, GW_TCP_CLOSED, 15, KEEP, 1002, KEEP, 5002},
	{"segment after close", GW_TCP_CLOSED, 15, 1002, 5002, C2S, A, 1002,
	 5002, 0, true, GW_TCP_CLOSED, 15, KEEP, 1002, KEEP, 5002},
	{"FIN after RST", GW_TCP_CLOSED, 0, KEEP, KEEP, C2S, F | A, 1001, 5001,
	 0, true, GW_TCP_CLOSED, 1, KEEP, 1002, KEEP, KEEP},
};

static void
flow_start(struct gw_flow *f, const struct tcp_vec *v)
{
	memset(f, 0, sizeof(*f));
	f->key.proto = 6;
	f->tcp_state = v->state;
	f->fin_seen = v->fin_seen;
	f->client_isn = 1000;
	f->server_isn = 5000;
	f->client_next_seq = v->state >= GW_TCP_SYN_SENT ? 1001 : 0;
	f->server_next_seq = v->state >= GW_TCP_SYN_RCVD ? 5001 : 0;
	if (v->state == GW_TCP_NONE)
		f->client_isn = f->server_isn = 0;
	else if (v->state == GW_TCP_SYN_SENT)
		f->server_isn = 0;
	if (v->cnext != KEEP)
		f->client_next_seq = v->cnext;
	if (v->snext != KEEP)
		f->server_next_seq = v->snext;
}

static uint32_t
want_or(uint32_t want, uint32_t start)
{
	return want == KEEP ? start : want;
}

START_TEST(test_tcp_vectors)
{
	const struct tcp_vec *v = &tcp_vectors[_i];
	struct gw_flow f, start;
	bool ok;

	flow_start(&f, v);
	start = f;
	ok = gw_flow_tcp_update(&f, v->dir, v->flags, v->seq, v->ack, v->len);
	ck_assert_msg(ok == v->ok, "%s: returned %d", v->name, ok);
	if (!v->ok) {
		ck_assert_msg(memcmp(&f, &start, sizeof(f)) == 0,
			      "%s: refused segment changed the flow", v->name);
		return;
	}
	ck_assert_msg(f.tcp_state == v->want_state, "%s: state %u", v->name,
		      f.tcp_state);
	ck_assert_msg(f.fin_seen == v->want_fin, "%s: fin_seen %#x", v->name,
		      f.fin_seen);
	ck_assert_msg(f.client_isn == want_or(v->want_cisn, start.client_isn),
		      "%s: client_isn %u", v->name, f.client_isn);
	ck_assert_msg(f.client_next_seq ==
			      want_or(v->want_cnext, start.client_next_seq),
		      "%s: client_next_seq %u", v->name, f.client_next_seq);
	ck_assert_msg(f.server_isn == want_or(v->want_sisn, start.server_isn),
		      "%s: server_isn %u", v->name, f.server_isn);
	ck_assert_msg(f.server_next_seq ==
			      want_or(v->want_snext, start.server_next_seq),
		      "%s: server_next_seq %u", v->name, f.server_next_seq);
	/* nothing else moves */
	f.tcp_state = start.tcp_state;
	f.fin_seen = start.fin_seen;
	f.client_isn = start.client_isn;
	f.client_next_seq = start.client_next_seq;
	f.server_isn = start.server_isn;
	f.server_next_seq = start.server_next_seq;
	ck_assert_msg(memcmp(&f, &start, sizeof(f)) == 0, "%s: other fields",
		      v->name);
}
END_TEST

/* Flag combinations refused in every state, from both sides. */
static const uint8_t invalid_flags[] = {
	0,              /* no flags */
	S | F,          /* SYN+FIN */
	S | F | A,
	S | F | P | U,
	S | R,          /* SYN+RST */
	S | R | A,
	S | R | F | A,
	F,              /* FIN without ACK */
	F | P | U,      /* Xmas */
	P,
	U,
	P | U,
	ECE | CWR,
};

START_TEST(test_tcp_invalid_flags)
{
	unsigned int state, dir, i;

	for (state = GW_TCP_NONE; state < GW_TCP_STATE_MAX; state++) {
		for (dir = 0; dir < 2; dir++) {
			for (i = 0; i < GW_ARRAY_SIZE(invalid_flags); i++) {
				struct gw_flow f, start;
				struct tcp_vec v = {.state = (uint8_t)state,
						    .fin_seen = 1,
						    .cnext = KEEP,
						    .snext = KEEP};

				flow_start(&f, &v);
				start = f;
				ck_assert_msg(!gw_flow_tcp_update(&f, dir,
								  invalid_flags[i],
								  1001, 5001, 10),
					      "state %u dir %u flags %#x", state,
					      dir, invalid_flags[i]);
				ck_assert_msg(memcmp(&f, &start, sizeof(f)) == 0,
					      "state %u dir %u flags %#x changed",
					      state, dir, invalid_flags[i]);
			}
		}
	}
}
END_TEST

/* RST closes from any state and either side, with or without ACK/FIN. */
START_TEST(test_tcp_rst)
{
	static const uint8_t rst_flags[] = {R, R | A, R | A | P, R | F | A};
	unsigned int state, dir, i;

	for (state = GW_TCP_NONE; state < GW_TCP_STATE_MAX; state++) {
		for (dir = 0; dir < 2; dir++) {
			for (i = 0; i < GW_ARRAY_SIZE(rst_flags); i++) {
				struct gw_flow f, start;
				struct tcp_vec v = {.state = (uint8_t)state,
						    .cnext = KEEP,
						    .snext = KEEP};

				flow_start(&f, &v);
				start = f;
				ck_assert(gw_flow_tcp_update(&f, dir, rst_flags[i],
							     1001, 5001, 0));
				ck_assert_uint_eq(f.tcp_state, GW_TCP_CLOSED);
				f.tcp_state = start.tcp_state;
				ck_assert_msg(memcmp(&f, &start, sizeof(f)) == 0,
					      "RST changed more than the state");
			}
		}
	}
	/* a state value out of range is refused */
	{
		struct gw_flow f;

		memset(&f, 0, sizeof(f));
		f.tcp_state = GW_TCP_STATE_MAX;
		ck_assert(!gw_flow_tcp_update(&f, C2S, R, 0, 0, 0));
		ck_assert_uint_eq(f.tcp_state, GW_TCP_STATE_MAX);
	}
}
END_TEST

/* Whole conversations, with the timeout that applies after each step. */
struct step {
	enum gw_flow_dir dir;
	uint8_t flags;
	uint32_t seq, ack, len;
	uint8_t want_state;
};

static void
run_steps(const struct step *st, unsigned int n, uint32_t cisn, uint32_t sisn)
{
	static const struct gw_flow_timeouts to = {
		.tcp_syn = 1, .tcp_established = 2, .tcp_fin = 3,
		.tcp_closed = 4, .udp = 5, .icmp = 6, .other = 7};
	static const uint64_t state_to[GW_TCP_STATE_MAX] = {1, 1, 1, 2, 3, 3, 4};
	struct gw_flow_table *t = gw_flow_table_create(4, &to);
	struct gw_addr a, b;
	struct gw_flow_key k;
	struct gw_flow *f;
	unsigned int i;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(gw_addr_parse("10.0.0.1", &a), 0);
	ck_assert_int_eq(gw_addr_parse("192.0.2.1", &b), 0);
	gw_flow_key_make(&k, 0, 0, 6, &a, 40000, &b, 443, NULL);
	f = gw_flow_insert(t, &k, gw_flow_key_hash(&k), 0, 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(gw_flow_timeout(t, f), 1);
	for (i = 0; i < n; i++) {
		uint32_t seq = st[i].seq + (st[i].dir == C2S ? cisn : sisn);
		uint32_t ack = st[i].ack + (st[i].dir == C2S ? sisn : cisn);

		ck_assert_msg(gw_flow_tcp_update(f, st[i].dir, st[i].flags, seq,
						 ack, st[i].len),
			      "step %u refused", i);
		ck_assert_msg(f->tcp_state == st[i].want_state,
			      "step %u: state %u", i, f->tcp_state);
		ck_assert_uint_eq(gw_flow_timeout(t, f),
				  state_to[st[i].want_state]);
	}
	ck_assert_uint_eq(f->client_isn, cisn);
	/* the server's ISN is known once its SYN-ACK passed */
	for (i = 0; i < n; i++)
		if (st[i].dir == S2C && (st[i].flags & S))
			break;
	ck_assert_uint_eq(f->server_isn, i < n ? sisn : 0);
	gw_flow_table_free(t);
}

START_TEST(test_tcp_conversations)
{
	/* seq/ack relative to the sender's/peer's ISN */
	static const struct step client_closes[] = {
		{C2S, S, 0, 0, 0, GW_TCP_SYN_SENT},
		{S2C, S | A, 0, 1, 0, GW_TCP_SYN_RCVD},
		{C2S, A, 1, 1, 0, GW_TCP_ESTABLISHED},
		{C2S, A | P, 1, 1, 517, GW_TCP_ESTABLISHED},
		{S2C, A, 1, 518, 1400, GW_TCP_ESTABLISHED},
		{C2S, A, 518, 1401, 0, GW_TCP_ESTABLISHED},
		{C2S, F | A, 518, 1401, 0, GW_TCP_FIN_WAIT},
		{S2C, A, 1401, 519, 0, GW_TCP_FIN_WAIT},
		{S2C, F | A, 1401, 519, 0, GW_TCP_CLOSING},
		{C2S, A, 519, 1402, 0, GW_TCP_CLOSED},
		{C2S, A, 519, 1402, 0, GW_TCP_CLOSED},
	};
	static const struct step server_closes[] = {
		{C2S, S, 0, 0, 0, GW_TCP_SYN_SENT},
		{C2S, S, 0, 0, 0, GW_TCP_SYN_SENT},
		{S2C, S | A, 0, 1, 0, GW_TCP_SYN_RCVD},
		{S2C, S | A, 0, 1, 0, GW_TCP_SYN_RCVD},
		{C2S, A | P, 1, 1, 100, GW_TCP_ESTABLISHED},
		{S2C, F | A | P, 1, 101, 20, GW_TCP_FIN_WAIT},
		{C2S, F | A, 101, 22, 0, GW_TCP_CLOSING},
		{S2C, A, 22, 102, 0, GW_TCP_CLOSED},
	};
	static const struct step reset[] = {
		{C2S, S, 0, 0, 0, GW_TCP_SYN_SENT},
		{S2C, R | A, 0, 1, 0, GW_TCP_CLOSED},
	};
	static const uint32_t isns[][2] = {
		{1000, 5000}, {0xfffffe00u, 0xffffff00u}, {0xffffffffu, 0}};
	unsigned int i;

	for (i = 0; i < GW_ARRAY_SIZE(isns); i++) {
		run_steps(client_closes, GW_ARRAY_SIZE(client_closes),
			  isns[i][0], isns[i][1]);
		run_steps(server_closes, GW_ARRAY_SIZE(server_closes),
			  isns[i][0], isns[i][1]);
		run_steps(reset, GW_ARRAY_SIZE(reset), isns[i][0], isns[i][1]);
	}
}
END_TEST

/*
 * The inline fast case of gw_flow_tcp_update (plain ACK in ESTABLISHED)
 * must do exactly what the full state machine does: random states, fin
 * bits, flags, sequence numbers and lengths, both entry points on copies.
 */
START_TEST(test_tcp_fast_path_equals_slow)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned int i, fast_cases = 0;

	for (i = 0; i < 200000; i++) {
		struct gw_flow a, b;
		enum gw_flow_dir dir;
		uint32_t seq, ack, len;
		uint8_t flags;
		bool ra, rb;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memset(&a, 0, sizeof(a));
		a.tcp_state = (uint8_t)(x % GW_TCP_STATE_MAX);
		/* mostly ESTABLISHED, where the fast case applies */
		if ((x >> 8) % 4 != 0)
			a.tcp_state = GW_TCP_ESTABLISHED;
		a.fin_seen = a.tcp_state == GW_TCP_ESTABLISHED ? 0 : (x >> 12) & 0xf;
		a.client_next_seq = (uint32_t)(x >> 16);
		a.server_next_seq = (uint32_t)(x >> 24) * 7919u;
		a.client_isn = a.client_next_seq - 1;
		a.server_isn = a.server_next_seq - 1;
		b = a;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		dir = (x & 1) ? S2C : C2S;
		flags = (x >> 1) % 3 != 0 ? (uint8_t)(A | ((x >> 3) & (P | U | ECE | CWR)))
					  : (uint8_t)(x >> 8);
		/* sequence numbers around the expected one, wrapping included */
		seq = (dir == C2S ? a.client_next_seq : a.server_next_seq) +
		      (uint32_t)((int32_t)((x >> 16) % 4001) - 2000);
		ack = (dir == C2S ? a.server_next_seq : a.client_next_seq) +
		      (uint32_t)((int32_t)((x >> 28) % 41) - 20);
		len = (uint32_t)((x >> 40) % 1500);
		if (a.tcp_state == GW_TCP_ESTABLISHED &&
		    (flags & (F | S | R | A)) == A)
			fast_cases++;
		ra = gw_flow_tcp_update(&a, dir, flags, seq, ack, len);
		rb = gw_flow_tcp_update_slow(&b, dir, flags, seq, ack, len);
		ck_assert_int_eq(ra, rb);
		ck_assert_mem_eq(&a, &b, sizeof(a));
	}
	ck_assert_uint_gt(fast_cases, 50000);
}
END_TEST

static Suite *
tcp_suite(void)
{
	Suite *s = suite_create("flow_tcp");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_tcp_vectors, 0, GW_ARRAY_SIZE(tcp_vectors));
	tcase_add_test(tc, test_tcp_invalid_flags);
	tcase_add_test(tc, test_tcp_rst);
	tcase_add_test(tc, test_tcp_conversations);
	tcase_add_test(tc, test_tcp_fast_path_equals_slow);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tcp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
