#!/usr/bin/env bash
# floatd and FRR 8.4.4 vrrpd in one VRRPv3 virtual router, IPv4 and IPv6 at once (FRR's
# `vrrp 51` runs both families; floatd has instances web and web6 with VRID 51), advert_int 0.1:
#   r1 floatd 150 / r2 FRR 100: election; graceful stop of floatd and preemption back; host
#   death of floatd (link down) and preemption back from FAULT;
#   r1 floatd 50 / r2 FRR 100: election; graceful stop of FRR (vrrpd SIGTERM) and preemption
#   back; host death of FRR.
# FRR is judged by its macvlans (protodown = Backup), floatd by floatctl, both on the wire
# (captures w4 and w6 on the client's port). FRR's adverts leave from its macvlans: the VMACs,
# and for IPv6 the macvlan's (random) link-local address; the client's neighbour entries move
# between floatd's eth0 MAC and FRR's VMACs by gratuitous ARP and unsolicited NA.
# covers: GEN-4, GEN-5, GEN-6 (one VRID, two families), CK-2, CK-3a, PKT-10, SM-6, SM-8,
#         SM-9, SM-12, SM-17, TMR-2, TMR-6, L2-10, L2-20
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
interop_init frr "$@"

ADV=0.1 FAMS="4 6"
lab_up 2
capture_start w4 c 'ip proto 112'
capture_start w6 c 'ip6 proto 112'
fd_conf() {
  make_conf r1 priority="$1" advert_int=$ADV
  add_instance r1 instance=web6 priority="$1" advert_int=$ADV virtual_ipaddress=$VIP6/64
}
fd_conf 150
frr_conf r2 priority=100 advert_int=$ADV vip4=$VIP4 vip6=$VIP6
NEW_MAC[r2/4]=00:00:5e:00:01:33 NEW_MAC[r2/6]=00:00:5e:00:02:33

# both ROLE_R1 ROLE_R2 [HOLD]: r1 (floatd) and r2 (FRR) reach these roles in both families.
both() {
  local f
  for f in 4 6; do
    use_family $f
    wait_role r1 "$1" 2 "" $f
    wait_role r2 "$2" 2 "" $f
  done
}

step "election: floatd r1 (150) and FRR r2 (100)"
start_frr r2
start_floatd r1
IMPL[r1]=floatd
both MASTER BACKUP
t=$EPOCHREALTIME
hold_role r2 BACKUP 0.5 4
for f in 4 6; do
  use_family $f
  assert_sole_sender "$WIRE" "$(adv_src r1 $f)" "$t"
  assert_role r2 BACKUP $f
  wait_for "client_ping $VIP" 2 || fail "the client cannot ping $VIP"
  assert_eq "$(neighbour_mac "$VIP")" "$(router_mac r1)" "client's neighbour entry for $VIP"
done
assert_holders "$VIP4" r1 r1
assert_holders "$VIP6" r1 r1

step "graceful stop of floatd: FRR takes over after its Skew_Time"
takeover r1 r2 graceful 100 signal_floatd r1 TERM
reap_floatd r1 0

step "floatd (150) returns and preempts FRR"
takeover r2 r1 preempt 150 start_floatd r1

step "host death of floatd (link down): FRR takes over after Master_Down_Interval"
takeover r1 r2 death 100 link_down r1

step "r1's link returns: floatd leaves FAULT and preempts"
takeover r2 r1 preempt 150 link_up r1

step "floatd restarts with priority 50 (below FRR's 100)"
stop_floatd r1
wait_role r2 MASTER 2 "" 4
wait_role r2 MASTER 2 "" 6
fd_conf 50
start_floatd r1
both BACKUP MASTER
t=$EPOCHREALTIME
hold_role r1 BACKUP "$(master_down_interval $ADV 50)"
for f in 4 6; do
  use_family $f
  assert_sole_sender "$WIRE" "$(adv_src r2 $f)" "$t"
  assert_status r1 "$INST" master "$(adv_src r2 $f)"
done

step "graceful stop of FRR (SIGTERM to vrrpd): floatd takes over after its Skew_Time"
takeover r2 r1 graceful 50 signal_frr r2 TERM
reap_frr r2

step "FRR (100) returns and preempts floatd"
takeover r1 r2 preempt 100 start_frr r2

step "host death of FRR (link down): floatd takes over after Master_Down_Interval"
takeover r2 r1 death 50 link_down r2
assert_status r1 web stats.drops_total 0
assert_status r1 web6 stats.drops_total 0
takeover_summary
pass
