/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_DAEMON_H
#define GW_DAEMON_H

#include <signal.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "ctl/gw_ctl.h"
#include "policy/gw_policy.h"

#include "gw_events.h"
#include "gw_resolver.h"
#include "gw_worker.h"

#define GW_MAX_WORKERS 64

struct gw_worker_port_ctx {
	uint16_t queue;
};

struct gw_daemon_worker {
	unsigned int lcore;
	uint16_t queue;
	volatile int done;
	struct gw_worker *w;
	struct rte_ring *ring;
	struct rte_ring *cmd_ring;
	struct gw_worker_port_ctx port_ctx;
};

struct gw_daemon {
	const char *config_path;
	const char *eve_path;
	const char *ctl_path;
	uint16_t port_id[GW_NB_PORTS];
	uint64_t tsc_hz;
	uint64_t realtime_off;
	uint64_t start_ns;         /* CLOCK_REALTIME */
	uint64_t policy_loaded_ns; /* CLOCK_REALTIME */
	struct gw_policy *policy;
	struct rte_mempool *pool;
	struct gw_events *events;
	struct gw_ctl_server *ctl;
	struct gw_resolver *resolver;  /* NULL without dns.allow resolvers */
	uint64_t cmd_lost;             /* commands a full worker ring refused */
	unsigned int n_workers;
	struct gw_daemon_worker workers[GW_MAX_WORKERS];
	volatile int stop_workers;
	volatile sig_atomic_t reopen_logs;
};

/* Control socket commands (gw_daemon_ctl.c). */
json_t *gw_daemon_ctl_handler(const char *cmd, json_t *args, void *arg,
			      char *err, size_t errlen);

#endif /* GW_DAEMON_H */
