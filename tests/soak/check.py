#!/usr/bin/env python3
"""The soak's checker (issue 15): reads what the run left behind, writes the Markdown report,
and exits 1 when an assertion failed.

  check.py --soak DIR --mode soak|ci --report FILE --events r1=FILE --events r2=FILE
           --sched FILE [--rss-pct P]

DIR (RUN/soak) holds model.json (driver.py genconf), actions.jsonl (the driver's log),
samples.jsonl (sampler.py), sentinel.pcap (the sentinel's adverts from r1, kernel timestamps)
and facts.txt (KEY=VALUE lines from soak.sh: exit statuses, counts from the logs, the machine).
The events files are `floatctl events --json` of each node, started before the driver. --sched
is lib.sh's scheduler probe (RUN/sched.late: "EPOCH LATE_MS" whenever it woke > 2 ms late).

The rule for transitions
------------------------
A transition of instance I, on either node, at floatd's time T (the event's stamp) is explained
by an action A of the driver when A names I among the instances it can affect, and

    A.begin - 2 ms  <=  T  <=  A.end + CAUSE(A) + CHAIN + SLACK(A)

  2 ms      floatd stamps its events with CLOCK_REALTIME truncated to the ms; the driver stamps
            its actions with the same clock (time.time()), just before it acts and just after.
  CAUSE(A)  how long after the action's end floatd may still be learning of it:
            - script_fail, script_hang: max(fall, rise) x (interval + timeout) of [script chk]
              (2 x (0.5 + 0.3) = 1.6 s): a change is seen only after fall (or rise) runs in a
              row, started `interval` apart and each up to `timeout` long (a hung run is killed
              at its timeout and holds the next one back);
            - link_flap by carrier, iface_recreate: 1 s, the kernel's linkwatch, which passes on
              a carrier change of a non-urgent device up to a second late (net/core/link_watch.c);
            - everything else 0: an administrative link change and the inotify on a track file
              reach floatd at once, the driver ends a reload when floatd has logged its verdict
              and a handover or maintenance when floatctl has returned.
  CHAIN     2 x Master_Down_Interval_max + Advertisement_Interval = 0.9 s at 0.1 s: once one
            node has changed (FAULT, resigned, a new priority) the other takes over within its
            Master_Down_Interval (Skew_Time if the first resigned with priority 0); a node that
            comes back is Master again within its own Master_Down_Interval (its timer after
            FAULT -> BACKUP, or Skew_Time + Advertisement_Interval by fast preemption), and the
            other steps down on its first advert, within Advertisement_Interval. RFC 5798 6.1:
            Master_Down_Interval = 3 x Master_Adver_Interval + Skew_Time, and Skew_Time =
            (256 - Priority) x Master_Adver_Interval / 256 < Master_Adver_Interval for every
            priority, so Master_Down_Interval_max < 4 x Advertisement_Interval = 0.4 s.
  SLACK(A)  0.5 s + 2 x the scheduler's worst lateness measured from A.begin - 1 s to the end of
            the window: floatd's own work when a whole interface of instances changes at once
            (transitions, VIP batches, gratuitous ARPs), and two late wake-ups (the two nodes'
            timers) on a loaded machine.
An action that names no instance (a reload of the same config, a broken config, VIPs deleted by
hand, control clients) explains nothing: a transition then is floatd's fault.

In the CI run only, the machine is an actor too: a Backup takes over when its Master's adverts
stop for Master_Down_Interval, so a Master woken L late opens a gap of Advertisement_Interval + L
and a Backup times out once L > Master_Down_Interval - Advertisement_Interval >= 2 x
Advertisement_Interval. The probe and floatd are scheduled alike but not identically, so (as
lib.sh does) the probe's lateness counts twice: a lateness of at least Advertisement_Interval
(100 ms) measured by the probe is a "scheduler stall" that explains any instance's transitions
from the stall's start (its end less the lateness, less 0.1 s for the probe's coarseness) to
its end + CHAIN + SLACK. make soak allows none: there, such transitions are unexplained, and the
report shows the lateness next to each.

The other assertions
--------------------
fd count and RSS: the quiet readings the driver takes with every lane stopped and the lab
settled, after the warm-up and at the end (each the smallest of 20 readings over 2 s): the fd
count may not grow; RSS may grow by at most --rss-pct (1 % for make soak, as issue 15 asks).
Zombies: a child of floatd seen in state Z in two samples in a row (a moment's zombie is a child
that has just exited, which floatd reaps on its next loop turn). Advert stretch: the intervals
between the sentinel's consecutive adverts from r1 (kernel timestamps on r1's bridge port) less
advert_int, max and 99.9th percentile; make soak allows 5 ms. The CI run reports it, with the
intervals over 5 ms + 2 x the worst lateness the scheduler probe measured in the run and over
5 ms + 2 x the lateness within a second of each, but asserts only that the capture saw the
sentinel whole and that no interval reached two advert_int (a skipped advert) unless its
stretch is within 5 ms + 2 x the lateness the probe measured within a second of it (the same
rule as a scheduler stall's transitions): floatd's own loop still stalls for tens of ms when a burst of work lands on it
(CI runs saw 7-30 ms, 36-62 ms under AddressSanitizer, with the probe 3-6 ms late nearby), and
no measured lateness of the machine bounds that, so a bound there would fail by chance. A stall
that matters to the protocol shows anyway, as a takeover no action explains.
"""
import argparse
import bisect
import datetime
import json
import math
import os
import struct
import sys
import time

