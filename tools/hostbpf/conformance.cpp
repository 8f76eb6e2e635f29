// hostbpf conformance [MEM]: the bpf_conformance suite's plugin protocol. The
// program arrives on stdin as hex bytes; MEM is the memory the program gets in
// R1 (length in R2). Prints R0 in hex and exits 0, or prints an error to stderr
// and exits 1.
#include <fmt/format.h>

#include <iostream>
#include <cstring>
#include <iterator>

#include "cli.h"

namespace hostbpf::cli {
namespace {

// uBPF's helper 5, which the suite calls "unwind": returns its argument, and
// stops the program (returning 0) when that argument is 0.
uint64_t unwind(uint64_t r1, uint64_t, uint64_t, uint64_t, uint64_t) {
  if (r1 == 0) stop_program(0);
  return r1;
}

}  // namespace

int conformance(const std::string& mem_hex) {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  std::vector<uint8_t> code, mem;
  std::string err;
  if (!parse_hex(text, &code, &err)) {
    std::cerr << "program: " << err << "\n";
    return 1;
  }
  if (!parse_hex(mem_hex, &mem, &err)) {
    std::cerr << "memory: " << err << "\n";
    return 1;
  }
  if (code.empty() || code.size() % sizeof(Insn)) {
    std::cerr << fmt::format("program: {} bytes is not a whole number of instructions\n", code.size());
    return 1;
  }
  std::vector<Insn> insns(code.size() / sizeof(Insn));
  std::memcpy(insns.data(), code.data(), code.size());

  Runtime rt;
  RawProgramOptions opts;
  opts.name = "conformance";
  opts.allow_callx = true;
  // The suite tests instruction semantics on raw memory (R1 = memory, R2 =
  // length), which no program type's verifier rules describe, and uses callx;
  // like the kernel's own runs of it, it executes unverified. Structure checks
  // still reject the must-reject programs.
  opts.unsafe_skip_verification = true;
  opts.helpers.push_back({5, unwind});
  auto prog = rt.load_raw(insns, opts);
  if (!prog) {
    std::cerr << prog.error().message() << "\n";
    return 1;
  }
  uint64_t r0 = prog->run(mem.empty() ? nullptr : mem.data(), mem.size());
  std::cout << fmt::format("{:x}\n", r0);
  return 0;
}

}  // namespace hostbpf::cli
