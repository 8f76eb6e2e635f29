// verifier::ScalarState against the kernel's scalar tracking (v6.18).
//
// Soundness, randomized with fixed seeds: abstract states are built from
// concrete "member" values (joins, intervals in each of the four domains,
// tnums, results of earlier operations), synced, and every member must stay
// inside (so reg_bounds_sync itself is checked). Then, for each ALU op and
// width, op(x, y) for members x, y must be inside the transfer function's
// result; for each jump, is_branch_taken must never contradict a concrete
// pair and the refined states must keep every pair for which the branch is
// taken. Plus directed tests of behaviours the kernel is known for and of
// the log text.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "verifier/scalar_bounds.h"

namespace hostbpf::verifier {

std::string describe(const ScalarState& s);
// gtest prints states in the log's form plus every field (found by ADL).
[[maybe_unused]] static void PrintTo(const Tnum& t, std::ostream* os) { *os << tnum_str(t); }
[[maybe_unused]] static void PrintTo(const ScalarState& s, std::ostream* os) { *os << describe(s); }

namespace {

using u32 = uint32_t;
using s32 = int32_t;
using u64 = uint64_t;
using s64 = int64_t;
constexpr u64 kU64Max = ~u64{0};

}  // namespace

std::string describe(const ScalarState& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, " u64=[%#llx,%#llx] s64=[%lld,%lld] u32=[%#x,%#x] s32=[%d,%d] var_off=%s",
                (unsigned long long)s.umin, (unsigned long long)s.umax, (long long)s.smin, (long long)s.smax,
                s.u32_min, s.u32_max, s.s32_min, s.s32_max, tnum_str(s.var_off).c_str());
  return scalar_str(s) + buf;
}

