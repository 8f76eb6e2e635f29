// What one run holds (Executable::run): this thread's CPU slot, an RCU
// read-side section and the program's environment, for the whole run, restored
// after it; and runs nest, as when a helper runs another program.
#include <gtest/gtest.h>

#include "../isa/asm.h"
#include "base/cpu.h"
#include "base/rcu.h"
#include "exec/executable.h"
#include "prepare_util.h"
#include "helpers/run_env.h"

namespace hostbpf {
namespace {

using namespace test;

constexpr int32_t kProbe = 2000;   // helper: what the run sees
constexpr int32_t kNested = 2001;  // helper: runs another program, then probes

struct Seen {
  bool in_read_section = false;
  const helpers::RunEnv* env = nullptr;
  uint32_t cpu = kNoCpu;
};
thread_local Seen g_seen;
thread_local const exec::Executable* g_inner = nullptr;

uint64_t probe(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  g_seen = {urcu_memb_read_ongoing() != 0, helpers::current_env(), current_cpu()};
  return 0;
}

uint64_t run_inner_then_probe(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  const uint64_t inner = g_inner->run(0);
  probe(0, 0, 0, 0, 0);
  return inner;
}

std::shared_ptr<exec::Executable> prepare(int32_t helper, const helpers::RunEnv* env) {
  PrepareSpec opts;
  opts.exec.env = env;
  opts.exec.helper_overrides = {{kProbe, &probe}, {kNested, &run_inner_then_probe}};
  auto e = test::prepare(Prog{call_helper(helper), exit_insn()}, opts);
  EXPECT_TRUE(e.ok());
  return e.ok() ? *e : nullptr;
}

TEST(RunScope, ARunHoldsSlotReadSectionAndEnvironment) {
  helpers::RunEnv env;
  auto e = prepare(kProbe, &env);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->run(0), 0u);
  EXPECT_TRUE(g_seen.in_read_section);
  EXPECT_EQ(g_seen.env, &env);
  EXPECT_NE(g_seen.cpu, kNoCpu);
  EXPECT_EQ(g_seen.cpu, current_cpu());  // the slot stays the thread's
  // Nothing is left behind.
  EXPECT_EQ(urcu_memb_read_ongoing(), 0);
  EXPECT_EQ(helpers::current_env(), nullptr);
}

TEST(RunScope, WithoutAnEnvironmentTheCallersStays) {
  auto e = prepare(kProbe, nullptr);
  ASSERT_TRUE(e);
  helpers::RunEnv outer;
  helpers::EnvScope scope(&outer);
  EXPECT_EQ(e->run(0), 0u);
  EXPECT_EQ(g_seen.env, &outer);
  EXPECT_EQ(helpers::current_env(), &outer);
}

TEST(RunScope, RunsNestAndRestoreTheOuterRun) {
  helpers::RunEnv outer_env, inner_env;
  auto inner = prepare(kProbe, &inner_env);
  auto outer = prepare(kNested, &outer_env);
  ASSERT_TRUE(inner && outer);
  g_inner = inner.get();
  EXPECT_EQ(outer->run(0), 0u);
  // Probed by the outer program's helper after the inner run returned.
  EXPECT_TRUE(g_seen.in_read_section);
  EXPECT_EQ(g_seen.env, &outer_env);
  EXPECT_EQ(urcu_memb_read_ongoing(), 0);
  EXPECT_EQ(helpers::current_env(), nullptr);
}

TEST(RunScope, ARunInsideAHostReadSectionNests) {
  helpers::RunEnv env;
  auto e = prepare(kProbe, &env);
  ASSERT_TRUE(e);
  {
    rcu::ReadLock host_section;
    EXPECT_EQ(e->run(0), 0u);
    EXPECT_TRUE(g_seen.in_read_section);
    EXPECT_NE(urcu_memb_read_ongoing(), 0);  // the host's section is still open
  }
  EXPECT_EQ(urcu_memb_read_ongoing(), 0);
}

}  // namespace
}  // namespace hostbpf
