// The program types hostbpf loads and verifies but gives no context layout of
// their own yet (cgroup, lwt, socket-level and the rest): their sections and
// kfunc hooks are the kernel's, their ctx is read as a small read-only record,
// and they cannot be test-run. Giving one of them a real context is giving it
// its own file, as xdp.cpp is.
#include <linux/bpf.h>

#include "prog_types/type_defs.h"

namespace hostbpf::prog_types {

CtxAccess unknown_type_access(const CtxQuery& q) {
  if (q.write || q.size != 4 || q.off < 0 || q.off + q.size > 256 || q.off % q.size != 0) return {};
  return {true, CtxLoad::Scalar};
}

namespace {

// Newer than the system's Linux 6.1 UAPI header; values from the kernel's enum.
constexpr uint32_t kAttachNetfilter = 45;  // BPF_NETFILTER

constexpr ProgTypeOps generic(ProgType type, std::string_view name, std::span<const SectionDef> sections,
                              KfuncHook hook, bool pkt_writable = false) {
  return {.type = type,
          .name = name,
          .sections = sections,
          .kfunc_hook = hook,
          .is_valid_access = unknown_type_access,
          .pkt_writable = pkt_writable,
          .get_func_proto = base_func_proto};
}

constexpr SectionDef kCgroupSkbSections[] = {
    {"cgroup_skb/ingress", BPF_CGROUP_INET_INGRESS},
    {"cgroup_skb/egress", BPF_CGROUP_INET_EGRESS},
    {"cgroup/skb"},
};
constexpr SectionDef kCgroupSockSections[] = {
    {"cgroup/sock_create", BPF_CGROUP_INET_SOCK_CREATE}, {"cgroup/sock_release", BPF_CGROUP_INET_SOCK_RELEASE},
    {"cgroup/sock", BPF_CGROUP_INET_SOCK_CREATE},        {"cgroup/post_bind4", BPF_CGROUP_INET4_POST_BIND},
    {"cgroup/post_bind6", BPF_CGROUP_INET6_POST_BIND},
};
constexpr SectionDef kLwtInSections[] = {{"lwt_in"}};
constexpr SectionDef kLwtOutSections[] = {{"lwt_out"}};
constexpr SectionDef kLwtXmitSections[] = {{"lwt_xmit"}};
constexpr SectionDef kLwtSeg6localSections[] = {{"lwt_seg6local"}};
constexpr SectionDef kSockOpsSections[] = {{"sockops", BPF_CGROUP_SOCK_OPS}};
constexpr SectionDef kSkSkbSections[] = {
    {"sk_skb/stream_parser", BPF_SK_SKB_STREAM_PARSER},
    {"sk_skb/stream_verdict", BPF_SK_SKB_STREAM_VERDICT},
    {"sk_skb"},
};
constexpr SectionDef kCgroupDeviceSections[] = {{"cgroup/dev", BPF_CGROUP_DEVICE}};
constexpr SectionDef kSkMsgSections[] = {{"sk_msg", BPF_SK_MSG_VERDICT}};
constexpr SectionDef kCgroupSockAddrSections[] = {
    {"cgroup/bind4", BPF_CGROUP_INET4_BIND},
    {"cgroup/bind6", BPF_CGROUP_INET6_BIND},
    {"cgroup/connect4", BPF_CGROUP_INET4_CONNECT},
    {"cgroup/connect6", BPF_CGROUP_INET6_CONNECT},
    {"cgroup/sendmsg4", BPF_CGROUP_UDP4_SENDMSG},
    {"cgroup/sendmsg6", BPF_CGROUP_UDP6_SENDMSG},
    {"cgroup/recvmsg4", BPF_CGROUP_UDP4_RECVMSG},
    {"cgroup/recvmsg6", BPF_CGROUP_UDP6_RECVMSG},
    {"cgroup/getpeername4", BPF_CGROUP_INET4_GETPEERNAME},
    {"cgroup/getpeername6", BPF_CGROUP_INET6_GETPEERNAME},
    {"cgroup/getsockname4", BPF_CGROUP_INET4_GETSOCKNAME},
    {"cgroup/getsockname6", BPF_CGROUP_INET6_GETSOCKNAME},
};
constexpr SectionDef kLircMode2Sections[] = {{"lirc_mode2", BPF_LIRC_MODE2}};
constexpr SectionDef kSkReuseportSections[] = {
    {"sk_reuseport/migrate", BPF_SK_REUSEPORT_SELECT_OR_MIGRATE},
    {"sk_reuseport", BPF_SK_REUSEPORT_SELECT},
};
constexpr SectionDef kFlowDissectorSections[] = {{"flow_dissector", BPF_FLOW_DISSECTOR}};
constexpr SectionDef kCgroupSysctlSections[] = {{"cgroup/sysctl", BPF_CGROUP_SYSCTL}};
constexpr SectionDef kCgroupSockoptSections[] = {
    {"cgroup/getsockopt", BPF_CGROUP_GETSOCKOPT},
    {"cgroup/setsockopt", BPF_CGROUP_SETSOCKOPT},
};
constexpr SectionDef kSkLookupSections[] = {{"sk_lookup", BPF_SK_LOOKUP}};
constexpr SectionDef kNetfilterSections[] = {{"netfilter", kAttachNetfilter}};

}  // namespace

// Unspec is no program's type: kfuncs registered for it (hook COMMON) are
// callable from every type.
const ProgTypeOps kUnspecOps = generic(ProgType::Unspec, "unspec", {}, KfuncHook::Common);
const ProgTypeOps kCgroupSkbOps = generic(ProgType::CgroupSkb, "cgroup_skb", kCgroupSkbSections, KfuncHook::Cgroup);
const ProgTypeOps kCgroupSockOps =
    generic(ProgType::CgroupSock, "cgroup_sock", kCgroupSockSections, KfuncHook::Cgroup);
const ProgTypeOps kLwtInOps = generic(ProgType::LwtIn, "lwt_in", kLwtInSections, KfuncHook::Lwt);
const ProgTypeOps kLwtOutOps = generic(ProgType::LwtOut, "lwt_out", kLwtOutSections, KfuncHook::Lwt);
const ProgTypeOps kLwtXmitOps = generic(ProgType::LwtXmit, "lwt_xmit", kLwtXmitSections, KfuncHook::Lwt, true);
const ProgTypeOps kSockOpsOps = generic(ProgType::SockOps, "sock_ops", kSockOpsSections, KfuncHook::Cgroup);
const ProgTypeOps kSkSkbOps = generic(ProgType::SkSkb, "sk_skb", kSkSkbSections, KfuncHook::SkSkb, true);
const ProgTypeOps kCgroupDeviceOps =
    generic(ProgType::CgroupDevice, "cgroup_device", kCgroupDeviceSections, KfuncHook::Cgroup);
const ProgTypeOps kSkMsgOps = generic(ProgType::SkMsg, "sk_msg", kSkMsgSections, KfuncHook::Max, true);
const ProgTypeOps kCgroupSockAddrOps =
    generic(ProgType::CgroupSockAddr, "cgroup_sock_addr", kCgroupSockAddrSections, KfuncHook::Cgroup);
const ProgTypeOps kLwtSeg6localOps =
    generic(ProgType::LwtSeg6local, "lwt_seg6local", kLwtSeg6localSections, KfuncHook::Lwt);
const ProgTypeOps kLircMode2Ops = generic(ProgType::LircMode2, "lirc_mode2", kLircMode2Sections, KfuncHook::Max);
const ProgTypeOps kSkReuseportOps =
    generic(ProgType::SkReuseport, "sk_reuseport", kSkReuseportSections, KfuncHook::Max);
const ProgTypeOps kFlowDissectorOps =
    generic(ProgType::FlowDissector, "flow_dissector", kFlowDissectorSections, KfuncHook::Max);
const ProgTypeOps kCgroupSysctlOps =
    generic(ProgType::CgroupSysctl, "cgroup_sysctl", kCgroupSysctlSections, KfuncHook::Cgroup);
const ProgTypeOps kCgroupSockoptOps =
    generic(ProgType::CgroupSockopt, "cgroup_sockopt", kCgroupSockoptSections, KfuncHook::Cgroup);
const ProgTypeOps kSkLookupOps = generic(ProgType::SkLookup, "sk_lookup", kSkLookupSections, KfuncHook::Max);
const ProgTypeOps kNetfilterOps =
    generic(ProgType::Netfilter, "netfilter", kNetfilterSections, KfuncHook::Netfilter);

}  // namespace hostbpf::prog_types
