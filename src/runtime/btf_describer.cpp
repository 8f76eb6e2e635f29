#include "runtime/btf_describer.h"

#include <cxxabi.h>
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>


namespace hostbpf::detail {

std::string demangle(const char* mangled) {
  int status = 0;
  char* s = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = status == 0 && s ? s : mangled;
  std::free(s);
  return out;
}

BtfDescriber::BtfDescriber(std::string owner_name, std::shared_ptr<btf::Btf> btf, const BtfDescriber* base)
    : owner_name_(std::move(owner_name)), btf_(std::move(btf)), base_(base) {}

Error BtfDescriber::fail(Error e, std::string_view where) const {
  return e.context(fmt::format("{}: {}", owner_name_, where));
}

Error BtfDescriber::seal(std::string why) {
  sealed_by_ = std::move(why);
  if (Error e = btf_->validate()) return e.context(owner_name_);
  return {};
}

Error BtfDescriber::check_open(std::string_view what) const {
  if (!sealed()) return {};
  return Error(-EBUSY, fmt::format("{}: {}: the BTF is sealed ({}); describe types and kfuncs before that",
                                   owner_name_, what, sealed_by_));
}

Result<uint32_t> BtfDescriber::record_of(const char* cxx_name) const {
  if (auto it = records_.find(cxx_name); it != records_.end()) return it->second;
  if (base_) return base_->record_of(cxx_name);
  return Error(-ENOENT, fmt::format("C++ type '{}' has no BTF type: define<T>() or bind<T>() it first",
                                    demangle(cxx_name)));
}

Result<uint32_t> BtfDescriber::type_id(btf::BtfBuilder& b, const TypeDesc& d, std::string_view where) const {
  uint32_t id = 0;
  switch (d.kind) {
    case TypeDesc::Kind::Void:
      break;
    case TypeDesc::Kind::Int:
      id = b.int_type(d.int_name, d.int_size, d.int_signed, d.int_char, d.int_bool);
      break;
    case TypeDesc::Kind::Record: {
      auto r = record_of(d.record);
      if (!r.ok()) return fail(r.error(), where);
      id = *r;
      break;
    }
  }
  if (d.is_const) id = b.const_of(id);
  for (uint8_t i = 0; i < d.pointer_depth; i++) id = b.pointer(id);
  if (d.array_len) id = b.array(id, d.array_len);
  if (b.error()) return fail(b.error(), where);
  return id;
}

Result<uint32_t> BtfDescriber::define_record(const char* cxx_name, std::string_view name, size_t size,
                                             bool is_union, const std::vector<FieldDesc>& fields) {
  const std::string where = fmt::format("{} '{}'", is_union ? "union" : "struct", name);
  if (Error e = check_open(where)) return e;
  if (name.empty()) return Error(-EINVAL, fmt::format("{}: {}: a struct needs a name", owner_name_, where));
  const uint32_t kind = is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT;
  if (btf_->find(name, kind).ok())
    return Error(-EEXIST, fmt::format("{}: {} already exists in the BTF; bind<T>() it instead", owner_name_, where));
  if (records_.count(cxx_name))
    return Error(-EEXIST, fmt::format("{}: {}: C++ type '{}' is already described", owner_name_, where,
                                      demangle(cxx_name)));
  btf::BtfBuilder b(btf_);
  // A struct that points to itself (struct node { struct node *next; }): its
  // fields refer to a forward declaration until the struct exists, then to it.
  uint32_t fwd = 0;
  for (const FieldDesc& f : fields)
    if (f.type.kind == TypeDesc::Kind::Record && std::strcmp(f.type.record, cxx_name) == 0 && !fwd)
      records_[cxx_name] = fwd = b.fwd(name, is_union);
  std::vector<btf::Field> out;
  for (const FieldDesc& f : fields) {
    auto t = type_id(b, f.type, fmt::format("{}: field '{}'", where, f.name));
    if (!t.ok()) {
      records_.erase(cxx_name);
      return t.error();
    }
    out.push_back({f.name, *t, f.offset * 8});
  }
  const uint32_t id = is_union ? b.union_type(name, static_cast<uint32_t>(size), out)
                               : b.struct_type(name, static_cast<uint32_t>(size), out);
  if (b.error()) {
    records_.erase(cxx_name);
    return fail(b.error(), where);
  }
  if (fwd) point_at(fwd, id);
  records_[cxx_name] = id;
  return id;
}

// Types added after `from` that refer to it (pointers, const) refer to `to`
// instead. Only types this describer just added are touched, before anyone
// else can see them.
void BtfDescriber::point_at(uint32_t from, uint32_t to) {
  for (uint32_t t = from + 1; t < to; t++) {
    auto* bt = const_cast<struct btf_type*>(btf_->type(t));
    const uint32_t kind = btf_kind(bt);
    const bool refers = kind == BTF_KIND_PTR || kind == BTF_KIND_CONST || kind == BTF_KIND_VOLATILE ||
                        kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_RESTRICT;
    if (refers && bt->type == from) bt->type = to;
    if (kind == BTF_KIND_ARRAY && btf_array(bt)->type == from) btf_array(bt)->type = to;
  }
}

Error BtfDescriber::bind_record(const char* cxx_name, std::string_view btf_name) {
  const std::string where = fmt::format("bind '{}'", btf_name);
  if (Error e = check_open(where)) return e;
  for (uint32_t kind : {uint32_t{BTF_KIND_STRUCT}, uint32_t{BTF_KIND_UNION}, uint32_t{BTF_KIND_ENUM}, uint32_t{BTF_KIND_ENUM64}}) {
    if (auto id = btf_->find(btf_name, kind); id.ok()) {
      records_[cxx_name] = *id;
      return {};
    }
  }
  return Error(-ENOENT, fmt::format("{}: {}: no struct, union or enum of that name in the BTF", owner_name_, where));
}

Result<uint32_t> BtfDescriber::define_func(std::string_view name, const void* addr, const TypeDesc& ret,
                                           const std::vector<TypeDesc>& params,
                                           const std::vector<std::string>& param_names) {
  const std::string where = fmt::format("kfunc '{}'", name);
  if (Error e = check_open(where)) return e;
  if (name.empty()) return Error(-EINVAL, fmt::format("{}: a kfunc needs a name", owner_name_));
  if (!addr) return Error(-EINVAL, fmt::format("{}: {}: null function", owner_name_, where));
  if (btf_->find_own(name, BTF_KIND_FUNC).ok())
    return Error(-EEXIST, fmt::format("{}: {} is already defined", owner_name_, where));
  if (!param_names.empty() && param_names.size() != params.size())
    return Error(-EINVAL, fmt::format("{}: {}: {} parameter names for {} parameters", owner_name_, where,
                                      param_names.size(), params.size()));
  btf::BtfBuilder b(btf_);
  auto r = type_id(b, ret, where + ": return type");
  if (!r.ok()) return r.error();
  std::vector<btf::Param> ps;
  for (size_t i = 0; i < params.size(); i++) {
    const std::string pname = param_names.empty() ? std::string() : param_names[i];
    auto t = type_id(b, params[i], fmt::format("{}: parameter {}", where, pname.empty() ? std::to_string(i + 1) : pname));
    if (!t.ok()) return t.error();
    ps.push_back({pname, *t});
  }
  const uint32_t id = b.func(name, b.func_proto(*r, ps));
  if (b.error()) return fail(b.error(), where);
  funcs_.emplace_back(id, addr);
  return id;
}

Result<uint32_t> BtfDescriber::emit_struct_ops(const StructOpsRegistration& desc) {
  const std::string where = fmt::format("struct_ops {}", desc.name);
  if (Error e = check_open(where)) return e;
  auto err = [&](int code, std::string msg) { return Error(code, fmt::format("{}: {}: {}", owner_name_, where, msg)); };
  if (desc.name.empty()) return Error(-EINVAL, fmt::format("{}: a struct_ops type needs a name", owner_name_));
  if (btf_->find(desc.name, BTF_KIND_STRUCT).ok())
    return err(-EEXIST, "struct " + desc.name + " already exists in the BTF");
  if (desc.cxx_name && records_.count(desc.cxx_name))
    return err(-EEXIST, fmt::format("C++ type '{}' is already described", demangle(desc.cxx_name)));
  if (!desc.cfi_stubs) return err(-EINVAL, "no cfi_stubs");
  btf::BtfBuilder b(btf_);
  std::vector<btf::Field> fields;
  // Per function pointer with a stub: its parameter type ids, which the stub
  // FUNC shares (the kernel matches a stub's arguments to the member's by id).
  struct Stub {
    std::string name;
    uint32_t ret;
    std::vector<btf::Param> params;
  };
  std::vector<Stub> stubs;
  uint32_t end = 0;
  for (const StructOpsMember& m : desc.members) {
    const std::string mwhere = fmt::format("{}: member '{}'", where, m.name);
    if (m.offset < end)
      return err(-EINVAL, fmt::format("member '{}' at byte {} overlaps the one before it", m.name, m.offset));
    uint32_t type = 0;
    uint32_t ret = 0;               // a function pointer's return and
    std::vector<btf::Param> named;  // named parameters, for its stub
    if (m.is_func) {
      if (!m.param_names.empty() && m.param_names.size() != m.params.size())
        return err(-EINVAL, fmt::format("member '{}': {} parameter names for {} parameters", m.name,
                                        m.param_names.size(), m.params.size()));
      auto r = type_id(b, m.ret, mwhere + ": return type");
      if (!r.ok()) return r.error();
      std::vector<btf::Param> anon;
      for (size_t i = 0; i < m.params.size(); i++) {
        auto t = type_id(b, m.params[i], fmt::format("{}: parameter {}", mwhere, i + 1));
        if (!t.ok()) return t.error();
        anon.push_back({"", *t});
        named.push_back({m.param_names.empty() ? std::string() : m.param_names[i], *t});
      }
      type = b.pointer(b.func_proto(*r, anon));
      ret = *r;
      end = m.offset + sizeof(void*);
    } else {
      if (!m.param_names.empty()) return err(-EINVAL, fmt::format("data member '{}' has parameter names", m.name));
      auto t = type_id(b, m.type, mwhere);
      if (!t.ok()) return t.error();
      type = *t;
      const long long size = btf__resolve_size(btf_->raw(), type);
      end = m.offset + static_cast<uint32_t>(size > 0 ? size : 0);
    }
    if (end > desc.size)
      return err(-EINVAL, fmt::format("member '{}' runs past the struct's {} bytes", m.name, desc.size));
    // The stub is read from the caller's instance only once the member is
    // known to lie inside it.
    if (m.is_func) {
      const void* stub =
          *reinterpret_cast<const void* const*>(static_cast<const char*>(desc.cfi_stubs) + m.offset);
      if (stub) stubs.push_back({fmt::format("{}__{}", desc.name, m.name), ret, std::move(named)});
    }
    fields.push_back({m.name, type, m.offset * 8});
  }
  const uint32_t id = b.struct_type(desc.name, static_cast<uint32_t>(desc.size), fields);
  const uint32_t common = b.lookup(struct_ops::kCommonValue, BTF_KIND_STRUCT);
  if (!common && !b.error()) return err(-EINVAL, fmt::format("the BTF has no struct {}", struct_ops::kCommonValue));
  // The kernel aligns data to a cacheline: 64 bytes, and the value's size to it.
  const uint32_t value_size = (struct_ops::kDataOffset + static_cast<uint32_t>(desc.size) + 63) / 64 * 64;
  b.struct_type(struct_ops::kValuePrefix + desc.name, value_size,
                {{"common", common, 0}, {"data", id, struct_ops::kDataOffset * 8}});
  for (const Stub& s : stubs) b.func(s.name, b.func_proto(s.ret, s.params), BTF_FUNC_STATIC);
  if (b.error()) return fail(b.error(), where);
  return id;
}

Result<uint32_t> BtfDescriber::register_struct_ops(const StructOpsRegistration& desc,
                                                   const module::BtfOwner* owner, struct_ops::StructOpsTable& table) {
  const uint32_t mark = btf_->end_id();
  uint32_t id = 0;
  auto both_halves = [&]() -> Error {
    auto emitted = emit_struct_ops(desc);
    if (!emitted.ok()) return emitted.error();
    id = *emitted;
    auto d = struct_ops::desc_init(*btf_, owner, desc.name, desc.cfi_stubs, desc.ops);
    if (!d.ok()) return d.error();
    auto added = table.add(std::move(*d));
    return added.ok() ? Error() : added.error();
  };
  if (Error e = both_halves()) {
    // Nothing of a refused registration stays: a corrected retry starts clean.
    if (Error t = btf_->truncate(mark)) return t.context(fmt::format("{}: struct_ops {}", owner_name_, desc.name));
    return e;
  }
  if (desc.cxx_name) records_[desc.cxx_name] = id;
  return id;
}

Result<uint32_t> BtfDescriber::find(std::string_view name, uint32_t kind) const {
  auto id = btf_->find(name, kind);
  if (!id.ok()) return Error(-ENOENT, fmt::format("{}: no {} '{}' in the BTF", owner_name_, btf::kind_name(kind), name));
  return id;
}

}  // namespace hostbpf::detail
