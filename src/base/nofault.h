// Reading memory that may not be mapped, without faulting: bpf_probe_read_kernel,
// the printk family's %s and %pI4 arguments and the interpreter's probe loads
// (BPF_PROBE_MEM) read addresses a program computed, which may point anywhere.
#pragma once

#include <cstddef>

namespace hostbpf::base {

/// Copies n bytes from an arbitrary address without faulting: false (and dst
/// unspecified) when any byte is unreadable.
bool read_nofault(void* dst, const void* src, size_t n);

}  // namespace hostbpf::base
