#!/usr/bin/env bash
# The soak (issue 15): a week of churn in an hour. Two floatd nodes in network namespaces
# (tests/netns/lib.sh), N instances each at advert_int 0.1, while tests/soak/driver.py reloads,
# flaps and deletes links, deletes VIPs by hand, fails and hangs the check script, toggles the
# track file, sends storms of control clients that vanish mid-frame, hands over and holds
# instances in maintenance, at random and each logged with its time; meanwhile:
#   - `floatctl events --json` of both nodes, started before the driver (RUN/r1.events, ...);
#   - sampler.py: fd count, VmRSS and zombie children of each floatd every SAMPLE_S seconds;
#   - tcpdump on r1's bridge port with kernel timestamps: the adverts of the sentinel instance
#     v0_1 from r1, which no action touches (RUN/soak/sentinel.pcap);
#   - lib.sh's scheduler probe (RUN/sched.late).
# Then both floatd are stopped (SIGTERM: status 0, nothing left in their namespaces), and
# tests/soak/check.py matches every transition to an action, judges the readings and writes the
# Markdown report (its docstring has the rules).
#
#   make soak: tests/soak/soak.sh FLOATD [REPORT]   SOAK_MINUTES (60), SOAK_INSTANCES (1000),
#              SOAK_SEED, SOAK_RSS_PCT (1); REPORT defaults to soak/REPORT.md, and the raw data
#              (actions, samples, events, logs) go next to it in soak/data/.
#   CI:        tests/netns/t_soak.sh sources this file after test_init and calls soak_run ci.
# shellcheck shell=bash source-path=SCRIPTDIR

SOAK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
declare -A EV_PID=()  # node -> its `floatctl events --json` reader
SOAK_RC=0

# soak_floatd NAME: floatd in NAME with RUN/NAME.conf, as lib.sh's start_floatd but with 60 s for
# the control socket to answer (a thousand instances take a while to start).
soak_floatd() {
  local name=$1 sock=$RUN/$1.sock pid deadline
  rm -f "$sock"
  FD_MARK[$name]=$(log_lines "$name")
  ip netns exec "$(ns "$name")" "$FLOATD" -f "$RUN/$name.conf" -l --pid-file "$RUN/$name.pid" \
    --control-socket "$sock" >>"$RUN/$name.log" 2>&1 &
  pid=$!
  FD_PID[$name]=$pid
  LAB_PIDS+=("$pid")
  deadline=$((${EPOCHREALTIME/./} + 60000000))
  until "$FLOATCTL" -s "$sock" version >/dev/null 2>&1; do
    _alive "$pid" || fail "floatd in $name exited during startup: $(tail -n 5 "$RUN/$name.log")"
    ((${EPOCHREALTIME/./} < deadline)) || fail "floatd in $name: no control socket after 60 s"
    sleep 0.05
  done
}

# soak_count NAME STATE: how many of NAME's instances floatctl status reports in STATE.
soak_count() {
  "$FLOATCTL" -s "$RUN/$1.sock" status --json 2>/dev/null |
    "$PY" -I -S -c 'import json, sys; print(sum(i["state"] == sys.argv[1] for i in json.load(sys.stdin)["instances"]))' "$2" 2>/dev/null ||
    echo 0
}

# soak_settle NAME STATE N TIMEOUT_S: polls until all N instances of NAME are in STATE.
soak_settle() {
  local got deadline=$((${EPOCHREALTIME/./} + $4 * 1000000))
  while :; do
    got=$(soak_count "$1" "$2")
    [[ $got == "$3" ]] && return 0
    ((${EPOCHREALTIME/./} < deadline)) || fail "$1: $got of $3 instances $2 after $4 s"
    sleep 0.5
  done
}

# soak_stop NAME: SIGTERM, up to 60 s to exit; facts: exit status and the ms it took.
soak_stop() {
  local name=$1 pid=${FD_PID[$1]:-} t0
  [[ -n $pid ]] || return 0
  t0=${EPOCHREALTIME/./}
  kill -TERM "$pid" 2>/dev/null || true
  if ! _wait_gone 60 "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    _wait_gone 5 "$pid" || true
  fi
  _reap "$name"
  echo "floatd_${name}_exit=${FD_RC[$name]}"
  echo "floatd_${name}_stop_ms=$(((${EPOCHREALTIME/./} - t0) / 1000))"
}

