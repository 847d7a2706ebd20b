/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_addr.h"
#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "gw_test.h"

/* ---- errors ---- */

static const struct {
	int err;
	const char *name;
	const char *text;
} error_vectors[] = {
	{GW_OK, "OK", "success"},
	{GW_INCOMPLETE, "INCOMPLETE", "incomplete: more bytes needed"},
	{GW_EMALFORMED, "EMALFORMED", "malformed input"},
	{GW_ENOMEM, "ENOMEM", "out of memory"},
	{GW_EINVAL, "EINVAL", "invalid argument"},
	{GW_ENOSPC, "ENOSPC", "no space left (capacity reached)"},
	{GW_ENOENT, "ENOENT", "not found"},
	{GW_EEXIST, "EEXIST", "already exists"},
	{GW_EIO, "EIO", "input/output error"},
	{GW_ELIMIT, "ELIMIT", "limit exceeded"},
	{GW_ENOTSUP, "ENOTSUP", "not supported"},
	{GW_ECONFIG, "ECONFIG", "invalid configuration"},
	{1, "UNKNOWN", "unknown error"},
	{-12, "UNKNOWN", "unknown error"},
	{-1000, "UNKNOWN", "unknown error"},
};

START_TEST(test_error_names)
{
	int i = _i;

	ck_assert_str_eq(gw_errname(error_vectors[i].err),
			 error_vectors[i].name);
	ck_assert_str_eq(gw_strerror(error_vectors[i].err),
			 error_vectors[i].text);
}
END_TEST

/* Every entry of the map is covered by the table above. */
START_TEST(test_error_map_covered)
{
	int n_map = 0;

#define COUNT(name, val, str) n_map++;
	GW_ERRNO_MAP(COUNT)
#undef COUNT
	/* the table has OK, the map entries and 3 unknown values */
	ck_assert_int_eq(n_map + 4, (int)GW_ARRAY_SIZE(error_vectors));
}
END_TEST

/* ---- reasons ---- */

static const struct {
	unsigned int reason;
	const char *name;
	const char *desc;
} reason_vectors[] = {
	{GW_REASON_UNCLASSIFIED, "unclassified",
	 "no rule decided the flow (default deny)"},
	{GW_REASON_FQDN_NOT_ALLOWED, "fqdn_not_allowed",
	 "name not in the role's allow_fqdns"},
	{GW_REASON_FRAGMENT, "fragment",
	 "IP fragment (fragments are not reassembled)"},
	{GW_REASON_MALFORMED, "malformed", "truncated or malformed header"},
	{GW_REASON_TX_FULL, "tx_full", "transmit queue refused the packet"},
	{GW_REASON_MAX, "unknown", "unknown reason"},
	{GW_REASON_MAX + 1, "unknown", "unknown reason"},
	{~0u, "unknown", "unknown reason"},
};

/* docs/reasons.md is the operators' reference: every reason must be in it. */
START_TEST(test_reason_documented)
{
	char path[1024], needle[80];
	static char doc[65536];
	size_t n;
	FILE *f;
	unsigned int r;

	snprintf(path, sizeof(path), "%s/docs/reasons.md", GW_SRCDIR);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	for (r = 0; r < GW_REASON_MAX; r++) {
		snprintf(needle, sizeof(needle), "| `%s` |", gw_reason_name(r));
		ck_assert_msg(strstr(doc, needle) != NULL,
			      "reason %s missing from docs/reasons.md",
			      gw_reason_name(r));
	}
}
END_TEST

START_TEST(test_reason_vectors)
{
	int i = _i;

	ck_assert_str_eq(gw_reason_name(reason_vectors[i].reason),
			 reason_vectors[i].name);
	ck_assert_str_eq(gw_reason_desc(reason_vectors[i].reason),
			 reason_vectors[i].desc);
}
END_TEST

/* Names are stable identifiers used in telemetry: unique, [a-z0-9_]. */
START_TEST(test_reason_all)
{
	unsigned int r, k;

	for (r = 0; r < GW_REASON_MAX; r++) {
		const char *n = gw_reason_name(r);
		size_t j;

		ck_assert_uint_gt(strlen(n), 0);
		ck_assert_uint_gt(strlen(gw_reason_desc(r)), 0);
		for (j = 0; n[j] != '\0'; j++)
			ck_assert_msg((n[j] >= 'a' && n[j] <= 'z') ||
					      (n[j] >= '0' && n[j] <= '9') ||
					      n[j] == '_',
				      "bad char in %s", n);
		ck_assert_int_eq(gw_reason_from_name(n), (int)r);
		for (k = 0; k < r; k++)
			ck_assert_str_ne(n, gw_reason_name(k));
	}
}
END_TEST

