// A CO-RE field access (preserve_access_index), which the parser refuses for now.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct host_thing {
  int a;
  int b;
} __attribute__((preserve_access_index));
SEC("syscall") int reads_core(struct host_thing *t) { return t->b; }
