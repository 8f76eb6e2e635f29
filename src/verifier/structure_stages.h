// The passes of the structure stage, run by build_program_structure (cfg.cpp)
// in the kernel's bpf_check order. Each fills part of a ProgramStructure and
// returns the kernel's error for the first problem it meets.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "hostbpf/error.h"
#include "isa/insn.h"
#include "object/object_spec.h"
#include "verifier/cfg.h"
#include "base/strprintf.h"

namespace hostbpf::verifier::structure {

using Insns = std::span<const isa::Insn>;

/// add_subprog_and_kfunc: subprogram starts (insn 0 and every BPF_PSEUDO_CALL /
/// BPF_PSEUDO_FUNC target), sorted, with their ends; who is called and who is a
/// callback; per-slot subprogram index.
Error find_subprogs(Insns insns, ProgramStructure& ps);

/// check_subprogs: every jump stays inside its subprogram and every subprogram
/// ends in exit or goto; notes tail calls, LD_ABS and the last exit.
Error check_subprogs(Insns insns, ProgramStructure& ps);

/// check_btf_func_early's func_info checks that need no subprograms.
Error check_func_info_early(std::span<const object::FuncInfo> func_info, const struct btf* btf);

/// check_btf_func (or check_abnormal_return without func_info): func_info must
/// describe exactly the subprograms; records BTF ids and linkage.
Error check_func_info(std::span<const object::FuncInfo> func_info, const struct btf* btf, ProgramStructure& ps);

/// resolve_pseudo_ldimm64's shape check of LDDW pairs, marking upper halves,
/// and check_map_prog_compatibility for every map the program refers to.
Error check_ld_imm64(Insns insns, const StructureOptions& opts, ProgramStructure& ps);

/// check_cfg: the kernel's depth-first search over jumps and calls. Marks prune
/// and jump points, records loop back edges, rejects unreachable
/// instructions and jumps into an LDDW.
Error check_cfg(Insns insns, ProgramStructure& ps);

/// CFG successors, basic blocks, call sites and per-subprogram postorders.
void build_graph(Insns insns, ProgramStructure& ps);

}  // namespace hostbpf::verifier::structure
