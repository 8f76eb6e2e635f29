// The bpf_cpumask kfunc library (the kernel's kernel/bpf/cpumask.c): a
// refcounted CPU mask that programs create, fill, query, stash in maps as a
// kptr and release, with the kernel's names, flags and semantics.
//
// CPU numbers are those of hostbpf's CPU slots: nr_cpu_ids is
// possible_cpus() (base/cpu.h), capped at kNrCpus, the size of the mask (the
// kernel's NR_CPUS). As in the kernel, a CPU at or past nr_cpu_ids is invalid:
// set/clear do nothing, test returns false, and the searches (first,
// first_zero, first_and, any_distribute) return a value >= nr_cpu_ids when no
// CPU qualifies. Whole-mask operations look at the first nr_cpu_ids bits only.
//
// Lifetime: create() returns an object with one reference; acquire() adds one
// and release() drops one. The last release frees the object after an RCU
// grace period (liburcu's call_rcu), because a program may still hold an
// RCU-protected pointer to it, loaded from a map's kptr field, and read it
// until its own read-side section ends. That is why the verifier lets KF_RCU
// kfuncs take such pointers.
//
// NMI caveat: the kernel allocates from bpf_mem_alloc, which is safe in NMI.
// create() here uses the C++ heap and release() queues a call_rcu callback,
// neither async-signal-safe; programs running in signal context (perf_event,
// the nmi_handler tracepoint) must not call them until signal-safe allocation
// arrives with its own issue.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "base/rcu.h"
#include "btf/builder.h"
#include "hostbpf/error.h"
#include "hostbpf/registrar.h"
#include "kfunc/flags.h"

namespace hostbpf::kfunc {

/// The kernel's NR_CPUS for hostbpf: the most CPU slots possible_cpus() allows.
inline constexpr uint32_t kNrCpus = 4096;

/// struct cpumask { unsigned long bits[BITS_TO_LONGS(NR_CPUS)]; }
struct Cpumask {
  unsigned long bits[kNrCpus / (8 * sizeof(unsigned long))];
};

/// struct bpf_cpumask { cpumask_t cpumask; refcount_t usage; }: what the
/// host BTF describes. The RCU head after it is the host's own bookkeeping,
/// past the end of the BTF struct, so programs never see it.
struct BpfCpumask {
  Cpumask cpumask;  // must stay at offset 0: a bpf_cpumask* is a cpumask*
  std::atomic<int> usage;
  struct rcu_head rcu;
};
static_assert(offsetof(BpfCpumask, cpumask) == 0);
static_assert(sizeof(std::atomic<int>) == sizeof(int));

/// The number of valid CPUs: min(possible_cpus(), kNrCpus).
uint32_t cpumask_nr_cpu_ids();

/// How many bpf_cpumask objects exist (created and not yet freed): for leak
/// checks in tests and by hosts.
uint64_t bpf_cpumask_live_count();

// The kfuncs, with the kernel's signatures (u32 is unsigned int).
BpfCpumask* bpf_cpumask_create();
BpfCpumask* bpf_cpumask_acquire(BpfCpumask* cpumask);
void bpf_cpumask_release(BpfCpumask* cpumask);
/// The destructor a map runs on a stored kptr: void(void*), as newer kernels
/// register so that indirect calls through it pass CFI.
void bpf_cpumask_release_dtor(void* cpumask);
unsigned int bpf_cpumask_first(const Cpumask* cpumask);
unsigned int bpf_cpumask_first_zero(const Cpumask* cpumask);
unsigned int bpf_cpumask_first_and(const Cpumask* src1, const Cpumask* src2);
void bpf_cpumask_set_cpu(unsigned int cpu, BpfCpumask* cpumask);
void bpf_cpumask_clear_cpu(unsigned int cpu, BpfCpumask* cpumask);
bool bpf_cpumask_test_cpu(unsigned int cpu, const Cpumask* cpumask);
bool bpf_cpumask_test_and_set_cpu(unsigned int cpu, BpfCpumask* cpumask);
bool bpf_cpumask_test_and_clear_cpu(unsigned int cpu, BpfCpumask* cpumask);
void bpf_cpumask_setall(BpfCpumask* cpumask);
void bpf_cpumask_clear(BpfCpumask* cpumask);
/// dst = src1 & src2; true when the result is not empty.
bool bpf_cpumask_and(BpfCpumask* dst, const Cpumask* src1, const Cpumask* src2);
void bpf_cpumask_or(BpfCpumask* dst, const Cpumask* src1, const Cpumask* src2);
void bpf_cpumask_xor(BpfCpumask* dst, const Cpumask* src1, const Cpumask* src2);
bool bpf_cpumask_equal(const Cpumask* src1, const Cpumask* src2);
bool bpf_cpumask_intersects(const Cpumask* src1, const Cpumask* src2);
/// Every CPU of src1 is in src2.
bool bpf_cpumask_subset(const Cpumask* src1, const Cpumask* src2);
bool bpf_cpumask_empty(const Cpumask* cpumask);
bool bpf_cpumask_full(const Cpumask* cpumask);
void bpf_cpumask_copy(BpfCpumask* dst, const Cpumask* src);
/// A set CPU, spreading successive calls on one thread over the mask
/// (cpumask_any_distribute: the next set CPU after this thread's last pick,
/// wrapping); >= nr_cpu_ids when the mask is empty.
unsigned int bpf_cpumask_any_distribute(const Cpumask* cpumask);
unsigned int bpf_cpumask_any_and_distribute(const Cpumask* src1, const Cpumask* src2);
unsigned int bpf_cpumask_weight(const Cpumask* cpumask);

/// Describes struct cpumask, typedef cpumask_t, refcount_t and struct
/// bpf_cpumask into `b` with the kernel's layout (typedefs of one-member
/// structs, a size without the host's RCU head): kernel types reproduced
/// as the kernel's BTF has them, like the other standard types, which a
/// Registrar's define<T> (one C++ struct, one BTF struct) cannot express.
/// Errors are left in the builder.
void add_cpumask_types(btf::BtfBuilder& b);

/// Registers the library through the public Registrar, as any host library
/// would: binds Cpumask and BpfCpumask to the types above, adds every kfunc
/// with the kernel's parameter names, one set with the kernel's flags for
/// TRACING, STRUCT_OPS and SYSCALL programs, and bpf_cpumask_release_dtor as
/// struct bpf_cpumask's destructor.
Error register_cpumask_kfuncs(Registrar& r);

}  // namespace hostbpf::kfunc
