#!/usr/bin/env bash
# floatd in two minutes: what `sudo make demo` runs. Usage: scripts/demo.sh PATH/TO/floatd
#
# Builds a throwaway lab of network namespaces (prefix fddemo<pid>-: a bridge, routers r1 and r2,
# a client), runs floatd on both routers, fails the master over twice (host death, then a
# graceful stop), measures what the client saw against the protocol's bounds, lets the master
# come back, and removes everything on exit. The host's own interfaces are never touched.
# Builds nothing itself (make does). Uses the harness in tests/netns/lib.sh.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "demo: needs root to create network namespaces; run: sudo make demo" >&2
  exit 1
fi
if [[ $# -ne 1 || ! -x $1 ]]; then
  echo "demo: usage: $0 PATH/TO/floatd (build it first: make)" >&2
  exit 1
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR/.. source=tests/netns/lib.sh
source "$ROOT/tests/netns/lib.sh"
lab_init fddemo "$1"

ADV=1  # advert_int, seconds
if [[ -t 1 ]]; then BOLD=$'\e[1m' DIM=$'\e[2m' OFF=$'\e[0m'; else BOLD="" DIM="" OFF=""; fi

section() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$OFF"; }
say() { printf '   %s\n' "$*"; }
indent() { sed 's/^/     /'; }

# new_transitions NAME MARK: the state changes NAME logged since MARK, without timestamps.
new_transitions() {
  log_since "$1" "$2" | grep -- ' -> ' | sed -E "s/^.*(eth0\/)/$1: \1/" | indent || true
}

status_both() {
  local r
  for r in r1 r2; do
    printf '   %s%s:%s\n' "$DIM" "$r" "$OFF"
    status_text "$r" | indent
  done
}

# holder: which router holds the VIP now.
holder() { vip_holders "$VIP4" r1 r2; }

write_config() {  # NAME PRIORITY
  cat >"$RUN/$1.conf" <<EOF
[global]
router_id = $1

[instance web]
interface = eth0
virtual_router_id = 51
priority = $2
advert_int = $ADV
virtual_ipaddress = $VIP4/24
EOF
}

# outage_report MEASURED_MS BOUND_NAME BOUND_S
outage_report() {
  local bound over note
  bound=$(ms "$3")
  over=$(awk -v a="$1" -v b="$bound" 'BEGIN {printf "%.1f", a - b}')
  if awk -v o="$over" 'BEGIN {exit !(o <= 0)}'; then
    note="within the bound"
  elif awk -v o="$over" 'BEGIN {exit !(o <= 50)}'; then
    note="+$over ms: sending the ARP announcement, the client updating its entry"
  else
    note="OVER the bound by $over ms"
  fi
  printf '   %-38s %7s ms\n' "client outage (measured)" "$1"
  printf '   %-38s %7s ms   %s\n' "protocol bound: $2" "$bound" "($note)"
}

mdi_backup=$(master_down_interval $ADV 100)
mdi_master=$(master_down_interval $ADV 150)
skew_backup=$(skew_time $ADV 100)

printf '%sfloatd demo%s: two routers share the virtual IP %s; a client uses it.\n' \
  "$BOLD" "$OFF" "$VIP4"
say "Everything runs in throwaway network namespaces (${LAB_PFX}*), removed on exit."

section "1. The lab"
lab_up 2
say "client c  192.168.100.10 --+"
say "router r1 192.168.100.2  --+-- bridge br0   (VRRP adverts: 224.0.0.18, protocol 112)"
say "router r2 192.168.100.3  --+"

section "2. Start floatd on both routers"
write_config r1 150
write_config r2 100
say "r1's config (r2's is the same with priority 100):"
indent <"$RUN/r1.conf"
start_floatd r1
start_floatd r2
say "Both start as BACKUP and wait Master_Down_Interval (3 x advert_int + Skew_Time) for a"
say "master's advert. r1's is shorter ($(ms "$mdi_master") ms vs $(ms "$mdi_backup") ms), so r1 becomes MASTER:"
wait_for "[[ \$(holder) == r1 ]]" 10 || fail "r1 did not become master"
new_transitions r1 0
new_transitions r2 0

section "3. floatctl status"
status_both

section "4. The client pings the VIP"
in_ns c ping -c 3 -i 0.2 -q "$VIP4" | grep -E 'transmitted' | indent
mac=$(neighbour_mac "$VIP4")
if [[ $mac == "$(router_mac r1)" ]]; then who="r1's eth0"; else who="not r1's eth0!"; fi
say "the client's ARP entry: $VIP4 is at $mac ($who)"

section "5. Host death: r1's network link goes down"
say "The client now pings the VIP every millisecond to measure the outage."
probe_start "$VIP4"
m1=$(log_lines r1)
m2=$(log_lines r2)
link_down r1
wait_for "has_vip r2 $VIP4" 10 || fail "r2 did not take over"
wait_for "client_ping $VIP4" 3 || fail "the client cannot reach the VIP through r2"
probe_stop
new_transitions r1 "$m1"
new_transitions r2 "$m2"
outage_report "$PROBE_OUTAGE_MS" "Master_Down_Interval" "$mdi_backup"
say "r2 waits Master_Down_Interval after r1's last advert, which came up to advert_int"
say "before the failure: the outage lies between $(ms "$(add_s "$mdi_backup" -$ADV)") and $(ms "$mdi_backup") ms."

section "6. r1 comes back (link up) and takes the VIP back (preempt)"
m1=$(log_lines r1)
m2=$(log_lines r2)
link_up r1
wait_for "[[ \$(holder) == r1 ]]" 10 || fail "r1 did not take the VIP back"
new_transitions r1 "$m1"
new_transitions r2 "$m2"

section "7. Graceful stop: SIGTERM to r1's floatd"
say "r1 sends a priority-0 advert and removes its VIP; r2 then waits only Skew_Time."
probe_start "$VIP4"
m2=$(log_lines r2)
signal_floatd r1 TERM
wait_for "has_vip r2 $VIP4" 5 || fail "r2 did not take over"
reap_floatd r1 0
wait_for "client_ping $VIP4" 3 || fail "the client cannot reach the VIP through r2"
probe_stop
new_transitions r2 "$m2"
outage_report "$PROBE_OUTAGE_MS" "Skew_Time" "$skew_backup"

section "8. floatd starts again on r1 and preempts"
m1=$(log_lines r1)
m2=$(log_lines r2)
start_floatd r1
wait_for "[[ \$(holder) == r1 ]]" 10 || fail "r1 did not take the VIP back"
new_transitions r1 "$m1"
new_transitions r2 "$m2"
status_both

section "Done"
say "Removing the lab. Try it by hand: floatd -f CONF -l (see conf.d/ and man/)."
