#include "base/strprintf.h"

#include <cstdio>

namespace hostbpf::base {

std::string vstrprintf(const char* fmt, va_list ap) {
  char small[256];
  va_list again;
  va_copy(again, ap);
  const int n = std::vsnprintf(small, sizeof small, fmt, ap);
  if (n < 0) {
    va_end(again);
    return {};
  }
  if (static_cast<size_t>(n) < sizeof small) {
    va_end(again);
    return std::string(small, static_cast<size_t>(n));
  }
  std::string out(static_cast<size_t>(n), '\0');
  std::vsnprintf(out.data(), out.size() + 1, fmt, again);
  va_end(again);
  return out;
}

std::string strprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::string out = vstrprintf(fmt, ap);
  va_end(ap);
  return out;
}

}  // namespace hostbpf::base
