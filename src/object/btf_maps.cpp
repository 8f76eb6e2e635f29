// BTF-defined maps: the variables of the ".maps" section, each a struct whose
// members encode the map's attributes in their types (bpf_helpers.h):
//   __uint(name, N)   int (*name)[N]      -> the number N
//   __type(name, T)   typeof(T) *name     -> the type T (and its size)
//   __array(values, T) T *values[]         -> prog-array (or map-in-map) slots,
//                                            filled by relocations in .rel.maps
// as libbpf reads them. Legacy `struct bpf_map_def` maps (section "maps") were
// dropped by libbpf 1.0 and are rejected by elf_object.cpp.
#include <bpf/btf.h>
#include <elf.h>
#include <linux/bpf.h>

#include <optional>

#include "object/parse_error.h"
#include "object/parse_state.h"
#include "btf/query.h"

namespace hostbpf::object {

namespace {

using btf::skip_mods_and_typedefs;

struct MapAttrs {
  std::optional<uint32_t> type, max_entries, map_flags, key_size, value_size;
  uint32_t key_type_id = 0, value_type_id = 0;
  std::optional<uint32_t> values_member;  // index of the `values` member
};

class MapDefParser {
 public:
  MapDefParser(const struct btf* btf, std::string name) : btf_(btf), name_(std::move(name)) {}

  Error parse(const struct btf_type* def, MapAttrs* a) {
    const struct btf_member* m = btf_members(def);
    uint16_t n = btf_vlen(def);
    for (uint16_t i = 0; i < n; i++, m++) {
      const char* attr = btf__name_by_offset(btf_, m->name_off);
      if (!attr || !*attr) return bad("member {} has no name", i);
      std::string an = attr;
      Error e;
      if (an == "type") e = uint_attr(m, an, &a->type);
      else if (an == "max_entries") e = uint_attr(m, an, &a->max_entries);
      else if (an == "map_flags") e = uint_attr(m, an, &a->map_flags);
      else if (an == "key_size") e = size_attr(m, an, &a->key_size);
      else if (an == "value_size") e = size_attr(m, an, &a->value_size);
      else if (an == "key") e = type_attr(m, an, &a->key_size, &a->key_type_id);
      else if (an == "value") e = type_attr(m, an, &a->value_size, &a->value_type_id);
      else if (an == "numa_node" || an == "pinning" || an == "map_extra") {
        // Accepted for source compatibility; nothing here uses them (no NUMA,
        // no bpffs pinning, no bloom filters).
        std::optional<uint32_t> ignored;
        e = uint_attr(m, an, &ignored);
      } else if (an == "values") {
        if (i != n - 1) return bad("'values' must be the last member");
        e = values_attr(m);
        a->values_member = i;
      } else {
        return bad("unknown attribute '{}'", an);
      }
      if (e) return e;
    }
    return {};
  }

 private:
  template <class... A>
  Error bad(fmt::format_string<A...> f, A&&... args) {
    return malformed("map '{}': {}", name_, fmt::format(f, std::forward<A>(args)...));
  }

  // __uint(name, N): a pointer to an array of N elements.
  Error uint_attr(const struct btf_member* m, const std::string& attr, std::optional<uint32_t>* out) {
    const struct btf_type* p = skip_mods_and_typedefs(btf_, m->type);
    if (!p || !btf_is_ptr(p)) return bad("attribute '{}' must be declared with __uint({}, N)", attr, attr);
    const struct btf_type* arr = btf__type_by_id(btf_, p->type);
    if (!arr || !btf_is_array(arr)) return bad("attribute '{}' must be declared with __uint({}, N)", attr, attr);
    *out = btf_array(arr)->nelems;
    return {};
  }

  Error size_attr(const struct btf_member* m, const std::string& attr, std::optional<uint32_t>* size) {
    std::optional<uint32_t> v;
    if (Error e = uint_attr(m, attr, &v)) return e;
    return set_size(attr, *v, size);
  }

  Error set_size(const std::string& attr, uint64_t v, std::optional<uint32_t>* size) {
    if (v > kMaxMapValueSize)
      return Error(-E2BIG, fmt::format("map '{}': {} size {} is too large (at most {})", name_, attr, v,
                                       kMaxMapValueSize));
    if (*size && **size != v) return bad("conflicting {} sizes {} and {}", attr, **size, v);
    *size = static_cast<uint32_t>(v);
    return {};
  }

