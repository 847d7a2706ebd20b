/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <string.h>

#include "common/gw_reason.h"
#include "ctl/gw_ctl_private.h"
#include "ctl/gw_stats.h"
#include "eve/gw_eve.h"

#define GW_STAT_DESC(sym, n, d, u, k)                                          \
	{.name = n, .desc = d, .unit = u, .kind = GW_STAT_##k},

const struct gw_stat_desc gw_port_stats[GW_PORT_STAT_MAX] = {
	GW_PORT_STATS_MAP(GW_STAT_DESC)
};

const struct gw_stat_desc gw_worker_stats[GW_WORKER_STAT_MAX] = {
	GW_WORKER_STATS_MAP(GW_STAT_DESC)
};

#undef GW_STAT_DESC

int
gw_stat_find(const struct gw_stat_desc *table, size_t n, const char *name)
{
	size_t i;

	if (table == NULL || name == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(table[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

static int
set_u64(json_t *o, const char *key, uint64_t v)
{
	if (v > INT64_MAX)
		v = INT64_MAX;
	return json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* Counters never overflow in practice; saturate rather than wrap anyway. */
static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static int
set_table(json_t *o, const struct gw_stat_desc *t, size_t n, const uint64_t *v)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < n; i++)
		bad |= set_u64(o, t[i].name, v[i]);
	return bad;
}

static json_t *
policy_json(const struct gw_stats_snapshot *s)
{
	char ts[GW_EVE_TS_LEN];
	json_t *o;
	int bad = 0;

	if (s->policy_source == NULL)
		return json_null();
	o = json_object();
	if (o == NULL)
		return NULL;
	bad |= json_object_set_new(o, "source", gw_ctl_string(s->policy_source));
	bad |= set_u64(o, "version", s->policy_version);
	bad |= json_object_set_new(
		o, "loaded_at",
		json_string(gw_eve_format_ts(s->policy_loaded_ns, ts, sizeof(ts))));
	bad |= set_u64(o, "roles", s->policy_roles);
	if (bad != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
ports_json(const struct gw_stats_snapshot *s)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < s->n_ports; i++) {
		const struct gw_stats_port *p = &s->ports[i];
		json_t *o = json_object();
		char name[GW_STATS_PORT_NAME_MAX];
		int bad = 0;

		if (o == NULL)
			goto fail;
		memcpy(name, p->name, sizeof(name));
		name[sizeof(name) - 1] = '\0';
		bad |= set_u64(o, "id", p->id);
		bad |= json_object_set_new(o, "name", gw_ctl_string(name));
		bad |= set_table(o, gw_port_stats, GW_PORT_STAT_MAX, p->v);
		bad |= json_array_append_new(a, o);
		if (bad != 0)
			goto fail;
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *
workers_json(const struct gw_stats_snapshot *s)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < s->n_workers; i++) {
		const struct gw_stats_worker *w = &s->workers[i];
		json_t *o = json_object();
		int bad = 0;

		if (o == NULL)
			goto fail;
		bad |= set_u64(o, "id", w->id);
		bad |= set_u64(o, "lcore", w->lcore);
		bad |= set_table(o, gw_worker_stats, GW_WORKER_STAT_MAX, w->v);
		bad |= json_array_append_new(a, o);
		if (bad != 0)
			goto fail;
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

/* Every reason, summed over workers: flows denied, or packets dropped. */
static json_t *
reasons_json(const struct gw_stats_snapshot *s, bool denied, uint64_t *total)
{
	json_t *o = json_object();
	unsigned int r;
	int bad = 0;

	if (o == NULL)
		return NULL;
	*total = 0;
	for (r = 0; r < GW_REASON_MAX; r++) {
		uint64_t sum = 0;
		size_t i;

		for (i = 0; i < s->n_workers; i++)
			sum = add_sat(sum, denied ? s->workers[i].denied[r] :
						    s->workers[i].drops[r]);
		*total = add_sat(*total, sum);
		bad |= set_u64(o, gw_reason_name(r), sum);
	}
	if (bad != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
totals_json(const struct gw_stats_snapshot *s, uint64_t drops)
{
	uint64_t rx = 0, tx = 0, active = 0, created = 0, lost = 0;
	json_t *o = json_object();
	int bad = 0;
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < s->n_ports; i++) {
		rx = add_sat(rx, s->ports[i].v[GW_PORT_STAT_RX_PACKETS]);
		tx = add_sat(tx, s->ports[i].v[GW_PORT_STAT_TX_PACKETS]);
	}
	for (i = 0; i < s->n_workers; i++) {
		const uint64_t *v = s->workers[i].v;

		active = add_sat(active, v[GW_WORKER_STAT_FLOWS_ACTIVE]);
		created = add_sat(created, v[GW_WORKER_STAT_FLOWS_CREATED]);
		lost = add_sat(lost, v[GW_WORKER_STAT_RING_LOST]);
	}
	bad |= set_u64(o, "rx_packets", rx);
	bad |= set_u64(o, "tx_packets", tx);
	bad |= set_u64(o, "drops", drops);
	bad |= set_u64(o, "flows_active", active);
	bad |= set_u64(o, "flows_created", created);
	bad |= set_u64(o, "ring_lost", lost);
	if (bad != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
gw_stats_to_json(const struct gw_stats_snapshot *s)
{
	uint64_t drops = 0;
	uint64_t denied = 0;
	json_t *o;
	int bad = 0;

	if (s == NULL || (s->n_ports > 0 && s->ports == NULL) ||
	    (s->n_workers > 0 && s->workers == NULL))
		return NULL;
	o = json_object();
	if (o == NULL)
		return NULL;
	bad |= json_object_set_new(o, "version",
				   gw_ctl_string(s->version != NULL ?
							 s->version : ""));
	bad |= set_u64(o, "uptime_s", s->uptime_s);
	bad |= json_object_set_new(o, "policy", policy_json(s));
	bad |= json_object_set_new(o, "ports", ports_json(s));
	bad |= json_object_set_new(o, "workers", workers_json(s));
	bad |= json_object_set_new(o, "drops", reasons_json(s, false, &drops));
	bad |= json_object_set_new(o, "flows_denied_by_reason",
				   reasons_json(s, true, &denied));
	bad |= json_object_set_new(o, "totals", totals_json(s, drops));
	if (bad != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
