#!/usr/bin/env bash
# `meson install` into a temporary DESTDIR, then checks the layout `make install` promises
# (README.md, contrib/meson.build) and that nothing was written outside the DESTDIR.
# Usage: install_test.sh BUILD_DIR     (no root needed; the temporary tree is removed)
#
# Paths are checked below the build's own prefix and directories (PREFIX=/usr gives
# usr/sbin/floatd, the Makefile's default /usr/local gives usr/local/sbin/floatd).
set -euo pipefail

build=$(cd "${1:?usage: install_test.sh BUILD_DIR}" && pwd)
meson=${MESON:-meson}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/floatd-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# The build's directories, absolute (meson allows sbindir etc. to be absolute themselves).
prefix="" sbindir="" mandir="" datadir=""
eval "$("$meson" introspect --buildoptions "$build" | python3 -c '
import json, os, shlex, sys
opts = {o["name"]: o["value"] for o in json.load(sys.stdin)}
prefix = opts["prefix"]
for key in ("prefix", "sbindir", "mandir", "datadir"):
    value = prefix if key == "prefix" else os.path.join(prefix, opts[key])
    print("%s=%s" % (key, shlex.quote(os.path.normpath(value))))
')"
docdir=$datadir/doc/floatd

# Every file meson means to install, as its absolute destination (no DESTDIR).
mapfile -t planned < <("$meson" introspect --installed "$build" | python3 -c '
import json, sys
for dest in json.load(sys.stdin).values():
    print(dest)
')

touch "$tmp/stamp"
sleep 0.01  # a file written after this is -newer than the stamp
# DESTDIR from the environment would be joined with --destdir: clear it.
if ! env -u DESTDIR "$meson" install -C "$build" --no-rebuild --destdir "$dest" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log" >&2
  echo "FAIL: meson install" >&2
  exit 1
fi

# 1. Nothing outside the DESTDIR.
#    a. every "Installing ... to DIR" meson printed names a place inside it;
while IFS= read -r line; do
  target=${line##* to }
  [[ $target == "$dest"/* ]] || fail "installed outside the DESTDIR: $line"
done < <(grep -E '^Installing .* to ' "$tmp/install.log")
grep -qE '^Installing .* to ' "$tmp/install.log" || fail "meson install printed no 'Installing ... to' line"
#    b. every planned destination exists inside it, and its real counterpart was not touched;
for path in "${planned[@]}"; do
  [[ -e $dest$path || -L $dest$path ]] || fail "not installed: $path"
  if [[ -e $path && $path -nt $tmp/stamp ]]; then fail "written outside the DESTDIR: $path"; fi
done
#    ... nor anything of floatd's in the live prefix or /etc (an install script ignoring it);
while IFS= read -r -d '' f; do
  fail "written outside the DESTDIR: $f"
done < <(find "$sbindir" "$prefix/lib/floatd" "$prefix/lib/systemd/system" "$docdir" "$mandir" \
  /etc/floatd -maxdepth 2 \( -name '*floatd*' -o -name 'floatctl*' \) -newer "$tmp/stamp" \
  -print0 2>/dev/null)
#    c. everything inside it lies below the prefix (nothing in /etc, /var, ...).
while IFS= read -r -d '' f; do
  rel=${f#"$dest"}
  case $rel in
    "$prefix" | "$prefix"/*) ;;
    *) [[ $prefix == "$rel"/* ]] || fail "installed outside the prefix $prefix: $rel" ;;
  esac
done < <(find "$dest" -mindepth 1 -print0)
[[ ! -e $dest/etc ]] || fail "make install must not write /etc (an existing floatd.conf would be overwritten)"

# 2. The layout.
check_file() { # path mode
  local f=$dest$1
  if [[ ! -f $f || -L $f ]]; then fail "missing file ${1#/}"; return; fi
  local mode
  mode=$(stat -c %a "$f")
  [[ $mode == "$2" ]] || fail "${1#/}: mode $mode, expected $2"
}

check_file "$sbindir/floatd" 755
if [[ -L $dest$sbindir/floatctl ]]; then
  link=$(readlink "$dest$sbindir/floatctl")
  [[ $link == floatd ]] || fail "${sbindir#/}/floatctl points to '$link', expected floatd"
else
  fail "${sbindir#/}/floatctl is not a symlink to floatd"
fi

for page in man8/floatd.8 man5/floatd.conf.5 man8/floatctl.8; do
  if [[ -f $dest$mandir/$page ]]; then
    check_file "$mandir/$page" 644
  elif [[ -f $dest$mandir/$page.gz ]]; then
    check_file "$mandir/$page.gz" 644
  else
    fail "missing man page ${mandir#/}/$page"
  fi
done

unit=$prefix/lib/systemd/system/floatd.service
check_file "$unit" 644
if [[ -f $dest$unit ]]; then
  grep -qx "ExecStart=$sbindir/floatd" "$dest$unit" || fail "${unit#/}: ExecStart is not $sbindir/floatd"
  grep -qx "ExecStartPre=$sbindir/floatd -t" "$dest$unit" || fail "${unit#/}: ExecStartPre is not $sbindir/floatd -t"
  grep -qx "ExecReload=$sbindir/floatctl reload" "$dest$unit" ||
    fail "${unit#/}: ExecReload is not $sbindir/floatctl reload"
  grep -qx 'Type=notify' "$dest$unit" || fail "${unit#/}: not Type=notify"
fi

for script in check_gateway check_http check_mysql check_tcp notify_example; do
  check_file "$prefix/lib/floatd/$script" 755
  if [[ -x $dest$prefix/lib/floatd/$script ]]; then
    "$dest$prefix/lib/floatd/$script" --help >/dev/null 2>&1 ||
      fail "${prefix#/}/lib/floatd/$script --help did not exit 0"
  fi
done

check_file "$docdir/floatd.conf.example" 644
check_file "$docdir/README.md" 644
examples=("$dest$docdir"/examples/*.conf)
[[ -f ${examples[0]} ]] || fail "no example configs in ${docdir#/}/examples/"
for example in web-pair-lb-a web-pair-lb-b ipv6-pair ipv6-gateway unicast mysql-tomcat mysql-two-cable; do
  check_file "$docdir/examples/$example.conf" 644
done

# 3. The installed binary runs under both names and accepts the installed configs.
floatd=$dest$sbindir/floatd
if [[ -x $floatd ]]; then
  for conf in "$dest$docdir/floatd.conf.example" "${examples[@]}"; do
    [[ -f $conf ]] || continue
    out=$("$floatd" -t --config-only -f "$conf" 2>&1) || fail "floatd -t rejects ${conf#"$dest"/}: $out"
  done
  status=0
  out=$("$dest$sbindir/floatctl" --help 2>&1) || status=$?
  [[ $status -eq 2 && $out == *"usage: floatctl"* ]] ||
    fail "the installed floatctl does not answer as floatctl (status $status)"
fi

if [[ $failures -gt 0 ]]; then
  echo "install test: $failures failure(s); the install log:" >&2
  cat "$tmp/install.log" >&2
  exit 1
fi
echo "install test: $(find "$dest" \( -type f -o -type l \) | wc -l) files under ${prefix}, layout as documented"
