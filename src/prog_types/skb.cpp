// Program types whose ctx is struct __sk_buff: sched_cls, sched_act and
// socket_filter. The ctx as they see it (the kernel's
// bpf_skb_is_valid_access, tc_cls_act_is_valid_access and
// sk_filter_is_valid_access in net/core/filter.c).
//
// Not modelled: the `sk` field (a PTR_TO_SOCK_COMMON_OR_NULL in the kernel)
// is refused rather than typed, which is stricter.
#include <linux/bpf.h>

#include <cstddef>

#include "prog_types/type_defs.h"

namespace hostbpf::prog_types {

namespace {

// Newer than the system's Linux 6.1 UAPI header; values from the kernel's enum.
constexpr uint32_t kAttachTcxIngress = 46;  // BPF_TCX_INGRESS
constexpr uint32_t kAttachTcxEgress = 47;   // BPF_TCX_EGRESS

constexpr int32_t kSkbSize = sizeof(struct __sk_buff);

// bpf_ctx_range(struct __sk_buff, field): every byte offset of the field.
#define SKB_FIELD(field) \
  offsetof(struct __sk_buff, field), offsetof(struct __sk_buff, field) + sizeof(((struct __sk_buff*)0)->field)

struct Range {
  int32_t begin, end;  // [begin, end)
  bool has(int32_t off) const { return off >= begin && off < end; }
};

constexpr Range kCb{SKB_FIELD(cb)};
constexpr Range kData{SKB_FIELD(data)};
constexpr Range kDataMeta{SKB_FIELD(data_meta)};
constexpr Range kDataEnd{SKB_FIELD(data_end)};
constexpr Range kFlowKeys{SKB_FIELD(flow_keys)};
constexpr Range kTstamp{SKB_FIELD(tstamp)};
constexpr Range kHwtstamp{SKB_FIELD(hwtstamp)};
constexpr Range kWireLen{SKB_FIELD(wire_len)};
constexpr Range kTcClassid{SKB_FIELD(tc_classid)};
// family .. local_port: the socket's addresses, not a tc or filter program's.
constexpr Range kSockAddrs{static_cast<int32_t>(offsetof(struct __sk_buff, family)),
                           static_cast<int32_t>(offsetof(struct __sk_buff, local_port) + sizeof(__u32))};
// remote_ip4 .. local_ip6: loaded whole (for the types that may read them).
constexpr Range kIps{static_cast<int32_t>(offsetof(struct __sk_buff, remote_ip4)),
                     static_cast<int32_t>(offsetof(struct __sk_buff, remote_port))};
constexpr Range kSk{SKB_FIELD(sk)};
constexpr int32_t kTstampType = offsetof(struct __sk_buff, tstamp_type);
#undef SKB_FIELD

// bpf_ctx_narrow_access_ok for a u32 field: 1, 2 or 4 bytes.
bool narrow_ok(int32_t size, int32_t field_size) { return size <= field_size && (size & (size - 1)) == 0; }

// bpf_skb_is_valid_access: what any program type with an __sk_buff may do.
bool skb_valid(int32_t off, int32_t size, bool write) {
  if (off < 0 || off >= kSkbSize || off % size != 0) return false;
  if (kCb.has(off)) return off + size <= kCb.end;
  if (kIps.has(off) || kData.has(off) || kDataMeta.has(off) || kDataEnd.has(off)) return size == 4;
  if (kFlowKeys.has(off)) return false;
  if (kHwtstamp.has(off)) return !write && size == 8;
  if (kTstamp.has(off)) return size == 8;
  if (kSk.has(off)) return false;  // a socket pointer, read whole or not at all: not modelled (file comment)
  if (off >= kTstampType && off < kHwtstamp.begin) return false;  // tstamp_type and padding
  return write ? size == 4 : narrow_ok(size, 4);
}

CtxLoad skb_load(int32_t off) {
  if (kData.has(off)) return CtxLoad::Packet;
  if (kDataMeta.has(off)) return CtxLoad::PacketMeta;
  if (kDataEnd.has(off)) return CtxLoad::PacketEnd;
  return CtxLoad::Scalar;
}

bool tc_writable(int32_t off) {
  auto is = [off](size_t field_off) {
    return off >= static_cast<int32_t>(field_off) && off < static_cast<int32_t>(field_off) + 4;
  };
  return kCb.has(off) || kTstamp.has(off) || is(offsetof(struct __sk_buff, mark)) ||
         is(offsetof(struct __sk_buff, tc_index)) || is(offsetof(struct __sk_buff, priority)) ||
         kTcClassid.has(off) || is(offsetof(struct __sk_buff, queue_mapping));
}

// tc_cls_act_is_valid_access (sched_cls and sched_act).
CtxAccess tc_skb_access(const CtxQuery& q) {
  const auto [off, size, write, attach] = q;
  if (write && !tc_writable(off)) return {};
  if (kSockAddrs.has(off)) return {};
  if (!skb_valid(off, size, write)) return {};
  return {true, skb_load(off)};
}

// sk_filter_is_valid_access.
CtxAccess socket_filter_skb_access(const CtxQuery& q) {
  const auto [off, size, write, attach] = q;
  // No packet pointers, no socket addresses, no timestamps for filters.
  if (kTcClassid.has(off) || kData.has(off) || kDataMeta.has(off) || kDataEnd.has(off) || kSockAddrs.has(off) ||
      kTstamp.has(off) || kWireLen.has(off) || kHwtstamp.has(off))
    return {};
  if (write && !kCb.has(off)) return {};
  if (!skb_valid(off, size, write)) return {};
  return {true, CtxLoad::Scalar};
}

constexpr std::string_view kSkbCtxNames[] = {"__sk_buff", "sk_buff"};

constexpr SectionDef kSchedClsSections[] = {
    {"tc/ingress", kAttachTcxIngress}, {"tc/egress", kAttachTcxEgress}, {"tcx/ingress", kAttachTcxIngress},
    {"tcx/egress", kAttachTcxEgress},  {"tc"},                           {"classifier"},
};
constexpr SectionDef kSchedActSections[] = {{"action"}};
constexpr SectionDef kSocketFilterSections[] = {{"socket"}};

}  // namespace

// The packet pointers of __sk_buff need a runtime sk_buff that hostbpf does
// not build yet: programs that read them verify but cannot run (no
// convert_ctx_access), and none of these types can be test-run.
const ProgTypeOps kSchedClsOps = {
    .type = ProgType::SchedCls,
    .name = "sched_cls",
    .sections = kSchedClsSections,
    .kfunc_hook = KfuncHook::Tc,
    .is_valid_access = tc_skb_access,
    .ctx_type_names = kSkbCtxNames,
    .pkt_writable = true,
    .get_func_proto = base_func_proto,
};

const ProgTypeOps kSchedActOps = {
    .type = ProgType::SchedAct,
    .name = "sched_act",
    .sections = kSchedActSections,
    .kfunc_hook = KfuncHook::SchedAct,
    .is_valid_access = tc_skb_access,
    .ctx_type_names = kSkbCtxNames,
    .pkt_writable = true,
    .get_func_proto = base_func_proto,
};

const ProgTypeOps kSocketFilterOps = {
    .type = ProgType::SocketFilter,
    .name = "socket_filter",
    .sections = kSocketFilterSections,
    .kfunc_hook = KfuncHook::SocketFilter,
    .is_valid_access = socket_filter_skb_access,
    .ctx_type_names = kSkbCtxNames,
    .get_func_proto = base_func_proto,
};

}  // namespace hostbpf::prog_types
