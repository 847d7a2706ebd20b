/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_EVIDENCE_H
#define GW_EVIDENCE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "common/gw_addr.h"

/*
 * Evidence captures: on a C2 alert or a quarantine, the packets of that
 * inside host's flows go to a pcapng file for a window (and up to a size).
 *
 * Two halves:
 *   worker side (this header, inline): a tap per worker holds a small fixed
 *     set of flagged inside hosts, each with an until_ns. For every packet
 *     the worker asks gw_evidence_tap_want() (an empty set costs one
 *     branch); on yes, gw_evidence_tap_copy() makes a pcapng-formatted copy
 *     (rte_pcapng_copy) from the tap's own mempool and enqueues it to the
 *     control plane. A full ring or an empty pool is counted, never waited
 *     on; nothing is allocated or locked per packet. Hosts are set and
 *     cleared by the worker itself (gw_evidence_tap_set/clear) when it
 *     applies the control plane's commands.
 *   control side (gw_evidence.c): gw_evidence_trigger() opens a file per
 *     host (or extends the window of that host's open file) and tells the
 *     caller until when the workers must tap; gw_evidence_poll() drains
 *     every tap, writes the packets, closes files at their window end or
 *     size cap and deletes the oldest closed files beyond the total cap.
 *
 * Times (now_ns, until_ns) are the daemon's monotonic nanoseconds, the same
 * clock the workers are given; pcapng timestamps are wall-clock (from the
 * TSC, by rte_pcapng).
 */

/* Hosts a tap can flag at once (a C2 alert storm beyond this is counted). */
#define GW_EVIDENCE_TAP_HOSTS 8

struct gw_evidence_host {
	struct gw_addr addr;
	uint64_t until_ns;
};

/* One packet on a tap's ring: the pcapng copy and the host it was taken for. */
struct gw_evidence_pkt {
	struct rte_mbuf *m;
	struct gw_addr host;
};

struct gw_evidence_tap {
	/* Written only by the owning worker. */
	uint32_t n_hosts;
	struct gw_evidence_host hosts[GW_EVIDENCE_TAP_HOSTS];
	/* Counters, read by the control plane. */
	uint64_t copied;      /* copies enqueued */
	uint64_t ring_full;   /* copies the ring refused (freed) */
	uint64_t pool_empty;  /* packets not copied: no mbuf in the tap's pool */
	uint64_t hosts_full;  /* gw_evidence_tap_set with every slot taken */
	/* Set at creation. */
	struct rte_ring *ring;      /* struct gw_evidence_pkt, SP/SC */
	struct rte_mempool *pool;   /* the copies (rte_pcapng_mbuf_size) */
	uint32_t snaplen;
	uint16_t queue;             /* the worker's queue, for the pcapng EPB */
} __rte_cache_aligned;

/*
 * Flags host until until_ns (an already flagged host gets the later of both
 * times). Worker lcore only. 0, or -1 when every slot holds a live host.
 */
static inline int
gw_evidence_tap_set(struct gw_evidence_tap *tap, const struct gw_addr *host,
		    uint64_t until_ns, uint64_t now_ns)
{
	uint32_t i, free_slot = UINT32_MAX;

	for (i = 0; i < tap->n_hosts; i++) {
		struct gw_evidence_host *h = &tap->hosts[i];

		if (memcmp(&h->addr, host, sizeof(*host)) == 0) {
			if (until_ns > h->until_ns)
				h->until_ns = until_ns;
			return 0;
		}
		if (h->until_ns <= now_ns && free_slot == UINT32_MAX)
			free_slot = i;
	}
	if (free_slot == UINT32_MAX) {
		if (tap->n_hosts == GW_EVIDENCE_TAP_HOSTS) {
			tap->hosts_full++;
			return -1;
		}
		free_slot = tap->n_hosts++;
	}
	tap->hosts[free_slot].addr = *host;
	tap->hosts[free_slot].until_ns = until_ns;
	return 0;
}

/* Stops tapping host (window over, capture closed). Worker lcore only. */
static inline void
gw_evidence_tap_clear(struct gw_evidence_tap *tap, const struct gw_addr *host)
{
	uint32_t i;

	for (i = 0; i < tap->n_hosts; i++) {
		if (memcmp(&tap->hosts[i].addr, host, sizeof(*host)) == 0) {
			tap->hosts[i] = tap->hosts[--tap->n_hosts];
			return;
		}
	}
}

/* True if packets of inside_host are to be captured at now_ns. Expired
 * hosts are dropped from the set on the way, so an idle tap is empty. */
static inline bool
gw_evidence_tap_want(struct gw_evidence_tap *tap,
		     const struct gw_addr *inside_host, uint64_t now_ns)
{
	uint32_t i;

	if (likely(tap->n_hosts == 0))
		return false;
	for (i = 0; i < tap->n_hosts; i++) {
		struct gw_evidence_host *h = &tap->hosts[i];

		if (h->until_ns <= now_ns) {
			tap->hosts[i--] = tap->hosts[--tap->n_hosts];
			continue;
		}
		if (memcmp(&h->addr, inside_host, sizeof(*inside_host)) == 0)
			return true;
	}
	return false;
}

