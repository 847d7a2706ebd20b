/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/l3 wire formats: ARP, ND, ICMP replies/errors, TTL decrement. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "gw_test.h"
#include "l3/gw_arp.h"
#include "l3/gw_icmp_build.h"
#include "l3/gw_l3_if.h"
#include "l3/gw_nd.h"
#include "l3_test_util.h"
#include "pkt/gw_pkt.h"

static const uint8_t GW_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t HOST_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t ZERO6[6];

/* ---- ARP parser ---- */

struct arp_vec {
	const char *name;
	const char *hex;
	int rc;          /* whole input */
	size_t bad_end;  /* MALFORMED from this many bytes on (0: valid) */
};

static const struct arp_vec arp_vecs[] = {
	{"request", "0001 0800 06 04 0001 020000000099 c0a80a32 000000000000 c0a80a01",
	 GW_ARP_LEN, 0},
	{"reply", "0001 0800 06 04 0002 020000000099 c0a80a32 020000000001 c0a80a01",
	 GW_ARP_LEN, 0},
	{"padded", "0001 0800 06 04 0001 020000000099 c0a80a32 000000000000 c0a80a01"
		   "000000000000000000000000000000000000", GW_ARP_LEN, 0},
	{"htype 6", "0006 0800 06 04 0001 020000000099 c0a80a32 000000000000 c0a80a01",
	 GW_EMALFORMED, 2},
	{"ptype v6", "0001 86dd 06 04 0001 020000000099 c0a80a32 000000000000 c0a80a01",
	 GW_EMALFORMED, 4},
	{"hlen 8", "0001 0800 08 04 0001 020000000099 c0a80a32 000000000000 c0a80a01",
	 GW_EMALFORMED, 5},
	{"plen 16", "0001 0800 06 10 0001 020000000099 c0a80a32 000000000000 c0a80a01",
	 GW_EMALFORMED, 6},
	{"op 3 (rarp)", "0001 0800 06 04 0003 020000000099 c0a80a32 000000000000 c0a80a01",
	 GW_EMALFORMED, 8},
	{"op 0", "0001 0800 06 04 0000 020000000099 c0a80a32 000000000000 c0a80a01",
	 GW_EMALFORMED, 8},
};

START_TEST(test_arp_parse_vectors)
{
	const struct arp_vec *v = &arp_vecs[_i];
	uint8_t buf[128];
	size_t len = gw_test_hex(v->hex, buf, sizeof(buf)), k;
	struct gw_guard g;
	struct gw_arp a;
	uint8_t *p;
	int rc;

	for (k = 0; k <= len; k++) {
		int want;

		if (k == len)
			want = v->rc;
		else if (v->bad_end != 0 && k >= v->bad_end)
			want = GW_EMALFORMED;
		else if (v->bad_end == 0 && k >= GW_ARP_LEN)
			want = GW_ARP_LEN; /* padding cut short */
		else
			want = GW_INCOMPLETE;
		memset(&a, 0, sizeof(a));
		p = gw_guard_place(&g, buf, k);
		rc = gw_arp_parse(p, k, &a);
		ck_assert_msg(rc == want, "%s: len %zu: rc %d want %d", v->name,
			      k, rc, want);
		if (rc == GW_ARP_LEN) {
			ck_assert_ptr_eq(a.sha, p + 8);
			ck_assert_ptr_eq(a.spa, p + 14);
			ck_assert_ptr_eq(a.tha, p + 18);
			ck_assert_ptr_eq(a.tpa, p + 24);
			ck_assert_uint_eq(a.op, rd16(buf + 6));
			ck_assert(!gw_arp_is_gratuitous(&a));
		}
		gw_guard_release(&g);
	}
}
END_TEST

/* ---- ARP builders ---- */

static const struct gw_l2_encap encaps[] = {
	{0, 0, 0},
	{10, 0, 0},
	{10, 100, 0},
	{4094, 7, GW_TPID_8021Q},
};

/* Parses a built ARP frame with gw_pkt_parse and gw_arp_parse. */
static void
check_arp_frame(const uint8_t *f, int len, const struct gw_l2_encap *e,
		const uint8_t *eth_dst, uint16_t op, const uint8_t *sha,
		const uint8_t *spa, const uint8_t *tha, const uint8_t *tpa)
{
	struct gw_pkt_meta m;
	struct gw_arp a;
	size_t l2 = 14 + (e->vid ? 4 : 0) + (e->outer_vid ? 4 : 0), i;

	ck_assert_int_eq(len, 60);
	ck_assert_int_eq(gw_pkt_parse(f, (size_t)len, false, 0, &m), GW_PKT_OK);
	ck_assert_uint_eq(m.kind, GW_PKT_ARP);
	ck_assert_uint_eq(m.l2_len, l2);
	ck_assert_uint_eq(m.n_tags, (e->vid ? 1 : 0) + (e->outer_vid ? 1 : 0));
	ck_assert_uint_eq(m.vlan_inner, e->vid);
	ck_assert_uint_eq(m.vlan_outer, e->outer_vid ? e->outer_vid : e->vid);
	if (e->outer_vid)
		ck_assert_uint_eq(rd16(f + 12),
				  e->outer_tpid ? e->outer_tpid : 0x88a8);
	ck_assert_mem_eq(f, eth_dst, 6);
	ck_assert_mem_eq(f + 6, GW_MAC, 6);
	ck_assert_int_eq(gw_arp_parse(f + l2, (size_t)len - l2, &a),
			 GW_ARP_LEN);
	ck_assert_uint_eq(a.op, op);
	ck_assert_mem_eq(a.sha, sha, 6);
	ck_assert_mem_eq(a.spa, spa, 4);
	ck_assert_mem_eq(a.tha, tha, 6);
	ck_assert_mem_eq(a.tpa, tpa, 4);
	for (i = l2 + GW_ARP_LEN; i < 60; i++)
		ck_assert_uint_eq(f[i], 0);
}

