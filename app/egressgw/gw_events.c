/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow records -> EVE JSON lines. Runs on the control plane (the daemon's
 * main lcore, or replay's only thread), never on a worker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "eve/gw_eve.h"
#include "flow/gw_flow.h"

#include "gw_events.h"

#define EVENTS_DRAIN_BURST 64
#define EVENTS_CACHE_MAX 262144u

struct gw_events {
	FILE *f;
	char *path;
	bool own_file;
	const struct gw_policy *policy;
	struct gw_eve_ctx ctx;
	struct gw_eve_cache *cache;
	struct gw_events_stats st;
	gw_events_hook on_verify;
	gw_events_hook on_answer;
	void *hook_arg;
	gw_events_hook on_record;       /* every record, before its events */
	void *record_arg;
	gw_events_line_fn on_line;      /* every event line written */
	void *line_arg;
	struct gw_record burst[EVENTS_DRAIN_BURST];
};

static const char *
sig_name(uint32_t sig_id, void *arg)
{
	const struct gw_events *ev = arg;
	size_t i;

	for (i = 0; i < ev->policy->n_sigs; i++)
		if (ev->policy->sigs[i].id == sig_id)
			return ev->policy->sigs[i].name;
	return NULL;
}

static int
open_file(struct gw_events *ev)
{
	if (ev->path == NULL) {
		ev->f = NULL;
		ev->own_file = false;
		return 0;
	}
	if (strcmp(ev->path, "-") == 0) {
		ev->f = stdout;
		ev->own_file = false;
		return 0;
	}
	ev->f = fopen(ev->path, "a");
	if (ev->f == NULL)
		return GW_EIO;
	ev->own_file = true;
	return 0;
}

struct gw_events *
gw_events_open(const char *path, const struct gw_policy *p, const char *iface)
{
	struct gw_events *ev = calloc(1, sizeof(*ev));
	uint32_t cap;

	if (ev == NULL)
		return NULL;
	ev->policy = p;
	ev->ctx.in_iface = iface;
	ev->ctx.sig_name = sig_name;
	ev->ctx.sig_arg = ev;
	cap = p->gw.flow_capacity < EVENTS_CACHE_MAX ? p->gw.flow_capacity
						     : EVENTS_CACHE_MAX;
	ev->cache = gw_eve_cache_create(cap > 0 ? cap : 1);
	ev->path = path != NULL ? strdup(path) : NULL;
	if (ev->cache == NULL || (path != NULL && ev->path == NULL) ||
	    open_file(ev) != 0) {
		int saved = errno;

		gw_events_close(ev);
		errno = saved;
		return NULL;
	}
	return ev;
}

void
gw_events_set_policy(struct gw_events *ev, const struct gw_policy *p)
{
	ev->policy = p;
}

static void
emit(struct gw_events *ev, json_t *j)
{
	const char *type;
	char *line;
	size_t len;

	if (j == NULL)
		return;
	ev->st.events++;
	if (ev->on_line == NULL) {
		if (ev->f != NULL && gw_eve_write(ev->f, j) != 0)
			ev->st.write_errors++;
		json_decref(j);
		return;
	}
	/* One serialisation for the log and the followers (gwctl events). */
	type = json_string_value(json_object_get(j, "event_type"));
	line = json_dumps(j, JSON_COMPACT);
	if (line == NULL) {
		ev->st.write_errors++;
		json_decref(j);
		return;
	}
	len = strlen(line);
	ev->on_line(type != NULL ? type : "", line, len, ev->line_arg);
	line[len] = '\n';
	if (ev->f != NULL && fwrite(line, 1, len + 1, ev->f) != len + 1)
		ev->st.write_errors++;
	free(line);
	json_decref(j);
}

void
gw_events_emit(struct gw_events *ev, json_t *j)
{
	emit(ev, j);
}

void
gw_events_set_record_hook(struct gw_events *ev, gw_events_hook fn, void *arg)
{
	ev->on_record = fn;
	ev->record_arg = arg;
}

void
gw_events_set_line_hook(struct gw_events *ev, gw_events_line_fn fn, void *arg)
{
	ev->on_line = fn;
	ev->line_arg = arg;
}

void
gw_events_record(struct gw_events *ev, const struct gw_record *r)
{
	struct gw_eve_name name;

	ev->st.records++;
	if (ev->on_record != NULL)
		ev->on_record(r, ev->record_arg);
	if (ev->f == NULL && ev->on_line == NULL) {
		/* No sink (replay without --eve): count, build no JSON. */
		if (r->type == GW_REC_VERDICT || r->type == GW_REC_END)
			ev->st.events++;
		if (r->type == GW_REC_VERDICT && r->verdict == GW_VERDICT_DENY &&
		    r->reason == GW_REASON_C2_SIGNATURE)
			ev->st.alerts++;
		return;
	}
	switch (r->type) {
	case GW_REC_START:
		/* Starts feed metrics (later); the verdict event tells the story. */
		break;
	case GW_REC_VERDICT:
		if (r->name_len == 0 &&
		    gw_eve_cache_take(ev->cache, r->flow_id, &name) == 0) {
			/* A later verdict (revoked, quarantined) carries no name:
			 * the event keeps the one its flow was judged by. */
			emit(ev, gw_eve_from_record_name(r, &ev->ctx, &name));
			gw_eve_cache_put(ev->cache, r->flow_id, &name);
			break;
		}
		emit(ev, gw_eve_from_record(r, &ev->ctx));
		if (r->reason == GW_REASON_C2_SIGNATURE && r->verdict == GW_VERDICT_DENY) {
			json_t *a = gw_eve_alert_from_record(r, &ev->ctx);

			if (a != NULL)
				ev->st.alerts++;
			emit(ev, a);
		}
		if (r->app != 0) {
			gw_eve_name_from_record(&name, r);
			gw_eve_cache_put(ev->cache, r->flow_id, &name);
		}
		break;
	case GW_REC_DNS:
		emit(ev, gw_eve_from_record(r, &ev->ctx));
		if (ev->on_answer != NULL && r->dns_type == 2 &&
		    r->rule_kind == GW_RULE_DNS && r->dns_n_addrs > 0)
			ev->on_answer(r, ev->hook_arg);
		break;
	case GW_REC_NAT:
		emit(ev, gw_eve_from_record(r, &ev->ctx));
		break;
	case GW_REC_VERIFY:
		if (ev->on_verify != NULL)
			ev->on_verify(r, ev->hook_arg);
		break;
	case GW_REC_END:
		if (gw_eve_cache_take(ev->cache, r->flow_id, &name) == 0)
			emit(ev, gw_eve_from_record_name(r, &ev->ctx, &name));
		else
			emit(ev, gw_eve_from_record(r, &ev->ctx));
		break;
	default:
		break;
	}
}

unsigned int
gw_events_drain(struct gw_events *ev, struct rte_ring *ring, unsigned int max)
{
	unsigned int total = 0;

	while (total < max) {
		unsigned int n, i;

		n = rte_ring_dequeue_burst_elem(ring, ev->burst,
						sizeof(struct gw_record),
						EVENTS_DRAIN_BURST, NULL);
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			gw_events_record(ev, &ev->burst[i]);
		total += n;
	}
	return total;
}

void
gw_events_flush(struct gw_events *ev)
{
	if (ev != NULL && ev->f != NULL)
		fflush(ev->f);
}

int
gw_events_reopen(struct gw_events *ev)
{
	if (!ev->own_file)
		return 0;
	fclose(ev->f);
	return open_file(ev);
}

void
gw_events_set_hooks(struct gw_events *ev, gw_events_hook on_verify,
		    gw_events_hook on_answer, void *arg)
{
	ev->on_verify = on_verify;
	ev->on_answer = on_answer;
	ev->hook_arg = arg;
}

const struct gw_events_stats *
gw_events_get_stats(const struct gw_events *ev)
{
	return &ev->st;
}

void
gw_events_close(struct gw_events *ev)
{
	if (ev == NULL)
		return;
	if (ev->f != NULL) {
		fflush(ev->f);
		if (ev->own_file)
			fclose(ev->f);
	}
	gw_eve_cache_free(ev->cache);
	free(ev->path);
	free(ev);
}
