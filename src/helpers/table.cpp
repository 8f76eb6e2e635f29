#include "helpers/helper.h"

#include "helpers/impls.h"

#include <linux/bpf.h>

#include <iterator>

namespace hostbpf::helpers {

namespace {

using A = ArgType;
using R = RetType;

// Sorted by id for binary search. Each entry mirrors the kernel's
// bpf_func_proto of the same name: prototype, then implementation.
const HelperProto kHelpers[] = {
    {BPF_FUNC_map_lookup_elem, "bpf_map_lookup_elem", R::MapValueOrNull,
     {A::ConstMapPtr, A::PtrToMapKey, A::DontCare, A::DontCare, A::DontCare}, false, true, impl::map_lookup_elem},
    {BPF_FUNC_map_update_elem, "bpf_map_update_elem", R::Integer,
     {A::ConstMapPtr, A::PtrToMapKey, A::PtrToMapValue, A::Anything, A::DontCare}, false, true, impl::map_update_elem},
    {BPF_FUNC_map_delete_elem, "bpf_map_delete_elem", R::Integer,
     {A::ConstMapPtr, A::PtrToMapKey, A::DontCare, A::DontCare, A::DontCare}, false, true, impl::map_delete_elem},
    {BPF_FUNC_ktime_get_ns, "bpf_ktime_get_ns", R::Integer,
     {A::DontCare, A::DontCare, A::DontCare, A::DontCare, A::DontCare}, false, false, impl::ktime_get_ns},
    // Arguments 3..5 are not checked by the kernel (bpf_trace_printk_proto leaves
    // them ARG_DONTCARE) and read as raw values.
    {BPF_FUNC_trace_printk, "bpf_trace_printk", R::Integer,
     {A::PtrToMem, A::ConstSize, A::DontCare, A::DontCare, A::DontCare}, true, false, impl::trace_printk},
    {BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32", R::Integer,
     {A::DontCare, A::DontCare, A::DontCare, A::DontCare, A::DontCare}, false, false, impl::get_prandom_u32},
    {BPF_FUNC_get_smp_processor_id, "bpf_get_smp_processor_id", R::Integer,
     {A::DontCare, A::DontCare, A::DontCare, A::DontCare, A::DontCare}, false, false, impl::get_smp_processor_id},
    {BPF_FUNC_tail_call, "bpf_tail_call", R::Void,
     {A::PtrToCtx, A::ConstMapPtr, A::Anything, A::DontCare, A::DontCare}, false, false, nullptr},  // the executor jumps itself
    {BPF_FUNC_probe_read_kernel, "bpf_probe_read_kernel", R::Integer,
     {A::PtrToUninitMem, A::ConstSizeOrZero, A::Anything, A::DontCare, A::DontCare}, true, false, impl::probe_read_kernel},
    {BPF_FUNC_ktime_get_boot_ns, "bpf_ktime_get_boot_ns", R::Integer,
     {A::DontCare, A::DontCare, A::DontCare, A::DontCare, A::DontCare}, false, false, impl::ktime_get_boot_ns},
    {BPF_FUNC_ringbuf_output, "bpf_ringbuf_output", R::Integer,
     {A::ConstMapPtr, A::PtrToMem, A::ConstSizeOrZero, A::Anything, A::DontCare}, false, false, impl::ringbuf_output},
    {BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", R::RingbufMemOrNull,
     {A::ConstMapPtr, A::ConstAllocSizeOrZero, A::Anything, A::DontCare, A::DontCare}, false, false, impl::ringbuf_reserve},
    {BPF_FUNC_ringbuf_submit, "bpf_ringbuf_submit", R::Void,
     {A::PtrToRingbufMem, A::Anything, A::DontCare, A::DontCare, A::DontCare}, false, false, impl::ringbuf_submit},
    {BPF_FUNC_ringbuf_discard, "bpf_ringbuf_discard", R::Void,
     {A::PtrToRingbufMem, A::Anything, A::DontCare, A::DontCare, A::DontCare}, false, false, impl::ringbuf_discard},
    {BPF_FUNC_ringbuf_query, "bpf_ringbuf_query", R::Integer,
     {A::ConstMapPtr, A::Anything, A::DontCare, A::DontCare, A::DontCare}, false, false, impl::ringbuf_query},
    // arg3 is ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY in the kernel; the
    // ArgType set has no nullable memory kind, so NULL data (with data_len 0)
    // is stricter here. libbpf's bpf_printk always passes a stack array.
    {BPF_FUNC_trace_vprintk, "bpf_trace_vprintk", R::Integer,
     {A::PtrToMem, A::ConstSize, A::PtrToMem, A::ConstSizeOrZero, A::DontCare}, true, false, impl::trace_vprintk},
    {BPF_FUNC_loop, "bpf_loop", R::Integer,
     {A::Anything, A::PtrToFunc, A::PtrToStackOrNull, A::Anything, A::DontCare}, false, false, impl::loop},
};

// Every helper the UAPI header knows, indexed by id, for logs that name helpers
// hostbpf does not provide ("unknown func bpf_xdp_adjust_head#44").
#define HOSTBPF_HELPER_NAME(name) "bpf_" #name
constexpr const char* kAllHelperNames[] = {__BPF_FUNC_MAPPER(HOSTBPF_HELPER_NAME)};
static_assert(std::size(kAllHelperNames) == __BPF_FUNC_MAX_ID, "helper names are indexed by id");
#undef HOSTBPF_HELPER_NAME

}  // namespace

const HelperProto* find_helper(int32_t id) {
  const HelperProto* lo = std::begin(kHelpers);
  const HelperProto* hi = std::end(kHelpers);
  while (lo < hi) {
    const HelperProto* mid = lo + (hi - lo) / 2;
    if (mid->id < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo != std::end(kHelpers) && lo->id == id ? lo : nullptr;
}

const char* helper_name(int32_t id) {
  if (const HelperProto* h = find_helper(id)) return h->name;
  if (id <= 0 || static_cast<size_t>(id) >= std::size(kAllHelperNames)) return nullptr;
  return kAllHelperNames[id];
}

std::span<const HelperProto> all_helpers() { return kHelpers; }

}  // namespace hostbpf::helpers
