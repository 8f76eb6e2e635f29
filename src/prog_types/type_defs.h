// The pieces of the ProgTypeOps records that more than one type's file uses:
// the kernel's shared get_func_proto tables, the shared test-run loop and
// each type file's record, which registry.cpp lists.
#pragma once

#include <chrono>
#include <cstdint>

#include "prog_types/prog_type_ops.h"

namespace hostbpf::prog_types {

/// bpf_base_func_proto for a privileged loader (CAP_BPF and CAP_PERFMON, as
/// hostbpf's programs are loaded by the host itself): what every program type
/// may call.
bool base_func_proto(int32_t func_id);
/// bpf_tracing_func_proto: the base helpers and the tracing-only ones.
bool tracing_func_proto(int32_t func_id);

/// The ctx access of program types without a layout here: aligned u32 reads
/// of a small record, no writes.
CtxAccess unknown_type_access(const CtxQuery& q);

/// Runs `run` opts.repeat times (at least once) and reports the mean duration
/// per run, as bpf_test_run does; returns the last run's R0.
template <class Fn>
uint64_t timed_repeat(uint32_t repeat, uint64_t* duration_ns, Fn&& run) {
  if (repeat == 0) repeat = 1;
  uint64_t ret = 0;
  const auto start = std::chrono::steady_clock::now();
  for (uint32_t i = 0; i < repeat; i++) ret = run();
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
  *duration_ns = static_cast<uint64_t>(ns) / repeat;
  return ret;
}

// One record per type file (xdp.cpp, skb.cpp, syscall.cpp, tracing.cpp,
// others.cpp); registry.cpp indexes them by type.
extern const ProgTypeOps kXdpOps;
extern const ProgTypeOps kSchedClsOps, kSchedActOps, kSocketFilterOps;
extern const ProgTypeOps kSyscallOps;
extern const ProgTypeOps kKprobeOps, kTracepointOps, kPerfEventOps, kRawTracepointOps, kRawTracepointWritableOps,
    kTracingOps, kLsmOps, kStructOpsOps, kExtOps;
extern const ProgTypeOps kUnspecOps, kCgroupSkbOps, kCgroupSockOps, kLwtInOps, kLwtOutOps, kLwtXmitOps, kSockOpsOps,
    kSkSkbOps, kCgroupDeviceOps, kSkMsgOps, kCgroupSockAddrOps, kLwtSeg6localOps, kLircMode2Ops, kSkReuseportOps,
    kFlowDissectorOps, kCgroupSysctlOps, kCgroupSockoptOps, kSkLookupOps, kNetfilterOps;

}  // namespace hostbpf::prog_types
