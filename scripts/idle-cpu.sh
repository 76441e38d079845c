#!/bin/sh
# Idle CPU of `faxdrop run` (loopback backend, empty spool, HTTP API on a loopback port):
# CPU time (utime + stime from /proc/<pid>/stat, all threads) and context switches (every
# thread's /proc/<pid>/task/*/status) over SECONDS, after a 5 s warm-up.
#   scripts/idle-cpu.sh [seconds]              (default 60; BIN=path/to/faxdrop to compare builds)
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/debug/faxdrop}
SECONDS_IDLE=${1:-60}
base=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$base"' EXIT
FAX_BACKEND=loopback FAXDROP_HTTP_HOST=127.0.0.1 FAXDROP_HTTP_PORT=$((20000 + $$ % 20000)) \
  "$BIN" run --spool "$base/spool" >"$base/log" 2>&1 &
pid=$!
touch "$base/log"
until grep -q "faxdrop is running" "$base/log"; do
  kill -0 "$pid" 2>/dev/null || { cat "$base/log"; exit 1; }
  sleep 0.1
done
sleep 5
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
switches() { cat /proc/"$pid"/task/*/status | awk '/ctxt_switches/ { n += $2 } END { print n }'; }
t0=$(ticks); s0=$(switches)
sleep "$SECONDS_IDLE"
t1=$(ticks); s1=$(switches)
hz=$(getconf CLK_TCK)
awk -v t="$((t1 - t0))" -v hz="$hz" -v s="$SECONDS_IDLE" -v c="$((s1 - s0))" -v bin="$BIN" 'BEGIN {
  printf "%s idle %d s: cpu %.2f s (%.3f%% of one core), %d ticks, %d context switches (%.1f/s)\n",
    bin, s, t / hz, 100 * t / hz / s, t, c, c / s
}'
