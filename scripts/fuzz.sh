#!/usr/bin/env bash
# Builds the libFuzzer targets (ASan+UBSan) and runs each for SECONDS (default
# 60), seeded with the BPF objects the test build compiles. Crashes are saved in
# build-fuzz/crashes/. Run longer by passing a larger number, e.g. 3600.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   only the named targets, e.g. fuzz_verifier
#   FUZZ_BUILD=DIR                         build tree (default build-fuzz)
#
# fuzz_verifier is the verifier's soundness fuzzer (fuzz/soundness.h): random
# programs that the verifier accepts run in the checked interpreter, and any
# memory access outside the run's regions (or a difference from the fast
# interpreter) aborts with a report. CI runs it for SECONDS like the others. To
# run it longer, e.g. for an hour, keeping its corpus for the next run:
#   scripts/fuzz.sh 3600 fuzz_verifier
# Its log (build-fuzz/fuzz_verifier.log) shows the acceptance rate, the top
# rejection reasons and the features of accepted programs every 2^k programs.
# A crash file reproduces with build-fuzz/fuzz/fuzz_verifier FILE. Without
# libFuzzer the same generator runs over fixed seeds in `ctest -L soundness`;
# SOUNDNESS_SECONDS=N (and SOUNDNESS_FIRST_SEED=S) run that one longer.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
build=${FUZZ_BUILD:-build-fuzz}
scripts/setup.sh
# The corpora are seeded with the BPF objects and BTF files of a test build.
# When the ordinary build tree has them (CI builds it first), only the fuzzers
# are built here; otherwise this tree builds everything, seeds included.
seeds=${FUZZ_SEEDS:-build}
targets=fuzzers
if [ ! -d "$seeds/tests" ] || [ ! -d "$seeds/examples" ]; then seeds=$build; targets=; fi
TARGETS=$targets CC=clang-19 CXX=clang++-19 scripts/build.sh "$build" -DHOSTBPF_FUZZ=ON -DHOSTBPF_SANITIZE=address \
  -DHOSTBPF_BENCH=OFF >/dev/null
mkdir -p "$build"/crashes
status=0
for f in "$build"/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  corpus=$build/corpus-$name
  mkdir -p "$corpus"
  if [ "$name" = fuzz_object ] || [ "$name" = fuzz_load ]; then
    find "$seeds"/tests "$seeds"/examples -name '*.bpf.o' -exec cp -n {} "$corpus/" \;
  fi
  # Raw BTF made by pahole (tests/btf) seeds the BTF parser, and recipes for
  # chains of nested types (fuzz/fuzz_btf.cpp) at, past and far past (2048,
  # the recipes' cap) the kernel's resolve depth of 32: structs both ways, a mix of structs,
  # modifiers, typedefs and arrays, pointers to prototypes, and mutated ones.
  if [ "$name" = fuzz_btf ]; then
    find "$seeds"/tests -name '*.btf' -exec cp -n {} "$corpus/" \;
    seed() { printf "$2" >"$corpus/chain-$1"; }
    seed struct32 '\xf1\x20\x00\x00\x00'
    seed struct33 '\xf1\x21\x00\x00\x00'
    seed struct33-inner-first '\xf0\x21\x00\x00\x00'
    seed struct2048 '\xf1\x00\x08\x00\x00'
    seed struct2048-inner-first '\xf0\x00\x08\x00\x00'
    seed mixed33 '\xf1\x21\x00\x05\x00\x03\x02\x05\x01\x04'
    seed mixed2048 '\xf0\x00\x08\x05\x00\x03\x02\x05\x01\x04'
    seed ptr-proto256 '\xf1\x00\x01\x01\x06\x07'
    seed ptr-proto2048 '\xf1\x00\x08\x01\x06\x07'
    seed struct32-mutated '\xf1\x20\x00\x00\x00\x1c\x00\xff\x40\x00\x01'
  fi
  # fuzz_verifier's inputs are decisions: short ones make short programs, so
  # it starts at full length instead of growing slowly.
  extra=()
  if [ "$name" = fuzz_verifier ]; then extra=(-len_control=0 -max_len=4096); fi
  echo "fuzz: $name for ${secs}s"
  # -timeout: a verified program that does not terminate is a finding too.
  if ! "$f" -max_total_time="$secs" -timeout=60 -artifact_prefix="$build"/crashes/"$name"- -print_final_stats=1 \
        -rss_limit_mb=4096 "${extra[@]}" "$corpus" >"$build"/"$name".log 2>&1; then
    echo "fuzz: $name FAILED; tail of $build/$name.log:"; tail -40 "$build"/"$name".log
    status=1
  else
    grep -E 'stat::number_of_executed_units|Done' "$build"/"$name".log | tail -2 | sed "s/^/fuzz: $name: /"
  fi
done
exit $status
