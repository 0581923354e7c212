#!/usr/bin/env bash
# Experiment 2 (the rest): the outage a client sees (1 kHz probe) in a planned handover
# (floatctl handover, floatd only: keepalived has none) and when a tracked service fails, with
# the check script weighted (-60: 150 -> 90, below the backup's 100) and with weight 0 (FAULT).
# Same lab as exp_takeover.sh: floatd r1 (150, state MASTER)/r2 (100), VRID 51, VIP .100;
# keepalived r3 (150, state MASTER)/r4 (100), VRID 52, VIP .101. The check script is
# `/usr/bin/test -f FILE` every 1 s, fall 1, rise 1, on both nodes of a pair (keepalived takes
# whole seconds only); the trial removes the master's file at a random phase.
# Writes DATA/outage.csv: move_ms is from the command (or the file's removal) to the new
# master's first gratuitous ARP on the wire (the capture's clock is the same CLOCK_REALTIME).
# Usage: exp_outage.sh FLOATD
# shellcheck source-path=SCRIPTDIR source=../tests/netns/lib.sh
source "$(dirname "$0")/../tests/netns/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init outage "$1"

N_HO=$(reps 10 2)
N_TR=$(reps 8 1)
HO_ADVS=${HANDOVER_ADVS:-1 0.1}
TR_ADVS=${TRACK_ADVS:-1}
VIP_KA=192.168.100.101
csv outage.csv impl,scenario,advert_int,trial,outage_ms,lost,move_ms,floatctl_ms

# move_ms T_EV TAG NEW: from T_EV (EPOCHREALTIME) to NEW's first gratuitous ARP in the capture.
move_ms() {
  local garp
  garp=$(wire "$2" garp --new "$(router_mac "$3")" --vip "${VIP_OF[$3]}")
  if [[ $garp == none ]]; then echo none; return; fi
  awk -v g="$garp" -v t="$1" 'BEGIN {printf "%.3f", (g - t) * 1000}'
}

# handover_trial OLD NEW ADV: floatctl handover on OLD at a random phase.
handover_trial() {
  local old=$1 new=$2 adv=$3 t_ev out rc=0
  probe_start "${VIP_OF[$old]}"
  wire_start ho c
  random_phase "$adv"
  t_ev=$EPOCHREALTIME
  out=$("$FLOATCTL" -s "$RUN/$old.sock" handover "v0_$(_vrid_of "$old")" 2>&1) || rc=$?
  ((rc == 0)) || fail "floatctl handover: status $rc: $out"
  wait_for "has_vip $new ${VIP_OF[$old]} && ! has_vip $old ${VIP_OF[$old]}" 5 ||
    fail "handover: the VIP is held by [$(vip_holders "${VIP_OF[$old]}" "$old" "$new")]"
  sleep 0.3
  probe_stop
  capture_stop ho
  R_MOVE=$(move_ms "$t_ev" ho "$new")
  R_CTL=none
  [[ $out =~ \(([0-9]+)\ ms\) ]] && R_CTL=${BASH_REMATCH[1]}
  # OLD stays Backup after a handover until told otherwise; then it preempts again.
  "$FLOATCTL" -s "$RUN/$old.sock" maintenance "v0_$(_vrid_of "$old")" off >/dev/null
  pair_restore "$old" "$new"
}

# track_trial OLD NEW ADV: removes OLD's checked file at a random phase of the script cycle.
track_trial() {
  local old=$1 new=$2 adv=$3 t_ev limit
  limit=$(add_s 1 "$(master_down_interval "$adv" 100)" 3)
  probe_start "${VIP_OF[$old]}"
  wire_start tr c
  random_phase 1
  t_ev=$EPOCHREALTIME
  rm "$RUN/$old.up"
  wait_for "has_vip $new ${VIP_OF[$old]} && ! has_vip $old ${VIP_OF[$old]}" "$limit" ||
    fail "tracked failure: the VIP is held by [$(vip_holders "${VIP_OF[$old]}" "$old" "$new")] after $limit s"
  sleep 0.3
  probe_stop
  capture_stop tr
  R_MOVE=$(move_ms "$t_ev" tr "$new")
  touch "$RUN/$old.up"
  pair_restore "$old" "$new"
}

# configure ADV [TRACK]: (re)starts both pairs.
configure() {
  local adv=$1 track=${2:-} r
  for r in r1 r2 r3 r4; do d_running "$r" && d_stop "$r"; touch "$RUN/$r.up"; done
  gen_conf floatd r1 prio=150 state=MASTER adv="$adv" vrid=51 vip="$VIP4/24" track="$track"
  gen_conf floatd r2 prio=100 adv="$adv" vrid=51 vip="$VIP4/24" track="$track"
  gen_conf keepalived r3 prio=150 state=MASTER adv="$adv" vrid=52 vip="$VIP_KA/24" track="$track"
  gen_conf keepalived r4 prio=100 adv="$adv" vrid=52 vip="$VIP_KA/24" track="$track"
  pair_start r1 r2
  pair_start r3 r4
  sleep 1.5  # the check scripts have run
}

lab_up 4
for adv in $HO_ADVS; do
  note "handover, advert_int $adv: floatd r1 -> r2, $N_HO repetitions"
  configure "$adv"
  for ((i = 1; i <= N_HO; i++)); do
    handover_trial r1 r2 "$adv"
    csv_row outage.csv floatd handover "$adv" "$i" "$PROBE_OUTAGE_MS" "$PROBE_LOST" "$R_MOVE" "$R_CTL"
    note "floatd handover adv $adv #$i: outage ${PROBE_OUTAGE_MS} ms, lost $PROBE_LOST," \
      "command to GARP $R_MOVE ms, floatctl says $R_CTL ms"
  done
done

declare -A OLD=([floatd]=r1 [keepalived]=r3) NEW=([floatd]=r2 [keepalived]=r4)
for adv in $TR_ADVS; do
  for track in weighted fault; do
    note "tracked service, $track, advert_int $adv: $N_TR repetitions"
    configure "$adv" "$track"
    for ((i = 1; i <= N_TR; i++)); do
      impls=(floatd keepalived)
      ((i % 2)) || impls=(keepalived floatd)
      for impl in "${impls[@]}"; do
        track_trial "${OLD[$impl]}" "${NEW[$impl]}" "$adv"
        csv_row outage.csv "$impl" "track_$track" "$adv" "$i" "$PROBE_OUTAGE_MS" "$PROBE_LOST" "$R_MOVE" none
        note "$impl track_$track adv $adv #$i: outage ${PROBE_OUTAGE_MS} ms, lost $PROBE_LOST," \
          "removal to GARP $R_MOVE ms"
      done
    done
  done
done
pass
