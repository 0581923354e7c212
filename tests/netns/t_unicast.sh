#!/usr/bin/env bash
# Unicast: with unicast_src_ip / unicast_peer on both sides the adverts go to the peer's address.
# The bridge floods no multicast to the routers, so only unicast adverts can keep r2 BACKUP.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
lab_up 2
make_conf r1 priority=150 advert_int=$adv unicast_src_ip=192.168.100.2 unicast_peer=192.168.100.3
make_conf r2 priority=100 advert_int=$adv unicast_src_ip=192.168.100.3 unicast_peer=192.168.100.2
block_multicast r1 r2
capture_start r1 r1 'ip proto 112'
capture_start r2 r2 'ip proto 112'
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
hold_state r2 web BACKUP 1
capture_stop r1
capture_stop r2
assert_holders "$VIP4" r1

unicast=$(capture_read r1 | grep -c '192.168.100.2 > 192.168.100.3: VRRP' || true)
multicast=$( (capture_read r1; capture_read r2) | grep -c '> 224.0.0.18' || true)
step "adverts seen: $unicast unicast from r1 to r2, $multicast to 224.0.0.18"
assert_cmp "$unicast" ">=" 5 "unicast adverts from r1 to r2"
assert_eq "$multicast" 0 "adverts sent to 224.0.0.18"

step "SIGTERM to r1: its priority-0 advert reaches r2 by unicast"
mark1=$(log_lines r1) mark2=$(log_lines r2)
signal_floatd r1 TERM
wait_state r2 web MASTER 2
# From r1's own "stopping" (before its priority-0 advert) to r2's MASTER line: floatd's clock.
log_took r1 "$mark1" ": stopping" r2 "$mark2" "web: BACKUP -> MASTER"
step "r2 MASTER ${LOG_TOOK_MS} ms after r1 began to stop"
assert_log_took_at_most "$(add_s "$(skew_time $adv 100)" "$SLACK")" "graceful takeover"
# r1's "stopping" comes before its priority-0 advert, so this span is at least r2's true wait:
# shorter than Skew_Time means r2 did not wait its Skew_Time (RFC 5798 §6.4.2).
assert_log_took_at_least "$(skew_time $adv 100)" "graceful takeover"
reap_floatd r1 0
assert_holders "$VIP4" r2
pass
