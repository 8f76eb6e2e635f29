// bpf_trace_printk (id 6) and bpf_trace_vprintk (id 177).
//
// The format language is the kernel's (bpf_bprintf_prepare in kernel/bpf/helpers.c
// decides what is accepted; lib/vsprintf.c how it prints):
//   %% %d %i %u %x %X with l/ll, %c, %s, %p %pK %px, %ps %pS %pB, %pks %pus,
//   %pI4 %pi4 %pI6 %pi6; flags '0' '+' '-' ' ' and a width; no precision.
// Anything else, a format without NUL within fmt_size, a non-ASCII or
// non-printable character, or more conversions than arguments is -EINVAL.
// Strings and IP addresses are read without faulting (a bad pointer prints as
// an empty string / zeros, as in the kernel).
//
// Differences, on purpose: %p and %pK print the raw address (the kernel hashes
// it to hide kernel addresses; there is nothing to hide from our own process);
// %ps/%pS/%pB print the symbol from dladdr() or the address in hex.
//
// The line goes to current_env()->trace without its trailing newline, or to
// stderr. The return value is the formatted length (what bstr_printf returns),
// including a trailing newline if the format has one. No allocation happens here.
#include <dlfcn.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "base/nofault.h"
#include "helpers/impls.h"
#include "helpers/run_env.h"

namespace hostbpf::helpers::impl {

namespace {

constexpr size_t kMaxBuf = 1024;      // MAX_BPRINTF_BUF: one formatted line
constexpr size_t kMaxBinArgs = 512;   // MAX_BPRINTF_BIN_ARGS: room for copied arguments
constexpr uint32_t kMaxVarargs = 12;  // MAX_BPRINTF_VARARGS
constexpr uint32_t kPrintkArgs = 3;

/// The formatted line, truncated like the kernel's buffer, with the length the
/// whole line would have.
struct Line {
  char buf[kMaxBuf];
  size_t len = 0;  // may exceed the buffer

  void put(const char* s, size_t n) {
    if (len < kMaxBuf - 1) {
      const size_t room = kMaxBuf - 1 - len;
      std::memcpy(buf + len, s, n < room ? n : room);
    }
    len += n;
  }
  void putc(char c) { put(&c, 1); }
  template <class... T>
  void putf(const char* f, T... v) {
    char tmp[kMaxBuf];
    const int n = std::snprintf(tmp, sizeof(tmp), f, v...);
    if (n > 0) put(tmp, static_cast<size_t>(n) < sizeof(tmp) ? static_cast<size_t>(n) : sizeof(tmp) - 1);
  }
  std::string_view view() const { return {buf, len < kMaxBuf - 1 ? len : kMaxBuf - 1}; }
};

struct Spec {
  bool left = false, plus = false, space = false, zero = false;
  int width = -1;

  /// "%<flags><width>" + conv, for snprintf; `numeric` keeps '+', ' ' and '0'.
  void build(char* out, size_t size, const char* conv, bool numeric) const {
    char w[16] = "";
    if (width >= 0) std::snprintf(w, sizeof(w), "%d", width);
    std::snprintf(out, size, "%%%s%s%s%s%s%s", left ? "-" : "", numeric && plus ? "+" : "",
                  numeric && space ? " " : "", numeric && zero && !left ? "0" : "", w, conv);
  }
};

bool is_punct_or_end(char c) { return c == 0 || std::isspace(static_cast<unsigned char>(c)) || std::ispunct(static_cast<unsigned char>(c)); }

/// Copies a NUL-terminated string of at most `size - 1` characters without
/// faulting; returns the bytes used including the NUL, or -EFAULT.
long copy_string_nofault(char* dst, const char* src, size_t size) {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t done = 0;
  while (done + 1 < size) {
    // Never read across a page the string might not reach.
    const uintptr_t addr = reinterpret_cast<uintptr_t>(src) + done;
    size_t chunk = page - (addr & (page - 1));
    if (chunk > size - 1 - done) chunk = size - 1 - done;
    if (!base::read_nofault(dst + done, src + done, chunk)) return -EFAULT;
    if (const void* nul = std::memchr(dst + done, 0, chunk)) return static_cast<const char*>(nul) - dst + 1;
    done += chunk;
  }
  dst[done] = 0;
  return static_cast<long>(done + 1);
}

void put_symbol(Line& out, uint64_t addr, bool with_offset) {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(addr), &info) && info.dli_sname && info.dli_saddr) {
    const uint64_t off = addr - reinterpret_cast<uint64_t>(info.dli_saddr);
    if (with_offset) {
      out.putf("%s+0x%llx", info.dli_sname, static_cast<unsigned long long>(off));
    } else {
      out.put(info.dli_sname, std::strlen(info.dli_sname));
    }
    return;
  }
  out.putf("0x%llx", static_cast<unsigned long long>(addr));
}