START_TEST(test_arp_build)
{
	const struct gw_l2_encap *e = &encaps[_i];
	const uint8_t my_ip[4] = {192, 168, 10, 1}, host_ip[4] = {192, 168, 10, 50};
	uint8_t out[128], req[128];
	struct gw_arp r;
	int n;

	n = gw_arp_build_request(out, sizeof(out), e, GW_MAC, my_ip, host_ip,
				 NULL);
	check_arp_frame(out, n, e, BCAST, 1, GW_MAC, my_ip, ZERO6, host_ip);
	n = gw_arp_build_request(out, sizeof(out), e, GW_MAC, my_ip, host_ip,
				 HOST_MAC);
	check_arp_frame(out, n, e, HOST_MAC, 1, GW_MAC, my_ip, ZERO6, host_ip);
	n = gw_arp_build_gratuitous(out, sizeof(out), e, GW_MAC, my_ip);
	check_arp_frame(out, n, e, BCAST, 1, GW_MAC, my_ip, ZERO6, my_ip);
	ck_assert_int_eq(gw_arp_parse(out + n - 60 + 14 + (e->vid ? 4 : 0) +
					      (e->outer_vid ? 4 : 0),
				      GW_ARP_LEN, &r),
			 GW_ARP_LEN);
	ck_assert(gw_arp_is_gratuitous(&r));

	/* a host's request, answered */
	n = gw_arp_build(req, sizeof(req), e, BCAST, GW_MAC, 1, HOST_MAC,
			 host_ip, ZERO6, my_ip);
	ck_assert_int_eq(n, 60);
	ck_assert_int_eq(gw_arp_parse(req + 14 + (e->vid ? 4 : 0) +
					      (e->outer_vid ? 4 : 0),
				      GW_ARP_LEN, &r),
			 GW_ARP_LEN);
	n = gw_arp_build_reply(out, sizeof(out), e, GW_MAC, my_ip, &r);
	check_arp_frame(out, n, e, HOST_MAC, 2, GW_MAC, my_ip, HOST_MAC,
			host_ip);

	ck_assert_int_eq(gw_arp_build_request(out, 59, e, GW_MAC, my_ip,
					      host_ip, NULL),
			 GW_ENOSPC);
	ck_assert_int_eq(gw_arp_build(out, sizeof(out), e, BCAST, GW_MAC, 3,
				      GW_MAC, my_ip, ZERO6, my_ip),
			 GW_EINVAL);
}
END_TEST

START_TEST(test_l2_encap_invalid)
{
	const struct gw_l2_encap outer_only = {0, 5, 0}, big = {4095, 0, 0};
	uint8_t out[64];

	ck_assert_int_eq(gw_l2_hdr_len(NULL), 14);
	ck_assert_int_eq(gw_l2_hdr_len(&outer_only), GW_EINVAL);
	ck_assert_int_eq(gw_l2_hdr_len(&big), GW_EINVAL);
	ck_assert_int_eq(gw_l2_write(out, sizeof(out), BCAST, GW_MAC,
				     &outer_only, 0x0806),
			 GW_EINVAL);
	ck_assert_int_eq(gw_l2_write(out, 17, BCAST, GW_MAC, &encaps[1],
				     0x0806),
			 GW_ENOSPC);
	ck_assert_int_eq(gw_l2_write(out, 18, BCAST, GW_MAC, &encaps[1],
				     0x0806),
			 18);
}
END_TEST

/* ---- nat-mode interface table used by the answer tests ---- */

static void
make_ifs(struct gw_l3_ifs *ifs)
{
	memset(ifs, 0, sizeof(*ifs));
	ifs->n_ifs = 3;
	ifs->ifs[0].role = GW_L3_LAN;
	ifs->ifs[0].encap.vid = 10;
	memcpy(ifs->ifs[0].mac, GW_MAC, 6);
	ifs->ifs[0].has_v4 = true;
	ifs->ifs[0].v4 = A("192.168.10.1");
	ifs->ifs[0].v4_plen = 24;
	ifs->ifs[0].has_v6 = true;
	ifs->ifs[0].v6 = A("2001:db8:10::1");
	ifs->ifs[0].v6_plen = 64;
	ifs->ifs[0].has_v6_ll = true;
	ifs->ifs[0].v6_ll = A("fe80::1");
	ifs->ifs[1].role = GW_L3_LAN;
	ifs->ifs[1].encap.vid = 20;
	memcpy(ifs->ifs[1].mac, GW_MAC, 6);
	ifs->ifs[1].has_v4 = true;
	ifs->ifs[1].v4 = A("192.168.20.1");
	ifs->ifs[1].v4_plen = 24;
	ifs->ifs[2].role = GW_L3_WAN;
	memcpy(ifs->ifs[2].mac, GW_MAC, 6);
	ifs->ifs[2].has_v4 = true;
	ifs->ifs[2].v4 = A("203.0.113.2");
	ifs->ifs[2].v4_plen = 24;
	ifs->ifs[2].has_v6 = true;
	ifs->ifs[2].v6 = A("2001:db8:ff::2");
	ifs->ifs[2].v6_plen = 64;
	ifs->wan = 2;
	ifs->has_gw4 = true;
	ifs->gw4 = A("203.0.113.1");
	ifs->has_gw6 = true;
	ifs->gw6 = A("2001:db8:ff::1");
	ifs->n_pool = 1;
	ck_assert_int_eq(gw_cidr_parse("203.0.113.16/28", &ifs->pool[0]), 0);
	ck_assert_int_eq(gw_l3_ifs_check(ifs), GW_OK);
}

/* What the worker does with an ARP frame received on ifidx: reply when
 * it asks for an address the gateway owns on that link. */
static int
answer_arp(const struct gw_l3_ifs *ifs, unsigned int ifidx,
	   const uint8_t *frame, size_t len, uint8_t *out, size_t size)
{
	struct gw_pkt_meta m;
	struct gw_arp a;
	struct gw_addr tpa;

	if (gw_pkt_parse(frame, len, false, 0, &m) != GW_PKT_OK ||
	    m.kind != GW_PKT_ARP)
		return -100;
	if (gw_arp_parse(frame + m.l2_len, len - m.l2_len, &a) < 0)
		return -101;
	if (a.op != GW_ARP_OP_REQUEST)
		return 0;
	gw_addr_from_v4(&tpa, a.tpa);
	if (!gw_l3_is_local_on(ifs, ifidx, &tpa))
		return 0;
	return gw_arp_build_reply(out, size, &ifs->ifs[ifidx].encap,
				  ifs->ifs[ifidx].mac, a.tpa, &a);
}

struct arp_ans_vec {
	unsigned int ifidx;
	const char *target;
	bool answered;
};

