#!/usr/bin/env python3
"""Prints the JSON list of stacks the drift workflow checks: stacks/environments.yaml entries with drift: true."""
import json
import re
import sys

names, current = [], None
with open("stacks/environments.yaml", encoding="utf-8") as f:
    for line in f:
        m = re.match(r"^\s*-\s*name:\s*(\S+)", line)
        if m:
            current = m.group(1)
            continue
        m = re.match(r"^\s*drift:\s*(true|false)", line)
        if m and current and m.group(1) == "true":
            names.append(current)
if not names:
    sys.exit("stacks/environments.yaml: no stack has drift: true")
print(json.dumps(names))
