#!/usr/bin/env bash
# Equal priorities between floatd and keepalived 2.2.7 (VRRPv3/IPv4, advert_int 0.1): after a
# partition both are MASTER; when it heals the one with the higher primary address (the advert's
# IP source) stays MASTER and the other yields, whichever implementation has it:
#   floatd on r1 (192.168.100.2) / keepalived on r2 (.3): keepalived stays;
#   keepalived on r1 (.2) / floatd on r2 (.3): floatd stays.
# covers: RX-16, ERR-4, SM-12, SM-13 (the higher master answers the lower one's advert at once)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
interop_init keepalived "$@"

ADV=0.1
lab_up 2
capture_start wire c 'ip proto 112'

# tie LOW HIGH: both run with priority 100; partition, both MASTER, heal, LOW yields to HIGH.
tie() {
  local low=$1 high=$2 t0 t1 last yield_ms
  isolate r1 r2
  t0=$EPOCHREALTIME
  for r in r1 r2; do
    if [[ ${IMPL[$r]} == floatd ]]; then start_floatd $r; else start_keepalived $r; fi
  done
  wait_role r1 MASTER 2
  wait_role r2 MASTER 2
  assert_holders "$VIP4" "r1 r2"
  random_phase $ADV
  step "heal: ${IMPL[$low]} ($low, $(adv_src "$low")) must yield to ${IMPL[$high]} ($high, $(adv_src "$high"))"
  unisolate r1 r2
  t1=$EPOCHREALTIME  # healed by now: timed from here, on the wire, an upper bound fails for sure
  wait_role "$low" BACKUP 2
  # The loser's last live advert after the heal (kernel timestamps, the same wall clock): it
  # yields once it hears the winner, so none comes later than one advert interval + slack.
  # Polling its role from the harness counted ip/floatctl start-up on a loaded machine.
  last=$(advert_times wire "$(adv_src "$low")" "$t1" 9e12 live last)
  yield_ms=$(awk -v a="$t1" -v b="${last:-$t1}" 'BEGIN {printf "%.0f", (b - a) * 1000}')
  step "${IMPL[$low]} sent its last advert ${yield_ms} ms after the partition healed"
  assert_cmp "$yield_ms" "<=" "$(ms "$(add_s $ADV 0.1)")" \
    "tie-break: ${IMPL[$low]} still advertised after the heal (ms, kernel timestamps)"
  hold_role "$high" MASTER 0.5
  t0=$EPOCHREALTIME
  hold_role "$low" BACKUP 0.5
  assert_sole_sender wire "$(adv_src "$high")" "$t0"
  assert_holders "$VIP4" "$high"
  # Not asserted: that the client's entry moves by itself. The winner re-announces (GARP) only
  # when it hears the loser's advert while Master (SM-13), i.e. only if the loser's advert
  # arrives first after the heal; if the winner's arrives first the loser just yields and a
  # client that had the loser's MAC keeps it until the entry goes stale (both implementations).
  flush_neighbours
  wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4"
  assert_eq "$(neighbour_mac "$VIP4")" "$(router_mac "$high")" "client's neighbour entry for $VIP4"
}

step "floatd on r1, keepalived on r2, priority 100 both, partitioned"
make_conf r1 priority=100 advert_int=$ADV
ka_conf r2 priority=100 advert_int=$ADV
IMPL[r1]=floatd IMPL[r2]=keepalived
wait_for "client_ping 192.168.100.2" 1
tie r1 r2
assert_status r1 web master 192.168.100.3
stop_floatd r1
stop_keepalived r2

step "keepalived on r1, floatd on r2, priority 100 both, partitioned"
ka_conf r1 priority=100 advert_int=$ADV
make_conf r2 priority=100 advert_int=$ADV
IMPL[r1]=keepalived IMPL[r2]=floatd
tie r1 r2
assert_status r2 web master 192.168.100.3
assert_status r2 web stats.drops_total 0
pass
