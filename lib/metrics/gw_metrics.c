/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Egress metrics and behavioural alerts: record accounting (deltas of the
 * cumulative flow counters), minute/hour series, new destinations, drift
 * and beacon detection. Definitions in docs/metrics.md.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "common/gw_util.h"
#include "flow/gw_flow.h"
#include "metrics/gw_metrics_private.h"

#define NS_PER_S 1000000000ULL

void
gw_metrics_cfg_default(struct gw_metrics_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->max_hosts = 65536;
	c->max_dests = 65536;
	c->max_pairs = 65536;
	c->max_flows = 262144;
	c->max_seen = 262144;
	c->drift_k = 3.0;
	c->drift_alpha = 0.05;
	c->drift_min_samples = 30;
	c->drift_cooldown_s = 3600;
	c->drift_min_bytes = 65536;
	c->beacon_min_count = 6;
	c->beacon_max_jitter = 0.1;
	c->beacon_max_bytes = 65536;
	c->beacon_min_interval_s = 5;
	c->beacon_cooldown_s = 3600;
	c->alert_new_destination = true;
	c->hash_seed = 0x6567726573736777ULL; /* "egressgw" */
}

int
gw_metrics_cfg_check(const struct gw_metrics_cfg *c)
{
	const uint32_t cap_max = 1U << 24;

	if (c->max_hosts == 0 || c->max_dests == 0 || c->max_pairs == 0 ||
	    c->max_flows == 0 || c->max_seen == 0)
		return GW_ECONFIG;
	if (c->max_hosts > cap_max || c->max_dests > cap_max ||
	    c->max_pairs > cap_max || c->max_flows > cap_max ||
	    c->max_seen > cap_max)
		return GW_ECONFIG;
	/* Negated comparisons also reject NaN. */
	if (!(c->drift_k > 0.0 && c->drift_k <= 1000.0))
		return GW_ECONFIG;
	if (!(c->drift_alpha > 0.0 && c->drift_alpha <= 1.0))
		return GW_ECONFIG;
	if (c->beacon_min_count < 3 ||
	    c->beacon_min_count > GW_METRICS_BEACON_HIST)
		return GW_ECONFIG;
	if (!(c->beacon_max_jitter >= 0.0 && c->beacon_max_jitter <= 10.0))
		return GW_ECONFIG;
	return 0;
}

void
gw_metrics_free(struct gw_metrics *m)
{
	if (m == NULL)
		return;
	gw_mtab_fini(&m->flow_t);
	gw_mtab_fini(&m->host_t);
	gw_mtab_fini(&m->dest_t);
	gw_mtab_fini(&m->pair_t);
	gw_mtab_fini(&m->seen_host_t);
	gw_mtab_fini(&m->seen_role_t);
	free(m->flows);
	free(m->hosts);
	free(m->dests);
	free(m->pairs);
	free(m);
}

struct gw_metrics *
gw_metrics_create(const struct gw_metrics_cfg *c)
{
	struct gw_metrics *m;
	uint64_t s;
	int rc = 0;

	if (c == NULL || gw_metrics_cfg_check(c) != 0)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->cfg = *c;
	s = c->hash_seed;
	rc |= gw_mtab_init(&m->flow_t, c->max_flows,
			   sizeof(struct gw_mflow_key), s);
	rc |= gw_mtab_init(&m->host_t, c->max_hosts,
			   sizeof(struct gw_mhost_key), s + 1);
	rc |= gw_mtab_init(&m->dest_t, c->max_dests,
			   sizeof(struct gw_mdest_key), s + 2);
	rc |= gw_mtab_init(&m->pair_t, c->max_pairs,
			   sizeof(struct gw_mpair_key), s + 3);
	rc |= gw_mtab_init(&m->seen_host_t, c->max_seen,
			   sizeof(struct gw_mseen_host_key), s + 4);
	rc |= gw_mtab_init(&m->seen_role_t, c->max_seen,
			   sizeof(struct gw_mseen_role_key), s + 5);
	m->flows = calloc(c->max_flows, sizeof(*m->flows));
	m->hosts = calloc(c->max_hosts, sizeof(*m->hosts));
	m->dests = calloc(c->max_dests, sizeof(*m->dests));
	m->pairs = calloc(c->max_pairs, sizeof(*m->pairs));
	if (rc != 0 || m->flows == NULL || m->hosts == NULL ||
	    m->dests == NULL || m->pairs == NULL) {
		gw_metrics_free(m);
		return NULL;
	}
	snprintf(m->roles[GW_METRICS_MAX_ROLES].name,
		 sizeof(m->roles[0].name), "(other)");
	return m;
}

