#!/bin/bash
# Golden import tests (registered in tests/import/meson.build).
#
#   run.sh FLOATD DIR NAME
#       In DIR, `floatctl import-keepalived ARGS` (ARGS: the words of NAME.args when that file
#       exists, else NAME.conf) prints NAME.expected on stdout and NAME.notes on stderr, and
#       exits 3 when there are notes, else 0. The printed configuration must pass
#       `floatd -t --config-only` silently: an imported config always validates.
#
# Set IMPORT_UPDATE=1 to rewrite NAME.expected and NAME.notes instead of comparing (then read
# them by hand).
set -u

die() { echo "import: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: run.sh FLOATD DIR NAME"
floatd=$(realpath "$1") || die "no floatd at $1"
dir=$2
name=$3
tmp=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
ln -s "$floatd" "$tmp/floatctl" || die "cannot link floatctl"
cd "$dir" || die "no directory $dir"

if [ -f "$name.args" ]; then
  read -r -a args <"$name.args"
else
  args=("$name.conf")
fi
"$tmp/floatctl" import-keepalived "${args[@]}" >"$tmp/out.conf" 2>"$tmp/notes"
rc=$?
if [ "${IMPORT_UPDATE:-0}" = 1 ]; then
  cp "$tmp/out.conf" "$name.expected"
  cp "$tmp/notes" "$name.notes"
fi
diff -u "$name.expected" "$tmp/out.conf" || die "$name: the INI differs from $name.expected"
diff -u "$name.notes" "$tmp/notes" || die "$name: the notes differ from $name.notes"
want_rc=0
[ -s "$name.notes" ] && want_rc=3
[ "$rc" -eq "$want_rc" ] || die "$name: exit status $rc, expected $want_rc"

out=$("$floatd" -t --config-only -f "$tmp/out.conf" 2>&1)
rc=$?
[ -z "$out" ] || die "$name: floatd -t printed:"$'\n'"$out"
[ "$rc" -eq 0 ] || die "$name: floatd -t exited $rc"
