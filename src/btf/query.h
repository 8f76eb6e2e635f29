// What a BTF type is: the generic questions every layer asks of host, module
// and program BTF (the kernel's btf_type_skip_modifiers, btf_type_is_scalar,
// btf_resolve_size, __btf_type_is_scalar_struct, btf_types_are_same,
// btf_struct_ids_match; libbpf's skip_mods_and_typedefs and
// bpf_core_essential_name_len). One home, so the loader, the kfunc registry,
// the verifier and struct_ops agree on what "the same type" means.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "btf/btf.h"

namespace hostbpf::btf {

/// The longest typedef/modifier chain followed before a type counts as
/// malformed (validated BTF has no cycles; object BTF from libbpf may).
constexpr int kMaxModifierChain = 32;
/// MAX_RESOLVE_DEPTH: how deep sizes and nested first members are followed.
constexpr int kMaxResolveDepth = 32;

/// Follows typedefs and const/volatile/restrict/type tags (libbpf's
/// skip_mods_and_typedefs, the kernel's btf_type_skip_modifiers). Returns the
/// type reached and sets `res_id` to its id; nullptr when an id is out of
/// range or the chain is longer than kMaxModifierChain.
const struct btf_type* skip_mods_and_typedefs(const struct btf* b, uint32_t id, uint32_t* res_id = nullptr);
inline const struct btf_type* skip_mods_and_typedefs(const Btf& b, uint32_t id, uint32_t* res_id = nullptr) {
  return skip_mods_and_typedefs(b.raw(), id, res_id);
}

/// btf_kind_core_compat: the same kind, or an enum and an enum64.
inline bool kinds_core_compat(const struct btf_type* a, const struct btf_type* b) {
  return btf_kind(a) == btf_kind(b) || (btf_is_any_enum(a) && btf_is_any_enum(b));
}

/// void (id 0, or no type at all).
bool is_void(const struct btf_type* t);
/// btf_type_is_scalar: INT, ENUM or ENUM64.
bool is_scalar(const struct btf_type* t);
/// __btf_type_is_struct: STRUCT only (not a union).
bool is_struct(const struct btf_type* t);
/// btf_type_str: "STRUCT", "INT", "PTR", ... ("UNKN" for void).
const char* kind_str(const struct btf_type* t);
/// The type's name ("" for anonymous types and void).
std::string_view name_of(const Btf& b, const struct btf_type* t);
/// __btf_type_is_scalar_struct: a struct whose members are scalars, arrays of
/// scalars, or such structs (nested at most 2 deep).
bool is_scalar_struct(const Btf& b, const struct btf_type* t, int depth = 0);
/// btf_resolve_size; nullopt when the type has no size (void, FUNC_PROTO).
std::optional<uint32_t> resolve_size(const Btf& b, uint32_t id);
/// btf_types_are_same across a split BTF and its base.
bool types_are_same(const Btf& a, uint32_t a_id, const Btf& b, uint32_t b_id);
/// btf_struct_ids_match: the struct at `off` into (a, a_id) is (need, need_id),
/// looking into first members (recursively) unless `strict`.
bool struct_ids_match(const Btf& a, uint32_t a_id, int32_t off, const Btf& need, uint32_t need_id, bool strict);
/// Whether a FUNC_PROTO parameter's name ends with `suffix` ("__sz", "__k"...).
bool param_has_suffix(const Btf& b, const struct btf_param& p, std::string_view suffix);

/// bpf_core_essential_name_len: the name without its last "___flavor"
/// suffix ("task_struct___v2" -> "task_struct", "a___b___c" -> "a___b"); the
/// separator counts only with a non-underscore on each side.
std::string_view essential_name(std::string_view name);

}  // namespace hostbpf::btf
