#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of fuzz_pkt: byte 0 selects the stripped tag
(bit 7 stripped, bits 0..6 the TCI seed), the rest is an Ethernet frame.
Run from this folder: ./gen_corpus.py corpus/fuzz_pkt"""
import os
import struct
import sys

MAC_A = bytes.fromhex('02000000000a')
MAC_B = bytes.fromhex('02000000000b')
S4, D4, R4 = bytes([10, 0, 0, 1]), bytes([192, 0, 2, 7]), bytes([198, 51, 100, 1])
S6 = bytes.fromhex('20010db8000000000000000000000001')
D6 = bytes.fromhex('20010db8000000000000000000000002')


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(et, tags=()):
    h = MAC_B + MAC_A
    for tpid, tci in tags:
        h += struct.pack('!HH', tpid, tci)
    return h + struct.pack('!H', et)


def ip4(proto, payload, src=S4, dst=D4, frag=0, opts=b''):
    ihl = 5 + len(opts) // 4
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, ihl * 4 + len(payload),
                    0x1234, frag, 64, proto, 0, src, dst) + opts
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def ip6(nh, payload, src=S6, dst=D6):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), nh, 64, src,
                       dst) + payload


def tcp(sp, dp, seq, ack, flags, opts=b'', data=b''):
    return struct.pack('!HHIIBBHHH', sp, dp, seq, ack, (5 + len(opts) // 4) << 4,
                       flags, 29200, 0, 0) + opts + data


def udp(sp, dp, data=b''):
    return struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data


def icmp(t, c, rest, data=b''):
    return struct.pack('!BBHI', t, c, 0, rest) + data


SEEDS = {
    'v4_tcp_syn': (0x00, eth(0x0800) + ip4(6, tcp(40000, 443, 1000, 0, 0x02))),
    'v4_qinq_tcp_data': (0x00, eth(0x0800, [(0x88a8, 200), (0x8100, 100)]) +
                         ip4(6, tcp(50000, 80, 1, 2, 0x18, data=b'GET / HTTP/1.1\r\n'))),
    'stripped_q_tcp_opts': (0x85, eth(0x0800, [(0x8100, 0xa064)]) +
                            ip4(6, tcp(1, 2, 3, 4, 0x10,
                                       opts=bytes.fromhex('020405b4010303070101080a')),
                                opts=b'\x01' * 4)),
    'v4_udp_padded': (0x00, (eth(0x0800) + ip4(17, udp(5353, 53, b'abcd'))).ljust(60, b'\0')),
    'v4_frag': (0x00, eth(0x0800) + ip4(17, udp(1, 2, b'x' * 8), frag=0x2000)),
    'v4_icmp_unreach': (0x00, eth(0x0800) + ip4(1, icmp(3, 3, 0, ip4(6, b'')[:20] +
                                                         tcp(40000, 443, 1, 0, 2)[:8]),
                                                 src=R4, dst=S4)),
    'v6_ext_tcp': (0x00, eth(0x86dd) + ip6(0, bytes([60, 0]) + b'\0' * 6 +
                                            bytes([6, 0]) + b'\0' * 6 +
                                            tcp(40000, 443, 9, 10, 0x10, data=b'\x16\x03\x01'))),
    'v6_frag_atomic_udp': (0x00, eth(0x86dd) + ip6(44, struct.pack('!BBHI', 17, 0, 0, 1) +
                                                    udp(5000, 53, b'q' * 8))),
    'v6_icmp6_ns': (0x00, eth(0x86dd) + ip6(58, icmp(135, 0, 0, D6 + b'\x01\x01' + MAC_A))),
    'v6_icmp6_unreach': (0x80, eth(0x86dd) + ip6(58, icmp(1, 4, 0, ip6(17, udp(5000, 53)))[:48 + 8])),
    'arp': (0x00, eth(0x0806) + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + MAC_A + S4 +
            b'\0' * 6 + D4),
}

out = sys.argv[1] if len(sys.argv) > 1 else 'corpus/fuzz_pkt'
os.makedirs(out, exist_ok=True)
for name, (sel, frame) in SEEDS.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(bytes([sel]) + frame)