static const struct arp_ans_vec arp_ans[] = {
	{0, "192.168.10.1", true},   /* own LAN address */
	{0, "192.168.10.50", false}, /* another host */
	{0, "192.168.20.1", false},  /* own, but on another VLAN */
	{1, "192.168.20.1", true},
	{2, "203.0.113.2", true},    /* WAN address */
	{2, "203.0.113.17", true},   /* pool address */
	{2, "203.0.113.31", true},   /* last pool address */
	{2, "203.0.113.32", false},  /* outside the pool */
	{2, "203.0.113.1", false},   /* the next hop */
	{0, "203.0.113.17", false},  /* pool asked on the LAN */
};

START_TEST(test_arp_answer)
{
	const struct arp_ans_vec *v = &arp_ans[_i];
	const uint8_t host_ip[4] = {10, 9, 8, 7};
	struct gw_l3_ifs ifs;
	struct gw_addr t = A(v->target);
	uint8_t req[64], out[64];
	int n, rc;

	make_ifs(&ifs);
	n = gw_arp_build(req, sizeof(req), &ifs.ifs[v->ifidx].encap, BCAST,
			 HOST_MAC, 1, HOST_MAC, host_ip, ZERO6, &t.b[12]);
	ck_assert_int_eq(n, 60);
	rc = answer_arp(&ifs, v->ifidx, req, (size_t)n, out, sizeof(out));
	if (!v->answered) {
		ck_assert_int_eq(rc, 0);
		return;
	}
	check_arp_frame(out, rc, &ifs.ifs[v->ifidx].encap, HOST_MAC, 2,
			GW_MAC, &t.b[12], HOST_MAC, host_ip);
	/* a reply is never answered */
	ck_assert_int_eq(answer_arp(&ifs, v->ifidx, out, (size_t)rc, req,
				    sizeof(req)),
			 0);
}
END_TEST

/* ---- ND ---- */

static const struct gw_l2_encap *
nd_encap(int i)
{
	return &encaps[i % 3];
}

/* Checks an ND frame built by lib/l3 and returns its parse. */
static void
check_nd_frame(const uint8_t *f, int len, const struct gw_l2_encap *e,
	       const uint8_t *eth_dst, const struct gw_addr *src,
	       const struct gw_addr *dst, struct gw_nd *nd)
{
	struct gw_pkt_meta m;
	size_t l2 = 14 + (e->vid ? 4 : 0) + (e->outer_vid ? 4 : 0);
	const uint8_t *ip = f + l2;

	ck_assert_int_eq(len, (int)(l2 + 40 + 32));
	ck_assert_int_eq(gw_pkt_parse(f, (size_t)len, false, 0, &m), GW_PKT_OK);
	ck_assert_uint_eq(m.af, GW_AF_INET6);
	ck_assert_uint_eq(m.is_nd, 1);
	ck_assert_uint_eq(m.ttl, 255);
	ck_assert_uint_eq(m.vlan_inner, e->vid);
	ck_assert_mem_eq(f, eth_dst, 6);
	ck_assert_mem_eq(f + 6, GW_MAC, 6);
	ck_assert_mem_eq(ip + 8, src->b, 16);
	ck_assert_mem_eq(ip + 24, dst->b, 16);
	ck_assert_uint_eq(rd16(ip + 4), 32);
	ck_assert_uint_eq(ref_csum6(ip + 8, ip + 24, ip + 40, 32), 0);
	ck_assert_int_eq(gw_nd_parse(ip + 40, 32, &m.src, &m.dst, ip[7], nd),
			 32);
}

START_TEST(test_nd_solicited_node)
{
	struct gw_addr a = A("2001:db8:10::abcd:ef12"), s;
	struct gw_addr want = A("ff02::1:ffcd:ef12");
	const uint8_t want_mac[6] = {0x33, 0x33, 0xff, 0xcd, 0xef, 0x12};
	uint8_t mac[6];

	gw_nd_solicited_node(&a, &s);
	ck_assert_mem_eq(s.b, want.b, 16);
	gw_nd_mcast_mac(&s, mac);
	ck_assert_mem_eq(mac, want_mac, 6);
	gw_nd_solicited_node(&a, &a); /* in place */
	ck_assert_mem_eq(a.b, want.b, 16);
}
END_TEST

START_TEST(test_nd_ns_na_flow)
{
	const struct gw_l2_encap *e = nd_encap(_i);
	struct gw_addr gwa = A("2001:db8:10::1"), host = A("2001:db8:10::99");
	struct gw_addr sn = A("ff02::1:ff00:1"), sn_host = A("ff02::1:ff00:99");
	const uint8_t sn_mac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x01};
	const uint8_t sn_host_mac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x99};
	uint8_t ns[GW_ND_FRAME_MAX], na[GW_ND_FRAME_MAX];
	struct gw_nd nd, nd2;
	struct gw_l3_ifs ifs;
	struct gw_addr t;
	int n;

	make_ifs(&ifs);
	/* the gateway resolving a host: multicast, then unicast re-probe */
	n = gw_nd_build_ns(na, sizeof(na), e, GW_MAC, &gwa, &host, NULL);
	check_nd_frame(na, n, e, sn_host_mac, &gwa, &sn_host, &nd);
	ck_assert_uint_eq(nd.type, GW_ND_NS);
	ck_assert_mem_eq(nd.target, host.b, 16);
	ck_assert_ptr_nonnull(nd.lladdr);
	ck_assert_mem_eq(nd.lladdr, GW_MAC, 6);
	n = gw_nd_build_ns(na, sizeof(na), e, GW_MAC, &gwa, &host, HOST_MAC);
	check_nd_frame(na, n, e, HOST_MAC, &gwa, &host, &nd);

	/* a host resolving the gateway (built with the same code from the
	 * host's MAC and address) */
	n = gw_nd_build_ns(ns, sizeof(ns), e, HOST_MAC, &host, &gwa, NULL);
	{
		struct gw_pkt_meta m;

		ck_assert_int_eq(gw_pkt_parse(ns, (size_t)n, false, 0, &m),
				 GW_PKT_OK);
		ck_assert_mem_eq(ns, sn_mac, 6);
		ck_assert_mem_eq(m.dst.b, sn.b, 16);
		ck_assert_int_eq(gw_nd_parse(ns + m.l4_off, 32, &m.src, &m.dst,
					     m.ttl, &nd),
				 32);
		ck_assert_mem_eq(nd.lladdr, HOST_MAC, 6);
	}
	memcpy(t.b, nd.target, 16);
	ck_assert(gw_l3_is_local_on(&ifs, 0, &t));
	n = gw_nd_build_na_reply(na, sizeof(na), e, GW_MAC, &nd, &host,
				 HOST_MAC);
	/* destination MAC from the source link-layer option */
	check_nd_frame(na, n, e, HOST_MAC, &gwa, &host, &nd2);
	ck_assert_uint_eq(nd2.type, GW_ND_NA);
	ck_assert_uint_eq(nd2.flags, GW_ND_NA_ROUTER | GW_ND_NA_SOLICITED |
					     GW_ND_NA_OVERRIDE);
	ck_assert_mem_eq(nd2.target, gwa.b, 16);
	ck_assert_mem_eq(nd2.lladdr, GW_MAC, 6);

	/* without a source link-layer option: to the frame's source MAC */
	nd.lladdr = NULL;
	n = gw_nd_build_na_reply(na, sizeof(na), e, GW_MAC, &nd, &host,
				 BCAST);
	check_nd_frame(na, n, e, BCAST, &gwa, &host, &nd2);

	/* the host's address is not ours: no answer */
	ck_assert(!gw_l3_is_local_on(&ifs, 0, &host));
	t = A("fe80::1");
	ck_assert(gw_l3_is_local_on(&ifs, 0, &t));
	ck_assert(!gw_l3_is_local_on(&ifs, 1, &t));
	ck_assert_int_eq(gw_nd_build_ns(na, 60, e, GW_MAC, &gwa, &host, NULL),
			 GW_ENOSPC);
}
END_TEST

