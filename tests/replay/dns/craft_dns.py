#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""craft_dns.py OUTDIR: crafted captures of DNS egress control and name
bindings for egressgw replay.

Each capture is a short story as a capture point between client and
resolver/servers would see it: DNS queries and answers (built with
scapy's DNS layer; the malformed ones byte by byte), then TLS, HTTP, SSH
or QUIC-like traffic to the addresses those answers gave, or to others.
The ClientHello encoder and the TCP session builder are ../craft.py's.
Replayed with dns/policy.yaml; expectations in dns/expected.tsv (verdicts,
judged by ../check.py) and in check_dns.py (bindings, dns events,
counters, frames).

In replay the gateway learns names only from the answers in the capture,
so every binding below comes from an answer written here.

Deterministic: seeded RNG, fixed timestamps, fixed DNS ids.
"""

import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from craft import (CLI4, CLI6, MSS, Capture, Tcp,  # noqa: E402
                   client_hello, http_request, l2, records, server_flight,
                   HTTP_RESPONSE)
from scapy.all import DNS, DNSQR, DNSRR, IP, IPv6, UDP, Raw, wrpcap  # noqa: E402

# Addresses (dns/policy.yaml).
RESOLVER4 = "10.99.0.53"          # dns.allow
RESOLVER6 = "fd99::53"            # dns.allow
OUTSIDE4 = "192.0.2.53"           # a public resolver: not allowed
OUTSIDE6 = "2001:db8::53"
SPOOF4 = "10.99.0.99"             # not a resolver of dns.allow
WEB = "10.99.0.100"               # what the resolver gives for allowed.test
OTHER = "10.99.0.101"             # an address the client picks itself
CDN = "10.99.0.102"               # cdn.allowed.test (CNAME target)
API = "10.99.0.103"               # api.allowed.test
WEB6, OTHER6 = "fd99::100", "fd99::101"
SFTP = "10.99.0.22"               # sftp.partner.test
SFTP_OTHER = "10.99.0.23"
CIDR_HOST = "192.0.2.10"          # inside role app's allow_cidrs (VLAN 20)

VLAN_LOG, VLAN_OFF, VLAN_QUIC, VLAN_APP, VLAN_BATCH = 11, 12, 13, 20, 30

# DNS transaction ids, fixed so that check_dns.py can name them.
QID = {
    "bound": 0x1001, "cname": 0x1002, "tcp": 0x1003, "aaaa": 0x1004,
    "nx": 0x1005, "ttl": 0x1006, "log": 0x1007, "doh": 0x1008,
    "quic": 0x1009, "sftp": 0x100A, "sftp-other": 0x100B, "spoof": 0x100C,
    "client-answer": 0x100D, "unrelated": 0x100E, "id-query": 0x1010,
    "id-answer": 0x1011, "qname": 0x1012, "escape": 0x1013,
    "tcp-split": 0x1014, "tcp-split-prefix": 0x1015, "tcp-two-a": 0x1016,
    "tcp-two-b": 0x1017, "tcp-hole": 0x1018, "tcp-malformed": 0x1019,
    "tcp-after-malformed": 0x101A,
}
TTL = 300
MALFORMED_ANSWERS = 5       # dns-malformed: answers that must not parse
MALFORMED_QUERIES = 1       # dns-malformed: a datagram to port 53 that is not DNS
ACTIVE_GAP_S = 70.0         # dns-ttl1-active-flow: second connection after
ESCAPE_QNAME = b'we"ird\\na\x01me.allowed.test'


def dns_query(qid, qname, qtype="A"):
    return DNS(id=qid, rd=1, qd=DNSQR(qname=qname, qtype=qtype))


def rr(name, rtype, rdata, ttl=TTL):
    return DNSRR(rrname=name, type=rtype, rclass="IN", ttl=ttl, rdata=rdata)


def dns_answer(q, rrs=(), rcode=0, qid=None, qd=None):
    """The resolver's answer to q (same id and question unless given)."""
    an = None
    for r in rrs:
        an = r if an is None else an / r
    return DNS(id=q.id if qid is None else qid, qr=1, rd=1, ra=1,
               rcode=rcode, qd=q.qd if qd is None else qd, an=an)


def compress_owner(msg):
    """Wire bytes of a one-question answer whose answer RRs are owned by the
    question name, with each owner written as a pointer to the question
    (offset 12), as resolvers do. scapy 2.5's dns_compress() mangles
    names, so this does the one substitution resolvers always make."""
    b = bytes(msg)
    qname = b[12:b.index(b"\x00", 12) + 1]
    head = 12 + len(qname) + 4
    return b[:head] + b[head:].replace(qname, b"\xc0\x0c")


def quic_initial(rng, n=1200):
    """Bytes shaped like a QUIC v1 Initial (RFC 9000 17.2.2): long header,
    version 1, 8-byte connection ids, no token, the rest random."""
    body = bytes([0xC3]) + struct.pack("!I", 1) + bytes([8]) + rng.randbytes(8) + \
        bytes([8]) + rng.randbytes(8) + b"\x00" + struct.pack("!H", 0x4000 | (n - 26))
    return body + rng.randbytes(n - len(body))


class Story:
    """One capture: DNS exchanges and connections one after another."""

    def __init__(self, rng):
        self.cap = Capture()
        self.rng = rng

    def wait(self, secs):
        self.cap.t += secs

    def _ip(self, src, dst):
        if ":" in src:
            return IPv6(src=src, dst=dst, hlim=64)
        return IP(src=src, dst=dst, ttl=64, id=self.rng.getrandbits(16))

    def udp(self, src, dst, sport, dport, payload, vlans=(), from_client=True,
            dt=0.0005):
        p = l2(vlans, from_client=from_client) / self._ip(src, dst) / \
            UDP(sport=sport, dport=dport)
        p = p / (Raw(payload) if isinstance(payload, bytes) else payload)
        self.cap.add(p, dt)

    def dns_udp(self, srv, sport, query, answer=None, vlans=()):
        """A query from the client and (answer not None) the reply."""
        cli = CLI6 if ":" in srv else CLI4
        self.udp(cli, srv, sport, 53, query, vlans)
        if answer is not None:
            self.udp(srv, cli, 53, sport, answer, vlans, from_client=False,
                     dt=0.003)

    def dns_tcp(self, srv, sport, query, answer, vlans=()):
        """DNS over TCP (RFC 7766): 2-byte length prefix per message."""
        q, a = bytes(query), bytes(answer)
        c = Tcp(self.cap, self.rng, CLI4, srv, sport, 53, vlans)
        c.handshake()
        c.client_send(struct.pack("!H", len(q)) + q)
        c.server_send(struct.pack("!H", len(a)) + a)
        c.close()

    def tls(self, dst, sni, sport, vlans=(), dport=443, close=True):
        v6 = ":" in dst
        c = Tcp(self.cap, self.rng, CLI6 if v6 else CLI4, dst, sport, dport,
                vlans, v6)
        c.handshake()
        c.client_send(records(client_hello(self.rng, sni=sni.encode())))
        c.server_send(server_flight(self.rng))
        if close:
            c.close()
        return c

    def http(self, dst, host, sport, vlans=(), target="/"):
        c = Tcp(self.cap, self.rng, CLI4, dst, sport, 80, vlans)
        c.handshake()
        c.client_send(http_request(host, target=target))
        c.server_send(HTTP_RESPONSE)
        c.close()

    def ssh(self, dst, sport, vlans=()):
        c = Tcp(self.cap, self.rng, CLI4, dst, sport, 22, vlans)
        c.handshake()
        c.client_send(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
        c.server_send(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n")
        c.close()

    def syn_only(self, dst, sport, dport, vlans=()):
        """A SYN nobody answers, retransmitted 1 s later."""
        opts = [("MSS", MSS), ("SAckOK", b""), ("WScale", 7)]
        c = Tcp(self.cap, self.rng, CLI4, dst, sport, dport, vlans)
        c.seg(True, "S", opts=opts)
        c.seg(True, "S", seq=c.c_isn, opts=opts, dt=1.0)


def framed(*msgs):
    """DNS over TCP: each message behind its 2-byte length (RFC 7766)."""
    return b"".join(struct.pack("!H", len(bytes(m))) + bytes(m) for m in msgs)


def pieces(c, from_client, data, cuts=(), order=None):
    """Sends data on TCP connection c from one side as segments of the given
    lengths (the rest in one piece), in `order` (indices; an index given
    twice is a retransmission, one left out never arrives), then the
    peer's ACK of everything."""
    segs, pos = [], 0
    for n in list(cuts) + [len(data)]:
        if pos < len(data):
            segs.append((pos, data[pos:pos + n]))
            pos += n
    base = c.c_next if from_client else c.s_next
    for i in (range(len(segs)) if order is None else order):
        off, chunk = segs[i]
        c.seg(from_client, "PA", chunk, seq=base + off, dt=0.0002)
    if from_client:
        c.c_next += len(data)
    else:
        c.s_next += len(data)
    c.seg(not from_client, "A", dt=0.0001)


def bind(story, name, addr, sport, qid, vlans=(), ttl=TTL, srv=RESOLVER4):
    q = dns_query(qid, name, "AAAA" if ":" in addr else "A")
    a = dns_answer(q, [rr(name, "AAAA" if ":" in addr else "A", addr, ttl)])
    story.dns_udp(srv, sport, q, compress_owner(a), vlans)


# ---- malformed answers (RFC 9267 cases), each claiming allowed.test -> OTHER

def _hdr(qid, an, flags=0x8180):
    return struct.pack("!HHHHHH", qid, flags, 1, an, 0, 0)


QNAME_WIRE = b"\x07allowed\x04test\x00"
QUESTION = QNAME_WIRE + struct.pack("!HH", 1, 1)
A_OTHER = struct.pack("!HHIH", 1, 1, TTL, 4) + bytes(int(x) for x in OTHER.split("."))


def malformed_answers(qid):
    """[(what, bytes)] of answers that a bounded parser must refuse; a
    lenient one would find allowed.test -> OTHER in each."""
    out = []
    # A forward compression pointer: the owner points past itself, at a
    # copy of the name placed after the record (RFC 9267 2).
    rr_at = 12 + len(QUESTION)
    fwd = struct.pack("!H", 0xC000 | (rr_at + 2 + len(A_OTHER)))
    out.append(("forward pointer", _hdr(qid, 1) + QUESTION + fwd + A_OTHER + QNAME_WIRE))
    # A pointer to itself (a loop).
    loop = struct.pack("!H", 0xC000 | rr_at)
    out.append(("pointer loop", _hdr(qid + 1, 1) + QUESTION + loop + A_OTHER))
    # ancount says 3; one record follows.
    out.append(("count that lies", _hdr(qid + 2, 3) + QUESTION + b"\xc0\x0c" + A_OTHER))
    # RDLENGTH 4 with 2 bytes of RDATA (truncated record).
    out.append(("truncated rdata", _hdr(qid + 3, 1) + QUESTION + b"\xc0\x0c" + A_OTHER[:-2]))
    # A label of reserved type 0x40 (a "label over 63").
    bad = b"\x47allowed\x04test\x00"
    out.append(("label type 0x40", _hdr(qid + 4, 1) + QUESTION + bad + A_OTHER))
    assert len(out) == MALFORMED_ANSWERS
    return out


# ---- the captures ----------------------------------------------------------


def build(outdir):
    rng = random.Random(0x646E73)      # "dns"
    cases = {}

    def story():
        return Story(rng)

    # Bound: the resolver gives allowed.test -> WEB; TLS and HTTP to WEB
    # pass, the same names to OTHER are denied.
    s = story()
    bind(s, "allowed.test", WEB, 41001, QID["bound"])
    s.tls(WEB, "allowed.test", 43001)
    s.tls(OTHER, "allowed.test", 43002)
    s.http(WEB, "allowed.test", 43003)
    s.http(OTHER, "allowed.test", 43004)
    cases["dns-bound"] = s.cap.pkts

    # CNAME chain: www.allowed.test -> cdn.allowed.test -> CDN (scapy's
    # uncompressed encoding). Both names of the chain are bound to CDN;
    # www at WEB is not.
    s = story()
    q = dns_query(QID["cname"], "www.allowed.test")
    s.dns_udp(RESOLVER4, 41002, q, dns_answer(q, [
        rr("www.allowed.test", "CNAME", "cdn.allowed.test"),
        rr("cdn.allowed.test", "A", CDN)]))
    s.tls(CDN, "www.allowed.test", 43010)
    s.tls(CDN, "cdn.allowed.test", 43011)
    s.tls(WEB, "www.allowed.test", 43012)
    cases["dns-cname"] = s.cap.pkts

    # An answer that also carries an A record owned by a name off the
    # chain (api.allowed.test -> API): only the chain is learned.
    s = story()
    q = dns_query(QID["unrelated"], "allowed.test")
    s.dns_udp(RESOLVER4, 41003, q, dns_answer(q, [
        rr("allowed.test", "A", WEB), rr("api.allowed.test", "A", API)]))
    s.tls(WEB, "allowed.test", 43020)
    s.tls(API, "api.allowed.test", 43021)
    cases["dns-unrelated-rr"] = s.cap.pkts

    # No answer at all before the connection.
    s = story()
    s.tls(WEB, "allowed.test", 43030)
    cases["dns-no-answer"] = s.cap.pkts

    # TTL 1: still bound 2 s later (grace 60 s), no longer 70 s later.
    s = story()
    bind(s, "allowed.test", WEB, 41004, QID["ttl"], ttl=1)
    s.wait(2.0)
    s.tls(WEB, "allowed.test", 43040)
    cases["dns-ttl1-2s"] = s.cap.pkts
    s = story()
    bind(s, "allowed.test", WEB, 41005, QID["ttl"], ttl=1)
    s.wait(70.0)
    s.tls(WEB, "allowed.test", 43041)
    cases["dns-ttl1-70s"] = s.cap.pkts

    # TTL 1, a connection to WEB opened 1 s later stays open; a second one
    # 70 s later: the address is kept while a flow to it is active.
    s = story()
    bind(s, "allowed.test", WEB, 41006, QID["ttl"], ttl=1)
    s.wait(1.0)
    s.tls(WEB, "allowed.test", 43042, close=False)
    s.wait(ACTIVE_GAP_S)
    s.tls(WEB, "allowed.test", 43043)
    cases["dns-ttl1-active-flow"] = s.cap.pkts

    # name_binding: log (VLAN 11): the same flows pass; the event says
    # bound or mismatch.
    s = story()
    bind(s, "allowed.test", WEB, 41007, QID["log"], vlans=(VLAN_LOG,))
    s.tls(WEB, "allowed.test", 43050, vlans=(VLAN_LOG,))
    s.tls(OTHER, "allowed.test", 43051, vlans=(VLAN_LOG,))
    s.http(OTHER, "allowed.test", 43052, vlans=(VLAN_LOG,))
    cases["dns-log-vlan11"] = s.cap.pkts

    # name_binding: off (VLAN 12): no answer, no check.
    s = story()
    s.tls(OTHER, "allowed.test", 43060, vlans=(VLAN_OFF,))
    cases["dns-off-vlan12"] = s.cap.pkts

    # DNS to resolvers not in dns.allow: UDP (the outside one answers; the
    # answer must not pass), TCP, IPv6, and from role app (VLAN 20) whose
    # allow_cidrs covers 192.0.2.0/24.
    s = story()
    q = dns_query(0x2001, "allowed.test")
    s.dns_udp(OUTSIDE4, 41010, q, dns_answer(q, [rr("allowed.test", "A", WEB)]))
    s.syn_only(OUTSIDE4, 41011, 53)
    s.dns_udp(OUTSIDE6, 41012, dns_query(0x2002, "allowed.test", "AAAA"))
    s.dns_udp(OUTSIDE4, 41013, dns_query(0x2003, "allowed.test"), vlans=(VLAN_APP,))
    cases["dns-not-allowed"] = s.cap.pkts

    # DoT (TCP 853), even to the allowed resolver and from role app; DoQ
    # (UDP 853).
    s = story()
    s.syn_only(RESOLVER4, 41020, 853)
    s.syn_only(OUTSIDE4, 41021, 853, vlans=(VLAN_APP,))
    cases["dns-dot"] = s.cap.pkts
    s = story()
    s.udp(CLI4, RESOLVER4, 41022, 853, quic_initial(rng))
    s.udp(CLI4, RESOLVER4, 41022, 853, quic_initial(rng), dt=0.3)
    cases["dns-doq"] = s.cap.pkts

    # DoH: dns.google is in role web's allowlist and the resolver bound it
    # to WEB, yet TLS and HTTP to it are denied doh; a per-user NextDNS
    # name (*.dns.nextdns.io in the built-in list) too.
    s = story()
    bind(s, "dns.google", WEB, 41030, QID["doh"])
    s.tls(WEB, "dns.google", 43070)
    s.http(WEB, "dns.google", 43071, target="/dns-query?dns=AAABAAABAAAAAAAAB2FsbG93ZWQEdGVzdAAAAQAB")
    s.tls(OTHER, "abc123.dns.nextdns.io", 43072)
    cases["dns-doh"] = s.cap.pkts

    # QUIC: blocked for role web; allowed by role app's CIDR rule.
    s = story()
    s.udp(CLI4, WEB, 41040, 443, quic_initial(rng))
    s.udp(CLI4, WEB, 41040, 443, quic_initial(rng), dt=0.3)
    s.udp(CLI4, CIDR_HOST, 41041, 443, quic_initial(rng), vlans=(VLAN_APP,))
    s.udp(CIDR_HOST, CLI4, 443, 41041, rng.randbytes(1200), vlans=(VLAN_APP,),
          from_client=False, dt=0.01)
    cases["dns-quic-blocked"] = s.cap.pkts
    # quic: allow (VLAN 13): only to an address bound to one of the names.
    s = story()
    bind(s, "allowed.test", WEB, 41042, QID["quic"], vlans=(VLAN_QUIC,))
    s.udp(CLI4, WEB, 41043, 443, quic_initial(rng), vlans=(VLAN_QUIC,))
    s.udp(WEB, CLI4, 443, 41043, rng.randbytes(1200), vlans=(VLAN_QUIC,),
          from_client=False, dt=0.01)
    s.udp(CLI4, OTHER, 41044, 443, quic_initial(rng), vlans=(VLAN_QUIC,))
    cases["dns-quic-allow-vlan13"] = s.cap.pkts

    # SFTP role (VLAN 30): port 22 only to sftp.partner.test's address.
    s = story()
    bind(s, "sftp.partner.test", SFTP, 41050, QID["sftp"], vlans=(VLAN_BATCH,))
    s.ssh(SFTP, 43080, vlans=(VLAN_BATCH,))
    s.syn_only(SFTP_OTHER, 43081, 22, vlans=(VLAN_BATCH,))
    s.syn_only(SFTP, 43082, 443, vlans=(VLAN_BATCH,))
    cases["dns-sftp"] = s.cap.pkts
    s = story()
    s.syn_only(SFTP, 43083, 22, vlans=(VLAN_BATCH,))
    cases["dns-sftp-no-answer"] = s.cap.pkts
    # A name the role does not list, bound to the SFTP address.
    s = story()
    bind(s, "allowed.test", SFTP, 41051, QID["sftp-other"], vlans=(VLAN_BATCH,))
    s.syn_only(SFTP, 43084, 22, vlans=(VLAN_BATCH,))
    cases["dns-sftp-other-name"] = s.cap.pkts

    # Answers that must not bind.
    # A query to a resolver not allowed is denied; its "answer" (from
    # SPOOF4:53, giving allowed.test -> OTHER) is dropped and not learned.
    s = story()
    q = dns_query(QID["spoof"], "allowed.test")
    s.dns_udp(SPOOF4, 41060, q, dns_answer(q, [rr("allowed.test", "A", OTHER)]))
    s.tls(OTHER, "allowed.test", 43090)
    cases["dns-spoofed-resolver"] = s.cap.pkts
    # An answer from the resolver's address with no query before it (on
    # the wire a WAN-initiated datagram; replay takes the first sender of
    # a flow for the inside host, so it reads as a flow from 10.99.0.53).
    s = story()
    q = dns_query(0x2010, "allowed.test")
    s.udp(RESOLVER4, CLI4, 53, 41061,
          dns_answer(q, [rr("allowed.test", "A", OTHER)]), from_client=False)
    s.tls(OTHER, "allowed.test", 43091)
    cases["dns-unsolicited-answer"] = s.cap.pkts
    # The client sends an "answer" to the resolver: a response towards
    # the server is not learned.
    s = story()
    q = dns_query(QID["client-answer"], "allowed.test")
    s.udp(CLI4, RESOLVER4, 41062, 53, dns_answer(q, [rr("allowed.test", "A", OTHER)]))
    s.tls(OTHER, "allowed.test", 43092)
    cases["dns-client-sent-answer"] = s.cap.pkts
    # On the allowed flow, an answer whose id matches no query (an
    # off-path spoof racing the resolver), then the real answer.
    s = story()
    q = dns_query(QID["id-query"], "allowed.test")
    s.dns_udp(RESOLVER4, 41063, q,
              dns_answer(q, [rr("allowed.test", "A", OTHER)], qid=QID["id-answer"]))
    s.udp(RESOLVER4, CLI4, 53, 41063, dns_answer(q, [rr("allowed.test", "A", WEB)]),
          from_client=False, dt=0.002)
    s.tls(OTHER, "allowed.test", 43093)
    s.tls(WEB, "allowed.test", 43094)
    cases["dns-id-mismatch"] = s.cap.pkts
    # An answer (right id) for another question than the one asked.
    s = story()
    q = dns_query(QID["qname"], "allowed.test")
    other_q = DNSQR(qname="api.allowed.test", qtype="A")
    s.dns_udp(RESOLVER4, 41064, q,
              dns_answer(q, [rr("api.allowed.test", "A", OTHER)], qd=other_q))
    s.tls(OTHER, "api.allowed.test", 43095)
    cases["dns-qname-mismatch"] = s.cap.pkts

    # Malformed answers on the allowed flow (dropped malformed, nothing
    # learned), and a datagram to the resolver that is not DNS.
    s = story()
    for i, (_, msg) in enumerate(malformed_answers(0x3001)):
        q = dns_query(struct.unpack("!H", msg[:2])[0], "allowed.test")
        s.dns_udp(RESOLVER4, 41070 + i, q, msg)
    s.udp(CLI4, RESOLVER4, 41079, 53, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    s.tls(OTHER, "allowed.test", 43100)
    cases["dns-malformed"] = s.cap.pkts

    # DNS over TCP to the resolver: learned as well.
    s = story()
    q = dns_query(QID["tcp"], "api.allowed.test")
    s.dns_tcp(RESOLVER4, 41080, q, dns_answer(q, [rr("api.allowed.test", "A", API)]))
    s.tls(API, "api.allowed.test", 43110)
    cases["dns-tcp"] = s.cap.pkts

    # IPv6: AAAA through the IPv6 resolver.
    s = story()
    bind(s, "allowed.test", WEB6, 41090, QID["aaaa"], srv=RESOLVER6)
    s.tls(WEB6, "allowed.test", 43120)
    s.tls(OTHER6, "allowed.test", 43121)
    cases["dns-ipv6"] = s.cap.pkts

    # NXDOMAIN: logged with its rcode, binds nothing.
    s = story()
    q = dns_query(QID["nx"], "nx.allowed.test")
    s.dns_udp(RESOLVER4, 41100, q, dns_answer(q, rcode=3))
    s.tls(WEB, "nx.allowed.test", 43130)
    cases["dns-nxdomain"] = s.cap.pkts

    # A question name with a quote, a backslash and a control byte: the
    # event must carry it escaped.
    s = story()
    q = DNS(id=QID["escape"], rd=1, qd=DNSQR(qname=ESCAPE_QNAME, qtype="A"))
    s.dns_udp(RESOLVER4, 41110, q, dns_answer(q, rcode=3))
    cases["dns-escape"] = s.cap.pkts

    # DNS over TCP across segments (the gateway frames each direction's
    # stream): the answer's length prefix in one segment, the message in
    # the next; then the split inside the length prefix (the query's too).
    # Learned: TLS to the answered address is bound, elsewhere not.
    for name, sport, qcuts, acuts, tls in (
            ("dns-tcp-split", 41120, (), (2,), ((WEB, 43140), (OTHER, 43141))),
            ("dns-tcp-split-prefix", 41121, (1,), (1,), ((WEB, 43142),))):
        s = story()
        q = dns_query(QID[name[4:]], "allowed.test")
        a = compress_owner(dns_answer(q, [rr("allowed.test", "A", WEB)]))
        c = Tcp(s.cap, rng, CLI4, RESOLVER4, sport, 53)
        c.handshake()
        pieces(c, True, framed(q), qcuts)
        pieces(c, False, framed(a), acuts)
        c.close()
        for dst, tport in tls:
            s.tls(dst, "allowed.test", tport)
        cases[name] = s.cap.pkts

    # Two queries in one segment, both answers in one segment: both learned.
    s = story()
    qa = dns_query(QID["tcp-two-a"], "allowed.test")
    qb = dns_query(QID["tcp-two-b"], "api.allowed.test")
    c = Tcp(s.cap, rng, CLI4, RESOLVER4, 41122, 53)
    c.handshake()
    pieces(c, True, framed(qa, qb))
    pieces(c, False, framed(compress_owner(dns_answer(qa, [rr("allowed.test", "A", WEB)])),
                           compress_owner(dns_answer(qb, [rr("api.allowed.test", "A", API)]))))
    c.close()
    s.tls(WEB, "allowed.test", 43143)
    s.tls(API, "api.allowed.test", 43144)
    cases["dns-tcp-two-answers"] = s.cap.pkts

    # The answer in three segments; the second one is lost: the third
    # arrives beyond the hole, then the second and third are sent again.
    # After a hole the direction is not parsed: nothing learned.
    s = story()
    q = dns_query(QID["tcp-hole"], "allowed.test")
    a = compress_owner(dns_answer(q, [rr("allowed.test", "A", WEB)]))
    c = Tcp(s.cap, rng, CLI4, RESOLVER4, 41123, 53)
    c.handshake()
    pieces(c, True, framed(q))
    pieces(c, False, framed(a), (12, 10), order=(0, 2, 1, 2))
    c.close()
    s.tls(WEB, "allowed.test", 43145)
    cases["dns-tcp-hole"] = s.cap.pkts

    # A query and its answer, then a framed message that is not DNS (its
    # header claims 5 questions, none follows), sent again, then a good
    # query: the flow is denied malformed at the bad one; nothing after
    # it reaches the resolver.
    s = story()
    q = dns_query(QID["tcp-malformed"], "allowed.test")
    c = Tcp(s.cap, rng, CLI4, RESOLVER4, 41124, 53)
    c.handshake()
    pieces(c, True, framed(q))
    pieces(c, False, framed(compress_owner(dns_answer(q, [rr("allowed.test", "A", WEB)]))))
    bad = framed(struct.pack("!HHHHHH", QID["tcp-malformed"] + 0x100, 0x0100, 5, 0, 0, 0) +
                 b"egw-tunnel-data!")
    pieces(c, True, bad, order=(0, 0))
    pieces(c, True, framed(dns_query(QID["tcp-after-malformed"], "api.allowed.test")))
    c.close()
    cases["dns-tcp-malformed"] = s.cap.pkts

    os.makedirs(outdir, exist_ok=True)
    for name, pkts in cases.items():
        wrpcap(os.path.join(outdir, name + ".pcap"), pkts)
    return sorted(cases)


def main():
    if len(sys.argv) != 2:
        print("usage: craft_dns.py OUTDIR", file=sys.stderr)
        return 2
    for name in build(sys.argv[1]):
        print(name + ".pcap")
    return 0


if __name__ == "__main__":
    sys.exit(main())