START_TEST(test_reason_from_name_unknown)
{
	ck_assert_int_eq(gw_reason_from_name(NULL), -1);
	ck_assert_int_eq(gw_reason_from_name(""), -1);
	ck_assert_int_eq(gw_reason_from_name("unknown"), -1);
	ck_assert_int_eq(gw_reason_from_name("Fragment"), -1);
	ck_assert_int_eq(gw_reason_from_name("fragment "), -1);
	ck_assert_int_eq(gw_reason_from_name("fragmen"), -1);
	ck_assert_int_eq(gw_reason_from_name("no_sni"), GW_REASON_NO_SNI);
}
END_TEST

/* ---- addresses ---- */

static const struct {
	const char *in;
	int rc;
	bool v4;
	const char *hex; /* 16 bytes stored */
	const char *out; /* canonical text */
} addr_vectors[] = {
	{"192.0.2.1", 0, true, "00000000000000000000ffff c0000201", "192.0.2.1"},
	{"0.0.0.0", 0, true, "00000000000000000000ffff 00000000", "0.0.0.0"},
	{"255.255.255.255", 0, true, "00000000000000000000ffff ffffffff",
	 "255.255.255.255"},
	{"2001:db8::1", 0, false, "20010db8000000000000000000000001",
	 "2001:db8::1"},
	{"2001:DB8:0:0:0:0:0:1", 0, false, "20010db8000000000000000000000001",
	 "2001:db8::1"},
	{"::", 0, false, "00000000000000000000000000000000", "::"},
	{"::1", 0, false, "00000000000000000000000000000001", "::1"},
	{"fe80::1:2", 0, false, "fe800000000000000000000000010002",
	 "fe80::1:2"},
	/* the mapped text form is the IPv4 address */
	{"::ffff:10.1.2.3", 0, true, "00000000000000000000ffff 0a010203",
	 "10.1.2.3"},
	{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, false,
	 "ffffffffffffffffffffffffffffffff",
	 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"", GW_EINVAL, false, NULL, NULL},
	{"1.2.3", GW_EINVAL, false, NULL, NULL},
	{"1.2.3.4.5", GW_EINVAL, false, NULL, NULL},
	{"256.1.1.1", GW_EINVAL, false, NULL, NULL},
	{"1.2.3.4 ", GW_EINVAL, false, NULL, NULL},
	{" 1.2.3.4", GW_EINVAL, false, NULL, NULL},
	{"1.2.3.4/32", GW_EINVAL, false, NULL, NULL},
	{"2001:db8:::1", GW_EINVAL, false, NULL, NULL},
	{"2001:db8::g", GW_EINVAL, false, NULL, NULL},
	{"example.com", GW_EINVAL, false, NULL, NULL},
};

START_TEST(test_addr_vectors)
{
	int i = _i;
	struct gw_addr a, want;
	char buf[GW_ADDR_STRLEN];
	int rc;

	memset(&a, 0xa5, sizeof(a));
	rc = gw_addr_parse(addr_vectors[i].in, &a);
	ck_assert_int_eq(rc, addr_vectors[i].rc);
	if (rc != 0)
		return;
	ck_assert_uint_eq(gw_test_hex(addr_vectors[i].hex, want.b, 16), 16);
	ck_assert_mem_eq(a.b, want.b, 16);
	ck_assert_int_eq(gw_addr_is_v4(&a), addr_vectors[i].v4);
	ck_assert_ptr_eq(gw_addr_to_str(&a, buf, sizeof(buf)), buf);
	ck_assert_str_eq(buf, addr_vectors[i].out);
}
END_TEST

