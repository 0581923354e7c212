#!/usr/bin/env bash
# The IPv6 router role (PKT-7, L2-7, L2-8, L2-13): two floatd routers with use_vmac and
# send_ra; a client with accept_ra=2 takes the virtual link-local fe80::200:5eff:fe00:233 as its
# default router from the Master, answers its Router Solicitation, keeps the same default
# router across a graceful failover (the neighbour entry is the VMAC), and sees r1's final RA
# with router lifetime 0. The Master's NA for the VIP carries the Router flag and the virtual
# MAC. radvd, with the equivalent settings in a namespace pair of its own, is the reference:
# one RA from each, their dissections (tshark) compared field by field.
# covers: PKT-7, L2-7, L2-8, L2-13, ERR-6
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"
_need tshark
_need radvd

adv=0.1
vll=fe80::200:5eff:fe00:233
vmac=00:00:5e:00:02:33
prefix=2001:db8:100::/64
# radvd 2.19 takes MinRtrAdvInterval as 0.33 * Max even below 9 s (its man page says 0.75) and
# then refuses 1.32 s: both get 3 s written out.
ra_keys=(send_ra=yes ra_max_interval=4 ra_min_interval=3 ra_link_mtu=1500 ra_prefix=$prefix)

default_router() { ip -n "$(ns c)" -6 route show default | awk '/^default via/ {print $3; exit}'; }
# ra_fields PCAP FILTER: the fields that two equivalent routers must agree on, one per line.
ra_fields() {
  tshark -r "$1" -Y "$2" -T fields -E occurrence=a -E separator=/s \
    -e eth.dst -e ipv6.dst -e ipv6.hlim -e icmpv6.type -e icmpv6.code -e icmpv6.checksum.status \
    -e icmpv6.nd.ra.cur_hop_limit -e icmpv6.nd.ra.flag -e icmpv6.nd.ra.router_lifetime \
    -e icmpv6.nd.ra.reachable_time -e icmpv6.nd.ra.retrans_timer -e icmpv6.opt.type \
    -e icmpv6.opt.length -e icmpv6.opt.prefix.length -e icmpv6.opt.prefix.flag \
    -e icmpv6.opt.prefix.valid_lifetime -e icmpv6.opt.prefix.preferred_lifetime \
    -e icmpv6.opt.prefix -e icmpv6.opt.mtu 2>/dev/null | head -n 1 | tr ' ' '\n'
}
# ra_dissect PCAP FILTER: tshark -V of the first packet FILTER matches (-c counts packets read).
ra_dissect() {
  local n
  n=$(tshark -r "$1" -Y "$2" -T fields -e frame.number 2>/dev/null | head -n 1)
  tshark -r "$1" -Y "frame.number == ${n:-0}" -V 2>/dev/null
}
# solicit: one Router Solicitation from the client to ff02::2 (hop limit 255, RFC 4861 6.1.1).
solicit() {
  in_ns c "$PY" -I -S -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex("eth0"))
s.sendto(bytes([133, 0, 0, 0, 0, 0, 0, 0]), ("ff02::2", 0, 0, socket.if_nametoindex("eth0")))'
}

lab_up 2
in_ns c sysctl -qw net.ipv6.conf.eth0.accept_ra=2 net.ipv6.conf.eth0.accept_ra_defrtr=1
make_conf r1 priority=150 advert_int=$adv use_vmac=yes virtual_ipaddress=$VIP6/64 "${ra_keys[@]}"
make_conf r2 priority=100 advert_int=$adv use_vmac=yes virtual_ipaddress=$VIP6/64 "${ra_keys[@]}"
capture_start client c 'icmp6'
capture_start r1 r1 'icmp6'
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1

step "the client learns $vll as its default router from r1"
wait_for "[[ \$(default_router) == $vll ]]" 5 ||
  fail "client's default route: '$(ip -n "$(ns c)" -6 route show default)', expected via $vll"
[[ $(ip -n "$(ns r1)" -6 -o addr show dev vrrp6.51) == *" $vll/64 "* ]] ||
  fail "r1's VMAC does not hold $vll: $(ip -n "$(ns r1)" -6 -o addr show dev vrrp6.51)"
[[ $(ip -n "$(ns r2)" -6 -o addr show dev vrrp6.51) != *" $vll/64 "* ]] ||
  fail "r2 (Backup) holds $vll"
[[ $(in_ns r1 cat /proc/sys/net/ipv6/conf/vrrp6.51/forwarding) == 1 ]] ||
  fail "r1's VMAC has IPv6 forwarding off: its NS replies lack the Router flag"
