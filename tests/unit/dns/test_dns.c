/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS parser tests. Messages come from a small encoder (answers described
 * by a spec string, "A www.x.test 192.0.2.1 300; CNAME a.test b.test 60")
 * and from dnsmasq 2.90 on loopback (--local-ttl=300, queried with Python
 * sockets, bytes embedded as hex). Every vector is parsed whole, truncated
 * at every length, and framed for TCP and split at every offset, always
 * right before a guard page. The malformed table holds the RFC 9267 cases.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_addr.h"
#include "common/gw_error.h"
#include "common/gw_util.h"
#include "dns/gw_dns.h"
#include "dns/gw_dns_tcp.h"
#include "gw_test.h"

#define ENC_MAX 4096
#define GBUF_CAP (2 * ENC_MAX + 16)

/* ---- guard-page buffer reused for every prefix ---- */

struct gbuf {
	struct gw_guard g;
	uint8_t *end; /* first byte of the PROT_NONE page */
};

static struct gbuf gb;
static struct gw_dns_msg *msg; /* ~17 KB: not on the stack */

static void
setup(void)
{
	uint8_t *zero = calloc(1, GBUF_CAP);
	uint8_t *p;

	ck_assert_ptr_nonnull(zero);
	p = gw_guard_place(&gb.g, zero, GBUF_CAP);
	free(zero);
	gb.end = p + GBUF_CAP;
	msg = malloc(sizeof(*msg));
	ck_assert_ptr_nonnull(msg);
}

static void
teardown(void)
{
	gw_guard_release(&gb.g);
	free(msg);
}

static uint8_t *
gput(const void *src, size_t len)
{
	uint8_t *dst = gb.end - len;

	ck_assert_uint_le(len, GBUF_CAP);
	memmove(dst, src, len);
	return dst;
}

/* ---- tiny encoder ---- */

struct enc {
	uint8_t b[ENC_MAX];
	size_t n;
};

static void
e_u8(struct enc *e, unsigned int v)
{
	ck_assert_uint_lt(e->n, ENC_MAX);
	e->b[e->n++] = (uint8_t)v;
}

static void
e_u16(struct enc *e, unsigned int v)
{
	e_u8(e, v >> 8 & 0xff);
	e_u8(e, v & 0xff);
}

static void
e_u32(struct enc *e, uint32_t v)
{
	e_u16(e, v >> 16);
	e_u16(e, v & 0xffff);
}

static void
e_bytes(struct enc *e, const void *p, size_t n)
{
	ck_assert_uint_le(e->n + n, ENC_MAX);
	memcpy(e->b + e->n, p, n);
	e->n += n;
}

static void
e_hdr(struct enc *e, unsigned int id, unsigned int flags, unsigned int qd,
      unsigned int an, unsigned int ns, unsigned int ar)
{
	e->n = 0;
	e_u16(e, id);
	e_u16(e, flags);
	e_u16(e, qd);
	e_u16(e, an);
	e_u16(e, ns);
	e_u16(e, ar);
}

/* Labels of a dotted name ("" = none), no terminator. */
static void
e_labels(struct enc *e, const char *dotted)
{
	const char *p = dotted;

	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);

		e_u8(e, (unsigned int)l);
		e_bytes(e, p, l);
		p += l;
		if (*p == '.')
			p++;
	}
}

/* A full name; returns its offset. */
static size_t
e_name(struct enc *e, const char *dotted)
{
	size_t off = e->n;

	e_labels(e, dotted);
	e_u8(e, 0);
	return off;
}

/* Labels then a compression pointer; returns the offset. */
static size_t
e_name_ptr(struct enc *e, const char *prefix, size_t ptr)
{
	size_t off = e->n;

	e_labels(e, prefix);
	e_u16(e, 0xc000 | (unsigned int)ptr);
	return off;
}

static void
e_q(struct enc *e, const char *name, unsigned int type, unsigned int cls)
{
	e_name(e, name);
	e_u16(e, type);
	e_u16(e, cls);
}

static void
e_fixed(struct enc *e, unsigned int type, unsigned int cls, uint32_t ttl,
	unsigned int rdlen)
{
	e_u16(e, type);
	e_u16(e, cls);
	e_u32(e, ttl);
	e_u16(e, rdlen);
}

static void
e_a(struct enc *e, uint32_t ttl, const char *addr)
{
	struct gw_addr a;

	ck_assert_int_eq(gw_addr_parse(addr, &a), 0);
	if (gw_addr_is_v4(&a)) {
		e_fixed(e, GW_DNS_TYPE_A, GW_DNS_CLASS_IN, ttl, 4);
		e_bytes(e, &a.b[12], 4);
	} else {
		e_fixed(e, GW_DNS_TYPE_AAAA, GW_DNS_CLASS_IN, ttl, 16);
		e_bytes(e, a.b, 16);
	}
}

/* CNAME RR body whose target is prefix + pointer (ptr != 0) or a full name. */
static void
e_cname(struct enc *e, uint32_t ttl, const char *prefix, size_t ptr)
{
	size_t rdl_at, start;

	e_fixed(e, GW_DNS_TYPE_CNAME, GW_DNS_CLASS_IN, ttl, 0);
	rdl_at = e->n - 2;
	start = e->n;
	if (ptr != 0)
		e_name_ptr(e, prefix, ptr);
	else
		e_name(e, prefix);
	e->b[rdl_at] = (uint8_t)((e->n - start) >> 8);
	e->b[rdl_at + 1] = (uint8_t)(e->n - start);
}

static void
e_set_u16(struct enc *e, size_t at, unsigned int v)
{
	e->b[at] = (uint8_t)(v >> 8);
	e->b[at + 1] = (uint8_t)v;
}

/*
 * Builds a response: question qname (type A, class IN) and the answers of
 * spec, each "TYPE owner value ttl" (TYPE: A, AAAA, CNAME; owner and
 * CNAME target uncompressed), separated by ';'.
 */
static void
e_answers(struct enc *e, const char *qname, const char *spec)
{
	char buf[2048], *save = NULL, *rr;
	unsigned int an = 0;

	e_hdr(e, 0xbeef, 0x8180, 1, 0, 0, 0);
	e_q(e, qname, GW_DNS_TYPE_A, GW_DNS_CLASS_IN);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (rr = strtok_r(buf, ";", &save); rr != NULL;
	     rr = strtok_r(NULL, ";", &save)) {
		char type[16], owner[300], val[300];
		unsigned int ttl;

		ck_assert_int_eq(sscanf(rr, " %15s %299s %299s %u", type, owner,
					val, &ttl), 4);
		e_name(e, owner);
		if (strcmp(type, "CNAME") == 0)
			e_cname(e, ttl, val, 0);
		else
			e_a(e, ttl, val);
		an++;
	}
	e_set_u16(e, 6, an);
}

/* ---- expectations ---- */

