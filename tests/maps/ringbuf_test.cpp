// BPF_MAP_TYPE_RINGBUF: the kernel's record format, space accounting,
// wraparound, discard, consume/poll and wakeup rules.
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "maps/ringbuf.h"
#include "test_util.h"

namespace hostbpf::maps {
namespace {

using testing::make;
using testing::spec;

const uint32_t kPage = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));

struct RingBufTest : ::testing::Test {
  void SetUp() override {
    map = make(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, kPage, 0, "events"));
    rb = static_cast<RingBuf*>(map.get());
  }
  /// Consumes everything into strings.
  std::vector<std::string> drain() {
    std::vector<std::string> got;
    rb->consume([&](const void* d, uint32_t n) {
      got.emplace_back(static_cast<const char*>(d), n);
      return 0;
    });
    return got;
  }
  bool wakeup_pending() {
    struct pollfd p = {rb->wakeup_fd(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }
  void clear_wakeup() {
    uint64_t v;
    while (::read(rb->wakeup_fd(), &v, sizeof(v)) > 0) {
    }
  }
  std::shared_ptr<Map> map;
  RingBuf* rb = nullptr;
};

TEST_F(RingBufTest, RecordHeaderFormat) {
  auto* sample = static_cast<unsigned char*>(rb->reserve(5, 0));
  ASSERT_NE(sample, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(sample) % 8, 0u);
  const auto* hdr = reinterpret_cast<const uint32_t*>(sample - BPF_RINGBUF_HDR_SZ);
  EXPECT_EQ(hdr[0], 5u | BPF_RINGBUF_BUSY_BIT);
  EXPECT_EQ(rb->query(BPF_RB_PROD_POS), 16u);  // round_up(5 + 8, 8)
  EXPECT_EQ(drain().size(), 0u);               // still busy
  std::memcpy(sample, "hello", 5);
  RingBuf::submit(sample, 0);
  EXPECT_EQ(hdr[0], 5u);
  EXPECT_EQ(drain(), std::vector<std::string>{"hello"});
  EXPECT_EQ(rb->query(BPF_RB_CONS_POS), 16u);

  void* d = rb->reserve(3, 0);
  RingBuf::discard(d, 0);
  EXPECT_EQ(reinterpret_cast<const uint32_t*>(static_cast<unsigned char*>(d) - 8)[0], 3u | BPF_RINGBUF_DISCARD_BIT);
  EXPECT_EQ(drain().size(), 0u);  // skipped, but consumed
  EXPECT_EQ(rb->query(BPF_RB_AVAIL_DATA), 0u);
  EXPECT_EQ(rb->query(BPF_RB_CONS_POS), 32u);
}

TEST_F(RingBufTest, QueryAndOutput) {
  EXPECT_EQ(rb->query(BPF_RB_RING_SIZE), kPage);
  EXPECT_EQ(rb->query(BPF_RB_AVAIL_DATA), 0u);
  EXPECT_EQ(rb->query(99), 0u);
  EXPECT_EQ(rb->output("0123456789", 10, 0), 0);
  EXPECT_EQ(rb->query(BPF_RB_AVAIL_DATA), 24u);
  EXPECT_EQ(rb->query(BPF_RB_PROD_POS), 24u);
  EXPECT_EQ(rb->query(BPF_RB_CONS_POS), 0u);
  EXPECT_EQ(rb->output("x", 1, 4), -EINVAL);
  EXPECT_EQ(drain(), std::vector<std::string>{"0123456789"});
  EXPECT_EQ(rb->query(BPF_RB_AVAIL_DATA), 0u);
}

TEST_F(RingBufTest, ReserveFailsWhenFullOrInvalid) {
  EXPECT_EQ(rb->reserve(8, 1), nullptr);              // flags must be 0
  EXPECT_EQ(rb->reserve(kPage, 0), nullptr);          // larger than the ring
  EXPECT_EQ(rb->reserve(uint64_t{1} << 32, 0), nullptr);
  std::vector<void*> held;
  while (void* s = rb->reserve(120, 0)) held.push_back(s);  // 128 bytes each
  // The kernel keeps one record's worth short of completely full.
  EXPECT_EQ(held.size(), kPage / 128 - 1);
  const std::string big(120, 'x');
  EXPECT_EQ(rb->output(big.data(), big.size(), 0), -EAGAIN);
  for (void* s : held) RingBuf::submit(s, BPF_RB_NO_WAKEUP);
  EXPECT_EQ(drain().size(), held.size());
  EXPECT_NE(rb->reserve(120, 0), nullptr);
}

TEST_F(RingBufTest, BusyRecordHoldsBackLaterOnes) {
  void* a = rb->reserve(4, 0);
  void* b = rb->reserve(4, 0);
  std::memcpy(a, "aaaa", 4);
  std::memcpy(b, "bbbb", 4);
  RingBuf::submit(b, 0);
  EXPECT_EQ(drain().size(), 0u);  // records come out in order
  RingBuf::submit(a, 0);
  EXPECT_EQ(drain(), (std::vector<std::string>{"aaaa", "bbbb"}));
}

TEST_F(RingBufTest, WrapsAroundWithContiguousRecords) {
  // Sizes chosen so that records straddle the end of the data area; the sample
  // must read back intact because the pages are mapped twice.
  uint64_t produced = 0;
  for (uint32_t i = 0; i < 2000; i++) {
    const uint32_t size = 1 + (i * 37) % 700;
    auto* s = static_cast<unsigned char*>(rb->reserve(size, 0));
    ASSERT_NE(s, nullptr) << i;
    for (uint32_t j = 0; j < size; j++) s[j] = static_cast<unsigned char>(i + j);
    RingBuf::submit(s, BPF_RB_NO_WAKEUP);
    int64_t n = rb->consume([&](const void* d, uint32_t len) {
      EXPECT_EQ(len, size);
      const auto* p = static_cast<const unsigned char*>(d);
      for (uint32_t j = 0; j < len; j++) {
        if (p[j] != static_cast<unsigned char>(i + j)) {
          ADD_FAILURE() << "record " << i << " byte " << j;
          break;
        }
      }
      return 0;
    });
    ASSERT_EQ(n, 1);
    produced += (size + 8 + 7) / 8 * 8;
  }
  EXPECT_EQ(rb->query(BPF_RB_PROD_POS), produced);
  EXPECT_GT(produced, 100u * kPage);
}

TEST_F(RingBufTest, CallbackErrorStopsConsuming) {
  for (int i = 0; i < 3; i++) ASSERT_EQ(rb->output(&i, sizeof(i), 0), 0);
  int calls = 0;
  EXPECT_EQ(rb->consume([&](const void*, uint32_t) { return ++calls == 2 ? -42 : 0; }), -42);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(drain().size(), 1u);  // the record that failed was consumed too
}

TEST_F(RingBufTest, SubmitFindsItsRingFromTheSample) {
  auto other_map = make(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, 4 * kPage));
  auto* other = static_cast<RingBuf*>(other_map.get());
  void* x = rb->reserve(8, 0);
  void* y = other->reserve(3 * kPage, 0);  // spans pages
  ASSERT_NE(y, nullptr);
  RingBuf::submit(y, 0);
  RingBuf::submit(x, 0);
  EXPECT_EQ(drain().size(), 1u);
  EXPECT_EQ(other->consume([](const void*, uint32_t n) { return n == 3 * kPage ? 0 : -1; }), 1);
}

