// hostbpf — struct_ops: interfaces that a host or a module defines and BPF
// programs implement (the kernel's struct bpf_struct_ops).
//
// An interface is a C struct of function pointers, optionally with data
// members. The host (or a module, during init) registers it through its
// Registrar with the subsystem's callbacks; a BPF object then implements it
// in a `.struct_ops` or `.struct_ops.link` variable whose function pointers
// name `SEC("struct_ops/...")` programs, and the runtime hands the
// implementation to the subsystem's `reg` as a real instance of the struct.
//
//   struct cache_ops {
//     int (*on_insert)(uint64_t key);
//     uint64_t (*choose_victim)(void);
//     uint32_t capacity;                       // a data member, set by the object
//   };
//   // The default implementations (the kernel's cfi_stubs). A member whose
//   // stub is null is unsupported: no program may implement it.
//   static int stub_on_insert(uint64_t) { return 0; }
//   static uint64_t stub_choose_victim() { return 0; }
//   static const cache_ops stubs = {stub_on_insert, stub_choose_victim, 0};
//
//   StructOps<cache_ops> ops("cache_ops", &stubs);
//   ops.member("on_insert", &cache_ops::on_insert, {"key"})
//      .member("choose_victim", &cache_ops::choose_victim)
//      .member("capacity", &cache_ops::capacity);
//   ops.reg = [](cache_ops* impl, StructOpsLink*) { active = impl; return 0; };
//   ops.unreg = [](cache_ops* impl, StructOpsLink*) { active = nullptr; };
//   auto id = rt.host().add_struct_ops(ops);   // the BTF id of struct cache_ops
//
// Registration describes `struct cache_ops` into the owner's BTF (host or
// module), the kernel's wrapper `struct bpf_struct_ops_cache_ops { struct
// bpf_struct_ops_common_value common; struct cache_ops data; }` that objects
// and `hostbpf btf dump` see, and one FUNC `cache_ops__<member>` per supported
// function pointer, whose parameter names carry the annotations:
//   `__nullable`  the program gets a trusted pointer that may be NULL;
//   `__ref`       the program gets a referenced trusted pointer, which it must
//                 release or return.
// Both apply only to pointers to structs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "hostbpf/btf_types.h"

namespace hostbpf {

/// A link attaching a struct_ops map (`.struct_ops.link`); reg/unreg/update
/// get nullptr for a map registered without one.
class StructOpsLink;

/// One member of an ops struct, as the registration describes it.
struct StructOpsMember {
  std::string name;
  uint32_t offset = 0;  // bytes from the start of the struct
  bool is_func = false;
  TypeDesc type;  // a data member's type
  // A function pointer's prototype, and its parameter names with their
  // annotations (empty, or one per parameter).
  TypeDesc ret;
  std::vector<TypeDesc> params;
  std::vector<std::string> param_names;

  StructOpsMember() = default;
  /// From a pointer to member: a function pointer ({"on_insert",
  /// &cache_ops::on_insert, {"key"}}) or a data member ({"capacity",
  /// &cache_ops::capacity}; param_names must then be empty).
  template <class C, class M>
  StructOpsMember(std::string n, M C::*member, std::initializer_list<std::string> names = {})
      : name(std::move(n)), offset(offset_of(member)), param_names(names) {
    if constexpr (is_fn_ptr<M>::value) {
      is_func = true;
      is_fn_ptr<M>::describe(*this);
    } else {
      type = type_desc<M>();
    }
  }

