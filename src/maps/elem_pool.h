// Preallocated element slots of a hash map: one anonymous mapping holding this
// header, a free-stack link per slot and the slots themselves.
//
// - Slots never handed out are taken by bumping an index, so creating a pool
//   for a large map touches no memory beyond the header.
// - Recycled slots go through a lock-free stack (no lock, so it may be used from
//   signal context); its head packs a tag with the index against ABA, and the
//   links live outside the slots so a stale read never sees element bytes.
// - The pool is reference counted: the map holds one reference and every slot
//   waiting out a grace period holds one, so an RCU callback can return a slot
//   after the map is gone, and the map's destructor never waits for callbacks
//   (waiting would deadlock when the last map reference is dropped by an RCU
//   callback, on liburcu's callback thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <new>

#include "maps/map_util.h"

namespace hostbpf::maps::detail {

class ElemPool {
 public:
  /// A pool of `cap` slots of `slot_size` bytes (a multiple of 8), or nullptr.
  static ElemPool* create(uint32_t cap, uint32_t slot_size) {
    const uint64_t links = (sizeof(ElemPool) + uint64_t{cap} * sizeof(std::atomic<uint32_t>) + 63) & ~uint64_t{63};
    const uint64_t bytes = links + uint64_t{cap} * slot_size;
    void* area = map_area_alloc(bytes);
    if (!area) return nullptr;
    return new (area) ElemPool(cap, slot_size, bytes, links);
  }

  /// A free slot, or nullptr when every slot is in use or waiting to be reused.
  void* pop() {
    uint64_t head = free_head_.load(std::memory_order_acquire);
    while (static_cast<uint32_t>(head) != kEmpty) {
      const uint32_t idx = static_cast<uint32_t>(head);
      // May be stale if another thread popped idx meanwhile; the tag then
      // differs and the exchange fails.
      const uint64_t next = link(idx).load(std::memory_order_relaxed);
      if (free_head_.compare_exchange_weak(head, (((head >> 32) + 1) << 32) | next, std::memory_order_acquire,
                                           std::memory_order_acquire))
        return slot(idx);
    }
    if (next_unused_.load(std::memory_order_relaxed) >= cap_) return nullptr;
    const uint32_t idx = next_unused_.fetch_add(1, std::memory_order_relaxed);
    return idx < cap_ ? slot(idx) : nullptr;
  }

  void push(void* p) {
    const uint32_t idx = static_cast<uint32_t>((static_cast<unsigned char*>(p) - slots()) / slot_size_);
    uint64_t head = free_head_.load(std::memory_order_relaxed);
    do {
      link(idx).store(static_cast<uint32_t>(head), std::memory_order_relaxed);
    } while (!free_head_.compare_exchange_weak(head, (((head >> 32) + 1) << 32) | idx, std::memory_order_release,
                                               std::memory_order_relaxed));
  }

  void ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  /// Drops a reference; the last one unmaps the pool.
  void unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      const uint64_t bytes = bytes_;
      this->~ElemPool();
      map_area_free(this, bytes);
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  ElemPool(uint32_t cap, uint32_t slot_size, uint64_t bytes, uint64_t slots_offset)
      : cap_(cap), slot_size_(slot_size), bytes_(bytes), slots_offset_(slots_offset) {}

  std::atomic<uint32_t>& link(uint32_t idx) {
    // The mapping is zero-filled, a valid representation of atomic<uint32_t>.
    return reinterpret_cast<std::atomic<uint32_t>*>(this + 1)[idx];
  }
  unsigned char* slots() { return reinterpret_cast<unsigned char*>(this) + slots_offset_; }
  void* slot(uint32_t idx) { return slots() + uint64_t{idx} * slot_size_; }

  const uint32_t cap_;
  const uint32_t slot_size_;
  const uint64_t bytes_;
  const uint64_t slots_offset_;
  std::atomic<uint64_t> free_head_{kEmpty};   // (tag << 32) | index
  std::atomic<uint32_t> next_unused_{0};
  std::atomic<uint32_t> refs_{1};             // the map's
};

}  // namespace hostbpf::maps::detail
