// What the public handles (Runtime, Object, Program, Map) point at.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "exec/executable.h"
#include "helpers/run_env.h"
#include "kfunc/kfunc_set.h"
#include "module/module.h"
#include "hostbpf/hostbpf.h"
#include "runtime/access.h"
#include "struct_ops/table.h"
#include "maps/map.h"
#include "object/object_spec.h"
#include "runtime/host_registrar.h"
#include "runtime/id_registry.h"
#include "runtime/kfunc_resolve.h"
#include "runtime/module_registry.h"
#include "runtime/trace_output.h"

namespace hostbpf::detail {

/// A runtime: its options and the registries it is made of, each owning its
/// lock and offering an API (no file reaches into another's internals).
struct RuntimeState {
  explicit RuntimeState(RuntimeOptions o);
  /// Unloads the modules still loaded (newest first).
  ~RuntimeState();

  RuntimeOptions opts;
  TraceOutput trace;
  helpers::RunEnv env;  // what this runtime's programs reach: its trace output

  /// The host's BTF (vmlinux's counterpart): owner "vmlinux", is_module false.
  /// Every module's split BTF sits on top of host.btf.
  module::BtfOwner host;
  /// Every owner's kfunc sets, destructors and function addresses (the host's first).
  kfunc::KfuncRegistry kfuncs;
  /// Every owner's registered struct_ops types (the host's, and each loaded
  /// module's).
  struct_ops::StructOpsTable struct_ops;
  /// The host's Registrar (Runtime::host()), describing into host.btf in
  /// place until sealed.
  std::unique_ptr<HostRegistrar> host_registrar;
  /// Provider modules, published and loaded.
  ModuleRegistry modules;
  /// This runtime's programs by id.
  IdRegistry ids;

  /// Seals the host BTF (the first object open, raw load or module load;
  /// `why` names it in later -EBUSY errors). Returns the host's error.
  Error seal_host(const std::string& why) { return host_registrar->seal(why); }
};

struct ProgramState {
  std::shared_ptr<RuntimeState> rt;
  std::string name;
  std::string section;
  ProgType prog_type = ProgType::Unspec;
  uint32_t id = 0;
  /// Before load: as parsed. After load: the xlated instructions (maps resolved).
  std::vector<isa::Insn> insns;
  std::vector<object::LineInfo> line_info;
  std::vector<object::FuncInfo> func_info;
  object::BtfPtr btf;  // the object's BTF (func_info names types in it)
  bool gpl_compatible = true;
  bool autoload = true;
  std::shared_ptr<exec::Executable> exe;             // set by load
  RunEntry run_entry;                                 // exe's entry, set with it (Program::run)
  /// Set by load when the program cannot run (exec::CtxRuntime::Unsupported):
  /// why, for test_run's error; Program::run then returns -EOPNOTSUPP.
  std::string run_refusal;
  /// Set by load: the verifier's log (at the requested level), statistics and
  /// the last ctx byte the program may touch (test runs need that much ctx).
  std::string verifier_log;
  VerifierStats verifier_stats;
  uint32_t max_ctx_offset = 0;
  std::vector<std::shared_ptr<maps::Map>> used_maps;  // kept alive while the program lives
  std::vector<uint32_t> used_map_ids;                 // parallel to used_maps, for dumps
  std::vector<std::string> used_map_names;
  /// From the program's section (set when its object is loaded).
  uint32_t expected_attach_type = 0;
  bool sleepable = false;
  bool xdp_has_frags = false;
  /// The object's extern kfuncs, resolved by name when the object is loaded
  /// (kfunc_resolve.h), indexed by the loader's ksym index.
  std::vector<KsymTarget> ksyms;
  /// References on the modules whose kfuncs the program calls, held while
  /// the program lives (the kernel's kfunc_btf_tab).
  std::vector<std::shared_ptr<module::ModuleRef>> module_refs;
};

struct LoadedMap {
  std::shared_ptr<maps::Map> map;
  uint32_t id = 0;
  std::string section;  // global data: ".data", ".rodata", ...; empty otherwise
};

struct ObjectState {
  std::shared_ptr<RuntimeState> rt;
  object::ObjectSpec spec;
  std::vector<std::shared_ptr<ProgramState>> programs;  // parallel to spec.programs
  std::vector<LoadedMap> maps;                          // parallel to spec.maps once loaded
  bool loaded = false;
};

/// Verifies one program (unless the unsafe option says not to), resolves its
/// map references and prepares it for execution.
Error load_program(ProgramState& prog, const std::vector<LoadedMap>& maps, const exec::ExecOptions& base,
                   const LoadOptions& opts);

}  // namespace hostbpf::detail
