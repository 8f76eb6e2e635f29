// A prog array changed by the host while programs tail-call through it (ctest
// -L concurrency runs this under ThreadSanitizer): a run sees the old program
// or the new one or an empty slot, never a program that is being torn down.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

#include "hostbpf/hostbpf.h"

namespace hostbpf {
namespace {

std::string object(const char* name) { return std::string(HOSTBPF_TEST_BINARY_DIR) + "/" + name; }

TEST(SecurityRace, SlotsChangeAndTargetsDieWhileProgramsTailCallThroughThem) {
  Runtime rt;
  auto obj = rt.open(object("host_update.bpf.o"));
  ASSERT_TRUE(obj.ok());
  ASSERT_FALSE(obj->load());
  Program dispatch = *obj->program("dispatch");
  Map jmp = *obj->map("jmp");

  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  auto reader = [&] {
    std::array<uint8_t, 64> pkt{};
    XdpContext ctx;
    ctx.data = ctx.data_meta = pkt.data();
    ctx.data_end = pkt.data() + pkt.size();
    while (!stop.load(std::memory_order_relaxed)) {
      const uint64_t r = dispatch.run(&ctx);
      if (r != 1 && r != 7) wrong.fetch_add(1);
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; i++) readers.emplace_back(reader);

  // Each round stores a program of a fresh object and drops the object: the
  // array alone keeps the program alive, until the next round replaces it.
  for (int round = 0; round < 60; round++) {
    auto other = rt.open(object("host_update.bpf.o"));
    ASSERT_TRUE(other.ok());
    ASSERT_FALSE(other->load());
    ASSERT_FALSE(jmp.update(uint32_t{0}, other->program("target_xdp")->id()));
    if (round % 3 == 2) {
      ASSERT_FALSE(jmp.remove({reinterpret_cast<const uint8_t*>("\0\0\0\0"), 4}));
    }
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace hostbpf
