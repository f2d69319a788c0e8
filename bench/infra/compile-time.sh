#!/usr/bin/env bash
# Time per compiler invocation, as Pulumi makes them (twice per `pulumi up`): once without a stack (plugin
# discovery) and once with PULUMI_STACK + PULUMI_CONFIG. Runs the built compiler in a scratch copy of the
# project (stack files, stacks/, small stand-in artifacts when the real ones are not built).
# Usage: bench/infra/compile-time.sh [runs]   (default 20)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-20}"
"$root/infra/voice-edge" validate >/dev/null   # builds the compiler if needed
dll="$root/infra/bin/Release/net10.0/voice-edge-infra.dll"

scratch="$(mktemp -d)"; trap 'rm -rf "$scratch"' EXIT
cp "$root"/Pulumi*.yaml "$scratch/"; cp -r "$root/stacks" "$scratch/"
mkdir -p "$scratch/worker-src/dist" "$scratch/relay/deploy"
cp "$root/worker-src/wrangler.jsonc" "$scratch/worker-src/"   # the Worker's compatibility date and flags are read from it
cp "$root/worker-src/dist/worker.js" "$scratch/worker-src/dist/" 2>/dev/null || echo 'export default {}' > "$scratch/worker-src/dist/worker.js"
for f in cloud-init.yaml package.sh run-command.sh install.sh; do
  cp "$root/relay/deploy/$f" "$scratch/relay/deploy/" 2>/dev/null || echo "# stand-in" > "$scratch/relay/deploy/$f"
done

config=$(python3 - "$root/Pulumi.dev.yaml" <<'PY'
import json, sys, re
cfg = {}
for line in open(sys.argv[1]):
    m = re.match(r'^  (voice-edge:[A-Za-z]+): (.+)$', line.rstrip('\n'))
    if m: cfg[m.group(1)] = m.group(2).strip('"')
# Structured values (voiceBackends is a YAML list) reach the program as JSON text, as Pulumi passes them.
cfg.setdefault("voice-edge:voiceBackends", json.dumps([{"url": "wss://gpu-dev.example.com:8998/api/chat", "capacity": 1, "defaultQuery": {"voice_prompt": "NATF2.pt", "text_prompt": "You enjoy having a good conversation."}}]))
for k in ["relaySigningKey", "authJwtSecret", "twilioAuthToken"]:
    cfg["voice-edge:" + k] = "bench-secret"
print(json.dumps(cfg))
PY
)

measure() { # label, then the command's environment as NAME=VALUE words
  local label="$1"; shift
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s%N)
    (cd "$scratch" && env "$@" dotnet "$dll" compile >/dev/null)
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" -v n="$runs" '
    { a[NR] = $1; s += $1 }
    END { printf "%-28s runs=%d  min=%d ms  p50=%d ms  mean=%.0f ms  max=%d ms\n", label, n, a[1], a[int((n+1)/2)], s/n, a[n] }'
}

echo "compiler time per invocation (built, Release; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ))"
measure "no stack (plugin discovery)" PULUMI_STACK= 
measure "dev stack (full render)" PULUMI_STACK=dev "PULUMI_CONFIG=$config"
