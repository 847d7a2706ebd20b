/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * egressgw replay: the worker pipeline over a capture. The capture holds
 * both directions; the host that opened a flow is the inside host (LAN
 * side). Writes what the gateway would have transmitted (forwarded frames
 * and the resets it builds) and the EVE events, then prints a summary.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <jansson.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "common/gw_error.h"
#include "common/gw_reason.h"

#include "gw_app.h"
#include "gw_events.h"
#include "gw_worker.h"

#define REPLAY_MBUF_DATA 9216
#define REPLAY_RING 4096
#define REPLAY_SWEEP_BUDGET 1024 /* slots per millisecond of capture time */
#define REPLAY_POOL_MAX 16383u

struct replay_out {
	pcap_dumper_t *dumper;
	uint64_t ts_ns;
	uint64_t tx[GW_NB_PORTS];
};

static uint16_t
replay_emit(void *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct replay_out *o = ctx;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct pcap_pkthdr h;
		const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
		uint8_t tagged[REPLAY_MBUF_DATA + 4];

		h.ts.tv_sec = (time_t)(o->ts_ns / 1000000000ULL);
		h.ts.tv_usec = (suseconds_t)(o->ts_ns % 1000000000ULL);
		h.caplen = rte_pktmbuf_data_len(m);
		if (m->ol_flags & RTE_MBUF_F_TX_VLAN &&
		    h.caplen + 4 <= sizeof(tagged)) {
			/* Write what a NIC would put on the wire. */
			memcpy(tagged, data, 12);
			tagged[12] = 0x81;
			tagged[13] = 0x00;
			tagged[14] = (uint8_t)(m->vlan_tci >> 8);
			tagged[15] = (uint8_t)m->vlan_tci;
			memcpy(tagged + 16, data + 12, h.caplen - 12);
			h.caplen += 4;
			data = tagged;
		}
		h.len = h.caplen;
		if (o->dumper != NULL)
			pcap_dump((u_char *)o->dumper, &h, data);
		o->tx[port]++;
		rte_pktmbuf_free(m);
	}
	return n;
}

struct replay_drain {
	struct gw_events *ev;
	struct rte_ring *ring;
};

static void
replay_ring_full(void *arg)
{
	struct replay_drain *d = arg;

	gw_events_drain(d->ev, d->ring, REPLAY_RING);
}

/*
 * --vlan-strip: behave like a NIC with rx VLAN stripping, which moves the
 * outer 802.1Q tag into mbuf->vlan_tci (RTE_MBUF_F_RX_VLAN_STRIPPED).
 */
static void
strip_outer_tag(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if (rte_pktmbuf_data_len(m) < 18 || p[12] != 0x81 || p[13] != 0x00)
		return;
	m->vlan_tci = (uint16_t)(p[14] << 8 | p[15]);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	memmove(p + 4, p, 12);
	rte_pktmbuf_adj(m, 4);
}

static void
replay_usage(FILE *f)
{
	fprintf(f,
		"usage: egressgw replay --config POLICY --read IN.pcap [--write OUT.pcap]\n"
		"                       [--eve EVE.json] [--summary-json FILE] [--quiet]\n"
		"                       [--vlan-strip]\n"
		"Runs the gateway's worker pipeline over a capture holding both directions\n"
		"(the host that opened a flow is the inside host) and writes the frames it\n"
		"would transmit, its EVE events and a summary.\n"
		"--vlan-strip acts like a NIC that strips the outer 802.1Q tag on rx\n"
		"(and inserts it again on tx).\n");
}

static void
print_summary(FILE *f, const struct gw_worker_stats *st, uint64_t pkts_read,
	      uint64_t undecided, const struct replay_out *o, double secs)
{
	unsigned int r;

	fprintf(f, "replay summary\n");
	fprintf(f, "  packets read       %" PRIu64 "\n", pkts_read);
	fprintf(f, "  forwarded lan->wan %" PRIu64 "\n", o->tx[GW_PORT_WAN]);
	fprintf(f, "  forwarded wan->lan %" PRIu64 "\n", o->tx[GW_PORT_LAN]);
	fprintf(f, "  resets sent        %" PRIu64 "\n", st->resets_sent);
	fprintf(f, "  flows              %" PRIu64 "\n", st->flows_created);
	fprintf(f, "  flows allowed      %" PRIu64 "\n", st->flows_allowed);
	fprintf(f, "  flows denied       %" PRIu64 "\n", st->flows_denied);
	fprintf(f, "  flows undecided    %" PRIu64 "\n", undecided);
	for (r = 0; r < GW_REASON_MAX; r++)
		if (st->deny_flows[r] > 0)
			fprintf(f, "    denied %-22s %" PRIu64 "\n",
				gw_reason_name(r), st->deny_flows[r]);
	fprintf(f, "  packets dropped by reason\n");
	for (r = 0; r < GW_REASON_MAX; r++)
		if (st->drops[r] > 0)
			fprintf(f, "    %-29s %" PRIu64 "\n", gw_reason_name(r),
				st->drops[r]);
	fprintf(f, "  elapsed            %.3f s (%.0f packets/s)\n", secs,
		secs > 0 ? (double)pkts_read / secs : 0.0);
}

