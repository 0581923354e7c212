# shellcheck shell=bash disable=SC2034  # globals here are read by the scenarios
# The network-namespace harness: sourced by every tests/netns/t_*.sh scenario and by
# scripts/demo.sh. It runs the real floatd between namespaces and asserts with polls.
#
# A lab is one namespace holding bridge br0 (no STP, no multicast snooping, so 224.0.0.18 and
# ff02::12 are flooded), N routers r1..rN and a client c. Each veth pair is created inside the
# bridge namespace and its far end goes straight into its router or client namespace as eth0,
# so nothing is ever created in the root namespace and no host interface is touched.
#
#   host  namespace       eth0 IPv4          eth0 IPv6              eth0 MAC
#   rK    <prefix>rK      192.168.100.(K+1)  2001:db8:100::(K+1)    02:fd:00:00:00:(K+1 hex)
#   c     <prefix>c       192.168.100.10     2001:db8:100::10       02:fd:00:00:00:0a
#   -     <prefix>br      br0 with ports p-r1 .. p-rN, p-c (IPv6 off: the bridge stays silent)
#
# Namespace names carry a per-run prefix (fdt<pid>- for tests), so parallel or leftover runs
# never collide. An EXIT/INT/TERM trap kills every process the run started (floatd, probes,
# tcpdump, packet generators) and deletes its namespaces, on success and on failure alike.
#
# Scenario skeleton:
#   source "$(dirname "$0")/lib.sh"
#   test_init "$@"                      # root or exit 77 (SKIP); $1 = path to floatd
#   lab_up 2
#   make_conf r1 priority=150; make_conf r2 priority=100
#   start_floatd r1; start_floatd r2
#   wait_state r1 web MASTER 2
#   pass
#
# Timing: wait_state reports WAIT_LO_MS/WAIT_HI_MS, the window in which the state changed, in
# ms after a reference time (an EPOCHREALTIME value taken just before the event). LO is the
# start of the last poll that still saw the old state, HI the end of the first poll that saw
# the new one. An upper bound is violated for sure only when LO exceeds it, a lower bound only
# when HI is below it: that is what assert_took_at_most/assert_took_at_least check.
#
# Protocol bounds are checked on floatd's own clock, never the harness's: log_took times the
# gap between two lines of floatd's logs (HH:MM:SS.mmm, the wall clock when floatd logged; all
# namespaces share it), from an instance's start-up ("web: INIT -> BACKUP") rather than from
# when the harness launched the process, or from a peer's "stopping" line rather than from the
# harness's kill. What the harness does itself (ip link set down, removing a file) is timed
# with log_took_since from an EPOCHREALTIME taken right after it. Process start-up, ip netns
# exec and floatctl polls on a loaded machine are then never counted against a 50 ms slack.

set -Eeuo pipefail
export LC_ALL=C  # EPOCHREALTIME and printf use '.' as the decimal point

NETNS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3  # not a pyenv shim: its startup costs 10x more per poll
[[ -x $PY ]] || PY=python3

LAB_PFX=""            # namespace prefix of this run, e.g. fdt1234-
LAB_NS=()             # namespaces this run created (full names), in creation order
LAB_PIDS=()           # background processes this run started
LAB_ROUTERS=()        # r1 .. rN
LAB_T0=""             # EPOCHREALTIME at lab_init, for step timestamps
RUN=""                # per-run directory: configs, logs, sockets, pid files, captures
FLOATD="" FLOATCTL=""
TEST_NAME=""
declare -A FD_PID=()    # router -> pid of its running floatd
declare -A FD_START=()  # router -> EPOCHREALTIME just before floatd was last started
declare -A FD_MARK=()   # router -> its log's line count before floatd was last started
declare -A FD_RC=()     # router -> exit status of its last floatd
declare -A CAP_PID=()   # capture name -> tcpdump pid
PROBE_PID=""
WAIT_LO_MS="" WAIT_HI_MS=""
PROBE_OUTAGE_MS="" PROBE_MAX_GAP_MS="" PROBE_TAIL_MS="" PROBE_LOST="" PROBE_SENT=""
LOG_TOOK_MS="" LOG_TOOK_TEXT=""  # log_took: the gap in ms, and the two lines it is between
LOG_TOOK_FROM="" LOG_TOOK_TO=""  # log_took: its two ends, epoch seconds

VIP4=192.168.100.100
VIP6=2001:db8:100::100
SLACK=0.05  # seconds allowed beyond a protocol bound (scheduling, polling)
START_S=5   # seconds start_floatd waits for the control socket to answer

# ---------------------------------------------------------------------------------------------
# Setup and teardown

