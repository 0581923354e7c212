#!/usr/bin/env bash
# Experiment 4: user-space instructions per advert, counted by valgrind's callgrind (the
# count of executed instructions is deterministic for the same work, unlike time).
#   send path:    r1 alone, CG_N instances at CG_ADV (a Master with no peer: it only sends),
#                 runs under callgrind;
#   receive path: r1 runs natively as the Master, r2 (the Backup: it only receives) runs
#                 under callgrind.
# After the daemon settled, `callgrind_control -z` zeroes its counters, CG_SECONDS later
# `callgrind_control -d` dumps them; the adverts r1 sent in between are counted on the wire
# (the bridge port of the daemon under test). Instructions / adverts = the cost of one advert
# with everything a daemon does meanwhile (timers, event loop, logging), user space only:
# system calls count as one instruction, the kernel's work is not counted. keepalived:
# its VRRP child (the parent only waits). The receive run must see no state change.
# Heap allocations per advert from the same dump: the calls into malloc, calloc, realloc and
# the aligned allocators (every operator new goes through one of them) that callgrind counted
# on its call arcs (bench/cgalloc.py), divided by the same adverts; operator new's own calls
# are reported beside them (the C++ share).
# Writes DATA/callgrind.csv.
# Usage: exp_callgrind.sh FLOATD
# shellcheck source-path=SCRIPTDIR source=../tests/netns/lib.sh
source "$(dirname "$0")/../tests/netns/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init callgrind "$1"
_need valgrind
_need callgrind_control

CG_N=${CG_N:-200}
CG_ADV=${CG_ADV:-0.1}
CG_SECONDS=${CG_SECONDS:-10}
[[ $QUICK != 1 ]] || CG_SECONDS=${CG_SECONDS_QUICK:-3}
csv callgrind.csv impl,path,instances,advert_int,seconds,instructions,adverts,instr_per_advert,transitions,allocs,allocs_per_advert,news,cap_dropped

VG=(valgrind --tool=callgrind --trace-children=yes "--callgrind-out-file=$RUN/cg.%p")

# measure IMPL PATH NAME: zero, wait, dump NAME's VRRP process; count r1's adverts on NAME's
# bridge port in between.
measure() {
  local impl=$1 path=$2 name=$3 pid tz td mark ir adverts tr per allocs news aper drop
  pid=$(d_vrrp_pid "$name")
  sleep 2
  wire_start "cg-$path" "$name" 128  # a small snap length: 200 adverts come in bursts
  mark=$(log_lines "$name")
  callgrind_control -z "$pid" >/dev/null 2>&1 || fail "callgrind_control -z $pid failed"
  tz=$EPOCHREALTIME
  sleep "$CG_SECONDS"
  td=$EPOCHREALTIME
  callgrind_control -d "$pid" >/dev/null 2>&1 || fail "callgrind_control -d $pid failed"
  capture_stop "cg-$path"
  drop=$(capture_dropped "cg-$path")
  tr=$(d_transitions "$name" "$mark")
  ir=$(awk '$1 == "summary:" {print $2}' "$RUN/cg.$pid.1")  # the first dump of that process
  read -r adverts _ < <(wire "cg-$path" count --mac "$(router_mac r1)" --after "$tz" --before "$td")
  per=$(awk -v i="$ir" -v a="$adverts" 'BEGIN {printf "%.0f", a ? i / a : 0}')
  read -r allocs news < <("$PY" "$BENCH_DIR/cgalloc.py" "$RUN/cg.$pid.1")
  aper=$(awk -v n="$allocs" -v a="$adverts" 'BEGIN {printf "%.3f", a ? n / a : 0}')
  csv_row callgrind.csv "$impl" "$path" "$CG_N" "$CG_ADV" "$(awk -v a="$tz" -v b="$td" 'BEGIN {printf "%.3f", b - a}')" \
    "$ir" "$adverts" "$per" "$tr" "$allocs" "$aper" "$news" "$drop"
  note "$impl $path: $ir instructions / $adverts adverts = $per per advert ($tr state changes);" \
    "$allocs heap allocations ($news operator new) = $aper per advert; the capture lost $drop frames"
}

lab_up 2
for impl in floatd keepalived; do
  gen_conf "$impl" r1 n="$CG_N" vrid=1 prio=150 state=MASTER adv="$CG_ADV"
  gen_conf "$impl" r2 n="$CG_N" vrid=1 prio=100 adv="$CG_ADV"
  note "$impl: send path, $CG_N instances at $CG_ADV s, under callgrind"
  d_start r1 "${VG[@]}"
  wait_for "settled r1 MASTER" 60 || fail "$impl r1 under callgrind did not settle"
  measure "$impl" send r1
  d_stop r1

  note "$impl: receive path, the Backup under callgrind"
  d_start r1
  wait_for "settled r1 MASTER" 30 || fail "$impl r1 did not settle"
  d_start r2 "${VG[@]}"
  wait_for "settled r2 BACKUP" 60 || fail "$impl r2 under callgrind did not settle"
  measure "$impl" receive r2
  d_stop r2
  d_stop r1
done
pass
