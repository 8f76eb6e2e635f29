// What the helpers do, except the printk family (printk.cpp). Their
// prototypes are beside them in the table (table.cpp).
#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>

#include "base/cpu.h"
#include "base/nofault.h"
#include "helpers/helper.h"
#include "helpers/impls.h"
#include "maps/map.h"
#include "maps/ringbuf.h"

namespace hostbpf::helpers::impl {

namespace {

maps::Map* as_map(uint64_t r) { return static_cast<maps::Map*>(reinterpret_cast<void*>(r)); }
maps::RingBuf* as_ringbuf(uint64_t r) { return static_cast<maps::RingBuf*>(as_map(r)); }
void* as_ptr(uint64_t r) { return reinterpret_cast<void*>(r); }
uint64_t from_long(long v) { return static_cast<uint64_t>(static_cast<int64_t>(v)); }

uint64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

constexpr uint32_t kMaxLoops = 1u << 23;  // BPF_MAX_LOOPS

}  // namespace

// ---- maps ----

uint64_t map_lookup_elem(uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t) {
  maps::Map* m = as_map(map);
  return reinterpret_cast<uint64_t>(m->lookup_fn()(m, as_ptr(key)));
}

uint64_t map_update_elem(uint64_t map, uint64_t key, uint64_t value, uint64_t flags, uint64_t) {
  return from_long(as_map(map)->update_elem(as_ptr(key), as_ptr(value), flags));
}

uint64_t map_delete_elem(uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t) {
  return from_long(as_map(map)->delete_elem(as_ptr(key)));
}

// ---- memory, time, randomness, CPU ----

uint64_t probe_read_kernel(uint64_t dst, uint64_t size, uint64_t unsafe_ptr, uint64_t, uint64_t) {
  // The kernel's helper takes a u32 size.
  const uint32_t n = static_cast<uint32_t>(size);
  if (n == 0) return 0;
  if (base::read_nofault(as_ptr(dst), reinterpret_cast<const void*>(unsafe_ptr), n)) return 0;
  std::memset(as_ptr(dst), 0, n);
  return from_long(-EFAULT);
}

uint64_t ktime_get_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return clock_ns(CLOCK_MONOTONIC); }

uint64_t ktime_get_boot_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return clock_ns(CLOCK_BOOTTIME); }

// Per-thread xorshift64* (the kernel's is a per-CPU prandom state): no lock,
// no syscall after the first call on a thread.
uint64_t get_prandom_u32(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  static thread_local uint64_t state = 0;
  if (state == 0) {
    std::random_device rd;
    state = ((uint64_t{rd()} << 32) ^ rd()) | 1;
  }
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return static_cast<uint32_t>((state * 0x2545f4914f6cdd1dull) >> 32);
}

uint64_t get_smp_processor_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return current_cpu(); }

// ---- ring buffer ----

uint64_t ringbuf_output(uint64_t rb, uint64_t data, uint64_t size, uint64_t flags, uint64_t) {
  return from_long(as_ringbuf(rb)->output(as_ptr(data), size, flags));
}

uint64_t ringbuf_reserve(uint64_t rb, uint64_t size, uint64_t flags, uint64_t, uint64_t) {
  return reinterpret_cast<uint64_t>(as_ringbuf(rb)->reserve(size, flags));
}

uint64_t ringbuf_submit(uint64_t sample, uint64_t flags, uint64_t, uint64_t, uint64_t) {
  maps::RingBuf::submit(as_ptr(sample), flags);
  return 0;
}

uint64_t ringbuf_discard(uint64_t sample, uint64_t flags, uint64_t, uint64_t, uint64_t) {
  maps::RingBuf::discard(as_ptr(sample), flags);
  return 0;
}

uint64_t ringbuf_query(uint64_t rb, uint64_t flags, uint64_t, uint64_t, uint64_t) {
  return as_ringbuf(rb)->query(flags);
}

// ---- bpf_loop ----

uint64_t loop(uint64_t nr, uint64_t callback, uint64_t ctx, uint64_t flags, uint64_t) {
  // nr_loops is a u32 in the kernel's BPF_CALL_4; flags are checked first.
  const uint32_t nr_loops = static_cast<uint32_t>(nr);
  if (flags) return from_long(-EINVAL);
  if (nr_loops > kMaxLoops) return from_long(-E2BIG);
  const auto* cb = reinterpret_cast<const Callback*>(callback);
  for (uint32_t i = 0; i < nr_loops; i++) {
    // 0: go on, 1 (anything else): stop; the verifier restricts it to 0 or 1.
    if (cb->invoke(cb, i, ctx, 0, 0, 0)) return i + 1;
  }
  return nr_loops;
}

}  // namespace hostbpf::helpers::impl
