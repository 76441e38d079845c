#!/usr/bin/env bash
# The job index benchmark (issue 11): 100,000 sidecars in done/ + failed/, then the figures.
#   scripts/index-bench.sh [SPOOL] [COUNT]      (default: bench-out/index-spool, 100000)
# Prints: the generator's time, `faxdrop reindex`, query p50/p95 (faxdrop-index-bench measure),
# `faxdrop status` p50/p95 over 20 runs, and a running daemon's RSS with the index open.
set -euo pipefail
cd "$(dirname "$0")/.."
spool="${1:-bench-out/index-spool}"
count="${2:-100000}"
swift build -c release --product faxdrop >/dev/null
swift build -c release --product faxdrop-index-bench >/dev/null
swift build -c release --product faxdrop-render >/dev/null
bin=.build/release
if [ ! -d "$spool/done" ]; then "$bin/faxdrop-index-bench" generate "$spool" "$count"; fi
echo "== faxdrop reindex"
"$bin/faxdrop" reindex --spool "$spool"
echo "== queries (in-process, 50 runs each)"
"$bin/faxdrop-index-bench" measure "$spool" 50
echo "== faxdrop status (whole command, 20 runs; load: $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$bin/faxdrop" "$spool" <<'PY'
import resource, subprocess, sys, time
times, cpus = [], []
for _ in range(20):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.argv[1], "status", "--spool", sys.argv[2]], check=True, stdout=subprocess.DEVNULL)
    times.append((time.perf_counter() - t) * 1000)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
times.sort(); cpus.sort()
print(f"faxdrop status: wall p50 {times[9]:.1f} ms, p95 {times[18]:.1f} ms; CPU p50 {cpus[9]:.1f} ms, p95 {cpus[18]:.1f} ms")
PY
echo "== daemon RSS with the index open"
log=$(mktemp)
FAXDROP_HTTP=false FAX_BACKEND=loopback "$bin/faxdrop" run --spool "$spool" 2>"$log" &
pid=$!
for _ in $(seq 1 600); do grep -q "faxdrop is running" "$log" && break; sleep 0.1; done
grep -q "faxdrop is running" "$log" || { echo "the daemon did not start:"; cat "$log"; kill "$pid"; exit 1; }
sleep 1
grep VmRSS "/proc/$pid/status"
kill -TERM "$pid"; wait "$pid" || true
rm -f "$log"
