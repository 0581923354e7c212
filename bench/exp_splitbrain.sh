#!/usr/bin/env bash
# Experiment 9 (issue 11, heartbeat paths): split brain when the LAN between the nodes is cut,
# and takeover when the Master's own LAN link goes down. Three pairs side by side on one lab:
#   r1 (150, state MASTER) / r2 (100): floatd with `heartbeat_path = eth1 peer ...`, VRID 51,
#                                      VIP 192.168.100.100/24            (impl floatd+paths)
#   r3 / r4: floatd without paths,     VRID 52, VIP 192.168.100.101/24  (impl floatd)
#   r5 / r6: keepalived 2.2.7,         VRID 53, VIP 192.168.100.102/24  (impl keepalived)
# Every pair shares the switch (eth0 on the bridge namespace, the VIPs there, with the client)
# and also has a direct veth eth1 between its two routers (192.168.(200+P).1 and .2/24, P the
# pair 1..3); only floatd+paths uses it. The configurations are gen_conf's (bench/lib.sh): the
# same for all three, VRRPv3, preempt, advert_int SB_ADV (default 1 s, as the takeover
# experiment's first interval; Skew_Time 609.4 ms and Master_Down_Interval 3609.4 ms at the
# Backup's priority 100), plus the one heartbeat_path line for floatd+paths.
# Every router's address changes are followed from the start (vip_watch_start: ip -ts monitor,
# microseconds), the Masters' link changes too (linkmon_start, the same way), and a capture
# with kernel timestamps runs on the client's bridge port (adverts, gratuitous ARPs) and on
# r2's eth1 (the adverts r1 sends on its heartbeat path).
#
# a. LAN cut, N_CUT rounds (BENCH_N; default 10, quick 2): at a random phase, each Backup's
#    switch port leaves the bridge (`ip link set p-rK nomaster` in the bridge namespace: no
#    carrier change, so no daemon sees a link event; this kernel has no netem) for SB_CUT
#    seconds (default 10; quick 6), then rejoins it (heal). The three pairs are cut together,
#    each timed from its own cut and heal. split_s: the total time in [cut, heal + settle +
#    1 s] during which both routers of the pair held the VIP (the address monitors; what a
#    client on either side sees as two gateways); longest_s the longest such stretch; took_s
#    from the cut until both first held it. both_held: both held the VIP just before the heal.
#    resolve_ms: from the heal until exactly one held the VIP for good. master_log_s: the
#    Backup's own log, from its "-> MASTER" to its next "MASTER -> " line (floatd; keepalived's
#    console log has whole seconds only). backup_took: times the Backup logged entering MASTER.
#    alarm_ms (floatd+paths): from the cut to the Backup's log line "path DOWN eth0" (the issue
#    asks for it within Master_Down_Interval + 50 ms). stuck: the pair not back to normal (the
#    150 router Master with the VIP, the 100 router Backup without it) 5 s after the heal.
# b. Link down, N_DOWN trials per implementation (same BENCH_N default), the implementation
#    that goes first rotating: at a random phase, `ip link set eth0 down` in the Master's
#    namespace, until the Backup holds the VIP; then the link comes back and the pair returns
#    to normal. The reference is the link going down as the Master's link monitor saw it (the
#    RTM_NEWLINK timestamp of `ip -ts monitor link`, clamped into the interval the harness's
#    `ip link set` command ran: bracket_ms is that interval's length). takeover_ms: to the
#    Backup's first gratuitous ARP for the VIP on the client's port (kernel timestamp);
#    vip_ms: to the VIP appearing on the Backup (its address monitor). fault_ms (floatd): to
#    the old Master's own "-> FAULT" log line. The protocol's part: wire_ms from the old
#    Master's priority-0 advert on eth1 (floatd+paths; r2's eth1 capture) or from its last
#    advert on the LAN before the link went down (the others) to that gratuitous ARP, and
#    latency_ms = wire_ms - protocol_ms (Skew_Time for floatd+paths, Master_Down_Interval for
#    the others). sched_late_ms: the scheduler's worst lateness measured meanwhile (lib.sh's
#    sched probe): the machine's own share of any lateness.
# clock_step: the wall clock was stepped during the round (by other work on the machine): its
# times are void and the report leaves it out.
# Writes DATA/splitbrain.csv and DATA/linkdown.csv.
# Usage: exp_splitbrain.sh FLOATD
# shellcheck source-path=SCRIPTDIR source=../tests/netns/lib.sh
source "$(dirname "$0")/../tests/netns/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init splitbrain "$1"

