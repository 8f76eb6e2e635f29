// Control flow of one instruction (see structure_insn.h).
#include "verifier/structure_insn.h"

namespace hostbpf::verifier::structure {

namespace {

InsnFlow call_flow(const isa::Insn& insn, size_t i) {
  InsnFlow f;
  f.flow = Flow::Call;
  // bpf_pseudo_call() and friends compare the whole opcode, so a JMP32|CALL is
  // a call of no known kind: it still returns to the next instruction.
  if (insn.code != (BPF_JMP | BPF_CALL)) {
    f.call = CallTo::Other;
    return f;
  }
  switch (insn.src_reg) {
    case 0: f.call = CallTo::Helper; break;
    case BPF_PSEUDO_KFUNC_CALL: f.call = CallTo::Kfunc; break;
    case BPF_PSEUDO_CALL:
      f.call = CallTo::Subprog;
      f.target = static_cast<int64_t>(i) + 1 + insn.imm;
      break;
    default: f.call = CallTo::Other; break;
  }
  return f;
}

// JMP / JMP32 class, as visit_insn switches on BPF_OP.
InsnFlow jump_class_flow(const isa::Insn& insn, size_t i) {
  const int64_t next = static_cast<int64_t>(i) + 1;
  InsnFlow f;
  switch (BPF_OP(insn.code)) {
    case BPF_EXIT:
      f.flow = Flow::Exit;
      return f;
    case BPF_CALL:
      return call_flow(insn, i);
    case BPF_JA:
      // gotol (JMP32|JA) carries its offset in imm (the kernel's bpf_jmp_offset).
      f.flow = Flow::Goto;
      f.target = next + (BPF_CLASS(insn.code) == BPF_JMP32 ? int64_t{insn.imm} : int64_t{insn.off});
      return f;
    default:
      f.flow = Flow::CondJump;
      f.target = next + insn.off;
      return f;
  }
}

}  // namespace

InsnFlow insn_flow(std::span<const isa::Insn> insns, size_t i) {
  const isa::Insn& insn = insns[i];
  const uint8_t cls = BPF_CLASS(insn.code);
  if (cls == BPF_JMP || cls == BPF_JMP32) return jump_class_flow(insn, i);
  InsnFlow f;
  if (isa::is_lddw(insn)) {
    f.size = 2;
    if (insn.src_reg == BPF_PSEUDO_FUNC) {
      f.func_ref = true;
      f.target = static_cast<int64_t>(i) + 1 + insn.imm;
    }
  }
  return f;
}

bool calls_sync_callback(const isa::Insn& insn) {
  if (!isa::is_helper_call(insn)) return false;
  switch (insn.imm) {
    case BPF_FUNC_for_each_map_elem:
    case BPF_FUNC_find_vma:
    case BPF_FUNC_loop:
    case BPF_FUNC_user_ringbuf_drain:
      return true;
    default:
      return false;
  }
}

bool registers_async_callback(const isa::Insn& insn) {
  return isa::is_helper_call(insn) && insn.imm == BPF_FUNC_timer_set_callback;
}

}  // namespace hostbpf::verifier::structure
