// Runs the hostbpf CLI as a user would, for the tests that drive it.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Outcome {
  int status = -1;      // the exit status; 128 + the signal when one killed it, as a shell reports
  bool exited = false;  // false: killed by a signal
  std::string out;
  std::string err;
  std::string describe() const {
    return (exited ? "exit " + std::to_string(status) : "signal " + std::to_string(status - 128)) +
           ", stderr: " + err;
  }
};

inline std::string cli_temp_path(const std::string& what) {
  static int seq = 0;
  return std::filesystem::temp_directory_path() /
         ("hostbpf_cli_" + std::to_string(getpid()) + "_" + std::to_string(seq++) + what);
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void set_status(Outcome& o, int raw) {
  o.exited = WIFEXITED(raw);
  o.status = o.exited ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
}

// Runs the CLI with `args` (shell words), feeding `input` on stdin.
inline Outcome run_cli(const std::string& args, const std::string& input = "") {
  const std::string base = cli_temp_path("");
  std::ofstream(base + ".in") << input;
  const std::string cmd = std::string(HOSTBPF_CLI) + " " + args + " <" + base + ".in >" + base + ".out 2>" + base + ".err";
  Outcome o;
  set_status(o, std::system(cmd.c_str()));
  // The shell reports a killed child as exit status 128 + signal.
  if (o.exited && o.status > 128) o.exited = false;
  o.out = slurp(base + ".out");
  o.err = slurp(base + ".err");
  for (const char* ext : {".in", ".out", ".err"}) std::filesystem::remove(base + ext);
  return o;
}

// Runs the CLI with `args` directly (no shell between it and a signal, and no
// shell's start-up cost: for tests that run it thousands of times).
inline Outcome run_cli(const std::vector<std::string>& args, bool keep_stdout = false) {
  const std::string out = cli_temp_path(".out"), err = cli_temp_path(".err");
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
  int raw = 0;
  waitpid(pid, &raw, 0);
  Outcome r;
  set_status(r, raw);
  if (keep_stdout) r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

}  // namespace