/* Compares m's stored answers with a spec (see e_answers). */
static void
check_answers(const struct gw_dns_msg *m, const char *spec, const char *label)
{
	char buf[4096], *save = NULL, *rr;
	unsigned int i = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (rr = strtok_r(buf, ";", &save); rr != NULL;
	     rr = strtok_r(NULL, ";", &save), i++) {
		char type[16], owner[300], val[300], txt[GW_ADDR_STRLEN];
		const struct gw_dns_rr *a;
		unsigned int ttl;

		ck_assert_int_eq(sscanf(rr, " %15s %299s %299s %u", type, owner,
					val, &ttl), 4);
		ck_assert_msg(i < m->n_answers, "%s: answer %u missing", label, i);
		a = &m->answers[i];
		ck_assert_msg(strcmp(a->name.text, owner) == 0 &&
				      a->name.len == strlen(owner),
			      "%s: answer %u owner %s, want %s", label, i,
			      a->name.text, owner);
		ck_assert_uint_eq(a->ttl, ttl);
		ck_assert_uint_eq(a->rclass, GW_DNS_CLASS_IN);
		ck_assert(!a->name.unsafe);
		if (strcmp(type, "CNAME") == 0) {
			ck_assert_uint_eq(a->type, GW_DNS_TYPE_CNAME);
			ck_assert_str_eq(a->target.text, val);
			ck_assert_uint_eq(a->target.len, strlen(val));
			ck_assert(!a->target.unsafe);
		} else {
			ck_assert_uint_eq(a->type, strcmp(type, "A") == 0 ?
							   GW_DNS_TYPE_A :
							   GW_DNS_TYPE_AAAA);
			gw_addr_to_str(&a->addr, txt, sizeof(txt));
			ck_assert_msg(strcmp(txt, val) == 0,
				      "%s: answer %u addr %s, want %s", label, i,
				      txt, val);
			ck_assert_uint_eq(a->target.len, 0);
		}
	}
	ck_assert_msg(i == m->n_answers, "%s: %u answers, want %u", label,
		      m->n_answers, i);
}

/* Chain expectation: ret, names "a>b>c", addrs "x,y", ttl. */
struct chain_exp {
	int ret;
	const char *names;
	const char *addrs;
	uint32_t ttl;
};

static void
check_chain(const struct gw_dns_msg *m, const struct chain_exp *x,
	    const char *label)
{
	struct gw_dns_chain c;
	char want[4096], got[4096];
	size_t gl = 0;
	int r;

	memset(&c, 0xa5, sizeof(c));
	r = gw_dns_chain_addrs(m, &c);
	ck_assert_msg(r == x->ret, "%s: chain ret %d (%s), want %d", label, r,
		      gw_errname(r), x->ret);
	if (r < 0) {
		ck_assert_uint_eq(c.n_addrs, 0);
		return;
	}
	ck_assert_int_eq(r, c.n_addrs);
	got[0] = '\0';
	for (unsigned int i = 0; i < c.n_names; i++)
		gl += (size_t)snprintf(got + gl, sizeof(got) - gl, "%s%s",
				       i ? ">" : "", c.names[i]->text);
	ck_assert_msg(strcmp(got, x->names) == 0, "%s: chain names %s, want %s",
		      label, got, x->names);
	gl = 0;
	got[0] = '\0';
	for (unsigned int i = 0; i < c.n_addrs; i++) {
		char t[GW_ADDR_STRLEN];

		gw_addr_to_str(&c.addrs[i], t, sizeof(t));
		gl += (size_t)snprintf(got + gl, sizeof(got) - gl, "%s%s",
				       i ? "," : "", t);
	}
	snprintf(want, sizeof(want), "%s", x->addrs);
	ck_assert_msg(strcmp(got, want) == 0, "%s: chain addrs %s, want %s",
		      label, got, want);
	ck_assert_uint_eq(c.ttl, x->ttl);
}

/*
 * Parses buf[0..len) whole and truncated at every length, right before the
 * guard page: the whole message returns want (its length, or where its
 * last RR ends); every prefix shorter than that is malformed, every longer
 * one returns the same.
 */
static void
parse_all_lengths(const uint8_t *buf, size_t len, int want, const char *label)
{
	for (size_t k = 0; k <= len; k++) {
		uint8_t *p = gput(buf, k);
		int r = gw_dns_parse(p, k, msg);
		int exp = k == len ? want :
			  (want > 0 && k >= (size_t)want) ? want :
							    GW_EMALFORMED;

		ck_assert_msg(r == exp, "%s: prefix %zu/%zu: %d (%s), want %d",
			      label, k, len, r, gw_errname(r), exp);
	}
	/* Leave msg holding the whole message's result. */
	ck_assert_int_eq(gw_dns_parse(gput(buf, len), len, msg), want);
}

/*
 * TCP, through the framing of lib/dns/gw_dns_tcp: a stream of `frames`
 * length-prefixed copies of msg[0..len) is delivered in two segments split
 * at every offset, each right before a guard page. Every copy must be
 * handed to the callback whole (in place or assembled) and parse as it
 * does on its own.
 */
#define TCP_ASM_CAP ENC_MAX

struct tcp_expect {
	const uint8_t *msg;
	size_t len;
	int want;           /* gw_dns_parse() of each message */
	size_t n;           /* messages seen */
	const char *label;
};

static int
tcp_msg_cb(void *arg, const uint8_t *m, size_t ml)
{
	struct tcp_expect *x = arg;

	ck_assert_msg(m != NULL, "%s: message %zu skipped as too long",
		      x->label, x->n);
	ck_assert_uint_eq(ml, x->len);
	ck_assert_msg(memcmp(m, x->msg, ml) == 0, "%s: message %zu differs",
		      x->label, x->n);
	ck_assert_msg(gw_dns_parse(m, ml, msg) == x->want,
		      "%s: message %zu over TCP", x->label, x->n);
	x->n++;
	return 0;
}

static void
tcp_splits(const uint8_t *buf, size_t len, unsigned int frames, int want,
	   const char *label)
{
	static uint8_t stream[2 * (ENC_MAX + 2)];
	static uint8_t asm_buf[TCP_ASM_CAP];
	size_t total = frames * (len + 2);

	ck_assert_uint_le(frames, 2);
	ck_assert_uint_le(len, TCP_ASM_CAP);
	for (unsigned int i = 0; i < frames; i++) {
		stream[i * (len + 2)] = (uint8_t)(len >> 8);
		stream[i * (len + 2) + 1] = (uint8_t)len;
		memcpy(stream + i * (len + 2) + 2, buf, len);
	}
	for (size_t k = 0; k <= total; k++) {
		struct tcp_expect x = {buf, len, want, 0, label};
		/* messages wholly inside the first segment */
		int first = (int)(k / (len + 2));
		struct gw_dns_tcp st;
		struct gw_guard g;
		uint8_t *p;
		int r;

		ck_assert_int_eq(gw_dns_tcp_init(&st, asm_buf, TCP_ASM_CAP, 1), 0);
		p = gw_guard_place(&g, stream, k);
		r = gw_dns_tcp_feed(&st, p, k, tcp_msg_cb, &x);
		gw_guard_release(&g);
		ck_assert_msg(r == first, "%s: tcp split %zu: first segment %d",
			      label, k, r);
		p = gw_guard_place(&g, stream + k, total - k);
		r = gw_dns_tcp_feed(&st, p, total - k, tcp_msg_cb, &x);
		gw_guard_release(&g);
		ck_assert_msg(r == (int)frames - first,
			      "%s: tcp split %zu: second segment %d", label, k, r);
		ck_assert_uint_eq(x.n, frames);
		ck_assert(gw_dns_tcp_idle(&st));
	}
}

