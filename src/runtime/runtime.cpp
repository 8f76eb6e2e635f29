// Runtime: the facade that owns the registries and hands out handles.
#include <fmt/format.h>

#include <cstring>

#include "base/cpu.h"
#include "base/file.h"
#include "base/rcu.h"
#include "btf/builder.h"
#include "prog_types/prog_type_ops.h"
#include "struct_ops/dummy_ops.h"
#include "kfunc/cpumask.h"
#include "isa/validate.h"
#include "runtime/state.h"

namespace hostbpf {
namespace detail {

namespace {

// The BTF the host starts from: RuntimeOptions' blob or file, or empty.
Result<std::shared_ptr<btf::Btf>> initial_host_btf(const RuntimeOptions& o) {
  if (!o.host_btf_blob.empty() && !o.host_btf_file.empty())
    return Error(-EINVAL, "host BTF: give host_btf_file or host_btf_blob, not both");
  if (!o.host_btf_file.empty()) {
    auto b = btf::Btf::from_file(o.host_btf_file);
    if (!b.ok()) return Error(b.error()).context("host BTF " + o.host_btf_file);
    return b;
  }
  if (!o.host_btf_blob.empty()) {
    auto b = btf::Btf::from_blob(o.host_btf_blob);
    if (!b.ok()) return Error(b.error()).context("host BTF blob");
    return b;
  }
  return btf::Btf::empty();
}

}  // namespace

RuntimeState::RuntimeState(RuntimeOptions o) : opts(std::move(o)), trace(opts.trace) {
  env.trace = &trace;
  auto initial = initial_host_btf(opts);
  Error build_error = initial.ok() ? Error() : initial.error();
  std::shared_ptr<btf::Btf> btf = initial.ok() ? *initial : btf::Btf::empty();
  // The host BTF holds at least what programs expect from vmlinux.h. It stays
  // this one object, completed in place by the host's registrations until
  // sealed, so that owner and registry see every type as it is added.
  btf::BtfBuilder b(btf);
  prog_types::add_host_types(b);
  kfunc::add_cpumask_types(b);
  if (b.error() && !build_error) build_error = Error(b.error()).context("host BTF: standard types");
  host = {"vmlinux", btf, false};
  kfuncs.add_owner(&host);
  host_registrar = std::make_unique<HostRegistrar>(kfuncs, struct_ops, host, btf, std::move(build_error));
  // The built-in kfunc library goes in the way any host's does.
  if (Error e = kfunc::register_cpumask_kfuncs(*host_registrar))
    host_registrar->record_build_error(Error(e).context("host BTF: bpf_cpumask kfuncs"));
  // So is the built-in struct_ops type.
  if (Error e = struct_ops::register_bpf_dummy_ops(*host_registrar))
    host_registrar->record_build_error(Error(e).context("host BTF: bpf_dummy_ops"));
}

}  // namespace detail

namespace {

// The kernel's license_is_gpl_compatible: helpers marked gpl_only need one of these.
bool license_is_gpl_compatible(const std::string& license) {
  for (const char* ok : {"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"})
    if (license == ok) return true;
  return false;
}

}  // namespace

Runtime::Runtime(RuntimeOptions opts)
    : s_(std::make_shared<detail::RuntimeState>(std::move(opts))), modules_(s_.get()) {}

Runtime::~Runtime() = default;

Registrar& Runtime::host() { return *s_->host_registrar; }

const Error& Runtime::error() const { return s_->host_registrar->build_error(); }

Result<Object> Runtime::open(const std::string& path) {
  if (Error e = s_->seal_host(fmt::format("object {} was opened", path))) return e;
  auto bytes = base::read_file(path);
  if (!bytes.ok()) return std::move(bytes).error();
  // The object's name is its file name without directories and .bpf.o / .o, as libbpf names it.
  std::string name = path.substr(path.find_last_of('/') + 1);
  for (const char* suffix : {".bpf.o", ".o"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      name.resize(name.size() - s.size());
      break;
    }
  }
  auto obj = open_memory(*bytes, name);
  if (!obj.ok() && obj.error().message().rfind(name, 0) != 0) {
    Error e = obj.error();
    return e.context(path);
  }
  return obj;
}

Result<Object> Runtime::open_memory(std::span<const uint8_t> elf, const std::string& name) {
  // Objects resolve their kfuncs against the host BTF: it is final from here.
  if (Error e = s_->seal_host(fmt::format("object '{}' was opened", name))) return e;
  auto spec = object::parse_object(elf, name);
  if (!spec.ok()) return std::move(spec).error();
  auto st = std::make_shared<detail::ObjectState>();
  st->rt = s_;
  st->spec = std::move(spec.value());
  for (const auto& ps : st->spec.programs) {
    auto p = std::make_shared<detail::ProgramState>();
    p->rt = s_;
    p->name = ps.name;
    p->section = ps.section;
    p->prog_type = ps.prog_type;
    p->id = detail::IdRegistry::alloc_prog_id();
    p->insns = ps.insns;
    p->line_info = ps.line_info;
    p->func_info = ps.func_info;
    p->btf = st->spec.btf;
    p->gpl_compatible = license_is_gpl_compatible(st->spec.license);
    p->autoload = ps.autoload;
    st->programs.push_back(std::move(p));
  }
  return detail::Access::object(std::move(st));
}

Result<Program> Runtime::load_raw(std::span<const Insn> insns, const RawProgramOptions& opts) {
  if (Error e = s_->seal_host(fmt::format("raw program '{}' was loaded", opts.name))) return e;
  auto p = std::make_shared<detail::ProgramState>();
  p->rt = s_;
  p->name = opts.name;
  p->section = "raw";
  if (!prog_types::find(static_cast<uint32_t>(opts.type)))
    return Error(-EINVAL, fmt::format("prog '{}': {} is not a program type", opts.name,
                                      static_cast<uint32_t>(opts.type)));
  p->prog_type = opts.type;
  p->expected_attach_type = opts.expected_attach_type;
  // Unset: sleepable exactly where the type can run no other way (syscall),
  // as libbpf's section for it would make the program.
  p->sleepable = opts.sleepable.value_or(
      !(prog_types::exec_contexts(prog_types::ops(opts.type), opts.expected_attach_type) & prog_types::kExecNormal));
  p->id = detail::IdRegistry::alloc_prog_id();
  const auto* first = reinterpret_cast<const isa::Insn*>(insns.data());
  p->insns.assign(first, first + insns.size());

  isa::ValidateOptions vopts;
  vopts.allow_callx = opts.allow_callx;
  vopts.allow_pseudo_lddw = false;  // a raw program has no maps to refer to
  if (Error err = isa::validate_program(p->insns, vopts)) return err.context(fmt::format("prog '{}'", opts.name));
  if (opts.allow_callx && !opts.unsafe_skip_verification)
    return Error(-EINVAL, fmt::format("prog '{}': callx cannot be verified; it needs unsafe_skip_verification",
                                      opts.name));

  exec::ExecOptions popts;
  popts.prog_id = p->id;
  popts.name = opts.name;
  popts.allow_callx = opts.allow_callx;
  for (const auto& h : opts.helpers) popts.helper_overrides.push_back({h.id, h.fn});
  LoadOptions lopts;
  lopts.log_level = opts.log_level;
  lopts.unsafe_skip_verification = opts.unsafe_skip_verification;
  if (Error err = detail::load_program(*p, {}, popts, lopts)) return err.context(fmt::format("prog '{}'", opts.name));
  s_->ids.add_prog(p->id, p->exe);
  return detail::Access::program(std::move(p));
}

void stop_program(uint64_t r0) { exec::request_exit(r0); }

Error prepare_thread() {
  if (current_cpu() == kNoCpu)
    return Error(-EBUSY, fmt::format("no free CPU slot for this thread: all {} are owned by other threads "
                                     "(HOSTBPF_POSSIBLE_CPUS)",
                                     possible_cpus()));
  rcu::ensure_registered();
  return {};
}

Result<std::vector<uint8_t>> read_file(const std::string& path) { return base::read_file(path); }

std::string map_type_name(uint32_t type) {
  const char* n = maps::map_type_name(type);
  return n ? n : fmt::format("type {}", type);
}

}  // namespace hostbpf
