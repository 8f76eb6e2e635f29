// The bpf_conformance suite (../shared/conformance, see its README) against
// isa::validate_program and the interpreter: every positive test must validate
// (cpu v4, callx allowed, and also at the cpu version it declares), run and
// return its expected r0; every must-reject program must fail validation with a
// reserved-field error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "exec/executable.h"
#include "../exec/prepare_util.h"
#include "isa/validate.h"

namespace hostbpf {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = HOSTBPF_CONFORMANCE_DIR;

// ---- a tiny reader for the suite's flat JSON objects (strings and numbers only) ----

std::map<std::string, std::string> parse_flat_json(const std::string& line) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
  };
  auto read_string = [&]() -> std::string {
    std::string s;
    ++i;  // opening quote
    while (i < line.size() && line[i] != '"') {
      char c = line[i++];
      if (c == '\\' && i < line.size()) {
        char e = line[i++];
        switch (e) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case 'u': c = '?', i += 4; break;  // not used by the suite's fields we read
          default: c = e;
        }
      }
      s += c;
    }
    ++i;  // closing quote
    return s;
  };
  skip_ws();
  if (i >= line.size() || line[i] != '{') return out;
  ++i;
  while (i < line.size()) {
    skip_ws();
    if (line[i] == '}') break;
    if (line[i] == ',') {
      ++i;
      continue;
    }
    std::string key = read_string();
    skip_ws();
    ++i;  // ':'
    skip_ws();
    std::string value;
    if (line[i] == '"') {
      value = read_string();
    } else {
      while (i < line.size() && line[i] != ',' && line[i] != '}') value += line[i++];
    }
    out[key] = value;
  }
  return out;
}

std::vector<uint8_t> parse_hex(const std::string& hex) {
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

std::vector<isa::Insn> to_insns(const std::vector<uint8_t>& bytes) {
  std::vector<isa::Insn> insns(bytes.size() / sizeof(isa::Insn));
  std::memcpy(insns.data(), bytes.data(), insns.size() * sizeof(isa::Insn));
  return insns;
}

// gtest parameter names: letters, digits and '_' only, unique.
std::string param_name(const std::string& file, std::set<std::string>& used) {
  std::string n = file.substr(0, file.rfind(".data"));
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  std::string unique = n;
  for (int k = 2; !used.insert(unique).second; ++k) unique = n + "_" + std::to_string(k);
  return unique;
}

// ---- positive tests ----

struct Case {
  std::string name;  // gtest-safe
  std::string file;
  std::string cpu;
  std::vector<isa::Insn> insns;
  std::vector<uint8_t> mem;
  std::string expected_r0;
  std::string expected_error;
};

// gtest prints the case by its name, not as raw bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.file; }

std::vector<Case> load_cases() {
  std::vector<Case> cases;
  std::ifstream in(kDir / "tests_assembled.jsonl");
  if (!in) return {Case{"conformance_data_missing"}};
  std::set<std::string> used;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = parse_flat_json(line);
    Case c;
    c.file = j["name"];
    c.name = param_name(c.file, used);
    c.cpu = j["cpu_version"];
    c.insns = to_insns(parse_hex(j["program_hex"]));
    c.mem = parse_hex(j["mem_hex"]);
    c.expected_r0 = j["expected_r0"];
    c.expected_error = j["expected_error"];
    cases.push_back(std::move(c));
  }
  return cases;
}

uint64_t parse_expected(const std::string& s) {
  if (s.find("0x") != std::string::npos) return std::stoull(s, nullptr, 16);
  return static_cast<uint64_t>(std::stoll(s, nullptr, 10));
}

// uBPF's "unwind" helper, which the suite calls as helper 5: returns r1, and
// stops the program (returning 0) when r1 is 0.
uint64_t unwind(uint64_t r1, uint64_t, uint64_t, uint64_t, uint64_t) {
  if (r1 == 0) exec::request_exit(0);
  return r1;
}

class Conformance : public testing::TestWithParam<Case> {};

