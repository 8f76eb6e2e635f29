// Runs the hostbpf CLI as a user's shell would, for the tests that drive it.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs the CLI with `args` (shell words), feeding `input` on stdin.
Outcome run_cli(const std::string& args, const std::string& input = "") {
  static int seq = 0;
  const std::string base = std::filesystem::temp_directory_path() / ("hostbpf_cli_" + std::to_string(getpid()) + "_" + std::to_string(seq++));
  std::ofstream(base + ".in") << input;
  const std::string cmd = std::string(HOSTBPF_CLI) + " " + args + " <" + base + ".in >" + base + ".out 2>" + base + ".err";
  int raw = std::system(cmd.c_str());
  Outcome o;
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  std::stringstream out, err;
  out << std::ifstream(base + ".out").rdbuf();
  err << std::ifstream(base + ".err").rdbuf();
  o.out = out.str();
  o.err = err.str();
  for (const char* ext : {".in", ".out", ".err"}) std::filesystem::remove(base + ext);
  return o;
}

}  // namespace