ADV=${SB_ADV:-1}
CUT=${SB_CUT:-$([[ $QUICK == 1 ]] && echo 6 || echo 10)}
N_CUT=$(reps 10 2)
N_DOWN=$(reps 10 2)
SETTLE_MAX=5  # s after the heal for the pair to be back to normal
QUIET=1       # s of normal operation before each round and after each heal
SKEW=$(skew_time "$ADV" 100)
MDI=$(master_down_interval "$ADV" 100)
IMPLS=(keepalived floatd floatd+paths)
declare -A OLD=([floatd+paths]=r1 [floatd]=r3 [keepalived]=r5)
declare -A NEW=([floatd+paths]=r2 [floatd]=r4 [keepalived]=r6)
declare -A VRID=([floatd+paths]=51 [floatd]=52 [keepalived]=53)
declare -A VIP=([floatd+paths]=192.168.100.100 [floatd]=192.168.100.101
  [keepalived]=192.168.100.102)
declare -A PAIR=([floatd+paths]=1 [floatd]=2 [keepalived]=3)
now=0  # mono_cs now: the uptime in centiseconds
csv splitbrain.csv impl,advert_int,round,cut_s,both_held,split_s,longest_s,took_s,resolve_ms,master_log_s,backup_took,alarm_ms,stuck,transitions,clock_step
csv linkdown.csv impl,advert_int,trial,bracket_ms,takeover_ms,vip_ms,fault_ms,reference,protocol_ms,wire_ms,latency_ms,sched_late_ms,clock_step

# ---------------------------------------------------------------------------------------------
# The lab's extras

