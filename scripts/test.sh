#!/usr/bin/env bash
# Installs what the tests need, builds everything (the tests run the faxdrop-render and
# faxdrop executables), and runs every test: the Swift tests, then the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
./scripts/install-deps.sh
swift build
swift test
./scripts/browser-tests.sh
