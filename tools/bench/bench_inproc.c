/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `egressgw-bench inproc`: measurement (a) of docs/performance.md. The
 * gateway's own worker (app/egressgw/gw_worker.c, compiled in) is fed mbuf
 * bursts directly, with no PMD in the way:
 *
 *  - established flows: flows are opened for real first (SYN, SYN-ACK, ACK,
 *    ClientHello held until the verdict and released, server flight), then
 *    data segments of random flows in both directions are timed: parse,
 *    flow lookup, TCP tracking, counters, the tx handoff to the emit
 *    callback and the return of every mbuf to its mempool (what a PMD's tx
 *    completion does). Only building the frames (the NIC's DMA) is untimed.
 *  - new TLS connections: whole conversations, SYN through the verdict to
 *    the FINs, 10k-name allowlist, the worker's timers (expiry sweep) run
 *    on a clock that advances with the timed cycles only, so the gateway
 *    sees the connection rate it sustains.
 *  - name matching with lib/match directly, and memory per flow from the
 *    allocations of the flow table and the pending-state pool.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "match/gw_match.h"
#include "pkt/gw_pkt.h"

#include "gw_events.h"
#include "gw_worker.h"

#include "bench.h"
#include "bench_policy.h"
#include "bench_util.h"

/* As the daemon: timers every millisecond, 1024 flows swept each time. */
#define TIMER_NS 1000000ULL
#define SWEEP_BUDGET 1024
#define REC_RING 16384
#define REC_BURST 64
#define POOL_MBUFS 32768
#define MATCH_POOL 16384
#define NORM_STRIDE 256
#define MATCH_CHUNK 1024

/*
 * Burst timings of a measurement. This machine's cores are shared: a burst
 * during which the kernel ran something else on our core takes a time
 * slice (milliseconds) instead of microseconds. Those bursts are replaced
 * by the mean cost per packet of the others (see burst_estimate); the raw
 * mean is printed beside it.
 */
struct burst_log {
	uint64_t *cyc;
	uint16_t *n;
	size_t count;
	size_t cap;
	bool on;
};

struct burst_estimate {
	double cycles;            /* total, outliers replaced */
	double raw_cycles;        /* total as measured */
	uint64_t packets;
	uint64_t bursts;
	uint64_t outliers;
};

struct inproc {
	struct rte_mempool *pool;
	struct rte_ring *rec_ring;
	struct gw_policy *policy;
	struct gw_worker *w;
	struct gw_events *ev;
	uint64_t hz;
	uint64_t timed;           /* cycles spent in the worker */
	uint64_t base_ns;
	uint64_t next_timer_ns;
	uint64_t tx[GW_NB_PORTS];
	uint64_t records;
	uint64_t verdict_allow;
	uint64_t verdict_deny;
	struct burst_log log;
	struct gw_record rbuf[REC_BURST];
	uint32_t pipe_deep_flows; /* set on each worker (gw_worker.h) */
};

struct inproc_opts {
	bool quick;
	double seconds;           /* per established-flow figure */
	uint64_t small_flows;
	uint64_t large_flows;
	uint64_t tls_conns;
	uint64_t tls_names;
	double tls_allow;
	double tls_pq;
	unsigned int concurrency;
	uint64_t tls_capacity;    /* 0: the default sizing below */
	const char *only;
	const char *eve;
	uint32_t pipe_deep_flows;
};

static bool
want(const struct inproc_opts *o, const char *what)
{
	const char *p;
	size_t l = strlen(what);

	if (o->only == NULL)
		return true;
	for (p = o->only; (p = strstr(p, what)) != NULL; p += l)
		if ((p == o->only || p[-1] == ',') && (p[l] == '\0' || p[l] == ','))
			return true;
	return false;
}

static inline uint64_t
cycles_to_ns(const struct inproc *b, uint64_t c)
{
	return (uint64_t)((unsigned __int128)c * 1000000000ULL / b->hz);
}

/* The tx side: counted, then freed back to the mempool like a tx completion. */
static uint16_t
inproc_emit(void *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct inproc *b = ctx;

	b->tx[port] += n;
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/* The control plane's share, untimed: records are consumed off the worker's ring. */
static void
drain_records(struct inproc *b)
{
	unsigned int n, i;

	while ((n = rte_ring_dequeue_burst_elem(b->rec_ring, b->rbuf,
						sizeof(struct gw_record),
						REC_BURST, NULL)) > 0) {
		for (i = 0; i < n; i++) {
			const struct gw_record *r = &b->rbuf[i];

			if (r->type == GW_REC_VERDICT) {
				if (r->verdict == GW_VERDICT_ALLOW)
					b->verdict_allow++;
				else
					b->verdict_deny++;
			}
			if (b->ev != NULL)
				gw_events_record(b->ev, r);
		}
		b->records += n;
	}
}

static void
burst_log_add(struct burst_log *l, uint64_t cyc, uint16_t n)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 65536;
		uint64_t *c = realloc(l->cyc, cap * sizeof(*c));
		uint16_t *k;

		if (c == NULL)
			return; /* the estimate then covers fewer bursts */
		l->cyc = c;
		k = realloc(l->n, cap * sizeof(*k));
		if (k == NULL)
			return;
		l->n = k;
		l->cap = cap;
	}
	l->cyc[l->count] = cyc;
	l->n[l->count] = n;
	l->count++;
}

