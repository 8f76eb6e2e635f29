// libbpf's CO-RE algorithm (tools/lib/bpf/relo_core.c and the candidate
// search of libbpf.c), re-implemented because libbpf 1.1 does not export it;
// see core_relo.h. Names follow libbpf's so the two can be read side by side.
#include "object/core_relo.h"

#include <fmt/format.h>
#include <linux/bpf.h>
#include <linux/btf.h>

#include <climits>
#include <cstring>
#include <optional>
#include <vector>

#include "btf/compat.h"
#include "btf/query.h"

namespace hostbpf::object {

namespace {

constexpr size_t kSpecMaxLen = 64;     // BPF_CORE_SPEC_MAX_LEN
constexpr int kTypesMatchDepth = 32;   // libbpf's recursion budget

// enum bpf_core_relo_kind
enum Kind : uint32_t {
  FIELD_BYTE_OFFSET,
  FIELD_BYTE_SIZE,
  FIELD_EXISTS,
  FIELD_SIGNED,
  FIELD_LSHIFT_U64,
  FIELD_RSHIFT_U64,
  TYPE_ID_LOCAL,
  TYPE_ID_TARGET,
  TYPE_EXISTS,
  TYPE_SIZE,
  ENUMVAL_EXISTS,
  ENUMVAL_VALUE,
  TYPE_MATCHES,
};

bool is_field_based(uint32_t k) { return k <= FIELD_RSHIFT_U64; }
bool is_type_based(uint32_t k) { return (k >= TYPE_ID_LOCAL && k <= TYPE_SIZE) || k == TYPE_MATCHES; }
bool is_enumval_based(uint32_t k) { return k == ENUMVAL_EXISTS || k == ENUMVAL_VALUE; }

// libbpf's core_relo_kind_str.
const char* kind_str(uint32_t k) {
  static const char* const names[] = {"byte_off",   "byte_sz",       "field_exists", "signed",    "lshift_u64",
                                      "rshift_u64", "local_type_id", "target_type_id", "type_exists", "type_size",
                                      "enumval_exists", "enumval_value", "type_matches"};
  return k < std::size(names) ? names[k] : "unknown";
}

// libbpf's btf_kind_str.
const char* btf_kind_str(const struct btf_type* t) {
  static const char* const names[] = {"void",    "int",   "ptr",      "array",     "struct",   "union", "enum",
                                      "fwd",     "typedef", "volatile", "const",   "restrict", "func",  "func_proto",
                                      "var",     "datasec", "float",  "decl_tag",  "type_tag", "enum64"};
  const uint32_t k = btf_kind(t);
  return k < std::size(names) ? names[k] : "unknown";
}

bool str_is_empty(const char* s) { return !s || !*s; }

using btf::skip_mods_and_typedefs;

bool essential_names_equal(const char* a, const char* b) { return btf::essential_name(a) == btf::essential_name(b); }

using btf::kinds_core_compat;

const char* enum_name(const struct btf* b, const struct btf_type* t, uint32_t i) {
  return btf__name_by_offset(b, btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off);
}

struct Accessor {
  uint32_t type_id;
  uint32_t idx;
  const char* name;  // null for an array index
};

struct Spec {
  const struct btf* btf = nullptr;
  uint32_t root_type_id = 0;
  uint32_t kind = 0;
  std::vector<Accessor> spec;  // named members and array indices, in order
  std::vector<uint32_t> raw;   // every index of the access string
  uint32_t bit_offset = 0;
};

struct RelocResult {
  uint64_t orig_val = 0;
  uint64_t new_val = 0;
  bool poison = false;
  bool validate = true;
  bool fail_memsz_adjust = false;
  uint32_t orig_sz = 0, new_sz = 0;
  uint32_t orig_type_id = 0, new_type_id = 0;
};

// One relocation's context, for libbpf's messages.
struct Relo {
  const CoreRelo& rec;
  const std::string& prog;
  Error fail(int code, const std::string& what) const {
    return Error(code, fmt::format("prog '{}': relo #{}: {}", prog, rec.relo_idx, what));
  }
};

// A flexible array member: the last member of its struct, with no elements.
bool is_flex_arr(const struct btf* b, const Accessor* acc, const struct btf_array* arr) {
  if (!acc || !acc->name || arr->nelems > 0) return false;
  const struct btf_type* t = btf__type_by_id(b, acc->type_id);
  return acc->idx == static_cast<uint32_t>(btf_vlen(t)) - 1;
}

// bpf_core_parse_spec: "0:1:2" from the root type. Errors are errno codes.
int parse_spec(const struct btf* b, const CoreRelo& rec, const char* spec_str, Spec* spec) {
  if (str_is_empty(spec_str) || *spec_str == ':') return -EINVAL;
  spec->btf = b;
  spec->root_type_id = rec.type_id;
  spec->kind = rec.kind;
  if (is_type_based(rec.kind)) return strcmp(spec_str, "0") == 0 ? 0 : -EINVAL;

  for (const char* p = spec_str; *p;) {
    if (*p == ':') ++p;
    char* end = nullptr;
    errno = 0;
    const long v = strtol(p, &end, 10);
    if (end == p || errno || v < 0 || v > INT_MAX) return -EINVAL;
    if (spec->raw.size() == kSpecMaxLen) return -E2BIG;
    spec->raw.push_back(static_cast<uint32_t>(v));
    p = end;
    if (*p && *p != ':') return -EINVAL;
  }
  if (spec->raw.empty()) return -EINVAL;

  uint32_t id;
  const struct btf_type* t = skip_mods_and_typedefs(b, rec.type_id, &id);
  if (!t) return -EINVAL;
  uint32_t access_idx = spec->raw[0];
  spec->spec.push_back({id, access_idx, nullptr});

  if (is_enumval_based(rec.kind)) {
    if (!btf_is_any_enum(t) || spec->raw.size() > 1 || access_idx >= btf_vlen(t)) return -EINVAL;
    spec->spec[0].name = enum_name(b, t, access_idx);
    return 0;
  }
  if (!is_field_based(rec.kind)) return -EINVAL;

  long long sz = btf__resolve_size(b, id);
  if (sz < 0) return static_cast<int>(sz);
  spec->bit_offset = static_cast<uint32_t>(access_idx * sz * 8);
  for (size_t i = 1; i < spec->raw.size(); i++) {
    t = skip_mods_and_typedefs(b, id, &id);
    if (!t) return -EINVAL;
    access_idx = spec->raw[i];
    if (btf_is_composite(t)) {
      if (access_idx >= btf_vlen(t)) return -EINVAL;
      spec->bit_offset += btf_member_bit_offset(t, access_idx);
      const struct btf_member* m = btf_members(t) + access_idx;
      if (m->name_off) {
        const char* name = btf__name_by_offset(b, m->name_off);
        if (str_is_empty(name)) return -EINVAL;
        spec->spec.push_back({id, access_idx, name});
      }
      id = m->type;
    } else if (btf_is_array(t)) {
      const struct btf_array* a = btf_array(t);
      const Accessor* prev = spec->spec.empty() ? nullptr : &spec->spec.back();
      t = skip_mods_and_typedefs(b, a->type, &id);
      if (!t) return -EINVAL;
      if (!is_flex_arr(b, prev, a) && access_idx >= a->nelems) return -EINVAL;
      spec->spec.push_back({id, access_idx, nullptr});
      sz = btf__resolve_size(b, id);
      if (sz < 0) return static_cast<int>(sz);
      spec->bit_offset += static_cast<uint32_t>(access_idx * sz * 8);
    } else {
      return -EINVAL;  // the caller names the type and the access string
    }
  }
  return 0;
}

// bpf_core_fields_are_compat: may a local field be relocated onto this target
// field? Composites match composites; scalars by kind; enums and fwds by name.
int fields_are_compat(const struct btf* lb, uint32_t lid, const struct btf* tb, uint32_t tid) {
  for (int depth = 0; depth < btf::kMaxModifierChain; depth++) {
    const struct btf_type* lt = skip_mods_and_typedefs(lb, lid, &lid);
    const struct btf_type* tt = skip_mods_and_typedefs(tb, tid, &tid);
    if (!lt || !tt) return -EINVAL;
    if (btf_is_composite(lt) && btf_is_composite(tt)) return 1;
    if (!kinds_core_compat(lt, tt)) return 0;
    switch (btf_kind(lt)) {
      case BTF_KIND_PTR:
      case BTF_KIND_FLOAT:
        return 1;
      case BTF_KIND_FWD:
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64: {
        const char* ln = btf__name_by_offset(lb, lt->name_off);
        const char* tn = btf__name_by_offset(tb, tt->name_off);
        return str_is_empty(ln) || str_is_empty(tn) || essential_names_equal(ln, tn);
      }
      case BTF_KIND_INT:
        return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0;
      case BTF_KIND_ARRAY:
        lid = btf_array(lt)->type;
        tid = btf_array(tt)->type;
        continue;
      default:
        return 0;
    }
  }
  return -EINVAL;
}

// bpf_core_names_match: essential names equal; an anonymous target matches
// only an anonymous local.
bool names_match(const struct btf* lb, uint32_t loff, const struct btf* tb, uint32_t toff) {
  const char* ln = btf__name_by_offset(lb, loff);
  const char* tn = btf__name_by_offset(tb, toff);
  if (str_is_empty(tn)) return str_is_empty(ln);
  return !str_is_empty(ln) && essential_names_equal(ln, tn);
}

int types_match(const struct btf* lb, uint32_t lid, const struct btf* tb, uint32_t tid, bool behind_ptr, int level);

// Every local enumerator has a namesake in the target, and the sizes agree.
int enums_match(const struct btf* lb, const struct btf_type* lt, const struct btf* tb, const struct btf_type* tt) {
  if (lt->size != tt->size || btf_vlen(lt) > btf_vlen(tt)) return 0;
  for (int i = 0; i < btf_vlen(lt); i++) {
    const uint32_t loff = btf_is_enum(lt) ? btf_enum(lt)[i].name_off : btf_enum64(lt)[i].name_off;
    bool matched = false;
    for (int j = 0; j < btf_vlen(tt) && !matched; j++) {
      const uint32_t toff = btf_is_enum(tt) ? btf_enum(tt)[j].name_off : btf_enum64(tt)[j].name_off;
      matched = names_match(lb, loff, tb, toff);
    }
    if (!matched) return 0;
  }
  return 1;
}

// Every local member has a namesake in the target whose type matches.
int composites_match(const struct btf* lb, const struct btf_type* lt, const struct btf* tb, const struct btf_type* tt,
                     bool behind_ptr, int level) {
  if (btf_vlen(lt) > btf_vlen(tt)) return 0;
  const struct btf_member* lm = btf_members(lt);
  for (int i = 0; i < btf_vlen(lt); i++, lm++) {
    const struct btf_member* tm = btf_members(tt);
    bool matched = false;
    for (int j = 0; j < btf_vlen(tt) && !matched; j++, tm++) {
      if (!names_match(lb, lm->name_off, tb, tm->name_off)) continue;
      const int r = types_match(lb, lm->type, tb, tm->type, behind_ptr, level - 1);
      if (r < 0) return r;
      matched = r > 0;
    }
    if (!matched) return 0;
  }
  return 1;
}

// __bpf_core_types_match: the stricter TYPE_MATCHES relation.
int types_match(const struct btf* lb, uint32_t lid, const struct btf* tb, uint32_t tid, bool behind_ptr, int level) {
  for (int depth = 0; depth < btf::kMaxModifierChain; depth++) {
    if (level <= 0) return -EINVAL;
    const struct btf_type* lt = skip_mods_and_typedefs(lb, lid, &lid);
    const struct btf_type* tt = skip_mods_and_typedefs(tb, tid, &tid);
    if (!lt || !tt) return -EINVAL;
    if (!names_match(lb, lt->name_off, tb, tt->name_off)) return 0;
    const uint32_t lk = btf_kind(lt), tk = btf_kind(tt);
    switch (lk) {
      case BTF_KIND_UNKN:
        return lk == tk;
      case BTF_KIND_FWD: {
        const bool lf = BTF_INFO_KFLAG(lt->info);
        if (behind_ptr) {
          if (lk == tk) return lf == static_cast<bool>(BTF_INFO_KFLAG(tt->info));
          return (tk == BTF_KIND_STRUCT && !lf) || (tk == BTF_KIND_UNION && lf);
        }
        return lk == tk && lf == static_cast<bool>(BTF_INFO_KFLAG(tt->info));
      }
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        return btf_is_any_enum(tt) ? enums_match(lb, lt, tb, tt) : 0;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        if (behind_ptr) {
          if (lk == tk) return 1;
          if (tk != BTF_KIND_FWD) return 0;
          return (lk == BTF_KIND_UNION) == static_cast<bool>(BTF_INFO_KFLAG(tt->info));
        }
        return lk == tk ? composites_match(lb, lt, tb, tt, behind_ptr, level) : 0;
      case BTF_KIND_INT:
        if (lk != tk) return 0;
        return lt->size == tt->size && (btf_int_encoding(lt) & BTF_INT_SIGNED) == (btf_int_encoding(tt) & BTF_INT_SIGNED);
      case BTF_KIND_PTR:
        if (lk != tk) return 0;
        behind_ptr = true;
        lid = lt->type;
        tid = tt->type;
        continue;
      case BTF_KIND_ARRAY:
        if (lk != tk || btf_array(lt)->nelems != btf_array(tt)->nelems) return 0;
        lid = btf_array(lt)->type;
        tid = btf_array(tt)->type;
        continue;
      case BTF_KIND_FUNC_PROTO: {
        if (lk != tk || btf_vlen(lt) != btf_vlen(tt)) return 0;
        const struct btf_param* lp = btf_params(lt);
        const struct btf_param* tp = btf_params(tt);
        for (int i = 0; i < btf_vlen(lt); i++) {
          const int r = types_match(lb, lp[i].type, tb, tp[i].type, behind_ptr, level - 1);
          if (r <= 0) return r;
        }
        lid = lt->type;
        tid = tt->type;
        continue;
      }
      default:
        return 0;
    }
  }
  return -EINVAL;
}

// bpf_core_match_member: finds the local accessor's member by name in target
// composite `tid`, looking into anonymous members, and extends `spec`.
int match_member(const struct btf* lb, const Accessor& la, const struct btf* tb, uint32_t tid, Spec* spec,
                 uint32_t* next_tid) {
  const struct btf_type* lt = btf__type_by_id(lb, la.type_id);
  const struct btf_member* lm = btf_members(lt) + la.idx;
  const char* lname = btf__name_by_offset(lb, lm->name_off);
  const struct btf_type* tt = skip_mods_and_typedefs(tb, tid, &tid);
  if (!tt || !btf_is_composite(tt)) return 0;
  const struct btf_member* m = btf_members(tt);
  for (int i = 0; i < btf_vlen(tt); i++, m++) {
    const uint32_t bit_offset = btf_member_bit_offset(tt, i);
    if (spec->raw.size() == kSpecMaxLen) return -E2BIG;
    spec->bit_offset += bit_offset;  // speculate that this member is the one
    spec->raw.push_back(static_cast<uint32_t>(i));
    const char* tname = btf__name_by_offset(tb, m->name_off);
    if (str_is_empty(tname)) {
      const int found = match_member(lb, la, tb, m->type, spec, next_tid);
      if (found) return found;  // found, or an error
    } else if (strcmp(lname, tname) == 0) {
      spec->spec.push_back({tid, static_cast<uint32_t>(i), tname});
      *next_tid = m->type;
      const int found = fields_are_compat(lb, lm->type, tb, m->type);
      if (found <= 0) spec->spec.pop_back();
      return found;
    }
    spec->bit_offset -= bit_offset;
    spec->raw.pop_back();
  }
  return 0;
}

// bpf_core_spec_match: 1 when target type `tid` satisfies the local spec
// (filling `targ`), 0 when not, < 0 on error.
int spec_match(const Spec& local, const struct btf* tb, uint32_t tid, Spec* targ) {
  *targ = Spec{};
  targ->btf = tb;
  targ->root_type_id = tid;
  targ->kind = local.kind;
  if (is_type_based(local.kind)) {
    if (local.kind == TYPE_MATCHES) return types_match(local.btf, local.root_type_id, tb, tid, false, kTypesMatchDepth);
    return btf::types_are_compat(local.btf, local.root_type_id, tb, tid);
  }
  const Accessor& first = local.spec[0];
  if (is_enumval_based(local.kind)) {
    const struct btf_type* tt = skip_mods_and_typedefs(tb, tid, &tid);
    if (!tt || !btf_is_any_enum(tt)) return 0;
    for (int i = 0; i < btf_vlen(tt); i++) {
      const char* tname = enum_name(tb, tt, static_cast<uint32_t>(i));
      if (!str_is_empty(tname) && essential_names_equal(first.name, tname)) {
        targ->spec.push_back({tid, static_cast<uint32_t>(i), tname});
        targ->raw.push_back(static_cast<uint32_t>(i));
        return 1;
      }
    }
    return 0;
  }
  if (!is_field_based(local.kind)) return -EINVAL;

  for (size_t i = 0; i < local.spec.size(); i++) {
    const Accessor& la = local.spec[i];
    if (la.name) {
      const int matched = match_member(local.btf, la, tb, tid, targ, &tid);
      if (matched <= 0) return matched;
      continue;
    }
    // An array index. The root's is an index into the root type itself;
    // later ones need the target to be an array here too.
    if (i > 0) {
      const struct btf_type* tt = skip_mods_and_typedefs(tb, tid, &tid);
      if (!tt || !btf_is_array(tt)) return 0;
      const struct btf_array* a = btf_array(tt);
      const Accessor* prev = targ->spec.empty() ? nullptr : &targ->spec.back();
      if (!is_flex_arr(tb, prev, a) && la.idx >= a->nelems) return 0;
      if (!skip_mods_and_typedefs(tb, a->type, &tid)) return -EINVAL;
    }
    if (targ->raw.size() == kSpecMaxLen) return -E2BIG;
    targ->spec.push_back({tid, la.idx, nullptr});
    targ->raw.push_back(la.idx);
    const long long sz = btf__resolve_size(tb, tid);
    if (sz < 0) return static_cast<int>(sz);
    targ->bit_offset += static_cast<uint32_t>(la.idx * sz * 8);
  }
  return 1;
}

// bpf_core_calc_field_relo. -EUCLEAN asks for poisoning.
int calc_field_relo(const Relo& r, const Spec* spec, uint64_t* val, uint32_t* field_sz, uint32_t* type_id,
                    bool* validate, Error* err) {
  if (r.rec.kind == FIELD_EXISTS) {
    *val = spec ? 1 : 0;
    return 0;
  }
  if (!spec) return -EUCLEAN;
  const Accessor& acc = spec->spec.back();
  const struct btf_type* t = btf__type_by_id(spec->btf, acc.type_id);

  if (!acc.name) {  // a[n]
    const long long sz = btf__resolve_size(spec->btf, acc.type_id);
    if (sz < 0) return -EINVAL;
    if (r.rec.kind == FIELD_BYTE_OFFSET) {
      *val = spec->bit_offset / 8;
      *field_sz = static_cast<uint32_t>(sz);
      *type_id = acc.type_id;
    } else if (r.rec.kind == FIELD_BYTE_SIZE) {
      *val = static_cast<uint64_t>(sz);
    } else {
      *err = Error(-EINVAL, fmt::format("prog '{}': relo {} at insn #{} can't be applied to array access", r.prog,
                                        r.rec.relo_idx, r.rec.insn_idx));
      return -EINVAL;
    }
    if (validate) *validate = true;
    return 0;
  }

  const struct btf_member* m = btf_members(t) + acc.idx;
  uint32_t field_type_id;
  const struct btf_type* mt = skip_mods_and_typedefs(spec->btf, m->type, &field_type_id);
  if (!mt) return -EINVAL;
  const uint32_t bit_off = spec->bit_offset;
  uint32_t bit_sz = btf_member_bitfield_size(t, acc.idx);
  const bool bitfield = bit_sz > 0;
  uint32_t byte_sz, byte_off;
  if (bitfield) {
    byte_sz = mt->size;
    if (byte_sz == 0) return -EINVAL;
    byte_off = bit_off / 8 / byte_sz * byte_sz;
    // The smallest power-of-two load that covers the bitfield.
    while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
      if (byte_sz >= 8) {
        *err = Error(-E2BIG, fmt::format("prog '{}': relo {} at insn #{} can't be satisfied for bitfield", r.prog,
                                         r.rec.relo_idx, r.rec.insn_idx));
        return -E2BIG;
      }
      byte_sz *= 2;
      byte_off = bit_off / 8 / byte_sz * byte_sz;
    }
  } else {
    const long long sz = btf__resolve_size(spec->btf, field_type_id);
    if (sz < 0) return -EINVAL;
    byte_sz = static_cast<uint32_t>(sz);
    byte_off = spec->bit_offset / 8;
    bit_sz = byte_sz * 8;
  }
  // The compiler and libbpf may disagree on a bitfield's load, so its
  // original values are not checked, except for the unambiguous ones.
  if (validate) *validate = !bitfield;

