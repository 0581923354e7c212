#!/bin/bash
# net::Kernel (libnl writes), net::LinkMonitor (libmnl reads) and net/sysctl against the real
# kernel, in one network namespace of our own.
#
#   kernel_test.sh [PATH/TO/kernel_probe]     (without it, the probe is built with g++)
#
# Lab: namespace fdnl-<pid> with a veth pair v0/v1 (both ends inside it); nothing is created in
# the root namespace. Addresses only from 192.168.100.0/24 and 2001:db8::/64. Every probe runs
# under `ip netns exec`. IPv6 DAD stays on, so a VIP added without IFA_F_NODAD would show up
# tentative. Assertions poll with timeouts; the EXIT trap deletes the namespace on every path.
# Exit 0 pass, 1 fail, 77 skip (not root).
set -u

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
NS=fdnl-$$
WORK=$(mktemp -d /tmp/fdnl.XXXXXX)
MON_PID=""
FAILED=0

cleanup() {
  [ -n "$MON_PID" ] && { kill "$MON_PID" 2>/dev/null; wait "$MON_PID" 2>/dev/null; }
  ip netns del "$NS" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

PROBE=${1:-}
if [ -z "$PROBE" ]; then
  ROOT=$HERE/../..
  PROBE=$WORK/kernel_probe
  g++ -std=c++20 -I"$ROOT/include" -I"$ROOT/src" $(pkg-config --cflags libnl-route-3.0 libmnl) \
    "$HERE/kernel_probe.cpp" "$ROOT"/src/net/{netlink_events,interface_name,link_monitor,kernel,sysctl}.cpp \
    "$ROOT"/src/common/{ip_address,text}.cpp -o "$PROBE" $(pkg-config --libs libnl-route-3.0 libmnl) ||
    { echo "FAIL: could not build the probe"; exit 1; }
fi

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }
in_ns() { ip netns exec "$NS" "$@"; }
probe() { in_ns "$PROBE" "$@"; }

