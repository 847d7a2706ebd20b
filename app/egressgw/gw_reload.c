/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hot policy reload (gwctl reload, SIGHUP).
 *
 * The new policy is loaded, validated, its dns.allow names resolved and its
 * Hyperscan databases compiled on a helper thread, and a scratch is grown
 * for each worker, all off the data path; meanwhile the control thread
 * keeps draining the record rings. The snapshot (policy + scratches) is
 * then published by one pointer store; workers pick it up at their next
 * burst. The replaced snapshot is freed once every worker has reported a
 * quiescent state (rte_rcu_qsbr) after the swap. A policy that does not
 * load is rejected with its file:line:col errors and the running one stays.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "common/gw_error.h"

#include "gw_app.h"
#include "gw_daemon.h"
#include "gw_evidence.h"

struct reload_job {
	const char *path;
	bool dry_run;
	unsigned int n_workers;
	volatile int done;
	int rc;
	struct gw_policy *p;
	struct gw_snapshot *snap;
	struct gw_diags diags;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct gw_snapshot *
gw_snapshot_create(const struct gw_policy *p, unsigned int n_workers)
{
	struct gw_snapshot *s = calloc(1, sizeof(*s));
	unsigned int i;

	if (s == NULL)
		return NULL;
	s->policy = p;
	for (i = 0; i < n_workers && i < GW_WORKER_MAX; i++) {
		if (gw_policy_scratch_grow(p, &s->scratch[i]) != 0) {
			gw_snapshot_free(s, false);
			return NULL;
		}
	}
	return s;
}

void
gw_snapshot_free(struct gw_snapshot *s, bool with_policy)
{
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < GW_WORKER_MAX; i++)
		gw_match_scratch_free(s->scratch[i]);
	if (with_policy)
		gw_policy_free((struct gw_policy *)(uintptr_t)s->policy);
	free(s);
}

