#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""check_edge.py: judges the edge-case replays (craft_edge.py captures).

  check_edge.py --captures DIR --results DIR --expected edge/expected.tsv

Results as ../run.sh leaves them: X.out.pcap, X.eve.json, X.summary.json.
Two kinds of checks, one line each ("ok ..." / "FAIL ..."):
  - the verdict rows of expected.tsv, judged by ../check.py (EVE verdict,
    reason and name per destination; for captures in GENERIC_OUTPUT also
    its output checks: no payload of a denied flow, resets, every byte of
    an allowed one);
  - what each case is about (CASES below): counters of the summary, exact
    frames in the output, the time of a verdict, one flow per connection.
Every capture needs rows or a case function (or both).
"""

import argparse
import datetime
import glob
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import check  # noqa: E402  (tests/replay/check.py)
from check import check as expect, fail  # noqa: E402
import craft_edge as ce  # noqa: E402

# Captures whose flows each have their own 5-tuple: ../check.py's output
# checks apply as they are.
GENERIC_OUTPUT = {
    "edge-tls-reasm-timeout", "edge-tls-reasm-slow-1s",
    "edge-tls-held-duplicate", "edge-tls-held-dup-coalesced",
    "edge-tcp-no-syn", "edge-icmp-errors", "edge-qinq8100-100-20",
}

# ---- pcap (stdlib; scapy is slow and tshark hides malformed frames) -------


def read_pcap(path):
    """[(ts_ns, frame bytes)] of a classic pcap file (us or ns stamps)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: not a pcap file" % path)
    magic = data[:4]
    for endian in ("<", ">"):
        m = struct.unpack(endian + "I", magic)[0]
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            break
    else:
        raise ValueError("%s: bad pcap magic %s" % (path, magic.hex()))
    mult = 1000 if m == 0xA1B2C3D4 else 1
    out = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        out.append((sec * 1000000000 + frac * mult, data[off:off + caplen]))
        off += caplen
    return out


# ---- helpers --------------------------------------------------------------


class Case:
    def __init__(self, name, captures, results):
        self.name = name
        self.cap = name + ".pcap"
        base = os.path.join(results, name)
        self.inp = os.path.join(captures, self.cap)
        self.outpath = base + ".out.pcap"
        self.raw_in = read_pcap(self.inp)
        self.raw_out = read_pcap(self.outpath) if os.path.exists(self.outpath) else []
        self.eve = []
        if os.path.exists(base + ".eve.json"):
            with open(base + ".eve.json") as f:
                self.eve = [json.loads(line) for line in f if line.strip()]
        try:
            with open(base + ".summary.json") as f:
                self.summary = json.load(f)
        except (OSError, ValueError):
            self.summary = {}
        self._pin = self._pout = None

    @property
    def pin(self):
        if self._pin is None:
            self._pin = check.tshark_packets(self.inp)
        return self._pin

    @property
    def pout(self):
        if self._pout is None:
            self._pout = check.tshark_packets(self.outpath)
        return self._pout

    def verdicts(self):
        """EVE verdict events (not the closing flow events), in order."""
        return [e for e in self.eve if e.get("event_type") != "flow"]

    def summ(self, key, sub=None):
        v = self.summary.get(key, {} if sub else 0)
        return v.get(sub, 0) if sub else v


def ev_name(e):
    return (e.get("tls") or {}).get("sni") or (e.get("http") or {}).get("hostname")


def ev_desc(e):
    gw = e.get("gw") or {}
    return "%s %s:%s verdict=%s reason=%s name=%s" % (
        e.get("event_type"), e.get("src_ip"), e.get("src_port"),
        gw.get("verdict"), gw.get("reason"), ev_name(e))


def ev_ns(e):
    """EVE timestamp (capture time) in ns."""
    t = datetime.datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(t.timestamp()) * 1000000000 + t.microsecond * 1000