# ---------------------------------------------------------------------------------------------
# Inputs


def read_jsonl(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                pass  # the last line of a reader killed while it wrote
    return out


def read_facts(path):
    facts = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    facts[k] = v
    return facts


class Sched:
    """lib.sh's scheduler probe: the worst lateness (ms) in a span, as sched_late_ms."""

    def __init__(self, path):
        rows = []
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    p = line.split()
                    if len(p) == 2:
                        try:
                            rows.append((float(p[0]), float(p[1])))
                        except ValueError:
                            pass
        rows.sort()
        self.t = [r[0] for r in rows]
        self.late = [r[1] for r in rows]

    def worst(self, a, b):
        i = bisect.bisect_left(self.t, a - 1)
        j = bisect.bisect_right(self.t, b + 0.1)
        return max(self.late[i:j], default=0.0)


def event_epoch(hms, ref):
    """floatd's HH:MM:SS.mmm (local time) as epoch seconds: the day that puts it nearest REF."""
    h, m, s = hms.split(":")
    day = datetime.datetime.fromtimestamp(ref).replace(hour=0, minute=0, second=0, microsecond=0)
    t = day.timestamp() + int(h) * 3600 + int(m) * 60 + float(s)
    while t - ref > 43200:
        t -= 86400
    while ref - t > 43200:
        t += 86400
    return t


def transitions(path, node, ref):
    out = []
    for ev in read_jsonl(path):
        if ev.get("type") != "transition":
            continue
        t = event_epoch(ev["time"], ref)
        ref = t  # a run across midnight: each stamp near the one before
        out.append({"node": node, "t": t, "time": ev["time"], "instance": ev.get("instance"),
                    "from": ev.get("from"), "to": ev.get("to"), "reason": ev.get("reason", ""),
                    "text": ev.get("text", "")})
    return out


def actions(records, end_of_run):
    """The driver's actions: begin and end records paired."""
    acts = {}
    for r in records:
        if r.get("ev") == "begin":
            acts[r["id"]] = dict(r, begin=r["t"], end=None, outcome="(unfinished)")
        elif r.get("ev") == "end" and r.get("id") in acts:
            a = acts[r["id"]]
            a["end"] = r["t"]
            a["outcome"] = r.get("outcome", "")
            a["result"] = {k: v for k, v in r.items() if k not in ("ev", "id", "t", "kind", "outcome")}
    for a in acts.values():
        if a["end"] is None:
            a["end"] = end_of_run
    return sorted(acts.values(), key=lambda a: a["begin"])


# ---------------------------------------------------------------------------------------------
# Transitions


def windows(model):
    adv = model["adv"]
    s = model["script"]
    mdi_max = 3 * adv + 255 * adv / 256
    chain = 2 * mdi_max + adv
    script = max(s["fall"], s["rise"]) * (s["interval"] + s["timeout"])

    def cause(a):
        if a["kind"] in ("script_fail", "script_hang"):
            return script
        if a["kind"] == "iface_recreate" or (a["kind"] == "link_flap" and a.get("how") == "carrier"):
            return 1.0
        return 0.0
    return cause, chain


def stalls(sched, model):
    """The scheduler probe's stalls long enough to let a Backup time out (see the rule)."""
    adv = model["adv"]
    names = [i["name"] for i in model["instances"]]
    out = []
    for t, late in zip(sched.t, sched.late):
        if late >= adv * 1000:
            out.append({"id": f"s{len(out) + 1}", "kind": "scheduler_stall", "node": "-",
                        "detail": f"the scheduler probe woke {late:.0f} ms late",
                        "begin": t - late / 1000 - 0.1, "end": t, "explains": names,
                        "outcome": "-", "result": {}})
    return out


def explain(trans, acts, model, sched):
    cause, chain = windows(model)
    by_inst = {}
    for a in acts:
        base = a["end"] + cause(a) + chain
        a["late_ms"] = sched.worst(a["begin"], base + 0.5)
        a["window_end"] = base + 0.5 + 2 * a["late_ms"] / 1000
        for name in a.get("explains", []):
            by_inst.setdefault(name, []).append(a)
    explained, unexplained = [], []
    for tr in trans:
        best = None
        for a in by_inst.get(tr["instance"], []):
            if a["begin"] - 0.002 <= tr["t"] <= a["window_end"]:
                if best is None or a["begin"] > best["begin"]:
                    best = a
        if best is None:
            unexplained.append(tr)
        else:
            tr["by"] = best
            tr["after_end"] = tr["t"] - best["end"]
            tr["window"] = best["window_end"] - best["end"]
            explained.append(tr)
    return explained, unexplained


def context(tr, acts):
    """The actions under way around an unexplained transition (2 s either side)."""
    near = [a for a in acts if a["begin"] - 2 <= tr["t"] <= a["window_end"] + 2]
    return "; ".join(f"#{a['id']} {a['kind']} {a['node']} ({a['detail']}) "
                     f"{tr['t'] - a['begin']:+.3f} s from its begin" for a in near[:4]) or "none"


# ---------------------------------------------------------------------------------------------
# The sentinel's adverts


def pcap_frames(path):
    if not os.path.exists(path):
        return
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        for endian in ("<", ">"):
            magic = struct.unpack(endian + "I", head[:4])[0]
            if magic in (0xA1B2C3D4, 0xA1B23C4D):
                break
        else:
            raise SystemExit(f"{path}: not a pcap file")
        scale = 1 if magic == 0xA1B23C4D else 1000
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, caplen, _ = struct.unpack(endian + "IIII", rec)
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield sec * 1_000_000_000 + frac * scale, data


def sentinel_adverts(path, mac, vrid):
    """Times (ns) of MAC's VRRP adverts for VRID with a priority above 0."""
    want = bytes.fromhex(mac.replace(":", ""))
    out = []
    for t, d in pcap_frames(path):
        if len(d) < 34 or d[6:12] != want or d[12:14] != b"\x08\x00" or d[23] != 112:
            continue
        ihl = (d[14] & 0x0F) * 4
        v = 14 + ihl
        if len(d) >= v + 3 and d[v + 1] == vrid and d[v + 2] > 0:
            out.append(t)
    return sorted(out)


def percentile(sorted_vals, q):
    if not sorted_vals:
        return float("nan")
    k = max(0, math.ceil(q * len(sorted_vals)) - 1)
    return sorted_vals[k]


def stretch(times_ns, adv, sched, mode):
    """Per interval: stretch (ms) and its bound; the figures."""
    iv = []
    run_late = sched.worst(times_ns[0] / 1e9, times_ns[-1] / 1e9) if times_ns else 0.0
    for a, b in zip(times_ns, times_ns[1:]):
        st = (b - a) / 1e6 - adv * 1000
        late = sched.worst(a / 1e9, b / 1e9)
        bound = 5.0 if mode == "soak" else 5.0 + 2 * run_late
        iv.append((st, bound, late, b / 1e9))
    s = sorted(x[0] for x in iv)
    over = [x for x in iv if x[0] > x[1]]
    over_sched = [x for x in iv if x[0] > 5.0 + 2 * x[2]]
    return {
        "adverts": len(times_ns), "intervals": len(iv),
        "max": s[-1] if s else float("nan"), "p999": percentile(s, 0.999),
        "p99": percentile(s, 0.99), "median": percentile(s, 0.5),
        "over": over, "over_sched": over_sched, "all": iv,
        "worst": max(iv, key=lambda x: x[0] - x[1]) if iv else None,
        "late_max": max((x[2] for x in iv), default=0.0), "run_late": run_late,
    }


# ---------------------------------------------------------------------------------------------
# The report


def fmt(x, nd=3):
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    return f"{x:.{nd}f}"


def hms(t):
    return datetime.datetime.fromtimestamp(t).strftime("%H:%M:%S.%f")[:-3]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--soak", required=True)
    p.add_argument("--mode", choices=("soak", "ci"), required=True)
    p.add_argument("--report", required=True)
    p.add_argument("--events", action="append", required=True, help="NODE=FILE")
    p.add_argument("--sched", required=True)
    p.add_argument("--rss-pct", type=float, default=1.0)
    # Why RSS is reported but not asserted (floatd built with AddressSanitizer: its quarantine
    # holds freed memory and its RSS grows whatever floatd does).
    p.add_argument("--rss-unchecked", default="")
    a = p.parse_args()

    with open(os.path.join(a.soak, "model.json")) as f:
        model = json.load(f)
    facts = read_facts(os.path.join(a.soak, "facts.txt"))
    records = read_jsonl(os.path.join(a.soak, "actions.jsonl"))
    samples = read_jsonl(os.path.join(a.soak, "samples.jsonl"))
    sched = Sched(a.sched)
    start = next((r for r in records if r.get("ev") == "start"), None)
    stop = next((r for r in records if r.get("ev") == "stop"), None)
    quiet = {r["label"]: r for r in records if r.get("ev") == "quiet"}
    t_start = start["t"] if start else time.time()
    t_stop = stop["t"] if stop else (records[-1]["t"] if records else t_start)
    acts = actions(records, t_stop)

    trans = []
    for spec in a.events:
        node, path = spec.split("=", 1)
        trans += transitions(path, node, t_start)
    trans.sort(key=lambda t: t["t"])
    if a.mode == "ci":
        acts += stalls(sched, model)
    explained, unexplained = explain(trans, acts, model, sched)

    verdicts = []  # (ok, name, text)

    # fd count and RSS at the quiet points
    fd_ok = rss_ok = bool("warm" in quiet and "end" in quiet)
    fd_text, rss_text = [], []
    if fd_ok:
        for node in sorted(quiet["warm"]["procs"]):
            w, e = quiet["warm"]["procs"][node], quiet["end"]["procs"].get(node)
            if e is None:
                fd_ok = rss_ok = False
                continue
            growth = (e["rss_kb"] - w["rss_kb"]) * 100.0 / w["rss_kb"]
            fd_ok = fd_ok and e["fds"] <= w["fds"]
            rss_ok = rss_ok and growth <= a.rss_pct
            fd_text.append(f"{node} {w['fds']} -> {e['fds']}")
            rss_text.append(f"{node} {w['rss_kb']} -> {e['rss_kb']} kB ({growth:+.2f} %)")
    else:
        fd_text = rss_text = ["no quiet readings at both the warm-up's end and the end"]
    span = ""
    if "warm" in quiet and "end" in quiet:
        span = f" over the last {(quiet['end']['t'] - quiet['warm']['t']) / 60:.1f} min"
    verdicts.append((fd_ok, "fd count flat after the warm-up", "; ".join(fd_text) + span))
    if a.rss_unchecked:
        verdicts.append((True, f"RSS growth after the warm-up (not asserted: {a.rss_unchecked})",
                         "; ".join(rss_text) + span))
    else:
        verdicts.append((rss_ok, f"RSS growth after the warm-up <= {a.rss_pct:g} %",
                         "; ".join(rss_text) + span))

    # zombies: the same child in state Z in two samples in a row
    last_z, persistent, seen_z = {}, [], set()
    for s in samples:
        z = {tuple(x) for x in s.get("zombies", [])}
        seen_z |= {(s["node"],) + x for x in z}
        for pid_comm in z & last_z.get(s["node"], set()):
            persistent.append((s["node"], s["t"], pid_comm))
        last_z[s["node"]] = z
    n_samples = len(samples)
    verdicts.append((not persistent and n_samples > 0, "no zombie processes",
                     f"{n_samples} samples; zombies seen in two samples in a row: "
                     f"{len(persistent)}; children seen in state Z at all: {len(seen_z)}"
                     + (f"; e.g. {persistent[0]}" if persistent else "")))

    # the sentinel's advert intervals
    mac = facts.get("r1_mac", "02:fd:00:00:00:02")
    sent = model["sentinel"]
    vrid = next(i["vrid"] for i in model["instances"] if i["name"] == sent)
    times_ns = sentinel_adverts(os.path.join(a.soak, "sentinel.pcap"), mac, vrid)
    if t_start and stop:  # the driver's run only
        times_ns = [t for t in times_ns if t_start * 1e9 <= t <= t_stop * 1e9]
    st = stretch(times_ns, model["adv"], sched, a.mode)
    dropped = int(facts.get("capture_dropped", "0") or 0)
    # make soak asserts the 5 ms. The two-minute CI run reports the stretch but asserts
    # only that the capture saw the sentinel whole: floatd's own loop still stalls for tens of
    # ms when a burst of work lands on it (an interface of instances coming back, a client storm
    # asking for status; up to 36-62 ms under AddressSanitizer), which no measured lateness of
    # the machine bounds, so a CI bound would fail by chance. A stall that matters to the
    # protocol shows anyway: the Backup takes over, and that transition is unexplained.
    # What CI does assert is the protocol's floor: no advert slot skipped (an interval of two
    # advert_int or more) that the machine does not explain. As for transitions, the probe's
    # lateness counts twice: a skipped slot with the probe late by half the stretch within a
    # second of it is the machine's (CI once saw an interval of 216.6 ms with the probe 123 ms
    # late beside it, a compile at nice 19 running); one without is floatd's.
    skipped = [x for x in st["all"] if x[0] >= model["adv"] * 1000]
    skipped_own = [x for x in skipped if x[0] > 5.0 + 2 * x[2]]
    st_ok = (st["intervals"] > 0 and dropped == 0
             and (not st["over"] if a.mode == "soak" else not skipped_own))
    bound_text = ("at most 5 ms" if a.mode == "soak" else
                  f"less than advert_int (no advert skipped) or, when not, by at most 5 ms + "
                  f"2 x the scheduler's lateness within a second of it: {len(skipped_own)} "
                  f"skipped beyond that, {len(skipped) - len(skipped_own)} within it; "
                  f"make soak's 5 ms is reported, not asserted in CI: over 5 ms + 2 x the "
                  f"scheduler's worst lateness in the run ({fmt(st['run_late'], 0)} ms)")
    wtext = ""
    if st["worst"]:
        w = st["worst"]
        wtext = (f"; worst {fmt(w[0])} ms at {hms(w[3])} (scheduler {fmt(w[2], 0)} ms late "
                 "within a second of it)")
    verdicts.append((st_ok, "the Master's advert intervals stretched by " + bound_text,
                     f"{sent} from r1: {st['intervals']} intervals, max {fmt(st['max'])} ms, "
                     f"99.9th percentile {fmt(st['p999'])} ms; over the bound: {len(st['over'])}"
                     + wtext + (f"; the capture lost {dropped} frames" if dropped else "")))

    # transitions
    n_stall = sum(1 for t in explained if t["by"]["kind"] == "scheduler_stall")
    ev_alive = all(facts.get(f"events_{n}_alive") == "1" for n in ("r1", "r2"))
    verdicts.append((not unexplained and ev_alive and bool(records),
                     "every transition explained by an action",
                     f"{len(trans)} transitions, {len(explained)} explained"
                     + (f" ({n_stall} of them by a scheduler stall)" if n_stall else "")
                     + f", {len(unexplained)} unexplained"
                     + ("" if ev_alive else "; an events stream ended early (floatd closed it)")))
    counts_ok = True
    ctext = []
    for n in ("r1", "r2"):
        got = sum(1 for t in trans if t["node"] == n)
        logged = facts.get(f"log_transitions_{n}")
        ctext.append(f"{n}: {got} events, {logged} log lines")
        counts_ok = counts_ok and logged is not None and int(logged) == got
    verdicts.append((counts_ok, "the events streams hold every transition floatd logged",
                     "; ".join(ctext)))

    # floatd itself
    ftext, f_ok = [], True
    for n in ("r1", "r2"):
        alive = facts.get(f"floatd_{n}_alive_at_end") == "1"
        rc = facts.get(f"floatd_{n}_exit", "?")
        left = facts.get(f"left_{n}", "")
        f_ok = f_ok and alive and rc == "0" and not left
        ftext.append(f"{n}: {'ran to the end' if alive else 'DIED during the run'}, exit {rc} "
                     f"on SIGTERM in {facts.get(f'floatd_{n}_stop_ms', '?')} ms"
                     + (f", left behind: {left}" if left else ""))
    verdicts.append((f_ok, "floatd ran throughout, stopped with status 0, left no process",
                     "; ".join(ftext)))
    # control clients that asked properly during the storms
    cl = {}
    for x in acts:
        for k, v in x.get("result", {}).get("clients", {}).items():
            cl[k] = cl.get(k, 0) + v
    bad = cl.get("version_failed", 0) + cl.get("version_bad", 0)
    verdicts.append((bad == 0 and cl.get("version_ok", 0) > 0,
                     "floatd answered every well-behaved control client during the storms",
                     f"{cl.get('version_ok', 0)} version requests answered, {bad} not"))
    if stop and stop.get("reason") != "done":
        verdicts.append((False, "the driver ran to the end", stop.get("reason", "")))

    # ---- the report
    ok_all = all(v[0] for v in verdicts)
    L = []
    title = "make soak" if a.mode == "soak" else "tests/netns/t_soak.sh (CI)"
    L.append(f"# floatd soak report ({title})\n")
    L.append(f"Written by tests/soak/check.py. {'PASS' if ok_all else 'FAIL'}.\n")
    L.append("|  |  |\n|---|---|")
    n_inst = len(model["instances"])
    rows = [
        ("date", datetime.datetime.fromtimestamp(t_start).strftime("%Y-%m-%d %H:%M %Z")),
        ("duration", f"{facts.get('minutes', '?')} min asked; the driver ran "
                     f"{(t_stop - t_start) / 60:.1f} min, warm-up until "
                     f"+{((quiet['warm']['t'] - t_start) if 'warm' in quiet else float('nan')):.0f} s"),
        ("lab", f"2 nodes (r1 150, r2 100), {n_inst} instances each on {model['ifaces']} "
                f"interfaces, advert_int {model['adv']} s, VRRPv3"),
        ("floatd", facts.get("floatd_version", "?") + (
            f"; vrrp_rt_priority {facts['rt_priority']} (SCHED_RR)"
            if facts.get("rt_priority", "0") not in ("", "0") else "; normal scheduling")),
        ("machine", facts.get("machine", "?")),
        ("load average (1, 5, 15 min)", f"start {facts.get('load_start', '?')}, end {facts.get('load_end', '?')}"),
        ("settle", f"r1 Master of all in {facts.get('settle_r1_s', '?')} s, r2 Backup of all in "
                   f"{facts.get('settle_r2_s', '?')} s"),
        ("driver seed", str(start.get("seed")) if start else "?"),
        ("scheduler lateness (probe)", f"worst {fmt(sched.worst(t_start, t_stop), 0)} ms during the run"),
    ]
    for k, v in rows:
        L.append(f"| {k} | {v} |")
    L.append("\n## Assertions\n")
    for ok, name, text in verdicts:
        L.append(f"- **{'PASS' if ok else 'FAIL'}** {name}: {text}")

    L.append("\n## Actions\n")
    L.append("| kind | actions | outcomes | transitions explained | latest after its end (window) |")
    L.append("|---|---|---|---|---|")
    for kind in sorted({x["kind"] for x in acts}):
        ks = [x for x in acts if x["kind"] == kind]
        outc = {}
        for x in ks:
            key = x["outcome"] if len(x["outcome"]) < 60 else x["outcome"][:57] + "..."
            outc[key] = outc.get(key, 0) + 1
        ex = [t for t in explained if t["by"]["kind"] == kind]
        late = max(ex, key=lambda t: t["after_end"], default=None)
        L.append(f"| {kind} | {len(ks)} | " + ", ".join(f"{k} {v}" for k, v in sorted(outc.items()))
                 + f" | {len(ex)} | "
                 + (f"{late['after_end']:.3f} s ({late['window']:.3f} s)" if late else "-") + " |")
    vd = [x["result"].get("restored_ms") for x in acts
          if x["kind"] == "vip_delete" and x.get("result", {}).get("restored_ms") is not None]
    if vd:
        vd.sort()
        L.append(f"\nVIPs deleted by hand came back after {fmt(vd[len(vd) // 2], 1)} ms (median), "
                 f"{fmt(vd[-1], 1)} ms at most, over {len(vd)}.")
    lost = [x for x in acts if x["kind"] == "vip_delete" and x["outcome"].startswith("not restored")]
    if lost:
        L.append(f"\nVIPs deleted by hand that no node held again within 15 s: {len(lost)} ("
                 + ", ".join(f"#{x['id']} {x['detail']}" for x in lost[:5]) + ").")
    if cl:
        L.append("\nControl clients: " + ", ".join(f"{k} {v}" for k, v in sorted(cl.items())) + ".")

    L.append("\n## Resources\n")
    L.append("| node | quiet after warm-up: fds, RSS kB | quiet at the end: fds, RSS kB | "
             "samples after warm-up: fds min-max, RSS min-max kB |")
    L.append("|---|---|---|---|")
    for node in ("r1", "r2"):
        w = quiet.get("warm", {}).get("procs", {}).get(node, {})
        e = quiet.get("end", {}).get("procs", {}).get(node, {})
        tw = quiet["warm"]["t"] if "warm" in quiet else t_start
        ss = [s for s in samples if s["node"] == node and s["t"] >= tw and "fds" in s]
        rng_fd = f"{min(s['fds'] for s in ss)}-{max(s['fds'] for s in ss)}" if ss else "-"
        rng_rss = f"{min(s['rss_kb'] for s in ss)}-{max(s['rss_kb'] for s in ss)}" if ss else "-"
        L.append(f"| {node} | {w.get('fds', '-')}, {w.get('rss_kb', '-')} | {e.get('fds', '-')}, "
                 f"{e.get('rss_kb', '-')} | {rng_fd}, {rng_rss} |")

    L.append("\n## The sentinel's adverts\n")
    L.append(f"{st['adverts']} adverts of {sent} from r1 during the driver's run; the stretch is "
             f"the interval less {model['adv'] * 1000:.0f} ms: median {fmt(st['median'])} ms, "
             f"99th percentile {fmt(st['p99'])} ms, 99.9th {fmt(st['p999'])} ms, max "
             f"{fmt(st['max'])} ms. Intervals over 5 ms + 2 x the scheduler's lateness within a second "
             f"of each: {len(st['over_sched'])}.")

    L.append("\n## Transitions\n")
    by = {}
    for t in trans:
        k = f"{t['from']} -> {t['to']} ({t['reason']})"
        by[k] = by.get(k, 0) + 1
    if by:
        L.append("| transition | count |\n|---|---|")
        for k, v in sorted(by.items(), key=lambda kv: -kv[1]):
            L.append(f"| {k} | {v} |")
    if unexplained:
        L.append(f"\n### Unexplained ({len(unexplained)}; the first 40)\n")
        for t in unexplained[:40]:
            L.append(f"- {t['node']} {t['time']} {t['text']} -- scheduler up to "
                     f"{fmt(sched.worst(t['t'] - 0.5, t['t']), 0)} ms late in the 0.5 s before; "
                     f"under way: {context(t, acts)}")

    L.append("\n## The rule\n")
    cause, chain = windows(model)
    s = model["script"]
    L.append(
        "A transition of instance I on either node at floatd's time T is explained by an action A "
        "that names I when A.begin - 2 ms <= T <= A.end + CAUSE + CHAIN + SLACK. "
        f"CHAIN = 2 x Master_Down_Interval_max + Advertisement_Interval = {chain:.3f} s "
        "(Master_Down_Interval < 4 x Advertisement_Interval for every priority, RFC 5798 6.1). "
        f"CAUSE = max(fall, rise) x (interval + timeout) = "
        f"{max(s['fall'], s['rise']) * (s['interval'] + s['timeout']):.2f} s for the check script, "
        "1 s for carrier changes and re-created interfaces (the kernel's linkwatch), 0 otherwise. "
        "SLACK = 0.5 s + 2 x the scheduler's worst lateness meanwhile. An action that names no "
        "instance (reloads of the same or a broken config, VIPs deleted by hand, control clients) "
        "explains nothing. tests/soak/check.py has the reasoning.")
    text = "\n".join(L) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(a.report)), exist_ok=True)
    with open(a.report, "w") as f:
        f.write(text)
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
