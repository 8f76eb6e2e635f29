// libFuzzer target: random operation sequences on maps, checked against a
// reference model after every step.
//
// Input: byte 0 picks the map (type and flags), byte 1 max_entries, byte 2 the
// key/value sizes; the rest is a stream of operations, 3 bytes each:
// {opcode, key, value-or-flags}.
//
// Hash and array maps are compared with a std::map of what must be there (LRU
// maps: what may be there, since eviction is the map's choice). Ring buffers are
// compared with a queue of reserved records and the kernel's space rules.
#include <linux/bpf.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "base/cpu.h"
#include "base/rcu.h"
#include "maps/hash_map.h"
#include "maps/map.h"
#include "maps/ringbuf.h"

namespace {

using namespace hostbpf;
using Bytes = std::vector<uint8_t>;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "fuzz_maps: check failed: %s (line %d)\n", #cond, __LINE__); \
      abort();                                                               \
    }                                                                        \
  } while (0)

struct Input {
  const uint8_t* p;
  size_t n;
  bool take(uint8_t* out, size_t k) {
    if (n < k) return false;
    memcpy(out, p, k);
    p += k;
    n -= k;
    return true;
  }
};

Bytes make_key(uint8_t k, uint32_t size) {
  Bytes b(size, 0);
  b[0] = k;
  if (size > 1) b[size - 1] = static_cast<uint8_t>(k * 31);
  return b;
}

Bytes make_value(uint8_t v, uint8_t k, uint32_t size) {
  Bytes b(size);
  for (uint32_t i = 0; i < size; i++) b[i] = static_cast<uint8_t>(v + k * 7 + i);
  return b;
}

// ---- hash maps (plain, per-CPU, LRU) and arrays ----

void fuzz_keyed(uint32_t type, uint32_t flags, uint32_t max, uint32_t ksize, uint32_t vsize, Input in) {
  const bool is_array = type == BPF_MAP_TYPE_ARRAY;
  const bool lru = type == BPF_MAP_TYPE_LRU_HASH;
  if (is_array) ksize = 4;
  maps::MapSpec spec{"fuzz", type, ksize, vsize, max, flags};
  auto r = maps::create_map(spec);
  CHECK(r.ok());
  auto m = r.value();
  std::map<Bytes, Bytes> model;  // for LRU: the keys that may still be present
  if (is_array)
    for (uint32_t i = 0; i < max; i++) {
      Bytes k(4);
      memcpy(k.data(), &i, 4);
      model[k] = Bytes(vsize, 0);
    }

  uint8_t op[3];
  while (in.take(op, 3)) {
    Bytes key = is_array ? Bytes(4, 0) : make_key(op[1] % 96, ksize);
    if (is_array) key[0] = op[1] % (max + 2);  // sometimes out of range
    const bool present = model.count(key) != 0;
    switch (op[0] % 6) {
      case 0: {  // update with flags
        const uint64_t uflags = op[2] % 5;  // 3 and 4 are invalid
        Bytes val = make_value(op[2], op[1], vsize);
        const long ret = m->update_elem(key.data(), val.data(), uflags);
        if (uflags > BPF_EXIST) {
          CHECK(ret == -EINVAL);
        } else if (is_array) {
          if (!present) CHECK(ret == -E2BIG);
          else if (uflags == BPF_NOEXIST) CHECK(ret == -EEXIST);
          else CHECK(ret == 0);
        } else if (uflags == BPF_NOEXIST && present && !lru) {
          CHECK(ret == -EEXIST);
        } else if (uflags == BPF_EXIST && !present) {
          CHECK(ret == -ENOENT);
        } else if (!lru && !present && model.size() >= max) {
          CHECK(ret == -E2BIG);
        } else if (!lru) {
          CHECK(ret == 0);
        }
        if (ret == 0) model[key] = val;
        if (lru && ret == -ENOENT) model.erase(key);  // it was evicted
        if (!is_array) CHECK(static_cast<maps::HashMap&>(*m).count() <= max);
        break;
      }
      case 1: {  // delete
        const long ret = m->delete_elem(key.data());
        if (is_array) {
          CHECK(ret == -EINVAL);
        } else if (!lru) {
          CHECK(ret == (present ? 0 : -ENOENT));
        }
        if (ret == 0 || lru) model.erase(key);
        break;
      }
      case 2:
      case 3: {  // program-side and syscall-side lookup
        Bytes out(vsize);
        const long ret = m->sys_lookup(key.data(), out.data());
        rcu::ReadLock rl;
        void* p = m->lookup_elem(key.data());
        if (present && !lru) {
          CHECK(ret == 0 && out == model[key]);
          CHECK(p && memcmp(p, out.data(), vsize) == 0);
        } else if (!present) {
          CHECK(ret == -ENOENT && p == nullptr);
        } else if (ret == 0) {
          CHECK(out == model[key]);
          CHECK(p && memcmp(p, out.data(), vsize) == 0);
        } else {
          model.erase(key);  // evicted
        }
        break;
      }
      default: {  // full iteration
        std::set<Bytes> seen;
        Bytes cur(ksize), next(ksize);
        const void* prev = nullptr;
        while (m->get_next_key(prev, next.data()) == 0) {
          CHECK(seen.insert(next).second);
          CHECK(seen.size() <= max);
          cur = next;
          prev = cur.data();
        }
        if (lru) {
          for (const Bytes& k : seen) CHECK(model.count(k));
          for (auto it = model.begin(); it != model.end();) it = seen.count(it->first) ? std::next(it) : model.erase(it);
        }
        CHECK(seen.size() == model.size());
        for (const Bytes& k : seen) CHECK(model.count(k));
        if (!is_array) CHECK(static_cast<maps::HashMap&>(*m).count() == model.size());
      }
    }
  }
}

