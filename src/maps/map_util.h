// Small pieces shared by the map implementations: kernel constants that the
// UAPI header does not export, value copies, a spin lock, the key hash and
// anonymous memory. Internal to src/maps.
#pragma once

#include <sched.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "base/rcu.h"
#include "hostbpf/error.h"
#include "maps/map.h"

namespace hostbpf::maps::detail {

/// The kernel's internal ENOTSUPP (not in userspace errno.h); bpf() returns it
/// as -524, e.g. for lookups in a ring buffer or an LRU map without prealloc.
inline constexpr int kENOTSUPP = 524;

constexpr uint64_t round_up8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

/// An Error that names the map, as every create_map failure does.
template <class... Args>
Error map_error(const MapSpec& spec, int code, fmt::format_string<Args...> f, Args&&... args) {
  return Error(code, fmt::format("map '{}': {}", spec.name, fmt::format(f, std::forward<Args>(args)...)));
}

// Value copies into and out of map-owned storage, one relaxed 64-bit atomic per
// word. Map storage is 8-byte aligned and padded to a multiple of 8, so the last
// partial word may be stored whole (its padding bytes belong to the map). Why
// atomics: the kernel copies with plain memcpy while programs may read the same
// value; word copies cost the same on x86 but never tear a word and are not data
// races in the C++ model, so ThreadSanitizer checks the rest of the map code.
inline void store_value(void* map_dst, const void* src, size_t n) {
  auto* d = static_cast<uint64_t*>(map_dst);
  const auto* s = static_cast<const unsigned char*>(src);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, s + i, 8);
    __atomic_store_n(d + i / 8, w, __ATOMIC_RELAXED);
  }
  if (i < n) {
    uint64_t w = 0;
    std::memcpy(&w, s + i, n - i);
    __atomic_store_n(d + i / 8, w, __ATOMIC_RELAXED);
  }
}

inline void load_value(void* dst, const void* map_src, size_t n) {
  const auto* s = static_cast<const uint64_t*>(map_src);
  auto* d = static_cast<unsigned char*>(dst);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w = __atomic_load_n(s + i / 8, __ATOMIC_RELAXED);
    std::memcpy(d + i, &w, 8);
  }
  if (i < n) {
    uint64_t w = __atomic_load_n(s + i / 8, __ATOMIC_RELAXED);
    std::memcpy(d + i, &w, n - i);
  }
}

inline void zero_value(void* map_dst, size_t n) {
  auto* d = static_cast<uint64_t*>(map_dst);
  for (size_t i = 0; i < round_up8(n) / 8; i++) __atomic_store_n(d + i, uint64_t{0}, __ATOMIC_RELAXED);
}

/// Test-and-test-and-set lock for short writer sections (the kernel's bucket
/// raw_spinlock). Threads here can be preempted while holding it, so a waiter
/// yields the CPU after spinning briefly instead of burning its time slice.
class SpinLock {
 public:
  void lock() {
    for (unsigned spins = 0; locked_.exchange(true, std::memory_order_acquire);) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < 64) {
          __builtin_ia32_pause();
        } else {
          yield();
        }
      }
    }
  }
  bool try_lock() {
    return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  static void yield() { ::sched_yield(); }
  std::atomic<bool> locked_{false};
};

/// Key hash: 64-bit multiply-xorshift over 8-byte words, seeded per map (as the
/// kernel seeds jhash with a random hashrnd unless BPF_F_ZERO_SEED). Keys of
/// one word (4 or 8 bytes), the common case, take a single multiply: a lookup
/// waits for the hash before its first memory access, so its latency counts.
inline uint32_t hash_key(const void* key, uint32_t size, uint64_t seed) {
  constexpr uint64_t k1 = 0x9e3779b97f4a7c15ull;
  constexpr uint64_t k2 = 0xd6e8feb86659fd93ull;
  uint64_t h = seed ^ (uint64_t{size} * k1);
  if (size == 4 || size == 8) {
    uint64_t w = 0;
    std::memcpy(&w, key, size);
    h = (h ^ w) * k1;
    // The product's high half depends on every key bit; folding it in makes
    // the low bits (the bucket) depend on them too.
    return static_cast<uint32_t>(h ^ (h >> 32));
  }
  const auto* p = static_cast<const unsigned char*>(key);
  uint32_t n = size;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * k1;
    h ^= h >> 29;
  }
  if (n >= 4) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    h = (h ^ (uint64_t{w} << 7)) * k1;
    n -= 4;
    p += 4;
  }
  for (; n > 0; n--, p++) h = (h ^ *p) * k2;
  h ^= h >> 32;
  h *= k2;
  h ^= h >> 29;
  return static_cast<uint32_t>(h);
}

/// Zeroed, page-aligned anonymous memory, committed lazily by the kernel (as
/// the kernel's vmalloc'd map areas are cheap until touched). nullptr on failure.
inline void* map_area_alloc(uint64_t size) {
  if (size == 0 || size > (uint64_t{1} << 46)) return nullptr;
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

inline void map_area_free(void* p, uint64_t size) {
  if (p) ::munmap(p, size);
}

/// Waits for every pending rcu::call() callback, so that a map's teardown leaves
/// nothing behind (LeakSanitizer checks at exit), except on liburcu's callback
/// thread itself, where rcu::barrier() would wait for itself forever; callers
/// make their callbacks independent of the map, so skipping is safe there.
inline void barrier_unless_in_callback() {
  if (urcu_memb_get_thread_call_rcu_data() == nullptr) rcu::barrier();
}

/// Reads a u32 array index from an unaligned key.
inline uint32_t read_index(const void* key) {
  uint32_t idx;
  std::memcpy(&idx, key, sizeof(idx));
  return idx;
}

/// get_next_key of the maps whose keys are the indexes [0, max): no key, or one
/// out of range, restarts from index 0; -ENOENT after the last.
inline long index_get_next_key(uint32_t max, const void* key, void* next_key) {
  const uint32_t index = key ? read_index(key) : UINT32_MAX;
  if (index < max && index == max - 1) return -ENOENT;
  const uint32_t next = index >= max ? 0 : index + 1;
  std::memcpy(next_key, &next, sizeof(next));
  return 0;
}

}  // namespace hostbpf::maps::detail
