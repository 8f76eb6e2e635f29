// Many threads on one map. Each test checks an invariant that a lost, duplicated
// or torn element would break. Sized to finish in seconds under ThreadSanitizer.
#include <atomic>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "base/cpu.h"
#include "base/rcu.h"
#include "maps/hash_map.h"
#include "maps/rcu_tsan.h"
#include "maps/ringbuf.h"
#include "test_util.h"

namespace hostbpf::maps {
namespace {

using testing::make;
using testing::spec;
using testing::ReadSection;

constexpr int kThreads = 4;

uint32_t count_of(Map& m) { return static_cast<HashMap&>(m).count(); }

template <class F>
void run_threads(int n, F&& body) {
  std::vector<std::thread> ts;
  for (int t = 0; t < n; t++) ts.emplace_back([&body, t] { body(t); });
  for (auto& th : ts) th.join();
}

// Values carry their key in the first word, so any element a reader finds must
// agree with the key it was found by.
struct Val {
  uint64_t key;
  uint64_t version;
};

struct HashParam {
  uint32_t type;
  uint32_t flags;
};

class HashConcurrency : public ::testing::TestWithParam<HashParam> {};

TEST_P(HashConcurrency, OwnersWriteReadersCheckConsistency) {
  constexpr uint64_t kKeysPerThread = 64;
  constexpr int kOps = 20000;
  auto m = make(spec(GetParam().type, 8, sizeof(Val), kThreads * kKeysPerThread, GetParam().flags));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> torn{0};

  std::vector<std::thread> readers;
  for (int r = 0; r < 2; r++) {
    readers.emplace_back([&, r] {
      std::mt19937_64 rng(r);
      while (!stop.load(std::memory_order_relaxed)) {
        ReadSection rl;  // one "program run"
        for (int i = 0; i < 64; i++) {
          const uint64_t k = rng() % (kThreads * kKeysPerThread);
          if (auto* v = static_cast<const Val*>(m->lookup_elem(&k))) {
            if (__atomic_load_n(&v->key, __ATOMIC_RELAXED) != k) torn++;
          }
        }
      }
    });
  }

  std::vector<std::map<uint64_t, uint64_t>> expected(kThreads);
  run_threads(kThreads, [&](int t) {
    std::mt19937_64 rng(100 + t);
    auto& mine = expected[t];
    for (int op = 0; op < kOps; op++) {
      const uint64_t k = t * kKeysPerThread + rng() % kKeysPerThread;
      const bool present = mine.count(k) != 0;
      switch (rng() % 4) {
        case 0:
        case 1: {
          Val v{k, static_cast<uint64_t>(op)};
          const uint64_t flags = present ? BPF_EXIST : BPF_NOEXIST;
          ASSERT_EQ(m->update_elem(&k, &v, flags), 0) << k;
          mine[k] = v.version;
          break;
        }
        case 2:
          ASSERT_EQ(m->delete_elem(&k), present ? 0 : -ENOENT) << k;
          mine.erase(k);
          break;
        default: {
          Val out{};
          ASSERT_EQ(m->sys_lookup(&k, &out), present ? 0 : -ENOENT) << k;
          if (present) {
            ASSERT_EQ(out.key, k);
            ASSERT_EQ(out.version, mine[k]);
          }
        }
      }
    }
  });
  stop = true;
  for (auto& r : readers) r.join();

  EXPECT_EQ(torn.load(), 0u);
  size_t total = 0;
  std::set<uint64_t> want;
  for (auto& mine : expected) {
    total += mine.size();
    for (auto [k, version] : mine) {
      want.insert(k);
      Val out{};
      ASSERT_EQ(m->sys_lookup(&k, &out), 0) << k;
      EXPECT_EQ(out.version, version);
    }
  }
  EXPECT_EQ(count_of(*m), total);
  std::set<uint64_t> seen;
  uint64_t cur = 0, next = 0;
  for (const void* key = nullptr; m->get_next_key(key, &next) == 0; key = &cur) {
    EXPECT_TRUE(seen.insert(next).second) << "duplicate key " << next;
    cur = next;
  }
  EXPECT_EQ(seen, want);
}

INSTANTIATE_TEST_SUITE_P(Types, HashConcurrency,
                         ::testing::Values(HashParam{BPF_MAP_TYPE_HASH, 0}, HashParam{BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC},
                                           HashParam{BPF_MAP_TYPE_LRU_HASH, 0}),
                         [](const auto& info) {
                           if (info.param.type == BPF_MAP_TYPE_LRU_HASH) return std::string("Lru");
                           return std::string(info.param.flags ? "NoPrealloc" : "Prealloc");
                         });

// One-word values of preallocated maps are updated in place (hash_map.h):
// readers must still see whole values of the right key, and every owner's last
// write must win, while other threads insert and delete around them.
TEST(HashConcurrency, WordValuesUpdatedInPlaceStayWhole) {
  for (uint32_t type : {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH}) {
    constexpr uint64_t kKeysPerThread = 32;
    auto m = make(spec(type, 8, 8, kThreads * kKeysPerThread));
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> torn{0};
    std::thread reader([&] {
      std::mt19937_64 rng(7);
      while (!stop.load(std::memory_order_relaxed)) {
        ReadSection rl;
        for (int i = 0; i < 64; i++) {
          const uint64_t k = rng() % (kThreads * kKeysPerThread);
          if (auto* v = static_cast<const uint64_t*>(m->lookup_elem(&k)))
            if (__atomic_load_n(v, __ATOMIC_RELAXED) >> 32 != k) torn++;
        }
      }
    });
    std::vector<std::map<uint64_t, uint64_t>> expected(kThreads);
    run_threads(kThreads, [&](int t) {
      std::mt19937_64 rng(200 + t);
      auto& mine = expected[t];
      for (uint64_t op = 1; op <= 20000; op++) {
        const uint64_t k = t * kKeysPerThread + rng() % kKeysPerThread;
        if (rng() % 8 == 0) {
          ASSERT_EQ(m->delete_elem(&k), mine.count(k) ? 0 : -ENOENT);
          mine.erase(k);
          continue;
        }
        const uint64_t v = k << 32 | op;
        ASSERT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
        mine[k] = v;
      }
    });
    stop = true;
    reader.join();
    EXPECT_EQ(torn.load(), 0u) << type;
    for (auto& mine : expected) {
      for (auto [k, v] : mine) {
        uint64_t out = 0;
        ASSERT_EQ(m->sys_lookup(&k, &out), 0) << type << " key " << k;
        EXPECT_EQ(out, v) << type << " key " << k;
      }
    }
  }
}

TEST(HashConcurrency, RacingInsertsAndDeletesOfSameKeys) {
  constexpr uint64_t kKeys = 500;
  auto m = make(spec(BPF_MAP_TYPE_HASH, 8, 8, kKeys));
  for (int round = 0; round < 4; round++) {
    std::vector<std::atomic<int>> inserted(kKeys), deleted(kKeys);
    run_threads(kThreads, [&](int t) {
      for (uint64_t i = 0; i < kKeys; i++) {
        const uint64_t k = (i * 7 + t * 13) % kKeys;  // threads meet on every key
        const long r = m->update_elem(&k, &k, BPF_NOEXIST);
        ASSERT_TRUE(r == 0 || r == -EEXIST) << r;
        if (r == 0) inserted[k]++;
      }
    });
    EXPECT_EQ(count_of(*m), kKeys);
    run_threads(kThreads, [&](int t) {
      for (uint64_t i = 0; i < kKeys; i++) {
        const uint64_t k = (i * 11 + t * 3) % kKeys;
        const long r = m->delete_elem(&k);
        ASSERT_TRUE(r == 0 || r == -ENOENT) << r;
        if (r == 0) deleted[k]++;
      }
    });
    for (uint64_t k = 0; k < kKeys; k++) {
      ASSERT_EQ(inserted[k].load(), 1) << "key " << k;
      ASSERT_EQ(deleted[k].load(), 1) << "key " << k;
    }
    EXPECT_EQ(count_of(*m), 0u);
  }
}

TEST(HashConcurrency, FullMapAdmitsExactlyMaxEntries) {
  constexpr uint32_t kMax = 100;
  for (uint32_t flags : {0u, uint32_t{BPF_F_NO_PREALLOC}}) {
    auto m = make(spec(BPF_MAP_TYPE_HASH, 4, 4, kMax, flags));
    std::atomic<int> ok{0}, full{0};
    run_threads(kThreads, [&](int t) {
      for (uint32_t i = 0; i < 100; i++) {
        const uint32_t k = t * 1000 + i;
        const long r = m->update_elem(&k, &k, BPF_ANY);
        if (r == 0) ok++;
        else if (r == -E2BIG) full++;
        else ADD_FAILURE() << r;
      }
    });
    EXPECT_EQ(ok.load(), static_cast<int>(kMax));
    EXPECT_EQ(full.load(), kThreads * 100 - static_cast<int>(kMax));
    EXPECT_EQ(count_of(*m), kMax);
  }
}

TEST(LruConcurrency, NeverExceedsMaxAndStaysConsistent) {
  constexpr uint32_t kMax = 128;
  auto m = make(spec(BPF_MAP_TYPE_LRU_HASH, 8, sizeof(Val), kMax));
  std::atomic<uint64_t> torn{0};
  run_threads(kThreads, [&](int t) {
    std::mt19937_64 rng(t);
    for (int i = 0; i < 20000; i++) {
      const uint64_t k = rng() % 2000;
      if (i % 3 == 0) {
        ReadSection rl;
        if (auto* v = static_cast<const Val*>(m->lookup_elem(&k)))
          if (__atomic_load_n(&v->key, __ATOMIC_RELAXED) != k) torn++;
      } else {
        Val v{k, static_cast<uint64_t>(i)};
        ASSERT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
      }
      ASSERT_LE(count_of(*m), kMax);
    }
  });
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_EQ(count_of(*m), kMax);
  std::set<uint64_t> seen;
  uint64_t cur = 0, next = 0;
  for (const void* key = nullptr; m->get_next_key(key, &next) == 0; key = &cur) {
    EXPECT_TRUE(seen.insert(next).second);
    Val out{};
    EXPECT_EQ(m->sys_lookup(&next, &out), 0);
    EXPECT_EQ(out.key, next);
    cur = next;
  }
  EXPECT_EQ(seen.size(), kMax);
}

TEST(ArrayConcurrency, AtomicCountersAddUp) {
  auto m = make(spec(BPF_MAP_TYPE_ARRAY, 4, 8, 4));
  constexpr int kIncrements = 50000;
  run_threads(kThreads, [&](int t) {
    ReadSection rl;
    for (int i = 0; i < kIncrements; i++) {
      const uint32_t k = static_cast<uint32_t>((i + t) % 4);
      __atomic_fetch_add(static_cast<uint64_t*>(m->lookup_elem(&k)), 1, __ATOMIC_RELAXED);
    }
  });
  uint64_t total = 0;
  for (uint32_t k = 0; k < 4; k++) {
    uint64_t v = 0;
    ASSERT_EQ(m->sys_lookup(&k, &v), 0);
    total += v;
  }
  EXPECT_EQ(total, uint64_t{kThreads} * kIncrements);
}

TEST(ArrayConcurrency, UpdatesAndLookupsOfWholeValues) {
  // Writers store {k, n} pairs with update_elem while readers copy values out;
  // a copy must never mix two writes within a word.
  auto m = make(spec(BPF_MAP_TYPE_ARRAY, 4, sizeof(Val), 2));
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      for (uint32_t k = 0; k < 2; k++) {
        Val v{};
        ASSERT_EQ(m->sys_lookup(&k, &v), 0);
        ASSERT_TRUE(v.key == 0 || v.key == k + 1);
      }
    }
  });
  run_threads(kThreads, [&](int t) {
    for (uint64_t i = 0; i < 20000; i++) {
      const uint32_t k = static_cast<uint32_t>((i + t) % 2);
      Val v{k + 1, i};
      ASSERT_EQ(m->update_elem(&k, &v, BPF_ANY), 0);
    }
  });
  stop = true;
  reader.join();
}

