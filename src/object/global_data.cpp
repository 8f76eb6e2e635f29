// Global variables: each .data, .rodata, .bss section (and the custom .data.*,
// .rodata.*, .bss.* ones, including clang's .rodata.str1.1 string literals)
// becomes a single-element array map whose value is the section, as libbpf
// lays them out. Instructions reach a variable with an LDDW that the relocation
// stage turns into BPF_PSEUDO_MAP_IDX_VALUE (map, offset).
#include <bpf/btf.h>
#include <elf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cctype>

#include "object/parse_error.h"
#include "object/parse_state.h"

namespace hostbpf::object {

namespace {

constexpr size_t kObjNameLen = 16;  // BPF_OBJ_NAME_LEN, including the NUL

bool has_prefix(const std::string& name, const std::string& base) {
  return name == base || name.starts_with(base + ".");
}

bool is_rodata(const std::string& name) { return has_prefix(name, ".rodata"); }

bool is_global_data(const ElfSection& s) {
  if (s.size == 0 || (s.flags & SHF_EXECINSTR)) return false;
  if (s.type != SHT_PROGBITS && s.type != SHT_NOBITS) return false;
  return has_prefix(s.name, ".data") || is_rodata(s.name) || has_prefix(s.name, ".bss");
}

// libbpf's naming, so that tools and users see the same map names: as much of
// the object name as fits before a 7-character suffix slot ("hello.rodata",
// "my_objec.rodata"), but custom sections (a second '.') keep just their own
// name (".data.foo"). Characters the kernel refuses in names become '_'.
std::string internal_map_name(const std::string& obj, const std::string& real) {
  size_t sfx = std::min(std::max<size_t>(7, real.size()), kObjNameLen - 1);
  size_t pfx = real.find('.', 1) != std::string::npos ? 0 : std::min(kObjNameLen - sfx - 1, obj.size());
  std::string name = obj.substr(0, pfx) + real.substr(0, sfx);
  if (name.size() > kObjNameLen - 1) name.resize(kObjNameLen - 1);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') c = '_';
  return name;
}

// libbpf makes a global-data map mmap()able only when some variable in it is
// visible outside the object (not static, not hidden).
bool has_exported_var(const struct btf* btf, uint32_t datasec_id) {
  const struct btf_type* ds = btf__type_by_id(btf, datasec_id);
  const struct btf_var_secinfo* vsi = btf_var_secinfos(ds);
  for (uint16_t i = 0; i < btf_vlen(ds); i++) {
    const struct btf_type* vt = btf__type_by_id(btf, vsi[i].type);
    if (vt && btf_is_var(vt) && btf_var(vt)->linkage != BTF_VAR_STATIC) return true;
  }
  return false;
}

}  // namespace

Error add_global_data_maps(ParseState& st) {
  for (const ElfSection& s : st.elf->sections()) {
    if (!is_global_data(s)) continue;
    if (s.size > kMaxMapValueSize)
      return Error(-E2BIG, fmt::format("section '{}': {} bytes of global data is too large for a map (at most {})",
                                       s.name, s.size, kMaxMapValueSize));
    MapDef m;
    m.spec.name = internal_map_name(st.spec.name, s.name);
    m.spec.type = BPF_MAP_TYPE_ARRAY;
    m.spec.key_size = 4;
    m.spec.value_size = static_cast<uint32_t>(s.size);
    m.spec.max_entries = 1;
    m.read_only = is_rodata(s.name);
    m.is_global_data = true;
    if (m.read_only) m.spec.map_flags |= BPF_F_RDONLY_PROG;
    if (uint32_t id = st.datasec(s.name)) {
      m.spec.btf_value_type_id = id;
      if (has_exported_var(st.btf(), id)) m.spec.map_flags |= BPF_F_MMAPABLE;
    }
    m.data_section = s.name;
    if (s.type == SHT_NOBITS) {
      m.initial_value.assign(s.size, 0);
    } else {
      m.initial_value.assign(s.bytes.begin(), s.bytes.end());
    }
    st.data_map_of_section[s.index] = static_cast<uint32_t>(st.spec.maps.size());
    st.spec.maps.push_back(std::move(m));
  }
  return {};
}

}  // namespace hostbpf::object
