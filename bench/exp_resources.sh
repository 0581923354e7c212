#!/usr/bin/env bash
# Experiment 3: memory, start-up time to a settled state, and CPU, floatd and keepalived.
# r1 (150, state MASTER) and r2 (100), each with eth0..eth3 on four bridges.
#   Memory and settling, 1 and 1,000 instances (4 interfaces x 250 VRIDs, one /32 VIP each),
#   advert_int 1: r1 is started alone and timed until it holds every VIP and has logged
#   entering MASTER for every instance; then r2, timed until it has logged entering BACKUP for
#   every instance (and holds no VIP); polled every 20 ms (bench/lib.sh settled). floatd's
#   floatctl status --json must then agree (confirm_role). After
#   SETTLE_HOLD seconds, RSS and PSS of both from /proc/PID/smaps_rollup (keepalived: parent
#   plus VRRP child). RES_REPS repetitions. At the same moment, where that RSS lies
#   (lib.sh mem_split, from /proc/PID/smaps): the binary, shared libraries, heap and
#   anonymous mappings, stack; report.py derives the bytes per instance from 1 and 1,000.
#   CPU: 200 instances (4 x 50) at advert_int 0.1, utime+stime of master and backup over
#   CPU_SECONDS, checked free of state changes.
# Writes DATA/resources.csv, DATA/resources_mem.csv and DATA/cpu.csv.
# Usage: exp_resources.sh FLOATD
# shellcheck source-path=SCRIPTDIR source=../tests/netns/lib.sh
source "$(dirname "$0")/../tests/netns/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init resources "$1"

REPS=$(reps 3 1)
SETTLE_HOLD=3
CPU_SECONDS=${CPU_SECONDS:-30}
if [[ $QUICK == 1 ]]; then SETTLE_HOLD=1 CPU_SECONDS=${CPU_SECONDS_QUICK:-10}; fi
csv resources.csv impl,instances,trial,role,settle_ms,rss_kb,pss_kb,processes
csv resources_mem.csv impl,instances,trial,role,rss_kb,binary_kb,lib_text_kb,lib_data_kb,heap_kb,anon_kb,stack_kb,other_kb
csv cpu.csv impl,instances,advert_int,seconds,role,cpu_ticks,cpu_pct,transitions

# wait_settled NAME ROLE TIMEOUT_S T0_US: polls every 20 ms; prints the ms since T0_US.
wait_settled() {
  local deadline=$((${EPOCHREALTIME/./} + $3 * 1000000))
  until settled "$1" "$2"; do
    ((${EPOCHREALTIME/./} < deadline)) || fail "$1 did not settle as $2 within $3 s"
    sleep 0.02
  done
  fmt_ms $((${EPOCHREALTIME/./} - $4))
}

lab_up 2
extra_ifaces 3 r1 r2
for impl in floatd keepalived; do
  for n in 1 1000; do
    ifaces=4
    ((n > 1)) || ifaces=1
    for ((i = 1; i <= REPS; i++)); do
      gen_conf "$impl" r1 n="$n" ifaces="$ifaces" vrid=1 prio=150 state=MASTER adv=1
      gen_conf "$impl" r2 n="$n" ifaces="$ifaces" vrid=1 prio=100 adv=1
      t0=$(now_us)
      d_start r1
      s1=$(wait_settled r1 MASTER 120 "$t0")
      t0=$(now_us)
      d_start r2
      s2=$(wait_settled r2 BACKUP 120 "$t0")
      confirm_role r1 MASTER
      confirm_role r2 BACKUP
      sleep "$SETTLE_HOLD"
      settled r1 MASTER || fail "$impl r1 left MASTER"
      for r in r1 r2; do
        read -r -a pids <<<"$(d_pids "$r")"
        read -r rss pss <<<"$(mem_kb "${pids[@]}")"
        read -r -a split <<<"$(mem_split "${pids[@]}")"
        role=master s=$s1
        [[ $r == r2 ]] && role=backup s=$s2
        csv_row resources.csv "$impl" "$n" "$i" "$role" "$s" "$rss" "$pss" "${#pids[@]}"
        csv_row resources_mem.csv "$impl" "$n" "$i" "$role" "${split[@]}"
        note "$impl $n instances #$i $role: settled in $s ms, RSS $rss kB, PSS $pss kB (${#pids[@]} processes)"
      done
      d_stop r2
      d_stop r1
    done
  done

  n=200
  gen_conf "$impl" r1 n=$n ifaces=4 vrid=1 prio=150 state=MASTER adv=0.1
  gen_conf "$impl" r2 n=$n ifaces=4 vrid=1 prio=100 adv=0.1
  t0=$(now_us)
  d_start r1
  wait_settled r1 MASTER 60 "$t0" >/dev/null
  d_start r2
  wait_settled r2 BACKUP 60 "$t0" >/dev/null
  sleep 2
  m1=$(log_lines r1) m2=$(log_lines r2)
  read -r -a p1 <<<"$(d_pids r1)"
  read -r -a p2 <<<"$(d_pids r2)"
  a1=$(cpu_ticks "${p1[@]}") a2=$(cpu_ticks "${p2[@]}") t0=$(now_us)
  sleep "$CPU_SECONDS"
  b1=$(cpu_ticks "${p1[@]}") b2=$(cpu_ticks "${p2[@]}") t1=$(now_us)
  for r in r1 r2; do
    if [[ $r == r1 ]]; then d=$((b1 - a1)) role=master mark=$m1; else d=$((b2 - a2)) role=backup mark=$m2; fi
    pct=$(awk -v d="$d" -v hz="$CLK_TCK" -v us=$((t1 - t0)) 'BEGIN {printf "%.2f", d / hz / (us / 1e6) * 100}')
    tr=$(d_transitions "$r" "$mark")
    csv_row cpu.csv "$impl" "$n" 0.1 "$(fmt_ms $(((t1 - t0) / 1000)))" "$role" "$d" "$pct" "$tr"
    note "$impl $n instances at 0.1 s, $role: CPU $pct% over $CPU_SECONDS s, $tr state changes"
  done
  d_stop r2
  d_stop r1
done
pass
