#!/usr/bin/env bash
# floatd and keepalived 2.2.7 in one VRRPv2 virtual router (advert_int 1 s) with simple password
# authentication (keepalived `authentication { auth_type PASS auth_pass secret12 }`, floatd
# auth_type = PASS, auth_pass = secret12) and the virtual MAC on both (keepalived use_vmac,
# floatd use_vmac = yes):
#   r1 floatd 150 / r2 keepalived 100: election; graceful stop of floatd and preemption back;
#   r1 floatd 50 / r2 keepalived 100: election; graceful stop of keepalived;
#   a wrong password on floatd: each drops the other's adverts, both become MASTER.
# The adverts leave from 00:00:5e:00:01:33 and carry "secret12"; the client's neighbour entry
# for the VIP is that VMAC throughout, and it reaches the VIP after every takeover.
# covers: PKT-3, PKT-10, CK-1, GEN-4, RX-9, RX-13 (PASS is RFC 2338's type 1, which RFC 3768
#         reserves: an extension both implement), TMR-4, SM-6, SM-8, SM-9, L2-6, L2-10
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
interop_init "keepalived tshark" "$@"

ADV=1 VERSION=2
vmac=00:00:5e:00:01:33
lab_up 2
src1=192.168.100.2 src2=192.168.100.3
capture_start wire c 'ip proto 112'
fd_conf() {
  make_conf r1 priority="$1" advert_int=$ADV version=2 use_vmac=yes auth_type=PASS auth_pass="${2:-secret12}"
}
fd_conf 150
ka_conf r2 priority=100 advert_int=$ADV version=2 use_vmac=yes auth_pass=secret12
NEW_MAC[r1]=$vmac NEW_MAC[r2]=$vmac

step "election: floatd r1 (150) and keepalived r2 (100)"
start_keepalived r2
start_floatd r1
IMPL[r1]=floatd
wait_role r1 MASTER "$(add_s "$(master_down_interval $ADV 150 2)" 2)"
wait_role r2 BACKUP 1
t=$EPOCHREALTIME
hold_role r2 BACKUP 3.2
assert_sole_sender wire $src1 "$t"
assert_status r1 web version 2
assert_holders "$VIP4" r1
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4"
assert_eq "$(neighbour_mac "$VIP4")" "$vmac" "client's neighbour entry for $VIP4"
macs=$(adverts wire | awk -v s=$src1 -v t="$t" '$3 == s && $1 > t {print $2}' | sort -u | tr '\n' ' ')
assert_eq "$macs" "$vmac " "source MACs of floatd's adverts"
pw=$(tshark -n -r "$RUN/wire.pcap" -Y "ip.src == $src1" -T fields -e vrrp.auth_type -e vrrp.auth_string 2>/dev/null | sort -u)
assert_eq "$pw" "1	secret12" "auth type and data of floatd's adverts"

step "graceful stop of floatd: keepalived takes over after its Skew_Time"
takeover r1 r2 graceful 100 signal_floatd r1 TERM
reap_floatd r1 0
assert_holders "$VIP4" r2
pw=$(tshark -n -r "$RUN/wire.pcap" -Y "ip.src == $src2" -T fields -e vrrp.auth_type -e vrrp.auth_string 2>/dev/null | sort -u)
assert_eq "$pw" "1	secret12" "auth type and data of keepalived's adverts"

step "floatd (150) returns and preempts keepalived"
takeover r2 r1 preempt 150 start_floatd r1
assert_holders "$VIP4" r1

step "floatd restarts with priority 50 (below keepalived's 100)"
stop_floatd r1
wait_role r2 MASTER 1
fd_conf 50
start_floatd r1
t=$EPOCHREALTIME
hold_role r1 BACKUP 2.5
assert_sole_sender wire $src2 "$t" 9e12 2
assert_status r1 web master $src2
assert_holders "$VIP4" r2

step "graceful stop of keepalived: floatd takes over after its Skew_Time"
takeover r2 r1 graceful 50 signal_keepalived r2 TERM
reap_keepalived r2
assert_holders "$VIP4" r1
assert_status r1 web stats.drops_total 0

step "checksums: tshark finds every VRRPv2 advert valid"
got=$(tshark_checksums "$RUN/wire.pcap" FALSE)
[[ $got == *" 0 bad 0 other" ]] || fail "VRRPv2 checksums: $got"
step "  $got"

step "a wrong password on floatd: both drop the other's adverts and become MASTER"
stop_floatd r1
fd_conf 150 wrong123
t=$EPOCHREALTIME
start_keepalived r2
start_floatd r1
wait_role r1 MASTER "$(add_s "$(master_down_interval $ADV 150 2)" 1)"
wait_role r2 MASTER "$(add_s "$(master_down_interval $ADV 100 2)" 1)"
hold_role r2 MASTER 2.2
hold_role r1 MASTER 0.1
assert_cmp "$(count_adverts wire $src1 "$t")" ">=" 2 "floatd's adverts"
# Only >= 1: keepalived 2.2.7 as Master re-arms its advert timer on every advert it receives,
# even one it drops, so while floatd's adverts keep arriving it skips its own for up to ~3 s,
# then sends right after each of floatd's (seen here: 2.85 s between its first two).
assert_cmp "$(count_adverts wire $src2 "$t")" ">=" 1 "keepalived's adverts"
drops=$(status_get r1 web stats | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
print(s["drops_total"], s["drops"]["auth_mismatch"])')
read -r total auth <<<"$drops"
assert_cmp "$auth" ">=" 1 "floatd's auth_mismatch drops"
assert_eq "$total" "$auth" "floatd's drops other than auth_mismatch"
grep -q 'received an invalid passwd' "$RUN/r2.log" || fail "keepalived did not log the wrong password"
takeover_summary
pass
