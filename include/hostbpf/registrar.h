// hostbpf — describing types and kfuncs to BPF programs.
//
// The host (Runtime::host()) and every provider module (ModuleContext, see
// hostbpf/module.h) describe what they expose the same way, through a
// Registrar: C++ structs become BTF structs, C++ functions become BTF FUNCs
// whose prototypes are derived from their signatures, and each kfunc is
// registered for some program types with KF_* flags, as the kernel's kfunc ID
// sets are. A program then declares the function `extern ... __ksym` and
// calls it; the call becomes a direct call of the C++ function.
//
//   struct Session { uint64_t id; uint64_t bytes; };
//   Session* session_acquire(uint64_t id);
//   void session_release(Session* s);
//
//   auto& k = rt.host();
//   k.define<Session>("session", {{"id", &Session::id}, {"bytes", &Session::bytes}});
//   k.add("session_acquire", &session_acquire, KF_ACQUIRE | KF_RET_NULL, {ProgType::Syscall}, {"id"});
//   k.add("session_release", &session_release, KF_RELEASE, {ProgType::Syscall}, {"s"});
//   k.add_dtor<Session>("session_release");   // what drops a Session kptr
//
// Everything here is a template over a few virtual calls taking plain
// descriptors (TypeDesc, FieldDesc), so a module built as a separate shared
// object needs no symbol of the host executable.
//
// Parameter names carry the kernel's suffixes: `__sz` (the size of the memory
// argument before it), `__k` (a constant known at verification), `__nullable`
// / `__opt` (may be NULL), `__ign` (not checked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "hostbpf/btf_types.h"
#include "hostbpf/error.h"
#include "hostbpf/kfunc_flags.h"
#include "hostbpf/prog_type.h"
#include "hostbpf/struct_ops.h"

namespace hostbpf {

/// What a kfunc filter learns about the program being verified.
struct KfuncFilterInfo {
  ProgType prog_type;
  std::string prog_name;
  bool sleepable;
};
/// A filter returns non-zero to deny the program the kfunc (the kernel's
/// btf_kfunc_id_set filter).
using KfuncFilter = std::function<int(const KfuncFilterInfo& prog, uint32_t kfunc_btf_id)>;

/// One (kfunc, flags) pair of a kfunc set.
struct KfuncSetEntry {
  uint32_t btf_id;  // from add_func or add
  uint32_t flags;   // KF_*
};

/// Describes types and kfuncs into one BTF (the host's or a module's) and
/// registers kfunc sets and destructors on it. Every call returns an error
/// naming what was wrong; nothing throws.
///
/// The host's Registrar is open until the host BTF is sealed (the first
/// Runtime::open, load_raw or module load, since modules' split BTF is built
/// on top of it); afterwards every call fails with -EBUSY. A module's is open
/// only during its init.
class Registrar {
 public:
  /// Defines struct `name` of sizeof(T) bytes with `fields`, and binds T to it
  /// so that T and T* may appear in kfunc signatures and later fields.
  /// Returns its BTF id.
  template <class T>
  Result<uint32_t> define(std::string_view name, std::initializer_list<FieldDesc> fields) {
    static_assert(std::is_class_v<T> || std::is_union_v<T>, "define<T> describes a struct or union");
    return define_record(typeid(T).name(), name, sizeof(T), std::is_union_v<T>,
                         std::vector<FieldDesc>(fields));
  }
  /// Binds C++ type T to a struct, union or enum that the BTF already has
  /// (e.g. `struct xdp_md` of the standard types, or one from a BTF blob).
  template <class T>
  Error bind(std::string_view btf_name) {
    return bind_record(typeid(T).name(), btf_name);
  }

  /// Defines FUNC `name` with the prototype of `fn` and registers it with
  /// `flags` for `prog_types` (ProgType::Unspec: every program type). At most
  /// 5 arguments, each an integer or a pointer (R1..R5 of a BPF call);
  /// `param_names` is empty or names every parameter. Returns the BTF id.
  template <class R, class... A>
  Result<uint32_t> add(std::string_view name, R (*fn)(A...), uint32_t flags,
                       std::initializer_list<ProgType> prog_types, std::initializer_list<std::string> param_names = {}) {
    auto id = add_func(name, fn, param_names);
    if (!id.ok()) return id;
    std::vector<ProgType> types(prog_types);
    if (Error e = register_kfunc(*id, flags, types)) return e;
    return id;
  }

