/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_DNS_H
#define GW_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gw_addr.h"

/*
 * DNS message parser (RFC 1035 4.1), DPDK-free, no allocation. It reads one
 * complete message (a UDP payload, or the message of one TCP frame, see
 * gw_dns_tcp.h) and extracts what the gateway judges and learns from:
 * the header, the one question, and the A, AAAA and CNAME answers.
 *
 * Names are decoded into fixed buffers of the output (compression makes a
 * view into the input impossible) as dotted text: A-Z folded to a-z, no
 * trailing dot, the root name as the empty string. Other bytes are kept as
 * they are, but a name with a '.' or a byte outside 0x21..0x7e (NUL, space,
 * control, 8-bit) inside a label is flagged `unsafe`: its text no longer
 * says which labels it has, so the gateway denies on it and
 * gw_dns_chain_addrs never follows it.
 *
 * Enforced (anything else is GW_EMALFORMED; a message is always complete,
 * so a short one is malformed, never GW_INCOMPLETE):
 *  - header of 12 bytes; qdcount == 1 (0 or several questions are legal in
 *    RFC 1035 but have no single name to judge, so they are refused);
 *  - counts that cannot fit: every RR takes at least 11 bytes, so
 *    ancount + nscount + arcount RRs must fit in what follows the question;
 *  - names: label types 0x40 and 0x80 (reserved, RFC 6891 9) refused;
 *    labels <= 63 (implied by the type bits); <= 255 bytes in wire form
 *    counting every label followed through pointers, hence <= 253 of text;
 *    compression pointers only backward (RFC 9267 2): a pointer must point
 *    strictly before its own position, not into the header, and the name
 *    it points to must end before that position too (the name read after
 *    a jump is bounded by the pointer's offset), so a chain of pointers
 *    always moves backward and cannot loop; at most GW_DNS_MAX_PTR_JUMPS
 *    jumps per name all the same;
 *  - every RR complete (10 fixed bytes after its name, then RDLENGTH bytes
 *    of RDATA within the message);
 *  - answers of class IN: A has RDLENGTH 4, AAAA 16, CNAME exactly one name
 *    whose bytes in place end at the end of RDATA (it may point back into
 *    the message).
 * Authority and additional sections are walked for bounds: their owner
 * names are decoded (same rules) and their RDATA skipped by RDLENGTH, so a
 * count that lies fails here instead of leaving trailing RRs unchecked.
 * Bytes after the last RR are not read: the return value (bytes consumed)
 * is then smaller than len.
 *
 * TTLs with the top bit set are stored as 0 (RFC 2181 8).
 */

#define GW_DNS_PORT 53
#define GW_DNS_HEADER_LEN 12
#define GW_DNS_LABEL_MAX 63
#define GW_DNS_NAME_WIRE_MAX 255
#define GW_DNS_NAME_TEXT_MAX 253
#define GW_DNS_MAX_PTR_JUMPS 16
#define GW_DNS_MAX_ANSWERS 32
/* CNAME hops gw_dns_chain_addrs follows; names in a chain: hops + 1. */
#define GW_DNS_CHAIN_MAX_HOPS 8
#define GW_DNS_CHAIN_MAX_NAMES (GW_DNS_CHAIN_MAX_HOPS + 1)

#define GW_DNS_TYPE_A 1
#define GW_DNS_TYPE_NS 2
#define GW_DNS_TYPE_CNAME 5
#define GW_DNS_TYPE_SOA 6
#define GW_DNS_TYPE_AAAA 28
#define GW_DNS_TYPE_OPT 41
#define GW_DNS_CLASS_IN 1

#define GW_DNS_RCODE_NOERROR 0
#define GW_DNS_RCODE_FORMERR 1
#define GW_DNS_RCODE_SERVFAIL 2
#define GW_DNS_RCODE_NXDOMAIN 3
#define GW_DNS_RCODE_REFUSED 5

