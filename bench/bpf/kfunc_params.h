// Parameters of the kfunc benchmarks (kfunc calls, the cpumask library),
// shared by the BPF programs and their native C++ twins. Plain C only.
#pragma once

#define BENCH_KFUNC_CALLS 100         // calls per run of kfunc_call.bpf.c's programs
#define BENCH_KFUNC_CALLS_LONG 10000  // the long loops: the kernel's syscall cost vanishes per item
#define BENCH_CPUMASK_ITERS 1000      // create+release pairs per run of cpumask_bench.bpf.c
