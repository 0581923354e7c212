#!/usr/bin/env bash
# VRRPv2 (RFC 3768, version = 2, whole-second advert_int): election, v2 adverts on the wire, and
# a graceful failover within Skew_Time ((256 - 100) / 256 s) + slack.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=1
lab_up 2
make_conf r1 priority=150 advert_int=$adv version=2
make_conf r2 priority=100 advert_int=$adv version=2
capture_start adverts r1 'ip proto 112'
start_floatd r1
start_floatd r2
mdi=$(master_down_interval $adv 150 2)
wait_state r1 web MASTER "$(add_s "$mdi" 2)"
# RFC 3768 §6.4.1: Master_Down_Timer runs from the instance's start-up, on floatd's clock (not
# from when the harness launched the process: start-up under load is not floatd's slack).
log_took r1 "$(started_mark r1)" "web: INIT -> BACKUP" r1 "$(started_mark r1)" "web: BACKUP -> MASTER"
step "r1 MASTER ${LOG_TOOK_MS} ms after its start-up (Master_Down_Interval $(ms "$mdi") ms)"
assert_log_took_at_most "$(add_s "$mdi" "$SLACK")" "r1 becoming MASTER"
assert_log_took_at_least "$mdi" "r1 becoming MASTER"
wait_state r2 web BACKUP 1
assert_status r1 web version 2
assert_holders "$VIP4" r1
wait_for "capture_read adverts | grep -q 'VRRPv2, Advertisement, vrid 51, prio 150'" 3 ||
  fail "no VRRPv2 advert from r1: $(capture_read adverts | head -n 3)"
capture_stop adverts

step "SIGTERM to r1"
mark1=$(log_lines r1) mark2=$(log_lines r2)
signal_floatd r1 TERM
skew=$(skew_time $adv 100 2)
wait_state r2 web MASTER 3
# From r1's own "stopping" (before its priority-0 advert) to r2's MASTER line.
log_took r1 "$mark1" ": stopping" r2 "$mark2" "web: BACKUP -> MASTER"
step "r2 MASTER ${LOG_TOOK_MS} ms after r1 began to stop (Skew_Time $(ms "$skew") ms)"
assert_log_took_at_most "$(add_s "$skew" "$SLACK")" "graceful takeover"
# r1's "stopping" comes before its priority-0 advert, so this span is at least r2's true wait:
# shorter than Skew_Time means r2 did not wait its Skew_Time (RFC 5798 §6.4.2).
assert_log_took_at_least "$skew" "graceful takeover"
reap_floatd r1 0
assert_holders "$VIP4" r2
wait_for "client_ping $VIP4" 2 || fail "the client cannot reach $VIP4 through r2"
pass
