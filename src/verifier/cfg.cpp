// The structure stage's driver: runs the passes of structure_stages.h in the
// order of the kernel's bpf_check, so that a program with several problems is
// rejected for the same one the kernel names first:
//   check_btf_info_early -> add_subprog_and_kfunc -> check_subprogs ->
//   check_btf_info -> resolve_pseudo_ldimm64 -> check_cfg -> compute_postorder
#include "verifier/cfg.h"

#include <algorithm>
#include <cstdio>

#include "verifier/structure_stages.h"
#include "base/strprintf.h"

namespace hostbpf::verifier {

namespace {

// BPF_COMPLEXITY_LIMIT_INSNS: the longest program a privileged user may load.
constexpr size_t kMaxInsns = 1'000'000;

Error check_size(std::span<const isa::Insn> insns) {
  // bpf_prog_load rejects both before the verifier runs; its wording is the ISA validator's.
  if (insns.empty()) return Error(-EINVAL, "program has no instructions");
  if (insns.size() > kMaxInsns)
    return Error(-E2BIG,
                 base::strprintf("program has %zu insns, more than the limit of %zu", insns.size(), kMaxInsns));
  return {};
}

}  // namespace

Result<ProgramStructure> build_program_structure(std::span<const isa::Insn> insns, const StructureOptions& opts) {
  using namespace structure;
  if (Error err = check_size(insns)) return err;
  ProgramStructure ps;
  ps.insn_count = static_cast<uint32_t>(insns.size());
  ps.flags.assign(insns.size(), 0);
  if (Error err = check_func_info_early(opts.func_info, opts.btf)) return err;
  if (Error err = find_subprogs(insns, ps)) return err;
  if (Error err = check_subprogs(insns, ps)) return err;
  if (Error err = check_func_info(opts.func_info, opts.btf, ps)) return err;
  if (Error err = check_ld_imm64(insns, opts, ps)) return err;
  if (Error err = check_cfg(insns, ps)) return err;
  build_graph(insns, ps);
  return ps;
}

std::span<const uint32_t> ProgramStructure::successors(uint32_t insn) const {
  return std::span<const uint32_t>(succ_list).subspan(succ_begin[insn], succ_begin[insn + 1] - succ_begin[insn]);
}

std::span<const CallSite> ProgramStructure::calls_of(uint32_t subprog) const {
  const Subprog& s = subprogs[subprog];
  return std::span<const CallSite>(calls).subspan(s.first_call, s.end_call - s.first_call);
}

std::span<const uint32_t> ProgramStructure::postorder_of(uint32_t subprog) const {
  const Subprog& s = subprogs[subprog];
  return std::span<const uint32_t>(postorder).subspan(s.postorder_start, s.postorder_end - s.postorder_start);
}

std::span<const uint32_t> ProgramStructure::rpo_of(uint32_t subprog) const {
  const Subprog& s = subprogs[subprog];
  return std::span<const uint32_t>(rpo).subspan(s.postorder_start, s.postorder_end - s.postorder_start);
}

int ProgramStructure::find_subprog(uint32_t insn) const {
  const auto it = std::lower_bound(subprogs.begin(), subprogs.end(), insn,
                                   [](const Subprog& s, uint32_t i) { return s.start < i; });
  if (it == subprogs.end() || it->start != insn) return -1;
  return static_cast<int>(it - subprogs.begin());
}

}  // namespace hostbpf::verifier
