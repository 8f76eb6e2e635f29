// hostbpf — an embeddable eBPF runtime for C++ applications.
//
// The host opens ELF objects that clang compiled from libbpf-style BPF C, loads
// them (maps are created, relocations resolved, every program checked), and runs
// programs the way the kernel's BPF_PROG_TEST_RUN does, or directly on the hot
// path. This header is the whole public API; everything is documented here.
//
//   hostbpf::Runtime rt;
//   auto obj = rt.open("policy.bpf.o");
//   if (!obj) { std::cerr << obj.error().message() << "\n"; return 1; }
//   if (auto err = obj->load()) { std::cerr << err.message() << "\n" << err.log(); return 1; }
//   auto prog = obj->program("classify");
//   auto res = prog->test_run({.ctx_in = &ctx, .ctx_size_in = sizeof ctx});
//
// Programs call host functions (kfuncs) that the host registers through
// Runtime::host() (hostbpf/registrar.h) or that provider modules add
// (Runtime::modules(), hostbpf/module.h for writing one).
//
// Handles (Object, Program, Map) share ownership of what they name: a Program
// keeps its maps alive, and an Object keeps everything it loaded. Handles are
// cheap to copy. A Runtime must outlive every handle made from it.
//
// Thread-safety: a loaded Program may run on any number of threads at once; map
// operations may be called concurrently from any thread. Loading an Object is
// not concurrent with other calls on the same Object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hostbpf/context.h"
#include "hostbpf/error.h"
#include "hostbpf/registrar.h"

namespace hostbpf {

// hostbpf's own state, opaque here: handles below hold it by pointer, and
// only the runtime's sources (src/runtime/access.h) reach inside.
namespace detail {
struct RuntimeState;
struct ObjectState;
struct ProgramState;
struct Access;
/// Where Program::run enters: an executor's entry point and its object, both
/// opaque to the host. Until the program is loaded it enters run_unloaded
/// (-EINVAL); a program that cannot run enters run_unsupported_ctx (-EOPNOTSUPP).
uint64_t run_unloaded(const void* exe, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);
uint64_t run_unsupported_ctx(const void* exe, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);
struct RunEntry {
  uint64_t (*fn)(const void* exe, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) = run_unloaded;
  const void* exe = nullptr;
};
}  // namespace detail
namespace maps {
class Map;
}

/// One eBPF instruction, the kernel's struct bpf_insn layout.
struct Insn {
  uint8_t code;
  uint8_t dst_reg : 4;
  uint8_t src_reg : 4;
  int16_t off;
  int32_t imm;
};
static_assert(sizeof(Insn) == 8);

struct RuntimeOptions {
  /// Where bpf_trace_printk()/bpf_printk() lines go (one call per line, without
  /// the newline). Unset: stderr, prefixed with the program name like the
  /// kernel's trace_pipe. Called from the thread that runs the program.
  std::function<void(std::string_view line)> trace;

  /// The host BTF to start from instead of an empty one: a raw BTF file (e.g.
  /// `pahole --btf_encode_detached=host.btf ./host` from the host's DWARF) or
  /// an ELF file with a .BTF section, or the same bytes in memory. The
  /// standard types programs expect from vmlinux.h are added to it where
  /// missing. An unreadable BTF makes every later call of the Runtime fail
  /// with the error that names it (see Runtime::error()).
  std::string host_btf_file;
  std::vector<uint8_t> host_btf_blob;

  /// Whether programs may call KF_DESTRUCTIVE kfuncs (the kernel asks for
  /// CAP_SYS_BOOT). Off: such a program fails to load with "destructive kfunc
  /// calls require CAP_SYS_BOOT capability" (-EACCES).
  bool allow_destructive_kfuncs = false;
};

/// Map as the host sees it (the syscall side of the kernel's map API). Keys and
/// values are byte spans of exactly key_size() and value_size() bytes; per-CPU
/// maps take and return possible_cpus() values, each padded to 8 bytes.
class Map {
 public:
  Map() = default;
  explicit operator bool() const { return m_ != nullptr; }

