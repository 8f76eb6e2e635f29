#include "kfunc/cpumask.h"

#include <linux/bpf.h>

#include <algorithm>
#include <bit>
#include <new>

#include "base/cpu.h"
#include "base/rcu.h"

namespace hostbpf::kfunc {

namespace {

constexpr uint32_t kBitsPerLong = 8 * sizeof(unsigned long);
constexpr uint32_t kLongs = kNrCpus / kBitsPerLong;

std::atomic<uint64_t> g_live{0};

// The searches' and whole-mask operations' range: whole words, then the
// first `tail` bits of the last one.
struct Range {
  uint32_t nbits;
  uint32_t full_words;
  unsigned long tail_mask;  // 0 when nbits is a multiple of the word size
};

Range range() {
  static const Range r = [] {
    const uint32_t n = cpumask_nr_cpu_ids();
    const uint32_t rem = n % kBitsPerLong;
    return Range{n, n / kBitsPerLong, rem ? (1UL << rem) - 1 : 0};
  }();
  return r;
}

bool cpu_valid(unsigned int cpu) { return cpu < range().nbits; }

unsigned long& word(Cpumask* m, unsigned int cpu) { return m->bits[cpu / kBitsPerLong]; }
unsigned long word(const Cpumask* m, unsigned int cpu) { return m->bits[cpu / kBitsPerLong]; }
unsigned long bit(unsigned int cpu) { return 1UL << (cpu % kBitsPerLong); }

// Applies `fn(i, mask)` to every word in range, mask selecting its valid bits.
template <class Fn>
void for_each_word(Fn fn) {
  const Range r = range();
  for (uint32_t i = 0; i < r.full_words; i++) fn(i, ~0UL);
  if (r.tail_mask) fn(r.full_words, r.tail_mask);
}

// The first CPU at or after `start` whose bit in `get(i)` is set, else nbits
// (find_next_bit over nr_cpu_ids bits).
template <class Get>
unsigned int find_next(unsigned int start, Get get) {
  const Range r = range();
  if (start >= r.nbits) return r.nbits;
  uint32_t i = start / kBitsPerLong;
  unsigned long w = get(i) & (~0UL << (start % kBitsPerLong));
  const uint32_t words = r.full_words + (r.tail_mask ? 1 : 0);
  while (true) {
    if (i == r.full_words) w &= r.tail_mask;  // only when i is the partial last word
    if (w) return std::min(r.nbits, i * kBitsPerLong + static_cast<unsigned>(std::countr_zero(w)));
    if (++i >= words) return r.nbits;
    w = get(i);
  }
}

// find_next_bit_wrap: from `start` to the end, then from 0.
template <class Get>
unsigned int find_next_wrap(unsigned int start, Get get) {
  const unsigned int n = range().nbits;
  const unsigned int hit = find_next(start, get);
  if (hit < n || start == 0) return hit;
  const unsigned int again = find_next(0, get);
  return again < start ? again : n;
}

// cpumask_any_distribute's per-CPU "last pick"; a thread is our CPU.
constinit thread_local unsigned int tls_distribute_prev = 0;

template <class Get>
unsigned int distribute(Get get) {
  const unsigned int next = find_next_wrap(tls_distribute_prev + 1, get);
  if (next < range().nbits) tls_distribute_prev = next;
  return next;
}

void free_after_grace_period(struct rcu_head* head) {
  BpfCpumask* m = caa_container_of(head, BpfCpumask, rcu);
  rcu::tsan::take(m);
  delete m;
  g_live.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

uint32_t cpumask_nr_cpu_ids() {
  static const uint32_t n = std::min(possible_cpus(), kNrCpus);
  return n;
}

uint64_t bpf_cpumask_live_count() { return g_live.load(std::memory_order_relaxed); }

BpfCpumask* bpf_cpumask_create() {
  auto* m = new (std::nothrow) BpfCpumask;
  if (!m) return nullptr;
  std::fill(std::begin(m->cpumask.bits), std::end(m->cpumask.bits), 0UL);
  m->usage.store(1, std::memory_order_relaxed);
  g_live.fetch_add(1, std::memory_order_relaxed);
  return m;
}

BpfCpumask* bpf_cpumask_acquire(BpfCpumask* cpumask) {
  cpumask->usage.fetch_add(1, std::memory_order_relaxed);
  return cpumask;
}

void bpf_cpumask_release(BpfCpumask* cpumask) {
  // acq_rel: every write made through other references happens before the
  // free, as refcount_dec_and_test orders them.
  if (cpumask->usage.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  rcu::tsan::handoff(cpumask);
  rcu::call(&cpumask->rcu, free_after_grace_period);
}

void bpf_cpumask_release_dtor(void* cpumask) { bpf_cpumask_release(static_cast<BpfCpumask*>(cpumask)); }

unsigned int bpf_cpumask_first(const Cpumask* cpumask) {
  return find_next(0, [&](uint32_t i) { return cpumask->bits[i]; });
}

unsigned int bpf_cpumask_first_zero(const Cpumask* cpumask) {
  return find_next(0, [&](uint32_t i) { return ~cpumask->bits[i]; });
}

unsigned int bpf_cpumask_first_and(const Cpumask* src1, const Cpumask* src2) {
  return find_next(0, [&](uint32_t i) { return src1->bits[i] & src2->bits[i]; });
}

void bpf_cpumask_set_cpu(unsigned int cpu, BpfCpumask* cpumask) {
  if (!cpu_valid(cpu)) return;
  std::atomic_ref<unsigned long>(word(&cpumask->cpumask, cpu)).fetch_or(bit(cpu), std::memory_order_relaxed);
}

void bpf_cpumask_clear_cpu(unsigned int cpu, BpfCpumask* cpumask) {
  if (!cpu_valid(cpu)) return;
  std::atomic_ref<unsigned long>(word(&cpumask->cpumask, cpu)).fetch_and(~bit(cpu), std::memory_order_relaxed);
}

bool bpf_cpumask_test_cpu(unsigned int cpu, const Cpumask* cpumask) {
  if (!cpu_valid(cpu)) return false;
  return word(cpumask, cpu) & bit(cpu);
}

bool bpf_cpumask_test_and_set_cpu(unsigned int cpu, BpfCpumask* cpumask) {
  if (!cpu_valid(cpu)) return false;
  // The kernel's test_and_set_bit is atomic: two programs racing on one CPU
  // see exactly one "was clear".
  return std::atomic_ref<unsigned long>(word(&cpumask->cpumask, cpu)).fetch_or(bit(cpu)) & bit(cpu);
}

bool bpf_cpumask_test_and_clear_cpu(unsigned int cpu, BpfCpumask* cpumask) {
  if (!cpu_valid(cpu)) return false;
  return std::atomic_ref<unsigned long>(word(&cpumask->cpumask, cpu)).fetch_and(~bit(cpu)) & bit(cpu);
}

void bpf_cpumask_setall(BpfCpumask* cpumask) {
  for_each_word([&](uint32_t i, unsigned long mask) { cpumask->cpumask.bits[i] = mask; });
}

void bpf_cpumask_clear(BpfCpumask* cpumask) {
  for_each_word([&](uint32_t i, unsigned long) { cpumask->cpumask.bits[i] = 0; });
}

bool bpf_cpumask_and(BpfCpumask* dst, const Cpumask* src1, const Cpumask* src2) {
  unsigned long any = 0;
  for_each_word([&](uint32_t i, unsigned long mask) {
    dst->cpumask.bits[i] = src1->bits[i] & src2->bits[i] & mask;
    any |= dst->cpumask.bits[i];
  });
  return any != 0;
}

void bpf_cpumask_or(BpfCpumask* dst, const Cpumask* src1, const Cpumask* src2) {
  for_each_word([&](uint32_t i, unsigned long mask) { dst->cpumask.bits[i] = (src1->bits[i] | src2->bits[i]) & mask; });
}

void bpf_cpumask_xor(BpfCpumask* dst, const Cpumask* src1, const Cpumask* src2) {
  for_each_word([&](uint32_t i, unsigned long mask) { dst->cpumask.bits[i] = (src1->bits[i] ^ src2->bits[i]) & mask; });
}

bool bpf_cpumask_equal(const Cpumask* src1, const Cpumask* src2) {
  bool eq = true;
  for_each_word([&](uint32_t i, unsigned long mask) { eq &= ((src1->bits[i] ^ src2->bits[i]) & mask) == 0; });
  return eq;
}

bool bpf_cpumask_intersects(const Cpumask* src1, const Cpumask* src2) {
  bool any = false;
  for_each_word([&](uint32_t i, unsigned long mask) { any |= (src1->bits[i] & src2->bits[i] & mask) != 0; });
  return any;
}

bool bpf_cpumask_subset(const Cpumask* src1, const Cpumask* src2) {
  bool sub = true;
  for_each_word([&](uint32_t i, unsigned long mask) { sub &= (src1->bits[i] & ~src2->bits[i] & mask) == 0; });
  return sub;
}

bool bpf_cpumask_empty(const Cpumask* cpumask) { return bpf_cpumask_first(cpumask) >= range().nbits; }

bool bpf_cpumask_full(const Cpumask* cpumask) { return bpf_cpumask_first_zero(cpumask) >= range().nbits; }

void bpf_cpumask_copy(BpfCpumask* dst, const Cpumask* src) {
  for_each_word([&](uint32_t i, unsigned long) { dst->cpumask.bits[i] = src->bits[i]; });
}

unsigned int bpf_cpumask_any_distribute(const Cpumask* cpumask) {
  return distribute([&](uint32_t i) { return cpumask->bits[i]; });
}

unsigned int bpf_cpumask_any_and_distribute(const Cpumask* src1, const Cpumask* src2) {
  return distribute([&](uint32_t i) { return src1->bits[i] & src2->bits[i]; });
}

unsigned int bpf_cpumask_weight(const Cpumask* cpumask) {
  unsigned int n = 0;
  for_each_word([&](uint32_t i, unsigned long mask) { n += std::popcount(cpumask->bits[i] & mask); });
  return n;
}

// struct cpumask, typedef cpumask_t, refcount_t and struct bpf_cpumask, laid
// out as in the kernel's BTF (atomic_t and refcount_t are typedefs of
// one-member structs there).
void add_cpumask_types(btf::BtfBuilder& b) {
  const uint32_t ulong = b.int_type("long unsigned int", sizeof(unsigned long), false);
  const uint32_t i32 = b.int_type("int", 4, true);
  const uint32_t bits = b.array(ulong, kLongs);
  const uint32_t cpumask = b.struct_type("cpumask", sizeof(Cpumask), {{"bits", bits, 0}});
  const uint32_t cpumask_t = b.typedef_type("cpumask_t", cpumask);
  uint32_t atomic_t = b.lookup("atomic_t", BTF_KIND_TYPEDEF);
  if (!atomic_t) atomic_t = b.typedef_type("atomic_t", b.struct_type("", 4, {{"counter", i32, 0}}));
  const uint32_t refcount_struct = b.struct_type("refcount_struct", 4, {{"refs", atomic_t, 0}});
  const uint32_t refcount_t = b.typedef_type("refcount_t", refcount_struct);
  // 520 bytes: the cpumask and the count, padded to the cpumask's alignment.
  constexpr uint32_t kSize = (offsetof(BpfCpumask, usage) + sizeof(int) + alignof(Cpumask) - 1) / alignof(Cpumask) *
                             alignof(Cpumask);
  static_assert(kSize <= sizeof(BpfCpumask));
  b.struct_type(
      "bpf_cpumask", kSize,
      {{"cpumask", cpumask_t, 0}, {"usage", refcount_t, static_cast<uint32_t>(offsetof(BpfCpumask, usage) * 8)}});
}

Error register_cpumask_kfuncs(Registrar& r) {
  if (Error e = r.bind<Cpumask>("cpumask")) return e;
  if (Error e = r.bind<BpfCpumask>("bpf_cpumask")) return e;
  std::vector<KfuncSetEntry> set;
  Error err;
  auto add = [&](std::string_view name, auto fn, uint32_t flags, std::initializer_list<std::string> params) {
    if (err) return;
    auto id = r.add_func(name, fn, params);
    if (!id.ok()) err = id.error();
    else set.push_back({*id, flags});
  };
  add("bpf_cpumask_create", &bpf_cpumask_create, KF_ACQUIRE | KF_RET_NULL, {});
  add("bpf_cpumask_acquire", &bpf_cpumask_acquire, KF_ACQUIRE | KF_TRUSTED_ARGS, {"cpumask"});
  add("bpf_cpumask_release", &bpf_cpumask_release, KF_RELEASE, {"cpumask"});
  add("bpf_cpumask_first", &bpf_cpumask_first, KF_RCU, {"cpumask"});
  add("bpf_cpumask_first_zero", &bpf_cpumask_first_zero, KF_RCU, {"cpumask"});
  add("bpf_cpumask_first_and", &bpf_cpumask_first_and, KF_RCU, {"src1", "src2"});
  add("bpf_cpumask_set_cpu", &bpf_cpumask_set_cpu, KF_RCU, {"cpu", "cpumask"});
  add("bpf_cpumask_clear_cpu", &bpf_cpumask_clear_cpu, KF_RCU, {"cpu", "cpumask"});
  add("bpf_cpumask_test_cpu", &bpf_cpumask_test_cpu, KF_RCU, {"cpu", "cpumask"});
  add("bpf_cpumask_test_and_set_cpu", &bpf_cpumask_test_and_set_cpu, KF_RCU, {"cpu", "cpumask"});
  add("bpf_cpumask_test_and_clear_cpu", &bpf_cpumask_test_and_clear_cpu, KF_RCU, {"cpu", "cpumask"});
  add("bpf_cpumask_setall", &bpf_cpumask_setall, KF_RCU, {"cpumask"});
  add("bpf_cpumask_clear", &bpf_cpumask_clear, KF_RCU, {"cpumask"});
  add("bpf_cpumask_and", &bpf_cpumask_and, KF_RCU, {"dst", "src1", "src2"});
  add("bpf_cpumask_or", &bpf_cpumask_or, KF_RCU, {"dst", "src1", "src2"});
  add("bpf_cpumask_xor", &bpf_cpumask_xor, KF_RCU, {"dst", "src1", "src2"});
  add("bpf_cpumask_equal", &bpf_cpumask_equal, KF_RCU, {"src1", "src2"});
  add("bpf_cpumask_intersects", &bpf_cpumask_intersects, KF_RCU, {"src1", "src2"});
  add("bpf_cpumask_subset", &bpf_cpumask_subset, KF_RCU, {"src1", "src2"});
  add("bpf_cpumask_empty", &bpf_cpumask_empty, KF_RCU, {"cpumask"});
  add("bpf_cpumask_full", &bpf_cpumask_full, KF_RCU, {"cpumask"});
  add("bpf_cpumask_copy", &bpf_cpumask_copy, KF_RCU, {"dst", "src"});
  add("bpf_cpumask_any_distribute", &bpf_cpumask_any_distribute, KF_RCU, {"cpumask"});
  add("bpf_cpumask_any_and_distribute", &bpf_cpumask_any_and_distribute, KF_RCU, {"src1", "src2"});
  add("bpf_cpumask_weight", &bpf_cpumask_weight, KF_RCU, {"cpumask"});
  if (err) return err;
  // kernel/bpf/cpumask.c registers one set for these three program types.
  for (ProgType t : {ProgType::Tracing, ProgType::StructOps, ProgType::Syscall})
    if (Error e = r.register_set(t, set)) return e;
  // The destructor is a FUNC in the BTF (the dtor table names it by id) with an
  // address, but in no kfunc set: programs cannot call it, as in the kernel.
  if (auto dtor = r.add_func("bpf_cpumask_release_dtor", &bpf_cpumask_release_dtor, {"cpumask"}); !dtor.ok())
    return dtor.error();
  return r.add_dtor<BpfCpumask>("bpf_cpumask_release_dtor");
}

}  // namespace hostbpf::kfunc
