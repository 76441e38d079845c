#!/usr/bin/env python3
"""Validates FaxDrop sidecars against etc/faxdrop-result.schema.json.

Usage: validate-sidecar.py SIDECAR.json [...]   (exit 0 when every file is valid)
"""
import json
import pathlib
import sys

import jsonschema

schema_path = pathlib.Path(__file__).resolve().parent.parent / "etc" / "faxdrop-result.schema.json"
schema = json.loads(schema_path.read_text())
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for name in sys.argv[1:]:
    document = json.loads(pathlib.Path(name).read_text())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    for error in errors:
        print(f"{name}: {'/'.join(map(str, error.path)) or '(root)'}: {error.message}", file=sys.stderr)
    bad += bool(errors)
sys.exit(1 if bad else 0)
