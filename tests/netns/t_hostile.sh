#!/usr/bin/env bash
# Hostile adverts: one kind of malformed or unwelcome advert after another from the client
# (tests/netns/hostile.py), each carrying priority 255 or 0 where a priority exists, so that
# acceptance would move the routers. For every kind:
#   1. no transition in either router's log since the kind started;
#   2. the drop counted under its exact reason on the instance the VRID byte names (and nothing
#      else counted), or in the top-level unknown_vrid_drops;
#   3. on the wire (tcpdump on the bridge ports of r1 and r2 for the whole test): the master's
#      adverts of every instance kept their cadence (no gap > 3 x advert_int) and the backup
#      sent no advert at all (even a flap healed in a millisecond shows there);
# and after the line-rate flood the "dropped advert" log lines stay rate-limited.
# One lab and one floatd per router with four instances, so no restarts between groups:
#   web  VRID 51 v3 IPv4 multicast, advert_int 0.1
#   web6 VRID 52 v3 IPv6 multicast, advert_int 0.1
#   old  VRID 61 v2 IPv4 multicast, auth_type PASS "secret12", advert_int 1
#   uni  VRID 71 v3 IPv4 unicast between r1 and r2, advert_int 0.1
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"
_need tcpdump
_need "$PY"
HOSTILE=$NETNS_DIR/hostile.py

lab_up 2

# write_conf NAME PRIORITY SELF PEER
write_conf() {
  cat >"$RUN/$1.conf" <<EOF
[global]
router_id = $1

[instance web]
interface = eth0
virtual_router_id = 51
priority = $2
advert_int = 0.1
version = 3
virtual_ipaddress = $VIP4/24
garp_master_delay = 0

[instance web6]
interface = eth0
virtual_router_id = 52
priority = $2
advert_int = 0.1
version = 3
virtual_ipaddress = $VIP6/64

[instance old]
interface = eth0
virtual_router_id = 61
priority = $2
advert_int = 1
version = 2
auth_type = PASS
auth_pass = secret12
virtual_ipaddress = 192.168.100.101/24
garp_master_delay = 0

[instance uni]
interface = eth0
virtual_router_id = 71
priority = $2
advert_int = 0.1
version = 3
unicast_src_ip = $3
unicast_peer = $4
virtual_ipaddress = 192.168.100.102/24
garp_master_delay = 0
EOF
}
write_conf r1 150 192.168.100.2 192.168.100.3
write_conf r2 100 192.168.100.3 192.168.100.2
"$FLOATD" -t --config-only -f "$RUN/r1.conf" >/dev/null || fail "r1.conf does not check"

# Every VRRP frame but the client's, on the bridge port of each router, for the whole test.
filter='(ip proto 112 or ip6 proto 112) and not ether src 02:fd:00:00:00:0a'
capture_start cap1 r1 "$filter"
capture_start cap2 r2 "$filter"

instances=(web web6 old uni)
start_floatd r1
start_floatd r2
for i in "${instances[@]}"; do wait_state r1 "$i" MASTER 6; done
for i in "${instances[@]}"; do wait_state r2 "$i" BACKUP 1; done
sleep 0.3  # r2's last words before BACKUP (none expected) stay outside the first window

: >"$RUN/windows"
declare -A MARK=()  # router -> log line count when the current kind started

# hostile KIND COUNT RATE HOLD_S EXPECT: sends KIND from the client, waits HOLD_S (a late effect
# of an accepted advert shows by then: skew time of the backup), then checks the log and that
# both routers counted exactly EXPECT ("inst.reason" or "unknown_vrid_drops") COUNT times.
hostile() {
  local kind=$1 count=$2 rate=$3 hold=$4 expect=$5 r t0 t1 sent got want
  for r in r1 r2; do
    "$PY" "$HOSTILE" snap "$FLOATCTL" "$RUN/$r.sock" >"$RUN/$r.$kind.before"
    MARK[$r]=$(log_lines $r)
  done
  t0=$EPOCHREALTIME
  sent=$(in_ns c "$PY" "$HOSTILE" send "$kind" "$count" "$rate") || fail "hostile.py send $kind"
  sleep "$hold"
  for r in r1 r2; do
    want="$expect=$sent"
    if ! wait_for "[[ \$(\"\$PY\" \"\$HOSTILE\" delta \"\$FLOATCTL\" \"\$RUN/$r.sock\" \
        \"\$RUN/$r.$kind.before\") == '$want' ]]" 2; then
      got=$("$PY" "$HOSTILE" delta "$FLOATCTL" "$RUN/$r.sock" "$RUN/$r.$kind.before")
      fail "$kind: $r counted [$got], expected [$want]"
    fi
  done
  t1=$EPOCHREALTIME
  echo "$kind $t0 $t1" >>"$RUN/windows"
  assert_eq "$(transitions_logged r1 "${MARK[r1]}")" 0 "$kind: transitions logged by r1"
  assert_eq "$(transitions_logged r2 "${MARK[r2]}")" 0 "$kind: transitions logged by r2"
  step "$kind: sent $sent, counted as $expect on r1 and r2, no transition"
}