  const std::string& name() const;
  uint32_t type() const;          // enum bpf_map_type
  uint32_t key_size() const;
  uint32_t value_size() const;    // of one value as programs see it
  uint32_t max_entries() const;
  uint32_t flags() const;
  /// Bytes a lookup/update on this side transfers: value_size(), or
  /// possible_cpus() * round_up(value_size(), 8) for per-CPU maps.
  size_t sys_value_size() const;

  /// BPF_MAP_LOOKUP_ELEM: -ENOENT when absent.
  Error lookup(std::span<const uint8_t> key, std::span<uint8_t> value) const;
  /// BPF_MAP_UPDATE_ELEM with BPF_ANY (0), BPF_NOEXIST (1) or BPF_EXIST (2).
  Error update(std::span<const uint8_t> key, std::span<const uint8_t> value, uint64_t flags = 0);
  /// BPF_MAP_DELETE_ELEM.
  Error remove(std::span<const uint8_t> key);
  /// BPF_MAP_GET_NEXT_KEY: an empty `key` gives the first key; -ENOENT at the end.
  Error next_key(std::span<const uint8_t> key, std::span<uint8_t> next) const;

  /// Typed conveniences for fixed-size keys and values.
  template <class K, class V>
  Error lookup(const K& key, V* value) const {
    return lookup({reinterpret_cast<const uint8_t*>(&key), sizeof(K)}, {reinterpret_cast<uint8_t*>(value), sizeof(V)});
  }
  template <class K, class V>
  Error update(const K& key, const V& value, uint64_t flags = 0) {
    return update({reinterpret_cast<const uint8_t*>(&key), sizeof(K)},
                  {reinterpret_cast<const uint8_t*>(&value), sizeof(V)}, flags);
  }

  /// BPF_MAP_TYPE_RINGBUF only: hands every committed record to `fn` in order and
  /// returns how many were consumed (discarded records are skipped). `fn`
  /// returning non-zero stops early, and that value is returned as the error.
  Result<size_t> ringbuf_consume(const std::function<int(std::span<const uint8_t> record)>& fn);
  /// Like ringbuf_consume, but first waits up to `timeout_ms` (-1: forever) for a
  /// record to be available.
  Result<size_t> ringbuf_poll(const std::function<int(std::span<const uint8_t> record)>& fn, int timeout_ms);


 private:
  friend struct detail::Access;
  explicit Map(std::shared_ptr<maps::Map> m) : m_(std::move(m)) {}
  std::shared_ptr<maps::Map> m_;
};

/// BPF_PROG_TEST_RUN's input. Unset buffers are empty.
struct TestRunOptions {
  /// Context. syscall: the program's ctx (read/write; copied out to ctx_out).
  /// xdp: an optional struct xdp_md whose fields other than data/data_end/data_meta are used.
  const void* ctx_in = nullptr;
  size_t ctx_size_in = 0;
  void* ctx_out = nullptr;
  size_t ctx_size_out = 0;
  /// Packet (xdp). Copied like the kernel does; the program may modify it.
  const void* data_in = nullptr;
  size_t data_size_in = 0;
  void* data_out = nullptr;
  size_t data_size_out = 0;
  /// Runs the program this many times (at least once); duration is the mean.
  uint32_t repeat = 1;
};

struct TestRunResult {
  uint64_t retval = 0;         // R0 of the last run (the kernel truncates to 32 bits; we do not)
  uint64_t duration_ns = 0;    // mean wall time per run
  size_t data_size_out = 0;    // bytes of packet after the run (xdp)
  size_t ctx_size_out = 0;
};

/// The verifier's statistics for one program (its log's last lines).
struct VerifierStats {
  bool verified = false;  // false only when loaded with unsafe_skip_verification
  uint32_t processed_insns = 0;
  uint32_t total_states = 0;
  uint32_t peak_states = 0;
  uint32_t max_states_per_insn = 0;
  uint64_t time_usec = 0;
};

class Program {
 public:
  Program() = default;
  explicit operator bool() const { return p_ != nullptr; }

