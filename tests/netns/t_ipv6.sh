#!/usr/bin/env bash
# IPv6: VIP 2001:db8:100::100/64; adverts from the link-local address to ff02::12; the client
# pings it and its neighbour entry follows the master across a graceful failover (unsolicited NA).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
lab_up 2
make_conf r1 priority=150 advert_int=$adv virtual_ipaddress=$VIP6/64
make_conf r2 priority=100 advert_int=$adv virtual_ipaddress=$VIP6/64
capture_start adverts r1 'ip6 proto 112'
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
assert_holders "$VIP6" r1
assert_status r1 web family ipv6
assert_status r1 web vips "$VIP6/64"
wait_for "[[ \$(capture_read adverts | grep -c 'fe80::fd:ff:fe00:2 > ff02::12') -ge 3 ]]" 2 ||
  fail "no adverts from fe80::fd:ff:fe00:2 to ff02::12: $(capture_read adverts | head -n 3)"
capture_stop adverts

step "the client reaches the VIP at r1's MAC"
flush_neighbours
wait_for "client_ping $VIP6" 2 || fail "the client cannot ping $VIP6"
assert_eq "$(neighbour_mac "$VIP6")" "$(router_mac r1)" "client's ip -6 neigh entry for $VIP6"

step "SIGTERM to r1: r2 takes over, the client's entry moves to r2"
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
assert_holders "$VIP6" r2
wait_for "[[ \$(neighbour_mac $VIP6) == $(router_mac r2) ]]" 1 ||
  fail "the client's entry for $VIP6 is $(neighbour_mac "$VIP6"), not r2's $(router_mac r2)"
wait_for "client_ping $VIP6" 2 || fail "the client cannot ping $VIP6 through r2"
pass
