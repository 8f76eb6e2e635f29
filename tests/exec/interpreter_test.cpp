// The interpreter's defined results at the edges (RFC 9669), its calls (bpf-to-
// bpf frames, helpers, kfuncs, callx, callbacks), request_exit, and the errors
// prepare reports.
#include <gtest/gtest.h>

#include <climits>
#include <cstring>

#include "../isa/asm.h"
#include "exec/executable.h"
#include "prepare_util.h"
#include "isa/validate.h"

namespace hostbpf {
namespace {

using namespace test;

// Validates (cpu v4), prepares and runs `p` with r1 = `r1`.
uint64_t run(const Prog& p, uint64_t r1 = 0, const PrepareSpec& opts = {}) {
  isa::ValidateOptions v;
  v.allow_callx = opts.exec.allow_callx;
  v.allow_kfunc_calls = !opts.kfuncs.empty();
  Error err = isa::validate_program(p, v);
  EXPECT_FALSE(err) << err.message();
  auto prog = prepare(p, opts);
  EXPECT_TRUE(prog.ok()) << prog.error().message();
  if (!prog.ok()) return 0xdeadbeef;
  return (*prog)->run(r1);
}

// r0 = `init` (64-bit), then `ops`, then exit.
Prog with_r0(uint64_t init, Prog ops) {
  Prog p;
  lddw(p, 0, init);
  return p + ops + Prog{exit_insn()};
}

struct AluCase {
  const char* name;
  uint64_t r0;     // initial r0
  uint64_t r1;     // initial r1 (the divisor / operand register)
  Prog ops;
  uint64_t expected;
};

// gtest prints the case by its name, not as raw bytes.
void PrintTo(const AluCase& c, std::ostream* os) { *os << c.name; }

constexpr uint64_t kInt64Min = 0x8000000000000000ull;

std::vector<AluCase> alu_cases() {
  return {
      // division and modulo by zero: div gives 0, mod leaves dst (32-bit: zero-extended)
      {"div64_reg_by_zero", 7, 0, {alu64_reg(BPF_DIV, 0, 1)}, 0},
      {"div64_imm_by_zero", 7, 0, {alu64_imm(BPF_DIV, 0, 0)}, 0},
      {"mod64_reg_by_zero", 0x100000007, 0, {alu64_reg(BPF_MOD, 0, 1)}, 0x100000007},
      {"mod64_imm_by_zero", 0x100000007, 0, {alu64_imm(BPF_MOD, 0, 0)}, 0x100000007},
      {"div32_reg_by_zero", 0x100000007, 0, {alu32_reg(BPF_DIV, 0, 1)}, 0},
      {"div32_by_zero_low_half", 7, 0x100000000, {alu32_reg(BPF_DIV, 0, 1)}, 0},
      {"mod32_reg_by_zero", 0x100000007, 0, {alu32_reg(BPF_MOD, 0, 1)}, 7},
      {"mod32_imm_by_zero", 0x100000007, 0, {alu32_imm(BPF_MOD, 0, 0)}, 7},
      {"sdiv64_reg_by_zero", 7, 0, {alu64_reg(BPF_DIV, 0, 1, 1)}, 0},
      {"sdiv32_imm_by_zero", 7, 0, {alu32_imm(BPF_DIV, 0, 0, 1)}, 0},
      {"smod64_reg_by_zero", uint64_t(-7), 0, {alu64_reg(BPF_MOD, 0, 1, 1)}, uint64_t(-7)},
      {"smod64_imm_by_zero", uint64_t(-7), 0, {alu64_imm(BPF_MOD, 0, 0, 1)}, uint64_t(-7)},
      {"smod32_reg_by_zero", 0x1fffffff9, 0, {alu32_reg(BPF_MOD, 0, 1, 1)}, 0xfffffff9},
      // INT_MIN / -1 = INT_MIN and INT_MIN % -1 = 0, without trapping
      {"sdiv64_intmin_reg", kInt64Min, uint64_t(-1), {alu64_reg(BPF_DIV, 0, 1, 1)}, kInt64Min},
      {"sdiv64_intmin_imm", kInt64Min, 0, {alu64_imm(BPF_DIV, 0, -1, 1)}, kInt64Min},
      {"smod64_intmin_reg", kInt64Min, uint64_t(-1), {alu64_reg(BPF_MOD, 0, 1, 1)}, 0},
      {"smod64_intmin_imm", kInt64Min, 0, {alu64_imm(BPF_MOD, 0, -1, 1)}, 0},
      {"sdiv32_intmin_reg", 0x80000000, 0xffffffff, {alu32_reg(BPF_DIV, 0, 1, 1)}, 0x80000000},
      {"sdiv32_intmin_imm", 0x80000000, 0, {alu32_imm(BPF_DIV, 0, -1, 1)}, 0x80000000},
      {"smod32_intmin_reg", 0x80000000, 0xffffffff, {alu32_reg(BPF_MOD, 0, 1, 1)}, 0},
      {"smod32_intmin_imm", 0x80000000, 0, {alu32_imm(BPF_MOD, 0, -1, 1)}, 0},
      {"sdiv64_by_minus_one", 5, uint64_t(-1), {alu64_reg(BPF_DIV, 0, 1, 1)}, uint64_t(-5)},
      // signed division truncates toward zero; the remainder takes the dividend's sign
      {"sdiv64_truncates", uint64_t(-7), 2, {alu64_reg(BPF_DIV, 0, 1, 1)}, uint64_t(-3)},
      {"smod64_sign", uint64_t(-7), 2, {alu64_reg(BPF_MOD, 0, 1, 1)}, uint64_t(-1)},
      {"smod32_sign", 7, 0, {alu32_imm(BPF_MOD, 0, -2, 1)}, 1},
      {"udiv64_neg_imm", 10, 0, {alu64_imm(BPF_DIV, 0, -1)}, 0},  // imm sign-extends, then unsigned
      {"udiv32_neg_imm", 0xfffffffe, 0, {alu32_imm(BPF_DIV, 0, -1)}, 0},
      // shift counts are masked to the operand width
      {"lsh64_reg_65", 1, 65, {alu64_reg(BPF_LSH, 0, 1)}, 2},
      {"lsh64_imm_65", 1, 0, {alu64_imm(BPF_LSH, 0, 65)}, 2},
      {"lsh32_reg_33", 0x80000001, 33, {alu32_reg(BPF_LSH, 0, 1)}, 2},
      {"rsh32_imm_36", 0xf0, 0, {alu32_imm(BPF_RSH, 0, 36)}, 0xf},
      {"arsh64_reg_68", kInt64Min, 68, {alu64_reg(BPF_ARSH, 0, 1)}, 0xf800000000000000},
      {"arsh32_zero_extends", 0x80000000, 0, {alu32_imm(BPF_ARSH, 0, 4)}, 0xf8000000},
      {"rsh64_logical", kInt64Min, 0, {alu64_imm(BPF_RSH, 0, 63)}, 1},
      // 32-bit operations zero-extend their result
      {"add32_zero_extends", uint64_t(-1), 0, {alu32_imm(BPF_ADD, 0, 0)}, 0xffffffff},
      {"mov32_zero_extends", 0, 0, {mov32_imm(0, -1)}, 0xffffffff},
      {"mov64_sign_extends", 0, 0, {mov64_imm(0, -1)}, uint64_t(-1)},
      {"mov32_reg", 0, 0x1234567890, {alu32_reg(BPF_MOV, 0, 1)}, 0x34567890},
      {"neg32", 1, 0, {insn(0x84, 0)}, 0xffffffff},
      {"neg64", 1, 0, {insn(0x87, 0)}, uint64_t(-1)},
      {"mul32_wraps", 0x80000000, 2, {alu32_reg(BPF_MUL, 0, 1)}, 0},
      {"sub32", 0, 1, {alu32_reg(BPF_SUB, 0, 1)}, 0xffffffff},
      // movsx
      {"movsx64_8", 0, 0x180, {movsx64(0, 1, 8)}, 0xffffffffffffff80},
      {"movsx64_16", 0, 0x18000, {movsx64(0, 1, 16)}, 0xffffffffffff8000},
      {"movsx64_32", 0, 0x180000000, {movsx64(0, 1, 32)}, 0xffffffff80000000},
      {"movsx32_8", 0, 0x80, {movsx32(0, 1, 8)}, 0xffffff80},
      {"movsx32_16", 0, 0x7fff, {movsx32(0, 1, 16)}, 0x7fff},
      // byte order on this little-endian host: le truncates, be and bswap swap
      {"be16", 0x0102030405060708, 0, {endian(BPF_TO_BE, 0, 16)}, 0x0807},
      {"be32", 0x0102030405060708, 0, {endian(BPF_TO_BE, 0, 32)}, 0x08070605},
      {"be64", 0x0102030405060708, 0, {endian(BPF_TO_BE, 0, 64)}, 0x0807060504030201},
      {"le16", 0x0102030405060708, 0, {endian(BPF_TO_LE, 0, 16)}, 0x0708},
      {"le32", 0x0102030405060708, 0, {endian(BPF_TO_LE, 0, 32)}, 0x05060708},
      {"le64", 0x0102030405060708, 0, {endian(BPF_TO_LE, 0, 64)}, 0x0102030405060708},
      {"bswap16", 0x0102030405060708, 0, {bswap(0, 16)}, 0x0807},
      {"bswap32", 0x0102030405060708, 0, {bswap(0, 32)}, 0x08070605},
      {"bswap64", 0x0102030405060708, 0, {bswap(0, 64)}, 0x0807060504030201},
  };
}

class Alu : public testing::TestWithParam<AluCase> {};

TEST_P(Alu, DefinedResult) {
  const AluCase& c = GetParam();
  Prog p;
  lddw(p, 1, c.r1);
  p = p + with_r0(c.r0, c.ops);
  EXPECT_EQ(run(p), c.expected) << std::hex << "got 0x" << run(p) << " expected 0x" << c.expected;
}

INSTANTIATE_TEST_SUITE_P(isaEdges, Alu, testing::ValuesIn(alu_cases()),
                         [](const testing::TestParamInfo<AluCase>& i) { return std::string(i.param.name); });

TEST(isa_Interpreter, JumpsCompareSignedAndUnsigned32And64) {
  // r1 = -1: unsigned it is the largest value, signed it is below 0.
  auto taken = [](Insn jump) {
    Prog p;
    lddw(p, 1, uint64_t(-1));
    return run(p + Prog{jump, mov64_imm(0, 0), exit_insn(), mov64_imm(0, 1), exit_insn()});
  };
  EXPECT_EQ(taken(jmp_imm(BPF_JGT, 1, 5, 2)), 1u);
  EXPECT_EQ(taken(jmp_imm(BPF_JSGT, 1, 5, 2)), 0u);
  EXPECT_EQ(taken(jmp_imm(BPF_JSLT, 1, 0, 2)), 1u);
  EXPECT_EQ(taken(jmp_imm(BPF_JEQ, 1, -1, 2)), 1u);  // imm sign-extends to 64 bits
  EXPECT_EQ(taken(jmp32_imm(BPF_JEQ, 1, -1, 2)), 1u);
  EXPECT_EQ(taken(jmp32_imm(BPF_JSLT, 1, 0, 2)), 1u);
  EXPECT_EQ(taken(jmp_imm(BPF_JSET, 1, 0x10, 2)), 1u);
  EXPECT_EQ(taken(jmp_imm(BPF_JLE, 1, 0, 2)), 0u);
  EXPECT_EQ(taken(gotol(2)), 1u);
}

TEST(isa_Interpreter, SignExtendingLoads) {
  const uint8_t mem[8] = {0x80, 0x7f, 0x00, 0x80, 0x01, 0x00, 0x00, 0x80};
  const uint64_t m = reinterpret_cast<uint64_t>(mem);
  EXPECT_EQ(run({ldxsx(BPF_B, 0, 1, 0), exit_insn()}, m), 0xffffffffffffff80u);
  EXPECT_EQ(run({ldxsx(BPF_B, 0, 1, 1), exit_insn()}, m), 0x7fu);
  EXPECT_EQ(run({ldxsx(BPF_H, 0, 1, 2), exit_insn()}, m), 0xffffffffffff8000u);
  EXPECT_EQ(run({ldxsx(BPF_W, 0, 1, 4), exit_insn()}, m), 0xffffffff80000001u);
  EXPECT_EQ(run({ldx(BPF_W, 0, 1, 4), exit_insn()}, m), 0x80000001u);  // plain loads zero-extend
  EXPECT_EQ(run({ldx(BPF_H, 0, 1, 1), exit_insn()}, m), 0x007fu);      // unaligned is fine
}

TEST(isa_Interpreter, StoresThroughTheStack) {
  const Prog p = {st(BPF_DW, 10, -8, -2),  // *(u64 *)(r10 - 8) = -2 (imm sign-extends)
                  st(BPF_B, 10, -8, 0x11), mov64_imm(1, 0x2233), stx(BPF_H, 10, 1, -7),
                  ldx(BPF_DW, 0, 10, -8), exit_insn()};
  EXPECT_EQ(run(p), 0xffffffffff223311u);
}

TEST(isa_Interpreter, AtomicsOnMemory) {
  uint64_t cell[2] = {10, 0};
  const uint64_t m = reinterpret_cast<uint64_t>(cell);
  // r0 = atomic64_fetch_add(cell, 5) -> old value
  EXPECT_EQ(run({mov64_imm(0, 5), atomic(BPF_DW, BPF_ADD | BPF_FETCH, 1, 0, 0), exit_insn()}, m), 10u);
  EXPECT_EQ(cell[0], 15u);
  // cmpxchg that matches: writes, r0 = old
  EXPECT_EQ(run({mov64_imm(0, 15), mov64_imm(2, 99), atomic(BPF_DW, BPF_CMPXCHG, 1, 2, 0), exit_insn()}, m), 15u);
  EXPECT_EQ(cell[0], 99u);
  // cmpxchg that does not: memory unchanged, r0 = current value
  EXPECT_EQ(run({mov64_imm(0, 1), mov64_imm(2, 7), atomic(BPF_DW, BPF_CMPXCHG, 1, 2, 0), exit_insn()}, m), 99u);
  EXPECT_EQ(cell[0], 99u);
  // xchg
  EXPECT_EQ(run({mov64_imm(2, 3), atomic(BPF_DW, BPF_XCHG, 1, 2, 0), mov64_reg(0, 2), exit_insn()}, m), 99u);
  EXPECT_EQ(cell[0], 3u);
  // lock and/or/xor without fetch
  EXPECT_EQ(run({mov64_imm(2, 0xf0), atomic(BPF_DW, BPF_OR, 1, 2, 0), mov64_imm(2, 0x33),
                 atomic(BPF_DW, BPF_AND, 1, 2, 0), mov64_imm(2, 0x1), atomic(BPF_DW, BPF_XOR, 1, 2, 0),
                 mov64_imm(0, 0), exit_insn()},
                m),
            0u);
  EXPECT_EQ(cell[0], ((3u | 0xf0u) & 0x33u) ^ 1u);
  // 32-bit forms touch 4 bytes and zero-extend what they fetch
  uint32_t word[2] = {0xfffffff0, 0xaaaaaaaa};
  const uint64_t w = reinterpret_cast<uint64_t>(word);
  Prog fetch_or;
  lddw(fetch_or, 2, 0xffffffff0000000full);
  fetch_or = fetch_or + Prog{atomic(BPF_W, BPF_OR | BPF_FETCH, 1, 2, 0), mov64_reg(0, 2), exit_insn()};
  EXPECT_EQ(run(fetch_or, w), 0xfffffff0u);
  EXPECT_EQ(word[0], 0xffffffffu);
  EXPECT_EQ(word[1], 0xaaaaaaaau);
  EXPECT_EQ(run({mov32_imm(0, -1), mov64_imm(2, 5), atomic(BPF_W, BPF_CMPXCHG, 1, 2, 0), exit_insn()}, w),
            0xffffffffu);
  EXPECT_EQ(word[0], 5u);
  EXPECT_EQ(run({mov64_imm(2, 7), atomic(BPF_W, BPF_XCHG, 1, 2, 4), mov64_reg(0, 2), exit_insn()}, w), 0xaaaaaaaau);
  EXPECT_EQ(run({mov64_imm(2, 1), atomic(BPF_W, BPF_ADD, 1, 2, 4), mov64_imm(0, 0), exit_insn()}, w), 0u);
  EXPECT_EQ(word[1], 8u);
}

// main: r6 = 42; r1 = n; call sum; r0 += r6; exit
// sum(n): n == 0 ? 0 : n + sum(n - 1), keeping n in its own frame's stack
// and clobbering r6, which the call must restore for main.
Prog recursive_sum(int32_t n) {
  return {
      mov64_imm(6, 42),            // 0
      mov64_imm(1, n),             // 1
      call_local(2),               // 2 -> 5
      alu64_reg(BPF_ADD, 0, 6),    // 3
      exit_insn(),                 // 4
      mov64_imm(6, 1000),          // 5: sum
      jmp_imm(BPF_JNE, 1, 0, 2),   // 6 -> 9
      mov64_imm(0, 0),             // 7
      exit_insn(),                 // 8
      stx(BPF_DW, 10, 1, -8),      // 9
      alu64_imm(BPF_ADD, 1, -1),   // 10
      call_local(-7),              // 11 -> 5
      ldx(BPF_DW, 1, 10, -8),      // 12
      alu64_reg(BPF_ADD, 0, 1),    // 13
      exit_insn(),                 // 14
  };
}

TEST(isa_Interpreter, BpfToBpfCallsUseEightFrames) {
  // n = 6: main plus sum(6)..sum(0) = 8 frames, the kernel's MAX_CALL_FRAMES.
  EXPECT_EQ(run(recursive_sum(6)), 21u + 42u);
  EXPECT_EQ(run(recursive_sum(1)), 1u + 42u);
}

TEST(isa_Interpreter, CallDeeperThanEightFramesStopsTheRun) {
  // The verifier refuses this; the interpreter must still not overflow its frames.
  EXPECT_EQ(run(recursive_sum(7)), 0u);
  EXPECT_EQ(run(recursive_sum(1000)), 0u);
}

TEST(isa_Interpreter, R10IsPerFrame) {
  // The callee's r10 is a different 512-byte frame: its write does not hit main's slot.
  const Prog p = {
      st(BPF_DW, 10, -8, 1),     // 0
      call_local(3),             // 1 -> 5
      ldx(BPF_DW, 0, 10, -8),    // 2
      exit_insn(),               // 3
      exit_insn(),               // 4 (unreachable)
      st(BPF_DW, 10, -8, 2),     // 5
      mov64_reg(0, 10),          // 6
      exit_insn(),               // 7
  };
  EXPECT_EQ(run(p), 1u);
}

// A stand-in for bpf_loop(nr, callback, ctx, flags): calls the callback until it
// returns non-zero, returns the number of iterations.
uint64_t fake_loop(uint64_t nr, uint64_t cb, uint64_t ctx, uint64_t, uint64_t) {
  const auto* callback = reinterpret_cast<const helpers::Callback*>(cb);
  uint64_t i = 0;
  while (i < nr) {
    const uint64_t stop = callback->invoke(callback, i, ctx, 0, 0, 0);
    ++i;
    if (stop) break;
  }
  return i;
}

TEST(isa_Interpreter, PseudoFuncLoadsACallableCallback) {
  Prog p = {st(BPF_DW, 10, -8, 0), mov64_imm(1, 5)};  // 0, 1
  lddw(p, 2, 0, BPF_PSEUDO_FUNC);                      // 2-3: r2 = the callback at 2 + 1 + 9 = 12
  p[2].imm = 9;
  p = p + Prog{
              mov64_reg(3, 10),           // 4: r3 = ctx = &stack[-8]
              alu64_imm(BPF_ADD, 3, -8),  // 5
              mov64_imm(4, 0),            // 6
              call_helper(181),           // 7: r0 = loop(5, callback, ctx, 0)
              ldx(BPF_DW, 1, 10, -8),     // 8
              alu64_imm(BPF_LSH, 0, 8),   // 9: r0 = iterations << 8 | sum
              alu64_reg(BPF_OR, 0, 1),    // 10
              exit_insn(),                // 11
              ldx(BPF_DW, 3, 2, 0),       // 12: callback(i, ctx): *ctx += i
              alu64_reg(BPF_ADD, 3, 1),   // 13
              stx(BPF_DW, 2, 3, 0),       // 14
              mov64_imm(0, 0),            // 15
              jmp_imm(BPF_JNE, 1, 3, 1),  // 16: stop after i == 3
              mov64_imm(0, 1),            // 17
              exit_insn(),                // 18
          };
  PrepareSpec opts;
  opts.exec.helper_overrides.push_back({181, &fake_loop});
  EXPECT_EQ(run(p, 0, opts), (4u << 8) | (0u + 1u + 2u + 3u));
}

uint64_t exit_with_42_if_r1(uint64_t r1, uint64_t, uint64_t, uint64_t, uint64_t) {
  if (r1) exec::request_exit(42);
  return 7;
}

TEST(isa_Interpreter, RequestExitEndsTheRunAfterTheHelper) {
  PrepareSpec opts;
  opts.exec.helper_overrides.push_back({1000, &exit_with_42_if_r1});
  const Prog p = {call_helper(1000), alu64_imm(BPF_ADD, 0, 1), exit_insn()};
  EXPECT_EQ(run(p, 1, opts), 42u);
  EXPECT_EQ(run(p, 0, opts), 8u);  // no request: the program carries on
  // From a subprogram: the whole program ends, not just the frame.
  const Prog nested = {call_local(2), mov64_imm(0, 5), exit_insn(), call_helper(1000), exit_insn()};
  EXPECT_EQ(run(nested, 1, opts), 42u);
  EXPECT_EQ(run(nested, 0, opts), 5u);
}

TEST(isa_Interpreter, TakeExitRequestConsumesTheRequest) {
  uint64_t r0 = 0;
  EXPECT_FALSE(exec::take_exit_request(&r0));
  exec::request_exit(5);
  EXPECT_TRUE(exec::take_exit_request(&r0));
  EXPECT_EQ(r0, 5u);
  EXPECT_FALSE(exec::take_exit_request(&r0));
}

uint64_t sum5(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) { return a + 10 * b + 100 * c + 1000 * d + 10000 * e; }

TEST(isa_Interpreter, HelpersGetR1ToR5) {
  PrepareSpec opts;
  opts.exec.helper_overrides.push_back({1001, &sum5});
  const Prog p = {mov64_imm(1, 1), mov64_imm(2, 2), mov64_imm(3, 3), mov64_imm(4, 4), mov64_imm(5, 5),
                  call_helper(1001), exit_insn()};
  EXPECT_EQ(run(p, 0, opts), 54321u);
}

TEST(isa_Interpreter, KfuncCallsGoToTheirBinding) {
  PrepareSpec opts;
  opts.kfuncs.push_back({"sum5", test_host_owner(), 77, reinterpret_cast<const void*>(&sum5)});
  const Prog p = {mov64_imm(1, 9), mov64_imm(2, 0), mov64_imm(3, 0), mov64_imm(4, 0), mov64_imm(5, 0),
                  call_kfunc(0), exit_insn()};  // the loader's form: ksym #0
  EXPECT_EQ(run(p, 0, opts), 9u);
  auto fixed = fixup_for_test(p, opts);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->insns[5].imm, 77);  // the kernel's form: the FUNC's BTF id
  EXPECT_EQ(fixed->calls[5].kind, exec::CallTarget::Kind::Kfunc);
}

TEST(isa_Interpreter, CallxCallsTheHelperNamedByARegister) {
  PrepareSpec opts;
  opts.exec.allow_callx = true;
  opts.exec.helper_overrides.push_back({1001, &sum5});
  Prog p = {mov64_imm(1, 3), mov64_imm(2, 0), mov64_imm(3, 0), mov64_imm(4, 0), mov64_imm(5, 0),
            mov64_imm(6, 1001), callx(6), exit_insn()};
  EXPECT_EQ(run(p, 0, opts), 3u);
  p[5] = mov64_imm(6, 999999);  // no such helper: the run stops
  EXPECT_EQ(run(p, 0, opts), 0u);
}

TEST(isa_Interpreter, LddwLoadsResolvedAddresses) {
  uint64_t value = 1234;
  Prog p;
  lddw(p, 1, reinterpret_cast<uint64_t>(&value), BPF_PSEUDO_MAP_VALUE);
  p = p + Prog{ldx(BPF_DW, 0, 1, 0), exit_insn()};
  EXPECT_EQ(run(p), 1234u);
}

TEST(isa_Interpreter, RunningOffTheEndOfAnUnvalidatedProgramStops) {
  auto prog = prepare(Prog{mov64_imm(0, 5)});
  ASSERT_TRUE(prog.ok());
  EXPECT_EQ((*prog)->run(0), 0u);
}

TEST(isa_Interpreter, ArgumentsAndEntryState) {
  EXPECT_EQ(run({mov64_reg(0, 1), exit_insn()}, 77), 77u);
  auto prog = prepare(Prog{mov64_reg(0, 5), alu64_reg(BPF_ADD, 0, 4), exit_insn()});
  ASSERT_TRUE(prog.ok());
  EXPECT_EQ((*prog)->run(1, 2, 3, 40, 500), 540u);
  // r0 and r6..r9 start at 0.
  EXPECT_EQ(run({alu64_reg(BPF_ADD, 0, 6), alu64_reg(BPF_OR, 0, 9), exit_insn()}), 0u);
}

struct PrepareErrorCase {
  const char* name;
  Prog prog;
  PrepareSpec opts;
  std::string message;
};

// gtest prints the case by its name, not as raw bytes.
void PrintTo(const PrepareErrorCase& c, std::ostream* os) { *os << c.name; }

std::vector<PrepareErrorCase> prepare_error_cases() {
  PrepareSpec named;
  named.exec.name = "classify";
  return {
      {"empty", {}, {}, "program has no instructions"},
      {"unknown_helper", {mov64_imm(0, 0), call_helper(99999), exit_insn()}, {}, "insn 1: invalid func unknown#99999"},
      {"named", {call_helper(99999), exit_insn()}, named, "prog 'classify': insn 0: invalid func unknown#99999"},
      {"callx_disabled", {callx(1), exit_insn()}, {}, "insn 0: callx is not enabled"},
      {"kfunc_unbound", {call_kfunc(5), exit_insn()}, {}, "insn 0: names extern kfunc #5, which is not bound"},
      {"call_out_of_range", {call_local(5), exit_insn()}, {}, "insn 0: call to invalid destination 6"},
      {"unknown_opcode", {insn(0x8c), exit_insn()}, {}, "insn 0: unknown opcode 8c"},
      {"bad_register", {mov64_imm(12, 0), exit_insn()}, {}, "insn 0: R12 is invalid"},
  };
}

class PrepareErrors : public testing::TestWithParam<PrepareErrorCase> {};

TEST_P(PrepareErrors, NameTheInstruction) {
  const PrepareErrorCase& c = GetParam();
  auto prog = prepare(c.prog, c.opts);
  ASSERT_FALSE(prog.ok());
  EXPECT_EQ(prog.error().code(), -EINVAL);
  EXPECT_EQ(prog.error().message(), c.message);
}

// The interpreter takes the fixup stage's decisions as they are, and refuses a
// prepared program that lacks one rather than guessing.
TEST(isa_Interpreter, APreparedCallWithoutItsTargetIsRefused) {
  exec::PreparedProgram p;
  p.insns = {call_kfunc(5), exit_insn()};
  p.calls.resize(2);
  auto kfunc = exec::make_interpreter(p);
  ASSERT_FALSE(kfunc.ok());
  EXPECT_EQ(kfunc.error().message(), "insn 0: kernel function call with btf_id 5 (off 0) is not resolved");
  p.insns = {call_helper(BPF_FUNC_ktime_get_ns), exit_insn()};
  auto helper = exec::make_interpreter(p);
  ASSERT_FALSE(helper.ok());
  EXPECT_EQ(helper.error().message(), "insn 0: helper call #5 has no target (not a fixed-up program)");
  p.calls.clear();
  EXPECT_FALSE(exec::make_interpreter(p).ok());
}

INSTANTIATE_TEST_SUITE_P(isaAll, PrepareErrors, testing::ValuesIn(prepare_error_cases()),
                         [](const testing::TestParamInfo<PrepareErrorCase>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace hostbpf
