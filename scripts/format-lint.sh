#!/usr/bin/env bash
# Fails when a Swift file is not as `swift format` (the toolchain's, configured by
# .swift-format: 4 spaces, 120 columns) would write it. To fix: swift format -i -r Sources Tests Package.swift
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"
swift format lint --strict --parallel -r Sources Tests Package.swift
