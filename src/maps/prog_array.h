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
#include <optional>
#include <string>
#include <vector>

#include "maps/map.h"
#include "hostbpf/prog_type.h"

namespace hostbpf::maps {

/// What every program that uses a prog array, or sits in one, must share: the
/// kernel's struct bpf_map_owner, compared by __bpf_prog_map_compatible. A tail
/// call keeps the caller's R1 and its execution context, so the program it
/// reaches must read the same context the same way: a syscall program reached
/// from an XDP program could otherwise write the xdp_md it was handed as its
/// own (writable) context and a later XDP program would trust what it wrote.
struct ProgArrayOwner {
  ProgType prog_type = ProgType::Unspec;
  uint32_t expected_attach_type = 0;  // compared for prog arrays, as the kernel does
  bool sleepable = false;             // BPF_F_SLEEPABLE
  bool xdp_has_frags = false;         // BPF_F_XDP_HAS_FRAGS ("xdp.frags" sections)
  /// Which executor runs the program (the kernel's `jited`): 0 the interpreter.
  uint8_t executor = 0;
  /// hostbpf's own: a program loaded with unsafe_skip_verification never shares
  /// an array with verified ones, so the host's debugging aid cannot become a
  /// verified program's tail-call target by accident.
  bool verified = true;

  bool operator==(const ProgArrayOwner&) const = default;
  /// "xdp", "syscall (sleepable)", "xdp (frags, attach type xdp_devmap)", ...
  std::string describe() const;
};

/// Anything a prog array can hold. Lifetime is shared: the array keeps its
/// targets alive, and a target removed while a program still runs it is freed
/// only after an RCU grace period.
class TailCallTarget {
 public:
  virtual ~TailCallTarget() = default;
  /// What the array compares (ProgArrayOwner).
  virtual const ProgArrayOwner& compat() const = 0;
  /// The id the syscall side reads back, and the name errors use.
  virtual uint32_t prog_id() const = 0;
  virtual const std::string& prog_name() const = 0;
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

  /// bpf_prog_map_compatible: the first program that uses the array (at its
  /// load) or is stored in it fixes the array's owner; every later one must
  /// match it. Thread-safe. On a mismatch, `*owner` (when given) is the owner.
  bool compatible(const ProgArrayOwner& prog, ProgArrayOwner* owner = nullptr);
  /// The owner, when one is fixed.
  std::optional<ProgArrayOwner> owner() const;

  /// Host side: stores a program (the runtime's own use, e.g. `.values`
  /// initialisation, and sys_update); nullptr clears the slot. -E2BIG for an
  /// index out of range; -EINVAL, with a message naming the map, the slot and
  /// both program kinds, for a program the array's owner does not match.
  Error store(uint32_t index, std::shared_ptr<TailCallTarget> target);
  /// store() as an errno code.
  long set(uint32_t index, std::shared_ptr<TailCallTarget> target) { return store(index, std::move(target)).code(); }
  /// sys_update() with the message: the value is a u32 program id.
  Error update_by_id(const void* key, const void* value, uint64_t flags);

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
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hostbpf::maps