void put_ip(Line& out, uint64_t ptr, char style, char version) {
  unsigned char ip[16] = {};
  const size_t n = version == '4' ? 4 : 16;
  if (!base::read_nofault(ip, reinterpret_cast<const void*>(ptr), n)) std::memset(ip, 0, n);
  if (version == '4') {
    out.putf(style == 'I' ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u", ip[0], ip[1], ip[2], ip[3]);
    return;
  }
  for (int i = 0; i < 16; i += 2) {
    if (style == 'I' && i > 0) out.putc(':');
    out.putf("%02x%02x", ip[i], ip[i + 1]);
  }
}

/// Formats `fmt` with `args` into `out`: 0 or -EINVAL / -ENOSPC.
long format(const char* fmt, uint32_t fmt_size, const uint64_t* args, uint32_t num_args, Line& out) {
  if (!fmt || !std::memchr(fmt, 0, fmt_size)) return -EINVAL;
  size_t bin_used = 0;  // the kernel's bin_args budget for copied arguments
  uint32_t num_spec = 0;
  char conv[64];
  for (const char* p = fmt; *p; p++) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if ((!std::isprint(c) && !std::isspace(c)) || !isascii(c)) return -EINVAL;
    if (c != '%') {
      out.putc(static_cast<char>(c));
      continue;
    }
    if (p[1] == '%') {
      out.putc('%');
      p++;
      continue;
    }
    if (num_spec >= num_args) return -EINVAL;
    const uint64_t arg = args[num_spec++];
    p++;
    Spec spec;
    for (;; p++) {
      if (*p == '0') spec.zero = true;
      else if (*p == '+') spec.plus = true;
      else if (*p == '-') spec.left = true;
      else if (*p == ' ') spec.space = true;
      else break;
    }
    if (*p >= '1' && *p <= '9') {
      spec.width = 0;
      for (; *p >= '0' && *p <= '9'; p++)
        if (spec.width < static_cast<int>(kMaxBuf)) spec.width = spec.width * 10 + (*p - '0');
    }

    bool is_string = *p == 's';
    if (*p == 'p') {
      const char ext = p[1];
      if ((ext == 'k' || ext == 'u') && p[2] == 's') {
        p += 2;
        is_string = true;
      } else if (ext == 's' || ext == 'S') {
        put_symbol(out, arg, ext == 'S');
        p++;
      } else if (ext == 'B') {
        put_symbol(out, arg, true);
        p++;
      } else if (ext == 'K' || ext == 'x' || is_punct_or_end(ext)) {
        if (ext == 'K' || ext == 'x') p++;
        if (spec.width < 0) {
          out.putf("%016llx", static_cast<unsigned long long>(arg));
        } else {
          spec.build(conv, sizeof(conv), "llx", true);
          out.putf(conv, static_cast<unsigned long long>(arg));
        }
        bin_used = ((bin_used + 3) & ~size_t{3}) + 8;
      } else if ((ext == 'i' || ext == 'I') && (p[2] == '4' || p[2] == '6')) {
        put_ip(out, arg, ext, p[2]);
        bin_used += p[2] == '4' ? 16 : 40;
        p += 2;
      } else {
        return -EINVAL;
      }
      if (bin_used > kMaxBinArgs) return -ENOSPC;
      if (!is_string) continue;
    }
    if (is_string) {
      if (!is_punct_or_end(p[1])) return -EINVAL;
      if (bin_used >= kMaxBinArgs) return -ENOSPC;
      char str[kMaxBinArgs];
      long used = copy_string_nofault(str, reinterpret_cast<const char*>(arg), kMaxBinArgs - bin_used);
      if (used < 0) {
        str[0] = 0;
        used = 1;
      }
      bin_used += static_cast<size_t>(used);
      spec.build(conv, sizeof(conv), "s", false);
      out.putf(conv, str);
      continue;
    }
    if (*p == 'c') {
      if (bin_used >= kMaxBinArgs) return -ENOSPC;
      bin_used += 1;
      spec.build(conv, sizeof(conv), "c", false);
      out.putf(conv, static_cast<int>(static_cast<unsigned char>(arg)));
      continue;
    }
    int size = 4;
    if (*p == 'l') {
      size = 8;
      p++;
      if (*p == 'l') p++;
    }
    if (*p != 'i' && *p != 'd' && *p != 'u' && *p != 'x' && *p != 'X') return -EINVAL;
    bin_used = ((bin_used + 3) & ~size_t{3}) + static_cast<size_t>(size);
    if (bin_used > kMaxBinArgs) return -ENOSPC;
    const bool is_signed = *p == 'd' || *p == 'i';
    const char cv[4] = {'l', 'l', *p, 0};
    spec.build(conv, sizeof(conv), cv, true);
    if (size == 4) {
      // The kernel keeps the low 32 bits of a 4-byte argument.
      const uint32_t v = static_cast<uint32_t>(arg);
      if (is_signed) {
        out.putf(conv, static_cast<long long>(static_cast<int32_t>(v)));
      } else {
        out.putf(conv, static_cast<unsigned long long>(v));
      }
    } else if (is_signed) {
      out.putf(conv, static_cast<long long>(arg));
    } else {
      out.putf(conv, static_cast<unsigned long long>(arg));
    }
  }
  return 0;
}

