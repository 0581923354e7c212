#!/usr/bin/env bash
# preempt_delay: the higher-priority router that comes back waits preempt_delay before it
# preempts: not before the delay, and not later than the delay plus its Master_Down_Interval and
# one advert interval (+ slack).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
delay=1
lab_up 2
make_conf r1 priority=150 advert_int=$adv preempt=yes preempt_delay=$delay
make_conf r2 priority=100 advert_int=$adv
step "r2 alone becomes MASTER"
start_floatd r2
wait_state r2 web MASTER 2

step "start r1 (priority 150, preempt_delay $delay s)"
start_floatd r1
t0=${FD_START[r1]}
mdi=$(master_down_interval $adv 150)
# No wait for BACKUP and no hold_state until t0 + delay here: both would be timed by the
# harness, and r1 is BACKUP for only the delay (under ASan on a loaded machine, floatd's
# start-up ate the poll's window and the poll first saw MASTER). floatd's log says when it
# entered BACKUP, when it left, and why; the assertions below read it.
wait_state r1 web MASTER "$(add_s $delay "$mdi" 2)" "$t0"
log_took r1 "$(started_mark r1)" "web: INIT -> BACKUP" r1 "$(started_mark r1)" "web: BACKUP -> MASTER"
step "r1 MASTER ${LOG_TOOK_MS} ms after its start-up (preempt_delay $(ms $delay) ms)"
assert_log_took_at_least "$delay" "preemption"
[[ $(log_since r1 "$(started_mark r1)" | grep -c -- ' -> ') -eq 2 ]] ||
  fail "r1 did more than INIT -> BACKUP -> MASTER: $(log_since r1 "$(started_mark r1)" | grep -- ' -> ')"
grep -q 'web: BACKUP -> MASTER (preempt delay elapsed)' "$RUN/r1.log" ||
  fail "r1 did not become MASTER because its preempt delay elapsed"
assert_log_took_at_most "$(add_s $delay "$mdi" $adv "$SLACK")" "preemption"
wait_state r2 web BACKUP 1
assert_holders "$VIP4" r1
pass
