#!/usr/bin/env bash
# VMAC (use_vmac = yes): the VIP lives on a macvlan with MAC 00:00:5e:00:01:33 (VRID 51), the
# adverts leave from that MAC, and the client's neighbour entry for the VIP is the VMAC, before
# and after a failover (the MAC moves, the client's entry does not change).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
vmac=00:00:5e:00:01:33
lab_up 2
make_conf r1 priority=150 advert_int=$adv use_vmac=yes
make_conf r2 priority=100 advert_int=$adv use_vmac=yes
capture_start adverts r1 'ip proto 112'
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
assert_holders "$VIP4" r1
ip -n "$(ns r1)" -o link show | grep -qi "link/ether $vmac" || fail "r1 has no interface with $vmac"
# tcpdump -e prints the source MAC first.
wait_for "capture_read_e adverts | grep -q '^[0-9:.]* $vmac > 01:00:5e:00:00:12'" 2 ||
  fail "r1's adverts do not leave from $vmac: $(capture_read_e adverts | head -n 2)"
capture_stop adverts

step "the client resolves the VIP to $vmac"
flush_neighbours
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4"
assert_eq "$(neighbour_mac "$VIP4")" "$vmac" "client's neighbour entry for $VIP4"

step "SIGTERM to r1: r2 takes the VMAC over"
signal_floatd r1 TERM
wait_state r2 web MASTER 2
reap_floatd r1 0
assert_holders "$VIP4" r2
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4 through r2"
assert_eq "$(neighbour_mac "$VIP4")" "$vmac" "client's neighbour entry for $VIP4"
pass
