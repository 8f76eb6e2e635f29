// Where a runtime's bpf_trace_printk / bpf_printk lines go: the host's
// callback (RuntimeOptions::trace), or stderr, one line per write, serialized
// so that lines from concurrent programs do not interleave mid-line.
#pragma once

#include <functional>
#include <mutex>
#include <string_view>

#include "helpers/run_env.h"

namespace hostbpf::detail {

class TraceOutput final : public helpers::TraceSink {
 public:
  explicit TraceOutput(std::function<void(std::string_view)> fn) : fn_(std::move(fn)) {}
  void write(std::string_view line) override;

 private:
  std::function<void(std::string_view)> fn_;
  std::mutex stderr_mu_;
};

}  // namespace hostbpf::detail
