/* SPDX-License-Identifier: BSD-3-Clause */
/* egressgw check: validate a policy and print what it will enforce. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/gw_error.h"

#include "gw_app.h"

int
gw_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	struct gw_policy *p = NULL;
	struct gw_diags *d;
	bool quiet = false;
	char *buf;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'q': quiet = true; break;
		case 'h':
			printf("usage: egressgw check --config FILE [--quiet]\n");
			return 0;
		default:
			fprintf(stderr, "usage: egressgw check --config FILE [--quiet]\n");
			return 2;
		}
	}
	if (path == NULL || optind != argc) {
		fprintf(stderr, "usage: egressgw check --config FILE [--quiet]\n");
		return 2;
	}
	d = calloc(1, sizeof(*d));
	buf = malloc(65536);
	if (d == NULL || buf == NULL) {
		free(d);
		free(buf);
		return 1;
	}
	{
		/* As the daemon will: dns.allow names through the system resolver. */
		struct gw_policy_load_opts opts = {.resolve = gw_app_resolve_system};

		rc = gw_policy_load_file_opts(path, &p, d, &opts);
	}
	if (rc != 0) {
		gw_app_print_diags(d, true);
		if (d->n == 0)
			fprintf(stderr, "%s: %s\n", path, gw_strerror(rc));
		fprintf(stderr, "%s: invalid policy\n", path);
		free(d);
		free(buf);
		return 1;
	}
	gw_app_print_diags(d, true);
	if (!quiet && gw_policy_summary(p, buf, 65536) >= 0)
		fputs(buf, stdout);
	printf("%s: OK\n", path);
	gw_policy_free(p);
	free(d);
	free(buf);
	return 0;
}
