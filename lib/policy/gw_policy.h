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
};

enum gw_severity { GW_SEV_HIGH = 1, GW_SEV_MEDIUM = 2, GW_SEV_LOW = 3 };

struct gw_c2_sig {
	uint32_t id;
	uint8_t severity;          /* 1 high .. 3 low (Suricata's scale) */
	char name[GW_SIG_NAME_MAX];
	char *pattern;
	unsigned int line;
};

/* Gateway settings: top-level `gateway:` section (all optional). */
struct gw_gateway_cfg {
	uint32_t flow_capacity;      /* per worker, default 262144 */
	uint32_t pending_capacity;   /* pending (held) flows per worker, default 4096 */
	uint32_t reasm_max_bytes;    /* default 16384 */
	uint16_t reasm_max_segs;     /* default 16 */
	uint64_t reasm_timeout_ns;   /* default 2 s */
	struct gw_flow_timeouts timeouts;
	uint32_t ring_size;          /* record ring per worker, default 16384 */
	char eve_path[256];          /* default "/var/log/egressgw/eve.json" */
	char ctl_socket[108];        /* default "/run/egressgw/egressgw.sock" */
	bool drop_fragments;         /* default true (only true is supported) */
};

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
void gw_policy_free(struct gw_policy *p);

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
};

enum gw_need {
	GW_NEED_TLS = 1,    /* port expects TLS (443 by default) */
	GW_NEED_HTTP = 2,   /* port expects HTTP (80 by default) */
	GW_NEED_EITHER = 3, /* other allow_ports port: TLS or HTTP */
};

enum gw_rule_kind {
	GW_RULE_NONE = 0,
	GW_RULE_CIDR,       /* rule_index into role->cidrs */
	GW_RULE_FQDN,       /* rule_index into role->fqdns */
	GW_RULE_C2,         /* rule_index into policy->sigs */
};

struct gw_decision {
	uint8_t action;     /* enum gw_action */
	uint8_t need;       /* enum gw_need when NEED_NAME */
	uint8_t reason;     /* enum gw_reason when DENY */
	uint8_t rule_kind;  /* enum gw_rule_kind */
	int32_t rule_index; /* -1 none */
};

/*
 * First decision, at the flow's first packet, on L3/L4 only.
 * role == NULL -> deny unknown_vlan.
 */
void gw_policy_decide_l4(const struct gw_policy *p, const struct gw_role *role,
			 const struct gw_addr *dst, uint8_t proto,
			 uint16_t dport, struct gw_decision *d);

enum gw_app { GW_APP_NONE = 0, GW_APP_TLS = 1, GW_APP_HTTP = 2 };

/*
 * Decision on the name (after NEED_NAME). name is the raw SNI or Host as
 * parsed (Host already stripped of its port); it is normalised here.
 * method is the HTTP method (NULL/0 for TLS). name_len == 0 means the
 * ClientHello had no SNI (reason no_sni) / the request had no Host.
 * Order: ip_literal, c2_signature, fqdn allowlist, HTTP method.
 */
void gw_policy_decide_name(const struct gw_policy *p, const struct gw_role *role,
			   struct gw_match_scratch *scratch, enum gw_app app,
			   const uint8_t *name, size_t name_len,
			   const char *method, size_t method_len,
			   struct gw_decision *d);

/*
 * Text summary for `egressgw check` (roles, VLANs, rule counts, unenforced
 * keys). Returns the length written (without the NUL), GW_ENOSPC when buf
 * was too small (buf then holds a NUL-terminated prefix) or GW_EINVAL.
 */
int gw_policy_summary(const struct gw_policy *p, char *buf, size_t size);

#endif /* GW_POLICY_H */
