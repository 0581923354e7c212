#!/usr/bin/env bash
# IPv6 + VMAC (issue 10, defect 9): the VMAC carries its parent's link-local address (adverts
# leave the VMAC from it). When the parent's link-local changes after the VMAC was made, the
# VMAC follows: the new address is added, the old one (floatd's, IFA_PROTO 0x66) removed, and
# the adverts keep flowing (r2 stays Backup).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
old_ll=fe80::fd:ff:fe00:2
new_ll=fe80::99
vmac_has() { ip -n "$(ns r1)" -6 -o addr show dev vrrp6.51 | grep -q " $1/64 "; }
lab_up 2
make_conf r1 priority=150 advert_int=$adv use_vmac=yes virtual_ipaddress=$VIP6/64
make_conf r2 priority=100 advert_int=$adv use_vmac=yes virtual_ipaddress=$VIP6/64
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
wait_for "vmac_has $old_ll" 1 || fail "r1's VMAC does not carry the parent's link-local $old_ll"

step "r1's eth0 gets link-local $new_ll, loses $old_ll"
mark=$(log_lines r1)
t0=$EPOCHREALTIME
ip -n "$(ns r1)" addr add "$new_ll/64" dev eth0 nodad
ip -n "$(ns r1)" addr del "$old_ll/64" dev eth0
wait_for "vmac_has $new_ll && ! vmac_has $old_ll" 6 ||
  fail "r1's VMAC did not follow the parent's link-local: $(ip -n "$(ns r1)" -6 -o addr show dev vrrp6.51)"
step "VMAC follows after $(_since "$t0") s (harness clock)"
fixed=$(log_ms r1 "$mark" "added missing $new_ll" "$t0") || fail "r1 did not log the new link-local"
step "floatd's log: $new_ll added at +${fixed} ms"
hold_state r2 web BACKUP 1
assert_state r1 web MASTER
pass