  switch (r.rec.kind) {
    case FIELD_BYTE_OFFSET:
      *val = byte_off;
      if (!bitfield) {
        *field_sz = byte_sz;
        *type_id = field_type_id;
      }
      break;
    case FIELD_BYTE_SIZE:
      *val = byte_sz;
      break;
    case FIELD_SIGNED:
      *val = (btf_is_any_enum(mt) && BTF_INFO_KFLAG(mt->info)) ||
             (btf_is_int(mt) && (btf_int_encoding(mt) & BTF_INT_SIGNED));
      if (validate) *validate = true;
      break;
    case FIELD_LSHIFT_U64:  // little-endian, as every BPF target here
      *val = 64 - (bit_off + bit_sz - byte_off * 8);
      break;
    case FIELD_RSHIFT_U64:
      *val = 64 - bit_sz;
      if (validate) *validate = true;
      break;
    default:
      return -EOPNOTSUPP;
  }
  return 0;
}

// bpf_core_calc_type_relo: a missing type gives 0 (not poison).
int calc_type_relo(uint32_t kind, const Spec* spec, uint64_t* val) {
  if (!spec) {
    *val = 0;
    return 0;
  }
  switch (kind) {
    case TYPE_ID_TARGET:
      *val = spec->root_type_id;
      return 0;
    case TYPE_EXISTS:
    case TYPE_MATCHES:
      *val = 1;
      return 0;
    case TYPE_SIZE: {
      const long long sz = btf__resolve_size(spec->btf, spec->root_type_id);
      if (sz < 0) return -EINVAL;
      *val = static_cast<uint64_t>(sz);
      return 0;
    }
    default:
      return -EOPNOTSUPP;
  }
}

// bpf_core_calc_enumval_relo.
int calc_enumval_relo(uint32_t kind, const Spec* spec, uint64_t* val) {
  switch (kind) {
    case ENUMVAL_EXISTS:
      *val = spec ? 1 : 0;
      return 0;
    case ENUMVAL_VALUE: {
      if (!spec) return -EUCLEAN;
      const struct btf_type* t = btf__type_by_id(spec->btf, spec->spec[0].type_id);
      const uint32_t i = spec->spec[0].idx;
      *val = btf_is_enum(t) ? static_cast<uint64_t>(static_cast<int64_t>(btf_enum(t)[i].val))
                            : btf_enum64_value(btf_enum64(t) + i);
      return 0;
    }
    default:
      return -EOPNOTSUPP;
  }
}

// bpf_core_calc_relo: the local (original) and target (new) values.
Error calc_relo(const Relo& r, const Spec& local, const Spec* targ, RelocResult* res) {
  *res = RelocResult{};
  int err = 0;
  Error detail;
  const uint32_t kind = r.rec.kind;
  if (is_field_based(kind)) {
    err = calc_field_relo(r, &local, &res->orig_val, &res->orig_sz, &res->orig_type_id, &res->validate, &detail);
    if (!err) err = calc_field_relo(r, targ, &res->new_val, &res->new_sz, &res->new_type_id, nullptr, &detail);
    if (!err && res->orig_sz != res->new_sz) {
      // Only a pointer read as a 64-bit value, or an unsigned integer, stays
      // correct when the load's size changes; anything else is poisoned if a
      // load or store uses it.
      const struct btf_type* ot = btf__type_by_id(local.btf, res->orig_type_id);
      const struct btf_type* nt = btf__type_by_id(targ->btf, res->new_type_id);
      const bool ptrs = btf_is_ptr(ot) && btf_is_ptr(nt);
      const bool uints = btf_is_int(ot) && btf_is_int(nt) && !(btf_int_encoding(ot) & BTF_INT_SIGNED) &&
                         !(btf_int_encoding(nt) & BTF_INT_SIGNED);
      res->fail_memsz_adjust = !ptrs && !uints;
    }
  } else if (is_type_based(kind)) {
    err = calc_type_relo(kind, &local, &res->orig_val);
    if (!err) err = calc_type_relo(kind, targ, &res->new_val);
  } else if (is_enumval_based(kind)) {
    err = calc_enumval_relo(kind, &local, &res->orig_val);
    if (!err) err = calc_enumval_relo(kind, targ, &res->new_val);
  } else {
    err = -EOPNOTSUPP;
  }
  if (err == -EUCLEAN) {
    res->poison = true;
    return {};
  }
  if (err == -EOPNOTSUPP)
    return r.fail(err, fmt::format("unrecognized CO-RE relocation {} ({}) at insn #{}", kind_str(kind), kind,
                                   r.rec.insn_idx));
  if (detail) return detail;
  if (err) return r.fail(err, fmt::format("failed to relocate: {}", err));
  return {};
}

// bpf_core_find_cands: types of the local type's kind and essential name, in
// the first target that has any (host first; a split target's own types only).
std::vector<std::pair<const struct btf*, uint32_t>> find_cands(const struct btf* local, uint32_t local_id,
                                                              std::span<const struct btf* const> targets) {
  std::vector<std::pair<const struct btf*, uint32_t>> cands;
  const struct btf_type* lt = btf__type_by_id(local, local_id);
  const char* lname = btf__name_by_offset(local, lt->name_off);
  const std::string_view lessential = btf::essential_name(lname);
  for (const struct btf* tb : targets) {
    const struct btf* base = btf__base_btf(tb);
    for (uint32_t i = base ? btf__type_cnt(base) : 1; i < btf__type_cnt(tb); i++) {
      const struct btf_type* t = btf__type_by_id(tb, i);
      if (!kinds_core_compat(t, lt)) continue;
      const char* tname = btf__name_by_offset(tb, t->name_off);
      if (str_is_empty(tname) || btf::essential_name(tname) != lessential) continue;
      cands.emplace_back(tb, i);
    }
    if (!cands.empty()) break;
  }
  return cands;
}

std::string spec_str(const struct btf* b, const CoreRelo& rec, const char* access) {
  const struct btf_type* t = btf__type_by_id(b, rec.type_id);
  const char* name = btf__name_by_offset(b, t->name_off);
  return fmt::format("[{}] {} {} + {}", rec.type_id, btf_kind_str(t), str_is_empty(name) ? "<anon>" : name, access);
}

// bpf_core_calc_relo_insn: the decision for one relocation.
Error resolve(const Relo& r, const struct btf* local, std::span<const struct btf* const> targets, RelocResult* res) {
  const struct btf_type* lt = btf__type_by_id(local, r.rec.type_id);
  if (!lt) return r.fail(-EINVAL, fmt::format("type [{}] is not in the object's BTF", r.rec.type_id));
  const char* access = btf__name_by_offset(local, r.rec.access_str_off);
  if (!access) return r.fail(-EINVAL, fmt::format("access string offset {} is not in the object's BTF",
                                                  r.rec.access_str_off));
  Spec local_spec;
  if (int err = parse_spec(local, r.rec, access, &local_spec))
    return r.fail(err, fmt::format("parsing {} failed: {}", spec_str(local, r.rec, access), err));

  if (r.rec.kind == TYPE_ID_LOCAL) {  // needs no target
    *res = RelocResult{};
    res->validate = false;
    res->orig_val = res->new_val = local_spec.root_type_id;
    return {};
  }
  const char* lname = btf__name_by_offset(local, lt->name_off);
  if (str_is_empty(lname))
    return r.fail(-EOPNOTSUPP, fmt::format("<{}> ({}) relocation doesn't support anonymous types",
                                           kind_str(r.rec.kind), r.rec.kind));

  Spec targ_spec, cand_spec;
  RelocResult cand_res;
  int matches = 0;
  for (auto [tb, id] : find_cands(local, r.rec.type_id, targets)) {
    const int m = spec_match(local_spec, tb, id, &cand_spec);
    if (m < 0) return r.fail(m, fmt::format("error matching candidate [{}]: {}", id, m));
    if (m == 0) continue;
    if (Error e = calc_relo(r, local_spec, &cand_spec, &cand_res)) return e;
    if (matches == 0) {
      *res = cand_res;
      targ_spec = cand_spec;
    } else if (cand_spec.bit_offset != targ_spec.bit_offset) {
      return r.fail(-EINVAL, fmt::format("field offset ambiguity: {} != {}", cand_spec.bit_offset,
                                         targ_spec.bit_offset));
    } else if (cand_res.poison != res->poison || cand_res.new_val != res->new_val) {
      return r.fail(-EINVAL, fmt::format("relocation decision ambiguity: {} {} != {} {}",
                                         cand_res.poison ? "failure" : "success", cand_res.new_val,
                                         res->poison ? "failure" : "success", res->new_val));
    }
    matches++;
  }
  // No match: an error or an expected case (an existence check, or a guarded
  // access that stays dead code); the result says which (poison or 0).
  if (matches == 0) return calc_relo(r, local_spec, nullptr, res);
  return {};
}

void poison_insn(isa::Insn* insn) {
  insn->code = BPF_JMP | BPF_CALL;
  insn->dst_reg = 0;
  insn->src_reg = 0;
  insn->off = 0;
  insn->imm = kCorePoisonHelper;  // "invalid func unknown#195896080" if reachable
}

std::optional<uint8_t> size_of_bytes(uint32_t n) {
  switch (n) {
    case 1: return BPF_B;
    case 2: return BPF_H;
    case 4: return BPF_W;
    case 8: return BPF_DW;
    default: return std::nullopt;
  }
}

// bpf_core_patch_insn.
Error patch_insn(const Relo& r, std::span<isa::Insn> insns, const RelocResult& res) {
  const uint32_t idx = r.rec.insn_idx;
  isa::Insn* insn = &insns[idx];
  const bool ldimm64 = insn->code == (BPF_LD | BPF_IMM | BPF_DW);
  auto poison = [&] {
    // The second half of an LDDW too, or the verifier reports "unknown opcode 00".
    if (ldimm64 && idx + 1 < insns.size()) poison_insn(insn + 1);
    poison_insn(insn);
    return Error{};
  };
  if (res.poison) return poison();

  const uint64_t orig = res.orig_val, nv = res.new_val;
  switch (BPF_CLASS(insn->code)) {
    case BPF_ALU:
    case BPF_ALU64:
      if (BPF_SRC(insn->code) != BPF_K)
        return r.fail(-EINVAL, fmt::format("insn #{} (ALU/ALU64) does not take an immediate", idx));
      if (res.validate && static_cast<uint64_t>(static_cast<uint32_t>(insn->imm)) != orig)
        return r.fail(-EINVAL, fmt::format("unexpected insn #{} (ALU/ALU64) value: got {}, exp {} -> {}", idx,
                                           static_cast<uint32_t>(insn->imm), orig, nv));
      insn->imm = static_cast<int32_t>(nv);
      return {};
    case BPF_LDX:
    case BPF_ST:
    case BPF_STX: {
      if (res.validate && static_cast<uint64_t>(static_cast<uint16_t>(insn->off)) != orig)
        return r.fail(-EINVAL, fmt::format("unexpected insn #{} (LDX/ST/STX) value: got {}, exp {} -> {}", idx,
                                           static_cast<uint16_t>(insn->off), orig, nv));
      if (nv > SHRT_MAX) return r.fail(-ERANGE, fmt::format("insn #{} (LDX/ST/STX) value too big: {}", idx, nv));
      if (res.fail_memsz_adjust) return poison();  // libbpf warns: the field is accessed incorrectly
      insn->off = static_cast<int16_t>(nv);
      if (res.new_sz != res.orig_sz) {
        const int have = isa::access_bytes(insn->code);
        if (have != static_cast<int>(res.orig_sz))
          return r.fail(-EINVAL, fmt::format("insn #{} (LDX/ST/STX) unexpected mem size: got {}, exp {}", idx, have,
                                             res.orig_sz));
        const auto sz = size_of_bytes(res.new_sz);
        if (!sz) return r.fail(-EINVAL, fmt::format("insn #{} (LDX/ST/STX) invalid new mem size: {}", idx, res.new_sz));
        insn->code = static_cast<uint8_t>(BPF_MODE(insn->code) | *sz | BPF_CLASS(insn->code));
      }
      return {};
    }
    case BPF_LD: {
      if (!ldimm64 || idx + 1 >= insns.size() || insn[0].src_reg != 0 || insn[0].off != 0 || insn[1].code != 0 ||
          insn[1].dst_reg != 0 || insn[1].src_reg != 0 || insn[1].off != 0)
        return r.fail(-EINVAL, fmt::format("insn #{} (LDIMM64) has unexpected form", idx));
      const uint64_t imm = static_cast<uint32_t>(insn[0].imm) | (static_cast<uint64_t>(static_cast<uint32_t>(insn[1].imm)) << 32);
      if (res.validate && imm != orig)
        return r.fail(-EINVAL, fmt::format("unexpected insn #{} (LDIMM64) value: got {}, exp {} -> {}", idx, imm,
                                           orig, nv));
      insn[0].imm = static_cast<int32_t>(static_cast<uint32_t>(nv));
      insn[1].imm = static_cast<int32_t>(static_cast<uint32_t>(nv >> 32));
      return {};
    }
    default:
      return r.fail(-EINVAL, fmt::format("trying to relocate unrecognized insn #{}, code:{:#x}, src:{:#x}, dst:{:#x}, "
                                         "off:{:#x}, imm:{:#x}",
                                         idx, insn->code, static_cast<unsigned>(insn->src_reg),
                                         static_cast<unsigned>(insn->dst_reg),
                                         static_cast<uint16_t>(insn->off), static_cast<uint32_t>(insn->imm)));
  }
}

}  // namespace

Error apply_core_relos(std::span<isa::Insn> insns, std::span<const CoreRelo> relos, const struct btf* local,
                       std::span<const struct btf* const> targets, const std::string& prog_name) {
  for (const CoreRelo& rec : relos) {
    const Relo r{rec, prog_name};
    if (!local) return r.fail(-EINVAL, "the object has no BTF");
    if (rec.insn_idx >= insns.size())
      return r.fail(-EINVAL, fmt::format("insn #{} is past the program's {} instructions", rec.insn_idx, insns.size()));
    RelocResult res;
    if (Error e = resolve(r, local, targets, &res)) return e;
    if (Error e = patch_insn(r, insns, res)) return e;
  }
  return {};
}

Error apply_core_relos(ProgramSpec& prog, const struct btf* local, std::span<const struct btf* const> targets) {
  return apply_core_relos(prog.insns, prog.core_relos, local, targets, prog.name);
}

}  // namespace hostbpf::object