hold3=0.3  # 3 x advert_int of the v3 instances, more than the skew time of r2 (0.061 s)
holdv2=0.8 # skew time of r2 in v2 with priority 100: 0.61 s
hostile ttl64 20 200 $hold3 web.bad_ttl
hostile bad_checksum_v3 20 200 $hold3 web.bad_checksum
hostile message_only_checksum 20 200 $hold3 web.checksum_form
hostile version1 20 200 $hold3 web.bad_version
hostile type2 20 200 $hold3 web.bad_type
hostile unknown_vrid 20 200 $hold3 unknown_vrid_drops
hostile count_larger 20 200 $hold3 web.length_mismatch
hostile count_smaller 20 200 $hold3 web.length_mismatch
hostile truncated 20 200 $hold3 web.too_short
hostile oversized 20 200 $hold3 web.length_mismatch
hostile zero_interval 20 200 $hold3 web.zero_interval
hostile ipv4_in_ipv6 20 200 $hold3 web6.length_mismatch
hostile non_peer 20 200 $hold3 uni.not_peer
hostile bad_checksum_v2 10 50 $holdv2 old.bad_checksum
hostile v2_interval 10 50 $holdv2 old.interval_mismatch
hostile v2_wrong_password 10 50 $holdv2 old.auth_mismatch
hostile carp 10 50 $holdv2 old.length_mismatch

# The flood: bad-checksum v3 adverts for VRID 51 at line rate for 3 s. With two CPUs shared by
# the sender and both floatd, a raw socket's receive queue overflows now and then: the kernel
# counts those in /proc/net/raw (drops, the last column) and eth0 rx_dropped (the veth backlog).
# Every advert sent must be either counted by floatd or among those kernel drops, and the
# kernel may drop at most half (measured here: 6-23%; a stuck floatd would lose nearly all).
kernel_drops() {
  local sock rx
  sock=$(in_ns "$1" cat /proc/net/raw /proc/net/raw6 | awk '$NF ~ /^[0-9]+$/ {s += $NF} END {print s + 0}')
  rx=$(in_ns "$1" cat /sys/class/net/eth0/statistics/rx_dropped)
  echo $((sock + rx))
}
declare -A kdrops=()
for r in r1 r2; do
  "$PY" "$HOSTILE" snap "$FLOATCTL" "$RUN/$r.sock" >"$RUN/$r.flood.before"
  MARK[$r]=$(log_lines $r)
  kdrops[$r]=$(kernel_drops $r)
done
step "flood: bad_checksum at line rate for 3 s"
t0=$EPOCHREALTIME
sent=$(in_ns c "$PY" "$HOSTILE" send flood 0 0) || fail "hostile.py send flood"
sleep $hold3
for r in r1 r2; do
  got=$("$PY" "$HOSTILE" delta "$FLOATCTL" "$RUN/$r.sock" "$RUN/$r.flood.before")
  lost=$(($(kernel_drops $r) - kdrops[$r]))
  step "flood: sent $sent, $r counted [$got], the kernel dropped $lost before floatd"
  [[ $got =~ ^web\.bad_checksum=([0-9]+)$ ]] ||
    fail "flood: $r counted [$got], expected only web.bad_checksum"
  counted=${BASH_REMATCH[1]}
  assert_cmp $((counted + lost)) ">=" "$sent" "flood: $r counted + kernel drops (sent $sent)"
  assert_cmp "$lost" "<=" $((sent / 2)) "flood: $r kernel drops (sent $sent)"
done
t1=$EPOCHREALTIME
echo "flood $t0 $t1" >>"$RUN/windows"
assert_eq "$(transitions_logged r1 "${MARK[r1]}")" 0 "flood: transitions logged by r1"
assert_eq "$(transitions_logged r2 "${MARK[r2]}")" 0 "flood: transitions logged by r2"

# Rate-limited log: at most 5 "dropped advert" lines per 10 s per instance (instance.cpp drop()),
# so over T seconds at most 5 x (ceil(T / 10) + 1).
elapsed_s=$(($(_sec_to_us "$(_since "$t0")") / 1000000 + 1))
bound=$((5 * ((elapsed_s + 9) / 10 + 1)))
for r in r1 r2; do
  lines=$(log_since $r "${MARK[$r]}" | grep -c 'dropped advert' || true)
  step "flood: $r logged $lines 'dropped advert' lines in ${elapsed_s} s (bound $bound)"
  assert_cmp "$lines" "<=" "$bound" "flood: $r 'dropped advert' log lines"
done

for i in "${instances[@]}"; do
  assert_state r1 "$i" MASTER
  assert_state r2 "$i" BACKUP
done
sleep 0.1
capture_stop cap1
capture_stop cap2
step "wire: the master's cadence and the backup's silence, per kind"
if ! "$PY" "$HOSTILE" analyze "$RUN/cap1.pcap" "$RUN/cap2.pcap" "$RUN/windows" \
  02:fd:00:00:00:02 02:fd:00:00:00:03 51:4:0.1 52:6:0.1 61:4:1 71:4:0.1 >"$RUN/analyze.out"; then
  cat "$RUN/analyze.out"
  fail "the capture shows a flap or a gap in the master's adverts"
fi
sed 's/^/    /' "$RUN/analyze.out"
pass
