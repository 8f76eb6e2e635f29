#include "maps/hash_map.h"

#include <linux/bpf.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <new>
#include <random>

#include "base/cpu.h"
#include "maps/rcu_tsan.h"

namespace hostbpf::maps {

using detail::round_up8;

// One element: a small header, then the key (padded to 8), then the value (or
// ncpu_ values of value_stride_ bytes). The header fields a lookup touches come
// first.
struct HashMap::Elem {
  std::atomic<Elem*> next{nullptr};   // bucket chain; readers follow it without a lock
  uint32_t hash = 0;                  // immutable while linked
  std::atomic<uint8_t> ref{0};        // LRU reference bit, set by program-side lookups
  union {
    struct rcu_head rcu;  // while waiting out a grace period
    LruNode lru;          // while linked in an LRU map
  };
  detail::ElemPool* pool;  // the slot's pool; nullptr for malloc'd elements
  explicit Elem(detail::ElemPool* p) : lru{nullptr, nullptr}, pool(p) {}
};

namespace {
// Bound on second chances per eviction: keeps an insert's cost constant when
// every element was recently referenced (then the coldest is evicted anyway).
constexpr uint32_t kLruMaxScan = 128;
constexpr uint32_t kCacheLine = 64;

uint32_t roundup_pow_of_two(uint32_t n) {
  uint32_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

uint64_t random_seed() {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}
}  // namespace

Result<std::shared_ptr<Map>> HashMap::create(const MapSpec& spec) {
  std::shared_ptr<HashMap> m(new HashMap(spec));
  if (Error err = m->init()) return err;
  return std::shared_ptr<Map>(std::move(m));
}

HashMap::HashMap(const MapSpec& spec) : Map(spec) {}

Error HashMap::init() {
  static_assert(sizeof(Elem) % 8 == 0, "keys and values must stay 8-byte aligned");
  const MapSpec& s = spec();
  percpu_ = s.type == BPF_MAP_TYPE_PERCPU_HASH || s.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
  lru_ = s.type == BPF_MAP_TYPE_LRU_HASH || s.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
  prealloc_ = !(s.map_flags & BPF_F_NO_PREALLOC);
  key_size_ = s.key_size;
  value_size_ = s.value_size;
  value_stride_ = static_cast<uint32_t>(round_up8(s.value_size));
  ncpu_ = percpu_ ? possible_cpus() : 1;
  elem_size_ = static_cast<uint32_t>(sizeof(Elem) + round_up8(key_size_) + uint64_t{ncpu_} * value_stride_);
  // Small elements (keys and values of up to 8 bytes: 56 bytes) get a cache
  // line each, so a lookup's header, key and value reads never span two lines.
  if (elem_size_ < kCacheLine) elem_size_ = kCacheLine;
  seed_ = (s.map_flags & BPF_F_ZERO_SEED) ? 0 : random_seed();
  word_in_place_ = prealloc_ && !percpu_ && value_size_ <= 8;
  set_lookup_fn(lookup_fn_for(key_size_));

  // The kernel refuses a bucket array over U32_MAX bytes (16-byte buckets, so
  // at most 2^27 of them), before trying to allocate it.
  if (s.max_entries > (1u << 27))
    return detail::map_error(s, -E2BIG, "max_entries {} is too large for a hash map (at most {})", s.max_entries,
                             1u << 27);
  n_buckets_ = roundup_pow_of_two(s.max_entries);
  // Zeroed pages are empty buckets (null head, unlocked), committed as used.
  buckets_bytes_ = uint64_t{n_buckets_} * sizeof(Bucket);
  buckets_ = static_cast<Bucket*>(detail::map_area_alloc(buckets_bytes_));
  if (!buckets_) return detail::map_error(s, -ENOMEM, "cannot allocate {} buckets", n_buckets_);

  if (prealloc_) {
    // Slack for elements that wait out a grace period before they can be reused.
    const uint32_t cap = s.max_entries + std::clamp<uint32_t>(s.max_entries, 64, 4096);
    pool_ = detail::ElemPool::create(cap, elem_size_);
    if (!pool_) return detail::map_error(s, -ENOMEM, "cannot preallocate {} elements of {} bytes", cap, elem_size_);
  }
  return {};
}

HashMap::~HashMap() {
  if (used_rcu_.load(std::memory_order_relaxed)) detail::barrier_unless_in_callback();
  // Linked elements from malloc are freed here, pool slots with the pool.
  // Skipping the walk when there can be none keeps teardown of a large,
  // sparsely used map from touching every bucket page.
  if (buckets_ && used_heap_.load(std::memory_order_relaxed)) {
    for (uint32_t i = 0; i < n_buckets_; i++) {
      Elem* e = buckets_[i].head.load(std::memory_order_relaxed);
      while (e) {
        Elem* next = e->next.load(std::memory_order_relaxed);
        if (!e->pool) {
          e->~Elem();
          std::free(e);
        }
        e = next;
      }
    }
  }
  if (pool_) pool_->unref();  // unmapped now, or by the last pending reclaim
  detail::map_area_free(buckets_, buckets_bytes_);
}

unsigned char* HashMap::key_of(const Elem* e) {
  return reinterpret_cast<unsigned char*>(const_cast<Elem*>(e)) + sizeof(Elem);
}

unsigned char* HashMap::value_of(const Elem* e) const { return key_of(e) + round_up8(key_size_); }

// Keys of 4, 8 and 16 bytes get code of their own: with a constant size the
// hash is a fixed sequence of multiplies and the compare one or two loads, with
// no loop and no branch on the size. The hash is the same function either way,
// so specialised and generic paths agree on every key.
template <uint32_t KeySize>
uint32_t HashMap::hash_sized(const void* key) const {
  return detail::hash_key(key, KeySize ? KeySize : key_size_, seed_);
}

uint32_t HashMap::hash_of(const void* key) const {
  switch (key_size_) {
    case 4: return hash_sized<4>(key);
    case 8: return hash_sized<8>(key);
    case 16: return hash_sized<16>(key);
    default: return hash_sized<0>(key);
  }
}

template <uint32_t KeySize>
HashMap::Elem* HashMap::find_sized(const Bucket& b, uint32_t hash, const void* key) const {
  const uint32_t n = KeySize ? KeySize : key_size_;
  for (Elem* e = b.head.load(std::memory_order_acquire); e; e = e->next.load(std::memory_order_acquire)) {
    if (e->hash == hash && std::memcmp(key_of(e), key, n) == 0) return e;
  }
  return nullptr;
}

HashMap::Elem* HashMap::find(const Bucket& b, uint32_t hash, const void* key) const {
  switch (key_size_) {
    case 4: return find_sized<4>(b, hash, key);
    case 8: return find_sized<8>(b, hash, key);
    case 16: return find_sized<16>(b, hash, key);
    default: return find_sized<0>(b, hash, key);
  }
}

std::atomic<HashMap::Elem*>* HashMap::link_to(Bucket& b, Elem* e) {
  std::atomic<Elem*>* link = &b.head;
  for (Elem* cur = link->load(std::memory_order_relaxed); cur != e; cur = link->load(std::memory_order_relaxed))
    link = &cur->next;
  return link;
}

// ---- program side ----

template <uint32_t KeySize>
void* HashMap::lookup_sized(Map* self, const void* key) {
  const auto* m = static_cast<const HashMap*>(self);
  const uint32_t hash = m->hash_sized<KeySize>(key);
  Elem* e = m->find_sized<KeySize>(m->bucket_for(hash), hash, key);
  if (!e) return nullptr;
  if (m->lru_ && !e->ref.load(std::memory_order_relaxed)) e->ref.store(1, std::memory_order_relaxed);
  unsigned char* v = key_of(e) + round_up8(KeySize ? KeySize : m->key_size_);
  if (m->percpu_) {
    const uint32_t cpu = current_cpu();
    if (cpu == kNoCpu) return nullptr;
    v += uint64_t{cpu} * m->value_stride_;
  }
  return v;
}

Map::LookupFn HashMap::lookup_fn_for(uint32_t key_size) {
  switch (key_size) {
    case 4: return &lookup_sized<4>;
    case 8: return &lookup_sized<8>;
    case 16: return &lookup_sized<16>;
    default: return &lookup_sized<0>;
  }
}

void* HashMap::lookup_elem(const void* key) { return lookup_fn()(this, key); }

long HashMap::update_elem(const void* key, const void* value, uint64_t flags) {
  return update(key, value, flags, false);
}

long HashMap::delete_elem(const void* key) {
  const uint32_t hash = hash_of(key);
  Bucket& b = bucket_for(hash);
  std::unique_lock<detail::SpinLock> lru_guard;
  if (lru_) lru_guard = std::unique_lock<detail::SpinLock>(lru_lock_);
  Elem* e;
  {
    std::lock_guard<detail::SpinLock> guard(b.lock);
    e = find(b, hash, key);
    if (!e) return -ENOENT;
    link_to(b, e)->store(e->next.load(std::memory_order_relaxed), std::memory_order_release);
    count_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (lru_) lru_unlink(e);
  retire(e);
  return 0;
}

void HashMap::fill_values(Elem* e, const void* values, bool all_cpus, uint32_t cpu, bool fresh) {
  unsigned char* v = value_of(e);
  if (!percpu_) {
    detail::store_value(v, values, value_size_);
    return;
  }
  if (all_cpus) {
    const auto* in = static_cast<const unsigned char*>(values);
    for (uint32_t c = 0; c < ncpu_; c++)
      detail::store_value(v + uint64_t{c} * value_stride_, in + uint64_t{c} * value_stride_, value_stride_);
    return;
  }
  // Program side: only this CPU's copy; a new element starts at zero elsewhere.
  if (fresh) {
    for (uint32_t c = 0; c < ncpu_; c++)
      if (c != cpu) detail::zero_value(v + uint64_t{c} * value_stride_, value_stride_);
  }
  detail::store_value(v + uint64_t{cpu} * value_stride_, values, value_size_);
}

bool HashMap::update_in_place(Elem* old, const void* values, bool all_cpus, uint32_t cpu) {
  if (percpu_) {
    fill_values(old, values, all_cpus, cpu, false);
  } else if (word_in_place_) {
    detail::store_value(value_of(old), values, value_size_);  // one atomic word store
  } else {
    return false;
  }
  if (lru_) old->ref.store(1, std::memory_order_relaxed);
  return true;
}

long HashMap::update(const void* key, const void* values, uint64_t flags, bool all_cpus) {
  if ((flags & ~uint64_t{BPF_F_LOCK}) > BPF_EXIST) return -EINVAL;
  if (flags & BPF_F_LOCK) return -EINVAL;  // values hold no bpf_spin_lock
  uint32_t cpu = 0;
  if (percpu_ && !all_cpus) {
    cpu = current_cpu();
    if (cpu == kNoCpu) return -EBUSY;
  }
  const uint32_t hash = hash_of(key);
  Bucket& b = bucket_for(hash);

  // An LRU map's existing element updated in place needs only its bucket's
  // lock, not the LRU lock that inserts take below.
  if (lru_ && (word_in_place_ || percpu_) && flags != BPF_NOEXIST) {
    std::lock_guard<detail::SpinLock> guard(b.lock);
    if (Elem* old = find(b, hash, key)) {
      update_in_place(old, values, all_cpus, cpu);  // always in place: checked above
      return 0;
    }
    if (flags == BPF_EXIST) return -ENOENT;
  }

  // LRU writers are serialised by lru_lock_, so the existence check below stays
  // true while we evict (eviction takes other buckets' locks: it must happen
  // before we hold ours).
  std::unique_lock<detail::SpinLock> lru_guard;
  if (lru_) {
    lru_guard = std::unique_lock<detail::SpinLock>(lru_lock_);
    if (flags != BPF_EXIST && count_.load(std::memory_order_relaxed) >= spec().max_entries &&
        !find(b, hash, key))
      lru_evict_one();
  }

  Elem* old;
  Elem* e;
  {
    std::lock_guard<detail::SpinLock> guard(b.lock);
    old = find(b, hash, key);
    if (old && flags == BPF_NOEXIST) return -EEXIST;
    if (!old && flags == BPF_EXIST) return -ENOENT;
    if (old && update_in_place(old, values, all_cpus, cpu)) return 0;
    if (!old && count_.fetch_add(1, std::memory_order_relaxed) >= spec().max_entries) {
      count_.fetch_sub(1, std::memory_order_relaxed);
      return -E2BIG;
    }
    e = alloc_elem();
    if (!e) {
      if (!old) count_.fetch_sub(1, std::memory_order_relaxed);
      return -ENOMEM;
    }
    e->hash = hash;
    std::memcpy(key_of(e), key, key_size_);
    fill_values(e, values, all_cpus, cpu, true);
    // Link the new element first, at the head: a concurrent reader finds either
    // it or the old one, never neither.
    e->next.store(b.head.load(std::memory_order_relaxed), std::memory_order_relaxed);
    b.head.store(e, std::memory_order_release);
    if (old) link_to(b, old)->store(old->next.load(std::memory_order_relaxed), std::memory_order_release);
  }
  if (lru_) {
    if (old) lru_unlink(old);
    lru_push_front(e);
  }
  if (old) retire(old);
  return 0;
}

// ---- syscall side ----

long HashMap::sys_lookup(const void* key, void* value_out) {
  rcu_tsan::ReadSection rl;
  const uint32_t hash = hash_of(key);
  Elem* e = find(bucket_for(hash), hash, key);
  if (!e) return -ENOENT;
  // The syscall side does not touch the LRU reference bit (nor does the kernel's).
  detail::load_value(value_out, value_of(e), percpu_ ? uint64_t{ncpu_} * value_stride_ : value_size_);
  return 0;
}

long HashMap::sys_update(const void* key, const void* value, uint64_t flags) {
  return update(key, value, flags, percpu_);
}

long HashMap::get_next_key(const void* key, void* next_key) {
  rcu_tsan::ReadSection rl;
  uint32_t i = 0;
  if (key) {
    const uint32_t hash = hash_of(key);
    if (Elem* e = find(bucket_for(hash), hash, key)) {
      if (Elem* next = e->next.load(std::memory_order_acquire)) {
        std::memcpy(next_key, key_of(next), key_size_);
        return 0;
      }
      i = (hash & (n_buckets_ - 1)) + 1;
    }
    // A key that is not in the map restarts from the first bucket (the kernel's
    // behaviour, which lets iteration survive deletion of the current key).
  }
  for (; i < n_buckets_; i++) {
    if (Elem* first = buckets_[i].head.load(std::memory_order_acquire)) {
      std::memcpy(next_key, key_of(first), key_size_);
      return 0;
    }
  }
  return -ENOENT;
}

size_t HashMap::sys_value_size() const { return percpu_ ? size_t{ncpu_} * value_stride_ : value_size_; }

// ---- element memory ----

HashMap::Elem* HashMap::alloc_elem() {
  if (pool_) {
    if (void* slot = pool_->pop()) return new (slot) Elem(pool_);
  }
  void* mem = std::malloc(elem_size_);
  if (!mem) return nullptr;
  if (!used_heap_.load(std::memory_order_relaxed)) used_heap_.store(true, std::memory_order_relaxed);
  return new (mem) Elem(nullptr);
}

void HashMap::reclaim_cb(struct rcu_head* head) {
  rcu_tsan::grace_period_over();
  rcu_tsan::take(head);
  Elem* e = reinterpret_cast<Elem*>(reinterpret_cast<unsigned char*>(head) - offsetof(Elem, rcu));
  detail::ElemPool* pool = e->pool;
  e->~Elem();
  if (pool) {
    pool->push(e);
    pool->unref();
  } else {
    std::free(e);
  }
}

void HashMap::retire(Elem* e) {
  if (!used_rcu_.load(std::memory_order_relaxed)) used_rcu_.store(true, std::memory_order_relaxed);
  if (e->pool) e->pool->ref();  // the slot goes back after the grace period, map or not
  rcu_tsan::handoff(&e->rcu);
  rcu::call(&e->rcu, &HashMap::reclaim_cb);
}

// ---- LRU ----

HashMap::Elem* HashMap::elem_of(LruNode* n) {
  return reinterpret_cast<Elem*>(reinterpret_cast<unsigned char*>(n) - offsetof(Elem, lru));
}

void HashMap::lru_push_front(Elem* e) {
  e->ref.store(0, std::memory_order_relaxed);
  e->lru.prev = &lru_head_;
  e->lru.next = lru_head_.next;
  lru_head_.next->prev = &e->lru;
  lru_head_.next = &e->lru;
}

void HashMap::lru_unlink(Elem* e) {
  e->lru.prev->next = e->lru.next;
  e->lru.next->prev = e->lru.prev;
  e->lru.prev = e->lru.next = nullptr;
}

bool HashMap::lru_evict_one() {
  uint32_t scanned = 0;
  for (LruNode* n = lru_head_.prev; n != &lru_head_; n = lru_head_.prev) {
    Elem* e = elem_of(n);
    if (e->ref.load(std::memory_order_relaxed) && scanned++ < kLruMaxScan) {
      // Second chance: referenced since it was last considered; make it hot.
      lru_unlink(e);
      lru_push_front(e);
      continue;
    }
    Bucket& vb = bucket_for(e->hash);
    {
      std::lock_guard<detail::SpinLock> guard(vb.lock);
      link_to(vb, e)->store(e->next.load(std::memory_order_relaxed), std::memory_order_release);
      count_.fetch_sub(1, std::memory_order_relaxed);
    }
    lru_unlink(e);
    retire(e);
    return true;
  }
  return false;
}

}  // namespace hostbpf::maps