TEST(PercpuConcurrency, PlainIncrementsOnOwnCpuSlotAddUp) {
  auto arr = make(spec(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1));
  auto hash = make(spec(BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 1));
  const uint32_t k = 0;
  const uint64_t zero = 0;
  ASSERT_EQ(hash->update_elem(&k, &zero, BPF_ANY), 0);
  constexpr int kIncrements = 50000;
  run_threads(kThreads, [&](int) {
    // Each thread owns its CPU slot, like a program with migration disabled:
    // no atomics needed.
    ReadSection rl;
    auto* a = static_cast<uint64_t*>(arr->lookup_elem(&k));
    auto* h = static_cast<uint64_t*>(hash->lookup_elem(&k));
    ASSERT_NE(a, nullptr);
    ASSERT_NE(h, nullptr);
    for (int i = 0; i < kIncrements; i++) {
      ++*a;
      ++*h;
    }
  });
  for (auto* m : {arr.get(), hash.get()}) {
    std::vector<uint64_t> all(possible_cpus());
    ASSERT_EQ(m->sys_lookup(&k, all.data()), 0);
    uint64_t sum = 0;
    for (uint64_t v : all) sum += v;
    EXPECT_EQ(sum, uint64_t{kThreads} * kIncrements);
  }
}

struct Record {
  uint32_t producer;
  uint32_t seq;
  uint32_t size;
  unsigned char payload[1];  // `size` bytes of (seq + i)
};

