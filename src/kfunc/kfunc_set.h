// kfunc ID sets: which BTF FUNCs a program type may call, with their flags
// (the kernel's btf_kfunc_id_set, btf_kfunc_set_tab and the destructor table of
// kernel/bpf/btf.c).
//
// Each owner of BTF (the host, or a module with split BTF over it) has one
// KfuncSetTab: per hook, one merged array of {BTF id, flags} kept sorted by id
// for binary search, and up to 16 filters. KfuncRegistry holds every owner's
// table, applies the kernel's registration rules across owners, and answers
// the verifier's "may this program call that kfunc, with which flags?" and
// the loader's "which host function does that call reach?" (the address
// table, the kernel's kallsyms for kfuncs: kept here, beside the sets, so that
// fentry can later swap a kfunc's target in one place).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "btf/btf.h"
#include "hostbpf/error.h"
#include "kfunc/flags.h"
#include "module/btf_owner.h"

namespace hostbpf::kfunc {

struct IdFlags {
  uint32_t id;     // BTF id of a BTF_KIND_FUNC in the owner's BTF
  uint32_t flags;  // KF_*
};

/// What a filter learns about the program being verified.
struct ProgInfo {
  ProgType prog_type = ProgType::Unspec;
  uint32_t expected_attach_type = 0;
  bool sleepable = false;
  std::string name;
};

/// Non-zero denies the call, as the kernel's filters do.
using Filter = std::function<int(const ProgInfo& prog, uint32_t kfunc_id)>;

/// One owner of BTF and of the kfunc sets and destructors described in it.
using Owner = module::BtfOwner;

/// The registration descriptor (struct btf_kfunc_id_set).
struct KfuncIdSet {
  uint32_t set_flags = BTF_SET8_KFUNCS;
  std::vector<IdFlags> set;
  Filter filter;  // optional
};

struct DtorPair {
  uint32_t struct_id;  // BTF id of the struct a referenced kptr points to
  uint32_t dtor_id;    // BTF id of the FUNC that releases it
};

/// A kfunc a program may call: whose BTF it is in, and its flags there.
struct KfuncMeta {
  const Owner* owner;
  uint32_t id;
  uint32_t flags;
};

class KfuncRegistry {
 public:
  static constexpr size_t kMaxPerHook = 256;    // BTF_KFUNC_SET_MAX_CNT
  static constexpr size_t kMaxFilters = 16;     // BTF_KFUNC_FILTER_MAX_CNT
  static constexpr size_t kMaxDtors = 256;      // BTF_DTOR_KFUNC_MAX_CNT

  /// Adds an owner (the host first, then modules as they come). The owner
  /// must outlive its registration (remove_owner).
  void add_owner(const Owner* owner);
  /// Forgets everything a module registered (it is GOING).
  void remove_owner(const Owner* owner);

  /// register_btf_kfunc_id_set(prog_type, set): -EINVAL without
  /// BTF_SET8_KFUNCS, for a program type with no hook, for an id that is not
  /// a FUNC with a FUNC_PROTO, or when a module registers a hook twice;
  /// -EEXIST when a module's kfunc name is already the host's or another
  /// module's; -E2BIG past 256 ids per hook. On error nothing is registered.
  Error register_kfunc_id_set(const Owner* owner, ProgType prog_type, const KfuncIdSet& set);

  /// register_btf_id_dtor_kfuncs: each dtor returns void and takes one
  /// pointer; a module registers once; at most 256 in total per owner.
  Error register_dtor_kfuncs(const Owner* owner, const std::vector<DtorPair>& pairs);

  /// btf_kfunc_is_allowed + flags: COMMON first, then the program's hook; a
  /// hook grants the call only if every filter on it returns 0. nullopt means
  /// "calling kernel function %s is not allowed".
  std::optional<KfuncMeta> lookup(const Owner* owner, uint32_t id, const ProgInfo& prog) const;

  /// The flags in one hook, without filters (btf_kfunc_id_set_contains).
  std::optional<uint32_t> flags_in_hook(const Owner* owner, KfuncHook hook, uint32_t id) const;

  /// The destructor kfunc of `struct_id` in the owner's BTF (0 when none).
  uint32_t find_dtor(const Owner* owner, uint32_t struct_id) const;

  /// Records the host function behind FUNC `id` of the owner's BTF; -ENOENT
  /// for an owner not added. Forgotten with the owner.
  Error set_address(const Owner* owner, uint32_t id, const void* addr);
  /// The host function behind FUNC `id` (nullptr when none was recorded).
  const void* address(const Owner* owner, uint32_t id) const;

  /// The FUNC named `name` in the host's BTF, else in the first module's own
  /// BTF that has it (how libbpf resolves a __ksym: vmlinux, then modules).
  std::optional<std::pair<const Owner*, uint32_t>> find_by_name(const std::string& name) const;

 private:
  struct Tab {
    const Owner* owner;
    std::array<std::vector<IdFlags>, kNumKfuncHooks> sets;  // sorted by id
    std::array<std::vector<Filter>, kNumKfuncHooks> filters;
    std::array<bool, kNumKfuncHooks> registered{};  // modules: one registration per hook
    std::vector<DtorPair> dtors;               // sorted by struct_id
    bool dtors_registered = false;
    std::unordered_map<uint32_t, const void*> addrs;  // FUNC id -> host function
  };

  Tab* tab_of(const Owner* owner);
  const Tab* tab_of(const Owner* owner) const;
  Error check_set(const Tab& tab, const KfuncIdSet& set) const;
  bool name_taken_elsewhere(const Owner* owner, const std::string& name) const;
  static std::optional<uint32_t> search(const std::vector<IdFlags>& set, uint32_t id);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Tab>> tabs_;  // host first
};

}  // namespace hostbpf::kfunc
