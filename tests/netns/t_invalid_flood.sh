#!/usr/bin/env bash
# A flood of invalid adverts for VRID 51 from the client (hundreds per second for 3 s: bad
# checksum, TTL 64, version 1), each carrying priority 255 or 0, which would move both routers
# if accepted. Nothing changes: no transition logged or counted, the same states, and every
# packet counted under its drop reason in floatctl status on both routers.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

adv=0.1
seconds=3
pair_up "$adv"

reasons=(bad_checksum bad_ttl bad_version)
declare -A before
for r in r1 r2; do
  before[$r.transitions]=$(status_get $r web stats.transitions)
  for why in "${reasons[@]}"; do before[$r.$why]=$(status_get $r web "stats.drops.$why"); done
done
mark1=$(log_lines r1)
mark2=$(log_lines r2)

cat >"$RUN/flood.py" <<'PY'
# flood.py SRC SECONDS: invalid VRRPv3 adverts for VRID 51 to 224.0.0.18, round robin over
# bad_checksum (TTL 255), bad_ttl (TTL 64, valid checksum), bad_version (version 1, TTL 255),
# 100 per second per kind, priorities alternating 255 and 0. Prints the count sent per kind.
import socket, struct, sys, time

src, seconds = sys.argv[1], float(sys.argv[2])
dst = "224.0.0.18"

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def advert(version, priority, corrupt):
    vip = socket.inet_aton("192.168.100.100")
    body = bytearray(struct.pack("!BBBBHH", version << 4 | 1, 51, priority, 1, 10, 0) + vip)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 112, len(body))
    c = checksum(pseudo + bytes(body))  # v3/IPv4: with the pseudo-header
    if corrupt:
        c ^= 0x5A5A
    struct.pack_into("!H", body, 6, c)
    return bytes(body)

def sock(ttl):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    return s

s255, s64 = sock(255), sock(64)
kinds = [("bad_checksum", s255, 3, True), ("bad_ttl", s64, 3, False),
         ("bad_version", s255, 1, False)]
sent = {k[0]: 0 for k in kinds}
step = 1.0 / (100 * len(kinds))
start = time.monotonic()
i = 0
while time.monotonic() - start < seconds:
    name, s, version, corrupt = kinds[i % len(kinds)]
    s.sendto(advert(version, 255 if (i // len(kinds)) % 2 == 0 else 0, corrupt), (dst, 0))
    sent[name] += 1
    i += 1
    time.sleep(max(0.0, start + i * step - time.monotonic()))
print(" ".join(f"{k}={v}" for k, v in sent.items()))
PY

step "flood: ${reasons[*]} for ${seconds} s"
ip netns exec "$(ns c)" "$PY" "$RUN/flood.py" 192.168.100.10 $seconds >"$RUN/flood.out" 2>&1 &
flood_pid=$!
LAB_PIDS+=("$flood_pid")
hold_state r2 web BACKUP $seconds
wait "$flood_pid" || fail "the flood generator failed: $(cat "$RUN/flood.out")"
step "sent: $(cat "$RUN/flood.out")"
declare -A sent
read -ra words <"$RUN/flood.out"
for kv in "${words[@]}"; do sent[${kv%%=*}]=${kv#*=}; done

hold_state r2 web BACKUP 0.3  # a late effect of an accepted advert would show by now
assert_state r1 web MASTER
assert_holders "$VIP4" r1
assert_eq "$(transitions_logged r1 "$mark1")" 0 "transitions logged by r1"
assert_eq "$(transitions_logged r2 "$mark2")" 0 "transitions logged by r2"
for r in r1 r2; do
  assert_status $r web stats.transitions "${before[$r.transitions]}"
  for why in "${reasons[@]}"; do
    got=$(($(status_get $r web "stats.drops.$why") - before[$r.$why]))
    step "$r drops.$why +$got"
    assert_cmp "$got" ">=" "${sent[$why]}" "$r drops.$why"
  done
done
pass
