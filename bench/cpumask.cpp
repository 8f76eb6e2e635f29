// bpf_cpumask create+release: 1000 pairs per run of cpumask_bench.bpf.c in
// hostbpf (the built-in library, src/kfunc/cpumask.h) and in the kernel (same
// .bpf.o), and the library's C++ functions called directly as the native twin
// (the same 520-byte refcounted object, freed after an RCU grace period by
// the runtime's RCU thread: process CPU time counts that thread).
//
//   cpumask/interp, cpumask/native, cpumask/kernel
#include <memory>

#include "bench/bpf/kfunc_params.h"
#include "syscall_benchmarks.h"
#include "kfunc/cpumask.h"

namespace bench {
namespace {

const SyscallProg kCreateRelease{"cpumask_bench.bpf.o", "cpumask_create_release", BENCH_CPUMASK_ITERS,
                                 BENCH_CPUMASK_ITERS};

SyscallRuntime& cpumask_runtime() {
  static std::unique_ptr<SyscallRuntime> r = std::make_unique<SyscallRuntime>();
  return *r;
}

void native_create_release(benchmark::State& state) {
  namespace k = hostbpf::kfunc;
  for (auto _ : state) {
    int created = 0;
    for (int i = 0; i < BENCH_CPUMASK_ITERS; i++) {
      k::BpfCpumask* m = k::bpf_cpumask_create();
      if (m) {
        k::bpf_cpumask_release(m);
        created++;
      }
    }
    benchmark::DoNotOptimize(created);
  }
  report_per_item(state, BENCH_CPUMASK_ITERS);
}

}  // namespace

void register_cpumask() {
  benchmark::RegisterBenchmark("cpumask/interp",
                               [](benchmark::State& s) { run_hostbpf_syscall(s, cpumask_runtime(), kCreateRelease); })
      ->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("cpumask/native", native_create_release)->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("cpumask/kernel", [](benchmark::State& s) { run_kernel_syscall(s, kCreateRelease); })
      ->UseManualTime();
}

}  // namespace bench
