#!/usr/bin/env python3
"""Soak: 2,000 jobs over 50 destinations on the loopback line, with the failing test
numbers mixed in, and `kill -9` of the daemon at 10 random moments (issue 5).

Prints jobs, sidecars written, lost, duplicated, stuck, and the total time.
Usage: scripts/bench-soak.py [--jobs N] [--destinations N] [--kills N] [--seed N]
"""
import argparse
import collections
import random
import shutil
import time

from bench_common import ONE_PAGE, Gateway, build, sidecars, temp_spool

parser = argparse.ArgumentParser()
parser.add_argument("--jobs", type=int, default=2000)
parser.add_argument("--destinations", type=int, default=50)
parser.add_argument("--kills", type=int, default=10)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
rng = random.Random(args.seed)

binary = build()
spool = temp_spool("faxdrop-soak-")
env = {
    "FAXDROP_LOOPBACK_PAGE_SECONDS": "0.02", "FAXDROP_MAX_CALLS": "20", "FAXDROP_SETTLE_MS": "200",
    "FAXDROP_RETRY_BUSY": "1", "FAXDROP_RETRY_NO_ANSWER": "1", "FAXDROP_RETRY_CONGESTION": "1",
    "FAXDROP_RETRY_FAX": "1", "FAXDROP_MAX_ATTEMPTS": "3", "FAXDROP_LOG_LEVEL": "warning",
    "FAXDROP_RESCAN_SECONDS": "5",
}
gateway = Gateway(binary, spool, env)
gateway.start()

# Most numbers succeed; one in five is a failing test number (busy, no answer,
# congestion, drop after page 1).
suffixes = ["0486", "0480", "0503", "0488"]
numbers = [f"+1555{i:03d}{rng.choice(suffixes)}" if i % 5 == 0 else f"+1555{i:03d}1234"
           for i in range(args.destinations)]
start = time.monotonic()
kill_at = sorted(rng.sample(range(1, args.jobs), args.kills))
dropped = 0
kills = 0
staging = spool.parent / "staging"
staging.mkdir()
for i in range(args.jobs):
    number = numbers[i % len(numbers)]
    (spool / "outgoing" / number).mkdir(exist_ok=True)
    name = f"job-{i:05d}.pdf"
    shutil.copyfile(ONE_PAGE, staging / name)
    (staging / name).rename(spool / "outgoing" / number / name)
    dropped += 1
    if kills < len(kill_at) and i == kill_at[kills]:
        time.sleep(rng.uniform(0.0, 1.5))
        gateway.kill9()
        kills += 1
        gateway.start()
    elif i % 20 == 0:
        time.sleep(0.05)

# Wait for quiet: every dropped file has a sidecar, or nothing changes for a while.
last, last_change = -1, time.monotonic()
while True:
    count = len(sidecars(spool))
    if count != last:
        last, last_change = count, time.monotonic()
    if count >= dropped or time.monotonic() - last_change > 120:
        break
    time.sleep(1)
gateway.stop()

results = sidecars(spool)
names = collections.Counter(r["destination"] + "/" + r["document"]["original_name"] for r in results)
expected = {numbers[i % len(numbers)] + f"/job-{i:05d}.pdf" for i in range(args.jobs)}
lost = len(expected - set(names))
duplicated = sum(c - 1 for c in names.values() if c > 1)
stuck = sum(1 for p in (spool / "active").iterdir()) + sum(
    1 for d in (spool / "outgoing").iterdir() for _ in d.iterdir())
interrupted = sum(1 for r in results for a in r["attempts"] if a["outcome"] == "interrupted")
print(f"jobs: {args.jobs} over {args.destinations} destinations, kill -9: {kills}")
print(f"sidecars written: {len(results)} (sent {sum(r['status'] == 'sent' for r in results)}, "
      f"failed {sum(r['status'] == 'failed' for r in results)}; interrupted attempts recorded: {interrupted})")
print(f"lost: {lost}  duplicated: {duplicated}  stuck: {stuck}")
print(f"total time: {time.monotonic() - start:.1f} s")
