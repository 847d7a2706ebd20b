/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon: EAL, two ports (LAN, WAN) with one rx/tx queue pair per
 * worker, worker lcores running the pipeline, and the control plane on the
 * main lcore (record rings -> EVE, control socket for gwctl).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"
#include "ctl/gw_ctl.h"

#include "gw_app.h"
#include "gw_daemon.h"
#include "gw_events.h"
#include "gw_evidence.h"
#include "gw_telemetry.h"
#include "gw_worker.h"
#include "gw_worker_nat.h"

#define RX_DESC 1024
#define TX_DESC 1024
#define TIMER_INTERVAL_US 1000
#define SWEEP_BUDGET 1024

static volatile sig_atomic_t quit_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

static struct gw_daemon gd;

/* Symmetric Toeplitz key: both directions of a flow hash alike. */
static uint8_t sym_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static inline uint64_t
tsc_to_ns(uint64_t tsc)
{
	return (uint64_t)((unsigned __int128)tsc * 1000000000ULL / gd.tsc_hz);
}

uint64_t
gw_realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t
gw_daemon_now_ns(void)
{
	return tsc_to_ns(rte_rdtsc());
}

static uint16_t
port_emit(void *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct gw_worker_port_ctx *pc = ctx;
	uint16_t sent = 0;
	unsigned int tries = 0;

	/* A short retry absorbs a momentarily full ring; never wait longer. */
	while (sent < n && tries++ < 4)
		sent += rte_eth_tx_burst(gd.port_id[port], pc->queue,
					 pkts + sent, n - sent);
	return sent;
}

static int
worker_main(void *arg)
{
	struct gw_daemon_worker *dw = arg;
	struct gw_worker *w = dw->w;
	struct rte_mbuf *pkts[GW_BURST];
	uint64_t timer_tsc = gd.tsc_hz / 1000000 * TIMER_INTERVAL_US;
	uint64_t next_timer = rte_rdtsc() + timer_tsc;
	uint16_t port, n;

	rte_rcu_qsbr_thread_register(gd.rcu, w->id);
	rte_rcu_qsbr_thread_online(gd.rcu, w->id);
	while (!gd.stop_workers) {
		for (port = 0; port < GW_NB_PORTS; port++) {
			n = rte_eth_rx_burst(gd.port_id[port], dw->queue, pkts,
					     GW_BURST);
			if (n == 0)
				continue;
			gw_worker_process(w, port, pkts, n,
					  tsc_to_ns(rte_rdtsc()));
			gw_worker_flush(w);
		}
		if (unlikely(w->nat != NULL))
			gw_wnat_handoff_poll(w, tsc_to_ns(rte_rdtsc()));
		if (rte_rdtsc() >= next_timer) {
			uint64_t now = rte_rdtsc();

			gw_worker_commands(w, tsc_to_ns(now));
			gw_worker_timers(w, tsc_to_ns(now), SWEEP_BUDGET);
			gw_worker_flush(w);
			next_timer = now + timer_tsc;
		}
		/* Nothing of the snapshot is held across loops. */
		rte_rcu_qsbr_quiescent(gd.rcu, w->id);
	}
	rte_rcu_qsbr_thread_offline(gd.rcu, w->id);
	rte_rcu_qsbr_thread_unregister(gd.rcu, w->id);
	/* Final records: every flow ends with cause "shutdown". */
	gw_worker_drain(w, tsc_to_ns(rte_rdtsc()));
	dw->done = 1;
	return 0;
}

