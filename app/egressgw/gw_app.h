/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_APP_H
#define GW_APP_H

#include <stdint.h>

#include "policy/gw_policy.h"

#define GW_VERSION "0.1.0"

/* Loads and validates a policy, printing "file:line:col: message" diagnostics
 * to stderr. 0 or a negative GW_E*. */
int gw_app_load_policy(const char *path, struct gw_policy **out);
/* Same; with resolve, dns.allow names are resolved by the system resolver
 * (warnings printed as well). */
int gw_app_load_policy_ex(const char *path, struct gw_policy **out,
			  bool resolve);
/* Resolves a dns.allow name with the system resolver (gw_policy_load_opts). */
int gw_app_resolve_system(const char *name, struct gw_addr *out, size_t max,
			  void *arg);
/* Prints diagnostics (errors and, when warnings is true, warnings). */
void gw_app_print_diags(const struct gw_diags *d, bool warnings);
/* EAL for an offline tool (replay, bench): no hugepages, no PCI, in memory. */
int gw_app_eal_init_private(const char *name);
/* Releases EAL and removes its runtime directory. */
void gw_app_eal_cleanup_private(void);
/* mbufs needed: rx/tx rings of every queue, held segments, resets. */
uint32_t gw_app_pool_size(const struct gw_policy *p, unsigned int workers,
			  unsigned int ring_desc);

int gw_cmd_check(int argc, char **argv);
int gw_cmd_replay(int argc, char **argv);
int gw_cmd_daemon(int argc, char **argv);

#endif /* GW_APP_H */
