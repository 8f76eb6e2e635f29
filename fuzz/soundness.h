// Soundness checking of the verifier, shared by the libFuzzer target
// (fuzz_verifier.cpp) and the deterministic ctest (tests/verifier/soundness_test.cpp).
//
// For each input: generate a program (program_gen.h), verify it, and run every
// accepted program on a few inputs twice, in two identical worlds (maps created
// and filled the same way, the same ctx or packet):
//  - in the checked interpreter (exec/checked_interpreter.h), which validates
//    every memory access against the regions the run may touch: a violation is
//    a verifier bug;
//  - through the fixup stage (exec::fixup, from the verifier's facts) into the
//    fast interpreter, whose R0, ctx, packet and map
//    contents must then equal the checked run's whenever that run's outcome
//    does not depend on addresses: a difference is an executor (or checked
//    interpreter) bug.
// A finding comes back as a report: the violation or difference, the input,
// the program disassembled and the verifier's level-2 log.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "program_gen.h"

namespace hostbpf::fuzz {

struct SoundnessStats {
  uint64_t programs = 0;
  uint64_t accepted = 0;
  uint64_t runs = 0;               // checked runs of accepted programs
  uint64_t compared = 0;           // runs compared with the fast interpreter
  uint64_t address_dependent = 0;  // runs not compared: their outcome depends on addresses
  uint64_t insn_limit = 0;
  uint64_t unsupported = 0;
  uint64_t accepted_insns = 0;     // instructions in accepted programs
  std::map<std::string, uint64_t> rejections;         // verifier messages, numbers stripped
  std::map<std::string, uint64_t> accepted_features;  // snippet kinds in accepted programs
  std::map<std::string, uint64_t> dependence;         // why runs were address-dependent

  double acceptance() const { return programs ? static_cast<double>(accepted) / static_cast<double>(programs) : 0; }
  /// A few lines: counts, acceptance, the top rejection reasons and features.
  std::string summary(size_t top = 12) const;
};

class SoundnessChecker {
 public:
  struct Options {
    int runs_per_program = 3;
    bool compare_with_interpreter = true;
    bool check_stack_depth = true;  // frames get only the verifier's stack depth
  };
  SoundnessChecker();
  explicit SoundnessChecker(Options opts);

  /// Generates a program from `data` and checks it. nullopt when nothing is wrong.
  std::optional<std::string> check(std::span<const uint8_t> data);
  /// Checks a given program; `inputs` supplies the run inputs and map contents.
  std::optional<std::string> check_program(const GeneratedProgram& prog, ByteSource& inputs);

  SoundnessStats stats;

 private:
  Options opts_;
};

/// Expands a seed into pseudo-random bytes (splitmix64), for seed-driven runs.
std::vector<uint8_t> seed_bytes(uint64_t seed, size_t n);

}  // namespace hostbpf::fuzz
