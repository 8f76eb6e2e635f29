// __weak kfuncs: one that does not exist and one whose prototype does not
// match the host's (both stay unresolved, as libbpf leaves them).
#include "test_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

extern long test_missing(long v) __ksym __weak;
extern long test_add___mismatch(long a) __ksym __weak;

SEC("?syscall")
int guarded(void *ctx)
{
	long r = 1;

	if (bpf_ksym_exists(test_missing))
		r = test_missing(1);
	if (bpf_ksym_exists(test_add___mismatch))
		r += test_add___mismatch(1);
	return r;
}

SEC("?syscall")
int reachable(void *ctx)
{
	return test_missing(1);
}
