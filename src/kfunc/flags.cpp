#include "kfunc/flags.h"

#include <linux/bpf.h>

namespace hostbpf::kfunc {

Hook hook_for_prog_type(uint32_t prog_type) {
  switch (prog_type) {
    case BPF_PROG_TYPE_UNSPEC:
      return Hook::Common;
    case BPF_PROG_TYPE_XDP:
      return Hook::Xdp;
    case BPF_PROG_TYPE_SCHED_CLS:
      return Hook::Tc;
    case BPF_PROG_TYPE_STRUCT_OPS:
      return Hook::StructOps;
    case BPF_PROG_TYPE_TRACING:
    case BPF_PROG_TYPE_TRACEPOINT:
    case BPF_PROG_TYPE_RAW_TRACEPOINT:
    case BPF_PROG_TYPE_PERF_EVENT:
    case BPF_PROG_TYPE_LSM:
      return Hook::Tracing;
    case BPF_PROG_TYPE_SYSCALL:
      return Hook::Syscall;
    case BPF_PROG_TYPE_CGROUP_SKB:
    case BPF_PROG_TYPE_CGROUP_SOCK:
    case BPF_PROG_TYPE_CGROUP_DEVICE:
    case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
    case BPF_PROG_TYPE_CGROUP_SOCKOPT:
    case BPF_PROG_TYPE_CGROUP_SYSCTL:
    case BPF_PROG_TYPE_SOCK_OPS:
      return Hook::Cgroup;
    case BPF_PROG_TYPE_SCHED_ACT:
      return Hook::SchedAct;
    case BPF_PROG_TYPE_SK_SKB:
      return Hook::SkSkb;
    case BPF_PROG_TYPE_SOCKET_FILTER:
      return Hook::SocketFilter;
    case BPF_PROG_TYPE_LWT_IN:
    case BPF_PROG_TYPE_LWT_OUT:
    case BPF_PROG_TYPE_LWT_XMIT:
    case BPF_PROG_TYPE_LWT_SEG6LOCAL:
      return Hook::Lwt;
    case 32:  // BPF_PROG_TYPE_NETFILTER (newer than Debian 12's UAPI header)
      return Hook::Netfilter;
    case BPF_PROG_TYPE_KPROBE:
      return Hook::Kprobe;
    default:
      return Hook::Max;
  }
}

const char* hook_name(Hook h) {
  static const char* const names[] = {"COMMON",  "XDP",       "TC",     "STRUCT_OPS",    "TRACING",
                                      "SYSCALL", "FMODRET",   "CGROUP", "SCHED_ACT",     "SK_SKB",
                                      "SOCKET_FILTER", "LWT", "NETFILTER", "KPROBE", "MAX"};
  return names[static_cast<int>(h)];
}

}  // namespace hostbpf::kfunc
