#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""check_dns.py: judges the DNS replays (craft_dns.py captures).

  check_dns.py --captures DIR --results DIR --expected dns/expected.tsv

Results as run.sh leaves them: X.out.pcap, X.eve.json, X.summary.json.
One line per check ("ok ..." / "FAIL ..."):
  - the rows of expected.tsv, judged by ../check.py (EVE verdict, reason and
    name per destination; output: no payload of a denied flow, resets, every
    byte of an allowed one; for DNS, DoT, DoQ and QUIC denials, decided at
    the first packet, the SYN / datagram never reaches the other side);
  - GW: the gw fields of each flow's verdict event (binding bound / mismatch
    / absent, the rule);
  - DNS: the exact list of `dns` events of a capture (type, id, rrname,
    rrtype, rcode, ttl, grouped A / AAAA);
  - every capture: one verdict event per flow, no flow undecided, and the
    summary's flows_denied_by_reason equal to the denials in EVE;
  - CASES: what a capture is about (frames in the output, counters, times);
    a capture of REVOKED (a flow allowed at its first packet and denied
    later, so with an allow and a deny event) is judged by its CASES
    function and its dns events only.
Every capture needs rows.
"""

import argparse
import datetime
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import check  # noqa: E402  (tests/replay/check.py)
from check import check as expect, fail  # noqa: E402
import craft_dns as cd  # noqa: E402

# Decided at the first packet: the SYN or datagram must not pass.
check.L4_REASONS |= {"dns_not_allowed", "dot", "doq", "quic_blocked"}

# Captures where ../check.py's output checks do not apply as they are: a
# flow whose answers are dropped while the flow stays allowed.
OWN_OUTPUT = {"dns-malformed"}
# Flows allowed at their first packet and denied later (an allow and a
# deny event): judged by their CASES function only, not by ../check.py.
REVOKED = {"dns-tcp-malformed"}

R53 = "10.99.0.53:53/udp"

# gw fields of the verdict event (the event that is neither `flow` nor
# `dns`) of each flow to a destination (and with that name, when given);
# None = the field is absent.
GW = {
    "dns-bound": [
        (R53, None, {"rule": "dns:0", "binding": None}),
        ("10.99.0.100:443/tcp", None, {"rule": "fqdn:0", "binding": "bound"}),
        ("10.99.0.101:443/tcp", None, {"binding": "mismatch"}),
        ("10.99.0.100:80/tcp", None, {"rule": "fqdn:0", "binding": "bound"}),
        ("10.99.0.101:80/tcp", None, {"binding": "mismatch"}),
    ],
    "dns-cname": [
        ("10.99.0.102:443/tcp", "www.allowed.test", {"rule": "fqdn:1", "binding": "bound"}),
        ("10.99.0.102:443/tcp", "cdn.allowed.test", {"rule": "fqdn:1", "binding": "bound"}),
        ("10.99.0.100:443/tcp", None, {"binding": "mismatch"}),
    ],
    "dns-unrelated-rr": [
        ("10.99.0.100:443/tcp", None, {"binding": "bound"}),
        ("10.99.0.103:443/tcp", None, {"binding": "mismatch"}),
    ],
    "dns-no-answer": [("10.99.0.100:443/tcp", None, {"binding": "mismatch"})],
    "dns-ttl1-2s": [("10.99.0.100:443/tcp", None, {"binding": "bound"})],
    "dns-ttl1-70s": [("10.99.0.100:443/tcp", None, {"binding": "mismatch"})],
    "dns-ttl1-active-flow": [("10.99.0.100:443/tcp", None, {"binding": "bound"})],
    "dns-log-vlan11": [
        (R53, None, {"rule": "dns:0", "binding": None}),
        ("10.99.0.100:443/tcp", None, {"binding": "bound"}),
        ("10.99.0.101:443/tcp", None, {"rule": "fqdn:0", "binding": "mismatch"}),
        ("10.99.0.101:80/tcp", None, {"rule": "fqdn:0", "binding": "mismatch"}),
    ],
    "dns-off-vlan12": [("10.99.0.101:443/tcp", None, {"rule": "fqdn:0", "binding": None})],
    "dns-doh": [
        ("10.99.0.100:443/tcp", None, {"binding": None}),
        ("10.99.0.100:80/tcp", None, {"binding": None}),
    ],
    "dns-quic-blocked": [("192.0.2.10:443/udp", None, {"rule": "cidr:0", "binding": None})],
    # The rule of a flow allowed by a binding is the bound name's entry
    # (docs/policy.md, decision order 5 and 6).
    "dns-quic-allow-vlan13": [
        ("10.99.0.100:443/udp", None, {"rule": "fqdn:0", "binding": "bound"}),
        ("10.99.0.101:443/udp", None, {"binding": "mismatch"}),
    ],
    "dns-sftp": [
        ("10.99.0.22:22/tcp", None, {"rule": "fqdn:0", "binding": "bound"}),
        ("10.99.0.23:22/tcp", None, {"binding": "mismatch"}),
    ],
    "dns-sftp-no-answer": [("10.99.0.22:22/tcp", None, {"binding": "mismatch"})],
    "dns-sftp-other-name": [("10.99.0.22:22/tcp", None, {"binding": "mismatch"})],
    "dns-tcp": [
        ("10.99.0.53:53/tcp", None, {"rule": "dns:0"}),
        ("10.99.0.103:443/tcp", None, {"binding": "bound"}),
    ],
    "dns-tcp-split": [
        ("10.99.0.53:53/tcp", None, {"rule": "dns:0", "binding": None}),
        ("10.99.0.100:443/tcp", None, {"rule": "fqdn:0", "binding": "bound"}),
        ("10.99.0.101:443/tcp", None, {"binding": "mismatch"}),
    ],
    "dns-tcp-split-prefix": [("10.99.0.100:443/tcp", None, {"binding": "bound"})],
    "dns-tcp-two-answers": [
        ("10.99.0.100:443/tcp", None, {"rule": "fqdn:0", "binding": "bound"}),
        ("10.99.0.103:443/tcp", None, {"rule": "fqdn:1", "binding": "bound"}),
    ],
    "dns-tcp-hole": [("10.99.0.100:443/tcp", None, {"binding": "mismatch"})],
    "dns-ipv6": [
        ("[fd99::53]:53/udp", None, {"rule": "dns:1"}),
        ("[fd99::100]:443/tcp", None, {"binding": "bound"}),
        ("[fd99::101]:443/tcp", None, {"binding": "mismatch"}),
    ],
}


def q(sport, qid, name, rtype="A"):
    return {"sport": sport, "type": "query", "id": qid, "rrname": name,
            "rrtype": rtype}


def a(sport, qid, name, rtype="A", rcode="NOERROR", ttl=cd.TTL, v4=(), v6=()):
    return {"sport": sport, "type": "answer", "id": qid, "rrname": name,
            "rrtype": rtype, "rcode": rcode, "ttl": ttl, "A": list(v4),
            "AAAA": list(v6)}


QID = cd.QID
# The dns events of a capture, in order.
DNS_EVENTS = {
    "dns-bound": [q(41001, QID["bound"], "allowed.test"),
                  a(41001, QID["bound"], "allowed.test", v4=[cd.WEB])],
    "dns-cname": [q(41002, QID["cname"], "www.allowed.test"),
                  a(41002, QID["cname"], "www.allowed.test", v4=[cd.CDN])],
    "dns-unrelated-rr": [q(41003, QID["unrelated"], "allowed.test"),
                         a(41003, QID["unrelated"], "allowed.test", v4=[cd.WEB])],
    "dns-ttl1-70s": [q(41005, QID["ttl"], "allowed.test"),
                     a(41005, QID["ttl"], "allowed.test", ttl=1, v4=[cd.WEB])],
    "dns-tcp": [q(41080, QID["tcp"], "api.allowed.test"),
                a(41080, QID["tcp"], "api.allowed.test", v4=[cd.API])],
    "dns-ipv6": [q(41090, QID["aaaa"], "allowed.test", "AAAA"),
                 a(41090, QID["aaaa"], "allowed.test", "AAAA", v6=[cd.WEB6])],
    "dns-nxdomain": [q(41100, QID["nx"], "nx.allowed.test"),
                     a(41100, QID["nx"], "nx.allowed.test", rcode="NXDOMAIN", ttl=0)],
    # Quote, backslash and \x01 escaped as \xHH.
    "dns-escape": [q(41110, QID["escape"], "we\\x22ird\\x5cna\\x01me.allowed.test"),
                   a(41110, QID["escape"], "we\\x22ird\\x5cna\\x01me.allowed.test",
                     rcode="NXDOMAIN", ttl=0)],
    # Queries only: the malformed answers and the non-DNS datagram give none.
    "dns-malformed": [q(41070 + i, 0x3001 + i, "allowed.test")
                      for i in range(cd.MALFORMED_ANSWERS)],
    "dns-tcp-split": [q(41120, QID["tcp-split"], "allowed.test"),
                      a(41120, QID["tcp-split"], "allowed.test", v4=[cd.WEB])],
    "dns-tcp-split-prefix": [q(41121, QID["tcp-split-prefix"], "allowed.test"),
                             a(41121, QID["tcp-split-prefix"], "allowed.test", v4=[cd.WEB])],
    "dns-tcp-two-answers": [q(41122, QID["tcp-two-a"], "allowed.test"),
                            q(41122, QID["tcp-two-b"], "api.allowed.test"),
                            a(41122, QID["tcp-two-a"], "allowed.test", v4=[cd.WEB]),
                            a(41122, QID["tcp-two-b"], "api.allowed.test", v4=[cd.API])],
    # The answer is not parsed after the hole.
    "dns-tcp-hole": [q(41123, QID["tcp-hole"], "allowed.test")],
    # Nothing after the malformed message (its retransmission, the query
    # after it).
    "dns-tcp-malformed": [q(41124, QID["tcp-malformed"], "allowed.test"),
                          a(41124, QID["tcp-malformed"], "allowed.test", v4=[cd.WEB])],
    # Nothing on denied flows.
    "dns-not-allowed": [],
    "dns-spoofed-resolver": [],
    "dns-unsolicited-answer": [],
}


def dns_view(e):
    d = e.get("dns") or {}
    v = {"sport": e.get("src_port"), "type": d.get("type"), "id": d.get("id"),
         "rrname": d.get("rrname"), "rrtype": d.get("rrtype")}
    if d.get("type") == "answer":
        g = d.get("grouped") or {}
        v.update(rcode=d.get("rcode"), ttl=d.get("ttl"), A=g.get("A", []),
                 AAAA=g.get("AAAA", []))
    return v


# ---- helpers --------------------------------------------------------------


class Case:
    def __init__(self, name, captures, results):
        self.name = name
        self.cap = name + ".pcap"
        base = os.path.join(results, name)
        self.inp = os.path.join(captures, self.cap)
        self.outpath = base + ".out.pcap"
        self.eve = []
        self.bad = []
        if os.path.exists(base + ".eve.json"):
            with open(base + ".eve.json") as f:
                for n, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        self.eve.append(json.loads(line))
                    except ValueError as ex:
                        self.bad.append("line %d: %s" % (n, ex))
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

    def verdict_events(self):
        return [e for e in self.eve if e.get("event_type") not in ("flow", "dns")]

    def summ(self, key, sub=None):
        v = self.summary.get(key, {} if sub else 0)
        return v.get(sub, 0) if sub else v


def ev_name(e):
    return (e.get("tls") or {}).get("sni") or (e.get("http") or {}).get("hostname")


def ev_desc(e):
    gw = e.get("gw") or {}
    return "%s %s:%s->%s:%s verdict=%s reason=%s rule=%s binding=%s name=%s" % (
        e.get("event_type"), e.get("src_ip"), e.get("src_port"), e.get("dest_ip"),
        e.get("dest_port"), gw.get("verdict"), gw.get("reason"), gw.get("rule"),
        gw.get("binding"), ev_name(e))


def ev_ns(e):
    t = datetime.datetime.strptime(e["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(t.timestamp()) * 1000000000 + t.microsecond * 1000


def counters(c, want):
    got = {k: c.summ(*k.split(".", 1)) for k in want}
    expect(got == want, "%s: summary %s" % (c.cap, ", ".join(
        "%s=%s" % kv for kv in sorted(want.items()))),
        "got %s" % ", ".join("%s=%s" % kv for kv in sorted(got.items())))


def row_of(cap, flow):
    return check.Row(cap, flow, "allow", "-", "*", 0)


def events_to(c, flow, name=None):
    r = row_of(c.cap, flow)
    return [e for e in c.verdict_events() if
            r.matches(check.norm_ip(e["dest_ip"]), e.get("dest_port"),
                      str(e.get("proto", "")).lower()) and
            (name is None or ev_name(e) == name)]


def frames(pkts, src=None, dst=None, proto=None, dport=None, sport=None):
    return [p for p in pkts if (src is None or p.src == src) and
            (dst is None or p.dst == dst) and (proto is None or p.proto == proto) and
            (dport is None or p.dport == dport) and (sport is None or p.sport == sport)]


# ---- generic checks -------------------------------------------------------


def check_gw(c):
    for flow, name, want in GW.get(c.name, []):
        evs = events_to(c, flow, name)
        tag = "gw %s %s%s %s" % (c.cap, flow, " " + name if name else "",
                                 ", ".join("%s=%s" % kv for kv in sorted(want.items())))
        if not evs:
            fail(tag, "no verdict event to %s" % flow)
            continue
        bad = []
        for e in evs:
            gw = e.get("gw") or {}
            got = {k: gw.get(k) for k in want}
            if got != want:
                bad.append("%s: got %s" % (ev_desc(e), got))
        expect(not bad, "%s (%d flow%s)" % (tag, len(evs), "s" if len(evs) > 1 else ""), *bad)


def check_dns_events(c):
    if c.name not in DNS_EVENTS:
        return
    want = DNS_EVENTS[c.name]
    got = [dns_view(e) for e in c.eve if e.get("event_type") == "dns"]
    detail = []
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else None
        w = want[i] if i < len(want) else None
        if g != w:
            detail.append("#%d: want %s" % (i, w))
            detail.append("#%d: got  %s" % (i, g))
    expect(not detail, "dns %s: %d dns events (%s)" % (
        c.cap, len(want), ", ".join("%s %s" % (w["type"], w["rrname"]) for w in want) or "none"),
        *detail[:8])


def check_consistency(c):
    if c.bad:
        fail("eve %s: EVE parses" % c.cap, *c.bad[:5])
    per_flow = {}
    for e in c.verdict_events():
        per_flow.setdefault(e.get("flow_id"), []).append(e)
    multi = {k: v for k, v in per_flow.items() if len(v) != 1}
    expect(not multi, "%s: one verdict event per flow (%d flows)" % (c.cap, len(per_flow)),
           *[ev_desc(e) for v in multi.values() for e in v][:6])
    denied = {}
    for v in per_flow.values():
        gw = v[0].get("gw") or {}
        if gw.get("verdict") == "deny":
            denied[gw.get("reason")] = denied.get(gw.get("reason"), 0) + 1
    got = c.summ("flows_denied_by_reason")
    expect(got == denied and c.summ("flows_undecided") == 0,
           "%s: summary flows_denied_by_reason == EVE denials %s, none undecided" % (c.cap, denied),
           "summary %s, undecided %s" % (got, c.summ("flows_undecided")))


def udp_answers_forwarded(c, rows):
    """Allowed DNS over UDP: the resolver's answers reach the client."""
    for r in rows:
        if r.verdict != "allow" or r.proto != "udp" or r.port != 53:
            continue
        fin = frames(c.pin, src=r.ip, proto="udp", sport=53)
        fout = frames(c.pout, src=r.ip, proto="udp", sport=53)
        if not fin:
            continue
        expect(len(fout) == len(fin),
               "output %s %s: all %d answers reach the client" % (c.cap, r.flow, len(fin)),
               "%d forwarded" % len(fout))


