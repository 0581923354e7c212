#!/usr/bin/env bash
# Staying on time: floatd's scheduling settings ([global] vrrp_rt_priority, vrrp_no_swap) as
# the kernel sees them in /proc, and what its scripts inherit:
#   always          timer slack 1 ns or less (/proc/PID/timerslack_ns);
#   rt 30, no_swap  SCHED_RR priority 30 and locked memory (VmLck > 0); a track script runs as
#                   SCHED_OTHER with the default 50 us slack (nothing leaks into scripts);
#   reload without  SCHED_OTHER and VmLck 0 again, still slack 1 ns;
#   no CAP_SYS_NICE floatd started without the capability logs "cannot set vrrp_rt_priority"
#                   and still becomes MASTER.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=services.sh
source "$(dirname "$0")/services.sh"
test_init "$@"
_need chrt
_need setpriv

lab_up 1
d=$(router_dir r1)
make_conf r1 priority=150 track_script=inherit
sed -i '/^router_id/a vrrp_rt_priority = 30\nvrrp_no_swap = yes' "$RUN/r1.conf"
cp "$RUN/r1.conf" "$RUN/r1-plain.conf"
sed -i '/^vrrp_rt_priority/d; /^vrrp_no_swap/d' "$RUN/r1-plain.conf"
# The script reports its own policy and slack.
printf '#!/bin/sh\nchrt -p $$ >%s.tmp\ncat /proc/$$/timerslack_ns >>%s.tmp\nmv %s.tmp %s\n' \
  "$d/child" "$d/child" "$d/child" "$d/child" >"$d/inherit.sh"
chmod 755 "$d/inherit.sh"
printf '\n[script inherit]\nscript = %s\ninterval = 0.2\n' "$d/inherit.sh" >>"$RUN/r1.conf"
sed -n '/^\[script inherit\]/,$p' "$RUN/r1.conf" >>"$RUN/r1-plain.conf"

# policy PID: "SCHED_RR 30" or "SCHED_OTHER 0", from chrt -p.
policy() {
  chrt -p "$1" | awk -F': ' '/policy/ {p = $2} /priority/ {n = $2} END {print p, n}'
}
# policy_name PID: the policy alone, without the |SCHED_RESET_ON_FORK flag.
policy_name() { policy "$1" | awk '{sub(/\|.*/, "", $1); print $1}'; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

step "start r1 with vrrp_rt_priority = 30 and vrrp_no_swap = yes"
start_floatd r1
wait_state r1 web MASTER 3
pid=${FD_PID[r1]}
assert_eq "$(policy "$pid")" "SCHED_RR|SCHED_RESET_ON_FORK 30" "floatd's policy"
# A real-time thread has no slack at all (Linux >= 6.7 shows 0; older kernels show the 1 ns).
assert_cmp "$(cat "/proc/$pid/timerslack_ns")" "<=" 1 "floatd's timer slack (ns)"
# AddressSanitizer intercepts mlockall() and does nothing (its shadow memory cannot be locked).
asan=0
grep -q libasan "/proc/$pid/maps" && asan=1
((asan)) || assert_cmp "$(status_kb "$pid" VmLck)" ">" 1000 "floatd's locked memory (kB)"

step "the track script runs as SCHED_OTHER with the default slack"
wait_for "[[ -s $d/child ]]" 3 || fail "the script never wrote $d/child"
grep -q 'SCHED_OTHER' "$d/child" || fail "the script's policy: $(cat "$d/child")"
assert_eq "$(tail -n 1 "$d/child")" 50000 "the script's timer slack (ns)"

step "reload without the keys: back to SCHED_OTHER, memory unlocked"
cp "$RUN/r1-plain.conf" "$RUN/r1.conf"
msg=$("$FLOATCTL" -s "$RUN/r1.sock" reload) || fail "floatctl reload failed: $msg"
assert_eq "$(policy_name "$pid")" "SCHED_OTHER" "floatd's policy after the reload"
assert_eq "$(status_kb "$pid" VmLck)" 0 "floatd's locked memory after the reload (kB)"
assert_eq "$(cat "/proc/$pid/timerslack_ns")" 1 "floatd's timer slack after the reload (ns)"
assert_state r1 web MASTER
stop_floatd r1

step "without CAP_SYS_NICE: a warning, and floatd runs on"
sed -i '/^router_id/a vrrp_rt_priority = 30' "$RUN/r1.conf"
FLOATD_WRAP="setpriv --bounding-set=-sys_nice --inh-caps=-sys_nice" start_floatd r1
wait_state r1 web MASTER 3
pid=${FD_PID[r1]}
assert_eq "$(policy_name "$pid")" "SCHED_OTHER" "floatd's policy without the capability"
grep -q 'warning: cannot set vrrp_rt_priority 30 (SCHED_RR): Operation not permitted' \
  "$RUN/r1.log" || fail "no warning about vrrp_rt_priority in r1.log"
stop_floatd r1
pass
