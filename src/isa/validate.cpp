// Structural validation (see validate.h): fields against the opcode table, then
// control flow (LDDW pairs, subprogram boundaries, jump and call targets, the
// last instruction of every subprogram), as the kernel's resolve_pseudo_ldimm64,
// check_subprogs and check_cfg do before the verifier proper runs.
#include "isa/validate.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "isa/opcode_table.h"
#include "base/strprintf.h"

namespace hostbpf::isa {
namespace {

// The kernel's BPF_COMPLEXITY_LIMIT_INSNS: the most instructions a program may have.
constexpr size_t kMaxInsns = 1'000'000;

Error insn_error(size_t idx, const std::string& msg) {
  return Error(-EINVAL, base::strprintf("invalid insn %zu: ", idx) + msg);
}

bool gate_open(Gate g, const ValidateOptions& opts) {
  switch (g) {
    case Gate::None: return true;
    case Gate::PseudoLddw: return opts.allow_pseudo_lddw;
    case Gate::KfuncCall: return opts.allow_kfunc_calls;
    case Gate::Callx: return opts.allow_callx;
  }
  return false;
}

const char* gate_message(Gate g) {
  switch (g) {
    case Gate::PseudoLddw: return "pseudo ldimm64 sources are not allowed here";
    case Gate::KfuncCall: return "kernel function calls are not enabled";
    case Gate::Callx: return "callx is not enabled";
    case Gate::None: break;
  }
  return "";
}

// Checks one field; on success returns "" and sets *matched for OneOf fields.
std::string check_field(const OpcodeInfo& info, const FieldSpec& spec, const char* field, int32_t value,
                        const ValidateOptions& opts, const AllowedValue** matched) {
  const int cpu = static_cast<int>(opts.cpu);
  switch (spec.rule) {
    case FieldRule::Zero:
      if (value != 0) return base::strprintf("%s uses reserved fields (%s=%d)", info.family, field, value);
      return {};
    case FieldRule::Any:
      return {};
    case FieldRule::Reg:
    case FieldRule::RegWrite:
      // Registers are 4-bit fields, so 11..15 fit the encoding but name nothing.
      if (value >= kNumRegs) return base::strprintf("R%d is invalid", value);
      if (spec.rule == FieldRule::RegWrite && value == kFramePointer) return "frame pointer is read only";
      return {};
    case FieldRule::OneOf: {
      const AllowedValue* v = spec.find(value);
      if (!v) {
        if (spec.bad_value_fmt) return base::strprintf(spec.bad_value_fmt, value);
        return base::strprintf("%s uses reserved fields (%s=%d)", info.family, field, value);
      }
      if (!gate_open(v->gate, opts)) return base::strprintf("%s (%s %s=%d)", gate_message(v->gate), info.mnemonic, field, value);
      if (v->cpu > cpu)
        return base::strprintf("%s with %s=%d requires cpu v%d (validating for v%d)", info.mnemonic, field, value, v->cpu, cpu);
      *matched = v;
      return {};
    }
  }
  return {};
}

// Every field of one instruction against the table.
Error check_insn(const Insn& insn, size_t idx, const ValidateOptions& opts) {
  const OpcodeInfo& info = opcode_info(insn.code);
  if (info.kind == OpKind::Invalid)
    return insn_error(idx, info.family ? std::string(info.family) : base::strprintf("unknown opcode %02x", insn.code));
  if (!gate_open(info.gate, opts))
    return insn_error(idx, base::strprintf("%s uses reserved fields (%s)", info.family, gate_message(info.gate)));
  if (info.cpu > static_cast<int>(opts.cpu))
    return insn_error(idx, base::strprintf("%s (opcode %02x) requires cpu v%d (validating for v%d)", info.mnemonic, insn.code,
                                  info.cpu, static_cast<int>(opts.cpu)));
  const AllowedValue* matched[4] = {};
  const struct {
    const FieldSpec& spec;
    const char* name;
    int32_t value;
  } fields[4] = {{info.dst, "dst_reg", insn.dst_reg},
                 {info.src, "src_reg", insn.src_reg},
                 {info.off, "off", insn.off},
                 {info.imm, "imm", insn.imm}};
  for (int f = 0; f < 4; ++f) {
    std::string msg = check_field(info, fields[f].spec, fields[f].name, fields[f].value, opts, &matched[f]);
    if (!msg.empty()) return insn_error(idx, msg);
  }
  for (const AllowedValue* m : matched)
    if (m && m->writes_src && insn.src_reg == kFramePointer) return insn_error(idx, "frame pointer is read only");
  return {};
}

// The second slot of an LDDW only carries the upper immediate.
bool valid_lddw_second_half(const Insn& hi) {
  return hi.code == 0 && hi.dst_reg == 0 && hi.src_reg == 0 && hi.off == 0;
}

enum : uint8_t { kSecondHalf = 1, kSubprogStart = 2 };

bool is_pseudo_call(const Insn& insn) { return is_call(insn) && insn.src_reg == BPF_PSEUDO_CALL; }
bool is_pseudo_func(const Insn& insn) { return is_lddw(insn) && insn.src_reg == BPF_PSEUDO_FUNC; }

// Pass 1: fields, LDDW pairs and subprogram entry points.
Error scan(std::span<const Insn> insns, const ValidateOptions& opts, std::vector<uint8_t>& marks) {
  const size_t n = insns.size();
  for (size_t i = 0; i < n; ++i) {
    const Insn& insn = insns[i];
    if (Error err = check_insn(insn, i, opts)) return err;
    if (is_pseudo_call(insn) || is_pseudo_func(insn)) {
      const int64_t target = static_cast<int64_t>(i) + 1 + insn.imm;
      if (target < 0 || target >= static_cast<int64_t>(n))
        return insn_error(i, base::strprintf("call to invalid destination (insn %lld)", static_cast<long long>(target)));
      marks[target] |= kSubprogStart;
    }
    if (is_lddw(insn)) {
      if (i + 1 == n || !valid_lddw_second_half(insns[i + 1]))
        return insn_error(i, "invalid bpf_ld_imm64 insn");
      marks[++i] |= kSecondHalf;
    }
  }
  return {};
}

bool ends_subprog(const Insn& insn) {
  return insn.code == (BPF_JMP | BPF_EXIT) || insn.code == (BPF_JMP | BPF_JA) || insn.code == (BPF_JMP32 | BPF_JA);
}

// Pass 2: per subprogram, jumps stay inside it and it ends in exit or goto.
Error check_flow(std::span<const Insn> insns, const std::vector<uint8_t>& marks) {
  const size_t n = insns.size();
  std::vector<size_t> starts;
  for (size_t i = 0; i < n; ++i) {
    if (!(marks[i] & kSubprogStart)) continue;
    if (marks[i] & kSecondHalf) return insn_error(i, base::strprintf("call into the middle of ldimm64 insn %zu", i - 1));
    starts.push_back(i);
  }
  starts.push_back(n);
  for (size_t s = 0; s + 1 < starts.size(); ++s) {
    const size_t begin = starts[s], end = starts[s + 1];
    for (size_t i = begin; i < end; ++i) {
      if (marks[i] & kSecondHalf) continue;
      const Insn& insn = insns[i];
      if (!is_jump_kind(opcode_info(insn.code).kind)) continue;
      const int64_t target = jump_target(insn, static_cast<int64_t>(i));
      if (target < static_cast<int64_t>(begin) || target >= static_cast<int64_t>(end))
        return Error(-EINVAL, base::strprintf("jump out of range from insn %zu to %lld", i, static_cast<long long>(target)));
      if (marks[target] & kSecondHalf)
        return Error(-EINVAL, base::strprintf("jump into the middle of ldimm64 insn %lld (from insn %zu)",
                                     static_cast<long long>(target - 1), i));
    }
    // The last slot of a subprogram that ends in an LDDW is that LDDW's upper half.
    const size_t last = end - 1;
    if ((marks[last] & kSecondHalf) || !ends_subprog(insns[last]))
      return insn_error(last, "last insn is not an exit or jmp");
  }
  return {};
}

}  // namespace

Error validate_program(std::span<const Insn> insns, const ValidateOptions& opts) {
  if (insns.empty()) return Error(-EINVAL, "program has no instructions");
  if (insns.size() > kMaxInsns)
    return Error(-E2BIG, base::strprintf("program has %zu insns, more than the limit of %zu", insns.size(), kMaxInsns));
  std::vector<uint8_t> marks(insns.size(), 0);
  marks[0] = kSubprogStart;
  if (Error err = scan(insns, opts, marks)) return err;
  return check_flow(insns, marks);
}

}  // namespace hostbpf::isa
