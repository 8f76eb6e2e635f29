// kfunc flags and hooks, with the kernel's bit values and hook order
// (include/linux/btf.h, kernel/bpf/btf.c), so a set written for the kernel
// reads the same here.
#pragma once

#include <cstdint>

namespace hostbpf::kfunc {

/// KF_* bits of a set entry's flags word.
enum : uint32_t {
  KF_ACQUIRE = 1u << 0,
  KF_RELEASE = 1u << 1,
  KF_RET_NULL = 1u << 2,
  KF_TRUSTED_ARGS = 1u << 4,
  KF_SLEEPABLE = 1u << 5,
  KF_DESTRUCTIVE = 1u << 6,
  KF_RCU = 1u << 7,
  KF_ITER_NEW = 1u << 8,
  KF_ITER_NEXT = 1u << 9,
  KF_ITER_DESTROY = 1u << 10,
  KF_RCU_PROTECTED = 1u << 11,
  KF_FASTCALL = 1u << 12,
};

/// Set-level flag of sets declared with BTF_KFUNCS_START; registration
/// requires it, as the kernel's does.
constexpr uint32_t BTF_SET8_KFUNCS = 1u << 0;

/// The kernel's enum btf_kfunc_hook, in its order.
enum class Hook : uint8_t {
  Common,
  Xdp,
  Tc,
  StructOps,
  Tracing,
  Syscall,
  Fmodret,
  Cgroup,
  SchedAct,
  SkSkb,
  SocketFilter,
  Lwt,
  Netfilter,
  Kprobe,
  Max,  // no hook: the program type cannot call kfuncs
};
constexpr int kNumHooks = static_cast<int>(Hook::Max);

/// bpf_prog_type_to_kfunc_hook: BPF_PROG_TYPE_UNSPEC is COMMON (every
/// program type), unmapped types give Hook::Max.
Hook hook_for_prog_type(uint32_t prog_type);

const char* hook_name(Hook h);

}  // namespace hostbpf::kfunc