/* ---- valid vectors ---- */

struct valid_vec {
	const char *label;
	const char *hex;                 /* or */
	void (*build)(struct enc *e);
	int trailing;                    /* bytes after the last RR */
	uint16_t id;
	bool qr, aa, tc, rd, ra;
	uint8_t opcode, rcode;
	uint16_t qd, an, ns, ar;
	const char *qname;
	uint16_t qtype, qclass;
	uint16_t skipped, dropped;
	const char *answers;             /* NULL: checked by extra */
	struct chain_exp chain;
	void (*extra)(const struct gw_dns_msg *m);
};

/* Answer: CNAME to "cdn" + the question's suffix, then A/AAAA owned by it. */
static void
b_compress_suffix(struct enc *e)
{
	size_t tgt;

	e_hdr(e, 0x0102, 0x8180, 1, 3, 0, 0);
	e_q(e, "www.Example.TEST", GW_DNS_TYPE_A, GW_DNS_CLASS_IN);
	e_name_ptr(e, "", 12);
	tgt = e->n + 10;                  /* the CNAME's rdata */
	e_cname(e, 3600, "cdn", 12 + 4); /* "example.test" inside the question */
	e_name_ptr(e, "", tgt);
	e_a(e, 60, "198.51.100.5");
	e_name_ptr(e, "", tgt);
	e_a(e, 120, "2001:db8::5");
}

/* 40 A answers: 32 stored, 8 checked and dropped. */
static void
b_many_answers(struct enc *e)
{
	e_hdr(e, 7, 0x8180, 1, 40, 0, 0);
	e_q(e, "many.test", GW_DNS_TYPE_A, GW_DNS_CLASS_IN);
	for (unsigned int i = 0; i < 40; i++) {
		char a[32];

		snprintf(a, sizeof(a), "10.0.%u.%u", i / 8, i);
		e_name_ptr(e, "", 12);
		e_a(e, 100 + i, a);
	}
}

static void
x_many_answers(const struct gw_dns_msg *m)
{
	struct gw_dns_chain c;

	ck_assert_uint_eq(m->n_answers, GW_DNS_MAX_ANSWERS);
	for (unsigned int i = 0; i < GW_DNS_MAX_ANSWERS; i++) {
		ck_assert_str_eq(m->answers[i].name.text, "many.test");
		ck_assert_uint_eq(m->answers[i].ttl, 100 + i);
		ck_assert_uint_eq(m->answers[i].addr.b[15], i);
	}
	ck_assert_int_eq(gw_dns_chain_addrs(m, &c), GW_DNS_MAX_ANSWERS);
	ck_assert_uint_eq(c.ttl, 100);
}

/* Types and classes that are walked but not stored. */
static void
b_skip_types(struct enc *e)
{
	e_hdr(e, 8, 0x8180, 1, 6, 0, 0);
	e_q(e, "mix.test", GW_DNS_TYPE_A, GW_DNS_CLASS_IN);
	e_name_ptr(e, "", 12); /* TXT */
	e_fixed(e, 16, GW_DNS_CLASS_IN, 5, 4);
	e_bytes(e, "\x03" "abc", 4);
	e_name_ptr(e, "", 12); /* MX with a compressed exchange */
	e_fixed(e, 15, GW_DNS_CLASS_IN, 5, 4);
	e_u16(e, 10);
	e_u16(e, 0xc00c);
	e_name_ptr(e, "", 12); /* A of class CH: 5 bytes, not our format */
	e_fixed(e, GW_DNS_TYPE_A, 3, 5, 5);
	e_bytes(e, "abcde", 5);
	e_name_ptr(e, "", 12);
	e_a(e, 77, "192.0.2.77");
	e_name_ptr(e, "", 12); /* DNAME */
	e_fixed(e, 39, GW_DNS_CLASS_IN, 5, 2);
	e_u16(e, 0xc00c);
	e_name_ptr(e, "", 12); /* CNAME of class ANY (255) */
	e_fixed(e, GW_DNS_TYPE_CNAME, 255, 5, 1);
	e_u8(e, 0);
}

/* NXDOMAIN with an SOA in authority and an OPT in additional. */
static void
b_nxdomain(struct enc *e)
{
	size_t rdl;

	e_hdr(e, 9, 0x8183, 1, 0, 1, 1);
	e_q(e, "nope.example.test", GW_DNS_TYPE_AAAA, GW_DNS_CLASS_IN);
	e_name_ptr(e, "", 12 + 5); /* example.test */
	e_fixed(e, GW_DNS_TYPE_SOA, GW_DNS_CLASS_IN, 900, 0);
	rdl = e->n - 2;
	e_name_ptr(e, "ns1", 12 + 5);
	e_name_ptr(e, "hostmaster", 12 + 5);
	for (int i = 0; i < 5; i++)
		e_u32(e, 3600);
	e_set_u16(e, rdl, (unsigned int)(e->n - rdl - 2));
	e_u8(e, 0); /* OPT: root owner, udp size 1232, no options */
	e_fixed(e, GW_DNS_TYPE_OPT, 1232, 0, 0);
}

static const char name253[] =
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
	"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc."
	"ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";

/* Longest name: 255 bytes in wire form, 253 of text, labels of 63. */
static void
b_name253(struct enc *e)
{
	e_hdr(e, 10, 0x8180, 1, 1, 0, 0);
	e_q(e, name253, GW_DNS_TYPE_A, GW_DNS_CLASS_IN);
	e_name_ptr(e, "", 12);
	e_a(e, 30, "192.0.2.253");
}

static void
x_name253(const struct gw_dns_msg *m)
{
	ck_assert_uint_eq(strlen(name253), 253);
	ck_assert_uint_eq(m->qname.len, 253);
	ck_assert_uint_eq(m->qname.labels, 4);
	ck_assert_uint_eq(m->answers[0].name.len, 253);
}

/*
 * Sixteen pointer jumps: owner k of answer k is one label and a pointer to
 * owner k - 1 (owner 0: the question name). The last owner takes 16 jumps.
 */
