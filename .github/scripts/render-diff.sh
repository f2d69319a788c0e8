#!/usr/bin/env bash
# Renders every committed stack offline at <base-ref> and at the working tree, and prints a Markdown diff of
# the Pulumi programs. Needs no secrets, so pull requests from forks get it too.
# Usage: .github/scripts/render-diff.sh <base-ref>
set -euo pipefail
base="${1:?usage: render-diff.sh <base-ref>}"
root="$(git rev-parse --show-toplevel)"
work="$(mktemp -d)"; trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1; rm -rf "$work"' EXIT

render_all() { # <tree> <outdir>
  mkdir -p "$2"
  for file in "$1"/Pulumi.*.yaml; do
    [ -e "$file" ] || continue
    stack="$(basename "$file" .yaml)"; stack="${stack#Pulumi.}"
    if ! (cd "$1" && infra/voice-edge render "$stack") > "$2/$stack.yaml" 2> "$2/$stack.err"; then
      echo "# render failed" >> "$2/$stack.yaml"; cat "$2/$stack.err" >> "$2/$stack.yaml"
    fi
  done
}

git -C "$root" worktree add --detach "$work/base" "$base" >/dev/null 2>&1
mkdir -p "$work/base/worker-src/dist"
cp "$root/worker-src/dist/worker.js" "$work/base/worker-src/dist/worker.js" 2>/dev/null || true
render_all "$work/base" "$work/before"
render_all "$root" "$work/after"

echo "### Rendered Pulumi programs: ${base} → this pull request"
echo
changed=0
for stack_file in $(ls "$work/before" "$work/after" | grep '\.yaml$' | sort -u); do
  if ! diff -q "$work/before/$stack_file" "$work/after/$stack_file" >/dev/null 2>&1; then
    changed=1
    echo "<details open><summary><code>${stack_file%.yaml}</code></summary>"
    echo
    echo '```diff'
    diff -u --label "base/${stack_file}" --label "pr/${stack_file}" "$work/before/$stack_file" "$work/after/$stack_file" | head -c 60000 || true
    echo '```'
    echo "</details>"
  fi
done
[ "$changed" -eq 1 ] || echo "No change to any committed stack's program."
