// Program: running (the hot path, and test runs, whose meaning per program
// type is the type's record: prog_types/) and the xlated dump.
#include <fmt/format.h>


#include "helpers/helper.h"
#include "isa/disasm.h"
#include "prog_types/prog_type_ops.h"
#include "runtime/state.h"

namespace hostbpf {
namespace detail {
uint64_t run_unloaded(const void*, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  return static_cast<uint64_t>(-EINVAL);
}
uint64_t run_unsupported_ctx(const void*, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) {
  return static_cast<uint64_t>(-EOPNOTSUPP);
}
}  // namespace detail

Program::Program(std::shared_ptr<detail::ProgramState> p) : p_(std::move(p)), run_(p_ ? &p_->run_entry : nullptr) {}

const std::string& Program::name() const { return p_->name; }
const std::string& Program::section() const { return p_->section; }
ProgType Program::type() const { return p_->prog_type; }
uint32_t Program::id() const { return p_->id; }

Result<uint64_t> Program::try_run(void* ctx, uint64_t arg2) const {
  if (!p_->exe) return Error(-EINVAL, fmt::format("prog '{}' is not loaded", p_->name));
  if (!p_->run_refusal.empty())
    return Error(-EOPNOTSUPP, fmt::format("prog '{}' (section '{}') cannot run: {}", p_->name, p_->section,
                                          p_->run_refusal));
  if (Error e = prepare_thread()) return e.context(fmt::format("prog '{}'", p_->name));
  return run(ctx, arg2);
}

Error Program::set_autoload(bool autoload) {
  if (p_->exe) return Error(-EBUSY, fmt::format("prog '{}' is already loaded", p_->name));
  p_->autoload = autoload;
  return {};
}
bool Program::autoload() const { return p_->autoload; }
bool Program::loaded() const { return p_->exe != nullptr; }
const std::string& Program::verifier_log() const { return p_->verifier_log; }
VerifierStats Program::verifier_stats() const { return p_->verifier_stats; }

std::span<const Insn> Program::insns() const {
  return {reinterpret_cast<const Insn*>(p_->insns.data()), p_->insns.size()};
}

Result<TestRunResult> Program::test_run(const TestRunOptions& opts) const {
  if (!p_->exe) return Error(-EINVAL, fmt::format("prog '{}' is not loaded", p_->name));
  if (!p_->run_refusal.empty())
    return Error(-EOPNOTSUPP, fmt::format("prog '{}' (section '{}') cannot run: {}", p_->name, p_->section,
                                          p_->run_refusal));
  const prog_types::ProgTypeOps& ops = prog_types::ops(p_->prog_type);
  if (!ops.test_run) {
    std::string runnable;
    for (const prog_types::ProgTypeOps* t : prog_types::all())
      if (t->test_run) runnable += fmt::format("{}{}", runnable.empty() ? "" : " and ", t->name);
    return Error(-ENOTSUP, fmt::format("prog '{}' (section '{}'): test runs of this program type are not "
                                       "supported yet ({} are)",
                                       p_->name, p_->section, runnable));
  }
  const prog_types::TestRunTarget target{
      p_->name, p_->max_ctx_offset, p_->exe.get(),
      [](const void* exe, uint64_t ctx) { return static_cast<const exec::Executable*>(exe)->run(ctx); }};
  return ops.test_run(target, opts);
}

std::string Program::dump_xlated() const {
  const detail::ProgramState& p = *p_;
  isa::DisasmNames names;
  names.helper = [](int32_t id) -> std::string {
    const char* n = helpers::helper_name(id);
    return n ? n : std::string();
  };
  names.lddw = [&p](const isa::Insn* pair) -> std::string {
    const uint64_t v = isa::lddw_imm64(pair);
    for (size_t i = 0; i < p.used_maps.size(); i++) {
      const auto& m = p.used_maps[i];
      if (pair->src_reg == BPF_PSEUDO_MAP_FD && v == reinterpret_cast<uint64_t>(m.get()))
        return fmt::format("map[id:{}]", p.used_map_ids[i]);
      uint64_t base = 0;
      if (pair->src_reg == BPF_PSEUDO_MAP_VALUE && m->direct_value_addr(0, &base) == 0 && v >= base &&
          v < base + m->spec().value_size)
        return fmt::format("map[id:{}][0]+{}", p.used_map_ids[i], v - base);
    }
    return {};
  };
  std::string out;
  size_t li = 0;
  for (size_t i = 0; i < p.insns.size(); i++) {
    for (; li < p.line_info.size() && p.line_info[li].insn_off <= i; li++) {
      if (p.line_info[li].insn_off != i || p.line_info[li].line.empty()) continue;
      const auto& l = p.line_info[li];
      std::string_view text = l.line;
      while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
      std::string_view file = l.file;
      if (auto slash = file.find_last_of('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
      out += fmt::format("; {} @ {}:{}\n", text, file, l.line_num);
    }
    out += fmt::format("{:4}: {}\n", i, isa::disasm_insn(&p.insns[i], static_cast<int>(i), names));
    if (isa::is_lddw(p.insns[i])) i++;
  }
  return out;
}

}  // namespace hostbpf
