#include "struct_ops/table.h"

#include <fmt/format.h>

#include <algorithm>

namespace hostbpf::struct_ops {

StructOpsTable::Tab* StructOpsTable::tab_of(const module::BtfOwner* owner) {
  for (Tab& t : tabs_)
    if (t.owner == owner) return &t;
  return nullptr;
}

const StructOpsTable::Tab* StructOpsTable::tab_of(const module::BtfOwner* owner) const {
  return const_cast<StructOpsTable*>(this)->tab_of(owner);
}

template <class Pred>
const StructOpsDesc* StructOpsTable::find_if(const module::BtfOwner* owner, Pred pred) const {
  std::lock_guard lock(mu_);
  const Tab* t = tab_of(owner);
  if (!t) return nullptr;
  for (const auto& d : t->ops)
    if (pred(*d)) return d.get();
  return nullptr;
}

Result<const StructOpsDesc*> StructOpsTable::add(StructOpsDesc desc) {
  const std::string owner_name = desc.owner ? desc.owner->name : "vmlinux";
  std::lock_guard lock(mu_);
  Tab* tab = tab_of(desc.owner);
  if (tab)
    for (const auto& d : tab->ops)
      if (d->name == desc.name)
        return Error(-EEXIST, fmt::format("{}: struct_ops {} is already registered", owner_name, desc.name));
  // The subsystem's init runs under the table's lock, so two registrations
  // of one name cannot both pass the check above; init must not register.
  if (desc.ops.init && desc.ops.init() != 0)
    return Error(-EINVAL, fmt::format("{}: Error in init bpf_struct_ops {}", owner_name, desc.name));
  if (!tab) tab = &tabs_.emplace_back(Tab{desc.owner, {}});
  tab->ops.push_back(std::make_unique<StructOpsDesc>(std::move(desc)));
  return tab->ops.back().get();
}

void StructOpsTable::remove_owner(const module::BtfOwner* owner) {
  std::lock_guard lock(mu_);
  std::erase_if(tabs_, [&](const Tab& t) { return t.owner == owner; });
}

const StructOpsDesc* StructOpsTable::find(const module::BtfOwner* owner, uint32_t type_id) const {
  return find_if(owner, [&](const StructOpsDesc& d) { return d.type_id == type_id; });
}

const StructOpsDesc* StructOpsTable::find_value(const module::BtfOwner* owner, uint32_t value_id) const {
  return find_if(owner, [&](const StructOpsDesc& d) { return d.value_id == value_id; });
}

const StructOpsDesc* StructOpsTable::find_by_name(const module::BtfOwner* owner, std::string_view name) const {
  return find_if(owner, [&](const StructOpsDesc& d) { return d.name == name; });
}

std::vector<const StructOpsDesc*> StructOpsTable::of(const module::BtfOwner* owner) const {
  std::lock_guard lock(mu_);
  std::vector<const StructOpsDesc*> out;
  if (const Tab* t = tab_of(owner))
    for (const auto& d : t->ops) out.push_back(d.get());
  return out;
}

std::vector<const StructOpsDesc*> StructOpsTable::all() const {
  std::lock_guard lock(mu_);
  std::vector<const StructOpsDesc*> out;
  for (const Tab& t : tabs_)
    for (const auto& d : t.ops) out.push_back(d.get());
  return out;
}

}  // namespace hostbpf::struct_ops
