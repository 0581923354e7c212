#!/usr/bin/env bash
# Experiment 10: scale (issue 14). r1 (150, state MASTER) and r2 (100), each with eth0..eth15
# on sixteen bridges, one /32 VIP per instance, floatd and then keepalived on the same lab:
#   4,000 instances (16 interfaces x 250 VRIDs) at advert_int 1, and 1,000 (4 x 250) at 0.1
#   (SCALE_CONFIGS, "INSTANCES:INTERFACES:ADVERT_INT ...").
# For each implementation and configuration:
#   settle   r1 started alone, timed until it holds every VIP and logged entering MASTER for
#            every instance; then r2, until it logged BACKUP for every one and holds none
#            (lib.sh settled, polled every 20 ms, as exp_resources.sh); floatd's status must
#            agree. A daemon that does not settle within SCALE_SETTLE_S is recorded as such
#            (how many VIPs and state lines it got) and the rest of that run is skipped.
#   memory   SETTLE_HOLD s later: RSS and PSS (smaps_rollup) and where the RSS lies (lib.sh
#            mem_split) of both; again at the end of the hold (growth).
#   status   floatd only (keepalived has no query): STATUS_CALLS x `floatctl status --json`
#            on each router, each timed by this shell around the client (EPOCHREALTIME), so
#            the figure includes the client's start-up: median and max.
#   reload   one instance changed on the Master (the priority of VRID 1 on eth0, 150 ->
#            200: it stays Master, and the pair's configurations still agree on its VIPs,
#            which keepalived requires of every advert), SIGHUP (keepalived: to its parent).
#            Applied at the Master's first advert with the new priority on the wire.
#            The Master's adverts on eth0's bridge are captured on the client's port with
#            kernel timestamps (tcpdump -j host, nanoseconds): for each VRID, the interval
#            between consecutive adverts against advert_int (bench/wire.py intervals), in a
#            baseline window before the SIGHUP and in the window from the SIGHUP until well
#            after it applied; the baseline shows what the machine alone stretches. State
#            changes of both routers from the SIGHUP to the end of the window: none expected.
#            A capture that lost frames (tcpdump's count) is recorded as such.
#   hold     SCALE_HOLD seconds (default 600; quick 15): state changes logged by both
#            routers (none expected), and the VIPs each holds at the end (all, none).
# Writes DATA/scale.csv (per router), DATA/scale_reload.csv and DATA/scale_mem.csv.
# Usage: exp_scale.sh FLOATD
# shellcheck source-path=SCRIPTDIR source=../tests/netns/lib.sh
source "$(dirname "$0")/../tests/netns/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init scale "$1"

CONFIGS=${SCALE_CONFIGS:-4000:16:1 1000:4:0.1}
HOLD=${SCALE_HOLD:-600}
SETTLE_S=${SCALE_SETTLE_S:-300}
STATUS_CALLS=${STATUS_CALLS:-20}
SETTLE_HOLD=3
if [[ $QUICK == 1 ]]; then HOLD=${SCALE_HOLD_QUICK:-15} SETTLE_HOLD=1; fi
PRIO1=200  # the reload's change: instance v0_1's (VRID 1 on eth0) priority on the Master
csv scale.csv impl,instances,ifaces,advert_int,role,outcome,settle_ms,rss_kb,pss_kb,processes,status_med_ms,status_max_ms,hold_s,hold_transitions,vips_end,rss_end_kb,stop_ms
csv scale_reload.csv impl,instances,ifaces,advert_int,outcome,applied_ms,transitions,adverts,vrids,intervals,stretch_ms,dev_ms,worst_vrid,base_intervals,base_stretch_ms,base_dev_ms,sched_late_ms,cap_dropped
csv scale_mem.csv impl,instances,advert_int,role,when,rss_kb,binary_kb,lib_text_kb,lib_data_kb,heap_kb,anon_kb,stack_kb,other_kb