static int
write_summary_json(const char *path, const struct gw_worker_stats *st,
		   uint64_t pkts_read, uint64_t undecided,
		   const struct replay_out *o)
{
	json_t *j = json_object(), *den = json_object(), *drops = json_object();
	unsigned int r;
	int rc;

	for (r = 0; r < GW_REASON_MAX; r++) {
		if (st->deny_flows[r] > 0)
			json_object_set_new(den, gw_reason_name(r),
					    json_integer((json_int_t)st->deny_flows[r]));
		if (st->drops[r] > 0)
			json_object_set_new(drops, gw_reason_name(r),
					    json_integer((json_int_t)st->drops[r]));
	}
	json_object_set_new(j, "packets_read", json_integer((json_int_t)pkts_read));
	json_object_set_new(j, "forwarded_to_wan",
			    json_integer((json_int_t)o->tx[GW_PORT_WAN]));
	json_object_set_new(j, "forwarded_to_lan",
			    json_integer((json_int_t)o->tx[GW_PORT_LAN]));
	json_object_set_new(j, "resets_sent", json_integer((json_int_t)st->resets_sent));
	json_object_set_new(j, "flows", json_integer((json_int_t)st->flows_created));
	json_object_set_new(j, "flows_allowed", json_integer((json_int_t)st->flows_allowed));
	json_object_set_new(j, "flows_denied", json_integer((json_int_t)st->flows_denied));
	json_object_set_new(j, "flows_undecided", json_integer((json_int_t)undecided));
	json_object_set_new(j, "flows_denied_by_reason", den);
	json_object_set_new(j, "drops", drops);
	rc = json_dump_file(j, path, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(j);
	return rc == 0 ? 0 : GW_EIO;
}

static int
count_undecided(struct gw_flow *f, void *arg)
{
	uint64_t *n = arg;

	if (f->verdict == GW_VERDICT_PENDING)
		(*n)++;
	return 0;
}

int
gw_cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"read", required_argument, NULL, 'r'},
		{"write", required_argument, NULL, 'w'},
		{"eve", required_argument, NULL, 'e'},
		{"summary-json", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},
		{"vlan-strip", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *cfg_path = NULL, *in_path = NULL, *out_path = NULL;
	const char *eve_path = NULL, *sum_path = NULL;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct gw_policy *policy = NULL;
	struct rte_mempool *pool = NULL;
	struct rte_ring *ring = NULL;
	struct gw_worker *w = NULL;
	struct gw_events *ev = NULL;
	struct replay_out out = {0};
	struct replay_drain rd;
	pcap_t *in = NULL, *dead = NULL;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t pkts_read = 0, last_timer = 0, undecided = 0;
	struct timespec t0, t1;
	bool quiet = false, eal_up = false, vlan_strip = false;
	int opt, rc = 1, prc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:r:w:e:s:qVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': cfg_path = optarg; break;
		case 'r': in_path = optarg; break;
		case 'w': out_path = optarg; break;
		case 'e': eve_path = optarg; break;
		case 's': sum_path = optarg; break;
		case 'q': quiet = true; break;
		case 'V': vlan_strip = true; break;
		case 'h': replay_usage(stdout); return 0;
		default: replay_usage(stderr); return 2;
		}
	}
	if (cfg_path == NULL || in_path == NULL || optind != argc) {
		replay_usage(stderr);
		return 2;
	}
	if (gw_app_load_policy(cfg_path, &policy) != 0)
		return 2;
	if (policy->gw.mode == GW_MODE_NAT) {
		/* A capture is one link: there is no trunk and WAN to route
		 * between, nor ARP peers to answer. */
		fprintf(stderr, "egressgw replay: %s: gateway.mode nat is not "
				"replayed; replay judges captures in bridge mode "
				"(remove gateway.mode / gateway.nat)\n",
			cfg_path);
		gw_policy_free(policy);
		return 2;
	}

	if (strcmp(in_path, "-") == 0) {
		in = pcap_open_offline_with_tstamp_precision(
			in_path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	} else {
		/*
		 * Our own FILE with a 1 MiB buffer: with libpcap's default
		 * (BUFSIZ) the read path was ~6 % of replay's profile.
		 * pcap_close() closes it.
		 */
		FILE *fp = fopen(in_path, "rb");

		if (fp == NULL) {
			snprintf(errbuf, sizeof(errbuf), "%s: %s", in_path,
				 strerror(errno));
			in = NULL;
		} else {
			setvbuf(fp, NULL, _IOFBF, 1u << 20);
			in = pcap_fopen_offline_with_tstamp_precision(
				fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
			if (in == NULL)
				fclose(fp);
		}
	}
	if (in == NULL) {
		fprintf(stderr, "egressgw replay: %s\n", errbuf);
		goto out;
	}
	if (pcap_datalink(in) != DLT_EN10MB) {
		fprintf(stderr,
			"egressgw replay: %s: link type %s is not Ethernet "
			"(capture on the interface, not 'any')\n",
			in_path, pcap_datalink_val_to_name(pcap_datalink(in)));
		goto out;
	}
	if (out_path != NULL) {
		dead = pcap_open_dead_with_tstamp_precision(
			DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
		out.dumper = dead != NULL ? pcap_dump_open(dead, out_path) : NULL;
		if (out.dumper == NULL) {
			fprintf(stderr, "egressgw replay: %s: %s\n", out_path,
				dead != NULL ? pcap_geterr(dead) : "pcap");
			goto out;
		}
	}

	if (gw_app_eal_init_private("replay") != 0)
		goto out;
	eal_up = true;
	/* One frame at a time: mbufs are needed only for held segments. */
	pool = rte_pktmbuf_pool_create("replay_pool",
				       RTE_MIN(gw_app_pool_size(policy, 1, 0),
					       REPLAY_POOL_MAX), 256, 0,
				       REPLAY_MBUF_DATA + RTE_PKTMBUF_HEADROOM,
				       SOCKET_ID_ANY);
	ring = rte_ring_create_elem("replay_rec", sizeof(struct gw_record),
				    REPLAY_RING, SOCKET_ID_ANY,
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (pool == NULL || ring == NULL) {
		fprintf(stderr, "egressgw replay: cannot allocate mbufs/ring: %s\n",
			rte_strerror(rte_errno));
		goto out;
	}
	ev = gw_events_open(eve_path, policy, "replay");
	if (ev == NULL) {
		fprintf(stderr, "egressgw replay: cannot open %s: %s\n",
			eve_path, strerror(errno));
		goto out;
	}
	{
		struct gw_worker_cfg wc = {
			.id = 0, .lcore = rte_lcore_id(), .policy = policy,
			.pool = pool, .ring = ring, .emit = replay_emit,
			.emit_ctx = &out,
		};
		w = gw_worker_create(&wc);
	}
	if (w == NULL) {
		fprintf(stderr, "egressgw replay: cannot create the worker "
				"(flow_capacity/pending_capacity too large?)\n");
		goto out;
	}
	/* Record times are capture times: no wall-clock offset. */
	w->realtime_off = 0;
	rd.ev = ev;
	rd.ring = ring;
	w->ring_full_hook = replay_ring_full;
	w->ring_full_arg = &rd;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((prc = pcap_next_ex(in, &h, &data)) == 1) {
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ULL +
			      (uint64_t)h->ts.tv_usec;
		struct rte_mbuf *m;
		int side;
		uint16_t port;

		pkts_read++;
		out.ts_ns = ts;
		if (ts >= last_timer + 1000000ULL) {
			/* The daemon's budget: the closed FIFO takes the churn. */
			gw_worker_timers(w, ts, REPLAY_SWEEP_BUDGET);
			gw_worker_flush(w);
			last_timer = ts;
		}
		if (h->caplen < h->len || h->caplen > REPLAY_MBUF_DATA) {
			/* Snapped or oversize frames cannot be judged. */
			w->st.rx_packets++;
			w->st.drops[GW_REASON_MALFORMED]++;
			continue;
		}
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL) {
			w->st.rx_packets++;
			w->st.drops[GW_REASON_NO_MBUF]++;
			continue;
		}
		memcpy(rte_pktmbuf_append(m, (uint16_t)h->caplen), data,
		       h->caplen);
		if (vlan_strip)
			strip_outer_tag(m);
		side = gw_worker_flow_side(w, data, h->caplen);
		port = side < 0 ? GW_PORT_LAN : (uint16_t)side;
		gw_worker_process(w, port, &m, 1, ts);
		gw_worker_flush(w);
		gw_events_drain(ev, ring, REPLAY_RING);
	}
	if (prc == -1)
		fprintf(stderr, "egressgw replay: %s: %s (stopped there)\n",
			in_path, pcap_geterr(in));
	gw_flow_walk(w->flows, count_undecided, &undecided);
	gw_worker_drain(w, out.ts_ns);
	gw_events_drain(ev, ring, REPLAY_RING);
	gw_events_flush(ev);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (!quiet)
		print_summary(stdout, &w->st, pkts_read, undecided, &out,
			      (double)(t1.tv_sec - t0.tv_sec) +
				      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (w->st.ring_lost > 0)
		fprintf(stderr, "egressgw replay: %" PRIu64 " records lost\n",
			w->st.ring_lost);
	if (sum_path != NULL &&
	    write_summary_json(sum_path, &w->st, pkts_read, undecided, &out) != 0) {
		fprintf(stderr, "egressgw replay: cannot write %s\n", sum_path);
		goto out;
	}
	rc = prc == -1 ? 1 : 0;
out:
	gw_events_close(ev);
	gw_worker_free(w);
	rte_ring_free(ring);
	rte_mempool_free(pool);
	if (out.dumper != NULL)
		pcap_dump_close(out.dumper);
	if (dead != NULL)
		pcap_close(dead);
	if (in != NULL)
		pcap_close(in);
	gw_policy_free(policy);
	if (eal_up)
		gw_app_eal_cleanup_private();
	return rc;
}
