#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""craft_edge.py OUTDIR: crafted captures of the gateway's edge behaviours.

Companion of ../craft.py (whose ClientHello encoder and TCP session
builder it uses): a full flow table, reassembly timeouts, retransmitted
held segments, port reuse, ICMP echo and errors, malformed and non-IP
frames, HTTP methods / CONNECT / absolute-form, a TCP segment of a flow
never seen opening, a stacked 802.1Q QinQ frame. Replayed with
edge/policy.yaml; expectations in edge/expected.tsv (verdicts, checked by
../check.py) and in check_edge.py (what each case is about).

Deterministic: seeded RNG, fixed timestamps.
"""

import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import craft  # noqa: E402  (tests/replay/craft.py)
from craft import (CLI4, CLI_MAC, MSS, SRV4, SRV_MAC, Capture,  # noqa: E402
                   Tcp, client_hello, http_request, l2, records,
                   server_flight, tcp_session)
from scapy.all import (ARP, ICMP, IP, UDP, Dot1Q, Ether, IPv6,  # noqa: E402
                       Raw, TCP)

SYN_OPTS = [("MSS", MSS), ("SAckOK", b""), ("WScale", 7)]

# flow_table_full: TABLE_FLOWS SYNs from ports TABLE_SPORT0.. against a
# table of TABLE_CAPACITY (edge/policy.yaml gateway.flow_capacity).
TABLE_CAPACITY = 1024
TABLE_FLOWS = 1100
TABLE_SPORT0 = 20000

# Reassembly timeout (policy: 2000 ms) and the gap before the unrelated
# frame that lets the timers run.
REASM_TIMEOUT_S = 2.0
REASM_GAP_S = 3.0
REASM_SLOW_S = 1.0
HALF = 600            # bytes of the ClientHello in the first segment

ARP_TARGET = "10.99.0.1"
PORT_REUSE_SPORT = 40200


def arp_request(cap, dt):
    cap.add(Ether(src=CLI_MAC, dst="ff:ff:ff:ff:ff:ff") /
            ARP(op=1, hwsrc=CLI_MAC, psrc=CLI4, pdst=ARP_TARGET), dt)


def flow_table_full(rng):
    """TABLE_FLOWS concurrent SYNs; later flow 0 completes its handshake and
    sends an allowed ClientHello (it must be untouched by the full table)."""
    cap = Capture()
    conns = []
    for i in range(TABLE_FLOWS):
        c = Tcp(cap, rng, CLI4, SRV4, TABLE_SPORT0 + i, 443)
        c.seg(True, "S", opts=SYN_OPTS, dt=0.0002)
        c.c_next += 1
        conns.append(c)
    c = conns[0]
    c.seg(False, "SA", opts=SYN_OPTS, dt=0.01)
    c.s_next += 1
    c.seg(True, "A", dt=0.0001)
    c.client_send(records(client_hello(rng, sni=b"allowed.test")))
    c.server_send(server_flight(rng))
    c.close()
    return cap.pkts


def tls_split(rng, sport, gap, mid_arp=None, sni=b"allowed.test", tail=()):
    """Handshake, the first HALF bytes of a ClientHello, `gap` seconds later
    the rest (an ARP frame at mid_arp seconds after the first half), then
    `tail` ("retx-first": the first segment again)."""
    cap = Capture()
    c = Tcp(cap, rng, CLI4, SRV4, sport, 443)
    rec = records(client_hello(rng, sni=sni))
    c.handshake()
    c.seg(True, "PA", rec[:HALF])
    if mid_arp is not None:
        arp_request(cap, mid_arp)
        gap -= mid_arp
    c.seg(True, "PA", rec[HALF:], seq=c.c_next + HALF, dt=gap)
    for t in tail:
        if t == "retx-first":
            c.seg(True, "PA", rec[:HALF], dt=0.2)
    c.c_next += len(rec)
    c.seg(False, "A", dt=0.0002)
    c.server_send(server_flight(rng))
    c.close()
    return cap.pkts


def held_duplicate(rng, sport, coalesced=False):
    """The first segment of a ClientHello is retransmitted while the flow is
    pending. coalesced: the original second segment is lost before the
    gateway and the retransmission carries both (as Linux's retransmit
    collapse does), so the copy at the same sequence number is longer."""
    cap = Capture()
    c = Tcp(cap, rng, CLI4, SRV4, sport, 443)
    rec = records(client_hello(rng, sni=b"allowed.test"))
    first = 300 if coalesced else HALF
    c.handshake()
    c.seg(True, "PA", rec[:first])
    # 200 ms: an RTO-like gap, far below the 2 s reassembly timeout.
    c.seg(True, "PA", rec[:HALF], dt=0.2)
    c.seg(True, "PA", rec[HALF:], seq=c.c_next + HALF)
    c.c_next += len(rec)
    c.seg(False, "A", dt=0.0002)
    c.server_send(server_flight(rng))
    c.close()
    return cap.pkts


def overlap_conflict(rng, sport):
    """Two copies of one ClientHello that differ only in the server name
    (allowed.test / evil-c2.test, same length): the segment holding the
    rest of the hello, from just before the name, with allowed.test comes
    first; then the first segment, reaching past the name, with
    evil-c2.test. A receiver that keeps the first copy of overlapping bytes
    reads allowed.test; the server, which gets the first segment in order
    and trims the overlap of the second, reads evil-c2.test."""
    seed = rng.getrandbits(64)
    good = records(client_hello(random.Random(seed), sni=b"allowed.test"))
    evil = records(client_hello(random.Random(seed), sni=b"evil-c2.test"))
    assert len(good) == len(evil)
    pos = good.index(b"allowed.test")
    assert evil.index(b"evil-c2.test") == pos
    k, m = pos - 10, pos + 12 + 10
    cap = Capture()
    c = Tcp(cap, rng, CLI4, SRV4, sport, 443)
    c.handshake()
    c.seg(True, "PA", good[k:], seq=c.c_next + k)
    c.seg(True, "PA", evil[:m], seq=c.c_next)
    c.c_next += len(good)
    c.seg(False, "A", dt=0.0002)
    c.server_send(server_flight(rng))
    c.close()
    return cap.pkts, pos


def port_reuse(rng, first_sni, second_sni, first_close):
    """Two connections on one 5-tuple: the first ends (reset by the gateway
    when denied, FIN exchange when allowed), then a new SYN with another
    ISN opens the second, which must be decided on its own name."""
    cap = Capture()
    a = Tcp(cap, rng, CLI4, SRV4, PORT_REUSE_SPORT, 443)
    rec = records(client_hello(rng, sni=first_sni))
    a.handshake()
    a.client_send(rec, ack=False)
    if first_close == "denied":
        # The client did not see the reset in time: one retransmission,
        # and a retransmitted SYN of the old connection (its own ISN).
        a.seg(True, "PA", rec[:MSS], seq=a.c_isn + 1, dt=0.2)
        a.seg(True, "S", seq=a.c_isn, opts=SYN_OPTS, dt=0.2)
    else:
        a.seg(False, "A", dt=0.0002)
        a.server_send(server_flight(rng))
        a.close()
    b = Tcp(cap, rng, CLI4, SRV4, PORT_REUSE_SPORT, 443)
    assert b.c_isn != a.c_isn
    cap.t += 1.0
    b.handshake()
    b.client_send(records(client_hello(rng, sni=second_sni)))
    b.server_send(server_flight(rng))
    b.close()
    return cap.pkts, a.c_isn, b.c_isn


def icmp_echo(rng):
    """Echo request/reply on VLAN 20 (role app: 10.99.0.0/24, any
    protocol), and two echoes no rule allows."""
    cap = Capture()
    for vlans, dst, ident, reply in (((20,), SRV4, 0x4501, True),
                                     ((), "10.99.0.101", 0x4502, True),
                                     ((20,), "203.0.113.10", 0x4503, False)):
        data = rng.randbytes(56)
        cap.add(l2(vlans) / IP(src=CLI4, dst=dst, id=rng.getrandbits(16)) /
                ICMP(type=8, id=ident, seq=1) / Raw(data))
        if reply:
            cap.add(l2(vlans, from_client=False) /
                    IP(src=dst, dst=CLI4, id=rng.getrandbits(16)) /
                    ICMP(type=0, id=ident, seq=1) / Raw(data), dt=0.001)
    return cap.pkts


def icmp_unreach(vlans, src, dst, quoted):
    """ICMP port unreachable from src to dst quoting the first 28 bytes of
    the IPv4 packet `quoted` (RFC 792: IP header + 8 bytes)."""
    return (l2(vlans, from_client=(src == CLI4)) /
            IP(src=src, dst=dst, ttl=64) / ICMP(type=3, code=3) /
            Raw(bytes(quoted)[:28]))


def icmp_errors(rng):
    cap = Capture()
    v20 = (20,)
    # 1. Allowed UDP flow; the server's port-unreachable goes to the client.
    q = IP(src=CLI4, dst=SRV4, id=rng.getrandbits(16)) / \
        UDP(sport=41020, dport=5353) / Raw(b"\x00" * 12)
    cap.add(l2(v20) / q)
    cap.add(icmp_unreach(v20, SRV4, CLI4, q), dt=0.001)
    # 2. Allowed UDP flow with a reply; the client's port-unreachable for
    # the reply goes to the server.
    q = IP(src=CLI4, dst="10.99.0.101", id=rng.getrandbits(16)) / \
        UDP(sport=41021, dport=5353) / Raw(b"\x01" * 12)
    cap.add(l2(v20) / q)
    r = IP(src="10.99.0.101", dst=CLI4, id=rng.getrandbits(16)) / \
        UDP(sport=5353, dport=41021) / Raw(b"\x02" * 12)
    cap.add(l2(v20, from_client=False) / r, dt=0.001)
    cap.add(icmp_unreach(v20, CLI4, "10.99.0.101", r), dt=0.001)
    # 3. Quoting a flow that never existed: dropped (unclassified).
    q = IP(src=CLI4, dst="10.99.0.102") / UDP(sport=41022, dport=5353)
    cap.add(icmp_unreach(v20, "10.99.0.102", CLI4, q), dt=0.001)
    # 4. Quoting a denied flow (UDP from an untagged host, role web has no
    # CIDR): dropped (flow_denied).
    q = IP(src=CLI4, dst="10.99.0.103", id=rng.getrandbits(16)) / \
        UDP(sport=41023, dport=53) / Raw(b"\x03" * 12)
    cap.add(l2(()) / q)
    cap.add(icmp_unreach((), "10.99.0.103", CLI4, q), dt=0.001)
    return cap.pkts


def malformed(rng):
    """Frames that are not valid IP, and ARP that passes."""
    cap = Capture()
    eth = Ether(src=CLI_MAC, dst=SRV_MAC)
    ip = bytes(IP(src=CLI4, dst=SRV4, id=rng.getrandbits(16)) /
               TCP(sport=40300, dport=443, flags="S", seq=1))
    # Truncated IPv4 header: 12 of its 20 bytes.
    cap.add(Ether(src=CLI_MAC, dst=SRV_MAC, type=0x0800) / Raw(ip[:12]))
    # IPv4 total length beyond the frame.
    big = bytearray(ip)
    big[2:4] = (1000).to_bytes(2, "big")
    cap.add(Ether(src=CLI_MAC, dst=SRV_MAC, type=0x0800) / Raw(bytes(big)))
    # TCP data offset 15 (60 bytes) in a 20-byte TCP header.
    cap.add(eth / IP(src=CLI4, dst=SRV4, id=rng.getrandbits(16)) /
            TCP(sport=40301, dport=443, flags="S", seq=2, dataofs=15))
    # IPv6 payload length beyond the frame.
    v6 = bytearray(bytes(IPv6(src="fd99::10", dst="fd99::100", plen=400) /
                         TCP(sport=40302, dport=443, flags="S")))
    cap.add(Ether(src=CLI_MAC, dst=SRV_MAC, type=0x86DD) / Raw(bytes(v6)))
    # Three VLAN tags (at most two are parsed).
    cap.add(eth / Dot1Q(vlan=10) / Dot1Q(vlan=20) / Dot1Q(vlan=30) /
            IP(src=CLI4, dst=SRV4) / TCP(sport=40303, dport=443, flags="S"))
    # LLDP (0x88cc): neither IP nor ARP.
    lldp = (b"\x02\x07\x04" + bytes.fromhex(CLI_MAC.replace(":", "")) +
            b"\x04\x03\x05c0" + b"\x06\x02\x00\x78" + b"\x00\x00")
    cap.add(Ether(src=CLI_MAC, dst="01:80:c2:00:00:0e", type=0x88CC) /
            Raw(lldp))
    # ARP request and reply: passed.
    arp_request(cap, 0.001)
    cap.add(Ether(src=SRV_MAC, dst=CLI_MAC) /
            ARP(op=2, hwsrc=SRV_MAC, psrc=ARP_TARGET, hwdst=CLI_MAC,
                pdst=CLI4), dt=0.001)
    return cap.pkts


def tcp_no_syn(rng):
    """Client segments of a connection whose opening the gateway never saw
    (e.g. established before it started)."""
    cap = Capture()
    c = Tcp(cap, rng, CLI4, SRV4, 40400, 443)
    c.c_next = c.c_isn + 5000
    c.s_next = c.s_isn + 9000
    c.seg(True, "A")
    c.seg(True, "PA", b"\x17\x03\x03\x00\x10" + rng.randbytes(16))
    c.seg(True, "FA", seq=c.c_next + 21)
    return cap.pkts


def qinq_8100(rng):
    """QinQ with 802.1Q TPIDs on both tags (outer 100, inner 20): role app
    by the inner VID. A NIC with VLAN stripping takes the outer one."""
    pkts = tcp_session(rng, records(client_hello(rng, sni=b"allowed.test")),
                       vlans=(100, 20), sport=40500)
    out = []
    for p in pkts:
        b = bytearray(bytes(p))
        assert b[12:14] == b"\x88\xa8"
        b[12:14] = b"\x81\x00"
        q = Ether(bytes(b))
        q.time = p.time
        out.append(q)
    return out


def build(outdir):
    rng = random.Random(0x6564)      # "ed"
    cases = {}

    cases["edge-flow-table-full"] = flow_table_full(rng)

    cases["edge-tls-reasm-timeout"] = tls_split(
        rng, 40101, REASM_GAP_S + 0.01, mid_arp=REASM_GAP_S,
        tail=("retx-first",))
    cases["edge-tls-reasm-slow-1s"] = tls_split(rng, 40102, REASM_SLOW_S,
                                                mid_arp=0.5)
    cases["edge-tls-held-duplicate"] = held_duplicate(rng, 40103)
    cases["edge-tls-held-dup-coalesced"] = held_duplicate(rng, 40104,
                                                          coalesced=True)

    cases["edge-tls-overlap-conflict"], _ = overlap_conflict(rng, 40105)
    cases["edge-port-reuse-after-deny"], _, _ = port_reuse(
        rng, b"denied.test", b"allowed.test", "denied")
    cases["edge-port-reuse-after-allow"], _, _ = port_reuse(
        rng, b"allowed.test", b"denied.test", "fin")

    cases["edge-tcp-no-syn"] = tcp_no_syn(rng)
    cases["edge-icmp-echo"] = icmp_echo(rng)
    cases["edge-icmp-errors"] = icmp_errors(rng)
    cases["edge-malformed"] = malformed(rng)
    cases["edge-qinq8100-100-20"] = qinq_8100(rng)

    # HTTP on port 80. VLAN 40: role getonly (allow_methods: [GET]).
    def http(name, req, vlans=(), sport=0):
        cases[name] = tcp_session(rng, req, dport=80, vlans=vlans,
                                  sport=sport)
    http("edge-http-get-vlan40", http_request("allowed.test"), (40,), 40601)
    http("edge-http-post-vlan40",
         http_request("allowed.test", method="POST"), (40,), 40602)
    http("edge-http-connect-vlan40",
         http_request("allowed.test:443", method="CONNECT",
                      target="allowed.test:443"), (40,), 40603)
    http("edge-http-connect-allowed",
         http_request("allowed.test:443", method="CONNECT",
                      target="allowed.test:443"), (), 40604)
    http("edge-http-connect-denied",
         http_request("denied.test:443", method="CONNECT",
                      target="denied.test:443"), (), 40605)
    http("edge-http-connect-conflict",
         http_request("allowed.test:443", method="CONNECT",
                      target="denied.test:443"), (), 40606)
    http("edge-http-absolute-allowed",
         http_request("allowed.test", target="http://allowed.test/x"), (),
         40607)
    # Absolute-form authority and Host disagree, both ways round.
    http("edge-http-absolute-conflict",
         http_request("allowed.test", target="http://denied.test/"), (),
         40608)
    http("edge-http-absolute-conflict-rev",
         http_request("denied.test", target="http://allowed.test/"), (),
         40609)

    os.makedirs(outdir, exist_ok=True)
    for name, pkts in cases.items():
        craft.wrpcap(os.path.join(outdir, name + ".pcap"), pkts)
    return sorted(cases)


def main():
    if len(sys.argv) != 2:
        print("usage: craft_edge.py OUTDIR", file=sys.stderr)
        return 2
    for name in build(sys.argv[1]):
        print(name + ".pcap")
    return 0


if __name__ == "__main__":
    sys.exit(main())