void
gw_metrics_get_counters(const struct gw_metrics *m,
			struct gw_metrics_counters *out)
{
	*out = m->cnt;
	out->flows_active = m->flow_t.n;
}

/* ---- helpers ---- */

static uint32_t
minute_of(uint64_t ts_ns)
{
	return (uint32_t)(ts_ns / GW_NS_PER_MIN);
}

void
gw_mdest_text(const uint8_t *name, size_t len, char *out, size_t size)
{
	gw_escape(name, len, out, size);
}

static uint16_t
role_index(struct gw_metrics *m, const char *role)
{
	size_t len = strnlen(role, GW_REC_ROLE_MAX - 1);
	uint32_t i;

	for (i = 0; i < m->n_roles; i++) {
		if (strncmp(m->roles[i].name, role, len) == 0 &&
		    m->roles[i].name[len] == '\0')
			return (uint16_t)i;
	}
	if (m->n_roles < GW_METRICS_MAX_ROLES) {
		memcpy(m->roles[i].name, role, len);
		m->roles[i].name[len] = '\0';
		m->n_roles++;
		return (uint16_t)i;
	}
	/* Roles come from the policy; past the cap they share one entry. */
	m->cnt.role_overflow++;
	return GW_METRICS_MAX_ROLES;
}

/*
 * Destination key: the name (ASCII lower-cased, as DNS names compare
 * without case) or the destination address as text.
 */
static void
dest_key_build(const struct gw_record *r, uint16_t role, struct gw_mdest_key *k)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	k->role = role;
	if (r->name_len > 0) {
		k->len = r->name_len;
		for (i = 0; i < r->name_len; i++)
			k->name[i] = gw_ascii_lower(r->name[i]);
	} else {
		char buf[GW_ADDR_STRLEN];

		gw_addr_to_str(&r->dst, buf, sizeof(buf));
		k->len = (uint8_t)strnlen(buf, sizeof(buf) - 1);
		memcpy(k->name, buf, k->len);
	}
}

static void
day_add(struct gw_mday *d, uint32_t day)
{
	uint32_t tag = day + 1;

	if (d->day == tag) {
		d->today++;
	} else if (d->day + 1 == tag) {
		d->yesterday = d->today;
		d->today = 1;
		d->day = tag;
	} else if (d->day < tag) {
		d->yesterday = 0;
		d->today = 1;
		d->day = tag;
	} else if (d->day == tag + 1) {
		/* A late record of yesterday. */
		d->yesterday++;
	}
}

void
gw_mday_get(const struct gw_metrics *m, const struct gw_mday *d,
	    uint32_t *today, uint32_t *yesterday)
{
	uint32_t now_tag = m->closed_min / GW_MIN_PER_DAY + 1;

	*today = 0;
	*yesterday = 0;
	if (d->day == now_tag) {
		*today = d->today;
		*yesterday = d->yesterday;
	} else if (d->day + 1 == now_tag) {
		*yesterday = d->today;
	} else if (d->day > now_tag) {
		/* Records ahead of the last tick: show them as today. */
		*today = d->today;
	}
}

static void
bucket_add(struct gw_mbucket *b, uint32_t tag, const uint64_t dp[2],
	   const uint64_t db[2])
{
	b->pkts[0] += dp[0];
	b->pkts[1] += dp[1];
	b->bytes[0] += db[0];
	b->bytes[1] += db[1];
	b->tag = tag;
}

/*
 * Places a bucket for tag: a slot holding an older period is recycled, a
 * slot holding a newer one means tag is too old for the ring.
 */
