// Extern symbols, as libbpf's bpf_object__collect_externs sees them: an
// undefined symbol is meant for the kernel to resolve, and the BTF DATASEC
// clang lists it in says how. hostbpf resolves functions in `.ksyms`
// (`extern <proto> __ksym`, the kfuncs); every other kind is refused here,
// naming the symbol, so nothing is silently left unresolved.
#include <elf.h>

#include "object/parse_error.h"
#include "object/parse_state.h"

namespace hostbpf::object {

namespace {

// The FUNC named `name` in the `.ksyms` DATASEC; 0 when it is not there.
uint32_t ksyms_func(const ParseState& st, const std::string& name) {
  const struct btf* btf = st.btf();
  const uint32_t ds_id = st.datasec(".ksyms");
  if (!btf || !ds_id) return 0;
  const struct btf_type* ds = btf__type_by_id(btf, ds_id);
  const struct btf_var_secinfo* vsi = btf_var_secinfos(ds);
  for (uint16_t i = 0; i < btf_vlen(ds); i++) {
    const struct btf_type* t = btf__type_by_id(btf, vsi[i].type);
    if (!t || !btf_is_func(t)) continue;
    const char* n = btf__name_by_offset(btf, t->name_off);
    if (n && name == n) return vsi[i].type;
  }
  return 0;
}

Result<KsymSpec> kfunc_extern(const ParseState& st, const ElfSymbol& sym) {
  const uint32_t func_id = ksyms_func(st, sym.name);
  if (!func_id) return malformed("failed to find BTF for extern '{}'", sym.name);
  const struct btf_type* func = btf__type_by_id(st.btf(), func_id);
  if (btf_vlen(func) != BTF_FUNC_EXTERN)  // a FUNC keeps its linkage in vlen
    return malformed("extern '{}': BTF FUNC [{}] in .ksyms does not have extern linkage", sym.name, func_id);
  const struct btf_type* proto = btf__type_by_id(st.btf(), func->type);
  if (!proto || !btf_is_func_proto(proto))
    return malformed("extern '{}': BTF FUNC [{}] has no FUNC_PROTO", sym.name, func_id);
  if (sym.bind != STB_GLOBAL && sym.bind != STB_WEAK)
    return malformed("extern '{}' has unsupported binding {}", sym.name, int{sym.bind});
  KsymSpec k;
  k.name = sym.name;
  k.func_id = func_id;
  k.proto_id = func->type;
  k.weak = sym.bind == STB_WEAK;
  return k;
}

}  // namespace

Error collect_externs(ParseState& st) {
  for (const ElfSymbol& sym : st.elf->symbols()) {
    if (sym.shndx != SHN_UNDEF || sym.name.empty() || sym.type == STT_FILE || sym.type == STT_SECTION) continue;
    const std::string kind = extern_kind(st, sym.name, "extern symbol");
    if (kind != "kfunc") {
      if (kind == "ksym")
        return unsupported("extern '{}' (ksym): extern variables in .ksyms are not supported; only extern kfuncs "
                           "are", sym.name);
      return unsupported("extern '{}' ({}) is not supported", sym.name, kind);
    }
    if (st.ksym_index.count(sym.name)) return malformed("extern '{}' is declared twice", sym.name);
    auto k = kfunc_extern(st, sym);
    if (!k) return k.error();
    st.ksym_index.emplace(sym.name, static_cast<uint32_t>(st.spec.ksyms.size()));
    st.spec.ksyms.push_back(std::move(*k));
  }
  return {};
}

}  // namespace hostbpf::object
