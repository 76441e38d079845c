#!/bin/sh
# What the settle time costs and what it protects against, measured on the real daemon
# (loopback line): for each FAXDROP_SETTLE_MS, the latency from a file's last close to its
# claim, and how many faxes a scanner that closes and reopens the file between pages
# becomes, for gaps between pages of 1.5, 4 and 8 s.
#   scripts/measure-settle.sh [settle_ms...]     (default: 2000 5000 10000)
set -eu
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/debug/faxdrop}
DOC=${DOC:-../shared/corpus/pdf/23-onepage-letter.pdf}
[ $# -gt 0 ] || set -- 2000 5000 10000
now() { date +%s.%N; }
size=$(stat -c %s "$DOC")
third=$(( (size + 2) / 3 ))
for settle in "$@"; do
  base=$(mktemp -d)
  spool=$base/spool
  FAXDROP_SETTLE_MS=$settle FAXDROP_HTTP=false FAXDROP_RESCAN_SECONDS=0 FAXDROP_LOOPBACK_PAGE_SECONDS=0 \
    "$BIN" run --spool "$spool" >"$base/log" 2>&1 &
  pid=$!
  until [ -d "$spool/outgoing" ] && grep -q "faxdrop is running" "$base/log"; do sleep 0.05; done
  folder=$spool/outgoing/+15551234567
  mkdir "$folder"
  total=0
  for i in 1 2 3; do
    cp "$DOC" "$folder/.staged"; mv "$folder/.staged" "$folder/latency$i.pdf"
    t0=$(now)
    while [ -e "$folder/latency$i.pdf" ]; do sleep 0.01; done
    total=$(awk -v a="$total" -v b="$(now)" -v c="$t0" 'BEGIN { print a + b - c }')
  done
  while [ -n "$(ls "$spool/active")" ]; do sleep 0.05; done   # those jobs end before the count starts
  printf 'settle %5d ms: last close -> claim %.2f s (mean of 3)\n' "$settle" "$(awk -v a="$total" 'BEGIN { print a / 3 }')"
  for gap in 1.5 4 8; do
    before=$(ls "$spool/done" "$spool/failed" | grep -c '\.json$' || true)
    name=scan-$gap.pdf
    for page in 0 1 2; do
      dd if="$DOC" bs="$third" skip=$page count=1 status=none >>"$folder/$name"   # open, append, close
      [ $page -eq 2 ] || sleep "$gap"                                             # the next page is scanned
    done
    while [ -e "$folder/$name" ]; do sleep 0.05; done
    while [ -n "$(ls "$spool/active")" ]; do sleep 0.05; done
    after=$(ls "$spool/done" "$spool/failed" | grep -c '\.json$' || true)
    printf 'settle %5d ms: 3 pages, %3s s between close and reopen -> %d fax(es)\n' "$settle" "$gap" $((after - before))
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$base"
done
