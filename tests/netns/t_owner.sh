#!/usr/bin/env bash
# Priority 255 (address owner): MASTER at once on start (RFC 5798 §6.4.1), without waiting a
# Master_Down_Interval (3.004 s at advert_int 1 s); the running backup stays BACKUP.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=1
lab_up 2
make_conf r1 priority=255 advert_int=$adv
make_conf r2 priority=100 advert_int=$adv
step "start r2 (priority 100), then r1 (priority 255)"
start_floatd r2
start_floatd r1
wait_state r1 web MASTER 2
# RFC 5798 §6.4.1: the owner goes from Initialize straight to Master, with no Backup and so no
# Master_Down_Interval; timed from floatd's first line of this start, on its own clock.
log_took r1 "$(started_mark r1)" ": " r1 "$(started_mark r1)" "web: INIT -> MASTER"
step "r1 MASTER ${LOG_TOOK_MS} ms after its first log line (would be $(ms "$(master_down_interval $adv 255)") ms without the owner rule)"
assert_log_took_at_most 0.3 "owner becoming MASTER"
# r2's own down timer would fire 3.609 s after its start: it must keep hearing r1.
hold_state r2 web BACKUP "$(add_s "$(master_down_interval $adv 100)" 0.5)"
assert_holders "$VIP4" r1
assert_status r2 web master 192.168.100.2
pass
