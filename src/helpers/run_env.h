// What a running program can reach besides its registers: the environment of
// the runtime that runs it (trace output, ...). Helpers are plain C functions
// with five arguments, so the environment travels in a thread-local set by
// whoever starts a run, and restored after (runs nest when a host callback
// runs another program).
#pragma once

#include <string_view>

namespace hostbpf::helpers {

/// Where bpf_trace_printk / bpf_printk lines go. write() must be thread-safe.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  /// One formatted line, without the trailing newline.
  virtual void write(std::string_view line) = 0;
};

struct RunEnv {
  TraceSink* trace = nullptr;  // nullptr: lines go to stderr
};

namespace detail {
extern constinit thread_local const RunEnv* tls_env;  // constinit: see base/cpu.h
}

inline const RunEnv* current_env() { return detail::tls_env; }

/// Installs `env` for the current thread for the scope's lifetime; nullptr
/// keeps the one installed (a program prepared without an environment runs
/// with its caller's).
class EnvScope {
 public:
  explicit EnvScope(const RunEnv* env) : prev_(detail::tls_env) {
    if (env) detail::tls_env = env;
  }
  ~EnvScope() { detail::tls_env = prev_; }
  EnvScope(const EnvScope&) = delete;
  EnvScope& operator=(const EnvScope&) = delete;

 private:
  const RunEnv* prev_;
};

}  // namespace hostbpf::helpers
