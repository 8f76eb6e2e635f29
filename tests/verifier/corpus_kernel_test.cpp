// The verifier corpus differentially, against the running kernel: every
// annotated program of corpus/*.bpf.c is loaded alone into Linux with libbpf,
// and the kernel's verdict and log must match the annotations, which are
// hostbpf's. A program marked __hostbpf_differs("why") is a deliberate
// difference (corpus/DIFFERENCES.md): there the kernel must give the opposite
// verdict, and its log what __kernel_msg says.
//
// Skips cleanly where bpf() is not permitted (not root, or no CAP_BPF).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <iostream>
#include <unistd.h>

#include "corpus_annotations.h"

namespace hostbpf::test {
namespace {

// A rotating kernel log keeps the end (where the rejection is) even when a
// long path does not fit.
constexpr size_t kLogSize = 16 << 20;

int quiet_libbpf(enum libbpf_print_level, const char*, va_list) { return 0; }

// Probes once: can this process load a trivial program?
bool bpf_permitted(std::string* why) {
  static int verdict = [] {
    libbpf_set_print(quiet_libbpf);
    const struct bpf_insn insns[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    const int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "probe", "GPL", insns, 2, nullptr);
    if (fd < 0) return -errno;
    close(fd);
    return 0;
  }();
  if (verdict) *why = std::string("bpf() not permitted here: ") + std::strerror(-verdict);
  return verdict == 0;
}

struct KernelOutcome {
  bool opened = false;
  bool loaded = false;
  int err = 0;
  std::string log;
  std::string why;  // what failed before the verifier ran
};

KernelOutcome load_in_kernel(const CorpusProgram& p) {
  KernelOutcome out;
  struct bpf_object* obj = bpf_object__open_file(p.path.c_str(), nullptr);
  if (!obj) {
    out.why = "bpf_object__open_file: " + std::string(std::strerror(errno));
    return out;
  }
  std::string log(kLogSize, '\0');
  struct bpf_program* prog;
  bool found = false;
  bpf_object__for_each_program(prog, obj) {
    const bool me = p.name == bpf_program__name(prog);
    found |= me;
    bpf_program__set_autoload(prog, me);
    if (!me) continue;
    bpf_program__set_log_buf(prog, log.data(), log.size());
    bpf_program__set_log_level(prog, p.log_level ? p.log_level : 1);
  }
  if (!found) {
    out.why = "no program named " + p.name;
    bpf_object__close(obj);
    return out;
  }
  out.opened = true;
  out.err = bpf_object__load(obj);
  out.loaded = out.err == 0;
  log.resize(std::strlen(log.c_str()));
  out.log = std::move(log);
  bpf_object__close(obj);
  return out;
}

class KernelCorpus : public testing::TestWithParam<CorpusProgram> {};

TEST_P(KernelCorpus, SameVerdictAsHostbpf) {
  std::string why;
  if (!bpf_permitted(&why)) GTEST_SKIP() << why;
  const CorpusProgram& p = GetParam();
  const KernelOutcome k = load_in_kernel(p);
  ASSERT_TRUE(k.opened) << p << ": " << k.why;
  // A failure with an empty log happened before verification (map creation,
  // relocation): that is a broken corpus program, not a verdict.
  ASSERT_TRUE(k.loaded || !k.log.empty()) << p << "\nkernel load failed before verification: "
                                          << std::strerror(-k.err);
  const bool differs = !p.differs.empty();
  const bool expect_kernel_success = differs ? !p.expect_success : p.expect_success;
  ASSERT_EQ(k.loaded, expect_kernel_success)
      << p << "\nthe kernel " << (k.loaded ? "accepted it" : "rejected it") << "; hostbpf is expected to "
      << (p.expect_success ? "accept" : "reject") << (differs ? " (a listed difference)" : "") << "\nkernel log:\n"
      << k.log;
  const auto& msgs = differs ? p.kernel_msgs : p.msgs;
  const int missing = first_missing_msg(k.log, msgs);
  EXPECT_EQ(missing, -1) << p << "\nmissing (in order) from the kernel's log: \"" << msgs[missing < 0 ? 0 : missing]
                         << "\"\nkernel log:\n"
                         << k.log;
  if (differs) std::cout << "  deliberate difference " << p.test_name() << ": " << p.differs << "\n";
}

INSTANTIATE_TEST_SUITE_P(Corpus, KernelCorpus, testing::ValuesIn(corpus()),
                         [](const testing::TestParamInfo<CorpusProgram>& info) { return info.param.test_name(); });

}  // namespace
}  // namespace hostbpf::test
