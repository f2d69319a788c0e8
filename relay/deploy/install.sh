#!/usr/bin/env bash
# Runs on the relay VM as root (the infra program's relayInstall step). Installs the published relay copied to
# /opt/voice-edge/incoming/relay, writes its environment from stdin (lines Relay__Key=value; secrets included,
# never echoed), points Caddy at the ws host, restarts both and waits for the relay's /health.
# Usage: sudo bash install.sh <ws-host> < relay.env
set -euo pipefail
host="${1:?usage: install.sh <ws-host> < relay.env}"
incoming=/opt/voice-edge/incoming/relay
target=/opt/voice-edge/relay
[ -x "$incoming/voice-edge-relay" ] || { echo "install.sh: $incoming/voice-edge-relay not found (was the publish copied?)" >&2; exit 1; }
[[ "$host" =~ ^[A-Za-z0-9.-]+$ ]] || { echo "install.sh: '$host' is not a host name" >&2; exit 1; }

id voice-edge >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin voice-edge

# Environment first, from stdin, readable by root only (systemd reads it before dropping privileges).
install -d -m 0755 /etc/voice-edge
umask 077
env_tmp="$(mktemp /etc/voice-edge/relay.env.XXXXXX)"
grep -E '^Relay__[A-Za-z]+=' > "$env_tmp" || true
grep -q '^Relay__SigningKey=.' "$env_tmp" || { rm -f "$env_tmp"; echo "install.sh: stdin carried no Relay__SigningKey" >&2; exit 1; }
chmod 0600 "$env_tmp"; chown root:root "$env_tmp"
mv "$env_tmp" /etc/voice-edge/relay.env
umask 022

# Swap in the new build, keeping the previous one for a manual rollback.
rm -rf "$target.previous"
[ -d "$target" ] && mv "$target" "$target.previous"
mv "$incoming" "$target"
chown -R root:root "$target"
chmod 0755 "$target/voice-edge-relay"

install -m 0644 "$target/deploy/voice-edge-relay.service" /etc/systemd/system/voice-edge-relay.service
install -m 0644 "$target/deploy/Caddyfile" /etc/caddy/Caddyfile
install -d -m 0755 /etc/systemd/system/caddy.service.d
printf '[Service]\nEnvironment=VOICE_EDGE_WS_HOST=%s\n' "$host" > /etc/systemd/system/caddy.service.d/voice-edge.conf

systemctl daemon-reload
systemctl enable voice-edge-relay.service caddy.service >/dev/null 2>&1
systemctl restart voice-edge-relay.service
systemctl restart caddy.service

for _ in $(seq 60); do
  if curl -fsS --max-time 2 http://127.0.0.1:8999/health >/dev/null 2>&1; then
    echo "install.sh: relay healthy behind $host" >&2
    exit 0
  fi
  sleep 1
done
echo "install.sh: relay did not become healthy within 60 s; see journalctl -u voice-edge-relay" >&2
curl -sS --max-time 2 http://127.0.0.1:8999/health >&2 || true
exit 1
