#!/bin/bash
# net::VrrpSocket and net::Announcer against the real kernel, in network namespaces only.
#
#   socket_test.sh PATH/TO/vrrp_socket_probe
#
# Lab: namespace fdsock-<pid>-br holds br0 (no STP, no multicast snooping: lab-notes.md) and the
# bridge ends of two veth pairs whose far ends are created straight in fdsock-<pid>-a and
# fdsock-<pid>-b, so nothing is ever created in the root namespace. A also has two VMAC macvlans.
# The probe sends VRRPv3 adverts (multicast from the parent and from a VMAC, and unicast) and the
# announcements from A; B receives the adverts; tcpdump on br0 records the wire.
# Checks: RX-1 / PKT-12 (TTL / hop limit 255), PKT-10 (VMAC source MAC), PKT-11 (source
# address), PKT-15 (TOS 0xc0, no loopback), decode() accepts, L2-10 (GARP and NA fields).
# Exit 0 pass, 1 fail, 77 skip (not root, or a tool missing).
set -u

PROBE=${1:?usage: socket_test.sh PATH/TO/vrrp_socket_probe}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
for tool in ip bridge tcpdump tshark; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

TAG=fdsock-$$
NS_BR=$TAG-br NS_A=$TAG-a NS_B=$TAG-b
WORK=$(mktemp -d /tmp/fdsock.XXXXXX)
PIDS=()
FAILED=0

cleanup() {
  local ns pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  for ns in "$NS_A" "$NS_B" "$NS_BR"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done  # ours only
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() { echo "FAIL: $*"; FAILED=1; }
pass() { echo "ok: $*"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 50 ms until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "FAIL: timed out waiting for $what"; exit 1; }
    sleep 0.05
  done
}

quiet_ipv6() {  # no DAD, RA or RS: addresses usable at once, a quiet segment (lab-notes.md)
  for conf in all default; do
    for kv in accept_dad=0 dad_transmits=0 accept_ra=0 router_solicitations=0; do
      in_ns "$1" sysctl -qw "net.ipv6.conf.$conf.$kv"
    done
  done
}

build_lab() {
  ip netns add "$NS_BR" && ip netns add "$NS_A" && ip netns add "$NS_B" || exit 1
  quiet_ipv6 "$NS_A"; quiet_ipv6 "$NS_B"
  in_ns "$NS_BR" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$NS_BR" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 \
    mcast_querier 0 || exit 1
  ip -n "$NS_BR" link set br0 up
  local side ns mac
  for side in a b; do
    ns=$TAG-$side
    mac=02:fd:00:00:00:0$side
    ip -n "$NS_BR" link add "p$side" type veth peer name eth0 netns "$ns" || exit 1
    ip -n "$NS_BR" link set "p$side" master br0 up
    ip -n "$ns" link set eth0 address "$mac" addrgenmode none
    ip -n "$ns" link set eth0 up
    ip -n "$ns" addr add "fe80::$side/64" dev eth0 nodad
  done
  ip -n "$NS_A" addr add 192.168.100.1/24 dev eth0
  ip -n "$NS_B" addr add 192.168.100.2/24 dev eth0
  ip -n "$NS_A" addr add 2001:db8::1/64 dev eth0 nodad
  ip -n "$NS_B" addr add 2001:db8::2/64 dev eth0 nodad
  # VMACs for VRID 51 (GEN-4); the IPv6 one carries the parent's link-local, as keepalived does.
  local fam
  for fam in 1 2; do
    ip -n "$NS_A" link add "vmac$fam" link eth0 type macvlan mode bridge || exit 1
    ip -n "$NS_A" link set "vmac$fam" address "00:00:5e:00:0$fam:33" addrgenmode none
    ip -n "$NS_A" link set "vmac$fam" up
  done
  ip -n "$NS_A" addr add fe80::a/64 dev vmac2 nodad
  wait_for 10 "bridge ports forwarding" ports_forwarding
}

ports_forwarding() {
  [ "$(bridge -n "$NS_BR" link show | grep -c 'state forwarding')" -eq 2 ]
}

