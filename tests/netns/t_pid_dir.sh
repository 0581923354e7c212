#!/usr/bin/env bash
# The pid or state directory is read-only or full (issue 15). floatd is started in r1's
# namespace and in a private mount namespace (unshare -m; the host's mounts never change),
# where a small tmpfs at RUN/mnt stands for /run:
#   read-only       the pid file in a read-only tmpfs;
#   read-only, new  the pid file in a directory still to be made there (/run/floatd on a
#                   read-only /run);
#   full            the pid file in a 4 KiB tmpfs filled by a file (the file can be created,
#                   not written);
#   no inodes       the pid file in a tmpfs with every inode taken (it cannot be created);
#   socket          the control socket in a read-only tmpfs, the pid file elsewhere.
# Before the pid file cases r1 holds a stale VIP: a floatd killed with SIGKILL left it, marked
# with floatd's IFA_PROTO 0x66, as a started floatd would remove it. In every case floatd must
# exit with status 1 within 5 s, having logged one line, an error naming the path and the
# kernel's reason; it must touch no interface (ip monitor address in r1 sees nothing, the stale
# VIP stays as it was) and leave nothing behind in the directory (no empty pid file). Then a
# floatd with a usable directory removes the stale VIP and runs, which shows the cases had
# something to touch.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"
_need unshare

MNT=$RUN/mnt
mkdir "$MNT"
TRY_RC="" TRY_LOG="" TRY_LEFT=""

# try_start CASE MOUNTS PID_FILE [SOCKET]: floatd (r1's config) in r1's namespace, inside a
# private mount namespace in which the shell commands MOUNTS run first; waits up to 5 s for it
# to exit. Sets TRY_RC (its exit status), TRY_LOG (the file with its log) and TRY_LEFT (what is
# left in MNT after it, seen from inside, space separated).
try_start() {
  local name=$1 mounts=$2 pid_file=$3 sock=${4:-$RUN/try.sock} script=$RUN/$1.sh pid
  TRY_LOG=$RUN/$name.log
  {
    echo 'set -e'
    echo "$mounts"
    printf ': >%q\n' "$RUN/$name.mounted"
    printf 'rc=0\nip netns exec %q %q -f %q -l --pid-file %q --control-socket %q || rc=$?\n' \
      "$(ns r1)" "$FLOATD" "$RUN/r1.conf" "$pid_file" "$sock"
    printf 'ls -A %q >%q\n' "$MNT" "$RUN/$name.left"
    echo "exit \"\$rc\""
  } >"$script"
  unshare -m --propagation private sh "$script" >"$TRY_LOG" 2>&1 &
  pid=$!
  LAB_PIDS+=("$pid")
  _wait_gone 5 "$pid" || fail "$name: floatd still runs after 5 s: $(cat "$TRY_LOG")"
  TRY_RC=0
  wait "$pid" || TRY_RC=$?
  [[ -e $RUN/$name.mounted ]] || fail "$name: the mounts failed: $(cat "$TRY_LOG")"
  TRY_LEFT=$(paste -sd ' ' - <"$RUN/$name.left")
}

# expect_refusal CASE PATH REASON LEFT: the last try_start exited 1 with one log line, an error
# naming PATH with REASON; MNT held LEFT after it; no address changed in r1 meanwhile.
expect_refusal() {
  local name=$1 path=$2 reason=$3 left=$4 line
  assert_eq "$TRY_RC" 1 "$name: floatd's exit status"
  assert_eq "$(grep -c . "$TRY_LOG" || true)" 1 "$name: lines in floatd's log ($(cat "$TRY_LOG"))"
  line=$(cat "$TRY_LOG")
  [[ $line == *" error: "*"$path"* && $line == *"$reason"* ]] ||
    fail "$name: expected an error naming $path with '$reason', floatd logged: $line"
  assert_eq "$TRY_LEFT" "$left" "$name: left in the directory"
  assert_eq "$(tail -n +"$((ADDRMON_MARK + 1))" "$RUN/r1.addrmon")" "" "$name: address events in r1"
  step "$name: status $TRY_RC, '$line'"
}

