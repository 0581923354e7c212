#!/usr/bin/env bash
# Builds the libFuzzer targets in build-fuzz/ (clang, -Dfuzz=true) and runs each one: first the
# saved reproducers in tests/fuzz/regressions/<target>/, then a fuzzing run of FUZZ_SECONDS
# from a scratch copy of tests/fuzz/corpus/<target>/ (the committed seeds are never written).
# One line per target; exits 1 if any target crashed, with the input in build-fuzz/crashes/.
# FUZZ_BUILD_ONLY=1 (make fuzz-build) stops after the build.
#   make fuzz                              all targets, 60 s each, one at a time
#   make fuzz-long                         all targets, 30 min each, FUZZ_JOBS at a time
#   FUZZ_SECONDS=600 FUZZ_TARGETS=packet tests/fuzz/run.sh
#   build-fuzz/tests/fuzz/fuzz_packet build-fuzz/crashes/packet-crash-...   (replay one input)
# FUZZ_JOBS runs that many targets at once (1 by default); each target is one libFuzzer
# process, so more jobs than CPUs only slows each one down. FUZZ_REPORT names a Markdown file
# for the results (make fuzz-long: build-fuzz/fuzz-long.md): per target, the execs, their rate,
# the coverage at the start (the seeds) and at the end, and the corpus before and after.
# A timeout is replayed alone first: one that does not recur was a busy machine (libFuzzer
# times units on the wall clock), and the target fuzzes on for the time left.
# A new crash: keep its input as tests/fuzz/regressions/<target>/<name> so every run replays it
# (make fuzz-long copies it there itself, for you to commit with the fix).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
report=${FUZZ_REPORT:-}
keep=${FUZZ_KEEP_CRASHES:-0}
build=${FUZZ_BUILD:-build-fuzz}
read -ra targets <<<"${FUZZ_TARGETS:-packet config control netlink control_server heartbeat}"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: FUZZ_JOBS must be a positive number, not '$jobs'" >&2; exit 2; }
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: FUZZ_SECONDS must be a positive number, not '$seconds'" >&2; exit 2; }

if [[ ! -f $build/build.ninja ]]; then
  CC=clang CXX=clang++ meson setup "$build" -Dfuzz=true >/dev/null || exit 1
fi
# (grep without -q reads all input: -q would end ninja with SIGPIPE, failing under pipefail)
if ! ninja -C "$build" -t targets all 2>/dev/null | grep '^fuzzers:' >/dev/null; then
  echo "fuzz: $build has no 'fuzzers' target: is -Dfuzz=true set, and does meson.build have" >&2
  echo "      if get_option('fuzz') subdir('tests/fuzz') endif ?" >&2
  exit 1
fi
ninja -C "$build" fuzzers >"$build/fuzz-build.log" 2>&1 || { cat "$build/fuzz-build.log"; exit 1; }
[[ ${FUZZ_BUILD_ONLY:-0} == 1 ]] && exit 0

mkdir -p "$build/crashes" "$build/logs"
# UB already aborts (-fno-sanitize-recover); leaks count as crashes.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1

# Extra libFuzzer flags per target.
declare -A extra=(
  [config]="-dict=tests/fuzz/config.dict -max_len=8192"
  [control]="-dict=tests/fuzz/control.dict"
  [control_server]="-max_len=1024"
)

