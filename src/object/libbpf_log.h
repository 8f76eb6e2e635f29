// Routes libbpf's diagnostics into hostbpf's errors.
//
// libbpf reports why it refused a BTF blob through a process-wide print
// callback (stderr by default). A library must not scribble on its host's
// stderr, and the reason belongs in the Error the caller gets. While a
// LibbpfCapture is alive on a thread, libbpf's warnings on that thread are
// collected; elsewhere they go to whatever callback was installed before ours,
// so a host that set its own keeps seeing its own messages.
#pragma once

#include <string>

namespace hostbpf::object {

class LibbpfCapture {
 public:
  LibbpfCapture();
  ~LibbpfCapture();
  LibbpfCapture(const LibbpfCapture&) = delete;
  LibbpfCapture& operator=(const LibbpfCapture&) = delete;

  /// The last warning libbpf printed on this thread since construction, without
  /// the "libbpf: " prefix and trailing newline; empty when there was none.
  const std::string& last() const { return last_; }

 private:
  friend struct LibbpfSink;
  LibbpfCapture* outer_;
  std::string last_;
};

}  // namespace hostbpf::object
