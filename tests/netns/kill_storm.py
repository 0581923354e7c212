#!/usr/bin/env python3
"""The configuration, the polls and the checks of tests/netns/t_kill_storm.sh.

  kill_storm.py genconf RUN IFACES PER_IFACE
      RUN/r1.conf (priority 150) and RUN/r2.conf (100), IFACES x PER_IFACE instances, and
      RUN/model.json: instance vF_V on ethF with VRID V, advert_int 1, preempt, tracking the
      node's file RUN/storm/NODE (weight 0: any number but 0 is a FAULT). VIP 10.(F+1).V.1/32;
      every tenth instance has the VMAC vmF.V and its first VIP as a /24 (so a prefix route
      comes and goes with it); every third has a second VIP 10.(F+1).V.2/32.
  kill_storm.py converge MODEL FLOATCTL TIMEOUT_S SOCK=STATE...
      Polls the floatd's status --json until every instance is in STATE on each SOCK (MASTER
      on r1 and BACKUP on r2: the final priorities' outcome); prints "ok POLLS" or, on
      timeout, how far it got.
  kill_storm.py snapshot SNAP
      Inside a router's namespace: its kernel state into SNAP.marked (addresses marked
      IFA_PROTO 0x66, floatd's, as "ADDR/LEN DEV"), SNAP.addrs (every IPv4 address, the same
      way), SNAP.links (macvlan names) and SNAP.routes (ip -4 route show table all).
  kill_storm.py verify MODEL ROLE SNAP BASE_ROUTES
      Inside a router's namespace: a snapshot into SNAP, checked against what ROLE wants:
      master (every VIP, on its device, marked; every VMAC; the routes of BASE_ROUTES and those
      the VIPs bring), backup (every VMAC, no VIP, BASE_ROUTES only) or none (floatd stopped:
      no VIP, no VMAC, BASE_ROUTES). Prints each difference; exit 1 if there is one.
  kill_storm.py round MODEL VICTIM_LOG VMARK SURVIVOR_LOG SMARK STALE
      Reads both logs after their marks (the victim's from its restart, the survivor's from
      the kill) and STALE (the 0x66 addresses the killed floatd left, "ADDR/LEN DEV" lines);
      prints KEY=VALUE lines, times as epoch seconds from floatd's own stamps: first (the
      restarted floatd's first line), removed, removed_last, removed_after_joining (removals
      logged after its first "INIT ->" line), missing (stale addresses not logged as
      removed), refused ("cannot remove stale VIP" lines), joined (that first "INIT ->"), ready ("running with N instance(s)"), transitions and last_transition (both
      logs), first_after_ready (the first transition after ready, either log).
"""
import datetime
import ipaddress
import itertools
import json
import os
import re
import socket
import struct
import subprocess
import sys
import time

STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) ")
TRANSITION = re.compile(r" [A-Z]+ -> [A-Z]+ \(")


def genconf(run, ifaces, per):
    ifaces, per = int(ifaces), int(per)
    os.makedirs(os.path.join(run, "storm"), exist_ok=True)
    insts, k = [], 0
    for f in range(ifaces):
        for v in range(1, per + 1):
            vmac = f"vm{f}.{v}" if k % 10 == 0 else ""
            vips = [f"10.{f + 1}.{v}.1/{24 if vmac else 32}"]
            if k % 3 == 1:
                vips.append(f"10.{f + 1}.{v}.2/32")
            insts.append({"name": f"v{f}_{v}", "iface": f"eth{f}", "vrid": v, "vmac": vmac,
                          "dev": vmac or f"eth{f}", "vips": vips})
            k += 1
    for node, prio in (("r1", 150), ("r2", 100)):
        storm = os.path.join(run, "storm", node)
        with open(storm, "w") as fh:
            fh.write("0\n")
        out = [f"[global]\nrouter_id = {node}\n",
               f"[track_file storm]\nfile = {storm}\nweight = 0\n"]
        for i in insts:
            lines = [f"[instance {i['name']}]", f"interface = {i['iface']}",
                     f"virtual_router_id = {i['vrid']}", f"priority = {prio}", "advert_int = 1",
                     "version = 3", "preempt = yes", "garp_master_delay = 0",
                     "track_file = storm"]
            if i["vmac"]:
                lines.append(f"use_vmac = {i['vmac']}")
            lines += [f"virtual_ipaddress = {a}" for a in i["vips"]]
            out.append("\n".join(lines) + "\n")
        with open(os.path.join(run, f"{node}.conf"), "w") as fh:
            fh.write("\n".join(out))
    with open(os.path.join(run, "model.json"), "w") as fh:
        json.dump({"instances": insts}, fh)
    return 0


