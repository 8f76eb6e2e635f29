#!/usr/bin/env bash
# Configures and builds one build tree: scripts/build.sh [DIR] [cmake args...]
# TARGETS="a b" builds only those targets (default: everything).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}; shift || true
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
fi
if [ -n "${TARGETS:-}" ]; then
  # shellcheck disable=SC2086  # a list of target names
  cmake --build "$dir" --target ${TARGETS} -- -k 0
else
  cmake --build "$dir" -- -k 0
fi
