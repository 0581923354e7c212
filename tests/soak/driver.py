#!/usr/bin/env python3
"""The soak's driver (issue 15): churn on two floatd nodes, each action logged.

  driver.py genconf --run RUN --prefix PFX --instances N --ifaces K --floatctl PATH [--rt-priority P]
      Writes RUN/r1.conf and RUN/r2.conf, the track script RUN/soak/check.sh, the nodes'
      tracker directories RUN/soak/r1 and RUN/soak/r2, and RUN/soak/model.json: the instances,
      their interfaces, VIPs and trackers, and the timers, which the other commands and
      check.py read.
  driver.py ifaces --model MODEL
      Makes eth1 .. eth(K-1) in both routers, each on its own bridge (eth0 is lib.sh's).
  driver.py run --model MODEL --minutes M --log FILE --pid r1=PID --pid r2=PID [--seed S]
      The churn, for M minutes (see below); every action is two JSON lines in FILE.

The lab (tests/soak/soak.sh): routers r1 (priority 150, state MASTER) and r2 (100), N instances
each, spread over eth0 .. eth(K-1), instance vF_V on ethF with VRID V and the VIP 10.(F+1).V.1/32,
advert_int 0.1. Every twentieth instance (offsets 3, 13, 7, 17) tracks the node's check script
`chk` (weight 0, or -60) or its track file `flag` (weight -100, or 0). The sentinel, v0_1, is
never touched by an action that names instances, and r1's eth0 is never flapped or deleted: its
adverts from r1 are the ones whose intervals the soak measures.

The actions, each on one node (r1 or r2) at random, and the instances each can affect (the
checker explains a transition only by an action that names its instance):
  reload_same     SIGHUP with the config unchanged                              none
  reload_one      one instance's priority (50 or 200) or a second VIP toggled,  that instance
                  SIGHUP
  reload_broken   a config with errors, SIGHUP, the good config put back        none
                  once floatd has refused it
  link_flap       ethF down and up again after 0.3-3 s, by the router's side    ethF's instances
                  (admin down) or the bridge's (carrier lost)
  iface_recreate  ethF deleted (the veth pair and its bridge port), made again  ethF's instances
                  after 0.3-2 s with the same name, MAC and addresses
  vip_delete      an instance's VIP deleted by hand where it is held; waits     none
                  until it is back (floatd restores it)
  script_fail     the check script fails for 0.5-4 s                            its trackers
  script_hang     the check script hangs (sleep 100, killed at its timeout)     its trackers
  file_toggle     the track file set to 1 for 0.5-4 s                           its trackers
  clients         200 control clients, at most 40 at once (floatd takes 64),    none
                  that connect and vanish: mid-header, mid-request, after
                  subscribing to events, halfway through a status reply; some
                  ask for the version properly and must get it
  handover        floatctl handover of an instance on its Master                that instance
  maintenance     maintenance on, 0.5-3 s, off                                  that instance
First each kind once in turn (the warm-up tour), then two lanes pick actions at random, 0.2-1.5 s
apart, never two at once on the same instance, interface, tracker or config. At the warm-up's
end (after the tour and a quarter of the run) and at the end, the lanes stop, everything
settles for QUIET_S, and the driver takes the quiet readings (sampler.burst): fds and RSS.

Log records (one JSON object a line; times are epoch seconds from time.time(), the
CLOCK_REALTIME that floatd stamps its events with):
  {"ev": "begin", "id", "t", "kind", "node", "explains": [names], "detail"}  just before acting
  {"ev": "end", "id", "t", "outcome", ...}                                    when it is over
  {"ev": "quiet", "label": "warm"|"end", "t", "procs": {node: {"fds", "rss_kb"}}}
  {"ev": "start" | "stop", "t", ...}
"""
import argparse
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sampler  # noqa: E402

ADV = 0.1
PRIORITY = {"r1": 150, "r2": 100}
OCTET = {"r1": 2, "r2": 3}
SCRIPT = {"interval": 0.5, "timeout": 0.3, "fall": 2, "rise": 2}
QUIET_S = 4.0  # longer than any action's consequences (check.py's windows)
STORM_TOTAL, STORM_AT_ONCE = 200, 40
WEIGHTS = {
    "reload_same": 1, "reload_one": 2, "reload_broken": 1, "link_flap": 2, "iface_recreate": 1,
    "vip_delete": 2, "script_fail": 1, "script_hang": 1, "file_toggle": 1, "clients": 1,
    "handover": 2, "maintenance": 2,
}

