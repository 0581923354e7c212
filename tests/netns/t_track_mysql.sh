#!/usr/bin/env bash
# track_script with a real MariaDB on each router and contrib/check_mysql (credentials from a
# defaults file per router). Two phases, priorities 150 (r1) and 120 (r2):
#   1. weight 0: MariaDB dies on the master r1 -> r1 FAULT, the VIP moves to r2;
#   2. weight -60: the same -> r1 drops to 90 and stays BACKUP, the VIP moves to r2.
# In both, a client querying VIP:3306 gets r2's row, and restarting MariaDB on r1 moves the VIP
# back (preempt). Measured: from the server process being gone to the client's first query
# answered by r2, against fall x interval + Skew_Time + the check's own time.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=services.sh
source "$(dirname "$0")/services.sh"
test_init "$@"
mariadb_need
_need "$PY"

adv=0.1 interval=0.2 fall=2
TRACK_INTERVAL=$interval TRACK_FALL=$fall
lab_up 2

step "MariaDB on r1 and r2 (own datadir, socket, 0.0.0.0:3306)"
mariadb_install r1 r2
for r in r1 r2; do
  mariadb_start "$r"
  # floatd_check: the health check's user, a different password per router; app: the client's.
  mariadb_sql "$r" "
    CREATE USER 'floatd_check'@'localhost' IDENTIFIED BY 'chk-$r-secret';
    CREATE USER 'app'@'%' IDENTIFIED BY 'app-secret';
    CREATE DATABASE floatd_test;
    CREATE TABLE floatd_test.node (name VARCHAR(16));
    INSERT INTO floatd_test.node VALUES ('$r');
    GRANT SELECT ON floatd_test.* TO 'app'@'%';"
  printf '[client]\nuser = floatd_check\npassword = chk-%s-secret\nsocket = %s\n' \
    "$r" "$RUN/$r/mysqld.sock" >"$RUN/$r/check.cnf"
  chmod 600 "$RUN/$r/check.cnf"
done
printf '[client]\nuser = app\npassword = app-secret\nhost = %s\nport = 3306\n%s\n' \
  "$VIP4" "connect-timeout = 3" >"$RUN/client.cnf"
chmod 600 "$RUN/client.cnf"

step "check_mysql: right credentials pass, a wrong password fails"
chk=("$CONTRIB/check_mysql" --defaults-file "$RUN/r1/check.cnf" --timeout 2)
in_ns r1 "${chk[@]}" || fail "check_mysql fails against a healthy MariaDB on r1"
sed 's/chk-r1-secret/wrong/' "$RUN/r1/check.cnf" >"$RUN/r1/wrong.cnf"
chmod 600 "$RUN/r1/wrong.cnf"
rc=0
said=$(in_ns r1 "$CONTRIB/check_mysql" --defaults-file "$RUN/r1/wrong.cnf" 2>&1) || rc=$?
assert_eq "$rc" 1 "check_mysql with a wrong password: exit status"
[[ $said == *"Access denied"* ]] || fail "check_mysql with a wrong password said: $said"
check_ms=$(time_cmd_ms in_ns r1 "${chk[@]}")
step "one check run takes ${check_ms} ms"

# write_conf NAME PRIORITY WEIGHT. timeout 5 (the check's own 2): a loaded 2-core machine took 0.2-2.7 s
# per healthy check (timeout 1 failed healthy checks there); a dead service fails at once, so
# the timeout does not lengthen a failover.
write_conf() {
  make_conf "$1" priority="$2" advert_int=$adv track_script=chk_db
  cat >>"$RUN/$1.conf" <<EOF

[script chk_db]
script = $(timed_check "$1" chk_db) $CONTRIB/check_mysql --defaults-file $RUN/$1/check.cnf --timeout 2
interval = $interval
timeout = 5
fall = $fall
weight = $3
EOF
}

query="mariadb --defaults-file=$RUN/client.cnf --batch --skip-column-names \
  --execute='SELECT name FROM floatd_test.node'"

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
failover_round w0 mariadb "$query" "" chk_db "$skew"
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
failover_round w60 mariadb "$query" "" chk_db "$mdi2"
w60_over=$FAILOVER_MS w60_back=$FAILBACK_MS
if log_since r1 "$mark" | grep -q 'FAULT'; then fail "r1 entered FAULT with weight -60"; fi
events_of r1 priority | grep -q 'web: priority 150 -> 90' ||
  fail "no 'priority 150 -> 90' event from r1: $(cat "$RUN/r1.events")"
events_of r1 tracker | grep -q 'chk_db' || fail "no tracker event for chk_db from r1"
events_of r1 transition | grep -q 'web: MASTER -> BACKUP' ||
  fail "no MASTER -> BACKUP event from r1"

stop_floatd r1
stop_floatd r2
step "failover, MariaDB gone -> first query answered by r2:"
step "  weight 0:   ${w0_over} ms (failback after restart: ${w0_back} ms)"
step "  weight -60: ${w60_over} ms (failback after restart: ${w60_back} ms)"
# Each failover was checked part by part in failover_round (failover_parts).
pass