START_TEST(test_nd_unsolicited_and_dad)
{
	struct gw_addr gwa = A("2001:db8:10::1"), all = A("ff02::1");
	struct gw_addr unspec = A("::"), sn = A("ff02::1:ff00:1");
	const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	uint8_t f[GW_ND_FRAME_MAX], na[GW_ND_FRAME_MAX];
	struct gw_nd nd;
	uint8_t *ic;
	int n;

	n = gw_nd_build_unsolicited_na(f, sizeof(f), NULL, GW_MAC, &gwa);
	check_nd_frame(f, n, &encaps[0], all_mac, &gwa, &all, &nd);
	ck_assert_uint_eq(nd.type, GW_ND_NA);
	ck_assert_uint_eq(nd.flags, GW_ND_NA_ROUTER | GW_ND_NA_OVERRIDE);
	ck_assert_mem_eq(nd.target, gwa.b, 16);

	/* a DAD probe (from ::, no option) for our address: hand-built */
	n = gw_nd_build_ns(f, sizeof(f), NULL, HOST_MAC, &gwa, &gwa, NULL);
	ck_assert_int_eq(n, 86);
	memset(f + 14 + 8, 0, 16);      /* source :: */
	fb_set16(f + 14 + 4, 24);       /* drop the option */
	ic = f + 14 + 40;
	fb_set16(ic + 2, 0);
	fb_set16(ic + 2, ref_csum6(unspec.b, sn.b, ic, 24));
	ck_assert_int_eq(gw_nd_parse(ic, 24, &unspec, &sn, 255, &nd), 24);
	ck_assert_ptr_null(nd.lladdr);
	n = gw_nd_build_na_reply(na, sizeof(na), NULL, GW_MAC, &nd, &unspec,
				 HOST_MAC);
	check_nd_frame(na, n, &encaps[0], all_mac, &gwa, &all, &nd);
	ck_assert_uint_eq(nd.flags, GW_ND_NA_ROUTER | GW_ND_NA_OVERRIDE);
}
END_TEST

/* ND parser: mutations of a valid NS/NA, checksum fixed up by the test. */
enum nd_mut {
	M_NONE,
	M_HOP254,
	M_CODE1,
	M_BADSUM,
	M_OPTLEN0,
	M_OPT_OVERRUN,
	M_MCAST_TARGET,
	M_TYPE_RS,
	M_DAD_WITH_SLLA,
	M_NA_MCAST_SOLICITED,
	M_NA_MCAST_UNSOLICITED,
	M_EXTRA_OPT,
	M_TRAILING_BYTE,
	M_DAD_TO_UNICAST,
	M_MCAST_SOURCE,
};

struct nd_vec {
	const char *name;
	uint8_t type;
	int mut;
	int rc;
};

static const struct nd_vec nd_vecs[] = {
	{"ns", GW_ND_NS, M_NONE, 32},
	{"na", GW_ND_NA, M_NONE, 32},
	{"ns hop 254", GW_ND_NS, M_HOP254, GW_EMALFORMED},
	{"ns code 1", GW_ND_NS, M_CODE1, GW_EMALFORMED},
	{"na bad checksum", GW_ND_NA, M_BADSUM, GW_EMALFORMED},
	{"ns option length 0", GW_ND_NS, M_OPTLEN0, GW_EMALFORMED},
	{"na option overrun", GW_ND_NA, M_OPT_OVERRUN, GW_EMALFORMED},
	{"ns multicast target", GW_ND_NS, M_MCAST_TARGET, GW_EMALFORMED},
	{"rs", 133, M_TYPE_RS, GW_ENOTSUP},
	{"dad with slla", GW_ND_NS, M_DAD_WITH_SLLA, GW_EMALFORMED},
	{"dad to unicast", GW_ND_NS, M_DAD_TO_UNICAST, GW_EMALFORMED},
	{"na multicast solicited", GW_ND_NA, M_NA_MCAST_SOLICITED, GW_EMALFORMED},
	{"na multicast unsolicited", GW_ND_NA, M_NA_MCAST_UNSOLICITED, 32},
	{"ns unknown option first", GW_ND_NS, M_EXTRA_OPT, 40},
	{"ns trailing byte", GW_ND_NS, M_TRAILING_BYTE, GW_EMALFORMED},
	{"ns multicast source", GW_ND_NS, M_MCAST_SOURCE, GW_EMALFORMED},
	{"na multicast source", GW_ND_NA, M_MCAST_SOURCE, GW_EMALFORMED},
};

