/* Scalars: what ALU instructions and comparisons teach the verifier about a
 * value (tnum plus signed/unsigned 64- and 32-bit bounds), shown through the
 * accesses those bounds allow or forbid, and the ALU checks of their own
 * (division by a zero constant, shift amounts). */
#include "corpus.h"

struct val16 {
	unsigned char buf[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct val16);
} arr SEC(".maps");

struct args {
	__u32 a, b;
	__u64 c;
	__s32 s;
};

static __always_inline struct val16 *arr_value(void)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&arr, &k);
}

/* r0 = &arr[0] or exit 0 (r1-r5 clobbered), for the assembly programs. */
#define LOOKUP_ARR_OR_EXIT			\
	"r1 = 0;"				\
	"*(u32 *)(r10 - 4) = r1;"		\
	"r2 = r10;"				\
	"r2 += -4;"				\
	"r1 = %[arr] ll;"			\
	"call %[map_lookup_elem];"		\
	"if r0 != 0 goto 1f;"			\
	"exit;"					\
	"1:"

SEC("syscall")
__success
int and_mask_bounds_index(struct args *ctx)
{
	struct val16 *v = arr_value();

	if (!v)
		return 0;
	return v->buf[ctx->a & 15];
}

SEC("syscall")
__success
int unsigned_check_bounds_index(struct args *ctx)
{
	struct val16 *v = arr_value();
	__u32 i = ctx->a;

	if (!v || i >= 16)
		return 0;
	return v->buf[i];
}

SEC("syscall")
__success
int signed_checks_both_ends(struct args *ctx)
{
	struct val16 *v = arr_value();
	int i = ctx->s;

	if (!v || i < 0 || i >= 16)
		return 0;
	return v->buf[i];
}

SEC("syscall")
__success
int shift_right_bounds(struct args *ctx)
{
	struct val16 *v = arr_value();

	if (!v)
		return 0;
	return v->buf[ctx->a >> 28];
}

SEC("syscall")
__success
int multiply_bounds(struct args *ctx)
{
	struct val16 *v = arr_value();

	if (!v)
		return 0;
	return *(__u32 *)&v->buf[(ctx->a & 3) * 4];
}

SEC("syscall")
__success
int subtract_bounds(struct args *ctx)
{
	struct val16 *v = arr_value();

	if (!v)
		return 0;
	return v->buf[15 - (ctx->a & 7)];
}

