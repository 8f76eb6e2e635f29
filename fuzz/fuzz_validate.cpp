// libFuzzer target: arbitrary bytes as an instruction stream through
// isa::validate_program, the disassembler, and (for accepted programs) the
// interpreter's decoder. None may crash, hang or leak on any input; a program
// validate accepts must also decode. Programs are not run: structurally valid
// code may still loop forever or access any address, which is the verifier's
// business.
//
// Input: byte 0 picks the options (bits 0-1: cpu v1..v4, bit 2: callx, bit 3:
// kfunc calls, bit 4: no pseudo LDDW sources); the rest is 8-byte instructions.
#include <linux/bpf.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "exec/executable.h"
#include "exec/fixup.h"
#include "isa/disasm.h"
#include "isa/validate.h"
#include "maps/map.h"

namespace {

uint64_t stub_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return 0; }

// The maps an accepted program's `rX = map ll` may name: an object's map
// index and value offset are the loader's business (it refuses unknown ones),
// so the target folds any index and offset onto these and lets fixup bind them.
constexpr uint32_t kMaps = 4;
constexpr uint32_t kValueSize = 64;

std::span<hostbpf::maps::Map* const> fuzz_maps() {
  static const auto maps = [] {
    std::vector<std::shared_ptr<hostbpf::maps::Map>> owned;
    for (uint32_t i = 0; i < kMaps; i++) {
      auto m = hostbpf::maps::create_map({"fuzz", BPF_MAP_TYPE_ARRAY, 4, kValueSize, 1, 0});
      if (!m.ok()) abort();
      owned.push_back(m.value());
    }
    return owned;
  }();
  static const auto raw = [] {
    std::vector<hostbpf::maps::Map*> v;
    for (const auto& m : maps) v.push_back(m.get());
    return v;
  }();
  return raw;
}

[[noreturn]] void fail(const char* stage, const hostbpf::Error& err) {
  std::fprintf(stderr, "fuzz_validate: %s refused a program validate accepted: %s\n", stage,
               err.message().c_str());
  abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hostbpf;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::vector<isa::Insn> insns((size - 1) / sizeof(isa::Insn));
  if (!insns.empty()) std::memcpy(insns.data(), data + 1, insns.size() * sizeof(isa::Insn));

  isa::ValidateOptions vopts;
  vopts.cpu = static_cast<isa::CpuVersion>(1 + (flags & 3));
  vopts.allow_callx = flags & 4;
  vopts.allow_kfunc_calls = flags & 8;
  vopts.allow_pseudo_lddw = !(flags & 16);

  const Error err = isa::validate_program(insns, vopts);
  // The disassembler must cope with anything, valid or not.
  const std::string text = isa::disasm_program(insns);
  if (err) {
    if (err.message().empty()) abort();  // every rejection explains itself
    return 0;
  }

  // Accepted: the fixup stage and the interpreter must take it once every
  // call has somewhere to go (kfunc calls and `rX = &ksym` in the loader's form:
  // one ksym each).
  static const module::BtfOwner host{"vmlinux", nullptr, false};
  std::vector<isa::Insn> loader(insns.begin(), insns.end());
  std::vector<verifier::KfuncTarget> ksyms;
  exec::FixupInput in;
  in.exec.allow_callx = vopts.allow_callx;
  for (size_t k = 0; k < loader.size(); k++) {
    isa::Insn& i = loader[k];
    if (isa::is_lddw(i) && k + 1 < loader.size() &&
        (i.src_reg == BPF_PSEUDO_MAP_IDX || i.src_reg == BPF_PSEUDO_MAP_IDX_VALUE)) {
      i.imm = static_cast<int32_t>(static_cast<uint32_t>(i.imm) % kMaps);
      loader[k + 1].imm = static_cast<int32_t>(static_cast<uint32_t>(loader[k + 1].imm) % kValueSize);
      k++;
      continue;
    }
    if (isa::is_lddw(i) && k + 1 < loader.size() && i.src_reg == BPF_PSEUDO_BTF_ID) {  // `rX = &ksym`
      ksyms.push_back({"stub", &host, static_cast<uint32_t>(i.imm), reinterpret_cast<const void*>(&stub_helper)});
      i.imm = static_cast<int32_t>(ksyms.size() - 1);
      k++;
      continue;
    }
    if (isa::is_helper_call(i)) in.exec.helper_overrides.push_back({i.imm, &stub_helper});
    if (isa::is_kfunc_call(i)) {
      ksyms.push_back({"stub", &host, static_cast<uint32_t>(i.imm), reinterpret_cast<const void*>(&stub_helper)});
      i.imm = static_cast<int32_t>(ksyms.size() - 1);
    }
  }
  in.insns = loader;
  in.kfuncs = ksyms;
  in.maps = fuzz_maps();
  auto prepared = exec::fixup(in);
  if (!prepared.ok()) fail("fixup", prepared.error());
  auto prog = exec::make_interpreter(*prepared);
  if (!prog.ok()) fail("make_interpreter", prog.error());
  return 0;
}
