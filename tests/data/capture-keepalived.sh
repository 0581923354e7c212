#!/usr/bin/env bash
# Captures real keepalived adverts as golden test data for tests/unit/capture_test.cpp.
#
# Needs root, keepalived, tcpdump and python3. CI does not run this: the outputs are committed.
# Usage: sudo tests/data/capture-keepalived.sh [OUTDIR]   (default: the directory of this script)
#
# Topology (nothing is created in the root namespace):
#   fdcap-br  : bridge br0 (no STP, no multicast snooping), ports p1, p2
#   fdcap-r1  : eth0 (veth peer of p1), 192.168.100.1/24, 2001:db8::1/64, MAC 02:fd:00:00:00:01
#               runs one keepalived (alone: it becomes master after its down timer)
#   fdcap-r2  : eth0 (veth peer of p2), 192.168.100.2/24, the unicast peer; runs nothing
# tcpdump listens on p1 inside fdcap-br (the wire as seen by the bridge).
#
# For every run: start tcpdump, start keepalived, wait for three adverts, SIGTERM keepalived
# (it sends a priority-0 advert), stop tcpdump, then extract one advert per output file into
# keepalived-<name>.txt (format described in README.md) and keep the pcap.
set -euo pipefail

OUT=$(cd "${1:-$(dirname "$0")}" && pwd)
WORK=$(mktemp -d /tmp/fdcap.XXXXXX)
BR=fdcap-br
R1=fdcap-r1
R2=fdcap-r2
KA_PID=""
TD_PID=""