static void
burst_log_start(struct burst_log *l)
{
	l->count = 0;
	l->on = true;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Outliers are bursts above 20 times the median cost per packet and above
 * 100 us: no packet path of the worker comes near that, a lost time slice
 * does. The expiry sweep (1024 flows once per millisecond) stays in.
 */
static void
burst_estimate(struct burst_log *l, uint64_t hz, struct burst_estimate *e)
{
	double *cpp, median, kept = 0, raw = 0;
	uint64_t kept_n = 0, out_n = 0, pk = 0;
	size_t i;

	l->on = false;
	memset(e, 0, sizeof(*e));
	if (l->count == 0)
		return;
	cpp = malloc(l->count * sizeof(*cpp));
	if (cpp == NULL)
		return;
	for (i = 0; i < l->count; i++)
		cpp[i] = (double)l->cyc[i] / l->n[i];
	qsort(cpp, l->count, sizeof(*cpp), cmp_double);
	median = cpp[l->count / 2];
	free(cpp);
	for (i = 0; i < l->count; i++) {
		double c = (double)l->cyc[i];

		raw += c;
		pk += l->n[i];
		if (c > 20.0 * median * l->n[i] && c > (double)hz / 10000.0) {
			out_n += l->n[i];
			e->outliers++;
			continue;
		}
		kept += c;
		kept_n += l->n[i];
	}
	e->raw_cycles = raw;
	e->packets = pk;
	e->bursts = l->count;
	e->cycles = kept + (kept_n > 0 ? (double)out_n * kept / (double)kept_n : 0);
}

static void
burst_log_free(struct burst_log *l)
{
	free(l->cyc);
	free(l->n);
	memset(l, 0, sizeof(*l));
}

/* Shutdown (gw_worker_drain) waits for ring space: empty it inline, as replay does. */
static void
ring_full_hook(void *arg)
{
	drain_records(arg);
}

/* One rx burst through the worker, timed from rx handoff to tx completion. */
static void
run_burst(struct inproc *b, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t t0 = rte_rdtsc();
	uint64_t now = b->base_ns + cycles_to_ns(b, b->timed);

	gw_worker_process(b->w, port, pkts, n, now);
	gw_worker_flush(b->w);
	if (now >= b->next_timer_ns) {
		gw_worker_timers(b->w, now, SWEEP_BUDGET);
		gw_worker_flush(b->w);
		b->next_timer_ns = now + TIMER_NS;
	}
	t0 = rte_rdtsc() - t0;
	b->timed += t0;
	if (b->log.on)
		burst_log_add(&b->log, t0, n);
	drain_records(b);
}

static void
run_bursts(struct inproc *b, uint16_t port, struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int off = 0;

	while (off < n) {
		uint16_t k = (uint16_t)RTE_MIN(n - off, (unsigned int)GW_BURST);

		run_burst(b, port, pkts + off, k);
		off += k;
	}
}

static int
load_policy(struct inproc *b, const struct gen_cfg *cfg,
	    const struct bench_policy_opts *po)
{
	struct gw_diags *d = calloc(1, sizeof(*d));
	size_t len;
	char *yaml = bench_policy_yaml(cfg, po, &len);
	int rc;

	if (yaml == NULL || d == NULL) {
		free(yaml);
		free(d);
		bench_error("out of memory");
		return -1;
	}
	rc = gw_policy_load_string(yaml, len, "<bench>", &b->policy, d);
	if (rc != 0)
		bench_error("benchmark policy: %s%s%s", gw_strerror(rc),
			    d->n > 0 ? ": " : "", d->n > 0 ? d->d[0].msg : "");
	free(yaml);
	free(d);
	return rc == 0 ? 0 : -1;
}

static int
worker_start(struct inproc *b, const struct gen_cfg *cfg,
	     const struct bench_policy_opts *po)
{
	struct gw_worker_cfg wc;

	if (load_policy(b, cfg, po) != 0)
		return -1;
	memset(&wc, 0, sizeof(wc));
	wc.id = 0;
	wc.lcore = rte_lcore_id();
	wc.policy = b->policy;
	wc.pool = b->pool;
	wc.ring = b->rec_ring;
	wc.emit = inproc_emit;
	wc.emit_ctx = b;
	b->w = gw_worker_create(&wc);
	if (b->w == NULL) {
		bench_error("gw_worker_create failed (flow_capacity %u)",
			    b->policy->gw.flow_capacity);
		return -1;
	}
	b->w->ring_full_hook = ring_full_hook;
	b->w->ring_full_arg = b;
	b->w->pipe_deep_flows = b->pipe_deep_flows;
	b->timed = 0;
	b->base_ns = 1000000000ULL;
	b->next_timer_ns = b->base_ns;
	return 0;
}

static void
worker_stop(struct inproc *b)
{
	if (b->w != NULL) {
		gw_worker_drain(b->w, b->base_ns + cycles_to_ns(b, b->timed));
		drain_records(b);
	}
	gw_worker_free(b->w);
	b->w = NULL;
	gw_policy_free(b->policy);
	b->policy = NULL;
}

static uint64_t
drops_total(const struct gw_worker_stats *st)
{
	uint64_t n = 0;
	unsigned int r;

	for (r = 0; r < GW_REASON_MAX; r++)
		n += st->drops[r];
	return n;
}

static void
print_drops(const struct gw_worker_stats *now, const struct gw_worker_stats *before)
{
	unsigned int r;

	for (r = 0; r < GW_REASON_MAX; r++)
		if (now->drops[r] != before->drops[r])
			fprintf(stderr, "  dropped %s: %" PRIu64 "\n",
				gw_reason_name(r), now->drops[r] - before->drops[r]);
}

/* ---- conversations through the worker ---- */

struct conv_slot {
	struct gen_conn c;
	bool live;
	bool leaving;  /* established: leaves the slot at its next turn */
};

struct conv_result {
	uint64_t completed;
	uint64_t allowed;
	uint64_t denied;
	uint64_t frames;
};

/*
 * Runs flows [first, first + count), `conc` at a time, one frame per slot
 * per round; each round's frames go in as a LAN burst, then a WAN burst,
 * which keeps every connection in order. With est_seq, a flow leaves its
 * slot once established and its sequence numbers are saved.
 */
static int
drive_conversations(struct inproc *b, const struct gen_cfg *cfg,
		    uint64_t first, uint64_t count, unsigned int conc,
		    uint32_t *cseq, uint32_t *sseq, struct conv_result *res)
{
	struct conv_slot *slots = rte_zmalloc("bench_slots",
					      sizeof(*slots) * conc, 64);
	struct rte_mbuf **burst[2];
	unsigned int nb[2], i, live = 0;
	uint64_t next = first, end = first + count;
	int rc = -1;

	burst[0] = calloc(conc, sizeof(*burst[0]));
	burst[1] = calloc(conc, sizeof(*burst[1]));
	if (slots == NULL || burst[0] == NULL || burst[1] == NULL) {
		bench_error("out of memory");
		goto out;
	}
	memset(res, 0, sizeof(*res));
	for (i = 0; i < conc && next < end; i++) {
		gen_conn_init(&slots[i].c, cfg, next++);
		slots[i].live = true;
		live++;
	}
	while (live > 0) {
		nb[0] = nb[1] = 0;
		for (i = 0; i < conc; i++) {
			struct conv_slot *s = &slots[i];
			struct rte_mbuf *m;
			enum gen_dir dir;
			uint32_t len;

			if (!s->live)
				continue;
			m = rte_pktmbuf_alloc(b->pool);
			if (m == NULL) {
				bench_error("mbuf pool empty (held packets leaking?)");
				goto out;
			}
			len = s->leaving ? 0 :
			      gen_conn_next(&s->c, rte_pktmbuf_mtod(m, uint8_t *), &dir);
			while (len == 0) {
				if (!s->leaving) {
					res->completed++;
					if (s->c.allowed)
						res->allowed++;
					else
						res->denied++;
				}
				s->leaving = false;
				if (next >= end) {
					s->live = false;
					live--;
					break;
				}
				gen_conn_init(&s->c, cfg, next++);
				len = gen_conn_next(&s->c, rte_pktmbuf_mtod(m, uint8_t *),
						    &dir);
			}
			if (len == 0) {
				rte_pktmbuf_free(m);
				continue;
			}
			m->data_len = (uint16_t)len;
			m->pkt_len = len;
			burst[dir][nb[dir]++] = m;
			res->frames++;
			if (cseq != NULL && s->c.established) {
				cseq[s->c.idx] = s->c.cseq;
				sseq[s->c.idx] = s->c.sseq;
				res->completed++;
				res->allowed++;
				s->leaving = true;
			}
		}
		run_bursts(b, GW_PORT_LAN, burst[GEN_DIR_C2S], nb[GEN_DIR_C2S]);
		run_bursts(b, GW_PORT_WAN, burst[GEN_DIR_S2C], nb[GEN_DIR_S2C]);
	}
	rc = 0;
out:
	free(burst[0]);
	free(burst[1]);
	rte_free(slots);
	return rc;
}

/* ---- (a) established flows ---- */

static uint64_t
coprime_stride(uint64_t n)
{
	uint64_t p = (UINT64_C(2654435761) % n) | 1, a, x;

	if (n <= 2)
		return 1;
	for (;; p += 2) {
		a = p;
		x = n;
		while (x != 0) {
			uint64_t t = a % x;

			a = x;
			x = t;
		}
		if (a == 1)
			return p % n;
	}
}

/*
 * The name bindings the flows need (name_binding: strict), learnt the way
 * the gateway learns them: a DNS query and its answer per allowlist name,
 * through the worker. Clients resolve a name once and connect many times;
 * with this done first, the figures measured afterwards are connections,
 * not lookups. The generator then runs with dns_lookup off and exact names
 * only (a wildcard entry stands for many names, each its own lookup).
 */
static int
prewarm_names(struct inproc *b, const struct gen_cfg *cfg)
{
	struct gw_worker_stats before = b->w->st;
	struct rte_mbuf *q[GW_BURST], *a[GW_BURST];
	uint64_t j = 0;

	while (j < cfg->n_names) {
		unsigned int k, n = (unsigned int)RTE_MIN((uint64_t)GW_BURST,
							  cfg->n_names - j);

		if (rte_pktmbuf_alloc_bulk(b->pool, q, n) != 0 ||
		    rte_pktmbuf_alloc_bulk(b->pool, a, n) != 0) {
			bench_error("mbuf pool empty");
			return -1;
		}
		for (k = 0; k < n; k++) {
			uint32_t lq = gen_lookup_frame(cfg, j + k, j + k, false,
						       rte_pktmbuf_mtod(q[k], uint8_t *));
			uint32_t la = gen_lookup_frame(cfg, j + k, j + k, true,
						       rte_pktmbuf_mtod(a[k], uint8_t *));

			q[k]->data_len = (uint16_t)lq;
			q[k]->pkt_len = lq;
			a[k]->data_len = (uint16_t)la;
			a[k]->pkt_len = la;
		}
		run_burst(b, GW_PORT_LAN, q, (uint16_t)n);
		run_burst(b, GW_PORT_WAN, a, (uint16_t)n);
		j += n;
	}
	if (b->w->st.flows_allowed - before.flows_allowed != cfg->n_names ||
	    drops_total(&b->w->st) != drops_total(&before)) {
		bench_error("DNS set-up: %" PRIu64 " of %u lookups allowed",
			    b->w->st.flows_allowed - before.flows_allowed,
			    cfg->n_names);
		print_drops(&b->w->st, &before);
		return -1;
	}
	return 0;
}

/* Opens nflows flows (all allowed by name) and leaves them established. */
static int
establish_flows(struct inproc *b, const struct gen_cfg *cfg, uint64_t nflows,
		uint32_t *cseq, uint32_t *sseq)
{
	struct gw_worker_stats before;
	struct conv_result res;
	double t0 = bench_now();

	if (prewarm_names(b, cfg) != 0)
		return -1;
	before = b->w->st;
	if (drive_conversations(b, cfg, 0, nflows, 64, cseq, sseq, &res) != 0)
		return -1;
	if (b->w->st.flows_allowed - before.flows_allowed != nflows ||
	    gw_flow_count(b->w->flows) != nflows + cfg->n_names ||
	    b->w->st.held_packets != 0 ||
	    drops_total(&b->w->st) != drops_total(&before)) {
		bench_error("setup: %" PRIu64 " flows allowed of %" PRIu64
			    ", %u in the table, %" PRIu64 " held",
			    b->w->st.flows_allowed - before.flows_allowed, nflows,
			    gw_flow_count(b->w->flows), b->w->st.held_packets);
		print_drops(&b->w->st, &before);
		return -1;
	}
	printf("  %" PRIu64 " flows established through the worker (%" PRIu64
	       " frames, %.1f s)\n",
	       nflows, res.frames, bench_now() - t0);
	return 0;
}

/*
 * Data segments of random established flows, bursts alternating LAN and
 * WAN, until `seconds` of worker time. Returns cycles per packet.
 */
static int
measure_established(struct inproc *b, const struct gen_cfg *cfg,
		    uint64_t nflows, uint32_t *cseq, uint32_t *sseq,
		    double seconds, double *cpp, double *raw_cpp,
		    uint64_t *outliers, uint64_t *packets)
{
	struct gw_worker_stats before = b->w->st;
	uint64_t tx_before = b->tx[0] + b->tx[1];
	uint64_t stride = coprime_stride(nflows), k = 0, pkt_no = 0;
	uint64_t budget = (uint64_t)(seconds * (double)b->hz);
	uint64_t t_start = b->timed, pkts = 0, rx, drops;
	struct rte_mbuf *burst[GW_BURST];
	struct burst_estimate e;
	struct gen_tuple t;
	unsigned int i;
	int dir;

	burst_log_start(&b->log);
	while (b->timed - t_start < budget) {
		for (dir = 0; dir < 2; dir++) {
			if (rte_pktmbuf_alloc_bulk(b->pool, burst, GW_BURST) != 0) {
				bench_error("mbuf pool empty");
				return -1;
			}
			for (i = 0; i < GW_BURST; i++) {
				uint64_t idx = (k++ * stride) % nflows;
				uint32_t pl = gen_data_payload_len(cfg, pkt_no++);
				uint32_t *own = dir == GEN_DIR_C2S ? cseq : sseq;
				uint32_t *peer = dir == GEN_DIR_C2S ? sseq : cseq;
				uint32_t len;

				gen_flow_tuple(cfg, idx, &t);
				len = gen_tcp_frame(cfg, &t, (enum gen_dir)dir,
						    GW_TCP_ACK | GW_TCP_PSH,
						    own[idx], peer[idx],
						    (uint16_t)k, NULL, pl,
						    rte_pktmbuf_mtod(burst[i], uint8_t *),
						    NULL);
				own[idx] += pl;
				burst[i]->data_len = (uint16_t)len;
				burst[i]->pkt_len = len;
			}
			run_burst(b, dir == GEN_DIR_C2S ? GW_PORT_LAN : GW_PORT_WAN,
				  burst, GW_BURST);
			pkts += GW_BURST;
		}
	}
	burst_estimate(&b->log, b->hz, &e);
	rx = b->w->st.rx_packets - before.rx_packets;
	drops = drops_total(&b->w->st) - drops_total(&before);
	if (rx != pkts || drops != 0 || b->tx[0] + b->tx[1] - tx_before != pkts) {
		bench_error("established: %" PRIu64 " packets in, %" PRIu64
			    " forwarded, %" PRIu64 " dropped",
			    pkts, b->tx[0] + b->tx[1] - tx_before, drops);
		print_drops(&b->w->st, &before);
		return -1;
	}
	*cpp = e.cycles / (double)pkts;
	*raw_cpp = e.raw_cycles / (double)pkts;
	*outliers = e.outliers;
	*packets = pkts;
	return 0;
}

/* "10k", "1m": the figure's name in the result key. */
static void
count_tag(uint64_t n, char *out, size_t size)
{
	if (n % 1000000 == 0)
		snprintf(out, size, "%" PRIu64 "m", n / 1000000);
	else if (n % 1000 == 0)
		snprintf(out, size, "%" PRIu64 "k", n / 1000);
	else
		snprintf(out, size, "%" PRIu64, n);
}

static int
bench_established(struct inproc *b, const struct inproc_opts *o, uint64_t nflows)
{
	static const enum gen_size sizes[] = {GEN_SIZE_64, GEN_SIZE_IMIX, GEN_SIZE_1500};
	static const char *const size_keys[] = {"64", "imix", "1500"};
	struct bench_policy_opts po = {0};
	struct gen_cfg cfg;
	uint32_t *cseq = NULL, *sseq = NULL;
	unsigned int s;
	char tag[32];
	int rc = -1;

	count_tag(nflows, tag, sizeof(tag));
	gen_cfg_default(&cfg);
	cfg.profile = GEN_PROF_BULK;
	cfg.flows = nflows;
	cfg.n_names = 10000;
	cfg.bulk_pkts = 0;
	cfg.servers = 64;
	cfg.dns_lookup = false;
	cfg.wildcard_ratio = 0;
	/* Room for the flows without approaching the table's load limit. */
	po.flow_capacity = (uint32_t)RTE_MAX((uint64_t)262144,
					     nflows + nflows / 8 + cfg.n_names);
	cseq = calloc(nflows, sizeof(*cseq));
	sseq = calloc(nflows, sizeof(*sseq));
	if (cseq == NULL || sseq == NULL) {
		bench_error("out of memory");
		goto out;
	}
	printf("established flows: %" PRIu64 " (flow_capacity %u)\n", nflows,
	       po.flow_capacity);
	if (worker_start(b, &cfg, &po) != 0)
		goto out;
	if (establish_flows(b, &cfg, nflows, cseq, sseq) != 0)
		goto out;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		char key[64];
		double cpp, raw;
		uint64_t outliers, packets;

		/* 1500 B only where it tells something new: 10k flows. */
		if (sizes[s] == GEN_SIZE_1500 && nflows > o->small_flows)
			continue;
		cfg.size = sizes[s];
		if (measure_established(b, &cfg, nflows, cseq, sseq, o->seconds,
					&cpp, &raw, &outliers, &packets) != 0)
			goto out;
		printf("  %-5s B frames: %.1f cycles/packet, %.2f Mpps per core "
		       "(%" PRIu64 " packets; raw mean %.1f cycles, %" PRIu64
		       " preempted bursts replaced)\n",
		       size_keys[s], cpp, (double)b->hz / cpp / 1e6, packets, raw,
		       outliers);
		snprintf(key, sizeof(key), "est_%s_%s_cycles", size_keys[s], tag);
		bench_result(key, cpp, "cycles/pkt");
		snprintf(key, sizeof(key), "est_%s_%s_mpps", size_keys[s], tag);
		bench_result(key, (double)b->hz / cpp / 1e6, "Mpps");
	}
	rc = 0;
out:
	worker_stop(b);
	free(cseq);
	free(sseq);
	return rc;
}

