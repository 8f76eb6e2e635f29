// The verifier's structure stage: what the kernel checks before it interprets
// anything (bpf_check's add_subprog_and_kfunc, check_subprogs, check_btf_info,
// resolve_pseudo_ldimm64, check_cfg, compute_postorder), plus the static
// call-chain limits it checks afterwards (check_max_stack_depth).
//
// The input is a program in the loader's form (object_spec.h): BPF_PSEUDO_CALL
// and LDDW BPF_PSEUDO_FUNC carry pc-relative offsets, maps are still indices.
// The output describes subprograms, the control-flow graph inside each of them,
// the calls between them, and the per-instruction marks (prune points, jump
// points...) that the abstract interpreter uses exactly where the kernel puts
// them. Rejections carry the kernel's message and errno.
//
// Privileged semantics: loops (back edges between jumps) are allowed and only
// recorded; whether they terminate is the abstract interpreter's business.
// Recursion through BPF_PSEUDO_CALL is allowed here too, as the privileged
// kernel's check_cfg does: it is rejected later, when the call stack grows too
// deep ("the call stack of 9 frames is too deep").
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <span>
#include <vector>

#include "hostbpf/error.h"
#include "isa/insn.h"
#include "object/object_spec.h"

namespace hostbpf::verifier {

/// BPF_MAX_SUBPROGS.
inline constexpr int kMaxSubprogs = 256;
/// A subprogram with a tail call must not run on more caller stack than this
/// (check_max_stack_depth_subprog: 33 tail calls x 256 bytes stays within 8k).
inline constexpr int kMaxStackBeforeTailCall = 256;

/// Per-instruction marks (ProgramStructure::flags, one per instruction slot).
enum InsnFlag : uint16_t {
  kInsnSubprogStart = 1 << 0,     // first instruction of a subprogram
  kInsnJumpTarget = 1 << 1,       // target of a conditional jump or goto
  kInsnBlockStart = 1 << 2,       // first instruction of a basic block
  kInsnLoopHead = 1 << 3,         // target of a back edge (a loop header)
  kInsnPrunePoint = 1 << 4,       // mark_prune_point: states are compared and saved here
  kInsnJmpPoint = 1 << 5,         // mark_jmp_point: entering records non-linear history
  kInsnForceCheckpoint = 1 << 6,  // mark_force_checkpoint
  kInsnCallsCallback = 1 << 7,    // mark_calls_callback: bpf_loop and the like
  kInsnLddwHigh = 1 << 8,         // upper half of an LDDW: not an instruction
};

/// BTF linkage of a subprogram's FUNC (enum btf_func_linkage), when known.
enum class Linkage : uint8_t { Unknown, Static, Global, Extern };

struct Subprog {
  uint32_t start = 0;  // first instruction
  uint32_t end = 0;    // one past the last (the next subprogram's start)
  bool called = false;    // target of a BPF_PSEUDO_CALL
  bool callback = false;  // address taken by an LDDW BPF_PSEUDO_FUNC (bpf_loop, timers...)
  bool has_tail_call = false;
  bool has_ld_abs = false;
  int32_t exit_idx = -1;  // last exit instruction (subprog_info.exit_idx), -1 if none
  uint32_t btf_id = 0;    // BTF FUNC from func_info; 0 without func_info
  Linkage linkage = Linkage::Unknown;
  uint32_t first_block = 0, end_block = 0;            // ProgramStructure::blocks range
  uint32_t first_call = 0, end_call = 0;              // ProgramStructure::calls range
  uint32_t postorder_start = 0, postorder_end = 0;    // ProgramStructure::postorder / rpo range

