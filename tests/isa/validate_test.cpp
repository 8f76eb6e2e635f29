// isa::validate_program: every opcode RFC 9669 defines is accepted, nothing
// else is, and every rejection path says what the kernel would say, naming the
// instruction.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "asm.h"
#include "isa/opcode_table.h"
#include "isa/validate.h"

namespace hostbpf {
namespace {

using namespace test;
using isa::CpuVersion;
using isa::ValidateOptions;

ValidateOptions opts_v(CpuVersion cpu = CpuVersion::v4) {
  ValidateOptions o;
  o.cpu = cpu;
  return o;
}
ValidateOptions all_allowed() {
  ValidateOptions o;
  o.allow_callx = true;
  o.allow_kfunc_calls = true;
  return o;
}

// The valid opcodes of RFC 9669 cpu v1..v4 (plus callx), listed by hand so the
// table is checked against something it was not generated from.
const std::set<int> kRfcOpcodes = {
    // ALU: 12 binary ops (K, X), neg, le, be
    0x04, 0x14, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0x94, 0xa4, 0xb4, 0xc4,
    0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x9c, 0xac, 0xbc, 0xcc, 0x84, 0xd4, 0xdc,
    // ALU64: 12 binary ops (K, X), neg, bswap
    0x07, 0x17, 0x27, 0x37, 0x47, 0x57, 0x67, 0x77, 0x97, 0xa7, 0xb7, 0xc7,
    0x0f, 0x1f, 0x2f, 0x3f, 0x4f, 0x5f, 0x6f, 0x7f, 0x9f, 0xaf, 0xbf, 0xcf, 0x87, 0xd7,
    // JMP: ja, 11 conditions (K, X), call, callx, exit
    0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0x7d,
    0xa5, 0xad, 0xb5, 0xbd, 0xc5, 0xcd, 0xd5, 0xdd, 0x85, 0x8d, 0x95,
    // JMP32: gotol, 11 conditions (K, X)
    0x06, 0x16, 0x1e, 0x26, 0x2e, 0x36, 0x3e, 0x46, 0x4e, 0x56, 0x5e, 0x66, 0x6e, 0x76, 0x7e,
    0xa6, 0xae, 0xb6, 0xbe, 0xc6, 0xce, 0xd6, 0xde,
    // loads, stores, atomics, lddw
    0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb, 0x18,
};

TEST(isa_OpcodeTable, ValidOpcodesAreExactlyTheRfcSet) {
  EXPECT_EQ(kRfcOpcodes.size(), 120u);
  for (int code = 0; code < 256; ++code) {
    const bool valid = isa::opcode_info(static_cast<uint8_t>(code)).kind != isa::OpKind::Invalid;
    EXPECT_EQ(valid, kRfcOpcodes.count(code) == 1) << std::hex << "opcode 0x" << code;
  }
}

// A minimal well-formed instance of `code`, built from the table's own rules.
Prog minimal_program(uint8_t code) {
  const isa::OpcodeInfo& info = isa::opcode_info(code);
  auto pick = [](const isa::FieldSpec& f, int32_t any) {
    if (f.rule == isa::FieldRule::OneOf) return f.values[0].value;
    if (f.rule == isa::FieldRule::Zero) return 0;
    return any;
  };
  Insn i = insn(code, pick(info.dst, 1), pick(info.src, 2), static_cast<int16_t>(pick(info.off, 0)),
                pick(info.imm, info.kind == isa::OpKind::Call ? 1 : 0));
  if (info.kind == isa::OpKind::Exit) return {i};
  if (info.kind == isa::OpKind::LdImm64) return {i, insn(0), exit_insn()};
  return {i, exit_insn()};
}

TEST(isa_Validate, AcceptsEveryRfcOpcode) {
  for (int code : kRfcOpcodes) {
    Prog p = minimal_program(static_cast<uint8_t>(code));
    Error err = isa::validate_program(p, all_allowed());
    EXPECT_FALSE(err) << std::hex << "opcode 0x" << code << ": " << err.message();
  }
}

TEST(isa_Validate, AcceptsEveryFieldVariant) {
  const Prog variants = {
      alu64_reg(BPF_DIV, 1, 2, 1), alu64_imm(BPF_MOD, 1, 3, 1), alu32_reg(BPF_DIV, 1, 2, 1),
      movsx64(1, 2, 8), movsx64(1, 2, 16), movsx64(1, 2, 32), movsx32(1, 2, 8), movsx32(1, 2, 16),
      endian(BPF_TO_BE, 1, 16), endian(BPF_TO_BE, 1, 32), endian(BPF_TO_LE, 1, 64),
      bswap(1, 16), bswap(1, 32), bswap(1, 64),
      atomic(BPF_DW, BPF_ADD, 1, 2, 0), atomic(BPF_DW, BPF_ADD | BPF_FETCH, 1, 2, 0),
      atomic(BPF_W, BPF_OR, 1, 2, 0), atomic(BPF_W, BPF_OR | BPF_FETCH, 1, 2, 0),
      atomic(BPF_W, BPF_AND, 1, 2, 0), atomic(BPF_W, BPF_AND | BPF_FETCH, 1, 2, 0),
      atomic(BPF_DW, BPF_XOR, 1, 2, 0), atomic(BPF_DW, BPF_XOR | BPF_FETCH, 1, 2, 0),
      atomic(BPF_DW, BPF_XCHG, 1, 2, 0), atomic(BPF_W, BPF_CMPXCHG, 1, 2, 0),
      st(BPF_DW, 10, -8, 1), stx(BPF_W, 10, 1, -4), ldx(BPF_DW, 0, 10, -8),  // r10 as a base is fine
      alu64_imm(BPF_LSH, 1, 100), alu32_imm(BPF_DIV, 1, 0),  // the verifier's business, not the ISA's
      call_kfunc(1234), callx(3), exit_insn()};
  Error err = isa::validate_program(variants, all_allowed());
  EXPECT_FALSE(err) << err.message();

  for (uint8_t src = 0; src <= BPF_PSEUDO_MAP_IDX_VALUE; ++src) {
    Prog p;
    lddw(p, 1, 0, src);
    if (src == BPF_PSEUDO_FUNC) p[0].imm = 2;  // a subprogram at insn 3
    p = p + Prog{exit_insn(), exit_insn()};
    Error e = isa::validate_program(p);
    EXPECT_FALSE(e) << "lddw src " << int(src) << ": " << e.message();
  }
}

struct RejectCase {
  const char* name;
  Prog prog;
  ValidateOptions opts;
  std::string message;  // the whole message
};

// gtest prints the case by its name, not as raw bytes.
void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.name; }

std::vector<RejectCase> reject_cases() {
  ValidateOptions v4 = opts_v();
  ValidateOptions no_pseudo = v4;
  no_pseudo.allow_pseudo_lddw = false;
  Prog lddw_missing_half;
  lddw(lddw_missing_half, 1, 5);
  lddw_missing_half.pop_back();
  Prog lddw_bad_half;
  lddw(lddw_bad_half, 1, 5);
  lddw_bad_half[1].code = BPF_LD | BPF_IMM | BPF_DW;
  lddw_bad_half.push_back(exit_insn());
  Prog lddw_off;
  lddw(lddw_off, 1, 5);
  lddw_off[1].off = 4;
  lddw_off.push_back(exit_insn());
  Prog lddw_src7;
  lddw(lddw_src7, 1, 5, 7);
  lddw_src7.push_back(exit_insn());
  Prog lddw_pseudo;
  lddw(lddw_pseudo, 1, 5, BPF_PSEUDO_MAP_FD);
  lddw_pseudo.push_back(exit_insn());
  Prog lddw_r10;
  lddw(lddw_r10, 10, 5);
  lddw_r10.push_back(exit_insn());
  Prog jump_into_lddw = {jmp_imm(BPF_JEQ, 1, 0, 1)};
  lddw(jump_into_lddw, 0, 1);
  jump_into_lddw.push_back(exit_insn());
  Prog call_into_lddw = {call_local(2), exit_insn()};
  lddw(call_into_lddw, 0, 1);
  call_into_lddw.push_back(exit_insn());
  Prog ends_in_lddw = {mov64_imm(0, 0)};
  lddw(ends_in_lddw, 0, 1);
  Prog func_out_of_range;
  lddw(func_out_of_range, 2, 0, BPF_PSEUDO_FUNC);
  func_out_of_range[0].imm = 5;
  func_out_of_range.push_back(exit_insn());

  const Insn ok = exit_insn();
  return {
      {"empty", {}, v4, "program has no instructions"},
      {"unknown_opcode", {insn(0x8c), ok}, v4, "invalid insn 0: unknown opcode 8c"},
      {"ld_imm_w", {ok, insn(0x00)}, v4, "invalid insn 1: unknown opcode 00"},
      {"alu_op_e0", {insn(0xe7), ok}, v4, "invalid insn 0: unknown opcode e7"},
      {"jmp32_exit", {insn(0x96)}, v4, "invalid insn 0: unknown opcode 96"},
      {"alu64_to_be", {insn(0xdf, 0, 0, 0, 16), ok}, v4, "invalid insn 0: unknown opcode df"},
      {"atomic_u8", {atomic(BPF_B, BPF_ADD, 1, 2, 0), ok}, v4, "invalid insn 0: unknown opcode d3"},
      {"memsx_dw", {ldxsx(BPF_DW, 0, 1, 0), ok}, v4, "invalid insn 0: unknown opcode 99"},
      {"ld_abs", {insn(BPF_LD | BPF_ABS | BPF_W), ok}, v4,
       "invalid insn 0: BPF_LD_[ABS|IND] instructions are not supported (no socket buffer)"},
      {"may_goto", {insn(BPF_JMP | BPF_JCOND), ok}, v4, "invalid insn 0: may_goto (BPF_JCOND) is not supported"},
      {"alu_imm_src", {alu64_imm(BPF_ADD, 0, 1), insn(0x04, 0, 1, 0, 1), ok}, v4,
       "invalid insn 1: BPF_ALU uses reserved fields (src_reg=1)"},
      {"alu_reg_imm", {alu64_reg(BPF_ADD, 0, 1), insn(0x0c, 0, 1, 0, 7), ok}, v4,
       "invalid insn 1: BPF_ALU uses reserved fields (imm=7)"},
      {"alu_off", {alu64_imm(BPF_ADD, 0, 1, 1), ok}, v4, "invalid insn 0: BPF_ALU uses reserved fields (off=1)"},
      {"div_off2", {alu64_reg(BPF_DIV, 0, 1, 2), ok}, v4, "invalid insn 0: BPF_ALU uses reserved fields (off=2)"},
      {"mov_imm_off", {alu32_imm(BPF_MOV, 0, 1, 16), ok}, v4, "invalid insn 0: BPF_MOV uses reserved fields (off=16)"},
      {"movsx32_32", {movsx32(0, 1, 32), ok}, v4, "invalid insn 0: BPF_MOV uses reserved fields (off=32)"},
      {"neg_imm", {insn(0x87, 0, 0, 0, 1), ok}, v4, "invalid insn 0: BPF_NEG uses reserved fields (imm=1)"},
      {"neg_src", {insn(0x84, 0, 3), ok}, v4, "invalid insn 0: BPF_NEG uses reserved fields (src_reg=3)"},
      {"end_imm8", {endian(BPF_TO_BE, 0, 8), ok}, v4, "invalid insn 0: BPF_END uses reserved fields (imm=8)"},
      {"bswap_off", {insn(0xd7, 0, 0, 1, 16), ok}, v4, "invalid insn 0: BPF_END uses reserved fields (off=1)"},
      {"ja_dst", {insn(0x05, 1), ok}, v4, "invalid insn 0: BPF_JA uses reserved fields (dst_reg=1)"},
      {"ja_imm", {insn(0x05, 0, 0, 0, 1), ok}, v4, "invalid insn 0: BPF_JA uses reserved fields (imm=1)"},
      {"gotol_off", {insn(0x06, 0, 0, 1, 0), ok}, v4, "invalid insn 0: BPF_JA uses reserved fields (off=1)"},
      {"jeq_reg_imm", {insn(0x1d, 1, 2, 0, 3), ok}, v4, "invalid insn 0: BPF_JMP/JMP32 uses reserved fields (imm=3)"},
      {"jeq_imm_src", {insn(0x16, 1, 2, 0, 3), ok}, v4, "invalid insn 0: BPF_JMP/JMP32 uses reserved fields (src_reg=2)"},
      {"call_off", {insn(0x85, 0, 0, 1, 1), ok}, v4, "invalid insn 0: BPF_CALL uses reserved fields (off=1)"},
      {"call_dst", {insn(0x85, 1, 0, 0, 1), ok}, v4, "invalid insn 0: BPF_CALL uses reserved fields (dst_reg=1)"},
      {"call_src3", {insn(0x85, 0, 3, 0, 1), ok}, v4, "invalid insn 0: BPF_CALL uses reserved fields (src_reg=3)"},
      {"kfunc_disabled", {call_kfunc(7), ok}, v4, "invalid insn 0: kernel function calls are not enabled (call src_reg=2)"},
      {"callx_disabled", {callx(1), ok}, v4, "invalid insn 0: BPF_CALL uses reserved fields (callx is not enabled)"},
      {"exit_imm", {insn(0x95, 0, 0, 0, 1)}, v4, "invalid insn 0: BPF_EXIT uses reserved fields (imm=1)"},
      {"ldx_imm", {insn(0x79, 0, 1, 0, 1), ok}, v4, "invalid insn 0: BPF_LDX uses reserved fields (imm=1)"},
      {"st_src", {insn(0x7a, 10, 1, -8, 1), ok}, v4, "invalid insn 0: BPF_ST uses reserved fields (src_reg=1)"},
      {"stx_imm", {insn(0x7b, 10, 1, -8, 1), ok}, v4, "invalid insn 0: BPF_STX uses reserved fields (imm=1)"},
      {"atomic_op", {atomic(BPF_DW, 0x02, 1, 2, 0), ok}, v4, "invalid insn 0: BPF_ATOMIC uses invalid atomic opcode 02"},
      {"atomic_sub", {atomic(BPF_W, BPF_SUB | BPF_FETCH, 1, 2, 0), ok}, v4,
       "invalid insn 0: BPF_ATOMIC uses invalid atomic opcode 11"},
      {"dst_r11", {mov64_imm(11, 0), ok}, v4, "invalid insn 0: R11 is invalid"},
      {"src_r12", {mov64_reg(0, 12), ok}, v4, "invalid insn 0: R12 is invalid"},
      {"stx_base_r15", {stx(BPF_DW, 15, 1, 0), ok}, v4, "invalid insn 0: R15 is invalid"},
      {"write_r10", {mov64_imm(10, 0), ok}, v4, "invalid insn 0: frame pointer is read only"},
      {"ldx_into_r10", {ldx(BPF_DW, 10, 1, 0), ok}, v4, "invalid insn 0: frame pointer is read only"},
      {"lddw_into_r10", lddw_r10, v4, "invalid insn 0: frame pointer is read only"},
      {"fetch_into_r10", {atomic(BPF_DW, BPF_ADD | BPF_FETCH, 1, 10, 0), ok}, v4,
       "invalid insn 0: frame pointer is read only"},
      {"xchg_into_r10", {atomic(BPF_W, BPF_XCHG, 1, 10, 0), ok}, v4, "invalid insn 0: frame pointer is read only"},
      {"jlt_v1", {jmp_imm(BPF_JLT, 1, 0, 0), ok}, opts_v(CpuVersion::v1),
       "invalid insn 0: jlt (opcode a5) requires cpu v2 (validating for v1)"},
      {"jmp32_v2", {jmp32_imm(BPF_JEQ, 1, 0, 0), ok}, opts_v(CpuVersion::v2),
       "invalid insn 0: jeq32 (opcode 16) requires cpu v3 (validating for v2)"},
      {"sdiv_v3", {alu64_reg(BPF_DIV, 1, 2, 1), ok}, opts_v(CpuVersion::v3),
       "invalid insn 0: div with off=1 requires cpu v4 (validating for v3)"},
      {"movsx_v3", {movsx64(1, 2, 8), ok}, opts_v(CpuVersion::v3),
       "invalid insn 0: mov with off=8 requires cpu v4 (validating for v3)"},
      {"bswap_v3", {bswap(1, 16), ok}, opts_v(CpuVersion::v3),
       "invalid insn 0: bswap (opcode d7) requires cpu v4 (validating for v3)"},
      {"ldxsb_v3", {ldxsx(BPF_B, 1, 2, 0), ok}, opts_v(CpuVersion::v3),
       "invalid insn 0: ldxsb (opcode 91) requires cpu v4 (validating for v3)"},
      {"gotol_v3", {gotol(0), ok}, opts_v(CpuVersion::v3),
       "invalid insn 0: ja32 (opcode 06) requires cpu v4 (validating for v3)"},
      {"fetch_add_v2", {atomic(BPF_DW, BPF_ADD | BPF_FETCH, 1, 2, 0), ok}, opts_v(CpuVersion::v2),
       "invalid insn 0: atomic64 with imm=1 requires cpu v3 (validating for v2)"},
      {"lddw_missing_half", lddw_missing_half, v4, "invalid insn 0: invalid bpf_ld_imm64 insn"},
      {"lddw_bad_half", lddw_bad_half, v4, "invalid insn 0: invalid bpf_ld_imm64 insn"},
      {"lddw_half_off", lddw_off, v4, "invalid insn 0: invalid bpf_ld_imm64 insn"},
      {"lddw_src7", lddw_src7, v4, "invalid insn 0: unrecognized bpf_ld_imm64 insn (src_reg 7)"},
      {"lddw_pseudo_disabled", lddw_pseudo, no_pseudo,
       "invalid insn 0: pseudo ldimm64 sources are not allowed here (lddw src_reg=1)"},
      {"jump_past_end", {jmp_imm(BPF_JEQ, 1, 0, 4), ok}, v4, "jump out of range from insn 0 to 5"},
      {"jump_before_start", {mov64_imm(0, 0), ja(-3), ok}, v4, "jump out of range from insn 1 to -1"},
      {"gotol_past_end", {gotol(1000), ok}, v4, "jump out of range from insn 0 to 1001"},
      {"jump_into_lddw", jump_into_lddw, v4, "jump into the middle of ldimm64 insn 1 (from insn 0)"},
      {"call_out_of_range", {call_local(9), ok}, v4, "invalid insn 0: call to invalid destination (insn 10)"},
      {"call_before_start", {call_local(-2), ok}, v4, "invalid insn 0: call to invalid destination (insn -1)"},
      {"func_out_of_range", func_out_of_range, v4, "invalid insn 0: call to invalid destination (insn 6)"},
      {"call_into_lddw", call_into_lddw, v4, "invalid insn 3: call into the middle of ldimm64 insn 2"},
      // main = insns 0..2, subprogram = 3..4: main may not jump into it
      {"jump_across_subprogs", {call_local(2), ja(1), ok, mov64_imm(0, 1), ok}, v4, "jump out of range from insn 1 to 3"},
      {"no_exit", {mov64_imm(0, 0)}, v4, "invalid insn 0: last insn is not an exit or jmp"},
      {"ends_in_lddw", ends_in_lddw, v4, "invalid insn 2: last insn is not an exit or jmp"},
      {"ends_in_call", {mov64_imm(0, 0), call_helper(1)}, v4, "invalid insn 1: last insn is not an exit or jmp"},
      // main (0..1) falls through into its subprogram at 2
      {"main_falls_into_subprog", {call_local(1), mov64_imm(0, 0), ok}, v4,
       "invalid insn 1: last insn is not an exit or jmp"},
      {"subprog_without_exit", {call_local(1), ok, mov64_imm(0, 0)}, v4,
       "invalid insn 2: last insn is not an exit or jmp"},
  };
}

class ValidateRejects : public testing::TestWithParam<RejectCase> {};

TEST_P(ValidateRejects, WithKernelMessage) {
  const RejectCase& c = GetParam();
  Error err = isa::validate_program(c.prog, c.opts);
  ASSERT_TRUE(err) << "accepted";
  EXPECT_EQ(err.code(), -EINVAL);
  EXPECT_EQ(err.message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(isaAll, ValidateRejects, testing::ValuesIn(reject_cases()),
                         [](const testing::TestParamInfo<RejectCase>& i) { return std::string(i.param.name); });

TEST(isa_Validate, AcceptsJumpsToEveryEndOfASubprogram) {
  const Prog p = {jmp_imm(BPF_JEQ, 1, 0, 1), ja(0), call_local(1), exit_insn(), gotol(-1)};
  // insn 4 jumps back to 4 (-1 + 1): an infinite loop is structurally fine.
  EXPECT_FALSE(isa::validate_program(p));
  const Prog ends_in_ja = {mov64_imm(0, 0), exit_insn(), ja(-2)};
  EXPECT_FALSE(isa::validate_program(ends_in_ja));
}

TEST(isa_Validate, TooManyInstructionsIsE2big) {
  Prog p(1'000'001, mov64_imm(0, 0));
  p.back() = exit_insn();
  Error err = isa::validate_program(p);
  ASSERT_TRUE(err);
  EXPECT_EQ(err.code(), -E2BIG);
  EXPECT_NE(err.message().find("1000001"), std::string::npos) << err.message();
}

TEST(isa_Validate, DeclaredCpuVersionGatesPerOpcode) {
  // Every RFC opcode validates from its table version on and not before.
  for (int code : kRfcOpcodes) {
    const isa::OpcodeInfo& info = isa::opcode_info(static_cast<uint8_t>(code));
    Prog p = minimal_program(static_cast<uint8_t>(code));
    for (int v = 1; v <= 4; ++v) {
      ValidateOptions o = all_allowed();
      o.cpu = static_cast<CpuVersion>(v);
      Error err = isa::validate_program(p, o);
      EXPECT_EQ(static_cast<bool>(err), v < info.cpu) << std::hex << "opcode 0x" << code << " at v" << v;
    }
  }
}

}  // namespace
}  // namespace hostbpf
