/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame synthesis for the benchmarks: names, tuples, TLS/HTTP/DNS
 * conversations, bulk data. See gen.h for the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/gw_addr.h"
#include "pkt/gw_csum.h"
#include "pkt/gw_pkt.h"

#include "gen.h"

#define CLIENT_SPACE 16777214u   /* 10.0.0.1 .. 10.255.255.254 */
#define ETH_HLEN 14
#define IP_HLEN 20
#define TCP_HLEN 20
#define UDP_HLEN 8
#define SYN_OPT_LEN 12
#define MIN_FRAME 60             /* 64 B on the wire with the FCS */
#define FCS_LEN 4

static const uint8_t mac_client[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_server[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

static const char *const first_labels[] = {
	"api", "www", "cdn", "static", "login", "auth", "updates", "telemetry",
	"storage", "edge", "media", "assets", "events", "pay", "graph", "mail",
	"push", "sync", "metrics", "download", "app", "portal", "files", "ws",
};
static const char *const regions[] = {
	"eu-west-1", "us-east-2", "ap-south-1", "eu-central-1", "prod", "v2",
};
static const char *const tlds[] = {
	"com", "net", "io", "org", "cloud", "dev", "de", "co.uk", "eu", "tld",
};
static const char syl_cons[] = "bdfgklmnprstvz";
static const char syl_vow[] = "aeiou";

#define N_FIRST (sizeof(first_labels) / sizeof(first_labels[0]))
#define N_REGIONS (sizeof(regions) / sizeof(regions[0]))
#define N_TLDS (sizeof(tlds) / sizeof(tlds[0]))
#define N_SYL ((sizeof(syl_cons) - 1) * (sizeof(syl_vow) - 1))

static const char *const profile_names[GEN_PROF_MAX] = {
	[GEN_PROF_TLS_NEW] = "tls-new",
	[GEN_PROF_BULK] = "bulk",
	[GEN_PROF_HTTP] = "http",
	[GEN_PROF_DNS] = "dns",
	[GEN_PROF_MIX] = "mix",
};
static const char *const size_names[GEN_SIZE_MAX] = {
	[GEN_SIZE_64] = "64",
	[GEN_SIZE_IMIX] = "imix",
	[GEN_SIZE_1500] = "1500",
};

/* ---- small helpers ---- */

uint64_t
gen_mix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

/* murmur3's finaliser: a bijection on 32 bits, so distinct j give distinct domains. */
static uint32_t
mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static uint64_t
rng_next(uint64_t *s)
{
	*s = gen_mix64(*s);
	return *s;
}

/*
 * Random-looking bytes (key shares, ciphertext): a window of a fixed
 * 16 KiB table at a random offset. Per-byte randomness buys nothing here,
 * and filling ~6 KB per connection with a hash would cost the in-process
 * benchmark more wall time than the gateway spends on the connection.
 */
#define NOISE_SIZE 16384
static uint8_t noise[NOISE_SIZE];
static bool noise_ready;

static void
rng_fill(uint64_t *s, uint8_t *p, size_t n)
{
	size_t off;

	if (!noise_ready) {
		uint64_t x = 0x6e6f697365;
		size_t i;

		for (i = 0; i < NOISE_SIZE; i += 8) {
			x = gen_mix64(x);
			memcpy(noise + i, &x, 8);
		}
		noise_ready = true;
	}
	while (n > 0) {
		size_t k = n < NOISE_SIZE / 2 ? n : NOISE_SIZE / 2;

		off = (size_t)(rng_next(s) % (NOISE_SIZE - k + 1));
		memcpy(p, noise + off, k);
		p += k;
		n -= k;
	}
}

static double
unit_interval(uint64_t h)
{
	return (double)(h >> 11) * (1.0 / 9007199254740992.0);
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- configuration ---- */

void
gen_cfg_default(struct gen_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->profile = GEN_PROF_TLS_NEW;
	cfg->size = GEN_SIZE_64;
	cfg->flows = 10000;
	cfg->n_names = 10000;
	cfg->allow_ratio = 0.9;
	cfg->pq_ratio = 0.5;
	cfg->wildcard_ratio = 0.2;
	cfg->servers = 64;
	cfg->data_segs = 2;
	cfg->bulk_pkts = 100;
	cfg->seed = 1;
	cfg->dns_lookup = true;
}

const char *
gen_profile_name(enum gen_profile p)
{
	return p < GEN_PROF_MAX ? profile_names[p] : "?";
}

const char *
gen_size_name(enum gen_size s)
{
	return s < GEN_SIZE_MAX ? size_names[s] : "?";
}

/* "tls-new", "http", "dns", "mix", "bulk-64", "bulk-imix", "bulk-1500". */
int
gen_profile_parse(const char *s, enum gen_profile *p, enum gen_size *sz)
{
	unsigned int i;

	if (strncmp(s, "bulk-", 5) == 0) {
		for (i = 0; i < GEN_SIZE_MAX; i++) {
			if (strcmp(s + 5, size_names[i]) == 0) {
				*p = GEN_PROF_BULK;
				*sz = (enum gen_size)i;
				return 0;
			}
		}
		return -1;
	}
	for (i = 0; i < GEN_PROF_MAX; i++) {
		if (i != GEN_PROF_BULK && strcmp(s, profile_names[i]) == 0) {
			*p = (enum gen_profile)i;
			return 0;
		}
	}
	return -1;
}

/* ---- names ---- */

/* Appends the domain label of entry j: 1..6 syllables, unique per j < 2^32. */
static size_t
put_domain(char *out, uint64_t j, uint64_t seed)
{
	uint32_t x = mix32((uint32_t)j ^ (uint32_t)gen_mix64(seed));
	size_t n = 0;

	/* Bijective numeration: every x gets its own syllable string. */
	do {
		unsigned int d = x % N_SYL;

		out[n++] = syl_cons[d / (sizeof(syl_vow) - 1)];
		out[n++] = syl_vow[d % (sizeof(syl_vow) - 1)];
		x /= N_SYL;
	} while (x > 0);
	return n;
}

static bool
entry_is_wildcard(const struct gen_cfg *cfg, uint64_t j)
{
	return unit_interval(gen_mix64(j ^ cfg->seed ^ UINT64_C(0x57a1d)))
	       < cfg->wildcard_ratio;
}

/* "<prefix>.<domain>.<tld>"; prefix NULL for none. */
static int
compose(const struct gen_cfg *cfg, uint64_t j, const char *prefix,
	char *out, size_t size)
{
	char buf[GEN_NAME_MAX];
	uint64_t h = gen_mix64(j * 31 + cfg->seed);
	size_t n = 0, l;

	if (prefix != NULL) {
		l = strlen(prefix);
		memcpy(buf, prefix, l);
		n = l;
		buf[n++] = '.';
	}
	n += put_domain(buf + n, j, cfg->seed);
	buf[n++] = '.';
	l = strlen(tlds[h % N_TLDS]);
	memcpy(buf + n, tlds[h % N_TLDS], l);
	n += l;
	if (n + 1 > size)
		return -1;
	memcpy(out, buf, n);
	out[n] = '\0';
	return (int)n;
}

int
gen_allow_entry(const struct gen_cfg *cfg, uint64_t j, char *out, size_t size)
{
	uint64_t h = gen_mix64(j ^ (cfg->seed << 1));

	if (entry_is_wildcard(cfg, j))
		return compose(cfg, j, "*", out, size);
	return compose(cfg, j, first_labels[h % N_FIRST], out, size);
}

int
gen_name_for_entry(const struct gen_cfg *cfg, uint64_t j, uint64_t salt,
		   char *out, size_t size)
{
	char sub[64];

	if (!entry_is_wildcard(cfg, j))
		return gen_allow_entry(cfg, j, out, size);
	/* Any depth below the wildcard: "s3.eu-west-1", "cdn", ... */
	if (salt % 3 == 0)
		snprintf(sub, sizeof(sub), "%s.%s", first_labels[salt % N_FIRST],
			 regions[(salt >> 8) % N_REGIONS]);
	else
		snprintf(sub, sizeof(sub), "%s%u", first_labels[salt % N_FIRST],
			 (unsigned int)((salt >> 16) % 10));
	return compose(cfg, j, sub, out, size);
}

static uint64_t
flow_hash(const struct gen_cfg *cfg, uint64_t idx)
{
	return gen_mix64(idx * UINT64_C(0x2545f4914f6cdd1d) ^ cfg->seed);
}

/* The name-space entry flow idx draws its name from. */
static uint64_t
flow_entry(const struct gen_cfg *cfg, uint64_t idx, bool *allowed,
	   uint64_t *salt)
{
	uint64_t h = flow_hash(cfg, idx);
	uint64_t h2 = gen_mix64(h);
	bool allow;

	allow = cfg->n_names > 0 &&
		(cfg->profile == GEN_PROF_BULK ||
		 unit_interval(h) < cfg->allow_ratio);
	if (allowed != NULL)
		*allowed = allow;
	if (salt != NULL)
		*salt = h2 >> 24;
	if (allow)
		return h2 % cfg->n_names;
	return (uint64_t)cfg->n_names + h2 % 0x7fffffffu;
}

int
gen_flow_name(const struct gen_cfg *cfg, uint64_t idx, char *out, size_t size,
	      bool *allowed)
{
	uint64_t salt, j = flow_entry(cfg, idx, allowed, &salt);

	return gen_name_for_entry(cfg, j, salt, out, size);
}

enum gen_profile
gen_flow_kind(const struct gen_cfg *cfg, uint64_t idx)
{
	double u;

	if (cfg->profile != GEN_PROF_MIX)
		return cfg->profile;
	u = unit_interval(gen_mix64(flow_hash(cfg, idx) ^ 0x6d1c));
	if (u < 0.70)
		return GEN_PROF_TLS_NEW;
	if (u < 0.85)
		return GEN_PROF_HTTP;
	return GEN_PROF_DNS;
}

void
gen_flow_tuple(const struct gen_cfg *cfg, uint64_t idx, struct gen_tuple *t)
{
	enum gen_profile kind = gen_flow_kind(cfg, idx);

	uint64_t j = flow_entry(cfg, idx, NULL, NULL);

	t->client = GEN_CLIENT_NET + 1 + (uint32_t)(idx % CLIENT_SPACE);
	t->cport = (uint16_t)(GEN_CLIENT_PORT + idx / CLIENT_SPACE);
	/* Every flow to a name goes to the address DNS gives for it. */
	t->server = gen_entry_server(cfg, j);
	t->proto = GW_PROTO_TCP;
	switch (kind) {
	case GEN_PROF_HTTP:
		t->sport = 80;
		break;
	case GEN_PROF_DNS:
		t->server = GEN_RESOLVER;
		t->sport = 53;
		t->proto = GW_PROTO_UDP;
		break;
	default:
		t->sport = 443;
		break;
	}
}

uint32_t
gen_entry_server(const struct gen_cfg *cfg, uint64_t j)
{
	uint32_t servers = cfg->servers > 0 ? cfg->servers : 1;

	return GEN_SERVER_NET + 1 +
	       (uint32_t)(gen_mix64(j ^ cfg->seed ^ 0x5e7) % servers);
}

/* ---- frames ---- */

static const uint16_t imix_pattern[12] = {
	64, 570, 64, 64, 1518, 64, 570, 64, 64, 570, 64, 570,
};

uint32_t
gen_data_payload_len(const struct gen_cfg *cfg, uint64_t n)
{
	uint32_t wire;
	uint32_t hdr = ETH_HLEN + IP_HLEN + TCP_HLEN + FCS_LEN;

	switch (cfg->size) {
	case GEN_SIZE_IMIX:
		wire = imix_pattern[n % 12];
		break;
	case GEN_SIZE_1500:
		wire = 1518;
		break;
	default:
		wire = 64;
		break;
	}
	return wire - hdr;
}

/*
 * Filler payload: a TLS application-data record header then bytes from a
 * fixed table. Its checksum contribution depends only on the length, so it
 * is computed once per length: frames of established flows are built at
 * millions per second by the in-process benchmark.
 */
static uint8_t fill_table[GEN_MSS];
static uint32_t fill_sum[GEN_MSS + 1];
static bool fill_ready;
static uint8_t fill_sum_ok[GEN_MSS + 1];

static void
fill_init(void)
{
	uint64_t s = 0x5eed;

	if (fill_ready)
		return;
	rng_fill(&s, fill_table, sizeof(fill_table));
	fill_ready = true;
}

static uint32_t
fill_payload(uint8_t *p, uint32_t len)
{
	fill_init();
	memcpy(p, fill_table, len);
	if (len >= 5) {
		p[0] = 0x17;
		p[1] = 0x03;
		p[2] = 0x03;
		put16(p + 3, (uint16_t)(len - 5));
	}
	if (!fill_sum_ok[len]) {
		fill_sum[len] = gw_csum_partial(p, len, 0);
		fill_sum_ok[len] = 1;
	}
	return fill_sum[len];
}

/* Ethernet and tags; returns the offset of the IP header. */
static uint32_t
put_l2(const struct gen_cfg *cfg, enum gen_dir dir, uint8_t *buf)
{
	uint32_t off = 12;

	memcpy(buf, dir == GEN_DIR_C2S ? mac_server : mac_client, 6);
	memcpy(buf + 6, dir == GEN_DIR_C2S ? mac_client : mac_server, 6);
	if (cfg->outer_vlan != 0) {
		put16(buf + off, 0x88a8);
		put16(buf + off + 2, cfg->outer_vlan & 0x0fff);
		off += 4;
	}
	if (cfg->vlan != 0) {
		put16(buf + off, 0x8100);
		put16(buf + off + 2, cfg->vlan & 0x0fff);
		off += 4;
	}
	put16(buf + off, 0x0800);
	return off + 2;
}

static void
put_ipv4(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t proto,
	 uint16_t total_len, uint16_t id)
{
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, total_len);
	put16(ip + 4, id);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	put16(ip + 10, 0);
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, gw_csum_ipv4_hdr(ip, IP_HLEN));
}

/* One's complement sum of the IPv4 pseudo-header. */
static uint32_t
pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t l4_len)
{
	uint32_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) +
		     (dst & 0xffff) + proto + l4_len;

	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