# ---- the cases -------------------------------------------------------------


def case_malformed(c):
    n_ans, n_q = cd.MALFORMED_ANSWERS, cd.MALFORMED_QUERIES
    counters(c, {"drops.malformed": n_ans + n_q,
                 "flows_denied_by_reason.name_ip_mismatch": 1})
    ans = frames(c.pout, src=cd.RESOLVER4, proto="udp", sport=53)
    expect(not ans, "%s: none of the %d malformed answers reaches the client" % (c.cap, n_ans),
           "%d forwarded" % len(ans))
    qs = frames(c.pout, dst=cd.RESOLVER4, proto="udp", dport=53)
    sports = sorted(p.sport for p in qs)
    want = list(range(41070, 41070 + n_ans))
    expect(sports == want, "%s: the %d queries reach the resolver, the non-DNS datagram does not"
           % (c.cap, n_ans), "forwarded from client ports %s" % sports)
    conn = next(x for x in check.conns_of(c.pin) if x.server == (cd.OTHER, 443))
    c2s = [p for p in c.pout if conn.dir_of(p) == "c2s"]
    expect(not [p for p in c2s if p.tcplen > 0],
           "%s: nothing learned: no ClientHello byte reaches %s" % (c.cap, cd.OTHER))


def no_frames_between(c, peer, allow_rst_to_client=False):
    """No frame of a denied resolver reaches the client and none of the
    client reaches it (the gateway's own RST to a SYN excepted)."""
    to_peer = frames(c.pout, dst=peer)
    from_peer = [p for p in frames(c.pout, src=peer) if not (allow_rst_to_client and p.rst)]
    n_in = len(frames(c.pin, src=peer))
    expect(not to_peer and not from_peer,
           "%s: nothing passes between the client and %s (%d frames from it in the capture)"
           % (c.cap, peer, n_in),
           "%d frames to it, %d from it forwarded" % (len(to_peer), len(from_peer)))