def counters(c, want):
    """want: {"flows": 2, "drops.held_duplicate": 1, ...}; missing = 0."""
    got = {}
    for k in want:
        key, _, sub = k.partition(".")
        got[k] = c.summ(key, sub or None)
    expect(got == want, "%s: summary %s" % (c.cap, ", ".join(
        "%s=%s" % kv for kv in sorted(want.items()))),
        "got %s" % ", ".join("%s=%s" % kv for kv in sorted(got.items())))


def frames_equal(c, want, what):
    """The output holds exactly the frames `want` (bytes), in order."""
    got = [f for _, f in c.raw_out]
    expect(got == want, "%s: output is exactly %s (%d frames)" % (c.cap, what, len(want)),
           "got %d frames, want %d; first difference at #%s" % (
               len(got), len(want),
               next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                    min(len(got), len(want)))))


def tcp_tuple(p):
    return (p.src, p.sport, p.dst, p.dport)


def client_payload(pkts, cli, srv):
    """[(seq, len)] of the client's segments with payload."""
    return [(p.seq, p.tcplen) for p in pkts
            if p.proto == "tcp" and (p.src, p.sport) == cli and
            (p.dst, p.dport) == srv and p.tcplen > 0]


def split_at(pkts, t):
    return [p for p in pkts if p.time < t], [p for p in pkts if p.time >= t]


def stream_ok(c, tag, pin, pout, conn, allowed):
    """Allowed: every payload byte of both directions in the output.
    Denied: no client payload byte, a RST towards the client and one
    towards the server."""
    if allowed:
        for d, what in (("c2s", "client"), ("s2c", "server")):
            want = check.stream(pin, conn, d)
            got = check.stream(pout, conn, d)
            missing = [o for o in want if got.get(o) != want[o]]
            expect(want and not missing, "%s: %s: all %d %s payload bytes forwarded" %
                   (c.cap, tag, len(want), what),
                   "%d missing, first at offset %s" % (len(missing), min(missing) if missing else "-"))
        return
    c2s = [p for p in pout if conn.dir_of(p) == "c2s"]
    s2c = [p for p in pout if conn.dir_of(p) == "s2c"]
    leaked = sum(p.tcplen for p in c2s)
    expect(leaked == 0, "%s: %s: no client payload byte forwarded" % (c.cap, tag),
           "%d bytes forwarded" % leaked)
    expect(any(p.rst for p in s2c), "%s: %s: RST towards the client" % (c.cap, tag))
    expect(any(p.rst for p in c2s), "%s: %s: RST towards the server" % (c.cap, tag))


# ---- the cases -----------------------------------------------------------


