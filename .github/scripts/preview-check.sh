#!/usr/bin/env bash
# What deploying the working tree to a stack would change: `pulumi preview --expect-no-changes --diff` against
# the stack's recorded state. Used for PR previews, and by the drift workflow for pending changes (main ahead of
# the deployed stack), which are shown but never filed as drift.
#
# Decided on the exit code (see drift-check.sh for the source): 0 no changes, 7 ExitNoChanges = changes, else failure.
# Usage: preview-check.sh <stack> <markdown-out>. Writes result=none|changes|failed to $GITHUB_OUTPUT and a
# Markdown section (summary plus the last 30,000 characters of the diff) to <markdown-out>.
# Exit 0 for none and changes; the CLI's code on failure (the section is still written).
set -uo pipefail
stack="${1:?usage: preview-check.sh <stack> <markdown-out>}"
md="${2:?usage: preview-check.sh <stack> <markdown-out>}"
readonly EXIT_NO_CHANGES=7
log="$(mktemp)"; trap 'rm -f "$log"' EXIT
pulumi preview --stack "$stack" --expect-no-changes --diff --non-interactive --color never > "$log" 2>&1
code=$?
cat "$log"
case "$code" in
  0) result=none; summary="no changes" ;;
  "$EXIT_NO_CHANGES") result=changes; summary="changes" ;;
  *) result=failed; summary="failed (pulumi exit $code)" ;;
esac
echo "result=$result" >> "${GITHUB_OUTPUT:-/dev/stdout}"
{
  echo "<details><summary><code>pulumi preview --diff</code> for <code>${stack}</code>: ${summary}</summary>"
  echo
  echo '````diff'
  tail -c 30000 "$log"
  echo '````'
  echo "</details>"
} > "$md"
[ "$result" != failed ] || exit "$code"
