#include "btf/builder.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace hostbpf::btf {

BtfBuilder::BtfBuilder(std::shared_ptr<const Btf> base) : btf_(Btf::empty(std::move(base))) {}

BtfBuilder::BtfBuilder(std::shared_ptr<Btf> existing) : btf_(std::move(existing)) {}

uint32_t BtfBuilder::next_id() const { return btf_->end_id(); }

uint32_t BtfBuilder::lookup(std::string_view name, uint32_t kind) const {
  auto id = btf_->find(name, kind);
  return id.ok() ? *id : 0;
}

// libbpf returns the new id or a negative errno.
uint32_t BtfBuilder::check(int id, std::string_view what) {
  if (id > 0) return static_cast<uint32_t>(id);
  if (!error_) error_ = Error(id < 0 ? id : -EINVAL, fmt::format("BTF {}: {}", what, std::strerror(id < 0 ? -id : EINVAL)));
  return 0;
}

// A referenced id must exist already (0 is void), else the BTF would not
// validate when a verifier or libbpf reads it.
bool BtfBuilder::check_ref(uint32_t id, std::string_view what) {
  if (id < btf_->end_id()) return true;
  if (!error_) error_ = Error(-EINVAL, fmt::format("BTF {}: refers to type [{}] which does not exist", what, id));
  return false;
}

// A named type already present with the same kind and size is reused, so the
// standard types can be added to any BTF (e.g. one from pahole) exactly once.
uint32_t BtfBuilder::existing(std::string_view name, uint32_t kind) const {
  if (name.empty()) return 0;
  return lookup(name, kind);
}

uint32_t BtfBuilder::int_type(std::string_view name, uint32_t size, bool is_signed, bool is_char, bool is_bool) {
  if (uint32_t id = existing(name, BTF_KIND_INT)) {
    if (btf_->type(id)->size == size) return id;
  }
  int enc = (is_signed ? BTF_INT_SIGNED : 0) | (is_char ? BTF_INT_CHAR : 0) | (is_bool ? BTF_INT_BOOL : 0);
  const std::string n(name);
  return check(btf__add_int(btf_->raw_mutable(), n.c_str(), static_cast<int>(size), enc), fmt::format("int '{}'", name));
}

uint32_t BtfBuilder::float_type(std::string_view name, uint32_t size) {
  if (uint32_t id = existing(name, BTF_KIND_FLOAT)) return id;
  const std::string n(name);
  return check(btf__add_float(btf_->raw_mutable(), n.c_str(), size), fmt::format("float '{}'", name));
}

uint32_t BtfBuilder::pointer(uint32_t target) {
  if (!check_ref(target, "pointer")) return 0;
  return check(btf__add_ptr(btf_->raw_mutable(), static_cast<int>(target)), "pointer");
}

uint32_t BtfBuilder::const_of(uint32_t target) {
  if (!check_ref(target, "const")) return 0;
  return check(btf__add_const(btf_->raw_mutable(), static_cast<int>(target)), "const");
}

uint32_t BtfBuilder::volatile_of(uint32_t target) {
  if (!check_ref(target, "volatile")) return 0;
  return check(btf__add_volatile(btf_->raw_mutable(), static_cast<int>(target)), "volatile");
}

uint32_t BtfBuilder::typedef_type(std::string_view name, uint32_t target) {
  if (uint32_t id = existing(name, BTF_KIND_TYPEDEF)) return id;
  if (!check_ref(target, fmt::format("typedef '{}'", name))) return 0;
  const std::string n(name);
  return check(btf__add_typedef(btf_->raw_mutable(), n.c_str(), static_cast<int>(target)),
               fmt::format("typedef '{}'", name));
}

uint32_t BtfBuilder::array(uint32_t elem, uint32_t nelems) {
  if (!check_ref(elem, "array")) return 0;
  // Arrays need an index type; vmlinux uses its 'int' (any integer will do).
  uint32_t index = int_type("int", 4, true);
  return check(btf__add_array(btf_->raw_mutable(), static_cast<int>(index), static_cast<int>(elem),
                              static_cast<uint32_t>(nelems)),
               "array");
}

