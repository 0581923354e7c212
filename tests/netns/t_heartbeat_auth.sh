#!/usr/bin/env bash
# Authenticated heartbeat path (issue 11, scenario 6): forged, wrong-key, truncated, replayed
# and reflected adverts on the path are dropped under their reason, and nothing moves.
#
# r1 (150, MASTER) and r2 (100, BACKUP) share the lab LAN (eth0, plain RFC 5798) and a heartbeat
# link eth1 (198.51.100.1 / .2) with `heartbeat_path = eth1 peer OTHER` and the same
# `heartbeat_key`. The heartbeat link is a bridge in its own namespace with a third port for the
# attacker (namespace x, 198.51.100.9): that is where someone who could forge on a crossover
# cable would stand. The attacker sends from its own MAC with the IP source spoofed as the other
# router (tests/netns/heartbeat_forge.py), priority 255 to the Master r1 (obeyed, r1 would
# yield) and 0 to the Backup r2 (obeyed, r2 would take over after Skew_Time, 61 ms). The real
# adverts it replays are captured on r1's port of the heartbeat bridge (a wiretap).
#
# Checked first, on the wire: the advert on eth0 is plain (12 bytes, no trailer); the one on
# eth1 carries the 40-byte trailer, TTL 255, and its HMAC verifies in Python with the key file
# (so the Python seal is floatd's). Then per kind, on both routers: the drop counted under its
# exact reason and on the eth1 path (and nothing else counted), no transition in either log,
# r2 BACKUP through Skew_Time + 3 x advert_int after the last one, the VIP on r1 only:
#   forged     20 to each: auth_forged
#   wrong_key  20 to each: auth_forged
#   truncated  20 to each: auth_truncated
#   replay     20 to r2 of a live advert captured a moment before: auth_replayed
#   resign     20 to r2 of r1's priority-0 advert captured during a handover (obeyed, r2 would
#              take over): auth_replayed
#   reflected  20 to r1 of r1's captured advert with source and destination swapped (priority
#              150 from the higher address: obeyed, r1 would yield): auth_forged
# Positive controls, the same packets with a good seal: 20 sealed with the right key and a
# fresh sequence, priority 100, to r1 are accepted (eth1 adverts_in +20, no drop, r1 stays
# MASTER); metrics agree with the status; and last, priority 0 sealed the same way makes r2 take
# over and priority 255 makes r1 yield, so the forged ones above failed on their seal alone.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"
_need "$PY"
FORGE=$NETNS_DIR/heartbeat_forge.py
adv=0.1
n=20  # adverts per kind and target
hold=$(add_s "$(skew_time $adv 100)" "$(awk -v a=$adv 'BEGIN {print 3 * a}')")  # 0.361 s

forge() { "$PY" -I "$FORGE" "$@"; }

lab_up 2

# The heartbeat link: bridge hb0 in namespace hb, ports h-r1, h-r2 (eth1 of r1, r2) and h-x
# (eth0 of the attacker x). Quiet IPv6 where it is not needed.
_ns_add hb
_ns_add x
in_ns hb sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
in_ns x sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$(ns hb)" link add hb0 type bridge stp_state 0 forward_delay 0
ip -n "$(ns hb)" link set hb0 up
hb_port() {  # NAME IFNAME OCTET
  ip -n "$(ns hb)" link add "h-$1" type veth peer name "$2" netns "$(ns "$1")"
  ip -n "$(ns hb)" link set "h-$1" master hb0 up
  ip -n "$(ns "$1")" link set "$2" address "$(printf '02:fd:00:01:00:%02x' "$3")"
  ip -n "$(ns "$1")" addr add "198.51.100.$3/24" dev "$2"
  ip -n "$(ns "$1")" link set "$2" up
}
hb_port r1 eth1 1
hb_port r2 eth1 2
hb_port x eth0 9
wait_for "in_ns x ping -c 1 -W 1 -q 198.51.100.1 >/dev/null 2>&1" 5 || fail "x cannot reach r1's eth1"
wait_for "in_ns x ping -c 1 -W 1 -q 198.51.100.2 >/dev/null 2>&1" 5 || fail "x cannot reach r2's eth1"

key=$RUN/hb.key
wrong=$RUN/wrong.key
(umask 077 && head -c 32 /dev/urandom | base64 >"$key" && head -c 32 /dev/urandom | base64 >"$wrong")
make_conf r1 priority=150 advert_int=$adv "heartbeat_path=eth1 peer 198.51.100.2" heartbeat_key="$key"
make_conf r2 priority=100 advert_int=$adv "heartbeat_path=eth1 peer 198.51.100.1" heartbeat_key="$key"
for r in r1 r2; do
  in_ns $r "$FLOATD" -t -f "$RUN/$r.conf" >"$RUN/$r.check" 2>&1 || fail "$r.conf does not check: $(cat "$RUN/$r.check")"
