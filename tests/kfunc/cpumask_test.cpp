// The bpf_cpumask library: every kfunc's semantics as a program sees them
// (including CPUs at or past nr_cpu_ids), reference counting and freeing after
// an RCU grace period, and its registration (BTF types, prototypes, flags per
// hook, the destructor).
#include "kfunc/cpumask.h"

#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <chrono>
#include <memory>
#include <set>
#include <thread>

#include "base/cpu.h"
#include "base/rcu.h"
#include "btf/host_types.h"
#include "hostbpf/hostbpf.h"
#include "runtime/state.h"

namespace hostbpf::kfunc {
namespace {

// Owns one reference; drops it at scope exit.
struct Mask {
  BpfCpumask* m = bpf_cpumask_create();
  ~Mask() {
    if (m) bpf_cpumask_release(m);
  }
  Cpumask* c() { return &m->cpumask; }
  BpfCpumask* operator->() { return m; }
  operator BpfCpumask*() { return m; }
};

const uint32_t N = cpumask_nr_cpu_ids();

// Every test ends with every mask freed.
class CpumaskLib : public ::testing::Test {
 protected:
  void TearDown() override {
    rcu::barrier();
    EXPECT_EQ(bpf_cpumask_live_count(), 0u);
  }
};

TEST_F(CpumaskLib, NrCpuIdsIsThePossibleCpuCount) {
  EXPECT_EQ(N, std::min(possible_cpus(), kNrCpus));
  EXPECT_EQ(sizeof(Cpumask) * 8, kNrCpus);
}

TEST_F(CpumaskLib, CreateGivesAnEmptyMaskWithOneReference) {
  Mask a;
  ASSERT_NE(a.m, nullptr);
  EXPECT_EQ(a->usage.load(), 1);
  EXPECT_TRUE(bpf_cpumask_empty(a.c()));
  EXPECT_EQ(bpf_cpumask_weight(a.c()), 0u);
  EXPECT_GE(bpf_cpumask_first(a.c()), N);
  EXPECT_EQ(bpf_cpumask_first_zero(a.c()), 0u);
  EXPECT_EQ(bpf_cpumask_live_count(), 1u);
}

TEST_F(CpumaskLib, SetClearAndTestOneCpu) {
  Mask a;
  bpf_cpumask_set_cpu(1, a);
  bpf_cpumask_set_cpu(N - 1, a);
  EXPECT_TRUE(bpf_cpumask_test_cpu(1, a.c()));
  EXPECT_TRUE(bpf_cpumask_test_cpu(N - 1, a.c()));
  EXPECT_FALSE(bpf_cpumask_test_cpu(0, a.c()));
  EXPECT_EQ(bpf_cpumask_first(a.c()), 1u);
  EXPECT_EQ(bpf_cpumask_weight(a.c()), 2u);
  bpf_cpumask_clear_cpu(1, a);
  EXPECT_FALSE(bpf_cpumask_test_cpu(1, a.c()));
  EXPECT_EQ(bpf_cpumask_first(a.c()), N - 1);
}

TEST_F(CpumaskLib, CpusAtOrPastNrCpuIdsAreInvalid) {
  Mask a;
  for (uint32_t cpu : {N, N + 1, kNrCpus - 1, kNrCpus, 0xffffffffu}) {
    if (cpu < N) continue;  // kNrCpus - 1 is valid when every slot is possible
    SCOPED_TRACE(cpu);
    bpf_cpumask_set_cpu(cpu, a);
    EXPECT_TRUE(bpf_cpumask_empty(a.c()));
    EXPECT_FALSE(bpf_cpumask_test_cpu(cpu, a.c()));
    EXPECT_FALSE(bpf_cpumask_test_and_set_cpu(cpu, a));
    EXPECT_TRUE(bpf_cpumask_empty(a.c()));
  }
  bpf_cpumask_setall(a);
  for (uint32_t cpu : {N, kNrCpus, 0xffffffffu}) {
    bpf_cpumask_clear_cpu(cpu, a);
    EXPECT_FALSE(bpf_cpumask_test_and_clear_cpu(cpu, a));
    EXPECT_FALSE(bpf_cpumask_test_cpu(cpu, a.c()));
  }
  EXPECT_TRUE(bpf_cpumask_full(a.c()));
  EXPECT_EQ(bpf_cpumask_weight(a.c()), N);
}

TEST_F(CpumaskLib, TestAndSetAndTestAndClearReturnThePreviousBit) {
  Mask a;
  EXPECT_FALSE(bpf_cpumask_test_and_set_cpu(3, a));
  EXPECT_TRUE(bpf_cpumask_test_and_set_cpu(3, a));
  EXPECT_TRUE(bpf_cpumask_test_cpu(3, a.c()));
  EXPECT_TRUE(bpf_cpumask_test_and_clear_cpu(3, a));
  EXPECT_FALSE(bpf_cpumask_test_and_clear_cpu(3, a));
  EXPECT_FALSE(bpf_cpumask_test_cpu(3, a.c()));
}

TEST_F(CpumaskLib, SetallSetsExactlyTheValidCpusAndClearEmpties) {
  Mask a;
  bpf_cpumask_setall(a);
  EXPECT_TRUE(bpf_cpumask_full(a.c()));
  EXPECT_FALSE(bpf_cpumask_empty(a.c()));
  EXPECT_EQ(bpf_cpumask_weight(a.c()), N);
  EXPECT_EQ(bpf_cpumask_first(a.c()), 0u);
  EXPECT_GE(bpf_cpumask_first_zero(a.c()), N);
  bpf_cpumask_clear_cpu(N - 1, a);
  EXPECT_FALSE(bpf_cpumask_full(a.c()));
  EXPECT_EQ(bpf_cpumask_first_zero(a.c()), N - 1);
  bpf_cpumask_clear(a);
  EXPECT_TRUE(bpf_cpumask_empty(a.c()));
  EXPECT_FALSE(bpf_cpumask_full(a.c()));
}

TEST_F(CpumaskLib, AndOrXorCombineMasks) {
  Mask a, b, d;
  bpf_cpumask_set_cpu(0, a);
  bpf_cpumask_set_cpu(1, a);
  bpf_cpumask_set_cpu(1, b);
  bpf_cpumask_set_cpu(2, b);

  EXPECT_TRUE(bpf_cpumask_and(d, a.c(), b.c()));
  EXPECT_EQ(bpf_cpumask_weight(d.c()), 1u);
  EXPECT_TRUE(bpf_cpumask_test_cpu(1, d.c()));

  bpf_cpumask_or(d, a.c(), b.c());
  EXPECT_EQ(bpf_cpumask_weight(d.c()), 3u);

  bpf_cpumask_xor(d, a.c(), b.c());
  EXPECT_EQ(bpf_cpumask_weight(d.c()), 2u);
  EXPECT_TRUE(bpf_cpumask_test_cpu(0, d.c()));
  EXPECT_TRUE(bpf_cpumask_test_cpu(2, d.c()));

  bpf_cpumask_clear_cpu(1, b);
  EXPECT_FALSE(bpf_cpumask_and(d, a.c(), b.c())) << "and returns whether the result has a CPU";
  EXPECT_TRUE(bpf_cpumask_empty(d.c()));
}

TEST_F(CpumaskLib, EqualIntersectsSubset) {
  Mask a, b;
  EXPECT_TRUE(bpf_cpumask_equal(a.c(), b.c()));
  EXPECT_FALSE(bpf_cpumask_intersects(a.c(), b.c()));
  EXPECT_TRUE(bpf_cpumask_subset(a.c(), b.c()));
  bpf_cpumask_set_cpu(5, a);
  EXPECT_FALSE(bpf_cpumask_equal(a.c(), b.c()));
  EXPECT_FALSE(bpf_cpumask_subset(a.c(), b.c()));
  EXPECT_TRUE(bpf_cpumask_subset(b.c(), a.c()));
  bpf_cpumask_set_cpu(5, b);
  bpf_cpumask_set_cpu(6, b);
  EXPECT_TRUE(bpf_cpumask_intersects(a.c(), b.c()));
  EXPECT_TRUE(bpf_cpumask_subset(a.c(), b.c()));
  EXPECT_FALSE(bpf_cpumask_subset(b.c(), a.c()));
  EXPECT_EQ(bpf_cpumask_first_and(a.c(), b.c()), 5u);
  bpf_cpumask_clear_cpu(5, b);
  EXPECT_GE(bpf_cpumask_first_and(a.c(), b.c()), N);
}

TEST_F(CpumaskLib, CopyReplacesTheDestination) {
  Mask a, b;
  bpf_cpumask_set_cpu(7, a);
  bpf_cpumask_set_cpu(9, b);
  bpf_cpumask_copy(b, a.c());
  EXPECT_TRUE(bpf_cpumask_equal(a.c(), b.c()));
  EXPECT_FALSE(bpf_cpumask_test_cpu(9, b.c()));
}

TEST_F(CpumaskLib, AnyDistributeSpreadsOverTheSetCpus) {
  Mask a, b;
  EXPECT_GE(bpf_cpumask_any_distribute(a.c()), N) << "empty mask";
  bpf_cpumask_set_cpu(2, a);
  bpf_cpumask_set_cpu(4, a);
  std::set<unsigned> seen;
  for (int i = 0; i < 4; i++) {
    unsigned cpu = bpf_cpumask_any_distribute(a.c());
    EXPECT_TRUE(cpu == 2 || cpu == 4) << cpu;
    seen.insert(cpu);
  }
  EXPECT_EQ(seen.size(), 2u) << "successive picks alternate";
  bpf_cpumask_set_cpu(4, b);
  for (int i = 0; i < 3; i++) EXPECT_EQ(bpf_cpumask_any_and_distribute(a.c(), b.c()), 4u);
  bpf_cpumask_clear(b);
  EXPECT_GE(bpf_cpumask_any_and_distribute(a.c(), b.c()), N);
}

TEST_F(CpumaskLib, AcquireAndReleaseCountReferences) {
  BpfCpumask* m = bpf_cpumask_create();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(bpf_cpumask_acquire(m), m);
  EXPECT_EQ(m->usage.load(), 2);
  bpf_cpumask_release(m);
  EXPECT_EQ(m->usage.load(), 1);
  rcu::barrier();
  EXPECT_EQ(bpf_cpumask_live_count(), 1u) << "one reference left: not freed";
  bpf_cpumask_release_dtor(m);  // what a map does with a stored kptr
  rcu::barrier();
  EXPECT_EQ(bpf_cpumask_live_count(), 0u);
}

TEST_F(CpumaskLib, LastReleaseFreesOnlyAfterReadersFinish) {
  BpfCpumask* m = bpf_cpumask_create();
  ASSERT_NE(m, nullptr);
  bpf_cpumask_set_cpu(0, m);
  {
    // A program that loaded the pointer from a map under RCU keeps reading it
    // after another thread dropped the last reference.
    rcu::ReadLock reader;
    std::thread([m] { bpf_cpumask_release(m); }).join();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(bpf_cpumask_live_count(), 1u);
    EXPECT_TRUE(bpf_cpumask_test_cpu(0, &m->cpumask));  // ASan: not freed yet
  }
  rcu::barrier();
  EXPECT_EQ(bpf_cpumask_live_count(), 0u);
}

TEST_F(CpumaskLib, ConcurrentTestAndSetGrantsEachCpuOnce) {
  Mask a;
  const uint32_t cpus = std::min<uint32_t>(N, 64);
  std::atomic<uint32_t> wins{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; t++)
    ts.emplace_back([&] {
      for (uint32_t c = 0; c < cpus; c++)
        if (!bpf_cpumask_test_and_set_cpu(c, a)) wins++;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(wins.load(), cpus);
  EXPECT_EQ(bpf_cpumask_weight(a.c()), cpus);
}

// Registration: what a Runtime's host BTF and kfunc registry hold, the
// library having gone in through the public Registrar like any host's.
struct Registered {
  Runtime rt;
  const Owner* host = &detail::Access::state(rt)->host;
  const KfuncRegistry& reg = detail::Access::state(rt)->kfuncs;
  uint32_t id(const char* name, uint32_t kind) {
    auto r = host->btf->find(name, kind);
    return r.ok() ? *r : 0;
  }
  // The C declaration of a FUNC as bpftool would print its prototype.
  std::string proto(const char* name) {
    const struct btf* raw = host->btf->raw();
    const struct btf_type* fn = btf__type_by_id(raw, id(name, BTF_KIND_FUNC));
    const struct btf_type* fp = btf__type_by_id(raw, fn->type);
    std::string out = type_name(fp->type) + " " + name + "(";
    const struct btf_param* p = btf_params(fp);
    for (int i = 0; i < btf_vlen(fp); i++)
      out += (i ? ", " : "") + type_name(p[i].type) + " " + btf__name_by_offset(raw, p[i].name_off);
    return out + ")";
  }
  std::string type_name(uint32_t t) {
    const struct btf* raw = host->btf->raw();
    if (t == 0) return "void";
    const struct btf_type* bt = btf__type_by_id(raw, t);
    std::string n = btf__name_by_offset(raw, bt->name_off);
    if (btf_is_ptr(bt)) return type_name(bt->type) + " *";
    if (btf_is_const(bt)) return "const " + type_name(bt->type);
    if (btf_is_struct(bt)) return "struct " + n;
    return n;
  }
};

TEST_F(CpumaskLib, BtfDescribesTheKernelsTypes) {
  Registered r;
  const struct btf* raw = r.host->btf->raw();
  const uint32_t cm = r.id("cpumask", BTF_KIND_STRUCT);
  const uint32_t bcm = r.id("bpf_cpumask", BTF_KIND_STRUCT);
  ASSERT_NE(cm, 0u);
  ASSERT_NE(bcm, 0u);
  EXPECT_EQ(btf__resolve_size(raw, cm), 512);
  EXPECT_EQ(btf__resolve_size(raw, bcm), 520);
  const struct btf_type* t = btf__type_by_id(raw, bcm);
  ASSERT_EQ(btf_vlen(t), 2);
  const struct btf_member* m = btf_members(t);
  EXPECT_STREQ(btf__name_by_offset(raw, m[0].name_off), "cpumask");
  EXPECT_EQ(btf_member_bit_offset(t, 0), 0u) << "the first-member rule needs the cpumask at offset 0";
  EXPECT_EQ(btf__resolve_type(raw, m[0].type), static_cast<int>(cm));
  EXPECT_STREQ(btf__name_by_offset(raw, m[1].name_off), "usage");
  EXPECT_EQ(btf_member_bit_offset(t, 1), 512u * 8);
  EXPECT_NE(r.id("refcount_t", BTF_KIND_TYPEDEF), 0u);
  EXPECT_NE(r.id("cpumask_t", BTF_KIND_TYPEDEF), 0u);
}

TEST_F(CpumaskLib, FuncsHaveTheKernelsPrototypes) {
  Registered r;
  EXPECT_EQ(r.proto("bpf_cpumask_create"), "struct bpf_cpumask * bpf_cpumask_create()");
  EXPECT_EQ(r.proto("bpf_cpumask_acquire"), "struct bpf_cpumask * bpf_cpumask_acquire(struct bpf_cpumask * cpumask)");
  EXPECT_EQ(r.proto("bpf_cpumask_release"), "void bpf_cpumask_release(struct bpf_cpumask * cpumask)");
  EXPECT_EQ(r.proto("bpf_cpumask_release_dtor"), "void bpf_cpumask_release_dtor(void * cpumask)");
  EXPECT_EQ(r.proto("bpf_cpumask_first"), "unsigned int bpf_cpumask_first(const struct cpumask * cpumask)");
  EXPECT_EQ(r.proto("bpf_cpumask_set_cpu"),
            "void bpf_cpumask_set_cpu(unsigned int cpu, struct bpf_cpumask * cpumask)");
  EXPECT_EQ(r.proto("bpf_cpumask_test_cpu"), "_Bool bpf_cpumask_test_cpu(unsigned int cpu, const struct cpumask * cpumask)");
  EXPECT_EQ(r.proto("bpf_cpumask_and"),
            "_Bool bpf_cpumask_and(struct bpf_cpumask * dst, const struct cpumask * src1, const struct cpumask * src2)");
  EXPECT_EQ(r.proto("bpf_cpumask_copy"), "void bpf_cpumask_copy(struct bpf_cpumask * dst, const struct cpumask * src)");
  EXPECT_EQ(r.proto("bpf_cpumask_weight"), "unsigned int bpf_cpumask_weight(const struct cpumask * cpumask)");
  EXPECT_EQ(r.proto("bpf_cpumask_first_and"),
            "unsigned int bpf_cpumask_first_and(const struct cpumask * src1, const struct cpumask * src2)");
}

TEST_F(CpumaskLib, RegisteredWithTheKernelsFlagsForTracingStructOpsAndSyscall) {
  Registered r;
  struct Expect {
    const char* name;
    uint32_t flags;
  };
  const Expect expect[] = {
      {"bpf_cpumask_create", KF_ACQUIRE | KF_RET_NULL},
      {"bpf_cpumask_acquire", KF_ACQUIRE | KF_TRUSTED_ARGS},
      {"bpf_cpumask_release", KF_RELEASE},
      {"bpf_cpumask_first", KF_RCU},
      {"bpf_cpumask_first_zero", KF_RCU},
      {"bpf_cpumask_first_and", KF_RCU},
      {"bpf_cpumask_set_cpu", KF_RCU},
      {"bpf_cpumask_clear_cpu", KF_RCU},
      {"bpf_cpumask_test_cpu", KF_RCU},
      {"bpf_cpumask_test_and_set_cpu", KF_RCU},
      {"bpf_cpumask_test_and_clear_cpu", KF_RCU},
      {"bpf_cpumask_setall", KF_RCU},
      {"bpf_cpumask_clear", KF_RCU},
      {"bpf_cpumask_and", KF_RCU},
      {"bpf_cpumask_or", KF_RCU},
      {"bpf_cpumask_xor", KF_RCU},
      {"bpf_cpumask_equal", KF_RCU},
      {"bpf_cpumask_intersects", KF_RCU},
      {"bpf_cpumask_subset", KF_RCU},
      {"bpf_cpumask_empty", KF_RCU},
      {"bpf_cpumask_full", KF_RCU},
      {"bpf_cpumask_copy", KF_RCU},
      {"bpf_cpumask_any_distribute", KF_RCU},
      {"bpf_cpumask_any_and_distribute", KF_RCU},
      {"bpf_cpumask_weight", KF_RCU},
  };
  for (const Expect& e : expect) {
    SCOPED_TRACE(e.name);
    const uint32_t id = r.id(e.name, BTF_KIND_FUNC);
    ASSERT_NE(id, 0u);
    for (ProgType pt : {ProgType::Tracing, ProgType::Lsm, ProgType::StructOps, ProgType::Syscall}) {
      auto meta = r.reg.lookup(r.host, id, {pt, 0, false, "p"});
      ASSERT_TRUE(meta.has_value()) << "prog type " << prog_type_name(pt);
      EXPECT_EQ(meta->flags, e.flags);
    }
    EXPECT_FALSE(r.reg.lookup(r.host, id, {ProgType::Xdp, 0, false, "p"}).has_value());
    EXPECT_NE(r.reg.address(r.host, id), nullptr);
  }
  const uint32_t dtor = r.id("bpf_cpumask_release_dtor", BTF_KIND_FUNC);
  EXPECT_FALSE(r.reg.lookup(r.host, dtor, {ProgType::Syscall, 0, false, "p"}).has_value())
      << "the destructor is not callable from programs";
  EXPECT_EQ(r.reg.address(r.host, dtor), reinterpret_cast<const void*>(&bpf_cpumask_release_dtor));
}

TEST_F(CpumaskLib, DestructorIsRegisteredForStructBpfCpumask) {
  Registered r;
  EXPECT_EQ(r.reg.find_dtor(r.host, r.id("bpf_cpumask", BTF_KIND_STRUCT)),
            r.id("bpf_cpumask_release_dtor", BTF_KIND_FUNC));
}

}  // namespace
}  // namespace hostbpf::kfunc
