// What BPF programs expect from vmlinux.h, described into a host BTF: the
// fixed-width typedefs (u8..u64, s8..s64, __u8..__s64, __be16, __be32, bool)
// and the UAPI enums programs name (enum xdp_action, enum bpf_map_type, the update and
// map-creation flags). A program compiled against `hostbpf btf dump host`'s
// header then builds exactly as against the kernel's vmlinux.h. The context
// structs (struct xdp_md) are each program type's own
// (prog_types::describe_ctx_types).
#pragma once

#include "btf/builder.h"

namespace hostbpf::btf {

/// Adds every standard type that `b` does not have yet (idempotent, so it can
/// complete a BTF loaded from pahole output).
void add_standard_types(BtfBuilder& b);

}  // namespace hostbpf::btf