# settle_wait NAME ROLE T0_US: polls settled every 20 ms for up to SETTLE_S; prints the ms
# since T0_US, or "timeout: ..." with what NAME got (VIPs, state lines logged).
settle_wait() {
  local name=$1 role=$2 deadline pat
  deadline=$((${EPOCHREALTIME/./} + SETTLE_S * 1000000))
  until settled "$name" "$role"; do
    if ((${EPOCHREALTIME/./} >= deadline)); then
      pat="Entering $role STATE"
      [[ ${IMPL_OF[$name]} == floatd ]] && pat=" -> $role "
      echo "timeout: $(vip_count "$name") VIPs, $(log_since "$name" "${D_MARK[$name]:-0}" |
        grep -c -- "$pat" || true) of ${NINST[$name]} entered $role after $SETTLE_S s"
      return
    fi
    sleep 0.02
  done
  fmt_ms $((${EPOCHREALTIME/./} - $3))
}

# reload_seen T0: the Master's first advert for VRID 1 with priority PRIO1 after T0 is in the
# reload capture; sets RELOAD_AT to its time.
RELOAD_AT=""
# shellcheck disable=SC2317  # called through wait_for's eval
reload_seen() {
  RELOAD_AT=$(wire reload first --mac "$(router_mac r1)" --vrid 1 --prio "$PRIO1" --after "$1")
  [[ $RELOAD_AT != none ]]
}

# role_count NAME ROLE: how many of floatd's instances its status reports in ROLE.
role_count() {
  "$FLOATCTL" -s "$RUN/$1.sock" status --json |
    "$PY" -I -S -c 'import json, sys; d = json.load(sys.stdin); print(sum(i["state"] == sys.argv[1] for i in d["instances"]))' "$2"
}

# status_times NAME: STATUS_CALLS timed `floatctl status --json`; prints "median max" in ms.
status_times() {
  local i t0 ts=()
  for ((i = 0; i < STATUS_CALLS; i++)); do
    t0=${EPOCHREALTIME/./}
    "$FLOATCTL" -s "$RUN/$1.sock" status --json >/dev/null || fail "$1: floatctl status failed"
    ts+=($((${EPOCHREALTIME/./} - t0)))
  done
  printf '%s\n' "${ts[@]}" | sort -n |
    awk '{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.3f %.3f\n", m / 1000, v[NR] / 1000}'
}

# mem_row IMPL N ADV ROLE WHEN NAME: a scale_mem.csv row for NAME's processes now.
mem_row() {
  local pids split
  read -r -a pids <<<"$(d_pids "$6")"
  read -r -a split <<<"$(mem_split "${pids[@]}")"
  csv_row scale_mem.csv "$1" "$2" "$3" "$4" "$5" "${split[@]}"
  echo "${split[0]}"
}

# stop_ms NAME: SIGTERM, up to 60 s to exit (then SIGKILL); sets STOP_MS to the ms it took,
# or "killed" (not a command substitution: the reap must forget the daemon in this shell).
# Whatever it left, no 10/8 address stays for the next run.
STOP_MS=""
stop_ms() {
  local name=$1 pids t0
  read -r -a pids <<<"$(d_pids "$name")"
  t0=$(now_us)
  d_signal "$name" TERM || true  # it may have exited by itself
  if _wait_gone 60 "${pids[@]}"; then
    STOP_MS=$(fmt_ms $(($(now_us) - t0)))
  else
    kill -KILL "${pids[@]}" 2>/dev/null || true
    _wait_gone 5 "${pids[@]}" || fail "$name: the daemon survived SIGKILL"
    STOP_MS=killed
  fi
  if [[ ${IMPL_OF[$name]} == floatd ]]; then _reap "$name"; else d_reap "$name"; fi
  ip -n "$(ns "$name")" -4 addr flush to 10.0.0.0/8
}