  // __type(name, T): a pointer to T.
  Error type_attr(const struct btf_member* m, const std::string& attr, std::optional<uint32_t>* size,
                  uint32_t* type_id) {
    const struct btf_type* p = skip_mods_and_typedefs(btf_, m->type);
    if (!p || !btf_is_ptr(p)) return bad("attribute '{}' must be declared with __type({}, T)", attr, attr);
    int64_t sz = btf__resolve_size(btf_, p->type);
    if (sz < 0) return bad("cannot determine the size of the {} type [{}]", attr, p->type);
    if (Error e = set_size(attr, static_cast<uint64_t>(sz), size)) return e;
    *type_id = p->type;
    return {};
  }

  // __array(values, T): an empty array of pointers. What T must be depends on
  // the map type, checked once the whole definition is read.
  Error values_attr(const struct btf_member* m) {
    const struct btf_type* arr = btf__type_by_id(btf_, m->type);
    if (!arr || !btf_is_array(arr) || btf_array(arr)->nelems != 0)
      return bad("'values' must be declared with __array(values, T)");
    const struct btf_type* p = skip_mods_and_typedefs(btf_, btf_array(arr)->type);
    if (!p || !btf_is_ptr(p)) return bad("'values' must be an array of pointers");
    values_target_ = skip_mods_and_typedefs(btf_, p->type);
    if (!values_target_) return bad("'values' points to a missing type");
    return {};
  }

 public:
  const struct btf_type* values_target_ = nullptr;

