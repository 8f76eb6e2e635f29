// Hash maps (plain, per-CPU, LRU): kernel error codes, fullness, iteration,
// pointer lifetime under RCU and LRU eviction.
#include <algorithm>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "base/cpu.h"
#include "base/rcu.h"
#include "maps/hash_map.h"
#include "test_util.h"

namespace hostbpf::maps {
namespace {

using testing::make;
using testing::spec;
using testing::ReadSection;

uint32_t count_of(const std::shared_ptr<Map>& m) { return static_cast<HashMap&>(*m).count(); }

std::vector<uint64_t> all_keys(Map& m) {
  std::vector<uint64_t> keys;
  uint64_t k = 0, next = 0;
  for (const void* cur = nullptr; m.get_next_key(cur, &next) == 0; cur = &k) {
    keys.push_back(next);
    k = next;
    if (keys.size() > 100000) break;  // a cycle would be a bug
  }
  return keys;
}

class HashMapTest : public ::testing::TestWithParam<uint32_t> {};  // map_flags

TEST_P(HashMapTest, UpdateFlagsAndErrors) {
  auto m = make(spec(BPF_MAP_TYPE_HASH, 8, 8, 4, GetParam()));
  uint64_t k = 1, v = 10, out = 0;
  EXPECT_EQ(m->sys_lookup(&k, &out), -ENOENT);
  EXPECT_EQ(m->update_elem(&k, &v, BPF_EXIST), -ENOENT);
  EXPECT_EQ(m->update_elem(&k, &v, BPF_NOEXIST), 0);
  EXPECT_EQ(m->update_elem(&k, &v, BPF_NOEXIST), -EEXIST);
  v = 11;
  EXPECT_EQ(m->update_elem(&k, &v, BPF_EXIST), 0);
  EXPECT_EQ(m->sys_lookup(&k, &out), 0);
  EXPECT_EQ(out, 11u);
  v = 12;
  EXPECT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
  EXPECT_EQ(m->sys_lookup(&k, &out), 0);
  EXPECT_EQ(out, 12u);
  EXPECT_EQ(m->update_elem(&k, &v, 3), -EINVAL);
  EXPECT_EQ(m->update_elem(&k, &v, BPF_F_LOCK), -EINVAL);
  EXPECT_EQ(m->delete_elem(&k), 0);
  EXPECT_EQ(m->delete_elem(&k), -ENOENT);
  EXPECT_EQ(m->sys_delete(&k), -ENOENT);
  EXPECT_EQ(count_of(m), 0u);
  ReadSection rl;
  EXPECT_EQ(m->lookup_elem(&k), nullptr);
}

TEST_P(HashMapTest, FullMapRejectsNewKeysOnly) {
  auto m = make(spec(BPF_MAP_TYPE_HASH, 4, 4, 3, GetParam()));
  for (uint32_t k = 0; k < 3; k++) ASSERT_EQ(m->update_elem(&k, &k, BPF_ANY), 0);
  uint32_t k = 3, v = 0;
  EXPECT_EQ(m->update_elem(&k, &v, BPF_ANY), -E2BIG);
  EXPECT_EQ(m->update_elem(&k, &v, BPF_NOEXIST), -E2BIG);
  // The flags check comes first: a missing key with BPF_EXIST is -ENOENT.
  EXPECT_EQ(m->update_elem(&k, &v, BPF_EXIST), -ENOENT);
  // Replacing an existing key in a full map works.
  uint32_t k1 = 1, v1 = 100;
  EXPECT_EQ(m->update_elem(&k1, &v1, BPF_ANY), 0);
  EXPECT_EQ(count_of(m), 3u);
  // After a delete, a new key fits, repeatedly (elements are recycled).
  for (uint32_t round = 0; round < 200; round++) {
    uint32_t del = round % 2 == 0 ? 0 : 3;
    uint32_t add = round % 2 == 0 ? 3 : 0;
    ASSERT_EQ(m->delete_elem(&del), 0) << round;
    ASSERT_EQ(m->update_elem(&add, &round, BPF_NOEXIST), 0) << round;
  }
  EXPECT_EQ(count_of(m), 3u);
}

TEST_P(HashMapTest, IterationVisitsEveryKeyOnce) {
  auto m = make(spec(BPF_MAP_TYPE_HASH, 8, 4, 100, GetParam()));
  std::set<uint64_t> want;
  for (uint64_t k = 1000; k < 1100; k++) {
    uint32_t v = static_cast<uint32_t>(k);
    ASSERT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
    want.insert(k);
  }
  auto keys = all_keys(*m);
  EXPECT_EQ(keys.size(), 100u);
  EXPECT_EQ(std::set<uint64_t>(keys.begin(), keys.end()), want);

  // A key that is not in the map restarts from the first key.
  uint64_t first = 0, next = 0, missing = 5;
  ASSERT_EQ(m->get_next_key(nullptr, &first), 0);
  ASSERT_EQ(m->get_next_key(&missing, &next), 0);
  EXPECT_EQ(next, first);
  EXPECT_EQ(first, keys[0]);

  // The usual "delete while iterating" loop empties the map.
  uint64_t cur;
  while (m->get_next_key(nullptr, &cur) == 0) ASSERT_EQ(m->delete_elem(&cur), 0);
  EXPECT_EQ(count_of(m), 0u);
  EXPECT_EQ(m->get_next_key(nullptr, &cur), -ENOENT);
}

TEST_P(HashMapTest, LookupPointerOutlivesDeleteUntilReadSectionEnds) {
  auto m = make(spec(BPF_MAP_TYPE_HASH, 4, 8, 2, GetParam()));
  uint32_t k = 7;
  uint64_t v = 0x1111;
  ASSERT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
  ReadSection rl;
  auto* p = static_cast<uint64_t*>(m->lookup_elem(&k));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u);
  ASSERT_EQ(m->delete_elem(&k), 0);
  // Churn: none of it may reuse the deleted element while we hold the pointer.
  for (uint32_t i = 0; i < 500; i++) {
    uint32_t other = 100 + i % 2;
    uint64_t junk = ~uint64_t{0};
    ASSERT_EQ(m->update_elem(&other, &junk, BPF_ANY), 0);
    ASSERT_EQ(m->delete_elem(&other), 0);
  }
  EXPECT_EQ(*p, 0x1111u);
  EXPECT_EQ(m->lookup_elem(&k), nullptr);
}

// A value of more than one word is replaced whole: a new element, so readers
// see the old value or the new one, never a mix.
TEST_P(HashMapTest, UpdateReplacesElement) {
  struct Wide {
    uint64_t a, b;
  };
  auto m = make(spec(BPF_MAP_TYPE_HASH, 4, sizeof(Wide), 2, GetParam()));
  uint32_t k = 1;
  Wide v{1, 1};
  ASSERT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
  ReadSection rl;
  auto* old_ptr = static_cast<Wide*>(m->lookup_elem(&k));
  v = {2, 2};
  ASSERT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
  auto* new_ptr = static_cast<Wide*>(m->lookup_elem(&k));
  EXPECT_NE(old_ptr, new_ptr);
  EXPECT_EQ(old_ptr->a, 1u);  // a program holding the old value still reads it
  EXPECT_EQ(old_ptr->b, 1u);
  EXPECT_EQ(new_ptr->a, 2u);
  EXPECT_EQ(new_ptr->b, 2u);
}

// A one-word value of a preallocated map is replaced by one atomic store into
// the element it has: no element from the pool, none waiting out a grace
// period, however many updates a read-side section makes. Without
// preallocation the element is replaced, as above.
TEST_P(HashMapTest, WordValueOfPreallocatedMapUpdatesInPlace) {
  const bool prealloc = GetParam() == 0;
  for (uint32_t value_size : {1u, 4u, 8u}) {
    auto m = make(spec(BPF_MAP_TYPE_HASH, 4, value_size, 2, GetParam()));
    uint32_t k = 1;
    uint64_t v = 1;
    ASSERT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
    ReadSection rl;
    auto* first = static_cast<uint8_t*>(m->lookup_elem(&k));
    for (uint64_t i = 2; i < 5000; i++) {
      v = i;
      ASSERT_EQ(m->update_elem(&k, &v, i % 2 ? BPF_EXIST : BPF_ANY), 0);
    }
    auto* last = static_cast<uint8_t*>(m->lookup_elem(&k));
    EXPECT_EQ(last == first, prealloc) << value_size;
    uint64_t out = 0;
    std::memcpy(&out, last, value_size);
    EXPECT_EQ(out, 4999u & (value_size == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * value_size)) - 1)) << value_size;
    EXPECT_EQ(count_of(m), 1u);
    EXPECT_EQ(m->update_elem(&k, &v, BPF_NOEXIST), -EEXIST);
  }
}

