// Generic BTF queries (query.h), after kernel/bpf/btf.c and libbpf.
#include "btf/query.h"

namespace hostbpf::btf {


const struct btf_type* skip_mods_and_typedefs(const struct btf* b, uint32_t id, uint32_t* res_id) {
  const struct btf_type* t = btf__type_by_id(b, id);
  for (int hops = 0; t && (btf_is_mod(t) || btf_is_typedef(t)); hops++) {
    if (hops == kMaxModifierChain) return nullptr;
    id = t->type;
    t = btf__type_by_id(b, id);
  }
  if (t && res_id) *res_id = id;
  return t;
}

bool is_void(const struct btf_type* t) { return t == nullptr || btf_kind(t) == BTF_KIND_UNKN; }

bool is_scalar(const struct btf_type* t) {
  if (is_void(t)) return false;
  const uint16_t k = btf_kind(t);
  return k == BTF_KIND_INT || k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64;
}

bool is_struct(const struct btf_type* t) { return !is_void(t) && btf_kind(t) == BTF_KIND_STRUCT; }

const char* kind_str(const struct btf_type* t) { return is_void(t) ? "UNKN" : kind_name(btf_kind(t)); }

std::string_view name_of(const Btf& b, const struct btf_type* t) {
  if (is_void(t)) return "";
  const char* n = btf__name_by_offset(b.raw(), t->name_off);
  return n ? n : "";
}

bool is_scalar_struct(const Btf& b, const struct btf_type* t, int depth) {
  if (!is_struct(t) && !(t && btf_kind(t) == BTF_KIND_UNION)) return false;
  const struct btf_member* m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); i++) {
    const struct btf_type* mt = skip_mods_and_typedefs(b, m[i].type);
    if (mt && btf_kind(mt) == BTF_KIND_STRUCT) {
      if (depth >= 2 || !is_scalar_struct(b, mt, depth + 1)) return false;
      continue;
    }
    if (mt && btf_is_array(mt)) {
      const struct btf_type* et = skip_mods_and_typedefs(b, btf_array(mt)->type);
      if (!is_scalar(et) && !(et && btf_kind(et) == BTF_KIND_STRUCT && depth < 2 && is_scalar_struct(b, et, depth + 1)))
        return false;
      continue;
    }
    if (!is_scalar(mt)) return false;
  }
  return true;
}

std::optional<uint32_t> resolve_size(const Btf& b, uint32_t id) {
  const struct btf_type* t = skip_mods_and_typedefs(b, id, &id);
  uint64_t nelems = 1;
  for (int depth = 0; depth < kMaxResolveDepth && t; depth++) {
    switch (btf_kind(t)) {
      case BTF_KIND_INT: case BTF_KIND_ENUM: case BTF_KIND_ENUM64: case BTF_KIND_STRUCT: case BTF_KIND_UNION:
      case BTF_KIND_FLOAT: case BTF_KIND_DATASEC:
        if (nelems * t->size > UINT32_MAX) return std::nullopt;
        return static_cast<uint32_t>(nelems * t->size);
      case BTF_KIND_PTR:
        return static_cast<uint32_t>(nelems * sizeof(void*));
      case BTF_KIND_ARRAY:
        nelems *= btf_array(t)->nelems;
        t = skip_mods_and_typedefs(b, btf_array(t)->type);
        continue;
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

bool types_are_same(const Btf& a, uint32_t a_id, const Btf& b, uint32_t b_id) {
  if (&a == &b) return a_id == b_id;
  return a.type(a_id) != nullptr && a.type(a_id) == b.type(b_id);
}

// The struct member that starts at `off` and is itself a struct (the first
// member when off == 0): what btf_struct_walk returns as WALK_STRUCT for a
// one-byte access at `off`.
bool walk_into_member(const Btf& b, uint32_t* id, int32_t* off) {
  const struct btf_type* t = skip_mods_and_typedefs(b, *id, id);
  if (!t || !btf_is_composite(t)) return false;
  const struct btf_member* m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); i++) {
    const uint32_t bit = btf_member_bit_offset(t, i);
    if (bit % 8) continue;
    const int32_t moff = static_cast<int32_t>(bit / 8);
    uint32_t mid = 0;
    const struct btf_type* mt = skip_mods_and_typedefs(b, m[i].type, &mid);
    if (!mt || !btf_is_composite(mt)) continue;
    if (*off < moff || *off >= moff + static_cast<int32_t>(mt->size)) continue;
    *id = mid;
    *off -= moff;
    return true;
  }
  return false;
}

bool struct_ids_match(const Btf& a, uint32_t a_id, int32_t off, const Btf& need, uint32_t need_id,
                      bool strict) {
  for (int depth = 0; depth < kMaxResolveDepth; depth++) {
    if (off == 0 && types_are_same(a, a_id, need, need_id)) return true;
    if (strict) return false;
    if (!walk_into_member(a, &a_id, &off)) return false;
  }
  return false;
}

bool param_has_suffix(const Btf& b, const struct btf_param& p, std::string_view suffix) {
  const char* n = btf__name_by_offset(b.raw(), p.name_off);
  if (!n) return false;
  const std::string_view name(n);
  return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
}


std::string_view essential_name(std::string_view name) {
  for (size_t i = name.size() >= 5 ? name.size() - 5 + 1 : 0; i-- > 0;) {
    const std::string_view s = name.substr(i, 5);
    if (s[0] != '_' && s[1] == '_' && s[2] == '_' && s[3] == '_' && s[4] != '_') return name.substr(0, i + 1);
  }
  return name;
}

}  // namespace hostbpf::btf
