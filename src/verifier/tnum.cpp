// Tristate numbers, following kernel/bpf/tnum.c (v6.18) function by function.
// The algorithms are the kernel's; the comments say why each one is sound.
#include "verifier/tnum.h"

#include <bit>
#include <cinttypes>
#include <cstdio>

namespace hostbpf::verifier {

Tnum Tnum::range(uint64_t min, uint64_t max) { return tnum_range(min, max); }

Tnum tnum_range(uint64_t min, uint64_t max) {
  // Every bit at or below the highest bit where min and max differ can take
  // either value inside [min, max]; the bits above it are shared by the whole
  // interval. (Kernel: fls64(min ^ max), with 64 special-cased because
  // 1 << 64 is undefined.)
  const uint64_t chi = min ^ max;
  const int bits = std::bit_width(chi);
  if (bits > 63) return tnum_unknown;
  const uint64_t delta = (uint64_t{1} << bits) - 1;
  return Tnum{min & ~delta, delta};
}

Tnum tnum_lshift(Tnum a, uint8_t shift) { return Tnum{a.value << shift, a.mask << shift}; }

Tnum tnum_rshift(Tnum a, uint8_t shift) { return Tnum{a.value >> shift, a.mask >> shift}; }

Tnum tnum_arshift(Tnum a, uint8_t min_shift, uint8_t insn_bitness) {
  // Shifting the sign bit of `value` and of `mask` arithmetically keeps a
  // known sign known and spreads an unknown sign as unknown bits. For 32-bit
  // ALU the shift happens in the subregister and the result is zero-extended.
  if (insn_bitness == 32) {
    return Tnum{static_cast<uint32_t>(static_cast<int32_t>(a.value) >> min_shift),
                static_cast<uint32_t>(static_cast<int32_t>(a.mask) >> min_shift)};
  }
  return Tnum{static_cast<uint64_t>(static_cast<int64_t>(a.value) >> min_shift),
              static_cast<uint64_t>(static_cast<int64_t>(a.mask) >> min_shift)};
}

Tnum tnum_add(Tnum a, Tnum b) {
  // sv is the sum with every unknown bit 0, sigma the sum with every unknown
  // bit 1; the bits where they differ are the ones a carry may flip. Those,
  // plus the operands' own unknown bits, are unknown in the result.
  const uint64_t sm = a.mask + b.mask;
  const uint64_t sv = a.value + b.value;
  const uint64_t sigma = sm + sv;
  const uint64_t chi = sigma ^ sv;
  const uint64_t mu = chi | a.mask | b.mask;
  return Tnum{sv & ~mu, mu};
}

Tnum tnum_sub(Tnum a, Tnum b) {
  // Same idea as tnum_add: the largest (alpha) and smallest (beta) possible
  // differences bracket every borrow chain.
  const uint64_t dv = a.value - b.value;
  const uint64_t alpha = dv + a.mask;
  const uint64_t beta = dv - b.mask;
  const uint64_t chi = alpha ^ beta;
  const uint64_t mu = chi | a.mask | b.mask;
  return Tnum{dv & ~mu, mu};
}

Tnum tnum_neg(Tnum a) { return tnum_sub(Tnum{0, 0}, a); }

Tnum tnum_and(Tnum a, Tnum b) {
  // A result bit is known 1 only if both are known 1; it may be 1 (unknown)
  // where both may be 1.
  const uint64_t alpha = a.value | a.mask;
  const uint64_t beta = b.value | b.mask;
  const uint64_t v = a.value & b.value;
  return Tnum{v, alpha & beta & ~v};
}

Tnum tnum_or(Tnum a, Tnum b) {
  const uint64_t v = a.value | b.value;
  const uint64_t mu = a.mask | b.mask;
  return Tnum{v, mu & ~v};
}

Tnum tnum_xor(Tnum a, Tnum b) {
  const uint64_t v = a.value ^ b.value;
  const uint64_t mu = a.mask | b.mask;
  return Tnum{v & ~mu, mu};
}

Tnum tnum_mul(Tnum a, Tnum b) {
  // Long multiplication over the bits of a (v6.18, "improve the general
  // precision of tnum_mul"): a known-1 bit adds the shifted b; an unknown bit
  // may or may not add it, so the accumulator becomes the union of both
  // outcomes instead of adding an all-unknown partial product.
  Tnum acc{0, 0};
  while (a.value || a.mask) {
    if (a.value & 1) {
      acc = tnum_add(acc, b);
    } else if (a.mask & 1) {
      acc = tnum_union(acc, tnum_add(acc, b));
    }
    a = tnum_rshift(a, 1);
    b = tnum_lshift(b, 1);
  }
  return acc;
}

bool tnum_overlap(Tnum a, Tnum b) {
  // Some value is in both exactly when the bits known in both agree.
  const uint64_t mu = ~a.mask & ~b.mask;
  return (a.value & mu) == (b.value & mu);
}

Tnum tnum_intersect(Tnum a, Tnum b) {
  const uint64_t v = a.value | b.value;
  const uint64_t mu = a.mask & b.mask;
  return Tnum{v & ~mu, mu};
}

Tnum tnum_union(Tnum a, Tnum b) {
  // Unknown wherever either is unknown or they disagree on a known bit.
  const uint64_t v = a.value & b.value;
  const uint64_t mu = (a.value ^ b.value) | a.mask | b.mask;
  return Tnum{v & ~mu, mu};
}

Tnum tnum_cast(Tnum a, uint8_t size) {
  // The kernel only casts to 1, 2 or 4 bytes (1ULL << 64 would be undefined);
  // 8 bytes or more is the identity here.
  if (size >= 8) return a;
  const uint64_t keep = (uint64_t{1} << (size * 8)) - 1;
  return Tnum{a.value & keep, a.mask & keep};
}

bool tnum_is_aligned(Tnum a, uint64_t size) {
  if (!size) return true;
  return !((a.value | a.mask) & (size - 1));
}

bool tnum_in(Tnum a, Tnum b) {
  // b's unknown bits must be unknown in a, and b's known bits must match a
  // wherever a knows them.
  if (b.mask & ~a.mask) return false;
  b.value &= ~a.mask;
  return a.value == b.value;
}

Tnum tnum_subreg(Tnum a) { return tnum_cast(a, 4); }

Tnum tnum_clear_subreg(Tnum a) { return tnum_lshift(tnum_rshift(a, 32), 32); }

Tnum tnum_with_subreg(Tnum reg, Tnum subreg) {
  return tnum_or(tnum_clear_subreg(reg), tnum_subreg(subreg));
}

Tnum tnum_const_subreg(Tnum a, uint32_t value) { return tnum_with_subreg(a, tnum_const(value)); }

std::string tnum_str(Tnum a) {
  char buf[48];
  // A known value prints as a number, decimal up to U16_MAX (the kernel's
  // tnum_strn in recent kernels).
  if (a.mask == 0 && a.value <= 0xffff) std::snprintf(buf, sizeof buf, "%" PRIu64, a.value);
  else if (a.mask == 0) std::snprintf(buf, sizeof buf, "0x%" PRIx64, a.value);
  else std::snprintf(buf, sizeof buf, "(0x%" PRIx64 "; 0x%" PRIx64 ")", a.value, a.mask);
  return buf;
}

std::string tnum_sbin(Tnum a) {
  std::string s(64, '0');
  for (int n = 63; n >= 0; --n) {
    s[n] = (a.mask & 1) ? 'x' : (a.value & 1) ? '1' : '0';
    a.mask >>= 1;
    a.value >>= 1;
  }
  return s;
}

}  // namespace hostbpf::verifier