static uint32_t
csum_add(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;

	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

static uint32_t
pad_frame(uint8_t *buf, uint32_t len)
{
	if (len < MIN_FRAME) {
		memset(buf + len, 0, MIN_FRAME - len);
		len = MIN_FRAME;
	}
	return len;
}

uint32_t
gen_tcp_frame(const struct gen_cfg *cfg, const struct gen_tuple *t,
	      enum gen_dir dir, uint8_t flags, uint32_t seq, uint32_t ack,
	      uint16_t ip_id, const uint8_t *payload, uint32_t payload_len,
	      uint8_t *buf, uint32_t *payload_off)
{
	uint32_t l3 = put_l2(cfg, dir, buf);
	uint8_t *ip = buf + l3;
	uint8_t *tcp = ip + IP_HLEN;
	uint32_t thl = TCP_HLEN + ((flags & GW_TCP_SYN) ? SYN_OPT_LEN : 0);
	uint32_t src = dir == GEN_DIR_C2S ? t->client : t->server;
	uint32_t dst = dir == GEN_DIR_C2S ? t->server : t->client;
	uint32_t sum, psum;

	if (payload_len > GEN_MSS)
		payload_len = GEN_MSS;
	put_ipv4(ip, src, dst, GW_PROTO_TCP,
		 (uint16_t)(IP_HLEN + thl + payload_len), ip_id);
	put16(tcp, dir == GEN_DIR_C2S ? t->cport : t->sport);
	put16(tcp + 2, dir == GEN_DIR_C2S ? t->sport : t->cport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = (uint8_t)((thl / 4) << 4);
	tcp[13] = flags;
	put16(tcp + 14, dir == GEN_DIR_C2S ? 64240 : 65160);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	if (flags & GW_TCP_SYN) {
		/* MSS 1460, NOP NOP SACK-permitted, NOP window scale 7. */
		static const uint8_t opts[SYN_OPT_LEN] = {
			0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x04, 0x02,
			0x01, 0x03, 0x03, 0x07,
		};

		memcpy(tcp + TCP_HLEN, opts, sizeof(opts));
	}
	if (payload != NULL) {
		memcpy(tcp + thl, payload, payload_len);
		psum = gw_csum_partial(tcp + thl, payload_len, 0);
	} else {
		psum = fill_payload(tcp + thl, payload_len);
	}
	/* Payload sums were taken from offset 0: thl is even, so they align. */
	sum = pseudo_sum(src, dst, GW_PROTO_TCP, thl + payload_len);
	sum = csum_add(sum, gw_csum_partial(tcp, thl, 0));
	sum = csum_add(sum, psum);
	put16(tcp + 16, gw_csum_finish(sum));
	if (payload_off != NULL)
		*payload_off = l3 + IP_HLEN + thl;
	return pad_frame(buf, l3 + IP_HLEN + thl + payload_len);
}

static uint32_t
udp_frame(const struct gen_cfg *cfg, const struct gen_tuple *t,
	  enum gen_dir dir, uint16_t ip_id, const uint8_t *payload,
	  uint32_t payload_len, uint8_t *buf)
{
	uint32_t l3 = put_l2(cfg, dir, buf);
	uint8_t *ip = buf + l3;
	uint8_t *udp = ip + IP_HLEN;
	uint32_t src = dir == GEN_DIR_C2S ? t->client : t->server;
	uint32_t dst = dir == GEN_DIR_C2S ? t->server : t->client;
	uint32_t sum;
	uint16_t c;

	put_ipv4(ip, src, dst, GW_PROTO_UDP,
		 (uint16_t)(IP_HLEN + UDP_HLEN + payload_len), ip_id);
	put16(udp, dir == GEN_DIR_C2S ? t->cport : t->sport);
	put16(udp + 2, dir == GEN_DIR_C2S ? t->sport : t->cport);
	put16(udp + 4, (uint16_t)(UDP_HLEN + payload_len));
	put16(udp + 6, 0);
	memcpy(udp + UDP_HLEN, payload, payload_len);
	sum = pseudo_sum(src, dst, GW_PROTO_UDP, UDP_HLEN + payload_len);
	sum = csum_add(sum, gw_csum_partial(udp, UDP_HLEN + payload_len, 0));
	c = gw_csum_finish(sum);
	put16(udp + 6, c == 0 ? 0xffff : c);
	return pad_frame(buf, l3 + IP_HLEN + UDP_HLEN + payload_len);
}

/* ---- TLS ---- */

static uint16_t
grease(uint64_t *rng)
{
	uint8_t v = (uint8_t)((rng_next(rng) % 16) << 4 | 0x0a);

	return (uint16_t)(v << 8 | v);
}

/* Extension header helper: writes type, reserves the length, returns body. */
static uint8_t *
ext_begin(uint8_t **p, uint16_t type)
{
	put16(*p, type);
	*p += 4;
	return *p;
}

static void
ext_end(uint8_t **p, uint8_t *body, uint8_t *cur)
{
	put16(body - 2, (uint16_t)(cur - body));
	*p = cur;
}

int
gen_tls_client_hello(uint8_t *out, size_t size, const char *name,
		     size_t name_len, bool pq, uint64_t *rng)
{
	/* Chromium's cipher suites after its GREASE value. */
	static const uint16_t suites[] = {
		0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
		0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
	};
	static const uint16_t sigalgs[] = {
		0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
	};
	uint8_t tmp[4096];
	uint8_t *p = tmp + 9, *b, *q, *exts;
	uint16_t g1 = grease(rng), g2 = grease(rng), g_ext1 = grease(rng);
	uint16_t g_ext2 = grease(rng);
	size_t i, hs_len, total;

	if (name_len > 255)
		return -1;
	if (g_ext2 == g_ext1)
		g_ext2 ^= 0x1010;
	put16(p, 0x0303);                     /* legacy_version */
	p += 2;
	rng_fill(rng, p, 32);                 /* random */
	p += 32;
	*p++ = 32;                            /* legacy_session_id */
	rng_fill(rng, p, 32);
	p += 32;
	put16(p, (uint16_t)(2 * (1 + sizeof(suites) / 2)));
	p += 2;
	put16(p, g1);
	p += 2;
	for (i = 0; i < sizeof(suites) / 2; i++, p += 2)
		put16(p, suites[i]);
	*p++ = 1;                             /* compression: null */
	*p++ = 0;
	exts = p;
	p += 2;

	b = ext_begin(&p, g_ext1);            /* GREASE, empty */
	ext_end(&p, b, b);
	if (name_len > 0) {
		b = ext_begin(&p, 0x0000);    /* server_name */
		q = b;
		put16(q, (uint16_t)(name_len + 3));
		q[2] = 0;
		put16(q + 3, (uint16_t)name_len);
		memcpy(q + 5, name, name_len);
		ext_end(&p, b, q + 5 + name_len);
	}
	b = ext_begin(&p, 0x0017);            /* extended_master_secret */
	ext_end(&p, b, b);
	b = ext_begin(&p, 0xff01);            /* renegotiation_info */
	b[0] = 0;
	ext_end(&p, b, b + 1);
	b = ext_begin(&p, 0x000a);            /* supported_groups */
	q = b + 2;
	put16(q, g2);
	q += 2;
	if (pq) {
		put16(q, 0x6399);             /* X25519Kyber768Draft00 */
		q += 2;
	}
	put16(q, 0x001d);
	put16(q + 2, 0x0017);
	put16(q + 4, 0x0018);
	q += 6;
	put16(b, (uint16_t)(q - b - 2));
	ext_end(&p, b, q);
	b = ext_begin(&p, 0x000b);            /* ec_point_formats */
	b[0] = 1;
	b[1] = 0;
	ext_end(&p, b, b + 2);
	b = ext_begin(&p, 0x0023);            /* session_ticket */
	ext_end(&p, b, b);
	b = ext_begin(&p, 0x0010);            /* ALPN: h2, http/1.1 */
	q = b + 2;
	*q++ = 2;
	memcpy(q, "h2", 2);
	q += 2;
	*q++ = 8;
	memcpy(q, "http/1.1", 8);
	q += 8;
	put16(b, (uint16_t)(q - b - 2));
	ext_end(&p, b, q);
	b = ext_begin(&p, 0x0005);            /* status_request (OCSP) */
	b[0] = 1;
	memset(b + 1, 0, 4);
	ext_end(&p, b, b + 5);
	b = ext_begin(&p, 0x000d);            /* signature_algorithms */
	q = b + 2;
	for (i = 0; i < sizeof(sigalgs) / 2; i++, q += 2)
		put16(q, sigalgs[i]);
	put16(b, (uint16_t)(q - b - 2));
	ext_end(&p, b, q);
	b = ext_begin(&p, 0x0012);            /* signed_certificate_timestamp */
	ext_end(&p, b, b);
	b = ext_begin(&p, 0x0033);            /* key_share */
	q = b + 2;
	put16(q, g2);                         /* GREASE share, 1 byte */
	put16(q + 2, 1);
	q[4] = 0;
	q += 5;
	if (pq) {
		/* Kyber768 public key (1184) then X25519 (32). */
		put16(q, 0x6399);
		put16(q + 2, 1216);
		rng_fill(rng, q + 4, 1216);
		q += 4 + 1216;
	}
	put16(q, 0x001d);
	put16(q + 2, 32);
	rng_fill(rng, q + 4, 32);
	q += 4 + 32;
	put16(b, (uint16_t)(q - b - 2));
	ext_end(&p, b, q);
	b = ext_begin(&p, 0x002d);            /* psk_key_exchange_modes */
	b[0] = 1;
	b[1] = 1;
	ext_end(&p, b, b + 2);
	b = ext_begin(&p, 0x002b);            /* supported_versions */
	b[0] = 6;
	put16(b + 1, grease(rng));
	put16(b + 3, 0x0304);
	put16(b + 5, 0x0303);
	ext_end(&p, b, b + 7);
	b = ext_begin(&p, 0x001b);            /* compress_certificate: brotli */
	b[0] = 2;
	put16(b + 1, 0x0002);
	ext_end(&p, b, b + 3);
	b = ext_begin(&p, 0x4469);            /* application_settings: h2 */
	put16(b, 3);
	b[2] = 2;
	memcpy(b + 3, "h2", 2);
	ext_end(&p, b, b + 5);
	b = ext_begin(&p, 0xfe0d);            /* ECH GREASE (outer) */
	q = b;
	*q++ = 0;                             /* outer ClientHello */
	put16(q, 0x0001);                     /* HKDF-SHA256 */
	put16(q + 2, 0x0001);                 /* AES-128-GCM */
	q += 4;
	*q++ = (uint8_t)rng_next(rng);        /* config_id */
	put16(q, 32);
	rng_fill(rng, q + 2, 32);
	q += 34;
	put16(q, 240);                        /* Chromium: 144..240 */
	rng_fill(rng, q + 2, 240);
	q += 242;
	ext_end(&p, b, q);
	b = ext_begin(&p, g_ext2);            /* GREASE, one zero byte */
	b[0] = 0;
	ext_end(&p, b, b + 1);
	put16(exts, (uint16_t)(p - exts - 2));

	hs_len = (size_t)(p - (tmp + 9));
	total = hs_len + 9;
	if (total > size)
		return -1;
	tmp[0] = 0x16;                        /* handshake record */
	put16(tmp + 1, 0x0301);
	put16(tmp + 3, (uint16_t)(hs_len + 4));
	tmp[5] = 1;                           /* client_hello */
	put24(tmp + 6, (uint32_t)hs_len);
	memcpy(out, tmp, total);
	return (int)total;
}

/* ServerHello, ChangeCipherSpec and encrypted records (certificate...). */
static uint32_t
tls_server_flight(uint8_t *out, uint64_t *rng)
{
	uint8_t *p = out;
	uint32_t enc = 2300 + (uint32_t)(rng_next(rng) % 1200);

	p[0] = 0x16;
	put16(p + 1, 0x0303);
	put16(p + 3, 122);
	p[5] = 2;                             /* server_hello */
	put24(p + 6, 118);
	put16(p + 9, 0x0303);
	rng_fill(rng, p + 11, 32);
	p[43] = 32;
	rng_fill(rng, p + 44, 32);
	put16(p + 76, 0x1301);
	p[78] = 0;
	put16(p + 79, 46);                    /* extensions */
	put16(p + 81, 0x0033);
	put16(p + 83, 36);
	put16(p + 85, 0x001d);
	put16(p + 87, 32);
	rng_fill(rng, p + 89, 32);
	put16(p + 121, 0x002b);
	put16(p + 123, 2);
	put16(p + 125, 0x0304);
	p += 127;
	memcpy(p, "\x14\x03\x03\x00\x01\x01", 6);
	p += 6;
	p[0] = 0x17;
	put16(p + 1, 0x0303);
	put16(p + 3, (uint16_t)enc);
	rng_fill(rng, p + 5, enc);
	p += 5 + enc;
	return (uint32_t)(p - out);
}

static uint32_t
tls_app_data(uint8_t *out, uint32_t len, uint64_t *rng)
{
	uint32_t off = 0;

	/* Records of at most 16 KiB + tag; we never need more than one or two. */
	while (off + 5 < len) {
		uint32_t body = len - off - 5;

		if (body > 16401)
			body = 16401;
		out[off] = 0x17;
		put16(out + off + 1, 0x0303);
		put16(out + off + 3, (uint16_t)body);
		rng_fill(rng, out + off + 5, body);
		off += 5 + body;
	}
	return off;
}

/* ---- HTTP and DNS messages ---- */

static uint32_t
http_request(uint8_t *out, size_t size, const char *name, uint64_t *rng)
{
	static const char *const paths[] = {
		"/", "/v1/status", "/index.html", "/api/v2/items?page=2",
		"/static/app.js", "/updates/manifest.json",
	};
	int n = snprintf((char *)out, size,
			 "GET %s HTTP/1.1\r\nHost: %s\r\n"
			 "User-Agent: egressgw-bench/0.1\r\nAccept: */*\r\n"
			 "Accept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n",
			 paths[rng_next(rng) % 6], name);

	return n > 0 && (size_t)n < size ? (uint32_t)n : 0;
}

static uint32_t
http_response(uint8_t *out, size_t size, uint32_t body, uint64_t *rng)
{
	int n = snprintf((char *)out, size,
			 "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
			 "Content-Length: %u\r\nCache-Control: no-store\r\n\r\n",
			 body);
	static const char text[] = "egressgw-bench response body: the quick brown "
				   "fox jumps over the lazy dog 0123456789\n";
	uint32_t i, start = (uint32_t)(rng_next(rng) % (sizeof(text) - 1));

	if (n <= 0 || (size_t)n + body > size)
		return 0;
	for (i = 0; i < body; i++)
		out[n + i] = (uint8_t)text[(start + i) % (sizeof(text) - 1)];
	return (uint32_t)n + body;
}

static uint32_t
dns_qname(uint8_t *out, const char *name)
{
	uint32_t n = 0;
	const char *s = name;

	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t l = dot != NULL ? (size_t)(dot - s) : strlen(s);

		out[n++] = (uint8_t)l;
		memcpy(out + n, s, l);
		n += (uint32_t)l;
		s += l;
		if (*s == '.')
			s++;
	}
	out[n++] = 0;
	return n;
}

static uint32_t
dns_message(uint8_t *out, uint16_t id, const char *name, bool answer,
	    uint32_t addr)
{
	uint32_t n;

	put16(out, id);
	put16(out + 2, answer ? 0x8180 : 0x0100);
	put16(out + 4, 1);
	put16(out + 6, answer ? 1 : 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	n = 12 + dns_qname(out + 12, name);
	put16(out + n, 1);                    /* A */
	put16(out + n + 2, 1);                /* IN */
	n += 4;
	if (answer) {
		put16(out + n, 0xc00c);
		put16(out + n + 2, 1);
		put16(out + n + 4, 1);
		put32(out + n + 6, 300);
		put16(out + n + 10, 4);
		put32(out + n + 12, addr);
		n += 16;
	}
	return n;
}

/* ---- connections ---- */

enum conn_step {
	ST_LOOKUP_Q = 0, /* DNS query for the name, before the connection */
	ST_LOOKUP_A,     /* the resolver's answer: the server's address */
	ST_SYN,
	ST_SYNACK,
	ST_ACK,
	ST_HELLO,        /* ClientHello / HTTP request (client message) */
	ST_FLIGHT,       /* server flight / HTTP response */
	ST_CLIENT_FIN_MSG, /* TLS: client's ChangeCipherSpec + Finished */
	ST_EXCHANGE,     /* data_segs request/response pairs (sub counts) */
	ST_BULK,         /* bulk data */
	ST_FIN1,
	ST_FIN2,
	ST_FIN3,
	ST_DNS_Q,
	ST_DNS_A,
	ST_DONE,
};

void
gen_conn_init(struct gen_conn *c, const struct gen_cfg *cfg, uint64_t idx)
{
	uint64_t h;
	int n;

	memset(c, 0, offsetof(struct gen_conn, msg));
	c->cfg = cfg;
	c->idx = idx;
	c->kind = (uint8_t)gen_flow_kind(cfg, idx);
	gen_flow_tuple(cfg, idx, &c->t);
	h = gen_mix64(flow_hash(cfg, idx) ^ UINT64_C(0xc0ffee));
	c->rng = h;
	c->cseq = (uint32_t)h;
	c->sseq = (uint32_t)(h >> 32);
	c->c_ip_id = (uint16_t)(h >> 7);
	c->s_ip_id = (uint16_t)(h >> 23);
	c->pq = unit_interval(gen_mix64(h)) < cfg->pq_ratio;
	n = gen_flow_name(cfg, idx, c->name, sizeof(c->name), &c->allowed);
	c->name_len = n > 0 ? (uint8_t)n : 0;
	if (c->kind == GEN_PROF_DNS)
		c->step = ST_DNS_Q;
	else
		c->step = cfg->dns_lookup && c->name_len > 0 ? ST_LOOKUP_Q : ST_SYN;
}

/* Loads the message of the current step into c->msg. */
static void
load_message(struct gen_conn *c, enum gen_dir *dir)
{
	uint32_t len = 0;

	switch (c->step) {
	case ST_HELLO:
		*dir = GEN_DIR_C2S;
		if (c->kind == GEN_PROF_HTTP) {
			len = http_request(c->msg, sizeof(c->msg), c->name,
					   &c->rng);
		} else {
			int n = gen_tls_client_hello(c->msg, sizeof(c->msg),
						     c->name, c->name_len,
						     c->pq, &c->rng);

			len = n > 0 ? (uint32_t)n : 0;
			c->hello_len = len;
		}
		break;
	case ST_FLIGHT:
		*dir = GEN_DIR_S2C;
		if (c->kind == GEN_PROF_HTTP)
			len = http_response(c->msg, sizeof(c->msg),
					    200 + (uint32_t)(rng_next(&c->rng) %
							     (GEN_MSS * 2)),
					    &c->rng);
		else
			len = tls_server_flight(c->msg, &c->rng);
		break;
	case ST_CLIENT_FIN_MSG:
		*dir = GEN_DIR_C2S;
		memcpy(c->msg, "\x14\x03\x03\x00\x01\x01", 6);
		len = 6 + tls_app_data(c->msg + 6, 58, &c->rng);
		break;
	case ST_EXCHANGE:
		if ((c->sub & 1) == 0) {
			*dir = GEN_DIR_C2S;
			if (c->kind == GEN_PROF_HTTP)
				len = http_request(c->msg, sizeof(c->msg),
						   c->name, &c->rng);
			else
				len = tls_app_data(c->msg,
						   100 + (uint32_t)(rng_next(&c->rng) % 300),
						   &c->rng);
		} else {
			uint32_t body = 500 + (uint32_t)(rng_next(&c->rng) %
							 (GEN_MSS * 2));

			*dir = GEN_DIR_S2C;
			if (c->kind == GEN_PROF_HTTP)
				len = http_response(c->msg, sizeof(c->msg),
						    body, &c->rng);
			else
				len = tls_app_data(c->msg, body, &c->rng);
		}
		break;
	default:
		break;
	}
	c->msg_len = len;
	c->msg_off = 0;
}

static enum conn_step
step_after_message(const struct gen_conn *c)
{
	switch (c->step) {
	case ST_HELLO:
		if (!c->allowed)
			return ST_DONE; /* the gateway resets it here */
		return ST_FLIGHT;
	case ST_FLIGHT:
		if (c->kind == GEN_PROF_BULK)
			return ST_BULK;
		if (c->kind == GEN_PROF_HTTP)
			return c->cfg->data_segs > 0 ? ST_EXCHANGE : ST_FIN1;
		return ST_CLIENT_FIN_MSG;
	case ST_CLIENT_FIN_MSG:
		return c->cfg->data_segs > 0 ? ST_EXCHANGE : ST_FIN1;
	default:
		return ST_FIN1;
	}
}

/* Next segment of the current message. */
static uint32_t
message_segment(struct gen_conn *c, uint8_t *buf, enum gen_dir dir)
{
	uint32_t chunk = c->msg_len - c->msg_off;
	bool last;
	uint32_t len;

	if (chunk > GEN_MSS)
		chunk = GEN_MSS;
	last = c->msg_off + chunk == c->msg_len;
	if (dir == GEN_DIR_C2S) {
		len = gen_tcp_frame(c->cfg, &c->t, dir,
				    GW_TCP_ACK | (last ? GW_TCP_PSH : 0),
				    c->cseq, c->sseq, c->c_ip_id++,
				    c->msg + c->msg_off, chunk, buf, NULL);
		c->cseq += chunk;
	} else {
		len = gen_tcp_frame(c->cfg, &c->t, dir,
				    GW_TCP_ACK | (last ? GW_TCP_PSH : 0),
				    c->sseq, c->cseq, c->s_ip_id++,
				    c->msg + c->msg_off, chunk, buf, NULL);
		c->sseq += chunk;
	}
	if (c->step == ST_HELLO && c->kind != GEN_PROF_HTTP)
		c->hello_segs++;
	c->msg_off += chunk;
	return len;
}

uint32_t
gen_conn_next(struct gen_conn *c, uint8_t *buf, enum gen_dir *dir)
{
	const struct gen_cfg *cfg = c->cfg;
	uint32_t len;

	c->data_frame = false;
	c->dns_frame = false;
	for (;;) {
		switch (c->step) {
		case ST_LOOKUP_Q:
		case ST_LOOKUP_A: {
			/* The client's resolver exchange, its own UDP flow. */
			struct gen_tuple lt = {
				.client = c->t.client, .server = GEN_RESOLVER,
				.cport = c->t.cport, .sport = 53,
				.proto = GW_PROTO_UDP,
			};
			bool answer = c->step == ST_LOOKUP_A;
			uint32_t n = dns_message(c->msg, (uint16_t)(c->rng >> 16),
						 c->name, answer, c->t.server);

			*dir = answer ? GEN_DIR_S2C : GEN_DIR_C2S;
			len = udp_frame(cfg, &lt, *dir,
					answer ? c->s_ip_id++ : c->c_ip_id++,
					c->msg, n, buf);
			c->step = answer ? ST_SYN : ST_LOOKUP_A;
			c->dns_frame = true;
			return len;
		}
		case ST_SYN:
			*dir = GEN_DIR_C2S;
			len = gen_tcp_frame(cfg, &c->t, *dir, GW_TCP_SYN,
					    c->cseq, 0, c->c_ip_id++, NULL, 0,
					    buf, NULL);
			c->cseq++;
			c->step = ST_SYNACK;
			return len;
		case ST_SYNACK:
			*dir = GEN_DIR_S2C;
			len = gen_tcp_frame(cfg, &c->t, *dir,
					    GW_TCP_SYN | GW_TCP_ACK, c->sseq,
					    c->cseq, c->s_ip_id++, NULL, 0, buf,
					    NULL);
			c->sseq++;
			c->step = ST_ACK;
			return len;
		case ST_ACK:
			*dir = GEN_DIR_C2S;
			len = gen_tcp_frame(cfg, &c->t, *dir, GW_TCP_ACK,
					    c->cseq, c->sseq, c->c_ip_id++,
					    NULL, 0, buf, NULL);
			c->step = ST_HELLO;
			c->msg_len = 0;
			return len;
		case ST_HELLO:
		case ST_FLIGHT:
		case ST_CLIENT_FIN_MSG:
		case ST_EXCHANGE:
			if (c->msg_len == 0) {
				load_message(c, dir);
				if (c->msg_len == 0)
					return 0; /* cannot happen with sane sizes */
			}
			*dir = c->step == ST_FLIGHT ? GEN_DIR_S2C :
			       c->step == ST_EXCHANGE && (c->sub & 1) ?
							GEN_DIR_S2C :
							GEN_DIR_C2S;
			len = message_segment(c, buf, *dir);
			if (c->msg_off == c->msg_len) {
				c->msg_len = 0;
				if (c->step == ST_EXCHANGE) {
					if (++c->sub >= 2 * cfg->data_segs)
						c->step = ST_FIN1;
				} else {
					c->step = (uint16_t)step_after_message(c);
					c->sub = 0;
				}
				if (c->step == ST_BULK)
					c->established = true;
			}
			return len;
		case ST_BULK:
			if (cfg->bulk_pkts != 0 && c->data_n >= cfg->bulk_pkts) {
				c->step = ST_FIN1;
				continue;
			}
			*dir = (c->data_n & 1) ? GEN_DIR_S2C : GEN_DIR_C2S;
			{
				uint32_t pl = gen_data_payload_len(cfg, c->data_n);

				if (*dir == GEN_DIR_C2S) {
					len = gen_tcp_frame(cfg, &c->t, *dir,
							    GW_TCP_ACK | GW_TCP_PSH,
							    c->cseq, c->sseq,
							    c->c_ip_id++, NULL,
							    pl, buf, NULL);
					c->cseq += pl;
				} else {
					len = gen_tcp_frame(cfg, &c->t, *dir,
							    GW_TCP_ACK | GW_TCP_PSH,
							    c->sseq, c->cseq,
							    c->s_ip_id++, NULL,
							    pl, buf, NULL);
					c->sseq += pl;
				}
			}
			c->data_n++;
			c->data_frame = true;
			return len;
		case ST_FIN1:
			*dir = GEN_DIR_C2S;
			len = gen_tcp_frame(cfg, &c->t, *dir,
					    GW_TCP_FIN | GW_TCP_ACK, c->cseq,
					    c->sseq, c->c_ip_id++, NULL, 0, buf,
					    NULL);
			c->cseq++;
			c->step = ST_FIN2;
			return len;
		case ST_FIN2:
			*dir = GEN_DIR_S2C;
			len = gen_tcp_frame(cfg, &c->t, *dir,
					    GW_TCP_FIN | GW_TCP_ACK, c->sseq,
					    c->cseq, c->s_ip_id++, NULL, 0, buf,
					    NULL);
			c->sseq++;
			c->step = ST_FIN3;
			return len;
		case ST_FIN3:
			*dir = GEN_DIR_C2S;
			len = gen_tcp_frame(cfg, &c->t, *dir, GW_TCP_ACK,
					    c->cseq, c->sseq, c->c_ip_id++,
					    NULL, 0, buf, NULL);
			c->step = ST_DONE;
			return len;
		case ST_DNS_Q:
			*dir = GEN_DIR_C2S;
			c->msg_len = dns_message(c->msg, (uint16_t)c->rng,
						 c->name, false, 0);
			len = udp_frame(cfg, &c->t, *dir, c->c_ip_id++, c->msg,
					c->msg_len, buf);
			c->step = ST_DNS_A;
			return len;
		case ST_DNS_A:
			*dir = GEN_DIR_S2C;
			c->msg_len = dns_message(c->msg, (uint16_t)c->rng,
						 c->name, true,
						 GEN_SERVER_NET + 1 +
							 (uint32_t)(c->idx % 251));
			len = udp_frame(cfg, &c->t, *dir, c->s_ip_id++, c->msg,
					c->msg_len, buf);
			c->msg_len = 0;
			c->step = ST_DONE;
			return len;
		default:
			return 0;
		}
	}
}

uint32_t
gen_lookup_frame(const struct gen_cfg *cfg, uint64_t j, uint64_t client_idx,
		 bool answer, uint8_t *buf)
{
	struct gen_tuple lt = {
		.client = GEN_CLIENT_NET + 1 + (uint32_t)(client_idx % CLIENT_SPACE),
		.server = GEN_RESOLVER,
		.cport = (uint16_t)(GEN_CLIENT_PORT + client_idx / CLIENT_SPACE),
		.sport = 53,
		.proto = GW_PROTO_UDP,
	};
	uint8_t msg[GEN_NAME_MAX + 64];
	char name[GEN_NAME_MAX];
	uint32_t n;

	if (gen_name_for_entry(cfg, j, 0, name, sizeof(name)) < 0)
		return 0;
	n = dns_message(msg, (uint16_t)gen_mix64(j), name, answer,
			gen_entry_server(cfg, j));
	return udp_frame(cfg, &lt, answer ? GEN_DIR_S2C : GEN_DIR_C2S,
			 (uint16_t)j, msg, n, buf);
}
