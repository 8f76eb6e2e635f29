// verify(): the structure stage, then the abstract interpreter, then the
// call-chain stack limits (the kernel's bpf_check order).
#include "verifier/verifier.h"

#include <chrono>

#include "verifier/env.h"

namespace hostbpf::verifier {

int run_do_check(Env& env);  // do_check.cpp

namespace {

// The rejection's one-line message: the first line the failing step logged,
// skipping the "; source @ file.c:N" line some rejections print first.
std::string first_line(const std::string& log, size_t from) {
  if (from > log.size()) from = log.size();
  for (;;) {
    const size_t end = log.find('\n', from);
    std::string s = log.substr(from, end == std::string::npos ? std::string::npos : end - from);
    if (s.starts_with("; ") && end != std::string::npos) {
      from = end + 1;
      continue;
    }
    return s.empty() ? "verifier rejected the program" : s;
  }
}

}  // namespace

Result<VerifyResult> verify(const VerifyInput& input) {
  const auto t0 = std::chrono::steady_clock::now();
  StructureOptions opts;
  opts.func_info = input.func_info;
  opts.btf = input.btf;
  opts.maps = input.maps;
  opts.sleepable = input.sleepable;
  auto structure = build_program_structure(input.insns, opts);
  if (!structure.ok()) {
    const Error& e = structure.error();
    return Error(e.code(), e.message(), e.message() + "\n");
  }
  Env env(input, *structure);
  if (env.log2())
    for (size_t i = 0; i < structure->subprogs.size(); i++) env.verbose("func#%zu @%u\n", i, structure->subprogs[i].start);
  int err = add_kfunc_calls(env);
  if (!err) err = run_do_check(env);
  if (!err) {
    if (Error e = check_stack_depth(*structure, env.stats.stack_depth)) {
      env.insn_log_start = env.log.size();
      err = env.reject(e.code(), "%s", e.message().c_str());
    }
  }
  const size_t msg_pos = env.insn_log_start;
  env.stats.time_usec = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
  if (env.log_on()) log_stats(env);
  if (err) return Error(err, first_line(env.log, msg_pos), env.log);
  VerifyResult out;
  out.log = env.log_on() ? std::move(env.log) : std::string();
  out.stats = std::move(env.stats);
  out.facts = std::move(env.facts);
  return out;
}

}  // namespace hostbpf::verifier