# check DESCRIPTION COMMAND...: polls COMMAND every 20 ms for up to 5 s.
check() {
  local what=$1 deadline=$((SECONDS + 5)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { fail "$what"; return 1; }
    sleep 0.02
  done
  ok "$what"
}
# check_run DESCRIPTION COMMAND...: the command itself must succeed (no polling).
check_run() { local what=$1; shift; if "$@" >"$WORK/out" 2>&1; then ok "$what"; else fail "$what: $(cat "$WORK/out")"; fi; }

# addr_matches DEV REGEX: a line of `ip -o addr show dev DEV` matches REGEX.
addr_matches() { in_ns ip -o addr show dev "$1" | grep -q -- "$2"; }
no_addr() { ! addr_matches "$1" " $2 "; }
v6_vip_ready() { in_ns ip -o addr show dev v0 | grep '2001:db8::10/64' | grep nodad | grep -vq tentative; }
link_detail() { in_ns ip -d link show vrrp.51 | grep -q -- "$1"; }
no_link_local() { [ -z "$(in_ns ip -6 addr show dev vrrp.51)" ]; }
link_gone() { ! in_ns ip link show "$1"; }
dump_has_links() {
  local d; d=$(probe dump)
  grep -q 'name=lo ' <<<"$d" && grep -q 'name=v0 ' <<<"$d" && grep -q 'name=v1 ' <<<"$d"
}
sysctl_is() { [ "$(in_ns cat "/proc/sys/net/$1")" = "$2" ]; }
dumped() { probe dump | grep -q -- "$1"; }
monitored() { grep -q -- "$1" "$WORK/monitor"; }

ip netns add "$NS" || { echo "FAIL: ip netns add $NS"; exit 1; }
in_ns ip link set lo up
in_ns ip link add v0 type veth peer name v1 || { echo "FAIL: veth"; exit 1; }
in_ns ip link set v0 up && in_ns ip link set v1 up
V0=$(in_ns cat /sys/class/net/v0/ifindex)

# --- Kernel::add_address / remove_address ------------------------------------------------------
check_run "add IPv4 VIP with label" probe add v0 192.168.100.10/24 v0:vip
if grep -qx created "$WORK/out"; then ok "and says it created it"; else fail "first add said: $(cat "$WORK/out")"; fi
check "IPv4 VIP present with label v0:vip" addr_matches v0 '192.168.100.10/24 .*v0:vip'
check "IPv4 VIP carries IFA_PROTO 0x66" dumped "addr ifindex=$V0 prefix=192.168.100.10/24 label=v0:vip proto=0x66"
if in_ns ip -d addr show dev v0 | grep -q ' proto '; then  # iproute2 >= 6.2 shows it
  shows_proto() { in_ns ip -d addr show dev v0 | grep -A1 192.168.100.10 | grep -q 'proto 0x66'; }
  check "ip -d addr shows proto 0x66" shows_proto
fi
check_run "adding an existing address is not an error" probe add v0 192.168.100.10/24 v0:vip
if grep -qx existed "$WORK/out"; then ok "and says it existed"; else fail "second add said: $(cat "$WORK/out")"; fi
# Defect 3 (issue 10): an address someone else configured is found, not taken over.
in_ns ip addr add 192.168.100.12/24 dev v0
check_run "adding an address configured by ip is not an error" probe add v0 192.168.100.12/24
if grep -qx existed "$WORK/out"; then ok "and says it existed"; else fail "add over a static address said: $(cat "$WORK/out")"; fi
check "the static address is not re-marked (proto 0x00)" dumped "prefix=192.168.100.12/24 label=v0 proto=0x00"
in_ns ip addr del 192.168.100.12/24 dev v0
check_run "add IPv6 VIP" probe add v0 2001:db8::10/64
check "IPv6 VIP is nodad and not tentative" v6_vip_ready
check "IPv6 VIP carries IFA_PROTO 0x66" dumped "prefix=2001:db8::10/64 label= proto=0x66"
if probe add '#9999' 192.168.100.11/24 2>"$WORK/err"; then
  fail "add on a missing interface succeeded"
elif grep -q 'add 192.168.100.11/24 on ifindex 9999: No such device' "$WORK/err"; then
  ok "error names the operation and the reason: $(cat "$WORK/err")"
else
  fail "unexpected error text: $(cat "$WORK/err")"
fi
# Issue 14: a transition's adds in one batch, answers read after; a refused one (no such
# interface) is reported in its place, the others land; the answers match their requests (the
# last repeats the first, which the kernel made a moment before: it existed).
check_run "a batch of adds with one refused" probe add-batch v0,192.168.100.30/24 \
  '#9999,192.168.100.31/24' v0,192.168.100.32/24 v0,192.168.100.30/24
printf 'created\nfailed: add 192.168.100.31/24 on ifindex 9999: No such device\ncreated\nexisted\n' \
  >"$WORK/want"
# The kernel's extended-ACK text, if it gives one, follows in parentheses.
if sed 's/ (.*)$//' "$WORK/out" | diff -u "$WORK/want" - >"$WORK/diff"; then
  ok "each add answered in order, the refused one named"
else
  fail "batch answers: $(cat "$WORK/diff")"
fi
check "the batch's adds carry IFA_PROTO 0x66" dumped "prefix=192.168.100.32/24 label=v0 proto=0x66"
in_ns ip addr del 192.168.100.30/24 dev v0
in_ns ip addr del 192.168.100.32/24 dev v0
check_run "remove IPv4 VIP" probe remove v0 192.168.100.10/24
check "IPv4 VIP gone" no_addr v0 192.168.100.10/24
check_run "removing a missing address is not an error" probe remove v0 192.168.100.10/24
check_run "remove IPv6 VIP" probe remove v0 2001:db8::10/64
check "IPv6 VIP gone" no_addr v0 2001:db8::10/64

# --- Kernel::create_vmac / delete_link -----------------------------------------------------------
check_run "create VMAC vrrp.51" probe vmac v0 vrrp.51 00:00:5e:00:01:33
VMAC_INDEX=$(cut -d= -f2 "$WORK/out")
check "VMAC sits on v0" link_detail 'vrrp.51@v0:'
check "VMAC is a private-mode macvlan" link_detail 'macvlan mode private'
check "VMAC has the virtual MAC" link_detail 'link/ether 00:00:5e:00:01:33'
check "VMAC has addrgenmode none" link_detail 'addrgenmode none'
check "VMAC is up" link_detail '<.*,UP[,>]'
check "VMAC has no IPv6 link-local address (L2-16)" no_link_local
check_run "creating it again reuses it" probe vmac v0 vrrp.51 00:00:5e:00:01:33
if [ "$(cut -d= -f2 "$WORK/out")" = "$VMAC_INDEX" ]; then ok "same ifindex $VMAC_INDEX"; else fail "reuse gave $(cat "$WORK/out"), expected $VMAC_INDEX"; fi
if probe vmac v0 vrrp.51 00:00:5e:00:01:34 2>"$WORK/err"; then
  fail "a VMAC name taken with another MAC was accepted"
else
  ok "name taken with another MAC refused: $(cat "$WORK/err")"
fi

# --- sysctls (L2-19) -----------------------------------------------------------------------------
in_ns sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.v0.rp_filter=0
conf_snapshot() {  # every IPv4 value prepare_vmac_sysctls may touch, on every interface
  in_ns sh -c 'cd /proc/sys/net/ipv4/conf && grep . */arp_ignore */arp_filter */rp_filter */accept_local'
}
BEFORE=$(conf_snapshot)
check_run "prepare then restore the VMAC sysctls" probe sysctl-cycle v0 vrrp.51
AFTER=$(conf_snapshot)
if [ "$BEFORE" = "$AFTER" ]; then ok "restore brought every value back"; else fail "restore: $(diff <(echo "$BEFORE") <(echo "$AFTER"))"; fi
check_run "prepare the VMAC sysctls" probe sysctl v0 vrrp.51
for kv in ipv4/conf/v0/arp_ignore=1 ipv4/conf/v0/arp_filter=1 ipv4/conf/vrrp.51/arp_ignore=1 \
  ipv4/conf/vrrp.51/accept_local=1 ipv4/conf/vrrp.51/rp_filter=0 ipv4/conf/all/rp_filter=0 \
  ipv4/conf/v0/rp_filter=2 ipv4/conf/v1/rp_filter=2 ipv4/conf/default/rp_filter=2; do
  check "sysctl ${kv%=*} = ${kv#*=}" sysctl_is "${kv%=*}" "${kv#*=}"
done

check_run "delete VMAC" probe delete vrrp.51
check "VMAC gone" link_gone vrrp.51
check_run "deleting a missing link is not an error" probe delete "#$VMAC_INDEX"

# --- LinkMonitor: events for changes made with ip, and dump() ------------------------------------
probe monitor 20 >"$WORK/monitor" 2>&1 &
MON_PID=$!
check "monitor subscribed" monitored '^ready'
in_ns ip link set v1 down
check "monitor: v0 carrier down" monitored "link ifindex=$V0 name=v0 up=1 carrier=0"
in_ns ip link set v1 up
check "monitor: v0 carrier up" monitored "link ifindex=$V0 name=v0 up=1 carrier=1"
in_ns ip addr add 192.168.100.20/24 dev v0
check "monitor: IPv4 address added" monitored "addr ifindex=$V0 prefix=192.168.100.20/24 label=v0 proto=0x00 .* deleted=0"
in_ns ip addr add 2001:db8::20/64 dev v0 nodad
check "monitor: IPv6 address added" monitored "addr ifindex=$V0 prefix=2001:db8::20/64 .* deleted=0"
in_ns ip addr del 192.168.100.20/24 dev v0
check "monitor: IPv4 address deleted" monitored "prefix=192.168.100.20/24 .* deleted=1"
in_ns ip link add d0 link v0 type macvlan mode private
check "monitor: new link with its parent" monitored "name=d0 .* parent=$V0 deleted=0"
in_ns ip link del d0
check "monitor: link deleted" monitored "name=d0 .* deleted=1"
kill "$MON_PID" 2>/dev/null; wait "$MON_PID" 2>/dev/null; MON_PID=""

check "dump lists lo, v0 and v1" dump_has_links
check "dump lists the IPv6 address" dumped "addr ifindex=$V0 prefix=2001:db8::20/64"

# --- ENOBUFS: a full queue is reported as an overrun, and dump() recovers ------------------------
check_run "overrun probe" probe overrun v0
if grep -q 'overrun=1 dumped=200' "$WORK/out"; then ok "overrun reported, dump shows all 200 addresses"; else fail "overrun: $(cat "$WORK/out")"; fi

[ "$FAILED" -eq 0 ] && { echo "PASS: kernel_test"; exit 0; }
echo "FAIL: kernel_test"
exit 1