static void *
reload_main(void *arg)
{
	struct reload_job *j = arg;
	struct gw_policy_load_opts opts = {.resolve = gw_app_resolve_system};

	j->rc = gw_policy_load_file_opts(j->path, &j->p, &j->diags, &opts);
	if (j->rc == 0 && !j->dry_run) {
		j->snap = gw_snapshot_create(j->p, j->n_workers);
		if (j->snap == NULL)
			j->rc = GW_ENOMEM;
	}
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static json_t *
diags_json(const struct gw_diags *d, bool warnings)
{
	json_t *a = json_array();
	unsigned int i;
	char buf[600];

	for (i = 0; i < d->n; i++) {
		if (d->d[i].warning != warnings)
			continue;
		snprintf(buf, sizeof(buf), "%s:%u:%u: %s", d->file, d->d[i].line,
			 d->d[i].col, d->d[i].msg);
		json_array_append_new(a, json_string(buf));
	}
	if (!warnings && d->total > d->n) {
		snprintf(buf, sizeof(buf), "%s: %u more diagnostics not shown",
			 d->file, d->total - d->n);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

/* Keeps the records flowing while the helper thread works. */
static void
wait_job(struct gw_daemon *d, struct reload_job *j)
{
	unsigned int i;

	while (!__atomic_load_n(&j->done, __ATOMIC_ACQUIRE)) {
		unsigned int got = 0;

		for (i = 0; i < d->n_workers; i++)
			got += gw_events_drain(d->events, d->workers[i].ring,
					       1024);
		gw_resolver_poll(d->resolver);
		if (got == 0)
			usleep(500);
	}
}

/*
 * Publishes s and frees the snapshot it replaces after every worker went
 * through a quiescent state. Workers report one per loop (microseconds), so
 * the wait is short; records are drained meanwhile.
 */
static void
publish(struct gw_daemon *d, struct gw_snapshot *s)
{
	struct gw_snapshot *old = d->snap;
	uint64_t token;
	unsigned int i;

	__atomic_store_n(&d->snap, s, __ATOMIC_RELEASE);
	token = rte_rcu_qsbr_start(d->rcu);
	while (rte_rcu_qsbr_check(d->rcu, token, false) == 0) {
		for (i = 0; i < d->n_workers; i++)
			gw_events_drain(d->events, d->workers[i].ring, 1024);
		rte_pause();
	}
	gw_snapshot_free(old, true);
}

int
gw_daemon_rcu_init(struct gw_daemon *d)
{
	size_t sz = rte_rcu_qsbr_get_memsize(d->n_workers);

	d->rcu = rte_zmalloc("gw_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (d->rcu == NULL || rte_rcu_qsbr_init(d->rcu, d->n_workers) != 0)
		return GW_ENOMEM;
	return 0;
}

json_t *
gw_daemon_reload(struct gw_daemon *d, bool dry_run, char *err, size_t errlen)
{
	struct reload_job *j;
	pthread_t th;
	json_t *res;
	uint64_t t0 = mono_ns();
	const struct gw_policy *old = d->policy;

	if (d->reloading) {
		snprintf(err, errlen, "a reload is already running");
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	j->path = d->config_path;
	j->dry_run = dry_run;
	j->n_workers = d->n_workers;
	d->reloading = true;
	if (pthread_create(&th, NULL, reload_main, j) != 0) {
		d->reloading = false;
		free(j);
		snprintf(err, errlen, "cannot start the reload thread");
		return NULL;
	}
	wait_job(d, j);
	pthread_join(th, NULL);
	d->reloading = false;

	res = json_object();
	json_object_set_new(res, "dry_run", json_boolean(dry_run));
	json_object_set_new(res, "source", json_string(d->config_path));
	json_object_set_new(res, "errors", diags_json(&j->diags, false));
	json_object_set_new(res, "warnings", diags_json(&j->diags, true));
	json_object_set_new(res, "previous_version",
			    json_integer((json_int_t)old->version));
	if (j->rc != 0) {
		if (j->diags.n == 0)
			json_array_append_new(json_object_get(res, "errors"),
					      json_sprintf("%s: %s",
							   d->config_path,
							   gw_strerror(j->rc)));
		json_object_set_new(res, "ok", json_false());
		json_object_set_new(res, "version",
				    json_integer((json_int_t)old->version));
		gw_policy_free(j->p);
		j->p = NULL;
	} else {
		json_object_set_new(res, "ok", json_true());
		json_object_set_new(res, "diff", gw_policy_diff(old, j->p));
		{
			json_t *fl = gw_daemon_flip_flows(d, j->p, !dry_run);

			json_object_set(res, "flows_flipped",
					json_object_get(fl, "flipped"));
			json_object_set(res, "flows_checked",
					json_object_get(fl, "checked"));
			json_object_set(res, "flows_reset",
					json_object_get(fl, "reset"));
			json_decref(fl);
		}
		if (dry_run) {
			json_object_set_new(res, "version",
					    json_integer((json_int_t)old->version));
			gw_policy_free(j->p);
		} else {
			j->p->version = old->version + 1;
			json_object_set_new(res, "version",
					    json_integer((json_int_t)j->p->version));
			gw_events_set_policy(d->events, j->p);
			d->policy = j->p;
			gw_daemon_policy_changed(d, old);
			if (d->evidence != NULL &&
			    gw_evidence_reconfigure(d->evidence,
						    &j->p->gw.evidence) != 0)
				json_array_append_new(
					json_object_get(res, "warnings"),
					json_sprintf("gateway.evidence.dir %s: not a "
						     "folder; the previous one "
						     "stays",
						     j->p->gw.evidence.dir));
			publish(d, j->snap);
			d->policy_loaded_ns = gw_realtime_ns();
		}
	}
	json_object_set_new(res, "duration_ms",
			    json_integer((json_int_t)((mono_ns() - t0) / 1000000)));
	if (!dry_run) {
		d->reloads++;
		if (j->rc != 0)
			d->reload_failures++;
		d->last_reload_ns = gw_realtime_ns();
		d->last_reload_ok = j->rc == 0;
		snprintf(d->last_reload_error, sizeof(d->last_reload_error),
			 "%s",
			 json_string_value(json_array_get(
				 json_object_get(res, "errors"), 0)) != NULL ?
				 json_string_value(json_array_get(
					 json_object_get(res, "errors"), 0)) :
				 "");
		d->last_reload_ms = (double)(mono_ns() - t0) / 1e6;
	}
	free(j);
	return res;
}

void
gw_daemon_log_reload(const json_t *res, const char *err, const char *by)
{
	const json_t *e;
	size_t i;

	if (res == NULL) {
		printf("egressgw: reload (%s) not done: %s\n", by, err);
	} else if (json_is_true(json_object_get(res, "ok"))) {
		printf("egressgw: reload (%s): policy version %" JSON_INTEGER_FORMAT
		       " in %" JSON_INTEGER_FORMAT " ms, %zu flow(s) revoked\n",
		       by, json_integer_value(json_object_get(res, "version")),
		       json_integer_value(json_object_get(res, "duration_ms")),
		       json_array_size(json_object_get(res, "flows_flipped")));
	} else {
		printf("egressgw: reload (%s) rejected, policy version %"
		       JSON_INTEGER_FORMAT " stays:\n", by,
		       json_integer_value(json_object_get(res, "version")));
		json_array_foreach(json_object_get(res, "errors"), i, e)
			printf("  %s\n", json_string_value(e));
	}
	fflush(stdout);
}