namespace {

// ---------------------------------------------------------------------------
// Abstract states with known members
// ---------------------------------------------------------------------------

struct Sampled {
  ScalarState s;
  std::vector<u64> xs;  // concrete values known to be in γ(s)
};

u64 below(std::mt19937_64& r, u64 n) { return n ? r() % n : r(); }  // n == 0: the whole u64 range

u64 interesting(std::mt19937_64& r) {
  const u64 small = r() % 17;
  switch (r() % 13) {
    case 0: return small;
    case 1: return 0 - small;
    case 2: return r();
    case 3: return r() & 0xffffffff;
    case 4: return static_cast<u64>(s64{static_cast<s32>(r())});
    case 5: return 0x7fffffff + small - 8;          // around S32_MAX
    case 6: return 0xffffffff + small - 8;          // around 2^32
    case 7: return 0x7fffffffffffffff + small - 8;  // around S64_MAX
    case 8: return r() & 0xff;
    case 9: return r() & 0xffff;
    case 10: return u64{1} << (r() % 64);
    case 11: return (r() & 0xf) << (r() % 60);
    default: return static_cast<u64>(s64{static_cast<int8_t>(r())});
  }
}

// The most precise state holding exactly these values in every view.
ScalarState join(const std::vector<u64>& xs) {
  ScalarState s = ScalarState::known(xs[0]);
  for (u64 x : xs) {
    const ScalarState k = ScalarState::known(x);
    s.var_off = tnum_union(s.var_off, k.var_off);
    s.umin = std::min(s.umin, k.umin), s.umax = std::max(s.umax, k.umax);
    s.smin = std::min(s.smin, k.smin), s.smax = std::max(s.smax, k.smax);
    s.u32_min = std::min(s.u32_min, k.u32_min), s.u32_max = std::max(s.u32_max, k.u32_max);
    s.s32_min = std::min(s.s32_min, k.s32_min), s.s32_max = std::max(s.s32_max, k.s32_max);
  }
  return s;
}

template <typename T>
void sorted_pair(std::mt19937_64& r, T& lo, T& hi) {
  lo = static_cast<T>(interesting(r));
  hi = static_cast<T>(interesting(r));
  if (lo > hi) std::swap(lo, hi);
}

Sampled make_state(std::mt19937_64& r) {
  Sampled out;
  ScalarState& s = out.s;
  auto& xs = out.xs;
  const int n = 6;
  switch (r() % 8) {
    case 0:  // a constant
      xs = {interesting(r)};
      s = ScalarState::known(xs[0]);
      break;
    case 1: {  // a few values, clustered or anywhere
      const u64 base = interesting(r);
      for (int i = 0, k = 2 + r() % 4; i < k; ++i) xs.push_back(r() % 2 ? base + r() % 33 - 16 : interesting(r));
      s = join(xs);
      break;
    }
    case 2: {  // a u64 interval
      sorted_pair(r, s.umin, s.umax);
      xs = {s.umin, s.umax};
      for (int i = 0; i < n; ++i) xs.push_back(s.umin + below(r, s.umax - s.umin + 1));
      break;
    }
    case 3: {  // an s64 interval
      sorted_pair(r, s.smin, s.smax);
      xs = {u64(s.smin), u64(s.smax)};
      for (int i = 0; i < n; ++i) xs.push_back(u64(s.smin) + below(r, u64(s.smax) - u64(s.smin) + 1));
      break;
    }
    case 4: {  // a u32 interval, upper half anything or zero
      sorted_pair(r, s.u32_min, s.u32_max);
      if (r() % 2) s.umax = 0xffffffff;
      for (int i = 0; i < n; ++i)
        xs.push_back((s.umax == 0xffffffff ? 0 : r() & ~u64{0xffffffff}) |
                     (s.u32_min + below(r, u64{s.u32_max} - s.u32_min + 1)));
      break;
    }
    case 5: {  // an s32 interval, upper half anything or its sign extension
      sorted_pair(r, s.s32_min, s.s32_max);
      const bool sext = r() % 2;
      if (sext) s.smin = s.s32_min, s.smax = s.s32_max;
      for (int i = 0; i < n; ++i) {
        const auto lo = static_cast<s32>(s.s32_min + s64(below(r, u64(s64{s.s32_max} - s.s32_min + 1))));
        xs.push_back(sext ? u64(s64{lo}) : ((r() & ~u64{0xffffffff}) | u32(lo)));
      }
      break;
    }
    case 6: {  // a tnum
      u64 mask = r();
      if (r() % 2) mask &= r() & r();
      s.var_off = Tnum{interesting(r) & ~mask, mask};
      for (int i = 0; i < n; ++i) xs.push_back(s.var_off.value | (r() & mask));
      break;
    }
    default:  // nothing known
      for (int i = 0; i < n; ++i) xs.push_back(interesting(r));
      break;
  }
  reg_bounds_sync(s);
  for (u64 x : xs) EXPECT_TRUE(s.contains(x)) << "reg_bounds_sync lost " << x << describe(s);
  return out;
}

// ---------------------------------------------------------------------------
// Concrete semantics (RFC 9669, as the interpreter executes them)
// ---------------------------------------------------------------------------

u64 alu_concrete(uint8_t op, u64 x, u64 y, bool alu32, bool sgn) {
  if (alu32) {
    const u32 a = u32(x), b = u32(y);
    const s32 sa = s32(a), sb = s32(b);
    switch (op) {
      case BPF_ADD: return u32(a + b);
      case BPF_SUB: return u32(a - b);
      case BPF_MUL: return u32(a * b);
      case BPF_DIV:
        if (!b) return 0;
        if (!sgn) return a / b;
        return sa == INT32_MIN && sb == -1 ? u32(sa) : u32(sa / sb);
      case BPF_MOD:
        if (!b) return a;
        if (!sgn) return a % b;
        return sb == -1 ? 0 : u32(sa % sb);
      case BPF_AND: return a & b;
      case BPF_OR: return a | b;
      case BPF_XOR: return a ^ b;
      case BPF_LSH: return u32(a << (b & 31));
      case BPF_RSH: return a >> (b & 31);
      case BPF_ARSH: return u32(sa >> (b & 31));
    }
  }
  const s64 sx = s64(x), sy = s64(y);
  switch (op) {
    case BPF_ADD: return x + y;
    case BPF_SUB: return x - y;
    case BPF_MUL: return x * y;
    case BPF_DIV:
      if (!y) return 0;
      if (!sgn) return x / y;
      return sx == INT64_MIN && sy == -1 ? x : u64(sx / sy);
    case BPF_MOD:
      if (!y) return x;
      if (!sgn) return x % y;
      return sy == -1 ? 0 : u64(sx % sy);
    case BPF_AND: return x & y;
    case BPF_OR: return x | y;
    case BPF_XOR: return x ^ y;
    case BPF_LSH: return x << (y & 63);
    case BPF_RSH: return x >> (y & 63);
    case BPF_ARSH: return u64(sx >> (y & 63));
  }
  return 0;
}

bool cond_concrete(uint8_t op, u64 x, u64 y, bool jmp32) {
  if (jmp32) x = u32(x), y = u32(y);
  const s64 sx = jmp32 ? s64{s32(x)} : s64(x), sy = jmp32 ? s64{s32(y)} : s64(y);
  switch (op) {
    case BPF_JEQ: return x == y;
    case BPF_JNE: return x != y;
    case BPF_JSET: return (x & y) != 0;
    case BPF_JGT: return x > y;
    case BPF_JGE: return x >= y;
    case BPF_JLT: return x < y;
    case BPF_JLE: return x <= y;
    case BPF_JSGT: return sx > sy;
    case BPF_JSGE: return sx >= sy;
    case BPF_JSLT: return sx < sy;
    case BPF_JSLE: return sx <= sy;
  }
  return false;
}

// ---------------------------------------------------------------------------
// The shared pools (built once, fixed seed)
// ---------------------------------------------------------------------------

struct Pools {
  std::vector<Sampled> states;     // general states
  std::vector<Sampled> constants;  // constants, often shift amounts or masks
};

const Pools& pools() {
  static const Pools p = [] {
    Pools p;
    std::mt19937_64 r(20240611);
    for (int i = 0; i < 2500; ++i) p.states.push_back(make_state(r));
    // Second generation: results of ALU ops, whose members are the concrete
    // results, so that chains of operations are covered too.
    const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR};
    for (int i = 0; i < 1000; ++i) {
      const Sampled& a = p.states[r() % 2500];
      const Sampled& b = p.states[r() % 2500];
      const uint8_t op = ops[r() % 6];
      const bool alu32 = r() % 2;
      Sampled d{a.s, {}};
      scalar_alu(d.s, b.s, op, alu32);
      for (int k = 0; k < 6; ++k)
        d.xs.push_back(alu_concrete(op, a.xs[r() % a.xs.size()], b.xs[r() % b.xs.size()], alu32, false));
      p.states.push_back(d);
    }
    for (u64 v = 0; v < 70; ++v) p.constants.push_back({ScalarState::known(v), {v}});
    for (int i = 0; i < 64; ++i) p.constants.push_back({ScalarState::known(u64{1} << i), {u64{1} << i}});
    for (int i = 0; i < 200; ++i) {
      const u64 v = interesting(r);
      p.constants.push_back({ScalarState::known(v), {v}});
    }
    return p;
  }();
  return p;
}

