// A kfunc call from a program whose license is not GPL-compatible.
#include "test_kfuncs.h"

char LICENSE[] SEC("license") = "Proprietary";

SEC("syscall")
int nongpl(void *ctx)
{
	return test_add(1, 2);
}
