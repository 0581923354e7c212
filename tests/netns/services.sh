# shellcheck shell=bash disable=SC2034  # globals here are read by the scenarios
# Real services in the lab, for the tracking scenarios (t_track_*.sh, t_sync_group.sh): MariaDB
# and nginx started inside router namespaces, the floatctl tracking and event views, and a
# client-side query probe that times a failover as a client of the service sees it.
# Sourced after lib.sh. Every process started here is in LAB_PIDS or inside a lab namespace, so
# lib.sh's cleanup ends it on every path; nothing is started as a host service.
#
# Each router NAME keeps its service files under RUN/NAME/ (datadir, sockets, pid files, logs).

REPO=$(cd "$NETNS_DIR/../.." && pwd)
CONTRIB=$REPO/contrib
declare -A SVC_PID=()  # "mariadb:r1" / "nginx:r1" -> pid (for nginx: the master)

# svc_need PROGRAM PACKAGE: fails the run naming the Debian package when PROGRAM is missing.
svc_need() {
  command -v "$1" >/dev/null ||
    fail "$1 is not installed (Debian package $2; scripts/deps installs it for the tests)"
}

# router_dir NAME: RUN/NAME, created on first use.
router_dir() {
  mkdir -p "$RUN/$1"
  chmod 755 "$RUN/$1"
  echo "$RUN/$1"
}

# ---------------------------------------------------------------------------------------------
# floatctl: tracking status and the event stream

# track_get NAME KIND TRACKER FIELD...: fields of tracking.KIND (scripts|files) in floatctl
# status --json, space separated, all from one status, e.g. track_get r1 scripts chk_db runs
# timeouts.
track_get() {
  status_json "$1" | "$PY" -I -S -c '
import json, sys
doc = json.load(sys.stdin)
for t in doc["tracking"][sys.argv[1]]:
    if t["name"] == sys.argv[2]:
        print(" ".join(str(t[f]) for f in sys.argv[3:]))
        sys.exit(0)
sys.exit("no tracker " + sys.argv[2])' "$2" "$3" "${@:4}"
}

# event_lines NAME: a mark in NAME's event stream (RUN/NAME.events, from events_start).
event_lines() { wc -l <"$RUN/$1.events"; }

# events_start NAME: floatctl events --json of NAME into RUN/NAME.events (one JSON object per
# line). The stream only reports what happens after floatd has taken the request; this returns
# once it has: floatctl has written its request (its write count in /proc), and a later status
# round trip has completed (floatd's loop reads the older request no later than the newer).
events_start() {
  local name=$1 pid
  "$FLOATCTL" -s "$RUN/$name.sock" events --json >"$RUN/$name.events" 2>&1 &
  pid=$!
  LAB_PIDS+=("$pid")
  wait_for "_wrote_once $pid" 5 || fail "floatctl events on $name sent no request"
  status_json "$name" >/dev/null || fail "floatctl status on $name failed"
  _alive "$pid" || fail "floatctl events on $name exited: $(cat "$RUN/$name.events")"
}

_wrote_once() {
  local n
  n=$(awk '$1 == "syscw:" {print $2}' "/proc/$1/io" 2>/dev/null) || return 1
  [[ ${n:-0} -ge 1 ]]
}

# events_of NAME TYPE: the events of one type ("transition", "priority", "tracker"), one per
# line as "HH:MM:SS.mmm TEXT".
events_of() { event_fields "$1" "$2" time text; }

# event_fields NAME TYPE FIELD...: the events of one type, one per line, the fields' values
# space-separated ("" for a missing one).
event_fields() {
  "$PY" -I -S -c '
import json, sys
for line in open(sys.argv[1]):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    if ev.get("type") == sys.argv[2]:
        print(*(ev.get(k, "") for k in sys.argv[3:]))' "$RUN/$1.events" "${@:2}"
}

