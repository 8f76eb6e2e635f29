// The abstract state of one path: call frames (registers and stack of each),
// acquired references, and the bookkeeping that pruning needs (the kernel's
// struct bpf_func_state and struct bpf_verifier_state).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "isa/insn.h"
#include "verifier/reg_state.h"

namespace hostbpf::verifier {

/// enum bpf_stack_slot_type, one per stack byte.
enum StackByte : uint8_t {
  kStackInvalid = 0,  // never written
  kStackSpill = 1,    // part of a spilled register (see StackSlot::spilled)
  kStackMisc = 2,     // some data
  kStackZero = 3,     // known zero
};

/// One 8-byte stack slot (struct bpf_stack_state). Slot `spi` covers
/// fp-(spi+1)*8 .. fp-spi*8; byte at fp+o has index (-o - 1) % 8, as in the
/// kernel, so type[7] is the lowest address.
struct StackSlot {
  RegState spilled;
  std::array<uint8_t, 8> type{};

  bool is_spill() const { return type[7] == kStackSpill; }
  /// is_spilled_reg with the full 8 bytes spilled.
  bool is_full_spill() const {
    for (auto t : type)
      if (t != kStackSpill) return false;
    return true;
  }
};

/// struct bpf_func_state: one call frame.
struct FuncState {
  std::array<RegState, isa::kNumRegs> regs;
  std::vector<StackSlot> stack;  // allocated_stack / 8 slots
  uint32_t frameno = 0;
  uint32_t subprog = 0;
  int32_t callsite = -1;         // call instruction in the caller (-1 for main)
  bool in_callback_fn = false;   // a bpf_loop callback: R0 must be in [0, 1]
  int32_t callback_helper_insn = -1;
  /// Iterations of a bpf_loop callback this frame has queued from its current
  /// call site on this path (the kernel's callback_depth).
  uint64_t callback_depth = 0;

  /// Grows the stack so that offset `off` (negative) is allocated (grow_stack_state).
  void grow_stack(int32_t off) {
    const size_t need = static_cast<size_t>((-off + 7) / 8);
    if (stack.size() < need) stack.resize(need);
  }
  int32_t allocated_stack() const { return static_cast<int32_t>(stack.size() * 8); }
};

/// One acquired reference (struct bpf_reference_state, REF_TYPE_PTR).
struct RefState {
  uint32_t id = 0;
  int32_t insn_idx = 0;  // where it was acquired: the log's alloc_insn
  bool operator==(const RefState&) const = default;
};

/// struct bpf_verifier_state: everything a path knows.
struct VerifierState {
  std::vector<FuncState> frames;  // [0] is the main program; at most kMaxCallFrames
  std::vector<RefState> refs;
  /// Pruning bookkeeping: the explored state this path was forked from
  /// (index into the explored-state store, -1 for none), as the kernel's parent.
  int32_t parent = -1;
  /// Callback iterations queued on the way to this state (the kernel's
  /// callback_unroll_depth): two iterations of a callback may meet in the same
  /// state without that being an infinite loop; the call prunes them instead.
  uint32_t callback_unroll_depth = 0;

  FuncState& cur() { return frames.back(); }
  const FuncState& cur() const { return frames.back(); }
  uint32_t curframe() const { return static_cast<uint32_t>(frames.size() - 1); }
  std::array<RegState, isa::kNumRegs>& regs() { return cur().regs; }
};

}  // namespace hostbpf::verifier
