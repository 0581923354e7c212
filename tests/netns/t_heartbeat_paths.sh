#!/usr/bin/env bash
# Heartbeat paths (issue 11), the failures a path must survive without moving the VIP.
# r1 (priority 150, MASTER) and r2 (100) share the LAN (eth0 on the switch, with the client)
# and a direct cable, a veth eth1 (198.51.100.1/24 on r1, .2/24 on r2), VRRPv3 at advert_int
# 0.1 s, so r2's Master_Down_Interval (MDI) is 361 ms.
#   0. Without heartbeat_path the LAN cut of 1 splits the brain: r2 becomes MASTER and both
#      hold the VIP (asserted, so that 1 proves something).
#   1. LAN cut between the nodes (bridge port isolation: both still reach the client), with
#      `heartbeat_path = eth1 peer ...`: for 3 x MDI r2 stays BACKUP and logs no transition,
#      never adds the VIP, r1 alone holds it; r2 raises path_down for eth0 (state silent, "while
#      eth1 hears it") within MDI + 50 ms of the cut, timed on floatd's log and event clocks.
#   5a. LAN heal: path_up for eth0 on r2, within one advert interval + slack.
#   4. Heartbeat cable cut (r1's end of eth1 down, so r2's end loses carrier): nothing moves
#      for 3 x MDI, path_down for eth1 (state down) on r2, and on r1 for its own end.
#   4b. The cable silent with carrier up (r1's address on eth1 removed: r1 cannot send on it):
#      nothing moves, path_down for eth1 (state silent) on r2 within MDI + 50 ms.
#   5. Heal: every path back: path_up for each alarm, one Master, r2's paths all ok and r1's
#      all sending in floatctl status --json, both steady for 10 advert intervals.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=services.sh
source "$(dirname "$0")/services.sh"
test_init "$@"
_need "$PY"

adv=0.1
mdi=$(master_down_interval $adv 100)
hold=$(awk -v m="$mdi" 'BEGIN {printf "%.4f", 3 * m}')
down_bound=$(add_s "$mdi" "$SLACK")      # path_down after a cut
up_bound=$(add_s $adv "$SLACK")          # path_up after a heal: the next advert
RESULTS=()

# path_get NAME PATH FIELD...: fields of one entry of the instance's `paths` in floatctl status
# --json, space separated, all from one status (JSON null prints as null).
path_get() {
  status_json "$1" | "$PY" -I -S -c '
import json, sys
doc = json.load(sys.stdin)
inst = [i for i in doc["instances"] if i["name"] == "web"][0]
for p in inst["paths"]:
    if p["interface"] == sys.argv[1]:
        print(" ".join("null" if p[f] is None else str(p[f]).lower() if isinstance(p[f], bool)
                       else str(p[f]) for f in sys.argv[2:]))
        sys.exit(0)
sys.exit("no path " + sys.argv[1] + " in " + json.dumps(inst["paths"]))' "$2" "${@:3}"
}

# assert_path NAME PATH STATE: the path's state in floatctl status --json.
assert_path() {
  local got
  got=$(path_get "$1" "$2" state) || fail "$1: no path $2 in floatctl status --json"
  [[ $got == "$3" ]] || fail "$1: path $2 is '$got', expected '$3' ($(path_get "$1" "$2" reason))"
}


# path_event NAME MARK TYPE PATH: the first event of TYPE (path_down, path_up) for PATH after
# line MARK of NAME's stream, as "EPOCH<TAB>STATE<TAB>INSTANCE<TAB>REASON<TAB>TEXT" (EPOCH from
# the event's HH:MM:SS.mmm, floatd's clock); status 1 if there is none.
path_event() {
  "$PY" -I -S -c '
import datetime, json, sys
path, mark, kind, iface = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
now = datetime.datetime.now()
for line in open(path).read().splitlines()[mark:]:
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    if ev.get("type") != kind or ev.get("path") != iface:
        continue
    h, m, s = ev["time"].split(":")
    t = now.replace(hour=int(h), minute=int(m), second=0, microsecond=0).timestamp() + float(s)
    t += -86400 if t - now.timestamp() > 43200 else 86400 if t - now.timestamp() < -43200 else 0
    print("\t".join([f"{t:.3f}", ev.get("state", ""), ev.get("instance", ""),
                     ev.get("reason", ""), ev.get("text", "")]))
    sys.exit(0)
sys.exit(1)' "$RUN/$1.events" "$2" "$3" "$4"
}

