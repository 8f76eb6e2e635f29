// libFuzzer target: BTF blobs as a host hands them to the runtime
// (RuntimeOptions::host_btf_blob, a module's split BTF): parsing as base BTF
// and as split BTF over a real base, type queries, and the C header dump must
// end in a result or an Error, never a crash, a hang or undefined behaviour.
//
// An input whose first byte is 0xf0 or more is no blob but a recipe for one
// (btf_chain.h), so the fuzzer also explores chains of types nested far past
// the kernel's resolve depth, which random bytes almost never build:
//   byte 0      0xf0 | 1: outermost first | 2: depth x4
//   bytes 1-2   depth (little endian), at most kMaxRecipeDepth
//   byte 3      number of links in the pattern, minus one (mod 8)
//   then        the links (mod Link::kCount), then (offset16, xor8)
//               triples that mutate the generated blob.
// scripts/fuzz.sh seeds the corpus with such recipes at and past the limit.
#include <bpf/libbpf.h>

#include <cstdint>
#include <vector>

#include "btf/btf.h"
#include "btf/builder.h"
#include "btf/host_types.h"
#include "btf_chain.h"

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

constexpr uint8_t kRecipe = 0xf0;
// Far past both limits (32, and 256 for prototype chains) yet quick to build:
// 200,000-deep chains take ~100 ms a run, which starved the fuzzer (6 runs a
// second); the unit tests (tests/btf/resolve_depth_test.cpp) cover those.
constexpr uint32_t kMaxRecipeDepth = 2048;

// The blob a recipe describes (see above).
std::vector<uint8_t> from_recipe(const uint8_t* data, size_t size) {
  using hostbpf::fuzz::Link;
  if (size < 4) return {};
  uint32_t depth = data[1] | (data[2] << 8);
  if (data[0] & 2) depth *= 4;
  if (depth > kMaxRecipeDepth) depth = kMaxRecipeDepth;
  const size_t n = (data[3] % 8) + 1;
  std::vector<Link> links;
  size_t at = 4;
  for (; at < size && links.size() < n; at++)
    links.push_back(static_cast<Link>(data[at] % static_cast<uint8_t>(Link::kCount)));
  std::vector<uint8_t> blob = hostbpf::fuzz::chain_btf(depth, links, (data[0] & 1) != 0);
  for (; at + 3 <= size; at += 3) blob[(data[at] | (data[at + 1] << 8)) % blob.size()] ^= data[at + 2];
  return blob;
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
  std::vector<uint8_t> generated;
  if (size > 0 && data[0] >= kRecipe) {
    generated = from_recipe(data, size);
    data = generated.data();
    size = generated.size();
  }
  if (auto own = hostbpf::btf::Btf::from_blob({data, size}); own.ok()) exercise(**own);
  if (auto split = hostbpf::btf::Btf::from_blob({data, size}, base); split.ok()) exercise(**split);
  return 0;
}