void emit(const Line& line) {
  std::string_view text = line.view();
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  const RunEnv* env = current_env();
  if (env && env->trace) {
    env->trace->write(text);
    return;
  }
  char buf[kMaxBuf + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\n';
  ssize_t r = ::write(STDERR_FILENO, buf, text.size() + 1);
  (void)r;
}

uint64_t print(const char* fmt, uint32_t fmt_size, const uint64_t* args, uint32_t num_args) {
  Line line;
  if (long err = format(fmt, fmt_size, args, num_args, line)) return static_cast<uint64_t>(err);
  emit(line);
  return line.len;
}

}  // namespace

uint64_t trace_printk(uint64_t fmt, uint64_t fmt_size, uint64_t a1, uint64_t a2, uint64_t a3) {
  const uint64_t args[kPrintkArgs] = {a1, a2, a3};
  return print(reinterpret_cast<const char*>(fmt), static_cast<uint32_t>(fmt_size), args, kPrintkArgs);
}

uint64_t trace_vprintk(uint64_t fmt, uint64_t fmt_size, uint64_t data, uint64_t data_len, uint64_t) {
  const uint32_t len = static_cast<uint32_t>(data_len);
  if (len % 8 || len > kMaxVarargs * 8 || (len && !data)) return static_cast<uint64_t>(-int64_t{EINVAL});
  uint64_t args[kMaxVarargs] = {};
  if (len) std::memcpy(args, reinterpret_cast<const void*>(data), len);
  return print(reinterpret_cast<const char*>(fmt), static_cast<uint32_t>(fmt_size), args, len / 8);
}

}  // namespace hostbpf::helpers::impl
