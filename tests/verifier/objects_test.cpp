// Every BPF object the project builds, through verify(): the runnable ones
// (integration tests, examples, benchmarks) must all be accepted. The parser
// fixtures of tests/object are verified too and their verdicts reported.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "object/object_spec.h"
#include "verifier/verifier.h"

namespace hostbpf::test {
namespace {

namespace fs = std::filesystem;

#ifndef HOSTBPF_BUILD_ROOT
#error "HOSTBPF_BUILD_ROOT must name the build directory"
#endif

bool gpl_compatible(const std::string& license) {
  for (const char* l : {"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"})
    if (license == l) return true;
  return false;
}

struct Verdict {
  std::string object, program;
  bool accepted;
  std::string message;
  uint32_t processed;
  uint64_t usec;
};

std::vector<Verdict> verify_object(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<Verdict> out;
  auto spec = object::parse_object(bytes, path.stem().string());
  if (!spec.ok()) return out;  // parser fixtures that must not parse
  std::vector<maps::MapSpec> map_specs;
  for (const auto& m : spec->maps) {
    maps::MapSpec s = m.spec;
    if (m.read_only) s.map_flags |= BPF_F_RDONLY_PROG;
    map_specs.push_back(s);
  }
  for (const auto& prog : spec->programs) {
    verifier::VerifyInput in;
    in.insns = prog.insns;
    in.prog_type = prog.prog_type;
    in.expected_attach_type = prog.expected_attach_type;
    in.maps = map_specs;
    in.line_info = prog.line_info;
    in.func_info = prog.func_info;
    in.btf = spec->btf.get();
    in.gpl_compatible = gpl_compatible(spec->license);
    in.log_level = 0;  // timed without a log; a rejection is re-run for its log
    auto r = verifier::verify(in);
    if (!r.ok()) {
      in.log_level = 1;
      r = verifier::verify(in);
    }
    Verdict v{path.parent_path().filename().string() + "/" + path.filename().string(), prog.name, r.ok(), "", 0, 0};
    if (r.ok()) {
      v.processed = r->stats.processed_insns;
      v.usec = r->stats.time_usec;
    }
    else v.message = r.error().message() + "\n" + r.error().log();
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<fs::path> objects_under(const std::string& dir) {
  std::vector<fs::path> out;
  const fs::path root = fs::path(HOSTBPF_BUILD_ROOT) / dir;
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().string().ends_with(".bpf.o")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void expect_all_accepted(const std::string& dir) {
  const auto objs = objects_under(dir);
  ASSERT_FALSE(objs.empty()) << "no BPF objects under " << dir;
  for (const auto& o : objs) {
    for (const auto& v : verify_object(o)) {
      EXPECT_TRUE(v.accepted) << v.object << " prog " << v.program << " rejected: " << v.message;
      if (v.accepted)
        std::cout << "  accepted " << v.object << " " << v.program << " (" << v.processed << " insns, " << v.usec
                  << " usec)\n";
    }
  }
}

TEST(VerifierObjects, IntegrationProgramsAccepted) { expect_all_accepted("tests/integration"); }
TEST(VerifierObjects, ExamplesAccepted) { expect_all_accepted("examples"); }
#ifdef HOSTBPF_HAVE_BENCH_OBJECTS
TEST(VerifierObjects, BenchmarksAccepted) { expect_all_accepted("bench"); }
#endif

// The parser fixtures: printed for the report (some use kfuncs or struct_ops
// contexts that later issues verify).
TEST(VerifierObjects, ParserFixturesReport) {
  for (const auto& o : objects_under("tests/object"))
    for (const auto& v : verify_object(o))
      std::cout << (v.accepted ? "  accepted " : "  rejected ") << v.object << " " << v.program
                << (v.accepted ? "" : ": " + v.message.substr(0, v.message.find('\n'))) << "\n";
}

}  // namespace
}  // namespace hostbpf::test
