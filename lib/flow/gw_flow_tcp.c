/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdint.h>

#include "flow/gw_flow.h"
#include "pkt/gw_pkt.h"

/*
 * TCP tracking for a firewall's conntrack, not a TCP implementation: it
 * follows the handshake and the close well enough to choose a timeout and
 * to refuse segments no correct stack sends. Windows are not checked.
 * Only SYN, ACK, FIN and RST matter; PSH, URG, ECE and CWR are ignored.
 *
 * Invalid in every state (return false, nothing changes):
 *   SYN+FIN, SYN+RST, and any segment with none of SYN, RST, ACK (no flags
 *   at all, FIN without ACK, PSH/URG-only "Xmas" probes).
 *
 *   RST (with or without ACK/FIN), either side, any state -> CLOSED
 *
 *   SYN from the client:
 *     NONE, SYN_SENT     -> SYN_SENT; client_isn = seq,
 *                           client_next_seq = seq + 1 + payload (TFO data)
 *                           (a retransmission may carry a new ISN)
 *     SYN_RCVD, seq == client_isn -> unchanged (SYN-ACK lost downstream)
 *     otherwise          -> invalid (mid-flow SYN; on CLOSED the caller
 *                           decides whether to end the old flow and
 *                           create a new one for the reused tuple)
 *   SYN+ACK from the client, SYN without ACK from the server -> invalid
 *     (simultaneous open, or a server SYN before any client SYN)
 *   SYN+ACK from the server:
 *     SYN_SENT           -> SYN_RCVD; server_isn = seq,
 *                           server_next_seq = seq + 1 + payload
 *     SYN_RCVD, ESTABLISHED with seq == server_isn -> unchanged
 *                           (retransmission: the client's ACK was lost)
 *     otherwise          -> invalid
 *   ACK without SYN/RST (with data and/or FIN):
 *     NONE, SYN_SENT     -> invalid
 *     SYN_RCVD           -> from the client: ESTABLISHED, then as below;
 *                           from the server: invalid
 *     ESTABLISHED and later:
 *       *_next_seq = max(next, seq + payload + FIN) (serial arithmetic);
 *       an ack covering the other side's FIN marks that FIN acknowledged;
 *       FIN sets the sender's fin_seen bit;
 *       one FIN -> FIN_WAIT, both -> CLOSING, both acknowledged (the ACK
 *       of the last FIN) -> CLOSED. CLOSED stays CLOSED.
 */

#define TCP_FLAGS_TRACKED (GW_TCP_FIN | GW_TCP_SYN | GW_TCP_RST | GW_TCP_ACK)

/* fin_seen bits (bits 0/1 documented in gw_flow.h). */
#define FIN_CLIENT 0x01
#define FIN_SERVER 0x02
#define FIN_CLIENT_ACKED 0x04
#define FIN_SERVER_ACKED 0x08
#define FIN_BOTH (FIN_CLIENT | FIN_SERVER)
#define FIN_BOTH_ACKED (FIN_CLIENT_ACKED | FIN_SERVER_ACKED)

/* a > b in 32-bit serial arithmetic (RFC 1982). */
static inline bool
seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static bool
tcp_syn(struct gw_flow *f, bool from_client, bool has_ack, uint32_t seq,
	uint32_t payload_len)
{
	if (from_client) {
		if (has_ack)
			return false;
		switch (f->tcp_state) {
		case GW_TCP_NONE:
		case GW_TCP_SYN_SENT:
			f->tcp_state = GW_TCP_SYN_SENT;
			f->client_isn = seq;
			f->client_next_seq = seq + 1 + payload_len;
			return true;
		case GW_TCP_SYN_RCVD:
			return seq == f->client_isn;
		default:
			return false;
		}
	}

	if (!has_ack)
		return false;
	switch (f->tcp_state) {
	case GW_TCP_SYN_SENT:
		f->tcp_state = GW_TCP_SYN_RCVD;
		f->server_isn = seq;
		f->server_next_seq = seq + 1 + payload_len;
		return true;
	case GW_TCP_SYN_RCVD:
	case GW_TCP_ESTABLISHED:
		return seq == f->server_isn;
	default:
		return false;
	}
}

static bool
tcp_segment(struct gw_flow *f, bool from_client, uint8_t flags, uint32_t seq,
	    uint32_t ack, uint32_t payload_len)
{
	uint32_t *own_next, other_next, end;
	uint8_t own_fin, other_fin, other_acked, fin;

	switch (f->tcp_state) {
	case GW_TCP_NONE:
	case GW_TCP_SYN_SENT:
		return false;
	case GW_TCP_SYN_RCVD:
		if (!from_client)
			return false;
		f->tcp_state = GW_TCP_ESTABLISHED;
		break;
	default:
		break;
	}

	if (from_client) {
		own_next = &f->client_next_seq;
		other_next = f->server_next_seq;
		own_fin = FIN_CLIENT;
		other_fin = FIN_SERVER;
		other_acked = FIN_SERVER_ACKED;
	} else {
		own_next = &f->server_next_seq;
		other_next = f->client_next_seq;
		own_fin = FIN_SERVER;
		other_fin = FIN_CLIENT;
		other_acked = FIN_CLIENT_ACKED;
	}

	end = seq + payload_len + ((flags & GW_TCP_FIN) ? 1 : 0);
	if (seq_after(end, *own_next))
		*own_next = end;

	fin = f->fin_seen;
	/* other_next counts the other side's FIN: ack >= it acknowledges the FIN. */
	if ((fin & other_fin) && !seq_after(other_next, ack))
		fin |= other_acked;
	if (flags & GW_TCP_FIN)
		fin |= own_fin;
	f->fin_seen = fin;

	if (f->tcp_state == GW_TCP_CLOSED)
		return true;
	if ((fin & FIN_BOTH) == FIN_BOTH)
		f->tcp_state = (fin & FIN_BOTH_ACKED) == FIN_BOTH_ACKED ?
				       GW_TCP_CLOSED :
				       GW_TCP_CLOSING;
	else if (fin & FIN_BOTH)
		f->tcp_state = GW_TCP_FIN_WAIT;
	return true;
}

bool
gw_flow_tcp_update_slow(struct gw_flow *f, enum gw_flow_dir dir, uint8_t flags,
			uint32_t seq, uint32_t ack, uint32_t payload_len)
{
	bool from_client = dir == GW_DIR_TO_SERVER;

	flags &= TCP_FLAGS_TRACKED;
	if ((flags & (GW_TCP_SYN | GW_TCP_FIN)) == (GW_TCP_SYN | GW_TCP_FIN) ||
	    (flags & (GW_TCP_SYN | GW_TCP_RST)) == (GW_TCP_SYN | GW_TCP_RST) ||
	    (flags & (GW_TCP_SYN | GW_TCP_RST | GW_TCP_ACK)) == 0)
		return false;
	if (f->tcp_state >= GW_TCP_STATE_MAX)
		return false;

	if (flags & GW_TCP_RST) {
		f->tcp_state = GW_TCP_CLOSED;
		return true;
	}
	if (flags & GW_TCP_SYN)
		return tcp_syn(f, from_client, (flags & GW_TCP_ACK) != 0, seq,
			       payload_len);
	return tcp_segment(f, from_client, flags, seq, ack, payload_len);
}