static void
b_jumps(struct enc *e, unsigned int n)
{
	size_t prev = 12;

	e_hdr(e, 11, 0x8180, 1, n, 0, 0);
	e_q(e, "z", GW_DNS_TYPE_A, GW_DNS_CLASS_IN);
	for (unsigned int i = 0; i < n; i++) {
		char l[2] = {(char)('a' + i), 0};
		size_t at = e_name_ptr(e, l, prev);

		e_a(e, 1, "192.0.2.1");
		prev = at;
	}
}

static void
b_jumps16(struct enc *e)
{
	b_jumps(e, 16);
}

static void
x_jumps16(const struct gw_dns_msg *m)
{
	ck_assert_str_eq(m->answers[15].name.text,
			 "p.o.n.m.l.k.j.i.h.g.f.e.d.c.b.a.z");
	ck_assert_uint_eq(m->answers[15].name.labels, 17);
}

/* Root question (". NS"), no answer. */
static void
b_root(struct enc *e)
{
	e_hdr(e, 12, 0x0100, 1, 0, 0, 0);
	e_q(e, "", GW_DNS_TYPE_NS, GW_DNS_CLASS_IN);
}

/* TTL with the top bit set counts as 0 (RFC 2181 8). */
static void
b_ttl_msb(struct enc *e)
{
	e_hdr(e, 13, 0x8180, 1, 2, 0, 0);
	e_q(e, "ttl.test", GW_DNS_TYPE_A, GW_DNS_CLASS_IN);
	e_name_ptr(e, "", 12);
	e_a(e, 0x80000000u, "192.0.2.1");
	e_name_ptr(e, "", 12);
	e_a(e, 0x7fffffffu, "192.0.2.2");
}

/* Valid message followed by 3 bytes no count covers. */
static void
b_trailing(struct enc *e)
{
	e_answers(e, "t.test", "A t.test 192.0.2.9 10");
	e_bytes(e, "\xde\xad\x01", 3);
}

/* CNAME whose rdata is only a pointer; A owned via a pointer into rdata. */
static void
b_cname_ptr_only(struct enc *e)
{
	e_hdr(e, 14, 0x8580, 1, 3, 0, 0);
	e_q(e, "alias.test", GW_DNS_TYPE_A, GW_DNS_CLASS_IN);
	e_name(e, "real.test"); /* owner of a TXT, so the name sits before */
	e_fixed(e, 16, GW_DNS_CLASS_IN, 5, 1);
	e_u8(e, 0);
	e_name_ptr(e, "", 12);
	e_cname(e, 40, "", 28);
	e_name_ptr(e, "", 28);
	e_a(e, 50, "203.0.113.1");
}

/* The case-preserving dnsmasq capture, with every answer field checked. */
static void
x_mixed_case(const struct gw_dns_msg *m)
{
	ck_assert(!m->qname.unsafe);
	ck_assert_uint_eq(m->qname.labels, 3);
}

static void
b_chain_other_names(struct enc *e)
{
	e_answers(e, "www.a.test",
		  "A other.test 192.0.2.200 5; CNAME www.a.test b.test 300;"
		  "A www.a.test 192.0.2.66 5; AAAA b.test 2001:db8::b 200;"
		  "A b.test 192.0.2.11 250; A b.test 192.0.2.11 90");
}

static const struct valid_vec valid_vecs[] = {
	{"dnsmasq query", "12340100000100000000000003777777017804746573740000010001",
	 NULL, 0, 0x1234, false, false, false, true, false, 0, 0, 1, 0, 0, 0,
	 "www.x.test", 1, 1, 0, 0, "", {0, "www.x.test", "", 0}, NULL},
	{"dnsmasq A", "12348580000100010000000003777777017804746573740000010001"
		      "c00c000100010000012c0004c0000201",
	 NULL, 0, 0x1234, true, true, false, true, true, 0, 0, 1, 1, 0, 0,
	 "www.x.test", 1, 1, 0, 0, "A www.x.test 192.0.2.1 300",
	 {1, "www.x.test", "192.0.2.1", 300}, NULL},
	{"dnsmasq CNAME chain",
	 "2345858000010003000000000377777705636861696e04746573740000010001c00c"
	 "000500010000012c0010036d696405636861696e047465737400c02c000500010000"
	 "012c000d06746172676574047465737400c048000100010000012c0004c0000207",
	 NULL, 0, 0x2345, true, true, false, true, true, 0, 0, 1, 3, 0, 0,
	 "www.chain.test", 1, 1, 0, 0,
	 "CNAME www.chain.test mid.chain.test 300;"
	 "CNAME mid.chain.test target.test 300; A target.test 192.0.2.7 300",
	 {1, "www.chain.test>mid.chain.test>target.test", "192.0.2.7", 300},
	 NULL},
	{"dnsmasq AAAA + EDNS query",
	 "34560100000100000000000106746172676574047465737400001c00010000290"
	 "4d0000000000000",
	 NULL, 0, 0x3456, false, false, false, true, false, 0, 0, 1, 0, 0, 1,
	 "target.test", 28, 1, 0, 0, "", {0, "target.test", "", 0}, NULL},
	{"dnsmasq AAAA + EDNS",
	 "34568580000100010000000106746172676574047465737400001c0001c00c001c00"
	 "010000012c001020010db800000000000000000000000700002904d0000000000000",
	 NULL, 0, 0x3456, true, true, false, true, true, 0, 0, 1, 1, 0, 1,
	 "target.test", 28, 1, 0, 0, "AAAA target.test 2001:db8::7 300",
	 {1, "target.test", "2001:db8::7", 300}, NULL},
	{"dnsmasq two A",
	 "456785800001000200000000056d756c746904746573740000010001c00c00010001"
	 "0000012c0004c000020ac00c000100010000012c0004c000020b",
	 NULL, 0, 0x4567, true, true, false, true, true, 0, 0, 1, 2, 0, 0,
	 "multi.test", 1, 1, 0, 0,
	 "A multi.test 192.0.2.10 300; A multi.test 192.0.2.11 300",
	 {2, "multi.test", "192.0.2.10,192.0.2.11", 300}, NULL},
	{"dnsmasq mixed case",
	 "56788580000100010000000003577757015804546553740000010001c00c00010001"
	 "0000012c0004c0000201",
	 NULL, 0, 0x5678, true, true, false, true, true, 0, 0, 1, 1, 0, 0,
	 "www.x.test", 1, 1, 0, 0, "A www.x.test 192.0.2.1 300",
	 {1, "www.x.test", "192.0.2.1", 300}, x_mixed_case},
	{"compressed suffix", NULL, b_compress_suffix, 0, 0x0102, true, false,
	 false, true, true, 0, 0, 1, 3, 0, 0, "www.example.test", 1, 1, 0, 0,
	 "CNAME www.example.test cdn.example.test 3600;"
	 "A cdn.example.test 198.51.100.5 60;"
	 "AAAA cdn.example.test 2001:db8::5 120",
	 {2, "www.example.test>cdn.example.test", "198.51.100.5,2001:db8::5",
	  60}, NULL},
	{"40 answers", NULL, b_many_answers, 0, 7, true, false, false, true,
	 true, 0, 0, 1, 40, 0, 0, "many.test", 1, 1, 0, 8, NULL,
	 {32, "many.test", NULL, 100}, x_many_answers},
	{"skipped types", NULL, b_skip_types, 0, 8, true, false, false, true,
	 true, 0, 0, 1, 6, 0, 0, "mix.test", 1, 1, 5, 0,
	 "A mix.test 192.0.2.77 77", {1, "mix.test", "192.0.2.77", 77}, NULL},
	{"NXDOMAIN + SOA + OPT", NULL, b_nxdomain, 0, 9, true, false, false,
	 true, true, 0, 3, 1, 0, 1, 1, "nope.example.test", 28, 1, 0, 0, "",
	 {0, "nope.example.test", "", 0}, NULL},
	{"name 253", NULL, b_name253, 0, 10, true, false, false, true, true, 0,
	 0, 1, 1, 0, 0, name253, 1, 1, 0, 0, NULL,
	 {1, name253, "192.0.2.253", 30}, x_name253},
	{"16 pointer jumps", NULL, b_jumps16, 0, 11, true, false, false, true,
	 true, 0, 0, 1, 16, 0, 0, "z", 1, 1, 0, 0, NULL, {0, "z", "", 0},
	 x_jumps16},
	{"root question", NULL, b_root, 0, 12, false, false, false, true, false,
	 0, 0, 1, 0, 0, 0, "", GW_DNS_TYPE_NS, 1, 0, 0, "", {0, "", "", 0},
	 NULL},
	{"ttl msb", NULL, b_ttl_msb, 0, 13, true, false, false, true, true, 0, 0,
	 1, 2, 0, 0, "ttl.test", 1, 1, 0, 0,
	 "A ttl.test 192.0.2.1 0; A ttl.test 192.0.2.2 2147483647",
	 {2, "ttl.test", "192.0.2.1,192.0.2.2", 0}, NULL},
	{"trailing bytes", NULL, b_trailing, 3, 0xbeef, true, false, false,
	 true, true, 0, 0, 1, 1, 0, 0, "t.test", 1, 1, 0, 0,
	 "A t.test 192.0.2.9 10", {1, "t.test", "192.0.2.9", 10}, NULL},
	{"cname pointer only", NULL, b_cname_ptr_only, 0, 14, true, true, false,
	 true, true, 0, 0, 1, 3, 0, 0, "alias.test", 1, 1, 1, 0,
	 "CNAME alias.test real.test 40; A real.test 203.0.113.1 50",
	 {1, "alias.test>real.test", "203.0.113.1", 40}, NULL},
	{"chain ignores other names", NULL, b_chain_other_names, 0, 0xbeef, true,
	 false, false, true, true, 0, 0, 1, 6, 0, 0, "www.a.test", 1, 1, 0, 0,
	 "A other.test 192.0.2.200 5; CNAME www.a.test b.test 300;"
	 "A www.a.test 192.0.2.66 5; AAAA b.test 2001:db8::b 200;"
	 "A b.test 192.0.2.11 250; A b.test 192.0.2.11 90",
	 {2, "www.a.test>b.test", "2001:db8::b,192.0.2.11", 90}, NULL},
};

