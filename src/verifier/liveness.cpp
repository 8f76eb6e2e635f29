// Backward register liveness to a fixpoint, in each subprogram's postorder.
#include "verifier/liveness.h"

namespace hostbpf::verifier {

namespace {

struct UseDef {
  uint16_t use = 0, def = 0;
};

uint16_t bit(int r) { return static_cast<uint16_t>(1u << r); }

UseDef use_def(const isa::Insn& i) {
  UseDef u;
  const uint8_t cls = isa::insn_class(i);
  const uint8_t op = BPF_OP(i.code);
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      if (op == BPF_MOV) {
        if (BPF_SRC(i.code) == BPF_X) u.use |= bit(i.src_reg);
      } else {
        u.use |= bit(i.dst_reg);
        if (BPF_SRC(i.code) == BPF_X && op != BPF_NEG && op != BPF_END) u.use |= bit(i.src_reg);
      }
      u.def |= bit(i.dst_reg);
      break;
    case BPF_LDX:
      u.use |= bit(i.src_reg);
      u.def |= bit(i.dst_reg);
      break;
    case BPF_ST:
      u.use |= bit(i.dst_reg);
      break;
    case BPF_STX:
      u.use |= bit(i.dst_reg) | bit(i.src_reg);
      if (BPF_MODE(i.code) == BPF_ATOMIC) {
        if (i.imm == BPF_CMPXCHG) {
          u.use |= bit(0);
          u.def |= bit(0);
        } else if (i.imm & BPF_FETCH) {
          u.def |= bit(i.src_reg);
        }
      }
      break;
    case BPF_LD:
      if (isa::is_lddw(i)) u.def |= bit(i.dst_reg);
      else u.use = 0x3ff;  // legacy packet loads: be conservative
      break;
    default:  // BPF_JMP, BPF_JMP32
      if (op == BPF_CALL) {
        u.use |= 0x3e;  // r1-r5
        u.def |= 0x3f;  // r0-r5
      } else if (op == BPF_EXIT) {
        u.use |= bit(0);
      } else if (op != BPF_JA) {
        u.use |= bit(i.dst_reg);
        if (BPF_SRC(i.code) == BPF_X) u.use |= bit(i.src_reg);
      }
  }
  u.use &= 0x3ff;  // r10 is never compared through liveness
  u.def &= 0x3ff;
  return u;
}

// The precision transfer: `out` holds the registers whose values are needed
// after instruction i; returns those needed before it.
uint16_t precise_in(const isa::Insn& i, uint16_t out, bool main_exit) {
  const uint8_t cls = isa::insn_class(i);
  const uint8_t op = BPF_OP(i.code);
  const uint16_t dst = bit(i.dst_reg), src = bit(i.src_reg);
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      const bool needed = out & dst;
      out &= static_cast<uint16_t>(~dst);
      if (!needed) return out;
      if (op == BPF_MOV) return BPF_SRC(i.code) == BPF_X ? out | src : out;
      out |= dst;
      if (BPF_SRC(i.code) == BPF_X && op != BPF_NEG && op != BPF_END) out |= src;
      return out;
    }
    case BPF_LDX:
      return static_cast<uint16_t>((out & ~dst) | src);
    case BPF_ST:
      return out | dst;
    case BPF_STX:
      if (BPF_MODE(i.code) == BPF_ATOMIC && i.imm == BPF_CMPXCHG) out |= bit(0);
      return out | dst | src;
    case BPF_LD:
      return isa::is_lddw(i) ? static_cast<uint16_t>(out & ~dst) : 0x3ff;
    default:
      if (op == BPF_CALL) return static_cast<uint16_t>((out & ~0x3f) | 0x3e);
      if (op == BPF_EXIT) return main_exit ? 0 : bit(0);
      if (op == BPF_JA) return out;
      out |= dst;
      if (BPF_SRC(i.code) == BPF_X) out |= src;
      return out;
  }
}

}  // namespace

std::vector<uint16_t> compute_precise_regs(std::span<const isa::Insn> insns, const ProgramStructure& ps) {
  const size_t n = insns.size();
  std::vector<uint16_t> need(n, 0);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t s = 0; s < ps.subprogs.size(); s++) {
      // Exits of the main program return R0 to the host, which no check
      // reads (no return-range checks yet); every other exit returns to BPF.
      const bool main = s == 0;
      for (uint32_t i : ps.postorder_of(static_cast<uint32_t>(s))) {
        if (ps.has(i, kInsnLddwHigh)) continue;
        uint16_t out = 0;
        for (uint32_t succ : ps.successors(i)) out |= need[succ];
        const auto in = static_cast<uint16_t>(precise_in(insns[i], out, main) & 0x3ff);
        if (in != need[i]) {
          need[i] = in;
          changed = true;
        }
      }
    }
  }
  return need;
}

std::vector<uint16_t> compute_live_regs(std::span<const isa::Insn> insns, const ProgramStructure& ps) {
  const size_t n = insns.size();
  std::vector<uint16_t> live(n, 0);
  std::vector<UseDef> ud(n);
  for (size_t i = 0; i < n; i++)
    if (!ps.has(static_cast<uint32_t>(i), kInsnLddwHigh)) ud[i] = use_def(insns[i]);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t s = 0; s < ps.subprogs.size(); s++) {
      for (uint32_t i : ps.postorder_of(static_cast<uint32_t>(s))) {
        uint16_t out = 0;
        for (uint32_t succ : ps.successors(i)) out |= live[succ];
        const auto in = static_cast<uint16_t>(ud[i].use | (out & ~ud[i].def));
        if (in != live[i]) {
          live[i] = in;
          changed = true;
        }
      }
    }
  }
  return live;
}

}  // namespace hostbpf::verifier
