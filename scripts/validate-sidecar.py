#!/usr/bin/env python3
"""Validates FaxDrop sidecars against etc/faxdrop-result.schema.json, or received-fax
sidecars (schema "faxdrop.received/v1") against etc/faxdrop-received.schema.json.

Usage: validate-sidecar.py SIDECAR.json [...]   (exit 0 when every file is valid)
"""
import json
import pathlib
import sys

import jsonschema

etc = pathlib.Path(__file__).resolve().parent.parent / "etc"
validators = {
    name: jsonschema.Draft202012Validator(json.loads((etc / f"{name}.schema.json").read_text()))
    for name in ("faxdrop-result", "faxdrop-received")
}
bad = 0
for name in sys.argv[1:]:
    document = json.loads(pathlib.Path(name).read_text())
    received = isinstance(document, dict) and document.get("schema") == "faxdrop.received/v1"
    validator = validators["faxdrop-received" if received else "faxdrop-result"]
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    for error in errors:
        print(f"{name}: {'/'.join(map(str, error.path)) or '(root)'}: {error.message}", file=sys.stderr)
    bad += bool(errors)
sys.exit(1 if bad else 0)
