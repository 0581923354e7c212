#!/usr/bin/env bash
# Kill storm (issue 15): SIGKILL at 20 random moments of a 1,000-instance transition storm; the
# restarted floatd leaves no stale VIP, VMAC or route and the pair converges to one Master per
# virtual router within one Master_Down_Interval.
#
# The lab: r1 (priority 150) and r2 (100), 1,000 VRRPv3 instances on each, 250 on each of
# eth0 .. eth3 (VRIDs 1-250), advert_int 1 s, preempt (tests/netns/kill_storm.py genconf): 1,333
# VIPs; every tenth instance has a VMAC (100 macvlans per node) and a /24 VIP whose prefix route
# comes and goes with it, every third a second VIP. floatd has no virtual routes of its own
# (no such key in floatd.conf(5)): the routes in play are the kernel's for the VIPs.
# Every instance tracks its node's file storm (weight 0: a number other than 0 is a FAULT).
#
# The storm: the files are set alternately to r1 1 / r2 0 and r1 0 / r2 1, so that every
# toggle sends the Masters of the moment to FAULT (each sends priority 0) and the other node's
# instances, out of FAULT, take over after their Skew_Time (0.4-0.6 s): up to 1,000
# transitions each way per toggle. Round I (20): 1-3 toggles 0.3-1.1 s apart (the next toggle
# may come before, during or after the takeover the last one set off), then, a random 0.2-1.2 s
# after the last, SIGKILL to r1's floatd (odd rounds) or r2's (even rounds); in three rounds
# of four the victim is the node that the last toggle made take over (it dies holding VIPs, or
# adding them), in the fourth the one it sent to FAULT. Both files go back to 0 (the storm
# stops) and the killed floatd is restarted at once with the same config, as systemd's
# Restart=always would. Checked per round:
#   - what the killed floatd left (its namespace's addresses marked IFA_PROTO 0x66, read right
#     after the kill) is all logged as removed by the restarted floatd ("removed stale VIP"),
#     none refused, all before its first instance joins (its first "INIT ->" line);
#   - convergence: both floatd's status --json say MASTER on r1 and BACKUP on r2 for every
#     instance (the final priorities' outcome: one Master each), and on floatd's own clock the
#     last transition logged by either node comes at most Master_Down_Interval + slack after
#     the restarted floatd's "running with 1000 instance(s)" line. Its instances join just
#     before that line, as Backups. The Master_Down_Interval is r2's, 3.609 s, the longest
#     there is: a restarted r1 preempts r2 within Skew_Time of r2's first advert, or, when no
#     one sends any, takes over when its own (3.414 s) runs out; a restarted r2 finds r1
#     Master, or r1 takes over within its own from the stop of the storm, which came earlier.
#     The slack is floatd's work, 1,000 transitions per node or more (each adds or removes
#     VIPs, sends adverts and GARPs; the last instance's turn comes at the end of the burst),
#     and the scheduler. The heaviest case is a crossing: r1 is killed as Master, r2's timers
#     run out first (kill + 3.609 s, before the restarted r1's, ready + 3.414 s) and it takes
#     all over from nobody, then r1 preempts it: 2,000 transitions on r2, 1,000 on r1. The
#     setup is that crossing, measured on floatd's clock (CROSS: from r2's first takeover to
#     the last transition); allowed: three times CROSS, plus the scheduler's worst lateness
#     measured meanwhile (lib.sh's probe), twice as in assert_log_took_at_most, plus SLACK.
#     Three, not one: the machine's load moves during the run, and floatd's bursts with it
#     (the scheduler's lateness does not show a share of the CPU). Here a round's crossing
#     took up to 2.5 x the setup's with both floatd and a busy loop sharing one CPU (floatd
#     3x slower, as under AddressSanitizer, whose slowness CROSS follows since it is measured
#     in the same run), 1-1.3 x without. A round that needs a second election (another
#     Master_Down_Interval) still fails;
#   - then the kernel is as the roles want (kill_storm.py verify): r1 holds every VIP, on its
#     device, marked 0x66, and the kernel routes they bring; r2 holds no VIP and has its
#     routes of before floatd started; both have exactly the 100 VMACs (the killed floatd's
#     are reused, not doubled); and no transition is logged while this is checked.
# At the end every VIP is held by exactly one namespace (r1); both floatd stop cleanly
# (SIGTERM, status 0), after which no namespace has an address marked 0x66 or a VIP, no
# macvlan is left, and the routes are those of before floatd started.
# Per round it prints what the killed floatd left, how long the restarted one took on its own
# clock to remove it (from its first log line) and to converge (from its ready line).
# KILL_STORM_SEED replays a run's random choices (the seed is printed); KILL_STORM_ROUNDS sets
# the number of rounds (20; 10 with a floatd built with AddressSanitizer).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"
_need "$PY"

