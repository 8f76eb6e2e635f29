// C++ types to BTF: the FUNC_PROTO of a host function derived from its C++
// signature, so registering a kfunc cannot disagree with the function called.
//
// Integers map to the C names compilers emit in DWARF (and pahole writes to
// BTF): "int", "long unsigned int", ... so that host BTF built from C++ and
// host BTF from pahole dedup to the same types. A pointer to a class or enum
// needs that type bound to its BTF id first (BtfBuilder::bind<T>(id)).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include "btf/builder.h"

namespace hostbpf::btf {

namespace detail {

template <class T>
uint32_t integer_type(BtfBuilder& b) {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>) return b.int_type("_Bool", 1, false, false, true);
  else if constexpr (std::is_same_v<U, char>) return b.int_type("char", 1, std::is_signed_v<char>, true);
  else if constexpr (std::is_same_v<U, signed char>) return b.int_type("signed char", 1, true, true);
  else if constexpr (std::is_same_v<U, unsigned char>) return b.int_type("unsigned char", 1, false, true);
  else if constexpr (std::is_same_v<U, short>) return b.int_type("short int", 2, true);
  else if constexpr (std::is_same_v<U, unsigned short>) return b.int_type("short unsigned int", 2, false);
  else if constexpr (std::is_same_v<U, int>) return b.int_type("int", 4, true);
  else if constexpr (std::is_same_v<U, unsigned>) return b.int_type("unsigned int", 4, false);
  else if constexpr (std::is_same_v<U, long>) return b.int_type("long int", sizeof(long), true);
  else if constexpr (std::is_same_v<U, unsigned long>) return b.int_type("long unsigned int", sizeof(long), false);
  else if constexpr (std::is_same_v<U, long long>) return b.int_type("long long int", 8, true);
  else if constexpr (std::is_same_v<U, unsigned long long>) return b.int_type("long long unsigned int", 8, false);
  else static_assert(sizeof(T) == 0, "unsupported integer type");
}

}  // namespace detail

/// The BTF id describing C++ type T (0 is void). Unbound classes and enums
/// record an error in the builder (reported by finish()) and give 0.
template <class T>
uint32_t cxx_type(BtfBuilder& b) {
  if constexpr (std::is_void_v<T>) {
    return 0;
  } else if constexpr (std::is_const_v<T>) {
    return b.const_of(cxx_type<std::remove_const_t<T>>(b));
  } else if constexpr (std::is_volatile_v<T>) {
    return b.volatile_of(cxx_type<std::remove_volatile_t<T>>(b));
  } else if constexpr (std::is_pointer_v<T>) {
    return b.pointer(cxx_type<std::remove_pointer_t<T>>(b));
  } else if constexpr (std::is_integral_v<T>) {
    return detail::integer_type<T>(b);
  } else if constexpr (std::is_class_v<T> || std::is_union_v<T> || std::is_enum_v<T>) {
    if (uint32_t id = b.template bound<T>()) return id;
    b.fail(-EINVAL, std::string("C++ type '") + typeid(T).name() + "' has no BTF type: bind it first");
    return 0;
  } else {
    static_assert(sizeof(T) == 0, "no BTF mapping for this C++ type");
  }
}

/// The FUNC_PROTO of `fn`, with parameter names (as many as parameters, or
/// none). At most 5 parameters, each an integer or a pointer: the BPF calling
/// convention passes R1..R5 as 64-bit registers.
template <class R, class... A>
uint32_t cxx_func_proto(BtfBuilder& b, R (*)(A...), const std::vector<std::string>& names = {}) {
  static_assert(sizeof...(A) <= 5, "BPF calls pass at most 5 arguments");
  static_assert(((std::is_integral_v<A> || std::is_pointer_v<A>) && ...),
                "kfunc arguments must be integers or pointers");
  static_assert(std::is_void_v<R> || std::is_integral_v<R> || std::is_pointer_v<R>,
                "kfuncs return void, an integer or a pointer");
  if (!names.empty() && names.size() != sizeof...(A)) {
    b.fail(-EINVAL, "function prototype: " + std::to_string(names.size()) + " parameter names for " +
                        std::to_string(sizeof...(A)) + " parameters");
    return 0;
  }
  std::vector<Param> params;
  size_t i = 0;
  ((params.push_back({names.empty() ? std::string() : names[i], cxx_type<A>(b)}), i++), ...);
  return b.func_proto(cxx_type<R>(b), params);
}

}  // namespace hostbpf::btf
