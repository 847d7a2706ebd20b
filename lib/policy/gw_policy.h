/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GW_POLICY_H
#define GW_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gw_addr.h"
#include "flow/gw_flow.h"
#include "match/gw_match.h"

/*
 * The policy: YAML (libyaml) -> parse -> validate -> freeze into an
 * immutable struct gw_policy, including its Hyperscan databases. Workers
 * read a snapshot through a pointer that the control plane swaps on reload;
 * nothing in it changes after gw_policy_load_*() returns.
 *
 * Every key, its type, default and range is documented in docs/policy.md.
 */

#define GW_ROLE_NAME_MAX 64
#define GW_METHOD_MAX 16
#define GW_SIG_NAME_MAX 128
#define GW_MAX_ROLES 256
#define GW_VLAN_MAX 4094

/*
 * One diagnostic: "file:line:col: message". Lines and columns are 1-based;
 * line 0 means the message is about the whole file (cannot open, too big).
 * The message starts with the dotted key path when there is one, e.g.
 * "egress_policy.roles.web: unknown key 'alow_fqdns' (did you mean
 * 'allow_fqdns'?)". Entries are sorted by position.
 */
struct gw_diag {
	unsigned int line;
	unsigned int col;
	bool warning; /* true for notes such as "not enforced" */
	char msg[256];
};

struct gw_diags {
	char file[256];
	unsigned int n;     /* entries used */
	unsigned int total; /* entries produced (may exceed the array) */
	struct gw_diag d[64];
};

/* Per-role `name_binding:` (values as in the file's word table). */
enum gw_name_binding {
	GW_NAME_BINDING_STRICT = 0, /* default */
	GW_NAME_BINDING_LOG = 1,
	GW_NAME_BINDING_OFF = 2,
};

/* Per-role `ech:`. */
enum gw_ech_mode {
	GW_ECH_BLOCK = 0,
	GW_ECH_OUTER_SNI = 1,       /* default: judged by the outer SNI */
};

/* Per-role `quic:`. */
enum gw_quic_mode {
	GW_QUIC_BLOCK = 0,          /* default */
	GW_QUIC_ALLOW = 1,
};

/* Per-role `hygiene:` entries: each `deny` (default) or `allow`. */
enum gw_hygiene_mode {
	GW_HYGIENE_DENY = 0,
	GW_HYGIENE_ALLOW = 1,
};

struct gw_hygiene {
	uint8_t no_sni;              /* ClientHello without server_name */
	uint8_t ip_literal;          /* SNI / Host is an IP address */
	uint8_t host_change;         /* HTTP Host changes on a connection */
	uint8_t non_tls_on_tls_port; /* not TLS on port 443 */
	uint8_t http_on_other_ports; /* HTTP on a name port other than 80/443 */
};

/*
 * `protocol:` names: protocols without a name on the wire, whose flows are
 * allowed only to addresses DNS bound to the role's names. Bit i of
 * gw_role.protocols is protocol i; see gw_policy_protocol_name/_port.
 */
enum gw_role_protocol {
	GW_RPROTO_SSH = 0,
	GW_RPROTO_SFTP,
	GW_RPROTO_SCP,
	GW_RPROTO_RDP,
	GW_RPROTO_MAX,
};

const char *gw_policy_protocol_name(unsigned int proto); /* NULL if unknown */
uint16_t gw_policy_protocol_port(unsigned int proto);    /* 0 if unknown */

struct gw_role {
	char name[GW_ROLE_NAME_MAX];
	unsigned int line;
	bool untagged;             /* vlans: [untagged] */
	uint16_t n_vlans;
	uint16_t *vlans;
	size_t n_fqdns;
	char **fqdns;              /* normalised; "*.x.tld" for wildcards */
	size_t n_cidrs;
	struct gw_cidr *cidrs;
	uint16_t n_ports;
	uint16_t *ports;           /* allow_ports; empty = defaults (see decide) */
	uint16_t n_methods;
	char (*methods)[GW_METHOD_MAX]; /* upper case; empty = any method */
	struct gw_match_db *fqdn_db;   /* NULL when n_fqdns == 0 */
	char *notes;               /* `notes:` text (informational), or NULL */
	uint8_t name_binding;      /* enum gw_name_binding, default strict */
	uint8_t ech;               /* enum gw_ech_mode, default outer_sni */
	uint8_t quic;              /* enum gw_quic_mode, default block */
	struct gw_hygiene hygiene; /* default: every entry deny */
	uint32_t protocols;        /* bit per enum gw_role_protocol; 0 none */
	/*
	 * TCP ports whose flows are checked against DNS bindings of the
	 * role's names (GW_ACT_NEED_BINDING): with `protocol:`, allow_ports
	 * other than 443 and 80 when allow_ports is set, else the protocols'
	 * ports. Sorted, unique; empty without `protocol:` or allow_fqdns.
	 */
	uint16_t n_bind_ports;
	uint16_t *bind_ports;
};

