// The kernel's selftests/bpf/progs/cpumask_success.c, as syscall programs:
// each returns 0 when every check passes, else the number of the failed check.
// (The kptr and map tests come with kptr support in a later issue.)
#include "cpumask_common.h"

char _license[] SEC("license") = "GPL";

static bool create_cpumask_set(struct bpf_cpumask **out1, struct bpf_cpumask **out2,
			       struct bpf_cpumask **out3, struct bpf_cpumask **out4, int *err)
{
	struct bpf_cpumask *mask1, *mask2, *mask3, *mask4;

	mask1 = create_cpumask(err);
	if (!mask1)
		return false;

	mask2 = create_cpumask(err);
	if (!mask2) {
		bpf_cpumask_release(mask1);
		*err = 3;
		return false;
	}

	mask3 = create_cpumask(err);
	if (!mask3) {
		bpf_cpumask_release(mask1);
		bpf_cpumask_release(mask2);
		*err = 4;
		return false;
	}

	mask4 = create_cpumask(err);
	if (!mask4) {
		bpf_cpumask_release(mask1);
		bpf_cpumask_release(mask2);
		bpf_cpumask_release(mask3);
		*err = 5;
		return false;
	}

	*out1 = mask1;
	*out2 = mask2;
	*out3 = mask3;
	*out4 = mask4;
	return true;
}

SEC("syscall")
int test_alloc_free_cpumask(struct cpumask_args *ctx)
{
	struct bpf_cpumask *cpumask;
	int err = 0;

	cpumask = create_cpumask(&err);
	if (!cpumask)
		return err;

	bpf_cpumask_release(cpumask);
	return err;
}

SEC("syscall")
int test_set_clear_cpu(struct cpumask_args *ctx)
{
	struct bpf_cpumask *cpumask;
	int err = 0;

	cpumask = create_cpumask(&err);
	if (!cpumask)
		return err;

	bpf_cpumask_set_cpu(0, cpumask);
	if (!bpf_cpumask_test_cpu(0, cast(cpumask))) {
		err = 3;
		goto release_exit;
	}

	bpf_cpumask_clear_cpu(0, cpumask);
	if (bpf_cpumask_test_cpu(0, cast(cpumask))) {
		err = 4;
		goto release_exit;
	}

release_exit:
	bpf_cpumask_release(cpumask);
	return err;
}

SEC("syscall")
int test_setall_clear_cpu(struct cpumask_args *ctx)
{
	struct bpf_cpumask *cpumask;
	int err = 0;

	cpumask = create_cpumask(&err);
	if (!cpumask)
		return err;

	bpf_cpumask_setall(cpumask);
	if (!bpf_cpumask_full(cast(cpumask))) {
		err = 3;
		goto release_exit;
	}

	bpf_cpumask_clear(cpumask);
	if (!bpf_cpumask_empty(cast(cpumask))) {
		err = 4;
		goto release_exit;
	}

release_exit:
	bpf_cpumask_release(cpumask);
	return err;
}

SEC("syscall")
int test_first_firstzero_cpu(struct cpumask_args *ctx)
{
	struct bpf_cpumask *cpumask;
	int err = 0;

	cpumask = create_cpumask(&err);
	if (!cpumask)
		return err;

	if (bpf_cpumask_first(cast(cpumask)) < ctx->nr_cpus) {
		err = 3;
		goto release_exit;
	}

	if (bpf_cpumask_first_zero(cast(cpumask)) != 0) {
		err = 4;
		goto release_exit;
	}

	bpf_cpumask_set_cpu(0, cpumask);
	if (bpf_cpumask_first(cast(cpumask)) != 0) {
		err = 5;
		goto release_exit;
	}

	if (bpf_cpumask_first_zero(cast(cpumask)) != 1) {
		err = 6;
		goto release_exit;
	}

release_exit:
	bpf_cpumask_release(cpumask);
	return err;
}