def load(path):
    with open(path) as fh:
        return json.load(fh)


# ---------------------------------------------------------------------------------------------
# Convergence


def states(ctl, sock):
    try:
        r = subprocess.run([ctl, "-s", sock, "status", "--json"], capture_output=True, text=True,
                           timeout=10)
        if r.returncode != 0:
            return None
        return {i["name"]: i["state"] for i in json.loads(r.stdout)["instances"]}
    except (subprocess.TimeoutExpired, ValueError, KeyError):
        return None


def converge(model, ctl, timeout, *want):
    names = [i["name"] for i in load(model)["instances"]]
    socks = [w.rsplit("=", 1) for w in want]
    deadline = time.monotonic() + float(timeout)  # not the wall clock, which may be stepped
    polls, last = 0, "no answer"
    while True:
        polls += 1
        got = [states(ctl, sock) for sock, _ in socks]
        if all(g is not None for g in got):
            wanted = tuple(s for _, s in socks)
            bad = [n for n in names if tuple(g.get(n) for g in got) != wanted]
            if not bad:
                print("ok", polls)
                return 0
            seen = {}
            for n in bad:
                p = "/".join(str(g.get(n)) for g in got)
                seen[p] = seen.get(p, 0) + 1
            last = (f"{len(bad)} of {len(names)} not {'/'.join(wanted)} ("
                    + ", ".join(f"{k} x{v}" for k, v in sorted(seen.items()))
                    + f"; e.g. {bad[0]})")
        else:
            last = "a floatd did not answer status"
        if time.monotonic() > deadline:
            print("timeout", last)
            return 1
        # A status of 1,000 instances is work for floatd and the poller: a few a second.
        time.sleep(0.25)


# ---------------------------------------------------------------------------------------------
# The kernel's state against what a role wants


def expected_routes(inst):
    """The routes the kernel makes for a VIP (ip -4 route show table all, split in words)."""
    out = set()
    for vip in inst["vips"]:
        itf = ipaddress.ip_interface(vip)
        a, dev = str(itf.ip), inst["dev"]
        out.add(f"local {a} dev {dev} table local proto kernel scope host src {a}")
        if itf.network.prefixlen < 32:
            out.add(f"{itf.network} dev {dev} proto kernel scope link src {a}")
            out.add(f"broadcast {itf.network.broadcast_address} dev {dev} table local proto "
                    f"kernel scope link src {a}")
    return out


