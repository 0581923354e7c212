#!/usr/bin/env bash
# Reload (floatctl reload, SIGHUP) at advert_int 0.1 with two instances on two routers:
#   r1: web (VRID 51, 150, .100) and db (VRID 52, 150, .101); r2: the same at priority 100.
# A 1 kHz probe from the client runs through every case; transitions are counted in both logs
# and in both `events` streams (a python subscriber per router), case by case:
#   unchanged (r1 and r2): no transition, no lost echo, no gratuitous ARP (tcpdump on the
#     client's port), the instances' counters go on (not restarted);
#   a VIP added to the Master's web (in place): it answers ping within 1 s, with a gratuitous
#     ARP for it only; the old VIP loses no echo; no transition;
#   web's priority on r1 lowered below r2's (in place): r2 takes over within Skew_Time of the
#     reload (log timestamps) -- that pair is the only transition;
#   db removed from r1 (Master): it resigns with priority 0, r2 takes over within Skew_Time
#     ("master resigned"), .101 leaves r1; web untouched;
#   api (VRID 53, .103) added to r1: it starts and becomes Master; nothing else moves;
#   a config with three errors (and changes that must not happen): floatctl reload exits 1 and
#     prints each as FILE:LINE: key: reason; nothing changes, no echo lost;
#   SIGHUP: the same broken config is refused the same way (in the log); a valid one is
#     applied like floatctl reload (a VIP added to api: in the log, pingable, no echo lost);
#     unchanged, no transition;
#   a FIFO and a symbolic link to /dev/zero in conf.d: floatctl reload answers at once with an
#     error naming each (the loader's thread is not blocked), nothing changes; removed, the
#     next reload applies.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"
_need "$PY"
_need tcpdump

adv=0.1
V_WEB=$VIP4 V_DB=192.168.100.101 V_NEW=192.168.100.102 V_API=192.168.100.103 V_API2=192.168.100.104
GARP_FILTER='arp and arp[14:4] = arp[24:4]'  # sender address = target address: gratuitous

# conf NAME "INSTANCE VRID PRIORITY VIP..." ...: RUN/NAME.conf with those instances.
conf() {
  local name=$1 spec inst vrid prio vip
  shift
  {
    printf '[global]\nrouter_id = %s\n' "$name"
    for spec in "$@"; do
      read -r inst vrid prio vip <<<"$spec"
      printf '\n[instance %s]\ninterface = eth0\nvirtual_router_id = %s\npriority = %s\n' "$inst" "$vrid" "$prio"
      printf 'advert_int = %s\nversion = 3\npreempt = yes\ngarp_master_delay = 0\n' "$adv"
      for vip in $vip; do printf 'virtual_ipaddress = %s/24\n' "$vip"; done
    done
  } >"$RUN/$name.conf"
}

ctl() { "$FLOATCTL" -s "$RUN/$1.sock" "${@:2}"; }

# no_loss TEXT: stops the probe; no echo lost.
no_loss() {
  probe_stop
  step "  probe: sent ${PROBE_SENT}, lost ${PROBE_LOST}, largest gap ${PROBE_MAX_GAP_MS} ms"
  assert_eq "$PROBE_LOST" 0 "echoes lost ($1)"
}

# events_start NAME: a subscriber writing every event of NAME's floatd to RUN/NAME.events, one
# JSON object a line; returns once subscribed.
events_start() {
  "$PY" -I -S -u - "$RUN/$1.sock" >"$RUN/$1.events" 2>&1 <<'PY' &
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
body = b'{"version": 1, "command": "events", "args": {}}'
s.sendall(struct.pack(">I", len(body)) + body)
buf = b""
first = True
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
    while len(buf) >= 4 and len(buf) >= 4 + struct.unpack(">I", buf[:4])[0]:
        n = struct.unpack(">I", buf[:4])[0]
        msg, buf = json.loads(buf[4:4 + n]), buf[4 + n:]
        if first:  # the answer to the request
            print("subscribed" if msg.get("ok") else f"refused: {msg}")
            first = False
        else:
            print(json.dumps(msg, sort_keys=True))
PY
  LAB_PIDS+=("$!")
  wait_for "grep -q '^subscribed' '$RUN/$1.events'" 5 || fail "events subscriber on $1: $(cat "$RUN/$1.events")"
}

