// The interpreter's decoded program, shared by the decoder (interp_decode.cpp)
// and the dispatch loop (interpreter.cpp).
//
// Each instruction is decoded once into 16 bytes: the address of its handler
// label in the dispatch loop (GCC labels-as-values) and its operands. Decoding
// picks a handler per opcode *and* per variant (sdiv vs div, movsx widths, the
// atomic operation, be16 vs be64, divisions by the constants 0 and -1, masked
// shift counts), so handlers do no decoding of their own. The decoded array is
// index-for-index the original, so jump offsets stay valid as they are.
//
// Beyond one handler per instruction:
//  - map lookups at call sites bound to one map (CallTarget::map)
//    call that map's lookup directly (MAP_LOOKUP) or, for arrays, run it inline
//    (ARRAY_LOOKUP); the `rX = map ll` that precedes such a call (clang always
//    emits that pair) then continues straight into it (LDDW_*_LOOKUP);
//  - kfunc calls call the host function directly (CALL_HELPER), or, when it
//    returns a value narrower than 64 bits, through a handler that widens R0
//    (CALL_KFUNC_ZX* / SX*);
//  - loads the verifier marked probe_mem read fault-safely (PROBE_LDX*);
//  - a pair `rX = rY; rX += imm` (how clang forms every stack pointer) runs as
//    one handler at the first slot (MOV_ADD64), which then skips the second.
//    The second slot keeps its own handler, so a jump into it still works.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "exec/executable.h"
#include "helpers/helper.h"
#include "maps/array_map.h"

