#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
extern int bpf_host_thing(int x) __ksym;
SEC("syscall") int calls_kfunc(void *ctx) { return bpf_host_thing(3); }
