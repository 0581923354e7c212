#!/usr/bin/env bash
# The control socket (floatctl(8)): a unix stream socket, mode 0600, root only; frames are a
# 4-byte big-endian length and JSON. r1 (150, Master) is the daemon under test, r2 (100) its
# Backup at advert_int 0.1: if anything below stalled r1's event loop for Master_Down_Interval
# (363 ms) r2 would take over, so "no transition in either log" also means "never stalled".
#   status, status NAME, status --json, version, metrics answer; a bad command line exits 2;
#   the socket is a 0600 socket owned by root; user nobody cannot connect (floatctl exits 1 and
#     says why);
#   50 clients connecting at once are all served or cleanly refused (closed unanswered); so are
#     100, more than the daemon serves at a time;
#   malformed requests written raw by python3 each get an error response, or an error and a
#     close: not JSON, a JSON array, a wrong or missing version, no command, an unknown command,
#     args not an object, an empty frame, a bad frame then a good one on one connection, a
#     length header of 2^31 (refused before any body is sent), 100 KiB of garbage, a 100 KiB
#     frame (refused before its body is sent), the 2^31 header then a stream of garbage, a half
#     frame then close; and two clients that never read: 2000 requests then close, and a second
#     of requests while another client asks for status (answered);
#   after each, the daemon answers status and has closed the connection (its descriptor count is
#     back); at the end it keeps its state, sends adverts, is small (VmRSS) and idle (CPU).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"
_need "$PY"

adv=0.1
SOCK=""

ctl() { "$FLOATCTL" -s "$SOCK" "$@"; }

# no_harm TEXT: r1 answers status, is MASTER, r2 BACKUP, neither logged a transition since the
# marks, and r1 still sends adverts.
no_harm() {
  local sent
  assert_state r1 web MASTER
  assert_state r2 web BACKUP
  assert_eq "$(transitions_logged r1 "$mark1")" 0 "transitions logged by r1 ($1)"
  assert_eq "$(transitions_logged r2 "$mark2")" 0 "transitions logged by r2 ($1)"
  floatd_running r1 || fail "floatd in r1 is gone ($1)"
  sent=$(status_get r1 web stats.adverts_sent)
  wait_for "(( \$(status_get r1 web stats.adverts_sent) > $sent ))" 1 ||
    fail "r1 sends no adverts any more ($1)"
}

