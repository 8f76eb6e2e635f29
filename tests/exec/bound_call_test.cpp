// What the interpreter does beyond one handler per instruction: map lookups
// at sites the fixup stage bound to the map the verifier proved
// (CallTarget::map: a direct call of the map's own lookup, inline code for
// arrays), and instruction pairs run as one handler. Each bound or fused program must
// return exactly what the plain form returns, including when a jump lands on
// the second instruction of a fused pair.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cstring>
#include <memory>
#include <vector>

#include "../isa/asm.h"
#include "base/cpu.h"
#include "exec/executable.h"
#include "prepare_util.h"
#include "isa/validate.h"
#include "maps/map.h"
#include "../maps/test_util.h"  // maps::testing::make, spec

namespace hostbpf {
namespace {

using namespace test;

std::shared_ptr<maps::Map> make_map(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries) {
  return maps::testing::make(maps::testing::spec(type, key_size, value_size, max_entries));
}

/// r0 = *(u64 *)bpf_map_lookup_elem(map, r1) (the key, key_size bytes at r1),
/// or -1 when absent. The key is copied to the stack as programs do. `call_at`
/// receives the index of the call instruction.
Prog lookup_program(maps::Map* map, uint32_t key_size, size_t* call_at) {
  Prog p;
  for (uint32_t off = 0; off < key_size; off++) {  // byte by byte: any key size
    p.push_back(ldx(BPF_B, 3, 1, static_cast<int16_t>(off)));
    p.push_back(stx(BPF_B, 10, 3, static_cast<int16_t>(-32 + static_cast<int>(off))));
  }
  p.push_back(mov64_reg(2, 10));
  p.push_back(alu64_imm(BPF_ADD, 2, -32));
  lddw(p, 1, reinterpret_cast<uint64_t>(map), BPF_PSEUDO_MAP_FD);
  *call_at = p.size();
  p.push_back(call_helper(BPF_FUNC_map_lookup_elem));
  p.push_back(jmp_imm(BPF_JEQ, 0, 0, 2));
  p.push_back(ldx(BPF_DW, 0, 0, 0));
  p.push_back(exit_insn());
  p.push_back(mov64_imm(0, -1));
  p.push_back(exit_insn());
  return p;
}

/// The program prepared twice: calling the helper, and bound to `map`.
struct BothWays {
  std::shared_ptr<exec::Executable> helper, bound;
};

BothWays prepare(const Prog& p, maps::Map* map, size_t call_at) {
  isa::ValidateOptions v;
  Error err = isa::validate_program(p, v);
  EXPECT_FALSE(err) << err.message();
  PrepareSpec bound;
  bound.call_maps.assign(p.size(), nullptr);
  bound.call_maps[call_at] = map;
  auto a = test::prepare(p);
  auto b = test::prepare(p, bound);
  EXPECT_TRUE(a.ok() && b.ok());
  if (!a.ok() || !b.ok()) return {};
  return {*a, *b};
}

uint64_t run_with(const exec::Executable& e, const void* key) { return e.run(reinterpret_cast<uint64_t>(key)); }

class BoundHashLookup : public ::testing::TestWithParam<uint32_t> {};  // key size

// Keys of 4, 8 and 16 bytes take lookups specialised to their size; others the
// generic one. Either way the bound call finds what the helper finds, and a
// key that differs only in its last byte is a different key.
TEST_P(BoundHashLookup, FindsWhatTheHelperFinds) {
  const uint32_t ks = GetParam();
  auto map = make_map(BPF_MAP_TYPE_HASH, ks, 8, 256);
  ASSERT_TRUE(map);
  std::vector<uint8_t> key(ks);
  for (uint32_t i = 0; i < 200; i++) {
    std::memset(key.data(), 0, ks);
    std::memcpy(key.data(), &i, std::min<uint32_t>(ks, 4));
    key[ks - 1] ^= 0x5a;
    const uint64_t v = i * 1000 + 7;
    ASSERT_EQ(map->update_elem(key.data(), &v, BPF_NOEXIST), 0);
  }
  size_t call_at = 0;
  const BothWays e = prepare(lookup_program(map.get(), ks, &call_at), map.get(), call_at);
  ASSERT_TRUE(e.helper && e.bound);
  for (uint32_t i = 0; i < 220; i++) {
    std::memset(key.data(), 0, ks);
    std::memcpy(key.data(), &i, std::min<uint32_t>(ks, 4));
    key[ks - 1] ^= 0x5a;
    const uint64_t want = i < 200 ? i * 1000 + 7 : ~uint64_t{0};
    EXPECT_EQ(run_with(*e.bound, key.data()), want) << "key " << i;
    EXPECT_EQ(run_with(*e.helper, key.data()), want) << "key " << i;
    key[ks - 1] ^= 0x01;  // only the last byte differs
    EXPECT_EQ(run_with(*e.bound, key.data()), ~uint64_t{0}) << "key " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(KeySizes, BoundHashLookup, ::testing::Values(4u, 8u, 16u, 5u, 12u, 13u, 24u),
                         [](const auto& info) { return "key" + std::to_string(info.param); });

TEST(BoundLookup, LruAndPercpuHashesStayTheirKind) {
  for (uint32_t type : {BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_PERCPU_HASH}) {
    auto map = make_map(type, 4, 8, 16);
    ASSERT_TRUE(map);
    const uint32_t k = 3;
    std::vector<uint64_t> values(type == BPF_MAP_TYPE_PERCPU_HASH ? possible_cpus() : 1);
    for (size_t c = 0; c < values.size(); c++) values[c] = 100 + c;
    ASSERT_EQ(map->sys_update(&k, values.data(), BPF_ANY), 0);
    size_t call_at = 0;
    const BothWays e = prepare(lookup_program(map.get(), 4, &call_at), map.get(), call_at);
    ASSERT_TRUE(e.bound);
    // Per-CPU: the value of the CPU slot this thread runs on.
    const uint64_t want = type == BPF_MAP_TYPE_PERCPU_HASH ? 100 + current_cpu() : 100;
    EXPECT_EQ(run_with(*e.bound, &k), want) << type;
    EXPECT_EQ(run_with(*e.helper, &k), want) << type;
  }
}

TEST(BoundLookup, ArraysAreInlinedWithTheirBoundsCheck) {
  for (uint32_t type : {BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY}) {
    auto map = make_map(type, 4, 8, 10);
    ASSERT_TRUE(map);
    const bool percpu = type == BPF_MAP_TYPE_PERCPU_ARRAY;
    for (uint32_t k = 0; k < 10; k++) {
      std::vector<uint64_t> values(percpu ? possible_cpus() : 1);
      for (size_t c = 0; c < values.size(); c++) values[c] = k * 10 + c;
      ASSERT_EQ(map->sys_update(&k, values.data(), BPF_ANY), 0);
    }
    size_t call_at = 0;
    const BothWays e = prepare(lookup_program(map.get(), 4, &call_at), map.get(), call_at);
    ASSERT_TRUE(e.bound);
    const uint64_t cpu = percpu ? current_cpu() : 0;
    for (uint32_t k : {0u, 4u, 9u}) {
      EXPECT_EQ(run_with(*e.bound, &k), k * 10 + cpu) << type << " index " << k;
      EXPECT_EQ(run_with(*e.helper, &k), k * 10 + cpu) << type << " index " << k;
    }
    for (uint32_t k : {10u, 0x80000000u, 0xffffffffu}) EXPECT_EQ(run_with(*e.bound, &k), ~uint64_t{0}) << k;
  }
}

// `r1 = map ll` then the call runs as one handler; a jump straight to the call
// (with r1 set elsewhere) still runs the call alone.
TEST(BoundLookup, JumpOntoTheCallAfterAMapLoad) {
  auto map = make_map(BPF_MAP_TYPE_HASH, 4, 8, 4);
  ASSERT_TRUE(map);
  const uint32_t k = 1;
  const uint64_t v = 77;
  ASSERT_EQ(map->update_elem(&k, &v, BPF_ANY), 0);
  const uint64_t m = reinterpret_cast<uint64_t>(map.get());
  Prog p = {mov64_reg(7, 1), st(BPF_W, 10, -4, 1), mov64_reg(2, 10), alu64_imm(BPF_ADD, 2, -4)};  // 0-3
  lddw(p, 1, m, BPF_PSEUDO_MAP_FD);                 // 4-5
  p.push_back(jmp_imm(BPF_JNE, 7, 0, 2));           // 6: r7 != 0: straight to the call
  lddw(p, 1, m, BPF_PSEUDO_MAP_FD);                 // 7-8, fused with the call
  p.push_back(call_helper(BPF_FUNC_map_lookup_elem));  // 9
  p.push_back(jmp_imm(BPF_JEQ, 0, 0, 2));           // 10
  p.push_back(ldx(BPF_DW, 0, 0, 0));                // 11
  p.push_back(exit_insn());                         // 12
  p.push_back(mov64_imm(0, -1));                    // 13
  p.push_back(exit_insn());                         // 14
  const BothWays e = prepare(p, map.get(), 9);
  ASSERT_TRUE(e.bound);
  EXPECT_EQ(e.bound->run(0), 77u);
  EXPECT_EQ(e.bound->run(1), 77u);
}

// `rX = rY; rX += imm` runs as one handler; a jump onto the add runs the add
// alone, on whatever rX holds.
TEST(FusedPairs, MoveThenAddAndAJumpOntoTheAdd) {
  const Prog p = {
      mov64_imm(3, 100),              // 0
      mov64_reg(2, 1),                // 1: r2 = r1 (the argument)
      jmp_imm(BPF_JEQ, 2, 7, 1),      // 2: r1 == 7: onto the add
      mov64_reg(2, 3),                // 3: r2 = r3   } one handler
      alu64_imm(BPF_ADD, 2, 5),       // 4: r2 += 5   }
      mov64_reg(0, 2),                // 5
      exit_insn(),                    // 6
  };
  ASSERT_FALSE(isa::validate_program(p, {}));
  auto e = test::prepare(p);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->run(7), 12u);   // jumped: 7 + 5
  EXPECT_EQ((*e)->run(8), 105u);  // fused: 100 + 5
  // The same register on both sides, and a negative immediate (stack pointers).
  const Prog same = {mov64_reg(1, 1), alu64_imm(BPF_ADD, 1, -3), mov64_reg(0, 1), exit_insn()};
  auto s = test::prepare(same);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->run(10), 7u);
}

}  // namespace
}  // namespace hostbpf