cleanup() {
  set +e
  [[ -n "$KA_PID" ]] && kill -TERM "$KA_PID" 2>/dev/null && sleep 1 && kill -KILL "$KA_PID" 2>/dev/null
  [[ -n "$TD_PID" ]] && kill -INT "$TD_PID" 2>/dev/null && sleep 0.5 && kill -KILL "$TD_PID" 2>/dev/null
  # Anything still running in our own namespaces (the keepalived VRRP child, say), by pid.
  for ns in "$R1" "$R2" "$BR"; do
    if ip netns list | grep -qw "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
      ip netns del "$ns" 2>/dev/null
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in "$BR" "$R1" "$R2"; do
  if ip netns list | grep -qw "$ns"; then
    echo "namespace $ns already exists; delete it first (ip netns del $ns)" >&2
    trap - EXIT
    exit 1
  fi
done

quiet_v6() {  # no DAD, no RA/RS: the segment stays quiet and addresses are usable at once
  local ns=$1
  for c in all default; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.$c.accept_dad=0 net.ipv6.conf.$c.dad_transmits=0 \
      net.ipv6.conf.$c.accept_ra=0 net.ipv6.conf.$c.router_solicitations=0
  done
}

setup() {
  ip netns add "$BR"
  ip netns add "$R1"
  ip netns add "$R2"
  quiet_v6 "$BR"
  quiet_v6 "$R1"
  quiet_v6 "$R2"
  ip -n "$BR" link set lo up
  ip -n "$BR" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0 mcast_querier 0
  ip -n "$BR" link set br0 up
  local i
  for i in 1 2; do
    local ns=fdcap-r$i
    # The pair is created in the bridge namespace; its far end goes straight to the router's.
    ip -n "$BR" link add p$i type veth peer name eth0 netns "$ns"
    ip -n "$BR" link set p$i master br0
    ip -n "$BR" link set p$i up
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 address 02:fd:00:00:00:0$i
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.dad_transmits=0
    ip -n "$ns" addr add 192.168.100.$i/24 dev eth0
    ip -n "$ns" addr add 2001:db8::$i/64 dev eth0 nodad
    ip -n "$ns" link set eth0 up
  done
  sleep 1
}

# run NAME VRRP_INSTANCE_BODY: one keepalived run, pcap in $WORK/NAME.pcap
run() {
  local name=$1 body=$2
  local conf=$WORK/$name.conf pcap=$WORK/$name.pcap
  cat >"$conf" <<EOF
global_defs {
  router_id fdcap
}
vrrp_instance VI_$name {
  interface eth0
  state BACKUP
$body
}
EOF
  ip netns exec "$BR" tcpdump -Z root -U -n -i p1 -w "$pcap" 'ip proto 112 or ip6 proto 112' \
    >"$WORK/$name.tcpdump.log" 2>&1 &
  TD_PID=$!
  sleep 1
  ip netns exec "$R1" keepalived -n -l -D -G -P -f "$conf" -p "$WORK/$name.pid" \
    -r "$WORK/$name.vrrp.pid" >"$WORK/$name.keepalived.log" 2>&1 &
  KA_PID=$!
  local n=0 _
  for _ in $(seq 1 150); do
    sleep 0.1
    n=$(tcpdump -r "$pcap" 2>/dev/null | wc -l || true)
    [[ $n -ge 3 ]] && break
  done
  if [[ $n -lt 3 ]]; then
    echo "$name: only $n adverts captured; keepalived log:" >&2
    cat "$WORK/$name.keepalived.log" >&2
    exit 1
  fi
  kill -TERM "$KA_PID"
  wait "$KA_PID" || true
  KA_PID=""
  sleep 0.5
  kill -INT "$TD_PID"
  wait "$TD_PID" || true
  TD_PID=""
  echo "$name: $(tcpdump -r "$pcap" 2>/dev/null | wc -l) packets"
}

setup

V4A='  virtual_router_id 51
  priority 150
  advert_int 1'

run v2-ipv4 "  version 2
$V4A
  virtual_ipaddress {
    192.168.100.100/24
  }"

run v2-ipv4-auth "  version 2
$V4A
  authentication {
    auth_type PASS
    auth_pass secret12
  }
  virtual_ipaddress {
    192.168.100.100/24
  }"

run v3-ipv4 "  version 3
$V4A
  virtual_ipaddress {
    192.168.100.100/24
    192.168.100.101/24
  }"

run v3-ipv4-fast "  version 3
  virtual_router_id 51
  priority 150
  advert_int 0.1
  virtual_ipaddress {
    192.168.100.100/24
  }"

run v3-ipv6 "  version 3
  virtual_router_id 52
  priority 150
  advert_int 1
  virtual_ipaddress {
    2001:db8::100/64
  }"

run v3-ipv4-unicast "  version 3
$V4A
  unicast_src_ip 192.168.100.1
  unicast_peer {
    192.168.100.2
  }
  virtual_ipaddress {
    192.168.100.100/24
  }"

# Extraction: NAME PCAP WHICH(first advert with priority > 0, or the priority-0 one) CONFIG
DATE=$(date -u +%F)
KAVER=$(keepalived --version 2>&1 | awk 'NR == 1 { sub(/^v/, "", $2); print $2 }')
# shellcheck disable=SC1091,SC2153
OSVER=$(. /etc/os-release && echo "$NAME $VERSION_ID")
python3 - "$WORK" "$OUT" "$DATE" "$KAVER" "$OSVER" <<'PY'
import struct, sys, os, shutil

work, out, date, kaver, osver = sys.argv[1:6]

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    assert linktype == 1, "expected Ethernet"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl

def parse(frame):
    dmac, smac, etype = frame[0:6], frame[6:12], struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    r = {"smac": smac, "dmac": dmac}
    if etype == 0x0800:
        ihl = (ip[0] & 0xF) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        assert ip[9] == 112
        r.update(fam=4, tos=ip[1], ttl=ip[8], src=ip[12:16], dst=ip[16:20], payload=ip[ihl:tot],
                 ipid=struct.unpack("!H", ip[4:6])[0], df=bool(ip[6] & 0x40), ihl=ihl)
    elif etype == 0x86DD:
        plen = struct.unpack("!H", ip[4:6])[0]
        assert ip[6] == 112
        r.update(fam=6, tos=((ip[0] & 0xF) << 4) | (ip[1] >> 4), ttl=ip[7], src=ip[8:24],
                 dst=ip[24:40], payload=ip[40:40 + plen], flow=((ip[1] & 0xF) << 16) | (ip[2] << 8) | ip[3])
    else:
        raise ValueError("not IP")
    return r

def addr(b):
    import ipaddress
    return str(ipaddress.ip_address(bytes(b)))

def mac(b):
    return ":".join("%02x" % x for x in b)

def checksum_form(r):
    p = bytearray(r["payload"])
    ver = p[0] >> 4
    field = struct.unpack("!H", p[6:8])[0]
    p[6:8] = b"\0\0"
    msg = csum(bytes(p))
    if r["fam"] == 6:
        ph = bytes(r["src"]) + bytes(r["dst"]) + struct.pack("!I", len(p)) + b"\0\0\0" + bytes([112])
        return ("pseudo-header" if csum(ph + bytes(p)) == field else "BAD"), {}
    ph = bytes(r["src"]) + bytes(r["dst"]) + bytes([0, 112]) + struct.pack("!H", len(p))
    pse = csum(ph + bytes(p))
    both = {"pseudo-header": pse, "message-only": msg, "field": field}
    if ver == 2:
        return ("message-only" if msg == field else "BAD"), both
    if pse == field and msg == field:
        return "ambiguous", both
    return ("pseudo-header" if pse == field else "message-only" if msg == field else "BAD"), both

outputs = [
    # name, pcap, pick, config summary
    ("v2-ipv4", "v2-ipv4", "first",
     "version 2, interface eth0 (192.168.100.1/24), virtual_router_id 51, priority 150, advert_int 1, "
     "virtual_ipaddress 192.168.100.100/24, no authentication"),
    ("v2-ipv4-auth", "v2-ipv4-auth", "first",
     "version 2, virtual_router_id 51, priority 150, advert_int 1, "
     "authentication { auth_type PASS auth_pass secret12 }, virtual_ipaddress 192.168.100.100/24"),
    ("v3-ipv4", "v3-ipv4", "first",
     "version 3, virtual_router_id 51, priority 150, advert_int 1, "
     "virtual_ipaddress 192.168.100.100/24 192.168.100.101/24"),
    ("v3-ipv4-fast", "v3-ipv4-fast", "first",
     "version 3, virtual_router_id 51, priority 150, advert_int 0.1, virtual_ipaddress 192.168.100.100/24"),
    ("v3-ipv6", "v3-ipv6", "first",
     "version 3, interface eth0 (fe80::fd:ff:fe00:1, 2001:db8::1/64), virtual_router_id 52, priority 150, "
     "advert_int 1, virtual_ipaddress 2001:db8::100/64"),
    ("v3-ipv4-prio0", "v3-ipv4", "prio0",
     "as keepalived-v3-ipv4.txt; the advert the master sent on SIGTERM"),
    ("v2-ipv4-prio0", "v2-ipv4", "prio0",
     "as keepalived-v2-ipv4.txt; the advert the master sent on SIGTERM"),
    ("v3-ipv6-prio0", "v3-ipv6", "prio0",
     "as keepalived-v3-ipv6.txt; the advert the master sent on SIGTERM"),
    ("v3-ipv4-unicast", "v3-ipv4-unicast", "first",
     "version 3, virtual_router_id 51, priority 150, advert_int 1, unicast_src_ip 192.168.100.1, "
     "unicast_peer { 192.168.100.2 }, virtual_ipaddress 192.168.100.100/24"),
]

report = []
for name, pcapname, pick, conf in outputs:
    pcap = os.path.join(work, pcapname + ".pcap")
    pkts = [parse(f) for f in frames(pcap)]
    idx = [i for i, r in enumerate(pkts) if (r["payload"][2] == 0) == (pick == "prio0")]
    assert idx, (name, "no matching advert")
    i = idx[0]
    r = pkts[i]
    form, both = checksum_form(r)
    assert form != "BAD", (name, both)
    fam = r["fam"]
    with open(os.path.join(out, "keepalived-%s.txt" % name), "w") as f:
        f.write("# source: keepalived %s (%s), captured %s with tcpdump in a netns lab "
                "(tests/data/capture-keepalived.sh); config: %s\n" % (kaver, osver, date, conf))
        f.write("# frame %d of keepalived-%s.pcap; %s\n" % (i + 1, pcapname,
                "ttl = IPv6 hop limit, tos = IPv6 traffic class" if fam == 6 else "IPv4 header stripped"))
        f.write("src %s\n" % addr(r["src"]))
        f.write("dst %s\n" % addr(r["dst"]))
        f.write("ttl %d\n" % r["ttl"])
        f.write("tos 0x%02x\n" % r["tos"])
        f.write("mac %s\n" % mac(r["smac"]))
        if fam == 4 and r["payload"][0] >> 4 == 3:
            f.write("checksum %s\n" % form)
        f.write("payload %s\n" % " ".join("%02x" % b for b in r["payload"]))
    extra = ""
    if both:
        extra = " field=0x%04x pseudo-header=0x%04x message-only=0x%04x" % (
            both["field"], both["pseudo-header"], both["message-only"])
    report.append("%-16s src=%s dst=%s dmac=%s smac=%s ttl/hlim=%d tos/tclass=0x%02x %s%s form=%s%s" % (
        name, addr(r["src"]), addr(r["dst"]), mac(r["dmac"]), mac(r["smac"]), r["ttl"], r["tos"],
        ("ipid=%d df=%s" % (r["ipid"], r["df"])) if fam == 4 else ("flow=0x%05x" % r["flow"]),
        "", form, extra))

for pcapname in sorted({o[1] for o in outputs}):
    shutil.copy(os.path.join(work, pcapname + ".pcap"), os.path.join(out, "keepalived-%s.pcap" % pcapname))
print("\n".join(report))
PY
echo "written to $OUT"
