#include "kfunc/kfunc_defs.h"

#include <fmt/format.h>

#include <array>

namespace hostbpf::kfunc {

Error KfuncDefs::register_sets(KfuncRegistry& reg, const Owner* owner) const {
  // Group by hook (several program types share one), remembering one program
  // type per hook to register with.
  std::array<KfuncIdSet, kNumHooks> sets;
  std::array<int64_t, kNumHooks> prog_type_of;
  prog_type_of.fill(-1);
  for (const Def& d : defs_) {
    for (uint32_t pt : d.prog_types) {
      const Hook hook = hook_for_prog_type(pt);
      if (hook == Hook::Max)
        return Error(-EINVAL, fmt::format("{}: kfunc {}: program type {} has no kfunc hook", owner->name, d.name, pt));
      const int h = static_cast<int>(hook);
      bool dup = false;
      for (const IdFlags& p : sets[h].set) dup |= p.id == d.id;
      if (!dup) sets[h].set.push_back({d.id, d.flags});
      prog_type_of[h] = pt;
    }
  }
  for (int h = 0; h < kNumHooks; h++) {
    if (sets[h].set.empty()) continue;
    if (Error e = reg.register_kfunc_id_set(owner, static_cast<uint32_t>(prog_type_of[h]), sets[h])) return e;
  }
  return {};
}

const void* KfuncDefs::address(uint32_t id) const {
  for (const Def& d : defs_)
    if (d.id == id) return d.addr;
  return nullptr;
}

}  // namespace hostbpf::kfunc
