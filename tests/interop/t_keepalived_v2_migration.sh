#!/usr/bin/env bash
# Migrating a keepalived 2.2.7 VRRPv2 pair to VRRPv3 one node at a time with floatd's
# v2_compat (RFC 5798 / RFC 9568 §8.4.2; rfc-checklist IOP-1..IOP-4):
#   0. keepalived r1 (150) and r2 (100), VRRPv2 at advert_int 1 s.
#   1. r2 (the Backup) becomes floatd, version 3, v2_compat = yes, advert_int 0.1: it hears
#      keepalived's v2 adverts and stays Backup, timing out on keepalived's 1 s (IOP-1, IOP-3),
#      also at its start, before it has heard anyone (state_machine.cpp
#      initial_master_interval()); keepalived stays Master. Nothing moves. keepalived at 150
#      outranks floatd's sub-second rate, which RFC 9568 §8.4.2.1.1 says it SHOULD NOT: floatd
#      warns once (IOP-4). Replacing the Backup first is still the order that moves nothing
#      here; the warning says what to change when the v2 routers stay longer.
#   2. keepalived r1 stops (priority-0 v2 advert): floatd r2 takes over after Skew_Time on
#      keepalived's rate, 609 ms, and sends a v3 and a v2 advert every 0.1 s (IOP-2).
#   3. r1 becomes floatd too, plain VRRPv3 (no v2_compat) at 150: no VRRPv2 router is left
#      after this step, and the mode is NOT RECOMMENDED beyond the upgrade (§8.4.2), so the new
#      node speaks only v3; the dual r2 hears it as any v3 router. r1 preempts r2 (make before
#      break); r2 ignores nothing now, drops nothing, and reports the v3 Master that sends no v2
#      (IOP-3's MAY), which is the operator's cue for step 4.
#   4. r2 is reloaded with v2_compat = no (SIGHUP): nothing moves, the wire is VRRPv3 only.
# At every step: exactly one Master, judged on both sides (floatctl status, keepalived's VIP)
# and on the wire (one live sender); and the client's probe (ICMP echo every 1 ms to the VIP)
# has no gap beyond the protocol's window: 0 when the Master stays; at step 2 the measured time
# from keepalived's priority-0 advert to floatd's first gratuitous ARP, itself within Skew_Time
# on keepalived's rate + SLACK; at step 3 (make before break) the measured time from r1's first
# advert, on which r2 lets the VIP go, to r1's first gratuitous ARP, within SLACK; each plus
# SLACK and the probe's measured outside lateness.
# Timing is taken from kernel timestamps on the wire (tcpdump on the client's port) and the
# probe, never from keepalived's 1-second log stamps.
# covers: IOP-1, IOP-2, IOP-3, IOP-4, SM-6, TMR-3
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
interop_init "keepalived" "$@"

KA_ADV=1 FD_ADV=0.1
lab_up 2
src1=192.168.100.2 src2=192.168.100.3
capture_start wire c 'ip proto 112'
capture_start arp c 'arp'

# probe_window NAME WINDOW_MS WHY: stops the probe and checks its largest gap against the
# protocol's window plus SLACK plus the outside lateness measured over the same run.
probe_window() {
  local bound
  probe_stop
  bound=$(awk -v w="$2" -v s="$(ms "$SLACK")" -v l="$PROBE_LATE_MS" 'BEGIN {printf "%.0f", w + s + l}')
  step "  $1: probe outage ${PROBE_OUTAGE_MS} ms, lost ${PROBE_LOST}/${PROBE_SENT}" \
    "(window $2 ms: $3; bound ${bound} ms with SLACK and $(probe_late_text))"
  RESULTS+=("$1: outage ${PROBE_OUTAGE_MS} ms, lost ${PROBE_LOST}/${PROBE_SENT}, window $2 ms ($3)")
  assert_cmp "$PROBE_OUTAGE_MS" "<=" "$bound" "$1: the client's outage (ms)"
  # At 1 ms per echo, no more lost than the bound allows (+1 for the echo in flight).
  assert_cmp "$PROBE_LOST" "<=" "$((bound + 1))" "$1: echoes lost"
}

# garp_after NAME FROM: the kernel timestamp of NAME's first gratuitous ARP for the VIP after
# FROM (epoch seconds) on the client's port; empty if none.
garp_after() {
  local mac
  mac=$(router_mac "$1")
  tcpdump -tt -e -n -r "$RUN/arp.pcap" 2>/dev/null | awk -v m="$mac" -v f="$2" -v v="$VIP4" '
    !d && $2 == m && $1 > f && (index($0, " " v " ") || index($0, " " v ",") || $NF == v) {print $1; d = 1}'
}

