#include "runtime/module_context.h"

#include <fmt/format.h>

#include <array>
#include <cstring>

#include "runtime/host_registrar.h"
#include "runtime/state.h"

namespace hostbpf::detail {

ModuleContextImpl::ModuleContextImpl(RuntimeState& rt, std::shared_ptr<module::Module> m, const BtfDescriber& host)
    : rt_(rt), mod_(std::move(m)), d_(mod_->name(), btf::Btf::empty(rt.host.btf), &host) {}

int ModuleContextImpl::fail(int code, std::string_view message) {
  failure_ = std::string(message);
  return code < 0 ? code : -EINVAL;
}

Error ModuleContextImpl::register_kfunc(uint32_t id, uint32_t flags, const std::vector<ProgType>& types) {
  if (Error e = d_.check_open(fmt::format("kfunc [{}]", id))) return e;
  if (types.empty())
    return Error(-EINVAL, fmt::format("{}: kfunc '{}': no program types (ProgType::Unspec means all)", name(),
                                      d_.btf()->name(id)));
  for (ProgType t : types)
    if (prog_types::kfunc_hook(t) == kfunc::KfuncHook::Max)
      return Error(-EINVAL, fmt::format("{}: kfunc '{}': program type {} has no kfunc hook", name(),
                                        d_.btf()->name(id), static_cast<uint32_t>(t)));
  pending_.push_back({id, flags, types});
  return {};
}

Error ModuleContextImpl::register_dtor(const char* cxx_name, std::string_view dtor) {
  const std::string where = fmt::format("destructor '{}'", dtor);
  if (Error e = d_.check_open(where)) return e;
  auto st = d_.record_of(cxx_name);
  if (!st.ok()) return Error(st.error()).context(name() + ": " + where);
  auto fn = d_.find(dtor, BTF_KIND_FUNC);
  if (!fn.ok()) return Error(fn.error()).context(where);
  pending_dtors_.emplace_back(*st, *fn);
  return {};
}

Error ModuleContextImpl::register_set(ProgType prog_type, const std::vector<KfuncSetEntry>& set, KfuncFilter filter) {
  const kfunc::KfuncHook hook = prog_types::kfunc_hook(prog_type);
  if (hook == kfunc::KfuncHook::Max)
    return Error(-EINVAL, fmt::format("{}: program type {} has no kfunc hook", name(), static_cast<uint32_t>(prog_type)));
  // add_filter() before publish(): the filter joins the set add() collects for
  // that hook, since a module registers each hook once.
  if (!published_ && set.empty() && filter) {
    auto& f = pending_filters_[static_cast<int>(hook)];
    if (f)
      return Error(-EINVAL, fmt::format("{}: a second filter for hook {}: a module registers each hook once",
                                        name(), prog_types::kfunc_hook_name(hook)));
    f = to_internal_filter(std::move(filter));
    pending_filter_types_[static_cast<int>(hook)] = prog_type;
    return {};
  }
  if (!published_) {
    if (Error e = publish()) return e;
  }
  kfunc::KfuncIdSet s;
  for (const KfuncSetEntry& p : set) s.set.push_back({p.btf_id, p.flags});
  s.filter = to_internal_filter(std::move(filter));
  return rt_.kfuncs.register_kfunc_id_set(mod_->owner(), prog_type, s);
}

Error ModuleContextImpl::publish() {
  if (published_) return {};
  if (Error e = d_.seal("module published")) return e;
  published_ = true;
  // Set before anyone else can see the module, so the BTF pointer never
  // changes under a reader.
  mod_->set_btf(d_.btf());
  rt_.kfuncs.add_owner(mod_->owner());
  for (const auto& [id, addr] : d_.funcs())
    if (Error e = rt_.kfuncs.set_address(mod_->owner(), id, addr)) return e;
  rt_.modules.publish(mod_);
  return register_pending();
}

// The kfunc sets add() collected: one per hook, as a module registers each
// hook once; then the destructors, in one registration.
Error ModuleContextImpl::register_pending() {
  std::array<kfunc::KfuncIdSet, kfunc::kNumKfuncHooks> sets;
  std::array<ProgType, kfunc::kNumKfuncHooks> prog_type_of = pending_filter_types_;
  for (const PendingKfunc& k : pending_) {
    for (ProgType t : k.types) {
      const int h = static_cast<int>(prog_types::kfunc_hook(t));
      bool dup = false;
      for (const kfunc::IdFlags& p : sets[h].set) dup |= p.id == k.id;
      if (!dup) sets[h].set.push_back({k.id, k.flags});
      prog_type_of[h] = t;
    }
  }
  for (int h = 0; h < kfunc::kNumKfuncHooks; h++) {
    if (sets[h].set.empty() && !pending_filters_[h]) continue;
    sets[h].filter = pending_filters_[h];
    if (Error e = rt_.kfuncs.register_kfunc_id_set(mod_->owner(), prog_type_of[h], sets[h])) return e;
  }
  if (pending_dtors_.empty()) return {};
  std::vector<kfunc::DtorPair> pairs;
  for (const auto& [st, fn] : pending_dtors_) pairs.push_back({st, fn});
  return rt_.kfuncs.register_dtor_kfuncs(mod_->owner(), pairs);
}

Result<uint32_t> ModuleContextImpl::register_struct_ops(const StructOpsRegistration& desc) {
  return d_.register_struct_ops(desc, mod_->owner(), rt_.struct_ops);
}

}  // namespace hostbpf::detail
