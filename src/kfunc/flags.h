// kfunc flags: the KF_* bits are the public ones (hostbpf/kfunc_flags.h);
// the set-level flag and the hooks are the kfunc layer's.
#pragma once

#include <cstdint>

#include "hostbpf/kfunc_flags.h"
#include "prog_types/kfunc_hook.h"

namespace hostbpf::kfunc {

/// KF_* bits of a set entry's flags word: hostbpf::KfuncFlags (the public
/// kfunc_flags.h), also reachable as kfunc::KF_*.
using enum hostbpf::KfuncFlags;

/// Set-level flag of sets declared with BTF_KFUNCS_START; registration
/// requires it, as the kernel's does.
constexpr uint32_t BTF_SET8_KFUNCS = 1u << 0;

/// kfunc hooks are a property of program types: prog_types::KfuncHook.
using prog_types::KfuncHook;
using prog_types::kNumKfuncHooks;

}  // namespace hostbpf::kfunc
