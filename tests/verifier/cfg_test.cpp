// The verifier's structure stage (verifier/cfg.h): subprogram discovery, the
// kernel's check_subprogs / check_cfg rejections with their exact messages,
// prune points where the kernel puts them, loops, blocks and orders, and the
// static call-chain limits of check_max_stack_depth.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <set>

#include "verifier/cfg.h"

namespace hostbpf::verifier {

// For readable failures (found by argument-dependent lookup).
void PrintTo(const Edge& e, std::ostream* os) { *os << e.from << "->" << e.to; }

namespace {

using isa::Insn;
using Prog = std::vector<Insn>;

// ---- instruction builders -------------------------------------------------

Insn raw(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  Insn i{};
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}
Insn mov(uint8_t dst, int32_t imm) { return raw(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
Insn add(uint8_t dst, int32_t imm) { return raw(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm); }
Insn ja(int16_t off) { return raw(BPF_JMP | BPF_JA, 0, 0, off, 0); }
Insn gotol(int32_t imm) { return raw(BPF_JMP32 | BPF_JA, 0, 0, 0, imm); }
Insn jeq(uint8_t dst, int32_t imm, int16_t off) { return raw(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, off, imm); }
Insn jlt(uint8_t dst, int32_t imm, int16_t off) { return raw(BPF_JMP | BPF_JLT | BPF_K, dst, 0, off, imm); }
Insn helper(int32_t id) { return raw(BPF_JMP | BPF_CALL, 0, 0, 0, id); }
Insn kfunc(int32_t btf_id) { return raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, btf_id); }
Insn call(int32_t off) { return raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, off); }
Insn exit_insn() { return raw(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
// LDDW: the low slot (plain, or BPF_PSEUDO_FUNC with a pc-relative offset), then ld_hi().
Insn ld64(uint8_t dst, int32_t lo) { return raw(BPF_LD | BPF_IMM | BPF_DW, dst, 0, 0, lo); }
Insn ld_func(uint8_t dst, int32_t off) { return raw(BPF_LD | BPF_IMM | BPF_DW, dst, BPF_PSEUDO_FUNC, 0, off); }
Insn ld_hi(int32_t hi = 0) { return raw(0, 0, 0, 0, hi); }

// ---- helpers --------------------------------------------------------------

ProgramStructure build_ok(const Prog& p, const StructureOptions& opts = {}) {
  auto r = build_program_structure(p, opts);
  EXPECT_TRUE(r.ok()) << r.error().message();
  if (!r.ok()) return {};
  return std::move(r).value();
}

// Expects rejection with exactly `message` and `code`.
void expect_rejected(const Prog& p, int code, const std::string& message, const StructureOptions& opts = {}) {
  auto r = build_program_structure(p, opts);
  ASSERT_FALSE(r.ok()) << "accepted, expected: " << message;
  EXPECT_EQ(r.error().message(), message);
  EXPECT_EQ(r.error().code(), code);
}

std::vector<Edge> edges(std::initializer_list<std::pair<uint32_t, uint32_t>> list) {
  std::vector<Edge> out;
  for (auto [f, t] : list) out.push_back({f, t});
  return out;
}

std::vector<uint32_t> marked(const ProgramStructure& ps, InsnFlag flag) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < ps.insn_count; ++i)
    if (ps.has(i, flag)) out.push_back(i);
  return out;
}

std::vector<uint32_t> succs(const ProgramStructure& ps, uint32_t i) {
  auto s = ps.successors(i);
  return {s.begin(), s.end()};
}

// A chain main -> f1 -> ... -> f<calls>: main is "call +1; exit", each callee
// "call +1; exit" too, the last one "mov r0, 0; exit".
Prog call_chain(int calls) {
  Prog p;
  for (int i = 0; i < calls; ++i) p.insert(p.end(), {call(1), exit_insn()});
  p.insert(p.end(), {mov(0, 0), exit_insn()});
  return p;
}

// ---- basic shape ----------------------------------------------------------

TEST(CfgStructure, StraightLineProgram) {
  ProgramStructure ps = build_ok({mov(0, 0), add(0, 1), exit_insn()});
  ASSERT_EQ(ps.subprogs.size(), 1u);
  EXPECT_EQ(ps.subprogs[0].start, 0u);
  EXPECT_EQ(ps.subprogs[0].end, 3u);
  EXPECT_EQ(ps.subprogs[0].exit_idx, 2);
  ASSERT_EQ(ps.blocks.size(), 1u);
  EXPECT_EQ(ps.blocks[0].start, 0u);
  EXPECT_EQ(ps.blocks[0].end, 3u);
  EXPECT_EQ(succs(ps, 0), std::vector<uint32_t>{1});
  EXPECT_TRUE(succs(ps, 2).empty());
  EXPECT_TRUE(ps.back_edges.empty());
  EXPECT_TRUE(marked(ps, kInsnPrunePoint).empty());
  EXPECT_EQ(std::vector<uint32_t>(ps.rpo.begin(), ps.rpo.end()), (std::vector<uint32_t>{0, 1, 2}));
}

TEST(CfgStructure, RejectsEmptyProgram) { expect_rejected({}, -EINVAL, "program has no instructions"); }

// ---- check_subprogs -------------------------------------------------------

TEST(CfgStructure, JumpOutOfRangeForward) {
  expect_rejected({jeq(1, 0, 5), mov(0, 0), exit_insn()}, -EINVAL, "jump out of range from insn 0 to 6");
}

TEST(CfgStructure, JumpOutOfRangeBackward) {
  expect_rejected({mov(0, 0), ja(-5), exit_insn()}, -EINVAL, "jump out of range from insn 1 to -3");
}

TEST(CfgStructure, GotolTakesItsOffsetFromImm) {
  expect_rejected({gotol(7), mov(0, 0), exit_insn()}, -EINVAL, "jump out of range from insn 0 to 8");
  // 0: if r0 == 0 goto 2; 1: gotol 4; 2: r0 = 1; 3: r0 = 2; 4: exit
  ProgramStructure ps = build_ok({jeq(0, 0, 1), gotol(2), mov(0, 1), mov(0, 2), exit_insn()});
  EXPECT_EQ(succs(ps, 1), std::vector<uint32_t>{4});
  EXPECT_EQ(marked(ps, kInsnJumpTarget), (std::vector<uint32_t>{2, 4}));
}

TEST(CfgStructure, JumpIntoAnotherSubprogramIsOutOfRange) {
  // main: call sub(3); if r0 == 0 goto 4 (sub's second insn); exit | sub: mov; exit
  expect_rejected({call(2), jeq(0, 0, 2), exit_insn(), mov(0, 0), exit_insn()}, -EINVAL,
                  "jump out of range from insn 1 to 4");
}

TEST(CfgStructure, LastInsnMustBeExitOrJump) {
  expect_rejected({mov(0, 0), mov(0, 1)}, -EINVAL, "last insn is not an exit or jmp");
}

TEST(CfgStructure, SubprogramMayNotFallThroughIntoTheNext) {
  // main [0,3) ends in a mov and would run into sub at 3.
  expect_rejected({call(2), mov(0, 0), mov(0, 1), mov(0, 2), exit_insn()}, -EINVAL,
                  "last insn is not an exit or jmp");
}

TEST(CfgStructure, ProgramEndingInGotoIsAccepted) {
  // 0: r0 = 0; 1: if r0 == 0 goto 3; 2: goto 4; 3: exit; 4: goto 3
  ProgramStructure ps = build_ok({mov(0, 0), jeq(0, 0, 1), ja(1), exit_insn(), ja(-2)});
  EXPECT_EQ(succs(ps, 4), std::vector<uint32_t>{3});
  EXPECT_TRUE(ps.back_edges.empty());  // 3 is explored before 4 jumps to it: no loop
}

TEST(CfgStructure, CallToInvalidDestination) {
  expect_rejected({call(5), exit_insn()}, -EINVAL, "call to invalid destination");
  expect_rejected({mov(0, 0), call(-3), exit_insn()}, -EINVAL, "call to invalid destination");
  expect_rejected({ld_func(1, 9), ld_hi(), exit_insn()}, -EINVAL, "call to invalid destination");
}

TEST(CfgStructure, TooManySubprograms) {
  // main: n - 1 calls and an exit; then n - 1 subprograms of one exit each.
  // The call at i lands on n + i: imm = n + i - (i + 1).
  const auto program = [](int n) {
    Prog p(n - 1, call(n - 1));
    p.push_back(exit_insn());
    p.insert(p.end(), n - 1, exit_insn());
    return p;
  };
  ProgramStructure ps = build_ok(program(kMaxSubprogs));
  EXPECT_EQ(ps.subprogs.size(), static_cast<size_t>(kMaxSubprogs));
  expect_rejected(program(kMaxSubprogs + 1), -E2BIG, "too many subprograms");
}

// ---- LDDW pairs -----------------------------------------------------------

TEST(CfgStructure, MalformedLdImm64) {
  // The upper half must be all zero except imm.
  expect_rejected({ld64(0, 1), mov(0, 0), exit_insn()}, -EINVAL, "invalid bpf_ld_imm64 insn");
  Insn bad_hi = ld_hi();
  bad_hi.off = 1;
  expect_rejected({ld64(0, 1), bad_hi, exit_insn()}, -EINVAL, "invalid bpf_ld_imm64 insn");
}

TEST(CfgStructure, TruncatedLdImm64FailsTheLastInsnCheckFirst) {
  // check_subprogs runs before resolve_pseudo_ldimm64 in the kernel.
  expect_rejected({mov(0, 0), exit_insn(), ld64(0, 1)}, -EINVAL, "last insn is not an exit or jmp");
  expect_rejected({mov(0, 0), ld64(0, 1), ld_hi()}, -EINVAL, "last insn is not an exit or jmp");
}

TEST(CfgStructure, JumpIntoTheMiddleOfLdImm64) {
  // The kernel's "test1 ld_imm64" (tools/testing/selftests/bpf/verifier/ld_imm64.c).
  expect_rejected({jeq(1, 0, 1), ld64(0, 0), ld_hi(), ld64(0, 0), ld_hi(), ld64(0, 1), ld_hi(), ld64(0, 1),
                   ld_hi(), mov(0, 2), exit_insn()},
                  -EINVAL, "jump into the middle of ldimm64 insn 1");
}

TEST(CfgStructure, LdImm64IsOneInstructionOfTwoSlots) {
  ProgramStructure ps = build_ok({ld64(0, 1), ld_hi(2), exit_insn()});
  EXPECT_TRUE(ps.has(1, kInsnLddwHigh));
  EXPECT_EQ(succs(ps, 0), std::vector<uint32_t>{2});
  EXPECT_TRUE(succs(ps, 1).empty());
  EXPECT_EQ(ps.insn_block[1], 0u);
  EXPECT_EQ(std::vector<uint32_t>(ps.rpo.begin(), ps.rpo.end()), (std::vector<uint32_t>{0, 2}));
}

// ---- check_cfg ------------------------------------------------------------

TEST(CfgStructure, UnreachableInsn) {
  expect_rejected({mov(0, 0), exit_insn(), mov(0, 1), exit_insn()}, -EINVAL, "unreachable insn 2");
  expect_rejected({ja(1), mov(0, 0), mov(0, 1), exit_insn()}, -EINVAL, "unreachable insn 1");
  expect_rejected({gotol(1), mov(0, 1), mov(0, 0), exit_insn()}, -EINVAL, "unreachable insn 1");
}

TEST(CfgStructure, UnreachableSubprogramCode) {
  // sub (at 2) returns at once; the rest of it is dead.
  expect_rejected({call(1), exit_insn(), exit_insn(), mov(0, 0), exit_insn()}, -EINVAL, "unreachable insn 3");
}

// The privileged kernel's check_cfg lets recursion through; the call depth
// limit rejects it later (the verifier corpus checks that message).
TEST(CfgStructure, DirectRecursionIsLeftToLaterChecks) {
  // main: call sub; exit | sub(2): call sub; exit
  ProgramStructure ps = build_ok({call(1), exit_insn(), call(-1), exit_insn()});
  EXPECT_EQ(ps.subprogs.size(), 2u);
  EXPECT_TRUE(ps.back_edges.empty());
  std::vector<int32_t> depth = {8, 8};
  Error e = check_stack_depth(ps, depth);
  EXPECT_EQ(e.code(), -E2BIG);
  EXPECT_EQ(e.message(), "the call stack of 8 frames is too deep !");
}

TEST(CfgStructure, MutualRecursionIsLeftToLaterChecks) {
  // main: call a(2); exit | a(2): call b(4); exit | b(4): call a; exit
  ProgramStructure ps = build_ok({call(1), exit_insn(), call(1), exit_insn(), call(-3), exit_insn()});
  EXPECT_EQ(ps.subprogs.size(), 3u);
  EXPECT_TRUE(ps.back_edges.empty());
}

TEST(CfgStructure, CallbackReRegisteringItselfIsAllowed) {
  // main: r2 = &cb; call timer_set_callback; exit | cb(4): r2 = &cb; call timer_set_callback; exit
  ProgramStructure ps = build_ok({ld_func(2, 3), ld_hi(), helper(BPF_FUNC_timer_set_callback), exit_insn(),
                                  ld_func(2, -1), ld_hi(), helper(BPF_FUNC_timer_set_callback), mov(0, 0),
                                  exit_insn()});
  ASSERT_EQ(ps.subprogs.size(), 2u);
  EXPECT_TRUE(ps.subprogs[1].callback);
  EXPECT_TRUE(ps.back_edges.empty());
  // Legal only because the callback runs later on a stack of its own; were it
  // called in place, the chain would never end.
  const std::vector<int32_t> depth = {0, 0};
  EXPECT_EQ(check_stack_depth(ps, depth).message(), "the call stack of 8 frames is too deep !");
  const std::vector<uint32_t> async = {1};
  EXPECT_FALSE(check_stack_depth(ps, depth, {StackRounding::Interpreter, async}));
}

TEST(CfgStructure, LoopsAreAllowedAndRecorded) {
  // r0 = 0; do r0 += 1 while (r0 < 10); exit
  ProgramStructure ps = build_ok({mov(0, 0), add(0, 1), jlt(0, 10, -2), exit_insn()});
  EXPECT_EQ(ps.back_edges, edges({{2, 1}}));
  EXPECT_EQ(marked(ps, kInsnLoopHead), std::vector<uint32_t>{1});
  EXPECT_TRUE(ps.has(1, kInsnJumpTarget));
}

TEST(CfgStructure, InfiniteLoopIsLeftToTheInterpreter) {
  ProgramStructure ps = build_ok({mov(0, 0), jeq(0, 1, 1), ja(-1), exit_insn()});
  EXPECT_EQ(ps.back_edges, edges({{2, 2}}));
}

TEST(CfgStructure, BackEdgesFollowTheKernelSearchOrder) {
  // 0: goto 2; 1: r0 += 1; 2: if r0 < 10 goto 1; 3: exit. The search reaches 2
  // first, so the edge that closes the loop is the fall-through 1 -> 2.
  ProgramStructure ps = build_ok({ja(1), add(0, 1), jlt(0, 10, -2), exit_insn()});
  EXPECT_EQ(ps.back_edges, edges({{1, 2}}));
  EXPECT_EQ(marked(ps, kInsnLoopHead), std::vector<uint32_t>{2});
}

TEST(CfgStructure, NestedLoops) {
  // 0: r1 = 0; 1: r2 = 0; 2: r2 += 1; 3: if r2 < 4 goto 2; 4: r1 += 1; 5: if r1 < 4 goto 1; 6: exit
  ProgramStructure ps =
      build_ok({mov(1, 0), mov(2, 0), add(2, 1), jlt(2, 4, -2), add(1, 1), jlt(1, 4, -5), exit_insn()});
  EXPECT_EQ(ps.back_edges, edges({{5, 1}, {3, 2}}));
  EXPECT_EQ(marked(ps, kInsnLoopHead), (std::vector<uint32_t>{1, 2}));
}

// ---- prune points (visit_insn / visit_func_call_insn / push_insn) -----------

TEST(CfgPrunePoints, ConditionalJumpMarksItselfAndItsTarget) {
  // 0: if r1 == 0 goto 3; 1: r0 = 1; 2: exit; 3: r0 = 0; 4: exit
  ProgramStructure ps = build_ok({jeq(1, 0, 2), mov(0, 1), exit_insn(), mov(0, 0), exit_insn()});
  // The kernel marks the jump and the branch target, not the fall-through.
  EXPECT_EQ(marked(ps, kInsnPrunePoint), (std::vector<uint32_t>{0, 3}));
  EXPECT_EQ(marked(ps, kInsnJmpPoint), std::vector<uint32_t>{3});
  EXPECT_EQ(marked(ps, kInsnJumpTarget), std::vector<uint32_t>{3});
}

TEST(CfgPrunePoints, GotoMarksItsTarget) {
  // 0: if r1 == 0 goto 2; 1: goto 3; 2: r0 = 1; 3: exit
  ProgramStructure ps = build_ok({jeq(1, 0, 1), ja(1), mov(0, 1), exit_insn()});
  EXPECT_EQ(marked(ps, kInsnPrunePoint), (std::vector<uint32_t>{0, 2, 3}));
  EXPECT_EQ(marked(ps, kInsnJmpPoint), (std::vector<uint32_t>{2, 3}));
}

TEST(CfgPrunePoints, HelperAndKfuncCallsMarkTheReturnPoint) {
  ProgramStructure ps = build_ok({helper(BPF_FUNC_ktime_get_ns), kfunc(1234), mov(0, 0), exit_insn()});
  EXPECT_EQ(marked(ps, kInsnPrunePoint), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(marked(ps, kInsnJmpPoint), (std::vector<uint32_t>{1, 2}));
}

TEST(CfgPrunePoints, SubprogramCallMarksCallReturnAndEntry) {
  // main: 0: call sub(3); 1: r0 = 0; 2: exit | sub: 3: r0 = 1; 4: exit
  ProgramStructure ps = build_ok({call(2), mov(0, 0), exit_insn(), mov(0, 1), exit_insn()});
  EXPECT_EQ(marked(ps, kInsnPrunePoint), (std::vector<uint32_t>{0, 1, 3}));
  EXPECT_EQ(marked(ps, kInsnJmpPoint), (std::vector<uint32_t>{1, 3}));
}

TEST(CfgPrunePoints, CallbackReferenceMarksLikeACall) {
  // 0-1: r2 = &cb(5); 2: call bpf_loop; 3: r0 = 0; 4: exit | cb: 5: r0 = 0; 6: exit
  ProgramStructure ps =
      build_ok({ld_func(2, 4), ld_hi(), helper(BPF_FUNC_loop), mov(0, 0), exit_insn(), mov(0, 0), exit_insn()});
  // LDDW: itself, its return point and the callback entry; bpf_loop: itself and its return.
  EXPECT_EQ(marked(ps, kInsnPrunePoint), (std::vector<uint32_t>{0, 2, 3, 5}));
  EXPECT_EQ(marked(ps, kInsnJmpPoint), (std::vector<uint32_t>{2, 3, 5}));
  EXPECT_EQ(marked(ps, kInsnCallsCallback), std::vector<uint32_t>{2});
  EXPECT_EQ(marked(ps, kInsnForceCheckpoint), std::vector<uint32_t>{2});
}

TEST(CfgPrunePoints, AsyncCallbackRegistrationIsAPrunePoint) {
  ProgramStructure ps = build_ok({mov(0, 0), helper(BPF_FUNC_timer_set_callback), exit_insn()});
  EXPECT_EQ(marked(ps, kInsnPrunePoint), (std::vector<uint32_t>{1, 2}));
  EXPECT_TRUE(marked(ps, kInsnCallsCallback).empty());
}

// ---- subprogram discovery -------------------------------------------------

TEST(CfgSubprogs, NestedCallsAndCallbacks) {
  // main(0): call a; r2 = &cb; call bpf_loop; exit
  // a(5):    call b; exit
  // b(7):    r0 = 0; exit
  // cb(9):   call b; r0 = 0; exit
  const Prog p = {call(4),  ld_func(2, 7), ld_hi(), helper(BPF_FUNC_loop), exit_insn(),
                  call(1),  exit_insn(),   mov(0, 0), exit_insn(),
                  call(-3), mov(0, 0),     exit_insn()};
  ProgramStructure ps = build_ok(p);
  ASSERT_EQ(ps.subprogs.size(), 4u);
  const std::vector<std::pair<uint32_t, uint32_t>> bounds = {{0, 5}, {5, 7}, {7, 9}, {9, 12}};
  for (size_t i = 0; i < bounds.size(); ++i) {
    EXPECT_EQ(ps.subprogs[i].start, bounds[i].first) << i;
    EXPECT_EQ(ps.subprogs[i].end, bounds[i].second) << i;
  }
  EXPECT_TRUE(ps.subprogs[1].called);
  EXPECT_FALSE(ps.subprogs[1].callback);
  EXPECT_TRUE(ps.subprogs[2].called);
  EXPECT_TRUE(ps.subprogs[3].callback);
  EXPECT_FALSE(ps.subprogs[3].called);
  EXPECT_EQ(ps.find_subprog(9), 3);
  EXPECT_EQ(ps.find_subprog(8), -1);
  EXPECT_EQ(ps.insn_subprog[10], 3u);
  EXPECT_EQ(marked(ps, kInsnSubprogStart), (std::vector<uint32_t>{0, 5, 7, 9}));

  ASSERT_EQ(ps.calls_of(0).size(), 2u);
  EXPECT_EQ(ps.calls_of(0)[0].insn, 0u);
  EXPECT_EQ(ps.calls_of(0)[0].callee, 1u);
  EXPECT_EQ(ps.calls_of(0)[0].kind, CallKind::Call);
  EXPECT_EQ(ps.calls_of(0)[1].insn, 1u);
  EXPECT_EQ(ps.calls_of(0)[1].callee, 3u);
  EXPECT_EQ(ps.calls_of(0)[1].kind, CallKind::FuncRef);
  ASSERT_EQ(ps.calls_of(3).size(), 1u);
  EXPECT_EQ(ps.calls_of(3)[0].callee, 2u);
  EXPECT_TRUE(ps.calls_of(2).empty());
}

TEST(CfgSubprogs, SeveralCallSitesNameOneSubprogram) {
  ProgramStructure ps = build_ok({call(2), call(1), exit_insn(), mov(0, 0), exit_insn()});
  ASSERT_EQ(ps.subprogs.size(), 2u);
  EXPECT_EQ(ps.calls_of(0).size(), 2u);
}

TEST(CfgSubprogs, TailCallAndExitAreNoted) {
  StructureOptions opts;
  const std::vector<object::FuncInfo> fi = {{0, 1}, {3, 2}};
  opts.func_info = fi;
  ProgramStructure ps = build_ok({call(2), mov(0, 0), exit_insn(), helper(BPF_FUNC_tail_call), exit_insn()}, opts);
  EXPECT_FALSE(ps.subprogs[0].has_tail_call);
  EXPECT_TRUE(ps.subprogs[1].has_tail_call);
  EXPECT_EQ(ps.subprogs[1].exit_idx, 4);
  EXPECT_EQ(ps.subprogs[1].btf_id, 2u);
  EXPECT_EQ(ps.subprogs[1].linkage, Linkage::Unknown);  // no BTF given
}

// ---- func_info ------------------------------------------------------------

struct BtfFree {
  void operator()(struct btf* b) const { btf__free(b); }
};

// BTF with: int, int *, a typedef'd const int, and FUNC types over them.
struct TestBtf {
  std::unique_ptr<struct btf, BtfFree> btf{btf__new_empty()};
  int main_global = 0, sub_static = 0, sub_global = 0, sub_ptr = 0, sub_typedef = 0, proto_int = 0;

  TestBtf() {
    struct btf* b = btf.get();
    const int int_id = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    const int ptr_id = btf__add_ptr(b, int_id);
    const int typedef_id = btf__add_typedef(b, "s32", int_id);
    const int const_id = btf__add_const(b, typedef_id);
    proto_int = btf__add_func_proto(b, int_id);
    const int proto_ptr = btf__add_func_proto(b, ptr_id);
    const int proto_typedef = btf__add_func_proto(b, const_id);
    main_global = btf__add_func(b, "prog", BTF_FUNC_GLOBAL, proto_int);
    sub_static = btf__add_func(b, "helper_static", BTF_FUNC_STATIC, proto_int);
    sub_global = btf__add_func(b, "helper_global", BTF_FUNC_GLOBAL, proto_int);
    sub_ptr = btf__add_func(b, "returns_ptr", BTF_FUNC_STATIC, proto_ptr);
    sub_typedef = btf__add_func(b, "returns_s32", BTF_FUNC_STATIC, proto_typedef);
  }
};

// main: call a; call b; exit | a(3): r0 = 0; exit | b(5): tail call; exit
const Prog kThreeFuncs = {call(2), call(3), exit_insn(), mov(0, 0), exit_insn(), helper(BPF_FUNC_tail_call),
                          exit_insn()};

TEST(CfgFuncInfo, RecordsLinkage) {
  TestBtf t;
  const std::vector<object::FuncInfo> fi = {
      {0, uint32_t(t.main_global)}, {3, uint32_t(t.sub_global)}, {5, uint32_t(t.sub_static)}};
  ProgramStructure ps = build_ok(kThreeFuncs, {fi, t.btf.get()});
  EXPECT_TRUE(ps.subprogs[0].is_global());
  EXPECT_TRUE(ps.subprogs[1].is_global());
  EXPECT_EQ(ps.subprogs[2].linkage, Linkage::Static);
  EXPECT_EQ(ps.subprogs[1].btf_id, uint32_t(t.sub_global));
}

TEST(CfgFuncInfo, MustMatchTheSubprograms) {
  const std::vector<object::FuncInfo> two = {{0, 1}, {3, 2}};
  expect_rejected(kThreeFuncs, -EINVAL, "number of funcs in func_info doesn't match number of subprogs", {two});
  const std::vector<object::FuncInfo> shifted = {{0, 1}, {3, 2}, {6, 3}};
  expect_rejected(kThreeFuncs, -EINVAL, "func_info BTF section doesn't match subprog layout in BPF program",
                  {shifted});
}

TEST(CfgFuncInfo, OffsetsMustStartAtZeroAndIncrease) {
  const std::vector<object::FuncInfo> nonzero = {{1, 1}};
  expect_rejected(kThreeFuncs, -EINVAL, "nonzero insn_off 1 for the first func info record", {nonzero});
  const std::vector<object::FuncInfo> same = {{0, 1}, {3, 2}, {3, 3}};
  expect_rejected(kThreeFuncs, -EINVAL, "same or smaller insn offset (3) than previous func info record (3)",
                  {same});
}

TEST(CfgFuncInfo, TypeMustBeAFunc) {
  TestBtf t;
  const std::vector<object::FuncInfo> fi = {{0, uint32_t(t.main_global)}, {3, uint32_t(t.proto_int)}, {5, 999}};
  expect_rejected(kThreeFuncs, -EINVAL, "invalid type id " + std::to_string(t.proto_int) + " in func info",
                  {fi, t.btf.get()});
}

TEST(CfgFuncInfo, TailCallNeedsAnIntReturn) {
  TestBtf t;
  const std::vector<object::FuncInfo> ptr = {
      {0, uint32_t(t.main_global)}, {3, uint32_t(t.sub_static)}, {5, uint32_t(t.sub_ptr)}};
  expect_rejected(kThreeFuncs, -EINVAL, "tail_call is only allowed in functions that return 'int'.",
                  {ptr, t.btf.get()});
  // Typedefs and qualifiers are looked through.
  const std::vector<object::FuncInfo> typedef_int = {
      {0, uint32_t(t.main_global)}, {3, uint32_t(t.sub_static)}, {5, uint32_t(t.sub_typedef)}};
  build_ok(kThreeFuncs, {typedef_int, t.btf.get()});
}

TEST(CfgFuncInfo, WithoutFuncInfoSubprogramsMayNotTailCall) {
  expect_rejected(kThreeFuncs, -EINVAL, "tail_call is not allowed in subprogs without BTF");
  // The main program may.
  build_ok({helper(BPF_FUNC_tail_call), exit_insn()});
}

TEST(CfgFuncInfo, WithoutFuncInfoSubprogramsMayNotUseLdAbs) {
  const Insn ldabs = raw(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0);
  expect_rejected({call(1), exit_insn(), ldabs, exit_insn()}, -EINVAL,
                  "LD_ABS is not allowed in subprogs without BTF");
}

// ---- blocks and orders ----------------------------------------------------

TEST(CfgGraph, DiamondBlocks) {
  // 0: if r1 == 0 goto 3; 1: r0 = 1; 2: goto 4; 3: r0 = 2; 4: r0 += 1; 5: exit
  ProgramStructure ps = build_ok({jeq(1, 0, 2), mov(0, 1), ja(1), mov(0, 2), add(0, 1), exit_insn()});
  ASSERT_EQ(ps.blocks.size(), 4u);
  const std::vector<std::pair<uint32_t, uint32_t>> bounds = {{0, 1}, {1, 3}, {3, 4}, {4, 6}};
  for (size_t b = 0; b < bounds.size(); ++b) {
    EXPECT_EQ(ps.blocks[b].start, bounds[b].first) << b;
    EXPECT_EQ(ps.blocks[b].end, bounds[b].second) << b;
  }
  EXPECT_EQ(ps.blocks[0].succs, (std::vector<uint32_t>{1, 2}));  // fall-through first
  EXPECT_EQ(ps.blocks[1].succs, std::vector<uint32_t>{3});
  EXPECT_EQ(ps.blocks[2].succs, std::vector<uint32_t>{3});
  EXPECT_EQ(ps.blocks[3].preds, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(succs(ps, 0), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(succs(ps, 2), std::vector<uint32_t>{4});
  EXPECT_EQ(marked(ps, kInsnBlockStart), (std::vector<uint32_t>{0, 1, 3, 4}));
  EXPECT_EQ(std::vector<uint32_t>(ps.rpo.begin(), ps.rpo.end()), (std::vector<uint32_t>{0, 3, 1, 2, 4, 5}));
}

TEST(CfgGraph, CallsDoNotEndBlocks) {
  ProgramStructure ps = build_ok({mov(1, 0), helper(BPF_FUNC_ktime_get_ns), call(1), exit_insn(), exit_insn()});
  EXPECT_EQ(ps.subprogs[0].end_block - ps.subprogs[0].first_block, 1u);
  EXPECT_EQ(ps.blocks[0].end, 4u);
  EXPECT_EQ(succs(ps, 2), std::vector<uint32_t>{3});  // the callee is not a CFG successor
}

TEST(CfgGraph, ConditionalJumpToTheNextInsnHasOneSuccessor) {
  ProgramStructure ps = build_ok({jeq(1, 0, 0), exit_insn()});
  EXPECT_EQ(succs(ps, 0), std::vector<uint32_t>{1});
}

// Checks what later stages rely on: each subprogram's order lists each of its
// instructions once, and every CFG edge goes forward in it except the back edges.
void expect_orders_consistent(const ProgramStructure& ps) {
  const std::set<std::pair<uint32_t, uint32_t>> back(
      [&] {
        std::set<std::pair<uint32_t, uint32_t>> s;
        for (const Edge& e : ps.back_edges) s.insert({e.from, e.to});
        return s;
      }());
  for (uint32_t s = 0; s < ps.subprogs.size(); ++s) {
    const Subprog& sub = ps.subprogs[s];
    auto rpo = ps.rpo_of(s);
    std::vector<int> pos(ps.insn_count, -1);
    for (size_t k = 0; k < rpo.size(); ++k) pos[rpo[k]] = static_cast<int>(k);
    EXPECT_EQ(rpo.front(), sub.start);
    for (uint32_t i = sub.start; i < sub.end; ++i) {
      if (ps.has(i, kInsnLddwHigh)) continue;
      ASSERT_GE(pos[i], 0) << "insn " << i << " missing from subprog " << s;
      for (uint32_t w : ps.successors(i))
        EXPECT_TRUE(pos[w] > pos[i] || back.count({i, w})) << i << " -> " << w;
    }
    auto post = ps.postorder_of(s);
    EXPECT_TRUE(std::equal(post.begin(), post.end(), rpo.rbegin()));
  }
}

TEST(CfgGraph, OrdersAreConsistentWithBackEdges) {
  expect_orders_consistent(build_ok({mov(1, 0), mov(2, 0), add(2, 1), jlt(2, 4, -2), add(1, 1), jlt(1, 4, -5),
                                     exit_insn()}));
  expect_orders_consistent(build_ok({ja(1), add(0, 1), jlt(0, 10, -2), exit_insn()}));
  expect_orders_consistent(build_ok({call(4), ld_func(2, 7), ld_hi(), helper(BPF_FUNC_loop), exit_insn(), call(1),
                                     exit_insn(), mov(0, 0), exit_insn(), call(-3), mov(0, 0), exit_insn()}));
}

// ---- check_max_stack_depth ------------------------------------------------

TEST(CfgStack, EightFramesAreAllowedNineAreNot) {
  ProgramStructure eight = build_ok(call_chain(7));
  EXPECT_FALSE(check_stack_depth(eight, std::vector<int32_t>(8, 0)));
  ProgramStructure nine = build_ok(call_chain(8));
  Error err = check_stack_depth(nine, std::vector<int32_t>(9, 0));
  EXPECT_EQ(err.code(), -E2BIG);
  EXPECT_EQ(err.message(), "the call stack of 8 frames is too deep !");
}

TEST(CfgStack, CombinedStackSize) {
  ProgramStructure ps = build_ok(call_chain(1));
  EXPECT_FALSE(check_stack_depth(ps, std::vector<int32_t>{256, 256}));
  // 257 rounds up to 288: 256 + 288 = 544.
  Error err = check_stack_depth(ps, std::vector<int32_t>{256, 257});
  EXPECT_EQ(err.code(), -EACCES);
  EXPECT_EQ(err.message(), "combined stack size of 2 calls is 544. Too large");
  EXPECT_EQ(check_stack_depth(ps, std::vector<int32_t>{513, 0}).message(),
            "combined stack size of 1 calls is 544. Too large");
}

TEST(CfgStack, EveryFrameCostsAtLeastOneSlotInTheInterpreter) {
  // 8 frames: 7 x 32 (empty frames round up to 32) + 320 = 544 in the interpreter, 320 in the JIT.
  ProgramStructure ps = build_ok(call_chain(7));
  std::vector<int32_t> depth(8, 0);
  depth[7] = 320;
  EXPECT_EQ(check_stack_depth(ps, depth).message(), "combined stack size of 8 calls is 544. Too large");
  EXPECT_FALSE(check_stack_depth(ps, depth, {StackRounding::Jit, {}}));
  EXPECT_EQ(rounded_frame_size(0, StackRounding::Interpreter), 32);
  EXPECT_EQ(rounded_frame_size(0, StackRounding::Jit), 0);
  EXPECT_EQ(rounded_frame_size(40, StackRounding::Jit), 48);
  EXPECT_EQ(rounded_frame_size(40, StackRounding::Interpreter), 64);
}

TEST(CfgStack, DeepestChainIsTheOneThatCounts) {
  // main calls a (small) and b (large): only main + b must fit.
  // main: call a; call b; exit | a(3): exit | b(4): exit
  ProgramStructure ps = build_ok({call(2), call(2), exit_insn(), exit_insn(), exit_insn()});
  EXPECT_FALSE(check_stack_depth(ps, std::vector<int32_t>{256, 32, 256}));
  EXPECT_EQ(check_stack_depth(ps, std::vector<int32_t>{256, 32, 288}).message(),
            "combined stack size of 2 calls is 544. Too large");
}

TEST(CfgStack, CallbacksCountAsCallsUnlessAsync) {
  // main: r2 = &cb; call timer_set_callback; exit | cb(4): r0 = 0; exit
  ProgramStructure ps = build_ok({ld_func(2, 3), ld_hi(), helper(BPF_FUNC_timer_set_callback), exit_insn(),
                                  mov(0, 0), exit_insn()});
  const std::vector<int32_t> depth = {480, 64};
  EXPECT_EQ(check_stack_depth(ps, depth).message(), "combined stack size of 2 calls is 544. Too large");
  const std::vector<uint32_t> async = {1};
  EXPECT_FALSE(check_stack_depth(ps, depth, {StackRounding::Interpreter, async}));
  // An async callback is a root of its own: its own chain is still checked.
  EXPECT_EQ(check_stack_depth(ps, std::vector<int32_t>{32, 544}, {StackRounding::Interpreter, async}).message(),
            "combined stack size of 1 calls is 544. Too large");
}

TEST(CfgStack, TailCallsNeedSmallCallerStacks) {
  // main: call sub; exit | sub(2): tail call; exit
  const std::vector<object::FuncInfo> fi = {{0, 1}, {2, 2}};
  ProgramStructure ps = build_ok({call(1), exit_insn(), helper(BPF_FUNC_tail_call), exit_insn()}, {fi});
  EXPECT_FALSE(check_stack_depth(ps, std::vector<int32_t>{224, 32}));
  Error err = check_stack_depth(ps, std::vector<int32_t>{256, 32});
  EXPECT_EQ(err.code(), -EACCES);
  EXPECT_EQ(err.message(), "tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large");
}

TEST(CfgStack, ManyCallSitesStayFast) {
  // Seven levels, each calling the next 40 times: the kernel's walk would
  // visit 40^7 call sites; exploring each (callee, frame, depth) once does not.
  Prog p;
  std::vector<uint32_t> level_start;
  for (int level = 0; level < 8; ++level) {
    level_start.push_back(static_cast<uint32_t>(p.size()));
    if (level < 7)
      for (int k = 0; k < 40; ++k) p.push_back(call(0));  // fixed up below
    p.push_back(exit_insn());
  }
  for (int level = 0; level < 7; ++level)
    for (int k = 0; k < 40; ++k) {
      const uint32_t at = level_start[level] + k;
      p[at].imm = static_cast<int32_t>(level_start[level + 1]) - static_cast<int32_t>(at) - 1;
    }
  ProgramStructure ps = build_ok(p);
  ASSERT_EQ(ps.subprogs.size(), 8u);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(check_stack_depth(ps, std::vector<int32_t>(8, 64)));
  EXPECT_EQ(check_stack_depth(ps, std::vector<int32_t>(8, 65)).message(),
            "combined stack size of 6 calls is 576. Too large");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(CfgStack, RejectsMismatchedDepths) {
  ProgramStructure ps = build_ok(call_chain(1));
  EXPECT_EQ(check_stack_depth(ps, std::vector<int32_t>{0}).code(), -EFAULT);
  EXPECT_EQ(check_stack_depth(ps, std::vector<int32_t>{0, -8}).code(), -EFAULT);
}

// ---- robustness -----------------------------------------------------------

// Random programs from a small alphabet with small offsets: whatever the stage
// says, it must not crash, and what it accepts must be internally consistent.
TEST(CfgRobustness, RandomProgramsNeverBreakTheStage) {
  std::mt19937 rng(12345);
  size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    const size_t n = 1 + rng() % 12;
    Prog p;
    for (size_t i = 0; i < n; ++i) {
      const int16_t off = static_cast<int16_t>(static_cast<int>(rng() % 9) - 4);
      switch (rng() % 9) {
        case 0: p.push_back(mov(0, 0)); break;
        case 1: p.push_back(jeq(0, 0, off)); break;
        case 2: p.push_back(ja(off)); break;
        case 3: p.push_back(call(off)); break;
        case 4: p.push_back(ld_func(1, off)); break;
        case 5: p.push_back(ld64(1, 0)); break;
        case 6: p.push_back(ld_hi()); break;
        case 7: p.push_back(helper(BPF_FUNC_loop)); break;
        default: p.push_back(exit_insn()); break;
      }
    }
    auto r = build_program_structure(p);
    if (!r.ok()) {
      EXPECT_FALSE(r.error().message().empty());
      continue;
    }
    ++accepted;
    const ProgramStructure& ps = *r;
    expect_orders_consistent(ps);
    Error err = check_stack_depth(ps, std::vector<int32_t>(ps.subprogs.size(), 8));
    EXPECT_TRUE(err.ok() || !err.message().empty());
  }
  EXPECT_GT(accepted, 100u);
}

}  // namespace
}  // namespace hostbpf::verifier