TEST_P(HashMapTest, OddKeyAndValueSizes) {
  auto m = make(spec(BPF_MAP_TYPE_HASH, 13, 3, 64, GetParam()));
  for (int i = 0; i < 64; i++) {
    unsigned char key[13] = {};
    std::memset(key, i, sizeof(key));
    unsigned char val[3] = {static_cast<unsigned char>(i), 1, 2};
    ASSERT_EQ(m->update_elem(key, val, BPF_NOEXIST), 0);
  }
  for (int i = 0; i < 64; i++) {
    unsigned char key[13];
    std::memset(key, i, sizeof(key));
    unsigned char val[3] = {};
    ASSERT_EQ(m->sys_lookup(key, val), 0);
    EXPECT_EQ(val[0], i);
    EXPECT_EQ(val[2], 2);
  }
  unsigned char key[13] = {};
  key[12] = 0x80;  // differs only in the last byte
  unsigned char val[3];
  EXPECT_EQ(m->sys_lookup(key, val), -ENOENT);
}

TEST_P(HashMapTest, IterationOrderIsBucketOrderAndStable) {
  // With BPF_F_ZERO_SEED the hash is fixed, so two maps with the same keys
  // iterate alike; the order is that of the buckets, not of insertion.
  auto a = make(spec(BPF_MAP_TYPE_HASH, 8, 8, 64, GetParam() | BPF_F_ZERO_SEED));
  auto b = make(spec(BPF_MAP_TYPE_HASH, 8, 8, 64, GetParam() | BPF_F_ZERO_SEED));
  for (uint64_t k = 0; k < 64; k++) {
    const uint64_t rk = 63 - k;
    ASSERT_EQ(a->update_elem(&k, &k, BPF_ANY), 0);
    ASSERT_EQ(b->update_elem(&rk, &rk, BPF_ANY), 0);
  }
  auto first = all_keys(*a);
  EXPECT_EQ(all_keys(*a), first);
  EXPECT_EQ(first.size(), 64u);
  std::vector<uint64_t> sorted_a = first, sorted_b = all_keys(*b);
  std::sort(sorted_a.begin(), sorted_a.end());
  std::sort(sorted_b.begin(), sorted_b.end());
  EXPECT_EQ(sorted_a, sorted_b);
  EXPECT_NE(first, sorted_a);  // not insertion (= sorted) order
}

