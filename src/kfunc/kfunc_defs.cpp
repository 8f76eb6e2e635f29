#include "kfunc/kfunc_defs.h"

#include <fmt/format.h>

#include <array>

namespace hostbpf::kfunc {

Error KfuncDefs::register_sets(KfuncRegistry& reg, const Owner* owner) const {
  // Group by hook (several program types share one), remembering one program
  // type per hook to register with.
  std::array<KfuncIdSet, kNumKfuncHooks> sets;
  std::array<ProgType, kNumKfuncHooks> prog_type_of{};
  for (const Def& d : defs_) {
    for (ProgType pt : d.types) {
      const KfuncHook hook = prog_types::kfunc_hook(pt);
      if (hook == KfuncHook::Max)
        return Error(-EINVAL, fmt::format("{}: kfunc {}: program type {} has no kfunc hook", owner->name, d.name, static_cast<uint32_t>(pt)));
      const int h = static_cast<int>(hook);
      bool dup = false;
      for (const IdFlags& p : sets[h].set) dup |= p.id == d.id;
      if (!dup) sets[h].set.push_back({d.id, d.flags});
      prog_type_of[h] = pt;
    }
  }
  for (int h = 0; h < kNumKfuncHooks; h++) {
    if (sets[h].set.empty()) continue;
    if (Error e = reg.register_kfunc_id_set(owner, prog_type_of[h], sets[h])) return e;
  }
  return {};
}

const void* KfuncDefs::address(uint32_t id) const {
  for (const Def& d : defs_)
    if (d.id == id) return d.addr;
  return nullptr;
}

}  // namespace hostbpf::kfunc
