/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `egressgw-bench memif`: measurement (b) of docs/performance.md. Two
 * processes: this generator owns two net_memif ports (server role) and
 * starts the real `egressgw` daemon with two memif ports (client role)
 * connected to them:
 *
 *   generator port 0 ──► egressgw LAN ─ worker ─ WAN ──► generator port 1
 *   generator port 0 ◄── egressgw LAN ─ worker ─ WAN ◄── generator port 1
 *
 * Flows are opened through the gateway (handshake, ClientHello, verdict),
 * then data segments of those flows are offered in both directions at a
 * paced rate. Zero-loss throughput is found by binary search over trials
 * (RFC 2544 26.1); latency is measured at 90 % of that rate from the TSC
 * carried in each frame's payload (one machine: one invariant TSC).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "common/gw_util.h"
#include "pkt/gw_csum.h"
#include "pkt/gw_pkt.h"

#include "bench.h"
#include "bench_policy.h"
#include "bench_util.h"

extern char **environ;

#define P_LAN 0   /* our port facing the gateway's LAN port */
#define P_WAN 1
#define NB_DESC 4096
#define BURST 32
#define MAX_FLOWS 65536
#define TS_BYTES 6
#define TS_MASK ((UINT64_C(1) << 48) - 1)

struct tmpl {
	uint8_t frame[GEN_FRAME_MAX];
	uint16_t len;
	uint16_t tcp_off;
	uint16_t payload_off;
	uint16_t payload_len;
	uint32_t seq;            /* sequence number written in the frame */
	uint16_t csum;           /* TCP checksum written in the frame */
};

struct memif_run {
	struct rte_mempool *pool;
	uint16_t port[2];
	uint64_t hz;
	uint32_t n_flows;
	struct tmpl *t[2];       /* per flow, by enum gen_dir */
	uint32_t *next_seq[2];
	pid_t gw_pid;
	char dir[64];
	bool quick;
};

struct trial {
	double rate;             /* offered, packets/s, both directions together */
	double seconds;
	uint64_t sent;
	uint64_t received;
	uint64_t unsent;         /* refused by a full tx ring: the gateway did not drain */
	double achieved;         /* rate actually offered */
	struct bench_hist *hist; /* latency, NULL when not measured */
};

/* ---- the gateway process ---- */

static int
gateway_spawn(struct memif_run *r, const char *gateway)
{
	char vdev0[256], vdev1[256], prefix[64], cfg[128], eve[128], ctl[128];
	char logp[128];
	char *argv[32];
	posix_spawn_file_actions_t fa;
	int argc = 0, rc;

	snprintf(vdev0, sizeof(vdev0),
		 "net_memif0,role=client,id=0,socket=%s/lan.sock,"
		 "socket-abstract=no,rsize=14", r->dir);
	snprintf(vdev1, sizeof(vdev1),
		 "net_memif1,role=client,id=0,socket=%s/wan.sock,"
		 "socket-abstract=no,rsize=14", r->dir);
	snprintf(prefix, sizeof(prefix), "egw-bench-gw-%d", (int)getpid());
	snprintf(cfg, sizeof(cfg), "%s/policy.yaml", r->dir);
	snprintf(eve, sizeof(eve), "%s/eve.json", r->dir);
	snprintf(ctl, sizeof(ctl), "%s/ctl.sock", r->dir);
	snprintf(logp, sizeof(logp), "%s/gateway.log", r->dir);
	argv[argc++] = (char *)gateway;
	argv[argc++] = (char *)"--no-huge";
	argv[argc++] = (char *)"--no-pci";
	argv[argc++] = (char *)"-m";
	argv[argc++] = (char *)"1024";
	/* lcore 0: control plane (sleeps when idle), lcore 1: the worker. */
	argv[argc++] = (char *)"-l";
	argv[argc++] = (char *)"0-1";
	argv[argc++] = (char *)"--file-prefix";
	argv[argc++] = prefix;
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--log-level";
	argv[argc++] = (char *)"*:error";
	argv[argc++] = (char *)"--vdev";
	argv[argc++] = vdev0;
	argv[argc++] = (char *)"--vdev";
	argv[argc++] = vdev1;
	argv[argc++] = (char *)"--";
	argv[argc++] = (char *)"--config";
	argv[argc++] = cfg;
	argv[argc++] = (char *)"--eve";
	argv[argc++] = eve;
	argv[argc++] = (char *)"--ctl-socket";
	argv[argc++] = ctl;
	argv[argc] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, logp,
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = posix_spawn(&r->gw_pid, gateway, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		bench_error("cannot start %s: %s", gateway, strerror(rc));
		r->gw_pid = 0;
		return -1;
	}
	return 0;
}