def case_flow_table_full(c):
    cap_n, n = ce.TABLE_CAPACITY, ce.TABLE_FLOWS
    p0 = ce.TABLE_SPORT0
    kept = set(range(p0, p0 + cap_n))
    refused = set(range(p0 + cap_n, p0 + n))
    counters(c, {"flows": cap_n, "flows_denied": n - cap_n,
                 "flows_denied_by_reason.flow_table_full": n - cap_n,
                 "drops.flow_table_full": n - cap_n,
                 "resets_sent": n - cap_n, "flows_allowed": 1})
    syn_in = {p.sport: p.seq for p in c.pin if p.syn and not p.ackf}
    assert len(syn_in) == n, len(syn_in)
    syn_out = [p.sport for p in c.pout if p.syn and not p.ackf and p.dst == ce.SRV4]
    expect(sorted(syn_out) == sorted(kept),
           "%s: the SYNs of the first %d flows reach the server, once each, no other" % (c.cap, cap_n),
           "%d forwarded; missing %s; extra %s" % (
               len(syn_out), sorted(kept - set(syn_out))[:5],
               sorted(set(syn_out) - kept)[:5]))
    rst = [p for p in c.pout if p.rst]
    to_cli = {p.dport: p for p in rst if p.dst == ce.CLI4 and p.sport == 443}
    expect(len(rst) == len(refused) and set(to_cli) == refused,
           "%s: one RST to each of the %d refused clients, none to the others" % (c.cap, len(refused)),
           "%d resets; to refused ports %d; to kept ports %s" % (
               len(rst), len(set(to_cli) & refused), sorted(set(to_cli) & kept)[:5]))
    bad = [port for port, p in to_cli.items()
           if port in refused and (p.ack != (syn_in[port] + 1) & 0xFFFFFFFF or not p.ackf)]
    expect(not bad, "%s: each refusal RST acknowledges its SYN (ack = ISN + 1)" % c.cap,
           "wrong ack for ports %s" % sorted(bad)[:5])
    conn = next(x for x in check.conns_of(c.pin) if x.client == (ce.CLI4, p0))
    stream_ok(c, "flow %d (opened before the table filled)" % p0, c.pin, c.pout, conn, True)
    v = c.verdicts()
    allowed = [e for e in v if (e.get("gw") or {}).get("verdict") == "allow"]
    expect(len(allowed) == 1 and allowed[0].get("src_port") == p0 and
           ev_name(allowed[0]) == "allowed.test",
           "%s: one allow event, allowed.test from port %d" % (c.cap, p0),
           *[ev_desc(e) for e in allowed[:5]])
    # The refused flows have no table entry: at most a drop event naming
    # flow_table_full, never any other verdict.
    other = [e for e in c.eve if e.get("src_port") in refused and
             not (e.get("event_type") == "drop" and
                  (e.get("gw") or {}).get("reason") == "flow_table_full")]
    expect(not other, "%s: no event for a refused flow other than flow_table_full" % c.cap,
           *[ev_desc(e) for e in other[:5]])
    ends = {e.get("src_port") for e in c.eve if e.get("event_type") == "flow"}
    expect(ends == kept, "%s: one flow event per table entry (%d)" % (c.cap, cap_n),
           "%d flow events; for refused ports: %d" % (len(ends), len(ends & refused)))


def first_client_payload_ns(c):
    p = next(p for p in c.pin if p.src == ce.CLI4 and p.tcplen > 0)
    return round(p.time * 1e9)


def arp_ns(c):
    return next(t for t, f in c.raw_in if f[12:14] == b"\x08\x06")


def case_reasm_timeout(c):
    v = c.verdicts()
    t0 = first_client_payload_ns(c)
    t_arp = arp_ns(c)
    ok_t = len(v) == 1 and t0 + ce.REASM_TIMEOUT_S * 1e9 - 2000 <= ev_ns(v[0]) <= t_arp
    expect(ok_t, "%s: the verdict is taken by the timer, between first byte + %.0f s and the next frame"
           % (c.cap, ce.REASM_TIMEOUT_S),
           "first payload %d, next frame %d, verdicts %s" % (
               t0, t_arp, [(ev_ns(e), ev_desc(e)) for e in v]))
    counters(c, {"drops.reassembly_limit": 1, "resets_sent": 2})
    arps = [f for _, f in c.raw_out if f[12:14] == b"\x08\x06"]
    expect(len(arps) == 1, "%s: the unrelated ARP frame passes" % c.cap)
    # The late rest and the retransmission are dropped as flow_denied.
    late = [p for p in c.pin if p.src == ce.CLI4 and p.time * 1e9 >= t_arp]
    expect(c.summ("drops", "flow_denied") >= 2 and
           not [p for p in c.pout if p.src == ce.CLI4 and p.time * 1e9 >= t_arp and not p.rst],
           "%s: nothing of the client after the verdict is forwarded (%d frames)" % (c.cap, len(late)))


def case_reasm_slow(c):
    v = c.verdicts()
    t0 = first_client_payload_ns(c)
    rest = [p for p in c.pin if p.src == ce.CLI4 and p.tcplen > 0][1]
    # EVE times have microseconds: the verdict is the second half's time.
    expect(len(v) == 1 and abs(ev_ns(v[0]) - rest.time * 1e9) < 2000 and
           ev_ns(v[0]) - t0 >= ce.REASM_SLOW_S * 1e9 - 2000,
           "%s: allowed when the second half arrives %.1f s later" % (c.cap, ce.REASM_SLOW_S),
           *[ev_desc(e) for e in v])
    counters(c, {"flows_allowed": 1, "flows_denied": 0, "resets_sent": 0})


