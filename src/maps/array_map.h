// BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY.
//
// Layout (kernel's): value i at data + i * stride, stride = round_up(value_size, 8),
// all zero at creation; elements cannot be deleted. Lookups are one bounds check
// and an add, with no lock: the storage never moves and lives as long as the map.
//
// Per-CPU arrays hold possible_cpus() copies of the whole array, CPU-major (one
// contiguous block per CPU slot, so threads on different slots never share a
// cache line for the same index). The program side sees the copy of the calling
// thread's CPU slot (current_cpu(), see base/cpu.h); a thread that cannot get a
// slot sees no value (lookup nullptr, update -EBUSY). The syscall side copies
// possible_cpus() values of `stride` bytes each, slot 0 first, like the kernel.
#pragma once

#include <cstdint>

#include "base/cpu.h"
#include "maps/map.h"

namespace hostbpf::maps {

class ArrayMap final : public Map {
 public:
  /// `spec` must already be validated (create_map does it).
  static Result<std::shared_ptr<Map>> create(const MapSpec& spec);
  ~ArrayMap() override;

  /// The program-side lookup, exposed so that executors can inline it at call
  /// sites bound to this map (as the kernel's array_map_gen_lookup does).
  void* lookup_index(uint32_t index) const {
    if (index >= spec().max_entries) return nullptr;
    if (!percpu_) return data_ + uint64_t{index} * stride_;
    uint32_t cpu = current_cpu();
    if (cpu == kNoCpu) return nullptr;
    return data_ + cpu * cpu_span_ + uint64_t{index} * stride_;
  }

  void* lookup_elem(const void* key) override;
  long update_elem(const void* key, const void* value, uint64_t flags) override;
  long delete_elem(const void* key) override;
  long sys_lookup(const void* key, void* value_out) override;
  long sys_update(const void* key, const void* value, uint64_t flags) override;
  long get_next_key(const void* key, void* next_key) override;
  size_t sys_value_size() const override;
  long direct_value_addr(uint32_t off, uint64_t* addr) override;

  bool percpu() const { return percpu_; }
  uint32_t stride() const { return stride_; }

 private:
  ArrayMap(const MapSpec& spec, unsigned char* data, uint64_t area_size, uint32_t ncpu);
  static void* lookup_direct(Map* self, const void* key);  // lookup_fn()
  /// Common checks of update_elem/sys_update: 0 or a negative errno.
  long check_update(uint32_t index, uint64_t flags) const;

  unsigned char* data_;
  uint64_t area_size_;
  uint32_t stride_;
  bool percpu_;
  uint32_t ncpu_;        // copies held: possible_cpus() for per-CPU arrays, else 1
  uint64_t cpu_span_;    // bytes of one CPU's copy
};

}  // namespace hostbpf::maps
