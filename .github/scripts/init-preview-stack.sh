#!/usr/bin/env bash
# Creates (or selects) a pull request's preview stack and sets its config from stacks/preview.template.yaml:
# plain values under `config`, secrets under `secretsFromEnvironment` from the named environment variables.
# Usage: .github/scripts/init-preview-stack.sh pr-<number>
set -euo pipefail
stack="${1:?usage: init-preview-stack.sh pr-<number>}"
[[ "$stack" =~ ^pr-[0-9]+$ ]] || { echo "init-preview-stack.sh: '$stack' is not pr-<number>" >&2; exit 2; }
pulumi stack select --create "$stack" --non-interactive
python3 - "$stack" <<'PY'
import os, re, subprocess, sys
stack = sys.argv[1]
section = None
plain, secret = {}, {}
for line in open("stacks/preview.template.yaml", encoding="utf-8"):
    if re.match(r"^config:\s*(#.*)?$", line): section = plain; continue
    if re.match(r"^secretsFromEnvironment:\s*(#.*)?$", line): section = secret; continue
    m = re.match(r"^\s+([A-Za-z0-9_-]+:[A-Za-z0-9_]+):\s*(.+?)\s*$", line)
    if m and section is not None: section[m.group(1)] = m.group(2).strip('"')
for key, value in plain.items():
    subprocess.run(["pulumi", "config", "set", "--stack", stack, key, value], check=True)
for key, env_name in secret.items():
    value = os.environ.get(env_name)
    if not value: sys.exit(f"init-preview-stack.sh: ${env_name} is empty; it provides {key}")
    subprocess.run(["pulumi", "config", "set", "--secret", "--stack", stack, key], input=value.encode(), check=True)
print(f"{stack}: {len(plain)} settings and {len(secret)} secrets set", file=sys.stderr)
PY
