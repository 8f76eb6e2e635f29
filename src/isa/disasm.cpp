// Disassembler with the verifier log's exact syntax (kernel/bpf/disasm.c,
// print_bpf_insn), so that hostbpf's logs and dumps diff cleanly against the
// kernel's. Instruction shapes come from the opcode table; only the spelling
// lives here.
#include "isa/disasm.h"

#include <cstdio>

#include "isa/opcode_table.h"
#include "base/strprintf.h"

namespace hostbpf::isa {
namespace {

// The kernel's helper names, generated from the UAPI header's own list so they
// follow the installed <linux/bpf.h> (ids 0..__BPF_FUNC_MAX_ID-1).
#define HOSTBPF_FUNC_NAME(x) "bpf_" #x
constexpr const char* kHelperNames[] = {__BPF_FUNC_MAPPER(HOSTBPF_FUNC_NAME)};
#undef HOSTBPF_FUNC_NAME
static_assert(sizeof(kHelperNames) / sizeof(kHelperNames[0]) == __BPF_FUNC_MAX_ID);

constexpr const char* kAluOps[16] = {"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=",
                                     "neg", "%=", "^=", "=", "s>>=", "endian", nullptr, nullptr};
constexpr const char* kJmpOps[16] = {"jmp", "==", ">", ">=", "&", "!=", "s>", "s>=",
                                     "call", "exit", "<", "<=", "s<", "s<=", nullptr, nullptr};
constexpr const char* kAtomicOps[16] = {"add", nullptr, nullptr, nullptr, "or", "and", nullptr, nullptr,
                                        nullptr, nullptr, "xor", nullptr, nullptr, nullptr, nullptr, nullptr};
// Indexed by BPF_SIZE >> 3: W, H, B, DW.
constexpr const char* kUnsigned[4] = {"u32", "u16", "u8", "u64"};
constexpr const char* kSigned[4] = {"s32", "s16", "s8", "s64"};

const char* size_name(const Insn& i, bool sign = false) { return (sign ? kSigned : kUnsigned)[BPF_SIZE(i.code) >> 3]; }

std::string helper_name(const Insn& i, const DisasmNames& names) {
  if (names.helper) {
    std::string n = names.helper(i.imm);
    if (!n.empty()) return n;
  }
  if (i.imm >= 0 && i.imm < __BPF_FUNC_MAX_ID) return kHelperNames[i.imm];
  return "unknown";
}

std::string alu(const Insn& i) {
  const bool is64 = BPF_CLASS(i.code) == BPF_ALU64;
  const char r = is64 ? 'r' : 'w';
  const uint8_t op = BPF_OP(i.code);
  const char* sym = kAluOps[op >> 4];
  if ((op == BPF_DIV || op == BPF_MOD) && i.off == 1) sym = op == BPF_DIV ? "s/=" : "s%=";
  if (BPF_SRC(i.code) == BPF_K) return base::strprintf("(%02x) %c%d %s %d", i.code, r, i.dst_reg, sym, i.imm);
  const char* cast = "";
  if (op == BPF_MOV) cast = i.off == 8 ? "(s8)" : i.off == 16 ? "(s16)" : i.off == 32 ? "(s32)" : "";
  return base::strprintf("(%02x) %c%d %s %s%c%d", i.code, r, i.dst_reg, sym, cast, r, i.src_reg);
}

std::string atomic(const Insn& i) {
  const char* w = BPF_SIZE(i.code) == BPF_DW ? "64" : "";
  const char* sz = size_name(i);
  const int op = i.imm & ~BPF_FETCH;
  if (i.imm == BPF_CMPXCHG)
    return base::strprintf("(%02x) r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)", i.code, w, sz, i.dst_reg, i.off, i.src_reg);
  if (i.imm == BPF_XCHG)
    return base::strprintf("(%02x) r%d = atomic%s_xchg((%s *)(r%d %+d), r%d)", i.code, i.src_reg, w, sz, i.dst_reg, i.off,
                  i.src_reg);
  if (op >= 0 && op < 0x100 && (op & 0x0f) == 0 && kAtomicOps[op >> 4]) {
    if (i.imm & BPF_FETCH)
      return base::strprintf("(%02x) r%d = atomic%s_fetch_%s((%s *)(r%d %+d), r%d)", i.code, i.src_reg, w,
                    kAtomicOps[op >> 4], sz, i.dst_reg, i.off, i.src_reg);
    return base::strprintf("(%02x) lock *(%s *)(r%d %+d) %s r%d", i.code, sz, i.dst_reg, i.off, kAluOps[op >> 4], i.src_reg);
  }
  return base::strprintf("BUG_%02x", i.code);
}

std::string jump(const Insn& i) {
  const char r = BPF_CLASS(i.code) == BPF_JMP32 ? 'w' : 'r';
  if (BPF_SRC(i.code) == BPF_X)
    return base::strprintf("(%02x) if %c%d %s %c%d goto pc%+d", i.code, r, i.dst_reg, kJmpOps[BPF_OP(i.code) >> 4], r,
                  i.src_reg, i.off);
  return base::strprintf("(%02x) if %c%d %s 0x%x goto pc%+d", i.code, r, i.dst_reg, kJmpOps[BPF_OP(i.code) >> 4],
                static_cast<uint32_t>(i.imm), i.off);
}

std::string call(const Insn& i, const DisasmNames& names) {
  if (i.src_reg == BPF_PSEUDO_CALL) return base::strprintf("(%02x) call pc%+d", i.code, i.imm);
  if (i.src_reg == BPF_PSEUDO_KFUNC_CALL) {
    std::string n = names.kfunc ? names.kfunc(&i) : std::string();
    return base::strprintf("(%02x) call %s#%d", i.code, n.empty() ? "kernel-function" : n.c_str(), i.imm);
  }
  return base::strprintf("(%02x) call %s#%d", i.code, helper_name(i, names).c_str(), i.imm);
}

std::string lddw(const Insn* pair, const DisasmNames& names) {
  const Insn& i = pair[0];
  std::string value;
  if (i.src_reg != 0 && names.lddw) value = names.lddw(pair);
  if (value.empty()) value = base::strprintf("0x%llx", static_cast<unsigned long long>(lddw_imm64(pair)));
  return base::strprintf("(%02x) r%d = %s", i.code, i.dst_reg, value.c_str());
}

// Opcodes the table rejects, printed as the kernel does where it prints them at all.
std::string invalid(const Insn& i) {
  switch (BPF_CLASS(i.code)) {
    case BPF_LD:
      if (BPF_MODE(i.code) == BPF_ABS)
        return base::strprintf("(%02x) r0 = *(%s *)skb[%d]", i.code, size_name(i), i.imm);
      if (BPF_MODE(i.code) == BPF_IND)
        return base::strprintf("(%02x) r0 = *(%s *)skb[r%d + %d]", i.code, size_name(i), i.src_reg, i.imm);
      return base::strprintf("BUG_ld_%02x", i.code);
    case BPF_LDX: return base::strprintf("BUG_ldx_%02x", i.code);
    case BPF_ST: return base::strprintf("BUG_st_%02x", i.code);
    case BPF_STX: return base::strprintf("BUG_%02x", i.code);
    case BPF_ALU: case BPF_ALU64: return base::strprintf("BUG_alu_%02x", i.code);
    default: return base::strprintf("BUG_jmp_%02x", i.code);
  }
}

}  // namespace

std::string disasm_insn(const Insn* insn, [[maybe_unused]] int index, const DisasmNames& names) {
  const Insn& i = *insn;
  switch (opcode_info(i.code).kind) {
    case OpKind::Alu: return alu(i);
    case OpKind::Neg: {
      const char r = BPF_CLASS(i.code) == BPF_ALU64 ? 'r' : 'w';
      return base::strprintf("(%02x) %c%d = -%c%d", i.code, r, i.dst_reg, r, i.dst_reg);
    }
    case OpKind::End:
      return base::strprintf("(%02x) r%d = %s%d r%d", i.code, i.dst_reg, BPF_SRC(i.code) == BPF_TO_BE ? "be" : "le", i.imm,
                    i.dst_reg);
    case OpKind::Bswap: return base::strprintf("(%02x) r%d = bswap%d r%d", i.code, i.dst_reg, i.imm, i.dst_reg);
    case OpKind::Jcond: return jump(i);
    case OpKind::Ja: return base::strprintf("(%02x) goto pc%+d", i.code, i.off);
    case OpKind::Gotol: return base::strprintf("(%02x) gotol pc%+d", i.code, i.imm);
    case OpKind::Call: return call(i, names);
    case OpKind::Callx: return base::strprintf("(%02x) callx r%d", i.code, i.dst_reg);  // not a kernel insn
    case OpKind::Exit: return base::strprintf("(%02x) exit", i.code);
    case OpKind::LdImm64: return lddw(insn, names);
    case OpKind::Ldx:
    case OpKind::LdxSx:
      return base::strprintf("(%02x) r%d = *(%s *)(r%d %+d)", i.code, i.dst_reg,
                    size_name(i, opcode_info(i.code).kind == OpKind::LdxSx), i.src_reg, i.off);
    case OpKind::St:
      return base::strprintf("(%02x) *(%s *)(r%d %+d) = %d", i.code, size_name(i), i.dst_reg, i.off, i.imm);
    case OpKind::Stx:
      return base::strprintf("(%02x) *(%s *)(r%d %+d) = r%d", i.code, size_name(i), i.dst_reg, i.off, i.src_reg);
    case OpKind::Atomic: return atomic(i);
    case OpKind::Invalid: break;
  }
  return invalid(i);
}

std::string disasm_program(std::span<const Insn> insns, const DisasmNames& names) {
  std::string out;
  for (size_t i = 0; i < insns.size(); ++i) {
    out += std::to_string(i);
    out += ": ";
    if (is_lddw(insns[i]) && i + 1 == insns.size()) {
      out += base::strprintf("(%02x) invalid ld_imm64 (second half missing)\n", insns[i].code);
      break;
    }
    out += disasm_insn(&insns[i], static_cast<int>(i), names);
    out += '\n';
    if (is_lddw(insns[i])) ++i;
  }
  return out;
}

}  // namespace hostbpf::isa
