// Program: running (BPF_PROG_TEST_RUN semantics per program type, and the hot
// path) and the xlated dump.
#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "exec/helpers.h"
#include "isa/disasm.h"
#include "runtime/state.h"

namespace hostbpf {
namespace {

constexpr size_t kEthHlen = 14;
// The kernel's XDP test run frame: 256 bytes of headroom, and at most
// PAGE_SIZE - headroom - skb_shared_info tailroom (320) bytes of packet.
constexpr size_t kXdpHeadroom = 256;
constexpr size_t kXdpMaxData = 4096 - kXdpHeadroom - 320;
constexpr size_t kXdpMaxMeta = 32;

/// The UAPI struct xdp_md: what a test run's ctx_in and ctx_out hold.
struct XdpMd {
  uint32_t data;
  uint32_t data_end;
  uint32_t data_meta;
  uint32_t ingress_ifindex;
  uint32_t rx_queue_index;
  uint32_t egress_ifindex;
};

// The kernel's test run frame: headroom, then the packet. One per thread that
// test-runs XDP programs, allocated on its first run.
uint8_t* xdp_frame() {
  static thread_local std::unique_ptr<uint8_t[]> frame(new uint8_t[4096]);
  return frame.get();
}

template <class Fn>
uint64_t timed_repeat(uint32_t repeat, uint64_t* duration_ns, Fn&& fn) {
  if (repeat == 0) repeat = 1;
  uint64_t ret = 0;
  auto start = std::chrono::steady_clock::now();
  for (uint32_t i = 0; i < repeat; i++) ret = fn();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
  *duration_ns = static_cast<uint64_t>(ns) / repeat;
  return ret;
}

Result<TestRunResult> test_run_syscall(const detail::ProgramState& p, const TestRunOptions& o) {
  if (o.data_in || o.data_size_in || o.data_out)
    return Error(-EINVAL, fmt::format("prog '{}': syscall programs take no packet data", p.name));
  if (o.ctx_size_in > UINT16_MAX)
    return Error(-EINVAL, fmt::format("prog '{}': ctx of {} bytes exceeds the limit of {}", p.name, o.ctx_size_in,
                                      UINT16_MAX));
  if (o.ctx_size_in && !o.ctx_in) return Error(-EINVAL, fmt::format("prog '{}': ctx_size_in without ctx_in", p.name));
  // bpf_prog_test_run_syscall: the ctx must cover every byte the verifier saw accessed.
  if (o.ctx_size_in < p.max_ctx_offset)
    return Error(-EINVAL, fmt::format("prog '{}': ctx of {} bytes is smaller than the {} bytes the program accesses",
                                      p.name, o.ctx_size_in, p.max_ctx_offset));
  std::vector<uint8_t> ctx(static_cast<const uint8_t*>(o.ctx_in),
                           static_cast<const uint8_t*>(o.ctx_in) + (o.ctx_in ? o.ctx_size_in : 0));
  void* ctx_ptr = ctx.empty() ? nullptr : ctx.data();
  TestRunResult r;
  r.retval = timed_repeat(o.repeat, &r.duration_ns,
                          [&] { return p.exe->run(reinterpret_cast<uint64_t>(ctx_ptr)); });
  if (o.ctx_out) {
    if (o.ctx_size_out < ctx.size())
      return Error(-ENOSPC, fmt::format("prog '{}': ctx_out of {} bytes cannot hold the {}-byte ctx", p.name,
                                        o.ctx_size_out, ctx.size()));
    std::memcpy(o.ctx_out, ctx.data(), ctx.size());
  }
  r.ctx_size_out = ctx.size();
  return r;
}

Result<TestRunResult> test_run_xdp(const detail::ProgramState& p, const TestRunOptions& o) {
  if (!o.data_in || o.data_size_in < kEthHlen)
    return Error(-EINVAL, fmt::format("prog '{}': XDP test run needs at least {} bytes of packet data", p.name,
                                      kEthHlen));
  if (o.data_size_in > kXdpMaxData)
    return Error(-EINVAL, fmt::format("prog '{}': packet of {} bytes exceeds the XDP frame limit of {}", p.name,
                                      o.data_size_in, kXdpMaxData));
  XdpMd md{};
  if (o.ctx_in) {
    if (o.ctx_size_in != sizeof(XdpMd))
      return Error(-EINVAL, fmt::format("prog '{}': ctx_in must be a struct xdp_md ({} bytes), got {}", p.name,
                                        sizeof(XdpMd), o.ctx_size_in));
    std::memcpy(&md, o.ctx_in, sizeof md);
    // The kernel's rules: data is the metadata length, data_end the packet size.
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
  r.retval = timed_repeat(o.repeat, &r.duration_ns,
                          [&] { return p.exe->run(reinterpret_cast<uint64_t>(&ctx)); });
  const auto* out_meta = static_cast<const uint8_t*>(ctx.data_meta);
  const size_t out_len = static_cast<const uint8_t*>(ctx.data_end) - out_meta;
  r.data_size_out = out_len;
  if (o.data_out) {
    std::memcpy(o.data_out, out_meta, std::min(out_len, o.data_size_out));
    if (o.data_size_out < out_len)
      return Error(-ENOSPC, fmt::format("prog '{}': data_out of {} bytes cannot hold the {}-byte packet", p.name,
                                        o.data_size_out, out_len));
  }
  if (o.ctx_out && o.ctx_size_out >= sizeof(XdpMd)) {
    XdpMd out{static_cast<uint32_t>(static_cast<const uint8_t*>(ctx.data) - out_meta), static_cast<uint32_t>(out_len),
              0, md.ingress_ifindex, md.rx_queue_index, 0};
    std::memcpy(o.ctx_out, &out, sizeof out);
    r.ctx_size_out = sizeof out;
  }
  return r;
}

}  // namespace

namespace detail {
uint64_t run_unloaded(const exec::Executable*, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  return static_cast<uint64_t>(-EINVAL);
}
uint64_t run_unsupported_ctx(const exec::Executable*, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  return static_cast<uint64_t>(-EOPNOTSUPP);
}
}  // namespace detail

Program::Program(std::shared_ptr<detail::ProgramState> p) : p_(std::move(p)), run_(p_ ? &p_->run_entry : nullptr) {}

const std::string& Program::name() const { return p_->name; }
const std::string& Program::section() const { return p_->section; }
ProgType Program::type() const { return static_cast<ProgType>(p_->prog_type); }
uint32_t Program::id() const { return p_->id; }

Error Program::set_autoload(bool autoload) {
  if (p_->exe) return Error(-EBUSY, fmt::format("prog '{}' is already loaded", p_->name));
  p_->autoload = autoload;
  return {};
}
bool Program::autoload() const { return p_->autoload; }
bool Program::loaded() const { return p_->exe != nullptr; }
const std::string& Program::verifier_log() const { return p_->verifier_log; }
VerifierStats Program::verifier_stats() const { return p_->verifier_stats; }

std::span<const Insn> Program::insns() const {
  return {reinterpret_cast<const Insn*>(p_->insns.data()), p_->insns.size()};
}

Result<TestRunResult> Program::test_run(const TestRunOptions& opts) const {
  if (!p_->exe) return Error(-EINVAL, fmt::format("prog '{}' is not loaded", p_->name));
  if (!p_->run_refusal.empty())
    return Error(-EOPNOTSUPP, fmt::format("prog '{}' (section '{}') cannot run: {}", p_->name, p_->section,
                                          p_->run_refusal));
  switch (static_cast<ProgType>(p_->prog_type)) {
    case ProgType::Syscall:
      return test_run_syscall(*p_, opts);
    case ProgType::Xdp:
      return test_run_xdp(*p_, opts);
    default:
      return Error(-ENOTSUP, fmt::format("prog '{}' (section '{}'): test runs of this program type are not "
                                         "supported yet (syscall and xdp are)",
                                         p_->name, p_->section));
  }
}

std::string Program::dump_xlated() const {
  const detail::ProgramState& p = *p_;
  isa::DisasmNames names;
  names.helper = [](int32_t id) -> std::string {
    const char* n = exec::helper_name(id);
    return n ? n : std::string();
  };
  names.lddw = [&p](const isa::Insn* pair) -> std::string {
    const uint64_t v = isa::lddw_imm64(pair);
    for (size_t i = 0; i < p.used_maps.size(); i++) {
      const auto& m = p.used_maps[i];
      if (pair->src_reg == BPF_PSEUDO_MAP_FD && v == reinterpret_cast<uint64_t>(m.get()))
        return fmt::format("map[id:{}]", p.used_map_ids[i]);
      uint64_t base = 0;
      if (pair->src_reg == BPF_PSEUDO_MAP_VALUE && m->direct_value_addr(0, &base) == 0 && v >= base &&
          v < base + m->spec().value_size)
        return fmt::format("map[id:{}][0]+{}", p.used_map_ids[i], v - base);
    }
    return {};
  };
  std::string out;
  size_t li = 0;
  for (size_t i = 0; i < p.insns.size(); i++) {
    for (; li < p.line_info.size() && p.line_info[li].insn_off <= i; li++) {
      if (p.line_info[li].insn_off != i || p.line_info[li].line.empty()) continue;
      const auto& l = p.line_info[li];
      std::string_view text = l.line;
      while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
      std::string_view file = l.file;
      if (auto slash = file.find_last_of('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
      out += fmt::format("; {} @ {}:{}\n", text, file, l.line_num);
    }
    out += fmt::format("{:4}: {}\n", i, isa::disasm_insn(&p.insns[i], static_cast<int>(i), names));
    if (isa::is_lddw(p.insns[i])) i++;
  }
  return out;
}

}  // namespace hostbpf
