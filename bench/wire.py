#!/usr/bin/env python3
"""Timing VRRP takeovers from a packet capture (bench/lib.sh wire_start).

Reads a pcap with nanosecond timestamps (tcpdump --time-stamp-precision=nano; microsecond
files work too) of Ethernet frames, and finds VRRP adverts (IPv4 protocol 112) and gratuitous
ARPs (sender IP == target IP). The timestamps are the kernel's, taken on the bridge port.

  wire.py takeover --old MAC --new MAC --vrid V --vip ADDR --mode graceful|death PCAP
      graceful: from OLD's priority-0 advert for V to NEW's first gratuitous ARP for ADDR;
      death: from OLD's last advert for V before that ARP to the ARP. With --event T (epoch
      s), the priority-0 advert and the ARP are the first at or after T.
      Prints "raw_ms advert_ms": to the ARP, and to NEW's first advert (priority > 0) after
      the reference; "none none" when the capture has no such sequence.
  wire.py garp --new MAC --vip ADDR PCAP
      The epoch time (s, 9 decimals) of NEW's first gratuitous ARP for ADDR, or "none".
  wire.py count --mac MAC [--garp] PCAP
      Adverts sent by MAC (every VRID), then the first and last timestamp (s): "N T0 T1";
      with --garp only the number of gratuitous ARPs it sent.
  wire.py gaps --mac MAC --vrid V PCAP
      Adverts of MAC for V: count and largest interval between consecutive ones in ms.
  wire.py first --mac MAC --vrid V --prio P PCAP
      The epoch time (s, 9 decimals) of MAC's first advert for V with priority P, or "none"
      (a capture still being written is read up to its last complete frame).
  wire.py intervals --mac MAC --adv S PCAP
      Adverts of MAC, every VRID: the interval between consecutive adverts of the same VRID
      against the advert interval S (seconds). Prints "adverts vrids intervals stretch_ms
      dev_ms worst_vrid": the largest interval minus S (how far one was stretched; negative
      if none was), the largest |interval - S|, and the VRID of the largest stretch.
Every command takes --after T and --before T (epoch seconds): only frames in that window.
"""
import argparse
import struct
import sys


def frames(path):
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        else:
            endian = ">"
            magic = struct.unpack(">I", head[:4])[0]
        if magic not in (0xA1B2C3D4, 0xA1B23C4D):
            raise SystemExit(f"{path}: not a pcap file")
        scale = 1 if magic == 0xA1B23C4D else 1000  # nanosecond or microsecond fraction
        linktype = struct.unpack(endian + "I", head[20:24])[0]
        if linktype != 1:
            raise SystemExit(f"{path}: link type {linktype}, expected Ethernet")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return  # end, or a record tcpdump was still writing
            sec, frac, caplen, _ = struct.unpack(endian + "IIII", rec)
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield sec * 1_000_000_000 + frac * scale, data


def mac(b):
    return ":".join(f"{x:02x}" for x in b)


def events(path, after=None, before=None):
    """Yields (t_ns, kind, src_mac, info): kind 'advert' with info (vrid, priority),
    'garp' with info = the announced IPv4 address."""
    lo = None if after is None else int(after * 1e9)
    hi = None if before is None else int(before * 1e9)
    for t, d in frames(path):
        if len(d) < 14 or (lo is not None and t < lo) or (hi is not None and t > hi):
            continue
        etype = struct.unpack("!H", d[12:14])[0]
        src = mac(d[6:12])
        if etype == 0x0800 and len(d) >= 34:
            ihl = (d[14] & 0x0F) * 4
            if d[23] != 112 or len(d) < 14 + ihl + 8:
                continue
            v = d[14 + ihl:]
            yield t, "advert", src, (v[1], v[2])
        elif etype == 0x0806 and len(d) >= 42:
            sha, spa, tpa = d[22:28], d[28:32], d[38:42]
            if spa == tpa:
                yield t, "garp", mac(sha), ".".join(str(x) for x in spa)


def ms(ns):
    return f"{ns / 1e6:.3f}"