/* (a & 7) | 8 is in [8, 15]: the tnum knows bit 3 is set. */
SEC("syscall")
__success
__naked int or_sets_known_bits(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"r6 &= 7;"
	"r6 |= 8;"
	"if r6 < 8 goto 2f;"		/* never taken */
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = *(u64 *)(r6 + 0);"		/* dead: r6 is a scalar */
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* w1 = -1 zero-extends: r1 >> 32 is exactly 0. */
SEC("syscall")
__success
__naked int alu32_zero_extends(void)
{
	asm volatile (
	LOOKUP_ARR_OR_EXIT
	"w1 = -1;"
	"r1 >>= 32;"
	"r0 += r1;"
	"r0 = *(u8 *)(r0 + 15);"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A branch the bounds prove dead is never explored. */
SEC("syscall")
__success
__naked int dead_branch_skipped(void)
{
	asm volatile ("					\
	r1 = *(u32 *)(r1 + 0);				\
	r1 &= 15;					\
	if r1 > 15 goto l0_%=;				\
	r0 = 0;						\
	exit;						\
l0_%=:	r0 = *(u64 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

/* Equality with a constant makes the register that constant. */
SEC("syscall")
__success
__naked int equality_makes_constant(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"if r6 != 12 goto 2f;"
	"r0 += r6;"
	"r0 = *(u32 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A 32-bit comparison bounds a zero-extended value on 64 bits too. */
SEC("syscall")
__success
__naked int jmp32_bounds_zero_extended(void)
{
	asm volatile (
	"w6 = *(u32 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"if w6 > 15 goto 2f;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A copy made before the check is bounded by it too (linked scalars). */
SEC("syscall")
__success
__naked int copies_share_bounds(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"r7 = r6;"
	"if r6 > 15 goto 2f;"
	"r0 += r7;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* Signed lower and upper bounds from two signed comparisons. */
SEC("syscall")
__success
__naked int signed_range_checks(void)
{
	asm volatile (
	"r6 = *(u64 *)(r1 + 8);"
	LOOKUP_ARR_OR_EXIT
	"if r6 s< 0 goto 2f;"
	"if r6 s> 15 goto 2f;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* Division and modulo by a register are fine: a zero divisor gives 0 (mod:
 * the dividend) at run time. */
SEC("syscall")
__success
int divide_by_register(struct args *ctx)
{
	return ctx->a / ctx->b + ctx->a % ctx->b;
}

SEC("syscall")
__success
__naked int byte_swap_unknown(void)
{
	asm volatile ("					\
	r0 = *(u32 *)(r1 + 0);				\
	r0 = be16 r0;					\
	r0 = be64 r0;					\
	exit;						\
"	::: __clobber_all);
}

/* Big arithmetic that never reaches memory is no business of the verifier. */
SEC("syscall")
__success
__naked int unbounded_math_unused(void)
{
	asm volatile ("					\
	r0 = *(u64 *)(r1 + 8);				\
	r0 *= 0x7fffffff;				\
	r0 <<= 40;					\
	r0 s>>= 3;					\
	r0 -= r0;					\
	exit;						\
"	::: __clobber_all);
}

/* 0 - (a & 7) is in [-7, 0]; adding 15 gives [8, 15]. */
SEC("syscall")
__success
__naked int negate_then_add(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"r6 &= 7;"
	"r6 = -r6;"
	"r6 += 15;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("unbounded memory access, make sure to bounds check any such access")
int index_not_checked(struct args *ctx)
{
	struct val16 *v = arr_value();

	if (!v)
		return 0;
	return v->buf[ctx->a];
}

SEC("syscall")
__failure
__msg("invalid access to map value, value_size=16 off=16 size=1")
__msg("R0 max value is outside of the allowed memory range")
__naked int index_off_by_one(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"if r6 > 16 goto 2f;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 min value is negative, either use unsigned index or do a if (index >=0) check.")
__naked int signed_index_only_upper_check(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 16);"
	LOOKUP_ARR_OR_EXIT
	"r6 <<= 32;"
	"r6 s>>= 32;"
	"if r6 s> 15 goto 2f;"
	"if r6 s< -8 goto 2f;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 max value is outside of the allowed memory range")
int mask_too_wide(struct args *ctx)
{
	struct val16 *v = arr_value();

	if (!v)
		return 0;
	return v->buf[ctx->a & 31];
}

SEC("syscall")
__failure __msg("R0 invalid mem access 'scalar'")
__naked int dead_branch_is_live(void)
{
	asm volatile ("					\
	r1 = *(u32 *)(r1 + 0);				\
	r1 &= 31;					\
	r0 = 0;						\
	if r1 > 15 goto l0_%=;				\
	exit;						\
l0_%=:	r0 = *(u64 *)(r0 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("R0 invalid mem access 'scalar'")
__naked int deref_constant(void)
{
	asm volatile ("					\
	r0 = 4096;					\
	r0 = *(u64 *)(r0 + 0);				\
	exit;						\
"	::: __clobber_all);
}

SEC("syscall")
__failure __msg("div by zero")
__naked int divide_by_zero_constant(void)
{
	asm volatile ("					\
	r0 = *(u32 *)(r1 + 0);				\
	.8byte %[div];					\
	exit;						\
"	:: [div] "i"(RAW_INSN(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 0, 0))
	: __clobber_all);
}

SEC("syscall")
__failure __msg("div by zero")
__naked int modulo_by_zero_constant(void)
{
	asm volatile ("					\
	w0 = *(u32 *)(r1 + 0);				\
	.8byte %[mod];					\
	exit;						\
"	:: [mod] "i"(RAW_INSN(BPF_ALU | BPF_MOD | BPF_K, 0, 0, 0, 0))
	: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid shift 64")
__naked int shift_by_64(void)
{
	asm volatile ("					\
	r0 = 1;						\
	.8byte %[lsh];					\
	exit;						\
"	:: [lsh] "i"(RAW_INSN(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, 64))
	: __clobber_all);
}

SEC("syscall")
__failure __msg("invalid shift 32")
__naked int shift32_by_32(void)
{
	asm volatile ("					\
	w0 = 1;						\
	.8byte %[rsh];					\
	exit;						\
"	:: [rsh] "i"(RAW_INSN(BPF_ALU | BPF_RSH | BPF_K, 0, 0, 0, 32))
	: __clobber_all);
}

/* The 32-bit check says nothing about the upper half of a 64-bit load. */
SEC("syscall")
__failure __msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked int jmp32_check_on_64bit_value(void)
{
	asm volatile (
	"r6 = *(u64 *)(r1 + 8);"
	LOOKUP_ARR_OR_EXIT
	"if w6 > 15 goto 2f;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* An unsigned upper bound on a signed 64-bit value leaves it unbounded below. */
SEC("syscall")
__failure __msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked int signed_check_only_upper(void)
{
	asm volatile (
	"r6 = *(u64 *)(r1 + 8);"
	LOOKUP_ARR_OR_EXIT
	"if r6 s> 15 goto 2f;"
	"r0 += r6;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* Shifts by a register are not tracked: the result is unknown. */
SEC("syscall")
__failure __msg("math between map_value pointer and register with unbounded min value is not allowed")
__naked int shift_by_register_untracked(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	LOOKUP_ARR_OR_EXIT
	"r6 &= 3;"
	"r1 = 1;"
	"r1 <<= r6;"
	"r0 += r1;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}

/* A copy made after the check was never bounded. */
SEC("syscall")
__failure __msg("unbounded memory access, make sure to bounds check any such access")
__naked int copy_after_check_of_other(void)
{
	asm volatile (
	"r6 = *(u32 *)(r1 + 0);"
	"r7 = *(u32 *)(r1 + 4);"
	LOOKUP_ARR_OR_EXIT
	"if r6 > 15 goto 2f;"
	"r0 += r7;"
	"r0 = *(u8 *)(r0 + 0);"
	"exit;"
"2:	r0 = 0;"
	"exit;"
	:: __imm_addr(arr), __imm_helper(map_lookup_elem)
	: __clobber_all);
}
