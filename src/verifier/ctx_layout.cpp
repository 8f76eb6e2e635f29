// The ctx layout per program type: which loads and stores of the context
// are valid and what they produce (the kernel's *_is_valid_access callbacks
// of struct bpf_verifier_ops).
#include <linux/bpf.h>

#include <cstddef>

#include "verifier/env.h"

namespace hostbpf::verifier {

namespace {

// xdp_is_valid_access / __is_valid_xdp_access: u32 fields of struct xdp_md,
// read-only; data, data_meta and data_end become packet pointers.
CtxAccess xdp_access(int32_t off, int32_t size, bool write) {
  if (write) return {};
  if (off < 0 || off >= static_cast<int32_t>(sizeof(struct xdp_md)) || off % size != 0 || size != 4) return {};
  switch (off) {
    case offsetof(struct xdp_md, data): return {true, RegType::Packet};
    case offsetof(struct xdp_md, data_meta): return {true, RegType::PacketMeta};
    case offsetof(struct xdp_md, data_end): return {true, RegType::PacketEnd};
    default: return {true, RegType::Scalar};
  }
}

// tc_cls_act_is_valid_access / bpf_skb_is_valid_access, for the u32 fields
// of struct __sk_buff: reads anywhere aligned, writes to the fields tc may
// change; data, data_meta and data_end become packet pointers. The pointer
// fields (flow_keys, sk) and the 64-bit tstamp/hwtstamp are not modelled yet.
CtxAccess skb_access(int32_t off, int32_t size, bool write) {
  if (off < 0 || off >= static_cast<int32_t>(offsetof(struct __sk_buff, flow_keys)) || off % size != 0 || size != 4)
    return {};
  if (write) {
    const bool cb = off >= static_cast<int32_t>(offsetof(struct __sk_buff, cb)) &&
                    off < static_cast<int32_t>(offsetof(struct __sk_buff, cb) + sizeof(__u32) * 5);
    const bool ok = cb || off == offsetof(struct __sk_buff, mark) || off == offsetof(struct __sk_buff, priority) ||
                    off == offsetof(struct __sk_buff, tc_index) || off == offsetof(struct __sk_buff, tc_classid) ||
                    off == offsetof(struct __sk_buff, queue_mapping);
    return ok ? CtxAccess{true, RegType::Scalar} : CtxAccess{};
  }
  switch (off) {
    case offsetof(struct __sk_buff, data): return {true, RegType::Packet};
    case offsetof(struct __sk_buff, data_meta): return {true, RegType::PacketMeta};
    case offsetof(struct __sk_buff, data_end): return {true, RegType::PacketEnd};
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

// perf_event / kprobe / tracepoint: read-only aligned loads of a
// fixed-size record (bpf_perf_event_data, pt_regs, tracepoint fields).
CtxAccess readonly_record_access(int32_t off, int32_t size, bool write, int32_t record_size) {
  if (write || off < 0 || off + size > record_size || off % size != 0) return {};
  return {true, RegType::Scalar};
}

}  // namespace

CtxAccess ctx_access(uint32_t prog_type, int32_t off, int32_t size, bool write) {
  if (size <= 0) return {};
  switch (prog_type) {
    case BPF_PROG_TYPE_XDP:
      return xdp_access(off, size, write);
    case BPF_PROG_TYPE_SYSCALL:
      return syscall_access(off, size);
    case BPF_PROG_TYPE_SCHED_CLS:
    case BPF_PROG_TYPE_SCHED_ACT:
      return skb_access(off, size, write);
    case BPF_PROG_TYPE_TRACING:
    case BPF_PROG_TYPE_STRUCT_OPS:
    case BPF_PROG_TYPE_RAW_TRACEPOINT:
    case BPF_PROG_TYPE_LSM:
      return btf_args_access(off, size, write);
    case BPF_PROG_TYPE_PERF_EVENT:
      return readonly_record_access(off, size, write, 168 + 16);  // pt_regs, sample_period, addr
    case BPF_PROG_TYPE_KPROBE:
      return readonly_record_access(off, size, write, 168);  // struct pt_regs (x86-64)
    case BPF_PROG_TYPE_TRACEPOINT:
      return readonly_record_access(off, size, write, 0xffff);
    default:
      // Program types without a layout here yet: aligned u32 reads of a
      // small record, no writes (hostbpf runs none of them so far).
      return readonly_record_access(off, size, write || size != 4, 256);
  }
}

}  // namespace hostbpf::verifier
