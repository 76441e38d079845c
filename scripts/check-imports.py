#!/usr/bin/env python3
"""Compares each target's `import`s with the dependencies Package.swift declares for it.

Reads the manifest as SwiftPM evaluates it (`swift package dump-package`, JSON on stdin or
run here) and every Swift file under the target's folder. A target must declare exactly
the modules its files import: a module imported but not declared builds only by accident
(through another target's dependency), and one declared but never imported is a false
edge in the graph (it can pull a library into a binary, see SPEC §9). Modules of the
toolchain (Foundation, XCTest, ...) are not declared and are ignored.

Exit status 0 when every target matches, 1 with one line per difference otherwise.
"""
import json
import os
import re
import subprocess
import sys

# Modules the toolchain provides: never declared in Package.swift.
TOOLCHAIN = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Glibc", "Musl",
    "Darwin", "XCTest", "Testing", "Synchronization", "_Concurrency", "Observation", "os",
}

IMPORT = re.compile(
    r"^\s*(?:@testable\s+|@_exported\s+|@preconcurrency\s+|(?:public|package|internal)\s+)*"
    r"import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)",
    re.M,
)

# A macro's implementation module is named by its declaration, not imported.
EXTERNAL_MACRO = re.compile(r'#externalMacro\(\s*module:\s*"([A-Za-z_][A-Za-z0-9_]*)"')

MULTILINE_STRING = re.compile(r'#*"""(?:.|\n)*?"""#*')


def manifest(root):
    if not sys.stdin.isatty() and "--stdin" in sys.argv:
        return json.load(sys.stdin)
    # A scratch path of its own: dump-package then never waits for a build holding .build's lock.
    scratch = os.path.join(root, ".build-check-imports")
    out = subprocess.run(
        ["swift", "package", "--package-path", root, "--scratch-path", scratch, "dump-package"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def declared(target):
    names = set()
    for dependency in target["dependencies"]:
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                names.add(dependency[kind][0])
    return names


def imported(folder):
    names = set()
    for directory, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".swift"):
                with open(os.path.join(directory, name), encoding="utf-8") as source:
                    # Multi-line string literals (e.g. a Python script a test runs) hold no imports.
                    text = MULTILINE_STRING.sub("", source.read())
                    names.update(IMPORT.findall(text))
                    names.update(EXTERNAL_MACRO.findall(text))
    return names


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    package = manifest(root)
    problems = []
    for target in package["targets"]:
        if target["type"] in ("system", "binary", "plugin", "macro"):
            continue
        base = "Tests" if target["type"] == "test" else "Sources"
        folder = os.path.join(root, target.get("path") or os.path.join(base, target["name"]))
        uses = imported(folder) - TOOLCHAIN - {target["name"]}
        declares = declared(target)
        for module in sorted(uses - declares):
            problems.append(f"{target['name']}: imports {module}, which Package.swift does not declare")
        for module in sorted(declares - uses):
            problems.append(f"{target['name']}: declares {module}, which none of its files imports")
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} difference(s) between Package.swift and the imports", file=sys.stderr)
        return 1
    print("Package.swift dependencies equal the imports of every target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
