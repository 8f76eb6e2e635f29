// The interpreter's dispatch loop: threaded code over the decoded program of
// interp_program.h. Every handler ends by jumping straight to the next
// instruction's handler (one indirect branch per instruction, each with its own
// branch-predictor history), with no bounds checks: the verifier (or, below it,
// isa::validate_program) has established that control stays in the program.
//
// Results follow RFC 9669 where C++ would trap or leave them undefined: division
// by zero gives 0, modulo by zero leaves dst (zero-extended for 32-bit),
// INT_MIN / -1 is INT_MIN and INT_MIN % -1 is 0, shift counts are masked, 32-bit
// operations zero-extend. Divisions by a constant 0 or -1 are turned into moves
// and negations by the decoder, so only the register forms test the divisor.
#include <bit>
#include <cstring>

#include "base/cpu.h"
#include "base/rcu.h"
#include "base/nofault.h"
#include "exec/interp_program.h"
#include "maps/prog_array.h"

namespace hostbpf::exec {
namespace {

// A helper's request to end the run (request_exit). Thread-local because helpers
// are plain functions; initial-exec so checking it after a helper call is a
// single fs-relative load, never a __tls_get_addr call.
struct ExitRequest {
  bool pending;
  uint64_t r0;
};
thread_local ExitRequest tls_exit __attribute__((tls_model("initial-exec"))) = {false, 0};

}  // namespace

void request_exit(uint64_t r0) {
  tls_exit.r0 = r0;
  tls_exit.pending = true;
}

bool take_exit_request(uint64_t* r0) {
  if (!tls_exit.pending) return false;
  tls_exit.pending = false;
  *r0 = tls_exit.r0;
  return true;
}

namespace interp {
namespace {

using isa::kMaxBpfStack;
using isa::kMaxCallFrames;
using isa::kMaxTailCallCount;
using isa::kNumRegs;

static_assert(std::endian::native == std::endian::little, "be16/32/64 handlers assume a little-endian host");

// Program memory accesses: memcpy compiles to one mov and keeps unaligned
// addresses (legal for BPF loads and stores) free of undefined behaviour.
template <class T>
inline T load(uint64_t addr) {
  T v;
  std::memcpy(&v, reinterpret_cast<const void*>(addr), sizeof v);
  return v;
}
template <class T>
inline T probe_load(uint64_t addr) {
  T v{};
  if (!base::read_nofault(&v, reinterpret_cast<const void*>(addr), sizeof v)) v = T{};
  return v;
}
template <class T>
inline void store(uint64_t addr, T v) {
  std::memcpy(reinterpret_cast<void*>(addr), &v, sizeof v);
}

// What a bpf-to-bpf call saves: where to return and the callee-saved registers.
struct Frame {
  const DInsn* ret;
  uint64_t r6, r7, r8, r9;
};

}  // namespace

HOSTBPF_CALLS_KFUNCS
uint64_t interp_entry(const void* self, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
#define HOSTBPF_INTERP_LABEL(name) &&L_##name,
  static const void* const kLabels[kNumHandlers] = {HOSTBPF_INTERP_HANDLERS(HOSTBPF_INTERP_LABEL)};
#undef HOSTBPF_INTERP_LABEL
  if (__builtin_expect(self == nullptr, 0)) return reinterpret_cast<uint64_t>(kLabels);

  const InterpProgram* prog = static_cast<const InterpProgram*>(static_cast<const Executable*>(self));
  // One run on this thread (Executable::run): CPU slot, read-side section and
  // environment, held until any return below.
  if (__builtin_expect(current_cpu() == kNoCpu, 0)) return static_cast<uint64_t>(-EBUSY);
  rcu::ReadLock rcu_section;
  helpers::EnvScope env_scope(prog->env());
  const DInsn* pc = prog->start();
  // All frames' stacks live here, on the native stack: nothing is allocated or
  // cleared per run. Frame k's r10 is the top of its 512-byte slice.
  alignas(16) uint8_t stack[kMaxCallFrames * kMaxBpfStack];
  Frame frames[kMaxCallFrames];
  uint64_t reg[kNumRegs] = {0, r1, r2, r3, r4, r5, 0, 0, 0, 0, reinterpret_cast<uint64_t>(stack + kMaxBpfStack)};
  int depth = 0;       // current bpf-to-bpf call depth (frame 0 = the program)
  int tail_calls = 0;  // tail calls taken in this run

#define NEXT          \
  do {                \
    ++pc;             \
    goto* pc->op;     \
  } while (0)
#define DST reg[pc->f.dst]
#define SRC reg[pc->f.src]
#define OFF static_cast<int64_t>(pc->f.off)
#define IMM64 static_cast<uint64_t>(static_cast<int64_t>(pc->f.imm))
#define IMM32 static_cast<uint32_t>(pc->f.imm)
#define U32(x) static_cast<uint32_t>(x)

// dst = dst OP operand, 64-bit (imm sign-extended) and 32-bit (zero-extended result).
#define BINOP(name, op)                          \
  L_##name##64_K : DST = DST op IMM64;           \
  NEXT;                                          \
  L_##name##64_X : DST = DST op SRC;             \
  NEXT;                                          \
  L_##name##32_K : DST = U32(U32(DST) op IMM32); \
  NEXT;                                          \
  L_##name##32_X : DST = U32(U32(DST) op U32(SRC)); \
  NEXT;

  goto* pc->op;

  BINOP(ADD, +)
  BINOP(SUB, -)
  BINOP(MUL, *)
  BINOP(OR, |)
  BINOP(AND, &)
  BINOP(XOR, ^)
#undef BINOP

  // Immediate shift counts arrive masked; register counts are masked here.
L_LSH64_K: DST <<= pc->f.imm; NEXT;
L_LSH64_X: DST <<= (SRC & 63); NEXT;
L_LSH32_K: DST = U32(U32(DST) << pc->f.imm); NEXT;
L_LSH32_X: DST = U32(U32(DST) << (SRC & 31)); NEXT;
L_RSH64_K: DST >>= pc->f.imm; NEXT;
L_RSH64_X: DST >>= (SRC & 63); NEXT;
L_RSH32_K: DST = U32(DST) >> pc->f.imm; NEXT;
L_RSH32_X: DST = U32(DST) >> (SRC & 31); NEXT;
L_ARSH64_K: DST = static_cast<uint64_t>(static_cast<int64_t>(DST) >> pc->f.imm); NEXT;
L_ARSH64_X: DST = static_cast<uint64_t>(static_cast<int64_t>(DST) >> (SRC & 63)); NEXT;
L_ARSH32_K: DST = U32(static_cast<int32_t>(DST) >> pc->f.imm); NEXT;
L_ARSH32_X: DST = U32(static_cast<int32_t>(DST) >> (SRC & 31)); NEXT;

  // Constant divisors are never 0 (or -1 for the signed forms): see the decoder.
L_DIV64_K: DST = DST / IMM64; NEXT;
L_DIV32_K: DST = U32(DST) / IMM32; NEXT;
L_MOD64_K: DST = DST % IMM64; NEXT;
L_MOD32_K: DST = U32(DST) % IMM32; NEXT;
L_SDIV64_K: DST = static_cast<uint64_t>(static_cast<int64_t>(DST) / pc->f.imm); NEXT;
L_SDIV32_K: DST = U32(static_cast<int32_t>(DST) / pc->f.imm); NEXT;
L_SMOD64_K: DST = static_cast<uint64_t>(static_cast<int64_t>(DST) % pc->f.imm); NEXT;
L_SMOD32_K: DST = U32(static_cast<int32_t>(DST) % pc->f.imm); NEXT;
L_DIV64_X: {
  const uint64_t d = SRC;
  DST = d ? DST / d : 0;
  NEXT;
}
L_DIV32_X: {
  const uint32_t d = U32(SRC);
  DST = d ? U32(DST) / d : 0;
  NEXT;
}
L_MOD64_X: {
  const uint64_t d = SRC;
  if (d) DST %= d;
  NEXT;
}
L_MOD32_X: {
  const uint32_t d = U32(SRC);
  DST = d ? U32(DST) % d : U32(DST);
  NEXT;
}
L_SDIV64_X: {
  const int64_t d = static_cast<int64_t>(SRC);
  // -1 negates with wrap-around, so INT64_MIN / -1 = INT64_MIN instead of a trap.
  DST = d == 0 ? 0 : d == -1 ? 0 - DST : static_cast<uint64_t>(static_cast<int64_t>(DST) / d);
  NEXT;
}
L_SDIV32_X: {
  const int32_t d = static_cast<int32_t>(SRC);
  DST = d == 0 ? 0 : d == -1 ? U32(0u - U32(DST)) : U32(static_cast<int32_t>(DST) / d);
  NEXT;
}
L_SMOD64_X: {
  const int64_t d = static_cast<int64_t>(SRC);
  if (d == -1)
    DST = 0;
  else if (d != 0)
    DST = static_cast<uint64_t>(static_cast<int64_t>(DST) % d);
  NEXT;
}
L_SMOD32_X: {
  const int32_t d = static_cast<int32_t>(SRC);
  DST = d == 0 ? U32(DST) : d == -1 ? 0 : U32(static_cast<int32_t>(DST) % d);
  NEXT;
}

L_NEG64: DST = 0 - DST; NEXT;
L_NEG32: DST = U32(0u - U32(DST)); NEXT;
L_MOV64_K: DST = IMM64; NEXT;
L_MOV64_X: DST = SRC; NEXT;
L_MOV32_K: DST = IMM32; NEXT;
L_MOV32_X: DST = U32(SRC); NEXT;
L_MOVSX64_8: DST = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(SRC))); NEXT;
L_MOVSX64_16: DST = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(SRC))); NEXT;
L_MOVSX64_32: DST = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(SRC))); NEXT;
L_MOVSX32_8: DST = U32(static_cast<int32_t>(static_cast<int8_t>(SRC))); NEXT;
L_MOVSX32_16: DST = U32(static_cast<int32_t>(static_cast<int16_t>(SRC))); NEXT;

  // Byte order: le is a truncation on this host, be (and bswap) a swap.
