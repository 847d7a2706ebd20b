/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * egressgw-bench: the traffic generator and the measurements of issue 3
 * (docs/performance.md). `tools/bench/run` drives all of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/gw_error.h"
#include "pkt/gw_pkt.h"
#include "tls/gw_tls.h"
#include "http/gw_http.h"
#include "policy/gw_policy.h"

#include "bench.h"
#include "bench_policy.h"
#include "bench_util.h"

const char bench_gen_usage[] =
	"generator options:\n"
	"  --profile P        tls-new, bulk-64, bulk-imix, bulk-1500, http, dns, mix\n"
	"  --flows N          flows (10k, 1M accepted)\n"
	"  --names N          allowlist size: the policy allows names 0..N-1\n"
	"  --allow-ratio X    share of flows asking for an allowed name (0..1)\n"
	"  --pq-ratio X       share of TLS hellos with a post-quantum key share (~1.9 KB)\n"
	"  --wildcard-ratio X share of allowlist entries written *.domain\n"
	"  --vlan VID         802.1Q tag on every frame (the policy maps it)\n"
	"  --outer-vlan VID   802.1ad outer tag (QinQ)\n"
	"  --servers N        distinct server addresses (198.18.0.1 ...)\n"
	"  --data-segs N      request/response exchanges per TLS/HTTP flow\n"
	"  --bulk-pkts N      data frames per bulk flow (0: unbounded)\n"
	"  --seed N           name space and per-flow randomness\n";

int
bench_gen_option(int opt, const char *arg, struct gen_cfg *cfg)
{
	uint64_t v;
	double d;

	switch (opt - GEN_OPT_BASE) {
	case 0:
		if (gen_profile_parse(arg, &cfg->profile, &cfg->size) != 0) {
			fprintf(stderr, "egressgw-bench: unknown profile '%s'\n",
				arg);
			return -1;
		}
		return 0;
	case 1:
		return bench_parse_u64("--flows", arg, &cfg->flows);
	case 2:
		if (bench_parse_u64("--names", arg, &v) != 0 || v > 10000000) {
			fprintf(stderr, "egressgw-bench: --names: 0..10M\n");
			return -1;
		}
		cfg->n_names = (uint32_t)v;
		return 0;
	case 3:
	case 4:
	case 5:
		if (bench_parse_double("ratio", arg, &d) != 0 || d < 0 || d > 1) {
			fprintf(stderr, "egressgw-bench: ratios are 0..1\n");
			return -1;
		}
		if (opt - GEN_OPT_BASE == 3)
			cfg->allow_ratio = d;
		else if (opt - GEN_OPT_BASE == 4)
			cfg->pq_ratio = d;
		else
			cfg->wildcard_ratio = d;
		return 0;
	case 6:
	case 7:
		if (bench_parse_u64("--vlan", arg, &v) != 0 || v < 1 ||
		    v > 4094) {
			fprintf(stderr, "egressgw-bench: VLAN ids are 1..4094\n");
			return -1;
		}
		if (opt - GEN_OPT_BASE == 6)
			cfg->vlan = (uint16_t)v;
		else
			cfg->outer_vlan = (uint16_t)v;
		return 0;
	case 8:
		if (bench_parse_u64("--servers", arg, &v) != 0 || v < 1 ||
		    v > 65000) {
			fprintf(stderr, "egressgw-bench: --servers: 1..65000\n");
			return -1;
		}
		cfg->servers = (uint32_t)v;
		return 0;
	case 9:
		if (bench_parse_u64("--data-segs", arg, &v) != 0 || v > 1000) {
			fprintf(stderr, "egressgw-bench: --data-segs: 0..1000\n");
			return -1;
		}
		cfg->data_segs = (uint32_t)v;
		return 0;
	case 10:
		return bench_parse_u64("--bulk-pkts", arg, &cfg->bulk_pkts);
	case 11:
		return bench_parse_u64("--seed", arg, &cfg->seed);
	default:
		return -1;
	}
}

/* ---- policy ---- */

