#include "btf/compat.h"

#include <fmt/format.h>

namespace hostbpf::btf {

namespace {

constexpr int kMaxDepth = 32;  // libbpf's limit on nested pointers/arrays/protos

bool is_enum_like(uint32_t kind) { return kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64; }
bool is_by_kind(uint32_t kind) {
  return kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_FWD || is_enum_like(kind);
}

std::string describe(const Btf& b, uint32_t id) {
  if (id == 0) return "void";
  const struct btf_type* t = b.type(id);
  if (!t) return fmt::format("[{}] (no such type)", id);
  std::string_view n = b.name(id);
  return n.empty() ? fmt::format("{} [{}]", kind_name(btf_kind(t)), id)
                   : fmt::format("{} '{}' [{}]", kind_name(btf_kind(t)), n, id);
}

struct Compat {
  const Btf& local;
  const Btf& target;
  std::string* why;

  bool fail(uint32_t l, uint32_t t, std::string_view what) {
    if (why && why->empty())
      *why = fmt::format("{}: local {} vs target {}", what, describe(local, l), describe(target, t));
    return false;
  }

  bool check(uint32_t l, uint32_t t, int depth) {
    if (depth > kMaxDepth) return fail(l, t, "types nest too deeply");
    l = local.skip_modifiers_and_typedefs(l);
    t = target.skip_modifiers_and_typedefs(t);
    if (l == 0 || t == 0) return l == t || fail(l, t, "void against a type");
    const struct btf_type* lt = local.type(l);
    const struct btf_type* tt = target.type(t);
    if (!lt || !tt) return fail(l, t, "type id out of range");
    const uint32_t lk = btf_kind(lt), tk = btf_kind(tt);
    if (is_enum_like(lk) && is_enum_like(tk)) return true;
    if (is_by_kind(lk) && is_by_kind(tk)) {
      // A forward declaration stands for a struct or union of either kind.
      if (lk == tk || lk == BTF_KIND_FWD || tk == BTF_KIND_FWD) return true;
      return fail(l, t, "different kinds");
    }
    if (lk != tk) return fail(l, t, "different kinds");
    switch (lk) {
      case BTF_KIND_INT:
        // Any integer matches another, except bitfield-like encodings.
        if (btf_int_offset(lt) || btf_int_offset(tt)) return fail(l, t, "bitfield integer");
        return true;
      case BTF_KIND_FLOAT:
        return true;
      case BTF_KIND_PTR:
        return check(lt->type, tt->type, depth + 1);
      case BTF_KIND_ARRAY:
        return check(btf_array(lt)->type, btf_array(tt)->type, depth + 1);
      case BTF_KIND_FUNC_PROTO: {
        const uint16_t n = btf_vlen(lt);
        if (n != btf_vlen(tt)) return fail(l, t, fmt::format("{} parameters against {}", n, btf_vlen(tt)));
        for (uint16_t i = 0; i < n; i++)
          if (!check(btf_params(lt)[i].type, btf_params(tt)[i].type, depth + 1)) return false;
        return check(lt->type, tt->type, depth + 1);
      }
      default:
        return fail(l, t, "unsupported kind");
    }
  }
};

}  // namespace

bool types_are_compat(const Btf& local, uint32_t local_id, const Btf& target, uint32_t target_id, std::string* why) {
  if (why) why->clear();
  return Compat{local, target, why}.check(local_id, target_id, 0);
}

}  // namespace hostbpf::btf
