#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""check.py: judges egressgw replay results against expected.tsv.

  check.py --captures DIR --results DIR --expected expected.tsv
           [--oracle DIR/oracle.tsv] [--no-chromium]

For every capture DIR/X.pcap, the results dir holds what run.sh got from
`egressgw replay`: X.out.pcap (frames the gateway would transmit),
X.eve.json (EVE lines) and X.summary.json (--summary-json). Prints one
line per check, "ok ..." or "FAIL ...", and "SKIP ..." for checks that do
not apply on this machine. Exit status 1 when anything failed.

Checks:
  eve      each row of expected.tsv: the EVE flows to that destination have
           the expected verdict, reason and name; no EVE flow is left
           without an expectation
  oracle   real-client captures (listed in oracle.tsv): the set of names in
           the EVE events equals the names tshark finds in the capture;
           crafted captures: tshark finds each expected name (checks the
           ClientHello / request encoder itself)
  output   denied TCP flows: no client payload byte in the output, a RST
           towards the client, and a RST towards the server when the
           handshake reached it; allowed TCP flows: every client and server
           payload byte is in the output; UDP: datagrams present / absent
           as the verdict says; packet drops: no such packet in the output
           and the summary counts them
"""

import argparse
import glob
import ipaddress
import json
import os
import subprocess
import sys

PASS = 0
FAIL = 0
# Reasons decided on the first packet (before any name is known).
L4_REASONS = {"unknown_vlan", "cidr_not_allowed", "port_not_allowed"}


def ok(msg):
    global PASS
    PASS += 1
    print("ok " + msg)


def fail(msg, *detail):
    global FAIL
    FAIL += 1
    print("FAIL " + msg)
    for d in detail:
        print("#   " + str(d))


def check(cond, msg, *detail):
    if cond:
        ok(msg)
    else:
        fail(msg, *detail)


def norm_ip(s):
    return str(ipaddress.ip_address(s))


# ---- expected.tsv ---------------------------------------------------------


class Row:
    def __init__(self, cap, flow, verdict, reason, name, line):
        self.cap, self.flow, self.verdict = cap, flow, verdict
        self.reason, self.name, self.line = reason, name, line
        sel, _, proto = flow.partition("/")
        if not proto:
            raise ValueError("flow '%s' has no /proto" % flow)
        self.proto = proto
        if sel.startswith("["):
            ip, _, rest = sel[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else None
        elif sel.count(":") == 1:
            ip, port = sel.split(":")
        else:
            ip, port = sel, None
        self.ip = norm_ip(ip)
        self.port = int(port) if port else None
        if verdict not in ("allow", "deny", "drop"):
            raise ValueError("verdict '%s'" % verdict)

    def matches(self, ip, port, proto):
        return (ip == self.ip and proto == self.proto and
                (self.port is None or port == self.port))

    def __str__(self):
        return "%s %s %s%s%s" % (self.cap, self.flow, self.verdict,
                                 "" if self.reason == "-" else " " + self.reason,
                                 "" if self.name in ("-", "*") else " " + self.name)


def load_expected(path):
    rows = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 5:
                raise SystemExit("%s:%d: expected 5 tab-separated columns" % (path, n))
            try:
                r = Row(*parts, line=n)
            except ValueError as e:
                raise SystemExit("%s:%d: %s" % (path, n, e))
            rows.setdefault(r.cap, []).append(r)
    return rows


def load_oracle(path):
    out = {}
    if not path or not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cap, names = line.rstrip("\n").split("\t")
            out[cap] = set() if names == "-" else set(names.split(","))
    return out


# ---- EVE ------------------------------------------------------------------


class EveFlow:
    def __init__(self):
        self.events = []
        self.verdicts, self.reasons, self.names = set(), set(), set()
        self.dest = None

    def add(self, e):
        self.events.append(e)
        gw = e.get("gw") or {}
        if "verdict" in gw:
            self.verdicts.add(gw["verdict"])
        if "reason" in gw:
            self.reasons.add(gw["reason"])
        for app, key in (("tls", "sni"), ("http", "hostname")):
            v = (e.get(app) or {}).get(key)
            if v:
                self.names.add(v)
        if self.dest is None and "dest_ip" in e:
            self.dest = (norm_ip(e["dest_ip"]), e.get("dest_port"),
                         str(e.get("proto", "")).lower())

    def describe(self):
        return "dest=%s verdicts=%s reasons=%s names=%s types=%s" % (
            self.dest, sorted(self.verdicts), sorted(self.reasons),
            sorted(self.names), [e.get("event_type") for e in self.events])


def load_eve(path):
    flows = {}
    bad = []
    if not os.path.exists(path):
        return flows, ["no EVE file"]
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                e = json.loads(line)
            except ValueError as ex:
                bad.append("line %d: %s" % (n, ex))
                continue
            key = e.get("flow_id")
            if key is None:
                key = (e.get("src_ip"), e.get("src_port"), e.get("dest_ip"),
                       e.get("dest_port"), e.get("proto"))
            flows.setdefault(key, EveFlow()).add(e)
    return flows, bad


# ---- packets (tshark) -----------------------------------------------------

FIELDS = ["frame.number", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
          "ip.proto", "ipv6.nxt", "tcp.srcport", "tcp.dstport",
          "udp.srcport", "udp.dstport", "tcp.seq_raw", "tcp.flags.syn",
          "tcp.flags.reset", "tcp.len", "tcp.payload", "udp.length",
          "ip.flags.mf", "ip.frag_offset", "ip.id", "frame.time_epoch",
          "tcp.ack_raw", "tcp.flags.ack", "tcp.flags.fin"]


class Pkt:
    pass


def tshark_packets(pcap):
    cmd = ["tshark", "-n", "-r", pcap,
           "-o", "tcp.desegment_tcp_streams:FALSE",
           "-o", "tcp.analyze_sequence_numbers:FALSE",
           "-o", "ip.defragment:FALSE",
           "-Y", "ip or ipv6", "-T", "fields", "-E", "separator=/t",
           "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, timeout=120)
    if res.returncode != 0:
        raise RuntimeError("tshark %s: %s" % (pcap, res.stderr.strip()))
    out = []
    for line in res.stdout.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        p = Pkt()
        p.src = norm_ip(v["ip.src"] or v["ipv6.src"])
        p.dst = norm_ip(v["ip.dst"] or v["ipv6.dst"])
        proto = v["ip.proto"] or v["ipv6.nxt"]
        p.proto = {"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp"}.get(proto, proto)
        p.frag = v["ip.flags.mf"] in ("1", "True") or v["ip.frag_offset"] not in ("", "0")
        p.ipid = v["ip.id"]
        p.sport = p.dport = None
        if v["tcp.srcport"]:
            p.sport, p.dport = int(v["tcp.srcport"]), int(v["tcp.dstport"])
        elif v["udp.srcport"]:
            p.sport, p.dport = int(v["udp.srcport"]), int(v["udp.dstport"])
        p.seq = int(v["tcp.seq_raw"]) if v["tcp.seq_raw"] else None
        p.syn = v["tcp.flags.syn"] in ("1", "True")
        p.rst = v["tcp.flags.reset"] in ("1", "True")
        p.tcplen = int(v["tcp.len"] or 0)
        p.payload = bytes.fromhex(v["tcp.payload"].replace(":", "")) if v["tcp.payload"] else b""
        p.udplen = int(v["udp.length"] or 0)
        p.time = float(v["frame.time_epoch"] or 0)
        p.ack = int(v["tcp.ack_raw"]) if v["tcp.ack_raw"] else None
        p.ackf = v["tcp.flags.ack"] in ("1", "True")
        p.fin = v["tcp.flags.fin"] in ("1", "True")
        out.append(p)
    return out


def tshark_names(pcap):
    cmd = ["tshark", "-n", "-r", pcap, "-o", "tcp.reassemble_out_of_order:TRUE",
           "-Y", "tls.handshake.type == 1 || http.request", "-T", "fields",
           "-E", "separator=/t", "-e", "tls.handshake.extensions_server_name",
           "-e", "http.host"]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, timeout=120)
    names = set()
    for line in res.stdout.splitlines():
        for n in line.split("\t"):
            n = n.strip()
            if n:
                names.add(n.rsplit(":", 1)[0] if n.rsplit(":", 1)[-1].isdigit() and
                          not n.startswith("[") else n)
    return names


class Conn:
    """One flow of the input capture; the first sender is the client."""

    def __init__(self, p):
        self.proto = p.proto
        self.client = (p.src, p.sport)
        self.server = (p.dst, p.dport)
        self.ipids = set()

    def dir_of(self, p):
        if p.proto != self.proto:
            return None
        a, b = (p.src, p.sport), (p.dst, p.dport)
        if p.frag and p.sport is None:
            # Non-first fragments carry no ports: match on addresses.
            a, b = (p.src, None), (p.dst, None)
            if (a[0], b[0]) == (self.client[0], self.server[0]) and p.ipid in self.ipids:
                return "c2s"
            return None
        if a == self.client and b == self.server:
            return "c2s"
        if a == self.server and b == self.client:
            return "s2c"
        return None


def conns_of(pkts):
    conns = []
    for p in pkts:
        d = None
        for c in conns:
            d = c.dir_of(p)
            if d:
                break
        if d is None:
            c = Conn(p)
            conns.append(c)
        if p.frag:
            c.ipids.add(p.ipid)
    return conns


def stream(pkts, conn, direction):
    """Payload bytes of one direction by offset from the SYN's sequence
    number (or the lowest one seen): {offset: byte}."""
    mine = [p for p in pkts if conn.dir_of(p) == direction]
    isn = None
    for p in mine:
        if p.syn and p.seq is not None:
            isn = p.seq + 1
            break
    if isn is None:
        seqs = [p.seq for p in mine if p.seq is not None and p.tcplen > 0]
        isn = min(seqs) if seqs else 0
    data = {}
    for p in mine:
        if p.tcplen == 0:
            continue
        off = (p.seq - isn) & 0xFFFFFFFF
        for i, b in enumerate(p.payload):
            data[off + i] = b
    return data


# ---- checks ---------------------------------------------------------------


def check_eve(cap, rows, eve, bad_lines):
    if bad_lines:
        fail("eve %s: EVE parses" % cap, *bad_lines[:5])
    claimed = set()
    for r in rows:
        if r.verdict == "drop":
            hits = [k for k, f in eve.items() if f.dest and
                    r.matches(f.dest[0], f.dest[1], f.dest[2])]
            check(not hits, "eve %s: no flow event for dropped packets" % r,
                  *[eve[k].describe() for k in hits])
            claimed.update(hits)
            continue
        cands = [k for k, f in eve.items() if f.dest and
                 r.matches(f.dest[0], f.dest[1], f.dest[2]) and
                 (r.name in ("-", "*") or r.name in f.names or not f.names)]
        if not cands:
            fail("eve %s" % r, "no EVE flow to %s (flows: %s)" %
                 (r.flow, [f.describe() for f in eve.values()] or "none"))
            continue
        problems = []
        for k in cands:
            f = eve[k]
            claimed.add(k)
            if f.verdicts != {r.verdict}:
                problems.append("verdicts %s, expected %s" % (sorted(f.verdicts), r.verdict))
            if r.verdict == "deny" and f.reasons != {r.reason}:
                problems.append("reasons %s, expected %s" % (sorted(f.reasons), r.reason))
            if r.name == "-" and f.names:
                problems.append("names %s, expected none" % sorted(f.names))
            elif r.name not in ("-", "*") and f.names != {r.name}:
                problems.append("names %s, expected %s" % (sorted(f.names), r.name))
        check(not problems, "eve %s (%d flow%s)" % (r, len(cands), "s" if len(cands) > 1 else ""),
              *problems)
    for k, f in eve.items():
        if k not in claimed:
            fail("eve %s: unexpected flow" % cap, f.describe())


def check_output(cap, rows, pin, pout, summary):
    conns = conns_of(pin)
    for r in rows:
        mine = [c for c in conns if r.matches(c.server[0], c.server[1], c.proto)]
        if r.verdict == "drop":
            mine = [c for c in conns if c.server[0] == r.ip and c.proto == r.proto]
        if not mine:
            fail("output %s: the capture has a flow to %s" % (cap, r.flow))
            continue
        for c in mine:
            tag = "output %s %s:%s->%s" % (cap, c.client[0], c.client[1], r.flow)
            c2s_in = [p for p in pin if c.dir_of(p) == "c2s"]
            c2s_out = [p for p in pout if c.dir_of(p) == "c2s"]
            s2c_out = [p for p in pout if c.dir_of(p) == "s2c"]
            if r.verdict == "drop":
                check(not c2s_out, "%s: no dropped packet forwarded" % tag,
                      "%d forwarded" % len(c2s_out))
                n = (summary.get("drops") or {}).get(r.reason, 0)
                check(n == len(c2s_in), "%s: summary drops.%s == %d" % (tag, r.reason, len(c2s_in)),
                      "summary says %s" % n)
                continue
            if c.proto == "udp":
                if r.verdict == "allow":
                    check(len(c2s_out) == len(c2s_in),
                          "%s: all %d datagrams forwarded" % (tag, len(c2s_in)),
                          "%d forwarded" % len(c2s_out))
                else:
                    check(not c2s_out, "%s: no datagram forwarded" % tag,
                          "%d forwarded" % len(c2s_out))
                continue
            if c.proto != "tcp":
                continue
            if r.verdict == "allow":
                for direction, what in (("c2s", "client"), ("s2c", "server")):
                    want = stream(pin, c, direction)
                    got = stream(pout, c, direction)
                    missing = [o for o in want if got.get(o) != want[o]]
                    check(not missing, "%s: all %d %s payload bytes forwarded" %
                          (tag, len(want), what),
                          "%d bytes missing or different, first at offset %s" %
                          (len(missing), min(missing) if missing else "-"))
                continue
            if r.reason in L4_REASONS:
                syn_fwd = [p for p in c2s_out if p.syn]
                check(not syn_fwd, "%s: the SYN never reached the server" % tag,
                      "%d SYNs forwarded" % len(syn_fwd))
            leaked = [p for p in c2s_out if p.tcplen > 0]
            check(not leaked, "%s: no client payload byte forwarded" % tag,
                  "%d segments with payload reached the server side (%d bytes)" %
                  (len(leaked), sum(p.tcplen for p in leaked)))
            # Resets the gateway built: not copies of resets in the capture.
            rst_in = {(c.dir_of(p), p.seq) for p in pin if p.rst and c.dir_of(p)}
            rst_c = [p for p in s2c_out if p.rst and ("s2c", p.seq) not in rst_in]
            check(rst_c, "%s: RST towards the client" % tag)
            syn_fwd = [p for p in c2s_out if p.syn]
            if syn_fwd:
                rst_s = [p for p in c2s_out if p.rst and ("c2s", p.seq) not in rst_in]
                check(rst_s, "%s: RST towards the server (it saw the handshake)" % tag)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--captures", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--oracle")
    ap.add_argument("--no-chromium", action="store_true")
    a = ap.parse_args()

    expected = load_expected(a.expected)
    oracle = load_oracle(a.oracle)
    caps = sorted(os.path.basename(p) for p in glob.glob(os.path.join(a.captures, "*.pcap")))

    for cap in sorted(set(expected) - set(caps)):
        if cap.startswith("chromium") and a.no_chromium:
            print("SKIP %s: chromium not installed" % cap)
        else:
            fail("capture %s exists" % cap)
    for cap in caps:
        rows = expected.get(cap)
        if not rows:
            fail("expectation for %s in %s" % (cap, a.expected))
            continue
        base = os.path.join(a.results, cap[:-len(".pcap")])
        eve, bad = load_eve(base + ".eve.json")
        check_eve(cap, rows, eve, bad)

        eve_names = set()
        for f in eve.values():
            eve_names |= f.names
        if cap in oracle:
            check(eve_names == oracle[cap],
                  "oracle %s: EVE names == tshark names %s" % (cap, sorted(oracle[cap]) or "{}"),
                  "EVE has %s" % sorted(eve_names))
        else:
            seen = tshark_names(os.path.join(a.captures, cap))
            for r in rows:
                if r.name not in ("-", "*"):
                    check(r.name in seen, "oracle %s: tshark finds %s in the capture" % (cap, r.name),
                          "tshark finds %s" % sorted(seen))

        try:
            pin = tshark_packets(os.path.join(a.captures, cap))
            pout = tshark_packets(base + ".out.pcap") if os.path.exists(base + ".out.pcap") else None
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            fail("output %s: readable" % cap, e)
            continue
        if pout is None:
            fail("output %s: output pcap written" % cap)
            continue
        try:
            with open(base + ".summary.json") as f:
                summary = json.load(f)
        except (OSError, ValueError):
            summary = {}
        check_output(cap, rows, pin, pout, summary)

    print("# check.py: %d passed, %d failed" % (PASS, FAIL))
    return 1 if FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
