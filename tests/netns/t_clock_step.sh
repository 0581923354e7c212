#!/usr/bin/env bash
# Wall-clock steps while 1,000 instances run: THIS TEST SETS THE HOST'S CLOCK (CLOCK_REALTIME is
# not per namespace). r1 (priority 150) is MASTER and r2 (100) BACKUP of 1,000 instances: the
# sentinel `web` on eth0 at advert_int 0.1 s, and 999 others at advert_int 1 s on eth1..eth4
# (250 per interface at most: a VRID is unique per interface). The clock is stepped with
# `date -s` one hour ahead, then two hours back, then restored; then once more one hour ahead
# while r2's floatd is stopped for 120 ms (as on a busy host: adverts wait in its socket with
# their kernel receive time stamps, SO_TIMESTAMPNS, in wall-clock time), with the same 120 ms
# stop and no step as the control, and restored. Each state is held for 3 s (about 10 s stepped
# in all). floatd's timers run on CLOCK_MONOTONIC, so checked in every phase, for every
# instance on both routers:
#   - no state transition anywhere: stats.transitions of all 2,000 unchanged, every r1 instance
#     MASTER and every r2 instance BACKUP when read at the phase's start and end, nothing
#     logged; the sentinel polled BACKUP on r2 throughout;
#   - adverts keep flowing: the adverts r2 received and r1 sent, per instance, are within
#     [0.5 x (shortest window / advert_int), 1.5 x (longest window / advert_int) + 2], so
#     neither a stall (a timer waiting an hour) nor a burst (timers firing to catch up) passes.
#     floatd writes a status of 1,000 instances over several turns of its loop, so an instance's
#     counter is read at some moment within the floatctl call: the shortest window runs from the
#     end of the first read to the start of the second, the longest from the start of the first
#     to the end of the second (CLOCK_MONOTONIC), and both only widen the bounds when the
#     harness is slow. A phase's window is about 3.2-3.5 s (up to 6.5 s on a loaded machine), so
#     a bulk instance must count at least 2 and at most about 7 (a correct one counts 3 or 4;
#     the run prints the least and the most of the 999); one stalled by the step has at most
#     the advert it sent between the first read and the step, one that catches up has thousands.
#     The sentinel's bounds are those of the one-instance test: about 15-50 in a phase.
# Why 1 s for the bulk: 2 x 1,000 instances then cost each floatd about 1,000 adverts a second
# (r1 sends them, r2 receives them), the load of the CI soak (100 instances at 0.1 s): about
# 2 % of a core each here, so a few percent under AddressSanitizer (about 3x slower), which
# fits a loaded 2-core machine; at 0.1 s it would be 10,000 a second each. The sentinel keeps
# 0.1 s for the 120 ms stop: 120 ms plus up to an advert interval stays below its
# Master_Down_Interval (361 ms) at that interval, where the stop matters; against the bulk's
# 3.61 s it would be nothing. A run takes about 30 s here, about 60 s with two CPU hogs beside
# it.
# The clock is restored to (wall time at the start + CLOCK_MONOTONIC time elapsed since) at the
# end, and by the EXIT handler on every path (failure, SIGINT, SIGTERM), which then runs
# lib.sh's lab_cleanup; the test checks the restored clock is within 50 ms of that. Only a
# SIGKILL of the script could leave the clock stepped. meson runs the netns tests one at a
# time; run by hand while another lab is active here (a namespace of someone else's with
# processes in it), the test skips rather than step the clock under it.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1          # the sentinel, web
bulk_adv=1       # the 999 others
bulk=999
ifaces=4         # eth1..eth4 carry the bulk
hold=3           # seconds each phase is held
CLOCK_SAVED=""   # "MONOTONIC REALTIME UPTIME" at the start, in seconds
CLOCK_STEPPED=0  # 1 while the clock may be off

# clock_now: "MONOTONIC REALTIME UPTIME", read together (UPTIME: /proc/uptime, for the
# fallback in on_exit).
clock_now() {
  "$PY" -I -S -c 'import time
m, w = time.clock_gettime(time.CLOCK_MONOTONIC), time.time()
print(m, w, open("/proc/uptime").read().split()[0])'
}