static size_t
vec_bytes(const char *hex, void (*build)(struct enc *), struct enc *e)
{
	if (hex != NULL) {
		e->n = gw_test_hex(hex, e->b, sizeof(e->b));
	} else {
		e->n = 0;
		build(e);
	}
	return e->n;
}

START_TEST(test_valid)
{
	const struct valid_vec *v = &valid_vecs[_i];
	static struct enc e;
	size_t len = vec_bytes(v->hex, v->build, &e);
	int want = (int)(len - (size_t)v->trailing);
	const struct gw_dns_hdr *h = &msg->hdr;

	parse_all_lengths(e.b, len, want, v->label);
	ck_assert_uint_eq(h->id, v->id);
	ck_assert_int_eq(h->qr, v->qr);
	ck_assert_int_eq(h->aa, v->aa);
	ck_assert_int_eq(h->tc, v->tc);
	ck_assert_int_eq(h->rd, v->rd);
	ck_assert_int_eq(h->ra, v->ra);
	ck_assert_uint_eq(h->opcode, v->opcode);
	ck_assert_uint_eq(h->rcode, v->rcode);
	ck_assert_uint_eq(h->flags, gw_be16(e.b + 2));
	ck_assert_uint_eq(h->qdcount, v->qd);
	ck_assert_uint_eq(h->ancount, v->an);
	ck_assert_uint_eq(h->nscount, v->ns);
	ck_assert_uint_eq(h->arcount, v->ar);
	ck_assert_str_eq(msg->qname.text, v->qname);
	ck_assert_uint_eq(msg->qname.len, strlen(v->qname));
	ck_assert(!msg->qname.unsafe);
	ck_assert_uint_eq(msg->qtype, v->qtype);
	ck_assert_uint_eq(msg->qclass, v->qclass);
	ck_assert_uint_eq(msg->an_skipped, v->skipped);
	ck_assert_uint_eq(msg->an_dropped, v->dropped);
	if (v->answers != NULL)
		check_answers(msg, v->answers, v->label);
	if (v->chain.addrs != NULL)
		check_chain(msg, &v->chain, v->label);
	if (v->extra != NULL)
		v->extra(msg);
	tcp_splits(e.b, len, 2, want, v->label);
}
END_TEST

/*
 * The TCP answer as dnsmasq sent it (length prefix included), framed by
 * gw_dns_tcp at every split of its segment.
 */
START_TEST(test_tcp_capture)
{
	static const char hex[] =
		"00656789858000010003000000000377777705636861696e0474657374000"
		"0010001c00c000500010000012c0010036d696405636861696e0474657374"
		"00c02c000500010000012c000d06746172676574047465737400c04800010"
		"0010000012c0004c0000207";
	static const struct chain_exp x = {
		1, "www.chain.test>mid.chain.test>target.test", "192.0.2.7", 300};
	uint8_t b[256];
	size_t n = gw_test_hex(hex, b, sizeof(b));

	ck_assert_uint_eq(n, 0x65 + 2);
	ck_assert_uint_eq(gw_be16(b), n - 2);
	tcp_splits(b + 2, n - 2, 1, 0x65, "tcp capture");
	ck_assert_int_eq(gw_dns_parse(gput(b + 2, n - 2), n - 2, msg), 0x65);
	ck_assert_uint_eq(msg->hdr.id, 0x6789);
	check_chain(msg, &x, "tcp capture");
}
END_TEST

/* ---- unsafe and odd names ---- */