INSTANTIATE_TEST_SUITE_P(Prealloc, HashMapTest, ::testing::Values(0u, uint32_t{BPF_F_NO_PREALLOC}),
                         [](const auto& info) { return info.param ? "NoPrealloc" : "Prealloc"; });

TEST(PercpuHash, ProgramSideIsThisCpuSyscallSideIsAll) {
  auto m = make(spec(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 8));
  const uint32_t ncpu = possible_cpus();
  const uint32_t cpu = current_cpu();
  EXPECT_EQ(m->sys_value_size(), size_t{ncpu} * 8);
  uint32_t k = 5, v = 77;
  ASSERT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
  std::vector<uint64_t> all(ncpu, 0xff);
  ASSERT_EQ(m->sys_lookup(&k, all.data()), 0);
  for (uint32_t c = 0; c < ncpu; c++) EXPECT_EQ(all[c], c == cpu ? 77u : 0u);

  // Existing elements are updated in place.
  ReadSection rl;
  auto* p = static_cast<uint32_t*>(m->lookup_elem(&k));
  ASSERT_NE(p, nullptr);
  for (uint32_t c = 0; c < ncpu; c++) all[c] = c;
  ASSERT_EQ(m->sys_update(&k, all.data(), BPF_EXIST), 0);
  EXPECT_EQ(m->lookup_elem(&k), p);
  EXPECT_EQ(*p, cpu);
  EXPECT_EQ(m->sys_update(&k, all.data(), BPF_NOEXIST), -EEXIST);
  uint32_t k2 = 6;
  EXPECT_EQ(m->sys_update(&k2, all.data(), BPF_EXIST), -ENOENT);
  ASSERT_EQ(m->sys_update(&k2, all.data(), BPF_NOEXIST), 0);
  std::vector<uint64_t> back(ncpu);
  ASSERT_EQ(m->sys_lookup(&k2, back.data()), 0);
  EXPECT_EQ(back, all);
}