def addresses():
    """Every address here: (address/len, ifindex, IFA_PROTO or None), from one RTM_GETADDR dump
    (iproute2 6.1 does not show IFA_PROTO; tests/netns/lib.sh's fdq.py reads it the same way)."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    s.send(struct.pack("=IHHII", 24, 22, 0x301, 1, 0) + struct.pack("=BBBBI", 0, 0, 0, 0, 0))
    while True:
        data = s.recv(1 << 16)
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if kind == 3:  # NLMSG_DONE
                return
            if kind == 2:  # NLMSG_ERROR
                raise OSError("netlink error")
            if kind == 20:  # RTM_NEWADDR: ifaddrmsg, then attributes
                _, plen, _, _, index = struct.unpack_from("=BBBBI", data, off + 16)
                attrs, a = {}, off + 24
                while a + 4 <= off + length:
                    alen, atype = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    attrs[atype] = data[a + 4:a + alen]
                    a += (alen + 3) & ~3
                raw = attrs.get(2) or attrs.get(1)  # IFA_LOCAL, else IFA_ADDRESS
                if raw:
                    mark = attrs[11][0] if 11 in attrs else None  # IFA_PROTO
                    yield f"{ipaddress.ip_address(raw)}/{plen}", index, mark
            off += (length + 3) & ~3


def snapshot(snap):
    marked, v4 = [], []
    for addr, index, mark in addresses():
        line = f"{addr} {socket.if_indextoname(index)}\n"
        if mark == 0x66:
            marked.append(line)
        if ipaddress.ip_interface(addr).version == 4:
            v4.append(line)
    links = subprocess.run(["ip", "-o", "link", "show", "type", "macvlan"], check=True,
                           capture_output=True, text=True).stdout
    routes = subprocess.run(["ip", "-4", "route", "show", "table", "all"], check=True,
                            capture_output=True, text=True).stdout
    for ext, text in (("marked", "".join(marked)), ("addrs", "".join(v4)), ("routes", routes),
                      ("links", "".join(x.split(": ")[1].split("@")[0] + "\n"
                                        for x in links.splitlines() if ": " in x))):
        with open(f"{snap}.{ext}", "w") as fh:
            fh.write(text)
    return 0


def lines(path):
    with open(path) as fh:
        return {" ".join(x.split()) for x in fh if x.strip()}


def verify(model, role, snap, base):
    snapshot(snap)
    insts = load(model)["instances"]
    vips = {f"{v} {i['dev']}" for i in insts for v in i["vips"]}
    vip_space = ipaddress.ip_network("10.0.0.0/8")
    vmacs = {i["vmac"] for i in insts if i["vmac"]}
    want_routes = lines(base)
    if role == "master":
        want_vips = vips
        for i in insts:
            want_routes |= expected_routes(i)
    else:
        want_vips = set()
    want_links = vmacs if role in ("master", "backup") else set()
    problems = []

    def diff(what, got, want):
        extra, missing = sorted(got - want), sorted(want - got)
        if extra:
            problems.append(f"{what}: {len(extra)} unwanted, e.g. {', '.join(extra[:3])}")
        if missing:
            problems.append(f"{what}: {len(missing)} missing, e.g. {', '.join(missing[:3])}")

    diff("addresses marked 0x66", lines(snap + ".marked"), want_vips)
    held = {x for x in lines(snap + ".addrs")
            if ipaddress.ip_interface(x.split()[0]).ip in vip_space}
    diff("VIPs (any mark)", held, want_vips)
    diff("macvlan links", lines(snap + ".links"), want_links)
    diff("IPv4 routes (all tables)", lines(snap + ".routes"), want_routes)
    for p in problems:
        print(p)
    return 1 if problems else 0


# ---------------------------------------------------------------------------------------------
# Logs


def stamp(line, now):
    """Epoch seconds of a log line's HH:MM:SS.mmm (local time, the day nearest now), or None."""
    m = STAMP.match(line)
    if not m:
        return None
    base = now.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0, microsecond=0)
    t = base.timestamp() + float(m.group(3))
    d = t - now.timestamp()
    return t - 86400 if d > 43200 else t + 86400 if d < -43200 else t


def since(path, mark):
    with open(path, errors="replace") as fh:
        return [x.rstrip("\n") for x in itertools.islice(fh, int(mark), None)]


def round_facts(model, vlog, vmark, slog, smark, stale):
    now = datetime.datetime.now()
    n = len(load(model)["instances"])
    facts = {"first": None, "removed": 0, "removed_last": None, "removed_after_joining": 0,
             "refused": 0, "joined": None, "ready": None}
    removed, trans = set(), {"victim": [], "survivor": []}
    for line in since(vlog, vmark):
        t = stamp(line, now)
        if t is None:
            continue
        if facts["first"] is None:
            facts["first"] = t
        m = re.search(r"removed stale VIP (\S+) from (\S+) ", line)
        if m:
            removed.add(f"{m.group(1)} {m.group(2)}")
            facts["removed"] += 1
            facts["removed_last"] = t
        if "cannot remove stale VIP" in line:
            facts["refused"] += 1
        if m and facts["joined"] is not None:
            facts["removed_after_joining"] += 1  # in the log's order, whatever the clock did
        if facts["joined"] is None and ": INIT -> " in line:
            facts["joined"] = t
        if facts["ready"] is None and f"running with {n} instance(s)" in line:
            facts["ready"] = t
        if TRANSITION.search(line):
            trans["victim"].append(t)
    for line in since(slog, smark):
        t = stamp(line, now)
        if t is not None and TRANSITION.search(line):
            trans["survivor"].append(t)
    facts["missing"] = len(lines(stale) - removed)
    every = trans["victim"] + trans["survivor"]
    facts["transitions"] = len(every)
    facts["last_transition"] = max(every) if every else None
    ready = facts["ready"]
    after = [t for t in every if ready is not None and t >= ready]
    facts["first_after_ready"] = min(after) if after else None
    for k, v in facts.items():
        print(f"{k}={'' if v is None else (f'{v:.3f}' if isinstance(v, float) else v)}")
    return 0


def main(argv):
    cmd, args = argv[1], argv[2:]
    fn = {"genconf": genconf, "converge": converge, "snapshot": snapshot, "verify": verify,
          "round": round_facts}.get(cmd)
    if fn is None:
        raise SystemExit(f"kill_storm.py: unknown command {cmd}")
    return fn(*args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
