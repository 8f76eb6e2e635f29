// Program and map ids, the kernel's prog_idr and map_idr: ids are unique in
// the process (as the kernel's are system-wide), and a runtime finds its
// loaded programs by id, which is how the host fills a prog array (ids stand
// in for the kernel's prog fds).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "exec/executable.h"
#include "maps/prog_array.h"

namespace hostbpf::detail {

class IdRegistry {
 public:
  static uint32_t alloc_prog_id();
  static uint32_t alloc_map_id();

  /// Makes loaded program `id` findable while `exe` lives (the table holds
  /// it weakly: a program's lifetime is its handles').
  void add_prog(uint32_t id, const std::shared_ptr<exec::Executable>& exe);
  /// The live program `id`, or nullptr.
  std::shared_ptr<maps::TailCallTarget> find_prog(uint32_t id) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<uint32_t, std::weak_ptr<exec::Executable>> progs_;
};

}  // namespace hostbpf::detail
