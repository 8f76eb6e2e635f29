// BTF dumps in bpftool's formats. The host's (or a module's) C dump is the
// header programs include instead of vmlinux.h: every type, as `bpftool btf
// dump ... format c` writes them, then the kfunc prototypes the way bpftool
// emits them (extern, __weak __ksym, skipped under BPF_NO_KFUNC_PROTOTYPES),
// so a program calls a host or module function without declaring it.
#include <bpf/btf.h>
#include <fmt/format.h>

#include <cctype>
#include <vector>

#include "object/libbpf_log.h"
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

Result<std::string> Runtime::host_btf_dump(BtfFormat format) {
  if (Error e = s_->seal_host("the host BTF was dumped")) return e;
  if (format == BtfFormat::Raw) return s_->host.btf->dump_raw();
  return detail::header(*s_, *s_->host.btf, "__VMLINUX_H__", {&s_->host});
}

Result<std::vector<uint8_t>> Runtime::host_btf_raw() {
  if (Error e = s_->seal_host("the host BTF was dumped")) return e;
  return s_->host.btf->raw_data();
}

Result<std::string> Runtime::module_btf_dump(const std::string& name, BtfFormat format) {
  std::shared_ptr<module::Module> mod = s_->modules.find_loaded(name);
  if (!mod) return Error(-ENOENT, fmt::format("module '{}' is not loaded", name));
  if (format == BtfFormat::Raw) return mod->btf()->dump_raw();
  std::string guard = "__" + name + "_BTF_H__";
  for (char& c : guard) c = std::isalnum(static_cast<unsigned char>(c)) ? std::toupper(c) : '_';
  return detail::header(*s_, *mod->btf(), guard, {&s_->host, mod->owner()});
}

Result<std::string> dump_btf_file(const std::string& path, BtfFormat format) {
  // Btf checks what libbpf's parser accepts but its walks would crash on;
  // what libbpf itself refused is only in its log, so that goes in the error.
  object::LibbpfCapture libbpf_says;
  auto btf = btf::Btf::from_file(path);
  if (!btf.ok()) {
    if (libbpf_says.last().empty()) return btf.error();
    return Error(btf.error().code(), fmt::format("{} ({})", btf.error().message(), libbpf_says.last()));
  }
  if (format == BtfFormat::Raw) return (*btf)->dump_raw();
  auto header = (*btf)->dump_c("__HOSTBPF_BTF_H__");
  if (!header.ok()) return Error(header.error()).context(path);
  return header;
}

}  // namespace hostbpf