const Sampled& pick(const std::vector<Sampled>& v, std::mt19937_64& r) { return v[r() % v.size()]; }
u64 member(const Sampled& s, std::mt19937_64& r) { return s.xs[r() % s.xs.size()]; }

TEST(ScalarPools, GenerationKeepsMembers) {
  // Building the pools already checked each state; make sure they exist and
  // the derived ones hold their members.
  const Pools& p = pools();
  ASSERT_EQ(p.states.size(), 3500u);
  for (const auto& s : p.states)
    for (u64 x : s.xs) ASSERT_TRUE(s.s.contains(x)) << x << describe(s.s);
}

// ---------------------------------------------------------------------------
// ALU soundness
// ---------------------------------------------------------------------------

struct AluCase {
  const char* name;
  uint8_t op;
  bool sgn;  // sdiv/smod (off == 1)
  bool alu32;
};

void PrintTo(const AluCase& c, std::ostream* os) { *os << c.name << (c.alu32 ? "32" : "64"); }

class AluSoundness : public ::testing::TestWithParam<AluCase> {};

TEST_P(AluSoundness, ResultContainsEveryConcreteResult) {
  const AluCase& c = GetParam();
  const Pools& p = pools();
  std::mt19937_64 r(0xa1u + c.op * 7 + c.sgn * 3 + c.alu32);
  const bool shift = c.op == BPF_LSH || c.op == BPF_RSH || c.op == BPF_ARSH;
  for (int i = 0; i < 20000; ++i) {
    const Sampled& a = pick(p.states, r);
    const Sampled& b = (shift ? r() % 4 != 0 : r() % 4 == 0) ? pick(p.constants, r) : pick(p.states, r);
    ScalarState res = a.s;
    scalar_alu(res, b.s, c.op, c.alu32);
    ASSERT_EQ(reg_bounds_violation(res), nullptr) << describe(a.s) << " op " << describe(b.s);
    for (int k = 0; k < 4; ++k) {
      const u64 x = member(a, r), y = member(b, r);
      const u64 v = alu_concrete(c.op, x, y, c.alu32, c.sgn);
      ASSERT_TRUE(res.contains(v)) << c.name << ": " << x << " op " << y << " = " << v << "\n a:" << describe(a.s)
                                   << "\n b:" << describe(b.s) << "\n result:" << describe(res);
    }
  }
}

