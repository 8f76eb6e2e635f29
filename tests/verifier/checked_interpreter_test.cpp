// The checked interpreter (exec/checked_interpreter.h), run on unverified
// programs: it must catch each kind of bad access instead of making it, name
// the region, and agree with the fast interpreter where both run.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <sys/mman.h>

#include <cstring>
#include <fstream>
#include <map>
#include <memory>

#include "../isa/asm.h"
#include "base/cpu.h"
#include "base/rcu.h"
#include "exec/checked_interpreter.h"
#include "exec/executable.h"
#include "../exec/prepare_util.h"
#include "helpers/run_env.h"
#include "maps/map.h"
#include "../maps/test_util.h"  // maps::testing::make, spec

namespace hostbpf::test {
namespace {

using exec::CheckedResult;
using exec::RegionKind;
using exec::ViolationKind;

std::shared_ptr<maps::Map> make_map(uint32_t type, uint32_t key, uint32_t value, uint32_t entries, uint32_t flags = 0) {
  return maps::testing::make(maps::testing::spec(type, key, value, entries, flags));
}

struct CheckedRun {
  Prog prog;
  ProgType prog_type = ProgType::Syscall;
  std::vector<maps::Map*> maps;
  std::vector<int32_t> stack_depth;
  std::vector<uint8_t> ctx;
  exec::CheckedInput input;  // when set (ctx != 0), used as is

