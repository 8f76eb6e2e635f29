#include "exec/ctx_convert.h"

#include "prog_types/prog_type_ops.h"

namespace hostbpf::exec {

CtxRuntime convert_ctx_accesses(ProgType prog_type, std::span<isa::Insn> insns,
                                std::span<const verifier::InsnFacts> facts) {
  const prog_types::ProgTypeOps& ops = prog_types::ops(prog_type);
  if (facts.empty()) return ops.convert_ctx_access ? CtxRuntime::Unsupported : CtxRuntime::Plain;
  bool pointers_from_ctx = false;
  for (size_t i = 0; i < insns.size() && i < facts.size(); i++) {
    if (!facts[i].ctx_access) continue;
    pointers_from_ctx |= facts[i].ctx_load_kind != 0;
    if (ops.convert_ctx_access && isa::insn_class(insns[i]) == BPF_LDX) ops.convert_ctx_access(insns[i]);
  }
  if (ops.convert_ctx_access) return CtxRuntime::Rewritten;
  return pointers_from_ctx ? CtxRuntime::Unsupported : CtxRuntime::Plain;
}

}  // namespace hostbpf::exec
