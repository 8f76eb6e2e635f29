// struct __sk_buff as tc and socket filter programs see it (the kernel's
// bpf_skb_is_valid_access, tc_cls_act_is_valid_access and
// sk_filter_is_valid_access in net/core/filter.c).
//
// Not modelled: the `sk` field (a PTR_TO_SOCK_COMMON_OR_NULL in the kernel)
// is refused rather than typed, which is stricter.
#include <linux/bpf.h>

#include <cstddef>

#include "verifier/ctx_layout.h"

namespace hostbpf::verifier {

namespace {

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

RegType skb_result(int32_t off) {
  if (kData.has(off)) return RegType::Packet;
  if (kDataMeta.has(off)) return RegType::PacketMeta;
  if (kDataEnd.has(off)) return RegType::PacketEnd;
  return RegType::Scalar;
}

bool tc_writable(int32_t off) {
  auto is = [off](size_t field_off) {
    return off >= static_cast<int32_t>(field_off) && off < static_cast<int32_t>(field_off) + 4;
  };
  return kCb.has(off) || kTstamp.has(off) || is(offsetof(struct __sk_buff, mark)) ||
         is(offsetof(struct __sk_buff, tc_index)) || is(offsetof(struct __sk_buff, priority)) ||
         kTcClassid.has(off) || is(offsetof(struct __sk_buff, queue_mapping));
}

}  // namespace

CtxAccess tc_skb_access(int32_t off, int32_t size, bool write) {
  if (write && !tc_writable(off)) return {};
  if (kSockAddrs.has(off)) return {};
  if (!skb_valid(off, size, write)) return {};
  return {true, skb_result(off)};
}

CtxAccess socket_filter_skb_access(int32_t off, int32_t size, bool write) {
  // No packet pointers, no socket addresses, no timestamps for filters.
  if (kTcClassid.has(off) || kData.has(off) || kDataMeta.has(off) || kDataEnd.has(off) || kSockAddrs.has(off) ||
      kTstamp.has(off) || kWireLen.has(off) || kHwtstamp.has(off))
    return {};
  if (write && !kCb.has(off)) return {};
  if (!skb_valid(off, size, write)) return {};
  return {true, RegType::Scalar};
}

}  // namespace hostbpf::verifier
