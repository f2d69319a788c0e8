#!/usr/bin/env bash
# Refreshes and previews one stack expecting no changes. Writes result=clean|drift to $GITHUB_OUTPUT and
# the preview to drift.txt. Exit 0 for clean and drift (the next step files the issue), non-zero on failure.
# `pulumi preview --expect-no-changes` exits non-zero both on drift and on errors; the message it prints for
# proposed changes tells them apart.
set -uo pipefail
stack="${1:?usage: drift-check.sh <stack>}"
pulumi preview --stack "$stack" --refresh --expect-no-changes --diff --non-interactive --color never > drift.txt 2>&1
code=$?
cat drift.txt
if [ "$code" -eq 0 ]; then
  echo "result=clean" >> "${GITHUB_OUTPUT:-/dev/stdout}"
elif grep -q "no changes were expected but changes were proposed" drift.txt; then
  echo "result=drift" >> "${GITHUB_OUTPUT:-/dev/stdout}"
  echo "::warning::stack $stack has drifted"
else
  echo "result=failed" >> "${GITHUB_OUTPUT:-/dev/stdout}"
  echo "::error::drift check of $stack failed (exit $code)"
  exit "$code"
fi
