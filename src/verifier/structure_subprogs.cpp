// Subprogram discovery and boundaries, mirroring the kernel's
// add_subprog_and_kfunc / add_subprog, check_subprogs and the LDDW-pair check
// of resolve_pseudo_ldimm64 (kernel/bpf/verifier.c).
//
// Like the kernel, these passes look at every instruction slot, including the
// upper half of an LDDW: the pair's shape is only checked afterwards
// (check_ld_imm64), so a malformed pair is reported the way the kernel reports it.
#include <linux/bpf.h>

#include <algorithm>

#include "verifier/structure_insn.h"
#include "verifier/structure_stages.h"
#include "base/strprintf.h"

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
      return Error(-EINVAL, base::strprintf("jump out of range from insn %zu to %lld", i, static_cast<long long>(f.target)));
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

namespace {

// Newer than the system's Linux 6.1 UAPI header; values from the kernel's enum.
constexpr uint32_t kMapTypeCgrpStorage = 32;  // BPF_MAP_TYPE_CGRP_STORAGE
constexpr uint32_t kMapTypeArena = 33;        // BPF_MAP_TYPE_ARENA

// check_map_prog_compatibility, for the map types hostbpf has. Sleepable
// programs may not use prog arrays (nor perf event arrays): they would tail-call
// programs that do not expect to sleep.
Error check_map_prog_compatibility(const maps::MapSpec& m, const StructureOptions& opts) {
  if (m.type == BPF_MAP_TYPE_STRUCT_OPS) return Error(-EINVAL, "bpf_struct_ops map cannot be used in prog");
  if (!opts.sleepable) return {};
  switch (m.type) {
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
    case BPF_MAP_TYPE_ARRAY_OF_MAPS:
    case BPF_MAP_TYPE_HASH_OF_MAPS:
    case BPF_MAP_TYPE_RINGBUF:
    case BPF_MAP_TYPE_USER_RINGBUF:
    case BPF_MAP_TYPE_INODE_STORAGE:
    case BPF_MAP_TYPE_SK_STORAGE:
    case BPF_MAP_TYPE_TASK_STORAGE:
    case kMapTypeCgrpStorage:
    case BPF_MAP_TYPE_QUEUE:
    case BPF_MAP_TYPE_STACK:
    case kMapTypeArena:
      return {};
    default:
      return Error(-EINVAL, "Sleepable programs can only use array, hash, ringbuf and local storage maps");
  }
}

}  // namespace

Error check_ld_imm64(Insns insns, const StructureOptions& opts, ProgramStructure& ps) {
  const size_t n = insns.size();
  for (size_t i = 0; i < n; ++i) {
    if (!isa::is_lddw(insns[i])) continue;
    if (i + 1 == n) return Error(-EINVAL, "invalid bpf_ld_imm64 insn");
    const isa::Insn& hi = insns[i + 1];
    if (hi.code != 0 || hi.dst_reg != 0 || hi.src_reg != 0 || hi.off != 0)
      return Error(-EINVAL, "invalid bpf_ld_imm64 insn");
    const uint8_t src = insns[i].src_reg;
    const auto idx = static_cast<uint32_t>(insns[i].imm);
    if ((src == BPF_PSEUDO_MAP_IDX || src == BPF_PSEUDO_MAP_IDX_VALUE) && idx < opts.maps.size())
      if (Error err = check_map_prog_compatibility(opts.maps[idx], opts)) return err;
    ps.flags[++i] |= kInsnLddwHigh;
  }
  return {};
}

}  // namespace hostbpf::verifier::structure
