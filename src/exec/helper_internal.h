// Helper functions shared between helper source files (not part of the
// helper table's interface).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hostbpf::exec {

/// Copies n bytes from an arbitrary address without faulting: false (and dst
/// unspecified) when any byte is unreadable. Used by bpf_probe_read_kernel and
/// by the printk family for %s / %pI4 arguments.
bool read_nofault(void* dst, const void* src, size_t n);

uint64_t trace_printk(uint64_t fmt, uint64_t fmt_size, uint64_t a1, uint64_t a2, uint64_t a3);
uint64_t trace_vprintk(uint64_t fmt, uint64_t fmt_size, uint64_t data, uint64_t data_len, uint64_t);

}  // namespace hostbpf::exec