static const struct {
	const char *label_hex;  /* one label of the question, length byte included */
	const char *text_hex;   /* expected text */
	bool unsafe;
} names[] = {
	{"03 41 42 43", "61 62 63", false},          /* "ABC" folded */
	{"03 61 2e 62", "61 2e 62", true},           /* dot inside a label */
	{"03 61 00 62", "61 00 62", true},           /* NUL */
	{"03 61 20 62", "61 20 62", true},           /* space */
	{"02 61 0a", "61 0a", true},                 /* control */
	{"02 61 7f", "61 7f", true},                 /* DEL */
	{"02 c3 a9", "c3 a9", true},                 /* 8-bit (UTF-8 e-acute) */
	{"03 2a 5f 2d", "2a 5f 2d", false},          /* "*_-": printable, kept */
	{"04 5b 7e 21 5d", "5b 7e 21 5d", false},    /* "[~!]" */
};

START_TEST(test_names)
{
	static struct enc e;
	uint8_t want[80];
	size_t wl = gw_test_hex(names[_i].text_hex, want, sizeof(want));
	size_t len;

	e_hdr(&e, 1, 0x0100, 1, 0, 0, 0);
	e.n += gw_test_hex(names[_i].label_hex, e.b + e.n, sizeof(e.b) - e.n);
	e_labels(&e, "test");
	e_u8(&e, 0);
	e_u16(&e, 1);
	e_u16(&e, 1);
	len = e.n;
	parse_all_lengths(e.b, len, (int)len, names[_i].label_hex);
	ck_assert_uint_eq(msg->qname.len, wl + 5);
	ck_assert(memcmp(msg->qname.text, want, wl) == 0);
	ck_assert_str_eq(msg->qname.text + wl, ".test");
	ck_assert_int_eq(msg->qname.unsafe, names[_i].unsafe);
	ck_assert_uint_eq(msg->qname.labels, 2);
	{
		struct gw_dns_chain c;
		int want_chain = names[_i].unsafe ? GW_EMALFORMED : 0;

		ck_assert_int_eq(gw_dns_chain_addrs(msg, &c), want_chain);
	}
}
END_TEST

/* An unsafe owner or CNAME target is never matched by the chain. */
START_TEST(test_unsafe_in_answers)
{
	static struct enc e;
	struct gw_dns_chain c;

	/* Owner "a.b" as one label must not be taken for the name a.b. */
	e_hdr(&e, 1, 0x8180, 1, 2, 0, 0);
	e_q(&e, "a.b", GW_DNS_TYPE_A, GW_DNS_CLASS_IN);
	e_u8(&e, 3);
	e_bytes(&e, "a.b", 3);
	e_u8(&e, 0);
	e_a(&e, 10, "192.0.2.66");
	e_name_ptr(&e, "", 12);
	e_a(&e, 10, "192.0.2.1");
	ck_assert_int_eq(gw_dns_parse(gput(e.b, e.n), e.n, msg), (int)e.n);
	ck_assert(msg->answers[0].name.unsafe);
	ck_assert_str_eq(msg->answers[0].name.text, "a.b");
	ck_assert_int_eq(gw_dns_chain_addrs(msg, &c), 1);
	ck_assert_uint_eq(c.addrs[0].b[15], 1);

	/* CNAME to "x y.test": ignored, the question has no address. */
	e_hdr(&e, 1, 0x8180, 1, 2, 0, 0);
	e_q(&e, "q.test", GW_DNS_TYPE_A, GW_DNS_CLASS_IN);
	e_name_ptr(&e, "", 12);
	e_fixed(&e, GW_DNS_TYPE_CNAME, GW_DNS_CLASS_IN, 5, 10);
	e_bytes(&e, "\x03x y\x04test\x00", 10);
	e_bytes(&e, "\x03x y\x04test\x00", 10);
	e_a(&e, 10, "192.0.2.2");
	ck_assert_int_eq(gw_dns_parse(gput(e.b, e.n), e.n, msg), (int)e.n);
	ck_assert_uint_eq(msg->n_answers, 2);
	ck_assert(msg->answers[0].target.unsafe);
	ck_assert(msg->answers[1].name.unsafe);
	ck_assert_int_eq(gw_dns_chain_addrs(msg, &c), 0);
	ck_assert_uint_eq(c.n_names, 1);
}
END_TEST

/* ---- CNAME chains ---- */

static const struct {
	const char *label;
	const char *qname;
	const char *answers;
	struct chain_exp x;
} chains[] = {
	{"two hops", "a.test",
	 "CNAME a.test b.test 100; CNAME b.test c.test 50; A c.test 192.0.2.3 70",
	 {1, "a.test>b.test>c.test", "192.0.2.3", 50}},
	{"three hops, answers out of order", "a.test",
	 "A d.test 192.0.2.4 700; CNAME c.test d.test 600;"
	 "AAAA d.test 2001:db8::4 30; CNAME a.test b.test 400;"
	 "CNAME b.test c.test 500",
	 {2, "a.test>b.test>c.test>d.test", "192.0.2.4,2001:db8::4", 30}},
	{"loop of two", "a.test",
	 "CNAME a.test b.test 1; CNAME b.test a.test 1; A a.test 192.0.2.1 1",
	 {GW_EMALFORMED, NULL, NULL, 0}},
	{"loop to itself", "a.test", "CNAME a.test a.test 1",
	 {GW_EMALFORMED, NULL, NULL, 0}},
	{"loop back into the middle", "a.test",
	 "CNAME a.test b.test 1; CNAME b.test c.test 1; CNAME c.test b.test 1",
	 {GW_EMALFORMED, NULL, NULL, 0}},
	{"conflicting CNAMEs", "a.test",
	 "CNAME a.test b.test 1; CNAME a.test c.test 1; A b.test 192.0.2.1 1",
	 {GW_EMALFORMED, NULL, NULL, 0}},
	{"duplicate CNAME keeps lowest ttl", "a.test",
	 "CNAME a.test b.test 90; CNAME a.test b.test 20; A b.test 192.0.2.1 60",
	 {1, "a.test>b.test", "192.0.2.1", 20}},
	{"eight hops", "h0.test",
	 "CNAME h0.test h1.test 9; CNAME h1.test h2.test 9;"
	 "CNAME h2.test h3.test 9; CNAME h3.test h4.test 9;"
	 "CNAME h4.test h5.test 9; CNAME h5.test h6.test 9;"
	 "CNAME h6.test h7.test 9; CNAME h7.test h8.test 8;"
	 "A h8.test 192.0.2.8 9",
	 {1, "h0.test>h1.test>h2.test>h3.test>h4.test>h5.test>h6.test>"
	     "h7.test>h8.test", "192.0.2.8", 8}},
	{"nine hops", "h0.test",
	 "CNAME h0.test h1.test 9; CNAME h1.test h2.test 9;"
	 "CNAME h2.test h3.test 9; CNAME h3.test h4.test 9;"
	 "CNAME h4.test h5.test 9; CNAME h5.test h6.test 9;"
	 "CNAME h6.test h7.test 9; CNAME h7.test h8.test 9;"
	 "CNAME h8.test h9.test 9; A h9.test 192.0.2.9 9",
	 {GW_ELIMIT, NULL, NULL, 0}},
	{"CNAME and A at one owner: A ignored", "a.test",
	 "A a.test 192.0.2.66 9; CNAME a.test b.test 9; A b.test 192.0.2.2 9",
	 {1, "a.test>b.test", "192.0.2.2", 9}},
	{"dangling CNAME", "a.test", "CNAME a.test b.test 9; A c.test 192.0.2.3 9",
	 {0, "a.test>b.test", "", 9}},
	{"no answer", "a.test", "", {0, "a.test", "", 0}},
	{"duplicate addresses merged", "a.test",
	 "A a.test 192.0.2.1 9; A a.test 192.0.2.1 4; A a.test 192.0.2.2 6",
	 {2, "a.test", "192.0.2.1,192.0.2.2", 4}},
};

