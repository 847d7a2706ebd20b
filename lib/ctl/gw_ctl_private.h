/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_CTL_PRIVATE_H
#define GW_CTL_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Internal to lib/ctl: shared by the protocol, server and client files. */

/* A JSON string of s; bytes jansson refuses are escaped (\xHH). */
json_t *gw_ctl_string(const char *s);

/* {"ok":false,"error":msg}\n, malloc'd; NULL on allocation failure. */
char *gw_ctl_error_line(const char *msg, size_t *out_len);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t gw_ctl_now_ms(void);

#endif /* GW_CTL_PRIVATE_H */
