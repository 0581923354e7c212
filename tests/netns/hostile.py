#!/usr/bin/env python3
"""Hostile VRRP traffic for tests/netns/t_hostile.sh, and the checks around it.

  hostile.py send KIND COUNT RATE        one kind of malformed advert COUNT times at RATE/s from
                                         the client (run inside its namespace); prints the
                                         number sent. flood ignores COUNT/RATE: 3 s at line rate.
  hostile.py snap FLOATCTL SOCK          drop counters of one floatd as JSON (stdout)
  hostile.py delta FLOATCTL SOCK BEFORE  the counters that moved since BEFORE (a snap file):
                                         "inst.reason=N ..." sorted, or "none"
  hostile.py analyze R1.pcap R2.pcap WINDOWS MASTER_MAC BACKUP_MAC VRID:FAMILY:ADV_INT...
                                         per window ("kind t0 t1" lines, epoch seconds): the
                                         master's adverts of every listed instance kept their
                                         cadence (no gap > 3 x advert_int, edges included) and
                                         the backup sent no advert at all. Exit 1 on a failure.

Addresses are the lab's (tests/netns/lib.sh): client 192.168.100.10 / 2001:db8:100::10 on eth0,
routers r1 192.168.100.2, r2 192.168.100.3. Instances (t_hostile.sh): VRID 51 v3/IPv4, 52
v3/IPv6, 61 v2/IPv4 PASS "secret12" advert_int 1, 71 v3/IPv4 unicast between r1 and r2.
"""
import json
import socket
import struct
import subprocess
import sys
import time

SRC4 = "192.168.100.10"
MCAST4 = "224.0.0.18"
MCAST6 = "ff02::12"
ROUTERS4 = ["192.168.100.2", "192.168.100.3"]
VIP4 = "192.168.100.100"
VIP_V2 = "192.168.100.101"
VIP_UNI = "192.168.100.102"
PASSWORD = b"secret12"
PROTO = 112


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo4(src, dst, length):
    return socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, PROTO, length)


def v3(vrid=51, prio=255, interval=10, addrs=(VIP4,), count=None, version=3, typ=1,
       form="pseudo", dst=MCAST4, junk=b""):
    """A v3/IPv4 advert. form: pseudo (RFC 5798), message (RFC 9568 message-only), corrupt
    (valid in neither form)."""
    body = bytearray(struct.pack("!BBBBHH", version << 4 | typ, vrid, prio,
                                 len(addrs) if count is None else count, interval, 0))
    for a in addrs:
        body += socket.inet_aton(a)
    body += junk
    with_pseudo = csum(pseudo4(SRC4, dst, len(body)) + bytes(body))
    message_only = csum(bytes(body))
    if form == "pseudo":
        c = with_pseudo
    elif form == "message":
        c = message_only
        assert c != with_pseudo
    else:
        c = with_pseudo ^ 0x5A5A
        if c == message_only:
            c ^= 0x0101
    struct.pack_into("!H", body, 6, c)
    return bytes(body)


def v2(vrid=61, prio=255, adv=1, addrs=(VIP_V2,), auth_type=1, password=PASSWORD, corrupt=False):
    """A v2 advert (RFC 3768), checksum over the message only; auth PASS by default."""
    body = bytearray(struct.pack("!BBBBBBH", 0x21, vrid, prio, len(addrs), auth_type, adv, 0))
    for a in addrs:
        body += socket.inet_aton(a)
    body += password.ljust(8, b"\0")[:8]
    c = csum(bytes(body))
    struct.pack_into("!H", body, 6, c ^ 0x5A5A if corrupt else c)
    return bytes(body)


def carp(vhid=61):
    """A CARP advert (OpenBSD ip_carp.h): version 2 type 1 like VRRPv2, 36 bytes."""
    body = bytearray(struct.pack("!BBBBBBH", 0x21, vhid, 0, 7, 0, 1, 0))
    body += struct.pack("!II", 0, 1)  # counter
    body += bytes(range(20))  # HMAC-SHA1
    struct.pack_into("!H", body, 6, csum(bytes(body)))
    return bytes(body)


def sock4(ttl=255):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, PROTO)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(SRC4))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    return s


