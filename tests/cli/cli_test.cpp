// The hostbpf command line as a user drives it: output, exit codes, errors, and
// the bpf_conformance plugin protocol over all of the suite's programs.
#include <gtest/gtest.h>

#include "run_cli.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace {

const std::string kHello = std::string(HOSTBPF_EXAMPLES_DIR) + "/hello.bpf.o";
// Ethernet (IPv4) + IPv4 (UDP) + UDP header.
const std::string kUdpPacket =
    "ffffffffffff020000000001" "0800"
    "4500001c000000004011000a0a0000010a000002"
    "303900350008" "0000";

TEST(Cli, RunPrintsJsonObject) {
  Outcome o = run_cli("prog run " + kHello + " --prog count_packet --data-hex " + kUdpPacket + " --repeat 10 --json");
  ASSERT_EQ(o.status, 0) << o.err;
  std::regex re(R"(\{"prog":"count_packet","retval":2,"duration_ns":\d+,"repeat":10\}\n)");
  EXPECT_TRUE(std::regex_match(o.out, re)) << o.out;
}

TEST(Cli, RunHumanOutputNamesXdpAction) {
  Outcome o = run_cli("prog run " + kHello + " --prog count_packet --data-hex " + kUdpPacket);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("prog 'count_packet' (xdp): retval 2 (XDP_PASS)"), std::string::npos) << o.out;
}

TEST(Cli, TracePrintkReachesStdout) {
  Outcome o = run_cli("prog run " + kHello + " --prog hello --repeat 3");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("bpf_trace_printk: hello from hostbpf, greeting #1\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("bpf_trace_printk: hello from hostbpf, greeting #3\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("retval 3,"), std::string::npos) << o.out;
}

TEST(Cli, MapDumpAfterRunShowsCounts) {
  Outcome o = run_cli("map dump " + kHello + " counters --after count_packet --repeat 5 --data-hex " + kUdpPacket);
  ASSERT_EQ(o.status, 0) << o.err;
  // key {eth_proto=0x0800, ip_proto=17}: 5 packets
  EXPECT_NE(o.out.find("key: 00 08 11 00  value: 05 00 00 00 00 00 00 00\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Found 1 element\n"), std::string::npos) << o.out;
}

TEST(Cli, MapDumpGlobalDataBySectionName) {
  Outcome o = run_cli("map dump " + kHello + " .bss");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("key: 00 00 00 00  value: 00 00 00 00 00 00 00 00\n"), std::string::npos) << o.out;
}

