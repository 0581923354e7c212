#!/usr/bin/env bash
# Builds the libFuzzer targets in build-fuzz/ (clang, -Dfuzz=true) and runs each one: first the
# saved reproducers in tests/fuzz/regressions/<target>/, then a fuzzing run of FUZZ_SECONDS
# from a scratch copy of tests/fuzz/corpus/<target>/ (the committed seeds are never written).
# One line per target; exits 1 if any target crashed, with the input in build-fuzz/crashes/.
#   make fuzz                              all targets, 60 s each
#   FUZZ_SECONDS=600 FUZZ_TARGETS=packet tests/fuzz/run.sh
#   build-fuzz/tests/fuzz/fuzz_packet build-fuzz/crashes/packet-crash-...   (replay one input)
# A new crash: keep its input as tests/fuzz/regressions/<target>/<name> so every run replays it.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
read -ra targets <<<"${FUZZ_TARGETS:-packet config control netlink control_server heartbeat}"

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

failed=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$t
  if ! bad=$(replay "$t" "$bin"); then
    printf '%-8s REGRESSION still fails: %s (log: %s)\n' "$t" "$bad" "$build/logs/$t-regression.log"
    grep -m1 -E 'FUZZ_REQUIRE|ERROR: (Address|Leak)Sanitizer|runtime error' \
      "$build/logs/$t-regression.log" | sed 's/^/         /'
    failed=1
    continue
  fi
  work=$build/work/$t
  rm -rf "$work" && mkdir -p "$work" && cp tests/fuzz/corpus/"$t"/* "$work"/
  log=$build/logs/$t.log
  before=$(ls "$build/crashes" | wc -l)
  # The subshell keeps bash's "Aborted" notice in the log; extra holds several flags.
  # shellcheck disable=SC2086
  ("$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/crashes/$t-" ${extra[$t]:-} "$work") >"$log" 2>&1
  rc=$?
  execs=$(final_stat number_of_executed_units "$log")
  rate=$(final_stat average_exec_per_sec "$log")
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  if [[ $rc -eq 0 ]]; then
    printf '%-8s %10s execs %7s/s  cov %-5s corpus %-5s ok\n' "$t" "${execs:-?}" "${rate:-?}" \
      "${cov:-?}" "$(ls "$work" | wc -l)"
  else
    input=$(ls -t "$build/crashes" | head -1)
    (( $(ls "$build/crashes" | wc -l) > before )) || input="(none written)"
    printf '%-8s %10s execs %7s/s  CRASH (exit %d): %s (log: %s)\n' "$t" "${execs:-?}" \
      "${rate:-?}" "$rc" "$build/crashes/$input" "$log"
    grep -m1 -E 'FUZZ_REQUIRE|ERROR: (Address|Leak)Sanitizer|runtime error|ERROR: libFuzzer' "$log" |
      sed 's/^/         /'
    failed=1
  fi
done
exit "$failed"
