#!/usr/bin/env bash
# make bench: floatd and keepalived side by side, in network namespaces of one run.
#
#   bench/run.sh [PATH/TO/floatd]         (root; default build/floatd)
#
# Runs each experiment script in turn (bench/exp_*.sh; each builds its own lab of namespaces
# named fdb<pid>-* and removes it on every exit path), then bench/report.py, which writes
# the results as Markdown. A full run writes bench/RESULTS.md and bench/data/*.csv and takes
# about 80 minutes on 2 cores: the 10-minute advert-loss run goes in the background of the
# takeover, outage, resources, callgrind, resilience and splitbrain experiments; the scale
# experiment (issue 14) holds 4,000 and 1,000 instances for 10 minutes each, floatd and
# keepalived one after the other (about 45 minutes); the 10-minute spurious-transition run
# under load comes last, alone. BENCH_QUICK=1 runs every experiment with few repetitions
# (about 10 minutes, to check the scripts) and writes bench/RESULTS-quick.md and
# bench/data-quick/ instead, so it never overwrites a full run.
#
# Environment:
#   BENCH_QUICK=1           few repetitions, short windows
#   BENCH_EXPERIMENTS=...   a subset, in order: takeover outage resources callgrind fast
#                           resilience splitbrain scale loss (a subset without BENCH_QUICK=1 still
#                           rewrites bench/RESULTS.md, from bench/data as the subset leaves it)
#   BENCH_N=N               repetitions of every repeated trial (default 10, but 8 for the
#                           tracked-service trials and 3 for resources; quick 2, 1 and 1)
#   SPURIOUS_SECONDS=S      the spurious-transition run under load (default 600; quick 20)
#   CPU_SECONDS=S           the CPU measurement window (default 30; quick 10)
#   PARTITIONS=N            partition-and-heal rounds (default 50; quick 3; else BENCH_N)
#   KILLS=N                 SIGKILL-and-restart rounds per implementation (default 20; quick
#                           3; else BENCH_N)
#   LOSS_SECONDS=S          the advert-loss run (default 600; quick 20); LOSS_PCTS="1 5" the
#                           loss percentages (one floatd and one keepalived pair each, at most
#                           4 pairs), LOSS_ADV the advert interval (0.1)
#   SB_CUT=S                splitbrain: how long each LAN cut lasts (default 10; quick 6);
#                           SB_ADV its advert interval (1). Its LAN cuts and link-down trials
#                           are BENCH_N each (default 10; quick 2).
#   SCALE_HOLD=S            the scale experiment's hold, per implementation and configuration
#                           (default 600; quick 15); SCALE_CONFIGS its configurations
#                           (default "4000:16:1 1000:4:0.1": instances:interfaces:advert_int)
#   TAKEOVER_ADVS, HANDOVER_ADVS, TRACK_ADVS, FAST_ADV, CG_N, CG_ADV, CG_SECONDS: see the
#   experiment scripts.
set -euo pipefail
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
FLOATD=$(realpath "${1:-$ROOT/build/floatd}")
QUICK=${BENCH_QUICK:-0}
[[ $QUICK == 0 || $QUICK == 1 ]] || { echo "BENCH_QUICK must be 0 or 1" >&2; exit 2; }
EXPERIMENTS=${BENCH_EXPERIMENTS:-takeover outage resources callgrind fast resilience splitbrain scale loss}

if [[ $(id -u) -ne 0 ]]; then
  echo "make bench needs root (network namespaces, raw sockets): sudo make bench" >&2
  exit 1
fi
[[ -x $FLOATD ]] || { echo "no floatd at $FLOATD: make build" >&2; exit 1; }
missing=()
for cmd in ip tcpdump keepalived valgrind callgrind_control python3 cc ping; do
  command -v "$cmd" >/dev/null || missing+=("$cmd")
done
# The advert-loss experiment drops adverts with nftables (no netem on such kernels).
[[ " $EXPERIMENTS " != *" loss "* ]] || command -v nft >/dev/null || missing+=(nft)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "make bench needs: ${missing[*]} (apt-get install keepalived tcpdump valgrind python3 gcc iputils-ping nftables)" >&2
  exit 1
fi
command -v stress-ng >/dev/null ||
  echo "note: stress-ng is not installed (apt-get install stress-ng); the fast-timer load falls back to shell busy loops" >&2

if [[ $QUICK == 1 ]]; then
  DATA=$BENCH_DIR/data-quick RESULTS=$BENCH_DIR/RESULTS-quick.md
else
  DATA=$BENCH_DIR/data RESULTS=$BENCH_DIR/RESULTS.md
