// What a program type means: one record per type, the counterpart of the
// kernel's struct bpf_verifier_ops + struct bpf_prog_ops, together with the
// libbpf section names that produce the type and its kfunc hook.
//
// The record is plain data and function pointers over small vocabularies of
// its own (CtxAccess, isa::Insn, the public TestRunOptions), so it sits below
// every layer that asks about a type: the object loader (sections), the kfunc
// registry (hooks), prog arrays (names), the verifier (context, helpers,
// packet writes, kfunc ctx arguments), the executors (context rewrites) and
// the runtime (test runs). Nothing else switches over program types.
//
// Adding a type is one new ProgTypeOps in its own file (see xdp.cpp) plus
// its row in registry.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "hostbpf/error.h"
#include "hostbpf/prog_type.h"
#include "isa/insn.h"
#include "prog_types/kfunc_hook.h"

namespace hostbpf {
struct TestRunOptions;  // hostbpf/hostbpf.h
struct TestRunResult;
}  // namespace hostbpf

namespace hostbpf::btf {
class BtfBuilder;
}

namespace hostbpf::prog_types {

/// One libbpf section_defs row: a SEC() name and what it sets besides the type.
/// A name ending in '+' matches the bare name or the name followed by
/// "/target"; any other name matches exactly.
struct SectionDef {
  std::string_view name;
  uint32_t expected_attach_type = 0;
  bool sleepable = false;  // ".s" sections, and "syscall"
  bool xdp_frags = false;  // "xdp.frags*": BPF_F_XDP_HAS_FRAGS
};

/// A load or store of [off, off+size) of the context, as is_valid_access sees it.
struct CtxQuery {
  int32_t off;
  int32_t size;
  bool write;
  uint32_t expected_attach_type;  // some fields depend on it (xdp_md.egress_ifindex)
};

/// What a context load produces.
enum class CtxLoad : uint8_t { Scalar, Packet, PacketMeta, PacketEnd };

struct CtxAccess {
  bool ok = false;
  CtxLoad load = CtxLoad::Scalar;
};

/// A loaded program as a test run sees it: something to call with a ctx.
struct TestRunTarget {
  std::string_view name;    // the program's, for errors
  uint32_t max_ctx_offset;  // the last ctx byte the verifier saw accessed, plus one
  const void* exe;
  uint64_t (*run)(const void* exe, uint64_t ctx);
};

/// Where a program may execute, as bits of a set (ExecContexts). The kernel
/// decides it per type and attach type: who may be loaded sleepable
/// (BPF_F_SLEEPABLE: the program may block, so it runs only where blocking is
/// allowed), who must be (syscall), and who may fire inside an NMI. hostbpf's
/// NMI is an asynchronous signal handler (DESIGN.md "NMI (async-signal)
/// rules"): code there may not allocate, free, take a blocking lock or run a
/// destructor, so only types whose events can arrive there may run there.
enum ExecContext : uint8_t {
  kExecNormal = 1u << 0,     // not sleepable, on the thread's own flow
  kExecSleepable = 1u << 1,  // BPF_F_SLEEPABLE
  kExecSignal = 1u << 2,     // inside the runtime's signal (the kernel's in_nmi())
};
using ExecContexts = uint8_t;

struct ProgTypeOps {
  ProgType type;
  std::string_view name;  // libbpf_bpf_prog_type_str: "xdp", "sched_cls"
  /// The libbpf section names of this type, in libbpf's matching order.
  std::span<const SectionDef> sections;
  KfuncHook kfunc_hook = KfuncHook::Max;

  // --- bpf_verifier_ops ---
  /// is_valid_access: may the program access this ctx range, and what does a
  /// load give. Called with size > 0.
  CtxAccess (*is_valid_access)(const CtxQuery& q);
  /// btf_is_prog_ctx_type: the BTF struct names a kfunc parameter may name to
  /// take this type's ctx ("xdp_md", "xdp_buff").
  std::span<const std::string_view> ctx_type_names;
  /// may_access_direct_pkt_data for writes: packet pointers may be stored through.
  bool pkt_writable = false;
  /// get_func_proto: may a program of this type call helper `func_id`. Whether
  /// hostbpf provides the helper at all is the verifier's prototype table.
  bool (*get_func_proto)(int32_t func_id);
  /// The reference R0 holds at exit is handed to the caller rather than leaked
  /// (struct_ops operations that return a referenced object).
  bool returns_reference = false;

  /// The contexts this type's programs may run in, for an expected attach
  /// type (the kernel's can_be_sleepable, and which events reach a type from
  /// NMI). Null: kExecNormal only.
  ExecContexts (*exec_contexts)(uint32_t expected_attach_type) = nullptr;

  // --- convert_ctx_access ---
  /// Rewrites one verified ctx load to read the runtime's context record
  /// (hostbpf/context.h). Null: the ctx is the caller's memory as the program
  /// sees it, and programs that take packet pointers from it cannot run.
  void (*convert_ctx_access)(isa::Insn& insn);
  /// Describes the ctx structs this type's programs name into a host BTF
  /// (idempotent). Null: none beyond the program's own BTF.
  void (*describe_ctx_btf)(btf::BtfBuilder& b);

  // --- bpf_prog_ops ---
  /// test_run (BPF_PROG_TEST_RUN). Null: this type cannot be test-run.
  Result<TestRunResult> (*test_run)(const TestRunTarget& prog, const TestRunOptions& opts);
};

/// The record of `type`; every ProgType enumerator has one. A value outside
/// the enum (a cast from a raw integer that find() would refuse) gets the
/// Unspec record: loaders check raw values with find() first.
const ProgTypeOps& ops(ProgType type);

/// The record of a raw enum bpf_prog_type value, or nullptr when it names none.
const ProgTypeOps* find(uint32_t raw_type);

/// t.exec_contexts(expected_attach_type), or kExecNormal where it has none.
ExecContexts exec_contexts(const ProgTypeOps& t, uint32_t expected_attach_type);

/// check_attach_btf_id's rules for BPF_F_SLEEPABLE, with the kernel's
/// messages (-EINVAL):
///   "Syscall programs can only be sleepable"     (a type that runs only sleepable)
///   "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable"
Error check_exec_context(const ProgTypeOps& t, uint32_t expected_attach_type, bool sleepable);

/// Where a program loaded with these attributes runs: a sleepable program
/// only where it may sleep; any other in normal context, and in signal
/// context too where its type allows. A program whose set lacks kExecSignal
/// must never be run from a signal handler.
ExecContexts program_exec_contexts(const ProgTypeOps& t, uint32_t expected_attach_type, bool sleepable);

/// Every record, in enum order.
std::span<const ProgTypeOps* const> all();

/// What a SEC() name resolves to.
struct SectionMatch {
  const ProgTypeOps* ops;
  const SectionDef* def;
  std::string_view target;  // what follows "name/" for '+' names ("do_work" of "fentry/do_work")
};

/// Resolves a section name as libbpf does. A leading '?' ("do not load
/// automatically") is ignored for matching. nullopt: no program type.
std::optional<SectionMatch> match_section(std::string_view section);

/// Describes every type's ctx structs into `b` (describe_ctx_btf of each).
void describe_ctx_types(btf::BtfBuilder& b);

/// Everything a host BTF has before the host's own registrations: what
/// programs expect of vmlinux.h (btf::add_standard_types) and every type's
/// ctx structs. Idempotent.
void add_host_types(btf::BtfBuilder& b);

}  // namespace hostbpf::prog_types
