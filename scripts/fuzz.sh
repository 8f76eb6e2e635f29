#!/usr/bin/env bash
# Builds the libFuzzer targets (ASan+UBSan) and runs each for SECONDS (default
# 60), seeded with the BPF objects the test build compiles. Crashes are saved in
# build-fuzz/crashes/. Run longer by passing a larger number, e.g. 3600.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
scripts/setup.sh
CC=clang-19 CXX=clang++-19 scripts/build.sh build-fuzz -DHOSTBPF_FUZZ=ON -DHOSTBPF_SANITIZE=address -DHOSTBPF_BENCH=OFF >/dev/null
mkdir -p build-fuzz/crashes
status=0
for f in build-fuzz/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus=build-fuzz/corpus-$name
  mkdir -p "$corpus"
  if [ "$name" = fuzz_object ]; then find build-fuzz/tests build-fuzz/examples -name '*.bpf.o' -exec cp -n {} "$corpus/" \; ; fi
  echo "fuzz: $name for ${secs}s"
  if ! "$f" -max_total_time="$secs" -artifact_prefix=build-fuzz/crashes/"$name"- -print_final_stats=1 \
        -rss_limit_mb=4096 "$corpus" >build-fuzz/"$name".log 2>&1; then
    echo "fuzz: $name FAILED; tail of build-fuzz/$name.log:"; tail -40 build-fuzz/"$name".log
    status=1
  else
    grep -E 'stat::number_of_executed_units|Done' build-fuzz/"$name".log | tail -2 | sed "s/^/fuzz: $name: /"
  fi
done
exit $status
