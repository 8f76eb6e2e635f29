#!/usr/bin/env bash
# Sets up, builds, and runs the example: the hostbpf CLI loads a BPF object that
# clang-19 compiled from examples/hello.bpf.c and runs its programs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build >/dev/null
set -x
build/tools/hostbpf/hostbpf prog run build/examples/hello.bpf.o --prog count_packet --data-hex "$(printf '%0128x' 0)" --repeat 1000 --json
build/tools/hostbpf/hostbpf prog run build/examples/hello.bpf.o --prog hello --repeat 3
build/tools/hostbpf/hostbpf map dump build/examples/hello.bpf.o counters