  /// Only defines FUNC `name` (for register_set, which modules use to register
  /// each hook once, as the kernel's modules do). Returns the BTF id.
  template <class R, class... A>
  Result<uint32_t> add_func(std::string_view name, R (*fn)(A...), std::initializer_list<std::string> param_names = {}) {
    static_assert(sizeof...(A) <= 5, "BPF calls pass at most 5 arguments");
    static_assert(((std::is_integral_v<A> || std::is_pointer_v<A>) && ...),
                  "kfunc arguments must be integers or pointers");
    static_assert(std::is_void_v<R> || std::is_integral_v<R> || std::is_pointer_v<R>,
                  "kfuncs return void, an integer or a pointer");
    const std::vector<TypeDesc> params{type_desc<A>()...};
    return define_func(name, reinterpret_cast<const void*>(fn), type_desc<R>(), params,
                       std::vector<std::string>(param_names));
  }

  /// register_btf_kfunc_id_set(prog_type, set): the host may register many
  /// sets per program type's hook; a module each hook once (-EINVAL after).
  virtual Error register_set(ProgType prog_type, const std::vector<KfuncSetEntry>& set,
                             KfuncFilter filter = nullptr) = 0;
  /// A filter on the hooks of `prog_types` for this BTF's kfuncs.
  Error add_filter(std::initializer_list<ProgType> prog_types, KfuncFilter filter) {
    for (ProgType t : prog_types)
      if (Error e = register_set(t, {}, filter)) return e;
    return {};
  }

  /// Registers kfunc `dtor` (void, one pointer argument) as the destructor of
  /// T's struct: what a map runs when it drops a T kptr.
  template <class T>
  Error add_dtor(std::string_view dtor) {
    return register_dtor(typeid(T).name(), dtor);
  }

  /// Registers ops type T (see hostbpf/struct_ops.h): describes it into this
  /// BTF with its wrapper and stubs, and adds it to this BTF's struct_ops
  /// table. Errors, as register_bpf_struct_ops gives them: -EEXIST for a type
  /// already registered here; -EOPNOTSUPP for an anonymous member or a
  /// function pointer returning a pointer to a non-struct; -EINVAL for more
  /// than 64 members, no stubs, no reg or unreg, annotations on arguments
  /// that are not pointers to structs, or init returning non-zero. Returns
  /// the BTF id of the ops struct.
  template <class T>
  Result<uint32_t> add_struct_ops(const StructOps<T>& ops) {
    return register_struct_ops(ops.registration());
  }

  /// The BTF id of a type or FUNC by name (BTF_KIND_* `kind`), here or in the
  /// host's BTF; -ENOENT.
  virtual Result<uint32_t> find(std::string_view name, uint32_t kind) const = 0;

  // The virtual calls the templates above make.
  virtual Result<uint32_t> define_record(const char* cxx_name, std::string_view name, size_t size, bool is_union,
                                         const std::vector<FieldDesc>& fields) = 0;
  virtual Error bind_record(const char* cxx_name, std::string_view btf_name) = 0;
  virtual Result<uint32_t> define_func(std::string_view name, const void* addr, const TypeDesc& ret,
                                       const std::vector<TypeDesc>& params,
                                       const std::vector<std::string>& param_names) = 0;
  /// Registers FUNC `id` with `flags` for each of `prog_types`, one set per hook.
  virtual Error register_kfunc(uint32_t id, uint32_t flags, const std::vector<ProgType>& prog_types) = 0;
  virtual Error register_dtor(const char* cxx_name, std::string_view dtor) = 0;
  virtual Result<uint32_t> register_struct_ops(const StructOpsRegistration& desc) = 0;

 protected:
  Registrar() = default;
  ~Registrar() = default;
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;
};

}  // namespace hostbpf