fi
export BENCH_DATA=$DATA BENCH_QUICK=$QUICK
mkdir -p "$DATA"
# A run of every experiment starts from nothing; a subset keeps the other experiments' files.
[[ -n ${BENCH_EXPERIMENTS:-} ]] || rm -f "$DATA"/*.csv "$DATA"/*.log
rm -f "$DATA/meta.txt"

# A private copy of the binary (and its floatctl name): every experiment runs the same floatd
# even if the build directory is rebuilt meanwhile.
BIN=$(mktemp -d "${TMPDIR:-/tmp}/fdbench-bin.XXXXXX")
CHILD=""
trap 'rm -rf "$BIN"' EXIT
cp "$FLOATD" "$BIN/floatd"
ln -s floatd "$BIN/floatctl"
on_signal() {
  echo "bench: interrupted, stopping the running experiment (it cleans up its namespaces)" >&2
  [[ -z $CHILD ]] || kill -TERM "$CHILD" 2>/dev/null || true
  [[ -z $CHILD ]] || wait "$CHILD" 2>/dev/null || true
  [[ -z ${LOSS_PID:-} ]] || kill -TERM "$LOSS_PID" 2>/dev/null || true
  [[ -z ${LOSS_PID:-} ]] || wait "$LOSS_PID" 2>/dev/null || true
  exit 130
}
trap on_signal INT TERM

# The machine and the versions, for the report.
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "quick=$QUICK"
  echo "nproc=$(nproc)"
  echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "memory=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "floatd=$("$FLOATD" --version 2>&1 | head -n 1)"
  echo "floatd_build=$(meson introspect "$(dirname "$FLOATD")" --buildoptions 2>/dev/null |
    python3 -c 'import json, sys; o = {x["name"]: x["value"] for x in json.load(sys.stdin)}; print(o["buildtype"], "b_ndebug=" + o["b_ndebug"])' 2>/dev/null || echo unknown)"
  echo "git=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "keepalived=$(keepalived --version 2>&1 | head -n 1)"
  echo "valgrind=$(valgrind --version)"
  echo "tcpdump=$(tcpdump --version 2>&1 | head -n 1)"
  echo "stress_ng=$(stress-ng --version 2>/dev/null | head -n 1 || echo none)"
  echo "nft=$(nft --version 2>/dev/null | head -n 1 || echo none)"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$DATA/meta.txt"

echo "bench: $([[ $QUICK == 1 ]] && echo quick || echo full) run of: $EXPERIMENTS; data in $DATA"
printf 'experiment,status,seconds\n' >"$DATA/runs.csv"
failed=()
t_all=$SECONDS
# run_exp NAME: one experiment in the foreground, its output in DATA/NAME.log.
run_exp() {
  local e=$1 t0=$SECONDS rc=0
  echo "bench: === $e ==="
  "$BENCH_DIR/exp_$e.sh" "$BIN/floatd" > >(tee "$DATA/$e.log") 2>&1 &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  record "$e" "$rc" $((SECONDS - t0))
}
record() {
  printf '%s,%s,%s\n' "$1" "$2" "$3" >>"$DATA/runs.csv"
  if [[ $2 -ne 0 ]]; then
    failed+=("$1")
    echo "bench: $1 FAILED (status $2); see $DATA/$1.log" >&2
  fi
}
for e in $EXPERIMENTS; do
  [[ -x $BENCH_DIR/exp_$e.sh ]] || { echo "bench: no experiment '$e' ($BENCH_DIR/exp_$e.sh)" >&2; exit 2; }
done
# The advert-loss run (10 minutes, a few percent of one CPU) goes in the background of the
# experiments that do not load the CPU on purpose, in its own lab, so that the whole run stays
# under 30 minutes; the fast-timer experiment (both cores kept busy) waits until it is done.
LOSS_PID="" loss_t0=$SECONDS
if [[ " $EXPERIMENTS " == *" loss "* ]]; then
  echo "bench: === loss (in the background) ==="
  "$BENCH_DIR/exp_loss.sh" "$BIN/floatd" >"$DATA/loss.log" 2>&1 &
  LOSS_PID=$!
fi
for e in $EXPERIMENTS; do
  [[ $e != loss && $e != fast ]] || continue
  run_exp "$e"
done
if [[ -n $LOSS_PID ]]; then
  echo "bench: waiting for the loss run"
  rc=0
  wait "$LOSS_PID" || rc=$?
  LOSS_PID=""
  record loss "$rc" $((SECONDS - loss_t0))
fi
[[ " $EXPERIMENTS " != *" fast "* ]] || run_exp fast
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$DATA/meta.txt"
echo "seconds=$((SECONDS - t_all))" >>"$DATA/meta.txt"

python3 "$BENCH_DIR/report.py" "$DATA" "$RESULTS"
echo "bench: wrote $RESULTS ($((SECONDS - t_all)) s)"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "bench: failed experiments: ${failed[*]}" >&2
  exit 1
fi
