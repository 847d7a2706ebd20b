/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `egressgw-bench gen`: a profile's frames into a pcap, for `egressgw
 * replay`, ndpiReader and tshark (both directions in one file, flows
 * interleaved as on a real link), or split per port and phase for the
 * pktgen-dpdk lab scripts (tools/pktgen/README.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "bench.h"
#include "bench_util.h"

#define GEN_PHASES_MAX 64

struct pcap_out {
	pcap_t *dead;
	pcap_dumper_t *d;
	uint64_t frames;
	uint64_t bytes;
};

static int
out_open(struct pcap_out *o, const char *path)
{
	/* Microsecond pcap: pktgen-dpdk's loader reads only the classic magic. */
	o->dead = pcap_open_dead(DLT_EN10MB, 65535);
	o->d = o->dead != NULL ? pcap_dump_open(o->dead, path) : NULL;
	if (o->d == NULL) {
		bench_error("%s: %s", path,
			    o->dead != NULL ? pcap_geterr(o->dead) : "pcap");
		return -1;
	}
	return 0;
}

static void
out_write(struct pcap_out *o, const uint8_t *frame, uint32_t len,
	  uint64_t ts_ns)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(ts_ns / 1000000000ULL);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ULL / 1000);
	h.caplen = len;
	h.len = len;
	pcap_dump((u_char *)o->d, &h, frame);
	o->frames++;
	o->bytes += len;
}

static int
out_close(struct pcap_out *o)
{
	int rc = 0;

	if (o->d != NULL) {
		if (pcap_dump_flush(o->d) != 0)
			rc = -1;
		pcap_dump_close(o->d);
	}
	if (o->dead != NULL)
		pcap_close(o->dead);
	o->d = NULL;
	o->dead = NULL;
	return rc;
}

/* Both directions, `concurrency` connections interleaved round robin. */
static int
gen_interleaved(const struct gen_cfg *cfg, const char *path,
		unsigned int concurrency, uint64_t pps)
{
	struct gen_conn *slots = calloc(concurrency, sizeof(*slots));
	bool *live = calloc(concurrency, sizeof(*live));
	uint8_t frame[GEN_FRAME_MAX];
	struct pcap_out o = {0};
	uint64_t next = 0, ts = UINT64_C(1700000000) * 1000000000ULL;
	uint64_t step = 1000000000ULL / (pps > 0 ? pps : 1);
	unsigned int i, n_live = 0;
	int rc = -1;

	if (slots == NULL || live == NULL) {
		bench_error("out of memory");
		goto out;
	}
	if (out_open(&o, path) != 0)
		goto out;
	for (i = 0; i < concurrency && next < cfg->flows; i++) {
		gen_conn_init(&slots[i], cfg, next++);
		live[i] = true;
		n_live++;
	}
	while (n_live > 0) {
		for (i = 0; i < concurrency; i++) {
			enum gen_dir dir;
			uint32_t len;

			if (!live[i])
				continue;
			len = gen_conn_next(&slots[i], frame, &dir);
			if (len == 0) {
				if (next < cfg->flows) {
					gen_conn_init(&slots[i], cfg, next++);
					len = gen_conn_next(&slots[i], frame, &dir);
				}
				if (len == 0) {
					live[i] = false;
					n_live--;
					continue;
				}
			}
			out_write(&o, frame, len, ts);
			ts += step;
		}
	}
	rc = out_close(&o);
	if (rc != 0)
		bench_error("%s: write failed", path);
	else
		printf("gen: %s: %" PRIu64 " flows, %" PRIu64 " frames, %" PRIu64
		       " bytes (%s)\n",
		       path, cfg->flows, o.frames, o.bytes,
		       gen_profile_name(cfg->profile));
out:
	out_close(&o);
	free(slots);
	free(live);
	return rc;
}

/*
 * Lab split: frame k of every connection goes to phase k, one file per
 * phase and port (pNN-lan.pcap: what the LAN port must receive, pNN-wan.pcap
 * the WAN port). Sending phase k on both ports, waiting for it to drain and
 * then phase k+1 keeps every connection in causal order through a gateway
 * that holds segments until its verdict, without a stateful generator. The
 * data frames of bulk flows go to data-lan.pcap / data-wan.pcap, which a
 * generator loops at line rate.
 */
static int
gen_split(const struct gen_cfg *cfg, const char *dir)
{
	static struct pcap_out outs[GEN_PHASES_MAX][2];
	static struct pcap_out data[2];
	static struct gen_conn c;
	uint8_t frame[GEN_FRAME_MAX];
	char path[4096];
	uint64_t idx, ts = UINT64_C(1700000000) * 1000000000ULL;
	unsigned int phase, max_phase = 0, d;
	int rc = 0;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		bench_error("%s: %s", dir, strerror(errno));
		return -1;
	}
	for (idx = 0; idx < cfg->flows && rc == 0; idx++) {
		enum gen_dir fd;
		uint32_t len;

		gen_conn_init(&c, cfg, idx);
		phase = 0;
		while ((len = gen_conn_next(&c, frame, &fd)) > 0) {
			struct pcap_out *o;

			if (c.data_frame) {
				o = &data[fd];
				if (o->d == NULL) {
					snprintf(path, sizeof(path), "%s/data-%s.pcap",
						 dir, fd == GEN_DIR_C2S ? "lan" : "wan");
					if (out_open(o, path) != 0) {
						rc = -1;
						break;
					}
				}
				out_write(o, frame, len, ts);
				/* The lab loops the data: the flow must stay open. */
				if (c.data_n >= cfg->bulk_pkts)
					break;
				continue;
			}
			if (phase >= GEN_PHASES_MAX) {
				bench_error("a connection has more than %d phases",
					    GEN_PHASES_MAX);
				rc = -1;
				break;
			}
			o = &outs[phase][fd];
			if (o->d == NULL) {
				snprintf(path, sizeof(path), "%s/p%02u-%s.pcap", dir,
					 phase, fd == GEN_DIR_C2S ? "lan" : "wan");
				if (out_open(o, path) != 0) {
					rc = -1;
					break;
				}
			}
			out_write(o, frame, len, ts);
			if (phase > max_phase)
				max_phase = phase;
			phase++;
		}
		ts += 1000;
	}
	for (phase = 0; phase < GEN_PHASES_MAX; phase++)
		for (d = 0; d < 2; d++)
			if (outs[phase][d].d != NULL && out_close(&outs[phase][d]) != 0)
				rc = -1;
	for (d = 0; d < 2; d++)
		if (data[d].d != NULL && out_close(&data[d]) != 0)
			rc = -1;
	if (rc == 0)
		printf("gen: %s: %" PRIu64 " flows in %u phases (pNN-lan.pcap / "
		       "pNN-wan.pcap)%s\n",
		       dir, cfg->flows, max_phase + 1,
		       data[0].frames + data[1].frames > 0 ?
			       ", data-lan.pcap / data-wan.pcap" : "");
	return rc;
}

int
bench_cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		GEN_LONG_OPTIONS,
		{"out", required_argument, NULL, 'o'},
		{"split", required_argument, NULL, 's'},
		{"concurrency", required_argument, NULL, 'c'},
		{"pps", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct gen_cfg cfg;
	const char *out = NULL, *split = NULL;
	uint64_t concurrency = 64, pps = 500000;
	int opt;

	gen_cfg_default(&cfg);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (opt >= GEN_OPT_BASE && opt < GEN_OPT_END) {
			if (bench_gen_option(opt, optarg, &cfg) != 0)
				return 2;
			continue;
		}
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 's':
			split = optarg;
			break;
		case 'c':
			if (bench_parse_u64("--concurrency", optarg, &concurrency) != 0 ||
			    concurrency == 0 || concurrency > 1000000)
				return 2;
			break;
		case 'p':
			if (bench_parse_u64("--pps", optarg, &pps) != 0 || pps == 0)
				return 2;
			break;
		case 'h':
			printf("usage: egressgw-bench gen --out FILE.pcap | --split DIR\n"
			       "                          [--concurrency N] [--pps N] "
			       "[generator options]\n"
			       "  --out FILE      both directions in one capture "
			       "(replay, ndpiReader, tshark)\n"
			       "  --split DIR     per-port, per-phase captures for "
			       "pktgen-dpdk (tools/pktgen)\n"
			       "  --concurrency N connections interleaved (default 64)\n"
			       "  --pps N         capture timestamps at this rate "
			       "(default 500k)\n%s",
			       bench_gen_usage);
			return 0;
		default:
			return 2;
		}
	}
	if ((out == NULL) == (split == NULL)) {
		fprintf(stderr, "egressgw-bench gen: give --out FILE or --split DIR\n");
		return 2;
	}
	if (cfg.profile == GEN_PROF_BULK && cfg.bulk_pkts == 0) {
		fprintf(stderr, "egressgw-bench gen: a capture needs --bulk-pkts > 0\n");
		return 2;
	}
	if (split != NULL)
		return gen_split(&cfg, split) == 0 ? 0 : 1;
	return gen_interleaved(&cfg, out, (unsigned int)concurrency, pps) == 0 ? 0 : 1;
}
