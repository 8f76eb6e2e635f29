// Build-time tool: writes the header `hostbpf btf dump host` prints (the host
// BTF of a default Runtime, with the bpf_cpumask types and kfunc
// declarations), so the cpumask selftest programs compile against it the way
// the kernel's compile against vmlinux.h.
#include <cstdio>
#include <fstream>

#include "hostbpf/hostbpf.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.h\n", argv[0]);
    return 2;
  }
  hostbpf::Runtime rt;
  auto header = rt.host_btf_dump();
  if (!header.ok()) {
    std::fprintf(stderr, "%s\n", header.error().message().c_str());
    return 1;
  }
  std::ofstream out(argv[1]);
  out << *header;
  return out ? 0 : 1;
}