static int
port_init(uint16_t port_id, unsigned int nq, const char *role)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC;
	unsigned int q;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		fprintf(stderr, "egressgw: port %u: %s\n", port_id, strerror(-rc));
		return -1;
	}
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		fprintf(stderr,
			"egressgw: %s port %u (%s) has %u rx / %u tx queues, "
			"%u workers need %u each (net_af_packet: qpairs=%u)\n",
			role, port_id, info.driver_name, info.max_rx_queues,
			info.max_tx_queues, nq, nq, nq);
		return -1;
	}
	if (nq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = sym_rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(sym_rss_key);
		conf.rx_adv_conf.rss_conf.rss_hf =
			info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_VLAN_INSERT)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	rc = rte_eth_dev_configure(port_id, (uint16_t)nq, (uint16_t)nq, &conf);
	if (rc != 0) {
		fprintf(stderr, "egressgw: %s port %u: configure: %s\n", role,
			port_id, strerror(-rc));
		return -1;
	}
	rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	for (q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port_id, (uint16_t)q, nb_rxd,
					    rte_eth_dev_socket_id(port_id),
					    NULL, gd.pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(
				port_id, (uint16_t)q, nb_txd,
				rte_eth_dev_socket_id(port_id), NULL);
		if (rc != 0) {
			fprintf(stderr, "egressgw: %s port %u: queue %u: %s\n",
				role, port_id, q, strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		fprintf(stderr, "egressgw: %s port %u: start: %s\n", role,
			port_id, strerror(-rc));
		return -1;
	}
	/* A transparent bridge forwards frames addressed to anyone. */
	rte_eth_promiscuous_enable(port_id);
	return 0;
}

static void
daemon_usage(FILE *f)
{
	fprintf(f,
		"usage: egressgw [EAL options] -- --config FILE [--eve PATH]\n"
		"                [--ctl-socket PATH] [--lan-port N] [--wan-port N]\n"
		"  --config FILE      policy and gateway settings (YAML)\n"
		"  --eve PATH         EVE JSON log (default: gateway.eve_log)\n"
		"  --ctl-socket PATH  control socket for gwctl (default: gateway.control_socket)\n"
		"  --lan-port N       DPDK port towards the DMZ (default 0)\n"
		"  --wan-port N       DPDK port towards the outside (default 1)\n");
}

static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"eve", required_argument, NULL, 'e'},
		{"ctl-socket", required_argument, NULL, 's'},
		{"lan-port", required_argument, NULL, 'l'},
		{"wan-port", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	long v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:e:s:l:w:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': gd.config_path = optarg; break;
		case 'e': gd.eve_path = optarg; break;
		case 's': gd.ctl_path = optarg; break;
		case 'l':
		case 'w':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 0 || v >= RTE_MAX_ETHPORTS) {
				fprintf(stderr, "egressgw: bad port id '%s'\n", optarg);
				return -1;
			}
			gd.port_id[opt == 'l' ? GW_PORT_LAN : GW_PORT_WAN] = (uint16_t)v;
			break;
		case 'h': daemon_usage(stdout); exit(0);
		default: daemon_usage(stderr); return -1;
		}
	}
	if (gd.config_path == NULL || optind != argc) {
		daemon_usage(stderr);
		return -1;
	}
	return 0;
}

static void
on_resolved(const char *name, const struct gw_resolve_result *res, void *arg)
{
	struct gw_cmd cmd;
	size_t i;

	(void)arg;
	memset(&cmd, 0, sizeof(cmd));
	snprintf(cmd.name, sizeof(cmd.name), "%s", name);
	if (res->status != 0 || res->n_addrs == 0) {
		cmd.type = GW_CMD_VERIFY_FAILED;
	} else {
		cmd.type = GW_CMD_BIND;
		cmd.ttl = res->ttl;
		for (i = 0; i < res->n_addrs && i < GW_CMD_ADDRS; i++)
			cmd.addrs[i] = res->addrs[i];
		cmd.n_addrs = (uint16_t)i;
	}
	/* Everyone learns it; the worker that asked resumes its flows. */
	gw_daemon_broadcast(&gd, &cmd, -1);
}

static void
on_verify(const struct gw_record *r, void *arg)
{
	char name[GW_REC_NAME_MAX];
	struct gw_cmd cmd;

	(void)arg;
	memcpy(name, r->name, r->name_len);
	name[r->name_len] = '\0';
	if (gd.resolver == NULL ||
	    gw_resolver_submit(gd.resolver, name, on_resolved, NULL) != 0) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.type = GW_CMD_VERIFY_FAILED;
		memcpy(cmd.name, name, (size_t)r->name_len + 1);
		gw_daemon_broadcast(&gd, &cmd, -1);
	}
}

