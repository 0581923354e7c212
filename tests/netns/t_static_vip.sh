#!/usr/bin/env bash
# Own what you touch (issue 10, defect 3): r2 has the VIP 192.168.100.100/24 configured
# statically on eth0 (an admin's address, or an owner's real one) before floatd starts. When r2
# is Master its add finds the address there and must leave it alone: it is still there after
# r2 goes back to Backup (preemption), after a carrier flap as Master, and after floatd stops.
# A second VIP that floatd did add (192.168.100.101) is removed each time, as it should be.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
vip2=192.168.100.101
lab_up 2
ip -n "$(ns r2)" addr add "$VIP4/24" dev eth0
assert_eq "$(addr_proto r2 "$VIP4")" unset "the static address's IFA_PROTO"
make_conf r1 priority=150 advert_int=$adv virtual_ipaddress="$VIP4/24" virtual_ipaddress="$vip2/24"
make_conf r2 priority=100 advert_int=$adv virtual_ipaddress="$VIP4/24" virtual_ipaddress="$vip2/24"
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
assert_vip r2 "$VIP4"

r2_master() {  # r1 stops: r2 takes over and adds vip2 (VIP4 is there already)
  stop_floatd r1
  wait_state r2 web MASTER 2
  wait_for "has_vip r2 $vip2" 1 || fail "r2 did not add $vip2 as Master"
  assert_eq "$(addr_proto r2 "$VIP4")" unset "IFA_PROTO of the static $VIP4 on the Master"
}

step "r2 becomes Master, then Backup again when r1 comes back (preemption)"
r2_master
start_floatd r1
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
wait_for "! has_vip r2 $vip2" 1 || fail "r2 did not remove $vip2 (its own) as Backup"
assert_vip r2 "$VIP4"

step "carrier flap on r2 while Master: Fault, then back"
r2_master
ip -n "$(ns br)" link set p-r2 down
wait_state r2 web FAULT 2
ip -n "$(ns br)" link set p-r2 up
wait_state r2 web MASTER 3
assert_vip r2 "$VIP4"

step "floatd on r2 stops while Master"
stop_floatd r2
assert_vip r2 "$VIP4"
assert_no_vip r2 "$vip2"
pass
