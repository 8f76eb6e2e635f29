// libFuzzer target: BTF blobs as a host hands them to the runtime
// (RuntimeOptions::host_btf_blob, a module's split BTF): parsing as base BTF
// and as split BTF over a real base, type queries, and the C header dump must
// end in a result or an Error, never a crash, a hang or undefined behaviour.
#include <bpf/libbpf.h>

#include <cstdint>

#include "btf/btf.h"
#include "btf/builder.h"
#include "btf/host_types.h"

namespace {

void exercise(const hostbpf::btf::Btf& b) {
  // Every type id, as the loader and the verifier walk them.
  uint64_t struct_bytes = 0;
  for (uint32_t id = 1; id < 64 && b.type(id); id++) {
    (void)b.name(id);
    (void)b.skip_modifiers_and_typedefs(id);
    if (btf_is_composite(b.type(id))) struct_bytes += b.type(id)->size;
  }
  // The dump pads holes in structs with a line per 8 bytes: time linear in
  // struct sizes, which valid BTF may make gigabytes. Not a bug; skip those.
  if (struct_bytes <= 1 << 20) (void)b.dump_c("FUZZ_H");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (libbpf_set_print(nullptr), true);
  (void)quiet;
  static const std::shared_ptr<const hostbpf::btf::Btf> base = [] {
    hostbpf::btf::BtfBuilder b;
    hostbpf::btf::add_standard_types(b);
    auto built = b.finish();
    if (!built.ok()) abort();
    return *built;
  }();
  if (auto own = hostbpf::btf::Btf::from_blob({data, size}); own.ok()) exercise(**own);
  if (auto split = hostbpf::btf::Btf::from_blob({data, size}, base); split.ok()) exercise(**split);
  return 0;
}
