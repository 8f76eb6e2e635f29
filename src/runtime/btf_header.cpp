// The host's (or a module's) BTF as the header programs include instead of
// vmlinux.h: every type, as `bpftool btf dump ... format c` writes them, then
// the kfunc prototypes the way bpftool emits them (extern, __weak __ksym,
// skipped under BPF_NO_KFUNC_PROTOTYPES), so a program calls a host or module
// function without declaring it.
#include <bpf/btf.h>
#include <fmt/format.h>

#include <cctype>
#include <vector>

#include "runtime/state.h"

namespace hostbpf {
namespace detail {
namespace {

// The kfuncs of `owners` (FUNCs with a registered address) as ids of `btf`,
// whose prototypes the header declares.
std::vector<uint32_t> kfunc_ids(RuntimeState& rt, const std::vector<const module::BtfOwner*>& owners) {
  std::vector<uint32_t> ids;
  for (const module::BtfOwner* o : owners)
    for (uint32_t id = o->btf->start_id(); id < o->btf->end_id(); id++)
      if (btf_kind(o->btf->type(id)) == BTF_KIND_FUNC && rt.kfuncs.address(o, id)) ids.push_back(id);
  return ids;
}

Result<std::string> header(RuntimeState& rt, const btf::Btf& btf, const std::string& guard,
                           const std::vector<const module::BtfOwner*>& owners) {
  return btf.dump_c(guard, kfunc_ids(rt, owners));
}

}  // namespace
}  // namespace detail

Result<std::string> Runtime::host_btf_header() {
  if (Error e = s_->seal_host("the host BTF was dumped")) return e;
  return detail::header(*s_, *s_->host.btf, "__VMLINUX_H__", {&s_->host});
}

Result<std::vector<uint8_t>> Runtime::host_btf_raw() {
  if (Error e = s_->seal_host("the host BTF was dumped")) return e;
  return s_->host.btf->raw_data();
}

Result<std::string> Runtime::module_btf_header(const std::string& name) {
  std::shared_ptr<module::Module> mod = s_->modules.find_loaded(name);
  if (!mod) return Error(-ENOENT, fmt::format("module '{}' is not loaded", name));
  std::string guard = "__" + name + "_BTF_H__";
  for (char& c : guard) c = std::isalnum(static_cast<unsigned char>(c)) ? std::toupper(c) : '_';
  return detail::header(*s_, *mod->btf(), guard, {&s_->host, mod->owner()});
}

}  // namespace hostbpf
