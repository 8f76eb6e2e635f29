// struct_ops maps, as libbpf reads them: every variable of section
// ".struct_ops" or ".struct_ops.link" is one map of type
// BPF_MAP_TYPE_STRUCT_OPS whose value is the variable, e.g.
//   SEC(".struct_ops.link") struct demo_ops ops = { .on_event = (void *)handler };
// The function-pointer members are filled by R_BPF_64_ABS64 relocations in
// .rel.struct_ops*, each naming the struct_ops program that implements the
// member. Matching the struct against a registered ops type (host or module
// BTF) is the struct_ops layer's job; here the object's own view is recorded.
#include <bpf/btf.h>
#include <elf.h>
#include <linux/bpf.h>

#include <cstring>

#include "object/parse_error.h"
#include "object/parse_state.h"

namespace hostbpf::object {

namespace {

constexpr uint32_t kMapFlagLink = 1u << 13;  // BPF_F_LINK: Linux 6.4, newer than the system's UAPI header

bool is_struct_ops_section(const ElfSection& s) {
  return (s.name == ".struct_ops" || s.name == ".struct_ops.link") && !s.is_exec();
}

Error define_one(ParseState& st, const ElfSection& sec, const struct btf_var_secinfo& vsi) {
  const struct btf* btf = st.btf();
  const struct btf_type* vt = btf__type_by_id(btf, vsi.type);
  if (!vt || !btf_is_var(vt)) return malformed("BTF: '{}' entry [{}] is not a variable", sec.name, vsi.type);
  const char* vname = btf__name_by_offset(btf, vt->name_off);
  if (!vname || !*vname) return malformed("BTF: '{}' variable [{}] has no name", sec.name, vsi.type);
  int32_t type_id = btf__resolve_type(btf, vt->type);
  const struct btf_type* t = type_id > 0 ? btf__type_by_id(btf, type_id) : nullptr;
  const char* tname = t ? btf__name_by_offset(btf, t->name_off) : nullptr;
  if (!t || !btf_is_struct(t) || !tname || !*tname)
    return malformed("struct_ops map '{}': its type is not a named struct", vname);
  if (t->size > kMaxMapValueSize)
    return Error(-E2BIG, fmt::format("struct_ops map '{}': struct {} ({} bytes) is too large", vname, tname, t->size));
  if (!in_bounds(vsi.offset, t->size, sec.size))
    return malformed("struct_ops map '{}': struct {} at offset {} runs past the end of section '{}'", vname, tname,
                     vsi.offset, sec.name);
  MapDef m;
  m.spec.name = vname;
  m.spec.type = BPF_MAP_TYPE_STRUCT_OPS;
  m.spec.key_size = 4;
  m.spec.value_size = t->size;
  m.spec.max_entries = 1;
  m.spec.btf_value_type_id = static_cast<uint32_t>(type_id);
  m.struct_ops_type = tname;
  m.struct_ops_link = sec.name == ".struct_ops.link";
  if (m.struct_ops_link) m.spec.map_flags |= kMapFlagLink;
  m.data_section = sec.name;
  if (sec.bytes.empty())
    m.initial_value.assign(t->size, 0);  // SHT_NOBITS: all zero
  else
    m.initial_value.assign(sec.bytes.begin() + vsi.offset, sec.bytes.begin() + vsi.offset + t->size);
  st.struct_ops_at[{sec.index, vsi.offset}] = static_cast<uint32_t>(st.spec.maps.size());
  st.spec.maps.push_back(std::move(m));
  return {};
}

// The member of `t` that starts at byte `off`, or -1.
int member_at(const struct btf_type* t, uint64_t off) {
  for (int i = 0; i < btf_vlen(t); i++)
    if (btf_member_bit_offset(t, i) == off * 8) return i;
  return -1;
}

bool is_func_ptr(const struct btf* btf, uint32_t id) {
  int32_t r = btf__resolve_type(btf, id);
  const struct btf_type* p = r > 0 ? btf__type_by_id(btf, r) : nullptr;
  if (!p || !btf_is_ptr(p)) return false;
  r = btf__resolve_type(btf, p->type);
  const struct btf_type* f = r > 0 ? btf__type_by_id(btf, r) : nullptr;
  return f && btf_is_func_proto(f);
}

class StructOpsRelocator {
 public:
  StructOpsRelocator(ParseState& st, const ElfSection& sec, const ElfSection& rel)
      : st_(st), sec_(sec), rel_(rel) {
    for (uint32_t p = 0; p < st.program_function.size(); p++) program_of_function_[st.program_function[p]] = p;
  }

