// CO-RE at load: a program's relocations applied against the runtime's BTF,
// the host's first, then each loaded module's own types, as libbpf searches
// vmlinux BTF and then module BTFs (object/core_relo.h has the algorithm).
#pragma once

#include "hostbpf/error.h"
#include "object/object_spec.h"
#include "runtime/state.h"

namespace hostbpf::detail {

/// Relocates `prog.insns` (a copy of `spec`'s, before verification) with
/// `spec.core_relos`; `obj` holds the BTF they refer to.
Error apply_core_relos(ProgramState& prog, const object::ProgramSpec& spec, const object::ObjectSpec& obj);

}  // namespace hostbpf::detail