/* An answer one worker saw is learned by the others (flows may land anywhere). */
static void
on_answer(const struct gw_record *r, void *arg)
{
	struct gw_cmd cmd;
	unsigned int i;

	(void)arg;
	if (gd.n_workers < 2)
		return;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = GW_CMD_BIND;
	memcpy(cmd.name, r->name, r->name_len);
	cmd.ttl = r->dns_ttl;
	for (i = 0; i < r->dns_n_addrs && i < GW_REC_DNS_ADDRS; i++)
		cmd.addrs[i] = r->dns_addrs[i];
	cmd.n_addrs = (uint16_t)i;
	gw_daemon_broadcast(&gd, &cmd, r->worker);
}

static void
control_loop(void)
{
	unsigned int i;

	while (!quit_signal) {
		unsigned int got = 0;

		for (i = 0; i < gd.n_workers; i++)
			got += gw_events_drain(gd.events, gd.workers[i].ring, 1024);
		if (gw_resolver_poll(gd.resolver) > 0)
			got++; /* answers pending: do not sleep long */
		if (gd.ctl != NULL)
			gw_ctl_server_poll(gd.ctl, got > 0 ? 0 : 10,
					   gw_daemon_ctl_handler, &gd);
		else if (got == 0)
			usleep(10000);
		gw_daemon_obs_poll(&gd);
		if (gd.reload_req) {
			char err[GW_CTL_ERR_MAX] = "";
			json_t *res;

			gd.reload_req = 0;
			res = gw_daemon_reload(&gd, false, err, sizeof(err));
			gw_daemon_log_reload(res, err, "SIGHUP");
			json_decref(res);
		}
		if (gd.reopen_logs) {
			gd.reopen_logs = 0;
			gw_events_reopen(gd.events);
		}
		gw_events_flush(gd.events);
		gw_telemetry_poll(&gd);
	}
}

static void
on_sigusr1(int sig)
{
	(void)sig;
	gd.reopen_logs = 1;
}

static void
on_sighup(int sig)
{
	(void)sig;
	gd.reload_req = 1;
}