std::vector<AluCase> alu_cases() {
  const struct {
    const char* name;
    uint8_t op;
    bool sgn;
  } ops[] = {{"add", BPF_ADD, false}, {"sub", BPF_SUB, false}, {"mul", BPF_MUL, false},  {"div", BPF_DIV, false},
             {"sdiv", BPF_DIV, true}, {"mod", BPF_MOD, false}, {"smod", BPF_MOD, true},  {"and", BPF_AND, false},
             {"or", BPF_OR, false},   {"xor", BPF_XOR, false}, {"lsh", BPF_LSH, false},  {"rsh", BPF_RSH, false},
             {"arsh", BPF_ARSH, false}};
  std::vector<AluCase> out;
  for (bool alu32 : {false, true})
    for (const auto& o : ops) out.push_back({o.name, o.op, o.sgn, alu32});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Ops, AluSoundness, ::testing::ValuesIn(alu_cases()), [](const auto& info) {
  return std::string(info.param.name) + (info.param.alu32 ? "32" : "64");
});

// Unary transfer functions: neg, end, moves, loads, zero-extension.
struct UnaryCase {
  std::string name;
  std::function<void(ScalarState&)> abstract;
  std::function<u64(u64)> concrete;
};

void PrintTo(const UnaryCase& c, std::ostream* os) { *os << c.name; }

class UnarySoundness : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(UnarySoundness, ResultContainsEveryConcreteResult) {
  const UnaryCase& c = GetParam();
  std::mt19937_64 r(0xb2);
  for (int i = 0; i < 20000; ++i) {
    const Sampled& a = pick(pools().states, r);
    ScalarState res = a.s;
    c.abstract(res);
    for (u64 x : a.xs)
      ASSERT_TRUE(res.contains(c.concrete(x)))
          << c.name << "(" << x << ") = " << c.concrete(x) << "\n a:" << describe(a.s) << "\n result:" << describe(res);
  }
}

u64 sx(u64 v, int bytes) {
  return bytes == 1 ? u64(s64{int8_t(v)}) : bytes == 2 ? u64(s64{int16_t(v)}) : u64(s64{s32(v)});
}

