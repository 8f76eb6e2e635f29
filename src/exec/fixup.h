// The fixup stage: everything between the verifier and an executor, as the
// kernel's do_misc_fixups / convert_ctx_accesses / sanitize_dead_code are
// between bpf_check and the JIT. It takes a program in the loader's form (maps
// and kfuncs named by index, as the object gave them) with the verifier's
// facts, and runs each pass once, in this order:
//
//   1. dead code (fixup_dead_code.cpp): calls that no verified path reaches
//      and that cannot be bound (CO-RE poison, unresolved __weak kfuncs)
//      become `goto -1`;
//   2. map references (fixup_maps.cpp): BPF_PSEUDO_MAP_IDX(_VALUE) become
//      the map's address or its value's;
//   3. calls (fixup_calls.cpp): every helper call bound to its implementation
//      (or the caller's override), bpf_map_lookup_elem bound to the one map
//      the verifier proved for the site, kfunc calls rewritten to the
//      kernel's form and bound to the host function with how to widen R0;
//   4. probe loads: loads through untrusted BTF pointers marked fault-safe;
//   5. context rewrites (ctx_convert.cpp): the program type's
//      convert_ctx_access on every ctx load.
//
// The result, a PreparedProgram, is all an executor needs: the interpreter
// turns it into handlers now (make_interpreter), a JIT will turn it into
// machine code, and neither redoes any of the above.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "helpers/helper.h"
#include "helpers/run_env.h"
#include "hostbpf/error.h"
#include "isa/insn.h"
#include "maps/map.h"
#include "maps/prog_array.h"
#include "verifier/verifier.h"

namespace hostbpf::exec {

/// What an executor knows of a program besides its code.
struct ExecOptions {
  /// What prog arrays compare (the program type and the rest of the kernel's
  /// bpf_map_owner); `compat.executor` is set by the executor itself.
  maps::ProgArrayOwner compat;
  uint32_t prog_id = 0;  // reported through TailCallTarget::prog_id
  std::string name;      // for error messages
  /// What helpers reach during this program's runs (its runtime's trace sink);
  /// must outlive the program. nullptr: runs keep the caller's (an EnvScope).
  const helpers::RunEnv* env = nullptr;
  /// Helper implementations by id that replace the kernel helper of that id
  /// (the conformance plugin's uBPF helpers); also what `callx` may call.
  struct HelperOverride {
    int32_t id;
    helpers::HelperFn fn;
  };
  std::vector<HelperOverride> helper_overrides;
  bool allow_callx = false;  // `callx rN`: call the helper whose id is in rN
};

/// What one call instruction calls once fixed up.
struct CallTarget {
  enum class Kind : uint8_t {
    None,      // not a call, or a bpf-to-bpf call (pc-relative, bound by the executor)
    Helper,    // `fn`; for bpf_map_lookup_elem with `map` set, the site always passes that map
    TailCall,  // bpf_tail_call, which the executor implements itself
    Kfunc,     // `fn`, a host function; R0 widened per `ret_ext`
  };
  Kind kind = Kind::None;
  /// Kfunc: a return narrower than 64 bits, its size in bytes, negative when
  /// signed (the C ABI leaves the upper bits unspecified); 0 for 64-bit,
  /// pointer and void returns.
  int8_t ret_ext = 0;
  helpers::HelperFn fn = nullptr;
  /// Helper bpf_map_lookup_elem: the map every verified path passes (the
  /// kernel's map_gen_lookup binds such a site to the map's own lookup); an
  /// executor may call its lookup directly or inline it.
  maps::Map* map = nullptr;
};

/// The fixup stage's input.
struct FixupInput {
  /// The program in the loader's form, already validated (isa) and, unless
  /// `facts` is empty, verified.
  std::span<const isa::Insn> insns;
  /// The verifier's facts, one per instruction; empty for a program loaded
  /// without verification (then nothing is proved: no dead code, no bound map
  /// lookups, no probe loads, and a type whose ctx needs rewriting cannot run).
  std::span<const verifier::InsnFacts> facts;
  ProgType prog_type = ProgType::Unspec;
  /// By the loader's map index (BPF_PSEUDO_MAP_IDX's immediate).
  std::span<maps::Map* const> maps;
  /// By ksym index (a kfunc call's immediate in the loader's form).
  std::span<const verifier::KfuncTarget> kfuncs;
  ExecOptions exec;
};

/// What running a program of this type with its context needs.
enum class CtxRuntime {
  Plain,      // the ctx is memory the caller lays out (syscall, tracing, ...): no rewrite
  Rewritten,  // pointer fields were redirected to the runtime's record (xdp: XdpContext)
  /// The verified program takes packet pointers from a context that hostbpf
  /// has no runtime record for (struct __sk_buff, ...), or the type needs the
  /// rewrite and the program was not verified: it must not run.
  Unsupported,
};

/// The fixup stage's output: one program that every executor consumes as is.
struct PreparedProgram {
  ExecOptions exec;
  /// The xlated program: maps as addresses, kfunc calls in the kernel's form
  /// (imm = FUNC id, off = BTF index), ctx loads rewritten, dead code trapped.
  std::vector<isa::Insn> insns;
  std::vector<CallTarget> calls;  // one per instruction
  /// Per instruction: read fault-safely, giving 0 when the address is
  /// unreadable (the kernel's BPF_PROBE_MEM). Empty: none.
  std::vector<bool> probe_mem;
  /// Indices into FixupInput::maps of the maps the code refers to, in order
  /// of first reference.
  std::vector<uint32_t> used_maps;
  CtxRuntime ctx = CtxRuntime::Plain;
};

/// Runs the passes above. Errors name the program and the instruction.
Result<PreparedProgram> fixup(const FixupInput& in);

}  // namespace hostbpf::exec