KS=$NETNS_DIR/kill_storm.py
IFACES=4 PER_IFACE=250
N=$((IFACES * PER_IFACE))
ROUNDS=${KILL_STORM_ROUNDS:-20}
# Built with AddressSanitizer (make check-asan), 10 rounds: there the run looks for memory
# errors on the crash-recovery paths, which every round takes, and CI's time is bounded; the
# issue's 20 run in make check.
if [[ -z ${KILL_STORM_ROUNDS:-} ]] && ldd "$FLOATD" 2>/dev/null | grep -q libasan; then ROUNDS=10; fi
SEED=${KILL_STORM_SEED:-$RANDOM}
RANDOM=$SEED
READY="running with $N instance(s)"
START_S=30  # lib.sh's start_floatd: 0.3-0.7 s here for 1,000 instances, about 3x under ASan
adv=1
mdi=$(master_down_interval $adv 100)  # 3.609 s: r2's, the longest of the two
STORM_PHASE=0
RESULTS=()

# storm_set A B: r1's storm file to A, r2's to B (each replaced whole, never seen half written).
storm_set() {
  printf '%s\n' "$1" >"$RUN/storm/r1.new"
  mv -f "$RUN/storm/r1.new" "$RUN/storm/r1"
  printf '%s\n' "$2" >"$RUN/storm/r2.new"
  mv -f "$RUN/storm/r2.new" "$RUN/storm/r2"
}

# storm_toggle: the Masters of the moment go to FAULT, the other node's instances leave it.
storm_toggle() {
  STORM_PHASE=$((1 - STORM_PHASE))
  if ((STORM_PHASE)); then storm_set 1 0; else storm_set 0 1; fi
}

# rand_s LO HI: a random time in seconds, LO..HI.
rand_s() { awk -v a="$1" -v b="$2" -v r="$RANDOM" 'BEGIN {printf "%.3f", a + (b - a) * r / 32767}'; }

# snapshot NAME SNAP: NAME's kernel state into SNAP.marked, .addrs, .links, .routes.
snapshot() { in_ns "$1" "$PY" -I -S "$KS" snapshot "$2"; }

# verify NAME ROLE WHEN: NAME's kernel state is what ROLE (master, backup, none) wants.
verify() {
  local out
  out=$(in_ns "$1" "$PY" -I -S "$KS" verify "$RUN/model.json" "$2" "$RUN/snap.$1" \
    "$RUN/base.$1.routes") || fail "$3: $1's kernel state is not that of a $2:"$'\n'"$out"
}

# verify_roles WHEN: r1 a master and r2 a backup (verify), both checked at once.
verify_roles() {
  local out1 out2 rc1=0 rc2=0 pid
  in_ns r1 "$PY" -I -S "$KS" verify "$RUN/model.json" master "$RUN/snap.r1" \
    "$RUN/base.r1.routes" >"$RUN/verify.r1" 2>&1 &
  pid=$!
  in_ns r2 "$PY" -I -S "$KS" verify "$RUN/model.json" backup "$RUN/snap.r2" \
    "$RUN/base.r2.routes" >"$RUN/verify.r2" 2>&1 || rc2=$?
  wait "$pid" || rc1=$?
  out1=$(cat "$RUN/verify.r1") out2=$(cat "$RUN/verify.r2")
  ((rc1 == 0)) || fail "$1: r1's kernel state is not that of a master:"$'\n'"$out1"
  ((rc2 == 0)) || fail "$1: r2's kernel state is not that of a backup:"$'\n'"$out2"
}

# transitions_since NAME MARK: the state transitions NAME's floatd logged after MARK.
transitions_since() { log_since "$1" "$2" | grep -cE ' [A-Z]+ -> [A-Z]+ \(' || true; }