  const std::string& name() const;
  const std::string& section() const;
  ProgType type() const;
  uint32_t id() const;                       // unique in the process, like a kernel prog id
  /// libbpf's bpf_program__set_autoload: a program with autoload off is left
  /// unloaded (and unverified) by Object::load. On by default, except for
  /// sections starting with '?'. Only before load; -EBUSY after.
  Error set_autoload(bool autoload);
  bool autoload() const;
  bool loaded() const;
  /// The verifier's log at LoadOptions::log_level (empty at level 0).
  const std::string& verifier_log() const;
  VerifierStats verifier_stats() const;
  /// Instructions after loading fixups (the kernel's "xlated" view).
  std::span<const Insn> insns() const;
  /// Kernel-style listing of insns(), with `; source @ file.c:12` lines where the
  /// object has line info.
  std::string dump_xlated() const;

  /// BPF_PROG_TEST_RUN semantics for this program's type (syscall, xdp).
  Result<TestRunResult> test_run(const TestRunOptions& opts) const;

  /// Hot path: runs the program with R1 = ctx and returns R0, with no copies and
  /// no checks beyond those done at load. When the program cannot run at all
  /// (see try_run for when), run() returns that errno as a 64-bit value, which
  /// a program could also return: a host that must tell the two apart calls
  /// try_run, or calls it once to learn that run() will run.
  ///
  /// The host's contract for ctx (the verifier proved the program against it;
  /// nothing checks it at run time, so a host that breaks it breaks the sandbox):
  ///  - xdp: a hostbpf::XdpContext (hostbpf/context.h) whose pointers frame one
  ///    readable and writable buffer for the whole run.
  ///  - syscall and the types whose context is plain memory (kprobe, tracing,
  ///    perf_event, raw_tp, ...): at least as many readable bytes as the
  ///    verifier saw accessed (the kernel's max_ctx_offset; test_run checks it),
  ///    writable where the type lets programs write (syscall).
  ///  - types that read packet pointers from a context hostbpf cannot provide
  ///    (struct __sk_buff, ...), and xdp programs loaded without verification:
  ///    they do not run, and return -EOPNOTSUPP.
  ///
  /// A run holds this thread's CPU slot and an RCU read-side section for its
  /// whole duration, like a kernel program run with migration disabled under
  /// rcu_read_lock, and routes the helpers' output (trace) to this program's
  /// Runtime. Runs nest: a helper or host function called by a program may run
  /// another program on the same thread. Inline: a run is one indirect call
  /// into the executor, which does all of the above itself. A program that is
  /// not loaded does not run and returns -EINVAL as a 64-bit value.
  uint64_t run(void* ctx) const { return run_->fn(run_->exe, reinterpret_cast<uint64_t>(ctx), 0, 0, 0, 0); }
  /// The same with R2 = arg2: uBPF's convention of passing (memory, length), as
  /// raw programs and the conformance suite expect.
  uint64_t run(void* ctx, uint64_t arg2) const {
    return run_->fn(run_->exe, reinterpret_cast<uint64_t>(ctx), arg2, 0, 0, 0);
  }

  /// run(), telling "the program returned R0" from "the program did not run":
  /// an error when it is not loaded (-EINVAL), cannot run with its context
  /// (-EOPNOTSUPP, with the reason), or this thread cannot get a CPU slot
  /// (-EBUSY; the check is prepare_thread(), so the first call on a thread may
  /// allocate: not for signal handlers, which call prepare_thread() beforehand
  /// and then run()). Otherwise R0. The checks come before the run and cost
  /// the hot path nothing.
  Result<uint64_t> try_run(void* ctx, uint64_t arg2 = 0) const;

 private:
  friend struct detail::Access;
  explicit Program(std::shared_ptr<detail::ProgramState> p);
  std::shared_ptr<detail::ProgramState> p_;
  const detail::RunEntry* run_ = nullptr;  // inside *p_, filled when it is loaded
};

struct LoadOptions {
  /// The verifier's log: 0 none (a rejection still carries the path to the
  /// error), 1 the path to the error, 2 every instruction with its state.
  /// Accepted programs keep their log in Program::verifier_log().
  int log_level = 0;
  /// UNSAFE, for debugging the runtime only: load without running the verifier
  /// (structure checks still apply). A program loaded this way can read and
  /// write any memory of the host process.
  bool unsafe_skip_verification = false;
};

class Object {
 public:
  Object() = default;
  explicit operator bool() const { return o_ != nullptr; }

