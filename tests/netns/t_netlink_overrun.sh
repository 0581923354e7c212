#!/usr/bin/env bash
# The link monitor overruns (issue 15): floatd on a lone router r1 (MASTER, VIPs A and B on
# eth0) is stopped with SIGSTOP while its VIPs are deleted by hand and thousands of unrelated
# addresses are added and deleted on its interfaces (IPv4 and IPv6 on eth0, IPv4 on lo), in
# rounds of 1,000 changes until the kernel counts notices dropped for floatd's monitor socket
# (the Drops column of /proc/PID/net/netlink). Then, unseen by floatd (its socket is congested:
# the kernel drops every notice until the queue is read empty), the admin adds B back by hand
# and an unrelated address stays. After SIGCONT, checked:
#   - floatd logs the overrun ("netlink overrun, re-reading every interface") and puts A back
#     (its own, marked with IFA_PROTO 0x66) within RESYNC_BOUND of that line, on its own clock;
#   - nothing missed: status --json's kernel report settles at nothing missing, extra or
#     failing, and the log has no failed repair; A is floatd's, B the admin's (unmarked), no
#     other address is marked 0x66, and r1 is still MASTER;
#   - the monitor hears again: A deleted by hand once more is put back, with no new overrun;
#   - on SIGTERM floatd removes A and leaves the admin's B.
# Reports the changes made, the notices the kernel dropped, the bytes queued, and the time
# from SIGCONT to the overrun line and from it to the repair.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
test_init "$@"

VIP4B=192.168.100.101
RESYNC_BOUND=1.0  # s from the overrun line to A's repair: a dump and one reconcile, far less
MAX_ROUNDS=40

# monitor_socket PID: "DROPS RMEM" of floatd's link monitor socket, from the kernel's table of
# netlink sockets in its namespace: the NETLINK_ROUTE socket among its descriptors that is
# subscribed to multicast groups (the link and address ones). DROPS counts the notices the
# kernel could not queue on it (netlink_overrun), RMEM the bytes queued.
monitor_socket() {
  local pid=$1 inodes
  inodes=$(find "/proc/$pid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n')
  awk -v list="$inodes" '
    BEGIN { n = split(list, a, "\n"); for (i = 1; i <= n; i++) if (a[i] != "") mine[a[i]] = 1 }
    NR == 1 { if ($9 != "Drops" || $10 != "Inode") exit 1; next }
    $2 == 0 && $4 != "00000000" && ($10 in mine) { print $9, $5 }' "/proc/$pid/net/netlink"
}

# churn_batch ROUND: 1,000 address changes for ip -batch: 500 addresses added and deleted again,
# by turns an IPv4 address on eth0, an IPv6 one on eth0 and an IPv4 one on lo, none in the
# VIPs' subnet.
churn_batch() {
  awk -v r="$1" 'BEGIN {
    for (i = 0; i < 500; i++) {
      c = r * 500 + i
      if (i % 3 == 0) a = sprintf("10.99.%d.%d/32 dev eth0", int(c / 250) % 250, c % 250 + 1)
      else if (i % 3 == 1) a = sprintf("2001:db8:99::%x/128 dev eth0", c + 1)
      else a = sprintf("10.98.%d.%d/32 dev lo", int(c / 250) % 250, c % 250 + 1)
      print "address add " a (i % 3 == 1 ? " nodad" : "")
      print "address del " a
    }
  }'
}

lab_up 1
make_conf r1 virtual_ipaddress="$VIP4/24" virtual_ipaddress="$VIP4B/24"
start_floatd r1
wait_state r1 web MASTER 2
wait_for "[[ \$(proto_addresses r1 | sort | paste -sd ' ' -) == '$VIP4/24 eth0 $VIP4B/24 eth0' ]]" 2 ||
  fail "r1 does not hold $VIP4 and $VIP4B as floatd's: $(proto_addresses r1 | paste -sd ' ' -)"
pid=${FD_PID[r1]}
sock=$(monitor_socket "$pid") || fail "unexpected /proc/$pid/net/netlink: $(head -n 1 "/proc/$pid/net/netlink")"
[[ -n $sock ]] || fail "no netlink socket with multicast groups among floatd's descriptors"
read -r drops0 _ <<<"$sock"

step "SIGSTOP floatd; its VIPs deleted by hand, then rounds of 1,000 address changes" \
  "until the kernel drops notices for its monitor"
