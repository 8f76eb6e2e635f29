// make_interpreter(): turns a prepared program (exec/fixup.h) into the
// interpreter's decoded form (interp_program.h). Call targets, bound maps and
// probe loads come decided from the fixup stage; what is decided here, once,
// is the interpreter's own: the handler for each opcode variant (a bound
// array lookup runs inline), the callback objects that LDDW BPF_PSEUDO_FUNC
// loads, and the rewriting of constant divisions whose RFC 9669 result is a
// move or a negation.
#include <cstdio>

#include "exec/interp_program.h"
#include "isa/opcode_table.h"
#include "base/strprintf.h"

namespace hostbpf::exec {
namespace interp {

helpers::HelperFn resolve_helper(int32_t id, const std::vector<ExecOptions::HelperOverride>& overrides) {
  for (const auto& o : overrides)
    if (o.id == id) return o.fn;
  const helpers::HelperProto* h = helpers::find_helper(id);
  return h ? h->func : nullptr;
}

namespace {

uint64_t invoke_callback(const helpers::Callback* self, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5) {
  return interp_entry(static_cast<const InterpCallback*>(self)->prog.get(), r1, r2, r3, r4, r5);
}

const void* const* label_table() {
  static const void* const* table = reinterpret_cast<const void* const*>(interp_entry(nullptr, 0, 0, 0, 0, 0));
  return table;
}

// Handlers come in groups of four per operation, [64_K, 64_X, 32_K, 32_X].
Handler variant(Handler base64k, bool is64, bool is_x) {
  return static_cast<Handler>(base64k + (is64 ? 0 : 2) + (is_x ? 1 : 0));
}

Handler alu_base(uint8_t op, bool is_signed) {
  switch (op) {
    case BPF_ADD: return H_ADD64_K;
    case BPF_SUB: return H_SUB64_K;
    case BPF_MUL: return H_MUL64_K;
    case BPF_DIV: return is_signed ? H_SDIV64_K : H_DIV64_K;
    case BPF_OR: return H_OR64_K;
    case BPF_AND: return H_AND64_K;
    case BPF_LSH: return H_LSH64_K;
    case BPF_RSH: return H_RSH64_K;
    case BPF_MOD: return is_signed ? H_SMOD64_K : H_MOD64_K;
    case BPF_XOR: return H_XOR64_K;
    case BPF_MOV: return H_MOV64_K;
    case BPF_ARSH: return H_ARSH64_K;
    default: return H_FAULT;
  }
}

Handler jump_base(uint8_t op) {
  switch (op) {
    case BPF_JEQ: return H_JEQ64_K;
    case BPF_JGT: return H_JGT64_K;
    case BPF_JGE: return H_JGE64_K;
    case BPF_JSET: return H_JSET64_K;
    case BPF_JNE: return H_JNE64_K;
    case BPF_JSGT: return H_JSGT64_K;
    case BPF_JSGE: return H_JSGE64_K;
    case BPF_JLT: return H_JLT64_K;
    case BPF_JLE: return H_JLE64_K;
    case BPF_JSLT: return H_JSLT64_K;
    case BPF_JSLE: return H_JSLE64_K;
    default: return H_FAULT;
  }
}

// ALU and ALU64 with their variants; may rewrite the operands in `d`.
Handler alu_handler(const isa::Insn& in, DInsn& d) {
  const bool is64 = BPF_CLASS(in.code) == BPF_ALU64;
  const bool is_x = BPF_SRC(in.code) == BPF_X;
  const uint8_t op = BPF_OP(in.code);
  if (op == BPF_MOV && is_x && in.off != 0) {
    if (!is64) return in.off == 8 ? H_MOVSX32_8 : H_MOVSX32_16;
    return in.off == 8 ? H_MOVSX64_8 : in.off == 16 ? H_MOVSX64_16 : H_MOVSX64_32;
  }
  const bool is_signed = (op == BPF_DIV || op == BPF_MOD) && in.off == 1;
  if (!is_x && (op == BPF_DIV || op == BPF_MOD)) {
    // RFC 9669 results for the divisors C++ can't divide by.
    const bool by_zero = in.imm == 0, by_minus_one = is_signed && in.imm == -1;
    if (op == BPF_DIV && by_zero) return d.f.imm = 0, variant(H_MOV64_K, is64, false);      // x / 0 = 0
    if (op == BPF_DIV && by_minus_one) return is64 ? H_NEG64 : H_NEG32;                      // x / -1 = -x
    if (op == BPF_MOD && by_minus_one) return d.f.imm = 0, variant(H_MOV64_K, is64, false);  // x % -1 = 0
    if (op == BPF_MOD && by_zero) {  // x % 0 = x (32-bit: zero-extended)
      if (is64) return H_NOP;
      d.f.src = d.f.dst;
      return H_MOV32_X;
    }
  }
  if (!is_x && (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)) d.f.imm &= is64 ? 63 : 31;
  return variant(alu_base(op, is_signed), is64, is_x);
}

Handler end_handler(const isa::Insn& in) {
  const bool swap = BPF_CLASS(in.code) == BPF_ALU64 || BPF_SRC(in.code) == BPF_TO_BE;  // bswap or be: a swap here
  switch (in.imm) {
    case 16: return swap ? H_BE16 : H_LE16;
    case 32: return swap ? H_BE32 : H_LE32;
    default: return swap ? H_BE64 : H_NOP;
  }
}

Handler atomic_handler(const isa::Insn& in) {
  const int base = BPF_SIZE(in.code) == BPF_DW ? H_ATOMIC64_ADD : H_ATOMIC32_ADD;
  int k;
  switch (in.imm) {
    case BPF_ADD: k = 0; break;
    case BPF_OR: k = 1; break;
    case BPF_AND: k = 2; break;
    case BPF_XOR: k = 3; break;
    case BPF_ADD | BPF_FETCH: k = 4; break;
    case BPF_OR | BPF_FETCH: k = 5; break;
    case BPF_AND | BPF_FETCH: k = 6; break;
    case BPF_XOR | BPF_FETCH: k = 7; break;
    case BPF_XCHG: k = 8; break;
    case BPF_CMPXCHG: k = 9; break;
    default: return H_FAULT;
  }
  return static_cast<Handler>(base + k);
}

Handler mem_handler(const isa::Insn& in, isa::OpKind kind) {
  const int sz = BPF_SIZE(in.code);
  const int k = sz == BPF_B ? 0 : sz == BPF_H ? 1 : sz == BPF_W ? 2 : 3;
  switch (kind) {
    case isa::OpKind::Ldx: return static_cast<Handler>(H_LDXB + k);
    case isa::OpKind::LdxSx: return static_cast<Handler>(H_LDXSB + k);
    case isa::OpKind::St: return static_cast<Handler>(H_STB + k);
    default: return static_cast<Handler>(H_STXB + k);
  }
}

// The call handler for a kfunc by how its return value must be widened.
Handler kfunc_handler(int8_t ret_ext) {
  switch (ret_ext) {
    case 1: return H_CALL_KFUNC_ZX8;
    case 2: return H_CALL_KFUNC_ZX16;
    case 4: return H_CALL_KFUNC_ZX32;
    case -1: return H_CALL_KFUNC_SX8;
    case -2: return H_CALL_KFUNC_SX16;
    case -4: return H_CALL_KFUNC_SX32;
    default: return H_CALL_HELPER;
  }
}

class Decoder {
 public:
  Decoder(const PreparedProgram& prog, Code& code)
      : insns_(prog.insns), prog_(prog), opts_(prog.exec), code_(code) {}

