#include "runtime/id_registry.h"

#include <atomic>
#include <iterator>

namespace hostbpf::detail {

uint32_t IdRegistry::alloc_prog_id() {
  static std::atomic<uint32_t> id{0};
  return ++id;
}

uint32_t IdRegistry::alloc_map_id() {
  static std::atomic<uint32_t> id{0};
  return ++id;
}

void IdRegistry::add_prog(uint32_t id, const std::shared_ptr<exec::Executable>& exe) {
  std::lock_guard<std::mutex> lock(mu_);
  // Drop entries of programs that are gone, so the table does not grow forever.
  for (auto it = progs_.begin(); it != progs_.end();) it = it->second.expired() ? progs_.erase(it) : std::next(it);
  progs_[id] = exe;
}

std::shared_ptr<maps::TailCallTarget> IdRegistry::find_prog(uint32_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = progs_.find(id);
  if (it == progs_.end()) return nullptr;
  return it->second.lock();
}

}  // namespace hostbpf::detail
