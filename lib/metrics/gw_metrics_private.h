/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_METRICS_PRIVATE_H
#define GW_METRICS_PRIVATE_H

/* Internals of lib/metrics, shared by its .c files only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics/gw_metrics.h"

#define GW_MT_NONE UINT32_MAX

#define GW_NS_PER_MIN 60000000000ULL
#define GW_MIN_PER_DAY 1440U
#define GW_MINUTES 60U
#define GW_HOURS 24U

/*
 * Bounded hash table with LRU eviction. It owns the keys (fixed size per
 * table, compared with memcmp, so callers zero their key structs before
 * filling them); the payload lives in a parallel array indexed by slot.
 * Each (re)use of a slot bumps its generation, so a reference (slot, gen)
 * kept elsewhere detects that its entry was evicted.
 */
struct gw_mtab_node {
	uint64_t hash;
	uint32_t hnext; /* next in the hash chain */
	uint32_t prev;  /* LRU: towards most recent */
	uint32_t next;  /* LRU: towards least recent; free list link */
	uint32_t gen;
	bool used;
};

struct gw_mtab {
	uint32_t cap;
	uint32_t n;
	uint32_t mask;
	uint32_t key_size;
	uint32_t lru_head; /* most recently used */
	uint32_t lru_tail; /* least recently used: evicted first */
	uint32_t free_head;
	uint64_t seed;
	uint32_t *heads;
	struct gw_mtab_node *nodes;
	uint8_t *keys;
};

int gw_mtab_init(struct gw_mtab *t, uint32_t cap, uint32_t key_size,
		 uint64_t seed);
void gw_mtab_fini(struct gw_mtab *t);
uint64_t gw_mtab_hash(const struct gw_mtab *t, const void *key);
uint32_t gw_mtab_find(const struct gw_mtab *t, uint64_t hash, const void *key);
/*
 * Inserts key (not present) as most recent; when full the least recent entry
 * is evicted first (*evicted set). Returns the slot.
 */
uint32_t gw_mtab_insert(struct gw_mtab *t, uint64_t hash, const void *key,
			bool *evicted);
void gw_mtab_touch(struct gw_mtab *t, uint32_t idx);
void gw_mtab_remove(struct gw_mtab *t, uint32_t idx);

static inline const void *
gw_mtab_key(const struct gw_mtab *t, uint32_t idx)
{
	return t->keys + (size_t)idx * t->key_size;
}

/* ---- time series ---- */

/* tag = minute (or hour) number + 1; 0 = empty. */
struct gw_mbucket {
	uint32_t tag;
	uint32_t pad;
	uint64_t pkts[2];  /* [0] toserver, [1] toclient */
	uint64_t bytes[2];
};

struct gw_mseries {
	struct gw_mbucket min[GW_MINUTES];
	struct gw_mbucket hour[GW_HOURS];
	uint64_t pkts[2]; /* lifetime totals */
	uint64_t bytes[2];
};

/* New destinations per UTC day: today and yesterday. day = day number + 1. */
struct gw_mday {
	uint32_t day;
	uint32_t today;
	uint32_t yesterday;
};

/* ---- entities ---- */

struct gw_mhost_key {
	struct gw_addr addr;
	uint16_t role;
	uint16_t pad;
};

struct gw_mhost {
	struct gw_mseries s;
	uint64_t flows;
	uint64_t c2_hits;
	struct gw_mday newdest;
	uint32_t first_min;      /* first minute seen (drift starts there) */
	uint32_t samples;        /* drift: minutes observed */
	uint32_t last_alert_min; /* drift: minute + 1 of the last alert, 0 none */
	double mean;             /* drift: EWMA of toserver bytes per minute */
	double var;              /* drift: EWMA variance */
};

struct gw_mdest_key {
	uint16_t role;
	uint8_t len;
	uint8_t name[GW_REC_NAME_MAX - 1];
};

struct gw_mdest {
	struct gw_mseries s;
	uint64_t flows;
	uint64_t c2_hits;
};

struct gw_mrole {
	char name[GW_REC_ROLE_MAX];
	struct gw_mseries s;
	uint64_t flows;
	uint64_t c2_hits;
	struct gw_mday newdest;
};

struct gw_mpair_key {
	struct gw_addr host;
	uint64_t dest_hash;
};

struct gw_mpair {
	uint64_t start[GW_METRICS_BEACON_HIST]; /* flow start times, ns */
	uint64_t bytes[GW_METRICS_BEACON_HIST]; /* flow bytes both ways */
	uint8_t n;
	uint8_t pos;
	uint16_t role;
	uint8_t dest_len;
	bool alerted;
	uint8_t dest[GW_REC_NAME_MAX - 1];
	uint64_t last_alert_ns;
	uint64_t flows;
};

struct gw_mseen_host_key {
	struct gw_addr host;
	uint64_t dest_hash;
};

struct gw_mseen_role_key {
	uint64_t role;
	uint64_t dest_hash;
};

struct gw_mflow_key {
	uint64_t worker;
	uint64_t flow_id;
};

struct gw_mflow {
	uint64_t last_pkts[2];
	uint64_t last_bytes[2];
	struct gw_addr host;
	uint64_t dest_hash;
	uint32_t host_idx, host_gen;
	uint32_t dest_idx, dest_gen;
	uint32_t pair_idx, pair_gen;
	uint16_t role;
	bool resolved;
};

struct gw_metrics {
	struct gw_metrics_cfg cfg;
	struct gw_metrics_counters cnt;
	bool started;
	uint32_t closed_min; /* minutes before this one are closed ("now" minute) */
	struct gw_mtab flow_t;
	struct gw_mflow *flows;
	struct gw_mtab host_t;
	struct gw_mhost *hosts;
	struct gw_mtab dest_t;
	struct gw_mdest *dests;
	struct gw_mtab pair_t;
	struct gw_mpair *pairs;
	struct gw_mtab seen_host_t;
	struct gw_mtab seen_role_t;
	uint32_t n_roles; /* used entries of roles[], the last one is "(other)" */
	struct gw_mrole roles[GW_METRICS_MAX_ROLES + 1];
};

/* Window sums of one series relative to m->closed_min. */
void gw_mseries_window(const struct gw_metrics *m, const struct gw_mseries *s,
		       enum gw_metrics_window w, uint64_t pkts[2],
		       uint64_t bytes[2]);
/* Today / yesterday relative to m->closed_min. */
void gw_mday_get(const struct gw_metrics *m, const struct gw_mday *d,
		 uint32_t *today, uint32_t *yesterday);
/* Escaped text of a destination key. */
void gw_mdest_text(const uint8_t *name, size_t len, char *out, size_t size);

#endif /* GW_METRICS_PRIVATE_H */