# ---------------------------------------------------------------------------------------------
# Address events with the kernel's timing: ip -ts monitor address

# addr_ts_start NAME: records NAME's address events with microsecond timestamps in
# RUN/NAME.addrts. Returns once the monitor reports a marker address on lo.
addr_ts_start() {
  local full pid
  full=$(ns "$1")
  ip netns exec "$full" ip -ts monitor address >"$RUN/$1.addrts" 2>&1 &
  pid=$!
  LAB_PIDS+=("$pid")
  local deadline=$((${EPOCHREALTIME/./} + 5000000))
  until grep -q 'inet 192.168.100.253/32' "$RUN/$1.addrts"; do
    ((${EPOCHREALTIME/./} < deadline)) || fail "ip -ts monitor in $1 did not start"
    ip -n "$full" addr add 192.168.100.253/32 dev lo
    ip -n "$full" addr del 192.168.100.253/32 dev lo
    sleep 0.02
  done
}

# addr_added_ms NAME ADDR T0: ms from T0 (an EPOCHREALTIME) to the first addition of ADDR in
# NAME after T0; status 1 if there is none.
addr_added_ms() {
  "$PY" -I -S -c '
import datetime, sys
path, addr, t0 = sys.argv[1], sys.argv[2], float(sys.argv[3])
for line in open(path):
    if not line.startswith("[") or " inet " not in line and " inet6 " not in line:
        continue
    stamp, _, rest = line.partition("] ")
    if rest.startswith("Deleted") or (" " + addr + "/") not in rest:
        continue
    t = datetime.datetime.strptime(stamp[1:], "%Y-%m-%dT%H:%M:%S.%f").timestamp()
    if t >= t0:
        print(f"{(t - t0) * 1000:.1f}")
        sys.exit(0)
sys.exit(1)' "$RUN/$1.addrts" "$2" "$3"
}

# wait_addr_added NAME ADDR T0 TIMEOUT_S: waits for addr_added_ms; sets ADDED_MS.
ADDED_MS=""
wait_addr_added() {
  wait_for "addr_added_ms '$1' '$2' '$3' >/dev/null" "$4" ||
    fail "$2 was not added on $1 within $4 s"
  ADDED_MS=$(addr_added_ms "$1" "$2" "$3")
}

# ---------------------------------------------------------------------------------------------
# A client-side probe: runs a command in the client namespace every INTERVAL seconds, each run
# in the background (so a connection that hangs does not delay the next), and records
# "START END OUTPUT" per run in RUN/qprobe-TAG.out (OUTPUT is the command's stdout without
# newlines, spaces as _, ERR if empty). Each run is killed after 3 s
# (a query that starts a client process took over 1 s on a machine at load 20).

declare -A QPROBE_PID=()

qprobe_start() {  # qprobe_start TAG INTERVAL_S COMMAND
  local tag=$1 every=$2 cmd=$3 pid
  cat >"$RUN/qprobe.sh" <<'EOF'
out=$1 every=$2 cmd=$3
trap 'wait; exit 0' TERM
while :; do
  {
    s=$EPOCHREALTIME
    r=$(timeout -s KILL "${QPROBE_KILL:-3}" bash -c "$cmd" 2>/dev/null | tr -d '\n' | tr ' ' _)
    printf '%s %s %s\n' "$s" "$EPOCHREALTIME" "${r:-ERR}" >>"$out"
  } &
  sleep "$every"
done
EOF
  : >"$RUN/qprobe-$tag.out"
  ip netns exec "$(ns c)" bash "$RUN/qprobe.sh" "$RUN/qprobe-$tag.out" "$every" "$cmd" &
  pid=$!
  QPROBE_PID[$tag]=$pid
  LAB_PIDS+=("$pid")
}

qprobe_stop() {  # waits for the runs in flight (at most 3 s)
  local pid=${QPROBE_PID[$1]}
  kill -TERM "$pid" 2>/dev/null || true
  _wait_gone 5 "$pid" || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "QPROBE_PID[$1]"
}