  Error run() {
    const void* const* labels = label_table();
    code_.insns.assign(insns_.size() + 1, DInsn{labels[H_FAULT], {}});  // + sentinel: running off the end faults
    for (size_t i = 0; i < insns_.size(); ++i) {
      Handler h = H_FAULT;
      if (Error err = decode(i, h)) return err;
      code_.insns[i].op = labels[h];
      if (isa::is_lddw(insns_[i])) ++i;  // its second slot stays FAULT and carries the immediate
    }
    fuse_pairs(labels);
    return {};
  }

 private:
  Error fail(size_t i, const std::string& msg) const {
    std::string text = base::strprintf("insn %zu: ", i) + msg;
    if (!opts_.name.empty()) text = "prog '" + opts_.name + "': " + text;
    return Error(-EINVAL, text);
  }

  Error decode(size_t i, Handler& h) {
    const isa::Insn& in = insns_[i];
    DInsn& d = code_.insns[i];
    d.f = {in.dst_reg, in.src_reg, in.off, in.imm};
    // The dispatch loop indexes its register file with these unchecked.
    if (in.dst_reg >= isa::kNumRegs || in.src_reg >= isa::kNumRegs)
      return fail(i, base::strprintf("R%d is invalid", in.dst_reg >= isa::kNumRegs ? in.dst_reg : in.src_reg));
    const isa::OpKind kind = isa::opcode_info(in.code).kind;
    switch (kind) {
      case isa::OpKind::Alu: h = alu_handler(in, d); break;
      case isa::OpKind::Neg: h = BPF_CLASS(in.code) == BPF_ALU64 ? H_NEG64 : H_NEG32; break;
      case isa::OpKind::End:
      case isa::OpKind::Bswap: h = end_handler(in); break;
      case isa::OpKind::Jcond:
        h = variant(jump_base(BPF_OP(in.code)), BPF_CLASS(in.code) == BPF_JMP, BPF_SRC(in.code) == BPF_X);
        break;
      case isa::OpKind::Ja: h = H_JA; break;
      case isa::OpKind::Gotol: h = H_GOTOL; break;
      case isa::OpKind::Exit: h = H_EXIT; break;
      case isa::OpKind::Call: return decode_call(i, h);
      case isa::OpKind::Callx:
        if (!opts_.allow_callx) return fail(i, "callx is not enabled");
        h = H_CALLX;
        break;
      case isa::OpKind::LdImm64: return decode_lddw(i, h);
      case isa::OpKind::Ldx:
      case isa::OpKind::LdxSx:
        h = mem_handler(in, kind);
        if (i < prog_.probe_mem.size() && prog_.probe_mem[i])
          h = static_cast<Handler>(h - (kind == isa::OpKind::Ldx ? H_LDXB - H_PROBE_LDXB : H_LDXSB - H_PROBE_LDXSB));
        break;
      case isa::OpKind::St:
      case isa::OpKind::Stx: h = mem_handler(in, kind); break;
      case isa::OpKind::Atomic: h = atomic_handler(in); break;
      case isa::OpKind::Invalid: return fail(i, base::strprintf("unknown opcode %02x", in.code));
    }
    if (h == H_FAULT) return fail(i, base::strprintf("unsupported form of opcode %02x", in.code));
    return {};
  }

