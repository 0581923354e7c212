#!/usr/bin/env python3
"""Sealed heartbeat adverts for tests/netns/t_heartbeat_auth.sh: capture, check, forge, replay.

  heartbeat_forge.py capture IFACE SRC DST COUNT TIMEOUT [PRIO] [READY]
        the first COUNT IPv4 VRRP packets from SRC to DST seen on IFACE (AF_PACKET, both
        directions), with priority PRIO if given, one hex line each (the IP packet, header
        included); creates the file READY once it listens. Exit 1 on timeout.
  heartbeat_forge.py inspect HEX KEYFILE
        one line of key=value about a captured packet: ttl, vrrp_len (the IP payload), the
        advert's fields, msg_len (8 + 4 x count: what a plain RFC 5798 advert has), trailer
        (the bytes beyond it), and for a 40-byte trailer seq and hmac=ok|bad with KEYFILE.
  heartbeat_forge.py send KIND TARGET COUNT RATE KEYFILE [ARG]
        COUNT adverts of KIND at RATE/s to TARGET (r1 or r2) from this namespace's eth0 (the
        attacker's port on the heartbeat link), Ethernet from its own MAC, IP source spoofed as
        the other router; prints the number sent. Kinds:
          forged     the right format and a fresh sequence, a random digest
          wrong_key  sealed correctly, but with the key in file ARG
          truncated  a correct seal cut short, four ways in turn: no trailer at all (a plain
                     advert), sequence only, sequence and 20 digest bytes, one byte short of
                     the shortest sealed advert
          replay     the captured packets in file ARG (hex lines), verbatim
          reflected  the captured packets in file ARG with the IP source and destination
                     swapped (the VRRP checksum does not change; the digest binds the order)
          valid      sealed correctly with KEYFILE, a fresh sequence, priority ARG
        Where the kind builds the advert, its priority is ARG or, by default, the one that would
        move the target if obeyed: 255 to the Master r1 (it would yield), 0 to the Backup r2
        (it would take over after Skew_Time). The fresh sequence is (now + 1 s) << 32 | ns, above
        any real sender's (epoch << 32 | counter), so a forgery that skipped the digest check
        would be accepted, not dropped as a replay.
  heartbeat_forge.py snap FLOATCTL SOCK         drop counters (per reason, per path) as JSON
  heartbeat_forge.py delta FLOATCTL SOCK BEFORE the drop counters that moved since BEFORE:
                                                "inst.reason=N inst.path.IF.drops=N" sorted, or
                                                "none"
  heartbeat_forge.py path FLOATCTL SOCK INSTANCE IFACE FIELD   one field of one path

The seal (src/vrrp/heartbeat_seal.hpp): message || seq (8 bytes, big-endian) || HMAC-SHA256(key,
src address || dst address || message || seq). The key (src/daemon/heartbeat_key.hpp) is the
file's bytes with one trailing "\\n" or "\\r\\n" stripped.

Addresses are t_heartbeat_auth.sh's: eth1 of r1 198.51.100.1 (MAC 02:fd:00:01:00:01), of r2
198.51.100.2 (02:fd:00:01:00:02), both on a bridge whose third port is the attacker's eth0;
instance web: VRID 51, v3, advert_int 0.1, virtual_ipaddress 192.168.100.100.
"""
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import time

# The status counters and their snap/delta, as the hostile-advert suite reads them.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile import delta, snap, status  # noqa: E402

PROTO = 112
ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
VRID = 51
INTERVAL_CS = 10
VIP = "192.168.100.100"
ROUTERS = {  # name -> (eth1 address, eth1 MAC)
    "r1": ("198.51.100.1", "02:fd:00:01:00:01"),
    "r2": ("198.51.100.2", "02:fd:00:01:00:02"),
}
SEQ_BYTES = 8
DIGEST_BYTES = 32
TRAILER = SEQ_BYTES + DIGEST_BYTES
V3_HEADER = 8


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def read_key(path):
    with open(path, "rb") as f:
        key = f.read()
    if key.endswith(b"\r\n"):
        return key[:-2]
    if key.endswith(b"\n"):
        return key[:-1]
    return key


def advert(src, dst, prio):
    """A v3/IPv4 advert as floatd sends it: checksum with the IPv4 pseudo-header."""
    body = bytearray(struct.pack("!BBBBHH", 0x31, VRID, prio, 1, INTERVAL_CS, 0))
    body += socket.inet_aton(VIP)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, PROTO, len(body))
    struct.pack_into("!H", body, 6, csum(pseudo + bytes(body)))
    return bytes(body)


def digest(key, src, dst, message, seq_bytes):
    data = socket.inet_aton(src) + socket.inet_aton(dst) + message + seq_bytes
    return hmac.new(key, data, hashlib.sha256).digest()


def seal(key, src, dst, message, seq):
    s = struct.pack("!Q", seq)
    return message + s + digest(key, src, dst, message, s)


def fresh_seq():
    return ((int(time.time()) + 1) << 32) | (time.time_ns() % 1_000_000_000)


def ip_packet(src, dst, payload, ttl=255):
    header = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload),
                                   int.from_bytes(os.urandom(2), "big"), 0, ttl, PROTO, 0,
                                   socket.inet_aton(src), socket.inet_aton(dst)))
    struct.pack_into("!H", header, 10, csum(bytes(header)))
    return bytes(header) + payload


def split_ip(packet):
    """(ttl, src, dst, payload) of an IPv4 packet."""
    ihl = (packet[0] & 0x0F) * 4
    total = struct.unpack_from("!H", packet, 2)[0]
    return (packet[8], socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20]),
            packet[ihl:total])