int
gw_cmd_daemon(int argc, char **argv)
{
	struct sigaction sa;
	unsigned int lcore, i;
	int n, rc = 1, err = 0;
	struct timespec rt;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "egressgw: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	gd.port_id[GW_PORT_LAN] = 0;
	gd.port_id[GW_PORT_WAN] = 1;
	if (parse_args(argc, argv) != 0)
		goto out;
	if (gw_app_load_policy_ex(gd.config_path, &gd.policy, true) != 0)
		goto out;
	if (gd.eve_path == NULL)
		gd.eve_path = gd.policy->gw.eve_path;
	if (gd.ctl_path == NULL)
		gd.ctl_path = gd.policy->gw.ctl_socket;
	gd.policy->version = 1;
	gd.policy_loaded_ns = gw_realtime_ns();
	gd.start_ns = gd.policy_loaded_ns;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (gd.n_workers < GW_MAX_WORKERS)
			gd.workers[gd.n_workers++].lcore = lcore;
	}
	if (gd.n_workers == 0) {
		fprintf(stderr, "egressgw: no worker lcore: give EAL at least "
				"two lcores (e.g. -l 0-1); the main lcore runs "
				"the control plane\n");
		goto out;
	}
	for (i = 0; i < GW_NB_PORTS; i++) {
		if (!rte_eth_dev_is_valid_port(gd.port_id[i])) {
			fprintf(stderr,
				"egressgw: %s port %u does not exist (%u ports "
				"available; add --vdev or bind a NIC)\n",
				i == GW_PORT_LAN ? "LAN" : "WAN", gd.port_id[i],
				rte_eth_dev_count_avail());
			goto out;
		}
	}
	if (gd.port_id[GW_PORT_LAN] == gd.port_id[GW_PORT_WAN]) {
		fprintf(stderr, "egressgw: LAN and WAN must be different ports\n");
		goto out;
	}
	gd.tsc_hz = rte_get_tsc_hz();
	gd.pool = rte_pktmbuf_pool_create("gw_pool",
					  gw_app_pool_size(gd.policy, gd.n_workers,
							   RX_DESC),
					  256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  rte_socket_id());
	if (gd.pool == NULL) {
		fprintf(stderr, "egressgw: mbuf pool: %s (give EAL more memory, -m)\n",
			rte_strerror(rte_errno));
		goto out;
	}
	if (port_init(gd.port_id[GW_PORT_LAN], gd.n_workers, "LAN") != 0 ||
	    port_init(gd.port_id[GW_PORT_WAN], gd.n_workers, "WAN") != 0)
		goto out;

	gd.events = gw_events_open(gd.eve_path, gd.policy, "egressgw");
	if (gd.events == NULL) {
		fprintf(stderr, "egressgw: cannot open EVE log %s: %s\n",
			gd.eve_path, strerror(errno));
		goto out;
	}
	gw_events_set_hooks(gd.events, on_verify, on_answer, NULL);
	if (gd.policy->dns.n_resolvers > 0) {
		gd.resolver = gw_resolver_create(gd.policy->dns.resolvers,
						 gd.policy->dns.n_resolvers,
						 500);
		if (gd.resolver == NULL)
			fprintf(stderr, "egressgw: warning: cannot start the "
					"resolver; names DNS did not bind here "
					"are denied\n");
	}
	{
		uint64_t mono_ns = tsc_to_ns(rte_rdtsc());

		clock_gettime(CLOCK_REALTIME, &rt);
		gd.realtime_off = (uint64_t)rt.tv_sec * 1000000000ULL +
				  (uint64_t)rt.tv_nsec - mono_ns;
	}
	if (gw_daemon_obs_init(&gd) != 0)
		goto out;
	if (gd.policy->gw.mode == GW_MODE_NAT && gd.n_workers > 1) {
		/* Return traffic reaches the worker owning its pool port:
		 * steered by flow rules where the NIC has them, handed over
		 * rings otherwise (and for ICMP errors, which no rule sorts). */
		gd.nat_steered = gw_daemon_nat_steer(&gd);
		gd.handoff = calloc(gd.n_workers, sizeof(*gd.handoff));
		for (i = 0; gd.handoff != NULL && i < gd.n_workers; i++) {
			char name[RTE_RING_NAMESIZE];

			snprintf(name, sizeof(name), "gw_hand_%u", i);
			gd.handoff[i] = rte_ring_create_elem(
				name, sizeof(struct gw_handoff), GW_HANDOFF_RING,
				rte_socket_id(), RING_F_SC_DEQ);
			if (gd.handoff[i] == NULL)
				break;
		}
		if (gd.handoff == NULL || i < gd.n_workers) {
			fprintf(stderr, "egressgw: cannot create the hand-off rings\n");
			goto out;
		}
	}
	gd.snap = gw_snapshot_create(gd.policy, gd.n_workers);
	if (gd.snap == NULL || gw_daemon_rcu_init(&gd) != 0) {
		fprintf(stderr, "egressgw: cannot allocate the policy snapshot\n");
		goto out;
	}
	for (i = 0; i < gd.n_workers; i++) {
		struct gw_daemon_worker *dw = &gd.workers[i];
		char name[RTE_RING_NAMESIZE];
		struct gw_worker_cfg wc;
		uint16_t p;

		snprintf(name, sizeof(name), "gw_rec_%u", i);
		dw->ring = rte_ring_create_elem(name, sizeof(struct gw_record),
						gd.policy->gw.ring_size,
						rte_socket_id(),
						RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "gw_cmd_%u", i);
		dw->cmd_ring = rte_ring_create_elem(name, sizeof(struct gw_cmd),
						    1024, rte_socket_id(),
						    RING_F_SP_ENQ | RING_F_SC_DEQ);
		dw->queue = (uint16_t)i;
		dw->port_ctx.queue = (uint16_t)i;
		memset(&wc, 0, sizeof(wc));
		wc.id = i;
		wc.lcore = dw->lcore;
		wc.policy = gd.policy;
		wc.pool = gd.pool;
		wc.ring = dw->ring;
		wc.cmd_ring = dw->cmd_ring;
		wc.snap_src = &gd.snap;
		wc.evid = gd.evidence != NULL ? gw_evidence_tap(gd.evidence, i)
					      : NULL;
		wc.port_ids[GW_PORT_LAN] = gd.port_id[GW_PORT_LAN];
		wc.port_ids[GW_PORT_WAN] = gd.port_id[GW_PORT_WAN];
		wc.n_workers = gd.n_workers;
		wc.handoff = gd.handoff;
		for (p = 0; p < GW_NB_PORTS; p++) {
			struct rte_ether_addr ea;

			rte_eth_macaddr_get(gd.port_id[p], &ea);
			memcpy(wc.port_mac[p], ea.addr_bytes, 6);
		}
		wc.update_interval_ns = GW_UPDATE_INTERVAL_NS(gd.policy);
		/* Live verification needs resolvers to ask. */
		wc.verify_timeout_ns = gd.resolver != NULL ?
					       gd.policy->gw.verify_timeout_ns : 0;
		wc.emit = port_emit;
		wc.emit_ctx = &dw->port_ctx;
		dw->w = dw->ring != NULL && dw->cmd_ring != NULL ?
				gw_worker_create(&wc) : NULL;
		if (dw->w == NULL) {
			fprintf(stderr, "egressgw: worker %u: cannot allocate "
					"its flow table/ring (lower "
					"gateway.flow_capacity?)\n", i);
			goto out;
		}
		dw->w->realtime_off = gd.realtime_off;
	}

	gd.ctl = gw_ctl_server_open(gd.ctl_path, &err);
	if (gd.ctl == NULL) {
		fprintf(stderr, "egressgw: control socket %s: %s\n", gd.ctl_path,
			gw_strerror(err));
		goto out;
	}

	if (gw_telemetry_register(&gd) != 0)
		fprintf(stderr, "egressgw: warning: telemetry endpoints "
				"/egressgw/* not registered\n");
	/* dpdk-dumpcap attaches as a secondary: hugepages, shared config. */
	if (gw_evidence_pdump_init() != 0)
		fprintf(stderr, "egressgw: warning: rte_pdump unavailable, "
				"dpdk-dumpcap cannot capture\n");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_sigusr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_sighup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < gd.n_workers; i++)
		rte_eal_remote_launch(worker_main, &gd.workers[i],
				      gd.workers[i].lcore);
	printf("egressgw %s: %u worker(s), LAN port %u, WAN port %u, policy %s, "
	       "EVE %s, control socket %s\n",
	       GW_VERSION, gd.n_workers, gd.port_id[GW_PORT_LAN],
	       gd.port_id[GW_PORT_WAN], gd.config_path, gd.eve_path, gd.ctl_path);
	fflush(stdout);

	control_loop();

	printf("egressgw: signal %d, stopping\n", (int)quit_signal);
	gd.stop_workers = 1;
	/* Keep draining while the workers flush their final records. */
	for (;;) {
		bool all_done = true;

		for (i = 0; i < gd.n_workers; i++) {
			gw_events_drain(gd.events, gd.workers[i].ring, 4096);
			if (!gd.workers[i].done)
				all_done = false;
		}
		if (all_done)
			break;
		usleep(1000);
	}
	rte_eal_mp_wait_lcore();
	for (i = 0; i < gd.n_workers; i++)
		while (gw_events_drain(gd.events, gd.workers[i].ring, 4096) > 0)
			;
	gw_events_flush(gd.events);
	rc = 0;
