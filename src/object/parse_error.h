// Error helpers shared by the object parser. Codes follow libbpf's meaning:
//   -ENOEXEC    not a BPF ELF object at all (magic, class, byte order, machine)
//   -EINVAL     a corrupted or inconsistent object
//   -EOPNOTSUPP a valid object using something hostbpf does not support (yet)
//   -E2BIG      sizes beyond what a map or program may have
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <utility>

#include "hostbpf/error.h"

namespace hostbpf::object {

template <class... A>
Error fail(int code, fmt::format_string<A...> f, A&&... args) {
  return Error(code, fmt::format(f, std::forward<A>(args)...));
}

template <class... A>
Error malformed(fmt::format_string<A...> f, A&&... args) {
  return Error(-EINVAL, fmt::format(f, std::forward<A>(args)...));
}

template <class... A>
Error unsupported(fmt::format_string<A...> f, A&&... args) {
  return Error(-EOPNOTSUPP, fmt::format(f, std::forward<A>(args)...));
}

/// True when [off, off + len) lies inside [0, size), without overflow.
inline bool in_bounds(uint64_t off, uint64_t len, uint64_t size) {
  return off <= size && len <= size - off;
}

}  // namespace hostbpf::object