START_TEST(test_nd_parse_vectors)
{
	const struct nd_vec *v = &nd_vecs[_i];
	struct gw_addr src = A("2001:db8:10::99"), dst = A("2001:db8:10::1");
	uint8_t ic[64];
	size_t len = 32, k;
	uint8_t hop = 255;
	struct gw_guard g;
	struct gw_nd nd;
	bool fix = true;

	memset(ic, 0, sizeof(ic));
	ic[0] = v->type;
	if (v->type == GW_ND_NA)
		ic[4] = GW_ND_NA_SOLICITED | GW_ND_NA_ROUTER;
	memcpy(ic + 8, dst.b, 16);
	ic[24] = v->type == GW_ND_NA ? 2 : 1;
	ic[25] = 1;
	memcpy(ic + 26, HOST_MAC, 6);
	switch (v->mut) {
	case M_HOP254:
		hop = 254;
		break;
	case M_CODE1:
		ic[1] = 1;
		break;
	case M_BADSUM:
		fix = false;
		break;
	case M_OPTLEN0:
		ic[25] = 0;
		break;
	case M_OPT_OVERRUN:
		ic[25] = 2;
		break;
	case M_MCAST_TARGET:
		ic[8] = 0xff;
		break;
	case M_DAD_WITH_SLLA:
		src = A("::");
		dst = A("ff02::1:ff00:1");
		break;
	case M_DAD_TO_UNICAST:
		src = A("::");
		len = 24;
		break;
	case M_NA_MCAST_SOLICITED:
		dst = A("ff02::1");
		break;
	case M_NA_MCAST_UNSOLICITED:
		dst = A("ff02::1");
		ic[4] = GW_ND_NA_OVERRIDE;
		break;
	case M_EXTRA_OPT:
		/* a nonce option (14) in front of the link-layer one */
		memmove(ic + 32, ic + 24, 8);
		ic[24] = 14;
		ic[25] = 1;
		memset(ic + 26, 0xab, 6);
		len = 40;
		break;
	case M_TRAILING_BYTE:
		len = 33;
		break;
	case M_MCAST_SOURCE:
		src = A("ff02::1:0:99");
		break;
	default:
		break;
	}
	if (fix)
		fb_set16(ic + 2, ref_csum6(src.b, dst.b, ic, len));
	else
		fb_set16(ic + 2, 0x1234);
	for (k = 0; k <= len; k++) {
		uint8_t *p = gw_guard_place(&g, ic, k);
		int rc = gw_nd_parse(p, k, &src, &dst, hop, &nd), want;

		if (k == len)
			want = v->rc;
		else if (v->rc == GW_ENOTSUP && k >= 1)
			want = GW_ENOTSUP;
		else if (v->mut == M_HOP254 && k >= 1)
			want = GW_EMALFORMED;
		else if (v->mut == M_CODE1 && k >= 2)
			want = GW_EMALFORMED;
		else if (k < 24)
			want = GW_INCOMPLETE;
		else
			want = GW_EMALFORMED; /* checksum over a cut message */
		ck_assert_msg(rc == want, "%s: len %zu: rc %d want %d", v->name,
			      k, rc, want);
		if (rc > 0) {
			ck_assert_uint_eq(nd.type, v->type);
			ck_assert_ptr_eq(nd.target, p + 8);
			if (v->mut == M_DAD_TO_UNICAST)
				ck_assert_ptr_null(nd.lladdr);
			else
				ck_assert_ptr_eq(nd.lladdr,
						 p + (v->mut == M_EXTRA_OPT ?
							      34 : 26));
			ck_assert_uint_eq(nd.flags, v->type == GW_ND_NA ?
							    ic[4] : 0);
		}
		gw_guard_release(&g);
	}
}
END_TEST

/* ---- ICMP ---- */

static const uint8_t ICMP_PAYLOAD[] = "0123456789abcdefghijklmnopqrstuvwxyz!";

/* Ethernet (+ VLAN 10) + IPv4 (with ihl_words*4 header) + ICMP echo
 * request id 0x1234 seq 7 with plen payload bytes. */
static void
build_echo4(struct fb *f, unsigned int opt_words, size_t plen, bool tagged)
{
	size_t ip_off, ic_off, hl = 20 + 4 * opt_words, i;

	f->len = 0;
	fb_mem(f, GW_MAC, 6);
	fb_mem(f, HOST_MAC, 6);
	if (tagged) {
		fb_u16(f, 0x8100);
		fb_u16(f, 10);
	}
	fb_u16(f, 0x0800);
	ip_off = f->len;
	fb_u8(f, (uint8_t)(0x40 | (hl / 4)));
	fb_u8(f, 0);
	fb_u16(f, (uint16_t)(hl + 8 + plen));
	fb_u32(f, 0xabcd0000);
	fb_u8(f, 61);
	fb_u8(f, 1);
	fb_u16(f, 0);
	fb_u32(f, 0xc0a80a32); /* 192.168.10.50 */
	fb_u32(f, 0xc0a80a01); /* 192.168.10.1 */
	for (i = 0; i < opt_words; i++)
		fb_u32(f, 0x01010101); /* NOPs */
	fb_set16(f->b + ip_off + 10, ref_csum(f->b + ip_off, hl));
	ic_off = f->len;
	fb_u8(f, 8);
	fb_u8(f, 0);
	fb_u16(f, 0);
	fb_u16(f, 0x1234);
	fb_u16(f, 7);
	for (i = 0; i < plen; i++)
		fb_u8(f, ICMP_PAYLOAD[i % (sizeof(ICMP_PAYLOAD) - 1)]);
	fb_set16(f->b + ic_off + 2, ref_csum(f->b + ic_off, 8 + plen));
	while (f->len < 60)
		fb_u8(f, 0); /* Ethernet padding */
}

static void
build_echo6(struct fb *f, size_t plen, bool tagged)
{
	struct gw_addr s = A("2001:db8:10::99"), d = A("2001:db8:10::1");
	size_t ic_off, i;

	f->len = 0;
	fb_mem(f, GW_MAC, 6);
	fb_mem(f, HOST_MAC, 6);
	if (tagged) {
		fb_u16(f, 0x8100);
		fb_u16(f, 10);
	}
	fb_u16(f, 0x86dd);
	fb_u32(f, 0x60000000);
	fb_u16(f, (uint16_t)(8 + plen));
	fb_u8(f, 58);
	fb_u8(f, 64);
	fb_mem(f, s.b, 16);
	fb_mem(f, d.b, 16);
	ic_off = f->len;
	fb_u8(f, 128);
	fb_u8(f, 0);
	fb_u16(f, 0);
	fb_u16(f, 0x1234);
	fb_u16(f, 7);
	for (i = 0; i < plen; i++)
		fb_u8(f, ICMP_PAYLOAD[i % (sizeof(ICMP_PAYLOAD) - 1)]);
	fb_set16(f->b + ic_off + 2, ref_csum6(s.b, d.b, f->b + ic_off, 8 + plen));
}

struct echo_vec {
	bool v6;
	unsigned int opt_words;
	size_t plen;
	bool tagged;
	bool in_place;
};

