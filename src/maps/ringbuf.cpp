#include "maps/ringbuf.h"

#include <linux/bpf.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace hostbpf::maps {

namespace {

constexpr uint32_t kBusy = BPF_RINGBUF_BUSY_BIT;
constexpr uint32_t kDiscard = BPF_RINGBUF_DISCARD_BIT;
constexpr uint32_t kHdrSize = BPF_RINGBUF_HDR_SZ;
// The kernel's RINGBUF_MAX_RECORD_SZ: the two top bits of len are flags.
constexpr uint64_t kMaxRecordSize = UINT32_MAX / 4;

uint64_t page_size() {
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

/// Bytes a record of `len` sample bytes occupies in the ring.
uint64_t record_span(uint32_t len) { return detail::round_up8(uint64_t{len & ~(kBusy | kDiscard)} + kHdrSize); }

uint32_t load_len(const uint32_t* hdr) { return __atomic_load_n(hdr, __ATOMIC_ACQUIRE); }

}  // namespace

Result<std::shared_ptr<Map>> RingBuf::create(const MapSpec& spec) {
  const uint64_t page = page_size();
  const uint64_t size = spec.max_entries;
  // Control page, then the data pages twice: [page][data][data again].
  int fd = ::memfd_create("hostbpf-ringbuf", MFD_CLOEXEC);
  if (fd < 0) return detail::map_error(spec, -errno, "memfd_create: {}", std::strerror(errno));
  auto fail = [&](const char* what) {
    int err = errno;
    ::close(fd);
    return detail::map_error(spec, err == ENOMEM ? -ENOMEM : -err, "{}: {}", what, std::strerror(err));
  };
  if (::ftruncate(fd, static_cast<off_t>(page + size)) != 0) return fail("ftruncate");
  void* area = ::mmap(nullptr, page + 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (area == MAP_FAILED) return fail("reserving address space");
  auto* base = static_cast<unsigned char*>(area);
  if (::mmap(base, page + size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
      ::mmap(base + page + size, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
             static_cast<off_t>(page)) == MAP_FAILED) {
    Error err = fail("mapping ring buffer pages");
    ::munmap(base, page + 2 * size);
    return err;
  }
  ::close(fd);
  int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (efd < 0) {
    int err = errno;
    ::munmap(base, page + 2 * size);
    return detail::map_error(spec, -err, "eventfd: {}", std::strerror(err));
  }
  return std::shared_ptr<Map>(new RingBuf(spec, base, page, efd));
}

RingBuf::RingBuf(const MapSpec& spec, unsigned char* base, uint64_t page, int event_fd)
    : Map(spec), base_(base), data_(base + page), page_(page), mask_(uint64_t{spec.max_entries} - 1),
      event_fd_(event_fd) {
  // commit() finds the ring from a sample through this pointer.
  RingBuf* self = this;
  std::memcpy(base_, &self, sizeof(self));
}

RingBuf::~RingBuf() {
  ::munmap(base_, page_ + 2 * size());
  ::close(event_fd_);
}

void* RingBuf::reserve(uint64_t size, uint64_t flags) {
  if (flags != 0 || size > kMaxRecordSize) return nullptr;
  const uint64_t len = detail::round_up8(size + kHdrSize);
  if (len > this->size()) return nullptr;
  const uint64_t cons_pos = consumer_pos_.load(std::memory_order_acquire);

  // TODO(nmi): in signal context this must be a try-lock (the kernel's NMI
  // path), failing the reservation instead of spinning on an interrupted holder.
  std::lock_guard<detail::SpinLock> guard(producer_lock_);
  uint64_t pend_pos = pending_pos_;
  const uint64_t prod_pos = producer_pos_.load(std::memory_order_relaxed);
  const uint64_t new_prod_pos = prod_pos + len;
  // Records still busy pin their space even once the consumer moved past
  // committed ones after them; find the oldest busy one.
  while (pend_pos < prod_pos) {
    const uint32_t hdr_len = load_len(header_at(pend_pos));
    if (hdr_len & kBusy) break;
    pend_pos += record_span(hdr_len);
  }
  pending_pos_ = pend_pos;
  if (new_prod_pos - cons_pos > mask_ || new_prod_pos - pend_pos > mask_) return nullptr;

  uint32_t* hdr = header_at(prod_pos);
  const uint64_t hdr_page = (reinterpret_cast<uintptr_t>(hdr) & ~(page_ - 1)) - reinterpret_cast<uintptr_t>(base_);
  __atomic_store_n(&hdr[1], static_cast<uint32_t>(hdr_page / page_), __ATOMIC_RELAXED);
  __atomic_store_n(&hdr[0], static_cast<uint32_t>(size) | kBusy, __ATOMIC_RELAXED);
  producer_pos_.store(new_prod_pos, std::memory_order_release);
  return hdr + 2;
}

void RingBuf::commit(void* sample, uint64_t flags, bool discard) {
  auto* hdr = reinterpret_cast<uint32_t*>(static_cast<unsigned char*>(sample) - kHdrSize);
  const uint64_t page = page_size();
  const uint32_t pg_off = __atomic_load_n(&hdr[1], __ATOMIC_RELAXED);
  auto* base = reinterpret_cast<unsigned char*>((reinterpret_cast<uintptr_t>(hdr) & ~(page - 1)) - uint64_t{pg_off} * page);
  RingBuf* rb;
  std::memcpy(&rb, base, sizeof(rb));

  uint32_t new_len = load_len(hdr) & ~kBusy;
  if (discard) new_len |= kDiscard;
  // Release: the sample's bytes are visible before the consumer sees it unbusy.
  __atomic_exchange_n(hdr, new_len, __ATOMIC_ACQ_REL);

  const uint64_t rec_pos = static_cast<uint64_t>(reinterpret_cast<unsigned char*>(hdr) - rb->data_);
  const uint64_t cons_pos = rb->consumer_pos_.load(std::memory_order_acquire) & rb->mask_;
  if (flags & BPF_RB_FORCE_WAKEUP) {
    rb->wake();
  } else if (cons_pos == rec_pos && !(flags & BPF_RB_NO_WAKEUP)) {
    // The consumer has caught up with this record: it is (or is about to be)
    // waiting for exactly this one. Later records need no wakeup of their own.
    rb->wake();
  }
}

void RingBuf::wake() {
  const uint64_t one = 1;
  // Async-signal-safe; EAGAIN (counter saturated) still leaves it readable.
  ssize_t r = ::write(event_fd_, &one, sizeof(one));
  (void)r;
}

long RingBuf::output(const void* data, uint64_t size, uint64_t flags) {
  if (flags & ~uint64_t{BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP}) return -EINVAL;
  void* sample = reserve(size, 0);
  if (!sample) return -EAGAIN;
  std::memcpy(sample, data, size);
  submit(sample, flags);
  return 0;
}

uint64_t RingBuf::query(uint64_t flags) const {
  switch (flags) {
    case BPF_RB_AVAIL_DATA:
      return producer_pos_.load(std::memory_order_acquire) - consumer_pos_.load(std::memory_order_acquire);
    case BPF_RB_RING_SIZE:
      return size();
    case BPF_RB_CONS_POS:
      return consumer_pos_.load(std::memory_order_acquire);
    case BPF_RB_PROD_POS:
      return producer_pos_.load(std::memory_order_acquire);
    default:
      return 0;
  }
}

int64_t RingBuf::consume(const Handler& fn) {
  std::lock_guard<std::mutex> guard(consumer_mutex_);
  uint64_t cons_pos = consumer_pos_.load(std::memory_order_relaxed);
  int64_t count = 0;
  for (bool progress = true; progress;) {
    progress = false;
    const uint64_t prod_pos = producer_pos_.load(std::memory_order_acquire);
    while (cons_pos < prod_pos) {
      const uint32_t* hdr = header_at(cons_pos);
      const uint32_t len = load_len(hdr);
      if (len & kBusy) return count;  // records are handed over in order
      cons_pos += record_span(len);
      progress = true;
      int err = 0;
      if (!(len & kDiscard)) {
        err = fn(hdr + 2, len & ~(kBusy | kDiscard));
        count++;
      }
      // Release: we are done reading the record before producers reuse its space.
      consumer_pos_.store(cons_pos, std::memory_order_release);
      if (err < 0) return err;
    }
  }
  return count;
}

int64_t RingBuf::poll(const Handler& fn, int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  for (;;) {
    const int64_t n = consume(fn);
    if (n != 0) return n;
    int wait_ms = -1;
    if (timeout_ms >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return 0;
      wait_ms = static_cast<int>(left);
    }
    struct pollfd pfd = {event_fd_, POLLIN, 0};
    const int r = ::poll(&pfd, 1, wait_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (r == 0) return 0;  // timed out without a wakeup (like epoll in libbpf)
    uint64_t drained;
    ssize_t got = ::read(event_fd_, &drained, sizeof(drained));
    (void)got;
  }
}

}  // namespace hostbpf::maps