/* ---- (a) new TLS connections per second ---- */

static int
bench_tls(struct inproc *b, const struct inproc_opts *o)
{
	struct bench_policy_opts po = {0};
	struct gw_worker_stats before;
	struct conv_result warm, res;
	struct burst_estimate e;
	struct gen_cfg cfg;
	uint64_t warm_n = o->tls_conns / 5, expired0;
	double secs, rate;
	int rc = -1;

	gen_cfg_default(&cfg);
	cfg.profile = GEN_PROF_TLS_NEW;
	cfg.n_names = (uint32_t)o->tls_names;
	cfg.allow_ratio = o->tls_allow;
	cfg.pq_ratio = o->tls_pq;
	cfg.data_segs = 1;
	cfg.flows = warm_n + o->tls_conns;
	cfg.dns_lookup = false;
	cfg.wildcard_ratio = 0;
	/*
	 * Closed flows stay until tcp_closed (10 s by default) and are found
	 * by a sweep of 1024 slots per millisecond, as in the daemon: at rate
	 * R a table holds about R * T / (1 - R / 1.024M) flows. The benchmark
	 * keeps 1 s and a table big enough for ~800k connections/s (4M), so
	 * expiry is part of the steady state measured and never the limit;
	 * docs/performance.md discusses what this means at the defaults.
	 */
	po.flow_capacity = (uint32_t)RTE_MIN((uint64_t)4194304,
					     RTE_MAX((uint64_t)1048576,
						     2 * cfg.flows));
	/* --tls-capacity: a smaller table shows whether expiry keeps up. */
	if (o->tls_capacity != 0)
		po.flow_capacity = (uint32_t)o->tls_capacity;
	po.tcp_closed_s = 1;
	if (worker_start(b, &cfg, &po) != 0)
		goto out;
	if (o->eve != NULL) {
		b->ev = gw_events_open(o->eve, b->policy, "bench");
		if (b->ev == NULL) {
			bench_error("cannot open %s", o->eve);
			goto out;
		}
	}
	printf("new TLS connections: %" PRIu64 " (+%" PRIu64 " warm-up), %u names "
	       "(resolved once through the gateway first), "
	       "%.0f %% allowed, %.0f %% post-quantum hellos, %u in flight, "
	       "flow_capacity %u, tcp_closed 1 s\n",
	       o->tls_conns, warm_n, cfg.n_names, cfg.allow_ratio * 100,
	       cfg.pq_ratio * 100, o->concurrency, po.flow_capacity);
	if (prewarm_names(b, &cfg) != 0 ||
	    drive_conversations(b, &cfg, 0, warm_n, o->concurrency, NULL, NULL,
				&warm) != 0)
		goto out;
	before = b->w->st;
	expired0 = b->w->st.flows_expired;
	burst_log_start(&b->log);
	if (drive_conversations(b, &cfg, warm_n, o->tls_conns, o->concurrency,
				NULL, NULL, &res) != 0)
		goto out;
	burst_estimate(&b->log, b->hz, &e);
	secs = e.cycles / (double)b->hz;
	/* The verdicts must be the ones the generator expects, one per flow. */
	if (b->w->st.flows_allowed - before.flows_allowed != res.allowed ||
	    b->w->st.flows_denied - before.flows_denied != res.denied ||
	    b->w->st.held_packets != 0 || res.completed != o->tls_conns ||
	    b->w->st.drops[GW_REASON_FLOW_TABLE_FULL] != 0) {
		bench_error("tls: %" PRIu64 " connections, %" PRIu64 " allowed (want %"
			    PRIu64 "), %" PRIu64 " denied (want %" PRIu64 "), %"
			    PRIu64 " held",
			    res.completed,
			    b->w->st.flows_allowed - before.flows_allowed, res.allowed,
			    b->w->st.flows_denied - before.flows_denied, res.denied,
			    b->w->st.held_packets);
		print_drops(&b->w->st, &before);
		goto out;
	}
	if (drops_total(&b->w->st) - drops_total(&before) !=
	    b->w->st.drops[GW_REASON_FQDN_NOT_ALLOWED] -
		    before.drops[GW_REASON_FQDN_NOT_ALLOWED]) {
		bench_error("tls: unexpected drops");
		print_drops(&b->w->st, &before);
		goto out;
	}
	rate = (double)res.completed / secs;
	printf("  %" PRIu64 " connections (%" PRIu64 " frames) in %.3f s of worker "
	       "time: %.0f connections/s per core, %.0f cycles/connection, "
	       "%.1f cycles/frame (raw mean %.0f cycles/connection, %" PRIu64
	       " preempted bursts replaced); %" PRIu64 " flows expired meanwhile\n",
	       res.completed, res.frames, secs, rate,
	       e.cycles / (double)res.completed, e.cycles / (double)res.frames,
	       e.raw_cycles / (double)res.completed, e.outliers,
	       b->w->st.flows_expired - expired0);
	bench_result("tls_new_conn_per_s", rate, "conn/s");
	bench_result("tls_new_cycles_per_conn", e.cycles / (double)res.completed,
		     "cycles");
	bench_result("tls_new_frames_per_conn",
		     (double)res.frames / (double)res.completed, "frames");
	rc = 0;
out:
	worker_stop(b);
	if (b->ev != NULL) {
		gw_events_close(b->ev);
		b->ev = NULL;
	}
	return rc;
}