enum gw_severity { GW_SEV_HIGH = 1, GW_SEV_MEDIUM = 2, GW_SEV_LOW = 3 };

struct gw_c2_sig {
	uint32_t id;
	uint8_t severity;          /* 1 high .. 3 low (Suricata's scale) */
	char name[GW_SIG_NAME_MAX];
	char *pattern;
	unsigned int line;
};

/* `gateway.mode`. */
enum gw_mode {
	GW_MODE_BRIDGE = 0,          /* default: transparent bridge between LAN and WAN */
	GW_MODE_NAT = 1,             /* the DMZ's router: per-VLAN gateway, SNAT on the WAN */
};

/*
 * An interface address as written, "10.10.0.1/24": the gateway's own
 * address and its subnet. set is false when the key was absent.
 */
struct gw_ifaddr {
	struct gw_addr addr;         /* the gateway's address */
	struct gw_cidr net;          /* its subnet, host bits clear (mapped space) */
	uint8_t plen;                /* prefix length as written (0..32 / 0..128) */
	bool set;
};

/* Most SNAT pool addresses and fewest pool ports (per address). */
#define GW_NAT_POOL_MAX 4096
#define GW_NAT_PORTS_MIN 64

/* `gateway.nat.lan.vlans[]`: the gateway's address on one LAN VLAN. */
struct gw_nat_vlan {
	uint16_t vlan;               /* 1..4094 */
	struct gw_ifaddr addr;       /* IPv4, required */
	struct gw_ifaddr addr6;      /* IPv6, optional (routed, not translated) */
	unsigned int line;
};

/* `gateway.nat.wan`. */
struct gw_nat_wan {
	struct gw_ifaddr addr;       /* IPv4, required in nat mode */
	struct gw_addr next_hop;     /* IPv4, inside addr's subnet */
	bool next_hop_set;
	struct gw_ifaddr addr6;      /* IPv6, optional; requires next_hop6 */
	struct gw_addr next_hop6;    /* in addr6's subnet or link-local */
	bool next_hop6_set;
};

/* `gateway.nat.pool`: IPv4 source addresses and ports for SNAT. */
struct gw_nat_pool {
	uint32_t n_addrs;
	struct gw_addr *addrs;       /* IPv4, sorted, unique, at most GW_NAT_POOL_MAX */
	uint16_t port_lo;            /* default 1024 */
	uint16_t port_hi;            /* default 65535; hi - lo + 1 >= GW_NAT_PORTS_MIN */
};

/* `gateway.nat.timeouts`: mapping timers (RFC 4787 / RFC 5382), in ns. */
struct gw_nat_timeouts {
	uint64_t tcp_established;    /* default 7440 s (2 h 4 min) */
	uint64_t tcp_transitory;     /* default 240 s */
	uint64_t udp;                /* default 300 s */
	uint64_t icmp;               /* default 60 s */
};

/* `gateway.nat.neighbours`: ARP / ND cache of each port. */
struct gw_nat_neigh {
	uint32_t capacity;           /* default 4096 */
	uint32_t reachable_s;        /* default 300 */
	uint16_t queue_per_entry;    /* packets held per unresolved entry, default 4 */
	uint32_t queue_total;        /* packets held in all, default 1024 */
};

/* `gateway.nat` (only with mode: nat; zero in bridge mode). */
struct gw_nat_cfg {
	uint16_t n_vlans;
	struct gw_nat_vlan *vlans;   /* sorted by VLAN id; see gw_policy_nat_vlan() */
	struct gw_nat_wan wan;
	struct gw_nat_pool pool;
	uint32_t mappings;           /* per worker, default 65536 */
	struct gw_nat_timeouts timeouts;
	struct gw_nat_neigh neigh;
};

/* `gateway.evidence`: packet captures of flagged hosts (pcapng). */
struct gw_evidence_cfg {
	char dir[256];               /* default "/var/lib/egressgw/evidence" */
	uint32_t window_s;           /* default 300 */
	uint64_t max_bytes;          /* per file, default 100 MiB */
	uint64_t total_max_bytes;    /* the folder, default 1 GiB */
	bool on_c2;                  /* default true */
	bool on_quarantine;          /* default true */
};

