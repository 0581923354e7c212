#!/usr/bin/env bash
# The kernel refuses a VIP (issue 15): an IPv6 instance on eth0 (VRRPv3, advert_int 0.1 s)
# holds VIP A on eth0 and VIP B on eth1 (one end of a veth pair inside the namespace). On r1,
# eth1 has IPv6 disabled (net.ipv6.conf.eth1.disable_ipv6=1), so the kernel refuses B (EACCES),
# and the admin has A on lo (an equal address on another interface: Linux does not refuse that,
# and it is not floatd's). r2 (priority 150) is Master first; it stops, and r1 (100) takes over. Checked:
#   - r1 becomes MASTER with A on eth0 (its own, marked 0x66; the admin's on lo left alone),
#     and reports B's refusal: status --json has stats.vip_adds_failed
#     1, kernel.last_error naming B, kernel.missing "B on eth1" and kernel.failing with the
#     kernel's reason; floatctl events has a kernel event with B missing and that reason;
#     floatctl metrics has floatd_vip_adds_failed_total 1, floatd_kernel_failing_addresses 1
#     and floatd_kernel_missing_addresses 1; the log has the refusal;
#   - it does not claim B: no B in the kernel, and r1 stays MASTER;
#   - it retries: kernel.failing's count reaches 3, each retry logged with its backoff;
#   - once IPv6 is enabled on eth1 again, B is added (marked with floatd's IFA_PROTO 0x66) at
#     the retry floatd announced last, within SLACK of it on floatd's own clock; then nothing is
#     missing or failing in status, metrics and events, and the counter stays 1 (it counts
#     refusals when becoming Master);
#   - on SIGTERM r1 removes both; no address marked 0x66 is left, the admin's A on lo stays.
# Reports the kernel's reason, the retries and when B went in.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=services.sh
source "$NETNS_DIR/services.sh"  # events_start, events_of
test_init "$@"

adv=0.1
VIP6B=2001:db8:200::100
LBL='instance="web",interface="eth0",vrid="51",family="ipv6"'

# metric NAME ROUTER: the value of one of the instance's samples in floatctl metrics.
metric() {
  "$FLOATCTL" -s "$RUN/$2.sock" metrics | awk -v p="$1{$LBL} " 'index($0, p) == 1 {print $NF}'
}

# failing_text ROUTER: kernel.failing of the instance, "ADDRESS|ERROR|FAILURES" per entry.
failing_text() {
  status_json "$1" | "$PY" -I -S -c '
import json, sys
for inst in json.load(sys.stdin)["instances"]:
    if inst["name"] == "web":
        for f in inst["kernel"]["failing"]:
            print(f["address"] + "|" + f["error"] + "|" + str(f["failures"]))'
}

# stamp_s LINE: the seconds of the day in a log line's HH:MM:SS.mmm stamp.
stamp_s() { awk '{split($1, t, ":"); printf "%.3f", t[1] * 3600 + t[2] * 60 + t[3]}' <<<"$1"; }

lab_up 2
for r in r1 r2; do  # eth1: a veth whose peer stays in the namespace (no dummy module here)
  ip -n "$(ns "$r")" link add eth1 type veth peer name eth1p
  _quiet_ipv6 "$r" eth1 eth1p
done
in_ns r1 sysctl -qw net.ipv6.conf.eth1.disable_ipv6=1
ip -n "$(ns r1)" addr add "$VIP6/128" dev lo  # the admin's
for r in r1 r2; do
  ip -n "$(ns "$r")" link set eth1p up
  ip -n "$(ns "$r")" link set eth1 up
done
make_conf r1 priority=100 advert_int=$adv virtual_ipaddress="$VIP6/64" \
  virtual_ipaddress="$VIP6B/64 dev eth1"
make_conf r2 priority=150 advert_int=$adv virtual_ipaddress="$VIP6/64" \
  virtual_ipaddress="$VIP6B/64 dev eth1"
start_floatd r2
wait_state r2 web MASTER 2
start_floatd r1
wait_state r1 web BACKUP 2
assert_status r1 web stats.vip_adds_failed 0
events_start r1
mark=$(log_lines r1)

step "r2 stops: r1 takes over; the kernel refuses $VIP6B on eth1 (IPv6 disabled there)"
stop_floatd r2
wait_state r1 web MASTER 2
wait_for "proto_addresses r1 | grep -qxF '$VIP6/64 eth0'" 1 || fail "r1 did not add $VIP6 on eth0"
wait_for "[[ \$(status_get r1 web stats.vip_adds_failed) == 1 ]]" 2 ||
  fail "stats.vip_adds_failed is $(status_get r1 web stats.vip_adds_failed), expected 1"
last_error=$(status_get r1 web kernel.last_error)
[[ $last_error == *"$VIP6B"*eth1* ]] || fail "kernel.last_error is '$last_error', expected the refusal of $VIP6B on eth1"
wait_for "[[ \$(status_get r1 web kernel.missing) == '$VIP6B on eth1' ]]" 2 ||
  fail "kernel.missing is '$(status_get r1 web kernel.missing)', expected '$VIP6B on eth1'"
wait_for "[[ -n \$(failing_text r1) ]]" 2 || fail "kernel.failing stays empty"
IFS='|' read -r f_addr f_error f_count <<<"$(failing_text r1 | sed -n 1p)"
assert_eq "$f_addr" "$VIP6B on eth1" "kernel.failing address"
[[ -n $f_error ]] || fail "kernel.failing gives no reason"
step "status: last_error '$last_error'; failing: '$f_addr', '$f_error', $f_count failure(s)"
wait_for "events_of r1 kernel | grep -qF 'missing $VIP6B on eth1'" 2 ||
  fail "no kernel event with $VIP6B missing: $(events_of r1 kernel)"
