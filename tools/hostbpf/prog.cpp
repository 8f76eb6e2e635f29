// hostbpf prog run | dump
#include <fmt/format.h>

#include <iostream>

#include "cli.h"

namespace hostbpf::cli {
namespace {

const char* xdp_action_name(uint64_t r) {
  static const char* names[] = {"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"};
  return r < 5 ? names[r] : nullptr;
}

RuntimeOptions cli_runtime_options() {
  RuntimeOptions o;
  o.trace = [](std::string_view line) { std::cout << "bpf_trace_printk: " << line << "\n"; };
  return o;
}

}  // namespace

int prog_run(const std::string& path, const std::string& name, const std::string& ctx_hex,
             const std::string& ctx_file, const std::string& data_hex, uint32_t repeat, bool json,
             const std::vector<std::string>& modules) {
  TestRunInput in;
  if (!in.parse(ctx_hex, ctx_file, data_hex)) return 2;

  Runtime rt(cli_runtime_options());
  Object obj;
  Program prog;
  if (!load_modules(rt, modules)) return 1;
  if (!open_and_load(rt, path, &obj) || !pick_program(obj, name, &prog)) return 1;

  const TestRunOptions o = in.options(repeat);
  auto r = prog.test_run(o);
  if (!r) {
    std::cerr << "hostbpf: " << r.error().message() << "\n";
    return 1;
  }
  if (json) {
    std::cout << fmt::format("{{\"prog\":\"{}\",\"retval\":{},\"duration_ns\":{},\"repeat\":{}}}\n", prog.name(),
                             r->retval, r->duration_ns, repeat);
    return 0;
  }
  std::string ret = fmt::format("{}", r->retval);
  if (prog.type() == ProgType::Xdp && xdp_action_name(r->retval)) ret += fmt::format(" ({})", xdp_action_name(r->retval));
  std::cout << fmt::format("prog '{}' ({}): retval {}, duration {} ns, repeat {}\n", prog.name(), prog.section(), ret,
                           r->duration_ns, repeat);
  if (!in.data.empty() && in.data_out != in.data)
    std::cout << "data_out: " << to_hex(in.data_out.data(), r->data_size_out) << "\n";
  if (!in.ctx.empty() && in.ctx_out != in.ctx) std::cout << "ctx_out: " << to_hex(in.ctx_out.data(), r->ctx_size_out) << "\n";
  return 0;
}

int prog_dump(const std::string& path, const std::string& name) {
  Runtime rt;
  Object obj;
  if (!open_and_load(rt, path, &obj)) return 1;
  std::vector<Program> progs;
  if (name.empty()) {
    progs = obj.programs();
  } else {
    Program p;
    if (!pick_program(obj, name, &p)) return 1;
    progs.push_back(p);
  }
  for (size_t i = 0; i < progs.size(); i++) {
    if (i) std::cout << "\n";
    std::cout << fmt::format("{}: {} name {}\n", progs[i].id(), progs[i].section(), progs[i].name());
    std::cout << progs[i].dump_xlated();
  }
  return 0;
}

// Loads the object with only the chosen program (or all) autoloaded, so the
// verdict is that program's, and prints the log and statistics as bpftool's
// `prog load` with verbose logging would.
int prog_verify(const std::string& path, const std::string& name, int log_level,
                const std::vector<std::string>& modules) {
  Runtime rt;
  if (!load_modules(rt, modules)) return 1;
  auto obj = rt.open(path);
  if (!obj) {
    std::cerr << "hostbpf: " << obj.error().message() << "\n";
    return 1;
  }
  if (!name.empty()) {
    Program chosen;
    if (!pick_program(*obj, name, &chosen)) return 1;
    for (Program& p : obj->programs()) (void)p.set_autoload(p.name() == name);
  }
  LoadOptions o;
  o.log_level = log_level;
  if (Error err = obj->load(o)) {
    std::cerr << "hostbpf: " << err.message() << "\n";
    if (!err.log().empty()) std::cerr << err.log();
    return 1;
  }
  for (const Program& p : obj->programs()) {
    if (!p.loaded()) continue;
    if (log_level > 0) std::cout << p.verifier_log();
    const VerifierStats s = p.verifier_stats();
    std::cout << fmt::format("prog '{}' ({}): accepted, processed {} insns, {} states, {} usec\n", p.name(),
                             p.section(), s.processed_insns, s.total_states, s.time_usec);
  }
  return 0;
}

}  // namespace hostbpf::cli
