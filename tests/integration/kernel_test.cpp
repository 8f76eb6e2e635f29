// The kernel as oracle. First every scenario runs against Linux with the same
// hard-coded expectations the hostbpf instantiation checks, which proves those
// numbers are what Linux returns. Then the differential test runs each scenario
// on both and compares everything the scenario recorded: retvals (low 32 bits,
// as the kernel reports them), ctx_out/data_out, map contents and globals.
// Scenarios record only what is comparable across the two: per-CPU values as
// sums and counts (hostbpf has max(64, hw threads) possible CPUs), and times,
// random numbers and CPU ids as properties.
#include <gtest/gtest-spi.h>

#include <cstdio>
#include <sstream>

#include "harness.h"

namespace integration {
namespace {

INSTANTIATE_TEST_SUITE_P(Kernel, Integration, testing::Values(BackendKind::Kernel),
                         [](const auto& info) { return std::string(backend_name(info.param)); });

std::string show(const Bytes& b) {
  if (b.size() == 4) return std::to_string(from_bytes<int32_t>(b));
  if (b.size() == 8) return std::to_string(from_bytes<int64_t>(b));
  std::string s;
  char buf[4];
  for (size_t i = 0; i < b.size(); i++) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    s += buf;
    if (i % 4 == 3 && i + 1 < b.size()) s += ' ';
  }
  return s.empty() ? "(empty)" : s;
}

/// Runs a scenario with its expectations muted: here only the transcript counts.
/// Returns how many expectations failed.
int run_quietly(const Scenario& s, Harness& h) {
  testing::TestPartResultArray results;
  {
    testing::ScopedFakeTestPartResultReporter quiet(
        testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    s.fn(h);
  }
  int failed = 0;
  for (int i = 0; i < results.size(); i++) failed += results.GetTestPartResult(i).failed();
  return failed;
}

class Differential : public testing::TestWithParam<Scenario> {};

TEST_P(Differential, SameAsKernel) {
  const Scenario& s = GetParam();
  Harness kernel(BackendKind::Kernel);
  const int kernel_failures = run_quietly(s, kernel);
  if (kernel.skipped()) GTEST_SKIP() << kernel.skip_reason();
  Harness host(BackendKind::Hostbpf);
  const int host_failures = run_quietly(s, host);

  const auto& k = kernel.transcript();
  const auto& o = host.transcript();
  std::ostringstream diff;
  int mismatches = 0;
  for (const auto& [what, kv] : k) {
    auto it = o.find(what);
    if (it == o.end())
      diff << "  " << what << ": kernel " << show(kv) << ", hostbpf recorded nothing\n";
    else if (it->second != kv)
      diff << "  " << what << ": kernel " << show(kv) << ", hostbpf " << show(it->second) << "\n";
    else
      continue;
    mismatches++;
  }
  for (const auto& [what, ov] : o) {
    if (k.count(what)) continue;
    diff << "  " << what << ": hostbpf " << show(ov) << ", kernel recorded nothing\n";
    mismatches++;
  }
  EXPECT_EQ(mismatches, 0) << "scenario " << s.name << " (" << k.size() << " kernel observations, "
                           << kernel_failures << " kernel / " << host_failures
                           << " hostbpf expectation failures):\n"
                           << diff.str();
  EXPECT_GT(k.size(), 0u) << "the scenario recorded nothing";
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Differential, testing::ValuesIn(scenarios()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace integration
