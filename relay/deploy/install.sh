#!/usr/bin/env bash
# Installs the relay on the VM, as root, from run-command.sh (the deploy's Azure Run Command). Takes the package
# unpacked in /opt/voice-edge/incoming/relay and the relay's environment on stdin (lines Relay__Key=value or
# Relay__List__<i>__Key[__Name]=value;
# secrets included, never echoed), points Caddy at the ws host, and waits until the relay is live.
#
# Calls in progress are kept where possible:
# - Caddy is touched only when its Caddyfile or environment changed: a Caddy reload or restart closes every
#   WebSocket it proxies.
# - The relay restarts only when its build, unit or environment changed, and then through its drain: systemd
#   sends SIGTERM (KillSignal), the relay refuses new calls, gives open ones Relay__DrainGraceSeconds and closes
#   the rest with 1012 (relay/Hosting/DrainCoordinator.cs); the unit's TimeoutStopSec covers that.
# Exits 0 once the relay is live (/health/live) and reports its readiness (/health: can it reach the voice
# backend on the GPU host?) without failing on it: the backend may come up later, the relay does not need to.
#
# Usage: install.sh <ws-host> < relay.env
# Tests run it unprivileged: VOICE_EDGE_ROOT prefixes every path it writes, VOICE_EDGE_RELAY_URL is the
# relay's loopback URL, VOICE_EDGE_LIVE_WAIT_SECONDS bounds the wait.
set -euo pipefail
host="${1:?usage: install.sh <ws-host> < relay.env}"
root="${VOICE_EDGE_ROOT:-}"
relay_url="${VOICE_EDGE_RELAY_URL:-http://127.0.0.1:8999}"
live_wait="${VOICE_EDGE_LIVE_WAIT_SECONDS:-90}"
incoming="$root/opt/voice-edge/incoming/relay"
target="$root/opt/voice-edge/relay"
etc="$root/etc"
log() { echo "install.sh: $*" >&2; }

# Azure reports the VM provisioned before cloud-init has installed Caddy: wait for first boot to finish.
# Exit 0: done; 2: done with recoverable errors (cloud-init >= 23.4); anything else: it failed.
cloud_init=0
cloud-init status --wait >/dev/null || cloud_init=$?
case "$cloud_init" in
  0|2) ;;
  *) log "cloud-init failed (status $cloud_init); see /var/log/cloud-init-output.log on the VM"; exit 1 ;;
esac

[ -x "$incoming/voice-edge-relay" ] || { log "$incoming/voice-edge-relay not found (was the package unpacked?)"; exit 1; }
[[ "$host" =~ ^[A-Za-z0-9.-]+$ ]] || { log "'$host' is not a host name"; exit 1; }

id voice-edge >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin voice-edge

# Copies src to dst (mode 0644) only when they differ; says whether it did.
changed_install() {
  if cmp -s "$1" "$2"; then return 1; fi
  install -D -m 0644 "$1" "$2"
}

# The relay's environment, readable by root only (systemd reads it before dropping privileges).
env_changed=0
install -d -m 0755 "$etc/voice-edge"
umask 077
env_tmp="$(mktemp "$etc/voice-edge/relay.env.XXXXXX")"
# Relay__Name=..., and the list-shaped settings: Relay__Backends__0__Url=..., Relay__Backends__0__DefaultQuery__voice_prompt=...,
# Relay__AllowedQueryKeys__0=... (one line each: grep reads lines, so no value spans two). Anything else is dropped.
grep -E '^Relay__[A-Za-z]+(__[0-9]+(__[A-Za-z][A-Za-z0-9]*(__[A-Za-z](_?[A-Za-z0-9])*)?)?)?=' > "$env_tmp" || true
grep -q '^Relay__SigningKey=.' "$env_tmp" || { rm -f "$env_tmp"; log "stdin carried no Relay__SigningKey"; exit 1; }
chown root:root "$env_tmp"
if cmp -s "$env_tmp" "$etc/voice-edge/relay.env"; then
  rm -f "$env_tmp"
