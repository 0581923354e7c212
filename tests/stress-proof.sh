#!/usr/bin/env bash
# The "never cries wolf" proof (issue 10): runs meson tests N times in a row while
# `stress-ng --cpu 2` keeps both CPUs of a small machine busy, and prints a table of pass/fail
# per test and run. stress-ng is stopped on every exit path (success, failure, Ctrl-C).
#
#   tests/stress-proof.sh [-C BUILDDIR] [-n RUNS] [-o OUTDIR] [TEST...]
#
# Defaults: build/, 5 runs, the timing-sensitive tests of the netns, tracking and interop
# suites. Each test's log of each run goes to OUTDIR (default: a new directory under /tmp),
# so a failure can be read afterwards. Exit status 0 only when every run of every test passed
# (or skipped). Needs root for the netns and interop tests, like meson test does.
set -Eeuo pipefail

builddir=build runs=5 outdir=""
while getopts "C:n:o:h" opt; do
  case $opt in
    C) builddir=$OPTARG ;;
    n) runs=$OPTARG ;;
    o) outdir=$OPTARG ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
tests=("$@")
if [[ ${#tests[@]} -eq 0 ]]; then
  tests=(netns-election netns-host_death netns-graceful_stop netns-crash netns-preempt
    netns-preempt_delay netns-owner netns-tie_break netns-three_routers netns-ipv6 netns-vrrpv2
    netns-unicast netns-maintenance netns-track_script_edge netns-track_mysql netns-track_http
    netns-track_file_iface interop-keepalived_v3 interop-keepalived_v6 interop-keepalived_v2
    interop-keepalived_unicast interop-keepalived_tie interop-frr interop-three interop-checksum)
fi
command -v stress-ng >/dev/null || { echo "stress-ng is not installed" >&2; exit 1; }
[[ -f $builddir/build.ninja ]] || { echo "$builddir is not a meson build directory" >&2; exit 1; }
[[ -n $outdir ]] || outdir=$(mktemp -d "${TMPDIR:-/tmp}/stress-proof.XXXXXX")
mkdir -p "$outdir"

stress_pid=""
stop_stress() {
  if [[ -n $stress_pid ]] && kill -0 "$stress_pid" 2>/dev/null; then
    kill -TERM "$stress_pid" 2>/dev/null || true
    wait "$stress_pid" 2>/dev/null || true
  fi
  stress_pid=""
}
trap stop_stress EXIT
trap 'echo "interrupted: stopping stress-ng" >&2; exit 130' INT TERM

ninja -C "$builddir" >/dev/null
stress-ng --cpu 2 --timeout 0 --quiet &
stress_pid=$!
sleep 1  # a start-up grace for stress-ng itself, not a wait for a condition
kill -0 "$stress_pid" 2>/dev/null || { echo "stress-ng did not start" >&2; exit 1; }
echo "stress-ng --cpu 2 running (pid $stress_pid); $runs runs of ${#tests[@]} tests; logs in $outdir"

declare -A result=()
failed=0
for ((run = 1; run <= runs; run++)); do
  for t in "${tests[@]}"; do
    log=$outdir/$t.run$run.log
    start=$EPOCHREALTIME rc=0
    meson test -C "$builddir" --no-rebuild --print-errorlogs "$t" >"$log" 2>&1 || rc=$?
    # meson prints only the last 100 lines of a failure: keep the whole of it (FAIL: line first)
    cp "$builddir/meson-logs/testlog.txt" "$log.full" 2>/dev/null || true
    secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')
    if grep -q '^Ok: *1' "$log"; then r=pass
    elif grep -q '^Skipped: *1' "$log"; then r=skip
    else r=FAIL; failed=$((failed + 1)); fi
    [[ $rc -eq 0 || $r == FAIL ]] || r=FAIL
    result[$t:$run]=$r
    printf 'run %d %-32s %-4s %3ss  (load %s)\n' "$run" "$t" "$r" "$secs" \
      "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
stop_stress

printf '\n%-32s' test
for ((run = 1; run <= runs; run++)); do printf ' run%-2d' "$run"; done
printf '\n'
for t in "${tests[@]}"; do
  printf '%-32s' "$t"
  for ((run = 1; run <= runs; run++)); do printf ' %-5s' "${result[$t:$run]}"; done
  printf '\n'
done
echo
if ((failed > 0)); then
  echo "$failed failed run(s); logs in $outdir:"
  for t in "${tests[@]}"; do
    for ((run = 1; run <= runs; run++)); do
      [[ ${result[$t:$run]} == FAIL ]] || continue
      echo "  $outdir/$t.run$run.log: $(grep -m 1 '^FAIL:' "$outdir/$t.run$run.log" || echo '?')"
    done
  done
  exit 1
fi
echo "every run passed under stress-ng --cpu 2"
