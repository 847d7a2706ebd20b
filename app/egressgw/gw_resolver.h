/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_RESOLVER_H
#define GW_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "common/gw_addr.h"

/*
 * Asynchronous name resolution for the control plane (c-ares), through the
 * resolvers the policy allows (dns.allow) and only those. Used to verify a
 * name binding the gateway did not see on the wire. Never called from a
 * worker; the control loop polls it without blocking.
 */

#define GW_RESOLVER_MAX_ADDRS 16

struct gw_resolver;

struct gw_resolve_result {
	int status;             /* 0 ok, GW_ENOENT no such name / no address, GW_EIO failure/timeout */
	uint32_t ttl;           /* smallest TTL of the answers (seconds) */
	size_t n_addrs;
	struct gw_addr addrs[GW_RESOLVER_MAX_ADDRS];
};

typedef void (*gw_resolve_cb)(const char *name,
			      const struct gw_resolve_result *res, void *arg);

/* servers: the allowed resolvers (port 53). timeout_ms per query try. NULL on failure. */
struct gw_resolver *gw_resolver_create(const struct gw_addr *servers,
				       size_t n_servers, unsigned int timeout_ms);
void gw_resolver_free(struct gw_resolver *r);
/* Starts resolving name (A and AAAA); cb is called exactly once, from gw_resolver_poll. */
int gw_resolver_submit(struct gw_resolver *r, const char *name,
		       gw_resolve_cb cb, void *arg);
/* Processes what is ready without blocking; returns the number of queries in flight. */
unsigned int gw_resolver_poll(struct gw_resolver *r);

#endif /* GW_RESOLVER_H */
