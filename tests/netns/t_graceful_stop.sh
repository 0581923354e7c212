#!/usr/bin/env bash
# Graceful stop at advert_int 1 s: SIGTERM makes the master send a priority-0 advert, remove
# its VIP and exit 0; the backup takes over after Skew_Time (609 ms at priority 100) + slack.
# The client's outage is measured with the probe.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=1
lab_up 2
make_conf r1 priority=150 advert_int=$adv
make_conf r2 priority=100 advert_int=$adv
step "start r1 (priority 150) and r2 (priority 100), advert_int $adv"
start_floatd r1
start_floatd r2
wait_state r1 web MASTER "$(add_s "$(master_down_interval $adv 150)" 2)"
wait_state r2 web BACKUP 1

skew=$(skew_time $adv 100)
probe_start "$VIP4"
random_phase $adv
step "SIGTERM to r1"
mark1=$(log_lines r1) mark2=$(log_lines r2)
signal_floatd r1 TERM
wait_state r2 web MASTER 3
# From r1's own "stopping" (before its priority-0 advert) to r2's MASTER line.
log_took r1 "$mark1" ": stopping" r2 "$mark2" "web: BACKUP -> MASTER"
step "r2 MASTER ${LOG_TOOK_MS} ms after r1 began to stop (Skew_Time $(ms "$skew") ms)"
assert_log_took_at_most "$(add_s "$skew" "$SLACK")" "graceful takeover"
# r1's "stopping" comes before its priority-0 advert, so this span is at least r2's true wait:
# shorter than Skew_Time means r2 did not wait its Skew_Time (RFC 5798 §6.4.2).
assert_log_took_at_least "$skew" "graceful takeover"
reap_floatd r1 0
assert_no_vip r1 "$VIP4"

wait_for "client_ping $VIP4" 2 || fail "the client cannot reach $VIP4 through r2"
probe_stop
step "client outage ${PROBE_OUTAGE_MS} ms, ${PROBE_LOST} echoes lost"
assert_cmp "$PROBE_OUTAGE_MS" "<=" "$(ms "$(add_s "$skew" 0.1)")" "client outage (ms)"
assert_holders "$VIP4" r2
pass