wait_for "events_of r1 kernel | grep -qF 'missing $VIP6B on eth1 (refused: $f_error)'" 2 ||
  fail "no kernel event gives the kernel's reason '$f_error': $(events_of r1 kernel)"
step "event: $(events_of r1 kernel | grep -m 1 -F "missing $VIP6B on eth1")"
assert_eq "$(metric floatd_vip_adds_failed_total r1)" 1 "floatd_vip_adds_failed_total"
assert_eq "$(metric floatd_kernel_failing_addresses r1)" 1 "floatd_kernel_failing_addresses"
assert_eq "$(metric floatd_kernel_missing_addresses r1)" 1 "floatd_kernel_missing_addresses"
log_since r1 "$mark" | grep -qF "$last_error" || fail "r1 did not log the refusal '$last_error'"

step "not claimed, and retried with backoff"
assert_eq "$(addr_proto r1 "$VIP6B")" absent "$VIP6B on r1"
assert_eq "$(proto_addresses r1 | paste -sd ' ' -)" "$VIP6/64 eth0" "addresses marked 0x66 in r1"
wait_for "[[ \$(failing_text r1 | cut -d '|' -f 3) -ge 3 ]]" 5 ||
  fail "floatd did not retry $VIP6B: kernel.failing is '$(failing_text r1)'"
retries=$(log_since r1 "$mark" | grep -F "cannot repair $VIP6B on eth1" || true)
assert_cmp "$(grep -c . <<<"$retries" || true)" ">=" 2 "retries of $VIP6B logged"
sed -n '1,3s/^/  log: /p' <<<"$retries"
assert_state r1 web MASTER

step "IPv6 enabled on r1's eth1 again: $VIP6B goes in at floatd's next retry"
in_ns r1 sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
t_enabled=$EPOCHREALTIME
wait_logged r1 "$mark" "added missing $VIP6B/64 on eth1 (repair)" 10
added_line=$LOGGED_LINE
log_took_since r1 "$mark" "added missing $VIP6B/64 on eth1 (repair)" "$t_enabled"
since_enabled_ms=$LOG_TOOK_MS
# The last refused try before the add, and the retry it announced.
last_try=$(log_since r1 "$mark" | awk -v add="added missing $VIP6B/64 on eth1" \
  -v try="cannot repair $VIP6B on eth1" 'index($0, add) {exit} index($0, try) {last = $0}
  END {print last}')
[[ -n $last_try ]] || fail "no refused try logged before the add"
retry_ms=$(sed -n 's/.*; retry in \([0-9]*\) ms.*/\1/p' <<<"$last_try")
[[ -n $retry_ms ]] || fail "the last refused try announces no retry: $last_try"
gap_ms=$(awk -v a="$(stamp_s "$last_try")" -v b="$(stamp_s "$added_line")" \
  'BEGIN {d = b - a; if (d < 0) d += 86400; printf "%.0f", d * 1000}')
step "added $gap_ms ms after the last refused try, which announced a retry in $retry_ms ms; ${since_enabled_ms} ms after IPv6 came back"
late=$(sched_late_ms "$t_enabled" "$LOGGED_AT")
assert_cmp "$gap_ms" "<=" "$((retry_ms + $(ms "$SLACK") + 2 * late))" \
  "$VIP6B added ${gap_ms} ms after the last refused try, bound its announced retry ${retry_ms} ms + $(ms "$SLACK") ms + 2 x ${late} ms (the scheduler's lateness)"

wait_for "[[ \$(addr_proto r1 $VIP6B) == 0x66 ]]" 1 || fail "$VIP6B is $(addr_proto r1 "$VIP6B") on r1"
assert_eq "$(proto_addresses r1 | sort | paste -sd ' ' -)" "$VIP6/64 eth0 $VIP6B/64 eth1" \
  "addresses marked 0x66 in r1"
wait_for "[[ -z \$(status_get r1 web kernel.missing) && -z \$(failing_text r1) ]]" 2 ||
  fail "after the add: kernel.missing '$(status_get r1 web kernel.missing)', failing '$(failing_text r1)'"
assert_eq "$(metric floatd_kernel_failing_addresses r1)" 0 "floatd_kernel_failing_addresses"
assert_eq "$(metric floatd_kernel_missing_addresses r1)" 0 "floatd_kernel_missing_addresses"
assert_eq "$(metric floatd_vip_adds_failed_total r1)" 1 "floatd_vip_adds_failed_total"
assert_cmp "$(metric floatd_kernel_repairs_total r1)" ">=" 1 "floatd_kernel_repairs_total"
wait_for "events_of r1 kernel | tail -n 1 | grep -q 'kernel as wanted'" 2 ||
  fail "no kernel event saying all is as wanted: $(events_of r1 kernel)"
assert_state r1 web MASTER

step "SIGTERM: r1 removes both VIPs"
stop_floatd r1
assert_eq "$(ip -n "$(ns r1)" -o addr show to "$VIP6" | awk '{print $2, $4}' | paste -sd ' ' -)" \
  "lo $VIP6/128" "$VIP6 on r1 after the stop (the admin's on lo stays)"
assert_no_vip r1 "$VIP6B"
for h in r1 r2; do
  assert_eq "$(proto_addresses "$h" | paste -sd ' ' -)" "" "addresses marked 0x66 in $h"
done
step "result: refused with '$f_error'; $(grep -c . <<<"$retries" || true) refused tries" \
  "logged; added ${gap_ms} ms after the last (announced: ${retry_ms} ms)"
pass
