#!/usr/bin/env bash
# Regenerates the seed corpora in tests/fuzz/corpus/<target>/ from the project's own test data
# (the seeds are committed; rerun this when that data changes). Needs python3.
#   packet:  each tests/data/keepalived-*.txt capture, in fuzz_packet.cpp's input layout
#   config:  conf.d/*.conf and tests/config/**/*.conf
#   control: a few framed requests (written below)
#   netlink: the canned kernel messages in tests/unit/netlink_events_test.cpp
#   control_server: client scripts (the layout is in fuzz_control_server.cpp)
#   heartbeat: the keepalived captures' adverts, to seal and to unseal (fuzz_heartbeat.cpp)
# It also writes the hand-made reproducer regressions/control/deep-nested-args (README there).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/tests/fuzz/corpus
rm -rf "$out"
mkdir -p "$out"/{packet,config,control,netlink,control_server,heartbeat}

python3 - "$top" "$out" <<'PY'
import ipaddress, json, pathlib, re, struct, sys

top, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])

# packet: [flags: bit0 src v6, bit1 dst v6][hop limit][src][dst][VRRP message]
for txt in sorted((top / "tests/data").glob("keepalived-*.txt")):
    f = {}
    for line in txt.read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition(" ")
            f[key] = value
    src, dst = ipaddress.ip_address(f["src"]), ipaddress.ip_address(f["dst"])
    flags = (src.version == 6) | ((dst.version == 6) << 1)
    payload = bytes(int(b, 16) for b in f["payload"].split())
    seed = bytes([flags, int(f["ttl"])]) + src.packed + dst.packed + payload
    (out / "packet" / txt.stem).write_bytes(seed)
    # heartbeat: [flags: bit0 v6, bit1 seal first, >> 2 the sequence][src][dst][payload]; the
    # destination a unicast peer of the source's family. Sealed with seq 5, and as it came (a
    # payload without the key's trailer, which unseal() must refuse).
    peer = ipaddress.ip_address("198.51.100.2" if src.version == 4 else "fe80::2")
    v6 = int(src.version == 6)
    for mode, tag in ((2 | (5 << 2), "seal"), (0, "raw")):
        (out / "heartbeat" / f"{txt.stem}-{tag}").write_bytes(
            bytes([v6 | mode]) + src.packed + peer.packed + payload)

# config: every example and golden input
confs = sorted((top / "conf.d").glob("*.conf")) + sorted((top / "tests/config").rglob("*.conf"))
for conf in confs:
    name = str(conf.relative_to(top)).replace("/", "_")
    (out / "config" / name).write_bytes(conf.read_bytes())

# control: 4-byte big-endian length, then the JSON body
def frame(body):
    data = body.encode()
    return struct.pack(">I", len(data)) + data
requests = {
    "status": '{"version":1,"command":"status","args":{}}',
    "status-name": '{"version":1,"command":"status","args":{"name":"web"}}',
    "version": '{"version":1,"command":"version"}',
    "bad-version": '{"version":2,"command":"status"}',
    "bad-args": '{"version":1,"command":"status","args":[1,2.5e3,null,true,"\\u00e9"]}',
}
# The largest request the server parses (control::kMaxRequest), args nested as deep as fits.
depth = (64 * 1024 - 60) // 2
deep = '{"version":1,"command":"x","args":{"a":' + "[" * depth + "]" * depth + "}}"
(out.parent / "regressions" / "control").mkdir(parents=True, exist_ok=True)
(out.parent / "regressions" / "control" / "deep-nested-args").write_bytes(frame(deep))
for name, body in requests.items():
    (out / "control" / name).write_bytes(frame(body))
(out / "control" / "two-frames").write_bytes(frame(requests["status"]) + frame(requests["version"]))
(out / "control" / "truncated").write_bytes(frame(requests["status"])[:20])

# netlink: the hex strings of netlink_events_test.cpp, one datagram each
test = (top / "tests/unit/netlink_events_test.cpp").read_text()
msgs = {}
for m in re.finditer(r'constexpr const char\* (k\w+) =((?:\s*"[0-9a-f]*")+);', test):
    msgs[m.group(1)] = bytes.fromhex("".join(re.findall(r'"([0-9a-f]*)"', m.group(2))))
for name, data in msgs.items():
    (out / "netlink" / name).write_bytes(data)
(out / "netlink" / "kDumpAddrAndDone").write_bytes(msgs["kDumpAddr"] + msgs["kDumpDone"])
(out / "netlink" / "kAllNotifications").write_bytes(b"".join(
    d for n, d in msgs.items() if not n.startswith("kDump")))
# control_server: scripts for fuzz_control_server.cpp, one byte of opcode (high nibble: which
# client, low nibble: open 0, raw bytes 1, request 2, subscribe 3, half-close 4, close 5,
# run 6, broadcast 7, read 8, handler mode 9) and its operands. Request numbers index
# kRequests there (1 handover, 2 status, 3 throw, 4 bytes, 5 big).
scripts = {
    "subscribe-handover-close": [0x00, 0x03, 0x02, 1, 0x05, 0x06, 3],  # issue 10, defect 2
    "big-response-then-close": [0x00, 0x02, 5, 0x06, 0, 0x05, 0x06, 3],
    "throwing-handler": [0x00, 0x02, 3, 0x06, 1, 0x08, 0x02, 2, 0x06, 1, 0x08],
    "not-utf8": [0x00, 0x09, 3, 4] + list(b"caf\xe9") + [0x03, 0x07, 4] + list(b"caf\xe9")
                + [0x06, 1, 0x08],
    "half-close": [0x00, 0x02, 2, 0x04, 0x06, 2, 0x08],
    "garbage-frame": [0x00, 0x01, 6, 0x7f, 0xff, 0xff, 0xff, 0x7b, 0x7d, 0x06, 1, 0x08],
    "three-subscribers-publish": [0x00, 0x10, 0x20, 0x03, 0x13, 0x23, 0x06, 1, 0x09, 1, 0,
                                  0x25, 0x02, 2, 0x15, 0x06, 3, 0x08],
}
for name, script in scripts.items():
    (out / "control_server" / name).write_bytes(bytes(script))
PY
for d in "$out"/*; do echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"; done