SEC("syscall")
int test_firstand_nocpu(struct cpumask_args *ctx)
{
	struct bpf_cpumask *mask1, *mask2;
	int err = 0;
	u32 first;

	mask1 = create_cpumask(&err);
	if (!mask1)
		return err;

	mask2 = create_cpumask(&err);
	if (!mask2)
		goto release_exit;

	bpf_cpumask_set_cpu(0, mask1);
	bpf_cpumask_set_cpu(1, mask2);

	first = bpf_cpumask_first_and(cast(mask1), cast(mask2));
	if (first <= 1)
		err = 3;

release_exit:
	if (mask1)
		bpf_cpumask_release(mask1);
	if (mask2)
		bpf_cpumask_release(mask2);
	return err;
}

SEC("syscall")
int test_test_and_set_clear(struct cpumask_args *ctx)
{
	struct bpf_cpumask *cpumask;
	int err = 0;

	cpumask = create_cpumask(&err);
	if (!cpumask)
		return err;

	if (bpf_cpumask_test_and_set_cpu(0, cpumask)) {
		err = 3;
		goto release_exit;
	}

	if (!bpf_cpumask_test_and_set_cpu(0, cpumask)) {
		err = 4;
		goto release_exit;
	}

	if (!bpf_cpumask_test_and_clear_cpu(0, cpumask)) {
		err = 5;
		goto release_exit;
	}

release_exit:
	bpf_cpumask_release(cpumask);
	return err;
}

SEC("syscall")
int test_and_or_xor(struct cpumask_args *ctx)
{
	struct bpf_cpumask *mask1, *mask2, *dst1, *dst2;
	int err = 0;

	if (!create_cpumask_set(&mask1, &mask2, &dst1, &dst2, &err))
		return err;

	bpf_cpumask_set_cpu(0, mask1);
	bpf_cpumask_set_cpu(1, mask2);

	if (bpf_cpumask_and(dst1, cast(mask1), cast(mask2))) {
		err = 6;
		goto release_exit;
	}
	if (!bpf_cpumask_empty(cast(dst1))) {
		err = 7;
		goto release_exit;
	}

	bpf_cpumask_or(dst1, cast(mask1), cast(mask2));
	if (!bpf_cpumask_test_cpu(0, cast(dst1))) {
		err = 8;
		goto release_exit;
	}
	if (!bpf_cpumask_test_cpu(1, cast(dst1))) {
		err = 9;
		goto release_exit;
	}

	bpf_cpumask_xor(dst2, cast(mask1), cast(mask2));
	if (!bpf_cpumask_equal(cast(dst1), cast(dst2))) {
		err = 10;
		goto release_exit;
	}

release_exit:
	bpf_cpumask_release(mask1);
	bpf_cpumask_release(mask2);
	bpf_cpumask_release(dst1);
	bpf_cpumask_release(dst2);
	return err;
}

SEC("syscall")
int test_intersects_subset(struct cpumask_args *ctx)
{
	struct bpf_cpumask *mask1, *mask2, *dst1, *dst2;
	int err = 0;

	if (!create_cpumask_set(&mask1, &mask2, &dst1, &dst2, &err))
		return err;

	bpf_cpumask_set_cpu(0, mask1);
	bpf_cpumask_set_cpu(1, mask2);
	if (bpf_cpumask_intersects(cast(mask1), cast(mask2))) {
		err = 6;
		goto release_exit;
	}

	bpf_cpumask_or(dst1, cast(mask1), cast(mask2));
	if (!bpf_cpumask_subset(cast(mask1), cast(dst1))) {
		err = 7;
		goto release_exit;
	}

	if (!bpf_cpumask_subset(cast(mask2), cast(dst1))) {
		err = 8;
		goto release_exit;
	}

	if (bpf_cpumask_subset(cast(dst1), cast(mask1))) {
		err = 9;
		goto release_exit;
	}

release_exit:
	bpf_cpumask_release(mask1);
	bpf_cpumask_release(mask2);
	bpf_cpumask_release(dst1);
	bpf_cpumask_release(dst2);
	return err;
}

