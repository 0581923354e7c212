#!/usr/bin/env bash
# The Master's interface pulled from under floatd: r1 (priority 150) and r2 (100), VRRPv3,
# advert_int 0.1 s, preempt.
#   (a) r1's eth0 is deleted (the veth pair goes, and with it the bridge port): r2 becomes
#       MASTER within its Master_Down_Interval + slack; r1's floatd keeps running and answers
#       floatctl status, its instance FAULT ("eth0 does not exist"). eth0 is then re-created
#       with the same name, MAC, addresses and bridge port: r1 is MASTER again with no restart
#       (same pid) within its Master_Down_Interval + slack, having received r2's adverts on the
#       new interface (its socket followed the new ifindex); it holds the VIP, r2 is BACKUP
#       without it, the client's entry is r1's MAC and the client pings the VIP.
#   (b) every address on r1's eth0 is flushed by hand (ip addr flush): r2 takes over (r1 cannot
#       advertise with no IPv4 address) and the VIP is then on r2 alone; what r1 did meanwhile
#       (transitions, VIP restored) is reported from its event stream and log. Once the admin
#       re-adds the primary address, r1 is MASTER again with no restart within its
#       Master_Down_Interval + slack, with the VIP marked IFA_PROTO 0x66, r2 BACKUP, and both
#       keep those states.
#   (c) as (a), with use_vmac = yes: the VMAC (vrrp.51, MAC 00:00:5e:00:01:33) is a macvlan on
#       eth0 and goes with it; once eth0 is back floatd must make the VMAC again, and r1 ends
#       MASTER with the VIP on it, r2 BACKUP without the VIP, the client pinging the VIP.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=services.sh
source "$(dirname "$0")/services.sh"  # events_start, events_of
test_init "$@"

adv=0.1
mdi1=$(master_down_interval $adv 150)  # 341 ms
mdi2=$(master_down_interval $adv 100)  # 361 ms
VMAC=00:00:5e:00:01:33 VMAC_NAME=""  # VRID 51's virtual MAC; the VMAC's name in part (c)
# Slack beyond a Master_Down_Interval: scheduling of the daemons and the ip commands, and the
# 10-100 ms it takes to poll floatctl once on a busy shared 2-CPU host.
FAULT_SLACK=0.15

# same_floatd PID: r1's floatd is still the process PID (no restart, no crash).
same_floatd() {
  floatd_running r1 || fail "floatd in r1 is gone: $(tail -n 5 "$RUN/r1.log")"
  assert_eq "${FD_PID[r1]}" "$1" "pid of r1's floatd"
}

# r1_back T0 TEXT MAC: r1 MASTER again (after T0), r2 BACKUP, the VIP on r1 only and the
# client's entry for it MAC (r1's, or the VMAC).
r1_back() {
  wait_state r1 web MASTER "$(add_s "$mdi1" 2)" "$1"
  step "$2: r1 MASTER ${WAIT_LO_MS}-${WAIT_HI_MS} ms later"
  assert_took_at_most "$(add_s "$mdi1" $FAULT_SLACK)" "$2: r1 MASTER again"
  wait_state r2 web BACKUP 1
  wait_for "[[ \$(vip_holders $VIP4) == r1 ]]" 1 ||
    fail "$2: $VIP4 is held by [$(vip_holders "$VIP4")], expected [r1]"
  wait_for "[[ \$(neighbour_mac $VIP4) == $3 ]]" 1 ||
    fail "$2: the client's entry for $VIP4 is '$(neighbour_mac "$VIP4")', not $3"
  wait_for "client_ping $VIP4" 2 || fail "$2: the client cannot ping $VIP4"
}

# r2_takes_over T0 TEXT: r2 MASTER within its Master_Down_Interval + slack after T0.
r2_takes_over() {
  wait_state r2 web MASTER "$(add_s "$mdi2" 2)" "$1"
  step "$2: r2 MASTER ${WAIT_LO_MS}-${WAIT_HI_MS} ms later"
  assert_took_at_most "$(add_s "$mdi2" $FAULT_SLACK)" "$2: r2 takes over"
}

