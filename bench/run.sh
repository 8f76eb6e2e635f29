#!/usr/bin/env bash
# Builds hostbpf_bench (Release) and runs every workload on every engine, side
# by side, then the verification of every workload's program by hostbpf and by
# the kernel, writing the console table, a JSON file and the Markdown tables.
#
#   bench/run.sh [extra Google Benchmark flags, e.g. --benchmark_filter=compute]
#
# The kfunc and cpumask benchmarks alone: bench/run.sh --benchmark_filter='kfunc|cpumask'
#
# Environment: BUILD_DIR (default build-bench), OUT (default $BUILD_DIR/bench/results.json),
# MIN_TIME seconds per benchmark (default 0.3), REPS repetitions (default 5; the
# table uses their median, which resists other load on the machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
out=${OUT:-$build/bench/results.json}
min_time=${MIN_TIME:-0.3}
reps=${REPS:-5}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target hostbpf_bench -j2

echo "# $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)," \
     "bpf_jit_enable=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null || echo '?'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/hostbpf_bench" \
  --benchmark_min_time="$min_time" \
  --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=json \
  "$@"
echo
echo "JSON: $out"
python3 "$root/bench/results_table.py" "$out"
