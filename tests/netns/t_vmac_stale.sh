#!/usr/bin/env bash
# VMACs left by a killed floatd (issue 15): r1 runs two instances with use_vmac (web, VRID 51:
# vrrp.51; db, VRID 52: vrrp.52) beside a VMAC made by hand the way keepalived makes them
# (vrrp.53: a private macvlan with the virtual MAC, no alias). floatd is killed with SIGKILL
# and restarted with a config that has lost db. Checked:
#   - floatd marks the VMACs it makes: `ip -d link` shows "alias floatd-vmac" on vrrp.51 and
#     vrrp.52, and nothing on vrrp.53;
#   - the restarted floatd deletes vrrp.52 (logged, before it joins the election), takes up
#     vrrp.51 again (the VIP back on it, MASTER) and leaves vrrp.53 alone;
#   - on SIGTERM it deletes vrrp.51, still leaves vrrp.53, and no address marked with floatd's
#     IFA_PROTO 0x66 is left.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

VIP4B=192.168.100.101

# alias_of ROUTER LINK: the link's alias, "-" when it has none, "absent" when there is no link.
alias_of() {
  local out
  out=$(ip -n "$(ns "$1")" -d -o link show dev "$2" 2>/dev/null) || { echo absent; return; }
  sed -n 's/.* alias \([^ \\]*\).*/\1/p' <<<"$out" | grep . || echo -
}

# conf ROUTER [db]: web, and db too when asked.
conf() {
  {
    printf '[global]\nrouter_id = %s\n\n' "$1"
    printf '[instance web]\ninterface = eth0\nvirtual_router_id = 51\npriority = 150\n'
    printf 'advert_int = 0.1\nuse_vmac = yes\nvirtual_ipaddress = %s/24\ngarp_master_delay = 0\n\n' "$VIP4"
    if [[ ${2:-} == db ]]; then
      printf '[instance db]\ninterface = eth0\nvirtual_router_id = 52\npriority = 150\n'
      printf 'advert_int = 0.1\nuse_vmac = yes\nvirtual_ipaddress = %s/24\ngarp_master_delay = 0\n' "$VIP4B"
    fi
  } >"$RUN/$1.conf"
}

lab_up 2
ip -n "$(ns r1)" link add vrrp.53 link eth0 address 00:00:5e:00:01:35 type macvlan mode private
ip -n "$(ns r1)" link set vrrp.53 up
conf r1 db
start_floatd r1
wait_state r1 web MASTER 2
wait_state r1 db MASTER 2
assert_eq "$(alias_of r1 vrrp.51)" floatd-vmac "alias of vrrp.51"
assert_eq "$(alias_of r1 vrrp.52)" floatd-vmac "alias of vrrp.52"
assert_eq "$(alias_of r1 vrrp.53)" - "alias of vrrp.53 (made by hand)"
wait_for "has_vip r1 $VIP4B" 2 || fail "r1 did not add $VIP4B on vrrp.52"

step "SIGKILL; restarted with a config without db"
stop_floatd r1 KILL
assert_eq "$(alias_of r1 vrrp.52)" floatd-vmac "vrrp.52 after the SIGKILL (left behind)"
conf r1
mark=$(log_lines r1)
start_floatd r1
wait_state r1 web MASTER 2
wait_logged r1 "$mark" "removed stale VMAC vrrp.52" 2
removed=$LOGGED_LINE
step "log: $removed"
# Before the election: the removal comes before web's first transition.
first=$(log_since r1 "$mark" | grep -n -m1 -e 'removed stale VMAC vrrp.52' -e ' -> ' | cut -d: -f1)
assert_eq "$(log_since r1 "$mark" | sed -n "${first}p" | grep -c 'removed stale VMAC')" 1 \
  "the stale VMAC removed before the instance's first transition"
assert_eq "$(alias_of r1 vrrp.52)" absent "vrrp.52 after the restart"
assert_eq "$(alias_of r1 vrrp.51)" floatd-vmac "vrrp.51 after the restart (taken up again)"
assert_eq "$(alias_of r1 vrrp.53)" - "vrrp.53 after the restart (not floatd's)"
wait_for "ip -n $(ns r1) -o addr show dev vrrp.51 | grep -qF ' $VIP4/'" 2 ||
  fail "$VIP4 is not on vrrp.51 after the restart"
assert_eq "$(addr_proto r1 "$VIP4B")" absent "$VIP4B (db's) after the restart"

step "SIGTERM: floatd's VMAC goes, the one made by hand stays"
stop_floatd r1
assert_eq "$(alias_of r1 vrrp.51)" absent "vrrp.51 after a clean stop"
assert_eq "$(alias_of r1 vrrp.53)" - "vrrp.53 after a clean stop"
assert_eq "$(proto_addresses r1 | paste -sd ' ' -)" "" "addresses marked 0x66 in r1"
pass
