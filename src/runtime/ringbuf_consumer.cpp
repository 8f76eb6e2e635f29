// Map::ringbuf_consume / ringbuf_poll: the host side of BPF_MAP_TYPE_RINGBUF,
// like libbpf's ring_buffer__consume / ring_buffer__poll.
#include <fmt/format.h>

#include <cstring>

#include "hostbpf/hostbpf.h"
#include "maps/ringbuf.h"

namespace hostbpf {
namespace {

using RecordFn = std::function<int(std::span<const uint8_t> record)>;

Result<size_t> drain(maps::Map* m, const RecordFn& fn, int timeout_ms, bool wait) {
  auto* rb = dynamic_cast<maps::RingBuf*>(m);
  if (!rb) return Error(-EINVAL, fmt::format("map '{}' is not a ring buffer", m->spec().name));
  // The user's callback may return any non-zero value to stop; the ring buffer
  // stops on a negative one, so remember the user's value and stop with -1.
  int user_rc = 0;
  maps::RingBuf::Handler handler = [&](const void* data, uint32_t size) {
    user_rc = fn({static_cast<const uint8_t*>(data), size});
    return user_rc != 0 ? -1 : 0;
  };
  int64_t n = wait ? rb->poll(handler, timeout_ms) : rb->consume(handler);
  if (user_rc != 0) return Error(user_rc, fmt::format("map '{}': record handler returned {}", m->spec().name, user_rc));
  if (n < 0)
    return Error(static_cast<int>(n), fmt::format("map '{}': {}", m->spec().name, std::strerror(static_cast<int>(-n))));
  return static_cast<size_t>(n);
}

}  // namespace

Result<size_t> Map::ringbuf_consume(const RecordFn& fn) { return drain(m_.get(), fn, 0, false); }

Result<size_t> Map::ringbuf_poll(const RecordFn& fn, int timeout_ms) { return drain(m_.get(), fn, timeout_ms, true); }

}  // namespace hostbpf