def case_not_allowed(c):
    no_frames_between(c, cd.OUTSIDE4, allow_rst_to_client=True)
    no_frames_between(c, cd.OUTSIDE6)
    rst = [p for p in c.pout if p.rst and p.dst == "10.99.0.10" and p.dport == 41011]
    syn = next(p for p in c.pin if p.syn and p.sport == 41011)
    expect(len(rst) == 1 and rst[0].ack == (syn.seq + 1) & 0xFFFFFFFF and rst[0].sport == 53,
           "%s: the TCP SYN to %s:53 is answered by one RST from it (ack = ISN + 1)"
           % (c.cap, cd.OUTSIDE4), "resets %s" % [(p.sport, p.ack) for p in rst])
    counters(c, {"flows_denied_by_reason.dns_not_allowed": 4})


def case_spoofed(c):
    no_frames_between(c, cd.SPOOF4)


def case_dot(c):
    syn = [p for p in c.pout if p.syn and p.dport == 853]
    rst = [p for p in c.pout if p.rst and p.sport == 853]
    expect(not syn and len(rst) == 2,
           "%s: no SYN to port 853 passes; each client gets a RST" % c.cap,
           "%d SYNs forwarded, %d resets" % (len(syn), len(rst)))


def case_ttl(c, gap, allowed):
    v = c.verdict_events()
    ans = [e for e in c.eve if e.get("event_type") == "dns" and
           (e.get("dns") or {}).get("type") == "answer"]
    tls = [e for e in v if e.get("event_type") == "tls"]
    if len(ans) != 1 or len(tls) != 1:
        fail("%s: one answer and one TLS verdict" % c.cap, *[ev_desc(e) for e in v])
        return
    dt = (ev_ns(tls[0]) - ev_ns(ans[0])) / 1e9
    verdict = (tls[0].get("gw") or {}).get("verdict")
    expect(gap <= dt < gap + 1 and verdict == ("allow" if allowed else "deny"),
           "%s: TTL 1 answer, ClientHello %.0f s later: %s" % (c.cap, gap,
                                                                "allowed" if allowed else "denied"),
           "%.3f s later: %s" % (dt, ev_desc(tls[0])))


