/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Traffic synthesis for egressgw's benchmarks (DPDK-free): frames of whole
 * TCP/UDP conversations, built one frame at a time so that millions of
 * flows need no memory beyond the connections in flight.
 *
 * Every flow is a pure function of (configuration, flow index): its
 * addresses, ports, initial sequence numbers, its name and whether the name
 * is on the allowlist. The same index therefore gives the same flow in a
 * pcap, in the in-process benchmark and in the memif generator, and the
 * allowlist of the benchmark policy (gen_allow_entry) is built from the
 * same names.
 *
 * Tuples (documented for the pktgen-dpdk lab scripts, which must match):
 *   client  10.0.0.1 + (idx mod 16777214), port 40000 + idx / 16777214
 *   server  198.18.0.1 + (hash of the name's entry mod servers), port 443
 *           (TLS, bulk), 80 (HTTP): one name, one address, as DNS says
 *   DNS     to the resolver 198.18.255.53:53
 * With dns_lookup (the default) every TCP conversation starts with the
 * client's DNS query for its name and the resolver's answer (the server's
 * address): egressgw's name binding (strict by default) only allows a name
 * at an address DNS gave for it.
 * Frame sizes are wire sizes with the 4-byte FCS, as in RFC 2544: a "64 B"
 * frame is 60 bytes in a buffer (+4 per VLAN tag).
 */

#define GEN_FRAME_MAX 1536   /* 1514 + two VLAN tags, rounded */
#define GEN_MSS 1460         /* TCP payload per segment */
#define GEN_MSG_MAX 8192     /* longest message a connection segments */
#define GEN_NAME_MAX 256

/* RFC 2544 benchmarking range, the servers; and the clients. */
#define GEN_SERVER_NET 0xc6120000u   /* 198.18.0.0 */
#define GEN_RESOLVER 0xc612ff35u     /* 198.18.255.53 */
#define GEN_CLIENT_NET 0x0a000000u   /* 10.0.0.0 */
#define GEN_CLIENT_PORT 40000

enum gen_profile {
	GEN_PROF_TLS_NEW = 0,  /* full TLS connections */
	GEN_PROF_BULK,         /* handshake, then data segments both ways */
	GEN_PROF_HTTP,         /* HTTP/1.1 request and response */
	GEN_PROF_DNS,          /* DNS query and answer over UDP */
	GEN_PROF_MIX,          /* 70 % TLS, 15 % HTTP, 15 % DNS by flow */
	GEN_PROF_MAX
};

enum gen_size {
	GEN_SIZE_64 = 0,       /* 64 B frames */
	GEN_SIZE_IMIX,         /* 7:4:1 of 64 / 570 / 1518 B */
	GEN_SIZE_1500,         /* 1518 B frames (1500 B IP packets) */
	GEN_SIZE_MAX
};

/* Direction of a frame: the client sends on the LAN side. */
enum gen_dir {
	GEN_DIR_C2S = 0,       /* client -> server: enters the gateway's LAN port */
	GEN_DIR_S2C = 1,       /* server -> client: enters the WAN port */
};

struct gen_cfg {
	enum gen_profile profile;
	enum gen_size size;      /* data frames of the bulk profile */
	uint64_t flows;          /* flows in the run (gen writes this many) */
	uint32_t n_names;        /* allowlist size: entries 0..n_names-1 */
	double allow_ratio;      /* share of flows with an allowed name, 0..1 */
	double pq_ratio;         /* share of TLS flows with a ~1.9 KB hello */
	double wildcard_ratio;   /* share of allowlist entries that are *.domain */
	uint16_t vlan;           /* 802.1Q VID, 0: untagged */
	uint16_t outer_vlan;     /* 802.1ad outer VID (QinQ), 0: none */
	uint32_t servers;        /* distinct server addresses */
	uint32_t data_segs;      /* request/response exchanges per TLS/HTTP flow */
	uint64_t bulk_pkts;      /* data frames per bulk flow, 0: unbounded */
	uint64_t seed;
	bool dns_lookup;         /* TCP conversations start with a DNS lookup */
};

void gen_cfg_default(struct gen_cfg *cfg);
const char *gen_profile_name(enum gen_profile p);
int gen_profile_parse(const char *s, enum gen_profile *p, enum gen_size *sz);
const char *gen_size_name(enum gen_size s);

/*
 * Names. Entry j of the name space is an exact name ("api.dolumeki.com") or,
 * for a share of entries, a wildcard ("*.dolumeki.com"); domains are unique
 * per entry. The allowlist is entries 0..n_names-1; a denied name is drawn
 * from entries at n_names and above, so it looks like an allowed one but is
 * on no list. Returns the length written (out is NUL-terminated).
 */
int gen_allow_entry(const struct gen_cfg *cfg, uint64_t j, char *out,
		    size_t size);
/* A name that entry j allows (for a wildcard, a subdomain of it); `salt`
 * picks among the subdomains. */
int gen_name_for_entry(const struct gen_cfg *cfg, uint64_t j, uint64_t salt,
		       char *out, size_t size);
/* The name flow idx asks for and whether it is on the allowlist. */
int gen_flow_name(const struct gen_cfg *cfg, uint64_t idx, char *out,
		  size_t size, bool *allowed);

/* The flow's kind under the configured profile (mix picks per flow). */
enum gen_profile gen_flow_kind(const struct gen_cfg *cfg, uint64_t idx);

struct gen_tuple {
	uint32_t client;         /* host order */
	uint32_t server;
	uint16_t cport;
	uint16_t sport;
	uint8_t proto;
};

void gen_flow_tuple(const struct gen_cfg *cfg, uint64_t idx,
		    struct gen_tuple *t);

/* The server address of every flow to entry j's name (host order). */
uint32_t gen_entry_server(const struct gen_cfg *cfg, uint64_t j);

/*
 * A DNS query (answer == false, client -> resolver) or its answer (the
 * address of gen_entry_server) for entry j's name, from the client of flow
 * client_idx. Benchmarks that keep dns_lookup off send these first, once
 * per name, so that the gateway has learnt the bindings; returns the frame
 * length.
 */
uint32_t gen_lookup_frame(const struct gen_cfg *cfg, uint64_t j,
			  uint64_t client_idx, bool answer, uint8_t *buf);

/* Payload bytes of data frame number n of a bulk flow (size profile). */
uint32_t gen_data_payload_len(const struct gen_cfg *cfg, uint64_t n);

/*
 * One TCP frame of flow t into buf (GEN_FRAME_MAX bytes): Ethernet, the
 * configured tags, IPv4, TCP (flags as on the wire), payload (may be NULL:
 * then filled with a TLS application-data pattern). Checksums are correct.
 * Returns the frame length; *payload_off gets the payload's offset.
 */
uint32_t gen_tcp_frame(const struct gen_cfg *cfg, const struct gen_tuple *t,
		       enum gen_dir dir, uint8_t flags, uint32_t seq,
		       uint32_t ack, uint16_t ip_id, const uint8_t *payload,
		       uint32_t payload_len, uint8_t *buf,
		       uint32_t *payload_off);

/*
 * A connection being generated. Initialise it for a flow index, then call
 * gen_conn_next until it returns 0. Every frame depends only on the
 * configuration and the index.
 */
struct gen_conn {
	const struct gen_cfg *cfg;
	struct gen_tuple t;
	uint64_t idx;
	uint64_t rng;
	uint8_t kind;            /* enum gen_profile (never MIX) */
	bool allowed;
	bool pq;
	bool established;        /* handshake and name exchange done (bulk data phase) */
	bool data_frame;         /* the last frame was a bulk data frame */
	bool dns_frame;          /* the last frame was the DNS lookup before it */
	uint16_t step;           /* internal: position in the conversation */
	uint32_t sub;            /* internal: counter within the step */
	uint32_t cseq;           /* next sequence number of the client */
	uint32_t sseq;           /* next sequence number of the server */
	uint16_t c_ip_id;
	uint16_t s_ip_id;
	uint64_t data_n;         /* data frames sent (bulk) */
	uint32_t msg_len;        /* message being segmented */
	uint32_t msg_off;
	uint32_t hello_len;      /* ClientHello bytes (TLS), for tests */
	uint32_t hello_segs;     /* segments the ClientHello took */
	uint8_t name_len;
	char name[GEN_NAME_MAX];
	uint8_t msg[GEN_MSG_MAX];
};

void gen_conn_init(struct gen_conn *c, const struct gen_cfg *cfg,
		   uint64_t idx);
/*
 * Builds the connection's next frame into buf (GEN_FRAME_MAX bytes), sets
 * *dir and returns its length; returns 0 when the connection is over. A
 * connection whose name is denied ends after its ClientHello / request (the
 * gateway resets it there).
 */
uint32_t gen_conn_next(struct gen_conn *c, uint8_t *buf, enum gen_dir *dir);

/*
 * A realistic TLS 1.3 ClientHello record (Chromium's shape: GREASE, ALPN,
 * ECH GREASE 0xfe0d; with pq an X25519Kyber768 key share, ~1.9 KB) for
 * `name` into out. Returns its length or -1 when out is too small.
 */
int gen_tls_client_hello(uint8_t *out, size_t size, const char *name,
			 size_t name_len, bool pq, uint64_t *rng);

/* splitmix64: the hash behind every per-flow choice. */
uint64_t gen_mix64(uint64_t x);

#endif /* BENCH_GEN_H */
