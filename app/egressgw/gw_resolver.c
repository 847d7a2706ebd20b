/* SPDX-License-Identifier: BSD-3-Clause */
/* Asynchronous resolution through the allowed resolvers only (c-ares). */
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "common/gw_error.h"

#include "gw_resolver.h"

struct gw_resolver {
	ares_channel ch;
	unsigned int in_flight;
};

struct query {
	struct gw_resolver *r;
	gw_resolve_cb cb;
	void *arg;
	char name[256];
};

struct gw_resolver *
gw_resolver_create(const struct gw_addr *servers, size_t n_servers,
		   unsigned int timeout_ms)
{
	struct ares_options opts;
	struct ares_addr_port_node *nodes = NULL;
	struct gw_resolver *r;
	size_t i;
	int rc;

	if (n_servers == 0)
		return NULL;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		return NULL;
	r = calloc(1, sizeof(*r));
	nodes = calloc(n_servers, sizeof(*nodes));
	if (r == NULL || nodes == NULL)
		goto fail;
	memset(&opts, 0, sizeof(opts));
	opts.timeout = (int)timeout_ms;
	opts.tries = 2;
	/* Only the configured servers: no /etc/resolv.conf, no hosts file. */
	opts.lookups = (char *)"b";
	opts.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	rc = ares_init_options(&r->ch, &opts,
			       ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
				       ARES_OPT_LOOKUPS | ARES_OPT_FLAGS);
	if (rc != ARES_SUCCESS)
		goto fail_nochan;
	for (i = 0; i < n_servers; i++) {
		nodes[i].next = i + 1 < n_servers ? &nodes[i + 1] : NULL;
		nodes[i].udp_port = 53;
		nodes[i].tcp_port = 53;
		if (gw_addr_is_v4(&servers[i])) {
			nodes[i].family = AF_INET;
			memcpy(&nodes[i].addr.addr4, &servers[i].b[12], 4);
		} else {
			nodes[i].family = AF_INET6;
			memcpy(&nodes[i].addr.addr6, servers[i].b, 16);
		}
	}
	if (ares_set_servers_ports(r->ch, nodes) != ARES_SUCCESS) {
		ares_destroy(r->ch);
		goto fail_nochan;
	}
	free(nodes);
	return r;
fail:
fail_nochan:
	free(nodes);
	free(r);
	ares_library_cleanup();
	return NULL;
}

void
gw_resolver_free(struct gw_resolver *r)
{
	if (r == NULL)
		return;
	/* Pending callbacks run with ARES_EDESTRUCTION and free their queries. */
	ares_destroy(r->ch);
	free(r);
	ares_library_cleanup();
}

static void
on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct query *q = arg;
	struct gw_resolve_result res;
	struct ares_addrinfo_node *n;

	(void)timeouts;
	memset(&res, 0, sizeof(res));
	res.ttl = UINT32_MAX;
	if (status == ARES_SUCCESS && ai != NULL) {
		for (n = ai->nodes; n != NULL && res.n_addrs < GW_RESOLVER_MAX_ADDRS;
		     n = n->ai_next) {
			struct gw_addr *a = &res.addrs[res.n_addrs];

			if (n->ai_family == AF_INET) {
				const struct sockaddr_in *sin =
					(const struct sockaddr_in *)n->ai_addr;

				gw_addr_from_v4(a, (const uint8_t *)&sin->sin_addr);
			} else if (n->ai_family == AF_INET6) {
				const struct sockaddr_in6 *sin6 =
					(const struct sockaddr_in6 *)n->ai_addr;

				gw_addr_from_v6(a, sin6->sin6_addr.s6_addr);
			} else {
				continue;
			}
			if ((uint32_t)n->ai_ttl < res.ttl)
				res.ttl = (uint32_t)(n->ai_ttl < 0 ? 0 : n->ai_ttl);
			res.n_addrs++;
		}
	}
	if (res.ttl == UINT32_MAX)
		res.ttl = 0;
	if (status == ARES_SUCCESS && res.n_addrs > 0)
		res.status = 0;
	else if (status == ARES_ENOTFOUND || status == ARES_ENODATA ||
		 status == ARES_SUCCESS)
		res.status = GW_ENOENT;
	else
		res.status = GW_EIO;
	if (ai != NULL)
		ares_freeaddrinfo(ai);
	q->r->in_flight--;
	if (status != ARES_EDESTRUCTION)
		q->cb(q->name, &res, q->arg);
	free(q);
}

int
gw_resolver_submit(struct gw_resolver *r, const char *name, gw_resolve_cb cb,
		   void *arg)
{
	struct ares_addrinfo_hints hints;
	struct query *q;

	if (r == NULL || name == NULL || strlen(name) >= sizeof(q->name))
		return GW_EINVAL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return GW_ENOMEM;
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	strcpy(q->name, name);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = ARES_AI_NOSORT;
	r->in_flight++;
	ares_getaddrinfo(r->ch, name, NULL, &hints, on_addrinfo, q);
	return 0;
}

unsigned int
gw_resolver_poll(struct gw_resolver *r)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	int bits, i, n = 0;

	if (r == NULL || r->in_flight == 0)
		return 0;
	bits = ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
	for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		short ev = 0;

		if (ARES_GETSOCK_READABLE(bits, i))
			ev |= POLLIN;
		if (ARES_GETSOCK_WRITABLE(bits, i))
			ev |= POLLOUT;
		if (ev == 0)
			continue;
		pfd[n].fd = socks[i];
		pfd[n].events = ev;
		pfd[n].revents = 0;
		n++;
	}
	if (n > 0)
		poll(pfd, (nfds_t)n, 0);
	for (i = 0; i < n; i++)
		ares_process_fd(r->ch,
				pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ?
					pfd[i].fd : ARES_SOCKET_BAD,
				pfd[i].revents & POLLOUT ? pfd[i].fd :
							   ARES_SOCKET_BAD);
	/* Timeouts advance even when no socket was ready. */
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	return r->in_flight;
}
