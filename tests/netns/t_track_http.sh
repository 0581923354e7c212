#!/usr/bin/env bash
# track_script with a real nginx on each router (its own config, pid file and logs; the page
# says "served by rN") and contrib/check_http. Two phases, priorities 150 (r1) and 120 (r2):
#   1. weight 0: nginx dies on the master r1 -> r1 FAULT, the VIP moves to r2;
#   2. weight -60: the same -> r1 drops to 90 and stays BACKUP, the VIP moves to r2.
# In both, a client fetching http://VIP/ gets r2's page, and restarting nginx on r1 moves the
# VIP back (preempt). Measured: from the last nginx process being gone to the client's first
# page from r2, against fall x interval + Skew_Time + the check's own time.
# (Tomcat 10 was tried: about 6 s to start here, too slow for this suite; nginx stands in.)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=services.sh
source "$(dirname "$0")/services.sh"
test_init "$@"
nginx_need
svc_need curl curl
_need "$PY"

adv=0.1 interval=0.2 fall=2
TRACK_INTERVAL=$interval TRACK_FALL=$fall
lab_up 2

step "nginx on r1 and r2 (own config, pid, logs; 0.0.0.0:80)"
nginx_start r1
nginx_start r2

step "check_http: status, --contains, a timeout of its own"
in_ns r1 "$CONTRIB/check_http" http://127.0.0.1/ --contains "served by r1" ||
  fail "check_http fails against r1's nginx"
rc=0
said=$(in_ns r1 "$CONTRIB/check_http" http://127.0.0.1/ --contains "served by r2" 2>&1) || rc=$?
assert_eq "$rc:$said" "1:check_http: http://127.0.0.1/: the body does not contain 'served by r2'" \
  "check_http --contains with the wrong text"
rc=0
said=$(in_ns r1 "$CONTRIB/check_http" http://127.0.0.1/missing 2>&1) || rc=$?
assert_eq "$rc:$said" "1:check_http: http://127.0.0.1/missing: HTTP status 404, expected 200" \
  "check_http on a missing page"
in_ns r1 "$CONTRIB/check_http" http://127.0.0.1/missing --status 404 ||
  fail "check_http --status 404 fails on a missing page"
rc=0
said=$(in_ns r1 "$CONTRIB/check_http" http://127.0.0.1/ --timeout x 2>&1) || rc=$?
assert_eq "$rc" 2 "check_http with a bad --timeout: exit status"
# A listener that never answers: the check gives up after its own timeout.
in_ns r1 timeout 10 "$PY" -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8081)); s.listen(8); time.sleep(10)' &
LAB_PIDS+=($!)
wait_for "in_ns r1 ss -Hltn 'sport = :8081' | grep -q LISTEN" 5 || fail "no listener on 8081"
t0=$EPOCHREALTIME rc=0
said=$(in_ns r1 "$CONTRIB/check_http" http://127.0.0.1:8081/ --timeout 0.3 2>&1) || rc=$?
took=$(ms_between "$t0" "$EPOCHREALTIME")
assert_eq "$rc:$said" "1:check_http: http://127.0.0.1:8081/: no answer within 0.3 s" \
  "check_http against a silent server"
assert_cmp "$took" "<" 1000 "check_http --timeout 0.3 against a silent server took (ms)"

step "check_tcp: an open port, a closed port, an address nobody answers for"
in_ns r1 "$CONTRIB/check_tcp" 127.0.0.1 80 || fail "check_tcp fails on nginx's port"
in_ns r1 "$CONTRIB/check_tcp" 192.168.100.3 80 --timeout 1 || fail "check_tcp fails on r2's nginx"
rc=0
said=$(in_ns r1 "$CONTRIB/check_tcp" 127.0.0.1 81 2>&1) || rc=$?
assert_eq "$rc:$said" "1:check_tcp: 127.0.0.1 port 81: Connection refused" \
  "check_tcp on a closed port"
t0=$EPOCHREALTIME rc=0
said=$(in_ns r1 "$CONTRIB/check_tcp" 192.168.100.99 80 --timeout 0.3 2>&1) || rc=$?  # no such host
took=$(ms_between "$t0" "$EPOCHREALTIME")
assert_eq "$rc:$said" "1:check_tcp: 192.168.100.99 port 80: no connection within 0.3 s" \
  "check_tcp to an address without a host"
assert_cmp "$took" "<" 1000 "check_tcp --timeout 0.3 took (ms)"

check_ms=$(time_cmd_ms in_ns r1 "$CONTRIB/check_http" http://127.0.0.1/ --contains "served by r1")
step "one check run takes ${check_ms} ms; the silent server was given up on after ${took} ms"

# write_conf NAME PRIORITY WEIGHT. timeout 5 (the check's own 2): a loaded 2-core machine took 0.2-2.7 s
# per healthy check (timeout 1 failed healthy checks there); a dead service fails at once, so
# the timeout does not lengthen a failover.
# The quoted argument needs no shell: floatd splits it.
write_conf() {
  make_conf "$1" priority="$2" advert_int=$adv track_script=chk_web
  cat >>"$RUN/$1.conf" <<EOF

[script chk_web]
script = $(timed_check "$1" chk_web) $CONTRIB/check_http http://127.0.0.1/ --contains "served by $1" --timeout 2
interval = $interval
timeout = 5
fall = $fall
weight = $3
EOF
}

query="curl -q -s --noproxy '*' --max-time 3 http://$VIP4/"
skew=$(skew_time $adv 120)
# The protocol's part of each failover, from r1's "FAILED" line to r2's MASTER line: with
# weight 0 r1 goes to FAULT and sends priority 0, so r2 waits Skew_Time (RFC 5798 §6.4.2);
# with weight -60 r1 only advertises 90, which r2 (preempt) discards, so r2's
# Master_Down_Interval runs out. Checks and the client's queries are outside work, timed in
# this run (failover_parts).
mdi2=$(master_down_interval $adv 120)

step "phase 1: weight 0 (FAULT), r1 150, r2 120, advert_int $adv, interval $interval, fall $fall"
write_conf r1 150 0
write_conf r2 120 0
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 3
wait_state r2 web BACKUP 1
failover_round w0 nginx "$query" served_by_ chk_web "$skew"
w0_over=$FAILOVER_MS w0_back=$FAILBACK_MS
grep -q 'web: MASTER -> FAULT' "$RUN/r1.log" || fail "r1 never logged MASTER -> FAULT"

step "phase 2: weight -60, r1 150 (90 while the check fails), r2 120"
stop_floatd r1
stop_floatd r2
write_conf r1 150 -60
write_conf r2 120 -60
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 3
wait_state r2 web BACKUP 1
events_start r1
mark=$(log_lines r1)
failover_round w60 nginx "$query" served_by_ chk_web "$mdi2"
w60_over=$FAILOVER_MS w60_back=$FAILBACK_MS
if log_since r1 "$mark" | grep -q 'FAULT'; then fail "r1 entered FAULT with weight -60"; fi
events_of r1 priority | grep -q 'web: priority 150 -> 90' ||
  fail "no 'priority 150 -> 90' event from r1: $(cat "$RUN/r1.events")"
events_of r1 transition | grep -q 'web: MASTER -> BACKUP' ||
  fail "no MASTER -> BACKUP event from r1"

stop_floatd r1
stop_floatd r2
step "failover, nginx gone -> first page from r2:"
step "  weight 0:   ${w0_over} ms (failback after restart: ${w0_back} ms)"
step "  weight -60: ${w60_over} ms (failback after restart: ${w60_back} ms)"
# Each failover was checked part by part in failover_round (failover_parts).
pass