# Replays every saved reproducer of target $1; prints the first that still fails.
replay() {
  local t=$1 bin=$2 f
  for f in tests/fuzz/regressions/"$t"/*; do
    [[ -f $f ]] || continue
    if ! ("$bin" "$f") >"$build/logs/$t-regression.log" 2>&1; then
      echo "$f"
      return 1
    fi
  done
}

final_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }
files_in() { find "$1" -maxdepth 1 -type f | wc -l; }
crashes_of() { find "$build/crashes" -maxdepth 1 -type f -name "$1-*" | wc -l; }

# Fuzzes target $1: writes its one line to $build/results/$1.line and, for the report, a
# table row to $build/results/$1.row; status 1 on a crash or a failing reproducer.
run_target() {
  local t=$1 bin=$build/tests/fuzz/fuzz_$1 bad work log before rc execs rate cov cov0 input="" seeds
  local line=$build/results/$t.line row=$build/results/$t.row
  if ! bad=$(replay "$t" "$bin"); then
    {
      printf '%-8s REGRESSION still fails: %s (log: %s)\n' "$t" "$bad" "$build/logs/$t-regression.log"
      grep -m1 -E 'FUZZ_REQUIRE|ERROR: (Address|Leak)Sanitizer|runtime error' \
        "$build/logs/$t-regression.log" | sed 's/^/         /'
    } >"$line"
    printf '| %s | regression %s still fails | | | | | |\n' "$t" "$bad" >"$row"
    return 1
  fi
  work=$build/work/$t
  rm -rf "$work" && mkdir -p "$work" && cp tests/fuzz/corpus/"$t"/* "$work"/
  seeds=$(files_in "$work")
  log=$build/logs/$t.log
  : >"$log"
  # libFuzzer's -timeout is wall time: on a busy machine (make fuzz-long beside a build) a unit
  # can wait seconds for a CPU and "time out". A timeout is therefore replayed alone with the
  # same limit; one that does not time out again was the machine's, is not kept, and the
  # target fuzzes on, from its corpus so far, for the time left. A crash always stops it.
  local deadline=$((SECONDS + seconds)) segment=$build/logs/$t.segment left
  local busy=0 note=""
  execs=0
  while :; do
    left=$((deadline - SECONDS))
    ((left > 0)) || { rc=0; break; }
    before=$(crashes_of "$t")
    # The subshell keeps bash's "Aborted" notice in the log; extra holds several flags.
    # shellcheck disable=SC2086
    ("$bin" -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/crashes/$t-" ${extra[$t]:-} "$work") >"$segment" 2>&1
    rc=$?
    cat "$segment" >>"$log"
    execs=$((execs + $(final_stat number_of_executed_units "$segment" | grep -E '^[0-9]+$' || echo 0)))
    ((rc == 0)) && break
    # libFuzzer names the input it crashed on (artifact_prefix + crash-<sha1>) in the log.
    input=$(sed -n "s|^.*Test unit written to $build/crashes/||p" "$segment" | tail -1)
    (( $(crashes_of "$t") > before )) || input=""
    [[ $input == "$t-timeout-"* ]] || break
    if ! ("$bin" -timeout=10 "$build/crashes/$input") >"$build/logs/$t-replay.log" 2>&1; then
      break  # it times out alone too: a real one
    fi
    busy=$((busy + 1))
    echo "== $input: no timeout when replayed alone (the machine was busy); fuzzing on" >>"$log"
    rm -f "$build/crashes/$input"
  done
  ((busy > 0)) && note=" ($busy timeout(s) not reproduced alone: the machine was busy)"
  rate=$((execs / (seconds > 0 ? seconds : 1)))
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  cov0=$(grep -E 'INITED' "$log" | grep -oE 'cov: [0-9]+' | head -1 | cut -d' ' -f2)
  if [[ $rc -eq 0 ]]; then
    printf '%-8s %10s execs %7s/s  cov %-5s corpus %-5s ok%s\n' "$t" "${execs:-?}" "${rate:-?}" \
      "${cov:-?}" "$(files_in "$work")" "$note" >"$line"
    printf '| %s | %s | %s | %s | %s | %s -> %s | ok%s |\n' "$t" "${execs:-?}" "${rate:-?}" \
      "${cov0:-?}" "${cov:-?}" "$seeds" "$(files_in "$work")" "$note" >"$row"
    return 0
  fi
  if [[ -n $input && $keep == 1 ]]; then
    mkdir -p "tests/fuzz/regressions/$t"
    cp "$build/crashes/$input" "tests/fuzz/regressions/$t/$input"
  fi
  {
    printf '%-8s %10s execs %7s/s  CRASH (exit %d): %s (log: %s)\n' "$t" "${execs:-?}" \
      "${rate:-?}" "$rc" "${input:+$build/crashes/$input}${input:-(none written)}" "$log"
    [[ -n $input && $keep == 1 ]] && printf '         kept as tests/fuzz/regressions/%s/%s\n' "$t" "$input"
    grep -m1 -E 'FUZZ_REQUIRE|ERROR: (Address|Leak)Sanitizer|runtime error|ERROR: libFuzzer' "$log" |
      sed 's/^/         /'
  } >"$line"
  printf '| %s | %s | %s | %s | %s | %s -> %s | CRASH: %s |\n' "$t" "${execs:-?}" "${rate:-?}" \
    "${cov0:-?}" "${cov:-?}" "$seeds" "$(files_in "$work")" "${input:-exit $rc}" >"$row"
  return 1
}

rm -rf "$build/results" && mkdir -p "$build/results"
started=$(date -u '+%Y-%m-%d %H:%M UTC')
failed=0
running=0
for t in "${targets[@]}"; do
  if ((jobs == 1)); then
    run_target "$t" || failed=1
    cat "$build/results/$t.line"
    continue
  fi
  run_target "$t" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
if ((jobs > 1)); then
  for t in "${targets[@]}"; do cat "$build/results/$t.line"; done
fi

if [[ -n $report ]]; then
  {
    printf '# floatd fuzzing: tests/fuzz/run.sh\n\n'
    printf 'Started %s; %s s per target, %s at a time, on %s CPUs; git %s; %s.\n\n' "$started" \
      "$seconds" "$jobs" "$(nproc)" "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
      "$(clang --version | head -1)"
    printf "Coverage is libFuzzer's \`cov\` (edges): at the start, once the seeds are read, and at the end.\n\n"
    printf '| target | execs | execs/s | cov at start | cov at end | corpus | result |\n'
    printf '|---|---|---|---|---|---|---|\n'
    for t in "${targets[@]}"; do cat "$build/results/$t.row"; done
  } >"$report"
  echo "fuzz: report in $report"
fi
exit "$failed"
