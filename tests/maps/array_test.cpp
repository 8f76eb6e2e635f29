// BPF_MAP_TYPE_ARRAY and PERCPU_ARRAY: layout, flags and error codes of the kernel.
#include <cstring>
#include <thread>
#include <vector>

#include "base/cpu.h"
#include "base/rcu.h"
#include "maps/array_map.h"
#include "test_util.h"

namespace hostbpf::maps {
namespace {

using testing::make;
using testing::spec;
using testing::ReadSection;

TEST(ArrayMap, ZeroInitialisedAndUpdatable) {
  auto m = make(spec(BPF_MAP_TYPE_ARRAY, 4, 8, 4));
  ReadSection rl;
  for (uint32_t i = 0; i < 4; i++) {
    auto* v = static_cast<uint64_t*>(m->lookup_elem(&i));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, 0u);
  }
  uint32_t k = 2;
  uint64_t val = 0xdeadbeef;
  EXPECT_EQ(m->update_elem(&k, &val, BPF_ANY), 0);
  EXPECT_EQ(*static_cast<uint64_t*>(m->lookup_elem(&k)), 0xdeadbeefu);
  uint64_t out = 0;
  EXPECT_EQ(m->sys_lookup(&k, &out), 0);
  EXPECT_EQ(out, 0xdeadbeefu);
  // Program-side writes through the pointer are what the syscall side reads.
  *static_cast<uint64_t*>(m->lookup_elem(&k)) = 7;
  EXPECT_EQ(m->sys_lookup(&k, &out), 0);
  EXPECT_EQ(out, 7u);
}

TEST(ArrayMap, KernelErrorCodes) {
  auto m = make(spec(BPF_MAP_TYPE_ARRAY, 4, 4, 4));
  uint32_t k = 1, v = 5;
  EXPECT_EQ(m->update_elem(&k, &v, BPF_NOEXIST), -EEXIST);
  EXPECT_EQ(m->update_elem(&k, &v, BPF_EXIST), 0);
  EXPECT_EQ(m->update_elem(&k, &v, 3), -EINVAL);
  EXPECT_EQ(m->update_elem(&k, &v, BPF_F_LOCK), -EINVAL);
  EXPECT_EQ(m->delete_elem(&k), -EINVAL);
  EXPECT_EQ(m->sys_delete(&k), -EINVAL);
  uint32_t big = 4;
  EXPECT_EQ(m->update_elem(&big, &v, BPF_ANY), -E2BIG);
  EXPECT_EQ(m->sys_update(&big, &v, BPF_ANY), -E2BIG);
  // Flags are checked before the index, as in the kernel.
  EXPECT_EQ(m->update_elem(&big, &v, 7), -EINVAL);
  EXPECT_EQ(m->lookup_elem(&big), nullptr);
  EXPECT_EQ(m->sys_lookup(&big, &v), -ENOENT);
}

TEST(ArrayMap, ValuesAreEightByteStrided) {
  auto m = make(spec(BPF_MAP_TYPE_ARRAY, 4, 12, 3));
  uint32_t k0 = 0, k1 = 1;
  auto* a = static_cast<unsigned char*>(m->lookup_elem(&k0));
  auto* b = static_cast<unsigned char*>(m->lookup_elem(&k1));
  EXPECT_EQ(b - a, 16);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 8, 0u);
  EXPECT_EQ(m->sys_value_size(), 12u);
  unsigned char val[12];
  for (int i = 0; i < 12; i++) val[i] = static_cast<unsigned char>(0xa0 + i);
  EXPECT_EQ(m->update_elem(&k0, val, BPF_ANY), 0);
  EXPECT_EQ(std::memcmp(a, val, 12), 0);
  // The neighbour is untouched.
  for (int i = 0; i < 12; i++) EXPECT_EQ(b[i], 0);
}

TEST(ArrayMap, GetNextKey) {
  auto m = make(spec(BPF_MAP_TYPE_ARRAY, 4, 4, 3));
  uint32_t next = 99;
  EXPECT_EQ(m->get_next_key(nullptr, &next), 0);
  EXPECT_EQ(next, 0u);
  uint32_t k = 0;
  EXPECT_EQ(m->get_next_key(&k, &next), 0);
  EXPECT_EQ(next, 1u);
  k = 1;
  EXPECT_EQ(m->get_next_key(&k, &next), 0);
  EXPECT_EQ(next, 2u);
  k = 2;
  EXPECT_EQ(m->get_next_key(&k, &next), -ENOENT);
  k = 77;  // out of range restarts
  EXPECT_EQ(m->get_next_key(&k, &next), 0);
  EXPECT_EQ(next, 0u);
}

