#!/usr/bin/env bash
# A VIP deleted by hand on the master (ip addr del) is put back within a second and logged,
# with no state change anywhere.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
pair_up "$adv"

step "delete $VIP4 on r1 by hand"
mark1=$(log_lines r1)
mark2=$(log_lines r2)
t0=$EPOCHREALTIME
ip -n "$(ns r1)" addr del "$VIP4/24" dev eth0
wait_for "has_vip r1 $VIP4" 1 || fail "r1 did not put $VIP4 back within 1 s"
step "$VIP4 back on r1 after $(_since "$t0") s"
wait_for "log_since r1 $mark1 | grep -q '$VIP4'" 1 || fail "r1 did not log the restored $VIP4"
log_since r1 "$mark1" | grep -F "$VIP4" | head -n 3 | sed 's/^/  log: /'
assert_state r1 web MASTER
assert_state r2 web BACKUP
assert_eq "$(transitions_logged r1 "$mark1")" 0 "transitions logged by r1"
assert_eq "$(transitions_logged r2 "$mark2")" 0 "transitions logged by r2"
assert_holders "$VIP4" r1
wait_for "client_ping $VIP4" 2 || fail "the client cannot reach $VIP4"
pass
