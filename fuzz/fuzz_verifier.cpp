// libFuzzer target: soundness of the verifier.
//
// Each input drives the program generator (program_gen.h); every program the
// verifier accepts (syscall or xdp) runs on a few inputs in the checked
// interpreter, which validates each memory access against the regions the run
// may touch, and, where the outcome does not depend on addresses, is compared
// with the fast interpreter (soundness.h). A violation or a difference aborts
// with a report: the violation, the program disassembled, the raw instructions
// and the verifier's level-2 log.
//
// Statistics (acceptance rate, top rejection reasons, features of accepted
// programs) go to stderr every 2^k programs from 4096 on and at exit. Run it
// with scripts/fuzz.sh (see its header for long runs).
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "soundness.h"

namespace {

// Never destroyed: the statistics are printed from an atexit handler.
hostbpf::fuzz::SoundnessChecker& checker() {
  static auto* c = new hostbpf::fuzz::SoundnessChecker;
  return *c;
}

void print_stats() { fprintf(stderr, "fuzz_verifier stats: %s", checker().stats.summary().c_str()); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  atexit(print_stats);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto finding = checker().check({data, size});
  if (finding) {
    fprintf(stderr, "%s\n", finding->c_str());
    abort();
  }
  const uint64_t n = checker().stats.programs;
  if (n >= 4096 && (n & (n - 1)) == 0) print_stats();
  return 0;
}
