// The verifier log in the kernel's format (kernel/bpf/log.c:
// print_verifier_state, print_insn_state, verbose_linfo; verifier.c:
// print_verification_stats).
#include <algorithm>
#include <cstring>

#include "isa/disasm.h"
#include "verifier/env.h"

namespace hostbpf::verifier {

namespace {

// vlog_alignment: the column where "; <state>" starts after an instruction.
int vlog_alignment(size_t pos) {
  const size_t p = std::max<size_t>(pos + 8 / 2, 40);
  return static_cast<int>((p + 7) / 8 * 8 - pos - 1);
}

char slot_type_char(uint8_t t) {
  switch (t) {
    case kStackSpill: return 'r';
    case kStackMisc: return 'm';
    case kStackZero: return '0';
    default: return '?';
  }
}

std::string reg_text(const Env& env, const RegState& r) {
  const maps::MapSpec* m = env.map(r.map);
  return reg_state_str(r, m ? m->name : std::string(), m ? m->key_size : 0, m ? m->value_size : 0);
}

}  // namespace

std::string disasm_for_log(const Env& env, int32_t idx) {
  const isa::Insn& insn = env.insns[idx];
  if (isa::is_kfunc_call(insn) && insn.imm >= 0 && static_cast<size_t>(insn.imm) < env.in.kfuncs.size()) {
    // As the kernel prints it: the kfunc's name and its BTF id.
    const KfuncTarget& k = env.in.kfuncs[static_cast<size_t>(insn.imm)];
    isa::Insn shown = insn;
    shown.imm = static_cast<int32_t>(k.id);
    isa::DisasmNames names;
    names.kfunc = [&](const isa::Insn*) { return k.name; };
    return isa::disasm_insn(&shown, idx, names);
  }
  return isa::disasm_insn(&insn, idx);
}

void log_state(Env& env, bool print_all) {
  const FuncState& f = env.cur.cur();
  std::string s;
  if (f.frameno) s += " frame" + std::to_string(f.frameno) + ":";
  for (int i = 0; i < isa::kNumRegs; i++) {
    const RegState& r = f.regs[i];
    if (r.type == RegType::NotInit) continue;
    if (!print_all && !(env.scratched_regs & (1u << i))) continue;
    s += " R" + std::to_string(i);
    // No "_w" mark for registers just written: v6.18's log has none.
    s += "=" + reg_text(env, r);
  }
  for (size_t i = 0; i < f.stack.size(); i++) {
    if (!print_all && !(i < 64 && (env.scratched_stack >> i & 1))) continue;
    const StackSlot& slot = f.stack[i];
    const std::string off = " fp" + std::to_string(-static_cast<int>(i + 1) * 8);
    if (slot.is_spill()) {
      s += off + "=" + reg_text(env, slot.spilled);
      continue;
    }
    std::string types;
    bool valid = false;
    for (uint8_t t : slot.type) {
      valid |= t != kStackInvalid;
      types += slot_type_char(t);
    }
    if (valid) s += off + "=" + types;
  }
  if (!env.cur.refs.empty()) {
    s += " refs=";
    for (size_t i = 0; i < env.cur.refs.size(); i++) s += (i ? "," : "") + std::to_string(env.cur.refs[i].id);
  }
  env.log += s;
  env.log += '\n';
  env.scratched_regs = 0;
  env.scratched_stack = 0;
}

void log_insn_state(Env& env) {
  if (env.prev_log_pos && env.prev_log_pos == env.log.size() && !env.log.empty() && env.log.back() == '\n') {
    env.log.pop_back();
    env.log.append(static_cast<size_t>(vlog_alignment(env.prev_insn_print_pos)), ' ');
    env.log += ';';
  } else {
    env.verbose("%d:", env.insn_idx);
  }
  log_state(env, false);
}

void log_linfo(Env& env, int32_t idx, const char* prefix) {
  const auto& li = env.in.line_info;
  if (li.empty() || !env.log_on()) return;
  const auto it = std::upper_bound(li.begin(), li.end(), static_cast<uint32_t>(idx),
                                   [](uint32_t v, const object::LineInfo& l) { return v < l.insn_off; });
  if (it == li.begin()) return;
  const auto pos = static_cast<int32_t>(it - li.begin() - 1);
  if (pos == env.last_linfo) return;
  const object::LineInfo& l = li[static_cast<size_t>(pos)];
  if (env.last_linfo >= 0) {
    const object::LineInfo& prev = li[static_cast<size_t>(env.last_linfo)];
    if (prev.line_num == l.line_num && prev.file == l.file) {
      env.last_linfo = pos;
      return;
    }
  }
  env.last_linfo = pos;
  const size_t start = l.line.find_first_not_of(" \t");
  const std::string text = start == std::string::npos ? std::string() : l.line.substr(start);
  const size_t slash = l.file.rfind('/');
  const std::string file = slash == std::string::npos ? l.file : l.file.substr(slash + 1);
  env.verbose("%s%s @ %s:%u\n", prefix, text.c_str(), file.c_str(), l.line_num);
}

void log_insn(Env& env, int32_t idx) {
  if (env.scratched_regs || env.scratched_stack) log_insn_state(env);
  log_linfo(env, idx, "; ");
  env.prev_log_pos = env.log.size();
  env.verbose("%d: %s\n", idx, disasm_for_log(env, idx).c_str());
  env.prev_insn_print_pos = env.log.size() - env.prev_log_pos;
  env.prev_log_pos = env.log.size();
}

void log_stats(Env& env) {
  env.verbose("verification time %llu usec\n", static_cast<unsigned long long>(env.stats.time_usec));
  std::string depth = "stack depth ";
  for (size_t i = 0; i < env.stats.stack_depth.size(); i++)
    depth += (i ? "+" : "") + std::to_string(env.stats.stack_depth[i]);
  env.log += depth + "\n";
  env.verbose("processed %u insns (limit %u) max_states_per_insn %u total_states %u peak_states %u mark_read %u\n",
              env.stats.processed_insns, kComplexityLimitInsns, env.stats.max_states_per_insn,
              env.stats.total_states, env.stats.peak_states, 0u);
}

}  // namespace hostbpf::verifier
