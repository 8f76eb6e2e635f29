// The work behind a public Registrar (hostbpf/registrar.h): turns the plain
// descriptors that cross the API (TypeDesc, FieldDesc) into BTF types of one
// owner's BTF, remembers which C++ type is which BTF type, and where each
// FUNC's host code is. Shared by the host's Registrar and modules' contexts.
//
// The BTF is built in place until seal(); nothing reads it concurrently before
// then, because the runtime publishes it (to the kfunc registry, to programs)
// only when sealed. Each call uses a fresh BtfBuilder so that one failed call
// reports its own error and does not poison the next.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "btf/builder.h"
#include "hostbpf/registrar.h"
#include "module/btf_owner.h"
#include "struct_ops/table.h"

namespace hostbpf::detail {

class BtfDescriber {
 public:
  /// `owner_name` prefixes errors ("vmlinux", a module's name). `base`: the
  /// host's describer, whose C++ bindings a module's types may use.
  BtfDescriber(std::string owner_name, std::shared_ptr<btf::Btf> btf, const BtfDescriber* base = nullptr);

  Result<uint32_t> define_record(const char* cxx_name, std::string_view name, size_t size, bool is_union,
                                 const std::vector<FieldDesc>& fields);
  Error bind_record(const char* cxx_name, std::string_view btf_name);
  Result<uint32_t> define_func(std::string_view name, const void* addr, const TypeDesc& ret,
                               const std::vector<TypeDesc>& params, const std::vector<std::string>& param_names);
  /// register_bpf_struct_ops: describes the type (emit_struct_ops), reads
  /// it back into a descriptor (struct_ops::desc_init) and adds that to
  /// `table` for `owner`, then binds the C++ type to the struct. On any
  /// error the BTF is as it was before the call. Returns the struct's id.
  Result<uint32_t> register_struct_ops(const StructOpsRegistration& desc, const module::BtfOwner* owner,
                                       struct_ops::StructOpsTable& table);
  Result<uint32_t> find(std::string_view name, uint32_t kind) const;
  /// The BTF id of the struct bound to C++ type `cxx_name` (here or in the base).
  Result<uint32_t> record_of(const char* cxx_name) const;

  /// -EBUSY once sealed, naming why (`sealed_by`); empty while open.
  Error check_open(std::string_view what) const;
  /// Closes the BTF for good and checks it as BTF from bytes is checked
  /// (Btf::validate): what was described must not be able to crash libbpf's
  /// walks (its C dumper) any more than a blob can.
  Error seal(std::string why);
  bool sealed() const { return !sealed_by_.empty(); }

  const std::string& owner_name() const { return owner_name_; }
  const std::shared_ptr<btf::Btf>& btf() const { return btf_; }
  /// Every FUNC defined here with its host address, in definition order.
  const std::vector<std::pair<uint32_t, const void*>>& funcs() const { return funcs_; }

 private:
  Result<uint32_t> type_id(btf::BtfBuilder& b, const TypeDesc& d, std::string_view where) const;
  Error fail(Error e, std::string_view where) const;
  // The BTF half of register_bpf_struct_ops: STRUCT `desc.name` from its
  // members (function pointers as pointers to FUNC_PROTOs), the wrapper
  // STRUCT bpf_struct_ops_<name> { common; data at byte 64 }, and a static
  // FUNC <name>__<member> per function pointer whose stub is non-null, with
  // the member's own parameter types and the given names (their
  // annotations). Returns the struct's id.
  Result<uint32_t> emit_struct_ops(const StructOpsRegistration& desc);
  void point_at(uint32_t from, uint32_t to);

  std::string owner_name_;
  std::shared_ptr<btf::Btf> btf_;
  const BtfDescriber* base_;
  std::map<std::string, uint32_t> records_;  // typeid(T).name() -> BTF id
  std::vector<std::pair<uint32_t, const void*>> funcs_;
  std::string sealed_by_;
};

/// A C++ type's readable name from typeid(T).name().
std::string demangle(const char* mangled);

}  // namespace hostbpf::detail
