// The BPF helpers hostbpf provides, one table of the kernel's struct
// bpf_func_proto: each helper's kernel id, name and prototype (what the
// verifier checks about a call) beside its implementation (what the executor
// calls), so that a helper is one entry and cannot have one half only.
//
// A helper is an ordinary C function of five 64-bit arguments (R1..R5) that
// returns R0, so the interpreter and a JIT call it directly. The verifier has
// checked every call site against the prototype before an executor sees it.
// Which program types may call a helper is the type's get_func_proto
// (prog_types/); this table says which helpers exist.
#pragma once

#include <cstdint>
#include <span>

namespace hostbpf::helpers {

using HelperFn = uint64_t (*)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);

/// A BPF subprogram as a value: what `LDDW rX, BPF_PSEUDO_FUNC` loads and what
/// callback-taking helpers (bpf_loop) call. Created by the executor.
struct Callback {
  uint64_t (*invoke)(const Callback* self, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);
};

/// The kernel's enum bpf_arg_type, the subset our helpers use.
enum class ArgType : uint8_t {
  DontCare,           // ARG_DONTCARE: unused argument
  Anything,           // ARG_ANYTHING
  ConstMapPtr,        // ARG_CONST_MAP_PTR
  PtrToMapKey,        // ARG_PTR_TO_MAP_KEY
  PtrToMapValue,      // ARG_PTR_TO_MAP_VALUE
  PtrToMem,           // ARG_PTR_TO_MEM | MEM_RDONLY (read by the helper)
  PtrToUninitMem,     // ARG_PTR_TO_MEM | MEM_UNINIT (written by the helper)
  ConstSize,          // ARG_CONST_SIZE
  ConstSizeOrZero,    // ARG_CONST_SIZE_OR_ZERO
  ConstAllocSizeOrZero,  // ARG_CONST_ALLOC_SIZE_OR_ZERO
  PtrToCtx,           // ARG_PTR_TO_CTX
  PtrToFunc,          // ARG_PTR_TO_FUNC (a callback subprogram)
  PtrToStackOrNull,   // ARG_PTR_TO_STACK_OR_NULL (callback context)
  PtrToRingbufMem,    // ARG_PTR_TO_MEM | MEM_RINGBUF | OBJ_RELEASE
  PtrToConstStr,      // ARG_PTR_TO_CONST_STR
};

/// The kernel's enum bpf_return_type, the subset our helpers use.
enum class RetType : uint8_t {
  Integer,            // RET_INTEGER
  Void,               // RET_VOID
  MapValueOrNull,     // RET_PTR_TO_MAP_VALUE_OR_NULL
  RingbufMemOrNull,   // RET_PTR_TO_MEM | MEM_RINGBUF | PTR_MAYBE_NULL (acquires a reference)
};

struct HelperProto {
  int32_t id;        // enum bpf_func_id value (BPF_FUNC_map_lookup_elem = 1, ...)
  const char* name;  // "bpf_map_lookup_elem"
  RetType ret;
  ArgType args[5];
  bool gpl_only;
  /// pkt_access: the helper may be given packet pointers (map helpers, with a
  /// key or value in the packet); any other gets "helper access to the packet
  /// is not allowed".
  bool pkt_access;
  /// The implementation (the kernel's .func); nullptr for bpf_tail_call,
  /// which every executor performs itself.
  HelperFn func;
};

/// Helper `id`, or nullptr when hostbpf does not provide it.
const HelperProto* find_helper(int32_t id);

/// Name of any kernel helper id for logs ("bpf_map_lookup_elem", also for
/// helpers hostbpf does not provide), or nullptr for ids the kernel lacks.
const char* helper_name(int32_t id);

/// Every helper, sorted by id.
std::span<const HelperProto> all_helpers();

}  // namespace hostbpf::helpers
