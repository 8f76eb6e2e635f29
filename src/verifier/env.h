// The abstract interpreter's working state (the kernel's struct
// bpf_verifier_env) and the checkers it dispatches to, one file per concern:
//   do_check.cpp     main loop, branch stack, LDDW, exit
//   check_alu.cpp    ALU on scalars and pointers
//   check_mem.cpp    loads, stores, atomics; stack, map value, packet, mem
//   (ctx fields, helpers and packet writes per program type: Env::ops, prog_types/)
//   check_jmp.cpp    conditional jumps: scalar refinement, null checks, packet ranges
//   check_helper.cpp helper calls against their prototypes
//   check_call.cpp   bpf-to-bpf calls, callbacks, exits, reference leaks
//   check_kfunc.cpp  kfunc calls (kfunc_args.cpp, btf_struct_access.cpp; btf_checks.h)
//   pruning.cpp      explored states, states_equal, loop detection
//   log.cpp          the kernel's log format
// Checkers return 0 or a negative errno, after logging the kernel's message
// with Env::reject.
#pragma once

#include <array>
#include <cstdarg>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "verifier/cfg.h"
#include "prog_types/prog_type_ops.h"
#include "verifier/verifier.h"
#include "verifier/verifier_state.h"

namespace hostbpf::verifier {

inline constexpr uint32_t kComplexityLimitInsns = 1000000;  // BPF_COMPLEXITY_LIMIT_INSNS
inline constexpr int64_t kMaxVarOff = 1 << 29;              // BPF_MAX_VAR_OFF
inline constexpr int64_t kMaxVarSiz = 1 << 29;              // BPF_MAX_VAR_SIZ

/// A path waiting to be explored (struct bpf_verifier_stack_elem).
struct PendingState {
  VerifierState st;
  int32_t insn = 0;
  int32_t prev_insn = 0;
  size_t log_pos = 0;  // level 1 truncates the log back here when it pops
};

/// A checkpoint at a prune point (struct bpf_verifier_state_list).
struct ExploredState {
  VerifierState st;
  int32_t insn = 0;
  /// Paths still being explored below this checkpoint (the kernel's
  /// `branches`): non-zero means the state is an ancestor of live work, so it
  /// may not prune (its descendants are unverified) but may reveal a loop.
  int32_t branches = 0;
  uint32_t hits = 0, misses = 0;
};

class Env {
 public:
  Env(const VerifyInput& input, const ProgramStructure& structure);

  const VerifyInput& in;
  /// What the program's type means (its ctx, helpers, packet writes).
  const prog_types::ProgTypeOps& ops;
  std::span<const isa::Insn> insns;
  const ProgramStructure& ps;

  VerifierState cur;
  int32_t insn_idx = 0;
  int32_t prev_insn_idx = -1;
  uint32_t id_gen = 0;
  std::vector<PendingState> pending;

  std::vector<ExploredState> explored;
  std::vector<std::vector<uint32_t>> explored_at;  // per instruction: indices into `explored`
  uint32_t cur_states = 0;                         // checkpoints alive (peak_states)
  uint32_t jmps_processed = 0, prev_jmps_processed = 0, prev_insn_processed = 0;

  VerifyStats stats;
  std::vector<InsnFacts> facts;
  /// Per LDX/STX/ST: the base pointer's type on the first path that reached it
  /// (NotInit until then); save_aux_ptr_type compares later paths with it.
  std::vector<RegType> mem_ptr_type;
  std::vector<uint16_t> live_regs;  // liveness.h: registers read later, per instruction
  std::vector<uint16_t> precise_regs;  // liveness.h: registers whose exact range matters later

  // Log.
  std::string log;
  std::string error_msg;  // the message of the rejection
  size_t prev_log_pos = 0;
  size_t prev_insn_print_pos = 0;
  uint32_t scratched_regs = 0;   // registers touched by the current instruction
  size_t insn_log_start = 0;     // where the current instruction's messages begin
  uint64_t scratched_stack = 0;  // stack slots touched (slot index bits)
  bool do_print_state = false;
  int32_t last_linfo = -1;

  bool log_on() const { return in.log_level > 0; }
  bool log2() const { return in.log_level >= 2; }
  [[gnu::format(printf, 2, 3)]] void verbose(const char* fmt, ...);
  /// Logs the message (a line) and remembers it as the rejection's message.
  [[gnu::format(printf, 3, 4)]] int reject(int err, const char* fmt, ...);

