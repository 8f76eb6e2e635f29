// BPF_MAP_TYPE_RINGBUF: a multi-producer, single-consumer ring of variable-size
// records, in the kernel's format so that the same BPF code and the same
// expectations (libbpf's ring_buffer__consume/poll) apply.
//
// Format: max_entries bytes of data (a power of two, a multiple of the page
// size). Each record is an 8-byte header {u32 len; u32 pg_off} followed by the
// sample, the whole rounded up to 8 bytes. `len` carries BPF_RINGBUF_BUSY_BIT
// while the record is reserved and BPF_RINGBUF_DISCARD_BIT once discarded.
// Positions (producer, consumer) are free-running u64 byte counters; the
// offset in the data is pos & (size - 1).
//
// As in the kernel, the data pages are mapped twice back to back, so a record
// that wraps around the end is still contiguous in memory; and pg_off locates
// the ring from a sample pointer alone, which is all bpf_ringbuf_submit() gets.
//
// Producers (programs, any thread) serialise on a spin lock for reserve only;
// filling and committing a record take no lock. The consumer is the host:
// consume() and poll() hand each committed record to a callback in order and
// skip discarded ones; they serialise among themselves.
//
// Wakeups: committing a record wakes a poll() waiter when the consumer has
// caught up with that record (the kernel's adaptive default), always with
// BPF_RB_FORCE_WAKEUP, never with BPF_RB_NO_WAKEUP. The wakeup is an eventfd
// write, which is async-signal-safe, so producers may run in signal context.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "maps/map.h"
#include "maps/map_util.h"

namespace hostbpf::maps {

class RingBuf final : public Map {
 public:
  /// Called with each committed record's sample; return < 0 to stop consuming
  /// (that value is returned), >= 0 to go on.
  using Handler = std::function<int(const void* data, uint32_t size)>;

  /// `spec` must already be validated (create_map does it).
  static Result<std::shared_ptr<Map>> create(const MapSpec& spec);
  ~RingBuf() override;

  // ---- producer side (bpf_ringbuf_* helpers) ----

  /// A sample of `size` bytes to fill, or nullptr when the ring lacks space
  /// (or flags != 0, or size is too large), as bpf_ringbuf_reserve().
  void* reserve(uint64_t size, uint64_t flags);
  /// Commits a reserved sample (`sample` from reserve() of any ring buffer).
  static void submit(void* sample, uint64_t flags) { commit(sample, flags, false); }
  static void discard(void* sample, uint64_t flags) { commit(sample, flags, true); }
  /// reserve + copy + submit: 0, -EINVAL (bad flags) or -EAGAIN (no space).
  long output(const void* data, uint64_t size, uint64_t flags);
  /// BPF_RB_AVAIL_DATA, BPF_RB_RING_SIZE, BPF_RB_CONS_POS, BPF_RB_PROD_POS; 0 otherwise.
  uint64_t query(uint64_t flags) const;

  // ---- consumer side (host) ----

  /// Hands every committed record available now to `fn`; returns how many were
  /// handed over, or the first negative value `fn` returned.
  int64_t consume(const Handler& fn);
  /// consume(), waiting up to timeout_ms (-1: forever) for a wakeup when nothing
  /// is available. Returns the count (0 on timeout) or a negative error.
  int64_t poll(const Handler& fn, int timeout_ms);
  /// An fd that becomes readable on wakeup (for the host's own epoll loop).
  int wakeup_fd() const { return event_fd_; }

  uint64_t size() const { return mask_ + 1; }

  // ---- map ops: a ring buffer has no elements ----
  void* lookup_elem(const void*) override { return nullptr; }
  long update_elem(const void*, const void*, uint64_t) override { return -detail::kENOTSUPP; }
  long delete_elem(const void*) override { return -detail::kENOTSUPP; }
  long sys_lookup(const void*, void*) override { return -detail::kENOTSUPP; }
  long sys_update(const void*, const void*, uint64_t) override { return -detail::kENOTSUPP; }
  long sys_delete(const void*) override { return -detail::kENOTSUPP; }
  long get_next_key(const void*, void*) override { return -detail::kENOTSUPP; }

 private:
  RingBuf(const MapSpec& spec, unsigned char* base, uint64_t page, int event_fd);
  static void commit(void* sample, uint64_t flags, bool discard);
  void wake();
  uint32_t* header_at(uint64_t pos) const { return reinterpret_cast<uint32_t*>(data_ + (pos & mask_)); }

  unsigned char* base_;  // control page (holds `this`), then data mapped twice
  unsigned char* data_;
  uint64_t page_;
  uint64_t mask_;
  int event_fd_;

  detail::SpinLock producer_lock_;
  std::mutex consumer_mutex_;
  alignas(64) std::atomic<uint64_t> consumer_pos_{0};
  alignas(64) std::atomic<uint64_t> producer_pos_{0};
  uint64_t pending_pos_ = 0;  // first record possibly still busy; guarded by producer_lock_
};

}  // namespace hostbpf::maps
