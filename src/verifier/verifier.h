// The verifier's entry point: structure checks, then abstract interpretation
// of every path (the kernel's bpf_check / do_check), with the kernel's log.
//
// Semantics are the privileged kernel's (CAP_BPF + CAP_PERFMON): pointer
// comparisons and subtraction allowed, reads of uninitialised stack allowed
// (as allow_uninit_stack), released pointers become unknown scalars
// (mark_reg_invalid with allow_ptr_leaks).
//
// Known differences from the kernel (each is either stricter, or noted as a
// gap to close):
//  - No read marks or precision backtracking: pruning ignores registers that
//    static liveness proves dead and scalars whose value statically reaches no
//    check (liveness.h); spilled scalars are always compared precisely. Sound,
//    sometimes more processed instructions than the kernel (sometimes fewer).
//  - bpf_loop callbacks iterate to a fixpoint as in v6.8+, but without the
//    kernel's widening of imprecise scalars: a callback that keeps changing
//    an unbounded counter needs more iterations (stricter, never unsound).
//  - Global functions are verified per call site like static ones.
//  - Packet comparisons set no AT/BEYOND_PKT_END markers, so a later
//    comparison of the same pointers is not predicted as in the kernel.
//  - Loads from frozen read-only maps give unknown scalars, not constants.
//  - No return-value range checks per program type; LD_ABS/IND rejected.
//  - kfunc calls (check_kfunc.cpp) follow check_kfunc_call for plain kfuncs:
//    flags ACQUIRE, RELEASE, RET_NULL, TRUSTED_ARGS, RCU, SLEEPABLE and
//    DESTRUCTIVE; scalar, __k, memory (+__sz/__szk, __opt), __nullable, __ign,
//    ctx and struct-pointer arguments. Iterators, dynptrs, callbacks, graph
//    (list/rbtree) and the other special argument kinds are refused with a
//    message naming the argument; there are no RCU read sections yet, so
//    KF_RCU accepts trusted (referenced) pointers.
//  - Only the helpers hostbpf implements may be called (helpers/helper.h);
//    __sk_buff's `sk` field is refused rather than typed as a socket.
//  - The differences the verifier corpus shows against a running kernel are
//    listed in tests/verifier/corpus/DIFFERENCES.md.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hostbpf/error.h"
#include "isa/insn.h"
#include "kfunc/kfunc_set.h"
#include "maps/map.h"
#include "module/btf_owner.h"
#include "object/object_spec.h"

namespace hostbpf::verifier {

/// An extern kfunc of the program, as loading resolved it (the kernel's
/// bpf_kfunc_desc): CALL BPF_PSEUDO_KFUNC_CALL and LDDW BPF_PSEUDO_BTF_ID in
/// the loader's form index these (object_spec.h).
struct KfuncTarget {
  /// The kernel's name of the function (the program's, ___flavor included,
  /// when unresolved).
  std::string name;
  /// Whose BTF holds the FUNC; nullptr for an unresolved __weak kfunc, which
  /// only unreachable code may call.
  const module::BtfOwner* owner = nullptr;
  uint32_t id = 0;             // the FUNC's id in owner->btf
  const void* addr = nullptr;  // the host function
  /// How R0 is widened after the native call: a return narrower than 64 bits,
  /// its size in bytes, negative when signed; 0 otherwise (exec::CallTarget).
  int8_t ret_ext = 0;
};

struct VerifyInput {
  /// The program in the loader's form (object_spec.h): maps by index.
  std::span<const isa::Insn> insns;
  ProgType prog_type = ProgType::Unspec;
  uint32_t expected_attach_type = 0;
  /// Map specs by index (BPF_PSEUDO_MAP_IDX / BPF_PSEUDO_MAP_IDX_VALUE imm).
  std::span<const maps::MapSpec> maps;
  std::span<const object::LineInfo> line_info;
  std::span<const object::FuncInfo> func_info;
  const struct btf* btf = nullptr;  // what func_info refers to (optional)
  /// 0: no log; 1: the path to the error; 2: every instruction with its state.
  int log_level = 0;
  bool gpl_compatible = true;
  /// env->allow_uninit_stack (CAP_PERFMON); false gives the unprivileged
  /// "invalid read from stack off %d+%d size %d" rejections.
  bool allow_uninit_stack = true;
  /// The program's extern kfuncs by ksym index, and the registry that says
  /// which of them this program type may call, with which flags.
  std::span<const KfuncTarget> kfuncs;
  const kfunc::KfuncRegistry* kfunc_registry = nullptr;
  bool sleepable = false;           // BPF_F_SLEEPABLE
  bool allow_destructive = false;   // capable(CAP_SYS_BOOT): KF_DESTRUCTIVE kfuncs
  std::string prog_name;            // for kfunc filters (ProgInfo)
};

/// What an instruction saw, merged over every path that reached it.
/// What the verifier proved about one instruction, for the fixup stage
/// (exec/fixup.h). One instruction is reached on many paths; each field says
/// how what the paths saw is merged. No field is simply overwritten by the
/// last path: a fact holds on every path, or is merged conservatively, or the
/// program is refused.
struct InsnFacts {
  static constexpr int32_t kNoMap = -1;
  static constexpr int32_t kMapConflict = -2;  // paths disagree: no single map

