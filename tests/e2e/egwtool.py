#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Small network helpers for the egressgw netns testbed (stdlib only).

Subcommands:
  arp-probe   send ARP requests on an interface until the target answers
              (proves that the bridge in the middle forwards, without
              opening any IP flow that would show up in gateway counters)
  raw-server  plain TCP listener that records how many bytes each
              connection delivered (the "raw data on 443" server)
  tls-client  python ssl client with an explicit server_hostname
  raw-client  connect, send bytes, report whether the peer answered,
              closed or reset the connection
  json-get    read one value from a JSON document by a dotted path
"""

import argparse
import errno
import fcntl
import json
import select
import socket
import ssl
import struct
import sys
import time

ETH_P_ARP = 0x0806
SIOCGIFHWADDR = 0x8927


def _if_mac(sock, ifname):
    req = struct.pack("256s", ifname.encode()[:15])
    res = fcntl.ioctl(sock.fileno(), SIOCGIFHWADDR, req)
    return res[18:24]


def cmd_arp_probe(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((a.iface, ETH_P_ARP))
    mac = _if_mac(s, a.iface)
    src = socket.inet_aton(a.src)
    dst = socket.inet_aton(a.dst)
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, src,
                      b"\x00" * 6, dst)
    frame = b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) + arp
    frame += b"\x00" * (60 - len(frame))
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        s.send(frame)
        resend = time.monotonic() + 0.5
        while time.monotonic() < min(resend, deadline):
            r, _, _ = select.select([s], [], [], 0.1)
            if not r:
                continue
            pkt = s.recv(2048)
            if len(pkt) < 42:
                continue
            op, sha, spa = struct.unpack("!H6s4s", pkt[20:32])
            if op == 2 and spa == dst:
                print("reply from %s is-at %s" % (a.dst, sha.hex(":")))
                return 0
    print("no ARP reply from %s on %s within %.1fs" % (a.dst, a.iface, a.timeout),
          file=sys.stderr)
    return 1


def cmd_raw_server(a):
    """Accept on every address; log one line per connection when it ends."""
    listeners = []
    for addr in a.bind:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        ls.bind((addr, a.port))
        ls.listen(64)
        ls.setblocking(False)
        listeners.append(ls)
    log = open(a.log, "a", buffering=1)
    log.write("listening %s port %d\n" % (",".join(a.bind), a.port))
    conns = {}  # socket -> [peer, bytes, first, deadline, answered]
    while True:
        timeout = 0.5
        r, _, _ = select.select(listeners + list(conns), [], [], timeout)
        now = time.monotonic()
        for s in r:
            if s in listeners:
                try:
                    c, peer = s.accept()
                except OSError:
                    continue
                c.setblocking(False)
                conns[c] = [peer, 0, b"", now + a.idle, False]
                continue
            st = conns[s]
            end = None
            try:
                data = s.recv(65536)
                if not data:
                    end = "eof"
                else:
                    st[1] += len(data)
                    if len(st[2]) < 16:
                        st[2] += data[:16 - len(st[2])]
                    st[3] = now + a.idle
                    if not st[4]:
                        st[4] = True
                        try:
                            s.send(b"RAW-OK\n")
                        except OSError:
                            pass
            except ConnectionResetError:
                end = "reset"
            except OSError as e:
                end = "error:%s" % errno.errorcode.get(e.errno, e.errno)
            if end is not None:
                log.write("conn peer=%s port=%d bytes=%d first=%s end=%s\n" %
                          (st[0][0], st[0][1], st[1], st[2].hex(), end))
                s.close()
                del conns[s]
        for s in [c for c, st in conns.items() if st[3] < now]:
            st = conns.pop(s)
            log.write("conn peer=%s port=%d bytes=%d first=%s end=idle\n" %
                      (st[0][0], st[0][1], st[1], st[2].hex()))
            s.close()


def _connect(ip, port, sport, timeout):
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if sport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
    s.connect((ip, port))
    return s


def cmd_tls_client(a):
    ctx = ssl.create_default_context(cafile=a.cafile)
    if a.tls_max == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    t0 = time.monotonic()
    try:
        raw = _connect(a.ip, a.port, a.sport, a.timeout)
        s = ctx.wrap_socket(raw, server_hostname=a.name)
        s.sendall(("GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                   % a.name).encode())
        resp = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            resp += d
        s.close()
    except ConnectionResetError:
        print("reset after %.3fs" % (time.monotonic() - t0))
        return 3
    except (ssl.SSLError, OSError) as e:
        print("error %s after %.3fs" % (e, time.monotonic() - t0))
        return 4
    print(resp.decode(errors="replace"))
    return 0


def cmd_raw_client(a):
    data = bytes.fromhex(a.hex) if a.hex else a.data.encode().decode(
        "unicode_escape").encode("latin-1")
    t0 = time.monotonic()
    try:
        s = _connect(a.ip, a.port, a.sport, a.timeout)
        s.sendall(data)
        d = s.recv(65536)
        s.close()
    except ConnectionResetError:
        print("reset after %.3fs" % (time.monotonic() - t0))
        return 3
    except socket.timeout:
        print("timeout after %.3fs" % (time.monotonic() - t0))
        return 5
    except OSError as e:
        print("error %s after %.3fs" % (e, time.monotonic() - t0))
        return 4
    if not d:
        print("eof after %.3fs" % (time.monotonic() - t0))
        return 2
    print("data %r after %.3fs" % (d[:64], time.monotonic() - t0))
    return 0


def cmd_json_get(a):
    with open(a.file) as f:
        text = f.read()
    doc = json.loads(text)
    cur = doc
    walked = []
    for part in a.path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
            walked.append(part)
            continue
        if isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
            walked.append(part)
            continue
        keys = sorted(cur) if isinstance(cur, dict) else type(cur).__name__
        print("json-get: %s: no '%s' under '%s' (has: %s)" %
              (a.file, part, ".".join(walked) or "<root>", keys), file=sys.stderr)
        return 2
    print(json.dumps(cur) if isinstance(cur, (dict, list)) else cur)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("arp-probe")
    q.add_argument("--iface", required=True)
    q.add_argument("--src", required=True)
    q.add_argument("--dst", required=True)
    q.add_argument("--timeout", type=float, default=10.0)
    q.set_defaults(fn=cmd_arp_probe)
    q = sub.add_parser("raw-server")
    q.add_argument("--bind", action="append", required=True)
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--log", required=True)
    q.add_argument("--idle", type=float, default=5.0)
    q.set_defaults(fn=cmd_raw_server)
    q = sub.add_parser("tls-client")
    q.add_argument("--ip", required=True)
    q.add_argument("--port", type=int, default=443)
    q.add_argument("--name", required=True)
    q.add_argument("--cafile", required=True)
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--tls-max", choices=["1.2", "1.3"], default="1.3")
    q.add_argument("--timeout", type=float, default=10.0)
    q.set_defaults(fn=cmd_tls_client)
    q = sub.add_parser("raw-client")
    q.add_argument("--ip", required=True)
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--data", default="")
    q.add_argument("--hex", default="")
    q.add_argument("--sport", type=int, default=0)
    q.add_argument("--timeout", type=float, default=5.0)
    q.set_defaults(fn=cmd_raw_client)
    q = sub.add_parser("json-get")
    q.add_argument("file")
    q.add_argument("path")
    q.set_defaults(fn=cmd_json_get)
    a = p.parse_args()
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
