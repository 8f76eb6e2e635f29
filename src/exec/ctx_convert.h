// The context rewrite (the kernel's convert_ctx_accesses): loads of context
// fields whose meaning the runtime owns become loads of the runtime's own
// record, so that no program ever takes a pointer from memory that a program
// or a caller could have written as plain data (hostbpf/context.h).
#pragma once

#include <cstdint>
#include <span>

#include "isa/insn.h"
#include "verifier/verifier.h"

namespace hostbpf::exec {

/// What running a program of this type with its context needs.
enum class CtxRuntime {
  Plain,      // the ctx is memory the caller lays out (syscall, tracing, ...): no rewrite
  Rewritten,  // pointer fields were redirected to the runtime's record (xdp: XdpContext)
  /// The verified program takes packet pointers from a context that hostbpf
  /// has no runtime record for (struct __sk_buff, ...): it must not run.
  Unsupported,
};

/// Rewrites `insns` in place from the verifier's facts (InsnFacts::ctx_access,
/// ctx_load_kind) with the type's convert_ctx_access. Only verified programs
/// have facts: without them nothing is rewritten, and a type whose context
/// needs the rewrite (xdp) is Unsupported.
CtxRuntime convert_ctx_accesses(ProgType prog_type, std::span<isa::Insn> insns,
                                std::span<const verifier::InsnFacts> facts);

}  // namespace hostbpf::exec
