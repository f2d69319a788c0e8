#!/usr/bin/env bash
# Installs the relay on the VM, as root, from run-command.sh (the deploy's Azure Run Command). Takes the package
# unpacked in /opt/voice-edge/incoming/relay and the relay's environment on stdin (lines Relay__Key=value or
# Relay__List__<i>__Key[__Name]=value;
# secrets included, never echoed), points Caddy at the ws host, and hands the relay's calls over to the new build.
#
# A relay deploy drops no call (relay/README.md, "The VM"):
# - Each release runs as voice-edge-relay@<release>.service, <release> = <build>-<config>: the first 16 hex digits
#   of the package's content hash, and 8 of the hash of its environment and units (a changed secret or unit is a
#   new release too). Its files are in /opt/voice-edge/relay/builds/<release>, its environment in
#   /etc/voice-edge/relay-<release>.env. Every release serves the one listening socket of voice-edge-relay.socket.
# - A new release is started beside the running one; once it serves (systemd says active and /health/live has
#   answered with its build), the previous one is stopped with --no-block: on its inherited socket SIGTERM means
#   hand-over, it accepts nothing more, keeps each open call until it ends (at most Relay__HandoverMaxMinutes,
#   then 1012) and exits. A rollback is the same hand-over backwards.
# - A new release that does not serve within the bound is stopped (it hands over whatever it took), the previous
#   one keeps serving, and this script exits 1 with the reason.
# - The same release again changes nothing. Caddy is touched only when its Caddyfile or environment changed: a
#   Caddy reload or restart closes every WebSocket it proxies. A relay deploy never touches it.
# - Migration from the single unit voice-edge-relay.service (before issue 24): it binds 127.0.0.1:8999 itself, so
#   it is stopped through its old drain (new calls 503, open calls Relay__DrainGraceSeconds, then 1012) before the
#   socket unit can listen. That first switch drops calls; every later one does not.
# Reports the relay's readiness (/health: can it reach the voice backend on the GPU host?) without failing on
# it: the backend may come up later, the relay does not need to.
#
# Usage: install.sh <ws-host> < relay.env
# Tests run it unprivileged: VOICE_EDGE_ROOT prefixes every path it writes, VOICE_EDGE_RELAY_URL is the
# relay's loopback URL, VOICE_EDGE_LIVE_WAIT_SECONDS bounds the wait for the new release.
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
# A unit's state as systemd prints it (active, activating, deactivating, inactive, failed, ...).
unit_state() { systemctl is-active "$1" 2>/dev/null || true; }
relay_unit() { printf 'voice-edge-relay@%s.service' "$1"; }

# The relay's environment, readable by root only (systemd reads it before dropping privileges).
install -d -m 0755 "$etc/voice-edge"
umask 077
env_tmp="$(mktemp "$etc/voice-edge/relay.env.XXXXXX")"
# Relay__Name=..., and the list-shaped settings: Relay__Backends__0__Url=..., Relay__Backends__0__DefaultQuery__voice_prompt=...,
# Relay__AllowedQueryKeys__0=... (one line each: grep reads lines, so no value spans two). Anything else is dropped.
grep -E '^Relay__[A-Za-z]+(__[0-9]+(__[A-Za-z][A-Za-z0-9]*(__[A-Za-z](_?[A-Za-z0-9])*)?)?)?=' > "$env_tmp" || true
grep -q '^Relay__SigningKey=.' "$env_tmp" || { rm -f "$env_tmp"; log "stdin carried no Relay__SigningKey"; exit 1; }
# Relay__Build is the release's name (the unit sets it): a setting of that name would misname the build.
sed -i '/^Relay__Build=/d' "$env_tmp"
chown root:root "$env_tmp"
umask 022

