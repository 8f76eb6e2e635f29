// create_map validates specs as BPF_MAP_CREATE does: same errno, and a message
// that names the map and the problem.
#include <unistd.h>

#include "maps/map.h"
#include "maps/map_util.h"
#include "test_util.h"

namespace hostbpf::maps {
namespace {

using testing::create_error;
using testing::spec;

constexpr int kENOTSUPP = detail::kENOTSUPP;

TEST(CreateMap, UnsupportedTypeNamesMapAndType) {
  auto r = create_map(spec(BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096, 0, "events"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), -EINVAL);
  EXPECT_EQ(r.error().message(), "map 'events': unsupported map type 31 (BPF_MAP_TYPE_USER_RINGBUF)");
  EXPECT_EQ(create_error(spec(12345, 4, 4, 1)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_UNSPEC, 4, 4, 1)), -EINVAL);
}

TEST(CreateMap, TypeNames) {
  EXPECT_STREQ(map_type_name(BPF_MAP_TYPE_HASH), "hash");
  EXPECT_STREQ(map_type_name(BPF_MAP_TYPE_ARRAY), "array");
  EXPECT_STREQ(map_type_name(BPF_MAP_TYPE_PERCPU_ARRAY), "percpu_array");
  EXPECT_STREQ(map_type_name(BPF_MAP_TYPE_LRU_PERCPU_HASH), "lru_percpu_hash");
  EXPECT_STREQ(map_type_name(BPF_MAP_TYPE_RINGBUF), "ringbuf");
  EXPECT_STREQ(map_type_name(33), "arena");
  EXPECT_EQ(map_type_name(1000), nullptr);
}

TEST(CreateMap, AccessFlagsExclusive) {
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY | BPF_F_WRONLY)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_HASH, 4, 4, 1, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY_PROG)), 0);
}

TEST(CreateMap, ArrayChecks) {
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_ARRAY, 4, 4, 0)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_ARRAY, 8, 4, 1)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_ARRAY, 4, 0, 1)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_NO_PREALLOC)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_PRESERVE_ELEMS)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_MMAPABLE | BPF_F_INNER_MAP)), 0);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, BPF_F_MMAPABLE)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, BPF_F_NUMA_NODE)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_ARRAY, 4, 0x80000000u, 1)), -E2BIG);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32768, 1)), 0);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 32769, 1)), -E2BIG);
}

TEST(CreateMap, MessagesNameTheProblem) {
  auto r = create_map(spec(BPF_MAP_TYPE_HASH, 0, 8, 16, 0, "flows"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "map 'flows': key_size must be nonzero");
  r = create_map(spec(BPF_MAP_TYPE_ARRAY, 8, 8, 16, 0, "counters"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "map 'counters': key_size 8 is invalid for array (must be 4)");
  r = create_map(spec(BPF_MAP_TYPE_ARRAY, 4, 0x80000000u, 1, 0, "big"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "map 'big': value_size 2147483648 is too large");
  r = create_map(spec(BPF_MAP_TYPE_HASH, 4, 4, 16, BPF_F_MMAPABLE, "h"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "map 'h': map_flags 0x400 not allowed for hash (unsupported: 0x400)");
}

TEST(CreateMap, HashChecks) {
  for (uint32_t type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_HASH,
                        BPF_MAP_TYPE_LRU_PERCPU_HASH}) {
    SCOPED_TRACE(map_type_name(type));
    EXPECT_EQ(create_error(spec(type, 4, 4, 0)), -EINVAL);
    EXPECT_EQ(create_error(spec(type, 0, 4, 1)), -EINVAL);
    EXPECT_EQ(create_error(spec(type, 4, 0, 1)), -EINVAL);
    EXPECT_EQ(create_error(spec(type, 4, 4, 1, BPF_F_MMAPABLE)), -EINVAL);
    EXPECT_EQ(create_error(spec(type, 4, 4, 1, BPF_F_ZERO_SEED)), 0);
    EXPECT_EQ(create_error(spec(type, 4, 4, (1u << 27) + 1)), -E2BIG);
  }
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_HASH, 1 << 21, 1 << 21, 1)), -E2BIG);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PERCPU_HASH, 4, 32769, 1)), -E2BIG);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_HASH, 4, 4, 1, BPF_F_NO_COMMON_LRU)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_LRU_HASH, 4, 4, 1, BPF_F_NO_COMMON_LRU)), 0);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_LRU_HASH, 4, 4, 1, BPF_F_NO_PREALLOC)), -kENOTSUPP);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_HASH, 4, 4, 1, BPF_F_NO_PREALLOC)), 0);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 1, BPF_F_NUMA_NODE)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_HASH, 4, 4, 1, BPF_F_NUMA_NODE)), 0);
}

TEST(CreateMap, RingbufChecks) {
  const uint32_t page = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, page)), 0);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, 4 * page)), 0);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_RINGBUF, 4, 0, page)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_RINGBUF, 0, 4, page)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, 3 * page)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, page / 2)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, 0)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, page, BPF_F_NO_PREALLOC)), -EINVAL);
}

TEST(CreateMap, ProgArrayChecks) {
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 8)), 0);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 8)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PROG_ARRAY, 8, 4, 8)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 0)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 8, BPF_F_RDONLY_PROG)), -EINVAL);
  EXPECT_EQ(create_error(spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 8, BPF_F_MMAPABLE)), -EINVAL);
}

}  // namespace
}  // namespace hostbpf::maps
