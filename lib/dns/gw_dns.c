/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS message parser. Every read is preceded by a bounds check against the
 * limit in force: the message length, the end of an RDATA, or, after a
 * compression pointer, the pointer's own offset.
 */
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "dns/gw_dns.h"

/* Smallest RR: root owner (1) + type, class, ttl, rdlength (10). */
#define RR_MIN_LEN 11
#define RR_FIXED_LEN 10
/* Smallest question: root name (1) + qtype, qclass (4). */
#define Q_MIN_LEN 5

/*
 * Decodes the name starting at off into out. The bytes of the name in place
 * must lie before lim (the message length, or the end of an RDATA); the
 * bytes reached through a pointer must lie before that pointer. Returns the
 * offset right after the name in place, or GW_EMALFORMED.
 */
static int
dns_name(const uint8_t *msg, size_t len, size_t off, size_t lim,
	 struct gw_dns_dname *out)
{
	size_t pos = off;
	size_t cur_lim = lim;
	size_t after = 0;
	size_t wire = 0;
	size_t tl = 0;
	unsigned int jumps = 0;
	unsigned int labels = 0;
	bool unsafe = false;

	if (lim > len)
		return GW_EMALFORMED;
	for (;;) {
		uint8_t c;

		if (pos >= cur_lim)
			return GW_EMALFORMED;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t ptr;

			if (pos + 2 > cur_lim)
				return GW_EMALFORMED;
			ptr = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			/* Strictly backward, and never into the header. */
			if (ptr >= pos || ptr < GW_DNS_HEADER_LEN)
				return GW_EMALFORMED;
			if (++jumps > GW_DNS_MAX_PTR_JUMPS)
				return GW_EMALFORMED;
			if (after == 0)
				after = pos + 2;
			/* The name pointed to must end before the pointer. */
			cur_lim = pos;
			pos = ptr;
			continue;
		}
		if ((c & 0xc0) != 0)
			return GW_EMALFORMED; /* 0x40, 0x80: reserved label types */
		if (c == 0) {
			pos++;
			break;
		}
		/* c <= 63 here. Room for this label and the root after it. */
		if (c > cur_lim - pos - 1)
			return GW_EMALFORMED;
		wire += 1 + (size_t)c;
		if (wire + 1 > GW_DNS_NAME_WIRE_MAX)
			return GW_EMALFORMED;
		if (tl > 0)
			out->text[tl++] = '.';
		for (size_t i = 0; i < c; i++) {
			uint8_t b = msg[pos + 1 + i];

			if (b >= 'A' && b <= 'Z')
				b = (uint8_t)(b - 'A' + 'a');
			else if (b == '.' || b < 0x21 || b > 0x7e)
				unsafe = true;
			out->text[tl++] = (char)b;
		}
		labels++;
		pos += 1 + (size_t)c;
	}
	out->text[tl] = '\0';
	out->len = (uint16_t)tl;
	out->labels = (uint8_t)labels;
	out->unsafe = unsafe;
	if (after == 0)
		after = pos;
	return (int)after;
}

static void
dns_header(const uint8_t *msg, struct gw_dns_hdr *h)
{
	uint16_t f = gw_be16(msg + 2);

	h->id = gw_be16(msg);
	h->flags = f;
	h->qr = (f & 0x8000) != 0;
	h->opcode = (uint8_t)((f >> 11) & 0x0f);
	h->aa = (f & 0x0400) != 0;
	h->tc = (f & 0x0200) != 0;
	h->rd = (f & 0x0100) != 0;
	h->ra = (f & 0x0080) != 0;
	h->ad = (f & 0x0020) != 0;
	h->cd = (f & 0x0010) != 0;
	h->rcode = (uint8_t)(f & 0x0f);
	h->qdcount = gw_be16(msg + 4);
	h->ancount = gw_be16(msg + 6);
	h->nscount = gw_be16(msg + 8);
	h->arcount = gw_be16(msg + 10);
}

/*
 * One RR at off: owner name into name, fixed fields, RDATA bounds. Returns
 * the offset of the RDATA (and its length in *rdlen) or GW_EMALFORMED.
 */
static int
dns_rr_head(const uint8_t *msg, size_t len, size_t off,
	    struct gw_dns_dname *name, uint16_t *type, uint16_t *rclass,
	    uint32_t *ttl, uint16_t *rdlen)
{
	int r = dns_name(msg, len, off, len, name);
	size_t p;

	if (r < 0)
		return r;
	p = (size_t)r;
	if (len - p < RR_FIXED_LEN)
		return GW_EMALFORMED;
	*type = gw_be16(msg + p);
	*rclass = gw_be16(msg + p + 2);
	*ttl = gw_be32(msg + p + 4);
	if (*ttl > 0x7fffffffu)
		*ttl = 0;
	*rdlen = gw_be16(msg + p + 8);
	p += RR_FIXED_LEN;
	if (*rdlen > len - p)
		return GW_EMALFORMED;
	return (int)p;
}