def swap_addresses(packet):
    p = bytearray(packet)
    p[12:16], p[16:20] = packet[16:20], packet[12:16]
    struct.pack_into("!H", p, 10, 0)
    struct.pack_into("!H", p, 10, csum(bytes(p[:(p[0] & 0x0F) * 4])))
    return bytes(p)


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


# ---------------------------------------------------------------------------------------------

def capture(iface, src, dst, count, timeout, prio=None, ready=None):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    if ready:
        open(ready, "w").close()
    deadline = time.monotonic() + float(timeout)
    want = None if prio in (None, "") else int(prio)
    seen = 0
    while seen < int(count):
        left = deadline - time.monotonic()
        if left <= 0:
            return 1
        s.settimeout(left)
        try:
            frame = s.recv(65535)
        except socket.timeout:
            return 1
        if len(frame) < 34 or struct.unpack_from("!H", frame, 12)[0] != ETH_P_IP:
            continue
        packet = frame[14:]
        if packet[9] != PROTO or socket.inet_ntoa(packet[12:16]) != src or \
                socket.inet_ntoa(packet[16:20]) != dst:
            continue
        _, _, _, payload = split_ip(packet)
        if want is not None and (len(payload) < 3 or payload[2] != want):
            continue
        print(packet[:struct.unpack_from("!H", packet, 2)[0]].hex(), flush=True)
        seen += 1
    return 0


def inspect(hexline, keyfile):
    packet = bytes.fromhex(hexline.strip())
    ttl, src, dst, payload = split_ip(packet)
    out = {"src": src, "dst": dst, "ttl": ttl, "vrrp_len": len(payload)}
    if len(payload) >= V3_HEADER:
        out.update(version=payload[0] >> 4, vrid=payload[1], prio=payload[2], count=payload[3])
        msg_len = V3_HEADER + 4 * payload[3]
        out["msg_len"] = msg_len
        out["trailer"] = len(payload) - msg_len
        if len(payload) - msg_len == TRAILER:
            message, seq = payload[:msg_len], payload[msg_len:msg_len + SEQ_BYTES]
            out["seq"] = struct.unpack("!Q", seq)[0]
            mac = digest(read_key(keyfile), src, dst, message, seq)
            out["hmac"] = "ok" if hmac.compare_digest(mac, payload[msg_len + SEQ_BYTES:]) else "bad"
    print(" ".join(f"{k}={v}" for k, v in out.items()))
    return 0


def packets_for(kind, target, keyfile, arg):
    """The IP packets of KIND, used in turn."""
    dst, _ = ROUTERS[target]
    src, _ = ROUTERS["r2" if target == "r1" else "r1"]
    key = read_key(keyfile)
    if kind in ("replay", "reflected"):
        with open(arg) as f:
            captured = [bytes.fromhex(line.strip()) for line in f if line.strip()]
        if not captured:
            raise SystemExit(f"heartbeat_forge.py: no packets in {arg}")
        return captured if kind == "replay" else [swap_addresses(p) for p in captured]
    if kind == "wrong_key":
        prio = 255 if target == "r1" else 0
    else:
        prio = int(arg) if arg not in (None, "") else (255 if target == "r1" else 0)
    message = advert(src, dst, prio)
    if kind == "forged":
        return [lambda: message + struct.pack("!Q", fresh_seq()) + os.urandom(DIGEST_BYTES)]
    if kind == "wrong_key":
        other = read_key(arg)
        assert other != key, "the wrong key is the right one"
        return [lambda: seal(other, src, dst, message, fresh_seq())]
    if kind == "valid":
        return [lambda: seal(key, src, dst, message, fresh_seq())]
    if kind == "truncated":
        shortest = V3_HEADER + TRAILER  # heartbeat_seal.cpp: shorter is auth_truncated
        cuts = [len(message), len(message) + SEQ_BYTES, len(message) + SEQ_BYTES + 20, shortest - 1]
        assert all(c < shortest for c in cuts)
        return [lambda c=c: seal(key, src, dst, message, fresh_seq())[:c] for c in cuts]
    raise SystemExit(f"heartbeat_forge.py: unknown kind {kind}")


def send(kind, target, count, rate, keyfile, arg=None):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("eth0", 0))
    with open("/sys/class/net/eth0/address") as f:
        own_mac = mac_bytes(f.read().strip())
    dst_ip, dst_mac = ROUTERS[target]
    src_ip, _ = ROUTERS["r2" if target == "r1" else "r1"]
    ether = mac_bytes(dst_mac) + own_mac + struct.pack("!H", ETH_P_IP)
    items = packets_for(kind, target, keyfile, arg)
    start = time.monotonic()
    for i in range(count):
        item = items[i % len(items)]
        if callable(item):  # a payload built now (its sequence is fresh)
            item = ip_packet(src_ip, dst_ip, item())
        s.send(ether + item)
        time.sleep(max(0.0, start + (i + 1) / rate - time.monotonic()))
    print(count)
    return 0


# ---------------------------------------------------------------------------------------------

def path_field(ctl, sock, name, iface, field):
    for inst in status(ctl, sock)["instances"]:
        if inst["name"] != name:
            continue
        for p in inst["paths"]:
            if p["interface"] == iface:
                v = p[field]
                print(json.dumps(v) if isinstance(v, (list, dict)) or v is None else v)
                return 0
    raise SystemExit(f"no path {iface} in instance {name}")


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "capture":
        return capture(*argv[2:9])
    if cmd == "inspect":
        return inspect(argv[2], argv[3])
    if cmd == "send":
        return send(argv[2], argv[3], int(argv[4]), float(argv[5]), argv[6],
                    argv[7] if len(argv) > 7 else None)
    if cmd == "snap":
        return snap(argv[2], argv[3])
    if cmd == "delta":
        return delta(argv[2], argv[3], argv[4])
    if cmd == "path":
        return path_field(*argv[2:7])
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
