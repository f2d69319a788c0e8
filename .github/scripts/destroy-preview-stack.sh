#!/usr/bin/env bash
# Destroys a pull request's preview stack and removes it. A stack that was never created (a fork's pull request,
# or one closed before its first preview) is not an error: the CLI exits 6 (ExitStackNotFound,
# pulumi/pulumi pkg/cmd/pulumi/cmd/exit_codes.go at the pinned version) and this exits 0.
# Usage: destroy-preview-stack.sh pr-<number>
set -uo pipefail
stack="${1:?usage: destroy-preview-stack.sh pr-<number>}"
[[ "$stack" =~ ^pr-[0-9]+$ ]] || { echo "destroy-preview-stack.sh: '$stack' is not pr-<number>" >&2; exit 2; }
readonly EXIT_STACK_NOT_FOUND=6
pulumi destroy --stack "$stack" --yes --remove --non-interactive --color never
code=$?
if [ "$code" -eq "$EXIT_STACK_NOT_FOUND" ]; then
  echo "no stack $stack: nothing to destroy"
  exit 0
fi
exit "$code"