out:
	gw_telemetry_stop();
	gw_evidence_pdump_uninit();
	for (i = 0; i < GW_NB_PORTS; i++) {
		if (rte_eth_dev_is_valid_port(gd.port_id[i])) {
			rte_eth_dev_stop(gd.port_id[i]);
			rte_eth_dev_close(gd.port_id[i]);
		}
	}
	gw_ctl_server_close(gd.ctl);
	gd.ctl = NULL;
	gw_daemon_obs_free(&gd);
	gw_events_close(gd.events);
	gw_resolver_free(gd.resolver);
	for (i = 0; i < gd.n_workers; i++) {
		gw_worker_free(gd.workers[i].w);
		rte_ring_free(gd.workers[i].ring);
		rte_ring_free(gd.workers[i].cmd_ring);
	}
	if (gd.snap != NULL)
		gw_snapshot_free(gd.snap, true);
	else
		gw_policy_free(gd.policy);
	rte_free(gd.rcu);
	for (i = 0; gd.handoff != NULL && i < gd.n_workers; i++) {
		struct gw_handoff h;

		while (gd.handoff[i] != NULL &&
		       rte_ring_dequeue_elem(gd.handoff[i], &h, sizeof(h)) == 0)
			rte_pktmbuf_free(h.m);
		rte_ring_free(gd.handoff[i]);
	}
	free(gd.handoff);
	rte_eal_cleanup();
	return rc;
}