L_LE16: DST = static_cast<uint16_t>(DST); NEXT;
L_LE32: DST = U32(DST); NEXT;
L_BE16: DST = __builtin_bswap16(static_cast<uint16_t>(DST)); NEXT;
L_BE32: DST = __builtin_bswap32(U32(DST)); NEXT;
L_BE64: DST = __builtin_bswap64(DST); NEXT;
L_NOP: NEXT;

  // ---- jumps: off is relative to the next instruction, which NEXT steps to ----
#define JUMP64(name, T, cmp)                                          \
  L_##name##64_K : if (static_cast<T>(DST) cmp static_cast<T>(IMM64)) pc += pc->f.off; \
  NEXT;                                                               \
  L_##name##64_X : if (static_cast<T>(DST) cmp static_cast<T>(SRC)) pc += pc->f.off;   \
  NEXT;
#define JUMP32(name, T, cmp)                                          \
  L_##name##32_K : if (static_cast<T>(U32(DST)) cmp static_cast<T>(IMM32)) pc += pc->f.off; \
  NEXT;                                                               \
  L_##name##32_X : if (static_cast<T>(U32(DST)) cmp static_cast<T>(U32(SRC))) pc += pc->f.off; \
  NEXT;
#define JUMP(name, cmp, T) JUMP64(name, T##64_t, cmp) JUMP32(name, T##32_t, cmp)
  JUMP(JEQ, ==, uint)
  JUMP(JNE, !=, uint)
  JUMP(JGT, >, uint)
  JUMP(JGE, >=, uint)
  JUMP(JLT, <, uint)
  JUMP(JLE, <=, uint)
  JUMP(JSGT, >, int)
  JUMP(JSGE, >=, int)
  JUMP(JSLT, <, int)
  JUMP(JSLE, <=, int)
