// Context rewrites (the kernel's convert_ctx_accesses): loads of context
// fields whose meaning the runtime owns become loads of the runtime's own
// record, so that no program ever takes a pointer from memory that a program
// or a caller could have written as plain data (hostbpf/context.h). What a
// field becomes is the program type's convert_ctx_access (prog_types/); which
// loads are ctx loads, on every path, is the verifier's InsnFacts::ctx_access.
#include "exec/fixup_passes.h"
#include "prog_types/prog_type_ops.h"

namespace hostbpf::exec::fixup_pass {

void ctx_accesses(PreparedProgram& p, const FixupInput& in) {
  const prog_types::ProgTypeOps& ops = prog_types::ops(in.prog_type);
  if (in.facts.empty()) {
    // Unverified: nothing says which loads are ctx loads.
    p.ctx = ops.convert_ctx_access ? CtxRuntime::Unsupported : CtxRuntime::Plain;
    return;
  }
  bool pointers_from_ctx = false;
  for (size_t i = 0; i < p.insns.size(); i++) {
    if (!in.facts[i].ctx_access) continue;
    pointers_from_ctx |= in.facts[i].ctx_pointer_load;
    if (ops.convert_ctx_access && isa::insn_class(p.insns[i]) == BPF_LDX) ops.convert_ctx_access(p.insns[i]);
  }
  if (ops.convert_ctx_access)
    p.ctx = CtxRuntime::Rewritten;
  else
    p.ctx = pointers_from_ctx ? CtxRuntime::Unsupported : CtxRuntime::Plain;
}

}  // namespace hostbpf::exec::fixup_pass