done
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
wait_for "[[ \$(forge path \"\$FLOATCTL\" \"\$RUN/r2.sock\" web eth1 state) == ok ]]" 2 ||
  fail "r2 does not hear r1 on eth1: $(status_json r2)"
assert_holders $VIP4 r1

# ---------------------------------------------------------------------------------------------
step "wire: eth0 plain RFC 5798, eth1 sealed"
in_ns br "$PY" -I "$FORGE" capture p-r1 192.168.100.2 224.0.0.18 1 2 >"$RUN/eth0.hex" ||
  fail "no advert from r1 on eth0 within 2 s"
in_ns hb "$PY" -I "$FORGE" capture h-r1 198.51.100.1 198.51.100.2 1 2 >"$RUN/live.hex" ||
  fail "no advert from r1 on eth1 within 2 s"
eth0=$(forge inspect "$(cat "$RUN/eth0.hex")" "$key")
eth1=$(forge inspect "$(cat "$RUN/live.hex")" "$key")
step "  eth0: $eth0"
step "  eth1: $eth1"
[[ " $eth0 " == *" ttl=255 vrrp_len=12 version=3 vrid=51 prio=150 count=1 msg_len=12 trailer=0 "* ]] ||
  fail "the advert on eth0 is not a plain 12-byte v3 advert: $eth0"
[[ " $eth1 " == *" ttl=255 vrrp_len=52 version=3 vrid=51 prio=150 count=1 msg_len=12 trailer=40 "* &&
  " $eth1 " == *" hmac=ok "* ]] ||
  fail "the advert on eth1 is not a 12-byte advert with a 40-byte trailer whose HMAC verifies: $eth1"

# r1's priority-0 advert on eth1, from a handover to r2 and back (its sequence keeps rising).
step "capture r1's priority-0 advert on eth1 (handover to r2 and back)"
in_ns hb "$PY" -I "$FORGE" capture h-r1 198.51.100.1 198.51.100.2 1 5 0 "$RUN/resign.ready" \
  >"$RUN/resign.hex" &
cap=$!
LAB_PIDS+=("$cap")
wait_for "[[ -e '$RUN/resign.ready' ]]" 5 || fail "the capture on h-r1 did not start"
"$FLOATCTL" -s "$RUN/r1.sock" handover web >/dev/null || fail "floatctl handover on r1 failed"
wait_state r2 web MASTER 1
wait "$cap" || fail "no priority-0 advert from r1 on eth1 during the handover"
resign=$(forge inspect "$(cat "$RUN/resign.hex")" "$key")
step "  eth1 resign: $resign"
[[ " $resign " == *" prio=0 "* && " $resign " == *" hmac=ok "* ]] || fail "bad resign capture: $resign"
"$FLOATCTL" -s "$RUN/r2.sock" handover web >/dev/null || fail "floatctl handover on r2 failed"
wait_state r1 web MASTER 1
wait_state r2 web BACKUP 1
wait_for "[[ \$(vip_holders $VIP4) == r1 ]]" 2 || fail "$VIP4 is held by [$(vip_holders $VIP4)] after the handovers"
# The live advert to replay: one from r1's current run of sequence numbers.
in_ns hb "$PY" -I "$FORGE" capture h-r1 198.51.100.1 198.51.100.2 1 2 >"$RUN/live.hex" ||
  fail "no advert from r1 on eth1 within 2 s"

# ---------------------------------------------------------------------------------------------
declare -A MARK=()

# attack LABEL KIND TARGETS ARG EXPECT_R1 EXPECT_R2: sends KIND (n adverts each) to each of
# TARGETS ("r1 r2", "r1", "r2") from x, then checks that r2 stays BACKUP for Skew_Time +
# 3 x advert_int after the last, that r1 and r2 counted exactly EXPECT_R1 / EXPECT_R2
# (heartbeat_forge.py delta, "none" for nothing), that neither logged a transition and that only
# r1 holds the VIP. To r1, 200/s: one obeyed priority-255 advert makes the Master yield at once.
# To r2, 13/s: 77 ms apart, more than r2's Skew_Time (61 ms), so that each obeyed priority-0
# advert would on its own make r2 take over unless r1's next advert came within 61 ms (39% of
# phases); closer together, only the last of a burst could.
attack() {
  local label=$1 kind=$2 targets=$3 arg=$4 r t got
  local -A want=([r1]=$5 [r2]=$6) rate=([r1]=200 [r2]=13)
  for r in r1 r2; do
    forge snap "$FLOATCTL" "$RUN/$r.sock" >"$RUN/$r.$label.before"
    MARK[$r]=$(log_lines $r)
  done
  for t in $targets; do
    in_ns x "$PY" -I "$FORGE" send "$kind" "$t" $n "${rate[$t]}" "$key" "$arg" >/dev/null ||
      fail "heartbeat_forge.py send $kind $t"
  done
  hold_state r2 web BACKUP "$hold"
  for r in r1 r2; do
    if ! wait_for "[[ \$(forge delta \"\$FLOATCTL\" \"\$RUN/$r.sock\" \"\$RUN/$r.$label.before\") == '${want[$r]}' ]]" 2; then
      got=$(forge delta "$FLOATCTL" "$RUN/$r.sock" "$RUN/$r.$label.before")
      fail "$label: $r counted [$got], expected [${want[$r]}]"
    fi
  done
  assert_eq "$(transitions_logged r1 "${MARK[r1]}")" 0 "$label: transitions logged by r1"
  assert_eq "$(transitions_logged r2 "${MARK[r2]}")" 0 "$label: transitions logged by r2"
  assert_state r1 web MASTER
  assert_holders $VIP4 r1
  step "$label -> ${targets// /, }: r1 [${want[r1]}], r2 [${want[r2]}]; no transition, VIP on r1"
}

