// libFuzzer target: arbitrary bytes as an instruction stream through
// isa::validate_program, the disassembler, and (for accepted programs) the
// interpreter's decoder. None may crash, hang or leak on any input; a program
// validate accepts must also decode. Programs are not run: structurally valid
// code may still loop forever or access any address, which is the verifier's
// business.
//
// Input: byte 0 picks the options (bits 0-1: cpu v1..v4, bit 2: callx, bit 3:
// kfunc calls, bit 4: no pseudo LDDW sources); the rest is 8-byte instructions.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "exec/executable.h"
#include "exec/fixup.h"
#include "isa/disasm.h"
#include "isa/validate.h"

namespace {

uint64_t stub_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return 0; }

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
  // call has somewhere to go (kfunc calls in the loader's form: one ksym each).
  static const module::BtfOwner host{"vmlinux", nullptr, false};
  std::vector<isa::Insn> loader(insns.begin(), insns.end());
  std::vector<verifier::KfuncTarget> ksyms;
  exec::FixupInput in;
  in.exec.allow_callx = vopts.allow_callx;
  for (isa::Insn& i : loader) {
    if (isa::is_helper_call(i)) in.exec.helper_overrides.push_back({i.imm, &stub_helper});
    if (isa::is_kfunc_call(i)) {
      ksyms.push_back({"stub", &host, static_cast<uint32_t>(i.imm), reinterpret_cast<const void*>(&stub_helper)});
      i.imm = static_cast<int32_t>(ksyms.size() - 1);
    }
  }
  in.insns = loader;
  in.kfuncs = ksyms;
  auto prepared = exec::fixup(in);
  if (!prepared.ok()) abort();
  auto prog = exec::make_interpreter(*prepared);
  if (!prog.ok()) abort();
  return 0;
}