  // Pairs that run as one handler at the first slot (see interp_program.h);
  // done after every slot is decoded, so both halves are known. The second
  // slot keeps its own handler for jumps that land on it.
  void fuse_pairs(const void* const* labels) {
    for (size_t i = 0; i + 1 < insns_.size(); ++i) {
      const isa::Insn& a = insns_[i];
      if (a.code == (BPF_ALU64 | BPF_MOV | BPF_X) && a.off == 0 && insns_[i + 1].code == (BPF_ALU64 | BPF_ADD | BPF_K) &&
          insns_[i + 1].dst_reg == a.dst_reg) {
        code_.insns[i].op = labels[H_MOV_ADD64];
        code_.insns[i].f.imm = insns_[i + 1].imm;
      } else if (isa::is_lddw(a) && i + 2 < insns_.size()) {
        const void* next = code_.insns[i + 2].op;
        if (next == labels[H_MAP_LOOKUP]) code_.insns[i].op = labels[H_LDDW_MAP_LOOKUP];
        if (next == labels[H_ARRAY_LOOKUP]) code_.insns[i].op = labels[H_LDDW_ARRAY_LOOKUP];
      }
    }
  }

  // bpf_map_lookup_elem bound to the one map every verified path passes.
  bool bind_map_lookup(size_t i, const CallTarget& c, Handler& h) {
    if (insns_[i].imm != BPF_FUNC_map_lookup_elem || !c.map) return false;
    maps::Map* map = c.map;
    DInsn& d = code_.insns[i];
    const uint32_t type = map->spec().type;
    if (type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY) {
      d.array = static_cast<const maps::ArrayMap*>(map);
      h = H_ARRAY_LOOKUP;
    } else {
      d.lookup = map->lookup_fn();
      h = H_MAP_LOOKUP;
    }
    return true;
  }