static const struct echo_vec echo_vecs[] = {
	{false, 0, 0, false, false}, {false, 0, 37, true, false},
	{false, 2, 33, true, false}, {false, 3, 56, false, true},
	{false, 0, 1400, true, true}, {true, 0, 0, false, false},
	{true, 0, 37, true, false},  {true, 0, 1200, true, true},
};

START_TEST(test_icmp_echo_reply)
{
	const struct echo_vec *v = &echo_vecs[_i];
	struct gw_pkt_meta m, r;
	struct fb req;
	uint8_t out[2048], *o;
	size_t l2 = v->tagged ? 18 : 14, icmp_len = 8 + v->plen;
	int n;

	if (v->v6)
		build_echo6(&req, v->plen, v->tagged);
	else
		build_echo4(&req, v->opt_words, v->plen, v->tagged);
	ck_assert_int_eq(gw_pkt_parse(req.b, req.len, false, 0, &m), GW_PKT_OK);
	o = v->in_place ? req.b : out;
	{
		/* the request is consumed in place: keep a copy */
		uint8_t copy[2048];

		memcpy(copy, req.b, req.len);
		n = gw_icmp_build_echo_reply(req.b, req.len, &m, o,
					     v->in_place ? sizeof(req.b) :
							   sizeof(out));
		ck_assert_int_eq(n, (int)(l2 + (v->v6 ? 40 : 20) + icmp_len));
		ck_assert_int_eq(gw_pkt_parse(o, (size_t)n, false, 0, &r),
				 GW_PKT_OK);
		ck_assert_mem_eq(o, copy + 6, 6);
		ck_assert_mem_eq(o + 6, copy, 6);
		ck_assert_uint_eq(r.vlan_inner, v->tagged ? 10 : 0);
		ck_assert_mem_eq(r.src.b, m.dst.b, 16);
		ck_assert_mem_eq(r.dst.b, m.src.b, 16);
		ck_assert_uint_eq(r.icmp_type, v->v6 ? 129 : 0);
		ck_assert_uint_eq(r.icmp_code, 0);
		ck_assert_uint_eq(r.sport, 0x1234);
		ck_assert_uint_eq(rd16(o + r.l4_off + 6), 7);
		ck_assert_uint_eq(r.payload_len, v->plen);
		ck_assert_mem_eq(o + r.payload_off, copy + m.payload_off,
				 v->plen);
		ck_assert_uint_eq(r.ttl, 64);
		if (v->v6) {
			ck_assert_uint_eq(ref_csum6(r.src.b, r.dst.b,
						    o + r.l4_off, icmp_len),
					  0);
		} else {
			ck_assert_uint_eq(r.l3_hlen, 20);
			ck_assert_uint_eq(ref_csum(o + l2, 20), 0);
			ck_assert_uint_eq(ref_csum(o + r.l4_off, icmp_len), 0);
		}
	}
}
END_TEST

START_TEST(test_icmp_echo_reply_rejects)
{
	struct gw_pkt_meta m;
	struct fb req;
	uint8_t out[256];

	build_echo4(&req, 0, 10, false);
	req.b[14 + 20 + 6] ^= 1; /* sequence changed, checksum not */
	ck_assert_int_eq(gw_pkt_parse(req.b, req.len, false, 0, &m), GW_PKT_OK);
	ck_assert_int_eq(gw_icmp_build_echo_reply(req.b, req.len, &m, out,
						  sizeof(out)),
			 GW_EMALFORMED);
	build_echo6(&req, 10, false);
	req.b[14 + 40 + 9] ^= 1;
	ck_assert_int_eq(gw_pkt_parse(req.b, req.len, false, 0, &m), GW_PKT_OK);
	ck_assert_int_eq(gw_icmp_build_echo_reply(req.b, req.len, &m, out,
						  sizeof(out)),
			 GW_EMALFORMED);
	build_echo4(&req, 0, 10, false);
	ck_assert_int_eq(gw_pkt_parse(req.b, req.len, false, 0, &m), GW_PKT_OK);
	ck_assert_int_eq(gw_icmp_build_echo_reply(req.b, req.len, &m, out, 51),
			 GW_ENOSPC);
	ck_assert_int_eq(gw_icmp_build_echo_reply(req.b, req.len, &m, out, 52),
			 52);
	m.icmp_type = 0; /* a reply is not answered */
	ck_assert_int_eq(gw_icmp_build_echo_reply(req.b, req.len, &m, out,
						  sizeof(out)),
			 GW_EINVAL);
}
END_TEST

/* A UDP packet of ip_len IP bytes (v4: 20 + 8 + data; v6: 40 + 8 + data). */
static void
build_udp(struct fb *f, bool v6, size_t ip_len, bool tagged)
{
	struct gw_addr s6 = A("2001:db8:10::99"), d6 = A("2001:db8:77::5");
	size_t ip_off, i;

	f->len = 0;
	fb_mem(f, GW_MAC, 6);
	fb_mem(f, HOST_MAC, 6);
	if (tagged) {
		fb_u16(f, 0x88a8);
		fb_u16(f, 100);
		fb_u16(f, 0x8100);
		fb_u16(f, 10);
	}
	fb_u16(f, v6 ? 0x86dd : 0x0800);
	ip_off = f->len;
	if (v6) {
		fb_u32(f, 0x60000000);
		fb_u16(f, (uint16_t)(ip_len - 40));
		fb_u8(f, 17);
		fb_u8(f, 1);
		fb_mem(f, s6.b, 16);
		fb_mem(f, d6.b, 16);
	} else {
		fb_u32(f, 0x45000000 | (uint32_t)ip_len);
		fb_u32(f, 0x12340000);
		fb_u32(f, 0x01110000);
		fb_u32(f, 0xc0a80a32);
		fb_u32(f, 0x08080808);
		fb_set16(f->b + ip_off + 10, ref_csum(f->b + ip_off, 20));
	}
	fb_u16(f, 5353);
	fb_u16(f, 53);
	fb_u16(f, (uint16_t)(ip_len - (v6 ? 40 : 20)));
	fb_u16(f, 0);
	for (i = f->len - ip_off; i < ip_len; i++)
		fb_u8(f, (uint8_t)i);
	while (f->len < 60)
		fb_u8(f, 0xee); /* padding: never quoted */
}

struct te_vec {
	bool v6;
	size_t ip_len;
	size_t quote;
	bool tagged;
};

