#!/usr/bin/env bash
# floatd and keepalived 2.2.7 in one VRRPv3/IPv6 virtual router at advert_int 1 (the default):
#   r1 floatd 150 / r2 keepalived 100: election; graceful stop of floatd and preemption back;
#   host death of floatd (link down);
#   r1 floatd 50 / r2 keepalived 100: election; graceful stop of keepalived.
# Adverts go from each eth0's link-local address to ff02::12 and carry the global VIP only
# (keepalived warns that the first address should be link-local, PKT-7; both accept it). The
# client's ND entry for the VIP follows every takeover by unsolicited NA.
# covers: GEN-3, CK-2, PKT-11, SM-5, SM-6, SM-8, SM-9, SM-12, TMR-1, TMR-2, L2-10, RX-14
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
interop_init keepalived "$@"

ADV=1 FAM=6 VIP=$VIP6
lab_up 2
capture_start wire c 'ip6 proto 112'
make_conf r1 priority=150 advert_int=$ADV virtual_ipaddress=$VIP6/64
ka_conf r2 priority=100 advert_int=$ADV vip=$VIP6/64
ll1=$(adv_src r1 6) ll2=$(adv_src r2 6)

step "election: floatd r1 (150) and keepalived r2 (100)"
start_keepalived r2
start_floatd r1
IMPL[r1]=floatd
wait_role r1 MASTER "$(add_s "$(master_down_interval $ADV 150)" 2)"
wait_role r2 BACKUP 1
t=$EPOCHREALTIME
hold_role r2 BACKUP 3.2
assert_sole_sender wire "$ll1" "$t"
assert_status r1 web family ipv6
assert_holders "$VIP6" r1
wait_for "client_ping $VIP6" 2 || fail "the client cannot ping $VIP6"
assert_eq "$(neighbour_mac "$VIP6")" "$(router_mac r1)" "client's neighbour entry for $VIP6"
wait_for "grep -q 'first IPv6 VIP address should be link local' '$RUN/r2.log'" 1 ||
  fail "keepalived did not warn about the global first address (PKT-7)"

step "graceful stop of floatd: keepalived takes over after its Skew_Time"
takeover r1 r2 graceful 100 signal_floatd r1 TERM
reap_floatd r1 0
assert_holders "$VIP6" r2

step "floatd (150) returns and preempts keepalived"
takeover r2 r1 preempt 150 start_floatd r1
assert_holders "$VIP6" r1

step "host death of floatd (link down): keepalived takes over after Master_Down_Interval"
takeover r1 r2 death 100 link_down r1
assert_holders "$VIP6" r2

step "floatd restarts with priority 50 (below keepalived's 100)"
stop_floatd r1
link_up r1
make_conf r1 priority=50 advert_int=$ADV virtual_ipaddress=$VIP6/64
start_floatd r1
t=$EPOCHREALTIME
hold_role r1 BACKUP 2.5
assert_sole_sender wire "$ll2" "$t" 9e12 2
assert_status r1 web master "$ll2"
assert_holders "$VIP6" r2

step "graceful stop of keepalived: floatd takes over after its Skew_Time"
takeover r2 r1 graceful 50 signal_keepalived r2 TERM
reap_keepalived r2
assert_holders "$VIP6" r1
assert_status r1 web stats.drops_total 0
takeover_summary
pass