TEST(RingbufConcurrency, ProducersAgainstOneConsumer) {
  constexpr int kProducers = 3;
  constexpr uint32_t kPerProducer = 20000;
  auto m = make(spec(BPF_MAP_TYPE_RINGBUF, 0, 0, 16 * 4096));
  auto* rb = static_cast<RingBuf*>(m.get());
  std::atomic<int> done{0};
  std::vector<uint32_t> next_seq(kProducers, 0);
  std::atomic<uint64_t> delivered{0}, bad{0};

  std::thread consumer([&] {
    auto handle = [&](const void* data, uint32_t size) {
      Record r;
      std::memcpy(&r, data, offsetof(Record, payload));
      const auto* payload = static_cast<const unsigned char*>(data) + offsetof(Record, payload);
      if (r.producer >= kProducers || size != offsetof(Record, payload) + r.size) {
        bad++;
        return 0;
      }
      // Discarded records (every 7th) never arrive; order per producer holds.
      uint32_t want = next_seq[r.producer];
      if (want % 7 == 0) want++;
      if (r.seq != want) bad++;
      next_seq[r.producer] = r.seq + 1;
      for (uint32_t i = 0; i < r.size; i++)
        if (payload[i] != static_cast<unsigned char>(r.seq + i)) {
          bad++;
          break;
        }
      delivered++;
      return 0;
    };
    while (done.load() < kProducers || rb->query(BPF_RB_AVAIL_DATA) != 0) rb->poll(handle, 10);
  });

  run_threads(kProducers, [&](int p) {
    std::mt19937 rng(p);
    for (uint32_t seq = 0; seq < kPerProducer; seq++) {
      const uint32_t size = rng() % 200;
      void* s;
      while (!(s = rb->reserve(offsetof(Record, payload) + size, 0))) std::this_thread::yield();
      Record r{static_cast<uint32_t>(p), seq, size, {}};
      std::memcpy(s, &r, offsetof(Record, payload));
      auto* payload = static_cast<unsigned char*>(s) + offsetof(Record, payload);
      for (uint32_t i = 0; i < size; i++) payload[i] = static_cast<unsigned char>(seq + i);
      if (seq % 7 == 0) {
        RingBuf::discard(s, 0);
      } else {
        RingBuf::submit(s, 0);
      }
    }
    done++;
  });
  consumer.join();

  EXPECT_EQ(bad.load(), 0u);
  const uint64_t discarded_each = (kPerProducer + 6) / 7;
  EXPECT_EQ(delivered.load(), kProducers * (kPerProducer - discarded_each));
  EXPECT_EQ(rb->query(BPF_RB_AVAIL_DATA), 0u);
}

}  // namespace
}  // namespace hostbpf::maps