TEST_F(RingBufTest, WakeupRules) {
  clear_wakeup();
  // Default: wake when the consumer has caught up with the record.
  void* a = rb->reserve(8, 0);
  void* b = rb->reserve(8, 0);
  RingBuf::submit(b, 0);  // consumer is at a, not b
  EXPECT_FALSE(wakeup_pending());
  RingBuf::submit(a, 0);
  EXPECT_TRUE(wakeup_pending());
  drain();
  clear_wakeup();
  RingBuf::submit(rb->reserve(8, 0), BPF_RB_NO_WAKEUP);
  EXPECT_FALSE(wakeup_pending());
  void* c = rb->reserve(8, 0);
  RingBuf::submit(rb->reserve(8, 0), BPF_RB_FORCE_WAKEUP);  // not at the consumer, forced
  EXPECT_TRUE(wakeup_pending());
  RingBuf::discard(c, 0);
  clear_wakeup();
  EXPECT_EQ(rb->output("z", 1, BPF_RB_NO_WAKEUP), 0);
  EXPECT_FALSE(wakeup_pending());
  EXPECT_EQ(rb->output("z", 1, BPF_RB_FORCE_WAKEUP), 0);
  EXPECT_TRUE(wakeup_pending());
}

TEST_F(RingBufTest, PollWaitsForSubmit) {
  auto noop = [](const void*, uint32_t) { return 0; };
  EXPECT_EQ(rb->poll(noop, 0), 0);
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(rb->output("ping", 4, 0), 0);
  });
  const auto start = std::chrono::steady_clock::now();
  std::string got;
  EXPECT_EQ(rb->poll([&](const void* d, uint32_t n) { got.assign(static_cast<const char*>(d), n); return 0; }, 10000), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(got, "ping");
  producer.join();
}

TEST_F(RingBufTest, PollIsNotWokenByNoWakeup) {
  auto noop = [](const void*, uint32_t) { return 0; };
  drain();
  clear_wakeup();
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_EQ(rb->output("quiet", 5, BPF_RB_NO_WAKEUP), 0);
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rb->poll(noop, 300), 0);  // times out: nobody woke it
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  producer.join();
  EXPECT_EQ(drain(), std::vector<std::string>{"quiet"});
  // Data already there is returned at once, without waiting for a wakeup.
  EXPECT_EQ(rb->output("more", 4, BPF_RB_NO_WAKEUP), 0);
  EXPECT_EQ(rb->poll(noop, 10000), 1);
}

TEST_F(RingBufTest, HasNoElements) {
  uint32_t k = 0, v = 0;
  EXPECT_EQ(map->lookup_elem(&k), nullptr);
  EXPECT_EQ(map->update_elem(&k, &v, 0), -524);
  EXPECT_EQ(map->delete_elem(&k), -524);
  EXPECT_EQ(map->sys_lookup(&k, &v), -524);
  EXPECT_EQ(map->get_next_key(nullptr, &k), -524);
}

}  // namespace
}  // namespace hostbpf::maps
