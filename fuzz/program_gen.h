// Random but plausible BPF programs for soundness fuzzing of the verifier.
//
// The generator reads a stream of decisions (fuzzer bytes, or a seed's bytes)
// and emits programs built from snippets that a compiler would produce: ALU on
// scalars, stack spills and fills, ctx loads, map lookups with (mostly) null
// checks, packet bounds checks, pointer arithmetic with constant and bounded or
// unbounded variable offsets, branches, bounded loops, bpf-to-bpf calls, bpf_loop
// callbacks, ring buffer records. It keeps a rough model of what each register
// and stack slot holds so that a good share of its programs pass the verifier,
// and it perturbs offsets, sizes and bounds near the edges of the regions,
// because that is where verifier bugs live: an accepted program whose run
// steps outside its memory is a verifier bug.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hostbpf/prog_type.h"
#include "isa/insn.h"
#include "maps/map.h"

namespace hostbpf::fuzz {

/// Fuzzer bytes as a stream of decisions: zeros once exhausted, so every input
/// ends in a complete program.
class ByteSource {
 public:
  explicit ByteSource(std::span<const uint8_t> data) : data_(data) {}
  uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v = v << 8 | byte();
    return v;
  }
  /// A value in [0, n).
  uint32_t below(uint32_t n) { return n <= 1 ? 0 : (n <= 256 ? byte() % n : u32() % n); }
  bool chance(uint32_t percent) { return below(100) < percent; }
  bool exhausted() const { return pos_ >= data_.size(); }
  size_t consumed() const { return pos_; }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

/// The maps every generated program is built against, by index
/// (BPF_PSEUDO_MAP_IDX immediates).
enum MapSlot : int32_t {
  kArrayMap = 0,     // BPF_MAP_TYPE_ARRAY, a few entries
  kHashMap = 1,      // BPF_MAP_TYPE_HASH
  kRingbufMap = 2,   // BPF_MAP_TYPE_RINGBUF
  kGlobalData = 3,   // single-entry array used as global data (maybe BPF_F_RDONLY_PROG)
  kPercpuArray = 4,  // BPF_MAP_TYPE_PERCPU_ARRAY
  kNumMapSlots = 5,
};

struct GeneratedProgram {
  ProgType prog_type = ProgType::Unspec;  // ProgType::Syscall or ProgType::Xdp
  std::vector<isa::Insn> insns;       // the loader's form: maps by index
  std::vector<maps::MapSpec> maps;    // indexed by MapSlot
  std::vector<std::string> features;  // snippet kinds it contains, for statistics
};

struct GenOptions {
  ProgType prog_type = ProgType::Unspec;  // Unspec: chosen by the bytes
  size_t max_insns = 320;   // soft limit: no new snippet starts beyond it
};

GeneratedProgram generate_program(ByteSource& src, const GenOptions& opts = {});

}  // namespace hostbpf::fuzz
