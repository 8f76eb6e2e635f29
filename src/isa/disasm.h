// Disassembly in the kernel verifier log's syntax (kernel/bpf/disasm.c), e.g.
//   0: (b7) r0 = 0
//   1: (85) call bpf_map_lookup_elem#1
//   2: (18) r1 = map[id:3]
//   4: (95) exit
#pragma once

#include <functional>
#include <span>
#include <string>

#include "isa/insn.h"

namespace hostbpf::isa {

/// Optional names for things the bare instruction only numbers.
struct DisasmNames {
  /// Helper id -> "bpf_map_lookup_elem" (unset/empty: the UAPI name for ids the
  /// kernel defines, else "unknown").
  std::function<std::string(int32_t helper_id)> helper;
  /// LDDW with a pseudo source -> "map[id:3]" or similar.
  std::function<std::string(const Insn* pair)> lddw;
  /// BPF_PSEUDO_KFUNC_CALL -> the kfunc's name (empty: "kernel-function").
  std::function<std::string(const Insn* insn)> kfunc;
};

/// One instruction (two for LDDW; the caller skips the second half and must
/// provide it), without the "N: " prefix or a newline, e.g. "(b7) r0 = 0".
/// Malformed instructions print as the kernel's "BUG_..." forms, never fail.
std::string disasm_insn(const Insn* insn, int index, const DisasmNames& names = {});

/// The whole program, one "N: (op) text\n" line per instruction (LDDW takes
/// two indices and one line; a truncated final LDDW is printed as such).
std::string disasm_program(std::span<const Insn> insns, const DisasmNames& names = {});

}  // namespace hostbpf::isa
