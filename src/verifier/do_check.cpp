// The main loop of the abstract interpreter (the kernel's do_check,
// do_check_insn and pop_stack), register read/write checks and LDDW.
#include <algorithm>
#include <cstdio>

#include "base/strprintf.h"
#include "verifier/env.h"
#include "verifier/liveness.h"

namespace hostbpf::verifier {

Env::Env(const VerifyInput& input, const ProgramStructure& structure)
    : in(input), ops(prog_types::ops(input.prog_type)), insns(input.insns), ps(structure) {
  facts.resize(insns.size());
  mem_ptr_type.resize(insns.size(), RegType::NotInit);
  explored_at.resize(insns.size());
  stats.stack_depth.assign(ps.subprogs.size(), 0);
  live_regs = compute_live_regs(insns, ps);
  precise_regs = compute_precise_regs(insns, ps);
}

void Env::verbose(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log += base::vstrprintf(fmt, ap);
  va_end(ap);
}

int Env::reject(int err, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  error_msg = base::vstrprintf(fmt, ap);
  va_end(ap);
  log += error_msg;
  log += '\n';
  return err;
}

void Env::update_stack_depth(const FuncState& f, int32_t off) {
  auto& depth = stats.stack_depth[f.subprog];
  if (-off > depth) depth = -off;
}

int check_reg_read(Env& env, int regno) {
  env.mark_reg_scratched(regno);
  if (env.reg(regno).type == RegType::NotInit) return env.reject(-EACCES, "R%d !read_ok", regno);
  return 0;
}

int check_reg_write(Env& env, int regno) {
  env.mark_reg_scratched(regno);
  if (regno == isa::kFramePointer) return env.reject(-EACCES, "frame pointer is read only");
  return 0;
}

void mark_reg_unknown(Env& env, int regno) { env.reg(regno) = RegState::unknown(); }
void mark_reg_not_init(Env& env, int regno) { env.reg(regno) = RegState::not_init(); }

FuncState& stack_frame_of(Env& env, const RegState& r) { return env.frame(r.frameno); }

namespace {

// init_func_state / init_reg_state: R1 = ctx, R10 = frame pointer.
void init_state(Env& env) {
  FuncState f;
  f.regs[1] = RegState::pointer(RegType::Ctx);
  f.regs[isa::kFramePointer] = RegState::pointer(RegType::Stack);
  env.cur.frames.assign(1, std::move(f));
  env.mark_reg_scratched(1);
  env.mark_reg_scratched(isa::kFramePointer);
}

// check_ld_imm: maps by index, map values (global data) and functions.
int check_ld_imm(Env& env, const isa::Insn* insn) {
  if (int err = check_reg_write(env, insn->dst_reg)) return err;
  RegState& dst = env.reg(insn->dst_reg);
  switch (insn->src_reg) {
    case 0:
      dst = RegState::known(isa::lddw_imm64(insn));
      return 0;
    case BPF_PSEUDO_FUNC: {
      const int sub = env.ps.find_subprog(static_cast<uint32_t>(env.insn_idx + insn->imm + 1));
      dst = RegState::pointer(RegType::Func);
      dst.subprog = sub;
      return 0;
    }
    case BPF_PSEUDO_MAP_IDX:
    case BPF_PSEUDO_MAP_IDX_VALUE: {
      const maps::MapSpec* m = env.map(insn->imm);
      if (!m) return env.reject(-EINVAL, "fd_idx without fd_array is invalid");
      if (insn->src_reg == BPF_PSEUDO_MAP_IDX) {
        dst = RegState::pointer(RegType::ConstMapPtr);
      } else {
        const uint32_t off = static_cast<uint32_t>(insn[1].imm);
        if (off >= m->value_size) return env.reject(-EINVAL, "invalid access to map value pointer, value_size=%u off=%u", m->value_size, off);
        dst = RegState::pointer(RegType::MapValue);
        dst.off = static_cast<int32_t>(off);
      }
      dst.map = insn->imm;
      return 0;
    }
    case BPF_PSEUDO_BTF_ID: {
      // The address of an extern kfunc (object_spec.h): check_pseudo_btf_id
      // types a FUNC as rdonly memory of size 0; an unresolved __weak one is
      // 0, as libbpf leaves it, so `if (bpf_ksym_exists(f))` prunes the call.
      if (insn->imm < 0 || static_cast<size_t>(insn->imm) >= env.in.kfuncs.size())
        return env.reject(-EINVAL, "ldimm64 names ksym #%d, but the program has %zu", insn->imm, env.in.kfuncs.size());
      if (!env.in.kfuncs[static_cast<size_t>(insn->imm)].owner) {
        dst = RegState::known(0);
        return 0;
      }
      dst = RegState::pointer(RegType::Mem, kMemRdonly);
      dst.mem_size = 0;
      return 0;
    }
    default:
      return env.reject(-EINVAL, "unrecognized bpf_ld_imm64 insn");
  }
}

// Marks the instruction reached by a path (InsnFacts::seen).
void record_fact(Env& env, int32_t idx) { env.facts[idx].seen = true; }

// pop_stack: the next pending path, or false when all are done.
bool pop_stack(Env& env) {
  if (env.pending.empty()) return false;
  PendingState& p = env.pending.back();
  env.cur = std::move(p.st);
  env.prev_insn_idx = p.prev_insn;
  env.insn_idx = p.insn;
  if (!env.log2()) env.log.resize(std::min(env.log.size(), p.log_pos));
  env.pending.pop_back();
  return true;
}

// One instruction; sets `next` (-1: the path ended at the main exit).
int do_check_insn(Env& env, int32_t& next) {
  const isa::Insn* insn = &env.insns[env.insn_idx];
  next = env.insn_idx + 1;
  switch (isa::insn_class(*insn)) {
    case BPF_ALU:
    case BPF_ALU64:
      return check_alu(env, *insn);
    case BPF_LDX:
      return check_load(env, *insn);
    case BPF_STX:
      if (BPF_MODE(insn->code) == BPF_ATOMIC) return check_atomic(env, *insn);
      return check_store(env, *insn);
    case BPF_ST:
      return check_store(env, *insn);
    case BPF_LD:
      if (isa::is_lddw(*insn)) {
        next = env.insn_idx + 2;
        return check_ld_imm(env, insn);
      }
      return env.reject(-EINVAL, "BPF_LD_[ABS|IND] instructions not allowed for this program type");
    default:
      break;
  }
  // BPF_JMP / BPF_JMP32
  const uint8_t op = BPF_OP(insn->code);
  env.jmps_processed++;
  if (op == BPF_CALL) {
    if (isa::is_pseudo_call(*insn)) return check_func_call(env, *insn, next);
    if (isa::is_helper_call(*insn)) return check_helper_call(env, *insn, next);
    if (isa::is_kfunc_call(*insn)) return check_kfunc_call(env, *insn);
    return env.reject(-EINVAL, "invalid BPF_CALL insn");
  }
  if (op == BPF_JA) {
    next = env.insn_idx + 1 + (isa::insn_class(*insn) == BPF_JMP ? insn->off : insn->imm);
    return 0;
  }
  if (op == BPF_EXIT) return check_exit(env, next);
  return check_cond_jmp(env, *insn, next);
}

int do_check(Env& env) {
  init_state(env);
  env.insn_idx = 0;
  for (;;) {
    const int32_t idx = env.insn_idx;
    env.insn_log_start = env.log.size();
    if (++env.stats.processed_insns > kComplexityLimitInsns)
      return env.reject(-E2BIG, "BPF program is too large. Processed %u insn", env.stats.processed_insns);
    record_fact(env, idx);
    bool ended = false;
    if (env.ps.has(idx, kInsnPrunePoint) || env.ps.has(idx, kInsnForceCheckpoint)) {
      const int r = is_state_visited(env, idx);
      if (r < 0) return r;
      if (r == 1) {
        if (env.log_on()) {
          if (env.do_print_state) env.verbose("\nfrom %d to %d: safe\n", env.prev_insn_idx, idx);
          else env.verbose("%d: safe\n", idx);
        }
        ended = true;
      }
    }
    int32_t next = idx + 1;
    if (!ended) {
      // Where a pending path resumes: level 2 names the jump and prints the
      // whole state; at both levels the first instruction's line then shows
      // every register again (all are scratched). At level 1 this lands right
      // after the truncated jump line ("goto pc+1 4: R0=..."), as the kernel's.
      if (env.log2() && env.do_print_state) {
        env.verbose("\nfrom %d to %d:", env.prev_insn_idx, idx);
        const uint32_t regs = env.scratched_regs;
        const uint64_t stack = env.scratched_stack;
        log_state(env, true);
        env.scratched_regs = regs;
        env.scratched_stack = stack;
      }
      env.do_print_state = false;
      if (env.log_on()) log_insn(env, idx);
      env.insn_log_start = env.log.size();
      if (int err = do_check_insn(env, next)) return err;
      ended = next < 0;
    }
    if (!ended) {
      env.prev_insn_idx = idx;
      env.insn_idx = next;
      continue;
    }
    // process_bpf_exit: this path is done.
    update_branch_counts(env);
    if (!pop_stack(env)) return 0;
    env.do_print_state = true;
    env.mark_all_scratched();
  }
}

}  // namespace

int run_do_check(Env& env) { return do_check(env); }

}  // namespace hostbpf::verifier
