// The records' execution contexts against the running kernel: every program
// type, with every expected attach type its sections name (and 0), loaded
// sleepable and not. Where Linux refuses the load with one of its sleepable
// messages, check_exec_context refuses it with the same message; where
// Linux's log has neither (it loaded the program, or refused it later for
// something else, such as a missing attach target), check_exec_context
// accepts. A load Linux refuses before its verifier runs (no log) decides
// nothing and is not compared.
//
// Skips cleanly where bpf() is not permitted (not root, or no CAP_BPF).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "kernel_load.h"
#include "prog_types/prog_type_ops.h"

namespace hostbpf::prog_types {
namespace {

constexpr std::string_view kMustSleep = "programs can only be sleepable";
constexpr std::string_view kCannotSleep =
    "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable";

// The kernel's sleepable message in `log`, or "" when it has none.
std::string sleepable_message(const std::string& log) {
  for (size_t from = 0; from < log.size();) {
    const size_t end = log.find('\n', from);
    const std::string line = log.substr(from, end == std::string::npos ? std::string::npos : end - from);
    if (line.find(kMustSleep) != std::string::npos || line == kCannotSleep) return line;
    if (end == std::string::npos) break;
    from = end + 1;
  }
  return "";
}

TEST(ExecContextKernel, SleepableRulesAsTheKernelDecides) {
  if (!kernel_loads_programs()) GTEST_SKIP() << "bpf() not permitted here";
  size_t compared = 0, refused_by_both = 0;
  std::set<ProgType> sleepable_types, reached_sleepable;
  for (const ProgTypeOps* t : all()) {
    if (t->type == ProgType::Unspec) continue;
    std::set<uint32_t> attach_types = {0};
    for (const SectionDef& d : t->sections) attach_types.insert(d.expected_attach_type);
    for (uint32_t attach : attach_types) {
      for (bool sleepable : {false, true}) {
        SCOPED_TRACE(std::string(t->name) + " attach " + std::to_string(attach) +
                     (sleepable ? " sleepable" : " not sleepable"));
        const KernelLoad k = kernel_load(t->type, attach, sleepable, ret0_program());
        if (k.err != 0 && k.log.empty()) continue;
        const std::string kernel = sleepable_message(k.log);
        const Error ours = check_exec_context(*t, attach, sleepable);
        EXPECT_EQ(ours ? ours.message() : "", kernel) << "kernel log:\n" << k.log;
        if (ours && !kernel.empty()) refused_by_both++;
        if (sleepable) reached_sleepable.insert(t->type);
        if (sleepable && !ours) sleepable_types.insert(t->type);
        compared++;
      }
    }
  }
  // Most types reach the kernel's verifier, both ways. Some do not: without
  // an attach target Linux 6.18 refuses lsm, ext and fentry/fexit/fmod_ret
  // with -EPERM, and a few networking types with -EINVAL, before verifying
  // (tracing still arrives through tp_btf and iter). Most are refused
  // sleepable by both; and of the types reached, those allowed to sleep are
  // the kernel's list (its message names them: kprobe for uprobes).
  EXPECT_GE(compared, 2 * (kNumProgTypes - 2));
  EXPECT_GE(refused_by_both, kNumProgTypes - 7);
  std::set<ProgType> expected;
  for (ProgType t : {ProgType::Kprobe, ProgType::Tracing, ProgType::Lsm, ProgType::StructOps, ProgType::Syscall})
    if (reached_sleepable.count(t)) expected.insert(t);
  EXPECT_EQ(sleepable_types, expected);
  EXPECT_GE(expected.size(), 4u);
}

}  // namespace
}  // namespace hostbpf::prog_types