lab_up 1
make_conf r1

step "a floatd killed with SIGKILL leaves a stale VIP in r1"
start_floatd r1
wait_state r1 web MASTER 2
stop_floatd r1 KILL
STALE="$VIP4/24 eth0"
assert_eq "$(proto_addresses r1 | paste -sd ' ' -)" "$STALE" "addresses marked 0x66 in r1"
addr_monitor_start r1
# The handshake's last event is the marker's deletion: the mark goes after it.
wait_for "addr_events r1 192.168.100.254 | tail -n 1 | grep -q '^Deleted'" 2 ||
  fail "ip monitor in r1 did not report the marker's deletion"
ADDRMON_MARK=$(addrmon_lines r1)

tmpfs="mount -t tmpfs -o size=64k,mode=0755 floatd-test $(printf %q "$MNT")"
readonly_tmpfs="$tmpfs && mount -o remount,ro $(printf %q "$MNT")"

try_start read-only "$readonly_tmpfs" "$MNT/floatd.pid"
expect_refusal read-only "$MNT/floatd.pid" "Read-only file system" ""

try_start read-only-new "$readonly_tmpfs" "$MNT/floatd/floatd.pid"
expect_refusal read-only-new "$MNT/floatd/floatd.pid" "Read-only file system" ""

full="mount -t tmpfs -o size=4k,mode=0755 floatd-test $(printf %q "$MNT")
head -c 65536 /dev/zero >$(printf %q "$MNT/fill") 2>/dev/null || true
[ \"\$(stat -f -c %a $(printf %q "$MNT"))\" = 0 ]"
try_start full "$full" "$MNT/floatd.pid"
expect_refusal full "$MNT/floatd.pid" "No space left on device" "fill"

no_inodes="mount -t tmpfs -o size=64k,nr_inodes=8,mode=0755 floatd-test $(printf %q "$MNT")
i=0; while [ \$i -lt 16 ] && touch $(printf %q "$MNT")/f\$i 2>/dev/null; do i=\$((i + 1)); done
[ \"\$(stat -f -c %d $(printf %q "$MNT"))\" = 0 ]"
try_start no-inodes "$no_inodes" "$MNT/floatd.pid"
left=$(paste -sd ' ' - <"$RUN/no-inodes.left")
[[ $left != *floatd.pid* ]] || fail "no-inodes: a pid file was made: $left"
expect_refusal no-inodes "$MNT/floatd.pid" "No space left on device" "$left"

assert_eq "$(proto_addresses r1 | paste -sd ' ' -)" "$STALE" "addresses marked 0x66 in r1 after the refused starts"

step "with a usable pid directory floatd removes the stale VIP and runs"
mark=$(log_lines r1)
start_floatd r1
wait_logged r1 "$mark" "removed stale VIP $VIP4/24" 2
wait_state r1 web MASTER 2
stop_floatd r1
assert_eq "$(proto_addresses r1 | paste -sd ' ' -)" "" "addresses marked 0x66 in r1"
[[ ! -e $RUN/r1.pid ]] || fail "floatd left its pid file $RUN/r1.pid after a clean stop"
# Its events (the stale VIP removed, the VIP added and removed) are in before the mark.
wait_for "[[ \$(addr_events r1 $VIP4 | grep -c '^Deleted' || true) -ge 2 ]]" 2 ||
  fail "ip monitor in r1 did not report the VIP's removals: $(addr_events r1 "$VIP4")"
ADDRMON_MARK=$(addrmon_lines r1)

try_start socket "$readonly_tmpfs" "$RUN/try.pid" "$MNT/floatd.sock"
expect_refusal socket "$MNT/floatd.sock" "Read-only file system" ""
[[ ! -e $RUN/try.pid ]] || fail "socket: floatd left its pid file $RUN/try.pid"
assert_eq "$(proto_addresses r1 | paste -sd ' ' -)" "" "addresses marked 0x66 in r1"
pass
