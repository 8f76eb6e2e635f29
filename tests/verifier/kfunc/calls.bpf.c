// Programs that call the test kfuncs (kfunc_fixture.cpp); each is loaded on
// its own by kfunc_calls_test.cpp ('?' sections: not autoloaded).
#include "test_kfuncs.h"

char LICENSE[] SEC("license") = "GPL";

struct args {
	long a;
};

SEC("?syscall")
int add(struct args *ctx)
{
	return test_add(ctx->a, 5) + test_neg(7);
}

SEC("?syscall")
int acquire_release(struct args *ctx)
{
	struct test_obj *o = test_obj_new(ctx->a);
	long v;

	if (!o)
		return -1;
	v = test_obj_get(o) + o->value;
	test_obj_release(o);
	return v;
}

SEC("?syscall")
int acquire_twice(void *ctx)
{
	struct test_obj *o = test_obj_new(3), *o2;
	long v;

	if (!o)
		return -1;
	o2 = test_obj_acquire(o);
	v = o2->refs;
	test_obj_release(o2);
	test_obj_release(o);
	return v;
}

SEC("?syscall")
int leak(void *ctx)
{
	struct test_obj *o = test_obj_new(1);

	if (!o)
		return -1;
	return 0;
}

SEC("?syscall")
int no_null_check(void *ctx)
{
	struct test_obj *o = test_obj_new(1);
	long v = o->value;

	test_obj_release(o);
	return v;
}

SEC("?syscall")
int use_after_release(void *ctx)
{
	struct test_obj *o = test_obj_new(1);

	if (!o)
		return -1;
	test_obj_release(o);
	return o->value;
}

SEC("?syscall")
int release_unacquired(void *ctx)
{
	struct test_obj *o = test_obj_global();

	test_obj_release(o);
	return 0;
}

SEC("?syscall")
int trusted_rejects_plain(void *ctx)
{
	return test_obj_get(test_obj_global());
}

SEC("?syscall")
int rcu_rejects_plain(void *ctx)
{
	return test_obj_get_rcu(test_obj_global());
}

SEC("?syscall")
int rcu_accepts_referenced(struct args *ctx)
{
	struct test_obj *o = test_obj_new(ctx->a);
	long v;

	if (!o)
		return -1;
	v = test_obj_get_rcu(o);
	test_obj_release(o);
	return v;
}

SEC("?syscall")
int trusted_null(void *ctx)
{
	return test_obj_get(0);
}

SEC("?syscall")
int untrusted_walk(void *ctx)
{
	struct test_obj *g = test_obj_global();
	struct test_other *n = g->next;

	/* g is not trusted, so n is untrusted: reading through it is fault-safe */
	return n->x + g->value;
}

SEC("?syscall")
int first_member(void *ctx)
{
	return test_obj_peek((struct test_obj *)test_wrapper_global());
}

SEC("?syscall")
int wrong_struct(void *ctx)
{
	return test_obj_peek((struct test_obj *)test_other_global());
}

SEC("?syscall")
int write_field(void *ctx)
{
	struct test_obj *g = test_obj_global();

	g->value = 1;
	return 0;
}

SEC("?syscall")
int read_beyond(void *ctx)
{
	struct test_other *g = test_other_global();

	return *(long *)((char *)g + 8);
}

SEC("?syscall")
int sleepable_ok(void *ctx)
{
	return test_sleepy();
}

SEC("?xdp")
int sleepable_in_xdp(struct xdp_md *ctx)
{
	return test_sleepy();
}

SEC("?syscall")
int destructive(void *ctx)
{
	return test_destructive();
}

SEC("?xdp")
int not_allowed(struct xdp_md *ctx)
{
	return test_syscall_only();
}

SEC("?syscall")
int sum_mem(void *ctx)
{
	unsigned char buf[4] = {1, 2, 3, 4};

	return test_sum_mem(buf, sizeof(buf));
}

SEC("?syscall")
int sum_mem_overflow(void *ctx)
{
	unsigned char buf[4] = {1, 2, 3, 4};

	return test_sum_mem(buf, 8);
}

SEC("?syscall")
int const_ok(void *ctx)
{
	return test_const(42);
}

SEC("?syscall")
int const_unknown(struct args *ctx)
{
	return test_const(ctx->a);
}

SEC("?syscall")
int release_offset(void *ctx)
{
	struct test_obj *o = test_obj_new(1);

	if (!o)
		return -1;
	test_obj_release((struct test_obj *)((char *)o + 8));
	return 0;
}

SEC("?syscall")
int bad_acquire(void *ctx)
{
	return test_bad_acquire();
}

SEC("?syscall")
int int_ptr(void *ctx)
{
	return *test_int_ptr();
}

SEC("?syscall")
int int_ptr_write(void *ctx)
{
	*test_int_ptr() = 1;
	return 0;
}

SEC("?syscall")
int nullable(void *ctx)
{
	return test_nullable(0);
}

SEC("?syscall")
int opt_null(void *ctx)
{
	return test_sum_opt(0, 0);
}

SEC("?xdp")
int ctx_arg(struct xdp_md *ctx)
{
	return test_ctx(ctx) == 1000 ? XDP_PASS : XDP_DROP;
}

SEC("?xdp")
int ctx_arg_wrong(struct xdp_md *ctx)
{
	struct xdp_md fake = {};

	return test_ctx(&fake);
}

SEC("?syscall")
int probe_null(void *ctx)
{
	struct test_wrapper *w = test_wrapper_global();

	/* inner.next is NULL on the host: the fault-safe load gives 0 */
	return w->inner.next->x + 1;
}

SEC("?syscall")
int null_tracking(void *ctx)
{
	struct test_obj *a = test_obj_new(1), *b = test_obj_new(2);
	long v = 0;

	if (!a || !b)
		goto out;
	v = a->value + b->value;
out:
	/* a referenced pointer is never NULL (reg_not_null): no leaking path */
	if (a)
		test_obj_release(a);
	if (b)
		test_obj_release(b);
	return v;
}