# clock_restore: REALTIME := the saved REALTIME + the CLOCK_MONOTONIC time since it was saved.
clock_restore() {
  # shellcheck disable=SC2086  # three numbers
  "$PY" -I -S -c '
import sys, time
m0, w0 = map(float, sys.argv[1:3])
time.clock_settime(time.CLOCK_REALTIME, w0 + time.clock_gettime(time.CLOCK_MONOTONIC) - m0)
' $CLOCK_SAVED && CLOCK_STEPPED=0
}

# clock_error_ms: how far REALTIME is from the saved REALTIME + the monotonic time since (ms).
clock_error_ms() {
  local now
  now=$(clock_now)
  awk -v s="$CLOCK_SAVED" -v n="$now" 'BEGIN {split(s, a, " "); split(n, b, " ")
    printf "%.1f", ((b[2] - a[2]) - (b[1] - a[1])) * 1000}'
}

# on_exit: the EXIT trap: the clock first (python, else date -s with /proc/uptime, 10 ms
# resolution), then lib.sh's cleanup with the script's status.
# shellcheck disable=SC2317  # invoked by the trap
on_exit() {
  local rc=$? target
  trap - ERR
  trap '' INT TERM  # lab_cleanup resets them
  set +e
  [[ -z ${FD_PID[r2]:-} ]] || kill -CONT "${FD_PID[r2]}" 2>/dev/null  # if held by a phase
  if [[ $CLOCK_STEPPED == 1 ]]; then
    if ! clock_restore; then
      target=$(awk -v s="$CLOCK_SAVED" -v n="$(awk '{print $1}' /proc/uptime)" \
        'BEGIN {split(s, a, " "); printf "%.2f", a[2] + n - a[3]}')
      date -s "@$target" >/dev/null
    fi
    echo "EXIT: clock restored: $(date '+%F %T.%N')" >&2
  fi
  (exit "$rc")
  lab_cleanup
}

# others_active: namespaces of someone else's with processes in them (another lab running).
others_active() {
  local n
  for n in $(ip netns list | awk '{print $1}'); do
    [[ $n == "$LAB_PFX"* ]] && continue
    [[ -n $(ip netns pids "$n" 2>/dev/null) ]] && echo "$n"
  done
  return 0
}

mono() { awk '{print $1}' /proc/uptime; }  # seconds, 10 ms resolution, steps do not move it

# say TEXT: lib.sh's step, timed by the monotonic clock (step's wall-clock time jumps here).
say() {
  printf '[%7ss] %s\n' "$(awk -v s="$CLOCK_SAVED" -v n="$(mono)" \
    'BEGIN {split(s, a, " "); printf "%.3f", n - a[3]}')" "$*"
}

# bulk_conf NAME PRIORITY [KEY=VALUE...]: appends the 999 instances to RUN/NAME.conf (made by
# make_conf with the sentinel): bF_V on ethF with VRID V and VIP 10.F.V.1/32.
bulk_conf() {
  local name=$1 prio=$2 per=$(((bulk + ifaces - 1) / ifaces)) k f v kv
  shift 2
  for ((k = 0; k < bulk; k++)); do
    f=$((k / per + 1)) v=$((k % per + 1))
    printf '\n[instance b%d_%d]\ninterface = eth%d\nvirtual_router_id = %d\npriority = %d\n' \
      "$f" "$v" "$f" "$v" "$prio"
    printf 'advert_int = %s\nversion = 3\npreempt = yes\n' "$bulk_adv"
    printf 'virtual_ipaddress = 10.%d.%d.1/32\ngarp_master_delay = 0\n' "$f" "$v"
    for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
  done >>"$RUN/$name.conf"
}

