#!/usr/bin/env bash
# Experiment 5: fast timers, advert_int FAST_ADV (0.01: Master_Down_Interval 36 ms).
#   Host death: as in exp_takeover.sh (wire latency and probe outage), FAST_N repetitions.
#   Spurious transitions: four pairs run side by side for SPURIOUS_SECONDS (600; quick 20)
#   while stress-ng --cpu 2 keeps both cores busy (two shell busy loops if stress-ng is
#   missing): floatd and keepalived at their defaults, and both again with SCHED_RR priority
#   50 and locked memory (floatd+rt, keepalived+rt). Every state change any of the eight
#   daemons logs counts, and so does every gratuitous ARP burst on the wire. The largest gap
#   between two adverts of each Master is taken from a capture on the client's port.
# Lab: floatd r1 (150)/r2 (100), keepalived r3 (150)/r4 (100) as in exp_takeover.sh; r5/r6
# floatd+rt (VRID 53), r7/r8 keepalived+rt (VRID 54).
# Writes DATA/fast.csv (host death) and DATA/spurious.csv.
# Usage: exp_fast.sh FLOATD
# shellcheck source-path=SCRIPTDIR source=../tests/netns/lib.sh
source "$(dirname "$0")/../tests/netns/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init fast "$1"

ADV=${FAST_ADV:-0.01}
N=$(reps 10 2)
SPUR=${SPURIOUS_SECONDS:-600}
[[ $QUICK != 1 ]] || SPUR=${SPURIOUS_SECONDS_QUICK:-20}
VIP_KA=192.168.100.101
csv fast.csv impl,scenario,advert_int,trial,raw_ms,protocol_ms,latency_ms,advert_ms,outage_ms,lost
csv spurious.csv impl,advert_int,seconds,load,router,role,transitions,garps,adverts,max_advert_gap_ms

lab_up 8
declare -A OLD=([floatd]=r1 [keepalived]=r3 [floatd+rt]=r5 [keepalived+rt]=r7)
declare -A NEW=([floatd]=r2 [keepalived]=r4 [floatd+rt]=r6 [keepalived+rt]=r8)
gen_conf floatd r1 prio=150 state=MASTER adv="$ADV" vrid=51 vip="$VIP4/24"
gen_conf floatd r2 prio=100 adv="$ADV" vrid=51 vip="$VIP4/24"
gen_conf keepalived r3 prio=150 state=MASTER adv="$ADV" vrid=52 vip="$VIP_KA/24"
gen_conf keepalived r4 prio=100 adv="$ADV" vrid=52 vip="$VIP_KA/24"
pair_start r1 r2
pair_start r3 r4
# The same pairs with what Linux offers to stay on time: SCHED_RR priority 50 and locked
# memory (vrrp_rt_priority, vrrp_no_swap, in both). Only in the spurious-transition run.
gen_conf floatd r5 prio=150 state=MASTER adv="$ADV" vrid=53 vip=192.168.100.102/24 rt=50
gen_conf floatd r6 prio=100 adv="$ADV" vrid=53 vip=192.168.100.102/24 rt=50
gen_conf keepalived r7 prio=150 state=MASTER adv="$ADV" vrid=54 vip=192.168.100.103/24 rt=50
gen_conf keepalived r8 prio=100 adv="$ADV" vrid=54 vip=192.168.100.103/24 rt=50
wire_start fast c
sleep 1
note "host death at advert_int $ADV, $N repetitions"
for ((i = 1; i <= N; i++)); do
  impls=(floatd keepalived)
  ((i % 2)) || impls=(keepalived floatd)
  for impl in "${impls[@]}"; do
    takeover_trial "${OLD[$impl]}" "${NEW[$impl]}" "$ADV" death fast
    csv_row fast.csv "$impl" death "$ADV" "$i" "$T_RAW_MS" "$T_PROTO_MS" "$T_LAT_MS" \
      "$T_ADV_MS" "$PROBE_OUTAGE_MS" "$PROBE_LOST"
    note "$impl death adv $ADV #$i: wire ${T_RAW_MS} ms (latency ${T_LAT_MS} ms)," \
      "probe outage ${PROBE_OUTAGE_MS} ms, lost $PROBE_LOST"
  done
done
capture_stop fast

load="stress-ng --cpu 2"
if command -v stress-ng >/dev/null; then
  ip netns exec "$(ns c)" stress-ng --cpu 2 --timeout "$((SPUR + 30))s" --quiet &
  LAB_PIDS+=("$!")
else
  load="2 shell busy loops (stress-ng is not installed)"
  for _ in 1 2; do
    ip netns exec "$(ns c)" bash -c 'while :; do :; done' &
    LAB_PIDS+=("$!")
  done
fi
pair_start r5 r6
pair_start r7 r8
note "spurious transitions: $SPUR s under $load"
sleep 2
for r in r1 r2 r3 r4 r5 r6 r7 r8; do settled "$r" "$([[ $r == r[1357] ]] && echo MASTER || echo BACKUP)" ||
  fail "$r is not settled before the spurious-transition run"; done
declare -A MARK=()
for r in r1 r2 r3 r4 r5 r6 r7 r8; do MARK[$r]=$(log_lines "$r"); done
wire_start spur c
t0=$EPOCHREALTIME
sleep "$SPUR"
t1=$EPOCHREALTIME
capture_stop spur
for impl in floatd keepalived floatd+rt keepalived+rt; do
  for r in "${OLD[$impl]}" "${NEW[$impl]}"; do
    role=master
    [[ $r == "${NEW[$impl]}" ]] && role=backup
    tr=$(d_transitions "$r" "${MARK[$r]}")
    garps=$(wire spur count --mac "$(router_mac "$r")" --after "$t0" --before "$t1" --garp)
    read -r adverts gap < <(wire spur gaps --mac "$(router_mac "$r")" --vrid "$(_vrid_of "$r")" --after "$t0" --before "$t1")
    csv_row spurious.csv "$impl" "$ADV" "$SPUR" "$load" "$r" "$role" "$tr" "$garps" "$adverts" "$gap"
    note "$impl $role $r: $tr state changes, $garps gratuitous ARPs, $adverts adverts, largest gap $gap ms"
  done
done
pass