TEST(Cli, ProgDumpUsesKernelSyntaxAndSourceLines) {
  Outcome o = run_cli("prog dump " + kHello + " --prog hello");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("(85) call bpf_trace_printk#6"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("(95) exit"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("@ hello.bpf.c:"), std::string::npos) << o.out;
}

TEST(Cli, BtfDumpRawAndC) {
  Outcome raw = run_cli("btf dump file " + kHello + " --format raw");
  ASSERT_EQ(raw.status, 0) << raw.err;
  EXPECT_NE(raw.out.find("STRUCT 'flow_key' size=4 vlen=3"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("FUNC 'count_packet' type_id="), std::string::npos) << raw.out;
  Outcome c = run_cli("btf dump file " + kHello + " --format c");
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_NE(c.out.find("struct flow_key {"), std::string::npos) << c.out;
}

TEST(Cli, ErrorsNameTheProblem) {
  Outcome missing = run_cli("prog run /nonexistent/x.bpf.o");
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.err.find("/nonexistent/x.bpf.o"), std::string::npos) << missing.err;

  Outcome ambiguous = run_cli("prog run " + kHello);
  EXPECT_NE(ambiguous.status, 0);
  EXPECT_NE(ambiguous.err.find("choose one with --prog"), std::string::npos) << ambiguous.err;

  Outcome noprog = run_cli("prog run " + kHello + " --prog nope");
  EXPECT_NE(noprog.status, 0);
  EXPECT_NE(noprog.err.find("has no program 'nope'"), std::string::npos) << noprog.err;

  Outcome badhex = run_cli("prog run " + kHello + " --prog count_packet --data-hex 0g");
  EXPECT_NE(badhex.status, 0);
  EXPECT_NE(badhex.err.find("--data-hex"), std::string::npos) << badhex.err;

  Outcome shortpkt = run_cli("prog run " + kHello + " --prog count_packet --data-hex 0011");
  EXPECT_NE(shortpkt.status, 0);
  EXPECT_NE(shortpkt.err.find("at least 14 bytes"), std::string::npos) << shortpkt.err;

  Outcome nomap = run_cli("map dump " + kHello + " nomap");
  EXPECT_NE(nomap.status, 0);
  EXPECT_NE(nomap.err.find("has no map 'nomap'"), std::string::npos) << nomap.err;

  Outcome notelf = run_cli("prog run " + std::string(HOSTBPF_CLI));  // an x86-64 ELF, not BPF
  EXPECT_NE(notelf.status, 0);
  EXPECT_FALSE(notelf.err.empty());

  Outcome badarg = run_cli("prog run " + kHello + " --repeat 0");
  EXPECT_NE(badarg.status, 0);
}

// ---- prog verify ----

const std::string kVerifyObj = std::string(HOSTBPF_TEST_BINARY_DIR) + "/verify.bpf.o";

TEST(CliVerify, AcceptedProgramExitsZeroWithStatistics) {
  Outcome o = run_cli("prog verify " + kVerifyObj + " --prog checked");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_TRUE(std::regex_search(o.out, std::regex(R"(prog 'checked' \(syscall\): accepted, processed \d+ insns)")))
      << o.out;
  EXPECT_EQ(o.out.find("unchecked"), std::string::npos) << o.out;
}

TEST(CliVerify, LogLevel2PrintsEveryInstructionAndTheKernelsSummary) {
  Outcome o = run_cli("prog verify " + kVerifyObj + " --prog checked --log-level 2");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("call bpf_map_lookup_elem#1"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("; if (!v) return 0; @ verify.bpf.c:"), std::string::npos) << o.out;
  EXPECT_TRUE(std::regex_search(o.out, std::regex(R"(processed \d+ insns \(limit 1000000\) max_states_per_insn)")))
      << o.out;
}

TEST(CliVerify, RejectedProgramPrintsTheKernelsMessageAndLog) {
  Outcome o = run_cli("prog verify " + kVerifyObj + " --prog unchecked");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("R0 invalid mem access 'map_value_or_null'"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("prog 'unchecked'"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("; return (int)*v;  // v may be NULL @ verify.bpf.c:25"), std::string::npos) << o.err;
}

TEST(CliVerify, EveryLoadIsVerifiedUnlessExplicitlyUnsafe) {
  // prog run verifies too (the ?syscall program is autoloaded when chosen).
  Outcome run = run_cli("prog verify " + kVerifyObj);
  EXPECT_EQ(run.status, 0) << run.err;  // '?' sections are not autoloaded
  Outcome bad_level = run_cli("prog verify " + kVerifyObj + " --log-level 3");
  EXPECT_NE(bad_level.status, 0);
  Outcome unsafe = run_cli("--unsafe-skip-verification prog run " + kHello + " --prog hello");
  EXPECT_EQ(unsafe.status, 0) << unsafe.err;
  EXPECT_NE(unsafe.err.find("loading without the verifier"), std::string::npos) << unsafe.err;
}

// ---- the conformance suite through the plugin protocol ----

std::string suite_hex(const std::string& compact) {
  std::string s;
  for (size_t i = 0; i + 1 < compact.size(); i += 2) s += compact.substr(i, 2) + "  ";
  return s;
}

std::string json_field(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":\"";
  size_t p = line.find(k);
  if (p == std::string::npos) return {};
  p += k.size();
  return line.substr(p, line.find('"', p) - p);
}

TEST(CliConformance, EveryProgramOfTheSuite) {
  std::ifstream in(std::string(HOSTBPF_CONFORMANCE_DIR) + "/tests_assembled.jsonl");
  if (!in) GTEST_SKIP() << "conformance data not found at " HOSTBPF_CONFORMANCE_DIR;
  std::string line;
  int passed = 0, total = 0;
  while (std::getline(in, line)) {
    total++;
    const std::string name = json_field(line, "name");
    const std::string mem = json_field(line, "mem_hex");
    std::string expected = json_field(line, "expected_r0");
    uint64_t want = expected.find("0x") != std::string::npos ? std::stoull(expected, nullptr, 16)
                                                             : static_cast<uint64_t>(std::stoll(expected));
    Outcome o = run_cli("conformance " + (mem.empty() ? std::string() : "'" + suite_hex(mem) + "'"),
                        suite_hex(json_field(line, "program_hex")));
    if (o.status != 0) {
      ADD_FAILURE() << name << ": exit " << o.status << ": " << o.err;
      continue;
    }
    uint64_t got = std::stoull(o.out, nullptr, 16);
    if (got != want) {
      ADD_FAILURE() << name << ": r0 = 0x" << std::hex << got << ", expected 0x" << want;
      continue;
    }
    passed++;
  }
  EXPECT_EQ(total, 313);
  EXPECT_EQ(passed, total);
}

TEST(CliConformance, MustRejectProgramsFail) {
  const std::filesystem::path dir = std::string(HOSTBPF_CONFORMANCE_DIR) + "/must-reject";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "conformance data not found at " << dir;
  int rejected = 0, total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    // The instructions are the lines of the "-- raw" section.
    std::string line, hex;
    bool raw = false;
    while (std::getline(in, line)) {
      if (line.rfind("--", 0) == 0) {
        raw = line.find("raw") != std::string::npos;
        continue;
      }
      if (raw && !line.empty() && line[0] != '#') hex += line + " ";
    }
    total++;
    Outcome o = run_cli("conformance", hex);
    if (o.status != 0 && !o.err.empty()) rejected++;
    else ADD_FAILURE() << entry.path().filename() << " was accepted: " << o.out;
  }
  EXPECT_EQ(total, 45);
  EXPECT_EQ(rejected, total);
}

}  // namespace