  Error decode_call(size_t i, Handler& h) {
    const isa::Insn& in = insns_[i];
    DInsn& d = code_.insns[i];
    const CallTarget& c = prog_.calls[i];
    switch (in.src_reg) {
      case 0:  // a helper, bound by the fixup stage: a call is one indirect call
        if (c.kind == CallTarget::Kind::TailCall) return h = H_TAIL_CALL, Error{};
        if (c.kind != CallTarget::Kind::Helper || !c.fn)
          return fail(i, base::strprintf("helper call #%d has no target (not a fixed-up program)", in.imm));
        if (bind_map_lookup(i, c, h)) return {};
        d.fn = c.fn;
        h = H_CALL_HELPER;
        return {};
      case BPF_PSEUDO_CALL: {
        const int64_t target = static_cast<int64_t>(i) + 1 + in.imm;
        if (target < 0 || target >= static_cast<int64_t>(insns_.size()))
          return fail(i, base::strprintf("call to invalid destination %lld", static_cast<long long>(target)));
        h = H_CALL_LOCAL;
        return {};
      }
      case BPF_PSEUDO_KFUNC_CALL:
        if (c.kind == CallTarget::Kind::Kfunc && c.fn) return d.fn = c.fn, h = kfunc_handler(c.ret_ext), Error{};
        return fail(i, base::strprintf("kernel function call with btf_id %d (off %d) is not resolved", in.imm, in.off));
      default: return fail(i, base::strprintf("BPF_CALL uses reserved fields (src_reg=%d)", in.src_reg));
    }
  }

  Error decode_lddw(size_t i, Handler& h) {
    const isa::Insn& in = insns_[i];
    if (i + 1 >= insns_.size()) return fail(i, "invalid bpf_ld_imm64 insn");
    uint64_t value = isa::lddw_imm64(&insns_[i]);
    if (in.src_reg == BPF_PSEUDO_FUNC) {
      const int64_t target = static_cast<int64_t>(i) + 1 + in.imm;
      if (target < 0 || target >= static_cast<int64_t>(insns_.size()))
        return fail(i, base::strprintf("callback target %lld is out of range", static_cast<long long>(target)));
      code_.callbacks.push_back(std::make_unique<InterpCallback>(&code_, &code_.insns[target], opts_));
      value = reinterpret_cast<uint64_t>(static_cast<const helpers::Callback*>(code_.callbacks.back().get()));
    }
    // Map references (BPF_PSEUDO_MAP_FD / _VALUE) arrive resolved to addresses.
    code_.insns[i + 1].u64 = value;
    h = H_LDDW;
    return {};
  }

  std::span<const isa::Insn> insns_;
  const PreparedProgram& prog_;
  const ExecOptions& opts_;
  Code& code_;
};

}  // namespace

InterpCallback::InterpCallback(const Code* code, const DInsn* start, const ExecOptions& opts)
    : helpers::Callback{&invoke_callback},
      prog(std::make_unique<InterpProgram>(nullptr, code, start, opts)) {}

}  // namespace interp

Result<std::shared_ptr<Executable>> make_interpreter(const PreparedProgram& prog) {
  if (prog.insns.empty()) return Error(-EINVAL, "program has no instructions");
  if (prog.calls.size() != prog.insns.size())
    return Error(-EINVAL, "prepared program has no call targets for its instructions");
  auto code = std::make_shared<interp::Code>();
  code->overrides = prog.exec.helper_overrides;
  if (Error err = interp::Decoder(prog, *code).run()) return err;
  const interp::Code* raw = code.get();
  return std::shared_ptr<Executable>(
      std::make_shared<interp::InterpProgram>(std::move(code), raw, raw->insns.data(), prog.exec));
}

}  // namespace hostbpf::exec
