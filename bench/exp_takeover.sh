#!/usr/bin/env bash
# Experiments 1 and 2 (graceful, host death): takeover latency on the wire and the outage a
# client sees, floatd and keepalived side by side on one lab.
#   r1 (150, state MASTER) and r2 (100): floatd, VRID 51, VIP 192.168.100.100/24
#   r3 (150, state MASTER) and r4 (100): keepalived, VRID 52, VIP 192.168.100.101/24
# For each advert interval (TAKEOVER_ADVS, default "1 0.1") and each repetition, the trials
# alternate floatd/keepalived (the one that goes first alternates too), each graceful then
# death; see takeover_trial in bench/lib.sh. Writes DATA/takeover.csv.
# Usage: exp_takeover.sh FLOATD
# shellcheck source-path=SCRIPTDIR source=../tests/netns/lib.sh
source "$(dirname "$0")/../tests/netns/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init takeover "$1"

N=$(reps 10 2)
ADVS=${TAKEOVER_ADVS:-1 0.1}
VIP_KA=192.168.100.101
csv takeover.csv impl,scenario,advert_int,trial,raw_ms,protocol_ms,latency_ms,advert_ms,outage_ms,lost

lab_up 4
declare -A OLD=([floatd]=r1 [keepalived]=r3) NEW=([floatd]=r2 [keepalived]=r4)
for adv in $ADVS; do
  note "advert_int $adv: floatd r1/r2, keepalived r3/r4, $N repetitions"
  for r in r1 r2 r3 r4; do d_running "$r" && d_stop "$r"; done
  gen_conf floatd r1 prio=150 state=MASTER adv="$adv" vrid=51 vip="$VIP4/24"
  gen_conf floatd r2 prio=100 adv="$adv" vrid=51 vip="$VIP4/24"
  gen_conf keepalived r3 prio=150 state=MASTER adv="$adv" vrid=52 vip="$VIP_KA/24"
  gen_conf keepalived r4 prio=100 adv="$adv" vrid=52 vip="$VIP_KA/24"
  pair_start r1 r2
  pair_start r3 r4
  wire_start "wire$adv" c
  sleep 1
  for ((i = 1; i <= N; i++)); do
    impls=(floatd keepalived)
    ((i % 2)) || impls=(keepalived floatd)
    for impl in "${impls[@]}"; do
      for mode in graceful death; do
        takeover_trial "${OLD[$impl]}" "${NEW[$impl]}" "$adv" "$mode" "wire$adv"
        csv_row takeover.csv "$impl" "$mode" "$adv" "$i" "$T_RAW_MS" "$T_PROTO_MS" "$T_LAT_MS" \
          "$T_ADV_MS" "$PROBE_OUTAGE_MS" "$PROBE_LOST"
        note "$impl $mode adv $adv #$i: wire ${T_RAW_MS} ms (latency ${T_LAT_MS} ms)," \
          "probe outage ${PROBE_OUTAGE_MS} ms, lost $PROBE_LOST"
      done
    done
  done
  capture_stop "wire$adv"
done
pass
