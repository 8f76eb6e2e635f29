// The verifier corpus's expectations, read back from each object's BTF: the
// decl tags that corpus/corpus.h's macros attach to a program's FUNC (as the
// kernel's selftests test_loader reads bpf_misc.h's). Shared by the hostbpf
// runner (corpus_test.cpp) and the kernel's (corpus_kernel_test.cpp).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace hostbpf::test {

struct CorpusProgram {
  std::string object;  // file stem: "stack" for stack.bpf.o
  std::string path;    // the .bpf.o
  std::string name;    // the program's function name
  bool expect_success = false;
  int log_level = 1;
  std::vector<std::string> msgs;         // __msg, in source order
  std::string differs;                   // __hostbpf_differs reason; empty when none
  std::vector<std::string> kernel_msgs;  // __kernel_msg, in source order

  /// "stack__spill_fill_pointer": a GoogleTest-safe name for file and program.
  std::string test_name() const;
};

/// Reads every annotated program of one object (those with __success or
/// __failure), in BTF order. An object that cannot be parsed, or a program
/// with both verdicts or bad tags, gives an error text in `error`.
std::vector<CorpusProgram> read_corpus_object(const std::string& path, std::string* error);

/// Every *.bpf.o under `dir`, sorted, then their programs.
std::vector<CorpusProgram> read_corpus(const std::string& dir, std::vector<std::string>* errors);

/// The corpus directory the build made (HOSTBPF_CORPUS_DIR), read once.
const std::vector<CorpusProgram>& corpus();
const std::vector<std::string>& corpus_errors();

/// Finds each of `msgs` in `log` in order (each after the previous match);
/// returns the index of the first one missing, or -1 when all are there.
int first_missing_msg(const std::string& log, const std::vector<std::string>& msgs);

/// For GoogleTest's failure output: everything about a program.
std::ostream& operator<<(std::ostream& os, const CorpusProgram& p);

}  // namespace hostbpf::test