# soak_run MODE MINUTES INSTANCES REPORT: the whole run on a fresh lab (lab_init done); sets
# SOAK_RC to check.py's status (0: every assertion passed).
soak_run() {
  local mode=$1 minutes=$2 n=$3 report=$4 k=2 every=2 rss_pct S t0 dpid drc=0 r m1 m2 secs
  local next_note left p sampler_pid rt
  S=$RUN/soak
  _need "$PY"
  _need tcpdump
  ((n >= 400)) && k=4
  [[ $mode == soak ]] && every=10
  rss_pct=${SOAK_RSS_PCT:-1}
  rt=${SOAK_RT_PRIORITY:-0}
  # CI: 10 %. Between two quiet moments the RSS of a correct floatd at 100 instances moves by
  # up to 5 % either way (glibc's arenas: the config loader's thread, control replies), and two
  # minutes cannot tell a slow leak from that: the short run catches gross leaks only.
  [[ $mode == soak || -n ${SOAK_RSS_PCT:-} ]] || rss_pct=10
  step "soak ($mode): $n instances per node on $k interfaces, advert_int 0.1, $minutes min"
  lab_up 2
  "$PY" "$SOAK_DIR/driver.py" genconf --run "$RUN" --prefix "$LAB_PFX" --instances "$n" \
    --ifaces "$k" --floatctl "$FLOATCTL" --rt-priority "$rt"
  "$PY" "$SOAK_DIR/driver.py" ifaces --model "$S/model.json"
  {
    echo "minutes=$minutes"
    echo "machine=$(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), Linux $(uname -r)"
    echo "rt_priority=$rt"
    echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "floatd_version=$("$FLOATD" --version 2>&1 | head -n 1), git $(git -C "$SOAK_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "r1_mac=$(router_mac r1)"
  } >"$S/facts.txt"

  t0=$EPOCHREALTIME
  soak_floatd r1
  soak_settle r1 MASTER "$n" 300
  echo "settle_r1_s=$(_since "$t0")" >>"$S/facts.txt"
  t0=$EPOCHREALTIME
  soak_floatd r2
  soak_settle r2 BACKUP "$n" 300
  echo "settle_r2_s=$(_since "$t0")" >>"$S/facts.txt"
  step "settled: r1 MASTER and r2 BACKUP of all $n"
  sleep 1

  m1=$(log_lines r1) m2=$(log_lines r2)
  for r in r1 r2; do
    events_start "$r"
    EV_PID[$r]=${LAB_PIDS[-1]}
  done
  # The sentinel's adverts: VRID 1 (vrrp[1], the byte after the IPv4 header) from r1's MAC.
  ip netns exec "$(ns br)" tcpdump -n -U --immediate-mode -j host --time-stamp-precision=nano \
    -B 8192 -s 128 -i p-r1 -w "$S/sentinel.pcap" \
    "ether src $(router_mac r1) and ip proto 112 and vrrp[1] = 1" \
    >"$S/sentinel.tcpdump" 2>&1 &
  CAP_PID[sentinel]=$!
  LAB_PIDS+=("$!")
  wait_for "grep -qs 'listening on' '$S/sentinel.tcpdump'" 5 ||
    fail "tcpdump on p-r1 did not start: $(cat "$S/sentinel.tcpdump")"
  "$PY" "$SOAK_DIR/sampler.py" run --every "$every" --out "$S/samples.jsonl" \
    r1="${FD_PID[r1]}" r2="${FD_PID[r2]}" &
  LAB_PIDS+=("$!")
  sampler_pid=$!

  step "driver: $minutes min of churn (log: $S/actions.jsonl)"
  "$PY" "$SOAK_DIR/driver.py" run --model "$S/model.json" --minutes "$minutes" \
    --log "$S/actions.jsonl" --pid r1="${FD_PID[r1]}" --pid r2="${FD_PID[r2]}" \
    ${SOAK_SEED:+--seed "$SOAK_SEED"} >"$S/driver.out" 2>&1 &
  dpid=$!
  LAB_PIDS+=("$dpid")
  secs=$(awk -v m="$minutes" 'BEGIN {printf "%d", m * 60 + 300}')
  t0=${EPOCHREALTIME/./}
  next_note=60
  while _alive "$dpid"; do
    if ((${EPOCHREALTIME/./} - t0 >= next_note * 1000000)); then
      step "driver: +${next_note} s, $(grep -c '"ev": "end"' "$S/actions.jsonl" || true) actions done"
      next_note=$((next_note + 60))
    fi
    ((${EPOCHREALTIME/./} - t0 < secs * 1000000)) || fail "the driver still runs after $secs s"
    sleep 1
  done
  wait "$dpid" || drc=$?
  ((drc == 0)) || step "driver: exit status $drc: $(tail -n 3 "$S/driver.out")"

  {
    for r in r1 r2; do
      if floatd_running "$r"; then echo "floatd_${r}_alive_at_end=1"; else echo "floatd_${r}_alive_at_end=0"; fi
    done
    capture_stop sentinel
    echo "capture_dropped=$(awk '$3 == "dropped" && $4 == "by" && $5 == "kernel" {n = $1} END {print n + 0}' "$S/sentinel.tcpdump")"
    kill -TERM "$sampler_pid" 2>/dev/null || true
    for r in r1 r2; do
      if _alive "${EV_PID[$r]}"; then echo "events_${r}_alive=1"; else echo "events_${r}_alive=0"; fi
      kill -TERM "${EV_PID[$r]}" 2>/dev/null || true
    done
    _wait_gone 2 "${EV_PID[r1]}" "${EV_PID[r2]}" || true
    echo "log_transitions_r1=$(log_since r1 "$m1" | grep -cE ' [A-Z]+ -> [A-Z]+ \(' || true)"
    echo "log_transitions_r2=$(log_since r2 "$m2" | grep -cE ' [A-Z]+ -> [A-Z]+ \(' || true)"
    soak_stop r2
    soak_stop r1
    for r in r1 r2; do
      left=""
      for p in $(ip netns pids "$(ns "$r")" 2>/dev/null); do left+="$(cat "/proc/$p/comm" 2>/dev/null)($p) "; done
      echo "left_$r=${left% }"
    done
    echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)"
  } >>"$S/facts.txt"

  SOAK_RC=0
  # Under AddressSanitizer (make check-asan) RSS says nothing of floatd: its quarantine keeps
  # freed memory (tests/netns/t_control.sh skips its bound the same way).
  local unchecked=()
  ldd "$FLOATD" 2>/dev/null | grep -q libasan &&
    unchecked=(--rss-unchecked "floatd is built with AddressSanitizer, whose quarantine keeps freed memory")
  "$PY" "$SOAK_DIR/check.py" --soak "$S" --mode "$mode" --report "$report" \
    --events r1="$RUN/r1.events" --events r2="$RUN/r2.events" --sched "$RUN/sched.late" \
    --rss-pct "$rss_pct" "${unchecked[@]}" || SOAK_RC=$?
  printf '\n'
  cat "$report"
  step "report: $report"
}

