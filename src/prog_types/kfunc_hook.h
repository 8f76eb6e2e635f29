// Which kfunc sets a program type sees: the kernel's btf_kfunc_hook, a
// property of program types (ProgTypeOps::kfunc_hook), on its own so that the
// kfunc layer needs no more of the program-type records than this.
#pragma once

#include <cstdint>

#include "hostbpf/prog_type.h"

namespace hostbpf::prog_types {

/// The kernel's enum btf_kfunc_hook, in its order: which kfunc sets a program
/// type sees (besides COMMON's).
enum class KfuncHook : uint8_t {
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
inline constexpr int kNumKfuncHooks = static_cast<int>(KfuncHook::Max);

/// "XDP", "TRACING", ... (the kernel's BTF_KFUNC_HOOK_* suffixes).
const char* kfunc_hook_name(KfuncHook hook);

/// The kfunc hook of `type` (the kernel's bpf_prog_type_to_kfunc_hook):
/// Unspec is COMMON, types that cannot call kfuncs (and values that are no
/// program type) give KfuncHook::Max.
KfuncHook kfunc_hook(ProgType type);

}  // namespace hostbpf::prog_types