TEST(LruHash, InsertIntoFullMapEvictsLeastRecentlyUsed) {
  auto m = make(spec(BPF_MAP_TYPE_LRU_HASH, 4, 4, 4));
  for (uint32_t k = 1; k <= 4; k++) ASSERT_EQ(m->update_elem(&k, &k, BPF_ANY), 0);
  {
    ReadSection rl;
    uint32_t k1 = 1;
    ASSERT_NE(m->lookup_elem(&k1), nullptr);  // program-side lookup: k1 is recently used
  }
  uint32_t k5 = 5;
  ASSERT_EQ(m->update_elem(&k5, &k5, BPF_NOEXIST), 0);
  EXPECT_EQ(count_of(m), 4u);
  uint32_t out;
  for (uint32_t k : {1u, 3u, 4u, 5u}) EXPECT_EQ(m->sys_lookup(&k, &out), 0) << k;
  uint32_t k2 = 2;
  EXPECT_EQ(m->sys_lookup(&k2, &out), -ENOENT);  // the coldest one went
  // Flags keep their meaning.
  EXPECT_EQ(m->update_elem(&k5, &k5, BPF_NOEXIST), -EEXIST);
  uint32_t k9 = 9;
  EXPECT_EQ(m->update_elem(&k9, &k9, BPF_EXIST), -ENOENT);
  EXPECT_EQ(m->delete_elem(&k5), 0);
  EXPECT_EQ(count_of(m), 3u);
}

// An update of an existing key (in place for one-word values) counts as a use.
TEST(LruHash, UpdatingAKeyKeepsItFromEviction) {
  for (uint32_t value_size : {4u, 16u}) {
    auto m = make(spec(BPF_MAP_TYPE_LRU_HASH, 4, value_size, 4));
    uint8_t v[16] = {};
    for (uint32_t k = 1; k <= 4; k++) ASSERT_EQ(m->update_elem(&k, v, BPF_ANY), 0);
    uint32_t k1 = 1;
    v[0] = 42;
    ASSERT_EQ(m->update_elem(&k1, v, BPF_EXIST), 0);
    uint32_t k5 = 5;
    ASSERT_EQ(m->update_elem(&k5, v, BPF_NOEXIST), 0);
    uint8_t out[16] = {};
    ASSERT_EQ(m->sys_lookup(&k1, out), 0) << value_size;
    EXPECT_EQ(out[0], 42) << value_size;
    uint32_t k2 = 2;
    EXPECT_EQ(m->sys_lookup(&k2, out), -ENOENT) << value_size;
    EXPECT_EQ(count_of(m), 4u);
  }
}

TEST(LruHash, ManyInsertsKeepTheNewestAndHotKeys) {
  auto m = make(spec(BPF_MAP_TYPE_LRU_HASH, 8, 8, 100));
  const uint64_t hot = 1u << 20;
  ASSERT_EQ(m->update_elem(&hot, &hot, BPF_ANY), 0);
  for (uint64_t k = 0; k < 5000; k++) {
    ASSERT_EQ(m->update_elem(&k, &k, BPF_ANY), 0);
    ReadSection rl;
    ASSERT_NE(m->lookup_elem(&hot), nullptr) << k;  // touched all the time: never evicted
  }
  EXPECT_EQ(count_of(m), 100u);
  uint64_t out;
  for (uint64_t k = 4950; k < 5000; k++) EXPECT_EQ(m->sys_lookup(&k, &out), 0) << k;
  EXPECT_EQ(all_keys(*m).size(), 100u);
}

TEST(LruPercpuHash, EvictsAndKeepsPerCpuValues) {
  auto m = make(spec(BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 2));
  const uint32_t ncpu = possible_cpus();
  std::vector<uint64_t> vals(ncpu, 3);
  for (uint32_t k = 0; k < 10; k++) ASSERT_EQ(m->sys_update(&k, vals.data(), BPF_ANY), 0);
  EXPECT_EQ(count_of(m), 2u);
  std::vector<uint64_t> out(ncpu);
  uint32_t k = 9;
  ASSERT_EQ(m->sys_lookup(&k, out.data()), 0);
  EXPECT_EQ(out, vals);
}

}  // namespace
}  // namespace hostbpf::maps
