// The registered ops types of every BTF owner (the kernel's per-BTF
// struct_ops_tab): the host's, and each module's while it is loaded.
// Descriptors never move once added, so a map, a program or a loader holds
// a plain pointer to one for as long as it holds its owner (a module
// reference, or the runtime for the host's).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "struct_ops/desc.h"

namespace hostbpf::struct_ops {

class StructOpsTable {
 public:
  /// btf_add_struct_ops, finished: -EEXIST when the owner already has a type
  /// of this name; then the type's init (non-zero: "Error in init
  /// bpf_struct_ops %s", -EINVAL, and nothing is added).
  Result<const StructOpsDesc*> add(StructOpsDesc desc);
  /// Forgets what `owner` registered (a module going away; its maps, which
  /// pin it, are gone by then).
  void remove_owner(const module::BtfOwner* owner);

  /// bpf_struct_ops_find(btf, type_id) and bpf_struct_ops_find_value(btf,
  /// value_id); nullptr when the owner has no such type.
  const StructOpsDesc* find(const module::BtfOwner* owner, uint32_t type_id) const;
  const StructOpsDesc* find_value(const module::BtfOwner* owner, uint32_t value_id) const;
  /// By the ops struct's name, in the owner's table.
  const StructOpsDesc* find_by_name(const module::BtfOwner* owner, std::string_view name) const;
  /// The owner's types, in registration order.
  std::vector<const StructOpsDesc*> of(const module::BtfOwner* owner) const;
  /// Every owner's, owners in the order of their first registration.
  std::vector<const StructOpsDesc*> all() const;

 private:
  struct Tab {
    const module::BtfOwner* owner;
    std::vector<std::unique_ptr<StructOpsDesc>> ops;
  };
  Tab* tab_of(const module::BtfOwner* owner);
  const Tab* tab_of(const module::BtfOwner* owner) const;
  template <class Pred>
  const StructOpsDesc* find_if(const module::BtfOwner* owner, Pred pred) const;

  mutable std::mutex mu_;
  std::vector<Tab> tabs_;
};

}  // namespace hostbpf::struct_ops
