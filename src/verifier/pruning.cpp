// State pruning and loop detection (the kernel's is_state_visited,
// states_equal, func_states_equal, regsafe, stacksafe, refsafe, check_ids,
// push_stack, update_branch_counts).
//
// Simplification (documented deviation): hostbpf has no liveness or
// precision tracking yet. Every register and stack byte an old state holds is
// compared, and every scalar is compared as if precise (range_within +
// tnum_in). Only an old NOT_INIT register or never-written stack byte matches
// anything. This is sound and never prunes where the kernel would not, but it
// prunes less: some programs need more processed instructions than in the
// kernel.
#include <algorithm>

#include "verifier/env.h"

namespace hostbpf::verifier {

namespace {

constexpr size_t kMaxPendingStates = 8192;  // BPF_COMPLEXITY_LIMIT_JMP_SEQ

// struct bpf_idmap: old ids mapped to cur ids, consistently.
struct IdMap {
  std::vector<std::pair<uint32_t, uint32_t>> map;
  uint32_t tmp_id_gen = 0x80000000u;

  bool check(uint32_t old_id, uint32_t cur_id) {
    if ((old_id == 0) != (cur_id == 0)) return false;
    if (old_id == 0) return true;
    for (const auto& [o, c] : map) {
      if (o == old_id) return c == cur_id;
      if (c == cur_id) return false;
    }
    map.emplace_back(old_id, cur_id);
    return true;
  }
  // check_scalar_ids: an unlinked scalar gets a fresh id of its own.
  bool check_scalar(uint32_t old_id, uint32_t cur_id) {
    if (!old_id) old_id = ++tmp_id_gen;
    if (!cur_id) cur_id = ++tmp_id_gen;
    return check(old_id, cur_id);
  }
};

bool same_fields(const RegState& a, const RegState& b) {
  return a.type == b.type && a.flags == b.flags && a.off == b.off && a.map == b.map && a.mem_size == b.mem_size &&
         a.subprog == b.subprog && a.frameno == b.frameno && a.btf == b.btf && a.btf_id == b.btf_id;
}

bool var_within(const RegState& old, const RegState& cur) { return range_within(old.var, cur.var); }

// regs_exact.
bool regs_exact(const RegState& old, const RegState& cur, IdMap& ids) {
  return same_fields(old, cur) && old.range == cur.range && old.var == cur.var && ids.check(old.id, cur.id) &&
         ids.check(old.ref_obj_id, cur.ref_obj_id);
}

bool regsafe(const RegState& old, const RegState& cur, IdMap& ids, bool exact, bool precise = true) {
  if (old.type == RegType::NotInit && (!exact || cur.type == RegType::NotInit)) return true;
  if (exact) return regs_exact(old, cur, ids);
  if (old.type != cur.type) return false;
  switch (old.type) {
    case RegType::Scalar:
      if (!precise) return true;  // regsafe's "!rold->precise" case
      return var_within(old, cur) && ids.check_scalar(old.id, cur.id);
    case RegType::MapKey:
    case RegType::MapValue:
    case RegType::Mem:
      return same_fields(old, cur) && var_within(old, cur) && ids.check(old.id, cur.id) &&
             ids.check(old.ref_obj_id, cur.ref_obj_id);
    case RegType::Packet:
    case RegType::PacketMeta:
      return old.range <= cur.range && old.off == cur.off && ids.check(old.id, cur.id) && var_within(old, cur);
    default:
      return regs_exact(old, cur, ids);
  }
}

bool all_misc(const StackSlot& s, bool allow_uninit) {
  for (auto t : s.type)
    if (!(t == kStackMisc || (t == kStackInvalid && allow_uninit))) return false;
  return true;
}

// scalar_reg_for_stack: a spilled scalar, or "unknown" for eight data bytes.
const RegState* scalar_for_stack(const StackSlot& s, bool allow_uninit, const RegState& unbound) {
  if (s.is_full_spill() && s.spilled.is_scalar()) return &s.spilled;
  if (all_misc(s, allow_uninit)) return &unbound;
  return nullptr;
}

bool stacksafe(const FuncState& old, const FuncState& cur, IdMap& ids, bool exact, bool allow_uninit) {
  static const RegState unbound = RegState::unknown();
  const size_t old_bytes = old.stack.size() * 8;
  const size_t cur_bytes = cur.stack.size() * 8;
  if (exact && old_bytes != cur_bytes) return false;
  for (size_t i = 0; i < old_bytes; i++) {
    const size_t spi = i / 8, idx = i % 8;
    const uint8_t ot = old.stack[spi].type[idx];
    if (!exact && ot == kStackInvalid) continue;
    if (i >= cur_bytes) return false;
    const uint8_t ct = cur.stack[spi].type[idx];
    if (!exact && ot == kStackMisc && ct == kStackZero) continue;
    if (!exact) {
      const RegState* o = scalar_for_stack(old.stack[spi], allow_uninit, unbound);
      const RegState* c = scalar_for_stack(cur.stack[spi], allow_uninit, unbound);
      if (o && c) {
        if (!regsafe(*o, *c, ids, exact)) return false;
        i += 7 - idx;
        continue;
      }
    }
    if (ot != ct) return false;
    if (idx == 7 && ot == kStackSpill && !regsafe(old.stack[spi].spilled, cur.stack[spi].spilled, ids, exact))
      return false;
  }
  return true;
}

bool refsafe(const VerifierState& old, const VerifierState& cur, IdMap& ids) {
  if (old.refs.size() != cur.refs.size()) return false;
  for (size_t i = 0; i < old.refs.size(); i++)
    if (!ids.check(old.refs[i].id, cur.refs[i].id)) return false;
  return true;
}

// Registers of frame `f` that the rest of the path may read: the top frame
// continues at `insn`, a caller at the instruction after its call, or at the
// call itself when the callee is a callback (its exit returns there, and the
// call reads r1-r5 again to decide on another iteration).
uint16_t live_mask(const Env& env, const std::vector<uint16_t>& per_insn, const VerifierState& st, size_t f,
                   int32_t insn) {
  const FuncState* callee = f + 1 < st.frames.size() ? &st.frames[f + 1] : nullptr;
  const int32_t at = !callee ? insn : callee->in_callback_fn ? callee->callsite : callee->callsite + 1;
  if (at < 0 || static_cast<size_t>(at) >= env.insns.size()) return 0xffff;
  return static_cast<uint16_t>(per_insn[static_cast<size_t>(at)] | (1u << isa::kFramePointer));
}

bool states_equal(const Env& env, const VerifierState& old, const VerifierState& cur, bool exact, int32_t insn) {
  if (old.frames.size() != cur.frames.size()) return false;
  IdMap ids;
  if (!refsafe(old, cur, ids)) return false;
  for (size_t f = 0; f < old.frames.size(); f++) {
    const FuncState& o = old.frames[f];
    const FuncState& c = cur.frames[f];
    if (o.callsite != c.callsite) return false;
    const uint16_t live = exact ? 0xffff : live_mask(env, env.live_regs, old, f, insn);
    const uint16_t precise = exact ? 0xffff : live_mask(env, env.precise_regs, old, f, insn);
    for (int r = 0; r < isa::kNumRegs; r++)
      if ((live >> r & 1) && !regsafe(o.regs[r], c.regs[r], ids, exact, precise >> r & 1)) return false;
    if (!stacksafe(o, c, ids, exact, env.in.allow_uninit_stack)) return false;
  }
  return true;
}

}  // namespace

PendingState& push_stack(Env& env, int32_t insn, int32_t prev_insn) {
  env.pending.push_back(PendingState{env.cur, insn, prev_insn, env.log.size()});
  if (env.cur.parent >= 0) env.explored[env.cur.parent].branches++;
  return env.pending.back();
}

void update_branch_counts(Env& env) {
  for (int32_t p = env.cur.parent; p >= 0;) {
    ExploredState& e = env.explored[p];
    if (--e.branches > 0) break;
    p = e.st.parent;
  }
}

int is_state_visited(Env& env, int32_t insn) {
  if (env.pending.size() > kMaxPendingStates)
    return env.reject(-E2BIG, "The sequence of %zu jumps is too complex.", env.pending.size());
  const bool force = env.ps.has(insn, kInsnForceCheckpoint);
  bool add_new = force || (env.jmps_processed - env.prev_jmps_processed >= 2 &&
                           env.stats.processed_insns - env.prev_insn_processed >= 8);
  auto& list = env.explored_at[insn];
  for (size_t k = 0; k < list.size();) {
    ExploredState& e = env.explored[list[k]];
    if (e.branches > 0 && env.ps.has(insn, kInsnCallsCallback)) {
      // A callback's call is the head of its iterations (each returns to it):
      // a state within an ancestor's there means they converged (the kernel's
      // calls_callback case).
      if (states_equal(env, e.st, env.cur, false, insn)) {
        e.hits++;
        return 1;
      }
      if (env.jmps_processed - env.prev_jmps_processed < 20 &&
          env.stats.processed_insns - env.prev_insn_processed < 100)
        add_new = false;
    } else if (e.branches > 0) {
      // An ancestor still being explored: equal means the loop never ends
      // (unless a callback iteration lies between them).
      if (e.st.callback_unroll_depth == env.cur.callback_unroll_depth &&
          states_equal(env, e.st, env.cur, true, insn)) {
        log_linfo(env, insn, "; ");
        return env.reject(-EINVAL, "infinite loop detected at insn %d", insn);
      }
      if (env.jmps_processed - env.prev_jmps_processed < 20 &&
          env.stats.processed_insns - env.prev_insn_processed < 100)
        add_new = false;
    } else if (states_equal(env, e.st, env.cur, false, insn)) {
      e.hits++;
      return 1;
    }
    e.misses++;
    // Evict states that keep missing (the kernel's miss_cnt heuristic). An
    // evicted state still being explored stays alive for its children's
    // branch counts; it only leaves this list.
    const uint32_t n = force ? 64 : 3;
    if (e.misses > e.hits * n + n) {
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(k));
      env.cur_states--;
      continue;
    }
    k++;
  }
  if (!add_new) return 0;
  env.prev_jmps_processed = env.jmps_processed;
  env.prev_insn_processed = env.stats.processed_insns;
  ExploredState e{env.cur, insn, 1, 0, 0};
  env.explored.push_back(std::move(e));
  const auto idx = static_cast<int32_t>(env.explored.size() - 1);
  env.cur.parent = idx;
  list.push_back(static_cast<uint32_t>(idx));
  env.stats.total_states++;
  env.cur_states++;
  env.stats.peak_states = std::max(env.stats.peak_states, env.cur_states);
  env.stats.max_states_per_insn = std::max(env.stats.max_states_per_insn, static_cast<uint32_t>(list.size()));
  return 0;
}

}  // namespace hostbpf::verifier