namespace hostbpf::exec::interp {

// Every handler of the dispatch loop, in one list so that the label table and
// the decoder's enum can never disagree.
#define HOSTBPF_INTERP_HANDLERS(X)                                                                                   \
  X(ADD64_K) X(ADD64_X) X(ADD32_K) X(ADD32_X)                                                                      \
  X(SUB64_K) X(SUB64_X) X(SUB32_K) X(SUB32_X)                                                                      \
  X(MUL64_K) X(MUL64_X) X(MUL32_K) X(MUL32_X)                                                                      \
  X(DIV64_K) X(DIV64_X) X(DIV32_K) X(DIV32_X)                                                                      \
  X(SDIV64_K) X(SDIV64_X) X(SDIV32_K) X(SDIV32_X)                                                                  \
  X(OR64_K) X(OR64_X) X(OR32_K) X(OR32_X)                                                                          \
  X(AND64_K) X(AND64_X) X(AND32_K) X(AND32_X)                                                                      \
  X(LSH64_K) X(LSH64_X) X(LSH32_K) X(LSH32_X)                                                                      \
  X(RSH64_K) X(RSH64_X) X(RSH32_K) X(RSH32_X)                                                                      \
  X(MOD64_K) X(MOD64_X) X(MOD32_K) X(MOD32_X)                                                                      \
  X(SMOD64_K) X(SMOD64_X) X(SMOD32_K) X(SMOD32_X)                                                                  \
  X(XOR64_K) X(XOR64_X) X(XOR32_K) X(XOR32_X)                                                                      \
  X(MOV64_K) X(MOV64_X) X(MOV32_K) X(MOV32_X)                                                                      \
  X(ARSH64_K) X(ARSH64_X) X(ARSH32_K) X(ARSH32_X)                                                                  \
  X(JEQ64_K) X(JEQ64_X) X(JEQ32_K) X(JEQ32_X)                                                                      \
  X(JGT64_K) X(JGT64_X) X(JGT32_K) X(JGT32_X)                                                                      \
  X(JGE64_K) X(JGE64_X) X(JGE32_K) X(JGE32_X)                                                                      \
  X(JSET64_K) X(JSET64_X) X(JSET32_K) X(JSET32_X)                                                                  \
  X(JNE64_K) X(JNE64_X) X(JNE32_K) X(JNE32_X)                                                                      \
  X(JSGT64_K) X(JSGT64_X) X(JSGT32_K) X(JSGT32_X)                                                                  \
  X(JSGE64_K) X(JSGE64_X) X(JSGE32_K) X(JSGE32_X)                                                                  \
  X(JLT64_K) X(JLT64_X) X(JLT32_K) X(JLT32_X)                                                                      \
  X(JLE64_K) X(JLE64_X) X(JLE32_K) X(JLE32_X)                                                                      \
  X(JSLT64_K) X(JSLT64_X) X(JSLT32_K) X(JSLT32_X)                                                                  \
  X(JSLE64_K) X(JSLE64_X) X(JSLE32_K) X(JSLE32_X)                                                                  \
  X(NEG64) X(NEG32) X(MOVSX64_8) X(MOVSX64_16) X(MOVSX64_32) X(MOVSX32_8) X(MOVSX32_16)                             \
  X(LE16) X(LE32) X(BE16) X(BE32) X(BE64)                                                                          \
  X(NOP) X(JA) X(GOTOL) X(CALL_HELPER) X(CALL_LOCAL) X(TAIL_CALL) X(CALLX) X(EXIT) X(LDDW)                          \
  X(MAP_LOOKUP) X(ARRAY_LOOKUP) X(LDDW_MAP_LOOKUP) X(LDDW_ARRAY_LOOKUP) X(MOV_ADD64)                              \
  X(LDXB) X(LDXH) X(LDXW) X(LDXDW) X(LDXSB) X(LDXSH) X(LDXSW)                                                       \
  X(STB) X(STH) X(STW) X(STDW) X(STXB) X(STXH) X(STXW) X(STXDW)                                                     \
  X(ATOMIC32_ADD) X(ATOMIC32_OR) X(ATOMIC32_AND) X(ATOMIC32_XOR)                                                    \
  X(ATOMIC32_FETCH_ADD) X(ATOMIC32_FETCH_OR) X(ATOMIC32_FETCH_AND) X(ATOMIC32_FETCH_XOR)                            \
  X(ATOMIC32_XCHG) X(ATOMIC32_CMPXCHG)                                                                              \
  X(ATOMIC64_ADD) X(ATOMIC64_OR) X(ATOMIC64_AND) X(ATOMIC64_XOR)                                                    \
  X(ATOMIC64_FETCH_ADD) X(ATOMIC64_FETCH_OR) X(ATOMIC64_FETCH_AND) X(ATOMIC64_FETCH_XOR)                            \
  X(ATOMIC64_XCHG) X(ATOMIC64_CMPXCHG)                                                                              \
  X(CALL_KFUNC_ZX8) X(CALL_KFUNC_ZX16) X(CALL_KFUNC_ZX32) X(CALL_KFUNC_SX8) X(CALL_KFUNC_SX16) X(CALL_KFUNC_SX32)   \
  X(PROBE_LDXB) X(PROBE_LDXH) X(PROBE_LDXW) X(PROBE_LDXDW) X(PROBE_LDXSB) X(PROBE_LDXSH) X(PROBE_LDXSW)            \
  X(FAULT)

enum Handler : uint16_t {
#define HOSTBPF_INTERP_ENUM(name) H_##name,
  HOSTBPF_INTERP_HANDLERS(HOSTBPF_INTERP_ENUM)
#undef HOSTBPF_INTERP_ENUM
  kNumHandlers
};

/// One decoded instruction.
struct DInsn {
  const void* op;  // handler label address in the dispatch loop
  union {
    struct {
      uint8_t dst;
      uint8_t src;
      int16_t off;  // memory offset, or jump offset relative to the next insn
      int32_t imm;  // immediate (shift counts pre-masked), or gotol/call offset
    } f;
    helpers::HelperFn fn;    // CALL_HELPER: the resolved helper or kfunc
    maps::Map::LookupFn lookup;    // MAP_LOOKUP: the bound map's lookup (the map is in r1)
    const maps::ArrayMap* array;   // ARRAY_LOOKUP: the bound map, whose lookup is inlined
    uint64_t u64;   // the slot after an LDDW: its 64-bit immediate
  };
};
static_assert(sizeof(DInsn) == 16);

class InterpProgram;
struct Code;

/// What LDDW BPF_PSEUDO_FUNC loads: runs the subprogram in a fresh interpreter
/// activation (own stack and call frames) and returns its r0.
struct InterpCallback : helpers::Callback {
  InterpCallback(const Code* code, const DInsn* start, const ExecOptions& opts);
  std::unique_ptr<InterpProgram> prog;  // the subprogram viewed as a program entered at `start`
};

/// Everything a decoded program owns; shared by the program and the views its
/// callbacks hold.
struct Code {
  std::vector<DInsn> insns;  // decoded, plus one FAULT sentinel past the end
  std::vector<ExecOptions::HelperOverride> overrides;  // for callx, resolved at run time
  std::vector<std::unique_ptr<InterpCallback>> callbacks;
};

/// The dispatch loop, and run()'s entry point for every interpreted program.
/// Called with self == nullptr it returns the address of the label table
/// (const void* const[kNumHandlers]) instead, so the decoder can fill `op`.
uint64_t interp_entry(const void* self, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);

class InterpProgram final : public Executable {
 public:
  InterpProgram(std::shared_ptr<const Code> owner, const Code* code, const DInsn* start, const ExecOptions& opts)
      : Executable(&interp_entry, with_executor(opts.compat, kInterpreterExecutor), opts.prog_id, opts.name),
        code_(code),
        start_(start),
        env_(opts.env),
        owner_(std::move(owner)) {}

  const Code* code() const { return code_; }
  const DInsn* start() const { return start_; }
  const helpers::RunEnv* env() const { return env_; }

 private:
  const Code* code_;
  const DInsn* start_;
  const helpers::RunEnv* env_;
  std::shared_ptr<const Code> owner_;  // null for callback views (the Code owns them)
};

/// Looks a helper up the way a prepared program does: overrides first, then the
/// kernel table. nullptr when the id names nothing callable.
helpers::HelperFn resolve_helper(int32_t id, const std::vector<ExecOptions::HelperOverride>& overrides);

}  // namespace hostbpf::exec::interp