START_TEST(test_chains)
{
	static struct enc e;

	e_answers(&e, chains[_i].qname, chains[_i].answers);
	parse_all_lengths(e.b, e.n, (int)e.n, chains[_i].label);
	check_answers(msg, chains[_i].answers, chains[_i].label);
	check_chain(msg, &chains[_i].x, chains[_i].label);
}
END_TEST

START_TEST(test_chain_other_class)
{
	static struct enc e;
	struct gw_dns_chain c;

	e_answers(&e, "a.test", "A a.test 192.0.2.1 9");
	e.b[12 + 8 + 3] = 3; /* qclass CH */
	ck_assert_int_eq(gw_dns_parse(e.b, e.n, msg), (int)e.n);
	ck_assert_uint_eq(msg->qclass, 3);
	ck_assert_int_eq(gw_dns_chain_addrs(msg, &c), 0);
	ck_assert_uint_eq(c.n_names, 1);
	ck_assert_int_eq(gw_dns_chain_addrs(NULL, &c), GW_EINVAL);
	ck_assert_int_eq(gw_dns_chain_addrs(msg, NULL), GW_EINVAL);
}
END_TEST

/* ---- malformed ---- */

#define HDR1(an, ns, ar) "0001 8180 0001 " an " " ns " " ar " "
/* www.x.test A IN, at 12..27 */
#define QWWW "03777777 0178 0474657374 00 0001 0001 "
#define A_RR(owner) owner " 0001 0001 0000012c 0004 c0000201 "

static void
b_label64(struct enc *e)
{
	e_hdr(e, 1, 0x0100, 1, 0, 0, 0);
	e_u8(e, 64);
	for (int i = 0; i < 64; i++)
		e_u8(e, 'a');
	e_u8(e, 0);
	e_u16(e, 1);
	e_u16(e, 1);
}

static void
b_name256(struct enc *e)
{
	char n[300];

	snprintf(n, sizeof(n), "%sd", name253); /* labels 63.63.63.62 */
	ck_assert_uint_eq(strlen(n), 254);
	e_hdr(e, 1, 0x0100, 1, 0, 0, 0);
	e_q(e, n, 1, 1);
}

/* 255-byte question, answer owner = 1 label + pointer to it: 257. */
static void
b_name_long_via_ptr(struct enc *e)
{
	e_hdr(e, 1, 0x8180, 1, 1, 0, 0);
	e_q(e, name253, 1, 1);
	e_name_ptr(e, "a", 12);
	e_a(e, 1, "192.0.2.1");
}

/* Within 255 on its own, 256 with the suffix it points to. */
static void
b_name_long_via_ptr2(struct enc *e)
{
	e_hdr(e, 1, 0x8180, 1, 1, 0, 0);
	e_q(e, "x", 1, 1);
	e_labels(e, name253);               /* 254 bytes of labels */
	e_u16(e, 0xc00c);                   /* + "x" (2) + root (1) = 257 */
	e_a(e, 1, "192.0.2.1");
}

static void
b_jumps17(struct enc *e)
{
	b_jumps(e, 17);
}

/*
 * A backward pointer to a label that runs over the pointer itself: the
 * last two bytes of a TXT rdata are "03 'x'", the next owner is a pointer
 * to them. Read without the "name ends before the pointer" bound, the
 * label would swallow the pointer and the owner would parse.
 */
static void
b_ptr_overlap(struct enc *e)
{
	size_t rd;

	e_hdr(e, 1, 0x8180, 1, 2, 0, 0);
	e_q(e, "q", 1, 1);
	e_name_ptr(e, "", 12);
	e_fixed(e, 16, GW_DNS_CLASS_IN, 5, 2);
	rd = e->n;
	e_bytes(e, "\x03" "x", 2);
	e_u16(e, 0xc000 | (unsigned int)rd);
	e_a(e, 1, "192.0.2.1");
}

