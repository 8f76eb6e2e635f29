// Strong externs that cannot be resolved: a prototype mismatch (the load
// fails naming the kfunc).
#include "test_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

extern long test_add___bad(long a) __ksym;

SEC("syscall")
int bad_proto(void *ctx)
{
	return test_add___bad(1);
}
