#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""vlanstrip.py: the same captures through a NIC that strips VLAN tags.

  vlanstrip.py --gw EGRESSGW --policy POLICY --captures DIR --results DIR
               --work DIR

For every capture in DIR with an 802.1Q-tagged frame (outer TPID 0x8100),
runs `egressgw replay --vlan-strip` (the outer tag goes to mbuf->vlan_tci
on rx and is inserted again on tx) and compares with the plain replay that
run.sh left in --results (X.out.pcap, X.eve.json, X.summary.json):
  - the output frames are byte for byte the same, tags included (forwarded
    frames and the resets the gateway builds);
  - the EVE events are the same: verdicts, reasons, names, VLANs, roles.
    The only difference allowed is the flow byte counters, lower by 4 per
    packet when the stripped tag is not counted;
  - the summaries are the same.
One line per check ("ok ..." / "FAIL ..."), then "# vlanstrip.py: N passed,
M failed".
"""

import argparse
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from check_edge import read_pcap  # noqa: E402

PASS = 0
FAIL = 0


def result(cond, msg, *detail):
    global PASS, FAIL
    if cond:
        PASS += 1
        print("ok " + msg)
    else:
        FAIL += 1
        print("FAIL " + msg)
        for d in detail:
            print("#   " + str(d))


def tagged_8021q(path):
    return any(f[12:14] == b"\x81\x00" for _, f in read_pcap(path))


def load_eve(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def eve_diff(plain, strip):
    """Differences other than the stripped tag's 4 bytes per packet."""
    if len(plain) != len(strip):
        return ["%d events, %d with --vlan-strip" % (len(plain), len(strip))]
    out = []
    for i, (a, b) in enumerate(zip(plain, strip)):
        fa, fb = a.get("flow"), b.get("flow")
        if isinstance(fa, dict) and isinstance(fb, dict):
            fa, fb = dict(fa), dict(fb)
            for d in ("toserver", "toclient"):
                ba, bb = fa.pop("bytes_" + d, None), fb.pop("bytes_" + d, None)
                n = fa.get("pkts_" + d, 0)
                if bb not in (ba, None if ba is None else ba - 4 * n):
                    out.append("event %d: bytes_%s %s, %s with --vlan-strip (%d packets)"
                               % (i, d, ba, bb, n))
            a, b = dict(a, flow=fa), dict(b, flow=fb)
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            out.append("event %d differs in %s: %s / %s" % (
                i, keys, {k: a.get(k) for k in keys}, {k: b.get(k) for k in keys}))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gw", required=True)
    ap.add_argument("--policy", required=True)
    ap.add_argument("--captures", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)

    caps = [p for p in sorted(glob.glob(os.path.join(a.captures, "*.pcap")))
            if tagged_8021q(p)]
    result(caps, "vlan-strip: tagged captures found (%d)" % len(caps))
    for pcap in caps:
        n = os.path.basename(pcap)[:-len(".pcap")]
        plain = os.path.join(a.results, n)
        strip = os.path.join(a.work, n + ".strip")
        for ext in (".out.pcap", ".eve.json", ".summary.json"):
            if os.path.exists(strip + ext):
                os.unlink(strip + ext)
        res = subprocess.run([a.gw, "replay", "--config", a.policy, "--read", pcap,
                              "--write", strip + ".out.pcap", "--eve", strip + ".eve.json",
                              "--summary-json", strip + ".summary.json", "--quiet",
                              "--vlan-strip"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=120)
        tag = "vlan-strip %s.pcap" % n
        if res.returncode != 0:
            result(False, "%s: replay exits 0" % tag,
                   "exit %d: %s" % (res.returncode, res.stdout.strip()[-300:]))
            continue
        try:
            po = read_pcap(plain + ".out.pcap")
            so = read_pcap(strip + ".out.pcap")
            pe, se = load_eve(plain + ".eve.json"), load_eve(strip + ".eve.json")
            with open(plain + ".summary.json") as f:
                ps = json.load(f)
            with open(strip + ".summary.json") as f:
                ss = json.load(f)
        except (OSError, ValueError) as e:
            result(False, "%s: results readable" % tag, e)
            continue
        first = next((i for i, (x, y) in enumerate(zip(po, so)) if x != y), None)
        n_tag = sum(1 for _, f in so if f[12:14] == b"\x81\x00")
        n_rst = sum(1 for _, f in so if f[12:14] == b"\x81\x00" and
                    f[16:18] == b"\x08\x00" and f[18 + 9] == 6 and
                    f[18 + (f[18] & 15) * 4 + 13] & 0x04)
        result(len(po) == len(so) and first is None,
               "%s: same %d output frames, byte for byte (%d tagged, %d of them resets)"
               % (tag, len(so), n_tag, n_rst),
               "%d frames plain, %d stripped; first difference at frame %s"
               % (len(po), len(so), first if first is not None else min(len(po), len(so))))
        d = eve_diff(pe, se)
        result(not d, "%s: same %d EVE events (verdicts, reasons, names, VLANs)" % (tag, len(se)),
               *d[:5])
        result(ps == ss, "%s: same summary" % tag,
               "plain %s" % json.dumps(ps, sort_keys=True),
               "strip %s" % json.dumps(ss, sort_keys=True))
    print("# vlanstrip.py: %d passed, %d failed" % (PASS, FAIL))
    return 1 if FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
