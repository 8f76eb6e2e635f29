// The tracing family: kprobe, tracepoint, perf_event, raw_tracepoint(.w),
// tracing (fentry/fexit/fmod_ret/iter/tp_btf), lsm, struct_ops and ext
// (freplace). Their contexts are read-only records of the traced event; none
// of them can be test-run yet.
#include <linux/bpf.h>

#include "prog_types/type_defs.h"

namespace hostbpf::prog_types {
namespace {

// tracing_prog_is_valid_access and friends (fentry, struct_ops, raw_tp):
// the ctx is an array of u64 arguments, read-only. Without BTF the argument
// types are unknown, so every argument reads as a scalar (the BTF-typed
// pointers come with the kfunc/struct_ops issues).
CtxAccess btf_args_access(const CtxQuery& q) {
  constexpr int32_t kMaxArgs = 12;  // MAX_BPF_FUNC_ARGS
  if (q.write || q.off < 0 || q.off >= kMaxArgs * 8 || q.off % q.size != 0) return {};
  return {true, CtxLoad::Scalar};
}

// kprobe_prog_is_valid_access: read-only aligned loads inside struct pt_regs.
CtxAccess kprobe_access(const CtxQuery& q) {
  constexpr int32_t kPtRegs = 168;  // sizeof(struct pt_regs), x86-64
  if (q.write || q.off < 0 || q.off >= kPtRegs || q.off % q.size != 0 || q.off + q.size > kPtRegs) return {};
  return {true, CtxLoad::Scalar};
}

// tp_prog_is_valid_access: read-only aligned loads of the raw record, which
// starts anywhere below PERF_MAX_TRACE_SIZE.
CtxAccess tracepoint_access(const CtxQuery& q) {
  constexpr int32_t kMaxTraceSize = 8192;  // PERF_MAX_TRACE_SIZE
  if (q.write || q.off < 0 || q.off >= kMaxTraceSize || q.off % q.size != 0) return {};
  return {true, CtxLoad::Scalar};
}

// pe_prog_is_valid_access: struct bpf_perf_event_data, read-only. The saved
// registers are read whole; sample_period and addr also in narrower pieces.
CtxAccess perf_event_access(const CtxQuery& q) {
  constexpr int32_t kRegs = 168, kSamplePeriod = 168, kAddr = 176, kSize = 184;
  const int32_t off = q.off, size = q.size;
  if (q.write || off < 0 || off >= kSize || off % size != 0) return {};
  const bool u64_field = (off >= kSamplePeriod && off < kSamplePeriod + 8) || (off >= kAddr && off < kAddr + 8);
  if (u64_field) return (size & (size - 1)) == 0 ? CtxAccess{true, CtxLoad::Scalar} : CtxAccess{};
  if (off < kRegs && size != 8) return {};
  return {true, CtxLoad::Scalar};
}

// Where tracing programs run. An event that can happen in NMI (a probe, a
// tracepoint, a perf sample, a traced function) can reach its programs
// there; the kernel lets uprobes (kprobe-type), fentry/fexit/fmod_ret,
// iterators, lsm and struct_ops sleep (can_be_sleepable).
ExecContexts probe_contexts(uint32_t) { return kExecNormal | kExecSleepable | kExecSignal; }
ExecContexts event_contexts(uint32_t) { return kExecNormal | kExecSignal; }
ExecContexts hook_contexts(uint32_t) { return kExecNormal | kExecSleepable; }
ExecContexts tracing_contexts(uint32_t attach) {
  switch (attach) {
    case BPF_TRACE_FENTRY:
    case BPF_TRACE_FEXIT:
    case BPF_MODIFY_RETURN:
      return kExecNormal | kExecSleepable | kExecSignal;
    case BPF_TRACE_ITER:  // runs from a read() of the iterator, never from NMI
      return kExecNormal | kExecSleepable;
    case BPF_TRACE_RAW_TP:  // tp_btf
      return kExecNormal | kExecSignal;
    default:
      return kExecNormal;
  }
}

constexpr SectionDef kKprobeSections[] = {
    {"kprobe+"},
    {"uprobe+"},
    {"uprobe.s+", 0, true},
    {"kretprobe+"},
    {"uretprobe+"},
    {"uretprobe.s+", 0, true},
    {"kprobe.multi+", BPF_TRACE_KPROBE_MULTI},
    {"kretprobe.multi+", BPF_TRACE_KPROBE_MULTI},
    {"ksyscall+"},
    {"kretsyscall+"},
    {"usdt+"},
};
constexpr SectionDef kTracepointSections[] = {{"tracepoint+"}, {"tp+"}};
constexpr SectionDef kRawTracepointSections[] = {{"raw_tracepoint+"}, {"raw_tp+"}};
constexpr SectionDef kRawTracepointWritableSections[] = {{"raw_tracepoint.w+"}, {"raw_tp.w+"}};
constexpr SectionDef kTracingSections[] = {
    {"tp_btf+", BPF_TRACE_RAW_TP},
    {"fentry+", BPF_TRACE_FENTRY},
    {"fmod_ret+", BPF_MODIFY_RETURN},
    {"fexit+", BPF_TRACE_FEXIT},
    {"fentry.s+", BPF_TRACE_FENTRY, true},
    {"fmod_ret.s+", BPF_MODIFY_RETURN, true},
    {"fexit.s+", BPF_TRACE_FEXIT, true},
    {"iter+", BPF_TRACE_ITER},
    {"iter.s+", BPF_TRACE_ITER, true},
};
constexpr SectionDef kExtSections[] = {{"freplace+"}};
constexpr SectionDef kLsmSections[] = {
    {"lsm+", BPF_LSM_MAC},
    {"lsm.s+", BPF_LSM_MAC, true},
    {"lsm_cgroup+", BPF_LSM_CGROUP},
};
constexpr SectionDef kStructOpsSections[] = {{"struct_ops+"}, {"struct_ops.s+", 0, true}};
constexpr SectionDef kPerfEventSections[] = {{"perf_event"}};

constexpr std::string_view kPerfEventCtxNames[] = {"bpf_perf_event_data"};

}  // namespace

const ProgTypeOps kKprobeOps = {
    .type = ProgType::Kprobe,
    .name = "kprobe",
    .sections = kKprobeSections,
    .kfunc_hook = KfuncHook::Kprobe,
    .is_valid_access = kprobe_access,
    .get_func_proto = tracing_func_proto,
    .exec_contexts = probe_contexts,
};

const ProgTypeOps kTracepointOps = {
    .type = ProgType::Tracepoint,
    .name = "tracepoint",
    .sections = kTracepointSections,
    .kfunc_hook = KfuncHook::Tracing,
    .is_valid_access = tracepoint_access,
    .get_func_proto = tracing_func_proto,
    .exec_contexts = event_contexts,
};

const ProgTypeOps kPerfEventOps = {
    .type = ProgType::PerfEvent,
    .name = "perf_event",
    .sections = kPerfEventSections,
    .kfunc_hook = KfuncHook::Tracing,
    .is_valid_access = perf_event_access,
    .ctx_type_names = kPerfEventCtxNames,
    .get_func_proto = tracing_func_proto,
    .exec_contexts = event_contexts,
};

const ProgTypeOps kRawTracepointOps = {
    .type = ProgType::RawTracepoint,
    .name = "raw_tracepoint",
    .sections = kRawTracepointSections,
    .kfunc_hook = KfuncHook::Tracing,
    .is_valid_access = btf_args_access,
    .get_func_proto = tracing_func_proto,
    .exec_contexts = event_contexts,
};

// The kernel gives writable raw tracepoints no kfunc hook.
const ProgTypeOps kRawTracepointWritableOps = {
    .type = ProgType::RawTracepointWritable,
    .name = "raw_tracepoint_writable",
    .sections = kRawTracepointWritableSections,
    .is_valid_access = unknown_type_access,
    .get_func_proto = tracing_func_proto,
    .exec_contexts = event_contexts,
};

const ProgTypeOps kTracingOps = {
    .type = ProgType::Tracing,
    .name = "tracing",
    .sections = kTracingSections,
    .kfunc_hook = KfuncHook::Tracing,
    .is_valid_access = btf_args_access,
    .get_func_proto = tracing_func_proto,
    .exec_contexts = tracing_contexts,
};

const ProgTypeOps kLsmOps = {
    .type = ProgType::Lsm,
    .name = "lsm",
    .sections = kLsmSections,
    .kfunc_hook = KfuncHook::Tracing,
    .is_valid_access = btf_args_access,
    .get_func_proto = tracing_func_proto,
    .exec_contexts = hook_contexts,
};

// An operation may return a referenced object to its caller (the kernel lets
// struct_ops programs exit holding the reference R0 carries).
const ProgTypeOps kStructOpsOps = {
    .type = ProgType::StructOps,
    .name = "struct_ops",
    .sections = kStructOpsSections,
    .kfunc_hook = KfuncHook::StructOps,
    .is_valid_access = btf_args_access,
    .get_func_proto = base_func_proto,
    .returns_reference = true,
    .exec_contexts = hook_contexts,
};

// An extension takes the ctx and helpers of the program it replaces, which
// hostbpf does not attach yet: the generic record until it does.
const ProgTypeOps kExtOps = {
    .type = ProgType::Ext,
    .name = "ext",
    .sections = kExtSections,
    .is_valid_access = unknown_type_access,
    .get_func_proto = base_func_proto,
};

}  // namespace hostbpf::prog_types