static const struct te_vec te_vecs[] = {
	{false, 32, 32, false},    /* padded frame: padding not quoted */
	{false, 100, 100, true},
	{false, 548, 548, false},  /* exactly fills 576 */
	{false, 549, 548, true},
	{false, 1500, 548, false},
	{true, 48, 48, false},
	{true, 1232, 1232, true},  /* exactly fills 1280 */
	{true, 1233, 1232, false},
	{true, 1500, 1232, true},
};

START_TEST(test_icmp_time_exceeded)
{
	const struct te_vec *v = &te_vecs[_i];
	struct gw_addr src = v->v6 ? A("2001:db8:10::1") : A("192.168.10.1");
	struct gw_pkt_meta m, r;
	uint8_t out[2048];
	struct fb f;
	size_t l2 = v->tagged ? 22 : 14, hl = v->v6 ? 40 : 20;
	const uint8_t *ip, *ic;
	int n;

	build_udp(&f, v->v6, v->ip_len, v->tagged);
	ck_assert_int_eq(gw_pkt_parse(f.b, f.len, false, 0, &m), GW_PKT_OK);
	n = gw_icmp_build_time_exceeded(f.b, f.len, &m, &src, out, sizeof(out));
	ck_assert_int_eq(n, (int)(l2 + hl + 8 + v->quote));
	ck_assert_uint_le(hl + 8 + v->quote, v->v6 ? 1280 : 576);
	ck_assert_mem_eq(out, HOST_MAC, 6);
	ck_assert_mem_eq(out + 6, GW_MAC, 6);
	ck_assert_mem_eq(out + 12, f.b + 12, l2 - 12); /* tags and type */
	ip = out + l2;
	ic = ip + hl;
	ck_assert_mem_eq(ic + 8, f.b + l2, v->quote);
	if (v->v6) {
		ck_assert_uint_eq(rd16(ip + 4), 8 + v->quote);
		ck_assert_mem_eq(ip + 8, src.b, 16);
		ck_assert_mem_eq(ip + 24, m.src.b, 16);
		ck_assert_uint_eq(ic[0], 3);
		ck_assert_uint_eq(ref_csum6(ip + 8, ip + 24, ic, 8 + v->quote),
				  0);
	} else {
		ck_assert_uint_eq(rd16(ip + 2), 20 + 8 + v->quote);
		ck_assert_mem_eq(ip + 12, &src.b[12], 4);
		ck_assert_mem_eq(ip + 16, &m.src.b[12], 4);
		ck_assert_uint_eq(ic[0], 11);
		ck_assert_uint_eq(ref_csum(ip, 20), 0);
		ck_assert_uint_eq(ref_csum(ic, 8 + v->quote), 0);
	}
	ck_assert_uint_eq(ic[1], 0);
	ck_assert_uint_eq(rd16(ic + 4), 0);
	/* the error parses as an error quoting the original flow */
	if (v->quote >= hl + 8) {
		ck_assert_int_eq(gw_pkt_parse(out, (size_t)n, false, 0, &r),
				 GW_PKT_OK);
		ck_assert_uint_eq(r.is_icmp_error, 1);
		ck_assert_uint_eq(r.inner_proto, 17);
		ck_assert_uint_eq(r.inner_sport, 5353);
		ck_assert_uint_eq(r.inner_dport, 53);
		ck_assert_mem_eq(r.inner_dst.b, m.dst.b, 16);
	}
	ck_assert_int_eq(gw_icmp_build_time_exceeded(f.b, f.len, &m, &src, out,
						     (size_t)n - 1),
			 GW_ENOSPC);
	/* out overlapping orig is refused */
	ck_assert_int_eq(gw_icmp_build_time_exceeded(f.b, f.len, &m, &src,
						     f.b, sizeof(f.b)),
			 GW_EINVAL);
}
END_TEST

START_TEST(test_icmp_unreach)
{
	struct gw_addr s4 = A("192.168.10.1"), s6 = A("2001:db8:10::1");
	struct gw_pkt_meta m;
	uint8_t out[2048];
	struct fb f;
	int n;

	build_udp(&f, false, 64, true);
	ck_assert_int_eq(gw_pkt_parse(f.b, f.len, false, 0, &m), GW_PKT_OK);
	n = gw_icmp_build_unreach(f.b, f.len, &m, &s4, GW_ICMP4_UNREACH_HOST,
				  out, sizeof(out));
	ck_assert_int_eq(n, 22 + 20 + 8 + 64);
	ck_assert_uint_eq(out[22 + 20], 3);
	ck_assert_uint_eq(out[22 + 20 + 1], 1);
	ck_assert_uint_eq(ref_csum(out + 42, 8 + 64), 0);
	/* family mismatch */
	ck_assert_int_eq(gw_icmp_build_unreach(f.b, f.len, &m, &s6, 1, out,
					       sizeof(out)),
			 GW_EINVAL);
	build_udp(&f, true, 100, false);
	ck_assert_int_eq(gw_pkt_parse(f.b, f.len, false, 0, &m), GW_PKT_OK);
	n = gw_icmp_build_unreach(f.b, f.len, &m, &s6, GW_ICMP6_UNREACH_ADDR,
				  out, sizeof(out));
	ck_assert_int_eq(n, 14 + 40 + 8 + 100);
	ck_assert_uint_eq(out[54], 1);
	ck_assert_uint_eq(out[55], 3);
	ck_assert_uint_eq(ref_csum6(out + 22, out + 38, out + 54, 108), 0);
}
END_TEST

enum sup_case {
	SUP_ICMP_ERROR,
	SUP_BCAST_MAC,
	SUP_MCAST_DST,
	SUP_LIMITED_BCAST,
	SUP_NONFIRST_FRAG,
	SUP_ZERO_SRC,
	SUP_V6_UNSPEC_SRC,
	SUP_V6_MCAST_DST,
	SUP_V6_ICMP_ERROR,
	SUP_FIRST_FRAG, /* answered */
	SUP_ECHO,       /* answered: an echo request is a query */
};