#undef JUMP
#undef JUMP64
#undef JUMP32
L_JSET64_K: if (DST & IMM64) pc += pc->f.off; NEXT;
L_JSET64_X: if (DST & SRC) pc += pc->f.off; NEXT;
L_JSET32_K: if (U32(DST) & IMM32) pc += pc->f.off; NEXT;
L_JSET32_X: if (U32(DST) & U32(SRC)) pc += pc->f.off; NEXT;
L_JA: pc += pc->f.off; NEXT;
L_GOTOL: pc += pc->f.imm; NEXT;

  // ---- memory ----
L_LDXB: DST = load<uint8_t>(SRC + OFF); NEXT;
L_LDXH: DST = load<uint16_t>(SRC + OFF); NEXT;
L_LDXW: DST = load<uint32_t>(SRC + OFF); NEXT;
L_LDXDW: DST = load<uint64_t>(SRC + OFF); NEXT;
L_LDXSB: DST = static_cast<uint64_t>(static_cast<int64_t>(load<int8_t>(SRC + OFF))); NEXT;
L_LDXSH: DST = static_cast<uint64_t>(static_cast<int64_t>(load<int16_t>(SRC + OFF))); NEXT;
L_LDXSW: DST = static_cast<uint64_t>(static_cast<int64_t>(load<int32_t>(SRC + OFF))); NEXT;
  // Loads through pointers the verifier could not trust (BPF_PROBE_MEM): an
  // unreadable address gives 0 instead of a fault.
