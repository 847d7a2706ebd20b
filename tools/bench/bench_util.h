/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Shared pieces of egressgw-bench: EAL start-up, result lines, a latency
 * histogram and option parsing helpers.
 *
 * Every figure is printed as one line the run script parses:
 *   result <key> <value> <unit>
 * and any line starting with "error:" means the benchmark failed.
 */

/* EAL with no hugepages and no PCI; extra arguments (vdevs) appended. */
int bench_eal_init(const char *name, unsigned int mem_mb, const char *lcores,
		   int n_extra, char **extra);

void bench_result(const char *key, double value, const char *unit);
void bench_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic wall clock in seconds. */
double bench_now(void);

/* Option parsing: 0 on success, -1 with a message on stderr. */
int bench_parse_u64(const char *opt, const char *s, uint64_t *out);
int bench_parse_double(const char *opt, const char *s, double *out);

/*
 * Log-linear histogram of nanosecond values: exact below 1024, then 64
 * sub-buckets per power of two (about 1.6 % resolution), up to 2^40 ns.
 */
#define HIST_LINEAR 1024
#define HIST_SUB 64
#define HIST_BUCKETS (HIST_LINEAR + (40 - 10) * HIST_SUB)

struct bench_hist {
	uint64_t count;
	uint64_t max;
	uint64_t b[HIST_BUCKETS];
};

void bench_hist_add(struct bench_hist *h, uint64_t v);
/* Value at quantile q (0..1): the upper edge of the bucket holding it. */
uint64_t bench_hist_quantile(const struct bench_hist *h, double q);

/* Bytes the C heap holds (arena and mmapped chunks), for memory per flow. */
size_t bench_heap_bytes(void);

/* "AMD EPYC 9xx4 ..." from /proc/cpuinfo, or "unknown". */
void bench_cpu_model(char *out, size_t size);

#endif /* BENCH_UTIL_H */
