// What must be checked about each BPF helper: its kernel id, name and
// prototype (the verifier's half of the kernel's struct bpf_func_proto). What a
// helper does is exec/helpers.h; the two tables are keyed by the same ids, and
// a test checks that every implemented helper has a prototype and vice versa.
#pragma once

#include <cstdint>

namespace hostbpf::verifier {

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
  bool pkt_access = false;
};

/// The prototype of helper `id`, or nullptr when hostbpf does not provide it.
const HelperProto* find_helper_proto(int32_t id);

/// Name of any kernel helper id for logs ("bpf_map_lookup_elem", also for
/// helpers hostbpf does not provide), or nullptr for ids the kernel lacks.
const char* helper_name(int32_t id);

/// Every prototype, sorted by id.
const HelperProto* helper_protos_begin();
const HelperProto* helper_protos_end();

}  // namespace hostbpf::verifier
