#!/usr/bin/env bash
# Experiment 7: advert loss. Four pairs in one lab of eight routers, all at once for
# LOSS_SECONDS (default 600; quick 20) at advert_int LOSS_ADV (0.1), each losing a share of
# its Master's adverts on the way into its Backup:
#   r1 (150, state MASTER)/r2 (100): floatd,     VRID 61, VIP .100, 1 % loss
#   r3 (150, state MASTER)/r4 (100): floatd,     VRID 62, VIP .101, 5 % loss
#   r5 (150, state MASTER)/r6 (100): keepalived, VRID 63, VIP .102, 1 % loss
#   r7 (150, state MASTER)/r8 (100): keepalived, VRID 64, VIP .103, 5 % loss
# (LOSS_PCTS, default "1 5": one floatd and one keepalived pair per value, in that order.)
# The loss: this kernel has no netem and no tc drop action, so nftables in the Backup's
# namespace drops each VRRP packet from its Master's address on input with probability P
# (`numgen random mod 100 < P`, independently per packet), before the daemon's raw socket sees
# it; counters give the adverts that arrived (seen) and those dropped; NFLOG gives every
# decision in order and a capture on the Backup's bridge port the kernel time of each advert
# (128 bytes a packet: about 1.5 MB per pair in 600 s): the exact loss pattern. Another counter on the Master's output gives the adverts it sent. A capture on the
# client's port of ARP and of the Backups' adverts only (a Backup sends none until it takes
# over: small) gives the gratuitous ARPs and the moments of the takeovers.
#
# What the protocol predicts (RFC 5798 §6.4.2): a Backup that received an advert at t = 0
# takes over at Master_Down_Interval = 3 * Advert_Interval + Skew_Time (for priority 100 at
# 0.1 s: 300 + 60.9 = 360.9 ms) unless another advert arrives first. The Master's next adverts
# come at 100, 200, 300, 400 ms: the first k = 3 fall before 360.9 ms and the 4th after it,
# so a takeover happens exactly when the 3 adverts after a received one are all lost (k is
# the number of advert times j * A < MDI; a 4th would count only if adverts came 39.1 ms
# early, and the 3rd fails to save the Backup only if it arrives more than 60.9 ms late, a
# scheduling delay that exp_fast.sh's load shows can happen at 0.01 s, not expected here).
# Each advert starts such a run with probability (1 - p) * p^k, so over N adverts sent the
# expected number of spurious takeovers is N * (1 - p) * p^k (≈ LOSS_SECONDS / A * p^3:
# 1 %: 0.006 in 600 s; 5 %: 0.71). One spurious takeover is counted as the Backup entering
# MASTER; it then comes back by itself: the Master never left MASTER (it hears a
# lower-priority Master and answers it, RFC 5798 §6.4.3; floatd at once, RFC 9568), and the
# Backup steps down on the Master's next advert it receives. So one spurious event is 2
# state changes of the Backup (BACKUP -> MASTER -> BACKUP) and none of the Master; both are
# counted (d_transitions) and the Master's should be 0.
# Besides that expectation, the loss pattern itself (bench/lossrun.py) gives the takeovers the
# protocol predicts for this very run: runs of k adverts dropped in a row after a passed one
# (runs), or gaps longer than MDI between passed adverts (gaps); and every takeover (the
# Backup's first advert as Master, on the wire: wire_takeovers) is checked against it: explained if it came at least MDI
# after the last advert that passed, unexplained (an early takeover: a daemon bug, or a
# scheduling delay) otherwise.
# Writes DATA/loss.csv. Fully independent of the other experiments (its own lab and
# namespace prefix, from bench_init), so it can run alongside them.
# Usage: exp_loss.sh FLOATD
# shellcheck source-path=SCRIPTDIR source=../tests/netns/lib.sh
source "$(dirname "$0")/../tests/netns/lib.sh"
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
bench_init loss "$1"
_need nft

ADV=${LOSS_ADV:-0.1}
PCTS=${LOSS_PCTS:-1 5}
SECS=${LOSS_SECONDS:-$([[ $QUICK == 1 ]] && echo 20 || echo 600)}
csv loss.csv impl,loss_pct,advert_int,seconds,vrid,k,mdi_ms,sent,seen,dropped,drop_pct,predicted_takeovers,runs,gaps,takeovers,wire_takeovers,explained,unexplained,min_gap_ms,misaligned,clock_steps,predicted_backup_transitions,backup_transitions,master_transitions,backup_garps,master_garps

# The pairs: PAIRS[i] = "impl pct master backup vrid vip".
PAIRS=()
n=0
for impl in floatd keepalived; do
  for pct in $PCTS; do
    PAIRS+=("$impl $pct r$((2 * n + 1)) r$((2 * n + 2)) $((61 + n)) 192.168.100.$((100 + n))")
    n=$((n + 1))
  done
done
((2 * n <= 8)) || fail "at most 4 pairs (8 routers: client at .10); LOSS_PCTS has too many values"
lab_up $((2 * n))
for p in "${PAIRS[@]}"; do
  read -r impl pct m b vrid vip <<<"$p"
  gen_conf "$impl" "$m" prio=150 state=MASTER adv="$ADV" vrid="$vrid" vip="$vip/24"
  gen_conf "$impl" "$b" prio=100 adv="$ADV" vrid="$vrid" vip="$vip/24"
  pair_start "$m" "$b"
done
sleep 1
for p in "${PAIRS[@]}"; do
  read -r impl pct m b vrid vip <<<"$p"
  pair_ok "$m" "$b" || fail "$impl pair $m/$b is not settled before the loss run"