def sock6():
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, PROTO)
    ifindex = socket.if_nametoindex("eth0")
    s.setsockopt(socket.IPPROTO_IPV6, getattr(socket, "IPV6_CHECKSUM", 7), 6)  # kernel sums
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
    return s, ifindex


def plan(kind):
    """(socket, [(packet, destination) or a list of them, ...]): the rounds of KIND, used in
    turn; priorities alternate 255/0 across rounds where a priority matters."""
    s = sock4()
    m = (MCAST4, 0)
    if kind == "ttl64":
        return sock4(64), [(v3(prio=255), m), (v3(prio=0), m)]
    if kind == "bad_checksum_v3":
        return s, [(v3(prio=255, form="corrupt"), m), (v3(prio=0, form="corrupt"), m)]
    if kind == "message_only_checksum":
        return s, [(v3(prio=255, form="message"), m), (v3(prio=0, form="message"), m)]
    if kind == "bad_checksum_v2":
        return s, [(v2(prio=255, corrupt=True), m), (v2(prio=0, corrupt=True), m)]
    if kind == "version1":
        return s, [(v3(prio=255, version=1), m), (v3(prio=0, version=1), m)]
    if kind == "type2":
        return s, [(v3(prio=255, typ=2), m), (v3(prio=0, typ=2), m)]
    if kind == "unknown_vrid":
        return s, [(v3(vrid=99, prio=255), m), (v3(vrid=99, prio=0), m)]
    if kind == "count_larger":
        return s, [(v3(prio=255, count=3), m), (v3(prio=0, count=3), m)]
    if kind == "count_smaller":
        two = (VIP4, "192.168.100.99")
        return s, [(v3(prio=255, addrs=two, count=1), m), (v3(prio=0, addrs=two, count=1), m)]
    if kind == "truncated":
        return s, [(v3(prio=255)[:6], m), (v3(prio=0)[:6], m)]
    if kind == "oversized":
        junk = bytes(range(0x40, 0x80))
        return s, [(v3(prio=255, junk=junk), m), (v3(prio=0, junk=junk), m)]
    if kind == "zero_interval":
        return s, [(v3(prio=255, interval=0), m), (v3(prio=0, interval=0), m)]
    if kind == "v2_interval":
        return s, [(v2(prio=255, adv=2), m), (v2(prio=0, adv=2), m)]
    if kind == "v2_wrong_password":
        return s, [(v2(prio=255, password=b"wrongpw1"), m), (v2(prio=0, password=b"wrongpw1"), m)]
    if kind == "carp":
        return s, [(carp(), m)]
    if kind == "ipv4_in_ipv6":
        s6, ifindex = sock6()
        msg = struct.pack("!BBBBHH", 0x31, 52, 255, 1, 10, 0) + socket.inet_aton(VIP4)
        msg0 = struct.pack("!BBBBHH", 0x31, 52, 0, 1, 10, 0) + socket.inet_aton(VIP4)
        return s6, [(msg, (MCAST6, 0, 0, ifindex)), (msg0, (MCAST6, 0, 0, ifindex))]
    if kind == "non_peer":
        # one round = one advert to each router, so each counts COUNT
        return s, [[(v3(vrid=71, prio=p, addrs=(VIP_UNI,), dst=r), (r, 0)) for r in ROUTERS4]
                   for p in (255, 0)]
    if kind == "flood":
        return s, [(v3(prio=255, form="corrupt"), m), (v3(prio=0, form="corrupt"), m)]
    raise SystemExit(f"hostile.py: unknown kind {kind}")


def send(kind, count, rate):
    s, packets = plan(kind)
    sent = 0
    if kind == "flood":  # line rate for 3 s; ENOBUFS and the like are not counted as sent
        end = time.monotonic() + 3.0
        n = len(packets)
        i = 0
        while True:
            if i % 256 == 0 and time.monotonic() >= end:
                break
            pkt, dst = packets[i % n]
            try:
                s.sendto(pkt, dst)
                sent += 1
            except OSError:
                pass
            i += 1
        print(sent)
        return 0
    start = time.monotonic()
    for i in range(count):
        item = packets[i % len(packets)]
        for pkt, dst in item if isinstance(item, list) else [item]:
            s.sendto(pkt, dst)
        sent += 1
        time.sleep(max(0.0, start + (i + 1) / rate - time.monotonic()))
    print(sent)
    return 0