write_client() {
  cat >"$RUN/raw.py" <<'PY'
# raw.py SOCKET CASE: one malformed request, written raw; prints what came back, separated by
# " | ": "error: TEXT" (a framed {"ok": false} response), "ok" (a framed {"ok": true}),
# "closed" (EOF or reset), "timeout" (neither within 3 s). A request that could be framed gets
# one answer and the connection stays open, so only that answer is read; after a framing error
# the daemon answers and closes, so the reading goes on to the close.
# raw.py SOCKET crowd N: N clients connect at once, then each sends status and reads the answer;
#   prints "served S refused R failed F" and the failures.
import json, os, socket, struct, sys, threading, time

def frame(body):
    if isinstance(body, str):
        body = body.encode()
    return struct.pack(">I", len(body)) + body

def connect(path, timeout=3.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s

def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf

def answers(s, limit=10):
    out = []
    try:
        for _ in range(limit):
            head = read_exact(s, 4)
            if head is None:
                out.append("closed")
                return out
            (n,) = struct.unpack(">I", head)
            body = read_exact(s, n)
            if body is None:
                out.append("closed mid-frame")
                return out
            msg = json.loads(body)
            if msg.get("version") != 1:
                out.append("bad response version: " + body.decode()[:200])
            elif msg.get("ok") is True:
                out.append("ok")
            elif msg.get("ok") is False and isinstance(msg.get("error"), str) and msg["error"]:
                out.append("error: " + msg["error"].splitlines()[0])
            else:
                out.append("malformed response: " + body.decode()[:200])
    except socket.timeout:
        out.append("timeout")
    except (ConnectionResetError, BrokenPipeError):
        out.append("closed")
    return out

def send(s, data):
    try:
        s.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False

def stream(s, seconds):
    """Writes garbage as fast as possible until the daemon closes or SECONDS pass."""
    s.settimeout(0.2)
    chunk = b"\xff" * 65536
    end = time.time() + seconds
    written = 0
    while time.time() < end:
        try:
            written += s.send(chunk)
        except socket.timeout:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return written, "closed by floatd"
    return written, "still open"

def case(path, name):
    s = connect(path)
    note = ""
    limit = 1  # a request the daemon could frame gets one answer; the connection stays open
    if name == "not_json":
        send(s, frame("hello, floatd"))
    elif name == "array":
        send(s, frame('[1, "status"]'))
    elif name == "wrong_version":
        send(s, frame('{"version": 2, "command": "status", "args": {}}'))
    elif name == "string_version":
        send(s, frame('{"version": "1", "command": "status"}'))
    elif name == "no_version":
        send(s, frame('{"command": "status"}'))
    elif name == "no_command":
        send(s, frame('{"version": 1, "args": {}}'))
    elif name == "number_command":
        send(s, frame('{"version": 1, "command": 7}'))
    elif name == "unknown_command":
        send(s, frame('{"version": 1, "command": "frobnicate", "args": {}}'))
    elif name == "args_array":
        send(s, frame('{"version": 1, "command": "status", "args": []}'))
    elif name == "bad_name":
        send(s, frame('{"version": 1, "command": "handover", "args": {"name": 42}}'))
    elif name == "empty_frame":
        send(s, frame(""))
    elif name == "bad_then_good":  # one write: a bad frame, then a good one
        send(s, frame("{nope") + frame('{"version": 1, "command": "version", "args": {}}'))
        out = answers(s, 2)
        s.close()
        return out
    elif name == "length_2g":  # the header alone: refused without waiting for a body
        send(s, struct.pack(">I", 1 << 31))
        limit = 10
    elif name == "garbage_100k":
        send(s, bytes((i * 131 + 7) % 256 for i in range(100 * 1024)))
        limit = 10
    elif name == "frame_100k":  # a 100 KiB frame's header: refused before the body is sent
        send(s, struct.pack(">I", 100 * 1024))
        out = answers(s)
        send(s, b"x" * (100 * 1024))
        s.close()
        return out
    elif name == "stream_2g":  # the 2^31 header, then garbage as fast as it goes, for 1 s
        send(s, struct.pack(">I", 1 << 31))
        written, how = stream(s, 1.0)
        note = f"wrote {written} bytes after the header, {how}"
        s.settimeout(3.0)
        limit = 10
    elif name == "half_frame":
        send(s, struct.pack(">I", 100) + b'{"version": 1')
        s.close()
        return ["(we closed)"]
    elif name == "no_reader":  # 2000 requests, never reading a response, then close
        req = frame('{"version": 1, "command": "metrics"}')
        s.settimeout(0.5)
        sent = 0
        try:
            for _ in range(2000):
                s.sendall(req)
                sent += 1
        except (socket.timeout, BrokenPipeError, ConnectionResetError):
            pass
        s.close()
        return [f"(sent {sent} requests, read nothing, closed)"]
    elif name == "flood":  # requests for 1 s without reading; meanwhile another client asks
        req = frame('{"version": 1, "command": "metrics"}') * 64
        s.settimeout(0.05)
        sent, end = 0, time.time() + 1.0
        while time.time() < end:
            try:
                s.sendall(req)
                sent += 64
            except socket.timeout:
                pass
            except (BrokenPipeError, ConnectionResetError):
                break
        other = connect(path, 1.0)
        t0 = time.time()
        other.sendall(frame('{"version": 1, "command": "status"}'))
        got = answers(other, 1)
        other.close()
        s.close()
        took = (time.time() - t0) * 1000
        if got == ["ok"]:
            return [f"(sent about {sent} requests, read nothing)", f"status answered in {took:.0f} ms"]
        return [f"(sent about {sent} requests, read nothing)", f"status: {' '.join(got)} after {took:.0f} ms"]
    else:
        raise SystemExit(f"raw.py: unknown case {name}")
    out = answers(s, limit)
    s.close()
    if note:
        out.append(note)
    return out

def crowd(path, n):
    results = []
    lock = threading.Lock()
    barrier = threading.Barrier(n, timeout=10)
    def one(i):
        s, got = None, None
        try:
            s = connect(path, 5.0)
        except (ConnectionRefusedError, BlockingIOError) as e:
            got = ("refused", f"connect: {e}")
        except Exception as e:
            got = ("failed", f"connect: {e!r}")
        try:
            barrier.wait()  # every client has connected (or failed to) before any sends
        except threading.BrokenBarrierError:
            pass
        if s is not None:
            try:
                s.sendall(frame('{"version": 1, "command": "status", "args": {"name": "web"}}'))
                a = answers(s, 1)
            except (BrokenPipeError, ConnectionResetError):
                a = ["closed"]
            except Exception as e:
                a = [f"{e!r}"]
            finally:
                s.close()
            if a == ["ok"]:
                got = ("served", "")
            elif a == ["closed"]:
                got = ("refused", "closed")
            else:
                got = ("failed", " ".join(a))
        with lock:
            results.append(got)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    count = {k: sum(1 for r in results if r[0] == k) for k in ("served", "refused", "failed")}
    count["failed"] += n - len(results)  # threads that never finished
    print(f"served {count['served']} refused {count['refused']} failed {count['failed']}")
    for kind, detail in results:
        if kind == "failed":
            print("  failed:", detail)
    return 0

def main():
    path, name = sys.argv[1], sys.argv[2]
    if name == "crowd":
        return crowd(path, int(sys.argv[3]))
    print(" | ".join(case(path, name)))
    return 0

sys.exit(main())
PY
}

# raw CASE: the answers to one malformed request.
raw() { "$PY" -I -S "$RUN/raw.py" "$SOCK" "$@"; }

fd_count() { find "/proc/${FD_PID[r1]}/fd" -mindepth 1 | wc -l; }

# connections_closed TEXT: r1's floatd is back to the descriptors it had before any client, so
# it closed every connection of the clients that have gone.
connections_closed() {
  wait_for "(( \$(fd_count) <= FDS0 ))" 2 ||
    fail "after $1: r1's floatd holds $(fd_count) descriptors, $FDS0 before (a client connection it never closed)"
}

# busy TEXT: r1's floatd used at most 10% of a CPU over one second (it idles at advert_int 0.1).
busy() {
  local t1 t2 hz
  hz=$(getconf CLK_TCK)
  t1=$(awk '{print $14 + $15}' "/proc/${FD_PID[r1]}/stat")
  sleep 1  # a measuring window, not a wait for a condition
  t2=$(awk '{print $14 + $15}' "/proc/${FD_PID[r1]}/stat")
  step "r1's floatd: $((t2 - t1)) CPU ticks ($hz/s) in one second $1"
  assert_cmp $((t2 - t1)) "<=" $((hz / 10)) "r1's floatd CPU ticks in one second $1"
}

# ---------------------------------------------------------------------------------------------
lab_up 2
make_conf r1 priority=150 advert_int=$adv
make_conf r2 priority=100 advert_int=$adv
start_floatd r1
wait_state r1 web MASTER "$(add_s "$(master_down_interval $adv 150)" 2)"
start_floatd r2
wait_state r2 web BACKUP 1
SOCK=$RUN/r1.sock
write_client
mark1=$(log_lines r1) mark2=$(log_lines r2)
FDS0=$(fd_count)

step "status, version, metrics"
msg=$(ctl status)
[[ $msg == *INSTANCE*STATE* && $msg =~ web\ +eth0\ +51\ +ipv4\ +3\ +MASTER ]] ||
  fail "floatctl status printed: $msg"
msg=$(ctl status web)
[[ $msg == *MASTER* ]] || fail "floatctl status web printed: $msg"
rc=0
msg=$(ctl status nosuch 2>&1) || rc=$?
assert_eq "$rc" 1 "floatctl status nosuch: exit status"
assert_eq "$msg" "floatctl: no instance named 'nosuch'" "floatctl status nosuch"
assert_eq "$(ctl status --json nosuch | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["instances"]))')" 0 \
  "instances in floatctl status --json nosuch"
assert_status r1 web state MASTER
assert_status r1 web vips "$VIP4/24"
want_version=$("$FLOATD" --version 2>&1 | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)
assert_eq "$(ctl version)" "$want_version" "floatctl version"
assert_eq "$(ctl version --json)" "{\"version\":\"$want_version\"}" "floatctl version --json"
ctl metrics >"$RUN/metrics.txt"
lbl='instance="web",interface="eth0",vrid="51",family="ipv4"'
grep -qxF "floatd_instance_state{$lbl,state=\"MASTER\"} 1" "$RUN/metrics.txt" ||
  fail "metrics: no floatd_instance_state ... MASTER 1: $(grep instance_state "$RUN/metrics.txt")"
grep -qxF "floatd_instance_state{$lbl,state=\"BACKUP\"} 0" "$RUN/metrics.txt" || fail "metrics: BACKUP is not 0"
grep -qxF "floatd_instance_priority{$lbl} 150" "$RUN/metrics.txt" || fail "metrics: no priority 150"
n=$(awk -v p="floatd_adverts_sent_total{$lbl} " 'index($0, p) == 1 {print $NF}' "$RUN/metrics.txt")
assert_cmp "${n:-0}" ">" 0 "floatd_adverts_sent_total"
grep -qxF "floatd_adverts_dropped_total{$lbl,reason=\"bad_ttl\"} 0" "$RUN/metrics.txt" ||
  fail "metrics: no floatd_adverts_dropped_total{reason=bad_ttl}"
# Every line is a comment (# HELP / # TYPE) or a sample: NAME{LABELS} VALUE or NAME VALUE,
# with Prometheus' own grammar for names (digits allowed after the first character).
name='[a-zA-Z_:][a-zA-Z0-9_:]*' label='[a-zA-Z_][a-zA-Z0-9_]*'
bad=$(grep -Ev "^# (HELP|TYPE) $name |^$name(\\{($label=\"[^\"]*\",?)+\\})? [0-9.e+-]+\$" "$RUN/metrics.txt" || true)
[[ -z $bad ]] || fail "metrics: lines that are not Prometheus text: $bad"
rc=0
ctl frobnicate 2>/dev/null || rc=$?
assert_eq "$rc" 2 "floatctl frobnicate: exit status"
rc=0
ctl status --json web extra 2>/dev/null || rc=$?
assert_eq "$rc" 2 "floatctl status with two names: exit status"

step "the socket: mode 0600, root; nobody cannot connect"
assert_eq "$(stat -c '%F %a %U %G' "$SOCK")" "socket 600 root root" "the control socket"
rc=0
msg=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$FLOATCTL" -s "$SOCK" status 2>&1) || rc=$?
assert_eq "$rc" 1 "floatctl status as nobody: exit status ($msg)"
[[ $msg == "floatctl: cannot reach floatd at $SOCK: Permission denied"*"are you root?"* ]] ||
  fail "floatctl status as nobody said: $msg"
step "as nobody: $msg"
rc=0
msg=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$PY" -I -S -c \
  "import socket; socket.socket(socket.AF_UNIX).connect('$SOCK')" 2>&1) || rc=$?
[[ $rc != 0 && $msg == *PermissionError* ]] || fail "a raw connect as nobody: status $rc, $msg"
no_harm "status, version, metrics, nobody"

step "50 clients at once"
msg=$(raw crowd 50)
step "  $msg"
[[ $msg =~ ^served\ ([0-9]+)\ refused\ ([0-9]+)\ failed\ 0$ ]] || fail "50 clients: $msg"
assert_eq $((BASH_REMATCH[1] + BASH_REMATCH[2])) 50 "clients served or refused"
assert_cmp "${BASH_REMATCH[1]}" ">" 0 "clients served"
connections_closed "50 clients"
no_harm "50 clients"
step "100 clients at once (more than the daemon serves at a time)"
msg=$(raw crowd 100)
step "  $msg"
[[ $msg =~ ^served\ ([0-9]+)\ refused\ ([0-9]+)\ failed\ 0$ ]] || fail "100 clients: $msg"
assert_eq $((BASH_REMATCH[1] + BASH_REMATCH[2])) 100 "clients served or refused"
assert_cmp "${BASH_REMATCH[1]}" ">" 0 "clients served"
connections_closed "100 clients"
no_harm "100 clients"

step "malformed requests"
# CASE|EXPECTED: EXPECTED is a glob the answers must match.
expect=(
  "not_json|error: request is not a JSON object"
  "array|error: request is not a JSON object"
  "wrong_version|error: unsupported protocol version*"
  "string_version|error: unsupported protocol version*"
  "no_version|error: unsupported protocol version*"
  "no_command|error: no command"
  "number_command|error: no command"
  "unknown_command|error: unknown command 'frobnicate'"
  "args_array|error: args must be an object"
  "bad_name|error: handover needs an instance name"
  "empty_frame|error: request is not a JSON object"
  "bad_then_good|error: request is not a JSON object | ok"
  "length_2g|error: message of 2147483648 bytes exceeds the limit of 65536 | closed"
  "garbage_100k|error: message of * bytes exceeds the limit of 65536 | closed"
  "frame_100k|error: message of 102400 bytes exceeds the limit of 65536 | closed"
  "stream_2g|error: message of 2147483648 bytes exceeds the limit of 65536 | closed | wrote * bytes after the header, closed by floatd"
  "half_frame|(we closed)"
  "no_reader|(sent * requests, read nothing, closed)"
  "flood|(sent about * requests, read nothing) | status answered in * ms"
)
for e in "${expect[@]}"; do
  name=${e%%|*} want=${e#*|}
  t0=$EPOCHREALTIME
  got=$(raw "$name") || fail "raw.py $name failed: $got"
  printf '  %-16s %s (%s s)\n' "$name" "$got" "$(_since "$t0")"
  # shellcheck disable=SC2053  # $want is a glob
  [[ $got == $want ]] || fail "$name: the daemon answered '$got', expected '$want'"
  connections_closed "$name"
  ctl status web >/dev/null || fail "floatctl status fails after the $name request"
done
rss=$(awk '/^VmRSS/ {print $2}' "/proc/${FD_PID[r1]}/status")
step "r1's floatd: VmRSS ${rss} kB after the malformed requests"
# (Not under AddressSanitizer, whose shadow memory alone is over 100 MB.)
if ! grep -q libasan "/proc/${FD_PID[r1]}/maps"; then
  assert_cmp "$rss" "<" 65536 "r1's VmRSS (kB) after the malformed requests"
fi
no_harm "malformed requests"
busy "after every client has gone"
pass
