// The ctx layout per program type (see ctx_layout.h); struct __sk_buff has
// its own file, ctx_layout_skb.cpp.
#include "verifier/ctx_layout.h"

#include <linux/bpf.h>

#include <cstddef>

namespace hostbpf::verifier {

namespace {

// xdp_is_valid_access / __is_valid_xdp_access: u32 fields of struct xdp_md,
// read-only; data, data_meta and data_end become packet pointers.
// egress_ifindex only means something when a devmap runs the program.
CtxAccess xdp_access(uint32_t attach_type, int32_t off, int32_t size, bool write) {
  if (attach_type != BPF_XDP_DEVMAP && off == offsetof(struct xdp_md, egress_ifindex)) return {};
  if (write) return {};
  if (off < 0 || off >= static_cast<int32_t>(sizeof(struct xdp_md)) || off % size != 0 || size != 4) return {};
  switch (off) {
    case offsetof(struct xdp_md, data): return {true, RegType::Packet};
    case offsetof(struct xdp_md, data_meta): return {true, RegType::PacketMeta};
    case offsetof(struct xdp_md, data_end): return {true, RegType::PacketEnd};
    default: return {true, RegType::Scalar};
  }
}

// syscall_prog_is_valid_access: any aligned access below U16_MAX, both ways
// (the ctx is the caller's buffer, checked against ctx_size when run).
CtxAccess syscall_access(int32_t off, int32_t size) {
  if (off < 0 || off >= 0xffff || off % size != 0) return {};
  return {true, RegType::Scalar};
}

// tracing_prog_is_valid_access and friends (fentry, struct_ops, raw_tp):
// the ctx is an array of u64 arguments, read-only. Without BTF the argument
// types are unknown, so every argument reads as a scalar (the BTF-typed
// pointers come with the kfunc/struct_ops issues).
CtxAccess btf_args_access(int32_t off, int32_t size, bool write) {
  constexpr int32_t kMaxArgs = 12;  // MAX_BPF_FUNC_ARGS
  if (write || off < 0 || off >= kMaxArgs * 8 || off % size != 0) return {};
  return {true, RegType::Scalar};
}

// kprobe_prog_is_valid_access: read-only aligned loads inside struct pt_regs.
CtxAccess kprobe_access(int32_t off, int32_t size, bool write) {
  constexpr int32_t kPtRegs = 168;  // sizeof(struct pt_regs), x86-64
  if (write || off < 0 || off >= kPtRegs || off % size != 0 || off + size > kPtRegs) return {};
  return {true, RegType::Scalar};
}

// tp_prog_is_valid_access: read-only aligned loads of the raw record, which
// starts anywhere below PERF_MAX_TRACE_SIZE.
CtxAccess tracepoint_access(int32_t off, int32_t size, bool write) {
  constexpr int32_t kMaxTraceSize = 8192;  // PERF_MAX_TRACE_SIZE
  if (write || off < 0 || off >= kMaxTraceSize || off % size != 0) return {};
  return {true, RegType::Scalar};
}

// pe_prog_is_valid_access: struct bpf_perf_event_data, read-only. The saved
// registers are read whole; sample_period and addr also in narrower pieces.
CtxAccess perf_event_access(int32_t off, int32_t size, bool write) {
  constexpr int32_t kRegs = 168, kSamplePeriod = 168, kAddr = 176, kSize = 184;
  if (write || off < 0 || off >= kSize || off % size != 0) return {};
  const bool u64_field = (off >= kSamplePeriod && off < kSamplePeriod + 8) || (off >= kAddr && off < kAddr + 8);
  if (u64_field) return (size & (size - 1)) == 0 ? CtxAccess{true, RegType::Scalar} : CtxAccess{};
  if (off < kRegs && size != 8) return {};
  return {true, RegType::Scalar};
}

// Program types without a layout here yet: aligned u32 reads of a small
// record, no writes (hostbpf runs none of them so far).
CtxAccess unknown_type_access(int32_t off, int32_t size, bool write) {
  if (write || size != 4 || off < 0 || off + size > 256 || off % size != 0) return {};
  return {true, RegType::Scalar};
}

}  // namespace

CtxAccess ctx_access(uint32_t prog_type, uint32_t expected_attach_type, int32_t off, int32_t size, bool write) {
  if (size <= 0) return {};
  switch (prog_type) {
    case BPF_PROG_TYPE_XDP:
      return xdp_access(expected_attach_type, off, size, write);
    case BPF_PROG_TYPE_SYSCALL:
      return syscall_access(off, size);
    case BPF_PROG_TYPE_SCHED_CLS:
    case BPF_PROG_TYPE_SCHED_ACT:
      return tc_skb_access(off, size, write);
    case BPF_PROG_TYPE_SOCKET_FILTER:
      return socket_filter_skb_access(off, size, write);
    case BPF_PROG_TYPE_TRACING:
    case BPF_PROG_TYPE_STRUCT_OPS:
    case BPF_PROG_TYPE_RAW_TRACEPOINT:
    case BPF_PROG_TYPE_LSM:
      return btf_args_access(off, size, write);
    case BPF_PROG_TYPE_PERF_EVENT:
      return perf_event_access(off, size, write);
    case BPF_PROG_TYPE_KPROBE:
      return kprobe_access(off, size, write);
    case BPF_PROG_TYPE_TRACEPOINT:
      return tracepoint_access(off, size, write);
    default:
      return unknown_type_access(off, size, write);
  }
}

}  // namespace hostbpf::verifier
