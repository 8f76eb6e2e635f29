// Calls gatemod's kfunc: loads only while gatemod is LIVE.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern long gatemod_answer(void) __ksym;

SEC("syscall")
int call_gatemod(void *ctx) { return gatemod_answer(); }

char LICENSE[] SEC("license") = "GPL";
