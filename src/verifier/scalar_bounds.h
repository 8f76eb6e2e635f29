// The scalar abstract domain: what the verifier knows about a SCALAR_VALUE
// register, exactly as the kernel tracks it in struct bpf_reg_state (v6.18):
// a tnum plus signed/unsigned 64-bit and 32-bit (subregister) bounds. The
// value x of a register is possible iff x ∈ var_off, smin <= (s64)x <= smax,
// umin <= x <= umax, s32_min <= (s32)x <= s32_max, u32_min <= (u32)x <= u32_max.
//
// Everything here mirrors a named function of kernel/bpf/verifier.c or
// kernel/bpf/log.c. Kernel-faithful means kernel-precise, no more: being more
// precise than the kernel would accept programs it rejects and print different
// logs. Where this file departs from the kernel it says so at the function.
//
// Operation codes are the kernel's: BPF_OP(insn->code) values from
// <linux/bpf.h> (BPF_ADD, BPF_JGT, ...). Immediate operands are passed as the
// kernel builds them: `ScalarState::known((uint64_t)(int64_t)insn->imm)`, the
// immediate sign-extended to 64 bits (check_alu_op / check_cond_jmp_op).
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "verifier/tnum.h"

namespace hostbpf::verifier {

struct ScalarState {
  Tnum var_off = tnum_unknown;
  int64_t smin = std::numeric_limits<int64_t>::min();
  int64_t smax = std::numeric_limits<int64_t>::max();
  uint64_t umin = 0;
  uint64_t umax = std::numeric_limits<uint64_t>::max();
  int32_t s32_min = std::numeric_limits<int32_t>::min();
  int32_t s32_max = std::numeric_limits<int32_t>::max();
  uint32_t u32_min = 0;
  uint32_t u32_max = std::numeric_limits<uint32_t>::max();

  /// A register known to hold `v` (___mark_reg_known).
  static ScalarState known(uint64_t v) {
    ScalarState s;
    s.mark_known(v);
    return s;
  }
  /// A register about which nothing is known (__mark_reg_unknown's bounds).
  static ScalarState unknown() { return ScalarState{}; }

  /// ___mark_reg_known: every view is the one value.
  void mark_known(uint64_t v) {
    var_off = tnum_const(v);
    smin = smax = static_cast<int64_t>(v);
    umin = umax = v;
    s32_min = s32_max = static_cast<int32_t>(v);
    u32_min = u32_max = static_cast<uint32_t>(v);
  }
  /// __mark_reg32_known: the subregister only.
  void mark_known32(uint32_t v) {
    var_off = tnum_const_subreg(var_off, v);
    s32_min = s32_max = static_cast<int32_t>(v);
    u32_min = u32_max = v;
  }
  /// Unknown tnum and __mark_reg_unbounded.
  void mark_unknown() { *this = ScalarState{}; }
  /// __mark_reg_unbounded: bounds reset, var_off kept.
  void mark_unbounded() {
    mark_unbounded64();
    mark_unbounded32();
  }
  void mark_unbounded64() {  // __mark_reg64_unbounded
    const ScalarState d;
    smin = d.smin, smax = d.smax, umin = d.umin, umax = d.umax;
  }
  void mark_unbounded32() {  // __mark_reg32_unbounded
    const ScalarState d;
    s32_min = d.s32_min, s32_max = d.s32_max, u32_min = d.u32_min, u32_max = d.u32_max;
  }

  bool is_const() const { return tnum_is_const(var_off); }
  /// is_reg_const(): the whole register (or its subregister) is one value.
  bool is_const(bool subreg32) const {
    return subreg32 ? tnum_subreg_is_const(var_off) : tnum_is_const(var_off);
  }
  /// reg_const_value(): that value (the subregister, zero-extended, if asked).
  uint64_t const_value(bool subreg32) const { return subreg32 ? tnum_subreg(var_off).value : var_off.value; }
  /// x is a possible value: inside var_off and all four pairs of bounds.
  bool contains(uint64_t x) const {
    const auto sx = static_cast<int64_t>(x);
    const auto x32 = static_cast<uint32_t>(x);
    const auto sx32 = static_cast<int32_t>(x32);
    return var_off.contains(x) && smin <= sx && sx <= smax && umin <= x && x <= umax && s32_min <= sx32 &&
           sx32 <= s32_max && u32_min <= x32 && x32 <= u32_max;
  }

