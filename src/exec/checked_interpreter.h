// A checked reference interpreter: runs a program the slow, obvious way (one
// switch per instruction) and validates every memory access against the real
// memory the run may touch, to test the verifier's soundness. Not for
// production runs.
//
// What "may touch" means here is the kernel's promise for a verified program:
//  - each live call frame's stack (the verifier's stack depth of its
//    subprogram when given, else 512 bytes), each frame a separate region;
//  - the ctx (ctx_size bytes; read-only for XDP, whose struct xdp_md also
//    yields the packet [data, data_end) and its metadata [data_meta, data));
//  - each map value a lookup returned (value_size bytes, read-only for
//    BPF_F_RDONLY_PROG maps) and global data (LDDW BPF_PSEUDO_MAP_VALUE);
//  - each ring buffer record from bpf_ringbuf_reserve until its submit or
//    discard.
// Pointers carry provenance: every register and every stored byte remembers
// which region (allocation) its value points into, the way the verifier's
// pointer types do. An access must stay inside the region of the pointer it is
// made through, so an overflow from one array element into its live neighbour
// is still caught. Helper arguments are checked against the helper's prototype
// (helpers/helper.h): memory+size pairs, map keys and values, maps,
// ring buffer records, callbacks, the ctx.
//
// The same provenance tells when a run's outcome depends on addresses (a
// pointer turned into a number, compared with another region's pointer, stored
// into a map) or on uninitialised stack: CheckedResult::address_dependent. When
// it is false, R0 and every byte the program wrote are a deterministic function
// of the inputs, so the result can serve as an oracle for the fast
// interpreter and the JIT on an identical world.
//
// The checked interpreter calls the real helpers (helpers/helper.h) on the real
// maps (src/maps); bpf_loop callbacks run back in the checked interpreter.
// Like any run it must happen inside an RCU read-side section with an
// EnvScope installed. Tail calls end the run as Unsupported.
//
// kfunc calls (fixed-up form, bound by CheckedOptions::kfuncs) call the host
// function. What a kfunc returns is host memory (or a number) this model
// cannot size, so R0 gets the provenance of one "host" region: reads through
// it are not bounds-checked and are made fault-safe (0 when unreadable, as
// the executor's probe loads), writes through it are violations (the
// verifier allows none), and the run counts as address-dependent (a kfunc's
// result is not a function of the program's inputs). kfunc arguments are not
// checked against the kfunc's prototype here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hostbpf/error.h"
#include "isa/insn.h"
#include "exec/executable.h"
#include "maps/map.h"

