#include "kfunc/kfunc_set.h"

#include <fmt/format.h>

#include <algorithm>

namespace hostbpf::kfunc {

namespace {

// The kernel's per-pair BTF sanity check: a FUNC whose type is a FUNC_PROTO,
// with a name.
Error check_func(const btf::Btf& btf, uint32_t id, const std::string& owner) {
  const struct btf_type* t = btf.type(id);
  if (!t || btf_kind(t) != BTF_KIND_FUNC)
    return Error(-EINVAL, fmt::format("{}: kernel btf_id {} is not a function", owner, id));
  const struct btf_type* proto = btf.type(t->type);
  if (!proto || btf_kind(proto) != BTF_KIND_FUNC_PROTO)
    return Error(-EINVAL, fmt::format("{}: kernel function btf_id {} does not have a valid func_proto", owner, id));
  if (btf.name(id).empty()) return Error(-EINVAL, fmt::format("{}: kfunc btf_id {} has no name", owner, id));
  return {};
}

int popcount(uint32_t v) { return __builtin_popcount(v); }

// Open-coded iterator kfuncs: exactly one ITER flag, named
// bpf_iter_<type>_{new,next,destroy}, first argument a pointer to struct
// bpf_iter_<type> whose size is a non-zero multiple of 8.
Error check_iter(const btf::Btf& btf, uint32_t id, uint32_t flags, const std::string& owner) {
  const uint32_t iter = flags & (KF_ITER_NEW | KF_ITER_NEXT | KF_ITER_DESTROY);
  if (!iter) return {};
  const std::string name(btf.name(id));
  auto fail = [&](const std::string& why) {
    return Error(-EINVAL, fmt::format("{}: iterator kfunc {} {}", owner, name, why));
  };
  if (popcount(iter) != 1) return fail("has more than one KF_ITER_* flag");
  const char* suffix = iter == KF_ITER_NEW ? "_new" : iter == KF_ITER_NEXT ? "_next" : "_destroy";
  if (!name.starts_with("bpf_iter_") || !name.ends_with(suffix))
    return fail(fmt::format("must be named bpf_iter_<type>{}", suffix));
  const std::string type = name.substr(0, name.size() - std::string_view(suffix).size());
  const struct btf_type* proto = btf.type(btf.type(id)->type);
  const uint16_t nargs = btf_vlen(proto);
  if (nargs < 1) return fail("takes no iterator argument");
  const struct btf_type* arg = btf.type(btf.skip_modifiers_and_typedefs(btf_params(proto)[0].type));
  const uint32_t pointee = arg && btf_kind(arg) == BTF_KIND_PTR ? btf.skip_modifiers_and_typedefs(arg->type) : 0;
  const struct btf_type* st = pointee ? btf.type(pointee) : nullptr;
  if (!st || btf_kind(st) != BTF_KIND_STRUCT || btf.name(pointee) != type)
    return fail(fmt::format("must take a struct {} * first", type));
  if (st->size == 0 || st->size % 8) return fail(fmt::format("struct {} must be a non-zero multiple of 8 bytes", type));
  if (iter != KF_ITER_NEW && nargs != 1) return fail("must take exactly one argument");
  if (iter == KF_ITER_NEXT) {
    const struct btf_type* ret = btf.type(btf.skip_modifiers_and_typedefs(proto->type));
    if (!ret || btf_kind(ret) != BTF_KIND_PTR) return fail("must return a pointer");
  }
  if (iter == KF_ITER_DESTROY && proto->type != 0) return fail("must return void");
  return {};
}

}  // namespace

void KfuncRegistry::add_owner(const Owner* owner) {
  std::lock_guard<std::mutex> lock(mu_);
  auto tab = std::make_unique<Tab>();
  tab->owner = owner;
  tabs_.push_back(std::move(tab));
}

void KfuncRegistry::remove_owner(const Owner* owner) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(tabs_, [owner](const std::unique_ptr<Tab>& t) { return t->owner == owner; });
}

KfuncRegistry::Tab* KfuncRegistry::tab_of(const Owner* owner) {
  for (auto& t : tabs_)
    if (t->owner == owner) return t.get();
  return nullptr;
}

