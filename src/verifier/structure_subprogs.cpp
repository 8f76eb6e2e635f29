// Subprogram discovery and boundaries, mirroring the kernel's
// add_subprog_and_kfunc / add_subprog, check_subprogs and the LDDW-pair check
// of resolve_pseudo_ldimm64 (kernel/bpf/verifier.c).
//
// Like the kernel, these passes look at every instruction slot, including the
// upper half of an LDDW: the pair's shape is only checked afterwards
// (check_ld_imm64), so a malformed pair is reported the way the kernel reports it.
#include <algorithm>

#include "verifier/structure_insn.h"
#include "verifier/structure_stages.h"

namespace hostbpf::verifier::structure {

namespace {

// add_subprog: a start must be inside the program, and there may be at most
// BPF_MAX_SUBPROGS of them.
Error add_subprog(int64_t start, std::vector<bool>& is_start, size_t& count) {
  if (start < 0 || start >= static_cast<int64_t>(is_start.size()))
    return Error(-EINVAL, "call to invalid destination");
  if (is_start[start]) return {};
  if (count >= static_cast<size_t>(kMaxSubprogs)) return Error(-E2BIG, "too many subprograms");
  is_start[start] = true;
  ++count;
  return {};
}

void assign_bounds(const std::vector<bool>& is_start, ProgramStructure& ps) {
  const uint32_t n = ps.insn_count;
  for (uint32_t i = 0; i < n; ++i) {
    if (!is_start[i]) continue;
    if (!ps.subprogs.empty()) ps.subprogs.back().end = i;
    Subprog s;
    s.start = i;
    ps.subprogs.push_back(s);
    ps.flags[i] |= kInsnSubprogStart;
  }
  ps.subprogs.back().end = n;
  ps.insn_subprog.assign(n, 0);
  for (uint32_t s = 0; s < ps.subprogs.size(); ++s)
    std::fill(ps.insn_subprog.begin() + ps.subprogs[s].start, ps.insn_subprog.begin() + ps.subprogs[s].end, s);
}

void mark_references(Insns insns, ProgramStructure& ps) {
  for (size_t i = 0; i < insns.size(); ++i) {
    const InsnFlow f = insn_flow(insns, i);
    if (!refers_to_subprog(f)) continue;
    Subprog& callee = ps.subprogs[ps.find_subprog(static_cast<uint32_t>(f.target))];
    (f.func_ref ? callee.callback : callee.called) = true;
  }
}

// check_subprogs, for the one instruction slot `i` of subprogram `s`.
Error check_subprog_insn(Insns insns, size_t i, Subprog& s) {
  const isa::Insn& insn = insns[i];
  if (is_tail_call(insn)) s.has_tail_call = true;
  if (is_ld_abs(insn)) s.has_ld_abs = true;
  const InsnFlow f = insn_flow(insns, i);
  if (f.flow == Flow::Exit) s.exit_idx = static_cast<int32_t>(i);
  if (f.flow == Flow::CondJump || f.flow == Flow::Goto) {
    if (f.target < s.start || f.target >= s.end)
      return Error(-EINVAL, format("jump out of range from insn %zu to %lld", i, static_cast<long long>(f.target)));
  }
  // The last slot must not fall through into the next subprogram (nor off the
  // end of the program). An LDDW's upper half never qualifies.
  if (i + 1 == s.end && !ends_subprog(insn)) return Error(-EINVAL, "last insn is not an exit or jmp");
  return {};
}

}  // namespace

Error find_subprogs(Insns insns, ProgramStructure& ps) {
  std::vector<bool> is_start(insns.size(), false);
  size_t count = 0;
  if (Error err = add_subprog(0, is_start, count)) return err;
  for (size_t i = 0; i < insns.size(); ++i) {
    const InsnFlow f = insn_flow(insns, i);
    if (!refers_to_subprog(f)) continue;
    if (Error err = add_subprog(f.target, is_start, count)) return err;
  }
  assign_bounds(is_start, ps);
  mark_references(insns, ps);
  return {};
}

Error check_subprogs(Insns insns, ProgramStructure& ps) {
  for (Subprog& s : ps.subprogs) {
    for (size_t i = s.start; i < s.end; ++i)
      if (Error err = check_subprog_insn(insns, i, s)) return err;
  }
  return {};
}

Error check_ld_imm64(Insns insns, ProgramStructure& ps) {
  const size_t n = insns.size();
  for (size_t i = 0; i < n; ++i) {
    if (!isa::is_lddw(insns[i])) continue;
    if (i + 1 == n) return Error(-EINVAL, "invalid bpf_ld_imm64 insn");
    const isa::Insn& hi = insns[i + 1];
    if (hi.code != 0 || hi.dst_reg != 0 || hi.src_reg != 0 || hi.off != 0)
      return Error(-EINVAL, "invalid bpf_ld_imm64 insn");
    ps.flags[++i] |= kInsnLddwHigh;
  }
  return {};
}

}  // namespace hostbpf::verifier::structure
