// bpf_core_types_are_compat (compat.h), after libbpf's relo_core.c.
#include "btf/compat.h"

#include <fmt/format.h>

#include <cerrno>

#include "btf/query.h"

namespace hostbpf::btf {

namespace {

constexpr int kMaxDepth = 32;  // libbpf's budget for nested pointers, arrays and prototypes

struct Compat {
  const struct btf* local;
  const struct btf* target;
  const CompatRules& rules;
  std::string* why;

  std::string describe(const struct btf* b, uint32_t id) const {
    if (id == 0) return "void";
    const struct btf_type* t = btf__type_by_id(b, id);
    if (!t) return fmt::format("[{}] (no such type)", id);
    const char* n = btf__name_by_offset(b, t->name_off);
    return n && *n ? fmt::format("{} '{}' [{}]", kind_name(btf_kind(t)), n, id)
                   : fmt::format("{} [{}]", kind_name(btf_kind(t)), id);
  }

  int fail(int rc, uint32_t l, uint32_t t, std::string_view what) const {
    if (why && why->empty())
      *why = fmt::format("{}: local {} vs target {}", what, describe(local, l), describe(target, t));
    return rc;
  }

  // btf_kind_core_compat, plus the forward-declaration rule when asked for.
  bool kinds_compat(const struct btf_type* l, const struct btf_type* t) const {
    if (kinds_core_compat(l, t)) return true;
    if (!rules.fwd_matches_composite) return false;
    return (btf_is_fwd(l) && btf_is_composite(t)) || (btf_is_composite(l) && btf_is_fwd(t));
  }

  int kind_mismatch(uint32_t l, uint32_t t) const {
    return fail(0, l, t, (l == 0) != (t == 0) ? "void against a type" : "different kinds");
  }

  int check(uint32_t l, uint32_t t, int depth) const {
    const struct btf_type* lt = btf__type_by_id(local, l);
    const struct btf_type* tt = btf__type_by_id(target, t);
    if (!lt || !tt) return fail(-EINVAL, l, t, "type id out of range");
    if (!kinds_compat(lt, tt)) return kind_mismatch(l, t);
    for (;;) {
      if (--depth < 0) return fail(-EINVAL, l, t, "types nest too deeply");
      lt = skip_mods_and_typedefs(local, l, &l);
      tt = skip_mods_and_typedefs(target, t, &t);
      if (!lt || !tt) return fail(-EINVAL, l, t, "malformed modifier chain");
      if (!kinds_compat(lt, tt)) return kind_mismatch(l, t);
      switch (btf_kind(lt)) {
        case BTF_KIND_UNKN:
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
        case BTF_KIND_ENUM:
        case BTF_KIND_FWD:
        case BTF_KIND_ENUM64:
          return 1;
        case BTF_KIND_INT:
          // Any integer matches another, except bitfield-like encodings.
          if (btf_int_offset(lt) || btf_int_offset(tt)) return fail(0, l, t, "bitfield integer");
          return 1;
        case BTF_KIND_PTR:
          l = lt->type;
          t = tt->type;
          continue;
        case BTF_KIND_ARRAY:
          l = btf_array(lt)->type;
          t = btf_array(tt)->type;
          continue;
        case BTF_KIND_FUNC_PROTO: {
          const uint16_t n = btf_vlen(lt);
          if (n != btf_vlen(tt)) return fail(0, l, t, fmt::format("{} parameters against {}", n, btf_vlen(tt)));
          for (uint16_t i = 0; i < n; i++) {
            // libbpf looks through a parameter's modifiers before comparing
            // kinds (a `const struct x *` matches a `struct x *`).
            uint32_t lp = btf_params(lt)[i].type, tp = btf_params(tt)[i].type;
            if (!skip_mods_and_typedefs(local, lp, &lp) || !skip_mods_and_typedefs(target, tp, &tp))
              return fail(-EINVAL, lp, tp, "malformed modifier chain");
            if (int r = check(lp, tp, depth); r <= 0) return r;
          }
          l = lt->type;
          t = tt->type;
          continue;
        }
        default:
          return fail(0, l, t, "unsupported kind");
      }
    }
  }
};

}  // namespace

int types_are_compat(const struct btf* local, uint32_t local_id, const struct btf* target, uint32_t target_id,
                     const CompatRules& rules, std::string* why) {
  if (why) why->clear();
  return Compat{local, target, rules, why}.check(local_id, target_id, kMaxDepth);
}

}  // namespace hostbpf::btf