  /// Reached by some path (any path: OR). Dead code is what no path reached.
  bool seen = false;
  /// Helper calls: the map passed as the CONST_PTR_TO_MAP argument. kNoMap
  /// when the helper takes none; paths that pass different maps make it
  /// kMapConflict (merge_map), so a bound lookup is one every path agrees on.
  int32_t map = kNoMap;
  /// Loads and stores (LDX, STX, ST): the base pointer is the context. The
  /// same on every path, or the program is refused ("same insn cannot be used
  /// with different pointers", save_aux_ptr_type), so fixups may rewrite it.
  bool ctx_access = false;
  /// ctx loads whose result is a packet pointer (xdp_md.data, ...). The field
  /// is the instruction's own (ctx pointers carry no offset), so every path
  /// agrees; merge_ctx_pointer_load refuses a disagreement as a verifier bug.
  bool ctx_pointer_load = false;
  /// Loads through a PTR_TO_BTF_ID that is not trusted on some path (OR): the
  /// executor must read fault-safely there (the kernel's BPF_PROBE_MEM).
  bool probe_mem = false;

  void merge_map(int32_t m) {
    if (m < 0) return;
    if (map == kNoMap) map = m;
    else if (map != m) map = kMapConflict;
  }
  /// `first`: this is the first path to load through the instruction. False
  /// when an earlier path saw the other kind of field.
  bool merge_ctx_pointer_load(bool pointer, bool first) {
    if (first) ctx_pointer_load = pointer;
    return ctx_pointer_load == pointer;
  }
};


struct VerifyStats {
  uint32_t processed_insns = 0;
  uint32_t total_states = 0;
  uint32_t peak_states = 0;
  uint32_t max_states_per_insn = 0;
  uint64_t time_usec = 0;
  std::vector<int32_t> stack_depth;  // per subprogram, bytes
  /// One past the last ctx byte any instruction accesses (the kernel's
  /// prog->aux->max_ctx_offset): a test run with a smaller ctx is -EINVAL.
  uint32_t max_ctx_offset = 0;
};

struct VerifyResult {
  std::string log;  // empty unless log_level > 0
  VerifyStats stats;
  std::vector<InsnFacts> facts;  // one per instruction slot
};

/// Verifies a program. A rejection is an Error with the kernel's errno
/// (-EINVAL, -EACCES, -E2BIG...), the kernel's message for the first problem
/// and the log (at log_level 0, the path to the error as level 1 would print).
Result<VerifyResult> verify(const VerifyInput& input);

}  // namespace hostbpf::verifier
