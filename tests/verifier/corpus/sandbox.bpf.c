/* Attempts on the sandbox that the verifier must refuse (SECURITY.md): ways
 * to hand the runtime a context, a callback or a pointer it did not make. The
 * runtime-side attempts are in tests/security. */
#include "corpus.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jmp SEC(".maps");

/* A tail call passes R1 on as the next program's context: only the context. */
SEC("xdp")
__failure __msg("R1 type=fp expected=ctx")
__naked int tail_call_with_stack_as_ctx(void)
{
	asm volatile ("					\
	r1 = 0;						\
	*(u64 *)(r10 - 8) = r1;				\
	r1 = r10;					\
	r1 += -8;					\
	r2 = %[jmp] ll;					\
	r3 = 0;						\
	call %[tail_call];				\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(jmp), __imm_helper(tail_call)
	: __clobber_all);
}

SEC("xdp")
__failure __msg("dereference of modified ctx ptr R1 off=8 disallowed")
__naked int tail_call_with_moved_ctx(void)
{
	asm volatile ("					\
	r1 += 8;					\
	r2 = %[jmp] ll;					\
	r3 = 0;						\
	call %[tail_call];				\
	r0 = 0;						\
	exit;						\
"	:: __imm_addr(jmp), __imm_helper(tail_call)
	: __clobber_all);
}

SEC("xdp")
__failure __msg("helper access to the packet is not allowed")
__naked int tail_call_with_packet_as_ctx(void)
{
	asm volatile ("					\
	r2 = *(u32 *)(r1 + 0);				\
	r3 = *(u32 *)(r1 + 4);				\
	r1 = r2;					\
	r1 += 8;					\
	if r1 > r3 goto l0_%=;				\
	r1 = r2;					\
	r2 = %[jmp] ll;					\
	r3 = 0;						\
	call %[tail_call];				\
l0_%=:	r0 = 0;						\
	exit;						\
"	:: __imm_addr(jmp), __imm_helper(tail_call)
	: __clobber_all);
}

/* A callback is a subprogram of the same program, never an address. */
SEC("syscall")
__failure __msg("R2 type=scalar expected=func")
__naked int loop_callback_from_a_number(void)
{
	asm volatile ("					\
	r1 = 1;						\
	r2 = 0x1000;					\
	r3 = 0;						\
	r4 = 0;						\
	call %[loop];					\
	r0 = 0;						\
	exit;						\
"	:: __imm_helper(loop)
	: __clobber_all);
}

/* A spilled context pointer with one byte overwritten is no pointer. */
SEC("xdp")
__failure __msg("R1 invalid mem access 'scalar'")
__naked int spilled_ctx_partly_overwritten(void)
{
	asm volatile ("					\
	*(u64 *)(r10 - 8) = r1;				\
	r2 = 0;						\
	*(u8 *)(r10 - 8) = r2;				\
	r1 = *(u64 *)(r10 - 8);				\
	r0 = *(u32 *)(r1 + 0);				\
	exit;						\
"	::: __clobber_all);
}

/* Nothing writes an XDP context: not a store, not a helper. */
SEC("xdp")
__failure __msg("invalid bpf_context access off=0 size=4")
__naked int xdp_store_into_data(void)
{
	asm volatile ("					\
	r2 = 0x1000;					\
	*(u32 *)(r1 + 0) = r2;				\
	r0 = 0;						\
	exit;						\
"	::: __clobber_all);
}

SEC("xdp")
__failure __msg("R1 type=ctx expected=fp")
__naked int xdp_helper_writes_into_ctx(void)
{
	asm volatile ("					\
	r2 = 8;						\
	r3 = 0;						\
	call %[probe_read_kernel];			\
	r0 = 0;						\
	exit;						\
"	:: __imm_helper(probe_read_kernel)
	: __clobber_all);
}

/* Pointer fields are read whole: half a pointer is no pointer. */
SEC("xdp")
__failure __msg("invalid bpf_context access off=4 size=2")
__naked int xdp_narrow_load_of_data_end(void)
{
	asm volatile ("					\
	r0 = *(u16 *)(r1 + 4);				\
	exit;						\
"	::: __clobber_all);
}

/* What the rewrite must keep working: every field, read as the UAPI says. */
SEC("xdp")
__success
__naked int xdp_reads_every_field(void)
{
	asm volatile ("					\
	r2 = *(u32 *)(r1 + 0);				\
	r3 = *(u32 *)(r1 + 4);				\
	r4 = *(u32 *)(r1 + 8);				\
	r5 = *(u32 *)(r1 + 12);				\
	r0 = *(u32 *)(r1 + 16);				\
	exit;						\
"	::: __clobber_all);
}

/* Only helpers that say so take packet pointers: a helper that writes its
 * destination would otherwise write past what the program checked. */
SEC("xdp")
__failure __msg("helper access to the packet is not allowed")
__naked int xdp_packet_as_helper_destination(void)
{
	asm volatile ("					\
	r2 = *(u32 *)(r1 + 0);				\
	r3 = *(u32 *)(r1 + 4);				\
	r1 = r2;					\
	r1 += 8;					\
	if r1 > r3 goto l0_%=;				\
	r1 = r2;					\
	r2 = 8;						\
	r3 = 0;						\
	call %[probe_read_kernel];			\
l0_%=:	r0 = 0;						\
	exit;						\
"	:: __imm_helper(probe_read_kernel)
	: __clobber_all);
}

/* A pointer-sized context field is read whole or not at all: the upper half
 * of __sk_buff.sk is no scalar to hand out. */
SEC("tc")
__failure __msg("invalid bpf_context access off=172 size=4")
__naked int tc_upper_half_of_sk(void)
{
	asm volatile ("					\
	r0 = *(u32 *)(r1 + 172);			\
	exit;						\
"	::: __clobber_all);
}

SEC("tc")
__failure __msg("invalid bpf_context access off=168 size=4")
__naked int tc_lower_half_of_sk(void)
{
	asm volatile ("					\
	r0 = *(u32 *)(r1 + 168);			\
	exit;						\
"	::: __clobber_all);
}

/* A zero-sized helper access is still bounds-checked: this one may lie
 * anywhere in [-16, 48) from the frame pointer. */
SEC("socket")
__failure __msg("invalid variable-offset write to stack R1")
__naked int zero_sized_var_off_stack_above_the_frame(void)
{
	asm volatile ("					\
	r0 = 0;						\
	*(u64 *)(r10 - 16) = r0;			\
	*(u64 *)(r10 - 8) = r0;				\
	r1 = *(u32 *)(r1 + 0);				\
	r1 &= 63;					\
	r1 += -16;					\
	r1 += r10;					\
	r2 = 0;						\
	r3 = 0;						\
	call %[probe_read_kernel];			\
	exit;						\
"	:: __imm_helper(probe_read_kernel)
	: __clobber_all);
}

/* A bpf_loop callback that reaches the context through its caller's stack
 * and tail-calls. Both refuse it at the call; hostbpf says "tail_call is not
 * allowed in callbacks", the kernel (6.18) only "verifier bug: callback
 * unexpected regs 1" from an internal check (DIFFERENCES.md). */
struct loop_ctx {
	void *ctx;
};

static long tail_call_from_callback(__u64 i, struct loop_ctx *lc)
{
	bpf_tail_call(lc->ctx, &jmp, 0);
	return 0;
}

SEC("xdp")
__failure __msg("call bpf_tail_call#12")
int callback_tail_calls(struct xdp_md *ctx)
{
	struct loop_ctx lc = {.ctx = ctx};
	bpf_loop(2, tail_call_from_callback, &lc, 0);
	return XDP_PASS;
}
