#!/usr/bin/env bash
# Sets up, builds, and runs the example: the hostbpf CLI loads a BPF object that
# clang-19 compiled from examples/hello.bpf.c and runs its programs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build >/dev/null
hostbpf=build/tools/hostbpf/hostbpf
obj=build/examples/hello.bpf.o
# An Ethernet + IPv4 + UDP packet.
#    dst mac      src mac      type | IPv4 header, protocol 17        | UDP header
udp=ffffffffffff020000000001""0800""4500001c000000004011000a0a0000010a000002""3039003500080000

run() { echo "\$ hostbpf $*"; "$hostbpf" "$@"; echo; }
run prog run "$obj" --prog count_packet --data-hex "$udp" --repeat 1000 --json
run prog run "$obj" --prog hello --repeat 3
run map dump "$obj" counters --after count_packet --data-hex "$udp" --repeat 1000
run prog dump "$obj" --prog hello
