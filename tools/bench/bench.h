/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BENCH_H
#define BENCH_H

#include <getopt.h>

#include "gen.h"

/* Subcommands of egressgw-bench. Each returns the process exit status. */
int bench_cmd_gen(int argc, char **argv);
int bench_cmd_policy(int argc, char **argv);
int bench_cmd_selftest(int argc, char **argv);
int bench_cmd_inproc(int argc, char **argv);
int bench_cmd_memif(int argc, char **argv);

/*
 * Generator options shared by the subcommands (long options only, codes
 * from GEN_OPT_BASE): --profile --flows --names --allow-ratio --pq-ratio
 * --wildcard-ratio --vlan --outer-vlan --servers --data-segs --bulk-pkts
 * --seed.
 */
#define GEN_OPT_BASE 1000
#define GEN_LONG_OPTIONS                                                     \
	{"profile", required_argument, NULL, GEN_OPT_BASE + 0},              \
	{"flows", required_argument, NULL, GEN_OPT_BASE + 1},                \
	{"names", required_argument, NULL, GEN_OPT_BASE + 2},                \
	{"allow-ratio", required_argument, NULL, GEN_OPT_BASE + 3},          \
	{"pq-ratio", required_argument, NULL, GEN_OPT_BASE + 4},             \
	{"wildcard-ratio", required_argument, NULL, GEN_OPT_BASE + 5},       \
	{"vlan", required_argument, NULL, GEN_OPT_BASE + 6},                 \
	{"outer-vlan", required_argument, NULL, GEN_OPT_BASE + 7},           \
	{"servers", required_argument, NULL, GEN_OPT_BASE + 8},              \
	{"data-segs", required_argument, NULL, GEN_OPT_BASE + 9},            \
	{"bulk-pkts", required_argument, NULL, GEN_OPT_BASE + 10},           \
	{"seed", required_argument, NULL, GEN_OPT_BASE + 11}
#define GEN_OPT_END (GEN_OPT_BASE + 12)

/* Applies one generator option; 0, or -1 after printing why. */
int bench_gen_option(int opt, const char *arg, struct gen_cfg *cfg);
/* The generator options' help text. */
extern const char bench_gen_usage[];

#endif /* BENCH_H */
