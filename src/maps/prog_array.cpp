#include "maps/prog_array.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/bpf.h>

#include <cstring>
#include <mutex>
#include <utility>

#include "base/rcu.h"
#include "maps/map_util.h"
#include "maps/rcu_tsan.h"
#include "prog_types/prog_type_ops.h"

namespace hostbpf::maps {

// Writers serialise on `mu`; programs read slots_ without a lock. A target that
// leaves a slot may still be running (a tail call into it started before), so
// its last reference is dropped only after a grace period.
struct ProgArray::Impl {
  std::mutex mu;
  std::optional<ProgArrayOwner> owner;  // fixed by the first program that uses or enters the array

  // __bpf_prog_map_compatible, with `mu` held: the first program claims the
  // array, every later one must be like it.
  bool claim(const ProgArrayOwner& prog) {
    if (!owner) owner = prog;
    return *owner == prog;
  }
  std::atomic<bool> used_rcu{false};

  // Deferred release for callers inside a read-side section, where waiting for
  // a grace period would deadlock.
  struct Retired {
    struct rcu_head head;
    std::shared_ptr<TailCallTarget> target;
  };
  static void release_cb(struct rcu_head* h) {
    rcu_tsan::grace_period_over();
    rcu_tsan::take(h);
    delete reinterpret_cast<Retired*>(reinterpret_cast<unsigned char*>(h) - offsetof(Retired, head));
  }
};

ProgArray::ProgArray(MapSpec spec)
    : Map(std::move(spec)), slots_(this->spec().max_entries), owners_(this->spec().max_entries),
      impl_(std::make_unique<Impl>()) {}

// Targets released by pending RCU callbacks are owned by those callbacks, so
// teardown only waits for them to leave nothing behind, and not at all on
// liburcu's callback thread (where the last reference may be dropped).
ProgArray::~ProgArray() {
  if (impl_->used_rcu.load(std::memory_order_relaxed)) detail::barrier_unless_in_callback();
}

std::string ProgArrayOwner::describe() const {
  const prog_types::ProgTypeOps* t = prog_types::find(static_cast<uint32_t>(prog_type));
  std::string out = t ? std::string(t->name) : fmt::format("type {}", static_cast<uint32_t>(prog_type));
  std::string extra;
  auto add = [&extra](const std::string& s) { extra += extra.empty() ? s : ", " + s; };
  if (sleepable) add("sleepable");
  if (xdp_has_frags) add("frags");
  if (expected_attach_type) {
    const char* at = libbpf_bpf_attach_type_str(static_cast<enum bpf_attach_type>(expected_attach_type));
    add(fmt::format("attach type {}", at ? at : std::to_string(expected_attach_type)));
  }
  if (executor) add(fmt::format("executor {}", executor));
  if (!verified) add("unverified");
  return extra.empty() ? out : fmt::format("{} ({})", out, extra);
}

bool ProgArray::compatible(const ProgArrayOwner& prog, ProgArrayOwner* owner) {
  std::lock_guard<std::mutex> guard(impl_->mu);
  if (impl_->claim(prog)) return true;
  if (owner) *owner = *impl_->owner;
  return false;
}

std::optional<ProgArrayOwner> ProgArray::owner() const {
  std::lock_guard<std::mutex> guard(impl_->mu);
  return impl_->owner;
}

Error ProgArray::store(uint32_t index, std::shared_ptr<TailCallTarget> target) {
  if (index >= slots_.size())
    return Error(-E2BIG, fmt::format("map '{}': slot {} is out of range (max_entries {})", spec().name, index,
                                     slots_.size()));
  std::shared_ptr<TailCallTarget> old;
  {
    std::lock_guard<std::mutex> guard(impl_->mu);
    if (target) {
      const ProgArrayOwner& prog = target->compat();
      if (!impl_->claim(prog))
        return Error(-EINVAL, fmt::format("map '{}': slot {}: prog '{}' (id {}) is {}, but the prog array's "
                                          "programs are {}: a tail call must not change the program type",
                                          spec().name, index, target->prog_name(), target->prog_id(),
                                          prog.describe(), impl_->owner->describe()));
    }
    slots_[index].store(target.get(), std::memory_order_release);
    old = std::exchange(owners_[index], std::move(target));
  }
  if (!old) return {};
  if (urcu_memb_read_ongoing()) {
    impl_->used_rcu.store(true, std::memory_order_relaxed);
    auto* r = new Impl::Retired{{}, std::move(old)};
    rcu_tsan::handoff(&r->head);
    rcu::call(&r->head, &Impl::release_cb);
  } else {
    // The syscall side: wait here, so the program is released (and perhaps
    // torn down) by the thread that removed it, and an update returns only once
    // no program still runs the old target.
    rcu::synchronize();
    rcu_tsan::grace_period_over();
    old.reset();
  }
  return {};
}

void* ProgArray::lookup_elem(const void*) { return nullptr; }

long ProgArray::update_elem(const void*, const void*, uint64_t) { return -EINVAL; }

long ProgArray::delete_elem(const void* key) {
  const uint32_t index = detail::read_index(key);
  if (index >= slots_.size()) return -E2BIG;
  if (!slots_[index].load(std::memory_order_acquire)) return -ENOENT;
  return set(index, nullptr);
}

long ProgArray::sys_lookup(const void* key, void* value_out) {
  const uint32_t index = detail::read_index(key);
  if (index >= slots_.size()) return -ENOENT;
  std::lock_guard<std::mutex> guard(impl_->mu);
  const auto& target = owners_[index];
  if (!target) return -ENOENT;
  const uint32_t id = target->prog_id();
  std::memcpy(value_out, &id, sizeof(id));
  return 0;
}

Error ProgArray::update_by_id(const void* key, const void* value, uint64_t flags) {
  // The kernel's fd arrays accept only BPF_ANY.
  if (flags != BPF_ANY)
    return Error(-EINVAL, fmt::format("map '{}': prog arrays take only BPF_ANY updates (flags {})", spec().name,
                                      flags));
  const uint32_t index = detail::read_index(key);
  if (index >= slots_.size())
    return Error(-E2BIG, fmt::format("map '{}': slot {} is out of range (max_entries {})", spec().name, index,
                                     slots_.size()));
  uint32_t id;
  std::memcpy(&id, value, sizeof(id));
  std::shared_ptr<TailCallTarget> target = resolver_ ? resolver_(id) : nullptr;
  if (!target) return Error(-EINVAL, fmt::format("map '{}': slot {}: no loaded program has id {}", spec().name, index, id));
  return store(index, std::move(target));
}

long ProgArray::sys_update(const void* key, const void* value, uint64_t flags) {
  return update_by_id(key, value, flags).code();
}

long ProgArray::get_next_key(const void* key, void* next_key) {
  return detail::index_get_next_key(static_cast<uint32_t>(slots_.size()), key, next_key);
}

}  // namespace hostbpf::maps