  CheckedResult go() {
    exec::CheckedOptions o;
    o.prog_type = prog_type;
    o.maps = maps;
    o.stack_depth = stack_depth;
    auto p = exec::CheckedProgram::create(prog, o);
    EXPECT_TRUE(p.ok());
    if (!input.ctx && !ctx.empty()) input = {reinterpret_cast<uint64_t>(ctx.data()), ctx.size(), {}};
    EXPECT_NE(current_cpu(), kNoCpu);
    rcu::ReadLock lock;
    helpers::EnvScope env(nullptr);
    return (*p)->run(input);
  }
};

::testing::AssertionResult violates(const CheckedResult& r, ViolationKind kind, int insn) {
  if (r.status != CheckedResult::Status::Violation)
    return ::testing::AssertionFailure() << "no violation (status " << static_cast<int>(r.status) << ", r0 " << r.r0 << ")";
  if (r.violation->kind != kind || r.violation->insn != insn)
    return ::testing::AssertionFailure() << "other violation: " << r.violation->to_string();
  return ::testing::AssertionSuccess() << r.violation->to_string();
}

// r2 = fp-4 holding `key`; r1 = map; call lookup (r0 = value or NULL).
Prog lookup(uint64_t map, int32_t key) {
  Prog p = {st(BPF_W, 10, -4, key), mov64_reg(2, 10), alu64_imm(BPF_ADD, 2, -4)};
  lddw(p, 1, map, BPF_PSEUDO_MAP_FD);
  p.push_back(call_helper(BPF_FUNC_map_lookup_elem));
  return p;
}

uint64_t addr(const std::shared_ptr<maps::Map>& m) { return reinterpret_cast<uint64_t>(m.get()); }

TEST(CheckedInterpreter, RunsAndReturns) {
  CheckedRun r{{mov64_imm(0, 40), alu64_imm(BPF_ADD, 0, 2), exit_insn()}};
  auto res = r.go();
  ASSERT_EQ(res.status, CheckedResult::Status::Ok);
  EXPECT_EQ(res.r0, 42u);
  EXPECT_FALSE(res.address_dependent) << res.address_dependence;
  EXPECT_EQ(res.insns_executed, 3u);
}

TEST(CheckedInterpreter, StackWriteAboveFrame) {
  CheckedRun r{{st(BPF_DW, 10, 0, 1), mov64_imm(0, 0), exit_insn()}};
  auto res = r.go();
  ASSERT_TRUE(violates(res, ViolationKind::OutOfBounds, 0));
  ASSERT_TRUE(res.violation->nearest);
  EXPECT_EQ(res.violation->nearest->kind, RegionKind::Stack);
  EXPECT_EQ(res.violation->size, 8u);
  EXPECT_TRUE(res.violation->write);
}

TEST(CheckedInterpreter, StackBelowFrameAndBelowVerifiedDepth) {
  CheckedRun below{{ldx(BPF_B, 0, 10, -513), exit_insn()}};
  EXPECT_TRUE(violates(below.go(), ViolationKind::OutOfBounds, 0));
  // Within 512 bytes but deeper than the verifier's stack depth for the frame.
  CheckedRun deep{{st(BPF_DW, 10, -16, 1), mov64_imm(0, 0), exit_insn()}, ProgType::Syscall, {}, {8}};
  EXPECT_TRUE(violates(deep.go(), ViolationKind::OutOfBounds, 0));
  CheckedRun ok{{st(BPF_DW, 10, -8, 1), ldx(BPF_DW, 0, 10, -8), exit_insn()}, ProgType::Syscall, {}, {8}};
  auto res = ok.go();
  ASSERT_EQ(res.status, CheckedResult::Status::Ok);
  EXPECT_EQ(res.r0, 1u);
}

TEST(CheckedInterpreter, MapValueOnePastTheEnd) {
  auto m = make_map(BPF_MAP_TYPE_ARRAY, 4, 12, 4);
  CheckedRun r{lookup(addr(m), 1) + Prog{jmp_imm(BPF_JEQ, 0, 0, 1), ldx(BPF_W, 0, 0, 9), exit_insn()}, ProgType::Syscall,
        {m.get()}};
  auto res = r.go();
  ASSERT_TRUE(violates(res, ViolationKind::OutOfBounds, 7));
  EXPECT_EQ(res.violation->nearest->kind, RegionKind::MapValue);
  EXPECT_EQ(res.violation->addr - res.violation->nearest->start, 9u);
}

TEST(CheckedInterpreter, OverflowIntoLiveNeighbourIsCaught) {
  // Entries 0 and 1 of an array sit back to back and both are live regions;
  // an access through entry 0's pointer into entry 1 is still a violation.
  auto m = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 2);
  Prog p = lookup(addr(m), 1) + Prog{mov64_reg(7, 0)} + lookup(addr(m), 0) +
           Prog{jmp_imm(BPF_JEQ, 0, 0, 2), jmp_imm(BPF_JEQ, 7, 0, 1), ldx(BPF_DW, 0, 0, 8), exit_insn()};
  CheckedRun r{p, ProgType::Syscall, {m.get()}};
  auto res = r.go();
  ASSERT_TRUE(violates(res, ViolationKind::OutOfBounds, 15));
  EXPECT_EQ(res.violation->addr - res.violation->nearest->start, 8u);
}

TEST(CheckedInterpreter, DereferenceOfANumber) {
  CheckedRun r{{mov64_imm(1, 4096), ldx(BPF_DW, 0, 1, 0), exit_insn()}};
  EXPECT_TRUE(violates(r.go(), ViolationKind::NotAPointer, 1));
  // A pointer turned into a number by a 32-bit move is no pointer either.
  CheckedRun r32{{alu32_reg(BPF_MOV, 1, 10), ldx(BPF_B, 0, 1, -1), exit_insn()}};
  EXPECT_TRUE(violates(r32.go(), ViolationKind::NotAPointer, 1));
}

TEST(CheckedInterpreter, UninitialisedRegisters) {
  CheckedRun r{{mov64_reg(0, 2), exit_insn()}};
  EXPECT_TRUE(violates(r.go(), ViolationKind::UninitRegister, 0));
  // R1-R5 are clobbered by a helper call.
  CheckedRun after_call{{call_helper(BPF_FUNC_get_smp_processor_id), mov64_reg(0, 1), exit_insn()}};
  EXPECT_TRUE(violates(after_call.go(), ViolationKind::UninitRegister, 1));
  // A callee does not see its caller's r6-r9.
  CheckedRun callee{{mov64_imm(6, 1), call_local(1), exit_insn(), mov64_reg(0, 6), exit_insn()}};
  EXPECT_TRUE(violates(callee.go(), ViolationKind::UninitRegister, 3));
}

TEST(CheckedInterpreter, ReadOnlyMemory) {
  auto rodata = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG);
  uint64_t base = 0;
  ASSERT_EQ(rodata->direct_value_addr(0, &base), 0);
  Prog p;
  lddw(p, 1, base + 4, BPF_PSEUDO_MAP_VALUE);
  p = p + Prog{ldx(BPF_W, 0, 1, 0), st(BPF_W, 1, 0, 7), exit_insn()};
  CheckedRun r{p, ProgType::Syscall, {rodata.get()}};
  auto res = r.go();
  ASSERT_TRUE(violates(res, ViolationKind::ReadOnly, 3));
  // Global data by index (the loader's form) names the same region.
  Prog q = {insn(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX_VALUE, 0, 0), insn(0, 0, 0, 0, 6),
            ldx(BPF_H, 0, 1, 0), ldx(BPF_H, 0, 1, 2), exit_insn()};
  CheckedRun ri{q, ProgType::Syscall, {rodata.get()}};
  EXPECT_TRUE(violates(ri.go(), ViolationKind::OutOfBounds, 3));
}

