#!/usr/bin/env bash
# Track scripts that misbehave, on the master r1 (150; r2 is 100 and tracks nothing):
#   hang    `sleep 100`, timeout 0.3: killed at its timeout, counted as a failure and a
#           timeout; never more than one at a time; none left once floatd has stopped;
#   flood   prints 50 MB per run: floatd keeps sending adverts (r2 stays BACKUP throughout)
#           and its peak RSS stays under 30 MB;
#   fixable fails until recover creates its file: recovered in place, recoveries = 1, no state
#           transition anywhere (events), the VIP never moves;
#   broken  recover does not help: after recover_attempts (2) rounds the script fails and,
#           with weight 0, r1 goes to FAULT and r2 takes the VIP;
#   orphan  exits at once leaving a background `sleep 99` (shell syntax: run by sh): floatd
#           ends the script's process group, so none piles up.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=services.sh
source "$(dirname "$0")/services.sh"
test_init "$@"
_need "$PY"

adv=0.1 hang_timeout=0.3
lab_up 2
d=$(router_dir r1)
touch "$d/fixable.ok" "$d/broken.ok"
make_conf r1 priority=150 advert_int=$adv
# Appended to [instance web], the last section make_conf writes (it takes one track_script).
cat >>"$RUN/r1.conf" <<EOF
track_script = hang weight -10
track_script = flood weight -10
track_script = fixable
track_script = broken
track_script = orphan weight -10

[script hang]
script = $(type -P sleep) 100
interval = 0.2
timeout = $hang_timeout
fall = 2

[script flood]
script = $(type -P head) -c 52428800 /dev/zero
interval = 1
timeout = 10

[script fixable]
script = $(type -P test) -e $d/fixable.ok
recover = $(type -P touch) $d/fixable.ok
interval = 0.2
fall = 2
weight = 0

[script broken]
script = $(type -P test) -e $d/broken.ok
recover = $(type -P false)
recover_attempts = 2
interval = 0.2
fall = 2
weight = 0

[script orphan]
script = $(type -P sleep) 99 & exit 0
interval = 0.2
EOF
make_conf r2 priority=100 advert_int=$adv

step "start r1 (150, five scripts) and r2 (100)"
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 3
wait_state r2 web BACKUP 1
pid=${FD_PID[r1]}
assert_eq "$(cat "/proc/$pid/comm")" floatd "the process of r1's floatd"
events_start r1
events_start r2

# sleeps_in NAME COMM [ARG]: the live processes named COMM in NAME's namespace (with ARG as
# their first argument, if given), one pid per line.
sleeps_in() {
  local p argv
  for p in $(ip netns pids "$(ns "$1")"); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == "$2" ]] || continue
    _alive "$p" || continue
    if [[ $# -ge 3 ]]; then
      mapfile -d '' -t argv <"/proc/$p/cmdline" 2>/dev/null || continue
      [[ ${argv[1]:-} == "$3" ]] || continue
    fi
    echo "$p"
  done
  return 0
}

step "hang: the sleep is killed at the script's timeout (${hang_timeout} s)"
# The lifetime of one sleep, from its start time in /proc (10 ms ticks since boot) to its end,
# which lies between the last look that still saw it (LO) and the first that did not (HI), on
# the same clock (/proc/uptime). A sleep can be killed between being listed and its stat being
# read (a busy machine): then this takes the next one; only a stat that was read counts.
# sleep_started_s PID: the start of PID in seconds since boot; status 1 if it is already gone.
sleep_started_s() {
  local stat f
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -ra f <<<"${stat##*) }"
  awk -v s="${f[19]}" -v t="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", s / t}'
}
spid="" start_s=""
deadline=$((${EPOCHREALTIME/./} + 3000000))
until [[ -n $start_s ]]; do
  ((${EPOCHREALTIME/./} < deadline)) || fail "no sleep process of hang seen alive in r1 for 3 s"
  spid=$(sleeps_in r1 sleep 100 | head -n 1)
  if [[ -n $spid ]]; then start_s=$(sleep_started_s "$spid") || start_s=""; fi
  [[ -n $start_s ]] || sleep 0.01
done
last_alive_s=$start_s
deadline=$((${EPOCHREALTIME/./} + 3000000))
while :; do
  read -r now_s _ </proc/uptime
  _alive "$spid" || break
  last_alive_s=$now_s
  ((${EPOCHREALTIME/./} < deadline)) ||
    fail "the hung script's sleep (pid $spid) was not killed within 3 s"
  sleep 0.005
done
read -r end_s _ </proc/uptime
lived_lo=$(awk -v a="$start_s" -v b="$last_alive_s" 'BEGIN {printf "%.0f", (b - a) * 1000}')
lived_hi=$(awk -v a="$start_s" -v b="$end_s" 'BEGIN {printf "%.0f", (b - a) * 1000}')
step "hang: sleep pid $spid lived ${lived_lo}-${lived_hi} ms (timeout $(ms $hang_timeout) ms," \
  "10 ms ticks)"
assert_cmp "$lived_hi" ">=" "$(($(ms $hang_timeout) - 20))" \
  "the hung script's lifetime (ms, latest end seen): killed before its timeout"
