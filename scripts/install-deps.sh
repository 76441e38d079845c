#!/usr/bin/env bash
# Installs the Debian packages FaxDrop builds, runs and tests with (Debian 12).
# The Swift toolchain itself is expected at /opt/swift or on PATH (swift.org builds;
# Debian 12 does not package Swift 6).
set -euo pipefail
packages=(
    pkg-config
    libinotifytools0-dev inotify-tools   # intake (GPL-2.0-only library: faxdrop only)
    libgs-dev ghostscript               # rendering (AGPL-3.0-or-later: faxdrop-render only)
    libtiff-dev                         # fax image writing and reading
    libpng-dev                          # PNG input to the renderer; fax pages shown as PNG (console)
    nettle-dev                          # SHA-256 and HMAC-SHA256
    libsqlite3-dev                      # the job index (GRDB over the system SQLite)
    sqlite3                             # tests: a job index of another schema is made with the CLI
    libcurl4-gnutls-dev                 # webhook POSTs over http:// and https:// (curl licence; GnuTLS, LGPL: no OpenSSL beside GPL-2.0-only code)
    ca-certificates                     # the system CA store https:// webhooks are checked with
    openssl                             # tests: a test CA and server certificate for https://
    python3-jsonschema                  # tests: sidecars validate against the shipped schema
    gettext-base                        # envsubst for the asterisk/ templates and their test
    passwd                              # tests: groupadd/groupdel, a temporary group for asterisk/start.sh
    curl                                # tests: the HTTP API is driven with real curl
    poppler-utils                       # tests: pdftoppm renders received-fax PDFs back to pixels
    python3-prometheus-client           # tests: /metrics is parsed with the reference parser
    samba smbclient                     # tests: scan-to-folder through a real smbd on loopback
    systemd                             # tests: systemd-analyze verify etc/faxdrop.service
    tesseract-ocr tesseract-ocr-eng     # tests: filled forms' typed values and the cover page are read back by OCR
    chromium chromium-driver            # tests: the console in headless Chromium (scripts/browser-tests.sh)
    python3-venv                        # tests: a venv for Selenium and pytest from PyPI (.build/browser-venv)
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    echo "note: add /opt/swift/usr/bin to PATH" >&2
fi
