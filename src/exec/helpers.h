// BPF helper functions with their kernel ids and prototypes.
//
// A helper is an ordinary C function of five 64-bit arguments (R1..R5) that
// returns R0, so the interpreter and a JIT call it directly. The prototype uses
// the kernel's argument and return kinds (enum bpf_arg_type / bpf_return_type);
// the verifier checks call sites against it.
#pragma once

#include <cstdint>

namespace hostbpf::exec {

using HelperFn = uint64_t (*)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);

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
  int32_t id;               // enum bpf_func_id value (BPF_FUNC_map_lookup_elem = 1, ...)
  const char* name;         // "bpf_map_lookup_elem"
  HelperFn fn;              // nullptr for helpers the executor implements itself (tail_call)
  RetType ret;
  ArgType args[5];
  bool gpl_only;
};

/// The helper with kernel id `id`, or nullptr when hostbpf does not provide it.
const HelperProto* find_helper(int32_t id);

/// Name of a helper id for logs ("bpf_map_lookup_elem"), or nullptr.
const char* helper_name(int32_t id);

}  // namespace hostbpf::exec
