// What a kfunc call costs: a program calling a trivial host kfunc 100 times
// (kfunc_call.bpf.c, bench_add registered through Runtime::host()) against
// the same loop in C++ calling the same function through a function pointer,
// the bare loop on both sides, and the loop calling a helper
// (bpf_get_smp_processor_id) in hostbpf and in the kernel for scale.
//
//   kfunc_call/interp, kfunc_call/native          100 x bench_add(acc, i)
//   kfunc_call_loop/interp, /native, /kernel       the loop alone (acc += i)
//   kfunc_call_helper/interp, /kernel              100 x bpf_get_smp_processor_id()
//   kfunc_call_loop_10k/..., kfunc_call_helper_10k/...  the same with 10000 iterations: the
//                                                  kernel's figures per item are then free of
//                                                  its ~1 us syscall (spread over 100 items, it
//                                                  dominates the 100-iteration kernel rows)
#include <cstdint>
#include <memory>
#include <string>

#include "bench/bpf/bench_params.h"
#include "bench/bpf/kfunc_params.h"
#include "syscall_benchmarks.h"

namespace bench {
namespace {

// The kfunc. noinline: the native twin must make a real call too.
__attribute__((noinline)) uint64_t bench_add(uint64_t a, uint64_t b) { return a + b; }

// sum of i for i < BENCH_KFUNC_CALLS
constexpr int64_t kLoopSum = BENCH_KFUNC_CALLS * (BENCH_KFUNC_CALLS - 1) / 2;

const SyscallProg kKfuncLoop{"kfunc_call.bpf.o", "kfunc_loop", BENCH_KFUNC_CALLS, kLoopSum};
const SyscallProg kPlainLoop{"kfunc_call.bpf.o", "plain_loop", BENCH_KFUNC_CALLS, kLoopSum};
const SyscallProg kHelperLoop{"kfunc_call.bpf.o", "helper_loop", BENCH_KFUNC_CALLS, BENCH_KFUNC_CALLS};
constexpr int64_t kLongLoopSum = int64_t{BENCH_KFUNC_CALLS_LONG} * (BENCH_KFUNC_CALLS_LONG - 1) / 2;
const SyscallProg kPlainLoopLong{"kfunc_call.bpf.o", "plain_loop_long", BENCH_KFUNC_CALLS_LONG, kLongLoopSum};
const SyscallProg kHelperLoopLong{"kfunc_call.bpf.o", "helper_loop_long", BENCH_KFUNC_CALLS_LONG,
                                  BENCH_KFUNC_CALLS_LONG};

// A runtime of its own: kfuncs are registered before the host BTF is sealed
// by the first open. An error here makes every hostbpf variant skip with it.
struct KfuncRuntime {
  SyscallRuntime r;
  std::string error;
  KfuncRuntime() {
    auto id = r.rt.host().add("bench_add", &bench_add, 0, {hostbpf::ProgType::Syscall}, {"a", "b"});
    if (!id)
      error = "registering bench_add: " + id.error().message();
  }
};

KfuncRuntime& kfunc_runtime() {
  static std::unique_ptr<KfuncRuntime> r = std::make_unique<KfuncRuntime>();
  return *r;
}

void run_interp(benchmark::State& state, const SyscallProg& p) {
  KfuncRuntime& k = kfunc_runtime();
  if (!k.error.empty()) {
    state.SkipWithError(k.error.c_str());
    return;
  }
  run_hostbpf_syscall(state, k.r, p);
}

// Read through a volatile each run, so GCC cannot see the callee and inline it.
uint64_t (*volatile g_add)(uint64_t, uint64_t) = bench_add;

void native_kfunc_loop(benchmark::State& state) {
  for (auto _ : state) {
    uint64_t (*add)(uint64_t, uint64_t) = g_add;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < BENCH_KFUNC_CALLS; i++)
      acc = add(acc, i);
    benchmark::DoNotOptimize(acc);
  }
  report_per_item(state, BENCH_KFUNC_CALLS);
}

void native_plain_loop(benchmark::State& state, uint64_t n) {
  for (auto _ : state) {
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
      acc += i;
      asm volatile("" : "+r"(acc));  // as the program: no folding, no vectorising
    }
    benchmark::DoNotOptimize(acc);
  }
  report_per_item(state, n);
}

// "<name>/interp", "/native" (when given) and "/kernel" for the loop `p`.
void register_loop(const std::string& name, const SyscallProg& p, bool native) {
  benchmark::RegisterBenchmark((name + "/interp").c_str(), [&p](benchmark::State& s) { run_interp(s, p); })
      ->MeasureProcessCPUTime();
  if (native)
    benchmark::RegisterBenchmark((name + "/native").c_str(),
                                 [&p](benchmark::State& s) { native_plain_loop(s, p.items); })
        ->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark((name + "/kernel").c_str(), [&p](benchmark::State& s) { run_kernel_syscall(s, p); })
      ->UseManualTime();
}

}  // namespace

void register_kfunc_call() {
  benchmark::RegisterBenchmark("kfunc_call/interp", [](benchmark::State& s) { run_interp(s, kKfuncLoop); })
      ->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("kfunc_call/native", native_kfunc_loop)->MeasureProcessCPUTime();
  register_loop("kfunc_call_loop", kPlainLoop, true);
  register_loop("kfunc_call_helper", kHelperLoop, false);
  register_loop("kfunc_call_loop_10k", kPlainLoopLong, true);
  register_loop("kfunc_call_helper_10k", kHelperLoopLong, false);
}

}  // namespace bench
