// The 256-entry opcode table (see opcode_table.h), built at compile time from
// the encoding rules of RFC 9669 and the kernel's bpf_opcode_in_insntable().
#include "isa/opcode_table.h"

namespace hostbpf::isa {
namespace {

// ---- value lists for OneOf fields ----

// sdiv/smod (cpu v4) share DIV/MOD's opcode and differ by off = 1.
constexpr AllowedValue kDivModOff[] = {{0}, {1, 4}};
// movsx (cpu v4) shares MOV|X and gives the source width in off. ALU32 has no
// 32-bit form (it would be a plain mov).
constexpr AllowedValue kMov64XOff[] = {{0}, {8, 4}, {16, 4}, {32, 4}};
constexpr AllowedValue kMov32XOff[] = {{0}, {8, 4}, {16, 4}};
constexpr AllowedValue kEndImm[] = {{16}, {32}, {64}};
// Atomic operations, from the imm field. Plain add is the original XADD (v1);
// the others arrived with cpu v3. The fetch forms write the old value back to src.
constexpr AllowedValue kAtomicImm[] = {
    {BPF_ADD, 1},
    {BPF_ADD | BPF_FETCH, 3, Gate::None, true},
    {BPF_OR, 3},
    {BPF_OR | BPF_FETCH, 3, Gate::None, true},
    {BPF_AND, 3},
    {BPF_AND | BPF_FETCH, 3, Gate::None, true},
    {BPF_XOR, 3},
    {BPF_XOR | BPF_FETCH, 3, Gate::None, true},
    {BPF_XCHG, 3, Gate::None, true},
    {BPF_CMPXCHG, 3},  // writes r0, never src
};
constexpr AllowedValue kCallSrc[] = {
    {0},                                           // helper by id
    {BPF_PSEUDO_CALL},                             // bpf-to-bpf, imm = pc-relative target
    {BPF_PSEUDO_KFUNC_CALL, 1, Gate::KfuncCall},   // kfunc by BTF id
};
constexpr AllowedValue kLddwSrc[] = {
    {0},
    {BPF_PSEUDO_MAP_FD, 1, Gate::PseudoLddw},
    {BPF_PSEUDO_MAP_VALUE, 1, Gate::PseudoLddw},
    {BPF_PSEUDO_BTF_ID, 1, Gate::PseudoLddw},
    {BPF_PSEUDO_FUNC, 1, Gate::PseudoLddw},
    {BPF_PSEUDO_MAP_IDX, 1, Gate::PseudoLddw},
    {BPF_PSEUDO_MAP_IDX_VALUE, 1, Gate::PseudoLddw},
};

template <size_t N>
constexpr FieldSpec one_of(const AllowedValue (&v)[N], const char* bad_fmt = nullptr) {
  return FieldSpec{FieldRule::OneOf, static_cast<uint8_t>(N), v, bad_fmt};
}
constexpr FieldSpec kZero{FieldRule::Zero};
constexpr FieldSpec kAny{FieldRule::Any};
constexpr FieldSpec kReg{FieldRule::Reg};
constexpr FieldSpec kRegWrite{FieldRule::RegWrite};

// ---- per-class builders ----

constexpr const char* kAlu64Names[16] = {"add", "sub", "mul", "div", "or", "and", "lsh", "rsh",
                                         "neg", "mod", "xor", "mov", "arsh", "bswap", nullptr, nullptr};
constexpr const char* kAlu32Names[16] = {"add32", "sub32", "mul32", "div32", "or32", "and32", "lsh32", "rsh32",
                                         "neg32", "mod32", "xor32", "mov32", "arsh32", "end", nullptr, nullptr};
constexpr const char* kJmpNames[16] = {"ja", "jeq", "jgt", "jge", "jset", "jne", "jsgt", "jsge",
                                       "call", "exit", "jlt", "jle", "jslt", "jsle", nullptr, nullptr};
constexpr const char* kJmp32Names[16] = {"ja32", "jeq32", "jgt32", "jge32", "jset32", "jne32", "jsgt32", "jsge32",
                                         nullptr, nullptr, "jlt32", "jle32", "jslt32", "jsle32", nullptr, nullptr};

constexpr void add_alu(std::array<OpcodeInfo, 256>& t, uint8_t cls) {
  const bool is64 = cls == BPF_ALU64;
  for (uint8_t op = 0; op <= BPF_ARSH; op += 0x10) {
    if (op == BPF_NEG) continue;
    for (uint8_t srcbit : {uint8_t{BPF_K}, uint8_t{BPF_X}}) {
      OpcodeInfo& e = t[cls | op | srcbit];
      e.kind = OpKind::Alu;
      e.mnemonic = (is64 ? kAlu64Names : kAlu32Names)[op >> 4];
      e.family = op == BPF_MOV ? "BPF_MOV" : "BPF_ALU";
      // MOV ignores dst's old value but still writes it; every ALU op writes dst.
      e.dst = kRegWrite;
      e.src = srcbit == BPF_X ? kReg : kZero;
      e.imm = srcbit == BPF_X ? kZero : kAny;
      if (op == BPF_DIV || op == BPF_MOD)
        e.off = one_of(kDivModOff);
      else if (op == BPF_MOV && srcbit == BPF_X)
        e.off = is64 ? one_of(kMov64XOff) : one_of(kMov32XOff);
      else
        e.off = kZero;
    }
  }
  OpcodeInfo& neg = t[cls | BPF_NEG | BPF_K];
  neg = OpcodeInfo{OpKind::Neg, 1, Gate::None, 0, (is64 ? kAlu64Names : kAlu32Names)[BPF_NEG >> 4], "BPF_NEG",
                   kRegWrite, kZero, kZero, kZero};
  if (is64) {
    // ALU64|END|TO_LE is bswap (v4); ALU64|END|TO_BE stays undefined.
    t[BPF_ALU64 | BPF_END | BPF_TO_LE] = OpcodeInfo{OpKind::Bswap, 4, Gate::None, 0, "bswap", "BPF_END",
                                                    kRegWrite, kZero, kZero, one_of(kEndImm)};
  } else {
    for (uint8_t order : {uint8_t{BPF_TO_LE}, uint8_t{BPF_TO_BE}})
      t[BPF_ALU | BPF_END | order] = OpcodeInfo{OpKind::End, 1, Gate::None, 0, order == BPF_TO_LE ? "le" : "be",
                                                "BPF_END", kRegWrite, kZero, kZero, one_of(kEndImm)};
  }
}

constexpr void add_jmp(std::array<OpcodeInfo, 256>& t, uint8_t cls) {
  const bool is32 = cls == BPF_JMP32;
  for (uint8_t op = BPF_JEQ; op <= BPF_JSLE; op += 0x10) {
    if (op == BPF_CALL || op == BPF_EXIT) continue;
    // jlt/jle/jslt/jsle came with cpu v2; the whole JMP32 class with v3.
    const uint8_t cpu = is32 ? 3 : (op >= BPF_JLT ? 2 : 1);
    for (uint8_t srcbit : {uint8_t{BPF_K}, uint8_t{BPF_X}}) {
      t[cls | op | srcbit] =
          OpcodeInfo{OpKind::Jcond, cpu, Gate::None, 0, (is32 ? kJmp32Names : kJmpNames)[op >> 4], "BPF_JMP/JMP32",
                     kReg, srcbit == BPF_X ? kReg : kZero, kAny, srcbit == BPF_X ? kZero : kAny};
    }
  }
  if (is32) {
    t[BPF_JMP32 | BPF_JA] = OpcodeInfo{OpKind::Gotol, 4, Gate::None, 0, "ja32", "BPF_JA", kZero, kZero, kZero, kAny};
    return;
  }
  t[BPF_JMP | BPF_JA] = OpcodeInfo{OpKind::Ja, 1, Gate::None, 0, "ja", "BPF_JA", kZero, kZero, kAny, kZero};
  t[BPF_JMP | BPF_CALL] = OpcodeInfo{OpKind::Call, 1, Gate::None, 0, "call", "BPF_CALL",
                                     kZero, one_of(kCallSrc), kZero, kAny};
  t[BPF_JMP | BPF_CALL | BPF_X] =
      OpcodeInfo{OpKind::Callx, 1, Gate::Callx, 0, "callx", "BPF_CALL", kReg, kZero, kZero, kZero};
  t[BPF_JMP | BPF_EXIT] = OpcodeInfo{OpKind::Exit, 1, Gate::None, 0, "exit", "BPF_EXIT", kZero, kZero, kZero, kZero};
}

constexpr uint8_t kSizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
constexpr uint8_t size_bytes(uint8_t sz) { return sz == BPF_B ? 1 : sz == BPF_H ? 2 : sz == BPF_W ? 4 : 8; }

constexpr void add_mem(std::array<OpcodeInfo, 256>& t) {
  constexpr const char* kLdx[] = {"ldxw", "ldxh", "ldxb", "ldxdw"};
  constexpr const char* kLdxSx[] = {"ldxsw", "ldxsh", "ldxsb", nullptr};
  constexpr const char* kSt[] = {"stw", "sth", "stb", "stdw"};
  constexpr const char* kStx[] = {"stxw", "stxh", "stxb", "stxdw"};
  for (uint8_t sz : kSizes) {
    const uint8_t n = size_bytes(sz);
    t[BPF_LDX | BPF_MEM | sz] =
        OpcodeInfo{OpKind::Ldx, 1, Gate::None, n, kLdx[sz >> 3], "BPF_LDX", kRegWrite, kReg, kAny, kZero};
    if (sz != BPF_DW)  // a sign-extending 64-bit load would be a plain load
      t[BPF_LDX | BPF_MEMSX | sz] =
          OpcodeInfo{OpKind::LdxSx, 4, Gate::None, n, kLdxSx[sz >> 3], "BPF_LDX", kRegWrite, kReg, kAny, kZero};
    // Stores read dst as a base address, so r10 is a legal dst.
    t[BPF_ST | BPF_MEM | sz] = OpcodeInfo{OpKind::St, 1, Gate::None, n, kSt[sz >> 3], "BPF_ST", kReg, kZero, kAny, kAny};
    t[BPF_STX | BPF_MEM | sz] =
        OpcodeInfo{OpKind::Stx, 1, Gate::None, n, kStx[sz >> 3], "BPF_STX", kReg, kReg, kAny, kZero};
  }
  for (uint8_t sz : {uint8_t{BPF_W}, uint8_t{BPF_DW}})
    t[BPF_STX | BPF_ATOMIC | sz] =
        OpcodeInfo{OpKind::Atomic, 1, Gate::None, size_bytes(sz), sz == BPF_W ? "atomic32" : "atomic64", "BPF_ATOMIC",
                   kReg, kReg, kAny, one_of(kAtomicImm, "BPF_ATOMIC uses invalid atomic opcode %02x")};
  t[BPF_LD | BPF_IMM | BPF_DW] =
      OpcodeInfo{OpKind::LdImm64, 1, Gate::None, 0, "lddw", "BPF_LD_IMM", kRegWrite,
                 one_of(kLddwSrc, "unrecognized bpf_ld_imm64 insn (src_reg %d)"), kZero, kAny};
  // Legacy packet loads exist in the kernel's table but need an skb; say so
  // rather than "unknown opcode".
  for (uint8_t mode : {uint8_t{BPF_ABS}, uint8_t{BPF_IND}})
    for (uint8_t sz : {uint8_t{BPF_B}, uint8_t{BPF_H}, uint8_t{BPF_W}}) {
      t[BPF_LD | mode | sz].family = "BPF_LD_[ABS|IND] instructions are not supported (no socket buffer)";
      t[BPF_LD | mode | sz].mnemonic = mode == BPF_ABS ? "ldabs" : "ldind";
    }
  t[BPF_JMP | BPF_JCOND].family = "may_goto (BPF_JCOND) is not supported";
}

constexpr std::array<OpcodeInfo, 256> build() {
  std::array<OpcodeInfo, 256> t{};
  add_alu(t, BPF_ALU);
  add_alu(t, BPF_ALU64);
  add_jmp(t, BPF_JMP);
  add_jmp(t, BPF_JMP32);
  add_mem(t);
  return t;
}

constexpr std::array<OpcodeInfo, 256> kTable = build();

// A few spot checks that the builders put things where RFC 9669 says.
static_assert(kTable[0xb7].kind == OpKind::Alu && kTable[0xb7].imm.rule == FieldRule::Any);
static_assert(kTable[0x84].kind == OpKind::Neg && kTable[0x8c].kind == OpKind::Invalid);
static_assert(kTable[0xd7].kind == OpKind::Bswap && kTable[0xdf].kind == OpKind::Invalid);
static_assert(kTable[0x06].kind == OpKind::Gotol && kTable[0x0e].kind == OpKind::Invalid);
static_assert(kTable[0x86].kind == OpKind::Invalid && kTable[0x96].kind == OpKind::Invalid);
static_assert(kTable[0xdb].kind == OpKind::Atomic && kTable[0xd3].kind == OpKind::Invalid);
static_assert(kTable[0x99].kind == OpKind::Invalid && kTable[0x91].kind == OpKind::LdxSx);
static_assert(kTable[0x18].kind == OpKind::LdImm64 && kTable[0x00].kind == OpKind::Invalid);
static_assert(kTable[0xad].cpu == 2 && kTable[0x16].cpu == 3);

}  // namespace

const std::array<OpcodeInfo, 256>& opcode_table() { return kTable; }

}  // namespace hostbpf::isa