# qprobe_first TAG WANT T0: ms from T0 (an EPOCHREALTIME) to the end of the first run that
# started after T0 and printed WANT; status 1 if there is none yet.
qprobe_first() {
  awk -v want="$2" -v t0="$3" '
    $1 >= t0 && $3 == want && (best == "" || $2 < best) { best = $2 }
    END { if (best == "") exit 1; printf "%.0f\n", (best - t0) * 1000 }' "$RUN/qprobe-$1.out"
}

# qprobe_wait TAG WANT T0 TIMEOUT_S: waits for a run that printed WANT; sets QPROBE_MS.
QPROBE_MS=""
qprobe_wait() {
  wait_for "qprobe_first '$1' '$2' '$3' >/dev/null" "$4" ||
    fail "the client never got '$2' within $4 s (last runs: $(tail -n 3 "$RUN/qprobe-$1.out" |
      awk '{printf "%s; ", $3}'))"
  QPROBE_MS=$(qprobe_first "$1" "$2" "$3")
}

# qprobe_after TAG WANT T0: the outputs other than WANT and ERR of runs that started after the
# first WANT after T0 had ended (a flap back), one per line.
qprobe_after() {
  awk -v want="$2" -v t0="$3" '
    $1 >= t0 && $3 == want && (first == "" || $2 < first) { first = $2 }
    { s[NR] = $1; o[NR] = $3 }
    END {
      for (i = 1; i <= NR; i++)
        if (first != "" && s[i] > first && o[i] != want && o[i] != "ERR") print o[i]
    }' \
    "$RUN/qprobe-$1.out"
}

# ---------------------------------------------------------------------------------------------
# MariaDB: one server per router, own datadir, socket, pid file and error log under RUN/NAME.

MDB_OPTS=(--no-defaults --innodb-buffer-pool-size=16M --innodb-log-file-size=4M
  --skip-name-resolve --skip-log-bin)

mariadb_need() {
  svc_need mariadbd mariadb-server
  svc_need mariadb-install-db mariadb-server
  svc_need mariadb mariadb-client
  svc_need mariadb-admin mariadb-client
}

# mariadb_install NAME...: system tables into RUN/NAME/db for each; installed once, then copied.
# --force: mariadb-install-db otherwise looks up `uname -n` and then localhost with resolveip and
# refuses to run when neither resolves (a fresh root with a bare /etc/hosts); --skip-name-resolve
# does not skip that check. The grants made here name localhost and '%', never the host name.
mariadb_install() {
  local first=$1 r d
  d=$(router_dir "$first")
  mariadb-install-db "${MDB_OPTS[@]}" --datadir="$d/db" --user=root --force \
    --auth-root-authentication-method=normal --skip-test-db >"$d/install.log" 2>&1 ||
    fail "mariadb-install-db failed: $(tail -n 5 "$d/install.log")"
  for r in "${@:2}"; do
    d=$(router_dir "$r")
    cp -a "$RUN/$first/db" "$d/db"
  done
}

# mariadb_start NAME: mariadbd in NAME's namespace on 0.0.0.0:3306; returns once it answers.
mariadb_start() {
  local name=$1 d pid key=mariadb:$1
  d=$(router_dir "$name")
  [[ -z ${SVC_PID[$key]:-} ]] || fail "mariadb_start $name: already running"
  ip netns exec "$(ns "$name")" mariadbd "${MDB_OPTS[@]}" --user=root --datadir="$d/db" \
    --socket="$d/mysqld.sock" --pid-file="$d/mysqld.pid" --port=3306 --bind-address=0.0.0.0 \
    --log-error="$d/mariadb.err" >>"$d/mariadbd.out" 2>&1 &
  pid=$!
  SVC_PID[$key]=$pid
  LAB_PIDS+=("$pid")
  local deadline=$((${EPOCHREALTIME/./} + 60000000))
  until mariadb-admin --no-defaults --socket="$d/mysqld.sock" --user=root ping >/dev/null 2>&1; do
    _alive "$pid" || fail "mariadbd in $name exited: $(tail -n 5 "$d/mariadb.err")"
    ((${EPOCHREALTIME/./} < deadline)) || fail "mariadbd in $name: no answer after 60 s"
    sleep 0.02
  done
}