namespace hostbpf::exec {

enum class RegionKind : uint8_t {
  Stack,
  Ctx,
  MapValue,    // a value returned by a lookup, or global data
  Packet,      // XDP: [data, data_end)
  PacketMeta,  // XDP: [data_meta, data)
  Ringbuf,     // a reserved ring buffer record
  Object,      // a map or callback: a pointer that is not memory (size 0)
  Host,        // memory a kfunc returned: reads unchecked and fault-safe, no writes
};
const char* region_kind_name(RegionKind k);

struct MemRegion {
  RegionKind kind = RegionKind::Stack;
  uint64_t start = 0;
  uint64_t size = 0;
  bool writable = true;
  bool live = true;   // false once its frame returned or its record was submitted
  std::string name;   // "stack of frame 1 (subprog 2)", "map 'counters' value", ...
};

enum class ViolationKind : uint8_t {
  OutOfBounds,      // an access outside the region of its pointer (or a dead region)
  NotAPointer,      // a dereference through a value without pointer provenance
  ReadOnly,         // a write into a read-only region
  Forbidden,        // an access the kernel never allows (atomics on ctx/packet)
  Misaligned,       // an atomic access that is not naturally aligned
  HelperArg,        // a helper argument that breaks the helper's prototype
  UninitRegister,   // a register read that no write on this path reached
  FramePointerWrite,
  CallDepth,        // more than 8 call frames (bpf-to-bpf calls and callbacks)
  BadControlFlow,   // out of the program, into an LDDW's second slot, bad opcode
  ReferenceLeak,    // a ring buffer record neither submitted nor discarded at exit
  CallbackReturn,   // a callback returned something other than 0 or 1
};
const char* violation_kind_name(ViolationKind k);

struct Violation {
  ViolationKind kind = ViolationKind::OutOfBounds;
  int32_t insn = -1;  // instruction index
  uint64_t addr = 0;  // memory violations: the accessed range
  uint64_t size = 0;
  bool write = false;
  std::string detail;                // what happened, in words
  std::optional<MemRegion> nearest;  // the pointer's region, or the nearest one by address
  /// One paragraph: kind, instruction, range, region and offset into it.
  std::string to_string() const;
};

struct CheckedOptions {
  ProgType prog_type = ProgType::Unspec;
  /// The maps the program may name: LDDW BPF_PSEUDO_MAP_FD / _VALUE immediates
  /// (fixed-up form) must be one of these or point into one's direct value;
  /// BPF_PSEUDO_MAP_IDX / _IDX_VALUE (loader form) index this list.
  std::vector<maps::Map*> maps;
  /// Stack bytes each subprogram may use (VerifyStats::stack_depth: indexed by
  /// subprogram in start order). Empty: 512 bytes per frame.
  std::vector<int32_t> stack_depth;
  uint64_t insn_limit = uint64_t{1} << 22;  // per run, callbacks included
  /// kfunc calls of the fixed-up form: (imm, off) = (FUNC id, BTF index) ->
  /// host function, R0 widened as CallTarget::ret_ext says. A call without a
  /// binding ends the run as Unsupported.
  struct KfuncBinding {
    int32_t btf_id;
    int16_t btf_fd_idx;
    helpers::HelperFn fn;
    int8_t ret_ext = 0;
  };
  std::vector<KfuncBinding> kfuncs;
};

struct CheckedInput {
  uint64_t ctx = 0;       // R1; XDP: a struct xdp_md with 32-bit packet addresses
  uint64_t ctx_size = 0;  // bytes of ctx the program may touch
  /// R2, R3... as plain numbers, for callers that pass more than the ctx (the
  /// conformance suite's memory size). The kernel's programs get only R1.
  std::vector<uint64_t> args;
};

struct CheckedResult {
  enum class Status : uint8_t { Ok, Violation, InsnLimit, Unsupported };
  Status status = Status::Ok;
  uint64_t r0 = 0;
  std::optional<Violation> violation;
  std::string unsupported;  // Status::Unsupported: what
  /// The outcome depends on addresses or uninitialised memory (see above).
  bool address_dependent = false;
  std::string address_dependence;  // the first reason, for reports
  int32_t address_dependence_insn = -1;
  uint64_t insns_executed = 0;
};

class CheckedProgram {
 public:
  /// `insns` in the loader's or the fixed-up form (see CheckedOptions::maps).
  /// Fails only on an empty program: anything else, even an unverified
  /// program, runs and reports what it does wrong.
  static Result<std::unique_ptr<CheckedProgram>> create(std::span<const isa::Insn> insns, CheckedOptions opts);

  CheckedResult run(const CheckedInput& in) const;

  std::span<const isa::Insn> insns() const { return insns_; }
  const CheckedOptions& options() const { return opts_; }
  /// Start instruction of each subprogram (0, then every BPF_PSEUDO_CALL and
  /// BPF_PSEUDO_FUNC target), sorted: the index space of stack_depth.
  const std::vector<uint32_t>& subprog_starts() const { return subprog_starts_; }
  /// True for the second slot of an LDDW (never an instruction of its own).
  bool lddw_high(size_t i) const { return i < lddw_high_.size() && lddw_high_[i]; }

 private:
  CheckedProgram() = default;
  std::vector<isa::Insn> insns_;
  CheckedOptions opts_;
  std::vector<uint32_t> subprog_starts_;
  std::vector<uint8_t> lddw_high_;  // 1 for the second slot of an LDDW
};

}  // namespace hostbpf::exec
