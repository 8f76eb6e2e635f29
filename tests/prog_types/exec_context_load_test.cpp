// Loading with the execution-context attributes through the public API: a
// program whose type cannot run as asked fails to load with the kernel's
// message, with or without the verifier, and the defaults are libbpf's.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <vector>

#include "hostbpf/hostbpf.h"

namespace hostbpf {
namespace {

const std::vector<Insn> kRet7 = {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 7}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
constexpr const char* kCannotSleep =
    "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable";

Result<Program> load(Runtime& rt, ProgType type, uint32_t attach, std::optional<bool> sleepable,
                     bool skip_verifier = false) {
  RawProgramOptions o;
  o.name = "p";
  o.type = type;
  o.expected_attach_type = attach;
  o.sleepable = sleepable;
  o.unsafe_skip_verification = skip_verifier;
  return rt.load_raw(kRet7, o);
}

TEST(ExecContextLoad, SleepableWhereTheTypeCannotSleepIsRefused) {
  Runtime rt;
  for (bool skip : {false, true}) {
    auto p = load(rt, ProgType::SocketFilter, 0, true, skip);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code(), -EINVAL);
    EXPECT_EQ(p.error().message(), std::string("prog 'p': ") + kCannotSleep);
    p = load(rt, ProgType::Tracing, BPF_TRACE_RAW_TP, true, skip);  // tp_btf may not sleep
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().message(), std::string("prog 'p': ") + kCannotSleep);
  }
}

TEST(ExecContextLoad, SyscallMustBeSleepable) {
  Runtime rt;
  auto p = load(rt, ProgType::Syscall, 0, false);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), -EINVAL);
  EXPECT_EQ(p.error().message(), "prog 'p': Syscall programs can only be sleepable");
  // Unset is libbpf's SEC("syscall"): sleepable, so it loads and runs.
  p = load(rt, ProgType::Syscall, 0, std::nullopt);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->run(nullptr), 7u);
  p = load(rt, ProgType::Syscall, 0, true);
  ASSERT_TRUE(p.ok()) << p.error().message();
}

TEST(ExecContextLoad, TypesThatMaySleepLoadSleepable) {
  Runtime rt;
  for (auto [type, attach] : {std::pair{ProgType::Tracing, uint32_t(BPF_TRACE_FENTRY)},
                              {ProgType::Tracing, uint32_t(BPF_TRACE_ITER)},
                              {ProgType::Kprobe, 0u},
                              {ProgType::Lsm, uint32_t(BPF_LSM_MAC)},
                              {ProgType::StructOps, 0u}}) {
    auto p = load(rt, type, attach, true);
    EXPECT_TRUE(p.ok()) << prog_type_name(type) << " attach " << attach << ": " << p.error().message();
  }
  // Unset gives a non-sleepable program for every type that may run otherwise.
  auto p = load(rt, ProgType::Xdp, 0, std::nullopt);
  EXPECT_TRUE(p.ok()) << p.error().message();
}

}  // namespace
}  // namespace hostbpf
