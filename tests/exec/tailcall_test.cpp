// bpf_tail_call (helper 12) in the interpreter, through a real ProgArray: the
// 33-call limit, fall-through on an empty slot, chaining into another
// interpreted program, and into a program of another executor.
#include <gtest/gtest.h>

#include "../isa/asm.h"
#include "exec/executable.h"
#include "prepare_util.h"
#include "isa/validate.h"
#include "maps/prog_array.h"

namespace hostbpf {
namespace {

using namespace test;

maps::MapSpec prog_array_spec() {
  maps::MapSpec spec;
  spec.name = "jmp_table";
  spec.type = BPF_MAP_TYPE_PROG_ARRAY;
  spec.key_size = 4;
  spec.value_size = 4;
  spec.max_entries = 4;
  return spec;
}

std::shared_ptr<exec::Executable> prepare(const Prog& p) {
  Error err = isa::validate_program(p);
  EXPECT_FALSE(err) << err.message();
  auto prog = test::prepare(p);
  EXPECT_TRUE(prog.ok()) << prog.error().message();
  return prog.ok() ? *prog : nullptr;
}

// ++*(u64 *)ctx; bpf_tail_call(ctx, array, index); return `fallthrough_r0`.
Prog count_and_tail_call(maps::ProgArray& array, int32_t index, int32_t fallthrough_r0) {
  Prog p = {ldx(BPF_DW, 2, 1, 0), alu64_imm(BPF_ADD, 2, 1), stx(BPF_DW, 1, 2, 0)};
  lddw(p, 2, reinterpret_cast<uint64_t>(static_cast<maps::Map*>(&array)), BPF_PSEUDO_MAP_FD);
  return p + Prog{mov64_imm(3, index), call_helper(BPF_FUNC_tail_call), mov64_imm(0, fallthrough_r0), exit_insn()};
}

TEST(isa_TailCall, StopsAfter33TailCalls) {
  maps::ProgArray array(prog_array_spec());
  auto self = prepare(count_and_tail_call(array, 0, 1000));
  ASSERT_TRUE(self);
  ASSERT_EQ(array.set(0, self), 0);
  uint64_t counter = 0;
  // The first run plus 33 tail calls into itself, then the 34th falls through.
  EXPECT_EQ(self->run(reinterpret_cast<uint64_t>(&counter)), 1000u);
  EXPECT_EQ(counter, 1u + isa::kMaxTailCallCount);
  // The count is per run.
  counter = 0;
  EXPECT_EQ(self->run(reinterpret_cast<uint64_t>(&counter)), 1000u);
  EXPECT_EQ(counter, 34u);
}

TEST(isa_TailCall, EmptyOrOutOfRangeSlotFallsThrough) {
  maps::ProgArray array(prog_array_spec());
  uint64_t counter = 0;
  auto empty = prepare(count_and_tail_call(array, 1, 7));
  EXPECT_EQ(empty->run(reinterpret_cast<uint64_t>(&counter)), 7u);
  EXPECT_EQ(counter, 1u);
  auto beyond = prepare(count_and_tail_call(array, 100, 8));
  EXPECT_EQ(beyond->run(reinterpret_cast<uint64_t>(&counter)), 8u);
  EXPECT_EQ(counter, 2u);
}

TEST(isa_TailCall, ContinuesInTheTargetWithTheSameContext) {
  maps::ProgArray array(prog_array_spec());
  // Target: return *(u64 *)ctx * 10 -- it never returns into the caller.
  auto target = prepare({ldx(BPF_DW, 0, 1, 0), alu64_imm(BPF_MUL, 0, 10), exit_insn()});
  ASSERT_EQ(array.set(2, target), 0);
  auto caller = prepare(count_and_tail_call(array, 2, 1));
  uint64_t counter = 4;
  EXPECT_EQ(caller->run(reinterpret_cast<uint64_t>(&counter)), 50u);
}

TEST(isa_TailCall, FromASubprogramReturnsToItsCaller) {
  maps::ProgArray array(prog_array_spec());
  auto target = prepare({mov64_imm(0, 3), exit_insn()});
  ASSERT_EQ(array.set(0, target), 0);
  // main: call sub; r0 += 100; exit.  sub: tail_call(ctx, array, 0); r0 = 1; exit
  Prog p = {call_local(2), alu64_imm(BPF_ADD, 0, 100), exit_insn()};
  lddw(p, 2, reinterpret_cast<uint64_t>(static_cast<maps::Map*>(&array)), BPF_PSEUDO_MAP_FD);
  p = p + Prog{mov64_imm(3, 0), call_helper(BPF_FUNC_tail_call), mov64_imm(0, 1), exit_insn()};
  auto prog = prepare(p);
  EXPECT_EQ(prog->run(0), 103u);
}

// A program of some other executor (a JIT, say): run() is all the interpreter sees.
class Foreign final : public exec::Executable {
 public:
  Foreign() : Executable(&entry, {}, 99, "foreign") {}

 private:
  static uint64_t entry(const void*, uint64_t r1, uint64_t, uint64_t, uint64_t, uint64_t) { return r1 + 100; }
};

TEST(isa_TailCall, IntoAnotherExecutorRunsIt) {
  maps::ProgArray array(prog_array_spec());
  ASSERT_EQ(array.set(3, std::make_shared<Foreign>()), 0);
  auto caller = prepare(count_and_tail_call(array, 3, 1));
  uint64_t counter = 0;
  const uint64_t ctx = reinterpret_cast<uint64_t>(&counter);
  EXPECT_EQ(caller->run(ctx), ctx + 100);
  EXPECT_EQ(counter, 1u);
}

}  // namespace
}  // namespace hostbpf