def case_active_flow(c):
    tls = [e for e in c.verdict_events() if e.get("event_type") == "tls"]
    ends = {e.get("flow_id"): e for e in c.eve if e.get("event_type") == "flow"}
    if len(tls) != 2:
        fail("%s: two TLS verdicts" % c.cap, *[ev_desc(e) for e in tls])
        return
    first, second = tls
    dt = (ev_ns(second) - ev_ns(first)) / 1e9
    # The first connection is still open (no FIN) when the second starts.
    end = ends.get(first.get("flow_id"))
    open_ = end is not None and (end.get("flow") or {}).get("reason") == "shutdown" and \
        (end.get("tcp") or {}).get("state") != "closed"
    expect(dt >= cd.ACTIVE_GAP_S and open_,
           "%s: the second connection comes %.0f s after the first, which is still open"
           % (c.cap, cd.ACTIVE_GAP_S),
           "dt %.3f s; first flow's end %s" % (dt, json.dumps(end)[:300] if end else None))
    expect((second.get("gw") or {}).get("verdict") == "allow",
           "%s: an address stays bound while a flow to it is active (TTL 1 + grace 60 s "
           "passed)" % c.cap, ev_desc(second))


def case_sftp(c):
    # Denied at the SYN: nothing reaches .23:22 or .22:443; each SYN is
    # answered by a RST; the allowed session is judged by ../check.py.
    for dst, port in ((cd.SFTP_OTHER, 22), (cd.SFTP, 443)):
        syn = frames(c.pout, dst=dst, dport=port)
        rst = [p for p in c.pout if p.rst and p.src == dst and p.sport == port]
        expect(not syn and len(rst) == 1,
               "%s: nothing reaches %s:%d, the client gets one RST" % (c.cap, dst, port),
               "%d frames forwarded, %d resets" % (len(syn), len(rst)))