 private:
  template <class M>
  struct is_fn_ptr : std::false_type {};
  template <class R, class... A>
  struct is_fn_ptr<R (*)(A...)> : std::true_type {
    static void describe(StructOpsMember& m) {
      m.ret = type_desc<R>();
      m.params = {type_desc<A>()...};
    }
  };
  template <class C, class M>
  static uint32_t offset_of(M C::*member) {
    alignas(C) static unsigned char storage[sizeof(C)];
    const C* obj = reinterpret_cast<const C*>(storage);
    return static_cast<uint32_t>(reinterpret_cast<const unsigned char*>(&(obj->*member)) - storage);
  }
};

/// The program a check_member callback is asked about.
struct StructOpsProgInfo {
  std::string prog_name;
  bool sleepable;
};

/// The subsystem's side of struct bpf_struct_ops, over kdata of type K:
/// `void` as the registration crosses the Registrar (StructOpsCallbacks),
/// the ops struct itself in StructOps<T>. `kdata` is the instance of the ops
/// struct the runtime built for a map: its function pointers call the map's
/// programs, its data members are the object's values.
template <class K>
struct BasicStructOpsCallbacks {
  /// Once, when the type is registered; non-zero aborts the registration.
  std::function<int()> init;
  /// Per program, at load: non-zero refuses it ("attach to unsupported
  /// member %s of struct %s"). Optional.
  std::function<int(uint32_t member, const StructOpsProgInfo& prog)> check_member;
  /// Per member, while a map is filled: <0 error, >0 handled here (the
  /// runtime leaves the member alone), 0 the runtime's default. Optional.
  std::function<int(uint32_t member, K* kdata, const K* udata)> init_member;
  /// Activate and deactivate an implementation. Required.
  std::function<int(K* kdata, StructOpsLink* link)> reg;
  std::function<void(K* kdata, StructOpsLink* link)> unreg;
  /// Swap the implementation behind a link (-EOPNOTSUPP without it). Optional.
  std::function<int(K* kdata, K* old_kdata, StructOpsLink* link)> update;
  /// A whole-struct check once every member is filled. Optional.
  std::function<int(K* kdata)> validate;
};
using StructOpsCallbacks = BasicStructOpsCallbacks<void>;

/// A registration as it crosses the Registrar's virtual call (plain data;
/// StructOps<T> builds it from the C++ type). The kernel's struct
/// bpf_struct_ops.
struct StructOpsRegistration {
  std::string name;  // the C struct's name, "cache_ops"
  const char* cxx_name = nullptr;  // typeid(T).name()
  size_t size = 0;
  size_t align = 0;
  std::vector<StructOpsMember> members;
  /// An instance of the struct whose function pointers are the members'
  /// default implementations; a null one marks that member unsupported.
  const void* cfi_stubs = nullptr;
  StructOpsCallbacks ops;
};

/// An ops type T to register (Registrar::add_struct_ops): its members, its
/// stubs, and its callbacks (the fields it inherits), typed.
template <class T>
class StructOps : public BasicStructOpsCallbacks<T> {
 public:
  static_assert(std::is_standard_layout_v<T> && std::is_trivially_copyable_v<T>,
                "an ops struct is a C struct: standard layout, trivially copyable");

  StructOps(std::string name, const T* cfi_stubs) : name_(std::move(name)), stubs_(cfi_stubs) {}

  /// Adds a member (see StructOpsMember); in declaration order.
  template <class M>
  StructOps& member(std::string name, M T::*m, std::initializer_list<std::string> param_names = {}) {
    members_.emplace_back(std::move(name), m, param_names);
    return *this;
  }

  /// The untyped registration: each callback takes the ops struct as void*.
  StructOpsRegistration registration() const {
    StructOpsRegistration d;
    d.name = name_;
    d.cxx_name = typeid(T).name();
    d.size = sizeof(T);
    d.align = alignof(T);
    d.members = members_;
    d.cfi_stubs = stubs_;
    d.ops.init = this->init;
    d.ops.check_member = this->check_member;
    if (auto f = this->init_member)
      d.ops.init_member = [f](uint32_t m, void* k, const void* u) {
        return f(m, static_cast<T*>(k), static_cast<const T*>(u));
      };
    if (auto f = this->reg) d.ops.reg = [f](void* k, StructOpsLink* l) { return f(static_cast<T*>(k), l); };
    if (auto f = this->unreg) d.ops.unreg = [f](void* k, StructOpsLink* l) { f(static_cast<T*>(k), l); };
    if (auto f = this->update)
      d.ops.update = [f](void* k, void* old, StructOpsLink* l) {
        return f(static_cast<T*>(k), static_cast<T*>(old), l);
      };
    if (auto f = this->validate) d.ops.validate = [f](void* k) { return f(static_cast<T*>(k)); };
    return d;
  }

 private:
  std::string name_;
  const T* stubs_;
  std::vector<StructOpsMember> members_;
};

}  // namespace hostbpf