/* `gateway.reload`. */
struct gw_reload_cfg {
	bool reset_revoked;          /* default true */
};

/* Gateway settings: top-level `gateway:` section (all optional). */
struct gw_gateway_cfg {
	uint32_t flow_capacity;      /* per worker, default 262144 */
	uint32_t pending_capacity;   /* pending (held) flows per worker, default 4096 */
	uint32_t reasm_max_bytes;    /* default 16384 */
	uint16_t reasm_max_segs;     /* default 16 */
	uint64_t reasm_timeout_ns;   /* default 2 s */
	uint32_t bind_capacity;      /* names in each worker's binding table, default 65536 */
	uint16_t bind_addrs_per_name;/* default 16 */
	uint32_t bind_grace_s;       /* kept past the answer's TTL, default 60 */
	uint64_t verify_timeout_ns;  /* live verification of a missing binding, default 2 s */
	struct gw_flow_timeouts timeouts;
	uint32_t ring_size;          /* record ring per worker, default 16384 */
	char eve_path[256];          /* default "/var/log/egressgw/eve.json" */
	char ctl_socket[108];        /* default "/run/egressgw/egressgw.sock" */
	bool drop_fragments;         /* default true (only true is supported) */
	uint8_t mode;                /* enum gw_mode, default bridge */
	struct gw_nat_cfg nat;       /* mode nat only */
	struct gw_evidence_cfg evidence;
	struct gw_reload_cfg reload;
};

/*
 * `monitoring:` settings of the control plane's metrics and behavioural
 * alerts (docs/metrics.md). `required_metrics` is accepted, not enforced.
 */
struct gw_monitoring_cfg {
	uint32_t stats_interval_s;   /* default 60, 1..86400 */
	double drift_sigma;          /* default 3.0, 1..100 */
	double drift_alpha;          /* default 0.05, 0.001..1 */
	uint32_t drift_min_minutes;  /* default 30 */
	uint32_t beacon_min_count;   /* default 6, 3..1000 */
	double beacon_max_jitter;    /* default 0.1, 0..1 */
	uint32_t beacon_max_bytes;   /* default 65536 */
	bool new_destination_alerts; /* default true */
	uint32_t max_hosts;          /* default 65536 */
	uint32_t max_destinations;   /* default 65536 */
	uint32_t max_pairs;          /* default 65536 */
	uint32_t update_interval_s;  /* default 60, 1..3600 */
};

/* `egress_policy.dns.block_encrypted` bits. */
#define GW_DNS_BLOCK_DOH 0x01
#define GW_DNS_BLOCK_DOT 0x02
#define GW_DNS_BLOCK_DOQ 0x04

/* A name of `dns.allow`, resolved when the policy was loaded. */
struct gw_dns_name {
	char *name;                  /* normalised */
	unsigned int line;
	uint16_t n_addrs;            /* addresses it gave (0: matches nothing) */
	int error;                   /* resolver's error (< 0), or 0 */
};

/* Most addresses taken from one dns.allow name. */
#define GW_DNS_RESOLVE_MAX 16

/* `egress_policy.dns` (global: applies to every role). */
struct gw_dns_policy {
	bool restricted;             /* dns.allow given: port 53 only to resolvers */
	size_t n_resolvers;
	struct gw_addr *resolvers;   /* addresses + resolved names; sorted, unique */
	size_t n_names;
	struct gw_dns_name *names;   /* dns.allow names, in file order */
	uint8_t block_encrypted;     /* GW_DNS_BLOCK_* */
	char doh_providers[256];     /* extra DoH list file as written, "" none */
	size_t n_doh_extra;          /* names read from that file */
	/* DoH endpoint names (built-in + extra), sorted, unique; only when DoH is blocked. */
	size_t n_doh;
	char **doh_names;
	struct gw_match_db *doh_db;  /* NULL unless DoH is blocked */
};

/* The built-in DoH provider list (config/doh-providers.txt, embedded at build time). */
extern const char *const gw_policy_doh_builtin[];
extern const size_t gw_policy_doh_builtin_count;

/* A key that was accepted but that this version does not act on. */
struct gw_unenforced {
	char path[128];              /* e.g. "egress_policy.dns" */
	unsigned int line;
	unsigned int col;
};

