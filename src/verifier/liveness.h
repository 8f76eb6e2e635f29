// Static register liveness: which of r0..r9 may be read before being written
// on some path from an instruction (a backward dataflow over the CFG of each
// subprogram). Pruning ignores registers that are dead where states are
// compared: this stands in for the kernel's read marks (mark_reg_read /
// REG_LIVE_READ, and compute_live_registers in v6.15+) until precision
// tracking arrives.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "isa/insn.h"
#include "verifier/cfg.h"

namespace hostbpf::verifier {

/// live_in[i]: bit r set when register r may be read, from instruction i on,
/// before it is written (calls read r1-r5 and define r0-r5; exit reads r0).
std::vector<uint16_t> compute_live_regs(std::span<const isa::Insn> insns, const ProgramStructure& ps);

/// need_precise[i]: bit r set when the value register r holds at
/// instruction i may reach a place where the verifier's decision depends on
/// its exact range: a conditional jump, a memory access base, a pointer's
/// offset (ALU into a needed register), a helper or subprogram argument, a
/// store (the stack keeps values for later fills), a subprogram's or
/// callback's return value. A scalar outside that set can hold any value
/// without changing any check on the rest of the path, so pruning may treat
/// it like the kernel treats an imprecise scalar (a static over-approximation
/// of mark_chain_precision's backtracking).
std::vector<uint16_t> compute_precise_regs(std::span<const isa::Insn> insns, const ProgramStructure& ps);

}  // namespace hostbpf::verifier
