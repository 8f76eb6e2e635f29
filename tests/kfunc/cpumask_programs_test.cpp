// The kernel's cpumask selftests (as syscall programs) on hostbpf: compiled
// against the header a default Runtime dumps and, where the machine has
// kernel BTF, against the kernel's own vmlinux.h. Every success program
// returns 0 (else the number of its failed check); every failure program is
// rejected with the kernel's message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "base/cpu.h"
#include "hostbpf/hostbpf.h"
#include "kfunc/cpumask.h"

namespace {

using ::testing::HasSubstr;

std::string obj_path(const std::string& name) { return std::string(HOSTBPF_TEST_BINARY_DIR) + "/" + name; }

const char* const kSuccess[] = {
    "test_alloc_free_cpumask", "test_set_clear_cpu",     "test_setall_clear_cpu", "test_first_firstzero_cpu",
    "test_firstand_nocpu",     "test_test_and_set_clear", "test_and_or_xor",      "test_intersects_subset",
    "test_copy_any_anyand",    "test_cpumask_weight",    "test_acquire_release",  "test_invalid_cpus"};

struct Failure {
  const char* prog;
  const char* msg;
};
const Failure kFailures[] = {
    {"test_alloc_no_release", "Unreleased reference id=2 alloc_insn="},
    {"test_alloc_double_release", "NULL pointer passed to trusted arg0"},
    {"test_cpumask_null", "NULL pointer passed to trusted arg0"},
    {"test_set_unchecked", "Possibly NULL pointer passed to trusted arg1"},
};

class CpumaskPrograms : public ::testing::TestWithParam<std::string> {
 protected:
  std::string object(const char* kind) { return obj_path(std::string(kind) + "." + GetParam() + ".bpf.o"); }
  void SetUp() override {
    if (!std::filesystem::exists(object("cpumask_success")))
      GTEST_SKIP() << object("cpumask_success") << " was not built (no /sys/kernel/btf/vmlinux or bpftool)";
  }
};

TEST_P(CpumaskPrograms, SuccessProgramsPass) {
  hostbpf::Runtime rt;
  auto obj = rt.open(object("cpumask_success"));
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  hostbpf::Error e = obj->load();
  ASSERT_FALSE(e) << e.message() << "\n" << e.log();
  uint32_t args[1] = {hostbpf::kfunc::cpumask_nr_cpu_ids()};
  for (const char* name : kSuccess) {
    SCOPED_TRACE(name);
    auto prog = obj->program(name);
    ASSERT_TRUE(prog.ok());
    auto r = prog->test_run({.ctx_in = args, .ctx_size_in = sizeof args});
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(r->retval, 0u) << "failed check #" << r->retval;
  }
}

TEST_P(CpumaskPrograms, EveryMaskIsFreedAfterTheRuns) {
  {
    hostbpf::Runtime rt;
    auto obj = rt.open(object("cpumask_success"));
    ASSERT_TRUE(obj.ok());
    ASSERT_FALSE(obj->load());
    uint32_t args[1] = {hostbpf::kfunc::cpumask_nr_cpu_ids()};
    for (const char* name : kSuccess) ASSERT_TRUE(obj->program(name)->test_run({.ctx_in = args, .ctx_size_in = 4}).ok());
  }
  hostbpf::rcu::barrier();
  EXPECT_EQ(hostbpf::kfunc::bpf_cpumask_live_count(), 0u);
}

TEST_P(CpumaskPrograms, FailureProgramsAreRejectedWithTheKernelsMessage) {
  for (const Failure& f : kFailures) {
    SCOPED_TRACE(f.prog);
    hostbpf::Runtime rt;
    auto obj = rt.open(object("cpumask_failure"));
    ASSERT_TRUE(obj.ok()) << obj.error().message();
    ASSERT_FALSE(obj->program(f.prog)->set_autoload(true));
    hostbpf::Error e = obj->load();
    ASSERT_TRUE(e) << "accepted";
    EXPECT_THAT(e.message() + "\n" + e.log(), HasSubstr(f.msg));
  }
}

// After `if (!mask1 || !mask2) goto out`, `if (mask2)` on a referenced pointer
// cannot be false (the kernel's reg_not_null), so no path leaks; exploring
// that dead branch would report "Unreleased reference id=4".
TEST_P(CpumaskPrograms, RefcountNullTrackingIsAccepted) {
  hostbpf::Runtime rt;
  auto obj = rt.open(object("cpumask_success"));
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  for (const char* name : kSuccess) ASSERT_FALSE(obj->program(name)->set_autoload(false));
  ASSERT_FALSE(obj->program("test_refcount_null_tracking")->set_autoload(true));
  hostbpf::Error e = obj->load();
  ASSERT_FALSE(e) << e.message() << "\n" << e.log();
  uint32_t args[1] = {hostbpf::kfunc::cpumask_nr_cpu_ids()};
  auto r = obj->program("test_refcount_null_tracking")->test_run({.ctx_in = args, .ctx_size_in = sizeof args});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->retval, 0u);
}

INSTANTIATE_TEST_SUITE_P(Headers, CpumaskPrograms, ::testing::Values("host", "vmlinux"),
                         [](const auto& info) { return info.param; });

}  // namespace
