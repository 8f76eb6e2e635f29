// The instruction set as data: one entry per 8-bit opcode (uBPF's approach),
// describing whether the opcode exists, what kind of instruction it is, the
// cpu version that introduced it, and the legal values of every other field.
//
// Validation, disassembly and the interpreter's decoder all read this table, so
// "is this instruction well-formed" has exactly one answer. Values whose
// meaning depends on the field (sdiv's off=1, movsx's off=8/16/32, the atomic
// operation in imm, the pseudo source of a call or LDDW) are listed per value,
// each with the cpu version and load option it needs.
#pragma once

#include <array>
#include <cstdint>

#include "isa/insn.h"

namespace hostbpf::isa {

/// What an opcode does, at the granularity its users (validator, disassembler,
/// decoder) branch on.
enum class OpKind : uint8_t {
  Invalid,   // not an instruction
  Alu,       // dst op= src/imm (ALU: 32-bit, ALU64: 64-bit), incl. mov/movsx, sdiv/smod
  Neg,       // dst = -dst
  End,       // ALU|END: be16/32/64, le16/32/64 (byte order conversion)
  Bswap,     // ALU64|END|TO_LE: unconditional byte swap (cpu v4)
  Jcond,     // conditional jump (JMP or JMP32), target pc + 1 + off
  Ja,        // JMP|JA: goto pc + 1 + off
  Gotol,     // JMP32|JA: goto pc + 1 + imm (cpu v4)
  Call,      // JMP|CALL: helper (src 0), bpf-to-bpf (src 1), kfunc (src 2)
  Callx,     // JMP|CALL|X: call the helper whose id is in dst (conformance extension)
  Exit,      // JMP|EXIT
  LdImm64,   // LD|IMM|DW: two-slot 64-bit immediate, possibly a pseudo source
  Ldx,       // dst = *(uN *)(src + off)
  LdxSx,     // dst = *(sN *)(src + off) (cpu v4, MEMSX)
  St,        // *(uN *)(dst + off) = imm
  Stx,       // *(uN *)(dst + off) = src
  Atomic,    // STX|ATOMIC W/DW, operation in imm
};

/// How one field of an instruction may be set.
enum class FieldRule : uint8_t {
  Zero,      // reserved: must be 0
  Any,       // any value (off, imm)
  Reg,       // a register read: r0..r10
  RegWrite,  // a register written: r0..r9 (r10 is the read-only frame pointer)
  OneOf,     // one of the listed values (see AllowedValue)
};

/// Load options a field value may depend on (ValidateOptions).
enum class Gate : uint8_t { None, PseudoLddw, KfuncCall, Callx };

/// One accepted value of a OneOf field.
struct AllowedValue {
  int32_t value;
  uint8_t cpu = 1;          // cpu version that introduced this form
  Gate gate = Gate::None;
  bool writes_src = false;  // the instruction writes its src register (atomic fetch)
};

struct FieldSpec {
  FieldRule rule = FieldRule::Zero;
  uint8_t count = 0;                    // number of `values` (OneOf only)
  const AllowedValue* values = nullptr;
  /// printf format (one %02x/%d: the value) for a value outside the list, when
  /// the kernel words it differently from "<family> uses reserved fields".
  const char* bad_value_fmt = nullptr;

  const AllowedValue* find(int32_t v) const {
    for (uint8_t i = 0; i < count; ++i)
      if (values[i].value == v) return &values[i];
    return nullptr;
  }
};

struct OpcodeInfo {
  OpKind kind = OpKind::Invalid;
  uint8_t cpu = 1;             // cpu version that introduced the opcode
  Gate gate = Gate::None;      // load option the opcode needs at all
  uint8_t size = 0;            // memory access width in bytes (ld/st/atomic), 0 otherwise
  const char* mnemonic = nullptr;  // assembler name, for messages ("add64", "jslt32", "ldxsb")
  /// The kernel's name for the family in "<family> uses reserved fields"
  /// ("BPF_ALU", "BPF_MOV", "BPF_JA", ...). For Invalid entries, an optional
  /// specific rejection message replacing "unknown opcode %02x".
  const char* family = nullptr;
  FieldSpec dst, src, off, imm;
};

/// The table, indexed by the opcode byte.
const std::array<OpcodeInfo, 256>& opcode_table();

inline const OpcodeInfo& opcode_info(uint8_t code) { return opcode_table()[code]; }

/// True for instructions that may transfer control within the program (every
/// Jcond, Ja and Gotol); their target is `jump_target`.
inline bool is_jump_kind(OpKind k) { return k == OpKind::Jcond || k == OpKind::Ja || k == OpKind::Gotol; }

/// Absolute index a jump at `pc` lands on (callers have checked is_jump_kind).
inline int64_t jump_target(const Insn& insn, int64_t pc) {
  return pc + 1 + (opcode_info(insn.code).kind == OpKind::Gotol ? int64_t{insn.imm} : int64_t{insn.off});
}

}  // namespace hostbpf::isa