 private:
  const struct btf* btf_;
  std::string name_;
};

bool is_map_in_map(uint32_t type) {
  return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

Error define_map(ParseState& st, const struct btf_var_secinfo& vsi) {
  const struct btf* btf = st.btf();
  const struct btf_type* vt = btf__type_by_id(btf, vsi.type);
  if (!vt || !btf_is_var(vt)) return malformed("BTF: '.maps' entry [{}] is not a variable", vsi.type);
  const char* vname = btf__name_by_offset(btf, vt->name_off);
  if (!vname || !*vname) return malformed("BTF: '.maps' variable [{}] has no name", vsi.type);
  std::string name = vname;
  uint32_t linkage = btf_var(vt)->linkage;
  if (linkage != BTF_VAR_GLOBAL_ALLOCATED && linkage != BTF_VAR_STATIC)
    return unsupported("map '{}': extern map definitions are not supported", name);
  const struct btf_type* def = skip_mods_and_typedefs(btf, vt->type);
  if (!def || !btf_is_struct(def)) return malformed("map '{}': definition is not a struct", name);

  MapAttrs a;
  MapDefParser parser(btf, name);
  if (Error e = parser.parse(def, &a)) return e;
  if (!a.type) return malformed("map '{}': no map type (__uint(type, ...))", name);

  if (a.values_member) {
    if (is_map_in_map(*a.type))
      return unsupported("map '{}': maps of maps (inner map definitions in 'values') are not supported yet", name);
    if (*a.type != BPF_MAP_TYPE_PROG_ARRAY)
      return malformed("map '{}': 'values' is only allowed in prog arrays and maps of maps", name);
    if (!btf_is_func_proto(parser.values_target_))
      return malformed("map '{}': prog array 'values' must point to functions", name);
    if (a.value_size && *a.value_size != 4) return malformed("map '{}': conflicting value size {} != 4", name, *a.value_size);
    a.value_size = 4;
    uint32_t bit_off = btf_member_bit_offset(def, *a.values_member);
    st.values_offset[static_cast<uint32_t>(st.spec.maps.size())] = bit_off / 8;
  } else if (is_map_in_map(*a.type)) {
    return unsupported("map '{}': maps of maps are not supported yet", name);
  }

  MapDef m;
  m.spec.name = name;
  m.spec.type = *a.type;
  m.spec.key_size = a.key_size.value_or(0);
  m.spec.value_size = a.value_size.value_or(0);
  m.spec.max_entries = a.max_entries.value_or(0);
  m.spec.map_flags = a.map_flags.value_or(0);
  m.spec.btf_key_type_id = a.key_type_id;
  m.spec.btf_value_type_id = a.value_type_id;
  if (!st.map_at_offset.emplace(vsi.offset, static_cast<uint32_t>(st.spec.maps.size())).second)
    return malformed("map '{}': another map is defined at the same offset {}", name, vsi.offset);
  st.map_extent[vsi.offset] = vsi.size;
  st.spec.maps.push_back(std::move(m));
  return {};
}

// Which map's variable covers [off, off + len) in .maps; -1 if none.
int map_covering(const ParseState& st, uint64_t off, uint64_t len, uint64_t* var_off) {
  auto it = st.map_at_offset.upper_bound(off);
  if (it == st.map_at_offset.begin()) return -1;
  --it;
  uint64_t extent = st.map_extent.at(it->first);
  if (!in_bounds(off - it->first, len, extent)) return -1;
  *var_off = it->first;
  return static_cast<int>(it->second);
}

}  // namespace

Error parse_btf_maps(ParseState& st) {
  const ElfSection* sec = st.elf->find_section(".maps");
  if (!sec) return {};
  st.maps_section = sec->index;
  if (!st.btf()) return malformed("section '.maps' needs BTF, but the object has no .BTF section");
  uint32_t id = st.datasec(".maps");
  if (!id) return malformed("section '.maps' has no DATASEC in the object's BTF");
  const struct btf_type* ds = btf__type_by_id(st.btf(), id);
  const struct btf_var_secinfo* vsi = btf_var_secinfos(ds);
  for (uint16_t i = 0; i < btf_vlen(ds); i++)
    if (Error e = define_map(st, vsi[i])) return e;
  return {};
}

Error parse_prog_array_values(ParseState& st) {
  if (!st.maps_section) return {};
  const ElfSection* rel = st.elf->rel_section_for(st.maps_section);
  if (!rel) return {};
  auto relocs = st.elf->relocations(*rel);
  if (!relocs) return relocs.error();
  std::unordered_map<uint32_t, uint32_t> program_of_function;
  for (uint32_t p = 0; p < st.program_function.size(); p++) program_of_function[st.program_function[p]] = p;

  for (const ElfReloc& r : *relocs) {
    const ElfSymbol& sym = st.elf->symbols()[r.sym];
    auto where = [&] { return fmt::format("section '{}': relocation {} at offset {:#x} ('{}')", rel->name, r.index,
                                          r.offset, sym.name); };
    if (r.type != kRelBpf64Abs64) return malformed("{}: type {} is not R_BPF_64_ABS64", where(), r.type);
    uint64_t var_off = 0;
    int mi = map_covering(st, r.offset, 8, &var_off);
    if (mi < 0) return malformed("{}: no map definition covers this offset", where());
    MapDef& map = st.spec.maps[mi];
    auto vo = st.values_offset.find(static_cast<uint32_t>(mi));
    if (vo == st.values_offset.end())
      return malformed("{}: map '{}' has no 'values' to initialise", where(), map.spec.name);
    uint64_t rel_off = r.offset - var_off;
    if (rel_off < vo->second || (rel_off - vo->second) % 8 != 0)
      return malformed("{}: not a slot of map '{}'", where(), map.spec.name);
    uint64_t slot = (rel_off - vo->second) / 8;
    if (slot >= map.spec.max_entries)
      return malformed("{}: slot {} is beyond max_entries {} of map '{}'", where(), slot, map.spec.max_entries,
                       map.spec.name);
    int prog = -1;
    auto cs = st.code.find(sym.shndx);
    if (cs != st.code.end() && sym.type == STT_FUNC && sym.value % 8 == 0) {
      auto f = cs->second.function_at.find(static_cast<uint32_t>(sym.value / 8));
      if (f != cs->second.function_at.end()) {
        auto p = program_of_function.find(f->second);
        if (p != program_of_function.end()) prog = static_cast<int>(p->second);
      }
    }
    if (prog < 0) return malformed("{}: '{}' is not an entry-point BPF program", where(), sym.name);
    map.initial_progs.emplace_back(static_cast<uint32_t>(slot), static_cast<uint32_t>(prog));
  }
  return {};
}

}  // namespace hostbpf::object