start_capture() {
  # Background jobs run `ip netns exec` directly (it execs), so $! is the program itself.
  ip netns exec "$NS_BR" tcpdump -i br0 -n -U --immediate-mode -Z root -w "$WORK/wire.pcap" >/dev/null \
    2>"$WORK/tcpdump.err" &
  PIDS+=($!)
  CAPTURE_PID=$!
  wait_for 10 "tcpdump to listen" grep -q 'listening on' "$WORK/tcpdump.err"
}

# wire FILTER FIELDS...: one line per matching frame on br0, fields tab-separated.
wire() {
  local filter=$1; shift
  local args=()
  for f in "$@"; do args+=(-e "$f"); done
  tshark -r "$WORK/wire.pcap" -Y "$filter" -T fields "${args[@]}" 2>/dev/null
}
wire_has() { [ -n "$(wire "$1" frame.number)" ]; }

# start_receiver NAME FAMILY COUNT: a probe in B collecting COUNT adverts (5 s at most).
start_receiver() {
  ip netns exec "$NS_B" "$PROBE" recv "$2" eth0 "$3" 5000 >"$WORK/$1.out" 2>"$WORK/$1.err" &
  PIDS+=($!)
  RECEIVER_PID=$!
  wait_for 5 "receiver $1 ready" grep -q '^ready' "$WORK/$1.out"
}

send_from_a() {  # send_from_a ARGS...: one advert; asserts our own copy is not looped back
  local out
  out=$(in_ns "$NS_A" "$PROBE" send "$@" 2>&1) || { fail "send $*: $out"; return; }
  [ "$out" = "sent looped 0" ] && pass "send $*: not looped back" || fail "send $*: $out"
}

# check_received NAME FAMILY EXPECTED-LINE-PATTERNS...: receiver exited 0 and printed each.
check_received() {
  local name=$1; shift
  wait "$RECEIVER_PID" || fail "$name receiver: $(cat "$WORK/$name.err")"
  local pattern
  for pattern in "$@"; do
    grep -qE "$pattern" "$WORK/$name.out" && pass "$name: $pattern" ||
      { fail "$name: no line like '$pattern'"; cat "$WORK/$name.out"; }
  done
}

test_adverts_v4() {
  local idx_b; idx_b=$(in_ns "$NS_B" cat /sys/class/net/eth0/ifindex)
  start_receiver rx4 v4 3
  send_from_a v4 eth0 192.168.100.1 224.0.0.18
  send_from_a v4 eth0 192.168.100.1 224.0.0.18 vmac1
  send_from_a v4 eth0 192.168.100.1 192.168.100.2
  local ok="ifindex=$idx_b src=192\.168\.100\.1 dst=DST hop=255 len=12 decode=ok vrid=51 prio=100"
  local group='224\.0\.0\.18' unicast='192\.168\.100\.2'
  check_received rx4 "${ok/DST/$group}" "${ok/DST/$unicast}"
  [ "$(grep -c 'dst=224.0.0.18' "$WORK/rx4.out")" -eq 2 ] && pass "rx4: both multicast adverts" ||
    fail "rx4: expected 2 multicast adverts"
}

test_adverts_v6() {
  local idx_b; idx_b=$(in_ns "$NS_B" cat /sys/class/net/eth0/ifindex)
  start_receiver rx6 v6 3
  send_from_a v6 eth0 fe80::a ff02::12
  send_from_a v6 eth0 fe80::a ff02::12 vmac2
  send_from_a v6 eth0 fe80::a fe80::b
  local ok="ifindex=$idx_b src=fe80::a dst=DST hop=255 len=40 decode=ok vrid=51 prio=100 count=2"
  check_received rx6 "${ok/DST/ff02::12}" "${ok/DST/fe80::b}"
  [ "$(grep -c 'dst=ff02::12' "$WORK/rx6.out")" -eq 2 ] && pass "rx6: both multicast adverts" ||
    fail "rx6: expected 2 multicast adverts"
}

# The loopback check above must be able to fail: with loop turned on, our copy comes back.
test_loopback_control() {
  local fam out
  for fam in "v4 192.168.100.1 224.0.0.18" "v6 fe80::a ff02::12"; do
    set -- $fam
    out=$(in_ns "$NS_A" "$PROBE" send "$1" eth0 "$2" "$3" --loop 2>&1)
    [ "$out" = "sent looped 1" ] && pass "$1 loopback control sees its copy" ||
      fail "$1 loopback control: $out"
  done
}