# expect_path_event NAME MARK TYPE PATH STATE T_AFTER BOUND_S [REASON_PART]: waits up to 2 s
# for that event; checks its instance, state and reason, and that its time stamp is at most
# BOUND_S after T_AFTER (an EPOCHREALTIME taken right after the harness's action), allowing
# the scheduler's lateness measured meanwhile, as assert_log_took_at_most does. Sets EVENT_MS.
EVENT_MS="" EVENT_STATE=""
expect_path_event() {
  local name=$1 mark=$2 kind=$3 path=$4 state=$5 t1=$6 bound=$7 part=${8:-} ev at st inst reason
  wait_for "path_event $name $mark $kind $path >/dev/null" 2 ||
    fail "$name: no $kind event for $path within 2 s (events: $(tail -n +"$((mark + 1))" \
      "$RUN/$name.events" | tr '\n' ' '))"
  ev=$(path_event "$name" "$mark" "$kind" "$path")
  IFS=$'\t' read -r at st inst reason _ <<<"$ev"
  EVENT_STATE=$st
  [[ $state == - ]] || assert_eq "$st" "$state" "$name: state in the $kind event for $path"
  assert_eq "$inst" web "$name: instance in the $kind event for $path"
  [[ -z $part || $reason == *"$part"* ]] ||
    fail "$name: the $kind event for $path says '$reason', expected it to mention '$part'"
  EVENT_MS=$(ms_between "$t1" "$at")
  local late
  late=$(sched_late_ms "$t1" "$at")
  assert_cmp "$EVENT_MS" "<=" "$(($(ms "$bound") + 2 * late + 1))" \
    "$name: the $kind event for $path came ${EVENT_MS} ms after the harness's action, bound $(ms "$bound") ms + 2 x ${late} ms (the scheduler's worst lateness meanwhile): floatd was late ('$reason')"
}

