// hostbpf — program types.
#pragma once

#include <cstdint>

namespace hostbpf {

/// A program's type: what its context is, which helpers and kfuncs it may
/// call and how it runs. The values are the kernel's enum bpf_prog_type, so a
/// type read from an ELF section or another tool means the same here. Every
/// kernel type loads and verifies; Program::run and Program::test_run say
/// which ones run.
enum class ProgType : uint32_t {
  /// Registration only: the kfunc is callable from every program type (the
  /// kernel's BPF_PROG_TYPE_UNSPEC, hook COMMON).
  Unspec = 0,
  SocketFilter = 1,
  Kprobe = 2,
  SchedCls = 3,
  SchedAct = 4,
  Tracepoint = 5,
  Xdp = 6,
  PerfEvent = 7,
  CgroupSkb = 8,
  CgroupSock = 9,
  LwtIn = 10,
  LwtOut = 11,
  LwtXmit = 12,
  SockOps = 13,
  SkSkb = 14,
  CgroupDevice = 15,
  SkMsg = 16,
  RawTracepoint = 17,
  CgroupSockAddr = 18,
  LwtSeg6local = 19,
  LircMode2 = 20,
  SkReuseport = 21,
  FlowDissector = 22,
  CgroupSysctl = 23,
  RawTracepointWritable = 24,
  CgroupSockopt = 25,
  Tracing = 26,
  StructOps = 27,
  Ext = 28,
  Lsm = 29,
  SkLookup = 30,
  Syscall = 31,
  Netfilter = 32,
};

/// The number of program types (one past the last value).
inline constexpr uint32_t kNumProgTypes = 33;

/// The type's name as libbpf and bpftool print it ("xdp", "sched_cls"), or
/// nullptr for a value that is not a program type.
const char* prog_type_name(ProgType type);

}  // namespace hostbpf