static struct gw_mbucket *
bucket_for(struct gw_mbucket *b, uint32_t tag)
{
	if (b->tag > tag)
		return NULL;
	if (b->tag < tag)
		memset(b, 0, sizeof(*b));
	return b;
}

/*
 * Adds deltas at minute mi. A minute not yet closed goes to the minute ring
 * only (gw_metrics_tick folds it into its hour); a late one (already closed
 * and folded) goes to both. Returns false when no ring could take it.
 */
static bool
series_add(struct gw_mseries *s, uint32_t mi, bool late, const uint64_t dp[2],
	   const uint64_t db[2])
{
	struct gw_mbucket *b;
	bool ok = false;

	s->pkts[0] += dp[0];
	s->pkts[1] += dp[1];
	s->bytes[0] += db[0];
	s->bytes[1] += db[1];
	b = bucket_for(&s->min[mi % GW_MINUTES], mi + 1);
	if (b != NULL) {
		bucket_add(b, mi + 1, dp, db);
		ok = true;
	}
	if (late) {
		uint32_t h = mi / GW_MINUTES;

		b = bucket_for(&s->hour[h % GW_HOURS], h + 1);
		if (b != NULL) {
			bucket_add(b, h + 1, dp, db);
			ok = true;
		}
	}
	return ok;
}

/* Folds closed minute mi of a series into its hour bucket. */
static void
series_fold(struct gw_mseries *s, uint32_t mi)
{
	const struct gw_mbucket *b = &s->min[mi % GW_MINUTES];
	uint32_t h = mi / GW_MINUTES;
	struct gw_mbucket *hb;

	if (b->tag != mi + 1)
		return;
	hb = bucket_for(&s->hour[h % GW_HOURS], h + 1);
	if (hb != NULL)
		bucket_add(hb, h + 1, b->pkts, b->bytes);
}

/*
 * Sums a series over a window that ends with the minute in progress (the
 * one after the last closed minute): 1m is that minute so far and the one
 * before it, 1h the last 60 minutes, 1d the last 24 hours (hour buckets of
 * closed minutes, plus the minute in progress, not yet folded into its
 * hour). What was sent a moment ago is always in every window.
 */
void
gw_mseries_window(const struct gw_metrics *m, const struct gw_mseries *s,
		  enum gw_metrics_window w, uint64_t pkts[2], uint64_t bytes[2])
{
	uint32_t cur, first, last, i;
	const struct gw_mbucket *ring;
	uint32_t ring_len;

	pkts[0] = pkts[1] = bytes[0] = bytes[1] = 0;
	if (!m->started)
		return;
	cur = m->closed_min;
	last = cur;
	switch (w) {
	case GW_METRICS_WIN_1M:
		first = cur >= 1 ? cur - 1 : 0;
		ring = s->min;
		ring_len = GW_MINUTES;
		break;
	case GW_METRICS_WIN_1H:
		first = cur >= GW_MINUTES - 1 ? cur - (GW_MINUTES - 1) : 0;
		ring = s->min;
		ring_len = GW_MINUTES;
		break;
	case GW_METRICS_WIN_1D: {
		const struct gw_mbucket *b = &s->min[cur % GW_MINUTES];

		/* The minute in progress is folded into its hour at close. */
		if (b->tag == cur + 1) {
			pkts[0] += b->pkts[0];
			pkts[1] += b->pkts[1];
			bytes[0] += b->bytes[0];
			bytes[1] += b->bytes[1];
		}
		last = cur / GW_MINUTES;
		first = last >= GW_HOURS - 1 ? last - (GW_HOURS - 1) : 0;
		ring = s->hour;
		ring_len = GW_HOURS;
		break;
	}
	default:
		return;
	}
	for (i = first; i <= last; i++) {
		const struct gw_mbucket *b = &ring[i % ring_len];

		if (b->tag != i + 1)
			continue;
		pkts[0] += b->pkts[0];
		pkts[1] += b->pkts[1];
		bytes[0] += b->bytes[0];
		bytes[1] += b->bytes[1];
	}
}