SEC("syscall")
int test_copy_any_anyand(struct cpumask_args *ctx)
{
	struct bpf_cpumask *mask1, *mask2, *dst1, *dst2;
	int err = 0;
	int cpu;

	if (!create_cpumask_set(&mask1, &mask2, &dst1, &dst2, &err))
		return err;

	bpf_cpumask_set_cpu(0, mask1);
	bpf_cpumask_set_cpu(1, mask2);
	bpf_cpumask_or(dst1, cast(mask1), cast(mask2));

	cpu = bpf_cpumask_any_distribute(cast(mask1));
	if (cpu != 0) {
		err = 6;
		goto release_exit;
	}

	cpu = bpf_cpumask_any_distribute(cast(dst2));
	if (cpu < ctx->nr_cpus) {
		err = 7;
		goto release_exit;
	}

	bpf_cpumask_copy(dst2, cast(dst1));
	if (!bpf_cpumask_equal(cast(dst1), cast(dst2))) {
		err = 8;
		goto release_exit;
	}

	cpu = bpf_cpumask_any_distribute(cast(dst2));
	if (cpu > 1) {
		err = 9;
		goto release_exit;
	}

	cpu = bpf_cpumask_any_and_distribute(cast(mask1), cast(mask2));
	if (cpu < ctx->nr_cpus) {
		err = 10;
		goto release_exit;
	}

release_exit:
	bpf_cpumask_release(mask1);
	bpf_cpumask_release(mask2);
	bpf_cpumask_release(dst1);
	bpf_cpumask_release(dst2);
	return err;
}

SEC("syscall")
int test_cpumask_weight(struct cpumask_args *ctx)
{
	struct bpf_cpumask *local;
	int err = 0;

	local = create_cpumask(&err);
	if (!local)
		return err;

	if (bpf_cpumask_weight(cast(local)) != 0) {
		err = 3;
		goto out;
	}

	bpf_cpumask_set_cpu(0, local);
	if (bpf_cpumask_weight(cast(local)) != 1) {
		err = 4;
		goto out;
	}

	/* A machine with one CPU ignores CPU 1. */
	bpf_cpumask_set_cpu(1, local);
	if (bpf_cpumask_test_cpu(1, cast(local)) && bpf_cpumask_weight(cast(local)) != 2) {
		err = 5;
		goto out;
	}

	bpf_cpumask_clear(local);
	if (bpf_cpumask_weight(cast(local)) != 0) {
		err = 6;
		goto out;
	}
out:
	bpf_cpumask_release(local);
	return err;
}

SEC("syscall")
int test_acquire_release(struct cpumask_args *ctx)
{
	struct bpf_cpumask *mask, *again;
	int err = 0;

	mask = create_cpumask(&err);
	if (!mask)
		return err;

	again = bpf_cpumask_acquire(mask);
	bpf_cpumask_set_cpu(0, again);
	if (!bpf_cpumask_test_cpu(0, cast(mask)))
		err = 3;
	bpf_cpumask_release(again);
	bpf_cpumask_release(mask);
	return err;
}

SEC("syscall")
int test_invalid_cpus(struct cpumask_args *ctx)
{
	struct bpf_cpumask *mask;
	u32 nr = ctx->nr_cpus;
	int err = 0;

	mask = create_cpumask(&err);
	if (!mask)
		return err;

	bpf_cpumask_set_cpu(nr, mask);
	if (!bpf_cpumask_empty(cast(mask)))
		err = 3;
	else if (bpf_cpumask_test_and_set_cpu(nr, mask))
		err = 4;
	else if (bpf_cpumask_test_cpu(nr, cast(mask)))
		err = 5;
	bpf_cpumask_setall(mask);
	if (!err && bpf_cpumask_weight(cast(mask)) != nr)
		err = 6;
	bpf_cpumask_release(mask);
	return err;
}

/* Loaded on its own (autoload off): hostbpf's verifier does not yet treat a
 * referenced (trusted) pointer as non-NULL in `if (p == 0)`, the kernel's
 * reg_not_null(), so it explores the dead branch and reports a leak. */
SEC("?syscall")
int test_refcount_null_tracking(struct cpumask_args *ctx)
{
	struct bpf_cpumask *mask1, *mask2;

	mask1 = bpf_cpumask_create();
	mask2 = bpf_cpumask_create();

	if (!mask1 || !mask2)
		goto free_masks_return;

	bpf_cpumask_test_cpu(0, (const struct cpumask *)mask1);
	bpf_cpumask_test_cpu(0, (const struct cpumask *)mask2);

free_masks_return:
	if (mask1)
		bpf_cpumask_release(mask1);
	if (mask2)
		bpf_cpumask_release(mask2);
	return 0;
}