def takeover(a):
    ev = list(events(a.pcap, a.after, a.before))
    old, new = a.old.lower(), a.new.lower()
    t_event = int(a.event * 1e9) if a.event is not None else 0
    ref = garp = adv = None
    if a.mode == "graceful":
        for t, kind, src, info in ev:
            if ref is None:
                if t >= t_event and kind == "advert" and src == old and info == (a.vrid, 0):
                    ref = t
                continue
            if garp is None and kind == "garp" and src == new and info == a.vip:
                garp = t
            if adv is None and kind == "advert" and src == new and info[0] == a.vrid and info[1] > 0:
                adv = t
    else:
        for t, kind, src, info in ev:
            if kind == "garp" and src == new and info == a.vip and t >= t_event:
                garp = t
                break
            if kind == "advert" and src == old and info[0] == a.vrid:
                ref = t
        if garp is not None and ref is not None:
            for t, kind, src, info in ev:
                if t > ref and kind == "advert" and src == new and info[0] == a.vrid and info[1] > 0:
                    adv = t
                    break
    if ref is None or garp is None:
        return "none none"
    return f"{ms(garp - ref)} {ms(adv - ref) if adv is not None else 'none'}"


def garp(a):
    for t, kind, src, info in events(a.pcap, a.after, a.before):
        if kind == "garp" and src == a.new.lower() and info == a.vip:
            return f"{t // 1_000_000_000}.{t % 1_000_000_000:09d}"
    return "none"


def count(a):
    want = "garp" if a.garp else "advert"
    ts = [t for t, kind, src, _ in events(a.pcap, a.after, a.before) if kind == want and src == a.mac.lower()]
    if a.garp:
        return str(len(ts))
    if not ts:
        return "0 0 0"
    return f"{len(ts)} {ts[0] / 1e9:.6f} {ts[-1] / 1e9:.6f}"


def gaps(a):
    ts = [t for t, kind, src, info in events(a.pcap, a.after, a.before)
          if kind == "advert" and src == a.mac.lower() and info[0] == a.vrid]
    big = max((b - x for x, b in zip(ts, ts[1:])), default=0)
    return f"{len(ts)} {ms(big)}"


def first(a):
    for t, kind, src, info in events(a.pcap, a.after, a.before):
        if kind == "advert" and src == a.mac.lower() and info == (a.vrid, a.prio):
            return f"{t // 1_000_000_000}.{t % 1_000_000_000:09d}"
    return "none"


def intervals(a):
    last, n, stretch, dev, worst = {}, 0, None, 0, "none"
    adv_ns = round(a.adv * 1e9)
    adverts = 0
    for t, kind, src, info in events(a.pcap, a.after, a.before):
        if kind != "advert" or src != a.mac.lower():
            continue
        adverts += 1
        vrid = info[0]
        if vrid in last:
            d = t - last[vrid] - adv_ns
            n += 1
            dev = max(dev, abs(d))
            if stretch is None or d > stretch:
                stretch, worst = d, vrid
        last[vrid] = t
    if stretch is None:
        return f"{adverts} {len(last)} 0 none none none"
    return f"{adverts} {len(last)} {n} {ms(stretch)} {ms(dev)} {worst}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("takeover")
    t.add_argument("--old", required=True)
    t.add_argument("--new", required=True)
    t.add_argument("--vrid", type=int, required=True)
    t.add_argument("--vip", required=True)
    t.add_argument("--mode", choices=("graceful", "death"), required=True)
    t.add_argument("--event", type=float, help="epoch s: the failure; the packets it caused come later")
    g = sub.add_parser("garp")
    g.add_argument("--new", required=True)
    g.add_argument("--vip", required=True)
    c = sub.add_parser("count")
    c.add_argument("--mac", required=True)
    c.add_argument("--garp", action="store_true", help="count gratuitous ARPs instead; print N only")
    q = sub.add_parser("gaps")
    q.add_argument("--mac", required=True)
    q.add_argument("--vrid", type=int, required=True)
    f = sub.add_parser("first")
    f.add_argument("--mac", required=True)
    f.add_argument("--vrid", type=int, required=True)
    f.add_argument("--prio", type=int, required=True)
    v = sub.add_parser("intervals")
    v.add_argument("--mac", required=True)
    v.add_argument("--adv", type=float, required=True, help="the advert interval (s)")
    for s in (t, g, c, q, f, v):
        s.add_argument("--after", type=float)
        s.add_argument("--before", type=float)
        s.add_argument("pcap")
    a = p.parse_args()
    print({"takeover": takeover, "garp": garp, "count": count, "gaps": gaps,
           "first": first, "intervals": intervals}[a.cmd](a))


if __name__ == "__main__":
    sys.exit(main())
