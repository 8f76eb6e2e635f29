// struct_ops maps: an ops struct of function pointers filled with programs.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct demo_ops {
  int (*on_event)(int x);
  int (*on_tick)(void);
  int flags;
  char name[16];
};

static __noinline int helper(int x) { return x * 2; }

SEC("struct_ops/on_event") int on_event_impl(unsigned long long *ctx) { return helper((int)ctx[0]); }
SEC("struct_ops.s/on_tick") int on_tick_impl(unsigned long long *ctx) { return 0; }

SEC("syscall") int not_ops(void *ctx) { return 0; }

SEC(".struct_ops.link") struct demo_ops linked_ops = {
    .on_event = (void *)on_event_impl,
    .on_tick = (void *)on_tick_impl,
    .flags = 7,
    .name = "demo",
};

SEC(".struct_ops") struct demo_ops plain_ops = {
    .on_tick = (void *)on_tick_impl,
    .flags = 1,
};

char LICENSE[] SEC("license") = "GPL";