# converge TIMEOUT_S WHEN [NAME=STATE...]: polls until every instance is in STATE on each NAME
# (default: MASTER on r1 and BACKUP on r2).
converge() {
  local t=$1 when=$2 out kv want=()
  shift 2
  [[ $# -gt 0 ]] || set -- r1=MASTER r2=BACKUP
  for kv in "$@"; do want+=("$RUN/${kv%%=*}.sock=${kv#*=}"); done
  out=$("$PY" -I -S "$KS" converge "$RUN/model.json" "$FLOATCTL" "$t" "${want[@]}") ||
    fail "$when: no convergence within $t s: ${out#timeout }"
}

# facts VICTIM VMARK SURVIVOR SMARK STALE: kill_storm.py round, into F[key].
declare -A F=()
facts() {
  local kv
  F=()
  while IFS= read -r kv; do F[${kv%%=*}]=${kv#*=}; done < <(
    "$PY" -I -S "$KS" round "$RUN/model.json" "$RUN/$1.log" "$2" "$RUN/$3.log" "$4" "$5"
  )
  [[ -n ${F[ready]:-} ]] || fail "facts: no '$READY' line in $1's log"
}

# clock_offset: the wall clock minus CLOCK_BOOTTIME (/proc/uptime), in seconds. floatd stamps
# its log lines with the wall clock, which is the host's: if it is stepped during a round (by
# hand, or by t_clock_step.sh run at the same time), that round's times are meaningless.
clock_offset() {
  local up
  read -r up _ </proc/uptime
  awk -v w="$EPOCHREALTIME" -v u="$up" 'BEGIN {printf "%.3f", w - u}'
}

# ms_between A B: B - A in whole ms (epoch seconds).
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", (b - a) * 1000}'; }

# stop_clean NAME...: SIGTERM to each at once, exit status 0. A thousand instances take a few
# seconds to stop (each VMAC's deletion waits for the kernel), so up to 60 s rather than
# reap_floatd's 5.
stop_clean() {
  local r pids=()
  for r in "$@"; do
    pids+=("${FD_PID[$r]}")
    signal_floatd "$r" TERM
  done
  _wait_gone 60 "${pids[@]}" || fail "floatd did not stop within 60 s of SIGTERM ($*)"
  for r in "$@"; do reap_floatd "$r" 0; done
}

# ---------------------------------------------------------------------------------------------
step "lab: r1 (150) and r2 (100), $N instances each on $IFACES interfaces, advert_int $adv s, seed $SEED"
lab_up 2
extra_ifaces $((IFACES - 1)) r1 r2
"$PY" "$KS" genconf "$RUN" "$IFACES" "$PER_IFACE"
for r in r1 r2; do ip -n "$(ns "$r")" -4 route show table all >"$RUN/base.$r.routes"; done

# The setup is the heaviest convergence a round can have, a crossing, measured on floatd's
# clock: r2 starts, r1 0.3 s after r2 is up (a chosen phase, not a wait for a condition), so
# r2's Master_Down_Interval (3.609 s) runs out first and it takes all 1,000 over from nobody,
# and r1 preempts it as soon as it hears it (Skew_Time) or its own interval runs out: 1,000
# transitions on r1 and 2,000 on r2, overlapping. CROSS: from r2's first takeover to the last
# transition of either node.
start_floatd r2
m2=$(started_mark r2)
sleep 0.3
off0=$(clock_offset)
start_floatd r1
converge 30 "setup"
: >"$RUN/none.stale"
facts r1 "$(started_mark r1)" r2 "$m2" "$RUN/none.stale"
CROSS_MS=$(ms_between "${F[first_after_ready]}" "${F[last_transition]}")
conv=$(ms_between "${F[ready]}" "${F[last_transition]}")
late=$(sched_late_ms "${F[ready]}" "${F[last_transition]}")
awk -v a="$off0" -v b="$(clock_offset)" 'BEGIN {exit !(b - a < 0.5 && a - b < 0.5)}' ||
  fail "setup: the host's wall clock was stepped while the crossing was measured (run again)"
n_r2=$(log_since r2 "$m2" | grep -c 'BACKUP -> MASTER' || true)
step "setup: r2 took over $n_r2 of $N from nobody, r1 preempted it; converged ${conv} ms after r1's ready line, the crossing took ${CROSS_MS} ms (r2's first takeover to the last of $((F[transitions] - N)) transitions), scheduler late ${late} ms"
((n_r2 == N)) || fail "setup: r2 took over $n_r2 of $N instances before r1 preempted it, not all: no crossing to measure"
verify_roles "setup"

# ---------------------------------------------------------------------------------------------
for ((i = 1; i <= ROUNDS; i++)); do
  if ((i % 2)); then victim=r1 survivor=r2; else victim=r2 survivor=r1; fi
  # 1-3 toggles; in three rounds of four the last one makes the victim take over (it dies
  # holding VIPs or adding them), in the fourth it dies in FAULT (its VIPs gone or going).
  # After an odd number of toggles r1 is in FAULT and r2 takes over; after an even one, r1.
  toggles=$((1 + RANDOM % 2))
  odd=$((RANDOM % 4 != 0 ? 1 : 0))  # 1: the victim takes over last
  [[ $victim == r2 ]] || odd=$((1 - odd))  # now 1: an odd number of toggles
  ((toggles % 2 == odd)) || toggles=$((toggles + 1))
  for ((k = 1; k <= toggles; k++)); do
    storm_toggle
    # Random moments of the storm, not waits for a condition: 0.3-1.1 s to the next toggle
    # (before, during or after the takeover it set off, which starts 0.4-0.6 s after the
    # toggle and lasts a few hundred ms), 0.2-1.2 s from the last one to the SIGKILL.
    if ((k < toggles)); then sleep "$(rand_s 0.3 1.1)"; else sleep "$(rand_s 0.2 1.2)"; fi
  done
  off0=$(clock_offset)
  smark=$(log_lines "$survivor")
  signal_floatd "$victim" KILL
  t_kill=$EPOCHREALTIME
  storm_set 0 0
  STORM_PHASE=0
  reap_floatd "$victim" 137
  stale=$RUN/stale.$i
  snapshot "$victim" "$stale"
  n_vips=$(wc -l <"$stale.marked") n_links=$(wc -l <"$stale.links")
  n_routes=$(sort "$stale.routes" | comm -23 - <(sort "$RUN/base.$victim.routes") | wc -l)
  start_floatd "$victim"
  vmark=$(started_mark "$victim")
  converge "$(add_s "$mdi" 30)" "round $i"
  n_conv=$(($(transitions_since "$victim" "$vmark") + $(transitions_since "$survivor" "$smark")))
  facts "$victim" "$vmark" "$survivor" "$smark" "$stale.marked"
  stepped=$(awk -v a="$off0" -v b="$(clock_offset)" 'BEGIN {d = b - a; if (d < 0) d = -d; if (d > 0.5) printf "%.1f", b - a}')

  # What the killed floatd left: removed, all of it, before the first instance joins.
  ((F[missing] == 0)) ||
    fail "round $i: the restarted floatd in $victim did not remove ${F[missing]} of the $n_vips stale addresses (RUN/stale.$i.marked)"
  ((F[refused] == 0)) || fail "round $i: $victim could not remove ${F[refused]} stale VIPs"
  ((F[removed] >= n_vips)) || fail "round $i: $victim logged ${F[removed]} removals of $n_vips"
  ((F[removed_after_joining] == 0)) ||
    fail "round $i: $victim logged ${F[removed_after_joining]} stale removals after its first instance joined"
  removal_ms=$(ms_between "${F[first]}" "${F[removed_last]:-${F[first]}}")
  up_ms=$(ms_between "$t_kill" "${F[ready]}")

  # Convergence, on floatd's own clock, from the restarted floatd's ready line.
  last=${F[last_transition]:-${F[ready]}}
  conv=$(ms_between "${F[ready]}" "$last")
  ((conv >= 0)) || conv=0
  late=$(sched_late_ms "${F[ready]}" "$last")
  bound=$(($(ms "$mdi") + 3 * CROSS_MS + 2 * late + $(ms "$SLACK")))
  RESULTS+=("round $i: SIGKILL to $victim after $toggles toggle(s); it left $n_vips VIPs, \
$n_links VMACs, $n_routes routes; restarted, it removed them in ${removal_ms} ms (its own \
clock, before joining), ready ${up_ms} ms after the kill (process start-up included), \
converged ${conv} ms after ready (bound ${bound} ms)")
  step "${RESULTS[-1]}"
  if [[ -n $stepped ]]; then
    step "round $i: the host's wall clock was stepped by ${stepped} s meanwhile: its times are not judged"
  else
    assert_cmp "$conv" "<=" "$bound" \
      "round $i: last transition (ms) after $victim's ready line, bound Master_Down_Interval $(ms "$mdi") + 3 x the setup's crossing ${CROSS_MS} + 2 x scheduler late ${late} + $(ms "$SLACK")"
  fi

  # The kernel as the roles want it, and nothing moves meanwhile.
  verify_roles "round $i"
  n_after=$(($(transitions_since "$victim" "$vmark") + $(transitions_since "$survivor" "$smark")))
  ((n_after == n_conv)) ||
    fail "round $i: $((n_after - n_conv)) transitions logged after convergence, while checking"
done

# ---------------------------------------------------------------------------------------------
step "after $ROUNDS rounds: every VIP on r1 alone; stop both cleanly"
verify_roles "end"
c_vips=$(ip -n "$(ns c)" -o -4 addr show | awk '$4 ~ /^10\./' | wc -l)
assert_eq "$c_vips" 0 "VIPs on the client"
stop_clean r1 r2
verify r1 none "after the clean stop"
verify r2 none "after the clean stop"
for h in c br; do
  assert_eq "$(proto_addresses "$h" 0x66 | paste -sd ' ' -)" "" "addresses marked 0x66 in $h"
done
for l in "${RESULTS[@]}"; do step "result: $l"; done
pass
