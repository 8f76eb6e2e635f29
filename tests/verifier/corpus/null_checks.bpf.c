/* Pointers that may be NULL: a comparison with zero decides them in both
 * branches, for every copy that shares the id (registers, spilled slots,
 * callers' frames); anything else leaves them maybe-NULL. */
#include "corpus.h"

struct val {
	__u64 x, y;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct val);
} hash SEC(".maps");

/* r0 = lookup(hash, &(u32)0) into r0 (maybe NULL). */
#define LOOKUP_HASH				\
	"*(u32 *)(r10 - 4) = 0;"		\
	"r2 = r10;"				\
	"r2 += -4;"				\
	"r1 = %[hash] ll;"			\
	"call %[map_lookup_elem];"

SEC("syscall")
__success
__naked int check_not_equal_zero(void)
{
	asm volatile (
	LOOKUP_HASH
	"if r0 != 0 goto 1f;"
	"exit;"
"1:	r0 = *(u64 *)(r0 + 8);"
	"exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__success
__naked int check_equal_zero(void)
{
	asm volatile (
	LOOKUP_HASH
	"if r0 == 0 goto 1f;"
	"r0 = *(u64 *)(r0 + 8);"
"1:	exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* In the NULL branch the pointer is the scalar 0. */
SEC("syscall")
__success
__naked int null_branch_is_zero(void)
{
	asm volatile (
	LOOKUP_HASH
	"if r0 != 0 goto 1f;"
	"if r0 == 0 goto 2f;"
	"r0 = *(u64 *)(r0 + 0);"	/* dead: r0 is 0 here */
"1:	r0 = 1;"
"2:	exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__success
__naked int check_covers_register_copies(void)
{
	asm volatile (
	LOOKUP_HASH
	"r6 = r0;"
	"r7 = r6;"
	"if r0 == 0 goto 1f;"
	"r0 = *(u64 *)(r7 + 0);"
"1:	exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__success
__naked int check_covers_spilled_copy(void)
{
	asm volatile (
	LOOKUP_HASH
	"*(u64 *)(r10 - 16) = r0;"
	"if r0 == 0 goto 1f;"
	"r1 = *(u64 *)(r10 - 16);"
	"r0 = *(u64 *)(r1 + 0);"
"1:	exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* Returns whether r1 is non-NULL. */
static __naked __noinline __attribute__((used)) void check_in_callee(void)
{
	asm volatile ("					\
	r0 = 0;						\
	if r1 == 0 goto l0_%=;				\
	r0 = 1;						\
l0_%=:	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__success
int check_in_c(void *ctx)
{
	__u32 k = 1;
	struct val *v = bpf_map_lookup_elem(&hash, &k);

	if (v && v->x > 3)
		return v->y;
	return 0;
}

/* Equal to a pointer that is never NULL: not NULL either. */
SEC("syscall")
__success
__naked int equal_to_non_null_pointer(void)
{
	asm volatile (
	LOOKUP_HASH
	"r6 = r0;"
	LOOKUP_HASH
	"if r6 == 0 goto 1f;"
	"if r0 != r6 goto 1f;"
	"r0 = *(u64 *)(r0 + 0);"
"1:	r0 = 0;"
	"exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked int deref_unchecked(void)
{
	asm volatile (
	LOOKUP_HASH
	"r0 = *(u64 *)(r0 + 0);"
	"exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 invalid mem access 'scalar'")
__naked int deref_in_null_branch(void)
{
	asm volatile (
	LOOKUP_HASH
	"if r0 != 0 goto 1f;"
	"r0 = *(u64 *)(r0 + 0);"
"1:	exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* Only a comparison with 0 is a NULL check. */
SEC("syscall")
__failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked int compare_with_one(void)
{
	asm volatile (
	LOOKUP_HASH
	"if r0 == 1 goto 1f;"
	"r0 = *(u64 *)(r0 + 0);"
"1:	exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A 32-bit comparison does not check a 64-bit pointer. */
SEC("syscall")
__failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked int jmp32_check(void)
{
	asm volatile (
	LOOKUP_HASH
	"if w0 == 0 goto 1f;"
	"r0 = *(u64 *)(r0 + 0);"
"1:	exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* Two lookups, two ids: checking the first says nothing of the second. */
SEC("syscall")
__failure __msg("R7 invalid mem access 'map_value_or_null'")
__naked int check_of_other_lookup(void)
{
	asm volatile (
	LOOKUP_HASH
	"r6 = r0;"
	LOOKUP_HASH
	"r7 = r0;"
	"if r6 == 0 goto 1f;"
	"r0 = *(u64 *)(r7 + 0);"
"1:	r0 = 0;"
	"exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A copy spilled before the lookup it came from was redone is stale. */
SEC("syscall")
__failure __msg("R1 invalid mem access 'map_value_or_null'")
__naked int spilled_copy_of_older_lookup(void)
{
	asm volatile (
	LOOKUP_HASH
	"*(u64 *)(r10 - 16) = r0;"
	LOOKUP_HASH
	"if r0 == 0 goto 1f;"
	"r1 = *(u64 *)(r10 - 16);"
	"r0 = *(u64 *)(r1 + 0);"
"1:	r0 = 0;"
	"exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A check made in a callee covers the caller's copies too: the pointer's id
 * is the same in every frame. */
SEC("syscall")
__success
__naked int callee_check_covers_caller_copy(void)
{
	asm volatile (
	LOOKUP_HASH
	"r6 = r0;"
	"r1 = r0;"
	"call check_in_callee;"
	"if r0 == 0 goto 1f;"
	"r0 = *(u64 *)(r6 + 0);"
"1:	r0 = 0;"
	"exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R2 type=map_value_or_null expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_")
__naked int maybe_null_as_helper_key(void)
{
	asm volatile (
	LOOKUP_HASH
	"r2 = r0;"
	"r1 = %[hash] ll;"
	"call %[map_lookup_elem];"
	"r0 = 0;"
	"exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A maybe-NULL pointer compared with a non-NULL one of a different kind
 * (the stack) still learns nothing where they differ. */
SEC("syscall")
__failure __msg("R0 invalid mem access 'map_value_or_null'")
__naked int unequal_to_stack_pointer(void)
{
	asm volatile (
	LOOKUP_HASH
	"r1 = r10;"
	"if r0 != r1 goto 1f;"
	"r0 = 0;"
	"exit;"
"1:	r0 = *(u64 *)(r0 + 0);"
	"exit;"
	:: __imm_addr(hash), __imm_helper(map_lookup_elem)
	: __clobber_all);
}
