// The kernel's selftests/bpf/progs/cpumask_failure.c, as syscall programs the
// verifier must reject (the message is the kernel's). Autoload is off ("?") so
// a test loads one at a time.
#include "cpumask_common.h"

char _license[] SEC("license") = "GPL";

SEC("?syscall")
int test_alloc_no_release(struct cpumask_args *ctx)
{
	struct bpf_cpumask *cpumask;
	int err = 0;

	cpumask = create_cpumask(&err);

	/* cpumask is never released. */
	return 0;
}

SEC("?syscall")
int test_alloc_double_release(struct cpumask_args *ctx)
{
	struct bpf_cpumask *cpumask;
	int err = 0;

	cpumask = create_cpumask(&err);

	/* cpumask is released twice. */
	bpf_cpumask_release(cpumask);
	bpf_cpumask_release(cpumask);

	return 0;
}

SEC("?syscall")
int test_cpumask_null(struct cpumask_args *ctx)
{
	/* NULL passed to a KF_RCU / KF_TRUSTED_ARGS kfunc. */
	bpf_cpumask_empty(NULL);

	return 0;
}

SEC("?syscall")
int test_set_unchecked(struct cpumask_args *ctx)
{
	struct bpf_cpumask *cpumask = bpf_cpumask_create();

	/* The result of a KF_RET_NULL kfunc is used before a NULL check. */
	bpf_cpumask_set_cpu(0, cpumask);
	if (cpumask)
		bpf_cpumask_release(cpumask);
	return 0;
}
