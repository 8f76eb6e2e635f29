/* kfunc calls: hostbpf cannot call kernel functions yet, and refuses an
 * object that declares one (a listed difference: DIFFERENCES.md). The kernel
 * verifies these. */
#include "corpus.h"

struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/* An open-coded iterator loop: kfuncs hostbpf does not provide. */
SEC("syscall")
__failure __msg("not found in kernel or module BTFs")
__hostbpf_differs("hostbpf has no bpf_iter_num kfuncs (open-coded iterators): the extern is not resolved")
int open_coded_iterator(void *ctx)
{
	struct bpf_iter_num it;
	int *v, sum = 0;

	bpf_iter_num_new(&it, 0, 10);
	while ((v = bpf_iter_num_next(&it)))
		sum += *v;
	bpf_iter_num_destroy(&it);
	return sum;
}

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

SEC("xdp")
__failure __msg("not found in kernel or module BTFs")
__hostbpf_differs("hostbpf has no bpf_iter_num / bpf_rcu_read_lock kfuncs: the object's externs are not resolved")
int rcu_read_section(struct xdp_md *ctx)
{
	bpf_rcu_read_lock();
	bpf_rcu_read_unlock();
	return XDP_PASS;
}