static bool
gateway_alive(struct memif_run *r, int *status)
{
	pid_t p;

	if (r->gw_pid <= 0)
		return false;
	p = waitpid(r->gw_pid, status, WNOHANG);
	if (p == r->gw_pid) {
		r->gw_pid = 0;
		return false;
	}
	return true;
}

static void
gateway_log_tail(const struct memif_run *r)
{
	char path[128], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/gateway.log", r->dir);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	fprintf(stderr, "--- %s\n", path);
	while (fgets(line, sizeof(line), f) != NULL)
		fputs(line, stderr);
	fclose(f);
}

/* SIGTERM, then the daemon flushes its records and exits; 0 if it exited 0. */
static int
gateway_stop(struct memif_run *r)
{
	double t0 = bench_now();
	int status = 0;
	pid_t p;

	if (r->gw_pid <= 0)
		return 0;
	kill(r->gw_pid, SIGTERM);
	while ((p = waitpid(r->gw_pid, &status, WNOHANG)) == 0 &&
	       bench_now() - t0 < 10.0)
		usleep(10000);
	if (p == 0) {
		kill(r->gw_pid, SIGKILL);
		waitpid(r->gw_pid, &status, 0);
		r->gw_pid = 0;
		bench_error("egressgw did not stop within 10 s of SIGTERM");
		return -1;
	}
	r->gw_pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		bench_error("egressgw ended with status %d%s", status,
			    WIFSIGNALED(status) ? " (killed by a signal)" : "");
		gateway_log_tail(r);
		return -1;
	}
	return 0;
}

/* ---- ports ---- */

static int
port_setup(struct memif_run *r, uint16_t port)
{
	struct rte_eth_conf conf;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, NB_DESC, SOCKET_ID_ANY, NULL,
					    r->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, NB_DESC, SOCKET_ID_ANY, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0) {
		bench_error("memif port %u: %s", port, strerror(-rc));
		return -1;
	}
	return 0;
}

static int
wait_links(struct memif_run *r, double timeout)
{
	double t0 = bench_now();
	int status;

	while (bench_now() - t0 < timeout) {
		struct rte_eth_link l0, l1;

		if (!gateway_alive(r, &status)) {
			bench_error("egressgw exited during start-up (status %d)",
				    status);
			gateway_log_tail(r);
			return -1;
		}
		rte_eth_link_get_nowait(r->port[P_LAN], &l0);
		rte_eth_link_get_nowait(r->port[P_WAN], &l1);
		if (l0.link_status && l1.link_status)
			return 0;
		usleep(20000);
	}
	bench_error("memif links did not come up within %.0f s", timeout);
	gateway_log_tail(r);
	return -1;
}

/* Sends n mbufs, retrying while the ring is full for up to 50 ms. */
static uint16_t
tx_all(uint16_t port, struct rte_mbuf **m, uint16_t n)
{
	uint16_t sent = 0;
	double t0 = 0;

	while (sent < n) {
		uint16_t k = rte_eth_tx_burst(port, 0, m + sent, n - sent);

		sent += k;
		if (k == 0) {
			if (t0 == 0)
				t0 = bench_now();
			else if (bench_now() - t0 > 0.05)
				break;
		}
	}
	if (sent < n)
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	return sent;
}