# run_scale IMPL N IFACES ADV: one implementation at one scale, start to stop.
run_scale() {
  local impl=$1 n=$2 ifaces=$3 adv=$4 t0 r role pids rss pss st1 st2 med max
  local win t_cap t_hup t_end m1 m2 applied=none tr tr1 tr2 out base late hold_tr vips rss_end np drop want p alive
  local -A settle=() outcome=() status=() mem=() stop=() row=()
  note "$impl: $n instances ($ifaces x $((n / ifaces))) at advert_int $adv"
  gen_conf "$impl" r1 n="$n" ifaces="$ifaces" vrid=1 prio=150 state=MASTER adv="$adv"
  gen_conf "$impl" r2 n="$n" ifaces="$ifaces" vrid=1 prio=100 adv="$adv"
  outcome=([r1]=ok [r2]=ok) status=([r1]="n/a n/a" [r2]="n/a n/a")
  # env: d_start's wrapper form, for its 60 s start-up timeout (a large configuration).
  t0=$(now_us)
  d_start r1 env
  settle[r1]=$(settle_wait r1 MASTER "$t0")
  note "$impl r1 (Master): ${settle[r1]}"
  if [[ ${settle[r1]} == timeout* ]]; then
    outcome[r1]="master did not settle (${settle[r1]})" settle[r1]=""
  fi
  t0=$(now_us)
  d_start r2 env
  settle[r2]=$(settle_wait r2 BACKUP "$t0")
  note "$impl r2 (Backup): ${settle[r2]}"
  if [[ ${settle[r2]} == timeout* ]]; then
    outcome[r2]="backup did not settle (${settle[r2]})" settle[r2]=""
  fi
  if [[ $impl == floatd && ${outcome[r1]} == ok && ${outcome[r2]} == ok ]]; then
    st1=$(role_count r1 MASTER) st2=$(role_count r2 BACKUP)
    [[ $st1 == "$n" ]] || outcome[r1]="status: $st1 of $n MASTER"
    [[ $st2 == "$n" ]] || outcome[r2]="status: $st2 of $n BACKUP"
  fi
  sleep "$SETTLE_HOLD"
  for r in r1 r2; do
    read -r -a pids <<<"$(d_pids "$r")"
    read -r rss pss <<<"$(mem_kb "${pids[@]}")"
    mem[$r]="$rss $pss ${#pids[@]}"
    role=master
    [[ $r == r2 ]] && role=backup
    mem_row "$impl" "$n" "$adv" "$role" settled "$r" >/dev/null
    if [[ $impl == floatd ]]; then
      status[$r]=$(status_times "$r")
      note "$impl $r: RSS $rss kB, PSS $pss kB; floatctl status --json median/max ${status[$r]// / \/ } ms"
    else
      note "$impl $r: RSS $rss kB, PSS $pss kB (${#pids[@]} processes)"
    fi
  done

  # The reload: a baseline window of the Master's adverts, the SIGHUP, until its adverts
  # carry the new priority, then the same window again.
  win=$(awk -v a="$adv" 'BEGIN {w = 6 * a; print (w < 3 ? 3 : w)}')
  if [[ ${outcome[r1]} == ok ]]; then
    gen_conf "$impl" r1 n="$n" ifaces="$ifaces" vrid=1 prio=150 state=MASTER adv="$adv" prio1="$PRIO1"
    wire_start reload c 128
    t_cap=$EPOCHREALTIME
    sleep "$win"
    m1=$(log_lines r1) m2=$(log_lines r2)
    wall_mark
    t_hup=$EPOCHREALTIME
    d_signal r1 HUP
    applied=none
    if wait_for "reload_seen $t_hup" 60; then
      applied=$(awk -v a="$t_hup" -v b="$RELOAD_AT" 'BEGIN {printf "%.3f", (b - a) * 1000}')
    fi
    sleep "$win"
    t_end=$EPOCHREALTIME
    capture_stop reload
    drop=$(capture_dropped reload)
    tr1=$(d_transitions r1 "$m1") tr2=$(d_transitions r2 "$m2")
    tr=$((tr1 + tr2))
    late=$(sched_late_ms "$t_hup" "$t_end")
    base=$(wire reload intervals --mac "$(router_mac r1)" --adv "$adv" --after "$t_cap" --before "$t_hup")
    out=$(wire reload intervals --mac "$(router_mac r1)" --adv "$adv" \
      --after "$(awk -v t="$t_hup" -v a="$adv" 'BEGIN {printf "%.6f", t - 1.5 * a}')" --before "$t_end")
    read -r -a out <<<"$out"
    read -r -a base <<<"$base"
    r=ok
    [[ $applied != none ]] || r="not applied within 60 s"
    ((tr == 0)) || r="state changes: Master $tr1; Backup $tr2"
    ((drop == 0)) || r="the capture lost $drop frames"
    ! wall_stepped || r="clock stepped"
    csv_row scale_reload.csv "$impl" "$n" "$ifaces" "$adv" "$r" "$applied" "$tr" "${out[0]}" "${out[1]}" \
      "${out[2]}" "${out[3]}" "${out[4]}" "${out[5]}" "${base[2]}" "${base[3]}" "${base[4]}" "$late" "$drop"
    note "$impl reload: $r, applied after $applied ms, $tr state changes; eth0's ${out[1]} VRIDs:" \
      "largest stretch ${out[3]} ms (VRID ${out[5]}), largest |deviation| ${out[4]} ms over ${out[2]} intervals;" \
      "baseline ${base[3]} / ${base[4]} ms over ${base[2]}; scheduler late up to $late ms"
  else
    csv_row scale_reload.csv "$impl" "$n" "$ifaces" "$adv" "skipped: ${outcome[r1]//,/;}" "" "" "" "" "" "" "" "" "" "" "" "" ""
  fi

  # The hold.
  m1=$(log_lines r1) m2=$(log_lines r2)
  note "$impl: holding for $HOLD s"
  sleep "$HOLD"
  for r in r1 r2; do
    role=master
    [[ $r == r2 ]] && role=backup
    hold_tr=$(d_transitions "$r" "$([[ $r == r1 ]] && echo "$m1" || echo "$m2")")
    vips=$(vip_count "$r")
    read -r -a pids <<<"$(d_pids "$r")"
    rss_end="" alive=1
    for p in "${pids[@]}"; do _alive "$p" || alive=0; done
    if ((alive)); then
      rss_end=$(mem_row "$impl" "$n" "$adv" "$role" "after hold" "$r")
    else
      outcome[$r]="exited during the hold"
    fi
    if ((hold_tr > 0)) && [[ ${outcome[$r]} == ok ]]; then outcome[$r]="$hold_tr state changes in the hold"; fi
    # The Master: every instance's VIP; the Backup: none.
    want=0
    [[ $r == r2 ]] || want=$n
    if [[ $vips != "$want" && ${outcome[$r]} == ok ]]; then outcome[$r]="holds $vips VIPs at the end (expected $want)"; fi
    read -r rss pss np <<<"${mem[$r]}"
    read -r med max <<<"${status[$r]}"
    note "$impl $r after the hold: $hold_tr state changes, $vips VIPs, RSS $rss_end kB"
    row[$r]="$impl,$n,$ifaces,$adv,$role,${outcome[$r]//,/;},${settle[$r]},$rss,$pss,$np,$med,$max,$HOLD,$hold_tr,$vips,$rss_end"
  done
  stop_ms r2
  stop[r2]=$STOP_MS
  stop_ms r1
  stop[r1]=$STOP_MS
  note "$impl stopped: Backup ${stop[r2]} ms, Master ${stop[r1]} ms"
  csv_row scale.csv "${row[r1]}" "${stop[r1]}"
  csv_row scale.csv "${row[r2]}" "${stop[r2]}"
}

lab_up 2
extra_ifaces 15 r1 r2
for cfg in $CONFIGS; do
  IFS=: read -r n ifaces adv <<<"$cfg"
  ((ifaces <= 16)) || fail "SCALE_CONFIGS: $cfg has more than 16 interfaces"
  for impl in floatd keepalived; do
    run_scale "$impl" "$n" "$ifaces" "$adv"
  done
done
pass
