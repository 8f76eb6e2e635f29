// Dead code (the kernel's sanitize_dead_code, for what hostbpf needs of it):
// a call that no verified path reaches and that nothing could bind (a CO-RE
// poisoned helper call, core_relo.cpp's kCorePoisonHelper, or a call of an
// unresolved __weak kfunc) becomes `goto -1`, so no executor ever meets it.
// Without facts nothing is known to be dead, and such calls fail later passes.
#include <linux/bpf.h>

#include "exec/fixup_passes.h"

namespace hostbpf::exec::fixup_pass {

Error dead_code(PreparedProgram& p, const FixupInput& in) {
  if (in.facts.empty()) return {};
  for (size_t i = 0; i < p.insns.size(); i++) {
    isa::Insn& insn = p.insns[i];
    if (in.facts[i].seen) continue;
    const bool poisoned_helper = isa::is_helper_call(insn) && (insn.imm < 0 || insn.imm >= __BPF_FUNC_MAX_ID);
    const bool weak_kfunc = isa::is_kfunc_call(insn) && insn.imm >= 0 &&
                            static_cast<size_t>(insn.imm) < in.kfuncs.size() && !in.kfuncs[insn.imm].owner;
    if (poisoned_helper || weak_kfunc) insn = isa::Insn{BPF_JMP | BPF_JA, 0, 0, -1, 0};
  }
  return {};
}

}  // namespace hostbpf::exec::fixup_pass