TEST_P(Conformance, Runs) {
  const Case& c = GetParam();
  if (c.file.empty()) GTEST_SKIP() << "conformance data not found at " << kDir << " (a checkout outside the workplace)";

  isa::ValidateOptions vopts;
  vopts.cpu = isa::CpuVersion::v4;
  vopts.allow_callx = true;
  Error verr = isa::validate_program(c.insns, vopts);

  test::PrepareSpec popts;
  popts.exec.name = c.file;
  popts.exec.allow_callx = true;
  popts.exec.helper_overrides.push_back({5, &unwind});
  if (!c.expected_error.empty()) {
    // A test that expects an error passes when loading refuses the program.
    if (verr) return;
    EXPECT_FALSE(test::prepare(c.insns, popts).ok()) << "expected error: " << c.expected_error;
    return;
  }
  ASSERT_FALSE(verr) << verr.message();

  // The program must also be valid at the cpu version it declares.
  const int declared = c.cpu.size() == 2 ? c.cpu[1] - '0' : 4;
  vopts.cpu = static_cast<isa::CpuVersion>(declared);
  Error cpu_err = isa::validate_program(c.insns, vopts);
  EXPECT_FALSE(cpu_err) << "at " << c.cpu << ": " << cpu_err.message();

  auto prog = test::prepare(c.insns, popts);
  ASSERT_TRUE(prog.ok()) << prog.error().message();
  std::vector<uint8_t> mem = c.mem;  // the program may write to its copy
  const uint64_t r1 = mem.empty() ? 0 : reinterpret_cast<uint64_t>(mem.data());
  const uint64_t r0 = (*prog)->run(r1, mem.size());
  EXPECT_EQ(r0, parse_expected(c.expected_r0)) << std::hex << "r0 = 0x" << r0 << ", expected " << c.expected_r0;
}

INSTANTIATE_TEST_SUITE_P(conformance, Conformance, testing::ValuesIn(load_cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

// ---- must-reject programs ----

struct RejectCase {
  std::string name;
  std::string file;
  std::vector<isa::Insn> insns;
};

// gtest prints the case by its name, not as raw bytes.
void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.file; }

// One instruction per line as 8 hex bytes ("07 00 01 00 01 00 00 00"); comments
// and section markers are skipped.
std::vector<isa::Insn> read_raw_program(const fs::path& path) {
  std::ifstream in(path);
  std::vector<uint8_t> bytes;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line.rfind("--", 0) == 0) continue;
    std::istringstream ss(line);
    std::vector<uint8_t> row;
    for (std::string tok; ss >> tok;) row.push_back(static_cast<uint8_t>(std::stoul(tok, nullptr, 16)));
    if (row.size() == 8) bytes.insert(bytes.end(), row.begin(), row.end());
  }
  return to_insns(bytes);
}

std::vector<RejectCase> load_rejects() {
  const fs::path dir = kDir / "must-reject";
  if (!fs::is_directory(dir)) return {RejectCase{"conformance_data_missing"}};
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".data") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<RejectCase> out;
  std::set<std::string> used;
  for (const auto& f : files) {
    const std::string file = f.filename().string();
    out.push_back({param_name(file, used), file, read_raw_program(f)});
  }
  return out;
}

class MustReject : public testing::TestWithParam<RejectCase> {};

TEST_P(MustReject, IsRejected) {
  const RejectCase& c = GetParam();
  if (c.file.empty()) GTEST_SKIP() << "conformance data not found at " << kDir;
  ASSERT_FALSE(c.insns.empty()) << "no instructions read from " << c.file;
  isa::ValidateOptions opts;
  opts.cpu = isa::CpuVersion::v4;
  opts.allow_callx = true;
  Error err = isa::validate_program(c.insns, opts);
  ASSERT_TRUE(err) << c.file << " was accepted";
  EXPECT_EQ(err.code(), -EINVAL);
  // Each of these sets exactly one reserved field of an otherwise valid insn.
  EXPECT_NE(err.message().find("uses reserved fields"), std::string::npos) << err.message();
}

INSTANTIATE_TEST_SUITE_P(conformance, MustReject, testing::ValuesIn(load_rejects()),
                         [](const testing::TestParamInfo<RejectCase>& info) { return info.param.name; });

}  // namespace
}  // namespace hostbpf