const KfuncRegistry::Tab* KfuncRegistry::tab_of(const Owner* owner) const {
  for (const auto& t : tabs_)
    if (t->owner == owner) return t.get();
  return nullptr;
}

bool KfuncRegistry::name_taken_elsewhere(const Owner* owner, const std::string& name) const {
  for (const auto& t : tabs_) {
    if (t->owner == owner) continue;
    const btf::Btf& b = *t->owner->btf;
    if (t->owner->is_module ? b.find_own(name, BTF_KIND_FUNC).ok() : b.find(name, BTF_KIND_FUNC).ok()) return true;
  }
  return false;
}

Error KfuncRegistry::check_set(const Tab& tab, const KfuncIdSet& set) const {
  const Owner& o = *tab.owner;
  for (const IdFlags& p : set.set) {
    if (Error e = check_func(*o.btf, p.id, o.name)) return e;
    const std::string name(o.btf->name(p.id));
    if (o.is_module && name_taken_elsewhere(&o, name))
      return Error(-EEXIST, fmt::format("{}: kfunc {} (id: {}) is already present in vmlinux.", o.name, name, p.id));
    if (Error e = check_iter(*o.btf, p.id, p.flags, o.name)) return e;
  }
  return {};
}

Error KfuncRegistry::register_kfunc_id_set(const Owner* owner, ProgType prog_type, const KfuncIdSet& set) {
  std::lock_guard<std::mutex> lock(mu_);
  Tab* tab = tab_of(owner);
  if (!tab) return Error(-ENOENT, fmt::format("{}: not a registered BTF owner", owner->name));
  if (!(set.set_flags & BTF_SET8_KFUNCS))
    return Error(-EINVAL, fmt::format("{}: kfunc set is not declared as a kfunc set (BTF_SET8_KFUNCS)", owner->name));
  const KfuncHook hook = prog_types::kfunc_hook(prog_type);
  if (hook == KfuncHook::Max)
    return Error(-EINVAL, fmt::format("{}: program type {} has no kfunc hook", owner->name, static_cast<uint32_t>(prog_type)));
  const int h = static_cast<int>(hook);
  if (owner->is_module && tab->registered[h])
    return Error(-EINVAL, fmt::format("{}: module registered hook {} twice", owner->name, prog_types::kfunc_hook_name(hook)));
  if (Error e = check_set(*tab, set)) return e;
  if (tab->sets[h].size() + set.set.size() > kMaxPerHook)
    return Error(-E2BIG, fmt::format("{}: more than {} kfuncs in hook {}", owner->name, kMaxPerHook, prog_types::kfunc_hook_name(hook)));
  if (set.filter && tab->filters[h].size() >= kMaxFilters)
    return Error(-E2BIG, fmt::format("{}: more than {} filters in hook {}", owner->name, kMaxFilters, prog_types::kfunc_hook_name(hook)));

  // The host may register many sets per hook: concatenated, then re-sorted so
  // lookups stay a binary search.
  auto& merged = tab->sets[h];
  merged.insert(merged.end(), set.set.begin(), set.set.end());
  std::stable_sort(merged.begin(), merged.end(), [](const IdFlags& a, const IdFlags& b) { return a.id < b.id; });
  if (set.filter) tab->filters[h].push_back(set.filter);
  tab->registered[h] = true;
  return {};
}