static uint64_t
rx_discard(struct memif_run *r)
{
	struct rte_mbuf *m[BURST];
	uint64_t got = 0;
	unsigned int p;

	for (p = 0; p < 2; p++) {
		uint16_t n = rte_eth_rx_burst(r->port[p], 0, m, BURST);

		if (n > 0) {
			rte_pktmbuf_free_bulk(m, n);
			got += n;
		}
	}
	return got;
}

/*
 * The links come up when the gateway's ports start, before its workers
 * poll them (policy compilation and table allocation come in between, and
 * take longer on a slow or busy machine): until a worker forwards, frames
 * would be refused and the set-up would lose connections' first frames.
 * Probe with a DNS query from a client no flow uses (it opens one UDP flow
 * of its own in the gateway) until one comes through, then let the rest
 * drain.
 */
static int
wait_forwarding(struct memif_run *r, const struct gen_cfg *cfg, double timeout)
{
	double t0 = bench_now(), quiet;
	uint64_t probes = 0;
	int status;

	while (bench_now() - t0 < timeout) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(r->pool);
		double ts;

		if (!gateway_alive(r, &status)) {
			bench_error("egressgw exited during start-up (status %d)",
				    status);
			gateway_log_tail(r);
			return -1;
		}
		if (m == NULL) {
			bench_error("mbuf pool empty");
			return -1;
		}
		m->data_len = (uint16_t)gen_lookup_frame(cfg, 0, r->n_flows, false,
							 rte_pktmbuf_mtod(m, uint8_t *));
		m->pkt_len = m->data_len;
		if (rte_eth_tx_burst(r->port[P_LAN], 0, &m, 1) != 1)
			rte_pktmbuf_free(m);
		probes++;
		ts = bench_now();
		while (bench_now() - ts < 0.02) {
			if (rx_discard(r) > 0) {
				/* Forwarding: drain the probes still in flight. */
				quiet = bench_now();
				while (bench_now() - quiet < 0.05)
					if (rx_discard(r) > 0)
						quiet = bench_now();
				printf("  gateway forwarding %.2f s after link up "
				       "(%" PRIu64 " probe%s)\n", ts - t0, probes,
				       probes == 1 ? "" : "s");
				return 0;
			}
		}
	}
	bench_error("egressgw forwarded none of %" PRIu64 " probes within %.0f s",
		    probes, timeout);
	gateway_log_tail(r);
	return -1;
}

/* ---- flow set-up through the gateway ---- */

/*
 * Opens the flows in lock step: frame k of every connection, then wait for
 * the gateway to forward what it will (a first hello segment stays held
 * until the second one), then frame k + 1. Keeps each connection in order
 * across the two ports without a stateful peer.
 */
