// Section name -> program type, as libbpf's section_defs table decides it, so
// that the SEC() names users already write mean the same thing here.
//
// An entry ending in '+' matches the bare name or the name followed by "/...",
// where the rest names the attach target ("fentry/do_work"); any other entry
// matches exactly. A leading '?' (libbpf: "do not load automatically") is
// accepted and ignored for matching.
#include <linux/bpf.h>

#include <string_view>

#include "object/object_spec.h"

namespace hostbpf::object {

namespace {

// Newer than the system's Linux 6.1 UAPI header; values from the kernel's enum.
constexpr uint32_t kProgTypeNetfilter = 32;   // BPF_PROG_TYPE_NETFILTER
constexpr uint32_t kAttachNetfilter = 45;     // BPF_NETFILTER
constexpr uint32_t kAttachTcxIngress = 46;    // BPF_TCX_INGRESS
constexpr uint32_t kAttachTcxEgress = 47;     // BPF_TCX_EGRESS

struct SecDef {
  std::string_view name;
  uint32_t prog_type;
  uint32_t attach_type;
  bool sleepable;
};

constexpr SecDef kSecDefs[] = {
    {"socket", BPF_PROG_TYPE_SOCKET_FILTER, 0, false},
    {"sk_reuseport/migrate", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, false},
    {"sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, false},
    {"kprobe+", BPF_PROG_TYPE_KPROBE, 0, false},
    {"uprobe+", BPF_PROG_TYPE_KPROBE, 0, false},
    {"uprobe.s+", BPF_PROG_TYPE_KPROBE, 0, true},
    {"kretprobe+", BPF_PROG_TYPE_KPROBE, 0, false},
    {"uretprobe+", BPF_PROG_TYPE_KPROBE, 0, false},
    {"uretprobe.s+", BPF_PROG_TYPE_KPROBE, 0, true},
    {"kprobe.multi+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, false},
    {"kretprobe.multi+", BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI, false},
    {"ksyscall+", BPF_PROG_TYPE_KPROBE, 0, false},
    {"kretsyscall+", BPF_PROG_TYPE_KPROBE, 0, false},
    {"usdt+", BPF_PROG_TYPE_KPROBE, 0, false},
    {"tc/ingress", BPF_PROG_TYPE_SCHED_CLS, kAttachTcxIngress, false},
    {"tc/egress", BPF_PROG_TYPE_SCHED_CLS, kAttachTcxEgress, false},
    {"tcx/ingress", BPF_PROG_TYPE_SCHED_CLS, kAttachTcxIngress, false},
    {"tcx/egress", BPF_PROG_TYPE_SCHED_CLS, kAttachTcxEgress, false},
    {"tc", BPF_PROG_TYPE_SCHED_CLS, 0, false},
    {"classifier", BPF_PROG_TYPE_SCHED_CLS, 0, false},
    {"action", BPF_PROG_TYPE_SCHED_ACT, 0, false},
    {"tracepoint+", BPF_PROG_TYPE_TRACEPOINT, 0, false},
    {"tp+", BPF_PROG_TYPE_TRACEPOINT, 0, false},
    {"raw_tracepoint+", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, false},
    {"raw_tp+", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, false},
    {"raw_tracepoint.w+", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, false},
    {"raw_tp.w+", BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0, false},
    {"tp_btf+", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, false},
    {"fentry+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, false},
    {"fmod_ret+", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, false},
    {"fexit+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, false},
    {"fentry.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, true},
    {"fmod_ret.s+", BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, true},
    {"fexit.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, true},
    {"freplace+", BPF_PROG_TYPE_EXT, 0, false},
    {"lsm+", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, false},
    {"lsm.s+", BPF_PROG_TYPE_LSM, BPF_LSM_MAC, true},
    {"lsm_cgroup+", BPF_PROG_TYPE_LSM, BPF_LSM_CGROUP, false},
    {"iter+", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, false},
    {"iter.s+", BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, true},
    {"syscall", BPF_PROG_TYPE_SYSCALL, 0, true},
    {"xdp.frags/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, false},
    {"xdp/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, false},
    {"xdp.frags/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, false},
    {"xdp/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP, false},
    {"xdp.frags", BPF_PROG_TYPE_XDP, BPF_XDP, false},
    {"xdp", BPF_PROG_TYPE_XDP, BPF_XDP, false},
    {"perf_event", BPF_PROG_TYPE_PERF_EVENT, 0, false},
    {"lwt_in", BPF_PROG_TYPE_LWT_IN, 0, false},
    {"lwt_out", BPF_PROG_TYPE_LWT_OUT, 0, false},
    {"lwt_xmit", BPF_PROG_TYPE_LWT_XMIT, 0, false},
    {"lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, false},
    {"sockops", BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS, false},
    {"sk_skb/stream_parser", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_PARSER, false},
    {"sk_skb/stream_verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT, false},
    {"sk_skb", BPF_PROG_TYPE_SK_SKB, 0, false},
    {"sk_msg", BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, false},
    {"lirc_mode2", BPF_PROG_TYPE_LIRC_MODE2, BPF_LIRC_MODE2, false},
    {"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, false},
    {"cgroup_skb/ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, false},
    {"cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, false},
    {"cgroup/skb", BPF_PROG_TYPE_CGROUP_SKB, 0, false},
    {"cgroup/sock_create", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, false},
    {"cgroup/sock_release", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE, false},
    {"cgroup/sock", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, false},
    {"cgroup/post_bind4", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND, false},
    {"cgroup/post_bind6", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET6_POST_BIND, false},
    {"cgroup/bind4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, false},
    {"cgroup/bind6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, false},
    {"cgroup/connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, false},
    {"cgroup/connect6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, false},
    {"cgroup/sendmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, false},
    {"cgroup/sendmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, false},
    {"cgroup/recvmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG, false},
    {"cgroup/recvmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_RECVMSG, false},
    {"cgroup/getpeername4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETPEERNAME, false},
    {"cgroup/getpeername6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETPEERNAME, false},
    {"cgroup/getsockname4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETSOCKNAME, false},
    {"cgroup/getsockname6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETSOCKNAME, false},
    {"cgroup/sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, false},
    {"cgroup/getsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, false},
    {"cgroup/setsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, false},
    {"cgroup/dev", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, false},
    {"struct_ops+", BPF_PROG_TYPE_STRUCT_OPS, 0, false},
    {"struct_ops.s+", BPF_PROG_TYPE_STRUCT_OPS, 0, true},
    {"sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, false},
    {"netfilter", kProgTypeNetfilter, kAttachNetfilter, false},
};

// Matches one table entry; on success *target is what follows "name/" (empty
// for exact names and bare '+' names).
bool matches(std::string_view def, std::string_view sec, std::string_view* target) {
  if (!def.ends_with('+')) {
    *target = {};
    return sec == def;
  }
  def.remove_suffix(1);
  if (sec == def) {
    *target = {};
    return true;
  }
  if (sec.size() > def.size() && sec.starts_with(def) && sec[def.size()] == '/') {
    *target = sec.substr(def.size() + 1);
    return true;
  }
  return false;
}

const SecDef* find_def(std::string_view sec, std::string_view* target) {
  if (sec.starts_with('?')) sec.remove_prefix(1);
  for (const SecDef& d : kSecDefs)
    if (matches(d.name, sec, target)) return &d;
  return nullptr;
}

}  // namespace

bool prog_type_from_section(const std::string& section, uint32_t* prog_type, uint32_t* expected_attach_type,
                            bool* sleepable) {
  std::string_view target;
  const SecDef* d = find_def(section, &target);
  if (!d) return false;
  *prog_type = d->prog_type;
  *expected_attach_type = d->attach_type;
  *sleepable = d->sleepable;
  return true;
}

bool program_kind_from_section(const std::string& section, ProgramSpec* prog) {
  std::string_view target;
  const SecDef* d = find_def(section, &target);
  if (!d) return false;
  prog->prog_type = d->prog_type;
  prog->expected_attach_type = d->attach_type;
  prog->sleepable = d->sleepable;
  prog->xdp_has_frags = d->prog_type == BPF_PROG_TYPE_XDP && d->name.starts_with("xdp.frags");
  prog->attach_target = std::string(target);
  prog->autoload = !section.starts_with('?');
  return true;
}

}  // namespace hostbpf::object