Error KfuncRegistry::register_dtor_kfuncs(const Owner* owner, const std::vector<DtorPair>& pairs) {
  std::lock_guard<std::mutex> lock(mu_);
  Tab* tab = tab_of(owner);
  if (!tab) return Error(-ENOENT, fmt::format("{}: not a registered BTF owner", owner->name));
  if (owner->is_module && tab->dtors_registered)
    return Error(-EINVAL, fmt::format("{}: module registered its destructors twice", owner->name));
  if (tab->dtors.size() + pairs.size() >= kMaxDtors)
    return Error(-E2BIG, fmt::format("{}: {} destructor kfuncs or more", owner->name, kMaxDtors));
  const btf::Btf& b = *owner->btf;
  for (const DtorPair& p : pairs) {
    const struct btf_type* st = b.type(p.struct_id);
    if (!st || btf_kind(st) != BTF_KIND_STRUCT)
      return Error(-EINVAL, fmt::format("{}: destructor for btf_id {}: not a struct", owner->name, p.struct_id));
    if (Error e = check_func(b, p.dtor_id, owner->name)) return e;
    const struct btf_type* proto = b.type(b.type(p.dtor_id)->type);
    const struct btf_type* arg =
        btf_vlen(proto) == 1 ? b.type(b.skip_modifiers_and_typedefs(btf_params(proto)[0].type)) : nullptr;
    if (proto->type != 0 || !arg || btf_kind(arg) != BTF_KIND_PTR)
      return Error(-EINVAL, fmt::format("{}: destructor {} must return void and take exactly one pointer",
                                        owner->name, b.name(p.dtor_id)));
  }
  tab->dtors.insert(tab->dtors.end(), pairs.begin(), pairs.end());
  std::stable_sort(tab->dtors.begin(), tab->dtors.end(),
                   [](const DtorPair& a, const DtorPair& b) { return a.struct_id < b.struct_id; });
  tab->dtors_registered = true;
  return {};
}

std::optional<uint32_t> KfuncRegistry::search(const std::vector<IdFlags>& set, uint32_t id) {
  auto it = std::lower_bound(set.begin(), set.end(), id, [](const IdFlags& p, uint32_t v) { return p.id < v; });
  if (it == set.end() || it->id != id) return std::nullopt;
  return it->flags;
}

std::optional<uint32_t> KfuncRegistry::flags_in_hook(const Owner* owner, KfuncHook hook, uint32_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Tab* tab = tab_of(owner);
  if (!tab || hook == KfuncHook::Max) return std::nullopt;
  return search(tab->sets[static_cast<int>(hook)], id);
}

std::optional<KfuncMeta> KfuncRegistry::lookup(const Owner* owner, uint32_t id, const ProgInfo& prog) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Tab* tab = tab_of(owner);
  if (!tab) return std::nullopt;
  for (KfuncHook hook : {KfuncHook::Common, prog_types::kfunc_hook(prog.prog_type)}) {
    if (hook == KfuncHook::Max) continue;
    const int h = static_cast<int>(hook);
    auto flags = search(tab->sets[h], id);
    if (!flags) continue;
    bool denied = false;
    for (const Filter& f : tab->filters[h]) denied |= f(prog, id) != 0;
    if (!denied) return KfuncMeta{owner, id, *flags};
  }
  return std::nullopt;
}

Error KfuncRegistry::set_address(const Owner* owner, uint32_t id, const void* addr) {
  std::lock_guard<std::mutex> lock(mu_);
  Tab* tab = tab_of(owner);
  if (!tab) return Error(-ENOENT, fmt::format("{}: kfunc [{}]: owner not registered", owner->name, id));
  tab->addrs[id] = addr;
  return {};
}

const void* KfuncRegistry::address(const Owner* owner, uint32_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Tab* tab = tab_of(owner);
  if (!tab) return nullptr;
  auto it = tab->addrs.find(id);
  return it == tab->addrs.end() ? nullptr : it->second;
}

uint32_t KfuncRegistry::find_dtor(const Owner* owner, uint32_t struct_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Tab* tab = tab_of(owner);
  if (!tab) return 0;
  auto it = std::lower_bound(tab->dtors.begin(), tab->dtors.end(), struct_id,
                             [](const DtorPair& p, uint32_t v) { return p.struct_id < v; });
  return it != tab->dtors.end() && it->struct_id == struct_id ? it->dtor_id : 0;
}

std::optional<std::pair<const Owner*, uint32_t>> KfuncRegistry::find_by_name(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& t : tabs_) {  // the host is first
    const btf::Btf& b = *t->owner->btf;
    auto id = t->owner->is_module ? b.find_own(name, BTF_KIND_FUNC) : b.find(name, BTF_KIND_FUNC);
    if (id.ok()) return std::make_pair(t->owner, *id);
  }
  return std::nullopt;
}

}  // namespace hostbpf::kfunc
