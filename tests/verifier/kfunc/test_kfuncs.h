/* The test kfuncs as BPF programs declare them (kfunc_fixture.cpp defines
 * them on the host). */
#pragma once
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct test_obj {
	long value;
	long refs;
	struct test_other *next;
};
struct test_wrapper {
	struct test_obj inner;
	long extra;
};
struct test_other {
	long x;
};

extern long test_add(long a, long b) __ksym;
extern int test_neg(int v) __ksym;
extern struct test_obj *test_obj_new(long v) __ksym;
extern void test_obj_release(struct test_obj *o) __ksym;
extern struct test_obj *test_obj_acquire(struct test_obj *o) __ksym;
extern long test_obj_get(struct test_obj *o) __ksym;
extern long test_obj_get_rcu(struct test_obj *o) __ksym;
extern long test_obj_peek(struct test_obj *o) __ksym;
extern struct test_obj *test_obj_global(void) __ksym;
extern struct test_wrapper *test_wrapper_global(void) __ksym;
extern struct test_other *test_other_global(void) __ksym;
extern long test_sleepy(void) __ksym;
extern long test_destructive(void) __ksym;
extern long test_syscall_only(void) __ksym;
extern long test_sum_mem(const unsigned char *buf, unsigned int buf__sz) __ksym;
extern long test_const(long v__k) __ksym;
extern long test_bad_acquire(void) __ksym;
extern int *test_int_ptr(void) __ksym;
extern long test_nullable(struct test_obj *o__nullable) __ksym;
extern long test_sum_opt(const unsigned char *buf__opt, unsigned int size__sz) __ksym;
extern long test_ctx(struct xdp_md *ctx) __ksym;

/* libbpf >= 1.2 defines it; Debian 12's bpf_helpers.h does not. */
#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) ({ _Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); !!sym; })
#endif