// ---- modules and the host's BTF ----

const std::string kTestmod = TESTMOD_SO;

TEST(CliBtf, HostHeaderHasStandardTypesAndKfuncPrototypes) {
  Outcome c = run_cli("btf dump host --format c");
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(c.out.rfind("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n", 0), 0u) << c.out.substr(0, 200);
  EXPECT_NE(c.out.find("typedef unsigned int __u32;"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("struct xdp_md {"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("#ifndef BPF_NO_KFUNC_PROTOTYPES"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("extern struct bpf_cpumask *bpf_cpumask_create(void) __weak __ksym;"), std::string::npos)
      << c.out;
  EXPECT_NE(c.out.find("#endif /* __VMLINUX_H__ */\n"), std::string::npos) << c.out;

  Outcome raw = run_cli("btf dump host");
  ASSERT_EQ(raw.status, 0) << raw.err;
  EXPECT_NE(raw.out.find("[1] "), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("STRUCT 'xdp_md' size=24 vlen=6"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("FUNC 'bpf_cpumask_create' type_id="), std::string::npos) << raw.out;
}

TEST(CliBtf, ModuleHeaderStandsAloneWithItsKfuncs) {
  Outcome c = run_cli("btf dump module " + kTestmod + " --format c");
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_NE(c.out.find("#ifndef __TESTMOD_BTF_H__"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("struct testmod_obj {"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("struct xdp_md {"), std::string::npos) << c.out;  // the host's types too
  EXPECT_NE(c.out.find("extern struct testmod_obj *testmod_obj_new(long int value) __weak __ksym;"),
            std::string::npos)
      << c.out;
  EXPECT_NE(c.out.find("extern long int testmod_scale(long int v, int factor__k) __weak __ksym;"), std::string::npos)
      << c.out;

  // Raw: only the module's own types, with ids after the host's.
  Outcome raw = run_cli("btf dump module " + kTestmod + " --format raw");
  ASSERT_EQ(raw.status, 0) << raw.err;
  EXPECT_NE(raw.out.find("STRUCT 'testmod_obj' size=16 vlen=3"), std::string::npos) << raw.out;
  EXPECT_NE(raw.out.find("FUNC 'testmod_obj_release' type_id="), std::string::npos) << raw.out;
  EXPECT_EQ(raw.out.find("'xdp_md'"), std::string::npos) << raw.out;
  EXPECT_EQ(raw.out.find("[1] "), std::string::npos) << raw.out;
}

TEST(CliBtf, BadModulePathIsNamed) {
  Outcome o = run_cli("btf dump module /nonexistent/mod.so --format c");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("hostbpf: module /nonexistent/mod.so: cannot open: No such file or directory"),
            std::string::npos)
      << o.err;
  Outcome notmod = run_cli("btf dump module " + std::string(HOSTBPF_CLI));  // an executable, not a module
  EXPECT_EQ(notmod.status, 1);
  EXPECT_NE(notmod.err.find(std::string("module ") + HOSTBPF_CLI), std::string::npos) << notmod.err;
}

TEST(CliModule, VerifyAndRunLoadModulesFirst) {
  Outcome v = run_cli("prog verify " + kVerifyObj + " --prog checked --module " + kTestmod);
  EXPECT_EQ(v.status, 0) << v.err;
  EXPECT_NE(v.out.find("prog 'checked' (syscall): accepted"), std::string::npos) << v.out;

  Outcome r = run_cli("prog run " + kHello + " --prog hello --module " + kTestmod);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("retval 1,"), std::string::npos) << r.out;

  // The same module twice is refused by name.
  Outcome twice = run_cli("prog verify " + kVerifyObj + " --module " + kTestmod + " --module " + kTestmod);
  EXPECT_EQ(twice.status, 1);
  EXPECT_NE(twice.err.find("a module named 'testmod' is already loaded"), std::string::npos) << twice.err;
}

TEST(CliModule, BadModulePathFailsBeforeTheObject) {
  for (const char* cmd : {"prog verify ", "prog run "}) {
    Outcome o = run_cli(std::string(cmd) + kVerifyObj + " --module /nonexistent/mod.so");
    EXPECT_EQ(o.status, 1) << cmd;
    EXPECT_NE(o.err.find("hostbpf: module /nonexistent/mod.so: cannot open: No such file or directory"),
              std::string::npos)
        << o.err;
    EXPECT_EQ(o.out, "");
  }
}

TEST(CliModule, HelpDescribesModulesAndHostBtf) {
  Outcome run = run_cli("prog run --help");
  EXPECT_NE(run.out.find("--module SO"), std::string::npos) << run.out;
  Outcome dump = run_cli("btf dump --help");
  EXPECT_NE(dump.out.find("host"), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find("module"), std::string::npos) << dump.out;
}

// The whole path a module's user takes: the header from `btf dump module`,
// a program calling the module's kfuncs, `prog run --module`.
TEST(CliModule, ProgramCallsModuleKfuncsThroughTheDumpedHeader) {
  const std::string obj = std::string(HOSTBPF_TEST_BINARY_DIR) + "/use_testmod.bpf.o";
  Outcome r = run_cli("prog run " + obj + " --module " + kTestmod);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("prog 'use_testmod' (syscall): retval 40,"), std::string::npos) << r.out;

  Outcome v = run_cli("prog verify " + obj + " --module " + kTestmod);
  EXPECT_EQ(v.status, 0) << v.err;

  // Without the module its kfuncs do not exist.
  Outcome missing = run_cli("prog run " + obj);
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("kfunc 'testmod_obj_new' is referenced but wasn't resolved"), std::string::npos)
      << missing.err;
}