test_announcements() {
  local idx1 idx2
  idx1=$(in_ns "$NS_A" cat /sys/class/net/vmac1/ifindex)
  idx2=$(in_ns "$NS_A" cat /sys/class/net/vmac2/ifindex)
  [ -n "$idx1" ] && [ -n "$idx2" ] || { fail "no VMAC ifindex"; return; }
  in_ns "$NS_A" "$PROBE" garp vmac1 00:00:5e:00:01:33 192.168.100.100 || fail "garp send"
  in_ns "$NS_A" "$PROBE" na vmac2 00:00:5e:00:02:33 fe80::a 2001:db8::100 1 || fail "na send"
}

expect_wire() {  # expect_wire DESCRIPTION EXPECTED FILTER FIELDS...: every matching frame
  local what=$1 expected=$2; shift 2
  local got; got=$(wire "$@" | sort -u)
  [ "$got" = "$expected" ] && pass "wire: $what" ||
    { fail "wire: $what"; echo "  expected: $expected"; echo "  got:      ${got//$'\n'/ | }"; }
}

check_wire() {
  wait_for 10 "GARP on the wire" wire_has 'arp.src.proto_ipv4 == 192.168.100.100'
  wait_for 10 "NA on the wire" wire_has 'icmpv6.type == 136 && ipv6.dst == ff02::1'
  wait_for 10 "adverts on the wire" wire_has 'ipv6.nxt == 112 && ipv6.dst == fe80::b'
  kill "$CAPTURE_PID" 2>/dev/null; wait "$CAPTURE_PID" 2>/dev/null
  local T=$'\t'
  expect_wire "IPv4 adverts: TTL 255, TOS 0xc0, checksum good" "255${T}0xc0${T}1" \
    'ip.proto == 112' ip.ttl ip.dsfield vrrp.checksum.status
  expect_wire "IPv4 advert source MACs (parent, VMAC: PKT-10)" \
    "00:00:5e:00:01:33${T}224.0.0.18"$'\n'"02:fd:00:00:00:0a${T}192.168.100.2"$'\n'"02:fd:00:00:00:0a${T}224.0.0.18" \
    'ip.proto == 112' eth.src ip.dst
  expect_wire "IPv6 adverts: hop limit 255, traffic class 0xc0, checksum good" \
    "255${T}0x000000c0${T}1" 'ipv6.nxt == 112' ipv6.hlim ipv6.tclass vrrp.checksum.status
  expect_wire "IPv6 advert source MACs (parent, VMAC: PKT-10)" \
    "00:00:5e:00:02:33${T}ff02::12"$'\n'"02:fd:00:00:00:0a${T}fe80::b"$'\n'"02:fd:00:00:00:0a${T}ff02::12" \
    'ipv6.nxt == 112' eth.src ipv6.dst
  expect_wire "gratuitous ARP (L2-10)" \
    "ff:ff:ff:ff:ff:ff${T}00:00:5e:00:01:33${T}1${T}00:00:5e:00:01:33${T}192.168.100.100${T}00:00:00:00:00:00${T}192.168.100.100" \
    'arp.src.proto_ipv4 == 192.168.100.100' eth.dst eth.src arp.opcode arp.src.hw_mac \
    arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4
  expect_wire "unsolicited NA (L2-10)" \
    "33:33:00:00:00:01${T}00:00:5e:00:02:33${T}fe80::a${T}ff02::1${T}255${T}1${T}0${T}1${T}2001:db8::100${T}00:00:5e:00:02:33${T}1" \
    'icmpv6.type == 136 && ipv6.dst == ff02::1' eth.dst eth.src ipv6.src ipv6.dst ipv6.hlim \
    icmpv6.nd.na.flag.r icmpv6.nd.na.flag.s icmpv6.nd.na.flag.o icmpv6.nd.na.target_address \
    icmpv6.opt.linkaddr icmpv6.checksum.status
}

build_lab
start_capture
test_adverts_v4
test_adverts_v6
test_loopback_control
test_announcements
check_wire
[ "$FAILED" -eq 0 ] && echo "PASS" && exit 0
echo "FAILED"
exit 1