# mariadb_stop NAME [SIGNAL]: signals mariadbd and returns once the process is gone; sets
# SVC_SIGNALLED and SVC_GONE (EPOCHREALTIME values: the signal, the first look that found no
# process).
SVC_SIGNALLED="" SVC_GONE=""
mariadb_stop() {
  local name=$1 key=mariadb:$1 pid
  pid=${SVC_PID[$key]:-}
  [[ -n $pid ]] || fail "mariadb_stop $name: not running"
  SVC_SIGNALLED=$EPOCHREALTIME
  {  # stderr: not bash's "Killed" notice for the background job
    kill "-${2:-TERM}" "$pid"
    _wait_gone 20 "$pid" || fail "mariadbd in $name did not exit within 20 s"
    SVC_GONE=$EPOCHREALTIME
    wait "$pid" || true
  } 2>/dev/null
  unset "SVC_PID[$key]"
}

# mariadb_sql NAME SQL: runs SQL as root over NAME's unix socket.
mariadb_sql() {
  mariadb --no-defaults --socket="$RUN/$1/mysqld.sock" --user=root --batch --skip-column-names \
    --execute="$2"
}

# ---------------------------------------------------------------------------------------------
# nginx: one server per router on 0.0.0.0:80, its own config, pid, logs and temp dirs under
# RUN/NAME; the page / says "served by NAME".

nginx_need() { svc_need nginx nginx; }

nginx_start() {
  local name=$1 d pid key=nginx:$1
  d=$(router_dir "$name")
  [[ -z ${SVC_PID[$key]:-} ]] || fail "nginx_start $name: already running"
  mkdir -p "$d/www" "$d/nginx-tmp"
  echo "served by $name" >"$d/www/index.html"
  chmod -R a+rX "$d/www"
  cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
user www-data;
pid $d/nginx.pid;
error_log $d/nginx.err notice;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path $d/nginx-tmp/body;
  proxy_temp_path $d/nginx-tmp/proxy;
  fastcgi_temp_path $d/nginx-tmp/fastcgi;
  uwsgi_temp_path $d/nginx-tmp/uwsgi;
  scgi_temp_path $d/nginx-tmp/scgi;
  default_type text/plain;
  server {
    listen 80 default_server;
    root $d/www;
  }
}
EOF
  ip netns exec "$(ns "$name")" nginx -p "$d" -e "$d/nginx.err" -c "$d/nginx.conf" \
    >>"$d/nginx.out" 2>&1 &
  pid=$!
  SVC_PID[$key]=$pid
  LAB_PIDS+=("$pid")
  local deadline=$((${EPOCHREALTIME/./} + 30000000))
  until in_ns "$name" curl -q -s -o /dev/null --max-time 1 http://127.0.0.1/; do
    _alive "$pid" || fail "nginx in $name exited: $(tail -n 5 "$d/nginx.err" "$d/nginx.out")"
    ((${EPOCHREALTIME/./} < deadline)) || fail "nginx in $name: no answer after 30 s"
    sleep 0.02
  done
}

# nginx_pids NAME: every nginx process (master and workers) in NAME's namespace.
nginx_pids() {
  local p
  for p in $(ip netns pids "$(ns "$1")"); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == nginx ]] && echo "$p"
  done
  return 0
}