int
bench_cmd_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		GEN_LONG_OPTIONS,
		{"out", required_argument, NULL, 'o'},
		{"flow-capacity", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct bench_policy_opts po = {0};
	struct gen_cfg cfg;
	const char *out = NULL;
	uint64_t v;
	size_t len;
	char *yaml;
	FILE *f;
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
		case 'f':
			if (bench_parse_u64("--flow-capacity", optarg, &v) != 0)
				return 2;
			po.flow_capacity = (uint32_t)v;
			break;
		case 'h':
			printf("usage: egressgw-bench policy --out FILE [--flow-capacity N] "
			       "[generator options]\n%s", bench_gen_usage);
			return 0;
		default:
			return 2;
		}
	}
	if (out == NULL) {
		fprintf(stderr, "egressgw-bench policy: --out FILE is required\n");
		return 2;
	}
	yaml = bench_policy_yaml(&cfg, &po, &len);
	if (yaml == NULL) {
		bench_error("out of memory");
		return 1;
	}
	f = fopen(out, "w");
	if (f == NULL || fwrite(yaml, 1, len, f) != len || fclose(f) != 0) {
		bench_error("cannot write %s", out);
		free(yaml);
		return 1;
	}
	free(yaml);
	return 0;
}

/* ---- selftest: the generator's frames parse as what they claim to be ---- */

struct selftest_stats {
	uint64_t frames;
	uint64_t hellos;
	uint64_t pq_two_segs;
	uint64_t requests;
	uint64_t failures;
};

static int
selftest_conn(const struct gen_cfg *cfg, uint64_t idx, struct selftest_stats *s)
{
	static struct gen_conn c;
	static uint8_t stream[GEN_MSG_MAX];
	static uint8_t scratch[16384];
	uint8_t frame[GEN_FRAME_MAX];
	struct gw_pkt_meta meta;
	uint32_t stream_len = 0, len, first_seq = 0;
	enum gen_dir dir;
	bool seen_syn = false, done_hello = false;

	gen_conn_init(&c, cfg, idx);
	while ((len = gen_conn_next(&c, frame, &dir)) > 0) {
		s->frames++;
		if (gw_pkt_parse(frame, len, false, 0, &meta) != GW_PKT_OK ||
		    meta.kind != GW_PKT_IP ||
		    meta.vlan_inner != cfg->vlan ||
		    meta.vlan_outer != (cfg->outer_vlan ? cfg->outer_vlan : cfg->vlan)) {
			bench_error("selftest: flow %llu: frame %llu does not parse",
				    (unsigned long long)idx,
				    (unsigned long long)s->frames);
			return -1;
		}
		if (meta.proto != GW_PROTO_TCP || dir != GEN_DIR_C2S)
			continue;
		if (meta.tcp_flags & GW_TCP_SYN) {
			seen_syn = true;
			first_seq = meta.seq + 1;
			continue;
		}
		if (!seen_syn || done_hello || meta.payload_len == 0)
			continue;
		if (meta.seq - first_seq != stream_len ||
		    stream_len + meta.payload_len > sizeof(stream)) {
			bench_error("selftest: flow %llu: client stream out of order",
				    (unsigned long long)idx);
			return -1;
		}
		memcpy(stream + stream_len, frame + meta.payload_off,
		       meta.payload_len);
		stream_len += meta.payload_len;
		if (c.kind == GEN_PROF_HTTP) {
			struct gw_http_req req;
			int rc = gw_http_parse_request(stream, stream_len, &req);

			if (rc == GW_INCOMPLETE)
				continue;
			done_hello = true;
			s->requests++;
			if (rc < 0 || !req.has_host || req.host_len != c.name_len ||
			    memcmp(req.host, c.name, c.name_len) != 0) {
				bench_error("selftest: flow %llu: HTTP request does not parse",
					    (unsigned long long)idx);
				return -1;
			}
		} else {
			struct gw_tls_hello h;
			int rc = gw_tls_parse_stream(stream, stream_len, scratch,
						     sizeof(scratch), &h);

			if (rc == GW_INCOMPLETE)
				continue;
			done_hello = true;
			s->hellos++;
			if (rc < 0 || !h.has_sni || h.sni_len != c.name_len ||
			    memcmp(h.sni, c.name, c.name_len) != 0 || !h.has_ech ||
			    h.max_version != 0x0304) {
				bench_error("selftest: flow %llu: ClientHello does not parse "
					    "(rc %d)", (unsigned long long)idx, rc);
				return -1;
			}
			if (c.pq) {
				if (c.hello_segs != 2 || c.hello_len < 1800 ||
				    c.hello_len > 2000) {
					bench_error("selftest: flow %llu: post-quantum hello is "
						    "%u bytes in %u segments, want ~1.9 KB in 2",
						    (unsigned long long)idx, c.hello_len,
						    c.hello_segs);
					return -1;
				}
				s->pq_two_segs++;
			}
		}
	}
	if (c.kind != GEN_PROF_DNS && !done_hello) {
		bench_error("selftest: flow %llu: no name message",
			    (unsigned long long)idx);
		return -1;
	}
	return 0;
}