  RegState& reg(int regno) { return cur.regs()[regno]; }
  FuncState& frame(uint32_t frameno) { return cur.frames[frameno]; }
  const maps::MapSpec* map(int32_t idx) const {
    return idx >= 0 && static_cast<size_t>(idx) < in.maps.size() ? &in.maps[idx] : nullptr;
  }
  void mark_reg_scratched(int regno) { scratched_regs |= 1u << regno; }
  void mark_stack_scratched(size_t spi) { scratched_stack |= spi < 64 ? uint64_t{1} << spi : 0; }
  /// A resumed path shows its whole state on its first instruction's line.
  void mark_all_scratched() {
    scratched_regs = (1u << isa::kNumRegs) - 1;
    scratched_stack = ~uint64_t{0};
  }
  /// Stack depth used by the current frame's subprogram (update_stack_depth).
  void update_stack_depth(const FuncState& f, int32_t off);
};

// ---- registers (do_check.cpp) ----
/// check_reg_arg(SRC_OP): "R%d !read_ok" for NOT_INIT.
int check_reg_read(Env& env, int regno);
/// check_reg_arg(DST_OP[_NO_MARK]): "frame pointer is read only".
int check_reg_write(Env& env, int regno);
/// mark_reg_unknown / mark_reg_known_zero and friends.
void mark_reg_unknown(Env& env, int regno);
void mark_reg_not_init(Env& env, int regno);
/// The stack frame a PTR_TO_STACK register points into (func(env, reg)).
FuncState& stack_frame_of(Env& env, const RegState& r);

// ---- check_alu.cpp ----
int check_alu(Env& env, const isa::Insn& insn);

// ---- check_mem.cpp ----
int check_load(Env& env, const isa::Insn& insn);
int check_store(Env& env, const isa::Insn& insn);
int check_atomic(Env& env, const isa::Insn& insn);
/// check_helper_mem_access: the helper reads (or writes, `write`) `size`
/// bytes at register `regno` (size may be variable: [0, max_size]).
int check_helper_mem_access(Env& env, int regno, int64_t size, bool write, bool zero_size_allowed);
/// __check_ptr_off_reg: a pointer used unmodified (ctx): "negative offset
/// ..." / "dereference of modified ..." / "variable ... access" otherwise.
/// With `fixed_off_ok`, a constant positive offset is allowed (kfunc
/// arguments pointing into a struct).
int check_ptr_off_reg(Env& env, const RegState& reg, int regno, bool fixed_off_ok = false);

// ---- check_jmp.cpp ----
/// check_cond_jmp_op: follows or forks; sets `next` to the instruction to run.
int check_cond_jmp(Env& env, const isa::Insn& insn, int32_t& next);

// ---- check_helper.cpp ----
int check_helper_call(Env& env, const isa::Insn& insn, int32_t& next);

// ---- check_kfunc.cpp ----
int check_kfunc_call(Env& env, const isa::Insn& insn);
/// add_kfunc_call's checks for every resolved kfunc call, reachable or not
/// (a GPL-compatible program), before any path is explored.
int add_kfunc_calls(Env& env);

// ---- check_call.cpp ----
int check_func_call(Env& env, const isa::Insn& insn, int32_t& next);
/// push_callback_call: queues one more iteration of a callback (bpf_loop): a
/// copy of the current state, entering `subprog` from the current instruction
/// with the given r1..r5, whose exit comes back to this instruction.
int push_callback_call(Env& env, int32_t subprog, const std::array<RegState, 5>& args);
/// BPF_EXIT: returns to the caller (next = its next instruction; for a
/// callback, the call itself) or, in the main program, checks R0 and
/// references and sets next = -1.
int check_exit(Env& env, int32_t& next);
/// check_reference_leak: logs every remaining reference; -EINVAL if any.
int check_reference_leak(Env& env);
/// release_reference: drops reference `ref_obj_id` and invalidates its copies.
int release_reference(Env& env, uint32_t ref_obj_id);
/// acquire_reference: a new reference id acquired at the current instruction.
uint32_t acquire_reference(Env& env);
/// Applies `fn` to every register and spilled register of every frame.
template <class Fn>
void for_each_reg(VerifierState& st, Fn&& fn) {
  for (auto& f : st.frames) {
    for (auto& r : f.regs) fn(r);
    for (auto& s : f.stack)
      if (s.is_spill()) fn(s.spilled);
  }
}

// ---- pruning.cpp ----
/// is_state_visited: 1 when an explored state covers the current one
/// (prune), 0 to go on (possibly after saving a checkpoint), <0 on error.
int is_state_visited(Env& env, int32_t insn);
/// The current path ended: decrement `branches` up the parent chain.
void update_branch_counts(Env& env);
/// push_stack: queue the current state to be explored from `insn` later.
PendingState& push_stack(Env& env, int32_t insn, int32_t prev_insn);

// ---- log.cpp ----
void log_insn(Env& env, int32_t idx);
/// print_verifier_state: all registers (print_all) or the scratched ones.
void log_state(Env& env, bool print_all);
/// print_insn_state: the state after an instruction, on its line.
void log_insn_state(Env& env);
/// verbose_linfo: "; source @ file.c:N" when the instruction starts a new line.
void log_linfo(Env& env, int32_t idx, const char* prefix);
void log_stats(Env& env);
std::string disasm_for_log(const Env& env, int32_t idx);

}  // namespace hostbpf::verifier
