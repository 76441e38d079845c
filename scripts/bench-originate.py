#!/usr/bin/env python3
"""Drop → Originate sent, with 1,000 jobs queued (issue 14).

Runs `faxdrop run` with the SIP backend against `faxdrop-asterisk-sim` (release builds), queues
--queued jobs to one number whose calls never end (the simulator's `...0408`) and that has
--channels channels (FAXDROP_MAX_CALLS_PER_DESTINATION), waits until every one of them is
rendered, then drops --drops one-line text files, one at a time, each to a free number of
its own. For each it prints the time from the file being settled (drop time + FAXDROP_SETTLE_MS,
and also from the daemon's `claimed` line) to the simulator's Originate (its --call-log),
minus the job's render (its `rendering` to `rendered` log lines): p50, p99, max.
Usage: scripts/bench-originate.py [--queued N] [--drops N] [--gap S] [--settle-ms MS] [--under DIR]
                                  [--configuration release|debug]
"""
import argparse
import datetime
import json
import os
import subprocess
import time

from bench_common import ROOT, Gateway, build, temp_spool

parser = argparse.ArgumentParser()
parser.add_argument("--queued", type=int, default=1000)
parser.add_argument("--channels", type=int, default=2)
parser.add_argument("--drops", type=int, default=100)
parser.add_argument("--gap", type=float, default=0.2, help="seconds between two drops")
parser.add_argument("--settle-ms", type=int, default=200)
parser.add_argument("--under", help="make the temporary spool in this folder")
parser.add_argument("--configuration", default="release", help="the build to run (release, or debug to try the script)")
args = parser.parse_args()

BLOCKED = "+15550000408"  # the simulator never ends a call to ...0408
FREE = [f"+1555100{i:04d}" for i in range(args.drops)]


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def wait_for(what, condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what} after {seconds} s")
        time.sleep(0.1)


def daemon_lines(spool):
    lines = []
    with open(spool.parent / "daemon.log", encoding="utf-8", errors="replace") as log:
        for line in log:
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    pass
    return lines


def originates(call_log):
    found = {}
    if os.path.exists(call_log):
        for line in open(call_log, encoding="utf-8"):
            parts = line.split()
            if len(parts) == 4 and parts[1] == "originate":
                job = parts[2].rsplit("-", 1)[0]
                found.setdefault(job, (parse_time(parts[0]), parts[3]))
    return found


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


binary = build(args.configuration)
# The simulator beside $BIN when there is one there, else the build's.
simulator_binary = binary.parent / "faxdrop-asterisk-sim"
if not simulator_binary.exists():
    simulator_binary = ROOT / ".build" / args.configuration / "faxdrop-asterisk-sim"
spool = temp_spool("faxdrop-originate-", args.under)
call_log = str(spool.parent / "calls.log")
simulator = subprocess.Popen(
    [str(simulator_binary), "--port", "0", "--call-log", call_log, "--secret", "bench-secret", "--time-scale", "0.01"],
    stdout=subprocess.PIPE, stderr=open(spool.parent / "simulator.log", "wb"), text=True)
port = int(simulator.stdout.readline().strip().rsplit(":", 1)[1])

gateway = Gateway(binary, spool, {
    "FAX_BACKEND": "sip", "ASTERISK_AMI_HOST": "127.0.0.1", "ASTERISK_AMI_PORT": str(port),
    "ASTERISK_AMI_USERNAME": "faxdrop", "ASTERISK_AMI_PASSWORD": "bench-secret",
    "FAXDROP_MAX_CALLS": "1000", "FAXDROP_MAX_CALLS_PER_DESTINATION": str(args.channels),
    "FAXDROP_SETTLE_MS": str(args.settle_ms), "FAXDROP_LOG_LEVEL": "debug", "FAXDROP_LOG_FORMAT": "json",
    # The queued calls never end: at the stop, hand them back to the simulator at once
    # rather than wait the default 150 s for them.
    "FAXDROP_STOP_TIMEOUT": "1",
})
gateway.start()
try:
    # The queue: staged outside the drop zone, renamed in as one folder.
    staging = spool.parent / "staging"
    (staging / BLOCKED).mkdir(parents=True)
    for i in range(args.queued):
        (staging / BLOCKED / f"queued-{i:05d}.txt").write_text(f"Queued job {i}\n")
    (staging / BLOCKED).rename(spool / "outgoing" / BLOCKED)

    def rendered_count():
        # Jobs, not lines: a render is logged `rendered` by the worker pool and by the engine.
        return len({line.get("job") for line in daemon_lines(spool) if line.get("msg") == "rendered"})
    wait_for(f"{args.queued} queued jobs rendered", lambda: rendered_count() >= args.queued, 900)
    wait_for(f"{args.channels} calls to {BLOCKED}",
             lambda: sum(n == BLOCKED for _, n in originates(call_log).values()) >= args.channels, 60)
    print(f"queued: {args.queued} jobs to {BLOCKED} ({args.channels} channels, calls that never end), "
          f"{args.queued - args.channels} waiting; settle {args.settle_ms} ms; spool in {spool.parent}")

    dropped = {}  # file name -> wall-clock time of the rename into the drop zone
    for i, number in enumerate(FREE):
        folder = staging / number
        folder.mkdir()
        name = f"drop-{i:04d}.txt"
        (folder / name).write_text(f"Dropped job {i}\n")
        dropped[name] = time.time()
        folder.rename(spool / "outgoing" / number)
        time.sleep(args.gap)  # the drops' spacing: part of the workload, not a wait for a result
    wait_for(f"{args.drops} Originates to the free numbers",
             lambda: sum(n in FREE for _, n in originates(call_log).values()) >= args.drops, 120 + 2 * args.drops)

    jobs = {}
    for line in daemon_lines(spool):
        job = line.get("job")
        if not job:
            continue
        entry = jobs.setdefault(job, {})
        if line.get("msg") in ("claimed", "rendering", "rendered") and line["msg"] not in entry:
            entry[line["msg"]] = parse_time(line["ts"])
            if line["msg"] == "claimed":
                entry["name"] = line.get("name")
    calls = originates(call_log)
    settle = args.settle_ms / 1000
    from_settle, from_claim, renders = [], [], []
    for job, entry in jobs.items():
        if entry.get("name") not in dropped or job not in calls:
            continue
        render = entry["rendered"] - entry["rendering"]
        renders.append(render)
        from_settle.append(calls[job][0] - (dropped[entry["name"]] + settle) - render)
        from_claim.append(calls[job][0] - entry["claimed"] - render)
    if len(from_settle) != args.drops:
        raise SystemExit(f"matched {len(from_settle)} of {args.drops} drops to their Originate")

    def show(label, values):
        print(f"{label}: p50 {percentile(values, 50) * 1000:.1f} ms, p99 {percentile(values, 99) * 1000:.1f} ms, "
              f"max {max(values) * 1000:.1f} ms")
    print(f"drops: {args.drops}, {args.gap:.2f} s apart, each to a free number")
    show("settled (drop + settle) -> Originate, render excluded", from_settle)
    show("claimed line -> Originate, render excluded", from_claim)
    show("render (excluded above)", renders)
    daemon_rss, renderer_rss = gateway.peak_rss_mb()
    print(f"peak RSS: daemon {daemon_rss:.1f} MB, largest renderer worker {renderer_rss:.1f} MB")
finally:
    gateway.stop()
    simulator.terminate()
    simulator.wait()