int
bench_cmd_selftest(int argc, char **argv)
{
	static const enum gen_profile profiles[] = {
		GEN_PROF_TLS_NEW, GEN_PROF_BULK, GEN_PROF_HTTP, GEN_PROF_DNS,
		GEN_PROF_MIX,
	};
	struct selftest_stats s = {0};
	struct gen_cfg cfg;
	struct gw_policy *p = NULL;
	struct gw_diags *d;
	struct bench_policy_opts po = {0};
	char *yaml;
	size_t len, i;
	uint64_t idx;
	int rc;

	(void)argc;
	(void)argv;
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		gen_cfg_default(&cfg);
		cfg.profile = profiles[i];
		cfg.bulk_pkts = 24;
		cfg.vlan = i == 2 ? 42 : 0;
		cfg.outer_vlan = i == 3 ? 7 : 0;
		if (cfg.outer_vlan != 0)
			cfg.vlan = 100;
		for (idx = 0; idx < 2000; idx++)
			if (selftest_conn(&cfg, idx, &s) != 0)
				return 1;
	}
	if (s.pq_two_segs == 0 || s.hellos == 0 || s.requests == 0) {
		bench_error("selftest: a profile produced no hello/request");
		return 1;
	}
	/* The benchmark policy loads and allows what the generator calls allowed. */
	gen_cfg_default(&cfg);
	cfg.n_names = 1000;
	yaml = bench_policy_yaml(&cfg, &po, &len);
	d = calloc(1, sizeof(*d));
	if (yaml == NULL || d == NULL) {
		free(yaml);
		free(d);
		bench_error("out of memory");
		return 1;
	}
	rc = gw_policy_load_string(yaml, len, "<bench>", &p, d);
	if (rc != 0) {
		bench_error("selftest: the benchmark policy does not load: %s%s%s",
			    gw_strerror(rc), d->n > 0 ? ": " : "",
			    d->n > 0 ? d->d[0].msg : "");
		free(yaml);
		free(d);
		return 1;
	}
	{
		struct gw_match_scratch *scr = NULL;
		const struct gw_role *role = gw_policy_role_for_vlan(p, 0);
		uint64_t wrong = 0, allowed = 0;
		char name[GEN_NAME_MAX];

		rc = gw_policy_scratch_grow(p, &scr);
		for (idx = 0; rc == 0 && idx < 5000; idx++) {
			struct gw_decision dec;
			bool allow;
			int n = gen_flow_name(&cfg, idx, name, sizeof(name), &allow);

			gw_policy_decide_name(p, role, scr, GW_APP_TLS,
					      (const uint8_t *)name, (size_t)n,
					      NULL, 0, &dec);
			if ((dec.action == GW_ACT_ALLOW) != allow)
				wrong++;
			allowed += allow;
		}
		gw_match_scratch_free(scr);
		if (rc != 0 || wrong != 0 || allowed == 0) {
			bench_error("selftest: %llu of 5000 names decided against the "
				    "generator's allowed flag",
				    (unsigned long long)wrong);
			gw_policy_free(p);
			free(yaml);
			free(d);
			return 1;
		}
	}
	gw_policy_free(p);
	free(yaml);
	free(d);
	printf("selftest: %llu frames, %llu ClientHellos (%llu post-quantum in two "
	       "segments), %llu HTTP requests parse as generated; policy decisions "
	       "agree\n",
	       (unsigned long long)s.frames, (unsigned long long)s.hellos,
	       (unsigned long long)s.pq_two_segs,
	       (unsigned long long)s.requests);
	return 0;
}

/* ---- main ---- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: egressgw-bench COMMAND [options]\n"
		"  gen       write a profile's frames to a pcap (replay, ndpiReader, pktgen)\n"
		"  policy    write the benchmark policy matching the generator's names\n"
		"  selftest  check that generated frames parse as what they claim\n"
		"  inproc    (a) the worker pipeline fed mbuf bursts directly\n"
		"  memif     (b) generator <-> egressgw over net_memif: RFC 2544\n"
		"            zero-loss throughput and latency\n"
		"Each command takes --help. Figures are printed as\n"
		"'result KEY VALUE UNIT' lines; tools/bench/run collects them.\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "gen") == 0)
		return bench_cmd_gen(argc - 1, argv + 1);
	if (strcmp(argv[1], "policy") == 0)
		return bench_cmd_policy(argc - 1, argv + 1);
	if (strcmp(argv[1], "selftest") == 0)
		return bench_cmd_selftest(argc - 1, argv + 1);
	if (strcmp(argv[1], "inproc") == 0)
		return bench_cmd_inproc(argc - 1, argv + 1);
	if (strcmp(argv[1], "memif") == 0)
		return bench_cmd_memif(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