# ---------------------------------------------------------------------------------------------
# The configuration


def build_model(a):
    per = (a.instances + a.ifaces - 1) // a.ifaces
    if per > 254:
        raise SystemExit("driver.py: more than 254 instances per interface")
    inst, i = [], 0
    for f in range(a.ifaces):
        for v in range(1, per + 1):
            if i >= a.instances:
                break
            track = {3: ("script", 0), 13: ("script", -60), 7: ("file", -100), 17: ("file", 0)}
            kind, weight = track.get(i % 20, (None, None))
            inst.append({"name": f"v{f}_{v}", "iface": f, "vrid": v,
                         "vip": f"10.{f + 1}.{v}.1/32", "track": kind, "weight": weight})
            i += 1
    soak = os.path.join(a.run, "soak")
    return {
        "run": a.run, "soak": soak, "prefix": a.prefix, "floatctl": a.floatctl,
        "instances": inst, "ifaces": a.ifaces, "adv": ADV, "priority": PRIORITY,
        "script": SCRIPT, "sentinel": "v0_1", "rt_priority": a.rt_priority,
        "nodes": {n: {"ns": a.prefix + n, "octet": OCTET[n], "sock": f"{a.run}/{n}.sock",
                      "conf": f"{a.run}/{n}.conf", "log": f"{a.run}/{n}.log",
                      "dir": f"{soak}/{n}"} for n in ("r1", "r2")},
    }


def render(m, node, overrides, broken=False):
    """NODE's config text; overrides: {instance: {"priority": P} or {"vip2": ADDR}}."""
    nd = m["nodes"][node]
    s = m["script"]
    rt = m.get("rt_priority", 0)
    out = [f"[global]\nrouter_id = {node}\n" + (f"vrrp_rt_priority = {rt}\n" if rt else ""),
           f"[script chk]\nscript = {m['soak']}/check.sh {nd['dir']}\ninterval = {s['interval']}\n"
           f"timeout = {s['timeout']}\nfall = {s['fall']}\nrise = {s['rise']}\nweight = 0\n",
           f"[track_file flag]\nfile = {nd['dir']}/flag\nweight = -100\n"]
    for k, i in enumerate(m["instances"]):
        o = overrides.get(i["name"], {})
        prio = o.get("priority", m["priority"][node])
        if broken and k == 0:
            prio = 300  # an error: 1..255
        lines = [f"[instance {i['name']}]", f"interface = eth{i['iface']}",
                 f"virtual_router_id = {i['vrid']}", f"priority = {prio}",
                 f"advert_int = {m['adv']}", "version = 3", "preempt = yes"]
        if node == "r1":
            lines.append("state = MASTER")
        lines.append(f"virtual_ipaddress = {i['vip']}")
        if "vip2" in o:
            lines.append(f"virtual_ipaddress = {o['vip2']}")
        lines.append("garp_master_delay = 0")
        if i["track"] == "script":
            lines.append("track_script = chk" + ("" if i["weight"] == 0 else f" weight {i['weight']}"))
        elif i["track"] == "file":
            lines.append("track_file = flag" + ("" if i["weight"] == -100 else f" weight {i['weight']}"))
        out.append("\n".join(lines) + "\n")
    if broken:
        out.append("colour = blue\n")  # an error: no such key
    return "\n".join(out)


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


CHECK_SH = """#!/bin/sh
# The soak's check script: hangs while $1/hang exists (floatd kills it at its timeout), fails
# while $1/fail exists, succeeds otherwise.
if [ -e "$1/hang" ]; then exec {sleep} 100; fi
if [ -e "$1/fail" ]; then exit 1; fi
exit 0
"""