  friend bool operator==(const ScalarState&, const ScalarState&) = default;
};

// ---------------------------------------------------------------------------
// Keeping the five views consistent (verifier.c, "reg bounds" section)
// ---------------------------------------------------------------------------
void update_reg32_bounds(ScalarState& r);      // __update_reg32_bounds
void update_reg64_bounds(ScalarState& r);      // __update_reg64_bounds
void update_reg_bounds(ScalarState& r);        // __update_reg_bounds
void reg32_deduce_bounds(ScalarState& r);      // __reg32_deduce_bounds
void reg64_deduce_bounds(ScalarState& r);      // __reg64_deduce_bounds
void reg_deduce_mixed_bounds(ScalarState& r);  // __reg_deduce_mixed_bounds
void reg_deduce_bounds(ScalarState& r);        // __reg_deduce_bounds
void reg_bound_offset(ScalarState& r);         // __reg_bound_offset
/// reg_bounds_sync: tnum -> bounds, three rounds of deduction, bounds -> tnum,
/// tnum -> bounds again. Call after any change.
void reg_bounds_sync(ScalarState& r);
/// reg_bounds_sanity_check's test: nullptr when the state is consistent, else
/// the kernel's reason ("range bounds violation", "const tnum out of sync with
/// range bounds", "const subreg tnum out of sync with range bounds").
const char* reg_bounds_violation(const ScalarState& r);
/// The whole message the kernel logs after "verifier bug: " when the check
/// fails, e.g. "REG INVARIANTS VIOLATION (true_reg1): range bounds violation
/// u64=[0x1, 0x0] s64=[...] u32=[...] s32=[...] var_off=(0x0, 0x0)"; empty
/// when consistent.
std::string reg_invariants_violation(const ScalarState& r, const char* ctx);

// ---------------------------------------------------------------------------
// Width changes: 32-bit results, narrow loads, sign extension
// ---------------------------------------------------------------------------
void reg_assign_32_into_64(ScalarState& r);  // __reg_assign_32_into_64
/// zext_32_to_64: a 32-bit result zero-extended into the register.
void zext_32_to_64(ScalarState& r);
/// coerce_reg_to_size: truncate to 1, 2 or 4 bytes (a narrow load, or the
/// truncation of bswap16/32). Syncs bounds.
void coerce_reg_to_size(ScalarState& r, int size);
/// coerce_reg_to_size_sx: sign-extend the low 1, 2 or 4 bytes to 64 bits
/// (BPF_MEMSX loads, `r = (s8/s16/s32)r` moves). Does not sync, as the kernel.
void coerce_reg_to_size_sx(ScalarState& r, int size);
/// coerce_subreg_to_size_sx: sign-extend the low 1 or 2 bytes into the 32-bit
/// subregister (`w = (s8/s16)w`); the caller zero-extends (scalar_mov does).
void coerce_subreg_to_size_sx(ScalarState& r, int size);

// ---------------------------------------------------------------------------
// ALU transfer functions (adjust_scalar_min_max_vals, check_alu_op)
// ---------------------------------------------------------------------------
/// dst = dst <op> src for two scalars, op one of BPF_ADD, BPF_SUB, BPF_MUL,
/// BPF_DIV, BPF_MOD, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH;
/// `alu32` for BPF_ALU (result zero-extended), else BPF_ALU64. Signed div/mod
/// (off == 1) need no flag: like every div/mod in v6.18 their result is
/// unknown. A shift whose amount is not a known constant below the width, and
/// any other op, makes dst unknown (is_safe_to_compute_dst_reg_range).
void scalar_alu(ScalarState& dst, const ScalarState& src, uint8_t op, bool alu32);
/// dst = -dst (BPF_NEG on a scalar: 0 - dst through the sub transfer).
void scalar_neg(ScalarState& dst, bool alu32);
/// BPF_END (to_le/to_be/bswap, any width): in v6.18 check_alu_op marks the
/// destination unknown, constant or not.
void scalar_end(ScalarState& dst);
/// dst = src for BPF_MOV|BPF_X on a scalar source. `off` is insn->off: 0 for a
/// plain move, 8/16/32 (ALU64) or 8/16 (ALU) for movsx. 32-bit moves
/// zero-extend and sync.
void scalar_mov(ScalarState& dst, const ScalarState& src, bool alu32, int16_t off);
/// dst = imm for BPF_MOV|BPF_K: sign-extended for ALU64, zero-extended for ALU.
void scalar_mov_imm(ScalarState& dst, int32_t imm, bool alu32);

// ---------------------------------------------------------------------------
// Conditional jumps (is_scalar_branch_taken, regs_refine_cond_op)
// ---------------------------------------------------------------------------
/// The false-branch condition for `op`; BPF_JSET's is BPF_JSET|BPF_X (rev_opcode).
uint8_t rev_opcode(uint8_t op);
/// The condition with its operands swapped: a < b  <=>  b > a (flip_opcode).
uint8_t flip_opcode(uint8_t op);
/// Whether `if (a op b)` jumps: 1 always, 0 never, -1 unknown, for two scalars
/// (BPF_JEQ..BPF_JSLE). The kernel's same-register shortcut (`if r1 > r1`,
/// v6.19) belongs to the caller, which knows that a and b are one register.
int is_branch_taken(uint8_t op, const ScalarState& a, const ScalarState& b, bool is_jmp32);
/// Narrow a and b to the values for which `a op b` holds (op may be a
/// rev_opcode() result), then reg_bounds_sync both. If that leaves a state
/// inconsistent (only possible on a branch no value reaches) the kernel logs
/// REG INVARIANTS VIOLATION and forgets that state's bounds: done here too,
/// and reported by returning false.
bool refine_cond(uint8_t op, ScalarState& a, ScalarState& b, bool is_jmp32);
/// Both branches at once from the pre-jump states (reg_set_min_max): the
/// false pair is refined with rev_opcode(op). Returns false on an invariant
/// violation in any of the four.
bool reg_set_min_max(uint8_t op, bool is_jmp32, ScalarState& true_a, ScalarState& true_b,
                     ScalarState& false_a, ScalarState& false_b);

// ---------------------------------------------------------------------------
// State pruning (regsafe for SCALAR_VALUE)
// ---------------------------------------------------------------------------
/// The kernel's range_within: all eight bounds of cur inside old's.
bool bounds_within(const ScalarState& old, const ScalarState& cur);
/// Subsumption for pruning: bounds_within(old, cur) && tnum_in(old, cur), the
/// value part of regsafe() for a precise scalar (ids are the caller's).
bool range_within(const ScalarState& old, const ScalarState& cur);

// ---------------------------------------------------------------------------
// Log text (kernel/bpf/log.c: verbose_unum/snum, print_scalar_ranges,
// print_reg_state)
// ---------------------------------------------------------------------------
/// Unsigned number: decimal up to 65535, else "%#llx" (verbose_unum).
std::string log_unum(uint64_t v);
/// Signed number: decimal in [-32768, 32767], else the 64-bit pattern in hex
/// (verbose_snum).
std::string log_snum(int64_t v);
/// The text inside "scalar(...)": the bounds that are not at their default,
/// equal ones grouped ("smin=smin32=0,smax=umax=smax32=umax32=255"), then
/// "var_off=(0x0; 0xff)" unless var_off is unknown. Empty for an unknown
/// scalar. The caller prepends "id=N," when the register has an id.
std::string scalar_ranges_str(const ScalarState& r);
/// How print_reg_state shows a scalar after "R1=": a constant as its value
/// ("0", "-1", "0x10000"), anything else as "scalar(...)"; "P" first when
/// precise, "id=N" first inside the parentheses when id != 0.
std::string scalar_str(const ScalarState& r, uint32_t id = 0, bool precise = false);

}  // namespace hostbpf::verifier