# one_master MASTER BACKUP SECONDS SRC: both sides say so for SECONDS, and SRC is the only live
# sender on the wire meanwhile.
one_master() {
  local t=$EPOCHREALTIME
  assert_role "$1" MASTER
  assert_role "$2" BACKUP
  hold_role "$2" BACKUP "$3"
  assert_role "$1" MASTER
  assert_sole_sender wire "$4" "$t" 9e12 1
  assert_holders "$VIP4" "$1"
}

# wire_versions SRC FROM TO: "V3 V2", the counts of SRC's live adverts per version in (FROM, TO].
wire_versions() {
  adverts wire | awk -v s="$1" -v f="$2" -v t="$3" '
    $3 == s && $1 > f && $1 <= t && $7 > 0 {n[$5]++}
    END {printf "%d %d", n["3"], n["2"]}'
}

RESULTS=()

step "0. keepalived VRRPv2 pair: r1 (150) and r2 (100), advert_int $KA_ADV"
ka_conf r1 priority=150 advert_int=$KA_ADV version=2
ka_conf r2 priority=100 advert_int=$KA_ADV version=2
start_keepalived r1
start_keepalived r2
wait_role r1 MASTER "$(add_s "$(master_down_interval $KA_ADV 150 2)" 2)"
wait_role r2 BACKUP 1
one_master r1 r2 2.2 $src1
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4 through keepalived r1"

step "1. r2 becomes floatd, VRRPv3 with v2_compat, advert_int $FD_ADV; keepalived r1 stays Master"
make_conf r2 priority=100 advert_int=$FD_ADV version=3 v2_compat=yes
probe_start "$VIP4"
stop_keepalived r2
start_floatd r2
IMPL[r2]=floatd
# Longer than floatd's start-up Master_Down_Interval on 1 s (3.61 s), which a sub-second rate
# (0.34 s) would have run out between two of keepalived's adverts.
one_master r1 r2 "$(add_s "$(master_down_interval $KA_ADV 100)" 0.5)" $src1
assert_status r2 web master $src1
assert_status r2 web master_adver_interval 1.0  # keepalived's 1 s (IOP-3: seconds to centiseconds)
read -r rx v2rx shadowed <<<"$(status_get r2 web stats | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
print(s["adverts_received"], s["v2_adverts_received"], s["drops"]["v2_shadowed"])')"
assert_cmp "$v2rx" ">=" 3 "r2: keepalived's v2 adverts heard"
assert_eq "$rx" "$v2rx" "r2: adverts heard other than keepalived's v2"
assert_eq "$shadowed" 0 "r2: v2 adverts ignored as copies (keepalived sends no v3)"
assert_status r2 web stats.v2_outranks 1  # IOP-4: keepalived's 150 above our 0.1 s rate
grep -q "the VRRPv2-only router $src1 has priority 150, above ours" "$RUN/r2.log" ||
  fail "r2 did not warn about a v2 router outranking its sub-second rate (IOP-4)"
probe_window "step 1 (Backup replaced)" 0 "the Master did not change"

step "2. keepalived r1 stops: floatd r2 takes over after Skew_Time on keepalived's rate"
probe_start "$VIP4"
ADV=$KA_ADV  # takeover's bounds: Skew_Time(100) at the Master's 1 s (IOP-3), 609 ms
takeover r1 r2 graceful 100 signal_keepalived r1 TERM
reap_keepalived r1
skew=$(skew_time $KA_ADV 100)
resign=$(awk -v n="$NEW_FIRST" -v t="$TAKEOVER_MS" 'BEGIN {printf "%.6f", n - t / 1000}')
garp=$(garp_after r2 "$resign")
[[ -n $garp ]] || fail "no gratuitous ARP from floatd r2 after keepalived's priority-0 advert"
window=$(awk -v a="$resign" -v b="$garp" 'BEGIN {printf "%.1f", (b - a) * 1000}')
late=$(sched_late_ms "$resign" "$garp")  # the scheduler's lateness meanwhile: outside work
assert_cmp "$window" "<=" "$(($(ms "$(add_s "$skew" "$SLACK")") + late))" \
  "step 2: keepalived's priority-0 advert to floatd's first gratuitous ARP (ms), Skew_Time $(ms "$skew") ms + SLACK + ${late} ms scheduler lateness"
