/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "bench_util.h"

#define EAL_ARGS_MAX 32

int
bench_eal_init(const char *name, unsigned int mem_mb, const char *lcores,
	       int n_extra, char **extra)
{
	char prefix[64], mem[16];
	char *argv[EAL_ARGS_MAX];
	int argc = 0, i;

	snprintf(prefix, sizeof(prefix), "egw-bench-%s-%d", name, (int)getpid());
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	argv[argc++] = (char *)"egressgw-bench";
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"-m";
	argv[argc++] = mem;
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)lcores;
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--log-level";
	argv[argc++] = (char *)"*:error";
	argv[argc++] = (char *)"--file-prefix";
	argv[argc++] = prefix;
	for (i = 0; i < n_extra && argc < EAL_ARGS_MAX - 1; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		bench_error("EAL init failed: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void
bench_result(const char *key, double value, const char *unit)
{
	printf("result %s %.6g %s\n", key, value, unit);
	fflush(stdout);
}

void
bench_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
bench_parse_u64(const char *opt, const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	/* 10k, 1M: the sizes the issue speaks in. */
	if (*end == 'k' || *end == 'K') {
		mul = 1000;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		mul = 1000000;
		end++;
	}
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-') {
		fprintf(stderr, "egressgw-bench: %s: bad number '%s'\n", opt, s);
		return -1;
	}
	*out = (uint64_t)v * mul;
	return 0;
}

int
bench_parse_double(const char *opt, const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0') {
		fprintf(stderr, "egressgw-bench: %s: bad number '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

static unsigned int
hist_index(uint64_t v)
{
	unsigned int e;

	if (v < HIST_LINEAR)
		return (unsigned int)v;
	e = 63 - (unsigned int)__builtin_clzll(v);   /* >= 10 */
	if (e >= 40)
		return HIST_BUCKETS - 1;
	return HIST_LINEAR + (e - 10) * HIST_SUB +
	       (unsigned int)((v >> (e - 6)) & (HIST_SUB - 1));
}

static uint64_t
hist_upper(unsigned int i)
{
	unsigned int e, m;

	if (i < HIST_LINEAR)
		return i;
	e = (i - HIST_LINEAR) / HIST_SUB + 10;
	m = (i - HIST_LINEAR) % HIST_SUB;
	return ((uint64_t)(HIST_SUB + m + 1) << (e - 6)) - 1;
}

void
bench_hist_add(struct bench_hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

uint64_t
bench_hist_quantile(const struct bench_hist *h, double q)
{
	uint64_t rank, seen = 0;
	unsigned int i;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if (rank >= h->count)
		rank = h->count - 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > rank) {
			uint64_t u = hist_upper(i);

			return u < h->max ? u : h->max;
		}
	}
	return h->max;
}

size_t
bench_heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

void
bench_cpu_model(char *out, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(out, size, "unknown");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *colon;

		if (strncmp(line, "model name", 10) != 0)
			continue;
		colon = strchr(line, ':');
		if (colon == NULL)
			break;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, size, "%s", colon);
		break;
	}
	fclose(f);
}
