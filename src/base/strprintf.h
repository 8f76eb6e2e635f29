// printf into a std::string, for messages whose text is the kernel's own
// printf format (verifier and validator errors, the disassembler's kernel
// syntax): keeping those strings verbatim keeps them comparable with the
// kernel's, and the format attribute lets the compiler check every call's
// arguments, where fmt::sprintf would only throw at run time.
#pragma once

#include <cstdarg>
#include <string>

namespace hostbpf::base {

/// The whole formatted text, however long.
[[gnu::format(printf, 1, 2)]] std::string strprintf(const char* fmt, ...);

/// The same with a va_list (for printf-style functions of other layers).
std::string vstrprintf(const char* fmt, va_list ap);

}  // namespace hostbpf::base
