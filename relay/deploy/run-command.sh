#!/usr/bin/env bash
# The deploy's Azure Run Command (relayInstall), run as root on the relay VM; no inbound port is involved.
# Named parameters arrive as environment variables (Azure/run-command-handler-linux, internal/exec/exec.go);
# the secrets are protected parameters and go only into the relay's root-only environment file.
# Fetches the relay package from its private blob with the VM's managed identity (an IMDS token for
# https://storage.azure.com/, then the blob REST API), unpacks it and runs its install.sh, whose exit status
# and output become the Run Command's.
# The voice backends and other list-shaped settings arrive as RELAY_SETTING_0, RELAY_SETTING_1, ... each one
# whole environment line (Relay__Backends__0__Url=wss://...; infra/Stack/RelayEnvironment.cs): only the names
# below are taken, and no value may hold a line break (it would smuggle in another setting).
set -euo pipefail
: "${RELAY_PACKAGE_URL:?}" "${RELAY_WS_HOST:?}" "${RELAY_TWILIO_UPSTREAM:?}" "${RELAY_PUBLIC_BASE_URL:?}"
: "${RELAY_SIGNING_KEY:?protected parameter RELAY_SIGNING_KEY missing}"
# Tests point these at loopback stand-ins; on the VM they are the defaults.
imds="${VOICE_EDGE_IMDS_URL:-http://169.254.169.254}"
root="${VOICE_EDGE_ROOT:-}"
retry_delay="${VOICE_EDGE_RETRY_DELAY_SECONDS:-15}"
log() { echo "run-command.sh: $*" >&2; }

# Every setting is checked before anything is fetched or touched.
settings=()
for ((i = 0; ; i++)); do
  name="RELAY_SETTING_$i"
  [ -n "${!name+set}" ] || break
  line="${!name}"
  if [[ "$line" == *$'\n'* || "$line" == *$'\r'* ]]; then log "$name holds a line break; refused"; exit 1; fi
  if ! [[ "$line" =~ ^Relay__(Backends__[0-9]+__(Url|Capacity|CertificateSha256|DefaultQuery__[A-Za-z](_?[A-Za-z0-9])*)|AllowedQueryKeys__[0-9]+|TwilioAccountSid|QueueSeconds)= ]]; then
    log "$name is not a relay setting this deploy passes (${line%%=*}); refused"; exit 1
  fi
  settings+=("$line")
done
# Every parameter, secrets included, becomes one line of the relay's environment: none may span two.
while read -r name; do
  if [[ "${!name}" == *$'\n'* || "${!name}" == *$'\r'* ]]; then log "$name holds a line break; refused"; exit 1; fi
done < <(compgen -e | grep '^RELAY_')

umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Headers go through a file (curl -H @file), so the token never sits in a process's arguments.
fetch_token() {
  curl -fsS --max-time 10 --retry 5 --retry-delay 2 --retry-all-errors -H 'Metadata: true' \
    "$imds/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com%2F" \
    > "$work/token.json"
  local token
  token="$(sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p' "$work/token.json")"
  rm -f "$work/token.json"
  [ -n "$token" ] || { log "IMDS returned no access token (does the VM have its system-assigned identity?)"; return 1; }
  printf 'Authorization: Bearer %s\nx-ms-version: 2021-08-06\n' "$token" > "$work/headers"
}

# A new role assignment can take minutes to reach the storage service: 403 (and 404 while the blob's upload
# is settling) are retried for about ten minutes; anything else fails at once.
code=000
for attempt in $(seq 1 40); do
  fetch_token
  code="$(curl -sS --max-time 300 -o "$work/relay.tar.gz" -w '%{http_code}' -H @"$work/headers" "$RELAY_PACKAGE_URL" || true)"
  [ "$code" = 200 ] && break
  case "$code" in
    403|404) log "package download: HTTP $code (attempt $attempt); the VM's read access may still be propagating" ;;
    *) log "package download failed: HTTP ${code:-none} from $RELAY_PACKAGE_URL"; exit 1 ;;
  esac
  sleep "$retry_delay"
done
[ "$code" = 200 ] || { log "package download still refused (HTTP $code); check the Storage Blob Data Reader assignment"; exit 1; }
log "fetched $(basename "${RELAY_PACKAGE_URL%%\?*}") ($(wc -c < "$work/relay.tar.gz") bytes)"

incoming="$root/opt/voice-edge/incoming/relay"
rm -rf "$incoming"
install -d -m 0755 "$incoming"
tar -xzf "$work/relay.tar.gz" -C "$incoming" --no-same-owner
umask 022

# printf is a shell builtin: the secrets reach install.sh's stdin without appearing in any argument list.
{
  if [ ${#settings[@]} -gt 0 ]; then printf '%s\n' "${settings[@]}"; fi
  printf 'Relay__TwilioUpstream=%s\n' "$RELAY_TWILIO_UPSTREAM"
  printf 'Relay__TwilioMode=%s\n' "${RELAY_TWILIO_MODE:-passthrough}"
  printf 'Relay__PublicBaseUrl=%s\n' "$RELAY_PUBLIC_BASE_URL"
  printf 'Relay__SigningKey=%s\n' "$RELAY_SIGNING_KEY"
  # A signing-key rotation under way (docs/operations.md): the one extra key the relay accepts, when passed.
  if [ -n "${RELAY_SIGNING_KEY_NEXT:-}" ]; then printf 'Relay__NextSigningKey=%s\n' "$RELAY_SIGNING_KEY_NEXT"; fi
  if [ -n "${RELAY_SIGNING_KEY_PREVIOUS:-}" ]; then printf 'Relay__PreviousSigningKey=%s\n' "$RELAY_SIGNING_KEY_PREVIOUS"; fi
  printf 'Relay__TwilioAuthToken=%s\n' "${RELAY_TWILIO_AUTH_TOKEN:-}"
  # Optional (Webhook Rules' shared key): no line at all when the deploy does not pass it.
  if [ -n "${RELAY_TWILIO_WEBHOOK_SHARED_KEY:-}" ]; then
    printf 'Relay__TwilioWebhookSharedKey=%s\n' "$RELAY_TWILIO_WEBHOOK_SHARED_KEY"
  fi
} | bash "$incoming/deploy/install.sh" "$RELAY_WS_HOST"
