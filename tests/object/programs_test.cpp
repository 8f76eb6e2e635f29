// Programs: sections and types, subprogram linking, callbacks, func/line info.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "test_elf.h"

namespace hostbpf::object::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;

class MultiObject : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = read_object("multi.bpf.o");
    auto r = parse_object(bytes_, "multi.bpf.o");
    ASSERT_TRUE(r.ok()) << r.error().message();
    obj_ = std::move(*r);
  }

  // Names of the functions a program holds, in the order they were laid out.
  std::vector<std::string> function_names(const ProgramSpec& p) {
    std::vector<std::string> names;
    for (const FuncInfo& fi : p.func_info)
      names.push_back(btf__name_by_offset(obj_.btf.get(), btf__type_by_id(obj_.btf.get(), fi.type_id)->name_off));
    return names;
  }

  std::vector<uint8_t> bytes_;
  ObjectSpec obj_;
};

TEST_F(MultiObject, NameLicenseVersion) {
  EXPECT_EQ(obj_.name, "multi");
  EXPECT_EQ(obj_.license, "Dual BSD/GPL");
  EXPECT_EQ(obj_.kern_version, 0x060100u);
  EXPECT_TRUE(obj_.btf);
  EXPECT_TRUE(obj_.maps.empty());
}

TEST_F(MultiObject, ProgramsInSectionOrderWithTheirTypes) {
  struct Want {
    const char* name;
    const char* section;
    ProgType type;
    uint32_t attach;
    bool sleepable;
    const char* target;
  };
  const Want want[] = {
      {"xdp_one", "xdp", ProgType::Xdp, BPF_XDP, false, ""},
      {"xdp_two", "xdp", ProgType::Xdp, BPF_XDP, false, ""},
      {"sys_loop", "syscall", ProgType::Syscall, 0, true, ""},
      {"tc_prog", "tc", ProgType::SchedCls, 0, false, ""},
      {"cls_prog", "classifier", ProgType::SchedCls, 0, false, ""},
      {"tcx_prog", "tcx/ingress", ProgType::SchedCls, 46 /* BPF_TCX_INGRESS */, false, ""},
      {"sock_prog", "socket", ProgType::SocketFilter, 0, false, ""},
      {"fentry_prog", "fentry/do_work", ProgType::Tracing, BPF_TRACE_FENTRY, false, "do_work"},
      {"fexit_prog", "fexit/do_work", ProgType::Tracing, BPF_TRACE_FEXIT, false, "do_work"},
      {"fmod_prog", "fmod_ret/do_work", ProgType::Tracing, BPF_MODIFY_RETURN, false, "do_work"},
      {"fentry_s_prog", "fentry.s/do_sleep", ProgType::Tracing, BPF_TRACE_FENTRY, true, "do_sleep"},
      {"tp_btf_prog", "tp_btf/sched_switch", ProgType::Tracing, BPF_TRACE_RAW_TP, false, "sched_switch"},
      {"ops_abc", "struct_ops/abc", ProgType::StructOps, 0, false, "abc"},
      {"ops_def", "struct_ops.s/def", ProgType::StructOps, 0, true, "def"},
      {"perf_prog", "perf_event", ProgType::PerfEvent, 0, false, ""},
      {"tp_prog", "tp/sched/sched_switch", ProgType::Tracepoint, 0, false, "sched/sched_switch"},
      {"raw_tp_prog", "raw_tp/sys_enter", ProgType::RawTracepoint, 0, false, "sys_enter"},
      {"kprobe_prog", "kprobe/do_exit", ProgType::Kprobe, 0, false, "do_exit"},
      {"xdp_manual", "?xdp", ProgType::Xdp, BPF_XDP, false, ""},
  };
  ASSERT_EQ(obj_.programs.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); i++) {
    const ProgramSpec& p = obj_.programs[i];
    SCOPED_TRACE(want[i].name);
    EXPECT_EQ(p.name, want[i].name);
    EXPECT_EQ(p.section, want[i].section);
    EXPECT_EQ(p.prog_type, want[i].type);
    EXPECT_EQ(p.expected_attach_type, want[i].attach);
    EXPECT_EQ(p.sleepable, want[i].sleepable);
    EXPECT_EQ(p.attach_target, want[i].target);
    EXPECT_EQ(p.autoload, p.name != "xdp_manual");
  }
}

TEST_F(MultiObject, SubprogramsAreNotPrograms) {
  for (const ProgramSpec& p : obj_.programs) {
    EXPECT_NE(p.name, "xdp_local");  // static, though in section "xdp"
    EXPECT_NE(p.name, "global_helper");
    EXPECT_NE(p.name, "leaf");
  }
}

// Each program holds its main function followed by every function it reaches,
// depth first in order of first use, once each.
TEST_F(MultiObject, ReachedFunctionsAreAppendedDepthFirst) {
  EXPECT_THAT(function_names(program(obj_, "xdp_one")),
              ElementsAre("xdp_one", "global_helper", "middle", "leaf", "xdp_local"));
  EXPECT_THAT(function_names(program(obj_, "xdp_two")), ElementsAre("xdp_two", "leaf"));
  EXPECT_THAT(function_names(program(obj_, "sys_loop")),
              ElementsAre("sys_loop", "loop_cb", "only_syscall", "middle", "leaf", "xdp_local"));
  EXPECT_THAT(function_names(program(obj_, "tc_prog")), ElementsAre("tc_prog", "global_helper", "middle", "leaf"));
  EXPECT_THAT(function_names(program(obj_, "ops_abc")), ElementsAre("ops_abc", "leaf"));
  EXPECT_THAT(function_names(program(obj_, "perf_prog")), ElementsAre("perf_prog"));
}

