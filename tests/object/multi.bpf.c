// Programs in many sections, several per section, sharing subprograms.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";
__u32 VERSION SEC("version") = 0x060100;

// A chain in .text: global_helper -> middle -> leaf (static and global).
static __noinline int leaf(int x) { return x * 3 + 1; }
static __noinline int middle(int x) { return leaf(x) + leaf(x + 1); }
__noinline int global_helper(int x) { return middle(x) - 7; }
static __noinline int only_syscall(int x) { return x ^ 0x55; }

// A static function in a program section: a subprogram, not a program.
SEC("xdp") static __noinline int xdp_local(int x) { return x + 11; }

static long loop_cb(__u32 i, void *ctx) {
  int *sum = ctx;
  *sum += i;
  return 0;
}

SEC("xdp") int xdp_one(struct xdp_md *ctx) { return (global_helper(ctx->ingress_ifindex) + xdp_local(1)) & 3; }
SEC("xdp") int xdp_two(struct xdp_md *ctx) { return leaf(ctx->rx_queue_index) & 3; }

SEC("syscall") int sys_loop(void *ctx) {
  int sum = 0;
  bpf_loop(10, loop_cb, &sum, 0);
  return only_syscall(sum) + middle(sum) + xdp_local(sum);  // LINE_MARKER
}

SEC("tc") int tc_prog(struct __sk_buff *skb) { return global_helper(skb->len); }
SEC("classifier") int cls_prog(struct __sk_buff *skb) { return 0; }
SEC("tcx/ingress") int tcx_prog(struct __sk_buff *skb) { return 0; }
SEC("socket") int sock_prog(struct __sk_buff *skb) { return 0; }
SEC("fentry/do_work") int fentry_prog(void *ctx) { return 0; }
SEC("fexit/do_work") int fexit_prog(void *ctx) { return 0; }
SEC("fmod_ret/do_work") int fmod_prog(void *ctx) { return 0; }
SEC("fentry.s/do_sleep") int fentry_s_prog(void *ctx) { return 0; }
SEC("tp_btf/sched_switch") int tp_btf_prog(void *ctx) { return 0; }
SEC("struct_ops/abc") int ops_abc(void *ctx) { return leaf(1); }
SEC("struct_ops.s/def") int ops_def(void *ctx) { return 0; }
SEC("perf_event") int perf_prog(void *ctx) { return 0; }
SEC("tp/sched/sched_switch") int tp_prog(void *ctx) { return 0; }
SEC("raw_tp/sys_enter") int raw_tp_prog(void *ctx) { return 0; }
SEC("kprobe/do_exit") int kprobe_prog(void *ctx) { return 0; }
SEC("?xdp") int xdp_manual(struct xdp_md *ctx) { return 2; }
