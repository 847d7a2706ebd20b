/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON views of lib/metrics (control path, built on request): top talkers
 * and destinations, one host's series, the snapshot of the EVE "stats"
 * event. Destination names come from the wire and are escaped.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_util.h"
#include "metrics/gw_metrics_private.h"

#define NS_PER_HOUR (GW_NS_PER_MIN * GW_MINUTES)
#define HOST_DESTS_MAX 50
#define SNAPSHOT_TOP 10

static const char *const window_names[] = {
	[GW_METRICS_WIN_1M] = "1m",
	[GW_METRICS_WIN_1H] = "1h",
	[GW_METRICS_WIN_1D] = "1d",
};

static const char *const top_kind_names[] = {
	[GW_METRICS_TOP_HOSTS] = "hosts",
	[GW_METRICS_TOP_HOSTS_TOSERVER] = "hosts_toserver",
	[GW_METRICS_TOP_DESTINATIONS] = "destinations",
	[GW_METRICS_TOP_DESTINATIONS_TOSERVER] = "destinations_toserver",
};

int
gw_metrics_window_parse(const char *s, enum gw_metrics_window *w)
{
	size_t i;

	if (s == NULL)
		return GW_EINVAL;
	for (i = 0; i < GW_ARRAY_SIZE(window_names); i++) {
		if (strcmp(s, window_names[i]) == 0) {
			*w = (enum gw_metrics_window)i;
			return 0;
		}
	}
	return GW_EINVAL;
}

const char *
gw_metrics_window_name(enum gw_metrics_window w)
{
	if ((unsigned int)w >= GW_ARRAY_SIZE(window_names))
		return "unknown";
	return window_names[w];
}

int
gw_metrics_top_kind_parse(const char *s, enum gw_metrics_top_kind *k)
{
	size_t i;

	if (s == NULL)
		return GW_EINVAL;
	for (i = 0; i < GW_ARRAY_SIZE(top_kind_names); i++) {
		if (strcmp(s, top_kind_names[i]) == 0) {
			*k = (enum gw_metrics_top_kind)i;
			return 0;
		}
	}
	return GW_EINVAL;
}

const char *
gw_metrics_alert_type_name(enum gw_metrics_alert_type t)
{
	switch (t) {
	case GW_METRICS_ALERT_DRIFT:
		return "drift";
	case GW_METRICS_ALERT_BEACON:
		return "beacon";
	case GW_METRICS_ALERT_NEW_DESTINATION:
		return "new_destination";
	}
	return "unknown";
}

/* ---- JSON helpers: each returns non-zero on failure ---- */

static int
set_u64(json_t *o, const char *key, uint64_t v)
{
	if (v > (uint64_t)INT64_MAX)
		v = (uint64_t)INT64_MAX;
	return json_object_set_new(o, key, json_integer((json_int_t)v));
}

static int
set_real(json_t *o, const char *key, double v)
{
	return json_object_set_new(o, key, json_real(v));
}

static int
set_str(json_t *o, const char *key, const char *s)
{
	return json_object_set_new(o, key, json_string(s));
}

static int
set_counts(json_t *o, const uint64_t pkts[2], const uint64_t bytes[2])
{
	int bad = 0;

	bad |= set_u64(o, "pkts_toserver", pkts[0]);
	bad |= set_u64(o, "pkts_toclient", pkts[1]);
	bad |= set_u64(o, "bytes_toserver", bytes[0]);
	bad |= set_u64(o, "bytes_toclient", bytes[1]);
	bad |= set_u64(o, "bytes", bytes[0] + bytes[1]);
	return bad;
}

static int
set_host(json_t *o, const char *key, const struct gw_addr *a)
{
	char buf[GW_ADDR_STRLEN];

	return set_str(o, key, gw_addr_to_str(a, buf, sizeof(buf)));
}

static int
set_dest(json_t *o, const char *key, const uint8_t *name, size_t len)
{
	char buf[GW_METRICS_DEST_STRLEN];

	gw_mdest_text(name, len, buf, sizeof(buf));
	return set_str(o, key, buf);
}

static int
set_day(const struct gw_metrics *m, json_t *o, const struct gw_mday *d)
{
	json_t *nd = json_object();
	uint32_t today, yesterday;
	int bad = 0;

	if (nd == NULL)
		return 1;
	gw_mday_get(m, d, &today, &yesterday);
	bad |= set_u64(nd, "today", today);
	bad |= set_u64(nd, "yesterday", yesterday);
	bad |= json_object_set_new(o, "new_destinations", nd);
	return bad;
}

