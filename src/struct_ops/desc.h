// The descriptor of one registered ops type (the kernel's struct
// bpf_struct_ops_desc with its struct bpf_struct_ops), built from the
// owner's BTF by desc_init, as bpf_struct_ops_desc_init builds it.
//
// Registration has two halves, as in the kernel: describing the type into
// BTF (the register_bpf_struct_ops macro; here the runtime's BtfDescriber)
// and reading that BTF back into a descriptor (here). Everything the
// verifier, the loader and the maps learn about a type comes from the
// descriptor, so a type that came from a BTF blob and one described from
// C++ are checked by the same rules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "hostbpf/error.h"
#include "hostbpf/struct_ops.h"
#include "module/btf_owner.h"

namespace hostbpf::struct_ops {

inline constexpr uint32_t kMaxMembers = 64;       // BPF_STRUCT_OPS_MAX_NR_MEMBERS
inline constexpr uint32_t kMaxFuncArgs = 12;      // MAX_BPF_FUNC_ARGS
inline constexpr const char* kValuePrefix = "bpf_struct_ops_";
inline constexpr const char* kCommonValue = "bpf_struct_ops_common_value";
/// Where the wrapper puts `data`: after `common`, cacheline aligned.
inline constexpr uint32_t kDataOffset = 64;

/// An annotated argument of a member (the kernel's bpf_ctx_arg_aux): the
/// program sees a trusted pointer to struct `btf_id`.
struct CtxArgAux {
  uint32_t arg;             // argument number, from 0
  bool nullable = false;    // __nullable: PTR_MAYBE_NULL
  bool refcounted = false;  // __ref: acquired at entry, released or returned by exit
  uint32_t btf_id = 0;      // the pointed-to struct in the owner's BTF
};

struct MemberDesc {
  std::string name;
  uint32_t index;       // position in the struct: a program's expected_attach_type
  uint32_t offset;      // bytes
  uint32_t type_id;     // the member's BTF type
  /// Function pointers: the FUNC_PROTO (0 for data members).
  uint32_t func_proto = 0;
  /// A function pointer with a non-null stub: programs may implement it.
  bool supported = false;
  /// The stub's annotations (only for supported function pointers).
  std::vector<CtxArgAux> arg_info;
};

struct StructOpsDesc {
  const module::BtfOwner* owner = nullptr;  // whose BTF (and table) it is in
  std::string name;       // "bpf_dummy_ops"
  uint32_t type_id = 0;   // STRUCT name
  uint32_t value_id = 0;  // STRUCT bpf_struct_ops_<name>
  uint32_t size = 0;      // of the ops struct
  uint32_t value_size = 0;
  std::vector<MemberDesc> members;  // every BTF member, in order
  const void* cfi_stubs = nullptr;
  StructOpsCallbacks ops;

  /// Member `index` if it exists and is a supported function pointer.
  const MemberDesc* supported_func(uint32_t index) const;
};

/// bpf_struct_ops_desc_init over `btf` (the owner's, with the wrapper and the
/// stub FUNCs already described): finds STRUCT `name` and its wrapper, checks
/// them, reads every member and the stubs' annotations. Errors name the
/// owner, the struct and the member:
///   -EINVAL     no cfi_stubs, no reg/unreg, name too long, a missing struct,
///               more than 64 members, a malformed wrapper, a bad annotation,
///               more than 12 arguments
///   -EOPNOTSUPP an anonymous or bitfield member, a function pointer
///               returning a pointer to a non-struct
/// `init` is not called here (the table calls it once the type is added).
Result<StructOpsDesc> desc_init(const btf::Btf& btf, const module::BtfOwner* owner, std::string_view name,
                                const void* cfi_stubs, StructOpsCallbacks ops);

}  // namespace hostbpf::struct_ops
