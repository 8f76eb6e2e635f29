// Instruction builders for the ISA tests, in the spirit of the kernel's
// BPF_*_INSN macros (include/linux/filter.h), so test programs read like the
// kernel's selftests.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/insn.h"

namespace hostbpf::test {

using isa::Insn;
using Prog = std::vector<Insn>;

inline Insn insn(uint8_t code, uint8_t dst = 0, uint8_t src = 0, int16_t off = 0, int32_t imm = 0) {
  Insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

inline Insn alu64_imm(uint8_t op, uint8_t dst, int32_t imm, int16_t off = 0) { return insn(BPF_ALU64 | op | BPF_K, dst, 0, off, imm); }
inline Insn alu64_reg(uint8_t op, uint8_t dst, uint8_t src, int16_t off = 0) { return insn(BPF_ALU64 | op | BPF_X, dst, src, off); }
inline Insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm, int16_t off = 0) { return insn(BPF_ALU | op | BPF_K, dst, 0, off, imm); }
inline Insn alu32_reg(uint8_t op, uint8_t dst, uint8_t src, int16_t off = 0) { return insn(BPF_ALU | op | BPF_X, dst, src, off); }
inline Insn mov64_imm(uint8_t dst, int32_t imm) { return alu64_imm(BPF_MOV, dst, imm); }
inline Insn mov64_reg(uint8_t dst, uint8_t src) { return alu64_reg(BPF_MOV, dst, src); }
inline Insn mov32_imm(uint8_t dst, int32_t imm) { return alu32_imm(BPF_MOV, dst, imm); }
inline Insn movsx64(uint8_t dst, uint8_t src, int16_t bits) { return alu64_reg(BPF_MOV, dst, src, bits); }
inline Insn movsx32(uint8_t dst, uint8_t src, int16_t bits) { return alu32_reg(BPF_MOV, dst, src, bits); }
inline Insn jmp_imm(uint8_t op, uint8_t dst, int32_t imm, int16_t off) { return insn(BPF_JMP | op | BPF_K, dst, 0, off, imm); }
inline Insn jmp_reg(uint8_t op, uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_JMP | op | BPF_X, dst, src, off); }
inline Insn jmp32_imm(uint8_t op, uint8_t dst, int32_t imm, int16_t off) { return insn(BPF_JMP32 | op | BPF_K, dst, 0, off, imm); }
inline Insn ja(int16_t off) { return insn(BPF_JMP | BPF_JA, 0, 0, off); }
inline Insn gotol(int32_t imm) { return insn(BPF_JMP32 | BPF_JA, 0, 0, 0, imm); }
inline Insn call_helper(int32_t id) { return insn(BPF_JMP | BPF_CALL, 0, 0, 0, id); }
inline Insn call_local(int32_t rel) { return insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel); }
inline Insn call_kfunc(int32_t btf_id) { return insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, btf_id); }
inline Insn callx(uint8_t reg) { return insn(BPF_JMP | BPF_CALL | BPF_X, reg); }
inline Insn exit_insn() { return insn(BPF_JMP | BPF_EXIT); }
inline Insn ldx(uint8_t size, uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_LDX | BPF_MEM | size, dst, src, off); }
inline Insn ldxsx(uint8_t size, uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_LDX | BPF_MEMSX | size, dst, src, off); }
inline Insn st(uint8_t size, uint8_t dst, int16_t off, int32_t imm) { return insn(BPF_ST | BPF_MEM | size, dst, 0, off, imm); }
inline Insn stx(uint8_t size, uint8_t dst, uint8_t src, int16_t off) { return insn(BPF_STX | BPF_MEM | size, dst, src, off); }
inline Insn atomic(uint8_t size, int32_t op, uint8_t dst, uint8_t src, int16_t off) {
  return insn(BPF_STX | BPF_ATOMIC | size, dst, src, off, op);
}
inline Insn endian(uint8_t order, uint8_t dst, int32_t bits) { return insn(BPF_ALU | BPF_END | order, dst, 0, 0, bits); }
inline Insn bswap(uint8_t dst, int32_t bits) { return insn(BPF_ALU64 | BPF_END | BPF_TO_LE, dst, 0, 0, bits); }

/// Appends the two slots of `lddw dst, imm64` (with a pseudo source if given).
inline void lddw(Prog& p, uint8_t dst, uint64_t imm64, uint8_t src = 0) {
  Insn pair[2] = {insn(BPF_LD | BPF_IMM | BPF_DW, dst, src), insn(0)};
  isa::set_lddw_imm64(pair, imm64);
  p.push_back(pair[0]);
  p.push_back(pair[1]);
}

/// Concatenation, for building programs from pieces.
inline Prog operator+(Prog a, const Prog& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace hostbpf::test