def genconf(a):
    m = build_model(a)
    os.makedirs(m["soak"], exist_ok=True)
    os.chmod(m["soak"], 0o755)
    check = os.path.join(m["soak"], "check.sh")
    write_atomic(check, CHECK_SH.replace("{sleep}", shutil.which("sleep") or "/bin/sleep"))
    os.chmod(check, 0o755)
    for node, nd in m["nodes"].items():
        os.makedirs(nd["dir"], exist_ok=True)
        os.chmod(nd["dir"], 0o755)
        write_atomic(os.path.join(nd["dir"], "flag"), "0\n")
        write_atomic(nd["conf"], render(m, node, {}))
    write_atomic(os.path.join(m["soak"], "model.json"), json.dumps(m, indent=1))
    return 0


# ---------------------------------------------------------------------------------------------
# The network: interfaces as lib.sh makes them


def sh(*cmd, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {(r.stderr or r.stdout).strip()}")
    return r


def iface_names(node, f):
    """(bridge, bridge port, device) of NODE's ethF."""
    if f == 0:
        return "br0", f"p-{node}", "eth0"
    return f"br{f}", f"p{f}-{node}", f"eth{f}"


def iface_make(m, node, f):
    """NODE's ethF as lib.sh makes eth0 (eth0_recreate) and bench/lib.sh the others
    (extra_ifaces): a veth whose peer is a port of the bridge, its MAC, addresses, quiet IPv6."""
    br_ns = m["prefix"] + "br"
    ns = m["nodes"][node]["ns"]
    octet = m["nodes"][node]["octet"]
    bridge, port, dev = iface_names(node, f)
    if sh("ip", "-n", br_ns, "link", "show", bridge, check=False).returncode != 0:
        sh("ip", "-n", br_ns, "link", "add", bridge, "type", "bridge", "stp_state", "0",
           "forward_delay", "0", "mcast_snooping", "0", "mcast_querier", "0")
        sh("ip", "-n", br_ns, "link", "set", bridge, "up")
    sh("ip", "-n", br_ns, "link", "add", port, "type", "veth", "peer", "name", dev, "netns", ns)
    sh("ip", "-n", br_ns, "link", "set", port, "master", bridge, "up")
    mac = f"02:fd:00:00:00:{octet:02x}" if f == 0 else f"02:fd:00:00:{f:02x}:{octet:02x}"
    sh("ip", "-n", ns, "link", "set", dev, "address", mac)
    sh("ip", "netns", "exec", ns, "sysctl", "-qw", f"net.ipv6.conf.{dev}.accept_dad=0",
       f"net.ipv6.conf.{dev}.dad_transmits=0", f"net.ipv6.conf.{dev}.accept_ra=0",
       f"net.ipv6.conf.{dev}.router_solicitations=0")
    sh("ip", "-n", ns, "addr", "add", f"192.168.{100 + f}.{octet}/24", "dev", dev)
    if f == 0:
        sh("ip", "-n", ns, "addr", "add", f"2001:db8:100::{octet}/64", "dev", dev, "nodad")
    sh("ip", "-n", ns, "link", "set", dev, "up")


def ifaces(a):
    m = load_model(a.model)
    for f in range(1, m["ifaces"]):
        for node in m["nodes"]:
            iface_make(m, node, f)
    return 0


def load_model(path):
    with open(path) as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------
# Control clients


def frame(obj):
    body = json.dumps(obj).encode()
    return struct.pack(">I", len(body)) + body


def recv_frame(s):
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            raise ConnectionError("closed")
        head += chunk
    n = struct.unpack(">I", head)[0]
    body = b""
    while len(body) < n:
        chunk = s.recv(min(65536, n - len(body)))
        if not chunk:
            raise ConnectionError("closed mid-frame")
        body += chunk
    return json.loads(body)


def one_client(path, how, rng, stats, lock):
    """One control client that behaves as HOW; counts what happened in stats."""
    outcome = how
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        try:
            if how == "connect_close":
                pass
            elif how == "half_header":
                s.sendall(frame({"version": 1, "command": "status", "args": {}})[:2])
                time.sleep(rng.uniform(0, 0.3))
            elif how == "half_request":
                f = frame({"version": 1, "command": "status", "args": {}})
                s.sendall(f[:4 + (len(f) - 4) // 2])
                time.sleep(rng.uniform(0, 0.3))
            elif how == "events_vanish":
                s.sendall(frame({"version": 1, "command": "events", "args": {}}))
                s.recv(rng.choice([1, 3, 7, 4096]))  # the answer, or part of it
                end = time.monotonic() + rng.uniform(0.2, 2.0)
                s.settimeout(0.2)
                while time.monotonic() < end:
                    try:
                        if not s.recv(rng.choice([1, 5, 100])):
                            outcome = "events_closed_by_floatd"
                            break
                    except socket.timeout:
                        pass
            elif how == "status_vanish":
                s.sendall(frame({"version": 1, "command": "status", "args": {}}))
                s.recv(100)  # then gone, floatd halfway through the reply
            elif how == "version_ok":
                s.sendall(frame({"version": 1, "command": "version", "args": {}}))
                r = recv_frame(s)
                outcome = "version_ok" if r.get("ok") and "version" in r.get("result", {}) \
                    else "version_bad"
        finally:
            s.close()
    except (OSError, ValueError) as e:
        outcome = f"{how}_error" if how != "version_ok" else "version_failed"
        with lock:
            stats.setdefault("errors", []).append(f"{how}: {e}")
    with lock:
        stats[outcome] = stats.get(outcome, 0) + 1


def storm(path, rng, total=STORM_TOTAL, at_once=STORM_AT_ONCE):
    kinds = ["connect_close", "half_header", "half_request", "events_vanish", "status_vanish",
             "version_ok"]
    stats, lock = {}, threading.Lock()
    slots = threading.Semaphore(at_once)
    threads = []

    def run(how, seed):
        try:
            one_client(path, how, random.Random(seed), stats, lock)
        finally:
            slots.release()

    for _ in range(total):
        slots.acquire()
        t = threading.Thread(target=run, args=(rng.choice(kinds), rng.random()), daemon=True)
        t.start()
        threads.append(t)
        time.sleep(rng.uniform(0, 0.01))
    for t in threads:
        t.join(30)
    errors = stats.pop("errors", [])
    return stats, errors[:5]


# ---------------------------------------------------------------------------------------------
# The driver


class Node:
    def __init__(self, name, nd, pid):
        self.name, self.pid = name, pid
        self.ns, self.sock, self.conf, self.log, self.dir = (
            nd["ns"], nd["sock"], nd["conf"], nd["log"], nd["dir"])
        self.overrides = {}


class Stop(Exception):
    pass


class Driver:
    def __init__(self, m, pids, log_path, seed, minutes):
        self.m = m
        self.rng = random.Random(seed)
        self.seed = seed
        self.nodes = {n: Node(n, nd, pids[n]) for n, nd in m["nodes"].items()}
        self.inst = {i["name"]: i for i in m["instances"]}
        self.pickable = [i["name"] for i in m["instances"] if i["name"] != m["sentinel"]]
        self.trackers = {
            "script": [i["name"] for i in m["instances"] if i["track"] == "script"],
            "file": [i["name"] for i in m["instances"] if i["track"] == "file"],
        }
        self.log_f = open(log_path, "a", buffering=1)
        self.log_lock = threading.Lock()
        self.next_id = 0
        self.held, self.held_lock = set(), threading.Lock()
        self.begin_t = time.time()
        self.deadline = self.begin_t + minutes * 60
        self.busy = 0
        self.busy_cv = threading.Condition()
        self.paused = threading.Event()
        self.stopped = None  # why the run stopped early

    # -- the log
    def record(self, **rec):
        with self.log_lock:
            if rec.get("ev") == "begin":
                self.next_id += 1
                rec["id"] = self.next_id
            rec.setdefault("t", round(time.time(), 6))
            self.log_f.write(json.dumps(rec) + "\n")
            return rec.get("id")

    # -- helpers
    def ctl(self, node, *args, timeout=60):
        try:
            r = subprocess.run([self.m["floatctl"], "-s", node.sock, *args], capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return -1, f"floatctl {' '.join(args)}: no answer in {timeout} s"
        return r.returncode, (r.stdout + r.stderr).strip()

    def state(self, node, name):
        rc, out = self.ctl(node, "status", "--json", name, timeout=20)
        if rc != 0:
            return None
        try:
            return json.loads(out)["instances"][0]["state"]
        except (ValueError, LookupError):
            return None

    def check_alive(self):
        for n in self.nodes.values():
            if not sampler.alive(n.pid):
                self.stopped = f"floatd in {n.name} (pid {n.pid}) is gone"
                raise Stop(self.stopped)

    def sighup_and_wait(self, node, want_error):
        """SIGHUP, then floatd's verdict in its log: ("ok"|"refused"|"no verdict", line)."""
        offset = os.path.getsize(node.log)
        os.kill(node.pid, 1)
        ok = re.compile(r"reload: \d+ unchanged, \d+ updated in place, \d+ started, \d+ stopped")
        refused = "keeping the running config"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with open(node.log, "rb") as f:
                f.seek(offset)
                text = f.read().decode(errors="replace")
            hit = ok.search(text)
            if hit:
                return ("ok" if not want_error else "applied a broken config"), hit.group(0)
            if refused in text:
                return ("refused" if want_error else "refused a good config"), refused
            time.sleep(0.05)
        return "no verdict in 60 s", ""

    # -- the actions: each returns (node, keys, explains, detail, run); run() -> (outcome, extra)
    def plan(self, kind, node=None):
        rng = self.rng
        node = self.nodes[node or rng.choice(["r1", "r2"])]
        return getattr(self, "plan_" + kind)(node, rng)

    def plan_reload_same(self, node, rng):
        def run():
            out, line = self.sighup_and_wait(node, False)
            return out, {"log": line}
        return node, {f"cfg:{node.name}"}, [], "SIGHUP, config unchanged", run

    def plan_reload_one(self, node, rng):
        name = rng.choice(self.pickable)
        i = self.inst[name]
        if name in node.overrides:
            change, new = "back to the base config", None
        else:
            new = rng.choice([{"priority": 50}, {"priority": 200},
                              {"vip2": f"10.{i['iface'] + 1}.{i['vrid']}.2/32"}])
            change = ", ".join(f"{k} {v}" for k, v in new.items())

        def run():
            if new is None:
                node.overrides.pop(name)
            else:
                node.overrides[name] = new
            write_atomic(node.conf, render(self.m, node.name, node.overrides))
            out, line = self.sighup_and_wait(node, False)
            return out, {"log": line}
        return node, {f"cfg:{node.name}", f"inst:{name}"}, [name], f"{name}: {change}; SIGHUP", run

    def plan_reload_broken(self, node, rng):
        def run():
            write_atomic(node.conf, render(self.m, node.name, node.overrides, broken=True))
            try:
                out, line = self.sighup_and_wait(node, True)
            finally:
                write_atomic(node.conf, render(self.m, node.name, node.overrides))
            return out, {"log": line}
        return node, {f"cfg:{node.name}"}, [], "a config with 2 errors, SIGHUP", run

    def pick_iface(self, node, rng):
        first = 1 if node.name == "r1" else 0  # r1's eth0 carries the sentinel's adverts
        return rng.randrange(first, self.m["ifaces"])

    def on_iface(self, f):
        return [i["name"] for i in self.m["instances"] if i["iface"] == f]

    def plan_link_flap(self, node, rng):
        f = self.pick_iface(node, rng)
        bridge, port, dev = iface_names(node.name, f)
        how = rng.choice(["admin", "carrier"])
        d = rng.uniform(0.3, 3.0)

        def run():
            ns, link = (node.ns, dev) if how == "admin" else (self.m["prefix"] + "br", port)
            sh("ip", "-n", ns, "link", "set", link, "down")
            try:
                time.sleep(d)
            finally:
                sh("ip", "-n", ns, "link", "set", link, "up")
            return "ok", {}
        detail = f"{dev} {'down' if how == 'admin' else 'no carrier'} for {d:.2f} s"
        return node, {f"if{f}"}, self.on_iface(f), detail, run, {"how": how}

    def plan_iface_recreate(self, node, rng):
        f = self.pick_iface(node, rng)
        dev = f"eth{f}"
        d = rng.uniform(0.3, 2.0)

        def run():
            sh("ip", "-n", node.ns, "link", "del", dev)
            time.sleep(d)
            try:
                iface_make(self.m, node.name, f)
            except RuntimeError:  # once more, from scratch: the lab must not lose an interface
                sh("ip", "-n", node.ns, "link", "del", dev, check=False)
                iface_make(self.m, node.name, f)
            return "ok", {}
        return node, {f"if{f}"}, self.on_iface(f), f"{dev} deleted, re-created {d:.2f} s later", run

    def holders(self, i):
        vip = i["vip"].split("/")[0]
        out = []
        for n in self.nodes.values():
            r = sh("ip", "-n", n.ns, "-4", "-o", "addr", "show", "dev", f"eth{i['iface']}",
                   check=False)
            if f" {vip}/" in r.stdout:
                out.append(n)
        return out

    def plan_vip_delete(self, node, rng):
        name = rng.choice(self.pickable)
        i = self.inst[name]

        def run():
            held = self.holders(i)
            for n in held:
                sh("ip", "-n", n.ns, "addr", "del", i["vip"], "dev", f"eth{i['iface']}", check=False)
            gone = time.monotonic()
            if not held:
                return "held nowhere", {}
            while time.monotonic() - gone < 15:
                back = self.holders(i)
                if back:
                    return "ok", {"from": [n.name for n in held], "back_on": [n.name for n in back],
                                  "restored_ms": round((time.monotonic() - gone) * 1000, 1)}
                time.sleep(0.05)
            return "not restored in 15 s", {"from": [n.name for n in held]}
        # The node is chosen by where the VIP is; the key keeps flaps off its interface meanwhile.
        return None, {f"inst:{name}", f"if{i['iface']}"}, [], f"{name}'s VIP {i['vip']} deleted by hand", run

    def plan_tracker_hold(self, node, rng, what, kind):
        path = os.path.join(node.dir, what)
        d = rng.uniform(0.5, 4.0)

        def run():
            if what == "flag":
                write_atomic(path, "1\n")
                time.sleep(d)
                write_atomic(path, "0\n")
            else:
                open(path, "w").close()
                time.sleep(d)
                os.unlink(path)
            return "ok", {}
        detail = {"fail": "check script fails", "hang": "check script hangs",
                  "flag": "track file 1"}[what] + f" for {d:.2f} s"
        return node, {f"trk:{node.name}:{kind}"}, self.trackers[kind], detail, run

    def plan_script_fail(self, node, rng):
        return self.plan_tracker_hold(node, rng, "fail", "script")

    def plan_script_hang(self, node, rng):
        return self.plan_tracker_hold(node, rng, "hang", "script")

    def plan_file_toggle(self, node, rng):
        return self.plan_tracker_hold(node, rng, "flag", "file")

    def plan_clients(self, node, rng):
        seed = rng.random()

        def run():
            stats, errors = storm(node.sock, random.Random(seed))
            bad = stats.get("version_failed", 0) + stats.get("version_bad", 0)
            return ("ok" if bad == 0 else f"{bad} version requests failed"), \
                {"clients": stats, "errors": errors}
        return node, {f"storm:{node.name}"}, [], f"{STORM_TOTAL} control clients, {STORM_AT_ONCE} at once", run

    def plan_handover(self, node, rng):
        name = rng.choice(self.pickable)

        def run():
            for n in self.nodes.values():
                if self.state(n, name) == "MASTER":
                    rc, out = self.ctl(n, "handover", name, timeout=40)
                    return ("ok" if rc == 0 else f"exit {rc}"), {"on": n.name, "said": out[-200:]}
            return "no master", {}
        return None, {f"inst:{name}"}, [name], f"floatctl handover {name} on its Master", run

    def plan_maintenance(self, node, rng):
        name = rng.choice(self.pickable)
        d = rng.uniform(0.5, 3.0)

        def run():
            rc1, out1 = self.ctl(node, "maintenance", name, "on")
            time.sleep(d)
            rc2, out2 = self.ctl(node, "maintenance", name, "off")
            ok = rc1 == 0 and rc2 == 0
            return ("ok" if ok else f"exit {rc1}/{rc2}"), {"said": [out1[-120:], out2[-120:]]}
        return node, {f"inst:{name}"}, [name], f"maintenance {name} on for {d:.2f} s, off", run

    # -- running them
    def take(self, keys):
        with self.held_lock:
            if keys & self.held:
                return False
            self.held |= keys
            return True

    def give(self, keys):
        with self.held_lock:
            self.held -= keys

    def act(self, kind, node=None):
        """Plans one action of KIND and runs it; False if the lanes are paused or its
        resources are busy."""
        self.check_alive()
        p = self.plan(kind, node)
        node_obj, keys, explains, detail, run = p[:5]
        extra = p[5] if len(p) > 5 else {}
        with self.busy_cv:
            if self.paused.is_set() or not self.take(keys):
                return False
            self.busy += 1
        try:
            aid = self.record(ev="begin", kind=kind, node=node_obj.name if node_obj else "-",
                              explains=explains, detail=detail, **extra)
            try:
                outcome, info = run()
            except Exception as e:  # a failed command is an outcome, not the end of the soak
                outcome, info = f"error: {e}", {}
            self.record(ev="end", id=aid, kind=kind, outcome=outcome, **info)
        finally:
            self.give(keys)
            with self.busy_cv:
                self.busy -= 1
                self.busy_cv.notify_all()
        return True

    def lane(self, stop_at):
        kinds = list(WEIGHTS)
        weights = [WEIGHTS[k] for k in kinds]
        while time.time() < stop_at and self.stopped is None:
            if self.paused.is_set():
                time.sleep(0.1)
                continue
            try:
                for _ in range(10):
                    if self.act(self.rng.choices(kinds, weights)[0]):
                        break
            except Stop:
                return
            time.sleep(self.rng.uniform(0.2, 1.5))

    def quiet(self, label):
        """Lanes stopped (paused, idle), QUIET_S to settle, then the quiet readings."""
        self.paused.set()
        with self.busy_cv:
            self.busy_cv.wait_for(lambda: self.busy == 0)
        time.sleep(QUIET_S)
        procs = {n.name: n.pid for n in self.nodes.values()}
        self.record(ev="quiet", label=label, procs=sampler.burst(procs))
        self.paused.clear()

    def run(self, warm_fraction):
        self.record(ev="start", seed=self.seed, minutes=(self.deadline - self.begin_t) / 60,
                    weights=WEIGHTS)
        try:
            nodes = ["r1", "r2"]
            for k, kind in enumerate(WEIGHTS):  # the tour: each kind once
                self.act(kind, nodes[k % 2])
                time.sleep(0.5)
            warm_at = max(time.time(), self.begin_t + warm_fraction * (self.deadline - self.begin_t))
            stop_at = self.deadline - QUIET_S - 6
            lanes = [threading.Thread(target=self.lane, args=(stop_at,), daemon=True)
                     for _ in range(2)]
            for t in lanes:
                t.start()
            while time.time() < warm_at and self.stopped is None:
                time.sleep(0.1)
            self.check_alive()
            self.quiet("warm")
            for t in lanes:
                t.join()
            self.check_alive()
            self.quiet("end")
        except Stop as e:
            self.record(ev="stop", reason=str(e))
            return 3
        self.record(ev="stop", reason="done")
        return 0


def run(a):
    m = load_model(a.model)
    pids = dict(p.split("=", 1) for p in a.pid)
    pids = {k: int(v) for k, v in pids.items()}
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    d = Driver(m, pids, a.log, seed, a.minutes)
    return d.run(a.warm)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("genconf")
    g.add_argument("--run", required=True)
    g.add_argument("--prefix", required=True)
    g.add_argument("--instances", type=int, required=True)
    g.add_argument("--ifaces", type=int, required=True)
    g.add_argument("--floatctl", required=True)
    g.add_argument("--rt-priority", type=int, default=0, help="vrrp_rt_priority of both nodes (0: off)")
    i = sub.add_parser("ifaces")
    i.add_argument("--model", required=True)
    r = sub.add_parser("run")
    r.add_argument("--model", required=True)
    r.add_argument("--minutes", type=float, required=True)
    r.add_argument("--log", required=True)
    r.add_argument("--pid", action="append", required=True, help="NODE=PID")
    r.add_argument("--seed", type=int)
    r.add_argument("--warm", type=float, default=0.25, help="the warm-up, a fraction of the run")
    a = p.parse_args()
    return {"genconf": genconf, "ifaces": ifaces, "run": run}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