static void
alert_emit(struct gw_metrics *m, struct gw_metrics_alert *a,
	   gw_metrics_alert_fn fn, void *arg)
{
	switch (a->type) {
	case GW_METRICS_ALERT_DRIFT:
		m->cnt.alerts_drift++;
		break;
	case GW_METRICS_ALERT_BEACON:
		m->cnt.alerts_beacon++;
		break;
	case GW_METRICS_ALERT_NEW_DESTINATION:
		m->cnt.alerts_new_destination++;
		break;
	}
	if (fn != NULL)
		fn(a, arg);
}

static void
alert_init(struct gw_metrics *m, struct gw_metrics_alert *a,
	   enum gw_metrics_alert_type type, uint8_t severity,
	   const struct gw_addr *host, uint16_t role, uint64_t ts_ns)
{
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->severity = severity;
	a->host = *host;
	snprintf(a->role, sizeof(a->role), "%s", m->roles[role].name);
	a->ts_ns = ts_ns;
}

/* ---- entities of a flow ---- */

static void
host_init(struct gw_mhost *h, uint32_t mi)
{
	memset(h, 0, sizeof(*h));
	h->first_min = mi;
}

/* The (host, role) entity of a flow, re-created if it was evicted. */
static struct gw_mhost *
flow_host(struct gw_metrics *m, struct gw_mflow *f, uint32_t mi)
{
	struct gw_mhost_key k;
	uint64_t h;
	uint32_t idx = f->host_idx;
	bool ev;

	if (idx != GW_MT_NONE && m->host_t.nodes[idx].used &&
	    m->host_t.nodes[idx].gen == f->host_gen) {
		gw_mtab_touch(&m->host_t, idx);
		return &m->hosts[idx];
	}
	memset(&k, 0, sizeof(k));
	k.addr = f->host;
	k.role = f->role;
	h = gw_mtab_hash(&m->host_t, &k);
	idx = gw_mtab_find(&m->host_t, h, &k);
	if (idx == GW_MT_NONE) {
		idx = gw_mtab_insert(&m->host_t, h, &k, &ev);
		if (ev)
			m->cnt.host_evictions++;
		host_init(&m->hosts[idx], mi);
	} else {
		gw_mtab_touch(&m->host_t, idx);
	}
	f->host_idx = idx;
	f->host_gen = m->host_t.nodes[idx].gen;
	return &m->hosts[idx];
}

static struct gw_mdest *
flow_dest(struct gw_metrics *m, const struct gw_mflow *f)
{
	uint32_t idx = f->dest_idx;

	if (idx != GW_MT_NONE && m->dest_t.nodes[idx].used &&
	    m->dest_t.nodes[idx].gen == f->dest_gen) {
		gw_mtab_touch(&m->dest_t, idx);
		return &m->dests[idx];
	}
	return NULL;
}

static struct gw_mpair *
flow_pair(struct gw_metrics *m, const struct gw_mflow *f)
{
	uint32_t idx = f->pair_idx;

	if (idx != GW_MT_NONE && m->pair_t.nodes[idx].used &&
	    m->pair_t.nodes[idx].gen == f->pair_gen) {
		gw_mtab_touch(&m->pair_t, idx);
		return &m->pairs[idx];
	}
	return NULL;
}

/* Looks key up in a seen-set; inserts it when absent. True when new. */
static bool
seen_insert(struct gw_mtab *t, const void *key, uint64_t *evictions)
{
	uint64_t h = gw_mtab_hash(t, key);
	uint32_t idx = gw_mtab_find(t, h, key);
	bool ev;

	if (idx != GW_MT_NONE) {
		gw_mtab_touch(t, idx);
		return false;
	}
	gw_mtab_insert(t, h, key, &ev);
	if (ev)
		(*evictions)++;
	return true;
}

