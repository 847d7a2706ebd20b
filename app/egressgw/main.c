/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * egressgw: the daemon (EAL arguments, then `-- --config FILE`), and the
 * offline subcommands `check` and `replay`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <limits.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "common/gw_error.h"

#include "gw_app.h"

void
gw_app_print_diags(const struct gw_diags *d, bool warnings)
{
	unsigned int i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		if (d->d[i].warning && !warnings)
			continue;
		fprintf(stderr, "%s:%u:%u: %s%s\n", d->file, d->d[i].line,
			d->d[i].col, d->d[i].warning ? "warning: " : "",
			d->d[i].msg);
	}
	if (d->total > d->n)
		fprintf(stderr, "%s: %u more diagnostics not shown\n", d->file,
			d->total - d->n);
}

/*
 * Resolves a dns.allow name with the system resolver (the daemon, at load
 * and reload). Replay never resolves: its result must not depend on the
 * machine it runs on.
 */
int
gw_app_resolve_system(const char *name, struct gw_addr *out, size_t max,
		      void *arg)
{
	struct addrinfo hints, *res = NULL, *ai;
	size_t n = 0;
	int rc;

	(void)arg;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0)
		return rc == EAI_NONAME || rc == EAI_NODATA ? 0 : GW_EIO;
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			gw_addr_from_v4(&out[n++],
					(const uint8_t *)&((struct sockaddr_in *)
								   ai->ai_addr)
						->sin_addr);
		else if (ai->ai_family == AF_INET6)
			gw_addr_from_v6(&out[n++],
					((struct sockaddr_in6 *)ai->ai_addr)
						->sin6_addr.s6_addr);
	}
	freeaddrinfo(res);
	return (int)n;
}

int
gw_app_load_policy_ex(const char *path, struct gw_policy **out, bool resolve)
{
	struct gw_policy_load_opts opts = {.resolve = gw_app_resolve_system};
	struct gw_diags *d = calloc(1, sizeof(*d));
	int rc;

	if (d == NULL)
		return GW_ENOMEM;
	rc = gw_policy_load_file_opts(path, out, d, resolve ? &opts : NULL);
	/* Warnings matter here too: an unresolved resolver name matches nothing. */
	gw_app_print_diags(d, rc == 0);
	if (rc != 0 && d->n == 0)
		fprintf(stderr, "%s: %s\n", path, gw_strerror(rc));
	free(d);
	return rc;
}

int
gw_app_load_policy(const char *path, struct gw_policy **out)
{
	return gw_app_load_policy_ex(path, out, false);
}

/* Removes what EAL left in its runtime directory (offline tools only). */
static void
remove_runtime_dir(void)
{
	const char *dir = rte_eal_get_runtime_dir();
	struct dirent *de;
	DIR *d;

	if (dir == NULL || dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void
gw_app_eal_cleanup_private(void)
{
	remove_runtime_dir();
	rte_eal_cleanup();
}

int
gw_app_eal_init_private(const char *name)
{
	char prefix[64];
	char *eal_argv[] = {
		(char *)"egressgw", (char *)"--no-huge", (char *)"--no-pci",
		(char *)"--no-shconf", (char *)"-m", (char *)"512",
		(char *)"-l", (char *)"0", (char *)"--no-telemetry",
		(char *)"--log-level", (char *)"*:error", (char *)"--file-prefix",
		prefix, NULL,
	};
	int n = (int)(sizeof(eal_argv) / sizeof(eal_argv[0])) - 1;

	snprintf(prefix, sizeof(prefix), "egw-%s-%d", name, (int)getpid());
	if (rte_eal_init(n, eal_argv) < 0) {
		fprintf(stderr, "egressgw: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return GW_EIO;
	}
	return 0;
}

uint32_t
gw_app_pool_size(const struct gw_policy *p, unsigned int workers,
		 unsigned int ring_desc)
{
	uint64_t held = (uint64_t)p->gw.pending_capacity * p->gw.reasm_max_segs;
	uint64_t n;

	/* Every pending flow could hold its maximum; cap that at 64k a worker
	 * (beyond it the pool empties and rx_nombuf counts it). */
	if (held > 65536)
		held = 65536;
	n = (uint64_t)workers * (2ULL * 2 * ring_desc + held + 2 * 64) +
	    8192;
	if (n > 1048575)
		n = 1048575;
	return (uint32_t)n;
}

static int
cmd_version(void)
{
	printf("egressgw %s\n", GW_VERSION);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage:\n"
		"  egressgw [EAL options] -- --config FILE [--eve PATH] [--ctl-socket PATH]\n"
		"           [--lan-port N] [--wan-port N]      run the gateway\n"
		"  egressgw check --config FILE               validate a policy, print a summary\n"
		"  egressgw replay --config FILE --read IN.pcap [--write OUT.pcap] [--eve EVE.json]\n"
		"                                             run the data plane over a capture\n"
		"  egressgw version\n");
}

int
main(int argc, char **argv)
{
	if (argc >= 2) {
		if (strcmp(argv[1], "check") == 0)
			return gw_cmd_check(argc - 1, argv + 1);
		if (strcmp(argv[1], "replay") == 0)
			return gw_cmd_replay(argc - 1, argv + 1);
		if (strcmp(argv[1], "version") == 0 ||
		    strcmp(argv[1], "--version") == 0)
			return cmd_version();
		if (strcmp(argv[1], "help") == 0 ||
		    strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	}
	return gw_cmd_daemon(argc, argv);
}
