#!/usr/bin/env bash
# floatctl maintenance NAME on|off at advert_int 0.1, r1 (150) and r2 (100):
#   on, on the Master r1: it hands over first (priority-0 advert, VIP kept until r2 announced
#     itself), so a 1 kHz probe through it loses nothing; r1 then holds BACKUP despite its
#     higher priority; status JSON says "maintenance": true and metrics say 1;
#   reloads keep it: unchanged (floatctl reload and SIGHUP), in place (priority 150 -> 160) and
#     re-created (use_vmac on, then off again) leave r1 in maintenance and BACKUP;
#   host death of the new master r2 (link down): r1 still does NOT take over, nobody holds the
#     VIP; r2's link returns and r2 is Master again;
#   off: r1 preempts (its priority is higher) and holds the VIP alone.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
A2=192.168.100.3

ctl() { "$FLOATCTL" -s "$RUN/$1.sock" "${@:2}"; }

# metric NAME METRIC: the value of the metric line for instance web.
metric() { ctl "$1" metrics | awk -v m="$2" 'index($0, m "{instance=\"web\"") == 1 {print $NF}'; }

# still_held TEXT: r1 is in maintenance and BACKUP, r2 MASTER, the VIP on r2 only, and r1 stays
# BACKUP for longer than a preemption would take.
still_held() {
  assert_status r1 web maintenance true
  assert_state r1 web BACKUP
  assert_state r2 web MASTER
  hold_state r1 web BACKUP "$(add_s "$(master_down_interval $adv 160)" $adv $adv)"
  assert_holders "$VIP4" r2
  step "$1: r1 still in maintenance and BACKUP"
}

lab_up 2
make_conf r1 priority=150 advert_int=$adv
make_conf r2 priority=100 advert_int=$adv
step "floatd r1 (150) and r2 (100), advert_int $adv"
start_floatd r1
wait_state r1 web MASTER "$(add_s "$(master_down_interval $adv 150)" 2)"
start_floatd r2
wait_state r2 web BACKUP 1
assert_status r1 web maintenance false
assert_eq "$(metric r1 floatd_instance_maintenance)" 0 "floatd_instance_maintenance on r1"

step "maintenance web on, on the Master r1 (probe running)"
mark2=$(log_lines r2)
probe_start "$VIP4"
random_phase $adv
mark1m=$(log_lines r1)
msg=$(ctl r1 maintenance web on)
assert_eq "$msg" "web: maintenance on, BACKUP" "floatctl maintenance web on"
wait_state r2 web MASTER 2
# From r1's own "maintenance on" line (before its priority-0 advert) to r2's MASTER line.
log_took r1 "$mark1m" "web: maintenance on" r2 "$mark2" "web: BACKUP -> MASTER"
step "r2 MASTER ${LOG_TOOK_MS} ms after r1's maintenance on (Skew_Time $(ms "$(skew_time $adv 100)") ms)"
assert_log_took_at_most "$(add_s "$(skew_time $adv 100)" "$SLACK")" "takeover after maintenance on"
wait_for "[[ \$(vip_holders $VIP4) == r2 ]]" 2 ||
  fail "$VIP4 is held by [$(vip_holders "$VIP4")] after maintenance on, expected [r2]"
wait_for "[[ \$(neighbour_mac $VIP4) == $(router_mac r2) ]]" 1 ||
  fail "the client's entry for $VIP4 is '$(neighbour_mac "$VIP4")', not r2's"
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4 through r2"
probe_stop
step "probe: sent ${PROBE_SENT}, lost ${PROBE_LOST}, largest gap ${PROBE_MAX_GAP_MS} ms ($(probe_late_text))"
assert_eq "$PROBE_LOST" 0 "echoes lost when r1 went into maintenance"
skew_ms=$(ms "$(skew_time $adv 100)")
assert_cmp "$PROBE_MAX_GAP_MS" "<=" "$(awk -v b="$skew_ms" -v l="$PROBE_LATE_MS" 'BEGIN {print b + l}')" \
  "largest gap between replies (ms), Skew_Time ($skew_ms ms) + $(probe_late_text)"