def status(ctl, sock):
    r = subprocess.run([ctl, "-s", sock, "status", "--json"], capture_output=True, text=True,
                       timeout=5, check=True)
    return json.loads(r.stdout)


def counters(doc):
    out = {}
    for key in ("unknown_vrid_drops", "undecodable_drops"):
        if key in doc:
            out[key] = doc[key]
    for inst in doc["instances"]:
        for reason, n in inst["stats"]["drops"].items():
            out[f"{inst['name']}.{reason}"] = n
        for p in inst.get("paths", []):  # heartbeat paths (issue 11; heartbeat_forge.py)
            out[f"{inst['name']}.path.{p['interface']}.drops"] = p["drops"]
    return out


def snap(ctl, sock):
    print(json.dumps(counters(status(ctl, sock))))
    return 0


def delta(ctl, sock, before_file):
    with open(before_file) as f:
        before = json.load(f)
    now = counters(status(ctl, sock))
    moved = [f"{k}={now[k] - before.get(k, 0)}" for k in sorted(now)
             if now[k] != before.get(k, 0)]
    print(" ".join(moved) or "none")
    return 0


def read_pcap(path):
    """(time, src_mac, vrid, family) for every VRRP frame in a classic pcap (Ethernet)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    magic = struct.unpack_from("<I", data)[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack_from(end + "IIII", data, off)
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        t = sec + frac / (1e9 if nano else 1e6)
        if len(frame) < 14:
            continue
        mac = frame[6:12].hex(":")
        etype = struct.unpack_from("!H", frame, 12)[0]
        ip = frame[14:]
        if etype == 0x0800 and len(ip) >= 20 and ip[9] == PROTO:
            payload = ip[(ip[0] & 0x0F) * 4:]
            fam = 4
        elif etype == 0x86DD and len(ip) >= 40 and ip[6] == PROTO:
            payload, fam = ip[40:], 6
        else:
            continue
        if len(payload) >= 2:
            out.append((t, mac, payload[1], fam))
    return out


def analyze(r1_pcap, r2_pcap, windows_file, master_mac, backup_mac, *insts):
    frames = read_pcap(r1_pcap) + read_pcap(r2_pcap)
    master = {}
    for t, mac, vrid, fam in frames:
        if mac == master_mac:
            master.setdefault((vrid, fam), set()).add(round(t, 6))
    backup = sorted((t, vrid, fam) for t, mac, vrid, fam in frames if mac == backup_mac)
    bad = 0
    with open(windows_file) as f:
        windows = [line.split() for line in f if line.strip()]
    for kind, t0, t1 in windows:
        t0, t1 = float(t0), float(t1)
        notes = []
        for spec in insts:
            vrid, fam, adv = spec.split(":")
            vrid, fam, adv = int(vrid), int(fam), float(adv)
            times = sorted(master.get((vrid, fam), ()))
            before = [t for t in times if t < t0]
            inside = [t for t in times if t0 <= t <= t1]
            points = ([before[-1]] if before else [t0]) + inside + [t1]
            gap = max(b - a for a, b in zip(points, points[1:]))
            notes.append(f"{vrid}/v{fam} max_gap={gap * 1000:.0f}ms")
            if gap > 3 * adv:
                notes.append(f"FAIL: master adverts of VRID {vrid}/IPv{fam} stopped for "
                             f"{gap * 1000:.0f} ms (> 3 x {adv} s)")
                bad += 1
        flaps = [b for b in backup if t0 <= b[0] <= t1]
        if flaps:
            notes.append(f"FAIL: the backup sent {len(flaps)} adverts, first VRID {flaps[0][1]}"
                         f"/IPv{flaps[0][2]} at +{(flaps[0][0] - t0) * 1000:.1f} ms")
            bad += 1
        print(kind, " ".join(notes))
    if windows:
        first, last = float(windows[0][1]), float(windows[-1][2])
        extra = [b for b in backup if first <= b[0] <= last]
        if extra:
            print(f"FAIL: the backup sent {len(extra)} adverts during the test")
            bad += 1
    return 1 if bad else 0


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "send":
        return send(argv[2], int(argv[3]), float(argv[4]))
    if cmd == "snap":
        return snap(argv[2], argv[3])
    if cmd == "delta":
        return delta(argv[2], argv[3], argv[4])
    if cmd == "analyze":
        return analyze(*argv[2:])
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
