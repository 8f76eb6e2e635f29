// A program ready to run: instructions after fixups, turned into something the
// CPU runs (the interpreter's decoded form now, JIT code later) behind one entry
// point, so the runtime, tail calls and callbacks never care which.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hostbpf/error.h"
#include "exec/fixup.h"
#include "helpers/run_env.h"
#include "isa/insn.h"
#include "maps/prog_array.h"

/// kfuncs are host functions of their own C++ types, called through the
/// helper ABI's type (five uint64_t in, uint64_t out): on x86-64 SysV the
/// argument registers line up, and returns narrower than 64 bits are widened
/// by the caller (CallTarget::ret_ext), as the kernel's JIT
/// calls kfuncs. Clang's -fsanitize=function would report every such call, so
/// the functions that make them are exempt from that one check.
#if defined(__clang__)
#define HOSTBPF_CALLS_KFUNCS __attribute__((no_sanitize("function")))
#else
#define HOSTBPF_CALLS_KFUNCS
#endif

namespace hostbpf::exec {

/// Terminates the running program from inside a helper: the program returns
/// `r0` as soon as the helper returns (used by the conformance suite's "unwind"
/// helper and by fault handling). Only meaningful inside a helper; from a helper
/// that a callback (bpf_loop) called, it ends that callback's activation.
void request_exit(uint64_t r0);

/// For executors: true, with the requested r0, when a helper has called
/// request_exit() on this thread since the last check; clears the request. The
/// interpreter checks after every helper call; a JIT must do the same.
bool take_exit_request(uint64_t* r0);

/// Executor ids (maps::ProgArrayOwner::executor): a prog array holds programs
/// of one executor, as the kernel's holds only JIT-compiled or only interpreted ones.
inline constexpr uint8_t kInterpreterExecutor = 0;
inline maps::ProgArrayOwner with_executor(maps::ProgArrayOwner compat, uint8_t executor) {
  compat.executor = executor;
  return compat;
}

class Executable : public maps::TailCallTarget {
 public:
  ~Executable() override = default;

  /// Runs the program with R1..R5 = args (R1 is the context) and returns R0.
  /// The run holds, for its whole duration, this thread's CPU slot (base/cpu.h;
  /// when none is free the program does not run and -EBUSY is returned as a
  /// 64-bit value), an RCU read-side section (map elements the program finds
  /// stay valid) and the program's RunEnv (ExecOptions::env). Runs nest: a
  /// helper may run another program, which shares the CPU slot and nests its
  /// read-side section. The executor does all of this in its own entry, so a
  /// run costs one call.
  uint64_t run(uint64_t r1, uint64_t r2 = 0, uint64_t r3 = 0, uint64_t r4 = 0, uint64_t r5 = 0) const {
    return entry_(this, r1, r2, r3, r4, r5);
  }

  /// Called with the Executable itself as `self` (as a const void*, so that
  /// the public header's run entry need not name this class).
  using Entry = uint64_t (*)(const void* self, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
  /// What run() calls, for callers that keep it next to the object
  /// (hostbpf::Program::run, inline in the public header).
  Entry entry() const { return entry_; }

  const maps::ProgArrayOwner& compat() const override { return compat_; }
  /// True when run() enters through `entry`. Lets an executor recognise its own
  /// programs: the interpreter continues a tail call into another interpreted
  /// program inside the same dispatch loop instead of nesting a native call.
  template <class Fn>
  bool entered_by(Fn* entry) const {
    return entry_ == entry;
  }
  uint32_t prog_id() const override { return prog_id_; }
  const std::string& prog_name() const override { return name_; }

 protected:
  Executable(Entry entry, const maps::ProgArrayOwner& compat, uint32_t prog_id, std::string name)
      : entry_(entry), compat_(compat), prog_id_(prog_id), name_(std::move(name)) {}

 private:
  Entry entry_;
  maps::ProgArrayOwner compat_;
  uint32_t prog_id_;
  std::string name_;
};

/// The interpreter's form of a prepared program (exec/fixup.h): every
/// decision the fixup stage made is taken as it is; the interpreter only picks
/// a handler per instruction. Refuses (naming the instruction) what no fixup
/// could have produced: a call without its target, a malformed instruction.
Result<std::shared_ptr<Executable>> make_interpreter(const PreparedProgram& prog);

}  // namespace hostbpf::exec
