/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_TEST_H
#define GW_TEST_H

/*
 * Helpers shared by the unit tests: guard-page placement so that any read
 * past the bound handed to a parser faults, and hex helpers.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct gw_guard {
	uint8_t *map;
	size_t map_len;
};

/*
 * Copies data[0..len) so that its last byte is the last byte before a
 * PROT_NONE page; returns the copy. len may be 0 (returns a pointer to the
 * guard boundary). Release with gw_guard_release().
 */
static inline uint8_t *
gw_guard_place(struct gw_guard *g, const void *data, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (len + pg - 1) / pg * pg;
	uint8_t *m;

	if (body == 0)
		body = pg;
	g->map_len = body + pg;
	m = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(m, MAP_FAILED);
	ck_assert_int_eq(mprotect(m + body, pg, PROT_NONE), 0);
	g->map = m;
	if (len > 0)
		memcpy(m + body - len, data, len);
	return m + body - len;
}

static inline void
gw_guard_release(struct gw_guard *g)
{
	if (g->map != NULL)
		munmap(g->map, g->map_len);
	g->map = NULL;
}

/* Parses hex ("16 03 01" or "160301", spaces ignored) into out; returns bytes. */
static inline size_t
gw_test_hex(const char *hex, uint8_t *out, size_t size)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v;
		char c = *hex;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			ck_assert_uint_lt(n, size);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

#endif /* GW_TEST_H */
