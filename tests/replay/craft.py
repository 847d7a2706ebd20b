#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""craft.py OUTDIR: crafted captures of the hard cases for egressgw replay.

Every capture is a complete, plausible session as a capture point between
client and server would see it: TCP three-way handshake, the client's
payload (cut into segments and TLS records as the case demands), the
server's reply and ACKs, and the FIN exchange. ClientHellos are encoded
here field by field (RFC 8446 4.1.2, RFC 6066 3, RFC 7301, RFC 8422,
draft-ietf-tls-ecdhe-mlkem for X25519MLKEM768), not copied from captures.

Output is deterministic (seeded RNG, fixed timestamps), so two runs give
byte-identical files. Addresses: 10.99.0.0/24 and fd99::/64 for the
testbed, 198.51.100.0/24 and 203.0.113.0/24 (documentation ranges) for
"outside" destinations; nothing is ever sent, only written to files.
"""

import os
import random
import struct
import sys

from scapy.all import (DNS, DNSQR, Dot1AD, Dot1Q, Ether, IP, IPv6, Raw,
                       TCP, UDP, fragment, wrpcap)

CLI_MAC = "02:00:0a:63:00:0a"
SRV_MAC = "02:00:0a:63:00:64"
CLI4, SRV4, RAW4 = "10.99.0.10", "10.99.0.100", "10.99.0.104"
CLI6, SRV6 = "fd99::10", "fd99::100"
MSS = 1460
T0 = 1700000000.0

# ---- TLS encoding ---------------------------------------------------------


def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def u24(v):
    return struct.pack("!I", v)[1:]


def vec8(b):
    assert len(b) < 1 << 8
    return u8(len(b)) + b


def vec16(b):
    assert len(b) < 1 << 16
    return u16(len(b)) + b


def ext(etype, body):
    return u16(etype) + vec16(body)


GROUP_X25519MLKEM768 = 0x11EC
GROUP_X25519 = 0x001D
GROUP_SECP256R1 = 0x0017
GROUP_SECP384R1 = 0x0018
MLKEM768_EK_LEN = 1184        # FIPS 203 encapsulation key
X25519_LEN = 32


def ext_server_name(name):
    # ServerNameList with one host_name (type 0) entry.
    return ext(0, vec16(u8(0) + vec16(name)))


def ext_supported_groups(groups):
    return ext(10, vec16(b"".join(u16(g) for g in groups)))


def ext_ec_point_formats():
    return ext(11, vec8(b"\x00"))


def ext_signature_algorithms():
    algs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    return ext(13, vec16(b"".join(u16(a) for a in algs)))


def ext_alpn(protos):
    return ext(16, vec16(b"".join(vec8(p) for p in protos)))


def ext_supported_versions(versions):
    return ext(43, vec8(b"".join(u16(v) for v in versions)))


def ext_psk_modes():
    return ext(45, vec8(b"\x01"))          # psk_dhe_ke


def ext_key_share(shares):
    return ext(51, vec16(b"".join(u16(g) + vec16(k) for g, k in shares)))


def ext_padding(n):
    return ext(21, b"\x00" * n)


def client_hello(rng, sni=None, alpn=(b"h2", b"http/1.1"), pq=True,
                 padding=0):
    """A TLS 1.3 ClientHello handshake message (type 1, with its header)."""
    groups = ([GROUP_X25519MLKEM768] if pq else []) + \
        [GROUP_X25519, GROUP_SECP256R1, GROUP_SECP384R1]
    shares = []
    if pq:
        shares.append((GROUP_X25519MLKEM768,
                       rng.randbytes(MLKEM768_EK_LEN + X25519_LEN)))
    shares.append((GROUP_X25519, rng.randbytes(X25519_LEN)))
    exts = b""
    if sni is not None:
        exts += ext_server_name(sni)
    exts += ext(23, b"")                   # extended_master_secret
    exts += ext(0xFF01, vec8(b""))         # renegotiation_info
    exts += ext_supported_groups(groups)
    exts += ext_ec_point_formats()
    exts += ext(35, b"")                   # session_ticket
    if alpn:
        exts += ext_alpn(alpn)
    exts += ext_signature_algorithms()
    exts += ext_key_share(shares)
    exts += ext_psk_modes()
    exts += ext_supported_versions([0x0304, 0x0303])
    if padding:
        exts += ext_padding(padding)
    suites = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030,
              0xCCA9, 0xCCA8, 0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035]
    body = (u16(0x0303) + rng.randbytes(32) + vec8(rng.randbytes(32)) +
            vec16(b"".join(u16(s) for s in suites)) + vec8(b"\x00") +
            vec16(exts))
    return u8(1) + u24(len(body)) + body


def records(hs, sizes=None):
    """Handshake bytes in TLS records; sizes = fragment lengths (the last
    takes the rest); default is the 2^14 maximum."""
    out = b""
    pos = 0
    sizes = list(sizes or [])
    while pos < len(hs):
        n = sizes.pop(0) if sizes else 1 << 14
        frag = hs[pos:pos + n]
        assert 0 < len(frag) <= 1 << 14
        out += u8(22) + u16(0x0301) + vec16(frag)
        pos += len(frag)
    return out


def server_flight(rng, n=1200):
    """Bytes shaped like a ServerHello + encrypted flight (content is not
    interpreted by the gateway: it only must not be a client byte)."""
    exts = ext(43, u16(0x0304)) + \
        ext(51, u16(GROUP_X25519) + vec16(rng.randbytes(X25519_LEN)))
    body = (u16(0x0303) + rng.randbytes(32) + vec8(rng.randbytes(32)) +
            u16(0x1301) + u8(0) + vec16(exts))
    sh = u8(2) + u24(len(body)) + body
    return (u8(22) + u16(0x0303) + vec16(sh) + u8(20) + u16(0x0303) +
            vec16(b"\x01") + u8(23) + u16(0x0303) + vec16(rng.randbytes(n)))


def http_request(host=None, version="1.1", method="GET", target="/"):
    head = "%s %s HTTP/%s\r\n" % (method, target, version)
    if host is not None:
        head += "Host: %s\r\n" % host
    head += "User-Agent: egw-craft/1\r\nAccept: */*\r\n\r\n"
    return head.encode()


HTTP_RESPONSE = (b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n"
                 b"Content-Length: 17\r\nConnection: close\r\n\r\n<p>egw-ok</p>\r\n\r\n")

# ---- sessions -------------------------------------------------------------


class Capture:
    def __init__(self):
        self.pkts = []
        self.t = T0

    def add(self, p, dt=0.0005):
        self.t += dt
        p.time = self.t
        self.pkts.append(p)


class Tcp:
    """One TCP connection; frames carry the same VLAN tags both ways (a
    transparent bridge sees the trunk on both sides)."""

    def __init__(self, cap, rng, cli, srv, sport, dport, vlans=(),
                 v6=False):
        self.cap, self.rng = cap, rng
        self.cli, self.srv, self.sport, self.dport = cli, srv, sport, dport
        self.vlans, self.v6 = vlans, v6
        self.c_isn = rng.getrandbits(32)
        self.s_isn = rng.getrandbits(32)
        self.c_next = self.c_isn
        self.s_next = self.s_isn

    def _frame(self, from_client):
        e = Ether(src=CLI_MAC, dst=SRV_MAC) if from_client else \
            Ether(src=SRV_MAC, dst=CLI_MAC)
        if len(self.vlans) == 2:
            e = e / Dot1AD(vlan=self.vlans[0]) / Dot1Q(vlan=self.vlans[1])
        elif len(self.vlans) == 1:
            e = e / Dot1Q(vlan=self.vlans[0])
        src, dst = (self.cli, self.srv) if from_client else (self.srv, self.cli)
        if self.v6:
            return e / IPv6(src=src, dst=dst, hlim=64)
        return e / IP(src=src, dst=dst, ttl=64, id=self.rng.getrandbits(16),
                      flags="DF")

    def seg(self, from_client, flags, payload=b"", seq=None, opts=None,
            dt=0.0005):
        sp, dp = (self.sport, self.dport) if from_client else \
            (self.dport, self.sport)
        if seq is None:
            seq = self.c_next if from_client else self.s_next
        ack = self.s_next if from_client else self.c_next
        t = TCP(sport=sp, dport=dp, flags=flags, seq=seq & 0xFFFFFFFF,
                ack=ack & 0xFFFFFFFF if "A" in flags else 0,
                window=64240 if from_client else 65160, options=opts or [])
        p = self._frame(from_client) / t
        if payload:
            p = p / Raw(payload)
        self.cap.add(p, dt)

    def handshake(self):
        self.seg(True, "S", opts=[("MSS", MSS), ("SAckOK", b""),
                                   ("WScale", 7)])
        self.c_next += 1
        self.seg(False, "SA", opts=[("MSS", MSS), ("SAckOK", b""),
                                     ("WScale", 7)], dt=0.0002)
        self.s_next += 1
        self.seg(True, "A", dt=0.0001)

    def client_send(self, data, cuts=None, order=None, ack=True):
        """cuts: segment lengths (the rest in MSS pieces); order: the order
        in which the segments appear in the capture (indices)."""
        segs = []
        pos = 0
        for n in list(cuts or []):
            segs.append((pos, data[pos:pos + n]))
            pos += n
        while pos < len(data):
            segs.append((pos, data[pos:pos + MSS]))
            pos += MSS
        for i in (order or range(len(segs))):
            off, chunk = segs[i]
            self.seg(True, "PA", chunk, seq=self.c_next + off)
        self.c_next += len(data)
        if ack:
            self.seg(False, "A", dt=0.0002)

    def server_send(self, data):
        pos = 0
        while pos < len(data):
            chunk = data[pos:pos + MSS]
            self.seg(False, "PA", chunk, dt=0.0002)
            self.s_next += len(chunk)
            pos += len(chunk)
        self.seg(True, "A", dt=0.0001)

    def close(self):
        self.seg(True, "FA")
        self.c_next += 1
        self.seg(False, "FA", dt=0.0002)
        self.s_next += 1
        self.seg(True, "A", dt=0.0001)


def tcp_session(rng, payload, srv=SRV4, dport=443, sport=40000, vlans=(),
                v6=False, cuts=None, order=None, reply=None, syn_only=False):
    cap = Capture()
    cli = CLI6 if v6 else CLI4
    c = Tcp(cap, rng, cli, srv, sport, dport, vlans, v6)
    if syn_only:
        # Nobody answers: the client retransmits its SYN (1 s, 2 s).
        c.seg(True, "S", opts=[("MSS", MSS), ("SAckOK", b""), ("WScale", 7)])
        c.seg(True, "S", seq=c.c_isn, opts=[("MSS", MSS), ("SAckOK", b""),
                                            ("WScale", 7)], dt=1.0)
        return cap.pkts
    c.handshake()
    c.client_send(payload, cuts, order)
    if reply is None:
        reply = server_flight(rng) if dport == 443 else HTTP_RESPONSE
    if reply:
        c.server_send(reply)
    c.close()
    return cap.pkts


def l2(vlans, v6=False, from_client=True):
    e = Ether(src=CLI_MAC, dst=SRV_MAC) if from_client else \
        Ether(src=SRV_MAC, dst=CLI_MAC)
    if len(vlans) == 2:
        return e / Dot1AD(vlan=vlans[0]) / Dot1Q(vlan=vlans[1])
    if len(vlans) == 1:
        return e / Dot1Q(vlan=vlans[0])
    return e


def udp_dns(rng, srv, vlans=(), qname="allowed.test", sport=41000):
    cap = Capture()
    q = DNS(id=rng.getrandbits(16), rd=1, qd=DNSQR(qname=qname, qtype="A"))
    cap.add(l2(vlans) / IP(src=CLI4, dst=srv, id=rng.getrandbits(16)) /
            UDP(sport=sport, dport=53) / q)
    r = DNS(id=q.id, qr=1, rd=1, ra=1, qd=q.qd)
    cap.add(l2(vlans, from_client=False) /
            IP(src=srv, dst=CLI4, id=rng.getrandbits(16)) /
            UDP(sport=53, dport=sport) / r, dt=0.002)
    return cap.pkts


def udp_fragmented(rng, srv, vlans=(), sport=41001):
    """A 2400-byte UDP datagram to port 53 (e.g. a DNS query with a large
    EDNS payload), fragmented by the sender into 1480-byte pieces."""
    cap = Capture()
    q = DNS(id=rng.getrandbits(16), rd=1,
            qd=DNSQR(qname="allowed.test", qtype="TXT"))
    payload = bytes(q) + rng.randbytes(2400 - len(bytes(q)))
    dgram = IP(src=CLI4, dst=srv, id=rng.getrandbits(16)) / \
        UDP(sport=sport, dport=53) / Raw(payload)
    for f in fragment(dgram, fragsize=1480):
        cap.add(l2(vlans) / f)
    return cap.pkts


# ---- cases ----------------------------------------------------------------


def build(outdir):
    rng = random.Random(0x6567)      # "eg"
    cases = {}

    def hello(sni, **kw):
        return client_hello(rng, sni=sni, **kw)

    # Baselines: a small (classic) hello in one segment, and a post-quantum
    # hello (1216-byte X25519MLKEM768 share) that needs two segments.
    small = records(hello(b"allowed.test", pq=False))
    cases["craft-tls-allowed"] = tcp_session(rng, small, sport=40001)
    pq = records(hello(b"allowed.test"))
    assert MSS < len(pq) < 2 * MSS, len(pq)
    cases["craft-tls-pq-allowed"] = tcp_session(rng, pq, sport=40002)

    # Segment boundary inside the server name ("api.al|lowed.test").
    rec = records(hello(b"api.allowed.test"))
    cut = rec.index(b"api.allowed.test") + 6
    cases["craft-tls-split-in-sni"] = tcp_session(rng, rec, cuts=[cut],
                                                  sport=40003)

    # Three segments, the capture shows them in the order 2, 1, 3.
    rec = records(hello(b"www.allowed.test"))
    cases["craft-tls-3seg-ooo"] = tcp_session(rng, rec, cuts=[600, 600],
                                              order=[1, 0, 2], sport=40004)

    # One handshake message in two TLS records, both in one segment; the
    # record boundary falls inside the server name.
    hs = hello(b"allowed.test", pq=False)
    cut = hs.index(b"allowed.test") + 3
    rec = records(hs, [cut])
    assert len(rec) <= MSS
    cases["craft-tls-2records-1seg"] = tcp_session(rng, rec, sport=40005)

    # Three records whose headers straddle segment boundaries: segments
    # end 3 bytes into record 1's header and 2 bytes into record 2's.
    hs = hello(b"api.allowed.test")
    rec = records(hs, [700, 700])
    cases["craft-tls-records-across-segs"] = tcp_session(
        rng, rec, cuts=[3, 705 + 2 - 3, 600], sport=40006)

    # A 1-byte first segment (just the record type).
    rec = records(hello(b"allowed.test"))
    cases["craft-tls-1byte-first"] = tcp_session(rng, rec, cuts=[1],
                                                 sport=40007)

    cases["craft-tls-nosni"] = tcp_session(rng, records(hello(None)),
                                           sport=40008)
    cases["craft-tls-ipliteral"] = tcp_session(
        rng, records(hello(b"10.99.0.100")), sport=40009)
    cases["craft-tls-denied"] = tcp_session(
        rng, records(hello(b"denied.test")), sport=40010)
    # "evilallowed.test" ends in "allowed.test" but is not under it.
    cases["craft-tls-suffix-trick"] = tcp_session(
        rng, records(hello(b"evilallowed.test")), sport=40011)
    cases["craft-tls-deep-wildcard"] = tcp_session(
        rng, records(hello(b"a.b.allowed.test")), sport=40012)
    cases["craft-tls-c2"] = tcp_session(
        rng, records(hello(b"evil-c2.test")), sport=40013)
    # Matches the C2 signature and the *.allowed.test allowlist: C2 wins.
    cases["craft-tls-c2-in-allowlist"] = tcp_session(
        rng, records(hello(b"evil-c2.test.allowed.test")), sport=40014)

    # Not TLS on 443.
    cases["craft-ssh-443"] = tcp_session(
        rng, b"SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n", srv=RAW4, sport=40015,
        reply=b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    junk = bytes([0x5A]) + rng.randbytes(299)
    cases["craft-random-443"] = tcp_session(rng, junk, srv=RAW4, sport=40016,
                                            reply=b"RAW-OK\n")

    # HTTP.
    cases["craft-http-allowed"] = tcp_session(
        rng, http_request("allowed.test"), dport=80, sport=40017)
    req = http_request("api.allowed.test")
    cut = req.index(b"api.allowed.test") + 5
    cases["craft-http-split-host"] = tcp_session(rng, req, dport=80,
                                                 cuts=[cut], sport=40018)
    cases["craft-http-denied"] = tcp_session(
        rng, http_request("denied.test"), dport=80, sport=40019)
    cases["craft-http-c2"] = tcp_session(
        rng, http_request("evil-c2.test"), dport=80, sport=40020)
    cases["craft-http-nohost"] = tcp_session(
        rng, http_request(None, version="1.0"), dport=80, sport=40021)

    # Reassembly bounds. Over 16 KiB: a hello padded to ~17 000 bytes (two
    # records, 12 segments: only the byte bound is crossed).
    hs = hello(b"allowed.test", padding=15800)
    assert len(hs) > 16384 + 500
    rec = records(hs)
    assert -(-len(rec) // MSS) <= 16
    cases["craft-tls-over16k"] = tcp_session(rng, rec, sport=40022)
    # More than 16 segments: an ordinary PQ hello in 10-byte segments.
    rec = records(hello(b"allowed.test"))
    cases["craft-tls-10byte-segs"] = tcp_session(
        rng, rec, cuts=[10] * (len(rec) // 10), sport=40023)

    # VLANs: 802.1Q 10 (role web); QinQ outer 100 / inner 20 (the inner,
    # customer VID selects the role: app, allowed by CIDR) and the same
    # tags swapped, outer 20 / inner 100 (VID 100 has no role); 802.1Q 30
    # (no role).
    cases["craft-tls-vlan10"] = tcp_session(
        rng, records(hello(b"allowed.test")), vlans=(10,), sport=40024)
    cases["craft-tls-qinq-100-20"] = tcp_session(
        rng, records(hello(b"allowed.test")), vlans=(100, 20), sport=40025)
    cases["craft-tls-qinq-20-100"] = tcp_session(
        rng, records(hello(b"allowed.test")), vlans=(20, 100), sport=40031)
    cases["craft-tls-vlan30-unknown"] = tcp_session(
        rng, records(hello(b"allowed.test")), vlans=(30,), sport=40026)
    # Role app (VLAN 20): TCP to an address outside its CIDRs; the SYN is
    # never answered (the gateway must not pass it).
    cases["craft-tcp-outside-vlan20"] = tcp_session(
        rng, b"", srv="203.0.113.10", vlans=(20,), sport=40027,
        syn_only=True)
    # Role web: a TCP port that is neither 443 nor 80.
    cases["craft-tcp-port-8443"] = tcp_session(
        rng, records(hello(b"allowed.test")), dport=8443, sport=40028,
        syn_only=True)

    # IPv6.
    cases["craft-tls-ipv6-allowed"] = tcp_session(
        rng, records(hello(b"allowed.test")), srv=SRV6, v6=True, sport=40029)
    cases["craft-tls-ipv6-denied"] = tcp_session(
        rng, records(hello(b"denied.test")), srv=SRV6, v6=True, sport=40030)

    # UDP and fragments.
    cases["craft-udp53-untagged"] = udp_dns(rng, SRV4, sport=41000)
    cases["craft-udp53-vlan20"] = udp_dns(rng, SRV4, vlans=(20,), sport=41001)
    cases["craft-udp53-outside-vlan20"] = udp_dns(rng, "198.51.100.53",
                                                  vlans=(20,), sport=41002)
    cases["craft-ipv4-fragment-vlan20"] = udp_fragmented(rng, SRV4,
                                                         vlans=(20,),
                                                         sport=41003)

    # 802.1Q VID 10 (role web) with a name not allowed: with
    # craft-tls-vlan10, the tagged pair that run.sh also replays with
    # --vlan-strip. Last, so that the cases above keep their bytes.
    cases["craft-tls-vlan10-denied"] = tcp_session(
        rng, records(hello(b"denied.test")), vlans=(10,), sport=40032)

    os.makedirs(outdir, exist_ok=True)
    for name, pkts in cases.items():
        wrpcap(os.path.join(outdir, name + ".pcap"), pkts)
    return sorted(cases)


def main():
    if len(sys.argv) != 2:
        print("usage: craft.py OUTDIR", file=sys.stderr)
        return 2
    for name in build(sys.argv[1]):
        print(name + ".pcap")
    return 0


if __name__ == "__main__":
    sys.exit(main())