def case_sftp_denied(c):
    syn = frames(c.pout, dst=cd.SFTP, dport=22)
    rst = [p for p in c.pout if p.rst and p.src == cd.SFTP and p.sport == 22]
    expect(not syn and len(rst) == 1,
           "%s: the SYN to %s:22 never reaches it, the client gets one RST" % (c.cap, cd.SFTP),
           "%d frames forwarded, %d resets" % (len(syn), len(rst)))


def case_quic_allow(c):
    fwd = frames(c.pout, dst=cd.OTHER, proto="udp", dport=443)
    back = frames(c.pout, src=cd.WEB, proto="udp", sport=443)
    expect(not fwd and len(back) == 1,
           "%s: QUIC to the bound address passes both ways, to another address not at all" % c.cap,
           "%d datagrams to %s, %d replies from %s" % (len(fwd), cd.OTHER, len(back), cd.WEB))


def case_tcp_malformed(c):
    conn = next(x for x in check.conns_of(c.pin) if x.server == (cd.RESOLVER4, 53))
    evs = [e for e in c.verdict_events() if e.get("src_port") == conn.client[1]]
    got = [((e.get("gw") or {}).get("verdict"), (e.get("gw") or {}).get("reason")) for e in evs]
    expect(got == [("allow", None), ("deny", "malformed")],
           "%s: the DNS/TCP flow is allowed at its SYN, then denied malformed" % c.cap,
           "verdict events %s" % got)
    counters(c, {"flows_denied_by_reason.malformed": 1})
    expect(c.summ("drops", "malformed") >= 1, "%s: summary drops.malformed >= 1" % c.cap,
           "drops %s" % c.summ("drops"))
    # Client payload that reached the resolver: the first query only (32
    # bytes), not the bad message, its retransmission or the query after.
    sent = [p.tcplen for p in c.pout if conn.dir_of(p) == "c2s" and p.tcplen > 0]
    first = len(cd.framed(cd.dns_query(cd.QID["tcp-malformed"], "allowed.test")))
    expect(sent == [first], "%s: only the first query reaches the resolver; the malformed "
           "message, its retransmission and the query after it do not" % c.cap,
           "client payload segments forwarded (lengths): %s" % sent)
    # Its answer reached the client before the bad message.
    back = [p.tcplen for p in c.pout if conn.dir_of(p) == "s2c" and p.tcplen > 0]
    expect(len(back) == 1, "%s: the answer before the malformed message reaches the client" % c.cap,
           "server payload segments forwarded (lengths): %s" % back)


