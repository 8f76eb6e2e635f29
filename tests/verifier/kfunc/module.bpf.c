// Calls a kfunc that a module (kfunc_fixture.cpp's hand-made one) provides.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern long test_mod_twice(long v) __ksym;

SEC("syscall")
int call_module(void *ctx)
{
	return test_mod_twice(21);
}
