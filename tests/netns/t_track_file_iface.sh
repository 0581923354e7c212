#!/usr/bin/env bash
# track_file and track_interface on the master r1 (150; r2 is 100):
#   track_file flag, weight -100: writing 1 drops r1 to 50 and r2 takes the VIP within its
#     Skew_Time of the write (floatd watches the file, it does not poll); writing 0 moves the
#     VIP back within one advert interval + r1's Skew_Time.
#   track_interface trk0 (a veth inside r1), weight 0: the link going down, by losing its
#     carrier (the peer goes down) or administratively, puts r1 in FAULT and r2 takes over
#     within its Skew_Time; the link coming back returns the VIP to r1.
#   The flag's directory does not exist when r1 starts and is made later; later it is removed
#     and made again (systemd's RuntimeDirectory=): the flag is followed through both. A FIFO
#     in the flag's place (held open by a writer) does not hang r1; a symbolic link to a file
#     that starts with "root:x:0:0" is not followed and its content is not logged.
# Times are from just before the action to the VIP's addition in the kernel (ip -ts monitor).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=services.sh
source "$(dirname "$0")/services.sh"
test_init "$@"
_need "$PY"

adv=0.1
lab_up 2
d=$(router_dir r1)
rundir=$d/run  # made after r1 starts
flag=$rundir/flag
ip -n "$(ns r1)" link add trk0 type veth peer name trk0p
ip -n "$(ns r1)" link set trk0 up
ip -n "$(ns r1)" link set trk0p up
make_conf r1 priority=150 advert_int=$adv
# Appended to [instance web], the last section make_conf writes (it takes one track_ line).
cat >>"$RUN/r1.conf" <<EOF
track_file = flag weight -100
track_interface = trk0

[track_file flag]
file = $flag
EOF
make_conf r2 priority=100 advert_int=$adv

step "start r1 (150, track_file flag weight -100, track_interface trk0) and r2 (100)"
start_floatd r1
start_floatd r2
wait_state r1 web MASTER 3
wait_state r2 web BACKUP 1
addr_ts_start r1
addr_ts_start r2
events_start r1

skew2=$(skew_time $adv 100)
skew1=$(skew_time $adv 150)
to_r2_bound=$(add_s "$skew2" "$SLACK")
to_r1_bound=$(add_s $adv "$skew1" "$SLACK")

# back_to_r1 TEXT T0: waits for r1 to take the VIP back; prints and checks the time.
back_to_r1() {
  wait_state r1 web MASTER 3 "$2"
  wait_addr_added r1 "$VIP4" "$2" 1
  wait_state r2 web BACKUP 1
  step "$1: VIP back on r1 after ${ADDED_MS} ms" \
    "(bound: advert_int + Skew_Time(150) + slack = $(ms "$to_r1_bound") ms)"
  assert_cmp "$ADDED_MS" "<=" "$(ms "$to_r1_bound")" "$1: VIP back on r1 (ms)"
  assert_holders "$VIP4" r1
}

# files_watched NAME: the first track file's directory is watched (floatctl status --json).
files_watched() {
  status_json "$1" | "$PY" -I -S -c \
    'import json, sys; sys.exit(0 if json.load(sys.stdin)["tracking"]["files"][0]["watched"] else 1)'
}

step "track_file: the flag's directory did not exist at start; it is made now"
files_watched r1 && fail "r1 says it watches $rundir, which does not exist"
mkdir "$rundir"
echo 0 >"$flag"
wait_for "files_watched r1" 2 || fail "r1 does not watch $rundir after it was made"

step "track_file: write 1"
random_phase $adv
t0=$EPOCHREALTIME
echo 1 >"$flag"
wait_addr_added r2 "$VIP4" "$t0" 2
file_ms=$ADDED_MS
step "track_file: VIP on r2 ${file_ms} ms after the write" \
  "(bound: Skew_Time(100) + slack = $(ms "$to_r2_bound") ms)"
wait_state r1 web BACKUP 1
assert_status r1 web effective_priority 50
assert_cmp "$file_ms" "<=" "$(ms "$to_r2_bound")" "track_file: VIP on r2 after the write (ms)"
events_of r1 priority | grep -q 'web: priority 150 -> 50' ||
  fail "no 'priority 150 -> 50' event on r1: $(cat "$RUN/r1.events")"
