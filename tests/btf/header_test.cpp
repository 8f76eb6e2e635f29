// A program written against the host BTF's C header, as a BPF author without
// vmlinux.h would: it compiles with clang-19 (at build time), verifies, and
// runs with the results the types promise.
#include <gtest/gtest.h>

#include <vector>

#include "hostbpf/hostbpf.h"

namespace {

TEST(HostHeader, ProgramCompiledAgainstItLoadsAndRuns) {
  hostbpf::Runtime rt;
  auto obj = rt.open(std::string(HOSTBPF_TEST_BINARY_DIR) + "/host_header.bpf.o");
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  ASSERT_FALSE(obj->load()) << obj->load().message();
  auto prog = obj->program("drop_short");
  ASSERT_TRUE(prog.ok());
  std::vector<uint8_t> small(20, 0), big(100, 0);
  auto r1 = prog->test_run({.data_in = small.data(), .data_size_in = small.size()});
  ASSERT_TRUE(r1.ok()) << r1.error().message();
  EXPECT_EQ(r1->retval, 1u);  // XDP_DROP
  auto r2 = prog->test_run({.data_in = big.data(), .data_size_in = big.size()});
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->retval, 2u);  // XDP_PASS
  auto seen = obj->map("seen");
  ASSERT_TRUE(seen.ok());
  uint32_t key = 0;
  uint64_t count = 0;
  ASSERT_FALSE(seen->lookup(key, &count));
  EXPECT_EQ(count, 2u);
}

}  // namespace

namespace {

// Program::run on a handle whose program was not loaded (autoload off) must
// not run anything: it returns -EINVAL, like running a closed program fd.
TEST(HostHeader, ProgramThatWasNotLoadedDoesNotRun) {
  hostbpf::Runtime rt;
  auto obj = rt.open(std::string(HOSTBPF_TEST_BINARY_DIR) + "/host_header.bpf.o");
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  auto prog = obj->program("drop_short");
  ASSERT_TRUE(prog.ok());
  EXPECT_EQ(prog->run(nullptr), static_cast<uint64_t>(-EINVAL));  // before load
  ASSERT_FALSE(prog->set_autoload(false));
  ASSERT_FALSE(obj->load());
  EXPECT_FALSE(prog->loaded());
  EXPECT_EQ(prog->run(nullptr), static_cast<uint64_t>(-EINVAL));
}

}  // namespace
