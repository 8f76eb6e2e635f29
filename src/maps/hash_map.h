// BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH.
//
// Buckets are RCU-protected singly linked lists (power-of-two bucket count,
// roundup_pow_of_two(max_entries), as the kernel). Readers walk them without a
// lock inside an RCU read-side section; writers take the bucket's spin lock.
// An element leaves its list with one pointer store, so a concurrent reader
// either sees it or not, and its memory is reclaimed only after a grace period
// (rcu::call): a pointer returned by the program-side lookup stays valid until
// the program's run (its read-side section) ends, as in the kernel.
//
// Updates of plain and LRU hashes replace the element: a new one is linked at
// the bucket's head before the old one is unlinked, so a reader never misses the
// key and sees the old or the new value whole (the kernel's "atomic replacement"
// of a value). Two exceptions update an existing element in place:
//  - per-CPU variants (the kernel does too);
//  - preallocated maps whose value is at most one 8-byte word: one atomic store
//    replaces the value as atomically as a new element would, with no element
//    taken from the pool and none waiting out a grace period. (A pointer that a
//    program got from an earlier lookup then reads the new value. The kernel's
//    preallocated map reuses the replaced element for the next update on the
//    same CPU, so it does not promise the old value there either.)
//
// Lookups hash and compare keys with code specialised at creation for keys of
// 4, 8 and 16 bytes (lookup_fn()), which executors call directly.
//
// Memory: by default all max_entries elements (plus a slack for elements still
// waiting out a grace period) are reserved at creation and handed out from a
// free list, so an insert never calls malloc while the pool has elements (an
// element smaller than a cache line is given a whole one); with
// BPF_F_NO_PREALLOC each insert allocates. An element freed from the pool goes
// back to it after its grace period (see elem_pool.h). If the slack runs out
// (many deletes inside one long read-side section, or churn faster than grace
// periods end) an insert falls back to malloc, where the kernel's pool would
// reuse the element at once.
//
// Signal context (DESIGN.md's NMI rules) is not handled yet: writers spin on
// the bucket lock and may take the malloc fallback; they should try-lock and
// fail with -EBUSY / -ENOMEM there once the runtime exposes an in-signal flag.
//
// LRU: when the map is full an insert evicts an element instead of failing. The
// policy is an approximate LRU like the kernel's: a program-side lookup sets the
// element's reference bit; eviction scans from the cold end of one list,
// giving referenced elements a second chance. LRU writers are serialised by one
// lock (the kernel's common LRU also takes a global lock to rotate lists).
//
// Per-CPU values: possible_cpus() copies of round_up(value_size, 8) bytes each,
// inline in the element; program side = this thread's CPU slot (base/cpu.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "base/rcu.h"
#include "maps/elem_pool.h"
#include "maps/map.h"
#include "maps/map_util.h"

namespace hostbpf::maps {

class HashMap final : public Map {
 public:
  /// `spec` must already be validated (create_map does it).
  static Result<std::shared_ptr<Map>> create(const MapSpec& spec);
  /// No program may still use the map. Waits for pending reclamation
  /// (rcu::barrier()), except on liburcu's callback thread (where the last
  /// reference may be dropped by an RCU callback): reclaim callbacks do not
  /// touch the map, so there they simply finish later.
  ~HashMap() override;

  void* lookup_elem(const void* key) override;
  long update_elem(const void* key, const void* value, uint64_t flags) override;
  long delete_elem(const void* key) override;
  long sys_lookup(const void* key, void* value_out) override;
  long sys_update(const void* key, const void* value, uint64_t flags) override;
  long get_next_key(const void* key, void* next_key) override;
  size_t sys_value_size() const override;

  /// Number of live elements (for tests and `map dump`).
  uint32_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct Elem;
  // All-zero bytes are an empty, unlocked bucket: the array is fresh anonymous
  // memory and is not constructed element by element.
  struct Bucket {
    std::atomic<Elem*> head{nullptr};
    detail::SpinLock lock;
  };
  struct LruNode {
    LruNode* prev;
    LruNode* next;
  };

  explicit HashMap(const MapSpec& spec);
  Error init();
  static LookupFn lookup_fn_for(uint32_t key_size);

  Bucket& bucket_for(uint32_t hash) const { return buckets_[hash & (n_buckets_ - 1)]; }
  static unsigned char* key_of(const Elem* e);
  unsigned char* value_of(const Elem* e) const;
  /// The key's hash; KeySize 0 means key_size_ (known only at run time).
  template <uint32_t KeySize>
  uint32_t hash_sized(const void* key) const;
  uint32_t hash_of(const void* key) const;
  template <uint32_t KeySize>
  Elem* find_sized(const Bucket& b, uint32_t hash, const void* key) const;
  Elem* find(const Bucket& b, uint32_t hash, const void* key) const;
  /// The program-side lookup for keys of KeySize bytes (0: any size).
  template <uint32_t KeySize>
  static void* lookup_sized(Map* self, const void* key);
  /// Writers (bucket lock held): the link that points at `e`.
  static std::atomic<Elem*>* link_to(Bucket& b, Elem* e);

  /// The shared update path: `values` is one value (program side: stored in
  /// this CPU's slot of a per-CPU map) or, with `all_cpus`, one per CPU.
  long update(const void* key, const void* values, uint64_t flags, bool all_cpus);
  /// Updates an existing element in place when that is the policy (see the
  /// top of this file): true when done, false when it must be replaced.
  /// Caller holds the element's bucket lock.
  bool update_in_place(Elem* old, const void* values, bool all_cpus, uint32_t cpu);
  void fill_values(Elem* e, const void* values, bool all_cpus, uint32_t cpu, bool fresh);

  Elem* alloc_elem();
  void retire(Elem* e);  // after unlinking: reclaim once readers are done
  static void reclaim_cb(struct rcu_head* head);

  // LRU (lru_ only; called with lru_lock_ held)
  void lru_push_front(Elem* e);
  void lru_unlink(Elem* e);
  bool lru_evict_one();
  static Elem* elem_of(LruNode* n);

  bool percpu_ = false;
  bool lru_ = false;
  bool prealloc_ = true;
  bool word_in_place_ = false;  // prealloc_, not per-CPU, value_size <= 8
  uint32_t key_size_ = 0;
  uint32_t value_size_ = 0;
  uint32_t value_stride_ = 0;  // round_up(value_size, 8)
  uint32_t ncpu_ = 1;          // value copies per element
  uint32_t elem_size_ = 0;
  uint32_t n_buckets_ = 0;
  uint64_t seed_ = 0;
  Bucket* buckets_ = nullptr;  // n_buckets_ of them, in a map_area
  uint64_t buckets_bytes_ = 0;
  std::atomic<uint32_t> count_{0};

  detail::ElemPool* pool_ = nullptr;    // prealloc_ only
  std::atomic<bool> used_heap_{false};  // some element came from malloc
  std::atomic<bool> used_rcu_{false};   // some element was retired (teardown waits)

  detail::SpinLock lru_lock_;
  LruNode lru_head_{&lru_head_, &lru_head_};  // circular list, hottest first
};

}  // namespace hostbpf::maps
