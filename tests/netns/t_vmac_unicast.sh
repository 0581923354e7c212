#!/usr/bin/env bash
# VMAC with unicast peers (use_vmac = yes, unicast_src_ip / unicast_peer), as keepalived needed
# its PR #1733 for: an advert addressed to the peer's own address carries the peer's eth0 MAC,
# so it arrives on eth0, not on the macvlan; a socket bound to the VMAC alone never sees it.
# Both nodes have the VMAC, so adverts leave from eth0 and its own MAC: sent from the VMAC, the
# bridge learns the virtual MAC on whichever port used it last and drops the peer's replies
# there (the first version of this test saw both nodes deaf and Master for good).
# The bridge floods no multicast to the routers, so only unicast adverts reach them.
#
# 1. Election: r1 (150) MASTER, r2 (100) BACKUP, and r2 stays BACKUP while r1 lives: it hears
#    r1 (a deaf r2 would take over after its Master_Down_Interval, 0.361 s).
# 2. r1's host dies (link down): r2 takes over within its Master_Down_Interval, measured from
#    r1's last advert seen on r2's bridge port (a kernel time stamp) to r2's own log line of the
#    transition: neither the harness's polling nor process start-up is in the bound.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"
_need tcpdump

adv=0.1
vmac=00:00:5e:00:01:33
lab_up 2
make_conf r1 priority=150 advert_int=$adv use_vmac=yes \
  unicast_src_ip=192.168.100.2 unicast_peer=192.168.100.3
make_conf r2 priority=100 advert_int=$adv use_vmac=yes \
  unicast_src_ip=192.168.100.3 unicast_peer=192.168.100.2
block_multicast r1 r2
capture_start to_r2 r2 'ip proto 112'
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
step "r2 must stay BACKUP while r1 lives (Master_Down_Interval $(ms "$(master_down_interval $adv 100)") ms)"
hold_state r2 web BACKUP 2
hold_state r1 web MASTER 0.1
assert_holders "$VIP4" r1
ip -n "$(ns r1)" -o link show | grep -qi "link/ether $vmac" || fail "r1 has no interface with $vmac"
received=$(status_get r2 web stats.adverts_received)
step "r2 received $received adverts"
assert_cmp "$received" ">=" 10 "adverts r2 received from r1"
multicast=$(capture_read to_r2 | grep -c '> 224.0.0.18' || true)
assert_eq "$multicast" 0 "adverts sent to 224.0.0.18"
from_vmac=$(tcpdump -e -n -r "$RUN/to_r2.pcap" 'src host 192.168.100.2' 2>/dev/null | grep -ci "$vmac" || true)
assert_eq "$from_vmac" 0 "r1's adverts sent from the virtual MAC"

step "r1's host dies (link down): r2 takes over"
mark=$(log_lines r2)
mdi=$(master_down_interval $adv 100)
random_phase $adv
t0=$EPOCHREALTIME
link_down r1
wait_state r2 web MASTER "$(add_s "$mdi" 2)" "$t0"
capture_stop to_r2
# The last advert from r1 that reached r2's port, on the kernel's clock (tcpdump -tt).
last=$(tcpdump -tt -n -r "$RUN/to_r2.pcap" 'src host 192.168.100.2 and dst host 192.168.100.3' \
  2>/dev/null | awk 'END {print $1}')
[[ -n $last ]] || fail "no advert from r1 to r2 in the capture"
took=$(log_ms r2 "$mark" 'BACKUP -> MASTER' "$last") || fail "r2 logged no BACKUP -> MASTER"
step "r2 MASTER ${took} ms after r1's last advert (Master_Down_Interval $(ms "$mdi") ms)"
# Not early either. The log time is truncated to the ms and the bound rounded: 2 ms of slack.
assert_cmp "$took" ">=" "$(($(ms "$mdi") - 2))" "takeover after r1's last advert (ms)"
assert_cmp "$took" "<=" "$(ms "$(add_s "$mdi" "$SLACK")")" "takeover after r1's last advert (ms)"
assert_holders "$VIP4" r2 r2  # r1 is unreachable: whatever it holds does not count
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4 through r2"
assert_eq "$(neighbour_mac "$VIP4")" "$vmac" "client's neighbour entry for $VIP4"
pass