probe_window "step 2 (keepalived -> floatd)" "$window" \
  "keepalived's priority-0 advert to floatd's first gratuitous ARP on the wire; Skew_Time on keepalived's 1 s is $(ms "$skew") ms, first advert ${TAKEOVER_MS} ms"
# IOP-2: a v3 and a v2 advert every 0.1 s, counted over 2 s on the wire.
t=$EPOCHREALTIME
sleep 2.05
read -r n3 n2 <<<"$(wire_versions $src2 "$t" "$(add_s "$t" 2)")"
step "  floatd r2 as Master: $n3 v3 and $n2 v2 adverts in 2 s at advert_int $FD_ADV"
RESULTS+=("step 2: floatd r2 as dual Master sent $n3 v3 and $n2 v2 adverts in 2 s")
assert_cmp "$n3" ">=" 18 "r2's v3 adverts in 2 s at $FD_ADV s"
assert_cmp "$n2" ">=" 18 "r2's v2 adverts in 2 s at $FD_ADV s (IOP-2: the configured rate)"
assert_cmp "$((n3 - n2))" "<=" 1 "r2: v3 adverts without their v2 copy"
assert_cmp "$((n2 - n3))" "<=" 1 "r2: v2 adverts without their v3 copy"
intvl=$(tcpdump -n -v -r "$RUN/wire.pcap" "src $src2" 2>/dev/null | grep -o 'VRRPv2, Advertisement.*intvl [0-9]*s' | grep -o 'intvl [0-9]*s' | sort -u | tr '\n' ' ')
assert_eq "$intvl" "intvl 1s " "the Adver Int of r2's v2 adverts (whole seconds)"

step "3. r1 becomes floatd, plain VRRPv3 (150): it preempts the dual r2"
make_conf r1 priority=150 advert_int=$FD_ADV version=3
IMPL[r1]=floatd
probe_start "$VIP4"
ADV=$FD_ADV
takeover r2 r1 preempt 150 start_floatd r1
# Make before break: r2 lets the VIP go when it hears r1's first advert, which r1 sends just
# before adding the VIP and sending its gratuitous ARP: the window is that gap, on the wire.
garp=$(garp_after r1 "$(add_s "$NEW_FIRST" -0.001)")
[[ -n $garp ]] || fail "no gratuitous ARP from floatd r1 after its first advert"
gap=$(awk -v a="$NEW_FIRST" -v b="$garp" 'BEGIN {d = (b - a) * 1000; printf "%.1f", (d > 0 ? d : 0)}')
late=$(sched_late_ms "$NEW_FIRST" "$garp")
assert_cmp "$gap" "<=" "$(($(ms "$SLACK") + late))" \
  "step 3: r1's first advert to its first gratuitous ARP (ms), SLACK + ${late} ms scheduler lateness"
probe_window "step 3 (floatd dual -> floatd v3)" "$gap" \
  "preemption, make before break: r1's first advert to its first gratuitous ARP on the wire"
one_master r1 r2 1 $src1
wait_for "[[ \$(status_get r2 web stats.v3_only_peer) -ge 1 ]]" 2 ||
  fail "r2 did not report the v3 Master that sends no v2 (IOP-3)"
grep -q "the VRRPv3 router $src1 sends no VRRPv2 adverts" "$RUN/r2.log" ||
  fail "r2 did not log the v3-only Master"
assert_status r2 web master_adver_interval 0.1
assert_status r2 web stats.v2_outranks 1  # still the one from step 1
assert_cmp "$(status_get r1 web stats.drops.version_mismatch)" ">=" 1 \
  "r1 (plain v3): r2's v2 copies dropped as another version (RX-2)"

step "4. r2 reloaded with v2_compat = no: a VRRPv3 pair"
make_conf r2 priority=100 advert_int=$FD_ADV version=3
probe_start "$VIP4"
mark=$(log_lines r2)
signal_floatd r2 HUP
wait_logged r2 "$mark" "reload: "
assert_status r2 web v2_compat false
t=$EPOCHREALTIME
one_master r1 r2 1 $src1
n2=$(adverts wire | awk -v t="$t" '$1 > t && $5 == 2' | wc -l)
assert_eq "$n2" 0 "v2 adverts on the wire after the migration"
probe_window "step 4 (reload)" 0 "the Master did not change"

step "checksums: tshark finds every advert valid"
if command -v tshark >/dev/null; then
  got=$(tshark_checksums "$RUN/wire.pcap" FALSE)
  [[ $got == *" 0 bad 0 other" ]] || fail "checksums: $got"
  step "  $got"
fi
for r in "${RESULTS[@]}"; do step "result: $r"; done
takeover_summary
pass