struct gw_policy {
	char source[256];            /* file name or "<string>" */
	uint64_t version;            /* set by the caller that publishes it */
	size_t n_roles;
	struct gw_role *roles;
	int16_t vlan_role[GW_VLAN_MAX + 1]; /* role index by VID, -1 none */
	int16_t untagged_role;       /* -1 none */
	size_t n_sigs;
	struct gw_c2_sig *sigs;
	struct gw_match_db *c2_db;   /* NULL when no signatures */
	struct gw_gateway_cfg gw;
	struct gw_monitoring_cfg mon;
	struct gw_dns_policy dns;
	size_t n_unenforced;
	struct gw_unenforced *unenforced;
};

/*
 * Loaders. On success return 0 and *out; on error return GW_ECONFIG (or
 * GW_EIO/GW_ENOMEM) with diags filled, *out NULL. Warnings (unenforced
 * keys) are also put in diags on success. diags may be NULL.
 */
int gw_policy_load_file(const char *path, struct gw_policy **out,
			struct gw_diags *diags);
int gw_policy_load_string(const char *buf, size_t len, const char *name,
			  struct gw_policy **out, struct gw_diags *diags);

/*
 * Load options. resolve, when set, is called once per `dns.allow` name
 * (normalised, NUL-terminated) after the file validated without errors;
 * it writes up to max addresses into out and returns how many (0 when the
 * name has none) or a negative GW_E* error. A name that gives no address
 * (or any name, without a resolver) is a warning "dns.allow: NAME did not
 * resolve; it matches nothing". The plain loaders are these with no
 * resolver. A relative `dns.doh_providers` path is taken from the policy
 * file's folder (_file) or the current directory (_string).
 */
struct gw_policy_load_opts {
	int (*resolve)(const char *name, struct gw_addr *out, size_t max,
		       void *arg);
	void *arg;
};

int gw_policy_load_file_opts(const char *path, struct gw_policy **out,
			     struct gw_diags *diags,
			     const struct gw_policy_load_opts *opts);
int gw_policy_load_string_opts(const char *buf, size_t len, const char *name,
			       struct gw_policy **out, struct gw_diags *diags,
			       const struct gw_policy_load_opts *opts);
void gw_policy_free(struct gw_policy *p);

/* nat mode: the LAN entry of a VLAN (binary search), NULL when none. */
const struct gw_nat_vlan *gw_policy_nat_vlan(const struct gw_policy *p,
					     uint16_t vid);
/* The role of name, NULL when none. */
const struct gw_role *gw_policy_role_by_name(const struct gw_policy *p,
					     const char *name);

/* Role of a VLAN (GW_VLAN_NONE for untagged), NULL when none. */
const struct gw_role *gw_policy_role_for_vlan(const struct gw_policy *p,
					      uint16_t vid);
int gw_policy_role_index(const struct gw_policy *p, const struct gw_role *r);

/* Grows *scratch to serve every database of the policy. 0 or GW_ENOMEM. */
int gw_policy_scratch_grow(const struct gw_policy *p,
			   struct gw_match_scratch **scratch);

/* ---- decisions ---- */

enum gw_action {
	GW_ACT_DENY = 0,    /* default */
	GW_ACT_ALLOW,
	GW_ACT_NEED_NAME,   /* decide when the TLS SNI / HTTP Host is known */
	/*
	 * A protocol without a name on the wire (role `protocol:`), or QUIC
	 * with `quic: allow`: allowed only when DNS bound the destination to
	 * a name that gw_policy_role_name_allowed() accepts; d->bind says how
	 * (STRICT: else deny name_ip_mismatch / dns_verify_timeout; LOG:
	 * allow and log).
	 */
	GW_ACT_NEED_BINDING,
};

/*
 * What the first client bytes of a NEED_NAME flow must be. Bytes that are
 * none of the bits are denied not_tls / not_http / not_tls_or_http.
 */
enum gw_need {
	GW_NEED_TLS = 1,    /* 443; other name ports unless hygiene allows HTTP there */
	GW_NEED_HTTP = 2,   /* 80 */
	GW_NEED_EITHER = 3, /* TLS or HTTP: other name ports with http_on_other_ports:
			       allow, 443 with non_tls_on_tls_port: allow */
};

enum gw_rule_kind {
	GW_RULE_NONE = 0,
	GW_RULE_CIDR,       /* rule_index into role->cidrs */
	GW_RULE_FQDN,       /* rule_index into role->fqdns */
	GW_RULE_C2,         /* rule_index into policy->sigs */
	GW_RULE_DNS,        /* rule_index into policy->dns.resolvers */
	GW_RULE_DOH,        /* rule_index into policy->dns.doh_names */
};