# The helper for all instances at once (RUN/clk.py):
#   snap NAME OUT          one floatctl status --json of NAME: per instance its state and
#                          counters, and CLOCK_MONOTONIC just before and just after the call
#   settle WANT1 WANT2 N TIMEOUT_S   polls until r1 has N instances in WANT1 and r2 N in WANT2,
#                          each of r2's having received an advert
#   compare PHASE SENTINEL ADV BULK_ADV A1 B1 A2 B2   snapshots of r1 and r2 at the phase's start
#                          (A) and end (B): prints the figures; status 1 and the reasons if a
#                          check fails
write_clk_helper() {
  cat >"$RUN/clk.py" <<'PY'
import json, subprocess, sys, time

CTL, RUN = sys.argv[1], sys.argv[2]

def read(name):
    a = time.clock_gettime(time.CLOCK_MONOTONIC)
    r = subprocess.run([CTL, "-s", f"{RUN}/{name}.sock", "status", "--json"],
                       capture_output=True, text=True, timeout=60)
    b = time.clock_gettime(time.CLOCK_MONOTONIC)
    if r.returncode != 0:
        raise SystemExit(f"floatctl status of {name}: {(r.stderr or r.stdout).strip()}")
    inst = {}
    for i in json.loads(r.stdout)["instances"]:
        s = i["stats"]
        inst[i["name"]] = [i["state"], s["adverts_sent"], s["adverts_received"], s["transitions"]]
    return {"from": a, "to": b, "inst": inst}

def snap(name, out):
    with open(out, "w") as f:
        json.dump(read(name), f)

def settle(want1, want2, n, timeout):
    end = time.monotonic() + float(timeout)
    while True:
        s1, s2 = read("r1")["inst"], read("r2")["inst"]
        m1 = sum(v[0] == want1 for v in s1.values())
        m2 = sum(v[0] == want2 and v[2] > 0 for v in s2.values())
        if m1 == int(n) and m2 == int(n):
            return 0
        if time.monotonic() > end:
            print(f"r1 has {m1} of {n} instances {want1}, r2 {m2} of {n} {want2} having heard"
                  f" r1, after {timeout} s")
            return 1
        time.sleep(0.5)

def load(path):
    with open(path) as f:
        return json.load(f)

def compare(phase, sentinel, adv, bulk_adv, a1, b1, a2, b2):
    adv, bulk_adv = float(adv), float(bulk_adv)
    problems, parts = [], []
    for node, a, b, want, col, what in (("r2", load(a2), load(b2), "BACKUP", 2, "received"),
                                        ("r1", load(a1), load(b1), "MASTER", 1, "sent")):
        lo, hi = b["from"] - a["to"], b["to"] - a["from"]  # the window, shortest and longest
        if set(a["inst"]) != set(b["inst"]):
            problems.append(f"{node}: the instances changed")
            continue
        bulk_counts, bad = [], []
        fig = f"{node} {what} in {lo:.2f}-{hi:.2f} s:"
        for name in sorted(a["inst"]):
            sa, sb = a["inst"][name], b["inst"][name]
            for s, when in ((sa, "start"), (sb, "end")):
                if s[0] != want:
                    problems.append(f"{node}/{name} is {s[0]} at the phase's {when}, expected {want}")
            if sb[3] != sa[3]:
                problems.append(f"{node}/{name}: stats.transitions {sa[3]} -> {sb[3]}")
            i = adv if name == sentinel else bulk_adv
            least, most = 0.5 * lo / i, 1.5 * hi / i + 2
            n = sb[col] - sa[col]
            if not least <= n <= most:
                bad.append(f"{name} {n} (bounds {least:.1f}-{most:.1f})")
            if name == sentinel:
                fig += f" {sentinel} {n} (bounds {least:.1f}-{most:.1f}),"
            else:
                bulk_counts.append(n)
        if bulk_counts:
            fig += (f" the {len(bulk_counts)} others {min(bulk_counts)}-{max(bulk_counts)} each,"
                    f" {sum(bulk_counts)} in all (bounds {0.5 * lo / bulk_adv:.1f}-"
                    f"{1.5 * hi / bulk_adv + 2:.1f} each)")
        parts.append(fig)
        if bad:
            problems.append(f"adverts {node} {what}, {len(bad)} instances out of bounds: "
                            + ", ".join(bad[:10]) + (" ..." if len(bad) > 10 else ""))
    print(phase + ": " + "; ".join(parts))
    for p in problems[:20]:
        print("  " + p)
    return 1 if problems else 0

cmd, args = sys.argv[3], sys.argv[4:]
sys.exit({"snap": snap, "settle": settle, "compare": compare}[cmd](*args) or 0)
PY
}

clk() { "$PY" -I -S "$RUN/clk.py" "$FLOATCTL" "$RUN" "$@"; }

