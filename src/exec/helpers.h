// BPF helper functions by their kernel ids: what each does.
//
// A helper is an ordinary C function of five 64-bit arguments (R1..R5) that
// returns R0, so the interpreter and a JIT call it directly. What must be
// checked about a call (the prototype) is the verifier's
// (verifier/helper_protos.h), which has verified every call site before the
// executor sees it.
#pragma once

#include <cstdint>

#include "verifier/helper_protos.h"

namespace hostbpf::exec {

using HelperFn = uint64_t (*)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);

/// The implementation of the helper with kernel id `id`.
struct Helper {
  int32_t id;  // enum bpf_func_id value
  HelperFn fn;  // nullptr for helpers the executor implements itself (tail_call)
};

/// The helper with kernel id `id`, or nullptr when hostbpf does not provide it.
/// Its prototype is verifier::find_helper_proto(id).
const Helper* find_helper(int32_t id);

/// Every helper, sorted by id.
const Helper* helpers_begin();
const Helper* helpers_end();

/// Name of a helper id for logs (verifier::helper_name).
using verifier::helper_name;

}  // namespace hostbpf::exec