/* Whether the worker must check the name against DNS bindings. */
enum gw_bind {
	GW_BIND_OFF = 0,    /* no check */
	GW_BIND_STRICT = 1, /* not bound: deny name_ip_mismatch (or dns_verify_timeout) */
	GW_BIND_LOG = 2,    /* not bound: allow, log the mismatch */
};

struct gw_decision {
	uint8_t action;     /* enum gw_action */
	uint8_t need;       /* enum gw_need when NEED_NAME */
	uint8_t reason;     /* enum gw_reason when DENY */
	uint8_t rule_kind;  /* enum gw_rule_kind */
	int32_t rule_index; /* -1 none */
	uint8_t bind;       /* enum gw_bind: ALLOW from a name, NEED_BINDING */
};

/*
 * First decision, at the flow's first packet, on L3/L4 only.
 * role == NULL -> deny unknown_vlan. Order: DNS (port 53 with dns.allow),
 * DoT / DoQ (853), CIDR rules, QUIC (UDP 443), binding ports, name ports,
 * deny (docs/policy.md, "Decision order").
 */
void gw_policy_decide_l4(const struct gw_policy *p, const struct gw_role *role,
			 const struct gw_addr *dst, uint8_t proto,
			 uint16_t dport, struct gw_decision *d);

enum gw_app { GW_APP_NONE = 0, GW_APP_TLS = 1, GW_APP_HTTP = 2 };

/* Facts about the hello / request besides its name (flags argument). */
#define GW_NAME_ECH 0x01          /* TLS: the ClientHello has ECH (0xfe0d) */
#define GW_NAME_HOST_CHANGED 0x02 /* HTTP: Host differs from an earlier request
				     on the same connection */

/*
 * Decision on the name (after NEED_NAME). name is the raw SNI or Host as
 * parsed (Host already stripped of its port); it is normalised here.
 * method is the HTTP method (NULL/0 for TLS). name_len == 0 means the
 * ClientHello had no SNI / the request had no Host. flags: GW_NAME_*.
 * Order: host_changed, no name (no_sni, or allowed by hygiene), ip_literal,
 * c2_signature, doh, ech_blocked, fqdn allowlist, HTTP method. An ALLOW
 * from the allowlist carries d->bind from the role's name_binding: the
 * worker then checks that DNS bound the destination to this name.
 */
void gw_policy_decide_name_flags(const struct gw_policy *p,
				 const struct gw_role *role,
				 struct gw_match_scratch *scratch,
				 enum gw_app app, const uint8_t *name,
				 size_t name_len, const char *method,
				 size_t method_len, unsigned int flags,
				 struct gw_decision *d);

/* gw_policy_decide_name_flags() with flags 0 (no ECH, Host unchanged). */
void gw_policy_decide_name(const struct gw_policy *p, const struct gw_role *role,
			   struct gw_match_scratch *scratch, enum gw_app app,
			   const uint8_t *name, size_t name_len,
			   const char *method, size_t method_len,
			   struct gw_decision *d);

/*
 * For NEED_BINDING: is a name that DNS bound to the destination allowed
 * for the role? name is as the DNS answer gave it (normalised here).
 * Returns the index of the matching allow_fqdns entry (>= 0),
 * GW_MATCH_NONE (-1) when not allowed (not in the allowlist, not a valid
 * name, or it matches a C2 signature or, with DoH blocked, the DoH list:
 * those win here as in decide_name), or a negative GW_E* below -1 when
 * it could not be scanned (scratch NULL: GW_EINVAL).
 */
int gw_policy_role_name_allowed(const struct gw_policy *p,
				const struct gw_role *role,
				struct gw_match_scratch *scratch,
				const uint8_t *name, size_t len);

/* hygiene.host_change is deny (true also for role == NULL). */
bool gw_policy_host_change_denied(const struct gw_role *role);

/*
 * Index of addr in policy->dns.resolvers (binary search), or -1. An
 * answer from a resolver is one the binding table may learn from.
 */
int gw_policy_resolver_index(const struct gw_policy *p,
			     const struct gw_addr *addr);

/*
 * Text summary for `egressgw check` (roles, VLANs, rule counts, DNS
 * policy, per-role checks, unenforced keys). Returns the length written
 * (without the NUL), GW_ENOSPC when buf was too small (buf then holds a
 * NUL-terminated prefix) or GW_EINVAL.
 */
int gw_policy_summary(const struct gw_policy *p, char *buf, size_t size);