static int
open_flows(struct memif_run *r, const struct gen_cfg *cfg)
{
	struct gen_conn *c = rte_zmalloc("memif_conns", sizeof(*c) * r->n_flows, 64);
	bool *live = calloc(r->n_flows, sizeof(*live));
	uint64_t sent = 0, got = 0, offered = 0;
	uint32_t i, n_live = r->n_flows;
	int rc = -1;

	if (c == NULL || live == NULL) {
		bench_error("out of memory");
		goto out;
	}
	for (i = 0; i < r->n_flows; i++) {
		gen_conn_init(&c[i], cfg, i);
		live[i] = true;
	}
	while (n_live > 0) {
		struct rte_mbuf *b[2][BURST];
		uint16_t nb[2] = {0, 0};
		double idle_since;

		for (i = 0; i < r->n_flows; i++) {
			struct rte_mbuf *m;
			enum gen_dir d;
			uint32_t len;

			if (!live[i])
				continue;
			if (c[i].established) {
				r->next_seq[GEN_DIR_C2S][i] = c[i].cseq;
				r->next_seq[GEN_DIR_S2C][i] = c[i].sseq;
				live[i] = false;
				n_live--;
				continue;
			}
			m = rte_pktmbuf_alloc(r->pool);
			if (m == NULL) {
				bench_error("mbuf pool empty");
				goto out;
			}
			len = gen_conn_next(&c[i], rte_pktmbuf_mtod(m, uint8_t *), &d);
			if (len == 0) {
				rte_pktmbuf_free(m);
				live[i] = false;
				n_live--;
				continue;
			}
			m->data_len = (uint16_t)len;
			m->pkt_len = len;
			b[d][nb[d]++] = m;
			if (nb[d] == BURST) {
				offered += BURST;
				sent += tx_all(r->port[d == GEN_DIR_C2S ? P_LAN : P_WAN],
					       b[d], BURST);
				nb[d] = 0;
				got += rx_discard(r);
			}
		}
		offered += nb[GEN_DIR_C2S] + nb[GEN_DIR_S2C];
		sent += tx_all(r->port[P_LAN], b[GEN_DIR_C2S], nb[GEN_DIR_C2S]);
		sent += tx_all(r->port[P_WAN], b[GEN_DIR_S2C], nb[GEN_DIR_S2C]);
		idle_since = bench_now();
		/* Drain: until everything came back or 30 ms without a frame. */
		while (got < sent && bench_now() - idle_since < 0.03) {
			uint64_t k = rx_discard(r);

			if (k > 0) {
				got += k;
				idle_since = bench_now();
			}
		}
	}
	if (sent != offered) {
		bench_error("set-up: the memif ports took %" PRIu64 " of %" PRIu64
			    " frames (the gateway stopped polling them)", sent,
			    offered);
		goto out;
	}
	if (got != sent) {
		bench_error("set-up: sent %" PRIu64 " frames, %" PRIu64
			    " came through the gateway", sent, got);
		goto out;
	}
	printf("  %u flows opened through egressgw (%" PRIu64 " frames)\n",
	       r->n_flows, sent);
	rc = 0;
out:
	rte_free(c);
	free(live);
	return rc;
}

/* ---- data frames ---- */

static int
build_templates(struct memif_run *r, const struct gen_cfg *cfg)
{
	unsigned int d;
	uint32_t i;

	for (d = 0; d < 2; d++) {
		r->t[d] = rte_zmalloc("memif_tmpl", sizeof(struct tmpl) * r->n_flows, 64);
		if (r->t[d] == NULL)
			return -1;
	}
	for (i = 0; i < r->n_flows; i++) {
		struct gen_tuple tu;

		gen_flow_tuple(cfg, i, &tu);
		for (d = 0; d < 2; d++) {
			struct tmpl *t = &r->t[d][i];
			uint32_t pl = gen_data_payload_len(cfg, i * 2 + d), poff;

			t->seq = r->next_seq[d][i];
			t->len = (uint16_t)gen_tcp_frame(cfg, &tu, (enum gen_dir)d,
							 GW_TCP_ACK | GW_TCP_PSH,
							 t->seq, r->next_seq[d ^ 1][i],
							 1, NULL, pl, t->frame, &poff);
			t->payload_off = (uint16_t)poff;
			t->payload_len = (uint16_t)pl;
			t->tcp_off = (uint16_t)(poff - 20);
			t->csum = gw_be16(t->frame + t->tcp_off + 16);
			if (pl < TS_BYTES)
				return -1;
		}
	}
	return 0;
}

/*
 * Copies flow i's template into m with the flow's next sequence number and
 * the TSC in the first six payload bytes; the TCP checksum follows by
 * RFC 1624 updates (the gateway does not verify it, capture tools do).
 */
static void
fill_data(struct memif_run *r, struct rte_mbuf *m, unsigned int d, uint32_t i,
	  uint64_t tsc)
{
	const struct tmpl *t = &r->t[d][i];
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *tcp = p + t->tcp_off, *pl = p + t->payload_off;
	uint32_t seq = r->next_seq[d][i];
	uint16_t c = t->csum;
	unsigned int k;

	memcpy(p, t->frame, t->len);
	m->data_len = t->len;
	m->pkt_len = t->len;
	tcp[4] = (uint8_t)(seq >> 24);
	tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8);
	tcp[7] = (uint8_t)seq;
	c = gw_csum_update32(c, t->seq, seq);
	for (k = 0; k < TS_BYTES; k += 2) {
		uint16_t old = gw_be16(t->frame + t->payload_off + k);
		uint16_t v = (uint16_t)(tsc >> (8 * (4 - k)));

		pl[k] = (uint8_t)(v >> 8);
		pl[k + 1] = (uint8_t)v;
		c = gw_csum_update16(c, old, v);
	}
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
	r->next_seq[d][i] = seq + t->payload_len;
}