# The release: the build (everything the relay runs; the Caddyfile is Caddy's, compared on its own below) and its
# configuration (environment and units).
relay_hash() {
  (cd "$1" && find . -type f ! -path ./.content-sha256 ! -path ./deploy/Caddyfile -print0 | LC_ALL=C sort -z \
    | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
build_hash="$(relay_hash "$incoming")"
config_hash="$(cat "$env_tmp" "$incoming/deploy/voice-edge-relay@.service" | sha256sum | cut -c1-8)"
release="${build_hash:0:16}-$config_hash"
builds="$target/builds"
current="$(cat "$target/current" 2>/dev/null || true)"
legacy=0
[ -f "$etc/systemd/system/voice-edge-relay.service" ] && legacy=1

# The units and Caddy's files. A changed socket unit applies at the next boot: restarting it would close the
# listening socket under the running relays.
reload=0
for unit in voice-edge-relay@.service voice-edge-relay.socket voice-edge-relay-activate.service; do
  if changed_install "$incoming/deploy/$unit" "$etc/systemd/system/$unit"; then reload=1; fi
done
caddy_changed=0
dropin="$(mktemp)"
printf '[Service]\nEnvironment=VOICE_EDGE_WS_HOST=%s\n' "$host" > "$dropin"
if changed_install "$dropin" "$etc/systemd/system/caddy.service.d/voice-edge.conf"; then caddy_changed=1; reload=1; fi
rm -f "$dropin"
if changed_install "$incoming/deploy/Caddyfile" "$etc/caddy/Caddyfile"; then caddy_changed=1; fi
if [ "$reload" = 1 ]; then systemctl daemon-reload; fi
systemctl is-enabled --quiet caddy.service || systemctl enable --quiet caddy.service

# Updates never restart or reboot on their own: a restarted Caddy closes every WebSocket it proxies, a reboot drops
# every call. Ubuntu 24.04's needrestart restarts the services an apt run affected (automatically when nobody is
# asked); 'l' only lists them. unattended-upgrades does not reboot; Azure's platform patching never reboots either
# (rebootSetting: Never, infra/Stack/RelayHostResources.cs). Written here, not in cloud-init: a change of custom
# data replaces the VM, and first boot's upgrades run before any call. Pending restarts and reboots are reported
# at the end of every install (docs/operations.md, "Patching").
patch_tmp="$(mktemp)"
printf '%s\n' "# voice-edge (install.sh): list the services an update affects, restart none (docs/operations.md, Patching)" \
  "\$nrconf{restart} = 'l';" > "$patch_tmp"
changed_install "$patch_tmp" "$etc/needrestart/conf.d/60-voice-edge.conf" || true
printf '%s\n' "// voice-edge (install.sh): never reboot for an update (docs/operations.md, Patching)" \
  'Unattended-Upgrade::Automatic-Reboot "false";' > "$patch_tmp"
changed_install "$patch_tmp" "$etc/apt/apt.conf.d/52voice-edge-no-reboot" || true
rm -f "$patch_tmp"

# The release's files and environment (a rollback finds its build still there).
if [ -d "$builds/$release" ]; then
  rm -rf "$incoming"
else
  install -d -m 0755 "$builds"
  printf '%s\n' "$build_hash" > "$incoming/.content-sha256"
  mv "$incoming" "$builds/$release"
  chown -R root:root "$builds/$release"
  chmod 0755 "$builds/$release/voice-edge-relay"
fi
mv "$env_tmp" "$etc/voice-edge/relay-$release.env"
chmod 0600 "$etc/voice-edge/relay-$release.env"
# The latest environment, for reading (each release runs with its own copy above).
install -m 0600 "$etc/voice-edge/relay-$release.env" "$etc/voice-edge/relay.env"

live_body() { curl -fsS --max-time 2 "$relay_url/health/live" 2>/dev/null || true; }

# Waits until the release serves: systemd runs it (active; a relay that fails its settings exits 2 at once and is
# left activating/failed) and /health/live has answered with its build at least once. Both releases accept from
# the same socket, so a poll may reach either; the old one's answers are not counted.
wait_serving() {
  local unit tries i state
  unit="$(relay_unit "$1")"
  tries=$((live_wait * 5))
  for ((i = 0; i < tries; i++)); do
    state="$(unit_state "$unit")"
    if [ "$state" = active ] && [[ "$(live_body)" == *"\"build\":\"$1\""* ]]; then return 0; fi
    sleep 0.2
  done
  return 1
}

current_state=""
[ -n "$current" ] && current_state="$(unit_state "$(relay_unit "$current")")"
if [ "$release" = "$current" ] && [ "$current_state" = active ]; then
  log "relay unchanged (release $release): not restarted"
else
  if [ "$legacy" = 1 ]; then
    log "migrating from voice-edge-relay.service: it holds 127.0.0.1:8999 itself, so it stops first through its drain (open calls get Relay__DrainGraceSeconds, then 1012); later deploys hand calls over"
    systemctl stop voice-edge-relay.service
  fi
  systemctl enable --now --quiet voice-edge-relay.socket
  new_unit="$(relay_unit "$release")"
  log "starting release $release beside ${current:-no running release}"
  start_failed=""
  systemctl start "$new_unit" || start_failed="systemctl start failed"
  if [ -n "$start_failed" ] || ! wait_serving "$release"; then
    state="$(unit_state "$new_unit")"
    reason="release $release did not serve within ${live_wait} s (${start_failed:-systemd state: ${state:-unknown}}, /health/live never answered with its build)"
    if [ "$legacy" = 1 ]; then
      # The single unit binds the port itself: the new release and the socket must be gone first.
      systemctl stop "$new_unit" || true
      systemctl disable --now --quiet voice-edge-relay.socket || true
      systemctl start voice-edge-relay.service || true
      log "$reason; voice-edge-relay.service (the previous relay) started again; see journalctl -u $new_unit"
      rm -f "$etc/voice-edge/relay-$release.env"
      exit 1
    fi
    # Stopping it hands over any call it took; --no-block: those calls need not hold up the deploy.
    systemctl stop --no-block "$new_unit" || true
    if [ -n "$current" ] && [ "$current" != "$release" ] && [ "$current_state" = active ]; then
      log "$reason; release $current keeps serving; see journalctl -u $new_unit"
    else
      log "$reason; no relay serves; see journalctl -u $new_unit"
    fi
    rm -f "$etc/voice-edge/relay-$release.env"
    exit 1
  fi
  systemctl enable --quiet "$new_unit"
  if [ -n "$current" ] && [ "$current" != "$release" ]; then printf '%s\n' "$current" > "$target/previous"; fi
  printf '%s\n' "$release" > "$target/current.tmp"
  mv "$target/current.tmp" "$target/current"
  if [ "$legacy" = 1 ]; then
    systemctl disable --quiet voice-edge-relay.service || true
    rm -f "$etc/systemd/system/voice-edge-relay.service"
    systemctl daemon-reload
  fi
  if [ -n "$current" ] && [ "$current" != "$release" ]; then
    old_unit="$(relay_unit "$current")"
    systemctl disable --quiet "$old_unit" || true
    log "release $release serves; handing over from $current (it keeps its open calls until they end, then exits)"
    systemctl stop --no-block "$old_unit"
  else
    log "release $release serves"
  fi
fi

# Pruning: the builds of the current and previous releases, and of any release still running (handing over), stay.
previous="$(cat "$target/previous" 2>/dev/null || true)"
current="$(cat "$target/current" 2>/dev/null || true)"
if [ -d "$builds" ]; then
  for dir in "$builds"/*/; do
    [ -d "$dir" ] || continue
    name="$(basename "$dir")"
    [ "$name" = "$current" ] || [ "$name" = "$previous" ] && continue
    case "$(unit_state "$(relay_unit "$name")")" in
      inactive|failed|unknown|"") rm -rf "$dir" "$etc/voice-edge/relay-$name.env"; log "pruned release $name" ;;
    esac
  done
fi
# What the single unit ran from (before issue 24), once it no longer runs.
if [ "$legacy" = 1 ]; then
  find "$target" -mindepth 1 -maxdepth 1 ! -name builds ! -name current ! -name previous -exec rm -rf {} +
  rm -rf "$target.previous"
fi

if [ "$caddy_changed" = 1 ]; then
  log "Caddy configuration changed: restarting Caddy (this closes the WebSockets it proxies)"
  systemctl restart caddy.service
else
  log "Caddy configuration unchanged: Caddy not touched"
fi

# Announced, never done here: a reboot the installed updates need (Ubuntu's update-notifier writes the flag).
if [ -f "$root/var/run/reboot-required" ]; then
  pkgs="$(tr '\n' ' ' < "$root/var/run/reboot-required.pkgs" 2>/dev/null || true)"
  echo "the VM needs a reboot for installed updates (${pkgs% }); it drops every call: reboot in a quiet hour (docs/operations.md, Patching)"
fi

body="$(mktemp)"
code="$(curl -sS -o "$body" -w '%{http_code}' --max-time 5 "$relay_url/health" 2>/dev/null || true)"
readiness="$(head -c 2000 "$body" | tr -d '\n')"
rm -f "$body"
if [ "$code" = 200 ]; then
  echo "relay live and ready behind $host (release $current): $readiness"
else
  echo "relay live behind $host (release $current) but NOT READY (HTTP ${code:-none}): $readiness"
  echo "calls fail until the relay can reach the voice backend (voiceBackends on the GPU host); no redeploy is needed once it can"
fi
