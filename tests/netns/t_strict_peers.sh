#!/usr/bin/env bash
# VRID collision guard (issue 11, scenario 8): a third router r3 (floatd, priority 200) joins the
# LAN with our VRID 51 and its own VIP 192.168.100.200, a second cluster's master by mistake.
# r1 (150) and r2 (100) run multicast with `peer =` naming each other, advert_int 0.1.
#
# strict_peers = yes: from r3's "-> MASTER" line on, for 1 s (10 of r3's adverts, more than r2's
#   Master_Down_Interval): r1 stays MASTER with the VIP, r2 BACKUP, no transition logged; each
#   raises one `stranger` event (source 192.168.100.4, reason stranger, count) and logs one
#   warning; status lists r3 in `strangers` with the count of its adverts (every advert r3 sent,
#   give or take the ones in flight), equal to stats.drops.stranger; address_mismatch stays 0
#   (refused before it is read). Then r1 is reloaded with r3 as a `peer`: a known peer with
#   another address list is refused too, now under address_list (status and counter), and still
#   nothing moves.
# strict_peers = no (both restarted, the `peer` lines kept): today's behaviour, r3 wins. r1 goes
#   BACKUP within advert_int + 50 ms of r3's "-> MASTER" (floatd's clocks) and its VIP is gone:
#   nobody holds 192.168.100.100; r1 counts address_mismatch, no stranger.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=services.sh
source "$(dirname "$0")/services.sh"
test_init "$@"
_need "$PY"
adv=0.1
R3=192.168.100.4
VIP3=192.168.100.200

# strangers NAME: "SOURCE REASON COUNT" per entry of status strangers, or nothing; after each,
# the instance's drops.stranger and drops.address_list from the same status.
strangers() {
  status_json "$1" | "$PY" -I -S -c '
import json, sys
for inst in json.load(sys.stdin)["instances"]:
    if inst["name"] == "web":
        for s in inst["strangers"]:
            d = inst["stats"]["drops"]
            print(s["source"], s["reason"], s["count"], d["stranger"], d["address_list"])'
}

# stranger_events NAME: "SOURCE REASON COUNT INSTANCE | TEXT" per stranger event NAME raised.
stranger_events() {
  "$PY" -I -S -c '
import json, sys
for line in open(sys.argv[1]):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    if ev.get("type") == "stranger":
        print(ev.get("source"), ev.get("reason"), ev.get("count"), ev.get("instance"), "|",
              ev.get("text"))' "$RUN/$1.events"
}

# r3: floatd, same VRID, its own VIP, priority 200, no strict_peers (any other cluster).
conf_r3() { make_conf r3 priority=200 advert_int=$adv virtual_ipaddress=$VIP3/24; }

# conf NAME PRIORITY STRICT PEER...: make_conf, and a `peer` line for each PEER (appended to
# [instance web], the last section; make_conf keeps one value per key).
conf() {
  local name=$1 prio=$2 strict=$3 p
  shift 3
  make_conf "$name" priority="$prio" advert_int=$adv strict_peers="$strict"
  for p in "$@"; do echo "peer = $p" >>"$RUN/$name.conf"; done
}

# pair STRICT: r1 and r2 started with `peer` naming each other and strict_peers = STRICT, settled.
pair() {
  conf r1 150 "$1" 192.168.100.3
  conf r2 100 "$1" 192.168.100.2
  start_floatd r1
  start_floatd r2
  wait_state r1 web MASTER 2
  wait_state r2 web BACKUP 1
  assert_holders $VIP4 r1
}

lab_up 3
conf_r3

# ---------------------------------------------------------------------------------------------
step "strict_peers = yes"
pair yes
assert_status r1 web strict_peers true
events_start r1
events_start r2
declare -A mark=([r1]=$(log_lines r1) [r2]=$(log_lines r2))
start_floatd r3
wait_logged r3 "$(started_mark r3)" "-> MASTER" 3
step "  r3: $LOGGED_LINE"
hold_state r1 web MASTER 1
assert_state r2 web BACKUP
assert_eq "$(transitions_logged r1 "${mark[r1]}")" 0 "transitions logged by r1"
assert_eq "$(transitions_logged r2 "${mark[r2]}")" 0 "transitions logged by r2"
assert_holders $VIP4 r1
assert_holders $VIP3 r3
for r in r1 r2; do
  wait_for "[[ -n \$(stranger_events $r) ]]" 2 || fail "$r raised no stranger event: $(cat "$RUN/$r.events")"
  ev=$(stranger_events $r)
  [[ $ev == "$R3 stranger "*" web | "*"refused adverts from $R3"* ]] ||
    fail "$r's stranger event is [$ev], expected $R3, reason stranger, instance web, a text naming $R3"
  assert_eq "$(wc -l <<<"$ev")" 1 "$r's stranger events (realarmed at most once a minute)"
  wait_logged $r "${mark[$r]}" "advert from $R3 refused: source is not a known peer (strict_peers)"
  assert_eq "$(log_since $r "${mark[$r]}" | grep -c "advert from $R3 refused" || true)" 1 "$r's stranger warnings"
  step "  $r event: $ev"
  step "  $r log: $LOGGED_LINE"
