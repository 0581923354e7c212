#!/usr/bin/env bash
# Crash: SIGKILL leaves the master's VIP behind (marked IFA_PROTO 0x66); the backup takes over
# after its Master_Down_Interval. floatd restarted with the same config removes the stale VIP
# before it joins, then preempts, and exactly one router holds the VIP.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
pair_up "$adv"

step "SIGKILL to r1"
mark2=$(log_lines r2)
signal_floatd r1 KILL
t1=$EPOCHREALTIME
reap_floatd r1 137
assert_vip r1 "$VIP4"
assert_eq "$(addr_proto r1 "$VIP4")" 0x66 "IFA_PROTO of the VIP left by the killed floatd"
mdi=$(master_down_interval $adv 100)
wait_state r2 web MASTER "$(add_s "$mdi" 2)"
log_took_since r2 "$mark2" "web: BACKUP -> MASTER" "$t1"
step "r2 MASTER ${LOG_TOOK_MS} ms after the SIGKILL (Master_Down_Interval $(ms "$mdi") ms)"
assert_log_took_at_most "$(add_s "$mdi" "$SLACK")" "takeover after the crash"
assert_holders "$VIP4" "r1 r2"

step "restart floatd in r1: the stale VIP goes first"
mark=$(log_lines r1)
addr_monitor_start r1
start_floatd r1
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
hold_state r2 web BACKUP 0.5
assert_holders "$VIP4" r1
# The removal and r1's preemption can be quicker than polling: judge by the address events.
first=$(addr_events r1 "$VIP4" | head -n 1)
[[ $first == Deleted* ]] ||
  fail "the restarted floatd did not remove the stale VIP first; events: $(addr_events r1 "$VIP4")"
log_since r1 "$mark" | grep -q "$VIP4" || fail "r1 logged nothing about the stale $VIP4"
wait_for "client_ping $VIP4" 2 || fail "the client cannot reach $VIP4"
pass
