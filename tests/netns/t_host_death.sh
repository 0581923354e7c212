#!/usr/bin/env bash
# Host death at advert_int 1 s: r1's link goes down (lab-notes: a SIGKILL is not a host death).
# r2 (priority 100) takes over when its Master_Down_Interval (3.609 s) runs out, counted from
# r1's last advert, so between Master_Down_Interval - Advertisement_Interval and
# Master_Down_Interval after the link-down (+50 ms slack). The client's outage is measured.
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

mdi=$(master_down_interval $adv 100)
probe_start "$VIP4"
random_phase $adv
step "r1's link goes down"
mark2=$(log_lines r2)
t0=$EPOCHREALTIME
link_down r1
t1=$EPOCHREALTIME
wait_state r2 web MASTER "$(add_s "$mdi" 2)" "$t0"
# The link went down between t0 and t1 (ip's start-up is the harness's, not floatd's): the
# upper bound is timed from t1, the lower from t0, to r2's MASTER line on floatd's clock.
log_took_since r2 "$mark2" "web: BACKUP -> MASTER" "$t0"
step "r2 MASTER ${LOG_TOOK_MS} ms after the harness began link down (Master_Down_Interval $(ms "$mdi") ms)"
assert_log_took_at_least "$(add_s "$mdi" -$adv -"$SLACK")" "host death takeover"
log_took_since r2 "$mark2" "web: BACKUP -> MASTER" "$t1"
assert_log_took_at_most "$(add_s "$mdi" "$SLACK")" "host death takeover"

wait_for "client_ping $VIP4" 2 || fail "the client cannot reach $VIP4 through r2"
probe_stop
step "client outage ${PROBE_OUTAGE_MS} ms, ${PROBE_LOST} echoes lost"
assert_cmp "$PROBE_OUTAGE_MS" "<=" "$(ms "$(add_s "$mdi" 0.1)")" "client outage (ms)"
assert_eq "$(neighbour_mac "$VIP4")" "$(router_mac r2)" "client's neighbour entry for $VIP4"
assert_holders "$VIP4" r2 r2  # r1 is unreachable: whatever it holds does not count
pass