TEST(CheckedInterpreter, XdpPacketAndReadOnlyCtx) {
  struct XdpMd {
    uint32_t data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
  };
  void* m = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  ASSERT_NE(m, MAP_FAILED);
  auto* frame = static_cast<uint8_t*>(m);
  const auto low = [](const uint8_t* q) { return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(q)); };
  XdpMd md{low(frame + 264), low(frame + 264 + 20), low(frame + 256), 1, 0, 0};
  exec::CheckedInput in{reinterpret_cast<uint64_t>(&md), sizeof md, {}};
  // Reads the last packet byte, then the one after it.
  Prog p = {ldx(BPF_W, 2, 1, 0), ldx(BPF_B, 0, 2, 19), ldx(BPF_B, 0, 2, 20), exit_insn()};
  CheckedRun r{p, ProgType::Xdp};
  r.input = in;
  auto res = r.go();
  ASSERT_TRUE(violates(res, ViolationKind::OutOfBounds, 2));
  EXPECT_EQ(res.violation->nearest->kind, RegionKind::Packet);
  // The metadata is a region of its own: a packet pointer cannot reach it.
  CheckedRun meta{{ldx(BPF_W, 2, 1, 0), ldx(BPF_B, 0, 2, -1), exit_insn()}, ProgType::Xdp};
  meta.input = in;
  EXPECT_TRUE(violates(meta.go(), ViolationKind::OutOfBounds, 1));
  CheckedRun ctx_write{{st(BPF_W, 1, 12, 5), mov64_imm(0, 0), exit_insn()}, ProgType::Xdp};
  ctx_write.input = in;
  EXPECT_TRUE(violates(ctx_write.go(), ViolationKind::ReadOnly, 0));
  munmap(m, 4096);
}

TEST(CheckedInterpreter, MisalignedAndForbiddenAtomics) {
  CheckedRun mis{{st(BPF_DW, 10, -16, 0), mov64_imm(1, 1), atomic(BPF_DW, BPF_ADD, 10, 1, -12), mov64_imm(0, 0), exit_insn()}};
  EXPECT_TRUE(violates(mis.go(), ViolationKind::Misaligned, 2));
  std::vector<uint8_t> ctx(16);
  CheckedRun on_ctx{{mov64_imm(2, 1), atomic(BPF_W, BPF_ADD, 1, 2, 0), mov64_imm(0, 0), exit_insn()}};
  on_ctx.ctx = ctx;
  EXPECT_TRUE(violates(on_ctx.go(), ViolationKind::Forbidden, 1));
}

TEST(CheckedInterpreter, HelperMemoryArguments) {
  auto h = make_map(BPF_MAP_TYPE_HASH, 8, 8, 4);
  // An 8-byte key at fp-4 runs 4 bytes past the frame.
  Prog p = {st(BPF_W, 10, -4, 0), mov64_reg(2, 10), alu64_imm(BPF_ADD, 2, -4)};
  lddw(p, 1, addr(h), BPF_PSEUDO_MAP_FD);
  p = p + Prog{call_helper(BPF_FUNC_map_lookup_elem), mov64_imm(0, 0), exit_insn()};
  CheckedRun r{p, ProgType::Syscall, {h.get()}};
  auto res = r.go();
  ASSERT_TRUE(violates(res, ViolationKind::OutOfBounds, 5));
  EXPECT_NE(res.violation->detail.find("bpf_map_lookup_elem"), std::string::npos) << res.violation->detail;
  // probe_read_kernel writes `size` bytes: 16 into an 8-byte stack area.
  CheckedRun probe{{mov64_reg(1, 10), alu64_imm(BPF_ADD, 1, -8), mov64_imm(2, 16), mov64_imm(3, 0),
             call_helper(BPF_FUNC_probe_read_kernel), mov64_imm(0, 0), exit_insn()}};
  EXPECT_TRUE(violates(probe.go(), ViolationKind::OutOfBounds, 4));
  // A map argument must be a map.
  CheckedRun not_map{{mov64_imm(1, 0), mov64_reg(2, 10), call_helper(BPF_FUNC_map_lookup_elem), exit_insn()}};
  EXPECT_TRUE(violates(not_map.go(), ViolationKind::HelperArg, 2));
}

