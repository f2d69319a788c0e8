#!/usr/bin/env bash
# Renders every committed stack offline at <base-ref> and at the working tree, and prints a Markdown diff of the
# Pulumi programs. Each side renders with its own Worker, built from its own worker-src (the program carries the
# built worker.js's contentSha256, so a Worker change shows in the diff). Needs no secrets, so pull requests from
# forks get it too.
# Usage: .github/scripts/render-diff.sh <base-ref>
set -euo pipefail
base="${1:?usage: render-diff.sh <base-ref>}"
root="$(git rev-parse --show-toplevel)"
work="$(mktemp -d)"; trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1; rm -rf "$work"' EXIT

build_worker() { # <tree>: worker-src/dist/worker.js from that tree's sources; reuses the working tree's
                 # node_modules when the lockfiles match (same dependencies), else installs its own
  local tree="$1"
  if [ "$tree" != "$root" ] && [ -d "$root/worker-src/node_modules" ] && [ ! -e "$tree/worker-src/node_modules" ] \
     && cmp -s "$root/worker-src/package-lock.json" "$tree/worker-src/package-lock.json"; then
    ln -s "$root/worker-src/node_modules" "$tree/worker-src/node_modules"
  elif [ ! -d "$tree/worker-src/node_modules" ]; then
    npm ci --prefix "$tree/worker-src" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  fi
  rm -rf "$tree/worker-src/dist"
  npm run --silent --prefix "$tree/worker-src" build >&2
}

render_all() { # <tree> <outdir>
  mkdir -p "$2"
  if ! build_worker "$1" 2> "$2/worker-build.err"; then
    echo "worker build failed in $1:" >&2; cat "$2/worker-build.err" >&2
  fi
  for file in "$1"/Pulumi.*.yaml; do
    [ -e "$file" ] || continue
    stack="$(basename "$file" .yaml)"; stack="${stack#Pulumi.}"
    if ! (cd "$1" && infra/voice-edge render "$stack") > "$2/$stack.yaml" 2> "$2/$stack.err"; then
      echo "# render failed" >> "$2/$stack.yaml"; cat "$2/$stack.err" >> "$2/$stack.yaml"
    fi
  done
}

resource_changes() { # <before.yaml> <after.yaml>: "added|changed|removed <name>" per resource under `resources:`
  awk 'FNR == 1 { side++ ; name = "" }
       /^[^ #]/ { section = $0; name = ""; next }
       section == "resources:" && /^  [A-Za-z0-9_-]+:/ { name = substr($1, 1, length($1) - 1) }
       section == "resources:" && name != "" { if (side == 1) before[name] = before[name] $0 "\n"; else after[name] = after[name] $0 "\n" }
       END {
         for (n in after) { if (!(n in before)) print "added " n; else if (before[n] != after[n]) print "changed " n }
         for (n in before) if (!(n in after)) print "removed " n
       }' "$1" "$2" | sort
}

diagram() { # <stack> <before.yaml> <after.yaml>: the PR's stack as a Mermaid flowchart, changed resources marked
  local changes added changed removed out
  changes="$(resource_changes "$2" "$3")"
  added="$(awk '$1 == "added" { print $2 }' <<<"$changes" | paste -sd, -)"
  changed="$(awk '$1 == "changed" { print $2 }' <<<"$changes" | paste -sd, -)"
  removed="$(awk '$1 == "removed" { print $2 }' <<<"$changes" | paste -sd, -)"
  if out="$(cd "$root" && infra/voice-edge plan "$1" --format mermaid ${added:+--added "$added"} ${changed:+--changed "$changed"} ${removed:+--removed "$removed"} 2>/dev/null)" \
     && [[ "$out" == flowchart* ]]; then
    echo "Green: added, yellow: changed, red (dashed): removed by this pull request."
    echo
    echo '```mermaid'
    printf '%s\n' "$out"
    echo '```'
    echo
  fi
}

git -C "$root" worktree add --detach "$work/base" "$base" >/dev/null 2>&1
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
    [ -e "$work/before/$stack_file" ] || : > "$work/before/$stack_file"
    diagram "${stack_file%.yaml}" "$work/before/$stack_file" "$work/after/$stack_file"
    echo '````diff'
    diff -u --label "base/${stack_file}" --label "pr/${stack_file}" "$work/before/$stack_file" "$work/after/$stack_file" | head -c 60000 || true
    echo '````'
    echo "</details>"
  fi
done
[ "$changed" -eq 1 ] || echo "No change to any committed stack's program."