# direct_link A B P: a veth eth1 between routers A and B, 192.168.(200+P).1/24 on A and .2 on
# B, MACs 02:fd:00:01:00:(octet of eth0).
direct_link() {
  local a=$1 b=$2 p=$3 r i=1
  ip -n "$(ns "$a")" link add eth1 type veth peer name eth1 netns "$(ns "$b")"
  for r in "$a" "$b"; do
    _quiet_ipv6 "$r" eth1
    ip -n "$(ns "$r")" link set eth1 address "$(printf '02:fd:00:01:00:%02x' "$((${r#r} + 1))")"
    ip -n "$(ns "$r")" addr add "192.168.$((200 + p)).$i/24" dev eth1
    ip -n "$(ns "$r")" link set eth1 up
    i=$((i + 1))
  done
  wait_for "in_ns $a ping -c 1 -W 1 -q 192.168.$((200 + p)).2 >/dev/null 2>&1" 5 ||
    fail "lab: $a cannot reach $b over eth1"
}

# eth1_mac NAME: the MAC of NAME's eth1.
eth1_mac() { printf '02:fd:00:01:00:%02x' "$((${1#r} + 1))"; }

# linkmon_start NAME...: NAME's link changes (ip -ts monitor link, microsecond timestamps taken
# as ip reads them) into RUN/NAME.linkmon; returns once every monitor listens (the handshake
# of vip_watch_start, with a marker address of its own).
linkmon_start() {
  local r full pid deadline
  for r in "$@"; do
    full=$(ns "$r")
    ip -n "$full" -ts monitor link address >"$RUN/$r.linkmon" 2>&1 &
    pid=$!
    LAB_PIDS+=("$pid")
    deadline=$((${EPOCHREALTIME/./} + 5000000))
    until grep -qs 'inet 192.168.100.253/32' "$RUN/$r.linkmon"; do
      ((${EPOCHREALTIME/./} < deadline)) || fail "ip monitor link in $r did not start"
      ip -n "$full" addr add 192.168.100.253/32 dev lo
      ip -n "$full" addr del 192.168.100.253/32 dev lo
      sleep 0.02
    done
  done
}

# hb_capture_start NAME: the VRRP adverts arriving on NAME's eth1, kernel timestamps (ns), into
# RUN/hb.pcap.
hb_capture_start() {
  local pid
  in_ns "$1" tcpdump -n -U --immediate-mode -j host --time-stamp-precision=nano -B 8192 \
    -i eth1 -w "$RUN/hb.pcap" 'ip proto 112' >"$RUN/hb.tcpdump" 2>&1 &
  pid=$!
  CAP_PID[hb]=$pid
  LAB_PIDS+=("$pid")
  wait_for "grep -qs 'listening on' '$RUN/hb.tcpdump'" 5 || fail "tcpdump on $1's eth1 did not start"
}

# The analysis: bench/vipwatch.py and bench/wire.py as libraries (read, not changed).
cat >"$RUN/sb.py" <<'PY'
"""sb.py CMD ...: the split-brain experiment's readings (epoch seconds in and out).
  overlap VIP T0 T1 NAME=PREFIX...  "total_s longest_s first": the total and the longest time
                                    in [T0, T1] during which two or more routers held VIP, and
                                    when that first began ("none")
  added VIP T0 PREFIX               when the router first added VIP after T0 ("none")
  linkdown FILE T0 DEV              when ip monitor first saw DEV without UP after T0 ("none")
  prio0 PCAP T0 MAC VRID            MAC's first priority-0 advert for VRID at or after T0
  lastadv PCAP T1 MAC VRID          MAC's last advert (priority > 0) for VRID before T1
"""
import argparse, re, sys
sys.path.insert(0, sys.argv[1])
import vipwatch, wire

LINK = re.compile(r"^\[(\S+)\]\s+\d+:\s+([^:@\s]+)(?:@\S+)?:\s+<([^>]*)>")


def overlap(vip, t0, t1, routers):
    a = argparse.Namespace(vip=vip, after=float(t0), before=float(t1), routers=routers)
    events, holders = vipwatch.replay(a)
    total = longest = 0.0
    first = since = a.after if len(holders) >= 2 else None
    for t, name, held in events:
        (holders.add if held else holders.discard)(name)
        if len(holders) >= 2 and since is None:
            since = t
            first = first or t
        elif len(holders) < 2 and since is not None:
            total, longest, since = total + t - since, max(longest, t - since), None
    if since is not None:
        total, longest = total + a.before - since, max(longest, a.before - since)
    return f"{total:.3f} {longest:.3f} {'none' if first is None else f'{first:.6f}'}"


def added(vip, t0, prefix):
    _, _, changes = vipwatch.timeline(prefix, vip)
    return next((f"{t:.6f}" for t, held in changes if held and t > float(t0)), "none")


def linkdown(path, t0, dev):
    with open(path, errors="replace") as f:
        for line in f:
            m = LINK.match(line)
            if m and m.group(2) == dev and "UP" not in m.group(3).split(","):
                t = vipwatch.epoch(m.group(1))
                if t > float(t0):
                    return f"{t:.6f}"
    return "none"


def prio0(pcap, t0, mac, vrid):
    for t, kind, src, info in wire.events(pcap, float(t0)):
        if kind == "advert" and src == mac.lower() and info == (int(vrid), 0):
            return f"{t / 1e9:.9f}"
    return "none"


def lastadv(pcap, t1, mac, vrid):
    last = None
    for t, kind, src, info in wire.events(pcap, None, float(t1)):
        if kind == "advert" and src == mac.lower() and info[0] == int(vrid) and info[1] > 0:
            last = t
    return "none" if last is None else f"{last / 1e9:.9f}"


cmd, args = sys.argv[2], sys.argv[3:]
if cmd == "overlap":
    print(overlap(args[0], args[1], args[2], args[3:]))
else:
    print({"added": added, "linkdown": linkdown, "prio0": prio0, "lastadv": lastadv}[cmd](*args))
PY
sb() { "$PY" -B -I -S "$RUN/sb.py" "$BENCH_DIR" "$@"; }

# ms_between T0 T1: (T1 - T0) in ms, 3 decimals; "none" if either is.
ms_between() {
  if [[ $1 == none || $2 == none ]]; then echo none; return; fi
  awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b - a) * 1000}'
}

# impl_ok IMPL: the pair is normal (pair_ok: the 150 router Master with the VIP, the 100 router
# Backup without it). Called through wait_for's eval.
# shellcheck disable=SC2317
impl_ok() { pair_ok "${OLD[$1]}" "${NEW[$1]}"; }

# ---------------------------------------------------------------------------------------------
# The lab

lab_up 6
for impl in "${IMPLS[@]}"; do direct_link "${OLD[$impl]}" "${NEW[$impl]}" "${PAIR[$impl]}"; done
for impl in "${IMPLS[@]}"; do
  base=floatd
  [[ $impl == keepalived ]] && base=keepalived
  gen_conf "$base" "${OLD[$impl]}" prio=150 state=MASTER adv="$ADV" vrid="${VRID[$impl]}" \
    vip="${VIP[$impl]}/24"
  gen_conf "$base" "${NEW[$impl]}" prio=100 adv="$ADV" vrid="${VRID[$impl]}" vip="${VIP[$impl]}/24"
done
# floatd+paths: the same, and the direct cable as a heartbeat path to the other node.
printf 'heartbeat_path = eth1 peer 192.168.201.2\n' >>"$RUN/r1.conf"
printf 'heartbeat_path = eth1 peer 192.168.201.1\n' >>"$RUN/r2.conf"
for r in r1 r2 r3 r4; do
  out=$(in_ns "$r" "$FLOATD" -t -f "$RUN/$r.conf" 2>&1) || fail "floatd -t rejects $r.conf: $out"
done
vip_watch_start r1 r2 r3 r4 r5 r6
linkmon_start r1 r3 r5
for impl in "${IMPLS[@]}"; do pair_start "${OLD[$impl]}" "${NEW[$impl]}"; done
wire_start sb c
hb_capture_start r2
sleep "$QUIET"
note "advert_int $ADV s: Skew_Time $SKEW s, Master_Down_Interval $MDI s (priority 100)"

# ---------------------------------------------------------------------------------------------
note "a. LAN cut of $CUT s between the nodes (each Backup's switch port out of the bridge):" \
  "$N_CUT rounds"
for ((i = 1; i <= N_CUT; i++)); do
  for impl in "${IMPLS[@]}"; do
    wait_for "impl_ok $impl" 15 || fail "$impl pair is not normal before cut #$i"
  done
  declare -A MO=() MN=() T_CUT=() T_HEAL=() U_HEAL=() BOTH=() STUCK=()
  for impl in "${IMPLS[@]}"; do
    MO[$impl]=$(log_lines "${OLD[$impl]}")
    MN[$impl]=$(log_lines "${NEW[$impl]}")
  done
  random_phase "$ADV"
  wall_mark
  for impl in "${IMPLS[@]}"; do
    T_CUT[$impl]=$EPOCHREALTIME
    ip -n "$(ns br)" link set "p-${NEW[$impl]}" nomaster
  done
  sleep "$CUT"
  # The heal order rotates; each pair is timed from its own heal.
  order=("${IMPLS[@]:i%3}" "${IMPLS[@]:0:i%3}")
  for impl in "${order[@]}"; do
    BOTH[$impl]=0
    has_vip "${OLD[$impl]}" "${VIP[$impl]}" && has_vip "${NEW[$impl]}" "${VIP[$impl]}" && BOTH[$impl]=1
  done
  for impl in "${order[@]}"; do
    T_HEAL[$impl]=$EPOCHREALTIME
    mono_cs "U_HEAL[$impl]"
    ip -n "$(ns br)" link set "p-${NEW[$impl]}" master br0
  done
  for impl in "${order[@]}"; do
    mono_cs now
    left=$(awk -v h="${U_HEAL[$impl]}" -v n="$now" -v m="$SETTLE_MAX" \
      'BEGIN {r = m - (n - h) / 100; printf "%.2f", (r > 0 ? r : 0)}')
    STUCK[$impl]=0
    wait_for "impl_ok $impl" "$left" || STUCK[$impl]=1
  done
  sleep "$QUIET"
  t_end=$EPOCHREALTIME
  step=0
  if wall_stepped; then
    step=1
    note "the wall clock was stepped during cut #$i: its times are void (clock_step=1)"
  fi
  for impl in "${IMPLS[@]}"; do
    old=${OLD[$impl]} new=${NEW[$impl]} vip=${VIP[$impl]}
    read -r split longest first <<<"$(sb overlap "$vip" "${T_CUT[$impl]}" "$t_end" "$old=$RUN/$old" "$new=$RUN/$new")"
    took=none
    [[ $first == none ]] || took=$(awk -v a="${T_CUT[$impl]}" -v b="$first" 'BEGIN {printf "%.3f", b - a}')
    one=$(vip_watch single "$vip" "${T_HEAL[$impl]}" "$t_end" "$old" "$new")
    cut_s=$(awk -v a="${T_CUT[$impl]}" -v b="${T_HEAL[$impl]}" 'BEGIN {printf "%.3f", b - a}')
    mlog=none alarm=none
    if [[ $impl != keepalived ]]; then
      if m1=$(log_at "$new" "${MN[$impl]}" " -> MASTER ") && m2=$(log_at "$new" "${MN[$impl]}" ": MASTER -> "); then
        mlog=$(awk -v a="$m1" -v b="$m2" 'BEGIN {printf "%.3f", b - a}')
      fi
    fi
    if [[ $impl == floatd+paths ]] && a=$(log_at "$new" "${MN[$impl]}" "path DOWN eth0"); then
      alarm=$(ms_between "${T_CUT[$impl]}" "$a")
    fi
    took_n=$(d_entered "$new" MASTER "${MN[$impl]}")
    tr=$(($(d_transitions "$old" "${MO[$impl]}") + $(d_transitions "$new" "${MN[$impl]}")))
    csv_row splitbrain.csv "$impl" "$ADV" "$i" "$cut_s" "${BOTH[$impl]}" "$split" "$longest" "$took" \
      "${one%% *}" "$mlog" "$took_n" "$alarm" "${STUCK[$impl]}" "$tr" "$step"
    note "$impl cut #$i (${cut_s} s): both held the VIP for $split s in all (longest $longest s," \
      "from $took s after the cut; at the heal: ${BOTH[$impl]}); one holder ${one%% *} ms after the heal;" \
      "Backup Master for $mlog s by its log, entered MASTER $took_n time(s); path alarm after $alarm ms;" \
      "stuck ${STUCK[$impl]}, $tr transitions"
  done
done

# ---------------------------------------------------------------------------------------------
note "b. the Master's eth0 down (ip link set eth0 down): $N_DOWN trials per implementation"
for ((i = 1; i <= N_DOWN; i++)); do
  order=("${IMPLS[@]:i%3}" "${IMPLS[@]:0:i%3}")
  for impl in "${order[@]}"; do
    old=${OLD[$impl]} new=${NEW[$impl]} vip=${VIP[$impl]} vrid=${VRID[$impl]}
    wait_for "impl_ok $impl" 15 || fail "$impl pair is not normal before link-down trial #$i"
    sleep 0.5
    mo=$(log_lines "$old")
    random_phase "$ADV"
    wall_mark
    t0=$EPOCHREALTIME
    link_down "$old"
    t1=$EPOCHREALTIME
    wait_for "has_vip $new $vip" "$(add_s "$MDI" 3)" ||
      fail "$impl: $new did not take $vip over within $(add_s "$MDI" 3) s of $old's link going down"
    sleep 0.3  # the gratuitous ARPs reach the capture
    t_end=$EPOCHREALTIME
    # The link event: the monitor's timestamp, clamped into [t0, t1] (it happened while
    # `ip link set` ran; the monitor reads it a little later).
    tl=$(sb linkdown "$RUN/$old.linkmon" "$(add_s "$t0" -0.001)" eth0)
    tl=$(awk -v t="$tl" -v a="$t0" -v b="$t1" 'BEGIN {if (t == "none") t = b; t += 0;
      printf "%.6f", (t < a ? a : (t > b ? b : t))}')
    garp=$(wire sb garp --new "$(router_mac "$new")" --vip "$vip" --after "$t0")
    vip_at=$(sb added "$vip" "$t0" "$RUN/$new")
    fault=none
    if [[ $impl != keepalived ]] && ft=$(log_at "$old" "$mo" " -> FAULT "); then fault=$(ms_between "$tl" "$ft"); fi
    if [[ $impl == floatd+paths ]]; then
      ref=$(sb prio0 "$RUN/hb.pcap" "$t0" "$(eth1_mac "$old")" "$vrid") proto=$SKEW kind=prio0_eth1
    else
      ref=none proto=$MDI kind=last_advert
      [[ $garp == none ]] || ref=$(sb lastadv "$RUN/sb.pcap" "$garp" "$(router_mac "$old")" "$vrid")
    fi
    proto_ms=$(awk -v p="$proto" 'BEGIN {printf "%.1f", p * 1000}')
    wire_ms=$(ms_between "$ref" "$garp")
    lat=none
    [[ $wire_ms == none ]] || lat=$(awk -v w="$wire_ms" -v p="$proto_ms" 'BEGIN {printf "%.3f", w - p}')
    late=$(sched_late_ms "$t0" "$t_end")
    step=0
    if wall_stepped; then
      step=1
      note "the wall clock was stepped during $impl link-down #$i: its times are void (clock_step=1)"
    fi
    csv_row linkdown.csv "$impl" "$ADV" "$i" "$(ms_between "$t0" "$t1")" "$(ms_between "$tl" "$garp")" \
      "$(ms_between "$tl" "$vip_at")" "$fault" "$kind" "$proto_ms" "$wire_ms" "$lat" "$late" "$step"
    note "$impl link-down #$i: $new's first gratuitous ARP $(ms_between "$tl" "$garp") ms after the link" \
      "went down, VIP on $new after $(ms_between "$tl" "$vip_at") ms; $old FAULT after $fault ms;" \
      "$kind to ARP $wire_ms ms (protocol $proto_ms ms, latency $lat ms); scheduler late $late ms"
    link_up "$old"
    wait_for "impl_ok $impl" 15 ||
      fail "$impl: not back to normal 15 s after $old's link came up ([$(d_state "$old") $(d_state "$new")], VIP on [$(vip_holders "$vip" "$old" "$new")])"
  done
done
capture_stop sb
capture_stop hb
pass
