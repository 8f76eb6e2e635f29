// The host's (or a module's) BTF as the header programs include instead of
// vmlinux.h: every type, as `bpftool btf dump ... format c` writes them, then
// the kfunc prototypes the way bpftool emits them (extern, __weak __ksym,
// skipped under BPF_NO_KFUNC_PROTOTYPES), so a program calls a host or module
// function without declaring it.
#include <bpf/btf.h>
#include <fmt/format.h>

#include <cctype>
#include <cstdarg>
#include <memory>

#include "runtime/state.h"

namespace hostbpf {
namespace detail {
namespace {

void append(void* ctx, const char* f, va_list args) {
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, f, copy);
  va_end(copy);
  if (n <= 0) return;
  auto* out = static_cast<std::string*>(ctx);
  const size_t at = out->size();
  out->resize(at + static_cast<size_t>(n) + 1);
  std::vsnprintf(out->data() + at, static_cast<size_t>(n) + 1, f, args);
  out->resize(at + static_cast<size_t>(n));
}

// `extern <ret> name(<params>) __weak __ksym;` for every kfunc of `owners`.
Result<std::string> kfunc_prototypes(RuntimeState& rt, const btf::Btf& btf,
                                     const std::vector<const module::BtfOwner*>& owners) {
  std::string out;
  std::unique_ptr<struct btf_dump, void (*)(struct btf_dump*)> d(
      btf_dump__new(const_cast<struct btf*>(btf.raw()), append, &out, nullptr), btf_dump__free);
  if (!d) return Error(-errno, "cannot dump BTF as C");
  out += "#ifndef BPF_NO_KFUNC_PROTOTYPES\n#ifndef __ksym\n#define __ksym __attribute__((section(\".ksyms\")))\n#endif\n\n"
         "#ifndef __weak\n#define __weak __attribute__((weak))\n#endif\n\n";
  for (const module::BtfOwner* o : owners) {
    for (uint32_t id = o->btf->start_id(); id < o->btf->end_id(); id++) {
      const struct btf_type* t = o->btf->type(id);
      if (btf_kind(t) != BTF_KIND_FUNC || !rt.kfunc_address(o, id)) continue;
      const std::string name(o->btf->name(id));
      // libbpf writes a prototype without parameters as "f()"; C wants
      // "f(void)", so that one is written as the return type of "f(void)".
      const struct btf_type* proto = o->btf->type(t->type);
      const bool no_params = btf_vlen(proto) == 0;
      const std::string decl = no_params ? name + "(void)" : name;
      LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = decl.c_str());
      out += "extern ";
      if (int err = btf_dump__emit_type_decl(d.get(), no_params ? proto->type : t->type, &opts))
        return Error(err, fmt::format("cannot write the prototype of kfunc {}", name));
      out += " __weak __ksym;\n";
    }
  }
  out += "\n#endif\n\n";
  return out;
}

// Inserts the prototypes before the header's closing #endif.
Result<std::string> header(RuntimeState& rt, const btf::Btf& btf, const std::string& guard,
                           const std::vector<const module::BtfOwner*>& owners) {
  auto types = btf.dump_c(guard);
  if (!types.ok()) return types;
  auto protos = kfunc_prototypes(rt, btf, owners);
  if (!protos.ok()) return protos;
  std::string h = std::move(*types);
  const std::string tail = fmt::format("#endif /* {} */\n", guard);
  const size_t at = h.rfind(tail);
  h.insert(at == std::string::npos ? h.size() : at, *protos);
  return h;
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
  std::shared_ptr<module::Module> mod;
  {
    std::lock_guard<std::mutex> lock(s_->module_load_mu);
    for (const auto& lm : s_->loaded_modules)
      if (lm.mod->name() == name) mod = lm.mod;
  }
  if (!mod) return Error(-ENOENT, fmt::format("module '{}' is not loaded", name));
  std::string guard = "__" + name + "_BTF_H__";
  for (char& c : guard) c = std::isalnum(static_cast<unsigned char>(c)) ? std::toupper(c) : '_';
  return detail::header(*s_, *mod->btf(), guard, {&s_->host, mod->owner()});
}

}  // namespace hostbpf