static void
new_destination(struct gw_metrics *m, struct gw_mflow *f, struct gw_mhost *host,
		const struct gw_mdest_key *dk, const struct gw_record *r,
		gw_metrics_alert_fn fn, void *arg)
{
	struct gw_mseen_host_key hk;
	struct gw_mseen_role_key rk;
	uint32_t day = (uint32_t)(r->ts_ns / (GW_NS_PER_MIN * GW_MIN_PER_DAY));

	memset(&rk, 0, sizeof(rk));
	rk.role = f->role;
	rk.dest_hash = f->dest_hash;
	if (seen_insert(&m->seen_role_t, &rk, &m->cnt.seen_role_evictions))
		day_add(&m->roles[f->role].newdest, day);

	memset(&hk, 0, sizeof(hk));
	hk.host = f->host;
	hk.dest_hash = f->dest_hash;
	if (!seen_insert(&m->seen_host_t, &hk, &m->cnt.seen_host_evictions))
		return;
	day_add(&host->newdest, day);
	m->cnt.new_destinations++;
	if (m->cfg.alert_new_destination) {
		struct gw_metrics_alert a;
		char hs[GW_ADDR_STRLEN];

		alert_init(m, &a, GW_METRICS_ALERT_NEW_DESTINATION,
			   GW_METRICS_SEV_LOW, &f->host, f->role, r->ts_ns);
		gw_mdest_text(dk->name, dk->len, a.destination,
			      sizeof(a.destination));
		gw_addr_to_str(&f->host, hs, sizeof(hs));
		a.value = 1;
		a.count = host->newdest.today;
		snprintf(a.text, sizeof(a.text),
			 "new destination for host %s (role %s)", hs, a.role);
		alert_emit(m, &a, fn, arg);
	}
}

/*
 * Binds a flow to its destination: the name of its verdict when it has one,
 * otherwise the destination address. Called at the first record after START.
 */
static void
flow_resolve(struct gw_metrics *m, struct gw_mflow *f,
	     const struct gw_record *r, gw_metrics_alert_fn fn, void *arg)
{
	struct gw_mdest_key dk, dk0;
	struct gw_mpair_key pk;
	struct gw_mhost *host;
	uint32_t idx, mi = minute_of(r->ts_ns);
	uint64_t h;
	bool ev;

	dest_key_build(r, f->role, &dk);
	/* Role-independent identity of the destination (seen-sets, pairs). */
	dk0 = dk;
	dk0.role = 0;
	f->dest_hash = gw_mtab_hash(&m->dest_t, &dk0);
	f->resolved = true;

	host = flow_host(m, f, mi);
	host->flows++;
	m->roles[f->role].flows++;

	h = gw_mtab_hash(&m->dest_t, &dk);
	idx = gw_mtab_find(&m->dest_t, h, &dk);
	if (idx == GW_MT_NONE) {
		idx = gw_mtab_insert(&m->dest_t, h, &dk, &ev);
		if (ev)
			m->cnt.dest_evictions++;
		memset(&m->dests[idx], 0, sizeof(m->dests[idx]));
	} else {
		gw_mtab_touch(&m->dest_t, idx);
	}
	m->dests[idx].flows++;
	f->dest_idx = idx;
	f->dest_gen = m->dest_t.nodes[idx].gen;

	memset(&pk, 0, sizeof(pk));
	pk.host = f->host;
	pk.dest_hash = f->dest_hash;
	h = gw_mtab_hash(&m->pair_t, &pk);
	idx = gw_mtab_find(&m->pair_t, h, &pk);
	if (idx == GW_MT_NONE) {
		struct gw_mpair *p;

		idx = gw_mtab_insert(&m->pair_t, h, &pk, &ev);
		if (ev)
			m->cnt.pair_evictions++;
		p = &m->pairs[idx];
		memset(p, 0, sizeof(*p));
		p->role = f->role;
		p->dest_len = dk.len;
		memcpy(p->dest, dk.name, dk.len);
	} else {
		gw_mtab_touch(&m->pair_t, idx);
	}
	m->pairs[idx].flows++;
	f->pair_idx = idx;
	f->pair_gen = m->pair_t.nodes[idx].gen;

	/* Only a contact that was let through makes a destination "seen". */
	if (r->verdict == GW_VERDICT_ALLOW)
		new_destination(m, f, host, &dk, r, fn, arg);
}

