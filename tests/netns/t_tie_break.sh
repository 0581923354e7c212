#!/usr/bin/env bash
# Equal priority: two masters that hear each other keep the one with the higher primary IP
# address (RFC 5798 §6.4.3). A partition between the routers (bridge port isolation) makes both
# MASTER first.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
lab_up 2
make_conf r1 priority=100 advert_int=$adv
make_conf r2 priority=100 advert_int=$adv
step "partition: r1 and r2 cannot hear each other; both become MASTER"
isolate r1 r2
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web MASTER 2
assert_holders "$VIP4" "r1 r2"

step "heal: r1 (192.168.100.2) yields to r2 (192.168.100.3)"
mark1=$(log_lines r1)
unisolate r1 r2
t1=$EPOCHREALTIME  # healed by now: an upper bound from here fails for sure
wait_state r1 web BACKUP 2
log_took_since r1 "$mark1" "web: MASTER -> BACKUP" "$t1"
step "r1 BACKUP ${LOG_TOOK_MS} ms after the partition healed"
assert_log_took_at_most "$(add_s $adv "$SLACK")" "tie-break"
hold_state r2 web MASTER 0.5
assert_state r1 web BACKUP
assert_holders "$VIP4" r2
assert_status r1 web master 192.168.100.3
pass
