#!/usr/bin/env python3
"""Who held a VIP when, from the address monitors of bench/lib.sh (vip_watch_start).

Each router NAME has RUN/NAME.vipsnap ("EPOCH ADDR ADDR ...": its IPv4 addresses when its
monitor started to listen) and RUN/NAME.vipmon (`ip -ts monitor address`: one line per address
added or deleted, with a local-time timestamp in microseconds). Replaying both gives, for every
router, the intervals in which it held the VIP; no polling, so nothing short is missed.

  vipwatch.py overlap --vip ADDR --after T0 --before T1 NAME=PREFIX...
      The longest time (ms) in [T0, T1] during which at least two of the routers held ADDR
      at once, the longest during which none did, then the routers holding it at T1 ("-" if
      none): "MS MS HOLDERS".
  vipwatch.py single --vip ADDR --after T0 --before T1 NAME=PREFIX...
      From T0 to the moment exactly one router held ADDR for good (it still does at T1):
      "MS NAME"; 0 if exactly one held it throughout; "none HOLDERS" if not exactly one at T1.
T0 and T1 are epoch seconds (EPOCHREALTIME); PREFIX is RUN/NAME (the files' common stem).
"""
import argparse
import datetime
import re
import sys

LINE = re.compile(r"^\[(\S+)\]\s+(Deleted\s+)?\d+:\s+\S+\s+inet\s+([0-9.]+)/")


def epoch(stamp):
    # ip -ts prints local time without a zone, as naive datetime.timestamp() reads it.
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f").timestamp()


def timeline(prefix, vip):
    """(t_snapshot, held at the snapshot, [(t, held)] after it, in order)."""
    with open(prefix + ".vipsnap") as f:
        fields = f.read().split()
    t0, held = float(fields[0]), vip in fields[1:]
    changes = []
    with open(prefix + ".vipmon", errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m or m.group(3) != vip:
                continue
            t = epoch(m.group(1))
            if t > t0:
                changes.append((t, m.group(2) is None))
    return t0, held, changes


def replay(args):
    """[(t, name, held)] merged over the routers, and the holders at T0."""
    events, holders = [], set()
    for spec in args.routers:
        name, _, prefix = spec.partition("=")
        t0, held, changes = timeline(prefix, args.vip)
        if t0 > args.after:
            raise SystemExit(f"vipwatch: {name}'s monitor started after the window")
        for t, h in changes:
            if t <= args.after:
                held = h
            elif t <= args.before:
                events.append((t, name, h))
        if held:
            holders.add(name)
    events.sort()
    return events, holders


def overlap(args):
    events, holders = replay(args)
    longest, since = 0.0, args.after if len(holders) >= 2 else None
    empty, since0 = 0.0, args.after if not holders else None
    for t, name, h in events:
        if h:
            holders.add(name)
        else:
            holders.discard(name)
        if len(holders) >= 2 and since is None:
            since = t
        elif len(holders) < 2 and since is not None:
            longest, since = max(longest, t - since), None
        if not holders and since0 is None:
            since0 = t
        elif holders and since0 is not None:
            empty, since0 = max(empty, t - since0), None
    if since is not None:
        longest = max(longest, args.before - since)
    if since0 is not None:
        empty = max(empty, args.before - since0)
    return f"{longest * 1000:.3f} {empty * 1000:.3f} {','.join(sorted(holders)) or '-'}"


def single(args):
    events, holders = replay(args)
    became = args.after if len(holders) == 1 else None
    for t, name, h in events:
        if h:
            holders.add(name)
        else:
            holders.discard(name)
        became = (became or t) if len(holders) == 1 else None
    if became is None:
        return f"none {','.join(sorted(holders)) or '-'}"
    return f"{(became - args.after) * 1000:.3f} {next(iter(holders))}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=("overlap", "single"))
    p.add_argument("--vip", required=True)
    p.add_argument("--after", type=float, required=True)
    p.add_argument("--before", type=float, required=True)
    p.add_argument("routers", nargs="+", metavar="NAME=PREFIX")
    a = p.parse_args()
    print(overlap(a) if a.cmd == "overlap" else single(a))


if __name__ == "__main__":
    sys.exit(main())
