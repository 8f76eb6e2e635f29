// BPF_PROG_TYPE_SYSCALL: programs the host runs directly on a buffer of its
// own (the ctx), read and written freely; the type hostbpf's embedders use most.
#include <fmt/format.h>

#include <cstring>
#include <vector>

#include "hostbpf/hostbpf.h"
#include "prog_types/type_defs.h"

namespace hostbpf::prog_types {
namespace {

constexpr int32_t kMaxCtxSize = 0xffff;  // U16_MAX

// syscall_prog_is_valid_access: any aligned access below U16_MAX, both ways
// (the ctx is the caller's buffer, checked against ctx_size when run).
CtxAccess syscall_access(const CtxQuery& q) {
  if (q.off < 0 || q.off >= kMaxCtxSize || q.off % q.size != 0) return {};
  return {true, CtxLoad::Scalar};
}

// bpf_prog_test_run_syscall: the program runs on a copy of ctx_in, which is
// copied back to ctx_out.
Result<TestRunResult> syscall_test_run(const TestRunTarget& p, const TestRunOptions& o) {
  if (o.data_in || o.data_size_in || o.data_out)
    return Error(-EINVAL, fmt::format("prog '{}': syscall programs take no packet data", p.name));
  if (o.ctx_size_in > UINT16_MAX)
    return Error(-EINVAL, fmt::format("prog '{}': ctx of {} bytes exceeds the limit of {}", p.name, o.ctx_size_in,
                                      UINT16_MAX));
  if (o.ctx_size_in && !o.ctx_in) return Error(-EINVAL, fmt::format("prog '{}': ctx_size_in without ctx_in", p.name));
  // The ctx must cover every byte the verifier saw accessed.
  if (o.ctx_size_in < p.max_ctx_offset)
    return Error(-EINVAL, fmt::format("prog '{}': ctx of {} bytes is smaller than the {} bytes the program accesses",
                                      p.name, o.ctx_size_in, p.max_ctx_offset));
  std::vector<uint8_t> ctx(static_cast<const uint8_t*>(o.ctx_in),
                           static_cast<const uint8_t*>(o.ctx_in) + (o.ctx_in ? o.ctx_size_in : 0));
  void* ctx_ptr = ctx.empty() ? nullptr : ctx.data();
  TestRunResult r;
  r.retval =
      timed_repeat(o.repeat, &r.duration_ns, [&] { return p.run(p.exe, reinterpret_cast<uint64_t>(ctx_ptr)); });
  if (o.ctx_out) {
    if (o.ctx_size_out < ctx.size())
      return Error(-ENOSPC, fmt::format("prog '{}': ctx_out of {} bytes cannot hold the {}-byte ctx", p.name,
                                        o.ctx_size_out, ctx.size()));
    std::memcpy(o.ctx_out, ctx.data(), ctx.size());
  }
  r.ctx_size_out = ctx.size();
  return r;
}

// libbpf marks SEC("syscall") sleepable.
constexpr SectionDef kSyscallSections[] = {{"syscall", 0, true}};

// A syscall program runs from bpf(BPF_PROG_RUN) or a host's call, in task
// context, and the kernel requires it to be sleepable.
ExecContexts syscall_contexts(uint32_t) { return kExecSleepable; }

}  // namespace

// syscall_prog_func_proto falls back to the tracing helpers.
const ProgTypeOps kSyscallOps = {
    .type = ProgType::Syscall,
    .name = "syscall",
    .sections = kSyscallSections,
    .kfunc_hook = KfuncHook::Syscall,
    .is_valid_access = syscall_access,
    .get_func_proto = tracing_func_proto,
    .exec_contexts = syscall_contexts,
    .test_run = syscall_test_run,
};

}  // namespace hostbpf::prog_types
