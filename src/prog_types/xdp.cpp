// BPF_PROG_TYPE_XDP: programs given a packet in a frame (hostbpf::XdpContext),
// seen through the UAPI struct xdp_md. Everything the type means is here: its
// sections, which ctx accesses verify, the rewrite of xdp_md's 32-bit packet
// offsets into the runtime record's pointers, the ctx struct in host BTF and
// the kernel's XDP test run.
#include <linux/bpf.h>

#include <fmt/format.h>

#include <cstddef>
#include <cstring>
#include <memory>

#include "btf/builder.h"
#include "hostbpf/context.h"
#include "hostbpf/hostbpf.h"
#include "prog_types/type_defs.h"

namespace hostbpf::prog_types {
namespace {

// xdp_is_valid_access / __is_valid_xdp_access: u32 fields of struct xdp_md,
// read-only; data, data_meta and data_end become packet pointers.
// egress_ifindex only means something when a devmap runs the program.
CtxAccess xdp_access(const CtxQuery& q) {
  if (q.expected_attach_type != BPF_XDP_DEVMAP && q.off == offsetof(struct xdp_md, egress_ifindex)) return {};
  if (q.write) return {};
  if (q.off < 0 || q.off >= static_cast<int32_t>(sizeof(struct xdp_md)) || q.off % q.size != 0 || q.size != 4)
    return {};
  switch (q.off) {
    case offsetof(struct xdp_md, data): return {true, CtxLoad::Packet};
    case offsetof(struct xdp_md, data_meta): return {true, CtxLoad::PacketMeta};
    case offsetof(struct xdp_md, data_end): return {true, CtxLoad::PacketEnd};
    default: return {true, CtxLoad::Scalar};
  }
}

// xdp_convert_ctx_access: xdp_md's u32 data/data_end/data_meta become 64-bit
// loads of XdpContext's pointers; the scalar fields keep their offsets. The
// verifier allows only aligned 4-byte loads of the context and no stores
// (xdp_access), through an unmodified ctx pointer, so insn.off is the field.
void xdp_convert_ctx_access(isa::Insn& insn) {
  int32_t to;
  switch (insn.off) {
    case offsetof(struct xdp_md, data): to = offsetof(XdpContext, data); break;
    case offsetof(struct xdp_md, data_end): to = offsetof(XdpContext, data_end); break;
    case offsetof(struct xdp_md, data_meta): to = offsetof(XdpContext, data_meta); break;
    default: return;
  }
  insn.code = BPF_LDX | BPF_MEM | BPF_DW;  // a pointer is 64 bits, never sign-extended
  insn.off = static_cast<int16_t>(to);
}
static_assert(offsetof(XdpContext, ingress_ifindex) == offsetof(struct xdp_md, ingress_ifindex) &&
                  offsetof(XdpContext, rx_queue_index) == offsetof(struct xdp_md, rx_queue_index) &&
                  offsetof(XdpContext, egress_ifindex) == offsetof(struct xdp_md, egress_ifindex),
              "XdpContext's scalar fields sit where struct xdp_md has them: no rewrite for those");

// The UAPI struct xdp_md, field for field, for programs built against
// `hostbpf btf dump host` instead of vmlinux.h.
void describe_xdp_md(btf::BtfBuilder& b) {
  const uint32_t u32 = b.typedef_type("__u32", b.int_type("unsigned int", 4, false));
  constexpr uint32_t kBits = 8;
  b.struct_type("xdp_md", sizeof(struct xdp_md),
                {{"data", u32, offsetof(struct xdp_md, data) * kBits},
                 {"data_end", u32, offsetof(struct xdp_md, data_end) * kBits},
                 {"data_meta", u32, offsetof(struct xdp_md, data_meta) * kBits},
                 {"ingress_ifindex", u32, offsetof(struct xdp_md, ingress_ifindex) * kBits},
                 {"rx_queue_index", u32, offsetof(struct xdp_md, rx_queue_index) * kBits},
                 {"egress_ifindex", u32, offsetof(struct xdp_md, egress_ifindex) * kBits}});
}

constexpr size_t kEthHlen = 14;
// The kernel's XDP test run frame: 256 bytes of headroom, and at most
// PAGE_SIZE - headroom - skb_shared_info tailroom (320) bytes of packet.
constexpr size_t kXdpFrameSize = 4096;
constexpr size_t kXdpHeadroom = 256;
constexpr size_t kXdpMaxData = kXdpFrameSize - kXdpHeadroom - 320;
constexpr size_t kXdpMaxMeta = 32;

// The test run frame: headroom, then the packet. One per thread that
// test-runs XDP programs, allocated on its first run.
uint8_t* xdp_frame() {
  static thread_local std::unique_ptr<uint8_t[]> frame(new uint8_t[kXdpFrameSize]);
  return frame.get();
}

// bpf_prog_test_run_xdp: ctx_in and ctx_out are a struct xdp_md whose data
// is the metadata length and data_end the packet size; the program itself
// gets an XdpContext around a copy of the packet.
Result<TestRunResult> xdp_test_run(const TestRunTarget& p, const TestRunOptions& o) {
  if (!o.data_in || o.data_size_in < kEthHlen)
    return Error(-EINVAL, fmt::format("prog '{}': XDP test run needs at least {} bytes of packet data", p.name,
                                      kEthHlen));
  if (o.data_size_in > kXdpMaxData)
    return Error(-EINVAL, fmt::format("prog '{}': packet of {} bytes exceeds the XDP frame limit of {}", p.name,
                                      o.data_size_in, kXdpMaxData));
  struct xdp_md md {};
  if (o.ctx_in) {
    if (o.ctx_size_in != sizeof md)
      return Error(-EINVAL, fmt::format("prog '{}': ctx_in must be a struct xdp_md ({} bytes), got {}", p.name,
                                        sizeof md, o.ctx_size_in));
    std::memcpy(&md, o.ctx_in, sizeof md);
    if (md.data_meta || md.egress_ifindex || md.data_end != o.data_size_in || md.data > md.data_end ||
        md.data > kXdpMaxMeta || md.data % 4)
      return Error(-EINVAL, fmt::format("prog '{}': invalid xdp_md in ctx_in (data={} data_end={} data_meta={} "
                                        "egress_ifindex={})",
                                        p.name, md.data, md.data_end, md.data_meta, md.egress_ifindex));
  }
  uint8_t* frame = xdp_frame();
  const uint32_t metalen = md.data;
  uint8_t* meta = frame + kXdpHeadroom;
  uint8_t* data = meta + metalen;
  std::memcpy(meta, o.data_in, o.data_size_in);

  // The packet pointers come from here, never from ctx_in (hostbpf/context.h).
  XdpContext ctx;
  ctx.data = data;
  ctx.data_end = meta + o.data_size_in;
  ctx.data_meta = meta;
  ctx.ingress_ifindex = md.ingress_ifindex;
  ctx.rx_queue_index = md.rx_queue_index;
  TestRunResult r;
  r.retval = timed_repeat(o.repeat, &r.duration_ns, [&] { return p.run(p.exe, reinterpret_cast<uint64_t>(&ctx)); });
  const auto* out_meta = static_cast<const uint8_t*>(ctx.data_meta);
  const size_t out_len = static_cast<const uint8_t*>(ctx.data_end) - out_meta;
  r.data_size_out = out_len;
  if (o.data_out) {
    std::memcpy(o.data_out, out_meta, std::min(out_len, o.data_size_out));
    if (o.data_size_out < out_len)
      return Error(-ENOSPC, fmt::format("prog '{}': data_out of {} bytes cannot hold the {}-byte packet", p.name,
                                        o.data_size_out, out_len));
  }
  if (o.ctx_out && o.ctx_size_out >= sizeof(struct xdp_md)) {
    struct xdp_md out {};
    out.data = static_cast<uint32_t>(static_cast<const uint8_t*>(ctx.data) - out_meta);
    out.data_end = static_cast<uint32_t>(out_len);
    out.ingress_ifindex = md.ingress_ifindex;
    out.rx_queue_index = md.rx_queue_index;
    std::memcpy(o.ctx_out, &out, sizeof out);
    r.ctx_size_out = sizeof out;
  }
  return r;
}

constexpr std::string_view kXdpCtxNames[] = {"xdp_md", "xdp_buff"};

constexpr SectionDef kXdpSections[] = {
    {"xdp.frags/devmap", BPF_XDP_DEVMAP, false, true},
    {"xdp/devmap", BPF_XDP_DEVMAP},
    {"xdp.frags/cpumap", BPF_XDP_CPUMAP, false, true},
    {"xdp/cpumap", BPF_XDP_CPUMAP},
    {"xdp.frags", BPF_XDP, false, true},
    {"xdp", BPF_XDP},
};

}  // namespace

const ProgTypeOps kXdpOps = {
    .type = ProgType::Xdp,
    .name = "xdp",
    .sections = kXdpSections,
    .kfunc_hook = KfuncHook::Xdp,
    .is_valid_access = xdp_access,
    .ctx_type_names = kXdpCtxNames,
    .pkt_writable = true,
    .get_func_proto = base_func_proto,
    .convert_ctx_access = xdp_convert_ctx_access,
    .describe_ctx_btf = describe_xdp_md,
    .test_run = xdp_test_run,
};

}  // namespace hostbpf::prog_types