/* ---- reload dry run and explanations (control plane) ---- */

struct json_t; /* jansson's json_t */

/*
 * What changes from old to new, for `gwctl reload --dry-run`:
 * {"roles":{"added":[names],"removed":[names],"changed":[{"role":"web",
 *   "fqdns_added":[..],"fqdns_removed":[..],"cidrs_added":[..],
 *   "cidrs_removed":[..],"ports_added":[..],"ports_removed":[..],
 *   "methods_added":[..],"methods_removed":[..],"protocols_added":[..],
 *   "protocols_removed":[..],"vlans_added":[..],"vlans_removed":[..],
 *   "settings":["name_binding: strict -> log", ...]}]},
 *  "vlans":{"added":[{"vlan":10,"role":"web"}],"removed":[..],
 *   "changed":[{"vlan":10,"old":"web","new":"app"}]},   (vlan 0: untagged)
 *  "dns":{"resolvers_added":[..],"resolvers_removed":[..],
 *   "names_added":[..],"names_removed":[..],"settings":[..]},
 *  "signatures":{"added":[ids],"removed":[ids],"changed":[ids]},
 *  "gateway":["gateway.x: old -> new", "monitoring.y: old -> new", ...],
 *  "restart_required":["gateway.flow_capacity", ...],
 *  "identical": bool}
 * Every member is always present. restart_required lists the changed
 * keys that a reload does not apply (keyword tables without KW_RELOAD).
 * Returns a new reference, NULL on a NULL argument or no memory.
 */
struct json_t *gw_policy_diff(const struct gw_policy *old_p,
			      const struct gw_policy *new_p);

/*
 * A flow summary to re-decide without packets (`gwctl why`, `gwctl
 * check`). The role is role_name when it is set, else the role of vlan.
 * dst may be absent (has_dst false: `check ROLE NAME PORT`); when it is
 * absent and name is an IP address, that address is the destination and
 * there is no name. app GW_APP_NONE means "what the port expects".
 */
struct gw_explain_query {
	const char *role_name;       /* NULL or "": use vlan */
	uint16_t vlan;               /* GW_VLAN_NONE: untagged */
	uint8_t proto;               /* GW_PROTO_TCP, ... */
	bool has_dst;
	struct gw_addr dst;
	uint16_t dport;
	uint8_t app;                 /* enum gw_app */
	const char *name;            /* SNI / Host / bound name; may be NULL */
	size_t name_len;
	const char *method;          /* HTTP method, NULL: any allowed one */
	size_t method_len;
	unsigned int flags;          /* GW_NAME_* (ECH, Host changed) */
};

#define GW_EXPLAIN_TEXT_MAX 512

struct gw_explain {
	const struct gw_role *role;  /* NULL: no role (deny unknown_vlan) */
	struct gw_decision l4;       /* gw_policy_decide_l4 */
	bool name_decided;           /* decide_name or role_name_allowed ran */
	struct gw_decision name;     /* its decision */
	/*
	 * The decision the worker would reach for a new flow. action is
	 * NEED_NAME / NEED_BINDING only when no name was given to decide on.
	 */
	struct gw_decision final;
	/* ALLOW holds only if DNS bound the destination to the name. */
	bool binding_required;
	char rule[GW_EXPLAIN_TEXT_MAX]; /* "allow_fqdns[0] updates.vendor.tld", "" none */
	char text[GW_EXPLAIN_TEXT_MAX]; /* one sentence for the operator */
};

/*
 * Re-decides q with the worker's own functions (decide_l4, decide_name,
 * role_name_allowed). scratch may be NULL: one is made and freed here.
 * Returns 0, GW_ENOENT (role_name names no role), GW_EINVAL or GW_ENOMEM.
 */
int gw_policy_explain(const struct gw_policy *p,
		      struct gw_match_scratch *scratch,
		      const struct gw_explain_query *q, struct gw_explain *out);

/*
 * {"verdict":"allow|deny|need_name|need_binding","reason":"..."|null,
 *  "rule":"..."|null,"rule_kind":"none|cidr|fqdn|c2|dns|doh",
 *  "rule_index":n,"role":"..."|null,"text":"...",
 *  "binding_required":bool,"bind":"off|strict|log",
 *  "l4":{"action":..,"reason":..},"name":{...}|null}
 * NULL on no memory or a NULL argument.
 */
struct json_t *gw_policy_explain_json(const struct gw_policy *p,
				      const struct gw_explain *e);

#endif /* GW_POLICY_H */