std::vector<UnaryCase> unary_cases() {
  std::vector<UnaryCase> out = {
      {"neg64", [](ScalarState& s) { scalar_neg(s, false); }, [](u64 x) { return 0 - x; }},
      {"neg32", [](ScalarState& s) { scalar_neg(s, true); }, [](u64 x) { return u64(u32(0 - x)); }},
      {"end", scalar_end, [](u64 x) { return __builtin_bswap64(x); }},
      {"zext", zext_32_to_64, [](u64 x) { return u64(u32(x)); }},
      {"mov64", [](ScalarState& s) { scalar_mov(s, ScalarState(s), false, 0); }, [](u64 x) { return x; }},
      {"mov32", [](ScalarState& s) { scalar_mov(s, ScalarState(s), true, 0); }, [](u64 x) { return u64(u32(x)); }},
  };
  for (int bytes : {1, 2, 4}) {
    const std::string n = std::to_string(bytes * 8);
    out.push_back({"movsx64_s" + n,
                   [=](ScalarState& s) { scalar_mov(s, ScalarState(s), false, int16_t(bytes * 8)); },
                   [=](u64 x) { return sx(x, bytes); }});
    out.push_back({"load_u" + n, [=](ScalarState& s) { coerce_reg_to_size(s, bytes); },
                   [=](u64 x) { return x & ((u64{1} << (bytes * 8)) - 1); }});
    out.push_back({"ldsx_s" + n, [=](ScalarState& s) { coerce_reg_to_size_sx(s, bytes); },
                   [=](u64 x) { return sx(x, bytes); }});
    if (bytes < 4)
      out.push_back({"movsx32_s" + n,
                     [=](ScalarState& s) { scalar_mov(s, ScalarState(s), true, int16_t(bytes * 8)); },
                     [=](u64 x) { return u64(u32(sx(x, bytes))); }});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Ops, UnarySoundness, ::testing::ValuesIn(unary_cases()),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// Branch soundness
// ---------------------------------------------------------------------------

struct JmpCase {
  const char* name;
  uint8_t op;
  bool jmp32;
};

void PrintTo(const JmpCase& c, std::ostream* os) { *os << c.name << (c.jmp32 ? "32" : "64"); }

class BranchSoundness : public ::testing::TestWithParam<JmpCase> {};

TEST_P(BranchSoundness, PredictionAndRefinementKeepConcretePairs) {
  const JmpCase& c = GetParam();
  const Pools& p = pools();
  std::mt19937_64 r(0xc3u + c.op + c.jmp32);
  int refined_live = 0;
  for (int i = 0; i < 20000; ++i) {
    const Sampled& a = pick(p.states, r);
    const Sampled& b = r() % 3 == 0 ? pick(p.constants, r) : pick(p.states, r);
    const int pred = is_branch_taken(c.op, a.s, b.s, c.jmp32);
    ScalarState ta = a.s, tb = b.s, fa = a.s, fb = b.s;
    const bool ok_true = refine_cond(c.op, ta, tb, c.jmp32);
    const bool ok_false = refine_cond(rev_opcode(c.op), fa, fb, c.jmp32);
    for (int k = 0; k < 4; ++k) {
      const u64 x = member(a, r), y = member(b, r);
      const bool taken = cond_concrete(c.op, x, y, c.jmp32);
      const auto ctx = [&] {
        return std::string(c.name) + " x=" + std::to_string(x) + " y=" + std::to_string(y) + " taken=" +
               std::to_string(taken) + " pred=" + std::to_string(pred) + "\n a:" + describe(a.s) +
               "\n b:" + describe(b.s);
      };
      if (pred >= 0) {
        ASSERT_EQ(taken, pred == 1) << ctx();
      }
      const ScalarState& ra = taken ? ta : fa;
      const ScalarState& rb = taken ? tb : fb;
      ASSERT_TRUE(taken ? ok_true : ok_false) << "invariant violation on a live branch: " << ctx();
      ASSERT_TRUE(ra.contains(x) && rb.contains(y))
          << ctx() << "\n refined a:" << describe(ra) << "\n refined b:" << describe(rb);
      refined_live += pred < 0;
    }
  }
  EXPECT_GT(refined_live, 1000);  // the undecided case, the one the kernel refines, is well covered
}

std::vector<JmpCase> jmp_cases() {
  const struct {
    const char* name;
    uint8_t op;
  } ops[] = {{"jeq", BPF_JEQ},   {"jne", BPF_JNE},   {"jset", BPF_JSET}, {"jgt", BPF_JGT},
             {"jge", BPF_JGE},   {"jlt", BPF_JLT},   {"jle", BPF_JLE},   {"jsgt", BPF_JSGT},
             {"jsge", BPF_JSGE}, {"jslt", BPF_JSLT}, {"jsle", BPF_JSLE}};
  std::vector<JmpCase> out;
  for (bool jmp32 : {false, true})
    for (const auto& o : ops) out.push_back({o.name, o.op, jmp32});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Ops, BranchSoundness, ::testing::ValuesIn(jmp_cases()), [](const auto& info) {
  return std::string(info.param.name) + (info.param.jmp32 ? "32" : "64");
});

// ---------------------------------------------------------------------------
// Pruning
// ---------------------------------------------------------------------------

TEST(ScalarPruning, RangeWithinImpliesSubset) {
  const Pools& p = pools();
  std::mt19937_64 r(0xd4);
  int within = 0;
  for (int i = 0; i < 20000; ++i) {
    const Sampled& old = pick(p.states, r);
    // cur: another state, or old narrowed by a comparison (usually within).
    Sampled cur = pick(p.states, r);
    if (r() % 2) {
      const Sampled& k = pick(p.constants, r);
      const uint8_t ops[] = {BPF_JGT, BPF_JLE, BPF_JSGT, BPF_JSLT, BPF_JEQ, BPF_JNE};
      const uint8_t op = ops[r() % 6];
      cur.s = old.s;
      ScalarState kk = k.s;
      refine_cond(op, cur.s, kk, false);
      cur.xs.clear();
      for (u64 x : old.xs)
        if (cond_concrete(op, x, k.xs[0], false)) cur.xs.push_back(x);
      if (cur.xs.empty()) continue;
    }
    if (!range_within(old.s, cur.s)) continue;
    ++within;
    ASSERT_TRUE(bounds_within(old.s, cur.s));
    for (u64 x : cur.xs)
      ASSERT_TRUE(old.s.contains(x)) << x << "\n old:" << describe(old.s) << "\n cur:" << describe(cur.s);
  }
  EXPECT_GT(within, 2000);
}

TEST(ScalarPruning, Examples) {
  ScalarState old = ScalarState::unknown(), cur = ScalarState::unknown();
  ScalarState k100 = ScalarState::known(100), k10 = ScalarState::known(10), k20 = ScalarState::known(20);
  refine_cond(BPF_JLE, old, k100, false);  // old: [0, 100]
  refine_cond(BPF_JGE, cur, k10, false);
  refine_cond(BPF_JLE, cur, k20, false);  // cur: [10, 20]
  EXPECT_TRUE(range_within(old, cur));
  EXPECT_FALSE(range_within(cur, old));
  EXPECT_TRUE(range_within(ScalarState::unknown(), ScalarState::known(5)));
  EXPECT_FALSE(range_within(ScalarState::known(5), ScalarState::unknown()));
  // Bounds alone are not enough: {4, 6} (even) is inside [4, 6] but 5 is not
  // a member of the even tnum.
  ScalarState even = ScalarState::known(4), five = ScalarState::known(5);
  even.var_off = Tnum{4, 2};
  even.umax = even.smax = 6, even.u32_max = even.s32_max = 6;
  EXPECT_TRUE(bounds_within(even, five));
  EXPECT_FALSE(range_within(even, five));
}

// ---------------------------------------------------------------------------
// Known kernel behaviours
// ---------------------------------------------------------------------------

ScalarState alu(ScalarState d, uint8_t op, ScalarState s, bool alu32 = false) {
  scalar_alu(d, s, op, alu32);
  return d;
}
ScalarState K(u64 v) { return ScalarState::known(v); }
ScalarState imm(s32 v) { return K(u64(s64{v})); }  // how the kernel builds a BPF_K operand

TEST(ScalarKernel, AndMaskGivesByteRange) {
  const ScalarState r = alu(ScalarState::unknown(), BPF_AND, imm(0xff));
  EXPECT_EQ(r.umin, 0u);
  EXPECT_EQ(r.umax, 255u);
  EXPECT_EQ(r.smax, 255);
  EXPECT_EQ(r.var_off, (Tnum{0, 0xff}));
  EXPECT_EQ(scalar_str(r), "scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))");
}

TEST(ScalarKernel, JgtRefinesBothBranches) {
  // if r1 > 10 goto ...: fall-through has r1 <= 10, the jump r1 >= 11.
  ScalarState t1 = ScalarState::unknown(), t2 = imm(10), f1 = t1, f2 = t2;
  EXPECT_EQ(is_branch_taken(BPF_JGT, t1, t2, false), -1);
  EXPECT_TRUE(reg_set_min_max(BPF_JGT, false, t1, t2, f1, f2));
  EXPECT_EQ(f1.umax, 10u);
  EXPECT_EQ(scalar_str(f1), "scalar(smin=smin32=0,smax=umax=smax32=umax32=10,var_off=(0x0; 0xf))");
  EXPECT_EQ(t1.umin, 11u);
  EXPECT_EQ(scalar_str(t1), "scalar(umin=11)");
  EXPECT_EQ(f2, imm(10));  // the constant side learns nothing new
  EXPECT_EQ(is_branch_taken(BPF_JGT, f1, imm(20), false), 0);
  EXPECT_EQ(is_branch_taken(BPF_JLE, f1, imm(10), false), 1);
}

TEST(ScalarKernel, Alu32ZeroExtends) {
  const ScalarState w = alu(ScalarState::unknown(), BPF_ADD, imm(1), true);
  EXPECT_EQ(w.umax, 0xffffffffu);
  EXPECT_EQ(w.smin, 0);
  EXPECT_EQ(scalar_str(w), "scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))");
  EXPECT_EQ(alu(K(0xffffffff00000001), BPF_ADD, imm(-1), true), K(0));  // w = w + (-1)
  ScalarState m;
  scalar_mov_imm(m, -1, true);  // w1 = -1
  EXPECT_EQ(m, K(0xffffffff));
  EXPECT_EQ(scalar_str(m), "0xffffffff");
  scalar_mov_imm(m, -1, false);  // r1 = -1
  EXPECT_EQ(scalar_str(m), "-1");
}

TEST(ScalarKernel, ConstantFolding) {
  EXPECT_EQ(alu(K(6), BPF_MUL, K(7)), K(42));
  EXPECT_EQ(alu(K(0xf0), BPF_OR, K(0x0f)), K(0xff));
  EXPECT_EQ(alu(K(1), BPF_LSH, K(63)), K(u64{1} << 63));
  EXPECT_EQ(alu(K(u64(-16)), BPF_ARSH, K(2)), K(u64(-4)));
  EXPECT_EQ(alu(K(0x80000000), BPF_ARSH, K(4), true), K(0xf8000000));
  ScalarState n = K(5);
  scalar_neg(n, false);
  EXPECT_EQ(n, K(u64(-5)));
  n = K(5);
  scalar_neg(n, true);
  EXPECT_EQ(n, K(0xfffffffb));
}

TEST(ScalarKernel, UntrackedResultsAreUnknown) {
  const ScalarState u = ScalarState::unknown();
  // Shift by the width or more, or by an unknown amount.
  EXPECT_EQ(alu(K(1), BPF_LSH, K(64)), u);
  EXPECT_EQ(alu(K(1), BPF_LSH, K(32), true), u);
  EXPECT_EQ(alu(K(1), BPF_RSH, u), u);
  // ALU32 shift amounts are judged on the 64-bit umax (the kernel's check).
  EXPECT_EQ(alu(K(1), BPF_LSH, K(0x100000003), true), u);
  // v6.18 does not track div/mod at all, not even of constants.
  EXPECT_EQ(alu(K(10), BPF_DIV, K(2)), u);
  EXPECT_EQ(alu(K(10), BPF_MOD, K(3), true), u);
  // BPF_END: unknown, constant or not.
  ScalarState e = K(0x1234);
  scalar_end(e);
  EXPECT_EQ(e, u);
}

TEST(ScalarKernel, ShiftPairSignExtendsSubregister) {
  // r1 = subregister in s32 [-5, 5]; r1 <<= 32; r1 s>>= 32: the kernel keeps
  // [-5, 5] thanks to __scalar64_min_max_lsh's special case.
  ScalarState r = ScalarState::unknown(), lo = imm(-5), hi = imm(5);
  refine_cond(BPF_JSGE, r, lo, true);
  refine_cond(BPF_JSLE, r, hi, true);
  EXPECT_EQ(r.s32_min, -5);
  EXPECT_EQ(r.s32_max, 5);
  r = alu(alu(r, BPF_LSH, imm(32)), BPF_ARSH, imm(32));
  EXPECT_EQ(r.smin, -5);
  EXPECT_EQ(r.smax, 5);
  EXPECT_EQ(scalar_str(r), "scalar(smin=smin32=-5,smax=smax32=5)");
}

TEST(ScalarKernel, SignExtension) {
  ScalarState w;
  scalar_mov(w, K(0x80), true, 8);  // w1 = (s8)w2, w2 = 0x80
  EXPECT_EQ(w, K(0xffffff80));
  scalar_mov(w, K(0x80), false, 8);  // r1 = (s8)r2
  EXPECT_EQ(w, K(u64(-128)));
  scalar_mov(w, ScalarState::unknown(), false, 8);
  EXPECT_EQ(w.smin, -128);
  EXPECT_EQ(w.smax, 127);
  // A range that fits the narrow width stays as it is.
  ScalarState pos = alu(ScalarState::unknown(), BPF_AND, imm(0x7fffffff));
  scalar_mov(w, pos, false, 32);
  EXPECT_EQ(w.smin, 0);
  EXPECT_EQ(w.umax, 0x7fffffffu);
  ScalarState ld = ScalarState::unknown();
  coerce_reg_to_size_sx(ld, 2);  // *(s16 *)
  EXPECT_EQ(ld.smin, -32768);
  EXPECT_EQ(ld.smax, 32767);
  ld = ScalarState::unknown();
  coerce_reg_to_size(ld, 1);  // *(u8 *)
  EXPECT_EQ(scalar_str(ld), "scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))");
}

TEST(ScalarKernel, BranchPredictionExamples) {
  const ScalarState u = ScalarState::unknown();
  EXPECT_EQ(is_branch_taken(BPF_JEQ, K(3), K(3), false), 1);
  EXPECT_EQ(is_branch_taken(BPF_JNE, K(3), K(3), false), 0);
  EXPECT_EQ(is_branch_taken(BPF_JEQ, u, K(3), false), -1);
  ScalarState odd = u, even = u;
  odd.var_off = Tnum{1, ~u64{1}};
  even.var_off = Tnum{0, ~u64{1}};
  reg_bounds_sync(odd);
  reg_bounds_sync(even);
  EXPECT_EQ(is_branch_taken(BPF_JEQ, odd, even, false), 0);  // tnums cannot overlap
  EXPECT_EQ(is_branch_taken(BPF_JSET, odd, K(1), false), 1);
  EXPECT_EQ(is_branch_taken(BPF_JSET, even, K(1), false), 0);
  EXPECT_EQ(is_branch_taken(BPF_JSET, K(1), odd, false), 1);  // the constant may be either side
  EXPECT_EQ(is_branch_taken(BPF_JSET, odd, K(2), false), -1);
  // JMP32 looks at the subregister only.
  EXPECT_EQ(is_branch_taken(BPF_JEQ, K(0x100000005), K(5), true), 1);
  EXPECT_EQ(is_branch_taken(BPF_JEQ, K(0x100000005), K(5), false), 0);
  EXPECT_EQ(is_branch_taken(BPF_JSLT, K(0xffffffff), K(0), true), 1);  // (s32)-1 < 0
  EXPECT_EQ(is_branch_taken(BPF_JSLT, K(0xffffffff), K(0), false), 0);
}

TEST(ScalarKernel, RefinementExamples) {
  ScalarState r = alu(ScalarState::unknown(), BPF_AND, imm(0xf)), z = K(0);
  refine_cond(BPF_JNE, r, z, false);  // [0, 15] != 0 -> [1, 15]
  EXPECT_EQ(r.umin, 1u);
  EXPECT_EQ(r.umax, 15u);
  ScalarState e = ScalarState::unknown(), seven = K(7);
  refine_cond(BPF_JEQ, e, seven, false);
  EXPECT_EQ(e, K(7));
  ScalarState j = ScalarState::unknown(), four = K(4);
  refine_cond(BPF_JSET, j, four, false);  // r & 4 != 0: bit 2 is known 1
  EXPECT_EQ(j.var_off, (Tnum{4, ~u64{4}}));
  j = ScalarState::unknown();
  refine_cond(rev_opcode(BPF_JSET), j, four, false);  // r & 4 == 0
  EXPECT_EQ(j.var_off, (Tnum{0, ~u64{4}}));
  EXPECT_EQ(rev_opcode(BPF_JSET), BPF_JSET | BPF_X);
  EXPECT_EQ(rev_opcode(BPF_JSGT), BPF_JSLE);
  EXPECT_EQ(flip_opcode(BPF_JSGT), BPF_JSLT);
  // A dead branch: [0, 15] > 100 is impossible; the kernel reports the
  // inverted bounds and forgets them.
  ScalarState d = alu(ScalarState::unknown(), BPF_AND, imm(0xf)), h = K(100);
  EXPECT_FALSE(refine_cond(BPF_JGT, d, h, false));
  EXPECT_EQ(d.umax, kU64Max);
}

TEST(ScalarKernel, InvariantViolationMessage) {
  ScalarState s = K(0);
  s.umin = 1;
  EXPECT_STREQ(reg_bounds_violation(s), "range bounds violation");
  EXPECT_EQ(reg_invariants_violation(s, "true_reg1"),
            "REG INVARIANTS VIOLATION (true_reg1): range bounds violation u64=[0x1, 0x0] s64=[0x0, 0x0] "
            "u32=[0x0, 0x0] s32=[0x0, 0x0] var_off=(0x0, 0x0)");
  s = K(3);
  s.umax = 4;
  EXPECT_STREQ(reg_bounds_violation(s), "const tnum out of sync with range bounds");
  EXPECT_EQ(reg_invariants_violation(K(3), "x"), "");
}

// ---------------------------------------------------------------------------
// Log text
// ---------------------------------------------------------------------------

TEST(ScalarLog, Numbers) {
  EXPECT_EQ(log_unum(65535), "65535");
  EXPECT_EQ(log_unum(65536), "0x10000");
  EXPECT_EQ(log_snum(-32768), "-32768");
  EXPECT_EQ(log_snum(32768), "0x8000");
  EXPECT_EQ(log_snum(-40000), "0xffffffffffff63c0");
}

TEST(ScalarLog, Constants) {
  EXPECT_EQ(scalar_str(K(0)), "0");
  EXPECT_EQ(scalar_str(K(42)), "42");
  EXPECT_EQ(scalar_str(K(u64(-1))), "-1");
  EXPECT_EQ(scalar_str(K(40000)), "0x9c40");
  EXPECT_EQ(scalar_str(K(0), 0, true), "P0");
  EXPECT_EQ(scalar_str(K(0), 7), "0");  // print_reg_state shows no id for a constant
}

TEST(ScalarLog, Scalars) {
  EXPECT_EQ(scalar_str(ScalarState::unknown()), "scalar()");
  EXPECT_EQ(scalar_ranges_str(ScalarState::unknown()), "");
  EXPECT_EQ(scalar_str(ScalarState::unknown(), 3), "scalar(id=3)");
  const ScalarState byte = alu(ScalarState::unknown(), BPF_AND, imm(0xff));
  EXPECT_EQ(scalar_str(byte, 2, true),
            "Pscalar(id=2,smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))");
  EXPECT_EQ(scalar_ranges_str(byte), "smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff)");
  // Hex values group only with equal hex values of the same sign; the s32
  // bounds are not sign-extended when shown in hex.
  ScalarState neg = ScalarState::unknown(), lo = K(u64(-100000)), hi = K(u64(-5));
  refine_cond(BPF_JSGE, neg, lo, false);
  refine_cond(BPF_JSLE, neg, hi, false);
  EXPECT_EQ(scalar_str(neg),
            "scalar(smin=0xfffffffffffe7960,smax=smax32=-5,umin=0xfffffffffffe7960,umax=0xfffffffffffffffb,"
            "smin32=umin32=0xfffe7960,umax32=0xfffffffb,var_off=(0xfffffffffffe0000; 0x1ffff))");
}

}  // namespace
}  // namespace hostbpf::verifier