grep -q "track_file flag: $flag is now 1" "$RUN/r1.log" || fail "r1 did not log the new value 1"

step "track_file: write 0"
random_phase $adv
t0=$EPOCHREALTIME
echo 0 >"$flag"
back_to_r1 "track_file" "$t0"
file_back_ms=$ADDED_MS
assert_status r1 web effective_priority 150

step "track_file: the flag's directory is removed and made again, then the flag written"
rm -rf "$rundir"
mkdir "$rundir"
wait_for "files_watched r1" 2 || fail "r1 does not watch $rundir again after it was made again"
random_phase $adv
t0=$EPOCHREALTIME
echo 1 >"$flag"
wait_addr_added r2 "$VIP4" "$t0" 2
remade_ms=$ADDED_MS
# What this step checks is that the write is seen at all (the bound on how fast is the first
# write's above); floatd has no timer that re-reads the file, so only the new watch can see it.
step "track_file (re-made directory): VIP on r2 ${remade_ms} ms after the write"
wait_state r1 web BACKUP 1
assert_status r1 web effective_priority 50
echo 0 >"$flag"
wait_state r1 web MASTER 2

step "track_file: a FIFO held open by a writer in the flag's place does not hang r1"
rm -f "$flag"
mkfifo "$flag"
exec {fifo_fd}<>"$flag"  # a reader that blocks on open or read would wait for ever
wait_for "grep -q 'track_file flag: $flag is a FIFO, not a regular file' '$RUN/r1.log'" 2 ||
  fail "r1 did not log the FIFO in the flag's place"
timeout 2 "$FLOATCTL" -s "$RUN/r1.sock" status >/dev/null || fail "r1 does not answer floatctl"
assert_state r1 web MASTER
exec {fifo_fd}>&-
rm -f "$flag"

step "track_file: a symbolic link in the flag's place is not followed, its target not logged"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$d/passwd"
ln -s "$d/passwd" "$flag"
wait_for "grep -q 'track_file flag: $flag is a symbolic link, not followed' '$RUN/r1.log'" 2 ||
  fail "r1 did not log the symbolic link in the flag's place"
! grep -q 'root:x' "$RUN/r1.log" || fail "r1 logged the link target's content"
assert_status r1 web effective_priority 150
rm -f "$flag"

for how in carrier admin; do
  step "track_interface: trk0 down ($how)"
  random_phase $adv
  t0=$EPOCHREALTIME
  if [[ $how == carrier ]]; then
    ip -n "$(ns r1)" link set trk0p down  # trk0 stays up but loses its carrier
  else
    ip -n "$(ns r1)" link set trk0 down
  fi
  wait_addr_added r2 "$VIP4" "$t0" 2
  declare "iface_${how}_ms=$ADDED_MS"
  step "track_interface ($how): VIP on r2 ${ADDED_MS} ms after the link went down" \
    "(bound: Skew_Time(100) + slack = $(ms "$to_r2_bound") ms)"
  wait_state r1 web FAULT 1
  assert_cmp "$ADDED_MS" "<=" "$(ms "$to_r2_bound")" "track_interface ($how): VIP on r2 (ms)"
  assert_holders "$VIP4" r2

  step "track_interface: trk0 up again ($how)"
  t0=$EPOCHREALTIME
  if [[ $how == carrier ]]; then
    ip -n "$(ns r1)" link set trk0p up
  else
    ip -n "$(ns r1)" link set trk0 up
  fi
  back_to_r1 "track_interface ($how)" "$t0"
done

stop_floatd r1
stop_floatd r2
# shellcheck disable=SC2154  # iface_*_ms are set by declare above
step "measured: track_file 1 -> VIP on r2 ${file_ms} ms, 0 -> back on r1 ${file_back_ms} ms;" \
  "link down -> VIP on r2: ${iface_carrier_ms} ms (carrier), ${iface_admin_ms} ms (admin);" \
  "re-made directory, 1 -> VIP on r2 ${remade_ms} ms"
pass
