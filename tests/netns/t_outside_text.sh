#!/usr/bin/env bash
# Text from outside floatd never crashes it (issue 10, defect 1). A track script that prints a
# Latin-1 byte ("caf\351") and fails, a track file with binary content and an interface whose
# name is not UTF-8 all reach floatd's logs and its JSON: `floatctl status --json`, `metrics`
# and `events` must answer with valid JSON, and the Master must stay up. Before the fix the
# first status request after the failed check ended floatd with nlohmann's type_error.316.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"
_need "$PY"

lab_up 1
check=$RUN/latin1_check
printf '#!/bin/sh\nprintf '"'"'caf\\351 \\001 down\\n'"'"'\nexit 1\n' >"$check"
chmod 755 "$check"
tfile=$RUN/weight
printf '\377\376garbage\n' >"$tfile"
make_conf r1 priority=150
{
  printf 'track_script = latin1 weight -10\ntrack_file = tf weight 1\n\n'
  printf '[script latin1]\nscript = %s\ninterval = 0.1\nfall = 1\n\n' "$check"
  printf '[track_file tf]\nfile = %s\n' "$tfile"
} >>"$RUN/r1.conf"
step "start r1 with a failing check that prints Latin-1, a binary track file"
start_floatd r1
wait_state r1 web MASTER 2
step "an interface whose name is not UTF-8"
odd=$(printf 'caf\351')
ip -n "$(ns r1)" link add "$odd" type veth peer name oddpeer
ip -n "$(ns r1)" link set "$odd" up

"$FLOATCTL" -s "$RUN/r1.sock" events >"$RUN/events.out" 2>&1 &
events_pid=$!
LAB_PIDS+=("$events_pid")
failed_check() {
  status_json r1 | "$PY" -c 'import json, sys
s = json.load(sys.stdin)
sys.exit(not any(x["runs"] > 0 and x["state"] == "FAILED" for x in s["tracking"]["scripts"]))'
}
wait_for failed_check 5 || fail "the check did not run and fail within 5 s (floatd alive: $(floatd_running r1 && echo yes || echo no))"

step "status --json, metrics and events answer valid JSON; floatd is alive"
for _ in 1 2 3; do
  status_json r1 >"$RUN/status.json" ||
    fail "floatctl status --json failed (floatd alive: $(floatd_running r1 && echo yes || echo no))"
  "$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$RUN/status.json" ||
    fail "status --json is not valid JSON"
done
"$FLOATCTL" -s "$RUN/r1.sock" metrics >"$RUN/metrics.out" || fail "floatctl metrics failed"
floatd_running r1 || fail "floatd died"
last=$("$PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(s["tracking"]["scripts"][0]["last"])' "$RUN/status.json")
step "the check's output as floatd shows it: $last"
[[ $last == *'caf\xe9'* ]] || fail "the script output was not shown escaped: $last"
grep -q "$(printf '\377')" "$RUN/r1.log" && fail "a raw 0xff byte from the track file reached the log"
[[ $(status_get r1 web state) == MASTER ]] || fail "r1 is no longer MASTER"
kill "$events_pid" 2>/dev/null
stop_floatd r1
pass
