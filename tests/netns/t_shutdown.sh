#!/usr/bin/env bash
# Stopping closes the doors before it waits (issue 10, defect 7). While floatd waits for a slow
# notify_stop, neither `floatctl reload` nor SIGHUP may start anything: a reload there used to
# start instances that added VIPs and were then destroyed without resigning. A second SIGTERM
# ends the wait. Everything is judged from floatd's own log and the kernel, not from timing.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

lab_up 1
notify=$RUN/notify_stop
cat >"$notify" <<SCRIPT
#!/bin/sh
touch "$RUN/notify-started"
exec sleep 30
SCRIPT
chmod 755 "$notify"
make_conf r1 priority=150 notify_stop="$notify"
step "start r1 with a notify_stop that takes 30 s"
start_floatd r1
wait_state r1 web MASTER 2

step "SIGTERM: r1 resigns, then waits for notify_stop"
signal_floatd r1 TERM
wait_for "[[ -e $RUN/notify-started ]]" 5 || fail "notify_stop did not start within 5 s of SIGTERM"
has_vip r1 "$VIP4" && fail "r1 still holds $VIP4 while waiting for notify_stop"
floatd_running r1 || fail "r1 did not wait for its notify_stop"

step "floatctl reload while stopping: refused"
if "$FLOATCTL" -s "$RUN/r1.sock" reload >"$RUN/reload.out" 2>&1; then
  fail "floatctl reload was served while floatd was stopping: $(cat "$RUN/reload.out")"
fi

step "SIGHUP while stopping: ignored"
lines=$(log_lines r1)
signal_floatd r1 HUP
wait_for "log_since r1 $lines | grep -q 'SIGHUP ignored: floatd is stopping'" 5 ||
  fail "no 'SIGHUP ignored' line: $(log_since r1 "$lines")"
log_since r1 "$lines" | grep -q 'reloading' && fail "SIGHUP reloaded while stopping"
has_vip r1 "$VIP4" && fail "a VIP came back on r1 while it was stopping"
floatd_running r1 || fail "r1 exited before its notify_stop finished or a second SIGTERM"

step "a second SIGTERM ends the wait"
signal_floatd r1 TERM
reap_floatd r1 0
log_since r1 "$lines" | grep -q 'again: not waiting for notify scripts' ||
  fail "no log line for the second SIGTERM"
assert_no_vip r1 "$VIP4"
pass