  bool is_global() const { return linkage == Linkage::Global; }
};

/// A reference from one subprogram to another.
enum class CallKind : uint8_t {
  Call,     // BPF_PSEUDO_CALL: a frame is pushed here
  FuncRef,  // LDDW BPF_PSEUDO_FUNC: the callee becomes a callback of some helper
};

struct CallSite {
  uint32_t insn = 0;    // the call or LDDW
  uint32_t callee = 0;  // subprogram index
  CallKind kind = CallKind::Call;
};

/// A straight-line run of instructions. Blocks end at jumps and exits (and
/// before jump targets); calls do not end a block, they return to the next
/// instruction.
struct BasicBlock {
  uint32_t start = 0, end = 0;  // instruction slots [start, end)
  uint32_t subprog = 0;
  std::vector<uint32_t> succs;  // block indices, fall-through first
  std::vector<uint32_t> preds;
};

struct Edge {
  uint32_t from = 0, to = 0;
  bool operator==(const Edge&) const = default;
};

struct ProgramStructure {
  uint32_t insn_count = 0;
  std::vector<Subprog> subprogs;        // sorted by start; [0] is the main program
  std::vector<uint16_t> flags;          // InsnFlag bits per slot
  std::vector<uint32_t> insn_subprog;   // subprogram of each slot
  std::vector<uint32_t> insn_block;     // basic block of each slot
  std::vector<BasicBlock> blocks;       // in instruction order
  std::vector<CallSite> calls;          // in instruction order
  /// Edges closing a loop (a jump, or a fall-through into a loop head): the back
  /// edges of the kernel's check_cfg depth-first search (fall-through explored
  /// before the branch), in the order it finds them. Calls are never recorded
  /// here: recursion is the interpreter's and check_stack_depth's business.
  std::vector<Edge> back_edges;
  /// Per subprogram (see Subprog::postorder_*), a depth-first postorder of its
  /// instructions over CFG successors, and its reverse: in `rpo` every
  /// instruction comes before its successors except along back edges.
  std::vector<uint32_t> postorder;
  std::vector<uint32_t> rpo;
  /// CFG successors inside the subprogram (calls return to the next
  /// instruction; exits have none), in compressed rows: the successors of `i`
  /// are succ_list[succ_begin[i] .. succ_begin[i + 1]).
  std::vector<uint32_t> succ_begin;
  std::vector<uint32_t> succ_list;

  bool has(uint32_t insn, InsnFlag f) const { return (flags[insn] & f) != 0; }
  std::span<const uint32_t> successors(uint32_t insn) const;
  std::span<const CallSite> calls_of(uint32_t subprog) const;
  std::span<const uint32_t> postorder_of(uint32_t subprog) const;
  std::span<const uint32_t> rpo_of(uint32_t subprog) const;
  /// The subprogram that starts exactly at `insn`, or -1 (the kernel's find_subprog).
  int find_subprog(uint32_t insn) const;
};

struct StructureOptions {
  /// The program's .BTF.ext func_info (object::ProgramSpec::func_info); empty if none.
  std::span<const object::FuncInfo> func_info;
  /// The BTF that func_info's type ids refer to. Optional: with it the FUNC
  /// types, return types and linkage are checked and recorded.
  const struct btf* btf = nullptr;
  /// The maps LDDW BPF_PSEUDO_MAP_IDX(_VALUE) index, and whether the program
  /// is sleepable: check_map_prog_compatibility runs with resolve_pseudo_ldimm64.
  std::span<const maps::MapSpec> maps;
  bool sleepable = false;
};

/// Runs the structure stage. Errors, in the kernel's order and wording, e.g.
///   "call to invalid destination"                      (-EINVAL)
///   "too many subprograms"                             (-E2BIG)
///   "jump out of range from insn 5 to 40"              (-EINVAL)
///   "last insn is not an exit or jmp"                  (-EINVAL)
///   "func_info BTF section doesn't match subprog layout in BPF program"
///   "invalid bpf_ld_imm64 insn"                        (-EINVAL)
///   "unreachable insn 4"                               (-EINVAL)
///   "jump into the middle of ldimm64 insn 1"           (-EINVAL)
/// Opcodes and fields are the ISA validator's business (isa/validate.h); this
/// stage never misbehaves on input that did not pass it.
Result<ProgramStructure> build_program_structure(std::span<const isa::Insn> insns,
                                                 const StructureOptions& opts = {});

/// Frame sizes as the kernel accounts them (round_up_stack_depth): the
/// interpreter's 32-byte granularity with at least one slot, or the JIT's 16.
enum class StackRounding : uint8_t { Interpreter, Jit };
int32_t rounded_frame_size(int32_t stack_depth, StackRounding rounding);

struct StackDepthOptions {
  StackRounding rounding = StackRounding::Interpreter;
  /// Subprograms that the abstract interpreter found registered as async
  /// callbacks (bpf_timer_set_callback): each starts a call chain of its own,
  /// and taking its address does not call it.
  std::span<const uint32_t> async_callbacks;
};

/// The kernel's check_max_stack_depth, given each subprogram's stack depth as
/// the abstract interpreter measured it. Walks every call chain from the main
/// program (and from each async callback) and rejects
///   "combined stack size of 3 calls is 544. Too large"                      (-EACCES)
///   "the call stack of 8 frames is too deep !"                              (-E2BIG)
///   "tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large" (-EACCES)
Error check_stack_depth(const ProgramStructure& structure, std::span<const int32_t> stack_depth,
                        const StackDepthOptions& opts = {});

}  // namespace hostbpf::verifier