[[ $(in_ns r1 cat /proc/sys/net/ipv6/conf/eth0/forwarding) == 0 ]] ||
  fail "floatd turned on forwarding on r1's own eth0"

step "a Router Solicitation from the client is answered by r1 within 0.5 s (RFC 4861 6.2.6)"
before=$(tshark -r "$RUN/r1.pcap" -Y 'icmpv6.type == 134' 2>/dev/null | wc -l)
solicit
# At most MIN_DELAY_BETWEEN_RAS + MAX_RA_DELAY_TIME (3.5 s) away; the bound is checked below.
wait_for "[[ \$(tshark -r '$RUN/r1.pcap' -Y 'icmpv6.type == 134' 2>/dev/null | wc -l) -gt $before ]]" 5 ||
  fail "no RA from r1 after the client's RS"
# On the wire (kernel timestamps): the RS, the last RA before it, the first RA after it. RFC 4861
# 6.2.6: the answer is due 0..0.5 s after the RS, or after the last multicast RA plus
# MIN_DELAY_BETWEEN_RAS (3 s) when that is later.
read -r rs_to_ra bound < <(tshark -r "$RUN/client.pcap" \
  -Y "icmpv6.type == 133 || (icmpv6.type == 134 && ipv6.src == $vll)" \
  -T fields -e frame.time_epoch -e icmpv6.type 2>/dev/null |
  awk '$2 == 134 && rs == "" {last = $1}
       $2 == 133 && rs == "" {rs = $1}
       $2 == 134 && rs != "" {due = rs; if (last != "" && last + 3 > due) due = last + 3
                              printf "%.3f %.3f\n", $1 - rs, due + 0.5 - rs; exit}')
step "RS -> RA: ${rs_to_ra:-?} s on the wire, bound ${bound:-?} s"
awk -v d="${rs_to_ra:-}" -v b="${bound:-}" -v s="$SLACK" 'BEGIN {exit !(d != "" && d >= 0 && d <= b + s)}' ||
  fail "RS answered after '${rs_to_ra:-}' s, bound ${bound:-} s + ${SLACK} s slack"

step "the Master's NA for $VIP6 has the Router flag and the virtual MAC (L2-7, ERR-6)"
flush_neighbours
wait_for "client_ping $VIP6" 2 || fail "the client cannot ping $VIP6"
assert_eq "$(neighbour_mac "$VIP6")" "$vmac" "client's neighbour entry for $VIP6"
wait_for "[[ -n \$(tshark -r '$RUN/client.pcap' -Y 'icmpv6.type == 136 && icmpv6.nd.na.target_address == $VIP6 && icmpv6.nd.na.flag.s == 1' 2>/dev/null) ]]" 2 ||
  fail "no solicited NA for $VIP6 in the client's capture"
na=$(tshark -r "$RUN/client.pcap" -Y "icmpv6.type == 136 && icmpv6.nd.na.target_address == $VIP6 && icmpv6.nd.na.flag.s == 1" \
  -T fields -e eth.src -e icmpv6.nd.na.flag.r -e icmpv6.opt.linkaddr 2>/dev/null | tail -n 1)
step "NA: eth.src, R, target link-layer = $na"
[[ $na == "$vmac"$'\t'"1"$'\t'"$vmac" || $na == "$vmac"$'\t'"True"$'\t'"$vmac" ]] ||
  fail "the NA for $VIP6 is '$na', expected from $vmac with R=1 and TLLA $vmac"

step "L2-13: NS sent by the Master (r1 resolving the client) carry the virtual MAC?"
in_ns r1 ip -6 neigh flush dev vrrp6.51 2>/dev/null || true
in_ns r1 ping -6 -c 1 -W 1 -I "$VIP6" 2001:db8:100::10 >/dev/null 2>&1 || true
ns_line=$(tshark -r "$RUN/r1.pcap" -Y 'icmpv6.type == 135 && icmpv6.nd.ns.target_address == 2001:db8:100::10' \
  -T fields -e eth.src -e ipv6.src -e icmpv6.opt.linkaddr 2>/dev/null | tail -n 1)
step "r1's NS for the client: eth.src, IPv6 source, source link-layer = ${ns_line:-none}"
echo "L2-13 evidence: $ns_line" >>"$RUN/evidence"

step "SIGTERM to r1: a final RA with lifetime 0 from r1, r2 takes over, the client keeps $vll"
signal_floatd r1 TERM
wait_state r2 web MASTER 2
reap_floatd r1 0
wait_for "[[ -n \$(tshark -r '$RUN/r1.pcap' -Y 'icmpv6.type == 134 && icmpv6.nd.ra.router_lifetime == 0 && ipv6.src == $vll' 2>/dev/null) ]]" 2 ||
  fail "no RA with router lifetime 0 from r1's port"
wait_for "[[ \$(default_router) == $vll ]]" 5 ||
  fail "client's default route after failover: '$(ip -n "$(ns c)" -6 route show default)'"
wait_for "client_ping $vll%eth0" 2 || fail "the client cannot ping $vll through r2"
assert_eq "$(ip -n "$(ns c)" neigh show "$vll" dev eth0 | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')" \
  "$vmac" "client's neighbour entry for the default router $vll"
[[ $(ip -n "$(ns r2)" -6 -o addr show dev vrrp6.51) == *" $vll/64 "* ]] ||
  fail "r2 (now Master) does not hold $vll"
capture_stop r1
capture_stop client

step "radvd with the same settings, in a namespace pair of its own: one RA each, compared"
_ns_add rd
_ns_add rdc
ip -n "$(ns rd)" link add eth0 type veth peer name eth0 netns "$(ns rdc)"
ip -n "$(ns rd)" link set eth0 address 02:fd:00:00:00:99
in_ns rd sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv6.conf.eth0.accept_dad=0
in_ns rdc sysctl -qw net.ipv6.conf.eth0.accept_dad=0
ip -n "$(ns rd)" link set eth0 up
ip -n "$(ns rdc)" link set eth0 up
cat >"$RUN/radvd.conf" <<CONF
interface eth0 {
  AdvSendAdvert on;
  MaxRtrAdvInterval 4;
  MinRtrAdvInterval 3;
  AdvLinkMTU 1500;
  prefix $prefix { };
};
CONF
# radvd refuses an interface without a usable link-local address ("not ready").
wait_for "ip -n '$(ns rd)' -6 addr show dev eth0 scope link | grep -q inet6 &&
  ! ip -n '$(ns rd)' -6 addr show dev eth0 scope link | grep -q tentative" 5 ||
  fail "rd's eth0 has no link-local address"
in_ns rdc tcpdump -n -U --immediate-mode -i eth0 -w "$RUN/radvd.pcap" icmp6 >"$RUN/radvd.tcpdump" 2>&1 &
LAB_PIDS+=("$!")
wait_for "grep -qs 'listening on' '$RUN/radvd.tcpdump'" 5 || fail "tcpdump in rdc did not start"
in_ns rd radvd -n -C "$RUN/radvd.conf" -p "$RUN/radvd.pid" -m stderr >"$RUN/radvd.log" 2>&1 &
LAB_PIDS+=("$!")
wait_for "[[ -n \$(tshark -r '$RUN/radvd.pcap' -Y 'icmpv6.type == 134 && icmpv6.nd.ra.router_lifetime > 0' 2>/dev/null) ]]" 10 ||
  fail "no RA from radvd: $(cat "$RUN/radvd.log")"
ours=$(ra_fields "$RUN/client.pcap" "icmpv6.type == 134 && ipv6.src == $vll && icmpv6.nd.ra.router_lifetime > 0")
theirs=$(ra_fields "$RUN/radvd.pcap" 'icmpv6.type == 134 && icmpv6.nd.ra.router_lifetime > 0')
ra_dissect "$RUN/client.pcap" "icmpv6.type == 134 && ipv6.src == $vll && icmpv6.nd.ra.router_lifetime > 0" >"$RUN/ra-floatd.txt"
ra_dissect "$RUN/radvd.pcap" 'icmpv6.type == 134 && icmpv6.nd.ra.router_lifetime > 0' >"$RUN/ra-radvd.txt"
if ! diff <(echo "$ours") <(echo "$theirs") >"$RUN/ra.diff"; then
  echo "--- floatd's RA (tshark -V) ---" >&2
  cat "$RUN/ra-floatd.txt" >&2
  echo "--- radvd's RA (tshark -V) ---" >&2
  cat "$RUN/ra-radvd.txt" >&2
  fail "floatd's RA differs from radvd's: $(tr '\n' ' ' <"$RUN/ra.diff")"
fi
step "fields equal: $(echo "$ours" | tr '\n' ' ')"
# The Source Link-Layer Address option carries the sender's own MAC in both.
slla=$(tshark -r "$RUN/client.pcap" -Y "icmpv6.type == 134 && ipv6.src == $vll" -T fields \
  -e eth.src -e icmpv6.opt.linkaddr 2>/dev/null | head -n 1)
assert_eq "$slla" "$vmac"$'\t'"$vmac" "floatd's RA: Ethernet source and SLLA"
pass