def case_held_duplicate(c):
    counters(c, {"drops.held_duplicate": 1, "flows_allowed": 1, "resets_sent": 0})
    cli, srv = (ce.CLI4, 40103), (ce.SRV4, 443)
    hello_len = max(s + n for s, n in client_payload(c.pin, cli, srv)) - \
        min(s for s, n in client_payload(c.pin, cli, srv))
    segs = sorted(client_payload(c.pout, cli, srv))
    total = sum(n for _, n in segs)
    overlap = [a for a, b in zip(segs, segs[1:]) if a[0] + a[1] > b[0]]
    expect(total == hello_len and not overlap,
           "%s: the client's payload leaves once: %d bytes == ClientHello length, no range twice"
           % (c.cap, hello_len),
           "output: %d bytes in %d segments %s" % (total, len(segs), segs))


def case_held_dup_coalesced(c):
    counters(c, {"flows_allowed": 1, "flows_undecided": 0, "resets_sent": 0})


def reuse(c, first_allowed):
    """Two connections on one 5-tuple, told apart by time (the second SYN)."""
    syns = [p for p in c.pin if p.syn and not p.ackf and p.src == ce.CLI4]
    isns = []
    for p in syns:
        if p.seq not in isns:
            isns.append(p.seq)
    assert len(isns) == 2, isns
    t_new = next(p.time for p in syns if p.seq == isns[1])
    in_a, in_b = split_at(c.pin, t_new)
    out_a, out_b = split_at(c.pout, t_new)
    conn_a, conn_b = check.conns_of(in_a)[0], check.conns_of(in_b)[0]
    names = ("allowed.test", "denied.test") if first_allowed else ("denied.test", "allowed.test")
    verdicts = ("allow", "deny") if first_allowed else ("deny", "allow")
    v = c.verdicts()
    got = [((e.get("gw") or {}).get("verdict"), ev_name(e), e.get("flow_id")) for e in v]
    expect(len(got) == 2 and [g[0] for g in got] == list(verdicts) and
           [g[1] for g in got] == list(names) and got[0][2] != got[1][2],
           "%s: two flows, %s %s then %s %s" % (c.cap, verdicts[0], names[0], verdicts[1], names[1]),
           "got %s" % got)
    counters(c, {"flows": 2, "flows_allowed": 1, "flows_denied": 1,
                 "flows_denied_by_reason.fqdn_not_allowed": 1})
    stream_ok(c, "first connection", in_a, out_a, conn_a, first_allowed)
    stream_ok(c, "second connection (new ISN)", in_b, out_b, conn_b, not first_allowed)
    syn_b = [p for p in out_b if p.syn and not p.ackf and p.seq == isns[1]]
    expect(len(syn_b) == 1, "%s: the new SYN reaches the server" % c.cap)
    if not first_allowed:
        # The old connection's retransmitted SYN (its own ISN) opens nothing.
        old_syn = [p for p in out_a if p.syn and not p.ackf and p.seq == isns[0]]
        expect(len(old_syn) == 1,
               "%s: the old connection's retransmitted SYN is not forwarded" % c.cap,
               "%d copies of the old SYN in the output" % len(old_syn))


def case_reuse_after_deny(c):
    reuse(c, False)


def case_reuse_after_allow(c):
    reuse(c, True)


def case_tcp_no_syn(c):
    counters(c, {"flows": 0, "drops.tcp_no_syn": 3})
    expect(not c.raw_out and not c.eve, "%s: nothing forwarded, no event" % c.cap,
           "%d frames, %d events" % (len(c.raw_out), len(c.eve)))


def tagged(f, vid=None):
    """One 802.1Q tag (with VID vid)."""
    return f[12:14] == b"\x81\x00" and (vid is None or
                                        (f[14] << 8 | f[15]) & 0xFFF == vid)


