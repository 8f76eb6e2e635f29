#include "runtime/host_registrar.h"

#include <fmt/format.h>

#include <algorithm>

#include "prog_types/prog_type_ops.h"

namespace hostbpf::detail {

kfunc::Filter to_internal_filter(KfuncFilter f) {
  if (!f) return nullptr;
  return [f = std::move(f)](const kfunc::ProgInfo& p, uint32_t id) {
    return f(KfuncFilterInfo{static_cast<ProgType>(p.prog_type), p.name, p.sleepable}, id);
  };
}

void HostRegistrar::record_build_error(Error e) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!build_error_) build_error_ = std::move(e);
}

Error HostRegistrar::seal(const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!d_.sealed()) seal_error_ = d_.seal(why);
  return build_error_ ? build_error_ : seal_error_;
}

Error HostRegistrar::check(std::string_view what) const {
  if (build_error_) return Error(build_error_).context(std::string(what));
  return d_.check_open(what);
}

Result<uint32_t> HostRegistrar::find(std::string_view name, uint32_t kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  return d_.find(name, kind);
}

Result<uint32_t> HostRegistrar::define_record(const char* cxx_name, std::string_view name, size_t size,
                                              bool is_union, const std::vector<FieldDesc>& fields) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Error e = check(fmt::format("struct '{}'", name))) return e;
  return d_.define_record(cxx_name, name, size, is_union, fields);
}

Error HostRegistrar::bind_record(const char* cxx_name, std::string_view btf_name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Error e = check(fmt::format("bind '{}'", btf_name))) return e;
  return d_.bind_record(cxx_name, btf_name);
}

Result<uint32_t> HostRegistrar::define_func(std::string_view name, const void* addr, const TypeDesc& ret,
                                            const std::vector<TypeDesc>& params,
                                            const std::vector<std::string>& param_names) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Error e = check(fmt::format("kfunc '{}'", name))) return e;
  auto id = d_.define_func(name, addr, ret, params, param_names);
  if (!id.ok()) return id;
  if (Error e = kfuncs_.set_address(&host_, *id, addr)) return e;
  return id;
}

Error HostRegistrar::register_set(ProgType prog_type, const std::vector<KfuncSetEntry>& set, KfuncFilter filter) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Error e = check("kfunc set")) return e;
  kfunc::KfuncIdSet s;
  for (const KfuncSetEntry& p : set) s.set.push_back({p.btf_id, p.flags});
  s.filter = to_internal_filter(std::move(filter));
  return kfuncs_.register_kfunc_id_set(&host_, prog_type, s);
}

Error HostRegistrar::register_kfunc(uint32_t id, uint32_t flags, const std::vector<ProgType>& types) {
  std::lock_guard<std::mutex> lock(mu_);
  if (Error e = check(fmt::format("kfunc [{}]", id))) return e;
  if (types.empty())
    return Error(-EINVAL, fmt::format("vmlinux: kfunc '{}': no program types (ProgType::Unspec means all)",
                                      host_.btf->name(id)));
  // One registration per hook (several program types share one); check every
  // program type first, so that a bad one registers nothing.
  std::vector<ProgType> per_hook;
  std::vector<kfunc::KfuncHook> seen;
  for (ProgType t : types) {
    const kfunc::KfuncHook h = prog_types::kfunc_hook(t);
    if (h == kfunc::KfuncHook::Max)
      return Error(-EINVAL, fmt::format("vmlinux: kfunc '{}': program type {} has no kfunc hook",
                                        host_.btf->name(id), static_cast<uint32_t>(t)));
    if (std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
    seen.push_back(h);
    per_hook.push_back(t);
  }
  for (ProgType t : per_hook) {
    kfunc::KfuncIdSet s;
    s.set.push_back({id, flags});
    if (Error e = kfuncs_.register_kfunc_id_set(&host_, t, s)) return e;
  }
  return {};
}

Error HostRegistrar::register_dtor(const char* cxx_name, std::string_view dtor) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string where = fmt::format("destructor '{}'", dtor);
  if (Error e = check(where)) return e;
  auto st = d_.record_of(cxx_name);
  if (!st.ok()) return Error(st.error()).context("vmlinux: " + where);
  auto fn = d_.find(dtor, BTF_KIND_FUNC);
  if (!fn.ok()) return Error(fn.error()).context(where);
  return kfuncs_.register_dtor_kfuncs(&host_, {{*st, *fn}});
}

Result<uint32_t> HostRegistrar::register_struct_ops(const StructOpsRegistration& desc) {
  std::lock_guard lock(mu_);
  if (Error e = check(fmt::format("struct_ops {}", desc.name))) return e;
  return d_.register_struct_ops(desc, &host_, struct_ops_);
}

}  // namespace hostbpf::detail