TEST(CheckedInterpreter, RingbufRecords) {
  auto rb = make_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
  auto reserve = [&](int32_t size) {
    Prog p;
    lddw(p, 1, addr(rb), BPF_PSEUDO_MAP_FD);
    return p + Prog{mov64_imm(2, size), mov64_imm(3, 0), call_helper(BPF_FUNC_ringbuf_reserve), mov64_reg(6, 0)};
  };
  // Write past the record, use after submit, never submit.
  CheckedRun past{reserve(8) + Prog{jmp_imm(BPF_JEQ, 6, 0, 4), st(BPF_W, 6, 6, 1), mov64_reg(1, 6), mov64_imm(2, 0),
                             call_helper(BPF_FUNC_ringbuf_submit), mov64_imm(0, 0), exit_insn()},
           ProgType::Syscall, {rb.get()}};
  EXPECT_TRUE(violates(past.go(), ViolationKind::OutOfBounds, 7));
  CheckedRun after{reserve(8) + Prog{jmp_imm(BPF_JEQ, 6, 0, 4), mov64_reg(1, 6), mov64_imm(2, 0),
                              call_helper(BPF_FUNC_ringbuf_discard), st(BPF_W, 6, 0, 1), mov64_imm(0, 0), exit_insn()},
            ProgType::Syscall, {rb.get()}};
  auto res = after.go();
  ASSERT_TRUE(violates(res, ViolationKind::OutOfBounds, 10));
  EXPECT_FALSE(res.violation->nearest->live);
  CheckedRun leak{reserve(8) + Prog{mov64_imm(0, 0), exit_insn()}, ProgType::Syscall, {rb.get()}};
  EXPECT_TRUE(violates(leak.go(), ViolationKind::ReferenceLeak, -1));
  // Submitting something that is not a record.
  CheckedRun bogus{{mov64_reg(1, 10), alu64_imm(BPF_ADD, 1, -8), mov64_imm(2, 0), call_helper(BPF_FUNC_ringbuf_submit),
             mov64_imm(0, 0), exit_insn()}};
  EXPECT_TRUE(violates(bogus.go(), ViolationKind::HelperArg, 3));
}

TEST(CheckedInterpreter, CallDepthAndCallbacks) {
  // Unbounded recursion: the ninth frame is a violation.
  CheckedRun rec{{call_local(-1), exit_insn()}};
  EXPECT_TRUE(violates(rec.go(), ViolationKind::CallDepth, 0));
  // A bpf_loop callback runs checked: it writes its index into the caller's
  // stack through the ctx pointer, one byte past it on the last iteration.
  Prog p = {st(BPF_DW, 10, -8, 0), mov64_imm(1, 9)};
  lddw(p, 2, 6, BPF_PSEUDO_FUNC);
  p = p + Prog{mov64_reg(3, 10), alu64_imm(BPF_ADD, 3, -8), mov64_imm(4, 0), call_helper(BPF_FUNC_loop), exit_insn(),
               /* callback: */ mov64_reg(3, 2), alu64_reg(BPF_ADD, 3, 1), st(BPF_B, 3, 0, 1), mov64_imm(0, 0),
               exit_insn()};
  CheckedRun cb{p};
  auto res = cb.go();
  ASSERT_TRUE(violates(res, ViolationKind::OutOfBounds, 11));
  EXPECT_EQ(res.violation->addr - res.violation->nearest->start, 512u);
  // A callback must return 0 or 1.
  Prog q = {mov64_imm(1, 1)};
  lddw(q, 2, 5, BPF_PSEUDO_FUNC);
  q = q + Prog{mov64_imm(3, 0), mov64_imm(4, 0), call_helper(BPF_FUNC_loop), exit_insn(), mov64_imm(0, 2), exit_insn()};
  CheckedRun ret{q};
  EXPECT_TRUE(violates(ret.go(), ViolationKind::CallbackReturn, 7));
}

TEST(CheckedInterpreter, BadControlFlow) {
  CheckedRun off_end{{mov64_imm(0, 0), ja(5)}};
  EXPECT_TRUE(violates(off_end.go(), ViolationKind::BadControlFlow, 1));
  CheckedRun fp{{mov64_imm(10, 0), exit_insn()}};
  EXPECT_TRUE(violates(fp.go(), ViolationKind::FramePointerWrite, 0));
}

