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
#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_flow.h>

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
		q->since_ns = gw_realtime_ns();
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

/*
 * nat mode with several workers: return traffic must reach the worker that
 * owns its pool port. On a NIC with flow rules, one rule per worker slice
 * and protocol (destination port range, or ICMP identifier range) steers it
 * to that worker's queue; where a rule is refused (virtual devices, or a
 * NIC without range matching) every rule is removed and the workers hand
 * packets to the owner over rings instead. Returns true when steering is on.
 */
bool
gw_daemon_nat_steer(struct gw_daemon *d)
{
	const struct gw_nat_pool *pool = &d->policy->gw.nat.pool;
	uint16_t port = d->port_id[GW_PORT_WAN];
	struct rte_flow *flows[GW_MAX_WORKERS * 3];
	unsigned int n = 0, i, k;
	struct rte_flow_error err;
	uint32_t range = (uint32_t)pool->port_hi - pool->port_lo + 1;

	if (d->n_workers < 2)
		return false;
	for (i = 0; i < d->n_workers; i++) {
		uint16_t lo = (uint16_t)(pool->port_lo + (uint64_t)i * range / d->n_workers);
		uint16_t hi = (uint16_t)(pool->port_lo +
					 (uint64_t)(i + 1) * range / d->n_workers - 1);

		for (k = 0; k < 3; k++) {
			struct rte_flow_attr attr = {.ingress = 1};
			struct rte_flow_item_tcp tcp_s = {0}, tcp_l = {0}, tcp_m = {0};
			struct rte_flow_item_udp udp_s = {0}, udp_l = {0}, udp_m = {0};
			struct rte_flow_item_icmp icmp_s = {0}, icmp_l = {0}, icmp_m = {0};
			struct rte_flow_action_queue q = {.index = (uint16_t)i};
			struct rte_flow_item pattern[4] = {
				{.type = RTE_FLOW_ITEM_TYPE_ETH},
				{.type = RTE_FLOW_ITEM_TYPE_IPV4},
				{.type = RTE_FLOW_ITEM_TYPE_END},
				{.type = RTE_FLOW_ITEM_TYPE_END},
			};
			struct rte_flow_action actions[2] = {
				{.type = RTE_FLOW_ACTION_TYPE_QUEUE, .conf = &q},
				{.type = RTE_FLOW_ACTION_TYPE_END},
			};

			if (k == 0) {
				tcp_s.hdr.dst_port = rte_cpu_to_be_16(lo);
				tcp_l.hdr.dst_port = rte_cpu_to_be_16(hi);
				tcp_m.hdr.dst_port = RTE_BE16(0xffff);
				pattern[2] = (struct rte_flow_item){
					.type = RTE_FLOW_ITEM_TYPE_TCP, .spec = &tcp_s,
					.last = &tcp_l, .mask = &tcp_m};
			} else if (k == 1) {
				udp_s.hdr.dst_port = rte_cpu_to_be_16(lo);
				udp_l.hdr.dst_port = rte_cpu_to_be_16(hi);
				udp_m.hdr.dst_port = RTE_BE16(0xffff);
				pattern[2] = (struct rte_flow_item){
					.type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp_s,
					.last = &udp_l, .mask = &udp_m};
			} else {
				icmp_s.hdr.icmp_ident = rte_cpu_to_be_16(lo);
				icmp_l.hdr.icmp_ident = rte_cpu_to_be_16(hi);
				icmp_m.hdr.icmp_ident = RTE_BE16(0xffff);
				pattern[2] = (struct rte_flow_item){
					.type = RTE_FLOW_ITEM_TYPE_ICMP, .spec = &icmp_s,
					.last = &icmp_l, .mask = &icmp_m};
			}
			if (rte_flow_validate(port, &attr, pattern, actions, &err) != 0 ||
			    (flows[n] = rte_flow_create(port, &attr, pattern, actions,
							&err)) == NULL)
				goto fallback;
			n++;
		}
	}
	return true;
fallback:
	printf("egressgw: WAN port %u: no flow rules for the SNAT port slices "
	       "(%s); return traffic is handed to its worker over rings\n",
	       port, err.message != NULL ? err.message : "not supported");
	while (n > 0)
		rte_flow_destroy(port, flows[--n], &err);
	return false;
}
