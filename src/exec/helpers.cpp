// The kernel helpers hostbpf provides, by the kernel's ids (their prototypes
// are verifier/helper_protos.cpp).
// trace_printk/trace_vprintk live in helper_printk.cpp.
#include "exec/helpers.h"

#include <linux/bpf.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <ctime>
#include <random>

#include "base/cpu.h"
#include "exec/executable.h"
#include "exec/helper_internal.h"
#include "maps/map.h"
#include "maps/ringbuf.h"

namespace hostbpf::exec {

namespace {

maps::Map* as_map(uint64_t r) { return static_cast<maps::Map*>(reinterpret_cast<void*>(r)); }
maps::RingBuf* as_ringbuf(uint64_t r) { return static_cast<maps::RingBuf*>(as_map(r)); }
void* as_ptr(uint64_t r) { return reinterpret_cast<void*>(r); }
uint64_t from_long(long v) { return static_cast<uint64_t>(static_cast<int64_t>(v)); }

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
  if (read_nofault(as_ptr(dst), reinterpret_cast<const void*>(unsafe_ptr), n)) return 0;
  std::memset(as_ptr(dst), 0, n);
  return from_long(-EFAULT);
}

uint64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
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

constexpr uint32_t kMaxLoops = 1u << 23;  // BPF_MAX_LOOPS

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

// Sorted by id so find_helper can binary-search.
const Helper kHelpers[] = {
    {BPF_FUNC_map_lookup_elem, map_lookup_elem},
    {BPF_FUNC_map_update_elem, map_update_elem},
    {BPF_FUNC_map_delete_elem, map_delete_elem},
    {BPF_FUNC_ktime_get_ns, ktime_get_ns},
    {BPF_FUNC_trace_printk, trace_printk},
    {BPF_FUNC_get_prandom_u32, get_prandom_u32},
    {BPF_FUNC_get_smp_processor_id, get_smp_processor_id},
    {BPF_FUNC_tail_call, nullptr},  // the interpreter and JIT jump themselves
    {BPF_FUNC_probe_read_kernel, probe_read_kernel},
    {BPF_FUNC_ktime_get_boot_ns, ktime_get_boot_ns},
    {BPF_FUNC_ringbuf_output, ringbuf_output},
    {BPF_FUNC_ringbuf_reserve, ringbuf_reserve},
    {BPF_FUNC_ringbuf_submit, ringbuf_submit},
    {BPF_FUNC_ringbuf_discard, ringbuf_discard},
    {BPF_FUNC_ringbuf_query, ringbuf_query},
    {BPF_FUNC_trace_vprintk, trace_vprintk},
    {BPF_FUNC_loop, loop},
};

}  // namespace

// ---- fault-safe reads ----

namespace {
// Fallback where process_vm_readv is not permitted (seccomp): the kernel reads
// the source for write() on a pipe and fails with EFAULT instead of faulting.
bool read_via_pipe(void* dst, const void* src, size_t n) {
  struct Pipe {
    int fds[2] = {-1, -1};
    Pipe() {
      if (::pipe2(fds, O_CLOEXEC) != 0) fds[0] = fds[1] = -1;
    }
    ~Pipe() {
      if (fds[0] >= 0) ::close(fds[0]);
      if (fds[1] >= 0) ::close(fds[1]);
    }
  };
  static thread_local Pipe p;
  if (p.fds[0] < 0) return false;
  auto* out = static_cast<unsigned char*>(dst);
  const auto* in = static_cast<const unsigned char*>(src);
  while (n > 0) {
    const size_t chunk = n < 4096 ? n : 4096;  // fits the pipe: write never blocks
    const ssize_t w = ::write(p.fds[1], in, chunk);
    if (w <= 0) return false;
    for (ssize_t got = 0; got < w;) {
      const ssize_t r = ::read(p.fds[0], out + got, static_cast<size_t>(w - got));
      if (r <= 0) return false;
      got += r;
    }
    in += w;
    out += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}
}  // namespace

bool read_nofault(void* dst, const void* src, size_t n) {
  if (n == 0) return true;
  struct iovec local = {dst, n};
  struct iovec remote = {const_cast<void*>(src), n};
  const ssize_t r = ::process_vm_readv(::getpid(), &local, 1, &remote, 1, 0);
  if (r == static_cast<ssize_t>(n)) return true;
  if (r < 0 && (errno == ENOSYS || errno == EPERM)) return read_via_pipe(dst, src, n);
  return false;
}

const Helper* find_helper(int32_t id) {
  const Helper* lo = std::begin(kHelpers);
  const Helper* hi = std::end(kHelpers);
  while (lo < hi) {
    const Helper* mid = lo + (hi - lo) / 2;
    if (mid->id < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo != std::end(kHelpers) && lo->id == id ? lo : nullptr;
}

const Helper* helpers_begin() { return std::begin(kHelpers); }
const Helper* helpers_end() { return std::end(kHelpers); }

}  // namespace hostbpf::exec