TEST(CheckedInterpreter, AddressDependence) {
  // A pointer returned, a pointer compared with another region's, uninitialised
  // stack read: outcomes that depend on where memory is.
  CheckedRun ptr{{mov64_reg(0, 10), exit_insn()}};
  EXPECT_TRUE(ptr.go().address_dependent);
  std::vector<uint8_t> ctx(8);
  CheckedRun cmp{{mov64_imm(0, 0), jmp_reg(BPF_JGT, 1, 10, 1), mov64_imm(0, 1), exit_insn()}};
  cmp.ctx = ctx;
  EXPECT_TRUE(cmp.go().address_dependent);
  CheckedRun uninit{{ldx(BPF_DW, 0, 10, -8), exit_insn()}};
  EXPECT_TRUE(uninit.go().address_dependent);
  // Distances within one region and spills of pointers are not.
  CheckedRun dist{{mov64_reg(1, 10), alu64_imm(BPF_ADD, 1, -24), stx(BPF_DW, 10, 1, -8), ldx(BPF_DW, 2, 10, -8),
            mov64_reg(0, 10), alu64_reg(BPF_SUB, 0, 2), exit_insn()}};
  auto res = dist.go();
  ASSERT_EQ(res.status, CheckedResult::Status::Ok);
  EXPECT_EQ(res.r0, 24u);
  EXPECT_FALSE(res.address_dependent) << res.address_dependence;
}

// ---- agreement with the fast interpreter on the conformance suite ----

std::vector<uint8_t> parse_hex(const std::string& hex) {
  std::vector<uint8_t> b;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) b.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return b;
}

std::string json_field(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  const size_t p = line.find(k);
  if (p == std::string::npos) return {};
  size_t b = p + k.size();
  if (line[b] == '"') {
    const size_t e = line.find('"', b + 1);
    return line.substr(b + 1, e - b - 1);
  }
  const size_t e = line.find_first_of(",}", b);
  return line.substr(b, e - b);
}

TEST(CheckedInterpreter, AgreesWithTheInterpreterOnConformancePrograms) {
  std::ifstream in(std::string(HOSTBPF_CONFORMANCE_DIR) + "/tests_assembled.jsonl");
  if (!in) GTEST_SKIP() << "conformance data not found";
  int compared = 0, skipped = 0;
  std::map<std::string, int> why_skipped;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || !json_field(line, "expected_error").empty()) continue;
    const std::string name = json_field(line, "name");
    const std::vector<uint8_t> code = parse_hex(json_field(line, "program_hex"));
    Prog prog(code.size() / 8);
    std::memcpy(prog.data(), code.data(), prog.size() * 8);
    // Programs calling the suite's own helpers (uBPF's, not the kernel's) are
    // not kernel programs.
    bool helpers = false;
    for (const auto& i : prog) helpers |= (i.code == (BPF_JMP | BPF_CALL) && i.src_reg == 0) || i.code == (BPF_JMP | BPF_CALL | BPF_X);
    if (helpers) {
      why_skipped["uBPF helpers"]++;
      skipped++;
      continue;
    }
    const std::vector<uint8_t> mem0 = parse_hex(json_field(line, "mem_hex"));
    std::vector<uint8_t> mem_checked = mem0, mem_fast = mem0;
    CheckedRun r{prog, ProgType::Unspec};
    r.input = {mem_checked.empty() ? 0 : reinterpret_cast<uint64_t>(mem_checked.data()), mem_checked.size(),
               {mem_checked.size()}};
    if (!r.input.ctx) r.input.ctx = 0;
    auto res = r.go();
    if (res.status != CheckedResult::Status::Ok) {
      // The suite is not written for the verifier: some programs read
      // registers they never wrote or step outside their memory.
      why_skipped[res.violation ? exec::violation_kind_name(res.violation->kind) : "other"]++;
      skipped++;
      continue;
    }
    auto fast = test::prepare(prog);
    ASSERT_TRUE(fast.ok()) << name;
    uint64_t r0;
    {
      rcu::ReadLock lock;
      r0 = (*fast)->run(mem_fast.empty() ? 0 : reinterpret_cast<uint64_t>(mem_fast.data()), mem_fast.size());
    }
    const std::string want = json_field(line, "expected_r0");
    const uint64_t expected = want.find("0x") != std::string::npos ? std::stoull(want, nullptr, 16)
                                                                   : static_cast<uint64_t>(std::stoll(want));
    EXPECT_EQ(res.r0, expected) << name;
    EXPECT_EQ(res.r0, r0) << name;
    EXPECT_EQ(mem_checked, mem_fast) << name;
    compared++;
  }
  std::string skips;
  for (const auto& [k, n] : why_skipped) skips += " " + k + ": " + std::to_string(n) + ";";
  std::printf("conformance: %d programs compared, %d skipped (%s)\n", compared, skipped, skips.c_str());
  EXPECT_GE(compared, 250);
}

}  // namespace
}  // namespace hostbpf::test
