/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BENCH_POLICY_H
#define BENCH_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "gen.h"

/*
 * The benchmark policy: one role ("bench") for the generator's VLAN (or
 * untagged) whose allowlist is entries 0..n_names-1 of the generator's name
 * space, the generator's resolver as the only DNS server (its answers bind
 * names to addresses; name_binding stays strict, the default), DoH/DoT
 * blocked, and three C2 signatures so that every name also goes through the
 * C2 scan, as in production.
 */
struct bench_policy_opts {
	uint32_t flow_capacity;     /* 0: loader default */
	uint32_t pending_capacity;  /* 0: loader default */
	uint32_t ring_size;         /* 0: loader default */
	uint32_t tcp_closed_s;      /* 0: loader default */
	const char *eve_log;        /* NULL: loader default */
	const char *control_socket; /* NULL: loader default */
};

/* Returns a malloc'ed NUL-terminated YAML document, NULL on ENOMEM. */
char *bench_policy_yaml(const struct gen_cfg *cfg,
			const struct bench_policy_opts *o, size_t *len);

#endif /* BENCH_POLICY_H */
