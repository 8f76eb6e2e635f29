/* The verifier corpus's annotations, in the convention of the kernel's BPF
 * selftests (tools/testing/selftests/bpf/progs/bpf_misc.h and test_loader.c):
 * each program carries its expected verdict and log messages as BTF decl tags
 * on its function, which the runners read back from the object's BTF.
 *
 *   SEC("syscall")
 *   __failure __msg("R0 !read_ok")
 *   __naked int exit_without_r0(void)
 *   {
 *           asm volatile ("exit;" ::: __clobber_all);
 *   }
 *
 * __success / __failure   the verdict hostbpf must give (and the kernel too,
 *                         unless __hostbpf_differs says otherwise)
 * __msg("text")           a substring of the verifier log; several must appear
 *                         in the order written (source order is kept with
 *                         __COUNTER__: clang does not promise tag order)
 * __log_level(n)          the log level to load with (default 1)
 * __hostbpf_differs("why") a deliberate difference from the kernel: the kernel's
 *                         verdict is the opposite one, for the reason given
 *                         (listed in DIFFERENCES.md); __msg is then hostbpf's only
 * __kernel_msg("text")    with __hostbpf_differs: what the kernel's log says
 */
#ifndef HOSTBPF_CORPUS_H
#define HOSTBPF_CORPUS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif

#define __CORPUS_STR(x) #x
#define __CORPUS_XSTR(x) __CORPUS_STR(x)

#define __success __attribute__((btf_decl_tag("comment:test_expect_success")))
#define __failure __attribute__((btf_decl_tag("comment:test_expect_failure")))
#define __msg(m) \
	__attribute__((btf_decl_tag("comment:test_expect_msg=" __CORPUS_XSTR(__COUNTER__) "=" m)))
#define __log_level(n) __attribute__((btf_decl_tag("comment:test_log_level=" #n)))
#define __hostbpf_differs(why) __attribute__((btf_decl_tag("comment:hostbpf_differs=" why)))
#define __kernel_msg(m) \
	__attribute__((btf_decl_tag("comment:kernel_expect_msg=" __CORPUS_XSTR(__COUNTER__) "=" m)))

/* Inline assembly, as in the kernel's progs/verifier_*.c. */
#define __naked __attribute__((naked))
#define __clobber_all "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "memory"
#define __clobber_common "r0", "r1", "r2", "r3", "r4", "r5", "memory"
/* `call %[map_lookup_elem]` with __imm_helper(map_lookup_elem): the helper's id. */
#define __imm_helper(name) [name] "i"(BPF_FUNC_##name)
#define __imm_const(name, expr) [name] "i"(expr)
/* `r1 = %[map] ll` with __imm_addr(map): a map (or global) by relocation. */
#define __imm_addr(name) [name] "i"(&name)

/* One instruction as raw bits, for encodings the assembler will not write:
 * asm volatile (".8byte %[bad];" :: [bad] "i"(RAW_INSN(0xff, 0, 0, 0, 0))). */
#define RAW_INSN(code, dst, src, off, imm)                                                   \
	((unsigned long long)(code) | ((unsigned long long)((dst) | ((src) << 4)) << 8) |     \
	 ((unsigned long long)((off) & 0xffff) << 16) | ((unsigned long long)(unsigned int)(imm) << 32))

/* A file may define CORPUS_LICENSE first (to test GPL-only helpers). */
#ifndef CORPUS_LICENSE
#define CORPUS_LICENSE "GPL"
#endif
char _license[] SEC("license") = CORPUS_LICENSE;

#endif
