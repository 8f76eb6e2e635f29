// BPF_MAP_TYPE_PROG_ARRAY: the table bpf_tail_call() jumps through.
//
// The map layer sits below the execution layer, so a prog array holds programs
// through the narrow TailCallTarget interface that exec::Executable implements;
// the syscall side speaks program ids (the kernel speaks fds) and resolves them
// through a resolver that the runtime installs.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "maps/map.h"

namespace hostbpf::maps {

/// Anything a prog array can hold. Lifetime is shared: the array keeps its
/// targets alive, and a target removed while a program still runs it is freed
/// only after an RCU grace period.
class TailCallTarget {
 public:
  virtual ~TailCallTarget() = default;
  /// enum bpf_prog_type of the program; a prog array accepts only one type,
  /// fixed by the first program stored (-EINVAL for a mismatch, as the kernel).
  virtual uint32_t prog_type() const = 0;
  /// The id the syscall side reads back.
  virtual uint32_t prog_id() const = 0;
};

class ProgArray final : public Map {
 public:
  /// id -> program, or nullptr when no such program exists.
  using Resolver = std::function<std::shared_ptr<TailCallTarget>(uint32_t prog_id)>;

  explicit ProgArray(MapSpec spec);
  ~ProgArray() override;

  void set_resolver(Resolver r) { resolver_ = std::move(r); }

  /// Program side, under RCU: the target at `index`, or nullptr (empty or out of range).
  const TailCallTarget* get(uint32_t index) const {
    if (index >= slots_.size()) return nullptr;
    return slots_[index].load(std::memory_order_acquire);
  }

  /// Host side: store a program directly (the runtime's own use, e.g. `.values`
  /// initialisation); nullptr clears the slot.
  long set(uint32_t index, std::shared_ptr<TailCallTarget> target);

  // Program-side lookup/update are not allowed on prog arrays (the kernel's verifier
  // refuses them); these return nullptr / -EINVAL.
  void* lookup_elem(const void* key) override;
  long update_elem(const void* key, const void* value, uint64_t flags) override;
  long delete_elem(const void* key) override;
  // Syscall side: value is a u32 program id.
  long sys_lookup(const void* key, void* value_out) override;
  long sys_update(const void* key, const void* value, uint64_t flags) override;
  long get_next_key(const void* key, void* next_key) override;

 private:
  std::vector<std::atomic<const TailCallTarget*>> slots_;
  std::vector<std::shared_ptr<TailCallTarget>> owners_;  // guarded by mu_
  Resolver resolver_;
  uint32_t prog_type_ = 0;  // 0 until the first program is stored
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hostbpf::maps