# test_init FLOATD: the start of every scenario. Not root: exit 77, which meson shows as SKIP.
test_init() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: the netns scenarios need root (network namespaces, raw sockets)"
    exit 77
  fi
  if [[ $# -lt 1 || ! -x $1 ]]; then
    echo "usage: $0 PATH/TO/floatd" >&2
    exit 2
  fi
  TEST_NAME=$(basename "$0" .sh)
  lab_init fdt "$1"
}

# lab_init PREFIX FLOATD: per-run prefix and directory, cleanup traps.
lab_init() {
  local base=$1$$ cmd
  for cmd in ip bridge sysctl; do
    command -v "$cmd" >/dev/null || { echo "FAIL: $cmd is not installed" >&2; exit 1; }
  done
  FLOATD=$(realpath -e "$2")
  LAB_PFX=$base-
  while _prefix_in_use "$LAB_PFX"; do LAB_PFX=$base$RANDOM-; done  # a dead run with our pid
  RUN=$(mktemp -d "${TMPDIR:-/tmp}/$1$$.XXXXXX")
  chmod 755 "$RUN"
  # floatctl is the floatd binary under another name; the build puts a symlink next to it.
  FLOATCTL=$(dirname "$FLOATD")/floatctl
  if [[ ! -x $FLOATCTL ]]; then
    FLOATCTL=$RUN/floatctl
    ln -s "$FLOATD" "$FLOATCTL"
  fi
  _write_helper
  LAB_T0=$EPOCHREALTIME
  trap lab_cleanup EXIT
  sched_probe_start
  trap 'echo "interrupted (SIGINT): cleaning up" >&2; exit 130' INT
  trap 'echo "terminated (SIGTERM): cleaning up" >&2; exit 143' TERM
  trap '_on_err $? $LINENO "$BASH_COMMAND"' ERR
}

_prefix_in_use() {
  grep -q "^$1" <<<"$(ip netns list | awk '{print $1}')"  # no pipe into grep -q (pipefail)
}

# ns NAME: the full namespace name of lab host NAME (r1, c, br).
ns() { echo "$LAB_PFX$1"; }

# in_ns NAME CMD...: run CMD inside lab host NAME.
in_ns() {
  local name=$1
  shift
  ip netns exec "$LAB_PFX$name" "$@"
}

_ns_add() {
  ip netns add "$LAB_PFX$1"
  LAB_NS+=("$LAB_PFX$1")
  ip -n "$LAB_PFX$1" link set lo up
}

# pair_up ADV [KEY=VALUE...]: the usual pair, on a lab of two routers: r1 (priority 150) MASTER
# and r2 (100) BACKUP at advert_int ADV, instance web, both started and settled. The KEY=VALUEs
# go to both configs (make_conf).
pair_up() {
  local adv=$1
  shift
  lab_up 2
  make_conf r1 priority=150 advert_int="$adv" "$@"
  make_conf r2 priority=100 advert_int="$adv" "$@"
  start_floatd r1
  start_floatd r2
  wait_state r1 web MASTER 2
  wait_state r2 web BACKUP 1
}

# lab_up N: the bridge, routers r1..rN and the client c; returns once the client reaches each.
lab_up() {
  local n=$1 i
  _ns_add br
  in_ns br sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$(ns br)" link add br0 type bridge stp_state 0 forward_delay 0 \
    mcast_snooping 0 mcast_querier 0
  ip -n "$(ns br)" link set br0 up
  for ((i = 1; i <= n; i++)); do
    _host_add "r$i" $((i + 1))
    LAB_ROUTERS+=("r$i")
  done
  _host_add c 10
  for ((i = 1; i <= n; i++)); do
    wait_for "client_ping 192.168.100.$((i + 1))" 5 ||
      fail "lab: the client cannot reach r$i over the bridge"
  done
}

# _host_add NAME OCTET: a namespace with eth0 on the bridge, quiet IPv6 (no DAD, RA, RS).
_host_add() {
  _ns_add "$1"
  _quiet_ipv6 "$1" all default
  eth0_recreate "$1" "$2"
}

_quiet_ipv6() {
  local name=$1 dev args=()
  shift
  for dev in "$@"; do
    args+=("net.ipv6.conf.$dev.accept_dad=0" "net.ipv6.conf.$dev.dad_transmits=0"
      "net.ipv6.conf.$dev.accept_ra=0" "net.ipv6.conf.$dev.router_solicitations=0")
  done
  in_ns "$name" sysctl -qw "${args[@]}"
}

# lab_cleanup: the EXIT trap. Stops everything this run started, deletes its namespaces.

# extra_ifaces K NAME...: eth1..ethK in each router NAME, ethI on bridge brI (in the bridge
# namespace, made like br0) with MAC 02:fd:00:00:I:OCTET and address 192.168.(100+I).OCTET/24,
# OCTET being eth0's last, and quiet IPv6: for scenarios of many instances (a VRID is unique
# per interface) and the bench.
extra_ifaces() {
  local k=$1 i r octet full
  shift
  for ((i = 1; i <= k; i++)); do
    if ! ip -n "$(ns br)" link show "br$i" >/dev/null 2>&1; then
      ip -n "$(ns br)" link add "br$i" type bridge stp_state 0 forward_delay 0 \
        mcast_snooping 0 mcast_querier 0
      ip -n "$(ns br)" link set "br$i" up
    fi
    for r in "$@"; do
      full=$(ns "$r")
      octet=$(($(ip -n "$full" -4 -o addr show dev eth0 | awk '{split($4, a, "[./]"); print a[4]}')))
      ip -n "$(ns br)" link add "p$i-$r" type veth peer name "eth$i" netns "$full"
      ip -n "$(ns br)" link set "p$i-$r" master "br$i" up
      ip -n "$full" link set "eth$i" address "$(printf '02:fd:00:00:%02x:%02x' "$i" "$octet")"
      _quiet_ipv6 "$r" "eth$i"
      ip -n "$full" addr add "192.168.$((100 + i)).$octet/24" dev "eth$i"
      ip -n "$full" link set "eth$i" up
    done
  done
}

lab_cleanup() {
  local rc=$? pid name left
  trap - ERR INT TERM EXIT
  set +e
  for pid in "${LAB_PIDS[@]}"; do _alive "$pid" && kill -TERM "$pid" 2>/dev/null; done
  _wait_gone 2 "${LAB_PIDS[@]}" || for pid in "${LAB_PIDS[@]}"; do
    _alive "$pid" && kill -KILL "$pid" 2>/dev/null
  done
  # Anything else inside our namespaces can only be ours (a child of ip netns exec).
  for name in "${LAB_NS[@]}"; do
    for pid in $(ip netns pids "$name" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  wait "${LAB_PIDS[@]}" 2>/dev/null
  for ((pid = ${#LAB_NS[@]} - 1; pid >= 0; pid--)); do
    ip netns del "${LAB_NS[pid]}" 2>/dev/null
  done
  if [[ -n $LAB_PFX ]] && _prefix_in_use "$LAB_PFX"; then
    left=$(ip netns list | awk '{print $1}' | grep "^$LAB_PFX" | tr '\n' ' ')
    echo "FAIL: cleanup left namespaces behind: $left" >&2
    rc=1
  fi
  if [[ -n $RUN && -d $RUN ]]; then
    if [[ ${FLOATD_TEST_KEEP:-0} == 1 ]]; then
      echo "kept the run directory: $RUN" >&2
    else
      rm -rf "$RUN"
    fi
  fi
  exit "$rc"
}

# ---------------------------------------------------------------------------------------------
# floatd

# make_conf NAME [key=value ...]: writes RUN/NAME.conf with one instance, `web` by default.
# Keys given replace the defaults; unicast_peer and virtual_ipaddress may repeat. router_id is
# NAME. Keys with an empty value are left out (e.g. preempt=).
make_conf() {
  local name=$1 kv key
  shift
  local -A val=([instance]=web [interface]=eth0 [virtual_router_id]=51 [priority]=100
    [advert_int]=0.1 [version]=3 [preempt]=yes [virtual_ipaddress]=$VIP4/24
    [garp_master_delay]=0)
  local order=(interface virtual_router_id priority advert_int version preempt preempt_delay
    virtual_ipaddress unicast_src_ip use_vmac garp_master_delay)
  local extra=() vips=() peers=()
  for kv in "$@"; do
    key=${kv%%=*}
    case $key in
      virtual_ipaddress) vips+=("${kv#*=}") ;;
      unicast_peer) peers+=("${kv#*=}") ;;
      *)
        [[ -v "val[$key]" ]] || [[ " ${order[*]} " == *" $key "* ]] || extra+=("$key")
        val[$key]=${kv#*=}
        ;;
    esac
  done
  [[ ${#vips[@]} -gt 0 ]] || vips=("${val[virtual_ipaddress]}")
  {
    printf '[global]\nrouter_id = %s\n\n[instance %s]\n' "$name" "${val[instance]}"
    for key in "${order[@]}" "${extra[@]}"; do
      case $key in
        virtual_ipaddress) for kv in "${vips[@]}"; do printf '%s = %s\n' "$key" "$kv"; done ;;
        unicast_src_ip)
          if [[ -n ${val[$key]:-} ]]; then printf '%s = %s\n' "$key" "${val[$key]}"; fi
          for kv in "${peers[@]}"; do printf 'unicast_peer = %s\n' "$kv"; done
          ;;
        *) if [[ -n ${val[$key]:-} ]]; then printf '%s = %s\n' "$key" "${val[$key]}"; fi ;;
      esac
    done
  } >"$RUN/$name.conf"
}

# start_floatd NAME [CONF]: floatd in the foreground in NAME's namespace, logging to
# RUN/NAME.log (appended across restarts); returns when its control socket answers, which it
# must within START_S seconds (5 unless the scenario sets it: thousands of instances take
# longer). FLOATD_WRAP, if set, is a command (words) that floatd runs under.
start_floatd() {
  local name=$1 conf=${2:-$RUN/$1.conf} sock=$RUN/$1.sock log=$RUN/$1.log pid
  [[ -z ${FD_PID[$name]:-} ]] || fail "start_floatd $name: floatd already runs there"
  rm -f "$sock"
  FD_MARK[$name]=$(log_lines "$name")
  printf '=== harness: floatd started at +%ss ===\n' "$(_since "$LAB_T0")" >>"$log"
  FD_START[$name]=$EPOCHREALTIME
  # shellcheck disable=SC2086 # FLOATD_WRAP: words to run floatd under (e.g. setpriv ...)
  ip netns exec "$(ns "$name")" ${FLOATD_WRAP:-} "$FLOATD" -f "$conf" -l --pid-file "$RUN/$name.pid" \
    --control-socket "$sock" >>"$log" 2>&1 &
  pid=$!
  FD_PID[$name]=$pid
  LAB_PIDS+=("$pid")
  local deadline=$((${EPOCHREALTIME/./} + $(_sec_to_us "$START_S")))
  until "$FLOATCTL" -s "$sock" status --json >/dev/null 2>&1; do
    if ! _alive "$pid"; then
      _reap "$name"
      fail "floatd in $name exited (status ${FD_RC[$name]}) during startup"
    fi
    ((${EPOCHREALTIME/./} < deadline)) || fail "floatd in $name: no control socket after $START_S s"
    sleep 0.01
  done
}

# signal_floatd NAME [SIGNAL]: sends the signal and returns at once (for timing the takeover).
signal_floatd() {
  local pid=${FD_PID[$1]:-}
  [[ -n $pid ]] || fail "signal_floatd $1: no floatd runs there"
  kill "-${2:-TERM}" "$pid"
}

# reap_floatd NAME [EXPECTED_STATUS]: waits up to 5 s for floatd to exit; checks its status.
reap_floatd() {
  local name=$1 pid=${FD_PID[$1]:-}
  [[ -n $pid ]] || fail "reap_floatd $name: no floatd runs there"
  _wait_gone 5 "$pid" || fail "floatd in $name did not exit within 5 s"
  _reap "$name"
  if [[ $# -ge 2 && ${FD_RC[$name]} != "$2" ]]; then
    fail "floatd in $name exited with status ${FD_RC[$name]}, expected $2"
  fi
}

# stop_floatd NAME [SIGNAL]: SIGTERM (default) must end in status 0; SIGKILL in 137.
stop_floatd() {
  local sig=${2:-TERM} expect=""
  case $sig in TERM) expect=0 ;; KILL) expect=137 ;; esac
  signal_floatd "$1" "$sig"
  reap_floatd "$1" $expect
}

_reap() {
  local name=$1 pid=${FD_PID[$1]} rc=0
  wait "$pid" || rc=$?
  FD_RC[$name]=$rc
  unset "FD_PID[$name]"
}

floatd_running() { [[ -n ${FD_PID[$1]:-} ]] && _alive "${FD_PID[$1]}"; }

# _alive PID: running (a zombie child that exited but is not reaped counts as gone).
_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# _wait_gone SECONDS PID...: polls until none of the processes runs.
_wait_gone() {
  local deadline=$((${EPOCHREALTIME/./} + $(_sec_to_us "$1"))) pid
  shift
  while ((${EPOCHREALTIME/./} < deadline)); do
    for pid in "$@"; do _alive "$pid" && continue 2; done
    return 0
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Status (floatctl status --json) and waiting

# status_json NAME / status_text NAME: the control client's answer.
status_json() { "$FLOATCTL" -s "$RUN/$1.sock" status --json; }
status_text() { "$FLOATCTL" -s "$RUN/$1.sock" status; }

# status_get NAME INSTANCE FIELD: one field of one instance, FIELD like state or
# stats.drops.bad_ttl; lists print space separated.
status_get() {
  _need "$PY"
  "$PY" -I -S "$RUN/fdq.py" get "$FLOATCTL" "$RUN/$1.sock" "$2" "$3"
}

# wait_state NAME INSTANCE STATE TIMEOUT_S [T0]: polls floatctl every 10 ms. Sets WAIT_LO_MS
# and WAIT_HI_MS relative to T0 (an EPOCHREALTIME value; default: now). Fails on timeout.
wait_state() {
  local t0=${5:-$EPOCHREALTIME} out
  _need "$PY"
  if ! out=$("$PY" -I -S "$RUN/fdq.py" wait "$FLOATCTL" "$RUN/$1.sock" "$2" "$3" "$4" "$t0"); then
    fail "$1/$2 did not reach $3 within $4 s (last seen: ${out#timeout })"
  fi
  read -r _ WAIT_LO_MS WAIT_HI_MS <<<"$out"
}

# hold_state NAME INSTANCE STATE SECONDS: fails if the state is anything else at any poll.
hold_state() {
  local out
  _need "$PY"
  if ! out=$("$PY" -I -S "$RUN/fdq.py" hold "$FLOATCTL" "$RUN/$1.sock" "$2" "$3" "$4"); then
    fail "$1/$2 left $3 during a $4 s hold: $out"
  fi
}

# _need CMD: fails the run when a tool is missing (python3 and tcpdump only where used, so that
# the demo runs without them).
_need() { command -v "$1" >/dev/null || fail "$1 is not installed"; }

# wait_for CMD TIMEOUT_S: evaluates CMD every 10 ms until it succeeds; status 1 on timeout.
wait_for() {
  local cmd=$1 deadline=$((${EPOCHREALTIME/./} + $(_sec_to_us "$2")))
  until eval "$cmd"; do
    ((${EPOCHREALTIME/./} < deadline)) || return 1
    sleep 0.01
  done
}

# ---------------------------------------------------------------------------------------------
# The network

# has_vip NAME ADDR: ADDR is configured on any interface of NAME (eth0 or a VMAC).
has_vip() {
  ip -n "$(ns "$1")" -o addr show | awk -v a="$2" '{split($4, p, "/"); if (p[1] == a) f = 1}
    END {exit !f}'
}

# vip_holders ADDR [NAME...]: the routers (all by default) that have ADDR, space separated.
vip_holders() {
  local addr=$1 r out=()
  shift
  for r in "${@:-${LAB_ROUTERS[@]}}"; do has_vip "$r" "$addr" && out+=("$r"); done
  echo "${out[*]}"
}

# addr_proto NAME ADDR: the IFA_PROTO of ADDR in NAME (e.g. 0x66), "unset", or "absent".
# iproute2 6.1 neither sets nor shows it, so this reads netlink itself.
addr_proto() { _need "$PY" && in_ns "$1" "$PY" -I -S "$RUN/fdq.py" proto "$2"; }

link_down() { ip -n "$(ns "$1")" link set eth0 down; }  # host death (see lab-notes)
link_up() { ip -n "$(ns "$1")" link set eth0 up; }

# client_ping ADDR: one echo from the client, 1 s deadline.
client_ping() { in_ns c ping -c 1 -W 1 -q "$1" >/dev/null 2>&1; }

# neighbour_mac ADDR: the client's neighbour entry (ARP or ND) for ADDR, lowercase MAC or "".
neighbour_mac() {
  ip -n "$(ns c)" neigh show "$1" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'
}
flush_neighbours() { ip -n "$(ns c)" neigh flush dev eth0; }

# router_mac NAME: the MAC of NAME's eth0.
router_mac() { ip -n "$(ns "$1")" -o link show eth0 | awk '{for (i = 1; i < NF; i++) if ($i == "link/ether") print $(i + 1)}'; }

# cable_up: a direct cable (issue 11's heartbeat path), eth1 in r1 and r2, with addresses;
# returns once it carries.
# The two ends get different ifindexes: a veth whose ifindex equals its peer's (easily the case
# across namespaces) is not "urgent" to the kernel's linkwatch, whose carrier changes are then
# batched at most once a second for the whole host, so r2 would hear of the cut up to 1 s late.
cable_up() {
  ip -n "$(ns r1)" link add eth1 index 101 type veth peer name eth1 index 102 netns "$(ns r2)"
  _quiet_ipv6 r1 eth1
  _quiet_ipv6 r2 eth1
  ip -n "$(ns r1)" addr add 198.51.100.1/24 dev eth1
  ip -n "$(ns r2)" addr add 198.51.100.2/24 dev eth1
  ip -n "$(ns r1)" link set eth1 up
  ip -n "$(ns r2)" link set eth1 up
  wait_for "in_ns r1 ping -c 1 -W 1 -q 198.51.100.2 >/dev/null 2>&1" 5 ||
    fail "lab: r1 cannot reach r2 over eth1"
}

# isolate NAME... / unisolate NAME...: bridge port isolation. Isolated ports cannot reach each
# other but still reach every other port: a partition between routers, the client sees all.
# (This kernel has no tc drop action, and nft/ebtables are not installed.)
isolate() {
  local r
  for r in "$@"; do bridge -n "$(ns br)" link set dev "p-$r" isolated on; done
}
unisolate() {
  local r
  for r in "$@"; do bridge -n "$(ns br)" link set dev "p-$r" isolated off; done
}

# block_multicast NAME...: the bridge floods no multicast (224.0.0.18, ff02::12, ...) to NAME's
# port any more; unicast and broadcast (ARP) still arrive.
block_multicast() {
  local r
  for r in "$@"; do bridge -n "$(ns br)" link set dev "p-$r" mcast_flood off; done
}

# addr_monitor_start NAME: records NAME's address events (ip monitor address) in
# RUN/NAME.addrmon, to see changes too quick for polling. Returns once the monitor listens.
addr_monitor_start() {
  local pid full
  full=$(ns "$1")
  ip netns exec "$full" ip monitor address >"$RUN/$1.addrmon" 2>&1 &
  pid=$!
  LAB_PIDS+=("$pid")
  # Handshake: a marker address on lo, added and removed until the monitor reports it.
  local deadline=$((${EPOCHREALTIME/./} + 5000000))
  until grep -q 'inet 192.168.100.254/32' "$RUN/$1.addrmon"; do
    ((${EPOCHREALTIME/./} < deadline)) || fail "ip monitor in $1 did not start"
    ip -n "$full" addr add 192.168.100.254/32 dev lo
    ip -n "$full" addr del 192.168.100.254/32 dev lo
    sleep 0.02
  done
}

# addr_events NAME ADDR: the monitored events about ADDR, oldest first ("Deleted" marks removal).
addr_events() { grep -F " $2/" "$RUN/$1.addrmon" || true; }
# addrmon_lines NAME: a mark in NAME's address monitor; vip_added_since NAME MARK: how many
# times NAME's kernel added VIP4 after that mark (additions too brief for any poll count too).
addrmon_lines() { wc -l <"$RUN/$1.addrmon"; }
vip_added_since() {
  tail -n +"$(($2 + 1))" "$RUN/$1.addrmon" | grep -v '^Deleted' | grep -c -F " $VIP4/" || true
}

# capture_start TAG NAME FILTER: tcpdump on NAME's bridge port into RUN/TAG.pcap: every frame
# NAME sends, and what the bridge forwards to NAME.
capture_start() {
  local tag=$1 port=p-$2 filter=$3 pid
  _need tcpdump
  ip netns exec "$(ns br)" tcpdump -n -U --immediate-mode -i "$port" -w "$RUN/$tag.pcap" "$filter" \
    >"$RUN/$tag.tcpdump" 2>&1 &
  pid=$!
  CAP_PID[$tag]=$pid
  LAB_PIDS+=("$pid")
  wait_for "grep -qs 'listening on' '$RUN/$tag.tcpdump'" 5 || fail "tcpdump on $port did not start"
}

# capture_stop TAG: stops the capture; capture_read TAG prints it (one line per packet).
capture_stop() {
  local pid=${CAP_PID[$1]}
  kill -TERM "$pid" 2>/dev/null || true
  _wait_gone 2 "$pid" || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "CAP_PID[$1]"
}
capture_read() { tcpdump -n -r "$RUN/$1.pcap" 2>/dev/null; }
capture_read_e() { tcpdump -e -n -r "$RUN/$1.pcap" 2>/dev/null; }  # with MAC addresses

# ---------------------------------------------------------------------------------------------
# The outage probe (probe.c): ICMP echo every 1 ms from the client

_probe_build() {
  [[ -x $RUN/probe ]] && return
  command -v cc >/dev/null || fail "the outage probe needs a C compiler (cc)"
  cc -O2 -std=c11 -o "$RUN/probe" "$NETNS_DIR/probe.c" || fail "could not build the probe"
}

# probe_start ADDR: returns once the probe has its first reply. The probe runs at a real-time
# priority when chrt works here, so that a loaded machine's scheduling opens no gaps of its
# own (a busy 2-CPU host showed 10-27 ms between replies with no event, 5-9 ms with FIFO).
probe_start() {
  local rt=()
  chrt -f 10 true 2>/dev/null && rt=(chrt -f 10)
  _probe_build
  rm -f "$RUN/probe.ready"
  ip netns exec "$(ns c)" "${rt[@]}" "$RUN/probe" -r "$RUN/probe.ready" "$1" >"$RUN/probe.out" 2>&1 &
  PROBE_PID=$!
  PROBE_FROM=$EPOCHREALTIME
  LAB_PIDS+=("$PROBE_PID")
  wait_for "[[ -e '$RUN/probe.ready' ]]" 5 || fail "probe: no reply from $1 within 5 s"
}

# probe_stop: sets PROBE_OUTAGE_MS (the largest gap between replies, or the time since the last
# reply if that is longer), PROBE_MAX_GAP_MS, PROBE_TAIL_MS, PROBE_LOST, PROBE_SENT, and the
# outside lateness over the probe's run: PROBE_SEND_GAP_MS (its largest gap between sends),
# PROBE_SCHED_LATE_MS (sched_late_ms meanwhile) and PROBE_LATE_MS, the larger lateness beyond
# the 1 ms send interval, which a bound on the gap between replies allows on top
# (probe_late_text says which part it was).
probe_stop() {
  local line kv
  PROBE_TO=$EPOCHREALTIME
  kill -TERM "$PROBE_PID"
  _wait_gone 2 "$PROBE_PID" || fail "the probe did not stop on SIGTERM"
  wait "$PROBE_PID" || fail "probe failed: $(cat "$RUN/probe.out")"
  line=$(tail -n 1 "$RUN/probe.out")
  for kv in $line; do
    case $kv in
      sent=*) PROBE_SENT=${kv#*=} ;;
      lost=*) PROBE_LOST=${kv#*=} ;;
      max_gap_ms=*) PROBE_MAX_GAP_MS=${kv#*=} ;;
      tail_ms=*) PROBE_TAIL_MS=${kv#*=} ;;
      max_send_gap_ms=*) PROBE_SEND_GAP_MS=${kv#*=} ;;
    esac
  done
  PROBE_SCHED_LATE_MS=$(sched_late_ms "$PROBE_FROM" "$PROBE_TO")
  PROBE_LATE_MS=$(awk -v g="$PROBE_SEND_GAP_MS" -v s="$PROBE_SCHED_LATE_MS" \
    'BEGIN {g -= 1; if (g < 0) g = 0; printf "%.1f", (g > s ? g : s)}')
  PROBE_OUTAGE_MS=$(awk -v a="$PROBE_MAX_GAP_MS" -v b="$PROBE_TAIL_MS" \
    'BEGIN {print (a > b ? a : b)}')
}

# probe_late_text: the outside lateness of the last probe, for a failure message.
probe_late_text() {
  echo "${PROBE_LATE_MS} ms outside lateness (the probe's largest gap between sends" \
    "${PROBE_SEND_GAP_MS} ms at a 1 ms interval, the scheduler ${PROBE_SCHED_LATE_MS} ms late meanwhile)"
}

# ---------------------------------------------------------------------------------------------
# Protocol timing (RFC 5798 §6.1; RFC 3768 for v2), seconds as decimals

# skew_time ADVERT_INT PRIORITY [VERSION]
skew_time() {
  awk -v a="$1" -v p="$2" -v v="${3:-3}" \
    'BEGIN {printf "%.4f", v == 2 ? (256 - p) / 256 : (256 - p) * a / 256}'
}

# master_down_interval ADVERT_INT PRIORITY [VERSION]
master_down_interval() {
  awk -v a="$1" -v s="$(skew_time "$@")" 'BEGIN {printf "%.4f", 3 * a + s}'
}

# add_s A B ...: the sum of decimal seconds, e.g. add_s "$mdi" "$SLACK"
add_s() { awk 'BEGIN {for (i = 1; i < ARGC; i++) s += ARGV[i]; printf "%.4f", s}' "$@"; }

# ms SECONDS: "3.609" -> 3609
ms() { awk -v s="$1" 'BEGIN {printf "%.0f", s * 1000}'; }

_sec_to_us() {
  local s=$1 int frac=""
  int=${s%%.*}
  [[ $s == *.* ]] && frac=${s#*.}
  frac=${frac}000000
  echo $((10#${int:-0} * 1000000 + 10#${frac:0:6}))
}

# _since T0: seconds since an EPOCHREALTIME value, 3 decimals.
_since() {
  local d=$((${EPOCHREALTIME/./} - ${1/./}))
  printf '%d.%03d' $((d / 1000000)) $((d % 1000000 / 1000))
}

# random_phase ADVERT_INT: sleeps a random part of one advert interval, so that a failure lands
# anywhere in the advert cycle (lab-notes, "Measuring"). Not a wait for a condition.
random_phase() {
  sleep "$(awk -v a="$1" -v r="$RANDOM" 'BEGIN {printf "%.3f", a * r / 32768}')"
}

# ---------------------------------------------------------------------------------------------
# Logs

# log_lines NAME: lines in RUN/NAME.log so far (a mark for log_since).
log_lines() { if [[ -e $RUN/$1.log ]]; then wc -l <"$RUN/$1.log"; else echo 0; fi; }
# log_since NAME MARK: the log lines after MARK.
log_since() { tail -n "+$(($2 + 1))" "$RUN/$1.log"; }
# transitions_logged NAME [MARK]: how many state-transition lines ("A -> B") after MARK.
transitions_logged() { log_since "$1" "${2:-0}" | grep -c -- ' -> ' || true; }

# ---------------------------------------------------------------------------------------------
# Reporting and assertions

# step TEXT: a progress line with the time since the run started.
step() { printf '[%7ss] %s\n' "$(_since "$LAB_T0")" "$*"; }

pass() {
  step "PASS: ${TEST_NAME:-$0}"
  exit 0
}

# fail TEXT: prints TEXT, then each router's floatd state, addresses and log; exits 1.
fail() {
  trap - ERR
  if [[ -e $RUN/failed ]]; then exit 1; fi  # already reported (fail inside $(...))
  touch "$RUN/failed"
  {
    printf '\nFAIL: %s\n' "$*"
    printf '  at %s\n' "$(_where)"
    _dump_lab
  } >&2
  exit 1
}

_where() {
  local i out=()
  for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
    [[ ${FUNCNAME[i]} == fail || ${FUNCNAME[i]} == _on_err ]] && continue
    out+=("$(basename "${BASH_SOURCE[i]}"):${BASH_LINENO[i - 1]} ${FUNCNAME[i]}")
  done
  local IFS=' < '
  echo "${out[*]}"
}

_on_err() {
  local rc=$1 line=$2 cmd=$3 src
  if ((BASH_SUBSHELL > 0)); then exit "$rc"; fi  # the caller reports it
  src=$(sed -n "${line}p" "${BASH_SOURCE[1]}" 2>/dev/null | sed 's/^ *//')
  fail "status $rc from: ${src:-$cmd}"
}

_dump_lab() {
  local r pid
  for r in "${LAB_ROUTERS[@]}"; do
    printf '\n===== %s (%s)\n' "$r" "$(ns "$r")"
    pid=${FD_PID[$r]:-}
    if [[ -n $pid ]] && _alive "$pid"; then
      echo "floatd: running, pid $pid"
      status_text "$r" 2>&1 | sed 's/^/  /' || true
    elif [[ -n $pid ]]; then
      echo "floatd: exited (not reaped), pid $pid"
    else
      echo "floatd: not running (last exit status: ${FD_RC[$r]:-never started})"
    fi
    echo "addresses:"
    ip -n "$(ns "$r")" -br addr show 2>&1 | sed 's/^/  /'
    if [[ -s $RUN/$r.log ]]; then
      echo "log (last 40 lines of $RUN/$r.log):"
      tail -n 40 "$RUN/$r.log" | sed 's/^/  /'
    fi
  done
  if [[ ${#LAB_ROUTERS[@]} -gt 0 ]]; then
    printf '\n===== client neighbours\n'
    ip -n "$(ns c)" neigh show 2>&1 | sed 's/^/  /'
  fi
}

assert_state() {
  local got
  got=$(status_get "$1" "$2" state) || fail "$1: floatctl status failed"
  [[ $got == "$3" ]] || fail "$1/$2 is $got, expected $3"
}

# assert_status NAME INSTANCE FIELD EXPECTED: one field of floatctl status --json.
assert_status() {
  local got
  got=$(status_get "$1" "$2" "$3") || fail "$1: floatctl status failed"
  [[ $got == "$4" ]] || fail "$1/$2 status $3 is '$got', expected '$4'"
}

assert_vip() { has_vip "$1" "$2" || fail "$1 does not hold $2"; }
assert_no_vip() { ! has_vip "$1" "$2" || fail "$1 still holds $2"; }

# assert_holders ADDR "r1" [NAME...]: exactly the routers listed hold ADDR (among NAMEs).
assert_holders() {
  local addr=$1 want=$2 got
  shift 2
  got=$(vip_holders "$addr" "$@")
  [[ $got == "$want" ]] || fail "$addr is held by [${got}], expected [${want}]"
}

assert_eq() { [[ $1 == "$2" ]] || fail "${3:-values differ}: got '$1', expected '$2'"; }

# assert_cmp A OP B TEXT: numeric comparison (decimals allowed), OP one of < <= > >= ==.
assert_cmp() {
  awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
    if (op == "<") r = a < b; else if (op == "<=") r = a <= b; else if (op == ">") r = a > b
    else if (op == ">=") r = a >= b; else r = a == b
    exit !r }' ||
    fail "${4:-comparison}: $1 $2 $3 does not hold"
}

# assert_took_at_most LIMIT_S TEXT / assert_took_at_least LIMIT_S TEXT: about the last wait_state.
assert_took_at_most() {
  assert_cmp "$WAIT_LO_MS" "<=" "$(ms "$1")" \
    "${2:-takeover}: took ${WAIT_LO_MS}-${WAIT_HI_MS} ms, bound $(ms "$1") ms"
}
assert_took_at_least() {
  assert_cmp "$WAIT_HI_MS" ">=" "$(ms "$1")" \
    "${2:-takeover}: took ${WAIT_LO_MS}-${WAIT_HI_MS} ms, expected at least $(ms "$1") ms"
}

# ---------------------------------------------------------------------------------------------
# The Python helper: floatctl JSON polling with timestamps, and IFA_PROTO from netlink.

_write_helper() {
  cat >"$RUN/fdq.py" <<'PY'
import ipaddress, json, socket, struct, subprocess, sys, time

def status(ctl, sock, name=None):
    # With NAME, floatd writes that instance only: a poll costs the same at 1,000 instances.
    r = subprocess.run([ctl, "-s", sock, "status", "--json"] + ([name] if name else []),
                       capture_output=True, text=True, timeout=5)
    if r.returncode != 0:
        raise RuntimeError((r.stderr or r.stdout).strip() or f"floatctl status {r.returncode}")
    return json.loads(r.stdout)

def field(doc, name, path):
    for inst in doc["instances"]:
        if inst["name"] == name:
            v = inst
            for part in path.split("."):
                v = v[part]
            return v
    raise KeyError(f"no instance {name!r}")

def state(ctl, sock, name):
    try:
        return field(status(ctl, sock, name), name, "state")
    except Exception as e:  # not up yet, gone, bad JSON: the caller keeps polling
        return f"<{type(e).__name__}: {e}>"

def show(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return " ".join(show(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v)
    return str(v)

def ms(t):
    return f"{t * 1000:.0f}"

def wait(ctl, sock, name, want, timeout, t0):
    t0 = float(t0)
    deadline = time.time() + float(timeout)
    last_miss, seen = t0, "nothing"
    while True:
        start = time.time()
        seen = state(ctl, sock, name)
        end = time.time()
        if seen == want:
            print("ok", ms(max(last_miss - t0, 0)), ms(end - t0))
            return 0
        last_miss = start
        if end > deadline:
            print("timeout", seen)
            return 1
        time.sleep(0.01)

def hold(ctl, sock, name, want, seconds):
    begin = time.time()
    polls = 0
    while time.time() - begin < float(seconds):
        seen = state(ctl, sock, name)
        polls += 1
        if seen != want:
            print(f"{seen} after {ms(time.time() - begin)} ms")
            return 1
        time.sleep(0.01)
    print("ok", polls)
    return 0

def addresses(family=0):
    """Every address in this namespace: (address, prefix length, ifindex, IFA_PROTO or None)."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    # RTM_GETADDR dump: nlmsghdr + ifaddrmsg
    s.send(struct.pack("=IHHII", 24, 22, 0x301, 1, 0) + struct.pack("=BBBBI", family, 0, 0, 0, 0))
    while True:
        data = s.recv(1 << 16)
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if kind == 3:  # NLMSG_DONE
                return
            if kind == 2:  # NLMSG_ERROR
                raise OSError("netlink error")
            if kind == 20:  # RTM_NEWADDR: ifaddrmsg, then attributes
                _, plen, _, _, index = struct.unpack_from("=BBBBI", data, off + 16)
                attrs, a = {}, off + 24
                while a + 4 <= off + length:
                    alen, atype = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    attrs[atype] = data[a + 4:a + alen]
                    a += (alen + 3) & ~3
                raw = attrs.get(2) or attrs.get(1)  # IFA_LOCAL, else IFA_ADDRESS
                if raw:
                    mark = attrs[11][0] if 11 in attrs else None  # IFA_PROTO
                    yield ipaddress.ip_address(raw), plen, index, mark
            off += (length + 3) & ~3

def proto(addr):
    want = ipaddress.ip_address(addr)
    family = socket.AF_INET if want.version == 4 else socket.AF_INET6
    result = "absent"
    for address, _, _, mark in addresses(family):
        if address == want:
            result = "unset" if mark is None else f"0x{mark:02x}"
    print(result)
    return 0

def marked(want):
    for address, plen, index, mark in addresses():
        if mark == int(want, 16):
            print(f"{address}/{plen} {socket.if_indextoname(index)}")
    return 0

def logat(path, mark, text):
    """Epoch seconds of the first line after line MARK containing TEXT, from its HH:MM:SS.mmm
    stamp (local time): the day is the one that puts it nearest to now."""
    import datetime
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()[int(mark):]
    now = datetime.datetime.now()
    for line in lines:
        if text not in line or line[2:3] != ":" or line[5:6] != ":":
            continue
        h, m, s = line.split()[0].split(":")
        base = now.replace(hour=int(h), minute=int(m), second=0, microsecond=0)
        t = base.timestamp() + float(s)
        d = t - now.timestamp()
        if d > 43200:
            t -= 86400
        elif d < -43200:
            t += 86400
        print(f"{t:.3f}")
        return 0
    return 1

def main(argv):
    cmd = argv[1]
    if cmd == "logat":
        return logat(*argv[2:5])
    if cmd == "get":
        print(show(field(status(argv[2], argv[3], argv[4]), argv[4], argv[5])))
        return 0
    if cmd == "wait":
        return wait(*argv[2:8])
    if cmd == "hold":
        return hold(*argv[2:7])
    if cmd == "proto":
        return proto(argv[2])
    if cmd == "marked":
        return marked(argv[2])
    raise SystemExit(f"fdq.py: unknown command {cmd}")

sys.exit(main(sys.argv))
PY
}

# ---------------------------------------------------------------------------------------------
# Faults: the client's neighbour events, a re-created eth0, addresses by IFA_PROTO

# neigh_monitor_start: records the client's neighbour events with timestamps (ip -ts monitor
# neigh) in RUN/c.neighmon, to time changes too quick for polling. Returns once it listens.
neigh_monitor_start() {
  local pid full
  full=$(ns c)
  ip netns exec "$full" ip -ts monitor neigh >"$RUN/c.neighmon" 2>&1 &
  pid=$!
  LAB_PIDS+=("$pid")
  # Handshake: a marker entry, added and removed until the monitor reports it.
  local deadline=$((${EPOCHREALTIME/./} + 5000000))
  until grep -q '192.168.100.252 dev eth0 lladdr' "$RUN/c.neighmon"; do
    ((${EPOCHREALTIME/./} < deadline)) || fail "ip monitor neigh in the client did not start"
    ip -n "$full" neigh replace 192.168.100.252 lladdr 02:00:00:00:00:fe dev eth0 nud permanent
    ip -n "$full" neigh del 192.168.100.252 dev eth0
    sleep 0.02
  done
}

# neigh_changed_ms ADDR MAC T0 [T1]: ms from T0 (an EPOCHREALTIME) to the first neighbour event
# after T0 (and before T1, if given) that gives the client's entry for ADDR the lladdr MAC;
# status 1 if there is none.
neigh_changed_ms() {
  "$PY" -I -S -c '
import datetime, sys
path, addr, mac, t0 = sys.argv[1], sys.argv[2], sys.argv[3].lower(), float(sys.argv[4])
t1 = float(sys.argv[5]) if len(sys.argv) > 5 else float("inf")
for line in open(path):
    stamp, _, rest = line.partition("] ")
    words = rest.split()
    if not stamp.startswith("[") or not words or words[0] != addr or "lladdr" not in words:
        continue
    if words[words.index("lladdr") + 1].lower() != mac:
        continue
    t = datetime.datetime.strptime(stamp[1:], "%Y-%m-%dT%H:%M:%S.%f").timestamp()
    if t0 <= t < t1:
        print(f"{(t - t0) * 1000:.1f}")
        sys.exit(0)
sys.exit(1)' "$RUN/c.neighmon" "$@"
}

# eth0_recreate NAME OCTET: NAME's eth0, a veth whose peer is the bridge port p-NAME, with
# its MAC, addresses and quiet IPv6. lab_up makes it so; after `ip link del eth0` in NAME
# (which deletes the pair and so the port) it makes it again the same.
eth0_recreate() {
  local name=$1 octet=$2 full
  full=$(ns "$name")
  ip -n "$(ns br)" link add "p-$name" type veth peer name eth0 netns "$full"
  ip -n "$(ns br)" link set "p-$name" master br0 up
  ip -n "$full" link set eth0 address "$(printf '02:fd:00:00:00:%02x' "$octet")"
  _quiet_ipv6 "$name" eth0
  ip -n "$full" addr add "192.168.100.$octet/24" dev eth0
  ip -n "$full" addr add "2001:db8:100::$octet/64" dev eth0 nodad
  ip -n "$full" link set eth0 up
}

# proto_addresses NAME [PROTO]: the addresses (ADDR/LEN DEV) in NAME whose IFA_PROTO is PROTO
# (default 0x66, floatd's mark), one per line.
proto_addresses() { _need "$PY" && in_ns "$1" "$PY" -I -S "$RUN/fdq.py" marked "${2:-0x66}"; }

# log_ms NAME MARK TEXT T0: ms from T0 (an EPOCHREALTIME) to the time stamp (HH:MM:SS.mmm,
# local time, truncated to the ms) of the first line after MARK in NAME's log containing TEXT;
# status 1 if there is none. Precise where polling floatctl is not (10-100 ms per poll).
log_ms() {
  log_since "$1" "$2" | "$PY" -I -S -c '
import datetime, sys
text, t0 = sys.argv[1], float(sys.argv[2])
start = datetime.datetime.fromtimestamp(t0)
day = start.hour * 3600 + start.minute * 60 + start.second + start.microsecond / 1e6
for line in sys.stdin:
    if text not in line or line[2:3] != ":":
        continue
    h, m, s = line.split()[0].split(":")
    d = (int(h) * 3600 + int(m) * 60 + float(s) - day) % 86400
    print(f"{(d - 86400 if d > 43200 else d) * 1000:.0f}")
    sys.exit(0)
sys.exit(1)' "$3" "$4"
}

# log_at NAME MARK TEXT: the time (epoch seconds, ms precision) in the stamp of the first line
# after MARK in NAME's log that contains TEXT; status 1 if there is none yet.
log_at() {
  "$PY" -I -S "$RUN/fdq.py" logat "$RUN/$1.log" "$2" "$3"
}

# wait_logged NAME MARK TEXT [TIMEOUT_S]: polls for that line (default 2 s); sets LOGGED_AT
# and LOGGED_LINE. Fails on timeout.
LOGGED_AT="" LOGGED_LINE=""
wait_logged() {
  _need "$PY"
  wait_for "log_at '$1' '$2' '$3' >/dev/null" "${4:-2}" ||
    fail "$1 did not log '$3' (since its log line $2) within ${4:-2} s"
  LOGGED_AT=$(log_at "$1" "$2" "$3")
  LOGGED_LINE=$(log_since "$1" "$2" | grep -m 1 -F -- "$3")
}

# started_mark NAME: the log mark of floatd's last start in NAME (for log_took).
started_mark() { echo "${FD_MARK[$1]:?no floatd was started in $1}"; }

# log_took NAME1 MARK1 TEXT1 NAME2 MARK2 TEXT2: the time on floatd's own clock from the first
# line after MARK1 in NAME1's log containing TEXT1 to the first after MARK2 in NAME2's log
# containing TEXT2 (waits up to 2 s for each). Sets LOG_TOOK_MS and LOG_TOOK_TEXT (both lines).
log_took() {
  local from
  wait_logged "$1" "$2" "$3"
  from=$LOGGED_AT
  LOG_TOOK_TEXT="from $1 '$LOGGED_LINE'"
  wait_logged "$4" "$5" "$6"
  LOG_TOOK_TEXT+=" to $4 '$LOGGED_LINE'"
  LOG_TOOK_MS=$(awk -v a="$from" -v b="$LOGGED_AT" 'BEGIN {printf "%.0f", (b - a) * 1000}')
  LOG_TOOK_FROM=$from LOG_TOOK_TO=$LOGGED_AT
}

# log_took_since NAME MARK TEXT T0: like log_took, from T0 (an EPOCHREALTIME the harness took
# right after it caused the event) to floatd's line. The event happened before T0, so the true
# time is at least LOG_TOOK_MS: an upper bound that fails here fails for sure.
log_took_since() {
  wait_logged "$1" "$2" "$3"
  LOG_TOOK_TEXT="from the harness's action (until $(date -d "@$4" +%T.%3N)) to $1 '$LOGGED_LINE'"
  LOG_TOOK_MS=$(awk -v a="$4" -v b="$LOGGED_AT" 'BEGIN {printf "%.0f", (b - a) * 1000}')
  LOG_TOOK_FROM=$4 LOG_TOOK_TO=$LOGGED_AT
}

# sched_probe_start: measures the scheduler's lateness for the whole run, as the outside work
# that every timing bound includes: a process at floatd's priority sleeps 5 ms at a time and
# writes "EPOCH LATE_MS" to RUN/sched.late whenever it woke more than 2 ms late. lab_init
# starts it; cleanup ends it. sched_late_ms FROM TO: the worst lateness seen from 1 s before
# FROM to TO (epoch seconds), in whole ms, 0 when none.
sched_probe_start() {
  [[ -x $PY ]] || command -v "$PY" >/dev/null || return 0
  : >"$RUN/sched.late"
  "$PY" -I -S -u -c '
import sys, time
out = open(sys.argv[1], "a", buffering=1)
while True:
    t = time.monotonic()
    time.sleep(0.005)
    late = time.monotonic() - t - 0.005
    if late > 0.002:
        out.write(f"{time.time():.3f} {late * 1000:.0f}\n")' "$RUN/sched.late" &
  LAB_PIDS+=("$!")
}
sched_late_ms() {
  awk -v a="$1" -v b="$2" '$1 >= a - 1 && $1 <= b + 0.1 && $2 > m {m = $2} END {print m + 0}' \
    "$RUN/sched.late" 2>/dev/null || echo 0
}

# assert_log_took_at_most LIMIT_S TEXT / assert_log_took_at_least LIMIT_S TEXT: about the last
# log_took. Stamps are truncated to the ms, so each side allows 1 ms. The upper bound also
# allows the scheduler's lateness measured in this run over the same span (sched_late_ms), twice
# (a takeover is two wake-ups: the advert's arrival and the timer's expiry); the failure says
# which part was late.
assert_log_took_at_most() {
  local late bound
  late=$(sched_late_ms "$LOG_TOOK_FROM" "$LOG_TOOK_TO")
  bound=$(($(ms "$1") + 2 * late))
  assert_cmp "$LOG_TOOK_MS" "<=" "$((bound + 1))" \
    "${2:-takeover}: floatd took ${LOG_TOOK_MS} ms on its own clock, bound $(ms "$1") ms + 2 x ${late} ms (the scheduler's worst lateness measured meanwhile): floatd was late ($LOG_TOOK_TEXT)"
}
assert_log_took_at_least() {
  assert_cmp "$LOG_TOOK_MS" ">=" "$(($(ms "$1") - 1))" \
    "${2:-takeover}: floatd took ${LOG_TOOK_MS} ms on its own clock, expected at least $(ms "$1") ms ($LOG_TOOK_TEXT)"
}
