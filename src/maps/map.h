// BPF maps behind one ops table, as the kernel's struct bpf_map_ops.
//
// Two sides use a map, as in the kernel:
//  - the program side (helpers): lookup returns a pointer into the map's own
//    storage, valid until the end of the current RCU read-side critical section
//    (a program run is one); per-CPU maps resolve to the calling thread's CPU slot.
//  - the syscall side (host API, CLI): copies in and out; per-CPU maps copy one
//    value per possible CPU, each rounded up to 8 bytes, like the kernel.
//
// All errors are negative errno values with the kernel's meaning:
//   -ENOENT no such key, -EEXIST key exists (BPF_NOEXIST), -E2BIG map full or
//   index out of range, -EINVAL bad flags/arguments, -ENOMEM, -EBUSY.
//
// Thread-safety: every operation may be called concurrently from any number of
// threads. Program-side and syscall-side lookups are lock-free where the kernel's
// are (array, hash under RCU); writers synchronise per bucket.
#pragma once

#include <cstddef>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "hostbpf/error.h"

namespace hostbpf::maps {

/// What a map is, as BPF_MAP_CREATE's attributes describe it.
struct MapSpec {
  std::string name;          // as the object names it (".data" sections: "<obj>.data" like libbpf)
  uint32_t type = 0;         // enum bpf_map_type (BPF_MAP_TYPE_HASH, ...)
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  uint32_t map_flags = 0;    // BPF_F_NO_PREALLOC, BPF_F_RDONLY_PROG, BPF_F_MMAPABLE, ...
  uint32_t btf_key_type_id = 0;    // in the object's BTF; 0 when the map has none
  uint32_t btf_value_type_id = 0;
};

class Map {
 public:
  explicit Map(MapSpec spec) : spec_(std::move(spec)) {}
  virtual ~Map() = default;
  Map(const Map&) = delete;
  Map& operator=(const Map&) = delete;

  const MapSpec& spec() const { return spec_; }

  /// BPF_MAP_FREEZE: from now on the syscall side may not write (the loader
  /// freezes .rodata after initialising it). Programs are unaffected; whether
  /// they may write is BPF_F_RDONLY_PROG's business, checked by the verifier.
  void freeze() { frozen_.store(true, std::memory_order_release); }
  bool frozen() const { return frozen_.load(std::memory_order_acquire); }

  // ---- program side (called by helpers, inside an RCU read-side section) ----

  /// Pointer to the value for `key` (this thread's CPU copy for per-CPU maps),
  /// or nullptr.
  virtual void* lookup_elem(const void* key) = 0;

  /// lookup_elem as a plain function, chosen by the map at creation (e.g. a
  /// hash specialised to the key size). Executors call it directly at call
  /// sites where the verifier proved which map is passed, as the kernel's
  /// map_gen_lookup turns such calls into direct calls: no virtual dispatch.
  using LookupFn = void* (*)(Map* self, const void* key);
  LookupFn lookup_fn() const { return lookup_fn_; }
  /// flags: BPF_ANY, BPF_NOEXIST, BPF_EXIST (BPF_F_LOCK is rejected: -EINVAL).
  virtual long update_elem(const void* key, const void* value, uint64_t flags) = 0;
  virtual long delete_elem(const void* key) = 0;

  // ---- syscall side (host API) ----

  /// Copies the value out (value_size bytes; per-CPU: possible_cpus() * round_up(value_size, 8)).
  virtual long sys_lookup(const void* key, void* value_out);
  /// Copies the value in (same layout as sys_lookup).
  virtual long sys_update(const void* key, const void* value, uint64_t flags);
  virtual long sys_delete(const void* key) { return delete_elem(key); }
  /// key == nullptr (or a missing key) gives the first key. -ENOENT after the last.
  virtual long get_next_key(const void* key, void* next_key) = 0;

  /// Size of one value as the syscall side sees it.
  virtual size_t sys_value_size() const { return spec_.value_size; }

  /// For BPF_PSEUDO_MAP_VALUE (global data): address of byte `off` of the single
  /// value. Only single-entry array maps support it (-EINVAL otherwise).
  virtual long direct_value_addr(uint32_t off, uint64_t* addr) {
    (void)off;
    (void)addr;
    return -EINVAL;
  }

 protected:
  void set_lookup_fn(LookupFn fn) { lookup_fn_ = fn; }

 private:
  static void* virtual_lookup(Map* self, const void* key) { return self->lookup_elem(key); }

  MapSpec spec_;
  std::atomic<bool> frozen_{false};
  LookupFn lookup_fn_ = &virtual_lookup;
};

/// Creates a map of any supported type. Validates the spec as BPF_MAP_CREATE does
/// (sizes, flags, max_entries) and names the problem, e.g.
///   "map 'counters': unsupported map type 27 (BPF_MAP_TYPE_USER_RINGBUF)"
///   "map 'big': value_size 2147483648 is too large"
Result<std::shared_ptr<Map>> create_map(const MapSpec& spec);

/// Kernel name of a map type ("hash", "array", ...), or nullptr if unknown.
const char* map_type_name(uint32_t type);

}  // namespace hostbpf::maps
