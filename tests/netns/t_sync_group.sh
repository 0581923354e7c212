#!/usr/bin/env bash
# A sync group of two instances, web (VRID 51) and db (VRID 52), on r1 (150) and r2 (100).
# On r1 only web tracks a weight-0 script; when it fails, web goes to FAULT and the group takes
# db along: both VIPs move to r2. When the script passes again both come back. The group's
# notify_master/notify_backup/notify_fault and notify commands (contrib/notify_example, the
# keepalived argument convention for `notify`, FLOATD_* for the others) log every group
# state, in order, on both routers.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=services.sh
source "$(dirname "$0")/services.sh"
test_init "$@"
_need "$PY"

adv=0.1
VIP_DB=192.168.100.101
lab_up 2
ok=$(router_dir r1)/web.ok
touch "$ok"

# write_conf NAME PRIORITY [TRACK]: instances web and db, the group g1 with its notify commands.
write_conf() {
  local name=$1 prio=$2 track=${3:-} ex=$CONTRIB/notify_example
  {
    printf '[global]\nrouter_id = %s\n' "$name"
    printf '\n[instance web]\ninterface = eth0\nvirtual_router_id = 51\npriority = %s\n' "$prio"
    printf 'advert_int = %s\nvirtual_ipaddress = %s/24\ngarp_master_delay = 0\n' $adv "$VIP4"
    printf 'notify = %s --log-file %s\n' "$ex" "$RUN/$name.inst"
    if [[ -n $track ]]; then printf 'track_script = chk_web\n'; fi
    printf '\n[instance db]\ninterface = eth0\nvirtual_router_id = 52\npriority = %s\n' "$prio"
    printf 'advert_int = %s\nvirtual_ipaddress = %s/24\ngarp_master_delay = 0\n' $adv "$VIP_DB"
    printf 'notify = %s --log-file %s\n' "$ex" "$RUN/$name.inst"
    printf '\n[sync_group g1]\ngroup = web db\n'
    printf 'notify_master = %s --log-file %s\n' "$ex" "$RUN/$name.group"
    printf 'notify_backup = %s --log-file %s\n' "$ex" "$RUN/$name.group"
    printf 'notify_fault = %s --log-file %s\n' "$ex" "$RUN/$name.group"
    printf 'notify = %s --log-file %s\n' "$ex" "$RUN/$name.group-args"
    if [[ -n $track ]]; then
      printf '\n[script chk_web]\nscript = %s -e %s\n' "$(type -P test)" "$ok"
      printf 'interval = 0.2\nfall = 2\nweight = 0\n'
    fi
  } >"$RUN/$name.conf"
}
write_conf r1 150 track
write_conf r2 100

# group_states NAME FILE: the states logged in RUN/NAME.FILE, space separated, oldest first.
group_states() {
  [[ -e $RUN/$1.$2 ]] || return 0
  awk '$2 == "GROUP" && $3 == "g1:" {
    s = $5; sub(/:$/, "", s); printf "%s%s", sep, s; sep = " " }' "$RUN/$1.$2"
}

# wait_group_log NAME STATES: both group logs of NAME read STATES (space separated).
wait_group_log() {
  wait_for "[[ \$(group_states $1 group) == '$2' && \$(group_states $1 group-args) == '$2' ]]" 5 ||
    fail "$1: group notify logs read [$(group_states "$1" group)] and" \
      "[$(group_states "$1" group-args)], expected [$2]"
}

step "start r1 (150, web tracks chk_web) and r2 (100); sync group g1 = web db"
start_floatd r1
start_floatd r2
for i in web db; do
  wait_state r1 "$i" MASTER 3
  wait_state r2 "$i" BACKUP 1
done
assert_holders "$VIP4" r1
assert_holders "$VIP_DB" r1
wait_group_log r1 "BACKUP MASTER"
wait_group_log r2 "BACKUP"
grep -q 'sync group g1: MASTER' "$RUN/r1.log" || fail "r1 did not log the group's MASTER state"

step "chk_web fails on r1: web FAULT, the group takes db along to r2"
random_phase 0.2
t0=$EPOCHREALTIME
rm "$ok"
for i in web db; do wait_state r2 "$i" MASTER 3 "$t0"; done
step "both instances MASTER on r2 within ${WAIT_HI_MS} ms of the check's file going" \
  "(fall 2 x interval 200 + Skew_Time $(ms "$(skew_time $adv 100)") + polling)"
wait_state r1 web FAULT 1
db_state=$(status_get r1 db state)
[[ $db_state == FAULT || $db_state == BACKUP ]] ||
  fail "r1/db is $db_state, expected FAULT or BACKUP"
assert_holders "$VIP4" r2
assert_holders "$VIP_DB" r2
wait_group_log r1 "BACKUP MASTER FAULT"
wait_group_log r2 "BACKUP MASTER"
step "r1/db is $db_state while web is in FAULT"

step "chk_web passes again: both instances return to r1"
t0=$EPOCHREALTIME
touch "$ok"
for i in web db; do wait_state r1 "$i" MASTER 3 "$t0"; done
for i in web db; do wait_state r2 "$i" BACKUP 1; done
assert_holders "$VIP4" r1
assert_holders "$VIP_DB" r1
wait_group_log r1 "BACKUP MASTER FAULT BACKUP MASTER"
wait_group_log r2 "BACKUP MASTER BACKUP"

# The instances' own notify lines (argument convention with a priority) are there too.
grep -q 'INSTANCE web: now MASTER (priority 150)' "$RUN/r1.inst" ||
  fail "no instance notify line for web on r1: $(cat "$RUN/r1.inst")"
grep -q 'INSTANCE db: now MASTER (priority 100)' "$RUN/r2.inst" ||
  fail "no instance notify line for db on r2: $(cat "$RUN/r2.inst")"
step "group notify log of r1:"
sed 's/^/    /' "$RUN/r1.group"
step "group notify log of r2:"
sed 's/^/    /' "$RUN/r2.group"
stop_floatd r1
stop_floatd r2
pass
