// The kernel's shared get_func_proto tables: which helper ids a program type
// may call. A type's own helpers (bpf_xdp_adjust_head, bpf_skb_load_bytes, ...)
// belong in its file's get_func_proto once hostbpf provides them; these are
// the groups every type builds on. Whether hostbpf implements a helper is a
// separate question, answered by the verifier's prototype table.
#include <linux/bpf.h>

#include "prog_types/type_defs.h"

namespace hostbpf::prog_types {

bool base_func_proto(int32_t func_id) {
  switch (func_id) {
    case BPF_FUNC_map_lookup_elem:
    case BPF_FUNC_map_update_elem:
    case BPF_FUNC_map_delete_elem:
    case BPF_FUNC_map_push_elem:
    case BPF_FUNC_map_pop_elem:
    case BPF_FUNC_map_peek_elem:
    case BPF_FUNC_map_lookup_percpu_elem:
    case BPF_FUNC_get_prandom_u32:
    case BPF_FUNC_get_smp_processor_id:
    case BPF_FUNC_get_numa_node_id:
    case BPF_FUNC_tail_call:
    case BPF_FUNC_ktime_get_ns:
    case BPF_FUNC_ktime_get_boot_ns:
    case BPF_FUNC_ktime_get_tai_ns:
    case BPF_FUNC_ringbuf_output:
    case BPF_FUNC_ringbuf_reserve:
    case BPF_FUNC_ringbuf_submit:
    case BPF_FUNC_ringbuf_discard:
    case BPF_FUNC_ringbuf_query:
    case BPF_FUNC_for_each_map_elem:
    case BPF_FUNC_loop:
    case BPF_FUNC_strncmp:
    case BPF_FUNC_get_current_pid_tgid:
    case BPF_FUNC_get_current_uid_gid:
    case BPF_FUNC_get_current_comm:
    // CAP_BPF
    case BPF_FUNC_spin_lock:
    case BPF_FUNC_spin_unlock:
    case BPF_FUNC_jiffies64:
    case BPF_FUNC_per_cpu_ptr:
    case BPF_FUNC_this_cpu_ptr:
    case BPF_FUNC_kptr_xchg:
    // CAP_PERFMON
    case BPF_FUNC_trace_printk:
    case BPF_FUNC_get_current_task:
    case BPF_FUNC_get_current_task_btf:
    case BPF_FUNC_probe_read_user:
    case BPF_FUNC_probe_read_kernel:
    case BPF_FUNC_probe_read_user_str:
    case BPF_FUNC_probe_read_kernel_str:
    case BPF_FUNC_snprintf:
    case BPF_FUNC_trace_vprintk:
      return true;
    default:
      return false;
  }
}

bool tracing_func_proto(int32_t func_id) {
  switch (func_id) {
    case BPF_FUNC_probe_read:
    case BPF_FUNC_probe_read_str:
    case BPF_FUNC_get_stackid:
    case BPF_FUNC_get_stack:
      return true;
    default:
      return base_func_proto(func_id);
  }
}

}  // namespace hostbpf::prog_types
