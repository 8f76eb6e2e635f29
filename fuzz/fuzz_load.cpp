// libFuzzer target: the whole load path on arbitrary bytes, as a host calling
// Runtime::open_memory + Object::load would: ELF parsing, CO-RE relocations
// against the host BTF (with the built-in cpumask types), .ksyms resolution
// against the host's kfuncs, map creation and the verifier on whatever
// programs survive. It must end in a loaded object or an Error, never a crash,
// a hang, a leak or undefined behaviour.
//
// Seeds: every BPF object the test build compiles (scripts/fuzz.sh copies
// them), so mutations start from objects with maps, globals, CO-RE relocations
// and kfunc calls.
#include <bpf/libbpf.h>

#include <cstdint>

#include "hostbpf/hostbpf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (libbpf_set_print(nullptr), true);
  (void)quiet;
  // One runtime for the whole run, as a host has: its host BTF is sealed by
  // the first open, and every object is released before the next input.
  static hostbpf::Runtime* rt = new hostbpf::Runtime(hostbpf::RuntimeOptions{.trace = [](std::string_view) {}});
  auto obj = rt->open_memory({data, size}, "fuzz.bpf.o");
  if (!obj.ok()) return 0;
  (void)obj->load();
  return 0;
}
