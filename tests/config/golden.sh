#!/bin/bash
# Golden config tests (registered in tests/config/meson.build).
#
#   golden.sh dump FLOATD DIR CONF EXPECTED RC
#       In DIR, `floatd --dump-config -f CONF` prints EXPECTED (stdout then stderr) and exits
#       RC. When RC is 0 the printed config must also be canonical: dumping it again gives
#       the same text (print -> parse -> print).
#   golden.sh check FLOATD FILE
#       `floatd -t --config-only -f FILE` exits 0 and prints nothing (the examples are written
#       for a production host: their users and scripts need not exist here).
#   golden.sh errors FLOATD DIR CONF N
#       In DIR, `floatd -t -f CONF` exits 1 and prints exactly N lines, each "CONF:LINE: ...".
#
# Set GOLDEN_UPDATE=1 to rewrite EXPECTED instead of comparing (then check it by hand).
set -u

die() { echo "golden: $*" >&2; exit 1; }

run_dump() {
  local floatd=$1 dir=$2 conf=$3 expected=$4 want_rc=$5 rc
  tmp=$(mktemp -d) || die "mktemp failed"  # global: the EXIT trap needs it
  trap 'rm -rf "$tmp"' EXIT
  cd "$dir" || die "no directory $dir"
  "$floatd" --dump-config -f "$conf" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  cat "$tmp/out" "$tmp/err" >"$tmp/all"
  if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then cp "$tmp/all" "$expected"; fi
  diff -u "$expected" "$tmp/all" || die "$conf: output differs from $expected"
  [ "$rc" -eq "$want_rc" ] || die "$conf: exit status $rc, expected $want_rc"
  [ "$rc" -eq 0 ] || return 0
  cp "$tmp/out" "$tmp/printed.conf"
  "$floatd" --dump-config -f "$tmp/printed.conf" >"$tmp/again" 2>&1 || die "$conf: printed config is refused"
  diff -u "$tmp/out" "$tmp/again" || die "$conf: printed config does not print back to itself"
}

run_check() {
  local floatd=$1 file=$2 out rc
  out=$("$floatd" -t --config-only -f "$file" 2>&1)
  rc=$?
  [ -z "$out" ] || die "$file: floatd -t printed:"$'\n'"$out"
  [ "$rc" -eq 0 ] || die "$file: floatd -t exited $rc"
}

run_errors() {
  local floatd=$1 dir=$2 conf=$3 want=$4 out rc lines matching
  cd "$dir" || die "no directory $dir"
  out=$("$floatd" -t -f "$conf" 2>&1)
  rc=$?
  printf '%s\n' "$out"
  [ "$rc" -eq 1 ] || die "$conf: exit status $rc, expected 1"
  lines=$(printf '%s\n' "$out" | grep -c '')
  matching=$(printf '%s\n' "$out" | grep -cE "^${conf//./\\.}:[0-9]+: ")
  [ "$matching" -eq "$want" ] || die "$conf: $matching error lines, expected $want"
  [ "$lines" -eq "$want" ] || die "$conf: $lines lines of output, expected only the $want errors"
}

[ $# -ge 3 ] || die "usage: golden.sh dump|check|errors FLOATD ARGS..."
mode=$1
floatd=$(realpath "$2") || die "no floatd at $2"
shift 2
case $mode in
  dump) [ $# -eq 4 ] || die "dump needs DIR CONF EXPECTED RC"; run_dump "$floatd" "$@" ;;
  check) [ $# -eq 1 ] || die "check needs FILE"; run_check "$floatd" "$@" ;;
  errors) [ $# -eq 3 ] || die "errors needs DIR CONF N"; run_errors "$floatd" "$@" ;;
  *) die "unknown mode $mode" ;;
esac