int
gw_dns_parse(const uint8_t *msg, size_t len, struct gw_dns_msg *out)
{
	struct gw_dns_dname scratch;
	size_t p;
	unsigned int n_rr;
	int r;

	if (msg == NULL || out == NULL)
		return GW_EMALFORMED;
	/* Offsets are returned as int and pointers reach 14 bits. */
	if (len < GW_DNS_HEADER_LEN || len > 65535)
		return GW_EMALFORMED;
	dns_header(msg, &out->hdr);
	out->n_answers = 0;
	out->an_skipped = 0;
	out->an_dropped = 0;
	if (out->hdr.qdcount != 1)
		return GW_EMALFORMED;

	p = GW_DNS_HEADER_LEN;
	if (len - p < Q_MIN_LEN)
		return GW_EMALFORMED;
	r = dns_name(msg, len, p, len, &out->qname);
	if (r < 0)
		return r;
	p = (size_t)r;
	if (len - p < 4)
		return GW_EMALFORMED;
	out->qtype = gw_be16(msg + p);
	out->qclass = gw_be16(msg + p + 2);
	p += 4;

	n_rr = (unsigned int)out->hdr.ancount + out->hdr.nscount +
	       out->hdr.arcount;
	/* A count that cannot fit is refused before any RR is walked. */
	if ((size_t)n_rr * RR_MIN_LEN > len - p)
		return GW_EMALFORMED;

	for (unsigned int i = 0; i < n_rr; i++) {
		bool answer = i < out->hdr.ancount;
		struct gw_dns_rr *rr = NULL;
		struct gw_dns_dname *owner = &scratch;
		uint16_t type, rclass, rdlen;
		uint32_t ttl;
		size_t rd;

		if (answer && out->n_answers < GW_DNS_MAX_ANSWERS) {
			rr = &out->answers[out->n_answers];
			owner = &rr->name;
		}
		r = dns_rr_head(msg, len, p, owner, &type, &rclass, &ttl,
				&rdlen);
		if (r < 0)
			return r;
		rd = (size_t)r;
		p = rd + rdlen;
		if (!answer)
			continue;
		if (rclass != GW_DNS_CLASS_IN ||
		    (type != GW_DNS_TYPE_A && type != GW_DNS_TYPE_AAAA &&
		     type != GW_DNS_TYPE_CNAME)) {
			out->an_skipped++;
			continue;
		}
		if (type == GW_DNS_TYPE_A && rdlen != 4)
			return GW_EMALFORMED;
		if (type == GW_DNS_TYPE_AAAA && rdlen != 16)
			return GW_EMALFORMED;
		if (type == GW_DNS_TYPE_CNAME) {
			r = dns_name(msg, len, rd, p,
				     rr != NULL ? &rr->target : &scratch);
			if (r < 0)
				return r;
			if ((size_t)r != p)
				return GW_EMALFORMED;
		}
		if (rr == NULL) {
			out->an_dropped++;
			continue;
		}
		rr->type = type;
		rr->rclass = rclass;
		rr->ttl = ttl;
		memset(&rr->addr, 0, sizeof(rr->addr));
		if (type == GW_DNS_TYPE_A)
			gw_addr_from_v4(&rr->addr, msg + rd);
		else if (type == GW_DNS_TYPE_AAAA)
			gw_addr_from_v6(&rr->addr, msg + rd);
		if (type != GW_DNS_TYPE_CNAME) {
			rr->target.text[0] = '\0';
			rr->target.len = 0;
			rr->target.labels = 0;
			rr->target.unsafe = false;
		}
		out->n_answers++;
	}
	return (int)p;
}

static bool
name_eq(const struct gw_dns_dname *a, const struct gw_dns_dname *b)
{
	return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

static bool
rr_usable(const struct gw_dns_rr *rr)
{
	if (rr->name.unsafe)
		return false;
	return rr->type != GW_DNS_TYPE_CNAME || !rr->target.unsafe;
}

int
gw_dns_chain_addrs(const struct gw_dns_msg *m, struct gw_dns_chain *out)
{
	const struct gw_dns_dname *cur;
	uint32_t ttl = UINT32_MAX;
	bool have_ttl = false;

	if (m == NULL || out == NULL)
		return GW_EINVAL;
	out->n_names = 0;
	out->n_addrs = 0;
	out->ttl = 0;
	if (m->qname.unsafe)
		return GW_EMALFORMED;
	cur = &m->qname;
	out->names[out->n_names++] = cur;
	if (m->qclass != GW_DNS_CLASS_IN)
		return 0;

	for (;;) {
		const struct gw_dns_rr *cname = NULL;

		for (unsigned int i = 0; i < m->n_answers; i++) {
			const struct gw_dns_rr *rr = &m->answers[i];

			if (rr->type != GW_DNS_TYPE_CNAME || !rr_usable(rr) ||
			    !name_eq(&rr->name, cur))
				continue;
			if (cname == NULL) {
				cname = rr;
			} else if (!name_eq(&cname->target, &rr->target)) {
				out->n_names = 0;
				return GW_EMALFORMED;
			} else if (rr->ttl < cname->ttl) {
				cname = rr; /* duplicate: keep the shorter TTL */
			}
		}
		if (cname == NULL)
			break;
		for (unsigned int k = 0; k < out->n_names; k++) {
			if (name_eq(out->names[k], &cname->target)) {
				out->n_names = 0;
				return GW_EMALFORMED; /* loop */
			}
		}
		if (out->n_names >= GW_DNS_CHAIN_MAX_NAMES) {
			out->n_names = 0;
			return GW_ELIMIT;
		}
		out->names[out->n_names++] = &cname->target;
		ttl = GW_MIN(ttl, cname->ttl);
		have_ttl = true;
		cur = &cname->target;
	}

	for (unsigned int i = 0; i < m->n_answers; i++) {
		const struct gw_dns_rr *rr = &m->answers[i];
		bool dup = false;

		if ((rr->type != GW_DNS_TYPE_A && rr->type != GW_DNS_TYPE_AAAA) ||
		    !rr_usable(rr) || !name_eq(&rr->name, cur))
			continue;
		ttl = GW_MIN(ttl, rr->ttl);
		have_ttl = true;
		for (unsigned int k = 0; k < out->n_addrs; k++) {
			if (gw_addr_cmp(&out->addrs[k], &rr->addr) == 0) {
				dup = true;
				break;
			}
		}
		if (!dup)
			out->addrs[out->n_addrs++] = rr->addr;
	}
	out->ttl = have_ttl ? ttl : 0;
	return out->n_addrs;
}
