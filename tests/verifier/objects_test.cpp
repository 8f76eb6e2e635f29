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

#include "hostbpf/hostbpf.h"
#include "hostbpf/registrar.h"
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

std::string display_name(const fs::path& path) {
  return path.parent_path().filename().string() + "/" + path.filename().string();
}

// The host functions the project's kfunc-calling objects expect besides the
// built-in library: bench/kfunc.cpp's bench_add.
uint64_t bench_add(uint64_t a, uint64_t b) { return a + b; }

// Objects that call kfuncs need their externs resolved against a host, so
// they go through the public API: each program loaded alone (the others'
// autoload off), as Object::load verifies it.
std::vector<Verdict> load_with_runtime(const fs::path& path) {
  std::vector<Verdict> out;
  Runtime probe;
  auto names = probe.open(path.string());
  if (!names.ok()) return {{display_name(path), "(object)", false, names.error().message(), 0, 0}};
  for (const auto& prog : names->programs()) {
    Runtime rt;
    auto id = rt.host().add("bench_add", &bench_add, 0, {ProgType::Syscall}, {"a", "b"});
    EXPECT_TRUE(id.ok());
    auto obj = rt.open(path.string());
    if (!obj.ok()) return {{display_name(path), prog.name(), false, obj.error().message(), 0, 0}};
    for (auto& p : obj->programs()) EXPECT_FALSE(p.set_autoload(p.name() == prog.name()));
    Error err = obj->load({.log_level = 0});
    Verdict v{display_name(path), prog.name(), !err, "", 0, 0};
    if (err) {
      v.message = err.message() + "\n" + err.log();
    } else {
      const VerifierStats st = obj->program(prog.name())->verifier_stats();
      v.processed = st.processed_insns;
      v.usec = st.time_usec;
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<Verdict> verify_object(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<Verdict> out;
  auto spec = object::parse_object(bytes, path.stem().string());
  if (!spec.ok()) return out;  // parser fixtures that must not parse
  if (!spec->ksyms.empty()) return load_with_runtime(path);
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
    Verdict v{display_name(path), prog.name, r.ok(), "", 0, 0};
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
