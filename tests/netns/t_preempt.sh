#!/usr/bin/env bash
# Preemption: when the higher-priority router comes back it takes the VIP back from the lower
# one, at the latest a Master_Down_Interval after its start (RFC 5798 §6.4.2: it discards the
# lower-priority adverts; floatd's fast preemption may take over sooner, after Skew_Time).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
lab_up 2
make_conf r1 priority=150 advert_int=$adv preempt=yes
make_conf r2 priority=100 advert_int=$adv
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1

step "stop r1: r2 takes over"
stop_floatd r1
wait_state r2 web MASTER 1
assert_holders "$VIP4" r2

step "start r1 again: it preempts r2"
start_floatd r1
mdi=$(master_down_interval $adv 150)
wait_state r1 web MASTER "$(add_s "$mdi" 2)"
log_took r1 "$(started_mark r1)" "web: INIT -> BACKUP" r1 "$(started_mark r1)" "web: BACKUP -> MASTER"
step "r1 MASTER ${LOG_TOOK_MS} ms after its start-up (Master_Down_Interval $(ms "$mdi") ms)"
assert_log_took_at_most "$(add_s "$mdi" "$SLACK")" "preemption"
wait_state r2 web BACKUP 1
hold_state r2 web BACKUP 0.5
assert_holders "$VIP4" r1
flush_neighbours
wait_for "client_ping $VIP4" 2 || fail "the client cannot reach $VIP4"
assert_eq "$(neighbour_mac "$VIP4")" "$(router_mac r1)" "client's neighbour entry for $VIP4"
pass
