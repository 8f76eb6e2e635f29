// hostbpf btf dump (file OBJ | host | module SO) [--format c|raw]: BTF in
// bpftool's formats, all from the public API (hostbpf::dump_btf_file and the
// runtime's host and module dumps, which add the kfunc prototypes to C headers
// as bpftool does).

#include <iostream>

#include "cli.h"

namespace hostbpf::cli {
namespace {

BtfFormat format_of(const std::string& format) { return format == "raw" ? BtfFormat::Raw : BtfFormat::C; }

int print(const Result<std::string>& dump) {
  if (!dump) {
    std::cerr << "hostbpf: " << dump.error().message() << "\n";
    return 1;
  }
  std::cout << *dump << std::flush;
  return 0;
}

}  // namespace

int btf_dump_host(const std::string& format) {
  Runtime rt;
  return print(rt.host_btf_dump(format_of(format)));
}

int btf_dump_module(const std::string& so, const std::string& format) {
  Runtime rt;
  if (!load_modules(rt, {so})) return 1;
  return print(rt.module_btf_dump(rt.modules().names().back(), format_of(format)));
}

int btf_dump_file(const std::string& path, const std::string& format) {
  return print(dump_btf_file(path, format_of(format)));
}

}  // namespace hostbpf::cli
