// BPF_MAP_TYPE_PROG_ARRAY: ids resolved through the resolver, one program type
// per array, and targets kept alive until no program can still run them.
#include <map>
#include <string>
#include <vector>

#include "base/rcu.h"
#include "maps/prog_array.h"
#include "test_util.h"

namespace hostbpf::maps {
namespace {

using testing::make;
using testing::spec;
using testing::ReadSection;

class FakeProg : public TailCallTarget {
 public:
  FakeProg(ProgType type, uint32_t id) : id_(id), name_("prog" + std::to_string(id)) { compat_.prog_type = type; }
  FakeProg(ProgArrayOwner compat, uint32_t id) : compat_(compat), id_(id), name_("prog" + std::to_string(id)) {}
  const ProgArrayOwner& compat() const override { return compat_; }
  uint32_t prog_id() const override { return id_; }
  const std::string& prog_name() const override { return name_; }

 private:
  ProgArrayOwner compat_;
  uint32_t id_;
  std::string name_;
};

struct ProgArrayTest : ::testing::Test {
  void SetUp() override {
    map = make(spec(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4));
    array = static_cast<ProgArray*>(map.get());
    progs[10] = std::make_shared<FakeProg>(ProgType::Xdp, 10);
    progs[11] = std::make_shared<FakeProg>(ProgType::Xdp, 11);
    progs[20] = std::make_shared<FakeProg>(ProgType::SchedCls, 20);
    array->set_resolver([this](uint32_t id) -> std::shared_ptr<TailCallTarget> {
      auto it = progs.find(id);
      return it == progs.end() ? nullptr : it->second;
    });
  }
  std::shared_ptr<Map> map;
  ProgArray* array = nullptr;
  std::map<uint32_t, std::shared_ptr<TailCallTarget>> progs;
};

TEST_F(ProgArrayTest, StoresProgramsById) {
  uint32_t k = 1, id = 10, out = 0;
  EXPECT_EQ(map->sys_lookup(&k, &out), -ENOENT);
  ASSERT_EQ(map->sys_update(&k, &id, BPF_ANY), 0);
  EXPECT_EQ(map->sys_lookup(&k, &out), 0);
  EXPECT_EQ(out, 10u);
  EXPECT_EQ(array->get(1), progs[10].get());
  EXPECT_EQ(array->get(0), nullptr);
  EXPECT_EQ(array->get(4), nullptr);
  EXPECT_EQ(array->get(UINT32_MAX), nullptr);
  id = 11;
  ASSERT_EQ(map->sys_update(&k, &id, BPF_ANY), 0);
  EXPECT_EQ(array->get(1), progs[11].get());
}

TEST_F(ProgArrayTest, KernelErrorCodes) {
  uint32_t k = 0, id = 10;
  uint32_t unknown = 99;
  EXPECT_EQ(map->sys_update(&k, &unknown, BPF_ANY), -EINVAL);
  EXPECT_EQ(map->sys_update(&k, &id, BPF_NOEXIST), -EINVAL);
  EXPECT_EQ(map->sys_update(&k, &id, BPF_EXIST), -EINVAL);
  uint32_t big = 4;
  EXPECT_EQ(map->sys_update(&big, &id, BPF_ANY), -E2BIG);
  EXPECT_EQ(map->sys_delete(&big), -E2BIG);
  EXPECT_EQ(map->sys_delete(&k), -ENOENT);
  // Programs cannot look up or update a prog array.
  EXPECT_EQ(map->lookup_elem(&k), nullptr);
  EXPECT_EQ(map->update_elem(&k, &id, BPF_ANY), -EINVAL);
}

// bpf_prog_map_compatible compares the whole owner, not only the type; the
// first program that uses the array (compatible()) claims it as well as the
// first one stored.
TEST_F(ProgArrayTest, EveryPropertyOfTheOwnerIsCompared) {
  const ProgArrayOwner xdp{.prog_type = ProgType::Xdp, .expected_attach_type = BPF_XDP};
  EXPECT_FALSE(array->owner().has_value());
  ASSERT_TRUE(array->compatible(xdp));
  ASSERT_TRUE(array->owner().has_value());
  EXPECT_TRUE(*array->owner() == xdp);

  std::vector<ProgArrayOwner> others(5, xdp);
  others[0].expected_attach_type = BPF_XDP_DEVMAP;
  others[1].sleepable = true;
  others[2].xdp_has_frags = true;
  others[3].executor = 1;
  others[4].verified = false;
  uint32_t id = 100;
  for (const ProgArrayOwner& o : others) {
    ProgArrayOwner seen;
    EXPECT_FALSE(array->compatible(o, &seen)) << o.describe();
    EXPECT_TRUE(seen == xdp);
    Error err = array->store(1, std::make_shared<FakeProg>(o, id));
    EXPECT_EQ(err.code(), -EINVAL) << o.describe();
    EXPECT_NE(err.message().find("slot 1: prog 'prog" + std::to_string(id) + "' (id " + std::to_string(id) +
                                 ") is " + o.describe() + ", but the prog array's programs are xdp (attach type xdp)"),
              std::string::npos)
        << err.message();
    id++;
  }
  EXPECT_EQ(array->get(1), nullptr);
  EXPECT_FALSE(array->store(1, std::make_shared<FakeProg>(xdp, id)));
}

TEST_F(ProgArrayTest, FirstProgramFixesTheType) {
  uint32_t k = 0, xdp = 10, tc = 20;
  ASSERT_EQ(map->sys_update(&k, &xdp, BPF_ANY), 0);
  uint32_t k2 = 2;
  EXPECT_EQ(map->sys_update(&k2, &tc, BPF_ANY), -EINVAL);
  // Still fixed after the slot is emptied, as the kernel's owner type.
  ASSERT_EQ(map->sys_delete(&k), 0);
  EXPECT_EQ(map->sys_update(&k2, &tc, BPF_ANY), -EINVAL);
  EXPECT_EQ(array->set(3, progs[20]), -EINVAL);
  EXPECT_EQ(array->set(3, progs[11]), 0);
  EXPECT_EQ(array->set(4, progs[11]), -E2BIG);
}

TEST_F(ProgArrayTest, GetNextKeyIsArrayOrder) {
  uint32_t next = 9;
  EXPECT_EQ(map->get_next_key(nullptr, &next), 0);
  EXPECT_EQ(next, 0u);
  uint32_t k = 2;
  EXPECT_EQ(map->get_next_key(&k, &next), 0);
  EXPECT_EQ(next, 3u);
  k = 3;
  EXPECT_EQ(map->get_next_key(&k, &next), -ENOENT);
}

TEST_F(ProgArrayTest, RemovedTargetIsReleasedAfterGracePeriod) {
  std::weak_ptr<TailCallTarget> weak = progs[10];
  uint32_t k = 0, id = 10;
  ASSERT_EQ(map->sys_update(&k, &id, BPF_ANY), 0);
  progs.erase(10);
  EXPECT_FALSE(weak.expired());  // the array holds it
  // Removed from inside a read-side section: a program may still run it, so it
  // lives until the section ends and a grace period passes.
  {
    ReadSection rl;
    ASSERT_EQ(array->set(0, nullptr), 0);
    EXPECT_EQ(array->get(0), nullptr);
    EXPECT_FALSE(weak.expired());
  }
  rcu::barrier();
  EXPECT_TRUE(weak.expired());

  // From the syscall side the release happens before sys_delete returns.
  std::weak_ptr<TailCallTarget> weak11 = progs[11];
  uint32_t id11 = 11;
  ASSERT_EQ(map->sys_update(&k, &id11, BPF_ANY), 0);
  progs.erase(11);
  ASSERT_EQ(map->sys_delete(&k), 0);
  EXPECT_TRUE(weak11.expired());
}

// A program that keeps a map alive, as an executable keeps the maps it uses.
class ProgWithMap : public FakeProg {
 public:
  ProgWithMap(std::shared_ptr<Map> m) : FakeProg(ProgType::Xdp, 30), map_(std::move(m)) {}

