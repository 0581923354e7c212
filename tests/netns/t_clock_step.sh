#!/usr/bin/env bash
# Wall-clock steps: THIS TEST SETS THE HOST'S CLOCK (CLOCK_REALTIME is not per namespace). With
# r1 (priority 150) MASTER and r2 (100) BACKUP at advert_int 0.1 s, the clock is stepped with
# `date -s` one hour ahead, then two hours back, then restored; then once more one hour ahead
# while r2's floatd is stopped for 120 ms (as on a busy host: adverts wait in its socket with
# their kernel receive time stamps, SO_TIMESTAMPNS, in wall-clock time), with the same 120 ms
# stop and no step as the control, and restored. Each state is held for 1 s (about 3.5 s
# stepped in all). floatd's timers run on CLOCK_MONOTONIC, so checked in every phase:
#   - no state transition anywhere (stats.transitions of both unchanged, nothing logged), r2
#     stays BACKUP throughout (polled) and r1 MASTER;
#   - adverts keep flowing: the adverts r2 received during the phase are within [0.5, 1.5] x
#     (the phase's monotonic length / advert_int) + 2, so neither a stall (a timer waiting an
#     hour) nor a burst (timers firing to catch up) passes.
# The clock is restored to (wall time at the start + CLOCK_MONOTONIC time elapsed since) at the
# end, and by the EXIT handler on every path (failure, SIGINT, SIGTERM), which then runs
# lib.sh's lab_cleanup; the test checks the restored clock is within 50 ms of that. Only a
# SIGKILL of the script could leave the clock stepped. meson runs the netns tests one at a
# time; run by hand while another lab is active here (a namespace of someone else's with
# processes in it), the test skips rather than step the clock under it.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
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

# phase NAME CLOCK [HELD_S]: CLOCK is a `date -s` argument, "restore" or "none"; with HELD_S,
# r2's floatd is stopped (SIGSTOP) for that long around the clock's change. Then holds r2
# BACKUP for 1 s and checks r1, the transitions and the adverts r2 received.
phase() {
  local name=$1 rx0 rx1 m0 m1 expect tr
  tr=$(transitions)
  rx0=$(status_get r2 web stats.adverts_received)
  m0=$(mono)
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
  hold_state r2 web BACKUP 1
  assert_state r1 web MASTER
  rx1=$(status_get r2 web stats.adverts_received)
  m1=$(mono)
  expect=$(awk -v a="$m0" -v b="$m1" -v i=$adv 'BEGIN {printf "%.1f", (b - a) / i}')
  say "$name: clock now $(date '+%F %T'); r2 received $((rx1 - rx0)) adverts in" \
    "$(ms "$(add_s "$m1" -"$m0")") ms (expected about $expect)"
  assert_eq "$(transitions)" "$tr" "$name: stats.transitions of r1 and r2"
  assert_cmp "$((rx1 - rx0))" ">=" "$(awk -v e="$expect" 'BEGIN {print e * 0.5}')" \
    "$name: adverts r2 received"
  assert_cmp "$((rx1 - rx0))" "<=" "$(awk -v e="$expect" 'BEGIN {print e * 1.5 + 2}')" \
    "$name: adverts r2 received"
}

# transitions: "R1 R2", the stats.transitions counters.
transitions() {
  echo "$(status_get r1 web stats.transitions) $(status_get r2 web stats.transitions)"
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

pair_up "$adv"
hold_state r2 web BACKUP 0.3  # settled: r2 has heard r1
tr0=$(transitions) mark1=$(log_lines r1) mark2=$(log_lines r2)

phase "unstepped (reference)" none
phase "+1 hour" "+1 hour"
phase "-2 hours" "-2 hours"
phase "restored" restore
# A busy host: r2's floatd is not scheduled for 120 ms while the clock steps, so the adverts
# that arrive meanwhile wait in its socket and are read after the step. 120 ms + up to one
# advert interval since the last one read stays well below r2's Master_Down_Interval (361 ms):
# the same hold without a step changes nothing.
phase "held 120 ms, unstepped" none 0.12
phase "held 120 ms, +1 hour" "+1 hour" 0.12
phase "restored again" restore
err=$(clock_error_ms)
say "clock restored: $(date '+%F %T.%N'), ${err} ms from the saved time + monotonic elapsed"
assert_cmp "${err#-}" "<=" 50 "clock error after the restore (ms)"

assert_eq "$(transitions)" "$tr0" "stats.transitions of r1 and r2 across the steps"
assert_eq "$(transitions_logged r1 "$mark1")" 0 "transitions logged by r1"
assert_eq "$(transitions_logged r2 "$mark2")" 0 "transitions logged by r2"
assert_holders "$VIP4" r1
pass
