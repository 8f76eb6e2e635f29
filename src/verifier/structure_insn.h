// What one instruction does to control flow, and nothing about whether that is
// allowed: the structure stage's checks (structure_subprogs.cpp,
// structure_cfg.cpp, ...) ask this file where an instruction can go next and
// decide separately what is legal.
//
// Classification follows the kernel's raw-bit tests (BPF_CLASS / BPF_OP, as in
// check_subprogs and visit_insn), not the opcode table, so that an instruction
// the ISA validator would reject is still classified the way the kernel would
// see it and never makes the stage misbehave.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "isa/insn.h"

namespace hostbpf::verifier::structure {

enum class Flow : uint8_t {
  Next,      // continues at the next instruction (i + size)
  CondJump,  // continues at the next instruction or jumps to `target`
  Goto,      // jumps to `target` only (JMP|JA off, JMP32|JA imm)
  Exit,      // leaves the subprogram
  Call,      // helper, kfunc or bpf-to-bpf call; execution resumes at i + 1
};

enum class CallTo : uint8_t { None, Helper, Kfunc, Subprog, Other };

struct InsnFlow {
  Flow flow = Flow::Next;
  uint8_t size = 1;        // instruction slots: 2 for LDDW
  CallTo call = CallTo::None;
  bool func_ref = false;   // LDDW BPF_PSEUDO_FUNC: `target` is a callback's first insn
  int64_t target = -1;     // jump target, callee (CallTo::Subprog) or callback (func_ref)
};

/// The control flow of the instruction in slot `i`. Every slot is classified as
/// if it were an instruction (the kernel's passes do that too before
/// resolve_pseudo_ldimm64 has checked LDDW pairs); callers skip LDDW upper
/// halves where the kernel does.
InsnFlow insn_flow(std::span<const isa::Insn> insns, size_t i);

/// Slot `i` names a subprogram entry the way add_subprog_and_kfunc looks for
/// them: a BPF_PSEUDO_CALL or an LDDW BPF_PSEUDO_FUNC.
inline bool refers_to_subprog(const InsnFlow& f) { return f.call == CallTo::Subprog || f.func_ref; }

/// The instructions that may end a subprogram (check_subprogs): anything else
/// would fall through into the next subprogram.
inline bool ends_subprog(const isa::Insn& insn) {
  return insn.code == (BPF_JMP | BPF_EXIT) || insn.code == (BPF_JMP | BPF_JA) || insn.code == (BPF_JMP32 | BPF_JA);
}

/// bpf_tail_call: the helper whose presence limits the caller's stack (check_max_stack_depth).
inline bool is_tail_call(const isa::Insn& insn) { return isa::is_helper_call(insn) && insn.imm == BPF_FUNC_tail_call; }

/// Legacy packet loads (BPF_LD | BPF_ABS / BPF_IND).
inline bool is_ld_abs(const isa::Insn& insn) {
  return BPF_CLASS(insn.code) == BPF_LD && (BPF_MODE(insn.code) == BPF_ABS || BPF_MODE(insn.code) == BPF_IND);
}

/// Helpers that call a callback before they return (the kernel's
/// is_sync_callback_calling_function): the verifier iterates the callback body
/// from the call, so the call site is a loop head of sorts.
bool calls_sync_callback(const isa::Insn& insn);

/// Helpers that register a callback to run later (is_async_callback_calling_function).
bool registers_async_callback(const isa::Insn& insn);

}  // namespace hostbpf::verifier::structure
