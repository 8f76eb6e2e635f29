// The kernel's check_cfg (kernel/bpf/verifier.c: check_cfg, visit_insn,
// visit_func_call_insn, push_insn), step for step: a non-recursive depth-first
// search from insn 0 over jumps, fall-throughs and calls (a call is an edge
// into the callee, an LDDW BPF_PSEUDO_FUNC an edge into the callback).
//
// Following the kernel's order matters beyond the errors: the prune and jump
// points it marks on the way are where the abstract interpreter compares
// states, and which edges count as back edges depends on the search order
// (fall-through before branch, return point before callee).
//
// Privileged rules (bpf_capable): every back edge is allowed here. One between
// jumps is a loop (we record it). One through BPF_PSEUDO_CALL is recursion: the
// abstract interpreter rejects it when the call stack grows past 8 frames ("the
// call stack of 9 frames is too deep"), and check_stack_depth when a recursive
// call is never taken, as the kernel does. One through BPF_PSEUDO_FUNC is a
// callback that (indirectly) re-registers an enclosing function, e.g. a timer
// callback re-arming itself: legal, and left to the same later checks.
#include "verifier/structure_insn.h"
#include "verifier/structure_stages.h"
#include "base/strprintf.h"

namespace hostbpf::verifier::structure {

namespace {

// insn_state values, as the kernel encodes them: DISCOVERED plus the edges of
// the instruction already labelled, then EXPLORED.
constexpr uint8_t kDiscovered = 0x10, kExplored = 0x20;
// The edge being labelled: DISCOVERED | label means "labelled up to here".
enum Label : uint8_t { kFallthrough = 1, kBranch = 2 };

// What kind of edge a back edge would be.
enum class Via : uint8_t { Jump, Call, FuncRef };

enum class Step : uint8_t { Done, KeepExploring, Fail };

class CfgWalk {
 public:
  CfgWalk(Insns insns, ProgramStructure& ps) : insns_(insns), ps_(ps), state_(insns.size(), 0) {}

  Error run() {
    state_[0] = kDiscovered;
    stack_.push_back(0);
    while (!stack_.empty()) {
      const uint32_t t = stack_.back();
      const Step step = visit_insn(t);
      if (step == Step::Fail) return std::move(error_);
      if (step == Step::Done) {
        state_[t] = kExplored;
        stack_.pop_back();
      }
    }
    return check_all_explored();
  }

 private:
  void mark(int64_t insn, uint16_t flags) { ps_.flags[insn] |= flags; }
  void mark_prune_and_jmp(int64_t insn) { mark(insn, kInsnPrunePoint | kInsnJmpPoint); }

  // push_insn: labels edge `e` of `t` towards `w`. Revisiting `t` after its
  // subtree is explored finds the edge labelled and moves on.
  Step push_insn(uint32_t t, int64_t w, Label e, Via via) {
    if (state_[t] >= (kDiscovered | e)) return Step::Done;
    if (w < 0 || w >= static_cast<int64_t>(insns_.size())) {
      error_ = Error(-EINVAL, base::strprintf("jump out of range from insn %u to %lld", t, static_cast<long long>(w)));
      return Step::Fail;
    }
    if (e == kBranch) mark_prune_and_jmp(w);  // branch targets are where states meet
    if (state_[w] == 0) {  // tree edge
      state_[t] = kDiscovered | e;
      state_[w] = kDiscovered;
      stack_.push_back(static_cast<uint32_t>(w));
      return Step::KeepExploring;
    }
    if ((state_[w] & 0xf0) == kDiscovered) return back_edge(t, static_cast<uint32_t>(w), via);
    state_[t] = kDiscovered | e;  // forward or cross edge
    return Step::Done;
  }

  // The kernel (privileged) accepts every back edge here (see the file comment).
  Step back_edge(uint32_t t, uint32_t w, Via via) {
    if (via == Via::Jump) {
      ps_.back_edges.push_back({t, w});
      mark(w, kInsnLoopHead);
    }
    return Step::Done;
  }

  // visit_func_call_insn: the return point first, then the callee (if it is
  // part of this program).
  Step visit_call(uint32_t t, uint8_t size, int64_t callee, Via via) {
    const Step step = push_insn(t, t + size, kFallthrough, Via::Jump);
    if (step != Step::Done) return step;
    // After the callee returns the history is non-linear.
    mark_prune_and_jmp(t + size);
    if (callee < 0) return Step::Done;
    mark(t, kInsnPrunePoint);
    return push_insn(t, callee, kBranch, via);
  }

  Step visit_helper_call(uint32_t t, const InsnFlow& f) {
    const isa::Insn& insn = insns_[t];
    // A checkpoint before the call stops the async state from being pushed again.
    if (registers_async_callback(insn)) mark(t, kInsnPrunePoint);
    // The callback body is iterated from this call: states must be compared here
    // to find that an iteration brought nothing new.
    if (calls_sync_callback(insn))
      mark(t, kInsnCallsCallback | kInsnForceCheckpoint | kInsnPrunePoint | kInsnJmpPoint);
    return visit_call(t, 1, f.call == CallTo::Subprog ? f.target : -1, Via::Call);
  }

  Step visit_goto(uint32_t t, int64_t target) {
    const Step step = push_insn(t, target, kFallthrough, Via::Jump);
    if (step != Step::Done) return step;
    mark_prune_and_jmp(target);
    return Step::Done;
  }

  Step visit_cond_jump(uint32_t t, int64_t target) {
    mark(t, kInsnPrunePoint);
    const Step step = push_insn(t, t + 1, kFallthrough, Via::Jump);
    if (step != Step::Done) return step;
    return push_insn(t, target, kBranch, Via::Jump);
  }

  Step visit_insn(uint32_t t) {
    const InsnFlow f = insn_flow(insns_, t);
    if (f.func_ref) return visit_call(t, f.size, f.target, Via::FuncRef);
    switch (f.flow) {
      case Flow::Next: return push_insn(t, t + f.size, kFallthrough, Via::Jump);
      case Flow::Exit: return Step::Done;
      case Flow::Call: return visit_helper_call(t, f);
      case Flow::Goto: return visit_goto(t, f.target);
      case Flow::CondJump: return visit_cond_jump(t, f.target);
    }
    return Step::Done;
  }

  // Every instruction must have been reached, and no jump may land on the
  // upper half of an LDDW (that slot is never pushed otherwise).
  Error check_all_explored() const {
    for (size_t i = 0; i < insns_.size(); ++i) {
      if (state_[i] != kExplored) return Error(-EINVAL, base::strprintf("unreachable insn %zu", i));
      if (!isa::is_lddw(insns_[i])) continue;
      if (state_[i + 1] != 0) return Error(-EINVAL, base::strprintf("jump into the middle of ldimm64 insn %zu", i));
      ++i;
    }
    return {};
  }

  Insns insns_;
  ProgramStructure& ps_;
  std::vector<uint8_t> state_;
  std::vector<uint32_t> stack_;
  Error error_;
};

}  // namespace

Error check_cfg(Insns insns, ProgramStructure& ps) { return CfgWalk(insns, ps).run(); }

}  // namespace hostbpf::verifier::structure