CASES = {
    "dns-tcp-malformed": case_tcp_malformed,
    "dns-malformed": case_malformed,
    "dns-not-allowed": case_not_allowed,
    "dns-spoofed-resolver": case_spoofed,
    "dns-dot": case_dot,
    "dns-ttl1-2s": lambda c: case_ttl(c, 2.0, True),
    "dns-ttl1-70s": lambda c: case_ttl(c, 70.0, False),
    "dns-ttl1-active-flow": case_active_flow,
    "dns-sftp": case_sftp,
    "dns-sftp-no-answer": case_sftp_denied,
    "dns-sftp-other-name": case_sftp_denied,
    "dns-quic-allow-vlan13": case_quic_allow,
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
        if not rows:
            fail("expectation for %s.pcap in dns/expected.tsv" % n)
            continue
        c = Case(n, a.captures, a.results)
        if not os.path.exists(c.outpath):
            fail("output %s: output pcap written" % c.cap)
            continue
        if n in REVOKED:
            try:
                check_dns_events(c)
                CASES[n](c)
            except Exception as e:  # one failure, go on
                fail("%s: checks ran" % c.cap, "%s: %s" % (type(e).__name__, e))
            continue
        try:
            eve, bad = check.load_eve(os.path.join(a.results, n + ".eve.json"))
            check.check_eve(c.cap, rows, eve, bad)
            names = sorted({r.name for r in rows if r.name not in ("-", "*")})
            seen = check.tshark_names(c.inp) if names else set()
            for name in names:
                expect(name in seen, "oracle %s: tshark finds %s in the capture" % (c.cap, name),
                       "tshark finds %s" % sorted(seen))
            if n not in OWN_OUTPUT:
                check.check_output(c.cap, rows, c.pin, c.pout, c.summary)
                udp_answers_forwarded(c, rows)
            check_consistency(c)
            check_gw(c)
            check_dns_events(c)
            fn = CASES.get(n)
            if fn is not None:
                fn(c)
        except Exception as e:  # a broken capture or tool: one failure, go on
            fail("%s: checks ran" % c.cap, "%s: %s" % (type(e).__name__, e))
    print("# check_dns.py: %d passed, %d failed" % (check.PASS, check.FAIL))
    return 1 if check.FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