# phase NAME CLOCK [HELD_S]: CLOCK is a `date -s` argument, "restore" or "none"; with HELD_S,
# r2's floatd is stopped (SIGSTOP) for that long around the clock's change. Then holds the
# sentinel BACKUP on r2 for $hold s and checks every instance on both routers (clk.py compare).
phase() {
  local name=$1 out mark1 mark2
  mark1=$(log_lines r1) mark2=$(log_lines r2)
  clk snap r1 "$RUN/a1.json"
  clk snap r2 "$RUN/a2.json"
  if [[ $# -ge 3 ]]; then
    kill -STOP "${FD_PID[r2]}"
    sleep "$3"  # the length of the fault (adverts queue in r2's socket), not a wait
  fi
  case $2 in
    none) ;;
    restore) clock_restore ;;
    *)
      CLOCK_STEPPED=1
      date -s "$2" >/dev/null
      ;;
  esac
  if [[ $# -ge 3 ]]; then kill -CONT "${FD_PID[r2]}"; fi
  hold_state r2 web BACKUP "$hold"
  clk snap r2 "$RUN/b2.json"
  clk snap r1 "$RUN/b1.json"
  out=$(clk compare "$name" web "$adv" "$bulk_adv" "$RUN"/{a1,b1,a2,b2}.json) ||
    fail "$out"
  say "$out; clock now $(date '+%F %T')"
  assert_eq "$(transitions_logged r1 "$mark1")" 0 "$name: transitions logged by r1"
  assert_eq "$(transitions_logged r2 "$mark2")" 0 "$name: transitions logged by r2"
}

others=$(others_active)
if [[ -n $others ]]; then
  echo "SKIP: another lab is active here ($(echo "$others" | paste -sd ' ' -)); this test" \
    "steps the host clock and would disturb it"
  exit 77
fi
_need "$PY"
CLOCK_SAVED=$(clock_now)
trap on_exit EXIT  # replaces lib.sh's `trap lab_cleanup EXIT`; on_exit calls it
write_clk_helper

lab_up 2
extra_ifaces "$ifaces" r1 r2
make_conf r1 priority=150 advert_int="$adv"
make_conf r2 priority=100 advert_int="$adv"
bulk_conf r1 150 state=MASTER  # takes the bulk's VIPs at once, not after 3.6 s
bulk_conf r2 100
START_S=30  # 1,000 instances, under AddressSanitizer on a loaded machine
start_floatd r1
start_floatd r2
out=$(clk settle MASTER BACKUP $((bulk + 1)) 60) || fail "not settled: $out"
hold_state r2 web BACKUP 0.3  # settled: r2 has heard r1
say "settled: r1 MASTER and r2 BACKUP of all $((bulk + 1)) instances"
mark1=$(log_lines r1) mark2=$(log_lines r2)
clk snap r1 "$RUN/s1.json"
clk snap r2 "$RUN/s2.json"

phase "unstepped (reference)" none
phase "+1 hour" "+1 hour"
phase "-2 hours" "-2 hours"
phase "restored" restore
# A busy host: r2's floatd is not scheduled for 120 ms while the clock steps, so the adverts
# that arrive meanwhile wait in its socket and are read after the step. 120 ms + up to one
# advert interval since the last one read stays well below the sentinel's Master_Down_Interval
# (361 ms): the same hold without a step changes nothing.
phase "held 120 ms, unstepped" none 0.12
phase "held 120 ms, +1 hour" "+1 hour" 0.12
phase "restored again" restore
err=$(clock_error_ms)
say "clock restored: $(date '+%F %T.%N'), ${err} ms from the saved time + monotonic elapsed"
assert_cmp "${err#-}" "<=" 50 "clock error after the restore (ms)"

clk snap r2 "$RUN/e2.json"
clk snap r1 "$RUN/e1.json"
out=$(clk compare "all phases" web "$adv" "$bulk_adv" "$RUN"/{s1,e1,s2,e2}.json) || fail "$out"
say "$out"
assert_eq "$(transitions_logged r1 "$mark1")" 0 "transitions logged by r1"
assert_eq "$(transitions_logged r2 "$mark2")" 0 "transitions logged by r2"
assert_holders "$VIP4" r1
pass
