#!/usr/bin/env bash
# preempt = no: the higher-priority router that comes back stays BACKUP under the lower-priority
# master (RFC 5798 §6.4.2: it accepts any advert when Preempt_Mode is False).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
lab_up 2
make_conf r1 priority=150 advert_int=$adv preempt=no
make_conf r2 priority=100 advert_int=$adv
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1

step "stop r1: r2 takes over"
stop_floatd r1
wait_state r2 web MASTER 1

step "start r1 again (preempt = no): it stays BACKUP"
start_floatd r1
mdi=$(master_down_interval $adv 150)
wait_state r1 web BACKUP 1
hold_state r1 web BACKUP "$(add_s "$mdi" "$mdi" "$mdi" "$mdi")"
assert_state r2 web MASTER
assert_holders "$VIP4" r2
assert_status r1 web master 192.168.100.3
pass