  const std::string& name() const;

  /// Creates the maps (initialising global data and prog arrays), resolves
  /// relocations and checks every program. On failure nothing stays loaded and
  /// the error names the program, section and instruction.
  Error load(const LoadOptions& opts = {});
  bool loaded() const;

  /// Programs and maps in ELF order. Available after open() (maps: after load()).
  std::vector<Program> programs() const;
  std::vector<Map> maps() const;
  /// By function name (programs), or by map name; global-data maps also answer
  /// to their section name (".data", ".rodata", ".bss"). -ENOENT when absent.
  Result<Program> program(std::string_view name) const;
  Result<Map> map(std::string_view name) const;


 private:
  friend struct detail::Access;
  explicit Object(std::shared_ptr<detail::ObjectState> o) : o_(std::move(o)) {}
  std::shared_ptr<detail::ObjectState> o_;
};

/// Options for programs given as raw instructions (uBPF-style embedding, the
/// conformance suite).
struct RawProgramOptions {
  std::string name = "raw";
  ProgType type = ProgType::Syscall;
  /// The kernel's expected_attach_type (enum bpf_attach_type), for types whose
  /// meaning depends on it (tracing: BPF_TRACE_FENTRY, BPF_TRACE_ITER, ...).
  uint32_t expected_attach_type = 0;
  /// BPF_F_SLEEPABLE. Unset: what libbpf's sections give the type (syscall
  /// programs are sleepable, no other type's bare section is). A type that
  /// cannot run so fails to load with the kernel's message, e.g. "Only
  /// fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be
  /// sleepable" or "Syscall programs can only be sleepable" (-EINVAL).
  std::optional<bool> sleepable;
  /// Helper implementations by id, replacing the kernel helper of that id for
  /// this program only. A helper may stop the program with stop_program().
  struct Helper {
    int32_t id;
    uint64_t (*fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
  };
  std::vector<Helper> helpers;
  /// Accept `callx rN` (call the helper whose id is in rN), the conformance
  /// suite's extension to the ISA. The verifier cannot reason about it, so it
  /// requires unsafe_skip_verification.
  bool allow_callx = false;
  /// As LoadOptions.
  int log_level = 0;
  bool unsafe_skip_verification = false;
};

/// Provider modules: shared objects that add their own kfuncs in split BTF over
/// the host's (see hostbpf/module.h for writing one). A module goes COMING
/// (its BTF published, its init running) -> LIVE (init returned 0) -> GOING.
/// Programs that call a module's kfuncs hold a reference on it for their whole
/// life; a program naming a module that is not LIVE fails to load with -ENXIO.
/// Every call may be made from any thread; a module's init runs on the thread
/// that loads it, without blocking other modules' loads and unloads.
class Modules {
 public:
  /// dlopen()s `path` and runs its init. Returns the module's name: the file
  /// name without directories and ".so". -ENOENT/-ENOEXEC naming the path when
  /// it cannot be opened or is not a hostbpf module; -EEXIST when a module of
  /// that name is loaded; init's error (with the module's message) when init
  /// fails, and -ECANCELED with the exception's message ("module NAME: init
  /// threw an exception: ...") when it throws; either way everything it
  /// registered is gone again.
  Result<std::string> load(const std::string& path);
  /// -EBUSY while a program (or anything else) holds a reference, or while
  /// its init is still running; otherwise
  /// the module goes GOING, its exit runs, its kfuncs and types are removed,
  /// and after an RCU grace period its code is unmapped. -ENOENT when no
  /// module has that name. When exit throws, the module is unloaded all the
  /// same and the result is -ECANCELED with the exception's message.
  Error unload(const std::string& name);
  /// Names of the loaded modules, in load order.
  std::vector<std::string> names() const;
  /// The module's split BTF in its raw encoding (own types only); -ENOENT.
  Result<std::vector<uint8_t>> btf_raw(const std::string& name) const;


