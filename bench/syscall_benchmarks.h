// The benchmarks of syscall programs (kfuncs and the cpumask library), registered after
// the workload x engine table of main.cpp: "kfunc_call*/<engine>",
// "kfunc_set/<case>" and "cpumask/<engine>".
//
// Their programs are syscall programs, which the kernel runs once per
// BPF_PROG_TEST_RUN (no `repeat`, no duration reported), so each program does
// many operations per run and every engine reports the counter "per_item":
// the time per operation (per call, per create+release pair, per registration
// or lookup).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <string>

#include "hostbpf/hostbpf.h"

namespace bench {

/// A syscall program in a .bpf.o of HOSTBPF_BENCH_OBJ_DIR: `items` operations
/// per run, and the value every run must return (-1: not checked).
struct SyscallProg {
  const char* object;
  const char* program;
  uint64_t items;
  int64_t expected;
};

/// A program loaded in hostbpf (error non-empty: it cannot run, and says why).
struct LoadedSyscallProg {
  hostbpf::Object obj;
  hostbpf::Program prog;
  std::string error;
};

/// A runtime and the programs loaded in it, each loaded once ("object:program").
struct SyscallRuntime {
  hostbpf::Runtime rt;  // declared first: destroyed after every object it made
  std::map<std::string, LoadedSyscallProg> loaded;
};

/// Time per item (counter "per_item", in seconds) and items processed.
void report_per_item(benchmark::State& state, uint64_t items_per_iteration);

/// Opens, loads (only `p.program`) and checks the program in `r` once, then
/// times Program::run in the loop (process CPU time: the RCU thread's frees count).
void run_hostbpf_syscall(benchmark::State& state, SyscallRuntime& r, const SyscallProg& p);

/// The same .bpf.o in the running kernel through libbpf: wall time of each
/// BPF_PROG_TEST_RUN syscall (manual time), since syscall programs report no
/// duration. The syscall's own cost is spread over `p.items`. Skips when
/// bpf() is refused.
void run_kernel_syscall(benchmark::State& state, const SyscallProg& p);

void register_kfunc_call();
void register_kfunc_set();
void register_cpumask();

}  // namespace bench
