/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_RECORD_H
#define GW_RECORD_H

#include <stdint.h>

#include "common/gw_addr.h"

/*
 * Fixed-size flow record pushed by value from a worker to the control plane
 * over the worker's own ring (rte_ring_*_elem). Workers never wait: a full
 * ring is counted (ring_lost) and the record dropped.
 */

enum gw_record_type {
	GW_REC_START = 1,   /* flow created */
	GW_REC_VERDICT = 2, /* verdict reached (allow or deny, reason, name) */
	GW_REC_END = 3,     /* flow ended (expired, closed, reset): counters */
	GW_REC_DNS = 4,     /* a DNS query or answer on an allowed DNS flow */
	GW_REC_VERIFY = 5,  /* please resolve `name` (a binding is missing) */
	GW_REC_UPDATE = 6,  /* interim counters (cumulative) of a long allowed flow */
	GW_REC_NAT = 7,     /* an SNAT mapping was created / deleted (nat_event) */
};

/* Name-binding outcome of an allowed name (gw_record.bind_state). */
enum gw_bind_state {
	GW_BIND_STATE_NONE = 0,     /* not checked (binding off, no name) */
	GW_BIND_STATE_BOUND = 1,    /* destination is an address DNS gave for the name */
	GW_BIND_STATE_MISMATCH = 2, /* not bound: denied (strict) or logged (log) */
};

#define GW_REC_DNS_ADDRS 8

#define GW_REC_NAME_MAX 256   /* name bytes kept (raw from the wire, escaped at output) */
#define GW_REC_ROLE_MAX 64
#define GW_REC_METHOD_MAX 16
#define GW_REC_ALPN_MAX 16

struct gw_record {
	uint8_t type;          /* enum gw_record_type */
	uint8_t verdict;       /* enum gw_flow_verdict */
	uint8_t reason;        /* enum gw_reason (deny) */
	uint8_t app;           /* enum gw_app: what carried the name */
	uint8_t proto;
	uint8_t af;            /* GW_AF_INET / GW_AF_INET6 */
	uint8_t worker;
	uint8_t ech;           /* ClientHello carried ECH (0xfe0d) */
	uint8_t end_state;     /* enum gw_tcp_state at end */
	uint8_t end_cause;     /* 0 timeout, 1 closed (FIN), 2 reset, 3 shutdown, 4 denied */
	uint8_t rule_kind;     /* enum gw_rule_kind */
	uint8_t severity;      /* C2 alert severity */
	uint8_t bind_state;    /* enum gw_bind_state */
	uint8_t dns_type;      /* GW_REC_DNS: 1 query, 2 answer */
	uint8_t dns_rcode;
	uint8_t dns_n_addrs;   /* addresses of the answer chain (<= GW_REC_DNS_ADDRS) */
	uint16_t dns_id;
	uint16_t dns_qtype;
	uint32_t dns_ttl;      /* chain TTL of an answer */
	uint16_t vlan_outer;
	uint16_t vlan_inner;
	uint16_t sport;        /* client (inside host) port */
	uint16_t dport;
	uint16_t tls_version;  /* highest offered (supported_versions or legacy) */
	uint8_t name_len;      /* 0..255 */
	uint8_t method_len;
	int32_t rule_index;
	uint32_t sig_id;       /* C2 signature id when reason == c2_signature */
	uint64_t flow_id;
	uint64_t ts_ns;        /* CLOCK_REALTIME ns (replay: capture time) */
	uint64_t start_ns;     /* flow start, same clock */
	uint64_t pkts_toserver;
	uint64_t pkts_toclient;
	uint64_t bytes_toserver;
	uint64_t bytes_toclient;
	struct gw_addr src;    /* client (inside host) */
	struct gw_addr dst;
	char role[GW_REC_ROLE_MAX];       /* NUL-terminated, "" when unknown */
	char method[GW_REC_METHOD_MAX];   /* HTTP method, NUL-terminated */
	char alpn[GW_REC_ALPN_MAX];       /* first ALPN protocol, NUL-terminated (escaped at output) */
	uint8_t name[GW_REC_NAME_MAX];    /* SNI, Host or DNS question name, name_len bytes */
	struct gw_addr dns_addrs[GW_REC_DNS_ADDRS];
	struct gw_addr snat_addr; /* nat mode: the translated source (has_snat) */
	uint16_t snat_port;
	uint8_t has_snat;
	uint8_t nat_event;     /* GW_REC_NAT: 1 created, 2 deleted */
};

#endif /* GW_RECORD_H */
