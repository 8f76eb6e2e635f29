// Static call-chain limits, mirroring the kernel's check_max_stack_depth and
// check_max_stack_depth_subprog: from the main program (and from every async
// callback, which runs on a stack of its own) follow every call in every
// subprogram, regardless of reachability, summing rounded frame sizes.
//
// The kernel walks each call site anew, which is exponential in the call depth
// when many sites call the same subprograms. What a walk into a callee finds
// depends only on (callee, frame number, stack used by the callers), so a state
// explored once without error is skipped the next time: the same first error
// as the kernel, in polynomial time.
//
// Not mirrored: private stacks (a JIT feature for tracing programs) and the
// bpf_throw / exception-callback rules (kfuncs we do not have).
#include <algorithm>
#include <cstdint>
#include <set>
#include <tuple>

#include "verifier/structure_stages.h"
#include "base/strprintf.h"

namespace hostbpf::verifier {

namespace {


class StackWalk {
 public:
  StackWalk(const ProgramStructure& ps, std::span<const int32_t> depth, const StackDepthOptions& opts)
      : ps_(ps), depth_(depth), rounding_(opts.rounding), async_(ps.subprogs.size(), false) {
    for (uint32_t s : opts.async_callbacks)
      if (s < async_.size()) async_[s] = true;
  }

  // Async callbacks first, main program last, as the kernel does (it walks the
  // subprograms from the highest index down).
  Error run() {
    for (size_t i = ps_.subprogs.size(); i-- > 0;) {
      if (i != 0 && !async_[i]) continue;
      if (Error err = walk(static_cast<uint32_t>(i), 0, 0)) return err;
    }
    return {};
  }

 private:
  // Enters subprogram `idx` as call frame `frame` with `caller_stack` bytes used below it.
  Error walk(uint32_t idx, int frame, int32_t caller_stack) {
    // A tail call unwinds its own frame but not its callers': 33 of them on
    // top of a deep caller stack would overflow (the kernel limits it to 8k).
    if (idx != 0 && ps_.subprogs[idx].has_tail_call && caller_stack >= kMaxStackBeforeTailCall)
      return Error(-EACCES, base::strprintf("tail_calls are not allowed when call stack of previous frames is %d bytes. "
                                   "Too large",
                                   caller_stack));
    const int32_t stack = caller_stack + rounded_frame_size(depth_[idx], rounding_);
    if (stack > isa::kMaxBpfStack)
      return Error(-EACCES, base::strprintf("combined stack size of %d calls is %d. Too large", frame + 1, stack));
    for (const CallSite& call : ps_.calls_of(idx)) {
      // Taking an async callback's address does not run it on this stack.
      if (async_[call.callee] && call.kind == CallKind::FuncRef) continue;
      if (frame + 1 >= isa::kMaxCallFrames)
        return Error(-E2BIG, base::strprintf("the call stack of %d frames is too deep !", frame + 1));
      if (!explored_.emplace(call.callee, frame + 1, stack).second) continue;
      if (Error err = walk(call.callee, frame + 1, stack)) return err;
    }
    return {};
  }

  const ProgramStructure& ps_;
  std::span<const int32_t> depth_;
  StackRounding rounding_;
  std::vector<bool> async_;
  std::set<std::tuple<uint32_t, int, int32_t>> explored_;
};

}  // namespace

int32_t rounded_frame_size(int32_t stack_depth, StackRounding rounding) {
  // The JIT allocates 16-byte aligned frames; the interpreter's frames come in
  // 32-byte steps and are never empty.
  if (rounding == StackRounding::Jit) return (stack_depth + 15) / 16 * 16;
  return (std::max(stack_depth, 1) + 31) / 32 * 32;
}

Error check_stack_depth(const ProgramStructure& structure, std::span<const int32_t> stack_depth,
                        const StackDepthOptions& opts) {
  if (stack_depth.size() != structure.subprogs.size())
    return Error(-EFAULT, base::strprintf("verifier bug: stack depths for %zu subprogs, the program has %zu",
                                 stack_depth.size(), structure.subprogs.size()));
  for (size_t i = 0; i < stack_depth.size(); ++i)
    if (stack_depth[i] < 0 || stack_depth[i] > UINT16_MAX)  // the kernel's u16 stack_depth
      return Error(-EFAULT, base::strprintf("verifier bug: subprog %zu has stack depth %d", i, stack_depth[i]));
  return StackWalk(structure, stack_depth, opts).run();
}

}  // namespace hostbpf::verifier