static uint64_t
read_ts(const struct rte_mbuf *m, const struct memif_run *r, unsigned int d)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t off = r->t[d][0].payload_off;
	uint64_t v = 0;
	unsigned int k;

	if (rte_pktmbuf_data_len(m) < off + TS_BYTES)
		return UINT64_MAX;
	for (k = 0; k < TS_BYTES; k++)
		v = v << 8 | p[off + k];
	return v;
}

/* Receives on both ports; latency from the carried TSC when hist is set. */
static uint64_t
rx_count(struct memif_run *r, struct bench_hist *hist)
{
	struct rte_mbuf *m[BURST];
	uint64_t got = 0;
	unsigned int p;

	for (p = 0; p < 2; p++) {
		uint16_t n = rte_eth_rx_burst(r->port[p], 0, m, BURST), i;

		if (n == 0)
			continue;
		if (hist != NULL) {
			uint64_t now = rte_rdtsc() & TS_MASK;

			for (i = 0; i < n; i++) {
				/* Arriving on our WAN port: it was sent client -> server. */
				uint64_t ts = read_ts(m[i], r, p == P_WAN ? GEN_DIR_C2S :
									    GEN_DIR_S2C);

				if (ts != UINT64_MAX)
					bench_hist_add(hist, ((now - ts) & TS_MASK) *
							       1000000000ULL / r->hz);
			}
		}
		rte_pktmbuf_free_bulk(m, n);
		got += n;
	}
	return got;
}

/* One trial: `rate` packets/s offered (half each way) for `seconds`. */
static int
run_trial(struct memif_run *r, struct trial *t)
{
	uint64_t interval = (uint64_t)((double)BURST * (double)r->hz / t->rate);
	uint64_t start, end, next, i_flow = 0, now;
	unsigned int d = 0;
	double drain0;
	int status;

	t->sent = t->received = t->unsent = 0;
	if (interval == 0)
		interval = 1;
	start = rte_rdtsc();
	end = start + (uint64_t)(t->seconds * (double)r->hz);
	next = start;
	while ((now = rte_rdtsc()) < end) {
		if (now >= next) {
			struct rte_mbuf *m[BURST];
			uint16_t k, sent;

			if (rte_pktmbuf_alloc_bulk(r->pool, m, BURST) != 0) {
				bench_error("mbuf pool empty");
				return -1;
			}
			for (k = 0; k < BURST; k++) {
				fill_data(r, m[k], d, (uint32_t)(i_flow % r->n_flows),
					  now & TS_MASK);
				i_flow++;
			}
			sent = rte_eth_tx_burst(r->port[d == GEN_DIR_C2S ? P_LAN : P_WAN],
						0, m, BURST);
			if (sent < BURST) {
				rte_pktmbuf_free_bulk(m + sent, BURST - sent);
				t->unsent += BURST - sent;
			}
			t->sent += BURST;
			d ^= 1;
			next += interval;
			/* A generator that fell behind does not burst to catch up. */
			if (now > next + 64 * interval)
				next = now;
		}
		t->received += rx_count(r, t->hist);
	}
	t->achieved = (double)t->sent / ((double)(rte_rdtsc() - start) / (double)r->hz);
	drain0 = bench_now();
	while (t->received < t->sent - t->unsent && bench_now() - drain0 < 0.2)
		t->received += rx_count(r, t->hist);
	if (!gateway_alive(r, &status)) {
		bench_error("egressgw exited during a trial (status %d)", status);
		gateway_log_tail(r);
		return -1;
	}
	return 0;
}

/*
 * A trial whose generator could not offer the rate asked (it lost its core
 * to something else) says nothing about the gateway: it is repeated, up to
 * three times, and the last attempt counts (RFC 2544 leaves repeats to the
 * tester; pktgen's rfc2544.lua does the same on tx underruns).
 */
