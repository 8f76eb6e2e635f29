#include "object/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "base/strprintf.h"

namespace hostbpf::object {

namespace {
thread_local LibbpfCapture* tls_capture = nullptr;
libbpf_print_fn_t previous_print = nullptr;
std::once_flag installed;
}  // namespace

struct LibbpfSink {
  static int print(enum libbpf_print_level level, const char* fmt, va_list args) {
    LibbpfCapture* cap = tls_capture;
    if (!cap) return previous_print ? previous_print(level, fmt, args) : 0;
    if (level == LIBBPF_DEBUG) return 0;
    std::string msg = base::vstrprintf(fmt, args);
    const int n = static_cast<int>(msg.size());
    if (msg.starts_with("libbpf: ")) msg.erase(0, 8);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (!msg.empty()) cap->last_ = std::move(msg);
    return n;
  }
};

LibbpfCapture::LibbpfCapture() : outer_(tls_capture) {
  std::call_once(installed, [] { previous_print = libbpf_set_print(&LibbpfSink::print); });
  tls_capture = this;
}

LibbpfCapture::~LibbpfCapture() { tls_capture = outer_; }

}  // namespace hostbpf::object
