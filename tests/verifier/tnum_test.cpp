// verifier::Tnum against kernel/bpf/tnum.c (v6.18): known results of the
// kernel's algorithms, exhaustive soundness over every pair of tnums on the
// low 4 bits (3^4 = 81 tnums, each value of each), and randomized soundness on
// full 64-bit tnums. Sound means: for x ∈ γ(a), y ∈ γ(b), op(x, y) ∈ γ(op#(a, b)).
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <vector>

#include "verifier/tnum.h"

namespace hostbpf::verifier {

// gtest prints Tnums in the log's form (found by ADL; internal to this file).
[[maybe_unused]] static void PrintTo(const Tnum& t, std::ostream* os) { *os << tnum_str(t); }

namespace {

constexpr uint64_t kU64Max = ~uint64_t{0};

Tnum T(uint64_t value, uint64_t mask) { return Tnum{value, mask}; }

// Every tnum whose unknown and known bits lie in the low `bits` bits.
std::vector<Tnum> all_small_tnums(int bits) {
  std::vector<Tnum> out;
  int n = 1;
  for (int i = 0; i < bits; ++i) n *= 3;
  for (int code = 0; code < n; ++code) {
    Tnum t{0, 0};
    int c = code;
    for (int i = 0; i < bits; ++i, c /= 3) {
      if (c % 3 == 1) t.value |= uint64_t{1} << i;
      if (c % 3 == 2) t.mask |= uint64_t{1} << i;
    }
    out.push_back(t);
  }
  return out;
}

// The members of a small tnum (at most 2^4).
std::vector<uint64_t> members(Tnum t) {
  std::vector<uint64_t> out;
  for (uint64_t sub = t.mask;; sub = (sub - 1) & t.mask) {  // every subset of mask
    out.push_back(t.value | sub);
    if (sub == 0) break;
  }
  return out;
}

// A random member of a (64-bit) tnum.
uint64_t member(Tnum t, std::mt19937_64& rng) { return t.value | (rng() & t.mask); }

// A random tnum of varying density of unknown bits.
Tnum random_tnum(std::mt19937_64& rng) {
  uint64_t mask = rng();
  switch (rng() % 4) {
    case 0: mask &= rng(); mask &= rng(); break;  // sparse
    case 1: mask &= 0xff; break;                  // low byte unknown
    case 2: mask = 0; break;                      // constant
    default: break;                               // dense
  }
  return Tnum{rng() & ~mask, mask};
}

using BinOp = std::function<Tnum(Tnum, Tnum)>;
using Concrete = std::function<uint64_t(uint64_t, uint64_t)>;

struct OpCase {
  const char* name;
  BinOp abstract;
  Concrete concrete;
};

std::vector<OpCase> binary_ops() {
  return {
      {"add", tnum_add, [](uint64_t x, uint64_t y) { return x + y; }},
      {"sub", tnum_sub, [](uint64_t x, uint64_t y) { return x - y; }},
      {"mul", tnum_mul, [](uint64_t x, uint64_t y) { return x * y; }},
      {"and", tnum_and, [](uint64_t x, uint64_t y) { return x & y; }},
      {"or", tnum_or, [](uint64_t x, uint64_t y) { return x | y; }},
      {"xor", tnum_xor, [](uint64_t x, uint64_t y) { return x ^ y; }},
  };
}

TEST(Tnum, ConstructionAndPredicates) {
  EXPECT_EQ(tnum_const(5), T(5, 0));
  EXPECT_TRUE(tnum_is_const(tnum_const(5)));
  EXPECT_TRUE(tnum_equals_const(tnum_const(5), 5));
  EXPECT_FALSE(tnum_equals_const(T(4, 1), 4));
  EXPECT_TRUE(tnum_is_unknown(tnum_unknown));
  EXPECT_EQ(tnum_unknown, T(0, kU64Max));
  EXPECT_TRUE(T(4, 3).contains(7));
  EXPECT_FALSE(T(4, 3).contains(8));
}

TEST(Tnum, RangeMatchesKernelExamples) {
  // tnum_range: chi = min ^ max, the bits below fls64(chi) become unknown.
  EXPECT_EQ(tnum_range(0, 10), T(0, 0xf));
  EXPECT_EQ(tnum_range(5, 5), tnum_const(5));
  EXPECT_EQ(tnum_range(4, 7), T(4, 3));
  EXPECT_EQ(tnum_range(0x10000000a, 0x10000000f), T(0x100000008, 0x7));  // 0xa ^ 0xf = 0b101
  EXPECT_EQ(tnum_range(0, kU64Max), tnum_unknown);
  // chi = 0x7fff...f: 63 bits vary, the top one is shared.
  EXPECT_EQ(tnum_range(uint64_t{1} << 63, kU64Max), T(uint64_t{1} << 63, (uint64_t{1} << 63) - 1));
  EXPECT_EQ(tnum_range(0, (uint64_t{1} << 63) - 1), T(0, (uint64_t{1} << 63) - 1));
  for (uint64_t lo = 0; lo < 40; ++lo)
    for (uint64_t hi = lo; hi < 40; ++hi)
      for (uint64_t x = lo; x <= hi; ++x) ASSERT_TRUE(tnum_range(lo, hi).contains(x)) << lo << ".." << hi;
}

TEST(Tnum, ArithmeticExamples) {
  EXPECT_EQ(tnum_add(tnum_const(3), tnum_const(4)), tnum_const(7));
  EXPECT_EQ(tnum_add(T(0, 1), T(0, 1)), T(0, 3));  // {0,1} + {0,1} = {0,1,2}
  EXPECT_EQ(tnum_sub(tnum_const(3), tnum_const(5)), tnum_const(uint64_t(-2)));
  EXPECT_EQ(tnum_neg(tnum_const(1)), tnum_const(kU64Max));
  EXPECT_EQ(tnum_neg(T(0, 1)), T(0, kU64Max));  // {0, -1}
  EXPECT_EQ(tnum_and(tnum_unknown, tnum_const(0xff)), T(0, 0xff));
  EXPECT_EQ(tnum_or(T(0, 0xf), tnum_const(0x10)), T(0x10, 0xf));
  EXPECT_EQ(tnum_xor(T(1, 2), tnum_const(3)), T(0, 2));  // {1,3} ^ 3 = {2,0}
}

TEST(Tnum, MulMatchesKernel) {
  // The worked example in tnum.c: 0bx1 * 0b11 = union(0b0011, 0b1001) = 0bx0x1.
  EXPECT_EQ(tnum_mul(T(0b01, 0b10), tnum_const(0b11)), T(0b0001, 0b1010));
  // The multiplier's bits drive the loop, so the product is not symmetric:
  // 0b11 * 0bx1 adds the shifted unknown twice and loses more.
  EXPECT_EQ(tnum_mul(tnum_const(0b11), T(0b01, 0b10)), T(0b0001, 0b1110));
  EXPECT_EQ(tnum_mul(tnum_const(6), tnum_const(7)), tnum_const(42));
  EXPECT_EQ(tnum_mul(tnum_const(0), tnum_unknown), tnum_const(0));
  EXPECT_EQ(tnum_mul(tnum_unknown, tnum_const(0)), tnum_const(0));
  EXPECT_EQ(tnum_mul(tnum_unknown, tnum_const(1)), tnum_unknown);
  EXPECT_EQ(tnum_mul(T(0, 0xff), tnum_const(4)), T(0, 0x3fc));  // x * 4 keeps two known zero bits
  EXPECT_EQ(tnum_mul(tnum_const(kU64Max), tnum_const(kU64Max)), tnum_const(1));
}

TEST(Tnum, Shifts) {
  EXPECT_EQ(tnum_lshift(T(1, 2), 4), T(0x10, 0x20));
  EXPECT_EQ(tnum_rshift(T(0x10, 0x20), 4), T(1, 2));
  // Arithmetic shift spreads a known sign bit as known ones...
  EXPECT_EQ(tnum_arshift(tnum_const(uint64_t{1} << 63), 4, 64), tnum_const(0xf8ULL << 56));
  // ...and an unknown sign bit as unknown bits.
  EXPECT_EQ(tnum_arshift(T(0, uint64_t{1} << 63), 4, 64), T(0, 0xf8ULL << 56));
  // 32-bit: within the subregister, zero-extended.
  EXPECT_EQ(tnum_arshift(tnum_const(0x80000000), 4, 32), tnum_const(0xf8000000));
  EXPECT_EQ(tnum_arshift(tnum_const(0xffffffff80000000), 4, 32), tnum_const(0xf8000000));
}

TEST(Tnum, LatticeOperations) {
  EXPECT_EQ(tnum_intersect(T(0, 0xf), T(0x8, 0x7)), T(0x8, 0x7));
  EXPECT_EQ(tnum_intersect(tnum_const(1), tnum_const(2)), tnum_const(3));  // disagreement -> known 1
  EXPECT_EQ(tnum_union(tnum_const(0b1010), tnum_const(0b0101)), T(0, 0xf));
  EXPECT_EQ(tnum_union(tnum_const(4), tnum_const(5)), T(4, 1));
  EXPECT_TRUE(tnum_overlap(T(0, 0xf), tnum_const(7)));
  EXPECT_FALSE(tnum_overlap(T(0x10, 0xf), tnum_const(7)));
  EXPECT_TRUE(tnum_overlap(T(0x5, 0xa), T(0xa, 0x5)));  // both hold 15
  EXPECT_TRUE(tnum_in(T(0, 0xff), T(0x10, 0x0f)));
  EXPECT_FALSE(tnum_in(T(0x10, 0x0f), T(0, 0xff)));
  EXPECT_FALSE(tnum_in(tnum_const(1), tnum_const(2)));
  EXPECT_TRUE(tnum_in(tnum_unknown, tnum_const(2)));
}

TEST(Tnum, CastAlignmentAndSubreg) {
  EXPECT_EQ(tnum_cast(T(0x1234, 0xff0000), 1), tnum_const(0x34));
  EXPECT_EQ(tnum_cast(tnum_unknown, 2), T(0, 0xffff));
  EXPECT_EQ(tnum_cast(tnum_unknown, 8), tnum_unknown);
  EXPECT_TRUE(tnum_is_aligned(T(0x10, 0x30), 16));
  EXPECT_FALSE(tnum_is_aligned(T(0x10, 0x38), 16));
  EXPECT_TRUE(tnum_is_aligned(tnum_unknown, 0));
  const Tnum t{0x1234567800000000, 0xf0};
  EXPECT_EQ(tnum_subreg(t), T(0, 0xf0));
  EXPECT_EQ(tnum_clear_subreg(t), T(0x1234567800000000, 0));
  EXPECT_EQ(tnum_with_subreg(t, tnum_const(0xffffffff00000007)), tnum_const(0x1234567800000007));
  EXPECT_EQ(tnum_const_subreg(tnum_unknown, 9), T(9, 0xffffffff00000000));
  EXPECT_TRUE(tnum_subreg_is_const(T(0x5, 0xff00000000)));
  EXPECT_TRUE(tnum_subreg_equals_const(T(0x5, 0xff00000000), 5));
}

TEST(Tnum, TextFormats) {
  EXPECT_EQ(tnum_str(T(0, 0xff)), "(0x0; 0xff)");  // the kernel prints 0x0, not 0
  EXPECT_EQ(tnum_str(tnum_unknown), "(0x0; 0xffffffffffffffff)");
  EXPECT_EQ(tnum_str(T(0x100, 0x3)), "(0x100; 0x3)");
  EXPECT_EQ(tnum_sbin(T(0b10, 0b100)), std::string(61, '0') + "x10");
}

// Exhaustive: every pair of tnums on the low 4 bits, every pair of members.
TEST(TnumSoundness, ExhaustiveFourBitBinaryOps) {
  const auto tnums = all_small_tnums(4);
  for (const auto& op : binary_ops()) {
    for (Tnum a : tnums) {
      for (Tnum b : tnums) {
        const Tnum r = op.abstract(a, b);
        ASSERT_TRUE(r.valid()) << op.name;
        for (uint64_t x : members(a))
          for (uint64_t y : members(b))
            ASSERT_TRUE(r.contains(op.concrete(x, y)))
                << op.name << " " << tnum_str(a) << " " << tnum_str(b) << " x=" << x << " y=" << y;
      }
    }
  }
}

TEST(TnumSoundness, ExhaustiveFourBitUnaryAndLattice) {
  const auto tnums = all_small_tnums(4);
  for (Tnum a : tnums) {
    for (uint64_t x : members(a)) {
      ASSERT_TRUE(tnum_neg(a).contains(0 - x));
      for (uint8_t s = 0; s < 6; ++s) {
        ASSERT_TRUE(tnum_lshift(a, s).contains(x << s));
        ASSERT_TRUE(tnum_rshift(a, s).contains(x >> s));
      }
    }
    for (Tnum b : tnums) {
      const auto ma = members(a), mb = members(b);
      bool common = false, subset = true;
      for (uint64_t y : mb) {
        const bool in_a = a.contains(y);
        common |= in_a;
        subset &= in_a;
        ASSERT_TRUE(tnum_union(a, b).contains(y));
      }
      for (uint64_t x : ma) {
        ASSERT_TRUE(tnum_union(a, b).contains(x));
        if (b.contains(x)) {
          ASSERT_TRUE(tnum_intersect(a, b).contains(x));
        }
      }
      // These two are exact, not approximations.
      ASSERT_EQ(tnum_overlap(a, b), common) << tnum_str(a) << " " << tnum_str(b);
      ASSERT_EQ(tnum_in(a, b), subset) << tnum_str(a) << " " << tnum_str(b);
    }
  }
}

TEST(TnumSoundness, Random64BitOps) {
  std::mt19937_64 rng(0x7e57'7e57);
  const auto ops = binary_ops();
  for (int i = 0; i < 40000; ++i) {
    const Tnum a = random_tnum(rng), b = random_tnum(rng);
    for (const auto& op : ops) {
      const Tnum r = op.abstract(a, b);
      for (int k = 0; k < 4; ++k) {
        const uint64_t x = member(a, rng), y = member(b, rng);
        ASSERT_TRUE(r.contains(op.concrete(x, y)))
            << op.name << " " << tnum_str(a) << " " << tnum_str(b) << " x=" << x << " y=" << y;
      }
    }
    const uint64_t x = member(a, rng);
    const auto shift = static_cast<uint8_t>(rng() % 64);
    ASSERT_TRUE(tnum_lshift(a, shift).contains(x << shift));
    ASSERT_TRUE(tnum_rshift(a, shift).contains(x >> shift));
    ASSERT_TRUE(tnum_arshift(a, shift, 64).contains(static_cast<uint64_t>(static_cast<int64_t>(x) >> shift)));
    const auto shift32 = static_cast<uint8_t>(shift % 32);
    ASSERT_TRUE(tnum_arshift(tnum_subreg(a), shift32, 32)
                    .contains(static_cast<uint32_t>(static_cast<int32_t>(static_cast<uint32_t>(x)) >> shift32)));
    ASSERT_TRUE(tnum_neg(a).contains(0 - x));
    for (uint8_t size : {1, 2, 4, 8}) {
      const uint64_t keep = size == 8 ? kU64Max : (uint64_t{1} << (size * 8)) - 1;
      ASSERT_TRUE(tnum_cast(a, size).contains(x & keep));
    }
    const uint64_t lo = rng() >> (rng() % 64), hi = lo + (rng() >> (rng() % 64));
    if (hi >= lo) {
      const uint64_t in = lo + rng() % (hi - lo + 1 ? hi - lo + 1 : 1);
      ASSERT_TRUE(tnum_range(lo, hi).contains(in)) << lo << " " << hi << " " << in;
      ASSERT_TRUE(tnum_range(lo, hi).contains(lo) && tnum_range(lo, hi).contains(hi));
    }
  }
}

}  // namespace
}  // namespace hostbpf::verifier
