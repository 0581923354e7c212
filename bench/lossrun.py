#!/usr/bin/env python3
"""The advert loss a Backup saw, and what it explains (bench/exp_loss.sh).

Inputs (bench/lib.sh advert_loss and loss_log_start):
  NFLOG   the loss rule's decisions in order, one record per advert from the Master, with
          the prefix P (passed to the daemon) or D (dropped). Its timestamps are taken as
          tcpdump reads the records (up to milliseconds late), so they only align:
  PORT    the same adverts as the bridge sent them to the Backup, with kernel timestamps;
          the k-th decision belongs to the k-th advert here, from where the two line up.
  CLIENT  a capture on the client's port with the Backup's own adverts: a Backup sends none,
          so each episode of them is a takeover, and its first advert the moment it happened.

  lossrun.py --nflog N.pcap --port P.pcap --client C.pcap --mac BACKUP_MAC --mdi SECONDS --k K

Prints one line, "passed dropped runs gaps takeovers explained unexplained min_gap_ms
misaligned clock_steps":
  runs        runs of at least K consecutive dropped adverts right after a passed one: the
              takeovers the protocol predicts for this very loss pattern, counted by order (a
              Master that answers at once sends extra adverts while its Backup is Master:
              runs then counts a few that no timer would see);
  gaps        gaps longer than MDI between two consecutive passed adverts (kernel times): the
              same prediction by the clock, which is what a Backup's timer follows;
  takeovers   episodes of the Backup's own adverts (priority > 0; one more than 0.3 s after
              the previous starts a new episode);
  explained   takeovers that came at least MDI after the last advert that passed before them
              (less 0.5 ms: the two captures are on different bridge ports), as the protocol
              allows; unexplained: sooner;
  min_gap_ms  the shortest time from the last passed advert to a takeover ("none": none);
  misaligned  decisions whose advert on the port could not be matched (0 when all line up;
              more than 1 % of them: the times fall back to NFLOG's, approximate);
  clock_steps steps of the wall clock seen between two adverts on the port (backwards, or
              forwards by more than 10 s). Capture timestamps are CLOCK_REALTIME: gaps are
              measured between steps only; a forward step under 10 s would pass for a gap.
"""
import argparse
import bisect
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire  # noqa: E402  (bench/wire.py: Ethernet frames, adverts, gratuitous ARPs)

NFULA_PREFIX = 10


def records(path):
    """(epoch s, data) of every record of a pcap file, whatever its link type."""
    out = []
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return out
        for endian in "<>":
            magic = struct.unpack(endian + "I", head[:4])[0]
            if magic in (0xA1B2C3D4, 0xA1B23C4D):
                break
        else:
            raise SystemExit(f"{path}: not a pcap file")
        scale = 1e-9 if magic == 0xA1B23C4D else 1e-6
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return out
            sec, frac, caplen, _ = struct.unpack(endian + "IIII", rec)
            data = f.read(caplen)
            if len(data) < caplen:
                return out
            out.append((sec + frac * scale, data))


def nflog_prefix(data):
    """The NFULA_PREFIX of one DLT_NFLOG record (TLVs in host byte order), or ""."""
    off = 4  # family, version, resource id
    while off + 4 <= len(data):
        length, kind = struct.unpack_from("=HH", data, off)
        if length < 4:
            break
        if kind == NFULA_PREFIX:
            return data[off + 4:off + length].split(b"\0")[0].decode(errors="replace")
        off += (length + 3) & ~3
    return ""


def align(decisions, port):
    """Kernel times for the decisions: the port adverts from the offset that lines them up
    best (each decision at most 1 s after its advert, never before). -> (times, misaligned)"""
    if not decisions:
        return [], 0
    if not port:
        return [t for t, _ in decisions], len(decisions)
    first = bisect.bisect_right(port, decisions[0][0]) - 1
    best = None
    for c in range(max(0, first - 3), min(len(port), first + 4)):
        bad, spread = 0, 0.0
        for j, (t, _) in enumerate(decisions):
            if c + j >= len(port):
                bad += len(decisions) - j
                break
            d = t - port[c + j]
            if d < -0.0005 or d > 1.0:
                bad += 1
            else:
                spread += abs(d)
        if best is None or (bad, spread) < best[:2]:
            best = (bad, spread, c)
    bad, _, c = best
    if bad > len(decisions) // 100:
        return [t for t, _ in decisions], bad
    times = port[c:c + len(decisions)]
    return times + [t for t, _ in decisions[len(times):]], bad


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nflog", required=True)
    p.add_argument("--port", required=True)
    p.add_argument("--client", required=True)
    p.add_argument("--mac", required=True)
    p.add_argument("--mdi", type=float, required=True)
    p.add_argument("--k", type=int, required=True)
    a = p.parse_args()

    decisions = [(t, nflog_prefix(d) == "P") for t, d in records(a.nflog)]
    port = [t / 1e9 for t, kind, _, _ in wire.events(a.port) if kind == "advert"]
    times, misaligned = align(decisions, port)
    # Step-free segments of the advert timeline: a step of the wall clock shows as an advert
    # earlier than the one before it, or more than 10 s after it; gaps are measured within
    # segments only.
    segments, steps, prev = [[]], 0, None
    for t, (_, ok) in zip(times, decisions):
        if prev is not None and (t - prev < -0.001 or t - prev > 10):
            steps += 1
            segments.append([])
        prev = t
        if ok:
            segments[-1].append(t)
    passed = [t for seg in segments for t in seg]
    dropped = len(decisions) - len(passed)

    runs, lost, seen_pass = 0, 0, False
    for _, ok in decisions:
        if ok:
            seen_pass, lost = True, 0
        else:
            lost += 1
            if seen_pass and lost == a.k:
                runs += 1
    gaps = sum(1 for seg in segments for x, y in zip(seg, seg[1:]) if y - x > a.mdi)

    adverts = [t / 1e9 for t, kind, src, info in wire.events(a.client)
               if kind == "advert" and src == a.mac.lower() and info[1] > 0]
    episodes = [t for i, t in enumerate(adverts) if i == 0 or t - adverts[i - 1] > 0.3]
    explained, unexplained, min_gap = 0, 0, None
    for t in episodes:
        # The last passed advert before it, in the segment whose times surround it.
        before = [seg[bisect.bisect_left(seg, t) - 1] for seg in segments
                  if seg and seg[0] < t <= seg[-1] + 1.0]
        if not before:
            continue  # nothing passed just before it (or a clock step between): cannot say
        g = t - max(before)
        min_gap = g if min_gap is None else min(min_gap, g)
        if g >= a.mdi - 0.0005:
            explained += 1
        else:
            unexplained += 1
    print(len(passed), dropped, runs, gaps, len(episodes), explained, unexplained,
          "none" if min_gap is None else f"{min_gap * 1000:.1f}", misaligned, steps)


if __name__ == "__main__":
    sys.exit(main())
