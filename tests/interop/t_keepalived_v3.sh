#!/usr/bin/env bash
# floatd and keepalived 2.2.7 in one VRRPv3/IPv4 virtual router at advert_int 0.1, both ways:
#   r1 floatd 150 / r2 keepalived 100: election; graceful stop of floatd (priority-0 advert) and
#   preemption back; host death of floatd (link down) and preemption back from FAULT;
#   r1 floatd 50 / r2 keepalived 100: election; graceful stop of keepalived and preemption back;
#   host death of keepalived and preemption back.
# Every takeover is checked on the wire (capture on the client's port): the new master's adverts
# start, the old one's stop, the gap is within the RFC bound, and the client's neighbour entry
# for the VIP follows (gratuitous ARP, without a ping that would re-resolve it).
# covers: SM-5, SM-6, SM-7, SM-8, SM-9, SM-12, TMR-1, TMR-2, TMR-3, TMR-6, MODE-1, L2-10, CK-3a,
#         SM-17 (link down: floatd and keepalived both drop the VIP)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
interop_init keepalived "$@"

ADV=0.1
lab_up 2
src1=192.168.100.2 src2=192.168.100.3
capture_start wire c 'ip proto 112'
make_conf r1 priority=150 advert_int=$ADV
ka_conf r2 priority=100 advert_int=$ADV

step "election: floatd r1 (150) and keepalived r2 (100)"
start_keepalived r2
start_floatd r1
IMPL[r1]=floatd
wait_role r1 MASTER 2
wait_role r2 BACKUP 1
hold_role r2 BACKUP 0.5
t=$EPOCHREALTIME
sleep 0.5
assert_sole_sender wire $src1 "$t"
assert_holders "$VIP4" r1
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4"
assert_eq "$(neighbour_mac "$VIP4")" "$(router_mac r1)" "client's neighbour entry for $VIP4"

step "graceful stop of floatd: keepalived takes over after its Skew_Time"
takeover r1 r2 graceful 100 signal_floatd r1 TERM
reap_floatd r1 0
assert_holders "$VIP4" r2

step "floatd (150) returns and preempts keepalived"
takeover r2 r1 preempt 150 start_floatd r1
assert_holders "$VIP4" r1

step "host death of floatd (link down): keepalived takes over after Master_Down_Interval"
takeover r1 r2 death 100 link_down r1
wait_role r1 FAULT 1
assert_holders "$VIP4" r2

step "r1's link returns: floatd leaves FAULT and preempts"
takeover r2 r1 preempt 150 link_up r1
assert_holders "$VIP4" r1

step "floatd restarts with priority 50 (below keepalived's 100)"
stop_floatd r1
wait_role r2 MASTER 1
make_conf r1 priority=50 advert_int=$ADV
start_floatd r1
hold_role r1 BACKUP "$(master_down_interval $ADV 50)"
t=$EPOCHREALTIME
sleep 0.5
assert_sole_sender wire $src2 "$t"
assert_status r1 web master $src2
assert_holders "$VIP4" r2

step "graceful stop of keepalived: floatd takes over after its Skew_Time"
takeover r2 r1 graceful 50 signal_keepalived r2 TERM
reap_keepalived r2
assert_holders "$VIP4" r1

step "keepalived (100) returns and preempts floatd"
takeover r1 r2 preempt 100 start_keepalived r2
assert_holders "$VIP4" r2

step "host death of keepalived (link down): floatd takes over after Master_Down_Interval"
takeover r2 r1 death 50 link_down r2
assert_holders "$VIP4" r1

step "r2's link returns: keepalived preempts"
takeover r1 r2 preempt 100 link_up r2
assert_holders "$VIP4" r2
assert_status r1 web stats.drops_total 0
takeover_summary
pass
