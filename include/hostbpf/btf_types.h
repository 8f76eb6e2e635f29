// hostbpf — describing C++ types to BTF: the plain descriptors (TypeDesc,
// FieldDesc) that the Registrar's templates build from C++ types and pass
// through its virtual calls, so that they cross shared-object boundaries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <typeinfo>

namespace hostbpf {

/// A C++ type as BTF describes it: void, an integer, or a struct the Registrar
/// knows (define<T> or bind<T>), behind `pointer_depth` pointers. Built by
/// type_desc<T>(); plain data so that it crosses shared-object boundaries.
struct TypeDesc {
  enum class Kind : uint8_t { Void, Int, Record };
  Kind kind = Kind::Void;
  // Int: the C name a compiler writes to DWARF ("long unsigned int"), as pahole
  // does, so BTF built here and pahole's agree.
  const char* int_name = nullptr;
  uint8_t int_size = 0;
  bool int_signed = false;
  bool int_char = false;
  bool int_bool = false;
  // Record: typeid(T).name(), the key define<T>/bind<T> registered.
  const char* record = nullptr;
  bool is_const = false;       // the innermost type (pointee) is const
  uint8_t pointer_depth = 0;
  uint32_t array_len = 0;      // fields only: an array of this many elements (0: not an array)
};

namespace detail_desc {

template <class U>
constexpr TypeDesc int_desc() {
  TypeDesc d;
  d.kind = TypeDesc::Kind::Int;
  d.int_size = sizeof(U);
  d.int_signed = std::is_signed_v<U>;
  if constexpr (std::is_same_v<U, bool>) d.int_name = "_Bool", d.int_bool = true, d.int_signed = false;
  else if constexpr (std::is_same_v<U, char>) d.int_name = "char", d.int_char = true;
  else if constexpr (std::is_same_v<U, signed char>) d.int_name = "signed char", d.int_char = true;
  else if constexpr (std::is_same_v<U, unsigned char>) d.int_name = "unsigned char", d.int_char = true;
  else if constexpr (std::is_same_v<U, short>) d.int_name = "short int";
  else if constexpr (std::is_same_v<U, unsigned short>) d.int_name = "short unsigned int";
  else if constexpr (std::is_same_v<U, int>) d.int_name = "int";
  else if constexpr (std::is_same_v<U, unsigned>) d.int_name = "unsigned int";
  else if constexpr (std::is_same_v<U, long>) d.int_name = "long int";
  else if constexpr (std::is_same_v<U, unsigned long>) d.int_name = "long unsigned int";
  else if constexpr (std::is_same_v<U, long long>) d.int_name = "long long int";
  else if constexpr (std::is_same_v<U, unsigned long long>) d.int_name = "long long unsigned int";
  else static_assert(sizeof(U) == 0, "unsupported integer type");
  return d;
}

}  // namespace detail_desc

/// The descriptor of C++ type T: integers, classes/unions/enums known to the
/// Registrar, pointers to those (any depth), void (and void*).
template <class T>
TypeDesc type_desc() {
  if constexpr (std::is_pointer_v<T>) {
    TypeDesc d = type_desc<std::remove_pointer_t<T>>();
    d.pointer_depth++;
    return d;
  } else if constexpr (std::is_const_v<T> || std::is_volatile_v<T>) {
    TypeDesc d = type_desc<std::remove_cv_t<T>>();
    if (d.pointer_depth == 0) d.is_const = std::is_const_v<T>;
    return d;
  } else if constexpr (std::is_void_v<T>) {
    return TypeDesc{};
  } else if constexpr (std::is_array_v<T>) {
    static_assert(std::rank_v<T> == 1, "only one-dimensional arrays");
    TypeDesc d = type_desc<std::remove_extent_t<T>>();
    d.array_len = std::extent_v<T>;
    return d;
  } else if constexpr (std::is_integral_v<T>) {
    return detail_desc::int_desc<T>();
  } else if constexpr (std::is_class_v<T> || std::is_union_v<T> || std::is_enum_v<T>) {
    TypeDesc d;
    d.kind = TypeDesc::Kind::Record;
    d.record = typeid(T).name();
    return d;
  } else {
    static_assert(sizeof(T) == 0, "no BTF description for this C++ type");
  }
}

/// One member of a struct being defined: its name, type and byte offset.
struct FieldDesc {
  std::string name;
  TypeDesc type;
  uint32_t offset;  // bytes from the start of the struct

  /// From a pointer to member: {"bytes", &Session::bytes}.
  template <class C, class M>
  FieldDesc(std::string n, M C::*member) : name(std::move(n)), type(type_desc<M>()), offset(offset_of(member)) {}
  FieldDesc(std::string n, TypeDesc t, uint32_t off) : name(std::move(n)), type(t), offset(off) {}

 private:
  // offsetof for a pointer to member, computed on storage that is never read.
  template <class C, class M>
  static uint32_t offset_of(M C::*member) {
    alignas(C) static unsigned char storage[sizeof(C)];
    const C* obj = reinterpret_cast<const C*>(storage);
    return static_cast<uint32_t>(reinterpret_cast<const unsigned char*>(&(obj->*member)) - storage);
  }
};

}  // namespace hostbpf
