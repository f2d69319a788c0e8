#!/usr/bin/env bash
# The deploy's last step (relayEndpointCheck, a local Command on the deploying machine): the relay must answer on
# its public name, through Caddy, with a certificate this machine trusts, before `pulumi up` reports success.
#
# 1. The VM must be running. A resize that fails in Azure leaves it stopped: terraform-provider-azurerm v4.80.0
#    linux_virtual_machine_resource.go powers it off (lines 1665-1671) and may deallocate it (1675-1686) before
#    the update (1747-1751), and starts it again only after that update succeeded (1754-1759). When `az` is here
#    (CI logs in with azure/login) and the VM's power state is stopped or deallocated, this starts it and says so.
# 2. https://<ws host>/health/live must answer 200 with a certificate valid for that name (curl verifies against
#    the system's CAs). Caddy gets the certificate asynchronously after the VM boots (ACME HTTP-01, retried for
#    minutes), so this polls, bounded; it fails with the last thing it saw (DNS, TLS, HTTP status and body).
#
# 3. When the install's report (VOICE_EDGE_RELAY_REPORT, the Run Command's output) names the release it installed,
#    /health/live must answer with that build: the public name serves the relay just deployed.
# 4. Once the endpoint answers, the failed install attempts are removed from the VM. The install's Run Command is
#    auto-named and replaced on every change (infra/Stack/RelayDeployResources.cs, InstallOptions), and a failed one
#    stays on the VM outside Pulumi's state. This deletes the VM's run commands that share the current install's
#    logical name (VOICE_EDGE_RELAY_INSTALL less its 7 random characters), are not the current one, and whose
#    provisioningState is Failed or whose instanceView.executionState is Failed or TimedOut; never the current one,
#    a succeeded, running or pending one, nor another tool's. A deletion (which runs nothing on the VM) that fails is
#    a warning: the deploy has succeeded. Without az it prints the commands to do it by hand.
#
# Environment: VOICE_EDGE_WS_HOST (required), VOICE_EDGE_VM_ID (the VM's ARM id; empty: no power check, no cleanup),
# VOICE_EDGE_RELAY_INSTALL (the current install's Run Command name; empty: no cleanup),
# VOICE_EDGE_ENDPOINT_WAIT_SECONDS (default 600), VOICE_EDGE_ENDPOINT_INTERVAL_SECONDS (default 10).
# Tests only: VOICE_EDGE_ENDPOINT_CONNECT_TO (curl --connect-to, e.g. ws.example.test:443:127.0.0.1:8443) and
# VOICE_EDGE_ENDPOINT_CA_FILE (curl --cacert: trust this CA instead of the system's).
set -euo pipefail
host="${VOICE_EDGE_WS_HOST:?VOICE_EDGE_WS_HOST, the ws host name of the relay, is required}"
vm_id="${VOICE_EDGE_VM_ID:-}"
wait_s="${VOICE_EDGE_ENDPOINT_WAIT_SECONDS:-600}"
interval="${VOICE_EDGE_ENDPOINT_INTERVAL_SECONDS:-10}"
log() { echo "relay-endpoint-check: $*" >&2; }
[[ "$host" =~ ^[A-Za-z0-9.-]+$ ]] || { log "'$host' is not a host name"; exit 2; }

if [ -n "$vm_id" ]; then
  if command -v az >/dev/null 2>&1; then
    power="$(az vm get-instance-view --ids "$vm_id" \
      --query "instanceView.statuses[?starts_with(code, 'PowerState/')].code | [0]" -o tsv 2>/dev/null || true)"
    case "$power" in
      PowerState/running|PowerState/starting) ;;
      PowerState/stopped|PowerState/stopping|PowerState/deallocated|PowerState/deallocating)
        log "the relay VM is ${power#PowerState/} (a failed resize stops it before the resize and starts it only after); starting it"
        az vm start --ids "$vm_id" --only-show-errors >/dev/null || { log "az vm start failed: start the VM by hand (az vm start --ids $vm_id) and run pulumi up again"; exit 1; }
        log "the relay VM is running again"
        ;;
      *) log "could not read the VM's power state (${power:-no answer from az}); checking the endpoint anyway" ;;
    esac
  else
    log "az is not installed here: the VM's power state is not checked (the endpoint check below still fails if it is off)"
  fi
fi

