#!/usr/bin/env bash
# A Master hears a lower-priority Master (issue 12; keepalived's notify_master_rx_lower_pri):
# r1 (priority 150) and r2 (100), VRRPv3 at advert_int 0.1 s. The bridge stops flooding
# multicast to r2's port, so r2 no longer hears r1 and becomes Master too, while r1 still
# hears r2's adverts (ten a second). Checked:
#   - r1 stays MASTER; it runs its notify_master_rx_lower_pri command and sends a
#     master_rx_lower_pri event, never twice within its Master_Down_Interval (341 ms) on its
#     own clock, however many adverts come; each event has its command run, with
#     FLOATD_STATE=MASTER_RX_LOWER_PRI, FLOATD_LOWER_MASTER r2's address,
#     FLOATD_LOWER_PRIORITY 100 and FLOATD_PRIORITY 150; the log says so;
#   - once multicast flows again r2 steps down, and nothing more is run or sent.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=services.sh
source "$NETNS_DIR/services.sh"  # events_start, event_fields
test_init "$@"

adv=0.1
mdi1_ms=$(ms "$(master_down_interval $adv 150)")  # 341
R2_ADDR=192.168.100.3
hook=$RUN/lower.sh
hooklog=$RUN/lower.log
printf '#!/bin/sh\necho "$FLOATD_NAME $FLOATD_STATE $FLOATD_LOWER_MASTER $FLOATD_LOWER_PRIORITY $FLOATD_PRIORITY" >>%s\n' \
  "$hooklog" >"$hook"
chmod 755 "$hook"
: >"$hooklog"

# lower_events: r1's master_rx_lower_pri events, "TIME SOURCE SOURCE_PRIORITY PRIORITY" each.
lower_events() { event_fields r1 master_rx_lower_pri time source source_priority priority; }

lab_up 2
make_conf r1 priority=150 advert_int=$adv notify_master_rx_lower_pri="$hook"
make_conf r2 priority=100 advert_int=$adv
start_floatd r1
wait_state r1 web MASTER 2
start_floatd r2
wait_state r2 web BACKUP 2
events_start r1
mark=$(log_lines r1)

step "r2 hears no multicast: it becomes Master too; r1 hears its lower adverts"
block_multicast r2
wait_state r2 web MASTER 2
wait_for "[[ \$(grep -c . '$hooklog') -ge 4 ]]" 5 ||
  fail "r1 ran its notify_master_rx_lower_pri $(grep -c . "$hooklog") times in 5 s, expected 4 or more"
assert_state r1 web MASTER

step "multicast to r2 again: r2 steps down"
bridge -n "$(ns br)" link set dev p-r2 mcast_flood on
wait_state r2 web BACKUP 2
assert_state r1 web MASTER
# Quiet for three of r1's Master_Down_Intervals: then nothing is owed any more.
wait_for "(( \$(lower_events | wc -l) == \$(grep -c . '$hooklog') ))" 2 ||
  fail "events ($(lower_events | wc -l)) and command runs ($(grep -c . "$hooklog")) differ"
n=$(grep -c . "$hooklog")
t_quiet=$EPOCHREALTIME
wait_for "false" "$(awk -v m="$mdi1_ms" 'BEGIN {printf "%.3f", 3 * m / 1000}')" || true
assert_eq "$(grep -c . "$hooklog")" "$n" "command runs after r2 stepped down ($(_since "$t_quiet") s later)"

step "what ran, and when (r1's own clock)"
lower_events | sed 's/^/  event: /'
sed -n '1,3s/^/  command: /p' "$hooklog"
assert_eq "$(sort -u "$hooklog")" "web MASTER_RX_LOWER_PRI $R2_ADDR 100 150" "the command's environment"
assert_eq "$(lower_events | awk '{print $2, $3, $4}' | sort -u)" "$R2_ADDR 100 150" "the events' fields"
assert_eq "$(lower_events | wc -l)" "$n" "events, one per command run"
# Event stamps are truncated to the ms: two 341 ms apart may read 340.
gaps=$(lower_events | awk '{split($1, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3]
  if (NR > 1) {d = s - p; if (d < 0) d += 86400; printf "%.0f\n", d * 1000} p = s}')
step "gaps between events (ms): $(paste -sd ' ' - <<<"$gaps")"
assert_cmp "$(sort -n <<<"$gaps" | head -n 1)" ">=" $((mdi1_ms - 1)) \
  "the shortest gap between two events (ms), against r1's Master_Down_Interval"
assert_cmp "$(log_since r1 "$mark" | grep -c "heard a lower-priority Master, $R2_ADDR (priority 100)")" \
  "==" "$n" "log lines"
assert_eq "$(log_since r1 "$mark" | grep -c ' -> ' || true)" 0 "r1's transitions meanwhile"
pass
