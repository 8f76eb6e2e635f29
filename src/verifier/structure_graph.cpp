// The graph the later stages walk: CFG successors inside each subprogram,
// basic blocks, call sites and a depth-first postorder per subprogram (the
// kernel's bpf_insn_successors and compute_postorder).
//
// Runs after check_cfg accepted the program, so every instruction is reachable,
// every target is in range and LDDW upper halves are marked.
//
// The postorder is a true depth-first postorder, visiting the fall-through
// before the branch as check_cfg does, so its reverse orders every forward
// edge and the edges it cannot order are exactly check_cfg's back edges. (The
// kernel's compute_postorder marks successors when it pushes them, which is
// only a postorder for its liveness fixpoint, not a topological order.)
#include <algorithm>

#include "verifier/structure_insn.h"
#include "verifier/structure_stages.h"

namespace hostbpf::verifier::structure {

namespace {

bool is_insn(const ProgramStructure& ps, uint32_t i) { return !ps.has(i, kInsnLddwHigh); }

// Successors of one instruction, fall-through first; marks jump targets.
void add_successors(Insns insns, uint32_t i, ProgramStructure& ps) {
  const InsnFlow f = insn_flow(insns, i);
  const auto add = [&](int64_t w) { ps.succ_list.push_back(static_cast<uint32_t>(w)); };
  switch (f.flow) {
    case Flow::Next:
    case Flow::Call:
      add(i + f.size);
      break;
    case Flow::Goto:
      add(f.target);
      ps.flags[f.target] |= kInsnJumpTarget;
      break;
    case Flow::CondJump:
      add(i + 1);
      if (f.target != i + 1) add(f.target);  // "goto +0" has one successor
      ps.flags[f.target] |= kInsnJumpTarget;
      break;
    case Flow::Exit:
      break;
  }
}

void build_successors(Insns insns, ProgramStructure& ps) {
  ps.succ_begin.assign(ps.insn_count + 1, 0);
  for (uint32_t i = 0; i < ps.insn_count; ++i) {
    ps.succ_begin[i] = static_cast<uint32_t>(ps.succ_list.size());
    if (is_insn(ps, i)) add_successors(insns, i, ps);
  }
  ps.succ_begin[ps.insn_count] = static_cast<uint32_t>(ps.succ_list.size());
}

// A block starts at a subprogram entry, at a jump target and after anything
// that does not simply continue to the next instruction.
bool starts_block(const ProgramStructure& ps, uint32_t i, bool prev_ends_block) {
  return ps.has(i, kInsnSubprogStart) || ps.has(i, kInsnJumpTarget) || prev_ends_block;
}

void build_blocks(Insns insns, ProgramStructure& ps) {
  ps.insn_block.assign(ps.insn_count, 0);
  for (uint32_t s = 0; s < ps.subprogs.size(); ++s) {
    Subprog& sub = ps.subprogs[s];
    sub.first_block = static_cast<uint32_t>(ps.blocks.size());
    bool prev_ends_block = false;
    for (uint32_t i = sub.start; i < sub.end; ++i) {
      if (is_insn(ps, i)) {
        if (starts_block(ps, i, prev_ends_block)) {
          if (ps.blocks.size() > sub.first_block) ps.blocks.back().end = i;
          ps.blocks.push_back(BasicBlock{i, sub.end, s, {}, {}});
          ps.flags[i] |= kInsnBlockStart;
        }
        const Flow flow = insn_flow(insns, i).flow;
        prev_ends_block = flow == Flow::CondJump || flow == Flow::Goto || flow == Flow::Exit;
      }
      ps.insn_block[i] = static_cast<uint32_t>(ps.blocks.size() - 1);
    }
    sub.end_block = static_cast<uint32_t>(ps.blocks.size());
  }
}

void link_blocks(ProgramStructure& ps) {
  for (uint32_t b = 0; b < ps.blocks.size(); ++b) {
    BasicBlock& block = ps.blocks[b];
    uint32_t last = block.end - 1;
    if (!is_insn(ps, last)) --last;  // the block ends with an LDDW
    for (uint32_t w : ps.successors(last)) {
      const uint32_t to = ps.insn_block[w];
      block.succs.push_back(to);
      ps.blocks[to].preds.push_back(b);
    }
  }
}

void build_calls(Insns insns, ProgramStructure& ps) {
  for (Subprog& sub : ps.subprogs) {
    sub.first_call = static_cast<uint32_t>(ps.calls.size());
    for (uint32_t i = sub.start; i < sub.end; ++i) {
      if (!is_insn(ps, i)) continue;
      const InsnFlow f = insn_flow(insns, i);
      if (!refers_to_subprog(f)) continue;
      const int callee = ps.find_subprog(static_cast<uint32_t>(f.target));
      ps.calls.push_back({i, static_cast<uint32_t>(callee), f.func_ref ? CallKind::FuncRef : CallKind::Call});
    }
    sub.end_call = static_cast<uint32_t>(ps.calls.size());
  }
}

// Iterative depth-first search from the subprogram's entry; each stack entry
// remembers which successor to try next.
void append_postorder(const Subprog& sub, ProgramStructure& ps, std::vector<bool>& visited) {
  std::vector<std::pair<uint32_t, uint32_t>> stack{{sub.start, 0}};
  visited[sub.start] = true;
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    const std::span<const uint32_t> succs = ps.successors(node);
    if (next < succs.size()) {
      const uint32_t w = succs[next++];
      if (!visited[w]) {
        visited[w] = true;
        stack.emplace_back(w, 0);
      }
      continue;
    }
    ps.postorder.push_back(node);
    stack.pop_back();
  }
}

void build_orders(ProgramStructure& ps) {
  std::vector<bool> visited(ps.insn_count, false);
  for (Subprog& sub : ps.subprogs) {
    sub.postorder_start = static_cast<uint32_t>(ps.postorder.size());
    append_postorder(sub, ps, visited);
    sub.postorder_end = static_cast<uint32_t>(ps.postorder.size());
  }
  ps.rpo = ps.postorder;
  for (const Subprog& sub : ps.subprogs)
    std::reverse(ps.rpo.begin() + sub.postorder_start, ps.rpo.begin() + sub.postorder_end);
}

}  // namespace

void build_graph(Insns insns, ProgramStructure& ps) {
  build_successors(insns, ps);
  build_blocks(insns, ps);
  link_blocks(ps);
  build_calls(insns, ps);
  build_orders(ps);
}

}  // namespace hostbpf::verifier::structure
