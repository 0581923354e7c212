# shellcheck shell=bash disable=SC2034,SC2004  # globals read by the experiments; FD_PID, CAP_PID: tests/netns/lib.sh
# Bench-only helpers: sourced by every bench/exp_*.sh after tests/netns/lib.sh, whose lab
# (lab_up, extra_ifaces, namespaces, the probe, capture_stop, cleanup trap) they reuse. What
# this adds:
#   - the same virtual routers run by floatd or by keepalived, behind one interface
#     (gen_conf, d_start, d_stop, d_pids, settled ...), so an experiment is written once and
#     run for both implementations;
#   - takeover trials on a pair with the 1 kHz probe and a wire capture (takeover_trial);
#   - nanosecond wire captures on the client's bridge port (wire_start) and the analysis in
#     bench/wire.py;
#   - /proc readings: RSS/PSS from smaps_rollup, utime+stime from stat;
#   - CSV output under bench/data (or BENCH_DATA).
#
# Experiment skeleton:
#   source "$(dirname "$0")/../tests/netns/lib.sh"; source "$(dirname "$0")/lib.sh"
#   bench_init takeover "$1"        # lab_init with prefix fdb<pid>-, the data dir, tools
#   lab_up 4
#   gen_conf floatd r1 prio=150 state=MASTER; gen_conf floatd r2 prio=100
#   pair_start r1 r2
#   wire_start w c; takeover_trial r1 r2 1 graceful w; csv_row ...

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DATA=${BENCH_DATA:-$BENCH_DIR/data}
QUICK=${BENCH_QUICK:-0}
EXP=""
declare -A IMPL_OF=()  # router -> floatd | keepalived (what runs or ran there)
declare -A KA_PID=()   # router -> keepalived parent pid
declare -A D_MARK=()   # router -> log_lines before its daemon was last started
declare -A NINST=()    # router -> number of instances in its last generated configuration
declare -A VIP_OF=()   # router -> its VIP when it has one instance

# bench_init NAME FLOATD: the lab (prefix fdb<pid>-, traps from tests/netns/lib.sh), the data
# directory, and the bench tools (tcpdump, keepalived, python3).
bench_init() {
  EXP=$1
  lab_init fdb "$2"
  TEST_NAME=bench/$EXP
  mkdir -p "$DATA"
  _need tcpdump
  _need keepalived
  _need "$PY"
  _probe_build
}

# note TEXT: a progress line (lib.sh's step) also kept in the experiment's log.
note() { step "$EXP: $*"; }

# csv FILE HEADER: starts DATA/FILE with HEADER (overwrites). csv_row FILE FIELDS...: one row.
csv() { printf '%s\n' "$2" >"$DATA/$1"; }
csv_row() {
  local f=$1
  shift
  local IFS=,
  printf '%s\n' "$*" >>"$DATA/$f"
}

# reps FULL QUICK: the repetitions to use (BENCH_N overrides both).
reps() { if [[ -n ${BENCH_N:-} ]]; then echo "$BENCH_N"; elif [[ $QUICK == 1 ]]; then echo "$2"; else echo "$1"; fi; }

# ---------------------------------------------------------------------------------------------
# Configurations: the same virtual routers for floatd and keepalived