# marks: the log and events positions of both routers, for the counts below.
marks() {
  M1=$(log_lines r1) M2=$(log_lines r2)
  E1=$(wc -l <"$RUN/r1.events") E2=$(wc -l <"$RUN/r2.events")
}

# transitions NAME: "INSTANCE:FROM>TO ..." of NAME since marks(), from its events stream; the
# log must list the same number of transitions.
transitions() {
  local m e msg n
  if [[ $1 == r1 ]]; then m=$M1 e=$E1; else m=$M2 e=$E2; fi
  msg=$(tail -n "+$((e + 1))" "$RUN/$1.events" | "$PY" -I -S -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e.get("type") == "transition":
        print(e["instance"] + ":" + e["from"] + ">" + e["to"], end=" ")')
  n=$(log_since "$1" "$m" | grep -cE ': [A-Z]+ -> [A-Z]+ \(' || true)  # not "priority 150 -> 50"
  [[ $(wc -w <<<"$msg") == "$n" ]] || fail "$1: the events stream has [$msg], the log $n transitions: $(log_since "$1" "$m" | grep -- ' -> ')"
  echo "${msg% }"
}

# assert_transitions WANT_R1 WANT_R2 TEXT: the transitions since marks(), as transitions() prints.
assert_transitions() {
  local got1 got2
  got1=$(transitions r1) got2=$(transitions r2)
  [[ $got1 == "$1" ]] || fail "$3: r1's transitions are [$got1], expected [$1]"
  [[ $got2 == "$2" ]] || fail "$3: r2's transitions are [$got2], expected [$2]"
}

# log_ms NAME PATTERN: the time of day, in ms, of NAME's first log line since marks() that
# matches PATTERN (grep -E).
log_ms() {
  local m
  if [[ $1 == r1 ]]; then m=$M1; else m=$M2; fi
  log_since "$1" "$m" | grep -E -m 1 -- "$2" | awk '{split($1, t, ":"); printf "%.0f\n", (t[1] * 3600 + t[2] * 60 + t[3]) * 1000}'
}

# reload NAME EXPECTED: floatctl reload on NAME prints "reloaded: EXPECTED".
reload() {
  local msg
  msg=$(ctl "$1" reload) || fail "floatctl reload on $1 failed: $msg"
  assert_eq "$msg" "reloaded: $2" "floatctl reload on $1"
}

# garps TAG [ADDR]: the gratuitous ARPs in capture TAG (about ADDR only, if given).
garps() {
  capture_read "$1" | awk -v a="${2:-}" 'a == "" || index($0, " " a " ") || $NF == a || index($0, a ",")'
}

counter() { status_get "$1" "$2" stats.adverts_sent; }
counter_rx() { status_get "$1" "$2" stats.adverts_received; }

# ---------------------------------------------------------------------------------------------
lab_up 2
conf r1 "web 51 150 $V_WEB" "db 52 150 $V_DB"
conf r2 "web 51 100 $V_WEB" "db 52 100 $V_DB"
step "r1: web, db at 150; r2: web, db at 100; advert_int $adv"
start_floatd r1
wait_state r1 web MASTER "$(add_s "$(master_down_interval $adv 150)" 2)"
wait_state r1 db MASTER 1
start_floatd r2
wait_state r2 web BACKUP 1
wait_state r2 db BACKUP 1
events_start r1
events_start r2
wait_for "client_ping $V_DB" 2 || fail "the client cannot ping $V_DB"

step "unchanged: floatctl reload on r1 and r2"
marks
sent0=$(counter r1 web) rx0=$(counter_rx r2 db)
capture_start garp1 c "$GARP_FILTER"
probe_start "$V_WEB"
reload r1 "2 unchanged, 0 updated in place, 0 started, 0 stopped"
reload r2 "2 unchanged, 0 updated in place, 0 started, 0 stopped"
hold_state r1 web MASTER 0.5  # the window in which a gratuitous ARP would show
no_loss "unchanged reload"
capture_stop garp1
assert_eq "$(garps garp1 | wc -l)" 0 "gratuitous ARPs during an unchanged reload: $(garps garp1 | head -n 3)"
assert_transitions "" "" "unchanged reload"
assert_cmp "$(counter r1 web)" ">" "$sent0" "r1/web adverts_sent after an unchanged reload (not restarted)"
assert_cmp "$(counter_rx r2 db)" ">" "$rx0" "r2/db adverts_received after an unchanged reload (not restarted)"
log_since r1 "$M1" | grep -q 'reload: 2 unchanged, 0 updated in place, 0 started, 0 stopped' ||
  fail "r1 did not log the reload"

step "a VIP added to r1's web (Master), in place"
marks
conf r1 "web 51 150 $V_WEB $V_NEW" "db 52 150 $V_DB"
conf r2 "web 51 100 $V_WEB $V_NEW" "db 52 100 $V_DB"
capture_start garp2 c "$GARP_FILTER"
probe_start "$V_WEB"
t0=$EPOCHREALTIME
reload r1 "1 unchanged, 1 updated in place, 0 started, 0 stopped"
wait_for "client_ping $V_NEW" 1 || fail "$V_NEW does not answer 1 s after the reload"
step "  $V_NEW answers $(_since "$t0") s after the reload"
reload r2 "1 unchanged, 1 updated in place, 0 started, 0 stopped"
wait_for "[[ \$(garps garp2 $V_NEW | wc -l) -gt 0 ]]" 1 || fail "no gratuitous ARP for $V_NEW"
hold_state r1 web MASTER 0.3
no_loss "VIP added"
capture_stop garp2
assert_eq "$(garps garp2 "$V_WEB" | wc -l)" 0 "gratuitous ARPs for $V_WEB when $V_NEW was added"
assert_transitions "" "" "VIP added"
assert_holders "$V_NEW" r1
assert_status r1 web vips "$V_WEB/24 $V_NEW/24"
assert_status r2 web vips "$V_WEB/24 $V_NEW/24"

step "web's priority on r1 lowered to 50 (r2 has 100), in place"
marks
conf r1 "web 51 50 $V_WEB $V_NEW" "db 52 150 $V_DB"
probe_start "$V_WEB"
t0=$EPOCHREALTIME
reload r1 "1 unchanged, 1 updated in place, 0 started, 0 stopped"
wait_state r2 web MASTER 2 "$t0"
wait_state r1 web BACKUP 1
skew=$(skew_time $adv 100)
took=$(($(log_ms r2 'web: BACKUP -> MASTER') - $(log_ms r1 'web: updated in place')))
step "  r2/web MASTER ${took} ms after r1 applied the reload (logs; Skew_Time $(ms "$skew") ms)"
assert_cmp "$took" "<=" "$(ms "$(add_s "$skew" "$SLACK")")" "takeover after the priority change (ms)"
wait_for "[[ \$(vip_holders $V_WEB) == r2 ]]" 1 || fail "$V_WEB is held by [$(vip_holders "$V_WEB")]"
wait_for "client_ping $V_WEB" 2 || fail "the client cannot ping $V_WEB through r2"
probe_stop
step "  probe: sent ${PROBE_SENT}, lost ${PROBE_LOST}, outage ${PROBE_OUTAGE_MS} ms"
assert_cmp "$PROBE_OUTAGE_MS" "<=" "$(ms "$(add_s "$skew" 0.1)")" "client outage (ms)"
assert_transitions "web:MASTER>BACKUP" "web:BACKUP>MASTER" "priority lowered"
assert_status r1 web priority 50
assert_state r1 db MASTER
assert_holders "$V_NEW" r2

step "db removed from r1 (its Master)"
marks
conf r1 "web 51 50 $V_WEB $V_NEW"
probe_start "$V_DB"
reload r1 "1 unchanged, 0 updated in place, 0 started, 1 stopped"
wait_state r2 db MASTER 2
took=$(($(log_ms r2 'db: BACKUP -> MASTER') - $(log_ms r1 'db: MASTER -> INIT')))
step "  r2/db MASTER ${took} ms after r1 stopped db (logs; Skew_Time $(ms "$skew") ms)"
assert_cmp "$took" "<=" "$(ms "$(add_s "$skew" "$SLACK")")" "takeover after db was removed (ms)"
log_since r2 "$M2" | grep -q 'db: BACKUP -> MASTER (master resigned (priority 0))' ||
  fail "r2/db did not take over on a priority-0 advert: $(log_since r2 "$M2" | grep 'db:')"
wait_for "[[ \$(vip_holders $V_DB) == r2 ]]" 1 || fail "$V_DB is held by [$(vip_holders "$V_DB")]"
wait_for "client_ping $V_DB" 2 || fail "the client cannot ping $V_DB through r2"
probe_stop
step "  probe: sent ${PROBE_SENT}, lost ${PROBE_LOST}, outage ${PROBE_OUTAGE_MS} ms"
assert_cmp "$PROBE_OUTAGE_MS" "<=" "$(ms "$(add_s "$skew" 0.1)")" "client outage (ms)"
assert_transitions "db:MASTER>INIT" "db:BACKUP>MASTER" "db removed"
assert_eq "$(ctl r1 status --json | "$PY" -I -S -c 'import json,sys; print(" ".join(i["name"] for i in json.load(sys.stdin)["instances"]))')" \
  web "r1's instances"

step "api (VRID 53, $V_API) added to r1"
marks
conf r1 "web 51 50 $V_WEB $V_NEW" "api 53 150 $V_API"
probe_start "$V_WEB"
rx0=$(counter_rx r1 web)
reload r1 "1 unchanged, 0 updated in place, 1 started, 0 stopped"
wait_state r1 api MASTER "$(add_s "$(master_down_interval $adv 150)" 1)"
wait_for "client_ping $V_API" 2 || fail "the client cannot ping $V_API"
no_loss "api added"
assert_transitions "api:INIT>BACKUP api:BACKUP>MASTER" "" "api added"
assert_state r1 web BACKUP
assert_cmp "$(counter_rx r1 web)" ">" "$rx0" "r1/web adverts_received after api was added (not restarted)"

step "a config with three errors: refused, nothing changes"
marks
cp "$RUN/r1.conf" "$RUN/r1.good"
# Would stop api and change web: must not happen. Errors on lines 7, 9 and 10.
cat >"$RUN/r1.conf" <<EOF
[global]
router_id = r1

[instance web]
interface = eth0
virtual_router_id = 51
priority = 300
virtual_ipaddress = $V_WEB/24
advert_int = fast
colour = blue
EOF
want=("$RUN/r1.conf:7: priority: " "$RUN/r1.conf:9: advert_int: " "$RUN/r1.conf:10: colour: ")
probe_start "$V_API"
rc=0
msg=$(ctl r1 reload 2>&1) || rc=$?
assert_eq "$rc" 1 "floatctl reload of a broken config: exit status"
printf '%s\n' "$msg" | sed 's/^/  floatctl: /' | cut -c1-150
for w in "${want[@]}"; do
  grep -qF -- "$w" <<<"$msg" || fail "floatctl reload does not print '$w...': $msg"
done
assert_eq "$(grep -c "^$RUN/r1.conf:[0-9]*: " <<<"$msg")" 3 "errors printed by floatctl reload"
log_since r1 "$M1" | grep -q 'keeping the running config' || fail "r1 did not log that it kept the config"
for w in "${want[@]}"; do
  log_since r1 "$M1" | grep -qF -- "$w" || fail "r1 did not log '$w...'"
done
hold_state r1 api MASTER 0.3
no_loss "broken config"
assert_transitions "" "" "broken config"
assert_status r1 web priority 50
assert_state r1 web BACKUP

step "SIGHUP: the broken config is refused the same way"
marks
signal_floatd r1 HUP
wait_for "(( \$(log_since r1 $M1 | grep -c '^.* error: $RUN/r1.conf:[0-9]*: ') >= 3 ))" 2 ||
  fail "r1 did not log the three errors after SIGHUP: $(log_since r1 "$M1")"
for w in "${want[@]}"; do
  log_since r1 "$M1" | grep -qF -- "$w" || fail "r1 did not log '$w...' after SIGHUP"
done
log_since r1 "$M1" | grep -q 'keeping the running config' || fail "r1 did not log that it kept the config"
assert_state r1 api MASTER
assert_transitions "" "" "broken config, SIGHUP"

step "SIGHUP: a VIP added to api (in place)"
marks
conf r1 "web 51 50 $V_WEB $V_NEW" "api 53 150 $V_API $V_API2"
probe_start "$V_API"
t0=$EPOCHREALTIME
signal_floatd r1 HUP
wait_for "log_since r1 $M1 | grep -q 'reload: 1 unchanged, 1 updated in place, 0 started, 0 stopped'" 2 ||
  fail "r1 did not log the SIGHUP reload: $(log_since r1 "$M1")"
wait_for "client_ping $V_API2" 1 || fail "$V_API2 does not answer 1 s after SIGHUP"
step "  $V_API2 answers $(_since "$t0") s after SIGHUP"
no_loss "SIGHUP, VIP added"
assert_transitions "" "" "SIGHUP, VIP added"

step "SIGHUP: unchanged"
marks
signal_floatd r1 HUP
wait_for "log_since r1 $M1 | grep -q 'reload: 2 unchanged, 0 updated in place, 0 started, 0 stopped'" 2 ||
  fail "r1 did not log the unchanged SIGHUP reload: $(log_since r1 "$M1")"
hold_state r1 api MASTER 0.3
assert_transitions "" "" "SIGHUP, unchanged"
assert_holders "$V_API2" r1

# Issue 15: a FIFO would block the loader's thread for good, /dev/zero would never end; each is
# refused at once (the reply comes), the running config stays, and the next reload applies.
step "a FIFO and a link to /dev/zero in conf.d: refused at once, nothing changes"
marks
mkdir -p "$RUN/conf.d"
mkfifo "$RUN/conf.d/fifo.conf"
ln -s /dev/zero "$RUN/conf.d/zero.conf"
rc=0
msg=$(timeout 10 "$FLOATCTL" -s "$RUN/r1.sock" reload 2>&1) || rc=$?
assert_eq "$rc" 1 "floatctl reload with a FIFO and /dev/zero in conf.d: exit status ($msg)"
grep -qF "$RUN/conf.d/fifo.conf:0: cannot read: is a FIFO, not a regular file" <<<"$msg" ||
  fail "floatctl reload does not name the FIFO: $msg"
grep -qF "$RUN/conf.d/zero.conf:0: cannot read: is a device, not a regular file" <<<"$msg" ||
  fail "floatctl reload does not name /dev/zero: $msg"
assert_state r1 api MASTER
rm -f "$RUN/conf.d/fifo.conf" "$RUN/conf.d/zero.conf"
ctl r1 reload >/dev/null || fail "floatctl reload after the FIFO and the link were removed"
assert_transitions "" "" "FIFO and /dev/zero in conf.d"
assert_holders "$V_API2" r1
pass