START_TEST(test_icmp_error_suppressed)
{
	struct gw_addr s4 = A("192.168.10.1"), s6 = A("2001:db8:10::1");
	bool v6 = _i >= SUP_V6_UNSPEC_SRC && _i <= SUP_V6_ICMP_ERROR;
	struct gw_pkt_meta m;
	uint8_t out[2048];
	struct fb f, e;
	size_t ip = 14;
	int n;

	build_udp(&f, v6, 80, false);
	switch (_i) {
	case SUP_ICMP_ERROR:
		ck_assert_int_eq(gw_pkt_parse(f.b, f.len, false, 0, &m), 0);
		n = gw_icmp_build_time_exceeded(f.b, f.len, &m, &s4, e.b,
						sizeof(e.b));
		ck_assert_int_gt(n, 0);
		e.len = (size_t)n;
		memcpy(&f, &e, sizeof(f));
		memcpy(f.b, GW_MAC, 6); /* as if routed to us again */
		break;
	case SUP_V6_ICMP_ERROR:
		ck_assert_int_eq(gw_pkt_parse(f.b, f.len, false, 0, &m), 0);
		n = gw_icmp_build_time_exceeded(f.b, f.len, &m, &s6, e.b,
						sizeof(e.b));
		ck_assert_int_gt(n, 0);
		e.len = (size_t)n;
		memcpy(&f, &e, sizeof(f));
		memcpy(f.b, GW_MAC, 6);
		break;
	case SUP_BCAST_MAC:
		memset(f.b, 0xff, 6);
		break;
	case SUP_MCAST_DST:
		f.b[ip + 16] = 239;
		break;
	case SUP_LIMITED_BCAST:
		memset(f.b + ip + 16, 0xff, 4);
		break;
	case SUP_NONFIRST_FRAG:
		fb_set16(f.b + ip + 6, 0x0002);
		break;
	case SUP_FIRST_FRAG:
		fb_set16(f.b + ip + 6, 0x2000);
		break;
	case SUP_ZERO_SRC:
		memset(f.b + ip + 12, 0, 4);
		break;
	case SUP_V6_UNSPEC_SRC:
		memset(f.b + ip + 8, 0, 16);
		break;
	case SUP_V6_MCAST_DST:
		f.b[ip + 24] = 0xff;
		break;
	case SUP_ECHO:
		build_echo4(&f, 0, 20, false);
		break;
	}
	if (!v6 && _i != SUP_ICMP_ERROR) {
		fb_set16(f.b + ip + 10, 0);
		fb_set16(f.b + ip + 10, ref_csum(f.b + ip, 20));
	}
	ck_assert_int_ne(gw_pkt_parse(f.b, f.len, false, 0, &m),
			 GW_PKT_MALFORMED);
	n = gw_icmp_build_time_exceeded(f.b, f.len, &m, v6 ? &s6 : &s4, out,
					sizeof(out));
	if (_i == SUP_FIRST_FRAG || _i == SUP_ECHO)
		ck_assert_int_gt(n, 0);
	else
		ck_assert_int_eq(n, 0);
}
END_TEST

struct ttl_vec {
	bool v6;
	uint8_t ttl;
	int rc;
};

static const struct ttl_vec ttl_vecs[] = {
	{false, 64, 63}, {false, 255, 254}, {false, 128, 127}, {false, 2, 1},
	{false, 1, 0},   {false, 0, 0},     {true, 64, 63},    {true, 255, 254},
	{true, 2, 1},    {true, 1, 0},      {true, 0, 0},
};

START_TEST(test_ttl_decrement)
{
	const struct ttl_vec *v = &ttl_vecs[_i];
	uint8_t before[2048];
	struct fb f;
	uint8_t *ip;
	int rc;

	build_udp(&f, v->v6, 100, false);
	ip = f.b + 14;
	if (v->v6) {
		ip[7] = v->ttl;
	} else {
		ip[8] = v->ttl;
		fb_set16(ip + 10, 0);
		fb_set16(ip + 10, ref_csum(ip, 20));
	}
	memcpy(before, f.b, f.len);
	rc = gw_l3_ttl_decrement(ip, 100, v->v6 ? GW_AF_INET6 : GW_AF_INET);
	ck_assert_int_eq(rc, v->rc);
	if (rc == 0) {
		ck_assert_mem_eq(f.b, before, f.len);
	} else {
		/* Only the TTL and the IPv4 checksum change, and the
		 * incremental update equals a full recomputation. */
		if (v->v6) {
			before[14 + 7] = (uint8_t)v->rc;
		} else {
			before[14 + 8] = (uint8_t)v->rc;
			fb_set16(before + 14 + 10, 0);
			fb_set16(before + 14 + 10, ref_csum(before + 14, 20));
		}
		ck_assert_mem_eq(f.b, before, f.len);
		ck_assert_uint_eq(v->v6 ? ip[7] : ip[8], v->rc);
	}
	ck_assert_int_eq(gw_l3_ttl_decrement(ip, v->v6 ? 39 : 19,
					     v->v6 ? GW_AF_INET6 : GW_AF_INET),
			 GW_EINVAL);
	ck_assert_int_eq(gw_l3_ttl_decrement(ip, 100, v->v6 ? GW_AF_INET :
							       GW_AF_INET6),
			 GW_EINVAL);
}
END_TEST

static Suite *
l3_wire_suite(void)
{
	Suite *s = suite_create("l3_wire");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_arp_parse_vectors, 0,
			    (int)(sizeof(arp_vecs) / sizeof(arp_vecs[0])));
	tcase_add_loop_test(tc, test_arp_build, 0,
			    (int)(sizeof(encaps) / sizeof(encaps[0])));
	tcase_add_test(tc, test_l2_encap_invalid);
	tcase_add_loop_test(tc, test_arp_answer, 0,
			    (int)(sizeof(arp_ans) / sizeof(arp_ans[0])));
	tcase_add_test(tc, test_nd_solicited_node);
	tcase_add_loop_test(tc, test_nd_ns_na_flow, 0, 3);
	tcase_add_test(tc, test_nd_unsolicited_and_dad);
	tcase_add_loop_test(tc, test_nd_parse_vectors, 0,
			    (int)(sizeof(nd_vecs) / sizeof(nd_vecs[0])));
	tcase_add_loop_test(tc, test_icmp_echo_reply, 0,
			    (int)(sizeof(echo_vecs) / sizeof(echo_vecs[0])));
	tcase_add_test(tc, test_icmp_echo_reply_rejects);
	tcase_add_loop_test(tc, test_icmp_time_exceeded, 0,
			    (int)(sizeof(te_vecs) / sizeof(te_vecs[0])));
	tcase_add_test(tc, test_icmp_unreach);
	tcase_add_loop_test(tc, test_icmp_error_suppressed, 0, SUP_ECHO + 1);
	tcase_add_loop_test(tc, test_ttl_decrement, 0,
			    (int)(sizeof(ttl_vecs) / sizeof(ttl_vecs[0])));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(l3_wire_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