done
# Every advert of r3 refused: r1's count is between r3's sent before and after (one in flight).
sent_before=$(status_get r3 web stats.adverts_sent)
read -r src reason count _ <<<"$(strangers r1)"
sent_after=$(status_get r3 web stats.adverts_sent)
assert_eq "$src $reason" "$R3 stranger" "r1's strangers"
assert_cmp "$count" ">=" $((sent_before - 1)) "r1's stranger count against r3's adverts sent ($sent_before)"
assert_cmp "$count" "<=" "$sent_after" "r1's stranger count against r3's adverts sent ($sent_after)"
step "  r1 strangers: $src $reason count $count (r3 sent $sent_before..$sent_after)"
for r in r1 r2; do
  read -r src reason count d_stranger d_address_list <<<"$(strangers $r)"
  assert_eq "$d_stranger $d_address_list" "$count 0" "$r: drops.stranger and address_list against the strangers count"
  assert_status $r web stats.address_mismatch 0
  assert_status $r web stats.drops.not_peer 0
done
# The stream carries the count when it alarmed: the first advert.
assert_eq "$(stranger_events r1 | awk '{print $3}')" 1 "count in r1's stranger event"

step "reload r1 with r3 as a peer: a known peer with another address list"
conf r1 150 yes 192.168.100.3 $R3
m1=$(log_lines r1)
al0=$(status_get r1 web stats.drops.address_list)
"$FLOATCTL" -s "$RUN/r1.sock" reload >/dev/null || fail "floatctl reload on r1 failed"
wait_for "[[ \$(status_get r1 web stats.drops.address_list) -gt $al0 ]]" 1 ||
  fail "r1 counts no address_list drop after the reload: $(status_json r1)"
hold_state r1 web MASTER 0.5
assert_state r2 web BACKUP
assert_eq "$(transitions_logged r1 "$m1")" 0 "transitions logged by r1 after the reload"
assert_eq "$(transitions_logged r2 "${mark[r2]}")" 0 "transitions logged by r2"
assert_holders $VIP4 r1
read -r src reason count d_stranger d_address_list <<<"$(strangers r1)"
assert_eq "$src $reason" "$R3 address_list" "r1's strangers after the reload"
assert_eq "$((d_stranger + d_address_list))" "$count" "r1: drops.stranger + address_list against the strangers count"
assert_status r1 web stats.address_mismatch 0
step "  r1 strangers: $src $reason count $count; drops: stranger $d_stranger, address_list $d_address_list"

stop_floatd r3
stop_floatd r1
stop_floatd r2

# ---------------------------------------------------------------------------------------------
step "strict_peers = no"
pair no
m1=$(log_lines r1)
start_floatd r3
log_took r3 "$(started_mark r3)" "-> MASTER" r1 "$m1" "MASTER -> BACKUP"
step "  $LOG_TOOK_TEXT: $LOG_TOOK_MS ms"
assert_log_took_at_most "$(add_s $adv $SLACK)" "r1 yielding to r3"
[[ $LOGGED_LINE == *"$R3"* ]] || fail "r1 yielded, but not to r3: $LOGGED_LINE"
wait_state r1 web BACKUP 1
assert_state r2 web BACKUP
wait_for "[[ -z \$(vip_holders $VIP4) ]]" 2 || fail "$VIP4 is still held by [$(vip_holders $VIP4)]"
assert_holders $VIP3 r3
wait_for "[[ \$(status_get r1 web stats.address_mismatch) -gt 0 ]]" 1 || fail "r1 counted no address mismatch"
assert_status r1 web stats.drops.stranger 0
assert_eq "$(strangers r1)" "" "r1's strangers"
step "  r1 BACKUP (master $(status_get r1 web master)), $VIP4 held by nobody," \
  "address_mismatch $(status_get r1 web stats.address_mismatch)"
pass
