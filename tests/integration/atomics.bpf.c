// Atomic instructions on a map value and on globals, with and without fetch
// (-mcpu=v3): add, or, and, xor, xchg, cmpxchg (hit and miss), 64 and 32 bits.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct cells {
	__u64 add;
	__u64 orv;
	__u64 andv;
	__u64 xorv;
	__u64 xchg;
	__u64 cmpxchg;
	__u32 add32;
	__u32 or32;
	__u32 xchg32;
	__u32 cmpxchg32;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cells);
} cells_map SEC(".maps");

struct cells g_cells = {.andv = ~0ULL, .cmpxchg = 5, .cmpxchg32 = 9};  // .data
__u64 old[16];                                                       // .bss: fetched values

// Applies the same operations to `c`, storing each fetched old value in out[].
static __always_inline void apply(struct cells *c, __u64 *out)
{
	__u64 cur;

	__sync_fetch_and_add(&c->add, 5);                      // no fetch
	out[0] = __sync_fetch_and_add(&c->add, 7);
	__sync_fetch_and_or(&c->orv, 0x100);                   // no fetch
	out[1] = __sync_fetch_and_or(&c->orv, 0xf0);
	__sync_fetch_and_and(&c->andv, ~0x1ULL);               // no fetch
	out[2] = __sync_fetch_and_and(&c->andv, 0xff00ff00ff00ff00ULL);
	__sync_fetch_and_xor(&c->xorv, 0x3);                   // no fetch
	out[3] = __sync_fetch_and_xor(&c->xorv, 0xff);
	out[4] = __sync_lock_test_and_set(&c->xchg, c->xchg + 0x1234);
	cur = c->cmpxchg;
	out[5] = __sync_val_compare_and_swap(&c->cmpxchg, cur, cur * 3);  // hit
	out[6] = __sync_val_compare_and_swap(&c->cmpxchg, 12345, 999);    // miss: unchanged
	out[7] = __sync_fetch_and_add(&c->add32, 0x7fffffff);             // wraps on the 2nd run
	out[8] = __sync_fetch_and_or(&c->or32, 0x80000001);
	out[9] = __sync_lock_test_and_set(&c->xchg32, 0xfffffffe);
	out[10] = __sync_val_compare_and_swap(&c->cmpxchg32, 9, 10);      // hits once
}

SEC("syscall")
int atomics_map(void *ctx)
{
	__u32 k = 0;
	struct cells *c = bpf_map_lookup_elem(&cells_map, &k);

	if (!c)
		return -1;
	apply(c, old);
	return c->add + c->cmpxchg;
}

SEC("syscall")
int atomics_global(void *ctx)
{
	apply(&g_cells, old);
	return g_cells.add + g_cells.cmpxchg32;
}

char LICENSE[] SEC("license") = "GPL";