else
  mv "$env_tmp" "$etc/voice-edge/relay.env"
  env_changed=1
fi
umask 022

# The relay's build: everything it runs (the Caddyfile is Caddy's, compared on its own below).
relay_hash() {
  (cd "$1" && find . -type f ! -path ./.content-sha256 ! -path ./deploy/Caddyfile -print0 | LC_ALL=C sort -z \
    | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
relay_changed=0
new_hash="$(relay_hash "$incoming")"
old_hash="$(cat "$target/.content-sha256" 2>/dev/null || true)"
if [ "$new_hash" != "$old_hash" ]; then
  printf '%s\n' "$new_hash" > "$incoming/.content-sha256"
  # Keep the previous build for a manual rollback. The running relay keeps its open files until it restarts.
  rm -rf "$target.previous"
  if [ -d "$target" ]; then mv "$target" "$target.previous"; fi
  mv "$incoming" "$target"
  chown -R root:root "$target"
  chmod 0755 "$target/voice-edge-relay"
  relay_changed=1
else
  # Same build: the Caddyfile may still be new, so take it from the package before dropping the rest.
  install -m 0644 "$incoming/deploy/Caddyfile" "$target/deploy/Caddyfile"
  rm -rf "$incoming"
fi

reload=0
unit_changed=0
if changed_install "$target/deploy/voice-edge-relay.service" "$etc/systemd/system/voice-edge-relay.service"; then
  unit_changed=1; reload=1
fi
caddy_changed=0
dropin="$(mktemp)"
printf '[Service]\nEnvironment=VOICE_EDGE_WS_HOST=%s\n' "$host" > "$dropin"
if changed_install "$dropin" "$etc/systemd/system/caddy.service.d/voice-edge.conf"; then caddy_changed=1; reload=1; fi
rm -f "$dropin"
if changed_install "$target/deploy/Caddyfile" "$etc/caddy/Caddyfile"; then caddy_changed=1; fi

if [ "$reload" = 1 ]; then systemctl daemon-reload; fi
systemctl is-enabled --quiet voice-edge-relay.service || systemctl enable --quiet voice-edge-relay.service
systemctl is-enabled --quiet caddy.service || systemctl enable --quiet caddy.service

if [ "$relay_changed" = 1 ] || [ "$env_changed" = 1 ] || [ "$unit_changed" = 1 ]; then
  log "relay changed (build $relay_changed, environment $env_changed, unit $unit_changed): restarting it; open calls drain first"
  systemctl restart voice-edge-relay.service
elif ! systemctl is-active --quiet voice-edge-relay.service; then
  log "relay unchanged but not running: starting it"
  systemctl start voice-edge-relay.service
else
  log "relay unchanged: not restarted"
fi

if [ "$caddy_changed" = 1 ]; then
  log "Caddy configuration changed: restarting Caddy (this closes the WebSockets it proxies)"
  systemctl restart caddy.service
else
  log "Caddy configuration unchanged: Caddy not touched"
fi

live=0
for ((i = 0; i < live_wait; i++)); do
  if curl -fsS --max-time 2 "$relay_url/health/live" >/dev/null 2>&1; then live=1; break; fi
  sleep 1
done
if [ "$live" != 1 ]; then
  log "the relay is not live after ${live_wait} s; see journalctl -u voice-edge-relay"
  exit 1
fi

body="$(mktemp)"
code="$(curl -sS -o "$body" -w '%{http_code}' --max-time 5 "$relay_url/health" 2>/dev/null || true)"
readiness="$(head -c 2000 "$body" | tr -d '\n')"
rm -f "$body"
if [ "$code" = 200 ]; then
  echo "relay live and ready behind $host: $readiness"
else
  echo "relay live behind $host but NOT READY (HTTP ${code:-none}): $readiness"
  echo "calls fail until the relay can reach the voice backend (voiceBackends on the GPU host); no redeploy is needed once it can"
fi
