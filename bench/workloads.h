// The benchmarked workloads and the engines that run them.
//
// A workload is one BPF program (in its own .bpf.o, built from bench/bpf/) plus
// a native C++ twin of the same algorithm. An engine runs a workload inside a
// Google Benchmark loop; main.cpp registers every workload x engine pair as
// "<workload>/<engine>", so adding an engine (e.g. /jit) is one line in
// kEngines there.
//
// Every engine reports the same units: the benchmark's time is per program run
// (process CPU time for the userspace engines, the kernel's own duration for
// /kernel), items are loop iterations (compute) or map operations, and the
// counter "per_item" is the time per item. Before timing, each engine checks
// that its result matches the native twin's (low 32 bits: XDP's retval is 32-bit).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

namespace bench {

/// A map filled before any run: key k in [0, BENCH_MAP_ENTRIES) gets bench_value_for_key(k).
enum class Fill { None, Hash, Array };

struct Workload {
  const char* name;     // benchmark name prefix
  const char* object;   // <name>.bpf.o in HOSTBPF_BENCH_OBJ_DIR
  const char* program;  // function name in the object
  const char* map;      // map to fill, or nullptr
  Fill fill;
  uint64_t items_per_run;
  /// The native twin: one call is one program run. Returns what the program returns.
  uint64_t (*native)();
  /// Resets the native twin's state (fills its map), called before timing.
  void (*native_setup)();
};

/// The workloads, in the order they are reported.
extern const Workload kWorkloads[];
extern const size_t kNumWorkloads;

/// Full path of a workload's object.
std::string object_path(const Workload& w);

/// Ends a run of any engine: items processed and the time per item (counter "per_item", in seconds).
inline void report_items(benchmark::State& state, const Workload& w) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * w.items_per_run));
  state.counters["per_item"] = benchmark::Counter(static_cast<double>(w.items_per_run),
                                                 benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
}

/// The result every engine must produce for `w` (from the native twin).
uint32_t expected_result(const Workload& w);

// Engines. Each runs `w` in `state`'s loop, or calls SkipWithError.
void run_native(benchmark::State& state, const Workload& w);
void run_kernel(benchmark::State& state, const Workload& w);

/// How hostbpf executes the program.
enum class Exec { Interp, Jit };
/// The hot path: Program::run(ctx) in the loop.
void run_hostbpf(benchmark::State& state, const Workload& w, Exec exec);
/// Program::test_run() with repeat = 1 in the loop: the API's overhead.
void run_hostbpf_test_run(benchmark::State& state, const Workload& w, Exec exec);

// Verification (verify.cpp): counters processed_insns and insns.
/// hostbpf's verifier on the workload's program, one verification per iteration.
void run_verify_hostbpf(benchmark::State& state, const Workload& w);
/// One kernel load per iteration; manual time = the kernel log's verification time.
void run_verify_kernel(benchmark::State& state, const Workload& w);
/// Iterations per repetition of run_verify_kernel (fixed: see verify.cpp).
int kernel_verify_iterations();

}  // namespace bench
