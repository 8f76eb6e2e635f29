// The "CPU" of a userspace runtime.
//
// The kernel's per-CPU data is safe because a BPF program runs with migration
// disabled: nothing else touches that CPU's copy while it runs. Our equivalent is
// a CPU slot that a thread owns exclusively: the first time a thread runs a
// program (or calls a per-CPU map operation from a program), it claims a free
// slot and keeps it until the thread exits. bpf_get_smp_processor_id() returns
// the slot; per-CPU maps hold possible_cpus() copies of each value.
//
// possible_cpus() is fixed for the process at first use: the environment variable
// HOSTBPF_POSSIBLE_CPUS if set, else max(64, hardware threads). A thread that
// needs a slot when all are owned gets kNoCpu, and the run fails with -EBUSY
// rather than share a slot (which would race on per-CPU data).
#pragma once

#include <cstdint>

namespace hostbpf {

inline constexpr uint32_t kNoCpu = UINT32_MAX;

/// Number of CPU slots (the kernel's num_possible_cpus()).
uint32_t possible_cpus();

namespace detail {
// constinit: no dynamic initialiser, so every access is one %fs-relative load
// (without it, each use outside cpu.cpp first checks for a TLS init function).
extern constinit thread_local uint32_t tls_cpu;
uint32_t claim_cpu_slow();
}  // namespace detail

/// This thread's CPU slot, claiming one on first use; kNoCpu when none is free.
inline uint32_t current_cpu() {
  uint32_t c = detail::tls_cpu;
  return c != kNoCpu ? c : detail::claim_cpu_slow();
}

}  // namespace hostbpf