# soak_keep DIR: the raw data of the run (driver log, samples, facts, events, floatd logs,
# capture) into DIR, for make soak (the run directory goes at exit).
soak_keep() {
  mkdir -p "$1"
  cp "$RUN/soak/actions.jsonl" "$RUN/soak/samples.jsonl" "$RUN/soak/facts.txt" \
    "$RUN/soak/model.json" "$RUN/soak/sentinel.pcap" "$RUN/sched.late" "$1/" 2>/dev/null || true
  for r in r1 r2; do
    cp "$RUN/$r.events" "$1/$r.events.jsonl" 2>/dev/null || true
    gzip -c "$RUN/$r.log" >"$1/$r.log.gz" 2>/dev/null || true
    cp "$RUN/$r.conf" "$1/" 2>/dev/null || true
  done
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  # make soak
  if [[ $(id -u) -ne 0 ]]; then
    echo "make soak needs root (network namespaces, raw sockets): sudo make soak" >&2
    exit 1
  fi
  if [[ $# -lt 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/floatd [REPORT]" >&2
    exit 2
  fi
  # shellcheck source=../netns/lib.sh
  source "$SOAK_DIR/../netns/lib.sh"
  # shellcheck source=../netns/services.sh
  source "$SOAK_DIR/../netns/services.sh"  # events_start
  report=$(realpath -m "${2:-$SOAK_DIR/../../soak/REPORT.md}")
  lab_init fds "$1"
  TEST_NAME=soak
  soak_run soak "${SOAK_MINUTES:-60}" "${SOAK_INSTANCES:-1000}" "$report"
  soak_keep "$(dirname "$report")/data"
  exit "$SOAK_RC"
fi