  Error apply(const ElfReloc& r) {
    const ElfSymbol& sym = st_.elf->symbols()[r.sym];
    if (r.type != kRelBpf64Abs64) return bad(r, sym, fmt::format("type {} is not R_BPF_64_ABS64", r.type));
    auto it = st_.struct_ops_at.upper_bound({sec_.index, r.offset});
    if (it == st_.struct_ops_at.begin()) return bad(r, sym, "no struct_ops map covers this offset");
    --it;
    MapDef& map = st_.spec.maps[it->second];
    uint64_t moff = r.offset - it->first.second;
    if (it->first.first != sec_.index || !in_bounds(moff, 8, map.spec.value_size))
      return bad(r, sym, "no struct_ops map covers this offset");
    const struct btf_type* t = btf__type_by_id(st_.btf(), map.spec.btf_value_type_id);
    int member = member_at(t, moff);
    if (member < 0) return bad(r, sym, fmt::format("struct {} has no member at offset {}", map.struct_ops_type, moff));
    const struct btf_member* m = btf_members(t) + member;
    const char* mname = btf__name_by_offset(st_.btf(), m->name_off);
    if (!is_func_ptr(st_.btf(), m->type))
      return bad(r, sym, fmt::format("member '{}' of struct {} is not a function pointer", mname ? mname : "?",
                                     map.struct_ops_type));
    int prog = program_at(sym, r.offset);
    if (prog < 0) return bad(r, sym, fmt::format("'{}' is not a BPF program", sym.name));
    if (st_.spec.programs[prog].prog_type != ProgType::StructOps)
      return bad(r, sym, fmt::format("program '{}' is in section '{}', not a struct_ops program", sym.name,
                                     st_.spec.programs[prog].section));
    map.struct_ops_progs.emplace_back(static_cast<uint32_t>(member), static_cast<uint32_t>(prog));
    return {};
  }

 private:
  Error bad(const ElfReloc& r, const ElfSymbol& sym, const std::string& what) {
    return malformed("section '{}': relocation {} at offset {:#x} ('{}'): {}", rel_.name, r.index, r.offset, sym.name,
                     what);
  }

  // The entry program `sym` (plus the in-place addend of a REL relocation) names.
  int program_at(const ElfSymbol& sym, uint64_t r_offset) {
    uint64_t addend = 0;
    if (in_bounds(r_offset, 8, sec_.bytes.size())) std::memcpy(&addend, sec_.bytes.data() + r_offset, 8);
    auto cs = st_.code.find(sym.shndx);
    uint64_t off = sym.value + addend;
    if (cs == st_.code.end() || off % 8 != 0) return -1;
    auto f = cs->second.function_at.find(static_cast<uint32_t>(off / 8));
    if (f == cs->second.function_at.end()) return -1;
    auto p = program_of_function_.find(f->second);
    return p == program_of_function_.end() ? -1 : static_cast<int>(p->second);
  }

  ParseState& st_;
  const ElfSection& sec_;
  const ElfSection& rel_;
  std::unordered_map<uint32_t, uint32_t> program_of_function_;
};

}  // namespace

Error parse_struct_ops_maps(ParseState& st) {
  for (const ElfSection& sec : st.elf->sections()) {
    if (!is_struct_ops_section(sec)) continue;
    if (!st.btf()) return malformed("section '{}' needs BTF, but the object has no .BTF section", sec.name);
    uint32_t id = st.datasec(sec.name);
    if (!id) return malformed("section '{}' has no DATASEC in the object's BTF", sec.name);
    const struct btf_type* ds = btf__type_by_id(st.btf(), id);
    const struct btf_var_secinfo* vsi = btf_var_secinfos(ds);
    for (uint16_t i = 0; i < btf_vlen(ds); i++)
      if (Error e = define_one(st, sec, vsi[i])) return e;
  }
  return {};
}

Error parse_struct_ops_relocs(ParseState& st) {
  for (const ElfSection& sec : st.elf->sections()) {
    if (!is_struct_ops_section(sec)) continue;
    const ElfSection* rel = st.elf->rel_section_for(sec.index);
    if (!rel) continue;
    auto relocs = st.elf->relocations(*rel);
    if (!relocs) return relocs.error();
    StructOpsRelocator r(st, sec, *rel);
    for (const ElfReloc& reloc : *relocs)
      if (Error e = r.apply(reloc)) return e;
  }
  return {};
}

}  // namespace hostbpf::object
