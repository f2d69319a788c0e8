#!/usr/bin/env bash
# Drift: the cloud changed behind Pulumi's back. `pulumi refresh --preview-only --expect-no-changes` compares the
# cloud with the stack's recorded state (what Pulumi Deployments' drift detection runs) and changes nothing.
# Changes merged to main but not yet deployed are NOT drift: preview-check.sh reports those.
#
# Decided on the exit code, never on the message. At the pinned CLI (.github/pulumi-version) the codes are
# pulumi/pulumi pkg/cmd/pulumi/cmd/exit_codes.go (ExitCodeFor) and sdk/go/common/util/cmdutil/exit.go:
# 0 success, 7 ExitNoChanges (--expect-no-changes and changes were proposed), anything else a failure
# (1 generic, 3 authentication, 6 stack not found, 8 cancelled, ...).
#
# Usage: drift-check.sh <stack>. Writes result=clean|drift|failed to $GITHUB_OUTPUT and the output to drift.txt.
# Exit 0 for clean and drift (the next step opens, updates or closes the drift issue); the CLI's code on failure.
set -uo pipefail
stack="${1:?usage: drift-check.sh <stack>}"
readonly EXIT_NO_CHANGES=7
pulumi refresh --stack "$stack" --preview-only --expect-no-changes --diff --non-interactive --color never > drift.txt 2>&1
code=$?
cat drift.txt
out="${GITHUB_OUTPUT:-/dev/stdout}"
case "$code" in
  0) echo "result=clean" >> "$out" ;;
  "$EXIT_NO_CHANGES")
    echo "result=drift" >> "$out"
    echo "::warning::stack $stack has drifted: the cloud differs from its recorded state" ;;
  *)
    echo "result=failed" >> "$out"
    echo "::error::drift check of $stack failed (pulumi exit $code)"
    exit "$code" ;;
esac
