#!/usr/bin/env python3
"""Burst: 10,000 files dropped at once over 100 destination folders (issue 5).

Prints the time until every file is claimed, claims per second, the daemon's peak RSS,
and, once every job has ended, whether each file was claimed exactly once.
Usage: scripts/bench-burst.py [--files N] [--folders N] [--settle-ms MS] [--no-wait-for-sidecars]
"""
import argparse
import collections
import shutil
import time

from bench_common import ONE_PAGE, Gateway, build, sidecars, temp_spool, waiting_in_drop_zone

parser = argparse.ArgumentParser()
parser.add_argument("--files", type=int, default=10_000)
parser.add_argument("--folders", type=int, default=100)
parser.add_argument("--settle-ms", type=int, default=2000, help="FAXDROP_SETTLE_MS")
parser.add_argument("--no-wait-for-sidecars", action="store_true")
parser.add_argument("--under", help="make the temporary spool in this folder (e.g. a tmpfs mount)")
parser.add_argument("--configuration", default="release", help="the build to run (release, or debug to try the script)")
args = parser.parse_args()

binary = build(args.configuration)
spool = temp_spool("faxdrop-burst-", args.under)
gateway = Gateway(binary, spool, {
    "FAXDROP_LOOPBACK_PAGE_SECONDS": "0", "FAXDROP_MAX_CALLS": "50", "FAXDROP_MAX_CALLS_PER_DESTINATION": "10",
    "FAXDROP_LOG_LEVEL": "warning", "FAXDROP_SETTLE_MS": str(args.settle_ms),
})
gateway.start()

# Stage outside the drop zone, then rename in: the burst lands within a fraction of a second.
staging = spool.parent / "staging"
staging.mkdir()
numbers = [f"+1555{i:07d}" for i in range(args.folders)]
for number in numbers:
    (staging / number).mkdir()
for i in range(args.files):
    shutil.copyfile(ONE_PAGE, staging / numbers[i % args.folders] / f"doc-{i:05d}.pdf")
start = time.monotonic()
for number in numbers:
    (staging / number).rename(spool / "outgoing" / number)
dropped = time.monotonic() - start

while waiting_in_drop_zone(spool) > 0:
    time.sleep(0.05)
claimed_after = time.monotonic() - start
settle = args.settle_ms / 1000
daemon_rss, renderer_rss = gateway.peak_rss_mb()
print(f"files: {args.files} over {args.folders} folders (dropped in {dropped:.2f} s), spool in {spool.parent}")
print(f"all claimed after: {claimed_after:.2f} s (including the {settle:.1f} s settle time)")
print(f"claims per second: {args.files / max(claimed_after - settle, 1e-3):.0f} (after the settle time), "
      f"{args.files / claimed_after:.0f} (overall)")
print(f"peak RSS while claiming: daemon {daemon_rss:.1f} MB, largest renderer worker {renderer_rss:.1f} MB")

if not args.no_wait_for_sidecars:
    while len(sidecars(spool)) < args.files:
        time.sleep(0.5)
    results = sidecars(spool)
    names = collections.Counter(r["destination"] + "/" + r["document"]["original_name"] for r in results)
    daemon_rss, renderer_rss = gateway.peak_rss_mb()
    print(f"sidecars: {len(results)}, sent: {sum(r['status'] == 'sent' for r in results)}, "
          f"claimed twice: {sum(c > 1 for c in names.values())}, lost: {args.files - len(names)}")
    print(f"all ended after: {time.monotonic() - start:.1f} s; peak RSS daemon {daemon_rss:.1f} MB, "
          f"largest renderer worker {renderer_rss:.1f} MB")
gateway.stop()
