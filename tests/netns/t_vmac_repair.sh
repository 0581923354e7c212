#!/usr/bin/env bash
# Level, not edge (issue 10, defect 6): the Master's VMAC is deleted by hand; floatd makes it
# again and its VIP comes back on it (before, the VMAC came back empty and stayed so). The time
# is floatd's own: from the log line of the VMAC's re-creation to that of the repair.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
pair_up $adv use_vmac=yes
assert_holders "$VIP4" r1

step "delete vrrp.51 on r1 by hand"
mark=$(log_lines r1)
t0=$EPOCHREALTIME
ip -n "$(ns r1)" link del vrrp.51
# The reconcile period is 5 s; events should make it much quicker than that.
wait_for "has_vip r1 $VIP4" 6 || fail "r1 did not put $VIP4 back on its re-made VMAC within 6 s"
step "$VIP4 back on r1 after $(_since "$t0") s (harness clock)"
made=$(log_ms r1 "$mark" "created VMAC vrrp.51" "$t0") || fail "r1 did not log the VMAC's re-creation"
fixed=$(log_ms r1 "$mark" "added missing $VIP4" "$t0") || fail "r1 did not log the repair of $VIP4"
step "floatd's log: VMAC re-made at +${made} ms, $VIP4 repaired at +${fixed} ms"
assert_cmp "$((fixed - made))" "<=" 5000 "VMAC re-made to VIP repaired (ms, floatd's log), within the reconcile period"
assert_eq "$(addr_proto r1 "$VIP4")" 0x66 "IFA_PROTO of the repaired $VIP4"
assert_state r1 web MASTER
assert_state r2 web BACKUP
assert_holders "$VIP4" r1
wait_for "client_ping $VIP4" 2 || fail "the client cannot reach $VIP4"
repairs=$(status_get r1 web kernel.repairs) || fail "floatctl status has no kernel.repairs"
assert_cmp "$repairs" ">=" 1 "kernel.repairs in floatctl status"
pass
