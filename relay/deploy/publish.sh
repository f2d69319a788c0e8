#!/usr/bin/env bash
# Publishes the relay for the VM into <outdir>: self-contained linux-x64 (the VM needs no .NET install), plus
# deploy/ (install.sh and the files it installs). All output goes to stderr; the deploy step prints the folder itself.
# Usage: relay/deploy/publish.sh <outdir>
set -euo pipefail
out="${1:?usage: publish.sh <outdir>}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$out"
dotnet publish "$here/../VoiceEdge.Relay.csproj" -c Release -r linux-x64 --self-contained true \
  -p:PublishSingleFile=false -p:DebugType=none --nologo -v quiet -o "$out" >&2
mkdir -p "$out/deploy"
cp "$here/voice-edge-relay@.service" "$here/voice-edge-relay.socket" "$here/voice-edge-relay-activate.service" "$here/Caddyfile" "$here/install.sh" "$out/deploy/"
echo "published the relay to $out" >&2