/*
 * Copies m (port_id, dir) for inside_host to the control plane. Never
 * waits: an empty pool or a full ring is counted and the copy skipped.
 * m itself is untouched and stays the caller's.
 */
static inline void
gw_evidence_tap_copy(struct gw_evidence_tap *tap, const struct rte_mbuf *m,
		     const struct gw_addr *inside_host, uint16_t port_id,
		     enum rte_pcapng_direction dir)
{
	struct gw_evidence_pkt p;

	p.m = rte_pcapng_copy(port_id, tap->queue, m, tap->pool, tap->snaplen,
			      rte_get_tsc_cycles(), dir);
	if (unlikely(p.m == NULL)) {
		tap->pool_empty++;
		return;
	}
	p.host = *inside_host;
	if (unlikely(rte_ring_sp_enqueue_elem(tap->ring, &p, sizeof(p)) != 0)) {
		rte_pktmbuf_free(p.m);
		tap->ring_full++;
		return;
	}
	tap->copied++;
}

/* ---- control side ---- */

/* Filled from the policy's gateway.evidence (struct gw_evidence_cfg) and
 * the worker count by the daemon. */
struct gw_evidence_params {
	const char *dir;          /* existing directory for the files */
	uint32_t window_s;        /* capture window after a trigger (> 0) */
	uint64_t max_bytes;       /* cap of one file (> 0) */
	uint64_t total_max_bytes; /* cap of all egressgw-*.pcapng in dir (0: none) */
	uint32_t snaplen;         /* bytes kept per packet (0: whole packet) */
	unsigned int n_taps;      /* one per worker (> 0) */
	unsigned int ring_size;   /* per tap, power of two */
	unsigned int tap_mbufs;   /* per tap mempool size */
	int socket_id;
};

struct gw_evidence_stats {
	uint64_t files;        /* files opened */
	uint64_t extended;     /* triggers that extended an open file's window */
	uint64_t packets;      /* packets written */
	uint64_t bytes;        /* bytes written */
	uint64_t dropped;      /* copies lost: ring full, pool empty, file capped or closed */
	uint64_t capped;       /* files closed at max_bytes */
	uint64_t deleted;      /* files deleted for total_max_bytes */
	uint64_t errors;       /* open/write failures */
	unsigned int open;     /* files open now */
};

struct gw_evidence;
struct gw_evidence_cfg; /* policy/gw_policy.h: gateway.evidence */

/* Tap sizes the daemon uses: a burst of copies per ring, enough mbufs to
 * keep a full ring and the copies in flight. */
#define GW_EVIDENCE_RING_SIZE 1024
#define GW_EVIDENCE_TAP_MBUFS 2047

/* Fills p from the policy's gateway.evidence for n_workers taps (whole
 * packets, default ring and pool sizes). p->dir points into cfg. */
void gw_evidence_params_from_cfg(struct gw_evidence_params *p,
				 const struct gw_evidence_cfg *cfg,
				 unsigned int n_workers, int socket_id);

/*
 * Applies a reloaded gateway.evidence: dir and window_s to later triggers
 * (open files keep their path and window), max_bytes and total_max_bytes at
 * once.
 * 0, or a negative errno (dir missing or not a directory: nothing changed).
 */
int gw_evidence_reconfigure(struct gw_evidence *ev,
			    const struct gw_evidence_cfg *cfg);

/* Creates the taps (rings, pools) and the writer. NULL with errno set. */
struct gw_evidence *gw_evidence_open(const struct gw_evidence_params *cfg);
/* Tap of worker i (for gw_worker_cfg); NULL when i >= n_taps. */
struct gw_evidence_tap *gw_evidence_tap(struct gw_evidence *ev, unsigned int i);

/*
 * Starts capturing host: opens <dir>/egressgw-<host>-<UTC time>-<why>.pcapng
 * (the section header comment says why) for window_s from now_ns, or, when
 * the host's file is still open, extends its window. *until_ns (if not NULL)
 * gets the window end the workers must be told (gw_evidence_tap_set).
 * 0, or a negative errno (no free capture slot, cannot create the file).
 */
int gw_evidence_trigger(struct gw_evidence *ev, const struct gw_addr *host,
			const char *why, uint64_t now_ns, uint64_t *until_ns);

/* Drains every tap, writes, closes files whose window ended at now_ns or
 * that reached max_bytes, enforces the total cap. Returns packets written. */
unsigned int gw_evidence_poll(struct gw_evidence *ev, uint64_t now_ns);

/* Counters (taps' ring/pool losses included in dropped). */
void gw_evidence_get_stats(const struct gw_evidence *ev,
			   struct gw_evidence_stats *out);

/* Path of the file open for host ("" when none); for logs and tests. */
const char *gw_evidence_path(const struct gw_evidence *ev,
			     const struct gw_addr *host);

/* Drains, closes every file, frees taps (their rings must be idle). NULL ok. */
void gw_evidence_close(struct gw_evidence *ev);

/*
 * rte_pdump for dpdk-dumpcap / dpdk-pdump (secondary processes). Needs a
 * shared EAL configuration: no --in-memory / --no-shconf, and hugepages (a
 * --no-huge primary cannot be attached to). 0 or a negative errno.
 */
int gw_evidence_pdump_init(void);
void gw_evidence_pdump_uninit(void);

#endif /* GW_EVIDENCE_H */
