#!/usr/bin/env bash
# Election: the higher priority becomes MASTER within its Master_Down_Interval, the other stays
# BACKUP, the VIP is only on the master, and the client reaches the VIP through the master's
# eth0 MAC. Also checks the fields of floatctl status.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
lab_up 2
make_conf r1 priority=150 advert_int=$adv
make_conf r2 priority=100 advert_int=$adv

step "start r1 (priority 150) and r2 (priority 100), advert_int $adv"
start_floatd r1
start_floatd r2
mdi=$(master_down_interval $adv 150)
wait_state r1 web MASTER "$(add_s "$mdi" 2)"
# RFC 5798 §6.4.1: Master_Down_Timer runs from the instance's start-up, on floatd's clock.
log_took r1 "$(started_mark r1)" "web: INIT -> BACKUP" r1 "$(started_mark r1)" "web: BACKUP -> MASTER"
step "r1 MASTER ${LOG_TOOK_MS} ms after its start-up (Master_Down_Interval $(ms "$mdi") ms)"
assert_log_took_at_most "$(add_s "$mdi" "$SLACK")" "r1 becoming MASTER"
assert_log_took_at_least "$mdi" "r1 becoming MASTER"
wait_state r2 web BACKUP 1
hold_state r2 web BACKUP "$(add_s "$mdi" "$mdi" "$mdi")"
assert_state r1 web MASTER
assert_holders "$VIP4" r1

step "status fields"
assert_status r1 web interface eth0
assert_status r1 web vrid 51
assert_status r1 web family ipv4
assert_status r1 web version 3
assert_status r1 web priority 150
assert_status r1 web effective_priority 150
assert_status r1 web vips "$VIP4/24"
assert_status r1 web master 192.168.100.2
assert_status r2 web master 192.168.100.2
assert_status r2 web priority 100
assert_status r1 web stats.drops_total 0
assert_status r2 web stats.drops_total 0
assert_cmp "$(status_get r1 web stats.adverts_sent)" ">" 0 "r1 adverts_sent"
assert_cmp "$(status_get r2 web stats.adverts_received)" ">" 0 "r2 adverts_received"
status_text r1 | grep -q web || fail "floatctl status (text) does not list instance web"

step "the client reaches the VIP at r1's MAC"
flush_neighbours
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4"
assert_eq "$(neighbour_mac "$VIP4")" "$(router_mac r1)" "client's neighbour entry for $VIP4"
pass