struct gw_dns_hdr {
	uint16_t id;
	uint16_t flags;  /* raw second 16-bit word */
	bool qr;         /* response */
	uint8_t opcode;  /* 0 QUERY, 4 NOTIFY, 5 UPDATE, ... */
	bool aa, tc, rd, ra, ad, cd;
	uint8_t rcode;   /* header RCODE (4 bits; no EDNS extension) */
	uint16_t qdcount, ancount, nscount, arcount;
};

/* A decoded name ("gw_dns_name" is taken by the policy's dns.allow entries). */
struct gw_dns_dname {
	char text[GW_DNS_NAME_TEXT_MAX + 1]; /* NUL after len bytes */
	uint16_t len;                        /* 0..253, 0 = root */
	uint8_t labels;                      /* label count, 0 = root */
	bool unsafe;                         /* see the header comment */
};

struct gw_dns_rr {
	struct gw_dns_dname name;   /* owner */
	uint16_t type;              /* A, AAAA or CNAME */
	uint16_t rclass;            /* always GW_DNS_CLASS_IN */
	uint32_t ttl;               /* seconds, 0..2^31-1 */
	struct gw_addr addr;        /* A (IPv4-mapped), AAAA; zero for CNAME */
	struct gw_dns_dname target; /* CNAME; empty for A, AAAA */
};

struct gw_dns_msg {
	struct gw_dns_hdr hdr;
	struct gw_dns_dname qname;
	uint16_t qtype, qclass;
	uint16_t n_answers;       /* entries in answers[] */
	uint16_t an_skipped;      /* answer RRs of other types or classes (walked, not stored) */
	uint16_t an_dropped;      /* A/AAAA/CNAME IN answers beyond GW_DNS_MAX_ANSWERS (checked, not stored) */
	struct gw_dns_rr answers[GW_DNS_MAX_ANSWERS]; /* in message order */
};

/*
 * Parses one DNS message msg[0..len). Returns the bytes consumed (the end
 * of the last RR of the additional section, > 0) or GW_EMALFORMED. On
 * GW_EMALFORMED the content of out is unspecified.
 */
int gw_dns_parse(const uint8_t *msg, size_t len, struct gw_dns_msg *out);

/*
 * Addresses an answer gives for its question, following CNAMEs.
 * names[0] is the question name, names[i] the target of the CNAME owned by
 * names[i - 1]; the pointers point into the gw_dns_msg given (which must
 * outlive the chain). addrs are the distinct A/AAAA addresses owned by the
 * last name, ttl the smallest TTL of the CNAMEs followed and of those
 * addresses (of the CNAMEs only when there is no address; 0 when neither).
 */
struct gw_dns_chain {
	uint16_t n_names;
	const struct gw_dns_dname *names[GW_DNS_CHAIN_MAX_NAMES];
	uint16_t n_addrs;
	struct gw_addr addrs[GW_DNS_MAX_ANSWERS];
	uint32_t ttl;
};

/*
 * Builds the chain of m's question (class IN; other classes yield the
 * question name alone and no address). At each name the CNAME owned by it
 * is followed; A/AAAA answers owned by a name that has a CNAME are
 * ignored (RFC 1034 3.6.2: such a name has no other data). Answers whose
 * owner or target is unsafe are ignored: their text could equal a
 * different, safe name. Only the stored answers (the first
 * GW_DNS_MAX_ANSWERS of A/AAAA/CNAME) are looked at: a link beyond them
 * ends the chain early, without its addresses. Whether to learn from m
 * (a response, rcode NOERROR, from an allowed resolver, matching a query)
 * is the caller's decision.
 * Returns n_addrs (>= 0); GW_EMALFORMED if the question name is unsafe or
 * the CNAMEs loop, or two CNAMEs with different targets share an owner
 * on the chain; GW_ELIMIT past GW_DNS_CHAIN_MAX_HOPS CNAMEs. On error out
 * holds no address (n_addrs 0).
 */
int gw_dns_chain_addrs(const struct gw_dns_msg *m, struct gw_dns_chain *out);

#endif /* GW_DNS_H */