 private:
  std::shared_ptr<Map> map_;
};

TEST_F(ProgArrayTest, LastMapReferenceDroppedOnRcuCallbackThread) {
  // The released program is the last owner of a hash map with elements still
  // waiting for their grace period; its teardown runs on liburcu's callback
  // thread and must neither hang nor leak.
  auto hash = make(spec(BPF_MAP_TYPE_HASH, 4, 4, 8));
  for (uint32_t k = 0; k < 8; k++) ASSERT_EQ(hash->update_elem(&k, &k, BPF_ANY), 0);
  for (uint32_t k = 0; k < 4; k++) ASSERT_EQ(hash->delete_elem(&k), 0);
  std::weak_ptr<Map> weak_map = hash;
  ASSERT_EQ(array->set(0, std::make_shared<ProgWithMap>(std::move(hash))), 0);
  {
    ReadSection rl;
    ASSERT_EQ(array->set(0, nullptr), 0);
  }
  rcu::barrier();  // would hang if the map's teardown waited for callbacks there
  EXPECT_TRUE(weak_map.expired());
}

TEST_F(ProgArrayTest, MapDestructionReleasesTargets) {
  std::weak_ptr<TailCallTarget> weak = progs[10];
  uint32_t k = 0, id = 10;
  ASSERT_EQ(map->sys_update(&k, &id, BPF_ANY), 0);
  progs.clear();
  map.reset();
  EXPECT_TRUE(weak.expired());
}

}  // namespace
}  // namespace hostbpf::maps