L_PROBE_LDXB: DST = probe_load<uint8_t>(SRC + OFF); NEXT;
L_PROBE_LDXH: DST = probe_load<uint16_t>(SRC + OFF); NEXT;
L_PROBE_LDXW: DST = probe_load<uint32_t>(SRC + OFF); NEXT;
L_PROBE_LDXDW: DST = probe_load<uint64_t>(SRC + OFF); NEXT;
L_PROBE_LDXSB: DST = static_cast<uint64_t>(static_cast<int64_t>(probe_load<int8_t>(SRC + OFF))); NEXT;
L_PROBE_LDXSH: DST = static_cast<uint64_t>(static_cast<int64_t>(probe_load<int16_t>(SRC + OFF))); NEXT;
L_PROBE_LDXSW: DST = static_cast<uint64_t>(static_cast<int64_t>(probe_load<int32_t>(SRC + OFF))); NEXT;
L_STB: store<uint8_t>(DST + OFF, static_cast<uint8_t>(pc->f.imm)); NEXT;
L_STH: store<uint16_t>(DST + OFF, static_cast<uint16_t>(pc->f.imm)); NEXT;
L_STW: store<uint32_t>(DST + OFF, IMM32); NEXT;
L_STDW: store<uint64_t>(DST + OFF, IMM64); NEXT;
L_STXB: store<uint8_t>(DST + OFF, static_cast<uint8_t>(SRC)); NEXT;
L_STXH: store<uint16_t>(DST + OFF, static_cast<uint16_t>(SRC)); NEXT;
L_STXW: store<uint32_t>(DST + OFF, U32(SRC)); NEXT;
L_STXDW: store<uint64_t>(DST + OFF, SRC); NEXT;
L_LDDW: DST = pc[1].u64; pc += 2; goto* pc->op;
L_MOV_ADD64: DST = SRC + IMM64; pc += 2; goto* pc->op;

  // ---- atomics: sequentially consistent, as the kernel's fetch forms are ----
#define APTR(T) reinterpret_cast<T*>(DST + OFF)
#define ATOMIC_RMW(OP, fn)                                                  \
  L_ATOMIC64_##OP : __atomic_##fn(APTR(uint64_t), SRC, __ATOMIC_SEQ_CST);      \
  NEXT;                                                                      \
  L_ATOMIC32_##OP : __atomic_##fn(APTR(uint32_t), U32(SRC), __ATOMIC_SEQ_CST); \
  NEXT;                                                                      \
  L_ATOMIC64_FETCH_##OP : SRC = __atomic_##fn(APTR(uint64_t), SRC, __ATOMIC_SEQ_CST); \
  NEXT;                                                                      \
  L_ATOMIC32_FETCH_##OP : SRC = __atomic_##fn(APTR(uint32_t), U32(SRC), __ATOMIC_SEQ_CST); \
  NEXT;
  ATOMIC_RMW(ADD, fetch_add)
  ATOMIC_RMW(OR, fetch_or)
  ATOMIC_RMW(AND, fetch_and)
  ATOMIC_RMW(XOR, fetch_xor)