# gen_conf IMPL NAME [key=value ...]: RUN/NAME.conf (floatd) or RUN/NAME.ka.conf (keepalived).
# Keys (defaults):
#   n=1         instances; with n > 1 they are spread over ifaces interfaces eth0.., VRIDs
#               vrid, vrid+1, ... on each, instance I on ethF/VRID V holding 10.(F+1).V.1/32
#   ifaces=1    interfaces the n instances are spread over
#   vrid=51     the first VRID
#   vip=$VIP4/24  the VIP when n=1
#   prio=100 adv=1 state=BACKUP
#   rt=         none; N: real-time priority N and locked memory (floatd vrrp_rt_priority and
#               vrrp_no_swap, keepalived the same keywords)
#   track=      none; weighted (script weight -60) or fault (weight 0): a check script that
#               tests the file RUN/NAME.up every second, fall 1, rise 1
#   prio1=      none; P: the first instance's priority instead of prio (a one-instance
#               change for a reload)
# Both get VRRPv3, preempt, garp delay 0 (one burst of 5 gratuitous ARPs), console logging.
gen_conf() {
  local impl=$1 name=$2 kv
  shift 2
  local -A o=([n]=1 [ifaces]=1 [vrid]=51 [vip]=$VIP4/24 [prio]=100 [adv]=1 [state]=BACKUP
    [track]="" [rt]="" [prio1]="")
  for kv in "$@"; do
    [[ -v "o[${kv%%=*}]" ]] || fail "gen_conf: unknown key ${kv%%=*}"
    o[${kv%%=*}]=${kv#*=}
  done
  local n=${o[n]} per f v i=0 vip prio weight=""
  per=$(((n + o[ifaces] - 1) / o[ifaces]))
  NINST[$name]=$n
  VIP_OF[$name]=${o[vip]%%/*}
  case ${o[track]} in
    "") ;;
    weighted) weight=-60 ;;
    fault) weight=0 ;;
    *) fail "gen_conf: track=${o[track]}" ;;
  esac
  if [[ $impl == floatd ]]; then
    {
      printf '[global]\nrouter_id = %s\n' "$name"
      [[ -z ${o[rt]} ]] || printf 'vrrp_rt_priority = %s\nvrrp_no_swap = yes\n' "${o[rt]}"
      printf '\n'
      if [[ -n $weight ]]; then
        printf '[script chk]\nscript = /usr/bin/test -f %s\ninterval = 1\nfall = 1\nrise = 1\nweight = %s\n\n' \
          "$RUN/$name.up" "$weight"
      fi
      for ((f = 0; f < o[ifaces]; f++)); do
        for ((v = o[vrid]; v < o[vrid] + per && i < n; v++, i++)); do
          vip=${o[vip]}
          ((n == 1)) || vip=10.$((f + 1)).$v.1/32
          printf '[instance v%d_%d]\ninterface = eth%d\nvirtual_router_id = %d\n' "$f" "$v" "$f" "$v"
          prio=${o[prio]}
          [[ $i -gt 0 || -z ${o[prio1]} ]] || prio=${o[prio1]}
          printf 'priority = %s\nadvert_int = %s\nversion = 3\npreempt = yes\nstate = %s\n' \
            "$prio" "${o[adv]}" "${o[state]}"
          printf 'virtual_ipaddress = %s\ngarp_master_delay = 0\n' "$vip"
          [[ -z $weight ]] || printf 'track_script = chk\n'
          printf '\n'
        done
      done
    } >"$RUN/$name.conf"
  else
    {
      printf 'global_defs {\n  router_id %s\n  vrrp_garp_master_delay 0\n  vrrp_version 3\n' "$name"
      [[ -z ${o[rt]} ]] || printf '  vrrp_rt_priority %s\n  vrrp_no_swap\n' "${o[rt]}"
      printf '}\n\n'
      if [[ -n $weight ]]; then
        printf 'vrrp_script chk {\n  script "/usr/bin/test -f %s"\n  interval 1\n  fall 1\n  rise 1\n  weight %s\n}\n\n' \
          "$RUN/$name.up" "$weight"
      fi
      for ((f = 0; f < o[ifaces]; f++)); do
        for ((v = o[vrid]; v < o[vrid] + per && i < n; v++, i++)); do
          vip=${o[vip]}
          ((n == 1)) || vip=10.$((f + 1)).$v.1/32
          printf 'vrrp_instance v%d_%d {\n  state %s\n  interface eth%d\n  virtual_router_id %d\n' \
            "$f" "$v" "${o[state]}" "$f" "$v"
          prio=${o[prio]}
          [[ $i -gt 0 || -z ${o[prio1]} ]] || prio=${o[prio1]}
          printf '  priority %s\n  advert_int %s\n  version 3\n' "$prio" "${o[adv]}"
          [[ -z $weight ]] || printf '  track_script {\n    chk\n  }\n'
          printf '  virtual_ipaddress {\n    %s\n  }\n}\n\n' "$vip"
        done
      done
    } >"$RUN/$name.ka.conf"
  fi
  IMPL_OF[$name]=$impl
}

# ---------------------------------------------------------------------------------------------
# Daemons: one interface for both implementations

# d_start NAME [WRAPPER...]: starts what gen_conf last wrote for NAME; returns once it runs
# (floatd: its control socket answers; keepalived: its VRRP child wrote its pid file and
# logged a first state). WRAPPER (e.g. valgrind ...) runs the daemon under another program.
d_start() {
  local name=$1
  shift
  D_MARK[$name]=$(log_lines "$name")
  if [[ ${IMPL_OF[$name]} == floatd ]]; then
    if [[ $# -eq 0 ]]; then start_floatd "$name"; else _start_floatd_wrapped "$name" "$@"; fi
  else
    _start_keepalived "$name" "$@"
  fi
}

# floatd under a wrapper: start_floatd does not take one; the same steps, a longer timeout.
_start_floatd_wrapped() {
  local name=$1 sock=$RUN/$1.sock pid
  shift
  rm -f "$sock"
  ip netns exec "$(ns "$name")" "$@" "$FLOATD" -f "$RUN/$name.conf" -l \
    --pid-file "$RUN/$name.pid" --control-socket "$sock" >>"$RUN/$name.log" 2>&1 &
  pid=$!
  FD_PID[$name]=$pid
  LAB_PIDS+=("$pid")
  local deadline=$((${EPOCHREALTIME/./} + 60000000))
  until "$FLOATCTL" -s "$sock" status --json >/dev/null 2>&1; do
    _alive "$pid" || fail "floatd (under $1) in $name exited during startup: $(tail -n 3 "$RUN/$name.log")"
    ((${EPOCHREALTIME/./} < deadline)) || fail "floatd (under $1) in $name: no control socket after 60 s"
    sleep 0.05
  done
}

_start_keepalived() {
  local name=$1 log=$RUN/$1.log pid mark
  shift
  [[ -z ${KA_PID[$name]:-} ]] || fail "keepalived already runs in $name"
  rm -f "$RUN/$name.ka.pid" "$RUN/$name.ka-vrrp.pid"
  mark=$(log_lines "$name")
  printf '=== bench: keepalived started at +%ss ===\n' "$(_since "$LAB_T0")" >>"$log"
  # -n foreground, -l console log, -G no syslog, -P VRRP only (lab-notes). Not -D: floatd
  # runs without -D too.
  ip netns exec "$(ns "$name")" "$@" keepalived -n -l -G -P -f "$RUN/$name.ka.conf" \
    -p "$RUN/$name.ka.pid" -r "$RUN/$name.ka-vrrp.pid" >>"$log" 2>&1 &
  pid=$!
  KA_PID[$name]=$pid
  LAB_PIDS+=("$pid")
  local deadline=$((${EPOCHREALTIME/./} + ($# > 0 ? 60 : 10) * 1000000))
  # Not a pipe into grep -q: with pipefail, tail's SIGPIPE on a long log (thousands of
  # instances) would fail the test after grep found the line.
  until [[ -s $RUN/$name.ka-vrrp.pid ]] &&
    grep -q 'Entering \(BACKUP\|MASTER\|FAULT\) STATE' <<<"$(log_since "$name" "$mark")"; do
    _alive "$pid" || fail "keepalived in $name exited during startup: $(log_since "$name" "$mark" | tail -n 5)"
    ((${EPOCHREALTIME/./} < deadline)) || fail "keepalived in $name: no VRRP state in time"
    sleep 0.01
  done
}

# d_signal NAME [SIG]: TERM (default) to floatd or to keepalived's parent; returns at once.
d_signal() {
  if [[ ${IMPL_OF[$1]} == floatd ]]; then
    signal_floatd "$1" "${2:-TERM}"
  else
    kill "-${2:-TERM}" "${KA_PID[$1]}"
  fi
}

# d_reap NAME: waits until the daemon (both keepalived processes) has exited.
d_reap() {
  local name=$1 pid child
  if [[ ${IMPL_OF[$name]} == floatd ]]; then
    reap_floatd "$name"
    return
  fi
  pid=${KA_PID[$name]:-}
  [[ -n $pid ]] || fail "d_reap $name: keepalived does not run there"
  child=$(cat "$RUN/$name.ka-vrrp.pid" 2>/dev/null || true)
  _wait_gone 10 "$pid" ${child:+"$child"} || fail "keepalived in $name did not exit in 10 s"
  wait "$pid" 2>/dev/null || true
  unset "KA_PID[$name]"
}

d_stop() {
  d_signal "$1" TERM
  d_reap "$1"
}

d_running() {
  if [[ ${IMPL_OF[$1]:-} == floatd ]]; then floatd_running "$1"; else [[ -n ${KA_PID[$1]:-} ]]; fi
}

# d_pids NAME: the daemon's processes (floatd: one; keepalived: parent and VRRP child).
d_pids() {
  if [[ ${IMPL_OF[$1]} == floatd ]]; then
    echo "${FD_PID[$1]}"
  else
    echo "${KA_PID[$1]} $(cat "$RUN/$1.ka-vrrp.pid")"
  fi
}

# d_vrrp_pid NAME: the process that runs VRRP (floatd; keepalived's VRRP child).
d_vrrp_pid() {
  if [[ ${IMPL_OF[$1]} == floatd ]]; then echo "${FD_PID[$1]}"; else cat "$RUN/$1.ka-vrrp.pid"; fi
}

# d_transitions NAME [MARK]: state changes logged since MARK (a log_lines value). floatd:
# "A -> B (reason)" with states in capitals, not its "priority 150 -> 90" lines.
d_transitions() {
  if [[ ${IMPL_OF[$1]} == floatd ]]; then
    log_since "$1" "${2:-0}" | grep -cE ' [A-Z]+ -> [A-Z]+ \(' || true
  else
    log_since "$1" "${2:-0}" | grep -c 'Entering \(BACKUP\|MASTER\|FAULT\) STATE' || true
  fi
}

# vip_count NAME: addresses of NAME in 10.0.0.0/8 (the n > 1 VIPs).
vip_count() {
  ip -n "$(ns "$1")" -4 -o addr show 2>/dev/null | awk '$4 ~ /^10\./ {c++} END {print c + 0}'
}

# settled NAME ROLE: every instance of NAME is in ROLE (MASTER or BACKUP) since the daemon was
# last started, judged the same way for both implementations and cheaply (this is polled while
# the daemons start): a MASTER holds all its VIPs, a BACKUP none, and the daemon has logged
# entering ROLE once per instance (floatd "X -> ROLE", keepalived "Entering ROLE STATE").
settled() {
  local name=$1 role=$2 n=${NINST[$1]} want=0 got pat
  [[ $role == MASTER ]] && want=$n
  if ((n == 1)); then
    got=$(has_vip "$name" "${VIP_OF[$name]}" && echo 1 || echo 0)
  else
    got=$(vip_count "$name")
  fi
  [[ $got == "$want" ]] || return 1
  pat="Entering $role STATE"
  [[ ${IMPL_OF[$name]} == floatd ]] && pat=" -> $role "
  (($(log_since "$name" "${D_MARK[$name]:-0}" | grep -c -- "$pat" || true) >= n))
}

# confirm_role NAME ROLE: floatd's own word (floatctl status --json): every instance in ROLE.
# keepalived has no such query; settled is all there is.
confirm_role() {
  [[ ${IMPL_OF[$1]} == floatd ]] || return 0
  local got
  got=$("$FLOATCTL" -s "$RUN/$1.sock" status --json |
    "$PY" -I -S -c 'import json, sys; d = json.load(sys.stdin); print(sum(i["state"] == sys.argv[1] for i in d["instances"]))' "$2")
  [[ $got == "${NINST[$1]}" ]] || fail "$1: floatctl status says $got of ${NINST[$1]} instances are $2"
}

# ---------------------------------------------------------------------------------------------
# Wire captures with kernel timestamps (nanoseconds), analysed by bench/wire.py

# wire_start TAG NAME [SNAPLEN]: every VRRP advert and ARP frame the bridge sends out of NAME's
# port, with the kernel's receive timestamps (the packet socket's, taken as the bridge forwards
# the frame; both routers' frames take the same path, so their differences are the routers').
# SNAPLEN (default tcpdump's, 262144) also sizes the ring's slots in immediate mode: the 8 MB
# buffer holds only ~32 frames at the default, so a burst of adverts (hundreds of instances
# due at once) needs a small one, e.g. 128 (enough for every header wire.py reads).
wire_start() {
  local tag=$1 port=p-$2 pid
  rm -f "$RUN/$tag.pcap"
  ip netns exec "$(ns br)" tcpdump -n -U --immediate-mode -j host --time-stamp-precision=nano \
    -B 8192 -s "${3:-262144}" -i "$port" -w "$RUN/$tag.pcap" 'ip proto 112 or arp' >"$RUN/$tag.tcpdump" 2>&1 &
  pid=$!
  CAP_PID[$tag]=$pid
  LAB_PIDS+=("$pid")
  wait_for "grep -qs 'listening on' '$RUN/$tag.tcpdump'" 5 || fail "tcpdump on $port did not start"
}

# capture_dropped TAG: after capture_stop, the packets the kernel dropped for that capture
# (tcpdump's own count; 0 when it printed none).
capture_dropped() {
  awk '$3 == "dropped" && $4 == "by" && $5 == "kernel" {n = $1} END {print n + 0}' "$RUN/$1.tcpdump"
}

# wire TAG ARGS...: bench/wire.py on RUN/TAG.pcap.
wire() {
  local tag=$1
  shift
  "$PY" "$BENCH_DIR/wire.py" "$@" "$RUN/$tag.pcap"
}

# ---------------------------------------------------------------------------------------------
# /proc readings

# mem_kb PID...: "RSS PSS" in kB, summed over the processes (smaps_rollup).
mem_kb() {
  local pid rss=0 pss=0 r p
  for pid in "$@"; do
    read -r r p < <(awk '$1 == "Rss:" {r = $2} $1 == "Pss:" {p = $2} END {print r, p}' \
      "/proc/$pid/smaps_rollup")
    rss=$((rss + r)) pss=$((pss + p))
  done
  echo "$rss $pss"
}

# mem_split PID...: where the RSS is, in kB, summed over the processes (/proc/PID/smaps, by
# mapping): "rss binary lib_text lib_data heap anon stack other". binary: the file mappings of
# the executable itself (text and data); lib_text / lib_data: every other file mapping,
# executable or not (shared libraries, the locale archive); heap: [heap] (brk); anon: anonymous
# mappings (malloc's mmap'd chunks and arenas, .bss beyond the file, thread stacks); stack:
# [stack]; other: [vdso], [vvar] and the like. heap + anon is what the daemon allocated.
mem_split() {
  local pid i r sum=(0 0 0 0 0 0 0 0)
  for pid in "$@"; do
    read -r -a r < <(awk -v exe="$(readlink "/proc/$pid/exe")" '
      /^[0-9a-f]+-[0-9a-f]+ / {
        path = $6
        if (path == "") k = 6
        else if (path == "[heap]") k = 5
        else if (path == "[stack]") k = 7
        else if (path ~ /^\[/) k = 8
        else if (path == exe) k = 2
        else if ($2 ~ /x/) k = 3
        else k = 4
        next
      }
      $1 == "Rss:" {m[1] += $2; m[k] += $2}
      END {for (i = 1; i <= 8; i++) printf "%d ", m[i]; print ""}' "/proc/$pid/smaps")
    for ((i = 0; i < 8; i++)); do sum[i]=$((sum[i] + r[i])); done
  done
  echo "${sum[*]}"
}

# cpu_ticks PID...: utime + stime in clock ticks, summed over the processes.
cpu_ticks() {
  local pid t=0 s
  for pid in "$@"; do
    s=$(cat "/proc/$pid/stat")
    s=${s##*) }
    # After "comm) ": field 3 is state; utime and stime are fields 14 and 15 of the line.
    read -r -a f <<<"$s"
    t=$((t + f[11] + f[12]))
  done
  echo "$t"
}

CLK_TCK=$(getconf CLK_TCK)

# ---------------------------------------------------------------------------------------------
# Small numeric helpers

# now_us: EPOCHREALTIME in microseconds.
now_us() { echo "${EPOCHREALTIME/./}"; }

# uptime_s: seconds since boot (/proc/uptime, 10 ms), for durations that a step of the wall
# clock (EPOCHREALTIME) must not upset.
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# mono_cs VAR: sets VAR to the uptime in centiseconds, an integer, without a fork: for the
# deadlines and waits of a loop, which EPOCHREALTIME would stretch by hours if the clock stepped.
mono_cs() {
  local up
  read -r up _ </proc/uptime
  printf -v "$1" '%s' "${up/./}"
}

# wall_mark: remembers EPOCHREALTIME and the uptime. wall_stepped: the wall clock has been
# stepped since (the two advanced by more than 50 ms apart), which voids every time taken
# from EPOCHREALTIME, packet or monitor timestamps in between (other work on a shared machine
# may set the clock).
wall_mark() { WALL_E=$EPOCHREALTIME WALL_U=$(uptime_s); }
wall_stepped() {
  awk -v e0="$WALL_E" -v u0="$WALL_U" -v e1="$EPOCHREALTIME" -v u1="$(uptime_s)" \
    'BEGIN {d = (e1 - e0) - (u1 - u0); exit !(d > 0.05 || d < -0.05)}'
}

# fmt_ms US: microseconds -> milliseconds with 3 decimals.
fmt_ms() { awk -v u="$1" 'BEGIN {printf "%.3f", u / 1000}'; }

# ---------------------------------------------------------------------------------------------
# Takeover trials on a pair: OLD (priority 150, state MASTER) and NEW (priority 100)

# pair_start OLD NEW: starts NEW, then OLD; returns once OLD alone holds the VIP and NEW has
# logged or reported BACKUP.
pair_start() {
  d_start "$2"
  d_start "$1"
  wait_for "settled $1 MASTER && settled $2 BACKUP" 15 ||
    fail "pair $1/$2 did not settle (VIP held by [$(vip_holders "${VIP_OF[$1]}" "$1" "$2")])"
}

# pair_restore OLD NEW: after a trial, OLD runs again with its link up and alone holds
# the VIP (it has sent an advert since), then a quiet period of 0.3 s. A stopped OLD is
# restarted; one that runs is left to take over again by itself (back from FAULT, tracker
# recovered; with preempt). floatd takes over at once when started with state MASTER, or
# after Skew_Time when it hears the lower-priority master (its fast preemption); keepalived
# 2.2.7 starts as a Backup whatever its state and takes over after Master_Down_Interval.
pair_restore() {
  local old=$1 new=$2 vip=${VIP_OF[$1]}
  link_up "$old"
  d_running "$old" || d_start "$old"
  wait_for "[[ \$(vip_holders $vip $old $new) == $old ]]" 15 ||
    fail "restore: $vip is held by [$(vip_holders "$vip" "$old" "$new")], expected [$old]"
  sleep 0.3
}

# takeover_trial OLD NEW ADV MODE TAG: one failure of OLD at a random phase of the advert
# cycle, MODE graceful (SIGTERM: priority-0 advert) or death (link down on OLD's eth0), with
# the 1 kHz probe on the VIP; TAG is a running wire_start capture on the client's port. Sets
# T_RAW_MS T_ADV_MS T_PROTO_MS T_LAT_MS (raw minus the protocol wait: Skew_Time for graceful,
# Master_Down_Interval for death, both of NEW's priority 100) and PROBE_* (lib.sh). Leaves
# the pair restored (pair_restore).
takeover_trial() {
  local old=$1 new=$2 adv=$3 mode=$4 tag=$5 vip=${VIP_OF[$1]} proto t_ev out
  # RFC 5798: Skew_Time = (256 - Priority) * Master_Adver_Interval / 256 and
  # Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time (lib.sh rounds to 0.1 ms).
  T_PROTO_MS=$(awk -v a="$adv" -v m="$mode" \
    'BEGIN {s = 156 * a / 256; printf "%.4f", (m == "graceful" ? s : 3 * a + s) * 1000}')
  proto=$(awk -v p="$T_PROTO_MS" 'BEGIN {printf "%.4f", p / 1000}')
  probe_start "$vip"
  random_phase "$adv"
  t_ev=$EPOCHREALTIME
  if [[ $mode == graceful ]]; then d_signal "$old" TERM; else link_down "$old"; fi
  wait_for "has_vip $new $vip" "$(add_s "$proto" 3)" ||
    fail "$mode: $new did not take $vip over within $(add_s "$proto" 3) s"
  # A stopped OLD has let go; then the gratuitous ARP burst, and replies through NEW again.
  [[ $mode != graceful ]] || wait_for "! has_vip $old $vip" 3 || fail "$mode: $old still holds $vip"
  sleep 0.3
  probe_stop
  # The window starts two intervals before the event: it holds OLD's last advert before a
  # link went down (OLD has been Master since before the quiet period, adverts at once).
  out=$(wire "$tag" takeover --old "$(router_mac "$old")" --new "$(router_mac "$new")" \
    --vrid "$(_vrid_of "$old")" --vip "$vip" --mode "$mode" --event "$t_ev" \
    --after "$(awk -v t="$t_ev" -v a="$adv" 'BEGIN {printf "%.6f", t - 2 * a - 0.05}')")
  read -r T_RAW_MS T_ADV_MS <<<"$out"
  T_LAT_MS=none
  [[ $T_RAW_MS == none ]] || T_LAT_MS=$(awk -v r="$T_RAW_MS" -v p="$T_PROTO_MS" 'BEGIN {printf "%.3f", r - p}')
  T_EV=$t_ev
  if [[ $mode == graceful ]]; then d_reap "$old"; fi
  pair_restore "$old" "$new"
}

# _vrid_of NAME: the VRID of NAME's (single) instance.
_vrid_of() {
  if [[ ${IMPL_OF[$1]} == floatd ]]; then
    awk -F' = ' '$1 == "virtual_router_id" {print $2; exit}' "$RUN/$1.conf"
  else
    awk '$1 == "virtual_router_id" {print $2; exit}' "$RUN/$1.ka.conf"
  fi
}

# ---------------------------------------------------------------------------------------------
# States, SIGKILL, VIP holders over time (exp_resilience.sh), advert loss (exp_loss.sh)

# d_state NAME: the state of NAME's (first) instance now: MASTER, BACKUP, FAULT, INIT, or none
# when no daemon answers. floatd: floatctl status (the text table, cheaper than --json and a
# Python parse: about 3 ms); keepalived: the last "Entering X STATE" it logged since it was
# last started (it has no query; the log is written as it goes, only its clock is coarse).
d_state() {
  local s
  if [[ ${IMPL_OF[$1]} == floatd ]]; then
    s=$("$FLOATCTL" -s "$RUN/$1.sock" status 2>/dev/null |
      awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "STATE") c = i; next} c {print $c; exit}') || true
  else
    [[ -n ${KA_PID[$1]:-} ]] || { echo none; return; }
    s=$(log_since "$1" "${D_MARK[$1]:-0}" | grep -o 'Entering [A-Z]* STATE' | tail -n 1) || true
    s=${s#Entering }
    s=${s% STATE}
  fi
  echo "${s:-none}"
}

# d_entered NAME STATE [MARK]: how often NAME logged entering STATE since MARK (a log_lines
# value): floatd "X -> STATE", keepalived "Entering STATE STATE".
d_entered() {
  local pat="Entering $2 STATE"
  [[ ${IMPL_OF[$1]} == floatd ]] && pat=" -> $2 "
  log_since "$1" "${3:-0}" | grep -c -- "$pat" || true
}

# pair_ok OLD NEW: OLD is Master and holds its VIP, NEW is Backup and does not (both asked now,
# d_state; unlike settled, which counts log lines since the start and is true from then on).
pair_ok() {
  local vip=${VIP_OF[$1]}
  [[ $(d_state "$1") == MASTER ]] && has_vip "$1" "$vip" &&
    [[ $(d_state "$2") == BACKUP ]] && ! has_vip "$2" "$vip"
}

# router_ip NAME: the IPv4 address of NAME's eth0 (192.168.100.(K+1) for rK).
router_ip() { ip -n "$(ns "$1")" -4 -o addr show dev eth0 | awk '{split($4, a, "/"); print a[1]; exit}'; }

# d_kill NAME: SIGKILL to every process of the daemon in one kill(1) (keepalived: the parent
# and its VRRP child, so that the parent cannot respawn the child); returns once all are gone.
# Nothing is cleaned up: the VIP stays where it was, as after a crash.
d_kill() {
  local name=$1 pids
  read -r -a pids <<<"$(d_pids "$name")"
  kill -KILL "${pids[@]}"
  if [[ ${IMPL_OF[$name]} == floatd ]]; then
    reap_floatd "$name" 137
    return
  fi
  _wait_gone 5 "${pids[@]}" || fail "keepalived in $name still runs 5 s after SIGKILL"
  wait "${KA_PID[$name]}" 2>/dev/null || true
  unset "KA_PID[$name]"
}

# vip_watch_start NAME...: follows NAME's address changes (ip -ts monitor address, one
# process per router, timestamps in µs) into RUN/NAME.vipmon, after a snapshot of its IPv4
# addresses in RUN/NAME.vipsnap; returns once every monitor listens. bench/vipwatch.py replays
# them: who held a VIP when, without polling (vip_watch). The timestamps are taken as ip reads
# the events: two that come together (a VIP removed and added back within microseconds) are
# read in one go, so changes shorter than a scheduling delay are not resolved.
vip_watch_start() {
  local r full pid deadline
  for r in "$@"; do
    full=$(ns "$r")
    ip -n "$full" -ts monitor address >"$RUN/$r.vipmon" 2>&1 &
    pid=$!
    LAB_PIDS+=("$pid")
    # Handshake as in addr_monitor_start: a marker address on lo until the monitor reports it.
    deadline=$((${EPOCHREALTIME/./} + 5000000))
    until grep -q 'inet 192.168.100.254/32' "$RUN/$r.vipmon"; do
      ((${EPOCHREALTIME/./} < deadline)) || fail "ip monitor in $r did not start"
      ip -n "$full" addr add 192.168.100.254/32 dev lo
      ip -n "$full" addr del 192.168.100.254/32 dev lo
      sleep 0.02
    done
    printf '%s %s\n' "$EPOCHREALTIME" \
      "$(ip -n "$full" -4 -o addr show | awk '{split($4, a, "/"); printf "%s ", a[1]}')" >"$RUN/$r.vipsnap"
  done
}

# vip_watch CMD VIP T0 T1 NAME...: bench/vipwatch.py CMD on the watched routers NAME, between
# the EPOCHREALTIME values T0 and T1. CMD overlap: the longest time at least two of them held
# VIP at once (ms), the longest time none did (ms), then the holders at T1; CMD single: from
# T0 to the moment exactly one held VIP for good (until T1), in ms ("none" if that is not so
# at T1), then who.
vip_watch() {
  local cmd=$1 vip=$2 t0=$3 t1=$4 r files=()
  shift 4
  for r in "$@"; do files+=("$r=$RUN/$r"); done
  "$PY" "$BENCH_DIR/vipwatch.py" "$cmd" --vip "$vip" --after "$t0" --before "$t1" "${files[@]}"
}

# advert_loss NAME FROM PCT: in NAME's namespace, nftables drops PCT % (numgen random, per
# packet, independently) of the VRRP packets from FROM (an IPv4 address) on input, before the
# daemon's raw socket sees them. Named counters "seen" (all from FROM) and "dropped". Every such
# packet also goes to NFLOG group 1 with the prefix P (passed) or D (dropped), in the order the
# rule saw them (loss_log_start records it: the exact loss pattern). advert_sent NAME: counter
# "sent" of the VRRP packets NAME sends (output hook). nft_count NAME COUNTER: a named
# counter's packets. queue-threshold 1: with the default batching tcpdump missed most packets.
advert_loss() {
  in_ns "$1" nft -f - <<NFT || fail "nft: could not install the loss rule in $1"
table inet fdbloss {
  counter seen {}
  counter dropped {}
  chain input {
    type filter hook input priority -10; policy accept;
    ip saddr $2 ip protocol 112 counter name "seen" jump sample
  }
  chain sample {
    numgen random mod 100 < $3 counter name "dropped" log prefix "D" group 1 snaplen 64 queue-threshold 1 drop
    log prefix "P" group 1 snaplen 64 queue-threshold 1
  }
}
NFT
}
# advert_loss_end NAME: removes NAME's loss rule and its counters (no more loss, no more NFLOG).
advert_loss_end() { in_ns "$1" nft delete table inet fdbloss; }

# loss_log_start NAME FROM: records NAME's loss decisions (NFLOG group 1, in order) in
# RUN/NAME.nflog.pcap, and the VRRP packets from FROM (an IPv4 address) that the bridge sends
# to NAME in RUN/NAME.port.pcap, with kernel timestamps: NFLOG's own timestamps are taken as
# tcpdump reads them (up to milliseconds late on a busy machine), so bench/lossrun.py times
# the k-th decision by the k-th packet on the port.
loss_log_start() {
  local tag=$1.nflog pid
  in_ns "$1" tcpdump -n -U -s 128 -i nflog:1 -w "$RUN/$tag.pcap" >"$RUN/$tag.tcpdump" 2>&1 &
  pid=$!
  CAP_PID[$tag]=$pid
  LAB_PIDS+=("$pid")
  wait_for "grep -qs 'listening on' '$RUN/$tag.tcpdump'" 5 || fail "tcpdump on nflog:1 in $1 did not start"
  tag=$1.port
  ip netns exec "$(ns br)" tcpdump -n -U --immediate-mode -j host --time-stamp-precision=nano \
    -s 128 -i "p-$1" -w "$RUN/$tag.pcap" "ip proto 112 and src host $2" >"$RUN/$tag.tcpdump" 2>&1 &
  pid=$!
  CAP_PID[$tag]=$pid
  LAB_PIDS+=("$pid")
  wait_for "grep -qs 'listening on' '$RUN/$tag.tcpdump'" 5 || fail "tcpdump on p-$1 did not start"
}
advert_sent() {
  in_ns "$1" nft -f - <<NFT || fail "nft: could not install the sent counter in $1"
table inet fdbsent {
  counter sent {}
  chain output {
    type filter hook output priority -10; policy accept;
    ip protocol 112 counter name "sent"
  }
}
NFT
}
nft_count() {
  local table=fdbloss
  [[ $2 == sent ]] && table=fdbsent
  in_ns "$1" nft list counter inet "$table" "$2" | awk '$1 == "packets" {print $2}'
}
