// isa::disasm_insn / disasm_program against the verifier log's format strings
// (kernel/bpf/disasm.c, print_bpf_insn), one case per instruction shape.
#include <gtest/gtest.h>

#include "asm.h"
#include "isa/disasm.h"

namespace hostbpf {
namespace {

using namespace test;

struct DisasmCase {
  const char* name;
  Prog insns;  // one instruction (two slots for lddw)
  const char* expected;
};

// gtest prints the case by its name, not as raw bytes.
void PrintTo(const DisasmCase& c, std::ostream* os) { *os << c.name; }

Prog pair(uint8_t dst, uint64_t imm, uint8_t src = 0) {
  Prog p;
  lddw(p, dst, imm, src);
  return p;
}

std::vector<DisasmCase> cases() {
  return {
      // ALU64 / ALU: "(%02x) %c%d %s %d" and "(%02x) %c%d %s %s%c%d"
      {"mov64_imm", {mov64_imm(0, 0)}, "(b7) r0 = 0"},
      {"mov64_neg_imm", {mov64_imm(2, -1)}, "(b7) r2 = -1"},
      {"mov64_reg", {mov64_reg(1, 6)}, "(bf) r1 = r6"},
      {"add64_imm", {alu64_imm(BPF_ADD, 1, -8)}, "(07) r1 += -8"},
      {"sub64_reg", {alu64_reg(BPF_SUB, 3, 4)}, "(1f) r3 -= r4"},
      {"mul64", {alu64_imm(BPF_MUL, 1, 3)}, "(27) r1 *= 3"},
      {"div64", {alu64_reg(BPF_DIV, 1, 2)}, "(3f) r1 /= r2"},
      {"sdiv64", {alu64_reg(BPF_DIV, 1, 2, 1)}, "(3f) r1 s/= r2"},
      {"smod64_imm", {alu64_imm(BPF_MOD, 1, 3, 1)}, "(97) r1 s%= 3"},
      {"mod32", {alu32_reg(BPF_MOD, 1, 2)}, "(9c) w1 %= w2"},
      {"or", {alu64_imm(BPF_OR, 1, 16)}, "(47) r1 |= 16"},
      {"and32", {alu32_imm(BPF_AND, 1, 255)}, "(54) w1 &= 255"},
      {"lsh", {alu64_imm(BPF_LSH, 1, 3)}, "(67) r1 <<= 3"},
      {"rsh32", {alu32_reg(BPF_RSH, 1, 2)}, "(7c) w1 >>= w2"},
      {"arsh", {alu64_imm(BPF_ARSH, 1, 3)}, "(c7) r1 s>>= 3"},
      {"xor32", {alu32_reg(BPF_XOR, 0, 0)}, "(ac) w0 ^= w0"},
      {"add32", {alu32_imm(BPF_ADD, 1, 1)}, "(04) w1 += 1"},
      {"mov32_reg", {alu32_reg(BPF_MOV, 1, 2)}, "(bc) w1 = w2"},
      {"neg32", {insn(0x84, 1)}, "(84) w1 = -w1"},
      {"neg64", {insn(0x87, 1)}, "(87) r1 = -r1"},
      {"movsx64_8", {movsx64(0, 1, 8)}, "(bf) r0 = (s8)r1"},
      {"movsx64_32", {movsx64(0, 1, 32)}, "(bf) r0 = (s32)r1"},
      {"movsx32_16", {movsx32(0, 1, 16)}, "(bc) w0 = (s16)w1"},
      // byte order: "(%02x) r%d = %s%d r%d" and "(%02x) r%d = bswap%d r%d"
      {"be16", {endian(BPF_TO_BE, 0, 16)}, "(dc) r0 = be16 r0"},
      {"le64", {endian(BPF_TO_LE, 3, 64)}, "(d4) r3 = le64 r3"},
      {"bswap16", {bswap(0, 16)}, "(d7) r0 = bswap16 r0"},
      {"bswap64", {bswap(5, 64)}, "(d7) r5 = bswap64 r5"},
      // loads and stores: "(%02x) r%d = *(%s *)(r%d %+d)" etc.
      {"ldxw", {ldx(BPF_W, 2, 1, 4)}, "(61) r2 = *(u32 *)(r1 +4)"},
      {"ldxdw_neg", {ldx(BPF_DW, 0, 10, -8)}, "(79) r0 = *(u64 *)(r10 -8)"},
      {"ldxb", {ldx(BPF_B, 0, 1, 0)}, "(71) r0 = *(u8 *)(r1 +0)"},
      {"ldxsb", {ldxsx(BPF_B, 0, 1, 0)}, "(91) r0 = *(s8 *)(r1 +0)"},
      {"ldxsh", {ldxsx(BPF_H, 0, 1, 2)}, "(89) r0 = *(s16 *)(r1 +2)"},
      {"ldxsw", {ldxsx(BPF_W, 0, 1, -4)}, "(81) r0 = *(s32 *)(r1 -4)"},
      {"stxdw", {stx(BPF_DW, 10, 1, -8)}, "(7b) *(u64 *)(r10 -8) = r1"},
      {"stxh", {stx(BPF_H, 1, 2, 6)}, "(6b) *(u16 *)(r1 +6) = r2"},
      {"stb", {st(BPF_B, 10, -1, 5)}, "(72) *(u8 *)(r10 -1) = 5"},
      {"stw_neg", {st(BPF_W, 1, 0, -3)}, "(62) *(u32 *)(r1 +0) = -3"},
      // atomics
      {"lock_add64", {atomic(BPF_DW, BPF_ADD, 1, 2, 0)}, "(db) lock *(u64 *)(r1 +0) += r2"},
      {"lock_or32", {atomic(BPF_W, BPF_OR, 1, 2, 8)}, "(c3) lock *(u32 *)(r1 +8) |= r2"},
      {"lock_and64", {atomic(BPF_DW, BPF_AND, 1, 2, 0)}, "(db) lock *(u64 *)(r1 +0) &= r2"},
      {"lock_xor32", {atomic(BPF_W, BPF_XOR, 1, 2, 0)}, "(c3) lock *(u32 *)(r1 +0) ^= r2"},
      {"fetch_add32", {atomic(BPF_W, BPF_ADD | BPF_FETCH, 1, 0, 0)}, "(c3) r0 = atomic_fetch_add((u32 *)(r1 +0), r0)"},
      {"fetch_xor64", {atomic(BPF_DW, BPF_XOR | BPF_FETCH, 1, 2, -8)},
       "(db) r2 = atomic64_fetch_xor((u64 *)(r1 -8), r2)"},
      {"fetch_and64", {atomic(BPF_DW, BPF_AND | BPF_FETCH, 1, 2, 0)},
       "(db) r2 = atomic64_fetch_and((u64 *)(r1 +0), r2)"},
      {"fetch_or32", {atomic(BPF_W, BPF_OR | BPF_FETCH, 1, 2, 0)}, "(c3) r2 = atomic_fetch_or((u32 *)(r1 +0), r2)"},
      {"xchg64", {atomic(BPF_DW, BPF_XCHG, 1, 2, 0)}, "(db) r2 = atomic64_xchg((u64 *)(r1 +0), r2)"},
      {"xchg32", {atomic(BPF_W, BPF_XCHG, 1, 2, 4)}, "(c3) r2 = atomic_xchg((u32 *)(r1 +4), r2)"},
      {"cmpxchg32", {atomic(BPF_W, BPF_CMPXCHG, 1, 2, 0)}, "(c3) r0 = atomic_cmpxchg((u32 *)(r1 +0), r0, r2)"},
      {"cmpxchg64", {atomic(BPF_DW, BPF_CMPXCHG, 1, 2, 16)}, "(db) r0 = atomic64_cmpxchg((u64 *)(r1 +16), r0, r2)"},
      // jumps: "if %c%d %s 0x%x goto pc%+d" with the immediate as u32
      {"jne_imm", {jmp_imm(BPF_JNE, 0, 0, 2)}, "(55) if r0 != 0x0 goto pc+2"},
      {"jeq32_imm", {jmp32_imm(BPF_JEQ, 1, 1, 1)}, "(16) if w1 == 0x1 goto pc+1"},
      {"jlt32_neg", {jmp32_imm(BPF_JLT, 1, -1, 1)}, "(a6) if w1 < 0xffffffff goto pc+1"},
      {"jsgt_neg", {jmp_imm(BPF_JSGT, 3, -2, -4)}, "(65) if r3 s> 0xfffffffe goto pc-4"},
      {"jne_reg", {jmp_reg(BPF_JNE, 1, 2, -3)}, "(5d) if r1 != r2 goto pc-3"},
      {"jset_reg32", {insn(BPF_JMP32 | BPF_JSET | BPF_X, 1, 2, 0)}, "(4e) if w1 & w2 goto pc+0"},
      {"jsle", {jmp_imm(BPF_JSLE, 1, 5, 7)}, "(d5) if r1 s<= 0x5 goto pc+7"},
      {"ja", {ja(1)}, "(05) goto pc+1"},
      {"ja_back", {ja(-1)}, "(05) goto pc-1"},
      {"gotol", {gotol(1)}, "(06) gotol pc+1"},
      {"exit", {exit_insn()}, "(95) exit"},
      // calls
      {"call_helper", {call_helper(1)}, "(85) call bpf_map_lookup_elem#1"},
      {"call_trace_printk", {call_helper(6)}, "(85) call bpf_trace_printk#6"},
      {"call_unknown", {call_helper(100000)}, "(85) call unknown#100000"},
      {"call_local", {call_local(3)}, "(85) call pc+3"},
      {"call_local_back", {call_local(-5)}, "(85) call pc-5"},
      {"call_kfunc", {call_kfunc(1234)}, "(85) call kernel-function#1234"},
      {"callx", {callx(2)}, "(8d) callx r2"},
      // 64-bit immediates
      {"lddw", pair(1, 0x1122334455667788ull), "(18) r1 = 0x1122334455667788"},
      {"lddw_small", pair(0, 1), "(18) r0 = 0x1"},
      // not instructions: the kernel's BUG_ forms
      {"bad_ldx", {insn(0x99)}, "BUG_ldx_99"},
      {"bad_alu", {insn(0xe7)}, "BUG_alu_e7"},
      {"ld_abs", {insn(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, 12)}, "(28) r0 = *(u16 *)skb[12]"},
  };
}

class Disasm : public testing::TestWithParam<DisasmCase> {};

TEST_P(Disasm, MatchesKernelFormat) {
  const DisasmCase& c = GetParam();
  EXPECT_EQ(isa::disasm_insn(c.insns.data(), 0), c.expected);
}

INSTANTIATE_TEST_SUITE_P(isaKernel, Disasm, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<DisasmCase>& i) { return std::string(i.param.name); });

TEST(isa_DisasmNames, CallbacksNameHelpersMapsAndKfuncs) {
  isa::DisasmNames names;
  names.helper = [](int32_t id) { return id == 5 ? std::string("unwind") : std::string(); };
  names.lddw = [](const Insn* p) { return "map[id:" + std::to_string(isa::lddw_imm64(p)) + "]"; };
  names.kfunc = [](const Insn* i) { return i->imm == 7 ? std::string("bpf_obj_new_impl") : std::string(); };

  Insn unwind = call_helper(5);
  EXPECT_EQ(isa::disasm_insn(&unwind, 0, names), "(85) call unwind#5");
  Insn lookup = call_helper(1);  // falls back to the kernel's name
  EXPECT_EQ(isa::disasm_insn(&lookup, 0, names), "(85) call bpf_map_lookup_elem#1");
  Prog map = pair(1, 3, BPF_PSEUDO_MAP_FD);
  EXPECT_EQ(isa::disasm_insn(map.data(), 0, names), "(18) r1 = map[id:3]");
  Prog plain = pair(1, 3);  // no pseudo source: always the number
  EXPECT_EQ(isa::disasm_insn(plain.data(), 0, names), "(18) r1 = 0x3");
  Insn kf = call_kfunc(7);
  EXPECT_EQ(isa::disasm_insn(&kf, 0, names), "(85) call bpf_obj_new_impl#7");
}

TEST(isa_DisasmProgram, NumbersLinesAndSkipsLddwSecondHalf) {
  Prog p = {mov64_imm(0, 0)};
  lddw(p, 1, 0xff);
  p.push_back(jmp_imm(BPF_JEQ, 1, 0, 1));
  p.push_back(alu64_imm(BPF_ADD, 0, 1));
  p.push_back(exit_insn());
  EXPECT_EQ(isa::disasm_program(p),
            "0: (b7) r0 = 0\n"
            "1: (18) r1 = 0xff\n"
            "3: (15) if r1 == 0x0 goto pc+1\n"
            "4: (07) r0 += 1\n"
            "5: (95) exit\n");
}

TEST(isa_DisasmProgram, TruncatedLddwDoesNotReadPastTheEnd) {
  Prog p = {exit_insn()};
  lddw(p, 1, 5);
  p.pop_back();
  EXPECT_EQ(isa::disasm_program(p), "0: (95) exit\n1: (18) invalid ld_imm64 (second half missing)\n");
}

}  // namespace
}  // namespace hostbpf
