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

  // Accepted: decoding must succeed once every call has somewhere to go.
  exec::PrepareOptions popts;
  popts.allow_callx = vopts.allow_callx;
  for (const isa::Insn& i : insns) {
    if (isa::is_helper_call(i)) popts.helper_overrides.push_back({i.imm, &stub_helper});
    if (isa::is_kfunc_call(i)) popts.kfuncs.push_back({i.imm, i.off, &stub_helper});
  }
  auto prog = exec::interpret(insns, popts);
  if (!prog.ok()) abort();
  return 0;
}
