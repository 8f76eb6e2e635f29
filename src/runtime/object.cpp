// Object: loading a parsed ELF object, as libbpf's bpf_object__load does against
// the kernel: create the maps (global data initialised, .rodata frozen), resolve
// every map reference, check and prepare each program, then fill prog arrays.
#include <fmt/format.h>

#include <cstring>

#include "exec/executable.h"
#include "exec/fixup.h"
#include "isa/validate.h"
#include "maps/prog_array.h"
#include "prog_types/prog_type_ops.h"
#include "runtime/core_relo.h"
#include "runtime/state.h"
#include "verifier/verifier.h"

namespace hostbpf {
namespace detail {
namespace {

Result<LoadedMap> create_object_map(RuntimeState& rt, const object::MapDef& def) {
  auto created = maps::create_map(def.spec);
  if (!created.ok()) return std::move(created).error();
  LoadedMap lm;
  lm.map = std::move(created.value());
  lm.id = IdRegistry::alloc_map_id();
  lm.section = def.is_global_data ? def.data_section : std::string();

  if (def.is_global_data && !def.initial_value.empty()) {
    uint64_t addr = 0;
    long rc = lm.map->direct_value_addr(0, &addr);
    if (rc != 0) return Error(static_cast<int>(rc), fmt::format("map '{}': no direct value access", def.spec.name));
    if (def.initial_value.size() > def.spec.value_size)
      return Error(-EINVAL, fmt::format("map '{}': initial value of {} bytes exceeds value_size {}", def.spec.name,
                                        def.initial_value.size(), def.spec.value_size));
    std::memcpy(reinterpret_cast<void*>(addr), def.initial_value.data(), def.initial_value.size());
  }
  // libbpf freezes .rodata after writing it, so the host cannot change what the
  // program was loaded with.
  if (def.read_only) lm.map->freeze();
  if (auto* pa = dynamic_cast<maps::ProgArray*>(lm.map.get())) {
    RuntimeState* rtp = &rt;  // the Runtime outlives its maps (hostbpf.h)
    pa->set_resolver([rtp](uint32_t id) { return rtp->ids.find_prog(id); });
  }
  return lm;
}

// Turns the loader's "by index" map references into what the executor loads:
// BPF_PSEUDO_MAP_FD with the Map* and BPF_PSEUDO_MAP_VALUE with the value
// address, as the kernel's resolve_pseudo_ldimm64 does with fds.
}  // namespace

// Runs the verifier on the program in the loader's form (maps by index), as
// bpf_prog_load runs bpf_check before any fixup.
Error verify_program(ProgramState& prog, const std::vector<LoadedMap>& maps, const LoadOptions& opts,
                     const ProgramKfuncs& kfuncs, std::vector<verifier::InsnFacts>* facts) {
  std::vector<maps::MapSpec> specs;
  specs.reserve(maps.size());
  for (const auto& m : maps) specs.push_back(m.map->spec());
  verifier::VerifyInput in;
  in.insns = prog.insns;
  in.prog_type = prog.prog_type;
  in.maps = specs;
  in.line_info = prog.line_info;
  in.func_info = prog.func_info;
  in.btf = prog.btf.get();
  in.log_level = opts.log_level;
  in.gpl_compatible = prog.gpl_compatible;
  in.allow_destructive = prog.rt->opts.allow_destructive_kfuncs;
  in.expected_attach_type = prog.expected_attach_type;
  in.sleepable = prog.sleepable;
  in.prog_name = prog.name;
  in.kfuncs = kfuncs.table;
  in.kfunc_registry = &prog.rt->kfuncs;
  auto verdict = verifier::verify(in);
  if (!verdict.ok() && in.log_level == 0) {
    // As libbpf does when a load fails without a log: verify again at level 1
    // so the error carries the path to the problem with its source lines.
    in.log_level = 1;
    if (auto again = verifier::verify(in); !again.ok()) return std::move(again).error();
  }
  if (!verdict.ok()) return std::move(verdict).error();
  const verifier::VerifyStats& st = verdict->stats;
  prog.verifier_log = std::move(verdict->log);
  prog.verifier_stats = {true, st.processed_insns, st.total_states, st.peak_states, st.max_states_per_insn,
                         st.time_usec};
  prog.max_ctx_offset = st.max_ctx_offset;
  *facts = std::move(verdict->facts);
  return {};
}

namespace {
// bpf_check_tail_call: every prog array the program uses takes it as its owner
// or must already belong to programs like it (maps::ProgArrayOwner).
// `prog.used_maps` must be set already.
Error claim_prog_arrays(const ProgramState& prog, const exec::Executable& exe) {
  for (const auto& m : prog.used_maps) {
    auto* pa = dynamic_cast<maps::ProgArray*>(m.get());
    maps::ProgArrayOwner owner;
    if (pa && !pa->compatible(exe.compat(), &owner))
      return Error(-EINVAL, fmt::format("map '{}': the program is {}, but the prog array's programs are {}: a tail "
                                        "call must not change the program type",
                                        m->spec().name, exe.compat().describe(), owner.describe()));
  }
  return {};
}

}  // namespace

Error load_program(ProgramState& prog, const std::vector<LoadedMap>& maps, const exec::ExecOptions& base,
                   const LoadOptions& opts) {
  isa::ValidateOptions vopts;
  vopts.allow_callx = base.allow_callx;
  vopts.allow_kfunc_calls = true;  // by ksym index; bind_program_kfuncs checks them
  if (Error err = isa::validate_program(prog.insns, vopts)) return err;
  // The load attributes' own rule, checked with or without the verifier: the
  // kernel refuses these in check_attach_btf_id, before any instruction.
  if (Error err = prog_types::check_exec_context(prog_types::ops(prog.prog_type), prog.expected_attach_type,
                                                 prog.sleepable))
    return Error(err.code(), err.message(), err.message() + "\n");
  auto kfuncs = bind_program_kfuncs(*prog.rt, prog);
  if (!kfuncs) return kfuncs.error();
  std::vector<verifier::InsnFacts> facts;
  if (!opts.unsafe_skip_verification)
    if (Error err = verify_program(prog, maps, opts, *kfuncs, &facts)) return err;

  std::vector<maps::Map*> map_ptrs;
  for (const auto& m : maps) map_ptrs.push_back(m.map.get());
  exec::FixupInput fin;
  fin.insns = prog.insns;
  fin.facts = facts;
  fin.prog_type = prog.prog_type;
  fin.maps = map_ptrs;
  fin.kfuncs = kfuncs->table;
  fin.exec = base;
  fin.exec.compat = {.prog_type = prog.prog_type,
                     .expected_attach_type = prog.expected_attach_type,
                     .sleepable = prog.sleepable,
                     .xdp_has_frags = prog.xdp_has_frags,
                     .verified = !opts.unsafe_skip_verification};
  fin.exec.prog_id = prog.id;
  fin.exec.name = prog.name;
  fin.exec.env = &prog.rt->env;
  auto prepared = exec::fixup(fin);
  if (!prepared) return std::move(prepared).error();
  auto exe = exec::make_interpreter(*prepared);
  if (!exe.ok()) return std::move(exe).error();
  for (uint32_t idx : prepared->used_maps) {
    prog.used_maps.push_back(maps[idx].map);
    prog.used_map_ids.push_back(maps[idx].id);
    prog.used_map_names.push_back(maps[idx].map->spec().name);
  }
  if (Error err = claim_prog_arrays(prog, **exe)) return err;
  prog.insns = std::move(prepared->insns);  // the xlated program, for dumps
  prog.exe = std::move(exe.value());
  prog.run_entry = {prog.exe->entry(), prog.exe.get()};
  if (prepared->ctx == exec::CtxRuntime::Unsupported) {
    prog.run_entry.fn = &run_unsupported_ctx;
    prog.run_refusal = opts.unsafe_skip_verification
                           ? "its context loads are rewritten from the verifier's facts, and it was loaded without "
                             "verification"
                           : "it reads packet pointers from a context that hostbpf cannot provide at run time yet";
  }
  prog.module_refs = std::move(kfuncs->module_refs);
  return {};
}

}  // namespace detail

const std::string& Object::name() const { return o_->spec.name; }
bool Object::loaded() const { return o_->loaded; }

Error Object::load(const LoadOptions& opts) {
  detail::ObjectState& st = *o_;
  if (st.loaded) return Error(-EBUSY, fmt::format("object '{}' is already loaded", st.spec.name));

  // Build everything aside and publish only on success, so a failed load leaves
  // nothing behind (every map and program is released with these locals).
  std::vector<detail::LoadedMap> maps;
  for (const auto& def : st.spec.maps) {
    auto lm = detail::create_object_map(*st.rt, def);
    if (!lm.ok()) {
      Error e = lm.error();
      return e.context(fmt::format("object '{}'", st.spec.name));
    }
    maps.push_back(std::move(lm.value()));
  }

  // libbpf's extern resolution: once for the object, before any program.
  auto ksyms = detail::resolve_ksyms(*st.rt, st.spec);
  if (!ksyms) {
    Error e = ksyms.error();
    return e.context(fmt::format("object '{}'", st.spec.name));
  }

  std::vector<std::shared_ptr<detail::ProgramState>> progs;
  for (size_t i = 0; i < st.programs.size(); i++) {
    const auto& p = st.programs[i];
    auto copy = std::make_shared<detail::ProgramState>(*p);
    copy->ksyms = *ksyms;
    if (i < st.spec.programs.size()) {
      copy->expected_attach_type = st.spec.programs[i].expected_attach_type;
      copy->sleepable = st.spec.programs[i].sleepable;
      copy->xdp_has_frags = st.spec.programs[i].xdp_has_frags;
    }
    if (p->autoload) {
      // CO-RE: relocated against the host's and modules' BTF before verification (runtime/core_relo.h).
      if (Error err = detail::apply_core_relos(*copy, st.spec.programs[i], st.spec))
        return err.context(fmt::format("object '{}': prog '{}' (section '{}')", st.spec.name, p->name, p->section));
      if (Error err = detail::load_program(*copy, maps, {}, opts))
        return err.context(fmt::format("object '{}': prog '{}' (section '{}')", st.spec.name, p->name, p->section));
    }
    progs.push_back(std::move(copy));
  }

  // Declarative prog-array initialisation (`.values = { [i] = &prog }`).
  for (size_t m = 0; m < st.spec.maps.size(); m++) {
    const auto& init = st.spec.maps[m].initial_progs;
    if (init.empty()) continue;
    auto* pa = dynamic_cast<maps::ProgArray*>(maps[m].map.get());
    if (!pa)
      return Error(-EINVAL, fmt::format("object '{}': map '{}' has program values but is not a prog array",
                                        st.spec.name, st.spec.maps[m].spec.name));
    for (auto [slot, prog_index] : init) {
      if (prog_index >= progs.size())
        return Error(-EINVAL, fmt::format("object '{}': map '{}' slot {} names program #{} of {}", st.spec.name,
                                          st.spec.maps[m].spec.name, slot, prog_index, progs.size()));
      if (!progs[prog_index]->exe) continue;  // not autoloaded: the slot stays empty, as with libbpf
      if (Error err = pa->store(slot, progs[prog_index]->exe))
        return err.context(fmt::format("object '{}'", st.spec.name));
    }
  }

  for (size_t i = 0; i < progs.size(); i++) {
    *st.programs[i] = std::move(*progs[i]);
    if (st.programs[i]->exe) st.rt->ids.add_prog(st.programs[i]->id, st.programs[i]->exe);
  }
  st.maps = std::move(maps);
  st.loaded = true;
  return {};
}

std::vector<Program> Object::programs() const {
  std::vector<Program> out;
  for (const auto& p : o_->programs) out.push_back(detail::Access::program(p));
  return out;
}

std::vector<Map> Object::maps() const {
  std::vector<Map> out;
  for (const auto& m : o_->maps) out.push_back(detail::Access::map(m.map));
  return out;
}

Result<Program> Object::program(std::string_view name) const {
  for (const auto& p : o_->programs)
    if (p->name == name) return detail::Access::program(p);
  return Error(-ENOENT, fmt::format("object '{}' has no program '{}'", o_->spec.name, name));
}

Result<Map> Object::map(std::string_view name) const {
  if (!o_->loaded) return Error(-ENOENT, fmt::format("object '{}' is not loaded: maps exist after load()", o_->spec.name));
  for (const auto& m : o_->maps)
    if (m.map->spec().name == name || (!m.section.empty() && m.section == name)) return detail::Access::map(m.map);
  return Error(-ENOENT, fmt::format("object '{}' has no map '{}'", o_->spec.name, name));
}

}  // namespace hostbpf
