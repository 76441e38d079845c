#!/usr/bin/env bash
# The browser tests (Tests/Browser: pytest + Selenium driving Debian's headless Chromium
# through /usr/bin/chromedriver; nothing is downloaded but the two PyPI packages). Each run
# starts the built `faxdrop run` on a free loopback port with a temporary spool (see
# Tests/Browser/conftest.py) and stops it at the end. Screenshots land in
# .build/test-artifacts/screenshots/. Extra arguments go to pytest (e.g. -k smoke).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

for tool in /usr/bin/chromium /usr/bin/chromedriver; do
    [ -x "$tool" ] || { echo "error: $tool is missing: run scripts/install-deps.sh" >&2; exit 1; }
done

venv=.build/browser-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import selenium, pytest' 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'selenium>=4.15,<5' 'pytest>=7,<9'
fi

if [ -z "${FAXDROP_BIN:-}" ]; then
    bin_path="$(swift build --show-bin-path 2>/dev/null || echo .build/debug)"
    export FAXDROP_BIN="$bin_path/faxdrop"
fi
[ -x "$FAXDROP_BIN" ] || { echo "error: $FAXDROP_BIN is missing: run swift build first" >&2; exit 1; }

mkdir -p .build/test-artifacts/screenshots
# Selenium must use the given chromedriver, never fetch one.
export SE_OFFLINE=true
export PYTHONDONTWRITEBYTECODE=1
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/Browser "$@"