 private:
  friend class Runtime;
  explicit Modules(detail::RuntimeState* s) : s_(s) {}
  detail::RuntimeState* s_;
};

/// From inside a helper: end the running program, which returns `r0`.
void stop_program(uint64_t r0);

/// The two formats of `bpftool btf dump`.
enum class BtfFormat : uint8_t {
  C,    // a self-contained C header (`format c`)
  Raw,  // the type listing, one type per line (`format raw`)
};

/// A BTF file (an ELF object's .BTF section, or raw BTF such as
/// /sys/kernel/btf/vmlinux) as `bpftool btf dump file PATH format c|raw`
/// prints it. The BTF is checked before anything walks it; an error names the
/// file and, where libbpf refused it, libbpf's reason in parentheses.
Result<std::string> dump_btf_file(const std::string& path, BtfFormat format);

class Runtime {
 public:
  explicit Runtime(RuntimeOptions opts = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// Parses an ELF object (no maps are created until Object::load()).
  Result<Object> open(const std::string& path);
  Result<Object> open_memory(std::span<const uint8_t> elf, const std::string& name);

  /// Loads a program given as instructions, with no maps (the uBPF model).
  Result<Program> load_raw(std::span<const Insn> insns, const RawProgramOptions& opts = {});

  /// What the host describes to programs: its types and kfuncs, through the
  /// Registrar (hostbpf/registrar.h) that provider modules describe theirs
  /// through too. Every runtime starts with the standard vmlinux.h types and
  /// the built-in kfunc library (bpf_cpumask_*). Open until the host BTF is
  /// sealed by the first open(), open_memory(), load_raw() or modules().load();
  /// -EBUSY afterwards.
  Registrar& host();
  /// Provider modules.
  Modules& modules() { return modules_; }

  /// The host BTF as `bpftool btf dump ... format c|raw` prints vmlinux's:
  /// BtfFormat::C is the header programs include instead of vmlinux.h (every
  /// type, then the kfunc prototypes as bpftool emits them); BtfFormat::Raw
  /// lists the types. Seals the host BTF.
  Result<std::string> host_btf_dump(BtfFormat format = BtfFormat::C);
  /// The host BTF's raw encoding (what /sys/kernel/btf/vmlinux holds). Seals it.
  Result<std::vector<uint8_t>> host_btf_raw();
  /// A loaded module's split BTF: as C, a header with the host's types it
  /// builds on and the host's and module's kfunc prototypes; as Raw, only the
  /// module's own types, with their split ids. -ENOENT when not loaded.
  Result<std::string> module_btf_dump(const std::string& name, BtfFormat format = BtfFormat::C);

  /// The error of building the host BTF from RuntimeOptions (empty when none).
  const Error& error() const;


 private:
  friend struct detail::Access;
  std::shared_ptr<detail::RuntimeState> s_;
  Modules modules_;
};

/// Number of CPU slots (the kernel's possible CPUs): per-CPU maps hold this many
/// values, and bpf_get_smp_processor_id() returns a slot below it. Each thread
/// that runs programs owns one slot from its first run until it exits. Fixed at
/// first use: HOSTBPF_POSSIBLE_CPUS from the environment, else max(64, hardware threads).
uint32_t possible_cpus();

/// Prepares the calling thread to run programs: claims its CPU slot and
/// registers it with RCU. A thread otherwise does both on its first run, and
/// both may allocate or take a lock, so a thread that will run programs where
/// neither is allowed (an async signal handler, a real-time loop) calls this
/// first, outside that context. Idempotent. -EBUSY when every CPU slot is
/// owned by another thread (see possible_cpus()).
Error prepare_thread();

/// The bytes of a whole file, read the way the runtime reads objects and BTF
/// (for a host that fills a test-run context or a map value from a file):
/// regular files, pipes and devices up to 256 MiB. Errors name the path and
/// the reason with the errno-style code: "PATH: cannot open: No such file or
/// directory" (-ENOENT), "PATH: is a directory" (-EISDIR), "PATH: cannot
/// read: ..." and "PATH: larger than 256 MiB" (-EFBIG).
Result<std::vector<uint8_t>> read_file(const std::string& path);

/// Name of a map type, e.g. "hash" for BPF_MAP_TYPE_HASH.
std::string map_type_name(uint32_t type);

}  // namespace hostbpf
