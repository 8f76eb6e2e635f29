// hostbpf_bench: each workload (bench/bpf/*.bpf.c) on every engine, side by side
// in one run: "<workload>/<engine>".
#include <benchmark/benchmark.h>

#include "syscall_benchmarks.h"
#include "workloads.h"

namespace bench {

std::string object_path(const Workload& w) { return std::string(HOSTBPF_BENCH_OBJ_DIR) + "/" + w.object; }

namespace {

struct EngineEntry {
  const char* name;
  void (*run)(benchmark::State&, const Workload&);
  bool manual_time;  // the engine reports its own time (the kernel's duration)
};

// One line per engine, in the order each workload's variants are reported.
// The JIT, once Object::load can select it (see load_options in hostbpf_engine.cpp):
//   {"jit", [](benchmark::State& s, const Workload& w) { run_hostbpf(s, w, Exec::Jit); }, false},
const EngineEntry kEngines[] = {
    {"interp", [](benchmark::State& s, const Workload& w) { run_hostbpf(s, w, Exec::Interp); }, false},
    {"interp_test_run", [](benchmark::State& s, const Workload& w) { run_hostbpf_test_run(s, w, Exec::Interp); }, false},
    {"native", run_native, false},
    {"kernel", run_kernel, true},
};

// Verification time, "verify/<workload>/<engine>", after the run-time figures.
void register_verification() {
  for (size_t i = 0; i < kNumWorkloads; ++i) {
    const Workload& w = kWorkloads[i];
    const std::string prefix = std::string("verify/") + w.name;
    benchmark::RegisterBenchmark((prefix + "/hostbpf").c_str(),
                                 [&w](benchmark::State& s) { run_verify_hostbpf(s, w); })
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((prefix + "/kernel").c_str(), [&w](benchmark::State& s) { run_verify_kernel(s, w); })
        ->UseManualTime()
        ->Iterations(kernel_verify_iterations())
        ->Unit(benchmark::kMicrosecond);
  }
}

void register_all() {
  for (size_t i = 0; i < kNumWorkloads; ++i) {
    const Workload& w = kWorkloads[i];
    for (const EngineEntry& e : kEngines) {
      auto* b = benchmark::RegisterBenchmark((std::string(w.name) + "/" + e.name).c_str(),
                                             [&w, &e](benchmark::State& s) { e.run(s, w); });
      // The kernel's test_run reports time with rescheduling excluded; the
      // userspace engines use CPU time, which excludes it likewise (the machine
      // may be shared, and wall time then counts other processes' slices). It is
      // the whole process's CPU time, so work that hostbpf hands to its own
      // threads (RCU reclamation of replaced hash elements) is counted.
      if (e.manual_time)
        b->UseManualTime();
      else
        b->MeasureProcessCPUTime();
    }
  }
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  bench::register_all();
  bench::register_verification();
  bench::register_kfunc_call();
  bench::register_kfunc_set();
  bench::register_cpumask();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
