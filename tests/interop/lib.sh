# shellcheck shell=bash disable=SC2034  # globals here are read by the scenarios
# The interop harness: floatd on the same wire as keepalived 2.2.7 and FRR 8.4.4 vrrpd. It
# sources tests/netns/lib.sh (lab_up, make_conf, start_floatd, wait_state, capture_*, cleanup)
# and adds keepalived and FRR in lab namespaces, state judged from outside each daemon, and
# assertions on the adverts seen on the wire.
#
# How each implementation's state is judged (see /work/shared/reference/lab-notes.md):
#   floatd      floatctl status (wait_state, as in the netns tests)
#   keepalived  MASTER = it holds the VIP (it removes VIPs in BACKUP and FAULT); its -D log has
#               1-second timestamps, so no timing is ever taken from it
#   FRR vrrpd   MASTER = its macvlan is up with carrier and without protodown (FRR keeps the VIP
#               on the macvlan in Backup and sets protodown; `show vrrp` keeps saying Master
#               when eth0 is down, so it is not used for state)
# and on the wire: a capture on the client's bridge port sees every multicast advert; takeover
# latency is the gap between kernel timestamps of the old master's last (or priority-0) advert
# and the new master's first advert.
#
# Scenario skeleton:
#   source "$(dirname "$0")/lib.sh"
#   interop_init "keepalived" "$@"     # root and keepalived, or exit 77 (SKIP)
#   lab_up 2
#   make_conf r1 priority=150; ka_conf r2 priority=100
#   start_floatd r1; start_keepalived r2
#   wait_role r1 MASTER 2; wait_role r2 BACKUP 1

# shellcheck source-path=SCRIPTDIR source=../netns/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../netns/lib.sh"

FRR_BIN=/usr/lib/frr
declare -A IMPL=()      # router -> floatd | keepalived | frr (what runs there now or last ran)
declare -A KA_PID=()    # router -> pid of keepalived's parent process
declare -A KA_VIP=()    # router -> the VIP whose presence says keepalived is MASTER
declare -A FRR_ZPID=()  # router -> zebra pid
declare -A FRR_VPID=()  # router -> vrrpd pid
declare -A FRR_MV=()    # router -> "vrrp4-VRID vrrp6-VRID" (the macvlans of its configuration)
declare -A FRR_V4=()    # router -> the IPv4 VIPs of its configuration (space separated)
declare -A FRR_V6=()    # router -> the IPv6 VIPs of its configuration (space separated)
INST=web                # the floatd instance wait_role looks at (make_conf's default)

# interop_init "TOOLS" FLOATD: root, and every tool in TOOLS (keepalived, frr) installed, or
# exit 77 (meson SKIP). tcpdump is needed by every scenario; a missing tcpdump fails the run.
interop_init() {
  local tools=$1 t
  shift
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: the interop scenarios need root (network namespaces, raw sockets)"
    exit 77
  fi
  for t in $tools; do
    case $t in
      keepalived) command -v keepalived >/dev/null || { echo "SKIP: keepalived is not installed"; exit 77; } ;;
      frr)
        if [[ ! -x $FRR_BIN/zebra || ! -x $FRR_BIN/vrrpd ]] || ! command -v vtysh >/dev/null ||
          ! id frr >/dev/null 2>&1; then
          echo "SKIP: frr (zebra, vrrpd, vtysh, user frr) is not installed"
          exit 77
        fi
        ;;
      tshark) command -v tshark >/dev/null || { echo "SKIP: tshark is not installed"; exit 77; } ;;
    esac
  done
  test_init "$@"
  _need tcpdump
}

# ---------------------------------------------------------------------------------------------
# floatd

# add_instance NAME [key=value ...]: appends one more [instance] (make_conf's keys; give it
# another instance=NAME) to RUN/NAME.conf, e.g. an IPv6 instance next to the IPv4 one.
add_instance() {
  local name=$1
  shift
  make_conf "$name.extra" "$@"
  sed -n '/^\[instance /,$p' "$RUN/$name.extra.conf" >>"$RUN/$name.conf"
  rm -f "$RUN/$name.extra.conf"
}

# ---------------------------------------------------------------------------------------------
# keepalived

