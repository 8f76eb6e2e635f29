// Build-time tool: writes the standard host BTF as a C header (what
// `hostbpf btf dump host --format c` prints), so a test program can be
// compiled against it instead of vmlinux.h.
#include <cstdio>
#include <fstream>

#include "btf/builder.h"
#include "prog_types/prog_type_ops.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.h\n", argv[0]);
    return 2;
  }
  hostbpf::btf::BtfBuilder b;
  hostbpf::prog_types::add_host_types(b);
  auto btf = b.finish();
  if (!btf) {
    std::fprintf(stderr, "%s\n", btf.error().message().c_str());
    return 1;
  }
  auto header = (*btf)->dump_c("__HOSTBPF_HOST_H__");
  if (!header) {
    std::fprintf(stderr, "%s\n", header.error().message().c_str());
    return 1;
  }
  std::ofstream(argv[1]) << *header;
  return 0;
}