# recreate_round TAG MAC: deletes r1's eth0, checks r2 takes over and r1 is FAULT but alive,
# re-creates eth0 and checks r1 is back (r1_back, the client's entry MAC) with the same pid,
# having received r2's adverts on the new interface.
recreate_round() {
  local tag=$1 mac=$2 t0 fault rx0 rx1
  t0=$EPOCHREALTIME
  ip -n "$(ns r1)" link del eth0
  r2_takes_over "$t0" "$tag eth0 deleted"
  wait_state r1 web FAULT 1
  hold_state r1 web FAULT 0.3
  same_floatd "$pid1"
  fault=$(status_get r1 web own_fault)
  [[ $fault == *"eth0 does not exist"* ]] || fail "r1's fault is '$fault', expected eth0 missing"
  step "$tag r1 FAULT: $fault"
  wait_for "[[ \$(vip_holders $VIP4) == r2 ]]" 1 ||
    fail "$VIP4 is held by [$(vip_holders "$VIP4")], expected [r2]"
  wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4 through r2"

  step "$tag re-create r1's eth0 (same name, MAC, addresses, bridge port)"
  rx0=$(status_get r1 web stats.adverts_received)
  t0=$EPOCHREALTIME
  eth0_recreate r1 2
  if [[ -n ${VMAC_NAME:-} ]]; then
    wait_for "has_vmac r1" 2 ||
      fail "$tag floatd did not make its VMAC $VMAC_NAME again on the re-created eth0"
  fi
  r1_back "$t0" "$tag eth0 re-created" "$mac"
  same_floatd "$pid1"
  rx1=$(status_get r1 web stats.adverts_received)
  assert_cmp "$rx1" ">" "$rx0" "adverts r1 received (before, after the re-created eth0)"
}

# has_vmac NAME: NAME has an interface with the VMAC's MAC.
has_vmac() { ip -n "$(ns "$1")" -o link show | grep -qi "link/ether $VMAC "; }

pair_up "$adv"
pid1=${FD_PID[r1]}
events_start r1
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4"

# ---------------------------------------------------------------------------------------------
step "(a) delete r1's eth0"
recreate_round "(a)" "$(router_mac r1)"

# ---------------------------------------------------------------------------------------------
step "(b) flush every address on r1's eth0"
mark1=$(log_lines r1)
nev=$(wc -l <"$RUN/r1.events")
restored0=$(status_get r1 web stats.vips_restored)
t0=$EPOCHREALTIME
rc=0
ip -n "$(ns r1)" addr flush dev eth0 || rc=$?
step "(b) ip addr flush: status $rc"
r2_takes_over "$t0" "(b) addresses flushed"
wait_for "[[ \$(vip_holders $VIP4) == r2 ]]" 1 ||
  fail "$VIP4 is held by [$(vip_holders "$VIP4")] with r1's addresses gone, expected [r2]"
same_floatd "$pid1"
state=$(status_get r1 web state) fault=$(status_get r1 web own_fault)
step "(b) meanwhile r1 is $state (${fault}); VIPs restored:" \
  "$(($(status_get r1 web stats.vips_restored) - restored0))"
tail -n "+$((nev + 1))" "$RUN/r1.events" | grep -o '"text":"[^"]*"' | sed 's/^/  event: /'
log_since r1 "$mark1" | { grep -v ' -> ' || true; } | sed 's/^/  log: /'

step "(b) the admin re-adds 192.168.100.2/24"
t0=$EPOCHREALTIME
ip -n "$(ns r1)" addr add 192.168.100.2/24 dev eth0
r1_back "$t0" "(b) primary address back" "$(router_mac r1)"
same_floatd "$pid1"
assert_eq "$(addr_proto r1 "$VIP4")" 0x66 "IFA_PROTO of $VIP4 on r1"
mark1=$(log_lines r1)
hold_state r1 web MASTER 0.5
assert_state r2 web BACKUP
assert_eq "$(transitions_logged r1 "$mark1")" 0 "r1's transitions after it settled"
assert_holders "$VIP4" r1

# ---------------------------------------------------------------------------------------------
step "(c) both floatd again with use_vmac = yes"
stop_floatd r2
stop_floatd r1
make_conf r1 priority=150 advert_int=$adv use_vmac=yes
make_conf r2 priority=100 advert_int=$adv use_vmac=yes
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
pid1=${FD_PID[r1]}
has_vmac r1 || fail "r1 has no interface with $VMAC"
VMAC_NAME=$(ip -n "$(ns r1)" -o link show | grep -i "link/ether $VMAC " | awk '{print $2}')
VMAC_NAME=${VMAC_NAME%%@*}
wait_for "client_ping $VIP4" 2 || fail "the client cannot ping $VIP4 (VMAC)"
step "(c) delete r1's eth0, and with it the VMAC $VMAC_NAME"
recreate_round "(c)" "$VMAC"
assert_holders "$VIP4" r1
pass