START_TEST(test_addr_misc)
{
	struct gw_addr a, b;
	char buf[GW_ADDR_STRLEN];
	char small[8];
	const uint8_t v4[4] = {198, 51, 100, 7};
	size_t sz;

	ck_assert_int_eq(gw_addr_parse(NULL, &a), GW_EINVAL);
	ck_assert_int_eq(gw_addr_parse("1.2.3.4", NULL), GW_EINVAL);

	/* the longest text form fits GW_ADDR_STRLEN */
	ck_assert_int_eq(gw_addr_parse("ffff:ffff:ffff:ffff:ffff:fffe:"
				       "255.255.255.255", &a), 0);
	gw_addr_to_str(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ffff:ffff:ffff:ffff:ffff:fffe:ffff:ffff");

	gw_addr_from_v4(&a, v4);
	ck_assert_int_eq(gw_addr_parse("198.51.100.7", &b), 0);
	ck_assert_int_eq(gw_addr_cmp(&a, &b), 0);

	/* a short buffer gets a truncated, terminated string */
	for (sz = 1; sz <= sizeof(small); sz++) {
		memset(small, 'Z', sizeof(small));
		gw_addr_to_str(&a, small, sz);
		ck_assert_uint_eq(strlen(small), sz - 1);
		ck_assert_int_eq(strncmp(small, "198.51.100.7", sz - 1), 0);
	}
	memset(small, 'Z', sizeof(small));
	ck_assert_ptr_eq(gw_addr_to_str(&a, small, 0), small);
	ck_assert_int_eq(small[0], 'Z');
}
END_TEST

static const struct {
	const char *in;
	int rc;
	const char *addr; /* gw_addr_parse form of the stored address */
	unsigned int plen;
	const char *text; /* gw_cidr_to_str */
} cidr_vectors[] = {
	{"10.0.0.0/8", 0, "10.0.0.0", 104, "10.0.0.0/8"},
	{"0.0.0.0/0", 0, "0.0.0.0", 96, "0.0.0.0/0"},
	{"192.0.2.1", 0, "192.0.2.1", 128, "192.0.2.1/32"},
	{"192.0.2.1/32", 0, "192.0.2.1", 128, "192.0.2.1/32"},
	{"192.0.2.128/25", 0, "192.0.2.128", 121, "192.0.2.128/25"},
	{"172.16.0.0/12", 0, "172.16.0.0", 108, "172.16.0.0/12"},
	{"2001:db8::/32", 0, "2001:db8::", 32, "2001:db8::/32"},
	{"2001:db8::1", 0, "2001:db8::1", 128, "2001:db8::1/128"},
	{"::/0", 0, "::", 0, "::/0"},
	{"2001:db8:8000::/33", 0, "2001:db8:8000::", 33,
	 "2001:db8:8000::/33"},
	{"::ffff:10.0.0.0/104", 0, "10.0.0.0", 104, "10.0.0.0/8"},
	{"::ffff:0.0.0.0/96", 0, "0.0.0.0", 96, "0.0.0.0/0"},
	/* host bits set below the prefix */
	{"10.1.2.3/8", GW_EINVAL, NULL, 0, NULL},
	{"192.0.2.1/31", GW_EINVAL, NULL, 0, NULL},
	{"2001:db8::1/64", GW_EINVAL, NULL, 0, NULL},
	{"2001:db8:8000::/32", GW_EINVAL, NULL, 0, NULL},
	{"::ffff:10.0.0.0/95", GW_EINVAL, NULL, 0, NULL},
	/* bad prefix lengths */
	{"10.0.0.0/33", GW_EINVAL, NULL, 0, NULL},
	{"2001:db8::/129", GW_EINVAL, NULL, 0, NULL},
	{"10.0.0.0/", GW_EINVAL, NULL, 0, NULL},
	{"10.0.0.0/-1", GW_EINVAL, NULL, 0, NULL},
	{"10.0.0.0/+8", GW_EINVAL, NULL, 0, NULL},
	{"10.0.0.0/08", GW_EINVAL, NULL, 0, NULL},
	{"10.0.0.0/8 ", GW_EINVAL, NULL, 0, NULL},
	{"10.0.0.0/8/8", GW_EINVAL, NULL, 0, NULL},
	{"10.0.0.0/1000", GW_EINVAL, NULL, 0, NULL},
	{"::/0000", GW_EINVAL, NULL, 0, NULL},
	{"/8", GW_EINVAL, NULL, 0, NULL},
	{"", GW_EINVAL, NULL, 0, NULL},
	{"10.0.0/8", GW_EINVAL, NULL, 0, NULL},
	{"0000:0000:0000:0000:0000:0000:0000:0000:0000/0", GW_EINVAL, NULL,
	 0, NULL},
	{"0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000/0",
	 GW_EINVAL, NULL, 0, NULL},
};

START_TEST(test_cidr_vectors)
{
	int i = _i;
	struct gw_cidr c, c2;
	struct gw_addr want;
	char buf[64];
	int rc;

	memset(&c, 0xa5, sizeof(c));
	rc = gw_cidr_parse(cidr_vectors[i].in, &c);
	ck_assert_int_eq(rc, cidr_vectors[i].rc);
	if (rc != 0) {
		/* output untouched on error */
		ck_assert_uint_eq(c.plen, 0xa5);
		return;
	}
	ck_assert_int_eq(gw_addr_parse(cidr_vectors[i].addr, &want), 0);
	ck_assert_int_eq(gw_addr_cmp(&c.addr, &want), 0);
	ck_assert_uint_eq(c.plen, cidr_vectors[i].plen);
	ck_assert_ptr_eq(gw_cidr_to_str(&c, buf, sizeof(buf)), buf);
	ck_assert_str_eq(buf, cidr_vectors[i].text);
	/* the text form parses back to the same prefix */
	ck_assert_int_eq(gw_cidr_parse(buf, &c2), 0);
	ck_assert_int_eq(gw_addr_cmp(&c.addr, &c2.addr), 0);
	ck_assert_uint_eq(c.plen, c2.plen);
}
END_TEST

static const struct {
	const char *cidr;
	const char *addr;
	bool in;
} contains_vectors[] = {
	{"10.0.0.0/8", "10.0.0.0", true},
	{"10.0.0.0/8", "10.255.255.255", true},
	{"10.0.0.0/8", "11.0.0.0", false},
	{"10.0.0.0/8", "9.255.255.255", false},
	{"192.0.2.128/25", "192.0.2.128", true},
	{"192.0.2.128/25", "192.0.2.255", true},
	{"192.0.2.128/25", "192.0.2.127", false},
	{"192.0.2.1", "192.0.2.1", true},
	{"192.0.2.1", "192.0.2.2", false},
	{"0.0.0.0/0", "203.0.113.9", true},
	/* an IPv4 prefix never contains IPv6 addresses, even /0 */
	{"0.0.0.0/0", "2001:db8::1", false},
	{"0.0.0.0/0", "::", false},
	{"::/0", "2001:db8::1", true},
	{"::/0", "10.0.0.1", true},
	{"2001:db8::/32", "2001:db8:ffff::1", true},
	{"2001:db8::/32", "2001:db9::1", false},
	{"2001:db8:8000::/33", "2001:db8:8000::1", true},
	{"2001:db8:8000::/33", "2001:db8:7fff::1", false},
	{"2001:db8::1", "2001:db8::1", true},
	{"2001:db8::1", "2001:db8::", false},
	{"fe80::/10", "febf::1", true},
	{"fe80::/10", "fec0::1", false},
};

START_TEST(test_cidr_contains)
{
	int i = _i;
	struct gw_cidr c;
	struct gw_addr a;

	ck_assert_int_eq(gw_cidr_parse(contains_vectors[i].cidr, &c), 0);
	ck_assert_int_eq(gw_addr_parse(contains_vectors[i].addr, &a), 0);
	ck_assert_int_eq(gw_cidr_contains(&c, &a), contains_vectors[i].in);
}
END_TEST

START_TEST(test_cidr_misc)
{
	struct gw_cidr c;
	struct gw_addr a;
	char buf[8];

	ck_assert_int_eq(gw_cidr_parse(NULL, &c), GW_EINVAL);
	ck_assert_int_eq(gw_cidr_parse("10.0.0.0/8", NULL), GW_EINVAL);

	/* a hand-built out-of-range prefix contains nothing */
	memset(&c, 0, sizeof(c));
	c.plen = 200;
	memset(&a, 0, sizeof(a));
	ck_assert(!gw_cidr_contains(&c, &a));

	/* a hand-built mapped prefix shorter than /96 prints as IPv6 */
	ck_assert_int_eq(gw_addr_parse("10.0.0.0", &c.addr), 0);
	c.plen = 0;
	{
		char big[64];

		gw_cidr_to_str(&c, big, sizeof(big));
		ck_assert_str_eq(big, "::ffff:10.0.0.0/0");
	}

	/* truncation */
	ck_assert_int_eq(gw_cidr_parse("192.168.100.0/24", &c), 0);
	gw_cidr_to_str(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.168");
	buf[0] = 'Z';
	gw_cidr_to_str(&c, buf, 0);
	ck_assert_int_eq(buf[0], 'Z');
}
END_TEST

/* ---- escape ---- */

static const struct {
	const char *hex; /* input bytes */
	const char *out;
} escape_vectors[] = {
	{"", ""},
	{"61 62 63", "abc"},
	{"20 7e", " ~"},
	{"22", "\\x22"},
	{"5c", "\\x5c"},
	{"00", "\\x00"},
	{"1f 7f 80 ff", "\\x1f\\x7f\\x80\\xff"},
	{"0a 0d 09", "\\x0a\\x0d\\x09"},
	{"77 77 77 2e 65 78 00 2e 63 6f 6d", "www.ex\\x00.com"},
	{"27 3c 3e 25", "'<>%"},
};

/* Independent reference: the escaped form of one byte. */
static void
ref_unit(uint8_t c, char unit[5])
{
	if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
		snprintf(unit, 5, "%c", c);
	else
		snprintf(unit, 5, "\\x%02x", c);
}

START_TEST(test_escape_vectors)
{
	int i = _i;
	uint8_t in[64];
	size_t n = gw_test_hex(escape_vectors[i].hex, in, sizeof(in));
	size_t full = strlen(escape_vectors[i].out);
	size_t size;

	/* every output size from 0 to one more than needed; the buffer sits
	 * right before a guard page so that any write past size faults */
	for (size = 0; size <= full + 1; size++) {
		static const uint8_t zero[256];
		struct gw_guard g;
		char *out = (char *)gw_guard_place(&g, zero, size);
		char want[256];
		size_t wlen = 0, j, r;

		memset(out, 'Z', size);
		for (j = 0; j < n; j++) {
			char unit[5];

			ref_unit(in[j], unit);
			if (size == 0 || wlen + strlen(unit) > size - 1)
				break;
			memcpy(want + wlen, unit, strlen(unit));
			wlen += strlen(unit);
		}
		want[wlen] = '\0';

		r = gw_escape(in, n, out, size);
		ck_assert_uint_eq(r, wlen);
		if (size > 0) {
			ck_assert_str_eq(out, want);
		}
		if (size == full + 1)
			ck_assert_str_eq(out, escape_vectors[i].out);
		gw_guard_release(&g);
	}
}
END_TEST

START_TEST(test_escape_all_bytes)
{
	uint8_t in[256];
	char out[256 * 4 + 1];
	char want[256 * 4 + 1] = "";
	size_t r;
	int c;

	for (c = 0; c < 256; c++) {
		char unit[5];

		in[c] = (uint8_t)c;
		ref_unit((uint8_t)c, unit);
		strcat(want, unit);
	}
	r = gw_escape(in, sizeof(in), out, sizeof(out));
	/* 95 printable minus '"' and '\\' kept, 163 escaped */
	ck_assert_uint_eq(r, 93 + 163 * 4);
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(gw_escape(NULL, 0, out, 1), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(gw_escape(in, 10, NULL, 0), 0);
}
END_TEST

static Suite *
common_suite(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_error_names, 0,
			    GW_ARRAY_SIZE(error_vectors));
	tcase_add_test(tc, test_error_map_covered);
	tcase_add_loop_test(tc, test_reason_vectors, 0,
			    GW_ARRAY_SIZE(reason_vectors));
	tcase_add_test(tc, test_reason_all);
	tcase_add_test(tc, test_reason_documented);
	tcase_add_test(tc, test_reason_from_name_unknown);
	tcase_add_loop_test(tc, test_addr_vectors, 0,
			    GW_ARRAY_SIZE(addr_vectors));
	tcase_add_test(tc, test_addr_misc);
	tcase_add_loop_test(tc, test_cidr_vectors, 0,
			    GW_ARRAY_SIZE(cidr_vectors));
	tcase_add_loop_test(tc, test_cidr_contains, 0,
			    GW_ARRAY_SIZE(contains_vectors));
	tcase_add_test(tc, test_cidr_misc);
	tcase_add_loop_test(tc, test_escape_vectors, 0,
			    GW_ARRAY_SIZE(escape_vectors));
	tcase_add_test(tc, test_escape_all_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(common_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
