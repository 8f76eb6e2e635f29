// The cost of a call from a program: 100 calls of a trivial host kfunc
// (bench_add, registered by bench/kfunc.cpp for syscall programs), the same
// loop calling a helper for scale, and the bare loop as the baseline.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_params.h"
#include "kfunc_params.h"

// __weak: the kernel has no bench_add, and libbpf loads the other programs of
// this object there only if an unresolved kfunc is allowed.
extern unsigned long long bench_add(unsigned long long a, unsigned long long b) __ksym __weak;

// sum of i for i < 100: 4950, the same in every variant but the helper's.
SEC("syscall")
int kfunc_loop(void* ctx) {
  unsigned long long acc = 0;
  BENCH_NO_UNROLL
  for (unsigned int i = 0; i < BENCH_KFUNC_CALLS; i++)
    acc = bench_add(acc, i);
  return (int)acc;
}

// The loop alone, `n` iterations: the empty asm keeps clang from folding the sum.
#define PLAIN_LOOP(name, n)                  \
  SEC("syscall")                             \
  int name(void* ctx) {                      \
    unsigned long long acc = 0;              \
    BENCH_NO_UNROLL                          \
    for (unsigned int i = 0; i < (n); i++) { \
      acc += i;                              \
      asm volatile("" : "+r"(acc));          \
    }                                        \
    return (int)acc;                         \
  }

// A helper in the same loop; returns the number of calls made (the CPU
// numbers vary, so they are not the result).
#define HELPER_LOOP(name, n)               \
  SEC("syscall")                           \
  int name(void* ctx) {                    \
    BENCH_NO_UNROLL                        \
    for (unsigned int i = 0; i < (n); i++) \
      bpf_get_smp_processor_id();          \
    return (n);                            \
  }

PLAIN_LOOP(plain_loop, BENCH_KFUNC_CALLS)
HELPER_LOOP(helper_loop, BENCH_KFUNC_CALLS)
// The kernel runs a syscall program once per syscall: 10000 iterations make
// the syscall's own ~1 us negligible per item (0.1 ns).
PLAIN_LOOP(plain_loop_long, BENCH_KFUNC_CALLS_LONG)
HELPER_LOOP(helper_loop_long, BENCH_KFUNC_CALLS_LONG)

char LICENSE[] SEC("license") = "GPL";