// ---- ring buffer ----

void fuzz_ringbuf(uint32_t pages, Input in) {
  const uint64_t size = pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  maps::MapSpec spec{"fuzz", BPF_MAP_TYPE_RINGBUF, 0, 0, static_cast<uint32_t>(size), 0};
  auto r = maps::create_map(spec);
  CHECK(r.ok());
  auto* rb = static_cast<maps::RingBuf*>(r.value().get());
  struct Rec {
    uint8_t* sample;
    uint32_t len;
    uint8_t fill;
    int state;  // 0 busy, 1 submitted, 2 discarded
    uint64_t pos;
  };
  std::deque<Rec> recs;  // not yet consumed, in reservation order
  uint64_t prod = 0, cons = 0;

  uint8_t op[3];
  while (in.take(op, 3)) {
    switch (op[0] % 4) {
      case 0: {  // reserve
        const uint32_t len = (op[1] | (op[2] << 8)) % (size + 64);
        auto* s = static_cast<uint8_t*>(rb->reserve(len, 0));
        const uint64_t span = (len + 8 + 7) / 8 * 8;
        uint64_t pend = prod;  // the oldest busy record pins the space after it
        for (const Rec& rec : recs) {
          if (rec.state == 0) {
            pend = rec.pos;
            break;
          }
        }
        const bool fits = span <= size && prod + span - cons <= size - 1 && prod + span - pend <= size - 1;
        CHECK((s != nullptr) == fits);
        if (s) {
          memset(s, op[1], len);
          recs.push_back({s, len, op[1], 0, prod});
          prod += span;
        }
        break;
      }
      case 1:
      case 2: {  // submit or discard a busy record
        std::vector<size_t> busy;
        for (size_t i = 0; i < recs.size(); i++)
          if (recs[i].state == 0) busy.push_back(i);
        if (busy.empty()) break;
        Rec& rec = recs[busy[op[1] % busy.size()]];
        const uint64_t wake = op[2] % 3 == 0 ? 0 : op[2] % 3 == 1 ? BPF_RB_NO_WAKEUP : BPF_RB_FORCE_WAKEUP;
        if (op[0] % 4 == 1) {
          maps::RingBuf::submit(rec.sample, wake);
          rec.state = 1;
        } else {
          maps::RingBuf::discard(rec.sample, wake);
          rec.state = 2;
        }
        break;
      }
      default: {  // consume
        std::vector<std::pair<uint32_t, uint8_t>> want;
        for (const Rec& rec : recs) {
          if (rec.state == 0) break;
          if (rec.state == 1) want.push_back({rec.len, rec.fill});
        }
        size_t i = 0;
        const int64_t n = rb->consume([&](const void* d, uint32_t len) {
          CHECK(i < want.size() && want[i].first == len);
          for (uint32_t j = 0; j < len; j++) CHECK(static_cast<const uint8_t*>(d)[j] == want[i].second);
          i++;
          return 0;
        });
        CHECK(n == static_cast<int64_t>(want.size()));
        while (!recs.empty() && recs.front().state != 0) {
          cons = recs.front().pos + (recs.front().len + 8 + 7) / 8 * 8;
          recs.pop_front();
        }
        if (recs.empty()) cons = prod;
        CHECK(rb->query(BPF_RB_CONS_POS) == cons);
      }
    }
    CHECK(rb->query(BPF_RB_PROD_POS) == prod);
    CHECK(rb->query(BPF_RB_AVAIL_DATA) == prod - rb->query(BPF_RB_CONS_POS));
  }
  // Commit whatever is still reserved so the map is consistent at teardown.
  for (Rec& rec : recs)
    if (rec.state == 0) maps::RingBuf::discard(rec.sample, BPF_RB_NO_WAKEUP);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  Input in{data + 3, size - 3};
  const uint8_t sel = data[0];
  const uint32_t max = 1 + data[1] % 64;
  static const uint32_t kKeySizes[] = {1, 4, 8, 13};
  static const uint32_t kValueSizes[] = {1, 4, 8, 12, 40};
  const uint32_t ksize = kKeySizes[data[2] % 4];
  const uint32_t vsize = kValueSizes[(data[2] / 4) % 5];
  switch (sel % 5) {
    case 0:
      fuzz_keyed(BPF_MAP_TYPE_HASH, 0, max, ksize, vsize, in);
      break;
    case 1:
      fuzz_keyed(BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC, max, ksize, vsize, in);
      break;
    case 2:
      fuzz_keyed(BPF_MAP_TYPE_LRU_HASH, 0, max, ksize, vsize, in);
      break;
    case 3:
      fuzz_keyed(BPF_MAP_TYPE_ARRAY, 0, max, ksize, vsize, in);
      break;
    default: {
      static const uint32_t kPages[] = {1, 2, 4, 8};
      fuzz_ringbuf(kPages[data[1] % 4], in);
    }
  }
  return 0;
}
