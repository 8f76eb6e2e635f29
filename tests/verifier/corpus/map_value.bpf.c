/* Map values: lookups and their bounds, array lookups that cannot fail,
 * global data (.data, .bss, read-only .rodata), and atomics on values. */
#include "corpus.h"

struct val16 {
	__u64 cnt;
	__u32 a, b;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct val16);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct val16);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct val16);
} hash SEC(".maps");

__u64 counter;			/* .bss: value_size 8 */
__u32 seed = 7;			/* .data */
const volatile __u32 limit = 10; /* .rodata: read-only for programs */

struct args {
	__u32 a, b;
};

/* An array lookup with a known in-range key cannot fail: the key is a
 * spilled constant of the key's size (or zero bytes). */
SEC("syscall")
__success __log_level(2)
__msg("R0=map_value(map=arr,ks=4,vs=16)")
__naked int array_constant_key_is_never_null(void)
{
	asm volatile ("					\
	r1 = 1;						\
	*(u32 *)(r10 - 8) = r1;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r0 = *(u64 *)(r0 + 0);				\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__success
__naked int percpu_array_constant_key(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[pcpu] ll;				\
	call %[map_lookup_elem];			\
	r0 = *(u32 *)(r0 + 12);				\
	exit;						\
"	:: __imm_addr(pcpu), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked int array_key_out_of_range(void)
{
	asm volatile ("					\
	r1 = 2;						\
	*(u32 *)(r10 - 4) = r1;				\
	r2 = r10;					\
	r2 += -4;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r0 = *(u64 *)(r0 + 0);				\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A non-zero key written off a slot boundary is plain data, not a known
 * constant; and a key that is not known exactly may be out of range. */
SEC("syscall")
__failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked int array_key_not_a_spill(void)
{
	asm volatile ("					\
	r1 = 1;						\
	*(u32 *)(r10 - 4) = r1;				\
	r2 = r10;					\
	r2 += -4;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r0 = *(u64 *)(r0 + 0);				\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked int array_unknown_key(void)
{
	asm volatile ("					\
	r1 = *(u32 *)(r1 + 0);				\
	r1 &= 1;					\
	*(u32 *)(r10 - 4) = r1;				\
	r2 = r10;					\
	r2 += -4;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r0 = *(u64 *)(r0 + 0);				\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked int hash_lookup_unchecked(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[hash] ll;				\
	call %[map_lookup_elem];			\
	r0 = *(u64 *)(r0 + 0);				\
	exit;						\
"	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__success
int hash_lookup_checked(struct args *ctx)
{
	__u32 k = ctx->a;
	struct val16 *v = bpf_map_lookup_elem(&hash, &k);

	if (!v)
		return 0;
	v->cnt += 1;
	v->a = ctx->b;
	v->b = v->a + 1;
	return v->b;
}

SEC("syscall")
__failure __msg("invalid access to map value, value_size=16 off=12 size=8")
__naked int write_past_the_value(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[hash] ll;				\
	call %[map_lookup_elem];			\
	if r0 == 0 goto l0_%=;				\
	r1 = 1;						\
	*(u64 *)(r0 + 12) = r1;				\
l0_%=:	r0 = 0;						\
	exit;						\
"	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid access to map value, value_size=16 off=-4 size=4")
__naked int read_before_the_value(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[hash] ll;				\
	call %[map_lookup_elem];			\
	if r0 == 0 goto l0_%=;				\
	r0 = *(u32 *)(r0 - 4);				\
l0_%=:	exit;						\
"	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* Unaligned plain loads of a value are fine. */
SEC("syscall")
__success
__naked int unaligned_value_load(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r0 = *(u32 *)(r0 + 3);				\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* ---- global data */

SEC("syscall")
__success
int globals_read_and_write(void *ctx)
{
	counter += seed;
	seed = counter & 0xff;
	return counter < limit;
}

/* The kernel reads a frozen .rodata value as the constant it holds (10), a
 * valid index; hostbpf sees an unknown u32. */
SEC("syscall")
__failure __msg("unbounded memory access, make sure to bounds check any such access")
__hostbpf_differs("loads from frozen read-only maps give unknown scalars, not the constants they hold")
int rodata_value_as_index(void *ctx)
{
	__u32 k = 0;
	unsigned char *v = bpf_map_lookup_elem(&arr, &k);

	if (!v)
		return 0;
	return v[limit];
}

SEC("syscall")
__failure __msg("write into map forbidden, value_size=4 off=0 size=4")
__naked int write_to_rodata(void)
{
	asm volatile ("					\
	r1 = %[limit] ll;				\
	r2 = 1;						\
	*(u32 *)(r1 + 0) = r2;				\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(limit)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid access to map value, value_size=8 off=8 size=8")
__naked int read_past_bss(void)
{
	asm volatile ("					\
	r1 = %[counter] ll;				\
	r0 = *(u64 *)(r1 + 8);				\
	exit;						\
"	:: __imm_addr(counter)
	: __clobber_all);
}

/* A global's address is a map value pointer: arithmetic is checked. */
SEC("syscall")
__success
__naked int global_address_arithmetic(void)
{
	asm volatile ("					\
	r1 = %[counter] ll;				\
	r1 += 4;					\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	:: __imm_addr(counter)
	: __clobber_all);
}

/* ---- atomics on values */

SEC("syscall")
__success
int atomic_add_in_value(void *ctx)
{
	__u32 k = 0;
	struct val16 *v = bpf_map_lookup_elem(&arr, &k);

	if (!v)
		return 0;
	__sync_fetch_and_add(&v->cnt, 1);
	return __sync_val_compare_and_swap(&v->a, 0, 5);
}

SEC("syscall")
__success
__naked int atomic_xchg_in_value(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r1 = 3;						\
	r1 = xchg_64(r0 + 0, r1);			\
	r0 = r1;					\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* Atomics are aligned wherever they go. */
SEC("syscall")
__failure __msg("misaligned value access off 0+0+2 size 4")
__naked int misaligned_atomic_in_value(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r1 = 1;						\
	lock *(u32 *)(r0 + 2) += w1;			\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid access to map value, value_size=16 off=16 size=8")
__naked int atomic_past_the_value(void)
{
	asm volatile ("					\
	*(u32 *)(r10 - 8) = 0;				\
	r2 = r10;					\
	r2 += -8;					\
	r1 = %[arr] ll;					\
	call %[map_lookup_elem];			\
	r1 = 1;						\
	lock *(u64 *)(r0 + 16) += r1;			\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A privileged program may add a pointer's value into memory. */
SEC("syscall")
__success
__naked int atomic_add_of_pointer(void)
{
	asm volatile ("					\
	r0 = 0;						\
	*(u64 *)(r10 - 8) = r0;				\
	lock *(u64 *)(r10 - 8) += r10;			\
	exit;						\
"	::: __clobber_all);
}

/* A fetching atomic reads the slot as a fill would: the spilled pointer. */
SEC("syscall")
__success
__naked int atomic_fetch_reads_spilled_pointer(void)
{
	asm volatile ("					\
	*(u64 *)(r10 - 8) = r1;				\
	r1 = 0;						\
	r1 = atomic_fetch_add((u64 *)(r10 - 8), r1);	\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}