# ka_conf NAME [key=value ...]: RUN/NAME.ka.conf, one vrrp_instance `web`. Keys (defaults):
# interface (eth0), vrid (51), priority (100), advert_int (0.1), version (3), state (BACKUP),
# vip (repeatable; $VIP4/24), preempt (yes; no writes nopreempt), unicast_src_ip, unicast_peer
# (repeatable), auth_pass (sets auth_type PASS, VRRPv2), use_vmac (yes), extra (one raw line,
# repeatable).
ka_conf() {
  local name=$1 kv key
  shift
  local -A val=([interface]=eth0 [vrid]=51 [priority]=100 [advert_int]=0.1 [version]=3
    [state]=BACKUP [preempt]=yes)
  local vips=() peers=() extra=()
  for kv in "$@"; do
    key=${kv%%=*}
    case $key in
      vip) vips+=("${kv#*=}") ;;
      unicast_peer) peers+=("${kv#*=}") ;;
      extra) extra+=("${kv#*=}") ;;
      interface | vrid | priority | advert_int | version | state | preempt | unicast_src_ip | \
        auth_pass | use_vmac) val[$key]=${kv#*=} ;;
      *) fail "ka_conf: unknown key $key" ;;
    esac
  done
  [[ ${#vips[@]} -gt 0 ]] || vips=("$VIP4/24")
  KA_VIP[$name]=${vips[0]%%/*}
  {
    printf 'global_defs {\n  router_id %s\n  vrrp_garp_master_delay 0\n}\n\n' "$name"
    printf 'vrrp_instance web {\n'
    printf '  state %s\n  interface %s\n  virtual_router_id %s\n  priority %s\n' \
      "${val[state]}" "${val[interface]}" "${val[vrid]}" "${val[priority]}"
    printf '  advert_int %s\n  version %s\n' "${val[advert_int]}" "${val[version]}"
    [[ ${val[preempt]} == no ]] && printf '  nopreempt\n'
    [[ ${val[use_vmac]:-no} == yes ]] && printf '  use_vmac\n'
    if [[ -n ${val[auth_pass]:-} ]]; then
      printf '  authentication {\n    auth_type PASS\n    auth_pass %s\n  }\n' "${val[auth_pass]}"
    fi
    [[ -n ${val[unicast_src_ip]:-} ]] && printf '  unicast_src_ip %s\n' "${val[unicast_src_ip]}"
    if [[ ${#peers[@]} -gt 0 ]]; then
      printf '  unicast_peer {\n'
      printf '    %s\n' "${peers[@]}"
      printf '  }\n'
    fi
    [[ ${#extra[@]} -eq 0 ]] || printf '  %s\n' "${extra[@]}"
    printf '  virtual_ipaddress {\n'
    printf '    %s\n' "${vips[@]}"
    printf '  }\n}\n'
  } >"$RUN/$name.ka.conf"
}

# start_keepalived NAME: keepalived (VRRP only, foreground, console log) in NAME's namespace,
# logging to RUN/NAME.log (appended); returns when its VRRP child runs and has entered a state.
start_keepalived() {
  local name=$1 log=$RUN/$1.log pid mark
  [[ -z ${KA_PID[$name]:-} ]] || fail "start_keepalived $name: keepalived already runs there"
  keepalived -t -f "$RUN/$name.ka.conf" >"$RUN/$name.ka.check" 2>&1 ||
    fail "keepalived -t refuses $RUN/$name.ka.conf: $(cat "$RUN/$name.ka.check")"
  rm -f "$RUN/$name.ka.pid" "$RUN/$name.ka-vrrp.pid"
  mark=$(log_lines "$name")
  printf '=== harness: keepalived started at +%ss ===\n' "$(_since "$LAB_T0")" >>"$log"
  ip netns exec "$(ns "$name")" keepalived -n -l -D -G -P -f "$RUN/$name.ka.conf" \
    -p "$RUN/$name.ka.pid" -r "$RUN/$name.ka-vrrp.pid" >>"$log" 2>&1 &
  pid=$!
  KA_PID[$name]=$pid
  IMPL[$name]=keepalived
  LAB_PIDS+=("$pid")
  local deadline=$((${EPOCHREALTIME/./} + 5000000))
  # grep -c, not -q: it reads everything, so the writer never dies of SIGPIPE (pipefail).
  until log_since "$name" "$mark" | grep -c 'Entering \(BACKUP\|MASTER\|FAULT\) STATE' >/dev/null; do
    _alive "$pid" || fail "keepalived in $name exited during startup"
    ((${EPOCHREALTIME/./} < deadline)) || fail "keepalived in $name: no VRRP state after 5 s"
    sleep 0.01
  done
}

# signal_keepalived NAME [SIGNAL]: to the parent process; returns at once.
signal_keepalived() {
  local pid=${KA_PID[$1]:-}
  [[ -n $pid ]] || fail "signal_keepalived $1: no keepalived runs there"
  kill "-${2:-TERM}" "$pid"
}

# reap_keepalived NAME: waits up to 5 s for keepalived (parent and VRRP child) to exit with 0.
reap_keepalived() {
  local name=$1 pid=${KA_PID[$1]:-} rc=0 child
  [[ -n $pid ]] || fail "reap_keepalived $name: no keepalived runs there"
  child=$(cat "$RUN/$name.ka-vrrp.pid" 2>/dev/null || true)
  _wait_gone 5 "$pid" ${child:+"$child"} || fail "keepalived in $name did not exit within 5 s"
  wait "$pid" || rc=$?
  unset "KA_PID[$name]"
  [[ $rc == 0 ]] || fail "keepalived in $name exited with status $rc"
}

stop_keepalived() {
  signal_keepalived "$1" TERM
  reap_keepalived "$1"
}

# ---------------------------------------------------------------------------------------------
# FRR (zebra + vrrpd)

# frr_conf NAME [key=value ...]: RUN/NAME.frr/vrrpd.conf, `vrrp VRID` on eth0. Keys (defaults):
# vrid (51), priority (100), advert_int (0.1, seconds; FRR takes milliseconds), version (3),
# preempt (yes), vip4 and vip6 (repeatable; default: vip4=$VIP4). A macvlan per family is made
# by start_frr.
frr_conf() {
  local name=$1 kv key dir=$RUN/$1.frr vrid
  shift
  local -A val=([vrid]=51 [priority]=100 [advert_int]=0.1 [version]=3 [preempt]=yes)
  local v4=() v6=()
  for kv in "$@"; do
    key=${kv%%=*}
    case $key in
      vip4) v4+=("${kv#*=}") ;;
      vip6) v6+=("${kv#*=}") ;;
      vrid | priority | advert_int | version | preempt) val[$key]=${kv#*=} ;;
      *) fail "frr_conf: unknown key $key" ;;
    esac
  done
  [[ ${#v4[@]} -gt 0 || ${#v6[@]} -gt 0 ]] || v4=("$VIP4")
  vrid=${val[vrid]}
  mkdir -p "$dir"
  chown frr:frr "$dir"
  FRR_MV[$name]=""
  [[ ${#v4[@]} -eq 0 ]] || FRR_MV[$name]+="vrrp4-$vrid "
  [[ ${#v6[@]} -eq 0 ]] || FRR_MV[$name]+="vrrp6-$vrid "
  FRR_V4[$name]="${v4[*]}" FRR_V6[$name]="${v6[*]}"
  {
    printf 'interface eth0\n'
    printf ' vrrp %s version %s\n' "$vrid" "${val[version]}"
    printf ' vrrp %s priority %s\n' "$vrid" "${val[priority]}"
    printf ' vrrp %s advertisement-interval %s\n' "$vrid" "$(ms "${val[advert_int]}")"
    [[ ${val[preempt]} == no ]] && printf ' no vrrp %s preempt\n' "$vrid"
    for kv in "${v4[@]}"; do printf ' vrrp %s ip %s\n' "$vrid" "$kv"; done
    for kv in "${v6[@]}"; do printf ' vrrp %s ipv6 %s\n' "$vrid" "$kv"; done
    printf '!\n'
  } >"$dir/vrrpd.conf"
  chown frr:frr "$dir/vrrpd.conf"
}

# start_frr NAME: the macvlans FRR needs (lab-notes: bridge mode, VMAC, addrgenmode random, the
# VIPs on them), the sysctls that keep the node from answering for the VIP with its real MAC,
# then zebra and vrrpd as user frr; returns when every configured family left Initialize.
start_frr() {
  local name=$1 dir=$RUN/$1.frr full mv vrid fam mac a
  full=$(ns "$name")
  [[ -z ${FRR_VPID[$name]:-} ]] || fail "start_frr $name: FRR already runs there"
  in_ns "$name" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
    net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2 \
    net.ipv4.conf.all.ignore_routes_with_linkdown=1 net.ipv6.conf.all.ignore_routes_with_linkdown=1
  for mv in ${FRR_MV[$name]}; do
    ip -n "$full" link show "$mv" >/dev/null 2>&1 && continue  # kept across restarts
    vrid=${mv#vrrp?-}
    fam=${mv:4:1}
    mac=$(printf '00:00:5e:00:0%d:%02x' $((fam == 4 ? 1 : 2)) "$vrid")
    ip -n "$full" link add link eth0 name "$mv" address "$mac" type macvlan mode bridge
    ip -n "$full" link set "$mv" addrgenmode random
    _quiet_ipv6 "$name" "$mv"
    ip -n "$full" link set "$mv" up
    if ((fam == 4)); then
      for a in ${FRR_V4[$name]}; do ip -n "$full" addr add "$a/24" dev "$mv"; done
    else
      for a in ${FRR_V6[$name]}; do ip -n "$full" addr add "$a/64" dev "$mv" nodad; done
    fi
  done
  IMPL[$name]=frr
  rm -f "$dir"/*.vty "$dir/zserv.api"
  printf '=== harness: FRR started at +%ss ===\n' "$(_since "$LAB_T0")" >>"$dir/vrrpd.log"
  chown frr:frr "$dir/vrrpd.log"
  ip netns exec "$full" "$FRR_BIN/zebra" -u frr -g frr -P 0 --vty_socket "$dir" \
    -z "$dir/zserv.api" -i "$dir/zebra.pid" --log "file:$dir/zebra.log" >>"$dir/zebra.out" 2>&1 &
  FRR_ZPID[$name]=$!
  LAB_PIDS+=("$!")
  wait_for "[[ -S '$dir/zserv.api' && -S '$dir/zebra.vty' ]]" 5 || fail "zebra in $name did not start"
  ip netns exec "$full" "$FRR_BIN/vrrpd" -u frr -g frr -P 0 --vty_socket "$dir" \
    -z "$dir/zserv.api" -i "$dir/vrrpd.pid" --log "file:$dir/vrrpd.log" \
    -f "$dir/vrrpd.conf" >>"$dir/vrrpd.out" 2>&1 &
  FRR_VPID[$name]=$!
  LAB_PIDS+=("$!")
  wait_for "[[ -S '$dir/vrrpd.vty' ]]" 5 || fail "vrrpd in $name did not start"
  for mv in ${FRR_MV[$name]}; do
    wait_for "frr_show $name | grep -c 'Status (v${mv:4:1}) *\\(Backup\\|Master\\)' >/dev/null" 5 ||
      fail "FRR in $name: the IPv${mv:4:1} router did not leave Initialize: $(frr_show "$name")"
  done
}

frr_vtysh() { vtysh --vty_socket "$RUN/$1.frr" "${@:2}" 2>&1; }
frr_show() { frr_vtysh "$1" -c "show vrrp"; }

# stop_frr NAME [SIGNAL]: vrrpd first (SIGTERM: it shuts its routers down), then zebra.
stop_frr() {
  local name=$1 sig=${2:-TERM}
  signal_frr "$name" "$sig"
  reap_frr "$name"
}

# signal_frr NAME [SIGNAL]: to vrrpd only; returns at once.
signal_frr() {
  [[ -n ${FRR_VPID[$1]:-} ]] || fail "signal_frr $1: FRR does not run there"
  kill "-${2:-TERM}" "${FRR_VPID[$1]}"
}

# reap_frr NAME: waits for vrrpd, then stops zebra.
reap_frr() {
  local name=$1
  _wait_gone 5 "${FRR_VPID[$name]}" || fail "vrrpd in $name did not exit within 5 s"
  wait "${FRR_VPID[$name]}" 2>/dev/null || true
  kill -TERM "${FRR_ZPID[$name]}" 2>/dev/null || true
  _wait_gone 5 "${FRR_ZPID[$name]}" || fail "zebra in $name did not exit within 5 s"
  wait "${FRR_ZPID[$name]}" 2>/dev/null || true
  unset "FRR_VPID[$name]" "FRR_ZPID[$name]"
}

# frr_state NAME [4|6]: MASTER (macvlan up, carrier, no protodown), BACKUP (protodown on) or
# DOWN (no carrier: eth0 is down).
frr_state() {
  local mv=vrrp${2:-4}-51 line
  for line in ${FRR_MV[$1]}; do [[ ${line:4:1} == "${2:-4}" ]] && mv=$line; done
  line=$(ip -n "$(ns "$1")" -d link show "$mv" 2>/dev/null) || { echo ABSENT; return; }
  if [[ $line == *"protodown on"* ]]; then
    echo BACKUP
  elif [[ $line == *LOWER_UP* && $line != *NO-CARRIER* ]]; then
    echo MASTER
  else
    echo DOWN
  fi
}

# ---------------------------------------------------------------------------------------------
# State of any implementation

# role NAME [FAMILY]: MASTER or something else (BACKUP, FAULT, DOWN, ...), judged as described
# at the top. FAMILY (4 or 6) picks FRR's macvlan; floatd looks at instance $INST.
role() {
  case ${IMPL[$1]:-floatd} in
    floatd) status_get "$1" "$INST" state 2>/dev/null || echo "<no floatd>" ;;
    keepalived) if has_vip "$1" "${KA_VIP[$1]}"; then echo MASTER; else echo BACKUP; fi ;;
    frr) frr_state "$1" "${2:-4}" ;;
  esac
}

# wait_role NAME ROLE TIMEOUT_S [T0] [FAMILY]: like wait_state for any implementation; sets
# WAIT_LO_MS and WAIT_HI_MS. For keepalived ROLE BACKUP means "does not hold the VIP".
wait_role() {
  local name=$1 want=$2 timeout=$3 t0=${4:-$EPOCHREALTIME} fam=${5:-4}
  if [[ ${IMPL[$name]:-floatd} == floatd ]]; then
    wait_state "$name" "$INST" "$want" "$timeout" "$t0"
    return
  fi
  local deadline=$((${EPOCHREALTIME/./} + $(_sec_to_us "$timeout"))) last=${t0/./} start seen
  while :; do
    start=${EPOCHREALTIME/./}
    seen=$(role "$name" "$fam")
    if [[ $seen == "$want" ]]; then
      WAIT_LO_MS=$(((last > ${t0/./} ? last - ${t0/./} : 0) / 1000))
      WAIT_HI_MS=$(((${EPOCHREALTIME/./} - ${t0/./}) / 1000))
      return 0
    fi
    last=$start
    ((${EPOCHREALTIME/./} < deadline)) || fail "$name (${IMPL[$name]}) did not become $want within $timeout s (last seen: $seen)"
    sleep 0.01
  done
}

# hold_role NAME ROLE SECONDS [FAMILY]: fails if NAME is anything else at any poll.
hold_role() {
  local name=$1 want=$2 fam=${4:-4} seen
  if [[ ${IMPL[$name]:-floatd} == floatd ]]; then
    hold_state "$name" "$INST" "$want" "$3"
    return
  fi
  local end=$((${EPOCHREALTIME/./} + $(_sec_to_us "$3")))
  while ((${EPOCHREALTIME/./} < end)); do
    seen=$(role "$name" "$fam")
    [[ $seen == "$want" ]] || fail "$name (${IMPL[$name]}) left $want during a $3 s hold: $seen"
    sleep 0.01
  done
}

assert_role() {
  local seen
  seen=$(role "$1" "${3:-4}")
  [[ $seen == "$2" ]] || fail "$1 (${IMPL[$1]:-floatd}) is $seen, expected $2"
}

# ---------------------------------------------------------------------------------------------
# The wire

# adv_src NAME [4|6]: the source address of NAME's adverts: its eth0 address, or for IPv6 the
# link-local address of eth0 (floatd, keepalived) or of FRR's IPv6 macvlan.
adv_src() {
  local name=$1 fam=${2:-4} dev=eth0 mv
  if [[ $fam == 4 ]]; then
    ip -n "$(ns "$name")" -4 -o addr show dev eth0 | awk '!f {split($4, a, "/"); print a[1]; f = 1}'
    return
  fi
  if [[ ${IMPL[$name]:-} == frr ]]; then
    for mv in ${FRR_MV[$name]}; do [[ $mv == vrrp6-* ]] && dev=$mv; done
  fi
  ip -n "$(ns "$name")" -6 -o addr show dev "$dev" scope link | awk '!f {split($4, a, "/"); print a[1]; f = 1}'
}

# adverts TAG: the VRRP adverts in RUN/TAG.pcap, one per line:
#   EPOCH SRC_MAC SRC DST VERSION VRID PRIO
adverts() {
  tcpdump -tt -e -n -r "$RUN/$1.pcap" 2>/dev/null | awk '
    / VRRPv[23], Advertisement/ {
      for (i = 3; i < NF; i++) if ($i == "length" && $(i + 1) ~ /:$/) break
      src = $(i + 2); dst = $(i + 4); sub(/:$/, "", dst)
      ver = $(i + 5); sub(/,$/, "", ver); sub(/^VRRPv/, "", ver)
      vrid = prio = ""
      for (j = i + 5; j < NF; j++) {
        if ($j == "vrid") { vrid = $(j + 1); sub(/,$/, "", vrid) }
        if ($j == "prio") { prio = $(j + 1); sub(/,$/, "", prio) }
      }
      print $1, $2, src, dst, ver, vrid, prio
    }'
}

# advert_times TAG SRC FROM [TO] [WHICH] [PICK]: the timestamps of SRC's adverts in (FROM, TO].
# WHICH: live (priority > 0, default), zero (priority 0), any. PICK: all (default), first, last.
# (Never `| head`: with pipefail, a writer cut off by SIGPIPE fails the whole pipeline.)
advert_times() {
  adverts "$1" | awk -v s="$2" -v f="$3" -v t="${4:-9e12}" -v w="${5:-live}" -v p="${6:-all}" '
    $3 == s && $1 > f && $1 <= t && (w == "any" || (w == "zero") == ($7 == 0)) {
      if (p == "all") print $1
      else if (p == "last" || r == "") r = $1
    }
    END {if (r != "") print r}'
}

# count_adverts TAG SRC FROM [TO] [WHICH]
count_adverts() { advert_times "$@" | wc -l; }

# assert_sole_sender TAG SRC FROM [TO] [MIN]: in (FROM, TO] SRC sent at least MIN (3) live
# adverts and nobody else sent a live advert for the VRID.
assert_sole_sender() {
  local tag=$1 src=$2 from=$3 to=${4:-9e12} min=${5:-3} others n
  n=$(count_adverts "$tag" "$src" "$from" "$to")
  others=$(adverts "$tag" | awk -v s="$src" -v f="$from" -v t="$to" \
    '$3 != s && $1 > f && $1 <= t && $7 > 0 {print $3 "@" $1}' | sort -u -t@ -k1,1 | tr '\n' ' ')
  [[ -z $others ]] || fail "$tag: adverts from others than $src after $from: $others"
  ((n >= min)) || fail "$tag: only $n adverts from $src after $from (want >= $min)"
}

# wire_takeover TAG OLD_SRC NEW_SRC T0 KIND TIMEOUT_S: waits for NEW_SRC's first live advert
# after T0, then sets TAKEOVER_MS, the gap on the wire between
#   KIND=graceful: OLD_SRC's priority-0 advert (which must exist) and that first advert;
#   KIND=death|preempt: OLD_SRC's last advert before it and that first advert.
# Also sets NEW_FIRST (epoch of that advert). Waits 3 more advert intervals (ADV) and checks
# that OLD_SRC stopped: for graceful/death none after NEW_FIRST, for preempt none later than
# one advert interval plus SLACK after it (the old master yields when it hears the new one).
wire_takeover() {
  local tag=$1 old=$2 new=$3 t0=$4 kind=$5 timeout=$6 ref late limit
  wait_for "[[ -n \$(advert_times '$tag' '$new' '$t0' 9e12 live first) ]]" "$timeout" ||
    fail "$tag: no advert from $new within $timeout s after the event; last seen: $(adverts "$tag" | tail -n 3 | tr '\n' ';')"
  NEW_FIRST=$(advert_times "$tag" "$new" "$t0" 9e12 live first)
  if [[ $kind == graceful ]]; then
    ref=$(advert_times "$tag" "$old" "$t0" "$NEW_FIRST" zero first)
    [[ -n $ref ]] || fail "$tag: no priority-0 advert from $old before $new took over"
  else
    ref=$(advert_times "$tag" "$old" 0 "$NEW_FIRST" any last)
    [[ -n $ref ]] || fail "$tag: no advert from $old before $new took over"
  fi
  TAKEOVER_MS=$(awk -v a="$ref" -v b="$NEW_FIRST" 'BEGIN {printf "%.1f", (b - a) * 1000}')
  sleep "$(add_s "$ADV" "$ADV" "$ADV" "$SLACK")"
  limit=$NEW_FIRST
  [[ $kind == preempt ]] && limit=$(add_s "$NEW_FIRST" "$ADV" "$SLACK")
  late=$(advert_times "$tag" "$old" "$limit" 9e12 any | tr '\n' ' ')
  [[ -z $late ]] || fail "$tag: $old still advertised after $new took over (at $NEW_FIRST): $late"
  assert_cmp "$(count_adverts "$tag" "$new" "$t0")" ">=" 3 "$tag: adverts from $new after the takeover"
}

# takeover OLD NEW KIND PRIO EVENT...: runs EVENT at a random phase of the advert cycle, then
# check_takeover for each family in $FAMS (default: $FAM) with use_family.
# check_takeover OLD NEW KIND PRIO T0: waits for NEW to be MASTER, checks the wire
# (wire_takeover on capture $WIRE) and that the client's neighbour entry for $VIP moved to NEW's
# MAC (NEW_MAC[NEW/FAM], NEW_MAC[NEW], or its eth0 MAC) without a ping, so by NEW's gratuitous
# ARP / unsolicited NA; then that the client pings $VIP. KIND: graceful (the gap from OLD's
# priority-0 advert must be at most Skew_Time(PRIO) + SLACK), death (the gap from OLD's last
# advert must be Master_Down_Interval(PRIO) within [-20 ms, +SLACK]), preempt (NEW's first
# advert at most Master_Down_Interval(PRIO) + PREEMPT_SLACK after the event, or after NEW's
# start-up when the event started it: preempt_base; OLD yields).
# PRIO is NEW's priority; ADV the advert interval; VERSION (3) the VRRP version.
# NEIGH_FOLLOWS=no: NEW sends no announcement (FRR after a link flap), so the client's entry is
# flushed and re-resolved instead.
WIRE=wire VIP=$VIP4 FAM=4 FAMS="" VERSION=3 PREEMPT_SLACK=0.5 NEIGH_FOLLOWS=yes
PEER_SLACK=0.1  # SLACK when keepalived or FRR takes over: their timing is not under test
declare -A NEW_MAC=() ADV_SRC=() INST_OF=([4]=web [6]=web6)

# use_family 4|6: FAM, VIP ($VIP4/$VIP6), WIRE (capture w4/w6) and INST (INST_OF[FAM]) for
# scenarios that run both families at once.
use_family() {
  FAM=$1 WIRE=w$1 INST=${INST_OF[$1]}
  if [[ $1 == 4 ]]; then VIP=$VIP4; else VIP=$VIP6; fi
}

takeover() {
  local old=$1 new=$2 kind=$3 prio=$4 t0 f fams=${FAMS:-$FAM}
  shift 4
  for f in $fams; do  # before the event and kept: a link down removes IPv6 addresses
    [[ -n ${ADV_SRC[$old/$f]:-} ]] || ADV_SRC[$old/$f]=$(adv_src "$old" "$f")
    [[ -n ${ADV_SRC[$new/$f]:-} ]] || ADV_SRC[$new/$f]=$(adv_src "$new" "$f")
    [[ -n ${ADV_SRC[$old/$f]} && -n ${ADV_SRC[$new/$f]} ]] ||
      fail "takeover: no IPv$f advert source for $old or $new"
  done
  random_phase "$ADV"
  t0=$EPOCHREALTIME
  "$@"
  EVENT_DONE=$EPOCHREALTIME EVENT_CMD=$1
  if [[ -z $FAMS ]]; then
    check_takeover "$old" "$new" "$kind" "$prio" "$t0"
  else
    for f in $fams; do
      use_family "$f"
      check_takeover "$old" "$new" "$kind" "$prio" "$t0"
    done
  fi
}

# preempt_base NEW T0: sets PREEMPT_AT, when NEW's Master_Down_Timer started, for the
# preemption bound, and PREEMPT_BASIS, what that time is. A router the event started counts from its own start-up,
# which is outside work and not under test: floatd from its own log ("web: INIT -> BACKUP",
# its clock); keepalived and FRR from when start_keepalived/start_frr returned (EVENT_DONE),
# which is after they left Initialize, so the bound is never tighter than the truth. Any
# other event (a link coming up) counts from T0, taken just before it.
PREEMPT_AT="" PREEMPT_BASIS=""
preempt_base() {
  local new=$1 t0=$2
  case ${EVENT_CMD:-} in
    start_floatd)
      PREEMPT_AT=$(log_at "$new" "$(started_mark "$new")" "$INST: INIT -> BACKUP") ||
        fail "preemption: floatd in $new never logged '$INST: INIT -> BACKUP'"
      PREEMPT_BASIS="floatd's '$INST: INIT -> BACKUP'" ;;
    start_keepalived | start_frr)
      PREEMPT_AT=$EVENT_DONE
      PREEMPT_BASIS="${IMPL[$new]} was up ($EVENT_CMD returned $(awk -v a="$t0" -v b="$EVENT_DONE" 'BEGIN {printf "%.0f", (b - a) * 1000}') ms after the event)" ;;
    *)
      PREEMPT_AT=$t0
      PREEMPT_BASIS="the event" ;;
  esac
}

check_takeover() {
  local old=$1 new=$2 kind=$3 prio=$4 t0=$5 bound lo=0 mdi skew took mac what slack=$SLACK
  [[ ${IMPL[$new]} == floatd ]] || slack=$PEER_SLACK
  mdi=$(master_down_interval "$ADV" "$prio" "$VERSION")
  skew=$(skew_time "$ADV" "$prio" "$VERSION")
  if [[ ${IMPL[$new]} == frr && $FAM == 6 ]]; then
    # FRR 8.4.4's IPv6 router sends its first advert as Master one interval late: at the
    # transition vrrpd logs "Failed to find address to bind on vrrp6-51" (the macvlan keeps its
    # link-local address; it is still protodown/no-carrier then) and its first advert leaves at
    # the next Adver_Timer. The IPv4 router of the same VRID takes over on time.
    skew=$(add_s "$skew" "$ADV") mdi=$(add_s "$mdi" "$ADV")
  fi
  wait_role "$new" MASTER "$(add_s "$mdi" 2)" "$t0" "$FAM"
  took="${WAIT_LO_MS}-${WAIT_HI_MS}"
  wire_takeover "$WIRE" "${ADV_SRC[$old/$FAM]}" "${ADV_SRC[$new/$FAM]}" "$t0" "$kind" \
    "$(add_s "$mdi" 2)"
  case $kind in
    graceful) bound=$(add_s "$skew" "$slack") what="from ${IMPL[$old]}'s priority-0 advert" ;;
    death) bound=$(add_s "$mdi" "$slack") lo=$(add_s "$mdi" -0.02) what="from ${IMPL[$old]}'s last advert" ;;
    preempt)
      bound=$(add_s "$ADV" "$slack")  # the old master advertises until it hears the new one
      what="from ${IMPL[$old]}'s last advert; $(awk -v a="$t0" -v b="$NEW_FIRST" 'BEGIN {printf "%.0f", (b - a) * 1000}') ms from the event"
      preempt_base "$new" "$t0"
      assert_cmp "$NEW_FIRST" "<=" "$(add_s "$PREEMPT_AT" "$mdi" "$PREEMPT_SLACK")" \
        "preemption: ${IMPL[$new]}'s first advert later than Master_Down_Interval + $PREEMPT_SLACK s after $PREEMPT_BASIS"
      ;;
  esac
  step "$kind (IPv$FAM): ${IMPL[$new]} ($new) MASTER ${took} ms after the event; on the wire" \
    "${TAKEOVER_MS} ms $what (bound $(ms "$bound") ms)"
  TAKEOVER_LOG+=("$kind ${IMPL[$old]}->${IMPL[$new]} ADV=$ADV v$VERSION/ipv$FAM: ${TAKEOVER_MS} ms $what")
  assert_cmp "$TAKEOVER_MS" "<=" "$(ms "$bound")" "$kind takeover on the wire (ms)"
  assert_cmp "$TAKEOVER_MS" ">=" "$(ms "$lo")" "$kind takeover on the wire (ms)"
  [[ $kind != preempt ]] || wait_role "$old" BACKUP 1 "" "$FAM"
  mac=${NEW_MAC[$new/$FAM]:-${NEW_MAC[$new]:-$(router_mac "$new")}}
  if [[ $NEIGH_FOLLOWS == yes ]]; then
    wait_for "[[ \$(neighbour_mac $VIP) == $mac ]]" 1 ||
      fail "the client's entry for $VIP is '$(neighbour_mac "$VIP")', not $new's $mac"
  else
    flush_neighbours
  fi
  wait_for "client_ping $VIP" 2 || fail "the client cannot ping $VIP through $new"
  assert_eq "$(neighbour_mac "$VIP")" "$mac" "the client's entry for $VIP"
}
TAKEOVER_LOG=()
takeover_summary() {
  local l
  for l in "${TAKEOVER_LOG[@]}"; do step "takeover $l"; done
}

# tshark_checksums PCAP V3_AS_V2 [DISPLAY_FILTER]: the VRRP checksum status of each advert as
# tshark's dissector sees it (vrrp.v3_checksum_as_in_v2 = TRUE|FALSE), summarised as
# "N good M bad K other".
tshark_checksums() {
  _need tshark
  tshark -n -r "$1" -o "vrrp.v3_checksum_as_in_v2:$2" -Y "vrrp${3:+ && ($3)}" \
    -T fields -e vrrp.checksum.status 2>/dev/null | awk '
    $1 == 1 {g++} $1 == 0 {b++} $1 != 0 && $1 != 1 {o++}
    END {printf "%d good %d bad %d other\n", g, b, o}'
}

# ---------------------------------------------------------------------------------------------
# Failure report: the netns dump, plus keepalived and FRR.

eval "$(declare -f _dump_lab | sed '1s/_dump_lab/_netns_dump_lab/')"
_dump_lab() {
  local r d f
  _netns_dump_lab
  for r in "${!IMPL[@]}"; do
    printf '\n===== %s runs %s; role: %s\n' "$r" "${IMPL[$r]}" "$(role "$r" 2>&1)"
    if [[ ${IMPL[$r]} == frr ]]; then
      d=$RUN/$r.frr
      ip -n "$(ns "$r")" -d link show 2>&1 | grep -A1 vrrp | sed 's/^/  /'
      frr_show "$r" | sed -n '1,40s/^/  /p'
      for f in vrrpd.log vrrpd.out zebra.out; do
        [[ -s $d/$f ]] && { echo "$f (last 30 lines):"; tail -n 30 "$d/$f" | sed 's/^/  /'; }
      done
    fi
  done
  for r in "${!CAP_PID[@]}"; do
    printf '\n===== capture %s (last 15 adverts)\n' "$r"
    adverts "$r" | tail -n 15 | sed 's/^/  /'
  done
}
