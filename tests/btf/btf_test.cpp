// BTF objects: loading blobs (pahole's detached BTF, corrupted input), split
// BTF over a base (a module's over the host's), and the C header dump.
#include <gtest/gtest.h>

#include <cstring>

#include "btf/btf.h"
#include "btf/builder.h"
#include "btf/host_types.h"
#include "prog_types/prog_type_ops.h"

namespace hostbpf::btf {
namespace {

const std::string kPointBtf = std::string(HOSTBPF_TEST_BINARY_DIR) + "/point.btf";

std::shared_ptr<const Btf> host() {
  BtfBuilder b;
  prog_types::add_host_types(b);
  auto btf = b.finish();
  EXPECT_TRUE(btf.ok());
  return *btf;
}

TEST(BtfLoad, PaholeBlobLoadsAndTakesTheStandardTypes) {
  auto loaded = Btf::from_file(kPointBtf);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  auto point = (*loaded)->find("point", BTF_KIND_STRUCT);
  ASSERT_TRUE(point.ok());
  EXPECT_EQ((*loaded)->type(*point)->size, 16u);
  EXPECT_TRUE((*loaded)->find("point_x", BTF_KIND_FUNC).ok());

  // The host completes pahole's types with what programs expect of vmlinux.h,
  // reusing pahole's "int" and "long int" rather than duplicating them.
  const uint32_t pahole_int = (*loaded)->find("int", BTF_KIND_INT).value();
  BtfBuilder b(*loaded);
  prog_types::add_host_types(b);
  auto host = b.finish();
  ASSERT_TRUE(host.ok()) << host.error().message();
  EXPECT_EQ((*host)->skip_modifiers_and_typedefs((*host)->find("s32", BTF_KIND_TYPEDEF).value()), pahole_int);
  EXPECT_TRUE((*host)->find("xdp_md", BTF_KIND_STRUCT).ok());
  EXPECT_EQ((*host)->find("point", BTF_KIND_STRUCT).value(), *point);
}

TEST(BtfLoad, CorruptedBlobsAreErrorsNotCrashes) {
  auto good = Btf::from_file(kPointBtf);
  ASSERT_TRUE(good.ok());
  const std::vector<uint8_t> bytes = (*good)->raw_data();
  ASSERT_GT(bytes.size(), 24u);

  EXPECT_EQ(Btf::from_blob({}).error().code(), -EINVAL);
  for (size_t cut : {size_t{4}, size_t{23}, bytes.size() / 2, bytes.size() - 1}) {
    auto r = Btf::from_blob(std::span(bytes.data(), cut));
    EXPECT_FALSE(r.ok()) << "truncated at " << cut;
    if (!r.ok()) {
      EXPECT_NE(r.error().message().find("BTF blob is malformed"), std::string::npos);
    }
  }
  std::vector<uint8_t> bad_magic = bytes;
  bad_magic[0] ^= 0xff;
  EXPECT_FALSE(Btf::from_blob(bad_magic).ok());
  std::vector<uint8_t> bad_type = bytes;
  bad_type[24 + 7] = 0x7f;  // first type's info: kind 31 does not exist
  EXPECT_FALSE(Btf::from_blob(bad_type).ok());

  auto missing = Btf::from_file("/nonexistent/host.btf");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/nonexistent/host.btf: cannot read BTF"), std::string::npos);
}

// libbpf's parser accepts these; the walks after it (its own C dumper first)
// would read type NULL or recurse forever. Found by fuzz_btf.
TEST(BtfLoad, DanglingReferencesAndLoopsAreErrors) {
  auto good = Btf::from_file(kPointBtf);
  ASSERT_TRUE(good.ok());
  const Btf& g = **good;
  const std::vector<uint8_t> bytes = g.raw_data();
  // Where type `id` starts in the raw blob: after the 24-byte header, at its
  // distance from type 1 in libbpf's copy of the type section.
  auto offset_of = [&](uint32_t id) {
    return 24 + static_cast<size_t>(reinterpret_cast<const uint8_t*>(g.type(id)) -
                                    reinterpret_cast<const uint8_t*>(g.type(1)));
  };
  auto patch = [&](size_t off, uint32_t v) {
    std::vector<uint8_t> out = bytes;
    std::memcpy(&out[off], &v, sizeof v);
    return out;
  };
  const uint32_t point = g.find("point", BTF_KIND_STRUCT).value();
  auto dangling = Btf::from_blob(patch(offset_of(point) + 12 + 4, 400));  // member 0's type
  ASSERT_FALSE(dangling.ok());
  EXPECT_NE(dangling.error().message().find("(STRUCT 'point') member 0 refers to type 400, past the last type"),
            std::string::npos)
      << dangling.error().message();

  // A struct holding itself by value (only a pointer may close a loop).
  auto by_value = Btf::from_blob(patch(offset_of(point) + 12 + 4, point));
  ASSERT_FALSE(by_value.ok());
  EXPECT_NE(by_value.error().message().find("is part of a loop of types that no pointer breaks"), std::string::npos)
      << by_value.error().message();

  uint32_t ptr = 0;
  for (uint32_t id = 1; g.type(id); id++)
    if (btf_is_ptr(g.type(id))) ptr = id;
  ASSERT_NE(ptr, 0u) << "point.c has a pointer type";
  auto loop = Btf::from_blob(patch(offset_of(ptr) + 8, ptr));  // points at itself
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.error().message().find("starts a chain of references that loops"), std::string::npos)
      << loop.error().message();
}

TEST(SplitBtf, ModuleTypesContinueAfterTheHostsAndSeeThem) {
  auto base = host();
  BtfBuilder m(base);
  const uint32_t u32 = m.lookup("u32", BTF_KIND_TYPEDEF);
  ASSERT_NE(u32, 0u);
  ASSERT_LT(u32, base->end_id());  // found in the base, not duplicated
  const uint32_t widget = m.struct_type("widget", 4, {{"id", u32, 0}});
  auto mod = m.finish();
  ASSERT_TRUE(mod.ok()) << mod.error().message();
  EXPECT_EQ((*mod)->start_id(), base->end_id());
  EXPECT_EQ(widget, base->end_id());
  EXPECT_TRUE((*mod)->find_own("widget", BTF_KIND_STRUCT).ok());
  EXPECT_FALSE((*mod)->find_own("xdp_md", BTF_KIND_STRUCT).ok());
  EXPECT_TRUE((*mod)->find("xdp_md", BTF_KIND_STRUCT).ok());

  // A module's encoded split BTF loads again over the same base.
  auto again = Btf::from_blob((*mod)->raw_data(), base);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ((*again)->find("widget", BTF_KIND_STRUCT).value(), widget);
}

// truncate() drops a failed registration's types: the ones kept keep their
// ids, names and members, and the next type added takes the first dropped id.
TEST(SplitBtf, TruncateDropsTheNewestOwnTypes) {
  auto host = Btf::empty();
  BtfBuilder hb(host);
  const uint32_t u32 = hb.int_type("unsigned int", 4, false);
  auto base = hb.finish();
  ASSERT_TRUE(base.ok());
  auto mod = Btf::empty(*base);
  BtfBuilder b(mod);
  const uint32_t keep = b.struct_type("keep", 4, {{"x", u32, 0}});
  const uint32_t mark = mod->end_id();
  b.struct_type("gone", 4, {{"y", u32, 0}});
  b.pointer(keep);
  ASSERT_EQ(mod->end_id(), mark + 2);
  ASSERT_FALSE(mod->truncate(mark));
  EXPECT_EQ(mod->end_id(), mark);
  EXPECT_EQ(*mod->find("keep", BTF_KIND_STRUCT), keep);
  EXPECT_FALSE(mod->find("gone", BTF_KIND_STRUCT).ok());
  EXPECT_EQ(mod->find("unsigned int", BTF_KIND_INT).value(), u32);  // the base is untouched
  EXPECT_EQ(btf_members(mod->type(keep))[0].type, u32);
  BtfBuilder again(mod);
  EXPECT_EQ(again.struct_type("gone", 4, {{"y", u32, 0}}), mark);
  EXPECT_FALSE(mod->truncate(mod->end_id() + 5));  // past the end: nothing to drop
  EXPECT_EQ(mod->truncate(1).code(), -EINVAL);     // into the base: refused
}

TEST(BtfDump, CHeaderIsSelfContainedWithGuardAndCoreAttribute) {
  auto base = host();
  auto header = base->dump_c("__HOSTBPF_HOST_H__");
  ASSERT_TRUE(header.ok()) << header.error().message();
  const std::string& h = *header;
  EXPECT_EQ(h.rfind("#ifndef __HOSTBPF_HOST_H__\n#define __HOSTBPF_HOST_H__\n", 0), 0u);
  EXPECT_NE(h.find("preserve_access_index"), std::string::npos);
  EXPECT_NE(h.find("typedef unsigned int __u32;"), std::string::npos) << h;
  EXPECT_NE(h.find("typedef __u32 u32;"), std::string::npos) << h;
  EXPECT_NE(h.find("struct xdp_md {"), std::string::npos);
  EXPECT_NE(h.find("XDP_PASS = 2"), std::string::npos);
  EXPECT_NE(h.find("BPF_F_NO_PREALLOC = 1"), std::string::npos);

  BtfBuilder m(base);
  m.struct_type("widget", 4, {{"id", m.lookup("u32", BTF_KIND_TYPEDEF), 0}});
  auto mod = m.finish();
  ASSERT_TRUE(mod.ok());
  auto mh = (*mod)->dump_c("__MOD_H__");
  ASSERT_TRUE(mh.ok());
  EXPECT_NE(mh->find("struct widget {"), std::string::npos);
  EXPECT_NE(mh->find("typedef __u32 u32;"), std::string::npos);  // the base's types come along
}

}  // namespace
}  // namespace hostbpf::btf
