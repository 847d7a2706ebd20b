/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry endpoints (/egressgw/...). The telemetry library calls us on
 * its own thread, one per connected client; the daemon's state belongs to
 * the control lcore. A callback therefore posts its request in a single slot
 * and waits (bounded) until the control loop has filled the answer: the
 * numbers are then exactly those `gwctl stats` would show at that instant,
 * built by the same code (gw_daemon_ctl_handler -> gw_stats_to_json).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <rte_telemetry.h>

#include "common/gw_reason.h"
#include "ctl/gw_ctl.h"

#include "gw_daemon.h"
#include "gw_telemetry.h"

/* How long a telemetry client waits for the control loop (which sleeps at
 * most ~10 ms between polls) before getting an error. */
#define TEL_WAIT_MS 2000

enum tel_cmd {
	TEL_STATS = 0,
	TEL_DROPS,
	TEL_WORKERS,
	TEL_FLOWS,
};

static const struct {
	const char *name;
	const char *help;
} tel_cmds[] = {
	[TEL_STATS] = {"/egressgw/stats",
		       "egressgw summary: version, uptime, policy, totals. No parameters"},
	[TEL_DROPS] = {"/egressgw/drops",
		       "egressgw packets dropped by reason, summed over workers. "
		       "Parameter: worker id (optional)"},
	[TEL_WORKERS] = {"/egressgw/workers",
			 "egressgw workers and their counters. Parameter: worker id "
			 "(optional, all its counters)"},
	[TEL_FLOWS] = {"/egressgw/flows",
		       "egressgw flow counts and flows denied by reason. No parameters"},
};

/* The single request slot, guarded by tel_lock. */
static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tel_cond = PTHREAD_COND_INITIALIZER;
static struct gw_daemon *tel_gd;
static bool tel_live;    /* the control loop serves requests */
static bool tel_busy;    /* a client owns the slot */
static int tel_pending;  /* read without the lock by gw_telemetry_poll */
static bool tel_done;
static enum tel_cmd tel_req_cmd;
static const char *tel_req_params;
static struct rte_tel_data *tel_req_data;
static int tel_req_rc;

/* Adds the integer, string and boolean members of obj to the dict d. */
static int
add_scalars(struct rte_tel_data *d, json_t *obj)
{
	const char *key;
	json_t *v;
	int rc = 0;

	json_object_foreach(obj, key, v) {
		if (json_is_integer(v))
			rc = rte_tel_data_add_dict_u64(
				d, key, (uint64_t)json_integer_value(v));
		else if (json_is_string(v))
			rc = rte_tel_data_add_dict_string(d, key,
							  json_string_value(v));
		else if (json_is_boolean(v))
			rc = rte_tel_data_add_dict_int(d, key, json_is_true(v));
		/* A string longer than RTE_TEL_MAX_STRING_LEN is cut, not lost. */
		if (rc != 0 && rc != -E2BIG)
			return rc;
	}
	return 0;
}

