// A thread that cannot get a CPU slot does not run programs: the run returns
// -EBUSY (as a 64-bit value) without executing anything. Runs in its own
// process with HOSTBPF_POSSIBLE_CPUS=1 (see CMakeLists.txt), so a second
// thread finds the only slot taken by the first.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include "../isa/asm.h"
#include "base/cpu.h"
#include "base/rcu.h"
#include "exec/executable.h"
#include "prepare_util.h"
#include "hostbpf/hostbpf.h"

namespace hostbpf {
namespace {

using namespace test;

thread_local int g_calls = 0;
uint64_t count_call(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return ++g_calls; }

TEST(CpuSlots, ASecondThreadWithoutASlotGetsEbusy) {
  ASSERT_STREQ(std::getenv("HOSTBPF_POSSIBLE_CPUS"), "1");
  ASSERT_EQ(possible_cpus(), 1u);
  PrepareSpec opts;
  opts.exec.helper_overrides = {{3000, &count_call}};
  auto e = test::prepare(Prog{call_helper(3000), exit_insn()}, opts);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->run(0), 1u);  // this thread takes slot 0
  uint64_t other = 0;
  int other_calls = -1;
  std::thread t([&] {
    other = (*e)->run(0);
    other_calls = g_calls;
  });
  t.join();
  EXPECT_EQ(other, static_cast<uint64_t>(-EBUSY));
  EXPECT_EQ(other_calls, 0);  // the program did not run
  EXPECT_EQ((*e)->run(0), 2u);  // the first thread keeps its slot
}

// prepare_thread() does ahead of time what a first run would: the slot and
// the RCU registration, or -EBUSY naming why there is none.
TEST(CpuSlots, PrepareThreadClaimsTheSlotOrSaysWhyNot) {
  ASSERT_FALSE(prepare_thread());  // this thread owns the only slot
  EXPECT_FALSE(prepare_thread());  // and may ask again
  EXPECT_NE(current_cpu(), kNoCpu);
  EXPECT_NE(rcu::detail::tls_reader, nullptr);
  Error other;
  std::thread t([&] { other = prepare_thread(); });
  t.join();
  EXPECT_EQ(other.code(), -EBUSY);
  EXPECT_NE(other.message().find("no free CPU slot for this thread: all 1 are owned"), std::string::npos)
      << other.message();
}

// The public API tells "no slot, the program did not run" from a program that
// returns -EBUSY itself: run() cannot (both are R0 = -16), try_run() does.
TEST(CpuSlots, TryRunTellsNotRunningFromAProgramReturningTheSameErrno) {
  Runtime rt;
  const hostbpf::Insn ret_ebusy[] = {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -EBUSY}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
  auto p = rt.load_raw(std::span<const hostbpf::Insn>(ret_ebusy));
  ASSERT_TRUE(p.ok()) << p.error().message();
  auto here = p->try_run(nullptr);
  ASSERT_TRUE(here.ok());  // this thread owns the slot: the program ran
  EXPECT_EQ(*here, static_cast<uint64_t>(-EBUSY));
  Result<uint64_t> there = 0;
  uint64_t there_run = 0;
  std::thread t([&] {
    there = p->try_run(nullptr);
    there_run = p->run(nullptr);
  });
  t.join();
  ASSERT_FALSE(there.ok());  // no slot: it did not run
  EXPECT_EQ(there.error().code(), -EBUSY);
  EXPECT_NE(there.error().message().find("prog 'raw'"), std::string::npos) << there.error().message();
  EXPECT_EQ(there_run, *here);  // what run() cannot tell apart
}

}  // namespace
}  // namespace hostbpf