mark=$(log_lines r1)
kill -STOP "$pid"
printf 'address del %s/24 dev eth0\naddress del %s/24 dev eth0\n' "$VIP4" "$VIP4B" >"$RUN/batch.first"
ip -n "$(ns r1)" -batch "$RUN/batch.first"
changes=2 rounds=0 drops=$drops0 rmem=0
while ((drops == drops0)); do
  if ((rounds == MAX_ROUNDS)); then
    kill -CONT "$pid"
    fail "no notice dropped for floatd's monitor after $changes address changes"
  fi
  churn_batch "$rounds" >"$RUN/batch.churn"
  ip -n "$(ns r1)" -batch "$RUN/batch.churn"
  rounds=$((rounds + 1)) changes=$((changes + 1000))
  read -r drops rmem <<<"$(monitor_socket "$pid")"
done
step "overrun after $changes changes ($rounds rounds): the kernel dropped $((drops - drops0)) notices, $rmem bytes queued for floatd"

# Unseen by floatd: its socket is congested until it has read the queue empty.
printf 'address add %s/24 dev eth0\naddress add 10.97.0.1/32 dev eth0\n' "$VIP4B" >"$RUN/batch.last"
ip -n "$(ns r1)" -batch "$RUN/batch.last"
changes=$((changes + 2))
read -r drops_last _ <<<"$(monitor_socket "$pid")"
assert_cmp "$((drops_last - drops))" ">=" 2 "notices dropped for the last two changes (the admin's $VIP4B and 10.97.0.1)"

step "SIGCONT: floatd resyncs"
t_cont=$EPOCHREALTIME  # just before: the time to the overrun line includes the resumption
kill -CONT "$pid"
wait_logged r1 "$mark" "netlink overrun, re-reading every interface" 5
log_took_since r1 "$mark" "netlink overrun, re-reading every interface" "$t_cont"
cont_ms=$LOG_TOOK_MS
log_took r1 "$mark" "netlink overrun, re-reading every interface" r1 "$mark" "added missing $VIP4/24 on eth0 (repair)"
resync_ms=$LOG_TOOK_MS
step "overrun logged ${cont_ms} ms after SIGCONT (outside work: the harness's clock);" \
  "$VIP4 put back ${resync_ms} ms after the overrun line (floatd's clock)"
assert_log_took_at_most "$RESYNC_BOUND" "the resync after the overrun"

kernel_report() {
  printf 'missing [%s] extra [%s] failing [%s]' "$(status_get r1 web kernel.missing)" \
    "$(status_get r1 web kernel.extra)" "$(status_get r1 web kernel.failing)"
}
wait_for "[[ \"\$(kernel_report)\" == 'missing [] extra [] failing []' ]]" 3 ||
  fail "after the resync floatd's kernel report is $(kernel_report), expected nothing missing, extra or failing"
assert_eq "$(addr_proto r1 "$VIP4")" 0x66 "IFA_PROTO of $VIP4 (floatd's, put back)"
assert_eq "$(addr_proto r1 "$VIP4B")" unset "IFA_PROTO of $VIP4B (the admin's now)"
assert_eq "$(proto_addresses r1 | paste -sd ' ' -)" "$VIP4/24 eth0" "addresses marked 0x66 in r1"
assert_state r1 web MASTER
! log_since r1 "$mark" | grep -e "cannot repair" -e "removed .* (floatd's, wanted by nobody)" ||
  fail "floatd failed a repair or found an address of its own unwanted after the resync"
overruns=$(log_since r1 "$mark" | grep -c "netlink overrun" || true)

step "the monitor hears again: $VIP4 deleted by hand once more is put back"
mark2=$(log_lines r1)
ip -n "$(ns r1)" addr del "$VIP4/24" dev eth0
wait_logged r1 "$mark2" "added missing $VIP4/24 on eth0 (repair)" 2
wait_for "[[ \$(addr_proto r1 $VIP4) == 0x66 ]]" 1 || fail "$VIP4 is $(addr_proto r1 "$VIP4") on r1"
wait_for "[[ \"\$(kernel_report)\" == 'missing [] extra [] failing []' ]]" 2 ||
  fail "after the second repair floatd's kernel report is $(kernel_report)"
! log_since r1 "$mark2" | grep -q "netlink overrun" || fail "a second overrun: $(log_since r1 "$mark2" | grep "netlink overrun")"

step "SIGTERM: floatd removes $VIP4 and leaves the admin's $VIP4B"
stop_floatd r1
assert_no_vip r1 "$VIP4"
assert_vip r1 "$VIP4B"
assert_eq "$(proto_addresses r1 | paste -sd ' ' -)" "" "addresses marked 0x66 in r1"
step "result: $changes address changes while floatd was stopped, $((drops_last - drops0))" \
  "notices dropped, $overruns overrun(s) logged; overrun line ${cont_ms} ms after SIGCONT," \
  "$VIP4 back ${resync_ms} ms after it (floatd's clock)"
pass
