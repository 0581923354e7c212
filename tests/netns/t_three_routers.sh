#!/usr/bin/env bash
# Three routers (150, 120, 100): the highest wins; after its host death the next highest wins
# (the shorter Master_Down_Interval) and the lowest stays BACKUP; when it returns it preempts.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
lab_up 3
make_conf r1 priority=150 advert_int=$adv
make_conf r2 priority=120 advert_int=$adv
make_conf r3 priority=100 advert_int=$adv
start_floatd r1
start_floatd r2
start_floatd r3
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
wait_state r3 web BACKUP 1
assert_holders "$VIP4" r1

step "r1's link goes down"
mark2=$(log_lines r2)
link_down r1
t1=$EPOCHREALTIME  # the link is down by now: an upper bound from here fails for sure
mdi=$(master_down_interval $adv 120)
wait_state r2 web MASTER 2
log_took_since r2 "$mark2" "web: BACKUP -> MASTER" "$t1"
step "r2 MASTER ${LOG_TOOK_MS} ms after r1's link was down (Master_Down_Interval $(ms "$mdi") ms)"
assert_log_took_at_most "$(add_s "$mdi" "$SLACK")" "r2 taking over"
hold_state r3 web BACKUP 0.5
assert_holders "$VIP4" r2 r2 r3
wait_for "client_ping $VIP4" 2 || fail "the client cannot reach $VIP4 through r2"

step "r1's link comes back: r1 preempts"
link_up r1
wait_state r1 web MASTER 3
wait_state r2 web BACKUP 1
hold_state r3 web BACKUP 0.3
assert_holders "$VIP4" r1
pass