static uint64_t
counter_delta(struct gw_metrics *m, uint64_t *last, uint64_t cur)
{
	uint64_t d;

	if (cur < *last) {
		m->cnt.counter_regressions++;
		*last = cur;
		return 0;
	}
	d = cur - *last;
	*last = cur;
	return d;
}

/* Adds the growth of the flow's cumulative counters since its last record. */
static void
flow_account(struct gw_metrics *m, struct gw_mflow *f,
	     const struct gw_record *r)
{
	uint64_t dp[2], db[2];
	uint32_t mi = minute_of(r->ts_ns);
	struct gw_mhost *host;
	struct gw_mdest *dest;
	bool late, ok;

	dp[0] = counter_delta(m, &f->last_pkts[0], r->pkts_toserver);
	dp[1] = counter_delta(m, &f->last_pkts[1], r->pkts_toclient);
	db[0] = counter_delta(m, &f->last_bytes[0], r->bytes_toserver);
	db[1] = counter_delta(m, &f->last_bytes[1], r->bytes_toclient);
	if ((dp[0] | dp[1] | db[0] | db[1]) == 0)
		return;
	m->cnt.pkts_toserver += dp[0];
	m->cnt.pkts_toclient += dp[1];
	m->cnt.bytes_toserver += db[0];
	m->cnt.bytes_toclient += db[1];
	if (mi >= m->closed_min + GW_MINUTES) {
		/* Would recycle buckets of minutes not yet closed. */
		m->cnt.future_records++;
		return;
	}
	late = mi < m->closed_min;
	if (late)
		m->cnt.late_records++;
	host = flow_host(m, f, mi);
	ok = series_add(&host->s, mi, late, dp, db);
	ok &= series_add(&m->roles[f->role].s, mi, late, dp, db);
	dest = flow_dest(m, f);
	if (dest != NULL)
		ok &= series_add(&dest->s, mi, late, dp, db);
	else
		m->cnt.entity_lost++;
	if (!ok)
		m->cnt.too_old_records++;
}

/* Beacon rule over the last beacon_min_count flow starts of a pair. */
static void
beacon_check(struct gw_metrics *m, struct gw_mflow *f, struct gw_mpair *p,
	     const struct gw_record *r, gw_metrics_alert_fn fn, void *arg)
{
	uint8_t order[GW_METRICS_BEACON_HIST];
	uint32_t k = m->cfg.beacon_min_count;
	double mean = 0, var = 0, sd, cv, mb = 0;
	struct gw_metrics_alert a;
	char hs[GW_ADDR_STRLEN];
	uint32_t i, j, first;

	if (p->n < k)
		return;
	/* Flows end out of order: sort the kept starts (insertion sort). */
	for (i = 0; i < p->n; i++) {
		uint8_t v = (uint8_t)i;

		for (j = i; j > 0 && p->start[order[j - 1]] > p->start[v]; j--)
			order[j] = order[j - 1];
		order[j] = v;
	}
	first = p->n - k;
	for (i = first + 1; i < p->n; i++)
		mean += (double)(p->start[order[i]] - p->start[order[i - 1]]) /
			(double)NS_PER_S;
	mean /= (double)(k - 1);
	for (i = first + 1; i < p->n; i++) {
		double d = (double)(p->start[order[i]] -
				    p->start[order[i - 1]]) /
				   (double)NS_PER_S -
			   mean;

		var += d * d;
	}
	var /= (double)(k - 1);
	sd = sqrt(var);
	for (i = first; i < p->n; i++)
		mb += (double)p->bytes[order[i]];
	mb /= (double)k;
	if (mean < (double)m->cfg.beacon_min_interval_s || mean <= 0.0)
		return;
	cv = sd / mean;
	if (cv > m->cfg.beacon_max_jitter || mb > (double)m->cfg.beacon_max_bytes)
		return;
	if (p->alerted && (r->ts_ns < p->last_alert_ns ||
			   r->ts_ns - p->last_alert_ns <
				   (uint64_t)m->cfg.beacon_cooldown_s * NS_PER_S))
		return;
	p->alerted = true;
	p->last_alert_ns = r->ts_ns;
	alert_init(m, &a, GW_METRICS_ALERT_BEACON, GW_METRICS_SEV_MEDIUM,
		   &f->host, p->role, r->ts_ns);
	gw_mdest_text(p->dest, p->dest_len, a.destination,
		      sizeof(a.destination));
	gw_addr_to_str(&f->host, hs, sizeof(hs));
	a.value = mb;
	a.mean = mean;
	a.stddev = sd;
	a.cv = cv;
	a.count = k;
	snprintf(a.text, sizeof(a.text),
		 "host %s contacts a destination every %.1f s (cv %.3f, %.0f bytes/flow)",
		 hs, mean, cv, mb);
	alert_emit(m, &a, fn, arg);
}

