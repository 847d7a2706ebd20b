/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_TELEMETRY_H
#define GW_TELEMETRY_H

struct gw_daemon;

/*
 * DPDK telemetry endpoints of the daemon, read by dpdk-telemetry.py and
 * Telegraf's dpdk input over /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2:
 *
 *   /egressgw/stats     version, uptime, policy, totals
 *   /egressgw/drops     packets dropped by reason, summed over the workers;
 *                       ",N": worker N only
 *   /egressgw/workers   per worker: lcore and its main counters;
 *                       ",N": every counter of worker N
 *   /egressgw/flows     active/created/allowed/denied/expired/pending flows,
 *                       flows denied by reason
 *
 * The values come from the same builder as `gwctl stats` (the control
 * socket's "stats" command), so both always agree. Telemetry callbacks run
 * on DPDK's telemetry thread; they only hand the request to the control
 * lcore (gw_telemetry_poll), which owns the daemon state, and wait for its
 * answer, so no daemon data is ever read from a second thread.
 */

/*
 * Registers the commands (once per process: telemetry has no unregister).
 * 0, or a negative errno when telemetry is off (--no-telemetry) or a
 * registration failed.
 */
int gw_telemetry_register(struct gw_daemon *gd);

/* Serves a pending telemetry request; called by the control loop. Cheap when
 * nothing is pending (one atomic load). */
void gw_telemetry_poll(struct gw_daemon *gd);

/* Before tear-down: pending and later requests fail instead of waiting. */
void gw_telemetry_stop(void);

#endif /* GW_TELEMETRY_H */
