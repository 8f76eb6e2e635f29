// The hostbpf command line: shared pieces of the subcommands.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hostbpf/hostbpf.h"

namespace hostbpf::cli {

/// Parses hex bytes, ignoring white space ("0a 1b", "0a1b", "0a  1b  "). False
/// on an odd digit count or a non-hex character.
bool parse_hex(const std::string& text, std::vector<uint8_t>* out, std::string* error);
std::string to_hex(const uint8_t* p, size_t n);

/// A test run's buffers from --ctx-hex / --ctx-file / --data-hex, and the one
/// place that turns them into TestRunOptions (outputs sized like the inputs).
struct TestRunInput {
  std::vector<uint8_t> ctx, data, ctx_out, data_out;
  /// False, with the error printed (naming the option), on bad hex or an
  /// unreadable --ctx-file; an empty argument leaves its buffer empty.
  bool parse(const std::string& ctx_hex, const std::string& ctx_file, const std::string& data_hex);
  TestRunOptions options(uint32_t repeat);
};

/// Opens and loads OBJ, printing the error (and log) to stderr on failure.
bool open_and_load(Runtime& rt, const std::string& path, Object* out, const LoadOptions& opts = {});
/// Set by --unsafe-skip-verification: every load skips the verifier.
extern bool g_unsafe_skip_verification;
/// The program named `name`, or the only program when `name` is empty.
bool pick_program(const Object& obj, const std::string& name, Program* out);

/// Loads each module (--module) into `rt`, in order, printing the error on failure.
bool load_modules(Runtime& rt, const std::vector<std::string>& paths);

int prog_run(const std::string& obj, const std::string& prog, const std::string& ctx_hex,
             const std::string& ctx_file, const std::string& data_hex, uint32_t repeat, bool json,
             const std::vector<std::string>& modules);
int prog_dump(const std::string& obj, const std::string& prog);
int prog_verify(const std::string& obj, const std::string& prog, int log_level, const std::vector<std::string>& modules);
int map_dump(const std::string& obj, const std::string& map, const std::string& after_prog,
             const std::string& ctx_hex, const std::string& data_hex, uint32_t repeat);
int btf_dump_file(const std::string& obj, const std::string& format);
/// The runtime's host BTF (standard types and built-in kfuncs).
int btf_dump_host(const std::string& format);
/// A module's split BTF: format c stands alone (with the host's types); raw
/// lists the module's own types with their ids.
int btf_dump_module(const std::string& so, const std::string& format);
int conformance(const std::string& mem_hex);

}  // namespace hostbpf::cli
