#!/usr/bin/env python3
"""The soak's samplers (issue 15): what floatd holds, read from /proc.

  sampler.py run --every S --out FILE NAME=PID ...
      every S seconds, one JSON line per process NAME: its time (epoch), open descriptors
      (/proc/PID/fd), VmRSS (kB), its children and those of them in state Z (zombies: exited,
      not reaped). Runs until it is killed; a process that is gone is recorded as such.

burst() is what the driver takes at its quiet points (after the warm-up and at the end): the
smallest descriptor count and RSS over a short burst, so that a check script that happens to
be running (its pipes) does not count as a leak.
"""
import json
import os
import sys
import time


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stat_of(pid):
    """(state, ppid, comm) of a process, from /proc/PID/stat; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    comm = s[s.index("(") + 1:s.rindex(")")]
    rest = s[s.rindex(")") + 2:].split()
    return rest[0], int(rest[1]), comm


def alive(pid):
    st = stat_of(pid)
    return st is not None and st[0] != "Z"


def children(pids):
    """{parent: [(pid, state, comm), ...]} for the parents in `pids`: one scan of /proc."""
    out = {p: [] for p in pids}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = stat_of(name)
        if st and st[1] in out:
            out[st[1]].append((int(name), st[0], st[2]))
    return out


def sample(procs):
    """One record per NAME in procs ({NAME: PID})."""
    t = time.time()
    kids = children(set(procs.values()))
    out = []
    for name, pid in procs.items():
        rec = {"t": round(t, 3), "node": name, "pid": pid}
        try:
            if not alive(pid):
                raise OSError("gone")
            rec["fds"] = fd_count(pid)
            rec["rss_kb"] = rss_kb(pid)
        except OSError:
            rec["gone"] = True
            out.append(rec)
            continue
        rec["children"] = len(kids[pid])
        rec["zombies"] = [[p, comm] for p, state, comm in kids[pid] if state == "Z"]
        out.append(rec)
    return out


def burst(procs, n=20, every=0.1):
    """{NAME: {"fds": min, "rss_kb": min}} over n samples `every` seconds apart."""
    best = {}
    for i in range(n):
        for name, pid in procs.items():
            try:
                fds, rss = fd_count(pid), rss_kb(pid)
            except OSError:
                continue
            b = best.setdefault(name, {"fds": fds, "rss_kb": rss})
            b["fds"] = min(b["fds"], fds)
            b["rss_kb"] = min(b["rss_kb"], rss)
        if i + 1 < n:
            time.sleep(every)
    return best


def main(argv):
    if len(argv) < 2 or argv[1] != "run":
        raise SystemExit(__doc__)
    every, out, procs = 10.0, None, {}
    args = argv[2:]
    while args:
        a = args.pop(0)
        if a == "--every":
            every = float(args.pop(0))
        elif a == "--out":
            out = args.pop(0)
        elif "=" in a:
            name, pid = a.split("=", 1)
            procs[name] = int(pid)
        else:
            raise SystemExit(f"sampler.py: unexpected {a!r}")
    if not out or not procs:
        raise SystemExit(__doc__)
    with open(out, "a", buffering=1) as f:
        next_at = time.monotonic()
        while True:
            for rec in sample(procs):
                f.write(json.dumps(rec) + "\n")
            next_at += every
            time.sleep(max(0.0, next_at - time.monotonic()))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
