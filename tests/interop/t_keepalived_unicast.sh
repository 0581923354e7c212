#!/usr/bin/env bash
# floatd and keepalived 2.2.7 in unicast mode (floatd unicast_src_ip/unicast_peer, keepalived
# unicast_src_ip/unicast_peer {}), VRRPv3/IPv4 at advert_int 0.1. The bridge floods no
# multicast to either router, so only the unicast adverts can make them agree.
#   r1 floatd 150 / r2 keepalived 100: election; graceful stop of floatd (the priority-0
#   advert goes by unicast) and preemption back;
#   r1 floatd 50 / r2 keepalived 100: election; graceful stop of keepalived.
# The v3/IPv4 checksum of unicast adverts covers a pseudo-header with the unicast destination
# (CK-4): tshark checks every advert of both.
# covers: RX-17, CK-3a, CK-4, SM-6, SM-8, SM-9, SM-12, TMR-6
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
interop_init "keepalived tshark" "$@"

ADV=0.1 WIRE=u
lab_up 2
src1=192.168.100.2 src2=192.168.100.3
block_multicast r1 r2
capture_start u r1 'ip proto 112'  # r1's port: what r1 sends and what reaches it
make_conf r1 priority=150 advert_int=$ADV unicast_src_ip=$src1 unicast_peer=$src2
ka_conf r2 priority=100 advert_int=$ADV unicast_src_ip=$src2 unicast_peer=$src1

step "election: floatd r1 (150) and keepalived r2 (100), unicast"
start_keepalived r2
start_floatd r1
IMPL[r1]=floatd
wait_role r1 MASTER 2
wait_role r2 BACKUP 1
t=$EPOCHREALTIME
hold_role r2 BACKUP 0.6
assert_sole_sender u $src1 "$t"
assert_holders "$VIP4" r1
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4"
assert_eq "$(neighbour_mac "$VIP4")" "$(router_mac r1)" "client's neighbour entry for $VIP4"

step "graceful stop of floatd: its unicast priority-0 advert hands over to keepalived"
takeover r1 r2 graceful 100 signal_floatd r1 TERM
reap_floatd r1 0

step "floatd (150) returns and preempts keepalived"
takeover r2 r1 preempt 150 start_floatd r1

step "floatd restarts with priority 50 (below keepalived's 100)"
stop_floatd r1
wait_role r2 MASTER 1
make_conf r1 priority=50 advert_int=$ADV unicast_src_ip=$src1 unicast_peer=$src2
start_floatd r1
t=$EPOCHREALTIME
hold_role r1 BACKUP "$(master_down_interval $ADV 50)"
assert_sole_sender u $src2 "$t"
assert_status r1 web master $src2

step "graceful stop of keepalived: floatd takes over"
takeover r2 r1 graceful 50 signal_keepalived r2 TERM
reap_keepalived r2
assert_holders "$VIP4" r1
assert_status r1 web stats.drops_total 0

step "on the wire: unicast only, every checksum valid with the unicast pseudo-header"
capture_stop u
n_uni=$(adverts u | awk -v a=$src1 -v b=$src2 '($3 == a && $4 == b) || ($3 == b && $4 == a)' | wc -l)
n_all=$(adverts u | wc -l)
assert_eq "$n_all" "$n_uni" "adverts that are not unicast between r1 and r2"
assert_cmp "$(adverts u | awk -v b=$src2 '$3 == b' | wc -l)" ">=" 5 "keepalived's unicast adverts"
got=$(tshark_checksums "$RUN/u.pcap" FALSE)
step "  $n_all unicast adverts; tshark (pseudo-header form): $got"
assert_eq "$got" "$n_all good 0 bad 0 other" "tshark's checksum verdicts"
takeover_summary
pass