# Step 4. `az vm run-command list` with --vm-name lists the VM's managed run commands (Azure/azure-cli
# src/azure-cli/azure/cli/command_modules/vm/commands.py: 'list' -> custom vm_run_command_list, which calls
# virtual_machine_run_commands.list_by_virtual_machine with --expand). Each item has the shape `vm run-command show`
# prints (aaz/latest/vm/run_command/_show.py, api 2024-11-01: `properties` is client-flattened, so `name`,
# `provisioningState` and `instanceView.executionState` are top-level paths; executionState is one of Unknown,
# Pending, Running, Failed, Succeeded, TimedOut, Canceled). instanceView is returned only with --expand instanceView,
# and -o tsv prints a null as an empty field.
cleanup_failed_installs() {
  local install="${VOICE_EDGE_RELAY_INSTALL:-}"
  [ -n "$vm_id" ] && [ -n "$install" ] || return 0
  local rest="${vm_id#/subscriptions/}" sub group vm
  sub="${rest%%/*}"
  group="$(printf '%s' "$vm_id" | sed -nE 's#^.*/resource[Gg]roups/([^/]+)/.*$#\1#p')"
  vm="${vm_id##*/}"
  if [ -z "$sub" ] || [ -z "$group" ] || [ -z "$vm" ] || [ "$sub" = "$vm_id" ]; then
    log "warning: '$vm_id' is not a VM id: failed install attempts are not cleaned up"
    return 0
  fi
  # The provider names it <logical name><7 random characters> (issue 23); only that install's attempts are ours.
  local prefix="$install"
  [ "${#install}" -gt 7 ] && prefix="${install:0:${#install}-7}"
  if ! command -v az >/dev/null 2>&1; then
    log "az is not installed here: failed install attempts stay on the VM; list and delete them by hand (docs/operations.md, \"A failed install and the next up\"):"
    log "  az vm run-command list --subscription $sub -g $group --vm-name $vm --expand instanceView --query \"[].[name, provisioningState, instanceView.executionState]\" -o tsv"
    log "  az vm run-command delete --subscription $sub -g $group --vm-name $vm --name <a Failed ${prefix}... other than $install> --yes"
    return 0
  fi
  local listed
  if ! listed="$(az vm run-command list --subscription "$sub" --resource-group "$group" --vm-name "$vm" --expand instanceView \
      --query "[].[name, provisioningState, instanceView.executionState]" -o tsv --only-show-errors 2>"$work/az-err")"; then
    log "warning: could not list the VM's run commands (failed install attempts stay on it): $(head -n 1 "$work/az-err" | head -c 300)"
    return 0
  fi
  local name provisioning execution out removed=0 kept=0
  while IFS=$'\t' read -r name provisioning execution; do
    name="${name%$'\r'}"; execution="${execution%$'\r'}"
    [ -n "$name" ] && [ "$name" != "$install" ] || continue
    case "$name" in "$prefix"*) ;; *) continue ;; esac
    case "$provisioning/$execution" in
      Failed/*|*/Failed|*/TimedOut) ;;
      *) continue ;;
    esac
    if out="$(az vm run-command delete --subscription "$sub" --resource-group "$group" --vm-name "$vm" --name "$name" --yes --only-show-errors 2>&1)"; then
      log "removed the failed install attempt $name (provisioning ${provisioning:-?}, execution ${execution:-?}) from the VM"
      removed=$((removed + 1))
    else
      log "warning: could not remove the failed install attempt $name: $(printf '%s' "$out" | head -n 1 | head -c 300); delete it later (az vm run-command delete --subscription $sub -g $group --vm-name $vm --name $name --yes)"
      kept=$((kept + 1))
    fi
  done <<< "$listed"
  [ "$removed" = 0 ] && [ "$kept" = 0 ] || log "failed install attempts: $removed removed, $kept left on the VM"
  return 0
}

release="$(printf '%s' "${VOICE_EDGE_RELAY_REPORT:-}" | grep -oE 'release [0-9a-f]{16}-[0-9a-f]{8}' | head -n 1 | cut -d' ' -f2 || true)"

url="https://$host/health/live"
curl_args=(-sS --max-time 10 --proto =https)
[ -n "${VOICE_EDGE_ENDPOINT_CONNECT_TO:-}" ] && curl_args+=(--connect-to "$VOICE_EDGE_ENDPOINT_CONNECT_TO")
[ -n "${VOICE_EDGE_ENDPOINT_CA_FILE:-}" ] && curl_args+=(--cacert "$VOICE_EDGE_ENDPOINT_CA_FILE")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
deadline=$((SECONDS + wait_s))
attempt=0
seen=""
while :; do
  attempt=$((attempt + 1))
  rc=0
  code="$(curl "${curl_args[@]}" -o "$work/body" -w '%{http_code}' "$url" 2>"$work/err")" || rc=$?
  if [ "$rc" = 0 ] && [ "$code" = 200 ] && { [ -z "$release" ] || grep -qF "\"build\":\"$release\"" "$work/body"; }; then
    echo "relay answers on $url with a valid certificate${release:+ as release $release} (attempt $attempt): $(head -c 300 "$work/body" | tr -d '\n')"
    cleanup_failed_installs || true
    exit 0
  fi
  if [ "$rc" = 0 ] && [ "$code" = 200 ]; then
    seen="it serves another build than the release just installed ($release): $(head -c 300 "$work/body" | tr -d '\n')"
  elif [ "$rc" != 0 ]; then
    case "$rc" in
      6) what="DNS: $host does not resolve" ;;
      7|28) what="no answer on port 443 (VM off, Caddy down, or the NSG)" ;;
      35|51|58|59|60|77|80|82|83|90|91) what="TLS: the certificate is not valid for $host yet (Caddy may still be getting it)" ;;
      *) what="curl exit $rc" ;;
    esac
    seen="$what; curl said: $(head -n 1 "$work/err" | head -c 300)"
  else
    seen="HTTP $code: $(head -c 300 "$work/body" | tr -d '\n')"
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "the relay does not answer on $url after ${wait_s} s ($attempt attempts); last: $seen"
    log "see docs/operations.md, \"The public endpoint check\"; the next pulumi up runs this check again"
    exit 1
  fi
  log "attempt $attempt: $seen; retrying in ${interval} s"
  sleep "$interval"
done