static void
flow_end_pair(struct gw_metrics *m, struct gw_mflow *f,
	      const struct gw_record *r, gw_metrics_alert_fn fn, void *arg)
{
	struct gw_mpair *p = flow_pair(m, f);

	if (p == NULL) {
		m->cnt.entity_lost++;
		return;
	}
	p->start[p->pos] = r->start_ns;
	p->bytes[p->pos] = r->bytes_toserver + r->bytes_toclient;
	p->pos = (uint8_t)((p->pos + 1) % GW_METRICS_BEACON_HIST);
	if (p->n < GW_METRICS_BEACON_HIST)
		p->n++;
	beacon_check(m, f, p, r, fn, arg);
}

static void
flow_record(struct gw_metrics *m, const struct gw_record *r,
	    gw_metrics_alert_fn fn, void *arg)
{
	struct gw_mflow_key k;
	struct gw_mflow *f;
	uint64_t h;
	uint32_t idx;
	bool ev;

	if (!m->started) {
		m->started = true;
		m->closed_min = minute_of(r->ts_ns);
	}
	memset(&k, 0, sizeof(k));
	k.worker = r->worker;
	k.flow_id = r->flow_id;
	h = gw_mtab_hash(&m->flow_t, &k);
	idx = gw_mtab_find(&m->flow_t, h, &k);
	if (idx == GW_MT_NONE) {
		/*
		 * Unknown flow (its START was lost or came before we ran):
		 * its counters so far are taken in full.
		 */
		if (r->type != GW_REC_START)
			m->cnt.flows_unknown++;
		idx = gw_mtab_insert(&m->flow_t, h, &k, &ev);
		if (ev)
			m->cnt.flow_evictions++;
		f = &m->flows[idx];
		memset(f, 0, sizeof(*f));
		f->host = r->src;
		f->role = role_index(m, r->role);
		f->host_idx = GW_MT_NONE;
		f->dest_idx = GW_MT_NONE;
		f->pair_idx = GW_MT_NONE;
	} else {
		gw_mtab_touch(&m->flow_t, idx);
		f = &m->flows[idx];
	}
	/*
	 * Nothing is attributed at START: the verdict that follows names the
	 * destination, and its counters include the first packet.
	 */
	if (r->type == GW_REC_START)
		return;
	if (!f->resolved)
		flow_resolve(m, f, r, fn, arg);
	flow_account(m, f, r);
	if (r->type == GW_REC_VERDICT && r->verdict == GW_VERDICT_DENY &&
	    r->reason == GW_REASON_C2_SIGNATURE) {
		struct gw_mdest *d = flow_dest(m, f);

		/* The event writer already alerted; here it is only counted. */
		m->cnt.c2_hits++;
		flow_host(m, f, minute_of(r->ts_ns))->c2_hits++;
		m->roles[f->role].c2_hits++;
		if (d != NULL)
			d->c2_hits++;
	}
	if (r->type == GW_REC_END) {
		flow_end_pair(m, f, r, fn, arg);
		gw_mtab_remove(&m->flow_t, idx);
	}
}