# nginx_stop NAME [SIGNAL]: TERM: nginx's fast shutdown via the master; KILL: a crash of the
# master and its workers at once. Returns once no nginx process is left; sets SVC_SIGNALLED
# and SVC_GONE like mariadb_stop.
nginx_stop() {
  local name=$1 key=nginx:$1 pid all
  pid=${SVC_PID[$key]:-}
  [[ -n $pid ]] || fail "nginx_stop $name: not running"
  mapfile -t all < <(nginx_pids "$name")
  SVC_SIGNALLED=$EPOCHREALTIME
  {  # stderr: not bash's "Killed" notice for the background job
    if [[ ${2:-TERM} == KILL ]]; then
      kill -KILL "${all[@]}" || true
    else
      kill "-${2:-TERM}" "$pid"
    fi
    _wait_gone 10 "$pid" "${all[@]}" || fail "nginx in $name did not exit within 10 s"
    SVC_GONE=$EPOCHREALTIME
    wait "$pid" || true
  } 2>/dev/null
  unset "SVC_PID[$key]"
}

# ---------------------------------------------------------------------------------------------
# A failover round for a service tracked on r1 (the master) and r2

# timed_check NAME SCRIPT: the words that run a check under a wrapper which appends
# "START END STATUS" (EPOCHREALTIME values) per run to RUN/NAME/check-SCRIPT.times, then exits
# with the check's status. A config line `script = $(timed_check r1 chk) CHECK ARGS...` lets
# failover_parts time each run of the check as floatd ran it, in the same run and on the same
# clock as floatd's log, instead of guessing its run time from one run by the harness.
timed_check() {
  local d
  d=$(router_dir "$1")
  if [[ ! -x $RUN/timed_check ]]; then
    printf '%s\n' '#!/bin/bash' 'out=$1 s=$EPOCHREALTIME rc=0' 'shift' '"$@" || rc=$?' \
      'printf "%s %s %s\n" "$s" "$EPOCHREALTIME" "$rc" >>"$out"' 'exit "$rc"' >"$RUN/timed_check"
    chmod 755 "$RUN/timed_check"
  fi
  echo "$RUN/timed_check $d/check-$2.times"
}