TEST(ArrayMap, DirectValueAddrForGlobalData) {
  auto data = make(spec(BPF_MAP_TYPE_ARRAY, 4, 24, 1, 0, "obj.data"));
  uint64_t addr = 0;
  ASSERT_EQ(data->direct_value_addr(8, &addr), 0);
  uint32_t k = 0;
  EXPECT_EQ(addr, reinterpret_cast<uint64_t>(data->lookup_elem(&k)) + 8);
  EXPECT_EQ(data->direct_value_addr(24, &addr), -EINVAL);
  auto two = make(spec(BPF_MAP_TYPE_ARRAY, 4, 24, 2));
  EXPECT_EQ(two->direct_value_addr(0, &addr), -EINVAL);
  auto pcpu = make(spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 24, 1));
  EXPECT_EQ(pcpu->direct_value_addr(0, &addr), -EINVAL);
  auto hash = make(spec(BPF_MAP_TYPE_HASH, 4, 4, 1));
  EXPECT_EQ(hash->direct_value_addr(0, &addr), -EINVAL);
}

TEST(PercpuArray, SyscallSideSeesEveryCpu) {
  auto m = make(spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2));
  const uint32_t ncpu = possible_cpus();
  EXPECT_EQ(m->sys_value_size(), size_t{ncpu} * 8);

  // Program side: this thread's slot only.
  const uint32_t cpu = current_cpu();
  ASSERT_NE(cpu, kNoCpu);
  uint32_t k = 1, v = 42;
  EXPECT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
  EXPECT_EQ(*static_cast<uint32_t*>(m->lookup_elem(&k)), 42u);

  std::vector<uint64_t> all(ncpu, 0xff);
  ASSERT_EQ(m->sys_lookup(&k, all.data()), 0);
  for (uint32_t c = 0; c < ncpu; c++) EXPECT_EQ(all[c], c == cpu ? 42u : 0u) << "cpu " << c;

  // Another thread (another CPU slot) sees and writes its own copy.
  std::thread([&] {
    ReadSection rl;
    EXPECT_EQ(*static_cast<uint32_t*>(m->lookup_elem(&k)), 0u);
    uint32_t v2 = 7;
    EXPECT_EQ(m->update_elem(&k, &v2, BPF_ANY), 0);
  }).join();
  ASSERT_EQ(m->sys_lookup(&k, all.data()), 0);
  uint64_t sum = 0;
  for (uint64_t x : all) sum += x;
  EXPECT_EQ(sum, 49u);

  // Syscall update writes every CPU's copy.
  for (uint32_t c = 0; c < ncpu; c++) all[c] = 1000 + c;
  ASSERT_EQ(m->sys_update(&k, all.data(), BPF_ANY), 0);
  EXPECT_EQ(*static_cast<uint32_t*>(m->lookup_elem(&k)), 1000u + cpu);
  EXPECT_EQ(m->sys_update(&k, all.data(), BPF_NOEXIST), -EEXIST);
  uint32_t big = 2;
  EXPECT_EQ(m->sys_update(&big, all.data(), BPF_ANY), -E2BIG);
  EXPECT_EQ(m->sys_lookup(&big, all.data()), -ENOENT);
  EXPECT_EQ(m->delete_elem(&k), -EINVAL);
}

TEST(PercpuArray, OddValueSizeIsPaddedPerCpu) {
  auto m = make(spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 3, 1));
  const uint32_t ncpu = possible_cpus();
  EXPECT_EQ(m->sys_value_size(), size_t{ncpu} * 8);
  std::vector<unsigned char> in(ncpu * 8, 0);
  for (uint32_t c = 0; c < ncpu; c++) in[c * 8] = static_cast<unsigned char>(c + 1);
  uint32_t k = 0;
  ASSERT_EQ(m->sys_update(&k, in.data(), BPF_ANY), 0);
  std::vector<unsigned char> out(ncpu * 8, 0xee);
  ASSERT_EQ(m->sys_lookup(&k, out.data()), 0);
  EXPECT_EQ(in, out);
}

}  // namespace
}  // namespace hostbpf::maps
