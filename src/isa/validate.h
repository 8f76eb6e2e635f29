// Structural validation of an instruction stream, done at load before anything
// else looks at it: every field of every instruction against the opcode table
// (opcode_table.h), jump and call targets, LDDW pairs, and the last instruction.
//
// This is what loading checks until (and underneath) the verifier: a program that
// passes is well-formed, not safe.
#pragma once

#include <span>
#include <string>

#include "hostbpf/error.h"
#include "isa/insn.h"

namespace hostbpf::isa {

/// ISA version a program may use (RFC 9669 conformance groups / cpu v1..v4).
enum class CpuVersion : int { v1 = 1, v2 = 2, v3 = 3, v4 = 4 };

struct ValidateOptions {
  CpuVersion cpu = CpuVersion::v4;
  /// Pseudo sources allowed in LDDW (map index/value, func, BTF id...). The loader
  /// emits BPF_PSEUDO_MAP_IDX / BPF_PSEUDO_MAP_IDX_VALUE / BPF_PSEUDO_FUNC; raw
  /// conformance programs use none.
  bool allow_pseudo_lddw = true;
  /// `callx` (BPF_JMP|BPF_CALL|BPF_X, helper id in dst): the conformance suite's
  /// extension; not part of the kernel's ISA.
  bool allow_callx = false;
  /// BPF_PSEUDO_KFUNC_CALL calls (enabled once kfuncs are resolved).
  bool allow_kfunc_calls = false;
};

/// Checks the whole stream. Errors are -EINVAL (-E2BIG past 1,000,000 insns)
/// with the kernel's wording where the kernel has one, naming the instruction
/// index, e.g.
///   "invalid insn 3: BPF_ALU uses reserved fields (off=2)"
///   "invalid insn 0: unknown opcode 8c"
///   "invalid insn 4: frame pointer is read only"
///   "jump out of range from insn 5 to 40"
///   "invalid insn 7: last insn is not an exit or jmp"
/// Jumps must stay inside their subprogram (subprograms start at insn 0 and at
/// every BPF_PSEUDO_CALL / BPF_PSEUDO_FUNC target), and every subprogram must end
/// in exit or an unconditional jump, as the kernel's check_subprogs requires.
/// Division by an immediate zero and over-wide immediate shifts are left to the
/// verifier: RFC 9669 defines their results and the conformance suite runs them.
Error validate_program(std::span<const Insn> insns, const ValidateOptions& opts = {});

}  // namespace hostbpf::isa