uint32_t BtfBuilder::composite(bool is_union, std::string_view name, uint32_t size, const Field* begin,
                               const Field* end) {
  const uint32_t kind = is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT;
  const std::string what = fmt::format("{} '{}'", is_union ? "union" : "struct", name);
  if (uint32_t id = existing(name, kind)) {
    if (btf_->type(id)->size == size && btf_vlen(btf_->type(id)) == static_cast<size_t>(end - begin)) return id;
    if (!error_) error_ = Error(-EEXIST, fmt::format("BTF {}: already described with another layout", what));
    return 0;
  }
  for (const Field* f = begin; f != end; f++) {
    if (!check_ref(f->type, fmt::format("{} field '{}'", what, f->name))) return 0;
    uint64_t bits = f->bitfield_size;
    if (!bits) {
      const long long field_size = btf__resolve_size(btf_->raw(), f->type);
      bits = field_size > 0 ? static_cast<uint64_t>(field_size) * 8 : 0;
    }
    if (f->bit_offset + bits > uint64_t{size} * 8) {
      if (!error_)
        error_ = Error(-EINVAL, fmt::format("BTF {} field '{}': bit offset {} is past the struct's {} bytes", what,
                                            f->name, f->bit_offset, size));
      return 0;
    }
  }
  // libbpf appends fields to the type added last, so they go right after it.
  const std::string n(name);
  struct btf* b = btf_->raw_mutable();
  const uint32_t id = check(is_union ? btf__add_union(b, n.c_str(), size) : btf__add_struct(b, n.c_str(), size), what);
  if (!id) return 0;
  for (const Field* f = begin; f != end; f++) {
    int err = btf__add_field(b, f->name.c_str(), static_cast<int>(f->type), f->bit_offset, f->bitfield_size);
    if (err) return check(err, fmt::format("{} field '{}'", what, f->name));
  }
  return id;
}

uint32_t BtfBuilder::struct_type(std::string_view name, uint32_t size, std::initializer_list<Field> fields) {
  return composite(false, name, size, fields.begin(), fields.end());
}

uint32_t BtfBuilder::struct_type(std::string_view name, uint32_t size, const std::vector<Field>& fields) {
  return composite(false, name, size, fields.data(), fields.data() + fields.size());
}

uint32_t BtfBuilder::union_type(std::string_view name, uint32_t size, const std::vector<Field>& fields) {
  return composite(true, name, size, fields.data(), fields.data() + fields.size());
}

uint32_t BtfBuilder::fwd(std::string_view name, bool is_union) {
  if (uint32_t id = existing(name, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT)) return id;
  if (uint32_t id = existing(name, BTF_KIND_FWD)) return id;
  const std::string n(name);
  return check(btf__add_fwd(btf_->raw_mutable(), n.c_str(), is_union ? BTF_FWD_UNION : BTF_FWD_STRUCT),
               fmt::format("forward declaration '{}'", name));
}

uint32_t BtfBuilder::enum_type(std::string_view name, uint32_t size, const std::vector<EnumValue>& values,
                               bool is_signed) {
  bool wide = false;
  for (const auto& v : values) wide |= v.value < INT32_MIN || v.value > UINT32_MAX;
  if (uint32_t id = existing(name, wide ? BTF_KIND_ENUM64 : BTF_KIND_ENUM)) return id;
  const std::string n(name);
  const std::string what = fmt::format("enum '{}'", name);
  struct btf* b = btf_->raw_mutable();
  const uint32_t id = check(wide ? btf__add_enum64(b, n.c_str(), size, is_signed) : btf__add_enum(b, n.c_str(), size),
                            what);
  if (!id) return 0;
  for (const auto& v : values) {
    int err = wide ? btf__add_enum64_value(b, v.name.c_str(), static_cast<uint64_t>(v.value))
                   : btf__add_enum_value(b, v.name.c_str(), v.value);
    if (err) return check(err, fmt::format("{} value '{}'", what, v.name));
  }
  return id;
}

uint32_t BtfBuilder::func_proto(uint32_t ret, const std::vector<Param>& params) {
  if (!check_ref(ret, "function prototype")) return 0;
  for (const auto& p : params)
    if (!check_ref(p.type, fmt::format("function prototype parameter '{}'", p.name))) return 0;
  struct btf* b = btf_->raw_mutable();
  const uint32_t id = check(btf__add_func_proto(b, static_cast<int>(ret)), "function prototype");
  if (!id) return 0;
  for (const auto& p : params) {
    int err = btf__add_func_param(b, p.name.c_str(), static_cast<int>(p.type));
    if (err) return check(err, fmt::format("function prototype parameter '{}'", p.name));
  }
  return id;
}

uint32_t BtfBuilder::func(std::string_view name, uint32_t proto, int linkage) {
  const std::string n(name);
  const std::string what = fmt::format("function '{}'", name);
  const struct btf_type* p = btf_->type(proto);
  if (!p || btf_kind(p) != BTF_KIND_FUNC_PROTO) {
    if (!error_) error_ = Error(-EINVAL, fmt::format("BTF {}: type [{}] is not a FUNC_PROTO", what, proto));
    return 0;
  }
  return check(btf__add_func(btf_->raw_mutable(), n.c_str(), static_cast<enum btf_func_linkage>(linkage), static_cast<int>(proto)), what);
}

Result<std::shared_ptr<const Btf>> BtfBuilder::finish() {
  if (error_) return error_;
  // Each add checks its own references; what only the whole shows (chains
  // deeper than the kernel resolves) is checked once here.
  if (Error e = btf_->validate()) return e;
  return std::shared_ptr<const Btf>(std::move(btf_));
}

}  // namespace hostbpf::btf
