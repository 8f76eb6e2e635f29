// DATASEC fix-up, as libbpf's btf_fixup_datasec does it.
//
// clang writes DATASECs before the object is laid out, so their size is 0 and
// the offsets of global (non-static) variables are 0 too; the real values are
// the ELF section's size and the variable symbols' values. Everything that
// later reads map value types (verifier, map layouts, global data) needs the
// real layout, so the object's BTF is patched in place here.
//
// libbpf 1.1's btf API has no setter for these fields; as libbpf itself does,
// the type is reached through btf__type_by_id and written directly. That is
// safe for a btf made by btf__new: its types live in a buffer it allocated.
#include <bpf/btf.h>
#include <elf.h>

#include <algorithm>
#include <map>

#include "object/parse_error.h"
#include "object/parse_state.h"

namespace hostbpf::object {

namespace {

// Externs' DATASECs: no ELF section backs them, so there is nothing to fix.
bool is_extern_datasec(const std::string& name) { return name == ".ksyms" || name == ".kconfig"; }

// Variable symbols by (section index, name), built once: objects can hold
// thousands of both variables and symbols.
using SymbolIndex = std::map<std::pair<uint32_t, std::string>, const ElfSymbol*>;

SymbolIndex index_var_symbols(const ElfFile& elf) {
  SymbolIndex idx;
  for (const ElfSymbol& s : elf.symbols())
    if (s.type == STT_OBJECT && s.shndx != SHN_UNDEF && s.shndx < SHN_LORESERVE) idx.emplace(std::make_pair(s.shndx, s.name), &s);
  return idx;
}

Error fixup_one(const ElfFile& elf, const SymbolIndex& syms, struct btf* btf, uint32_t id, struct btf_type* t) {
  const char* sec_name = btf__name_by_offset(btf, t->name_off);
  if (!sec_name) return malformed("BTF: DATASEC [{}] has a bad name offset", id);
  std::string name = sec_name;
  if (is_extern_datasec(name)) return {};
  const ElfSection* sec = elf.find_section(name);
  bool fix_offsets = false;
  if (t->size == 0) {
    // No section means nothing was emitted for it; leave the DATASEC alone.
    if (!sec) return {};
    if (sec->size > UINT32_MAX) return malformed("BTF: DATASEC '{}': section size {} is too large", name, sec->size);
    t->size = static_cast<uint32_t>(sec->size);
    fix_offsets = true;
  } else if (sec && sec->size != t->size) {
    return malformed("BTF: DATASEC '{}' has size {} but the section has {} bytes", name, t->size, sec->size);
  }
  struct btf_var_secinfo* vsi = btf_var_secinfos(t);
  uint16_t n = btf_vlen(t);
  for (uint16_t i = 0; i < n; i++) {
    const struct btf_type* vt = btf__type_by_id(btf, vsi[i].type);
    if (!vt) return malformed("BTF: DATASEC '{}': entry {} refers to missing type [{}]", name, i, vsi[i].type);
    if (!btf_is_var(vt)) continue;  // extern functions in .ksyms-like sections
    auto* var = const_cast<struct btf_var*>(btf_var(vt));
    if (var->linkage != BTF_VAR_GLOBAL_ALLOCATED) continue;  // static vars carry correct offsets already
    const char* var_name = btf__name_by_offset(btf, vt->name_off);
    if (!var_name) return malformed("BTF: DATASEC '{}': variable [{}] has a bad name offset", name, vsi[i].type);
    const ElfSymbol* sym = nullptr;
    if (sec) {
      auto it = syms.find(std::make_pair(sec->index, std::string(var_name)));
      if (it != syms.end()) sym = it->second;
    }
    if (!sym) {
      if (!fix_offsets) continue;
      return malformed("BTF: DATASEC '{}': no ELF symbol for variable '{}'", name, var_name);
    }
    if (fix_offsets) {
      if (sym->value > UINT32_MAX) return malformed("BTF: variable '{}': offset {} too large", var_name, sym->value);
      vsi[i].offset = static_cast<uint32_t>(sym->value);
    }
    // A global with hidden visibility is static for everything outside the
    // object (libbpf: not exposed, so it does not make the map mmap()able).
    if (sym->visibility == STV_HIDDEN || sym->visibility == STV_INTERNAL) var->linkage = BTF_VAR_STATIC;
  }
  std::sort(vsi, vsi + n, [](const btf_var_secinfo& a, const btf_var_secinfo& b) { return a.offset < b.offset; });
  for (uint16_t i = 0; i < n; i++)
    if (!in_bounds(vsi[i].offset, vsi[i].size, t->size))
      return malformed("BTF: DATASEC '{}': entry at offset {} size {} lies outside the section ({} bytes)", name,
                       vsi[i].offset, vsi[i].size, t->size);
  return {};
}

}  // namespace

Error fixup_btf_datasecs(ParseState& st) {
  struct btf* btf = st.btf();
  uint32_t n = btf__type_cnt(btf);
  SymbolIndex syms = index_var_symbols(*st.elf);
  for (uint32_t id = 1; id < n; id++) {
    auto* t = const_cast<struct btf_type*>(btf__type_by_id(btf, id));
    if (!t || !btf_is_datasec(t)) continue;
    if (Error e = fixup_one(*st.elf, syms, btf, id, t)) return e;
    if (const char* name = btf__name_by_offset(btf, t->name_off)) st.datasec_ids.emplace(name, id);
  }
  return {};
}

}  // namespace hostbpf::object