def is_icmp(f, icmp_type):
    """IPv4 ICMP of type icmp_type, with or without one 802.1Q tag."""
    off = 18 if tagged(f) else 14
    return (f[off - 2:off] == b"\x08\x00" and f[off + 9] == 1 and
            f[off + (f[off] & 0x0F) * 4] == icmp_type)


def ipv4_dst(f):
    off = 18 if tagged(f) else 14
    return ".".join(str(b) for b in f[off + 16:off + 20])


def case_icmp_echo(c):
    frames = [f for _, f in c.raw_in]
    want = [f for f in frames if tagged(f, 20) and
            ((is_icmp(f, 8) and ipv4_dst(f) == ce.SRV4) or
             (is_icmp(f, 0) and ipv4_dst(f) == ce.CLI4))]
    assert len(want) == 2
    frames_equal(c, want, "the VLAN 20 echo request and its reply")
    counters(c, {"flows": 3, "flows_allowed": 1,
                 "flows_denied_by_reason.cidr_not_allowed": 2,
                 "drops.cidr_not_allowed": 2, "drops.flow_denied": 1,
                 "resets_sent": 0})


def case_icmp_errors(c):
    frames = [f for _, f in c.raw_in]
    # Dropped: the untagged UDP (cidr_not_allowed), the error quoting no
    # flow (to the client from .102), the error quoting the denied flow.
    drop = [f for f in frames if
            (is_icmp(f, 3) and tagged(f, 20) and f[18 + 12:18 + 16] == bytes([10, 99, 0, 102])) or
            (not tagged(f) and ipv4_dst(f) == "10.99.0.103") or
            (is_icmp(f, 3) and not tagged(f))]
    assert len(drop) == 3, len(drop)
    frames_equal(c, [f for f in frames if f not in drop],
                 "the allowed datagrams and the two ICMP errors quoting them")
    counters(c, {"drops.unclassified": 1, "drops.flow_denied": 1,
                 "drops.cidr_not_allowed": 1, "flows": 3, "resets_sent": 0})
    fwd_lan = c.summ("forwarded_to_lan")
    expect(fwd_lan == 2, "%s: 2 frames towards the LAN (the reply and the server's error)" % c.cap,
           "forwarded_to_lan %s" % fwd_lan)


def case_malformed(c):
    frames = [f for _, f in c.raw_in]
    arps = [f for f in frames if f[12:14] == b"\x08\x06"]
    frames_equal(c, arps, "the ARP request and reply")
    counters(c, {"flows": 0, "drops.malformed": 5, "drops.non_ip": 1, "resets_sent": 0})
    expect(not c.eve, "%s: no EVE event" % c.cap, *[json.dumps(e)[:200] for e in c.eve[:3]])


def receiver_view(pkts, cli, srv):
    """The client's bytes as the server's TCP delivers them: in the order
    the segments leave the gateway, in-order bytes taken as they come (a
    segment starting below the next expected byte is trimmed), later
    segments queued until the gap before them closes (first copy kept)."""
    segs = [p for p in pkts if p.proto == "tcp" and (p.src, p.sport) == cli and
            (p.dst, p.dport) == srv]
    syn = next(p for p in segs if p.syn)
    nxt = (syn.seq + 1) & 0xFFFFFFFF
    out, ofo = b"", []
    for p in segs:
        if p.tcplen == 0:
            continue
        ofo.append((p.seq, p.payload))
        moved = True
        while moved:
            moved = False
            for i, (seq, data) in enumerate(ofo):
                off = (nxt - seq) & 0xFFFFFFFF
                if off < len(data):          # starts at or before nxt, reaches past it
                    out += data[off:]
                    nxt = (seq + len(data)) & 0xFFFFFFFF
                    del ofo[i]
                    moved = True
                    break
                if off < 0x80000000:         # entirely old: a duplicate
                    del ofo[i]
                    moved = True
                    break
    return out


