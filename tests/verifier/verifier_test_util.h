// Shared helpers for the verifier's tests: programs as instruction arrays
// (tests/isa/asm.h builders) run through verify().
#pragma once

#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <string>
#include <vector>

#include "../isa/asm.h"
#include "verifier/verifier.h"

namespace hostbpf::test {

struct VerifyCase {
  Prog prog;
  ProgType prog_type = ProgType::Syscall;
  std::vector<maps::MapSpec> maps;
  int log_level = 1;
  bool allow_uninit_stack = true;
};

inline Result<verifier::VerifyResult> run_verify(const VerifyCase& c) {
  verifier::VerifyInput in;
  in.insns = c.prog;
  in.prog_type = c.prog_type;
  in.maps = c.maps;
  in.log_level = c.log_level;
  in.allow_uninit_stack = c.allow_uninit_stack;
  return verifier::verify(in);
}

inline maps::MapSpec hash_map(uint32_t key_size, uint32_t value_size) {
  maps::MapSpec m;
  m.name = "m";
  m.type = BPF_MAP_TYPE_HASH;
  m.key_size = key_size;
  m.value_size = value_size;
  m.max_entries = 16;
  return m;
}

inline maps::MapSpec ringbuf_map() {
  maps::MapSpec m;
  m.name = "rb";
  m.type = BPF_MAP_TYPE_RINGBUF;
  m.max_entries = 4096;
  return m;
}

inline ::testing::AssertionResult accepted(const VerifyCase& c) {
  auto r = run_verify(c);
  if (r.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "rejected: " << r.error().message() << "\n" << r.error().log();
}

/// Rejected with exactly this message (the first line of the error).
inline ::testing::AssertionResult rejected(const VerifyCase& c, const std::string& msg) {
  auto r = run_verify(c);
  if (r.ok()) return ::testing::AssertionFailure() << "accepted, log:\n" << r->log;
  if (r.error().message() == msg) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "message '" << r.error().message() << "' != '" << msg << "'\n"
                                       << r.error().log();
}

/// Rejected with this line (or lines) somewhere in the log.
inline ::testing::AssertionResult rejected_log(const VerifyCase& c, const std::string& line) {
  auto r = run_verify(c);
  if (r.ok()) return ::testing::AssertionFailure() << "accepted, log:\n" << r->log;
  if (r.error().log().find(line + "\n") != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no '" << line << "' in log:\n" << r.error().log();
}

#define EXPECT_ACCEPTED(...) EXPECT_TRUE(::hostbpf::test::accepted(__VA_ARGS__))
#define EXPECT_REJECTED(...) EXPECT_TRUE(::hostbpf::test::rejected(__VA_ARGS__))
#define EXPECT_REJECTED_LOG(...) EXPECT_TRUE(::hostbpf::test::rejected_log(__VA_ARGS__))

}  // namespace hostbpf::test