assert_cmp "$lived_lo" "<=" "$(($(ms $hang_timeout) + 100))" \
  "the hung script's lifetime (ms, earliest end seen): floatd killed it late"

step "flood: 50 MB per run for 3 s while r2 must stay BACKUP"
hwm_before=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$pid/status")
runs_before=$(track_get r1 scripts flood runs)
hold_state r2 web BACKUP 3
assert_state r1 web MASTER
runs=$(($(track_get r1 scripts flood runs) - runs_before))
assert_cmp "$runs" ">=" 2 "flood runs during the hold"
assert_eq "$(track_get r1 scripts flood failures)" 0 "flood failures (its 50 MB read to the end)"
hwm=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$pid/status")
rss=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status")
step "flood: $runs runs of 50 MB; floatd RSS ${rss} kB, peak ${hwm} kB" \
  "(${hwm_before} kB before the hold)"
# 50 MB per run must not reach the daemon: its peak grows by little during the hold. The
# absolute bound holds for a normal build; AddressSanitizer's shadow memory is ~120 MB of its own.
assert_cmp "$((hwm - hwm_before))" "<" 10240 "floatd's peak RSS growth during the flood (kB)"
if ! grep -q libasan "/proc/$pid/maps"; then
  assert_cmp "$hwm" "<" 30720 "floatd's peak RSS (kB)"
fi

step "hang: timeouts counted as failures, one sleep at a time"
assert_eq "$(track_get r1 scripts hang state)" FAILED "hang state"
read -r h_runs h_failures h_timeouts < <(track_get r1 scripts hang runs failures timeouts)
assert_cmp "$h_timeouts" ">" 0 "hang timeouts"
assert_eq "$h_failures" "$h_runs" "hang failures (= runs)"
assert_eq "$h_timeouts" "$h_runs" "hang timeouts (= runs)"
assert_cmp "$(sleeps_in r1 sleep 100 | wc -l)" "<=" 1 "sleep processes in r1"
step "hang: $h_runs runs, $h_timeouts timeouts; last: $(track_get r1 scripts hang last)"

step "orphan: its background sleeps do not outlive it"
read -r o_runs o_failures < <(track_get r1 scripts orphan runs failures)
assert_cmp "$o_runs" ">=" 10 "orphan runs"
assert_eq "$o_failures" 0 "orphan failures"
for _ in 1 2 3 4 5; do
  assert_cmp "$(sleeps_in r1 sleep 99 | wc -l)" "<=" 1 "background sleeps of orphan in r1"
  sleep 0.05
done
step "orphan: $o_runs runs, never more than one background sleep alive"

step "fixable: its file goes; recover brings it back; no transition"
rm "$d/fixable.ok"
wait_for "[[ \$(track_get r1 scripts fixable recoveries) == 1 ]]" 3 ||
  fail "fixable was not recovered within 3 s: $(track_get r1 scripts fixable last)"
wait_for "[[ -e '$d/fixable.ok' ]]" 1 || fail "recover did not create $d/fixable.ok"
hold_state r1 web MASTER 0.5
assert_state r2 web BACKUP
assert_eq "$(track_get r1 scripts fixable state)" OK "fixable state"
assert_cmp "$(track_get r1 scripts fixable failures)" ">=" 2 "fixable failures"
assert_holders "$VIP4" r1
for r in r1 r2; do
  n=$(events_of "$r" transition | wc -l)
  [[ $n -eq 0 ]] || fail "$r had $n transition(s): $(events_of "$r" transition)"
done
events_of r1 tracker | grep -q 'script fixable: RECOVERING' ||
  fail "no RECOVERING event for fixable: $(events_of r1 tracker)"
grep -q 'script fixable: .*running recover (attempt 1 of 1)' "$RUN/r1.log" ||
  fail "r1 did not log the recover attempt of fixable"

step "broken: recover fails twice, then FAULT and failover"
rm "$d/broken.ok"
t0=$EPOCHREALTIME
wait_state r2 web MASTER 5 "$t0"
step "r2 MASTER ${WAIT_LO_MS}-${WAIT_HI_MS} ms after broken's file went" \
  "(fall 2 x 200 + 2 x (recover + check) + Skew_Time $(ms "$(skew_time $adv 100)"))"
wait_state r1 web FAULT 1
assert_holders "$VIP4" r2
assert_eq "$(track_get r1 scripts broken state)" FAILED "broken state"
assert_eq "$(track_get r1 scripts broken recoveries)" 2 "broken recoveries"
for a in 1 2; do
  grep -q "script broken: .*running recover (attempt $a of 2)" "$RUN/r1.log" ||
    fail "r1 did not log recover attempt $a of broken"
done
events_of r1 transition | grep -q 'web: MASTER -> FAULT' || fail "no MASTER -> FAULT event on r1"

step "stop floatd on r1 while a hung sleep runs: no script process may outlive it"
wait_for "[[ -n \$(sleeps_in r1 sleep 100) ]]" 2 || fail "no hung sleep running in r1"
stop_floatd r1
for c in sleep sh head test touch false; do
  left=$(sleeps_in r1 "$c" | tr '\n' ' ')
  [[ -z $left ]] || fail "$c process(es) left in r1 after floatd stopped: $left"
done
stop_floatd r2
pass