# failover_round TAG SERVICE QUERY PREFIX SCRIPT [FLOATD_BOUND_S]: SERVICE (mariadb or nginx)
# dies by SIGKILL on r1; QUERY runs in the client every 20 ms and prints PREFIX followed by the
# name of the router that answered. Times the first answer from r2 after the process is gone,
# restarts the service, times the first answer from r1 again, and checks the tracker SCRIPT's
# state on r1 and that the client never got r2 again after r1 was back. Sets FAILOVER_MS,
# FAILBACK_MS. With FLOATD_BOUND_S (the protocol's part, e.g. Skew_Time after a priority-0
# advert) and SCRIPT run through timed_check, the failover is also split into its parts, each
# checked against a bound of its own (failover_parts): a failure says which part was late.
FAILOVER_MS="" FAILBACK_MS=""
failover_round() {
  local tag=$1 svc=$2 query=$3 pfx=$4 script=$5 gone up flaps mark1 mark2
  qprobe_start "$tag" 0.02 "$query"
  qprobe_wait "$tag" "${pfx}r1" 0 15
  random_phase "${TRACK_INTERVAL:-0.2}"
  mark1=$(log_lines r1) mark2=$(log_lines r2)
  "${svc}_stop" r1 KILL
  gone=$SVC_GONE
  qprobe_wait "$tag" "${pfx}r2" "$gone" 15
  FAILOVER_MS=$QPROBE_MS
  step "[$tag] SIGKILL to r1's $svc; gone after $(ms_between "$SVC_SIGNALLED" "$gone") ms;" \
    "first answer from r2 ${FAILOVER_MS} ms after that"
  if [[ $# -ge 6 && -e $RUN/r1/check-$script.times ]]; then
    failover_parts "$tag" "$script" "$6" "$mark1" "$mark2" "${pfx}r2"
  fi
  assert_eq "$(track_get r1 scripts "$script" state)" FAILED "r1 $script state"
  assert_cmp "$(track_get r1 scripts "$script" failures)" ">" 0 "r1 $script failures"

  "${svc}_start" r1
  up=$EPOCHREALTIME
  qprobe_wait "$tag" "${pfx}r1" "$up" 15
  FAILBACK_MS=$QPROBE_MS
  step "[$tag] $svc on r1 answers again; first answer from r1 ${FAILBACK_MS} ms later"
  wait_state r1 web MASTER 2
  wait_state r2 web BACKUP 2
  qprobe_stop "$tag"
  flaps=$(qprobe_after "$tag" "${pfx}r1" "$up" | sort | uniq -c | tr '\n' ' ')
  [[ -z $flaps ]] || fail "[$tag] after the failback the client still got: $flaps"
  assert_eq "$(track_get r1 scripts "$script" state)" OK "r1 $script state after the restart"
}

# failover_parts TAG SCRIPT FLOATD_BOUND_S MARK1 MARK2 WANT: the last failover, part by part,
# each on its own clock, measured in this run (TRACK_FALL, SLACK), each part named on failure:
#   checks (outside work)  from the service gone to the end of the last failing run of SCRIPT,
#                          with each run's own duration and the gaps between runs (process
#                          start-up on a loaded machine is in them): reported, not bounded;
#   floatd: fall counting  exactly FALL failing runs ended between the kill and r1's
#                          "script SCRIPT: FAILED" line (RFC-free, but what fall means);
#   floatd: acting         r1 logs FAILED within slack of the last failing run's end;
#   floatd: protocol       r2's first BACKUP -> MASTER line after r1's FAILED line comes within
#                          FLOATD_BOUND_S + slack of it;
# floatd's parts also allow the scheduler's lateness measured meanwhile (RUN/sched.late), once
# per wake-up they involve.
#   client (outside work)  the first answer from r2 within the probe's own largest gap between
#                          query starts around then + that query's own run time + slack.
failover_parts() {
  local tag=$1 script=$2 bound=$3 failed_at out line
  wait_logged r1 "$4" "script $script: FAILED after"
  failed_at=$LOGGED_AT
  wait_logged r2 "$5" "web: BACKUP -> MASTER"  # at least one; the right one is chosen below
  out=$(log_since r2 "$5" | "$PY" -I -S -c '
import datetime, sys
times, qprobe, want = sys.argv[1], sys.argv[2], sys.argv[3]
sig, gone, failed, fall, slack, bound = map(float, sys.argv[4:10])
fall = int(fall)
try:
    late = [tuple(map(float, l.split()[:2])) for l in open(sys.argv[10]) if len(l.split()) == 2]
except OSError:
    late = []
def sched(a, b):  # worst lateness (s) of the scheduler from 1 s before a to b
    return max((l / 1000 for t, l in late if a - 1 <= t <= b + 0.1), default=0.0)
ms = lambda x: round(x * 1000)
now = datetime.datetime.now()
def stamp(line):
    h, m, s = line.split()[0].split(":")
    t = now.replace(hour=int(h), minute=int(m), second=0, microsecond=0).timestamp() + float(s)
    return t - 86400 if t - now.timestamp() > 43200 else t
masters = [stamp(l) for l in sys.stdin if "web: BACKUP -> MASTER" in l and l[2:3] == ":"]
runs = sorted(tuple(float(x) for x in l.split()[:3]) for l in open(times) if len(l.split()) == 3)
def part(name, took, limit, what):
    verdict = "ok" if took <= limit + 0.001 else "LATE"
    print(f"{verdict} {name}: {ms(took)} ms, bound {ms(limit)} ms ({what})")
counted = [r for r in runs if r[2] != 0 and sig < r[1] <= failed + 0.001]
if len(counted) != fall:
    print(f"WRONG floatd: fall counting: {len(counted)} failing run(s) ended between the kill "
          f"and r1 FAILED, fall is {fall}")
    sys.exit()
last = counted[-1]
idx = runs.index(counted[0])
window = runs[max(idx - 1, 0):runs.index(last) + 1]
print("ok checks (outside work): " + f"{ms(last[1] - gone)} ms from the service gone to the end "
      "of the last failing run; runs (duration/gap before): "
      + ", ".join(f"{ms(r[1] - r[0])}/{ms(r[0] - p[1])}" for p, r in zip(window, window[1:])))
print(f"ok floatd: fall counting: {fall} failing runs, then FAILED")
lt = sched(last[1], failed)
part("floatd: acting on the last failing run", failed - last[1], slack + lt,
     f"slack + the scheduler lateness meanwhile {ms(lt)}")
after = [m for m in masters if m >= failed - 0.001]
if not after:
    print("MISSING floatd: protocol: r2 logged no BACKUP -> MASTER after r1 FAILED")
    sys.exit()
master = after[0]
lt = sched(failed, master)
part("floatd: protocol", master - failed, bound + slack + 2 * lt,
     f"{ms(bound)} + slack + 2 x the scheduler lateness meanwhile {ms(lt)},"
     " from r1 FAILED to r2 MASTER")
q = sorted((float(l.split()[0]), float(l.split()[1]), l.split()[2])
           for l in open(qprobe) if len(l.split()) >= 3)
ans = [r for r in q if r[0] >= gone and r[2] == want]
if not ans:
    print("MISSING client: no answer from r2 recorded")
    sys.exit()
a = min(ans, key=lambda r: r[1])
starts = [r[0] for r in q if master - 3 <= r[0] <= a[1]]
gap = max((y - x for x, y in zip(starts, starts[1:])), default=0.0)
part("client (outside work)", a[1] - master, gap + (a[1] - a[0]) + slack,
     f"probe gap {ms(gap)} + the answering query {ms(a[1] - a[0])} + slack")
' "$RUN/r1/check-$script.times" "$RUN/qprobe-$tag.out" "$6" "$SVC_SIGNALLED" "$SVC_GONE" \
    "$failed_at" "${TRACK_FALL:-2}" "$SLACK" "$bound" "$RUN/sched.late")
  while IFS= read -r line; do step "[$tag]   $line"; done <<<"$out"
  line=$(grep -m 1 -v '^ok ' <<<"$out" || true)
  [[ -z $line ]] || fail "[$tag] failover: $line"
}

# failover_bound FALL INTERVAL CHECK_MS SKEW: the bound for FAILOVER_MS, in seconds: FALL x
# (INTERVAL + the check's own time, at least 25 ms) + SKEW + the probe's period and one query
# (40 ms) + SLACK. Sets FAILOVER_BOUND, and BOUND_TEXT to the sum written out.
FAILOVER_BOUND="" BOUND_TEXT=""
failover_bound() {
  local fall=$1 interval=$2 check=$3 skew=$4 b
  ((check >= 25)) || check=25
  b=$(awk -v f="$fall" -v i="$interval" -v c="$check" -v s="$skew" -v k="$SLACK" \
    'BEGIN {printf "%.4f", f * (i + c / 1000) + s + 0.04 + k}')
  BOUND_TEXT="fall x (interval + check) + Skew_Time + probe period and query + slack ="
  BOUND_TEXT+=" $fall x ($(ms "$interval") + $check) + $(ms "$skew") + 40 + $(ms "$SLACK")"
  BOUND_TEXT+=" = $(ms "$b") ms"
  FAILOVER_BOUND=$b
}

# ms_between T0 T1: milliseconds between two EPOCHREALTIME values.
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", (b - a) * 1000}'; }

# time_cmd_ms CMD...: how long CMD takes, in ms (its status is ignored).
time_cmd_ms() {
  local t0=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || true
  ms_between "$t0" "$EPOCHREALTIME"
}
