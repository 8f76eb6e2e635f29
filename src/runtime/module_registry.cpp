#include "runtime/module_registry.h"

#include <fmt/format.h>

#include <algorithm>

namespace hostbpf::detail {

void ModuleRegistry::publish(std::shared_ptr<module::Module> m) {
  std::lock_guard<std::mutex> lock(published_mu_);
  published_.push_back(std::move(m));
}

void ModuleRegistry::unpublish(const std::shared_ptr<module::Module>& m) {
  std::lock_guard<std::mutex> lock(published_mu_);
  std::erase(published_, m);
}

std::shared_ptr<module::Module> ModuleRegistry::module_of(const module::BtfOwner* owner) const {
  std::lock_guard<std::mutex> lock(published_mu_);
  for (const auto& m : published_)
    if (m->owner() == owner) return m;
  return nullptr;
}

std::shared_ptr<module::Module> ModuleRegistry::find_published(const std::string& name) const {
  std::lock_guard<std::mutex> lock(published_mu_);
  for (const auto& m : published_)
    if (m->name() == name) return m;
  return nullptr;
}

std::vector<std::shared_ptr<const btf::Btf>> ModuleRegistry::published_btfs() const {
  std::lock_guard<std::mutex> lock(published_mu_);
  std::vector<std::shared_ptr<const btf::Btf>> out;
  for (const auto& m : published_)
    if (m->btf()) out.push_back(m->btf());
  return out;
}

Error ModuleRegistry::reserve(const std::string& name, const std::string& path) {
  std::lock_guard<std::mutex> lock(loaded_mu_);
  for (const Loaded& l : loaded_)
    if (l.mod->name() == name)
      return Error(-EEXIST,
                   fmt::format("module {}: a module named '{}' is already loaded (from {})", path, name, l.path));
  if (!coming_.insert(name).second)
    return Error(-EEXIST, fmt::format("module {}: a module named '{}' is being loaded", path, name));
  return {};
}

void ModuleRegistry::end_reservation(const std::string& name, std::optional<Loaded> loaded) {
  std::lock_guard<std::mutex> lock(loaded_mu_);
  coming_.erase(name);
  if (loaded) loaded_.push_back(std::move(*loaded));
}

Result<ModuleRegistry::Loaded> ModuleRegistry::take_for_unload(const std::string& name) {
  std::lock_guard<std::mutex> lock(loaded_mu_);
  auto it = std::find_if(loaded_.begin(), loaded_.end(), [&](const Loaded& l) { return l.mod->name() == name; });
  if (it == loaded_.end()) {
    if (coming_.count(name)) return Error(-EBUSY, fmt::format("module '{}' is still initialising (COMING)", name));
    return Error(-ENOENT, fmt::format("module '{}' is not loaded", name));
  }
  if (Error e = it->mod->begin_unload()) return e;
  Loaded l = std::move(*it);
  loaded_.erase(it);
  return l;
}

std::vector<ModuleRegistry::Loaded> ModuleRegistry::take_all() {
  std::lock_guard<std::mutex> lock(loaded_mu_);
  std::vector<Loaded> out(std::make_move_iterator(loaded_.rbegin()), std::make_move_iterator(loaded_.rend()));
  loaded_.clear();
  return out;
}

std::vector<std::string> ModuleRegistry::names() const {
  std::lock_guard<std::mutex> lock(loaded_mu_);
  std::vector<std::string> out;
  for (const Loaded& l : loaded_) out.push_back(l.mod->name());
  return out;
}

std::shared_ptr<module::Module> ModuleRegistry::find_loaded(const std::string& name) const {
  std::lock_guard<std::mutex> lock(loaded_mu_);
  for (const Loaded& l : loaded_)
    if (l.mod->name() == name) return l.mod;
  return nullptr;
}

}  // namespace hostbpf::detail
