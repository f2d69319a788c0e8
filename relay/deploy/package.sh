#!/usr/bin/env bash
# Publishes the relay and packs it for the VM: <outdir>/voice-edge-relay.tar.gz holds the self-contained
# relay and deploy/ (install.sh, the systemd unit, the Caddyfile). The archive is packed reproducibly (sorted,
# fixed times and owners); the deploy names its blob after the hash of the relay's sources.
# Logs go to stderr; stdout carries only the archive's path (the relayPublish step's output).
# Usage: relay/deploy/package.sh <outdir>
set -euo pipefail
out="${1:?usage: package.sh <outdir>}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$out"
mkdir -p "$out"
stage="$out/stage"
bash "$here/publish.sh" "$stage" >&2
archive="$out/voice-edge-relay.tar.gz"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$stage" -cf - . | gzip -n > "$archive"
rm -rf "$stage"
echo "packed the relay into $archive ($(wc -c < "$archive") bytes)" >&2
printf '%s' "$archive"