log_since r1 0 | grep -q 'web: maintenance on' || fail "r1 did not log 'maintenance on'"
assert_status r1 web master "$A2"
assert_eq "$(metric r1 floatd_instance_maintenance)" 1 "floatd_instance_maintenance on r1"
still_held "maintenance on"

step "reloads keep the maintenance"
mark1=$(log_lines r1)
msg=$(ctl r1 reload)
assert_eq "$msg" "reloaded: 1 unchanged, 0 updated in place, 0 started, 0 stopped" "floatctl reload (unchanged)"
still_held "unchanged reload (floatctl reload)"
signal_floatd r1 HUP
wait_for "log_since r1 $mark1 | grep -q 'SIGHUP: reloading'" 2 || fail "r1 did not log the SIGHUP reload"
wait_for "(( \$(log_since r1 $mark1 | grep -c 'reload: 1 unchanged, 0 updated in place, 0 started, 0 stopped') == 2 ))" 2 ||
  fail "r1 did not log the result of the SIGHUP reload"
still_held "unchanged reload (SIGHUP)"
make_conf r1 priority=160 advert_int=$adv
msg=$(ctl r1 reload)
assert_eq "$msg" "reloaded: 0 unchanged, 1 updated in place, 0 started, 0 stopped" "floatctl reload (priority 160)"
assert_status r1 web priority 160
still_held "priority 150 -> 160, updated in place"
make_conf r1 priority=160 advert_int=$adv use_vmac=yes
msg=$(ctl r1 reload)
assert_eq "$msg" "reloaded: 0 unchanged, 0 updated in place, 1 started, 1 stopped" "floatctl reload (use_vmac on)"
still_held "use_vmac on, re-created"
make_conf r1 priority=160 advert_int=$adv
msg=$(ctl r1 reload)
assert_eq "$msg" "reloaded: 0 unchanged, 0 updated in place, 1 started, 1 stopped" "floatctl reload (use_vmac off)"
still_held "use_vmac off, re-created"
assert_eq "$(log_since r1 "$mark1" | grep -c -- '-> MASTER' || true)" 0 "r1's transitions to MASTER during the reloads"
assert_eq "$(transitions_logged r2 "$mark2")" 1 "r2's transitions since maintenance on (BACKUP -> MASTER only)"

step "host death of r2 (link down): r1 in maintenance does not take over"
t0=$EPOCHREALTIME
link_down r2
hold_state r1 web BACKUP "$(add_s "$(master_down_interval $adv 160)" "$(master_down_interval $adv 160)" 0.5)"
assert_no_vip r1 "$VIP4"
assert_status r1 web maintenance true
step "r1 BACKUP for $(_since "$t0") s after r2's link went down (Master_Down_Interval $(ms "$(master_down_interval $adv 160)") ms)"
link_up r2
wait_state r2 web MASTER "$(add_s "$(master_down_interval $adv 100)" 2)"
assert_state r1 web BACKUP
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4 through r2"

step "maintenance web off on r1: it preempts"
mark1m=$(log_lines r1)
msg=$(ctl r1 maintenance web off)
assert_eq "$msg" "web: maintenance off, BACKUP" "floatctl maintenance web off"
wait_state r1 web MASTER "$(add_s "$(master_down_interval $adv 160)" 1)"
log_took r1 "$mark1m" "web: maintenance off" r1 "$mark1m" "web: BACKUP -> MASTER"
step "r1 MASTER ${LOG_TOOK_MS} ms after its maintenance off"
assert_log_took_at_most "$(add_s $adv "$(skew_time $adv 160)" "$SLACK")" "preemption after maintenance off"
wait_state r2 web BACKUP 1
wait_for "[[ \$(vip_holders $VIP4) == r1 ]]" 2 || fail "$VIP4 is held by [$(vip_holders "$VIP4")], expected [r1]"
assert_status r1 web maintenance false
assert_eq "$(metric r1 floatd_instance_maintenance)" 0 "floatd_instance_maintenance on r1"
hold_state r1 web MASTER 0.5
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4 through r1"
pass