/* ---- name matching (lib/match) ---- */

static int
bench_match_one(const struct inproc_opts *o, struct burst_log *log, uint32_t n)
{
	struct gw_match_error err;
	struct gw_match_scratch *scr = NULL;
	struct gw_match_db *db = NULL;
	struct gen_cfg cfg;
	char (*names)[GEN_NAME_MAX] = NULL;
	const char **ptrs = NULL;
	char *pool = NULL;
	uint32_t *off = NULL;
	uint8_t *len = NULL;
	bool *expect = NULL;
	uint64_t i, hits = 0, want_hits = 0, rounds = 0, budget, c0;
	struct burst_estimate e_norm, e_scan;
	double tc, compile_s, ns_norm, ns_scan;
	char *norm = NULL;
	uint8_t *norm_len = NULL;
	char key[64];
	int rc = -1;

	gen_cfg_default(&cfg);
	cfg.n_names = n;
	cfg.allow_ratio = 0.5;
	names = malloc((size_t)n * sizeof(*names));
	ptrs = malloc((size_t)n * sizeof(*ptrs));
	pool = malloc((size_t)MATCH_POOL * GEN_NAME_MAX);
	off = malloc(MATCH_POOL * sizeof(*off));
	len = malloc(MATCH_POOL * sizeof(*len));
	expect = malloc(MATCH_POOL * sizeof(*expect));
	norm = malloc((size_t)MATCH_POOL * NORM_STRIDE);
	norm_len = malloc(MATCH_POOL);
	if (names == NULL || ptrs == NULL || pool == NULL || off == NULL ||
	    len == NULL || expect == NULL || norm == NULL || norm_len == NULL) {
		bench_error("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		gen_allow_entry(&cfg, i, names[i], sizeof(names[i]));
		ptrs[i] = names[i];
	}
	tc = bench_now();
	db = gw_match_fqdn_build(ptrs, n, &err);
	compile_s = bench_now() - tc;
	if (db == NULL) {
		bench_error("match: %u names do not compile: %s", n, err.msg);
		goto out;
	}
	if (gw_match_scratch_grow(&scr, db) != 0) {
		bench_error("match: scratch");
		goto out;
	}
	/*
	 * Lookups as the gateway sees them: names from the wire, half allowed
	 * (exact and wildcard), half not, packed back to back, cycled.
	 */
	{
		uint32_t pos = 0;

		for (i = 0; i < MATCH_POOL; i++) {
			int l = gen_flow_name(&cfg, i, pool + pos, GEN_NAME_MAX,
					      &expect[i]);

			off[i] = pos;
			len[i] = (uint8_t)l;
			pos += (uint32_t)l;
			want_hits += expect[i];
		}
	}
	/*
	 * Two timed loops over the same pool: normalisation alone (into a
	 * second pool), then the scan of the normalised names; the figure is
	 * their sum, the per-SNI work of gw_policy_decide_name's allowlist step.
	 */
	budget = (uint64_t)((o->quick ? 0.25 : 1.5) * (double)rte_get_tsc_hz());
	/* Chunks of MATCH_CHUNK lookups timed apart, preempted ones replaced. */
	burst_log_start(log);
	c0 = rte_rdtsc();
	do {
		for (i = 0; i < MATCH_POOL; i += MATCH_CHUNK) {
			uint64_t j, t = rte_rdtsc();

			for (j = i; j < i + MATCH_CHUNK; j++) {
				int nl = gw_name_normalize((const uint8_t *)pool + off[j],
							   len[j],
							   norm + (size_t)j * NORM_STRIDE,
							   NORM_STRIDE, false);

				norm_len[j] = nl < 0 ? 0 : (uint8_t)nl;
			}
			burst_log_add(log, rte_rdtsc() - t, MATCH_CHUNK);
		}
	} while (rte_rdtsc() - c0 < budget / 2);
	burst_estimate(log, rte_get_tsc_hz(), &e_norm);
	burst_log_start(log);
	c0 = rte_rdtsc();
	do {
		for (i = 0; i < MATCH_POOL; i += MATCH_CHUNK) {
			uint64_t j, t = rte_rdtsc();

			for (j = i; j < i + MATCH_CHUNK; j++)
				hits += norm_len[j] > 0 &&
					gw_match_scan(db, scr,
						      norm + (size_t)j * NORM_STRIDE,
						      norm_len[j]) >= 0;
			burst_log_add(log, rte_rdtsc() - t, MATCH_CHUNK);
		}
		rounds++;
	} while (rte_rdtsc() - c0 < budget);
	burst_estimate(log, rte_get_tsc_hz(), &e_scan);
	if (hits != want_hits * rounds) {
		bench_error("match: %" PRIu64 " hits, the generator expects %" PRIu64,
			    hits, want_hits * rounds);
		goto out;
	}
	ns_norm = e_norm.cycles * 1e9 / (double)rte_get_tsc_hz() /
		  (double)e_norm.packets;
	ns_scan = e_scan.cycles * 1e9 / (double)rte_get_tsc_hz() /
		  (double)e_scan.packets;
	printf("  %6u names: compiled in %.3f s (%zu KiB), %.1f ns per SNI "
	       "(normalise %.1f + scan %.1f, %.0f %% hits)\n",
	       n, compile_s, gw_match_db_size(db) / 1024, ns_norm + ns_scan,
	       ns_norm, ns_scan, 100.0 * (double)want_hits / MATCH_POOL);
	snprintf(key, sizeof(key), "match_%uk_ns", n / 1000);
	bench_result(key, ns_norm + ns_scan, "ns");
	snprintf(key, sizeof(key), "match_%uk_scan_ns", n / 1000);
	bench_result(key, ns_scan, "ns");
	snprintf(key, sizeof(key), "match_%uk_compile_s", n / 1000);
	bench_result(key, compile_s, "s");
	rc = 0;
out:
	gw_match_scratch_free(scr);
	gw_match_db_free(db);
	free(names);
	free(ptrs);
	free(pool);
	free(off);
	free(len);
	free(expect);
	free(norm);
	free(norm_len);
	return rc;
}

static int
bench_match(struct inproc *b, const struct inproc_opts *o)
{
	static const uint32_t sizes[] = {1000, 10000, 100000};
	unsigned int i;

	printf("name matching (lib/match, exact and wildcard hash sets):\n");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (bench_match_one(o, &b->log, sizes[i]) != 0)
			return -1;
	return 0;
}

/* ---- memory per flow ---- */

static int
mem_for(uint32_t flow_cap, uint32_t pending, const struct gw_ext_limits *lim,
	double *per_flow, size_t *table_b, size_t *ext_b)
{
	size_t h0, h1, h2;
	struct gw_flow_table *t;
	struct gw_flow_ext_pool *ep;

	h0 = bench_heap_bytes();
	t = gw_flow_table_create(flow_cap, NULL);
	h1 = bench_heap_bytes();
	ep = gw_flow_ext_pool_create(pending, lim);
	h2 = bench_heap_bytes();
	if (t == NULL || ep == NULL) {
		gw_flow_table_free(t);
		gw_flow_ext_pool_free(ep);
		bench_error("memory: cannot create a %u-flow table", flow_cap);
		return -1;
	}
	*table_b = h1 - h0;
	/* The worker adds one pending reference per pending slot and its TLS scratch. */
	*ext_b = h2 - h1 + (size_t)pending * sizeof(struct gw_pending_ref) +
		 lim->max_bytes;
	*per_flow = (double)(*table_b + *ext_b) / flow_cap;
	gw_flow_table_free(t);
	gw_flow_ext_pool_free(ep);
	return 0;
}

static int
bench_memory(struct inproc *b)
{
	struct bench_policy_opts po = {0};
	struct gen_cfg cfg;
	const struct gw_gateway_cfg *g;
	struct gw_ext_limits lim = {0};
	size_t tb, eb;
	double per, per1m;

	gen_cfg_default(&cfg);
	cfg.n_names = 10;
	if (load_policy(b, &cfg, &po) != 0)
		return -1;
	g = &b->policy->gw;
	lim.max_bytes = g->reasm_max_bytes;
	lim.max_segs = g->reasm_max_segs;
	lim.timeout_ns = g->reasm_timeout_ns;
	if (mem_for(g->flow_capacity, g->pending_capacity, &lim, &per, &tb, &eb) != 0)
		goto fail;
	printf("memory per flow (allocations of gw_flow_table_create and "
	       "gw_flow_ext_pool_create):\n");
	printf("  defaults (flow_capacity %u, pending_capacity %u, reassembly %u B): "
	       "table %.1f B/flow, pending state %.1f KiB per pending flow = "
	       "%.1f B/flow amortised; all-in %.1f B/flow\n",
	       g->flow_capacity, g->pending_capacity, g->reasm_max_bytes,
	       (double)tb / g->flow_capacity,
	       (double)eb / g->pending_capacity / 1024.0,
	       (double)eb / g->flow_capacity, per);
	bench_result("mem_table_bytes_per_flow", (double)tb / g->flow_capacity, "B");
	bench_result("mem_pending_bytes_per_pending_flow",
		     (double)eb / g->pending_capacity, "B");
	bench_result("mem_per_flow", per, "B");
	if (mem_for(1048576, g->pending_capacity, &lim, &per1m, &tb, &eb) != 0)
		goto fail;
	printf("  flow_capacity 1M, same pending pool: table %.1f B/flow, all-in "
	       "%.1f B/flow\n", (double)tb / 1048576, per1m);
	bench_result("mem_per_flow_1m", per1m, "B");
	/*
	 * All-in: everything gw_worker_create allocates (flow table, pending
	 * pool, name-binding table, Hyperscan scratch, buffers) per flow of
	 * capacity, at the defaults. This is the figure held to the target.
	 */
	{
		struct gw_worker_cfg wc;
		struct gw_worker *w;
		size_t h0, h1;

		memset(&wc, 0, sizeof(wc));
		wc.lcore = rte_lcore_id();
		wc.policy = b->policy;
		wc.pool = b->pool;
		wc.ring = b->rec_ring;
		wc.emit = inproc_emit;
		wc.emit_ctx = b;
		h0 = bench_heap_bytes();
		w = gw_worker_create(&wc);
		h1 = bench_heap_bytes();
		if (w == NULL) {
			bench_error("memory: gw_worker_create failed");
			goto fail;
		}
		gw_worker_free(w);
		printf("  the whole worker (gw_worker_create at the defaults): %.1f MiB "
		       "= %.1f B per flow of capacity\n",
		       (double)(h1 - h0) / 1048576.0,
		       (double)(h1 - h0) / g->flow_capacity);
		bench_result("mem_worker_per_flow", (double)(h1 - h0) / g->flow_capacity,
			     "B");
	}
	gw_policy_free(b->policy);
	b->policy = NULL;
	return 0;
fail:
	gw_policy_free(b->policy);
	b->policy = NULL;
	return -1;
}

/* ---- command ---- */

static void
inproc_usage(FILE *f)
{
	fprintf(f,
		"usage: egressgw-bench inproc [--quick] [--only LIST] [--seconds S]\n"
		"                             [--small-flows N] [--large-flows N]\n"
		"                             [--tls-conns N] [--tls-names N]\n"
		"                             [--tls-allow X] [--tls-pq X]\n"
		"                             [--concurrency N] [--eve FILE]\n"
		"                             [--tls-capacity N] [--pipe-deep-flows N]\n"
		"  --only LIST   comma list of: est-small, est-large, tls, match, mem\n"
		"  --seconds S   worker time per established-flow figure (default 3, quick 0.5)\n"
		"  --eve FILE    write the TLS run's records as EVE JSON (off the clock)\n"
		"  --tls-capacity N  flow_capacity of the TLS run (default: 2 x connections, 1M..4M)\n"
		"  --pipe-deep-flows N  flows from which the worker uses the long pipeline\n"
		"                distances (default %u; 0 always, 4294967295 never)\n",
		GW_PIPE_DEEP_FLOWS);
}

int
bench_cmd_inproc(int argc, char **argv)
{
	static const struct option opts[] = {
		{"quick", no_argument, NULL, 'q'},
		{"only", required_argument, NULL, 'o'},
		{"seconds", required_argument, NULL, 's'},
		{"small-flows", required_argument, NULL, 'a'},
		{"large-flows", required_argument, NULL, 'b'},
		{"tls-conns", required_argument, NULL, 't'},
		{"tls-names", required_argument, NULL, 'n'},
		{"tls-allow", required_argument, NULL, 'A'},
		{"tls-pq", required_argument, NULL, 'P'},
		{"concurrency", required_argument, NULL, 'c'},
		{"eve", required_argument, NULL, 'e'},
		{"tls-capacity", required_argument, NULL, 'C'},
		{"pipe-deep-flows", required_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct inproc_opts o = {
		.seconds = 0, .small_flows = 10000, .large_flows = 1000000,
		.tls_conns = 0, .tls_names = 10000, .tls_allow = 1.0,
		.tls_pq = 0.5, .concurrency = 128,
		.pipe_deep_flows = GW_PIPE_DEEP_FLOWS,
	};
	struct inproc b;
	uint64_t v;
	char cpu[256];
	int opt, rc = 1;

	memset(&b, 0, sizeof(b));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'q': o.quick = true; break;
		case 'o': o.only = optarg; break;
		case 'e': o.eve = optarg; break;
		case 's':
			if (bench_parse_double("--seconds", optarg, &o.seconds) != 0 ||
			    o.seconds <= 0)
				return 2;
			break;
		case 'a':
			if (bench_parse_u64("--small-flows", optarg, &o.small_flows) != 0 ||
			    o.small_flows == 0)
				return 2;
			break;
		case 'b':
			if (bench_parse_u64("--large-flows", optarg, &o.large_flows) != 0 ||
			    o.large_flows == 0 || o.large_flows > 8000000)
				return 2;
			break;
		case 't':
			if (bench_parse_u64("--tls-conns", optarg, &o.tls_conns) != 0 ||
			    o.tls_conns < 100)
				return 2;
			break;
		case 'n':
			if (bench_parse_u64("--tls-names", optarg, &o.tls_names) != 0 ||
			    o.tls_names == 0 || o.tls_names > 1000000)
				return 2;
			break;
		case 'A':
			if (bench_parse_double("--tls-allow", optarg, &o.tls_allow) != 0 ||
			    o.tls_allow < 0 || o.tls_allow > 1)
				return 2;
			break;
		case 'P':
			if (bench_parse_double("--tls-pq", optarg, &o.tls_pq) != 0 ||
			    o.tls_pq < 0 || o.tls_pq > 1)
				return 2;
			break;
		case 'c':
			if (bench_parse_u64("--concurrency", optarg, &v) != 0 || v == 0 ||
			    v > 4096)
				return 2;
			o.concurrency = (unsigned int)v;
			break;
		case 'C':
			if (bench_parse_u64("--tls-capacity", optarg, &o.tls_capacity) != 0 ||
			    o.tls_capacity < 1024 || o.tls_capacity > 16777216)
				return 2;
			break;
		case 'D':
			if (bench_parse_u64("--pipe-deep-flows", optarg, &v) != 0 ||
			    v > UINT32_MAX)
				return 2;
			o.pipe_deep_flows = (uint32_t)v;
			break;
		case 'h': inproc_usage(stdout); return 0;
		default: inproc_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		inproc_usage(stderr);
		return 2;
	}
	if (o.seconds == 0)
		o.seconds = o.quick ? 0.5 : 3.0;
	if (o.tls_conns == 0)
		o.tls_conns = o.quick ? 100000 : 2000000;

	if (bench_eal_init("inproc", 1024, "0", 0, NULL) != 0)
		return 1;
	b.hz = rte_get_tsc_hz();
	b.pipe_deep_flows = o.pipe_deep_flows;
	bench_cpu_model(cpu, sizeof(cpu));
	printf("inproc: %s, TSC %.3f GHz, one worker on lcore %u (no PMD)\n", cpu,
	       (double)b.hz / 1e9, rte_lcore_id());
	printf("  pipeline: long prefetch distances from %u flows in the table\n",
	       b.pipe_deep_flows);
	b.pool = rte_pktmbuf_pool_create("bench_pool", POOL_MBUFS, 512, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	b.rec_ring = rte_ring_create_elem("bench_rec", sizeof(struct gw_record),
					  REC_RING, SOCKET_ID_ANY,
					  RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (b.pool == NULL || b.rec_ring == NULL) {
		bench_error("mempool/ring: %s", rte_strerror(rte_errno));
		goto out;
	}
	if (want(&o, "est-small") &&
	    bench_established(&b, &o, o.small_flows) != 0)
		goto out;
	if (want(&o, "est-large") &&
	    bench_established(&b, &o, o.large_flows) != 0)
		goto out;
	if (want(&o, "tls") && bench_tls(&b, &o) != 0)
		goto out;
	if (want(&o, "match") && bench_match(&b, &o) != 0)
		goto out;
	if (want(&o, "mem") && bench_memory(&b) != 0)
		goto out;
	rc = 0;
out:
	burst_log_free(&b.log);
	rte_ring_free(b.rec_ring);
	rte_mempool_free(b.pool);
	rte_eal_cleanup();
	return rc;
}
