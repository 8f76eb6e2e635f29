// The scalar domain, following the scalar parts of kernel/bpf/verifier.c and
// kernel/bpf/log.c (v6.18) in meaning, not in text. Each function names the
// kernel function it mirrors; the comments say why a step is sound or why the
// kernel does it that way.
//
// C vs C++: the kernel is built with -fno-strict-overflow, so its signed
// arithmetic wraps. Where a kernel expression can overflow, this file computes
// it in unsigned arithmetic (wrap_add) to get the same value without undefined
// behaviour.
#include "verifier/scalar_bounds.h"

#include <linux/bpf.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <type_traits>

namespace hostbpf::verifier {
namespace {

using s32 = int32_t;
using u32 = uint32_t;
using s64 = int64_t;
using u64 = uint64_t;

constexpr s64 S64_MIN = std::numeric_limits<s64>::min();
constexpr s64 S64_MAX = std::numeric_limits<s64>::max();
constexpr u64 U64_MAX = std::numeric_limits<u64>::max();
constexpr s32 S32_MIN = std::numeric_limits<s32>::min();
constexpr s32 S32_MAX = std::numeric_limits<s32>::max();
constexpr u32 U32_MAX = std::numeric_limits<u32>::max();

// [lo, hi] := [lo, hi] ∩ [nlo, nhi] (the kernel's max_t/min_t pairs).
template <typename T>
void narrow(T& lo, T& hi, T nlo, T nhi) {
  lo = std::max(lo, nlo);
  hi = std::min(hi, nhi);
}
template <typename T>
void set_range(T& lo, T& hi, T nlo, T nhi) {
  lo = nlo;
  hi = nhi;
}
template <typename T>
void full_range(T& lo, T& hi) {
  set_range(lo, hi, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
}

template <typename S>
S wrap_add(S a, S d) {  // a + d, wrapping like the kernel's signed arithmetic
  using U = std::make_unsigned_t<S>;
  return static_cast<S>(static_cast<U>(static_cast<U>(a) + static_cast<U>(d)));
}

bool is_power_of_2(u64 v) { return v != 0 && (v & (v - 1)) == 0; }

// The four bounds of one width, by reference. The kernel writes most helpers
// twice (scalar32_min_max_x on s32/u32, scalar_min_max_x on s64/u64) with the
// same logic; here such code is written once over this view.
template <typename S>
struct Bounds {
  using U = std::make_unsigned_t<S>;
  S& smin;
  S& smax;
  U& umin;
  U& umax;
};
Bounds<s64> b64(ScalarState& r) { return {r.smin, r.smax, r.umin, r.umax}; }
Bounds<s32> b32(ScalarState& r) { return {r.s32_min, r.s32_max, r.u32_min, r.u32_max}; }

}  // namespace

// ---------------------------------------------------------------------------
// Bounds synchronisation
// ---------------------------------------------------------------------------

void update_reg32_bounds(ScalarState& r) {
  // The tnum's extremes: the signed minimum has the sign bit set if it may be
  // and every other unknown bit clear; the signed maximum the reverse.
  const Tnum v = tnum_subreg(r.var_off);
  narrow(r.s32_min, r.s32_max, static_cast<s32>(v.value | (v.mask & 0x80000000u)),
         static_cast<s32>(v.value | (v.mask & 0x7fffffffu)));
  narrow(r.u32_min, r.u32_max, static_cast<u32>(v.value), static_cast<u32>(v.value | v.mask));
}

void update_reg64_bounds(ScalarState& r) {
  const Tnum v = r.var_off;
  const u64 sign = u64{1} << 63;
  narrow(r.smin, r.smax, static_cast<s64>(v.value | (v.mask & sign)), static_cast<s64>(v.value | (v.mask & ~sign)));
  narrow(r.umin, r.umax, v.value, v.value | v.mask);
}

void update_reg_bounds(ScalarState& r) {
  update_reg32_bounds(r);
  update_reg64_bounds(r);
}

void reg32_deduce_bounds(ScalarState& r) {
  // If the upper 32 bits are the same across the u64 (or s64) range, its low
  // halves form a range too: a u32 range if they do not wrap, an s32 range if
  // they do not cross the s32 sign boundary.
  const auto lo_s = [](auto v) { return static_cast<s32>(v); };
  const auto lo_u = [](auto v) { return static_cast<u32>(v); };
  if ((r.umin >> 32) == (r.umax >> 32)) {
    narrow(r.u32_min, r.u32_max, lo_u(r.umin), lo_u(r.umax));
    if (lo_s(r.umin) <= lo_s(r.umax)) narrow(r.s32_min, r.s32_max, lo_s(r.umin), lo_s(r.umax));
  }
  if ((r.smin >> 32) == (r.smax >> 32)) {
    if (lo_u(r.smin) <= lo_u(r.smax)) narrow(r.u32_min, r.u32_max, lo_u(r.smin), lo_u(r.smax));
    if (lo_s(r.smin) <= lo_s(r.smax)) narrow(r.s32_min, r.s32_max, lo_s(r.smin), lo_s(r.smax));
  }
  // Upper halves two consecutive numbers (0xffffffff -> 0 counts) while the
  // low halves go from negative to non-negative: s64 [-1, 1] still has the s32
  // range [-1, 1].
  if (lo_u(r.umin >> 32) + 1 == lo_u(r.umax >> 32) && lo_s(r.umin) < 0 && lo_s(r.umax) >= 0)
    narrow(r.s32_min, r.s32_max, lo_s(r.umin), lo_s(r.umax));
  if (lo_u(r.smin >> 32) + 1 == lo_u(r.smax >> 32) && lo_s(r.smin) < 0 && lo_s(r.smax) >= 0)
    narrow(r.s32_min, r.s32_max, lo_s(r.smin), lo_s(r.smax));
  // A u32 range that does not cross the sign bit is also an s32 range, and
  // vice versa (-3 s<= x s<= -1 is 0xfffffffd u<= x u<= 0xffffffff).
  if (lo_s(r.u32_min) <= lo_s(r.u32_max)) narrow(r.s32_min, r.s32_max, lo_s(r.u32_min), lo_s(r.u32_max));
  if (lo_u(r.s32_min) <= lo_u(r.s32_max)) narrow(r.u32_min, r.u32_max, lo_u(r.s32_min), lo_u(r.s32_max));
}

void reg64_deduce_bounds(ScalarState& r) {
  // A range within one half of the u64 space is valid in both signednesses.
  if (static_cast<s64>(r.umin) <= static_cast<s64>(r.umax))
    narrow(r.smin, r.smax, static_cast<s64>(r.umin), static_cast<s64>(r.umax));
  if (static_cast<u64>(r.smin) <= static_cast<u64>(r.smax)) {
    narrow(r.umin, r.umax, static_cast<u64>(r.smin), static_cast<u64>(r.smax));
  } else if (r.umax < static_cast<u64>(r.smin)) {
    // The s64 range crosses the sign boundary: in u64 it is [0, smax] and
    // [(u64)smin, U64_MAX]. A u64 range meeting only one of the pieces
    // shrinks both ranges to it (v6.17). Here: only the non-negative piece.
    r.smin = static_cast<s64>(r.umin);
    r.umax = std::min(r.umax, static_cast<u64>(r.smax));
  } else if (static_cast<u64>(r.smax) < r.umin) {  // only the negative piece
    r.smax = static_cast<s64>(r.umax);
    r.umin = std::max(r.umin, static_cast<u64>(r.smin));
  }
}

void reg_deduce_mixed_bounds(ScalarState& r) {
  // Put the u32 bounds into the low halves of the 64-bit bounds: a value with
  // umin's upper half is at least (umin & ~0xffffffff) | u32_min, and one
  // with a larger upper half is larger anyway. Same for the signed bounds.
  const u64 hi = ~u64{0xffffffff};
  narrow(r.umin, r.umax, (r.umin & hi) | r.u32_min, (r.umax & hi) | r.u32_max);
  narrow(r.smin, r.smax, static_cast<s64>((static_cast<u64>(r.smin) & hi) | r.u32_min),
         static_cast<s64>((static_cast<u64>(r.smax) & hi) | r.u32_max));
  // After a sign-extending load the register lies in [(s64)S32_MIN, S32_MAX],
  // upper bits all ones or all zeros. If the low half is known non-negative,
  // all ones is impossible (below (s64)S32_MIN), so the s32 range is the
  // 64-bit range.
  if (r.s32_min >= 0 && r.smin >= S32_MIN && r.smax <= S32_MAX) {
    set_range<s64>(r.smin, r.smax, r.s32_min, r.s32_max);
    set_range<u64>(r.umin, r.umax, static_cast<u64>(r.s32_min), static_cast<u64>(r.s32_max));
    r.var_off = tnum_intersect(r.var_off, tnum_range(r.umin, r.umax));
  }
}

void reg_deduce_bounds(ScalarState& r) {
  reg32_deduce_bounds(r);
  reg64_deduce_bounds(r);
  reg_deduce_mixed_bounds(r);
}

void reg_bound_offset(ScalarState& r) {
  // Learn bits from the unsigned ranges: the 64-bit range for the whole
  // tnum, then the u32 range for its low half.
  const Tnum var64 = tnum_intersect(r.var_off, tnum_range(r.umin, r.umax));
  const Tnum var32 = tnum_intersect(tnum_subreg(var64), tnum_range(r.u32_min, r.u32_max));
  r.var_off = tnum_or(tnum_clear_subreg(var64), var32);
}

void reg_bounds_sync(ScalarState& r) {
  update_reg_bounds(r);  // bounds from the tnum
  // Three rounds (v6.17): each can enable the next (u32 -> s32 -> s64 ...).
  reg_deduce_bounds(r);
  reg_deduce_bounds(r);
  reg_deduce_bounds(r);
  reg_bound_offset(r);   // bits from the bounds
  update_reg_bounds(r);  // and bounds from those bits
}

const char* reg_bounds_violation(const ScalarState& r) {
  if (r.umin > r.umax || r.smin > r.smax || r.u32_min > r.u32_max || r.s32_min > r.s32_max)
    return "range bounds violation";
  const u64 v = r.var_off.value;
  if (tnum_is_const(r.var_off) &&
      (r.umin != v || r.umax != v || r.smin != static_cast<s64>(v) || r.smax != static_cast<s64>(v)))
    return "const tnum out of sync with range bounds";
  const u32 v32 = static_cast<u32>(v);
  if (tnum_subreg_is_const(r.var_off) && (r.u32_min != v32 || r.u32_max != v32 ||
                                          r.s32_min != static_cast<s32>(v32) || r.s32_max != static_cast<s32>(v32)))
    return "const subreg tnum out of sync with range bounds";
  return nullptr;
}

std::string reg_invariants_violation(const ScalarState& r, const char* ctx) {
  const char* msg = reg_bounds_violation(r);
  if (!msg) return {};
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "REG INVARIANTS VIOLATION (%s): %s u64=[0x%" PRIx64 ", 0x%" PRIx64 "] s64=[0x%" PRIx64
                ", 0x%" PRIx64 "] u32=[0x%x, 0x%x] s32=[0x%x, 0x%x] var_off=(0x%" PRIx64 ", 0x%" PRIx64 ")",
                ctx, msg, r.umin, r.umax, static_cast<u64>(r.smin), static_cast<u64>(r.smax), r.u32_min,
                r.u32_max, static_cast<u32>(r.s32_min), static_cast<u32>(r.s32_max), r.var_off.value,
                r.var_off.mask);
  return buf;
}

// ---------------------------------------------------------------------------
// Width changes
// ---------------------------------------------------------------------------

void reg_assign_32_into_64(ScalarState& r) {
  set_range<u64>(r.umin, r.umax, r.u32_min, r.u32_max);
  // A zero-extended value is non-negative: the s32 bounds carry over only if
  // they are; otherwise [0, U32_MAX], refined later from the tnum.
  if (r.s32_min >= 0 && r.s32_max >= 0)
    set_range<s64>(r.smin, r.smax, r.s32_min, r.s32_max);
  else
    set_range<s64>(r.smin, r.smax, 0, U32_MAX);
}

void zext_32_to_64(ScalarState& r) {
  r.var_off = tnum_subreg(r.var_off);
  reg_assign_32_into_64(r);
}

void coerce_reg_to_size(ScalarState& r, int size) {
  r.var_off = tnum_cast(r.var_off, static_cast<uint8_t>(size));
  // Truncation keeps the range only if no value crosses a multiple of
  // 2^(8*size), i.e. the dropped high bits are the same at both ends.
  const u64 mask = (u64{1} << (size * 8)) - 1;
  if ((r.umin & ~mask) == (r.umax & ~mask))
    set_range(r.umin, r.umax, r.umin & mask, r.umax & mask);
  else
    set_range<u64>(r.umin, r.umax, 0, mask);
  set_range(r.smin, r.smax, static_cast<s64>(r.umin), static_cast<s64>(r.umax));
  // Below 4 bytes the subregister was truncated too: recompute it from the
  // tnum and the 64-bit bounds during the sync.
  if (size < 4) r.mark_unbounded32();
  reg_bounds_sync(r);
}

namespace {

s64 sext(u64 v, int size) {  // sign-extend the low 1, 2 or 4 bytes
  return size == 1 ? static_cast<int8_t>(v) : size == 2 ? static_cast<int16_t>(v) : static_cast<s32>(v);
}

// The shared part of coerce_reg_to_size_sx / coerce_subreg_to_size_sx on the
// non-constant path: the sign-extended range of a register whose signed range
// (of width S) is [smin, smax], if it can be told. Only if every value shares
// the bits above the low `size` bytes do the low parts of smin/smax bound the
// result, and only if the extended ends have one sign are they a range.
template <typename S>
bool sext_range(S smin, S smax, int size, S& lo, S& hi) {
  using U = std::make_unsigned_t<S>;
  const int bits = size * 8;
  if ((static_cast<U>(smax) >> bits) != (static_cast<U>(smin) >> bits)) return false;
  const S a = static_cast<S>(sext(static_cast<U>(smax), size));
  const S b = static_cast<S>(sext(static_cast<U>(smin), size));
  lo = std::min(a, b);
  hi = std::max(a, b);
  return (lo >= 0) == (hi >= 0);
}

s32 sext_min(int size) { return size == 1 ? INT8_MIN : size == 2 ? INT16_MIN : S32_MIN; }
s32 sext_max(int size) { return size == 1 ? INT8_MAX : size == 2 ? INT16_MAX : S32_MAX; }

}  // namespace

void coerce_reg_to_size_sx(ScalarState& r, int size) {
  if (tnum_is_const(r.var_off)) {
    r.mark_known(static_cast<u64>(sext(r.var_off.value, size)));
    return;
  }
  s64 lo, hi;
  if (sext_range(r.smin, r.smax, size, lo, hi)) {
    set_range(r.smin, r.smax, lo, hi);
    set_range(r.umin, r.umax, static_cast<u64>(lo), static_cast<u64>(hi));
    set_range(r.s32_min, r.s32_max, static_cast<s32>(lo), static_cast<s32>(hi));
    set_range(r.u32_min, r.u32_max, static_cast<u32>(lo), static_cast<u32>(hi));
    r.var_off = tnum_range(r.umin, r.umax);
    return;
  }
  // set_sext64_default_val: every N-bit signed value.
  set_range<s64>(r.smin, r.smax, sext_min(size), sext_max(size));
  set_range(r.s32_min, r.s32_max, sext_min(size), sext_max(size));
  full_range(r.umin, r.umax);
  full_range(r.u32_min, r.u32_max);
  r.var_off = tnum_unknown;
}

void coerce_subreg_to_size_sx(ScalarState& r, int size) {
  if (tnum_is_const(r.var_off)) {
    // As the kernel: the constant is sign-extended to 64 bits in var_off and
    // only the subregister bounds are set; the caller's zext fixes the rest.
    const s64 v = sext(r.var_off.value, size);
    r.var_off = tnum_const(static_cast<u64>(v));
    set_range(r.s32_min, r.s32_max, static_cast<s32>(v), static_cast<s32>(v));
    set_range(r.u32_min, r.u32_max, static_cast<u32>(v), static_cast<u32>(v));
    return;
  }
  s32 lo, hi;
  if (sext_range(r.s32_min, r.s32_max, size, lo, hi)) {
    set_range(r.s32_min, r.s32_max, lo, hi);
    set_range(r.u32_min, r.u32_max, static_cast<u32>(lo), static_cast<u32>(hi));
    r.var_off = tnum_subreg(tnum_range(static_cast<u64>(s64{lo}), static_cast<u64>(s64{hi})));
    return;
  }
  // set_sext32_default_val
  set_range(r.s32_min, r.s32_max, sext_min(size), sext_max(size));
  full_range(r.u32_min, r.u32_max);
  r.var_off = tnum_subreg(tnum_unknown);
}

// ---------------------------------------------------------------------------
// ALU: the scalar*_min_max_* helpers of adjust_scalar_min_max_vals
// ---------------------------------------------------------------------------
namespace {

template <typename S>
void add_bounds(Bounds<S> d, Bounds<S> s) {  // scalar{32,}_min_max_add
  // Signed: an overflow at either end loses the range.
  S lo, hi;
  if (__builtin_add_overflow(d.smin, s.smin, &lo) || __builtin_add_overflow(d.smax, s.smax, &hi))
    full_range(d.smin, d.smax);
  else
    set_range(d.smin, d.smax, lo, hi);
  // Unsigned: if both ends wrap, every sum wraps exactly once and the wrapped
  // ends still bound it (v6.17); only a partial wrap loses the range.
  typename Bounds<S>::U ulo, uhi;
  const bool min_ovf = __builtin_add_overflow(d.umin, s.umin, &ulo);
  const bool max_ovf = __builtin_add_overflow(d.umax, s.umax, &uhi);
  set_range(d.umin, d.umax, ulo, uhi);
  if (!min_ovf && max_ovf) full_range(d.umin, d.umax);
}

template <typename S>
void sub_bounds(Bounds<S> d, Bounds<S> s) {  // scalar{32,}_min_max_sub
  // dst - src spans [min - src_max, max - src_min]; the same wrap rules as
  // add, with "every difference underflows" the harmless case.
  S lo, hi;
  if (__builtin_sub_overflow(d.smin, s.smax, &lo) || __builtin_sub_overflow(d.smax, s.smin, &hi))
    full_range(d.smin, d.smax);
  else
    set_range(d.smin, d.smax, lo, hi);
  typename Bounds<S>::U ulo, uhi;
  const bool min_unf = __builtin_sub_overflow(d.umin, s.umax, &ulo);
  const bool max_unf = __builtin_sub_overflow(d.umax, s.umin, &uhi);
  set_range(d.umin, d.umax, ulo, uhi);
  if (min_unf && !max_unf) full_range(d.umin, d.umax);
}

template <typename S>
void mul_bounds(Bounds<S> d, Bounds<S> s) {  // scalar{32,}_min_max_mul (v6.14)
  // Unsigned from the products of the ends, signed from the four corner
  // products; either is lost if one of its products overflows.
  typename Bounds<S>::U ulo, uhi;
  if (__builtin_mul_overflow(d.umax, s.umax, &uhi) || __builtin_mul_overflow(d.umin, s.umin, &ulo))
    full_range(d.umin, d.umax);
  else
    set_range(d.umin, d.umax, ulo, uhi);
  S p[4];
  if (__builtin_mul_overflow(d.smin, s.smin, &p[0]) || __builtin_mul_overflow(d.smin, s.smax, &p[1]) ||
      __builtin_mul_overflow(d.smax, s.smin, &p[2]) || __builtin_mul_overflow(d.smax, s.smax, &p[3]))
    full_range(d.smin, d.smax);
  else
    set_range(d.smin, d.smax, *std::min_element(p, p + 4), *std::max_element(p, p + 4));
}

// scalar{32,}_min_max_{and,or,xor} once neither operand is a constant pair.
// `v` is the result tnum of this width (computed first, as the kernel does).
template <typename S>
void bitwise_bounds(Bounds<S> d, Bounds<S> s, Tnum v, uint8_t op) {
  using U = typename Bounds<S>::U;
  const auto lo = static_cast<U>(v.value), hi = static_cast<U>(v.value | v.mask);
  if (op == BPF_AND)  // the minimum is the bits known set; the max can't exceed either's
    set_range(d.umin, d.umax, lo, std::min(d.umax, s.umax));
  else if (op == BPF_OR)  // the maximum is every bit that may be set
    set_range(d.umin, d.umax, std::max(d.umin, s.umin), hi);
  else
    set_range(d.umin, d.umax, lo, hi);
  // Signed bounds from the unsigned ones unless they cross the sign boundary.
  if (static_cast<S>(d.umin) <= static_cast<S>(d.umax))
    set_range(d.smin, d.smax, static_cast<S>(d.umin), static_cast<S>(d.umax));
  else
    full_range(d.smin, d.smax);
}

void bitwise(ScalarState& d, ScalarState& s, uint8_t op) {
  d.var_off = op == BPF_AND ? tnum_and(d.var_off, s.var_off)
              : op == BPF_OR ? tnum_or(d.var_off, s.var_off)
                             : tnum_xor(d.var_off, s.var_off);
  if (tnum_subreg_is_const(s.var_off) && tnum_subreg_is_const(d.var_off))
    d.mark_known32(static_cast<u32>(d.var_off.value));
  else
    bitwise_bounds(b32(d), b32(s), tnum_subreg(d.var_off), op);
  if (tnum_is_const(s.var_off) && tnum_is_const(d.var_off)) {
    d.mark_known(d.var_off.value);
  } else {
    bitwise_bounds(b64(d), b64(s), d.var_off, op);
    update_reg_bounds(d);
  }
}

// __scalar32_min_max_lsh
void lsh32_bounds(ScalarState& d, u64 umin_val, u64 umax_val) {
  full_range(d.s32_min, d.s32_max);  // the sign bit is lost except via var_off
  // If the top bit might be shifted out, nothing is known.
  if (umax_val > 31 || d.u32_max > (u64{1} << (31 - umax_val)))
    full_range(d.u32_min, d.u32_max);
  else
    set_range<u32>(d.u32_min, d.u32_max, d.u32_min << umin_val, d.u32_max << umax_val);
}

// __scalar64_min_max_lsh
void lsh64_bounds(ScalarState& d, u64 umin_val, u64 umax_val) {
  // `<< 32` then `s>> 32` is how compilers sign-extend a subregister, so a
  // shift by exactly 32 keeps the signed range (the s32 bounds, scaled).
  const auto shl32 = [](s32 v) { return static_cast<s64>(static_cast<u64>(s64{v}) << 32); };
  if (umin_val == 32 && umax_val == 32)
    set_range(d.smin, d.smax, shl32(d.s32_min), shl32(d.s32_max));
  else
    full_range(d.smin, d.smax);
  if (d.umax > (u64{1} << (63 - umax_val)))
    full_range(d.umin, d.umax);
  else
    set_range(d.umin, d.umax, d.umin << umin_val, d.umax << umax_val);
}

// scalar32_min_max_{lsh,rsh,arsh}. The amount is a known constant < 32 here.
void shift32(ScalarState& d, const ScalarState& s, uint8_t op) {
  const Tnum sub = tnum_subreg(d.var_off);
  const u32 umin_val = s.u32_min, umax_val = s.u32_max;
  const auto amount = static_cast<uint8_t>(umin_val);
  if (op == BPF_LSH) {
    lsh32_bounds(d, umin_val, umax_val);
    d.var_off = tnum_subreg(tnum_lshift(sub, amount));
  } else if (op == BPF_RSH) {
    // A logical shift can make a negative value positive: drop the signed
    // bounds and rely on the unsigned ones and the tnum.
    full_range(d.s32_min, d.s32_max);
    d.var_off = tnum_rshift(sub, amount);
    set_range(d.u32_min, d.u32_max, d.u32_min >> umax_val, d.u32_max >> umin_val);
  } else {
    set_range(d.s32_min, d.s32_max, d.s32_min >> umin_val, d.s32_max >> umin_val);
    d.var_off = tnum_arshift(sub, amount, 32);
    full_range(d.u32_min, d.u32_max);  // recomputed from var_off
  }
  // The 64-bit bounds are rebuilt by the zero-extension that follows.
  d.mark_unbounded64();
  update_reg32_bounds(d);
}

// scalar_min_max_{lsh,rsh,arsh}. The amount is a known constant < 64 here.
void shift64(ScalarState& d, const ScalarState& s, uint8_t op) {
  const u64 umin_val = s.umin, umax_val = s.umax;
  const auto amount = static_cast<uint8_t>(umin_val);
  if (op == BPF_LSH) {
    lsh64_bounds(d, umin_val, umax_val);  // first: it reads the old s32 bounds
    lsh32_bounds(d, umin_val, umax_val);
    d.var_off = tnum_lshift(d.var_off, amount);
  } else if (op == BPF_RSH) {
    full_range(d.smin, d.smax);
    d.var_off = tnum_rshift(d.var_off, amount);
    set_range(d.umin, d.umax, d.umin >> umax_val, d.umax >> umin_val);
    // Bits shifted in from the upper half make the subregister bounds hard:
    // recompute them from the tnum.
    d.mark_unbounded32();
  } else {
    set_range(d.smin, d.smax, d.smin >> umin_val, d.smax >> umin_val);
    d.var_off = tnum_arshift(d.var_off, amount, 64);
    full_range(d.umin, d.umax);
    d.mark_unbounded32();
  }
  update_reg_bounds(d);
}

// is_safe_to_compute_dst_reg_range (v6.18): which results are tracked at all.
bool is_safe_to_compute(uint8_t op, bool alu32, const ScalarState& src) {
  const bool src_is_const =
      alu32 ? tnum_subreg_is_const(src.var_off) && src.s32_min == src.s32_max && src.u32_min == src.u32_max
            : tnum_is_const(src.var_off) && src.smin == src.smax && src.umin == src.umax;
  switch (op) {
    case BPF_ADD:
    case BPF_SUB:
    case BPF_NEG:
    case BPF_AND:
    case BPF_XOR:
    case BPF_OR:
    case BPF_MUL:
      return true;
    // Shifts by a non-constant, or by the width or more (undefined in BPF),
    // are not tracked. The kernel compares the 64-bit umax even for ALU32.
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH:
      return src_is_const && src.umax < (alu32 ? 32u : 64u);
    default:  // BPF_DIV and BPF_MOD, signed or not
      return false;
  }
}

}  // namespace

void scalar_alu(ScalarState& dst, const ScalarState& src_in, uint8_t op, bool alu32) {
  // The kernel passes the source by value: `r1 += r1` reads the old r1.
  ScalarState src = src_in;
  if (!is_safe_to_compute(op, alu32, src)) {
    dst.mark_unknown();  // and no zero-extension, as the kernel
    return;
  }
  // ADD/SUB/MUL/AND/OR/XOR keep the 32- and the 64-bit views separately; for
  // ALU32 the zero-extension below then replaces the 64-bit one.
  switch (op) {
    case BPF_ADD:
      add_bounds(b32(dst), b32(src));
      add_bounds(b64(dst), b64(src));
      dst.var_off = tnum_add(dst.var_off, src.var_off);
      break;
    case BPF_SUB:
      sub_bounds(b32(dst), b32(src));
      sub_bounds(b64(dst), b64(src));
      dst.var_off = tnum_sub(dst.var_off, src.var_off);
      break;
    case BPF_MUL:
      dst.var_off = tnum_mul(dst.var_off, src.var_off);
      mul_bounds(b32(dst), b32(src));
      mul_bounds(b64(dst), b64(src));
      break;
    case BPF_AND:
    case BPF_OR:
    case BPF_XOR:
      bitwise(dst, src, op);
      break;
    default:  // the shifts
      if (alu32)
        shift32(dst, src, op);
      else
        shift64(dst, src, op);
      break;
  }
  if (alu32) zext_32_to_64(dst);
  reg_bounds_sync(dst);
}

void scalar_neg(ScalarState& dst, bool alu32) {
  // 0 - dst through the subtraction bounds, tnum_neg for the bits
  // (adjust_scalar_min_max_vals, BPF_NEG).
  ScalarState old = dst;
  dst.mark_known(0);
  sub_bounds(b32(dst), b32(old));
  sub_bounds(b64(dst), b64(old));
  dst.var_off = tnum_neg(old.var_off);
  if (alu32) zext_32_to_64(dst);
  reg_bounds_sync(dst);
}

void scalar_end(ScalarState& dst) { dst.mark_unknown(); }

void scalar_mov(ScalarState& dst, const ScalarState& src, bool alu32, int16_t off) {
  dst = src;  // copy_register_state
  if (!alu32) {
    if (off != 0) coerce_reg_to_size_sx(dst, off >> 3);  // r = (s8/s16/s32)r
    return;
  }
  if (off != 0) coerce_subreg_to_size_sx(dst, off >> 3);  // w = (s8/s16)w
  zext_32_to_64(dst);
  reg_bounds_sync(dst);
}

void scalar_mov_imm(ScalarState& dst, int32_t imm, bool alu32) {
  dst.mark_known(alu32 ? static_cast<u64>(static_cast<u32>(imm)) : static_cast<u64>(static_cast<s64>(imm)));
}

// ---------------------------------------------------------------------------
// Conditional jumps
// ---------------------------------------------------------------------------

uint8_t rev_opcode(uint8_t op) {
  switch (op) {
    case BPF_JEQ: return BPF_JNE;
    case BPF_JNE: return BPF_JEQ;
    // JSET has no negation in the ISA; BPF_X marks "not JSET".
    case BPF_JSET: return BPF_JSET | BPF_X;
    case BPF_JSET | BPF_X: return BPF_JSET;
    case BPF_JGE: return BPF_JLT;
    case BPF_JGT: return BPF_JLE;
    case BPF_JLE: return BPF_JGT;
    case BPF_JLT: return BPF_JGE;
    case BPF_JSGE: return BPF_JSLT;
    case BPF_JSGT: return BPF_JSLE;
    case BPF_JSLE: return BPF_JSGT;
    case BPF_JSLT: return BPF_JSGE;
    default: return 0;
  }
}

uint8_t flip_opcode(uint8_t op) {
  switch (op) {
    case BPF_JGE: return BPF_JLE;
    case BPF_JGT: return BPF_JLT;
    case BPF_JLE: return BPF_JGE;
    case BPF_JLT: return BPF_JGT;
    case BPF_JSGE: return BPF_JSLE;
    case BPF_JSGT: return BPF_JSLT;
    case BPF_JSLE: return BPF_JSGE;
    case BPF_JSLT: return BPF_JSGT;
    case BPF_JEQ:
    case BPF_JNE:
    case BPF_JSET: return op;
    default: return 0;
  }
}

namespace {

// a > b (strict) or a >= b decided from the ranges; the kernel's LT and LE
// cases are these with the operands swapped.
template <typename T>
int greater(bool strict, T min1, T max1, T min2, T max2) {
  if (strict ? min1 > max2 : min1 >= max2) return 1;
  if (strict ? max1 <= min2 : max1 < min2) return 0;
  return -1;
}

}  // namespace

int is_branch_taken(uint8_t op, const ScalarState& reg1, const ScalarState& reg2, bool is_jmp32) {
  // is_scalar_branch_taken: compare the views of the width the jump uses.
  const ScalarState* r1 = &reg1;
  const ScalarState* r2 = &reg2;
  Tnum t1 = is_jmp32 ? tnum_subreg(r1->var_off) : r1->var_off;
  Tnum t2 = is_jmp32 ? tnum_subreg(r2->var_off) : r2->var_off;
  const u64 umin1 = is_jmp32 ? u64{r1->u32_min} : r1->umin, umax1 = is_jmp32 ? u64{r1->u32_max} : r1->umax;
  const s64 smin1 = is_jmp32 ? s64{r1->s32_min} : r1->smin, smax1 = is_jmp32 ? s64{r1->s32_max} : r1->smax;
  const u64 umin2 = is_jmp32 ? u64{r2->u32_min} : r2->umin, umax2 = is_jmp32 ? u64{r2->u32_max} : r2->umax;
  const s64 smin2 = is_jmp32 ? s64{r2->s32_min} : r2->smin, smax2 = is_jmp32 ? s64{r2->s32_max} : r2->smax;

  switch (op) {
    case BPF_JEQ:
    case BPF_JNE: {
      // Decided the same way with opposite answers: equal constants, or
      // provably disjoint value sets (bits, then each range).
      const int differ = op == BPF_JNE ? 1 : 0;
      if (tnum_is_const(t1) && tnum_is_const(t2)) return t1.value == t2.value ? 1 - differ : differ;
      if (!tnum_overlap(t1, t2)) return differ;
      if (umin1 > umax2 || umax1 < umin2) return differ;
      if (smin1 > smax2 || smax1 < smin2) return differ;
      // Inconclusive 64-bit ranges may still have disjoint subregisters.
      if (!is_jmp32 && (r1->u32_min > r2->u32_max || r1->u32_max < r2->u32_min)) return differ;
      if (!is_jmp32 && (r1->s32_min > r2->s32_max || r1->s32_max < r2->s32_min)) return differ;
      return -1;
    }
    case BPF_JSET:
      if (!r2->is_const(is_jmp32)) {
        std::swap(r1, r2);
        std::swap(t1, t2);
      }
      if (!r2->is_const(is_jmp32)) return -1;
      if ((~t1.mask & t1.value) & t2.value) return 1;    // a tested bit is known 1
      if (!((t1.mask | t1.value) & t2.value)) return 0;  // all tested bits known 0
      return -1;
    case BPF_JGT: return greater(true, umin1, umax1, umin2, umax2);
    case BPF_JGE: return greater(false, umin1, umax1, umin2, umax2);
    case BPF_JLT: return greater(true, umin2, umax2, umin1, umax1);
    case BPF_JLE: return greater(false, umin2, umax2, umin1, umax1);
    case BPF_JSGT: return greater(true, smin1, smax1, smin2, smax2);
    case BPF_JSGE: return greater(false, smin1, smax1, smin2, smax2);
    case BPF_JSLT: return greater(true, smin2, smax2, smin1, smax1);
    case BPF_JSLE: return greater(false, smin2, smax2, smin1, smax1);
    default: return -1;
  }
}

namespace {

// The range cases of regs_refine_cond_op for one width: JEQ, JLE, JLT, JSLE,
// JSLT (GE/GT/SGE/SGT arrive here flipped).
template <typename S>
void refine_ranges(uint8_t op, Bounds<S> r1, Bounds<S> r2) {
  using U = typename Bounds<S>::U;
  switch (op) {
    case BPF_JEQ:  // both become the intersection
      r1.umin = std::max(r1.umin, r2.umin);
      r1.umax = std::min(r1.umax, r2.umax);
      r1.smin = std::max(r1.smin, r2.smin);
      r1.smax = std::min(r1.smax, r2.smax);
      r2.umin = r1.umin, r2.umax = r1.umax, r2.smin = r1.smin, r2.smax = r1.smax;
      break;
    case BPF_JLE:  // r1 <= r2: r1 no larger than r2's max, r2 no smaller than r1's min
      r1.umax = std::min(r1.umax, r2.umax);
      r2.umin = std::max(r1.umin, r2.umin);
      break;
    case BPF_JLT:
      r1.umax = std::min(r1.umax, static_cast<U>(r2.umax - 1));
      r2.umin = std::max(static_cast<U>(r1.umin + 1), r2.umin);
      break;
    case BPF_JSLE:
      r1.smax = std::min(r1.smax, r2.smax);
      r2.smin = std::max(r1.smin, r2.smin);
      break;
    case BPF_JSLT:
      r1.smax = std::min(r1.smax, wrap_add<S>(r2.smax, -1));
      r2.smin = std::max(wrap_add<S>(r1.smin, 1), r2.smin);
      break;
    default:
      break;
  }
}

// JNE against a constant that is an end of the other's range: the end moves
// in by one (the other cases teach nothing).
template <typename S>
void refine_ne(Bounds<S> r1, typename Bounds<S>::U val) {
  using U = typename Bounds<S>::U;
  if (r1.umin == val) r1.umin = static_cast<U>(r1.umin + 1);
  if (r1.umax == val) r1.umax = static_cast<U>(r1.umax - 1);
  if (r1.smin == static_cast<S>(val)) r1.smin = wrap_add<S>(r1.smin, 1);
  if (r1.smax == static_cast<S>(val)) r1.smax = wrap_add<S>(r1.smax, -1);
}

// regs_refine_cond_op: narrow reg1 and reg2 to where `reg1 op reg2` holds.
void regs_refine_cond_op(ScalarState* reg1, ScalarState* reg2, uint8_t op, bool is_jmp32) {
  if (op == BPF_JGE || op == BPF_JGT || op == BPF_JSGE || op == BPF_JSGT) {
    op = flip_opcode(op);  // a > b is b < a
    std::swap(reg1, reg2);
  }
  if (op == BPF_JNE || op == BPF_JSET || op == (BPF_JSET | BPF_X)) {
    // These use a constant operand: put it in reg2, or learn nothing.
    if (!reg2->is_const(is_jmp32)) std::swap(reg1, reg2);
    if (!reg2->is_const(is_jmp32)) return;
  }
  const u64 val = reg2->const_value(is_jmp32);  // meaningful only for the three above
  Tnum& v1 = reg1->var_off;
  switch (op) {
    case BPF_JEQ:
      if (is_jmp32) {
        refine_ranges(op, b32(*reg1), b32(*reg2));
        const Tnum t = tnum_intersect(tnum_subreg(v1), tnum_subreg(reg2->var_off));
        v1 = tnum_with_subreg(v1, t);
        reg2->var_off = tnum_with_subreg(reg2->var_off, t);
      } else {
        refine_ranges(op, b64(*reg1), b64(*reg2));
        v1 = tnum_intersect(v1, reg2->var_off);
        reg2->var_off = v1;
      }
      break;
    case BPF_JNE:
      if (is_jmp32)
        refine_ne(b32(*reg1), static_cast<u32>(val));
      else
        refine_ne(b64(*reg1), val);
      break;
    case BPF_JSET:
      // `reg1 & val` nonzero pins a bit only if val has exactly one.
      if (!is_power_of_2(val)) break;
      v1 = is_jmp32 ? tnum_with_subreg(v1, tnum_or(tnum_subreg(v1), tnum_const(val))) : tnum_or(v1, tnum_const(val));
      break;
    case BPF_JSET | BPF_X:
      // `!(reg1 & val)`: every bit of val is 0. The ranges are forgotten
      // first (v6.17) so that a dead branch cannot yield inverted bounds.
      reg1->mark_unbounded();
      v1 = is_jmp32 ? tnum_with_subreg(v1, tnum_and(tnum_subreg(v1), tnum_const(~val)))
                    : tnum_and(v1, tnum_const(~val));
      break;
    default:
      if (is_jmp32)
        refine_ranges(op, b32(*reg1), b32(*reg2));
      else
        refine_ranges(op, b64(*reg1), b64(*reg2));
      break;
  }
}

// reg_bounds_sanity_check with test_reg_invariants off: forget the bounds.
bool sanity_check(ScalarState& r) {
  if (!reg_bounds_violation(r)) return true;
  r.mark_unbounded();
  return false;
}

}  // namespace

bool refine_cond(uint8_t op, ScalarState& a, ScalarState& b, bool is_jmp32) {
  regs_refine_cond_op(&a, &b, op, is_jmp32);
  reg_bounds_sync(a);
  reg_bounds_sync(b);
  const bool ok_a = sanity_check(a);
  const bool ok_b = sanity_check(b);
  return ok_a && ok_b;
}

bool reg_set_min_max(uint8_t op, bool is_jmp32, ScalarState& true_a, ScalarState& true_b,
                     ScalarState& false_a, ScalarState& false_b) {
  const bool ok_false = refine_cond(rev_opcode(op), false_a, false_b, is_jmp32);
  const bool ok_true = refine_cond(op, true_a, true_b, is_jmp32);
  return ok_false && ok_true;
}

// ---------------------------------------------------------------------------
// Pruning
// ---------------------------------------------------------------------------

bool bounds_within(const ScalarState& old, const ScalarState& cur) {
  return old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin && old.smax >= cur.smax &&
         old.u32_min <= cur.u32_min && old.u32_max >= cur.u32_max && old.s32_min <= cur.s32_min &&
         old.s32_max >= cur.s32_max;
}

bool range_within(const ScalarState& old, const ScalarState& cur) {
  return bounds_within(old, cur) && tnum_in(old.var_off, cur.var_off);
}

// ---------------------------------------------------------------------------
// Log text
// ---------------------------------------------------------------------------
namespace {

bool is_unum_decimal(u64 v) { return v <= 0xffff; }               // U16_MAX
bool is_snum_decimal(s64 v) { return v >= -32768 && v <= 32767; }  // S16_MIN..S16_MAX

// The kernel's "%#llx": its printf writes the 0x prefix even for zero.
std::string hex(u64 v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

}  // namespace

std::string log_unum(uint64_t v) { return is_unum_decimal(v) ? std::to_string(v) : hex(v); }

std::string log_snum(int64_t v) { return is_snum_decimal(v) ? std::to_string(v) : hex(static_cast<u64>(v)); }

std::string scalar_ranges_str(const ScalarState& r) {
  // print_scalar_ranges. Each bound is printed unless it is its type's
  // default; a later bound of the same kind (min with min, max with max:
  // every second entry) and equal value joins the first one's name list.
  // The 32-bit signed bounds are sign-extended only when printed in decimal,
  // so that smin=-2 and smin32=-2 group but hex patterns are not confused.
  auto s32_val = [](s32 v) {
    return is_snum_decimal(v) ? static_cast<u64>(static_cast<s64>(v)) : static_cast<u64>(static_cast<u32>(v));
  };
  struct Item {
    const char* name;
    u64 val;
    bool omit;
  } m[] = {
      {"smin", static_cast<u64>(r.smin), r.smin == S64_MIN},
      {"smax", static_cast<u64>(r.smax), r.smax == S64_MAX},
      {"umin", r.umin, r.umin == 0},
      {"umax", r.umax, r.umax == U64_MAX},
      {"smin32", s32_val(r.s32_min), r.s32_min == S32_MIN},
      {"smax32", s32_val(r.s32_max), r.s32_max == S32_MAX},
      {"umin32", r.u32_min, r.u32_min == 0},
      {"umax32", r.u32_max, r.u32_max == U32_MAX},
  };
  constexpr int n = sizeof m / sizeof m[0];
  std::string out;
  const char* sep = "";
  for (int i = 0; i < n; ++i) {
    if (m[i].omit) continue;
    const bool neg1 = m[i].name[0] == 's' && static_cast<s64>(m[i].val) < 0;
    out += sep;
    out += m[i].name;
    out += '=';
    sep = ",";
    for (int j = i + 2; j < n; j += 2) {
      if (m[j].omit || m[j].val != m[i].val) continue;
      const bool neg2 = m[j].name[0] == 's' && static_cast<s64>(m[j].val) < 0;
      if (neg2 != neg1) continue;  // don't mix negatives with positives
      m[j].omit = true;
      out += m[j].name;
      out += '=';
    }
    out += m[i].name[0] == 's' ? log_snum(static_cast<s64>(m[i].val)) : log_unum(m[i].val);
  }
  if (!tnum_is_unknown(r.var_off)) {
    out += sep;
    out += "var_off=";
    out += tnum_str(r.var_off);
  }
  return out;
}

std::string scalar_str(const ScalarState& r, uint32_t id, bool precise) {
  // print_reg_state for SCALAR_VALUE.
  std::string out = precise ? "P" : "";
  if (tnum_is_const(r.var_off)) return out + log_snum(static_cast<s64>(r.var_off.value));
  out += "scalar(";
  std::string ranges = scalar_ranges_str(r);
  if (id) {
    out += "id=" + std::to_string(id);
    if (!ranges.empty()) out += ',';
  }
  return out + ranges + ")";
}

}  // namespace hostbpf::verifier
