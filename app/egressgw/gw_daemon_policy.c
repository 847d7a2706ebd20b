/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Daemon state that follows the policy and the operator: what a reload
 * changes (diff, flows whose verdict flips), the resolver of dns.allow, and
 * the quarantine of inside hosts (daemon state, not policy: it survives
 * reloads until released).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common/gw_error.h"

#include "gw_daemon.h"

void
gw_daemon_broadcast(struct gw_daemon *d, struct gw_cmd *cmd, int skip)
{
	unsigned int i;

	for (i = 0; i < d->n_workers; i++) {
		if ((int)i == skip)
			continue;
		if (rte_ring_enqueue_elem(d->workers[i].cmd_ring, cmd,
					  sizeof(*cmd)) != 0)
			d->cmd_lost++;
	}
}

static bool
same_resolvers(const struct gw_dns_policy *a, const struct gw_dns_policy *b)
{
	return a->n_resolvers == b->n_resolvers &&
	       (a->n_resolvers == 0 ||
		memcmp(a->resolvers, b->resolvers,
		       a->n_resolvers * sizeof(*a->resolvers)) == 0);
}

/*
 * After a reload: the resolver asks the new dns.allow addresses (names in
 * dns.allow were resolved again by the load). Queries in flight on the old
 * one are answered as failures, which the workers treat as verification
 * timeouts, as they would have been had the resolver been removed.
 */
void
gw_daemon_policy_changed(struct gw_daemon *d, const struct gw_policy *old)
{
	if (same_resolvers(&old->dns, &d->policy->dns))
		return;
	gw_resolver_free(d->resolver);
	d->resolver = NULL;
	if (d->policy->dns.n_resolvers > 0) {
		d->resolver = gw_resolver_create(d->policy->dns.resolvers,
						 d->policy->dns.n_resolvers,
						 500);
		if (d->resolver == NULL)
			fprintf(stderr, "egressgw: warning: cannot start the "
					"resolver; names DNS did not bind here "
					"are denied\n");
	}
}

int
gw_daemon_quarantine(struct gw_daemon *d, const struct gw_addr *host,
		     const char *reason, char *err, size_t errlen)
{
	struct gw_quarantine *q = NULL;
	struct timespec ts;
	struct gw_cmd cmd;
	unsigned int i;

	for (i = 0; i < d->n_quarantine; i++)
		if (memcmp(&d->quarantine[i].host, host, sizeof(*host)) == 0)
			q = &d->quarantine[i];
	if (q == NULL) {
		if (d->n_quarantine >= GW_QUARANTINE_MAX) {
			snprintf(err, errlen,
				 "quarantine is full (%u hosts): release one first",
				 GW_QUARANTINE_MAX);
			return GW_ENOSPC;
		}
		q = &d->quarantine[d->n_quarantine++];
		q->host = *host;
		clock_gettime(CLOCK_REALTIME, &ts);
		q->since_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
			      (uint64_t)ts.tv_nsec;
	}
	snprintf(q->reason, sizeof(q->reason), "%s",
		 reason != NULL && reason[0] != '\0' ? reason : "operator");
	gw_daemon_evidence_quarantine(d, host);
	/* Again for a host already in: its flows are revoked again. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = GW_CMD_QUARANTINE;
	cmd.addrs[0] = *host;
	cmd.n_addrs = 1;
	gw_daemon_broadcast(d, &cmd, -1);
	return 0;
}

int
gw_daemon_release(struct gw_daemon *d, const struct gw_addr *host, char *err,
		  size_t errlen)
{
	char buf[GW_ADDR_STRLEN];
	struct gw_cmd cmd;
	unsigned int i;

	for (i = 0; i < d->n_quarantine; i++) {
		if (memcmp(&d->quarantine[i].host, host, sizeof(*host)) != 0)
			continue;
		d->quarantine[i] = d->quarantine[--d->n_quarantine];
		memset(&cmd, 0, sizeof(cmd));
		cmd.type = GW_CMD_RELEASE;
		cmd.addrs[0] = *host;
		cmd.n_addrs = 1;
		gw_daemon_broadcast(d, &cmd, -1);
		return 0;
	}
	snprintf(err, errlen, "%s is not quarantined",
		 gw_addr_to_str(host, buf, sizeof(buf)));
	return GW_ENOENT;
}