both() { echo "web.$1=$n web.path.eth1.drops=$n"; }
attack forged forged "r1 r2" "" "$(both auth_forged)" "$(both auth_forged)"
wait_logged r2 "${MARK[r2]}" "dropped advert from 198.51.100.1 on eth1: heartbeat HMAC does not verify"
attack wrong_key wrong_key "r1 r2" "$wrong" "$(both auth_forged)" "$(both auth_forged)"
attack truncated truncated "r1 r2" "" "$(both auth_truncated)" "$(both auth_truncated)"
attack replay replay r2 "$RUN/live.hex" none "$(both auth_replayed)"
attack resign replay r2 "$RUN/resign.hex" none "$(both auth_replayed)"
attack reflected reflected r1 "$RUN/live.hex" "$(both auth_forged)" none

# ---------------------------------------------------------------------------------------------
step "positive control: sealed with the right key, fresh sequence, priority 100, to r1"
in_before=$(forge path "$FLOATCTL" "$RUN/r1.sock" web eth1 adverts_in)
attack valid valid r1 100 none none
in_after=$(forge path "$FLOATCTL" "$RUN/r1.sock" web eth1 adverts_in)
assert_eq "$((in_after - in_before))" "$n" "valid: r1's eth1 adverts_in grew by"
step "  r1 eth1 adverts_in $in_before -> $in_after"

step "metrics agree with the status"
for r in r1 r2; do
  "$FLOATCTL" -s "$RUN/$r.sock" metrics >"$RUN/$r.metrics"
  for reason in auth_forged auth_truncated auth_replayed; do
    m=$(awk -v p="floatd_adverts_dropped_total{instance=\"web\",interface=\"eth0\",vrid=\"51\",family=\"ipv4\",reason=\"$reason\"} " \
      'index($0, p) == 1 {print $NF}' "$RUN/$r.metrics")
    assert_eq "$m" "$(status_get $r web "stats.drops.$reason")" "$r metrics $reason"
  done
  m=$(awk -v p='floatd_path_drops_total{instance="web",interface="eth0",vrid="51",family="ipv4",path="eth1"} ' \
    'index($0, p) == 1 {print $NF}' "$RUN/$r.metrics")
  assert_eq "$m" "$(forge path "$FLOATCTL" "$RUN/$r.sock" web eth1 drops)" "$r metrics path eth1 drops"
  step "  $r: floatd_path_drops_total{path=eth1} $m;" \
    "forged $(status_get $r web stats.drops.auth_forged)," \
    "truncated $(status_get $r web stats.drops.auth_truncated)," \
    "replayed $(status_get $r web stats.drops.auth_replayed)"
done

# Last, the other positive controls: the forged kinds' priorities with a good seal are obeyed,
# so the drops above came from the seal alone. They end the run: the fresh sequence sent to r2
# as r1's is above r1's own, so r2 drops r1's real eth1 adverts as replays from then on.
step "positive control: priority 0 sealed with the right key, as r1's, makes r2 take over"
mark=$(log_lines r2)
in_ns x "$PY" -I "$FORGE" send valid r2 $n 13 "$key" 0 >/dev/null &
sender=$!
LAB_PIDS+=("$sender")
wait_logged r2 "$mark" "BACKUP -> MASTER" 3
step "  r2: ${LOGGED_LINE}"
wait "$sender" || fail "heartbeat_forge.py send valid r2"
wait_state r2 web BACKUP 2  # r1's next advert on eth0 (priority 150) sends it back

step "positive control: priority 255 sealed with the right key, as r2's, makes r1 yield"
mark=$(log_lines r1)
in_ns x "$PY" -I "$FORGE" send valid r1 3 100 "$key" 255 >/dev/null || fail "heartbeat_forge.py send valid r1"
wait_logged r1 "$mark" "MASTER -> BACKUP" 2
step "  r1: ${LOGGED_LINE}"
[[ $LOGGED_LINE == *198.51.100.2* ]] || fail "r1 yielded, but not to 198.51.100.2: $LOGGED_LINE"
pass