done
# The window is the lifetime of the rules: the captures start before them and stop after the
# counters (which count from the rules' start) are read, so no timestamp window is needed and
# a step of the wall clock cannot upset the counts (its duration comes from /proc/uptime).
declare -A MARK=() CNT=()
for r in "${LAB_ROUTERS[@]}"; do MARK[$r]=$(log_lines "$r"); done
backups=""
for p in "${PAIRS[@]}"; do
  read -r impl pct m b vrid vip <<<"$p"
  backups+="${backups:+ or }src host $(router_ip "$b")"
  loss_log_start "$b" "$(router_ip "$m")"
done
capture_start garp c "arp or (ip proto 112 and ($backups))"
u0=$(uptime_s)
for p in "${PAIRS[@]}"; do
  read -r impl pct m b vrid vip <<<"$p"
  advert_sent "$m"
  advert_loss "$b" "$(router_ip "$m")" "$pct"
done
note "$SECS s at advert_int $ADV, loss of the Master's adverts into the Backup: $PCTS % (floatd and keepalived)"
# Progress once a minute: a long run shows what it has so far.
left=$SECS
while ((left > 0)); do
  step_s=$((left < 60 ? left : 60))
  sleep "$step_s"
  left=$((left - step_s))
  line=""
  for p in "${PAIRS[@]}"; do
    read -r impl pct m b vrid vip <<<"$p"
    line+=" $impl/$pct%: $(d_entered "$b" MASTER "${MARK[$b]}")"
  done
  note "$((SECS - left)) s: spurious takeovers so far:$line"
done
for p in "${PAIRS[@]}"; do
  read -r impl pct m b vrid vip <<<"$p"
  CNT[$m,sent]=$(nft_count "$m" sent)
  CNT[$b,seen]=$(nft_count "$b" seen)
  CNT[$b,dropped]=$(nft_count "$b" dropped)
  advert_loss_end "$b"  # nothing more passes the rule or reaches the NFLOG captures
done
u1=$(uptime_s)
capture_stop garp
for p in "${PAIRS[@]}"; do
  read -r impl pct m b vrid vip <<<"$p"
  capture_stop "$b.nflog"
  capture_stop "$b.port"
done
secs=$(awk -v a="$u0" -v b="$u1" 'BEGIN {printf "%.1f", b - a}')
for p in "${PAIRS[@]}"; do
  read -r impl pct m b vrid vip <<<"$p"
  d_running "$m" || fail "$impl in $m is not running any more"
  d_running "$b" || fail "$impl in $b is not running any more"
  sent=${CNT[$m,sent]} seen=${CNT[$b,seen]} dropped=${CNT[$b,dropped]}
  read -r k mdi pred drop_pct < <(awk -v a="$ADV" -v p="$pct" -v n="$sent" -v s="$seen" -v d="$dropped" 'BEGIN {
    mdi = 3 * a + (256 - 100) * a / 256
    k = int(mdi / a - 1e-9)             # advert times j * a (j >= 1) before the timer runs out
    q = p / 100
    printf "%d %.1f %.4f %.3f\n", k, mdi * 1000, n * (1 - q) * q ^ k, (s > 0 ? 100 * d / s : 0) }')
  read -r passed _ runs gaps bursts expl unexpl min_gap misaligned steps < <("$PY" "$BENCH_DIR/lossrun.py" \
    --nflog "$RUN/$b.nflog.pcap" --port "$RUN/$b.port.pcap" --client "$RUN/garp.pcap" \
    --mac "$(router_mac "$b")" --mdi "$(awk -v m="$mdi" 'BEGIN {printf "%.6f", m / 1000}')" \
    --k "$k")
  takeovers=$(d_entered "$b" MASTER "${MARK[$b]}")
  tb=$(d_transitions "$b" "${MARK[$b]}")
  tm=$(d_transitions "$m" "${MARK[$m]}")
  gb=$(wire garp count --mac "$(router_mac "$b")" --garp)
  gm=$(wire garp count --mac "$(router_mac "$m")" --garp)
  pred_tr=$(awk -v x="$pred" 'BEGIN {printf "%.4f", 2 * x}')
  csv_row loss.csv "$impl" "$pct" "$ADV" "$secs" "$vrid" "$k" "$mdi" "$sent" "$seen" "$dropped" \
    "$drop_pct" "$pred" "$runs" "$gaps" "$takeovers" "$bursts" "$expl" "$unexpl" "$min_gap" "$misaligned" "$steps" "$pred_tr" \
    "$tb" "$tm" "$gb" "$gm"
  note "$impl $pct %: $sent adverts sent, $seen seen by the Backup, $dropped dropped ($drop_pct %);" \
    "spurious takeovers $takeovers (expected $pred, k=$k; this loss pattern: $runs runs of $k," \
    "$gaps gaps > MDI; $expl explained, $unexpl unexplained, shortest $min_gap ms after a passed" \
    "advert), transitions Backup $tb / Master $tm, gratuitous ARPs Backup $gb / Master $gm"
  # The counters are read a few ms before the rule goes: an advert or two may differ.
  (((passed - seen + dropped) ** 2 <= 4)) ||
    note "$impl $pct %: the NFLOG capture holds $passed passed adverts, the counters $((seen - dropped))"
  ((misaligned == 0)) ||
    note "$impl $pct %: $misaligned loss decisions did not line up with the adverts on the port"
  ((steps == 0)) ||
    note "$impl $pct %: the wall clock was stepped $steps time(s) during the run (other work on" \
      "the machine): capture times across a step are left out of gaps"
done
pass
