/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_EVE_H
#define GW_EVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "record/gw_record.h"

/*
 * EVE JSON events (Suricata's field names) built from the fixed-size flow
 * records that workers push to the control plane. One record gives at most
 * one flow event (tls/http/drop/allow/flow/flow_start) plus, for a C2
 * signature match, one alert event. The event types and every field are
 * documented in docs/gwctl.md ("EVE events").
 *
 * Names from the wire (SNI, Host, ALPN, method) are escaped with gw_escape()
 * before they reach jansson: any byte outside printable ASCII, '"' and '\\'
 * become the text \xHH, so the output is always valid JSON and a reader sees
 * exactly which bytes were on the wire.
 *
 * Everything here runs on the control-plane thread, never on a worker.
 */

/* Signature name of a C2 signature id; NULL when unknown. */
typedef const char *(*gw_eve_sig_name_fn)(uint32_t sig_id, void *arg);

struct gw_eve_ctx {
	const char *in_iface;        /* "in_iface" (LAN port name); NULL omits it */
	gw_eve_sig_name_fn sig_name; /* NULL: alerts name the signature by id */
	void *sig_arg;
};

/*
 * The name part of a flow, kept between its VERDICT record and its END
 * record (which does not carry it) by struct gw_eve_cache.
 */
struct gw_eve_name {
	uint8_t app;                    /* enum gw_app; GW_APP_NONE: nothing known */
	uint8_t ech;
	uint8_t name_len;
	uint16_t tls_version;
	uint8_t name[GW_REC_NAME_MAX];  /* raw bytes, name_len of them */
	char method[GW_REC_METHOD_MAX]; /* NUL-terminated */
	char alpn[GW_REC_ALPN_MAX];     /* NUL-terminated */
};

/* Copies the name part of a record (app, name, method, ALPN, TLS version, ECH). */
void gw_eve_name_from_record(struct gw_eve_name *n, const struct gw_record *r);

/*
 * One event for a record (new reference), NULL on allocation failure or on
 * a record that cannot be an event (unknown type, VERDICT still pending).
 *   GW_REC_START   -> "flow_start"
 *   GW_REC_VERDICT -> "tls" / "http" when the app is known, else "drop"
 *                     (deny) or "allow"
 *   GW_REC_END     -> "flow"
 * The name, app, method and ALPN come from the record itself.
 */
json_t *gw_eve_from_record(const struct gw_record *r,
			   const struct gw_eve_ctx *ctx);

/*
 * Same, but the name part comes from `name` when it is non-NULL and knows
 * the app (used for END records with the entry taken from the cache).
 */
json_t *gw_eve_from_record_name(const struct gw_record *r,
				const struct gw_eve_ctx *ctx,
				const struct gw_eve_name *name);

/*
 * The "alert" event of a C2 signature match (a denied VERDICT record with
 * reason c2_signature); NULL for any other record or on allocation failure.
 */
json_t *gw_eve_alert_from_record(const struct gw_record *r,
				 const struct gw_eve_ctx *ctx);

/*
 * EVE's spellings, shared with the console's flow rows (lib/flowview) so
 * that both say the same. Protocol: "TCP", "UDP", "ICMP", "IPv6-ICMP",
 * "SCTP", else the number written into buf (4 bytes suffice). Verdict:
 * "allow", "deny", else "pending". App: "tls", "http", else NULL.
 */
const char *gw_eve_proto_name(uint8_t proto, char *buf, size_t size);
const char *gw_eve_verdict_name(uint8_t verdict);
const char *gw_eve_app_name(uint8_t app);

/* ISO 8601 UTC with microseconds, "2026-11-22T01:02:03.123456+0000". */
#define GW_EVE_TS_LEN 32
char *gw_eve_format_ts(uint64_t ts_ns, char *buf, size_t size);

/*
 * Writes the event as one compact JSON line followed by '\n'.
 * Returns 0, GW_EINVAL (NULL arguments) or GW_EIO.
 */
int gw_eve_write(FILE *f, json_t *ev);

/*
 * Bounded name cache keyed by flow_id: fixed capacity, all memory
 * allocated by create, open addressing (linear probing with backward-shift
 * deletion, so no tombstones accumulate), and when full the oldest entry is
 * evicted to make room. Single-threaded (the control thread owns it).
 */
struct gw_eve_cache;

/* capacity >= 1; NULL on bad argument or allocation failure. */
struct gw_eve_cache *gw_eve_cache_create(uint32_t capacity);
void gw_eve_cache_free(struct gw_eve_cache *c);
/*
 * Stores (or replaces) the name of flow_id; a replaced entry becomes the
 * newest. Returns 0, 1 when the oldest entry was evicted to make room, or
 * GW_EINVAL (NULL argument).
 */
int gw_eve_cache_put(struct gw_eve_cache *c, uint64_t flow_id,
		     const struct gw_eve_name *n);
/* Moves the entry of flow_id into *out (may be NULL) and removes it:
 * 0, GW_ENOENT or GW_EINVAL. */
int gw_eve_cache_take(struct gw_eve_cache *c, uint64_t flow_id,
		      struct gw_eve_name *out);
uint32_t gw_eve_cache_count(const struct gw_eve_cache *c);
uint32_t gw_eve_cache_capacity(const struct gw_eve_cache *c);
/* Entries evicted since creation (each one is an END event without a name). */
uint64_t gw_eve_cache_evicted(const struct gw_eve_cache *c);

#endif /* GW_EVE_H */