def tls_sni(data):
    """server_name of the ClientHello in the TLS records at data[0:], or
    None (no name, not TLS, incomplete)."""
    hs = b""
    pos = 0
    while pos + 5 <= len(data) and data[pos] == 22:
        n = struct.unpack("!H", data[pos + 3:pos + 5])[0]
        hs += data[pos + 5:pos + 5 + n]
        pos += 5 + n
    try:
        if hs[0] != 1:
            return None
        p = 4 + 2 + 32
        p += 1 + hs[p]                                         # session id
        p += 2 + struct.unpack("!H", hs[p:p + 2])[0]           # suites
        p += 1 + hs[p]                                         # compression
        end = p + 2 + struct.unpack("!H", hs[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            t, n = struct.unpack("!HH", hs[p:p + 4])
            if t == 0:
                ln = struct.unpack("!H", hs[p + 7:p + 9])[0]
                return hs[p + 9:p + 9 + ln].decode("ascii", "replace")
            p += 4 + n
    except (IndexError, struct.error):
        return None
    return None


def case_overlap_conflict(c):
    """Overlapping segments with different bytes: whatever the gateway
    decided on must be what the server reads (or nothing reaches it)."""
    cli, srv = (ce.CLI4, 40105), (ce.SRV4, 443)
    v = c.verdicts()
    if len(v) != 1:
        fail("%s: one verdict" % c.cap, *[ev_desc(e) for e in v])
        return
    verdict = (v[0].get("gw") or {}).get("verdict")
    if verdict == "deny":
        leaked = sum(n for _, n in client_payload(c.pout, cli, srv))
        expect(leaked == 0, "%s: denied (%s), no client payload forwarded" %
               (c.cap, (v[0].get("gw") or {}).get("reason")), "%d bytes forwarded" % leaked)
        return
    seen = tls_sni(receiver_view(c.pout, cli, srv))
    expect(seen == ev_name(v[0]),
           "%s: the server reads the name the gateway allowed (%s)" % (c.cap, ev_name(v[0])),
           "the gateway decided %s on %s; the server's TCP delivers a ClientHello for %s"
           % (verdict, ev_name(v[0]), seen))


CASES = {
    "edge-tls-overlap-conflict": case_overlap_conflict,
    "edge-flow-table-full": case_flow_table_full,
    "edge-tls-reasm-timeout": case_reasm_timeout,
    "edge-tls-reasm-slow-1s": case_reasm_slow,
    "edge-tls-held-duplicate": case_held_duplicate,
    "edge-tls-held-dup-coalesced": case_held_dup_coalesced,
    "edge-port-reuse-after-deny": case_reuse_after_deny,
    "edge-port-reuse-after-allow": case_reuse_after_allow,
    "edge-tcp-no-syn": case_tcp_no_syn,
    "edge-icmp-echo": case_icmp_echo,
    "edge-icmp-errors": case_icmp_errors,
    "edge-malformed": case_malformed,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--captures", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--expected", required=True)
    a = ap.parse_args()

    expected = check.load_expected(a.expected)
    names = sorted(os.path.basename(p)[:-len(".pcap")]
                   for p in glob.glob(os.path.join(a.captures, "*.pcap")))
    for cap in sorted(set(expected) - {n + ".pcap" for n in names}):
        fail("capture %s exists" % cap)
    for n in names:
        rows = expected.get(n + ".pcap")
        fn = CASES.get(n)
        if not rows and fn is None:
            fail("expectation for %s.pcap (edge/expected.tsv or check_edge.py)" % n)
            continue
        c = Case(n, a.captures, a.results)
        if not os.path.exists(c.outpath):
            fail("output %s: output pcap written" % c.cap)
            continue
        try:
            if rows:
                eve, bad = check.load_eve(os.path.join(a.results, n + ".eve.json"))
                check.check_eve(c.cap, rows, eve, bad)
                if n in GENERIC_OUTPUT:
                    check.check_output(c.cap, rows, c.pin, c.pout, c.summary)
            if fn is not None:
                fn(c)
        except Exception as e:  # a broken capture or tool: one failure, go on
            fail("%s: checks ran" % c.cap, "%s: %s" % (type(e).__name__, e))
    print("# check_edge.py: %d passed, %d failed" % (check.PASS, check.FAIL))
    return 1 if check.FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
