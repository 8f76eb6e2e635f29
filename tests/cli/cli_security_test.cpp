// Hostile input through the command line: each run ends in an exit code and,
// when it fails, a message naming what was wrong; never a signal.
//  - a directory where a file is expected.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using ::testing::HasSubstr;

struct Outcome {
  bool exited = false;  // false: killed by a signal
  int code = -1;        // exit status, or the signal
  std::string out, err;
  std::string describe() const {
    return (exited ? "exit " : "signal ") + std::to_string(code) + ", stderr: " + err;
  }
};

std::string temp_path(const std::string& what) {
  static int seq = 0;
  return std::filesystem::temp_directory_path() /
         ("hostbpf_cli_sec_" + std::to_string(getpid()) + "_" + std::to_string(seq++) + what);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs the CLI with `args` directly (no shell between it and the signal).
Outcome run_cli(const std::vector<std::string>& args, bool keep_stdout = false) {
  const std::string out = temp_path(".out"), err = temp_path(".err");
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(keep_stdout ? out.c_str() : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> argv{const_cast<char*>(HOSTBPF_CLI)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(HOSTBPF_CLI, argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Outcome r;
  r.exited = WIFEXITED(status);
  r.code = r.exited ? WEXITSTATUS(status) : WTERMSIG(status);
  if (keep_stdout) r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

const std::string kHello = std::string(HOSTBPF_EXAMPLES_DIR) + "/hello.bpf.o";

TEST(CliSecurity, ADirectoryWhereAFileBelongsIsAnErrorNamingIt) {
  const std::string dir = std::filesystem::temp_directory_path();
  const std::vector<std::vector<std::string>> commands = {
      {"prog", "run", dir},
      {"prog", "verify", dir},
      {"prog", "dump", dir},
      {"map", "dump", dir, "counters"},
      {"prog", "run", kHello, "--prog", "hello", "--ctx-file", dir},
  };
  for (const auto& args : commands) {
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    Outcome o = run_cli(args);
    ASSERT_TRUE(o.exited) << cmd << o.describe();
    EXPECT_NE(o.code, 0) << cmd;
    EXPECT_LT(o.code, 128) << cmd << o.describe();  // 134 was std::terminate's abort
    EXPECT_THAT(o.err, HasSubstr(dir + ": ")) << cmd;
    EXPECT_THAT(o.err, HasSubstr("is a directory")) << cmd;
  }
}

}  // namespace