/* Adds obj's scalars as a nested dict named name. */
static int
add_container(struct rte_tel_data *d, const char *name, json_t *obj)
{
	struct rte_tel_data *c;
	int rc;

	c = rte_tel_data_alloc();
	if (c == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(c);
	rc = add_scalars(c, obj);
	if (rc == 0)
		rc = rte_tel_data_add_dict_container(d, name, c, 0);
	if (rc != 0)
		rte_tel_data_free(c);
	return rc;
}

static uint64_t
u64_of(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

/* "N" -> worker index; -1 when absent or not a worker of this daemon. */
static int
worker_param(const struct gw_daemon *gd, const char *params)
{
	char *end;
	unsigned long v;

	if (params == NULL || params[0] == '\0')
		return -1;
	errno = 0;
	v = strtoul(params, &end, 10);
	if (errno != 0 || *end != '\0' || end == params || v >= gd->n_workers)
		return -2;
	return (int)v;
}

static uint64_t
worker_drops(const struct gw_daemon *gd, unsigned int i)
{
	uint64_t sum = 0;
	unsigned int r;

	for (r = 0; r < GW_REASON_MAX; r++)
		sum += gd->workers[i].w->st.drops[r];
	return sum;
}

static int
fill_stats(struct gw_daemon *gd, json_t *j, struct rte_tel_data *d)
{
	json_t *policy = json_object_get(j, "policy");
	int rc = 0;

	rte_tel_data_start_dict(d);
	rc |= rte_tel_data_add_dict_string(
		d, "version", json_string_value(json_object_get(j, "version")));
	rc |= rte_tel_data_add_dict_u64(d, "uptime_s", u64_of(j, "uptime_s"));
	rc |= rte_tel_data_add_dict_u64(d, "workers", gd->n_workers);
	if (json_is_object(policy))
		rc |= add_container(d, "policy", policy);
	rc |= add_container(d, "totals", json_object_get(j, "totals"));
	return rc;
}

static int
fill_drops(struct gw_daemon *gd, json_t *j, int worker,
	   struct rte_tel_data *d)
{
	unsigned int r;
	int rc = 0;

	rte_tel_data_start_dict(d);
	if (worker < 0)
		return add_scalars(d, json_object_get(j, "drops"));
	for (r = 0; r < GW_REASON_MAX; r++)
		rc |= rte_tel_data_add_dict_u64(
			d, gw_reason_name(r),
			gd->workers[worker].w->st.drops[r]);
	return rc;
}

static int
fill_workers(struct gw_daemon *gd, json_t *j, int worker,
	     struct rte_tel_data *d)
{
	static const char *const brief[] = {
		"lcore", "rx_packets", "tx_packets", "tx_dropped",
		"flows_active", "pending_flows", "ring_lost",
	};
	json_t *workers = json_object_get(j, "workers");
	unsigned int i, k;
	int rc = 0;

	rte_tel_data_start_dict(d);
	if (worker >= 0) {
		rc |= add_scalars(d, json_array_get(workers, (size_t)worker));
		rc |= rte_tel_data_add_dict_u64(d, "drops",
						worker_drops(gd, (unsigned int)worker));
		return rc;
	}
	for (i = 0; i < gd->n_workers; i++) {
		json_t *w = json_array_get(workers, i);
		struct rte_tel_data *c = rte_tel_data_alloc();
		char name[16];

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		for (k = 0; k < sizeof(brief) / sizeof(brief[0]); k++)
			rc |= rte_tel_data_add_dict_u64(c, brief[k],
							u64_of(w, brief[k]));
		rc |= rte_tel_data_add_dict_u64(c, "drops", worker_drops(gd, i));
		snprintf(name, sizeof(name), "%u", i);
		if (rte_tel_data_add_dict_container(d, name, c, 0) != 0) {
			rte_tel_data_free(c);
			return -ENOSPC;
		}
	}
	return rc;
}

static int
fill_flows(json_t *j, struct rte_tel_data *d)
{
	static const struct {
		const char *out, *in;
	} sums[] = {
		{"active", "flows_active"},     {"created", "flows_created"},
		{"allowed", "flows_allowed"},   {"denied", "flows_denied"},
		{"expired", "flows_expired"},   {"pending", "pending_flows"},
		{"held_packets", "held_packets"},
	};
	json_t *workers = json_object_get(j, "workers");
	size_t i, k;
	int rc = 0;

	rte_tel_data_start_dict(d);
	for (k = 0; k < sizeof(sums) / sizeof(sums[0]); k++) {
		uint64_t sum = 0;

		for (i = 0; i < json_array_size(workers); i++)
			sum += u64_of(json_array_get(workers, i), sums[k].in);
		rc |= rte_tel_data_add_dict_u64(d, sums[k].out, sum);
	}
	rc |= add_container(d, "denied_by_reason",
			    json_object_get(j, "flows_denied_by_reason"));
	return rc;
}

/* On the control lcore, with tel_lock held. */
static int
serve(struct gw_daemon *gd, enum tel_cmd cmd, const char *params,
      struct rte_tel_data *d)
{
	char err[128];
	json_t *j;
	int worker, rc;

	worker = worker_param(gd, params);
	if (worker == -2 ||
	    (worker >= 0 && cmd != TEL_DROPS && cmd != TEL_WORKERS))
		return -EINVAL;
	j = gw_daemon_ctl_handler(GW_CTL_CMD_STATS, NULL, gd, err, sizeof(err));
	if (j == NULL)
		return -ENOMEM;
	switch (cmd) {
	case TEL_STATS: rc = fill_stats(gd, j, d); break;
	case TEL_DROPS: rc = fill_drops(gd, j, worker, d); break;
	case TEL_WORKERS: rc = fill_workers(gd, j, worker, d); break;
	case TEL_FLOWS: rc = fill_flows(j, d); break;
	default: rc = -EINVAL; break;
	}
	json_decref(j);
	return rc != 0 ? -EIO : 0;
}

static int
tel_callback(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct timespec deadline;
	unsigned int i;
	int rc = -EAGAIN, which = -1;

	for (i = 0; i < sizeof(tel_cmds) / sizeof(tel_cmds[0]); i++)
		if (strcmp(cmd, tel_cmds[i].name) == 0)
			which = (int)i;
	if (which < 0)
		return -EINVAL;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += TEL_WAIT_MS / 1000;
	deadline.tv_nsec += (long)(TEL_WAIT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&tel_lock);
	while (tel_live && tel_busy)
		if (pthread_cond_timedwait(&tel_cond, &tel_lock, &deadline) != 0)
			break;
	if (!tel_live || tel_busy)
		goto out;
	tel_busy = true;
	tel_done = false;
	tel_req_cmd = (enum tel_cmd)which;
	tel_req_params = params;
	tel_req_data = d;
	__atomic_store_n(&tel_pending, 1, __ATOMIC_RELEASE);
	while (tel_live && !tel_done)
		if (pthread_cond_timedwait(&tel_cond, &tel_lock, &deadline) != 0)
			break;
	if (tel_done) {
		rc = tel_req_rc;
	} else {
		/* The control loop did not come: withdraw (it serves only
		 * under the lock, so it is not writing into d now). */
		__atomic_store_n(&tel_pending, 0, __ATOMIC_RELEASE);
		rc = -ETIMEDOUT;
	}
	tel_busy = false;
	pthread_cond_broadcast(&tel_cond);
out:
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

int
gw_telemetry_register(struct gw_daemon *gd)
{
	unsigned int i;
	int rc;

	pthread_mutex_lock(&tel_lock);
	tel_gd = gd;
	tel_live = true;
	pthread_mutex_unlock(&tel_lock);
	for (i = 0; i < sizeof(tel_cmds) / sizeof(tel_cmds[0]); i++) {
		rc = rte_telemetry_register_cmd(tel_cmds[i].name, tel_callback,
						tel_cmds[i].help);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
gw_telemetry_poll(struct gw_daemon *gd)
{
	if (__atomic_load_n(&tel_pending, __ATOMIC_ACQUIRE) == 0)
		return;
	pthread_mutex_lock(&tel_lock);
	if (tel_pending && tel_live && gd == tel_gd) {
		tel_req_rc = serve(gd, tel_req_cmd, tel_req_params,
				   tel_req_data);
		tel_done = true;
		__atomic_store_n(&tel_pending, 0, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&tel_cond);
	}
	pthread_mutex_unlock(&tel_lock);
}

void
gw_telemetry_stop(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_live = false;
	__atomic_store_n(&tel_pending, 0, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&tel_cond);
	pthread_mutex_unlock(&tel_lock);
}
