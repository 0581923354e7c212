#!/usr/bin/env bash
# The VRRPv3/IPv4 checksum forms (CK-3) between floatd and keepalived 2.2.7, advert_int 0.1:
#   default (v3_checksum_as_v2 = no): floatd's checksum covers the IPv4 pseudo-header, as
#   keepalived's and FRR's do (CK-3a): one master (t_keepalived_v3 and t_frr show the rest);
#   v3_checksum_as_v2 = yes on floatd alone (CK-3b, RFC 9568): keepalived 2.2.7 has no such
#   option and rejects floatd's adverts, floatd drops keepalived's: both become MASTER. This is
#   the documented incompatibility (floatd(8)); floatd counts the drops as checksum_form, not
#   bad_checksum.
# tshark's VRRP dissector checks every advert floatd sent (election, adverts, priority 0) in
# the form it claims: valid with vrrp.v3_checksum_as_in_v2 set to that form, invalid with the
# other one; keepalived's are valid in the pseudo-header form.
# covers: CK-3, CK-3a, CK-3b, CK-5, RX-6, RX-15, PKT-9
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
interop_init "keepalived tshark" "$@"

ADV=0.1
lab_up 2
src1=192.168.100.2 src2=192.168.100.3
ka_conf r2 priority=100 advert_int=$ADV
IMPL[r1]=floatd

# verdicts PCAP SRC: tshark's checksum verdicts on SRC's adverts, pseudo-header form then
# message-only form: "N good 0 bad 0 other|0 good N bad 0 other".
verdicts() {
  echo "$(tshark_checksums "$1" FALSE "ip.src == $2")|$(tshark_checksums "$1" TRUE "ip.src == $2")"
}

step "default: floatd r1 (150) and keepalived r2 (100) elect one master"
capture_start default c 'ip proto 112'
make_conf r1 priority=150 advert_int=$ADV
start_keepalived r2
start_floatd r1
wait_role r1 MASTER 2
wait_role r2 BACKUP 1
hold_role r2 BACKUP 1
stop_floatd r1  # its priority-0 advert is checked too
wait_role r2 MASTER 1
sleep 0.3
capture_stop default
n=$(count_adverts default $src1 0 9e12 any)
got=$(verdicts "$RUN/default.pcap" $src1)
step "  floatd sent $n adverts; tshark: pseudo-header form: ${got%|*}; message-only form: ${got#*|}"
assert_cmp "$(count_adverts default $src1 0 9e12 zero)" "==" 1 "floatd's priority-0 adverts"
assert_eq "$got" "$n good 0 bad 0 other|0 good $n bad 0 other" "tshark on floatd's default adverts"
n=$(count_adverts default $src2 0 9e12 any)
got=$(verdicts "$RUN/default.pcap" $src2)
step "  keepalived sent $n adverts; tshark: pseudo-header form: ${got%|*}"
assert_cmp "$n" ">=" 2 "keepalived's adverts"
assert_eq "${got%|*}" "$n good 0 bad 0 other" "tshark on keepalived's adverts"

step "v3_checksum_as_v2 = yes on floatd only: keepalived rejects floatd's adverts and vice versa"
capture_start asv2 c 'ip proto 112'
make_conf r1 priority=150 advert_int=$ADV v3_checksum_as_v2=yes
ka_mark=$(log_lines r2)
start_floatd r1
wait_role r1 MASTER "$(add_s "$(master_down_interval $ADV 150)" 1)"
t=$EPOCHREALTIME
hold_role r2 MASTER 1
assert_role r1 MASTER
assert_holders "$VIP4" "r1 r2"
assert_cmp "$(count_adverts asv2 $src1 "$t")" ">=" 5 "floatd's adverts while both are MASTER"
# keepalived 2.2.7 re-arms its advert timer on every advert it receives, even one it drops, so
# while floatd advertises every 0.1 s keepalived may send nothing for seconds: wait for floatd
# to have counted a few of its adverts rather than asserting a count in a fixed window.
wait_for "[[ \$(status_get r1 web stats.drops.checksum_form) -ge 3 ]]" 10 ||
  fail "floatd counted fewer than 3 checksum_form drops in 10 s"
# One snapshot of the counters: every drop is checksum_form, none bad_checksum.
drops=$(status_get r1 web stats | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
d = {k: v for k, v in s["drops"].items() if v}
print(s["drops_total"], d.get("checksum_form", 0), d.get("bad_checksum", 0), json.dumps(d))')
read -r total form bad _ <<<"$drops"
step "  floatd drops: ${drops#* * * }"
assert_cmp "$form" ">=" 3 "floatd's checksum_form drops"
assert_eq "$bad" 0 "floatd's bad_checksum drops"
assert_eq "$total" "$form" "floatd's drops other than checksum_form"
grep -q 'checksum is valid only in the other IPv4 form' "$RUN/r1.log" ||
  fail "floatd did not log the checksum form drop"
ka_says=$(log_since r2 "$ka_mark" | grep -i -m 1 'checksum' || true)
[[ -n $ka_says ]] || fail "keepalived logged no checksum error"
step "  floatd: checksum_form=$form bad_checksum=0; keepalived: ${ka_says#*: }"
stop_floatd r1
sleep 0.3
capture_stop asv2
n=$(count_adverts asv2 $src1 0 9e12 any)
got=$(verdicts "$RUN/asv2.pcap" $src1)
step "  floatd sent $n adverts; tshark: pseudo-header form: ${got%|*}; message-only form: ${got#*|}"
assert_cmp "$(count_adverts asv2 $src1 0 9e12 zero)" "==" 1 "floatd's priority-0 adverts"
assert_eq "$got" "0 good $n bad 0 other|$n good 0 bad 0 other" "tshark on floatd's v3_checksum_as_v2 adverts"
pass