// The copy of every function is its ELF code, changed only where a relocation
// or the linker had to: the imm of calls and function loads.
TEST_F(MultiObject, InstructionsAreTheFunctionsCode) {
  TestElf elf(bytes_);
  for (const ProgramSpec& p : obj_.programs) {
    SCOPED_TRACE(p.name);
    std::vector<std::string> names = function_names(p);
    size_t total = 0;
    for (size_t f = 0; f < names.size(); f++) {
      std::vector<isa::Insn> code = elf.function_code(names[f]);
      uint32_t start = p.func_info[f].insn_off;
      ASSERT_EQ(start, total) << names[f];
      ASSERT_LE(start + code.size(), p.insns.size());
      for (size_t i = 0; i < code.size(); i++) {
        const isa::Insn& got = p.insns[start + i];
        EXPECT_EQ(got.code, code[i].code) << names[f] << "+" << i;
        EXPECT_EQ(got.dst_reg, code[i].dst_reg);
        EXPECT_EQ(got.off, code[i].off);
        bool relocatable = isa::is_call(code[i]) || isa::is_lddw(code[i]);
        if (!relocatable) {
          EXPECT_EQ(got.imm, code[i].imm) << names[f] << "+" << i;
        }
        if (!relocatable) {
          EXPECT_EQ(got.src_reg, code[i].src_reg);
        }
      }
      total += code.size();
    }
    EXPECT_EQ(p.insns.size(), total);
  }
}

// Every BPF-to-BPF call and function load lands on the first instruction of a
// function of the same program (a func_info entry).
TEST_F(MultiObject, CallTargetsAreFunctionEntries) {
  int calls = 0;
  for (const ProgramSpec& p : obj_.programs) {
    std::set<uint32_t> entries;
    for (const FuncInfo& fi : p.func_info) entries.insert(fi.insn_off);
    EXPECT_EQ(p.func_info.front().insn_off, 0u);
    for (size_t i = 0; i < p.insns.size(); i++) {
      const isa::Insn& insn = p.insns[i];
      bool pseudo = isa::is_pseudo_call(insn) || (isa::is_lddw(insn) && insn.src_reg == BPF_PSEUDO_FUNC);
      if (!pseudo) continue;
      int64_t target = int64_t(i) + insn.imm + 1;
      EXPECT_TRUE(entries.count(static_cast<uint32_t>(target))) << p.name << " insn " << i << " -> " << target;
      calls++;
      if (isa::is_lddw(insn)) i++;
    }
  }
  EXPECT_GT(calls, 10);
}

TEST_F(MultiObject, CallbackBecomesPseudoFunc) {
  const ProgramSpec& p = program(obj_, "sys_loop");
  std::vector<std::string> names = function_names(p);
  int found = 0;
  for (size_t i = 0; i + 1 < p.insns.size(); i++) {
    if (!isa::is_lddw(p.insns[i]) || p.insns[i].src_reg != BPF_PSEUDO_FUNC) continue;
    uint32_t target = static_cast<uint32_t>(int64_t(i) + p.insns[i].imm + 1);
    for (size_t f = 0; f < names.size(); f++)
      if (p.func_info[f].insn_off == target) {
        EXPECT_EQ(names[f], "loop_cb");
      }
    EXPECT_EQ(p.insns[i + 1].imm, 0);
    found++;
  }
  EXPECT_EQ(found, 1);
  // Helper calls are left alone: bpf_loop is helper 181.
  bool helper = false;
  for (const isa::Insn& insn : p.insns) helper |= isa::is_helper_call(insn) && insn.imm == BPF_FUNC_loop;
  EXPECT_TRUE(helper);
}

TEST_F(MultiObject, LineInfoPointsAtTheSource) {
  const ProgramSpec& p = program(obj_, "sys_loop");
  ASSERT_FALSE(p.line_info.empty());
  for (size_t i = 0; i < p.line_info.size(); i++) {
    EXPECT_LT(p.line_info[i].insn_off, p.insns.size());
    if (i) {
      EXPECT_LT(p.line_info[i - 1].insn_off, p.line_info[i].insn_off);
    }
  }
  const LineInfo* marker = nullptr;
  for (const LineInfo& li : p.line_info)
    if (li.line.find("LINE_MARKER") != std::string::npos) marker = &li;
  ASSERT_NE(marker, nullptr);
  EXPECT_THAT(marker->file, EndsWith("multi.bpf.c"));
  EXPECT_THAT(marker->line, HasSubstr("return only_syscall(sum) + middle(sum) + xdp_local(sum);"));
  // The line number is that line's number in the source file.
  std::ifstream src(marker->file);
  ASSERT_TRUE(src) << marker->file;
  std::string text;
  for (uint32_t n = 0; n < marker->line_num; n++) std::getline(src, text);
  EXPECT_EQ(text, marker->line);
  EXPECT_GT(marker->col, 0u);
  // Records of appended subprograms come along: loop_cb's body has its own lines.
  bool cb_line = false;
  for (const LineInfo& li : p.line_info) cb_line |= li.line.find("*sum += i;") != std::string::npos;
  EXPECT_TRUE(cb_line);
}

}  // namespace
}  // namespace hostbpf::object::testing
