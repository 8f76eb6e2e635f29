#include "struct_ops/desc.h"

#include <fmt/format.h>

#include "btf/query.h"

namespace hostbpf::struct_ops {
namespace {

// The BTF that every value's `common` member must point into: the host's,
// the root of any split BTF (the kernel compares against vmlinux's type).
const btf::Btf& root_of(const btf::Btf& b) {
  const btf::Btf* r = &b;
  while (r->base()) r = r->base().get();
  return *r;
}

// btf_type_resolve_func_ptr: a member's type that is a pointer to a
// FUNC_PROTO (through modifiers and typedefs) gives the proto's id, else 0.
uint32_t func_proto_of(const btf::Btf& b, uint32_t member_type) {
  const struct btf_type* t = btf::skip_mods_and_typedefs(b, member_type);
  if (!t || !btf_is_ptr(t)) return 0;
  uint32_t id = 0;
  const struct btf_type* p = btf::skip_mods_and_typedefs(b, t->type, &id);
  return p && btf_is_func_proto(p) ? id : 0;
}

// A pointer (through modifiers) to a struct: the struct's id, else 0.
uint32_t pointee_struct(const btf::Btf& b, uint32_t type) {
  const struct btf_type* t = btf::skip_mods_and_typedefs(b, type);
  if (!t || !btf_is_ptr(t)) return 0;
  uint32_t id = 0;
  const struct btf_type* p = btf::skip_mods_and_typedefs(b, t->type, &id);
  return p && btf::is_struct(p) ? id : 0;
}

// is_valid_value_type: struct bpf_struct_ops_<name> { common; data; }.
Error check_value_type(const btf::Btf& b, uint32_t value_id, uint32_t type_id, const std::string& value_name) {
  const struct btf_type* vt = b.type(value_id);
  if (btf_vlen(vt) != 2)
    return Error(-EINVAL, fmt::format("The number of {}'s members should be 2, but we get {}", value_name,
                                      btf_vlen(vt)));
  const struct btf_member* m = btf_members(vt);
  auto common = root_of(b).find(kCommonValue, BTF_KIND_STRUCT);
  if (!common.ok() || m[0].type != *common)
    return Error(-EINVAL, fmt::format("The first member of {} should be {}", value_name, kCommonValue));
  if (m[1].type != type_id)
    return Error(-EINVAL, fmt::format("The second member of {} should be {}", value_name, b.name(type_id)));
  return {};
}

// prepare_arg_info: the annotations of the stub FUNC <st>__<member>'s
// parameter names. No such FUNC: no annotations.
Error prepare_arg_info(const btf::Btf& b, const std::string& st, const MemberDesc& m, std::vector<CtxArgAux>* out) {
  const std::string stub = fmt::format("{}__{}", st, m.name);
  auto stub_id = b.find(stub, BTF_KIND_FUNC);
  if (!stub_id.ok()) return {};
  const struct btf_type* proto = b.type(m.func_proto);
  const struct btf_type* stub_proto = b.type(b.type(*stub_id)->type);
  if (!stub_proto || !btf_is_func_proto(stub_proto) || btf_vlen(stub_proto) != btf_vlen(proto))
    return Error(-EINVAL, fmt::format("the number of arguments of the stub function {} does not match the number "
                                      "of arguments of the member {} of struct {}",
                                      stub, m.name, st));
  const struct btf_param* args = btf_params(proto);
  const struct btf_param* stub_args = btf_params(stub_proto);
  for (uint32_t i = 0; i < btf_vlen(proto); i++) {
    CtxArgAux aux{.arg = i};
    const char* suffix;
    if (btf::param_has_suffix(b, stub_args[i], "__nullable")) {
      aux.nullable = true;
      suffix = "__nullable";
    } else if (btf::param_has_suffix(b, stub_args[i], "__ref")) {
      aux.refcounted = true;
      suffix = "__ref";
    } else {
      continue;
    }
    aux.btf_id = pointee_struct(b, args[i].type);
    if (!aux.btf_id)
      return Error(-EINVAL, fmt::format("stub function {} has {} tagging to an unsupported type", stub, suffix));
    if (args[i].type != stub_args[i].type)
      return Error(-EINVAL,
                   fmt::format("arg#{} type in stub function {} does not match with its original func_proto", i, stub));
    out->push_back(aux);
  }
  return {};
}

// What a member's prototype may hold (btf_distill_func_proto, and what
// hostbpf's trampolines pass): integers, enums and pointers, at most 12.
Error check_func_model(const btf::Btf& b, const MemberDesc& m, const std::string& st) {
  const struct btf_type* proto = b.type(m.func_proto);
  if (btf_vlen(proto) > kMaxFuncArgs)
    return Error(-EINVAL, fmt::format("Error in parsing func ptr {} in struct {}: {} arguments, at most {}", m.name, st,
                                      btf_vlen(proto), kMaxFuncArgs));
  const struct btf_param* args = btf_params(proto);
  for (uint32_t i = 0; i < btf_vlen(proto); i++) {
    const struct btf_type* a = btf::skip_mods_and_typedefs(b, args[i].type);
    if (i + 1 == btf_vlen(proto) && args[i].type == 0)
      return Error(-EINVAL, fmt::format("Error in parsing func ptr {} in struct {}: variadic", m.name, st));
    if (!a || !(btf_is_int(a) || btf_is_any_enum(a) || btf_is_ptr(a)))
      return Error(-EOPNOTSUPP, fmt::format("func ptr {} in struct {}: argument {} is {}: only integers, enums and "
                                            "pointers are passed",
                                            m.name, st, i + 1, a ? btf::kind_str(a) : "invalid"));
  }
  return {};
}

}  // namespace

const MemberDesc* StructOpsDesc::supported_func(uint32_t index) const {
  if (index >= members.size() || !members[index].supported) return nullptr;
  return &members[index];
}

Result<StructOpsDesc> desc_init(const btf::Btf& b, const module::BtfOwner* owner, std::string_view name,
                                const void* cfi_stubs, StructOpsCallbacks ops) {
  const std::string owner_name = owner ? owner->name : "vmlinux";
  auto fail = [&](Error e) { return e.context(fmt::format("{}: struct_ops {}", owner_name, name)); };
  StructOpsDesc d;
  d.owner = owner;
  d.name = std::string(name);
  const std::string value_name = kValuePrefix + d.name;
  if (value_name.size() >= 128) return fail(Error(-EINVAL, fmt::format("struct_ops name {} is too long", name)));
  if (!cfi_stubs) return fail(Error(-EINVAL, fmt::format("struct_ops for {} has no cfi_stubs", name)));
  if (!ops.reg || !ops.unreg) return fail(Error(-EINVAL, "a struct_ops type needs both reg and unreg"));
  auto type_id = b.find(name, BTF_KIND_STRUCT);
  if (!type_id.ok()) return fail(Error(-EINVAL, fmt::format("Cannot find struct {} in {}", name, owner_name)));
  d.type_id = *type_id;
  const struct btf_type* t = b.type(d.type_id);
  d.size = t->size;
  if (btf_vlen(t) > kMaxMembers)
    return fail(Error(-EINVAL, fmt::format("Cannot support #{} members in struct {}", btf_vlen(t), name)));
  auto value_id = b.find(value_name, BTF_KIND_STRUCT);
  if (!value_id.ok()) return fail(Error(-EINVAL, fmt::format("Cannot find struct {} in {}", value_name, owner_name)));
  d.value_id = *value_id;
  d.value_size = b.type(d.value_id)->size;
  if (Error e = check_value_type(b, d.value_id, d.type_id, value_name)) return fail(e);

  const struct btf_member* members = btf_members(t);
  for (uint32_t i = 0; i < btf_vlen(t); i++) {
    MemberDesc m;
    const char* mname = btf__name_by_offset(b.raw(), members[i].name_off);
    m.name = mname ? mname : "";
    m.index = i;
    m.type_id = members[i].type;
    if (m.name.empty())
      return fail(Error(-EOPNOTSUPP, fmt::format("anon member in struct {} is not supported", name)));
    if (btf_member_bitfield_size(t, i))
      return fail(Error(-EOPNOTSUPP, fmt::format("bit field member {} in struct {} is not supported", m.name, name)));
    const uint32_t bits = btf_member_bit_offset(t, i);
    if (bits % 8) return fail(Error(-EINVAL, fmt::format("member {} of struct {} is not byte aligned", m.name, name)));
    m.offset = bits / 8;
    m.func_proto = func_proto_of(b, m.type_id);
    if (m.func_proto) {
      if (m.offset + sizeof(void*) > d.size)
        return fail(Error(-EINVAL, fmt::format("member {} of struct {} runs past its end", m.name, name)));
      const void* stub = *reinterpret_cast<const void* const*>(static_cast<const char*>(cfi_stubs) + m.offset);
      m.supported = stub != nullptr;
    }
    if (m.supported) {
      const struct btf_type* proto = b.type(m.func_proto);
      if (proto->type) {
        const struct btf_type* ret = btf::skip_mods_and_typedefs(b, proto->type);
        if (ret && btf_is_ptr(ret) && !pointee_struct(b, proto->type))
          return fail(Error(-EOPNOTSUPP,
                            fmt::format("func ptr {} in struct {} returns non-struct pointer, which is not supported",
                                        m.name, name)));
      }
      if (Error e = check_func_model(b, m, d.name)) return fail(e);
      if (Error e = prepare_arg_info(b, d.name, m, &m.arg_info)) return fail(e);
    }
    d.members.push_back(std::move(m));
  }
  d.cfi_stubs = cfi_stubs;
  d.ops = std::move(ops);
  return d;
}

}  // namespace hostbpf::struct_ops
