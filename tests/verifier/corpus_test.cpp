// The verifier corpus on hostbpf: every annotated program of corpus/*.bpf.c is
// loaded alone through the public API (the others' autoload off), and its
// verdict and log must be what its annotations say (corpus/corpus.h).
#include <gtest/gtest.h>

#include <map>

#include "corpus_annotations.h"
#include "hostbpf/hostbpf.h"

namespace hostbpf::test {
namespace {

struct Outcome {
  bool loaded = false;
  bool corpus_bug = false;  // the program is not in its object: a broken corpus
  std::string message;      // Error::message() on rejection
  std::string log;          // the verifier log (rejection: Error::log())
};

Outcome load_one(const CorpusProgram& p) {
  Outcome out;
  Runtime rt;
  auto obj = rt.open(p.path);
  if (!obj) {  // refused before any verification (e.g. an extern hostbpf lacks)
    out.message = obj.error().message();
    return out;
  }
  bool found = false;
  for (auto& prog : obj->programs()) {
    const bool me = prog.name() == p.name;
    found |= me;
    if (Error e = prog.set_autoload(me)) {
      out.message = e.message();
      out.corpus_bug = true;
      return out;
    }
  }
  if (!found) {
    out.message = "no program named " + p.name;
    out.corpus_bug = true;
    return out;
  }
  Error err = obj->load(LoadOptions{.log_level = p.log_level});
  if (err) {
    out.message = err.message();
    out.log = err.log();
    return out;
  }
  out.loaded = true;
  out.log = obj->program(p.name)->verifier_log();
  return out;
}

class VerifierCorpus : public testing::TestWithParam<CorpusProgram> {};

TEST_P(VerifierCorpus, VerdictAndMessages) {
  const CorpusProgram& p = GetParam();
  const Outcome o = load_one(p);
  ASSERT_FALSE(o.corpus_bug) << o.message;
  ASSERT_EQ(o.loaded, p.expect_success)
      << p << "\nhostbpf " << (o.loaded ? "accepted it" : "rejected it: " + o.message) << "\nlog:\n"
      << o.log;
  // What a user sees: the error's message, then the log (a rejection before
  // verification, by the instruction validator, has a message and no log).
  const std::string seen = o.loaded ? o.log : o.message + "\n" + o.log;
  // The one-line message names the problem, never the source line before it.
  if (!o.loaded) {
    EXPECT_EQ(o.message.find("): ; "), std::string::npos) << o.message;
  }
  const int missing = first_missing_msg(seen, p.msgs);
  EXPECT_EQ(missing, -1) << p << "\nmissing (in order) from hostbpf's message and log: \""
                         << p.msgs[missing < 0 ? 0 : missing] << "\"\nmessage: " << o.message << "\nlog:\n"
                         << o.log;
}

INSTANTIATE_TEST_SUITE_P(Corpus, VerifierCorpus, testing::ValuesIn(corpus()),
                         [](const testing::TestParamInfo<CorpusProgram>& info) { return info.param.test_name(); });

// The corpus itself: every object read cleanly, and it is as large as issue 3
// asks, with both verdicts in every file.
TEST(VerifierCorpusShape, ObjectsReadCleanly) {
  for (const auto& e : corpus_errors()) ADD_FAILURE() << e;
}

// A file made only of listed differences (kfuncs.bpf.c, which hostbpf cannot
// open at all yet) is exempt from having both verdicts.
TEST(VerifierCorpusShape, AtLeast200ProgramsWithBothVerdictsPerFile) {
  EXPECT_GE(corpus().size(), 200u);
  struct Counts {
    int pass = 0, fail = 0, differs = 0;
  };
  std::map<std::string, Counts> per_file;
  for (const auto& p : corpus()) {
    Counts& c = per_file[p.object];
    (p.expect_success ? c.pass : c.fail)++;
    c.differs += !p.differs.empty();
  }
  for (const auto& [file, c] : per_file) {
    std::cout << "  " << file << ": " << c.pass << " pass, " << c.fail << " fail (" << c.differs
              << " listed differences)\n";
    if (c.differs == c.pass + c.fail) continue;
    EXPECT_GT(c.pass, 0) << file << " has no program that must pass";
    EXPECT_GT(c.fail, 0) << file << " has no program that must fail";
  }
}

}  // namespace
}  // namespace hostbpf::test