static uint64_t
end_ts_ns(const struct gw_metrics *m)
{
	return (uint64_t)m->closed_min * GW_NS_PER_MIN;
}

/* ---- top ---- */

struct top_item {
	const uint8_t *key;
	size_t key_len;
	uint16_t role;
	bool role_mixed;
	uint64_t pkts[2];
	uint64_t bytes[2];
	uint64_t value;
};

static int
key_cmp(const struct top_item *a, const struct top_item *b)
{
	size_t n = GW_MIN(a->key_len, b->key_len);
	int c = memcmp(a->key, b->key, n);

	if (c != 0)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

static int
by_key_role(const void *x, const void *y)
{
	const struct top_item *a = x, *b = y;
	int c = key_cmp(a, b);

	if (c != 0)
		return c;
	return a->role < b->role ? -1 : a->role > b->role;
}

/* Larger value first; equal values ordered by key for a stable answer. */
static int
by_value(const void *x, const void *y)
{
	const struct top_item *a = x, *b = y;

	if (a->value != b->value)
		return a->value > b->value ? -1 : 1;
	return by_key_role(a, b);
}

static bool
kind_hosts(enum gw_metrics_top_kind kind)
{
	return kind == GW_METRICS_TOP_HOSTS ||
	       kind == GW_METRICS_TOP_HOSTS_TOSERVER;
}

static int
role_find(const struct gw_metrics *m, const char *role)
{
	uint32_t i;

	for (i = 0; i < m->n_roles; i++)
		if (strcmp(m->roles[i].name, role) == 0)
			return (int)i;
	if (strcmp(m->roles[GW_METRICS_MAX_ROLES].name, role) == 0)
		return GW_METRICS_MAX_ROLES;
	return -1;
}

/* Collects, merges (across roles) and ranks; returns the item count or -1. */
static long
top_collect(const struct gw_metrics *m, enum gw_metrics_top_kind kind,
	    int role, enum gw_metrics_window w, struct top_item **out)
{
	bool hosts = kind_hosts(kind);
	const struct gw_mtab *t = hosts ? &m->host_t : &m->dest_t;
	struct top_item *items;
	size_t n = 0, i, j;

	*out = NULL;
	items = calloc(t->n + 1, sizeof(*items));
	if (items == NULL)
		return -1;
	for (i = 0; i < t->cap; i++) {
		struct top_item *it = &items[n];
		const struct gw_mseries *s;

		if (!t->nodes[i].used)
			continue;
		if (hosts) {
			const struct gw_mhost_key *k = gw_mtab_key(t, i);

			it->key = k->addr.b;
			it->key_len = sizeof(k->addr.b);
			it->role = k->role;
			s = &m->hosts[i].s;
		} else {
			const struct gw_mdest_key *k = gw_mtab_key(t, i);

			it->key = k->name;
			it->key_len = k->len;
			it->role = k->role;
			s = &m->dests[i].s;
		}
		if (role >= 0 && it->role != role)
			continue;
		gw_mseries_window(m, s, w, it->pkts, it->bytes);
		if ((it->pkts[0] | it->pkts[1] | it->bytes[0] | it->bytes[1]) == 0)
			continue;
		n++;
	}
	if (n == 0) {
		*out = items;
		return 0;
	}
	qsort(items, n, sizeof(*items), by_key_role);
	/* One line per host (destination) over all its roles. */
	for (i = 0, j = 0; i < n; i++) {
		if (j > 0 && key_cmp(&items[j - 1], &items[i]) == 0) {
			struct top_item *d = &items[j - 1];

			d->pkts[0] += items[i].pkts[0];
			d->pkts[1] += items[i].pkts[1];
			d->bytes[0] += items[i].bytes[0];
			d->bytes[1] += items[i].bytes[1];
			if (d->role != items[i].role)
				d->role_mixed = true;
			continue;
		}
		items[j++] = items[i];
	}
	n = j;
	for (i = 0; i < n; i++) {
		bool ts = kind == GW_METRICS_TOP_HOSTS_TOSERVER ||
			  kind == GW_METRICS_TOP_DESTINATIONS_TOSERVER;

		items[i].value = ts ? items[i].bytes[0] :
				      items[i].bytes[0] + items[i].bytes[1];
	}
	qsort(items, n, sizeof(*items), by_value);
	*out = items;
	return (long)n;
}

static json_t *
top_items(const struct gw_metrics *m, enum gw_metrics_top_kind kind,
	  const char *role, enum gw_metrics_window w, unsigned int limit)
{
	struct top_item *items = NULL;
	json_t *arr = json_array();
	int r = -1;
	long n = 0, i;
	int bad = 0;

	if (arr == NULL)
		return NULL;
	if (role != NULL)
		r = role_find(m, role);
	if (role == NULL || r >= 0)
		n = top_collect(m, kind, r, w, &items);
	if (n < 0) {
		json_decref(arr);
		return NULL;
	}
	for (i = 0; i < n && (unsigned long)i < limit && !bad; i++) {
		const struct top_item *it = &items[i];
		json_t *o = json_object();

		if (o == NULL) {
			bad = 1;
			break;
		}
		if (kind_hosts(kind)) {
			struct gw_addr a;

			memcpy(a.b, it->key, sizeof(a.b));
			bad |= set_host(o, "host", &a);
		} else {
			bad |= set_dest(o, "destination", it->key, it->key_len);
		}
		if (!it->role_mixed)
			bad |= set_str(o, "role", m->roles[it->role].name);
		bad |= set_counts(o, it->pkts, it->bytes);
		bad |= json_array_append_new(arr, o);
	}
	free(items);
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

json_t *
gw_metrics_top(const struct gw_metrics *m, enum gw_metrics_top_kind kind,
	       const char *role, enum gw_metrics_window w, unsigned int limit)
{
	json_t *o, *items;
	int bad = 0;

	if ((unsigned int)kind >= GW_ARRAY_SIZE(top_kind_names) ||
	    (unsigned int)w >= GW_ARRAY_SIZE(window_names))
		return NULL;
	o = json_object();
	if (o == NULL)
		return NULL;
	items = top_items(m, kind, role, w, limit);
	bad |= set_str(o, "kind", top_kind_names[kind]);
	bad |= set_str(o, "window", window_names[w]);
	bad |= json_object_set_new(o, "role",
				   role != NULL ? json_string(role) : json_null());
	bad |= set_u64(o, "end_ts_ns", end_ts_ns(m));
	bad |= items == NULL;
	bad |= json_object_set_new(o, "items", items);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- one host ---- */

static int
set_ring(json_t *o, const char *key, const struct gw_mbucket *ring,
	 uint32_t ring_len, uint32_t first, uint32_t n, uint64_t unit_ns)
{
	static const char *const names[4] = {"pkts_toserver", "pkts_toclient",
					     "bytes_toserver", "bytes_toclient"};
	json_t *s = json_object();
	int bad = 0;
	uint32_t f, i;

	if (s == NULL)
		return 1;
	bad |= set_u64(s, "start_ts_ns", (uint64_t)first * unit_ns);
	bad |= set_u64(s, "step_s", unit_ns / 1000000000ULL);
	for (f = 0; f < 4 && !bad; f++) {
		json_t *arr = json_array();

		for (i = 0; i < n && arr != NULL; i++) {
			const struct gw_mbucket *b = &ring[(first + i) % ring_len];
			uint64_t v = 0;

			if (b->tag == first + i + 1)
				v = f < 2 ? b->pkts[f] : b->bytes[f - 2];
			bad |= json_array_append_new(arr,
						     json_integer((json_int_t)v));
		}
		bad |= arr == NULL;
		bad |= json_object_set_new(s, names[f], arr);
	}
	bad |= json_object_set_new(o, key, s);
	return bad;
}

static int
host_role_json(const struct gw_metrics *m, json_t *arr, uint32_t idx)
{
	const struct gw_mhost_key *k = gw_mtab_key(&m->host_t, idx);
	const struct gw_mhost *h = &m->hosts[idx];
	json_t *o = json_object(), *d;
	uint32_t n, first, last_h;
	int bad = 0;

	if (o == NULL)
		return 1;
	bad |= set_str(o, "role", m->roles[k->role].name);
	bad |= set_u64(o, "flows", h->flows);
	bad |= set_u64(o, "c2_hits", h->c2_hits);
	bad |= set_counts(o, h->s.pkts, h->s.bytes);
	bad |= set_day(m, o, &h->newdest);
	d = json_object();
	if (d != NULL) {
		bad |= set_u64(d, "samples", h->samples);
		bad |= set_real(d, "mean", h->mean);
		bad |= set_real(d, "stddev", sqrt(h->var));
	}
	bad |= d == NULL;
	bad |= json_object_set_new(o, "drift", d);
	n = GW_MIN(GW_MINUTES, m->closed_min);
	first = m->closed_min - n;
	bad |= set_ring(o, "minutes", h->s.min, GW_MINUTES, first, n,
			GW_NS_PER_MIN);
	last_h = m->closed_min > 0 ? (m->closed_min - 1) / GW_MINUTES : 0;
	n = m->closed_min > 0 ? GW_MIN(GW_HOURS, last_h + 1) : 0;
	first = last_h + 1 - n;
	bad |= set_ring(o, "hours", h->s.hour, GW_HOURS, first, n, NS_PER_HOUR);
	bad |= json_array_append_new(arr, o);
	return bad;
}

struct pair_item {
	const uint8_t *dest;
	size_t len;
	uint64_t flows;
	uint32_t idx;
};

static int
by_pair_flows(const void *x, const void *y)
{
	const struct pair_item *a = x, *b = y;
	size_t n = GW_MIN(a->len, b->len);
	int c;

	if (a->flows != b->flows)
		return a->flows > b->flows ? -1 : 1;
	c = memcmp(a->dest, b->dest, n);
	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int
host_dests_json(const struct gw_metrics *m, json_t *o,
		const struct gw_addr *host)
{
	struct pair_item *items = calloc(m->pair_t.n + 1, sizeof(*items));
	json_t *arr = json_array();
	size_t n = 0, i;
	int bad = 0;

	if (items == NULL || arr == NULL) {
		free(items);
		json_decref(arr);
		return 1;
	}
	for (i = 0; i < m->pair_t.cap; i++) {
		const struct gw_mpair_key *k;

		if (!m->pair_t.nodes[i].used)
			continue;
		k = gw_mtab_key(&m->pair_t, (uint32_t)i);
		if (gw_addr_cmp(&k->host, host) != 0)
			continue;
		items[n].idx = (uint32_t)i;
		items[n].flows = m->pairs[i].flows;
		items[n].dest = m->pairs[i].dest;
		items[n].len = m->pairs[i].dest_len;
		n++;
	}
	qsort(items, n, sizeof(*items), by_pair_flows);
	for (i = 0; i < n && i < HOST_DESTS_MAX && !bad; i++) {
		const struct gw_mpair *p = &m->pairs[items[i].idx];
		json_t *d = json_object();

		if (d == NULL) {
			bad = 1;
			break;
		}
		bad |= set_dest(d, "destination", p->dest, p->dest_len);
		bad |= set_str(d, "role", m->roles[p->role].name);
		bad |= set_u64(d, "flows", p->flows);
		bad |= json_array_append_new(arr, d);
	}
	free(items);
	bad |= json_object_set_new(o, "destinations", arr);
	return bad;
}

json_t *
gw_metrics_host(const struct gw_metrics *m, const struct gw_addr *host)
{
	json_t *o, *roles;
	struct gw_mhost_key k;
	uint32_t r, idx;
	int bad = 0;
	bool found = false;

	o = json_object();
	roles = json_array();
	if (o == NULL || roles == NULL) {
		json_decref(o);
		json_decref(roles);
		return NULL;
	}
	for (r = 0; r <= GW_METRICS_MAX_ROLES; r++) {
		if (r >= m->n_roles && r != GW_METRICS_MAX_ROLES)
			continue;
		memset(&k, 0, sizeof(k));
		k.addr = *host;
		k.role = (uint16_t)r;
		idx = gw_mtab_find(&m->host_t, gw_mtab_hash(&m->host_t, &k), &k);
		if (idx == GW_MT_NONE)
			continue;
		found = true;
		bad |= host_role_json(m, roles, idx);
	}
	if (!found) {
		json_decref(o);
		json_decref(roles);
		return NULL;
	}
	bad |= set_host(o, "host", host);
	bad |= set_u64(o, "end_ts_ns", end_ts_ns(m));
	bad |= json_object_set_new(o, "roles", roles);
	bad |= host_dests_json(m, o, host);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- snapshot ---- */

/* Stats are table-driven: one name per counter of struct gw_metrics_counters. */
static const struct {
	const char *name;
	size_t off;
} counter_table[] = {
#define C(f) {#f, offsetof(struct gw_metrics_counters, f)}
	{"records_start", offsetof(struct gw_metrics_counters, records[1])},
	{"records_verdict", offsetof(struct gw_metrics_counters, records[2])},
	{"records_end", offsetof(struct gw_metrics_counters, records[3])},
	{"records_dns", offsetof(struct gw_metrics_counters, records[4])},
	{"records_verify", offsetof(struct gw_metrics_counters, records[5])},
	{"records_update", offsetof(struct gw_metrics_counters, records[6])},
	{"records_unknown", offsetof(struct gw_metrics_counters, records[0])},
	C(flows_active), C(flow_evictions), C(flows_unknown),
	C(counter_regressions), C(host_evictions), C(dest_evictions),
	C(pair_evictions), C(seen_host_evictions), C(seen_role_evictions),
	C(role_overflow), C(entity_lost), C(late_records), C(too_old_records),
	C(future_records), C(minutes_skipped), C(new_destinations), C(c2_hits),
	C(alerts_drift), C(alerts_beacon), C(alerts_new_destination),
	C(pkts_toserver), C(pkts_toclient), C(bytes_toserver),
	C(bytes_toclient),
#undef C
};

static int
snapshot_roles(const struct gw_metrics *m, json_t *o)
{
	json_t *arr = json_array();
	uint32_t r;
	int bad = 0;

	if (arr == NULL)
		return 1;
	for (r = 0; r <= GW_METRICS_MAX_ROLES && !bad; r++) {
		const struct gw_mrole *ro = &m->roles[r];
		uint64_t p[2], b[2];
		json_t *e, *w;

		if (r >= m->n_roles &&
		    (r != GW_METRICS_MAX_ROLES || ro->flows == 0))
			continue;
		e = json_object();
		if (e == NULL) {
			bad = 1;
			break;
		}
		bad |= set_str(e, "role", ro->name);
		bad |= set_u64(e, "flows", ro->flows);
		bad |= set_u64(e, "c2_hits", ro->c2_hits);
		bad |= set_day(m, e, &ro->newdest);
		bad |= set_counts(e, ro->s.pkts, ro->s.bytes);
		w = json_object();
		if (w != NULL) {
			gw_mseries_window(m, &ro->s, GW_METRICS_WIN_1M, p, b);
			bad |= set_counts(w, p, b);
		}
		bad |= w == NULL;
		bad |= json_object_set_new(e, "last_minute", w);
		bad |= json_array_append_new(arr, e);
	}
	bad |= json_object_set_new(o, "roles", arr);
	return bad;
}

json_t *
gw_metrics_snapshot(const struct gw_metrics *m)
{
	struct gw_metrics_counters c;
	json_t *o = json_object(), *tot, *cnt, *th, *td;
	size_t i;
	int bad = 0;

	if (o == NULL)
		return NULL;
	gw_metrics_get_counters(m, &c);
	bad |= set_u64(o, "end_ts_ns", end_ts_ns(m));
	tot = json_object();
	if (tot != NULL) {
		bad |= set_u64(tot, "pkts_toserver", c.pkts_toserver);
		bad |= set_u64(tot, "pkts_toclient", c.pkts_toclient);
		bad |= set_u64(tot, "bytes_toserver", c.bytes_toserver);
		bad |= set_u64(tot, "bytes_toclient", c.bytes_toclient);
		bad |= set_u64(tot, "flows_active", c.flows_active);
		bad |= set_u64(tot, "hosts", m->host_t.n);
		bad |= set_u64(tot, "destinations", m->dest_t.n);
		bad |= set_u64(tot, "pairs", m->pair_t.n);
	}
	bad |= tot == NULL;
	bad |= json_object_set_new(o, "totals", tot);
	bad |= snapshot_roles(m, o);
	th = top_items(m, GW_METRICS_TOP_HOSTS, NULL, GW_METRICS_WIN_1M,
		       SNAPSHOT_TOP);
	bad |= th == NULL;
	bad |= json_object_set_new(o, "top_hosts", th);
	td = top_items(m, GW_METRICS_TOP_DESTINATIONS, NULL, GW_METRICS_WIN_1M,
		       SNAPSHOT_TOP);
	bad |= td == NULL;
	bad |= json_object_set_new(o, "top_destinations", td);
	cnt = json_object();
	for (i = 0; cnt != NULL && i < GW_ARRAY_SIZE(counter_table); i++) {
		uint64_t v;

		memcpy(&v, (const uint8_t *)&c + counter_table[i].off, sizeof(v));
		bad |= set_u64(cnt, counter_table[i].name, v);
	}
	bad |= cnt == NULL;
	bad |= json_object_set_new(o, "counters", cnt);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
