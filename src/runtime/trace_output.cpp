#include "runtime/trace_output.h"

#include <cstdio>

namespace hostbpf::detail {

void TraceOutput::write(std::string_view line) {
  if (fn_) {
    fn_(line);  // the host's callback is documented as called from the running thread
    return;
  }
  std::lock_guard<std::mutex> lock(stderr_mu_);
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

}  // namespace hostbpf::detail
