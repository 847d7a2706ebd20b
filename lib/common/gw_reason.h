/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_REASON_H
#define GW_REASON_H

#include <stdint.h>

/*
 * Every drop and every deny has exactly one reason from this table. The
 * X-macro generates the enum, the name strings (used in EVE events, gwctl,
 * telemetry and replay summaries) and sizes the per-worker counter arrays
 * (VPP's error counters). Names are stable API: never rename, only append.
 *
 * Later issues append their reasons (dns_not_allowed, dot, doh, doq,
 * name_ip_mismatch, nat_exhausted, quarantined, ...) here.
 */
#define GW_REASON_MAP(X)                                                       \
	X(UNCLASSIFIED, "unclassified",                                        \
	  "no rule decided the flow (default deny)")                           \
	X(FQDN_NOT_ALLOWED, "fqdn_not_allowed",                                \
	  "name not in the role's allow_fqdns")                                \
	X(C2_SIGNATURE, "c2_signature", "name matched a C2 signature")         \
	X(NO_SNI, "no_sni", "TLS ClientHello without server_name")             \
	X(IP_LITERAL, "ip_literal", "SNI or Host is an IP address literal")    \
	X(NOT_TLS, "not_tls", "payload on a TLS port is not a ClientHello")    \
	X(NOT_HTTP, "not_http", "payload on an HTTP port is not HTTP/1.x")     \
	X(NOT_TLS_OR_HTTP, "not_tls_or_http",                                  \
	  "payload on a name-checked port is neither TLS nor HTTP")            \
	X(METHOD_NOT_ALLOWED, "method_not_allowed",                            \
	  "HTTP method not in the role's allow_methods")                       \
	X(CIDR_NOT_ALLOWED, "cidr_not_allowed",                                \
	  "destination address not in the role's allow_cidrs")                 \
	X(PORT_NOT_ALLOWED, "port_not_allowed",                                \
	  "destination port not allowed for the role")                         \
	X(UNKNOWN_VLAN, "unknown_vlan", "VLAN not mapped to any role")         \
	X(REASSEMBLY_LIMIT, "reassembly_limit",                                \
	  "ClientHello/request head beyond the reassembly bound")              \
	X(FLOW_TABLE_FULL, "flow_table_full", "flow table at capacity")        \
	X(FRAGMENT, "fragment", "IP fragment (fragments are not reassembled)") \
	X(MALFORMED, "malformed", "truncated or malformed header")             \
	X(NON_IP, "non_ip", "frame is neither IP, ARP nor IPv6 ND")            \
	X(WAN_INITIATED, "wan_initiated",                                      \
	  "flow opened from the WAN side (egress gateway)")                    \
	X(TCP_NO_SYN, "tcp_no_syn",                                            \
	  "TCP segment of a flow the gateway never saw open")                  \
	X(TCP_INVALID, "tcp_invalid", "invalid TCP flag combination")          \
	X(FLOW_DENIED, "flow_denied",                                          \
	  "packet of a flow already denied")                                   \
	X(STREAM_CONFLICT, "stream_conflict",                                  \
	  "overlapping segments carry different bytes (evasion attempt)")     \
	X(HELD_DUPLICATE, "held_duplicate",                                    \
	  "retransmission of a segment already held")                         \
	X(NO_MBUF, "no_mbuf", "no mbuf to build a reset or copy a packet")     \
	X(TX_FULL, "tx_full", "transmit queue refused the packet")             \
	X(DNS_NOT_ALLOWED, "dns_not_allowed",                                  \
	  "DNS (port 53) to a resolver not in dns.allow")                      \
	X(DOT, "dot", "DNS over TLS (TCP 853), dns.block_encrypted")          \
	X(DOQ, "doq", "DNS over QUIC (UDP 853), dns.block_encrypted")         \
	X(DOH, "doh", "TLS/HTTP to a known DNS-over-HTTPS endpoint")           \
	X(NAME_IP_MISMATCH, "name_ip_mismatch",                                \
	  "destination is not an address DNS gave for the name")               \
	X(DNS_VERIFY_TIMEOUT, "dns_verify_timeout",                            \
	  "the name's addresses could not be verified in time")                \
	X(ECH_BLOCKED, "ech_blocked",                                          \
	  "ClientHello with Encrypted Client Hello (role ech: block)")         \
	X(QUIC_BLOCKED, "quic_blocked", "QUIC (UDP 443) blocked for the role") \
	X(HOST_CHANGED, "host_changed",                                        \
	  "HTTP Host differs from an earlier request on the connection")       \
	X(QUARANTINED, "quarantined",                                          \
	  "source host is quarantined (gwctl quarantine)")                     \
	X(POLICY_REVOKED, "policy_revoked",                                    \
	  "a reloaded policy no longer allows the established flow")           \
	X(NAT_EXHAUSTED, "nat_exhausted", "no free SNAT pool address/port")    \
	X(TTL_EXCEEDED, "ttl_exceeded",                                        \
	  "TTL / hop limit expired at the gateway (nat mode)")                 \
	X(NO_ROUTE, "no_route",                                                \
	  "nat mode: destination on no LAN VLAN and no WAN next hop")          \
	X(NEIGH_QUEUE_FULL, "neigh_queue_full",                                \
	  "nat mode: queue of packets awaiting ARP/ND resolution is full")     \
	X(NEIGH_UNRESOLVED, "neigh_unresolved",                                \
	  "nat mode: the next hop did not answer ARP/ND in time")              \
	X(NAT_NO_MAPPING, "nat_no_mapping",                                    \
	  "nat mode: WAN packet to a pool address/port with no mapping")       \
	X(NOT_FOR_US, "not_for_us",                                            \
	  "nat mode: L2/L3 traffic addressed to neither the gateway nor a route") \
	X(INSPECT_FULL, "inspect_full",                                        \
	  "no free state to check later requests of a kept-alive connection")  \
	X(INSPECT_GAP, "inspect_gap",                                          \
	  "segment beyond a hole of an inspected stream (retransmitted later)") \
	X(BAD_SOURCE, "bad_source",                                            \
	  "nat mode: source address not on the subnet of its VLAN")           \
	X(HANDOFF_FULL, "handoff_full",                                        \
	  "nat mode: the ring to the worker owning the mapping is full")

enum gw_reason {
#define GW_REASON_ENUM(sym, name, desc) GW_REASON_##sym,
	GW_REASON_MAP(GW_REASON_ENUM)
#undef GW_REASON_ENUM
	GW_REASON_MAX
};

/* "fqdn_not_allowed" etc.; "unknown" for out-of-range values. */
const char *gw_reason_name(unsigned int reason);
/* One-line description for operators. */
const char *gw_reason_desc(unsigned int reason);
/* Reverse lookup; returns -1 when the name is unknown. */
int gw_reason_from_name(const char *name);

#endif /* GW_REASON_H */