void
gw_metrics_feed(struct gw_metrics *m, const struct gw_record *r,
		gw_metrics_alert_fn fn, void *arg)
{
	m->cnt.records[r->type < GW_ARRAY_SIZE(m->cnt.records) ? r->type : 0]++;
	switch (r->type) {
	case GW_REC_START:
	case GW_REC_VERDICT:
	case GW_REC_END:
	case GW_REC_UPDATE:
		flow_record(m, r, fn, arg);
		break;
	default:
		/* DNS and VERIFY records carry no traffic counters. */
		break;
	}
}

/* ---- minute close: hour folding and drift ---- */

static void
drift_check(struct gw_metrics *m, uint32_t idx, uint32_t mi,
	    gw_metrics_alert_fn fn, void *arg)
{
	struct gw_mhost *h = &m->hosts[idx];
	const struct gw_mbucket *b = &h->s.min[mi % GW_MINUTES];
	double x = b->tag == mi + 1 ? (double)b->bytes[0] : 0.0;
	double alpha = m->cfg.drift_alpha;
	double sd = sqrt(h->var);
	double diff, incr;

	if (h->first_min > mi)
		return;
	if (h->samples >= m->cfg.drift_min_samples &&
	    x > h->mean + m->cfg.drift_k * sd &&
	    x >= (double)m->cfg.drift_min_bytes &&
	    (h->last_alert_min == 0 ||
	     (uint64_t)(mi + 1 - h->last_alert_min) * 60 >=
		     m->cfg.drift_cooldown_s)) {
		const struct gw_mhost_key *k = gw_mtab_key(&m->host_t, idx);
		struct gw_metrics_alert a;
		char hs[GW_ADDR_STRLEN];

		h->last_alert_min = mi + 1;
		alert_init(m, &a, GW_METRICS_ALERT_DRIFT, GW_METRICS_SEV_MEDIUM,
			   &k->addr, k->role,
			   (uint64_t)(mi + 1) * GW_NS_PER_MIN);
		gw_addr_to_str(&k->addr, hs, sizeof(hs));
		a.value = x;
		a.mean = h->mean;
		a.stddev = sd;
		a.count = h->samples;
		snprintf(a.text, sizeof(a.text),
			 "host %s sent %.0f bytes in a minute (mean %.0f, stddev %.0f)",
			 hs, x, h->mean, sd);
		alert_emit(m, &a, fn, arg);
	}
	/* EWMA of mean and variance (T. Finch, "Incremental calculation of
	 * weighted mean and variance", 2009). */
	if (h->samples == 0) {
		h->mean = x;
		h->var = 0.0;
	} else {
		diff = x - h->mean;
		incr = alpha * diff;
		h->mean += incr;
		h->var = (1.0 - alpha) * (h->var + diff * incr);
	}
	h->samples++;
}

static void
close_minute(struct gw_metrics *m, uint32_t mi, gw_metrics_alert_fn fn,
	     void *arg)
{
	uint32_t i;

	for (i = 0; i < m->host_t.cap; i++) {
		if (!m->host_t.nodes[i].used)
			continue;
		series_fold(&m->hosts[i].s, mi);
		drift_check(m, i, mi, fn, arg);
	}
	for (i = 0; i < m->dest_t.cap; i++) {
		if (m->dest_t.nodes[i].used)
			series_fold(&m->dests[i].s, mi);
	}
	for (i = 0; i <= GW_METRICS_MAX_ROLES; i++) {
		if (i < m->n_roles || i == GW_METRICS_MAX_ROLES)
			series_fold(&m->roles[i].s, mi);
	}
}

void
gw_metrics_tick(struct gw_metrics *m, uint64_t now_ns, gw_metrics_alert_fn fn,
		void *arg)
{
	uint32_t now_min = minute_of(now_ns);
	uint32_t mi;

	if (!m->started) {
		m->started = true;
		m->closed_min = now_min;
		return;
	}
	if (now_min <= m->closed_min)
		return;
	mi = m->closed_min;
	if (now_min - mi > GW_MINUTES) {
		/* Older minutes have left the ring already. */
		m->cnt.minutes_skipped += now_min - GW_MINUTES - mi;
		mi = now_min - GW_MINUTES;
	}
	for (; mi < now_min; mi++)
		close_minute(m, mi, fn, arg);
	m->closed_min = now_min;
}
