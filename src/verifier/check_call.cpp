// bpf-to-bpf calls, callbacks, exits and references (the kernel's
// check_func_call/setup_func_entry, prepare_func_exit, check_return_code's
// R0 check, acquire_reference, release_reference, check_reference_leak).
//
// Global functions are verified like static ones, in the context of each
// call (the kernel verifies them once, from their BTF prototype): hostbpf is
// more permissive there until BTF argument checking arrives.
//
// bpf_loop callbacks are verified as the kernel does since v6.8: each visit
// of the call queues one more iteration (push_callback_call) and goes on as if
// the loop had ended; a callback's exit returns to the call, which checks it
// again. Iterations stop at nr_loops (R1's maximum) or when the state at the
// call is within an ancestor's (pruning.cpp). The kernel also widens imprecise
// scalars there; hostbpf does not, so a callback that changes an unbounded
// counter may need more iterations than the kernel (up to the 1M limit).
#include <algorithm>

#include "verifier/env.h"

namespace hostbpf::verifier {

namespace {

int push_frame(Env& env, uint32_t subprog, bool callback, const std::array<RegState, 5>& args, int32_t& next) {
  if (env.cur.frames.size() >= static_cast<size_t>(isa::kMaxCallFrames))
    return env.reject(-E2BIG, "the call stack of %u frames is too deep", env.cur.curframe() + 2);
  FuncState callee;
  callee.frameno = static_cast<uint32_t>(env.cur.frames.size());
  callee.subprog = subprog;
  callee.callsite = env.insn_idx;
  callee.in_callback_fn = callback;
  for (int i = 0; i < 5; i++) callee.regs[i + 1] = args[i];
  callee.regs[isa::kFramePointer] = RegState::pointer(RegType::Stack);
  callee.regs[isa::kFramePointer].frameno = static_cast<uint8_t>(callee.frameno);
  env.cur.frames.push_back(std::move(callee));
  next = static_cast<int32_t>(env.ps.subprogs[subprog].start);
  for (int r = 1; r <= 5; r++) env.mark_reg_scratched(r);
  env.mark_reg_scratched(isa::kFramePointer);
  return 0;
}

// verbose_invalid_scalar.
int invalid_scalar(Env& env, const ScalarState& v, int minval, int maxval, const char* ctx) {
  std::string s = std::string(ctx) + " the register R0 has";
  bool unknown = true;
  if (v.smin > std::numeric_limits<int64_t>::min()) {
    s += " smin=" + std::to_string(v.smin);
    unknown = false;
  }
  if (v.smax < std::numeric_limits<int64_t>::max()) {
    s += " smax=" + std::to_string(v.smax);
    unknown = false;
  }
  if (unknown) s += " unknown scalar value";
  s += " should have been in [" + std::to_string(minval) + ", " + std::to_string(maxval) + "]";
  return env.reject(-EINVAL, "%s", s.c_str());
}

// prepare_func_exit: back to the caller.
int prepare_func_exit(Env& env, int32_t& next) {
  FuncState& callee = env.cur.cur();
  const RegState r0 = callee.regs[0];
  const bool callback = callee.in_callback_fn;
  const int32_t callsite = callee.callsite;
  if (callback) {
    if (!r0.is_scalar()) return env.reject(-EACCES, "R0 not a scalar value");
    if (r0.var.smin < 0 || r0.var.smax > 1) return invalid_scalar(env, r0.var, 0, 1, "At callback return");
  } else if (r0.type == RegType::Stack) {
    return env.reject(-EINVAL, "cannot return stack pointer to the caller");
  }
  env.cur.frames.pop_back();
  if (!callback) env.reg(0) = r0;
  env.mark_reg_scratched(0);
  // A callback returns to its call, which decides on another iteration.
  next = callback ? callsite : callsite + 1;
  return 0;
}

}  // namespace

int check_func_call(Env& env, const isa::Insn& insn, int32_t& next) {
  const int32_t target = env.insn_idx + insn.imm + 1;
  const int sub = env.ps.find_subprog(static_cast<uint32_t>(target));
  if (sub < 0) return env.reject(-EFAULT, "verifier bug: no subprogram starts at insn %d", target);
  std::array<RegState, 5> args;
  for (int i = 0; i < 5; i++) args[i] = env.reg(i + 1);
  // clear_caller_saved_regs: R0-R5 are the callee's business now.
  for (int r = 0; r <= 5; r++) mark_reg_not_init(env, r);
  return push_frame(env, static_cast<uint32_t>(sub), false, args, next);
}

int push_callback_call(Env& env, int32_t subprog, const std::array<RegState, 5>& args) {
  PendingState& p = push_stack(env, static_cast<int32_t>(env.ps.subprogs[static_cast<size_t>(subprog)].start),
                               env.insn_idx);
  p.st.cur().callback_depth++;
  p.st.callback_unroll_depth++;
  std::swap(env.cur, p.st);
  int32_t next = 0;
  const int err = push_frame(env, static_cast<uint32_t>(subprog), true, args, next);
  std::swap(env.cur, p.st);
  return err;
}

int check_exit(Env& env, int32_t& next) {
  if (env.cur.frames.size() > 1) return prepare_func_exit(env, next);
  if (check_reference_leak(env))
    return env.reject(-EINVAL, "BPF_EXIT instruction in main prog would lead to reference leak");
  if (int err = check_reg_read(env, 0)) return err;
  next = -1;
  return 0;
}

int check_reference_leak(Env& env) {
  if (env.cur.curframe() != 0) return 0;
  bool leak = false;
  for (const RefState& r : env.cur.refs) {
    if (env.ops.returns_reference && env.reg(0).ref_obj_id == r.id) continue;
    env.verbose("Unreleased reference id=%u alloc_insn=%d\n", r.id, r.insn_idx);
    leak = true;
  }
  return leak ? -EINVAL : 0;
}

uint32_t acquire_reference(Env& env) {
  const uint32_t id = ++env.id_gen;
  env.cur.refs.push_back({id, env.insn_idx});
  return id;
}

int release_reference(Env& env, uint32_t ref_obj_id) {
  auto& refs = env.cur.refs;
  const auto it = std::find_if(refs.begin(), refs.end(), [&](const RefState& r) { return r.id == ref_obj_id; });
  if (it == refs.end()) return -EINVAL;
  refs.erase(it);
  // mark_reg_invalid: with allow_ptr_leaks every copy becomes an unknown scalar.
  for_each_reg(env.cur, [&](RegState& r) {
    if (r.ref_obj_id == ref_obj_id) r = RegState::unknown();
  });
  return 0;
}

}  // namespace hostbpf::verifier