static int
run_valid_trial(struct memif_run *r, struct trial *t)
{
	unsigned int attempt;

	for (attempt = 0; attempt < 3; attempt++) {
		if (t->hist != NULL)
			memset(t->hist, 0, sizeof(*t->hist));
		if (run_trial(r, t) != 0)
			return -1;
		if (t->achieved >= 0.95 * t->rate)
			return 0;
		printf("  (generator offered %.3f of %.3f Mpps: trial repeated)\n",
		       t->achieved / 1e6, t->rate / 1e6);
	}
	return 0;
}

static void
trial_print(const struct trial *t, const char *what)
{
	uint64_t lost = t->sent - t->received;

	printf("  %-9s offered %8.3f Mpps (achieved %7.3f) for %.1f s: sent %9"
	       PRIu64 ", received %9" PRIu64 ", lost %7" PRIu64 "%s\n",
	       what, t->rate / 1e6, t->achieved / 1e6, t->seconds, t->sent,
	       t->received, lost, lost == 0 ? "  zero loss" : "");
}

/* ---- command ---- */

static void
memif_usage(FILE *f)
{
	fprintf(f,
		"usage: egressgw-bench memif --gateway PATH [--quick] [--trial S]\n"
		"                            [--flows N] [--size 64|imix|1500]\n"
		"                            [--latency-seconds S] [--iterations N]\n"
		"                            [--keep]\n"
		"  --gateway PATH   the egressgw binary to start (two net_memif ports)\n"
		"  --trial S        seconds per binary-search trial (default 5, quick 0.5)\n"
		"  --flows N        established flows the data is spread over (default 1000)\n"
		"  --keep           keep the run directory (policy, EVE log, gateway log)\n");
}