static const struct {
	const char *label;
	const char *hex;
	void (*build)(struct enc *e);
} bad[] = {
	{"empty header", "", NULL},
	{"header 11 bytes", "0001 8180 0001 0000 0000 00", NULL},
	{"qdcount 0", "0001 8180 0000 0000 0000 0000", NULL},
	{"qdcount 0 with question", "0001 8180 0000 0000 0000 0000" QWWW, NULL},
	{"qdcount 2, one question", "0001 8180 0002 0000 0000 0000" QWWW, NULL},
	{"qdcount 2, two questions",
	 "0001 8180 0002 0000 0000 0000" QWWW QWWW, NULL},
	{"qdcount 1, no question", "0001 8180 0001 0000 0000 0000", NULL},
	{"question without root", HDR1("0000", "0000", "0000") "03777777 0178",
	 NULL},
	{"question without type", HDR1("0000", "0000", "0000")
	 "03777777 0178 0474657374 00 0001", NULL},
	{"question forward pointer", HDR1("0000", "0000", "0000")
	 "c00e 00 0001 0001", NULL},
	{"question pointer to itself", HDR1("0000", "0000", "0000")
	 "c00c 0001 0001", NULL},
	{"question pointer into header", HDR1("0000", "0000", "0000")
	 "c004 0001 0001", NULL},
	{"question pointer to 0", HDR1("0000", "0000", "0000")
	 "c000 0001 0001", NULL},
	{"question pointer beyond message", HDR1("0000", "0000", "0000")
	 "ffff 0001 0001", NULL},
	{"label then pointer back to it (loop)", HDR1("0000", "0000", "0000")
	 "0161 c00c 0001 0001", NULL},
	{"reserved label type 0x40", HDR1("0000", "0000", "0000")
	 "40 00 0001 0001", NULL},
	{"reserved label type 0x7f", HDR1("0000", "0000", "0000")
	 "7f 00 0001 0001", NULL},
	{"reserved label type 0x80", HDR1("0000", "0000", "0000")
	 "80 00 0001 0001", NULL},
	{"reserved label type 0xbf", HDR1("0000", "0000", "0000")
	 "bf 00 0001 0001", NULL},
	{"label of 64", NULL, b_label64},
	{"name of 256 bytes", NULL, b_name256},
	{"name over 255 through a pointer", NULL, b_name_long_via_ptr},
	{"name over 255: labels then pointer", NULL, b_name_long_via_ptr2},
	{"17 pointer jumps", NULL, b_jumps17},
	{"pointer to a label overlapping the pointer", NULL, b_ptr_overlap},
	{"answer pointer truncated", HDR1("0001", "0000", "0000") QWWW "c0", NULL},
	{"answers forward pointer loop", HDR1("0002", "0000", "0000") QWWW
	 A_RR("0162 c02e") A_RR("0163 c01c"), NULL},
	{"answer pointer to its own start", HDR1("0001", "0000", "0000") QWWW
	 A_RR("c01c"), NULL},
	{"answer reserved 0x80", HDR1("0001", "0000", "0000") QWWW
	 A_RR("80"), NULL},
	{"ancount 2, one answer", HDR1("0002", "0000", "0000") QWWW
	 A_RR("c00c"), NULL},
	{"ancount 0xffff", HDR1("ffff", "0000", "0000") QWWW A_RR("c00c"), NULL},
	{"nscount 1, none", HDR1("0001", "0001", "0000") QWWW A_RR("c00c"),
	 NULL},
	{"arcount 0xffff", HDR1("0000", "0000", "ffff") QWWW A_RR("c00c"),
	 NULL},
	{"RR fixed part truncated", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0001 0001 0000", NULL},
	{"rdata truncated", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0001 0001 0000012c 0004 c00002", NULL},
	{"rdlength past the end", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0001 0001 0000012c 0010 c0000201", NULL},
	{"A rdlength 5", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0001 0001 0000012c 0005 c000020101", NULL},
	{"A rdlength 3", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0001 0001 0000012c 0003 c00002", NULL},
	{"A rdlength 0", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0001 0001 0000012c 0000", NULL},
	{"AAAA rdlength 4", HDR1("0001", "0000", "0000") QWWW
	 "c00c 001c 0001 0000012c 0004 c0000201", NULL},
	{"AAAA rdlength 17", HDR1("0001", "0000", "0000") QWWW
	 "c00c 001c 0001 0000012c 0011 20010db8000000000000000000000001 00",
	 NULL},
	{"CNAME rdata longer than its name", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0005 0001 0000012c 0004 0161 00 00", NULL},
	{"CNAME rdata shorter than its name", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0005 0001 0000012c 0002 0161 00", NULL},
	{"CNAME rdlength 0", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0005 0001 0000012c 0000", NULL},
	{"CNAME pointer split by rdata end", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0005 0001 0000012c 0001 c0 0c", NULL},
	{"CNAME target forward pointer", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0005 0001 0000012c 0002 c02a", NULL},
	{"CNAME target pointer to itself", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0005 0001 0000012c 0002 c028", NULL},
	{"CNAME target reserved label", HDR1("0001", "0000", "0000") QWWW
	 "c00c 0005 0001 0000012c 0002 4100", NULL},
	{"authority bad owner", HDR1("0000", "0001", "0000") QWWW
	 "80 0002 0001 00000000 0000", NULL},
	{"authority forward pointer", HDR1("0000", "0001", "0000") QWWW
	 "c01e 0002 0001 00000000 0000", NULL},
	{"additional rdlength overrun", HDR1("0000", "0000", "0001") QWWW
	 "00 0029 04d0 00000000 0008 000a0004", NULL},
	{"additional after good answer truncated",
	 HDR1("0001", "0000", "0001") QWWW A_RR("c00c") "00 0029 04d0", NULL},
};

START_TEST(test_malformed)
{
	static struct enc e;
	size_t len = vec_bytes(bad[_i].hex, bad[_i].build, &e);

	parse_all_lengths(e.b, len, GW_EMALFORMED, bad[_i].label);
}
END_TEST

/*
 * The boundary of every limit, both sides: a valid twin of each length
 * limit parses (guards against a limit that is off by one).
 */
START_TEST(test_limits_valid_side)
{
	static struct enc e;

	/* Label of 63. */
	e_hdr(&e, 1, 0x0100, 1, 0, 0, 0);
	e_u8(&e, 63);
	for (int i = 0; i < 63; i++)
		e_u8(&e, 'a');
	e_u8(&e, 0);
	e_u16(&e, 1);
	e_u16(&e, 1);
	parse_all_lengths(e.b, e.n, (int)e.n, "label 63");
	ck_assert_uint_eq(msg->qname.len, 63);

	/* 255 bytes through a pointer: 253 of text. */
	e_hdr(&e, 1, 0x8180, 1, 1, 0, 0);
	e_q(&e, "x", 1, 1);
	e_labels(&e, name253 + 2);           /* 251 of text: 252 of labels */
	e_u16(&e, 0xc00c);                   /* + 2 + root = 255 */
	e_a(&e, 1, "192.0.2.1");
	parse_all_lengths(e.b, e.n, (int)e.n, "255 via pointer");
	ck_assert_uint_eq(msg->answers[0].name.len, 253);
	ck_assert_str_eq(msg->answers[0].name.text + 251, ".x");

	/* Pointer to the byte right before it (strictly backward). */
	e_hdr(&e, 1, 0x8180, 1, 1, 0, 0);
	e_q(&e, "", 1, 1);                    /* root at 12, type at 13 */
	e_name_ptr(&e, "", 12);
	e_a(&e, 1, "192.0.2.1");
	parse_all_lengths(e.b, e.n, (int)e.n, "pointer to root question");
	ck_assert_uint_eq(msg->answers[0].name.len, 0);
}
END_TEST

START_TEST(test_null_args)
{
	uint8_t b[12] = {0, 1, 0, 0, 0, 1};

	ck_assert_int_eq(gw_dns_parse(NULL, 12, msg), GW_EMALFORMED);
	ck_assert_int_eq(gw_dns_parse(b, 12, NULL), GW_EMALFORMED);
}
END_TEST

static Suite *
dns_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("valid");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_valid, 0, GW_ARRAY_SIZE(valid_vecs));
	tcase_add_test(tc, test_tcp_capture);
	tcase_add_loop_test(tc, test_names, 0, GW_ARRAY_SIZE(names));
	tcase_add_test(tc, test_unsafe_in_answers);
	tcase_add_test(tc, test_limits_valid_side);
	tcase_add_test(tc, test_null_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("chain");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_chains, 0, GW_ARRAY_SIZE(chains));
	tcase_add_test(tc, test_chain_other_class);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_malformed, 0, GW_ARRAY_SIZE(bad));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dns_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