# path_event_balance NAME PATH: "ok N" when NAME's path_down and path_up events for PATH
# alternate, down first, and end with a path_up (N alarms, all cleared); else what is wrong.
path_event_balance() {
  "$PY" -I -S -c '
import json, sys
seq = []
for line in open(sys.argv[1]):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    if ev.get("path") == sys.argv[2] and ev.get("type") in ("path_down", "path_up"):
        seq.append(ev["type"])
want = ["path_down", "path_up"] * (len(seq) // 2)
print(f"ok {len(seq) // 2}" if seq == want else "events " + " ".join(seq))' "$RUN/$1.events" "$2"
}


# nothing_moves TEXT MARK1 MARK2 AMARK2: for 3 x MDI r2 stays BACKUP; then neither router
# logged a transition since the marks, r2's kernel never added the VIP, r1 alone holds it.
nothing_moves() {
  hold_state r2 web BACKUP "$hold"
  assert_state r1 web MASTER
  assert_eq "$(transitions_logged r1 "$2")" 0 "$1: transitions logged by r1"
  assert_eq "$(transitions_logged r2 "$3")" 0 "$1: transitions logged by r2"
  assert_eq "$(vip_added_since r2 "$4")" 0 "$1: times r2's kernel added $VIP4"
  assert_holders "$VIP4" r1
}

lab_up 2
cable_up

# ---------------------------------------------------------------------------------------------
step "0. no heartbeat_path: the LAN cut between r1 and r2 splits the brain"
make_conf r1 priority=150 advert_int=$adv
make_conf r2 priority=100 advert_int=$adv
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
random_phase $adv
mark1=$(log_lines r1) mark2=$(log_lines r2)
t0=$EPOCHREALTIME
isolate r1 r2
t1=$EPOCHREALTIME
wait_state r2 web MASTER "$(add_s "$mdi" 2)" "$t0"
log_took_since r2 "$mark2" "web: BACKUP -> MASTER" "$t1"
split_ms=$LOG_TOOK_MS
wait_for "[[ \$(vip_holders $VIP4) == 'r1 r2' ]]" 2 ||
  fail "without paths the LAN cut should split the brain: $VIP4 is held by [$(vip_holders "$VIP4")]"
assert_state r1 web MASTER
assert_eq "$(transitions_logged r1 "$mark1")" 0 "0: transitions logged by r1"
RESULTS+=("0. no paths, LAN cut: r2 MASTER ${split_ms} ms after the cut (MDI $(ms "$mdi") ms); \
VIP held by [$(vip_holders "$VIP4")]: split brain")
step "${RESULTS[-1]}"
unisolate r1 r2
wait_state r2 web BACKUP 2
wait_for "[[ \$(vip_holders $VIP4) == r1 ]]" 2 || fail "after the heal $VIP4 is held by [$(vip_holders "$VIP4")]"
stop_floatd r2
stop_floatd r1

# ---------------------------------------------------------------------------------------------
step "1. with heartbeat_path over eth1: the same LAN cut"
make_conf r1 priority=150 advert_int=$adv "heartbeat_path=eth1 peer 198.51.100.2"
make_conf r2 priority=100 advert_int=$adv "heartbeat_path=eth1 peer 198.51.100.1"
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 2
wait_state r2 web BACKUP 1
events_start r1
events_start r2
addr_monitor_start r2
# Both paths carry adverts: r1 counts them out, r2 counts them in, on each.
wait_for "[[ \$(path_get r2 eth1 adverts_in) -ge 3 && \$(path_get r2 eth0 adverts_in) -ge 3 ]]" 2 ||
  fail "r2 does not hear r1 on both paths: eth0 $(path_get r2 eth0 state adverts_in), eth1 $(path_get r2 eth1 state adverts_in)"
assert_path r2 eth0 ok
assert_path r2 eth1 ok
assert_eq "$(path_get r2 eth0 primary peers)" "true []" "r2: eth0 primary, peers"
assert_eq "$(path_get r2 eth1 primary peers)" "false ['198.51.100.1']" "r2: eth1 primary, peers"
assert_path r1 eth0 sending
assert_path r1 eth1 sending
assert_cmp "$(path_get r1 eth1 adverts_out)" ">=" 3 "r1: adverts out on eth1"
assert_eq "$(path_get r2 eth1 drops)" 0 "r2: drops on eth1"

random_phase $adv
mark1=$(log_lines r1) mark2=$(log_lines r2) emark2=$(event_lines r2) amark2=$(addrmon_lines r2)
t0=$EPOCHREALTIME
isolate r1 r2
t1=$EPOCHREALTIME
nothing_moves "1. LAN cut" "$mark1" "$mark2" "$amark2"
assert_path r2 eth0 silent
assert_path r2 eth1 ok
assert_path r1 eth1 sending
# From the cut to r2's "path DOWN eth0" line: at most MDI after the cut (timed from t1, after
# the harness's isolate), at least MDI after r1's last advert on eth0 (no more than one
# interval before t0) -- r2 must wait a full MDI of silence before it alarms.
log_took_since r2 "$mark2" "path DOWN eth0: no adverts from 192.168.100.2" "$t1"
down_ms=$LOG_TOOK_MS
assert_log_took_at_most "$down_bound" "1: r2's path DOWN eth0 line after the LAN cut"
[[ $LOGGED_LINE == *"while eth1 hears it"* ]] || fail "r2's line does not say eth1 hears r1: $LOGGED_LINE"
log_took_since r2 "$mark2" "path DOWN eth0" "$t0"
assert_log_took_at_least "$(add_s "$mdi" -$adv -"$SLACK")" "1: r2's path DOWN eth0 line after the LAN cut"
down_t0_ms=$LOG_TOOK_MS
expect_path_event r2 "$emark2" path_down eth0 silent "$t1" "$down_bound" "while eth1 hears it"
RESULTS+=("1. paths, LAN cut: r2 BACKUP for $(ms "$hold") ms (3 x MDI), no transition, VIP only \
on r1; path_down eth0 (silent) logged ${down_ms} ms (${down_t0_ms} ms from before the \
harness's isolate), event ${EVENT_MS} ms after the cut (bound MDI + 50 = $(ms "$down_bound") ms; \
at least MDI - advert_int - 50)")
step "${RESULTS[-1]}"
step "   r2: $(status_text r2 | tail -n 1)"

step "5a. LAN heal"
mark2=$(log_lines r2) emark2=$(event_lines r2)
unisolate r1 r2
t1=$EPOCHREALTIME
expect_path_event r2 "$emark2" path_up eth0 ok "$t1" "$up_bound" "hears 192.168.100.2 again"
log_took_since r2 "$mark2" "path up eth0: hears 192.168.100.2 again" "$t1"
assert_log_took_at_most "$up_bound" "5a: r2's path up eth0 line after the LAN heal"
assert_path r2 eth0 ok
RESULTS+=("5a. LAN heal: path_up eth0 on r2 logged ${LOG_TOOK_MS} ms, event ${EVENT_MS} ms after \
the heal (bound advert_int + 50 = $(ms "$up_bound") ms)")
step "${RESULTS[-1]}"

# ---------------------------------------------------------------------------------------------
step "4. the heartbeat cable cut: r1's end of eth1 down, r2's loses carrier"
random_phase $adv
mark1=$(log_lines r1) mark2=$(log_lines r2) amark2=$(addrmon_lines r2)
emark1=$(event_lines r1) emark2=$(event_lines r2)
t0=$EPOCHREALTIME
ip -n "$(ns r1)" link set eth1 down
t1=$EPOCHREALTIME
nothing_moves "4. cable cut" "$mark1" "$mark2" "$amark2"
# A link event: no silence to wait for, only netlink and the loop (slack).
expect_path_event r2 "$emark2" path_down eth1 down "$t1" "$SLACK" "no carrier"
r2_ms=$EVENT_MS
expect_path_event r1 "$emark1" path_down eth1 down "$t1" "$SLACK" "is down"
r1_ms=$EVENT_MS
wait_logged r2 "$mark2" "path DOWN eth1: link eth1 has no carrier"
wait_logged r1 "$mark1" "path DOWN eth1: link eth1 is down"
assert_path r2 eth1 down
assert_path r2 eth0 ok
assert_path r1 eth1 down
assert_eq "$(path_get r2 eth1 reason)" "eth1: link eth1 has no carrier" "r2: reason of path eth1 (the alarm's text)"
RESULTS+=("4. cable cut: nothing moved for $(ms "$hold") ms; path_down eth1 (down) on r2 \
${r2_ms} ms, on r1 ${r1_ms} ms after the harness's ip link set returned (it took \
$(ms_between "$t0" "$t1") ms; bound 50 ms)")
step "${RESULTS[-1]}"

step "5b. the cable back"
mark2=$(log_lines r2) emark1=$(event_lines r1) emark2=$(event_lines r2)
ip -n "$(ns r1)" link set eth1 up
t1=$EPOCHREALTIME
expect_path_event r2 "$emark2" path_up eth1 ok "$t1" "$SLACK" "link is up"
expect_path_event r1 "$emark1" path_up eth1 sending "$t1" "$SLACK" "link is up"
step "   r1's path_up event for eth1 says state '$EVENT_STATE'"
wait_for "[[ \$(path_get r2 eth1 adverts_in) -gt 0 && \$(path_get r2 eth1 last_heard_ms) != null && \$(path_get r2 eth1 last_heard_ms) -lt 300 ]]" 2 ||
  fail "r2 does not hear r1 on eth1 again: $(path_get r2 eth1 state last_heard_ms)"
assert_path r2 eth1 ok
assert_path r1 eth1 sending

# ---------------------------------------------------------------------------------------------
step "4b. the cable silent with carrier: r1's address on eth1 removed, r1 cannot send on it"
random_phase $adv
mark1=$(log_lines r1) mark2=$(log_lines r2) amark2=$(addrmon_lines r2)
emark1=$(event_lines r1) emark2=$(event_lines r2)
t0=$EPOCHREALTIME
ip -n "$(ns r1)" addr del 198.51.100.1/24 dev eth1
t1=$EPOCHREALTIME
nothing_moves "4b. cable silent" "$mark1" "$mark2" "$amark2"
log_took_since r2 "$mark2" "path DOWN eth1: no adverts from 198.51.100.1" "$t1"
silent_ms=$LOG_TOOK_MS
assert_log_took_at_most "$down_bound" "4b: r2's path DOWN eth1 line"
[[ $LOGGED_LINE == *"while eth0 hears it"* ]] || fail "r2's line does not say eth0 hears r1: $LOGGED_LINE"
log_took_since r2 "$mark2" "path DOWN eth1" "$t0"
assert_log_took_at_least "$(add_s "$mdi" -$adv -"$SLACK")" "4b: r2's path DOWN eth1 line"
expect_path_event r2 "$emark2" path_down eth1 silent "$t1" "$down_bound" "while eth0 hears it"
silent_ev_ms=$EVENT_MS
expect_path_event r1 "$emark1" path_down eth1 down "$t1" "$SLACK" "no IPv4 address on eth1"
assert_path r2 eth1 silent
assert_path r1 eth1 down
RESULTS+=("4b. cable silent: nothing moved for $(ms "$hold") ms; path_down eth1 (silent) on r2 \
logged ${silent_ms} ms, event ${silent_ev_ms} ms after the address went (bound \
$(ms "$down_bound") ms); on r1 path_down eth1 (down, no address) ${EVENT_MS} ms")
step "${RESULTS[-1]}"

# ---------------------------------------------------------------------------------------------
step "5. heal: every path back"
mark1=$(log_lines r1) mark2=$(log_lines r2) emark1=$(event_lines r1) emark2=$(event_lines r2)
ip -n "$(ns r1)" addr add 198.51.100.1/24 dev eth1
t1=$EPOCHREALTIME
expect_path_event r1 "$emark1" path_up eth1 sending "$t1" "$SLACK"
expect_path_event r2 "$emark2" path_up eth1 ok "$t1" "$up_bound" "hears 198.51.100.1 again"
heal_ms=$EVENT_MS
hold_state r2 web BACKUP "$(awk -v a=$adv 'BEGIN {print 10 * a}')"
assert_state r1 web MASTER
assert_holders "$VIP4" r1
assert_eq "$(transitions_logged r1 "$mark1")" 0 "5: transitions logged by r1"
assert_eq "$(transitions_logged r2 "$mark2")" 0 "5: transitions logged by r2"
for p in eth0 eth1; do
  assert_path r2 "$p" ok
  assert_path r1 "$p" sending
  assert_cmp "$(path_get r2 "$p" last_heard_ms)" "<=" 300 "r2: ms since it last heard r1 on $p"
done
# Every alarm of the run was cleared: per router and path, each path_down was followed by a
# path_up, and the last path event is a path_up.
for r in r1 r2; do
  for p in eth0 eth1; do
    got=$(path_event_balance "$r" "$p")
    [[ $got == ok* ]] || fail "$r: the path events for $p are not cleared: $got"
  done
done
RESULTS+=("5. heal: path_up eth1 on r2 ${heal_ms} ms after the address came back (bound \
$(ms "$up_bound") ms); r1 MASTER, r2 BACKUP, every path ok/sending, every alarm cleared")
step "${RESULTS[-1]}"
step "   r1: $(status_text r1 | tail -n 1)"
step "   r2: $(status_text r2 | tail -n 1)"
for l in "${RESULTS[@]}"; do step "result: $l"; done
pass