int
bench_cmd_memif(int argc, char **argv)
{
	static const struct option opts[] = {
		{"gateway", required_argument, NULL, 'g'},
		{"quick", no_argument, NULL, 'q'},
		{"trial", required_argument, NULL, 't'},
		{"flows", required_argument, NULL, 'f'},
		{"size", required_argument, NULL, 's'},
		{"latency-seconds", required_argument, NULL, 'l'},
		{"iterations", required_argument, NULL, 'i'},
		{"keep", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct memif_run r;
	struct gen_cfg cfg;
	struct bench_policy_opts po = {0};
	const char *gateway = NULL;
	double trial_s = 0, lat_s = 0, lo, hi, lo_achieved = 0;
	uint64_t v, iterations = 0, it;
	bool keep = false;
	char vdev0[160], vdev1[160], path[128], cpu[256];
	char *extra[4];
	struct trial t;
	struct bench_hist *hist = NULL;
	size_t ylen;
	char *yaml = NULL;
	FILE *f;
	int opt, rc = 1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(&r, 0, sizeof(r));
	gen_cfg_default(&cfg);
	cfg.profile = GEN_PROF_BULK;
	cfg.bulk_pkts = 0;
	cfg.n_names = 1000;
	r.n_flows = 1000;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'g': gateway = optarg; break;
		case 'q': r.quick = true; break;
		case 'k': keep = true; break;
		case 't':
			if (bench_parse_double("--trial", optarg, &trial_s) != 0 ||
			    trial_s <= 0)
				return 2;
			break;
		case 'l':
			if (bench_parse_double("--latency-seconds", optarg, &lat_s) != 0 ||
			    lat_s <= 0)
				return 2;
			break;
		case 'f':
			if (bench_parse_u64("--flows", optarg, &v) != 0 || v == 0 ||
			    v > MAX_FLOWS)
				return 2;
			r.n_flows = (uint32_t)v;
			break;
		case 'i':
			if (bench_parse_u64("--iterations", optarg, &iterations) != 0 ||
			    iterations == 0 || iterations > 30)
				return 2;
			break;
		case 's':
			if (strcmp(optarg, "64") == 0)
				cfg.size = GEN_SIZE_64;
			else if (strcmp(optarg, "imix") == 0)
				cfg.size = GEN_SIZE_IMIX;
			else if (strcmp(optarg, "1500") == 0)
				cfg.size = GEN_SIZE_1500;
			else
				return 2;
			break;
		case 'h': memif_usage(stdout); return 0;
		default: memif_usage(stderr); return 2;
		}
	}
	if (gateway == NULL || optind != argc) {
		memif_usage(stderr);
		return 2;
	}
	if (access(gateway, X_OK) != 0) {
		bench_error("%s: not an executable", gateway);
		return 1;
	}
	if (trial_s == 0)
		trial_s = r.quick ? 0.5 : 5.0;
	if (lat_s == 0)
		lat_s = r.quick ? 1.0 : 10.0;
	if (iterations == 0)
		iterations = r.quick ? 6 : 12;

	snprintf(r.dir, sizeof(r.dir), "/tmp/egw-memif-XXXXXX");
	if (mkdtemp(r.dir) == NULL) {
		bench_error("mkdtemp: %s", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/eve.json", r.dir);
	po.eve_log = path;
	yaml = bench_policy_yaml(&cfg, &po, &ylen);
	snprintf(path, sizeof(path), "%s/policy.yaml", r.dir);
	f = yaml != NULL ? fopen(path, "w") : NULL;
	if (f == NULL || fwrite(yaml, 1, ylen, f) != ylen || fclose(f) != 0) {
		bench_error("cannot write %s", path);
		goto out_dir;
	}

	snprintf(vdev0, sizeof(vdev0),
		 "net_memif0,role=server,id=0,socket=%s/lan.sock,socket-abstract=no",
		 r.dir);
	snprintf(vdev1, sizeof(vdev1),
		 "net_memif1,role=server,id=0,socket=%s/wan.sock,socket-abstract=no",
		 r.dir);
	extra[0] = (char *)"--vdev";
	extra[1] = vdev0;
	extra[2] = (char *)"--vdev";
	extra[3] = vdev1;
	if (bench_eal_init("memif", 1024, "0", 4, extra) != 0)
		goto out_dir;
	r.hz = rte_get_tsc_hz();
	bench_cpu_model(cpu, sizeof(cpu));
	printf("memif: %s, %ld cores online\n", cpu, ncpu);
	printf("  note: generator and gateway share this machine: generator on "
	       "core 0 (with the gateway's control thread), gateway worker on "
	       "core 1%s; every frame is copied into and out of memif shared "
	       "memory twice. The figures bound the whole loop, not the worker "
	       "alone (see inproc for that).\n",
	       ncpu <= 2 ? " (only 2 cores: nothing else is free)" : "");
	if (rte_eth_dev_count_avail() != 2 ||
	    rte_eth_dev_get_port_by_name("net_memif0", &r.port[P_LAN]) != 0 ||
	    rte_eth_dev_get_port_by_name("net_memif1", &r.port[P_WAN]) != 0) {
		bench_error("net_memif ports missing (is the memif PMD installed?)");
		goto out_eal;
	}
	r.pool = rte_pktmbuf_pool_create("memif_pool", 32767, 512, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	r.next_seq[0] = calloc(r.n_flows, sizeof(uint32_t));
	r.next_seq[1] = calloc(r.n_flows, sizeof(uint32_t));
	hist = calloc(1, sizeof(*hist));
	if (r.pool == NULL || r.next_seq[0] == NULL || r.next_seq[1] == NULL ||
	    hist == NULL) {
		bench_error("out of memory: %s", rte_strerror(rte_errno));
		goto out_eal;
	}
	if (port_setup(&r, r.port[P_LAN]) != 0 || port_setup(&r, r.port[P_WAN]) != 0)
		goto out_eal;
	if (gateway_spawn(&r, gateway) != 0)
		goto out_eal;
	if (wait_links(&r, 20.0) != 0)
		goto out_gw;
	if (wait_forwarding(&r, &cfg, 20.0) != 0)
		goto out_gw;
	if (open_flows(&r, &cfg) != 0 || build_templates(&r, &cfg) != 0)
		goto out_gw;

	/* Trial 0: as fast as the generator can offer. */
	memset(&t, 0, sizeof(t));
	t.rate = 1e9;
	t.seconds = trial_s;
	if (run_trial(&r, &t) != 0)
		goto out_gw;
	trial_print(&t, "max");
	hi = t.achieved;
	lo = 0;
	bench_result("memif_generator_max_mpps", t.achieved / 1e6, "Mpps");
	if (t.sent == t.received) {
		/* Nothing to search: the generator is the limit. */
		lo = hi;
		lo_achieved = t.achieved;
		printf("  zero loss at the generator's maximum: the figure is a lower "
		       "bound set by the generator\n");
	} else {
		for (it = 0; it < iterations; it++) {
			memset(&t, 0, sizeof(t));
			t.rate = (lo + hi) / 2;
			t.seconds = trial_s;
			if (run_valid_trial(&r, &t) != 0)
				goto out_gw;
			trial_print(&t, "search");
			if (t.sent == t.received && t.unsent == 0) {
				lo = t.rate;
				lo_achieved = t.achieved;
			} else
				hi = t.rate;
			if (hi - lo < hi * (r.quick ? 0.04 : 0.01))
				break;
		}
	}
	/* The rate that went through without loss is what was achieved, not asked. */
	printf("  zero-loss throughput: %.3f Mpps (both directions, %s B frames, "
	       "%u flows; offered %.3f Mpps)\n", lo_achieved / 1e6,
	       gen_size_name(cfg.size), r.n_flows, lo / 1e6);
	bench_result("memif_zero_loss_mpps", lo_achieved / 1e6, "Mpps");

	if (lo > 0) {
		memset(&t, 0, sizeof(t));
		t.rate = lo * 0.9;
		t.seconds = lat_s;
		t.hist = hist;
		if (run_valid_trial(&r, &t) != 0)
			goto out_gw;
		trial_print(&t, "latency");
		printf("  latency at 90 %% of zero loss (%.3f Mpps): p50 %.2f us, "
		       "p99 %.2f us, p99.9 %.2f us, max %.2f us (%" PRIu64
		       " samples)\n",
		       t.rate / 1e6, bench_hist_quantile(hist, 0.5) / 1e3,
		       bench_hist_quantile(hist, 0.99) / 1e3,
		       bench_hist_quantile(hist, 0.999) / 1e3,
		       (double)hist->max / 1e3, hist->count);
		bench_result("memif_latency_rate_mpps", t.rate / 1e6, "Mpps");
		bench_result("memif_latency_p50_us",
			     bench_hist_quantile(hist, 0.5) / 1e3, "us");
		bench_result("memif_latency_p99_us",
			     bench_hist_quantile(hist, 0.99) / 1e3, "us");
		bench_result("memif_latency_p999_us",
			     bench_hist_quantile(hist, 0.999) / 1e3, "us");
		bench_result("memif_latency_lost", (double)(t.sent - t.received),
			     "pkts");
	} else {
		printf("  no zero-loss rate found: latency not measured\n");
	}
	rc = 0;
out_gw:
	if (gateway_stop(&r) != 0)
		rc = 1;
out_eal:
	{
		uint16_t p;

		RTE_ETH_FOREACH_DEV(p) {
			rte_eth_dev_stop(p);
			rte_eth_dev_close(p);
		}
	}
	rte_free(r.t[0]);
	rte_free(r.t[1]);
	free(r.next_seq[0]);
	free(r.next_seq[1]);
	free(hist);
	rte_mempool_free(r.pool);
	rte_eal_cleanup();
out_dir:
	free(yaml);
	if (keep || rc != 0) {
		printf("  run directory kept: %s\n", r.dir);
	} else {
		static const char *const files[] = {
			"policy.yaml", "eve.json", "gateway.log", "ctl.sock",
			"lan.sock", "wan.sock",
		};
		size_t i;

		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", r.dir, files[i]);
			unlink(path);
		}
		rmdir(r.dir);
	}
	return rc;
}
