// The cpumask selftest programs (compiled against the running kernel's
// vmlinux.h) on the kernel through libbpf and BPF_PROG_TEST_RUN, compared with
// hostbpf: the same results for the success programs, the same verdicts and
// messages for the failure programs. Skips where bpf() is not permitted or the
// kernel has no BTF.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "hostbpf/hostbpf.h"
#include "kfunc/cpumask.h"

namespace {

using ::testing::HasSubstr;

const std::string kObjDir = HOSTBPF_TEST_BINARY_DIR;

struct Verdict {
  int err = 0;          // 0: loaded
  std::string log;      // the verifier's log on rejection
  uint64_t retval = 0;  // when loaded and run
};

// Loads only `prog` of `obj` into the kernel and, if it loads, runs it once
// with the cpumask_args context.
Verdict kernel_run(const std::string& obj_name, const char* prog, uint32_t nr_cpus) {
  Verdict v;
  bpf_object* obj = bpf_object__open_file((kObjDir + "/" + obj_name).c_str(), nullptr);
  if (!obj) return {-errno, "open failed", 0};
  static char log[1 << 20];
  log[0] = 0;
  bpf_program* p;
  bpf_object__for_each_program(p, obj) bpf_program__set_autoload(p, strcmp(bpf_program__name(p), prog) == 0);
  bpf_program* target = bpf_object__find_program_by_name(obj, prog);
  if (!target) {
    bpf_object__close(obj);
    return {-ENOENT, "no such program", 0};
  }
  bpf_program__set_log_buf(target, log, sizeof log);
  v.err = bpf_object__load(obj);
  v.log = log;
  if (v.err == 0) {
    uint32_t args[1] = {nr_cpus};
    LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof args);
    v.err = bpf_prog_test_run_opts(bpf_program__fd(target), &o);
    v.retval = o.retval;
  }
  bpf_object__close(obj);
  return v;
}

Verdict hostbpf_run(const std::string& obj_name, const char* prog) {
  hostbpf::Runtime rt;
  auto obj = rt.open(kObjDir + "/" + obj_name);
  if (!obj.ok()) return {obj.error().code(), obj.error().message(), 0};
  for (auto& p : obj->programs()) p.set_autoload(p.name() == prog);
  if (hostbpf::Error e = obj->load()) return {e.code(), e.message() + "\n" + e.log(), 0};
  uint32_t args[1] = {hostbpf::kfunc::cpumask_nr_cpu_ids()};
  auto r = obj->program(prog)->test_run({.ctx_in = args, .ctx_size_in = sizeof args});
  if (!r.ok()) return {r.error().code(), r.error().message(), 0};
  return {0, "", r->retval};
}

class CpumaskKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kObjDir + "/cpumask_success.vmlinux.bpf.o"))
      GTEST_SKIP() << "no vmlinux.h variant (the build machine has no /sys/kernel/btf/vmlinux or bpftool)";
    Verdict probe = kernel_run("cpumask_success.vmlinux.bpf.o", "test_alloc_free_cpumask", nr_cpus_);
    if (probe.err == -EPERM || probe.err == -ENOSYS || probe.err == -EACCES)
      GTEST_SKIP() << "the kernel does not permit bpf() here (" << probe.err << ")";
  }
  uint32_t nr_cpus_ = static_cast<uint32_t>(libbpf_num_possible_cpus());
};

TEST_F(CpumaskKernel, SuccessProgramsAgree) {
  for (const char* prog : {"test_alloc_free_cpumask", "test_set_clear_cpu", "test_setall_clear_cpu",
                           "test_first_firstzero_cpu", "test_firstand_nocpu", "test_test_and_set_clear",
                           "test_and_or_xor", "test_intersects_subset", "test_copy_any_anyand",
                           "test_cpumask_weight", "test_acquire_release", "test_invalid_cpus"}) {
    SCOPED_TRACE(prog);
    Verdict k = kernel_run("cpumask_success.vmlinux.bpf.o", prog, nr_cpus_);
    Verdict h = hostbpf_run("cpumask_success.vmlinux.bpf.o", prog);
    ASSERT_EQ(k.err, 0) << k.log;
    ASSERT_EQ(h.err, 0) << h.log;
    EXPECT_EQ(k.retval, 0u);
    EXPECT_EQ(h.retval, k.retval);
  }
}

TEST_F(CpumaskKernel, BothAcceptRefcountNullTracking) {
  // A referenced pointer is never NULL (reg_not_null): both prune the branch.
  Verdict k = kernel_run("cpumask_success.vmlinux.bpf.o", "test_refcount_null_tracking", nr_cpus_);
  Verdict h = hostbpf_run("cpumask_success.vmlinux.bpf.o", "test_refcount_null_tracking");
  EXPECT_EQ(k.err, 0) << k.log;
  EXPECT_EQ(h.err, 0) << h.log;
  EXPECT_EQ(k.retval, 0u);
  EXPECT_EQ(h.retval, k.retval);
}

TEST_F(CpumaskKernel, FailureProgramsAreRejectedByBothWithTheSameMessage) {
  struct Case {
    const char* prog;
    const char* msg;
  };
  for (const Case& c : {Case{"test_alloc_no_release", "Unreleased reference id=2 alloc_insn="},
                        Case{"test_alloc_double_release", "NULL pointer passed to trusted arg0"},
                        Case{"test_cpumask_null", "NULL pointer passed to trusted arg0"},
                        Case{"test_set_unchecked", "Possibly NULL pointer passed to trusted arg1"}}) {
    SCOPED_TRACE(c.prog);
    Verdict k = kernel_run("cpumask_failure.vmlinux.bpf.o", c.prog, nr_cpus_);
    Verdict h = hostbpf_run("cpumask_failure.vmlinux.bpf.o", c.prog);
    EXPECT_NE(k.err, 0);
    EXPECT_NE(h.err, 0);
    EXPECT_THAT(k.log, HasSubstr(c.msg));
    EXPECT_THAT(h.log, HasSubstr(c.msg));
  }
}

}  // namespace
