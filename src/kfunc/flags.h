// kfunc flags, with the kernel's bit values (include/linux/btf.h), so a set
// written for the kernel reads the same here.
#pragma once

#include <cstdint>

#include "prog_types/kfunc_hook.h"

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

/// kfunc hooks are a property of program types: prog_types::KfuncHook.
using prog_types::KfuncHook;
using prog_types::kNumKfuncHooks;

}  // namespace hostbpf::kfunc
