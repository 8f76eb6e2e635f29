// Tristate numbers ("tnums"): the bit-level half of the verifier's scalar
// domain, with the kernel's exact algorithms (kernel/bpf/tnum.c and
// include/linux/tnum.h as of v6.18). Each bit of a value is known 0, known 1 or
// unknown: `mask` has a 1 for every unknown bit, `value` holds the known bits
// (and is 0 wherever mask is 1). The set a tnum stands for is
// { x : (x & ~mask) == value }.
//
// The functions keep the kernel's names so that a reader can put this file
// next to tnum.c; the verifier's logs and its pruning decisions depend on the
// results being bit-for-bit the kernel's, so none of them is "improved".
#pragma once

#include <cstdint>
#include <string>

namespace hostbpf::verifier {

struct Tnum {
  uint64_t value = 0;
  uint64_t mask = 0;

  /// tnum_const: exactly `v`.
  static constexpr Tnum constant(uint64_t v) { return Tnum{v, 0}; }
  /// tnum_unknown: every bit unknown.
  static constexpr Tnum unknown() { return Tnum{0, ~uint64_t{0}}; }
  /// tnum_range: the smallest tnum holding every value of [min, max].
  static Tnum range(uint64_t min, uint64_t max);

  /// Concrete membership: x ∈ γ(this). (Not in the kernel; for tests and
  /// assertions.)
  constexpr bool contains(uint64_t x) const { return (x & ~mask) == value; }
  /// A well-formed tnum has no bit both known and unknown.
  constexpr bool valid() const { return (value & mask) == 0; }

  friend constexpr bool operator==(const Tnum&, const Tnum&) = default;
};

// --- construction (tnum.c) ---
constexpr Tnum tnum_const(uint64_t v) { return Tnum::constant(v); }
inline constexpr Tnum tnum_unknown = Tnum::unknown();
Tnum tnum_range(uint64_t min, uint64_t max);

// --- shifts (tnum.c). Shift amounts must be < 64, as in the kernel, whose
// callers only shift by verified constants. ---
Tnum tnum_lshift(Tnum a, uint8_t shift);
Tnum tnum_rshift(Tnum a, uint8_t shift);
/// Arithmetic shift within `insn_bitness` (32 or 64) bits; for 32 the result is
/// the zero-extended 32-bit value, as BPF_ALU's arsh produces.
Tnum tnum_arshift(Tnum a, uint8_t min_shift, uint8_t insn_bitness);

// --- arithmetic and logic (tnum.c) ---
Tnum tnum_add(Tnum a, Tnum b);
Tnum tnum_sub(Tnum a, Tnum b);
Tnum tnum_neg(Tnum a);
Tnum tnum_and(Tnum a, Tnum b);
Tnum tnum_or(Tnum a, Tnum b);
Tnum tnum_xor(Tnum a, Tnum b);
/// v6.18's long multiplication that unions the two partial products of an
/// unknown multiplier bit (Nandakumar Edamana's algorithm).
Tnum tnum_mul(Tnum a, Tnum b);

// --- lattice operations (tnum.c) ---
/// Whether some value is in both a and b (the known bits agree where both are
/// known). Used by the JEQ/JNE branch prediction.
bool tnum_overlap(Tnum a, Tnum b);
/// Values in both a and b (meet). If a and b disagree on a known bit the
/// result has it as a known 1, like the kernel's.
Tnum tnum_intersect(Tnum a, Tnum b);
/// A tnum holding every value of a and of b (join; tnum_union in v6.18).
Tnum tnum_union(Tnum a, Tnum b);
/// Keep the low `size` bytes, clear the rest (size 8 keeps everything).
Tnum tnum_cast(Tnum a, uint8_t size);
/// All values a multiple of `size` (a power of two); size 0 is always aligned.
bool tnum_is_aligned(Tnum a, uint64_t size);
/// b ⊆ a: every value b holds, a holds too (used by state pruning).
bool tnum_in(Tnum a, Tnum b);

// --- include/linux/tnum.h predicates ---
constexpr bool tnum_is_const(Tnum a) { return a.mask == 0; }
constexpr bool tnum_equals_const(Tnum a, uint64_t b) { return tnum_is_const(a) && a.value == b; }
constexpr bool tnum_is_unknown(Tnum a) { return ~a.mask == 0; }

// --- subregister (low 32 bits) helpers (tnum.c) ---
Tnum tnum_subreg(Tnum a);                     // low 32 bits, upper known 0
Tnum tnum_clear_subreg(Tnum a);               // upper 32 bits, lower known 0
Tnum tnum_with_subreg(Tnum reg, Tnum subreg);  // upper of reg, lower of subreg
Tnum tnum_const_subreg(Tnum a, uint32_t value);
inline bool tnum_subreg_is_const(Tnum a) { return tnum_is_const(tnum_subreg(a)); }
inline bool tnum_subreg_equals_const(Tnum a, uint32_t b) { return tnum_equals_const(tnum_subreg(a), b); }

// --- text (tnum_strn / tnum_sbin) ---
/// The verifier log's form, "(0x0; 0xff)": the kernel prints both with %#llx,
/// and its printf writes "0x0" for zero, so the prefix is always there. A
/// known value prints as a number instead ("0", "0x10000"), as tnum_strn does.
std::string tnum_str(Tnum a);
/// 64 characters, most significant bit first: '0', '1' or 'x' per bit.
std::string tnum_sbin(Tnum a);

}  // namespace hostbpf::verifier