#undef ATOMIC_RMW
L_ATOMIC64_XCHG: SRC = __atomic_exchange_n(APTR(uint64_t), SRC, __ATOMIC_SEQ_CST); NEXT;
L_ATOMIC32_XCHG: SRC = __atomic_exchange_n(APTR(uint32_t), U32(SRC), __ATOMIC_SEQ_CST); NEXT;
L_ATOMIC64_CMPXCHG: {
  // r0 ends up holding the old value whether or not the exchange happened.
  uint64_t expected = reg[0];
  __atomic_compare_exchange_n(APTR(uint64_t), &expected, SRC, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  reg[0] = expected;
  NEXT;
}
L_ATOMIC32_CMPXCHG: {
  uint32_t expected = U32(reg[0]);
  __atomic_compare_exchange_n(APTR(uint32_t), &expected, U32(SRC), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  reg[0] = expected;
  NEXT;
}
#undef APTR

  // ---- calls ----
L_CALL_HELPER:
  reg[0] = pc->fn(reg[1], reg[2], reg[3], reg[4], reg[5]);
  if (__builtin_expect(tls_exit.pending, 0)) goto exit_requested;
  NEXT;
  // kfuncs returning fewer than 64 bits (the C ABI leaves the rest undefined).
#define KFUNC_EXT(name, T)                                                                              \
  L_CALL_KFUNC_##name:                                                                                 \
  reg[0] = static_cast<uint64_t>(static_cast<T>(pc->fn(reg[1], reg[2], reg[3], reg[4], reg[5])));       \
  NEXT;
  KFUNC_EXT(ZX8, uint8_t)
  KFUNC_EXT(ZX16, uint16_t)
  KFUNC_EXT(ZX32, uint32_t)
  KFUNC_EXT(SX8, int8_t)
  KFUNC_EXT(SX16, int16_t)
  KFUNC_EXT(SX32, int32_t)
#undef KFUNC_EXT
  // Bound map lookups (interp_program.h): no helper runs, so there is no exit
  // request to check; r1 holds the map the decoder bound.
L_MAP_LOOKUP:
  reg[0] = reinterpret_cast<uint64_t>(pc->lookup(reinterpret_cast<maps::Map*>(reg[1]), reinterpret_cast<const void*>(reg[2])));
  NEXT;
L_ARRAY_LOOKUP:
  reg[0] = reinterpret_cast<uint64_t>(pc->array->lookup_index(load<uint32_t>(reg[2])));
  NEXT;
L_LDDW_MAP_LOOKUP: DST = pc[1].u64; pc += 2; goto L_MAP_LOOKUP;
L_LDDW_ARRAY_LOOKUP: DST = pc[1].u64; pc += 2; goto L_ARRAY_LOOKUP;
L_CALLX: {
  const int32_t id = static_cast<int32_t>(DST);
  const helpers::HelperFn fn = resolve_helper(id, prog->code()->overrides);
  if (!fn) {
    if (id == BPF_FUNC_tail_call) goto L_TAIL_CALL;
    goto L_FAULT;
  }
  reg[0] = fn(reg[1], reg[2], reg[3], reg[4], reg[5]);
  if (__builtin_expect(tls_exit.pending, 0)) goto exit_requested;
  NEXT;
}
L_CALL_LOCAL:
  // The verifier bounds the depth; without it, a runaway recursion ends the run.
  if (__builtin_expect(depth == kMaxCallFrames - 1, 0)) goto L_FAULT;
  frames[depth] = Frame{pc + 1, reg[6], reg[7], reg[8], reg[9]};
  ++depth;
  reg[10] += kMaxBpfStack;
  pc += pc->f.imm;
  NEXT;
L_EXIT:
  if (__builtin_expect(depth == 0, 1)) return reg[0];
  --depth;
  reg[6] = frames[depth].r6;
  reg[7] = frames[depth].r7;
  reg[8] = frames[depth].r8;
  reg[9] = frames[depth].r9;
  reg[10] -= kMaxBpfStack;
  pc = frames[depth].ret;
  goto* pc->op;
L_TAIL_CALL: {
  // bpf_tail_call(ctx, prog_array, index): on success never returns; on a
  // missing target or once the count is spent, execution falls through.
  const auto* array = static_cast<const maps::ProgArray*>(reinterpret_cast<const maps::Map*>(reg[2]));
  const maps::TailCallTarget* target = array->get(static_cast<uint32_t>(reg[3]));
  if (!target || tail_calls >= kMaxTailCallCount) NEXT;
  ++tail_calls;
  const auto* next = static_cast<const Executable*>(target);
  if (next->entered_by(&interp_entry)) {
    // Same loop, same frame and stack (r10 unchanged), r1 still the context.
    prog = static_cast<const InterpProgram*>(next);
    pc = prog->start();
    goto* pc->op;
  }
  // Another executor's program: it runs to its own exit, which is this frame's.
  reg[0] = next->run(reg[1]);
  goto L_EXIT;
}
exit_requested:
  tls_exit.pending = false;
  return tls_exit.r0;
L_FAULT:
  // Only reachable by programs the verifier would refuse (a call chain deeper
  // than kMaxCallFrames, callx of an unknown id, running off the end).
  return 0;

#undef NEXT
#undef DST
#undef SRC
#undef OFF
#undef IMM64
#undef IMM32
#undef U32
}

}  // namespace interp
}  // namespace hostbpf::exec
