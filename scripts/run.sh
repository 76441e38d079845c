#!/usr/bin/env bash
# Installs what FaxDrop needs, builds it, and runs the gateway on the embedded default:
# the loopback backend and ./spool. Drop a PDF into spool/outgoing/+15551234567/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
./scripts/install-deps.sh
swift build -c release
exec .build/release/faxdrop run --spool ./spool "$@"
